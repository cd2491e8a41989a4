/* Cache-line aligned float buffers that report allocation failure as a
 * GError instead of aborting (GLib's allocators abort). Private. */
#ifndef VGG19_ALIGNED_H
#define VGG19_ALIGNED_H

#include <glib.h>

G_BEGIN_DECLS

/* @n_floats floats aligned to 64 bytes, or NULL with @error set
 * (VGG19_ERROR_NO_MEMORY, naming @what). Buffers of 2 MiB or more are
 * aligned to 2 MiB and advised as transparent huge pages. */
float *vgg19_alloc_floats (gsize n_floats, const char *what, GError ** error);

/* Same, zero-filled. */
float *vgg19_alloc_floats0 (gsize n_floats, const char *what, GError ** error);

void vgg19_free_floats (float *p);

/* @n bf16 values (guint16 bit patterns), aligned as above. */
guint16 *vgg19_alloc_bf16 (gsize n, const char *what, GError ** error);
void vgg19_free_bf16 (guint16 * p);

G_END_DECLS

#endif /* VGG19_ALIGNED_H */
