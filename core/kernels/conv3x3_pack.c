/* Repacks torch's convolution weights for the conv3x3 kernels.
 *
 * torch stores [OC][IC][3][3]. The kernels walk, for one block of 16 output
 * channels, every input block, kernel row, kernel column and input channel
 * in that order and want one vector of 16 output-channel weights at each
 * step, so the packed order is [OC / 16][IC / ibs][3][3][ibs][16]: a
 * kernel reads each output block's weights as one sequential stream.
 */
#include "conv3x3.h"

void
vgg19_pack_conv3x3_weights (const float *oihw, guint oc, guint ic, guint ibs,
    float *dst)
{
  guint ob, ib, k, c, o;
  guint in_blocks;
  gsize d = 0;

  g_return_if_fail (oihw != NULL && dst != NULL);
  g_return_if_fail (ibs > 0 && ic % ibs == 0);
  g_return_if_fail (oc % VGG19_CBLOCK == 0);

  in_blocks = ic / ibs;
  for (ob = 0; ob < oc / VGG19_CBLOCK; ob++)
    for (ib = 0; ib < in_blocks; ib++)
      for (k = 0; k < 9; k++)   /* k = ky * 3 + kx, as in torch */
        for (c = 0; c < ibs; c++)
          for (o = 0; o < VGG19_CBLOCK; o++) {
            gsize out_ch = (gsize) ob * VGG19_CBLOCK + o;
            gsize in_ch = (gsize) ib * ibs + c;

            dst[d++] = oihw[(out_ch * ic + in_ch) * 9 + k];
          }
}
