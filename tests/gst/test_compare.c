/* The vgg19compare element: its scores against torch's (the reference
 * data's pictures, tests/reference/make_compare_reference.py), exactly 0
 * for identical inputs, a JPEG quality sweep that orders as it should,
 * pairing by running time (rates, sizes and formats that differ, frames
 * before the reference starts, frames without timestamps), inputs that end
 * early or are missing, the per-frame log, and frames that go through
 * untouched.
 */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/vgg19/vgg19meta.h>

#include "gst_test_util.h"
#include "json_value.h"

/* Waiting for a pipeline: long enough for a few forward passes on a slow,
 * busy machine. */
#define WAIT_TIMEOUT (300 * GST_SECOND)

/* Scores against torch's. The element's activations are within 1e-4 of
 * the largest magnitude of torch's at each layer (test_element), and its
 * preprocessing within 1e-5 of torch's input; a mean of squared or
 * absolute differences of two such tensors, or of their Gram matrices,
 * then moves by far less than 1e-3 of itself. Measured: below 2e-6. */
#define TORCH_RELATIVE_TOLERANCE 1e-4

/* The environment variable naming make_compare_reference.py's output. */
#define COMPARE_REFERENCE_ENV "VGG19_COMPARE_REFERENCE"

/* ------------------------------------------------------------------ */
/* Pipelines                                                            */
/* ------------------------------------------------------------------ */

typedef struct
{
  GList *frames;                /* GstStructure*: the "frame" messages */
  GstStructure *pooled;         /* the "pooled" message, or NULL */
  GList *running;               /* GstStructure*: the "running" messages */
  GList *warnings;              /* gchar*: warning messages */
  gchar *error;                 /* the error message, NULL at EOS */
  GList *samples;               /* GstSample* from the appsink "out" */
} Run;

static void
run_clear (Run * run)
{
  g_list_free_full (run->frames, (GDestroyNotify) gst_structure_free);
  g_list_free_full (run->running, (GDestroyNotify) gst_structure_free);
  if (run->pooled)
    gst_structure_free (run->pooled);
  g_list_free_full (run->warnings, g_free);
  g_free (run->error);
  g_list_free_full (run->samples, (GDestroyNotify) gst_sample_unref);
  memset (run, 0, sizeof (*run));
}

static void
record_message (const GstStructure * s, gpointer data)
{
  Run *run = data;
  const gchar *type = gst_structure_get_string (s, "type");

  fail_unless (type != NULL, "a vgg19 message without type");
  if (strcmp (type, "frame") == 0) {
    run->frames = g_list_append (run->frames, gst_structure_copy (s));
  } else if (strcmp (type, "running") == 0) {
    fail_unless (run->pooled == NULL, "a running message after the end");
    run->running = g_list_append (run->running, gst_structure_copy (s));
  } else {
    fail_unless_equals_string (type, "pooled");
    fail_unless (run->pooled == NULL, "two pooled messages");
    run->pooled = gst_structure_copy (s);
  }
}

/* Plays @pipeline until EOS or an error, collects what it posted and what
 * came out of its appsink named "out" (if any), then stops it. */
static void
run_pipeline (GstElement * pipeline, Run * run)
{
  GstElement *out = gst_bin_get_by_name (GST_BIN (pipeline), "out");

  memset (run, 0, sizeof (*run));
  /* its samples are read after EOS, which it must not hold back */
  if (out)
    g_object_set (out, "wait-on-eos", FALSE, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  run->error = gst_test_wait_end (pipeline, WAIT_TIMEOUT, record_message,
      run, &run->warnings);
  if (out) {
    GstSample *sample;

    while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (out), 0)))
      run->samples = g_list_append (run->samples, sample);
    gst_object_unref (out);
  }
  fail_unless (gst_element_set_state (pipeline, GST_STATE_NULL) ==
      GST_STATE_CHANGE_SUCCESS);
}

/* Runs @pipeline, which must reach EOS without error, and frees it. */
static void
run_ok (GstElement * pipeline, Run * run)
{
  run_pipeline (pipeline, run);
  fail_unless (run->error == NULL, "error: %s", run->error);
  gst_object_unref (pipeline);
}

static gdouble
get_double (const GstStructure * s, const gchar * field)
{
  gdouble v;

  fail_unless (gst_structure_get_double (s, field, &v), "no double %s in %"
      GST_PTR_FORMAT, field, s);
  return v;
}

static guint64
get_uint64 (const GstStructure * s, const gchar * field)
{
  guint64 v;

  fail_unless (gst_structure_get_uint64 (s, field, &v), "no uint64 %s in %"
      GST_PTR_FORMAT, field, s);
  return v;
}

static gdouble
array_double (const GstStructure * s, const gchar * field, guint i)
{
  const GValue *v = gst_structure_get_value (s, field);

  fail_unless (v != NULL && GST_VALUE_HOLDS_ARRAY (v), "no array %s", field);
  fail_unless (i < gst_value_array_get_size (v));
  return g_value_get_double (gst_value_array_get_value (v, i));
}

static guint
array_size (const GstStructure * s, const gchar * field)
{
  const GValue *v = gst_structure_get_value (s, field);

  fail_unless (v != NULL && GST_VALUE_HOLDS_ARRAY (v), "no array %s", field);
  return gst_value_array_get_size (v);
}

/* The pooled statistics of @name in the "pooled" message. */
static const GstStructure *
pooled_of (const GstStructure * pooled, const gchar * name)
{
  const GValue *v;

  fail_unless (pooled != NULL, "no pooled message");
  v = gst_structure_get_value (pooled, name);
  fail_unless (v != NULL && GST_VALUE_HOLDS_STRUCTURE (v), "no pooled %s",
      name);
  return gst_value_get_structure (v);
}

static gboolean
warnings_mention (const Run * run, const gchar * text)
{
  GList *l;

  for (l = run->warnings; l; l = l->next)
    if (strstr (l->data, text))
      return TRUE;
  return FALSE;
}

/* ------------------------------------------------------------------ */
/* Harnesses: sink_1 and src in one, sink_0 in the other                */
/* ------------------------------------------------------------------ */

typedef struct
{
  GstElement *element;
  GstHarness *dist;             /* pushes to sink_1, pulls from src */
  GstHarness *ref;              /* pushes to sink_0 */
  GstBus *bus;
} Pair;

static void
pair_start (Pair * p, const gchar * first_property, ...)
{
  va_list args;

  p->element = gst_element_factory_make ("vgg19compare", NULL);
  fail_unless (p->element != NULL, "the vgg19compare element is not found: "
      "is GST_PLUGIN_PATH set to the build directory of the plugin?");
  p->bus = gst_bus_new ();
  gst_element_set_bus (p->element, p->bus);
  va_start (args, first_property);
  g_object_set_valist (G_OBJECT (p->element), first_property, args);
  va_end (args);
  /* starts the element: the properties are set before */
  p->dist = gst_harness_new_with_element (p->element, "sink_1", "src");
  p->ref = gst_harness_new_with_element (p->element, "sink_0", NULL);
  gst_harness_set_live (p->dist, FALSE);
  gst_harness_set_live (p->ref, FALSE);
}

static void
pair_stop (Pair * p)
{
  gst_harness_teardown (p->ref);
  gst_harness_teardown (p->dist);
  gst_object_unref (p->element);
  gst_object_unref (p->bus);
}

static void
set_caps (GstHarness * h, const GstVideoInfo * info, gint fps)
{
  GstCaps *caps = gst_video_info_to_caps (info);

  gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, fps, 1, NULL);
  gst_harness_set_src_caps (h, caps);
}

static GstBuffer *
timed (GstBuffer * buf, GstClockTime pts, GstClockTime duration)
{
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = duration;
  return buf;
}

