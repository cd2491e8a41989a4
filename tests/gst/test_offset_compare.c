/* vgg19compare with offset-search: inputs shifted by a few frames are
 * found and compared aligned.
 *
 * The frames are drawn here (a square moving over a gradient, 64x64 RGB,
 * lossless on both inputs) so that a distorted stream can lack the
 * reference's first frames or have extra ones: a pair of the same picture
 * scores exactly 0, any other pair does not, so the per-frame scores say
 * whether every pair is aligned. The network runs at the frames' own size
 * up to conv1_1, to keep the tests quick.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <gst/vgg19/vgg19meta.h>

#include "gst_test_util.h"
#include "json_value.h"

#define WAIT_TIMEOUT (300 * GST_SECOND)
#define SIZE 64
#define SQUARE 8

/* What the run posted. */
typedef struct
{
  gboolean have_offset;
  gint offset;
  gboolean confident;
  gchar *reason;
  guint n_pairs;
  guint n_warnings;
  gchar *warning;
  /* per compared pair, in order */
  GArray *frame, *reference_frame, *score;
  guint64 compared, unpaired, dropped;
  gint n_out;                   /* buffers out of the element */
} Run;

/* Picture @index: the square at a place of its own for every index
 * below 56, over a horizontal gradient; @index < 0: the gradient only
 * (a still picture). */
static GstBuffer *
picture (gint index, guint pts_index)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, SIZE * SIZE * 3, NULL);
  GstMapInfo map;
  guint x, y, sx = 0, sy = 0;

  if (index >= 0) {
    sx = (index * 2) % (SIZE - SQUARE);
    sy = (index * 3) % (SIZE - SQUARE);
  }
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  for (y = 0; y < SIZE; y++)
    for (x = 0; x < SIZE; x++) {
      guint8 *p = map.data + (y * SIZE + x) * 3;
      gboolean in_square = index >= 0 && x >= sx && x < sx + SQUARE
          && y >= sy && y < sy + SQUARE;

      p[0] = in_square ? 250 : 40 + x;
      p[1] = in_square ? 250 : 40 + x;
      p[2] = in_square ? 250 : 60;
    }
  gst_buffer_unmap (buf, &map);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale (pts_index, GST_SECOND, 25);
  GST_BUFFER_DURATION (buf) = GST_SECOND / 25;
  return buf;
}

static void
on_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad, gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

static void
run_init (Run * run)
{
  memset (run, 0, sizeof (*run));
  run->frame = g_array_new (FALSE, FALSE, sizeof (guint64));
  run->reference_frame = g_array_new (FALSE, FALSE, sizeof (guint64));
  run->score = g_array_new (FALSE, FALSE, sizeof (gdouble));
}

/* Records a "vgg19" message of @type (offset, frame or pooled) of one
 * distorted input, @s, in @run. */
static void
record_message (Run * run, const GstStructure * s, const gchar * type)
{
  if (g_strcmp0 (type, "offset") == 0) {
    fail_if (run->have_offset, "two offset messages");
    fail_if (run->frame->len > 0, "frames compared before the offset");
    run->have_offset = TRUE;
    fail_unless (gst_structure_get_int (s, "offset", &run->offset));
    fail_unless (gst_structure_get_boolean (s, "confident", &run->confident));
    fail_unless (gst_structure_get_uint (s, "n-pairs", &run->n_pairs));
    run->reason = g_strdup (gst_structure_get_string (s, "reason"));
    fail_unless (run->reason != NULL);
    fail_unless (gst_structure_has_field_typed (s, "cost", G_TYPE_DOUBLE));
    fail_unless (gst_structure_has_field_typed (s, "runner-up", G_TYPE_INT));
  } else if (g_strcmp0 (type, "frame") == 0) {
    guint64 f, r;
    gdouble v;

    fail_unless (gst_structure_get_uint64 (s, "frame", &f));
    fail_unless (gst_structure_get_uint64 (s, "reference-frame", &r));
    fail_unless (gst_structure_get_double (s, "perceptual", &v));
    g_array_append_val (run->frame, f);
    g_array_append_val (run->reference_frame, r);
    g_array_append_val (run->score, v);
  } else if (g_strcmp0 (type, "pooled") == 0) {
    fail_unless (gst_structure_get_uint64 (s, "frames-compared",
            &run->compared));
    fail_unless (gst_structure_get_uint64 (s, "distorted-unpaired",
            &run->unpaired));
    fail_unless (gst_structure_get_uint64 (s, "reference-dropped",
            &run->dropped));
  }
}

