/* A small, strict JSON parser: recursive descent over a length-delimited
 * buffer that is never read past @len and need not be NUL-terminated. */
#include "json.h"

#include <string.h>

#include <vgg19/vgg19.h>

typedef struct
{
  const char *text;
  gsize len;
  gsize pos;
  guint64 base;
  guint n_values;
  GError **error;
} Parser;

const char *
vgg19_json_kind_name (Vgg19JsonKind kind)
{
  switch (kind) {
    case VGG19_JSON_NULL:
      return "null";
    case VGG19_JSON_BOOL:
      return "boolean";
    case VGG19_JSON_NUMBER:
      return "number";
    case VGG19_JSON_STRING:
      return "string";
    case VGG19_JSON_ARRAY:
      return "array";
    case VGG19_JSON_OBJECT:
      return "object";
  }
  return "?";
}

void
vgg19_json_free (Vgg19JsonValue * value)
{
  guint i;

  if (value == NULL)
    return;
  for (i = 0; i < value->n; i++) {
    vgg19_json_free (value->items[i]);
    if (value->keys)
      g_free (value->keys[i]);
  }
  g_free (value->items);
  g_free (value->keys);
  g_free (value->string);
  g_free (value);
}

const Vgg19JsonValue *
vgg19_json_object_get (const Vgg19JsonValue * object, const char *key)
{
  guint i;

  if (object == NULL || object->kind != VGG19_JSON_OBJECT)
    return NULL;
  for (i = 0; i < object->n; i++)
    if (strcmp (object->keys[i], key) == 0)
      return object->items[i];
  return NULL;
}

/* Describes the byte at @pos for messages: 'x', byte 0xNN or the end. */
static char *
describe_at (const Parser * p, gsize pos)
{
  guchar c;

  if (pos >= p->len)
    return g_strdup ("the end of the text");
  c = (guchar) p->text[pos];
  if (c >= 0x20 && c < 0x7f)
    return g_strdup_printf ("'%c'", c);
  return g_strdup_printf ("byte 0x%02x", c);
}

static gboolean
fail_at (Parser * p, gsize pos, const char *expected)
{
  char *found = describe_at (p, pos);

  g_set_error (p->error, VGG19_ERROR, VGG19_ERROR_FORMAT,
      "JSON at offset %" G_GUINT64_FORMAT ": expected %s, found %s",
      p->base + pos, expected, found);
  g_free (found);
  return FALSE;
}

static gboolean
fail_msg (Parser * p, gsize pos, const char *message)
{
  g_set_error (p->error, VGG19_ERROR, VGG19_ERROR_FORMAT,
      "JSON at offset %" G_GUINT64_FORMAT ": %s", p->base + pos, message);
  return FALSE;
}

