/* The bf16 building blocks: conversion, Linear layer, Winograd products.
 *
 *  - conversion: the portable rounding against an independent reference
 *    (nearest of the two neighbouring bf16 values, decided in double) on
 *    every upper half with the low halves that matter (ties, just above and
 *    below), and hand-checked special values; then the AVX512_BF16
 *    converter against the portable one bit for bit on every upper half
 *    with 32 low halves (those above and random ones), on 16M random bit
 *    patterns, and on every length and misalignment of the vector tail;
 *  - Linear layer and Winograd products: both kernels against the
 *    summation order their headers document, recomputed here from the
 *    float32 data with the documented index formulas: equal bit for bit
 *    (tolerance 0: the products are exact and the order is fixed). That
 *    order is then checked to compute the right thing against a double
 *    reference, within the classic a-priori bound of recursive float32
 *    summation, |error| <= gamma(d) * sum |terms| with
 *    gamma(d) = d u / (1 - d u), u = 2^-24 and d the number of additions
 *    a result goes through; and the Linear layer against the unrounded
 *    float32 inputs within the bf16 rounding bound
 *    (2 u16 + u16^2) * sum |w x|, u16 = 2^-8, plus gamma(d) on top;
 *  - the selection: the VGG19_DISABLE rule and the kernel sets.
 *
 * Outputs outside the rows, blocks or tiles a call was given hold a canary
 * bit pattern that must survive. When the CPU lacks AVX512_BF16 the
 * comparisons that need it print NOT RUN; the rest still runs.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bf16.h"
#include "bf16_gemv.h"
#include "bf16_kernels.h"
#include "cpu.h"
#include "winograd_bf16.h"

#define CANARY 0x7fc0dead

/* ck_assert_msg() records the line on every call (a write to the parent
 * process when tests fork), too slow for loops over millions of values:
 * this one costs a comparison until it fails. */
#define CHECK(cond, ...) \
  G_STMT_START { \
    if (G_UNLIKELY (!(cond))) \
      ck_abort_msg (__VA_ARGS__); \
  } G_STMT_END

static const double U32 = 1.0 / 16777216.0;     /* 2^-24 */
static const double U16 = 1.0 / 256.0;  /* 2^-8: bf16's unit roundoff */

/* TRUE when the AVX512_BF16 kernels can run here; otherwise says so. */
static gboolean
have_bf16 (const char *what)
{
  if (vgg19_cpu_has_avx512_bf16 ())
    return TRUE;
  printf ("test_bf16: %s: AVX512_BF16 comparison NOT RUN: this CPU/OS "
      "lacks AVX512_BF16\n", what);
  fflush (stdout);
  return FALSE;
}

static float
from_bits (guint32 u)
{
  float f;

  memcpy (&f, &u, sizeof (f));
  return f;
}

static guint32
to_bits (float f)
{
  guint32 u;

  memcpy (&u, &f, sizeof (u));
  return u;
}

static double
gamma_bound (guint d)
{
  return d * U32 / (1.0 - d * U32);
}

static float
bf16_round (float f)
{
  return vgg19_bf16_to_f32 (vgg19_f32_to_bf16 (f));
}

static float *
random_floats (GRand * r, gsize n, double lo, double hi)
{
  float *p = g_new (float, n);
  gsize i;

  for (i = 0; i < n; i++)
    p[i] = (float) g_rand_double_range (r, lo, hi);
  return p;
}

static void
fill_canary (float *p, gsize n)
{
  float c = from_bits (CANARY);
  gsize i;

  for (i = 0; i < n; i++)
    p[i] = c;
}

/* ------------------------------------------------------------------ */
/* Conversion                                                           */
/* ------------------------------------------------------------------ */

/* bf16.h's rule, by a different road: the bf16 value nearest to f among
 * the two that bracket it, ties to the even one, distances in double
 * (exact: both differences fit in 53 bits). */
