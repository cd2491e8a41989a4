/* The metadata of the vgg19 element: registration, copies and accessors.
 *
 * Each meta follows GStreamer's four parts: an API type (with the "video"
 * tag, so that video elements which keep video metadata keep these too),
 * a GstMetaInfo with init, free and transform functions, an add function
 * and a get function.
 *
 * The results describe the picture as a whole, so a copy of the whole
 * buffer and a scaled copy of the frame keep them unchanged; a copy of part
 * of the buffer does not (it is no longer the frame that was analysed).
 */
#include <string.h>

#include <gst/video/video.h>
#include <gst/vgg19/vgg19meta.h>

static const gchar *const meta_tags[] = { GST_META_TAG_VIDEO_STR, NULL };

/* Whether a transform of @type from @buffer keeps a whole-frame result. */
static gboolean
keeps_whole_frame_result (GstBuffer * buffer, GQuark type, gpointer data)
{
  if (GST_META_TRANSFORM_IS_COPY (type)) {
    GstMetaTransformCopy *copy = data;

    if (!copy->region)
      return TRUE;
    /* a "region" that is in fact the whole buffer */
    return copy->offset == 0 && (copy->size == (gsize) - 1
        || copy->size >= gst_buffer_get_size (buffer));
  }
  return type == gst_video_meta_transform_scale_get_quark ();
}

/* ------------------------------------------------------------------ */
/* Classification                                                       */
/* ------------------------------------------------------------------ */

GType
gst_vgg19_classification_meta_api_get_type (void)
{
  static gsize type = 0;

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstVgg19ClassificationMetaAPI",
        (const gchar **) meta_tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
classification_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  GstVgg19ClassificationMeta *cmeta = (GstVgg19ClassificationMeta *) meta;

  cmeta->n_predictions = 0;
  cmeta->predictions = NULL;
  return TRUE;
}

static void
classification_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  GstVgg19ClassificationMeta *cmeta = (GstVgg19ClassificationMeta *) meta;
  guint i;

  for (i = 0; i < cmeta->n_predictions; i++)
    g_free (cmeta->predictions[i].label);
  g_free (cmeta->predictions);
  cmeta->predictions = NULL;
  cmeta->n_predictions = 0;
}

/* Fills an initialised, empty meta with copies of the arrays. */
static void
classification_meta_set (GstVgg19ClassificationMeta * cmeta, guint n,
    const guint * class_ids, const gchar * const *labels,
    const gdouble * scores)
{
  guint i;

  cmeta->predictions = g_new0 (GstVgg19Prediction, MAX (n, 1));
  cmeta->n_predictions = n;
  for (i = 0; i < n; i++) {
    cmeta->predictions[i].class_id = class_ids[i];
    cmeta->predictions[i].label = g_strdup (labels ? labels[i] : NULL);
    cmeta->predictions[i].score = scores[i];
  }
}

static gboolean
classification_meta_transform (GstBuffer * dest, GstMeta * meta,
    GstBuffer * buffer, GQuark type, gpointer data)
{
  GstVgg19ClassificationMeta *src = (GstVgg19ClassificationMeta *) meta;
  GstVgg19ClassificationMeta *copy;
  guint i;

  if (!keeps_whole_frame_result (buffer, type, data))
    return FALSE;

  copy = (GstVgg19ClassificationMeta *) gst_buffer_add_meta (dest,
      GST_VGG19_CLASSIFICATION_META_INFO, NULL);
  if (!copy)
    return FALSE;
  copy->predictions = g_new0 (GstVgg19Prediction, MAX (src->n_predictions, 1));
  copy->n_predictions = src->n_predictions;
  for (i = 0; i < src->n_predictions; i++) {
    copy->predictions[i] = src->predictions[i];
    copy->predictions[i].label = g_strdup (src->predictions[i].label);
  }
  return TRUE;
}

const GstMetaInfo *
gst_vgg19_classification_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *mi =
        gst_meta_register (GST_VGG19_CLASSIFICATION_META_API_TYPE,
        "GstVgg19ClassificationMeta", sizeof (GstVgg19ClassificationMeta),
        classification_meta_init, classification_meta_free,
        classification_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi);
  }
  return info;
}

GstVgg19ClassificationMeta *
gst_buffer_add_vgg19_classification_meta (GstBuffer * buffer,
    guint n_predictions, const guint * class_ids,
    const gchar * const *labels, const gdouble * scores)
{
  GstVgg19ClassificationMeta *cmeta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (n_predictions == 0 || class_ids != NULL, NULL);
  g_return_val_if_fail (n_predictions == 0 || scores != NULL, NULL);

  cmeta = (GstVgg19ClassificationMeta *) gst_buffer_add_meta (buffer,
      GST_VGG19_CLASSIFICATION_META_INFO, NULL);
  if (cmeta)
    classification_meta_set (cmeta, n_predictions, class_ids, labels, scores);
  return cmeta;
}

