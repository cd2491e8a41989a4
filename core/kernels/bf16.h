/* bfloat16: float32's sign and 8-bit exponent with 7 mantissa bits, the
 * upper half of a float32. Private to the core.
 *
 * Values are held as guint16 bit patterns. The conversion from float32
 * rounds to nearest, ties to even, exactly like AVX512_BF16's
 * VCVTNE2PS2BF16, including what that instruction does at the edges:
 *  - NaN stays NaN, quiet: the upper 16 bits with the top mantissa bit set
 *    (so a NaN whose payload lies only in the low bits does not become
 *    infinity);
 *  - infinities stay infinities; finite values beyond the largest bf16
 *    round to infinity;
 *  - denormal inputs become zero of the same sign (the instruction treats
 *    them as zero). bf16 has float32's exponent range, so this only
 *    touches magnitudes below 1.2e-38, far from any VGG weight or
 *    activation, and it keeps the portable and AVX512_BF16 paths bit for
 *    bit the same.
 * A product of two bf16 values has at most 16 significant bits, so it is
 * exact in float32: bf16 kernels differ from float32 ones only by the
 * rounding of their inputs and by the order of their float32 sums.
 */
#ifndef VGG19_KERNELS_BF16_H
#define VGG19_KERNELS_BF16_H

#include <string.h>

#include <glib.h>

G_BEGIN_DECLS

static inline guint16
vgg19_f32_to_bf16 (float f)
{
  guint32 u;

  memcpy (&u, &f, sizeof (u));
  if ((u & 0x7f800000u) == 0)
    return (guint16) ((u >> 16) & 0x8000u);     /* zero or denormal */
  if ((u & 0x7fffffffu) > 0x7f800000u)
    return (guint16) ((u >> 16) | 0x0040u);     /* NaN: keep it quiet */
  /* Adding 0x7fff rounds up when the low half is above one half; the
   * extra 1 when the kept part is odd breaks ties to even. Infinity has a
   * zero low half and an even kept part, so it stays infinity, and the
   * carry out of the largest finite values gives infinity too. */
  u += 0x7fffu + ((u >> 16) & 1u);
  return (guint16) (u >> 16);
}

static inline float
vgg19_bf16_to_f32 (guint16 h)
{
  guint32 u = (guint32) h << 16;
  float f;

  memcpy (&f, &u, sizeof (f));
  return f;
}

/* Converts @n floats to bf16 as above. @src and @dst need no alignment. */
typedef void (*Vgg19Bf16ConvertFn) (const float *src, guint16 * dst, gsize n);

void vgg19_f32_to_bf16_array__scalar (const float *src, guint16 * dst, gsize n);
void vgg19_f32_to_bf16_array__avx512bf16 (const float *src, guint16 * dst,
    gsize n);

G_END_DECLS

#endif /* VGG19_KERNELS_BF16_H */
