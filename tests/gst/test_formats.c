/* Every video format the vgg19 element accepts gives the core's results
 * for the same picture.
 *
 * A picture of the reference data (97x131: odd sizes, so that subsampled
 * chroma has half-covered edges) is converted by GStreamer to each format,
 * then goes through the element (mode=features, resize=stretch). The
 * expected tensors are the core's for the RGB picture that frame stands
 * for: its own channels for the RGB family, grey replicated, and for YUV
 * the textbook BT.601/709 equations with the caps' matrix and range (see
 * gst_test_frame_rgb()). For YUV, the caps' colorimetry is varied too.
 */
#include <string.h>

#include <gst/vgg19/vgg19meta.h>

#include "gst_test_util.h"

/* RGB family and grey: the element hands the frame's own bytes to the
 * core's preprocessing, so the results are the core's bit for bit. */
#define EXACT_TOLERANCE 0.0
/* YUV: the element's conversion is the textbook one rounded to the
 * nearest level, the test's rounds the same value in double: they differ
 * only on ties within 3/65536 of a level, by one level. A one-level change
 * of a pixel moves the input by 1/255/0.225 = 0.017, conv1_1 by at most
 * that times the sum of a filter's 27 absolute weights (about 7 with these
 * weights), i.e. under 1% of the largest conv1_1 output, and deeper layers
 * proportionally; a wrong matrix, range or chroma position moves them by
 * tens of percent. */
#define YUV_RELATIVE_TOLERANCE 1e-2

#define CASE "img97x131_none"

static const char *layers[] = { "conv1_1", "pool5" };

typedef struct
{
  GstVideoFormat format;
  /* for YUV: a colorimetry to use instead of the default, or NULL */
  const char *colorimetry;
} FormatCase;

static const FormatCase formats[] = {
  {GST_VIDEO_FORMAT_RGB, NULL},
  {GST_VIDEO_FORMAT_BGR, NULL},
  {GST_VIDEO_FORMAT_RGBx, NULL},
  {GST_VIDEO_FORMAT_BGRx, NULL},
  {GST_VIDEO_FORMAT_xRGB, NULL},
  {GST_VIDEO_FORMAT_xBGR, NULL},
  {GST_VIDEO_FORMAT_RGBA, NULL},
  {GST_VIDEO_FORMAT_BGRA, NULL},
  {GST_VIDEO_FORMAT_ARGB, NULL},
  {GST_VIDEO_FORMAT_ABGR, NULL},
  {GST_VIDEO_FORMAT_GRAY8, NULL},
  {GST_VIDEO_FORMAT_I420, NULL},
  {GST_VIDEO_FORMAT_I420, "bt709"},
  {GST_VIDEO_FORMAT_I420, "1:4:0:0"},   /* BT.601, full range (JPEG) */
  {GST_VIDEO_FORMAT_I420, "1:3:5:1"},   /* BT.709, full range */
  {GST_VIDEO_FORMAT_YV12, NULL},
  {GST_VIDEO_FORMAT_NV12, NULL},
  {GST_VIDEO_FORMAT_NV12, "bt709"},
  {GST_VIDEO_FORMAT_NV21, NULL},
  {GST_VIDEO_FORMAT_Y42B, NULL},
  {GST_VIDEO_FORMAT_Y444, NULL},
  {GST_VIDEO_FORMAT_YUY2, NULL},
  {GST_VIDEO_FORMAT_UYVY, NULL},
  {GST_VIDEO_FORMAT_YVYU, NULL},
  {GST_VIDEO_FORMAT_AYUV, NULL},
};

