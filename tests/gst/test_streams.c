/* The vgg19 element on streams that are not one steady format: caps that
 * change mid-stream (size and format), frames of 1x1 and of odd sizes,
 * rows padded beyond the picture, frames without timestamps, interlaced
 * caps, 4K and 8K frames (memory stays bounded), several elements sharing
 * one model, and properties changed while playing.
 *
 * Results are checked against the core's for the picture each frame
 * stands for (gst_test_frame_rgb()): bit for bit for RGB-family and grey
 * frames, which the element hands to the core's preprocessing as they
 * are; within YUV_RELATIVE_TOLERANCE for YUV (see test_formats.c).
 */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gst/vgg19/vgg19meta.h>

#include "gst_test_util.h"

#define EXACT_TOLERANCE 0.0
/* as in test_formats.c: one-level differences on rounding ties of the
 * YUV conversion */
#define YUV_RELATIVE_TOLERANCE 1e-2

/* Waiting for a pipeline: long enough for a few analyses on a slow,
 * busy machine. */
#define WAIT_TIMEOUT (300 * GST_SECOND)

#define FEATURES 1              /* mode=features */
#define LOSS 2                  /* mode=loss */

/* ------------------------------------------------------------------ */
/* Frames and expected results                                          */
/* ------------------------------------------------------------------ */

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

/* @out carries @tap as the core computes it for the picture @frame
 * (described by @info) stands for, of shape C x @h x @w. */
static void
check_tap (Vgg19Session * session, GstBuffer * out, GstBuffer * frame,
    const GstVideoInfo * info, Vgg19Resize resize, const char *tap,
    guint h, guint w, const char *what)
{
  GstVgg19TensorMeta *t = gst_buffer_get_vgg19_tensor_meta (out, tap);
  guint8 *rgb = gst_test_frame_rgb (frame, info);
  const gfloat *got;
  float *want;
  gsize n, n_got;
  double worst, scale;

  fail_unless (t != NULL, "%s: no %s tensor", what, tap);
  fail_unless (t->height == h && t->width == w, "%s: %s is %ux%ux%u, "
      "expected %ux%u", what, tap, t->channels, t->height, t->width, h, w);
  want = gst_test_core_tap (session, rgb, GST_VIDEO_INFO_WIDTH (info),
      GST_VIDEO_INFO_HEIGHT (info), resize, tap, &n);
  got = gst_vgg19_tensor_meta_get_data (t, &n_got);
  fail_unless_equals_int (n_got, n);
  worst = gst_test_max_abs_diff (got, want, n);
  scale = gst_test_max_abs (want, n);
  fail_unless (worst <= (GST_VIDEO_INFO_IS_YUV (info) ?
          YUV_RELATIVE_TOLERANCE * scale : EXACT_TOLERANCE),
      "%s: max |element - core| = %g, max |core| = %g", what, worst, scale);
  g_free (want);
  g_free (rgb);
}

/* The error on @bus, which must be there; its message. */
static gchar *
pop_error_message (GstBus * bus, GQuark domain, gint code)
{
  GstMessage *msg = gst_test_pop_error (bus);
  GError *error = NULL;
  gchar *text;

  fail_unless (msg != NULL, "no error posted");
  gst_message_parse_error (msg, &error, NULL);
  fail_unless (error->domain == domain && error->code == code,
      "unexpected error: %s", error->message);
  text = g_strdup (error->message);
  g_error_free (error);
  gst_message_unref (msg);
  return text;
}

/* The warnings on @bus so far, as text, oldest first. */
static GList *
pop_warnings (GstBus * bus)
{
  GList *warnings = NULL;
  GstMessage *msg;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING))) {
    GError *w = NULL;

    gst_message_parse_warning (msg, &w, NULL);
    warnings = g_list_append (warnings, g_strdup (w->message));
    g_error_free (w);
    gst_message_unref (msg);
  }
  return warnings;
}

/* ------------------------------------------------------------------ */
/* Caps that change mid-stream                                          */
/* ------------------------------------------------------------------ */

typedef struct
{
  GstVideoFormat format;
  guint width;
  guint height;
} Shape;

static const Shape shapes[] = {
  {GST_VIDEO_FORMAT_RGB, 64, 48},
  {GST_VIDEO_FORMAT_I420, 97, 131},     /* odd sizes, subsampled chroma */
  {GST_VIDEO_FORMAT_BGRx, 40, 36},
  {GST_VIDEO_FORMAT_GRAY8, 33, 65},
  {GST_VIDEO_FORMAT_YUY2, 51, 32},
  {GST_VIDEO_FORMAT_RGB, 64, 48},       /* back to the first */
};

/* Sizes and formats change between frames; each frame is analysed for
 * its own caps, whether it is pulled before the next caps arrive or
 * waits in the element's queue with frames of other caps before and
 * after it. */