/* ------------------------------------------------------------------ */
/* Tensors                                                              */
/* ------------------------------------------------------------------ */

GType
gst_vgg19_tensor_meta_api_get_type (void)
{
  static gsize type = 0;

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstVgg19TensorMetaAPI",
        (const gchar **) meta_tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
tensor_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  GstVgg19TensorMeta *tmeta = (GstVgg19TensorMeta *) meta;

  tmeta->layer = NULL;
  tmeta->channels = tmeta->height = tmeta->width = 0;
  tmeta->data = NULL;
  return TRUE;
}

static void
tensor_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  GstVgg19TensorMeta *tmeta = (GstVgg19TensorMeta *) meta;

  g_clear_pointer (&tmeta->layer, g_free);
  g_clear_pointer (&tmeta->data, g_bytes_unref);
}

static gboolean
tensor_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer * buffer,
    GQuark type, gpointer data)
{
  GstVgg19TensorMeta *src = (GstVgg19TensorMeta *) meta;

  if (!keeps_whole_frame_result (buffer, type, data))
    return FALSE;

  /* the values are shared, not copied */
  return gst_buffer_add_vgg19_tensor_meta (dest, src->layer, src->channels,
      src->height, src->width, src->data) != NULL;
}

const GstMetaInfo *
gst_vgg19_tensor_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *mi = gst_meta_register (GST_VGG19_TENSOR_META_API_TYPE,
        "GstVgg19TensorMeta", sizeof (GstVgg19TensorMeta),
        tensor_meta_init, tensor_meta_free, tensor_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi);
  }
  return info;
}

GstVgg19TensorMeta *
gst_buffer_add_vgg19_tensor_meta (GstBuffer * buffer, const gchar * layer,
    guint channels, guint height, guint width, GBytes * data)
{
  GstVgg19TensorMeta *tmeta;
  gsize n_values, n_bytes;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (layer != NULL, NULL);
  g_return_val_if_fail (data != NULL, NULL);

  if (channels == 0 || height == 0 || width == 0
      || !g_size_checked_mul (&n_values, channels, height)
      || !g_size_checked_mul (&n_values, n_values, width)
      || !g_size_checked_mul (&n_bytes, n_values, sizeof (gfloat))
      || g_bytes_get_size (data) != n_bytes) {
    GST_WARNING ("tensor %s of %ux%ux%u does not match its %" G_GSIZE_FORMAT
        " bytes of data", layer, channels, height, width,
        g_bytes_get_size (data));
    return NULL;
  }

  tmeta = (GstVgg19TensorMeta *) gst_buffer_add_meta (buffer,
      GST_VGG19_TENSOR_META_INFO, NULL);
  if (!tmeta)
    return NULL;
  tmeta->layer = g_strdup (layer);
  tmeta->channels = channels;
  tmeta->height = height;
  tmeta->width = width;
  tmeta->data = g_bytes_ref (data);
  return tmeta;
}

GstVgg19TensorMeta *
gst_buffer_get_vgg19_tensor_meta (GstBuffer * buffer, const gchar * layer)
{
  gpointer state = NULL;
  GstMeta *meta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);

  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state,
              GST_VGG19_TENSOR_META_API_TYPE))) {
    GstVgg19TensorMeta *tmeta = (GstVgg19TensorMeta *) meta;

    if (layer == NULL || g_strcmp0 (tmeta->layer, layer) == 0)
      return tmeta;
  }
  return NULL;
}

const gfloat *
gst_vgg19_tensor_meta_get_data (const GstVgg19TensorMeta * meta,
    gsize * n_values)
{
  gsize size = 0;
  gconstpointer values;

  g_return_val_if_fail (meta != NULL && meta->data != NULL, NULL);

  values = g_bytes_get_data (meta->data, &size);
  if (n_values)
    *n_values = size / sizeof (gfloat);
  return values;
}

/* ------------------------------------------------------------------ */
/* Perceptual loss                                                      */
/* ------------------------------------------------------------------ */

