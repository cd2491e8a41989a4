/* The VGG-19 side of the vgg19 element: model, plan, results.
 *
 * A plan fixes what each analysed frame gets: the taps the session
 * computes (the layers asked for, plus fc8 to classify), the converter for
 * the negotiated video format and, for the loss, the reference's
 * activations at every compared layer. Results go on the buffer as the
 * metas of libgstvgg19meta (and, for the classes, a full-frame region of
 * interest as other inference elements attach), and into the message
 * structure the element posts. */
#include <string.h>

#include <gst/vgg19/vgg19meta.h>

#include "analysis.h"
#include "frame_convert.h"
#include "model_cache.h"
#include "reference_image.h"

/* Layers reported when the layers property is unset. */
#define DEFAULT_FEATURES_LAYERS "relu5_4"
#define DEFAULT_LOSS_LAYERS "conv4_2"
#define CLASSIFIER_TAP "fc8"

struct _GstVgg19Analysis
{
  Vgg19Model *model;
  Vgg19Session *session;
  Vgg19Labels *labels;          /* NULL: classes named by index */

  /* the plan */
  gboolean configured;
  GstVideoInfo info;
  GstVgg19Mode mode;
  Vgg19Resize resize;
  Vgg19Loss loss;
  gchar **layers;               /* reported tensors, or compared layers */
  gchar **taps;                 /* computed: the layers (and fc8) */
  GstVgg19FrameConverter *converter;
  float *input;
  guint input_width;
  guint input_height;

  /* the reference, decoded once per path, and its activations at each
   * plan layer */
  gchar *reference_path;
  GstBuffer *reference_image;
  GstVideoInfo reference_info;
  GPtrArray *reference_features;        /* GBytes of float32 */
};

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

/* The resource error code for a failure of the core. */
static gint
resource_code (const GError * error)
{
  if (error->domain != VGG19_ERROR)
    return GST_RESOURCE_ERROR_FAILED;
  switch (error->code) {
    case VGG19_ERROR_NOT_FOUND:
      return GST_RESOURCE_ERROR_NOT_FOUND;
    case VGG19_ERROR_IO:
    case VGG19_ERROR_FORMAT:
    case VGG19_ERROR_WEIGHTS:
      return GST_RESOURCE_ERROR_OPEN_READ;
    case VGG19_ERROR_NO_MEMORY:
      return GST_RESOURCE_ERROR_NO_SPACE_LEFT;
    default:
      return GST_RESOURCE_ERROR_SETTINGS;
  }
}

/* Replaces a core error by a resource error saying @what failed. */
static void
set_resource_error (GError ** error, GError * cause, gint code,
    const gchar * what)
{
  g_set_error (error, GST_RESOURCE_ERROR, code, "%s: %s", what, cause->message);
  g_error_free (cause);
}

/* ------------------------------------------------------------------ */
/* Model                                                                */
/* ------------------------------------------------------------------ */

GstVgg19Analysis *
gst_vgg19_analysis_new (const gchar * weights, const gchar * labels,
    guint threads, Vgg19Precision precision, gchar ** warning, GError ** error)
{
  GstVgg19Analysis *a;
  GError *cause = NULL;
  gchar *path;

  if (warning)
    *warning = NULL;

  path = vgg19_weights_find (weights && *weights ? weights : NULL, &cause);
  a = g_new0 (GstVgg19Analysis, 1);
  if (path) {
    a->model = gst_vgg19_model_cache_acquire (path, &cause);
    g_free (path);
  }
  if (!a->model) {
    const char *help = vgg19_weights_help ();

    /* whatever went wrong, the message says how to get the weights */
    g_set_error (error, GST_RESOURCE_ERROR, resource_code (cause),
        "Could not load the VGG-19 weights: %s%s%s", cause->message,
        strstr (cause->message, help) ? "" : " ",
        strstr (cause->message, help) ? "" : help);
    g_error_free (cause);
    gst_vgg19_analysis_free (a);
    return NULL;
  }

  a->session = vgg19_session_new (a->model, threads, precision, &cause);
  if (!a->session) {
    set_resource_error (error, cause, GST_RESOURCE_ERROR_SETTINGS,
        "Cannot start the network");
    gst_vgg19_analysis_free (a);
    return NULL;
  }

  a->labels = vgg19_labels_load (labels && *labels ? labels : NULL, &cause);
  if (!a->labels) {
    if (labels && *labels) {
      set_resource_error (error, cause, resource_code (cause),
          "Cannot read the class names");
      gst_vgg19_analysis_free (a);
      return NULL;
    }
    if (warning)
      *warning = g_strdup_printf ("No class names, classes are reported by "
          "their index only: %s", cause->message);
    g_error_free (cause);
  }
  return a;
}

