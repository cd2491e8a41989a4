/* Winograd F(4x4, 3x3), AVX-512F: the per-point products by hand, the
 * transforms from winograd_transform.h compiled with this library's
 * flags (each 16-channel step is one zmm operation).
 *
 * Products' register tile: 2 output blocks x up to 14 tiles = 28 zmm
 * accumulators, plus the 2 weight vectors of the current input channel
 * and the broadcast input: 31 of the 32 registers, as in the direct
 * kernel (f32_conv3x3__avx512.c). Each step (one input channel) does 2
 * vector loads and 14 broadcast loads for 28 FMAs.
 *
 * Cache use: for one pair of output blocks the loop over tile groups
 * re-reads the same U slice, 128 bytes per input channel (64 KB at
 * IC = 512, in L2); a tile group's V is 56 bytes per input channel, read
 * as 14 cache lines per block of 16 channels and reused for its 16 steps.
 * Tile ranges are cut into nearly equal widths (e.g. 16 -> 8 + 8), since
 * a narrow tile has too few independent accumulators to hide the FMA
 * latency; each width is its own compile-time instantiation.
 */
#include <immintrin.h>

#include "winograd_transform.h"

#define TILE_MAX 14
#define ALWAYS_INLINE inline __attribute__ ((always_inline))

void
vgg19_f32_winograd4x4_input__avx512 (const Vgg19WinogradLayer * layer,
    guint first_tile, guint n, float *v, guint n_tiles)
{
  winograd_input_tiles (layer, first_tile, n, v, n_tiles);
}

void
vgg19_f32_winograd4x4_output__avx512 (const Vgg19WinogradLayer * layer,
    const float *m, guint n_tiles, guint first_tile, guint n,
    guint ob_begin, guint n_blocks)
{
  winograd_output_tiles (layer, m, n_tiles, first_tile, n, ob_begin,
      n_blocks);
}

/* Named accumulators, as in f32_conv3x3__avx512.c; tile p >= np is dead
 * code removed at compile time. */
#define FOR_EACH_TILE(M) \
  M (0) M (1) M (2) M (3) M (4) M (5) M (6) \
  M (7) M (8) M (9) M (10) M (11) M (12) M (13)

#define ACC_DECLARE(p) \
  __m512 acc0_##p = _mm512_setzero_ps (), acc1_##p = acc0_##p;

#define ACC_FMA(p) \
  if (p < np) { \
    const __m512 x = _mm512_set1_ps (px[p * VGG19_CBLOCK]); \
    acc0_##p = _mm512_fmadd_ps (ua, x, acc0_##p); \
    if (nb == 2) \
      acc1_##p = _mm512_fmadd_ps (ub, x, acc1_##p); \
  }

#define ACC_STORE(p) \
  if (p < np) { \
    _mm512_storeu_ps (m0 + p * VGG19_CBLOCK, acc0_##p); \
    if (nb == 2) \
      _mm512_storeu_ps (m1 + p * VGG19_CBLOCK, acc1_##p); \
  }

static ALWAYS_INLINE void
gemm_tile (const float *v, gsize v_block, guint ic, const float *u0,
    const float *u1, float *m0, float *m1, const char *pf, const int nb,
    const int np)
{
  guint ib, c;

  FOR_EACH_TILE (ACC_DECLARE);

  for (ib = 0; ib < ic / VGG19_CBLOCK; ib++) {
    const float *vb = v + ib * v_block;

#pragma GCC unroll 1
    for (c = 0; c < VGG19_CBLOCK; c++) {
      const float *px = vb + c;
      const __m512 ua = _mm512_loadu_ps (u0);
      __m512 ub = ua;

      VGG19_WINOGRAD_PREFETCH_STEP (pf);
      u0 += VGG19_CBLOCK;
      if (nb == 2) {
        ub = _mm512_loadu_ps (u1);
        u1 += VGG19_CBLOCK;
      }
      FOR_EACH_TILE (ACC_FMA);
    }
  }

  FOR_EACH_TILE (ACC_STORE);
}

/* TILE_MAX and the 14 widths of VGG19_WINOGRAD_TILE_DISPATCH must agree. */
G_STATIC_ASSERT (TILE_MAX == 14);

VGG19_WINOGRAD_TILE_DISPATCH (float, 2)
VGG19_WINOGRAD_TILE_DISPATCH (float, 1)

void
vgg19_f32_winograd4x4_gemm__avx512 (const float *v, const float *u,
    float *m, guint ic, guint n_tiles, guint ob_begin, guint ob_end,
    guint t_begin, guint t_end, const void *u_next)
{
  VGG19_WINOGRAD_PAIR_LOOP (float, TILE_MAX, tile_2x, tile_1x);
}
