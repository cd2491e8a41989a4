/* Weight files: the dtype conversions, every format on files built byte by
 * byte here, and, when $VGG19_WEIGHT_FIXTURES names the directory written
 * by tests/reference/make_weight_fixtures.py, the files PyTorch itself
 * wrote, compared with the values in its manifest. Every file is also
 * truncated at every length (which must fail) and corrupted byte by byte
 * (which may load or fail, but never crash or read outside the file). */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include <vgg19/vgg19.h>

#include "formats.h"
#include "json.h"
#include "tensor_file.h"

/* ---------------------------------------------------------------- */
/* Helpers                                                           */
/* ---------------------------------------------------------------- */

typedef GByteArray Buf;

/* An assertion for loops run many thousand times: libcheck's ck_assert
 * records every passing check, which would dominate the run time. */
#define REQUIRE(expr, ...) \
  do { \
    if (!(expr)) \
      ck_abort_msg (__VA_ARGS__); \
  } while (0)

static void
put (Buf * b, const void *data, gsize n)
{
  g_byte_array_append (b, data, n);
}

static void
put_u8 (Buf * b, guint v)
{
  guint8 x = v;
  put (b, &x, 1);
}

static void
put_le (Buf * b, guint64 v, guint n)
{
  guint i;

  for (i = 0; i < n; i++)
    put_u8 (b, (v >> (8 * i)) & 0xff);
}

static void
put_s (Buf * b, const char *s)
{
  put (b, s, strlen (s));
}

/* Opens an exactly sized copy of @n bytes of @data. */
static Vgg19TensorFile *
open_data (const char *name, const guint8 * data, gsize n, GError ** error)
{
  GBytes *bytes = g_bytes_new (data, n);
  Vgg19TensorFile *file = vgg19_tensor_file_open_bytes (name, bytes, error);

  g_bytes_unref (bytes);
  REQUIRE ((file == NULL) == (*error != NULL), "%s: result and error "
      "disagree", name);
  return file;
}

/* @b must fail to open with @code and a message containing @needle. */
static void
assert_fails (Buf * b, int code, const char *needle)
{
  GError *error = NULL;
  Vgg19TensorFile *file = open_data ("bad.bin", b->data, b->len, &error);

  ck_assert_msg (file == NULL, "should fail with '%s'", needle);
  ck_assert_msg (g_error_matches (error, VGG19_ERROR, code),
      "code %d instead of %d: %s", error->code, code, error->message);
  ck_assert_msg (g_str_has_prefix (error->message, "bad.bin: "), "%s",
      error->message);
  ck_assert_msg (strstr (error->message, needle) != NULL,
      "'%s' does not contain '%s'", error->message, needle);
  g_error_free (error);
}

/* Reads every tensor of @file, so that the sanitizers see any pointer
 * outside the file. */
static void
read_all (Vgg19TensorFile * file)
{
  guint i, n = vgg19_tensor_file_n_tensors (file);

  for (i = 0; i < n; i++) {
    const Vgg19RawTensor *t = vgg19_tensor_file_get (file, i);
    float *out = g_new (float, t->n_elements ? t->n_elements : 1);

    REQUIRE (vgg19_tensor_file_lookup (file, t->name) == t,
        "lookup of '%s' failed", t->name);
    vgg19_raw_tensor_to_f32 (t, out);
    g_free (out);
  }
  REQUIRE (vgg19_tensor_file_get (file, n) == NULL, "get past the end");
}

/* Every strict prefix must fail; every single-byte corruption must load
 * or fail cleanly. Files of up to MAX_POSITIONS bytes are tried at every
 * length and position; larger ones at MAX_POSITIONS evenly spread ones
 * (plus every length within the last 64 bytes), which keeps the run short
 * under valgrind. */
#define MAX_POSITIONS 1000

static void
torture (const char *name, const guint8 * data, gsize size)
{
  gsize len, pos, step = size / MAX_POSITIONS + 1;
  guint v;
  guint8 *copy = g_memdup2 (data, size ? size : 1);

  for (len = 0; len < size; len += (size - len <= 64 ? 1 : step)) {
    GError *error = NULL;
    Vgg19TensorFile *file = open_data (name, data, len, &error);

    REQUIRE (file == NULL, "%s: a prefix of %zu of %zu bytes loaded",
        name, len, size);
    REQUIRE (error->domain == VGG19_ERROR
        && g_str_has_prefix (error->message, name), "%s", error->message);
    g_error_free (error);
  }

  for (pos = 0; pos < size; pos += step)
    for (v = 0; v < 3; v++) {
      guint8 values[3] = { 0x00, 0xff, data[pos] ^ 0x01 };
      GError *error = NULL;
      Vgg19TensorFile *file;

      if (data[pos] == values[v])
        continue;
      copy[pos] = values[v];
      file = open_data (name, copy, size, &error);
      copy[pos] = data[pos];
      if (file == NULL) {
        REQUIRE (error->domain == VGG19_ERROR
            && g_str_has_prefix (error->message, name), "%s",
            error->message);
        g_error_free (error);
        continue;
      }
      read_all (file);
      vgg19_tensor_file_free (file);
    }
  g_free (copy);
}

/* ---------------------------------------------------------------- */
/* Dtypes                                                            */
/* ---------------------------------------------------------------- */

static double
half_reference (guint16 h)
{
  int sign = h >> 15, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  double v;

  if (e == 0x1f)
    v = m ? NAN : INFINITY;
  else if (e == 0)
    v = ldexp (m, -24);
  else
    v = ldexp (1024 + m, e - 25);
  return sign ? -v : v;
}

static double
bf16_reference (guint16 h)
{
  int sign = h >> 15, e = (h >> 7) & 0xff, m = h & 0x7f;
  double v;

  if (e == 0xff)
    v = m ? NAN : INFINITY;
  else if (e == 0)
    v = ldexp (m, -133);
  else
    v = ldexp (128 + m, e - 134);
  return sign ? -v : v;
}

START_TEST (test_dtype_names)
{
  static const struct
  {
    Vgg19DType dtype;
    const char *name;
    guint size;
    gboolean is_float;
  } table[] = {
    {VGG19_DTYPE_F32, "F32", 4, TRUE},
    {VGG19_DTYPE_F16, "F16", 2, TRUE},
    {VGG19_DTYPE_BF16, "BF16", 2, TRUE},
    {VGG19_DTYPE_F64, "F64", 8, TRUE},
    {VGG19_DTYPE_I64, "I64", 8, FALSE},
    {VGG19_DTYPE_I32, "I32", 4, FALSE},
    {VGG19_DTYPE_I16, "I16", 2, FALSE},
    {VGG19_DTYPE_I8, "I8", 1, FALSE},
    {VGG19_DTYPE_U8, "U8", 1, FALSE},
    {VGG19_DTYPE_BOOL, "BOOL", 1, FALSE},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (table); i++) {
    ck_assert_str_eq (vgg19_dtype_name (table[i].dtype), table[i].name);
    ck_assert_uint_eq (vgg19_dtype_size (table[i].dtype), table[i].size);
    ck_assert_int_eq (vgg19_dtype_is_float (table[i].dtype),
        table[i].is_float);
  }
  ck_assert_str_eq (vgg19_dtype_name ((Vgg19DType) 99), "?");
  ck_assert_uint_eq (vgg19_dtype_size ((Vgg19DType) 99), 0);
}
END_TEST

