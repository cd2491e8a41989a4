/* The minimal zip reader: archives built byte by byte here (plain, with a
 * comment, with zip64 records and extra fields), and the errors for every
 * kind of damage, including all truncations. */
#include <check.h>
#include <string.h>

#include <vgg19/vgg19.h>

#include "zip.h"

/* An assertion for loops run many thousand times: libcheck's ck_assert
 * records every passing check, which would dominate the run time. */
#define REQUIRE(expr, ...) \
  do { \
    if (!(expr)) \
      ck_abort_msg (__VA_ARGS__); \
  } while (0)

typedef struct
{
  const char *name;
  const char *data;
  guint16 method;
  gboolean zip64;               /* sizes and offset in a zip64 extra field */
  guint16 local_padding;        /* bytes of local extra field, as torch
                                 * uses to align data */
  const char *local_name;       /* NULL: same as name */
} Spec;

static void
put_u16 (GByteArray * b, guint v)
{
  guint8 x[2] = { v & 0xff, (v >> 8) & 0xff };
  g_byte_array_append (b, x, 2);
}

static void
put_u32 (GByteArray * b, guint32 v)
{
  put_u16 (b, v & 0xffff);
  put_u16 (b, v >> 16);
}

static void
put_u64 (GByteArray * b, guint64 v)
{
  put_u32 (b, (guint32) v);
  put_u32 (b, (guint32) (v >> 32));
}

static void
put_str (GByteArray * b, const char *s)
{
  g_byte_array_append (b, (const guint8 *) s, strlen (s));
}

/* Builds an archive of @n entries; with @zip64_end, a zip64 end record
 * and locator, and saturated fields in the classic end record. */
static GByteArray *
build_zip (const Spec * specs, guint n, gboolean zip64_end,
    const char *comment)
{
  GByteArray *b = g_byte_array_new ();
  guint64 *offsets = g_new0 (guint64, n);
  guint64 cd_start, cd_size, z64_start;
  guint i, k;

  for (i = 0; i < n; i++) {
    const Spec *s = &specs[i];
    const char *lname = s->local_name ? s->local_name : s->name;

    offsets[i] = b->len;
    put_u32 (b, 0x04034b50);
    put_u16 (b, 20);
    put_u16 (b, 0);
    put_u16 (b, s->method);
    put_u16 (b, 0);
    put_u16 (b, 0);
    put_u32 (b, 0);             /* CRC: not checked by the reader */
    put_u32 (b, strlen (s->data));
    put_u32 (b, strlen (s->data));
    put_u16 (b, strlen (lname));
    put_u16 (b, s->local_padding);
    put_str (b, lname);
    for (k = 0; k < s->local_padding; k++)
      g_byte_array_append (b, (const guint8 *) "Z", 1);
    put_str (b, s->data);
  }

  cd_start = b->len;
  for (i = 0; i < n; i++) {
    const Spec *s = &specs[i];

    put_u32 (b, 0x02014b50);
    put_u16 (b, 45);
    put_u16 (b, 45);
    put_u16 (b, 0);
    put_u16 (b, s->method);
    put_u16 (b, 0);
    put_u16 (b, 0);
    put_u32 (b, 0);
    put_u32 (b, s->zip64 ? 0xffffffffu : strlen (s->data));
    put_u32 (b, s->zip64 ? 0xffffffffu : strlen (s->data));
    put_u16 (b, strlen (s->name));
    /* An unrelated extra field first, to check that fields are walked. */
    put_u16 (b, s->zip64 ? 4 + 2 + 4 + 24 : 0);
    put_u16 (b, 0);
    put_u16 (b, 0);
    put_u16 (b, 0);
    put_u32 (b, 0);
    put_u32 (b, s->zip64 ? 0xffffffffu : (guint32) offsets[i]);
    put_str (b, s->name);
    if (s->zip64) {
      put_u16 (b, 0x5455);
      put_u16 (b, 2);
      put_u16 (b, 0);
      put_u16 (b, 0x0001);
      put_u16 (b, 24);
      put_u64 (b, strlen (s->data));
      put_u64 (b, strlen (s->data));
      put_u64 (b, offsets[i]);
    }
  }
  cd_size = b->len - cd_start;

  if (zip64_end) {
    z64_start = b->len;
    put_u32 (b, 0x06064b50);
    put_u64 (b, 44);
    put_u16 (b, 45);
    put_u16 (b, 45);
    put_u32 (b, 0);
    put_u32 (b, 0);
    put_u64 (b, n);
    put_u64 (b, n);
    put_u64 (b, cd_size);
    put_u64 (b, cd_start);
    put_u32 (b, 0x07064b50);
    put_u32 (b, 0);
    put_u64 (b, z64_start);
    put_u32 (b, 1);
  }
  put_u32 (b, 0x06054b50);
  put_u16 (b, 0);
  put_u16 (b, 0);
  put_u16 (b, zip64_end ? 0xffff : n);
  put_u16 (b, zip64_end ? 0xffff : n);
  put_u32 (b, zip64_end ? 0xffffffffu : cd_size);
  put_u32 (b, zip64_end ? 0xffffffffu : cd_start);
  put_u16 (b, comment ? strlen (comment) : 0);
  if (comment)
    put_str (b, comment);
  g_free (offsets);
  return b;
}