static guint16
reference_bf16 (guint32 u)
{
  const float f = from_bits (u);
  guint32 lo, hi;
  double d_lo, d_hi, dist_lo, dist_hi;

  if (isnan (f))
    return (guint16) ((u >> 16) | 0x40);
  if (f == 0.0f || fpclassify (f) == FP_SUBNORMAL)
    return (guint16) ((u >> 16) & 0x8000);
  if (isinf (f))
    return (guint16) (u >> 16);
  lo = u & 0xffff0000u;         /* toward zero */
  hi = lo + 0x10000u;           /* away from zero, maybe to infinity */
  d_lo = from_bits (lo);
  /* Beyond the largest float the next step is 2^128 in magnitude, where
   * float32 has infinity. */
  d_hi = (hi & 0x7f800000u) == 0x7f800000u ?
      copysign (ldexp (1.0, 128), f) : (double) from_bits (hi);
  dist_lo = fabs ((double) f - d_lo);
  dist_hi = fabs (d_hi - (double) f);
  if (dist_lo < dist_hi)
    return (guint16) (lo >> 16);
  if (dist_hi < dist_lo)
    return (guint16) (hi >> 16);
  return (guint16) (((lo >> 16) & 1) ? hi >> 16 : lo >> 16);
}

START_TEST (test_convert_special)
{
  static const struct
  {
    guint32 in;
    guint16 out;
    const char *what;
  } cases[] = {
    {0x00000000, 0x0000, "+0"},
    {0x80000000, 0x8000, "-0"},
    {0x3f800000, 0x3f80, "1"},
    {0xc0490fdb, 0xc049, "-pi (rounds down in magnitude)"},
    {0x7f800000, 0x7f80, "+inf"},
    {0xff800000, 0xff80, "-inf"},
    {0x7fc00000, 0x7fc0, "quiet NaN"},
    {0xffc00001, 0xffc0, "negative quiet NaN"},
    {0x7f800001, 0x7fc0, "signalling NaN, payload only in the low half"},
    {0xff800001, 0xffc0, "negative signalling NaN"},
    {0x7fbfffff, 0x7fff, "NaN with a full payload"},
    {0x00000001, 0x0000, "smallest denormal"},
    {0x807fffff, 0x8000, "largest negative denormal"},
    {0x00400000, 0x0000, "denormal"},
    {0x00800000, 0x0080, "smallest normal"},
    {0x80800000, 0x8080, "smallest negative normal"},
    {0x3f808000, 0x3f80, "tie, even below: down"},
    {0x3f818000, 0x3f82, "tie, odd below: up"},
    {0xbf818000, 0xbf82, "negative tie, odd below: up in magnitude"},
    {0x3f807fff, 0x3f80, "just below a tie"},
    {0x3f808001, 0x3f81, "just above a tie"},
    {0x3f80ffff, 0x3f81, "just below the next value"},
    {0x7f7f7fff, 0x7f7f, "just below the tie at the largest bf16"},
    {0x7f7f8000, 0x7f80, "tie at the largest bf16: up to infinity"},
    {0x7f7fffff, 0x7f80, "largest float: infinity"},
    {0xff7fffff, 0xff80, "most negative float: -infinity"},
  };
  guint32 in[G_N_ELEMENTS (cases)];
  guint16 out[G_N_ELEMENTS (cases)];
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    guint16 got = vgg19_f32_to_bf16 (from_bits (cases[i].in));

    ck_assert_msg (reference_bf16 (cases[i].in) == cases[i].out,
        "the test's reference disagrees with the table for %s", cases[i].what);
    ck_assert_msg (got == cases[i].out, "%s: %08x -> %04x, expected %04x",
        cases[i].what, cases[i].in, got, cases[i].out);
    in[i] = cases[i].in;
  }

  vgg19_f32_to_bf16_array__scalar ((const float *) in, out,
      G_N_ELEMENTS (cases));
  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    ck_assert_msg (out[i] == cases[i].out, "scalar array: %s: %04x, "
        "expected %04x", cases[i].what, out[i], cases[i].out);

  if (have_bf16 ("special values")) {
    memset (out, 0, sizeof (out));
    vgg19_f32_to_bf16_array__avx512bf16 ((const float *) in, out,
        G_N_ELEMENTS (cases));
    for (i = 0; i < G_N_ELEMENTS (cases); i++)
      ck_assert_msg (out[i] == cases[i].out, "avx512bf16: %s: %08x -> %04x, "
          "expected %04x", cases[i].what, cases[i].in, out[i], cases[i].out);
  }

  /* Back to float32: exact, and every non-NaN, non-denormal bf16 comes
   * back unchanged. */
  for (i = 0; i < 0x10000; i++) {
    float f = vgg19_bf16_to_f32 ((guint16) i);

    CHECK (to_bits (f) == (guint32) i << 16, "bf16 %04x -> %08x", i,
        to_bits (f));
    if (isnan (f))
      CHECK (isnan (bf16_round (f)), "bf16 NaN %04x lost its NaN", i);
    else if (fpclassify (f) != FP_SUBNORMAL)
      CHECK (vgg19_f32_to_bf16 (f) == i, "bf16 %04x does not come back", i);
  }
}
END_TEST