GST_START_TEST (test_renegotiation)
{
  Vgg19Model *model;
  Vgg19Session *session = core_session (&model);
  guint queued, resize;

  for (resize = VGG19_RESIZE_STRETCH; resize <= VGG19_RESIZE_NONE;
      resize += VGG19_RESIZE_NONE - VGG19_RESIZE_STRETCH) {
    for (queued = 0; queued < 2; queued++) {
      GstHarness *h = gst_test_harness_new (NULL, "weights",
          gst_test_weights ("features_only"), "mode", FEATURES,
          "layers", "conv1_1", "resize", resize, NULL);
      GstBuffer *frames[G_N_ELEMENTS (shapes) * 2];
      GstVideoInfo infos[G_N_ELEMENTS (shapes) * 2];
      guint i, n = 0;

      for (i = 0; i < G_N_ELEMENTS (shapes); i++) {
        guint j;

        for (j = 0; j < 2; j++, n++) {
          frames[n] = gst_test_make_frame (shapes[i].format, shapes[i].width,
              shapes[i].height, 10 * i + j, &infos[n]);
          if (j == 0)
            gst_test_set_caps (h, &infos[n]);
          GST_BUFFER_PTS (frames[n]) = n * GST_SECOND / 25;
          GST_BUFFER_DURATION (frames[n]) = GST_SECOND / 25;
          fail_unless_equals_int (gst_harness_push (h,
                  gst_buffer_ref (frames[n])), GST_FLOW_OK);
          if (!queued) {
            GstBuffer *out = gst_harness_pull (h);
            gchar *what = g_strdup_printf ("frame %u, %s %ux%u", n,
                gst_video_format_to_string (shapes[i].format),
                shapes[i].width, shapes[i].height);

            fail_unless (out != NULL);
            check_tap (session, out, frames[n], &infos[n], resize,
                "conv1_1", resize == VGG19_RESIZE_NONE ? shapes[i].height :
                224, resize == VGG19_RESIZE_NONE ? shapes[i].width : 224, what);
            gst_buffer_unref (out);
            g_free (what);
          }
        }
      }
      for (i = 0; queued && i < n; i++) {
        GstBuffer *out = gst_harness_pull (h);
        const Shape *s = &shapes[i / 2];
        gchar *what = g_strdup_printf ("queued frame %u, %s %ux%u", i,
            gst_video_format_to_string (s->format), s->width, s->height);

        fail_unless (out != NULL);
        fail_unless_equals_uint64 (GST_BUFFER_PTS (out), i * GST_SECOND / 25);
        check_tap (session, out, frames[i], &infos[i], resize, "conv1_1",
            resize == VGG19_RESIZE_NONE ? s->height : 224,
            resize == VGG19_RESIZE_NONE ? s->width : 224, what);
        gst_buffer_unref (out);
        g_free (what);
      }
      for (i = 0; i < n; i++)
        gst_buffer_unref (frames[i]);
      gst_harness_teardown (h);
    }
  }
  vgg19_session_free (session);
  vgg19_model_unref (model);
}

GST_END_TEST;

/* New caps the element cannot serve (below 32x32 at resize=none) are an
 * error that names the size; frames then are refused as not negotiated,
 * and caps it can serve make it work again. */
