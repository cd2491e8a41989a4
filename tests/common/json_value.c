/* Recursive-descent JSON reader; see json_value.h. */
#include "json_value.h"
#include "npy.h"                /* TEST_DATA_ERROR */

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct
{
  const char *text;
  gsize length;
  gsize pos;
  GError **error;
} Parser;

static TestJson *parse_value (Parser * p, guint depth);

static gboolean
syntax_error (Parser * p, const char *what)
{
  if (p->error != NULL && *p->error == NULL)
    g_set_error (p->error, TEST_DATA_ERROR, 0,
        "JSON syntax error at byte %" G_GSIZE_FORMAT ": %s", p->pos, what);
  return FALSE;
}

static void
skip_space (Parser * p)
{
  while (p->pos < p->length && (p->text[p->pos] == ' '
          || p->text[p->pos] == '\t' || p->text[p->pos] == '\n'
          || p->text[p->pos] == '\r'))
    p->pos++;
}

static gboolean
peek (Parser * p, char c)
{
  skip_space (p);
  return p->pos < p->length && p->text[p->pos] == c;
}

static gboolean
expect (Parser * p, char c)
{
  if (!peek (p, c)) {
    char what[32];
    g_snprintf (what, sizeof what, "expected '%c'", c);
    return syntax_error (p, what);
  }
  p->pos++;
  return TRUE;
}

static gboolean
literal (Parser * p, const char *word)
{
  gsize n = strlen (word);
  if (p->length - p->pos < n || memcmp (p->text + p->pos, word, n) != 0)
    return syntax_error (p, "unknown literal");
  p->pos += n;
  return TRUE;
}

static int
hex4 (Parser * p)
{
  int v = 0;
  if (p->length - p->pos < 4)
    return -1;
  for (int i = 0; i < 4; i++) {
    int d = g_ascii_xdigit_value (p->text[p->pos++]);
    if (d < 0)
      return -1;
    v = v * 16 + d;
  }
  return v;
}

static char *
parse_string (Parser * p)
{
  if (!expect (p, '"'))
    return NULL;
  GString *s = g_string_new (NULL);
  while (p->pos < p->length) {
    guchar c = p->text[p->pos++];
    if (c == '"') {
      if (!g_utf8_validate (s->str, s->len, NULL)) {
        syntax_error (p, "string is not UTF-8");
        break;
      }
      return g_string_free (s, FALSE);
    }
    if (c < 0x20) {
      syntax_error (p, "control character in string");
      break;
    }
    if (c != '\\') {
      g_string_append_c (s, c);
      continue;
    }
    if (p->pos >= p->length)
      break;
    c = p->text[p->pos++];
    switch (c) {
      case '"':
      case '\\':
      case '/':
        g_string_append_c (s, c);
        break;
      case 'b':
        g_string_append_c (s, '\b');
        break;
      case 'f':
        g_string_append_c (s, '\f');
        break;
      case 'n':
        g_string_append_c (s, '\n');
        break;
      case 'r':
        g_string_append_c (s, '\r');
        break;
      case 't':
        g_string_append_c (s, '\t');
        break;
      case 'u':{
        int cp = hex4 (p);
        if (cp >= 0xD800 && cp < 0xDC00) {
          /* a surrogate pair */
          int lo = -1;
          if (p->length - p->pos >= 2 && p->text[p->pos] == '\\'
              && p->text[p->pos + 1] == 'u') {
            p->pos += 2;
            lo = hex4 (p);
          }
          if (lo < 0xDC00 || lo > 0xDFFF)
            cp = -1;
          else
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = -1;
        }
        if (cp < 0) {
          syntax_error (p, "bad \\u escape");
          g_string_free (s, TRUE);
          return NULL;
        }
        g_string_append_unichar (s, cp);
        break;
      }
      default:
        syntax_error (p, "bad escape");
        g_string_free (s, TRUE);
        return NULL;
    }
  }
  syntax_error (p, "unterminated string");
  g_string_free (s, TRUE);
  return NULL;
}

static gboolean
parse_number (Parser * p, double *out)
{
  gsize start = p->pos;
  if (p->pos < p->length && p->text[p->pos] == '-')
    p->pos++;
  if (p->pos >= p->length || !g_ascii_isdigit (p->text[p->pos]))
    return syntax_error (p, "bad number");
  if (p->text[p->pos] == '0' && p->pos + 1 < p->length
      && g_ascii_isdigit (p->text[p->pos + 1]))
    return syntax_error (p, "number with a leading zero");
  while (p->pos < p->length && (g_ascii_isdigit (p->text[p->pos])
          || strchr (".eE+-", p->text[p->pos]) != NULL))
    p->pos++;
  g_autofree char *copy = g_strndup (p->text + start, p->pos - start);
  char *end;
  *out = g_ascii_strtod (copy, &end);
  if (*end != '\0') {
    p->pos = start;
    return syntax_error (p, "bad number");
  }
  return TRUE;
}

