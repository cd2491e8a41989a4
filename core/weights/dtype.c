/* Element types of stored tensors: names, sizes and the conversion to
 * float32.
 *
 * Stored data is little-endian and may sit at any address (a pickle's
 * storages and a safetensors file's tensors have no alignment guarantee),
 * so every element is read through memcpy, never through a cast pointer.
 * The half-precision conversions are written in plain C on purpose: the
 * same code must be right on every x86-64, with or without F16C or
 * AVX-512 BF16. They are branch-free and run over blocks of a constant
 * length, the shape of loop the compiler vectorises at -O2, so that a
 * half-precision file of VGG-19's size converts in tens of milliseconds.
 */
#include <string.h>

#include "formats.h"
#include "tensor_file.h"

typedef struct
{
  const char *name;
  guint size;
  gboolean is_float;
} DTypeInfo;

/* Indexed by Vgg19DType. */
static const DTypeInfo dtype_info[] = {
  [VGG19_DTYPE_F32] = {"F32", 4, TRUE},
  [VGG19_DTYPE_F16] = {"F16", 2, TRUE},
  [VGG19_DTYPE_BF16] = {"BF16", 2, TRUE},
  [VGG19_DTYPE_F64] = {"F64", 8, TRUE},
  [VGG19_DTYPE_I64] = {"I64", 8, FALSE},
  [VGG19_DTYPE_I32] = {"I32", 4, FALSE},
  [VGG19_DTYPE_I16] = {"I16", 2, FALSE},
  [VGG19_DTYPE_I8] = {"I8", 1, FALSE},
  [VGG19_DTYPE_U8] = {"U8", 1, FALSE},
  [VGG19_DTYPE_BOOL] = {"BOOL", 1, FALSE},
};

static const DTypeInfo *
get_info (Vgg19DType dtype)
{
  if ((guint) dtype >= G_N_ELEMENTS (dtype_info))
    return NULL;
  return &dtype_info[dtype];
}

const char *
vgg19_dtype_name (Vgg19DType dtype)
{
  const DTypeInfo *info = get_info (dtype);

  return info ? info->name : "?";
}

guint
vgg19_dtype_size (Vgg19DType dtype)
{
  const DTypeInfo *info = get_info (dtype);

  return info ? info->size : 0;
}

gboolean
vgg19_dtype_is_float (Vgg19DType dtype)
{
  const DTypeInfo *info = get_info (dtype);

  return info ? info->is_float : FALSE;
}

gboolean
vgg19_dtype_from_name (const char *name, Vgg19DType * dtype)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (dtype_info); i++)
    if (strcmp (name, dtype_info[i].name) == 0) {
      *dtype = (Vgg19DType) i;
      return TRUE;
    }
  return FALSE;
}

gboolean
vgg19_dtype_n_bytes (Vgg19DType dtype, guint n_dims, const guint64 * shape,
    guint64 * n_elements, guint64 * n_bytes)
{
  guint64 n = 1;
  guint i;

  for (i = 0; i < n_dims; i++)
    if (!g_uint64_checked_mul (&n, n, shape[i]))
      return FALSE;
  if (n_elements)
    *n_elements = n;
  if (n_bytes && !g_uint64_checked_mul (n_bytes, n, vgg19_dtype_size (dtype)))
    return FALSE;
  return TRUE;
}

