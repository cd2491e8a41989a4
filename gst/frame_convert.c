/* Video frames of any accepted format to the network's input.
 *
 * Full-range 8-bit RGB-family and grey frames are handed as they are to
 * the core's preprocessor (vgg19_preprocessor_run()), which reads the
 * channels in any order and fuses the resize with the normalisation, so
 * nothing is converted twice. The preprocessor is made with the converter
 * for the negotiated size, so its filter tables are built once, not per
 * frame.
 *
 * YUV frames, and RGB or grey frames in limited ("studio") range, are first
 * turned into packed RGB in a scratch buffer allocated with the converter,
 * using the caps' colorimetry: the matrix's Kr and Kb (BT.601, BT.709,
 * BT.2020, ...) and the range's offsets and scales, as GStreamer defines
 * them. Chroma is taken from the sample covering the pixel (no
 * interpolation between chroma samples), which is what GStreamer's own
 * converter does when it does not resample chroma; in interlaced frames,
 * from the pixel's own field (4:2:0 chroma rows alternate between the
 * fields). Interlaced frames are otherwise analysed as the whole woven
 * frame.
 *
 * The arithmetic is fixed point with 16 fractional bits through tables of
 * 256 entries per component, so each output is the exact conversion
 * rounded to the nearest integer (up to 3 / 65536 of a level). */
#include <math.h>
#include <string.h>

#include "frame_convert.h"

#define FIX_SHIFT 16
#define FIX_ONE (1 << FIX_SHIFT)
#define FIX_HALF (1 << (FIX_SHIFT - 1))

typedef enum
{
  /* 8-bit full-range RGB family or grey: read in place */
  CONVERT_PACKED,
  /* limited-range RGB family: expand each channel */
  CONVERT_RGB_LEVELS,
  /* limited-range grey: expand, then replicate */
  CONVERT_GRAY_LEVELS,
  /* any 8-bit YUV layout: matrix and range */
  CONVERT_YUV,
} ConvertKind;

struct _GstVgg19FrameConverter
{
  GstVideoInfo info;
  Vgg19Preprocessor *preprocessor;      /* resize and normalisation */
  guint out_width;
  guint out_height;
  ConvertKind kind;

  /* limited to full range for the *_LEVELS kinds; the identity for
   * CONVERT_PACKED */
  guint8 levels[256];

  /* YUV to RGB in fixed point: r = y + r_v, g = y + g_u + g_v,
   * b = y + b_u, each term scaled to 0..255 and by FIX_ONE */
  gint32 y_term[256];
  gint32 r_v[256];
  gint32 g_u[256];
  gint32 g_v[256];
  gint32 b_u[256];

  /* packed RGB, for every kind but CONVERT_PACKED */
  guint8 *rgb;
  gsize rgb_stride;
};

static gboolean
format_supported (GstVideoFormat format)
{
  switch (format) {
    case GST_VIDEO_FORMAT_RGB:
    case GST_VIDEO_FORMAT_BGR:
    case GST_VIDEO_FORMAT_RGBx:
    case GST_VIDEO_FORMAT_BGRx:
    case GST_VIDEO_FORMAT_xRGB:
    case GST_VIDEO_FORMAT_xBGR:
    case GST_VIDEO_FORMAT_RGBA:
    case GST_VIDEO_FORMAT_BGRA:
    case GST_VIDEO_FORMAT_ARGB:
    case GST_VIDEO_FORMAT_ABGR:
    case GST_VIDEO_FORMAT_GRAY8:
    case GST_VIDEO_FORMAT_I420:
    case GST_VIDEO_FORMAT_YV12:
    case GST_VIDEO_FORMAT_NV12:
    case GST_VIDEO_FORMAT_NV21:
    case GST_VIDEO_FORMAT_Y42B:
    case GST_VIDEO_FORMAT_Y444:
    case GST_VIDEO_FORMAT_YUY2:
    case GST_VIDEO_FORMAT_UYVY:
    case GST_VIDEO_FORMAT_YVYU:
    case GST_VIDEO_FORMAT_AYUV:
      return TRUE;
    default:
      return FALSE;
  }
}