static void
on_message (const GstStructure * s, gpointer data)
{
  record_message (data, s, gst_structure_get_string (s, "type"));
}

/* Feeds @n_ref reference pictures first[0], first[0] + 1, ... and @n_dist
 * distorted pictures first[1], ... (pictures below @extra_below are
 * replaced by other pictures, extra frames that are not in the
 * reference) through vgg19compare with @properties, to the end. */
static void
run_streams (Run * run, const gchar * properties, gint ref_first,
    guint n_ref, gint dist_first, guint n_dist, gint extra_below,
    gboolean still)
{
  GError *error = NULL;
  gchar *description = g_strdup_printf ("vgg19compare name=c "
      "weights=\"%s\" layers=conv1_1 resize=none %s ! "
      "fakesink name=out signal-handoffs=true sync=false "
      "appsrc name=ref format=time ! c.sink_0 "
      "appsrc name=dist format=time ! c.sink_1",
      gst_test_weights ("features_only"), properties);
  GstElement *pipeline = gst_parse_launch (description, &error);
  GstElement *src[2], *out;
  GstCaps *caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING,
      "RGB", "width", G_TYPE_INT, SIZE, "height", G_TYPE_INT, SIZE,
      "framerate", GST_TYPE_FRACTION, 25, 1, NULL);
  GList *warnings = NULL;
  gchar *failure;
  guint i;

  fail_unless (pipeline != NULL && error == NULL, "%s: %s", description,
      error ? error->message : "?");
  g_free (description);
  run_init (run);
  src[0] = gst_bin_get_by_name (GST_BIN (pipeline), "ref");
  src[1] = gst_bin_get_by_name (GST_BIN (pipeline), "dist");
  out = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  g_signal_connect (out, "handoff", G_CALLBACK (on_handoff), &run->n_out);
  for (i = 0; i < 2; i++) {
    g_object_set (src[i], "caps", caps, NULL);
    /* every frame queued before playing: the element holds the first
     * ones of each input */
    g_object_set (src[i], "max-bytes", (guint64) 0, NULL);
  }
  for (i = 0; i < n_ref; i++)
    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (src[0]),
            picture (still ? -1 : ref_first + (gint) i, i)), GST_FLOW_OK);
  for (i = 0; i < n_dist; i++) {
    gint index = still ? -1 : dist_first + (gint) i;

    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (src[1]),
            picture (!still && index < extra_below ? 200 + index : index,
                i)),
        GST_FLOW_OK);
  }
  for (i = 0; i < 2; i++) {
    fail_unless_equals_int (gst_app_src_end_of_stream (GST_APP_SRC (src[i])),
        GST_FLOW_OK);
    gst_object_unref (src[i]);
  }
  gst_caps_unref (caps);

  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  failure = gst_test_wait_end (pipeline, WAIT_TIMEOUT, on_message, run,
      &warnings);
  fail_unless (failure == NULL, "error: %s", failure);
  run->n_warnings = g_list_length (warnings);
  if (warnings)
    run->warning = g_strdup (g_list_last (warnings)->data);
  g_list_free_full (warnings, g_free);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (out);
  gst_object_unref (pipeline);
  fail_unless_equals_uint64 (run->compared, run->frame->len);
}

static void
run_clear (Run * run)
{
  g_array_unref (run->frame);
  g_array_unref (run->reference_frame);
  g_array_unref (run->score);
  g_free (run->reason);
  g_free (run->warning);
}

