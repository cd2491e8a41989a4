/* A cheap signature of a video frame: its luma thumbnail, normalised.
 *
 * The area average is separable: each row of the frame is first reduced
 * to GST_VGG19_SIGNATURE_WIDTH column cells, then the rows are reduced to
 * GST_VGG19_SIGNATURE_HEIGHT row cells. On each axis, cell c of m covers
 * [c n / m, (c + 1) n / m) of the n pixels, and each pixel weighs its
 * overlap with that span over the span's length; with everything scaled
 * by m the bounds and overlaps are integers, so the weights are exact
 * whatever the ratio, frames narrower than the grid included (a pixel
 * then covers several cells).
 *
 * The frame is read once, one row at a time: its luma into a scratch row
 * (the Y samples as they are, or RGB through BT.601's weights), the row's
 * column cells into a table of all rows, from which the row cells are
 * summed. Everything is allocated with the maker. */
#include <math.h>
#include <string.h>

#include <vgg19/vgg19.h>

#include "frame_convert.h"
#include "frame_signature.h"

/* The pixels one cell of an axis averages: @count pixels from @first,
 * weighing weights[@weight_index ...]. */
typedef struct
{
  guint first;
  guint count;
  guint weight_index;
} AxisCell;

typedef struct
{
  AxisCell *cells;
  gfloat *weights;
} AxisTable;

struct _GstVgg19SignatureMaker
{
  GstVideoInfo info;
  gboolean rgb;

  AxisTable columns;            /* frame width to GST_VGG19_SIGNATURE_WIDTH */
  AxisTable rows;               /* frame height to GST_VGG19_SIGNATURE_HEIGHT */

  gfloat *luma_row;             /* one row of the frame's luma */
  gfloat *row_cells;            /* height x GST_VGG19_SIGNATURE_WIDTH */
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

/* The table averaging @n pixels into @m cells. A cell spans at most
 * n / m + 2 pixels (its partly covered ends), so the weights of all cells
 * take at most n + 2 m entries. */
static void
axis_table_init (AxisTable * table, guint n, guint m)
{
  guint c, p, k = 0;

  table->cells = g_new (AxisCell, m);
  table->weights = g_new (gfloat, n + 2 * m);
  for (c = 0; c < m; c++) {
    /* in units of 1 / m pixel */
    guint64 start = (guint64) c * n, end = (guint64) (c + 1) * n;
    guint first = start / m, last = (end + m - 1) / m;

    table->cells[c].first = first;
    table->cells[c].count = last - first;
    table->cells[c].weight_index = k;
    for (p = first; p < last; p++) {
      guint64 lo = MAX ((guint64) p * m, start);
      guint64 hi = MIN ((guint64) (p + 1) * m, end);

      table->weights[k++] = (gfloat) ((gdouble) (hi - lo) / n);
    }
  }
}

static void
axis_table_clear (AxisTable * table)
{
  g_free (table->cells);
  g_free (table->weights);
}

GstVgg19SignatureMaker *
gst_vgg19_signature_maker_new (const GstVideoInfo * info, GError ** error)
{
  GstVgg19SignatureMaker *maker;
  GstVideoFormat format;
  guint width, height;

  g_return_val_if_fail (info != NULL && info->finfo != NULL, NULL);

  format = GST_VIDEO_INFO_FORMAT (info);
  width = GST_VIDEO_INFO_WIDTH (info);
  height = GST_VIDEO_INFO_HEIGHT (info);
  if (!format_supported (format)) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "video format %s has no frame signature (expected one of %s)",
        gst_video_format_to_string (format), GST_VGG19_VIDEO_FORMATS);
    return NULL;
  }
  if (width == 0 || height == 0) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "a %ux%u frame has no frame signature", width, height);
    return NULL;
  }

  maker = g_new0 (GstVgg19SignatureMaker, 1);
  maker->info = *info;
  maker->rgb = GST_VIDEO_INFO_IS_RGB (info);
  axis_table_init (&maker->columns, width, GST_VGG19_SIGNATURE_WIDTH);
  axis_table_init (&maker->rows, height, GST_VGG19_SIGNATURE_HEIGHT);
  maker->luma_row = g_new (gfloat, width);
  maker->row_cells = g_try_new (gfloat,
      (gsize) height * GST_VGG19_SIGNATURE_WIDTH);
  if (maker->row_cells == NULL) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_NO_MEMORY,
        "cannot allocate the thumbnail rows of a %ux%u frame", width, height);
    gst_vgg19_signature_maker_free (maker);
    return NULL;
  }
  return maker;
}

void
gst_vgg19_signature_maker_free (GstVgg19SignatureMaker * maker)
{
  if (!maker)
    return;
  axis_table_clear (&maker->columns);
  axis_table_clear (&maker->rows);
  g_free (maker->luma_row);
  g_free (maker->row_cells);
  g_free (maker);
}

