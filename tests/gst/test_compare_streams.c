/* vgg19compare on streams that are not one steady format: caps that
 * change mid-stream on either input (size and format), a reference whose
 * caps change while its frame is still being compared, 1x1 frames,
 * interlaced caps, flushing seeks, repeated NULL <-> PLAYING with a log,
 * and properties changed while playing.
 *
 * Scores are checked against the perceptual loss computed here from the
 * core's activations of the two pictures (conv1_1, mse): the element
 * hands RGB-family and grey frames to the core's preprocessing as they
 * are, so the activations are the same bit for bit and only the order of
 * the sums differs.
 */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/vgg19/vgg19meta.h>

#include "gst_test_util.h"
#include "json_value.h"

/* float sums over ~3 million values in another order */
#define LOSS_RELATIVE_TOLERANCE 1e-5

#define WAIT_TIMEOUT (300 * GST_SECOND)

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
  fail_unless (p->element != NULL);
  p->bus = gst_bus_new ();
  gst_element_set_bus (p->element, p->bus);
  va_start (args, first_property);
  g_object_set_valist (G_OBJECT (p->element), first_property, args);
  va_end (args);
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
  gst_test_bus_free (p->bus);
}

static GstBuffer *
timed (GstBuffer * buf, guint i)
{
  GST_BUFFER_PTS (buf) = i * GST_SECOND / 25;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 25;
  return buf;
}

/* The core's conv1_1 for what @frame shows, stretched to 224x224. */
static float *
core_conv1_1 (Vgg19Session * session, GstBuffer * frame,
    const GstVideoInfo * info, gsize * n)
{
  guint8 *rgb = gst_test_frame_rgb (frame, info);
  float *t = gst_test_core_tap (session, rgb, GST_VIDEO_INFO_WIDTH (info),
      GST_VIDEO_INFO_HEIGHT (info), VGG19_RESIZE_STRETCH, "conv1_1", n);

  g_free (rgb);
  return t;
}

/* mean((x - y)^2) of the core's activations of the two frames. */
static double
expected_loss (Vgg19Session * session, GstBuffer * ref,
    const GstVideoInfo * ref_info, GstBuffer * dist,
    const GstVideoInfo * dist_info)
{
  gsize n, m, i;
  float *x = core_conv1_1 (session, dist, dist_info, &n);
  float *y = core_conv1_1 (session, ref, ref_info, &m);
  double sum = 0.0;

  fail_unless_equals_int (n, m);
  for (i = 0; i < n; i++)
    sum += ((double) x[i] - y[i]) * ((double) x[i] - y[i]);
  g_free (x);
  g_free (y);
  return sum / n;
}

static void
check_loss (GstBuffer * out, double want, const gchar * what)
{
  GstVgg19LossMeta *meta =
      gst_buffer_get_vgg19_loss_meta_by_metric (out, "perceptual");

  fail_unless (meta != NULL, "%s: no scores", what);
  if (want == 0.0)
    fail_unless (meta->total == 0.0, "%s: %g for identical frames", what,
        meta->total);
  else
    fail_unless (fabs (meta->total - want) <= LOSS_RELATIVE_TOLERANCE * want,
        "%s: %.9g, expected %.9g", what, meta->total, want);
}

static Vgg19Session *
core_session (Vgg19Model ** model)
{
  GError *error = NULL;
  Vgg19Session *session;

  *model = vgg19_model_load (gst_test_weights ("features_only"), &error);
  fail_unless (*model != NULL, "%s", error ? error->message : "?");
  session = vgg19_session_new (*model, 0, VGG19_PRECISION_FP32, &error);
  fail_unless (session != NULL, "%s", error ? error->message : "?");
  return session;
}

typedef struct
{
  GstVideoFormat format;
  guint width, height;
} Shape;

/* Both inputs change size and format, together and one at a time, with
 * frames of the old caps still queued: every pair is scored for its
 * own frames' caps. */
