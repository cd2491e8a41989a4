/* The pipeline of `vgg19 compare` for videos:
 *
 *   filesrc ! decodebin ! videoconvert ! vgg19compare.sink_0  (reference)
 *   filesrc ! decodebin ! videoconvert ! vgg19compare.sink_1  (distorted)
 *   vgg19compare ! fakesink
 *
 * run as fast as it decodes, until the element posts its pooled scores. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "video_compare.h"

#define ELEMENT "vgg19compare"

static const char *const sink_names[] = { "sink_0", "sink_1" };

/* One input's branch. */
typedef struct
{
  const char *path;
  GstElement *decode;
  GstElement *convert;
  gint linked_video;            /* atomic: a video pad was linked */
  gint no_more_pads;            /* atomic */
} Branch;

static void
on_pad_added (GstElement * decodebin, GstPad * pad, gpointer user_data)
{
  Branch *branch = user_data;
  GstCaps *caps;
  GstPad *sink;
  gboolean is_video = FALSE;

  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  if (caps != NULL && gst_caps_get_size (caps) > 0) {
    const char *media =
        gst_structure_get_name (gst_caps_get_structure (caps, 0));
    is_video = g_str_has_prefix (media, "video/")
        || g_str_has_prefix (media, "image/");
  }
  if (caps != NULL)
    gst_caps_unref (caps);
  if (!is_video)
    return;                     /* audio, subtitles: left unlinked */

  sink = gst_element_get_static_pad (branch->convert, "sink");
  /* only the first video stream is compared */
  if (!gst_pad_is_linked (sink)
      && gst_pad_link (pad, sink) == GST_PAD_LINK_OK)
    g_atomic_int_set (&branch->linked_video, 1);
  gst_object_unref (sink);
}

static void
on_no_more_pads (GstElement * decodebin, gpointer user_data)
{
  Branch *branch = user_data;

  g_atomic_int_set (&branch->no_more_pads, 1);
}

/* The element, from the plugin registry or, when GStreamer is not told
 * where the plugin is, from the directory it is installed in. */
static GstElement *
make_compare_element (GError ** error)
{
  GstElement *e = gst_element_factory_make (ELEMENT, "compare");

#ifdef VGG19_GST_PLUGIN_DIR
  if (e == NULL) {
    char *path = g_build_filename (VGG19_GST_PLUGIN_DIR,
        "libgstvgg19.so", NULL);
    GstPlugin *plugin = gst_plugin_load_file (path, NULL);

    if (plugin != NULL) {
      gst_object_unref (plugin);
      e = gst_element_factory_make (ELEMENT, "compare");
    }
    g_free (path);
  }
#endif
  if (e == NULL)
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "comparing videos needs the GStreamer element '%s' of the vgg19 "
        "plugin, which is not found: build it (meson -Dplugin=enabled) and "
        "set GST_PLUGIN_PATH to the directory of libgstvgg19.so", ELEMENT);
  return e;
}

static GstElement *
make_element (const char *factory, GError ** error)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  if (e == NULL)
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "cannot compare videos: the GStreamer element '%s' is not "
        "installed", factory);
  return e;
}

static gboolean
add_branch (GstElement * pipeline, GstElement * compare, Branch * branch,
    guint index, GError ** error)
{
  GstElement *src;

  if ((src = make_element ("filesrc", error)) == NULL)
    return FALSE;
  if ((branch->decode = make_element ("decodebin", error)) == NULL
      || (branch->convert = make_element ("videoconvert", error)) == NULL) {
    gst_object_unref (src);
    g_clear_pointer (&branch->decode, gst_object_unref);
    return FALSE;
  }
  g_object_set (src, "location", branch->path, NULL);
  /* plain rounding: the same result on every run */
  g_object_set (branch->convert, "dither", 0, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, branch->decode, branch->convert,
      NULL);
  if (!gst_element_link (src, branch->decode)
      || !gst_element_link_pads (branch->convert, "src", compare,
          sink_names[index])) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "cannot decode '%s': the decoding pipeline cannot be built",
        branch->path);
    return FALSE;
  }
  g_signal_connect (branch->decode, "pad-added", G_CALLBACK (on_pad_added),
      branch);
  g_signal_connect (branch->decode, "no-more-pads",
      G_CALLBACK (on_no_more_pads), branch);
  return TRUE;
}

