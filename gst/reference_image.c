/* Decoding the loss mode's reference picture.
 *
 *   filesrc ! decodebin ! videoconvert ! appsink caps=video/x-raw,format=RGB
 *
 * run to preroll in a pipeline of its own, so that every format with a
 * decoder installed works, and its bus never mixes with the one of the
 * pipeline the element is in. */
#include <gst/app/gstappsink.h>

#include "reference_image.h"

/* Decoding a picture takes well under a second; a file that has not
 * prerolled after this long is not going to. */
#define DECODE_TIMEOUT (60 * GST_SECOND)

static void
on_pad_added (GstElement * decodebin, GstPad * pad, GstElement * convert)
{
  GstPad *sinkpad = gst_element_get_static_pad (convert, "sink");
  GstCaps *caps = gst_pad_get_current_caps (pad);
  gboolean is_video = TRUE;

  if (caps) {
    const GstStructure *s = gst_caps_get_structure (caps, 0);

    is_video = g_str_has_prefix (gst_structure_get_name (s), "video/");
    gst_caps_unref (caps);
  }
  /* the first video stream only */
  if (is_video && !gst_pad_is_linked (sinkpad))
    gst_pad_link (pad, sinkpad);
  gst_object_unref (sinkpad);
}

static GstElement *
make_element (const gchar * factory, const char *path, GError ** error)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  if (!element)
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "cannot decode the reference image %s: GStreamer element '%s' is "
        "not installed", path, factory);
  return element;
}

/* Waits for the pipeline to preroll; FALSE with @error set otherwise. */
static gboolean
wait_preroll (GstElement * pipeline, const char *path, GError ** error)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  gboolean ok = FALSE;

  for (;;) {
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, DECODE_TIMEOUT,
        GST_MESSAGE_ERROR | GST_MESSAGE_EOS | GST_MESSAGE_ASYNC_DONE);

    if (!msg) {
      g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
          "cannot decode the reference image %s: no picture after %u s",
          path, (guint) (DECODE_TIMEOUT / GST_SECOND));
      break;
    }
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ASYNC_DONE) {
      ok = TRUE;
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
          "cannot decode the reference image %s: it holds no picture", path);
    } else {
      GError *err = NULL;

      gst_message_parse_error (msg, &err, NULL);
      if (err->domain == GST_RESOURCE_ERROR) {
        g_set_error (error, GST_RESOURCE_ERROR, err->code,
            "cannot read the reference image %s: %s", path, err->message);
      } else {
        g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
            "cannot decode the reference image %s: %s", path, err->message);
      }
      g_error_free (err);
    }
    gst_message_unref (msg);
    break;
  }
  gst_object_unref (bus);
  return ok;
}

GstBuffer *
gst_vgg19_reference_image_load (const char *path, GstVideoInfo * info,
    GError ** error)
{
  GstElement *pipeline = NULL, *src, *decode, *convert, *sink;
  GstBuffer *image = NULL;
  GstSample *sample;
  GstCaps *caps;

  g_return_val_if_fail (path != NULL && info != NULL, NULL);

  if (!g_file_test (path, G_FILE_TEST_EXISTS)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
        "reference image %s does not exist", path);
    return NULL;
  }
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
        "reference image %s is not a regular file", path);
    return NULL;
  }

  if (!(src = make_element ("filesrc", path, error)))
    return NULL;
  if (!(decode = make_element ("decodebin", path, error))) {
    gst_object_unref (src);
    return NULL;
  }
  if (!(convert = make_element ("videoconvert", path, error))) {
    gst_object_unref (src);
    gst_object_unref (decode);
    return NULL;
  }
  if (!(sink = make_element ("appsink", path, error))) {
    gst_object_unref (src);
    gst_object_unref (decode);
    gst_object_unref (convert);
    return NULL;
  }

  pipeline = gst_pipeline_new ("vgg19-reference");
  gst_bin_add_many (GST_BIN (pipeline), src, decode, convert, sink, NULL);
  g_object_set (src, "location", path, NULL);
  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGB",
      NULL);
  g_object_set (sink, "caps", caps, "sync", FALSE, "max-buffers", 1, NULL);
  gst_caps_unref (caps);
  g_signal_connect (decode, "pad-added", G_CALLBACK (on_pad_added), convert);
  if (!gst_element_link (src, decode) || !gst_element_link (convert, sink)) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "cannot decode the reference image %s: cannot link the decoder", path);
    goto done;
  }

  /* should this fail, the reason is on the bus, where it is waited for */
  gst_element_set_state (pipeline, GST_STATE_PAUSED);
  if (!wait_preroll (pipeline, path, error))
    goto done;

  sample = gst_app_sink_pull_preroll (GST_APP_SINK (sink));
  if (!sample || !gst_sample_get_buffer (sample) || !gst_sample_get_caps
      (sample) || !gst_video_info_from_caps (info,
          gst_sample_get_caps (sample))) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
        "cannot decode the reference image %s: the decoder gave no RGB "
        "picture", path);
  } else {
    image = gst_buffer_ref (gst_sample_get_buffer (sample));
  }
  if (sample)
    gst_sample_unref (sample);

done:
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  return image;
}

GstBuffer *
gst_vgg19_reference_image_scale (GstBuffer * image, const GstVideoInfo * info,
    guint width, guint height, GstVideoInfo * out_info, GError ** error)
{
  GstVideoConverter *converter;
  GstVideoFrame in_frame, out_frame;
  GstBuffer *out;

  g_return_val_if_fail (image != NULL && info != NULL && out_info, NULL);

  if (!gst_video_info_set_format (out_info, GST_VIDEO_FORMAT_RGB, width,
          height)) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "cannot scale the reference image to %ux%u", width, height);
    return NULL;
  }
  out = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (out_info), NULL);
  if (!out) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "cannot allocate the reference image at %ux%u", width, height);
    return NULL;
  }
  if (!gst_video_frame_map (&in_frame, (GstVideoInfo *) info, image,
          GST_MAP_READ)) {
    gst_buffer_unref (out);
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "cannot read the decoded reference image");
    return NULL;
  }
  if (!gst_video_frame_map (&out_frame, out_info, out, GST_MAP_WRITE)) {
    gst_video_frame_unmap (&in_frame);
    gst_buffer_unref (out);
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "cannot write the scaled reference image");
    return NULL;
  }
  converter = gst_video_converter_new ((GstVideoInfo *) info, out_info, NULL);
  if (converter) {
    gst_video_converter_frame (converter, &in_frame, &out_frame);
    gst_video_converter_free (converter);
  }
  gst_video_frame_unmap (&out_frame);
  gst_video_frame_unmap (&in_frame);
  if (!converter) {
    gst_buffer_unref (out);
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "cannot scale the reference image to %ux%u", width, height);
    return NULL;
  }
  return out;
}
