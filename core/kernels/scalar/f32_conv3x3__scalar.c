/* Portable 3x3 convolution: the reference the SIMD kernels are tested
 * against, and the fallback on CPUs without AVX2.
 *
 * Written to be obviously correct rather than fast: one output pixel at a
 * time, a 16-float accumulator for its output block, summed over input
 * blocks, kernel rows, kernel columns and input channels in the packed
 * weight order. Compiled with the generic flags only.
 */
#include "conv3x3.h"

void
vgg19_f32_conv3x3__scalar (const Vgg19Conv3x3Args * a, guint ocb_begin,
    guint ocb_end, guint row_begin, guint row_end)
{
  const guint ibs = a->ibs;
  const gsize w_per_out_block = (gsize) a->in_blocks * 9 * ibs * VGG19_CBLOCK;
  guint ob, y, x, ib, ky, kx, c, o;

  ocb_end = MIN (ocb_end, a->out_blocks);
  row_end = MIN (row_end, a->height);

  for (ob = ocb_begin; ob < ocb_end; ob++) {
    const float *bias = a->bias + (gsize) ob * VGG19_CBLOCK;

    for (y = row_begin; y < row_end; y++) {
      for (x = 0; x < a->width; x++) {
        const float *w = a->weights + ob * w_per_out_block;
        float acc[VGG19_CBLOCK];
        float *out;

        for (o = 0; o < VGG19_CBLOCK; o++)
          acc[o] = bias[o];

        for (ib = 0; ib < a->in_blocks; ib++) {
          for (ky = 0; ky < 3; ky++) {
            for (kx = 0; kx < 3; kx++) {
              /* Output pixel (y, x) is bordered pixel (y + 1, x + 1), so
               * tap (ky, kx) reads bordered input pixel (y + ky, x + kx). */
              const float *px = a->input + ib * a->in_block_stride
                  + (y + ky) * a->in_row_stride + (gsize) (x + kx) * ibs;

              for (c = 0; c < ibs; c++) {
                for (o = 0; o < VGG19_CBLOCK; o++)
                  acc[o] += w[o] * px[c];
                w += VGG19_CBLOCK;
              }
            }
          }
        }

        out = a->output + ob * a->out_block_stride
            + (y + 1) * a->out_row_stride + (gsize) (x + 1) * VGG19_CBLOCK;
        for (o = 0; o < VGG19_CBLOCK; o++)
          out[o] = a->relu && acc[o] < 0.0f ? 0.0f : acc[o];
      }
    }
  }
}
