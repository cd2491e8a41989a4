/* The input and output transforms of Winograd F(4x4, 3x3), written once.
 * Private to the core.
 *
 * Each ISA's winograd file includes this header and so compiles the same
 * source with its own flags: the loops run over the 16 channels of a
 * block, independent lanes the compiler turns into one zmm, two ymm or
 * four xmm operations. The transforms do adds and multiplications by
 * powers of two per tile and channel, against 36 * OC multiply-adds per
 * tile and input channel for the products, so they need no hand-written
 * intrinsics; but with 64 or 128 channels they are a third of a layer's
 * time, so the code is written for the registers: a tile's loops are
 * unrolled with the edge tests decided once per tile, and the input
 * transform goes in halves that fit the 32 vector registers of AVX-512
 * (winograd_input_tile()). Against the plain loops this took the
 * transforms of a 64-channel layer from 2.0-2.4 to 1.4-1.6 ms (AVX-512, one
 * thread, 224 x 224) and 9.6 to 5.3 ms with AVX2.
 *
 * Matrices (Lavin & Gray 2016, interpolation points 0, -1, 1, -2, 2 and
 * infinity), in torch's correlation form (no filter flip):
 *   B^T = [ 4  0 -5  0  1  0 ]    A^T = [ 1  1  1  1  1  0 ]
 *         [ 0 -4 -4  1  1  0 ]          [ 0  1 -1  2 -2  0 ]
 *         [ 0  4 -4 -1  1  0 ]          [ 0  1  1  4  4  0 ]
 *         [ 0 -2 -1  2  1  0 ]          [ 0  1 -1  8 -8  1 ]
 *         [ 0  2 -1 -2  1  0 ]
 *         [ 0  4  0 -5  0  1 ]
 * and G in winograd_pack.c. Point p = 6 i + j is row i of the row
 * transform and row j of the column transform.
 */
#ifndef VGG19_KERNELS_WINOGRAD_TRANSFORM_H
#define VGG19_KERNELS_WINOGRAD_TRANSFORM_H

#include <string.h>

#include "vec16.h"
#include "winograd.h"

#define WT_LANES VGG19_CBLOCK

/* The 16 channels of one pixel as one value (vec16.h): the transforms'
 * 6x6 tiles stay in registers instead of going through memory between
 * the two passes. */
typedef Vgg19Vec16 WtVec;
typedef Vgg19Mask16 WtMask;
#define WT_LOAD VGG19_VEC16_LOAD
#define WT_STORE VGG19_VEC16_STORE

/* B^T applied to d[0] .. d[5], into r[0] .. r[5]. Multiplications are
 * by powers of two only (5 x = 4 x + x), which are exact, so whether the
 * compiler fuses a multiply with an add (FMA) cannot change a bit: every
 * ISA's transform gives the portable one's V exactly. */
static inline void
winograd_bt (const WtVec d[6], WtVec r[6])
{
  /* Rows 1-2 and 3-4 share an even and an odd part. */
  const WtVec e12 = d[4] - 4.0f * d[2], o12 = d[3] - 4.0f * d[1];
  const WtVec e34 = d[4] - d[2], o34 = 2.0f * (d[3] - d[1]);

  r[0] = (4.0f * d[0] + d[4]) - (4.0f * d[2] + d[2]);
  r[1] = e12 + o12;
  r[2] = e12 - o12;
  r[3] = e34 + o34;
  r[4] = e34 - o34;
  r[5] = (4.0f * d[1] + d[5]) - (4.0f * d[3] + d[3]);
}

/* Half of winograd_bt(): r[0] .. r[2] into h[0] .. h[2] when @hi is
 * FALSE, r[3] .. r[5] when TRUE, by the same expressions. The halves
 * share no subexpression, so a tile can be transformed three columns at
 * a time (see winograd_input_tile()). */