static void
clear_plan (GstVgg19Analysis * a)
{
  a->configured = FALSE;
  g_clear_pointer (&a->layers, g_strfreev);
  g_clear_pointer (&a->taps, g_strfreev);
  g_clear_pointer (&a->reference_features, g_ptr_array_unref);
}

void
gst_vgg19_analysis_free (GstVgg19Analysis * a)
{
  if (!a)
    return;
  clear_plan (a);
  gst_clear_buffer (&a->reference_image);
  g_free (a->reference_path);
  gst_vgg19_frame_converter_free (a->converter);
  g_free (a->input);
  vgg19_labels_free (a->labels);
  if (a->session)
    vgg19_session_free (a->session);
  gst_vgg19_model_cache_release (a->model);
  g_free (a);
}

gchar *
gst_vgg19_analysis_describe (const GstVgg19Analysis * a)
{
  return g_strdup_printf ("%s model (%s, %s) from %s, %u threads, %s "
      "kernels", vgg19_arch_name (vgg19_model_get_arch (a->model)),
      vgg19_model_get_format (a->model),
      vgg19_model_get_source_dtype (a->model),
      vgg19_model_get_path (a->model),
      vgg19_session_get_n_threads (a->session),
      vgg19_session_get_isa (a->session));
}

/* ------------------------------------------------------------------ */
/* Plan                                                                 */
/* ------------------------------------------------------------------ */

/* Splits "a, b,,c" into its distinct, non-empty names. */
static gchar **
parse_layers (const gchar * text)
{
  GPtrArray *names = g_ptr_array_new ();
  gchar **parts = g_strsplit (text ? text : "", ",", -1);
  guint i, j;

  for (i = 0; parts[i]; i++) {
    gchar *name = g_strstrip (parts[i]);
    gboolean seen = FALSE;

    if (!*name)
      continue;
    for (j = 0; j < names->len; j++)
      seen |= strcmp (g_ptr_array_index (names, j), name) == 0;
    if (!seen)
      g_ptr_array_add (names, g_strdup (name));
  }
  g_strfreev (parts);
  g_ptr_array_add (names, NULL);
  return (gchar **) g_ptr_array_free (names, FALSE);
}

const gchar *
gst_vgg19_analysis_get_mode_name (const GstVgg19Analysis * a)
{
  switch (a->mode) {
    case GST_VGG19_MODE_CLASSIFY:
      return "classify";
    case GST_VGG19_MODE_FEATURES:
      return "features";
    case GST_VGG19_MODE_LOSS:
      return "loss";
  }
  return "unknown";
}