/* All 65536 halves and bfloats, read from an odd address. The conversions
 * work in blocks of elements, so each is also run from starts and counts
 * that leave a partial block at the end (or only a partial block). */
START_TEST (test_half_conversions)
{
  static const guint starts[] = { 0, 1, 63, 64, 65, 127, 65535 };
  guint8 *buf = g_malloc (1 + 2 * 65536);
  float *out = g_new (float, 65536);
  Vgg19RawTensor t = { 0 };
  guint i, pass, s;

  for (i = 0; i < 65536; i++) {
    buf[1 + 2 * i] = i & 0xff;
    buf[2 + 2 * i] = i >> 8;
  }
  t.n_dims = 1;
  for (s = 0; s < G_N_ELEMENTS (starts); s++)
    for (pass = 0; pass < 2; pass++) {
      guint first = starts[s];

      t.shape[0] = t.n_elements = 65536 - first;
      t.data = buf + 1 + 2 * first;
      t.dtype = pass == 0 ? VGG19_DTYPE_F16 : VGG19_DTYPE_BF16;
      vgg19_raw_tensor_to_f32 (&t, out);
      for (i = first; i < 65536; i++) {
        double ref = pass == 0 ? half_reference (i) : bf16_reference (i);
        float v = out[i - first];

        if (isnan (ref))
          REQUIRE (isnan (v), "0x%04x is not a NaN", i);
        else
          REQUIRE ((double) v == ref, "%s 0x%04x (from %u): %.9g, "
              "expected %.9g", pass ? "BF16" : "F16", i, first, v, ref);
        REQUIRE (!!signbit (v) == (int) (i >> 15), "sign of 0x%04x", i);
      }
    }
  g_free (out);
  g_free (buf);
}
END_TEST

START_TEST (test_other_conversions)
{
  guint8 buf[1 + 8 * 4];
  float out[4];
  Vgg19RawTensor t = { 0 };
  double d[4] = { 0.1, -1e300, 3.0, 1.0 / 3.0 };
  gint64 l[4] = { -5, 0, G_GINT64_CONSTANT (1) << 40, 16777217 };
  gint32 i32[4] = { -7, 1, 2147483647, -2147483647 - 1 };
  gint16 i16[4] = { -32768, 32767, 0, -1 };
  guint8 bytes[4] = { 0, 1, 200, 255 };
  float f[4] = { 1.5f, -0.0f, 3.4e38f, 1e-45f };
  guint i;

  t.n_dims = 1;
  t.shape[0] = 4;
  t.n_elements = 4;
  t.data = buf + 1;             /* unaligned on purpose */

  memcpy (buf + 1, f, sizeof f);
  t.dtype = VGG19_DTYPE_F32;
  vgg19_raw_tensor_to_f32 (&t, out);
  ck_assert (memcmp (out, f, sizeof f) == 0);

  memcpy (buf + 1, d, sizeof d);
  t.dtype = VGG19_DTYPE_F64;
  vgg19_raw_tensor_to_f32 (&t, out);
  for (i = 0; i < 4; i++)
    ck_assert (out[i] == (float) d[i]);
  ck_assert (isinf (out[1]) && out[1] < 0);

  memcpy (buf + 1, l, sizeof l);
  t.dtype = VGG19_DTYPE_I64;
  vgg19_raw_tensor_to_f32 (&t, out);
  ck_assert (out[0] == -5.0f && out[1] == 0.0f && out[2] == 1099511627776.0f);
  ck_assert (out[3] == 16777216.0f);    /* rounded: documented */

  memcpy (buf + 1, i32, sizeof i32);
  t.dtype = VGG19_DTYPE_I32;
  vgg19_raw_tensor_to_f32 (&t, out);
  ck_assert (out[0] == -7.0f && out[3] == -2147483648.0f);

  memcpy (buf + 1, i16, sizeof i16);
  t.dtype = VGG19_DTYPE_I16;
  vgg19_raw_tensor_to_f32 (&t, out);
  ck_assert (out[0] == -32768.0f && out[1] == 32767.0f && out[3] == -1.0f);

  memcpy (buf + 1, bytes, sizeof bytes);
  t.dtype = VGG19_DTYPE_I8;
  vgg19_raw_tensor_to_f32 (&t, out);
  ck_assert (out[2] == -56.0f && out[3] == -1.0f);
  t.dtype = VGG19_DTYPE_U8;
  vgg19_raw_tensor_to_f32 (&t, out);
  ck_assert (out[2] == 200.0f && out[3] == 255.0f);
  t.dtype = VGG19_DTYPE_BOOL;
  vgg19_raw_tensor_to_f32 (&t, out);
  ck_assert (out[0] == 0.0f && out[1] == 1.0f && out[3] == 1.0f);

  /* No elements: nothing written. */
  t.n_elements = 0;
  out[0] = 42.0f;
  vgg19_raw_tensor_to_f32 (&t, out);
  ck_assert (out[0] == 42.0f);
}
END_TEST

/* ---------------------------------------------------------------- */
/* safetensors                                                       */
/* ---------------------------------------------------------------- */

static Buf *
safetensors (const char *header, const guint8 * data, gsize n)
{
  Buf *b = g_byte_array_new ();

  put_le (b, strlen (header), 8);
  put_s (b, header);
  if (n)
    put (b, data, n);
  return b;
}

static const guint8 st_data[24] = {
  0x00, 0x00, 0x80, 0x3f,       /* 1.0f */
  0x00, 0x00, 0x00, 0xc0,       /* -2.0f */
  0xc0, 0x3f,                   /* BF16 1.5 */
  0x00, 0x3c,                   /* F16 1.0 */
  0x00, 0xc0,                   /* F16 -2.0 */
};

