/* The generic form of the metrics (reductions, unit-normalised features,
 * Gram normalisations, per-channel weights), the presets (d(x, x) = 0 and
 * symmetry for every one, their definitions), DISTS, and the Gram matrix
 * (symmetric, positive semi-definite), each against a direct long-double
 * evaluation of the formulas in vgg19/metric.h. The learned weights of
 * LPIPS and DISTS are seeded stand-ins written here as safetensors files,
 * read by the library's own reader. */
#include <check.h>
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include <vgg19/metric.h>

#include "metric_private.h"

/* Deterministic pseudo-random activations, ReLU-like when @relu. */
static float *
random_values (gsize n, guint32 seed, double lo, double hi, gboolean relu)
{
  float *v = g_new (float, n);
  GRand *r = g_rand_new_with_seed (seed);
  gsize i;

  for (i = 0; i < n; i++) {
    double x = g_rand_double_range (r, lo, hi);

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

/* A safetensors file of float32 [1, n, 1, 1] vectors. */
static char *
write_vectors (const char *dir, const char *file, guint n_vectors,
    const char *const *names, const guint * sizes, float *const *values)
{
  GString *header = g_string_new ("{");
  GByteArray *out = g_byte_array_new ();
  gsize offset = 0;
  guint64 len;
  guint i;
  char *path = g_build_filename (dir, file, NULL);

  for (i = 0; i < n_vectors; i++) {
    g_string_append_printf (header, "%s\"%s\":{\"dtype\":\"F32\",\"shape\":"
        "[1,%u,1,1],\"data_offsets\":[%" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT
        "]}", i ? "," : "", names[i], sizes[i], offset,
        offset + sizes[i] * sizeof (float));
    offset += sizes[i] * sizeof (float);
  }
  g_string_append (header, "}");
  while (header->len % 8)
    g_string_append_c (header, ' ');
  len = GUINT64_TO_LE (header->len);
  g_byte_array_append (out, (const guint8 *) &len, 8);
  g_byte_array_append (out, (const guint8 *) header->str, header->len);
  for (i = 0; i < n_vectors; i++)
    g_byte_array_append (out, (const guint8 *) values[i],
        sizes[i] * sizeof (float));
  ck_assert (g_file_set_contents (path, (const char *) out->data, out->len,
          NULL));
  g_string_free (header, TRUE);
  g_byte_array_unref (out);
  return path;
}

static const char *const lpips_taps[] = {
  "relu1_2", "relu2_2", "relu3_3", "relu4_3", "relu5_3"
};
static const guint lpips_channels[] = { 64, 128, 256, 512, 512 };
static const char *const dists_taps[] = {
  "input", "relu1_2", "relu2_2", "relu3_3", "relu4_3", "relu5_3"
};
static const guint dists_channels[] = { 3, 64, 128, 256, 512, 512 };

/* LPIPS-format weights: lin<k>.model.1.weight, seeded, > 0. */
static char *
lpips_file (const char *dir, float **lin)
{
  char *names[5];
  char *path;
  guint k;

  for (k = 0; k < 5; k++) {
    names[k] = g_strdup_printf ("lin%u.model.1.weight", k);
    lin[k] = random_values (lpips_channels[k], 100 + k, 0.01, 1.3, FALSE);
  }
  path = write_vectors (dir, "lpips.safetensors", 5,
      (const char *const *) names, lpips_channels, lin);
  for (k = 0; k < 5; k++)
    g_free (names[k]);
  return path;
}

/* DISTS-format weights: alpha and beta [1, 1475, 1, 1], seeded. */
static char *
dists_file (const char *dir, float **ab)
{
  static const char *const names[] = { "alpha", "beta" };
  static const guint sizes[] = { 1475, 1475 };

  ab[0] = random_values (1475, 200, 0.0, 0.1, FALSE);
  ab[1] = random_values (1475, 201, 0.0, 0.1, FALSE);
  return write_vectors (dir, "dists.safetensors", 2, names, sizes, ab);
}

/* Small activations for @taps, with @channels channels and a size that
 * halves per block (as the network's would). */
static void
make_taps (guint n, const char *const *taps, const guint * channels,
    guint32 seed, float **data, Vgg19Tensor * t)
{
  guint i, side = 12;

  for (i = 0; i < n; i++) {
    guint h = MAX (1, side >> i), w = MAX (1, (side + 2) >> i);

    data[i] = random_values ((gsize) channels[i] * h * w, seed + i, -1.0,
        2.0, strcmp (taps[i], "input") != 0);
    t[i] = tensor (taps[i], channels[i], h, w, data[i]);
  }
}

/* Every preset: exactly 0 for identical activations, symmetric, and
 * positive for different ones. */
START_TEST (test_presets_zero_and_symmetric)
{
  const char *const *presets = vgg19_metric_preset_names ();
  char *dir = g_dir_make_tmp ("vgg19-forms-XXXXXX", NULL);
  float *lin[5], *ab[2];
  char *lpips = lpips_file (dir, lin), *dists = dists_file (dir, ab);
  guint p, k;

  ck_assert_uint_eq (g_strv_length ((char **) presets), 9);
  for (p = 0; presets[p]; p++) {
    GError *error = NULL;
    Vgg19Metric *m = vgg19_metric_new_preset (presets[p], &error);
    guint n = vgg19_metric_get_n_layers (m), i;
    const char *taps[8];
    guint channels[8];
    float *xd[8], *yd[8];
    Vgg19Tensor xt[8], yt[8];
    const Vgg19Tensor *x[8], *y[8];
    double per[8], d_xx, d_xy, d_yx;
    Vgg19Arch arch;

    ck_assert_msg (m != NULL, "%s", presets[p]);
    ck_assert_str_eq (vgg19_metric_get_name (m), presets[p]);
    ck_assert_str_eq (vgg19_metric_get_preset (m), presets[p]);
    ck_assert_ptr_nonnull (vgg19_metric_preset_describe (presets[p]));
    ck_assert (vgg19_metric_get_arch (m, &arch));
    if (vgg19_metric_get_calibration_name (m)) {
      /* refused until its weights are loaded */
      ck_assert (!vgg19_metric_check (m, arch, &error));
      ck_assert_int_eq (error->code, VGG19_ERROR_NOT_FOUND);
      g_clear_error (&error);
      ck_assert (vgg19_metric_load_calibration (m,
              vgg19_metric_get_kind (m) == VGG19_METRIC_DISTS ? dists :
              lpips, &error));
    }
    ck_assert_msg (vgg19_metric_check (m, arch, &error), "%s: %s",
        presets[p], error ? error->message : "");
    ck_assert (!vgg19_metric_check (m, arch == VGG19_ARCH_VGG19 ?
            VGG19_ARCH_VGG16 : VGG19_ARCH_VGG19, &error));
    g_clear_error (&error);
    for (i = 0; i < n; i++) {
      taps[i] = vgg19_metric_get_layer (m, i, NULL);
      if (strcmp (taps[i], "input") == 0)
        channels[i] = 3;
      else
        vgg19_arch_tap_shape (arch, taps[i], 224, 224, &channels[i], NULL,
            NULL, NULL);
    }
    make_taps (n, taps, channels, 10, xd, xt);
    make_taps (n, taps, channels, 40, yd, yt);
    for (i = 0; i < n; i++) {
      x[i] = &xt[i];
      y[i] = &yt[i];
    }
    ck_assert (vgg19_metric_compute (m, x, x, per, &d_xx, &error));
    ck_assert_msg (d_xx == 0.0, "%s: d(x, x) = %g", presets[p], d_xx);
    for (i = 0; i < n; i++)
      ck_assert (per[i] == 0.0);
    ck_assert (vgg19_metric_compute (m, x, y, NULL, &d_xy, &error));
    ck_assert (vgg19_metric_compute (m, y, x, NULL, &d_yx, &error));
    ck_assert_msg (d_xy > 0.0 && isfinite (d_xy), "%s: %g", presets[p],
        d_xy);
    /* the same sums in another order: rounding only */
    ck_assert_msg (fabs (d_xy - d_yx) <= 1e-6 * d_xy, "%s: %.9g vs %.9g",
        presets[p], d_xy, d_yx);
    for (i = 0; i < n; i++) {
      g_free (xd[i]);
      g_free (yd[i]);
    }
    vgg19_metric_free (m);
  }
  for (k = 0; k < 5; k++)
    g_free (lin[k]);
  g_free (ab[0]);
  g_free (ab[1]);
  g_unlink (lpips);
  g_unlink (dists);
  g_rmdir (dir);
  g_free (lpips);
  g_free (dists);
  g_free (dir);
}
END_TEST

/* The generic feature form: reductions, unit-normalisation, per-channel
 * weights (LPIPS), against long double. */
static double
feature_ref (const float *x, const float *y, guint c, gsize hw,
    gboolean l1, gboolean unit, const float *cw, Vgg19Reduction r)
{
  long double sum = 0;
  gsize p;
  guint k;

  for (p = 0; p < hw; p++) {
    long double nx = 0, ny = 0;

    for (k = 0; k < c; k++) {
      nx += (long double) x[k * hw + p] * x[k * hw + p];
      ny += (long double) y[k * hw + p] * y[k * hw + p];
    }
    nx = unit ? sqrtl (nx) + 1e-10L : 1;
    ny = unit ? sqrtl (ny) + 1e-10L : 1;
    for (k = 0; k < c; k++) {
      long double d = x[k * hw + p] / nx - y[k * hw + p] / ny;

      sum += (cw ? cw[k] : 1) * (l1 ? fabsl (d) : d * d);
    }
  }
  if (r == VGG19_REDUCTION_MEAN)
    sum /= (long double) c * hw;
  else if (r == VGG19_REDUCTION_CHANNEL_SUM)
    sum /= hw;
  return (double) sum;
}

START_TEST (test_generic_feature_forms)
{
  const guint c = 24, h = 5, w = 7;
  float *x = random_values (c * h * w, 1, -1, 2, TRUE);
  float *y = random_values (c * h * w, 2, -1, 2, TRUE);
  Vgg19Tensor tx = tensor ("relu2_1", c, h, w, x);
  Vgg19Tensor ty = tensor ("relu2_1", c, h, w, y);
  const Vgg19Tensor *ref[1] = { &ty }, *dist[1] = { &tx };
  int crit, red, unit;

  for (crit = 0; crit < 3; crit++)
    for (red = 0; red < 3; red++)
      for (unit = 0; unit < 2; unit++) {
        static const Vgg19Loss losses[] = {
          VGG19_LOSS_MSE, VGG19_LOSS_L1, VGG19_LOSS_SSE
        };
        GError *error = NULL;
        Vgg19Metric *m = vgg19_metric_new ("p", VGG19_METRIC_FEATURE,
            "relu2_1:0.5", losses[crit], &error);
        double per, total, expected;

        if (losses[crit] == VGG19_LOSS_SSE) {
          /* a sum of squares, whatever is asked */
          ck_assert_int_eq (vgg19_metric_get_reduction (m),
              VGG19_REDUCTION_SUM);
          if (red != VGG19_REDUCTION_SUM) {
            ck_assert (!vgg19_metric_set_reduction (m, red, &error));
            ck_assert_ptr_nonnull (strstr (error->message, "sse"));
            g_clear_error (&error);
            vgg19_metric_free (m);
            continue;
          }
        }
        ck_assert (vgg19_metric_set_reduction (m, red, &error));
        ck_assert (vgg19_metric_set_feature_norm (m, unit ?
                VGG19_FEATURE_NORM_UNIT : VGG19_FEATURE_NORM_NONE, &error));
        ck_assert (vgg19_metric_compute (m, ref, dist, &per, &total, &error));
        expected = feature_ref (x, y, c, h * w, crit == 1, unit, NULL, red);
        ck_assert_msg (fabs (per - expected) <= 1e-6 * expected,
            "criterion %d reduction %d unit %d: %.12g vs %.12g", crit, red,
            unit, per, expected);
        ck_assert_double_eq_tol (total, 0.5 * per, 1e-15 * total);
        vgg19_metric_free (m);
      }
  g_free (x);
  g_free (y);
}
END_TEST

/* LPIPS = sum over layers of the mean over positions of the sum over
 * channels of w_c (x^ - y^)^2, with the seeded lin weights of the file. */
START_TEST (test_lpips_formula)
{
  char *dir = g_dir_make_tmp ("vgg19-forms-XXXXXX", NULL);
  float *lin[5], *xd[5], *yd[5];
  char *path = lpips_file (dir, lin);
  Vgg19Tensor xt[5], yt[5];
  const Vgg19Tensor *x[5], *y[5];
  GError *error = NULL;
  Vgg19Metric *m = vgg19_metric_new_preset ("lpips-vgg", &error);
  double per[5], total, expected = 0;
  char *text;
  guint k;

  ck_assert (vgg19_metric_load_calibration (m, path, &error));
  make_taps (5, lpips_taps, lpips_channels, 3, xd, xt);
  make_taps (5, lpips_taps, lpips_channels, 4, yd, yt);
  for (k = 0; k < 5; k++) {
    x[k] = &xt[k];
    y[k] = &yt[k];
  }
  ck_assert (vgg19_metric_compute (m, y, x, per, &total, &error));
  for (k = 0; k < 5; k++) {
    double e = feature_ref (xd[k], yd[k], lpips_channels[k],
        (gsize) xt[k].height * xt[k].width, FALSE, TRUE, lin[k],
        VGG19_REDUCTION_CHANNEL_SUM);

    ck_assert_msg (fabs (per[k] - e) <= 1e-6 * e, "%u: %.12g vs %.12g", k,
        per[k], e);
    expected += e;
  }
  ck_assert_double_eq_tol (total, expected, 1e-6 * expected);
  text = vgg19_metric_to_string (m);
  ck_assert_ptr_nonnull (strstr (text, "preset lpips-vgg net=vgg16"));
  ck_assert_ptr_nonnull (strstr (text, "weights=lpips.safetensors sha256="));
  g_free (text);
  vgg19_metric_free (m);
  for (k = 0; k < 5; k++) {
    g_free (lin[k]);
    g_free (xd[k]);
    g_free (yd[k]);
  }
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}
END_TEST

/* DISTS = sum over stages and channels of a (1 - l) + b (1 - s), with
 * alpha, beta divided by their total. */
START_TEST (test_dists_formula)
{
  char *dir = g_dir_make_tmp ("vgg19-forms-XXXXXX", NULL);
  float *ab[2], *xd[6], *yd[6];
  char *path = dists_file (dir, ab);
  Vgg19Tensor xt[6], yt[6];
  const Vgg19Tensor *x[6], *y[6];
  GError *error = NULL;
  Vgg19Metric *m = vgg19_metric_new_preset ("dists", &error);
  long double wsum = 0, expected = 0;
  double per[6], total;
  guint k, c, offset = 0;
  gsize p;

  ck_assert_int_eq (vgg19_metric_get_pooling (m), VGG19_POOLING_L2);
  ck_assert (vgg19_metric_load_calibration (m, path, &error));
  make_taps (6, dists_taps, dists_channels, 5, xd, xt);
  make_taps (6, dists_taps, dists_channels, 6, yd, yt);
  for (k = 0; k < 6; k++) {
    x[k] = &xt[k];
    y[k] = &yt[k];
  }
  for (p = 0; p < 1475; p++)
    wsum += (long double) ab[0][p] + ab[1][p];
  ck_assert (vgg19_metric_compute (m, y, x, per, &total, &error));
  for (k = 0; k < 6; k++) {
    gsize hw = (gsize) xt[k].height * xt[k].width;
    long double stage = 0;

    for (c = 0; c < dists_channels[k]; c++) {
      const float *a = xd[k] + c * hw, *b = yd[k] + c * hw;
      long double mx = 0, my = 0, vx = 0, vy = 0, cov = 0, l, s;

      for (p = 0; p < hw; p++) {
        mx += a[p];
        my += b[p];
      }
      mx /= hw;
      my /= hw;
      for (p = 0; p < hw; p++) {
        vx += (a[p] - mx) * (a[p] - mx);
        vy += (b[p] - my) * (b[p] - my);
        cov += (a[p] - mx) * (b[p] - my);
      }
      vx /= hw;
      vy /= hw;
      cov /= hw;
      l = (2 * mx * my + 1e-6L) / (mx * mx + my * my + 1e-6L);
      s = (2 * cov + 1e-6L) / (vx + vy + 1e-6L);
      stage += ab[0][offset + c] / wsum * (1 - l)
          + ab[1][offset + c] / wsum * (1 - s);
    }
    offset += dists_channels[k];
    ck_assert_msg (fabsl (per[k] - stage) <= 1e-9L * fabsl (stage) + 1e-15L,
        "stage %u: %.12g vs %.12Lg", k, per[k], stage);
    expected += stage;
  }
  ck_assert (fabsl (total - expected) <= 1e-9L * expected);
  vgg19_metric_free (m);
  for (k = 0; k < 6; k++) {
    g_free (xd[k]);
    g_free (yd[k]);
  }
  g_free (ab[0]);
  g_free (ab[1]);
  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}
END_TEST

/* Calibration files with the wrong content are refused, naming the file
 * and the tensor. */
START_TEST (test_calibration_errors)
{
  char *dir = g_dir_make_tmp ("vgg19-forms-XXXXXX", NULL);
  static const char *const names[] = { "alpha", "beta" };
  static const guint short_sizes[] = { 1475, 1000 };
  float *v[2] = { random_values (1475, 1, 0, 1, FALSE),
    random_values (1475, 2, -1, 1, FALSE)
  };
  char *bad_shape = write_vectors (dir, "shape.safetensors", 2, names,
      short_sizes, v);
  static const guint sizes[] = { 1475, 1475 };
  char *negative = write_vectors (dir, "neg.safetensors", 2, names, sizes, v);
  char *missing = g_build_filename (dir, "missing.pt", NULL), *found;
  GError *error = NULL;
  Vgg19Metric *m = vgg19_metric_new_preset ("dists", &error);
  Vgg19Metric *lpips = vgg19_metric_new_preset ("lpips-vgg", &error);

  ck_assert (!vgg19_metric_load_calibration (m, bad_shape, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "shape.safetensors"));
  ck_assert_ptr_nonnull (strstr (error->message, "'beta'"));
  g_clear_error (&error);
  ck_assert (!vgg19_metric_load_calibration (m, negative, &error));
  ck_assert_ptr_nonnull (strstr (error->message, ">= 0"));
  g_clear_error (&error);
  /* DISTS' file is not LPIPS' */
  ck_assert (!vgg19_metric_load_calibration (lpips, negative, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "lin0.model.1.weight"));
  g_clear_error (&error);

  /* not found: says where it looked and how to get it */
  g_setenv ("XDG_CACHE_HOME", dir, TRUE);
  g_unsetenv ("VGG19_DISTS_WEIGHTS");
  ck_assert_ptr_null (vgg19_metric_find_calibration (m, NULL, &error));
  ck_assert_int_eq (error->code, VGG19_ERROR_NOT_FOUND);
  ck_assert_ptr_nonnull (strstr (error->message, "dists-weights.pt"));
  ck_assert_ptr_nonnull (strstr (error->message, "weights/fetch dists"));
  g_clear_error (&error);
  ck_assert_ptr_null (vgg19_metric_find_calibration (m, missing, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "does not exist"));
  g_clear_error (&error);
  g_setenv ("VGG19_DISTS_WEIGHTS", negative, TRUE);
  found = vgg19_metric_find_calibration (m, NULL, &error);
  ck_assert_str_eq (found, negative);
  g_free (found);
  g_unsetenv ("VGG19_DISTS_WEIGHTS");
  ck_assert_ptr_null (vgg19_metric_new_preset ("lpips", &error));
  ck_assert_ptr_nonnull (strstr (error->message, "lpips-vgg"));
  g_clear_error (&error);

  vgg19_metric_free (m);
  vgg19_metric_free (lpips);
  g_unlink (bad_shape);
  g_unlink (negative);
  g_rmdir (dir);
  g_free (bad_shape);
  g_free (negative);
  g_free (missing);
  g_free (dir);
  g_free (v[0]);
  g_free (v[1]);
}
END_TEST

/* The Gram matrix (the difference against zero activations) is x x^T / n,
 * symmetric and positive semi-definite; each normalisation divides by what
 * it says. */
START_TEST (test_gram_matrix)
{
  const guint c = 20, h = 9, w = 13;
  const gsize hw = (gsize) h * w;
  float *x = random_values (c * hw, 3, -1, 2, TRUE);
  float *zero = g_new0 (float, c * hw);
  float *g = g_new (float, c * c);
  GError *error = NULL;
  GRand *r = g_rand_new_with_seed (9);
  guint i, j, k, trial;

  ck_assert (vgg19_gram_difference (x, zero, c, hw, (double) hw, "t", g,
          &error));
  for (i = 0; i < c; i++)
    for (j = 0; j < c; j++) {
      long double e = 0;

      for (k = 0; k < hw; k++)
        e += (long double) x[i * hw + k] * x[j * hw + k];
      e /= hw;
      ck_assert (g[i * c + j] == g[j * c + i]);
      ck_assert_msg (fabsl (g[i * c + j] - e) <= 1e-5L * (fabsl (e) + 1),
          "G[%u][%u] = %g vs %Lg", i, j, (double) g[i * c + j], e);
    }
  /* v^T G v >= 0 for random v (up to float rounding) */
  for (trial = 0; trial < 200; trial++) {
    double v[20], q = 0, scale = 0;

    for (i = 0; i < c; i++)
      v[i] = g_rand_double_range (r, -1, 1);
    for (i = 0; i < c; i++)
      for (j = 0; j < c; j++) {
        q += v[i] * g[i * c + j] * v[j];
        scale += fabs (v[i] * g[i * c + j] * v[j]);
      }
    ck_assert_msg (q >= -1e-6 * scale, "v^T G v = %g", q);
  }
  g_rand_free (r);
  g_free (x);
  g_free (zero);
  g_free (g);
}
END_TEST

/* Gram metrics: each normalisation and criterion against long double;
 * gatys + sse is the default Gram metric (Gatys et al., eq. 4). */
START_TEST (test_gram_forms)
{
  const guint c = 16, h = 6, w = 5;
  const gsize hw = (gsize) h * w;
  float *x = random_values (c * hw, 11, -1, 2, TRUE);
  float *y = random_values (c * hw, 12, -1, 2, TRUE);
  Vgg19Tensor tx = tensor ("relu1_1", c, h, w, x);
  Vgg19Tensor ty = tensor ("relu1_1", c, h, w, y);
  const Vgg19Tensor *ref[1] = { &ty }, *dist[1] = { &tx };
  const double norms[] = { 1.0, (double) hw, (double) c * hw,
    2.0 * c * hw
  };
  guint gn, red;
  int l1;

  for (gn = 0; gn < 4; gn++)
    for (red = 0; red < 3; red++)
      for (l1 = 0; l1 <= 1; l1++) {
        GError *error = NULL;
        Vgg19Metric *m = vgg19_metric_new ("s", VGG19_METRIC_GRAM, "relu1_1",
            l1 ? VGG19_LOSS_L1 : VGG19_LOSS_MSE, &error);
        long double sum = 0;
        double per, total;
        guint i, j, k;

        ck_assert_int_eq (vgg19_metric_get_gram_norm (m),
            VGG19_GRAM_NORM_GATYS);
        ck_assert_int_eq (vgg19_metric_get_reduction (m), VGG19_REDUCTION_SUM);
        ck_assert (vgg19_metric_set_gram_norm (m, gn, &error));
        ck_assert (vgg19_metric_set_reduction (m, red, &error));
        ck_assert (vgg19_metric_compute (m, ref, dist, &per, &total,
                &error));
        for (i = 0; i < c; i++)
          for (j = 0; j < c; j++) {
            long double gx = 0, gy = 0, d;

            for (k = 0; k < hw; k++) {
              gx += (long double) x[i * hw + k] * x[j * hw + k];
              gy += (long double) y[i * hw + k] * y[j * hw + k];
            }
            d = (gx - gy) / norms[gn];
            sum += l1 ? fabsl (d) : d * d;
          }
        if (red == VGG19_REDUCTION_MEAN)
          sum /= (long double) c * c;
        else if (red == VGG19_REDUCTION_CHANNEL_SUM)
          sum /= c;
        ck_assert_msg (fabsl (per - sum) <= 1e-4L * sum,
            "norm %u reduction %u l1 %d: %.9g vs %.9Lg", gn, red, l1, per,
            sum);
        vgg19_metric_free (m);
      }
  g_free (x);
  g_free (y);
}
END_TEST

/* Presets are fixed; names of the settings parse and print back. */
START_TEST (test_settings_and_names)
{
  GError *error = NULL;
  Vgg19Metric *m = vgg19_metric_new_preset ("esrgan", &error);
  Vgg19Metric *f = vgg19_metric_new ("p", VGG19_METRIC_FEATURE, "conv4_2",
      VGG19_LOSS_MSE, &error);
  Vgg19Reduction r;
  Vgg19GramNorm g;
  Vgg19FeatureNorm n;
  char *text;

  ck_assert (!vgg19_metric_set_reduction (m, VGG19_REDUCTION_SUM, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "preset esrgan"));
  g_clear_error (&error);
  ck_assert (!vgg19_metric_set_gram_norm (f, VGG19_GRAM_NORM_HW, &error));
  ck_assert_ptr_nonnull (strstr (error->message, "Gram"));
  g_clear_error (&error);
  text = vgg19_metric_to_string (m);
  ck_assert_str_eq (text, "esrgan: preset esrgan net=vgg19 feature l1 "
      "reduction=mean feature-norm=none input=imagenet pooling=max "
      "conv5_4:1");
  g_free (text);

  ck_assert (vgg19_reduction_from_string ("channel-sum", &r, &error));
  ck_assert_int_eq (r, VGG19_REDUCTION_CHANNEL_SUM);
  ck_assert_str_eq (vgg19_reduction_to_string (r), "channel-sum");
  ck_assert (vgg19_gram_norm_from_string ("chw", &g, &error));
  ck_assert_str_eq (vgg19_gram_norm_to_string (g), "chw");
  ck_assert (vgg19_feature_norm_from_string ("unit", &n, &error));
  ck_assert_str_eq (vgg19_feature_norm_to_string (n), "unit");
  ck_assert (!vgg19_reduction_from_string ("avg", &r, &error));
  ck_assert_ptr_nonnull (strstr (error->message,
          "\"mean\", \"channel-sum\" or \"sum\""));
  g_clear_error (&error);

  /* pix2pixHD feeds [-1, 1] pixels, DISTS runs on L2 pooling */
  vgg19_metric_free (m);
  m = vgg19_metric_new_preset ("pix2pixhd", &error);
  ck_assert_int_eq (vgg19_metric_get_input_scaling (m), VGG19_INPUT_SIGNED);
  vgg19_metric_free (m);
  vgg19_metric_free (f);
}
END_TEST

static Suite *
forms_suite (void)
{
  Suite *s = suite_create ("metric-forms");
  TCase *tc = tcase_create ("forms");

  tcase_add_test (tc, test_presets_zero_and_symmetric);
  tcase_add_test (tc, test_generic_feature_forms);
  tcase_add_test (tc, test_lpips_formula);
  tcase_add_test (tc, test_dists_formula);
  tcase_add_test (tc, test_calibration_errors);
  tcase_add_test (tc, test_gram_matrix);
  tcase_add_test (tc, test_gram_forms);
  tcase_add_test (tc, test_settings_and_names);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (forms_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