/* The layers and taps of @settings; FALSE when they contradict. */
static gboolean
plan_layers (GstVgg19Analysis * a, const GstVgg19PlanSettings * settings,
    GError ** error)
{
  const gchar *layers = settings->layers;
  GPtrArray *taps;
  guint i;

  if (!layers && settings->mode == GST_VGG19_MODE_FEATURES)
    layers = DEFAULT_FEATURES_LAYERS;
  else if (!layers && settings->mode == GST_VGG19_MODE_LOSS)
    layers = DEFAULT_LOSS_LAYERS;
  a->layers = parse_layers (layers);

  if (settings->mode != GST_VGG19_MODE_CLASSIFY && !a->layers[0]) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "mode=%s needs at least one layer in the layers property",
        settings->mode == GST_VGG19_MODE_LOSS ? "loss" : "features");
    return FALSE;
  }
  if (settings->mode == GST_VGG19_MODE_LOSS
      && (!settings->reference || !*settings->reference)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "mode=loss needs a reference image (the reference property)");
    return FALSE;
  }
  if (settings->mode == GST_VGG19_MODE_CLASSIFY
      && !vgg19_model_has_classifier (a->model)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "The weights in %s have no classifier (fc6 to fc8), which "
        "mode=classify needs; use mode=features or mode=loss, or the "
        "complete weights", vgg19_model_get_path (a->model));
    return FALSE;
  }

  taps = g_ptr_array_new ();
  if (settings->mode == GST_VGG19_MODE_CLASSIFY)
    g_ptr_array_add (taps, g_strdup (CLASSIFIER_TAP));
  for (i = 0; a->layers[i]; i++) {
    if (settings->mode != GST_VGG19_MODE_CLASSIFY
        || strcmp (a->layers[i], CLASSIFIER_TAP) != 0)
      g_ptr_array_add (taps, g_strdup (a->layers[i]));
  }
  g_ptr_array_add (taps, NULL);
  a->taps = (gchar **) g_ptr_array_free (taps, FALSE);
  return TRUE;
}

/* The reference picture as network input, in a->input. */
static gboolean
prepare_reference_input (GstVgg19Analysis * a, const gchar * reference,
    GError ** error)
{
  GError *cause = NULL;
  GstVideoFrame frame;
  GstVideoInfo info;
  GstBuffer *image;
  Vgg19PackedImage packed;
  gboolean ok, same_size;

  if (g_strcmp0 (a->reference_path, reference) != 0) {
    gst_clear_buffer (&a->reference_image);
    g_clear_pointer (&a->reference_path, g_free);
    a->reference_image = gst_vgg19_reference_image_load (reference,
        &a->reference_info, error);
    if (!a->reference_image)
      return FALSE;
    a->reference_path = g_strdup (reference);
  }

  /* at the frames' own size the reference must have that size too */
  image = gst_buffer_ref (a->reference_image);
  info = a->reference_info;
  same_size = GST_VIDEO_INFO_WIDTH (&info) == GST_VIDEO_INFO_WIDTH (&a->info)
      && GST_VIDEO_INFO_HEIGHT (&info) == GST_VIDEO_INFO_HEIGHT (&a->info);
  if (a->resize == VGG19_RESIZE_NONE && !same_size) {
    GstVideoInfo scaled_info;
    GstBuffer *scaled = gst_vgg19_reference_image_scale (image, &info,
        GST_VIDEO_INFO_WIDTH (&a->info), GST_VIDEO_INFO_HEIGHT (&a->info),
        &scaled_info, error);

    gst_buffer_unref (image);
    if (!scaled)
      return FALSE;
    image = scaled;
    info = scaled_info;
  }

  if (!gst_video_frame_map (&frame, &info, image, GST_MAP_READ)) {
    gst_buffer_unref (image);
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
        "Could not read the decoded reference image %s", reference);
    return FALSE;
  }
  packed.data = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
  packed.width = GST_VIDEO_FRAME_WIDTH (&frame);
  packed.height = GST_VIDEO_FRAME_HEIGHT (&frame);
  packed.stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
  packed.pixel_stride = 3;
  packed.r_offset = 0;
  packed.g_offset = 1;
  packed.b_offset = 2;
  ok = vgg19_preprocess_packed (&packed, a->resize, a->input, &cause);
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (image);
  if (!ok) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "Cannot use the reference image %s: %s", reference, cause->message);
    g_error_free (cause);
  }
  return ok;
}

/* Runs the reference through the network and keeps its activations at
 * each plan layer. */
