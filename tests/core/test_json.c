/* The strict JSON parser behind safetensors headers: what it accepts, how
 * it decodes it, and that everything outside RFC 8259 (or past its limits)
 * is an error, never a crash. */
#include <check.h>
#include <string.h>

#include <vgg19/vgg19.h>

#include "json.h"

static Vgg19JsonValue *
parse_ok (const char *text)
{
  GError *error = NULL;
  Vgg19JsonValue *v = vgg19_json_parse (text, strlen (text), 0, &error);

  ck_assert_msg (v != NULL, "'%s' should parse: %s", text,
      error ? error->message : "?");
  return v;
}

/* Parses @text, which must fail; returns the message. */
static char *
parse_error (const char *text, gsize len)
{
  GError *error = NULL;
  Vgg19JsonValue *v = vgg19_json_parse (text, len, 100, &error);
  char *message;

  ck_assert_msg (v == NULL, "'%.*s' should not parse", (int) len, text);
  ck_assert (error != NULL);
  ck_assert (g_error_matches (error, VGG19_ERROR, VGG19_ERROR_FORMAT));
  message = g_strdup (error->message);
  g_error_free (error);
  return message;
}

static void
assert_rejected (const char *text)
{
  g_free (parse_error (text, strlen (text)));
}

START_TEST (test_scalars)
{
  Vgg19JsonValue *v;

  v = parse_ok ("null");
  ck_assert_int_eq (v->kind, VGG19_JSON_NULL);
  vgg19_json_free (v);

  v = parse_ok (" true ");
  ck_assert_int_eq (v->kind, VGG19_JSON_BOOL);
  ck_assert (v->boolean);
  ck_assert_uint_eq (v->offset, 1);
  vgg19_json_free (v);

  v = parse_ok ("\t\r\nfalse\n");
  ck_assert_int_eq (v->kind, VGG19_JSON_BOOL);
  ck_assert (!v->boolean);
  vgg19_json_free (v);

  v = parse_ok ("0");
  ck_assert_int_eq (v->kind, VGG19_JSON_NUMBER);
  ck_assert (v->is_uint);
  ck_assert_uint_eq (v->uint, 0);
  vgg19_json_free (v);

  v = parse_ok ("18446744073709551615");
  ck_assert (v->is_uint);
  ck_assert (v->uint == G_MAXUINT64);
  vgg19_json_free (v);

  /* One more does not fit: still a number, no longer an exact integer. */
  v = parse_ok ("18446744073709551616");
  ck_assert_int_eq (v->kind, VGG19_JSON_NUMBER);
  ck_assert (!v->is_uint);
  ck_assert (v->number == 18446744073709551616.0);
  vgg19_json_free (v);

  v = parse_ok ("-12");
  ck_assert (!v->is_uint);
  ck_assert (v->number == -12.0);
  vgg19_json_free (v);

  v = parse_ok ("-0.5e+2");
  ck_assert (!v->is_uint);
  ck_assert (v->number == -50.0);
  vgg19_json_free (v);

  v = parse_ok ("3.0");
  ck_assert (!v->is_uint);
  ck_assert (v->number == 3.0);
  vgg19_json_free (v);

  v = parse_ok ("1E3");
  ck_assert (!v->is_uint);
  ck_assert (v->number == 1000.0);
  vgg19_json_free (v);

  v = parse_ok ("0.1");
  ck_assert (v->number == 0.1);
  vgg19_json_free (v);
}
END_TEST