START_TEST (test_safetensors)
{
  Buf *b = safetensors ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
      "\"data_offsets\":[0,8]},\"__metadata__\":{\"format\":\"pt\"},"
      "\"z\":{\"data_offsets\":[8,10],\"shape\":[],\"dtype\":\"BF16\"},"
      "\"h\":{\"dtype\":\"F16\",\"shape\":[1,2,1],\"data_offsets\":[10,14]},"
      "\"e\":{\"dtype\":\"I64\",\"shape\":[0,3],\"data_offsets\":[14,14]}}  ",
      st_data, 14);
  GError *error = NULL;
  Vgg19TensorFile *file = open_data ("x.safetensors", b->data, b->len,
      &error);
  const Vgg19RawTensor *t;
  float out[2];

  ck_assert_msg (file != NULL, "%s", error ? error->message : "");
  ck_assert_str_eq (vgg19_tensor_file_format (file), "safetensors");
  ck_assert_str_eq (vgg19_tensor_file_name (file), "x.safetensors");
  ck_assert_uint_eq (vgg19_tensor_file_n_tensors (file), 4);
  /* header order */
  ck_assert_str_eq (vgg19_tensor_file_get (file, 0)->name, "a");
  ck_assert_str_eq (vgg19_tensor_file_get (file, 1)->name, "z");
  ck_assert_str_eq (vgg19_tensor_file_get (file, 2)->name, "h");
  ck_assert_str_eq (vgg19_tensor_file_get (file, 3)->name, "e");
  ck_assert_ptr_null (vgg19_tensor_file_lookup (file, "__metadata__"));
  ck_assert_ptr_null (vgg19_tensor_file_lookup (file, "b"));

  t = vgg19_tensor_file_lookup (file, "a");
  ck_assert_int_eq (t->dtype, VGG19_DTYPE_F32);
  ck_assert_uint_eq (t->n_dims, 1);
  ck_assert_uint_eq (t->shape[0], 2);
  vgg19_raw_tensor_to_f32 (t, out);
  ck_assert (out[0] == 1.0f && out[1] == -2.0f);

  t = vgg19_tensor_file_lookup (file, "z");
  ck_assert_int_eq (t->dtype, VGG19_DTYPE_BF16);
  ck_assert_uint_eq (t->n_dims, 0);
  ck_assert_uint_eq (t->n_elements, 1);
  vgg19_raw_tensor_to_f32 (t, out);
  ck_assert (out[0] == 1.5f);

  t = vgg19_tensor_file_lookup (file, "h");
  ck_assert_uint_eq (t->n_dims, 3);
  ck_assert_uint_eq (t->shape[1], 2);
  vgg19_raw_tensor_to_f32 (t, out);
  ck_assert (out[0] == 1.0f && out[1] == -2.0f);

  t = vgg19_tensor_file_lookup (file, "e");
  ck_assert_int_eq (t->dtype, VGG19_DTYPE_I64);
  ck_assert_uint_eq (t->n_elements, 0);

  vgg19_tensor_file_free (file);
  torture ("x.safetensors", b->data, b->len);
  g_byte_array_unref (b);
}
END_TEST

/* The header length's low byte is the file's first byte: 0x80 (as in a
 * header of 128 or 384 bytes) is also how a pickle starts, and must not
 * make the file look like a PyTorch legacy one. */
START_TEST (test_safetensors_header_lengths)
{
  static const gsize lengths[] = { 0x80, 0x180, 0x8080, 0x50 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (lengths); i++) {
    GString *header = g_string_new ("{\"a\":{\"dtype\":\"F32\","
        "\"shape\":[2],\"data_offsets\":[0,8]}}");
    GError *error = NULL;
    Vgg19TensorFile *file;
    float out[2];
    Buf *b;

    /* Padded with spaces, as the reference writer pads to 8 bytes. */
    while (header->len < lengths[i])
      g_string_append_c (header, ' ');
    b = safetensors (header->str, st_data, 8);
    ck_assert_uint_eq (b->data[0], lengths[i] & 0xff);
    file = open_data ("x.safetensors", b->data, b->len, &error);
    ck_assert_msg (file != NULL, "header of %zu bytes: %s", lengths[i],
        error->message);
    ck_assert_str_eq (vgg19_tensor_file_format (file), "safetensors");
    vgg19_raw_tensor_to_f32 (vgg19_tensor_file_lookup (file, "a"), out);
    ck_assert (out[0] == 1.0f && out[1] == -2.0f);
    vgg19_tensor_file_free (file);
    g_byte_array_unref (b);
    g_string_free (header, TRUE);
  }
}
END_TEST

static void
st_fails (const char *header, gsize n_data, int code, const char *needle)
{
  guint8 *zeros = g_malloc0 (n_data + 1);
  Buf *b = safetensors (header, zeros, n_data);

  assert_fails (b, code, needle);
  g_byte_array_unref (b);
  g_free (zeros);
}

#define T1(dtype, shape, offsets) \
  "{\"t\":{\"dtype\":" dtype ",\"shape\":" shape ",\"data_offsets\":" \
  offsets "}}"

START_TEST (test_safetensors_errors)
{
  Buf *b;

  st_fails ("{\"t\":", 0, VGG19_ERROR_FORMAT,
      "safetensors header: JSON at offset 13");
  /* '{' tells safetensors apart, so reach the reader directly. */
  {
    GArray *tensors = g_array_new (FALSE, TRUE, sizeof (Vgg19RawTensor));
    GError *error = NULL;

    b = safetensors ("[]      ", NULL, 0);
    ck_assert (!vgg19_safetensors_read ("bad.bin", b->data, b->len, tensors,
            &error));
    ck_assert_msg (strstr (error->message, "is a JSON array, expected an "
            "object") != NULL, "%s", error->message);
    g_error_free (error);
    g_array_unref (tensors);
    g_byte_array_unref (b);
  }
  st_fails ("{\"t\":[]}", 0, VGG19_ERROR_FORMAT,
      "tensor 't' at offset 13 is a array");
  st_fails (T1 ("\"F8_E4M3\"", "[1]", "[0,1]"), 1, VGG19_ERROR_UNSUPPORTED,
      "tensor 't' has dtype 'F8_E4M3'");
  st_fails (T1 ("5", "[1]", "[0,1]"), 1, VGG19_ERROR_FORMAT,
      "dtype is a number");
  st_fails (T1 ("\"F32\"", "[-1]", "[0,4]"), 4, VGG19_ERROR_FORMAT,
      "shape entry 0");
  st_fails (T1 ("\"F32\"", "[1.0]", "[0,4]"), 4, VGG19_ERROR_FORMAT,
      "shape entry 0");
  st_fails (T1 ("\"F32\"", "{}", "[0,4]"), 4, VGG19_ERROR_FORMAT,
      "shape is a object");
  st_fails (T1 ("\"F32\"", "[1,1,1,1,1,1,1,1,1]", "[0,4]"), 4,
      VGG19_ERROR_UNSUPPORTED, "9 dimensions");
  st_fails (T1 ("\"F32\"", "[4294967296,4294967296,2]", "[0,4]"), 4,
      VGG19_ERROR_FORMAT, "more than 2^64");
  st_fails (T1 ("\"U8\"", "[4294967296,4294967296]", "[0,4]"), 4,
      VGG19_ERROR_FORMAT, "more than 2^64");
  st_fails (T1 ("\"F32\"", "[1]", "[0]"), 4, VGG19_ERROR_FORMAT,
      "not a [begin, end] pair");
  st_fails (T1 ("\"F32\"", "[1]", "[0,4,8]"), 4, VGG19_ERROR_FORMAT,
      "not a [begin, end] pair");
  st_fails (T1 ("\"F32\"", "[1]", "[4,0]"), 4, VGG19_ERROR_FORMAT,
      "are not within the 4 bytes");
  st_fails (T1 ("\"F32\"", "[1]", "[0,8]"), 4, VGG19_ERROR_FORMAT,
      "are not within the 4 bytes");
  st_fails (T1 ("\"F32\"", "[1]",
          "[18446744073709551615,18446744073709551615]"), 4,
      VGG19_ERROR_FORMAT, "are not within");
  st_fails (T1 ("\"F32\"", "[2]", "[0,4]"), 4, VGG19_ERROR_FORMAT,
      "F32 of shape [2] needs 8 bytes, data_offsets span 4");
  /* tiling */
  st_fails ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
      "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12,
      VGG19_ERROR_FORMAT, "'b' starts at data offset 4, expected 8");
  st_fails ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
      "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}", 20,
      VGG19_ERROR_FORMAT, "'b' starts at data offset 12, expected 8");
  st_fails ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
      "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
      VGG19_ERROR_FORMAT, "starts at data offset 0, expected 8");
  st_fails (T1 ("\"F32\"", "[1]", "[0,4]"), 12, VGG19_ERROR_FORMAT,
      "end at data offset 4 but the file has 12 bytes of data");
  st_fails (T1 ("\"F32\"", "[1]", "[4,8]"), 8, VGG19_ERROR_FORMAT,
      "starts at data offset 4, expected 0");
  /* fields */
  st_fails ("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
      "\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
      VGG19_ERROR_FORMAT, "duplicate key \"t\"");
  st_fails ("{\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],"
      "\"extra\":1}}", 4, VGG19_ERROR_FORMAT, "unknown field 'extra'");
  st_fails ("{\"t\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4,
      VGG19_ERROR_FORMAT, "lacks its shape");
  st_fails ("{\"t\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
      VGG19_ERROR_FORMAT, "lacks its dtype");
  st_fails ("{\"t\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4,
      VGG19_ERROR_FORMAT, "lacks its data_offsets");
  st_fails ("{\"__metadata__\":{\"k\":1}}", 0, VGG19_ERROR_FORMAT,
      "__metadata__ entry 'k' is a number");
  st_fails ("{\"__metadata__\":[]}", 0, VGG19_ERROR_FORMAT,
      "__metadata__ at offset 24 is a array");
  st_fails ("{\"\\u0000\":{}}", 0, VGG19_ERROR_FORMAT, "NUL");

  /* The header length against the file. */
  b = g_byte_array_new ();
  put_le (b, 1000, 8);
  put_s (b, "{}");
  assert_fails (b, VGG19_ERROR_FORMAT,
      "truncated: the safetensors header needs 1000 bytes at offset 8, "
      "file has 10");
  g_byte_array_unref (b);

  b = g_byte_array_new ();
  put_le (b, G_MAXUINT64, 8);
  put_s (b, "{}");
  assert_fails (b, VGG19_ERROR_FORMAT, "truncated");
  g_byte_array_unref (b);

  /* An empty header and no tensors is a valid, empty file. */
  {
    GError *error = NULL;
    Vgg19TensorFile *file;

    b = safetensors ("{}", NULL, 0);
    file = open_data ("empty.safetensors", b->data, b->len, &error);
    ck_assert_msg (file != NULL, "%s", error ? error->message : "");
    ck_assert_uint_eq (vgg19_tensor_file_n_tensors (file), 0);
    vgg19_tensor_file_free (file);
    g_byte_array_unref (b);
  }
}
END_TEST

