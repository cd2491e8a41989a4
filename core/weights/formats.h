/* Entry points of the weight-file readers, one per format, and the helpers
 * they share. Private to core/weights.
 *
 * Each reader parses a whole file held in memory (@data, @size bytes) and
 * appends its tensors, in file order, to @tensors (a GArray of
 * Vgg19RawTensor whose names the array owns). The tensors' data point into
 * @data. Every message starts with @file_name.
 */
#ifndef VGG19_WEIGHTS_FORMATS_H
#define VGG19_WEIGHTS_FORMATS_H

#include <glib.h>

#include "tensor_file.h"

G_BEGIN_DECLS

gboolean vgg19_torch_legacy_read (const char *file_name, const guint8 * data,
    gsize size, GArray * tensors, GError ** error);

gboolean vgg19_torch_zip_read (const char *file_name, const guint8 * data,
    gsize size, GArray * tensors, GError ** error);

gboolean vgg19_safetensors_read (const char *file_name, const guint8 * data,
    gsize size, GArray * tensors, GError ** error);

/* Parses a safetensors dtype name ("F32", "BF16", ...). FALSE for a name
 * we do not read (including valid safetensors dtypes such as "F8_E4M3"). */
gboolean vgg19_dtype_from_name (const char *name, Vgg19DType * dtype);

/* Element count of @shape and its size in bytes as @dtype; FALSE when
 * either does not fit in 64 bits. */
gboolean vgg19_dtype_n_bytes (Vgg19DType dtype, guint n_dims,
    const guint64 * shape, guint64 * n_elements, guint64 * n_bytes);

/* Converts @n elements of @dtype stored little-endian at @src (any
 * alignment) to float32, as vgg19_raw_tensor_to_f32() does. */
void vgg19_dtype_to_f32 (Vgg19DType dtype, const guint8 * src, guint64 n,
    float *dst);

G_END_DECLS

#endif /* VGG19_WEIGHTS_FORMATS_H */
