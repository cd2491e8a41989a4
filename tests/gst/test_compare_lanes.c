/* vgg19compare with several distorted inputs ("one reference, many
 * encodes"): each input's scores are those of a comparison of that pair
 * alone, the reference runs through the network once per frame however
 * many inputs it is compared with, every input has its own pooled scores
 * and log, an input may end before the others, and the request pads and
 * settings that cannot work are refused with a message that says why.
 */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/vgg19/vgg19meta.h>

#include "gst_test_util.h"
#include "json_value.h"

#define WAIT_TIMEOUT (300 * GST_SECOND)

/* A short textured clip, small frames (the network input is 224x224
 * anyway with the default resize) */
#define CLIP "videotestsrc num-buffers=%d pattern=zone-plate kx2=20 " \
  "ky2=20 kt=1 ! video/x-raw,format=I420,width=64,height=48,framerate=25/1"
#define N_FRAMES 4

/* The encodes compared: JPEG at three qualities. */
static const gint qualities[] = { 20, 50, 80 };

/* What a pipeline posted, per distorted pad. */
typedef struct
{
  GHashTable *frames;           /* pad name -> GPtrArray of GstStructure */
  GHashTable *pooled;           /* pad name -> GstStructure */
  GList *pooled_order;          /* pad names, in the order of the pooled */
  GList *warnings;              /* gchar* */
  gchar *error;
  guint n_out;                  /* buffers out of the appsink "out" */
  GstBuffer *first_out;
  guint64 reference_passes;     /* of the element "c", at the end */
  guint64 frames_compared;
} Run;

static void
run_clear (Run * run)
{
  g_hash_table_unref (run->frames);
  g_hash_table_unref (run->pooled);
  g_list_free_full (run->pooled_order, g_free);
  g_list_free_full (run->warnings, g_free);
  g_free (run->error);
  gst_clear_buffer (&run->first_out);
  memset (run, 0, sizeof (*run));
}

static void
record_message (const GstStructure * s, gpointer data)
{
  Run *run = data;
  const gchar *type = gst_structure_get_string (s, "type");
  const gchar *pad = gst_structure_get_string (s, "pad");

  fail_unless (pad != NULL, "a vgg19 message without pad: %"
      GST_PTR_FORMAT, s);
  if (g_strcmp0 (type, "frame") == 0) {
    GPtrArray *frames = g_hash_table_lookup (run->frames, pad);

    if (!frames) {
      frames = g_ptr_array_new_with_free_func ((GDestroyNotify)
          gst_structure_free);
      g_hash_table_insert (run->frames, g_strdup (pad), frames);
    }
    fail_unless (!g_hash_table_contains (run->pooled, pad),
        "a frame of %s after its pooled scores", pad);
    g_ptr_array_add (frames, gst_structure_copy (s));
  } else if (g_strcmp0 (type, "pooled") == 0) {
    fail_unless (!g_hash_table_contains (run->pooled, pad),
        "two pooled messages for %s", pad);
    g_hash_table_insert (run->pooled, g_strdup (pad), gst_structure_copy (s));
    run->pooled_order = g_list_append (run->pooled_order, g_strdup (pad));
  }
}

/* Plays @pipeline to EOS or an error, collects what it posted, then
 * stops and frees it. */
static void
run_pipeline (GstElement * pipeline, Run * run)
{
  GstElement *out = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  GstElement *c = gst_bin_get_by_name (GST_BIN (pipeline), "c");

  memset (run, 0, sizeof (*run));
  run->frames = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) g_ptr_array_unref);
  run->pooled = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) gst_structure_free);
  if (out)
    g_object_set (out, "wait-on-eos", FALSE, "sync", FALSE, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  run->error = gst_test_wait_end (pipeline, WAIT_TIMEOUT, record_message,
      run, &run->warnings);
  if (out) {
    GstSample *sample;

    while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (out), 0))) {
      if (!run->first_out)
        run->first_out = gst_buffer_ref (gst_sample_get_buffer (sample));
      run->n_out++;
      gst_sample_unref (sample);
    }
    gst_object_unref (out);
  }
  g_object_get (c, "reference-passes", &run->reference_passes,
      "frames-compared", &run->frames_compared, NULL);
  gst_object_unref (c);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_NULL) ==
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pipeline);
}

