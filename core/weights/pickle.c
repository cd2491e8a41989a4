/* A minimal, strict pickle virtual machine for PyTorch state dicts (see
 * pickle.h for what it accepts and why).
 *
 * Values are allocated from an arena owned by the Vgg19Pickle and freed all
 * together: the memo and DUP share values freely, and a hostile pickle can
 * even make a dict contain itself, which reference counting would leak. */
#include "pickle.h"

#include <stdarg.h>
#include <string.h>

#include <vgg19/vgg19.h>

#include "formats.h"

#define MAX_PROTOCOL 5
#define MAX_OBJECTS VGG19_PICKLE_MAX_OBJECTS
/* Longest module or class name of a GLOBAL opcode: far above any real
 * name, and keeps messages short. */
#define MAX_GLOBAL_NAME 256

/* The opcodes we run. */
enum
{
  OP_MARK = '(',
  OP_STOP = '.',
  OP_POP = '0',
  OP_POP_MARK = '1',
  OP_DUP = '2',
  OP_BINFLOAT = 'G',
  OP_BININT = 'J',
  OP_BININT1 = 'K',
  OP_BININT2 = 'M',
  OP_NONE = 'N',
  OP_BINPERSID = 'Q',
  OP_REDUCE = 'R',
  OP_BINSTRING = 'T',
  OP_SHORT_BINSTRING = 'U',
  OP_BINUNICODE = 'X',
  OP_APPEND = 'a',
  OP_BUILD = 'b',
  OP_GLOBAL = 'c',
  OP_DICT = 'd',
  OP_EMPTY_DICT = '}',
  OP_APPENDS = 'e',
  OP_BINGET = 'h',
  OP_LONG_BINGET = 'j',
  OP_LIST = 'l',
  OP_EMPTY_LIST = ']',
  OP_BINPUT = 'q',
  OP_LONG_BINPUT = 'r',
  OP_SETITEM = 's',
  OP_TUPLE = 't',
  OP_EMPTY_TUPLE = ')',
  OP_SETITEMS = 'u',
  OP_PROTO = 0x80,
  OP_TUPLE1 = 0x85,
  OP_TUPLE2 = 0x86,
  OP_TUPLE3 = 0x87,
  OP_NEWTRUE = 0x88,
  OP_NEWFALSE = 0x89,
  OP_LONG1 = 0x8a,
  OP_LONG4 = 0x8b,
  OP_BINBYTES = 'B',
  OP_SHORT_BINBYTES = 'C',
  OP_SHORT_BINUNICODE = 0x8c,
  OP_BINUNICODE8 = 0x8d,
  OP_BINBYTES8 = 0x8e,
  OP_STACK_GLOBAL = 0x93,
  OP_MEMOIZE = 0x94,
  OP_FRAME = 0x95,
};

struct _Vgg19Pickle
{
  char *file_name;
  GPtrArray *values;            /* owns every Vgg19PickleValue */
  GPtrArray *storages;          /* owns every Vgg19PickleStorage */
  GHashTable *storage_by_key;
  guint64 n_objects;            /* charged against MAX_OBJECTS */
};

typedef struct
{
  Vgg19Pickle *pickle;
  const char *what;
  const guint8 *data;
  gsize size;
  gsize pos;                    /* next byte to read */
  gsize op_pos;                 /* the current opcode, for messages */
  guint64 base;
  GPtrArray *stack;
  GArray *marks;                /* stack lengths at each MARK (guint) */
  GHashTable *memo;             /* index -> value */
  GError **error;
} Vm;

/* ------------------------------------------------------------------ */
/* Values                                                               */
/* ------------------------------------------------------------------ */

const char *
vgg19_pickle_kind_name (Vgg19PickleKind kind)
{
  switch (kind) {
    case VGG19_PICKLE_NONE:
      return "None";
    case VGG19_PICKLE_BOOL:
      return "bool";
    case VGG19_PICKLE_INT:
      return "int";
    case VGG19_PICKLE_FLOAT:
      return "float";
    case VGG19_PICKLE_STRING:
      return "str";
    case VGG19_PICKLE_BYTES:
      return "bytes";
    case VGG19_PICKLE_TUPLE:
      return "tuple";
    case VGG19_PICKLE_LIST:
      return "list";
    case VGG19_PICKLE_DICT:
      return "dict";
    case VGG19_PICKLE_GLOBAL:
      return "global";
    case VGG19_PICKLE_STORAGE:
      return "storage";
    case VGG19_PICKLE_TENSOR:
      return "tensor";
  }
  return "?";
}

static void
free_value (gpointer p)
{
  Vgg19PickleValue *v = p;

  switch (v->kind) {
    case VGG19_PICKLE_TUPLE:
    case VGG19_PICKLE_LIST:
      g_ptr_array_unref (v->items);
      break;
    case VGG19_PICKLE_DICT:
      g_ptr_array_unref (v->dict.keys);
      g_ptr_array_unref (v->dict.values);
      if (v->dict.index)
        g_hash_table_destroy (v->dict.index);
      break;
    default:
      break;
  }
  g_free (v);
}

static void
free_storage (gpointer p)
{
  Vgg19PickleStorage *s = p;

  g_free (s->key);
  g_free (s);
}

/* Python's dict semantics for the keys that matter here: equal strings,
 * equal bytes and equal ints (True == 1) are the same key; any other key
 * is compared by identity. */
static gboolean
small_int_of (const Vgg19PickleValue * v, gint64 * out)
{
  if (v->kind == VGG19_PICKLE_BOOL) {
    *out = v->boolean ? 1 : 0;
    return TRUE;
  }
  if (v->kind == VGG19_PICKLE_INT && v->integer.big == NULL) {
    *out = v->integer.value;
    return TRUE;
  }
  return FALSE;
}

static guint
hash_bytes (const void *p, gsize n)
{
  const guint8 *b = p;
  guint32 h = 2166136261u;
  gsize i;

  for (i = 0; i < n; i++)
    h = (h ^ b[i]) * 16777619u;
  return h;
}

static guint
value_hash (gconstpointer p)
{
  const Vgg19PickleValue *v = p;
  gint64 i;

  if (small_int_of (v, &i))
    return hash_bytes (&i, sizeof i);
  switch (v->kind) {
    case VGG19_PICKLE_STRING:
    case VGG19_PICKLE_BYTES:
      return hash_bytes (v->string.data, v->string.len) ^ v->kind;
    case VGG19_PICKLE_NONE:
      return 0x4e4f4e45;
    default:
      return g_direct_hash (p);
  }
}

static gboolean
value_equal (gconstpointer pa, gconstpointer pb)
{
  const Vgg19PickleValue *a = pa, *b = pb;
  gint64 ia, ib;

  if (a == b)
    return TRUE;
  if (small_int_of (a, &ia) && small_int_of (b, &ib))
    return ia == ib;
  if (a->kind != b->kind)
    return FALSE;
  switch (a->kind) {
    case VGG19_PICKLE_STRING:
    case VGG19_PICKLE_BYTES:
      return a->string.len == b->string.len
          && memcmp (a->string.data, b->string.data, a->string.len) == 0;
    case VGG19_PICKLE_NONE:
      return TRUE;
    default:
      return FALSE;
  }
}

