/* The metadata library (libgstvgg19meta-1.0), on its own: adding and
 * reading each meta, copies that keep them (whole buffer, scaled frame)
 * and copies that do not (part of the buffer), and the tensor values
 * shared rather than copied. No weights needed. */
#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/video/video.h>
#include <gst/vgg19/vgg19meta.h>

static GstBuffer *
new_frame_buffer (void)
{
  return gst_buffer_new_allocate (NULL, 64 * 48 * 3, NULL);
}

static GBytes *
new_tensor_bytes (guint n, float first)
{
  float *v = g_new (float, n);
  guint i;

  for (i = 0; i < n; i++)
    v[i] = first + i;
  return g_bytes_new_take (v, n * sizeof (float));
}

static void
add_all_metas (GstBuffer * buf, GBytes * tensor)
{
  const guint ids[] = { 281, 285, 7 };
  gchar label0[] = "tabby";
  const gchar *labels[] = { label0, "Egyptian cat", NULL };
  const gdouble scores[] = { 0.5, 0.25, 0.125 };
  const gchar *layers[] = { "conv4_2", "relu5_4" };
  const gdouble losses[] = { 1.5, 0.25 };

  fail_unless (gst_buffer_add_vgg19_classification_meta (buf, 3, ids,
          labels, scores) != NULL);
  /* the meta holds its own copy of the names */
  label0[0] = 'X';
  fail_unless (gst_buffer_add_vgg19_tensor_meta (buf, "relu5_4", 2, 3, 4,
          tensor) != NULL);
  fail_unless (gst_buffer_add_vgg19_loss_meta (buf, "mse", 2, layers,
          losses) != NULL);
}

static void
check_all_metas (GstBuffer * buf, GBytes * tensor)
{
  GstVgg19ClassificationMeta *cls;
  GstVgg19TensorMeta *t;
  GstVgg19LossMeta *loss;
  const gfloat *v;
  gsize n;

  cls = gst_buffer_get_vgg19_classification_meta (buf);
  fail_unless (cls != NULL);
  fail_unless_equals_int (cls->n_predictions, 3);
  fail_unless_equals_int (cls->predictions[0].class_id, 281);
  fail_unless_equals_string (cls->predictions[0].label, "tabby");
  fail_unless_equals_float (cls->predictions[0].score, 0.5);
  fail_unless_equals_int (cls->predictions[1].class_id, 285);
  fail_unless_equals_string (cls->predictions[1].label, "Egyptian cat");
  fail_unless (cls->predictions[2].label == NULL);
  fail_unless_equals_float (cls->predictions[2].score, 0.125);

  t = gst_buffer_get_vgg19_tensor_meta (buf, "relu5_4");
  fail_unless (t != NULL);
  fail_unless_equals_string (t->layer, "relu5_4");
  fail_unless_equals_int (t->channels, 2);
  fail_unless_equals_int (t->height, 3);
  fail_unless_equals_int (t->width, 4);
  /* the very same values, not a copy of them */
  fail_unless (t->data == tensor);
  v = gst_vgg19_tensor_meta_get_data (t, &n);
  fail_unless (v == g_bytes_get_data (tensor, NULL));
  fail_unless_equals_int (n, 24);
  fail_unless_equals_float (v[23], 23.0f);

  loss = gst_buffer_get_vgg19_loss_meta (buf);
  fail_unless (loss != NULL);
  fail_unless_equals_string (loss->criterion, "mse");
  fail_unless_equals_int (loss->n_layers, 2);
  fail_unless_equals_string (loss->layers[0], "conv4_2");
  fail_unless_equals_string (loss->layers[1], "relu5_4");
  fail_unless (loss->layers[2] == NULL);
  fail_unless_equals_float (loss->layer_losses[1], 0.25);
  fail_unless_equals_float (loss->total, 1.75);
  /* the loss of the vgg19 element: a perceptual loss, every layer 1 */
  fail_unless_equals_string (loss->metric, "perceptual");
  fail_unless_equals_float (loss->layer_weights[0], 1.0);
  fail_unless_equals_float (loss->layer_weights[1], 1.0);
}

static guint
count_metas (GstBuffer * buf)
{
  return (gst_buffer_get_vgg19_classification_meta (buf) != NULL)
      + (gst_buffer_get_vgg19_tensor_meta (buf, NULL) != NULL)
      + (gst_buffer_get_vgg19_loss_meta (buf) != NULL);
}

