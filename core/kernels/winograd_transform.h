/* The input and output transforms of Winograd F(4x4, 3x3), written once.
 * Private to the core.
 *
 * Each ISA's winograd file includes this header and so compiles the same
 * source with its own flags: the loops run over the 16 channels of a
 * block, independent lanes the compiler turns into one zmm, two ymm or
 * four xmm operations. The transforms are a small part of the work
 * (adds and shifts per tile, against 36 * OC multiply-adds per tile and
 * input channel for the products), so they do not need hand-written
 * intrinsics; only the products do.
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

#include "winograd.h"

#define WT_LANES VGG19_CBLOCK

/* B^T applied to six lane vectors d[0 * s] .. d[5 * s] (stride s floats),
 * into r[0 * rs] .. r[5 * rs]. */
static inline void
winograd_bt (const float *d, gsize s, float *r, gsize rs)
{
  guint o;

  for (o = 0; o < WT_LANES; o++) {
    const float d0 = d[o], d1 = d[s + o], d2 = d[2 * s + o],
        d3 = d[3 * s + o], d4 = d[4 * s + o], d5 = d[5 * s + o];
    /* Shared partial sums: rows 1-2 and 3-4 differ only in the sign of
     * their odd part. */
    const float e12 = d4 - 4.0f * d2, o12 = d3 - 4.0f * d1;
    const float e34 = d4 - d2, o34 = 2.0f * (d3 - d1);

    r[o] = 4.0f * d0 - 5.0f * d2 + d4;
    r[rs + o] = e12 + o12;
    r[2 * rs + o] = e12 - o12;
    r[3 * rs + o] = e34 + o34;
    r[4 * rs + o] = e34 - o34;
    r[5 * rs + o] = 4.0f * d1 - 5.0f * d3 + d5;
  }
}

/* A^T applied to six lane vectors m[0 * s] .. m[5 * s], into
 * y[0 * ys] .. y[3 * ys]. */
static inline void
winograd_at (const float *m, gsize s, float *y, gsize ys)
{
  guint o;

  for (o = 0; o < WT_LANES; o++) {
    const float m0 = m[o], m1 = m[s + o], m2 = m[2 * s + o],
        m3 = m[3 * s + o], m4 = m[4 * s + o], m5 = m[5 * s + o];
    const float a12 = m1 + m2, s12 = m1 - m2;
    const float a34 = m3 + m4, s34 = m3 - m4;

    y[o] = m0 + a12 + a34;
    y[ys + o] = s12 + 2.0f * s34;
    y[2 * ys + o] = a12 + 4.0f * a34;
    y[3 * ys + o] = s12 + 8.0f * s34 + m5;
  }
}

/* See Vgg19WinogradInputFn. Tile (ty, tx) reads bordered rows 4 ty ..
 * 4 ty + 5 and columns 4 tx .. 4 tx + 5; those past the border (partial
 * edge tiles) read as zero. */