/* Every pair compared shows the same picture: distorted frame i with
 * reference frame i + @offset, scoring exactly 0, @n of them. */
static void
check_aligned (const Run * run, gint offset, guint n)
{
  guint i;

  fail_unless_equals_int (run->frame->len, n);
  for (i = 0; i < run->frame->len; i++) {
    guint64 f = g_array_index (run->frame, guint64, i);
    guint64 r = g_array_index (run->reference_frame, guint64, i);

    fail_unless_equals_int64 ((gint64) r - (gint64) f, offset);
    fail_unless (g_array_index (run->score, gdouble, i) == 0.0,
        "pair %u (distorted %" G_GUINT64_FORMAT ", reference %"
        G_GUINT64_FORMAT "): %g", i, f, r,
        g_array_index (run->score, gdouble, i));
  }
}

/* The distorted stream lacks the reference's first 3 frames. */
static void
check_late_start (const gchar * properties)
{
  Run run;

  run_streams (&run, properties, 0, 30, 3, 27, 0, FALSE);
  fail_unless (run.have_offset, "no offset message");
  fail_unless_equals_int (run.offset, 3);
  fail_unless (run.confident, "not confident: %s", run.reason);
  fail_unless_equals_string (run.reason, "confident");
  fail_unless (run.n_pairs >= 10);
  fail_unless_equals_int (run.n_warnings, 0);
  check_aligned (&run, 3, 27);
  fail_unless_equals_uint64 (run.dropped, 3);
  fail_unless_equals_uint64 (run.unpaired, 0);
  fail_unless_equals_int (g_atomic_int_get (&run.n_out), 27);
  run_clear (&run);
}

GST_START_TEST (test_late_start_running_time)
{
  check_late_start ("offset-search=4");
}

GST_END_TEST;

GST_START_TEST (test_late_start_index)
{
  check_late_start ("offset-search=4 sync-mode=index");
}

GST_END_TEST;

/* Without the search the same streams pair frame i with frame i: none of
 * the pairs shows the same picture. */
GST_START_TEST (test_off_pairs_as_before)
{
  Run run;
  guint i;

  run_streams (&run, "offset-search=0", 0, 30, 3, 27, 0, FALSE);
  fail_if (run.have_offset);
  fail_unless_equals_int (run.frame->len, 27);
  for (i = 0; i < run.frame->len; i++) {
    fail_unless_equals_uint64 (g_array_index (run.frame, guint64, i),
        g_array_index (run.reference_frame, guint64, i));
    fail_unless (g_array_index (run.score, gdouble, i) > 0.0);
  }
  run_clear (&run);
}

GST_END_TEST;

/* The distorted stream has 2 extra leading frames: they go out without
 * scores, the rest is compared aligned. */
static void
check_early_start (const gchar * properties)
{
  Run run;

  run_streams (&run, properties, 0, 30, -2, 32, 0, FALSE);
  fail_unless (run.have_offset, "no offset message");
  fail_unless_equals_int (run.offset, -2);
  fail_unless (run.confident, "not confident: %s", run.reason);
  check_aligned (&run, -2, 30);
  fail_unless_equals_uint64 (run.unpaired, 2);
  fail_unless_equals_uint64 (run.dropped, 0);
  fail_unless_equals_int (g_atomic_int_get (&run.n_out), 32);
  run_clear (&run);
}

GST_START_TEST (test_early_start_running_time)
{
  check_early_start ("offset-search=4");
}

GST_END_TEST;

GST_START_TEST (test_early_start_index)
{
  check_early_start ("offset-search=4 sync-mode=index");
}

GST_END_TEST;

/* A still picture: no offset can be told, a warning says so, and the
 * frames are compared as they come. */
GST_START_TEST (test_still_picture_warns)
{
  Run run;

  run_streams (&run, "offset-search=4", 0, 30, 0, 30, 0, TRUE);
  fail_unless (run.have_offset, "no offset message");
  fail_unless_equals_int (run.offset, 0);
  fail_if (run.confident);
  fail_if (g_strcmp0 (run.reason, "confident") == 0);
  fail_unless_equals_int (run.n_warnings, 1);
  fail_unless (strstr (run.warning, "offset 0") != NULL, "%s", run.warning);
  check_aligned (&run, 0, 30);
  run_clear (&run);
}