static void
run_ok (GstElement * pipeline, Run * run)
{
  run_pipeline (pipeline, run);
  fail_unless (run->error == NULL, "error: %s", run->error);
}

static GPtrArray *
frames_of (const Run * run, const gchar * pad)
{
  GPtrArray *frames = g_hash_table_lookup (run->frames, pad);

  fail_unless (frames != NULL, "no frame messages for %s", pad);
  return frames;
}

static const GstStructure *
pooled_of (const Run * run, const gchar * pad)
{
  const GstStructure *s = g_hash_table_lookup (run->pooled, pad);

  fail_unless (s != NULL, "no pooled message for %s", pad);
  return s;
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
get_double (const GstStructure * s, const gchar * field)
{
  gdouble v;

  fail_unless (gst_structure_get_double (s, field, &v), "no double %s in %"
      GST_PTR_FORMAT, field, s);
  return v;
}

static gboolean
warnings_mention (const Run * run, const gchar * a, const gchar * b)
{
  GList *l;

  for (l = run->warnings; l; l = l->next)
    if (strstr (l->data, a) && (!b || strstr (l->data, b)))
      return TRUE;
  return FALSE;
}

/* "t. ! queue ! jpegenc quality=Q ! jpegdec ! c.sink_N" */
static gchar *
encode_branch (gint quality, guint pad)
{
  return g_strdup_printf ("t. ! queue ! jpegenc quality=%d ! jpegdec ! "
      "c.sink_%u", quality, pad);
}

/* The clip against @n encodes (qualities[0] on sink_1, ...), each of
 * @lengths[i] frames (NULL: all of them); @extra are more properties. */
static void
run_encodes (guint n, const gint * lengths, const gchar * extra, Run * run)
{
  GString *branches = g_string_new (NULL);
  guint i;

  for (i = 0; i < n; i++) {
    gchar *b = encode_branch (qualities[i], i + 1);

    if (lengths)
      /* a shorter input: the clip cut with a valve after lengths[i]
       * frames is simplest done with its own source */
      g_string_append_printf (branches, " " CLIP " ! jpegenc quality=%d ! "
          "jpegdec ! c.sink_%u", lengths[i], qualities[i], i + 1);
    else
      g_string_append_printf (branches, " %s", b);
    g_free (b);
  }
  run_ok (gst_test_launch
      ("vgg19compare name=c weights=%s threads=2 layers=conv1_2 "
          "metric=custom,tlp %s ! appsink name=out " CLIP " ! tee name=t "
          "t. ! queue ! c.sink_0 %s", gst_test_weights ("features_only"),
          extra ? extra : "", N_FRAMES, branches->str), run);
  g_string_free (branches, TRUE);
}

/* Every value of two frame messages is the same. */
static void
check_same_values (const GstStructure * a, const GstStructure * b,
    const gchar * what)
{
  const gchar *fields[] = { "perceptual", "perceptual_tlp" };
  guint i;

  fail_unless_equals_uint64 (get_uint64 (a, "frame"), get_uint64 (b,
          "frame"));
  fail_unless_equals_uint64 (get_uint64 (a, "reference-frame"),
      get_uint64 (b, "reference-frame"));
  fail_unless_equals_uint64 (get_uint64 (a, "timestamp"), get_uint64 (b,
          "timestamp"));
  for (i = 0; i < G_N_ELEMENTS (fields); i++) {
    gdouble x = get_double (a, fields[i]), y = get_double (b, fields[i]);

    fail_unless ((isnan (x) && isnan (y)) || x == y, "%s, frame %"
        G_GUINT64_FORMAT ", %s: %.17g with the other inputs, %.17g alone",
        what, get_uint64 (a, "frame"), fields[i], x, y);
  }
}

/* Two and three encodes at once: per input, the numbers of the pair
 * compared alone (temporal values included), one reference pass per
 * reference frame, and sink_1's frames out on src. */
GST_START_TEST (test_inputs_score_as_alone)
{
  Run alone[G_N_ELEMENTS (qualities)], together;
  guint n, i, k;

  for (i = 0; i < G_N_ELEMENTS (qualities); i++) {
    gchar *b = encode_branch (qualities[i], 1);

    run_ok (gst_test_launch ("vgg19compare name=c weights=%s threads=2 "
            "layers=conv1_2 metric=custom,tlp ! appsink name=out " CLIP
            " ! tee name=t t. ! queue ! c.sink_0 %s",
            gst_test_weights ("features_only"), N_FRAMES, b), &alone[i]);
    g_free (b);
    fail_unless_equals_int (frames_of (&alone[i], "sink_1")->len, N_FRAMES);
    /* a pass per reference frame, with one input as with several */
    fail_unless_equals_uint64 (alone[i].reference_passes, N_FRAMES);
  }

  for (n = 2; n <= 3; n++) {
    run_encodes (n, NULL, NULL, &together);
    fail_unless (together.warnings == NULL, "warning: %s",
        (gchar *) (together.warnings ? together.warnings->data : ""));
    fail_unless_equals_uint64 (together.reference_passes, N_FRAMES);
    fail_unless_equals_uint64 (together.frames_compared, n * N_FRAMES);
    fail_unless_equals_int (g_hash_table_size (together.pooled), n);
    for (i = 0; i < n; i++) {
      gchar *pad = g_strdup_printf ("sink_%u", i + 1);
      GPtrArray *got = frames_of (&together, pad);
      GPtrArray *want = frames_of (&alone[i], "sink_1");
      const GstStructure *p = pooled_of (&together, pad);
      gchar *what = g_strdup_printf ("%u inputs, %s", n, pad);

      fail_unless_equals_int (got->len, N_FRAMES);
      for (k = 0; k < N_FRAMES; k++) {
        fail_unless_equals_string (gst_structure_get_string
            (g_ptr_array_index (got, k), "pad"), pad);
        check_same_values (g_ptr_array_index (got, k),
            g_ptr_array_index (want, k), what);
      }
      fail_unless_equals_string (gst_structure_get_string (p, "pad"), pad);
      fail_unless_equals_uint64 (get_uint64 (p, "frames-compared"),
          N_FRAMES);
      fail_unless_equals_uint64 (get_uint64 (p, "reference-dropped"), 0);
      fail_unless_equals_float (get_double (gst_value_get_structure
              (gst_structure_get_value (p, "perceptual")), "mean"),
          get_double (gst_value_get_structure (gst_structure_get_value
                  (pooled_of (&alone[i], "sink_1"), "perceptual")), "mean"));
      g_free (what);
      g_free (pad);
    }
    /* the encodes differ, and so do their scores: lower quality, larger
     * loss */
    for (i = 0; i + 1 < n; i++) {
      gchar *a = g_strdup_printf ("sink_%u", i + 1);
      gchar *b = g_strdup_printf ("sink_%u", i + 2);

      fail_unless (get_double (g_ptr_array_index (frames_of (&together, a),
                  0), "perceptual") > get_double (g_ptr_array_index
              (frames_of (&together, b), 0), "perceptual"));
      g_free (a);
      g_free (b);
    }
    /* src carries sink_1's frames, with sink_1's scores */
    fail_unless_equals_int (together.n_out, N_FRAMES);
    fail_unless_equals_float (gst_buffer_get_vgg19_loss_meta_by_metric
        (together.first_out, "perceptual")->total,
        get_double (g_ptr_array_index (frames_of (&together, "sink_1"), 0),
            "perceptual"));
    run_clear (&together);
  }
  for (i = 0; i < G_N_ELEMENTS (qualities); i++)
    run_clear (&alone[i]);
}

GST_END_TEST;

/* Pairing in arrival order (sync-mode=index) too: a reference at a lower
 * frame rate still pairs one frame for one on every input, each reference
 * frame through the network once. */
GST_START_TEST (test_index_pairing)
{
  Run run;
  guint i, k;

  run_ok (gst_test_launch
      ("vgg19compare name=c weights=%s threads=2 layers=conv1_2 "
          "sync-mode=index ! fakesink videotestsrc num-buffers=3 "
          "pattern=smpte ! video/x-raw,format=RGB,width=64,height=48,"
          "framerate=5/1 ! c.sink_0 videotestsrc num-buffers=3 pattern=ball "
          "! video/x-raw,format=RGB,width=64,height=48,framerate=25/1 ! "
          "c.sink_1 videotestsrc num-buffers=3 pattern=snow ! "
          "video/x-raw,format=RGB,width=64,height=48,framerate=30/1 ! "
          "c.sink_2", gst_test_weights ("features_only")), &run);
  fail_unless_equals_uint64 (run.reference_passes, 3);
  for (i = 1; i <= 2; i++) {
    gchar *pad = g_strdup_printf ("sink_%u", i);
    GPtrArray *frames = frames_of (&run, pad);

    fail_unless_equals_int (frames->len, 3);
    for (k = 0; k < 3; k++)
      fail_unless_equals_uint64 (get_uint64 (g_ptr_array_index (frames, k),
              "reference-frame"), k);
    fail_unless_equals_uint64 (get_uint64 (pooled_of (&run, pad),
            "reference-duplicated"), 0);
    g_free (pad);
  }
  run_clear (&run);
}

GST_END_TEST;

/* An input that ends early ends its own comparison (pooled scores, with a
 * warning naming it) while the others go on; when it is sink_1, src gets
 * EOS only when the last input ends. */
GST_START_TEST (test_input_ends_early)
{
  const gint short_second[] = { N_FRAMES, 2, N_FRAMES };
  const gint short_first[] = { 2, N_FRAMES };
  Run run;

  run_encodes (3, short_second, NULL, &run);
  fail_unless_equals_int (frames_of (&run, "sink_2")->len, 2);
  fail_unless_equals_int (frames_of (&run, "sink_1")->len, N_FRAMES);
  fail_unless_equals_int (frames_of (&run, "sink_3")->len, N_FRAMES);
  fail_unless_equals_uint64 (get_uint64 (pooled_of (&run, "sink_2"),
          "frames-compared"), 2);
  fail_unless_equals_string (gst_structure_get_string (pooled_of (&run,
              "sink_2"), "ended-by"), "sink_2");
  /* told as soon as it is known, before the others' */
  fail_unless_equals_string (run.pooled_order->data, "sink_2");
  fail_unless_equals_int (g_list_length (run.warnings), 1);
  fail_unless (warnings_mention (&run, "sink_2", "distorted input"), "%s",
      (gchar *) run.warnings->data);
  fail_unless_equals_uint64 (get_uint64 (pooled_of (&run, "sink_3"),
          "frames-compared"), N_FRAMES);
  fail_unless_equals_uint64 (run.reference_passes, N_FRAMES);
  fail_unless_equals_int (run.n_out, N_FRAMES);
  run_clear (&run);

  run_encodes (2, short_first, NULL, &run);
  fail_unless_equals_int (frames_of (&run, "sink_1")->len, 2);
  fail_unless_equals_int (frames_of (&run, "sink_2")->len, N_FRAMES);
  fail_unless_equals_string (gst_structure_get_string (pooled_of (&run,
              "sink_1"), "ended-by"), "sink_1");
  fail_unless (warnings_mention (&run, "sink_1", "distorted input"));
  fail_unless_equals_int (run.n_out, 2);
  run_clear (&run);

  /* the reference ends first: each input's comparison ends there, with
   * a warning naming it */
  {
    const gint longer[] = { N_FRAMES + 2, N_FRAMES + 2 };

    run_encodes (2, longer, NULL, &run);
    fail_unless_equals_int (frames_of (&run, "sink_1")->len, N_FRAMES);
    fail_unless_equals_int (frames_of (&run, "sink_2")->len, N_FRAMES);
    fail_unless_equals_string (gst_structure_get_string (pooled_of (&run,
                "sink_2"), "ended-by"), "sink_0");
    fail_unless (warnings_mention (&run, "sink_0", "sink_1"));
    fail_unless (warnings_mention (&run, "sink_0", "sink_2"));
    run_clear (&run);

    /* eof-action=repeat: the reference's last frame for the rest of
     * both */
    run_encodes (2, longer, "eof-action=repeat", &run);
    fail_unless_equals_int (frames_of (&run, "sink_1")->len, N_FRAMES + 2);
    fail_unless_equals_int (frames_of (&run, "sink_2")->len, N_FRAMES + 2);
    fail_unless_equals_uint64 (get_uint64 (pooled_of (&run, "sink_2"),
            "reference-duplicated"), 2);
    fail_unless_equals_uint64 (run.reference_passes, N_FRAMES);
    run_clear (&run);

    /* eof-action=pass: each input's frames past the reference's end are
     * not compared (sink_1's go out without scores), with a warning
     * naming each input */
    run_encodes (2, longer, "eof-action=pass", &run);
    fail_unless_equals_int (frames_of (&run, "sink_1")->len, N_FRAMES);
    fail_unless_equals_int (frames_of (&run, "sink_2")->len, N_FRAMES);
    fail_unless_equals_uint64 (get_uint64 (pooled_of (&run, "sink_1"),
            "distorted-unpaired"), 2);
    fail_unless_equals_uint64 (get_uint64 (pooled_of (&run, "sink_2"),
            "distorted-unpaired"), 2);
    fail_unless (warnings_mention (&run, "eof-action=pass", "sink_1"));
    fail_unless (warnings_mention (&run, "eof-action=pass", "sink_2"));
    fail_unless_equals_int (run.n_out, N_FRAMES + 2);
    fail_unless_equals_uint64 (run.reference_passes, N_FRAMES);
    run_clear (&run);
  }
}

GST_END_TEST;

/* One log per input, the pad number in its name (%u); without %u, two
 * inputs cannot share a log: starting fails naming the property. */
GST_START_TEST (test_logs_per_input)
{
  gchar *dir = g_dir_make_tmp ("vgg19-lanes-XXXXXX", NULL);
  gchar *pattern = g_build_filename (dir, "scores-%u.json", NULL);
  gchar *extra = g_strdup_printf ("log-file=\"%s\"", pattern);
  Run run;
  guint i;

  run_encodes (2, NULL, extra, &run);
  for (i = 1; i <= 2; i++) {
    gchar *name = g_strdup_printf ("scores-%u.json", i);
    gchar *path = g_build_filename (dir, name, NULL);
    gchar *pad = g_strdup_printf ("sink_%u", i);
    GError *error = NULL;
    TestJson *log = test_json_load (path, &error);
    const TestJson *frames;
    double v;

    fail_unless (log != NULL, "%s: %s", path, error ? error->message : "?");
    fail_unless_equals_string (test_json_member_string (test_json_member
            (log, "params"), "distorted_input"), pad);
    frames = test_json_member (log, "frames");
    fail_unless_equals_int (test_json_length (frames), N_FRAMES);
    fail_unless (test_json_member_number (test_json_member
            (g_ptr_array_index (frames->items, 1), "metrics"), "perceptual",
            &v));
    fail_unless (fabs (v - get_double (g_ptr_array_index (frames_of (&run,
                        pad), 1), "perceptual")) <= 0.5e-6 + 1e-12);
    fail_unless (test_json_member (log, "pooled_metrics") != NULL);
    test_json_free (log);
    g_unlink (path);
    g_free (path);
    g_free (name);
    g_free (pad);
  }
  run_clear (&run);
  g_free (extra);

  {
    gchar *one = g_build_filename (dir, "scores.json", NULL);
    gchar *b1 = encode_branch (qualities[0], 1);
    gchar *b2 = encode_branch (qualities[1], 2);

    run_pipeline (gst_test_launch ("vgg19compare name=c weights=%s threads=2 "
            "layers=conv1_2 log-file=\"%s\" ! fakesink " CLIP " ! tee "
            "name=t t. ! queue ! c.sink_0 %s %s",
            gst_test_weights ("features_only"), one, N_FRAMES, b1, b2),
        &run);
    fail_unless (run.error != NULL, "one log for two inputs was taken");
    fail_unless (strstr (run.error, "log-file") && strstr (run.error, "%u")
        && strstr (run.error, "sink_2"), "%s", run.error);
    fail_if (g_file_test (one, G_FILE_TEST_EXISTS));
    run_clear (&run);
    g_free (one);
    g_free (b1);
    g_free (b2);
  }
  g_rmdir (dir);
  g_free (pattern);
  g_free (dir);
}

GST_END_TEST;

/* At native size, scale=distorted brings the reference to the distorted
 * frames' size, which inputs of different sizes do not share: an error
 * naming both and what to use instead. scale=reference takes them. */
GST_START_TEST (test_scale_distorted_sizes_differ)
{
  const gchar *sources = "videotestsrc num-buffers=2 ! video/x-raw,"
      "format=RGB,width=64,height=48,framerate=25/1 ! c.sink_0 "
      "videotestsrc num-buffers=2 ! video/x-raw,format=RGB,width=80,"
      "height=60,framerate=25/1 ! c.sink_1 videotestsrc num-buffers=2 ! "
      "video/x-raw,format=RGB,width=40,height=32,framerate=25/1 ! c.sink_2";
  Run run;

  run_pipeline (gst_test_launch ("vgg19compare name=c weights=%s threads=2 "
          "layers=conv1_1 resize=none scale=distorted ! fakesink %s",
          gst_test_weights ("features_only"), sources), &run);
  fail_unless (run.error != NULL, "distorted inputs of two sizes taken");
  fail_unless (strstr (run.error, "sink_1") && strstr (run.error, "sink_2")
      && strstr (run.error, "scale=reference"), "%s", run.error);
  run_clear (&run);

  run_ok (gst_test_launch
      ("vgg19compare name=c weights=%s threads=2 layers=conv1_1 "
          "resize=none ! fakesink %s", gst_test_weights ("features_only"),
          sources), &run);
  fail_unless_equals_string (gst_structure_get_string (pooled_of (&run,
              "sink_2"), "sizes"), "the distorted frames of another size are "
      "scaled to the reference's size (64x48): sink_1 80x60, sink_2 40x32");
  fail_unless_equals_uint64 (get_uint64 (pooled_of (&run, "sink_2"),
          "frames-compared"), 2);
  run_clear (&run);
}

GST_END_TEST;

/* The pad of the last warning on @bus mentions @text. */
static void
check_warning (GstBus * bus, const gchar * text)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  GError *warning = NULL;

  fail_unless (msg != NULL, "no warning");
  gst_message_parse_warning (msg, &warning, NULL);
  fail_unless (strstr (warning->message, text) != NULL, "\"%s\" does not "
      "mention %s", warning->message, text);
  g_error_free (warning);
  gst_message_unref (msg);
}

