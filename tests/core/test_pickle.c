/* The pickle virtual machine: opcodes and values on hand-built byte
 * strings, PyTorch's tensor and storage conventions, the refusal of any
 * other global, and robustness against truncated and corrupted input. */
#include <check.h>
#include <string.h>

#include <vgg19/vgg19.h>

#include "pickle.h"

/* ---------------------------------------------------------------- */
/* Writing pickles                                                   */
/* ---------------------------------------------------------------- */

typedef GByteArray Pk;

/* An assertion for loops run many thousand times: libcheck's ck_assert
 * records every passing check, which would dominate the run time. */
#define REQUIRE(expr, ...) \
  do { \
    if (!(expr)) \
      ck_abort_msg (__VA_ARGS__); \
  } while (0)

static void
put (Pk * p, const void *bytes, gsize n)
{
  g_byte_array_append (p, bytes, n);
}

static void
op (Pk * p, guint8 code)
{
  put (p, &code, 1);
}

static void
put_le (Pk * p, guint64 v, guint n)
{
  guint i;

  for (i = 0; i < n; i++) {
    guint8 b = (v >> (8 * i)) & 0xff;
    put (p, &b, 1);
  }
}

static Pk *
pk_new (void)
{
  Pk *p = g_byte_array_new ();

  op (p, 0x80);                 /* PROTO 2 */
  op (p, 2);
  return p;
}

static void
pk_int (Pk * p, guint64 v)
{
  if (v < 256) {
    op (p, 'K');
    put_le (p, v, 1);
  } else if (v < 65536) {
    op (p, 'M');
    put_le (p, v, 2);
  } else if (v < 0x80000000u) {
    op (p, 'J');
    put_le (p, v, 4);
  } else {
    op (p, 0x8a);
    op (p, 8);
    put_le (p, v, 8);
  }
}

/* BINUNICODE, as Python 3 writes strings at protocol 2. */
static void
pk_str (Pk * p, const char *s)
{
  op (p, 'X');
  put_le (p, strlen (s), 4);
  put (p, s, strlen (s));
}

/* SHORT_BINSTRING, as Python 2 writes its str. */
static void
pk_str2 (Pk * p, const char *s)
{
  op (p, 'U');
  put_le (p, strlen (s), 1);
  put (p, s, strlen (s));
}

static void
pk_global (Pk * p, const char *module, const char *name)
{
  op (p, 'c');
  put (p, module, strlen (module));
  op (p, '\n');
  put (p, name, strlen (name));
  op (p, '\n');
}

static void
pk_dims (Pk * p, guint n, const guint64 * dims)
{
  guint i;

  op (p, '(');
  for (i = 0; i < n; i++)
    pk_int (p, dims[i]);
  op (p, 't');
}

/* The persistent id of a storage, as torch writes it. */
static void
pk_storage (Pk * p, const char *type, const char *key, guint64 numel,
    gboolean legacy)
{
  op (p, '(');
  pk_str (p, "storage");
  pk_global (p, "torch", type);
  pk_str (p, key);
  pk_str (p, "cpu");
  pk_int (p, numel);
  if (legacy)
    op (p, 'N');
  op (p, 't');
  op (p, 'Q');
}

/* _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()) */
static void
pk_tensor_v2 (Pk * p, const char *type, const char *key, guint64 numel,
    guint64 offset, guint n_dims, const guint64 * shape,
    const guint64 * stride)
{
  pk_global (p, "torch._utils", "_rebuild_tensor_v2");
  op (p, '(');
  pk_storage (p, type, key, numel, FALSE);
  pk_int (p, offset);
  pk_dims (p, n_dims, shape);
  pk_dims (p, n_dims, stride);
  op (p, 0x89);
  pk_global (p, "collections", "OrderedDict");
  op (p, ')');
  op (p, 'R');
  op (p, 't');
  op (p, 'R');
}

static void
pk_ordered_dict (Pk * p)
{
  pk_global (p, "collections", "OrderedDict");
  op (p, ')');
  op (p, 'R');
}

/* ---------------------------------------------------------------- */
/* Running pickles                                                   */
/* ---------------------------------------------------------------- */

typedef struct
{
  Vgg19Pickle *pickle;
  guint8 *copy;                 /* exactly sized, for the sanitizers */
  const Vgg19PickleValue *value;
  GError *error;
  gsize end;
} Run;

static void
run (Run * r, const guint8 * data, gsize len)
{
  memset (r, 0, sizeof *r);
  r->pickle = vgg19_pickle_new ("test.pkl");
  r->copy = g_malloc (len ? len : 1);
  if (len)
    memcpy (r->copy, data, len);
  r->value = vgg19_pickle_load (r->pickle, "pickle", r->copy, len, &r->end,
      0, &r->error);
  REQUIRE ((r->value == NULL) == (r->error != NULL),
      "result and error disagree");
}

static void
run_clear (Run * r)
{
  g_clear_error (&r->error);
  vgg19_pickle_free (r->pickle);
  g_free (r->copy);
}

/* Runs @p followed by STOP and checks it succeeds. */
static void
run_ok (Run * r, Pk * p)
{
  op (p, '.');
  run (r, p->data, p->len);
  ck_assert_msg (r->value != NULL, "%s", r->error ? r->error->message : "");
  ck_assert_uint_eq (r->end, p->len);
}

/* Runs the bytes of @p, which must fail with @code and a message that
 * contains @needle. */
static void
assert_fails (Pk * p, int code, const char *needle)
{
  Run r;

  run (&r, p->data, p->len);
  ck_assert_msg (r.value == NULL, "should fail with '%s'", needle);
  ck_assert_msg (g_error_matches (r.error, VGG19_ERROR, code),
      "wrong code %d: %s", r.error->code, r.error->message);
  ck_assert_msg (g_str_has_prefix (r.error->message, "test.pkl: "), "%s",
      r.error->message);
  ck_assert_msg (strstr (r.error->message, needle) != NULL,
      "'%s' does not contain '%s'", r.error->message, needle);
  run_clear (&r);
}

static void
assert_fails_str (const char *bytes, gsize len, int code, const char *needle)
{
  Pk *p = g_byte_array_new ();

  put (p, bytes, len);
  assert_fails (p, code, needle);
  g_byte_array_unref (p);
}

#define FAILS(literal, code, needle) \
  assert_fails_str (literal, sizeof (literal) - 1, code, needle)

static gint64
small_int (const Vgg19PickleValue * v)
{
  ck_assert_int_eq (v->kind, VGG19_PICKLE_INT);
  ck_assert_ptr_null (v->integer.big);
  return v->integer.value;
}

static const Vgg19PickleValue *
item (const Vgg19PickleValue * v, guint i)
{
  ck_assert (v->kind == VGG19_PICKLE_TUPLE || v->kind == VGG19_PICKLE_LIST);
  ck_assert_uint_lt (i, v->items->len);
  return g_ptr_array_index (v->items, i);
}

/* ---------------------------------------------------------------- */
/* Values                                                            */
/* ---------------------------------------------------------------- */