/* The vgg19 messages on @bus so far: "frame" ones in @frames, the
 * "pooled" one returned (NULL if none); warnings counted. */
static GstStructure *
pop_messages (GstBus * bus, GList ** frames, GList ** warnings)
{
  GstStructure *pooled = NULL;
  GstMessage *msg;

  while ((msg = gst_bus_pop (bus))) {
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT
        && gst_message_has_name (msg, "vgg19")) {
      const GstStructure *s = gst_message_get_structure (msg);

      if (g_strcmp0 (gst_structure_get_string (s, "type"), "pooled") == 0)
        pooled = gst_structure_copy (s);
      else if (frames)
        *frames = g_list_append (*frames, gst_structure_copy (s));
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING && warnings) {
      GError *w = NULL;

      gst_message_parse_warning (msg, &w, NULL);
      *warnings = g_list_append (*warnings, g_strdup (w->message));
      g_error_free (w);
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *e = NULL;

      gst_message_parse_error (msg, &e, NULL);
      fail ("error: %s", e->message);
    }
    gst_message_unref (msg);
  }
  return pooled;
}

/* Waits for the next buffer out of @h; events are skipped. */
static GstBuffer *
pull (GstHarness * h)
{
  GstBuffer *buf = gst_harness_pull (h);

  fail_unless (buf != NULL, "no buffer came out");
  return buf;
}

/* ------------------------------------------------------------------ */
/* Against torch                                                        */
/* ------------------------------------------------------------------ */

static TestJson *
load_compare_reference (void)
{
  const gchar *path = g_getenv (COMPARE_REFERENCE_ENV);
  GError *error = NULL;
  TestJson *json;

  fail_unless (path != NULL, "%s is not set", COMPARE_REFERENCE_ENV);
  json = test_json_load (path, &error);
  fail_unless (json != NULL, "%s: %s", path, error ? error->message : "?");
  return json;
}

/* "tap:weight,..." of a metric of the reference file. */
static gchar *
layers_property (const TestJson * metric)
{
  const TestJson *layers = test_json_member (metric, "layers");
  GString *s = g_string_new (NULL);
  guint i;

  fail_unless (layers != NULL && layers->type == TEST_JSON_ARRAY);
  for (i = 0; i < layers->items->len; i++) {
    const TestJson *pair = g_ptr_array_index (layers->items, i);
    const TestJson *tap = g_ptr_array_index (pair->items, 0);
    const TestJson *weight = g_ptr_array_index (pair->items, 1);
    gchar number[G_ASCII_DTOSTR_BUF_SIZE];

    g_string_append_printf (s, "%s%s:%s", i ? "," : "", tap->string,
        g_ascii_dtostr (number, sizeof number, weight->number));
  }
  return g_string_free (s, FALSE);
}

/* Every 8-bit component v becomes (v & 0xF0) | 8, as the reference
 * script's "quantise16". */
static void
quantise16 (GstBuffer * buf)
{
  GstMapInfo map;
  gsize i;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READWRITE));
  for (i = 0; i < map.size; i++)
    map.data[i] = (map.data[i] & 0xF0) | 8;
  gst_buffer_unmap (buf, &map);
}

static double
check_close (double got, double want, const gchar * what)
{
  double err = fabs (got - want) / MAX (fabs (want), 1e-300);

  fail_unless (err <= TORCH_RELATIVE_TOLERANCE, "%s: %.9g, torch %.9g "
      "(relative error %.3g)", what, got, want, err);
  return err;
}

/* One configuration of the reference file: the pictures through the
 * element (the reference on sink_0, the distorted one on sink_1), its
 * metas and message against torch's values. */
