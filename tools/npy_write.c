/* The .npy format (NumPy's format.py documents it): "\x93NUMPY", major
 * and minor version (1, 0), a little-endian u16 header length, then a
 * Python dict literal describing dtype, order and shape, then the raw
 * data. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "cli.h"
#include "npy_write.h"

#define NPY_ALIGN 64
#define NPY_PREFIX 10           /* magic (6), version (2), length (2) */

GBytes *
npy_header_f32 (const guint64 * shape, guint n_dims)
{
  GString *dict = g_string_new ("{'descr': '<f4', 'fortran_order': False, "
      "'shape': (");
  GByteArray *out;
  gsize total, header_len;
  guint i;
  guint8 prefix[NPY_PREFIX] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0 };

  for (i = 0; i < n_dims; i++)
    g_string_append_printf (dict, "%" G_GUINT64_FORMAT "%s", shape[i],
        n_dims == 1 || i + 1 < n_dims ? ", " : "");
  /* A one-element tuple needs its trailing comma: "(5,)". */
  if (n_dims == 1)
    g_string_truncate (dict, dict->len - 1);
  g_string_append (dict, "), }");

  /* Pad with spaces and end with a newline. */
  total = NPY_PREFIX + dict->len + 1;
  total = (total + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;
  header_len = total - NPY_PREFIX;
  if (header_len > G_MAXUINT16) {
    g_string_free (dict, TRUE);
    return NULL;
  }
  while (NPY_PREFIX + dict->len + 1 < total)
    g_string_append_c (dict, ' ');
  g_string_append_c (dict, '\n');

  prefix[8] = header_len & 0xff;
  prefix[9] = header_len >> 8;
  out = g_byte_array_sized_new (total);
  g_byte_array_append (out, prefix, NPY_PREFIX);
  g_byte_array_append (out, (const guint8 *) dict->str, dict->len);
  g_string_free (dict, TRUE);
  return g_byte_array_free_to_bytes (out);
}

static gboolean
write_all (int fd, const void *data, gsize size)
{
  const guint8 *p = data;

  while (size > 0) {
    gssize n = write (fd, p, MIN (size, (gsize) 1 << 30));

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return FALSE;
    p += n;
    size -= n;
  }
  return TRUE;
}

/* Writes the floats little-endian whatever the host's byte order. */
static gboolean
write_floats_le (int fd, const float *data, guint64 n)
{
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
  return write_all (fd, data, n * sizeof (float));
#else
  guint32 chunk[4096];
  guint64 done = 0;

  while (done < n) {
    guint64 m = MIN (n - done, G_N_ELEMENTS (chunk));
    guint64 i;

    memcpy (chunk, data + done, m * sizeof (float));
    for (i = 0; i < m; i++)
      chunk[i] = GUINT32_TO_LE (chunk[i]);
    if (!write_all (fd, chunk, m * sizeof (float)))
      return FALSE;
    done += m;
  }
  return TRUE;
#endif
}

/* Creates a new, unique temporary file next to @path. The mode 0666 lets
 * the umask decide the final permissions, as for any file the user makes
 * (g_mkstemp would force 0600). */
static int
open_temporary (const char *path, char **tmp_path)
{
  guint attempt;

  for (attempt = 0; attempt < 100; attempt++) {
    char *name = g_strdup_printf ("%s.tmp-%08x", path, g_random_int ());
    int fd = g_open (name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);

    if (fd >= 0) {
      *tmp_path = name;
      return fd;
    }
    g_free (name);
    if (errno != EEXIST)
      return -1;
  }
  errno = EEXIST;
  return -1;
}

gboolean
npy_write_f32 (const char *path, const float *data, const guint64 * shape,
    guint n_dims, GError ** error)
{
  GBytes *header;
  char *tmp = NULL;
  guint64 n = 1;
  guint i;
  int fd;
  int saved;

  for (i = 0; i < n_dims; i++) {
    if (!g_uint64_checked_mul (&n, n, shape[i]) || n > G_MAXSIZE / 4) {
      g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
          "cannot write '%s': the array is too large", path);
      return FALSE;
    }
  }
  header = npy_header_f32 (shape, n_dims);
  if (header == NULL) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "cannot write '%s': the shape does not fit an .npy header", path);
    return FALSE;
  }

  fd = open_temporary (path, &tmp);
  if (fd < 0) {
    saved = errno;
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "cannot create a file next to '%s': %s", path, g_strerror (saved));
    g_bytes_unref (header);
    return FALSE;
  }
  if (!write_all (fd, g_bytes_get_data (header, NULL),
          g_bytes_get_size (header)) || !write_floats_le (fd, data, n)
      || fsync (fd) != 0) {
    saved = errno;
    close (fd);
    goto fail;
  }
  if (close (fd) != 0 || g_rename (tmp, path) != 0) {
    saved = errno;
    goto fail;
  }
  g_bytes_unref (header);
  g_free (tmp);
  return TRUE;

fail:
  g_unlink (tmp);
  g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED, "cannot write '%s': %s",
      path, saved != 0 ? g_strerror (saved) : "short write");
  g_bytes_unref (header);
  g_free (tmp);
  return FALSE;
}