START_TEST (test_integers)
{
  static const guint8 magic[] = {
    0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19
  };
  Pk *p = pk_new ();
  const Vgg19PickleValue *t;
  Run r;

  op (p, '(');
  op (p, 'K');                  /* 200 */
  op (p, 200);
  op (p, 'M');                  /* 1001 */
  put_le (p, 1001, 2);
  op (p, 'J');                  /* -2 */
  put_le (p, 0xfffffffe, 4);
  op (p, 0x8a);                 /* LONG1 of no bytes: 0 */
  op (p, 0);
  op (p, 0x8a);                 /* LONG1 0xff: -1 */
  op (p, 1);
  op (p, 0xff);
  op (p, 0x8a);                 /* LONG1 0x80 0x00: 128 */
  op (p, 2);
  op (p, 0x80);
  op (p, 0x00);
  op (p, 0x8a);                 /* 2^62 with redundant sign bytes */
  op (p, 11);
  put_le (p, G_GUINT64_CONSTANT (1) << 62, 8);
  put_le (p, 0, 3);
  op (p, 0x8a);                 /* the legacy magic: 80 bits */
  op (p, 10);
  put (p, magic, 10);
  op (p, 0x8b);                 /* LONG4 of 2 bytes: -32768 */
  put_le (p, 2, 4);
  op (p, 0x00);
  op (p, 0x80);
  op (p, 0x8a);                 /* LONG1 of 8 bytes: INT64_MIN */
  op (p, 8);
  put_le (p, G_GUINT64_CONSTANT (1) << 63, 8);
  op (p, 't');
  run_ok (&r, p);

  t = r.value;
  ck_assert_int_eq (t->kind, VGG19_PICKLE_TUPLE);
  ck_assert_uint_eq (vgg19_pickle_len (t), 10);
  ck_assert_int_eq (small_int (item (t, 0)), 200);
  ck_assert_int_eq (small_int (item (t, 1)), 1001);
  ck_assert_int_eq (small_int (item (t, 2)), -2);
  ck_assert_int_eq (small_int (item (t, 3)), 0);
  ck_assert_int_eq (small_int (item (t, 4)), -1);
  ck_assert_int_eq (small_int (item (t, 5)), 128);
  ck_assert_int_eq (small_int (item (t, 6)), G_GINT64_CONSTANT (1) << 62);
  ck_assert_ptr_nonnull (item (t, 7)->integer.big);
  ck_assert_uint_eq (item (t, 7)->integer.big_len, 10);
  ck_assert (memcmp (item (t, 7)->integer.big, magic, 10) == 0);
  ck_assert_int_eq (small_int (item (t, 8)), -32768);
  ck_assert (small_int (item (t, 9)) == G_MININT64);
  run_clear (&r);
  g_byte_array_unref (p);
}
END_TEST

START_TEST (test_scalars)
{
  Pk *p = pk_new ();
  const Vgg19PickleValue *t;
  static const guint8 one_and_half[] = {
    0x3f, 0xf8, 0, 0, 0, 0, 0, 0
  };
  Run r;

  op (p, '(');
  op (p, 'N');
  op (p, 0x88);
  op (p, 0x89);
  op (p, 'G');
  put (p, one_and_half, 8);
  op (p, 't');
  run_ok (&r, p);
  t = r.value;
  ck_assert_int_eq (item (t, 0)->kind, VGG19_PICKLE_NONE);
  ck_assert_int_eq (item (t, 1)->kind, VGG19_PICKLE_BOOL);
  ck_assert (item (t, 1)->boolean);
  ck_assert (!item (t, 2)->boolean);
  ck_assert_int_eq (item (t, 3)->kind, VGG19_PICKLE_FLOAT);
  ck_assert (item (t, 3)->real == 1.5);
  run_clear (&r);
  g_byte_array_unref (p);
}
END_TEST

START_TEST (test_strings)
{
  Pk *p = pk_new ();
  const Vgg19PickleValue *t;
  Run r;
  guint i;

  op (p, '(');
  pk_str (p, "features.0.weight");      /* BINUNICODE */
  pk_str2 (p, "py2 str");       /* SHORT_BINSTRING */
  op (p, 'T');                  /* BINSTRING */
  put_le (p, 3, 4);
  put (p, "abc", 3);
  op (p, 0x8c);                 /* SHORT_BINUNICODE */
  op (p, 2);
  put (p, "\xc3\xa9", 2);
  op (p, 0x8d);                 /* BINUNICODE8 */
  put_le (p, 1, 8);
  put (p, "z", 1);
  op (p, 'C');                  /* SHORT_BINBYTES, with a NUL */
  op (p, 2);
  put (p, "\0\xff", 2);
  op (p, 'B');                  /* BINBYTES */
  put_le (p, 0, 4);
  op (p, 0x8e);                 /* BINBYTES8 */
  put_le (p, 1, 8);
  put (p, "\x80", 1);
  op (p, 't');
  run_ok (&r, p);
  t = r.value;
  ck_assert (vgg19_pickle_is_string (item (t, 0), "features.0.weight"));
  ck_assert (vgg19_pickle_is_string (item (t, 1), "py2 str"));
  ck_assert (vgg19_pickle_is_string (item (t, 2), "abc"));
  ck_assert (vgg19_pickle_is_string (item (t, 3), "\xc3\xa9"));
  ck_assert (vgg19_pickle_is_string (item (t, 4), "z"));
  ck_assert (!vgg19_pickle_is_string (item (t, 4), "zz"));
  for (i = 5; i < 8; i++)
    ck_assert_int_eq (item (t, i)->kind, VGG19_PICKLE_BYTES);
  ck_assert_uint_eq (item (t, 5)->string.len, 2);
  ck_assert_uint_eq (item (t, 6)->string.len, 0);
  ck_assert (!vgg19_pickle_is_string (item (t, 5), "\0\xff"));
  run_clear (&r);
  g_byte_array_unref (p);

  /* Text must be UTF-8 without NUL; bytes need not be. */
  FAILS ("\x80\x02X\x02\x00\x00\x00\xc3(.", VGG19_ERROR_FORMAT,
      "not valid UTF-8");
  FAILS ("\x80\x02U\x03" "a\0b.", VGG19_ERROR_FORMAT, "not valid UTF-8");
  FAILS ("\x80\x02T\xff\xff\xff\xff.", VGG19_ERROR_FORMAT,
      "negative length");
  /* Lengths beyond the data, up to 2^64 - 1. */
  FAILS ("\x80\x02X\xff\xff\xff\x7f", VGG19_ERROR_FORMAT, "truncated");
  FAILS ("\x80\x02\x8d\xff\xff\xff\xff\xff\xff\xff\xff", VGG19_ERROR_FORMAT,
      "needs 18446744073709551615 bytes");
  FAILS ("\x80\x02\x8e\x00\x00\x00\x00\x00\x00\x00\x80xyz",
      VGG19_ERROR_FORMAT, "truncated");
}
END_TEST