/* Row @y of @frame's luma into @out. */
static void
read_luma_row (const GstVgg19SignatureMaker * maker,
    const GstVideoFrame * frame, guint y, gfloat * out)
{
  guint width = GST_VIDEO_FRAME_WIDTH (frame);
  guint x;

  if (maker->rgb) {
    const guint8 *r = (const guint8 *) GST_VIDEO_FRAME_COMP_DATA (frame,
        GST_VIDEO_COMP_R) + y * GST_VIDEO_FRAME_COMP_STRIDE (frame,
        GST_VIDEO_COMP_R);
    const guint8 *g = (const guint8 *) GST_VIDEO_FRAME_COMP_DATA (frame,
        GST_VIDEO_COMP_G) + y * GST_VIDEO_FRAME_COMP_STRIDE (frame,
        GST_VIDEO_COMP_G);
    const guint8 *b = (const guint8 *) GST_VIDEO_FRAME_COMP_DATA (frame,
        GST_VIDEO_COMP_B) + y * GST_VIDEO_FRAME_COMP_STRIDE (frame,
        GST_VIDEO_COMP_B);
    guint pstride = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, GST_VIDEO_COMP_R);

    for (x = 0; x < width; x++, r += pstride, g += pstride, b += pstride)
      out[x] = (77 * *r + 150 * *g + 29 * *b) * (1.0f / 256);
  } else {
    /* YUV and grey: component 0 is luma, packed or planar */
    const guint8 *s = (const guint8 *) GST_VIDEO_FRAME_COMP_DATA (frame,
        0) + y * GST_VIDEO_FRAME_COMP_STRIDE (frame, 0);
    guint pstride = GST_VIDEO_FRAME_COMP_PSTRIDE (frame, 0);

    for (x = 0; x < width; x++, s += pstride)
      out[x] = *s;
  }
}

static gboolean
check_frame (const GstVgg19SignatureMaker * maker,
    const GstVideoFrame * frame, GError ** error)
{
  const GstVideoInfo *info = &maker->info;

  if (GST_VIDEO_FRAME_FORMAT (frame) != GST_VIDEO_INFO_FORMAT (info)
      || GST_VIDEO_FRAME_WIDTH (frame) != GST_VIDEO_INFO_WIDTH (info)
      || GST_VIDEO_FRAME_HEIGHT (frame) != GST_VIDEO_INFO_HEIGHT (info)) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "frame is %s %dx%d, the signature maker was made for %s %dx%d",
        gst_video_format_to_string (GST_VIDEO_FRAME_FORMAT (frame)),
        GST_VIDEO_FRAME_WIDTH (frame), GST_VIDEO_FRAME_HEIGHT (frame),
        gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (info)),
        GST_VIDEO_INFO_WIDTH (info), GST_VIDEO_INFO_HEIGHT (info));
    return FALSE;
  }
  return TRUE;
}

gboolean
gst_vgg19_signature_maker_run (GstVgg19SignatureMaker * maker,
    const GstVideoFrame * frame, GstVgg19FrameSignature * signature,
    GError ** error)
{
  const AxisTable *columns = &maker->columns, *rows = &maker->rows;
  guint height, x, y, c, k;
  gdouble sum = 0.0, sum_sq = 0.0, norm;
  gfloat *values = signature->values;

  g_return_val_if_fail (maker != NULL && frame != NULL
      && signature != NULL, FALSE);

  if (!check_frame (maker, frame, error))
    return FALSE;
  height = GST_VIDEO_FRAME_HEIGHT (frame);

  /* each row to its column cells */
  for (y = 0; y < height; y++) {
    gfloat *cells = maker->row_cells + (gsize) y * GST_VGG19_SIGNATURE_WIDTH;

    read_luma_row (maker, frame, y, maker->luma_row);
    for (c = 0; c < GST_VGG19_SIGNATURE_WIDTH; c++) {
      const AxisCell *cell = &columns->cells[c];
      const gfloat *w = columns->weights + cell->weight_index;
      const gfloat *l = maker->luma_row + cell->first;
      gfloat acc = 0.0f;

      for (k = 0; k < cell->count; k++)
        acc += w[k] * l[k];
      cells[c] = acc;
    }
  }

  /* the rows' column cells to the thumbnail's rows */
  for (c = 0; c < GST_VGG19_SIGNATURE_HEIGHT; c++) {
    const AxisCell *cell = &rows->cells[c];
    const gfloat *w = rows->weights + cell->weight_index;
    gfloat *out = values + c * GST_VGG19_SIGNATURE_WIDTH;

    for (x = 0; x < GST_VGG19_SIGNATURE_WIDTH; x++)
      out[x] = 0.0f;
    for (k = 0; k < cell->count; k++) {
      const gfloat *in = maker->row_cells +
          (gsize) (cell->first + k) * GST_VGG19_SIGNATURE_WIDTH;

      for (x = 0; x < GST_VGG19_SIGNATURE_WIDTH; x++)
        out[x] += w[k] * in[x];
    }
  }

  for (k = 0; k < GST_VGG19_SIGNATURE_LENGTH; k++)
    sum += values[k];
  signature->mean = (gfloat) (sum / GST_VGG19_SIGNATURE_LENGTH);
  for (k = 0; k < GST_VGG19_SIGNATURE_LENGTH; k++) {
    gdouble d = values[k] - signature->mean;

    sum_sq += d * d;
  }
  norm = sqrt (sum_sq);
  signature->stddev = (gfloat) sqrt (sum_sq / GST_VGG19_SIGNATURE_LENGTH);
  signature->flat = signature->stddev < GST_VGG19_SIGNATURE_FLAT_STDDEV;

  for (k = 0; k < GST_VGG19_SIGNATURE_LENGTH; k++)
    values[k] = signature->flat ? 0.0f :
        (gfloat) ((values[k] - signature->mean) / norm);
  return TRUE;
}

gfloat
gst_vgg19_frame_signature_correlate (const GstVgg19FrameSignature * a,
    const GstVgg19FrameSignature * b)
{
  gdouble dot = 0.0;
  guint k;

  g_return_val_if_fail (a != NULL && b != NULL, 0.0f);

  if (a->flat || b->flat)
    return 0.0f;
  for (k = 0; k < GST_VGG19_SIGNATURE_LENGTH; k++)
    dot += (gdouble) a->values[k] * b->values[k];
  return (gfloat) CLAMP (dot, -1.0, 1.0);
}
