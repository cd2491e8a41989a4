/* Opening a weight file: map it, tell its format from its first bytes,
 * let that format's reader list the tensors, and index them by name.
 * Reading a tensor of a file opened by path does not go through the
 * mapping: see vgg19_tensor_file_read_f32(). */
#include "tensor_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <vgg19/vgg19.h>

#include "formats.h"

/* Bytes read from the file at a time when a tensor needs converting:
 * small enough to stay in the L2 cache between the read and the
 * conversion, large enough that the system calls cost nothing. */
#define STAGING_SIZE (256 * 1024)

struct _Vgg19TensorFile
{
  char *name;
  const char *format;
  GBytes *bytes;                /* the file; tensors point into it */
  int fd;                       /* the file opened by path, or -1 */
  guint8 *staging;              /* STAGING_SIZE bytes, allocated on use */
  GArray *tensors;              /* Vgg19RawTensor, in file order */
  GHashTable *by_name;          /* name -> Vgg19RawTensor* */
};

typedef gboolean (*ReadFunc) (const char *file_name, const guint8 * data,
    gsize size, GArray * tensors, GError ** error);

static void
clear_tensor (gpointer p)
{
  Vgg19RawTensor *t = p;

  g_free (t->name);
}

void
vgg19_tensor_file_free (Vgg19TensorFile * file)
{
  if (file == NULL)
    return;
  if (file->by_name)
    g_hash_table_destroy (file->by_name);
  if (file->tensors)
    g_array_free (file->tensors, TRUE);
  if (file->bytes)
    g_bytes_unref (file->bytes);
  if (file->fd >= 0)
    close (file->fd);
  g_free (file->staging);
  g_free (file->name);
  g_free (file);
}

/* A safetensors file starts with its header length, then the JSON
 * object's '{'. A small length is implied: the '{' alone is strong enough
 * evidence, and the reader checks the length against the file. */
static gboolean
looks_like_safetensors (const guint8 * data, gsize size)
{
  return size >= 9 && data[8] == '{';
}

/* torch.save before 0.1.10 wrote tar archives. */
static gboolean
looks_like_tar (const guint8 * data, gsize size)
{
  return size >= 262 && memcmp (data + 257, "ustar", 5) == 0;
}

static gboolean
detect_format (const char *file_name, const guint8 * data, gsize size,
    const char **format, ReadFunc * read, GError ** error)
{
  GString *found;
  gsize i;

  /* safetensors first: its first byte is the header length's low byte,
   * which can be 0x80 (a 128-byte header) or "P". Neither of the others
   * can have '{' at offset 8: it is the middle of the legacy magic
   * number, and the compression method of a zip's first entry. */
  if (looks_like_safetensors (data, size)) {
    *format = "safetensors";
    *read = vgg19_safetensors_read;
    return TRUE;
  }
  if (size >= 4 && memcmp (data, "PK\003\004", 4) == 0) {
    *format = "torch-zip";
    *read = vgg19_torch_zip_read;
    return TRUE;
  }
  /* Pickle protocol 2 and later start with the PROTO opcode. */
  if (size >= 2 && data[0] == 0x80) {
    *format = "torch-legacy";
    *read = vgg19_torch_legacy_read;
    return TRUE;
  }
  if (looks_like_tar (data, size)) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_UNSUPPORTED,
        "%s: a tar archive, as written by PyTorch before 0.1.10; this format "
        "is not supported (load and save it again with a newer PyTorch)",
        file_name);
    return FALSE;
  }
  found = g_string_new (NULL);
  for (i = 0; i < MIN (size, 8); i++)
    g_string_append_printf (found, " %02x", data[i]);
  g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
      "%s: not a weight file: expected a PyTorch file (a zip archive, \"PK\", "
      "or a pickle, 0x80) or safetensors ('{' at offset 8), found bytes%s "
      "at offset 0", file_name, found->str);
  g_string_free (found, TRUE);
  return FALSE;
}

Vgg19TensorFile *
vgg19_tensor_file_open_bytes (const char *display_name, GBytes * bytes,
    GError ** error)
{
  Vgg19TensorFile *file;
  const guint8 *data;
  gsize size, i;
  ReadFunc read;

  g_return_val_if_fail (display_name != NULL, NULL);
  g_return_val_if_fail (bytes != NULL, NULL);

  file = g_new0 (Vgg19TensorFile, 1);
  file->name = g_strdup (display_name);
  file->bytes = g_bytes_ref (bytes);
  file->fd = -1;
  file->tensors = g_array_new (FALSE, TRUE, sizeof (Vgg19RawTensor));
  g_array_set_clear_func (file->tensors, clear_tensor);
  file->by_name = g_hash_table_new (g_str_hash, g_str_equal);

  data = g_bytes_get_data (bytes, &size);
  if (size == 0) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: not a weight file: the file is empty", file->name);
    goto fail;
  }
  if (!detect_format (file->name, data, size, &file->format, &read, error)
      || !read (file->name, data, size, file->tensors, error))
    goto fail;

  /* The readers keep names unique (dict keys); checked again here because
   * lookups would silently see only one of two equal names. */
  for (i = 0; i < file->tensors->len; i++) {
    Vgg19RawTensor *t = &g_array_index (file->tensors, Vgg19RawTensor, i);

    if (!g_hash_table_insert (file->by_name, t->name, t)) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: tensor '%s' appears twice", file->name, t->name);
      goto fail;
    }
  }
  return file;

fail:
  vgg19_tensor_file_free (file);
  return NULL;
}