START_TEST (test_containers)
{
  Pk *p = pk_new ();
  const Vgg19PickleValue *t, *l, *d, *d2;
  Run r;

  op (p, 0x95);                 /* FRAME: no effect */
  put_le (p, 3, 8);
  op (p, '(');
  /* [1, 2, 3, 4] from EMPTY_LIST, APPEND and APPENDS, memoized */
  op (p, ']');
  op (p, 'q');
  op (p, 0);
  pk_int (p, 1);
  op (p, 'a');
  op (p, '(');
  pk_int (p, 2);
  pk_int (p, 3);
  pk_int (p, 4);
  op (p, 'e');
  /* {'a': 1, 'b': 2} from SETITEM and SETITEMS */
  op (p, '}');
  pk_str (p, "a");
  pk_int (p, 1);
  op (p, 's');
  op (p, '(');
  pk_str (p, "b");
  pk_int (p, 2);
  op (p, 'u');
  /* the list again, from the memo (same object) */
  op (p, 'h');
  op (p, 0);
  /* LIST and DICT from a mark, TUPLE1..3, EMPTY_TUPLE */
  op (p, '(');
  pk_int (p, 7);
  op (p, 'l');
  op (p, '(');
  pk_int (p, 5);
  pk_str (p, "v");
  op (p, 'd');
  pk_int (p, 1);
  op (p, 0x85);
  pk_int (p, 1);
  pk_int (p, 2);
  op (p, 0x86);
  pk_int (p, 1);
  pk_int (p, 2);
  pk_int (p, 3);
  op (p, 0x87);
  op (p, ')');
  /* DUP then POP; MARK then POP (pops the mark); POP_MARK */
  op (p, 'N');
  op (p, '2');
  op (p, '0');
  op (p, '0');
  op (p, '(');
  op (p, '0');
  op (p, '(');
  pk_int (p, 9);
  pk_int (p, 9);
  op (p, '1');
  /* MEMOIZE (index 1) and LONG_BINPUT / LONG_BINGET */
  pk_str (p, "m");
  op (p, 0x94);
  op (p, 'r');
  put_le (p, 70000, 4);
  op (p, '0');
  op (p, 'j');
  put_le (p, 70000, 4);
  op (p, 'h');
  op (p, 1);
  op (p, 't');
  run_ok (&r, p);

  t = r.value;
  ck_assert_uint_eq (vgg19_pickle_len (t), 11);
  l = item (t, 0);
  ck_assert_int_eq (l->kind, VGG19_PICKLE_LIST);
  ck_assert_uint_eq (vgg19_pickle_len (l), 4);
  ck_assert_int_eq (small_int (item (l, 3)), 4);
  d = item (t, 1);
  ck_assert_int_eq (d->kind, VGG19_PICKLE_DICT);
  ck_assert_uint_eq (vgg19_pickle_len (d), 2);
  ck_assert_int_eq (small_int (vgg19_pickle_dict_get (d, "a")), 1);
  ck_assert_int_eq (small_int (vgg19_pickle_dict_get (d, "b")), 2);
  ck_assert_ptr_null (vgg19_pickle_dict_get (d, "c"));
  ck_assert_ptr_null (vgg19_pickle_dict_get (l, "a"));
  ck_assert_ptr_eq (item (t, 2), l);
  ck_assert_int_eq (item (t, 3)->kind, VGG19_PICKLE_LIST);
  ck_assert_int_eq (small_int (item (item (t, 3), 0)), 7);
  d2 = item (t, 4);
  ck_assert_int_eq (d2->kind, VGG19_PICKLE_DICT);
  ck_assert_uint_eq (vgg19_pickle_len (d2), 1);
  ck_assert_uint_eq (vgg19_pickle_len (item (t, 5)), 1);
  ck_assert_uint_eq (vgg19_pickle_len (item (t, 6)), 2);
  ck_assert_uint_eq (vgg19_pickle_len (item (t, 7)), 3);
  ck_assert_int_eq (small_int (item (item (t, 7), 2)), 3);
  ck_assert_uint_eq (vgg19_pickle_len (item (t, 8)), 0);
  ck_assert (vgg19_pickle_is_string (item (t, 9), "m"));
  ck_assert_ptr_eq (item (t, 10), item (t, 9));
  run_clear (&r);
  g_byte_array_unref (p);
}
END_TEST

/* Keys follow Python's dict: a repeated key keeps its place and takes the
 * new value, and True is the same key as 1. */
START_TEST (test_dict_semantics)
{
  Pk *p = pk_new ();
  const Vgg19PickleValue *d;
  Run r;

  op (p, '}');
  op (p, '(');
  pk_str (p, "x");
  pk_int (p, 1);
  pk_str (p, "y");
  pk_int (p, 2);
  pk_str (p, "x");
  pk_int (p, 3);
  pk_int (p, 1);
  pk_str (p, "int");
  op (p, 0x88);
  pk_str (p, "bool");
  op (p, 'u');
  run_ok (&r, p);
  d = r.value;
  ck_assert_uint_eq (vgg19_pickle_len (d), 3);
  ck_assert (vgg19_pickle_is_string (g_ptr_array_index (d->dict.keys, 0),
          "x"));
  ck_assert_int_eq (small_int (vgg19_pickle_dict_get (d, "x")), 3);
  ck_assert (vgg19_pickle_is_string (g_ptr_array_index (d->dict.values, 2),
          "bool"));
  run_clear (&r);
  g_byte_array_unref (p);

  /* Unhashable keys. */
  FAILS ("\x80\x02}]K\x01s.", VGG19_ERROR_FORMAT, "cannot be a dict key");
}
END_TEST