GST_START_TEST (test_renegotiation)
{
  static const struct
  {
    Shape ref, dist;
    gboolean identical;
  } steps[] = {
    {{GST_VIDEO_FORMAT_RGB, 64, 48}, {GST_VIDEO_FORMAT_RGB, 64, 48}, FALSE},
    {{GST_VIDEO_FORMAT_BGRx, 40, 36}, {GST_VIDEO_FORMAT_RGB, 64, 48}, FALSE},
    {{GST_VIDEO_FORMAT_BGRx, 40, 36}, {GST_VIDEO_FORMAT_GRAY8, 33, 35},
        FALSE},
    {{GST_VIDEO_FORMAT_RGBA, 1, 1}, {GST_VIDEO_FORMAT_RGBA, 1, 1}, TRUE},
    {{GST_VIDEO_FORMAT_RGB, 97, 31}, {GST_VIDEO_FORMAT_RGB, 97, 31}, TRUE},
  };
  Vgg19Model *model;
  Vgg19Session *session = core_session (&model);
  GstVideoInfo ref_info, dist_info;
  double want[G_N_ELEMENTS (steps) * 2];
  guint s, j, n = 0;
  Pair p;

  pair_start (&p, "weights", gst_test_weights ("features_only"), "layers",
      "conv1_1", NULL);
  for (s = 0; s < G_N_ELEMENTS (steps); s++) {
    for (j = 0; j < 2; j++, n++) {
      GstBuffer *ref = gst_test_make_frame (steps[s].ref.format,
          steps[s].ref.width, steps[s].ref.height, 10 * s + j, &ref_info);
      GstBuffer *dist = steps[s].identical ?
          gst_test_make_frame (steps[s].dist.format, steps[s].dist.width,
          steps[s].dist.height, 10 * s + j, &dist_info) :
          gst_test_make_frame (steps[s].dist.format, steps[s].dist.width,
          steps[s].dist.height, 1000 + 10 * s + j, &dist_info);

      if (j == 0) {
        gst_test_set_caps (p.ref, &ref_info);
        gst_test_set_caps (p.dist, &dist_info);
      }
      want[n] = steps[s].identical ? 0.0 : expected_loss (session, ref,
          &ref_info, dist, &dist_info);
      /* the distorted frame first: it lets go of the reference frame
       * before, which holds its input until then */
      fail_unless_equals_int (gst_harness_push (p.dist, timed (dist, n)),
          GST_FLOW_OK);
      fail_unless_equals_int (gst_harness_push (p.ref, timed (ref, n)),
          GST_FLOW_OK);
    }
  }
  /* the end of the last pair is known once the reference ends */
  fail_unless (gst_harness_push_event (p.ref, gst_event_new_eos ()));
  fail_unless (gst_harness_push_event (p.dist, gst_event_new_eos ()));
  for (s = 0; s < n; s++) {
    GstBuffer *out = gst_harness_pull (p.dist);
    gchar *what = g_strdup_printf ("pair %u", s);

    fail_unless (out != NULL, "%s: nothing out", what);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (out), s * GST_SECOND / 25);
    check_loss (out, want[s], what);
    gst_buffer_unref (out);
    g_free (what);
  }
  fail_unless (gst_bus_pop_filtered (p.bus, GST_MESSAGE_ERROR) == NULL);
  pair_stop (&p);
  vgg19_session_free (session);
  vgg19_model_unref (model);
}

GST_END_TEST;

/* A reference frame without a duration (and no frame rate) lasts until
 * the next one: while the element waits for it, the reference's caps
 * change. The frame held is still read with its own caps. */
GST_START_TEST (test_reference_caps_change_while_held)
{
  Vgg19Model *model;
  Vgg19Session *session = core_session (&model);
  GstVideoInfo a_info, b_info, d_info;
  GstBuffer *a, *b, *d0, *d1, *out;
  GstCaps *caps;
  double want0, want1;
  Pair p;

  pair_start (&p, "weights", gst_test_weights ("features_only"), "layers",
      "conv1_1", NULL);
  a = gst_test_make_frame (GST_VIDEO_FORMAT_RGB, 64, 48, 1, &a_info);
  b = gst_test_make_frame (GST_VIDEO_FORMAT_RGB, 32, 32, 2, &b_info);
  d0 = gst_test_make_frame (GST_VIDEO_FORMAT_RGB, 64, 48, 3, &d_info);
  d1 = gst_test_make_frame (GST_VIDEO_FORMAT_RGB, 64, 48, 4, &d_info);
  want0 = expected_loss (session, a, &a_info, d0, &d_info);
  want1 = expected_loss (session, b, &b_info, d1, &d_info);

  caps = gst_video_info_to_caps (&a_info);
  gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, 0, 1, NULL);
  gst_harness_set_src_caps (p.ref, caps);
  gst_test_set_caps (p.dist, &d_info);
  GST_BUFFER_PTS (a) = 0;
  fail_unless_equals_int (gst_harness_push (p.ref, a), GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (p.dist, timed (d0, 0)),
      GST_FLOW_OK);
  /* the element now waits for the next reference frame */
  g_usleep (G_USEC_PER_SEC / 2);
  caps = gst_video_info_to_caps (&b_info);
  gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, 0, 1, NULL);
  gst_harness_set_src_caps (p.ref, caps);
  GST_BUFFER_PTS (b) = GST_SECOND;
  fail_unless_equals_int (gst_harness_push (p.ref, b), GST_FLOW_OK);
  out = gst_harness_pull (p.dist);
  fail_unless (out != NULL);
  check_loss (out, want0, "frame held across the caps change");
  gst_buffer_unref (out);

  fail_unless_equals_int (gst_harness_push (p.dist, timed (d1, 25)),
      GST_FLOW_OK);
  fail_unless (gst_harness_push_event (p.ref, gst_event_new_eos ()));
  out = gst_harness_pull (p.dist);
  fail_unless (out != NULL);
  check_loss (out, want1, "frame of the new caps");
  gst_buffer_unref (out);
  fail_unless (gst_bus_pop_filtered (p.bus, GST_MESSAGE_ERROR) == NULL);
  pair_stop (&p);
  vgg19_session_free (session);
  vgg19_model_unref (model);
}

