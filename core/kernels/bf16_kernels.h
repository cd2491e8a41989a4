/* The bf16 kernels as one set: AVX512_BF16 or portable C. Private to the
 * core.
 *
 * Unlike the float32 kernels these do not follow the ISA ladder: there is
 * no AVX2 or plain AVX-512 version, since without AVX512_BF16 a bf16
 * product costs a conversion more than a float32 one. Both sets follow the
 * same summation orders (bf16_gemv.h, winograd_bf16.h), so they give the
 * same bits and the choice changes speed only.
 */
#ifndef VGG19_KERNELS_BF16_KERNELS_H
#define VGG19_KERNELS_BF16_KERNELS_H

#include <glib.h>

#include "bf16.h"
#include "bf16_gemv.h"
#include "winograd_bf16.h"

G_BEGIN_DECLS

typedef struct
{
  const char *name;             /* "avx512bf16" or "portable" */
  Vgg19Bf16ConvertFn convert;
  /* Split rows over threads in multiples of gemv_rows (the rows read side
   * by side); any split is correct. */
  Vgg19Bf16GemvFn gemv;
  guint gemv_rows;
  /* Split output blocks in multiples of gemm_ob_step and tiles in
   * multiples of gemm_t_step (its register tile); any split is correct. */
  Vgg19Bf16WinogradGemmFn winograd_gemm;
  guint gemm_ob_step;
  guint gemm_t_step;
} Vgg19Bf16Kernels;

/* The AVX512_BF16 set when @avx512_bf16 (pass vgg19_cpu_use_avx512_bf16(),
 * or TRUE only after checking vgg19_cpu_has_avx512_bf16()), else the
 * portable one. Never NULL. */
const Vgg19Bf16Kernels *vgg19_bf16_kernels_select (gboolean avx512_bf16);

G_END_DECLS

#endif /* VGG19_KERNELS_BF16_KERNELS_H */
