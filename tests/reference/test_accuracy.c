/* How close a precision's classification stays to torchvision's float32.
 *
 * For each classification case of the reference data (the cases with an
 * fc8 tap; cases that repeat the same numbers through another file format
 * are run once), the network runs at the precision named by
 * $VGG19_TEST_PRECISION ("fp32" or "bf16") through the public API, fed
 * torch's preprocessed input, and is compared with torch's float32
 * outputs:
 *
 *   - max |ours - torch| / max |torch| over pool5 (when the case has it)
 *     and over the logits (fc8), asserted below the precision's bound;
 *   - the top-1 class and the top-5 classes (as a set and in order),
 *     reported, and asserted at the positions where torch's logits are
 *     more than twice the bound apart (each of two logits may be off by
 *     the bound, so closer pairs may legitimately swap);
 *
 * then a summary over all cases: how many keep torch's top-1, its top-5
 * set and its top-5 order, and the largest relative errors.
 *
 * Bounds. fp32: 1e-4, as test_reference. bf16: products of bf16-rounded
 * values summed in float32 (the conv1_1 layer aside). Emulating that in
 * torch over these cases (tests/reference/bf16_numerics.py) gives, as
 * max |err| / max |torch|: direct convolutions with bf16 inputs and
 * weights 1.1e-2 (pool5) and 1.2e-2 (fc8); Winograd F(4x4, 3x3) with the
 * transformed inputs and filters in bf16 2.8e-2 and 2.2e-2; torch's own
 * bf16 autocast 1.2e-2 and 1.1e-2. The bounds, 5e-2 and 4e-2, leave
 * room for other summation orders (float32 effects, 1e-6) and other
 * rounding points of the same kind, while a wrong weight layout, a lost
 * bias or a stale buffer moves outputs by tens of percent.
 *
 * The weights of the reference data are seeded random ones, not trained:
 * their logits are close together (torch's top-1 leads its runner-up by
 * 0.06 % to 16 % of the largest logit here), so class agreement here
 * says less than on a trained network; the relative errors carry over.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vgg19/vgg19.h>

#include "npy.h"
#include "oracle.h"

#define PRECISION_ENV "VGG19_TEST_PRECISION"
#define TOP_K 5

typedef struct
{
  const char *name;
  Vgg19Precision precision;
  double pool5_bound;           /* max |err| / max |torch| */
  double fc8_bound;
} PrecisionSpec;

static const PrecisionSpec precisions[] = {
  {"fp32", VGG19_PRECISION_FP32, 1e-4, 1e-4},
  {"bf16", VGG19_PRECISION_BF16, 5e-2, 4e-2},
};

static TestOracle *oracle;
static char *oracle_error;
static const PrecisionSpec *spec;

/* Across cases (one process, no fork). */
static GHashTable *seen;        /* digests of (input, torch's fc8) run */
static guint n_run, n_top1, n_top5_set, n_top5_order;
static double worst_pool5, worst_fc8;

static char *cached_key;
static Vgg19Model *cached_model;

static TestNpy *
load_f32 (const char *path)
{
  GError *error = NULL;
  TestNpy *npy = test_npy_load (path, &error);

  ck_assert_msg (npy != NULL, "%s", error ? error->message : "?");
  ck_assert_msg (npy->dtype == TEST_NPY_F32 && npy->n_dims == 3,
      "%s: expected a 3-dimensional float32 array", path);
  return npy;
}

static Vgg19Model *
get_model (const char *key)
{
  const TestOracleWeights *w;
  GError *error = NULL;

  if (cached_key != NULL && strcmp (cached_key, key) == 0)
    return cached_model;
  g_clear_pointer (&cached_model, vgg19_model_unref);
  g_clear_pointer (&cached_key, g_free);
  w = test_oracle_get_weights (oracle, key);
  ck_assert_msg (w != NULL, "no weights \"%s\" in the manifest", key);
  cached_model = vgg19_model_load (w->path, &error);
  ck_assert_msg (cached_model != NULL, "loading %s: %s", w->path,
      error ? error->message : "no error set");
  cached_key = g_strdup (key);
  return cached_model;
}

/* max |got - ref| / max |ref|; NaN counts as infinitely wrong. */
static double
relative_error (const float *got, const float *ref, gsize n)
{
  double max_err = 0, max_ref = 0;
  gsize i;

  for (i = 0; i < n; i++) {
    double e = isnan (got[i]) ? INFINITY : fabs ((double) got[i] - ref[i]);

    max_err = MAX (max_err, e);
    max_ref = MAX (max_ref, fabs (ref[i]));
  }
  return max_ref > 0 ? max_err / max_ref : max_err;
}