/* Every upper half, with the low halves where rounding decides: zero,
 * just above zero, just below, at and above the tie, the top, and a
 * random one. */
START_TEST (test_convert_reference)
{
  static const guint32 lows[] = { 0x0000, 0x0001, 0x7fff, 0x8000, 0x8001,
    0xffff
  };
  GRand *r = g_rand_new_with_seed (11);
  guint32 hi_half, k;

  for (hi_half = 0; hi_half < 0x10000; hi_half++)
    for (k = 0; k <= G_N_ELEMENTS (lows); k++) {
      guint32 low = k < G_N_ELEMENTS (lows) ? lows[k] : g_rand_int (r) & 0xffff;
      guint32 u = hi_half << 16 | low;
      guint16 want = reference_bf16 (u), got =
          vgg19_f32_to_bf16 (from_bits (u));

      CHECK (got == want, "%08x (%.9g) -> %04x, the nearest bf16 (ties to "
          "even) is %04x", u, from_bits (u), got, want);
    }
  g_rand_free (r);
}
END_TEST

/* AVX512_BF16 against portable: every upper half (sign, exponent, top
 * of the mantissa: all classes of value) with the low halves that decide
 * the rounding and random ones, then random bit patterns. */
static void
compare_converters (const guint32 * in, gsize n)
{
  guint16 *want = g_new (guint16, n), *got = g_new (guint16, n);
  gsize i;

  vgg19_f32_to_bf16_array__scalar ((const float *) in, want, n);
  vgg19_f32_to_bf16_array__avx512bf16 ((const float *) in, got, n);
  for (i = 0; i < n; i++)
    CHECK (want[i] == got[i], "%08x: avx512bf16 %04x, portable %04x", in[i],
        got[i], want[i]);
  g_free (want);
  g_free (got);
}

START_TEST (test_convert_agree)
{
  static const guint32 lows[] = { 0x0000, 0x0001, 0x7fff, 0x8000, 0x8001,
    0xffff
  };
  const gsize per_half = 32, n_random = 1 << 24;
  GRand *r = g_rand_new_with_seed (13);
  guint32 *in;
  gsize i;

  if (!have_bf16 ("random and special values")) {
    g_rand_free (r);
    return;
  }
  in = g_new (guint32, MAX (0x10000 * per_half, n_random));
  for (i = 0; i < 0x10000 * per_half; i++) {
    guint32 k = i % per_half;

    in[i] = (guint32) (i / per_half) << 16 | (k < G_N_ELEMENTS (lows) ?
        lows[k] : g_rand_int (r) & 0xffff);
  }
  compare_converters (in, 0x10000 * per_half);
  for (i = 0; i < n_random; i++)
    in[i] = g_rand_int (r);
  compare_converters (in, n_random);
  g_free (in);
  g_rand_free (r);
}
END_TEST

/* Lengths 0 .. 100 at every alignment mod 64 bytes: the masked tail must
 * convert what it is given and write nothing beyond. */
