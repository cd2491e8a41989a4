/* The BLAS library's threads (fc.h). */
#include "fc.h"

#include <cblas.h>

void
vgg19_linear_set_threads (guint n_threads)
{
  /* Our own pool is idle while BLAS runs, so BLAS may use every thread the
   * session was given, and no more. */
  openblas_set_num_threads ((int) n_threads);
}