/* Indices of the @k largest, best first, ties to the lower index. */
static void
top_indices (const float *v, guint n, guint k, guint * out)
{
  guint i, j, t;

  for (j = 0; j < k; j++) {
    gint best = -1;

    for (i = 0; i < n; i++) {
      gboolean taken = FALSE;

      for (t = 0; t < j; t++)
        taken |= out[t] == i;
      if (!taken && (best < 0 || v[i] > v[best]))
        best = (gint) i;
    }
    out[j] = (guint) best;
  }
}

static const TestOracleCase *
case_at (int i)
{
  return g_ptr_array_index (oracle->cases, i);
}

START_TEST (test_oracle_present)
{
  ck_assert_msg (oracle != NULL, "%s", oracle_error);
  ck_assert_msg (spec != NULL, "$%s is \"%s\": expected \"fp32\" or "
      "\"bf16\"", PRECISION_ENV, g_getenv (PRECISION_ENV));
}
END_TEST

START_TEST (test_case)
{
  const TestOracleCase *c = case_at (_i);
  const TestOracleTap *fc8_tap = test_oracle_case_get_tap (c, "fc8");
  const TestOracleTap *pool5_tap = test_oracle_case_get_tap (c, "pool5");
  const char *taps[] = { "fc8", NULL, NULL };
  GError *error = NULL;
  g_autoptr (TestNpy) input = NULL;
  g_autoptr (TestNpy) fc8 = NULL;
  g_autoptr (TestNpy) pool5 = NULL;
  g_autoptr (GChecksum) digest = NULL;
  Vgg19Session *session;
  const Vgg19Tensor *out;
  guint e[TOP_K + 1], g[TOP_K], k, in_set = 0, in_place = 0, checked = 0;
  double e_pool5 = -1, e_fc8, max_logit = 0, bound;
  gboolean top1;
  gint64 start;

  if (spec == NULL || fc8_tap == NULL)
    return;                     /* not a classification case */
  input = load_f32 (c->input);
  fc8 = load_f32 (fc8_tap->path);
  ck_assert_uint_eq (fc8->n_elements, VGG19_N_CLASSES);

  digest = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (digest, input->data, input->n_elements * 4);
  g_checksum_update (digest, fc8->data, fc8->n_elements * 4);
  if (g_hash_table_contains (seen, g_checksum_get_string (digest))) {
    printf ("%-32s the same numbers as an earlier case: not repeated\n",
        c->id);
    return;
  }
  g_hash_table_add (seen, g_strdup (g_checksum_get_string (digest)));

  if (pool5_tap != NULL) {
    pool5 = load_f32 (pool5_tap->path);
    taps[1] = "pool5";
  }
  session = vgg19_session_new (get_model (c->weights), 0, spec->precision,
      &error);
  ck_assert_msg (session != NULL, "%s: a %s session: %s", c->id, spec->name,
      error ? error->message : "no error set");
  ck_assert_msg (vgg19_session_reshape (session, input->shape[2],
          input->shape[1], taps, &error), "%s: reshape: %s", c->id,
      error ? error->message : "");
  start = g_get_monotonic_time ();
  ck_assert_msg (vgg19_session_run (session, test_npy_f32 (input), &error),
      "%s: run: %s", c->id, error ? error->message : "");

  out = vgg19_session_get_output (session, "fc8");
  ck_assert (out != NULL && out->channels == VGG19_N_CLASSES);
  e_fc8 = relative_error (out->data, test_npy_f32 (fc8), fc8->n_elements);
  if (pool5 != NULL) {
    const Vgg19Tensor *p = vgg19_session_get_output (session, "pool5");

    ck_assert (p != NULL);
    ck_assert_uint_eq ((gsize) p->channels * p->height * p->width,
        pool5->n_elements);
    e_pool5 = relative_error (p->data, test_npy_f32 (pool5),
        pool5->n_elements);
  }

  top_indices (test_npy_f32 (fc8), VGG19_N_CLASSES, TOP_K + 1, e);
  top_indices (out->data, VGG19_N_CLASSES, TOP_K, g);
  for (k = 0; k < VGG19_N_CLASSES; k++)
    max_logit = MAX (max_logit, fabs (test_npy_f32 (fc8)[k]));
  bound = spec->fc8_bound * max_logit;
  top1 = g[0] == e[0];
  for (k = 0; k < TOP_K; k++) {
    guint j;

    in_place += g[k] == e[k];
    for (j = 0; j < TOP_K; j++)
      in_set += g[k] == e[j];
  }

  printf ("%-32s %s %s x%u, %.2f s: pool5 %s%.2e, fc8 %.2e; top-1 %s, "
      "top-5 %u/5 shared, %u/5 in place\n", c->id, spec->name,
      vgg19_session_get_isa (session), vgg19_session_get_n_threads (session),
      (g_get_monotonic_time () - start) / 1e6, e_pool5 < 0 ? "(none) " : "",
      MAX (e_pool5, 0), e_fc8, top1 ? "same" : "DIFFERENT", in_set,
      in_place);
  n_run++;
  n_top1 += top1;
  n_top5_set += in_set == TOP_K;
  n_top5_order += in_place == TOP_K;
  worst_pool5 = MAX (worst_pool5, e_pool5);
  worst_fc8 = MAX (worst_fc8, e_fc8);

  ck_assert_msg (e_fc8 <= spec->fc8_bound, "%s: fc8 is off by %.3g of the "
      "largest logit, above the %s bound %.0e", c->id, e_fc8, spec->name,
      spec->fc8_bound);
  ck_assert_msg (e_pool5 <= spec->pool5_bound, "%s: pool5 is off by %.3g "
      "of its largest value, above the %s bound %.0e", c->id, e_pool5,
      spec->name, spec->pool5_bound);
  for (k = 0; k < TOP_K; k++) {
    const float *ref = test_npy_f32 (fc8);
    gboolean above = k == 0 || ref[e[k - 1]] - ref[e[k]] > 2 * bound;
    gboolean below = ref[e[k]] - ref[e[k + 1]] > 2 * bound;

    if (!above || !below)
      continue;
    checked++;
    ck_assert_msg (g[k] == e[k], "%s: top-%u class is %u (logit %.6g), "
        "torch says %u (logit %.6g), which leads its neighbours by more "
        "than twice the bound", c->id, k + 1, g[k], out->data[g[k]], e[k],
        ref[e[k]]);
  }
  printf ("%-32s %u of 5 top-5 positions separated enough to assert\n", "",
      checked);
  vgg19_session_free (session);
}
END_TEST