GST_START_TEST (test_renegotiation_to_unusable_size)
{
  GstBus *bus;
  GstHarness *h = gst_test_harness_new (&bus, "weights",
      gst_test_weights ("features_only"), "mode", FEATURES, "layers",
      "conv1_1", "resize", VGG19_RESIZE_NONE, NULL);
  GstVideoInfo info;
  GstBuffer *frame, *out;
  GstMessage *msg;
  gchar *text;

  frame = gst_test_make_frame (GST_VIDEO_FORMAT_RGB, 64, 48, 1, &info);
  gst_test_set_caps (h, &info);
  fail_unless_equals_int (gst_harness_push (h, frame), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (gst_buffer_get_vgg19_tensor_meta (out, "conv1_1") != NULL);
  gst_buffer_unref (out);

  frame = gst_test_make_frame (GST_VIDEO_FORMAT_RGB, 16, 16, 2, &info);
  gst_test_set_caps (h, &info);
  text = pop_error_message (bus, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_SETTINGS);
  fail_unless (strstr (text, "16x16") != NULL, "%s", text);
  g_free (text);
  /* the caps are tried again with the frame, and the frame refused:
   * errors, each about these caps */
  fail_unless_equals_int (gst_harness_push (h, frame), GST_FLOW_NOT_NEGOTIATED);
  while ((msg = gst_test_pop_error (bus))) {
    GError *error = NULL;

    gst_message_parse_error (msg, &error, NULL);
    fail_unless (strstr (error->message, "16x16")
        || error->code == GST_CORE_ERROR_NEGOTIATION, "%s", error->message);
    g_error_free (error);
    gst_message_unref (msg);
  }

  frame = gst_test_make_frame (GST_VIDEO_FORMAT_RGB, 40, 40, 3, &info);
  gst_test_set_caps (h, &info);
  fail_unless_equals_int (gst_harness_push (h, frame), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (gst_buffer_get_vgg19_tensor_meta (out, "conv1_1") != NULL);
  fail_unless_equals_int (gst_buffer_get_vgg19_tensor_meta (out,
          "conv1_1")->width, 40);
  gst_buffer_unref (out);
  fail_unless (gst_test_pop_error (bus) == NULL);

  gst_harness_teardown (h);
  gst_test_bus_free (bus);
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* Small, odd and padded frames                                         */
/* ------------------------------------------------------------------ */

/* 1x1 and 1xN frames: resized (stretch, crop) they are analysed like any
 * picture; at their own size (resize=none, below the network's 32x32) the
 * caps are refused with an error naming the size, and no frame goes
 * through. */
GST_START_TEST (test_tiny_frames)
{
  static const Shape tiny[] = {
    {GST_VIDEO_FORMAT_RGB, 1, 1},
    {GST_VIDEO_FORMAT_I420, 1, 1},
    {GST_VIDEO_FORMAT_GRAY8, 1, 301},
    {GST_VIDEO_FORMAT_BGRA, 2, 1},
  };
  Vgg19Model *model;
  Vgg19Session *session = core_session (&model);
  guint i, r;

  for (i = 0; i < G_N_ELEMENTS (tiny); i++) {
    for (r = VGG19_RESIZE_STRETCH; r <= VGG19_RESIZE_NONE; r++) {
      GstBus *bus;
      GstHarness *h = gst_test_harness_new (&bus, "weights",
          gst_test_weights ("features_only"), "mode", FEATURES, "layers",
          "conv1_1", "resize", r, NULL);
      GstVideoInfo info;
      GstBuffer *frame = gst_test_make_frame (tiny[i].format, tiny[i].width,
          tiny[i].height, i, &info);
      gchar *what = g_strdup_printf ("%s %ux%u resize %s",
          gst_video_format_to_string (tiny[i].format), tiny[i].width,
          tiny[i].height, vgg19_resize_to_string (r));

      gst_test_set_caps (h, &info);
      if (r == VGG19_RESIZE_NONE) {
        gchar *size = g_strdup_printf ("%ux%u", tiny[i].width,
            tiny[i].height);
        gchar *text = pop_error_message (bus, GST_RESOURCE_ERROR,
            GST_RESOURCE_ERROR_SETTINGS);

        fail_unless (strstr (text, size) && strstr (text, "32"), "%s: %s",
            what, text);
        fail_unless_equals_int (gst_harness_push (h, frame),
            GST_FLOW_NOT_NEGOTIATED);
        fail_unless (gst_harness_try_pull (h) == NULL, "%s: a frame came "
            "out", what);
        g_free (size);
        g_free (text);
      } else {
        GstBuffer *out;

        fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (frame)),
            GST_FLOW_OK);
        out = gst_harness_pull (h);
        check_tap (session, out, frame, &info, r, "conv1_1", 224, 224, what);
        fail_unless (gst_test_pop_error (bus) == NULL, "%s", what);
        gst_buffer_unref (out);
        gst_buffer_unref (frame);
      }
      g_free (what);
      gst_harness_teardown (h);
      gst_test_bus_free (bus);
    }
  }
  vgg19_session_free (session);
  vgg19_model_unref (model);
}

GST_END_TEST;

/* @frame (tightly packed, described by @info) copied into a buffer whose
 * rows are @padding bytes longer and whose planes start @gap bytes
 * apart, the padding filled with garbage, described by a GstVideoMeta as
 * a decoder or a camera would. */
static GstBuffer *
padded_copy (GstBuffer * frame, const GstVideoInfo * info, guint padding,
    guint gap)
{
  gsize offset[GST_VIDEO_MAX_PLANES];
  gint stride[GST_VIDEO_MAX_PLANES];
  GstBuffer *out;
  GstMapInfo map, in;
  gsize size = gap;
  guint p;

  /* every plane as tall as the picture: enough for all */
  for (p = 0; p < GST_VIDEO_INFO_N_PLANES (info); p++) {
    stride[p] = GST_VIDEO_INFO_PLANE_STRIDE (info, p) + padding;
    offset[p] = size;
    size += (gsize) stride[p] * GST_VIDEO_INFO_HEIGHT (info) + gap;
  }
  out = gst_buffer_new_allocate (NULL, size, NULL);
  fail_unless (gst_buffer_map (out, &map, GST_MAP_WRITE));
  memset (map.data, 0xA5, size);

  /* row by row, whole rows: gst_video_frame_copy() leaves out the last
   * chroma sample of an odd-width packed 4:2:2 row */
  fail_unless (gst_buffer_map (frame, &in, GST_MAP_READ));
  for (p = 0; p < GST_VIDEO_INFO_N_PLANES (info); p++) {
    gsize start = GST_VIDEO_INFO_PLANE_OFFSET (info, p);
    gsize end = p + 1 < GST_VIDEO_INFO_N_PLANES (info) ?
        GST_VIDEO_INFO_PLANE_OFFSET (info, p + 1) : info->size;
    gsize tight = GST_VIDEO_INFO_PLANE_STRIDE (info, p);
    gsize r;

    for (r = 0; r < (end - start) / tight; r++)
      memcpy (map.data + offset[p] + r * stride[p], in.data + start +
          r * tight, tight);
  }
  gst_buffer_unmap (frame, &in);
  gst_buffer_unmap (out, &map);
  gst_buffer_add_video_meta_full (out, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_INFO_FORMAT (info), GST_VIDEO_INFO_WIDTH (info),
      GST_VIDEO_INFO_HEIGHT (info), GST_VIDEO_INFO_N_PLANES (info), offset,
      stride);
  return out;
}

/* Odd widths and heights, and rows padded beyond the picture (a stride
 * larger than the row, planes apart): the padding is never read, the
 * results are those of the same picture tightly packed, bit for bit. */
GST_START_TEST (test_odd_sizes_and_padded_strides)
{
  static const Shape odd[] = {
    {GST_VIDEO_FORMAT_RGB, 33, 35},
    {GST_VIDEO_FORMAT_BGRx, 37, 33},
    {GST_VIDEO_FORMAT_GRAY8, 41, 39},
    {GST_VIDEO_FORMAT_I420, 97, 131},
    {GST_VIDEO_FORMAT_NV12, 35, 37},
    {GST_VIDEO_FORMAT_YUY2, 33, 35},
  };
  guint i, r;

  for (r = VGG19_RESIZE_STRETCH; r <= VGG19_RESIZE_NONE; r++) {
    GstHarness *h = gst_test_harness_new (NULL, "weights",
        gst_test_weights ("features_only"), "mode", FEATURES, "layers",
        "conv1_1,pool2", "resize", r, NULL);

    for (i = 0; i < G_N_ELEMENTS (odd); i++) {
      GstVideoInfo info;
      GstBuffer *tight = gst_test_make_frame (odd[i].format, odd[i].width,
          odd[i].height, 100 + i, &info);
      GstBuffer *padded = padded_copy (tight, &info, 13, 64);
      GstBuffer *a, *b;
      const char *taps[] = { "conv1_1", "pool2" };
      guint t;

      gst_test_set_caps (h, &info);
      fail_unless_equals_int (gst_harness_push (h, tight), GST_FLOW_OK);
      fail_unless_equals_int (gst_harness_push (h, padded), GST_FLOW_OK);
      a = gst_harness_pull (h);
      b = gst_harness_pull (h);
      for (t = 0; t < G_N_ELEMENTS (taps); t++) {
        GstVgg19TensorMeta *ta = gst_buffer_get_vgg19_tensor_meta (a, taps[t]);
        GstVgg19TensorMeta *tb = gst_buffer_get_vgg19_tensor_meta (b, taps[t]);
        gsize na, nb;
        const gfloat *da, *db;

        fail_unless (ta != NULL && tb != NULL);
        da = gst_vgg19_tensor_meta_get_data (ta, &na);
        db = gst_vgg19_tensor_meta_get_data (tb, &nb);
        fail_unless_equals_int (na, nb);
        fail_unless (memcmp (da, db, na * sizeof (gfloat)) == 0,
            "%s %ux%u resize %s: %s differs with padded rows",
            gst_video_format_to_string (odd[i].format), odd[i].width,
            odd[i].height, vgg19_resize_to_string (r), taps[t]);
      }
      gst_buffer_unref (a);
      gst_buffer_unref (b);
    }
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* Timestamps and interlacing                                           */
/* ------------------------------------------------------------------ */

/* Frames without any timestamp or duration are analysed like the others,
 * in order; their messages say the times are unknown. */
GST_START_TEST (test_no_timestamps)
{
  GstBus *bus;
  GstHarness *h = gst_test_harness_new (&bus, "weights",
      gst_test_weights ("features_only"), "mode", FEATURES, "layers",
      "conv1_1", "resize", VGG19_RESIZE_NONE, NULL);
  GstVideoInfo info;
  GList *results, *l;
  guint i;

  for (i = 0; i < 4; i++) {
    GstBuffer *frame =
        gst_test_make_frame (GST_VIDEO_FORMAT_RGB, 40, 32, i, &info);

    if (i == 0)
      gst_test_set_caps (h, &info);
    GST_BUFFER_PTS (frame) = GST_BUFFER_DTS (frame) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION (frame) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_OFFSET (frame) = i;
    fail_unless_equals_int (gst_harness_push (h, frame), GST_FLOW_OK);
  }
  for (i = 0; i < 4; i++) {
    GstBuffer *out = gst_harness_pull (h);

    fail_unless_equals_uint64 (GST_BUFFER_OFFSET (out), i);
    fail_unless (!GST_BUFFER_PTS_IS_VALID (out));
    fail_unless (gst_buffer_get_vgg19_tensor_meta (out, "conv1_1") != NULL);
    gst_buffer_unref (out);
  }
  results = gst_test_pop_results (bus);
  fail_unless_equals_int (g_list_length (results), 4);
  for (l = results, i = 0; l; l = l->next, i++) {
    const GstStructure *s = gst_message_get_structure (l->data);
    const char *fields[] = { "timestamp", "stream-time", "running-time",
      "duration"
    };
    guint64 v;
    guint f;

    fail_unless (gst_structure_get_uint64 (s, "frame", &v));
    fail_unless_equals_uint64 (v, i);
    for (f = 0; f < G_N_ELEMENTS (fields); f++) {
      fail_unless (gst_structure_get_uint64 (s, fields[f], &v));
      fail_unless (v == GST_CLOCK_TIME_NONE, "%s is %" G_GUINT64_FORMAT,
          fields[f], v);
    }
  }
  g_list_free_full (results, (GDestroyNotify) gst_message_unref);
  fail_unless (gst_test_pop_error (bus) == NULL);
  gst_harness_teardown (h);
  gst_test_bus_free (bus);
}

GST_END_TEST;

/* Interlaced caps with both fields in one buffer (interleaved, and mixed
 * with interlaced buffers flagged) are accepted and analysed as the whole
 * woven frame: the same results as the same bytes progressive for RGB
 * (YUV 4:2:0 takes each pixel's chroma from its own field, see
 * test_frame_convert.c). One field per buffer (interlace-mode=alternate,
 * caps feature format:Interlaced) is refused at negotiation: upstream
 * must weave or deinterlace. */
GST_START_TEST (test_interlaced)
{
  static const char *modes[] = { "interleaved", "mixed" };
  GstHarness *h = gst_test_harness_new (NULL, "weights",
      gst_test_weights ("features_only"), "mode", FEATURES, "layers",
      "conv1_1", "resize", VGG19_RESIZE_NONE, NULL);
  GstVideoInfo info;
  GstBuffer *frame =
      gst_test_make_frame (GST_VIDEO_FORMAT_RGB, 48, 40, 7, &info);
  GstBuffer *progressive;
  GstVgg19TensorMeta *want;
  gsize n;
  GstCaps *caps;
  guint m;

  gst_test_set_caps (h, &info);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (frame)),
      GST_FLOW_OK);
  progressive = gst_harness_pull (h);
  want = gst_buffer_get_vgg19_tensor_meta (progressive, "conv1_1");
  fail_unless (want != NULL);

  for (m = 0; m < G_N_ELEMENTS (modes); m++) {
    GstBuffer *copy = gst_buffer_copy (frame), *out;
    GstVgg19TensorMeta *got;

    caps = gst_caps_from_string ("video/x-raw,format=RGB,width=48,height=40,"
        "framerate=25/1,field-order=top-field-first");
    gst_caps_set_simple (caps, "interlace-mode", G_TYPE_STRING, modes[m], NULL);
    fail_unless (gst_pad_peer_query_accept_caps (h->srcpad, caps),
        "interlace-mode=%s refused", modes[m]);
    gst_harness_set_src_caps (h, caps);
    GST_BUFFER_FLAG_SET (copy, GST_VIDEO_BUFFER_FLAG_INTERLACED |
        GST_VIDEO_BUFFER_FLAG_TFF);
    fail_unless_equals_int (gst_harness_push (h, copy), GST_FLOW_OK);
    out = gst_harness_pull (h);
    got = gst_buffer_get_vgg19_tensor_meta (out, "conv1_1");
    fail_unless (got != NULL, "%s: no results", modes[m]);
    gst_vgg19_tensor_meta_get_data (want, &n);
    fail_unless (memcmp (gst_vgg19_tensor_meta_get_data (got, NULL),
            gst_vgg19_tensor_meta_get_data (want, NULL),
            n * sizeof (gfloat)) == 0, "%s: results differ", modes[m]);
    gst_buffer_unref (out);
  }

  caps = gst_caps_from_string ("video/x-raw(format:Interlaced),format=RGB,"
      "width=48,height=40,framerate=25/1,interlace-mode=alternate");
  fail_if (gst_pad_peer_query_accept_caps (h->srcpad, caps),
      "one field per buffer accepted");
  gst_caps_unref (caps);

  gst_buffer_unref (progressive);
  gst_buffer_unref (frame);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* Memory                                                               */
/* ------------------------------------------------------------------ */

/* The process's resident and peak resident memory, in bytes, from
 * /proc/self/status. */
static void
memory_usage (guint64 * rss, guint64 * peak)
{
  gchar *status = NULL, *line;

  fail_unless (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "VmRSS:");
  fail_unless (line != NULL);
  *rss = g_ascii_strtoull (line + 6, NULL, 10) * 1024;
  line = strstr (status, "VmHWM:");
  fail_unless (line != NULL);
  *peak = g_ascii_strtoull (line + 6, NULL, 10) * 1024;
  g_free (status);
}

/* Starts a new peak from the present resident size (Linux 4.0 on). */
static void
reset_peak (void)
{
  FILE *f = fopen ("/proc/self/clear_refs", "w");

  fail_unless (f != NULL);
  fail_unless (fputs ("5", f) >= 0);
  fail_unless (fclose (f) == 0);
}

/* Frames that are views of one block of pixels, so that making them
 * costs neither time nor memory, each counted while it is alive: how many
 * the element holds at once. */
typedef struct
{
  gint alive;
  gint max_alive;
} FrameCount;

static void
frame_released (gpointer data)
{
  FrameCount *count = data;

  g_atomic_int_add (&count->alive, -1);
}

static GstBuffer *
counted_frame (guint8 * pixels, gsize size, FrameCount * count, guint i)
{
  GstBuffer *buf = gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY,
      pixels, size, 0, size, count, frame_released);
  gint alive = g_atomic_int_add (&count->alive, 1) + 1;

  /* frames are made in one thread: the most alive is when one is made */
  count->max_alive = MAX (count->max_alive, alive);
  GST_BUFFER_PTS (buf) = i * GST_SECOND / 30;
  GST_BUFFER_DURATION (buf) = GST_SECOND / 30;
  return buf;
}

/* How many frames the element may hold: its queue takes frames while
 * they are below 256 MiB (two at least, however large); and one may be
 * on its way out, one on its way in. */
#define QUEUE_BYTES (256u << 20)
#define MAX_HELD_FRAMES(size) (MAX (2, QUEUE_BYTES / (size) + 1) + 2)
/* How much the process may grow besides, after the first frame of the
 * size set up what the analysis needs: allocator slack */
#define SLACK_BYTES (64u << 20)

/* 4K and 8K frames, resized for the network, from a source faster than
 * the analysis: the frames not analysed wait in the element behind the
 * one that is, up to a bound, and upstream then waits; the memory of the
 * process does not grow with the stream. */
GST_START_TEST (test_huge_frames_memory_bounded)
{
  static const struct
  {
    GstVideoFormat format;
    guint width, height;
    Vgg19Resize resize;
  } cases[] = {
    {GST_VIDEO_FORMAT_NV12, 3840, 2160, VGG19_RESIZE_CROP},
    {GST_VIDEO_FORMAT_I420, 7680, 4320, VGG19_RESIZE_STRETCH},
    {GST_VIDEO_FORMAT_BGRx, 7680, 4320, VGG19_RESIZE_STRETCH},
  };
  /* frames pushed behind the one analysed, more than the element keeps
   * of any of these sizes */
  const guint n_frames = 40;
  guint c, i;

  for (c = 0; c < G_N_ELEMENTS (cases); c++) {
    GstHarness *h = gst_test_harness_new (NULL, "weights",
        gst_test_weights ("features_only"), "mode", FEATURES, "layers",
        "conv1_1", "resize", cases[c].resize, NULL);
    FrameCount count = { 0, 0 };
    GstVideoInfo info;
    GstBuffer *out;
    guint8 *pixels;
    guint64 rss, peak, base, processed;
    guint n_out = 0, max_held;

    fail_unless (gst_video_info_set_format (&info, cases[c].format,
            cases[c].width, cases[c].height));
    pixels = g_malloc (info.size);
    memset (pixels, 100, info.size);
    max_held = MAX_HELD_FRAMES (info.size);
    fail_unless (max_held < n_frames);
    gst_test_set_caps (h, &info);
    /* the first analysis sets up what the size needs */
    fail_unless_equals_int (gst_harness_push (h, counted_frame (pixels,
                info.size, &count, 0)), GST_FLOW_OK);
    gst_buffer_unref (gst_harness_pull (h));
    memory_usage (&base, &peak);
    reset_peak ();

    /* one frame analysed, then many that are not, as fast as they come */
    fail_unless_equals_int (gst_harness_push (h, counted_frame (pixels,
                info.size, &count, 1)), GST_FLOW_OK);
    g_object_set (h->element, "interval", 1000, NULL);
    for (i = 2; i < 2 + n_frames; i++) {
      fail_unless_equals_int (gst_harness_push (h, counted_frame (pixels,
                  info.size, &count, i)), GST_FLOW_OK);
      while ((out = gst_harness_try_pull (h))) {
        n_out++;
        gst_buffer_unref (out);
      }
    }
    while (n_out < 1 + n_frames) {
      gst_buffer_unref (gst_harness_pull (h));
      n_out++;
    }
    memory_usage (&rss, &peak);
    g_object_get (h->element, "frames-processed", &processed, NULL);
    GST_INFO ("%s %ux%u (%" G_GSIZE_FORMAT " MiB a frame): at most %d "
        "frames held (bound %u); resident %" G_GUINT64_FORMAT " MiB after "
        "the first frame, peak %" G_GUINT64_FORMAT " MiB",
        gst_video_format_to_string (cases[c].format), cases[c].width,
        cases[c].height, info.size >> 20, count.max_alive, max_held,
        base >> 20, peak >> 20);
    fail_unless ((guint) count.max_alive <= max_held, "%s %ux%u: %d frames "
        "held at once, bound %u", gst_video_format_to_string
        (cases[c].format), cases[c].width, cases[c].height, count.max_alive,
        max_held);
    fail_unless (peak <= base + SLACK_BYTES, "%s %ux%u: peak resident %"
        G_GUINT64_FORMAT " MiB, %" G_GUINT64_FORMAT " MiB above the %"
        G_GUINT64_FORMAT " MiB after the first frame",
        gst_video_format_to_string (cases[c].format), cases[c].width,
        cases[c].height, peak >> 20, (peak - base) >> 20, base >> 20);
    fail_unless_equals_uint64 (processed, 2);
    gst_harness_teardown (h);
    fail_unless_equals_int (g_atomic_int_get (&count.alive), 0);
    g_free (pixels);
  }
}

GST_END_TEST;

/* Beyond the network's largest input (4096 x 4096 pixels) at the frame's
 * own size, 8K is refused at negotiation with an error that says so. */
GST_START_TEST (test_8k_at_native_size_refused)
{
  GstBus *bus;
  GstHarness *h = gst_test_harness_new (&bus, "weights",
      gst_test_weights ("features_only"), "mode", FEATURES, "layers",
      "conv1_1", "resize", VGG19_RESIZE_NONE, NULL);
  GstVideoInfo info;
  gchar *text;

  fail_unless (gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420,
          7680, 4320));
  gst_test_set_caps (h, &info);
  text = pop_error_message (bus, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_SETTINGS);
  fail_unless (strstr (text, "7680") != NULL, "%s", text);
  g_free (text);
  fail_unless_equals_int (gst_harness_push (h,
          gst_buffer_new_allocate (NULL, info.size, NULL)),
      GST_FLOW_NOT_NEGOTIATED);
  gst_harness_teardown (h);
  gst_test_bus_free (bus);
}