GST_END_TEST;

/* Both streams end before the window (2 x 10 + 20 frames) fills: the
 * offset is decided from what there is, and every pair scored. */
GST_START_TEST (test_end_before_window)
{
  Run run;

  run_streams (&run, "offset-search=10", 0, 25, 3, 22, 0, FALSE);
  fail_unless (run.have_offset, "no offset message");
  fail_unless_equals_int (run.offset, 3);
  fail_unless (run.confident, "not confident: %s", run.reason);
  check_aligned (&run, 3, 22);
  run_clear (&run);
}

GST_END_TEST;

/* The log's header records the offset found (it is opened when the
 * offset is known); without the search it has no offset fields. */
GST_START_TEST (test_log_header)
{
  gchar *path = NULL;
  gint fd = g_file_open_tmp ("vgg19-offset-XXXXXX.json", &path, NULL);
  gchar *properties;
  const TestJson *params;
  TestJson *json;
  GError *error = NULL;
  Run run;
  guint k;

  fail_unless (fd >= 0);
  close (fd);
  properties = g_strdup_printf ("offset-search=4 log-file=\"%s\"", path);
  run_streams (&run, properties, 0, 30, 3, 27, 0, FALSE);
  g_free (properties);
  run_clear (&run);
  json = test_json_load (path, &error);
  fail_unless (json != NULL, "%s", error ? error->message : "?");
  params = test_json_member (json, "params");
  fail_unless (params != NULL);
  fail_unless_equals_string (test_json_member_string (params, "offset"), "3");
  fail_unless_equals_string (test_json_member_string (params,
          "offset_search"), "4");
  fail_unless_equals_string (test_json_member_string (params,
          "offset_confident"), "true");
  fail_unless_equals_string (test_json_member_string (params,
          "offset_reason"), "confident");
  fail_unless (test_json_member_string (params, "offset_cost") != NULL);
  fail_unless (test_json_member_string (params, "offset_pairs") != NULL);
  fail_unless_equals_int (test_json_length (test_json_member (json,
              "frames")), 27);
  test_json_free (json);

  properties = g_strdup_printf ("offset-search=0 log-file=\"%s\"", path);
  run_streams (&run, properties, 0, 5, 0, 5, 0, FALSE);
  g_free (properties);
  run_clear (&run);
  json = test_json_load (path, &error);
  fail_unless (json != NULL, "%s", error ? error->message : "?");
  params = test_json_member (json, "params");
  fail_unless (params != NULL);
  for (k = 0; k < 2; k++)
    fail_unless (test_json_member (params, k ? "offset_search" : "offset")
        == NULL);
  test_json_free (json);
  g_unlink (path);
  g_free (path);
}

GST_END_TEST;

/* A harness pair on one vgg19compare: the reference on sink_0, the
 * distorted frames in and out of sink_1 and src. */
static GstElement *
make_harnesses (const gchar * sync_mode, GstBus * bus, GstHarness ** ref,
    GstHarness ** dist)
{
  GstElement *c = gst_element_factory_make ("vgg19compare", NULL);
  GstVideoInfo info;

  gst_element_set_bus (c, bus);
  g_object_set (c, "weights", gst_test_weights ("features_only"),
      "layers", "conv1_1", "resize", VGG19_RESIZE_NONE, "offset-search", 4,
      "post-messages", FALSE, NULL);
  gst_util_set_object_arg (G_OBJECT (c), "sync-mode", sync_mode);
  *dist = gst_harness_new_with_element (c, "sink_1", "src");
  *ref = gst_harness_new_with_element (c, "sink_0", NULL);
  gst_harness_set_live (*dist, FALSE);
  gst_harness_set_live (*ref, FALSE);
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, SIZE, SIZE);
  GST_VIDEO_INFO_FPS_N (&info) = 25;
  gst_test_set_caps (*ref, &info);
  gst_test_set_caps (*dist, &info);
  return c;
}

