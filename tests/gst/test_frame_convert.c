/* The element's frame conversion (gst/frame_convert.c), on its own.
 *
 *   - YUV and limited-range frames: the RGB the converter sees is compared
 *     with GStreamer's own converter (GstVideoConverter, chroma taken as
 *     is, no dithering) and with the textbook equations in double
 *     precision, for BT.601 and BT.709 in both ranges;
 *   - interlaced 4:2:0 frames: chroma from each pixel's own field, as
 *     GStreamer's converter takes it;
 *   - full-range RGB-family and grey frames: the RGB is the frame's own
 *     channels, in every byte order;
 *   - the network input is always vgg19_preprocess_packed() of that RGB,
 *     bit for bit, whatever the path (read in place or through the scratch
 *     copy), the row padding or the resize mode.
 *
 * No weights needed.
 */
#include <math.h>
#include <string.h>

#include <gst/check/gstcheck.h>
#include <gst/video/video.h>

#include "gst_test_pixels.h"

#include "frame_convert.h"

/* Our conversion rounds the exact value (16 fractional bits); the
 * textbook one in double rounds it too: they may differ only where the
 * exact value is within 3/65536 of a half level, which a 1-level bound
 * covers. */
#define TEXTBOOK_TOLERANCE 1
/* GStreamer's converter is no exact reference: its 16-bit path is up to
 * about 1.5 levels above the textbook values (integer matrices, 8-bit
 * samples widened by 257 against offsets widened by 256). It is an
 * independent check all the same: a swapped
 * matrix (BT.601 for BT.709) moves saturated colours by tens of levels, a
 * wrong range by up to 20. Compared where the colour is inside the RGB
 * cube, as the two clamp out-of-gamut colours differently. */
#define GSTREAMER_TOLERANCE 3

/* Odd sizes, so that the last column and row of subsampled chroma are
 * half covered; at least the network's 32x32 so that resize "none" takes
 * them. */
#define WIDTH 37
#define HEIGHT 35

static const GstVideoFormat yuv_formats[] = {
  GST_VIDEO_FORMAT_I420, GST_VIDEO_FORMAT_YV12, GST_VIDEO_FORMAT_NV12,
  GST_VIDEO_FORMAT_NV21, GST_VIDEO_FORMAT_Y42B, GST_VIDEO_FORMAT_Y444,
  GST_VIDEO_FORMAT_YUY2, GST_VIDEO_FORMAT_UYVY, GST_VIDEO_FORMAT_YVYU,
  GST_VIDEO_FORMAT_AYUV,
};

static const GstVideoFormat rgb_formats[] = {
  GST_VIDEO_FORMAT_RGB, GST_VIDEO_FORMAT_BGR, GST_VIDEO_FORMAT_RGBx,
  GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_xRGB, GST_VIDEO_FORMAT_xBGR,
  GST_VIDEO_FORMAT_RGBA, GST_VIDEO_FORMAT_BGRA, GST_VIDEO_FORMAT_ARGB,
  GST_VIDEO_FORMAT_ABGR, GST_VIDEO_FORMAT_GRAY8,
};

/* matrix, range */
static const struct
{
  GstVideoColorMatrix matrix;
  GstVideoColorRange range;
  const char *name;
} colorimetries[] = {
  {GST_VIDEO_COLOR_MATRIX_BT601, GST_VIDEO_COLOR_RANGE_16_235, "bt601"},
  {GST_VIDEO_COLOR_MATRIX_BT709, GST_VIDEO_COLOR_RANGE_16_235, "bt709"},
  {GST_VIDEO_COLOR_MATRIX_BT601, GST_VIDEO_COLOR_RANGE_0_255,
      "bt601 full"},
  {GST_VIDEO_COLOR_MATRIX_BT709, GST_VIDEO_COLOR_RANGE_0_255,
      "bt709 full"},
};