GST_END_TEST;

/* 1x1 frames at their own size (resize=none) are refused at negotiation
 * with an error naming the size; interlaced caps (both fields in one
 * buffer) are taken. */
GST_START_TEST (test_tiny_and_interlaced_caps)
{
  GstVideoInfo info;
  GstMessage *msg;
  GError *error = NULL;
  GstBuffer *ref, *dist, *out;
  GstCaps *caps;
  Pair p;

  pair_start (&p, "weights", gst_test_weights ("features_only"), "layers",
      "conv1_1", "resize", VGG19_RESIZE_NONE, NULL);
  fail_unless (gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 1, 1));
  gst_test_set_caps (p.ref, &info);
  /* (the caps are taken in the aggregation thread) */
  msg = gst_bus_timed_pop_filtered (p.bus, 10 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "1x1 taken at resize=none");
  gst_message_parse_error (msg, &error, NULL);
  fail_unless (strstr (error->message, "1x1") != NULL, "%s", error->message);
  g_clear_error (&error);
  gst_message_unref (msg);
  pair_stop (&p);

  pair_start (&p, "weights", gst_test_weights ("features_only"), "layers",
      "conv1_1", "resize", VGG19_RESIZE_NONE, NULL);
  caps = gst_caps_from_string ("video/x-raw,format=RGB,width=48,height=40,"
      "framerate=25/1,interlace-mode=interleaved");
  gst_harness_set_src_caps (p.ref, gst_caps_ref (caps));
  gst_harness_set_src_caps (p.dist, caps);
  ref = gst_test_make_frame (GST_VIDEO_FORMAT_RGB, 48, 40, 1, &info);
  dist = gst_buffer_copy (ref);
  fail_unless_equals_int (gst_harness_push (p.ref, timed (ref, 0)),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (p.dist, timed (dist, 0)),
      GST_FLOW_OK);
  fail_unless (gst_harness_push_event (p.ref, gst_event_new_eos ()));
  out = gst_harness_pull (p.dist);
  fail_unless (out != NULL);
  check_loss (out, 0.0, "interlaced, identical");
  gst_buffer_unref (out);
  fail_unless (gst_bus_pop_filtered (p.bus, GST_MESSAGE_ERROR) == NULL);
  pair_stop (&p);
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* Pipelines                                                            */
/* ------------------------------------------------------------------ */

#define PIPELINE "vgg19compare name=c weights=\"%s\" layers=conv1_1 " \
  "log-file=\"%s\" ! fakesink " \
  "videotestsrc num-buffers=%d pattern=smpte ! video/x-raw,format=RGB," \
  "width=64,height=48,framerate=25/1 ! c.sink_0 " \
  "videotestsrc num-buffers=%d pattern=ball ! video/x-raw,format=I420," \
  "width=80,height=60,framerate=25/1 ! c.sink_1"

static GstElement *
launch (const gchar * log, gint n)
{
  GError *error = NULL;
  gchar *description = g_strdup_printf (PIPELINE,
      gst_test_weights ("features_only"), log, n, n);
  GstElement *pipeline = gst_parse_launch (description, &error);

  fail_unless (pipeline != NULL && error == NULL, "%s", description);
  g_free (description);
  return pipeline;
}