/* A flushing seek to the start, as upstream of both inputs answers it. */
static void
seek_to_start (GstElement * c, GstHarness * ref, GstHarness * dist)
{
  GstSegment segment;
  guint i;

  /* the seek goes upstream to both harnesses, which answer with the
   * flush */
  fail_unless (gst_element_send_event (c, gst_event_new_seek (1.0,
              GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH, GST_SEEK_TYPE_SET, 0,
              GST_SEEK_TYPE_NONE, GST_CLOCK_TIME_NONE)));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  for (i = 0; i < 2; i++) {
    GstHarness *h = i ? dist : ref;
    GstEvent *seek, *e[3];
    guint32 seqnum;
    guint k;

    /* after the other upstream events (reconfigure, latency) */
    while ((seek = gst_harness_try_pull_upstream_event (h))
        && GST_EVENT_TYPE (seek) != GST_EVENT_SEEK)
      gst_event_unref (seek);
    fail_unless (seek != NULL, "no seek upstream of %s",
        i ? "sink_1" : "sink_0");
    seqnum = gst_event_get_seqnum (seek);
    gst_event_unref (seek);
    e[0] = gst_event_new_flush_start ();
    e[1] = gst_event_new_flush_stop (TRUE);
    e[2] = gst_event_new_segment (&segment);
    for (k = 0; k < 3; k++) {
      gst_event_set_seqnum (e[k], seqnum);
      fail_unless (gst_harness_push_event (h, e[k]));
    }
  }
}

/* Pulls @n frames from @dist, each scored 0 (an aligned pair). */
static void
pull_aligned (GstHarness * dist, guint n)
{
  GstBuffer *out;
  guint i;

  for (i = 0; i < n; i++) {
    GstVgg19LossMeta *meta;

    out = gst_harness_pull (dist);
    fail_unless (out != NULL, "frame %u did not come", i);
    meta = gst_buffer_get_vgg19_loss_meta_by_metric (out, "perceptual");
    fail_unless (meta != NULL, "frame %u not scored", i);
    fail_unless (meta->total == 0.0, "frame %u: %g", i, meta->total);
    gst_buffer_unref (out);
  }
}

/* The offsets posted on @bus: the one expected, once. */
static void
check_one_offset (GstBus * bus, gint expected)
{
  GstMessage *msg;
  gint offset = G_MININT;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *st = gst_message_get_structure (msg);

    if (g_strcmp0 (gst_structure_get_string (st, "type"), "offset") == 0) {
      fail_unless_equals_int (offset, G_MININT);
      fail_unless (gst_structure_get_int (st, "offset", &offset));
    }
    gst_message_unref (msg);
  }
  fail_unless_equals_int (offset, expected);
}

/* A flushing seek before the offset is decided: the frames held are
 * flushed with the pads' and the search starts again on the frames after
 * it (unrelated pictures before it, a late start after). */
GST_START_TEST (test_seek_before_decision)
{
  GstBus *bus = gst_bus_new ();
  GstHarness *dist, *ref;
  GstElement *c = make_harnesses ("running-time", bus, &ref, &dist);
  guint i;

  for (i = 0; i < 5; i++) {
    fail_unless_equals_int (gst_harness_push (ref, picture (100 + i, i)),
        GST_FLOW_OK);
    fail_unless_equals_int (gst_harness_push (dist, picture (130 + i, i)),
        GST_FLOW_OK);
  }
  seek_to_start (c, ref, dist);
  for (i = 0; i < 30; i++) {
    fail_unless_equals_int (gst_harness_push (ref, picture (i, i)),
        GST_FLOW_OK);
    if (i < 27) {
      fail_unless_equals_int (gst_harness_push (dist, picture (i + 3, i)),
          GST_FLOW_OK);
    } else if (i == 27) {
      fail_unless (gst_harness_push_event (dist, gst_event_new_eos ()));
    }
  }
  fail_unless (gst_harness_push_event (ref, gst_event_new_eos ()));
  pull_aligned (dist, 27);
  check_one_offset (bus, 3);
  gst_harness_teardown (ref);
  gst_harness_teardown (dist);
  gst_object_unref (c);
  gst_test_bus_free (bus);
}

