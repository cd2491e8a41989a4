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
 * in V and M. A caller working on a group of output blocks may pass @u
 * and @m already advanced to the group's first block and count blocks
 * from 0.
 *
 * @u_next: NULL, or where the U the caller reads after this call begins
 * (e.g. the same output blocks at the next point). When it is set, a
 * kernel may prefetch the U of its own next pair of output blocks and, on
 * its last pair, the first ones at @u_next, while the data it works on
 * is already in cache: worth it when U is streamed from memory (the deep
 * layers), not when it stays in cache. Only prefetched, never read, so it
 * changes no result. */
typedef void (*Vgg19WinogradGemmFn) (const float *v, const float *u,
    float *m, guint ic, guint n_tiles, guint ob_begin, guint ob_end,
    guint t_begin, guint t_end, const void *u_next);

/* The register-tile dispatch of the AVX-512 products kernels: tile_1x
 * and tile_2x (NB output blocks) call the kernel's always-inlined
 * gemm_tile (v, v_block, ic, u0, u1, m0, m1, pf, NB, width) with a
 * compile-time width of 1 to 14, so each width keeps its accumulators in
 * registers; pf is NULL or the start of 2 blocks of U to prefetch, spread
 * over the tile's steps (see VGG19_WINOGRAD_PREFETCH_STEP). */
#define VGG19_WINOGRAD_TILE_CASE(NB, W) \
  case W: gemm_tile (v, v_block, ic, u0, u1, m0, m1, pf, NB, W); break;
#define VGG19_WINOGRAD_TILE_DISPATCH(ELEM, NB) \
  static void \
  tile_##NB##x (const ELEM * v, gsize v_block, guint ic, const ELEM * u0, \
      const ELEM * u1, float *m0, float *m1, const char *pf, int np) \
  { \
    switch (np) { \
      VGG19_WINOGRAD_TILE_CASE (NB, 1) VGG19_WINOGRAD_TILE_CASE (NB, 2) \
      VGG19_WINOGRAD_TILE_CASE (NB, 3) VGG19_WINOGRAD_TILE_CASE (NB, 4) \
      VGG19_WINOGRAD_TILE_CASE (NB, 5) VGG19_WINOGRAD_TILE_CASE (NB, 6) \
      VGG19_WINOGRAD_TILE_CASE (NB, 7) VGG19_WINOGRAD_TILE_CASE (NB, 8) \
      VGG19_WINOGRAD_TILE_CASE (NB, 9) VGG19_WINOGRAD_TILE_CASE (NB, 10) \
      VGG19_WINOGRAD_TILE_CASE (NB, 11) VGG19_WINOGRAD_TILE_CASE (NB, 12) \
      VGG19_WINOGRAD_TILE_CASE (NB, 13) VGG19_WINOGRAD_TILE_CASE (NB, 14) \
      default: break; \
    } \
  }

/* The outer loop of the AVX-512 products kernels (float32 and bf16,
 * element type ELEM): output blocks in pairs (the last one alone when
 * their count is odd), each tile range cut into groups of nearly equal
 * widths of at most TILE_MAX (e.g. 18 -> 9 + 9, not 14 + 4: a narrow
 * group has too few independent accumulators to hide the latency),
 * each handed to TILE_2X or TILE_1X (the kernel's register tiles) as
 * (v at the group's first tile, v_block, ic, u0, u1, m0, m1, pf, width).
 * With u_next set, the last tile group of each pair (its U then comes from
 * L2, and memory is idle) prefetches the U of the next pair, or at u_next
 * after the last pair: pf. Expands to the body of a
 * Vgg19WinogradGemmFn-like function whose parameters have the same
 * names. */
#define VGG19_WINOGRAD_PAIR_LOOP(ELEM, TILE_MAX, TILE_2X, TILE_1X) \
  G_STMT_START { \
    const gsize v_block = (gsize) n_tiles * VGG19_CBLOCK; \
    const gsize u_block = (gsize) ic * VGG19_CBLOCK; \
    guint ob; \
    \
    if (t_end <= t_begin || ic == 0) \
      break; \
    for (ob = ob_begin; ob < ob_end; ob += 2) { \
      const guint nb = ob_end - ob >= 2 ? 2 : 1; \
      const ELEM *u0 = u + ob * u_block; \
      const ELEM *u1 = nb == 2 ? u0 + u_block : u0; \
      const guint n = t_end - t_begin; \
      const guint groups = (n + (TILE_MAX) - 1) / (TILE_MAX); \
      const char *next_u = u_next == NULL ? NULL \
          : ob + 2 < ob_end ? (const char *) (u0 + 2 * u_block) \
          : (const char *) u_next; \
      guint g, t = t_begin; \
      \
      for (g = 0; g < groups; g++) { \
        /* group g ends at t_begin + n (g + 1) / groups */ \
        const guint end = t_begin + (guint) ((guint64) n * (g + 1) / groups); \
        float *m0 = m + ob * v_block + (gsize) t * VGG19_CBLOCK; \
        float *m1 = nb == 2 ? m0 + v_block : m0; \
        const ELEM *vt = v + (gsize) t * VGG19_CBLOCK; \
        const char *pf = g + 1 == groups ? next_u : NULL; \
        \
        if (nb == 2) \
          TILE_2X (vt, v_block, ic, u0, u1, m0, m1, pf, (int) (end - t)); \
        else \
          TILE_1X (vt, v_block, ic, u0, u1, m0, m1, pf, (int) (end - t)); \
        t = end; \
      } \
    } \
  } G_STMT_END

