/* Winograd F(4x4, 3x3), AVX2 + FMA: the per-point products by hand, the
 * transforms from winograd_transform.h compiled with this library's
 * flags.
 *
 * Products' register tile: 1 output block (2 ymm) x up to 6 tiles = 12
 * ymm accumulators, plus the 2 weight vectors and 1 broadcast: 15 of the
 * 16 registers, for the reasons given in f32_conv3x3__avx2.c. Each step
 * (one input channel) is 2 weight loads + 6 broadcasts for 12 FMAs; the
 * weights of one output block, 64 bytes per input channel, are re-read
 * from L1/L2 by every tile group.
 */
#include <immintrin.h>

#include "winograd_transform.h"

#define TILE_MAX 6
#define ALWAYS_INLINE inline __attribute__ ((always_inline))

void
vgg19_f32_winograd4x4_input__avx2 (const Vgg19WinogradLayer * layer,
    guint first_tile, guint n, float *v, guint n_tiles)
{
  winograd_input_tiles (layer, first_tile, n, v, n_tiles);
}

void
vgg19_f32_winograd4x4_output__avx2 (const Vgg19WinogradLayer * layer,
    const float *m, guint n_tiles, guint first_tile, guint n,
    guint ob_begin, guint n_blocks)
{
  winograd_output_tiles (layer, m, n_tiles, first_tile, n, ob_begin,
      n_blocks);
}

#define FOR_EACH_TILE(M) M (0) M (1) M (2) M (3) M (4) M (5)

#define ACC_DECLARE(p) \
  __m256 lo_##p = _mm256_setzero_ps (), hi_##p = lo_##p;

#define ACC_FMA(p) \
  if (p < np) { \
    const __m256 x = _mm256_broadcast_ss (px + p * VGG19_CBLOCK); \
    lo_##p = _mm256_fmadd_ps (w_lo, x, lo_##p); \
    hi_##p = _mm256_fmadd_ps (w_hi, x, hi_##p); \
  }

#define ACC_STORE(p) \
  if (p < np) { \
    _mm256_storeu_ps (out + p * VGG19_CBLOCK, lo_##p); \
    _mm256_storeu_ps (out + p * VGG19_CBLOCK + 8, hi_##p); \
  }

static ALWAYS_INLINE void
gemm_tile (const float *v, gsize v_block, guint ic, const float *w,
    float *out, const int np)
{
  guint ib, c;

  FOR_EACH_TILE (ACC_DECLARE);

  for (ib = 0; ib < ic / VGG19_CBLOCK; ib++) {
    const float *vb = v + ib * v_block;

#pragma GCC unroll 1
    for (c = 0; c < VGG19_CBLOCK; c++) {
      const float *px = vb + c;
      const __m256 w_lo = _mm256_loadu_ps (w);
      const __m256 w_hi = _mm256_loadu_ps (w + 8);

      w += VGG19_CBLOCK;
      FOR_EACH_TILE (ACC_FMA);
    }
  }

  FOR_EACH_TILE (ACC_STORE);
}

G_STATIC_ASSERT (TILE_MAX == 6);

static void
tile_dispatch (const float *v, gsize v_block, guint ic, const float *w,
    float *out, int np)
{
  switch (np) {
    case 1: gemm_tile (v, v_block, ic, w, out, 1); break;
    case 2: gemm_tile (v, v_block, ic, w, out, 2); break;
    case 3: gemm_tile (v, v_block, ic, w, out, 3); break;
    case 4: gemm_tile (v, v_block, ic, w, out, 4); break;
    case 5: gemm_tile (v, v_block, ic, w, out, 5); break;
    case 6: gemm_tile (v, v_block, ic, w, out, 6); break;
    default: break;
  }
}

void
vgg19_f32_winograd4x4_gemm__avx2 (const float *v, const float *u,
    float *m, guint ic, guint n_tiles, guint ob_begin, guint ob_end,
    guint t_begin, guint t_end, G_GNUC_UNUSED const void *u_next)
{
  const gsize v_block = (gsize) n_tiles * VGG19_CBLOCK;
  const gsize u_block = (gsize) ic * VGG19_CBLOCK;
  guint ob;

  if (t_end <= t_begin || ic == 0)
    return;

  for (ob = ob_begin; ob < ob_end; ob++) {
    const float *w = u + ob * u_block;
    const guint n = t_end - t_begin;
    const guint groups = (n + TILE_MAX - 1) / TILE_MAX;
    guint g, t = t_begin;

    for (g = 0; g < groups; g++) {
      const guint end = t_begin + (guint) ((guint64) n * (g + 1) / groups);

      tile_dispatch (v + (gsize) t * VGG19_CBLOCK, v_block, ic, w,
          m + ob * v_block + (gsize) t * VGG19_CBLOCK, (int) (end - t));
      t = end;
    }
  }
}