START_TEST (test_vm_errors)
{
  FAILS ("", VGG19_ERROR_FORMAT, "without STOP");
  FAILS ("\x80\x02", VGG19_ERROR_FORMAT, "without STOP");
  FAILS ("\x80\x02K", VGG19_ERROR_FORMAT, "truncated");
  FAILS ("\x80\x02.", VGG19_ERROR_FORMAT, "STOP with 0 values");
  FAILS ("\x80\x02NN.", VGG19_ERROR_FORMAT, "STOP with 2 values");
  FAILS ("\x80\x02(N.", VGG19_ERROR_FORMAT, "1 marks");
  FAILS ("\x80\x06N.", VGG19_ERROR_UNSUPPORTED, "protocol 6");
  FAILS ("\x80\x02I42\n.", VGG19_ERROR_FORMAT, "unsupported opcode 0x49");
  FAILS ("\x80\x02\xff.", VGG19_ERROR_FORMAT, "unsupported opcode 0xff");
  FAILS ("\x80\x02\x81.", VGG19_ERROR_FORMAT, "unsupported opcode 0x81");
  FAILS ("\x80\x02h\x05.", VGG19_ERROR_FORMAT, "memo entry 5 was never set");
  FAILS ("\x80\x02q\x00.", VGG19_ERROR_FORMAT, "stack underflow");
  /* Values below a MARK are out of reach. */
  FAILS ("\x80\x02N(\x85.", VGG19_ERROR_FORMAT, "stack underflow");
  FAILS ("\x80\x02N(2.", VGG19_ERROR_FORMAT, "stack underflow");
  FAILS ("\x80\x02t.", VGG19_ERROR_FORMAT, "no MARK");
  FAILS ("\x80\x02\x86.", VGG19_ERROR_FORMAT, "stack underflow");
  FAILS ("\x80\x02NNa.", VGG19_ERROR_FORMAT, "APPEND to a None");
  FAILS ("\x80\x02N(Ne.", VGG19_ERROR_FORMAT, "APPENDS to a None");
  FAILS ("\x80\x02}(Nu.", VGG19_ERROR_FORMAT, "odd number");
  FAILS ("\x80\x02(Nd.", VGG19_ERROR_FORMAT, "odd number");
  FAILS ("\x80\x02NNNs.", VGG19_ERROR_FORMAT, "SETITEM on a None");
  FAILS ("\x80\x02\x8b\xff\xff\xff\xff.", VGG19_ERROR_FORMAT,
      "negative length");
  FAILS ("\x80\x02\x95\x00\x00\x00\x00\x00\x00\x01\x00N.",
      VGG19_ERROR_FORMAT, "the frame");
  FAILS ("\x80\x02NN\x93.", VGG19_ERROR_FORMAT, "two strings");
  FAILS ("\x80\x02" "cnot terminated", VGG19_ERROR_FORMAT, "truncated");
  FAILS ("\x80\x02" "ctorch\x01\nx\n.", VGG19_ERROR_FORMAT,
      "printable ASCII");
  FAILS ("\x80\x02NNR.", VGG19_ERROR_FORMAT, "REDUCE calls a None");
  FAILS ("\x80\x02" "ccollections\nOrderedDict\nNR.", VGG19_ERROR_FORMAT,
      "expected a tuple");
  FAILS ("\x80\x02" "ctorch\nFloatStorage\n)R.", VGG19_ERROR_FORMAT,
      "torch.FloatStorage cannot be called");
  FAILS ("\x80\x02" "ccollections\nOrderedDict\nK\x01\x85R.",
      VGG19_ERROR_FORMAT, "expected a list of pairs");
  FAILS ("\x80\x02" "ccollections\nOrderedDict\n]K\x01\x61\x85R.",
      VGG19_ERROR_FORMAT, "not a (key, value) pair");
  FAILS ("\x80\x02" "NNb.", VGG19_ERROR_FORMAT, "BUILD of a None");
  FAILS ("\x80\x02" "}K\x01" "b.", VGG19_ERROR_FORMAT, "with a int state");
  FAILS ("\x80\x02NQ.", VGG19_ERROR_FORMAT, "persistent id is not");
}
END_TEST

START_TEST (test_forbidden_globals)
{
  Pk *p;

  /* The classic: os.system via REDUCE. Refused at the GLOBAL already. */
  FAILS ("\x80\x02" "cposix\nsystem\nX\x02\x00\x00\x00lsR.",
      VGG19_ERROR_FORMAT, "forbidden global 'posix.system'");
  FAILS ("\x80\x02" "cbuiltins\neval\n.", VGG19_ERROR_FORMAT,
      "forbidden global 'builtins.eval'");
  FAILS ("\x80\x02" "c__builtin__\nset\n.", VGG19_ERROR_FORMAT,
      "forbidden global '__builtin__.set'");
  /* Near misses of allowed names. */
  FAILS ("\x80\x02" "ctorch\nStorage\n.", VGG19_ERROR_FORMAT,
      "forbidden global 'torch.Storage'");
  FAILS ("\x80\x02" "ctorch._utils\n_rebuild_tensor_v3\n.",
      VGG19_ERROR_FORMAT, "'torch._utils._rebuild_tensor_v3'");
  FAILS ("\x80\x02" "ctorch.cuda\n_rebuild_tensor\n.", VGG19_ERROR_FORMAT,
      "'torch.cuda._rebuild_tensor'");
  FAILS ("\x80\x02" "ctorch\nComplexFloatStorage\n.", VGG19_ERROR_FORMAT,
      "'torch.ComplexFloatStorage'");
  FAILS ("\x80\x02" "ctorch._utils\n_rebuild_parameter_with_state\n.",
      VGG19_ERROR_FORMAT, "_rebuild_parameter_with_state");

  /* STACK_GLOBAL (protocol 4). */
  p = g_byte_array_new ();
  op (p, 0x80);
  op (p, 4);
  op (p, 0x8c);
  op (p, 2);
  put (p, "os", 2);
  op (p, 0x8c);
  op (p, 6);
  put (p, "system", 6);
  op (p, 0x93);
  op (p, '.');
  assert_fails (p, VGG19_ERROR_FORMAT, "forbidden global 'os.system'");
  g_byte_array_unref (p);

  /* A long name is cut in the message, not read past. */
  p = pk_new ();
  op (p, 'c');
  {
    guint i;
    for (i = 0; i < 300; i++)
      op (p, 'a');
  }
  op (p, '\n');
  assert_fails (p, VGG19_ERROR_FORMAT, "longer than 256 bytes");
  g_byte_array_unref (p);
}
END_TEST

START_TEST (test_allowed_globals)
{
  Pk *p = pk_new ();
  Run r;
  const Vgg19PickleValue *t;

  op (p, '(');
  pk_global (p, "torch", "HalfStorage");
  pk_global (p, "torch.cuda", "FloatStorage");
  op (p, 0x8c);
  op (p, 5);
  put (p, "torch", 5);
  op (p, 0x8c);
  op (p, 15);
  put (p, "BFloat16Storage", 15);
  op (p, 0x93);
  op (p, 't');
  run_ok (&r, p);
  t = r.value;
  ck_assert_int_eq (item (t, 0)->kind, VGG19_PICKLE_GLOBAL);
  ck_assert_int_eq (item (t, 0)->global.dtype, VGG19_DTYPE_F16);
  ck_assert_int_eq (item (t, 1)->global.dtype, VGG19_DTYPE_F32);
  ck_assert_int_eq (item (t, 2)->global.what,
      VGG19_PICKLE_GLOBAL_STORAGE_TYPE);
  ck_assert_int_eq (item (t, 2)->global.dtype, VGG19_DTYPE_BF16);
  run_clear (&r);
  g_byte_array_unref (p);
}
END_TEST

/* 100000 nested tuples: the VM has no recursion to overflow. */
START_TEST (test_deep_nesting)
{
  Pk *p = pk_new ();
  Run r;
  guint i;

  op (p, ')');
  for (i = 0; i < 100000; i++)
    op (p, 0x85);
  run_ok (&r, p);
  ck_assert_int_eq (r.value->kind, VGG19_PICKLE_TUPLE);
  run_clear (&r);
  g_byte_array_unref (p);

  /* A dict that contains itself: freed without leaking or looping. */
  p = pk_new ();
  op (p, '}');
  op (p, 'q');
  op (p, 0);
  pk_str (p, "self");
  op (p, 'h');
  op (p, 0);
  op (p, 's');
  run_ok (&r, p);
  ck_assert_ptr_eq (vgg19_pickle_dict_get (r.value, "self"), r.value);
  run_clear (&r);
  g_byte_array_unref (p);
}
END_TEST

/* Memory is bounded whatever the file's size: by the number of objects
 * and by the stack depth. */