/* Request pads: named sink_2 and up (the lowest free one when the name is
 * left to the element), refused for other names and while started;
 * released before start, the input is gone. */
GST_START_TEST (test_request_pads)
{
  GstElement *e = gst_element_factory_make ("vgg19compare", NULL);
  GstBus *bus = gst_bus_new ();
  GstPad *a, *b, *c;
  /* a pad of that name exists: GStreamer warns (critical) before asking
   * the element, which refuses */
  const gchar *existing[] = { "sink_0", "sink_1", "sink_3" };
  GstPad *p;
  guint i;

  fail_unless (e != NULL);
  gst_element_set_bus (e, bus);
  a = gst_element_request_pad_simple (e, "sink_%u");
  fail_unless (a != NULL);
  fail_unless_equals_string (GST_PAD_NAME (a), "sink_2");
  b = gst_element_request_pad_simple (e, "sink_3");
  fail_unless (b != NULL);
  fail_unless_equals_string (GST_PAD_NAME (b), "sink_3");
  for (i = 0; i < G_N_ELEMENTS (existing); i++) {
    p = NULL;
    ASSERT_CRITICAL (p = gst_element_request_pad_simple (e, existing[i]));
    fail_unless (p == NULL, "%s was given", existing[i]);
    check_warning (bus, existing[i]);
  }
  /* not a pad number */
  fail_unless (gst_element_request_pad_simple (e, "sink_x") == NULL);
  gst_test_bus_free (bus);
  bus = gst_bus_new ();
  gst_element_set_bus (e, bus);
  /* a released number is free again */
  gst_element_release_request_pad (e, a);
  gst_object_unref (a);
  c = gst_element_request_pad_simple (e, "sink_%u");
  fail_unless_equals_string (GST_PAD_NAME (c), "sink_2");
  gst_element_release_request_pad (e, c);
  gst_object_unref (c);

  /* started (paused): refused */
  g_object_set (e, "weights", gst_test_weights ("features_only"), NULL);
  fail_if (gst_element_set_state (e, GST_STATE_PAUSED) ==
      GST_STATE_CHANGE_FAILURE);
  fail_unless (gst_element_request_pad_simple (e, "sink_%u") == NULL);
  check_warning (bus, "paused or playing");
  fail_unless (gst_element_request_pad_simple (e, "sink_4") == NULL);
  check_warning (bus, "READY");
  gst_element_set_state (e, GST_STATE_NULL);
  gst_element_release_request_pad (e, b);
  gst_object_unref (b);
  gst_test_bus_free (bus);
  gst_object_unref (e);
}

