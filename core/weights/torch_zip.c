/* PyTorch's zip serialization (torch.save from 1.6 on): an uncompressed
 * zip archive whose entries all sit in one top folder, named after the
 * file at save time (any name is valid):
 *
 *   <prefix>/data.pkl      the object, with ('storage', type, key,
 *                          location, numel) persistent ids
 *   <prefix>/data/<key>    each storage's raw little-endian bytes
 *   <prefix>/version       the format version
 *   <prefix>/byteorder     "little" or "big", in recent versions only
 */
#include <string.h>

#include <vgg19/vgg19.h>

#include "formats.h"
#include "pickle.h"
#include "zip.h"

/* The folder every entry lives in, from the first entry's name. */
static char *
archive_prefix (const char *file_name, const Vgg19Zip * zip, GError ** error)
{
  const Vgg19ZipEntry *first = vgg19_zip_get (zip, 0);
  const char *slash;

  if (first == NULL) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: not a PyTorch archive: the zip archive is empty", file_name);
    return NULL;
  }
  slash = strchr (first->name, '/');
  if (slash == NULL || slash == first->name) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: not a PyTorch archive: the first entry '%s' is not in a "
        "folder", file_name, first->name);
    return NULL;
  }
  return g_strndup (first->name, slash - first->name);
}

static gboolean
check_byte_order (const char *file_name, const Vgg19Zip * zip,
    const char *prefix, GError ** error)
{
  char *name = g_strconcat (prefix, "/byteorder", NULL);
  const Vgg19ZipEntry *e = vgg19_zip_lookup (zip, name);
  const guint8 *d;
  gboolean ok = TRUE;

  g_free (name);
  if (e == NULL)
    return TRUE;                /* older archives: always little-endian */
  d = vgg19_zip_entry_data (zip, e, error);
  if (d == NULL)
    return FALSE;
  if (e->size != 6 || memcmp (d, "little", 6) != 0) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_UNSUPPORTED,
        "%s: entry '%s' does not say \"little\"; only little-endian "
        "archives are supported", file_name, e->name);
    ok = FALSE;
  }
  return ok;
}

static gboolean
locate_storages (const char *file_name, Vgg19Pickle * pickle,
    const Vgg19Zip * zip, const char *prefix, GError ** error)
{
  guint i;

  for (i = 0; i < vgg19_pickle_n_storages (pickle); i++) {
    Vgg19PickleStorage *s = vgg19_pickle_get_storage (pickle, i);
    char *name = g_strconcat (prefix, "/data/", s->key, NULL);
    const Vgg19ZipEntry *e = vgg19_zip_lookup (zip, name);
    const guint8 *d;

    if (e == NULL) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: storage '%s' has no archive entry '%s'", file_name, s->key,
          name);
      g_free (name);
      return FALSE;
    }
    g_free (name);
    d = vgg19_zip_entry_data (zip, e, error);
    if (d == NULL)
      return FALSE;
    if (e->size < s->n_bytes) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: truncated: storage '%s' needs %" G_GUINT64_FORMAT " bytes "
          "(%" G_GUINT64_FORMAT " %s), entry '%s' at offset %"
          G_GUINT64_FORMAT " has %" G_GUINT64_FORMAT, file_name, s->key,
          s->n_bytes, s->n_elements, vgg19_dtype_name (s->dtype), e->name,
          e->data_offset, e->size);
      return FALSE;
    }
    s->data = d;
    s->located = TRUE;
  }
  return TRUE;
}

gboolean
vgg19_torch_zip_read (const char *file_name, const guint8 * data,
    gsize size, GArray * tensors, GError ** error)
{
  Vgg19Zip *zip;
  Vgg19Pickle *pickle = NULL;
  const Vgg19ZipEntry *pkl;
  const Vgg19PickleValue *root;
  const guint8 *pkl_data;
  char *prefix = NULL, *pkl_name = NULL;
  gsize pos = 0;
  gboolean ok = FALSE;

  zip = vgg19_zip_open (file_name, data, size, error);
  if (zip == NULL)
    return FALSE;
  prefix = archive_prefix (file_name, zip, error);
  if (prefix == NULL)
    goto out;
  pkl_name = g_strconcat (prefix, "/data.pkl", NULL);
  pkl = vgg19_zip_lookup (zip, pkl_name);
  if (pkl == NULL) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: not a PyTorch archive: no entry '%s'", file_name, pkl_name);
    goto out;
  }
  if (!check_byte_order (file_name, zip, prefix, error))
    goto out;
  pkl_data = vgg19_zip_entry_data (zip, pkl, error);
  if (pkl_data == NULL)
    goto out;

  pickle = vgg19_pickle_new (file_name);
  root = vgg19_pickle_load (pickle, pkl_name, pkl_data, pkl->size, &pos,
      pkl->data_offset, error);
  if (root == NULL)
    goto out;
  if (pos != pkl->size) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: %s: %" G_GUINT64_FORMAT " bytes after the end of the pickle "
        "at offset %" G_GUINT64_FORMAT, file_name, pkl_name,
        (guint64) (pkl->size - pos), pkl->data_offset + pos);
    goto out;
  }
  if (!locate_storages (file_name, pickle, zip, prefix, error))
    goto out;
  ok = vgg19_pickle_collect_tensors (pickle, root, tensors, error);

out:
  vgg19_pickle_free (pickle);
  vgg19_zip_free (zip);
  g_free (prefix);
  g_free (pkl_name);
  return ok;
}