Vgg19TensorFile *
vgg19_tensor_file_open (const char *path, GError ** error)
{
  GMappedFile *mapped;
  GError *map_error = NULL;
  Vgg19TensorFile *file;
  GBytes *bytes;
  struct stat st;
  int fd, saved_errno;

  g_return_val_if_fail (path != NULL, NULL);

  fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) {
    saved_errno = errno;
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_IO, "%s: cannot open: %s",
        path, g_strerror (saved_errno));
    return NULL;
  }
  if (fstat (fd, &st) != 0) {
    saved_errno = errno;
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_IO, "%s: cannot stat: %s",
        path, g_strerror (saved_errno));
    close (fd);
    return NULL;
  }
  if (!S_ISREG (st.st_mode)) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_IO,
        "%s: cannot read: not a regular file", path);
    close (fd);
    return NULL;
  }
  mapped = g_mapped_file_new_from_fd (fd, FALSE, &map_error);
  if (mapped == NULL) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_IO, "%s: cannot map: %s",
        path, map_error->message);
    g_error_free (map_error);
    close (fd);
    return NULL;
  }
  bytes = g_mapped_file_get_bytes (mapped);
  g_mapped_file_unref (mapped);
  file = vgg19_tensor_file_open_bytes (path, bytes, error);
  g_bytes_unref (bytes);
  if (file == NULL) {
    close (fd);
    return NULL;
  }
  /* The tensors are read in file order: let the kernel read ahead far
   * when the file is not cached yet (advice only; failure is harmless). */
  posix_fadvise (fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  file->fd = fd;
  return file;
}

/* Reads @n bytes at @offset, all of them: a file that ends early was
 * truncated after it was opened and parsed. */
static gboolean
read_at (Vgg19TensorFile * file, const Vgg19RawTensor * tensor,
    guint8 * dst, guint64 n, guint64 offset, GError ** error)
{
  while (n > 0) {
    /* Linux transfers at most about 2 GB per call. */
    gsize want = (gsize) MIN (n, G_GUINT64_CONSTANT (1) << 30);
    gssize got = pread (file->fd, dst, want, (off_t) offset);

    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      int saved_errno = errno;

      g_set_error (error, VGG19_ERROR, VGG19_ERROR_IO,
          "%s: cannot read tensor '%s' at offset %" G_GUINT64_FORMAT ": %s",
          file->name, tensor->name, offset, g_strerror (saved_errno));
      return FALSE;
    }
    if (got == 0) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_IO,
          "%s: cannot read tensor '%s': the file ends at offset %"
          G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT " bytes short (was it "
          "truncated while being loaded?)", file->name, tensor->name,
          offset, n);
      return FALSE;
    }
    dst += got;
    offset += (guint64) got;
    n -= (guint64) got;
  }
  return TRUE;
}

gboolean
vgg19_tensor_file_read_f32 (Vgg19TensorFile * file,
    const Vgg19RawTensor * tensor, float *dst, GError ** error)
{
  gsize file_size;
  const guint8 *base;
  guint elem_size;
  guintptr start, begin;
  guint64 offset, n_bytes, done, count, per_read;

  g_return_val_if_fail (file != NULL && tensor != NULL && dst != NULL,
      FALSE);

  if (file->fd < 0) {
    vgg19_raw_tensor_to_f32 (tensor, dst);
    return TRUE;
  }
  if (tensor->n_elements == 0)
    return TRUE;

  base = g_bytes_get_data (file->bytes, &file_size);
  elem_size = vgg19_dtype_size (tensor->dtype);
  start = (guintptr) tensor->data;
  begin = (guintptr) base;
  /* The reader has checked the tensor against the file; checked again
   * because from here on its position is an offset for the kernel, not a
   * pointer the sanitizers can follow. */
  if (elem_size == 0
      || !g_uint64_checked_mul (&n_bytes, tensor->n_elements, elem_size)
      || start < begin || start - begin > file_size
      || n_bytes > file_size - (start - begin)) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: tensor '%s' (%" G_GUINT64_FORMAT " %s) does not lie within the "
        "%" G_GSIZE_FORMAT " bytes of the file", file->name, tensor->name,
        tensor->n_elements, vgg19_dtype_name (tensor->dtype), file_size);
    return FALSE;
  }
  offset = start - begin;

  /* float32 goes straight to its destination: no copy but the kernel's,
   * and the mapping is never paged in (it would count in the resident
   * size next to the converted copy). */
  if (tensor->dtype == VGG19_DTYPE_F32 && G_BYTE_ORDER == G_LITTLE_ENDIAN)
    return read_at (file, tensor, (guint8 *) dst, n_bytes, offset, error);

  if (file->staging == NULL)
    file->staging = g_malloc (STAGING_SIZE);
  per_read = STAGING_SIZE / elem_size;
  for (done = 0; done < tensor->n_elements; done += count) {
    count = MIN (per_read, tensor->n_elements - done);
    if (!read_at (file, tensor, file->staging, count * elem_size,
            offset + done * elem_size, error))
      return FALSE;
    vgg19_dtype_to_f32 (tensor->dtype, file->staging, count, dst + done);
  }
  return TRUE;
}

const char *
vgg19_tensor_file_format (const Vgg19TensorFile * file)
{
  return file->format;
}

const char *
vgg19_tensor_file_name (const Vgg19TensorFile * file)
{
  return file->name;
}

guint
vgg19_tensor_file_n_tensors (const Vgg19TensorFile * file)
{
  return file->tensors->len;
}

const Vgg19RawTensor *
vgg19_tensor_file_get (const Vgg19TensorFile * file, guint index)
{
  if (index >= file->tensors->len)
    return NULL;
  return &g_array_index (file->tensors, Vgg19RawTensor, index);
}

const Vgg19RawTensor *
vgg19_tensor_file_lookup (const Vgg19TensorFile * file, const char *name)
{
  return g_hash_table_lookup (file->by_name, name);
}