static void
make_info (GstVideoInfo * info, GstVideoFormat format, guint width,
    guint height, guint padding)
{
  GstVideoAlignment align;

  fail_unless (gst_video_info_set_format (info, format, width, height));
  if (padding) {
    gst_video_alignment_reset (&align);
    align.padding_right = padding;
    fail_unless (gst_video_info_align (info, &align));
  }
}

/* A buffer for @info whose every byte (padding included) is random. */
static GstBuffer *
random_buffer (const GstVideoInfo * info, guint32 seed)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, info->size, NULL);
  GRand *rand = g_rand_new_with_seed (seed);
  GstMapInfo map;
  gsize i;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  for (i = 0; i < map.size; i++)
    map.data[i] = g_rand_int_range (rand, 0, 256);
  gst_buffer_unmap (buf, &map);
  g_rand_free (rand);
  gst_buffer_add_video_meta_full (buf, GST_VIDEO_FRAME_FLAG_NONE,
      GST_VIDEO_INFO_FORMAT (info), GST_VIDEO_INFO_WIDTH (info),
      GST_VIDEO_INFO_HEIGHT (info), GST_VIDEO_INFO_N_PLANES (info),
      (gsize *) info->offset, (gint *) info->stride);
  return buf;
}

/* GStreamer's RGB for @frame, chroma as is and no dithering. Asked for
 * 16 bits per channel, which takes its generic, more precise path (its
 * 8-bit fast paths are up to 6 levels off) and is rounded here. */
static guint8 *
gstreamer_rgb (const GstVideoFrame * frame)
{
  GstVideoInfo out_info;
  GstVideoConverter *conv;
  GstBuffer *out;
  GstVideoFrame out_frame;
  guint8 *rgb = g_malloc (WIDTH * HEIGHT * 3);
  guint x, y, k;

  /* (GStreamer converts interlaced frames to interlaced ones only) */
  fail_unless (gst_video_info_set_interlaced_format (&out_info,
          GST_VIDEO_FORMAT_ARGB64, GST_VIDEO_INFO_INTERLACE_MODE
          (&frame->info), WIDTH, HEIGHT));
  conv = gst_video_converter_new ((GstVideoInfo *) & frame->info, &out_info,
      gst_structure_new ("options",
          GST_VIDEO_CONVERTER_OPT_CHROMA_MODE, GST_TYPE_VIDEO_CHROMA_MODE,
          GST_VIDEO_CHROMA_MODE_NONE,
          GST_VIDEO_CONVERTER_OPT_DITHER_METHOD,
          GST_TYPE_VIDEO_DITHER_METHOD, GST_VIDEO_DITHER_NONE,
          GST_VIDEO_CONVERTER_OPT_GAMMA_MODE, GST_TYPE_VIDEO_GAMMA_MODE,
          GST_VIDEO_GAMMA_MODE_NONE,
          GST_VIDEO_CONVERTER_OPT_PRIMARIES_MODE,
          GST_TYPE_VIDEO_PRIMARIES_MODE, GST_VIDEO_PRIMARIES_MODE_NONE, NULL));
  fail_unless (conv != NULL);
  out = gst_buffer_new_allocate (NULL, out_info.size, NULL);
  fail_unless (gst_video_frame_map (&out_frame, &out_info, out, GST_MAP_WRITE));
  gst_video_converter_frame (conv, frame, &out_frame);
  for (y = 0; y < HEIGHT; y++) {
    const guint16 *row = (const guint16 *) ((guint8 *)
        GST_VIDEO_FRAME_PLANE_DATA (&out_frame, 0) +
        y * GST_VIDEO_FRAME_PLANE_STRIDE (&out_frame, 0));

    /* A, R, G, B */
    for (x = 0; x < WIDTH; x++)
      for (k = 0; k < 3; k++)
        rgb[(y * WIDTH + x) * 3 + k] = (row[x * 4 + 1 + k] + 128) / 257;
  }
  gst_video_frame_unmap (&out_frame);
  gst_buffer_unref (out);
  gst_video_converter_free (conv);
  return rgb;
}