/* ---------------------------------------------------------------- */
/* PyTorch files built here                                          */
/* ---------------------------------------------------------------- */

static const guint8 legacy_magic[] = {
  0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19,
};

static void
pk_str (Buf * b, const char *s)
{
  put_u8 (b, 'X');
  put_le (b, strlen (s), 4);
  put_s (b, s);
}

static void
pk_global (Buf * b, const char *module, const char *name)
{
  put_u8 (b, 'c');
  put_s (b, module);
  put_u8 (b, '\n');
  put_s (b, name);
  put_u8 (b, '\n');
}

static void
pk_int (Buf * b, guint v)
{
  put_u8 (b, 'J');
  put_le (b, v, 4);
}

/* One tensor of a storage of its own. */
typedef struct
{
  const char *name;
  const char *key;
  const char *storage_type;
  guint numel;                  /* of the storage */
  guint offset;
  guint n_dims;
  guint shape[3];
  guint stride[3];
} TensorSpec;

/* {name: _rebuild_tensor_v2(...)} for @specs, with legacy persistent ids
 * (six items) or zip ones (five). */
static void
pk_state_dict (Buf * b, const TensorSpec * specs, guint n, gboolean legacy)
{
  guint i, d;

  put_u8 (b, 0x80);
  put_u8 (b, 2);
  pk_global (b, "collections", "OrderedDict");
  put_s (b, ")R(");
  for (i = 0; i < n; i++) {
    const TensorSpec *s = &specs[i];

    pk_str (b, s->name);
    pk_global (b, "torch._utils", "_rebuild_tensor_v2");
    put_s (b, "((");
    pk_str (b, "storage");
    pk_global (b, "torch", s->storage_type);
    pk_str (b, s->key);
    pk_str (b, "cpu");
    pk_int (b, s->numel);
    if (legacy)
      put_u8 (b, 'N');
    put_s (b, "tQ");
    pk_int (b, s->offset);
    put_u8 (b, '(');
    for (d = 0; d < s->n_dims; d++)
      pk_int (b, s->shape[d]);
    put_s (b, "t(");
    for (d = 0; d < s->n_dims; d++)
      pk_int (b, s->stride[d]);
    put_s (b, "t\x89}tR");
  }
  put_s (b, "u.");
}

static const TensorSpec two_tensors[] = {
  {"conv.weight", "140", "FloatStorage", 6, 0, 2, {2, 3}, {3, 1}},
  {"conv.bias", "77", "HalfStorage", 3, 1, 1, {2}, {1}},
};

static const float f32_payload[6] = { 0.5f, 1.5f, -2.0f, 3.0f, 4.0f, 5.0f };
static const guint16 f16_payload[3] = { 0x3c00, 0x4000, 0xc200 };

/* Both ways of reading a tensor: from the bytes in memory, and through
 * the file (which reads by offset when the file was opened by path). */
static void
check_two_tensors (Vgg19TensorFile * file, const char *format)
{
  const Vgg19RawTensor *t;
  GError *error = NULL;
  float out[6], read[6];

  ck_assert_str_eq (vgg19_tensor_file_format (file), format);
  ck_assert_uint_eq (vgg19_tensor_file_n_tensors (file), 2);
  t = vgg19_tensor_file_get (file, 0);
  ck_assert_str_eq (t->name, "conv.weight");
  ck_assert_int_eq (t->dtype, VGG19_DTYPE_F32);
  ck_assert_uint_eq (t->n_dims, 2);
  vgg19_raw_tensor_to_f32 (t, out);
  ck_assert (memcmp (out, f32_payload, sizeof f32_payload) == 0);
  ck_assert_msg (vgg19_tensor_file_read_f32 (file, t, read, &error), "%s",
      error ? error->message : "");
  ck_assert (memcmp (read, f32_payload, sizeof f32_payload) == 0);
  t = vgg19_tensor_file_get (file, 1);
  ck_assert_str_eq (t->name, "conv.bias");
  ck_assert_int_eq (t->dtype, VGG19_DTYPE_F16);
  vgg19_raw_tensor_to_f32 (t, out);
  ck_assert (out[0] == 2.0f && out[1] == -3.0f);
  read[0] = read[1] = 0.0f;
  ck_assert_msg (vgg19_tensor_file_read_f32 (file, t, read, &error), "%s",
      error ? error->message : "");
  ck_assert (read[0] == 2.0f && read[1] == -3.0f);
}

