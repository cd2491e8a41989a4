/* Image preprocessing: 8-bit packed pixels to the normalised planar float
 * input of the network, resized the way torch/torchvision do it.
 *
 * Each step copies torch's float arithmetic, including where torch
 * computes in double and rounds to float, so that the result agrees with
 * the reference pipeline (torch's portable kernels) bit for bit rather
 * than just approximately:
 *   x = v / 255 (float), resized with the antialiased bilinear filter
 *   (rows first, then columns, float intermediate), then
 *   (x - mean[c]) / std[c] with mean and std rounded to float. */
#include <math.h>
#include <string.h>

#include "preprocess.h"

/* torchvision's crop mode: short side to this, then the centre square. */
#define CROP_RESIZE_SIDE 256

/* torch builds its mean/std tensors from Python floats (doubles), so the
 * constants are rounded from the double, not from the decimal literal. */
const double vgg19_imagenet_mean[3] = { 0.485, 0.456, 0.406 };
const double vgg19_imagenet_std[3] = { 0.229, 0.224, 0.225 };

gboolean
vgg19_resize_from_string (const char *name, Vgg19Resize * out,
    GError ** error)
{
  Vgg19Resize mode;

  if (g_strcmp0 (name, "stretch") == 0)
    mode = VGG19_RESIZE_STRETCH;
  else if (g_strcmp0 (name, "crop") == 0)
    mode = VGG19_RESIZE_CROP;
  else if (g_strcmp0 (name, "none") == 0)
    mode = VGG19_RESIZE_NONE;
  else {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "unknown resize mode \"%s\" (expected \"stretch\", \"crop\" or "
        "\"none\")", name ? name : "(null)");
    return FALSE;
  }
  if (out)
    *out = mode;
  return TRUE;
}

const char *
vgg19_resize_to_string (Vgg19Resize mode)
{
  switch (mode) {
    case VGG19_RESIZE_STRETCH:
      return "stretch";
    case VGG19_RESIZE_CROP:
      return "crop";
    case VGG19_RESIZE_NONE:
      return "none";
  }
  return "unknown";
}

gboolean
vgg19_preprocess_size (Vgg19Resize mode, guint width, guint height,
    guint * out_width, guint * out_height, GError ** error)
{
  guint ow, oh;

  if (width == 0 || height == 0) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "image of %ux%u is empty", width, height);
    return FALSE;
  }
  switch (mode) {
    case VGG19_RESIZE_STRETCH:
    case VGG19_RESIZE_CROP:
      ow = oh = VGG19_CLASSIFIER_SIDE;
      break;
    case VGG19_RESIZE_NONE:
      if (width < VGG19_MIN_INPUT_SIDE || height < VGG19_MIN_INPUT_SIDE) {
        g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
            "image of %ux%u is smaller than the network's minimum input "
            "of %ux%u (resize \"none\" keeps the native size; use "
            "\"stretch\" or \"crop\")", width, height,
            VGG19_MIN_INPUT_SIDE, VGG19_MIN_INPUT_SIDE);
        return FALSE;
      }
      ow = width;
      oh = height;
      break;
    default:
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
          "unknown resize mode %d", (int) mode);
      return FALSE;
  }
  if (out_width)
    *out_width = ow;
  if (out_height)
    *out_height = oh;
  return TRUE;
}

gboolean
vgg19_packed_image_check (const Vgg19PackedImage * image, GError ** error)
{
  gsize row_bytes, last_row, span;

  if (image == NULL || image->data == NULL) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "image: no pixel data (NULL)");
    return FALSE;
  }
  if (image->width == 0 || image->height == 0) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "image: size %ux%u is empty (expected at least 1x1)",
        image->width, image->height);
    return FALSE;
  }
  if (image->pixel_stride < 1 || image->pixel_stride > 8) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "image: pixel_stride %u out of range (expected 1 to 8 bytes)",
        image->pixel_stride);
    return FALSE;
  }
  if (image->r_offset >= image->pixel_stride
      || image->g_offset >= image->pixel_stride
      || image->b_offset >= image->pixel_stride) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "image: channel offsets r=%u g=%u b=%u must be below the "
        "pixel_stride of %u", image->r_offset, image->g_offset,
        image->b_offset, image->pixel_stride);
    return FALSE;
  }
  if (!g_size_checked_mul (&row_bytes, image->width, image->pixel_stride)
      || image->stride < row_bytes) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "image: stride of %" G_GSIZE_FORMAT " bytes is shorter than a row "
        "of %u pixels of %u bytes", image->stride, image->width,
        image->pixel_stride);
    return FALSE;
  }
  /* The last byte read must be addressable without wrapping around. */
  if (!g_size_checked_mul (&last_row, image->height - 1, image->stride)
      || !g_size_checked_add (&span, last_row, row_bytes)
      || span > G_MAXSSIZE) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "image: %u rows of %" G_GSIZE_FORMAT " bytes do not fit in memory",
        image->height, image->stride);
    return FALSE;
  }
  return TRUE;
}