/* The textbook equations (ITU-R BT.601 / BT.709), written here from the
 * definitions, not from either implementation: Y in 16..235 and Cb, Cr in
 * 16..240 around 128 (or 0..255 in full range), then
 * R = Y + 2 (1 - Kr) Cr, B = Y + 2 (1 - Kb) Cb, G = (Y - Kr R - Kb B) / Kg. */
static gboolean
textbook_rgb_of (guint8 yv8, guint8 cb8, guint8 cr8, double kr, double kb,
    gboolean full, guint8 rgb[3])
{
  double yv = yv8;
  double cb = cb8 - 128.0;
  double cr = cr8 - 128.0;
  double Y = full ? yv / 255.0 : (yv - 16.0) / 219.0;
  double Cb = full ? cb / 255.0 : cb / 224.0;
  double Cr = full ? cr / 255.0 : cr / 224.0;
  double R = Y + 2.0 * (1.0 - kr) * Cr;
  double B = Y + 2.0 * (1.0 - kb) * Cb;
  double G = (Y - kr * R - kb * B) / (1.0 - kr - kb);

  rgb[0] = gst_test_round_level (R * 255.0);
  rgb[1] = gst_test_round_level (G * 255.0);
  rgb[2] = gst_test_round_level (B * 255.0);
  /* inside the cube, with a margin for GStreamer's offset */
  return MIN (MIN (R, G), B) * 255.0 >= 3.0
      && MAX (MAX (R, G), B) * 255.0 <= 252.0;
}

/* The same for pixel (@x, @y) of a progressive @frame. */
static gboolean
textbook_rgb (const GstVideoFrame * frame, guint x, guint y, double kr,
    double kb, gboolean full, guint8 rgb[3])
{
  return textbook_rgb_of (gst_test_component (frame, 0, x, y),
      gst_test_component (frame, 1, x, y), gst_test_component (frame, 2, x,
          y), kr, kb, full, rgb);
}

/* Converts @frame with @conv and checks the input against the core's
 * preprocessing of @rgb (WIDTH x HEIGHT, packed). */
static void
check_input_matches_rgb (GstVgg19FrameConverter * conv,
    const GstVideoFrame * frame, const guint8 * rgb, Vgg19Resize resize,
    const char *what)
{
  GError *error = NULL;
  Vgg19PackedImage image = { rgb, WIDTH, HEIGHT, WIDTH * 3, 3, 0, 1, 2 };
  guint w, h;
  float *ours, *core;

  gst_vgg19_frame_converter_get_size (conv, &w, &h);
  ours = g_new (float, 3 * w * h);
  core = g_new (float, 3 * w * h);
  fail_unless (gst_vgg19_frame_converter_run (conv, frame, ours, &error),
      "%s: %s", what, error ? error->message : "?");
  fail_unless (vgg19_preprocess_packed (&image, resize, core, &error),
      "%s: %s", what, error ? error->message : "?");
  fail_unless (memcmp (ours, core, sizeof (float) * 3 * w * h) == 0,
      "%s: network input differs from the core's preprocessing of the "
      "same RGB", what);
  g_free (ours);
  g_free (core);
}

