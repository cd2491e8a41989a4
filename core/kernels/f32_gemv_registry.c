/* The registry of float32 Linear kernels, searched like conv3x3's. */
#include "f32_gemv.h"

static const Vgg19F32GemvKernel gemv_kernels[] = {
  {"vgg19_f32_gemv__avx512", VGG19_ISA_AVX512, 4, vgg19_f32_gemv__avx512},
  {"vgg19_f32_gemv__avx2", VGG19_ISA_AVX2, 4, vgg19_f32_gemv__avx2},
  {"vgg19_f32_gemv__scalar", VGG19_ISA_PORTABLE, 4, vgg19_f32_gemv__scalar},
};

const Vgg19F32GemvKernel *
vgg19_f32_gemv_select (Vgg19Isa isa)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (gemv_kernels); i++)
    if (gemv_kernels[i].isa <= isa)
      return &gemv_kernels[i];
  return &gemv_kernels[G_N_ELEMENTS (gemv_kernels) - 1];
}