/* ---------------------------------------------------------------- */
/* Filter taps                                                       */
/* ---------------------------------------------------------------- */

/* The bilinear kernel; torch evaluates it in the sample type. */
static float
triangle (float x)
{
  if (x < 0.0f)
    x = -x;
  return x < 1.0f ? 1.0f - x : 0.0f;
}

void
vgg19_taps_clear (Vgg19Taps * taps)
{
  g_free (taps->start);
  g_free (taps->count);
  g_free (taps->weights);
  memset (taps, 0, sizeof (*taps));
}

gboolean
vgg19_taps_init (Vgg19Taps * taps, guint in_size, guint64 out_size,
    guint64 first, guint n, GError ** error)
{
  float scale, support, invscale;
  gsize n_weights;
  guint i, max_taps = 0;

  memset (taps, 0, sizeof (*taps));
  if (in_size == 0 || n == 0 || out_size == 0 || first > out_size
      || n > out_size - first || out_size > G_MAXINT64 / 2) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "resampling window of %u from %" G_GUINT64_FORMAT " at %"
        G_GUINT64_FORMAT " (input %u) is out of range", n, out_size, first,
        in_size);
    return FALSE;
  }

  /* Same types as torch: the scale is float(in) / out in float, the
   * support of the triangle widens with the scale when downsampling. */
  scale = (float) in_size / (float) out_size;
  support = scale >= 1.0f ? scale : 1.0f;
  invscale = scale >= 1.0f ? (float) (1.0 / scale) : 1.0f;

  taps->n = n;
  taps->start = g_try_new (guint, n);
  taps->count = g_try_new (guint, n);
  if (taps->start == NULL || taps->count == NULL)
    goto no_memory;

  /* First pass: the input interval of every output, to size the table. */
  for (i = 0; i < n; i++) {
    gint64 o = (gint64) (first + i);
    float center = (float) ((double) scale * ((double) o + 0.5));
    gint64 xmin = (gint64) ((double) (center - support) + 0.5);
    gint64 xmax = (gint64) ((double) (center + support) + 0.5);

    xmin = MAX (xmin, 0);
    xmax = MIN (xmax, (gint64) in_size);
    xmin = MIN (xmin, (gint64) in_size);
    taps->start[i] = (guint) xmin;
    taps->count[i] = xmax > xmin ? (guint) (xmax - xmin) : 0;
    max_taps = MAX (max_taps, taps->count[i]);
  }
  taps->max_taps = MAX (max_taps, 1);
  if (!g_size_checked_mul (&n_weights, n, taps->max_taps))
    goto no_memory;
  taps->weights = g_try_new0 (float, n_weights);
  if (taps->weights == NULL)
    goto no_memory;

  taps->lo = in_size;
  taps->hi = 0;
  for (i = 0; i < n; i++) {
    gint64 o = (gint64) (first + i);
    float center = (float) ((double) scale * ((double) o + 0.5));
    float *w = taps->weights + (gsize) i * taps->max_taps;
    guint xmin = taps->start[i], size = taps->count[i], j, a, b;
    float total = 0.0f;

    for (j = 0; j < size; j++) {
      /* torch: filter((j + xmin - center + 0.5) * invscale), the
       * difference in float, the rest in double, the argument in float. */
      float d = (float) (xmin + j) - center;
      w[j] = triangle ((float) (((double) d + 0.5) * (double) invscale));
      total += w[j];
    }
    if (total != 0.0f)
      for (j = 0; j < size; j++)
        w[j] /= total;

    /* Drop zero weights at both ends (exact: 0 * v adds +0). */
    for (a = 0; a < size && w[a] == 0.0f; a++);
    for (b = size; b > a && w[b - 1] == 0.0f; b--);
    if (a > 0)
      memmove (w, w + a, (b - a) * sizeof (float));
    for (j = b - a; j < size; j++)
      w[j] = 0.0f;
    taps->start[i] = xmin + a;
    taps->count[i] = b - a;
    if (b > a) {
      taps->lo = MIN (taps->lo, taps->start[i]);
      taps->hi = MAX (taps->hi, taps->start[i] + taps->count[i]);
    }
  }
  if (taps->hi < taps->lo)
    taps->lo = taps->hi = 0;
  return TRUE;

