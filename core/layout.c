/* Blocked-layout conversions, ReLU and pooling (portable C). */
#include "layout.h"

#include <string.h>

gsize
vgg19_blocked_n_floats (guint channels, guint height, guint width, guint bs)
{
  guint64 blocks = (channels + (guint64) bs - 1) / bs;
  guint64 n;

  if (!g_uint64_checked_mul (&n, blocks, (guint64) height + 2)
      || !g_uint64_checked_mul (&n, n, (guint64) width + 2)
      || !g_uint64_checked_mul (&n, n, bs) || n > G_MAXSIZE / sizeof (float))
    return 0;
  return (gsize) n;
}

void
vgg19_blocked_zero_border (const Vgg19Blocked * t)
{
  gsize row = vgg19_blocked_row_stride (t);
  gsize block = vgg19_blocked_block_stride (t);
  guint b, y, n_blocks = vgg19_blocked_n_blocks (t);

  for (b = 0; b < n_blocks; b++) {
    float *p = t->data + b * block;

    memset (p, 0, row * sizeof (float));
    memset (p + (gsize) (t->height + 1) * row, 0, row * sizeof (float));
    for (y = 1; y <= t->height; y++) {
      memset (p + y * row, 0, t->bs * sizeof (float));
      memset (p + y * row + (gsize) (t->width + 1) * t->bs, 0,
          t->bs * sizeof (float));
    }
  }
}

void
vgg19_blocked_from_chw (const Vgg19Blocked * t, const float *chw)
{
  gsize row = vgg19_blocked_row_stride (t);
  gsize plane = (gsize) t->height * t->width;
  guint c, y, x;

  vgg19_blocked_zero_border (t);
  for (y = 0; y < t->height; y++) {
    float *dst = t->data + (y + 1) * row + t->bs;

    for (x = 0; x < t->width; x++)
      for (c = 0; c < t->bs; c++)
        dst[x * t->bs + c] = c < t->channels
            ? chw[c * plane + (gsize) y * t->width + x] : 0.0f;
  }
}

void
vgg19_blocked_to_chw (const Vgg19Blocked * t, float *dst, guint row_begin,
    guint row_end)
{
  gsize row = vgg19_blocked_row_stride (t);
  gsize block = vgg19_blocked_block_stride (t);
  gsize plane = (gsize) t->height * t->width;
  guint c, y, x;

  for (c = 0; c < t->channels; c++) {
    const float *src = t->data + (c / t->bs) * block + c % t->bs;

    for (y = row_begin; y < row_end; y++) {
      const float *s = src + (y + 1) * row + t->bs;
      float *d = dst + c * plane + (gsize) y * t->width;

      for (x = 0; x < t->width; x++)
        d[x] = s[(gsize) x * t->bs];
    }
  }
}

void
vgg19_blocked_relu (const Vgg19Blocked * t, guint block_begin,
    guint block_end)
{
  gsize block = vgg19_blocked_block_stride (t);
  float *p = t->data + block_begin * block;
  gsize i, n = (block_end - block_begin) * block;

  /* The border is zero and stays zero, so the whole span can be swept. */
  for (i = 0; i < n; i++)
    p[i] = p[i] > 0.0f ? p[i] : 0.0f;
}

void
vgg19_maxpool2x2 (const Vgg19Blocked * src, const Vgg19Blocked * dst,
    guint row_begin, guint row_end)
{
  gsize srow = vgg19_blocked_row_stride (src);
  gsize sblock = vgg19_blocked_block_stride (src);
  gsize drow = vgg19_blocked_row_stride (dst);
  gsize dblock = vgg19_blocked_block_stride (dst);
  guint b, y, x, c, n_blocks = vgg19_blocked_n_blocks (src);

  for (b = 0; b < n_blocks; b++) {
    for (y = row_begin; y < row_end; y++) {
      const float *s0 = src->data + b * sblock + (2 * y + 1) * srow + 16;
      const float *s1 = s0 + srow;
      float *d = dst->data + b * dblock + (y + 1) * drow + 16;

      for (x = 0; x < dst->width; x++) {
        for (c = 0; c < VGG19_CBLOCK; c++) {
          float a = MAX (s0[32 * x + c], s0[32 * x + 16 + c]);
          float e = MAX (s1[32 * x + c], s1[32 * x + 16 + c]);

          d[16 * x + c] = MAX (a, e);
        }
      }
    }
  }
}

void
vgg19_adaptive_avgpool_flat (const Vgg19Blocked * src, guint side,
    float *dst)
{
  gsize row = vgg19_blocked_row_stride (src);
  gsize block = vgg19_blocked_block_stride (src);
  guint c, oy, ox, y, x;

  for (c = 0; c < src->channels; c++) {
    const float *p = src->data + (c / src->bs) * block + c % src->bs;

    for (oy = 0; oy < side; oy++) {
      guint y0 = (guint) ((guint64) oy * src->height / side);
      guint y1 = (guint) (((guint64) (oy + 1) * src->height + side - 1) / side);

      for (ox = 0; ox < side; ox++) {
        guint x0 = (guint) ((guint64) ox * src->width / side);
        guint x1 = (guint) (((guint64) (ox + 1) * src->width + side - 1) / side);
        float sum = 0.0f;

        for (y = y0; y < y1; y++)
          for (x = x0; x < x1; x++)
            sum += p[(y + 1) * row + (gsize) (x + 1) * src->bs];
        dst[((gsize) c * side + oy) * side + ox] =
            sum / (float) ((y1 - y0) * (x1 - x0));
      }
    }
  }
}