GST_START_TEST (test_yuv_against_gstreamer_and_textbook)
{
  guint f, c, padding;

  for (f = 0; f < G_N_ELEMENTS (yuv_formats); f++) {
    for (c = 0; c < G_N_ELEMENTS (colorimetries); c++) {
      for (padding = 0; padding <= 8; padding += 8) {
        GstVideoInfo info;
        GstVideoFrame frame;
        GstVgg19FrameConverter *conv;
        GError *error = NULL;
        GstBuffer *buf;
        guint8 *ours, *theirs, want[3];
        gdouble kr, kb;
        guint x, y, k, worst_gst = 0, worst_book = 0, n_in_gamut = 0;
        gboolean in_gamut;
        gchar *what;

        make_info (&info, yuv_formats[f], WIDTH, HEIGHT, padding);
        info.colorimetry.matrix = colorimetries[c].matrix;
        info.colorimetry.range = colorimetries[c].range;
        what = g_strdup_printf ("%s %s padding %u",
            gst_video_format_to_string (yuv_formats[f]),
            colorimetries[c].name, padding);
        fail_unless (gst_video_color_matrix_get_Kr_Kb (info.colorimetry.matrix,
                &kr, &kb));

        buf = random_buffer (&info, 1000 * f + 10 * c + padding);
        fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));
        conv = gst_vgg19_frame_converter_new (&info, VGG19_RESIZE_NONE, &error);
        fail_unless (conv != NULL, "%s: %s", what,
            error ? error->message : "?");

        ours = g_malloc (WIDTH * HEIGHT * 3);
        fail_unless (gst_vgg19_frame_converter_to_rgb (conv, &frame, ours,
                WIDTH * 3, &error));
        theirs = gstreamer_rgb (&frame);
        for (y = 0; y < HEIGHT; y++) {
          for (x = 0; x < WIDTH; x++) {
            in_gamut = textbook_rgb (&frame, x, y, kr, kb,
                colorimetries[c].range == GST_VIDEO_COLOR_RANGE_0_255, want);
            n_in_gamut += in_gamut;
            for (k = 0; k < 3; k++) {
              guint i = (y * WIDTH + x) * 3 + k;

              if (in_gamut)
                worst_gst = MAX (worst_gst, (guint) ABS (ours[i] - theirs[i]));
              worst_book = MAX (worst_book, (guint) ABS (ours[i] - want[k]));
            }
          }
        }
        fail_unless (worst_book <= TEXTBOOK_TOLERANCE,
            "%s: %u levels from the textbook conversion", what, worst_book);
        /* random samples: a good share of them are colours */
        fail_unless (n_in_gamut > WIDTH * HEIGHT / 10, "%s: %u colours",
            what, n_in_gamut);
        fail_unless (worst_gst <= GSTREAMER_TOLERANCE,
            "%s: %u levels from GStreamer's conversion", what, worst_gst);

        check_input_matches_rgb (conv, &frame, ours, VGG19_RESIZE_NONE, what);

        g_free (theirs);
        g_free (ours);
        gst_vgg19_frame_converter_free (conv);
        gst_video_frame_unmap (&frame);
        gst_buffer_unref (buf);
        g_free (what);
      }
    }
  }
}

GST_END_TEST;

/* Component @c of pixel (@x, @y) of an interlaced 8-bit frame: each field
 * (the even rows, the odd rows) subsampled on its own, so that 4:2:0
 * chroma row k serves the rows of field k % 2 around 4 (k / 2) + k % 2. */
static guint8
field_component (const GstVideoFrame * frame, guint c, guint x, guint y)
{
  const GstVideoFormatInfo *finfo = frame->info.finfo;
  const guint8 *data = GST_VIDEO_FRAME_COMP_DATA (frame, c);
  guint field = y % 2, line = y / 2;
  guint row = GST_VIDEO_FORMAT_INFO_H_SUB (finfo, c) ?
      2 * (line / 2) + field : y;

  return data[row * GST_VIDEO_FRAME_COMP_STRIDE (frame, c) +
      (x >> GST_VIDEO_FORMAT_INFO_W_SUB (finfo, c)) *
      GST_VIDEO_FRAME_COMP_PSTRIDE (frame, c)];
}

/* Interlaced frames (interlace-mode=interleaved: both fields woven in one
 * buffer) are analysed as the full frame, with the chroma of 4:2:0 formats
 * taken from the pixel's own field, as GStreamer's converter does: the
 * chroma of progressive 4:2:0 would mix the two fields, which are apart in
 * time (colour fringes on motion). */
