/* Winograd per-point products with bf16 inputs, portable C, in the
 * summation order of winograd_bf16.h. The 16 output channels of a tile
 * are independent sums, so the compiler may vectorise across them
 * without changing any bit. */
#include "bf16.h"
#include "winograd_bf16.h"

void
vgg19_bf16_winograd4x4_gemm__scalar (const guint16 * v, const guint16 * u,
    float *m, guint ic, guint n_tiles, guint ob_begin, guint ob_end,
    guint t_begin, guint t_end, G_GNUC_UNUSED const void *u_next)
{
  const gsize v_block = (gsize) n_tiles * VGG19_CBLOCK;
  guint ob, t, j, o;

  for (ob = ob_begin; ob < ob_end; ob++) {
    const guint16 *u_ob = u + (gsize) ob * ic * VGG19_CBLOCK;

    for (t = t_begin; t < t_end; t++) {
      float acc[VGG19_CBLOCK] = { 0.0f };

      for (j = 0; j < ic / 2; j++) {
        const guint c = 2 * j;
        const guint16 *vp = v + (c / VGG19_CBLOCK) * v_block +
            (gsize) t *VGG19_CBLOCK + c % VGG19_CBLOCK;
        const float v0 = vgg19_bf16_to_f32 (vp[0]);
        const float v1 = vgg19_bf16_to_f32 (vp[1]);
        const guint16 *up = u_ob + (gsize) j * VGG19_CBLOCK * 2;

        for (o = 0; o < VGG19_CBLOCK; o++) {
          acc[o] += v1 * vgg19_bf16_to_f32 (up[2 * o + 1]);
          acc[o] += v0 * vgg19_bf16_to_f32 (up[2 * o]);
        }
      }
      memcpy (m + (gsize) ob * v_block + (gsize) t * VGG19_CBLOCK, acc,
          sizeof (acc));
    }
  }
}
