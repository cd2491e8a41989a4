/* Perceptual metrics, their pooling over a clip, and per-frame score logs.
 *
 * One description of a metric is shared by the `vgg19compare` element, the
 * `vgg19 compare` command and the logs both write, so the three always
 * agree on what a number means.
 *
 * Formulas. For a tap l with C channels and H x W positions, x the
 * distorted and y the reference activations (C x HW matrices):
 *  - feature ("perceptual", feature-reconstruction) loss, per tap:
 *      mse: (1 / (C H W)) sum (x - y)^2     (torch's F.mse_loss)
 *      l1:  (1 / (C H W)) sum |x - y|       (torch's F.l1_loss)
 *  - Gram ("style") loss, per tap, with G = x x^T and A = y y^T (C x C,
 *    unnormalised), the normalisation of Gatys, Ecker and Bethge (2016,
 *    eq. 4):
 *      E = 1 / (4 C^2 (H W)^2) sum over C x C of (G - A)^2
 *  - the metric's value is sum over taps of weight_l * value_l.
 */
#ifndef VGG19_METRIC_H
#define VGG19_METRIC_H

#include <vgg19/vgg19.h>

G_BEGIN_DECLS

/* ------------------------------------------------------------------ */
/* Metrics                                                              */
/* ------------------------------------------------------------------ */

/**
 * Vgg19MetricKind:
 * @VGG19_METRIC_FEATURE: compares activations (perceptual loss).
 * @VGG19_METRIC_GRAM: compares Gram matrices of activations (style loss).
 */
typedef enum
{
  VGG19_METRIC_FEATURE,
  VGG19_METRIC_GRAM,
} Vgg19MetricKind;

typedef struct _Vgg19Metric Vgg19Metric;

/**
 * vgg19_metric_new:
 * @name: what logs and messages call it, e.g. "perceptual" or "style":
 *   letters, digits, '_' and '-', starting with a letter.
 * @kind: feature or Gram.
 * @layers: comma-separated taps, each optionally followed by ":weight"
 *   (a finite number >= 0; default 1), e.g. "relu1_2:1,relu2_2:0.5" or
 *   "conv4_2". A tap may appear once. Names are checked against the
 *   network later, by vgg19_metric_check().
 * @criterion: mse or l1. A Gram metric accepts mse only (the Gatys
 *   normalisation above).
 * @error: return location for an error.
 *
 * Returns: (transfer full): the metric, or NULL with @error set
 *   (VGG19_ERROR_INVALID_ARGUMENT naming the faulty part of @layers).
 */
VGG19_API Vgg19Metric *vgg19_metric_new (const char *name,
    Vgg19MetricKind kind, const char *layers, Vgg19Loss criterion,
    GError ** error);

/** vgg19_metric_free: frees @metric (NULL is allowed). */
VGG19_API void vgg19_metric_free (Vgg19Metric * metric);

/**
 * vgg19_metric_check:
 * @metric: a metric.
 * @arch: the network it will run on.
 * @error: return location for an error.
 *
 * Checks that every tap exists in @arch and is a convolutional-part tap
 * (conv, relu or pool layers; not the classifier).
 *
 * Returns: TRUE when usable, else FALSE with @error naming the tap.
 */
VGG19_API gboolean vgg19_metric_check (const Vgg19Metric * metric,
    Vgg19Arch arch, GError ** error);

/** vgg19_metric_get_name: Returns: (transfer none): the metric's name. */
VGG19_API const char *vgg19_metric_get_name (const Vgg19Metric * metric);

/** vgg19_metric_get_kind: Returns: feature or Gram. */
VGG19_API Vgg19MetricKind vgg19_metric_get_kind (const Vgg19Metric * metric);

/** vgg19_metric_get_criterion: Returns: mse or l1. */
VGG19_API Vgg19Loss vgg19_metric_get_criterion (const Vgg19Metric * metric);

/** vgg19_metric_get_n_layers: Returns: how many taps it uses (>= 1). */
VGG19_API guint vgg19_metric_get_n_layers (const Vgg19Metric * metric);

