/* DISTS of one pair of images, from the activations of its six stages
 * (the formula is in include/vgg19/metric.h). */
#include <math.h>

#include "metric_private.h"

#define DISTS_C1 1e-6
#define DISTS_C2 1e-6

/* One stage: sum over its channels of alpha (1 - l) + beta (1 - s).
 * Means first, then centred sums (not E[xy] - E[x]E[y]): identical
 * channels then give exactly l = s = 1, so identical images score 0. */
static double
stage (const Vgg19MetricTerm * term, const Vgg19Tensor * x,
    const Vgg19Tensor * y)
{
  const gsize hw = (gsize) x->height * x->width;
  double value = 0.0;
  guint c;
  gsize p;

  for (c = 0; c < x->channels; c++) {
    const float *xc = x->data + c * hw, *yc = y->data + c * hw;
    double mx = 0.0, my = 0.0, vx = 0.0, vy = 0.0, cov = 0.0, l, s;

    for (p = 0; p < hw; p++) {
      mx += xc[p];
      my += yc[p];
    }
    mx /= hw;
    my /= hw;
    for (p = 0; p < hw; p++) {
      double dx = xc[p] - mx, dy = yc[p] - my;

      vx += dx * dx;
      vy += dy * dy;
      cov += dx * dy;
    }
    vx /= hw;
    vy /= hw;
    cov /= hw;
    l = (2.0 * mx * my + DISTS_C1) / (mx * mx + my * my + DISTS_C1);
    s = (2.0 * cov + DISTS_C2) / (vx + vy + DISTS_C2);
    value += term->alpha[c] * (1.0 - l) + term->beta[c] * (1.0 - s);
  }
  return value;
}

void
vgg19_metric_dists (const Vgg19Metric * metric,
    const Vgg19Tensor * const *reference,
    const Vgg19Tensor * const *distorted, double *per_layer, double *total)
{
  double sum = 0.0;
  guint k;

  for (k = 0; k < metric->n_terms; k++) {
    double v = stage (&metric->terms[k], distorted[k], reference[k]);

    if (per_layer)
      per_layer[k] = v;
    sum += metric->terms[k].weight * v;
  }
  *total = sum;
}
