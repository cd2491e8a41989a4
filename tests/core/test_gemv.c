/* The float32 Linear kernels: the portable one against a double oracle,
 * each SIMD one against the portable one, for row counts below, at and
 * above the 4 rows read side by side, input lengths that are and are not
 * multiples of 16, and row ranges starting anywhere (rows outside the
 * range keep a canary). A SIMD kernel the CPU lacks is reported as NOT
 * RUN on stdout.
 *
 * Tolerance: |err| <= 1e-6 * sum |w x| + 1e-6 (float32 sums of at most
 * a few thousand terms, folded pairwise at the end).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "f32_gemv.h"

#define CANARY -12345.0f

static const guint lengths[] = { 1, 15, 16, 17, 64, 100, 4096 };
static const guint row_counts[] = { 1, 3, 4, 5, 9, 33 };

static void
check_kernel (const Vgg19F32GemvKernel * k, gboolean against_double)
{
  const Vgg19F32GemvKernel *ref = vgg19_f32_gemv_select (VGG19_ISA_PORTABLE);
  GRand *r = g_rand_new_with_seed (11);
  guint li, ri, begin;

  for (li = 0; li < G_N_ELEMENTS (lengths); li++)
    for (ri = 0; ri < G_N_ELEMENTS (row_counts); ri++) {
      const guint in = lengths[li], out = row_counts[ri];
      float *w = g_new (float, (gsize) in * out), *x = g_new (float, in);
      float *bias = g_new (float, out), *y = g_new (float, out);
      float *want = g_new (float, out);
      gsize i;

      for (i = 0; i < (gsize) in * out; i++)
        w[i] = (float) g_rand_double_range (r, -1, 1);
      for (i = 0; i < in; i++)
        x[i] = (float) g_rand_double_range (r, -1, 1);
      for (i = 0; i < out; i++)
        bias[i] = (float) g_rand_double_range (r, -1, 1);
      ref->run (w, bias, x, in, want, 0, out);

      for (begin = 0; begin < out; begin++) {
        guint end = out - (begin % 2), o;

        for (o = 0; o < out; o++)
          y[o] = CANARY;
        k->run (w, bias, x, in, y, begin, end);
        for (o = 0; o < out; o++) {
          double exact = bias[o], mag = fabs (bias[o]);

          if (o < begin || o >= end) {
            ck_assert_msg (y[o] == CANARY, "%s: row %u written outside "
                "[%u, %u)", k->name, o, begin, end);
            continue;
          }
          for (i = 0; i < in; i++) {
            exact += (double) w[o * (gsize) in + i] * x[i];
            mag += fabs ((double) w[o * (gsize) in + i] * x[i]);
          }
          if (against_double)
            ck_assert_msg (fabs (y[o] - exact) <= 1e-6 * mag + 1e-6,
                "%s: in %u row %u: %.9g, exact %.9g", k->name, in, o, y[o],
                exact);
          else
            ck_assert_msg (fabs (y[o] - want[o]) <= 1e-6 * mag + 1e-6,
                "%s: in %u row %u: %.9g, portable %.9g", k->name, in, o,
                y[o], want[o]);
        }
      }
      g_free (w);
      g_free (x);
      g_free (bias);
      g_free (y);
      g_free (want);
    }
  g_rand_free (r);
}

START_TEST (test_portable_against_double)
{
  const Vgg19F32GemvKernel *k = vgg19_f32_gemv_select (VGG19_ISA_PORTABLE);

  ck_assert_int_eq (k->isa, VGG19_ISA_PORTABLE);
  check_kernel (k, TRUE);
}
END_TEST

START_TEST (test_simd_against_portable)
{
  static const Vgg19Isa isas[] = { VGG19_ISA_AVX2, VGG19_ISA_AVX512 };
  const Vgg19F32GemvKernel *k;

  if (!vgg19_cpu_supports (isas[_i])) {
    printf ("test_gemv: %s kernel NOT RUN: this CPU/OS lacks it\n",
        vgg19_isa_name (isas[_i]));
    return;
  }
  k = vgg19_f32_gemv_select (isas[_i]);
  ck_assert_int_eq (k->isa, isas[_i]);
  check_kernel (k, FALSE);
  check_kernel (k, TRUE);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("gemv");
  TCase *tc = tcase_create ("kernels");
  SRunner *sr;
  int failed;

  tcase_add_test (tc, test_portable_against_double);
  tcase_add_loop_test (tc, test_simd_against_portable, 0, 2);
  suite_add_tcase (s, tc);
  sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
