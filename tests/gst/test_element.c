/* The vgg19 element against torchvision: an RGB frame of the reference
 * data's 224x224 picture goes through the element (GstHarness), and its
 * metadata and bus messages are compared with what torch computed for the
 * same picture (tests/reference/make_oracle.py, in $VGG19_ORACLE_DIR):
 * the top-5 classes and their probabilities, the tensors of some layers,
 * the perceptual loss against another picture. Also: the frame itself is
 * neither modified nor copied, the metas survive gst_buffer_copy(), and
 * `interval` analyses every N-th frame only.
 */
#include <math.h>
#include <string.h>

#include <gst/vgg19/vgg19meta.h>

#include "gst_test_util.h"

/* Taps: max |element - torch| <= 1e-4 * max |torch|, the bound the core's
 * reference test holds with torch's own network input. The element
 * preprocesses the pixels itself, which the core does within 1e-5 of
 * torch's input (about 2e-6 of its range): well below that bound after any
 * number of layers, as the layers do not amplify relative errors by more
 * than their gain. */
#define TAP_RELATIVE_TOLERANCE 1e-4
/* Probabilities: with every logit within e = 1e-4 * max |logit| of
 * torch's, a softmax probability moves by at most 2e of itself; the bound
 * is 1e-3 * max (1, max |logit|) of itself. */
#define SCORE_TOLERANCE 1e-3
/* Losses: each is a mean of squared (or absolute) differences of two taps,
 * each tap within the bound above: relative error below 1e-3. */
#define LOSS_RELATIVE_TOLERANCE 1e-3

#define CASE "img224_stretch"

static GstHarness *
classify_harness (GstBus ** bus)
{
  return gst_test_harness_new (bus, "weights", gst_test_weights ("legacy_v1"),
      "labels", gst_test_oracle ()->labels, NULL);
}

static GstBuffer *
push_case_frame (GstHarness * h, const char *case_id, GstVideoInfo * info)
{
  GstBuffer *buf = gst_test_case_rgb_buffer (gst_test_case (case_id), info);
  GstCaps *caps = gst_video_info_to_caps (info);

  gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, 25, 1, NULL);
  gst_harness_set_src_caps (h, caps);
  GST_BUFFER_PTS (buf) = 0;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 25;
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (buf)),
      GST_FLOW_OK);
  return buf;
}

/* The top-5 of torch's logits, and their softmax probabilities. */
static void
oracle_top5 (const float *logits, guint n, guint classes[5], double probs[5])
{
  double max = logits[0], sum = 0.0;
  guint i, k;

  for (i = 0; i < n; i++)
    max = MAX (max, logits[i]);
  for (i = 0; i < n; i++)
    sum += exp ((double) logits[i] - max);
  for (k = 0; k < 5; k++) {
    guint best = G_MAXUINT;

    for (i = 0; i < n; i++) {
      guint j;
      gboolean taken = FALSE;

      for (j = 0; j < k; j++)
        taken |= classes[j] == i;
      if (!taken && (best == G_MAXUINT || logits[i] > logits[best]))
        best = i;
    }
    classes[k] = best;
    probs[k] = exp ((double) logits[best] - max) / sum;
  }
}

static gchar **
read_labels (void)
{
  gchar *text = NULL;
  gchar **lines;

  fail_unless (g_file_get_contents (gst_test_oracle ()->labels, &text, NULL,
          NULL));
  lines = g_strsplit (text, "\n", -1);
  g_free (text);
  return lines;
}

static const GValue *
array_field (const GstStructure * s, const char *name, guint n)
{
  const GValue *v = gst_structure_get_value (s, name);

  fail_unless (v != NULL, "message has no %s", name);
  fail_unless (GST_VALUE_HOLDS_ARRAY (v), "%s is not an array", name);
  fail_unless_equals_int (gst_value_array_get_size (v), n);
  return v;
}