START_TEST (test_strings)
{
  Vgg19JsonValue *v;

  v = parse_ok ("\"features.0.weight\"");
  ck_assert_int_eq (v->kind, VGG19_JSON_STRING);
  ck_assert_str_eq (v->string, "features.0.weight");
  ck_assert_uint_eq (v->string_len, 17);
  vgg19_json_free (v);

  v = parse_ok ("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"");
  ck_assert_str_eq (v->string, "a\"b\\c/d\b\f\n\r\t");
  vgg19_json_free (v);

  /* \u escapes: ASCII, two- and three-byte UTF-8, and a surrogate pair. */
  v = parse_ok ("\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\"");
  ck_assert_str_eq (v->string, "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
  vgg19_json_free (v);

  /* Raw UTF-8 passes through. */
  v = parse_ok ("\"caf\xc3\xa9\"");
  ck_assert_str_eq (v->string, "caf\xc3\xa9");
  vgg19_json_free (v);

  /* An escaped NUL is kept, and counted. */
  v = parse_ok ("\"a\\u0000b\"");
  ck_assert_uint_eq (v->string_len, 3);
  ck_assert (memcmp (v->string, "a\0b", 3) == 0);
  vgg19_json_free (v);

  v = parse_ok ("\"\"");
  ck_assert_uint_eq (v->string_len, 0);
  ck_assert_str_eq (v->string, "");
  vgg19_json_free (v);
}
END_TEST

START_TEST (test_containers)
{
  Vgg19JsonValue *v;
  const Vgg19JsonValue *t, *shape;

  v = parse_ok ("{\"w\": {\"dtype\": \"F32\", \"shape\": [64, 3, 3, 3], "
      "\"data_offsets\": [0, 6912]}, \"__metadata__\": {\"format\": \"pt\"}, "
      "\"e\": [], \"o\": {}}");
  ck_assert_int_eq (v->kind, VGG19_JSON_OBJECT);
  ck_assert_uint_eq (v->n, 4);
  ck_assert_str_eq (v->keys[0], "w");
  ck_assert_str_eq (v->keys[1], "__metadata__");
  ck_assert_str_eq (v->keys[3], "o");
  t = vgg19_json_object_get (v, "w");
  ck_assert_ptr_nonnull (t);
  ck_assert_str_eq (vgg19_json_object_get (t, "dtype")->string, "F32");
  shape = vgg19_json_object_get (t, "shape");
  ck_assert_int_eq (shape->kind, VGG19_JSON_ARRAY);
  ck_assert_uint_eq (shape->n, 4);
  ck_assert_uint_eq (shape->items[0]->uint, 64);
  ck_assert_uint_eq (shape->items[3]->uint, 3);
  ck_assert_uint_eq (vgg19_json_object_get (t,
          "data_offsets")->items[1]->uint, 6912);
  ck_assert_uint_eq (vgg19_json_object_get (v, "e")->n, 0);
  ck_assert_int_eq (vgg19_json_object_get (v, "o")->kind, VGG19_JSON_OBJECT);
  ck_assert_ptr_null (vgg19_json_object_get (v, "missing"));
  ck_assert_ptr_null (vgg19_json_object_get (shape, "w"));
  vgg19_json_free (v);

  v = parse_ok ("[1, [2, [3, null]], {\"a\": [true]}]");
  ck_assert_uint_eq (v->n, 3);
  ck_assert_uint_eq (v->items[1]->items[1]->items[0]->uint, 3);
  ck_assert_int_eq (v->items[1]->items[1]->items[1]->kind, VGG19_JSON_NULL);
  vgg19_json_free (v);
}
END_TEST

START_TEST (test_depth_limit)
{
  GString *s = g_string_new (NULL);
  Vgg19JsonValue *v;
  char *message;
  guint i;

  /* Exactly at the limit parses. */
  for (i = 0; i < VGG19_JSON_MAX_DEPTH + 1; i++)
    g_string_append_c (s, '[');
  for (i = 0; i < VGG19_JSON_MAX_DEPTH + 1; i++)
    g_string_append_c (s, ']');
  v = parse_ok (s->str);
  vgg19_json_free (v);

  /* A million brackets: refused, not a stack overflow. */
  g_string_truncate (s, 0);
  for (i = 0; i < 1000000; i++)
    g_string_append_c (s, '[');
  message = parse_error (s->str, s->len);
  ck_assert_msg (strstr (message, "nested too deeply") != NULL, "%s",
      message);
  g_free (message);

  /* Flat, but too many values. */
  g_string_assign (s, "[");
  for (i = 0; i < VGG19_JSON_MAX_VALUES; i++)
    g_string_append (s, "0,");
  g_string_append (s, "0]");
  message = parse_error (s->str, s->len);
  ck_assert_msg (strstr (message, "too many values") != NULL, "%s",
      message);
  g_free (message);

  /* One fewer fits. */
  g_string_assign (s, "[");
  for (i = 0; i < VGG19_JSON_MAX_VALUES - 2; i++)
    g_string_append (s, "0,");
  g_string_append (s, "0]");
  v = parse_ok (s->str);
  ck_assert_uint_eq (v->n, VGG19_JSON_MAX_VALUES - 1);
  vgg19_json_free (v);
  g_string_free (s, TRUE);
}
END_TEST

START_TEST (test_rejects)
{
  static const char *const bad[] = {
    "", " ", "{", "}", "[", "]", "[1,]", "[,1]", "{\"a\":1,}", "{,}",
    "{\"a\" 1}", "{\"a\":}", "{1:2}", "{'a':1}", "[1 2]", "01", "-",
    "-01", "1.", ".5", "1e", "1e+", "+1", "0x10", "NaN", "Infinity",
    "tru", "nul", "True", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"",
    "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"a\tb\"",
    "\"a\nb\"", "\"\xff\"", "\"\xc3\"", "\"\xed\xa0\x80\"", "1 2",
    "{} {}", "[] x", "/* c */ 1", "{\"a\":1, \"a\":2}",
    "{\"a\\u0000\": 1}", "\"\x01\"",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_rejected (bad[i]);
}
END_TEST

START_TEST (test_messages)
{
  char *message;

  /* Offsets include the base (100 in parse_error). */
  message = parse_error ("[1, 2,, 3]", 10);
  ck_assert_msg (strstr (message, "offset 106") != NULL, "%s", message);
  ck_assert_msg (strstr (message, "expected a value") != NULL, "%s",
      message);
  g_free (message);

  message = parse_error ("{\"x\": 1, \"x\": 2}", 16);
  ck_assert_msg (strstr (message, "duplicate key \"x\"") != NULL, "%s",
      message);
  g_free (message);

  message = parse_error ("[1", 2);
  ck_assert_msg (strstr (message, "the end of the text") != NULL, "%s",
      message);
  g_free (message);
}
END_TEST

/* The text is only read within its length: no terminator needed, and a
 * valid prefix of a longer buffer parses on its own. */
START_TEST (test_length_bound)
{
  const char text[] = "{\"a\": [1, 2]}garbage";
  GError *error = NULL;
  char *copy;
  gsize n;
  Vgg19JsonValue *v = vgg19_json_parse (text, 13, 0, &error);

  ck_assert_ptr_nonnull (v);
  vgg19_json_free (v);

  /* Every strict prefix is an error, read from an exactly sized heap
   * buffer so that a read past the end is caught by the sanitizers. */
  for (n = 0; n < 13; n++) {
    copy = g_memdup2 (text, n ? n : 1);
    v = vgg19_json_parse (copy, n, 0, &error);
    ck_assert_ptr_null (v);
    ck_assert (error != NULL);
    g_clear_error (&error);
    g_free (copy);
  }
}
END_TEST

/* Every single-byte change of a header-like text: an error or a value,
 * never a crash or a leak. */
START_TEST (test_mutations)
{
  const char *text = "{\"w\": {\"dtype\": \"BF16\", \"shape\": [2, 3], "
      "\"data_offsets\": [0, 12]}, \"__metadata__\": {\"k\": \"\\u00e9\"}}";
  static const guint8 replacements[] = {
    0x00, '"', '\\', '{', '}', '[', ']', ',', ':', '0', '-', 'e', 0xc3, 0x80,
    ' ', 'u',
  };
  gsize len = strlen (text), pos;
  guint r;

  for (pos = 0; pos < len; pos++)
    for (r = 0; r < G_N_ELEMENTS (replacements); r++) {
      char *copy = g_memdup2 (text, len);
      GError *error = NULL;
      Vgg19JsonValue *v;

      copy[pos] = (char) replacements[r];
      v = vgg19_json_parse (copy, len, 0, &error);
      if ((v == NULL) != (error != NULL))
        ck_abort_msg ("result and error disagree");
      vgg19_json_free (v);
      g_clear_error (&error);
      g_free (copy);
    }
}
END_TEST

static Suite *
json_suite (void)
{
  Suite *s = suite_create ("json");
  TCase *tc = tcase_create ("parse");

  tcase_add_test (tc, test_scalars);
  tcase_add_test (tc, test_strings);
  tcase_add_test (tc, test_containers);
  tcase_add_test (tc, test_depth_limit);
  tcase_add_test (tc, test_rejects);
  tcase_add_test (tc, test_messages);
  tcase_add_test (tc, test_length_bound);
  tcase_add_test (tc, test_mutations);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (json_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