static void
skip_whitespace (Parser * p)
{
  while (p->pos < p->len) {
    char c = p->text[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
      break;
    p->pos++;
  }
}

static gboolean
match_literal (Parser * p, const char *literal)
{
  gsize n = strlen (literal);

  if (p->len - p->pos < n || memcmp (p->text + p->pos, literal, n) != 0)
    return FALSE;
  p->pos += n;
  return TRUE;
}

static int
hex_digit (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Four hex digits after "\u". */
static gboolean
parse_hex4 (Parser * p, gunichar * out)
{
  gunichar v = 0;
  guint i;

  if (p->len - p->pos < 4)
    return fail_at (p, p->len, "four hex digits after \\u");
  for (i = 0; i < 4; i++) {
    int d = hex_digit (p->text[p->pos + i]);
    if (d < 0)
      return fail_at (p, p->pos + i, "a hex digit in a \\u escape");
    v = (v << 4) | (gunichar) d;
  }
  p->pos += 4;
  *out = v;
  return TRUE;
}

/* An escape sequence; p->pos is just after the backslash. */
static gboolean
parse_escape (Parser * p, GString * out)
{
  gsize start = p->pos - 1;
  gunichar c, low;
  char e;

  if (p->pos >= p->len)
    return fail_at (p, p->pos, "an escape character");
  e = p->text[p->pos++];
  switch (e) {
    case '"':
    case '\\':
    case '/':
      g_string_append_c (out, e);
      return TRUE;
    case 'b':
      g_string_append_c (out, '\b');
      return TRUE;
    case 'f':
      g_string_append_c (out, '\f');
      return TRUE;
    case 'n':
      g_string_append_c (out, '\n');
      return TRUE;
    case 'r':
      g_string_append_c (out, '\r');
      return TRUE;
    case 't':
      g_string_append_c (out, '\t');
      return TRUE;
    case 'u':
      if (!parse_hex4 (p, &c))
        return FALSE;
      if (c >= 0xdc00 && c <= 0xdfff)
        return fail_msg (p, start, "lone low surrogate in a \\u escape");
      if (c >= 0xd800 && c <= 0xdbff) {
        /* A high surrogate must be followed by an escaped low one. */
        if (p->len - p->pos < 2 || p->text[p->pos] != '\\'
            || p->text[p->pos + 1] != 'u')
          return fail_msg (p, start, "high surrogate without a low one");
        p->pos += 2;
        if (!parse_hex4 (p, &low))
          return FALSE;
        if (low < 0xdc00 || low > 0xdfff)
          return fail_msg (p, start, "high surrogate without a low one");
        c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
      }
      if (c == 0)
        g_string_append_c (out, '\0');
      else
        g_string_append_unichar (out, c);
      return TRUE;
    default:
      return fail_at (p, p->pos - 1, "one of \" \\ / b f n r t u after \\");
  }
}

/* A string; p->pos is at the opening quote. */
static gboolean
parse_string (Parser * p, GString * out)
{
  p->pos++;
  for (;;) {
    gsize run = p->pos;
    const char *end;

    /* Copy the longest run of plain characters at once. */
    while (p->pos < p->len) {
      guchar c = (guchar) p->text[p->pos];
      if (c == '"' || c == '\\' || c < 0x20)
        break;
      p->pos++;
    }
    if (p->pos > run) {
      if (!g_utf8_validate_len (p->text + run, p->pos - run, &end))
        return fail_msg (p, end - p->text, "invalid UTF-8 in a string");
      g_string_append_len (out, p->text + run, p->pos - run);
    }
    if (p->pos >= p->len)
      return fail_at (p, p->pos, "the closing '\"' of a string");
    if (p->text[p->pos] == '"') {
      p->pos++;
      return TRUE;
    }
    if (p->text[p->pos] == '\\') {
      p->pos++;
      if (!parse_escape (p, out))
        return FALSE;
      continue;
    }
    return fail_msg (p, p->pos,
        "control character in a string (it must be escaped)");
  }
}

static gboolean
is_digit (Parser * p, gsize pos)
{
  return pos < p->len && p->text[pos] >= '0' && p->text[pos] <= '9';
}

static gboolean
parse_number (Parser * p, Vgg19JsonValue * v)
{
  gsize start = p->pos;
  gboolean negative = FALSE, integer = TRUE, fits = TRUE;
  guint64 u = 0;
  char *copy;

  if (p->text[p->pos] == '-') {
    negative = TRUE;
    p->pos++;
  }
  if (!is_digit (p, p->pos))
    return fail_at (p, p->pos, "a digit");
  if (p->text[p->pos] == '0') {
    p->pos++;
    if (is_digit (p, p->pos))
      return fail_msg (p, start, "number with a leading zero");
  } else {
    while (is_digit (p, p->pos)) {
      guint d = (guint) (p->text[p->pos] - '0');
      if (fits && (!g_uint64_checked_mul (&u, u, 10)
              || !g_uint64_checked_add (&u, u, d)))
        fits = FALSE;
      p->pos++;
    }
  }
  if (p->pos < p->len && p->text[p->pos] == '.') {
    integer = FALSE;
    p->pos++;
    if (!is_digit (p, p->pos))
      return fail_at (p, p->pos, "a digit after the decimal point");
    while (is_digit (p, p->pos))
      p->pos++;
  }
  if (p->pos < p->len && (p->text[p->pos] == 'e' || p->text[p->pos] == 'E')) {
    integer = FALSE;
    p->pos++;
    if (p->pos < p->len && (p->text[p->pos] == '+' || p->text[p->pos] == '-'))
      p->pos++;
    if (!is_digit (p, p->pos))
      return fail_at (p, p->pos, "a digit in the exponent");
    while (is_digit (p, p->pos))
      p->pos++;
  }

  v->kind = VGG19_JSON_NUMBER;
  v->is_uint = integer && !negative && fits;
  v->uint = v->is_uint ? u : 0;
  /* The grammar above accepts only what strtod reads, so this parses the
   * same token; the copy gives it a terminator. */
  copy = g_strndup (p->text + start, p->pos - start);
  v->number = g_ascii_strtod (copy, NULL);
  g_free (copy);
  return TRUE;
}

static Vgg19JsonValue *parse_value (Parser * p, guint depth);

static gboolean
parse_array (Parser * p, Vgg19JsonValue * v, guint depth)
{
  GPtrArray *items = g_ptr_array_new ();
  Vgg19JsonValue *item;

  v->kind = VGG19_JSON_ARRAY;
  p->pos++;
  skip_whitespace (p);
  if (p->pos < p->len && p->text[p->pos] == ']') {
    p->pos++;
    goto done;
  }
  for (;;) {
    item = parse_value (p, depth + 1);
    if (item == NULL)
      goto fail;
    g_ptr_array_add (items, item);
    skip_whitespace (p);
    if (p->pos < p->len && p->text[p->pos] == ',') {
      p->pos++;
      continue;
    }
    if (p->pos < p->len && p->text[p->pos] == ']') {
      p->pos++;
      break;
    }
    fail_at (p, p->pos, "',' or ']' in an array");
    goto fail;
  }
done:
  v->n = items->len;
  v->items = (Vgg19JsonValue **) g_ptr_array_free (items, FALSE);
  return TRUE;
fail:
  g_ptr_array_set_free_func (items, (GDestroyNotify) vgg19_json_free);
  g_ptr_array_free (items, TRUE);
  return FALSE;
}

static gboolean
parse_object (Parser * p, Vgg19JsonValue * v, guint depth)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *values =
      g_ptr_array_new_with_free_func ((GDestroyNotify) vgg19_json_free);
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  GString *key = NULL;
  Vgg19JsonValue *value;
  gsize key_pos;

  v->kind = VGG19_JSON_OBJECT;
  p->pos++;
  skip_whitespace (p);
  if (p->pos < p->len && p->text[p->pos] == '}') {
    p->pos++;
    goto done;
  }
  for (;;) {
    skip_whitespace (p);
    key_pos = p->pos;
    if (p->pos >= p->len || p->text[p->pos] != '"') {
      fail_at (p, p->pos, "a string key in an object");
      goto fail;
    }
    key = g_string_new (NULL);
    if (!parse_string (p, key))
      goto fail;
    if (memchr (key->str, '\0', key->len) != NULL) {
      fail_msg (p, key_pos, "object key contains a NUL character");
      goto fail;
    }
    if (g_hash_table_contains (seen, key->str)) {
      char *m = g_strdup_printf ("duplicate key \"%s\" in an object",
          key->str);
      fail_msg (p, key_pos, m);
      g_free (m);
      goto fail;
    }
    skip_whitespace (p);
    if (p->pos >= p->len || p->text[p->pos] != ':') {
      fail_at (p, p->pos, "':' after an object key");
      goto fail;
    }
    p->pos++;
    value = parse_value (p, depth + 1);
    if (value == NULL)
      goto fail;
    g_ptr_array_add (keys, g_string_free (key, FALSE));
    key = NULL;
    g_hash_table_add (seen, g_ptr_array_index (keys, keys->len - 1));
    g_ptr_array_add (values, value);
    skip_whitespace (p);
    if (p->pos < p->len && p->text[p->pos] == ',') {
      p->pos++;
      continue;
    }
    if (p->pos < p->len && p->text[p->pos] == '}') {
      p->pos++;
      break;
    }
    fail_at (p, p->pos, "',' or '}' in an object");
    goto fail;
  }
done:
  g_hash_table_destroy (seen);
  v->n = values->len;
  g_ptr_array_set_free_func (keys, NULL);
  g_ptr_array_set_free_func (values, NULL);
  v->keys = (char **) g_ptr_array_free (keys, FALSE);
  v->items = (Vgg19JsonValue **) g_ptr_array_free (values, FALSE);
  return TRUE;
fail:
  if (key)
    g_string_free (key, TRUE);
  g_hash_table_destroy (seen);
  g_ptr_array_free (keys, TRUE);
  g_ptr_array_free (values, TRUE);
  return FALSE;
}

static Vgg19JsonValue *
parse_value (Parser * p, guint depth)
{
  Vgg19JsonValue *v;
  GString *s;
  gboolean ok;
  char c;

  skip_whitespace (p);
  if (p->pos >= p->len) {
    fail_at (p, p->pos, "a value");
    return NULL;
  }
  if (depth > VGG19_JSON_MAX_DEPTH) {
    fail_msg (p, p->pos, "nested too deeply");
    return NULL;
  }
  if (++p->n_values > VGG19_JSON_MAX_VALUES) {
    fail_msg (p, p->pos, "too many values");
    return NULL;
  }

  v = g_new0 (Vgg19JsonValue, 1);
  v->offset = p->base + p->pos;
  c = p->text[p->pos];
  switch (c) {
    case '{':
      ok = parse_object (p, v, depth);
      break;
    case '[':
      ok = parse_array (p, v, depth);
      break;
    case '"':
      s = g_string_new (NULL);
      ok = parse_string (p, s);
      v->kind = VGG19_JSON_STRING;
      v->string_len = s->len;
      v->string = g_string_free (s, FALSE);
      break;
    case 't':
    case 'f':
    case 'n':
      ok = TRUE;
      if (match_literal (p, "true")) {
        v->kind = VGG19_JSON_BOOL;
        v->boolean = TRUE;
      } else if (match_literal (p, "false")) {
        v->kind = VGG19_JSON_BOOL;
      } else if (match_literal (p, "null")) {
        v->kind = VGG19_JSON_NULL;
      } else {
        ok = fail_at (p, p->pos, "true, false or null");
      }
      break;
    default:
      if (c == '-' || (c >= '0' && c <= '9'))
        ok = parse_number (p, v);
      else
        ok = fail_at (p, p->pos, "a value");
      break;
  }
  if (!ok) {
    vgg19_json_free (v);
    return NULL;
  }
  return v;
}

Vgg19JsonValue *
vgg19_json_parse (const char *text, gsize len, guint64 base, GError ** error)
{
  Parser p = { text, len, 0, base, 0, error };
  Vgg19JsonValue *v;

  g_return_val_if_fail (text != NULL || len == 0, NULL);

  if (text == NULL)
    p.text = "";
  v = parse_value (&p, 0);
  if (v == NULL)
    return NULL;
  skip_whitespace (&p);
  if (p.pos != p.len) {
    fail_at (&p, p.pos, "the end of the text after the value");
    vgg19_json_free (v);
    return NULL;
  }
  return v;
}
