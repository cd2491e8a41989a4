/* Conversions and parameter-free layers on the blocked, zero-bordered
 * activation layout of core/kernels/conv3x3.h. Private to the core.
 *
 * These are memory-bound and written once in portable C (the compiler
 * vectorises the 16-wide inner loops); only the convolution has per-ISA
 * kernels.
 */
#ifndef VGG19_LAYOUT_H
#define VGG19_LAYOUT_H

#include <glib.h>

#include "conv3x3.h"

G_BEGIN_DECLS

/* A blocked activation tensor: [blocks][height + 2][width + 2][bs]. */
typedef struct
{
  float *data;                  /* top-left border pixel of block 0 */
  guint channels;
  guint height;
  guint width;
  guint bs;                     /* channels per block: 16, or 3 (image) */
} Vgg19Blocked;

static inline guint
vgg19_blocked_n_blocks (const Vgg19Blocked * t)
{
  return (t->channels + t->bs - 1) / t->bs;
}

static inline gsize
vgg19_blocked_row_stride (const Vgg19Blocked * t)
{
  return (gsize) (t->width + 2) * t->bs;
}

static inline gsize
vgg19_blocked_block_stride (const Vgg19Blocked * t)
{
  return (gsize) (t->height + 2) * vgg19_blocked_row_stride (t);
}

/* Floats needed for @channels x @height x @width in blocks of @bs, or 0 on
 * overflow. */
gsize vgg19_blocked_n_floats (guint channels, guint height, guint width,
    guint bs);

/* Writes zeros on the one-pixel border of every block. */
void vgg19_blocked_zero_border (const Vgg19Blocked * t);

/* Planar CHW (3 x H x W) image into a bs = 3 tensor, border included. */
void vgg19_blocked_from_chw (const Vgg19Blocked * t, const float *chw);

/* The interior of @t, rows [row_begin, row_end) of every block, into CHW
 * @dst (channels x height x width floats). */
void vgg19_blocked_to_chw (const Vgg19Blocked * t, float *dst,
    guint row_begin, guint row_end);

/* max(0, x) on blocks [block_begin, block_end) (the border stays 0). */
void vgg19_blocked_relu (const Vgg19Blocked * t, guint block_begin,
    guint block_end);

/* 2x2 max pooling, stride 2, floor: @dst is (channels, height / 2,
 * width / 2) with bs 16; computes output rows [row_begin, row_end) of
 * every block. Does not touch @dst's border. */
void vgg19_maxpool2x2 (const Vgg19Blocked * src, const Vgg19Blocked * dst,
    guint row_begin, guint row_end);

/* torch's AdaptiveAvgPool2d((side, side)) of @src followed by flatten:
 * @dst gets channels x side x side floats in CHW order. Bins for output
 * index a over input length n: [floor(a * n / side), ceil((a + 1) * n /
 * side)). */
void vgg19_adaptive_avgpool_flat (const Vgg19Blocked * src, guint side,
    float *dst);

G_END_DECLS

#endif /* VGG19_LAYOUT_H */