static guint8
clamp_level (double v)
{
  if (v <= 0.0)
    return 0;
  if (v >= 255.0)
    return 255;
  return (guint8) lround (v);
}

/* Fixed point sums to a 0..255 level, rounding to nearest. */
static inline guint8
fix_to_level (gint32 v)
{
  v += FIX_HALF;
  if (v < 0)
    return 0;
  v >>= FIX_SHIFT;
  return v > 255 ? 255 : (guint8) v;
}

static void
init_levels (GstVgg19FrameConverter * conv, gboolean limited)
{
  gint offset[GST_VIDEO_MAX_COMPONENTS], scale[GST_VIDEO_MAX_COMPONENTS];
  guint v;

  if (!limited) {
    for (v = 0; v < 256; v++)
      conv->levels[v] = v;
    return;
  }
  gst_video_color_range_offsets (GST_VIDEO_COLOR_RANGE_16_235,
      conv->info.finfo, offset, scale);
  for (v = 0; v < 256; v++)
    conv->levels[v] = clamp_level (255.0 * ((double) v - offset[0])
        / scale[0]);
}

static void
init_yuv (GstVgg19FrameConverter * conv)
{
  gint offset[GST_VIDEO_MAX_COMPONENTS], scale[GST_VIDEO_MAX_COMPONENTS];
  GstVideoColorRange range = conv->info.colorimetry.range;
  gdouble kr, kb, kg;
  guint v;

  /* caps without colorimetry get GStreamer's defaults when parsed; an
   * explicit "unknown" is taken as the usual case: studio range, and
   * BT.601, GStreamer's default for standard definition */
  if (range == GST_VIDEO_COLOR_RANGE_UNKNOWN)
    range = GST_VIDEO_COLOR_RANGE_16_235;
  if (!gst_video_color_matrix_get_Kr_Kb (conv->info.colorimetry.matrix, &kr,
          &kb)) {
    kr = 0.299;
    kb = 0.114;
  }
  kg = 1.0 - kr - kb;

  gst_video_color_range_offsets (range, conv->info.finfo, offset, scale);
  for (v = 0; v < 256; v++) {
    double y = 255.0 * ((double) v - offset[0]) / scale[0];
    double cb = 255.0 * ((double) v - offset[1]) / scale[1];
    double cr = 255.0 * ((double) v - offset[2]) / scale[2];

    conv->y_term[v] = (gint32) lround (y * FIX_ONE);
    conv->r_v[v] = (gint32) lround (2.0 * (1.0 - kr) * cr * FIX_ONE);
    conv->b_u[v] = (gint32) lround (2.0 * (1.0 - kb) * cb * FIX_ONE);
    conv->g_u[v] = (gint32) lround (-2.0 * kb * (1.0 - kb) / kg * cb * FIX_ONE);
    conv->g_v[v] = (gint32) lround (-2.0 * kr * (1.0 - kr) / kg * cr * FIX_ONE);
  }
}

