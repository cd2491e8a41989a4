/* The inside of a Vgg19Metric, shared by the files that build, load and
 * compute metrics (metric.c, metric_presets.c, metric_calibration.c,
 * metric_dists.c). Private to the core. */
#ifndef VGG19_METRIC_PRIVATE_H
#define VGG19_METRIC_PRIVATE_H

#include <vgg19/metric.h>

G_BEGIN_DECLS

/* The pseudo-tap of the network input as RGB in [0, 1]. */
#define VGG19_METRIC_INPUT_TAP "input"

typedef struct
{
  char *tap;
  double weight;
  /* From a calibration file, n_channels each (0: none): LPIPS' channel
   * weights, or DISTS' alpha and beta divided by their total. */
  guint n_channels;
  double *channel_weights;
  double *alpha;
  double *beta;
} Vgg19MetricTerm;

/* A published metric: everything that defines it. */
typedef struct
{
  const char *name;
  Vgg19Arch arch;
  Vgg19Pooling pooling;
  Vgg19InputScaling input;
  Vgg19MetricKind kind;
  Vgg19Loss criterion;
  Vgg19Reduction reduction;
  Vgg19FeatureNorm feature_norm;
  Vgg19GramNorm gram_norm;
  const char *layers;
  /* the learned weights it needs: file name and environment variable,
   * NULL when none */
  const char *calibration;
  const char *calibration_env;
  const char *description;
} Vgg19Preset;

struct _Vgg19Metric
{
  char *name;
  const Vgg19Preset *preset;    /* NULL: generic */
  Vgg19MetricKind kind;
  Vgg19Loss criterion;
  Vgg19Reduction reduction;
  Vgg19FeatureNorm feature_norm;
  Vgg19GramNorm gram_norm;
  Vgg19InputScaling input;
  Vgg19Pooling pooling;
  Vgg19MetricTerm *terms;
  guint n_terms;
  char *calibration_path;       /* loaded from, NULL before */
  char *calibration_sha256;
};

/* A metric of @kind with the layers parsed, every other setting at its
 * generic default. */
Vgg19Metric *vgg19_metric_alloc (const char *name, Vgg19MetricKind kind,
    const char *layers, GError ** error);

/* (G - A) / @n, G = x x^T and A = y y^T of two C x HW matrices, into
 * @out (C x C, symmetric, both triangles filled); exactly 0 when x = y.
 * @tap names the allocation in errors. */
gboolean vgg19_gram_difference (const float *x, const float *y, guint c,
    gsize hw, double n, const char *tap, float *out, GError ** error);

/* NULL for an unknown name. */
const Vgg19Preset *vgg19_preset_lookup (const char *name);

/* DISTS of one pair (metric_dists.c); the metric's alpha and beta are
 * loaded and the shapes checked. */
void vgg19_metric_dists (const Vgg19Metric * metric,
    const Vgg19Tensor * const *reference,
    const Vgg19Tensor * const *distorted, double *per_layer, double *total);

G_END_DECLS

#endif /* VGG19_METRIC_PRIVATE_H */
