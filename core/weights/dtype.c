/* Element types of stored tensors: names, sizes and the conversion to
 * float32.
 *
 * Stored data is little-endian and may sit at any address (a pickle's
 * storages and a safetensors file's tensors have no alignment guarantee),
 * so every element is read through memcpy, never through a cast pointer.
 * The half-precision conversions are written in plain C on purpose: they
 * run once per load, and the same code must be right on every x86-64,
 * with or without F16C or AVX-512 BF16.
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

/* IEEE 754 binary16 to binary32. Every half is exactly representable as a
 * float, so this is exact, including subnormals, infinities and NaN
 * payloads (a NaN stays a NaN of the same sign). */
static float
half_to_float (guint16 h)
{
  guint32 sign = (guint32) (h & 0x8000) << 16;
  guint32 exponent = (h >> 10) & 0x1f;
  guint32 mantissa = h & 0x3ff;

  if (exponent == 0x1f)
    return float_from_bits (sign | 0x7f800000u | (mantissa << 13));
  if (exponent == 0) {
    /* Zero or subnormal: mantissa * 2^-24, exact in float arithmetic. */
    float magnitude = (float) mantissa * (1.0f / 16777216.0f);
    return sign ? -magnitude : magnitude;
  }
  /* Rebias the exponent from 15 to 127. */
  return float_from_bits (sign | ((exponent + 112) << 23) | (mantissa << 13));
}

/* bfloat16 is the upper half of a float32. */
static float
bf16_to_float (guint16 b)
{
  return float_from_bits ((guint32) b << 16);
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

void
vgg19_raw_tensor_to_f32 (const Vgg19RawTensor * tensor, float *dst)
{
  const guint8 *src = tensor->data;
  guint64 i, n = tensor->n_elements;

  if (n == 0)
    return;

  switch (tensor->dtype) {
    case VGG19_DTYPE_F32:
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
      memcpy (dst, src, (gsize) n * sizeof (float));
#else
      for (i = 0; i < n; i++)
        dst[i] = float_from_bits (load_u32 (src + 4 * i));
#endif
      break;
    case VGG19_DTYPE_F16:
      for (i = 0; i < n; i++)
        dst[i] = half_to_float (load_u16 (src + 2 * i));
      break;
    case VGG19_DTYPE_BF16:
      for (i = 0; i < n; i++)
        dst[i] = bf16_to_float (load_u16 (src + 2 * i));
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