START_TEST (test_summary)
{
  if (spec == NULL)
    return;
  printf ("%s over %u distinct classification cases: top-1 same in %u, "
      "top-5 set same in %u, top-5 order same in %u; largest relative "
      "error pool5 %.2e (bound %.0e), fc8 %.2e (bound %.0e)\n", spec->name,
      n_run, n_top1, n_top5_set, n_top5_order, worst_pool5,
      spec->pool5_bound, worst_fc8, spec->fc8_bound);
  ck_assert_msg (n_run >= 5, "only %u classification cases ran", n_run);
}
END_TEST

int
main (void)
{
  const char *name = g_getenv (PRECISION_ENV);
  GError *error = NULL;
  Suite *s;
  TCase *tc;
  SRunner *sr;
  guint i;
  int n_failed;

  setvbuf (stdout, NULL, _IOLBF, 0);
  for (i = 0; i < G_N_ELEMENTS (precisions); i++)
    if (g_strcmp0 (name, precisions[i].name) == 0)
      spec = &precisions[i];
  oracle = test_oracle_load (g_getenv (TEST_ORACLE_DIR_ENV), &error);
  if (oracle == NULL) {
    oracle_error = g_strdup (error->message);
    g_clear_error (&error);
  }
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  s = suite_create ("accuracy");
  tc = tcase_create ("torchvision");
  tcase_add_test (tc, test_oracle_present);
  if (oracle != NULL) {
    tcase_add_loop_test (tc, test_case, 0, oracle->cases->len);
    tcase_add_test (tc, test_summary);
  }
  suite_add_tcase (s, tc);
  sr = srunner_create (s);
  /* One process: the model and the counts carry from case to case. */
  srunner_set_fork_status (sr, CK_NOFORK);
  srunner_run_all (sr, CK_NORMAL);
  n_failed = srunner_ntests_failed (sr);
  srunner_free (sr);

  g_clear_pointer (&cached_model, vgg19_model_unref);
  g_free (cached_key);
  g_hash_table_unref (seen);
  test_oracle_free (oracle);
  g_free (oracle_error);
  return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