GST_START_TEST (test_interlaced_chroma_per_field)
{
  static const GstVideoFormat formats[] = {
    GST_VIDEO_FORMAT_I420, GST_VIDEO_FORMAT_YV12, GST_VIDEO_FORMAT_NV12,
    GST_VIDEO_FORMAT_NV21, GST_VIDEO_FORMAT_YUY2,
  };
  guint f;

  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    const gboolean vsub = GST_VIDEO_FORMAT_INFO_H_SUB (gst_video_format_get_info
        (formats[f]), 1) > 0;
    GstVideoInfo info;
    GstVideoFrame frame;
    GstVgg19FrameConverter *conv;
    GError *error = NULL;
    GstBuffer *buf;
    guint8 *ours, *theirs;
    guint x, y, k, worst_gst = 0, worst_book = 0, worst_progressive = 0;
    const char *what = gst_video_format_to_string (formats[f]);
    gdouble kr, kb;

    /* HEIGHT is odd: the last chroma rows of each field are half used */
    fail_unless (gst_video_info_set_interlaced_format (&info, formats[f],
            GST_VIDEO_INTERLACE_MODE_INTERLEAVED, WIDTH, HEIGHT));
    fail_unless (gst_video_color_matrix_get_Kr_Kb (info.colorimetry.matrix,
            &kr, &kb));
    buf = random_buffer (&info, 77 + f);
    fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));
    fail_unless (GST_VIDEO_FRAME_IS_INTERLACED (&frame));
    conv = gst_vgg19_frame_converter_new (&info, VGG19_RESIZE_NONE, &error);
    fail_unless (conv != NULL, "%s: %s", what, error ? error->message : "?");

    ours = g_malloc (WIDTH * HEIGHT * 3);
    fail_unless (gst_vgg19_frame_converter_to_rgb (conv, &frame, ours,
            WIDTH * 3, &error));
    theirs = gstreamer_rgb (&frame);
    for (y = 0; y < HEIGHT; y++) {
      for (x = 0; x < WIDTH; x++) {
        const gboolean full =
            info.colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255;
        guint8 want[3], progressive[3];
        gboolean in_gamut;

        /* the textbook equations on the field's own samples... */
        in_gamut = textbook_rgb_of (field_component (&frame, 0, x, y),
            field_component (&frame, 1, x, y),
            field_component (&frame, 2, x, y), kr, kb, full, want);
        /* ...and on those progressive chroma would take */
        textbook_rgb (&frame, x, y, kr, kb, full, progressive);
        for (k = 0; k < 3; k++) {
          guint i = (y * WIDTH + x) * 3 + k;

          if (in_gamut)
            worst_gst = MAX (worst_gst, (guint) ABS (ours[i] - theirs[i]));
          worst_book = MAX (worst_book, (guint) ABS (ours[i] - want[k]));
          worst_progressive = MAX (worst_progressive,
              (guint) ABS (ours[i] - progressive[k]));
        }
      }
    }
    fail_unless (worst_book <= TEXTBOOK_TOLERANCE,
        "%s: %u levels from the per-field textbook conversion", what,
        worst_book);
    fail_unless (worst_gst <= GSTREAMER_TOLERANCE,
        "%s: %u levels from GStreamer's conversion", what, worst_gst);
    /* random chroma: reading the other field's is tens of levels off */
    if (vsub)
      fail_unless (worst_progressive > 10 * GSTREAMER_TOLERANCE,
          "%s: per-field chroma is no different from progressive", what);
    else
      fail_unless (worst_progressive <= TEXTBOOK_TOLERANCE, "%s: 4:2:2 "
          "chroma does not depend on the field", what);

    check_input_matches_rgb (conv, &frame, ours, VGG19_RESIZE_NONE, what);

    g_free (theirs);
    g_free (ours);
    gst_vgg19_frame_converter_free (conv);
    gst_video_frame_unmap (&frame);
    gst_buffer_unref (buf);
  }
}

GST_END_TEST;

