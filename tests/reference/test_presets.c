/* The named metrics against PyTorch: make_preset_reference.py computes
 * each preset from its paper's definition with torch and torchvision, on
 * the reference data's seeded VGG-19 and VGG-16 weights and stand-ins of
 * the LPIPS and DISTS weight files; every total and per-layer value here
 * must match within 1e-4 relative (float32 networks on both sides: their
 * activations differ by rounding, about 1e-6 relative, and the metrics
 * are sums of many such terms). A DISTS stage's value is a sum of
 * alpha (1 - l) + beta (1 - s) with l and s close to 1, far smaller than
 * its terms: rounding moves l and s by up to about 1e-6 (measured: 1e-7),
 * so the stage's value may also differ by 1e-6 times the stage's share of
 * the weights ("scales"), however small it is.
 *
 * VGG19_ORACLE_DIR names the reference data, VGG19_PRESET_REFERENCE the
 * script's output directory. Missing data fails the test. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <vgg19/comparer.h>

#include "json_value.h"
#include "npy.h"
#include "oracle.h"

#define TOLERANCE 1e-4
/* error of DISTS' l and s terms from the rounding of the activations */
#define DISTS_TERM_TOLERANCE 1e-6

static const char *
env (const char *name)
{
  const char *v = g_getenv (name);

  ck_assert_msg (v != NULL && *v, "%s is not set: run the test through "
      "meson, which generates the data", name);
  return v;
}

static TestNpy *
load_input (const char *dir, const char *rel)
{
  char *path = g_build_filename (dir, rel, NULL);
  GError *error = NULL;
  TestNpy *npy = test_npy_load (path, &error);

  ck_assert_msg (npy != NULL, "%s: %s", path, error ? error->message : "");
  ck_assert_uint_eq (npy->n_dims, 3);
  ck_assert_uint_eq (npy->shape[0], 3);
  g_free (path);
  return npy;
}

static const TestJson *
find_pair (const TestJson *pairs, const char *id)
{
  guint i;

  for (i = 0; i < test_json_length (pairs); i++) {
    const TestJson *p = g_ptr_array_index (pairs->items, i);

    if (strcmp (test_json_member_string (p, "id"), id) == 0)
      return p;
  }
  ck_abort_msg ("no pair %s", id);
  return NULL;
}

static gboolean
close_enough (double got, double want, double scale)
{
  return fabs (got - want) <= TOLERANCE * fabs (want) +
      DISTS_TERM_TOLERANCE * scale + 1e-12;
}

