/* Fuzz target: a whole weight file from its bytes, in any format
 * (PyTorch legacy, PyTorch zip, safetensors): format detection, the
 * format's reader, the conversion of every tensor to float32, then
 * vgg19_model_load() on the same bytes as a file (the name and shape
 * checks against VGG's layout, and the pread path of the tensor reads).
 *
 * The harness also checks what the readers promise: each tensor lies
 * within the input and has n_elements = product of its shape. */
#include <string.h>
#include <unistd.h>

#include <vgg19/vgg19.h>

#include "fuzz_common.h"
#include "tensor_file.h"

static void
check_tensor (const Vgg19RawTensor * t, const uint8_t * data, size_t size)
{
  guint64 n = 1, n_bytes;
  guint i;
  float *values;

  FUZZ_CHECK (t->name != NULL, "tensor name");
  FUZZ_CHECK (t->n_dims <= VGG19_TENSOR_MAX_DIMS, "dimensions");
  for (i = 0; i < t->n_dims; i++)
    FUZZ_CHECK (g_uint64_checked_mul (&n, n, t->shape[i]), "shape product");
  FUZZ_CHECK (n == t->n_elements, "n_elements is the shape's product");
  FUZZ_CHECK (vgg19_dtype_size (t->dtype) > 0, "known dtype");
  FUZZ_CHECK (g_uint64_checked_mul (&n_bytes, n, vgg19_dtype_size (t->dtype)),
      "byte size");
  FUZZ_CHECK (t->data >= data && (size_t) (t->data - data) <= size
      && n_bytes <= size - (size_t) (t->data - data),
      "tensor bytes within the input");

  /* Bounded by the input: every element takes at least one byte of it. */
  values = g_new (float, MAX (t->n_elements, 1));
  vgg19_raw_tensor_to_f32 (t, values);
  g_free (values);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  GBytes *bytes = g_bytes_new_static (data, size);
  GError *error = NULL;
  Vgg19TensorFile *file;
  Vgg19Model *model;
  char *path;
  guint i, n;
  int fd;

  file = vgg19_tensor_file_open_bytes ("fuzz-input", bytes, &error);
  g_bytes_unref (bytes);
  if (file == NULL) {
    FUZZ_CHECK (error != NULL, "a failed open sets an error");
    g_error_free (error);
    return 0;
  }
  n = vgg19_tensor_file_n_tensors (file);
  for (i = 0; i < n; i++) {
    const Vgg19RawTensor *t = vgg19_tensor_file_get (file, i);

    check_tensor (t, data, size);
    FUZZ_CHECK (vgg19_tensor_file_lookup (file, t->name) == t,
        "lookup finds the tensor");
  }
  FUZZ_CHECK (vgg19_tensor_file_get (file, n) == NULL, "get past the end");
  vgg19_tensor_file_free (file);

  /* The same bytes as a file, through the public loader. */
  fd = fuzz_memfd (data, size, &path);
  model = vgg19_model_load (path, &error);
  if (model != NULL)
    vgg19_model_unref (model);
  else {
    FUZZ_CHECK (error != NULL, "a failed load sets an error");
    g_error_free (error);
  }
  close (fd);
  g_free (path);
  return 0;
}