typedef struct
{
  gboolean little_endian;
  guint version;
  gboolean bad_magic;
  const char *keys[4];          /* storage key list; NULL-terminated */
  gint64 counts[4];             /* element count fields; 0: the right one */
  gsize cut;                    /* bytes cut from the end */
} LegacyOptions;

static Buf *
legacy_file (const LegacyOptions * o)
{
  Buf *b = g_byte_array_new ();
  guint i;

  put_s (b, "\x80\x02\x8a\x0a");
  put (b, legacy_magic, sizeof legacy_magic);
  if (o->bad_magic)
    b->data[b->len - 1] ^= 1;
  put_u8 (b, '.');
  put_s (b, "\x80\x02M");
  put_le (b, o->version, 2);
  put_u8 (b, '.');
  put_s (b, "\x80\x02}(");
  pk_str (b, "protocol_version");
  put_s (b, "M\xe9\x03");
  pk_str (b, "little_endian");
  put_u8 (b, o->little_endian ? 0x88 : 0x89);
  pk_str (b, "type_sizes");
  put_s (b, "}(");
  pk_str (b, "short");
  put_s (b, "K\x02");
  pk_str (b, "int");
  put_s (b, "K\x04");
  pk_str (b, "long");
  put_s (b, "K\x08uu.");
  pk_state_dict (b, two_tensors, 2, TRUE);
  put_s (b, "\x80\x02](");
  for (i = 0; o->keys[i]; i++)
    pk_str (b, o->keys[i]);
  put_s (b, "e.");
  for (i = 0; o->keys[i]; i++) {
    gboolean f32 = strcmp (o->keys[i], "140") == 0;
    gint64 count = f32 ? 6 : 3;

    if (o->counts[i] != 0)
      count = o->counts[i];
    put_le (b, count, 8);
    if (f32)
      put (b, f32_payload, sizeof f32_payload);
    else
      put (b, f16_payload, sizeof f16_payload);
  }
  g_byte_array_set_size (b, b->len - o->cut);
  return b;
}

static const LegacyOptions legacy_ok = {
  TRUE, 1001, FALSE, {"77", "140", NULL, NULL}, {0, 0, 0, 0}, 0
};

START_TEST (test_legacy)
{
  Buf *b = legacy_file (&legacy_ok);
  GError *error = NULL;
  Vgg19TensorFile *file = open_data ("legacy.pth", b->data, b->len, &error);

  ck_assert_msg (file != NULL, "%s", error ? error->message : "");
  check_two_tensors (file, "torch-legacy");
  vgg19_tensor_file_free (file);
  torture ("legacy.pth", b->data, b->len);
  g_byte_array_unref (b);
}
END_TEST

START_TEST (test_legacy_errors)
{
  LegacyOptions o;
  Buf *b;

#define LEGACY_FAILS(code, needle) \
  b = legacy_file (&o); \
  assert_fails (b, code, needle); \
  g_byte_array_unref (b); \
  o = legacy_ok

  o = legacy_ok;
  o.bad_magic = TRUE;
  LEGACY_FAILS (VGG19_ERROR_FORMAT, "expected the magic number");
  o.version = 1000;
  LEGACY_FAILS (VGG19_ERROR_UNSUPPORTED, "protocol version (int 1000)");
  o.little_endian = FALSE;
  LEGACY_FAILS (VGG19_ERROR_UNSUPPORTED, "big-endian");
  o.keys[0] = "140";
  o.keys[1] = NULL;
  LEGACY_FAILS (VGG19_ERROR_FORMAT,
      "storage '77' is used but missing from the storage key list");
  o.keys[2] = "140";
  o.keys[1] = "77";
  o.keys[0] = "140";
  LEGACY_FAILS (VGG19_ERROR_FORMAT, "storage '140' is listed twice");
  o.keys[1] = "99";
  LEGACY_FAILS (VGG19_ERROR_FORMAT, "('99') is not used by any tensor");
  o.counts[0] = 4;
  LEGACY_FAILS (VGG19_ERROR_FORMAT, "has 4 elements, the pickle declared 3");
  o.counts[0] = G_MAXINT64;
  LEGACY_FAILS (VGG19_ERROR_FORMAT, "the pickle declared 3");
  o.cut = 1;
  LEGACY_FAILS (VGG19_ERROR_FORMAT,
      "truncated: storage 1 ('140') needs 24 bytes");
  o.cut = 24 + 8;
  LEGACY_FAILS (VGG19_ERROR_FORMAT,
      "truncated: storage 1 ('140') needs its 8-byte element count");
#undef LEGACY_FAILS

  /* Bytes after the last storage are ignored, as torch does. */
  {
    GError *error = NULL;
    Vgg19TensorFile *file;

    b = legacy_file (&legacy_ok);
    put_s (b, "trailing");
    file = open_data ("legacy.pth", b->data, b->len, &error);
    ck_assert_msg (file != NULL, "%s", error ? error->message : "");
    check_two_tensors (file, "torch-legacy");
    vgg19_tensor_file_free (file);
    g_byte_array_unref (b);
  }
}
END_TEST

/* A stored-only zip archive of (name, data, size) entries. */
static Buf *
zip_file (const char *const *names, const Buf * const *datas, guint n,
    guint16 first_method)
{
  Buf *b = g_byte_array_new ();
  guint32 *offsets = g_new (guint32, n);
  gsize cd;
  guint i;

  for (i = 0; i < n; i++) {
    offsets[i] = b->len;
    put_le (b, 0x04034b50, 4);
    put_le (b, 20, 2);
    put_le (b, 0, 2);
    put_le (b, i == 0 ? first_method : 0, 2);
    put_le (b, 0, 8);
    put_le (b, datas[i]->len, 4);
    put_le (b, datas[i]->len, 4);
    put_le (b, strlen (names[i]), 2);
    put_le (b, 0, 2);
    put_s (b, names[i]);
    if (datas[i]->len)
      put (b, datas[i]->data, datas[i]->len);
  }
  cd = b->len;
  for (i = 0; i < n; i++) {
    put_le (b, 0x02014b50, 4);
    put_le (b, 20, 2);
    put_le (b, 20, 2);
    put_le (b, 0, 2);
    put_le (b, i == 0 ? first_method : 0, 2);
    put_le (b, 0, 8);
    put_le (b, datas[i]->len, 4);
    put_le (b, datas[i]->len, 4);
    put_le (b, strlen (names[i]), 2);
    put_le (b, 0, 8);            /* extra, comment, disk, attributes */
    put_le (b, 0, 4);
    put_le (b, offsets[i], 4);
    put_s (b, names[i]);
  }
  put_le (b, 0x06054b50, 4);
  put_le (b, 0, 4);
  put_le (b, n, 2);
  put_le (b, n, 2);
  put_le (b, b->len - cd - 12, 4);
  put_le (b, cd, 4);
  put_le (b, 0, 2);
  g_free (offsets);
  return b;
}

typedef struct
{
  const char *prefix;
  const char *byteorder;        /* NULL: no entry */
  gboolean trailing_pickle_byte;
  gboolean drop_storage;
  gboolean short_storage;
  gboolean compressed_pickle;
  gboolean no_folder;
} ZipOptions;