static inline void
winograd_bt_half (const WtVec d[6], gboolean hi, WtVec h[3])
{
  if (!hi) {
    const WtVec e12 = d[4] - 4.0f * d[2], o12 = d[3] - 4.0f * d[1];

    h[0] = (4.0f * d[0] + d[4]) - (4.0f * d[2] + d[2]);
    h[1] = e12 + o12;
    h[2] = e12 - o12;
  } else {
    const WtVec e34 = d[4] - d[2], o34 = 2.0f * (d[3] - d[1]);

    h[0] = e34 + o34;
    h[1] = e34 - o34;
    h[2] = (4.0f * d[1] + d[5]) - (4.0f * d[3] + d[3]);
  }
}

/* A^T applied to m[0] .. m[5], into y[0] .. y[3]; powers of two only. */
static inline void
winograd_at (const WtVec m[6], WtVec y[4])
{
  const WtVec a12 = m[1] + m[2], s12 = m[1] - m[2];
  const WtVec a34 = m[3] + m[4], s34 = m[3] - m[4];

  y[0] = m[0] + a12 + a34;
  y[1] = s12 + 2.0f * s34;
  y[2] = a12 + 4.0f * a34;
  y[3] = s12 + 8.0f * s34 + m[5];
}

#define WT_ALWAYS_INLINE inline __attribute__ ((always_inline))

/* One block of one input tile: the 6 x 6 pixels at @src (rows @rs floats
 * apart), of which the first @rows x @cols are inside the bordered
 * tensor, into V's 36 points, @ps floats apart from @dst on. Inlined
 * with rows = cols = 6 for the interior tiles, so they run without the
 * edge tests.
 * In two halves of three columns of the row transform each: the whole
 * row pass would hold 36 vectors for the column pass, more than the 32
 * registers of AVX-512, and spill them to the stack and back; a half
 * holds 18, at the price of reading the pixels twice (from L1). */
static WT_ALWAYS_INLINE void
winograd_input_tile (const float *src, gsize rs, guint rows, guint cols,
    float *dst, gsize ps)
{
  const WtVec zero = { 0 };
  guint half, i, j;

#pragma GCC unroll 2
  for (half = 0; half < 2; half++) {
    WtVec t[6][3];              /* half of B^T applied along each row */

#pragma GCC unroll 6
    for (i = 0; i < 6; i++) {
      WtVec d[6];

#pragma GCC unroll 6
      for (j = 0; j < 6; j++)
        d[j] = i < rows && j < cols ? WT_LOAD (src + i * rs + j * WT_LANES)
            : zero;
      winograd_bt_half (d, half, t[i]);
    }
    /* Then along each column: V[i][j] = (B^T t[.][j])[i]. */
#pragma GCC unroll 3
    for (j = 0; j < 3; j++) {
      WtVec col[6], r[6];

#pragma GCC unroll 6
      for (i = 0; i < 6; i++)
        col[i] = t[i][j];
      winograd_bt (col, r);
#pragma GCC unroll 6
      for (i = 0; i < 6; i++)
        WT_STORE (dst + (i * 6 + 3 * half + j) * ps, r[i]);
    }
  }
}

/* See Vgg19WinogradInputFn. Tile (ty, tx) reads bordered rows 4 ty ..
 * 4 ty + 5 and columns 4 tx .. 4 tx + 5; those past the border (partial
 * edge tiles) read as zero. Blocks outermost, so that consecutive
 * tiles read neighbouring pixels of the same six input rows and write
 * consecutive rows of V. */