START_TEST (test_limits)
{
  Pk *p = pk_new ();
  guint i;

  op (p, 'N');
  for (i = 0; i < VGG19_PICKLE_MAX_OBJECTS + 2; i++)
    op (p, '2');
  op (p, '.');
  assert_fails (p, VGG19_ERROR_UNSUPPORTED, "too large for a state dict");
  g_byte_array_unref (p);

  /* One list holding the same value over and over. */
  p = pk_new ();
  op (p, ']');
  op (p, 'N');
  op (p, 'q');
  op (p, 0);
  op (p, 'a');
  for (i = 0; i < VGG19_PICKLE_MAX_OBJECTS; i++) {
    op (p, 'h');
    op (p, 0);
    op (p, 'a');
  }
  op (p, '.');
  assert_fails (p, VGG19_ERROR_UNSUPPORTED, "too large for a state dict");
  g_byte_array_unref (p);
}
END_TEST

/* Opcodes whose work does not shrink the stack are charged for it: each
 * of these pickles is a few hundred kB that, uncharged, loads after work
 * quadratic in its size (hours for a few MB). */
START_TEST (test_work_limits)
{
  const guint n_pairs = 100000, key_len = 16 * 1024;
  Pk *p = pk_new ();
  char *key;
  guint i;

  /* OrderedDict([(1, 1)] * n) built again and again from the memo. */
  pk_global (p, "collections", "OrderedDict");
  op (p, 'q');
  op (p, 0);
  op (p, '0');
  op (p, ']');
  op (p, 'q');
  op (p, 1);
  op (p, '(');
  pk_int (p, 1);
  pk_int (p, 1);
  op (p, 0x86);
  for (i = 1; i < n_pairs; i++)
    op (p, '2');
  op (p, 'e');
  op (p, '0');
  for (i = 0; i < 2 * VGG19_PICKLE_MAX_OBJECTS / n_pairs; i++) {
    op (p, 'h');
    op (p, 0);
    op (p, 'h');
    op (p, 1);
    op (p, 0x85);
    op (p, 'R');
    op (p, '0');
  }
  op (p, 'N');
  op (p, '.');
  assert_fails (p, VGG19_ERROR_UNSUPPORTED, "too large for a state dict");
  g_byte_array_unref (p);

  /* A long memoized key set over and over: each lookup hashes it. */
  p = pk_new ();
  op (p, '}');
  key = g_malloc (key_len + 1);
  memset (key, 'k', key_len);
  key[key_len] = '\0';
  pk_str (p, key);
  op (p, 'q');
  op (p, 0);
  op (p, '0');
  for (i = 0; i < 2 * VGG19_PICKLE_MAX_OBJECTS
      / (key_len / VGG19_PICKLE_KEY_BYTES_PER_OBJECT); i++) {
    op (p, 'h');
    op (p, 0);
    op (p, 'N');
    op (p, 's');
  }
  op (p, '.');
  assert_fails (p, VGG19_ERROR_UNSUPPORTED, "too large for a state dict");
  g_byte_array_unref (p);
  g_free (key);
}
END_TEST

START_TEST (test_storage_key_length)
{
  char key[VGG19_PICKLE_MAX_STORAGE_KEY + 2];
  Run r;
  Pk *p;

  memset (key, '7', sizeof key);
  key[VGG19_PICKLE_MAX_STORAGE_KEY] = '\0';
  p = pk_new ();
  pk_storage (p, "FloatStorage", key, 4, FALSE);
  run_ok (&r, p);
  ck_assert_uint_eq (vgg19_pickle_n_storages (r.pickle), 1);
  run_clear (&r);
  g_byte_array_unref (p);

  key[VGG19_PICKLE_MAX_STORAGE_KEY] = '7';
  key[VGG19_PICKLE_MAX_STORAGE_KEY + 1] = '\0';
  p = pk_new ();
  pk_storage (p, "FloatStorage", key, 4, FALSE);
  op (p, '.');
  assert_fails (p, VGG19_ERROR_FORMAT, "storage key of 257 bytes");
  g_byte_array_unref (p);
}
END_TEST

/* ---------------------------------------------------------------- */
/* State dicts                                                       */
/* ---------------------------------------------------------------- */

static float storage_floats[64];

static void
clear_name (gpointer p)
{
  g_free (((Vgg19RawTensor *) p)->name);
}

/* Points every storage that fits in storage_floats at it, as a format
 * reader would after checking the file's size, and collects the tensors
 * of the pickle's value. */
static gboolean
collect (Run * r, const guint8 * data, GArray ** tensors, GError ** error)
{
  guint i;

  for (i = 0; i < vgg19_pickle_n_storages (r->pickle); i++) {
    Vgg19PickleStorage *s = vgg19_pickle_get_storage (r->pickle, i);
    if (s->n_bytes <= sizeof storage_floats) {
      s->data = data;
      s->located = TRUE;
    }
  }
  *tensors = g_array_new (FALSE, TRUE, sizeof (Vgg19RawTensor));
  g_array_set_clear_func (*tensors, clear_name);
  return vgg19_pickle_collect_tensors (r->pickle, r->value, *tensors, error);
}

static const Vgg19RawTensor *
tensor_at (GArray * tensors, guint i)
{
  ck_assert_uint_lt (i, tensors->len);
  return &g_array_index (tensors, Vgg19RawTensor, i);
}

static void
init_storage (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (storage_floats); i++)
    storage_floats[i] = (float) i;
}

START_TEST (test_state_dict_v2)
{
  static const guint64 w_shape[] = { 2, 3 }, w_stride[] = { 3, 1 };
  static const guint64 b_shape[] = { 2 }, b_stride[] = { 1 };
  Pk *p = pk_new ();
  GArray *tensors;
  GError *error = NULL;
  const Vgg19RawTensor *t;
  Run r;
  float out[6];

  init_storage ();
  pk_ordered_dict (p);
  op (p, '(');
  pk_str (p, "conv.weight");
  pk_tensor_v2 (p, "FloatStorage", "0", 64, 0, 2, w_shape, w_stride);
  pk_str (p, "conv.bias");
  /* Same storage, at element 10: shares the persistent id's key. */
  pk_tensor_v2 (p, "FloatStorage", "0", 64, 10, 1, b_shape, b_stride);
  op (p, 'u');
  /* state_dict's _metadata, set with BUILD and dropped */
  op (p, '}');
  pk_str (p, "_metadata");
  pk_ordered_dict (p);
  pk_str (p, "");
  op (p, '}');
  pk_str (p, "version");
  pk_int (p, 1);
  op (p, 's');
  op (p, 's');
  op (p, 's');
  op (p, 'b');
  run_ok (&r, p);

  ck_assert_uint_eq (vgg19_pickle_n_storages (r.pickle), 1);
  ck_assert_str_eq (vgg19_pickle_get_storage (r.pickle, 0)->key, "0");
  ck_assert_uint_eq (vgg19_pickle_get_storage (r.pickle, 0)->n_bytes, 256);
  ck_assert_ptr_nonnull (vgg19_pickle_lookup_storage (r.pickle, "0"));
  ck_assert_ptr_null (vgg19_pickle_lookup_storage (r.pickle, "1"));
  ck_assert_msg (collect (&r, (const guint8 *) storage_floats, &tensors,
          &error), "%s", error ? error->message : "");
  ck_assert_uint_eq (tensors->len, 2);

  t = tensor_at (tensors, 0);
  ck_assert_str_eq (t->name, "conv.weight");
  ck_assert_int_eq (t->dtype, VGG19_DTYPE_F32);
  ck_assert_uint_eq (t->n_dims, 2);
  ck_assert_uint_eq (t->shape[0], 2);
  ck_assert_uint_eq (t->shape[1], 3);
  ck_assert_uint_eq (t->n_elements, 6);
  vgg19_raw_tensor_to_f32 (t, out);
  ck_assert (out[0] == 0.0f && out[5] == 5.0f);

  t = tensor_at (tensors, 1);
  ck_assert_str_eq (t->name, "conv.bias");
  ck_assert_uint_eq (t->n_elements, 2);
  vgg19_raw_tensor_to_f32 (t, out);
  ck_assert (out[0] == 10.0f && out[1] == 11.0f);

  g_array_unref (tensors);
  run_clear (&r);
  g_byte_array_unref (p);
}
END_TEST

