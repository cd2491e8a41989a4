/* Linear layers through OpenBLAS's sgemv. */
#include "fc.h"

#include <string.h>
#include <cblas.h>

void
vgg19_linear (const float *weights, const float *bias, guint in, guint out,
    const float *x, float *y)
{
  memcpy (y, bias, (gsize) out * sizeof (float));
  cblas_sgemv (CblasRowMajor, CblasNoTrans, (blasint) out, (blasint) in,
      1.0f, weights, (blasint) in, x, 1, 1.0f, y, 1);
}

void
vgg19_linear_set_threads (guint n_threads)
{
  /* Our own pool is idle while sgemv runs, so BLAS may use every thread the
   * session was given, and no more. */
  openblas_set_num_threads ((int) n_threads);
}