static inline void
winograd_input_tiles (const Vgg19WinogradLayer * l, guint first_tile,
    guint n, float *v, guint n_tiles)
{
  const gsize point_stride = (gsize) l->in_blocks * n_tiles * WT_LANES;
  const gsize rs = l->in_row_stride;
  guint k, ib;

  for (ib = 0; ib < l->in_blocks; ib++)
    for (k = 0; k < n; k++) {
      const guint tile = first_tile + k;
      const guint y0 = (tile / l->tiles_x) * VGG19_WINOGRAD_OUT;
      const guint x0 = (tile % l->tiles_x) * VGG19_WINOGRAD_OUT;
      const guint rows = MIN (VGG19_WINOGRAD_IN, l->height + 2 - y0);
      const guint cols = MIN (VGG19_WINOGRAD_IN, l->width + 2 - x0);
      const float *src = l->input + ib * l->in_block_stride + y0 * rs +
          (gsize) x0 * WT_LANES;
      float *dst = v + ((gsize) ib * n_tiles + k) * WT_LANES;

      if (rows == VGG19_WINOGRAD_IN && cols == VGG19_WINOGRAD_IN)
        winograd_input_tile (src, rs, VGG19_WINOGRAD_IN, VGG19_WINOGRAD_IN,
            dst, point_stride);
      else
        winograd_input_tile (src, rs, rows, cols, dst, point_stride);
    }
}

/* The first stage of the output transform: A^T along each of the 6
 * rows of the 36 points of M at @src (@ps floats apart). */
static WT_ALWAYS_INLINE void
winograd_output_rows (const float *src, gsize ps, WtVec t[6][4])
{
  guint i, j;

#pragma GCC unroll 6
  for (i = 0; i < 6; i++) {
    WtVec g[6];

#pragma GCC unroll 6
    for (j = 0; j < 6; j++)
      g[j] = WT_LOAD (src + (i * 6 + j) * ps);
    winograd_at (g, t[i]);
  }
}

/* Column @j of the 4 x 4 outputs, plus @bias, with ReLU when @relu. */
static WT_ALWAYS_INLINE void
winograd_output_column (WtVec t[6][4], guint j, WtVec bias, gboolean relu,
    WtVec y[4])
{
  const WtVec zero = { 0 };
  WtVec col[6];
  guint i;

#pragma GCC unroll 6
  for (i = 0; i < 6; i++)
    col[i] = t[i][j];
  winograd_at (col, y);
#pragma GCC unroll 4
  for (i = 0; i < 4; i++) {
    y[i] += bias;
    /* x < 0 is false for NaN: NaN propagates, as in the direct
     * kernels. */
    if (relu)
      y[i] = (WtVec) ((WtMask) y[i] & ~(y[i] < zero));
  }
}

/* *out = MAX (a, b) of GLib lane by lane, (a > b ? a : b), NaN cases
 * included, so the fused pooling gives vgg19_maxpool2x2()'s bits. (No
 * vector return value: the portable library is built without AVX-512,
 * where that would change the ABI.) */
static WT_ALWAYS_INLINE void
winograd_max (const WtVec * a, const WtVec * b, WtVec * out)
{
  const WtMask a_wins = (WtMask) (*a > *b);

  *out = (WtVec) (((WtMask) * a & a_wins) | ((WtMask) * b & ~a_wins));
}

/* One block of one output tile: from the 36 points of M at @src (@ps
 * floats apart), the first @rows x @cols of the 4 x 4 outputs plus @bias,
 * with ReLU when @relu, written at @out (rows @rs floats apart). Inlined
 * with constants for the full tiles, as winograd_input_tile(). */
static WT_ALWAYS_INLINE void
winograd_output_tile (const float *src, gsize ps, WtVec bias,
    gboolean relu, guint rows, guint cols, float *out, gsize rs)
{
  WtVec t[6][4];                /* A^T applied along each row */
  guint i, j;

  winograd_output_rows (src, ps, t);
#pragma GCC unroll 4
  for (j = 0; j < cols; j++) {
    WtVec y[4];

    winograd_output_column (t, j, bias, relu, y);
#pragma GCC unroll 4
    for (i = 0; i < rows; i++)
      WT_STORE (out + i * rs + (gsize) j * WT_LANES, y[i]);
  }
}

/* As winograd_output_tile(), pooled: the first @rows x @cols of the
 * tile's 2 x 2 maxima of the outputs (each of 2 x 2 outputs), in
 * vgg19_maxpool2x2()'s order: the maximum of the row maxima. */