/* Waits for the end; returns the pooled message's frames-compared. */
static guint64
wait_pooled (GstElement * pipeline)
{
  GstBus *bus = GST_ELEMENT_BUS (pipeline);
  guint64 compared = G_MAXUINT64;
  GstMessage *msg;

  for (;;) {
    msg = gst_bus_timed_pop_filtered (bus, WAIT_TIMEOUT,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT);
    fail_unless (msg != NULL, "neither EOS nor an error");
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *error = NULL;

      gst_message_parse_error (msg, &error, NULL);
      fail ("error: %s", error->message);
    }
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      gst_message_unref (msg);
      break;
    }
    if (g_strcmp0 (gst_structure_get_string (gst_message_get_structure
                (msg), "type"), "pooled") == 0)
      fail_unless (gst_structure_get_uint64 (gst_message_get_structure (msg),
              "frames-compared", &compared));
    gst_message_unref (msg);
  }
  fail_unless (compared != G_MAXUINT64, "no pooled message");
  return compared;
}

/* The number of frames in the JSON log at @path, which must parse. */
static guint
log_frames (const gchar * path, gboolean * pooled)
{
  GError *error = NULL;
  TestJson *json = test_json_load (path, &error);
  const TestJson *frames;
  guint n;

  fail_unless (json != NULL, "%s: %s", path, error ? error->message : "?");
  frames = test_json_member (json, "frames");
  fail_unless (frames != NULL && frames->type == TEST_JSON_ARRAY);
  n = frames->items->len;
  *pooled = test_json_member (json, "pooled_metrics") != NULL;
  test_json_free (json);
  return n;
}

static gchar *
temp_log (void)
{
  gchar *path = NULL;
  gint fd = g_file_open_tmp ("vgg19-compare-XXXXXX.json", &path, NULL);

  fail_unless (fd >= 0);
  close (fd);
  return path;
}

/* To the end and back to NULL, three times, then stopped mid-way: each
 * run writes a complete log, and one stopped early a log that parses with
 * the frames so far. */
GST_START_TEST (test_null_playing_repeated)
{
  gchar *log = temp_log ();
  GstElement *pipeline = launch (log, 4);
  GstMessage *msg;
  gboolean pooled;
  guint i;

  for (i = 0; i < 3; i++) {
    fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE);
    fail_unless_equals_uint64 (wait_pooled (pipeline), 4);
    fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
        GST_STATE_CHANGE_SUCCESS);
    fail_unless_equals_int (log_frames (log, &pooled), 4);
    fail_unless (pooled);
  }
  gst_object_unref (pipeline);

  pipeline = launch (log, -1);
  for (i = 0; i < 2; i++) {
    fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE);
    msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
        WAIT_TIMEOUT, GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR);
    fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) ==
        GST_MESSAGE_ELEMENT, "no result");
    gst_message_unref (msg);
    fail_unless_equals_int (gst_element_set_state (pipeline,
            i ? GST_STATE_NULL : GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
    fail_unless (log_frames (log, &pooled) >= 1);
    fail_if (pooled);
  }
  gst_object_unref (pipeline);
  g_unlink (log);
  g_free (log);
}

GST_END_TEST;

/* A flushing seek while comparing: pairing starts afresh, the comparison
 * runs to the end, the pooled scores count every pair compared. */
GST_START_TEST (test_flushing_seek)
{
  gchar *log = temp_log ();
  GstElement *pipeline = launch (log, 30);
  GstElement *c = gst_bin_get_by_name (GST_BIN (pipeline), "c");
  GstMessage *msg;
  guint64 compared, property;
  gboolean pooled;
  guint i;

  fail_if (gst_element_set_state (pipeline, GST_STATE_PAUSED) ==
      GST_STATE_CHANGE_FAILURE);
  fail_unless (gst_element_get_state (pipeline, NULL, NULL, WAIT_TIMEOUT) ==
      GST_STATE_CHANGE_SUCCESS);
  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  for (i = 0; i < 2; i++) {
    msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
        WAIT_TIMEOUT, GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR);
    fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT);
    gst_message_unref (msg);
    fail_unless (gst_element_seek_simple (pipeline, GST_FORMAT_TIME,
            GST_SEEK_FLAG_FLUSH, GST_SECOND / 5 * (i + 1)));
  }
  compared = wait_pooled (pipeline);
  g_object_get (c, "frames-compared", &property, NULL);
  fail_unless_equals_uint64 (compared, property);
  /* at least the frames after the last seek (0.4 s of 1.2 s: 20) */
  fail_unless (compared >= 20, "%" G_GUINT64_FORMAT " compared", compared);
  fail_unless_equals_int (log_frames (log, &pooled), compared);
  fail_unless (pooled);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (c);
  gst_object_unref (pipeline);
  g_unlink (log);
  g_free (log);
}