no_memory:
  vgg19_taps_clear (taps);
  g_set_error (error, VGG19_ERROR, VGG19_ERROR_NO_MEMORY,
      "cannot allocate the resampling tables for %u outputs from %u inputs",
      n, in_size);
  return FALSE;
}

/* ---------------------------------------------------------------- */
/* Geometry                                                          */
/* ---------------------------------------------------------------- */

void
vgg19_crop_geometry (guint width, guint height, guint64 * resized_width,
    guint64 * resized_height, guint64 * left, guint64 * top)
{
  guint shorter = MIN (width, height), longer = MAX (width, height);
  /* torchvision: int(256 * long / short). The exact quotient is never
   * within float rounding of an integer for 32-bit sizes, so integer
   * division gives the same value. */
  guint64 new_long = shorter ? (guint64) CROP_RESIZE_SIDE * longer / shorter
      : 0;
  guint64 rw, rh;

  if (width <= height) {
    rw = CROP_RESIZE_SIDE;
    rh = new_long;
  } else {
    rw = new_long;
    rh = CROP_RESIZE_SIDE;
  }
  *resized_width = rw;
  *resized_height = rh;
  /* int(round((size - 224) / 2.0)): Python rounds halves to even, as
   * nearbyint() does in the default rounding mode. */
  *left = rw > VGG19_CLASSIFIER_SIDE ?
      (guint64) nearbyint ((double) (rw - VGG19_CLASSIFIER_SIDE) / 2.0) : 0;
  *top = rh > VGG19_CLASSIFIER_SIDE ?
      (guint64) nearbyint ((double) (rh - VGG19_CLASSIFIER_SIDE) / 2.0) : 0;
}

/* ---------------------------------------------------------------- */
/* Conversion                                                        */
/* ---------------------------------------------------------------- */

static void
fill_unit_lut (float lut[256])
{
  guint v;

  for (v = 0; v < 256; v++)
    lut[v] = (float) v / 255.0f;
}

/* The row loops below run over blocks of a constant length, the shape of
 * loop the compiler vectorises at -O2 (their indices are gsize: with
 * 32-bit ones it cannot rule out wrap-around and gives up). Every element
 * still goes through exactly the scalar formula (no reassociation, no
 * contraction into a fused multiply-add on the baseline x86-64), so the
 * vectors change the speed and nothing else. */
#define ROW_BLOCK 16

static void
normalise_row (float *row, guint n, guint c)
{
  const float mean = (float) vgg19_imagenet_mean[c];
  const float std = (float) vgg19_imagenet_std[c];
  gsize x = 0, j;

  for (; n - x >= ROW_BLOCK; x += ROW_BLOCK)
    for (j = 0; j < ROW_BLOCK; j++)
      row[x + j] = (row[x + j] - mean) / std;
  for (; x < n; x++)
    row[x] = (row[x] - mean) / std;
}

/* o = s * w */
static void
scale_row (float *restrict o, const float *restrict s, float w, guint n)
{
  gsize x = 0, j;

  for (; n - x >= ROW_BLOCK; x += ROW_BLOCK)
    for (j = 0; j < ROW_BLOCK; j++)
      o[x + j] = s[x + j] * w;
  for (; x < n; x++)
    o[x] = s[x] * w;
}

/* o += s * w */
static void
add_scaled_row (float *restrict o, const float *restrict s, float w,
    guint n)
{
  gsize x = 0, j;

  for (; n - x >= ROW_BLOCK; x += ROW_BLOCK)
    for (j = 0; j < ROW_BLOCK; j++)
      o[x + j] += s[x + j] * w;
  for (; x < n; x++)
    o[x] += s[x] * w;
}