/* Opens a copy of exactly @len bytes, so that any read past the end is
 * seen by the sanitizers. */
static Vgg19Zip *
open_copy (const guint8 * data, gsize len, guint8 ** copy, GError ** error)
{
  *copy = g_malloc (len ? len : 1);
  if (len)
    memcpy (*copy, data, len);
  return vgg19_zip_open ("test.zip", *copy, len, error);
}

static void
assert_entry (Vgg19Zip * zip, const char *name, const char *data)
{
  const Vgg19ZipEntry *e = vgg19_zip_lookup (zip, name);
  GError *error = NULL;
  const guint8 *d;

  ck_assert_msg (e != NULL, "entry '%s' missing", name);
  ck_assert_str_eq (e->name, name);
  ck_assert_uint_eq (e->size, strlen (data));
  d = vgg19_zip_entry_data (zip, e, &error);
  ck_assert_msg (d != NULL, "%s", error ? error->message : "");
  ck_assert (memcmp (d, data, strlen (data)) == 0);
}

static const Spec torch_like[] = {
  {"archive/data.pkl", "\x80\x02}q\x00.", 0, FALSE, 0, NULL},
  {"archive/data/0", "0123456789abcdef", 0, FALSE, 37, NULL},
  {"archive/version", "3\n", 0, FALSE, 0, NULL},
};