GST_START_TEST (test_rgb_family_read_as_is)
{
  guint f, padding;

  for (f = 0; f < G_N_ELEMENTS (rgb_formats); f++) {
    for (padding = 0; padding <= 12; padding += 12) {
      GstVideoInfo info;
      GstVideoFrame frame;
      GstVgg19FrameConverter *conv;
      GError *error = NULL;
      GstBuffer *buf;
      guint8 *ours;
      guint x, y, k;
      gchar *what;

      make_info (&info, rgb_formats[f], WIDTH, HEIGHT, padding);
      what = g_strdup_printf ("%s padding %u",
          gst_video_format_to_string (rgb_formats[f]), padding);
      buf = random_buffer (&info, 77 * f + padding);
      fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));
      conv = gst_vgg19_frame_converter_new (&info, VGG19_RESIZE_NONE, &error);
      fail_unless (conv != NULL, "%s: %s", what, error ? error->message : "?");

      ours = g_malloc (WIDTH * HEIGHT * 3);
      fail_unless (gst_vgg19_frame_converter_to_rgb (conv, &frame, ours,
              WIDTH * 3, &error));
      for (y = 0; y < HEIGHT; y++) {
        for (x = 0; x < WIDTH; x++) {
          for (k = 0; k < 3; k++) {
            /* grey is the same byte three times */
            guint c = GST_VIDEO_INFO_IS_GRAY (&info) ? 0 : k;

            fail_unless_equals_int (ours[(y * WIDTH + x) * 3 + k],
                gst_test_component (&frame, c, x, y));
          }
        }
      }
      check_input_matches_rgb (conv, &frame, ours, VGG19_RESIZE_NONE, what);
      check_input_matches_rgb (conv, &frame, ours, VGG19_RESIZE_NONE, what);

      g_free (ours);
      gst_vgg19_frame_converter_free (conv);
      gst_video_frame_unmap (&frame);
      gst_buffer_unref (buf);
      g_free (what);
    }
  }
}

GST_END_TEST;

/* RGB and grey marked as studio range are expanded: 16 -> 0, 235 -> 255. */
GST_START_TEST (test_limited_range_rgb_and_grey)
{
  const GstVideoFormat formats[] = { GST_VIDEO_FORMAT_BGRx,
    GST_VIDEO_FORMAT_GRAY8
  };
  guint f;

  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    GstVideoInfo info;
    GstVideoFrame frame;
    GstVgg19FrameConverter *conv;
    GstBuffer *buf;
    guint8 *ours;
    guint x, y, k;

    make_info (&info, formats[f], WIDTH, HEIGHT, 0);
    info.colorimetry.range = GST_VIDEO_COLOR_RANGE_16_235;
    buf = random_buffer (&info, 5 + f);
    fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));
    conv = gst_vgg19_frame_converter_new (&info, VGG19_RESIZE_STRETCH, NULL);
    fail_unless (conv != NULL);
    ours = g_malloc (WIDTH * HEIGHT * 3);
    fail_unless (gst_vgg19_frame_converter_to_rgb (conv, &frame, ours,
            WIDTH * 3, NULL));
    for (y = 0; y < HEIGHT; y++) {
      for (x = 0; x < WIDTH; x++) {
        for (k = 0; k < 3; k++) {
          guint c = GST_VIDEO_INFO_IS_GRAY (&info) ? 0 : k;
          double v =
              (gst_test_component (&frame, c, x, y) - 16.0) * 255.0 / 219.0;

          fail_unless_equals_int (ours[(y * WIDTH + x) * 3 + k],
              gst_test_round_level (v));
        }
      }
    }
    check_input_matches_rgb (conv, &frame, ours, VGG19_RESIZE_STRETCH,
        gst_video_format_to_string (formats[f]));
    g_free (ours);
    gst_vgg19_frame_converter_free (conv);
    gst_video_frame_unmap (&frame);
    gst_buffer_unref (buf);
  }
}

GST_END_TEST;

