/* Perceptual metrics: a list of weighted taps and how to compare them
 * (the generic form; presets are in metric_presets.c, their learned
 * weights in metric_calibration.c, DISTS in metric_dists.c). The formulas
 * are stated in include/vgg19/metric.h. */
#include <math.h>
#include <string.h>
#include <cblas.h>

#include "aligned.h"
#include "metric_private.h"

/* LPIPS' normalize_tensor: x / (||x|| + eps) along channels. */
#define UNIT_NORM_EPSILON 1e-10

static gboolean
valid_name (const char *name)
{
  const char *p;

  if (name == NULL || !g_ascii_isalpha (name[0]))
    return FALSE;
  for (p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

static gboolean
is_blank (const char *text)
{
  if (text == NULL)
    return TRUE;
  while (g_ascii_isspace (*text))
    text++;
  return *text == '\0';
}

/* "tap" or "tap:weight", surrounding spaces allowed. */
static gboolean
parse_term (const char *metric, const char *item, Vgg19MetricTerm * term,
    GError ** error)
{
  char *text = g_strstrip (g_strdup (item));
  char *colon = strchr (text, ':');
  double weight = 1.0;

  if (colon != NULL) {
    char *number = g_strstrip (colon + 1);
    char *end = NULL;

    *colon = '\0';
    g_strstrip (text);
    weight = g_ascii_strtod (number, &end);
    if (*number == '\0' || end == NULL || *end != '\0' || !isfinite (weight)
        || weight < 0.0) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
          "%s: weight \"%s\" of layer \"%s\" is not a finite number >= 0",
          metric, number, text);
      g_free (text);
      return FALSE;
    }
  }
  if (*text == '\0') {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "%s: empty layer name in the layer list", metric);
    g_free (text);
    return FALSE;
  }
  term->tap = text;
  term->weight = weight;
  return TRUE;
}

/* Names of the enumerations ----------------------------------------- */

typedef struct
{
  const char *name;
  int value;
} Named;

static gboolean
from_string (const Named * names, guint n, const char *what,
    const char *name, int *out, GError ** error)
{
  GString *list;
  guint i;

  for (i = 0; i < n; i++)
    if (g_strcmp0 (name, names[i].name) == 0) {
      *out = names[i].value;
      return TRUE;
    }
  list = g_string_new (NULL);
  for (i = 0; i < n; i++)
    g_string_append_printf (list, "%s\"%s\"", i == 0 ? "" : i + 1 == n ?
        " or " : ", ", names[i].name);
  g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
      "unknown %s \"%s\" (expected %s)", what, name ? name : "(null)",
      list->str);
  g_string_free (list, TRUE);
  return FALSE;
}

static const char *
to_string (const Named * names, guint n, int value)
{
  guint i;

  for (i = 0; i < n; i++)
    if (names[i].value == value)
      return names[i].name;
  return "unknown";
}

static const Named reduction_names[] = {
  {"mean", VGG19_REDUCTION_MEAN},
  {"channel-sum", VGG19_REDUCTION_CHANNEL_SUM},
  {"sum", VGG19_REDUCTION_SUM},
};

static const Named feature_norm_names[] = {
  {"none", VGG19_FEATURE_NORM_NONE},
  {"unit", VGG19_FEATURE_NORM_UNIT},
};

static const Named gram_norm_names[] = {
  {"none", VGG19_GRAM_NORM_NONE},
  {"hw", VGG19_GRAM_NORM_HW},
  {"chw", VGG19_GRAM_NORM_CHW},
  {"gatys", VGG19_GRAM_NORM_GATYS},
};

static const Named input_names[] = {
  {"imagenet", VGG19_INPUT_IMAGENET},
  {"signed", VGG19_INPUT_SIGNED},
};

#define NAMED_FUNCS(prefix, Type, table, what)                              \
gboolean                                                                    \
prefix##_from_string (const char *name, Type * out, GError ** error)        \
{                                                                           \
  int v;                                                                    \
                                                                            \
  if (!from_string (table, G_N_ELEMENTS (table), what, name, &v, error))    \
    return FALSE;                                                           \
  if (out)                                                                  \
    *out = (Type) v;                                                        \
  return TRUE;                                                              \
}                                                                           \
                                                                            \