START_TEST (test_plain)
{
  GByteArray *b = build_zip (torch_like, 3, FALSE, NULL);
  GError *error = NULL;
  guint8 *copy;
  Vgg19Zip *zip = open_copy (b->data, b->len, &copy, &error);

  ck_assert_msg (zip != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (vgg19_zip_n_entries (zip), 3);
  ck_assert_str_eq (vgg19_zip_get (zip, 0)->name, "archive/data.pkl");
  ck_assert_str_eq (vgg19_zip_get (zip, 2)->name, "archive/version");
  ck_assert_ptr_null (vgg19_zip_get (zip, 3));
  assert_entry (zip, "archive/data.pkl", "\x80\x02}q\x00.");
  assert_entry (zip, "archive/data/0", "0123456789abcdef");
  assert_entry (zip, "archive/version", "3\n");
  /* The local padding is skipped: data starts after it. */
  ck_assert_uint_eq (vgg19_zip_lookup (zip, "archive/data/0")->data_offset,
      vgg19_zip_lookup (zip, "archive/data/0")->local_header_offset + 30 +
      strlen ("archive/data/0") + 37);
  ck_assert_ptr_null (vgg19_zip_lookup (zip, "archive/data/1"));
  ck_assert_ptr_null (vgg19_zip_lookup (zip, "archive"));
  vgg19_zip_free (zip);
  g_free (copy);
  g_byte_array_unref (b);
}
END_TEST

START_TEST (test_comment)
{
  /* A comment that itself contains an end record signature: the real
   * record is the one whose comment reaches the end of the file. */
  GByteArray *b = build_zip (torch_like, 3, FALSE, "PK\005\006 comment");
  GError *error = NULL;
  guint8 *copy;
  Vgg19Zip *zip = open_copy (b->data, b->len, &copy, &error);

  ck_assert_msg (zip != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (vgg19_zip_n_entries (zip), 3);
  assert_entry (zip, "archive/version", "3\n");
  vgg19_zip_free (zip);
  g_free (copy);
  g_byte_array_unref (b);
}
END_TEST

START_TEST (test_zip64)
{
  Spec specs[3];
  GByteArray *b;
  GError *error = NULL;
  guint8 *copy;
  Vgg19Zip *zip;

  memcpy (specs, torch_like, sizeof specs);
  specs[1].zip64 = TRUE;
  specs[2].zip64 = TRUE;
  b = build_zip (specs, 3, TRUE, NULL);
  zip = open_copy (b->data, b->len, &copy, &error);
  ck_assert_msg (zip != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (vgg19_zip_n_entries (zip), 3);
  assert_entry (zip, "archive/data.pkl", "\x80\x02}q\x00.");
  assert_entry (zip, "archive/data/0", "0123456789abcdef");
  assert_entry (zip, "archive/version", "3\n");
  vgg19_zip_free (zip);
  g_free (copy);
  g_byte_array_unref (b);
}
END_TEST

START_TEST (test_empty_archive)
{
  GByteArray *b = build_zip (NULL, 0, FALSE, NULL);
  GError *error = NULL;
  guint8 *copy;
  Vgg19Zip *zip = open_copy (b->data, b->len, &copy, &error);

  ck_assert_uint_eq (b->len, 22);
  ck_assert_msg (zip != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (vgg19_zip_n_entries (zip), 0);
  vgg19_zip_free (zip);
  g_free (copy);
  g_byte_array_unref (b);
}
END_TEST

START_TEST (test_compressed_entry)
{
  Spec specs[2] = {
    {"a/data.pkl", "xyz", 8, FALSE, 0, NULL},
    {"a/version", "3", 0, FALSE, 0, NULL},
  };
  GByteArray *b = build_zip (specs, 2, FALSE, NULL);
  GError *error = NULL;
  guint8 *copy;
  Vgg19Zip *zip = open_copy (b->data, b->len, &copy, &error);
  const Vgg19ZipEntry *e;

  /* The archive opens; only reading the deflated entry fails. */
  ck_assert_msg (zip != NULL, "%s", error ? error->message : "");
  assert_entry (zip, "a/version", "3");
  e = vgg19_zip_lookup (zip, "a/data.pkl");
  ck_assert_uint_eq (e->method, 8);
  ck_assert_ptr_null (vgg19_zip_entry_data (zip, e, &error));
  ck_assert (g_error_matches (error, VGG19_ERROR, VGG19_ERROR_UNSUPPORTED));
  ck_assert_msg (strstr (error->message, "a/data.pkl") != NULL
      && strstr (error->message, "compressed") != NULL, "%s",
      error->message);
  g_error_free (error);
  vgg19_zip_free (zip);
  g_free (copy);
  g_byte_array_unref (b);
}
END_TEST

/* Opens @b, which must fail with a message containing @needle. */
static void
assert_open_fails (GByteArray * b, const char *needle)
{
  GError *error = NULL;
  guint8 *copy;
  Vgg19Zip *zip = open_copy (b->data, b->len, &copy, &error);

  ck_assert_msg (zip == NULL, "should fail with '%s'", needle);
  ck_assert (error != NULL && error->domain == VGG19_ERROR);
  ck_assert_msg (g_str_has_prefix (error->message, "test.zip: "), "%s",
      error->message);
  ck_assert_msg (strstr (error->message, needle) != NULL,
      "'%s' does not contain '%s'", error->message, needle);
  g_error_free (error);
  g_free (copy);
}

static void
set_u32 (GByteArray * b, gsize at, guint32 v)
{
  b->data[at] = v & 0xff;
  b->data[at + 1] = (v >> 8) & 0xff;
  b->data[at + 2] = (v >> 16) & 0xff;
  b->data[at + 3] = v >> 24;
}

static void
set_u16 (GByteArray * b, gsize at, guint v)
{
  b->data[at] = v & 0xff;
  b->data[at + 1] = (v >> 8) & 0xff;
}

START_TEST (test_damage)
{
  GByteArray *b;
  gsize eocd;
  Spec dup[2] = {
    {"a/x", "1", 0, FALSE, 0, NULL},
    {"a/x", "2", 0, FALSE, 0, NULL},
  };
  Spec renamed[1] = { {"a/x", "1", 0, FALSE, 0, "a/y"} };
  Spec nul[1] = { {"a/x", "1", 0, FALSE, 0, NULL} };

  b = g_byte_array_new ();
  put_str (b, "PK\003\004 not really a zip archive at all");
  assert_open_fails (b, "no zip end of central directory record");
  g_byte_array_unref (b);

  b = g_byte_array_new ();
  put_str (b, "PK\003\004");
  assert_open_fails (b, "not a zip archive");
  g_byte_array_unref (b);

  b = build_zip (dup, 2, FALSE, NULL);
  assert_open_fails (b, "'a/x' appears twice");
  g_byte_array_unref (b);

  b = build_zip (renamed, 1, FALSE, NULL);
  assert_open_fails (b, "has another name");
  g_byte_array_unref (b);

  /* A NUL in a central directory name. */
  b = build_zip (nul, 1, FALSE, NULL);
  b->data[b->len - 22 - 46 - 3 + 46 + 1] = 0;
  assert_open_fails (b, "NUL");
  g_byte_array_unref (b);

  /* The end record's fields, one by one. */
  b = build_zip (torch_like, 3, FALSE, NULL);
  eocd = b->len - 22;
  set_u32 (b, eocd + 16, b->len);       /* directory offset past the end */
  assert_open_fails (b, "does not end before its end record");
  g_byte_array_unref (b);

  b = build_zip (torch_like, 3, FALSE, NULL);
  eocd = b->len - 22;
  set_u16 (b, eocd + 8, 1000);
  set_u16 (b, eocd + 10, 1000);         /* more entries than fit */
  assert_open_fails (b, "1000 zip entries cannot fit");
  g_byte_array_unref (b);

  b = build_zip (torch_like, 3, FALSE, NULL);
  eocd = b->len - 22;
  set_u16 (b, eocd + 8, 2);
  set_u16 (b, eocd + 10, 2);            /* fewer entries than the bytes */
  assert_open_fails (b, "instead of");
  g_byte_array_unref (b);

  b = build_zip (torch_like, 3, FALSE, NULL);
  eocd = b->len - 22;
  set_u16 (b, eocd + 4, 1);             /* disk number */
  assert_open_fails (b, "multi-volume");
  g_byte_array_unref (b);

  b = build_zip (torch_like, 3, FALSE, NULL);
  eocd = b->len - 22;
  set_u16 (b, eocd + 20, 5);            /* comment runs past the end */
  assert_open_fails (b, "no zip end of central directory record");
  g_byte_array_unref (b);

  /* An entry whose data would run into the central directory. */
  b = build_zip (torch_like, 3, FALSE, NULL);
  {
    guint32 cd = b->data[b->len - 6] | (b->data[b->len - 5] << 8);
    set_u32 (b, cd + 20, 1000);
    set_u32 (b, cd + 24, 1000);
  }
  assert_open_fails (b, "truncated: zip entry 'archive/data.pkl' needs 1000");
  g_byte_array_unref (b);

  /* A local header offset pointing at garbage. */
  b = build_zip (torch_like, 3, FALSE, NULL);
  {
    guint32 cd = b->data[b->len - 6] | (b->data[b->len - 5] << 8);
    set_u32 (b, cd + 42, 3);
  }
  assert_open_fails (b, "no local header signature at offset 3");
  g_byte_array_unref (b);

  /* Saturated sizes without a zip64 extra field. */
  b = build_zip (torch_like, 3, FALSE, NULL);
  {
    guint32 cd = b->data[b->len - 6] | (b->data[b->len - 5] << 8);
    set_u32 (b, cd + 24, 0xffffffffu);
  }
  assert_open_fails (b, "no zip64 extra field");
  g_byte_array_unref (b);

  /* An extra field longer than the extra area. */
  {
    Spec z[1] = { {"a/x", "1", 0, TRUE, 0, NULL} };
    guint32 cd;

    b = build_zip (z, 1, FALSE, NULL);
    cd = b->data[b->len - 6] | (b->data[b->len - 5] << 8);
    set_u16 (b, cd + 46 + 3 + 8, 200);
    assert_open_fails (b, "claims 200 bytes");
    g_byte_array_unref (b);

    /* A zip64 field too short for the three values it must hold. */
    b = build_zip (z, 1, FALSE, NULL);
    set_u16 (b, cd + 46 + 3 + 8, 16);
    assert_open_fails (b, "too short");
    g_byte_array_unref (b);
  }

  /* A zip64 locator pointing past itself. */
  b = build_zip (torch_like, 3, TRUE, NULL);
  set_u32 (b, b->len - 22 - 20 + 8, b->len);
  assert_open_fails (b, "zip64 locator");
  g_byte_array_unref (b);

  /* A zip64 locator pointing at something else. */
  b = build_zip (torch_like, 3, TRUE, NULL);
  set_u32 (b, b->len - 22 - 20 + 8, 0);
  assert_open_fails (b, "no zip64 end of central directory record");
  g_byte_array_unref (b);

  /* More entries than supported. */
  b = build_zip (torch_like, 3, TRUE, NULL);
  {
    gsize rec = b->len - 22 - 20 - 56;
    set_u32 (b, rec + 24, (1u << 20) + 1);
    set_u32 (b, rec + 32, (1u << 20) + 1);
  }
  assert_open_fails (b, "more than the 1048576 supported");
  g_byte_array_unref (b);

  /* zip64 sizes near 2^64 must not wrap around. */
  b = build_zip (torch_like, 3, TRUE, NULL);
  {
    gsize rec = b->len - 22 - 20 - 56;
    set_u32 (b, rec + 40, 0xffffffffu);
    set_u32 (b, rec + 44, 0xffffffffu);
  }
  assert_open_fails (b, "does not end before its end record");
  g_byte_array_unref (b);
}
END_TEST

START_TEST (test_truncations)
{
  Spec specs[3];
  GByteArray *b;
  gsize len;
  int variant;

  memcpy (specs, torch_like, sizeof specs);
  for (variant = 0; variant < 2; variant++) {
    specs[1].zip64 = variant == 1;
    b = build_zip (specs, 3, variant == 1, NULL);
    for (len = 0; len < b->len; len++) {
      GError *error = NULL;
      guint8 *copy;
      Vgg19Zip *zip = open_copy (b->data, len, &copy, &error);

      REQUIRE (zip == NULL && error != NULL, "prefix of %zu bytes opened",
          len);
      g_error_free (error);
      g_free (copy);
    }
    g_byte_array_unref (b);
  }
}
END_TEST

/* Every byte replaced by a few values: an archive or an error, and every
 * entry of an archive that opens is readable within the buffer. */
START_TEST (test_corruptions)
{
  static const guint8 values[] = { 0x00, 0x01, 0x7f, 0x80, 0xff };
  Spec specs[3];
  GByteArray *b;
  gsize pos;
  guint v, i;
  int variant;

  memcpy (specs, torch_like, sizeof specs);
  for (variant = 0; variant < 2; variant++) {
    specs[1].zip64 = variant == 1;
    specs[2].zip64 = variant == 1;
    b = build_zip (specs, 3, variant == 1, "c");
    for (pos = 0; pos < b->len; pos++)
      for (v = 0; v < G_N_ELEMENTS (values); v++) {
        GError *error = NULL;
        guint8 *copy;
        Vgg19Zip *zip;
        guint8 saved = b->data[pos];

        b->data[pos] = values[v];
        zip = open_copy (b->data, b->len, &copy, &error);
        b->data[pos] = saved;
        REQUIRE ((zip == NULL) == (error != NULL), "result and error "
            "disagree");
        g_clear_error (&error);
        if (zip == NULL) {
          g_free (copy);
          continue;
        }
        for (i = 0; i < vgg19_zip_n_entries (zip); i++) {
          const Vgg19ZipEntry *e = vgg19_zip_get (zip, i);
          const guint8 *d = vgg19_zip_entry_data (zip, e, &error);
          volatile guint sum = 0;
          guint64 k;

          if (d == NULL) {
            g_clear_error (&error);
            continue;
          }
          for (k = 0; k < e->size; k++)
            sum += d[k];
        }
        vgg19_zip_free (zip);
        g_free (copy);
      }
    g_byte_array_unref (b);
  }
}
END_TEST

static Suite *
zip_suite (void)
{
  Suite *s = suite_create ("zip");
  TCase *tc = tcase_create ("read");

  tcase_add_test (tc, test_plain);
  tcase_add_test (tc, test_comment);
  tcase_add_test (tc, test_zip64);
  tcase_add_test (tc, test_empty_archive);
  tcase_add_test (tc, test_compressed_entry);
  tcase_add_test (tc, test_damage);
  tcase_add_test (tc, test_truncations);
  tcase_add_test (tc, test_corruptions);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (zip_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
