/* Soak: many frames through vgg19 and through vgg19compare, with the
 * process's resident memory measured once the stream has settled and at
 * the end. Fails when it grew by more than the bound: a leak of anything
 * made per frame (a meta, a tensor, a message, a log record) shows as
 * growth proportional to the frames.
 *
 *   gst-soak --weights FILE [--frames N] [--max-growth-kib K]
 *            [--element vgg19|vgg19compare|both]
 *
 * Frames are cheap on purpose (64x64, resize=none, conv1_1 only), so that
 * 10,000 of them take a minute or so: what is measured is the element,
 * not the network.
 *
 * The bound (16 MiB by default) is not zero: frames that wait in the
 * element for the sink each carry a 1 MiB tensor here, and how many wait
 * at the busiest moment depends on how the machine schedules the threads;
 * what the allocator keeps of that peak is given back before each
 * measurement, but not all of it. A leak of a tensor per frame would be
 * gigabytes, one of 2 KiB per frame (a message, a log record) 18 MiB over
 * 10,000 frames. Every result message is read off the bus (as an
 * application would), the compare element writes its log, and frames
 * carry their metas to the sink. Prints one line per element with the
 * frame count, time and resident memory at the start and end.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/gst.h>

/* The first tenth of the stream settles (allocator arenas, buffer pools,
 * plans): memory is measured from there. */
#define SETTLE_FRACTION 10

typedef struct
{
  guint64 frames;               /* seen by the sink */
  guint64 start_at;             /* frame at which the start is measured */
  guint64 rss_start;            /* bytes, 0 until measured */
  guint64 rss_end;
} Soak;

/* Resident memory in use: the allocator first gives back the free
 * memory it keeps (glibc keeps what the largest queue of frames took, at
 * a moment that depends on the machine's load), so that what is left is
 * what the process holds. */
static guint64
resident_bytes (void)
{
  gchar *status = NULL, *line;
  guint64 kib = 0;

  malloc_trim (0);

  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL)
      && (line = strstr (status, "VmRSS:")))
    kib = g_ascii_strtoull (line + 6, NULL, 10);
  g_free (status);
  return kib * 1024;
}

static GstPadProbeReturn
count_frame (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Soak *soak = data;

  if (++soak->frames == soak->start_at)
    soak->rss_start = resident_bytes ();

  return GST_PAD_PROBE_OK;
}

/* Runs @description (whose sink is named "sink") to EOS, reading every
 * message; FALSE on an error. */
static gboolean
run (const gchar * description, Soak * soak, gdouble * seconds)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);
  GstElement *sink;
  GstPad *pad;
  GstBus *bus;
  gboolean ok = FALSE, done = FALSE;
  gint64 start = g_get_monotonic_time ();

  if (!pipeline) {
    g_printerr ("soak: %s: %s\n", description, error->message);
    g_error_free (error);
    return FALSE;
  }
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_frame, soak, NULL);
  bus = gst_element_get_bus (pipeline);

  start = g_get_monotonic_time ();
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE)
    done = TRUE;
  while (!done) {
    GstMessage *msg = gst_bus_timed_pop (bus, GST_CLOCK_TIME_NONE);

    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_EOS:
        ok = done = TRUE;
        break;
      case GST_MESSAGE_ERROR:
        gst_message_parse_error (msg, &error, NULL);
        g_printerr ("soak: error: %s\n", error->message);
        g_clear_error (&error);
        done = TRUE;
        break;
      default:
        break;
    }
    gst_message_unref (msg);
  }
  /* at the end, with the pipeline and its frames still there: what a
   * stream that goes on holds */
  soak->rss_end = resident_bytes ();
  *seconds = (g_get_monotonic_time () - start) / 1e6;

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return ok;
}