/**
 * vgg19_metric_get_layer:
 * @metric: a metric.
 * @index: < vgg19_metric_get_n_layers().
 * @weight: (out) (optional): the tap's weight.
 *
 * Returns: (transfer none): the tap name, in the order given.
 */
VGG19_API const char *vgg19_metric_get_layer (const Vgg19Metric * metric,
    guint index, double *weight);

/**
 * vgg19_metric_to_string:
 * @metric: a metric.
 *
 * The canonical description written in log headers, e.g.
 * "perceptual: feature mse conv4_2:1".
 *
 * Returns: (transfer full): a string to g_free().
 */
VGG19_API char *vgg19_metric_to_string (const Vgg19Metric * metric);

/**
 * vgg19_metric_compute:
 * @metric: a metric.
 * @reference: one tensor per tap, in the metric's layer order.
 * @distorted: the same taps of the other image.
 * @per_layer: (out) (optional): vgg19_metric_get_n_layers() values, each
 *   tap's value before its weight.
 * @total: (out): sum of weight * value.
 * @error: return location for an error.
 *
 * Sums are accumulated in double. Symmetric in @reference and @distorted;
 * exactly 0 when they are equal.
 *
 * Returns: FALSE with @error when a tensor is missing or the two shapes
 *   differ (VGG19_ERROR_INVALID_ARGUMENT naming the tap and both shapes).
 */
VGG19_API gboolean vgg19_metric_compute (const Vgg19Metric * metric,
    const Vgg19Tensor * const *reference,
    const Vgg19Tensor * const *distorted, double *per_layer, double *total,
    GError ** error);

/* ------------------------------------------------------------------ */
/* Pooling a score over a clip                                          */
/* ------------------------------------------------------------------ */

/**
 * Vgg19PooledScore:
 * @count: number of values pooled.
 * @mean: arithmetic mean.
 * @min: smallest value.
 * @max: largest value.
 * @harmonic_mean: libvmaf's shifted harmonic mean,
 *   n / sum(1 / (v + 1)) - 1, defined for values > -1 (NaN otherwise).
 * @p5: 5th percentile.
 * @p95: 95th percentile.
 *
 * Percentiles interpolate linearly between order statistics at rank
 * p (n - 1) / 100 (numpy's default). With @count 0 every field but @count
 * is NaN. NaN values are not pooled (they are counted apart, see
 * vgg19_score_pool_get_n_nan()).
 */
typedef struct
{
  guint64 count;
  double mean;
  double min;
  double max;
  double harmonic_mean;
  double p5;
  double p95;
} Vgg19PooledScore;

typedef struct _Vgg19ScorePool Vgg19ScorePool;

/** vgg19_score_pool_new: Returns: (transfer full): an empty pool. */
VGG19_API Vgg19ScorePool *vgg19_score_pool_new (void);

/** vgg19_score_pool_free: frees @pool (NULL is allowed). */
VGG19_API void vgg19_score_pool_free (Vgg19ScorePool * pool);

/** vgg19_score_pool_add: adds one frame's value. */
VGG19_API void vgg19_score_pool_add (Vgg19ScorePool * pool, double value);

/** vgg19_score_pool_get_n_nan: Returns: how many NaN values were skipped. */
VGG19_API guint64 vgg19_score_pool_get_n_nan (const Vgg19ScorePool * pool);

/**
 * vgg19_score_pool_percentile:
 * @pool: a pool.
 * @p: in [0, 100].
 *
 * Returns: the @p-th percentile of the values so far (NaN when empty or
 *   @p is out of range).
 */
VGG19_API double vgg19_score_pool_percentile (const Vgg19ScorePool * pool,
    double p);

/** vgg19_score_pool_get: fills @out with the statistics so far. */
VGG19_API void vgg19_score_pool_get (const Vgg19ScorePool * pool,
    Vgg19PooledScore * out);

/* ------------------------------------------------------------------ */
/* Per-frame logs                                                       */
/* ------------------------------------------------------------------ */

