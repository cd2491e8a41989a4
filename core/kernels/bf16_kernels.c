/* The two sets of bf16 kernels. */
#include "bf16_kernels.h"

static const Vgg19Bf16Kernels avx512bf16_kernels = {
  "avx512bf16",
  vgg19_f32_to_bf16_array__avx512bf16,
  vgg19_bf16_gemv__avx512bf16, 4,
  /* 2 output blocks x 14 tiles per register tile */
  vgg19_bf16_winograd4x4_gemm__avx512bf16, 2, 14,
};

static const Vgg19Bf16Kernels portable_kernels = {
  "portable",
  vgg19_f32_to_bf16_array__scalar,
  vgg19_bf16_gemv__scalar, 1,
  vgg19_bf16_winograd4x4_gemm__scalar, 1, 1,
};

const Vgg19Bf16Kernels *
vgg19_bf16_kernels_select (gboolean avx512_bf16)
{
  return avx512_bf16 ? &avx512bf16_kernels : &portable_kernels;
}