static double
check_torch_config (const TestJson * config)
{
  const TestJson *metrics = test_json_member (config, "metrics");
  const gchar *resize = test_json_member_string (config, "resize");
  const TestJson *distortion = test_json_member (config, "distortion");
  const TestOracleCase *ref_case =
      gst_test_case (test_json_member_string (config, "reference"));
  const TestOracleCase *dist_case =
      gst_test_case (test_json_member_string (config, "distorted"));
  gchar *layers = NULL, *style = g_strdup ("");
  const gchar *criterion = "mse";
  GList *frames = NULL;
  GstVideoInfo ref_info, dist_info;
  GstBuffer *ref, *dist, *out;
  const GstStructure *s;
  Pair p;
  guint m, l;
  double worst = 0.0;

  for (m = 0; m < metrics->items->len; m++) {
    const TestJson *metric = g_ptr_array_index (metrics->items, m);

    if (strcmp (test_json_member_string (metric, "name"), "perceptual") == 0) {
      layers = layers_property (metric);
      criterion = test_json_member_string (metric, "criterion");
    } else {
      g_free (style);
      style = layers_property (metric);
    }
  }
  fail_unless (layers != NULL);

  pair_start (&p, "weights", gst_test_weights ("legacy_v1"), "resize",
      strcmp (resize, "none") == 0 ? VGG19_RESIZE_NONE : VGG19_RESIZE_STRETCH,
      "layers", layers, "loss", strcmp (criterion, "l1") == 0 ?
      VGG19_LOSS_L1 : VGG19_LOSS_MSE, "style-layers", style, NULL);
  ref = gst_test_case_rgb_buffer (ref_case, &ref_info);
  dist = gst_test_case_rgb_buffer (dist_case, &dist_info);
  if (distortion && distortion->type == TEST_JSON_STRING) {
    fail_unless_equals_string (distortion->string, "quantise16");
    quantise16 (dist);
  }
  set_caps (p.ref, &ref_info, 25);
  set_caps (p.dist, &dist_info, 25);
  fail_unless_equals_int (gst_harness_push (p.ref, timed (ref, 0,
              GST_SECOND / 25)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (p.dist, timed (dist, 0,
              GST_SECOND / 25)), GST_FLOW_OK);
  out = pull (p.dist);
  pop_messages (p.bus, &frames, NULL);
  fail_unless_equals_int (g_list_length (frames), 1);
  s = frames->data;

  for (m = 0; m < metrics->items->len; m++) {
    const TestJson *metric = g_ptr_array_index (metrics->items, m);
    const gchar *name = test_json_member_string (metric, "name");
    const TestJson *values = test_json_member (metric, "values");
    const TestJson *tlayers = test_json_member (metric, "layers");
    GstVgg19LossMeta *meta = gst_buffer_get_vgg19_loss_meta_by_metric (out,
        name);
    gchar *field = g_strdup_printf ("%s-layers", name);
    double total;

    fail_unless (meta != NULL, "no %s meta", name);
    fail_unless (test_json_member_number (metric, "total", &total));
    fail_unless_equals_int (meta->n_layers, values->items->len);
    fail_unless_equals_int (array_size (s, field), values->items->len);
    for (l = 0; l < meta->n_layers; l++) {
      const TestJson *v = g_ptr_array_index (values->items, l);
      const TestJson *pair = g_ptr_array_index (tlayers->items, l);
      gchar *what = g_strdup_printf ("%s %s %s", test_json_member_string
          (config, "id"), name, meta->layers[l]);

      fail_unless_equals_string (meta->layers[l],
          ((TestJson *) g_ptr_array_index (pair->items, 0))->string);
      fail_unless_equals_float (meta->layer_weights[l],
          ((TestJson *) g_ptr_array_index (pair->items, 1))->number);
      worst = MAX (worst, check_close (meta->layer_losses[l], v->number, what));
      fail_unless_equals_float (array_double (s, field, l),
          meta->layer_losses[l]);
      g_free (what);
    }
    worst = MAX (worst, check_close (meta->total, total, name));
    fail_unless_equals_float (get_double (s, name), meta->total);
    g_free (field);
  }
  GST_INFO ("%s: largest relative error %.3g", test_json_member_string
      (config, "id"), worst);

  g_list_free_full (frames, (GDestroyNotify) gst_structure_free);
  gst_buffer_unref (out);
  pair_stop (&p);
  g_free (layers);
  g_free (style);
  return worst;
}

GST_START_TEST (test_matches_torch)
{
  g_autoptr (TestJson) json = load_compare_reference ();
  const TestJson *configs = test_json_member (json, "configs");
  double worst = 0.0;
  guint i;

  fail_unless (configs != NULL && configs->items->len >= 3);
  for (i = 0; i < configs->items->len; i++)
    worst = MAX (worst, check_torch_config (g_ptr_array_index
            (configs->items, i)));
  g_print ("vgg19compare against torch: largest relative error %.3g\n", worst);
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* Identical inputs, a JPEG sweep                                       */
/* ------------------------------------------------------------------ */

#define TEXTURE "videotestsrc num-buffers=3 pattern=zone-plate kx2=20 " \
  "ky2=20 kt=1 ! video/x-raw,format=%s,width=96,height=72,framerate=25/1"

static void
check_all_zero (const GstStructure * s, const gchar * metric, guint n)
{
  gchar *field = g_strdup_printf ("%s-layers", metric);
  guint i;

  fail_unless (get_double (s, metric) == 0.0, "%s = %g", metric,
      get_double (s, metric));
  fail_unless_equals_int (array_size (s, field), n);
  for (i = 0; i < n; i++)
    fail_unless (array_double (s, field, i) == 0.0, "%s[%u] = %g", field, i,
        array_double (s, field, i));
  g_free (field);
}

GST_START_TEST (test_identical_inputs_are_exactly_zero)
{
  const gchar *resizes[] = { "stretch", "none" };
  guint r;

  for (r = 0; r < G_N_ELEMENTS (resizes); r++) {
    Run run;
    GList *l;
    guint i;

    run_ok (gst_test_launch
        (TEXTURE " ! tee name=t t. ! queue ! c.sink_0 t. ! queue "
            "! c.sink_1 vgg19compare name=c weights=%s threads=2 resize=%s "
            "layers=\"conv1_1:2,relu3_4,conv4_2:0.5\" loss=l1 "
            "style-layers=\"relu1_1,relu2_1:3\" ! appsink name=out "
            "sync=false", "I420", gst_test_weights ("features_only"),
            resizes[r]), &run);
    fail_unless_equals_int (g_list_length (run.frames), 3);
    fail_unless_equals_int (g_list_length (run.samples), 3);
    fail_unless (run.warnings == NULL, "warning: %s", (gchar *)
        (run.warnings ? run.warnings->data : ""));
    for (l = run.frames; l; l = l->next) {
      check_all_zero (l->data, "perceptual", 3);
      check_all_zero (l->data, "style", 2);
    }
    for (l = run.samples; l; l = l->next) {
      GstBuffer *buf = gst_sample_get_buffer (l->data);
      GstVgg19LossMeta *p = gst_buffer_get_vgg19_loss_meta_by_metric (buf,
          "perceptual");
      GstVgg19LossMeta *st = gst_buffer_get_vgg19_loss_meta_by_metric (buf,
          "style");

      fail_unless (p != NULL && st != NULL);
      fail_unless_equals_string (p->criterion, "l1");
      fail_unless (p->total == 0.0 && st->total == 0.0);
      for (i = 0; i < p->n_layers; i++)
        fail_unless (p->layer_losses[i] == 0.0);
    }
    fail_unless_equals_uint64 (get_uint64 (run.pooled, "frames-compared"), 3);
    fail_unless (get_double (pooled_of (run.pooled, "perceptual"), "max")
        == 0.0);
    fail_unless (get_double (pooled_of (run.pooled, "style_relu2_1"), "max")
        == 0.0);
    run_clear (&run);
  }
}

GST_END_TEST;

/* The same clip, JPEG-encoded at quality 10, 50 and 90: the perceptual loss
 * decreases strictly with the quality, frame by frame and pooled. */
GST_START_TEST (test_jpeg_quality_sweep)
{
  const gint qualities[] = { 10, 50, 90 };
  double losses[3][3], means[3];
  guint q, f;

  for (q = 0; q < 3; q++) {
    Run run;
    GList *l;

    run_ok (gst_test_launch
        (TEXTURE " ! tee name=t t. ! queue ! c.sink_0 t. ! queue "
            "! jpegenc quality=%d ! jpegdec ! c.sink_1 vgg19compare name=c "
            "weights=%s threads=2 ! fakesink", "RGB", qualities[q],
            gst_test_weights ("features_only")), &run);
    fail_unless_equals_int (g_list_length (run.frames), 3);
    for (l = run.frames, f = 0; l; l = l->next, f++)
      losses[q][f] = get_double (l->data, "perceptual");
    means[q] = get_double (pooled_of (run.pooled, "perceptual"), "mean");
    fail_unless (fabs (means[q] - (losses[q][0] + losses[q][1] +
                losses[q][2]) / 3) <= 1e-12 * means[q]);
    run_clear (&run);
  }
  for (f = 0; f < 3; f++) {
    GST_INFO ("frame %u: q10 %g, q50 %g, q90 %g", f, losses[0][f],
        losses[1][f], losses[2][f]);
    fail_unless (losses[0][f] > losses[1][f] && losses[1][f] > losses[2][f]
        && losses[2][f] > 0.0, "frame %u: quality 10, 50, 90 give %g, %g, "
        "%g", f, losses[0][f], losses[1][f], losses[2][f]);
  }
  fail_unless (means[0] > means[1] && means[1] > means[2]);
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* Pairing                                                              */
/* ------------------------------------------------------------------ */

#define SOURCE "videotestsrc num-buffers=%d pattern=%s ! " \
  "video/x-raw,format=%s,width=%d,height=%d,framerate=%d/1"

static Run
run_two_sources (const gchar * extra, gint ref_n, const gchar * ref_format,
    gint ref_w, gint ref_h, gint ref_fps, gint dist_n,
    const gchar * dist_format, gint dist_w, gint dist_h, gint dist_fps)
{
  Run run;

  run_ok (gst_test_launch
      ("vgg19compare name=c weights=%s threads=2 layers=conv2_2 "
          "%s ! appsink name=out sync=false " SOURCE " ! c.sink_0 " SOURCE
          " ! c.sink_1", gst_test_weights ("features_only"), extra, ref_n,
          "smpte", ref_format, ref_w, ref_h, ref_fps, dist_n, "ball",
          dist_format, dist_w, dist_h, dist_fps), &run);
  return run;
}

/* Different sizes, formats and rates: every distorted frame is compared
 * with the reference frame it overlaps, and goes out as it came. */
GST_START_TEST (test_sizes_formats_and_rates_differ)
{
  Run run;
  GList *l;
  guint i;
  const guint64 want_ref_30_10[] = { 0, 0, 0, 1, 1, 1 };

  /* reference at 10 fps, distorted at 30 fps */
  run = run_two_sources ("", 2, "RGB", 64, 48, 10, 6, "NV12", 80, 60, 30);
  fail_unless (run.warnings == NULL, "warning: %s", (gchar *)
      (run.warnings ? run.warnings->data : ""));
  fail_unless_equals_int (g_list_length (run.frames), 6);
  for (l = run.frames, i = 0; l; l = l->next, i++) {
    fail_unless_equals_uint64 (get_uint64 (l->data, "frame"), i);
    fail_unless_equals_uint64 (get_uint64 (l->data, "reference-frame"),
        want_ref_30_10[i]);
    fail_unless_equals_uint64 (get_uint64 (l->data, "timestamp"),
        gst_util_uint64_scale_int (i, GST_SECOND, 30));
    fail_unless (get_double (l->data, "perceptual") > 0.0);
  }
  fail_unless_equals_uint64 (get_uint64 (run.pooled, "frames-compared"), 6);
  fail_unless_equals_uint64 (get_uint64 (run.pooled, "reference-dropped"), 0);
  fail_unless_equals_uint64 (get_uint64 (run.pooled, "distorted-unpaired"), 0);
  fail_unless_equals_int (g_list_length (run.samples), 6);
  for (l = run.samples, i = 0; l; l = l->next, i++) {
    GstVideoInfo info;
    GstBuffer *buf = gst_sample_get_buffer (l->data);

    fail_unless (gst_video_info_from_caps (&info,
            gst_sample_get_caps (l->data)));
    fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (&info),
        GST_VIDEO_FORMAT_NV12);
    fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 80);
    fail_unless_equals_int (GST_VIDEO_INFO_FPS_N (&info), 30);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buf),
        gst_util_uint64_scale_int (i, GST_SECOND, 30));
    fail_unless (gst_buffer_get_vgg19_loss_meta_by_metric (buf,
            "perceptual") != NULL);
  }
  /* the pooled scores are those of the frames */
  {
    const GstStructure *p = pooled_of (run.pooled, "perceptual");
    double sum = 0.0, min = INFINITY, max = -INFINITY;

    for (l = run.frames; l; l = l->next) {
      double v = get_double (l->data, "perceptual");

      sum += v;
      min = MIN (min, v);
      max = MAX (max, v);
    }
    fail_unless_equals_uint64 (get_uint64 (p, "count"), 6);
    fail_unless (fabs (get_double (p, "mean") - sum / 6) <= 1e-12 * sum);
    fail_unless_equals_float (get_double (p, "min"), min);
    fail_unless_equals_float (get_double (p, "max"), max);
    fail_unless (get_double (p, "p5") >= min && get_double (p, "p95") <= max);
  }
  run_clear (&run);

  /* reference at 30 fps, distorted at 10 fps: the reference frames in
   * between are dropped */
  run = run_two_sources ("", 6, "GRAY8", 64, 48, 30, 2, "BGRx", 40, 90, 10);
  fail_unless (run.warnings == NULL, "warning: %s", (gchar *)
      (run.warnings ? run.warnings->data : ""));
  fail_unless_equals_int (g_list_length (run.frames), 2);
  fail_unless_equals_uint64 (get_uint64 (run.frames->data,
          "reference-frame"), 0);
  fail_unless_equals_uint64 (get_uint64 (run.frames->next->data,
          "reference-frame"), 3);
  fail_unless_equals_uint64 (get_uint64 (run.pooled, "frames-compared"), 2);
  fail_unless_equals_uint64 (get_uint64 (run.pooled, "reference-dropped"), 4);
  run_clear (&run);
}