static Buf *
torch_zip_file (const ZipOptions * o)
{
  const char *names[5];
  Buf *datas[5];
  guint i, n = 0;
  Buf *b;

  datas[n] = g_byte_array_new ();
  pk_state_dict (datas[n], two_tensors, 2, FALSE);
  if (o->trailing_pickle_byte)
    put_u8 (datas[n], 'N');
  names[n++] = o->no_folder ? g_strdup ("data.pkl")
      : g_strconcat (o->prefix, "/data.pkl", NULL);
  datas[n] = g_byte_array_new ();
  put (datas[n], f32_payload, sizeof f32_payload);
  names[n++] = g_strconcat (o->prefix, "/data/140", NULL);
  if (!o->drop_storage) {
    datas[n] = g_byte_array_new ();
    put (datas[n], f16_payload, o->short_storage ? 4 : 6);
    names[n++] = g_strconcat (o->prefix, "/data/77", NULL);
  }
  datas[n] = g_byte_array_new ();
  put_s (datas[n], "3\n");
  names[n++] = g_strconcat (o->prefix, "/version", NULL);
  if (o->byteorder) {
    datas[n] = g_byte_array_new ();
    put_s (datas[n], o->byteorder);
    names[n++] = g_strconcat (o->prefix, "/byteorder", NULL);
  }
  b = zip_file (names, (const Buf * const *) datas, n,
      o->compressed_pickle ? 8 : 0);
  for (i = 0; i < n; i++) {
    g_free ((char *) names[i]);
    g_byte_array_unref (datas[i]);
  }
  return b;
}

static const ZipOptions zip_ok = { "my model", "little", FALSE, FALSE,
  FALSE, FALSE, FALSE
};

START_TEST (test_torch_zip)
{
  ZipOptions o = zip_ok;
  GError *error = NULL;
  Vgg19TensorFile *file;
  Buf *b;

  b = torch_zip_file (&o);
  file = open_data ("model.pth", b->data, b->len, &error);
  ck_assert_msg (file != NULL, "%s", error ? error->message : "");
  check_two_tensors (file, "torch-zip");
  vgg19_tensor_file_free (file);
  torture ("model.pth", b->data, b->len);
  g_byte_array_unref (b);

  /* Older archives have no byteorder entry. */
  o.byteorder = NULL;
  o.prefix = "archive";
  b = torch_zip_file (&o);
  file = open_data ("model.pth", b->data, b->len, &error);
  ck_assert_msg (file != NULL, "%s", error ? error->message : "");
  check_two_tensors (file, "torch-zip");
  vgg19_tensor_file_free (file);
  g_byte_array_unref (b);
}
END_TEST

START_TEST (test_torch_zip_errors)
{
  ZipOptions o;
  Buf *b;

#define ZIP_FAILS(code, needle) \
  b = torch_zip_file (&o); \
  assert_fails (b, code, needle); \
  g_byte_array_unref (b); \
  o = zip_ok

  o = zip_ok;
  o.byteorder = "big";
  ZIP_FAILS (VGG19_ERROR_UNSUPPORTED, "only little-endian archives");
  o.trailing_pickle_byte = TRUE;
  ZIP_FAILS (VGG19_ERROR_FORMAT, "my model/data.pkl: 1 bytes after the end "
      "of the pickle");
  o.drop_storage = TRUE;
  ZIP_FAILS (VGG19_ERROR_FORMAT,
      "storage '77' has no archive entry 'my model/data/77'");
  o.short_storage = TRUE;
  ZIP_FAILS (VGG19_ERROR_FORMAT, "truncated: storage '77' needs 6 bytes "
      "(3 F16), entry 'my model/data/77'");
  o.compressed_pickle = TRUE;
  ZIP_FAILS (VGG19_ERROR_UNSUPPORTED, "'my model/data.pkl' is compressed");
  o.no_folder = TRUE;
  ZIP_FAILS (VGG19_ERROR_FORMAT, "the first entry 'data.pkl' is not in a "
      "folder");
  o.prefix = "other";
  {
    /* data.pkl in another folder than the first entry's */
    const char *names[2] = { "first/version", "other/data.pkl" };
    Buf *datas[2] = { g_byte_array_new (), g_byte_array_new () };

    put_s (datas[0], "3\n");
    put_s (datas[1], "\x80\x02}.");
    b = zip_file (names, (const Buf * const *) datas, 2, 0);
    assert_fails (b, VGG19_ERROR_FORMAT, "no entry 'first/data.pkl'");
    g_byte_array_unref (b);
    g_byte_array_unref (datas[0]);
    g_byte_array_unref (datas[1]);
  }
  {
    const char *names[1] = { "a" };
    Buf *datas[1] = { g_byte_array_new () };

    b = zip_file (names, (const Buf * const *) datas, 0, 0);
    /* An empty archive starts with the end record: not a weight file. */
    assert_fails (b, VGG19_ERROR_FORMAT, "not a weight file");
    g_byte_array_unref (b);
    g_byte_array_unref (datas[0]);
  }
#undef ZIP_FAILS
}
END_TEST

/* ---------------------------------------------------------------- */
/* Opening files                                                     */
/* ---------------------------------------------------------------- */

START_TEST (test_open_errors)
{
  GError *error = NULL;
  char *dir, *path;
  Vgg19TensorFile *file;
  Buf *b;

  dir = g_dir_make_tmp ("vgg19-weights-XXXXXX", NULL);
  ck_assert_ptr_nonnull (dir);

  path = g_build_filename (dir, "missing.pth", NULL);
  file = vgg19_tensor_file_open (path, &error);
  ck_assert_ptr_null (file);
  ck_assert (g_error_matches (error, VGG19_ERROR, VGG19_ERROR_IO));
  ck_assert_msg (g_str_has_prefix (error->message, path), "%s",
      error->message);
  ck_assert_msg (strstr (error->message, g_strerror (ENOENT)) != NULL, "%s",
      error->message);
  g_clear_error (&error);
  g_free (path);

  file = vgg19_tensor_file_open (dir, &error);
  ck_assert_ptr_null (file);
  ck_assert (g_error_matches (error, VGG19_ERROR, VGG19_ERROR_IO));
  ck_assert_msg (strstr (error->message, "not a regular file") != NULL,
      "%s", error->message);
  g_clear_error (&error);

  path = g_build_filename (dir, "empty.pth", NULL);
  ck_assert (g_file_set_contents (path, "", 0, NULL));
  file = vgg19_tensor_file_open (path, &error);
  ck_assert_ptr_null (file);
  ck_assert (g_error_matches (error, VGG19_ERROR, VGG19_ERROR_FORMAT));
  ck_assert_msg (strstr (error->message, "the file is empty") != NULL, "%s",
      error->message);
  g_clear_error (&error);

  /* An HTML page saved in place of the weights. */
  ck_assert (g_file_set_contents (path, "<html><body>Not found", -1, NULL));
  file = vgg19_tensor_file_open (path, &error);
  ck_assert_ptr_null (file);
  ck_assert (g_error_matches (error, VGG19_ERROR, VGG19_ERROR_FORMAT));
  ck_assert_msg (g_str_has_prefix (error->message, path)
      && strstr (error->message, "not a weight file") != NULL
      && strstr (error->message, "3c 68 74 6d 6c 3e 3c 62") != NULL, "%s",
      error->message);
  g_clear_error (&error);

  /* A real file, through the mapping. */
  b = legacy_file (&legacy_ok);
  ck_assert (g_file_set_contents (path, (const char *) b->data, b->len,
          NULL));
  file = vgg19_tensor_file_open (path, &error);
  ck_assert_msg (file != NULL, "%s", error ? error->message : "");
  ck_assert_str_eq (vgg19_tensor_file_name (file), path);
  check_two_tensors (file, "torch-legacy");
  vgg19_tensor_file_free (file);
  g_byte_array_unref (b);
  g_remove (path);
  g_free (path);
  g_rmdir (dir);
  g_free (dir);

  /* Old tar archives are named, not misread. */
  b = g_byte_array_new ();
  g_byte_array_set_size (b, 1024);
  memset (b->data, 0, 1024);
  memcpy (b->data, "tensors", 7);
  memcpy (b->data + 257, "ustar", 5);
  assert_fails (b, VGG19_ERROR_UNSUPPORTED, "PyTorch before 0.1.10");
  g_byte_array_unref (b);

  /* Too short for any format. */
  b = g_byte_array_new ();
  put_u8 (b, 0x80);
  assert_fails (b, VGG19_ERROR_FORMAT, "found bytes 80 at offset 0");
  g_byte_array_unref (b);
}
END_TEST