const char *                                                                \
prefix##_to_string (Type value)                                             \
{                                                                           \
  return to_string (table, G_N_ELEMENTS (table), (int) value);              \
}

NAMED_FUNCS (vgg19_reduction, Vgg19Reduction, reduction_names, "reduction")
NAMED_FUNCS (vgg19_feature_norm, Vgg19FeatureNorm, feature_norm_names,
    "feature normalisation")
NAMED_FUNCS (vgg19_gram_norm, Vgg19GramNorm, gram_norm_names,
    "Gram normalisation")

const char *
vgg19_input_scaling_to_string (Vgg19InputScaling scaling)
{
  return to_string (input_names, G_N_ELEMENTS (input_names), (int) scaling);
}

/* Making and describing a metric ------------------------------------- */

Vgg19Metric *
vgg19_metric_alloc (const char *name, Vgg19MetricKind kind,
    const char *layers, GError ** error)
{
  Vgg19Metric *m;
  char **items;
  guint i, j;

  if (!valid_name (name)) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "metric name \"%s\" must start with a letter and hold only letters, "
        "digits, '_' and '-'", name ? name : "(null)");
    return NULL;
  }
  if (is_blank (layers)) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "%s: no layer given (e.g. \"conv4_2\" or \"relu1_2:1,relu2_2:0.5\")",
        name);
    return NULL;
  }

  m = g_new0 (Vgg19Metric, 1);
  m->name = g_strdup (name);
  m->kind = kind;
  m->criterion = VGG19_LOSS_MSE;
  m->reduction = kind == VGG19_METRIC_GRAM ? VGG19_REDUCTION_SUM :
      VGG19_REDUCTION_MEAN;
  m->feature_norm = VGG19_FEATURE_NORM_NONE;
  m->gram_norm = VGG19_GRAM_NORM_GATYS;
  m->input = VGG19_INPUT_IMAGENET;
  m->pooling = VGG19_POOLING_MAX;
  items = g_strsplit (layers, ",", -1);
  m->terms = g_new0 (Vgg19MetricTerm, g_strv_length (items));
  for (i = 0; items[i] != NULL; i++) {
    if (!parse_term (name, items[i], &m->terms[m->n_terms], error))
      goto fail;
    for (j = 0; j < m->n_terms; j++)
      if (strcmp (m->terms[j].tap, m->terms[m->n_terms].tap) == 0) {
        g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
            "%s: layer \"%s\" is listed twice", name, m->terms[j].tap);
        g_free (m->terms[m->n_terms].tap);
        goto fail;
      }
    m->n_terms++;
  }
  g_strfreev (items);
  return m;

fail:
  g_strfreev (items);
  vgg19_metric_free (m);
  return NULL;
}

Vgg19Metric *
vgg19_metric_new (const char *name, Vgg19MetricKind kind, const char *layers,
    Vgg19Loss criterion, GError ** error)
{
  Vgg19Metric *m;

  if (kind != VGG19_METRIC_FEATURE && kind != VGG19_METRIC_GRAM) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "%s: metric kind %d is not a generic one (feature or gram; DISTS "
        "is the preset \"dists\")", name ? name : "(null)", (int) kind);
    return NULL;
  }
  if (criterion != VGG19_LOSS_MSE && criterion != VGG19_LOSS_L1
      && criterion != VGG19_LOSS_SSE) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "%s: unknown criterion %d", name ? name : "(null)", (int) criterion);
    return NULL;
  }
  m = vgg19_metric_alloc (name, kind, layers, error);
  if (m == NULL)
    return NULL;
  m->criterion = criterion;
  if (criterion == VGG19_LOSS_SSE)
    m->reduction = VGG19_REDUCTION_SUM;
  return m;
}

static gboolean
check_generic (Vgg19Metric * metric, const char *setting, GError ** error)
{
  if (metric->preset == NULL)
    return TRUE;
  g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
      "%s: the %s of the preset %s is part of its definition and cannot "
      "be changed (use the generic form for variants)", metric->name,
      setting, metric->preset->name);
  return FALSE;
}

