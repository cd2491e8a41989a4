/* U = G g G^T: torch's 3x3 filters into the Winograd domain, once per
 * model. The layout is winograd.h's; the matrices match
 * winograd_transform.h.
 *
 * Computed in double and rounded once to float32, so U carries only one
 * rounding of its own. */
#include "winograd.h"

/* G for interpolation points 0, -1, 1, -2, 2 and infinity. */
static const double G[6][3] = {
  {1.0 / 4, 0.0, 0.0},
  {-1.0 / 6, -1.0 / 6, -1.0 / 6},
  {-1.0 / 6, 1.0 / 6, -1.0 / 6},
  {1.0 / 24, 1.0 / 12, 1.0 / 6},
  {1.0 / 24, -1.0 / 12, 1.0 / 6},
  {0.0, 0.0, 1.0},
};

void
vgg19_winograd_pack_u (const float *oihw, guint oc, guint ic, float *u)
{
  const guint out_blocks = oc / VGG19_CBLOCK;
  guint ob, c, lane, i, j, k;

  /* Output channels innermost, so the 36 values of each (block, input
   * channel) go to 36 cache lines written whole over the lane loop. */
  for (ob = 0; ob < out_blocks; ob++)
    for (c = 0; c < ic; c++)
      for (lane = 0; lane < VGG19_CBLOCK; lane++) {
        const guint o = ob * VGG19_CBLOCK + lane;
        const float *g = oihw + ((gsize) o * ic + c) * 9;
        double gg[6][3];        /* G g */

        for (i = 0; i < 6; i++)
          for (j = 0; j < 3; j++) {
            double acc = 0.0;

            for (k = 0; k < 3; k++)
              acc += G[i][k] * g[k * 3 + j];
            gg[i][j] = acc;
          }
        for (i = 0; i < 6; i++)
          for (j = 0; j < 6; j++) {
            const guint p = i * 6 + j;
            double acc = 0.0;

            for (k = 0; k < 3; k++)
              acc += gg[i][k] * G[j][k];
            u[(((gsize) p * out_blocks + ob) * ic + c) * VGG19_CBLOCK +
                lane] = (float) acc;
          }
      }
}
