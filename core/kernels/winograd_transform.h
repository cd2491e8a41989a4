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

/* See Vgg19WinogradInputFn. Tile (ty, tx) reads bordered rows 4 ty ..
 * 4 ty + 5 and columns 4 tx .. 4 tx + 5; those past the border (partial
 * edge tiles) read as zero. */
static inline void
winograd_input_tiles (const Vgg19WinogradLayer * l, guint first_tile,
    guint n, float *v, guint n_tiles)
{
  const gsize point_stride = (gsize) l->in_blocks * n_tiles * WT_LANES;
  const WtVec zero = { 0 };
  guint k, ib, i, j;

  for (k = 0; k < n; k++) {
    const guint tile = first_tile + k;
    const guint y0 = (tile / l->tiles_x) * VGG19_WINOGRAD_OUT;
    const guint x0 = (tile % l->tiles_x) * VGG19_WINOGRAD_OUT;
    const guint rows = MIN (VGG19_WINOGRAD_IN, l->height + 2 - y0);
    const guint cols = MIN (VGG19_WINOGRAD_IN, l->width + 2 - x0);

    for (ib = 0; ib < l->in_blocks; ib++) {
      const float *src = l->input + ib * l->in_block_stride +
          y0 * l->in_row_stride + (gsize) x0 * WT_LANES;
      float *dst = v + ((gsize) ib * n_tiles + k) * WT_LANES;
      WtVec t[6][6];            /* B^T applied along each row */

      for (i = 0; i < 6; i++) {
        WtVec d[6];

        for (j = 0; j < 6; j++)
          d[j] = i < rows && j < cols ?
              WT_LOAD (src + i * l->in_row_stride + j * WT_LANES) : zero;
        winograd_bt (d, t[i]);
      }
      /* Then along each column: V[i][j] = (B^T t[.][j])[i]. */
      for (j = 0; j < 6; j++) {
        WtVec col[6], r[6];

        for (i = 0; i < 6; i++)
          col[i] = t[i][j];
        winograd_bt (col, r);
        for (i = 0; i < 6; i++)
          WT_STORE (dst + (i * 6 + j) * point_stride, r[i]);
      }
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
  const WtVec zero = { 0 };
  guint k, b, i, j;

  for (k = 0; k < n; k++) {
    const guint tile = first_tile + k;
    const guint y0 = (tile / l->tiles_x) * VGG19_WINOGRAD_OUT;
    const guint x0 = (tile % l->tiles_x) * VGG19_WINOGRAD_OUT;
    const guint rows = MIN (VGG19_WINOGRAD_OUT, l->height - y0);
    const guint cols = MIN (VGG19_WINOGRAD_OUT, l->width - x0);

    for (b = 0; b < n_blocks; b++) {
      const guint ob = ob_begin + b;
      const float *src = m + ((gsize) b * n_tiles + k) * WT_LANES;
      const WtVec bias = WT_LOAD (l->bias + (gsize) ob * WT_LANES);
      float *out = l->output + ob * l->out_block_stride +
          (y0 + 1) * l->out_row_stride + (gsize) (x0 + 1) * WT_LANES;
      WtVec t[6][4];            /* A^T applied along each row */

      for (i = 0; i < 6; i++) {
        WtVec g[6];

        for (j = 0; j < 6; j++)
          g[j] = WT_LOAD (src + (i * 6 + j) * point_stride);
        winograd_at (g, t[i]);
      }
      for (j = 0; j < cols; j++) {
        WtVec col[6], y[4];

        for (i = 0; i < 6; i++)
          col[i] = t[i][j];
        winograd_at (col, y);
        for (i = 0; i < rows; i++) {
          WtVec x = y[i] + bias;

          /* x < 0 is false for NaN: NaN propagates, as in the direct
           * kernels. */
          if (l->relu)
            x = (WtVec) ((WtMask) x & ~(x < zero));
          WT_STORE (out + i * l->out_row_stride + (gsize) j * WT_LANES, x);
        }
      }
    }
  }
}

#endif /* VGG19_KERNELS_WINOGRAD_TRANSFORM_H */