static gboolean
compute_reference_features (GstVgg19Analysis * a, const gchar * reference,
    GstClockTime * run_time, GError ** error)
{
  GError *cause = NULL;
  gint64 start;
  guint i;

  if (!prepare_reference_input (a, reference, error))
    return FALSE;

  start = g_get_monotonic_time ();
  if (!vgg19_session_run (a->session, a->input, &cause)) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
        "Cannot analyse the reference image %s: %s", reference, cause->message);
    g_error_free (cause);
    return FALSE;
  }
  *run_time = (g_get_monotonic_time () - start) * GST_USECOND;

  a->reference_features =
      g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (i = 0; a->layers[i]; i++) {
    const Vgg19Tensor *t = vgg19_session_get_output (a->session,
        a->layers[i]);
    gsize n = (gsize) t->channels * t->height * t->width;

    g_ptr_array_add (a->reference_features,
        g_bytes_new (t->data, n * sizeof (float)));
  }
  return TRUE;
}

gboolean
gst_vgg19_analysis_configure (GstVgg19Analysis * a,
    const GstVideoInfo * info, const GstVgg19PlanSettings * settings,
    GstClockTime * run_time, GError ** error)
{
  GError *cause = NULL;
  GstVgg19FrameConverter *converter;
  guint width, height;

  *run_time = GST_CLOCK_TIME_NONE;
  clear_plan (a);
  a->info = *info;
  a->mode = settings->mode;
  a->resize = settings->resize;
  a->loss = settings->loss;
  if (!plan_layers (a, settings, error))
    return FALSE;

  converter = gst_vgg19_frame_converter_new (info, settings->resize, &cause);
  if (!converter) {
    set_resource_error (error, cause, GST_RESOURCE_ERROR_SETTINGS,
        "Cannot analyse these frames");
    return FALSE;
  }
  gst_vgg19_frame_converter_free (a->converter);
  a->converter = converter;
  gst_vgg19_frame_converter_get_size (converter, &width, &height);

  if (!vgg19_session_reshape (a->session, width, height,
          (const char *const *) a->taps, &cause)) {
    set_resource_error (error, cause, resource_code (cause),
        "Cannot prepare the network");
    return FALSE;
  }

  if (!a->input || width != a->input_width || height != a->input_height) {
    g_clear_pointer (&a->input, g_free);
    /* the core bounds width * height (VGG19_MAX_INPUT_PIXELS) */
    a->input = g_try_new0 (float, (gsize) 3 * width * height);
    if (!a->input) {
      g_set_error (error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NO_SPACE_LEFT,
          "Cannot allocate the network input of %ux%u", width, height);
      return FALSE;
    }
    a->input_width = width;
    a->input_height = height;
  }

  if (a->mode == GST_VGG19_MODE_LOSS
      && !compute_reference_features (a, settings->reference, run_time, error))
    return FALSE;

  a->configured = TRUE;
  return TRUE;
}

gboolean
gst_vgg19_analysis_is_configured (const GstVgg19Analysis * a)
{
  return a->configured;
}

GstClockTime
gst_vgg19_analysis_measure (GstVgg19Analysis * a)
{
  gint64 start;

  if (!a->configured)
    return GST_CLOCK_TIME_NONE;
  memset (a->input, 0, sizeof (float) * 3 * a->input_width * a->input_height);
  start = g_get_monotonic_time ();
  if (!vgg19_session_run (a->session, a->input, NULL))
    return GST_CLOCK_TIME_NONE;
  return (g_get_monotonic_time () - start) * GST_USECOND;
}

/* ------------------------------------------------------------------ */
/* Results                                                              */
/* ------------------------------------------------------------------ */

static void
array_append_int (GValue * array, gint v)
{
  GValue item = G_VALUE_INIT;

  g_value_init (&item, G_TYPE_INT);
  g_value_set_int (&item, v);
  gst_value_array_append_and_take_value (array, &item);
}

static void
array_append_double (GValue * array, gdouble v)
{
  GValue item = G_VALUE_INIT;

  g_value_init (&item, G_TYPE_DOUBLE);
  g_value_set_double (&item, v);
  gst_value_array_append_and_take_value (array, &item);
}

