/* Reading named tensors out of weight files. Private to the core.
 *
 * Formats, told apart by their first bytes:
 *  - PyTorch legacy serialization (pre-1.6, e.g. torchvision's
 *    vgg19-dcbb9e9d.pth): a sequence of pickles (magic number, protocol
 *    version, system info, the object, the storage keys) followed by each
 *    storage as an int64 element count and raw little-endian data;
 *  - PyTorch zip archives (>= 1.6): <name>/data.pkl plus <name>/data/<key>;
 *  - safetensors: u64 header length, JSON header, raw data.
 *
 * The file is memory-mapped for parsing; tensors point into the mapping.
 * Every offset, count and shape read from the file is checked against the
 * file's size before use, so a hostile file gives a GError, never an
 * out-of-bounds read or an allocation larger than the file. The tensors'
 * contents are best read with vgg19_tensor_file_read_f32(), which does not
 * page the mapping in.
 */
#ifndef VGG19_WEIGHTS_TENSOR_FILE_H
#define VGG19_WEIGHTS_TENSOR_FILE_H

#include <glib.h>

G_BEGIN_DECLS

#define VGG19_TENSOR_MAX_DIMS 8

typedef enum
{
  VGG19_DTYPE_F32,
  VGG19_DTYPE_F16,
  VGG19_DTYPE_BF16,
  VGG19_DTYPE_F64,
  /* Integer dtypes are listed so that a file's other tensors (e.g. a
   * batch-norm's num_batches_tracked) can be named with their dtype; the
   * network uses float tensors only. */
  VGG19_DTYPE_I64,
  VGG19_DTYPE_I32,
  VGG19_DTYPE_I16,
  VGG19_DTYPE_I8,
  VGG19_DTYPE_U8,
  VGG19_DTYPE_BOOL,
} Vgg19DType;

typedef struct
{
  char *name;                   /* e.g. "features.0.weight" */
  Vgg19DType dtype;
  guint n_dims;
  guint64 shape[VGG19_TENSOR_MAX_DIMS];
  guint64 n_elements;           /* product of shape (1 for 0-d) */
  const guint8 *data;           /* first element, contiguous, little-endian,
                                 * not necessarily aligned */
} Vgg19RawTensor;

typedef struct _Vgg19TensorFile Vgg19TensorFile;

/* Maps and parses @path. Errors name @path. */
Vgg19TensorFile *vgg19_tensor_file_open (const char *path, GError ** error);

/* Parses an in-memory file (tests, fuzzing); @bytes is referenced.
 * @display_name is used in error messages. */
Vgg19TensorFile *vgg19_tensor_file_open_bytes (const char *display_name,
    GBytes * bytes, GError ** error);

void vgg19_tensor_file_free (Vgg19TensorFile * file);

/* "torch-legacy", "torch-zip" or "safetensors". */
const char *vgg19_tensor_file_format (const Vgg19TensorFile * file);

/* The name given at open time. */
const char *vgg19_tensor_file_name (const Vgg19TensorFile * file);

guint vgg19_tensor_file_n_tensors (const Vgg19TensorFile * file);

/* In file order; NULL when @index is out of range. */
const Vgg19RawTensor *vgg19_tensor_file_get (const Vgg19TensorFile * file,
    guint index);

/* NULL when there is no tensor of that name. */
const Vgg19RawTensor *vgg19_tensor_file_lookup (const Vgg19TensorFile * file,
    const char *name);

/* Converts all of @tensor's elements (a tensor of @file) to float32 into
 * @dst (n_elements), as vgg19_raw_tensor_to_f32() does. For a file opened
 * by path the bytes are read from the file (pread), float32 straight into
 * @dst and other dtypes through a small staging buffer, so the mapping
 * stays out of memory and the only full-size copy is @dst. Returns FALSE
 * with @error set (VGG19_ERROR_IO) when the file cannot be read or has
 * shrunk since it was opened. */
gboolean vgg19_tensor_file_read_f32 (Vgg19TensorFile * file,
    const Vgg19RawTensor * tensor, float *dst, GError ** error);

/* Converts all of @tensor's elements to float32 into @dst (n_elements).
 * Defined for the float dtypes (vgg19_dtype_is_float()): F32 is copied,
 * F16 and BF16 are widened exactly, F64 is rounded to nearest. Integer
 * dtypes are only meant to be listed; for them the values are converted
 * as (float) value, which may round, and BOOL gives 0 or 1. */
void vgg19_raw_tensor_to_f32 (const Vgg19RawTensor * tensor, float *dst);

/* "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL"
 * (safetensors' spelling); "?" for a value outside the enum. */
const char *vgg19_dtype_name (Vgg19DType dtype);

/* TRUE for F32, F16, BF16 and F64. */
gboolean vgg19_dtype_is_float (Vgg19DType dtype);

/* "[64, 3, 3, 3]": a shape for error messages (g_free it). */
char *vgg19_shape_to_string (guint n_dims, const guint64 * shape);

/* Bytes per element. */
guint vgg19_dtype_size (Vgg19DType dtype);

G_END_DECLS

#endif /* VGG19_WEIGHTS_TENSOR_FILE_H */
