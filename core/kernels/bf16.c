/* float32 -> bf16 arrays, portable C. */
#include "bf16.h"

void
vgg19_f32_to_bf16_array__scalar (const float *src, guint16 * dst, gsize n)
{
  gsize i;

  for (i = 0; i < n; i++)
    dst[i] = vgg19_f32_to_bf16 (src[i]);
}