/* Reading tensors of a file opened by path goes through pread, float32
 * straight into the destination and the other dtypes through a staging
 * buffer of a few hundred kB: tensors larger than that buffer, with
 * element counts that leave partial chunks and partial conversion blocks,
 * must give the same bits as converting the bytes in memory. */
typedef struct
{
  const char *name;
  const char *dtype;
  guint elem_size;
  guint n;
} PathTensor;

static const PathTensor path_tensors[] = {
  {"f32", "F32", 4, 70001},
  {"f16", "F16", 2, 3 * 65536 + 5},
  {"bf16", "BF16", 2, 3 * 65536 + 5},
  {"f64", "F64", 8, 40001},
  {"i8", "I8", 1, 5},
};

static Buf *
path_test_file (void)
{
  GString *header = g_string_new ("{");
  Buf *payload = g_byte_array_new (), *b;
  guint i, k;

  for (i = 0; i < G_N_ELEMENTS (path_tensors); i++) {
    const PathTensor *t = &path_tensors[i];
    guint begin = payload->len;

    for (k = 0; k < t->n; k++) {
      if (t->elem_size == 8) {
        double d = (k % 2 ? -1.0 : 1.0) / (k + 3.0);

        put (payload, &d, 8);
      } else if (t->elem_size == 4) {
        float f = (float) k * 0.25f - 1000.0f;

        put (payload, &f, 4);
      } else {
        /* Every half and bfloat in turn, NaNs and subnormals included. */
        put_le (payload, (k * 7u + i) & 0xffff, t->elem_size);
      }
    }
    g_string_append_printf (header, "%s\"%s\":{\"dtype\":\"%s\",\"shape\":"
        "[%u],\"data_offsets\":[%u,%u]}", i ? "," : "", t->name, t->dtype,
        t->n, begin, payload->len);
  }
  g_string_append_c (header, '}');
  b = safetensors (header->str, payload->data, payload->len);
  g_string_free (header, TRUE);
  g_byte_array_unref (payload);
  return b;
}

START_TEST (test_read_by_path)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("vgg19-weights-XXXXXX", NULL);
  char *path = g_build_filename (dir, "large.safetensors", NULL);
  Buf *b = path_test_file ();
  Vgg19TensorFile *file;
  const Vgg19RawTensor *t;
  guint i;

  ck_assert (g_file_set_contents (path, (const char *) b->data, b->len,
          NULL));
  file = vgg19_tensor_file_open (path, &error);
  ck_assert_msg (file != NULL, "%s", error ? error->message : "");
  for (i = 0; i < G_N_ELEMENTS (path_tensors); i++) {
    float *expected, *read;

    t = vgg19_tensor_file_lookup (file, path_tensors[i].name);
    ck_assert_ptr_nonnull (t);
    ck_assert_uint_eq (t->n_elements, path_tensors[i].n);
    expected = g_new (float, t->n_elements);
    read = g_new (float, t->n_elements);
    vgg19_raw_tensor_to_f32 (t, expected);
    memset (read, 0x5a, t->n_elements * sizeof (float));
    ck_assert_msg (vgg19_tensor_file_read_f32 (file, t, read, &error),
        "%s: %s", t->name, error ? error->message : "");
    ck_assert_msg (memcmp (expected, read, t->n_elements * sizeof (float))
        == 0, "%s: reading by offset differs from converting in memory",
        t->name);
    g_free (expected);
    g_free (read);
  }

  /* The file shrinks after it was parsed (overwritten in place): the
   * tensors still inside it read, the others fail cleanly instead of
   * faulting on the mapping. The cut falls inside "f64". */
  ck_assert_int_eq (truncate (path, b->len - 5 - 8 * 1000), 0);
  {
    float *read = g_new (float, 70001);

    t = vgg19_tensor_file_lookup (file, "f32");
    ck_assert_msg (vgg19_tensor_file_read_f32 (file, t, read, &error), "%s",
        error ? error->message : "");
    ck_assert (read[4] == -999.0f);
    for (i = 3; i < 5; i++) {
      t = vgg19_tensor_file_lookup (file, path_tensors[i].name);
      ck_assert (!vgg19_tensor_file_read_f32 (file, t, read, &error));
      ck_assert_msg (g_error_matches (error, VGG19_ERROR, VGG19_ERROR_IO),
          "%s", error->message);
      ck_assert_msg (g_str_has_prefix (error->message, path)
          && strstr (error->message, t->name) != NULL
          && strstr (error->message, "the file ends at offset") != NULL,
          "%s", error->message);
      g_clear_error (&error);
    }
    g_free (read);
  }
  vgg19_tensor_file_free (file);

  g_byte_array_unref (b);
  g_remove (path);
  g_free (path);
  g_rmdir (dir);
  g_free (dir);
}
END_TEST

/* ---------------------------------------------------------------- */
/* Files written by PyTorch                                          */
/* ---------------------------------------------------------------- */

static char *fixture_dir;
static Vgg19JsonValue *manifest;

static const Vgg19JsonValue *
fixture (int i)
{
  const Vgg19JsonValue *list = vgg19_json_object_get (manifest, "fixtures");

  ck_assert ((guint) i < list->n);
  return list->items[i];
}

static const char *
fixture_string (const Vgg19JsonValue * f, const char *key)
{
  const Vgg19JsonValue *v = vgg19_json_object_get (f, key);

  return v && v->kind == VGG19_JSON_STRING ? v->string : NULL;
}

