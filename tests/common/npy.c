/* Reader for the .npy arrays of the reference data: a 6-byte magic, a
 * version, the length of a Python-literal header such as
 * {'descr': '<f4', 'fortran_order': False, 'shape': (3, 224, 224), }
 * and the raw values. */
#include "npy.h"

#include <string.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6

G_DEFINE_QUARK (vgg19-test-data-error-quark, test_data_error)

static gboolean
fail (GError ** error, const char *path, const char *what)
{
  g_set_error (error, TEST_DATA_ERROR, 0, "%s: not a plain .npy array: %s",
      path, what);
  return FALSE;
}

/* Finds 'key': in @header and returns the text after it, spaces skipped. */
static const char *
header_value (const char *header, const char *key)
{
  char *quoted = g_strdup_printf ("'%s':", key);
  const char *p = strstr (header, quoted);
  if (p != NULL) {
    p += strlen (quoted);
    while (*p == ' ')
      p++;
  }
  g_free (quoted);
  return p;
}

static gboolean
parse_shape (const char *p, TestNpy * npy, GError ** error)
{
  if (p == NULL || *p != '(')
    return fail (error, npy->path, "no shape tuple in the header");
  p++;
  npy->n_dims = 0;
  npy->n_elements = 1;
  for (;;) {
    while (*p == ' ' || *p == ',')
      p++;
    if (*p == ')')
      break;
    if (!g_ascii_isdigit (*p))
      return fail (error, npy->path, "bad shape in the header");
    if (npy->n_dims == TEST_NPY_MAX_DIMS)
      return fail (error, npy->path, "more than 4 dimensions");
    char *end;
    guint64 v = g_ascii_strtoull (p, &end, 10);
    /* no array of the reference data comes near 2^32 elements */
    if (v > G_MAXUINT32
        || (v != 0 && npy->n_elements > G_MAXUINT32 / v))
      return fail (error, npy->path, "shape too large");
    npy->shape[npy->n_dims++] = v;
    npy->n_elements *= v;
    p = end;
  }
  return TRUE;
}

TestNpy *
test_npy_load (const char *path, GError ** error)
{
  g_autofree char *contents = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;

  g_autoptr (TestNpy) npy = g_new0 (TestNpy, 1);
  npy->path = g_strdup (path);

  if (length < NPY_MAGIC_LEN + 4
      || memcmp (contents, NPY_MAGIC, NPY_MAGIC_LEN) != 0) {
    fail (error, path, "no NUMPY magic");
    return NULL;
  }
  const guint8 *u = (const guint8 *) contents;
  guint major = u[6];
  gsize header_len, header_start;
  if (major == 1) {
    header_len = u[8] | (u[9] << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (length < 12) {
      fail (error, path, "truncated header");
      return NULL;
    }
    header_len = (gsize) u[8] | ((gsize) u[9] << 8) | ((gsize) u[10] << 16)
        | ((gsize) u[11] << 24);
    header_start = 12;
  } else {
    fail (error, path, "unknown version");
    return NULL;
  }
  if (header_len > length - header_start) {
    fail (error, path, "header longer than the file");
    return NULL;
  }
  g_autofree char *header = g_strndup (contents + header_start, header_len);
  gsize data_start = header_start + header_len;

  const char *descr = header_value (header, "descr");
  if (descr != NULL && g_str_has_prefix (descr, "'<f4'"))
    npy->dtype = TEST_NPY_F32;
  else if (descr != NULL && (g_str_has_prefix (descr, "'|u1'")
          || g_str_has_prefix (descr, "'u1'")))
    npy->dtype = TEST_NPY_U8;
  else {
    fail (error, path, "dtype is neither '<f4' nor '|u1'");
    return NULL;
  }
  const char *order = header_value (header, "fortran_order");
  if (order == NULL || !g_str_has_prefix (order, "False")) {
    fail (error, path, "not in C order");
    return NULL;
  }
  if (!parse_shape (header_value (header, "shape"), npy, error))
    return NULL;

  gsize item = npy->dtype == TEST_NPY_F32 ? 4 : 1;
  gsize n_bytes = npy->n_elements * item;
  if (length - data_start != n_bytes) {
    g_autofree char *shape = test_npy_shape_string (npy);
    g_set_error (error, TEST_DATA_ERROR, 0,
        "%s: shape %s needs %" G_GSIZE_FORMAT " bytes of data, the file "
        "has %" G_GSIZE_FORMAT, path, shape, n_bytes, length - data_start);
    return NULL;
  }
  /* copy out so that float data is aligned whatever the header length */
  npy->data = g_malloc (MAX (n_bytes, 1));
  memcpy (npy->data, contents + data_start, n_bytes);
  return g_steal_pointer (&npy);
}

void
test_npy_free (TestNpy * npy)
{
  if (npy == NULL)
    return;
  g_free (npy->path);
  g_free (npy->data);
  g_free (npy);
}

char *
test_npy_shape_string (const TestNpy * npy)
{
  GString *s = g_string_new ("(");
  for (guint i = 0; i < npy->n_dims; i++)
    g_string_append_printf (s, "%s%" G_GSIZE_FORMAT, i ? ", " : "",
        npy->shape[i]);
  g_string_append (s, npy->n_dims == 1 ? ",)" : ")");
  return g_string_free (s, FALSE);
}