static void
array_append_string (GValue * array, const gchar * v)
{
  GValue item = G_VALUE_INIT;

  g_value_init (&item, G_TYPE_STRING);
  g_value_set_string (&item, v);
  gst_value_array_append_and_take_value (array, &item);
}

/* "layers" and "shapes" ([C, H, W] each) of the plan's tensors. */
static void
describe_tensors (GstVgg19Analysis * a, GstStructure * s)
{
  GValue names = G_VALUE_INIT, shapes = G_VALUE_INIT;
  guint i;

  g_value_init (&names, GST_TYPE_ARRAY);
  g_value_init (&shapes, GST_TYPE_ARRAY);
  for (i = 0; a->layers[i]; i++) {
    const Vgg19Tensor *t = vgg19_session_get_output (a->session,
        a->layers[i]);
    GValue shape = G_VALUE_INIT;

    g_value_init (&shape, GST_TYPE_ARRAY);
    array_append_int (&shape, t->channels);
    array_append_int (&shape, t->height);
    array_append_int (&shape, t->width);
    array_append_string (&names, a->layers[i]);
    gst_value_array_append_and_take_value (&shapes, &shape);
  }
  gst_structure_take_value (s, "layers", &names);
  gst_structure_take_value (s, "shapes", &shapes);
}

/* One GstVgg19TensorMeta per plan layer: the session's output is copied
 * once, and every reader then shares that copy. */
static void
attach_tensors (GstVgg19Analysis * a, GstBuffer * buf)
{
  guint i;

  for (i = 0; a->layers[i]; i++) {
    const Vgg19Tensor *t = vgg19_session_get_output (a->session,
        a->layers[i]);
    gsize n = (gsize) t->channels * t->height * t->width;
    GBytes *bytes = g_bytes_new (t->data, n * sizeof (float));

    gst_buffer_add_vgg19_tensor_meta (buf, a->layers[i], t->channels,
        t->height, t->width, bytes);
    g_bytes_unref (bytes);
  }
}

static void
attach_classification (GstVgg19Analysis * a, GstBuffer * buf, guint top_k,
    GstStructure * s)
{
  const Vgg19Tensor *logits = vgg19_session_get_output (a->session,
      CLASSIFIER_TAP);
  guint k = MAX (1, MIN (top_k, logits->channels));
  guint *classes = g_new (guint, k);
  float *scores = g_new (float, k);
  gdouble *dscores = g_new (gdouble, k);
  const gchar **labels = g_new0 (const gchar *, k);
  gchar **numbers = g_new0 (gchar *, k);
  GstVideoRegionOfInterestMeta *roi;
  guint n, i;

  n = vgg19_top_k (logits->data, logits->channels, k, classes, scores);
  for (i = 0; i < n; i++) {
    dscores[i] = scores[i];
    labels[i] = a->labels ? vgg19_labels_get (a->labels, classes[i]) : NULL;
    /* without class names, the index stands in where a text is needed */
    numbers[i] = g_strdup_printf ("%u", classes[i]);
  }
  gst_buffer_add_vgg19_classification_meta (buf, n, classes, labels, dscores);

  /* what analytics consumers of other inference elements read */
  if (n > 0) {
    const gchar *top = labels[0] ? labels[0] : numbers[0];

    roi = gst_buffer_add_video_region_of_interest_meta (buf, top, 0, 0,
        GST_VIDEO_INFO_WIDTH (&a->info), GST_VIDEO_INFO_HEIGHT (&a->info));
    gst_video_region_of_interest_meta_add_param (roi,
        gst_structure_new ("classification", "label", G_TYPE_STRING, top,
            "class-id", G_TYPE_INT, (gint) classes[0], "confidence",
            G_TYPE_DOUBLE, dscores[0], NULL));
  }

  if (s) {
    GValue ids = G_VALUE_INIT, names = G_VALUE_INIT, probs = G_VALUE_INIT;

    g_value_init (&ids, GST_TYPE_ARRAY);
    g_value_init (&names, GST_TYPE_ARRAY);
    g_value_init (&probs, GST_TYPE_ARRAY);
    for (i = 0; i < n; i++) {
      array_append_int (&ids, classes[i]);
      array_append_string (&names, labels[i] ? labels[i] : numbers[i]);
      array_append_double (&probs, dscores[i]);
    }
    gst_structure_take_value (s, "class-ids", &ids);
    gst_structure_take_value (s, "labels", &names);
    gst_structure_take_value (s, "scores", &probs);
  }
  for (i = 0; i < n; i++)
    g_free (numbers[i]);
  g_free (numbers);
  g_free (labels);
  g_free (dscores);
  g_free (scores);
  g_free (classes);
}