GType
gst_vgg19_loss_meta_api_get_type (void)
{
  static gsize type = 0;

  if (g_once_init_enter (&type)) {
    GType t = gst_meta_api_type_register ("GstVgg19LossMetaAPI",
        (const gchar **) meta_tags);
    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
loss_meta_init (GstMeta * meta, gpointer params, GstBuffer * buffer)
{
  GstVgg19LossMeta *lmeta = (GstVgg19LossMeta *) meta;

  lmeta->criterion = NULL;
  lmeta->total = 0.0;
  lmeta->n_layers = 0;
  lmeta->layers = NULL;
  lmeta->layer_losses = NULL;
  lmeta->metric = NULL;
  lmeta->layer_weights = NULL;
  return TRUE;
}

static void
loss_meta_free (GstMeta * meta, GstBuffer * buffer)
{
  GstVgg19LossMeta *lmeta = (GstVgg19LossMeta *) meta;

  g_clear_pointer (&lmeta->criterion, g_free);
  g_clear_pointer (&lmeta->layers, g_strfreev);
  g_clear_pointer (&lmeta->layer_losses, g_free);
  g_clear_pointer (&lmeta->metric, g_free);
  g_clear_pointer (&lmeta->layer_weights, g_free);
  lmeta->n_layers = 0;
}

static gboolean
loss_meta_transform (GstBuffer * dest, GstMeta * meta, GstBuffer * buffer,
    GQuark type, gpointer data)
{
  GstVgg19LossMeta *src = (GstVgg19LossMeta *) meta;

  if (!keeps_whole_frame_result (buffer, type, data))
    return FALSE;

  return gst_buffer_add_vgg19_weighted_loss_meta (dest, src->metric,
      src->criterion, src->n_layers, (const gchar * const *) src->layers,
      src->layer_weights, src->layer_losses) != NULL;
}

const GstMetaInfo *
gst_vgg19_loss_meta_get_info (void)
{
  static const GstMetaInfo *info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) & info)) {
    const GstMetaInfo *mi = gst_meta_register (GST_VGG19_LOSS_META_API_TYPE,
        "GstVgg19LossMeta", sizeof (GstVgg19LossMeta),
        loss_meta_init, loss_meta_free, loss_meta_transform);
    g_once_init_leave ((GstMetaInfo **) & info, (GstMetaInfo *) mi);
  }
  return info;
}

GstVgg19LossMeta *
gst_buffer_add_vgg19_weighted_loss_meta (GstBuffer * buffer,
    const gchar * metric, const gchar * criterion, guint n_layers,
    const gchar * const *layers, const gdouble * layer_weights,
    const gdouble * layer_losses)
{
  GstVgg19LossMeta *lmeta;
  guint i;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (metric != NULL && criterion != NULL, NULL);
  g_return_val_if_fail (n_layers > 0, NULL);
  g_return_val_if_fail (layers != NULL && layer_losses != NULL, NULL);

  lmeta = (GstVgg19LossMeta *) gst_buffer_add_meta (buffer,
      GST_VGG19_LOSS_META_INFO, NULL);
  if (!lmeta)
    return NULL;
  lmeta->metric = g_strdup (metric);
  lmeta->criterion = g_strdup (criterion);
  lmeta->n_layers = n_layers;
  lmeta->layers = g_new0 (gchar *, n_layers + 1);
  lmeta->layer_losses = g_new (gdouble, n_layers);
  lmeta->layer_weights = g_new (gdouble, n_layers);
  lmeta->total = 0.0;
  for (i = 0; i < n_layers; i++) {
    lmeta->layers[i] = g_strdup (layers[i]);
    lmeta->layer_losses[i] = layer_losses[i];
    lmeta->layer_weights[i] = layer_weights ? layer_weights[i] : 1.0;
    lmeta->total += lmeta->layer_weights[i] * layer_losses[i];
  }
  return lmeta;
}

GstVgg19LossMeta *
gst_buffer_add_vgg19_loss_meta (GstBuffer * buffer, const gchar * criterion,
    guint n_layers, const gchar * const *layers, const gdouble * layer_losses)
{
  return gst_buffer_add_vgg19_weighted_loss_meta (buffer, "perceptual",
      criterion, n_layers, layers, NULL, layer_losses);
}

GstVgg19LossMeta *
gst_buffer_get_vgg19_loss_meta_by_metric (GstBuffer * buffer,
    const gchar * metric)
{
  gpointer state = NULL;
  GstMeta *meta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);
  g_return_val_if_fail (metric != NULL, NULL);

  while ((meta = gst_buffer_iterate_meta_filtered (buffer, &state,
              GST_VGG19_LOSS_META_API_TYPE))) {
    GstVgg19LossMeta *lmeta = (GstVgg19LossMeta *) meta;

    if (g_strcmp0 (lmeta->metric, metric) == 0)
      return lmeta;
  }
  return NULL;
}