START_TEST (test_presets_match_torch)
{
  const char *ref_dir = env ("VGG19_PRESET_REFERENCE");
  GError *error = NULL;
  TestOracle *oracle = test_oracle_load (env ("VGG19_ORACLE_DIR"), &error);
  char *json_path = g_build_filename (ref_dir, "presets.json", NULL);
  TestJson *root;
  const TestJson *pairs, *results;
  GHashTable *models = g_hash_table_new_full (g_str_hash, g_str_equal,
      g_free, (GDestroyNotify) vgg19_model_unref);
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  const char *const *presets = vgg19_metric_preset_names ();
  guint i, l, failures = 0;

  ck_assert_msg (oracle != NULL, "%s", error ? error->message : "");
  root = test_json_load (json_path, &error);
  ck_assert_msg (root != NULL, "%s", error ? error->message : "");
  pairs = test_json_member (root, "pairs");
  results = test_json_member (root, "results");
  ck_assert (pairs && results && test_json_length (results) > 0);

  for (i = 0; i < test_json_length (results); i++) {
    const TestJson *r = g_ptr_array_index (results->items, i);
    const char *preset = test_json_member_string (r, "preset");
    const char *weights = test_json_member_string (r, "weights");
    const char *calibration = test_json_member_string (r, "calibration");
    const TestJson *pair = find_pair (pairs,
        test_json_member_string (r, "pair"));
    const TestJson *layers = test_json_member (r, "layers");
    const TestJson *values = test_json_member (r, "values");
    const TestJson *scales = test_json_member (r, "scales");
    Vgg19Model *model = g_hash_table_lookup (models, weights);
    Vgg19Metric *metric;
    Vgg19Comparer *comparer;
    TestNpy *ref, *dist;
    double want, *got;

    if (model == NULL) {
      const TestOracleWeights *w = test_oracle_get_weights (oracle, weights);

      ck_assert_msg (w != NULL, "no weights %s", weights);
      model = vgg19_model_load (w->path, &error);
      ck_assert_msg (model != NULL, "%s", error ? error->message : "");
      g_hash_table_insert (models, g_strdup (weights), model);
    }
    metric = vgg19_metric_new_preset (preset, &error);
    ck_assert_msg (metric != NULL, "%s", error ? error->message : "");
    if (calibration) {
      char *path = g_build_filename (ref_dir, calibration, NULL);

      ck_assert_msg (vgg19_metric_load_calibration (metric, path, &error),
          "%s", error ? error->message : "");
      g_free (path);
    }
    comparer = vgg19_comparer_new (model, &metric, 1, 2,
        VGG19_PRECISION_FP32, &error);
    ck_assert_msg (comparer != NULL, "%s: %s", preset,
        error ? error->message : "");
    ref = load_input (ref_dir, test_json_member_string (pair, "reference"));
    dist = load_input (ref_dir, test_json_member_string (pair, "distorted"));
    ck_assert_uint_eq (vgg19_comparer_get_n_values (comparer),
        1 + test_json_length (layers));
    got = g_new (double, vgg19_comparer_get_n_values (comparer));
    ck_assert_msg (vgg19_comparer_set_reference (comparer, test_npy_f32 (ref),
            ref->shape[2], ref->shape[1], &error), "%s",
        error ? error->message : "");
    ck_assert_msg (vgg19_comparer_compare (comparer, test_npy_f32 (dist),
            dist->shape[2], dist->shape[1], got, &error), "%s",
        error ? error->message : "");

    ck_assert (test_json_member_number (r, "total", &want));
    if (!close_enough (got[0], want, 0.0)) {
      fprintf (stderr, "%s on %s: total %.9g, torch %.9g (relative %.2g)\n",
          preset, test_json_member_string (pair, "id"), got[0], want,
          fabs (got[0] - want) / fabs (want));
      failures++;
    }
    for (l = 0; l < test_json_length (layers); l++) {
      const TestJson *v = g_ptr_array_index (values->items, l);
      const TestJson *name = g_ptr_array_index (layers->items, l);
      double scale = scales ? ((const TestJson *)
          g_ptr_array_index (scales->items, l))->number : 0.0;

      ck_assert_str_eq (vgg19_metric_get_layer (vgg19_comparer_get_metric
              (comparer, 0), l, NULL), name->string);
      if (!close_enough (got[1 + l], v->number, scale)) {
        fprintf (stderr, "%s on %s: %s %.9g, torch %.9g\n", preset,
            test_json_member_string (pair, "id"), name->string, got[1 + l],
            v->number);
        failures++;
      }
    }
    /* the reference against itself: exactly 0 */
    ck_assert (vgg19_comparer_compare (comparer, test_npy_f32 (ref),
            ref->shape[2], ref->shape[1], got, &error));
    ck_assert_msg (got[0] == 0.0, "%s: d(x, x) = %g", preset, got[0]);
    g_hash_table_add (seen, (gpointer) preset);
    g_free (got);
    test_npy_free (ref);
    test_npy_free (dist);
    vgg19_comparer_free (comparer);
  }
  /* every preset is checked */
  for (i = 0; presets[i]; i++)
    ck_assert_msg (g_hash_table_contains (seen, presets[i]),
        "%s has no reference value", presets[i]);
  ck_assert_msg (failures == 0, "%u values differ from torch's by more "
      "than %g relative", failures, TOLERANCE);
  g_hash_table_unref (seen);
  g_hash_table_unref (models);
  test_json_free (root);
  test_oracle_free (oracle);
  g_free (json_path);
}
END_TEST

/* d of two images with a fresh comparer. */
static double
distance (Vgg19Model * model, const char *preset, const TestNpy * a,
    const TestNpy * b)
{
  GError *error = NULL;
  Vgg19Metric *m = vgg19_metric_new_preset (preset, &error);
  Vgg19Comparer *c = vgg19_comparer_new (model, &m, 1, 2,
      VGG19_PRECISION_FP32, &error);
  double values[8];

  ck_assert_msg (c != NULL, "%s", error ? error->message : "");
  ck_assert (vgg19_comparer_set_reference (c, test_npy_f32 (a), a->shape[2],
          a->shape[1], &error));
  ck_assert (vgg19_comparer_compare (c, test_npy_f32 (b), b->shape[2],
          b->shape[1], values, &error));
  vgg19_comparer_free (c);
  return values[0];
}