START_TEST (test_convert_tails)
{
  GRand *r = g_rand_new_with_seed (5);
  guint32 src[128 + 16];
  guint16 want[128 + 32], got[128 + 32];
  guint n, off, i;

  if (!have_bf16 ("vector tails"))
    goto out;
  for (i = 0; i < G_N_ELEMENTS (src); i++)
    src[i] = g_rand_int (r);
  for (n = 0; n <= 100; n++)
    for (off = 0; off < 16; off++) {
      for (i = 0; i < G_N_ELEMENTS (got); i++)
        want[i] = got[i] = 0xabcd;
      vgg19_f32_to_bf16_array__scalar ((const float *) src + off, want + off,
          n);
      vgg19_f32_to_bf16_array__avx512bf16 ((const float *) src + off,
          got + off, n);
      for (i = 0; i < G_N_ELEMENTS (got); i++)
        CHECK (want[i] == got[i], "n %u, offset %u, element %u: avx512bf16 "
            "%04x, portable %04x (0xabcd: untouched)", n, off, i, got[i],
            want[i]);
    }
out:
  g_rand_free (r);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Linear layer                                                         */
/* ------------------------------------------------------------------ */

/* One row in bf16_gemv.h's order, from float32 data rounded here. */
static float
gemv_documented_row (const float *w, const float *x, guint in, float bias)
{
  float s[16] = { 0.0f };
  guint k, l, half;

  for (k = 0; k < (in + 31) / 32; k++)
    for (l = 0; l < 16; l++) {
      guint odd = 32 * k + 2 * l + 1, even = 32 * k + 2 * l;

      s[l] += odd < in ? bf16_round (w[odd]) * bf16_round (x[odd]) : 0.0f;
      s[l] += even < in ? bf16_round (w[even]) * bf16_round (x[even]) : 0.0f;
    }
  for (half = 8; half > 0; half /= 2)
    for (l = 0; l < half; l++)
      s[l] += s[l + half];
  return s[0] + bias;
}

typedef struct
{
  guint in, out;
  gsize ldw;
  gboolean bias;
} GemvShape;

static void
check_gemv_shape (const GemvShape * sh, GRand * r, gboolean simd,
    double *worst_rel)
{
  const gsize n_w = sh->ldw * sh->out;
  float *w = random_floats (r, n_w, -1.0, 1.0);
  float *x = random_floats (r, sh->in, -2.0, 2.0);
  float *bias = sh->bias ? random_floats (r, sh->out, -1.0, 1.0) : NULL;
  guint16 *w16 = g_new (guint16, n_w + 1);
  guint16 *x16 = g_new (guint16, sh->in + 1);
  float *want = g_new (float, sh->out);
  float *got = g_new (float, sh->out + 2);
  /* d: 2 additions per chunk, 4 folds, the bias */
  const guint d = 2 * ((sh->in + 31) / 32) + 5;
  guint o, i, pass;
  /* Row ranges: everything at once, then three uneven pieces. */
  guint cut1 = sh->out / 3, cut2 = sh->out - sh->out / 4;

  /* Misaligned by one element, as a caller's buffer may be. */
  vgg19_f32_to_bf16_array__scalar (w, w16 + 1, n_w);
  vgg19_f32_to_bf16_array__scalar (x, x16 + 1, sh->in);

  for (o = 0; o < sh->out; o++) {
    const float *wr = w + o * sh->ldw;
    float b = bias ? bias[o] : 0.0f;
    double exact = b, exact_unrounded = b, abs_sum = fabs (b),
        abs_sum_unrounded = fabs (b);

    want[o] = gemv_documented_row (wr, x, sh->in, b);
    for (i = 0; i < sh->in; i++) {
      double p = (double) bf16_round (wr[i]) * bf16_round (x[i]);
      double q = (double) wr[i] * x[i];

      exact += p;
      abs_sum += fabs (p);
      exact_unrounded += q;
      abs_sum_unrounded += fabs (q);
    }
    CHECK (fabs (want[o] - exact) <= gamma_bound (d) * abs_sum,
        "in %u, row %u: the documented order gives %.9g, exactly %.9g: "
        "beyond gamma(%u) * %.6g", sh->in, o, want[o], exact, d, abs_sum);
    CHECK (fabs (want[o] - exact_unrounded) <=
        (2 * U16 + U16 * U16) * abs_sum_unrounded + gamma_bound (d) * abs_sum,
        "in %u, row %u: %.9g vs %.9g from the unrounded float32 inputs: "
        "beyond the bf16 rounding bound", sh->in, o, want[o], exact_unrounded);
    if (abs_sum_unrounded > 0)
      *worst_rel = MAX (*worst_rel, fabs (want[o] - exact_unrounded) /
          abs_sum_unrounded);
  }

  for (pass = 0; pass < (simd ? 2u : 1u); pass++) {
    Vgg19Bf16GemvFn fn = pass == 0 ? vgg19_bf16_gemv__scalar :
        vgg19_bf16_gemv__avx512bf16;
    const char *name = pass == 0 ? "scalar" : "avx512bf16";
    const float *b = bias;

    /* got[0] and got[out + 1] are canaries around y. */
    fill_canary (got, sh->out + 2);
    fn (w16 + 1, sh->ldw, b, x16 + 1, sh->in, got + 1, 0, sh->out);
    for (o = 0; o < sh->out; o++)
      CHECK (to_bits (got[o + 1]) == to_bits (want[o]), "%s, in %u "
          "out %u ldw %zu: row %u = %.9g (%08x), the documented order "
          "gives %.9g (%08x)", name, sh->in, sh->out, sh->ldw, o, got[o + 1],
          to_bits (got[o + 1]), want[o], to_bits (want[o]));
    ck_assert_uint_eq (to_bits (got[0]), CANARY);
    ck_assert_uint_eq (to_bits (got[sh->out + 1]), CANARY);

    /* Pieces: each call writes its rows only. */
    fill_canary (got, sh->out + 2);
    fn (w16 + 1, sh->ldw, b, x16 + 1, sh->in, got + 1, cut1, cut2);
    for (o = 0; o < sh->out + 2; o++) {
      gboolean inside = o >= cut1 + 1 && o < cut2 + 1;

      if (inside)
        CHECK (to_bits (got[o]) == to_bits (want[o - 1]),
            "%s, rows [%u, %u) of %u: row %u differs", name, cut1, cut2,
            sh->out, o - 1);
      else
        CHECK (to_bits (got[o]) == CANARY, "%s, rows [%u, %u) of "
            "%u: wrote outside, at %d", name, cut1, cut2, sh->out, (int) o - 1);
    }
    fn (w16 + 1, sh->ldw, b, x16 + 1, sh->in, got + 1, 0, cut1);
    fn (w16 + 1, sh->ldw, b, x16 + 1, sh->in, got + 1, cut2, sh->out);
    for (o = 0; o < sh->out; o++)
      CHECK (to_bits (got[o + 1]) == to_bits (want[o]), "%s: row %u "
          "differs when the rows come in three pieces", name, o);
  }

  g_free (w);
  g_free (x);
  g_free (bias);
  g_free (w16);
  g_free (x16);
  g_free (want);
  g_free (got);
}

START_TEST (test_gemv)
{
  static const GemvShape shapes[] = {
    {1, 1, 1, TRUE},
    {5, 3, 5, TRUE},
    {31, 3, 31, TRUE},
    {32, 1, 32, FALSE},
    {33, 3, 33, TRUE},
    {63, 7, 64, TRUE},          /* padded rows */
    {100, 1000, 100, TRUE},
    {257, 5, 300, FALSE},
    {4096, 1000, 4096, TRUE},   /* fc8 */
    {4096, 3, 4096, TRUE},
    {1000, 4096, 1000, TRUE},
    {25088, 3, 25088, TRUE},    /* fc6's row length */
    {4096, 4096, 4096, TRUE},   /* fc7 */
  };
  GRand *r = g_rand_new_with_seed (7);
  gboolean simd = have_bf16 ("bf16 Linear layer");
  double worst_rel = 0;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (shapes); i++)
    check_gemv_shape (&shapes[i], r, simd, &worst_rel);
  printf ("test_bf16: Linear layer: largest |y - y(float32 inputs)| / "
      "sum |w x| = %.3g (bound %.3g plus summation)\n", worst_rel,
      2 * U16 + U16 * U16);
  g_rand_free (r);
}
END_TEST