/* As a 2017 file written by Python 2: OrderedDict([[k, v], ...]) with str
 * keys, _rebuild_tensor, and a storage view in the persistent id. */
START_TEST (test_state_dict_python2)
{
  Pk *p = pk_new ();
  GArray *tensors;
  GError *error = NULL;
  const Vgg19RawTensor *t;
  Run r;
  float out[4];

  init_storage ();
  pk_global (p, "collections", "OrderedDict");
  op (p, ']');
  op (p, '(');
  /* ['w', _rebuild_tensor(storage view (32, 8) of '99', 2, (2, 2), (2, 1))] */
  op (p, ']');
  op (p, '(');
  pk_str2 (p, "w");
  pk_global (p, "torch._utils", "_rebuild_tensor");
  op (p, '(');
  op (p, '(');
  pk_str2 (p, "storage");
  pk_global (p, "torch", "FloatStorage");
  pk_str2 (p, "99");
  pk_str2 (p, "cuda:0");
  pk_int (p, 64);
  pk_str2 (p, "100");
  pk_int (p, 32);
  pk_int (p, 8);
  op (p, 0x87);
  op (p, 't');
  op (p, 'Q');
  pk_int (p, 2);
  pk_int (p, 2);
  pk_int (p, 2);
  op (p, 0x86);
  pk_int (p, 2);
  pk_int (p, 1);
  op (p, 0x86);
  op (p, 't');
  op (p, 'R');
  op (p, 'e');
  op (p, 'e');
  op (p, 0x85);
  op (p, 'R');
  run_ok (&r, p);

  ck_assert_msg (collect (&r, (const guint8 *) storage_floats, &tensors,
          &error), "%s", error ? error->message : "");
  ck_assert_uint_eq (tensors->len, 1);
  t = tensor_at (tensors, 0);
  ck_assert_str_eq (t->name, "w");
  vgg19_raw_tensor_to_f32 (t, out);
  /* view at 32, tensor at 2 within it */
  ck_assert (out[0] == 34.0f && out[3] == 37.0f);
  g_array_unref (tensors);
  run_clear (&r);
  g_byte_array_unref (p);
}
END_TEST

/* A checkpoint whose "state_dict" holds parameters; other entries are
 * ignored. */
START_TEST (test_checkpoint)
{
  static const guint64 shape[] = { 4 }, stride[] = { 1 };
  Pk *p = pk_new ();
  GArray *tensors;
  GError *error = NULL;
  Run r;

  op (p, '}');
  op (p, '(');
  pk_str (p, "epoch");
  pk_int (p, 90);
  pk_str (p, "state_dict");
  op (p, '}');
  pk_str (p, "fc.bias");
  pk_global (p, "torch._utils", "_rebuild_parameter");
  op (p, '(');
  pk_tensor_v2 (p, "HalfStorage", "h", 4, 0, 1, shape, stride);
  op (p, 0x88);
  pk_ordered_dict (p);
  op (p, 't');
  op (p, 'R');
  op (p, 's');
  pk_str (p, "optimizer");
  op (p, '}');
  op (p, 'u');
  run_ok (&r, p);

  ck_assert_msg (collect (&r, (const guint8 *) storage_floats, &tensors,
          &error), "%s", error ? error->message : "");
  ck_assert_uint_eq (tensors->len, 1);
  ck_assert_str_eq (tensor_at (tensors, 0)->name, "fc.bias");
  ck_assert_int_eq (tensor_at (tensors, 0)->dtype, VGG19_DTYPE_F16);
  g_array_unref (tensors);
  run_clear (&r);
  g_byte_array_unref (p);
}
END_TEST

/* Builds {name: tensor} with the given layout and collects it; returns
 * the error (or NULL) and the first tensor in @t. */
static GError *
collect_one (guint64 numel, guint64 offset, guint n_dims,
    const guint64 * shape, const guint64 * stride, Vgg19RawTensor * t)
{
  Pk *p = pk_new ();
  GArray *tensors;
  GError *error = NULL;
  Run r;

  op (p, '}');
  pk_str (p, "x");
  pk_tensor_v2 (p, "FloatStorage", "k", numel, offset, n_dims, shape,
      stride);
  op (p, 's');
  run_ok (&r, p);
  if (collect (&r, (const guint8 *) storage_floats, &tensors, &error)) {
    ck_assert_uint_eq (tensors->len, 1);
    *t = *tensor_at (tensors, 0);
    t->name = NULL;             /* still owned by the array */
  }
  g_array_unref (tensors);
  run_clear (&r);
  g_byte_array_unref (p);
  return error;
}