/* In gemm_tile's step loop: prefetches the next 2 cache lines at @pf
 * (when set). A step reads one line of each of the pair's two blocks of
 * U (16 floats, or 16 pairs of bf16), so over the tile's steps this
 * covers 2 blocks of U, a pair, as far ahead as the pair being read. */
#define VGG19_WINOGRAD_PREFETCH_STEP(pf) \
  G_STMT_START { \
    if (pf) { \
      _mm_prefetch ((pf), _MM_HINT_T0); \
      _mm_prefetch ((pf) + 64, _MM_HINT_T0); \
      (pf) += 128; \
    } \
  } G_STMT_END

/* Where a layer's tiles are: the bordered input and output tensors
 * (layout of conv3x3.h, bs 16) and the tile grid. */
typedef struct
{
  const float *input;           /* top-left border pixel of input block 0 */
  gsize in_block_stride;
  gsize in_row_stride;          /* (W + 2) * 16 */
  guint in_blocks;              /* IC / 16 */

  float *output;                /* top-left border pixel of output block 0 */
  gsize out_block_stride;
  gsize out_row_stride;
  const float *bias;            /* OC floats */
  gboolean relu;
  /* The output is the 2x2, stride 2 max pooling (torch's MaxPool2d(2, 2):
   * odd last rows and columns dropped) of the convolution after bias and
   * ReLU: output and its strides describe the pooled tensor, of
   * height / 2 x width / 2. The same bits as vgg19_maxpool2x2() of the
   * unpooled output, without writing and reading that back. */
  gboolean pool;

  guint height, width;          /* H, W of input and output */
  guint tiles_x;                /* ceil (W / 4) */
} Vgg19WinogradLayer;

/* Input transform: V[p][ib][t][:] for chunk rows t = 0 .. n - 1, which
 * are the layer's tiles first_tile .. first_tile + n - 1, every input
 * block; @v is V, @n_tiles its row count T (n <= T). */
typedef void (*Vgg19WinogradInputFn) (const Vgg19WinogradLayer * layer,
    guint first_tile, guint n, float *v, guint n_tiles);

/* Output transform: from M (here [36][G][T][16], the blocks of one
 * group, @n_tiles = T rows), adds the bias, applies ReLU when asked and
 * writes the interior outputs of tiles first_tile .. first_tile + n - 1
 * for output blocks ob_begin .. ob_begin + G - 1 (@n_blocks = G). */
typedef void (*Vgg19WinogradOutputFn) (const Vgg19WinogradLayer * layer,
    const float *m, guint n_tiles, guint first_tile, guint n,
    guint ob_begin, guint n_blocks);

typedef struct
{
  const char *name;             /* e.g. "vgg19_f32_winograd4x4__avx512" */
  Vgg19Isa isa;
  Vgg19WinogradInputFn input;
  Vgg19WinogradGemmFn gemm;
  Vgg19WinogradOutputFn output;
  /* Output blocks the products compute together; groups of output blocks
   * handed to the products should be multiples of it. */
  guint gemm_ob_step;
} Vgg19WinogradKernel;

/* The registry, as vgg19_conv3x3_select(): never NULL. */
const Vgg19WinogradKernel *vgg19_winograd_select (Vgg19Isa isa);

#define VGG19_DECLARE_WINOGRAD(isa) \
  void vgg19_f32_winograd4x4_input__##isa (const Vgg19WinogradLayer * layer, \
      guint first_tile, guint n, float *v, guint n_tiles); \
  void vgg19_f32_winograd4x4_gemm__##isa (const float *v, const float *u, \
      float *m, guint ic, guint n_tiles, guint ob_begin, guint ob_end, \
      guint t_begin, guint t_end, const void *u_next); \
  void vgg19_f32_winograd4x4_output__##isa (const Vgg19WinogradLayer * layer, \
      const float *m, guint n_tiles, guint first_tile, guint n, \
      guint ob_begin, guint n_blocks);

VGG19_DECLARE_WINOGRAD (scalar)
VGG19_DECLARE_WINOGRAD (avx2)
VGG19_DECLARE_WINOGRAD (avx512)

/* U = G g G^T of torch's [OC][IC][3][3] float32 filters, computed in
 * double and stored as float32 in the U layout above (36 * OC * IC
 * floats). @oc and @ic must be multiples of 16. */
void vgg19_winograd_pack_u (const float *oihw, guint oc, guint ic, float *u);

/* Whether a layer with @ic input channels uses Winograd: every
 * convolution with at least 64 input channels in blocks of 16 (all VGG
 * layers but conv1_1, whose 3 input channels leave the products nothing
 * to save). */
static inline gboolean
vgg19_winograd_applies (guint ic, guint oc)
{
  return ic >= 64 && ic % 16 == 0 && oc % 16 == 0;
}

G_END_DECLS

#endif /* VGG19_KERNELS_WINOGRAD_H */