GST_START_TEST (test_add_and_get)
{
  GstBuffer *buf = new_frame_buffer ();
  GBytes *tensor = new_tensor_bytes (24, 0.0f);

  fail_unless_equals_int (count_metas (buf), 0);
  add_all_metas (buf, tensor);
  check_all_metas (buf, tensor);
  gst_buffer_unref (buf);
  g_bytes_unref (tensor);
}

GST_END_TEST;

GST_START_TEST (test_tensor_by_layer)
{
  GstBuffer *buf = new_frame_buffer ();
  GBytes *a = new_tensor_bytes (8, 0.0f), *b = new_tensor_bytes (6, 100.0f);
  GstVgg19TensorMeta *t;

  fail_unless (gst_buffer_add_vgg19_tensor_meta (buf, "pool1", 2, 2, 2,
          a) != NULL);
  fail_unless (gst_buffer_add_vgg19_tensor_meta (buf, "fc7", 6, 1, 1,
          b) != NULL);
  t = gst_buffer_get_vgg19_tensor_meta (buf, "fc7");
  fail_unless (t != NULL && t->data == b);
  t = gst_buffer_get_vgg19_tensor_meta (buf, "pool1");
  fail_unless (t != NULL && t->data == a);
  fail_unless (gst_buffer_get_vgg19_tensor_meta (buf, NULL) != NULL);
  fail_unless (gst_buffer_get_vgg19_tensor_meta (buf, "pool2") == NULL);

  /* data that does not fit the shape is refused */
  fail_unless (gst_buffer_add_vgg19_tensor_meta (buf, "pool2", 3, 2, 2,
          a) == NULL);
  fail_unless (gst_buffer_add_vgg19_tensor_meta (buf, "pool2", 0, 2, 4,
          a) == NULL);
  fail_unless (gst_buffer_add_vgg19_tensor_meta (buf, "pool2", G_MAXUINT,
          G_MAXUINT, G_MAXUINT, a) == NULL);

  gst_buffer_unref (buf);
  g_bytes_unref (a);
  g_bytes_unref (b);
}

GST_END_TEST;

/* One loss meta per metric, each with its weights; found by name. */
GST_START_TEST (test_loss_per_metric)
{
  GstBuffer *buf = new_frame_buffer (), *copy;
  const gchar *layers[] = { "relu1_2", "relu2_2" };
  const gdouble weights[] = { 2.0, 0.5 };
  const gdouble losses[] = { 1.5, 0.25 };
  const gchar *style_layers[] = { "relu1_1" };
  const gdouble style_losses[] = { 0.125 };
  GstVgg19LossMeta *p, *s;
  guint i;

  fail_unless (gst_buffer_add_vgg19_weighted_loss_meta (buf, "perceptual",
          "l1", 2, layers, weights, losses) != NULL);
  fail_unless (gst_buffer_add_vgg19_weighted_loss_meta (buf, "style", "mse",
          1, style_layers, NULL, style_losses) != NULL);
  copy = gst_buffer_copy (buf);
  gst_buffer_unref (buf);

  for (i = 0; i < 2; i++) {
    GstBuffer *b = i == 0 ? copy : gst_buffer_copy_deep (copy);

    p = gst_buffer_get_vgg19_loss_meta_by_metric (b, "perceptual");
    s = gst_buffer_get_vgg19_loss_meta_by_metric (b, "style");
    fail_unless (p != NULL && s != NULL && p != s);
    fail_unless_equals_string (p->metric, "perceptual");
    fail_unless_equals_string (p->criterion, "l1");
    fail_unless_equals_float (p->layer_weights[0], 2.0);
    fail_unless_equals_float (p->layer_weights[1], 0.5);
    fail_unless_equals_float (p->layer_losses[0], 1.5);
    /* the weighted sum */
    fail_unless_equals_float (p->total, 2.0 * 1.5 + 0.5 * 0.25);
    fail_unless_equals_string (s->metric, "style");
    fail_unless_equals_float (s->layer_weights[0], 1.0);
    fail_unless_equals_float (s->total, 0.125);
    fail_unless (gst_buffer_get_vgg19_loss_meta_by_metric (b, "vmaf") == NULL);
    if (b != copy)
      gst_buffer_unref (b);
  }
  gst_buffer_unref (copy);
}

