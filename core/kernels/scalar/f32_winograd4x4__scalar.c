/* Winograd F(4x4, 3x3), portable C: the reference the SIMD kernels are
 * tested against, and the fallback on CPUs without AVX2. The transforms
 * are winograd_transform.h's; the products are plain loops, one 16-float
 * accumulator per (output block, tile), summed over input channels in
 * order. Compiled with the generic flags only. */
#include "winograd_transform.h"

void
vgg19_f32_winograd4x4_input__scalar (const Vgg19WinogradLayer * layer,
    guint first_tile, guint n, float *v, guint n_tiles)
{
  winograd_input_tiles (layer, first_tile, n, v, n_tiles);
}

void
vgg19_f32_winograd4x4_output__scalar (const Vgg19WinogradLayer * layer,
    const float *m, guint n_tiles, guint first_tile, guint n,
    guint ob_begin, guint n_blocks)
{
  winograd_output_tiles (layer, m, n_tiles, first_tile, n, ob_begin,
      n_blocks);
}

void
vgg19_f32_winograd4x4_gemm__scalar (const float *v, const float *u,
    float *m, guint ic, guint n_tiles, guint ob_begin, guint ob_end,
    guint t_begin, guint t_end, G_GNUC_UNUSED const void *u_next)
{
  const gsize v_block = (gsize) n_tiles * VGG19_CBLOCK;
  guint ob, t, c, o;

  for (ob = ob_begin; ob < ob_end; ob++) {
    const float *u_ob = u + (gsize) ob * ic * VGG19_CBLOCK;

    for (t = t_begin; t < t_end; t++) {
      float acc[VGG19_CBLOCK] = { 0.0f };

      for (c = 0; c < ic; c++) {
        const float x = v[(c / VGG19_CBLOCK) * v_block +
            (gsize) t * VGG19_CBLOCK + c % VGG19_CBLOCK];
        const float *w = u_ob + (gsize) c * VGG19_CBLOCK;

        for (o = 0; o < VGG19_CBLOCK; o++)
          acc[o] += x * w[o];
      }
      memcpy (m + (gsize) ob * v_block + (gsize) t * VGG19_CBLOCK, acc,
          sizeof (acc));
    }
  }
}