/* One element's soak; FALSE when it failed or grew beyond the bound. */
static gboolean
soak_element (const gchar * name, const gchar * description, guint64 n,
    guint64 max_growth)
{
  Soak soak = { 0, MAX (1, n / SETTLE_FRACTION), 0, 0 };
  gdouble seconds = 0;
  gint64 growth;
  gboolean ok;

  ok = run (description, &soak, &seconds);
  growth = (gint64) soak.rss_end - (gint64) soak.rss_start;
  g_print ("%s: %" G_GUINT64_FORMAT " frames in %.1f s (%.0f a second); "
      "resident %.1f MiB at frame %" G_GUINT64_FORMAT ", %.1f MiB at the "
      "end: %+.1f MiB (bound %+.1f MiB)\n", name, soak.frames, seconds,
      soak.frames / seconds, soak.rss_start / 1048576.0, soak.start_at,
      soak.rss_end / 1048576.0, growth / 1048576.0, max_growth / 1048576.0);
  if (!ok)
    return FALSE;
  if (soak.frames != n) {
    g_printerr ("soak: %s: %" G_GUINT64_FORMAT " frames reached the sink, "
        "expected %" G_GUINT64_FORMAT "\n", name, soak.frames, n);
    return FALSE;
  }
  if (growth > (gint64) max_growth) {
    g_printerr ("soak: %s: resident memory grew by %.1f MiB over %"
        G_GUINT64_FORMAT " frames, more than the bound of %.1f MiB\n", name,
        growth / 1048576.0, n - soak.start_at, max_growth / 1048576.0);
    return FALSE;
  }
  return TRUE;
}

int
main (int argc, char **argv)
{
  gchar *weights = NULL, *element = NULL, *log_path = NULL, *description;
  gint64 frames = 10000, max_growth_kib = 16384;
  GOptionEntry entries[] = {
    {"weights", 0, 0, G_OPTION_ARG_FILENAME, &weights,
        "VGG-19 weight file (required)", "FILE"},
    {"frames", 0, 0, G_OPTION_ARG_INT64, &frames,
        "Frames through each element (10000)", "N"},
    {"max-growth-kib", 0, 0, G_OPTION_ARG_INT64, &max_growth_kib,
        "Largest growth of resident memory allowed from the end of the "
          "first tenth of the frames to the end, in KiB (16384)", "K"},
    {"element", 0, 0, G_OPTION_ARG_STRING, &element,
        "vgg19, vgg19compare or both (both)", "NAME"},
    {NULL}
  };
  GOptionContext *context = g_option_context_new ("- soak the vgg19 "
      "elements and check that their memory stays flat");
  GError *error = NULL;
  gboolean ok = TRUE, both;
  gint fd;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("soak: %s\n", error->message);
    return 2;
  }
  g_option_context_free (context);
  if (!weights || frames < 10 || max_growth_kib < 0) {
    g_printerr ("soak: --weights FILE is required, --frames at least 10\n");
    return 2;
  }
  both = !element || strcmp (element, "both") == 0;
  if (!both && strcmp (element, "vgg19") != 0
      && strcmp (element, "vgg19compare") != 0) {
    g_printerr ("soak: unknown --element %s\n", element);
    return 2;
  }

  if (both || strcmp (element, "vgg19") == 0) {
    description = g_strdup_printf ("videotestsrc num-buffers=%"
        G_GINT64_FORMAT " pattern=ball ! video/x-raw,format=I420,width=64,"
        "height=64,framerate=1000/1 ! vgg19 weights=\"%s\" mode=features "
        "resize=none layers=conv1_1 ! fakesink name=sink sync=false",
        frames, weights);
    ok &= soak_element ("vgg19", description, frames, max_growth_kib * 1024);
    g_free (description);
  }
  if (both || strcmp (element, "vgg19compare") == 0) {
    fd = g_file_open_tmp ("vgg19-soak-XXXXXX.json", &log_path, &error);
    if (fd < 0) {
      g_printerr ("soak: %s\n", error->message);
      return 1;
    }
    close (fd);
    description = g_strdup_printf ("vgg19compare name=c weights=\"%s\" "
        "resize=none layers=conv1_1 log-file=\"%s\" ! fakesink name=sink "
        "sync=false videotestsrc num-buffers=%" G_GINT64_FORMAT
        " pattern=smpte ! video/x-raw,format=RGB,width=64,height=64,"
        "framerate=1000/1 ! c.sink_0 videotestsrc num-buffers=%"
        G_GINT64_FORMAT " pattern=ball ! video/x-raw,format=I420,width=64,"
        "height=64,framerate=1000/1 ! c.sink_1", weights, log_path, frames,
        frames);
    ok &= soak_element ("vgg19compare", description, frames,
        max_growth_kib * 1024);
    g_free (description);
    g_unlink (log_path);
    g_free (log_path);
  }
  g_free (weights);
  g_free (element);
  return ok ? 0 : 1;
}