/* Native size: every output depends on one input byte, so a table of the
 * 256 normalised values per channel is the whole computation. */
static void
preprocess_native (const Vgg19PackedImage * image,
    const float lut[3][256], float *out)
{
  const guint offsets[3] = { image->r_offset, image->g_offset,
    image->b_offset
  };
  gsize plane = (gsize) image->width * image->height;
  guint c, x, y;

  for (y = 0; y < image->height; y++) {
    const guint8 *row = image->data + (gsize) y * image->stride;

    for (c = 0; c < 3; c++) {
      const guint8 *p = row + offsets[c];
      float *o = out + c * plane + (gsize) y * image->width;

      for (x = 0; x < image->width; x++, p += image->pixel_stride)
        o[x] = lut[c][*p];
    }
  }
}

/* A pixel of the row buffer: R, G, B and an unused lane. Each lane does
 * exactly the float operations of the scalar formula, in the same order,
 * so the vectors change the speed and nothing else. */
typedef float Pixel4 __attribute__ ((vector_size (16)));

/* Outputs of the horizontal pass computed together: their sums are
 * independent chains, which hides the latency of the additions. The
 * lockstep loop below is written out for exactly four. */
#define H_GROUP 4

static inline Pixel4
horizontal_tap_sum (const Pixel4 * s, const float *w, guint n)
{
  Pixel4 acc = s[0] * w[0];
  guint k;

  /* Same order as torch: t0 * w0, then += tk * wk. */
  for (k = 1; k < n; k++)
    acc += s[k] * w[k];
  return acc;
}

/* One input row resampled horizontally: @dst gets 3 planes of tx->n. */
static void
resample_row (const Vgg19PackedImage * image, const Vgg19Taps * tx,
    const float unit[256], guint row, Pixel4 * rowbuf, float *dst)
{
  const guint8 *p = image->data + (gsize) row * image->stride
      + (gsize) tx->lo * image->pixel_stride;
  const guint ps = image->pixel_stride, ro = image->r_offset,
      go = image->g_offset, bo = image->b_offset;
  guint len = tx->hi - tx->lo, n = tx->n, i, x, j, k;
  float *d0 = dst, *d1 = dst + n, *d2 = dst + 2 * (gsize) n;

  for (i = 0; i < len; i++, p += ps) {
    Pixel4 v = { unit[p[ro]], unit[p[go]], unit[p[bo]], 0.0f };
    rowbuf[i] = v;
  }

  for (x = 0; x < n; x += H_GROUP) {
    Pixel4 acc[H_GROUP];
    const Pixel4 *s[H_GROUP];
    const float *w[H_GROUP];
    guint count[H_GROUP], m = G_MAXUINT, g = MIN (H_GROUP, n - x);

    for (j = 0; j < g; j++) {
      count[j] = tx->count[x + j];
      s[j] = count[j] ? rowbuf + (tx->start[x + j] - tx->lo) : rowbuf;
      w[j] = tx->weights + (gsize) (x + j) * tx->max_taps;
      m = MIN (m, count[j]);
    }
    if (g == H_GROUP && m > 0) {
      /* The common part of the sums in lockstep, then each one's rest.
       * Named accumulators: an array of them would live in memory. */
      Pixel4 a0 = s[0][0] * w[0][0], a1 = s[1][0] * w[1][0];
      Pixel4 a2 = s[2][0] * w[2][0], a3 = s[3][0] * w[3][0];

      for (k = 1; k < m; k++) {
        a0 += s[0][k] * w[0][k];
        a1 += s[1][k] * w[1][k];
        a2 += s[2][k] * w[2][k];
        a3 += s[3][k] * w[3][k];
      }
      for (k = m; k < count[0]; k++)
        a0 += s[0][k] * w[0][k];
      for (k = m; k < count[1]; k++)
        a1 += s[1][k] * w[1][k];
      for (k = m; k < count[2]; k++)
        a2 += s[2][k] * w[2][k];
      for (k = m; k < count[3]; k++)
        a3 += s[3][k] * w[3][k];
      acc[0] = a0;
      acc[1] = a1;
      acc[2] = a2;
      acc[3] = a3;
    } else {
      for (j = 0; j < g; j++) {
        Pixel4 zero = { 0.0f, 0.0f, 0.0f, 0.0f };
        acc[j] = count[j] ? horizontal_tap_sum (s[j], w[j], count[j]) : zero;
      }
    }
    for (j = 0; j < g; j++) {
      d0[x + j] = acc[j][0];
      d1[x + j] = acc[j][1];
      d2[x + j] = acc[j][2];
    }
  }
}

