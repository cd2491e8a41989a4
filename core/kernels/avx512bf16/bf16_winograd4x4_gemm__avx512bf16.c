/* Winograd per-point products with bf16 inputs, AVX512_BF16, in the
 * summation order of winograd_bf16.h.
 *
 * Register tile: 2 output blocks x up to 14 tiles = 28 zmm accumulators,
 * plus the 2 weight vectors of the current input-channel pair and the
 * broadcast pair: 31 of the 32 zmm registers. Each step (one pair of
 * input channels) does 2 vector loads and 14 broadcasts of a 32-bit
 * (V[t][c], V[t][c + 1]) for 28 VDPBF16PS of 32 multiply-adds each. A
 * VDPBF16PS has a latency of several cycles and two can start per cycle,
 * so at least a dozen independent accumulators are needed to keep the
 * units busy; narrow tiles are avoided by cutting a tile range into
 * nearly equal widths (e.g. 18 -> 9 + 9, not 14 + 4). Each width is its
 * own compile-time instantiation so the accumulators stay in registers.
 *
 * Cache use: for one pair of output blocks, the loop over tiles re-reads
 * the same weights, 64 bytes per input channel (32 KB at IC = 512, inside
 * L1); a tile group's V16 is 28 bytes per input channel (14 KB at 512),
 * read as 7 cache lines per block of 16 channels and reused for its 8
 * steps.
 */
#include <immintrin.h>
#include <string.h>

#include "winograd_bf16.h"

#define TILE_MAX 14
#define ALWAYS_INLINE inline __attribute__ ((always_inline))

/* Accumulators as named variables (see f32_conv3x3__avx512.c for why not
 * arrays); a tile p >= np is dead code removed at compile time. */
#define FOR_EACH_TILE(M) \
  M (0) M (1) M (2) M (3) M (4) M (5) M (6) \
  M (7) M (8) M (9) M (10) M (11) M (12) M (13)

#define ACC_DECLARE(p) \
  __m512 acc0_##p = _mm512_setzero_ps (), acc1_##p = acc0_##p;

#define ACC_DOT(p) \
  if (p < np) { \
    guint32 pair; \
    __m512bh x; \
    memcpy (&pair, px + p * VGG19_CBLOCK, sizeof (pair)); \
    x = (__m512bh) _mm512_set1_epi32 ((int) pair); \
    acc0_##p = _mm512_dpbf16_ps (acc0_##p, ua, x); \
    if (nb == 2) \
      acc1_##p = _mm512_dpbf16_ps (acc1_##p, ub, x); \
  }

#define ACC_STORE(p) \
  if (p < np) { \
    _mm512_storeu_ps (m0 + p * VGG19_CBLOCK, acc0_##p); \
    if (nb == 2) \
      _mm512_storeu_ps (m1 + p * VGG19_CBLOCK, acc1_##p); \
  }

/* nb output blocks x np tiles; @v at the first tile's row of input block
 * 0, @u0 / @u1 at the output blocks' U16, @m0 / @m1 at the first tile's
 * outputs. */
static ALWAYS_INLINE void
gemm_tile (const guint16 * v, gsize v_block, guint ic, const guint16 * u0,
    const guint16 * u1, float *m0, float *m1, const char *pf, const int nb,
    const int np)
{
  guint ib, c;

  FOR_EACH_TILE (ACC_DECLARE);

  for (ib = 0; ib < ic / VGG19_CBLOCK; ib++) {
    const guint16 *vb = v + ib * v_block;

    /* Kept rolled, like the float32 kernels: the body is 2 loads, 14
     * broadcasts and 28 dot products with every accumulator in a
     * register. */
#pragma GCC unroll 1
    for (c = 0; c < VGG19_CBLOCK; c += 2) {
      const guint16 *px = vb + c;
      const __m512bh ua = (__m512bh) _mm512_loadu_si512 (u0);
      __m512bh ub = ua;

      VGG19_WINOGRAD_PREFETCH_STEP (pf);
      u0 += 2 * VGG19_CBLOCK;
      if (nb == 2) {
        ub = (__m512bh) _mm512_loadu_si512 (u1);
        u1 += 2 * VGG19_CBLOCK;
      }
      FOR_EACH_TILE (ACC_DOT);
    }
  }

  FOR_EACH_TILE (ACC_STORE);
}

/* TILE_MAX and the 14 widths of VGG19_WINOGRAD_TILE_DISPATCH must agree. */
G_STATIC_ASSERT (TILE_MAX == 14);

VGG19_WINOGRAD_TILE_DISPATCH (guint16, 2)
VGG19_WINOGRAD_TILE_DISPATCH (guint16, 1)

void
vgg19_bf16_winograd4x4_gemm__avx512bf16 (const guint16 * v,
    const guint16 * u, float *m, guint ic, guint n_tiles, guint ob_begin,
    guint ob_end, guint t_begin, guint t_end, const void *u_next)
{
  VGG19_WINOGRAD_PAIR_LOOP (guint16, TILE_MAX, tile_2x, tile_1x);
}
