/* The learned weights of LPIPS and DISTS: where their files are, and
 * reading them (with the readers of the network's weights, so torch's
 * legacy and zip files and safetensors all work). */
#include <math.h>
#include <string.h>

#include "metric_private.h"
#include "tensor_file.h"

#ifndef VGG19_DATADIR
#error "VGG19_DATADIR must be defined by the build"
#endif

/* DISTS' stages: the input's 3 channels, then relu1_2 ... relu5_3. */
static const guint dists_channels[] = { 3, 64, 128, 256, 512, 512 };

#define DISTS_TOTAL_CHANNELS 1475

static char *
help_for (const Vgg19Metric * m)
{
  return g_strdup_printf ("To get it, run weights/fetch %s (or "
      VGG19_DATADIR "/fetch %s once installed), which downloads it into "
      "$XDG_CACHE_HOME/vgg19 (by default ~/.cache/vgg19) and checks its "
      "SHA-256, or name the file with the calibration property, "
      "--calibration or $%s.", m->preset->name, m->preset->name,
      m->preset->calibration_env);
}

char *
vgg19_metric_find_calibration (const Vgg19Metric * metric,
    const char *explicit_path, GError ** error)
{
  const char *name = vgg19_metric_get_calibration_name (metric);
  const char *env, *xdg, *home;
  char *candidates[2], *cache, *help;
  guint i;

  if (name == NULL) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "%s has no learned weights to look for", metric->name);
    return NULL;
  }
  help = help_for (metric);
  env = g_getenv (metric->preset->calibration_env);
  if ((explicit_path && *explicit_path) || (env && *env)) {
    const char *path = explicit_path && *explicit_path ? explicit_path : env;

    if (g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
      g_free (help);
      return g_strdup (path);
    }
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_NOT_FOUND,
        "the weights of %s, %s (%s), %s. %s", metric->name, path,
        path == env ? metric->preset->calibration_env : "given explicitly",
        g_file_test (path, G_FILE_TEST_EXISTS) ? "is not a regular file" :
        "does not exist", help);
    g_free (help);
    return NULL;
  }

  /* as vgg19_weights_find(): read the environment at every call */
  xdg = g_getenv ("XDG_CACHE_HOME");
  home = g_getenv ("HOME");
  if (xdg && g_path_is_absolute (xdg))
    cache = g_build_filename (xdg, "vgg19", name, NULL);
  else
    cache = g_build_filename (home && *home ? home : g_get_home_dir (),
        ".cache", "vgg19", name, NULL);
  candidates[0] = cache;
  candidates[1] = g_build_filename (VGG19_DATADIR, name, NULL);
  for (i = 0; i < G_N_ELEMENTS (candidates); i++)
    if (g_file_test (candidates[i], G_FILE_TEST_IS_REGULAR)) {
      char *found = g_strdup (candidates[i]);

      g_free (candidates[0]);
      g_free (candidates[1]);
      g_free (help);
      return found;
    }
  g_set_error (error, VGG19_ERROR, VGG19_ERROR_NOT_FOUND,
      "%s needs its learned weights %s, which are not found; looked at $%s "
      "(unset), %s, %s. %s", metric->name, name,
      metric->preset->calibration_env, candidates[0], candidates[1], help);
  g_free (candidates[0]);
  g_free (candidates[1]);
  g_free (help);
  return NULL;
}

/* The tensor @name of @file as doubles, checked to hold @n floats in a
 * [1, n, 1, 1] shape. */
static double *
read_vector (Vgg19TensorFile * file, const char *path, const char *name,
    guint n, GError ** error)
{
  const Vgg19RawTensor *t = vgg19_tensor_file_lookup (file, name);
  float *f;
  double *v;
  guint i;

  if (t == NULL) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_WEIGHTS,
        "%s: tensor '%s' [1, %u, 1, 1] is missing", path, name, n);
    return NULL;
  }
  if (t->n_dims != 4 || t->shape[0] != 1 || t->shape[1] != n
      || t->shape[2] != 1 || t->shape[3] != 1
      || !vgg19_dtype_is_float (t->dtype)) {
    char *found = vgg19_shape_to_string (t->n_dims, t->shape);

    g_set_error (error, VGG19_ERROR, VGG19_ERROR_WEIGHTS,
        "%s: tensor '%s' has shape %s and dtype %s, expected [1, %u, 1, 1] "
        "floats", path, name, found, vgg19_dtype_name (t->dtype), n);
    g_free (found);
    return NULL;
  }
  f = g_new (float, n);
  if (!vgg19_tensor_file_read_f32 (file, t, f, error)) {
    g_free (f);
    return NULL;
  }
  v = g_new (double, n);
  for (i = 0; i < n; i++) {
    if (!isfinite (f[i]) || f[i] < 0.0f) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_WEIGHTS,
          "%s: tensor '%s' holds %g at index %u: the weights must be "
          "finite and >= 0", path, name, (double) f[i], i);
      g_free (f);
      g_free (v);
      return NULL;
    }
    v[i] = f[i];
  }
  g_free (f);
  return v;
}

