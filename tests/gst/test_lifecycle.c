/* The vgg19 element in pipelines: state changes back and forth, weights
 * that are missing or not weights, settings the model cannot serve, and a
 * live source faster than the analysis.
 */
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/base/gstbasesink.h>
#include <gst/vgg19/vgg19meta.h>

#include "gst_test_util.h"

/* Waiting for a pipeline: long enough for a few analyses on a slow,
 * busy machine. */
#define WAIT_TIMEOUT (300 * GST_SECOND)

static GstElement *
get_vgg19 (GstElement * pipeline)
{
  GstElement *v = gst_bin_get_by_name (GST_BIN (pipeline), "v");

  fail_unless (v != NULL);
  return v;
}

/* Runs @pipeline to EOS; fails on an error. */
static void
run_to_eos (GstElement * pipeline)
{
  GstMessage *msg;

  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline), WAIT_TIMEOUT,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no EOS");
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *error = NULL;

    gst_message_parse_error (msg, &error, NULL);
    fail ("error: %s", error->message);
  }
  gst_message_unref (msg);
}

/* Starts @pipeline and returns the error it stops with. */
static GError *
expect_error (GstElement * pipeline)
{
  GError *error = NULL;
  GstMessage *msg;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline), WAIT_TIMEOUT,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "neither error nor EOS");
  fail_unless (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR,
      "the pipeline ran to the end");
  gst_message_parse_error (msg, &error, NULL);
  gst_message_unref (msg);
  /* and it stops cleanly */
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  return error;
}

#define SMALL_PIPELINE \
  "videotestsrc num-buffers=%d ! video/x-raw,format=I420,width=64," \
  "height=48,framerate=30/1 ! vgg19 name=v weights=\"%s\" mode=features " \
  "layers=pool5 resize=none ! fakesink"

GST_START_TEST (test_null_playing_repeated)
{
  const char *weights = gst_test_weights ("features_only");
  GstElement *pipeline = gst_test_launch (SMALL_PIPELINE, 3, weights);
  GstElement *v = get_vgg19 (pipeline);
  guint i;

  /* to the end and back, several times */
  for (i = 0; i < 3; i++) {
    guint64 processed;

    run_to_eos (pipeline);
    g_object_get (v, "frames-processed", &processed, NULL);
    fail_unless_equals_uint64 (processed, 3);
    fail_unless_equals_int (gst_element_set_state (pipeline,
            GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  }
  gst_object_unref (v);
  gst_object_unref (pipeline);

  /* stopped while frames are being analysed */
  pipeline = gst_test_launch (SMALL_PIPELINE, -1, weights);
  for (i = 0; i < 4; i++) {
    GstMessage *msg;

    fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
        GST_STATE_CHANGE_FAILURE);
    msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
        WAIT_TIMEOUT, GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR);
    fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) ==
        GST_MESSAGE_ELEMENT, "no result");
    gst_message_unref (msg);
    /* down to NULL, or only to READY (the model is released either way) */
    fail_unless_equals_int (gst_element_set_state (pipeline,
            i % 2 ? GST_STATE_NULL : GST_STATE_READY),
        GST_STATE_CHANGE_SUCCESS);
  }
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* A seek flushes the element while it analyses; frames then flow again. */
GST_START_TEST (test_flushing_seek)
{
  GstElement *pipeline = gst_test_launch (SMALL_PIPELINE, 60,
      gst_test_weights ("features_only"));
  GstMessage *msg;
  guint i;

  fail_if (gst_element_set_state (pipeline, GST_STATE_PAUSED) ==
      GST_STATE_CHANGE_FAILURE);
  fail_unless (gst_element_get_state (pipeline, NULL, NULL, WAIT_TIMEOUT) ==
      GST_STATE_CHANGE_SUCCESS);
  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  for (i = 0; i < 3; i++) {
    msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline),
        WAIT_TIMEOUT, GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR);
    fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT);
    gst_message_unref (msg);
    fail_unless (gst_element_seek_simple (pipeline, GST_FORMAT_TIME,
            GST_SEEK_FLAG_FLUSH, GST_SECOND / 3));
  }
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline), WAIT_TIMEOUT,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static void
check_weights_error (GError * error, gint code, const char *path)
{
  fail_unless (error->domain == GST_RESOURCE_ERROR, "%s", error->message);
  fail_unless_equals_int (error->code, code);
  fail_unless (strstr (error->message, vgg19_weights_help ()) != NULL,
      "the message does not say how to get the weights: %s", error->message);
  if (path)
    fail_unless (strstr (error->message, path) != NULL,
        "the message does not name %s: %s", path, error->message);
  g_error_free (error);
}