GST_END_TEST;

/* A request pad released before start leaves the element with the inputs
 * it has: one log needs no %u again, and the pipeline compares the pair. */
GST_START_TEST (test_release_before_start)
{
  GstElement *pipeline = gst_test_launch
      ("vgg19compare name=c weights=%s threads=2 "
      "layers=conv1_2 ! appsink name=out " CLIP " ! tee name=t t. ! queue ! "
      "c.sink_0 t. ! queue ! c.sink_1", gst_test_weights ("features_only"),
      N_FRAMES);
  GstElement *c = gst_bin_get_by_name (GST_BIN (pipeline), "c");
  GstPad *extra = gst_element_request_pad_simple (c, "sink_%u");
  gchar *dir = g_dir_make_tmp ("vgg19-lanes-XXXXXX", NULL);
  gchar *log = g_build_filename (dir, "scores.json", NULL);
  Run run;

  fail_unless (extra != NULL);
  fail_unless_equals_int (c->numsinkpads, 3);
  gst_element_release_request_pad (c, extra);
  gst_object_unref (extra);
  fail_unless_equals_int (c->numsinkpads, 2);
  g_object_set (c, "log-file", log, NULL);
  gst_object_unref (c);
  run_ok (pipeline, &run);
  fail_unless_equals_int (g_hash_table_size (run.pooled), 1);
  fail_unless_equals_uint64 (get_uint64 (pooled_of (&run, "sink_1"),
          "frames-compared"), N_FRAMES);
  fail_unless (g_file_test (log, G_FILE_TEST_EXISTS));
  run_clear (&run);
  g_unlink (log);
  g_rmdir (dir);
  g_free (log);
  g_free (dir);
}