GST_END_TEST;

/* An input that ends early ends the comparison, with a warning naming it;
 * equal lengths end without one. */
GST_START_TEST (test_unequal_lengths)
{
  Run run;

  run = run_two_sources ("", 2, "RGB", 64, 48, 25, 4, "RGB", 64, 48, 25);
  fail_unless_equals_int (g_list_length (run.frames), 2);
  fail_unless_equals_int (g_list_length (run.samples), 2);
  fail_unless_equals_int (g_list_length (run.warnings), 1);
  fail_unless (warnings_mention (&run, "sink_0")
      && warnings_mention (&run, "reference input"), "%s",
      (gchar *) run.warnings->data);
  fail_unless_equals_uint64 (get_uint64 (run.pooled, "frames-compared"), 2);
  fail_unless_equals_string (gst_structure_get_string (run.pooled,
          "ended-by"), "sink_0");
  run_clear (&run);

  run = run_two_sources ("", 4, "RGB", 64, 48, 25, 2, "RGB", 64, 48, 25);
  fail_unless_equals_int (g_list_length (run.frames), 2);
  fail_unless_equals_int (g_list_length (run.warnings), 1);
  fail_unless (warnings_mention (&run, "sink_1")
      && warnings_mention (&run, "distorted input"), "%s",
      (gchar *) run.warnings->data);
  fail_unless_equals_string (gst_structure_get_string (run.pooled,
          "ended-by"), "sink_1");
  run_clear (&run);

  run = run_two_sources ("", 3, "RGB", 64, 48, 25, 3, "RGB", 64, 48, 25);
  fail_unless_equals_int (g_list_length (run.frames), 3);
  fail_unless (run.warnings == NULL, "warning: %s", (gchar *)
      (run.warnings ? run.warnings->data : ""));
  fail_unless_equals_uint64 (get_uint64 (run.pooled, "reference-dropped"), 0);
  run_clear (&run);
}

GST_END_TEST;

/* What happens when the reference ends first, and pairing by index. */
GST_START_TEST (test_end_and_sync_policies)
{
  Run run;
  GList *l;
  guint64 reference_frame = 0;

  /* repeat: the last reference frame serves the rest */
  run = run_two_sources ("eof-action=repeat", 2, "RGB", 64, 48, 25, 4, "RGB",
      64, 48, 25);
  fail_unless_equals_int (g_list_length (run.frames), 4);
  fail_unless_equals_int (g_list_length (run.samples), 4);
  fail_unless (run.warnings == NULL, "warning: %s", (gchar *)
      (run.warnings ? run.warnings->data : ""));
  for (l = g_list_nth (run.frames, 1); l; l = l->next) {
    fail_unless (gst_structure_get_uint64 (l->data, "reference-frame",
            &reference_frame));
    fail_unless_equals_uint64 (reference_frame, 1);
  }
  fail_unless_equals_uint64 (get_uint64 (run.pooled, "frames-compared"), 4);
  fail_unless_equals_uint64 (get_uint64 (run.pooled,
          "reference-duplicated"), 2);
  fail_unless_equals_uint64 (get_uint64 (run.pooled, "distorted-unpaired"),
      0);
  fail_unless_equals_string (gst_structure_get_string (run.pooled,
          "ended-by"), "sink_0");
  run_clear (&run);

  /* pass: the rest goes out without scores, counted and warned about */
  run = run_two_sources ("eof-action=pass", 2, "RGB", 64, 48, 25, 4, "RGB",
      64, 48, 25);
  fail_unless_equals_int (g_list_length (run.frames), 2);
  fail_unless_equals_int (g_list_length (run.samples), 4);
  fail_unless_equals_uint64 (get_uint64 (run.pooled, "distorted-unpaired"),
      2);
  fail_unless_equals_uint64 (get_uint64 (run.pooled,
          "reference-duplicated"), 0);
  fail_unless_equals_int (g_list_length (run.warnings), 1);
  fail_unless (warnings_mention (&run, "eof-action=pass"), "%s",
      (gchar *) run.warnings->data);
  run_clear (&run);

  /* index: a reference at 5 frames per second still pairs one to one
   * with a distorted stream at 25 (by time, one reference frame would
   * serve five) */
  run = run_two_sources ("sync-mode=index", 3, "RGB", 64, 48, 5, 3, "RGB",
      64, 48, 25);
  fail_unless_equals_int (g_list_length (run.frames), 3);
  for (l = run.frames, reference_frame = 0; l; l = l->next) {
    guint64 frame = 0, ref = 0;

    gst_structure_get_uint64 (l->data, "frame", &frame);
    gst_structure_get_uint64 (l->data, "reference-frame", &ref);
    fail_unless_equals_uint64 (ref, frame);
  }
  fail_unless_equals_uint64 (get_uint64 (run.pooled,
          "reference-duplicated"), 0);
  run_clear (&run);
  /* the same by running time */
  run = run_two_sources ("", 3, "RGB", 64, 48, 5, 3, "RGB", 64, 48, 25);
  fail_unless_equals_int (g_list_length (run.frames), 3);
  for (l = run.frames; l; l = l->next) {
    guint64 ref = 1;

    gst_structure_get_uint64 (l->data, "reference-frame", &ref);
    fail_unless_equals_uint64 (ref, 0);
  }
  fail_unless_equals_uint64 (get_uint64 (run.pooled,
          "reference-duplicated"), 2);
  run_clear (&run);
}