/* Zeros and a NaN: the sign of a zero sum, and NaN propagation. */
START_TEST (test_gemv_zeros_nan)
{
  guint16 w[2 * 40] = { 0 }, x[40] = { 0 };
  float y[2];
  gboolean simd = have_bf16 ("bf16 Linear layer, zeros and NaN");
  guint pass;

  w[40 + 37] = vgg19_f32_to_bf16 (NAN);
  x[37] = vgg19_f32_to_bf16 (1.0f);
  for (pass = 0; pass < (simd ? 2u : 1u); pass++) {
    Vgg19Bf16GemvFn fn = pass == 0 ? vgg19_bf16_gemv__scalar :
        vgg19_bf16_gemv__avx512bf16;

    fn (w, 40, NULL, x, 40, y, 0, 2);
    ck_assert_uint_eq (to_bits (y[0]), 0);      /* +0, not -0 */
    ck_assert (isnan (y[1]));
  }
}
END_TEST

/* ------------------------------------------------------------------ */
/* Winograd products                                                    */
/* ------------------------------------------------------------------ */

typedef struct
{
  guint ic, out_blocks, tiles;
  guint ob_begin, ob_end, t_begin, t_end;
} GemmShape;

/* U and V are indexed as winograd.h lays them out (float32), not through
 * the bf16 layouts, so the packing is checked too. */