static Vgg19PickleValue *
new_value (Vm * vm, Vgg19PickleKind kind)
{
  Vgg19PickleValue *v = g_new0 (Vgg19PickleValue, 1);

  v->kind = kind;
  switch (kind) {
    case VGG19_PICKLE_TUPLE:
    case VGG19_PICKLE_LIST:
      v->items = g_ptr_array_new ();
      break;
    case VGG19_PICKLE_DICT:
      /* The index is made with the first key: empty dicts are common
       * (backward hooks) and cheap this way. */
      v->dict.keys = g_ptr_array_new ();
      v->dict.values = g_ptr_array_new ();
      break;
    default:
      break;
  }
  g_ptr_array_add (vm->pickle->values, v);
  vm->pickle->n_objects++;
  return v;
}

guint
vgg19_pickle_len (const Vgg19PickleValue * value)
{
  switch (value->kind) {
    case VGG19_PICKLE_TUPLE:
    case VGG19_PICKLE_LIST:
      return value->items->len;
    case VGG19_PICKLE_DICT:
      return value->dict.keys->len;
    default:
      return 0;
  }
}

gboolean
vgg19_pickle_is_string (const Vgg19PickleValue * value, const char *s)
{
  gsize n = strlen (s);

  return value != NULL && value->kind == VGG19_PICKLE_STRING
      && value->string.len == n && memcmp (value->string.data, s, n) == 0;
}

const Vgg19PickleValue *
vgg19_pickle_dict_get (const Vgg19PickleValue * dict, const char *key)
{
  Vgg19PickleValue probe = { 0 };
  guint i;

  if (dict == NULL || dict->kind != VGG19_PICKLE_DICT
      || dict->dict.index == NULL)
    return NULL;
  probe.kind = VGG19_PICKLE_STRING;
  probe.string.data = key;
  probe.string.len = strlen (key);
  i = GPOINTER_TO_UINT (g_hash_table_lookup (dict->dict.index, &probe));
  return i ? g_ptr_array_index (dict->dict.values, i - 1) : NULL;
}

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

static gboolean G_GNUC_PRINTF (3, 4)
vm_fail (Vm * vm, int code, const char *format, ...)
{
  va_list args;
  char *message;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (vm->error, VGG19_ERROR, code,
      "%s: %s, opcode at offset %" G_GUINT64_FORMAT ": %s",
      vm->pickle->file_name, vm->what, vm->base + vm->op_pos, message);
  g_free (message);
  return FALSE;
}