/* ---------------------------------------------------------------- */
/* Resampling plans                                                  */
/* ---------------------------------------------------------------- */

/* Everything a resize needs that depends only on the sizes: the taps of
 * both passes and the scratch rows. Built once per input size, it makes
 * each image's resize free of allocations and of filter evaluations. */
typedef struct
{
  gboolean valid;
  guint in_width, in_height;    /* the image size the plan is for */
  guint out_width, out_height;
  Vgg19Taps tx, ty;
  guint cap;                    /* rows in the ring */
  gsize ring_row;               /* floats per ring row: 3 planes */
  Pixel4 *rowbuf;               /* one input row as pixels */
  float *ring;                  /* cap rows resampled horizontally */
  gint64 *slot_row;             /* the input row in each ring slot, or -1 */
} ResamplePlan;

static void
plan_clear (ResamplePlan * plan)
{
  vgg19_taps_clear (&plan->tx);
  vgg19_taps_clear (&plan->ty);
  g_free (plan->rowbuf);
  g_free (plan->ring);
  g_free (plan->slot_row);
  memset (plan, 0, sizeof (*plan));
}

static gboolean
plan_init (ResamplePlan * plan, guint in_width, guint in_height,
    guint64 full_width, guint64 full_height, guint64 left, guint64 top,
    guint out_width, guint out_height, GError ** error)
{
  gsize plane, ring_floats;

  memset (plan, 0, sizeof (*plan));
  if (!vgg19_taps_init (&plan->tx, in_width, full_width, left, out_width,
          error))
    return FALSE;
  if (!vgg19_taps_init (&plan->ty, in_height, full_height, top, out_height,
          error)) {
    plan_clear (plan);
    return FALSE;
  }

  /* Rows resampled horizontally are kept in a ring: the rows an output row
   * needs are consecutive and at most max_taps of them, so row r can live
   * in slot r % cap without evicting one still in use. Rows no output
   * reads (outside a crop) are never computed. */
  plan->cap = plan->ty.max_taps;
  if (!g_size_checked_mul (&plane, out_width, out_height)
      || !g_size_checked_mul (&plan->ring_row, 3, out_width)
      || !g_size_checked_mul (&ring_floats, plan->ring_row, plan->cap))
    goto no_memory;
  /* malloc aligns to 16 bytes on x86-64, as the vector type needs. */
  plan->rowbuf = g_try_new (Pixel4, MAX (plan->tx.hi - plan->tx.lo, 1));
  plan->ring = g_try_new (float, ring_floats);
  plan->slot_row = g_try_new (gint64, plan->cap);
  if (plan->rowbuf == NULL || plan->ring == NULL || plan->slot_row == NULL)
    goto no_memory;

  plan->in_width = in_width;
  plan->in_height = in_height;
  plan->out_width = out_width;
  plan->out_height = out_height;
  plan->valid = TRUE;
  return TRUE;

no_memory:
  plan_clear (plan);
  g_set_error (error, VGG19_ERROR, VGG19_ERROR_NO_MEMORY,
      "cannot allocate %ux%u resampling buffers for a %ux%u image",
      out_width, out_height, in_width, in_height);
  return FALSE;
}

