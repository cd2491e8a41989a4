/* Top-k classes with softmax scores, and the feature losses. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <vgg19/vgg19.h>

/* Reference softmax probability of class @i, in long double. */
static double
softmax_ref (const float *logits, guint n, guint i)
{
  long double max = -INFINITY, sum = 0;
  guint j;

  for (j = 0; j < n; j++)
    if (logits[j] > max)
      max = logits[j];
  for (j = 0; j < n; j++)
    sum += expl ((long double) logits[j] - max);
  return (double) (expl ((long double) logits[i] - max) / sum);
}

START_TEST (test_top_k_order_and_scores)
{
  static const float logits[6] = { 0.5f, 3.0f, -1.0f, 2.0f, 3.5f, 0.0f };
  static const guint expected[4] = { 4, 1, 3, 0 };
  guint classes[4];
  float scores[4];
  guint i, n;

  n = vgg19_top_k (logits, 6, 4, classes, scores);
  ck_assert_uint_eq (n, 4);
  for (i = 0; i < 4; i++) {
    ck_assert_uint_eq (classes[i], expected[i]);
    ck_assert_float_eq_tol (scores[i], softmax_ref (logits, 6, classes[i]),
        1e-7);
  }
  for (i = 1; i < 4; i++)
    ck_assert (scores[i] <= scores[i - 1]);
}
END_TEST

START_TEST (test_top_k_ties_lower_index_first)
{
  static const float logits[7] = { 1.0f, 5.0f, 2.0f, 5.0f, 2.0f, 5.0f,
    2.0f
  };
  static const guint expected[5] = { 1, 3, 5, 2, 4 };
  guint classes[5];
  float scores[5];
  guint i;

  ck_assert_uint_eq (vgg19_top_k (logits, 7, 5, classes, scores), 5);
  for (i = 0; i < 5; i++)
    ck_assert_uint_eq (classes[i], expected[i]);
  ck_assert_float_eq (scores[0], scores[1]);
  ck_assert_float_eq (scores[1], scores[2]);
}
END_TEST

START_TEST (test_top_k_clamps_k)
{
  static const float logits[3] = { -2.0f, 7.0f, 1.0f };
  guint classes[10];
  float scores[10];
  double sum = 0.0;
  guint i;

  memset (classes, 0xff, sizeof (classes));
  ck_assert_uint_eq (vgg19_top_k (logits, 3, 10, classes, scores), 3);
  ck_assert_uint_eq (classes[0], 1);
  ck_assert_uint_eq (classes[1], 2);
  ck_assert_uint_eq (classes[2], 0);
  /* Nothing written past the clamped count. */
  ck_assert_uint_eq (classes[3], G_MAXUINT);
  for (i = 0; i < 3; i++)
    sum += scores[i];
  ck_assert_double_eq_tol (sum, 1.0, 1e-6);

  ck_assert_uint_eq (vgg19_top_k (logits, 3, 0, classes, scores), 0);
  ck_assert_uint_eq (vgg19_top_k (logits, 0, 5, classes, scores), 0);
  ck_assert_uint_eq (vgg19_top_k (NULL, 3, 5, classes, scores), 0);
  /* Scores are optional. */
  ck_assert_uint_eq (vgg19_top_k (logits, 3, 1, classes, NULL), 1);
  ck_assert_uint_eq (classes[0], 1);
}
END_TEST

/* Large logits would overflow exp() without the shift by the maximum. */
START_TEST (test_top_k_stable_softmax)
{
  static const float logits[3] = { 1000.0f, 999.0f, -1000.0f };
  guint classes[3];
  float scores[3];

  ck_assert_uint_eq (vgg19_top_k (logits, 3, 3, classes, scores), 3);
  ck_assert_float_eq_tol (scores[0], 1.0 / (1.0 + exp (-1.0)), 1e-7);
  ck_assert_float_eq_tol (scores[1], exp (-1.0) / (1.0 + exp (-1.0)), 1e-7);
  ck_assert_float_eq (scores[2], 0.0f);
  ck_assert (isfinite (scores[0]) && isfinite (scores[1]));
}
END_TEST

START_TEST (test_top_k_non_finite)
{
  const float logits[5] = { NAN, 1.0f, -INFINITY, 2.0f, NAN };
  const float all_low[3] = { -INFINITY, -INFINITY, -INFINITY };
  const float inf[4] = { 1.0f, INFINITY, 3.0f, INFINITY };
  guint classes[5];
  float scores[5];

  /* NaN ranks last, never ahead of a number. */
  ck_assert_uint_eq (vgg19_top_k (logits, 5, 5, classes, NULL), 5);
  ck_assert_uint_eq (classes[0], 3);
  ck_assert_uint_eq (classes[1], 1);
  ck_assert_uint_eq (classes[2], 2);
  ck_assert_uint_eq (classes[3], 0);
  ck_assert_uint_eq (classes[4], 4);

  ck_assert_uint_eq (vgg19_top_k (all_low, 3, 2, classes, scores), 2);
  ck_assert_uint_eq (classes[0], 0);
  ck_assert_float_eq_tol (scores[0], 1.0f / 3, 1e-7);

  ck_assert_uint_eq (vgg19_top_k (inf, 4, 3, classes, scores), 3);
  ck_assert_uint_eq (classes[0], 1);
  ck_assert_uint_eq (classes[1], 3);
  ck_assert_uint_eq (classes[2], 2);
  ck_assert_float_eq (scores[0], 0.5f);
  ck_assert_float_eq (scores[1], 0.5f);
  ck_assert_float_eq (scores[2], 0.0f);
}
END_TEST