GST_END_TEST;

/* The reference frames 0 to 29 pushed from a thread of their own: the
 * pads take one frame at a time, and the distorted frames need reference
 * frames ahead of theirs. */
typedef struct
{
  GstHarness *ref;
  GstFlowReturn ret;
} Feed;

static gpointer
feed_reference (gpointer data)
{
  Feed *feed = data;
  guint i;

  feed->ret = GST_FLOW_OK;
  for (i = 0; i < 30 && feed->ret == GST_FLOW_OK; i++)
    feed->ret = gst_harness_push (feed->ref, picture (i, i));
  return NULL;
}

/* A flushing seek after the offset is decided: it stays, and the streams,
 * played again from the start, are aligned by it again (the reference
 * frames it lets by are let by again, in both pairings). */
static void
check_seek_after_decision (const gchar * sync_mode)
{
  GstBus *bus = gst_bus_new ();
  GstHarness *dist, *ref;
  GstElement *c = make_harnesses (sync_mode, bus, &ref, &dist);
  Feed feed = { ref, GST_FLOW_OK };
  guint i, round;

  for (round = 0; round < 2; round++) {
    /* the first time without an end: distorted frames 27 (the search's
     * last, held) and 28 (queued on the pad, which has the element go on
     * with the frames held) wait for reference frames that have not come
     * when the seek flushes them */
    guint n_dist = round ? 27 : 29;
    GThread *thread = g_thread_new ("reference", feed_reference, &feed);

    for (i = 0; i < n_dist; i++)
      fail_unless_equals_int (gst_harness_push (dist, picture (i + 3, i)),
          GST_FLOW_OK);
    pull_aligned (dist, 27);
    g_thread_join (thread);
    fail_unless_equals_int (feed.ret, GST_FLOW_OK);
    if (round == 0)
      seek_to_start (c, ref, dist);
  }
  fail_unless (gst_harness_push_event (dist, gst_event_new_eos ()));
  fail_unless (gst_harness_push_event (ref, gst_event_new_eos ()));
  check_one_offset (bus, 3);
  gst_harness_teardown (ref);
  gst_harness_teardown (dist);
  gst_object_unref (c);
  gst_test_bus_free (bus);
}

GST_START_TEST (test_seek_after_decision_running_time)
{
  check_seek_after_decision ("running-time");
}

GST_END_TEST;

GST_START_TEST (test_seek_after_decision_index)
{
  check_seek_after_decision ("index");
}

GST_END_TEST;

/* Several distorted inputs, each with an offset of its own: sink_1 lacks
 * the reference's first 3 frames, sink_2 has 2 extra leading ones, sink_3
 * is aligned. Each is found and compared aligned, with the reference's
 * frames run through the network once for all of them. */
#define N_LANES 3

static const gint lane_first[N_LANES] = { 3, -2, 0 };
static const guint lane_frames[N_LANES] = { 27, 32, 30 };

/* The runs of check_lanes(), by the message's input: sink_k is runs[k - 1]. */
static void
on_lane_message (const GstStructure * s, gpointer data)
{
  Run *runs = data;
  const gchar *type = gst_structure_get_string (s, "type");
  const gchar *pad = type ? gst_structure_get_string (s, "pad") : NULL;
  gint k;

  if (!pad)
    return;
  fail_unless (g_str_has_prefix (pad, "sink_"), "%s", pad);
  k = atoi (pad + 5);
  fail_unless (k >= 1 && k <= N_LANES, "%s", pad);
  record_message (&runs[k - 1], s, type);
}