gboolean
vgg19_metric_set_reduction (Vgg19Metric * metric, Vgg19Reduction reduction,
    GError ** error)
{
  if (!check_generic (metric, "reduction", error))
    return FALSE;
  if (reduction != VGG19_REDUCTION_MEAN
      && reduction != VGG19_REDUCTION_CHANNEL_SUM
      && reduction != VGG19_REDUCTION_SUM) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "%s: unknown reduction %d", metric->name, (int) reduction);
    return FALSE;
  }
  if (metric->criterion == VGG19_LOSS_SSE
      && reduction != VGG19_REDUCTION_SUM) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "%s: the sse criterion is a sum of squared errors, its reduction "
        "is sum; for a %s of squared errors use the mse criterion",
        metric->name, vgg19_reduction_to_string (reduction));
    return FALSE;
  }
  metric->reduction = reduction;
  return TRUE;
}

gboolean
vgg19_metric_set_feature_norm (Vgg19Metric * metric, Vgg19FeatureNorm norm,
    GError ** error)
{
  if (!check_generic (metric, "feature normalisation", error))
    return FALSE;
  if (norm != VGG19_FEATURE_NORM_NONE && norm != VGG19_FEATURE_NORM_UNIT) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "%s: unknown feature normalisation %d", metric->name, (int) norm);
    return FALSE;
  }
  metric->feature_norm = norm;
  return TRUE;
}

gboolean
vgg19_metric_set_gram_norm (Vgg19Metric * metric, Vgg19GramNorm norm,
    GError ** error)
{
  if (!check_generic (metric, "Gram normalisation", error))
    return FALSE;
  if (metric->kind != VGG19_METRIC_GRAM) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "%s: a Gram normalisation applies to Gram (style) metrics only",
        metric->name);
    return FALSE;
  }
  if (norm < VGG19_GRAM_NORM_NONE || norm > VGG19_GRAM_NORM_GATYS) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "%s: unknown Gram normalisation %d", metric->name, (int) norm);
    return FALSE;
  }
  metric->gram_norm = norm;
  return TRUE;
}

void
vgg19_metric_free (Vgg19Metric * metric)
{
  guint i;

  if (metric == NULL)
    return;
  for (i = 0; i < metric->n_terms; i++) {
    g_free (metric->terms[i].tap);
    g_free (metric->terms[i].channel_weights);
    g_free (metric->terms[i].alpha);
    g_free (metric->terms[i].beta);
  }
  g_free (metric->terms);
  g_free (metric->name);
  g_free (metric->calibration_path);
  g_free (metric->calibration_sha256);
  g_free (metric);
}

gboolean
vgg19_metric_check (const Vgg19Metric * metric, Vgg19Arch arch,
    GError ** error)
{
  guint i;

  if (metric->preset && metric->preset->arch != arch) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "%s is defined on %s, but the weights are %s: give %s weights "
        "(torchvision's %s)", metric->preset->name,
        vgg19_arch_name (metric->preset->arch), vgg19_arch_name (arch),
        vgg19_arch_name (metric->preset->arch),
        metric->preset->arch == VGG19_ARCH_VGG16 ?
        VGG16_OFFICIAL_WEIGHTS_NAME : VGG19_OFFICIAL_WEIGHTS_NAME);
    return FALSE;
  }
  if (vgg19_metric_get_calibration_name (metric)
      && metric->calibration_path == NULL) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_NOT_FOUND,
        "%s needs its learned weights (%s), which are not loaded",
        metric->name, vgg19_metric_get_calibration_name (metric));
    return FALSE;
  }
  for (i = 0; i < metric->n_terms; i++) {
    const char *tap = metric->terms[i].tap;
    guint c, h, w;

    if (strcmp (tap, VGG19_METRIC_INPUT_TAP) == 0)
      continue;
    if (!vgg19_arch_tap_shape (arch, tap, 224, 224, &c, &h, &w, NULL)) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
          "%s: unknown layer \"%s\" for %s (layers are named input, "
          "conv1_1, relu1_1, pool1, ..., conv5_%u, relu5_%u, pool5)",
          metric->name, tap, vgg19_arch_name (arch),
          arch == VGG19_ARCH_VGG19 ? 4 : 3, arch == VGG19_ARCH_VGG19 ? 4 : 3);
      return FALSE;
    }
    if (metric->terms[i].n_channels != 0 && metric->terms[i].n_channels != c) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
          "%s: layer \"%s\" has %u channels but the weights of %s have %u",
          metric->name, tap, c, metric->calibration_path,
          metric->terms[i].n_channels);
      return FALSE;
    }
  }
  return TRUE;
}

