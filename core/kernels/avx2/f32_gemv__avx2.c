/* float32 Linear layer at batch 1 (f32_gemv.h), compiled with this
 * library's flags. */
#include "f32_gemv_body.h"

void
vgg19_f32_gemv__avx2 (const float *w, const float *bias, const float *x,
    guint in, float *y, guint row_begin, guint row_end)
{
  gemv_rows (w, bias, x, in, y, row_begin, row_end);
}