/* The temporal value from the activations kept: |d(ref[t-1], ref[t]) -
 * d(dist[t-1], dist[t])|, the same as computed with separate passes; NaN
 * at the first frame; 0 on the reference side when one reference image
 * serves both frames. */
START_TEST (test_temporal_values)
{
  const char *ref_dir = env ("VGG19_PRESET_REFERENCE");
  GError *error = NULL;
  TestOracle *oracle = test_oracle_load (env ("VGG19_ORACLE_DIR"), &error);
  Vgg19Model *model;
  Vgg19Metric *m;
  Vgg19Comparer *c;
  TestNpy *r0, *r1, *d0, *d1;
  char **names;
  double v[8], expected;

  ck_assert_msg (oracle != NULL, "%s", error ? error->message : "");
  model = vgg19_model_load (test_oracle_get_weights (oracle,
          "legacy_v1")->path, &error);
  ck_assert (model != NULL);
  r0 = load_input (ref_dir, "inputs/stretch_reference.npy");
  r1 = load_input (ref_dir, "inputs/stretch_distorted.npy");
  /* the distorted frames: another picture, then the first reference */
  d0 = test_npy_load (test_oracle_get_case (oracle,
          "grey160x120_stretch")->input, &error);
  ck_assert_msg (d0 != NULL, "%s", error ? error->message : "");
  d1 = load_input (ref_dir, "inputs/stretch_reference.npy");
  m = vgg19_metric_new_preset ("edsr-vgg22", &error);
  c = vgg19_comparer_new (model, &m, 1, 2, VGG19_PRECISION_FP32, &error);
  vgg19_comparer_set_temporal (c, TRUE);
  ck_assert_uint_eq (vgg19_comparer_get_n_values (c), 3);
  names = vgg19_comparer_get_value_names (c);
  ck_assert_str_eq (names[2], "edsr-vgg22_tlp");
  g_strfreev (names);

  ck_assert (vgg19_comparer_set_reference (c, test_npy_f32 (r0), 224, 224,
          &error));
  ck_assert (vgg19_comparer_compare (c, test_npy_f32 (d0), 224, 224, v,
          &error));
  ck_assert (isnan (v[2]));
  ck_assert (vgg19_comparer_set_reference (c, test_npy_f32 (r1), 224, 224,
          &error));
  ck_assert (vgg19_comparer_compare (c, test_npy_f32 (d1), 224, 224, v,
          &error));
  expected = fabs (distance (model, "edsr-vgg22", r0, r1) -
      distance (model, "edsr-vgg22", d0, d1));
  ck_assert (expected > 0.0);
  ck_assert_msg (fabs (v[2] - expected) <= 1e-9 * expected,
      "tlp %.12g, expected %.12g", v[2], expected);
  /* the same reference again, a still distorted frame: d_ref = 0, so tlp
   * is d(dist[t-1], dist[t]) = d(d1, d1) = 0 */
  ck_assert (vgg19_comparer_compare (c, test_npy_f32 (d1), 224, 224, v,
          &error));
  ck_assert (v[2] == 0.0);
  /* and a changing distorted frame against a still reference */
  ck_assert (vgg19_comparer_compare (c, test_npy_f32 (d0), 224, 224, v,
          &error));
  expected = distance (model, "edsr-vgg22", d1, d0);
  ck_assert_msg (fabs (v[2] - expected) <= 1e-9 * expected,
      "tlp %.12g, expected %.12g", v[2], expected);

  vgg19_comparer_free (c);
  test_npy_free (r0);
  test_npy_free (r1);
  test_npy_free (d0);
  test_npy_free (d1);
  vgg19_model_unref (model);
  test_oracle_free (oracle);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("presets");
  TCase *tc = tcase_create ("presets");
  SRunner *sr;
  int failed;

  tcase_set_timeout (tc, 1200);
  tcase_add_test (tc, test_presets_match_torch);
  tcase_add_test (tc, test_temporal_values);
  suite_add_tcase (s, tc);
  sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