static gboolean
vm_need (Vm * vm, guint64 n, const char *what)
{
  if (n > vm->size - vm->pos)
    return vm_fail (vm, VGG19_ERROR_FORMAT,
        "truncated: %s needs %" G_GUINT64_FORMAT " bytes at offset %"
        G_GUINT64_FORMAT ", only %" G_GSIZE_FORMAT " are left", what, n,
        vm->base + vm->pos, vm->size - vm->pos);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Reading operands                                                     */
/* ------------------------------------------------------------------ */

static gboolean
read_uint (Vm * vm, guint n_bytes, guint64 * out)
{
  guint64 v = 0;
  guint i;

  if (!vm_need (vm, n_bytes, "the operand"))
    return FALSE;
  for (i = 0; i < n_bytes; i++)
    v |= (guint64) vm->data[vm->pos + i] << (8 * i);
  vm->pos += n_bytes;
  *out = v;
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* The stack                                                            */
/* ------------------------------------------------------------------ */

static void
push (Vm * vm, const Vgg19PickleValue * v)
{
  g_ptr_array_add (vm->stack, (gpointer) v);
}

/* Values above the innermost MARK: the only ones an opcode may touch. */
static guint
n_available (Vm * vm)
{
  guint floor = vm->marks->len
      ? g_array_index (vm->marks, guint, vm->marks->len - 1) : 0;

  return vm->stack->len - floor;
}

static gboolean
require (Vm * vm, guint n)
{
  if (n_available (vm) < n)
    return vm_fail (vm, VGG19_ERROR_FORMAT,
        "stack underflow: the opcode needs %u values, %u are available", n,
        n_available (vm));
  return TRUE;
}

static Vgg19PickleValue *
pop (Vm * vm)
{
  return g_ptr_array_steal_index (vm->stack, vm->stack->len - 1);
}

static Vgg19PickleValue *
top (Vm * vm)
{
  return g_ptr_array_index (vm->stack, vm->stack->len - 1);
}

/* Moves the values above the innermost MARK into @into (appended) and
 * drops the mark. */
static gboolean
pop_mark (Vm * vm, GPtrArray * into)
{
  guint mark, i;

  if (vm->marks->len == 0)
    return vm_fail (vm, VGG19_ERROR_FORMAT, "no MARK on the stack");
  mark = g_array_index (vm->marks, guint, vm->marks->len - 1);
  g_array_set_size (vm->marks, vm->marks->len - 1);
  if (into)
    for (i = mark; i < vm->stack->len; i++)
      g_ptr_array_add (into, g_ptr_array_index (vm->stack, i));
  g_ptr_array_set_size (vm->stack, mark);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Containers                                                           */
/* ------------------------------------------------------------------ */

static gboolean
dict_set (Vm * vm, Vgg19PickleValue * dict, Vgg19PickleValue * key,
    Vgg19PickleValue * value)
{
  guint i;

  if (key->kind == VGG19_PICKLE_LIST || key->kind == VGG19_PICKLE_DICT)
    return vm_fail (vm, VGG19_ERROR_FORMAT, "a %s cannot be a dict key",
        vgg19_pickle_kind_name (key->kind));
  /* The lookup hashes (and may compare) the whole key: a long memoized
   * key set again and again would otherwise cost time quadratic in the
   * file's size. */
  if (key->kind == VGG19_PICKLE_STRING || key->kind == VGG19_PICKLE_BYTES)
    vm->pickle->n_objects +=
        key->string.len / VGG19_PICKLE_KEY_BYTES_PER_OBJECT;
  if (dict->dict.index == NULL)
    dict->dict.index = g_hash_table_new (value_hash, value_equal);
  i = GPOINTER_TO_UINT (g_hash_table_lookup (dict->dict.index, key));
  if (i) {
    /* Like Python: the first key stays, in its place; the value changes. */
    g_ptr_array_index (dict->dict.values, i - 1) = value;
    return TRUE;
  }
  g_ptr_array_add (dict->dict.keys, key);
  g_ptr_array_add (dict->dict.values, value);
  vm->pickle->n_objects++;
  g_hash_table_insert (dict->dict.index, key,
      GUINT_TO_POINTER (dict->dict.keys->len));
  return TRUE;
}

/* @items holds key, value, key, value... */
static gboolean
dict_set_items (Vm * vm, Vgg19PickleValue * dict, GPtrArray * items)
{
  guint i;

  if (dict->kind != VGG19_PICKLE_DICT)
    return vm_fail (vm, VGG19_ERROR_FORMAT, "setting items of a %s",
        vgg19_pickle_kind_name (dict->kind));
  if (items->len % 2 != 0)
    return vm_fail (vm, VGG19_ERROR_FORMAT,
        "odd number of values (%u) for dict items", items->len);
  for (i = 0; i < items->len; i += 2)
    if (!dict_set (vm, dict, g_ptr_array_index (items, i),
            g_ptr_array_index (items, i + 1)))
      return FALSE;
  return TRUE;
}

static void
extend (Vm * vm, GPtrArray * dst, GPtrArray * src)
{
  guint i;

  for (i = 0; i < src->len; i++)
    g_ptr_array_add (dst, g_ptr_array_index (src, i));
  vm->pickle->n_objects += src->len;
}

/* ------------------------------------------------------------------ */
/* Globals                                                              */
/* ------------------------------------------------------------------ */

typedef struct
{
  const char *module;
  const char *name;
  Vgg19PickleGlobal what;
  Vgg19DType dtype;
} AllowedGlobal;

static const AllowedGlobal allowed_globals[] = {
  {"collections", "OrderedDict", VGG19_PICKLE_GLOBAL_ORDERED_DICT, 0},
  {"torch._utils", "_rebuild_tensor", VGG19_PICKLE_GLOBAL_REBUILD_TENSOR, 0},
  {"torch._utils", "_rebuild_tensor_v2",
      VGG19_PICKLE_GLOBAL_REBUILD_TENSOR_V2, 0},
  {"torch._utils", "_rebuild_parameter",
      VGG19_PICKLE_GLOBAL_REBUILD_PARAMETER, 0},
  {"torch", "FloatStorage", VGG19_PICKLE_GLOBAL_STORAGE_TYPE,
      VGG19_DTYPE_F32},
  {"torch", "HalfStorage", VGG19_PICKLE_GLOBAL_STORAGE_TYPE, VGG19_DTYPE_F16},
  {"torch", "BFloat16Storage", VGG19_PICKLE_GLOBAL_STORAGE_TYPE,
      VGG19_DTYPE_BF16},
  {"torch", "DoubleStorage", VGG19_PICKLE_GLOBAL_STORAGE_TYPE,
      VGG19_DTYPE_F64},
  {"torch", "LongStorage", VGG19_PICKLE_GLOBAL_STORAGE_TYPE, VGG19_DTYPE_I64},
  {"torch", "IntStorage", VGG19_PICKLE_GLOBAL_STORAGE_TYPE, VGG19_DTYPE_I32},
  {"torch", "ShortStorage", VGG19_PICKLE_GLOBAL_STORAGE_TYPE,
      VGG19_DTYPE_I16},
  {"torch", "CharStorage", VGG19_PICKLE_GLOBAL_STORAGE_TYPE, VGG19_DTYPE_I8},
  {"torch", "ByteStorage", VGG19_PICKLE_GLOBAL_STORAGE_TYPE, VGG19_DTYPE_U8},
  {"torch", "BoolStorage", VGG19_PICKLE_GLOBAL_STORAGE_TYPE,
      VGG19_DTYPE_BOOL},
};

static gboolean
span_equals (const char *s, gsize n, const char *literal)
{
  return strlen (literal) == n && memcmp (s, literal, n) == 0;
}

static gboolean
push_global (Vm * vm, const char *module, gsize module_len, const char *name,
    gsize name_len)
{
  const char *lookup_module = module;
  gsize lookup_len = module_len;
  Vgg19PickleValue *v;
  guint i;

  /* Files saved from a GPU name the CUDA storage types; they hold the same
   * bytes as the CPU ones. */
  if (span_equals (module, module_len, "torch.cuda")) {
    lookup_module = "torch";
    lookup_len = 5;
  }
  for (i = 0; i < G_N_ELEMENTS (allowed_globals); i++) {
    const AllowedGlobal *g = &allowed_globals[i];

    if (!span_equals (lookup_module, lookup_len, g->module)
        || !span_equals (name, name_len, g->name))
      continue;
    if (lookup_module != module
        && g->what != VGG19_PICKLE_GLOBAL_STORAGE_TYPE)
      break;
    v = new_value (vm, VGG19_PICKLE_GLOBAL);
    v->global.what = g->what;
    v->global.module = g->module;
    v->global.name = g->name;
    v->global.dtype = g->dtype;
    push (vm, v);
    return TRUE;
  }
  return vm_fail (vm, VGG19_ERROR_FORMAT,
      "forbidden global '%.*s.%.*s': a weight file may only hold tensors, "
      "storages and dicts", (int) MIN (module_len, MAX_GLOBAL_NAME), module,
      (int) MIN (name_len, MAX_GLOBAL_NAME), name);
}

/* One newline-terminated line of a GLOBAL opcode. */
static gboolean
read_line (Vm * vm, const char **out, gsize * len)
{
  const guint8 *start = vm->data + vm->pos;
  gsize limit = MIN (vm->size - vm->pos, MAX_GLOBAL_NAME + 1);
  const guint8 *nl = memchr (start, '\n', limit);
  gsize i;

  if (nl == NULL) {
    if (limit == vm->size - vm->pos)
      return vm_need (vm, limit + 1, "the GLOBAL name");
    return vm_fail (vm, VGG19_ERROR_FORMAT,
        "GLOBAL name longer than %d bytes", MAX_GLOBAL_NAME);
  }
  for (i = 0; start + i < nl; i++)
    if (start[i] < 0x20 || start[i] >= 0x7f)
      return vm_fail (vm, VGG19_ERROR_FORMAT,
          "GLOBAL name has byte 0x%02x; expected printable ASCII", start[i]);
  *out = (const char *) start;
  *len = nl - start;
  vm->pos += *len + 1;
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Storages and tensors                                                 */
/* ------------------------------------------------------------------ */

/* A non-negative int that fits 64 bits. */
static gboolean
get_index (Vm * vm, const Vgg19PickleValue * v, const char *what,
    guint64 * out)
{
  if (v->kind != VGG19_PICKLE_INT)
    return vm_fail (vm, VGG19_ERROR_FORMAT, "%s is a %s, expected an int",
        what, vgg19_pickle_kind_name (v->kind));
  if (v->integer.big != NULL || v->integer.value < 0)
    return vm_fail (vm, VGG19_ERROR_FORMAT,
        "%s is out of range (negative or above 2^63)", what);
  *out = (guint64) v->integer.value;
  return TRUE;
}

static char *
dup_string (const Vgg19PickleValue * v)
{
  return g_strndup (v->string.data, v->string.len);
}

static Vgg19PickleStorage *
declare_storage (Vm * vm, const Vgg19PickleValue * key, Vgg19DType dtype,
    guint64 n_elements)
{
  Vgg19Pickle *p = vm->pickle;
  char *k = dup_string (key);
  Vgg19PickleStorage *s = g_hash_table_lookup (p->storage_by_key, k);
  guint64 n_bytes;

  if (s != NULL) {
    if (s->dtype != dtype || s->n_elements != n_elements) {
      vm_fail (vm, VGG19_ERROR_FORMAT,
          "storage '%s' declared again as %" G_GUINT64_FORMAT " %s "
          "elements, first as %" G_GUINT64_FORMAT " %s", k, n_elements,
          vgg19_dtype_name (dtype), s->n_elements,
          vgg19_dtype_name (s->dtype));
      s = NULL;
    }
    g_free (k);
    return s;
  }
  if (!g_uint64_checked_mul (&n_bytes, n_elements, vgg19_dtype_size (dtype))) {
    vm_fail (vm, VGG19_ERROR_FORMAT, "storage '%s' of %" G_GUINT64_FORMAT
        " elements is too large", k, n_elements);
    g_free (k);
    return NULL;
  }
  s = g_new0 (Vgg19PickleStorage, 1);
  s->key = k;
  s->dtype = dtype;
  s->n_elements = n_elements;
  s->n_bytes = n_bytes;
  g_ptr_array_add (p->storages, s);
  g_hash_table_insert (p->storage_by_key, s->key, s);
  return s;
}

/* PyTorch's persistent id of a storage:
 *   ('storage', storage_type, key, location, numel[, view_metadata])
 * where view_metadata, written by old versions, is None or
 * (view_key, offset, size) for a slice of the storage @key. */
static gboolean
persistent_load (Vm * vm, const Vgg19PickleValue * pid)
{
  const Vgg19PickleValue *type, *key, *location, *view = NULL;
  Vgg19PickleStorage *root;
  Vgg19PickleValue *v;
  guint64 n_elements, view_offset = 0, view_n, view_end;

  if (pid->kind != VGG19_PICKLE_TUPLE
      || (pid->items->len != 5 && pid->items->len != 6)
      || !vgg19_pickle_is_string (g_ptr_array_index (pid->items, 0),
          "storage"))
    return vm_fail (vm, VGG19_ERROR_FORMAT,
        "persistent id is not a ('storage', type, key, location, numel) "
        "tuple");
  type = g_ptr_array_index (pid->items, 1);
  key = g_ptr_array_index (pid->items, 2);
  location = g_ptr_array_index (pid->items, 3);
  if (pid->items->len == 6)
    view = g_ptr_array_index (pid->items, 5);
  if (type->kind != VGG19_PICKLE_GLOBAL
      || type->global.what != VGG19_PICKLE_GLOBAL_STORAGE_TYPE)
    return vm_fail (vm, VGG19_ERROR_FORMAT,
        "persistent id: the storage type is a %s, expected a torch storage "
        "class", vgg19_pickle_kind_name (type->kind));
  if (key->kind != VGG19_PICKLE_STRING || location->kind != VGG19_PICKLE_STRING)
    return vm_fail (vm, VGG19_ERROR_FORMAT,
        "persistent id: the storage key and location must be strings");
  if (key->string.len > VGG19_PICKLE_MAX_STORAGE_KEY)
    return vm_fail (vm, VGG19_ERROR_FORMAT,
        "persistent id: storage key of %" G_GSIZE_FORMAT " bytes, longer "
        "than %d", key->string.len, VGG19_PICKLE_MAX_STORAGE_KEY);
  if (!get_index (vm, g_ptr_array_index (pid->items, 4),
          "persistent id: the element count", &n_elements))
    return FALSE;

  root = declare_storage (vm, key, type->global.dtype, n_elements);
  if (root == NULL)
    return FALSE;
  view_n = n_elements;

  if (view != NULL && view->kind != VGG19_PICKLE_NONE) {
    if (view->kind != VGG19_PICKLE_TUPLE || view->items->len != 3
        || ((Vgg19PickleValue *) g_ptr_array_index (view->items,
                0))->kind != VGG19_PICKLE_STRING)
      return vm_fail (vm, VGG19_ERROR_FORMAT,
          "persistent id: the view is not a (key, offset, size) tuple");
    if (!get_index (vm, g_ptr_array_index (view->items, 1),
            "persistent id: the view offset", &view_offset)
        || !get_index (vm, g_ptr_array_index (view->items, 2),
            "persistent id: the view size", &view_n))
      return FALSE;
    if (!g_uint64_checked_add (&view_end, view_offset, view_n)
        || view_end > n_elements)
      return vm_fail (vm, VGG19_ERROR_FORMAT,
          "persistent id: view of %" G_GUINT64_FORMAT " elements at %"
          G_GUINT64_FORMAT " does not fit storage '%s' of %" G_GUINT64_FORMAT,
          view_n, view_offset, root->key, n_elements);
  }

  v = new_value (vm, VGG19_PICKLE_STORAGE);
  v->storage.root = root;
  v->storage.offset = view_offset;
  v->storage.n_elements = view_n;
  push (vm, v);
  return TRUE;
}

static gboolean
get_dims (Vm * vm, const Vgg19PickleValue * v, const char *what,
    guint64 * dims, guint * n_dims)
{
  guint i;

  if (v->kind != VGG19_PICKLE_TUPLE)
    return vm_fail (vm, VGG19_ERROR_FORMAT, "tensor %s is a %s, expected "
        "a tuple", what, vgg19_pickle_kind_name (v->kind));
  if (v->items->len > VGG19_TENSOR_MAX_DIMS)
    return vm_fail (vm, VGG19_ERROR_UNSUPPORTED, "tensor %s has %u "
        "dimensions, at most %d are supported", what, v->items->len,
        VGG19_TENSOR_MAX_DIMS);
  for (i = 0; i < v->items->len; i++)
    if (!get_index (vm, g_ptr_array_index (v->items, i), what, &dims[i]))
      return FALSE;
  *n_dims = v->items->len;
  return TRUE;
}

/* _rebuild_tensor(storage, offset, size, stride) and
 * _rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
 * backward_hooks[, metadata]). Shapes are checked against the storage
 * only for the tensors of the state dict (vgg19_pickle_collect_tensors):
 * the rest of a checkpoint is never read. */
static gboolean
rebuild_tensor (Vm * vm, Vgg19PickleGlobal what, GPtrArray * args)
{
  const Vgg19PickleValue *storage;
  Vgg19PickleValue *v;
  guint n_stride;

  if (what == VGG19_PICKLE_GLOBAL_REBUILD_TENSOR && args->len != 4)
    return vm_fail (vm, VGG19_ERROR_FORMAT,
        "_rebuild_tensor takes 4 arguments, got %u", args->len);
  if (what == VGG19_PICKLE_GLOBAL_REBUILD_TENSOR_V2
      && args->len != 6 && args->len != 7)
    return vm_fail (vm, VGG19_ERROR_FORMAT,
        "_rebuild_tensor_v2 takes 6 or 7 arguments, got %u", args->len);
  if (what == VGG19_PICKLE_GLOBAL_REBUILD_TENSOR_V2) {
    const Vgg19PickleValue *grad = g_ptr_array_index (args, 4);
    const Vgg19PickleValue *hooks = g_ptr_array_index (args, 5);

    if (grad->kind != VGG19_PICKLE_BOOL || hooks->kind != VGG19_PICKLE_DICT)
      return vm_fail (vm, VGG19_ERROR_FORMAT,
          "_rebuild_tensor_v2: requires_grad and backward_hooks are a %s "
          "and a %s, expected a bool and a dict",
          vgg19_pickle_kind_name (grad->kind),
          vgg19_pickle_kind_name (hooks->kind));
  }
  storage = g_ptr_array_index (args, 0);
  if (storage->kind != VGG19_PICKLE_STORAGE)
    return vm_fail (vm, VGG19_ERROR_FORMAT,
        "tensor storage is a %s, expected a storage",
        vgg19_pickle_kind_name (storage->kind));

  v = new_value (vm, VGG19_PICKLE_TENSOR);
  v->tensor.storage = storage;
  if (!get_index (vm, g_ptr_array_index (args, 1), "tensor offset",
          &v->tensor.offset)
      || !get_dims (vm, g_ptr_array_index (args, 2), "size",
          v->tensor.shape, &v->tensor.n_dims)
      || !get_dims (vm, g_ptr_array_index (args, 3), "stride",
          v->tensor.stride, &n_stride))
    return FALSE;
  if (n_stride != v->tensor.n_dims)
    return vm_fail (vm, VGG19_ERROR_FORMAT,
        "tensor has %u sizes but %u strides", v->tensor.n_dims, n_stride);
  push (vm, v);
  return TRUE;
}

/* collections.OrderedDict() or, as Python 2 pickled it,
 * OrderedDict([[key, value], ...]). */
static gboolean
make_ordered_dict (Vm * vm, GPtrArray * args)
{
  Vgg19PickleValue *dict = new_value (vm, VGG19_PICKLE_DICT);
  const Vgg19PickleValue *pairs;
  guint i;

  if (args->len > 1)
    return vm_fail (vm, VGG19_ERROR_FORMAT,
        "OrderedDict takes at most 1 argument, got %u", args->len);
  if (args->len == 1) {
    pairs = g_ptr_array_index (args, 0);
    if (pairs->kind != VGG19_PICKLE_LIST && pairs->kind != VGG19_PICKLE_TUPLE)
      return vm_fail (vm, VGG19_ERROR_FORMAT,
          "OrderedDict argument is a %s, expected a list of pairs",
          vgg19_pickle_kind_name (pairs->kind));
    /* Charged whether the keys are new or not: one REDUCE of a memoized
     * list would otherwise redo all this work for a few bytes. */
    vm->pickle->n_objects += pairs->items->len;
    if (vm->pickle->n_objects > MAX_OBJECTS)
      return vm_fail (vm, VGG19_ERROR_UNSUPPORTED,
          "more than %u objects: too large for a state dict", MAX_OBJECTS);
    for (i = 0; i < pairs->items->len; i++) {
      Vgg19PickleValue *pair = g_ptr_array_index (pairs->items, i);

      if ((pair->kind != VGG19_PICKLE_LIST && pair->kind != VGG19_PICKLE_TUPLE)
          || pair->items->len != 2)
        return vm_fail (vm, VGG19_ERROR_FORMAT,
            "OrderedDict item %u is not a (key, value) pair", i);
      if (!dict_set (vm, dict, g_ptr_array_index (pair->items, 0),
              g_ptr_array_index (pair->items, 1)))
        return FALSE;
    }
  }
  push (vm, dict);
  return TRUE;
}

static gboolean
reduce (Vm * vm)
{
  Vgg19PickleValue *args, *callable;
  const Vgg19PickleValue *data;

  if (!require (vm, 2))
    return FALSE;
  args = pop (vm);
  callable = pop (vm);
  if (callable->kind != VGG19_PICKLE_GLOBAL)
    return vm_fail (vm, VGG19_ERROR_FORMAT, "REDUCE calls a %s",
        vgg19_pickle_kind_name (callable->kind));
  if (args->kind != VGG19_PICKLE_TUPLE)
    return vm_fail (vm, VGG19_ERROR_FORMAT,
        "REDUCE arguments are a %s, expected a tuple",
        vgg19_pickle_kind_name (args->kind));

  switch (callable->global.what) {
    case VGG19_PICKLE_GLOBAL_ORDERED_DICT:
      return make_ordered_dict (vm, args->items);
    case VGG19_PICKLE_GLOBAL_REBUILD_TENSOR:
    case VGG19_PICKLE_GLOBAL_REBUILD_TENSOR_V2:
      return rebuild_tensor (vm, callable->global.what, args->items);
    case VGG19_PICKLE_GLOBAL_REBUILD_PARAMETER:
      /* _rebuild_parameter(data, requires_grad, backward_hooks): the
       * parameter is its data as far as the weights go. */
      if (args->items->len != 3)
        return vm_fail (vm, VGG19_ERROR_FORMAT,
            "_rebuild_parameter takes 3 arguments, got %u", args->items->len);
      data = g_ptr_array_index (args->items, 0);
      if (data->kind != VGG19_PICKLE_TENSOR)
        return vm_fail (vm, VGG19_ERROR_FORMAT,
            "_rebuild_parameter of a %s, expected a tensor",
            vgg19_pickle_kind_name (data->kind));
      push (vm, data);
      return TRUE;
    case VGG19_PICKLE_GLOBAL_STORAGE_TYPE:
    default:
      return vm_fail (vm, VGG19_ERROR_FORMAT, "%s.%s cannot be called",
          callable->global.module, callable->global.name);
  }
}

/* BUILD sets an object's state. The only object we build is a state
 * dict's OrderedDict, whose state is {'_metadata': ...}: module versions,
 * which the weights do not depend on, so it is dropped. */
static gboolean
build (Vm * vm)
{
  Vgg19PickleValue *state, *object;

  if (!require (vm, 2))
    return FALSE;
  state = pop (vm);
  object = top (vm);
  if (object->kind != VGG19_PICKLE_DICT)
    return vm_fail (vm, VGG19_ERROR_FORMAT, "BUILD of a %s is not supported",
        vgg19_pickle_kind_name (object->kind));
  if (state->kind != VGG19_PICKLE_DICT && state->kind != VGG19_PICKLE_NONE)
    return vm_fail (vm, VGG19_ERROR_FORMAT,
        "BUILD of a dict with a %s state, expected a dict",
        vgg19_pickle_kind_name (state->kind));
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Opcodes                                                              */
/* ------------------------------------------------------------------ */

static gboolean
push_int (Vm * vm, gint64 value)
{
  Vgg19PickleValue *v = new_value (vm, VGG19_PICKLE_INT);

  v->integer.value = value;
  push (vm, v);
  return TRUE;
}

/* LONG1 and LONG4: @n bytes of little-endian two's complement. */
static gboolean
push_long (Vm * vm, guint64 n)
{
  const guint8 *b;
  Vgg19PickleValue *v;
  guint64 u = 0;
  guint i;

  if (!vm_need (vm, n, "the integer"))
    return FALSE;
  b = vm->data + vm->pos;
  vm->pos += n;
  /* Drop sign bytes that repeat the next one's sign bit. */
  while (n > 1 && ((b[n - 1] == 0x00 && !(b[n - 2] & 0x80))
          || (b[n - 1] == 0xff && (b[n - 2] & 0x80))))
    n--;
  v = new_value (vm, VGG19_PICKLE_INT);
  if (n > 8) {
    v->integer.big = b;
    v->integer.big_len = n;
  } else if (n > 0) {
    for (i = 0; i < n; i++)
      u |= (guint64) b[i] << (8 * i);
    if (n < 8 && (b[n - 1] & 0x80))
      u |= G_MAXUINT64 << (8 * n);
    v->integer.value = (gint64) u;
  }
  push (vm, v);
  return TRUE;
}

static gboolean
push_string (Vm * vm, Vgg19PickleKind kind, guint64 len)
{
  Vgg19PickleValue *v;
  const char *s;

  if (!vm_need (vm, len, "the string"))
    return FALSE;
  s = (const char *) vm->data + vm->pos;
  if (kind == VGG19_PICKLE_STRING && !g_utf8_validate_len (s, len, NULL))
    return vm_fail (vm, VGG19_ERROR_FORMAT,
        "string of %" G_GUINT64_FORMAT " bytes is not valid UTF-8 or "
        "contains NUL", len);
  v = new_value (vm, kind);
  v->string.data = s;
  v->string.len = len;
  vm->pos += len;
  push (vm, v);
  return TRUE;
}

static gboolean
push_tuple_of (Vm * vm, guint n)
{
  Vgg19PickleValue *v;
  guint start;

  if (!require (vm, n))
    return FALSE;
  v = new_value (vm, VGG19_PICKLE_TUPLE);
  start = vm->stack->len - n;
  g_ptr_array_set_size (v->items, n);
  if (n)
    memcpy (v->items->pdata, vm->stack->pdata + start, n * sizeof (gpointer));
  g_ptr_array_set_size (vm->stack, start);
  push (vm, v);
  return TRUE;
}

static gboolean
memo_put (Vm * vm, guint64 index)
{
  if (!require (vm, 1))
    return FALSE;
  if (g_hash_table_insert (vm->memo, GUINT_TO_POINTER ((guint) index),
          top (vm)))
    vm->pickle->n_objects++;
  return TRUE;
}

static gboolean
memo_get (Vm * vm, guint64 index)
{
  gpointer v;

  if (!g_hash_table_lookup_extended (vm->memo, GUINT_TO_POINTER ((guint)
              index), NULL, &v))
    return vm_fail (vm, VGG19_ERROR_FORMAT, "memo entry %" G_GUINT64_FORMAT
        " was never set", index);
  push (vm, v);
  return TRUE;
}

/* Runs one opcode; sets *done at STOP. */
static gboolean
step (Vm * vm, const Vgg19PickleValue ** result, gboolean * done)
{
  Vgg19PickleValue *v, *w;
  GPtrArray *items;
  guint64 n;
  gint64 s;
  guint8 op;
  const char *module, *name;
  gsize module_len, name_len;
  gboolean ok;

  vm->op_pos = vm->pos;
  /* One opcode adds at most a stack's worth of objects, so checking
   * between opcodes bounds everything to about twice the limits. */
  if (vm->pickle->n_objects > MAX_OBJECTS || vm->stack->len > MAX_OBJECTS
      || vm->marks->len > MAX_OBJECTS)
    return vm_fail (vm, VGG19_ERROR_UNSUPPORTED,
        "more than %u objects: too large for a state dict", MAX_OBJECTS);
  op = vm->data[vm->pos++];

  switch (op) {
    case OP_PROTO:
      if (!read_uint (vm, 1, &n))
        return FALSE;
      if (n > MAX_PROTOCOL)
        return vm_fail (vm, VGG19_ERROR_UNSUPPORTED,
            "pickle protocol %u is not supported (at most %d)", (guint) n,
            MAX_PROTOCOL);
      return TRUE;
    case OP_FRAME:
      /* Frames only group opcodes for buffered reading. */
      if (!read_uint (vm, 8, &n))
        return FALSE;
      return vm_need (vm, n, "the frame");
    case OP_STOP:
      if (vm->marks->len != 0 || vm->stack->len != 1)
        return vm_fail (vm, VGG19_ERROR_FORMAT,
            "STOP with %u values and %u marks on the stack, expected one "
            "value", vm->stack->len, vm->marks->len);
      *result = pop (vm);
      *done = TRUE;
      return TRUE;

    case OP_MARK:
      {
        guint mark = vm->stack->len;

        g_array_append_val (vm->marks, mark);
      }
      return TRUE;
    case OP_POP:
      if (n_available (vm) > 0)
        pop (vm);
      else if (!pop_mark (vm, NULL))
        return FALSE;
      return TRUE;
    case OP_POP_MARK:
      return pop_mark (vm, NULL);
    case OP_DUP:
      if (!require (vm, 1))
        return FALSE;
      push (vm, top (vm));
      return TRUE;

    case OP_NONE:
      push (vm, new_value (vm, VGG19_PICKLE_NONE));
      return TRUE;
    case OP_NEWTRUE:
    case OP_NEWFALSE:
      v = new_value (vm, VGG19_PICKLE_BOOL);
      v->boolean = op == OP_NEWTRUE;
      push (vm, v);
      return TRUE;
    case OP_BININT:
      if (!read_uint (vm, 4, &n))
        return FALSE;
      return push_int (vm, (gint32) (guint32) n);
    case OP_BININT1:
      return read_uint (vm, 1, &n) && push_int (vm, (gint64) n);
    case OP_BININT2:
      return read_uint (vm, 2, &n) && push_int (vm, (gint64) n);
    case OP_LONG1:
      return read_uint (vm, 1, &n) && push_long (vm, n);
    case OP_LONG4:
      if (!read_uint (vm, 4, &n))
        return FALSE;
      s = (gint32) (guint32) n;
      if (s < 0)
        return vm_fail (vm, VGG19_ERROR_FORMAT, "LONG4 with negative length");
      return push_long (vm, (guint64) s);
    case OP_BINFLOAT:
      if (!vm_need (vm, 8, "the float"))
        return FALSE;
      {
        guint64 bits = 0;
        guint i;

        /* Big-endian, unlike everything else in a pickle. */
        for (i = 0; i < 8; i++)
          bits = (bits << 8) | vm->data[vm->pos + i];
        vm->pos += 8;
        v = new_value (vm, VGG19_PICKLE_FLOAT);
        memcpy (&v->real, &bits, sizeof v->real);
        push (vm, v);
      }
      return TRUE;

    case OP_SHORT_BINSTRING:
      return read_uint (vm, 1, &n) && push_string (vm, VGG19_PICKLE_STRING, n);
    case OP_BINSTRING:
      if (!read_uint (vm, 4, &n))
        return FALSE;
      if ((gint32) (guint32) n < 0)
        return vm_fail (vm, VGG19_ERROR_FORMAT,
            "BINSTRING with negative length");
      return push_string (vm, VGG19_PICKLE_STRING, n);
    case OP_SHORT_BINUNICODE:
      return read_uint (vm, 1, &n) && push_string (vm, VGG19_PICKLE_STRING, n);
    case OP_BINUNICODE:
      return read_uint (vm, 4, &n) && push_string (vm, VGG19_PICKLE_STRING, n);
    case OP_BINUNICODE8:
      return read_uint (vm, 8, &n) && push_string (vm, VGG19_PICKLE_STRING, n);
    case OP_SHORT_BINBYTES:
      return read_uint (vm, 1, &n) && push_string (vm, VGG19_PICKLE_BYTES, n);
    case OP_BINBYTES:
      return read_uint (vm, 4, &n) && push_string (vm, VGG19_PICKLE_BYTES, n);
    case OP_BINBYTES8:
      return read_uint (vm, 8, &n) && push_string (vm, VGG19_PICKLE_BYTES, n);

    case OP_EMPTY_TUPLE:
      return push_tuple_of (vm, 0);
    case OP_TUPLE1:
      return push_tuple_of (vm, 1);
    case OP_TUPLE2:
      return push_tuple_of (vm, 2);
    case OP_TUPLE3:
      return push_tuple_of (vm, 3);
    case OP_TUPLE:
      v = new_value (vm, VGG19_PICKLE_TUPLE);
      if (!pop_mark (vm, v->items))
        return FALSE;
      push (vm, v);
      return TRUE;
    case OP_EMPTY_LIST:
      push (vm, new_value (vm, VGG19_PICKLE_LIST));
      return TRUE;
    case OP_LIST:
      v = new_value (vm, VGG19_PICKLE_LIST);
      if (!pop_mark (vm, v->items))
        return FALSE;
      push (vm, v);
      return TRUE;
    case OP_APPEND:
      if (!require (vm, 2))
        return FALSE;
      w = pop (vm);
      v = top (vm);
      if (v->kind != VGG19_PICKLE_LIST)
        return vm_fail (vm, VGG19_ERROR_FORMAT, "APPEND to a %s",
            vgg19_pickle_kind_name (v->kind));
      g_ptr_array_add (v->items, w);
      vm->pickle->n_objects++;
      return TRUE;
    case OP_APPENDS:
      items = g_ptr_array_new ();
      ok = pop_mark (vm, items) && require (vm, 1);
      if (ok) {
        v = top (vm);
        if (v->kind == VGG19_PICKLE_LIST)
          extend (vm, v->items, items);
        else
          ok = vm_fail (vm, VGG19_ERROR_FORMAT, "APPENDS to a %s",
              vgg19_pickle_kind_name (v->kind));
      }
      g_ptr_array_unref (items);
      return ok;
    case OP_EMPTY_DICT:
      push (vm, new_value (vm, VGG19_PICKLE_DICT));
      return TRUE;
    case OP_DICT:
      items = g_ptr_array_new ();
      v = new_value (vm, VGG19_PICKLE_DICT);
      ok = pop_mark (vm, items) && dict_set_items (vm, v, items);
      if (ok)
        push (vm, v);
      g_ptr_array_unref (items);
      return ok;
    case OP_SETITEM:
      if (!require (vm, 3))
        return FALSE;
      w = pop (vm);
      v = pop (vm);
      if (top (vm)->kind != VGG19_PICKLE_DICT)
        return vm_fail (vm, VGG19_ERROR_FORMAT, "SETITEM on a %s",
            vgg19_pickle_kind_name (top (vm)->kind));
      return dict_set (vm, top (vm), v, w);
    case OP_SETITEMS:
      items = g_ptr_array_new ();
      ok = pop_mark (vm, items) && require (vm, 1)
          && dict_set_items (vm, top (vm), items);
      g_ptr_array_unref (items);
      return ok;

    case OP_BINPUT:
      return read_uint (vm, 1, &n) && memo_put (vm, n);
    case OP_LONG_BINPUT:
      return read_uint (vm, 4, &n) && memo_put (vm, n);
    case OP_MEMOIZE:
      return memo_put (vm, g_hash_table_size (vm->memo));
    case OP_BINGET:
      return read_uint (vm, 1, &n) && memo_get (vm, n);
    case OP_LONG_BINGET:
      return read_uint (vm, 4, &n) && memo_get (vm, n);

    case OP_GLOBAL:
      if (!read_line (vm, &module, &module_len)
          || !read_line (vm, &name, &name_len))
        return FALSE;
      return push_global (vm, module, module_len, name, name_len);
    case OP_STACK_GLOBAL:
      if (!require (vm, 2))
        return FALSE;
      w = pop (vm);
      v = pop (vm);
      if (v->kind != VGG19_PICKLE_STRING || w->kind != VGG19_PICKLE_STRING)
        return vm_fail (vm, VGG19_ERROR_FORMAT,
            "STACK_GLOBAL of a %s and a %s, expected two strings",
            vgg19_pickle_kind_name (v->kind),
            vgg19_pickle_kind_name (w->kind));
      return push_global (vm, v->string.data, v->string.len,
          w->string.data, w->string.len);
    case OP_REDUCE:
      return reduce (vm);
    case OP_BUILD:
      return build (vm);
    case OP_BINPERSID:
      if (!require (vm, 1))
        return FALSE;
      return persistent_load (vm, pop (vm));

    default:
      if (op >= 0x20 && op < 0x7f)
        return vm_fail (vm, VGG19_ERROR_FORMAT,
            "unsupported opcode 0x%02x ('%c')", op, op);
      return vm_fail (vm, VGG19_ERROR_FORMAT, "unsupported opcode 0x%02x",
          op);
  }
}

const Vgg19PickleValue *
vgg19_pickle_load (Vgg19Pickle * pickle, const char *what,
    const guint8 * data, gsize size, gsize * pos, guint64 base,
    GError ** error)
{
  Vm vm = { 0 };
  const Vgg19PickleValue *result = NULL;
  gboolean done = FALSE, ok = TRUE;

  g_return_val_if_fail (*pos <= size, NULL);

  vm.pickle = pickle;
  vm.what = what;
  vm.data = data;
  vm.size = size;
  vm.pos = *pos;
  vm.op_pos = *pos;
  vm.base = base;
  vm.error = error;
  vm.stack = g_ptr_array_new ();
  vm.marks = g_array_new (FALSE, FALSE, sizeof (guint));
  vm.memo = g_hash_table_new (g_direct_hash, g_direct_equal);

  while (ok && !done) {
    if (vm.pos >= vm.size) {
      vm.op_pos = vm.pos;
      ok = vm_fail (&vm, VGG19_ERROR_FORMAT,
          "truncated: the pickle ends without STOP");
      break;
    }
    ok = step (&vm, &result, &done);
  }

  g_ptr_array_unref (vm.stack);
  g_array_unref (vm.marks);
  g_hash_table_destroy (vm.memo);
  if (!ok)
    return NULL;
  *pos = vm.pos;
  return result;
}

/* ------------------------------------------------------------------ */
/* The pickle object and its storages                                   */
/* ------------------------------------------------------------------ */

Vgg19Pickle *
vgg19_pickle_new (const char *file_name)
{
  Vgg19Pickle *p = g_new0 (Vgg19Pickle, 1);

  p->file_name = g_strdup (file_name);
  p->values = g_ptr_array_new_with_free_func (free_value);
  p->storages = g_ptr_array_new_with_free_func (free_storage);
  p->storage_by_key = g_hash_table_new (g_str_hash, g_str_equal);
  return p;
}

void
vgg19_pickle_free (Vgg19Pickle * pickle)
{
  if (pickle == NULL)
    return;
  g_hash_table_destroy (pickle->storage_by_key);
  g_ptr_array_unref (pickle->storages);
  g_ptr_array_unref (pickle->values);
  g_free (pickle->file_name);
  g_free (pickle);
}

guint
vgg19_pickle_n_storages (const Vgg19Pickle * pickle)
{
  return pickle->storages->len;
}

Vgg19PickleStorage *
vgg19_pickle_get_storage (Vgg19Pickle * pickle, guint index)
{
  if (index >= pickle->storages->len)
    return NULL;
  return g_ptr_array_index (pickle->storages, index);
}

Vgg19PickleStorage *
vgg19_pickle_lookup_storage (Vgg19Pickle * pickle, const char *key)
{
  return g_hash_table_lookup (pickle->storage_by_key, key);
}

/* ------------------------------------------------------------------ */
/* From the state dict to raw tensors                                   */
/* ------------------------------------------------------------------ */

/* Checks that @t is a dense, row-major view of its storage and makes the
 * raw tensor. Size-1 dimensions may have any stride (torch gives them
 * arbitrary ones); an empty tensor is trivially contiguous. */
static gboolean
make_raw_tensor (Vgg19Pickle * p, const char *name,
    const Vgg19PickleValue * t, Vgg19RawTensor * raw, GError ** error)
{
  const Vgg19PickleValue *sv = t->tensor.storage;
  const Vgg19PickleStorage *s = sv->storage.root;
  guint64 n_elements, expected_stride = 1, end, first;
  guint i;
  int d;

  if (!vgg19_dtype_n_bytes (s->dtype, t->tensor.n_dims, t->tensor.shape,
          &n_elements, NULL)) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: tensor '%s' has more than 2^64 elements", p->file_name, name);
    return FALSE;
  }
  if (!s->located) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: tensor '%s': the data of storage '%s' is missing",
        p->file_name, name, s->key);
    return FALSE;
  }
  if (!g_uint64_checked_add (&end, t->tensor.offset, n_elements)
      || end > sv->storage.n_elements
      || (n_elements == 0 && t->tensor.offset > sv->storage.n_elements)) {
    char *shape = vgg19_shape_to_string (t->tensor.n_dims, t->tensor.shape);
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: tensor '%s' of shape %s at element %" G_GUINT64_FORMAT
        " does not fit its storage '%s' of %" G_GUINT64_FORMAT " elements",
        p->file_name, name, shape, t->tensor.offset, s->key,
        sv->storage.n_elements);
    g_free (shape);
    return FALSE;
  }
  if (n_elements > 0) {
    for (d = (int) t->tensor.n_dims - 1; d >= 0; d--) {
      if (t->tensor.shape[d] != 1 && t->tensor.stride[d] != expected_stride) {
        char *shape = vgg19_shape_to_string (t->tensor.n_dims,
            t->tensor.shape);
        char *stride = vgg19_shape_to_string (t->tensor.n_dims,
            t->tensor.stride);
        g_set_error (error, VGG19_ERROR, VGG19_ERROR_UNSUPPORTED,
            "%s: tensor '%s' is not contiguous (shape %s, stride %s); "
            "save it after .contiguous()", p->file_name, name, shape,
            stride);
        g_free (shape);
        g_free (stride);
        return FALSE;
      }
      /* Cannot overflow: bounded by n_elements. */
      expected_stride *= t->tensor.shape[d];
    }
  }

  memset (raw, 0, sizeof *raw);
  raw->name = g_strdup (name);
  raw->dtype = s->dtype;
  raw->n_dims = t->tensor.n_dims;
  for (i = 0; i < raw->n_dims; i++)
    raw->shape[i] = t->tensor.shape[i];
  raw->n_elements = n_elements;
  /* Within the located bytes: view and tensor bounds are checked above,
   * and the reader checked n_bytes = n_elements * size. */
  first = sv->storage.offset + t->tensor.offset;
  raw->data = s->data + first * vgg19_dtype_size (s->dtype);
  return TRUE;
}

/* The entries of checkpoint dicts that hold the model's state dict, as
 * common training scripts name them. */
static const char *const checkpoint_keys[] = {
  "state_dict", "model_state_dict", "model",
};

gboolean
vgg19_pickle_collect_tensors (Vgg19Pickle * pickle,
    const Vgg19PickleValue * root, GArray * tensors, GError ** error)
{
  const Vgg19PickleValue *dict = root;
  guint i, first = tensors->len;

  if (root->kind != VGG19_PICKLE_DICT) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: the file holds a %s, expected a dict of tensors (a state dict)",
        pickle->file_name, vgg19_pickle_kind_name (root->kind));
    return FALSE;
  }
  for (i = 0; i < G_N_ELEMENTS (checkpoint_keys); i++) {
    const Vgg19PickleValue *v = vgg19_pickle_dict_get (root,
        checkpoint_keys[i]);
    if (v != NULL && v->kind == VGG19_PICKLE_DICT) {
      dict = v;
      break;
    }
  }

  for (i = 0; i < dict->dict.keys->len; i++) {
    const Vgg19PickleValue *key = g_ptr_array_index (dict->dict.keys, i);
    const Vgg19PickleValue *value = g_ptr_array_index (dict->dict.values, i);
    Vgg19RawTensor raw;
    char *name;
    gboolean ok;

    if (key->kind != VGG19_PICKLE_STRING) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: state dict key %u is a %s, expected a string",
          pickle->file_name, i, vgg19_pickle_kind_name (key->kind));
      goto fail;
    }
    name = dup_string (key);
    if (value->kind != VGG19_PICKLE_TENSOR) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: state dict entry '%s' is a %s, expected a tensor",
          pickle->file_name, name, vgg19_pickle_kind_name (value->kind));
      g_free (name);
      goto fail;
    }
    ok = make_raw_tensor (pickle, name, value, &raw, error);
    g_free (name);
    if (!ok)
      goto fail;
    g_array_append_val (tensors, raw);
  }
  return TRUE;

fail:
  g_array_set_size (tensors, first);
  return FALSE;
}