START_TEST (test_layouts)
{
  Vgg19RawTensor t;
  GError *error;

  {
    /* 0-d */
    error = collect_one (64, 5, 0, NULL, NULL, &t);
    ck_assert_msg (error == NULL, "%s", error ? error->message : "");
    ck_assert_uint_eq (t.n_elements, 1);
    ck_assert_ptr_eq (t.data, (const guint8 *) &storage_floats[5]);
  }
  {
    /* size-1 dimensions may have any stride */
    static const guint64 shape[] = { 1, 3, 1 }, stride[] = { 77, 1, 5 };
    error = collect_one (64, 0, 3, shape, stride, &t);
    ck_assert_msg (error == NULL, "%s", error ? error->message : "");
    ck_assert_uint_eq (t.n_elements, 3);
  }
  {
    /* empty, at the very end of the storage */
    static const guint64 shape[] = { 0, 3 }, stride[] = { 3, 1 };
    error = collect_one (64, 64, 2, shape, stride, &t);
    ck_assert_msg (error == NULL, "%s", error ? error->message : "");
    ck_assert_uint_eq (t.n_elements, 0);
  }
  {
    /* exactly filling the storage */
    static const guint64 shape[] = { 4, 16 }, stride[] = { 16, 1 };
    error = collect_one (64, 0, 2, shape, stride, &t);
    ck_assert_msg (error == NULL, "%s", error ? error->message : "");
  }
  {
    /* transposed: refused */
    static const guint64 shape[] = { 3, 2 }, stride[] = { 1, 3 };
    error = collect_one (64, 0, 2, shape, stride, &t);
    ck_assert (g_error_matches (error, VGG19_ERROR, VGG19_ERROR_UNSUPPORTED));
    ck_assert_msg (strstr (error->message, "'x' is not contiguous") != NULL,
        "%s", error->message);
    g_error_free (error);
  }
  {
    /* one element past the storage */
    static const guint64 shape[] = { 4, 16 }, stride[] = { 16, 1 };
    error = collect_one (64, 1, 2, shape, stride, &t);
    ck_assert (g_error_matches (error, VGG19_ERROR, VGG19_ERROR_FORMAT));
    ck_assert_msg (strstr (error->message, "does not fit its storage 'k' of "
            "64 elements") != NULL, "%s", error->message);
    g_error_free (error);
  }
  {
    /* offset beyond the end, even when empty */
    static const guint64 shape[] = { 0 }, stride[] = { 1 };
    error = collect_one (64, 65, 1, shape, stride, &t);
    ck_assert (g_error_matches (error, VGG19_ERROR, VGG19_ERROR_FORMAT));
    g_error_free (error);
  }
  {
    /* element count overflowing 64 bits */
    static const guint64 shape[] = { G_GUINT64_CONSTANT (1) << 40,
      G_GUINT64_CONSTANT (1) << 40
    }, stride[] = { G_GUINT64_CONSTANT (1) << 40, 1 };
    error = collect_one (64, 0, 2, shape, stride, &t);
    ck_assert (g_error_matches (error, VGG19_ERROR, VGG19_ERROR_FORMAT));
    ck_assert_msg (strstr (error->message, "2^64") != NULL, "%s",
        error->message);
    g_error_free (error);
  }
  {
    /* offset + count overflowing */
    static const guint64 shape[] = { 2 }, stride[] = { 1 };
    error = collect_one (64, G_MAXINT64, 1, shape, stride, &t);
    ck_assert (g_error_matches (error, VGG19_ERROR, VGG19_ERROR_FORMAT));
    g_error_free (error);
  }
}
END_TEST

START_TEST (test_tensor_errors)
{
  static const guint64 shape[] = { 2 }, stride[] = { 1 };
  Pk *p;
  Run r;
  GArray *tensors;
  GError *error = NULL;

  /* Not a dict at the top. */
  p = pk_new ();
  op (p, ']');
  run_ok (&r, p);
  ck_assert (!collect (&r, (const guint8 *) storage_floats, &tensors,
          &error));
  ck_assert_msg (strstr (error->message, "holds a list, expected a dict") !=
      NULL, "%s", error->message);
  g_clear_error (&error);
  g_array_unref (tensors);
  run_clear (&r);
  g_byte_array_unref (p);

  /* A value that is not a tensor. */
  p = pk_new ();
  op (p, '}');
  pk_str (p, "w");
  pk_int (p, 3);
  op (p, 's');
  run_ok (&r, p);
  ck_assert (!collect (&r, (const guint8 *) storage_floats, &tensors,
          &error));
  ck_assert_msg (strstr (error->message, "entry 'w' is a int, expected a "
          "tensor") != NULL, "%s", error->message);
  g_clear_error (&error);
  g_array_unref (tensors);
  run_clear (&r);
  g_byte_array_unref (p);

  /* A key that is not a string. */
  p = pk_new ();
  op (p, '}');
  pk_int (p, 0);
  pk_tensor_v2 (p, "FloatStorage", "k", 2, 0, 1, shape, stride);
  op (p, 's');
  run_ok (&r, p);
  ck_assert (!collect (&r, (const guint8 *) storage_floats, &tensors,
          &error));
  ck_assert_msg (strstr (error->message, "key 0 is a int") != NULL, "%s",
      error->message);
  g_clear_error (&error);
  g_array_unref (tensors);
  run_clear (&r);
  g_byte_array_unref (p);

  /* A storage the format reader did not locate. */
  p = pk_new ();
  op (p, '}');
  pk_str (p, "w");
  pk_tensor_v2 (p, "FloatStorage", "k", 2, 0, 1, shape, stride);
  op (p, 's');
  run_ok (&r, p);
  tensors = g_array_new (FALSE, TRUE, sizeof (Vgg19RawTensor));
  ck_assert (!vgg19_pickle_collect_tensors (r.pickle, r.value, tensors,
          &error));
  ck_assert_msg (strstr (error->message, "storage 'k' is missing") != NULL,
      "%s", error->message);
  g_clear_error (&error);
  g_array_unref (tensors);
  run_clear (&r);
  g_byte_array_unref (p);

  /* The same key declared with another size. */
  p = pk_new ();
  op (p, '(');
  pk_tensor_v2 (p, "FloatStorage", "k", 2, 0, 1, shape, stride);
  pk_tensor_v2 (p, "FloatStorage", "k", 3, 0, 1, shape, stride);
  assert_fails (p, VGG19_ERROR_FORMAT, "storage 'k' declared again");
  g_byte_array_unref (p);

  /* ... or another type. */
  p = pk_new ();
  op (p, '(');
  pk_tensor_v2 (p, "FloatStorage", "k", 2, 0, 1, shape, stride);
  pk_tensor_v2 (p, "HalfStorage", "k", 2, 0, 1, shape, stride);
  assert_fails (p, VGG19_ERROR_FORMAT, "storage 'k' declared again");
  g_byte_array_unref (p);

  /* A storage too large to have a byte size. */
  p = pk_new ();
  pk_storage (p, "DoubleStorage", "k", G_GUINT64_CONSTANT (1) << 62, FALSE);
  assert_fails (p, VGG19_ERROR_FORMAT, "too large");
  g_byte_array_unref (p);

  /* A view that does not fit its storage. */
  p = pk_new ();
  op (p, '(');
  pk_str (p, "storage");
  pk_global (p, "torch", "FloatStorage");
  pk_str (p, "k");
  pk_str (p, "cpu");
  pk_int (p, 10);
  pk_str (p, "v");
  pk_int (p, 8);
  pk_int (p, 3);
  op (p, 0x87);
  op (p, 't');
  op (p, 'Q');
  assert_fails (p, VGG19_ERROR_FORMAT, "does not fit storage 'k' of 10");
  g_byte_array_unref (p);

  /* Persistent ids of the wrong shape. */
  FAILS ("\x80\x02(X\x07\x00\x00\x00storageNNNNt" "Q.", VGG19_ERROR_FORMAT,
      "storage type is a None");
  FAILS ("\x80\x02(X\x07\x00\x00\x00storagectorch\nFloatStorage\nNNNtQ.",
      VGG19_ERROR_FORMAT, "key and location must be strings");
  FAILS ("\x80\x02(X\x07\x00\x00\x00storagectorch\nFloatStorage\n"
      "X\x01\x00\x00\x00kX\x01\x00\x00\x00lNtQ.", VGG19_ERROR_FORMAT,
      "element count is a None");

  /* Rebuild functions with wrong arguments. */
  FAILS ("\x80\x02" "ctorch._utils\n_rebuild_tensor\n)R.", VGG19_ERROR_FORMAT,
      "takes 4 arguments, got 0");
  FAILS ("\x80\x02" "ctorch._utils\n_rebuild_tensor_v2\n(NNNNt" "R.",
      VGG19_ERROR_FORMAT, "takes 6 or 7 arguments, got 4");
  FAILS ("\x80\x02" "ctorch._utils\n_rebuild_tensor_v2\n(NNNNN}tR.",
      VGG19_ERROR_FORMAT, "expected a bool and a dict");
  FAILS ("\x80\x02" "ctorch._utils\n_rebuild_tensor\n(NNNNtR.",
      VGG19_ERROR_FORMAT, "tensor storage is a None");
  FAILS ("\x80\x02" "ctorch._utils\n_rebuild_parameter\n(NNNtR.",
      VGG19_ERROR_FORMAT, "_rebuild_parameter of a None");

  /* Sizes and strides. */
  p = pk_new ();
  pk_global (p, "torch._utils", "_rebuild_tensor");
  op (p, '(');
  pk_storage (p, "FloatStorage", "k", 10, TRUE);
  pk_int (p, 0);
  op (p, '(');
  {
    guint i;
    for (i = 0; i < 9; i++)
      pk_int (p, 1);
  }
  op (p, 't');
  op (p, ')');
  op (p, 't');
  op (p, 'R');
  assert_fails (p, VGG19_ERROR_UNSUPPORTED, "9 dimensions");
  g_byte_array_unref (p);

  p = pk_new ();
  pk_global (p, "torch._utils", "_rebuild_tensor");
  op (p, '(');
  pk_storage (p, "FloatStorage", "k", 10, TRUE);
  pk_int (p, 0);
  pk_int (p, 2);
  op (p, 0x85);
  op (p, ')');
  op (p, 't');
  op (p, 'R');
  assert_fails (p, VGG19_ERROR_FORMAT, "1 sizes but 0 strides");
  g_byte_array_unref (p);

  p = pk_new ();
  pk_global (p, "torch._utils", "_rebuild_tensor");
  op (p, '(');
  pk_storage (p, "FloatStorage", "k", 10, TRUE);
  op (p, 'J');
  put_le (p, 0xffffffff, 4);    /* offset -1 */
  op (p, ')');
  op (p, ')');
  op (p, 't');
  op (p, 'R');
  assert_fails (p, VGG19_ERROR_FORMAT, "tensor offset is out of range");
  g_byte_array_unref (p);

  p = pk_new ();
  pk_global (p, "torch._utils", "_rebuild_tensor");
  op (p, '(');
  pk_storage (p, "FloatStorage", "k", 10, TRUE);
  pk_int (p, 0);
  op (p, ']');
  op (p, ')');
  op (p, 't');
  op (p, 'R');
  assert_fails (p, VGG19_ERROR_FORMAT, "size is a list, expected a tuple");
  g_byte_array_unref (p);
}
END_TEST

