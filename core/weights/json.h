/* A small, strict JSON parser (RFC 8259), enough for safetensors headers.
 * Private to core/weights.
 *
 * Strict means: exactly one value, surrounded only by JSON whitespace; no
 * comments, trailing commas, leading zeros, control characters in strings
 * or invalid UTF-8; an object may not repeat a key. Nesting is limited to
 * VGG19_JSON_MAX_DEPTH levels so that the recursive descent cannot exhaust
 * the stack, and a text to VGG19_JSON_MAX_VALUES values. Errors are
 * VGG19_ERROR_FORMAT and give the byte offset.
 */
#ifndef VGG19_WEIGHTS_JSON_H
#define VGG19_WEIGHTS_JSON_H

#include <glib.h>

G_BEGIN_DECLS

#define VGG19_JSON_MAX_DEPTH 64
/* Most values one text may hold: bounds the memory a hostile text can
 * claim to some 100 MB (a safetensors header needs about 10 values per
 * tensor). */
#define VGG19_JSON_MAX_VALUES (1u << 20)

typedef enum
{
  VGG19_JSON_NULL,
  VGG19_JSON_BOOL,
  VGG19_JSON_NUMBER,
  VGG19_JSON_STRING,
  VGG19_JSON_ARRAY,
  VGG19_JSON_OBJECT,
} Vgg19JsonKind;

typedef struct _Vgg19JsonValue Vgg19JsonValue;

struct _Vgg19JsonValue
{
  Vgg19JsonKind kind;
  guint64 offset;               /* of the value's first byte, plus the
                                 * base given to the parser */
  gboolean boolean;             /* BOOL */
  double number;                /* NUMBER, as the nearest double */
  gboolean is_uint;             /* NUMBER written as a non-negative integer
                                 * that fits 64 bits: exact in @uint */
  guint64 uint;
  char *string;                 /* STRING: decoded, NUL-terminated; may
                                 * also contain NULs (\u0000) */
  gsize string_len;
  guint n;                      /* ARRAY items or OBJECT members */
  Vgg19JsonValue **items;       /* ARRAY items or OBJECT values */
  char **keys;                  /* OBJECT keys, in text order; never
                                 * contain NUL */
};

/* Parses @len bytes of @text. @base is added to the offsets in messages
 * and in the values (e.g. where the text starts within a file). */
Vgg19JsonValue *vgg19_json_parse (const char *text, gsize len, guint64 base,
    GError ** error);

void vgg19_json_free (Vgg19JsonValue * value);

/* The member @key of @object, or NULL (also when @object is not an
 * object). */
const Vgg19JsonValue *vgg19_json_object_get (const Vgg19JsonValue * object,
    const char *key);

/* "null", "boolean", "number", "string", "array" or "object". */
const char *vgg19_json_kind_name (Vgg19JsonKind kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Vgg19JsonValue, vgg19_json_free)

G_END_DECLS

#endif /* VGG19_WEIGHTS_JSON_H */
