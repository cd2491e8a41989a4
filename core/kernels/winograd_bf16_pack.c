/* U (float32) -> U16: rounded to bf16, input channels interleaved in
 * pairs; winograd_bf16.h gives the layout. */
#include "bf16.h"
#include "winograd_bf16.h"

void
vgg19_bf16_winograd_pack_u (const float *u, guint oc, guint ic, guint16 * u16)
{
  const guint out_blocks = oc / VGG19_CBLOCK;
  guint p, ob, j, o, k;

  /* Both layouts are [36][OC / 16] slices of IC x 16 values, at the same
   * offsets; only the order inside a slice differs. */
  for (p = 0; p < VGG19_WINOGRAD_POINTS; p++)
    for (ob = 0; ob < out_blocks; ob++) {
      const gsize slice = ((gsize) p * out_blocks + ob) * ic * VGG19_CBLOCK;
      const float *src = u + slice;
      guint16 *dst = u16 + slice;

      for (j = 0; j < ic / 2; j++)
        for (o = 0; o < VGG19_CBLOCK; o++)
          for (k = 0; k < 2; k++)
            dst[((gsize) j * VGG19_CBLOCK + o) * 2 + k] =
                vgg19_f32_to_bf16 (src[(gsize) (2 * j + k) * VGG19_CBLOCK + o]);
    }
}