GST_START_TEST (test_every_format_gives_the_core_results)
{
  const TestOracleCase *c = gst_test_case (CASE);
  GError *error = NULL;
  GstVideoInfo rgb_info;
  GstBuffer *rgb;
  Vgg19Model *model;
  Vgg19Session *session;
  GstHarness *h;
  GstCaps *template_caps;
  guint f, l, n_formats = 0;

  model = vgg19_model_load (gst_test_weights ("features_only"), &error);
  fail_unless (model != NULL, "%s", error ? error->message : "?");
  session = vgg19_session_new (model, 0, VGG19_PRECISION_FP32, &error);
  fail_unless (session != NULL, "%s", error ? error->message : "?");
  rgb = gst_test_case_rgb_buffer (c, &rgb_info);

  h = gst_test_harness_new (NULL, "weights",
      gst_test_weights ("features_only"), "mode", 1 /* features */ ,
      "layers", "conv1_1,pool5", "resize", VGG19_RESIZE_STRETCH, NULL);

  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    GstVideoInfo info;
    GstBuffer *frame, *out;
    GstCaps *caps;
    guint8 *content;
    gchar *what;
    gboolean yuv;

    fail_unless (gst_video_info_set_format (&info, formats[f].format,
            GST_VIDEO_INFO_WIDTH (&rgb_info),
            GST_VIDEO_INFO_HEIGHT (&rgb_info)));
    if (formats[f].colorimetry)
      fail_unless (gst_video_colorimetry_from_string (&info.colorimetry,
              formats[f].colorimetry));
    yuv = GST_VIDEO_INFO_IS_YUV (&info);
    what = g_strdup_printf ("%s %s",
        gst_video_format_to_string (formats[f].format),
        formats[f].colorimetry ? formats[f].colorimetry : "(default)");

    frame = gst_test_convert (rgb, &rgb_info, &info);
    content = gst_test_frame_rgb (frame, &info);

    caps = gst_video_info_to_caps (&info);
    gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, 25, 1, NULL);
    gst_harness_set_src_caps (h, caps);
    GST_BUFFER_PTS (frame) = f * GST_SECOND;
    fail_unless_equals_int (gst_harness_push (h, frame), GST_FLOW_OK);
    out = gst_harness_pull (h);
    fail_unless (out != NULL, "%s: no frame out", what);

    for (l = 0; l < G_N_ELEMENTS (layers); l++) {
      GstVgg19TensorMeta *t = gst_buffer_get_vgg19_tensor_meta (out,
          layers[l]);
      const gfloat *got;
      float *want;
      gsize n, n_got;
      double worst, scale;

      fail_unless (t != NULL, "%s: no %s tensor", what, layers[l]);
      want = gst_test_core_tap (session, content,
          GST_VIDEO_INFO_WIDTH (&info), GST_VIDEO_INFO_HEIGHT (&info),
          VGG19_RESIZE_STRETCH, layers[l], &n);
      got = gst_vgg19_tensor_meta_get_data (t, &n_got);
      fail_unless_equals_int (n_got, n);
      worst = gst_test_max_abs_diff (got, want, n);
      scale = gst_test_max_abs (want, n);
      GST_INFO ("%s %s: max |element - core| = %g of %g", what, layers[l],
          worst, scale);
      fail_unless (worst <= (yuv ? YUV_RELATIVE_TOLERANCE * scale :
              EXACT_TOLERANCE), "%s, %s: max |element - core| = %g, max "
          "|core| = %g", what, layers[l], worst, scale);
      g_free (want);
    }
    gst_buffer_unref (out);
    g_free (content);
    g_free (what);
    n_formats++;
  }

  /* every format of the element's caps was tried */
  template_caps = gst_static_caps_get (&(GstStaticCaps)
      GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("{ RGB, BGR, RGBx, BGRx, xRGB, "
              "xBGR, RGBA, BGRA, ARGB, ABGR, GRAY8, I420, YV12, NV12, NV21, "
              "Y42B, Y444, YUY2, UYVY, YVYU, AYUV }")));
  {
    GstPad *sinkpad = gst_element_get_static_pad (h->element, "sink");
    GstCaps *accepted = gst_pad_get_pad_template_caps (sinkpad);

    fail_unless (gst_caps_is_equal (accepted, template_caps),
        "the element accepts %" GST_PTR_FORMAT ", this test covers %"
        GST_PTR_FORMAT, accepted, template_caps);
    gst_caps_unref (accepted);
    gst_object_unref (sinkpad);
  }
  gst_caps_unref (template_caps);
  fail_unless_equals_int (n_formats, G_N_ELEMENTS (formats));

  gst_harness_teardown (h);
  gst_buffer_unref (rgb);
  vgg19_session_free (session);
  vgg19_model_unref (model);
}

GST_END_TEST;

/* Formats, sizes and resize modes the element cannot serve are refused
 * at negotiation, with an error that says why. */
GST_START_TEST (test_refuses_what_it_cannot_analyse)
{
  GstHarness *h;
  GstBus *bus;
  GstMessage *msg;
  GError *error = NULL;
  GstCaps *caps;

  h = gst_test_harness_new (&bus, "weights",
      gst_test_weights ("features_only"), "mode", 1 /* features */ ,
      "resize", VGG19_RESIZE_NONE, NULL);
  /* outside the caps */
  caps = gst_caps_from_string ("video/x-raw,format=RGB16,width=64,height=64,"
      "framerate=25/1");
  fail_unless (!gst_pad_peer_query_accept_caps (h->srcpad, caps));
  gst_caps_unref (caps);

  /* below the network's 32x32 at its own size */
  gst_harness_set_src_caps_str (h, "video/x-raw,format=RGB,width=20,"
      "height=20,framerate=25/1");
  msg = gst_test_pop_error (bus);
  fail_unless (msg != NULL, "no error for a 20x20 frame at resize=none");
  gst_message_parse_error (msg, &error, NULL);
  fail_unless (error->domain == GST_RESOURCE_ERROR
      && error->code == GST_RESOURCE_ERROR_SETTINGS, "%s", error->message);
  fail_unless (strstr (error->message, "20x20") != NULL, "%s", error->message);
  g_clear_error (&error);
  gst_message_unref (msg);

  gst_harness_teardown (h);
  gst_object_unref (bus);
}

GST_END_TEST;

static Suite *
formats_suite (void)
{
  Suite *s = suite_create ("vgg19 formats");
  TCase *tc = tcase_create ("formats");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_every_format_gives_the_core_results);
  tcase_add_test (tc, test_refuses_what_it_cannot_analyse);
  return s;
}

GST_CHECK_MAIN (formats);