GST_START_TEST (test_missing_weights)
{
  gchar *missing = g_build_filename (g_get_tmp_dir (),
      "vgg19-gst-test-does-not-exist.pth", NULL);
  GstElement *pipeline;
  GError *error = NULL;
  gchar *found;

  gst_test_isolate_lookup ();

  /* named, and not there */
  pipeline = gst_test_launch (SMALL_PIPELINE, 3, missing);
  check_weights_error (expect_error (pipeline), GST_RESOURCE_ERROR_NOT_FOUND,
      missing);
  /* again: the element comes back from a failed start */
  check_weights_error (expect_error (pipeline), GST_RESOURCE_ERROR_NOT_FOUND,
      missing);
  /* and takes weights that are there (no warning: it is not started) */
  {
    GstElement *v = get_vgg19 (pipeline);
    GstMessage *msg;

    g_object_set (v, "weights", gst_test_weights ("features_only"), NULL);
    msg = gst_bus_pop_filtered (GST_ELEMENT_BUS (pipeline),
        GST_MESSAGE_WARNING);
    fail_unless (msg == NULL, "setting the weights after a failed start "
        "was refused");
    run_to_eos (pipeline);
    fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
        GST_STATE_CHANGE_SUCCESS);
    gst_object_unref (v);
  }
  gst_object_unref (pipeline);

  /* not named: the core's lookup finds nothing (unless weights are
   * installed on this machine, which the same lookup then finds) */
  found = vgg19_weights_find (NULL, &error);
  if (!found) {
    g_clear_error (&error);
    pipeline = gst_test_launch
        ("videotestsrc num-buffers=1 ! vgg19 ! fakesink");
    check_weights_error (expect_error (pipeline),
        GST_RESOURCE_ERROR_NOT_FOUND, NULL);
    gst_object_unref (pipeline);
  }
  g_free (found);
  g_free (missing);
}

GST_END_TEST;

GST_START_TEST (test_bad_weights)
{
  gchar *garbage = NULL, *truncated = NULL, *contents = NULL;
  GstElement *pipeline;
  gsize size;
  gint fd;

  /* not a weight file at all */
  fd = g_file_open_tmp ("vgg19-gst-test-XXXXXX.pth", &garbage, NULL);
  fail_unless (fd >= 0);
  fail_unless (write (fd, "this is not a weight file\n", 26) == 26);
  close (fd);
  pipeline = gst_test_launch (SMALL_PIPELINE, 3, garbage);
  check_weights_error (expect_error (pipeline),
      GST_RESOURCE_ERROR_OPEN_READ, garbage);
  gst_object_unref (pipeline);

  /* the first megabyte of a real one */
  fail_unless (g_file_get_contents (gst_test_weights ("features_only"),
          &contents, &size, NULL));
  fail_unless (size > 1 << 20);
  fd = g_file_open_tmp ("vgg19-gst-test-XXXXXX.pth", &truncated, NULL);
  fail_unless (fd >= 0);
  fail_unless (write (fd, contents, 1 << 20) == 1 << 20);
  close (fd);
  g_free (contents);
  pipeline = gst_test_launch (SMALL_PIPELINE, 3, truncated);
  check_weights_error (expect_error (pipeline),
      GST_RESOURCE_ERROR_OPEN_READ, truncated);
  gst_object_unref (pipeline);

  g_unlink (garbage);
  g_unlink (truncated);
  g_free (garbage);
  g_free (truncated);
}

GST_END_TEST;

static void
check_settings_error (const gchar * properties, gint code,
    const gchar * expected_text)
{
  GstElement *pipeline = gst_test_launch ("videotestsrc num-buffers=3 ! "
      "video/x-raw,width=64,height=48 ! vgg19 weights=\"%s\" %s ! fakesink",
      gst_test_weights ("features_only"), properties);
  GError *error = expect_error (pipeline);

  fail_unless (error->domain == GST_RESOURCE_ERROR, "%s", error->message);
  fail_unless_equals_int (error->code, code);
  fail_unless (strstr (error->message, expected_text) != NULL,
      "%s: expected \"%s\" in \"%s\"", properties, expected_text,
      error->message);
  g_error_free (error);
  gst_object_unref (pipeline);
}

GST_START_TEST (test_bad_settings)
{
  gchar *missing = g_build_filename (g_get_tmp_dir (),
      "vgg19-gst-test-no-such-reference.png", NULL);
  gchar *properties;

  /* classify with weights that have no classifier */
  check_settings_error ("mode=classify", GST_RESOURCE_ERROR_SETTINGS,
      "no classifier");
  /* a layer VGG-19 does not have */
  check_settings_error ("mode=features layers=conv9_9",
      GST_RESOURCE_ERROR_SETTINGS, "conv9_9");
  /* the loss needs a reference */
  check_settings_error ("mode=loss", GST_RESOURCE_ERROR_SETTINGS, "reference");
  properties = g_strdup_printf ("mode=loss reference=\"%s\"", missing);
  check_settings_error (properties, GST_RESOURCE_ERROR_NOT_FOUND, missing);
  g_free (properties);
  g_free (missing);
}