const char *
vgg19_metric_get_name (const Vgg19Metric * metric)
{
  return metric->name;
}

const char *
vgg19_metric_get_preset (const Vgg19Metric * metric)
{
  return metric->preset ? metric->preset->name : NULL;
}

Vgg19MetricKind
vgg19_metric_get_kind (const Vgg19Metric * metric)
{
  return metric->kind;
}

Vgg19Loss
vgg19_metric_get_criterion (const Vgg19Metric * metric)
{
  return metric->criterion;
}

Vgg19Reduction
vgg19_metric_get_reduction (const Vgg19Metric * metric)
{
  return metric->reduction;
}

Vgg19FeatureNorm
vgg19_metric_get_feature_norm (const Vgg19Metric * metric)
{
  return metric->feature_norm;
}

Vgg19GramNorm
vgg19_metric_get_gram_norm (const Vgg19Metric * metric)
{
  return metric->gram_norm;
}

Vgg19InputScaling
vgg19_metric_get_input_scaling (const Vgg19Metric * metric)
{
  return metric->input;
}

Vgg19Pooling
vgg19_metric_get_pooling (const Vgg19Metric * metric)
{
  return metric->pooling;
}

gboolean
vgg19_metric_get_arch (const Vgg19Metric * metric, Vgg19Arch * arch)
{
  if (metric->preset == NULL)
    return FALSE;
  if (arch)
    *arch = metric->preset->arch;
  return TRUE;
}

guint
vgg19_metric_get_n_layers (const Vgg19Metric * metric)
{
  return metric->n_terms;
}

const char *
vgg19_metric_get_layer (const Vgg19Metric * metric, guint index,
    double *weight)
{
  g_return_val_if_fail (index < metric->n_terms, NULL);
  if (weight)
    *weight = metric->terms[index].weight;
  return metric->terms[index].tap;
}

char *
vgg19_metric_to_string (const Vgg19Metric * metric)
{
  GString *s = g_string_new (NULL);
  guint i;

  g_string_append_printf (s, "%s:", metric->name);
  if (metric->preset)
    g_string_append_printf (s, " preset %s net=%s", metric->preset->name,
        vgg19_arch_name (metric->preset->arch));
  switch (metric->kind) {
    case VGG19_METRIC_DISTS:
      g_string_append (s, " dists c1=1e-06 c2=1e-06");
      break;
    case VGG19_METRIC_GRAM:
      g_string_append_printf (s, " gram %s reduction=%s feature-norm=%s "
          "gram-norm=%s", vgg19_loss_to_string (metric->criterion),
          vgg19_reduction_to_string (metric->reduction),
          vgg19_feature_norm_to_string (metric->feature_norm),
          vgg19_gram_norm_to_string (metric->gram_norm));
      break;
    case VGG19_METRIC_FEATURE:
      g_string_append_printf (s, " feature %s reduction=%s feature-norm=%s",
          vgg19_loss_to_string (metric->criterion),
          vgg19_reduction_to_string (metric->reduction),
          vgg19_feature_norm_to_string (metric->feature_norm));
      break;
  }
  g_string_append_printf (s, " input=%s pooling=%s",
      vgg19_input_scaling_to_string (metric->input),
      vgg19_pooling_to_string (metric->pooling));
  if (metric->calibration_path) {
    char *base = g_path_get_basename (metric->calibration_path);

    g_string_append_printf (s, " weights=%s sha256=%s", base,
        metric->calibration_sha256);
    g_free (base);
  }
  for (i = 0; i < metric->n_terms; i++) {
    char number[G_ASCII_DTOSTR_BUF_SIZE];

    g_string_append_printf (s, "%s%s:%s", i == 0 ? " " : ",",
        metric->terms[i].tap, g_ascii_formatd (number, sizeof number, "%.9g",
            metric->terms[i].weight));
  }
  return g_string_free (s, FALSE);
}

/* Computing ---------------------------------------------------------- */

/* The activations a metric compares at one tap: the tensor itself, or a
 * unit-normalised copy. */
