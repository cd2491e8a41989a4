/* Pooling per-frame scores over a clip: every value is kept (a double per
 * frame: 80 KB for 10,000 frames), because percentiles need them all. */
#include <vgg19/metric.h>

#include <math.h>
#include <stdlib.h>

struct _Vgg19ScorePool
{
  GArray *values;               /* double, not NaN, in arrival order */
  guint64 n_nan;
  double sum;
  double inv_sum;               /* sum of 1 / (v + 1) */
  gboolean inv_defined;         /* every v > -1 */
  double min;
  double max;
};

Vgg19ScorePool *
vgg19_score_pool_new (void)
{
  Vgg19ScorePool *pool = g_new0 (Vgg19ScorePool, 1);

  pool->values = g_array_new (FALSE, FALSE, sizeof (double));
  pool->inv_defined = TRUE;
  pool->min = INFINITY;
  pool->max = -INFINITY;
  return pool;
}

void
vgg19_score_pool_free (Vgg19ScorePool * pool)
{
  if (pool == NULL)
    return;
  g_array_unref (pool->values);
  g_free (pool);
}

void
vgg19_score_pool_add (Vgg19ScorePool * pool, double value)
{
  if (isnan (value)) {
    pool->n_nan++;
    return;
  }
  g_array_append_val (pool->values, value);
  pool->sum += value;
  if (value > -1.0)
    pool->inv_sum += 1.0 / (value + 1.0);
  else
    pool->inv_defined = FALSE;
  pool->min = MIN (pool->min, value);
  pool->max = MAX (pool->max, value);
}

guint64
vgg19_score_pool_get_n_nan (const Vgg19ScorePool * pool)
{
  return pool->n_nan;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

/* Linear interpolation between the order statistics around rank
 * p (n - 1) / 100, on an already sorted array. */
static double
percentile_sorted (const double *v, guint n, double p)
{
  double rank, frac;
  guint lo;

  if (n == 0 || !(p >= 0.0 && p <= 100.0))
    return NAN;
  rank = p * (n - 1) / 100.0;
  lo = (guint) floor (rank);
  if (lo >= n - 1)
    return v[n - 1];
  frac = rank - lo;
  return v[lo] + frac * (v[lo + 1] - v[lo]);
}

static double *
sorted_copy (const Vgg19ScorePool * pool)
{
  double *v = g_memdup2 (pool->values->data,
      (gsize) pool->values->len * sizeof (double));

  qsort (v, pool->values->len, sizeof (double), compare_doubles);
  return v;
}

double
vgg19_score_pool_percentile (const Vgg19ScorePool * pool, double p)
{
  double *v, result;

  if (pool->values->len == 0)
    return NAN;
  v = sorted_copy (pool);
  result = percentile_sorted (v, pool->values->len, p);
  g_free (v);
  return result;
}

void
vgg19_score_pool_get (const Vgg19ScorePool * pool, Vgg19PooledScore * out)
{
  guint n = pool->values->len;
  double *v;

  double sq = 0.0;
  guint i;

  out->count = n;
  if (n == 0) {
    out->mean = out->min = out->max = out->harmonic_mean = NAN;
    out->p5 = out->p95 = out->median = out->p1 = out->p10 = out->p25 = NAN;
    out->stddev = NAN;
    return;
  }
  out->mean = pool->sum / n;
  out->min = pool->min;
  out->max = pool->max;
  out->harmonic_mean = pool->inv_defined ? n / pool->inv_sum - 1.0 : NAN;
  v = sorted_copy (pool);
  out->p5 = percentile_sorted (v, n, 5.0);
  out->p95 = percentile_sorted (v, n, 95.0);
  out->median = percentile_sorted (v, n, 50.0);
  out->p1 = percentile_sorted (v, n, 1.0);
  out->p10 = percentile_sorted (v, n, 10.0);
  out->p25 = percentile_sorted (v, n, 25.0);
  /* two passes: no cancellation for values far from 0 */
  for (i = 0; i < n; i++)
    sq += (v[i] - out->mean) * (v[i] - out->mean);
  out->stddev = sqrt (sq / n);
  g_free (v);
}