GST_START_TEST (test_classify_matches_torch)
{
  const TestOracleCase *c = gst_test_case (CASE);
  TestNpy *fc8 = gst_test_npy (gst_test_tap_path (c, "fc8"));
  gchar **labels = read_labels ();
  GstVgg19ClassificationMeta *cls;
  GstVideoRegionOfInterestMeta *roi;
  const GstStructure *s, *param;
  GstVideoInfo info;
  GstBuffer *in, *out;
  GstHarness *h;
  GstBus *bus;
  GList *results;
  guint classes[5], k, ui;
  double probs[5], logit_scale;
  gint id;
  gdouble score;
  guint64 u64;

  oracle_top5 (test_npy_f32 (fc8), fc8->n_elements, classes, probs);
  logit_scale = gst_test_max_abs (test_npy_f32 (fc8), fc8->n_elements);

  h = classify_harness (&bus);
  in = push_case_frame (h, CASE, &info);
  out = gst_harness_pull (h);
  fail_unless (out != NULL);

  /* the classification meta */
  cls = gst_buffer_get_vgg19_classification_meta (out);
  fail_unless (cls != NULL, "no classification meta");
  fail_unless_equals_int (cls->n_predictions, 5);
  for (k = 0; k < 5; k++) {
    fail_unless_equals_int (cls->predictions[k].class_id, classes[k]);
    fail_unless_equals_string (cls->predictions[k].label, labels[classes[k]]);
    fail_unless (fabs (cls->predictions[k].score - probs[k]) <=
        SCORE_TOLERANCE * MAX (1.0, logit_scale) * probs[k],
        "class %u: probability %g, torch %g", classes[k],
        cls->predictions[k].score, probs[k]);
  }

  /* the region of interest other analytics consumers read */
  roi = (GstVideoRegionOfInterestMeta *) gst_buffer_get_meta (out,
      GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE);
  fail_unless (roi != NULL, "no region of interest meta");
  fail_unless_equals_string (g_quark_to_string (roi->roi_type),
      labels[classes[0]]);
  fail_unless (roi->x == 0 && roi->y == 0 && roi->w == 224 && roi->h == 224);
  param = gst_video_region_of_interest_meta_get_param (roi, "classification");
  fail_unless (param != NULL);
  fail_unless_equals_string (gst_structure_get_string (param, "label"),
      labels[classes[0]]);
  fail_unless (gst_structure_get_int (param, "class-id", &id));
  fail_unless_equals_int (id, classes[0]);
  fail_unless (gst_structure_get_double (param, "confidence", &score));
  fail_unless_equals_float (score, cls->predictions[0].score);

  /* the bus message */
  results = gst_test_pop_results (bus);
  fail_unless_equals_int (g_list_length (results), 1);
  s = gst_message_get_structure (results->data);
  fail_unless (gst_structure_get_uint64 (s, "timestamp", &u64));
  fail_unless_equals_uint64 (u64, 0);
  fail_unless (gst_structure_get_uint64 (s, "running-time", &u64));
  fail_unless_equals_uint64 (u64, 0);
  fail_unless (gst_structure_get_uint64 (s, "stream-time", &u64));
  fail_unless_equals_uint64 (u64, 0);
  fail_unless (gst_structure_get_uint64 (s, "duration", &u64));
  fail_unless_equals_uint64 (u64, GST_SECOND / 25);
  fail_unless (gst_structure_get_uint64 (s, "frame", &u64));
  fail_unless_equals_uint64 (u64, 0);
  fail_unless (gst_structure_get_uint64 (s, "processing-time", &u64));
  fail_unless (u64 > 0);
  fail_unless_equals_string (gst_structure_get_string (s, "mode"), "classify");
  for (k = 0; k < 5; k++) {
    const GValue *ids = array_field (s, "class-ids", 5);
    const GValue *names = array_field (s, "labels", 5);
    const GValue *scores = array_field (s, "scores", 5);

    fail_unless_equals_int (g_value_get_int (gst_value_array_get_value (ids,
                k)), classes[k]);
    fail_unless_equals_string (g_value_get_string (gst_value_array_get_value
            (names, k)), labels[classes[k]]);
    fail_unless_equals_float (g_value_get_double (gst_value_array_get_value
            (scores, k)), cls->predictions[k].score);
  }
  g_list_free_full (results, (GDestroyNotify) gst_message_unref);

  g_object_get (h->element, "frames-processed", &u64, NULL);
  fail_unless_equals_uint64 (u64, 1);
  g_object_get (h->element, "top-k", &ui, NULL);
  fail_unless_equals_int (ui, 5);

  gst_buffer_unref (out);
  gst_buffer_unref (in);
  gst_harness_teardown (h);
  gst_object_unref (bus);
  g_strfreev (labels);
  test_npy_free (fc8);
}

