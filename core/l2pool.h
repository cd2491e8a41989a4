/* DISTS' L2 pooling on the blocked activation layout of layout.h.
 * Private to the core.
 *
 * Ding, Ma, Wang and Simoncelli (2020), "Image Quality Assessment:
 * Unifying Structure and Texture Similarity", replace VGG-16's max pooling
 * by y = sqrt(g * x^2 + 1e-12) per channel, g the 3x3 Hann window
 * [1 2 1]^T [1 2 1] / 16, stride 2, zero padding 1: an anti-aliased
 * downsampling that keeps the energy of the features. */
#ifndef VGG19_L2POOL_H
#define VGG19_L2POOL_H

#include "layout.h"

G_BEGIN_DECLS

/* The window's weights, row-major: [1 2 1; 2 4 2; 1 2 1] / 16. */
extern const float vgg19_l2pool_window[9];

/* Added under the square root (keeps its derivative finite at 0). */
#define VGG19_L2POOL_EPSILON 1e-12f

/* L2 pooling of @src into @dst, which is (channels, ceil(height / 2),
 * ceil(width / 2)) with bs 16; computes output rows [row_begin, row_end)
 * of every block. The padding is @src's zero border. Does not touch
 * @dst's border. */
void vgg19_l2pool3x3s2 (const Vgg19Blocked * src, const Vgg19Blocked * dst,
    guint row_begin, guint row_end);

G_END_DECLS

#endif /* VGG19_L2POOL_H */