static const float *
features (const Vgg19Metric * m, const Vgg19Tensor * t, float **copy,
    GError ** error)
{
  const gsize hw = (gsize) t->height * t->width;
  double *norm;
  gsize p, c;

  *copy = NULL;
  if (m->feature_norm == VGG19_FEATURE_NORM_NONE)
    return t->data;
  *copy = vgg19_alloc_floats ((gsize) t->channels * hw, t->name, error);
  if (*copy == NULL)
    return NULL;
  norm = g_new0 (double, hw);
  for (c = 0; c < t->channels; c++)
    for (p = 0; p < hw; p++) {
      double v = t->data[c * hw + p];

      norm[p] += v * v;
    }
  for (p = 0; p < hw; p++)
    norm[p] = sqrt (norm[p]) + UNIT_NORM_EPSILON;
  for (c = 0; c < t->channels; c++)
    for (p = 0; p < hw; p++)
      (*copy)[c * hw + p] = (float) (t->data[c * hw + p] / norm[p]);
  g_free (norm);
  return *copy;
}

static double
penalty (Vgg19Loss criterion, double d)
{
  return criterion == VGG19_LOSS_L1 ? fabs (d) : d * d;
}

/* Sum over channels of weight_c * sum over positions of the criterion of
 * x - y; the reduction divides it. */
static double
feature_sum (const Vgg19Metric * m, const Vgg19MetricTerm * term,
    const float *x, const float *y, guint channels, gsize hw)
{
  double total = 0.0;
  gsize c, p;

  for (c = 0; c < channels; c++) {
    const float *xc = x + c * hw, *yc = y + c * hw;
    double sum = 0.0;

    for (p = 0; p < hw; p++)
      sum += penalty (m->criterion, (double) xc[p] - (double) yc[p]);
    total += (term->channel_weights ? term->channel_weights[c] : 1.0) * sum;
  }
  return total;
}

/* Columns per chunk of the Gram computation: bounds the scratch memory to
 * 2 x C x GRAM_CHUNK floats (4 MB at C = 512) whatever the frame size. */
#define GRAM_CHUNK 1024

/* (G - A) / n into @out (C x C, both triangles), with G = x x^T and
 * A = y y^T. G - A is computed as (D S^T + S D^T) / 2 with D = x - y and
 * S = x + y, which is the same matrix but without subtracting two large
 * nearly equal products: the result is accurate when x and y are close,
 * and exactly 0 when equal. */
gboolean
vgg19_gram_difference (const float *x, const float *y, guint c, gsize hw,
    double n, const char *tap, float *out, GError ** error)
{
  float *d = NULL, *s = NULL;
  gsize col, k, i, j;

  if ((d = vgg19_alloc_floats ((gsize) c * GRAM_CHUNK, tap, error)) == NULL
      || (s = vgg19_alloc_floats ((gsize) c * GRAM_CHUNK, tap, error)) == NULL) {
    vgg19_free_floats (d);
    return FALSE;
  }
  memset (out, 0, sizeof (float) * c * c);
  for (col = 0; col < hw; col += GRAM_CHUNK) {
    gsize w = MIN (GRAM_CHUNK, hw - col);

    for (k = 0; k < c; k++) {
      const float *xr = x + k * hw + col, *yr = y + k * hw + col;

      for (i = 0; i < w; i++) {
        d[k * w + i] = xr[i] - yr[i];
        s[k * w + i] = xr[i] + yr[i];
      }
    }
    /* Upper triangle of out += 0.5 (D S^T + S D^T). */
    cblas_ssyr2k (CblasRowMajor, CblasUpper, CblasNoTrans, (blasint) c,
        (blasint) w, 0.5f, d, (blasint) w, s, (blasint) w, 1.0f, out,
        (blasint) c);
  }
  for (i = 0; i < c; i++)
    for (j = i; j < c; j++) {
      out[i * c + j] = (float) (out[i * c + j] / n);
      out[j * c + i] = out[i * c + j];
    }
  vgg19_free_floats (d);
  vgg19_free_floats (s);
  return TRUE;
}

/* Sum over the C x C entries of the criterion of (G - A) / n. */
static gboolean
gram_sum (const Vgg19Metric * m, const char *tap, const float *x,
    const float *y, guint c, gsize hw, double n, double *out,
    GError ** error)
{
  float *g = vgg19_alloc_floats ((gsize) c * c, tap, error);
  double sum = 0.0;
  gsize i;

  if (g == NULL || !vgg19_gram_difference (x, y, c, hw, n, tap, g, error)) {
    vgg19_free_floats (g);
    return FALSE;
  }
  for (i = 0; i < (gsize) c * c; i++)
    sum += penalty (m->criterion, g[i]);
  vgg19_free_floats (g);
  *out = sum;
  return TRUE;
}

