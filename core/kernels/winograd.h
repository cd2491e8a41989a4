/* Winograd F(4x4, 3x3) convolution on channel-blocked activations.
 * Private to the core.
 *
 * Why: a 3x3 convolution computed 4x4 outputs at a time needs 36
 * multiplications per (input, output channel) pair instead of 144, so the
 * layers with 64 or more input channels (all but conv1_1) do a quarter of
 * the direct kernel's multiply-adds, plus transforms that are linear in the
 * activation size rather than in channels squared.
 *
 * Stages, for a chunk of tiles (the chunk bounds the scratch memory):
 *  1. input transform: each 6x6 input tile d (one-pixel overlap with its
 *     neighbours on every side) becomes V = B^T d B,
 *  2. 36 independent matrix products, one per point p of the 6x6 transform
 *     domain: M[p] = V[p] x U[p] over the input channels,
 *  3. output transform: Y = A^T M A gives the 4x4 outputs, plus bias, and
 *     optionally ReLU, written into the blocked output.
 * U = G g G^T is computed once per model from torch's 3x3 filters g.
 *
 * Tiles: output tile (ty, tx) covers output rows 4 ty .. 4 ty + 3 and
 * columns 4 tx .. 4 tx + 3; the grid is ceil(H / 4) x ceil(W / 4), numbered
 * row-major (t = ty * tiles_x + tx). Tiles on the bottom and right edges
 * may be partial: inputs beyond the tensor read as zero, outputs beyond it
 * are not written.
 *
 * Layouts (all float32, VGG19_CBLOCK = 16 channels per block, IC and OC
 * multiples of 16, T = tiles in the chunk):
 *  U: [36][OC / 16][IC][16]   one vector of 16 output channels per
 *                              (point, output block, input channel)
 *  V: [36][IC / 16][T][16]     transformed inputs of the chunk
 *  M: [36][OC / 16][T][16]     products, before the output transform
 */
#ifndef VGG19_KERNELS_WINOGRAD_H
#define VGG19_KERNELS_WINOGRAD_H

#include <glib.h>

#include "conv3x3.h"

G_BEGIN_DECLS

#define VGG19_WINOGRAD_OUT 4    /* output tile side (m) */
#define VGG19_WINOGRAD_IN 6     /* input tile side (m + 2) */
#define VGG19_WINOGRAD_POINTS 36        /* 6 x 6 */

/* Computes, for one point p, M[p][ob][t][:] for output blocks
 * [ob_begin, ob_end) and chunk tiles [t_begin, t_end):
 *   M[p][ob][t][o] = sum over ic of V[p][ic / 16][t][ic % 16]
 *                    * U[p][ob][ic][o]
 * overwriting M. @v, @u and @m point at point p's slices (V + p * IC * T,
 * U + p * OC * IC, M + p * OC * T); @n_tiles is T, the chunk's row count
 * in V and M. */
typedef void (*Vgg19WinogradGemmFn) (const float *v, const float *u,
    float *m, guint ic, guint n_tiles, guint ob_begin, guint ob_end,
    guint t_begin, guint t_end);

G_END_DECLS

#endif /* VGG19_KERNELS_WINOGRAD_H */