GST_END_TEST;

/* top-k sets how many classes, even all of them. */
GST_START_TEST (test_top_k)
{
  GstVgg19ClassificationMeta *cls;
  GstVideoInfo info;
  GstBuffer *in, *out;
  GstHarness *h = classify_harness (NULL);
  double sum = 0.0;
  guint k;

  g_object_set (h->element, "top-k", 1000, NULL);
  in = push_case_frame (h, CASE, &info);
  out = gst_harness_pull (h);
  cls = gst_buffer_get_vgg19_classification_meta (out);
  fail_unless (cls != NULL);
  fail_unless_equals_int (cls->n_predictions, 1000);
  for (k = 0; k < 1000; k++) {
    sum += cls->predictions[k].score;
    if (k > 0)
      fail_unless (cls->predictions[k].score <= cls->predictions[k - 1].score);
  }
  /* softmax in float: the probabilities sum to 1 within float rounding */
  fail_unless (fabs (sum - 1.0) < 1e-4, "probabilities sum to %g", sum);
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_features_match_torch)
{
  const char *layers[] = { "conv1_1", "pool3", "relu5_4", "fc7" };
  const TestOracleCase *c = gst_test_case (CASE);
  const GstStructure *s;
  GstVideoInfo info;
  GstBuffer *in, *out;
  GstHarness *h;
  GstBus *bus;
  GList *results;
  const GValue *names, *shapes;
  guint i;

  h = gst_test_harness_new (&bus, "weights", gst_test_weights ("legacy_v1"),
      "mode", 1 /* features */ , "layers", "conv1_1, pool3,relu5_4,fc7",
      NULL);
  in = push_case_frame (h, CASE, &info);
  out = gst_harness_pull (h);
  fail_unless (gst_buffer_get_vgg19_classification_meta (out) == NULL);

  results = gst_test_pop_results (bus);
  fail_unless_equals_int (g_list_length (results), 1);
  s = gst_message_get_structure (results->data);
  fail_unless_equals_string (gst_structure_get_string (s, "mode"), "features");
  names = array_field (s, "layers", G_N_ELEMENTS (layers));
  shapes = array_field (s, "shapes", G_N_ELEMENTS (layers));

  for (i = 0; i < G_N_ELEMENTS (layers); i++) {
    TestNpy *want = gst_test_npy (gst_test_tap_path (c, layers[i]));
    GstVgg19TensorMeta *t = gst_buffer_get_vgg19_tensor_meta (out, layers[i]);
    const GValue *shape = gst_value_array_get_value (shapes, i);
    const gfloat *values;
    double worst, scale;
    gsize n;

    fail_unless (t != NULL, "no tensor meta for %s", layers[i]);
    fail_unless_equals_int (t->channels, want->shape[0]);
    fail_unless_equals_int (t->height, want->shape[1]);
    fail_unless_equals_int (t->width, want->shape[2]);
    values = gst_vgg19_tensor_meta_get_data (t, &n);
    fail_unless_equals_int (n, want->n_elements);
    worst = gst_test_max_abs_diff (values, test_npy_f32 (want), n);
    scale = gst_test_max_abs (test_npy_f32 (want), n);
    fail_unless (worst <= TAP_RELATIVE_TOLERANCE * scale,
        "%s: max |element - torch| = %g, max |torch| = %g", layers[i], worst,
        scale);

    fail_unless_equals_string (g_value_get_string (gst_value_array_get_value
            (names, i)), layers[i]);
    fail_unless_equals_int (gst_value_array_get_size (shape), 3);
    fail_unless_equals_int (g_value_get_int (gst_value_array_get_value
            (shape, 0)), t->channels);
    fail_unless_equals_int (g_value_get_int (gst_value_array_get_value
            (shape, 1)), t->height);
    fail_unless_equals_int (g_value_get_int (gst_value_array_get_value
            (shape, 2)), t->width);
    test_npy_free (want);
  }
  g_list_free_full (results, (GDestroyNotify) gst_message_unref);
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  gst_harness_teardown (h);
  gst_object_unref (bus);
}