static TestJson *
new_value (TestJsonType type)
{
  TestJson *v = g_new0 (TestJson, 1);
  v->type = type;
  if (type == TEST_JSON_ARRAY || type == TEST_JSON_OBJECT)
    v->items = g_ptr_array_new_with_free_func ((GDestroyNotify)
        test_json_free);
  if (type == TEST_JSON_OBJECT)
    v->keys = g_ptr_array_new_with_free_func (g_free);
  return v;
}

static TestJson *
parse_container (Parser * p, guint depth, gboolean is_object)
{
  g_autoptr (TestJson) v =
      new_value (is_object ? TEST_JSON_OBJECT : TEST_JSON_ARRAY);
  char close = is_object ? '}' : ']';

  p->pos++;                     /* the opening bracket */
  if (peek (p, close)) {
    p->pos++;
    return g_steal_pointer (&v);
  }
  for (;;) {
    if (is_object) {
      skip_space (p);
      char *key = parse_string (p);
      if (key == NULL)
        return NULL;
      g_ptr_array_add (v->keys, key);
      if (!expect (p, ':'))
        return NULL;
    }
    TestJson *item = parse_value (p, depth + 1);
    if (item == NULL)
      return NULL;
    g_ptr_array_add (v->items, item);
    if (peek (p, ',')) {
      p->pos++;
      continue;
    }
    if (!expect (p, close))
      return NULL;
    return g_steal_pointer (&v);
  }
}

static TestJson *
parse_value (Parser * p, guint depth)
{
  if (depth > MAX_DEPTH) {
    syntax_error (p, "nested too deeply");
    return NULL;
  }
  skip_space (p);
  if (p->pos >= p->length) {
    syntax_error (p, "unexpected end");
    return NULL;
  }
  char c = p->text[p->pos];
  TestJson *v;
  switch (c) {
    case '{':
      return parse_container (p, depth, TRUE);
    case '[':
      return parse_container (p, depth, FALSE);
    case '"':{
      char *s = parse_string (p);
      if (s == NULL)
        return NULL;
      v = new_value (TEST_JSON_STRING);
      v->string = s;
      return v;
    }
    case 't':
    case 'f':
      if (!literal (p, c == 't' ? "true" : "false"))
        return NULL;
      v = new_value (TEST_JSON_BOOL);
      v->boolean = c == 't';
      return v;
    case 'n':
      if (!literal (p, "null"))
        return NULL;
      return new_value (TEST_JSON_NULL);
    default:{
      double d;
      if (!parse_number (p, &d))
        return NULL;
      v = new_value (TEST_JSON_NUMBER);
      v->number = d;
      return v;
    }
  }
}

TestJson *
test_json_parse (const char *text, gsize length, GError ** error)
{
  Parser p = { text, length, 0, error };
  TestJson *v = parse_value (&p, 0);
  if (v == NULL)
    return NULL;
  skip_space (&p);
  if (p.pos != p.length) {
    syntax_error (&p, "trailing characters");
    test_json_free (v);
    return NULL;
  }
  return v;
}

TestJson *
test_json_load (const char *path, GError ** error)
{
  g_autofree char *contents = NULL;
  gsize length;
  GError *local = NULL;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  TestJson *v = test_json_parse (contents, length, &local);
  if (v == NULL) {
    g_set_error (error, TEST_DATA_ERROR, 0, "%s: %s", path, local->message);
    g_error_free (local);
  }
  return v;
}

void
test_json_free (TestJson * json)
{
  if (json == NULL)
    return;
  g_free (json->string);
  if (json->items != NULL)
    g_ptr_array_unref (json->items);
  if (json->keys != NULL)
    g_ptr_array_unref (json->keys);
  g_free (json);
}

const TestJson *
test_json_member (const TestJson * json, const char *key)
{
  if (json == NULL || json->type != TEST_JSON_OBJECT)
    return NULL;
  for (guint i = 0; i < json->keys->len; i++)
    if (strcmp (g_ptr_array_index (json->keys, i), key) == 0)
      return g_ptr_array_index (json->items, i);
  return NULL;
}

const char *
test_json_member_string (const TestJson * json, const char *key)
{
  const TestJson *v = test_json_member (json, key);
  return v != NULL && v->type == TEST_JSON_STRING ? v->string : NULL;
}

gboolean
test_json_member_number (const TestJson * json, const char *key,
    double *out)
{
  const TestJson *v = test_json_member (json, key);
  if (v == NULL || v->type != TEST_JSON_NUMBER)
    return FALSE;
  *out = v->number;
  return TRUE;
}

guint
test_json_length (const TestJson * json)
{
  return json != NULL && json->items != NULL ? json->items->len : 0;
}