static float
gemm_documented (const float *v, const float *u, guint ic, guint tiles,
    guint ob, guint t, guint o)
{
  float acc = 0.0f;
  guint j;

  for (j = 0; j < ic / 2; j++) {
    guint c1 = 2 * j + 1, c0 = 2 * j;
    float v1 = bf16_round (v[((gsize) (c1 / 16) * tiles + t) * 16 + c1 % 16]);
    float v0 = bf16_round (v[((gsize) (c0 / 16) * tiles + t) * 16 + c0 % 16]);
    float u1 = bf16_round (u[((gsize) ob * ic + c1) * 16 + o]);
    float u0 = bf16_round (u[((gsize) ob * ic + c0) * 16 + o]);

    acc += v1 * u1;
    acc += v0 * u0;
  }
  return acc;
}

static void
check_gemm_shape (const GemmShape * sh, GRand * r, gboolean simd,
    guint * n_checked)
{
  const guint oc = sh->out_blocks * 16;
  const gsize n_u = (gsize) 36 * oc * sh->ic;
  const gsize n_v = (gsize) 36 * sh->ic * sh->tiles;
  const gsize n_m = (gsize) 36 * oc * sh->tiles;
  float *u = random_floats (r, n_u, -1.0, 1.0);
  float *v = random_floats (r, n_v, -3.0, 3.0);
  guint16 *u16 = g_new (guint16, n_u);
  guint16 *v16 = g_new (guint16, n_v);
  float *m = g_new (float, n_m);
  guint p, ob, t, o, j, k, pass;

  vgg19_bf16_winograd_pack_u (u, oc, sh->ic, u16);
  /* The packing, element by element from the header's formula. */
  for (p = 0; p < 36; p++)
    for (ob = 0; ob < sh->out_blocks; ob++)
      for (j = 0; j < sh->ic / 2; j++)
        for (o = 0; o < 16; o++)
          for (k = 0; k < 2; k++) {
            gsize at = ((((gsize) p * sh->out_blocks + ob) * (sh->ic / 2) +
                    j) * 16 + o) * 2 + k;
            gsize from = (((gsize) p * sh->out_blocks + ob) * sh->ic + 2 * j +
                k) * 16 + o;

            CHECK (u16[at] == vgg19_f32_to_bf16 (u[from]),
                "U16[%u][%u][%u][%u][%u] is not U[%u][%u][%u][%u] in bf16",
                p, ob, j, o, k, p, ob, 2 * j + k, o);
          }
  vgg19_f32_to_bf16_array__scalar (v, v16, n_v);

  for (pass = 0; pass < (simd ? 2u : 1u); pass++) {
    Vgg19Bf16WinogradGemmFn fn = pass == 0 ?
        vgg19_bf16_winograd4x4_gemm__scalar :
        vgg19_bf16_winograd4x4_gemm__avx512bf16;
    const char *name = pass == 0 ? "scalar" : "avx512bf16";

    fill_canary (m, n_m);
    /* Odd points with the next point's U to prefetch, as the deep layers
     * call it: it must change nothing. */
    for (p = 0; p < 36; p++)
      fn (v16 + (gsize) p * sh->ic * sh->tiles, u16 + (gsize) p * oc * sh->ic,
          m + (gsize) p * oc * sh->tiles, sh->ic, sh->tiles, sh->ob_begin,
          sh->ob_end, sh->t_begin, sh->t_end,
          p % 2 && p + 1 < 36 ? u16 + (gsize) (p + 1) * oc * sh->ic : NULL);

    /* Every 5th point in full, the rest on their canaries only, which
     * keeps the reference's cost down. */
    for (p = 0; p < 36; p++)
      for (ob = 0; ob < sh->out_blocks; ob++)
        for (t = 0; t < sh->tiles; t++)
          for (o = 0; o < 16; o++) {
            const float *vp = v + (gsize) p * sh->ic * sh->tiles;
            const float *up = u + (gsize) p * oc * sh->ic;
            float got = m[(((gsize) p * sh->out_blocks + ob) * sh->tiles +
                    t) * 16 + o];
            gboolean inside = ob >= sh->ob_begin && ob < sh->ob_end
                && t >= sh->t_begin && t < sh->t_end;
            float want;

            if (!inside) {
              CHECK (to_bits (got) == CANARY, "%s, IC %u, blocks "
                  "[%u, %u) of %u, tiles [%u, %u) of %u: wrote M[%u][%u][%u]"
                  "[%u] outside", name, sh->ic, sh->ob_begin, sh->ob_end,
                  sh->out_blocks, sh->t_begin, sh->t_end, sh->tiles, p, ob, t,
                  o);
              continue;
            }
            if (p % 5 != 0)
              continue;
            want = gemm_documented (vp, up, sh->ic, sh->tiles, ob, t, o);
            CHECK (to_bits (got) == to_bits (want), "%s, IC %u, %u "
                "blocks, %u tiles: M[%u][%u][%u][%u] = %.9g (%08x), the "
                "documented order gives %.9g (%08x)", name, sh->ic,
                sh->out_blocks, sh->tiles, p, ob, t, o, got, to_bits (got),
                want, to_bits (want));
            if (pass == 0) {
              double exact = 0, abs_sum = 0;

              for (j = 0; j < sh->ic; j++) {
                double prod = (double) bf16_round (vp[((gsize) (j / 16) *
                            sh->tiles + t) * 16 + j % 16]) *
                    bf16_round (up[((gsize) ob * sh->ic + j) * 16 + o]);

                exact += prod;
                abs_sum += fabs (prod);
              }
              CHECK (fabs (want - exact) <=
                  gamma_bound (sh->ic) * abs_sum, "IC %u: the documented "
                  "order gives %.9g, exactly %.9g: beyond gamma(%u) * %.6g",
                  sh->ic, want, exact, sh->ic, abs_sum);
            }
            (*n_checked)++;
          }
  }

  g_free (u);
  g_free (v);
  g_free (u16);
  g_free (v16);
  g_free (m);
}