/* LPIPS' lin0 ... lin4: 1x1 convolutions without bias, [1, C, 1, 1]. */
static gboolean
load_lpips (Vgg19Metric * m, Vgg19TensorFile * file, const char *path,
    GError ** error)
{
  guint i;

  for (i = 0; i < m->n_terms; i++) {
    char *name = g_strdup_printf ("lin%u.model.1.weight", i);
    guint c;

    vgg19_arch_tap_shape (VGG19_ARCH_VGG16, m->terms[i].tap, 224, 224, &c,
        NULL, NULL, NULL);
    m->terms[i].channel_weights = read_vector (file, path, name, c, error);
    g_free (name);
    if (m->terms[i].channel_weights == NULL)
      return FALSE;
    m->terms[i].n_channels = c;
  }
  return TRUE;
}

/* DISTS' alpha and beta, [1, 1475, 1, 1], split by stage and divided by
 * their total sum as DISTS does before using them. */
static gboolean
load_dists (Vgg19Metric * m, Vgg19TensorFile * file, const char *path,
    GError ** error)
{
  double *alpha, *beta, total = 0.0;
  guint i, k, offset = 0;

  alpha = read_vector (file, path, "alpha", DISTS_TOTAL_CHANNELS, error);
  if (alpha == NULL)
    return FALSE;
  beta = read_vector (file, path, "beta", DISTS_TOTAL_CHANNELS, error);
  if (beta == NULL) {
    g_free (alpha);
    return FALSE;
  }
  for (i = 0; i < DISTS_TOTAL_CHANNELS; i++)
    total += alpha[i] + beta[i];
  if (!(total > 0.0)) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_WEIGHTS,
        "%s: alpha and beta are all zero", path);
    g_free (alpha);
    g_free (beta);
    return FALSE;
  }
  g_assert (m->n_terms == G_N_ELEMENTS (dists_channels));
  for (k = 0; k < m->n_terms; k++) {
    guint c = dists_channels[k];

    m->terms[k].alpha = g_new (double, c);
    m->terms[k].beta = g_new (double, c);
    for (i = 0; i < c; i++) {
      m->terms[k].alpha[i] = alpha[offset + i] / total;
      m->terms[k].beta[i] = beta[offset + i] / total;
    }
    m->terms[k].n_channels = c;
    offset += c;
  }
  g_free (alpha);
  g_free (beta);
  return TRUE;
}

static void
clear_calibration (Vgg19Metric * m)
{
  guint i;

  for (i = 0; i < m->n_terms; i++) {
    g_clear_pointer (&m->terms[i].channel_weights, g_free);
    g_clear_pointer (&m->terms[i].alpha, g_free);
    g_clear_pointer (&m->terms[i].beta, g_free);
    m->terms[i].n_channels = 0;
  }
  g_clear_pointer (&m->calibration_path, g_free);
  g_clear_pointer (&m->calibration_sha256, g_free);
}

gboolean
vgg19_metric_load_calibration (Vgg19Metric * metric, const char *path,
    GError ** error)
{
  Vgg19TensorFile *file;
  gboolean ok;
  char *sha;

  if (vgg19_metric_get_calibration_name (metric) == NULL) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "%s has no learned weights to load", metric->name);
    return FALSE;
  }
  clear_calibration (metric);
  file = vgg19_tensor_file_open (path, error);
  if (file == NULL)
    return FALSE;
  ok = metric->kind == VGG19_METRIC_DISTS ?
      load_dists (metric, file, path, error) :
      load_lpips (metric, file, path, error);
  vgg19_tensor_file_free (file);
  sha = ok ? vgg19_file_sha256 (path, error) : NULL;
  if (sha == NULL) {
    clear_calibration (metric);
    return FALSE;
  }
  metric->calibration_path = g_strdup (path);
  metric->calibration_sha256 = sha;
  return TRUE;
}
