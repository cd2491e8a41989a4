/* A small JSON reader for the manifest of the reference data: the whole
 * document becomes a tree of TestJson values. Strict (RFC 8259), with a
 * depth limit; strings are UTF-8 with \uXXXX escapes decoded. */
#ifndef VGG19_TEST_JSON_VALUE_H
#define VGG19_TEST_JSON_VALUE_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  TEST_JSON_NULL,
  TEST_JSON_BOOL,
  TEST_JSON_NUMBER,
  TEST_JSON_STRING,
  TEST_JSON_ARRAY,
  TEST_JSON_OBJECT,
} TestJsonType;

typedef struct _TestJson TestJson;

struct _TestJson
{
  TestJsonType type;
  gboolean boolean;
  double number;
  char *string;
  /* arrays: the items; objects: the values, in document order */
  GPtrArray *items;
  /* objects: the keys (char *), parallel to items */
  GPtrArray *keys;
};

/* Returns NULL with @error set (domain TEST_DATA_ERROR) on any syntax
 * error; the message gives the byte offset. */
TestJson *test_json_parse (const char *text, gsize length, GError ** error);

TestJson *test_json_load (const char *path, GError ** error);

void test_json_free (TestJson * json);

/* Member @key of an object, or NULL (also when @json is not an object). */
const TestJson *test_json_member (const TestJson * json, const char *key);

/* Typed member access: NULL / FALSE when missing or of another type. */
const char *test_json_member_string (const TestJson * json, const char *key);
gboolean test_json_member_number (const TestJson * json, const char *key,
    double *out);

guint test_json_length (const TestJson * json);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestJson, test_json_free)

G_END_DECLS

#endif /* VGG19_TEST_JSON_VALUE_H */