static void
check_lanes (const gchar * properties, const gchar * log_pattern)
{
  GError *error = NULL;
  gchar *description = g_strdup_printf ("vgg19compare name=c "
      "weights=\"%s\" layers=conv1_1 resize=none %s%s%s%s ! "
      "fakesink name=out signal-handoffs=true sync=false "
      "appsrc name=ref format=time ! c.sink_0 "
      "appsrc name=d1 format=time ! c.sink_1 "
      "appsrc name=d2 format=time ! c.sink_2 "
      "appsrc name=d3 format=time ! c.sink_3",
      gst_test_weights ("features_only"), properties,
      log_pattern ? " log-file=\"" : "", log_pattern ? log_pattern : "",
      log_pattern ? "\"" : "");
  GstElement *pipeline = gst_parse_launch (description, &error);
  GstCaps *caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING,
      "RGB", "width", G_TYPE_INT, SIZE, "height", G_TYPE_INT, SIZE,
      "framerate", GST_TYPE_FRACTION, 25, 1, NULL);
  Run runs[N_LANES];
  GstElement *out, *c;
  GList *warnings = NULL;
  gchar *failure;
  guint64 passes = 0;
  gint n_out = 0;
  guint i, k;

  fail_unless (pipeline != NULL && error == NULL, "%s: %s", description,
      error ? error->message : "?");
  g_free (description);
  for (k = 0; k < N_LANES; k++)
    run_init (&runs[k]);
  out = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  g_signal_connect (out, "handoff", G_CALLBACK (on_handoff), &n_out);
  for (k = 0; k <= N_LANES; k++) {
    gchar *name = k ? g_strdup_printf ("d%u", k) : g_strdup ("ref");
    GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), name);

    g_object_set (src, "caps", caps, "max-bytes", (guint64) 0, NULL);
    for (i = 0; i < (k ? lane_frames[k - 1] : 30); i++) {
      gint index = k ? lane_first[k - 1] + (gint) i : (gint) i;

      /* leading pictures that are not in the reference */
      fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (src),
              picture (index < 0 ? 200 + index : index, i)), GST_FLOW_OK);
    }
    fail_unless_equals_int (gst_app_src_end_of_stream (GST_APP_SRC (src)),
        GST_FLOW_OK);
    gst_object_unref (src);
    g_free (name);
  }
  gst_caps_unref (caps);

  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  failure = gst_test_wait_end (pipeline, WAIT_TIMEOUT, on_lane_message, runs,
      &warnings);
  fail_unless (failure == NULL, "error: %s", failure);
  fail_unless (warnings == NULL, "warning: %s",
      warnings ? (const gchar *) warnings->data : "");
  c = gst_bin_get_by_name (GST_BIN (pipeline), "c");
  g_object_get (c, "reference-passes", &passes, NULL);
  gst_object_unref (c);
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (out);
  gst_object_unref (pipeline);

  for (k = 0; k < N_LANES; k++) {
    Run *run = &runs[k];
    gint o = lane_first[k];

    fail_unless (run->have_offset, "no offset message for sink_%u", k + 1);
    fail_unless_equals_int (run->offset, o);
    fail_unless (run->confident);
    /* every reference frame has a partner but those before its start */
    check_aligned (run, o, 30 - MAX (o, 0));
    fail_unless_equals_uint64 (run->compared, 30 - MAX (o, 0));
    fail_unless_equals_uint64 (run->dropped, MAX (o, 0));
    fail_unless_equals_uint64 (run->unpaired, MAX (-o, 0));
    if (log_pattern) {
      gchar *path = g_strdup_printf ("%.*s%u%s",
          (gint) (strstr (log_pattern, "%u") - log_pattern), log_pattern,
          k + 1, strstr (log_pattern, "%u") + 2);
      gchar *expected = g_strdup_printf ("%d", o);
      TestJson *json = test_json_load (path, &error);
      const TestJson *params;

      fail_unless (json != NULL, "%s: %s", path, error ? error->message : "?");
      params = test_json_member (json, "params");
      fail_unless (params != NULL);
      fail_unless_equals_string (test_json_member_string (params, "offset"),
          expected);
      fail_unless_equals_int (test_json_length (test_json_member (json,
                  "frames")), 30 - MAX (o, 0));
      test_json_free (json);
      g_unlink (path);
      g_free (expected);
      g_free (path);
    }
    run_clear (run);
  }
  /* sink_1's frames go out, each once */
  fail_unless_equals_int (n_out, lane_frames[0]);
  /* the reference's 30 frames, each through the network once */
  fail_unless_equals_uint64 (passes, 30);
}