GST_END_TEST;

/* A flat 64x64 RGB frame of @level at frame @index of 25 per second. */
static GstBuffer *
flat_frame (guint8 level, guint index)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 64 * 64 * 3, NULL);

  gst_buffer_memset (buf, 0, level, 64 * 64 * 3);
  GST_BUFFER_PTS (buf) = gst_util_uint64_scale (index, GST_SECOND, 25);
  GST_BUFFER_DURATION (buf) = GST_SECOND / 25;
  return buf;
}

/* Flat frames pushed into one input from a thread of its own, as
 * upstream elements do: the pads take one frame at a time, and the
 * element serves the inputs in time order. */
typedef struct
{
  GstHarness *h;
  guint8 level;
  guint n;
  GstFlowReturn ret;
} Feed;

static gpointer
feed_frames (gpointer data)
{
  Feed *feed = data;
  guint i;

  feed->ret = GST_FLOW_OK;
  for (i = 0; i < feed->n && feed->ret == GST_FLOW_OK; i++)
    feed->ret = gst_harness_push (feed->h, flat_frame (feed->level, i));
  return NULL;
}

/* A request pad released while playing ends that input's comparison, as
 * its end would (its pooled scores at once); the others go on. */
GST_START_TEST (test_release_while_playing)
{
  GstElement *c = gst_element_factory_make ("vgg19compare", NULL);
  GstBus *bus = gst_bus_new ();
  GstHarness *extra, *dist, *ref;
  GstVideoInfo info;
  GstMessage *msg;
  GstEvent *event;
  Feed feeds[3];
  GThread *threads[3];
  guint64 compared[3] = { 0, 0, 0 };
  guint i, k;

  gst_element_set_bus (c, bus);
  g_object_set (c, "weights", gst_test_weights ("features_only"),
      "layers", "conv1_1", "resize", VGG19_RESIZE_NONE, NULL);
  /* requested first, while the element is not started */
  extra = gst_harness_new_with_element (c, "sink_2", NULL);
  dist = gst_harness_new_with_element (c, "sink_1", "src");
  ref = gst_harness_new_with_element (c, "sink_0", NULL);
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 64, 64);
  GST_VIDEO_INFO_FPS_N (&info) = 25;
  for (k = 0; k < 3; k++) {
    Feed feed = { k == 0 ? ref : k == 1 ? dist : extra, 100 + 10 * k,
      k == 2 ? 3 : 6, GST_FLOW_OK
    };

    gst_harness_set_live (feed.h, FALSE);
    gst_test_set_caps (feed.h, &info);
    feeds[k] = feed;
  }
  for (k = 0; k < 3; k++)
    threads[k] = g_thread_new ("feed", feed_frames, &feeds[k]);
  for (i = 0; i < 6; i++) {
    if (i == 3) {
      /* sink_2 has had its 3 frames: released while playing */
      g_thread_join (threads[2]);
      fail_unless_equals_int (feeds[2].ret, GST_FLOW_OK);
      gst_harness_teardown (extra);
    }
    gst_buffer_unref (gst_harness_pull (dist));
  }
  for (k = 0; k < 2; k++) {
    g_thread_join (threads[k]);
    fail_unless_equals_int (feeds[k].ret, GST_FLOW_OK);
  }
  fail_unless (gst_harness_push_event (ref, gst_event_new_eos ()));
  fail_unless (gst_harness_push_event (dist, gst_event_new_eos ()));
  while ((event = gst_harness_pull_event (dist))
      && GST_EVENT_TYPE (event) != GST_EVENT_EOS)
    gst_event_unref (event);
  fail_unless (event != NULL, "no EOS");
  gst_event_unref (event);

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT |
              GST_MESSAGE_ERROR))) {
    const GstStructure *st = gst_message_get_structure (msg);
    const gchar *pad = gst_structure_get_string (st, "pad");

    fail_if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR, "an error");
    if (g_strcmp0 (gst_structure_get_string (st, "type"), "pooled") == 0) {
      k = g_strcmp0 (pad, "sink_1") == 0 ? 1 : 2;
      fail_unless (g_strcmp0 (pad, k == 1 ? "sink_1" : "sink_2") == 0);
      fail_unless_equals_uint64 (compared[k], 0);
      fail_unless (gst_structure_get_uint64 (st, "frames-compared",
              &compared[k]));
    }
    gst_message_unref (msg);
  }
  fail_unless_equals_uint64 (compared[1], 6);
  /* the frames it had before its release: its last one may still have
   * been queued on the pad, and went with it */
  fail_unless (compared[2] == 2 || compared[2] == 3, "sink_2 compared %"
      G_GUINT64_FORMAT " frames", compared[2]);
  gst_harness_teardown (ref);
  gst_harness_teardown (dist);
  gst_object_unref (c);
  gst_test_bus_free (bus);
}

GST_END_TEST;

static Suite *
compare_lanes_suite (void)
{
  Suite *s = suite_create ("vgg19compare lanes");
  TCase *scores = tcase_create ("scores");
  TCase *pads = tcase_create ("pads");

  suite_add_tcase (s, scores);
  tcase_add_test (scores, test_inputs_score_as_alone);
  tcase_add_test (scores, test_index_pairing);
  tcase_add_test (scores, test_input_ends_early);
  tcase_add_test (scores, test_logs_per_input);
  tcase_add_test (scores, test_scale_distorted_sizes_differ);
  suite_add_tcase (s, pads);
  tcase_add_test (pads, test_request_pads);
  tcase_add_test (pads, test_release_before_start);
  tcase_add_test (pads, test_release_while_playing);
  return s;
}

GST_CHECK_MAIN (compare_lanes);
