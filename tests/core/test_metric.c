/* Perceptual metrics: parsing the layer list, checking it against the
 * network, and the feature and Gram (style) formulas against direct
 * long-double evaluations of the definitions in vgg19/metric.h. */
#include <check.h>
#include <math.h>
#include <string.h>

#include <vgg19/metric.h>

/* Deterministic pseudo-random activations, ReLU-like (half are zero). */
static float *
random_activations (guint n, guint32 seed, gboolean relu)
{
  float *v = g_new (float, n);
  GRand *r = g_rand_new_with_seed (seed);
  guint i;

  for (i = 0; i < n; i++) {
    double x = g_rand_double_range (r, -2.0, 2.0);

    v[i] = (float) (relu && x < 0 ? 0.0 : x);
  }
  g_rand_free (r);
  return v;
}

static Vgg19Tensor
tensor (const char *name, guint c, guint h, guint w, const float *data)
{
  Vgg19Tensor t = { name, c, h, w, data };

  return t;
}

/* Gatys et al.: 1 / (4 C^2 (HW)^2) sum (G - A)^2, G = x x^T, in long
 * double straight from the definition. */
static double
gram_loss_ref (const float *x, const float *y, guint c, guint hw)
{
  long double sum = 0;
  guint i, j, k;

  for (i = 0; i < c; i++)
    for (j = 0; j < c; j++) {
      long double g = 0, a = 0;

      for (k = 0; k < hw; k++) {
        g += (long double) x[i * hw + k] * x[j * hw + k];
        a += (long double) y[i * hw + k] * y[j * hw + k];
      }
      sum += (g - a) * (g - a);
    }
  return (double) (sum / (4.0L * c * c * (long double) hw * hw));
}

static double
feature_loss_ref (const float *x, const float *y, gsize n, gboolean l1)
{
  long double sum = 0;
  gsize i;

  for (i = 0; i < n; i++) {
    long double d = (long double) x[i] - y[i];

    sum += l1 ? fabsl (d) : d * d;
  }
  return (double) (sum / n);
}

START_TEST (test_parse_layers_and_weights)
{
  GError *error = NULL;
  Vgg19Metric *m = vgg19_metric_new ("perceptual", VGG19_METRIC_FEATURE,
      " relu1_2:1, relu2_2 : 0.5 ,conv4_2", VGG19_LOSS_L1, &error);
  double w;
  char *text;

  ck_assert_ptr_nonnull (m);
  ck_assert_uint_eq (vgg19_metric_get_n_layers (m), 3);
  ck_assert_str_eq (vgg19_metric_get_layer (m, 0, &w), "relu1_2");
  ck_assert (w == 1.0);
  ck_assert_str_eq (vgg19_metric_get_layer (m, 1, &w), "relu2_2");
  ck_assert (w == 0.5);
  ck_assert_str_eq (vgg19_metric_get_layer (m, 2, &w), "conv4_2");
  ck_assert (w == 1.0);
  ck_assert_str_eq (vgg19_metric_get_name (m), "perceptual");
  ck_assert_int_eq (vgg19_metric_get_criterion (m), VGG19_LOSS_L1);
  text = vgg19_metric_to_string (m);
  ck_assert_str_eq (text,
      "perceptual: feature l1 reduction=mean feature-norm=none "
      "input=imagenet pooling=max relu1_2:1,relu2_2:0.5,conv4_2:1");
  g_free (text);
  ck_assert (vgg19_metric_check (m, VGG19_ARCH_VGG19, &error));
  vgg19_metric_free (m);
}
END_TEST

static void
expect_invalid (const char *name, Vgg19MetricKind kind, const char *layers,
    Vgg19Loss loss, const char *fragment)
{
  GError *error = NULL;
  Vgg19Metric *m = vgg19_metric_new (name, kind, layers, loss, &error);

  ck_assert_msg (m == NULL, "accepted \"%s\"", layers ? layers : "(null)");
  ck_assert_ptr_nonnull (error);
  ck_assert_int_eq (error->code, VGG19_ERROR_INVALID_ARGUMENT);
  ck_assert_msg (strstr (error->message, fragment) != NULL,
      "message \"%s\" lacks \"%s\"", error->message, fragment);
  g_error_free (error);
}

START_TEST (test_parse_errors_name_the_problem)
{
  expect_invalid ("p", VGG19_METRIC_FEATURE, "", VGG19_LOSS_MSE, "no layer");
  expect_invalid ("p", VGG19_METRIC_FEATURE, NULL, VGG19_LOSS_MSE,
      "no layer");
  expect_invalid ("p", VGG19_METRIC_FEATURE, "conv4_2,,relu1_1",
      VGG19_LOSS_MSE, "empty layer name");
  expect_invalid ("p", VGG19_METRIC_FEATURE, "conv4_2:x", VGG19_LOSS_MSE,
      "\"x\" of layer \"conv4_2\"");
  expect_invalid ("p", VGG19_METRIC_FEATURE, "conv4_2:-1", VGG19_LOSS_MSE,
      ">= 0");
  expect_invalid ("p", VGG19_METRIC_FEATURE, "conv4_2:nan", VGG19_LOSS_MSE,
      "finite");
  expect_invalid ("p", VGG19_METRIC_FEATURE, "conv4_2:", VGG19_LOSS_MSE,
      "weight");
  expect_invalid ("p", VGG19_METRIC_FEATURE, "conv4_2,conv4_2:2",
      VGG19_LOSS_MSE, "listed twice");
  expect_invalid ("p", VGG19_METRIC_DISTS, "relu1_1", VGG19_LOSS_MSE,
      "preset \"dists\"");
  expect_invalid ("1bad", VGG19_METRIC_FEATURE, "conv4_2", VGG19_LOSS_MSE,
      "metric name");
  expect_invalid ("a b", VGG19_METRIC_FEATURE, "conv4_2", VGG19_LOSS_MSE,
      "metric name");
}
END_TEST

