/* A minimal, strict pickle virtual machine for PyTorch state dicts.
 * Private to core/weights.
 *
 * It runs the binary opcodes of pickle protocols 2 to 4 (and the binary
 * ones of protocol 1 that protocol 2 still emits), builds plain values
 * (None, bools, ints, floats, strings, bytes, tuples, lists, dicts) and
 * knows only the few globals a state dict needs:
 *
 *   collections.OrderedDict            -> a dict
 *   torch._utils._rebuild_tensor       -> a tensor (storage, offset, size,
 *   torch._utils._rebuild_tensor_v2       stride, ...)
 *   torch._utils._rebuild_parameter    -> the tensor it wraps
 *   torch.<Type>Storage                -> a storage type, used only inside
 *                                         a persistent id
 *
 * Any other global is refused before anything is "called": nothing in a
 * pickle can run code or construct an arbitrary object here. Persistent
 * ids (BINPERSID) must be PyTorch's ('storage', type, key, location,
 * numel[, view]) tuples; each declares a storage, collected in a table
 * shared by all the pickles run with the same Vgg19Pickle so that a
 * format's reader can then say where each storage's bytes are.
 *
 * Every count is bounded by the bytes of the pickle: each value, stack
 * entry, memo entry and container item costs at least one opcode byte,
 * and lengths are checked against the bytes left before anything is read
 * or allocated. Time is bounded the same way: an opcode whose work does
 * not shrink the stack (REDUCE of OrderedDict over a list of pairs, a
 * lookup hashing a long memoized key) is charged for that work against
 * the same limit, so a small file cannot make the VM run for hours. The
 * VM is iterative, so deep nesting cannot overflow the C stack. Errors are VGG19_ERROR_FORMAT (VGG19_ERROR_UNSUPPORTED for a valid
 * but unsupported construct) and start with the file name and the offset.
 */
#ifndef VGG19_WEIGHTS_PICKLE_H
#define VGG19_WEIGHTS_PICKLE_H

#include <glib.h>

#include "tensor_file.h"

G_BEGIN_DECLS

/* Values, container items and memo entries one Vgg19Pickle may make (plus
 * the work charged, see above), and the deepest stack. A state dict needs
 * about 20 per tensor, so this allows some 100000 tensors while bounding
 * the memory a hostile pickle can claim (each entry costs at most a few
 * hundred bytes) and the time it can take, however large the file. */
#define VGG19_PICKLE_MAX_OBJECTS (1u << 21)

/* Bytes of key hashed or compared per unit charged against
 * VGG19_PICKLE_MAX_OBJECTS: a state dict's keys are far shorter, so they
 * cost one unit as before. */
#define VGG19_PICKLE_KEY_BYTES_PER_OBJECT 64

/* Longest storage key of a persistent id. PyTorch writes decimal numbers
 * ("0", "94372217880160"); a bound keeps each declaration cheap however
 * often a pickle repeats a memoized one. */
#define VGG19_PICKLE_MAX_STORAGE_KEY 256

typedef enum
{
  VGG19_PICKLE_NONE,
  VGG19_PICKLE_BOOL,
  VGG19_PICKLE_INT,
  VGG19_PICKLE_FLOAT,
  VGG19_PICKLE_STRING,          /* valid UTF-8 without NUL */
  VGG19_PICKLE_BYTES,
  VGG19_PICKLE_TUPLE,
  VGG19_PICKLE_LIST,
  VGG19_PICKLE_DICT,            /* dict and OrderedDict, in insertion order */
  VGG19_PICKLE_GLOBAL,          /* one of the allowed globals */
  VGG19_PICKLE_STORAGE,         /* from a persistent id */
  VGG19_PICKLE_TENSOR,
} Vgg19PickleKind;

typedef enum
{
  VGG19_PICKLE_GLOBAL_ORDERED_DICT,
  VGG19_PICKLE_GLOBAL_REBUILD_TENSOR,
  VGG19_PICKLE_GLOBAL_REBUILD_TENSOR_V2,
  VGG19_PICKLE_GLOBAL_REBUILD_PARAMETER,
  VGG19_PICKLE_GLOBAL_STORAGE_TYPE,
} Vgg19PickleGlobal;