GST_END_TEST;

static GstBuffer *
blank_frame (const GstVideoInfo * info, guint8 value)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, info->size, NULL);

  gst_buffer_memset (buf, 0, value, info->size);
  return buf;
}

/* Distorted frames before the reference starts go out without scores; a
 * reference frame serves the distorted frames it overlaps; frames without
 * timestamps pair in arrival order. */
GST_START_TEST (test_pairing_by_running_time)
{
  const GstClockTime ms = GST_MSECOND;
  GList *frames = NULL;
  GstStructure *pooled;
  GstVideoInfo info;
  GstBuffer *out;
  Pair p;
  guint i;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 64, 48);
  pair_start (&p, "weights", gst_test_weights ("features_only"), "threads",
      2, "layers", "conv1_1", NULL);
  set_caps (p.ref, &info, 25);
  set_caps (p.dist, &info, 25);

  /* the reference starts at 100 ms */
  fail_unless_equals_int (gst_harness_push (p.ref, timed (blank_frame (&info,
                  10), 100 * ms, 40 * ms)), GST_FLOW_OK);
  for (i = 0; i < 2; i++) {
    /* [0, 40) and [40, 80): before it */
    fail_unless_equals_int (gst_harness_push (p.dist,
            timed (blank_frame (&info, 20), i * 40 * ms, 40 * ms)),
        GST_FLOW_OK);
    out = pull (p.dist);
    fail_unless (gst_buffer_get_vgg19_loss_meta (out) == NULL,
        "frame %u has scores", i);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), i * 40 * ms);
    gst_buffer_unref (out);
  }
  /* [80, 120) and [120, 160) overlap the reference's [100, 140), which
   * serves both without waiting for the next reference frame */
  for (i = 2; i < 4; i++) {
    fail_unless_equals_int (gst_harness_push (p.dist,
            timed (blank_frame (&info, 20), i * 40 * ms, 40 * ms)),
        GST_FLOW_OK);
    out = pull (p.dist);
    fail_unless (gst_buffer_get_vgg19_loss_meta (out) != NULL);
    gst_buffer_unref (out);
  }
  /* [160, 200): after it; the second reference frame [140, 180) serves */
  fail_unless_equals_int (gst_harness_push (p.dist, timed (blank_frame (&info,
                  20), 160 * ms, 40 * ms)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (p.ref, timed (blank_frame (&info,
                  30), 140 * ms, 40 * ms)), GST_FLOW_OK);
  gst_buffer_unref (pull (p.dist));

  /* no timestamps: one reference frame per distorted frame, in order */
  for (i = 0; i < 2; i++) {
    fail_unless_equals_int (gst_harness_push (p.dist,
            timed (blank_frame (&info, 20), GST_CLOCK_TIME_NONE,
                GST_CLOCK_TIME_NONE)), GST_FLOW_OK);
    fail_unless_equals_int (gst_harness_push (p.ref,
            timed (blank_frame (&info, 20), GST_CLOCK_TIME_NONE,
                GST_CLOCK_TIME_NONE)), GST_FLOW_OK);
    out = pull (p.dist);
    fail_unless (gst_buffer_get_vgg19_loss_meta (out) != NULL);
    /* the same pixels */
    fail_unless (gst_buffer_get_vgg19_loss_meta (out)->total == 0.0);
    gst_buffer_unref (out);
  }

  pooled = pop_messages (p.bus, &frames, NULL);
  fail_unless (pooled == NULL, "pooled before the end");
  fail_unless_equals_int (g_list_length (frames), 5);
  {
    const guint64 want_frame[] = { 2, 3, 4, 5, 6 };
    const guint64 want_ref[] = { 0, 0, 1, 2, 3 };
    GList *l;

    for (l = frames, i = 0; l; l = l->next, i++) {
      fail_unless_equals_uint64 (get_uint64 (l->data, "frame"), want_frame[i]);
      fail_unless_equals_uint64 (get_uint64 (l->data, "reference-frame"),
          want_ref[i]);
    }
  }
  g_list_free_full (frames, (GDestroyNotify) gst_structure_free);
  pair_stop (&p);
}

GST_END_TEST;

/* EOS on the reference pad while the distorted stream goes on: the
 * comparison ends with a warning, the pooled scores, the log's pooled
 * block and EOS downstream; the log is complete after every frame. */