GstVgg19FrameConverter *
gst_vgg19_frame_converter_new (const GstVideoInfo * info, Vgg19Resize resize,
    GError ** error)
{
  GstVgg19FrameConverter *conv;
  GstVideoFormat format;
  guint width, height, out_width, out_height;
  gboolean limited;

  g_return_val_if_fail (info != NULL && info->finfo != NULL, NULL);

  format = GST_VIDEO_INFO_FORMAT (info);
  width = GST_VIDEO_INFO_WIDTH (info);
  height = GST_VIDEO_INFO_HEIGHT (info);
  if (!format_supported (format)) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "video format %s is not supported (expected one of %s)",
        gst_video_format_to_string (format), GST_VGG19_VIDEO_FORMATS);
    return NULL;
  }
  if (!vgg19_preprocess_size (resize, width, height, &out_width, &out_height,
          error))
    return NULL;

  conv = g_new0 (GstVgg19FrameConverter, 1);
  conv->info = *info;
  conv->preprocessor = vgg19_preprocessor_new (resize, width, height, error);
  if (conv->preprocessor == NULL) {
    gst_vgg19_frame_converter_free (conv);
    return NULL;
  }
  conv->out_width = out_width;
  conv->out_height = out_height;

  limited = info->colorimetry.range == GST_VIDEO_COLOR_RANGE_16_235;
  if (GST_VIDEO_INFO_IS_YUV (info)) {
    conv->kind = CONVERT_YUV;
    init_yuv (conv);
  } else if (GST_VIDEO_INFO_IS_GRAY (info)) {
    conv->kind = limited ? CONVERT_GRAY_LEVELS : CONVERT_PACKED;
  } else {
    conv->kind = limited ? CONVERT_RGB_LEVELS : CONVERT_PACKED;
  }
  if (conv->kind != CONVERT_YUV)
    init_levels (conv, limited);

  if (conv->kind != CONVERT_PACKED) {
    gsize size;

    if (!g_size_checked_mul (&conv->rgb_stride, width, 3)
        || !g_size_checked_mul (&size, conv->rgb_stride, height)
        || !(conv->rgb = g_try_malloc (size))) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_NO_MEMORY,
          "cannot allocate the RGB copy of a %ux%u frame", width, height);
      gst_vgg19_frame_converter_free (conv);
      return NULL;
    }
  }
  return conv;
}

void
gst_vgg19_frame_converter_free (GstVgg19FrameConverter * conv)
{
  if (!conv)
    return;
  vgg19_preprocessor_free (conv->preprocessor);
  g_free (conv->rgb);
  g_free (conv);
}

void
gst_vgg19_frame_converter_get_size (const GstVgg19FrameConverter * conv,
    guint * width, guint * height)
{
  if (width)
    *width = conv->out_width;
  if (height)
    *height = conv->out_height;
}

gboolean
gst_vgg19_frame_converter_set_output_size (GstVgg19FrameConverter * conv,
    guint width, guint height, GError ** error)
{
  const GstVideoInfo *info = &conv->info;

  if (!vgg19_preprocessor_set_output_size (conv->preprocessor, width, height,
          error))
    return FALSE;
  if (width != 0) {
    conv->out_width = width;
    conv->out_height = height;
    return TRUE;
  }
  /* the mode accepted the frames' size when the converter was made */
  return vgg19_preprocess_size (vgg19_preprocessor_get_resize
      (conv->preprocessor), GST_VIDEO_INFO_WIDTH (info),
      GST_VIDEO_INFO_HEIGHT (info), &conv->out_width, &conv->out_height,
      error);
}

void
gst_vgg19_frame_converter_get_frame_size (const GstVgg19FrameConverter *
    conv, guint * width, guint * height)
{
  *width = GST_VIDEO_INFO_WIDTH (&conv->info);
  *height = GST_VIDEO_INFO_HEIGHT (&conv->info);
}

static gboolean
check_frame (const GstVgg19FrameConverter * conv, const GstVideoFrame * frame,
    GError ** error)
{
  const GstVideoInfo *info = &conv->info;
  guint i;

  if (GST_VIDEO_FRAME_FORMAT (frame) != GST_VIDEO_INFO_FORMAT (info)
      || GST_VIDEO_FRAME_WIDTH (frame) != GST_VIDEO_INFO_WIDTH (info)
      || GST_VIDEO_FRAME_HEIGHT (frame) != GST_VIDEO_INFO_HEIGHT (info)) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "frame is %s %dx%d, the converter was made for %s %dx%d",
        gst_video_format_to_string (GST_VIDEO_FRAME_FORMAT (frame)),
        GST_VIDEO_FRAME_WIDTH (frame), GST_VIDEO_FRAME_HEIGHT (frame),
        gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (info)),
        GST_VIDEO_INFO_WIDTH (info), GST_VIDEO_INFO_HEIGHT (info));
    return FALSE;
  }
  for (i = 0; i < GST_VIDEO_FRAME_N_PLANES (frame); i++) {
    if (GST_VIDEO_FRAME_PLANE_STRIDE (frame, i) <= 0) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
          "plane %u of the frame has stride %d (expected a positive one)",
          i, GST_VIDEO_FRAME_PLANE_STRIDE (frame, i));
      return FALSE;
    }
  }
  return TRUE;
}