GST_END_TEST;

/* post-messages applies from the next pair; the other properties are
 * fixed while playing (the model, metrics and log were made with them):
 * refused with a warning, their value kept. */
GST_START_TEST (test_property_changes_while_playing)
{
  static const struct
  {
    const gchar *name, *value;
  } fixed[] = {
    {"layers", "pool5"}, {"loss", "l1"}, {"style-layers", "relu1_1"},
    {"resize", "none"}, {"log-file", "elsewhere.json"}, {"log-format", "csv"},
    {"threads", "1"}, {"precision", "bf16"}, {"weights", "other.pth"},
  };
  GstVideoInfo info;
  GstMessage *msg;
  guint i, k;
  Pair p;

  pair_start (&p, "weights", gst_test_weights ("features_only"), "layers",
      "conv1_1", NULL);
  fail_unless (gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 32, 32));
  gst_test_set_caps (p.ref, &info);
  gst_test_set_caps (p.dist, &info);
  for (i = 0; i < 3; i++) {
    GstBuffer *ref = gst_test_make_frame (GST_VIDEO_FORMAT_RGB, 32, 32, i,
        &info);
    guint n_frames = 0;

    if (i == 1)
      g_object_set (p.element, "post-messages", FALSE, NULL);
    if (i == 2)
      g_object_set (p.element, "post-messages", TRUE, NULL);
    fail_unless_equals_int (gst_harness_push (p.dist,
            timed (gst_test_make_frame (GST_VIDEO_FORMAT_RGB, 32, 32, 9,
                    &info), i)), GST_FLOW_OK);
    fail_unless_equals_int (gst_harness_push (p.ref, timed (ref, i)),
        GST_FLOW_OK);
    if (i == 2)
      fail_unless (gst_harness_push_event (p.ref, gst_event_new_eos ()));
    gst_buffer_unref (gst_harness_pull (p.dist));
    while ((msg = gst_bus_pop_filtered (p.bus, GST_MESSAGE_ELEMENT))) {
      n_frames += g_strcmp0 (gst_structure_get_string
          (gst_message_get_structure (msg), "type"), "frame") == 0;
      gst_message_unref (msg);
    }
    fail_unless_equals_int (n_frames, i == 1 ? 0 : 1);
  }

  for (k = 0; k < G_N_ELEMENTS (fixed); k++) {
    GValue before = G_VALUE_INIT, after = G_VALUE_INIT;
    GError *warning = NULL;
    gchar *a, *b;

    g_object_get_property (G_OBJECT (p.element), fixed[k].name, &before);
    gst_util_set_object_arg (G_OBJECT (p.element), fixed[k].name,
        fixed[k].value);
    g_object_get_property (G_OBJECT (p.element), fixed[k].name, &after);
    a = gst_value_serialize (&before);
    b = gst_value_serialize (&after);
    fail_unless_equals_string (a, b);
    msg = gst_bus_pop_filtered (p.bus, GST_MESSAGE_WARNING);
    fail_unless (msg != NULL, "%s: no warning", fixed[k].name);
    gst_message_parse_warning (msg, &warning, NULL);
    fail_unless (strstr (warning->message, fixed[k].name)
        && strstr (warning->message, "READY"), "%s: %s", fixed[k].name,
        warning->message);
    g_error_free (warning);
    gst_message_unref (msg);
    g_free (a);
    g_free (b);
    g_value_unset (&before);
    g_value_unset (&after);
  }
  pair_stop (&p);
}

GST_END_TEST;

static Suite *
compare_streams_suite (void)
{
  Suite *s = suite_create ("vgg19compare streams");
  TCase *caps = tcase_create ("caps");
  TCase *pipelines = tcase_create ("pipelines");

  suite_add_tcase (s, caps);
  tcase_add_test (caps, test_renegotiation);
  tcase_add_test (caps, test_reference_caps_change_while_held);
  tcase_add_test (caps, test_tiny_and_interlaced_caps);
  tcase_add_test (caps, test_property_changes_while_playing);
  suite_add_tcase (s, pipelines);
  tcase_add_test (pipelines, test_null_playing_repeated);
  tcase_add_test (pipelines, test_flushing_seek);
  return s;
}

GST_CHECK_MAIN (compare_streams);
