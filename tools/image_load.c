/* Decodes one image with the pipeline
 *   filesrc ! decodebin ! videoconvert ! video/x-raw,format=RGB ! appsink
 * and keeps the frame the sink prerolls on: the first one. Prerolling
 * (PAUSED) instead of playing means nothing past the first frame is
 * decoded, which matters when the "image" is a long video. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include "cli.h"
#include "image_load.h"

/* A decoder that has not prerolled after this long is stuck (or the file
 * is enormous); fail rather than hang a batch job. */
#define DECODE_TIMEOUT_US (120 * G_USEC_PER_SEC)

typedef struct
{
  GstElement *convert;
  gint linked_video;            /* atomic: a video pad was linked */
  gint no_more_pads;            /* atomic: decodebin exposed all its pads */
} DecodeState;

static void
on_pad_added (GstElement * decodebin, GstPad * pad, gpointer user_data)
{
  DecodeState *state = user_data;
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

  sink = gst_element_get_static_pad (state->convert, "sink");
  /* Only the first video stream is used. */
  if (!gst_pad_is_linked (sink)
      && gst_pad_link (pad, sink) == GST_PAD_LINK_OK)
    g_atomic_int_set (&state->linked_video, 1);
  gst_object_unref (sink);
}

static void
on_no_more_pads (GstElement * decodebin, gpointer user_data)
{
  DecodeState *state = user_data;

  g_atomic_int_set (&state->no_more_pads, 1);
}

/* The file must exist and be readable: saying so up front gives a
 * clearer message than GStreamer's source element would. */
static gboolean
check_readable (const char *path, GError ** error)
{
  GStatBuf st;
  int fd;

  if (g_stat (path, &st) != 0) {
    int saved = errno;

    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "cannot open image '%s': %s", path, g_strerror (saved));
    return FALSE;
  }
  if (S_ISDIR (st.st_mode)) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "cannot open image '%s': it is a directory", path);
    return FALSE;
  }
  /* Non-blocking, so that naming a FIFO cannot hang this check. */
  fd = g_open (path, O_RDONLY | O_NONBLOCK, 0);
  if (fd < 0) {
    int saved = errno;

    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "cannot open image '%s': %s", path, g_strerror (saved));
    return FALSE;
  }
  close (fd);
  if (st.st_size == 0) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "'%s' is not an image: the file is empty", path);
    return FALSE;
  }
  return TRUE;
}

static void
set_error_from_message (GstMessage * msg, const char *path, GError ** error)
{
  GError *gerr = NULL;
  char *debug = NULL;

  gst_message_parse_error (msg, &gerr, &debug);
  if (gerr->domain == GST_STREAM_ERROR
      && (gerr->code == GST_STREAM_ERROR_TYPE_NOT_FOUND
          || gerr->code == GST_STREAM_ERROR_WRONG_TYPE)) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "'%s' is not an image GStreamer can decode (%s)", path,
        gerr->message);
  } else if (gerr->domain == GST_CORE_ERROR
      && gerr->code == GST_CORE_ERROR_MISSING_PLUGIN) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "cannot decode image '%s': no GStreamer plugin for its format (%s)",
        path, gerr->message);
  } else {
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "cannot decode image '%s': %s", path, gerr->message);
  }
  g_clear_error (&gerr);
  g_free (debug);
}