static inline void
winograd_input_tiles (const Vgg19WinogradLayer * l, guint first_tile,
    guint n, float *v, guint n_tiles)
{
  const gsize point_stride = (gsize) l->in_blocks * n_tiles * WT_LANES;
  float d[36 * WT_LANES] __attribute__ ((aligned (64)));
  float t[36 * WT_LANES] __attribute__ ((aligned (64)));
  float r[36 * WT_LANES] __attribute__ ((aligned (64)));
  guint k, ib, i, j;

  for (k = 0; k < n; k++) {
    const guint tile = first_tile + k;
    const guint y0 = (tile / l->tiles_x) * VGG19_WINOGRAD_OUT;
    const guint x0 = (tile % l->tiles_x) * VGG19_WINOGRAD_OUT;
    const guint rows = MIN (VGG19_WINOGRAD_IN, l->height + 2 - y0);
    const guint cols = MIN (VGG19_WINOGRAD_IN, l->width + 2 - x0);
    const gboolean whole = rows == VGG19_WINOGRAD_IN &&
        cols == VGG19_WINOGRAD_IN;

    for (ib = 0; ib < l->in_blocks; ib++) {
      const float *src = l->input + ib * l->in_block_stride +
          y0 * l->in_row_stride + (gsize) x0 * WT_LANES;
      float *dst = v + ((gsize) ib * n_tiles + k) * WT_LANES;

      if (!whole)
        memset (d, 0, sizeof (d));
      for (i = 0; i < rows; i++)
        memcpy (d + i * 6 * WT_LANES, src + i * l->in_row_stride,
            (gsize) cols * WT_LANES * sizeof (float));

      /* Columns: t[i][j] = sum over k of B^T[i][k] d[k][j]. */
      for (j = 0; j < 6; j++)
        winograd_bt (d + j * WT_LANES, 6 * WT_LANES, t + j * WT_LANES,
            6 * WT_LANES);
      /* Rows: r[i][j] = sum over k of t[i][k] B[k][j]. */
      for (i = 0; i < 6; i++)
        winograd_bt (t + i * 6 * WT_LANES, WT_LANES, r + i * 6 * WT_LANES,
            WT_LANES);
      for (i = 0; i < 36; i++)
        memcpy (dst + i * point_stride, r + i * WT_LANES,
            WT_LANES * sizeof (float));
    }
  }
}

/* See Vgg19WinogradOutputFn. */
static inline void
winograd_output_tiles (const Vgg19WinogradLayer * l, const float *m,
    guint n_tiles, guint first_tile, guint n, guint ob_begin,
    guint n_blocks)
{
  const gsize point_stride = (gsize) n_blocks * n_tiles * WT_LANES;
  float g[36 * WT_LANES] __attribute__ ((aligned (64)));
  float t[24 * WT_LANES] __attribute__ ((aligned (64)));
  float y[16 * WT_LANES] __attribute__ ((aligned (64)));
  guint k, b, i, j, o;

  for (k = 0; k < n; k++) {
    const guint tile = first_tile + k;
    const guint y0 = (tile / l->tiles_x) * VGG19_WINOGRAD_OUT;
    const guint x0 = (tile % l->tiles_x) * VGG19_WINOGRAD_OUT;
    const guint rows = MIN (VGG19_WINOGRAD_OUT, l->height - y0);
    const guint cols = MIN (VGG19_WINOGRAD_OUT, l->width - x0);

    for (b = 0; b < n_blocks; b++) {
      const guint ob = ob_begin + b;
      const float *src = m + ((gsize) b * n_tiles + k) * WT_LANES;
      const float *bias = l->bias + (gsize) ob * WT_LANES;
      float *out = l->output + ob * l->out_block_stride +
          (y0 + 1) * l->out_row_stride + (gsize) (x0 + 1) * WT_LANES;

      for (i = 0; i < 36; i++)
        memcpy (g + i * WT_LANES, src + i * point_stride,
            WT_LANES * sizeof (float));
      /* Columns: t[i][j] = sum over k of A^T[i][k] g[k][j], i < 4. */
      for (j = 0; j < 6; j++)
        winograd_at (g + j * WT_LANES, 6 * WT_LANES, t + j * WT_LANES,
            6 * WT_LANES);
      /* Rows: y[i][j] = sum over k of t[i][k] A[k][j], j < 4. */
      for (i = 0; i < 4; i++)
        winograd_at (t + i * 6 * WT_LANES, WT_LANES, y + i * 4 * WT_LANES,
            WT_LANES);

      for (i = 0; i < rows; i++)
        for (j = 0; j < cols; j++) {
          const float *yy = y + (i * 4 + j) * WT_LANES;
          float *dst = out + i * l->out_row_stride + (gsize) j * WT_LANES;

          for (o = 0; o < WT_LANES; o++) {
            const float x = yy[o] + bias[o];

            /* NaN < 0 is false: NaN propagates, as in the direct kernels. */
            dst[o] = l->relu && x < 0.0f ? 0.0f : x;
          }
        }
    }
  }
}

#endif /* VGG19_KERNELS_WINOGRAD_TRANSFORM_H */
