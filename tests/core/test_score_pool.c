/* Pooling per-frame scores: each statistic against values worked out by
 * hand from its definition in vgg19/metric.h. */
#include <check.h>
#include <math.h>

#include <vgg19/metric.h>

START_TEST (test_known_values)
{
  /* 1, 2, 3, 4, 10 in shuffled order. */
  static const double v[] = { 3, 10, 1, 4, 2 };
  Vgg19ScorePool *pool = vgg19_score_pool_new ();
  Vgg19PooledScore p;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (v); i++)
    vgg19_score_pool_add (pool, v[i]);
  vgg19_score_pool_get (pool, &p);
  ck_assert_uint_eq (p.count, 5);
  ck_assert_double_eq_tol (p.mean, 4.0, 1e-15);
  ck_assert (p.min == 1.0 && p.max == 10.0);
  /* libvmaf: n / sum 1 / (v + 1) - 1 = 5 / (1/2 + 1/3 + 1/4 + 1/5 + 1/11)
   * - 1. */
  ck_assert_double_eq_tol (p.harmonic_mean,
      5.0 / (1.0 / 2 + 1.0 / 3 + 1.0 / 4 + 1.0 / 5 + 1.0 / 11) - 1.0, 1e-14);
  /* Sorted 1 2 3 4 10: rank 0.05 * 4 = 0.2 -> 1 + 0.2 * (2 - 1);
   * rank 0.95 * 4 = 3.8 -> 4 + 0.8 * (10 - 4). numpy gives the same. */
  ck_assert_double_eq_tol (p.p5, 1.2, 1e-14);
  ck_assert_double_eq_tol (p.p95, 8.8, 1e-14);
  /* rank 0.01 * 4 = 0.04 -> 1.04; 0.1 * 4 = 0.4 -> 1.4; 0.25 * 4 = 1 -> 2;
   * 0.5 * 4 = 2 -> 3 (numpy.percentile agrees) */
  ck_assert_double_eq_tol (p.p1, 1.04, 1e-14);
  ck_assert_double_eq_tol (p.p10, 1.4, 1e-14);
  ck_assert (p.p25 == 2.0);
  ck_assert (p.median == 3.0);
  /* population std: sqrt(((1-4)^2 + (2-4)^2 + (3-4)^2 + 0 + 6^2) / 5) =
   * sqrt(50 / 5) = sqrt(10) (numpy.std, ddof 0) */
  ck_assert_double_eq_tol (p.stddev, sqrt (10.0), 1e-14);
  ck_assert_double_eq_tol (vgg19_score_pool_percentile (pool, 50), 3.0,
      1e-15);
  ck_assert (vgg19_score_pool_percentile (pool, 0) == 1.0);
  ck_assert (vgg19_score_pool_percentile (pool, 100) == 10.0);
  ck_assert (isnan (vgg19_score_pool_percentile (pool, 101)));
  ck_assert (isnan (vgg19_score_pool_percentile (pool, -1)));
  vgg19_score_pool_free (pool);
}
END_TEST

START_TEST (test_empty_single_and_nan)
{
  Vgg19ScorePool *pool = vgg19_score_pool_new ();
  Vgg19PooledScore p;

  vgg19_score_pool_get (pool, &p);
  ck_assert_uint_eq (p.count, 0);
  ck_assert (isnan (p.mean) && isnan (p.min) && isnan (p.max));
  ck_assert (isnan (p.harmonic_mean) && isnan (p.p5) && isnan (p.p95));
  ck_assert (isnan (p.median) && isnan (p.p1) && isnan (p.p10));
  ck_assert (isnan (p.p25) && isnan (p.stddev));

  vgg19_score_pool_add (pool, NAN);
  vgg19_score_pool_add (pool, 0.0);
  vgg19_score_pool_get (pool, &p);
  ck_assert_uint_eq (p.count, 1);
  ck_assert_uint_eq (vgg19_score_pool_get_n_nan (pool), 1);
  /* One zero: every statistic is 0, the harmonic mean too (1 / 1 - 1). */
  ck_assert (p.mean == 0 && p.min == 0 && p.max == 0);
  ck_assert (p.harmonic_mean == 0 && p.p5 == 0 && p.p95 == 0);
  ck_assert (p.median == 0 && p.p1 == 0 && p.stddev == 0);
  vgg19_score_pool_free (pool);
}
END_TEST

/* The shifted harmonic mean is undefined at or below -1. */
START_TEST (test_harmonic_mean_domain)
{
  Vgg19ScorePool *pool = vgg19_score_pool_new ();
  Vgg19PooledScore p;

  vgg19_score_pool_add (pool, 1.0);
  vgg19_score_pool_add (pool, -1.0);
  vgg19_score_pool_get (pool, &p);
  ck_assert (isnan (p.harmonic_mean));
  ck_assert (p.mean == 0.0);
  vgg19_score_pool_free (pool);
}
END_TEST

/* Many values: mean, min, max and percentiles of 0, 1, ..., 9999. */
START_TEST (test_many_values)
{
  Vgg19ScorePool *pool = vgg19_score_pool_new ();
  Vgg19PooledScore p;
  guint i;

  for (i = 0; i < 10000; i++)
    vgg19_score_pool_add (pool, (double) ((i * 7919u) % 10000u));
  vgg19_score_pool_get (pool, &p);
  ck_assert_uint_eq (p.count, 10000);
  ck_assert_double_eq_tol (p.mean, 4999.5, 1e-9);
  ck_assert (p.min == 0 && p.max == 9999);
  ck_assert_double_eq_tol (p.p5, 0.05 * 9999, 1e-9);
  ck_assert_double_eq_tol (p.p95, 0.95 * 9999, 1e-9);
  vgg19_score_pool_free (pool);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("score_pool");
  TCase *tc = tcase_create ("pool");
  SRunner *sr;
  int failed;

  tcase_add_test (tc, test_known_values);
  tcase_add_test (tc, test_empty_single_and_nan);
  tcase_add_test (tc, test_harmonic_mean_domain);
  tcase_add_test (tc, test_many_values);
  suite_add_tcase (s, tc);
  sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