static gboolean
copy_sample (GstSample * sample, const char *path, CliRgbImage * image,
    GError ** error)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GstCaps *caps = gst_sample_get_caps (sample);
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  gsize row_bytes, total;
  const guint8 *src;
  gsize stride;
  guint y;

  if (caps == NULL || buffer == NULL || !gst_video_info_from_caps (&info,
          caps)) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "cannot decode image '%s': the decoder gave a frame without a "
        "usable format", path);
    return FALSE;
  }
  if (GST_VIDEO_INFO_WIDTH (&info) <= 0 || GST_VIDEO_INFO_HEIGHT (&info) <= 0
      || !g_size_checked_mul (&row_bytes, (gsize) GST_VIDEO_INFO_WIDTH (&info),
          3)
      || !g_size_checked_mul (&total, row_bytes,
          (gsize) GST_VIDEO_INFO_HEIGHT (&info))) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "cannot decode image '%s': unusable size %dx%d", path,
        GST_VIDEO_INFO_WIDTH (&info), GST_VIDEO_INFO_HEIGHT (&info));
    return FALSE;
  }
  if (!gst_video_frame_map (&frame, &info, buffer, GST_MAP_READ)) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "cannot decode image '%s': the decoded frame cannot be read", path);
    return FALSE;
  }
  image->pixels = g_try_malloc (total);
  if (image->pixels == NULL) {
    gst_video_frame_unmap (&frame);
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "cannot decode image '%s': out of memory for %dx%d pixels", path,
        GST_VIDEO_INFO_WIDTH (&info), GST_VIDEO_INFO_HEIGHT (&info));
    return FALSE;
  }
  image->width = GST_VIDEO_INFO_WIDTH (&info);
  image->height = GST_VIDEO_INFO_HEIGHT (&info);
  /* GStreamer pads RGB rows to 4 bytes; the library wants none. */
  src = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
  for (y = 0; y < image->height; y++)
    memcpy (image->pixels + y * row_bytes, src + y * stride, row_bytes);
  gst_video_frame_unmap (&frame);
  return TRUE;
}

/* Waits until the sink has prerolled, or something failed. */
static gboolean
wait_for_preroll (GstElement * pipeline, DecodeState * state,
    const char *path, GError ** error)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  gint64 deadline = g_get_monotonic_time () + DECODE_TIMEOUT_US;
  gboolean ok = FALSE;

  for (;;) {
    GstMessage *msg;

    msg = gst_bus_timed_pop_filtered (bus, 50 * GST_MSECOND,
        GST_MESSAGE_ERROR | GST_MESSAGE_ASYNC_DONE | GST_MESSAGE_EOS);
    if (msg != NULL) {
      GstMessageType type = GST_MESSAGE_TYPE (msg);

      if (type == GST_MESSAGE_ERROR) {
        if (!g_atomic_int_get (&state->linked_video)
            && g_atomic_int_get (&state->no_more_pads))
          g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
              "'%s' is not an image: it has no picture or video stream",
              path);
        else
          set_error_from_message (msg, path, error);
        gst_message_unref (msg);
        break;
      }
      gst_message_unref (msg);
      if (type == GST_MESSAGE_ASYNC_DONE || type == GST_MESSAGE_EOS) {
        ok = TRUE;
        break;
      }
      continue;
    }
    if (g_atomic_int_get (&state->no_more_pads)
        && !g_atomic_int_get (&state->linked_video)) {
      g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
          "'%s' is not an image: it has no picture or video stream", path);
      break;
    }
    if (g_get_monotonic_time () > deadline) {
      g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
          "cannot decode image '%s': no frame after %d s", path,
          (int) (DECODE_TIMEOUT_US / G_USEC_PER_SEC));
      break;
    }
  }
  gst_object_unref (bus);
  return ok;
}

static GstElement *
make_element (const char *factory, const char *path, GError ** error)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  if (e == NULL)
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "cannot decode image '%s': the GStreamer element '%s' is not "
        "installed", path, factory);
  return e;
}

/* Plays the prerolled pipeline on to see whether a second frame follows
 * the first one. */
static gboolean
has_second_frame (GstElement * pipeline, GstElement * sink, const char *path,
    gboolean * more, GError ** error)
{
  gint64 deadline = g_get_monotonic_time () + DECODE_TIMEOUT_US;
  GstBus *bus = gst_element_get_bus (pipeline);
  guint n_frames = 0;
  gboolean ok = TRUE;

  /* in PLAYING the prerolled frame is rendered (and pulled) again */
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (n_frames < 2 && !gst_app_sink_is_eos (GST_APP_SINK (sink))) {
    GstSample *sample;
    GstMessage *msg;

    sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
        50 * GST_MSECOND);
    if (sample) {
      n_frames++;
      gst_sample_unref (sample);
      continue;
    }
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    if (msg) {
      set_error_from_message (msg, path, error);
      gst_message_unref (msg);
      ok = FALSE;
      break;
    }
    if (g_get_monotonic_time () > deadline) {
      g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
          "cannot decode '%s': no second frame nor end after %d s", path,
          (int) (DECODE_TIMEOUT_US / G_USEC_PER_SEC));
      ok = FALSE;
      break;
    }
  }
  gst_object_unref (bus);
  *more = n_frames >= 2;
  return ok;
}

