/* 3x3 convolution kernels (stride 1, padding 1) on channel-blocked
 * activations. Private to the core.
 *
 * Activation layout ("blocked"): channels are grouped in blocks of
 * VGG19_CBLOCK; a tensor of C channels, H rows and W columns is stored as
 * [C / VGG19_CBLOCK][H + 2][W + 2][VGG19_CBLOCK] floats with a one-pixel
 * border of zeros all round. The border is the convolution's padding, so
 * kernels never test for edges. The image input is the one exception: it has
 * 3 channels, stored as a single block of 3 ([1][H + 2][W + 2][3]).
 *
 * Packed weights: [OC / 16][IC / ibs][3][3][ibs][16] where ibs is the input
 * block (16, or 3 for the image input): for each output block, input block,
 * kernel row and column and input channel, one vector of 16 output
 * channels. See vgg19_pack_conv3x3_weights().
 */
#ifndef VGG19_KERNELS_CONV3X3_H
#define VGG19_KERNELS_CONV3X3_H

#include <glib.h>

#include "cpu.h"

G_BEGIN_DECLS

#define VGG19_CBLOCK 16

typedef struct
{
  /* Input: points at the top-left *border* pixel of input block 0. */
  const float *input;
  gsize in_block_stride;        /* floats from one input block to the next */
  gsize in_row_stride;          /* floats from one row to the next: (W + 2) * ibs */
  guint in_blocks;              /* IC / ibs */
  guint ibs;                    /* channels per input block: 16, or 3 */

  const float *weights;         /* packed, see above */
  const float *bias;            /* OC floats */

  /* Output: points at the top-left border pixel of output block 0; only the
   * interior (H x W) is written, the border is left as it is. */
  float *output;
  gsize out_block_stride;
  gsize out_row_stride;         /* (W + 2) * 16 */
  guint out_blocks;             /* OC / 16 */

  guint height;                 /* H (same for input and output) */
  guint width;                  /* W */
  gboolean relu;                /* apply max(0, x) before storing */
} Vgg19Conv3x3Args;

/* Computes output blocks [ocb_begin, ocb_end) for output rows
 * [row_begin, row_end). Ranges handed out by the caller are multiples of the
 * kernel's ocb_step, except that the last range ends at out_blocks. */
typedef void (*Vgg19Conv3x3Fn) (const Vgg19Conv3x3Args * args,
    guint ocb_begin, guint ocb_end, guint row_begin, guint row_end);

typedef struct
{
  const char *name;             /* e.g. "vgg19_f32_conv3x3__avx512" */
  Vgg19Isa isa;
  guint ocb_step;               /* output blocks computed together */
  Vgg19Conv3x3Fn run;
} Vgg19Conv3x3Kernel;

/* The registry: the best kernel for @isa (falls back to lower ISAs; never
 * NULL, the portable kernel is always there). */
const Vgg19Conv3x3Kernel *vgg19_conv3x3_select (Vgg19Isa isa);

/* Each kernel, exposed so tests can compare them with the portable one. */
void vgg19_f32_conv3x3__scalar (const Vgg19Conv3x3Args * args,
    guint ocb_begin, guint ocb_end, guint row_begin, guint row_end);
void vgg19_f32_conv3x3__avx2 (const Vgg19Conv3x3Args * args,
    guint ocb_begin, guint ocb_end, guint row_begin, guint row_end);
void vgg19_f32_conv3x3__avx512 (const Vgg19Conv3x3Args * args,
    guint ocb_begin, guint ocb_end, guint row_begin, guint row_end);

/* Packs torch's [OC][IC][3][3] float32 weights into the layout above.
 * @ibs must divide @ic; @oc must be a multiple of 16. @dst holds
 * oc * ic * 9 floats. */
void vgg19_pack_conv3x3_weights (const float *oihw, guint oc, guint ic,
    guint ibs, float *dst);

G_END_DECLS

#endif /* VGG19_KERNELS_CONV3X3_H */