START_TEST (test_winograd_gemm)
{
  /* Tile counts below, at and above the register tile of 14 (and its
   * multiples), one to five output blocks (odd counts leave a single
   * block), sub-ranges as a caller splitting the work hands out. */
  static const GemmShape shapes[] = {
    {16, 1, 1, 0, 1, 0, 1},
    {16, 2, 5, 0, 2, 0, 5},
    {32, 3, 13, 0, 3, 0, 13},
    {32, 2, 14, 0, 2, 0, 14},
    {48, 1, 15, 0, 1, 0, 15},
    {64, 5, 28, 0, 5, 0, 28},
    {64, 4, 29, 0, 4, 0, 29},
    {16, 3, 49, 0, 3, 0, 49},
    {128, 2, 20, 0, 2, 0, 20},
    {64, 5, 40, 1, 4, 3, 31},   /* pieces: blocks 1..3, tiles 3..30 */
    {32, 4, 30, 3, 4, 14, 15},  /* one block, one tile */
    {16, 2, 9, 1, 2, 0, 9},
    {512, 2, 16, 0, 2, 0, 16},  /* VGG's widest input */
  };
  GRand *r = g_rand_new_with_seed (3);
  gboolean simd = have_bf16 ("bf16 Winograd products");
  guint i, n_checked = 0;

  for (i = 0; i < G_N_ELEMENTS (shapes); i++)
    check_gemm_shape (&shapes[i], r, simd, &n_checked);
  printf ("test_bf16: Winograd products: %u outputs equal bit for bit to "
      "the documented order\n", n_checked);
  g_rand_free (r);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Selection                                                            */
/* ------------------------------------------------------------------ */

START_TEST (test_disable_rule)
{
  static const struct
  {
    const char *disable;
    gboolean use;               /* on a CPU with AVX512_BF16 */
  } cases[] = {
    {NULL, TRUE},
    {"", TRUE},
    {"bf16", FALSE},
    {"BF16", FALSE},
    {"avx512", FALSE},
    {"avx2", FALSE},
    {"avx2, bf16", FALSE},
    {"foo", TRUE},
    {"bf16x", TRUE},
  };
  guint i, unknown = 99;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    ck_assert_msg (vgg19_cpu_apply_disable_bf16 (TRUE,
            cases[i].disable) == cases[i].use, "VGG19_DISABLE=\"%s\": "
        "expected AVX512_BF16 %s", cases[i].disable ? cases[i].disable :
        "(unset)", cases[i].use ? "used" : "not used");
    ck_assert (!vgg19_cpu_apply_disable_bf16 (FALSE, cases[i].disable));
  }
  /* "bf16" is a known name that leaves the float32 kernels alone. */
  ck_assert_int_eq (vgg19_cpu_apply_disable (VGG19_ISA_AVX512, "bf16",
          &unknown), VGG19_ISA_AVX512);
  ck_assert_uint_eq (unknown, 0);
}
END_TEST

