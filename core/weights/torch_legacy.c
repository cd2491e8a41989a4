/* PyTorch's legacy serialization (torch.save before 1.6, and later with
 * _use_new_zipfile_serialization=False), the format of torchvision's
 * vgg19-dcbb9e9d.pth. The file is five pickles back to back:
 *
 *   1. the magic number 0x1950a86a20f9469cfc6c,
 *   2. the protocol version, 1001,
 *   3. system info: {'protocol_version', 'little_endian', 'type_sizes'},
 *   4. the object (here a state dict), whose storages are persistent ids,
 *   5. the list of storage keys,
 *
 * then, for each key of that list in order, the storage: an int64
 * little-endian element count and the raw elements. */
#include <string.h>

#include <vgg19/vgg19.h>

#include "formats.h"
#include "pickle.h"

#define LEGACY_PROTOCOL_VERSION 1001

/* 0x1950a86a20f9469cfc6c as pickle stores it: little-endian two's
 * complement. */
static const guint8 magic_number[] = {
  0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19,
};

static gboolean
is_magic (const Vgg19PickleValue * v)
{
  return v->kind == VGG19_PICKLE_INT && v->integer.big != NULL
      && v->integer.big_len == sizeof magic_number
      && memcmp (v->integer.big, magic_number, sizeof magic_number) == 0;
}

static gboolean
check_type_sizes (const char *file_name, const Vgg19PickleValue * sizes,
    GError ** error)
{
  /* Storages hold fixed-size elements whatever the C types were, but a
   * file from a platform with other sizes is not one torch wrote on a
   * platform we know; say so rather than guess. */
  static const struct
  {
    const char *type;
    gint64 min, max;
  } expected[] = {
    {"short", 2, 2}, {"int", 4, 4}, {"long", 4, 8},
  };
  guint i;

  if (sizes->kind != VGG19_PICKLE_DICT) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: system info: type_sizes is a %s, expected a dict", file_name,
        vgg19_pickle_kind_name (sizes->kind));
    return FALSE;
  }
  for (i = 0; i < G_N_ELEMENTS (expected); i++) {
    const Vgg19PickleValue *v = vgg19_pickle_dict_get (sizes,
        expected[i].type);

    if (v == NULL)
      continue;
    if (v->kind != VGG19_PICKLE_INT || v->integer.big != NULL
        || v->integer.value < expected[i].min
        || v->integer.value > expected[i].max) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_UNSUPPORTED,
          "%s: system info: unexpected size of C type '%s'", file_name,
          expected[i].type);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
check_header (const char *file_name, Vgg19Pickle * pickle,
    const guint8 * data, gsize size, gsize * pos, GError ** error)
{
  const Vgg19PickleValue *v, *little_endian, *type_sizes;

  v = vgg19_pickle_load (pickle, "magic number pickle", data, size, pos, 0,
      error);
  if (v == NULL)
    return FALSE;
  if (!is_magic (v)) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: not a PyTorch file: expected the magic number "
        "0x1950a86a20f9469cfc6c in the pickle at offset 0, found a %s",
        file_name, vgg19_pickle_kind_name (v->kind));
    return FALSE;
  }

  v = vgg19_pickle_load (pickle, "protocol version pickle", data, size, pos,
      0, error);
  if (v == NULL)
    return FALSE;
  if (v->kind != VGG19_PICKLE_INT || v->integer.big != NULL
      || v->integer.value != LEGACY_PROTOCOL_VERSION) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_UNSUPPORTED,
        "%s: unsupported PyTorch legacy protocol version (%s %"
        G_GINT64_FORMAT "), expected %d", file_name,
        vgg19_pickle_kind_name (v->kind),
        v->kind == VGG19_PICKLE_INT ? v->integer.value : 0,
        LEGACY_PROTOCOL_VERSION);
    return FALSE;
  }

  v = vgg19_pickle_load (pickle, "system info pickle", data, size, pos, 0,
      error);
  if (v == NULL)
    return FALSE;
  if (v->kind != VGG19_PICKLE_DICT) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: system info is a %s, expected a dict", file_name,
        vgg19_pickle_kind_name (v->kind));
    return FALSE;
  }
  little_endian = vgg19_pickle_dict_get (v, "little_endian");
  if (little_endian == NULL || little_endian->kind != VGG19_PICKLE_BOOL) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: system info has no little_endian flag", file_name);
    return FALSE;
  }
  if (!little_endian->boolean) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_UNSUPPORTED,
        "%s: written on a big-endian machine; only little-endian files "
        "are supported", file_name);
    return FALSE;
  }
  type_sizes = vgg19_pickle_dict_get (v, "type_sizes");
  if (type_sizes != NULL && !check_type_sizes (file_name, type_sizes, error))
    return FALSE;
  return TRUE;
}

