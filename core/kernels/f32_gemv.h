/* Linear layers (torch's Linear) at batch 1 in float32: y = W x + b.
 * Private to the core.
 *
 * At batch 1 a Linear layer reads every weight once for one multiply-add
 * (fc6 alone is 411 MB), so its time is the time to stream the weights:
 * the kernels read four rows side by side in 16-float steps and the
 * session splits rows over its own threads. (OpenBLAS's sgemv is no
 * faster here, and its worker threads keep spinning after a call,
 * slowing the next frame's first convolutions by up to 2x; see
 * BENCHMARKS.md.)
 *
 * y[o] = bias[o] + sum over i of W[o][i] x[i] for rows [row_begin,
 * row_end); W row-major [out][in]. Sixteen lane sums per row, folded at
 * the end; the order is the same in every kernel, but contraction into
 * FMAs may differ, so SIMD kernels match the portable one within
 * rounding, not bit for bit.
 */
#ifndef VGG19_KERNELS_F32_GEMV_H
#define VGG19_KERNELS_F32_GEMV_H

#include <glib.h>

#include "cpu.h"

G_BEGIN_DECLS

typedef void (*Vgg19F32GemvFn) (const float *w, const float *bias,
    const float *x, guint in, float *y, guint row_begin, guint row_end);

typedef struct
{
  const char *name;             /* e.g. "vgg19_f32_gemv__avx512" */
  Vgg19Isa isa;
  guint rows_step;              /* rows read side by side */
  Vgg19F32GemvFn run;
} Vgg19F32GemvKernel;

/* The registry, as vgg19_conv3x3_select(): never NULL. */
const Vgg19F32GemvKernel *vgg19_f32_gemv_select (Vgg19Isa isa);

void vgg19_f32_gemv__scalar (const float *w, const float *bias,
    const float *x, guint in, float *y, guint row_begin, guint row_end);
void vgg19_f32_gemv__avx2 (const float *w, const float *bias,
    const float *x, guint in, float *y, guint row_begin, guint row_end);
void vgg19_f32_gemv__avx512 (const float *w, const float *bias,
    const float *x, guint in, float *y, guint row_begin, guint row_end);

G_END_DECLS

#endif /* VGG19_KERNELS_F32_GEMV_H */
