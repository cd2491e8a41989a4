/* The safetensors format: an unsigned 64-bit little-endian header length
 * N, N bytes of JSON, then the data. The JSON maps each tensor name to
 * {"dtype", "shape", "data_offsets": [begin, end]}, offsets relative to
 * the first byte after the header; an optional "__metadata__" maps
 * strings to strings.
 *
 * As the format's own reader does, we require the tensors to tile the
 * data exactly: no overlap, no gap, nothing after the last one. That makes
 * every byte of the file accounted for, so a truncated file always fails. */
#include <stdlib.h>
#include <string.h>

#include <vgg19/vgg19.h>

#include "formats.h"
#include "json.h"

#define HEADER_LENGTH_SIZE 8
/* The format's own limit; real headers are a few hundred kB at most. */
#define MAX_HEADER_LENGTH 100000000

typedef struct
{
  guint64 begin;
  guint64 end;
  guint index;                  /* into the tensor array */
} Extent;

static int
compare_extents (const void *pa, const void *pb)
{
  const Extent *a = pa, *b = pb;

  if (a->begin != b->begin)
    return a->begin < b->begin ? -1 : 1;
  if (a->end != b->end)
    return a->end < b->end ? -1 : 1;
  return 0;
}

static gboolean
get_uint (const Vgg19JsonValue * v, guint64 * out)
{
  if (v->kind != VGG19_JSON_NUMBER || !v->is_uint)
    return FALSE;
  *out = v->uint;
  return TRUE;
}

static gboolean
check_metadata (const char *file_name, const Vgg19JsonValue * meta,
    GError ** error)
{
  guint i;

  if (meta->kind != VGG19_JSON_OBJECT) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: __metadata__ at offset %" G_GUINT64_FORMAT " is a %s, expected "
        "an object", file_name, meta->offset,
        vgg19_json_kind_name (meta->kind));
    return FALSE;
  }
  for (i = 0; i < meta->n; i++)
    if (meta->items[i]->kind != VGG19_JSON_STRING) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: __metadata__ entry '%s' is a %s, expected a string",
          file_name, meta->keys[i],
          vgg19_json_kind_name (meta->items[i]->kind));
      return FALSE;
    }
  return TRUE;
}

/* One tensor's description; fills @raw (except the data pointer) and the
 * extent of its bytes. */
static gboolean
read_tensor_info (const char *file_name, const char *name,
    const Vgg19JsonValue * info, guint64 data_size, Vgg19RawTensor * raw,
    Extent * extent, GError ** error)
{
  const Vgg19JsonValue *dtype = NULL, *shape = NULL, *offsets = NULL;
  guint64 n_bytes;
  guint i;

  if (info->kind != VGG19_JSON_OBJECT) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: tensor '%s' at offset %" G_GUINT64_FORMAT " is a %s, expected "
        "an object", file_name, name, info->offset,
        vgg19_json_kind_name (info->kind));
    return FALSE;
  }
  for (i = 0; i < info->n; i++) {
    const char *k = info->keys[i];

    if (strcmp (k, "dtype") == 0)
      dtype = info->items[i];
    else if (strcmp (k, "shape") == 0)
      shape = info->items[i];
    else if (strcmp (k, "data_offsets") == 0)
      offsets = info->items[i];
    else {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: tensor '%s' has an unknown field '%s'", file_name, name, k);
      return FALSE;
    }
  }
  if (dtype == NULL || shape == NULL || offsets == NULL) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: tensor '%s' lacks %s", file_name, name,
        dtype == NULL ? "its dtype" : shape == NULL ? "its shape"
        : "its data_offsets");
    return FALSE;
  }

  if (dtype->kind != VGG19_JSON_STRING) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: tensor '%s': dtype is a %s, expected a string", file_name,
        name, vgg19_json_kind_name (dtype->kind));
    return FALSE;
  }
  if (!vgg19_dtype_from_name (dtype->string, &raw->dtype)) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_UNSUPPORTED,
        "%s: tensor '%s' has dtype '%s', which is not supported", file_name,
        name, dtype->string);
    return FALSE;
  }

  if (shape->kind != VGG19_JSON_ARRAY) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: tensor '%s': shape is a %s, expected an array", file_name,
        name, vgg19_json_kind_name (shape->kind));
    return FALSE;
  }
  if (shape->n > VGG19_TENSOR_MAX_DIMS) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_UNSUPPORTED,
        "%s: tensor '%s' has %u dimensions, at most %d are supported",
        file_name, name, shape->n, VGG19_TENSOR_MAX_DIMS);
    return FALSE;
  }
  raw->n_dims = shape->n;
  for (i = 0; i < shape->n; i++)
    if (!get_uint (shape->items[i], &raw->shape[i])) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: tensor '%s': shape entry %u at offset %" G_GUINT64_FORMAT
          " is not a non-negative integer", file_name, name, i,
          shape->items[i]->offset);
      return FALSE;
    }
  if (!vgg19_dtype_n_bytes (raw->dtype, raw->n_dims, raw->shape,
          &raw->n_elements, &n_bytes)) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: tensor '%s' has more than 2^64 bytes", file_name, name);
    return FALSE;
  }

  if (offsets->kind != VGG19_JSON_ARRAY || offsets->n != 2
      || !get_uint (offsets->items[0], &extent->begin)
      || !get_uint (offsets->items[1], &extent->end)) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: tensor '%s': data_offsets at offset %" G_GUINT64_FORMAT
        " is not a [begin, end] pair of non-negative integers", file_name,
        name, offsets->offset);
    return FALSE;
  }
  if (extent->begin > extent->end || extent->end > data_size) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: tensor '%s': data_offsets [%" G_GUINT64_FORMAT ", %"
        G_GUINT64_FORMAT "] are not within the %" G_GUINT64_FORMAT
        " bytes of data", file_name, name, extent->begin, extent->end,
        data_size);
    return FALSE;
  }
  if (extent->end - extent->begin != n_bytes) {
    char *s = vgg19_shape_to_string (raw->n_dims, raw->shape);
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: tensor '%s': %s of shape %s needs %" G_GUINT64_FORMAT
        " bytes, data_offsets span %" G_GUINT64_FORMAT, file_name, name,
        vgg19_dtype_name (raw->dtype), s, n_bytes,
        extent->end - extent->begin);
    g_free (s);
    return FALSE;
  }
  return TRUE;
}