char *
vgg19_shape_to_string (guint n_dims, const guint64 * shape)
{
  GString *s = g_string_new ("[");
  guint i;

  for (i = 0; i < n_dims; i++)
    g_string_append_printf (s, "%s%" G_GUINT64_FORMAT, i ? ", " : "",
        shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* ------------------------------------------------------------------ */
/* Conversions                                                          */
/* ------------------------------------------------------------------ */

static inline float
float_from_bits (guint32 bits)
{
  float f;

  memcpy (&f, &bits, sizeof f);
  return f;
}

static inline guint32
float_to_bits (float f)
{
  guint32 bits;

  memcpy (&bits, &f, sizeof bits);
  return bits;
}

/* IEEE 754 binary16 to binary32, as the bits of the float. Every half is
 * exactly representable as a float, so this is exact, including
 * subnormals, infinities and NaN payloads (a NaN stays a NaN of the same
 * sign). Branch-free so that loops over it vectorise: a normal number only
 * needs its exponent rebiased from 15 to 127 (+112); infinities and NaNs
 * need the all-ones exponent (+224 in all); zeros and subnormals are
 * mantissa * 2^-24, computed exactly in float arithmetic (exact whatever
 * the denormal mode, since the product is a normal float). */
static inline guint32
half_to_float_bits (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16;
  guint32 exponent = h & 0x7c00;
  guint32 magnitude = (guint32) (h & 0x7fff) << 13;
  guint32 is_special = 0u - (guint32) (exponent == 0x7c00);
  guint32 is_small = 0u - (guint32) (exponent == 0);
  guint32 rebiased = magnitude + (112u << 23) + (is_special & (112u << 23));
  guint32 scaled = float_to_bits ((float) (h & 0x3ff) * (1.0f / 16777216.0f));

  return sign | (rebiased & ~is_small) | (scaled & is_small);
}

static inline guint16
load_u16 (const guint8 * p)
{
  guint16 v;

  memcpy (&v, p, sizeof v);
  return GUINT16_FROM_LE (v);
}

static inline guint32
load_u32 (const guint8 * p)
{
  guint32 v;

  memcpy (&v, p, sizeof v);
  return GUINT32_FROM_LE (v);
}

static inline guint64
load_u64 (const guint8 * p)
{
  guint64 v;

  memcpy (&v, p, sizeof v);
  return GUINT64_FROM_LE (v);
}

/* Elements per inner loop of the half-precision conversions: a constant
 * trip count is what GCC's -O2 cost model needs to vectorise. */
#define CONVERT_BLOCK 64

static void
f16_to_f32 (const guint8 * restrict src, guint64 n, float *restrict dst)
{
  guint64 i = 0;
  guint j;

  for (; n - i >= CONVERT_BLOCK; i += CONVERT_BLOCK)
    for (j = 0; j < CONVERT_BLOCK; j++)
      dst[i + j] = float_from_bits (half_to_float_bits (load_u16 (src +
                  2 * (i + j))));
  for (; i < n; i++)
    dst[i] = float_from_bits (half_to_float_bits (load_u16 (src + 2 * i)));
}

/* bfloat16 is the upper half of a float32. */
static void
bf16_to_f32 (const guint8 * restrict src, guint64 n, float *restrict dst)
{
  guint64 i = 0;
  guint j;

  for (; n - i >= CONVERT_BLOCK; i += CONVERT_BLOCK)
    for (j = 0; j < CONVERT_BLOCK; j++)
      dst[i + j] = float_from_bits ((guint32) load_u16 (src +
              2 * (i + j)) << 16);
  for (; i < n; i++)
    dst[i] = float_from_bits ((guint32) load_u16 (src + 2 * i) << 16);
}

void
vgg19_dtype_to_f32 (Vgg19DType dtype, const guint8 * src, guint64 n,
    float *dst)
{
  guint64 i;

  if (n == 0)
    return;

  switch (dtype) {
    case VGG19_DTYPE_F32:
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
      memcpy (dst, src, (gsize) n * sizeof (float));
#else
      for (i = 0; i < n; i++)
        dst[i] = float_from_bits (load_u32 (src + 4 * i));
#endif
      break;
    case VGG19_DTYPE_F16:
      f16_to_f32 (src, n, dst);
      break;
    case VGG19_DTYPE_BF16:
      bf16_to_f32 (src, n, dst);
      break;
    case VGG19_DTYPE_F64:
      for (i = 0; i < n; i++) {
        guint64 bits = load_u64 (src + 8 * i);
        double d;

        memcpy (&d, &bits, sizeof d);
        dst[i] = (float) d;
      }
      break;
    case VGG19_DTYPE_I64:
      for (i = 0; i < n; i++)
        dst[i] = (float) (gint64) load_u64 (src + 8 * i);
      break;
    case VGG19_DTYPE_I32:
      for (i = 0; i < n; i++)
        dst[i] = (float) (gint32) load_u32 (src + 4 * i);
      break;
    case VGG19_DTYPE_I16:
      for (i = 0; i < n; i++)
        dst[i] = (float) (gint16) load_u16 (src + 2 * i);
      break;
    case VGG19_DTYPE_I8:
      for (i = 0; i < n; i++)
        dst[i] = (float) (gint8) src[i];
      break;
    case VGG19_DTYPE_U8:
      for (i = 0; i < n; i++)
        dst[i] = (float) src[i];
      break;
    case VGG19_DTYPE_BOOL:
      for (i = 0; i < n; i++)
        dst[i] = src[i] ? 1.0f : 0.0f;
      break;
    default:
      /* Not reachable from a reader; never leave @dst uninitialised. */
      memset (dst, 0, (gsize) n * sizeof (float));
      break;
  }
}

void
vgg19_raw_tensor_to_f32 (const Vgg19RawTensor * tensor, float *dst)
{
  vgg19_dtype_to_f32 (tensor->dtype, tensor->data, tensor->n_elements, dst);
}