/* vgg19_cpu_use_avx512_bf16() under each setting, each in a new process
 * since the answer is kept once given. */
static gboolean
use_in_child (const char *disable)
{
  pid_t pid;
  int status;

  fflush (stdout);
  pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0) {
    if (disable != NULL)
      setenv ("VGG19_DISABLE", disable, 1);
    else
      unsetenv ("VGG19_DISABLE");
    _exit (vgg19_cpu_use_avx512_bf16 ()? 1 : 0);
  }
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  ck_assert (WIFEXITED (status));
  return WEXITSTATUS (status) == 1;
}

START_TEST (test_use_per_environment)
{
  gboolean has = vgg19_cpu_has_avx512_bf16 ();

  ck_assert_int_eq (use_in_child (NULL), has);
  ck_assert_int_eq (use_in_child ("avx2"), FALSE);
  ck_assert_int_eq (use_in_child ("avx512"), FALSE);
  ck_assert_int_eq (use_in_child ("bf16"), FALSE);
  ck_assert_int_eq (use_in_child ("something-else"), has);
}
END_TEST

START_TEST (test_kernel_sets)
{
  const Vgg19Bf16Kernels *simd = vgg19_bf16_kernels_select (TRUE);
  const Vgg19Bf16Kernels *portable = vgg19_bf16_kernels_select (FALSE);

  ck_assert_str_eq (simd->name, "avx512bf16");
  ck_assert_str_eq (portable->name, "portable");
  ck_assert_ptr_eq (simd->convert, vgg19_f32_to_bf16_array__avx512bf16);
  ck_assert_ptr_eq (simd->gemv, vgg19_bf16_gemv__avx512bf16);
  ck_assert_ptr_eq (simd->winograd_gemm,
      vgg19_bf16_winograd4x4_gemm__avx512bf16);
  ck_assert_ptr_eq (portable->convert, vgg19_f32_to_bf16_array__scalar);
  ck_assert_ptr_eq (portable->gemv, vgg19_bf16_gemv__scalar);
  ck_assert_ptr_eq (portable->winograd_gemm,
      vgg19_bf16_winograd4x4_gemm__scalar);
  ck_assert_uint_ge (simd->gemv_rows, 1);
  ck_assert_uint_ge (simd->gemm_ob_step, 1);
  ck_assert_uint_ge (simd->gemm_t_step, 1);
  ck_assert_uint_ge (portable->gemv_rows, 1);
  ck_assert_uint_ge (portable->gemm_ob_step, 1);
  ck_assert_uint_ge (portable->gemm_t_step, 1);
}
END_TEST

static Suite *
bf16_suite (void)
{
  Suite *s = suite_create ("bf16");
  TCase *tc = tcase_create ("core");

  tcase_set_timeout (tc, 600);
  tcase_add_test (tc, test_convert_special);
  tcase_add_test (tc, test_convert_reference);
  tcase_add_test (tc, test_convert_agree);
  tcase_add_test (tc, test_convert_tails);
  tcase_add_test (tc, test_gemv);
  tcase_add_test (tc, test_gemv_zeros_nan);
  tcase_add_test (tc, test_winograd_gemm);
  tcase_add_test (tc, test_disable_rule);
  tcase_add_test (tc, test_use_per_environment);
  tcase_add_test (tc, test_kernel_sets);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (bf16_suite ());
  int failed;

  if (!vgg19_cpu_has_avx512_bf16 ())
    printf ("test_bf16: avx512bf16 kernels NOT RUN on this machine (no "
        "AVX512_BF16); the portable ones are tested\n");
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