static const float *sort_logits;

static int
by_rank (const void *a, const void *b)
{
  guint i = *(const guint *) a, j = *(const guint *) b;

  if (sort_logits[i] != sort_logits[j])
    return sort_logits[i] > sort_logits[j] ? -1 : 1;
  return i < j ? -1 : (i > j);
}

/* 1000 classes with many repeated values, against a full sort. */
START_TEST (test_top_k_matches_full_sort)
{
  GRand *r = g_rand_new_with_seed (3);
  float logits[1000];
  guint order[1000], classes[1000];
  float scores[1000];
  guint i, trial;
  static const guint ks[] = { 1, 5, 17, 999, 1000 };

  for (trial = 0; trial < G_N_ELEMENTS (ks); trial++) {
    for (i = 0; i < 1000; i++) {
      logits[i] = (float) g_rand_int_range (r, -50, 50) / 4.0f;
      order[i] = i;
    }
    sort_logits = logits;
    qsort (order, 1000, sizeof (guint), by_rank);
    ck_assert_uint_eq (vgg19_top_k (logits, 1000, ks[trial], classes,
            scores), ks[trial]);
    for (i = 0; i < ks[trial]; i++) {
      ck_assert_uint_eq (classes[i], order[i]);
      ck_assert_float_eq_tol (scores[i], softmax_ref (logits, 1000,
              order[i]), 1e-7);
    }
  }
  g_rand_free (r);
}
END_TEST

START_TEST (test_loss_values)
{
  static const float a[4] = { 1.0f, -2.0f, 0.5f, 3.0f };
  static const float b[4] = { 0.0f, 2.0f, 0.5f, 1.0f };

  /* (1 + 16 + 0 + 4) / 4 and (1 + 4 + 0 + 2) / 4. */
  ck_assert_double_eq (vgg19_loss (a, b, 4, VGG19_LOSS_MSE), 21.0 / 4);
  ck_assert_double_eq (vgg19_loss (a, b, 4, VGG19_LOSS_L1), 7.0 / 4);
  ck_assert_double_eq (vgg19_loss (a, a, 4, VGG19_LOSS_MSE), 0.0);
  ck_assert_double_eq (vgg19_loss (b, a, 4, VGG19_LOSS_L1), 7.0 / 4);
  ck_assert (isnan (vgg19_loss (a, b, 0, VGG19_LOSS_MSE)));
  ck_assert (isnan (vgg19_loss (a, b, 4, (Vgg19Loss) 9)));
}
END_TEST

/* One term of 2^24 then 1000 terms of 1: a float accumulator stays at
 * 2^24 (16777217 is not a float), a double one does not. */
START_TEST (test_loss_accumulates_in_double)
{
  float a[1001], b[1001];
  guint i;

  a[0] = 4096.0f;
  b[0] = 0.0f;
  for (i = 1; i < 1001; i++) {
    a[i] = 1.0f;
    b[i] = 0.0f;
  }
  ck_assert_double_eq (vgg19_loss (a, b, 1001, VGG19_LOSS_MSE),
      (16777216.0 + 1000.0) / 1001.0);
  a[0] = 16777216.0f;
  ck_assert_double_eq (vgg19_loss (a, b, 1001, VGG19_LOSS_L1),
      (16777216.0 + 1000.0) / 1001.0);
  /* Differences are taken in double as well: in float, 1 - 1e-10 is 1. */
  a[0] = 1.0f;
  b[0] = 1e-10f;
  ck_assert_double_eq (vgg19_loss (a, b, 1, VGG19_LOSS_MSE),
      (1.0 - (double) 1e-10f) * (1.0 - (double) 1e-10f));
  ck_assert (vgg19_loss (a, b, 1, VGG19_LOSS_L1) < 1.0);
}
END_TEST

START_TEST (test_loss_names)
{
  GError *error = NULL;
  Vgg19Loss l;

  ck_assert (vgg19_loss_from_string ("mse", &l, &error));
  ck_assert_int_eq (l, VGG19_LOSS_MSE);
  ck_assert (vgg19_loss_from_string ("l1", &l, &error));
  ck_assert_int_eq (l, VGG19_LOSS_L1);
  ck_assert_str_eq (vgg19_loss_to_string (VGG19_LOSS_MSE), "mse");
  ck_assert_str_eq (vgg19_loss_to_string (VGG19_LOSS_L1), "l1");
  ck_assert (!vgg19_loss_from_string ("l2", &l, &error));
  ck_assert (g_error_matches (error, VGG19_ERROR,
          VGG19_ERROR_INVALID_ARGUMENT));
  ck_assert_ptr_nonnull (strstr (error->message, "l2"));
  g_clear_error (&error);
  ck_assert (!vgg19_loss_from_string (NULL, &l, &error));
  g_clear_error (&error);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("results");
  TCase *tc = tcase_create ("results");
  SRunner *sr;
  int failed;

  tcase_add_test (tc, test_top_k_order_and_scores);
  tcase_add_test (tc, test_top_k_ties_lower_index_first);
  tcase_add_test (tc, test_top_k_clamps_k);
  tcase_add_test (tc, test_top_k_stable_softmax);
  tcase_add_test (tc, test_top_k_non_finite);
  tcase_add_test (tc, test_top_k_matches_full_sort);
  tcase_add_test (tc, test_loss_values);
  tcase_add_test (tc, test_loss_accumulates_in_double);
  tcase_add_test (tc, test_loss_names);
  suite_add_tcase (s, tc);
  sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