GST_END_TEST;

/* A live source at 50 frames a second, far faster than the analysis:
 * frames keep flowing at the source's rate, each reaching the sink by the
 * time it is due (running time + the pipeline's latency), the latency
 * reported covers the analysis, and the frames that could not be analysed
 * are counted. */
#define LIVE_FPS 50
#define LIVE_SECONDS 5

typedef struct
{
  GstElement *pipeline;
  guint n_frames;
  guint n_analysed;
  guint n_late;
  GstClockTime first_pts;
  GstClockTime last_pts;
  GstClockTimeDiff worst_lag;
  GstClockTimeDiff worst_late;
} LiveStats;

static GstPadProbeReturn
on_sink_buffer (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  LiveStats *st = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClock *clock = gst_element_get_clock (st->pipeline);
  GstClockTime now, latency, rt;
  GstClockTimeDiff lag;
  GstSegment *segment;
  GstEvent *ev;

  if (!clock)
    return GST_PAD_PROBE_OK;
  now = gst_clock_get_time (clock) - gst_element_get_base_time (st->pipeline);
  gst_object_unref (clock);
  ev = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  gst_event_parse_segment (ev, (const GstSegment **) &segment);
  rt = gst_segment_to_running_time (segment, GST_FORMAT_TIME,
      GST_BUFFER_PTS (buf));
  gst_event_unref (ev);
  /* what the sink waits for: running time + this */
  latency = gst_base_sink_get_latency (GST_BASE_SINK (GST_PAD_PARENT (pad)));

  if (st->n_frames == 0)
    st->first_pts = GST_BUFFER_PTS (buf);
  st->last_pts = GST_BUFFER_PTS (buf);
  st->n_frames++;
  if (gst_buffer_get_vgg19_tensor_meta (buf, "pool5"))
    st->n_analysed++;

  /* the first second is the start: latency being measured, reported
   * and configured */
  if (rt < GST_SECOND || !GST_CLOCK_TIME_IS_VALID (latency))
    return GST_PAD_PROBE_OK;
  lag = GST_CLOCK_DIFF (rt, now);
  st->worst_lag = MAX (st->worst_lag, lag);
  if (lag > (GstClockTimeDiff) latency) {
    st->n_late++;
    st->worst_late = MAX (st->worst_late, lag - (GstClockTimeDiff) latency);
  }
  return GST_PAD_PROBE_OK;
}

