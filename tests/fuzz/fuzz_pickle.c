/* Fuzz target: the pickle virtual machine alone. The input is run as a
 * sequence of pickles, as a legacy PyTorch file holds them; the bytes
 * after the last one serve, in order, as the data of the storages the
 * pickles declared, and the last value is then read as a state dict.
 * Every value is walked afterwards, so a dangling or cyclic value
 * would show. */
#include <string.h>

#include <vgg19/vgg19.h>

#include "fuzz_common.h"
#include "pickle.h"

/* More pickles than any format uses (a legacy file has five). */
#define MAX_PICKLES 8

static void
walk (const Vgg19PickleValue * root)
{
  /* Iterative with a visited set: a dict may contain itself. */
  GHashTable *seen = g_hash_table_new (NULL, NULL);
  GPtrArray *todo = g_ptr_array_new ();
  guint i;

  g_ptr_array_add (todo, (gpointer) root);
  while (todo->len > 0) {
    const Vgg19PickleValue *v = g_ptr_array_steal_index (todo,
        todo->len - 1);

    if (!g_hash_table_add (seen, (gpointer) v))
      continue;
    FUZZ_CHECK (strcmp (vgg19_pickle_kind_name (v->kind), "?") != 0,
        "value kind");
    switch (v->kind) {
      case VGG19_PICKLE_TUPLE:
      case VGG19_PICKLE_LIST:
        FUZZ_CHECK (vgg19_pickle_len (v) == v->items->len, "length");
        for (i = 0; i < v->items->len; i++)
          g_ptr_array_add (todo, g_ptr_array_index (v->items, i));
        break;
      case VGG19_PICKLE_DICT:
        FUZZ_CHECK (v->dict.keys->len == v->dict.values->len, "dict items");
        for (i = 0; i < v->dict.keys->len; i++) {
          const Vgg19PickleValue *k = g_ptr_array_index (v->dict.keys, i);

          g_ptr_array_add (todo, (gpointer) k);
          g_ptr_array_add (todo, g_ptr_array_index (v->dict.values, i));
          if (k->kind == VGG19_PICKLE_STRING && k->string.len < 256
              && memchr (k->string.data, '\0', k->string.len) == NULL) {
            char *s = g_strndup (k->string.data, k->string.len);

            FUZZ_CHECK (vgg19_pickle_dict_get (v, s) != NULL,
                "a string key is found");
            g_free (s);
          }
        }
        break;
      case VGG19_PICKLE_TENSOR:
        FUZZ_CHECK (v->tensor.n_dims <= VGG19_TENSOR_MAX_DIMS, "dims");
        g_ptr_array_add (todo, (gpointer) v->tensor.storage);
        break;
      case VGG19_PICKLE_STORAGE:
        FUZZ_CHECK (v->storage.root != NULL && v->storage.root->key != NULL,
            "storage");
        break;
      default:
        break;
    }
  }
  g_ptr_array_unref (todo);
  g_hash_table_destroy (seen);
}

static void
clear_tensor (gpointer p)
{
  g_free (((Vgg19RawTensor *) p)->name);
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  Vgg19Pickle *pickle = vgg19_pickle_new ("fuzz-input");
  const Vgg19PickleValue *last = NULL;
  GError *error = NULL;
  GArray *tensors;
  gsize pos = 0;
  guint i;

  for (i = 0; i < MAX_PICKLES && pos < size; i++) {
    gsize before = pos;
    const Vgg19PickleValue *v = vgg19_pickle_load (pickle, "pickle", data,
        size, &pos, 0, &error);

    if (v == NULL) {
      FUZZ_CHECK (error != NULL && pos == before, "failure leaves pos");
      g_clear_error (&error);
      break;
    }
    FUZZ_CHECK (pos > before && pos <= size, "pos advances within input");
    walk (v);
    last = v;
  }
  if (last == NULL) {
    vgg19_pickle_free (pickle);
    return 0;
  }

  for (i = 0; i < vgg19_pickle_n_storages (pickle); i++) {
    Vgg19PickleStorage *s = vgg19_pickle_get_storage (pickle, i);

    FUZZ_CHECK (vgg19_pickle_lookup_storage (pickle, s->key) == s,
        "storage lookup");
    if (s->n_bytes > size - pos)
      break;
    s->data = data + pos;
    s->located = TRUE;
    pos += s->n_bytes;
  }

  /* As the readers' arrays: the array owns the names. */
  tensors = g_array_new (FALSE, TRUE, sizeof (Vgg19RawTensor));
  g_array_set_clear_func (tensors, clear_tensor);
  if (vgg19_pickle_collect_tensors (pickle, last, tensors, &error)) {
    for (i = 0; i < tensors->len; i++) {
      Vgg19RawTensor *t = &g_array_index (tensors, Vgg19RawTensor, i);
      guint64 n_bytes = t->n_elements * vgg19_dtype_size (t->dtype);

      FUZZ_CHECK (t->data >= data && (size_t) (t->data - data) <= size
          && n_bytes <= size - (size_t) (t->data - data),
          "tensor within its storage");
    }
  } else {
    FUZZ_CHECK (error != NULL && tensors->len == 0, "failure is clean");
    g_clear_error (&error);
  }
  g_array_free (tensors, TRUE);
  vgg19_pickle_free (pickle);
  return 0;
}