static void
check_expected_tensors (Vgg19TensorFile * file, const Vgg19JsonValue * f)
{
  const Vgg19JsonValue *list = vgg19_json_object_get (f, "tensors");
  const char *id = fixture_string (f, "id");
  GError *error = NULL;
  guint i, k;

  ck_assert_ptr_nonnull (list);
  ck_assert_uint_eq (vgg19_tensor_file_n_tensors (file), list->n);
  for (i = 0; i < list->n; i++) {
    const Vgg19JsonValue *e = list->items[i];
    const Vgg19JsonValue *shape = vgg19_json_object_get (e, "shape");
    const Vgg19JsonValue *values = vgg19_json_object_get (e, "values");
    const Vgg19RawTensor *t = vgg19_tensor_file_get (file, i);
    float *out, *read;

    /* Same names in the same order, each found by lookup. */
    ck_assert_str_eq (t->name, vgg19_json_object_get (e, "name")->string);
    ck_assert_ptr_eq (vgg19_tensor_file_lookup (file, t->name), t);
    ck_assert_msg (strcmp (vgg19_dtype_name (t->dtype),
            vgg19_json_object_get (e, "dtype")->string) == 0,
        "%s: %s is %s, expected %s", id, t->name,
        vgg19_dtype_name (t->dtype),
        vgg19_json_object_get (e, "dtype")->string);
    ck_assert_uint_eq (t->n_dims, shape->n);
    for (k = 0; k < shape->n; k++)
      ck_assert_uint_eq (t->shape[k], shape->items[k]->uint);
    ck_assert_uint_eq (t->n_elements, values->n);

    out = g_new (float, values->n + 1);
    read = g_new (float, values->n + 1);
    vgg19_raw_tensor_to_f32 (t, out);
    /* Exact: every conversion here is exact, or rounds to nearest like
     * torch's .float(). */
    for (k = 0; k < values->n; k++)
      REQUIRE (out[k] == (float) values->items[k]->number,
          "%s: %s[%u] = %.9g, expected %.9g", id, t->name, k, out[k],
          values->items[k]->number);
    /* The file was opened by path: this reads by offset, not through the
     * mapping, and must give the same bits. */
    ck_assert_msg (vgg19_tensor_file_read_f32 (file, t, read, &error),
        "%s: %s: %s", id, t->name, error ? error->message : "");
    ck_assert_msg (memcmp (out, read, values->n * sizeof (float)) == 0,
        "%s: %s differs when read from the file", id, t->name);
    g_free (read);
    g_free (out);
  }
  ck_assert_ptr_null (vgg19_tensor_file_lookup (file, "no such tensor"));
}

START_TEST (test_fixture)
{
  const Vgg19JsonValue *f = fixture (_i);
  const char *error_kind = fixture_string (f, "error");
  char *path = g_build_filename (fixture_dir, fixture_string (f, "file"),
      NULL);
  GError *error = NULL;
  Vgg19TensorFile *file = vgg19_tensor_file_open (path, &error);

  if (error_kind == NULL) {
    ck_assert_msg (file != NULL, "%s: %s", fixture_string (f, "id"),
        error ? error->message : "");
    ck_assert_str_eq (vgg19_tensor_file_format (file),
        fixture_string (f, "format"));
    check_expected_tensors (file, f);
    vgg19_tensor_file_free (file);
  } else {
    int code = strcmp (error_kind, "unsupported") == 0
        ? VGG19_ERROR_UNSUPPORTED : VGG19_ERROR_FORMAT;

    ck_assert_msg (file == NULL, "%s: loaded", fixture_string (f, "id"));
    ck_assert_msg (g_error_matches (error, VGG19_ERROR, code),
        "%s: code %d: %s", fixture_string (f, "id"), error->code,
        error->message);
    ck_assert_msg (g_str_has_prefix (error->message, path), "%s",
        error->message);
    ck_assert_msg (strstr (error->message, fixture_string (f,
                "message")) != NULL, "'%s' does not contain '%s'",
        error->message, fixture_string (f, "message"));
    g_error_free (error);
  }
  g_free (path);
}
END_TEST

START_TEST (test_fixture_torture)
{
  const Vgg19JsonValue *f = fixture (_i);
  char *path = g_build_filename (fixture_dir, fixture_string (f, "file"),
      NULL);
  char *contents;
  gsize size;

  ck_assert (g_file_get_contents (path, &contents, &size, NULL));
  torture (fixture_string (f, "file"), (const guint8 *) contents, size);
  g_free (contents);
  g_free (path);
}
END_TEST

/* Reads the manifest named by $VGG19_WEIGHT_FIXTURES; returns the number
 * of fixtures, 0 when the variable is unset. A set variable that leads
 * nowhere is a failure, not a silent skip. */
static guint
load_manifest (void)
{
  const char *dir = g_getenv ("VGG19_WEIGHT_FIXTURES");
  GError *error = NULL;
  char *path, *text;
  gsize len;
  const Vgg19JsonValue *list;

  if (dir == NULL || dir[0] == '\0')
    return 0;
  fixture_dir = g_strdup (dir);
  path = g_build_filename (dir, "manifest.json", NULL);
  if (!g_file_get_contents (path, &text, &len, &error))
    g_error ("VGG19_WEIGHT_FIXTURES: %s", error->message);
  manifest = vgg19_json_parse (text, len, 0, &error);
  if (manifest == NULL)
    g_error ("%s: %s", path, error->message);
  list = vgg19_json_object_get (manifest, "fixtures");
  if (list == NULL || list->kind != VGG19_JSON_ARRAY || list->n == 0)
    g_error ("%s: no fixtures", path);
  g_free (text);
  g_free (path);
  return list->n;
}

static Suite *
weights_suite (guint n_fixtures)
{
  Suite *s = suite_create ("weights");
  TCase *tc;

  tc = tcase_create ("dtype");
  tcase_add_test (tc, test_dtype_names);
  tcase_add_test (tc, test_half_conversions);
  tcase_add_test (tc, test_other_conversions);
  suite_add_tcase (s, tc);

  tc = tcase_create ("formats");
  tcase_add_test (tc, test_safetensors);
  tcase_add_test (tc, test_safetensors_header_lengths);
  tcase_add_test (tc, test_safetensors_errors);
  tcase_add_test (tc, test_legacy);
  tcase_add_test (tc, test_legacy_errors);
  tcase_add_test (tc, test_torch_zip);
  tcase_add_test (tc, test_torch_zip_errors);
  tcase_add_test (tc, test_open_errors);
  tcase_add_test (tc, test_read_by_path);
  suite_add_tcase (s, tc);

  if (n_fixtures > 0) {
    tc = tcase_create ("fixtures");
    tcase_add_loop_test (tc, test_fixture, 0, n_fixtures);
    tcase_add_loop_test (tc, test_fixture_torture, 0, n_fixtures);
    suite_add_tcase (s, tc);
  }
  return s;
}

int
main (void)
{
  guint n_fixtures = load_manifest ();
  SRunner *sr = srunner_create (weights_suite (n_fixtures));
  int failed;

  if (n_fixtures == 0)
    g_printerr ("VGG19_WEIGHT_FIXTURES is not set: the files written by "
        "PyTorch are not tested\n");
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  vgg19_json_free (manifest);
  g_free (fixture_dir);
  return failed == 0 ? 0 : 1;
}