GST_START_TEST (test_eos_on_one_pad)
{
  gchar *dir = g_dir_make_tmp ("vgg19-compare-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "scores.json", NULL);
  GList *warnings = NULL;
  GstStructure *pooled;
  GstVideoInfo info;
  GstBuffer *out;
  GstEvent *event;
  TestJson *log;
  GError *error = NULL;
  GstFlowReturn ret;
  Pair p;

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_BGRx, 64, 48);
  pair_start (&p, "weights", gst_test_weights ("features_only"), "threads",
      2, "layers", "conv1_1,conv1_2", "log-file", path, NULL);
  set_caps (p.ref, &info, 25);
  set_caps (p.dist, &info, 25);
  fail_unless_equals_int (gst_harness_push (p.ref, timed (blank_frame (&info,
                  10), 0, GST_SECOND / 25)), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (p.dist, timed (blank_frame (&info,
                  90), 0, GST_SECOND / 25)), GST_FLOW_OK);
  out = pull (p.dist);
  fail_unless (gst_buffer_get_vgg19_loss_meta (out)->total > 0.0);
  gst_buffer_unref (out);

  /* one frame in the log, which parses, without a pooled block yet */
  log = test_json_load (path, &error);
  fail_unless (log != NULL, "%s", error ? error->message : "?");
  fail_unless_equals_int (test_json_length (test_json_member (log, "frames")),
      1);
  fail_unless (test_json_member (log, "pooled_metrics") == NULL);
  test_json_free (log);

  fail_unless (gst_harness_push_event (p.ref, gst_event_new_eos ()));
  fail_unless_equals_int (gst_harness_push (p.dist, timed (blank_frame (&info,
                  90), GST_SECOND / 25, GST_SECOND / 25)), GST_FLOW_OK);
  /* EOS downstream, after the events that started the stream */
  do {
    event = gst_harness_pull_event (p.dist);
    fail_unless (event != NULL, "no EOS");
    if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
      break;
    gst_event_unref (event);
  } while (TRUE);
  gst_event_unref (event);
  fail_unless_equals_int (gst_harness_buffers_in_queue (p.dist), 0);
  /* and the distorted stream is told to stop (a frame pushed right after
   * EOS went out may still be queued first) */
  ret = gst_harness_push (p.dist, timed (blank_frame (&info, 90),
          2 * GST_SECOND / 25, GST_SECOND / 25));
  if (ret == GST_FLOW_OK)
    ret = gst_harness_push (p.dist, timed (blank_frame (&info, 90),
            3 * GST_SECOND / 25, GST_SECOND / 25));
  fail_unless_equals_int (ret, GST_FLOW_EOS);

  pooled = pop_messages (p.bus, NULL, &warnings);
  fail_unless (pooled != NULL, "no pooled message");
  fail_unless_equals_uint64 (get_uint64 (pooled, "frames-compared"), 1);
  fail_unless_equals_string (gst_structure_get_string (pooled, "ended-by"),
      "sink_0");
  fail_unless_equals_int (g_list_length (warnings), 1);
  fail_unless (strstr (warnings->data, "sink_0") != NULL, "%s",
      (gchar *) warnings->data);

  log = test_json_load (path, &error);
  fail_unless (log != NULL, "%s", error ? error->message : "?");
  fail_unless_equals_int (test_json_length (test_json_member (log, "frames")),
      1);
  fail_unless (test_json_member (test_json_member (log, "pooled_metrics"),
          "perceptual_conv1_2") != NULL);
  test_json_free (log);

  g_list_free_full (warnings, g_free);
  gst_structure_free (pooled);
  pair_stop (&p);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

/* Only the distorted stream is linked: an error that names the missing
 * input, not a pipeline waiting for ever. */
GST_START_TEST (test_missing_reference_pad)
{
  GstElement *pipeline = gst_test_launch
      ("vgg19compare name=c weights=%s threads=2 "
      "! fakesink videotestsrc num-buffers=5 ! "
      "video/x-raw,width=64,height=48 ! c.sink_1",
      gst_test_weights ("features_only"));
  gint64 start = g_get_monotonic_time ();
  Run run;

  run_pipeline (pipeline, &run);
  fail_unless (run.error != NULL, "no error");
  fail_unless (strstr (run.error, "sink_0") && strstr (run.error,
          "not linked"), "%s", run.error);
  GST_INFO ("error after %.1f s", (g_get_monotonic_time () - start) / 1e6);
  fail_unless (run.frames == NULL && run.pooled == NULL);
  run_clear (&run);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* Logs                                                                 */
/* ------------------------------------------------------------------ */

static const gchar *const pooled_stats[] = {
  "min", "max", "mean", "harmonic_mean", "median", "p1", "p5", "p10", "p25",
  "p95", "stddev", "count"
};

GST_START_TEST (test_json_log)
{
  gchar *dir = g_dir_make_tmp ("vgg19-compare-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "scores.json", NULL);
  const gchar *names[] = { "perceptual", "perceptual_conv1_2",
    "perceptual_relu2_1", "style", "style_relu1_1"
  };
  const TestJson *frames, *pooled, *params;
  GError *error = NULL;
  TestJson *log;
  Run run;
  guint i, k;

  run_ok (gst_test_launch
      (TEXTURE " ! tee name=t t. ! queue ! c.sink_0 t. ! queue ! "
          "jpegenc quality=30 ! jpegdec ! c.sink_1 vgg19compare name=c "
          "weights=%s threads=2 layers=conv1_2,relu2_1:0.5 "
          "style-layers=relu1_1 log-file=\"%s\" ! fakesink", "RGB",
          gst_test_weights ("features_only"), path), &run);

  log = test_json_load (path, &error);
  fail_unless (log != NULL, "%s", error ? error->message : "?");
  fail_unless (g_str_has_prefix (test_json_member_string (log, "version"),
          "vgg19 "));
  params = test_json_member (log, "params");
  fail_unless_equals_string (test_json_member_string (params, "resize"),
      "stretch");
  fail_unless_equals_string (test_json_member_string (params, "perceptual"),
      "perceptual: feature mse reduction=mean feature-norm=none "
      "input=imagenet pooling=max conv1_2:1,relu2_1:0.5");
  fail_unless_equals_string (test_json_member_string (params, "style"),
      "style: gram mse reduction=sum feature-norm=none gram-norm=gatys "
      "input=imagenet pooling=max relu1_1:1");
  fail_unless (g_str_has_prefix (test_json_member_string (params, "network"),
          "vgg19 (torchvision configuration E), max pooling"));
  fail_unless (strstr (test_json_member_string (params, "preprocessing"),
          "224x224") != NULL);
  {
    /* the SHA-256 of the very file used */
    gchar *contents, *sha;
    gsize length;

    fail_unless (g_file_get_contents (gst_test_weights ("features_only"),
            &contents, &length, NULL));
    sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
        (const guchar *) contents, length);
    fail_unless_equals_string (test_json_member_string (params,
            "weights_sha256"), sha);
    g_free (sha);
    g_free (contents);
  }
  frames = test_json_member (log, "frames");
  fail_unless_equals_int (test_json_length (frames), 3);
  for (i = 0; i < 3; i++) {
    const TestJson *frame = g_ptr_array_index (frames->items, i);
    const TestJson *metrics = test_json_member (frame, "metrics");
    const GstStructure *s = g_list_nth_data (run.frames, i);
    double v, pts;

    fail_unless (test_json_member_number (frame, "frameNum", &v));
    fail_unless_equals_float (v, i);
    fail_unless (test_json_member_number (frame, "pts", &pts));
    fail_unless (fabs (pts - i / 25.0) < 1e-6);
    fail_unless_equals_int (test_json_length (metrics), G_N_ELEMENTS (names));
    for (k = 0; k < G_N_ELEMENTS (names); k++)
      fail_unless (test_json_member_number (metrics, names[k], &v),
          "frame %u has no %s", i, names[k]);
    /* six decimals of the message's value */
    fail_unless (test_json_member_number (metrics, "perceptual", &v));
    fail_unless (fabs (v - get_double (s, "perceptual")) <= 0.5e-6 + 1e-12);
    fail_unless (test_json_member_number (metrics, "perceptual_relu2_1", &v));
    fail_unless (fabs (v - array_double (s, "perceptual-layers", 1)) <=
        0.5e-6 + 1e-12);
  }
  {
    const TestJson *aggregate = test_json_member (log, "aggregate_metrics");
    double n;

    fail_unless (aggregate != NULL, "no aggregate_metrics");
    fail_unless (test_json_member_number (aggregate, "frames_compared", &n));
    fail_unless_equals_float (n, 3);
    fail_unless (test_json_member_number (aggregate, "reference_dropped",
            &n));
    fail_unless_equals_float (n, 0);
  }
  pooled = test_json_member (log, "pooled_metrics");
  fail_unless_equals_int (test_json_length (pooled), G_N_ELEMENTS (names));
  for (k = 0; k < G_N_ELEMENTS (names); k++) {
    const TestJson *stats = test_json_member (pooled, names[k]);
    double mean;

    for (i = 0; i < G_N_ELEMENTS (pooled_stats); i++)
      fail_unless (test_json_member (stats, pooled_stats[i]) != NULL,
          "%s has no %s", names[k], pooled_stats[i]);
    fail_unless (test_json_member_number (stats, "mean", &mean));
    fail_unless (fabs (mean - get_double (pooled_of (run.pooled, names[k]),
                "mean")) <= 0.5e-6 + 1e-12);
  }
  test_json_free (log);
  run_clear (&run);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_csv_log)
{
  gchar *dir = g_dir_make_tmp ("vgg19-compare-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "scores.csv", NULL);
  gchar *text = NULL, **lines;
  guint i, n = 0, header = 0;
  Run run;

  run_ok (gst_test_launch
      (TEXTURE " ! tee name=t t. ! queue ! c.sink_0 t. ! queue ! "
          "jpegenc quality=30 ! jpegdec ! c.sink_1 vgg19compare name=c "
          "weights=%s threads=2 layers=conv1_2 log-file=\"%s\" "
          "log-format=csv ! fakesink", "RGB",
          gst_test_weights ("features_only"), path), &run);

  fail_unless (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  while (lines[header] && lines[header][0] == '#')
    header++;
  /* libvmaf's columns, Frame first and a trailing comma */
  fail_unless (header >= 4, "no parameter lines");
  fail_unless_equals_string (lines[header],
      "Frame,perceptual,perceptual_conv1_2,pts,");
  for (i = header + 1; lines[i] && *lines[i] && lines[i][0] != '#'; i++)
    n++;
  fail_unless_equals_int (n, 3);
  for (i = 0; i < 3; i++) {
    gchar **fields = g_strsplit (lines[header + 1 + i], ",", -1);
    gchar *want = g_strdup_printf ("%u", i);

    fail_unless_equals_int (g_strv_length (fields), 5);
    fail_unless_equals_string (fields[0], want);
    fail_unless_equals_string (fields[4], "");
    fail_unless (fabs (g_ascii_strtod (fields[1], NULL) -
            get_double (g_list_nth_data (run.frames, i), "perceptual")) <=
        0.5e-6 + 1e-12);
    g_free (want);
    g_strfreev (fields);
  }
  /* then a comment line per pooled statistic */
  for (i = 0; i < G_N_ELEMENTS (pooled_stats); i++) {
    gchar *want = g_strdup_printf ("# pooled,%s,", pooled_stats[i]);

    fail_unless (g_str_has_prefix (lines[header + 4 + i], want), "%s",
        lines[header + 4 + i]);
    g_free (want);
  }
  g_strfreev (lines);
  g_free (text);
  run_clear (&run);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* Frames untouched; settings refused                                   */
/* ------------------------------------------------------------------ */

GST_START_TEST (test_frames_untouched)
{
  GstVideoInfo info;
  GstBuffer *in, *out;
  GstMapInfo map;
  guint8 *before;
  gsize size;
  Pair p;

  pair_start (&p, "weights", gst_test_weights ("features_only"), "threads",
      2, "layers", "conv1_1", "style-layers", "relu1_1", NULL);
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, 64, 48);
  set_caps (p.ref, &info, 25);
  set_caps (p.dist, &info, 25);
  in = timed (blank_frame (&info, 77), 0, GST_SECOND / 25);
  fail_unless (gst_buffer_map (in, &map, GST_MAP_READ));
  before = g_memdup2 (map.data, map.size);
  size = map.size;
  gst_buffer_unmap (in, &map);

  fail_unless_equals_int (gst_harness_push (p.ref, timed (blank_frame (&info,
                  70), 0, GST_SECOND / 25)), GST_FLOW_OK);
  /* in is held here too: not writable for the element */
  fail_unless_equals_int (gst_harness_push (p.dist, gst_buffer_ref (in)),
      GST_FLOW_OK);
  out = pull (p.dist);
  fail_unless (out != in);
  fail_unless (gst_buffer_get_vgg19_loss_meta_by_metric (out,
          "perceptual") != NULL);
  fail_unless (gst_buffer_get_vgg19_loss_meta_by_metric (out, "style") != NULL);
  fail_unless (gst_buffer_get_vgg19_loss_meta (in) == NULL,
      "the metadata went onto a buffer the element does not own");
  fail_unless (gst_buffer_peek_memory (out, 0) == gst_buffer_peek_memory (in,
          0), "the frame's memory was replaced");
  fail_unless_equals_uint64 (GST_BUFFER_PTS (out), 0);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (out), GST_SECOND / 25);
  fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
  fail_unless (map.size == size && memcmp (map.data, before, size) == 0,
      "the frame's pixels changed");
  gst_buffer_unmap (out, &map);
  g_free (before);
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  pair_stop (&p);
}

GST_END_TEST;

/* Starts an element with @property = @value and returns the error. */
static gchar *
start_error (const gchar * property, const gchar * value)
{
  GstElement *e = gst_element_factory_make ("vgg19compare", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GError *error = NULL;
  gchar *text;

  gst_element_set_bus (e, bus);
  g_object_set (e, "weights", gst_test_weights ("features_only"), NULL);
  gst_util_set_object_arg (G_OBJECT (e), property, value);
  fail_unless (gst_element_set_state (e, GST_STATE_PAUSED) ==
      GST_STATE_CHANGE_FAILURE, "%s=%s was accepted", property, value);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error message");
  gst_message_parse_error (msg, &error, NULL);
  text = g_strdup (error->message);
  g_error_free (error);
  gst_message_unref (msg);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_object_unref (e);
  gst_object_unref (bus);
  return text;
}

GST_START_TEST (test_settings_refused)
{
  struct
  {
    const gchar *property, *value, *mentions;
  } cases[] = {
    {"layers", "conv9_9", "conv9_9"},
    {"layers", "relu1_1:-1", "relu1_1"},
    {"layers", "", "layers"},
    {"style-layers", "fc7", "fc7"},
    {"style-layers", "relu1_1,relu1_1", "twice"},
    {"log-file", "/nonexistent-dir/x/scores.json", "nonexistent-dir"},
    {"metric", "lpips", "lpips-vgg"},
    {"metric", "", "no metric"},
    {"metric", "esrgan,esrgan", "twice"},
    {"metric", "esrgan,pix2pixhd", "different network passes"},
    /* the learned weights are looked for in an empty cache */
    {"metric", "dists", "weights/fetch dists"},
    {"calibration", "/nonexistent-dir/lpips.pth", "exactly one"},
    {"scale-size", "big", "WIDTHxHEIGHT"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *error = start_error (cases[i].property, cases[i].value);

    fail_unless (strstr (error, cases[i].mentions) != NULL,
        "%s=%s: \"%s\" does not mention %s", cases[i].property,
        cases[i].value, error, cases[i].mentions);
    g_free (error);
  }
}

GST_END_TEST;

/* Presets by name, next to the generic metric: their values, layers and
 * metas, and LPIPS on VGG-16 with (stand-ins of) its learned weights. */
GST_START_TEST (test_presets)
{
  const gchar *ref_dir = g_getenv ("VGG19_PRESET_REFERENCE");
  gchar *lpips;
  GList *l;
  Run run;

  fail_unless (ref_dir != NULL, "VGG19_PRESET_REFERENCE is not set");
  run_ok (gst_test_launch
      (TEXTURE " ! tee name=t t. ! queue ! c.sink_0 t. ! queue ! "
          "jpegenc quality=30 ! jpegdec ! tee name=d d. ! queue ! c.sink_1 "
          "d. ! queue ! fakesink vgg19compare name=c weights=%s threads=2 "
          "metric=esrgan,custom,edsr-vgg22 ! appsink name=out", "RGB",
          gst_test_weights ("features_only")), &run);
  fail_unless_equals_int (g_list_length (run.frames), 3);
  for (l = run.frames; l; l = l->next) {
    const GstStructure *s = l->data;

    fail_unless (get_double (s, "esrgan") > 0.0);
    fail_unless_equals_float (get_double (s, "esrgan"),
        array_double (s, "esrgan-layers", 0));
    fail_unless (get_double (s, "perceptual") > 0.0);
    fail_unless (get_double (s, "edsr-vgg22") > 0.0);
  }
  fail_unless (pooled_of (run.pooled, "esrgan_conv5_4") != NULL);
  for (l = run.samples; l; l = l->next) {
    GstBuffer *buf = gst_sample_get_buffer (l->data);
    GstVgg19LossMeta *meta =
        gst_buffer_get_vgg19_loss_meta_by_metric (buf, "esrgan");

    fail_unless (meta != NULL, "no esrgan meta");
    fail_unless_equals_string (meta->criterion, "l1");
  }
  run_clear (&run);

  lpips = g_build_filename (ref_dir, "lpips-v0.1-vgg.pth", NULL);
  run_ok (gst_test_launch
      (TEXTURE " ! tee name=t t. ! queue ! c.sink_0 t. ! queue ! "
          "jpegenc quality=30 ! jpegdec ! c.sink_1 vgg19compare name=c "
          "weights=%s calibration=\"%s\" threads=2 metric=lpips-vgg "
          "! fakesink", "RGB", gst_test_weights ("vgg16"), lpips), &run);
  fail_unless_equals_int (g_list_length (run.frames), 3);
  for (l = run.frames; l; l = l->next) {
    const GstStructure *s = l->data;
    gdouble sum = 0;
    guint k;

    for (k = 0; k < 5; k++)
      sum += array_double (s, "lpips-vgg-layers", k);
    fail_unless (get_double (s, "lpips-vgg") > 0.0);
    fail_unless (fabs (get_double (s, "lpips-vgg") - sum) <= 1e-12 * sum);
  }
  run_clear (&run);
  g_free (lpips);
}

GST_END_TEST;

/* Pooled scores every N frames, and the worst frames at the end. */
GST_START_TEST (test_running_and_worst_frames)
{
  const GstStructure *p;
  const GValue *worst;
  GList *l;
  Run run;
  guint k;
  gdouble previous = G_MAXDOUBLE;

  run_ok (gst_test_launch
      ("videotestsrc num-buffers=5 pattern=zone-plate kx2=20 "
          "ky2=20 kt=1 ! video/x-raw,format=RGB,width=96,height=72,"
          "framerate=25/1 ! tee name=t t. ! queue ! c.sink_0 t. ! queue ! "
          "jpegenc quality=30 ! jpegdec ! c.sink_1 vgg19compare name=c "
          "weights=%s threads=2 layers=conv1_2 metric=custom,tlp "
          "pooled-interval=2 worst-frames=3 ! fakesink",
          gst_test_weights ("features_only")), &run);
  /* the temporal value: none for the first frame, then from the frames
   * before; pooled over the four that have one */
  for (l = run.frames, k = 0; l; l = l->next, k++) {
    gdouble tlp = get_double (l->data, "perceptual_tlp");

    fail_unless (k == 0 ? isnan (tlp) : tlp >= 0.0 && isfinite (tlp),
        "frame %u: tlp %g", k, tlp);
  }
  {
    guint64 n = 0;

    p = pooled_of (run.pooled, "perceptual_tlp");
    fail_unless (gst_structure_get_uint64 (p, "count", &n));
    fail_unless_equals_int (n, 4);
  }
  /* after frames 2 and 4 */
  fail_unless_equals_int (g_list_length (run.running), 2);
  for (l = run.running, k = 2; l; l = l->next, k += 2) {
    guint64 n = 0;

    fail_unless (gst_structure_get_uint64 (l->data, "frames-compared", &n));
    fail_unless_equals_int (n, k);
    p = pooled_of (l->data, "perceptual");
    fail_unless (gst_structure_get_uint64 (p, "count", &n));
    fail_unless_equals_int (n, k);
  }
  /* the three largest perceptual values, largest first, with their frame
   * numbers and timestamps */
  worst = gst_structure_get_value (run.pooled, "perceptual-worst");
  fail_unless (worst != NULL && GST_VALUE_HOLDS_ARRAY (worst));
  fail_unless_equals_int (gst_value_array_get_size (worst), 3);
  fail_unless (gst_structure_get_value (run.pooled,
          "perceptual_conv1_2-worst") == NULL, "layers have no worst list");
  for (k = 0; k < 3; k++) {
    const GstStructure *w =
        gst_value_get_structure (gst_value_array_get_value (worst, k));
    guint64 frame = 0, ts = 0;
    gdouble v = get_double (w, "value");
    const GstStructure *msg;

    fail_unless (gst_structure_get_uint64 (w, "frame", &frame));
    fail_unless (gst_structure_get_uint64 (w, "timestamp", &ts));
    fail_unless (v <= previous);
    previous = v;
    msg = g_list_nth_data (run.frames, (guint) frame);
    fail_unless_equals_float (get_double (msg, "perceptual"), v);
    fail_unless_equals_uint64 (ts, frame * GST_SECOND / 25);
  }
  /* no frame outside the list is worse than its last one */
  for (l = run.frames; l; l = l->next) {
    gboolean listed = FALSE;
    guint64 frame = 0;

    gst_structure_get_uint64 (l->data, "frame", &frame);
    for (k = 0; k < 3; k++) {
      guint64 f = 0;

      gst_structure_get_uint64 (gst_value_get_structure
          (gst_value_array_get_value (worst, k)), "frame", &f);
      listed |= f == frame;
    }
    if (!listed)
      fail_unless (get_double (l->data, "perceptual") <= previous);
  }
  run_clear (&run);
}

GST_END_TEST;

/* Inputs of different sizes at native size: scaled as the policy says,
 * and said so (the pooled message's "sizes", also posted as an info
 * message and in the log). */
GST_START_TEST (test_resolution_policy)
{
  struct
  {
    const gchar *settings, *sizes;
  } cases[] = {
    {"", "the distorted frames (80x60) are scaled to the reference's size "
          "(64x48)"},
    {"scale=distorted", "the reference frames (64x48) are scaled to the "
          "distorted frames' size (80x60)"},
    {"scale=fixed scale-size=40x36", "both inputs (reference 64x48, "
          "distorted 80x60) are scaled to scale-size 40x36"},
    {"resize=stretch", "both inputs (reference 64x48, distorted 80x60) go "
          "through resize=stretch to 224x224"},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    Run run;
    guint64 n = 0;
    GstElement *pipeline = gst_test_launch ("vgg19compare name=c weights=%s "
        "threads=2 layers=conv1_1 resize=none %s ! fakesink " SOURCE
        " ! c.sink_0 " SOURCE " ! c.sink_1",
        gst_test_weights ("features_only"), cases[i].settings, 2, "smpte",
        "RGB", 64, 48, 25, 2, "smpte", "RGB", 80, 60, 25);

    run_pipeline (pipeline, &run);
    fail_unless (run.error == NULL, "%s: %s", cases[i].settings, run.error);
    fail_unless (gst_structure_get_uint64 (run.pooled, "frames-compared",
            &n));
    fail_unless_equals_int (n, 2);
    fail_unless_equals_string (gst_structure_get_string (run.pooled,
            "sizes"), cases[i].sizes);
    run_clear (&run);
    gst_object_unref (pipeline);
  }
  /* the same size: compared as they are */
  {
    Run run;
    GstElement *pipeline = gst_test_launch ("vgg19compare name=c weights=%s "
        "threads=2 layers=conv1_1 resize=none ! fakesink " SOURCE
        " ! c.sink_0 " SOURCE " ! c.sink_1",
        gst_test_weights ("features_only"), 2, "smpte", "RGB", 64, 48, 25, 2,
        "smpte", "RGB", 64, 48, 25);

    run_ok (pipeline, &run);
    fail_unless_equals_string (gst_structure_get_string (run.pooled,
            "sizes"), "both inputs are compared at their size, 64x48");
    /* identical frames: exactly 0 */
    fail_unless_equals_float (get_double (pooled_of (run.pooled,
                "perceptual"), "max"), 0.0);
    run_clear (&run);
  }
}

GST_END_TEST;

static Suite *
compare_suite (void)
{
  Suite *s = suite_create ("vgg19compare");
  TCase *torch = tcase_create ("against torch");
  TCase *scores = tcase_create ("scores");
  TCase *pairing = tcase_create ("pairing");
  TCase *logs = tcase_create ("logs");
  TCase *element = tcase_create ("element");

  suite_add_tcase (s, torch);
  tcase_add_test (torch, test_matches_torch);
  suite_add_tcase (s, scores);
  tcase_add_test (scores, test_identical_inputs_are_exactly_zero);
  tcase_add_test (scores, test_jpeg_quality_sweep);
  suite_add_tcase (s, pairing);
  tcase_add_test (pairing, test_sizes_formats_and_rates_differ);
  tcase_add_test (pairing, test_unequal_lengths);
  tcase_add_test (pairing, test_pairing_by_running_time);
  tcase_add_test (pairing, test_eos_on_one_pad);
  tcase_add_test (pairing, test_missing_reference_pad);
  suite_add_tcase (s, logs);
  tcase_add_test (logs, test_json_log);
  tcase_add_test (logs, test_csv_log);
  tcase_add_test (scores, test_presets);
  tcase_add_test (scores, test_running_and_worst_frames);
  tcase_add_test (pairing, test_end_and_sync_policies);
  suite_add_tcase (s, element);
  tcase_add_test (element, test_frames_untouched);
  tcase_add_test (element, test_settings_refused);
  tcase_add_test (element, test_resolution_policy);
  return s;
}

GST_CHECK_MAIN (compare);