GST_START_TEST (test_live_source_too_fast)
{
  LiveStats st = { 0, };
  GstElement *v, *sink;
  GstPad *pad;
  GstQuery *query;
  GstClockTime min_latency, max_latency, processing;
  guint64 processed, skipped, expected, in_flight;
  gboolean live;
  gint64 end;

  st.pipeline = gst_test_launch ("videotestsrc is-live=true pattern=ball ! "
      "video/x-raw,format=NV12,width=224,height=224,framerate=%d/1 ! "
      "vgg19 name=v weights=\"%s\" mode=features layers=pool5 ! "
      "fakesink name=sink sync=true", LIVE_FPS,
      gst_test_weights ("features_only"));
  v = get_vgg19 (st.pipeline);
  sink = gst_bin_get_by_name (GST_BIN (st.pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_sink_buffer, &st, NULL);

  fail_if (gst_element_set_state (st.pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  end = g_get_monotonic_time () + LIVE_SECONDS * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end) {
    GstMessage *msg = gst_bus_timed_pop (GST_ELEMENT_BUS (st.pipeline),
        GST_MSECOND * 50);

    if (!msg)
      continue;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *error = NULL;

      gst_message_parse_error (msg, &error, NULL);
      fail ("error: %s", error->message);
    }
    /* what an application does (gst-launch-1.0 too) */
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_LATENCY)
      gst_bin_recalculate_latency (GST_BIN (st.pipeline));
    gst_message_unref (msg);
  }

  query = gst_query_new_latency ();
  fail_unless (gst_element_query (st.pipeline, query));
  gst_query_parse_latency (query, &live, &min_latency, &max_latency);
  gst_query_unref (query);
  g_object_get (v, "frames-processed", &processed, "frames-skipped",
      &skipped, "processing-time", &processing, NULL);
  fail_unless_equals_int (gst_element_set_state (st.pipeline,
          GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);

  GST_INFO ("%u frames, %u analysed (%" G_GUINT64_FORMAT " skipped), "
      "analysis %" GST_TIME_FORMAT ", latency %" GST_TIME_FORMAT ", %u late "
      "by up to %" GST_STIME_FORMAT ", worst lag %" GST_STIME_FORMAT,
      st.n_frames, st.n_analysed, skipped, GST_TIME_ARGS (processing),
      GST_TIME_ARGS (min_latency), st.n_late, GST_STIME_ARGS (st.worst_late),
      GST_STIME_ARGS (st.worst_lag));

  /* the source is too fast: some frames analysed, most not */
  fail_unless (processing > GST_SECOND / LIVE_FPS,
      "the analysis (%" GST_TIME_FORMAT ") is faster than the source",
      GST_TIME_ARGS (processing));
  fail_unless (processed >= 2, "%" G_GUINT64_FORMAT " frames analysed",
      processed);
  fail_unless (skipped > 0);
  /* the sink saw them all but those still waiting for their time: about
   * one latency's worth of frames, of which one analysed per processing
   * time (the latency may still be a larger earlier estimate, on a busy
   * machine), plus the one being analysed and one being handed on */
  in_flight = min_latency / processing + 2;
  fail_unless (processed >= st.n_analysed
      && processed <= st.n_analysed + in_flight,
      "%" G_GUINT64_FORMAT " frames analysed, %u seen with results, at most %"
      G_GUINT64_FORMAT " could wait for their time (latency %" GST_TIME_FORMAT
      ")", processed, st.n_analysed, in_flight, GST_TIME_ARGS (min_latency));
  /* every frame the source made went through: none dropped or held up */
  expected = (st.last_pts - st.first_pts) * LIVE_FPS / GST_SECOND + 1;
  fail_unless_equals_uint64 (st.n_frames, expected);
  fail_unless (st.n_frames >= (LIVE_SECONDS - 2) * LIVE_FPS,
      "%u frames in %d s", st.n_frames, LIVE_SECONDS);
  /* the latency reported covers the analysis */
  fail_unless (live);
  fail_unless (min_latency >= processing, "latency %" GST_TIME_FORMAT
      " is below the analysis time %" GST_TIME_FORMAT,
      GST_TIME_ARGS (min_latency), GST_TIME_ARGS (processing));
  /* frames are not delayed beyond it: a few may be late, when an
   * analysis takes longer than estimated (this machine may be busy with
   * other work), and by a bounded amount: the delay does not build up
   * (without skipping, it would grow by about a second every second) */
  fail_unless (st.n_late * 10 <= st.n_frames, "%u of %u frames late",
      st.n_late, st.n_frames);
  fail_unless (st.worst_lag <= (GstClockTimeDiff) (2 * (min_latency +
              processing)), "a frame came %" GST_STIME_FORMAT " after its "
      "time, with a latency of %" GST_TIME_FORMAT,
      GST_STIME_ARGS (st.worst_lag), GST_TIME_ARGS (min_latency));

  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (v);
  gst_object_unref (st.pipeline);
}

GST_END_TEST;

/* Two elements with the same weights in one pipeline both work (they
 * share the model). */
GST_START_TEST (test_two_elements)
{
  const char *weights = gst_test_weights ("features_only");
  GstElement *pipeline = gst_test_launch ("videotestsrc num-buffers=2 ! "
      "video/x-raw,width=64,height=48 ! tee name=t "
      "t. ! queue ! vgg19 name=v weights=\"%s\" mode=features ! fakesink "
      "t. ! queue ! vgg19 name=w weights=\"%s\" mode=features "
      "layers=conv1_1 ! fakesink", weights, weights);
  GstElement *v = get_vgg19 (pipeline);
  GstElement *w = gst_bin_get_by_name (GST_BIN (pipeline), "w");
  guint64 n_v, n_w;

  run_to_eos (pipeline);
  g_object_get (v, "frames-processed", &n_v, NULL);
  g_object_get (w, "frames-processed", &n_w, NULL);
  fail_unless_equals_uint64 (n_v, 2);
  fail_unless_equals_uint64 (n_w, 2);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (v);
  gst_object_unref (w);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static Suite *
lifecycle_suite (void)
{
  Suite *s = suite_create ("vgg19 lifecycle");
  TCase *tc = tcase_create ("pipelines");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_null_playing_repeated);
  tcase_add_test (tc, test_flushing_seek);
  tcase_add_test (tc, test_missing_weights);
  tcase_add_test (tc, test_bad_weights);
  tcase_add_test (tc, test_bad_settings);
  tcase_add_test (tc, test_live_source_too_fast);
  tcase_add_test (tc, test_two_elements);
  return s;
}

GST_CHECK_MAIN (lifecycle);