/* Resizes and normalises @image (of the plan's input size) into @out. */
static void
plan_run (ResamplePlan * plan, const Vgg19PackedImage * image,
    const float unit[256], float *out)
{
  const Vgg19Taps *ty = &plan->ty;
  guint out_width = plan->out_width, out_height = plan->out_height;
  gsize plane = (gsize) out_width * out_height, ring_row = plan->ring_row;
  guint cap = plan->cap, y, c, k;
  float *ring = plan->ring;

  /* The ring holds rows of the previous image. */
  for (k = 0; k < cap; k++)
    plan->slot_row[k] = -1;

  for (y = 0; y < out_height; y++) {
    guint start = ty->start[y], n = ty->count[y];
    const float *w = ty->weights + (gsize) y * ty->max_taps;

    for (k = 0; k < n; k++) {
      guint r = start + k, slot = r % cap;

      if (plan->slot_row[slot] != (gint64) r) {
        resample_row (image, &plan->tx, unit, r, plan->rowbuf,
            ring + (gsize) slot * ring_row);
        plan->slot_row[slot] = r;
      }
    }
    for (c = 0; c < 3; c++) {
      float *o = out + c * plane + (gsize) y * out_width;

      if (n == 0) {
        memset (o, 0, out_width * sizeof (float));
      } else {
        scale_row (o, ring + (gsize) (start % cap) * ring_row
            + (gsize) c * out_width, w[0], out_width);
        for (k = 1; k < n; k++)
          add_scaled_row (o, ring + (gsize) ((start + k) % cap) * ring_row
              + (gsize) c * out_width, w[k], out_width);
      }
      normalise_row (o, out_width, c);
    }
  }
}

static gboolean
check_output (const float *out, GError ** error)
{
  if (out == NULL) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "no output buffer (NULL)");
    return FALSE;
  }
  return TRUE;
}

gboolean
vgg19_preprocess_window (const Vgg19PackedImage * image, guint64 full_width,
    guint64 full_height, guint64 left, guint64 top, guint out_width,
    guint out_height, float *out, GError ** error)
{
  ResamplePlan plan;
  float unit[256];

  if (!vgg19_packed_image_check (image, error) || !check_output (out, error))
    return FALSE;
  if (!plan_init (&plan, image->width, image->height, full_width,
          full_height, left, top, out_width, out_height, error))
    return FALSE;
  fill_unit_lut (unit);
  plan_run (&plan, image, unit, out);
  plan_clear (&plan);
  return TRUE;
}

/* ---------------------------------------------------------------- */
/* Preprocessors                                                     */
/* ---------------------------------------------------------------- */

struct _Vgg19Preprocessor
{
  Vgg19Resize mode;
  float unit[256];              /* v / 255 */
  float native[3][256];         /* normalised values, for VGG19_RESIZE_NONE */
  ResamplePlan plan;            /* for the last image size seen */
  guint out_width, out_height;  /* set_output_size(), 0 x 0: the mode's */
};

static gboolean
check_mode (Vgg19Resize mode, GError ** error)
{
  switch (mode) {
    case VGG19_RESIZE_STRETCH:
    case VGG19_RESIZE_CROP:
    case VGG19_RESIZE_NONE:
      return TRUE;
  }
  g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
      "unknown resize mode %d", (int) mode);
  return FALSE;
}

static void
preprocessor_init (Vgg19Preprocessor * pre, Vgg19Resize mode)
{
  guint c, v;

  memset (pre, 0, sizeof (*pre));
  pre->mode = mode;
  fill_unit_lut (pre->unit);
  for (c = 0; c < 3; c++) {
    const float mean = (float) vgg19_imagenet_mean[c];
    const float std = (float) vgg19_imagenet_std[c];

    /* The formula of normalise_row(). */
    for (v = 0; v < 256; v++)
      pre->native[c][v] = (pre->unit[v] - mean) / std;
  }
}

/* The plan for images of @width x @height (a size the mode accepts, whose
 * network input is @out_width x @out_height), rebuilt only when the size
 * changed. */
static gboolean
preprocessor_plan (Vgg19Preprocessor * pre, guint width, guint height,
    guint out_width, guint out_height, GError ** error)
{
  guint64 full_w = out_width, full_h = out_height, left = 0, top = 0;

  if (width == out_width && height == out_height
      && (pre->mode == VGG19_RESIZE_NONE || pre->out_width != 0))
    return TRUE;                /* a lookup table does it all */
  if (pre->plan.valid && pre->plan.in_width == width
      && pre->plan.in_height == height && pre->plan.out_width == out_width
      && pre->plan.out_height == out_height)
    return TRUE;

  plan_clear (&pre->plan);
  if (pre->mode == VGG19_RESIZE_CROP && pre->out_width == 0)
    vgg19_crop_geometry (width, height, &full_w, &full_h, &left, &top);
  return plan_init (&pre->plan, width, height, full_w, full_h, left, top,
      out_width, out_height, error);
}