static gboolean
same_shape (const Vgg19Metric * m, const Vgg19MetricTerm * term,
    const Vgg19Tensor * a, const Vgg19Tensor * b, GError ** error)
{
  if (a == NULL || b == NULL || a->data == NULL || b->data == NULL) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "%s: no activations given for layer \"%s\"", m->name, term->tap);
    return FALSE;
  }
  if (a->channels != b->channels || a->height != b->height
      || a->width != b->width) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "%s: layer \"%s\" has shape %ux%ux%u in the reference but %ux%ux%u "
        "in the distorted image (both must go through the same resize)",
        m->name, term->tap, a->channels, a->height, a->width, b->channels,
        b->height, b->width);
    return FALSE;
  }
  if (term->n_channels != 0 && term->n_channels != a->channels) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "%s: layer \"%s\" has %u channels but its learned weights %u",
        m->name, term->tap, a->channels, term->n_channels);
    return FALSE;
  }
  return TRUE;
}

/* One tap's value: the criterion's sum, divided as the reduction says. */
static gboolean
term_value (const Vgg19Metric * m, const Vgg19MetricTerm * term,
    const Vgg19Tensor * yt, const Vgg19Tensor * xt, double *value,
    GError ** error)
{
  const guint c = xt->channels;
  const gsize hw = (gsize) xt->height * xt->width;
  float *xcopy = NULL, *ycopy = NULL;
  const float *x, *y;
  double sum, elements, per_channel;
  gboolean ok = TRUE;

  x = features (m, xt, &xcopy, error);
  y = x ? features (m, yt, &ycopy, error) : NULL;
  if (x == NULL || y == NULL) {
    vgg19_free_floats (xcopy);
    return FALSE;
  }
  if (m->kind == VGG19_METRIC_FEATURE) {
    sum = feature_sum (m, term, x, y, c, hw);
    elements = (double) c * hw;
    per_channel = hw;
  } else {
    double n = 1.0;

    switch (m->gram_norm) {
      case VGG19_GRAM_NORM_NONE:
        break;
      case VGG19_GRAM_NORM_HW:
        n = hw;
        break;
      case VGG19_GRAM_NORM_CHW:
        n = (double) c * hw;
        break;
      case VGG19_GRAM_NORM_GATYS:
        n = 2.0 * c * hw;
        break;
    }
    ok = gram_sum (m, term->tap, x, y, c, hw, n, &sum, error);
    elements = (double) c * c;
    per_channel = c;
  }
  vgg19_free_floats (xcopy);
  vgg19_free_floats (ycopy);
  if (!ok)
    return FALSE;
  switch (m->reduction) {
    case VGG19_REDUCTION_MEAN:
      sum /= elements;
      break;
    case VGG19_REDUCTION_CHANNEL_SUM:
      sum /= per_channel;
      break;
    case VGG19_REDUCTION_SUM:
      break;
  }
  *value = sum;
  return TRUE;
}

gboolean
vgg19_metric_compute (const Vgg19Metric * metric,
    const Vgg19Tensor * const *reference,
    const Vgg19Tensor * const *distorted, double *per_layer, double *total,
    GError ** error)
{
  double sum = 0.0;
  guint i;

  if (vgg19_metric_get_calibration_name (metric)
      && metric->calibration_path == NULL) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_NOT_FOUND,
        "%s needs its learned weights (%s), which are not loaded",
        metric->name, vgg19_metric_get_calibration_name (metric));
    return FALSE;
  }
  for (i = 0; i < metric->n_terms; i++)
    if (!same_shape (metric, &metric->terms[i], reference[i], distorted[i],
            error))
      return FALSE;
  if (metric->kind == VGG19_METRIC_DISTS) {
    vgg19_metric_dists (metric, reference, distorted, per_layer, total);
    return TRUE;
  }
  for (i = 0; i < metric->n_terms; i++) {
    double value;

    if (!term_value (metric, &metric->terms[i], reference[i], distorted[i],
            &value, error))
      return FALSE;
    if (per_layer)
      per_layer[i] = value;
    sum += metric->terms[i].weight * value;
  }
  *total = sum;
  return TRUE;
}