GST_END_TEST;

/* gst_buffer_copy() keeps every meta; the tensor's values are shared. */
GST_START_TEST (test_survive_buffer_copy)
{
  GstBuffer *buf = new_frame_buffer (), *copy, *deep;
  GBytes *tensor = new_tensor_bytes (24, 0.0f);

  add_all_metas (buf, tensor);
  copy = gst_buffer_copy (buf);
  gst_buffer_unref (buf);
  check_all_metas (copy, tensor);

  deep = gst_buffer_copy_deep (copy);
  gst_buffer_unref (copy);
  check_all_metas (deep, tensor);
  gst_buffer_unref (deep);
  g_bytes_unref (tensor);
}

GST_END_TEST;

/* A copy of part of the buffer is no longer the analysed frame; a copy of
 * all of it, written as a region, still is. */
GST_START_TEST (test_region_copies)
{
  GstBuffer *buf = new_frame_buffer (), *part, *whole;
  GBytes *tensor = new_tensor_bytes (24, 0.0f);

  add_all_metas (buf, tensor);
  part = gst_buffer_copy_region (buf, GST_BUFFER_COPY_ALL, 10, 100);
  fail_unless_equals_int (count_metas (part), 0);
  whole = gst_buffer_copy_region (buf, GST_BUFFER_COPY_ALL, 0, -1);
  fail_unless_equals_int (count_metas (whole), 3);
  check_all_metas (whole, tensor);
  gst_buffer_unref (part);
  gst_buffer_unref (whole);
  gst_buffer_unref (buf);
  g_bytes_unref (tensor);
}

GST_END_TEST;

/* What videoscale does: a scale transform keeps the whole-frame results. */
GST_START_TEST (test_survive_scaling)
{
  GstBuffer *buf = new_frame_buffer (), *scaled = new_frame_buffer ();
  GBytes *tensor = new_tensor_bytes (24, 0.0f);
  GstVideoInfo in_info, out_info;
  GstVideoMetaTransform trans = { &in_info, &out_info };
  GQuark scale = gst_video_meta_transform_scale_get_quark ();
  gpointer state = NULL;
  GstMeta *meta;

  gst_video_info_set_format (&in_info, GST_VIDEO_FORMAT_RGB, 64, 48);
  gst_video_info_set_format (&out_info, GST_VIDEO_FORMAT_RGB, 32, 24);
  add_all_metas (buf, tensor);
  while ((meta = gst_buffer_iterate_meta (buf, &state)))
    fail_unless (meta->info->transform_func (scaled, meta, buf, scale, &trans));
  check_all_metas (scaled, tensor);
  gst_buffer_unref (scaled);
  gst_buffer_unref (buf);
  g_bytes_unref (tensor);
}

GST_END_TEST;

GST_START_TEST (test_api_types)
{
  GQuark video = g_quark_from_static_string (GST_META_TAG_VIDEO_STR);
  const GType types[] = { GST_VGG19_CLASSIFICATION_META_API_TYPE,
    GST_VGG19_TENSOR_META_API_TYPE, GST_VGG19_LOSS_META_API_TYPE
  };
  const GstMetaInfo *infos[] = { GST_VGG19_CLASSIFICATION_META_INFO,
    GST_VGG19_TENSOR_META_INFO, GST_VGG19_LOSS_META_INFO
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (types); i++) {
    fail_unless (gst_meta_api_type_has_tag (types[i], video));
    fail_unless (infos[i]->api == types[i]);
    fail_unless (infos[i]->transform_func != NULL);
    /* registered once */
    fail_unless (gst_meta_get_info (g_type_name (infos[i]->type)) == infos[i]);
  }
  fail_unless_equals_string (g_type_name (types[0]),
      "GstVgg19ClassificationMetaAPI");
}

GST_END_TEST;

static Suite *
meta_suite (void)
{
  Suite *s = suite_create ("vgg19meta");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_add_and_get);
  tcase_add_test (tc, test_tensor_by_layer);
  tcase_add_test (tc, test_loss_per_metric);
  tcase_add_test (tc, test_survive_buffer_copy);
  tcase_add_test (tc, test_region_copies);
  tcase_add_test (tc, test_survive_scaling);
  tcase_add_test (tc, test_api_types);
  return s;
}

GST_CHECK_MAIN (meta);