GST_END_TEST;

/* Several elements of one process with the same weight file load it once:
 * three analysing at the same time grow the process by about one model,
 * not three, and compute the same results. */
GST_START_TEST (test_elements_share_one_model)
{
  const char *weights = gst_test_weights ("legacy_v1");
  GstElement *pipeline, *sinks[3];
  GstMessage *msg;
  GError *error = NULL;
  GStatBuf st;
  guint64 rss0, rss, peak;
  GstSample *samples[3];
  gchar *description;
  guint i;

  fail_unless (g_stat (weights, &st) == 0);
  description = g_strdup_printf ("videotestsrc num-buffers=3 ! "
      "video/x-raw,format=RGB,width=64,height=48 ! tee name=t "
      "t. ! queue ! vgg19 weights=\"%s\" mode=features layers=pool5 "
      "resize=none ! appsink name=s0 sync=false "
      "t. ! queue ! vgg19 weights=\"%s\" mode=features layers=pool5 "
      "resize=none ! appsink name=s1 sync=false "
      "t. ! queue ! vgg19 weights=\"%s\" mode=features layers=pool5 "
      "resize=none ! appsink name=s2 sync=false", weights, weights, weights);
  pipeline = gst_parse_launch (description, &error);
  fail_unless (pipeline != NULL, "%s", error ? error->message : "?");
  g_free (description);

  memory_usage (&rss0, &peak);
  reset_peak ();
  fail_if (gst_element_set_state (pipeline, GST_STATE_PAUSED) ==
      GST_STATE_CHANGE_FAILURE);
  for (i = 0; i < 3; i++) {
    gchar *name = g_strdup_printf ("s%u", i);

    sinks[i] = gst_bin_get_by_name (GST_BIN (pipeline), name);
    g_free (name);
  }
  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  for (i = 0; i < 3; i++) {
    g_signal_emit_by_name (sinks[i], "pull-sample", &samples[i]);
    fail_unless (samples[i] != NULL, "no frame out of element %u", i);
  }
  memory_usage (&rss, &peak);
  /* the rest of the frames, to the end */
  for (i = 0; i < 3; i++) {
    GstSample *sample;

    while (TRUE) {
      g_signal_emit_by_name (sinks[i], "pull-sample", &sample);
      if (!sample)
        break;
      gst_sample_unref (sample);
    }
  }
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline), WAIT_TIMEOUT,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS,
      "%" GST_PTR_FORMAT, msg);
  gst_message_unref (msg);

  GST_INFO ("weights %" G_GUINT64_FORMAT " MiB; resident %" G_GUINT64_FORMAT
      " MiB before, peak %" G_GUINT64_FORMAT " MiB with three elements",
      (guint64) st.st_size >> 20, rss0 >> 20, peak >> 20);
  /* one model (the file's size, less the pickle's overhead) and three
   * small sessions: well under two; three models would be three */
  fail_unless (peak - rss0 < 2 * (guint64) st.st_size, "three elements "
      "grew the process by %" G_GUINT64_FORMAT " MiB, the weights are %"
      G_GUINT64_FORMAT " MiB", (peak - rss0) >> 20, (guint64) st.st_size >> 20);

  for (i = 1; i < 3; i++) {
    GstBuffer *a = gst_sample_get_buffer (samples[0]);
    GstBuffer *b = gst_sample_get_buffer (samples[i]);
    GstVgg19TensorMeta *ta = gst_buffer_get_vgg19_tensor_meta (a, "pool5");
    GstVgg19TensorMeta *tb = gst_buffer_get_vgg19_tensor_meta (b, "pool5");
    gsize n;

    fail_unless (ta != NULL && tb != NULL);
    gst_vgg19_tensor_meta_get_data (ta, &n);
    fail_unless (memcmp (gst_vgg19_tensor_meta_get_data (ta, NULL),
            gst_vgg19_tensor_meta_get_data (tb, NULL),
            n * sizeof (gfloat)) == 0, "element %u computed otherwise", i);
  }
  for (i = 0; i < 3; i++) {
    gst_sample_unref (samples[i]);
    gst_object_unref (sinks[i]);
  }
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* ------------------------------------------------------------------ */
/* Properties changed while playing                                     */
/* ------------------------------------------------------------------ */