/* The resize modes give the core's sizes, and the core's result. */
GST_START_TEST (test_resize_modes)
{
  const Vgg19Resize modes[] = { VGG19_RESIZE_STRETCH, VGG19_RESIZE_CROP,
    VGG19_RESIZE_NONE
  };
  guint m;

  for (m = 0; m < G_N_ELEMENTS (modes); m++) {
    GstVideoInfo info;
    GstVideoFrame frame;
    GstVgg19FrameConverter *conv;
    GstBuffer *buf;
    guint8 *rgb;
    guint w, h, want_w, want_h;

    make_info (&info, GST_VIDEO_FORMAT_NV12, WIDTH, HEIGHT, 4);
    buf = random_buffer (&info, 99 + m);
    fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_READ));
    conv = gst_vgg19_frame_converter_new (&info, modes[m], NULL);
    fail_unless (conv != NULL);
    gst_vgg19_frame_converter_get_size (conv, &w, &h);
    fail_unless (vgg19_preprocess_size (modes[m], WIDTH, HEIGHT, &want_w,
            &want_h, NULL));
    fail_unless_equals_int (w, want_w);
    fail_unless_equals_int (h, want_h);
    rgb = g_malloc (WIDTH * HEIGHT * 3);
    fail_unless (gst_vgg19_frame_converter_to_rgb (conv, &frame, rgb,
            WIDTH * 3, NULL));
    check_input_matches_rgb (conv, &frame, rgb, modes[m],
        vgg19_resize_to_string (modes[m]));
    g_free (rgb);
    gst_vgg19_frame_converter_free (conv);
    gst_video_frame_unmap (&frame);
    gst_buffer_unref (buf);
  }
}

GST_END_TEST;

GST_START_TEST (test_rejects_what_it_cannot_convert)
{
  GstVideoInfo info, other;
  GstVgg19FrameConverter *conv;
  GstVideoFrame frame;
  GstBuffer *buf;
  GError *error = NULL;
  float *out;

  /* a format outside the caps */
  make_info (&info, GST_VIDEO_FORMAT_RGB16, 64, 64, 0);
  fail_unless (gst_vgg19_frame_converter_new (&info, VGG19_RESIZE_STRETCH,
          &error) == NULL);
  fail_unless (g_error_matches (error, VGG19_ERROR,
          VGG19_ERROR_INVALID_ARGUMENT));
  fail_unless (strstr (error->message, "RGB16") != NULL, "%s", error->message);
  g_clear_error (&error);

  /* smaller than the network takes at its own size */
  make_info (&info, GST_VIDEO_FORMAT_I420, 40, 31, 0);
  fail_unless (gst_vgg19_frame_converter_new (&info, VGG19_RESIZE_NONE,
          &error) == NULL);
  fail_unless (g_error_matches (error, VGG19_ERROR,
          VGG19_ERROR_INVALID_ARGUMENT));
  g_clear_error (&error);

  /* a frame that is not the converter's */
  make_info (&info, GST_VIDEO_FORMAT_I420, 64, 64, 0);
  make_info (&other, GST_VIDEO_FORMAT_I420, 66, 64, 0);
  conv = gst_vgg19_frame_converter_new (&info, VGG19_RESIZE_STRETCH, NULL);
  fail_unless (conv != NULL);
  buf = random_buffer (&other, 3);
  fail_unless (gst_video_frame_map (&frame, &other, buf, GST_MAP_READ));
  out = g_new (float, 3 * 224 * 224);
  fail_if (gst_vgg19_frame_converter_run (conv, &frame, out, &error));
  fail_unless (error != NULL && strstr (error->message, "66x64") != NULL);
  g_clear_error (&error);
  g_free (out);
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (buf);
  gst_vgg19_frame_converter_free (conv);
}

GST_END_TEST;

static Suite *
frame_convert_suite (void)
{
  Suite *s = suite_create ("frame_convert");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_yuv_against_gstreamer_and_textbook);
  tcase_add_test (tc, test_interlaced_chroma_per_field);
  tcase_add_test (tc, test_rgb_family_read_as_is);
  tcase_add_test (tc, test_limited_range_rgb_and_grey);
  tcase_add_test (tc, test_resize_modes);
  tcase_add_test (tc, test_rejects_what_it_cannot_convert);
  return s;
}

GST_CHECK_MAIN (frame_convert);