GST_START_TEST (test_lanes_running_time)
{
  gchar *dir = g_dir_make_tmp ("vgg19-offset-XXXXXX", NULL);
  gchar *pattern;

  fail_unless (dir != NULL);
  pattern = g_build_filename (dir, "scores-%u.json", NULL);
  check_lanes ("offset-search=4", pattern);
  g_rmdir (dir);
  g_free (pattern);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_lanes_index)
{
  check_lanes ("offset-search=4 sync-mode=index", NULL);
}

GST_END_TEST;

/* New caps on an input while the search holds its first frames (taken off
 * the pad's queue, to be read with the caps before): an element error that
 * names the input and the way out, not frames read with the wrong caps. */
GST_START_TEST (test_caps_change_while_held)
{
  GstBus *bus = gst_bus_new ();
  GstHarness *dist, *ref;
  GstElement *c = make_harnesses ("running-time", bus, &ref, &dist);
  GstVideoInfo info;
  GstMessage *msg;
  GError *error = NULL;
  guint i;

  for (i = 0; i < 3; i++) {
    fail_unless_equals_int (gst_harness_push (ref, picture (i, i)),
        GST_FLOW_OK);
    fail_unless_equals_int (gst_harness_push (dist, picture (i, i)),
        GST_FLOW_OK);
  }
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, SIZE / 2, SIZE);
  gst_test_set_caps (ref, &info);
  msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error");
  gst_message_parse_error (msg, &error, NULL);
  fail_unless (strstr (error->message, "sink_0") != NULL, "%s",
      error->message);
  fail_unless (strstr (error->message, "offset-search=0") != NULL, "%s",
      error->message);
  g_error_free (error);
  gst_message_unref (msg);
  gst_harness_teardown (ref);
  gst_harness_teardown (dist);
  gst_object_unref (c);
  gst_test_bus_free (bus);
}

GST_END_TEST;

GST_START_TEST (test_property)
{
  GstElement *c = gst_element_factory_make ("vgg19compare", NULL);
  GParamSpec *spec =
      g_object_class_find_property (G_OBJECT_GET_CLASS (c), "offset-search");
  guint value;

  fail_unless (spec != NULL);
  fail_unless_equals_int (G_PARAM_SPEC_UINT (spec)->default_value, 0);
  fail_unless (G_PARAM_SPEC_UINT (spec)->maximum >= 100);
  g_object_set (c, "offset-search", 10, NULL);
  g_object_get (c, "offset-search", &value, NULL);
  fail_unless_equals_int (value, 10);
  gst_object_unref (c);
}

GST_END_TEST;

static Suite *
offset_compare_suite (void)
{
  Suite *s = suite_create ("vgg19compare offset-search");
  TCase *tc = tcase_create ("offset");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_property);
  tcase_add_test (tc, test_late_start_running_time);
  tcase_add_test (tc, test_late_start_index);
  tcase_add_test (tc, test_off_pairs_as_before);
  tcase_add_test (tc, test_early_start_running_time);
  tcase_add_test (tc, test_early_start_index);
  tcase_add_test (tc, test_still_picture_warns);
  tcase_add_test (tc, test_end_before_window);
  tcase_add_test (tc, test_log_header);
  tcase_add_test (tc, test_seek_before_decision);
  tcase_add_test (tc, test_seek_after_decision_running_time);
  tcase_add_test (tc, test_seek_after_decision_index);
  tcase_add_test (tc, test_lanes_running_time);
  tcase_add_test (tc, test_lanes_index);
  tcase_add_test (tc, test_caps_change_while_held);
  return s;
}

GST_CHECK_MAIN (offset_compare);