START_TEST (test_check_against_the_network)
{
  GError *error = NULL;
  Vgg19Metric *m = vgg19_metric_new ("p", VGG19_METRIC_FEATURE,
      "conv5_4", VGG19_LOSS_MSE, &error);

  ck_assert (vgg19_metric_check (m, VGG19_ARCH_VGG19, &error));
  /* VGG-16 has no conv5_4. */
  ck_assert (!vgg19_metric_check (m, VGG19_ARCH_VGG16, &error));
  ck_assert (strstr (error->message, "conv5_4") != NULL);
  ck_assert (strstr (error->message, "vgg16") != NULL);
  g_clear_error (&error);
  vgg19_metric_free (m);

  /* classifier taps are taps too (the comparer checks that the weights
   * have the classifier) */
  m = vgg19_metric_new ("p", VGG19_METRIC_FEATURE, "relu4_2,fc7",
      VGG19_LOSS_MSE, &error);
  ck_assert (vgg19_metric_check (m, VGG19_ARCH_VGG19, &error));
  vgg19_metric_free (m);

  m = vgg19_metric_new ("p", VGG19_METRIC_FEATURE, "relu9_9",
      VGG19_LOSS_MSE, &error);
  ck_assert (!vgg19_metric_check (m, VGG19_ARCH_VGG19, &error));
  ck_assert (strstr (error->message, "relu9_9") != NULL);
  g_clear_error (&error);
  vgg19_metric_free (m);
}
END_TEST

/* Two taps with weights, both criteria: total = sum w * value, each value
 * equal to the mean over C H W of the definition (relative 1e-12: both
 * sides accumulate in at least double precision). */
START_TEST (test_feature_loss_formula)
{
  const guint c1 = 16, h1 = 12, w1 = 10, c2 = 32, h2 = 6, w2 = 5;
  float *x1 = random_activations (c1 * h1 * w1, 1, TRUE);
  float *y1 = random_activations (c1 * h1 * w1, 2, TRUE);
  float *x2 = random_activations (c2 * h2 * w2, 3, FALSE);
  float *y2 = random_activations (c2 * h2 * w2, 4, FALSE);
  Vgg19Tensor rx[2] = { tensor ("relu1_2", c1, h1, w1, x1),
    tensor ("conv2_1", c2, h2, w2, x2)
  };
  Vgg19Tensor ry[2] = { tensor ("relu1_2", c1, h1, w1, y1),
    tensor ("conv2_1", c2, h2, w2, y2)
  };
  const Vgg19Tensor *ref[2] = { &ry[0], &ry[1] };
  const Vgg19Tensor *dist[2] = { &rx[0], &rx[1] };
  int l1;

  for (l1 = 0; l1 <= 1; l1++) {
    GError *error = NULL;
    Vgg19Metric *m = vgg19_metric_new ("p", VGG19_METRIC_FEATURE,
        "relu1_2:0.25,conv2_1:3", l1 ? VGG19_LOSS_L1 : VGG19_LOSS_MSE,
        &error);
    double per[2], total, e1, e2;

    ck_assert (vgg19_metric_compute (m, ref, dist, per, &total, &error));
    e1 = feature_loss_ref (x1, y1, c1 * h1 * w1, l1);
    e2 = feature_loss_ref (x2, y2, c2 * h2 * w2, l1);
    ck_assert_double_eq_tol (per[0], e1, 1e-12 * e1);
    ck_assert_double_eq_tol (per[1], e2, 1e-12 * e2);
    ck_assert_double_eq_tol (total, 0.25 * e1 + 3 * e2, 1e-12 * total);
    vgg19_metric_free (m);
  }
  g_free (x1);
  g_free (y1);
  g_free (x2);
  g_free (y2);
}
END_TEST

/* The Gram loss against the definition, at sizes below, at and above the
 * 1024-column chunk of the implementation. The implementation's Gram
 * difference is a float32 BLAS product; relative 1e-4 covers its rounding
 * over up to 2,500 terms per entry. */
