/* Writing float32 tensors as NumPy .npy files. */
#ifndef VGG19_TOOLS_NPY_WRITE_H
#define VGG19_TOOLS_NPY_WRITE_H

#include <glib.h>

G_BEGIN_DECLS

/* The NPY 1.0 header for a little-endian float32 C-order array of
 * @n_dims dimensions @shape: magic, version, length, then the dict,
 * space-padded and ended by a newline so the data starts at a multiple of
 * 64 bytes. Returns the header bytes; NULL if it would not fit the
 * format's 16-bit length (it always fits for up to 8 dimensions). */
GBytes *npy_header_f32 (const guint64 * shape, guint n_dims);

/* Writes @data (the product of @shape floats) to @path atomically: to a
 * temporary file in the same directory, then renamed over @path, so a
 * reader never sees a half-written file. */
gboolean npy_write_f32 (const char *path, const float *data,
    const guint64 * shape, guint n_dims, GError ** error);

G_END_DECLS

#endif /* VGG19_TOOLS_NPY_WRITE_H */
