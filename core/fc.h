/* The BLAS library's threads. Private to the core.
 *
 * Linear layers use the core's own kernels (kernels/f32_gemv.h,
 * kernels/bf16_gemv.h) on the session's threads; OpenBLAS remains for the
 * Gram matrices of the style loss (metric.c), a real matrix product.
 */
#ifndef VGG19_FC_H
#define VGG19_FC_H

#include <glib.h>

G_BEGIN_DECLS

/* Sets the thread count of the BLAS library (process-wide). */
void vgg19_linear_set_threads (guint n_threads);

G_END_DECLS

#endif /* VGG19_FC_H */