static void
attach_loss (GstVgg19Analysis * a, GstBuffer * buf, GstStructure * s)
{
  guint n_layers = g_strv_length (a->layers), i;
  gdouble *losses = g_new (gdouble, n_layers);
  GstVgg19LossMeta *meta;
  gdouble total = 0.0;

  for (i = 0; i < n_layers; i++) {
    const Vgg19Tensor *t = vgg19_session_get_output (a->session,
        a->layers[i]);
    GBytes *ref = g_ptr_array_index (a->reference_features, i);
    gsize n = (gsize) t->channels * t->height * t->width;

    losses[i] = vgg19_loss (t->data, g_bytes_get_data (ref, NULL), n, a->loss);
    total += losses[i];
  }
  meta = gst_buffer_add_vgg19_loss_meta (buf, vgg19_loss_to_string (a->loss),
      n_layers, (const gchar * const *) a->layers, losses);
  if (meta)
    total = meta->total;

  if (s) {
    GValue names = G_VALUE_INIT, values = G_VALUE_INIT;

    g_value_init (&names, GST_TYPE_ARRAY);
    g_value_init (&values, GST_TYPE_ARRAY);
    for (i = 0; i < n_layers; i++) {
      array_append_string (&names, a->layers[i]);
      array_append_double (&values, losses[i]);
    }
    gst_structure_set (s, "loss", G_TYPE_DOUBLE, total, "criterion",
        G_TYPE_STRING, vgg19_loss_to_string (a->loss), NULL);
    gst_structure_take_value (s, "layers", &names);
    gst_structure_take_value (s, "layer-losses", &values);
  }
  g_free (losses);
}

gboolean
gst_vgg19_analysis_run (GstVgg19Analysis * a, GstBuffer * buffer,
    guint top_k, GstStructure * results, GError ** error)
{
  GError *cause = NULL;
  GstVideoFrame frame;
  gboolean ok;

  g_return_val_if_fail (gst_buffer_is_writable (buffer), FALSE);

  if (!a->configured) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "No analysis planned for this frame (no caps?)");
    return FALSE;
  }
  if (!gst_video_frame_map (&frame, &a->info, buffer, GST_MAP_READ)) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
        "Cannot read the frame (it does not match its caps)");
    return FALSE;
  }
  ok = gst_vgg19_frame_converter_run (a->converter, &frame, a->input, &cause);
  gst_video_frame_unmap (&frame);
  if (ok)
    ok = vgg19_session_run (a->session, a->input, &cause);
  if (!ok) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
        "Cannot analyse the frame: %s", cause->message);
    g_error_free (cause);
    return FALSE;
  }

  switch (a->mode) {
    case GST_VGG19_MODE_CLASSIFY:
      attach_classification (a, buffer, top_k, results);
      if (a->layers[0]) {
        attach_tensors (a, buffer);
        if (results)
          describe_tensors (a, results);
      }
      break;
    case GST_VGG19_MODE_FEATURES:
      attach_tensors (a, buffer);
      if (results)
        describe_tensors (a, results);
      break;
    case GST_VGG19_MODE_LOSS:
      attach_loss (a, buffer, results);
      break;
  }
  return TRUE;
}