GST_END_TEST;

/* The loss of the 224x224 picture against the 640x480 one (both stretched
 * to 224x224), from torch's taps of the two. */
static void
check_loss (Vgg19Loss kind)
{
  const char *layers[] = { "conv3_4", "relu5_4" };
  const TestOracleCase *frame_case = gst_test_case (CASE);
  const TestOracleCase *ref_case = gst_test_case ("img640x480_stretch");
  GstVgg19LossMeta *loss;
  const GstStructure *s;
  GstVideoInfo info;
  GstBuffer *in, *out;
  GstHarness *h;
  GstBus *bus;
  GList *results;
  double want[2], total = 0.0, got;
  guint i;

  for (i = 0; i < 2; i++) {
    TestNpy *a = gst_test_npy (gst_test_tap_path (frame_case, layers[i]));
    TestNpy *b = gst_test_npy (gst_test_tap_path (ref_case, layers[i]));
    double sum = 0.0;
    gsize j;

    fail_unless_equals_int (a->n_elements, b->n_elements);
    for (j = 0; j < a->n_elements; j++) {
      double d = (double) test_npy_f32 (a)[j] - test_npy_f32 (b)[j];
      sum += kind == VGG19_LOSS_MSE ? d * d : fabs (d);
    }
    want[i] = sum / a->n_elements;
    total += want[i];
    test_npy_free (a);
    test_npy_free (b);
  }

  h = gst_test_harness_new (&bus, "weights", gst_test_weights ("legacy_v1"),
      "mode", 2 /* loss */ , "layers", "conv3_4,relu5_4", "reference",
      ref_case->image, "loss", kind, NULL);
  in = push_case_frame (h, CASE, &info);
  out = gst_harness_pull (h);

  loss = gst_buffer_get_vgg19_loss_meta (out);
  fail_unless (loss != NULL, "no loss meta");
  fail_unless_equals_string (loss->criterion,
      kind == VGG19_LOSS_MSE ? "mse" : "l1");
  fail_unless_equals_int (loss->n_layers, 2);
  for (i = 0; i < 2; i++) {
    fail_unless_equals_string (loss->layers[i], layers[i]);
    fail_unless (fabs (loss->layer_losses[i] - want[i]) <=
        LOSS_RELATIVE_TOLERANCE * want[i], "%s: loss %g, torch %g",
        layers[i], loss->layer_losses[i], want[i]);
  }
  fail_unless (fabs (loss->total - total) <= LOSS_RELATIVE_TOLERANCE * total,
      "loss %g, torch %g", loss->total, total);

  results = gst_test_pop_results (bus);
  fail_unless_equals_int (g_list_length (results), 1);
  s = gst_message_get_structure (results->data);
  fail_unless_equals_string (gst_structure_get_string (s, "mode"), "loss");
  fail_unless (gst_structure_get_double (s, "loss", &got));
  fail_unless_equals_float (got, loss->total);
  fail_unless_equals_string (gst_structure_get_string (s, "criterion"),
      kind == VGG19_LOSS_MSE ? "mse" : "l1");
  for (i = 0; i < 2; i++) {
    fail_unless_equals_string (g_value_get_string (gst_value_array_get_value
            (array_field (s, "layers", 2), i)), layers[i]);
    fail_unless_equals_float (g_value_get_double (gst_value_array_get_value
            (array_field (s, "layer-losses", 2), i)), loss->layer_losses[i]);
  }
  g_list_free_full (results, (GDestroyNotify) gst_message_unref);
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  gst_harness_teardown (h);
  gst_object_unref (bus);
}