/* A storage as a persistent id declares it; the format's reader fills in
 * @data and @n_bytes once it knows where the bytes are. */
typedef struct
{
  char *key;
  Vgg19DType dtype;
  guint64 n_elements;           /* as declared */
  guint64 n_bytes;              /* n_elements * element size */
  const guint8 *data;           /* NULL until located */
  gboolean located;
} Vgg19PickleStorage;

typedef struct _Vgg19PickleValue Vgg19PickleValue;

struct _Vgg19PickleValue
{
  Vgg19PickleKind kind;
  union
  {
    gboolean boolean;
    struct
    {
      gint64 value;
      /* Set when the integer does not fit 64 bits: its little-endian
       * two's complement bytes, as stored (e.g. the legacy magic). */
      const guint8 *big;
      gsize big_len;
    } integer;
    double real;
    struct
    {
      const char *data;         /* into the pickle; not NUL-terminated */
      gsize len;
    } string;                   /* STRING and BYTES */
    GPtrArray *items;           /* TUPLE and LIST */
    struct
    {
      GPtrArray *keys;
      GPtrArray *values;
      GHashTable *index;        /* key value -> position + 1; NULL
                                 * while the dict is empty */
    } dict;
    struct
    {
      Vgg19PickleGlobal what;
      const char *module;
      const char *name;
      Vgg19DType dtype;         /* storage types */
    } global;
    struct
    {
      Vgg19PickleStorage *root;
      guint64 offset;           /* a view's first element in @root */
      guint64 n_elements;       /* the view's length */
    } storage;
    struct
    {
      const Vgg19PickleValue *storage;
      guint64 offset;           /* in elements, within the storage */
      guint n_dims;
      guint64 shape[VGG19_TENSOR_MAX_DIMS];
      guint64 stride[VGG19_TENSOR_MAX_DIMS];
    } tensor;
  };
};

typedef struct _Vgg19Pickle Vgg19Pickle;

/* @file_name starts every message. */
Vgg19Pickle *vgg19_pickle_new (const char *file_name);

/* Frees every value and storage the pickles made. */
void vgg19_pickle_free (Vgg19Pickle * pickle);

/* Runs one pickle that starts at @data[*pos] and must end (STOP) within
 * @size bytes; *pos is then the byte after STOP. @what names the pickle in
 * messages ("system info pickle", "archive/data.pkl") and @base is added to
 * offsets in messages (where @data starts within the file). The value
 * lives as long as @pickle and may point into @data. */
const Vgg19PickleValue *vgg19_pickle_load (Vgg19Pickle * pickle,
    const char *what, const guint8 * data, gsize size, gsize * pos,
    guint64 base, GError ** error);

/* The storages declared so far, in order of first appearance. */
guint vgg19_pickle_n_storages (const Vgg19Pickle * pickle);
Vgg19PickleStorage *vgg19_pickle_get_storage (Vgg19Pickle * pickle,
    guint index);
Vgg19PickleStorage *vgg19_pickle_lookup_storage (Vgg19Pickle * pickle,
    const char *key);

/* The value of the string key @key in @dict, or NULL. */
const Vgg19PickleValue *vgg19_pickle_dict_get (const Vgg19PickleValue * dict,
    const char *key);

/* Number of entries of a dict, or items of a tuple or list. */
guint vgg19_pickle_len (const Vgg19PickleValue * value);

/* TRUE when @value is the string @s. */
gboolean vgg19_pickle_is_string (const Vgg19PickleValue * value,
    const char *s);

/* "None", "int", "str", "tuple", "tensor", ... for messages. */
const char *vgg19_pickle_kind_name (Vgg19PickleKind kind);

/* Appends the tensors of the state dict @root to @tensors (a GArray of
 * Vgg19RawTensor) in dict order. @root is the state dict itself or a
 * checkpoint dict whose "state_dict", "model_state_dict" or "model" entry
 * is one. Every storage the tensors use must have been located, and each
 * tensor must be contiguous and within its storage. */
gboolean vgg19_pickle_collect_tensors (Vgg19Pickle * pickle,
    const Vgg19PickleValue * root, GArray * tensors, GError ** error);

G_END_DECLS

#endif /* VGG19_WEIGHTS_PICKLE_H */
