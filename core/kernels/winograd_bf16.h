/* The per-point products of Winograd F(4x4, 3x3) (winograd.h) with bf16
 * inputs and float32 accumulation. Private to the core.
 *
 * Same stages, tiles and M layout as winograd.h; only V and U are bf16
 * (guint16 bit patterns, see bf16.h), which halves the bytes the products
 * read and lets AVX512_BF16 do two multiply-adds per lane and instruction
 * (VDPBF16PS: 32 per 512-bit instruction against FMA's 16).
 *
 * Layouts (IC and OC multiples of 16, T = tiles in the chunk):
 *  V16: [36][IC / 16][T][16]         bf16, V of winograd.h element by
 *                                     element (same index, same place), so
 *                                     a chunk's V16 is its V run through a
 *                                     Vgg19Bf16ConvertFn as one array of
 *                                     36 * IC * T values
 *  U16: [36][OC / 16][IC / 2][16][2] bf16: for each point, output block
 *                                     and pair of input channels (2 j,
 *                                     2 j + 1), the 16 output channels'
 *                                     weights with the pair interleaved,
 *                                     U16[p][ob][j][o][k] =
 *                                       U[p][ob][2 j + k][o]
 *                                     (one 64-byte vector per pair: the
 *                                     operand VDPBF16PS multiplies by the
 *                                     broadcast pair (V[2 j], V[2 j + 1]))
 *  M:   [36][OC / 16][T][16]         float32, as in winograd.h
 *
 * Order of the sums (every kernel follows it, so all give the same bits):
 * M[p][ob][t][o] starts at +0 and, for j = 0 .. IC / 2 - 1 in turn, adds
 * V[2 j + 1] * U[2 j + 1][o], then V[2 j] * U[2 j][o] (VDPBF16PS's order).
 * The products are exact (bf16.h), so the float32 additions are the only
 * roundings. The AVX512_BF16 kernel flushes denormal sums to zero, the
 * portable one does not; that needs sums below 1.2e-38 and does not
 * happen with VGG's numbers.
 */
#ifndef VGG19_KERNELS_WINOGRAD_BF16_H
#define VGG19_KERNELS_WINOGRAD_BF16_H

#include <glib.h>

#include "winograd.h"

G_BEGIN_DECLS

/* As Vgg19WinogradGemmFn, with bf16 V and U: computes, for one point p,
 * M[p][ob][t][:] for output blocks [ob_begin, ob_end) and chunk tiles
 * [t_begin, t_end), overwriting M. @v, @u and @m point at point p's slices
 * (V16 + p * IC * T, U16 + p * OC * IC, M + p * OC * T); @n_tiles is T,
 * the chunk's row count in V16 and M; @u_next as in Vgg19WinogradGemmFn
 * (in U16). */
typedef void (*Vgg19Bf16WinogradGemmFn) (const guint16 * v,
    const guint16 * u, float *m, guint ic, guint n_tiles, guint ob_begin,
    guint ob_end, guint t_begin, guint t_end, const void *u_next);

void vgg19_bf16_winograd4x4_gemm__scalar (const guint16 * v,
    const guint16 * u, float *m, guint ic, guint n_tiles, guint ob_begin,
    guint ob_end, guint t_begin, guint t_end, const void *u_next);
void vgg19_bf16_winograd4x4_gemm__avx512bf16 (const guint16 * v,
    const guint16 * u, float *m, guint ic, guint n_tiles, guint ob_begin,
    guint ob_end, guint t_begin, guint t_end, const void *u_next);

/* Rounds U (float32, [36][OC / 16][IC][16] as in winograd.h) to bf16 and
 * interleaves it into U16 (36 * OC * IC values). Done once per model. */
void vgg19_bf16_winograd_pack_u (const float *u, guint oc, guint ic,
    guint16 * u16);

G_END_DECLS

#endif /* VGG19_KERNELS_WINOGRAD_BF16_H */