/**
 * Vgg19LogFormat:
 * @VGG19_LOG_JSON: libvmaf's JSON layout: {"version", "params",
 *   "frames": [{"frameNum", "pts", "metrics": {...}}], "pooled_metrics":
 *   {name: {"min", "max", "mean", "harmonic_mean", "p5", "p95"}}}.
 * @VGG19_LOG_CSV: a header line "Frame,pts,name1,name2,...", one line per
 *   frame, then one line per pooled statistic whose first field names it
 *   ("mean", "min", ...; pts empty).
 *
 * Numbers are printed like libvmaf, "%.6f", except that scores below 0.1
 * (but not 0) get "%.16f", so that the small values perceptual losses
 * often take keep their significant digits; NaN and infinities are null
 * in JSON and empty in CSV. pts is in seconds ("%.6f"), null/empty when
 * unknown.
 */
typedef enum
{
  VGG19_LOG_JSON,
  VGG19_LOG_CSV,
} Vgg19LogFormat;

/** vgg19_log_format_from_string: parses "json" or "csv". */
VGG19_API gboolean vgg19_log_format_from_string (const char *name,
    Vgg19LogFormat * out, GError ** error);

/** vgg19_log_format_to_string: Returns: "json" or "csv". */
VGG19_API const char *vgg19_log_format_to_string (Vgg19LogFormat format);

typedef struct _Vgg19ScoreLog Vgg19ScoreLog;

/**
 * vgg19_score_log_new:
 * @path: the file to create. A regular file already there is replaced
 *   once the new log's header is written (the new file is written under
 *   a temporary name in the same directory, then renamed): a log that
 *   cannot be started leaves it as it was.
 * @format: json or csv.
 * @params: (nullable): NULL-terminated key, value, key, value... strings
 *   describing the run (weights, metric descriptions, resize...), written
 *   in the JSON header ("params") or as "# key: value" lines before the
 *   CSV header.
 * @score_names: NULL-terminated names of the per-frame values, in the
 *   order vgg19_score_log_add_frame() receives them.
 * @error: return location for an error.
 *
 * The file is written as frames arrive: after each
 * vgg19_score_log_add_frame() returns, the file on disk is complete and
 * parseable (the JSON closing brackets are rewritten after each frame), so
 * a crash loses at most the frame being written. A write that fails (disk
 * full, file size limit) leaves the file as it was before it: complete
 * records only, and it still parses.
 *
 * Returns: (transfer full): the log, or NULL with @error naming @path.
 */
VGG19_API Vgg19ScoreLog *vgg19_score_log_new (const char *path,
    Vgg19LogFormat format, const char *const *params,
    const char *const *score_names, GError ** error);

/**
 * vgg19_score_log_add_frame:
 * @log: a log.
 * @frame: frame number, from 0.
 * @pts_seconds: presentation time in seconds, or NaN when unknown.
 * @values: one value per score name.
 * @error: return location for an error.
 *
 * Returns: FALSE with @error naming the file when the write failed (the
 * file then holds the frames before this one and parses).
 */
VGG19_API gboolean vgg19_score_log_add_frame (Vgg19ScoreLog * log,
    guint64 frame, double pts_seconds, const double *values,
    GError ** error);

/**
 * vgg19_score_log_finish:
 * @log: a log.
 * @pooled: one pooled block per score name.
 * @error: return location for an error.
 *
 * Writes the pooled statistics and closes the file. Call once; further
 * frames are refused.
 *
 * Returns: FALSE with @error naming the file when the write failed (the
 * file then holds every frame, without the pooled block, and parses).
 */
VGG19_API gboolean vgg19_score_log_finish (Vgg19ScoreLog * log,
    const Vgg19PooledScore * pooled, GError ** error);

/**
 * vgg19_score_log_free:
 * @log: (nullable): a log.
 *
 * Closes the file (without a pooled block if vgg19_score_log_finish() was
 * not called: the file keeps every frame written so far and parses).
 */
VGG19_API void vgg19_score_log_free (Vgg19ScoreLog * log);

G_END_DECLS

#endif /* VGG19_METRIC_H */