/* Pushes a frame of @info and returns it as it comes out. */
static GstBuffer *
analyse (GstHarness * h, const GstVideoInfo * info, guint i)
{
  GstBuffer *frame = gst_test_make_frame (GST_VIDEO_INFO_FORMAT (info),
      GST_VIDEO_INFO_WIDTH (info), GST_VIDEO_INFO_HEIGHT (info), i,
      (GstVideoInfo *) info);
  GstBuffer *out;

  GST_BUFFER_PTS (frame) = i * GST_SECOND / 25;
  fail_unless_equals_int (gst_harness_push (h, frame), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out != NULL);
  return out;
}

static const gchar *
warnings_mention (GList * warnings, const gchar * text)
{
  GList *l;

  for (l = warnings; l; l = l->next)
    if (strstr (l->data, text))
      return l->data;
  return NULL;
}

/* Each property that can change while playing applies from the next
 * frame; settings that cannot be served are refused with a warning and
 * the previous plan stays (frames keep their results); the properties
 * the model is loaded with are refused with a warning and keep their
 * value. */
GST_START_TEST (test_property_changes_while_playing)
{
  const TestOracle *oracle = gst_test_oracle ();
  const char *weights = gst_test_weights ("features_only");
  gchar *missing = g_build_filename (g_get_tmp_dir (),
      "vgg19-gst-test-no-such-reference.png", NULL);
  GstBus *bus;
  GstHarness *h = gst_test_harness_new (&bus, "weights", weights,
      "mode", FEATURES, "layers", "conv1_1", "resize", VGG19_RESIZE_NONE,
      NULL);
  GstVgg19LossMeta *loss;
  GstVgg19TensorMeta *t;
  GstVideoInfo info;
  GstBuffer *out;
  GList *warnings, *results;
  const gchar *ref_a = gst_test_case ("img224_stretch")->image;
  const gchar *ref_b = gst_test_case ("img50x40_stretch")->image;
  gdouble loss_a;
  gchar *value;
  guint i = 0, k;
  struct
  {
    const gchar *name;
    const gchar *value;
  } fixed[] = {
    {"weights", gst_test_weights ("legacy_v1")},
    {"labels", oracle->labels},
    {"threads", "1"},
    {"precision", "bf16"},
  };

  fail_unless (gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 64, 48));
  gst_test_set_caps (h, &info);
  out = analyse (h, &info, i++);
  t = gst_buffer_get_vgg19_tensor_meta (out, "conv1_1");
  fail_unless (t != NULL && t->width == 64);
  gst_buffer_unref (out);

  /* layers */
  g_object_set (h->element, "layers", "conv1_1,pool2", NULL);
  out = analyse (h, &info, i++);
  fail_unless (gst_buffer_get_vgg19_tensor_meta (out, "pool2") != NULL);
  fail_unless (gst_buffer_get_vgg19_tensor_meta (out, "conv1_1") != NULL);
  gst_buffer_unref (out);

  /* resize */
  g_object_set (h->element, "resize", VGG19_RESIZE_STRETCH, NULL);
  out = analyse (h, &info, i++);
  t = gst_buffer_get_vgg19_tensor_meta (out, "conv1_1");
  fail_unless (t != NULL && t->width == 224 && t->height == 224);
  gst_buffer_unref (out);

  /* mode and reference */
  g_object_set (h->element, "mode", LOSS, "reference", ref_a, "layers",
      "conv1_1", NULL);
  out = analyse (h, &info, i++);
  loss = gst_buffer_get_vgg19_loss_meta (out);
  fail_unless (loss != NULL, "mode=loss not applied");
  fail_unless (gst_buffer_get_vgg19_tensor_meta (out, "conv1_1") == NULL);
  fail_unless_equals_string (loss->criterion, "mse");
  loss_a = loss->total;
  fail_unless (loss_a > 0);
  gst_buffer_unref (out);

  /* the same frame against another reference, then with another loss */
  g_object_set (h->element, "reference", ref_b, NULL);
  out = analyse (h, &info, i - 1);
  loss = gst_buffer_get_vgg19_loss_meta (out);
  fail_unless (loss != NULL && loss->total != loss_a,
      "the new reference was not applied");
  gst_buffer_unref (out);
  g_object_set (h->element, "loss", VGG19_LOSS_L1, NULL);
  out = analyse (h, &info, i - 1);
  loss = gst_buffer_get_vgg19_loss_meta (out);
  fail_unless (loss != NULL);
  fail_unless_equals_string (loss->criterion, "l1");
  gst_buffer_unref (out);
  g_object_set (h->element, "mode", FEATURES, NULL);

  /* interval: counted on the frame index (now i, odd or even) */
  g_object_set (h->element, "interval", 2, NULL);
  for (k = 0; k < 4; k++, i++) {
    out = analyse (h, &info, i);
    fail_unless ((gst_buffer_get_vgg19_tensor_meta (out, "conv1_1") != NULL)
        == (i % 2 == 0), "interval=2, frame %u", i);
    gst_buffer_unref (out);
  }
  g_object_set (h->element, "interval", 1, NULL);

  /* post-messages */
  g_list_free_full (gst_test_pop_results (bus),
      (GDestroyNotify) gst_message_unref);
  g_object_set (h->element, "post-messages", FALSE, NULL);
  gst_buffer_unref (analyse (h, &info, i++));
  fail_unless (gst_test_pop_results (bus) == NULL);
  g_object_set (h->element, "post-messages", TRUE, NULL);
  gst_buffer_unref (analyse (h, &info, i++));
  results = gst_test_pop_results (bus);
  fail_unless_equals_int (g_list_length (results), 1);
  g_list_free_full (results, (GDestroyNotify) gst_message_unref);
  g_list_free_full (pop_warnings (bus), g_free);

  /* settings the network cannot serve: refused, the plan stays */
  g_object_set (h->element, "layers", "conv9_9", NULL);
  out = analyse (h, &info, i++);
  fail_unless (gst_buffer_get_vgg19_tensor_meta (out, "conv1_1") != NULL,
      "frames lost their results after a bad layers value");
  gst_buffer_unref (out);
  warnings = pop_warnings (bus);
  fail_unless (warnings_mention (warnings, "conv9_9") != NULL,
      "no warning names the bad layer");
  g_list_free_full (warnings, g_free);
  g_object_get (h->element, "layers", &value, NULL);
  fail_unless_equals_string (value, "conv1_1");
  g_free (value);

  g_object_set (h->element, "mode", LOSS, "reference", missing, NULL);
  out = analyse (h, &info, i++);
  fail_unless (gst_buffer_get_vgg19_tensor_meta (out, "conv1_1") != NULL);
  fail_unless (gst_buffer_get_vgg19_loss_meta (out) == NULL);
  gst_buffer_unref (out);
  warnings = pop_warnings (bus);
  fail_unless (warnings_mention (warnings, missing) != NULL,
      "no warning names the missing reference");
  g_list_free_full (warnings, g_free);
  g_object_get (h->element, "reference", &value, NULL);
  fail_unless_equals_string (value, ref_b);
  g_free (value);
  fail_unless (gst_test_pop_error (bus) == NULL);

  /* what the model is loaded with cannot change now */
  for (k = 0; k < G_N_ELEMENTS (fixed); k++) {
    GValue before = G_VALUE_INIT, after = G_VALUE_INIT;
    gchar *a, *b;

    g_object_get_property (G_OBJECT (h->element), fixed[k].name, &before);
    gst_util_set_object_arg (G_OBJECT (h->element), fixed[k].name,
        fixed[k].value);
    g_object_get_property (G_OBJECT (h->element), fixed[k].name, &after);
    a = gst_value_serialize (&before);
    b = gst_value_serialize (&after);
    fail_unless_equals_string (a, b);
    warnings = pop_warnings (bus);
    fail_unless (g_list_length (warnings) == 1
        && strstr (warnings->data, fixed[k].name)
        && strstr (warnings->data, "READY"), "%s: no clear warning",
        fixed[k].name);
    g_list_free_full (warnings, g_free);
    g_free (a);
    g_free (b);
    g_value_unset (&before);
    g_value_unset (&after);
  }
  out = analyse (h, &info, i++);
  fail_unless (gst_buffer_get_vgg19_tensor_meta (out, "conv1_1") != NULL);
  gst_buffer_unref (out);

  /* and they apply from the next start */
  gst_harness_teardown (h);
  g_free (missing);
  gst_test_bus_free (bus);
}