/* The frame's own pixels as the core's packed image (CONVERT_PACKED). */
static void
frame_as_packed (const GstVideoFrame * frame, Vgg19PackedImage * image)
{
  const GstVideoFormatInfo *finfo = frame->info.finfo;

  image->data = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  image->width = GST_VIDEO_FRAME_WIDTH (frame);
  image->height = GST_VIDEO_FRAME_HEIGHT (frame);
  image->stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  image->pixel_stride = GST_VIDEO_FORMAT_INFO_PSTRIDE (finfo, 0);
  if (GST_VIDEO_FORMAT_INFO_IS_GRAY (finfo)) {
    image->r_offset = image->g_offset = image->b_offset = 0;
  } else {
    image->r_offset = GST_VIDEO_FORMAT_INFO_POFFSET (finfo, GST_VIDEO_COMP_R);
    image->g_offset = GST_VIDEO_FORMAT_INFO_POFFSET (finfo, GST_VIDEO_COMP_G);
    image->b_offset = GST_VIDEO_FORMAT_INFO_POFFSET (finfo, GST_VIDEO_COMP_B);
  }
}

/* The RGB family and grey, through @levels. */
static void
packed_to_rgb (const GstVideoFrame * frame, const guint8 * levels,
    guint8 * rgb, gsize stride)
{
  Vgg19PackedImage src;
  guint x, y;

  frame_as_packed (frame, &src);
  for (y = 0; y < src.height; y++) {
    const guint8 *s = src.data + y * src.stride;
    guint8 *d = rgb + y * stride;

    for (x = 0; x < src.width; x++, s += src.pixel_stride, d += 3) {
      d[0] = levels[s[src.r_offset]];
      d[1] = levels[s[src.g_offset]];
      d[2] = levels[s[src.b_offset]];
    }
  }
}

/* The row of a component sampled every 2^@sub rows that covers picture
 * row @y. In an interlaced frame each field has its own chroma: 4:2:0
 * chroma rows alternate between the fields (rows 0, 2, 4... the top
 * field's, 1, 3, 5... the bottom one's), so row y takes chroma row
 * 2 * (y / 4) + y % 2, as GStreamer unpacks interlaced 4:2:0 (whose
 * chroma planes it lays out for a height rounded up to 4, so that the
 * row is always there). */
static inline guint
component_row (guint y, guint sub, gboolean interlaced, guint n_rows)
{
  guint row;

  if (!interlaced || sub != 1)
    return y >> sub;
  row = ((y >> 2) << 1) | (y & 1);
  return MIN (row, n_rows - 1);
}

/* Any 8-bit YUV layout, through the component description of the format:
 * component c of pixel (x, y) is at row y >> h_sub[c] (per field in an
 * interlaced frame, see component_row()), column x >> w_sub[c] of its
 * plane. */