/* The tensors must cover [0, data_size) exactly, in some order. */
static gboolean
check_tiling (const char *file_name, GArray * tensors, guint first,
    Extent * extents, guint n, guint64 data_size, GError ** error)
{
  guint64 expected = 0;
  guint i;

  if (n > 1)
    qsort (extents, n, sizeof (Extent), compare_extents);
  for (i = 0; i < n; i++) {
    const Vgg19RawTensor *t = &g_array_index (tensors, Vgg19RawTensor,
        first + extents[i].index);

    if (extents[i].begin != expected) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: tensor '%s' starts at data offset %" G_GUINT64_FORMAT
          ", expected %" G_GUINT64_FORMAT " (tensors must neither overlap "
          "nor leave gaps)", file_name, t->name, extents[i].begin, expected);
      return FALSE;
    }
    expected = extents[i].end;
  }
  if (expected != data_size) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: the tensors end at data offset %" G_GUINT64_FORMAT
        " but the file has %" G_GUINT64_FORMAT " bytes of data",
        file_name, expected, data_size);
    return FALSE;
  }
  return TRUE;
}

gboolean
vgg19_safetensors_read (const char *file_name, const guint8 * data,
    gsize size, GArray * tensors, GError ** error)
{
  g_autoptr (Vgg19JsonValue) header = NULL;
  const guint8 *payload;
  guint64 header_len = 0, data_size;
  Extent *extents = NULL;
  guint i, n = 0, first = tensors->len;
  int k;

  if (size < HEADER_LENGTH_SIZE) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: truncated: safetensors needs an 8-byte header length, the "
        "file has %" G_GSIZE_FORMAT " bytes", file_name, size);
    return FALSE;
  }
  for (k = HEADER_LENGTH_SIZE - 1; k >= 0; k--)
    header_len = (header_len << 8) | data[k];
  if (header_len > size - HEADER_LENGTH_SIZE) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: truncated: the safetensors header needs %" G_GUINT64_FORMAT
        " bytes at offset %d, file has %" G_GSIZE_FORMAT, file_name,
        header_len, HEADER_LENGTH_SIZE, size);
    return FALSE;
  }
  if (header_len > MAX_HEADER_LENGTH) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_UNSUPPORTED,
        "%s: the safetensors header of %" G_GUINT64_FORMAT " bytes is "
        "larger than the format's limit of %d", file_name, header_len,
        MAX_HEADER_LENGTH);
    return FALSE;
  }
  payload = data + HEADER_LENGTH_SIZE + header_len;
  data_size = size - HEADER_LENGTH_SIZE - header_len;

  header = vgg19_json_parse ((const char *) data + HEADER_LENGTH_SIZE,
      header_len, HEADER_LENGTH_SIZE, error);
  if (header == NULL) {
    g_prefix_error (error, "%s: safetensors header: ", file_name);
    return FALSE;
  }
  if (header->kind != VGG19_JSON_OBJECT) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: the safetensors header is a JSON %s, expected an object",
        file_name, vgg19_json_kind_name (header->kind));
    return FALSE;
  }

  extents = g_new0 (Extent, header->n);
  for (i = 0; i < header->n; i++) {
    const char *name = header->keys[i];
    Vgg19RawTensor raw = { 0 };

    if (strcmp (name, "__metadata__") == 0) {
      if (!check_metadata (file_name, header->items[i], error))
        goto fail;
      continue;
    }
    if (!read_tensor_info (file_name, name, header->items[i], data_size,
            &raw, &extents[n], error))
      goto fail;
    raw.name = g_strdup (name);
    raw.data = payload + extents[n].begin;
    extents[n].index = n;
    g_array_append_val (tensors, raw);
    n++;
  }
  if (!check_tiling (file_name, tensors, first, extents, n, data_size, error))
    goto fail;
  g_free (extents);
  return TRUE;

fail:
  g_free (extents);
  g_array_set_size (tensors, first);
  return FALSE;
}