gboolean
cli_image_load (const char *path, CliRgbImage * image, GError ** error)
{
  return cli_image_load_first (path, image, NULL, error);
}

gboolean
cli_image_load_first (const char *path, CliRgbImage * image,
    gboolean * more_frames, GError ** error)
{
  GstElement *pipeline, *src, *decode = NULL, *convert = NULL, *sink = NULL;
  DecodeState state = { 0 };
  GstCaps *caps;
  GstSample *sample = NULL;
  gboolean ok = FALSE;

  memset (image, 0, sizeof (*image));
  if (!check_readable (path, error))
    return FALSE;

  pipeline = gst_pipeline_new ("vgg19-image-load");
  if ((src = make_element ("filesrc", path, error)) == NULL
      || (decode = make_element ("decodebin", path, error)) == NULL
      || (convert = make_element ("videoconvert", path, error)) == NULL
      || (sink = make_element ("appsink", path, error)) == NULL) {
    g_clear_pointer (&src, gst_object_unref);
    g_clear_pointer (&decode, gst_object_unref);
    g_clear_pointer (&convert, gst_object_unref);
    gst_object_unref (pipeline);
    return FALSE;
  }
  g_object_set (src, "location", path, NULL);
  /* Dithering would add noise when a 16-bit PNG is reduced to 8 bits;
   * plain rounding keeps the result the same on every run. */
  g_object_set (convert, "dither", 0, NULL);
  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGB",
      NULL);
  g_object_set (sink, "caps", caps, "sync", FALSE, "max-buffers", 1,
      "enable-last-sample", FALSE, NULL);
  gst_caps_unref (caps);

  gst_bin_add_many (GST_BIN (pipeline), src, decode, convert, sink, NULL);
  if (!gst_element_link (src, decode) || !gst_element_link (convert, sink)) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "cannot decode image '%s': the decoding pipeline cannot be built",
        path);
    goto done;
  }
  state.convert = convert;
  g_signal_connect (decode, "pad-added", G_CALLBACK (on_pad_added), &state);
  g_signal_connect (decode, "no-more-pads", G_CALLBACK (on_no_more_pads),
      &state);

  if (gst_element_set_state (pipeline, GST_STATE_PAUSED) ==
      GST_STATE_CHANGE_FAILURE) {
    GstBus *bus = gst_element_get_bus (pipeline);
    GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

    if (msg != NULL) {
      set_error_from_message (msg, path, error);
      gst_message_unref (msg);
    } else {
      g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
          "cannot decode image '%s': the pipeline does not start", path);
    }
    gst_object_unref (bus);
    goto done;
  }
  if (!wait_for_preroll (pipeline, &state, path, error))
    goto done;

  sample = gst_app_sink_try_pull_preroll (GST_APP_SINK (sink), 0);
  if (sample == NULL) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "cannot decode image '%s': no picture came out of it (is the "
        "file truncated or corrupt?)", path);
    goto done;
  }
  ok = copy_sample (sample, path, image, error);
  gst_sample_unref (sample);
  if (ok && more_frames
      && !has_second_frame (pipeline, sink, path, more_frames, error)) {
    cli_image_clear (image);
    ok = FALSE;
  }

done:
  gst_element_set_state (pipeline, GST_STATE_NULL);
  /* The callbacks point at `state` on this stack frame. */
  g_signal_handlers_disconnect_by_data (decode, &state);
  gst_object_unref (pipeline);
  return ok;
}

void
cli_image_clear (CliRgbImage * image)
{
  g_free (image->pixels);
  memset (image, 0, sizeof (*image));
}
