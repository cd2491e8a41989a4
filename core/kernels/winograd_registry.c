/* The registry of Winograd F(4x4, 3x3) kernels: one table, best ISA
 * first, searched like the conv3x3 registry. */
#include "winograd.h"

static const Vgg19WinogradKernel winograd_kernels[] = {
  /* products: 2 output blocks x 14 tiles per register tile */
  {"vgg19_f32_winograd4x4__avx512", VGG19_ISA_AVX512,
      vgg19_f32_winograd4x4_input__avx512, vgg19_f32_winograd4x4_gemm__avx512,
      vgg19_f32_winograd4x4_output__avx512, 2},
  /* products: 1 output block (2 ymm) x 6 tiles */
  {"vgg19_f32_winograd4x4__avx2", VGG19_ISA_AVX2,
      vgg19_f32_winograd4x4_input__avx2, vgg19_f32_winograd4x4_gemm__avx2,
      vgg19_f32_winograd4x4_output__avx2, 1},
  {"vgg19_f32_winograd4x4__scalar", VGG19_ISA_PORTABLE,
      vgg19_f32_winograd4x4_input__scalar, vgg19_f32_winograd4x4_gemm__scalar,
      vgg19_f32_winograd4x4_output__scalar, 1},
};

const Vgg19WinogradKernel *
vgg19_winograd_select (Vgg19Isa isa)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (winograd_kernels); i++)
    if (winograd_kernels[i].isa <= isa)
      return &winograd_kernels[i];
  return &winograd_kernels[G_N_ELEMENTS (winograd_kernels) - 1];
}
