/* L2 pooling, 3x3 window, stride 2, on blocked activations (see
 * l2pool.h). Memory-bound like max pooling: portable C whose 16-wide
 * inner loop the compiler vectorises. */
#include <math.h>

#include "l2pool.h"

const float vgg19_l2pool_window[9] = {
  1.0f / 16, 2.0f / 16, 1.0f / 16,
  2.0f / 16, 4.0f / 16, 2.0f / 16,
  1.0f / 16, 2.0f / 16, 1.0f / 16,
};

void
vgg19_l2pool3x3s2 (const Vgg19Blocked * src, const Vgg19Blocked * dst,
    guint row_begin, guint row_end)
{
  gsize srow = vgg19_blocked_row_stride (src);
  gsize sblock = vgg19_blocked_block_stride (src);
  gsize drow = vgg19_blocked_row_stride (dst);
  gsize dblock = vgg19_blocked_block_stride (dst);
  guint b, y, x, c, i, j, n_blocks = vgg19_blocked_n_blocks (src);

  for (b = 0; b < n_blocks; b++) {
    for (y = row_begin; y < row_end; y++) {
      /* Output (y, x) is centred on input (2y, 2x): its window covers
       * input rows 2y - 1 .. 2y + 1, which are rows 2y .. 2y + 2 of the
       * bordered block (row 0 and row height + 1 being the zero border
       * that stands for the padding). */
      const float *top = src->data + b * sblock + (gsize) (2 * y) * srow;
      float *d = dst->data + b * dblock + (y + 1) * drow + 16;

      for (x = 0; x < dst->width; x++) {
        float acc[VGG19_CBLOCK] = { 0 };

        for (i = 0; i < 3; i++) {
          const float *s = top + i * srow + (gsize) (2 * x) * 16;

          for (j = 0; j < 3; j++) {
            float g = vgg19_l2pool_window[3 * i + j];

            for (c = 0; c < VGG19_CBLOCK; c++) {
              float v = s[16 * j + c];

              acc[c] += g * (v * v);
            }
          }
        }
        for (c = 0; c < VGG19_CBLOCK; c++)
          d[16 * x + c] = sqrtf (acc[c] + VGG19_L2POOL_EPSILON);
      }
    }
  }
}