static void
configure (GstElement * compare, const CliVideoCompareSettings * s)
{
  /* the enumerations were checked by the command */
  const char *const enums[][2] = {
    {"loss", s->loss}, {"reduction", s->reduction},
    {"feature-norm", s->feature_norm}, {"gram-norm", s->gram_norm},
    {"style-reduction", s->style_reduction}, {"scale", s->scale},
    {"sync-mode", s->sync_mode}, {"eof-action", s->eof_action},
  };
  guint i;

  if (s->weights)
    g_object_set (compare, "weights", s->weights, NULL);
  if (s->metric)
    g_object_set (compare, "metric", s->metric, NULL);
  if (s->calibration)
    g_object_set (compare, "calibration", s->calibration, NULL);
  if (s->layers)
    g_object_set (compare, "layers", s->layers, NULL);
  if (s->scale_size)
    g_object_set (compare, "scale-size", s->scale_size, NULL);
  if (s->style_layers)
    g_object_set (compare, "style-layers", s->style_layers, NULL);
  for (i = 0; i < G_N_ELEMENTS (enums); i++)
    if (enums[i][1])
      gst_util_set_object_arg (G_OBJECT (compare), enums[i][0], enums[i][1]);
  if (s->log_path)
    g_object_set (compare, "log-file", s->log_path, NULL);
  if (s->log_format)
    gst_util_set_object_arg (G_OBJECT (compare), "log-format", s->log_format);
  gst_util_set_object_arg (G_OBJECT (compare), "resize",
      vgg19_resize_to_string (s->resize));
  /* the pooled scores are all the command prints */
  g_object_set (compare, "threads", s->threads, "post-messages", FALSE, NULL);
}

/* An error message of the pipeline, saying which file it concerns. */
static void
set_error_from_message (GstMessage * msg, Branch * branches, GError ** error)
{
  GError *gerr = NULL;
  guint i;

  gst_message_parse_error (msg, &gerr, NULL);
  for (i = 0; i < 2; i++) {
    if (g_atomic_int_get (&branches[i].no_more_pads)
        && !g_atomic_int_get (&branches[i].linked_video)) {
      g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
          "'%s' has no picture or video stream", branches[i].path);
      goto done;
    }
  }
  for (i = 0; i < 2; i++) {
    if (gst_object_has_as_ancestor (GST_MESSAGE_SRC (msg),
            GST_OBJECT (branches[i].decode))) {
      g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
          "cannot decode '%s': %s", branches[i].path, gerr->message);
      goto done;
    }
  }
  g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED, "cannot compare '%s' "
      "and '%s': %s", branches[0].path, branches[1].path, gerr->message);
done:
  g_error_free (gerr);
}

/* Runs @pipeline to its end; returns the pooled message structure. */
static GstStructure *
run (GstElement * pipeline, Branch * branches, GError ** error)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstStructure *pooled = NULL;

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

    if (msg != NULL) {
      set_error_from_message (msg, branches, error);
      gst_message_unref (msg);
    } else {
      g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
          "cannot compare '%s' and '%s': the pipeline does not start",
          branches[0].path, branches[1].path);
    }
    gst_object_unref (bus);
    return NULL;
  }

  for (;;) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
        GST_MESSAGE_ERROR | GST_MESSAGE_EOS | GST_MESSAGE_WARNING |
        GST_MESSAGE_ELEMENT);
    GstMessageType type = GST_MESSAGE_TYPE (msg);

    if (type == GST_MESSAGE_ELEMENT && gst_message_has_name (msg, "vgg19")) {
      const GstStructure *s = gst_message_get_structure (msg);

      if (g_strcmp0 (gst_structure_get_string (s, "type"), "pooled") == 0) {
        g_clear_pointer (&pooled, gst_structure_free);
        pooled = gst_structure_copy (s);
      }
    } else if (type == GST_MESSAGE_WARNING) {
      GError *warning = NULL;

      gst_message_parse_warning (msg, &warning, NULL);
      fprintf (stderr, "vgg19: warning: %s\n", warning->message);
      fflush (stderr);
      g_error_free (warning);
    } else if (type == GST_MESSAGE_ERROR) {
      set_error_from_message (msg, branches, error);
      g_clear_pointer (&pooled, gst_structure_free);
      gst_message_unref (msg);
      break;
    } else if (type == GST_MESSAGE_EOS) {
      gst_message_unref (msg);
      if (pooled == NULL)
        g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
            "cannot compare '%s' and '%s': the comparison ended without "
            "scores", branches[0].path, branches[1].path);
      break;
    }
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  return pooled;
}

GstStructure *
cli_video_compare (const char *reference, const char *distorted,
    const CliVideoCompareSettings * settings, GError ** error)
{
  Branch branches[2] = { {reference}, {distorted} };
  GstElement *pipeline, *compare, *sink;
  GstStructure *pooled = NULL;
  guint i;

  if ((compare = make_compare_element (error)) == NULL)
    return NULL;
  if ((sink = make_element ("fakesink", error)) == NULL) {
    gst_object_unref (compare);
    return NULL;
  }
  configure (compare, settings);
  g_object_set (sink, "sync", FALSE, NULL);

  pipeline = gst_pipeline_new ("vgg19-compare");
  gst_bin_add_many (GST_BIN (pipeline), compare, sink, NULL);
  if (!gst_element_link (compare, sink)) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "cannot compare videos: the pipeline cannot be built");
    goto done;
  }
  for (i = 0; i < 2; i++)
    if (!add_branch (pipeline, compare, &branches[i], i, error))
      goto done;

  pooled = run (pipeline, branches, error);

done:
  gst_element_set_state (pipeline, GST_STATE_NULL);
  /* the callbacks point at branches on this stack frame */
  for (i = 0; i < 2; i++)
    if (branches[i].decode)
      g_signal_handlers_disconnect_by_data (branches[i].decode, &branches[i]);
  gst_object_unref (pipeline);
  return pooled;
}