static guint64
get_i64_le (const guint8 * p)
{
  guint64 v = 0;
  int i;

  for (i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

/* Walks the storages that follow the pickles, in the order of @keys. */
static gboolean
locate_storages (const char *file_name, Vgg19Pickle * pickle,
    const Vgg19PickleValue * keys, const guint8 * data, gsize size,
    gsize pos, GError ** error)
{
  guint i;

  for (i = 0; i < keys->items->len; i++) {
    const Vgg19PickleValue *k = g_ptr_array_index (keys->items, i);
    Vgg19PickleStorage *s;
    guint64 count;
    char *key;

    if (k->kind != VGG19_PICKLE_STRING) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: storage key %u is a %s, expected a string", file_name, i,
          vgg19_pickle_kind_name (k->kind));
      return FALSE;
    }
    key = g_strndup (k->string.data, k->string.len);
    s = vgg19_pickle_lookup_storage (pickle, key);
    g_free (key);
    if (s == NULL) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: storage key %u ('%.*s') is not used by any tensor",
          file_name, i, (int) MIN (k->string.len, 100), k->string.data);
      return FALSE;
    }
    if (s->located) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: storage '%s' is listed twice", file_name, s->key);
      return FALSE;
    }
    if (size - pos < 8) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: truncated: storage %u ('%s') needs its 8-byte element "
          "count at offset %" G_GSIZE_FORMAT ", file has %" G_GSIZE_FORMAT
          " bytes", file_name, i, s->key, pos, size);
      return FALSE;
    }
    count = get_i64_le (data + pos);
    if (count != s->n_elements) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: storage %u ('%s') at offset %" G_GSIZE_FORMAT " has %"
          G_GINT64_FORMAT " elements, the pickle declared %" G_GUINT64_FORMAT,
          file_name, i, s->key, pos, (gint64) count, s->n_elements);
      return FALSE;
    }
    pos += 8;
    if (s->n_bytes > size - pos) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: truncated: storage %u ('%s') needs %" G_GUINT64_FORMAT
          " bytes at offset %" G_GSIZE_FORMAT ", file has %" G_GSIZE_FORMAT,
          file_name, i, s->key, s->n_bytes, pos, size);
      return FALSE;
    }
    s->data = data + pos;
    s->located = TRUE;
    pos += s->n_bytes;
  }

  for (i = 0; i < vgg19_pickle_n_storages (pickle); i++) {
    Vgg19PickleStorage *s = vgg19_pickle_get_storage (pickle, i);

    if (!s->located) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: storage '%s' is used but missing from the storage key list",
          file_name, s->key);
      return FALSE;
    }
  }
  /* Bytes after the last storage are ignored, as torch does. */
  return TRUE;
}

gboolean
vgg19_torch_legacy_read (const char *file_name, const guint8 * data,
    gsize size, GArray * tensors, GError ** error)
{
  Vgg19Pickle *pickle = vgg19_pickle_new (file_name);
  const Vgg19PickleValue *root, *keys;
  gsize pos = 0;
  gboolean ok = FALSE;

  if (!check_header (file_name, pickle, data, size, &pos, error))
    goto out;
  root = vgg19_pickle_load (pickle, "object pickle", data, size, &pos, 0,
      error);
  if (root == NULL)
    goto out;
  keys = vgg19_pickle_load (pickle, "storage key pickle", data, size, &pos, 0,
      error);
  if (keys == NULL)
    goto out;
  if (keys->kind != VGG19_PICKLE_LIST) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: the storage keys are a %s, expected a list", file_name,
        vgg19_pickle_kind_name (keys->kind));
    goto out;
  }
  if (!locate_storages (file_name, pickle, keys, data, size, pos, error))
    goto out;
  ok = vgg19_pickle_collect_tensors (pickle, root, tensors, error);

out:
  vgg19_pickle_free (pickle);
  return ok;
}
