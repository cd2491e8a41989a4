/* The registry of 3x3 convolution kernels: one table, best ISA first.
 *
 * Selecting for an ISA returns the first kernel whose ISA does not exceed
 * it, so a CPU with AVX-512 but (say) no AVX-512 kernel for an op would
 * still get the AVX2 one, and the portable kernel ends every search.
 */
#include "conv3x3.h"

static const Vgg19Conv3x3Kernel conv3x3_kernels[] = {
  /* 2 output blocks x 14 pixels per register tile; an odd last block is
   * handled alone. */
  {"vgg19_f32_conv3x3__avx512", VGG19_ISA_AVX512, 2,
      vgg19_f32_conv3x3__avx512},
  /* 1 output block (2 ymm) x 6 pixels: 12 of the 16 ymm registers. */
  {"vgg19_f32_conv3x3__avx2", VGG19_ISA_AVX2, 1, vgg19_f32_conv3x3__avx2},
  {"vgg19_f32_conv3x3__scalar", VGG19_ISA_PORTABLE, 1,
      vgg19_f32_conv3x3__scalar},
};

const Vgg19Conv3x3Kernel *
vgg19_conv3x3_select (Vgg19Isa isa)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (conv3x3_kernels); i++)
    if (conv3x3_kernels[i].isa <= isa)
      return &conv3x3_kernels[i];
  /* Unreachable: the last entry is portable and every ISA is >= it. */
  return &conv3x3_kernels[G_N_ELEMENTS (conv3x3_kernels) - 1];
}