GST_END_TEST;

/* top-k (mode=classify, weights with a classifier) applies from the next
 * frame too. */
GST_START_TEST (test_top_k_while_playing)
{
  GstHarness *h = gst_test_harness_new (NULL, "weights",
      gst_test_weights ("legacy_v1"), "resize", VGG19_RESIZE_STRETCH, NULL);
  GstVgg19ClassificationMeta *meta;
  GstVideoInfo info;
  GstBuffer *out;

  fail_unless (gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGB, 64, 48));
  gst_test_set_caps (h, &info);
  out = analyse (h, &info, 0);
  meta = gst_buffer_get_vgg19_classification_meta (out);
  fail_unless (meta != NULL);
  fail_unless_equals_int (meta->n_predictions, 5);
  gst_buffer_unref (out);
  g_object_set (h->element, "top-k", 2, NULL);
  out = analyse (h, &info, 1);
  meta = gst_buffer_get_vgg19_classification_meta (out);
  fail_unless (meta != NULL);
  fail_unless_equals_int (meta->n_predictions, 2);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

static Suite *
streams_suite (void)
{
  Suite *s = suite_create ("vgg19 streams");
  TCase *caps = tcase_create ("caps");
  TCase *memory = tcase_create ("memory");
  TCase *props = tcase_create ("properties");

  suite_add_tcase (s, caps);
  tcase_add_test (caps, test_renegotiation);
  tcase_add_test (caps, test_renegotiation_to_unusable_size);
  tcase_add_test (caps, test_tiny_frames);
  tcase_add_test (caps, test_odd_sizes_and_padded_strides);
  tcase_add_test (caps, test_no_timestamps);
  tcase_add_test (caps, test_interlaced);
  suite_add_tcase (s, memory);
  tcase_add_test (memory, test_huge_frames_memory_bounded);
  tcase_add_test (memory, test_8k_at_native_size_refused);
  tcase_add_test (memory, test_elements_share_one_model);
  suite_add_tcase (s, props);
  tcase_add_test (props, test_property_changes_while_playing);
  tcase_add_test (props, test_top_k_while_playing);
  return s;
}

GST_CHECK_MAIN (streams);
