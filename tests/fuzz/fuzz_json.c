/* Fuzz target: the strict JSON parser of safetensors headers. The parsed
 * tree is walked and checked against what json.h promises (keys without
 * NUL, found by vgg19_json_object_get(), offsets within the text). */
#include <string.h>

#include "fuzz_common.h"
#include "json.h"

/* Offsets are reported from this base, as the safetensors reader does. */
#define BASE 8

static void
walk (const Vgg19JsonValue * v, gsize len, guint depth)
{
  guint i;

  FUZZ_CHECK (depth <= VGG19_JSON_MAX_DEPTH, "depth limit");
  FUZZ_CHECK (v->offset >= BASE && v->offset - BASE < len, "offset");
  FUZZ_CHECK (strcmp (vgg19_json_kind_name (v->kind), "?") != 0, "kind");
  switch (v->kind) {
    case VGG19_JSON_STRING:
      FUZZ_CHECK (v->string != NULL && v->string[v->string_len] == '\0',
          "string terminated");
      break;
    case VGG19_JSON_NUMBER:
      FUZZ_CHECK (!v->is_uint || v->number >= 0, "unsigned number");
      break;
    case VGG19_JSON_ARRAY:
      for (i = 0; i < v->n; i++)
        walk (v->items[i], len, depth + 1);
      break;
    case VGG19_JSON_OBJECT:
      for (i = 0; i < v->n; i++) {
        FUZZ_CHECK (v->keys[i] != NULL, "key");
        /* Keys are unique, so the lookup finds this very member. */
        FUZZ_CHECK (vgg19_json_object_get (v, v->keys[i]) == v->items[i],
            "key lookup");
        walk (v->items[i], len, depth + 1);
      }
      break;
    default:
      break;
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  GError *error = NULL;
  Vgg19JsonValue *v;

  v = vgg19_json_parse ((const char *) data, size, BASE, &error);
  if (v == NULL) {
    FUZZ_CHECK (error != NULL, "a failed parse sets an error");
    g_error_free (error);
    return 0;
  }
  walk (v, size, 0);
  vgg19_json_free (v);
  return 0;
}
