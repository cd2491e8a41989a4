/* Fully connected layers (torch's Linear) at batch 1. Private to the core.
 *
 * At batch 1 a Linear layer is a matrix-vector product that streams its
 * weights from memory once (fc6 alone is 411 MB): it is memory-bound, and
 * OpenBLAS's sgemv already runs at memory speed, so it is used here on
 * every ISA.
 */
#ifndef VGG19_FC_H
#define VGG19_FC_H

#include <glib.h>

G_BEGIN_DECLS

/* y = W x + b with W row-major [out][in]. */
void vgg19_linear (const float *weights, const float *bias, guint in,
    guint out, const float *x, float *y);

/* Sets the thread count of the BLAS library (process-wide). */
void vgg19_linear_set_threads (guint n_threads);

G_END_DECLS

#endif /* VGG19_FC_H */