GST_START_TEST (test_loss_mse_matches_torch)
{
  check_loss (VGG19_LOSS_MSE);
}

GST_END_TEST;

GST_START_TEST (test_loss_l1_matches_torch)
{
  check_loss (VGG19_LOSS_L1);
}

GST_END_TEST;

/* At the frames' own size (resize=none): the picture against itself is a
 * loss of exactly 0; against a picture of another size (scaled to the
 * frames' size first), a positive one. */
GST_START_TEST (test_loss_at_native_size)
{
  const TestOracleCase *c = gst_test_case ("img320x240_none");
  const char *references[] = { c->image,
    gst_test_case ("img97x131_none")->image
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (references); i++) {
    GstVgg19LossMeta *loss;
    GstVideoInfo info;
    GstBuffer *in, *out;
    GstHarness *h = gst_test_harness_new (NULL, "weights",
        gst_test_weights ("features_only"), "mode", 2 /* loss */ ,
        "resize", VGG19_RESIZE_NONE, "layers", "conv1_1,pool5", "reference",
        references[i], NULL);

    in = push_case_frame (h, c->id, &info);
    out = gst_harness_pull (h);
    loss = gst_buffer_get_vgg19_loss_meta (out);
    fail_unless (loss != NULL);
    if (i == 0) {
      fail_unless_equals_float (loss->layer_losses[0], 0.0);
      fail_unless_equals_float (loss->layer_losses[1], 0.0);
    } else {
      fail_unless (loss->layer_losses[0] > 0.0 && loss->layer_losses[1] > 0.0
          && isfinite (loss->total), "loss %g", loss->total);
    }
    gst_buffer_unref (out);
    gst_buffer_unref (in);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* The frame goes through in the very memory it came in, unchanged; a
 * buffer shared with someone else is replaced by one sharing that
 * memory. */
GST_START_TEST (test_frame_neither_modified_nor_copied)
{
  GstHarness *h = classify_harness (NULL);
  GstVideoInfo info;
  GstBuffer *in, *out;
  GstMemory *mem;
  GstMapInfo map;
  guint8 *before;
  gsize size;

  /* in is held here too: not writable for the element */
  in = push_case_frame (h, CASE, &info);
  out = gst_harness_pull (h);
  fail_unless (out != in);
  fail_unless (gst_buffer_get_vgg19_classification_meta (out) != NULL);
  fail_unless (gst_buffer_get_vgg19_classification_meta (in) == NULL,
      "the metadata went onto a buffer the element does not own");
  fail_unless_equals_int (gst_buffer_n_memory (out), 1);
  mem = gst_buffer_peek_memory (in, 0);
  fail_unless (gst_buffer_peek_memory (out, 0) == mem,
      "the frame's memory was replaced");
  gst_buffer_unref (out);

  /* a buffer handed over: the same buffer comes out */
  fail_unless (gst_buffer_map (in, &map, GST_MAP_READ));
  before = g_memdup2 (map.data, map.size);
  size = map.size;
  gst_buffer_unmap (in, &map);
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out == in);
  fail_unless (gst_buffer_peek_memory (out, 0) == mem);
  fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
  fail_unless (map.size == size && memcmp (map.data, before, size) == 0,
      "the frame's pixels changed");
  gst_buffer_unmap (out, &map);
  g_free (before);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_metas_survive_copy)
{
  GstHarness *h = gst_test_harness_new (NULL, "weights",
      gst_test_weights ("legacy_v1"), "labels", gst_test_oracle ()->labels,
      "layers", "pool5", NULL);
  GstVgg19TensorMeta *t, *tc;
  GstVideoInfo info;
  GstBuffer *in, *out, *copy;
  gfloat *values;
  gsize n;

  in = push_case_frame (h, CASE, &info);
  out = gst_harness_pull (h);
  copy = gst_buffer_copy (out);
  t = gst_buffer_get_vgg19_tensor_meta (out, "pool5");
  tc = gst_buffer_get_vgg19_tensor_meta (copy, "pool5");
  fail_unless (t != NULL && tc != NULL);
  fail_unless (tc->data == t->data, "the tensor values were copied");
  gst_vgg19_tensor_meta_get_data (t, &n);
  values = g_memdup2 (gst_vgg19_tensor_meta_get_data (t, NULL),
      n * sizeof (gfloat));
  fail_unless (gst_buffer_get_vgg19_classification_meta (copy) != NULL);
  fail_unless (gst_buffer_get_meta (copy,
          GST_VIDEO_REGION_OF_INTEREST_META_API_TYPE) != NULL);
  gst_buffer_unref (out);
  /* the copy keeps the values alive on its own */
  fail_unless (memcmp (gst_vgg19_tensor_meta_get_data (tc, NULL), values,
          n * sizeof (gfloat)) == 0);
  g_free (values);
  gst_buffer_unref (copy);
  gst_buffer_unref (in);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_interval)
{
  GstHarness *h;
  GstBus *bus;
  GstVideoInfo info;
  GstBuffer *frame0;
  GList *results, *l;
  guint64 processed, skipped, want = 0;
  guint i;

  h = gst_test_harness_new (&bus, "weights",
      gst_test_weights ("features_only"), "mode", 1 /* features */ ,
      "layers", "conv1_1", "interval", 3, NULL);
  frame0 = push_case_frame (h, "img50x40_stretch", &info);
  for (i = 1; i < 10; i++) {
    GstBuffer *buf = gst_buffer_copy_deep (frame0);

    GST_BUFFER_PTS (buf) = i * GST_SECOND / 25;
    fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  }
  for (i = 0; i < 10; i++) {
    GstBuffer *out = gst_harness_pull (h);

    fail_unless (out != NULL);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), i * GST_SECOND / 25);
    fail_unless ((gst_buffer_get_vgg19_tensor_meta (out, "conv1_1") != NULL)
        == (i % 3 == 0), "frame %u", i);
    gst_buffer_unref (out);
  }
  g_object_get (h->element, "frames-processed", &processed, "frames-skipped",
      &skipped, NULL);
  fail_unless_equals_uint64 (processed, 4);
  fail_unless_equals_uint64 (skipped, 0);

  results = gst_test_pop_results (bus);
  fail_unless_equals_int (g_list_length (results), 4);
  for (l = results; l; l = l->next, want += 3) {
    guint64 frame;

    fail_unless (gst_structure_get_uint64 (gst_message_get_structure
            (l->data), "frame", &frame));
    fail_unless_equals_uint64 (frame, want);
  }
  g_list_free_full (results, (GDestroyNotify) gst_message_unref);

  /* post-messages=false: results on the frames only */
  g_object_set (h->element, "post-messages", FALSE, "interval", 1, NULL);
  fail_unless_equals_int (gst_harness_push (h, frame0), GST_FLOW_OK);
  frame0 = gst_harness_pull (h);
  fail_unless (gst_buffer_get_vgg19_tensor_meta (frame0, "conv1_1") != NULL);
  fail_unless (gst_test_pop_results (bus) == NULL);
  gst_buffer_unref (frame0);
  gst_harness_teardown (h);
  gst_object_unref (bus);
}

GST_END_TEST;

static Suite *
element_suite (void)
{
  Suite *s = suite_create ("vgg19 element");
  TCase *tc = tcase_create ("against torch");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_classify_matches_torch);
  tcase_add_test (tc, test_top_k);
  tcase_add_test (tc, test_features_match_torch);
  tcase_add_test (tc, test_loss_mse_matches_torch);
  tcase_add_test (tc, test_loss_l1_matches_torch);
  tcase_add_test (tc, test_loss_at_native_size);
  tcase_add_test (tc, test_frame_neither_modified_nor_copied);
  tcase_add_test (tc, test_metas_survive_copy);
  tcase_add_test (tc, test_interval);
  return s;
}

GST_CHECK_MAIN (element);
