/* Linear layers at batch 1 with bf16 weights and inputs and float32
 * accumulation. Private to the core.
 *
 * Why: a Linear layer at batch 1 reads every weight once and does one
 * multiply-add per weight, so its time is the time to stream the weights
 * from memory; bf16 weights halve it (fc6 goes from 411 MB to 206 MB).
 *
 * y[o] = bias[o] + sum over i of W[o][i] * x[i], for the rows o of
 * [row_begin, row_end), so the caller can split the rows over threads. W
 * is bf16, row-major, row o starting at w + o * ldw (ldw >= in); x is the
 * input already rounded to bf16 (vgg19_f32_to_bf16_array__*), converted
 * once per layer rather than once per thread.
 *
 * Order of the sums (every kernel follows it, so all kernels give the same
 * bits): each row has 16 float32 lane sums s[0..15], starting at +0. The
 * row is read in chunks of 32 inputs (elements at or beyond @in count as
 * zero); chunk k adds, for lane l, first the product of element
 * 32 k + 2 l + 1, then that of element 32 k + 2 l (the order of
 * VDPBF16PS). The lanes are then folded as s[l] += s[l + 8] (l < 8),
 * s[l] += s[l + 4] (l < 4), s[l] += s[l + 2] (l < 2), s[0] += s[1], and
 * y[o] = s[0] + bias[o]. Every product is exact (see bf16.h), so the only
 * roundings are those of the float32 additions. The AVX512_BF16 kernel
 * flushes denormal sums to zero, which the portable one does not; with
 * inputs from the bf16 converter (never denormal) that needs sums below
 * 1.2e-38 and does not happen in practice.
 */
#ifndef VGG19_KERNELS_BF16_GEMV_H
#define VGG19_KERNELS_BF16_GEMV_H

#include <glib.h>

G_BEGIN_DECLS

/* Lanes and inputs per chunk of the order above. */
#define VGG19_BF16_GEMV_LANES 16
#define VGG19_BF16_GEMV_CHUNK 32

/* @bias may be NULL (no bias). Rows at or beyond row_end are untouched. */
typedef void (*Vgg19Bf16GemvFn) (const guint16 * w, gsize ldw,
    const float *bias, const guint16 * x, guint in, float *y,
    guint row_begin, guint row_end);

void vgg19_bf16_gemv__scalar (const guint16 * w, gsize ldw,
    const float *bias, const guint16 * x, guint in, float *y,
    guint row_begin, guint row_end);
void vgg19_bf16_gemv__avx512bf16 (const guint16 * w, gsize ldw,
    const float *bias, const guint16 * x, guint in, float *y,
    guint row_begin, guint row_end);

G_END_DECLS

#endif /* VGG19_KERNELS_BF16_GEMV_H */