static WT_ALWAYS_INLINE void
winograd_output_tile_pooled (const float *src, gsize ps, WtVec bias,
    gboolean relu, guint rows, guint cols, float *out, gsize rs)
{
  WtVec t[6][4];
  guint i, j;

  winograd_output_rows (src, ps, t);
#pragma GCC unroll 2
  for (j = 0; j < cols; j++) {
    WtVec left[4], right[4];

    winograd_output_column (t, 2 * j, bias, relu, left);
    winograd_output_column (t, 2 * j + 1, bias, relu, right);
#pragma GCC unroll 2
    for (i = 0; i < rows; i++) {
      WtVec top, bottom, max;

      winograd_max (&left[2 * i], &right[2 * i], &top);
      winograd_max (&left[2 * i + 1], &right[2 * i + 1], &bottom);
      winograd_max (&top, &bottom, &max);
      WT_STORE (out + i * rs + (gsize) j * WT_LANES, max);
    }
  }
}

/* One tile of winograd_output_tiles(): constants for full tiles, pooled
 * or not. */
static WT_ALWAYS_INLINE void
winograd_output_one (const Vgg19WinogradLayer * l, const float *src,
    gsize ps, WtVec bias, guint rows, guint cols, float *out, gsize rs)
{
  const gboolean full = rows == VGG19_WINOGRAD_OUT
      && cols == VGG19_WINOGRAD_OUT;

  if (l->pool) {
    /* the outputs of whole 2 x 2 windows only */
    if (full && l->relu)
      winograd_output_tile_pooled (src, ps, bias, TRUE, 2, 2, out, rs);
    else if (full)
      winograd_output_tile_pooled (src, ps, bias, FALSE, 2, 2, out, rs);
    else
      winograd_output_tile_pooled (src, ps, bias, l->relu, rows / 2,
          cols / 2, out, rs);
  } else if (full && l->relu)
    winograd_output_tile (src, ps, bias, TRUE, VGG19_WINOGRAD_OUT,
        VGG19_WINOGRAD_OUT, out, rs);
  else if (full)
    winograd_output_tile (src, ps, bias, FALSE, VGG19_WINOGRAD_OUT,
        VGG19_WINOGRAD_OUT, out, rs);
  else
    winograd_output_tile (src, ps, bias, l->relu, rows, cols, out, rs);
}

/* See Vgg19WinogradOutputFn. Blocks outermost, as in
 * winograd_input_tiles(). */
static inline void
winograd_output_tiles (const Vgg19WinogradLayer * l, const float *m,
    guint n_tiles, guint first_tile, guint n, guint ob_begin,
    guint n_blocks)
{
  const gsize point_stride = (gsize) n_blocks * n_tiles * WT_LANES;
  const gsize rs = l->out_row_stride;
  guint k, b;

  for (b = 0; b < n_blocks; b++) {
    const guint ob = ob_begin + b;
    const WtVec bias = WT_LOAD (l->bias + (gsize) ob * WT_LANES);

    for (k = 0; k < n; k++) {
      const guint tile = first_tile + k;
      const guint y0 = (tile / l->tiles_x) * VGG19_WINOGRAD_OUT;
      const guint x0 = (tile % l->tiles_x) * VGG19_WINOGRAD_OUT;
      const guint rows = MIN (VGG19_WINOGRAD_OUT, l->height - y0);
      const guint cols = MIN (VGG19_WINOGRAD_OUT, l->width - x0);
      const float *src = m + ((gsize) b * n_tiles + k) * WT_LANES;
      /* pooled: output (y0 / 2, x0 / 2) of the pooled tensor */
      const guint oy = l->pool ? y0 / 2 : y0, ox = l->pool ? x0 / 2 : x0;
      float *out = l->output + ob * l->out_block_stride + (oy + 1) * rs +
          (gsize) (ox + 1) * WT_LANES;

      winograd_output_one (l, src, point_stride, bias, rows, cols, out, rs);
    }
  }
}

#endif /* VGG19_KERNELS_WINOGRAD_TRANSFORM_H */