/* ---------------------------------------------------------------- */
/* Robustness                                                        */
/* ---------------------------------------------------------------- */

static Pk *
sample_state_dict (void)
{
  static const guint64 w_shape[] = { 2, 3 }, w_stride[] = { 3, 1 };
  static const guint64 b_shape[] = { 2 }, b_stride[] = { 1 };
  Pk *p = pk_new ();

  pk_ordered_dict (p);
  op (p, 'q');
  op (p, 0);
  op (p, '(');
  pk_str (p, "conv.weight");
  pk_tensor_v2 (p, "FloatStorage", "0", 16, 0, 2, w_shape, w_stride);
  pk_str (p, "conv.bias");
  pk_tensor_v2 (p, "HalfStorage", "1", 2, 0, 1, b_shape, b_stride);
  op (p, 'u');
  op (p, '}');
  pk_str (p, "_metadata");
  op (p, 'h');
  op (p, 0);
  op (p, 's');
  op (p, 'b');
  op (p, '.');
  return p;
}

START_TEST (test_truncations)
{
  Pk *p = sample_state_dict ();
  gsize len;
  Run r;

  run (&r, p->data, p->len);
  ck_assert (r.value != NULL);
  run_clear (&r);
  for (len = 0; len < p->len; len++) {
    run (&r, p->data, len);
    REQUIRE (r.value == NULL, "a prefix of %zu bytes ran", len);
    run_clear (&r);
  }
  g_byte_array_unref (p);
}
END_TEST

START_TEST (test_corruptions)
{
  static const guint8 values[] = {
    0x00, 0x01, 0x02, 0x7f, 0x80, 0xff, '(', '.', 't', 'R', 'Q', 'h', 'q',
    'u', 'e', 's', 'b', 0x8a, 0x95, 0x93, 'X', 0x8d,
  };
  Pk *p = sample_state_dict ();
  gsize pos;
  guint v;

  init_storage ();
  for (pos = 0; pos < p->len; pos++)
    for (v = 0; v < G_N_ELEMENTS (values); v++) {
      guint8 saved = p->data[pos];
      GArray *tensors;
      GError *error = NULL;
      Run r;

      p->data[pos] = values[v];
      run (&r, p->data, p->len);
      p->data[pos] = saved;
      if (r.value != NULL) {
        guint i;
        float out[64];

        /* Every tensor collected lies within its storage, itself within
         * storage_floats: reading it all is safe (and checked by the
         * sanitizers). */
        if (collect (&r, (const guint8 *) storage_floats, &tensors, &error)) {
          for (i = 0; i < tensors->len; i++) {
            const Vgg19RawTensor *t = &g_array_index (tensors,
                Vgg19RawTensor, i);
            REQUIRE (t->n_elements * vgg19_dtype_size (t->dtype)
                <= sizeof storage_floats, "tensor larger than its storage");
            vgg19_raw_tensor_to_f32 (t, out);
          }
        } else {
          REQUIRE (error != NULL, "no error set");
          g_clear_error (&error);
        }
        g_array_unref (tensors);
      }
      run_clear (&r);
    }
  g_byte_array_unref (p);
}
END_TEST

static Suite *
pickle_suite (void)
{
  Suite *s = suite_create ("pickle");
  TCase *tc = tcase_create ("vm");

  tcase_add_test (tc, test_integers);
  tcase_add_test (tc, test_scalars);
  tcase_add_test (tc, test_strings);
  tcase_add_test (tc, test_containers);
  tcase_add_test (tc, test_dict_semantics);
  tcase_add_test (tc, test_vm_errors);
  tcase_add_test (tc, test_forbidden_globals);
  tcase_add_test (tc, test_allowed_globals);
  tcase_add_test (tc, test_deep_nesting);
  tcase_add_test (tc, test_limits);
  tcase_add_test (tc, test_work_limits);
  tcase_add_test (tc, test_storage_key_length);
  suite_add_tcase (s, tc);

  tc = tcase_create ("state_dict");
  tcase_add_test (tc, test_state_dict_v2);
  tcase_add_test (tc, test_state_dict_python2);
  tcase_add_test (tc, test_checkpoint);
  tcase_add_test (tc, test_layouts);
  tcase_add_test (tc, test_tensor_errors);
  suite_add_tcase (s, tc);

  tc = tcase_create ("robustness");
  tcase_add_test (tc, test_truncations);
  tcase_add_test (tc, test_corruptions);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (pickle_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