START_TEST (test_gram_loss_formula)
{
  static const guint sizes[][3] = {
    {16, 1, 1}, {16, 7, 9}, {32, 32, 32}, {16, 50, 50}, {64, 3, 5},
  };
  guint s;

  for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
    guint c = sizes[s][0], h = sizes[s][1], w = sizes[s][2];
    float *x = random_activations (c * h * w, 10 + s, TRUE);
    float *y = random_activations (c * h * w, 20 + s, TRUE);
    Vgg19Tensor tx = tensor ("relu1_1", c, h, w, x);
    Vgg19Tensor ty = tensor ("relu1_1", c, h, w, y);
    const Vgg19Tensor *ref[1] = { &ty }, *dist[1] = { &tx };
    GError *error = NULL;
    Vgg19Metric *m = vgg19_metric_new ("style", VGG19_METRIC_GRAM,
        "relu1_1:2", VGG19_LOSS_MSE, &error);
    double per, total, expected = gram_loss_ref (x, y, c, h * w);

    ck_assert (vgg19_metric_compute (m, ref, dist, &per, &total, &error));
    ck_assert_msg (fabs (per - expected) <= 1e-4 * expected,
        "%ux%ux%u: %.9g vs %.9g", c, h, w, per, expected);
    ck_assert_double_eq_tol (total, 2 * per, 1e-15 * total);
    /* Symmetric. */
    ck_assert (vgg19_metric_compute (m, dist, ref, &per, &total, &error));
    ck_assert_msg (fabs (per - expected) <= 1e-4 * expected,
        "swapped %ux%ux%u", c, h, w);
    vgg19_metric_free (m);
    g_free (x);
    g_free (y);
  }
}
END_TEST

/* d(x, x) is exactly 0 for every kind and criterion, and a small change
 * gives a small, positive, accurate Gram loss (no cancellation). */
START_TEST (test_identical_inputs_give_zero)
{
  const guint c = 32, h = 40, w = 40;
  float *x = random_activations (c * h * w, 7, TRUE);
  float *y = g_memdup2 (x, sizeof (float) * c * h * w);
  Vgg19Tensor tx = tensor ("relu2_1", c, h, w, x);
  Vgg19Tensor ty = tensor ("relu2_1", c, h, w, y);
  const Vgg19Tensor *ref[1] = { &ty }, *dist[1] = { &tx };
  GError *error = NULL;
  Vgg19Metric *metrics[3];
  double per, total, expected;
  guint i;

  metrics[0] = vgg19_metric_new ("a", VGG19_METRIC_FEATURE, "relu2_1",
      VGG19_LOSS_MSE, &error);
  metrics[1] = vgg19_metric_new ("b", VGG19_METRIC_FEATURE, "relu2_1",
      VGG19_LOSS_L1, &error);
  metrics[2] = vgg19_metric_new ("c", VGG19_METRIC_GRAM, "relu2_1",
      VGG19_LOSS_MSE, &error);
  for (i = 0; i < 3; i++) {
    ck_assert (vgg19_metric_compute (metrics[i], ref, dist, &per, &total,
            &error));
    ck_assert (total == 0.0);
  }

  y[5] += 1e-3f;
  expected = gram_loss_ref (x, y, c, h * w);
  ck_assert (expected > 0);
  ck_assert (vgg19_metric_compute (metrics[2], ref, dist, &per, &total,
          &error));
  ck_assert_msg (fabs (per - expected) <= 1e-3 * expected, "%.9g vs %.9g",
      per, expected);
  for (i = 0; i < 3; i++)
    vgg19_metric_free (metrics[i]);
  g_free (x);
  g_free (y);
}
END_TEST

START_TEST (test_shape_mismatch_is_an_error)
{
  float a[16 * 4] = { 0 }, b[16 * 2] = { 0 };
  Vgg19Tensor ta = tensor ("conv4_2", 16, 2, 2, a);
  Vgg19Tensor tb = tensor ("conv4_2", 16, 1, 2, b);
  const Vgg19Tensor *ref[1] = { &ta }, *dist[1] = { &tb }, *none[1] = { NULL };
  GError *error = NULL;
  Vgg19Metric *m = vgg19_metric_new ("p", VGG19_METRIC_FEATURE, "conv4_2",
      VGG19_LOSS_MSE, &error);
  double total;

  ck_assert (!vgg19_metric_compute (m, ref, dist, NULL, &total, &error));
  ck_assert (strstr (error->message, "16x2x2") != NULL);
  ck_assert (strstr (error->message, "16x1x2") != NULL);
  g_clear_error (&error);
  ck_assert (!vgg19_metric_compute (m, ref, none, NULL, &total, &error));
  ck_assert (strstr (error->message, "conv4_2") != NULL);
  g_clear_error (&error);
  vgg19_metric_free (m);
}
END_TEST

static Suite *
metric_suite (void)
{
  Suite *s = suite_create ("metric");
  TCase *tc = tcase_create ("metric");

  tcase_add_test (tc, test_parse_layers_and_weights);
  tcase_add_test (tc, test_parse_errors_name_the_problem);
  tcase_add_test (tc, test_check_against_the_network);
  tcase_add_test (tc, test_feature_loss_formula);
  tcase_add_test (tc, test_gram_loss_formula);
  tcase_add_test (tc, test_identical_inputs_give_zero);
  tcase_add_test (tc, test_shape_mismatch_is_an_error);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (metric_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
