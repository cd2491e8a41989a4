/* Perceptual metrics: a list of weighted taps and how to compare them.
 * The formulas are stated in include/vgg19/metric.h. */
#include <vgg19/metric.h>

#include <math.h>
#include <string.h>
#include <cblas.h>

#include "aligned.h"

typedef struct
{
  char *tap;
  double weight;
} Term;

struct _Vgg19Metric
{
  char *name;
  Vgg19MetricKind kind;
  Vgg19Loss criterion;
  Term *terms;
  guint n_terms;
};

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
parse_term (const char *metric, const char *item, Term * term,
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

Vgg19Metric *
vgg19_metric_new (const char *name, Vgg19MetricKind kind, const char *layers,
    Vgg19Loss criterion, GError ** error)
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
  if (kind != VGG19_METRIC_FEATURE && kind != VGG19_METRIC_GRAM) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "%s: unknown metric kind %d", name, (int) kind);
    return NULL;
  }
  if (criterion != VGG19_LOSS_MSE && criterion != VGG19_LOSS_L1) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "%s: unknown criterion %d", name, (int) criterion);
    return NULL;
  }
  if (kind == VGG19_METRIC_GRAM && criterion != VGG19_LOSS_MSE) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "%s: the Gram (style) loss is defined with squared differences "
        "(Gatys et al.): use the mse criterion", name);
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
  m->criterion = criterion;
  items = g_strsplit (layers, ",", -1);
  m->terms = g_new0 (Term, g_strv_length (items));
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

void
vgg19_metric_free (Vgg19Metric * metric)
{
  guint i;

  if (metric == NULL)
    return;
  for (i = 0; i < metric->n_terms; i++)
    g_free (metric->terms[i].tap);
  g_free (metric->terms);
  g_free (metric->name);
  g_free (metric);
}

gboolean
vgg19_metric_check (const Vgg19Metric * metric, Vgg19Arch arch,
    GError ** error)
{
  guint i;

  for (i = 0; i < metric->n_terms; i++) {
    const char *tap = metric->terms[i].tap;
    guint c, h, w;

    if (!vgg19_arch_tap_shape (arch, tap, 224, 224, &c, &h, &w, NULL)) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
          "%s: unknown layer \"%s\" for %s (layers are named conv1_1, "
          "relu1_1, pool1, ..., conv5_%u, relu5_%u, pool5)", metric->name,
          tap, vgg19_arch_name (arch), arch == VGG19_ARCH_VGG19 ? 4 : 3,
          arch == VGG19_ARCH_VGG19 ? 4 : 3);
      return FALSE;
    }
    if (g_str_has_prefix (tap, "fc") || g_str_has_prefix (tap, "relu6")
        || g_str_has_prefix (tap, "relu7")) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
          "%s: layer \"%s\" belongs to the classifier; perceptual metrics "
          "use the convolutional layers (conv*, relu*, pool*)",
          metric->name, tap);
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

  g_string_append_printf (s, "%s: %s %s", metric->name,
      metric->kind == VGG19_METRIC_GRAM ? "gram-gatys" : "feature",
      vgg19_loss_to_string (metric->criterion));
  for (i = 0; i < metric->n_terms; i++) {
    char number[G_ASCII_DTOSTR_BUF_SIZE];

    g_string_append_printf (s, "%s%s:%s", i == 0 ? " " : ",",
        metric->terms[i].tap, g_ascii_formatd (number, sizeof number, "%.9g",
            metric->terms[i].weight));
  }
  return g_string_free (s, FALSE);
}

/* Columns per chunk of the Gram computation: bounds the scratch memory to
 * 2 x C x GRAM_CHUNK floats (4 MB at C = 512) whatever the frame size. */
#define GRAM_CHUNK 1024

/* sum over (G - A)^2 with G = x x^T, A = y y^T. G - A is computed as
 * (D S^T + S D^T) / 2 with D = x - y and S = x + y, which is the same
 * matrix but without subtracting two large nearly equal products: the
 * result is accurate when x and y are close, and exactly 0 when equal. */
static gboolean
gram_sq_diff (const Vgg19Tensor * x, const Vgg19Tensor * y, double *out,
    GError ** error)
{
  const guint c = x->channels;
  const gsize hw = (gsize) x->height * x->width;
  float *d = NULL, *s = NULL, *g = NULL;
  gsize col, k, i, j;
  double sum = 0.0;

  if ((d = vgg19_alloc_floats ((gsize) c * GRAM_CHUNK, x->name, error)) == NULL
      || (s = vgg19_alloc_floats ((gsize) c * GRAM_CHUNK, x->name,
              error)) == NULL
      || (g = vgg19_alloc_floats0 ((gsize) c * c, x->name, error)) == NULL) {
    vgg19_free_floats (d);
    vgg19_free_floats (s);
    return FALSE;
  }
  for (col = 0; col < hw; col += GRAM_CHUNK) {
    gsize n = MIN (GRAM_CHUNK, hw - col);

    for (k = 0; k < c; k++) {
      const float *xr = x->data + k * hw + col, *yr = y->data + k * hw + col;

      for (i = 0; i < n; i++) {
        d[k * n + i] = xr[i] - yr[i];
        s[k * n + i] = xr[i] + yr[i];
      }
    }
    /* Upper triangle of g += 0.5 (D S^T + S D^T). */
    cblas_ssyr2k (CblasRowMajor, CblasUpper, CblasNoTrans, (blasint) c,
        (blasint) n, 0.5f, d, (blasint) n, s, (blasint) n, 1.0f, g,
        (blasint) c);
  }
  for (i = 0; i < c; i++)
    for (j = i; j < c; j++) {
      double v = g[i * c + j];

      sum += (i == j ? 1.0 : 2.0) * v * v;
    }
  vgg19_free_floats (d);
  vgg19_free_floats (s);
  vgg19_free_floats (g);
  *out = sum;
  return TRUE;
}

static gboolean
same_shape (const Vgg19Metric * m, const char *tap, const Vgg19Tensor * a,
    const Vgg19Tensor * b, GError ** error)
{
  if (a == NULL || b == NULL || a->data == NULL || b->data == NULL) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "%s: no activations given for layer \"%s\"", m->name, tap);
    return FALSE;
  }
  if (a->channels != b->channels || a->height != b->height
      || a->width != b->width) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "%s: layer \"%s\" has shape %ux%ux%u in the reference but %ux%ux%u "
        "in the distorted image (both must go through the same resize)",
        m->name, tap, a->channels, a->height, a->width, b->channels,
        b->height, b->width);
    return FALSE;
  }
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

  for (i = 0; i < metric->n_terms; i++) {
    const Vgg19Tensor *y = reference[i], *x = distorted[i];
    double value;

    if (!same_shape (metric, metric->terms[i].tap, y, x, error))
      return FALSE;
    if (metric->kind == VGG19_METRIC_FEATURE) {
      value = vgg19_loss (x->data, y->data,
          (gsize) x->channels * x->height * x->width, metric->criterion);
    } else {
      double c = x->channels, hw = (double) x->height * x->width;

      if (!gram_sq_diff (x, y, &value, error))
        return FALSE;
      value /= 4.0 * c * c * hw * hw;
    }
    if (per_layer)
      per_layer[i] = value;
    sum += metric->terms[i].weight * value;
  }
  *total = sum;
  return TRUE;
}