static gboolean
preprocessor_run (Vgg19Preprocessor * pre, const Vgg19PackedImage * image,
    float *out, GError ** error)
{
  guint ow, oh;

  if (!vgg19_packed_image_check (image, error) || !check_output (out, error))
    return FALSE;
  if (pre->out_width != 0) {
    ow = pre->out_width;
    oh = pre->out_height;
  } else if (!vgg19_preprocess_size (pre->mode, image->width, image->height,
          &ow, &oh, error))
    return FALSE;

  if (image->width == ow && image->height == oh
      && (pre->mode == VGG19_RESIZE_NONE || pre->out_width != 0)) {
    preprocess_native (image, pre->native, out);
    return TRUE;
  }
  if (!preprocessor_plan (pre, image->width, image->height, ow, oh, error))
    return FALSE;
  plan_run (&pre->plan, image, pre->unit, out);
  return TRUE;
}

Vgg19Preprocessor *
vgg19_preprocessor_new (Vgg19Resize mode, guint width, guint height,
    GError ** error)
{
  Vgg19Preprocessor *pre;
  guint ow, oh;

  if (!check_mode (mode, error))
    return NULL;
  if ((width == 0) != (height == 0)) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "image size %ux%u: give both sides, or 0x0 for images of any size",
        width, height);
    return NULL;
  }
  if (width != 0 && !vgg19_preprocess_size (mode, width, height, &ow, &oh,
          error))
    return NULL;

  pre = g_new (Vgg19Preprocessor, 1);
  preprocessor_init (pre, mode);
  if (width != 0 && !preprocessor_plan (pre, width, height, ow, oh, error)) {
    vgg19_preprocessor_free (pre);
    return NULL;
  }
  return pre;
}

void
vgg19_preprocessor_free (Vgg19Preprocessor * pre)
{
  if (pre == NULL)
    return;
  plan_clear (&pre->plan);
  g_free (pre);
}

gboolean
vgg19_preprocessor_set_output_size (Vgg19Preprocessor * pre, guint width,
    guint height, GError ** error)
{
  if ((width == 0) != (height == 0)) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "output size %ux%u: give both sides, or 0x0 for the mode's sizes",
        width, height);
    return FALSE;
  }
  if (width != 0 && (width < VGG19_MIN_INPUT_SIDE
          || height < VGG19_MIN_INPUT_SIDE || width > VGG19_MAX_INPUT_SIDE
          || height > VGG19_MAX_INPUT_SIDE
          || (guint64) width * height > VGG19_MAX_INPUT_PIXELS)) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "output size %ux%u is out of range (%u to %u pixels per side, at "
        "most %u in all)", width, height, VGG19_MIN_INPUT_SIDE,
        VGG19_MAX_INPUT_SIDE, VGG19_MAX_INPUT_PIXELS);
    return FALSE;
  }
  pre->out_width = width;
  pre->out_height = height;
  plan_clear (&pre->plan);
  return TRUE;
}

gboolean
vgg19_preprocessor_get_output_size (const Vgg19Preprocessor * pre,
    guint width, guint height, guint * out_width, guint * out_height,
    GError ** error)
{
  if (pre->out_width != 0) {
    *out_width = pre->out_width;
    *out_height = pre->out_height;
    return TRUE;
  }
  return vgg19_preprocess_size (pre->mode, width, height, out_width,
      out_height, error);
}

Vgg19Resize
vgg19_preprocessor_get_resize (const Vgg19Preprocessor * pre)
{
  g_return_val_if_fail (pre != NULL, VGG19_RESIZE_STRETCH);
  return pre->mode;
}

gboolean
vgg19_preprocessor_run (Vgg19Preprocessor * pre,
    const Vgg19PackedImage * image, float *out, GError ** error)
{
  if (pre == NULL) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "no preprocessor (NULL)");
    return FALSE;
  }
  return preprocessor_run (pre, image, out, error);
}

/* The one-shot form: a preprocessor that lives for one image. */
gboolean
vgg19_preprocess_packed (const Vgg19PackedImage * image, Vgg19Resize mode,
    float *out, GError ** error)
{
  Vgg19Preprocessor pre;
  gboolean ok;

  if (!vgg19_packed_image_check (image, error) || !check_output (out, error)
      || !check_mode (mode, error))
    return FALSE;
  preprocessor_init (&pre, mode);
  ok = preprocessor_run (&pre, image, out, error);
  plan_clear (&pre.plan);
  return ok;
}