static void
yuv_to_rgb (const GstVgg19FrameConverter * conv, const GstVideoFrame * frame,
    guint8 * rgb, gsize stride)
{
  const GstVideoFormatInfo *finfo = frame->info.finfo;
  guint width = GST_VIDEO_FRAME_WIDTH (frame);
  guint height = GST_VIDEO_FRAME_HEIGHT (frame);
  gboolean interlaced = GST_VIDEO_FRAME_IS_INTERLACED (frame);
  guint pstride[3], wsub[3], hsub[3], n_rows[3];
  gsize rstride[3];
  guint c, x, y;

  for (c = 0; c < 3; c++) {
    pstride[c] = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, c);
    rstride[c] = GST_VIDEO_FRAME_COMP_STRIDE (frame, c);
    wsub[c] = GST_VIDEO_FORMAT_INFO_W_SUB (finfo, c);
    hsub[c] = GST_VIDEO_FORMAT_INFO_H_SUB (finfo, c);
    n_rows[c] = interlaced && hsub[c] == 1 ? GST_ROUND_UP_4 (height) >> 1 :
        (guint) GST_VIDEO_FRAME_COMP_HEIGHT (frame, c);
  }

  for (y = 0; y < height; y++) {
    const guint8 *row_y = (const guint8 *) GST_VIDEO_FRAME_COMP_DATA (frame,
        0) + component_row (y, hsub[0], interlaced, n_rows[0]) * rstride[0];
    const guint8 *row_u = (const guint8 *) GST_VIDEO_FRAME_COMP_DATA (frame,
        1) + component_row (y, hsub[1], interlaced, n_rows[1]) * rstride[1];
    const guint8 *row_v = (const guint8 *) GST_VIDEO_FRAME_COMP_DATA (frame,
        2) + component_row (y, hsub[2], interlaced, n_rows[2]) * rstride[2];
    guint8 *d = rgb + y * stride;

    for (x = 0; x < width; x++, d += 3) {
      gint32 yy = conv->y_term[row_y[(x >> wsub[0]) * pstride[0]]];
      guint8 u = row_u[(x >> wsub[1]) * pstride[1]];
      guint8 v = row_v[(x >> wsub[2]) * pstride[2]];

      d[0] = fix_to_level (yy + conv->r_v[v]);
      d[1] = fix_to_level (yy + conv->g_u[u] + conv->g_v[v]);
      d[2] = fix_to_level (yy + conv->b_u[u]);
    }
  }
}

gboolean
gst_vgg19_frame_converter_to_rgb (GstVgg19FrameConverter * conv,
    const GstVideoFrame * frame, guint8 * rgb, gsize stride, GError ** error)
{
  g_return_val_if_fail (conv != NULL && frame != NULL && rgb != NULL, FALSE);

  if (!check_frame (conv, frame, error))
    return FALSE;
  if (stride < (gsize) GST_VIDEO_FRAME_WIDTH (frame) * 3) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "RGB stride %" G_GSIZE_FORMAT " is below 3 x %d", stride,
        GST_VIDEO_FRAME_WIDTH (frame));
    return FALSE;
  }

  switch (conv->kind) {
    case CONVERT_PACKED:
    case CONVERT_RGB_LEVELS:
    case CONVERT_GRAY_LEVELS:
      packed_to_rgb (frame, conv->levels, rgb, stride);
      break;
    case CONVERT_YUV:
      yuv_to_rgb (conv, frame, rgb, stride);
      break;
  }
  return TRUE;
}

gboolean
gst_vgg19_frame_converter_run (GstVgg19FrameConverter * conv,
    const GstVideoFrame * frame, float *out, GError ** error)
{
  Vgg19PackedImage image;

  g_return_val_if_fail (conv != NULL && frame != NULL && out != NULL, FALSE);

  if (!check_frame (conv, frame, error))
    return FALSE;

  if (conv->kind == CONVERT_PACKED) {
    frame_as_packed (frame, &image);
  } else {
    if (!gst_vgg19_frame_converter_to_rgb (conv, frame, conv->rgb,
            conv->rgb_stride, error))
      return FALSE;
    image.data = conv->rgb;
    image.width = GST_VIDEO_FRAME_WIDTH (frame);
    image.height = GST_VIDEO_FRAME_HEIGHT (frame);
    image.stride = conv->rgb_stride;
    image.pixel_stride = 3;
    image.r_offset = 0;
    image.g_offset = 1;
    image.b_offset = 2;
  }
  return vgg19_preprocessor_run (conv->preprocessor, &image, out, error);
}
