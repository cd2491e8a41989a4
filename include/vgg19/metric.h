/* Perceptual metrics, their pooling over a clip, and per-frame score logs.
 *
 * One description of a metric (Vgg19Metric) is shared by the
 * `vgg19compare` element, the `vgg19 compare` command and the logs both
 * write, so the three always agree on what a number means; its canonical
 * text (vgg19_metric_to_string()) is written in every log header.
 *
 * Generic form. For a tap l with C channels and H x W positions, x the
 * distorted and y the reference activations (C x HW matrices), a metric
 * is  sum over taps of w_l * value_l  with value_l computed in four steps:
 *  1. feature-norm unit (optional): every position's C-vector divided by
 *     its norm plus 1e-10, x[c,p] / (sqrt(sum_c x[c,p]^2) + 1e-10)
 *     (LPIPS' normalize_tensor);
 *  2. Gram (kind gram only): x becomes the C x C matrix x x^T / N with
 *     gram-norm N = 1 (none), H W (hw), C H W (chw) or 2 C H W (gatys:
 *     with the sse criterion this is Gatys, Ecker and Bethge 2016, eq. 4,
 *     sum (G - A)^2 / (4 C^2 (H W)^2));
 *  3. the criterion per element of the difference d = x - y: |d| (l1),
 *     d^2 (mse, sse), times the channel's weight when the metric has
 *     per-channel weights (LPIPS' learned "lin" layers);
 *  4. the reduction: mean over all elements (C H W, or C^2 for a Gram
 *     matrix: torch's F.mse_loss / F.l1_loss), channel-sum (the sum over
 *     channels of the mean over positions: divides by H W, or C for a
 *     Gram matrix; piq's and LPIPS' form) or sum (no division; sse
 *     always sums).
 * The tap "input" is the network input as RGB in [0, 1] (3 x H x W).
 *
 * DISTS (kind dists, preset only): Ding, Ma, Wang and Simoncelli 2020,
 *   D = sum over stages i and channels j of
 *       alpha_ij (1 - l_ij) + beta_ij (1 - s_ij),
 *   l = (2 mu_x mu_y + c1) / (mu_x^2 + mu_y^2 + c1),
 *   s = (2 cov_xy + c2) / (var_x + var_y + c2), c1 = c2 = 1e-6,
 *   means, biased variances and covariance over each channel's positions,
 *   alpha and beta from the DISTS weight file divided by their total sum
 *   (which equals DISTS' 1 - sum(alpha l + beta s)); stages: "input" and
 *   relu1_2, relu2_2, relu3_3, relu4_3, relu5_3 of VGG-16 with L2 pooling.
 *
 * Sums are accumulated in double. Every metric is symmetric in reference
 * and distorted and exactly 0 when they are equal.
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
 * @VGG19_METRIC_DISTS: DISTS' structure and texture terms (see above).
 */
typedef enum
{
  VGG19_METRIC_FEATURE,
  VGG19_METRIC_GRAM,
  VGG19_METRIC_DISTS,
} Vgg19MetricKind;

/**
 * Vgg19Reduction:
 * @VGG19_REDUCTION_MEAN: mean over every element.
 * @VGG19_REDUCTION_CHANNEL_SUM: sum over channels of the mean over
 *   positions.
 * @VGG19_REDUCTION_SUM: sum over every element.
 */
typedef enum
{
  VGG19_REDUCTION_MEAN,
  VGG19_REDUCTION_CHANNEL_SUM,
  VGG19_REDUCTION_SUM,
} Vgg19Reduction;

/**
 * Vgg19FeatureNorm:
 * @VGG19_FEATURE_NORM_NONE: activations as they are.
 * @VGG19_FEATURE_NORM_UNIT: unit-normalised along channels, eps 1e-10.
 */
typedef enum
{
  VGG19_FEATURE_NORM_NONE,
  VGG19_FEATURE_NORM_UNIT,
} Vgg19FeatureNorm;

/**
 * Vgg19GramNorm:
 * @VGG19_GRAM_NORM_NONE: G = x x^T.
 * @VGG19_GRAM_NORM_HW: G = x x^T / (H W) (Gatys' own code).
 * @VGG19_GRAM_NORM_CHW: G = x x^T / (C H W) (Johnson et al., BasicSR).
 * @VGG19_GRAM_NORM_GATYS: G = x x^T / (2 C H W) (Gatys et al. 2016,
 *   eq. 4, with the sse criterion).
 */
typedef enum
{
  VGG19_GRAM_NORM_NONE,
  VGG19_GRAM_NORM_HW,
  VGG19_GRAM_NORM_CHW,
  VGG19_GRAM_NORM_GATYS,
} Vgg19GramNorm;

/**
 * Vgg19InputScaling:
 * @VGG19_INPUT_IMAGENET: RGB in [0, 1] normalised with the ImageNet mean
 *   and std (torchvision's, and what vgg19_preprocess_packed() gives; the
 *   same as LPIPS' ScalingLayer on [-1, 1]).
 * @VGG19_INPUT_SIGNED: RGB in [-1, 1] (2 v - 1), not normalised
 *   (pix2pixHD's VGGLoss).
 */
typedef enum
{
  VGG19_INPUT_IMAGENET,
  VGG19_INPUT_SIGNED,
} Vgg19InputScaling;

/* Names of the values above, as properties and options spell them. Each
 * from_string() returns FALSE with @error listing the accepted names. */

/** vgg19_reduction_from_string: "mean", "channel-sum" or "sum". */
VGG19_API gboolean vgg19_reduction_from_string (const char *name,
    Vgg19Reduction * out, GError ** error);
/** vgg19_reduction_to_string: Returns: the name of @r. */
VGG19_API const char *vgg19_reduction_to_string (Vgg19Reduction r);
/** vgg19_feature_norm_from_string: "none" or "unit". */
VGG19_API gboolean vgg19_feature_norm_from_string (const char *name,
    Vgg19FeatureNorm * out, GError ** error);
/** vgg19_feature_norm_to_string: Returns: the name of @n. */
VGG19_API const char *vgg19_feature_norm_to_string (Vgg19FeatureNorm n);
/** vgg19_gram_norm_from_string: "none", "hw", "chw" or "gatys". */
VGG19_API gboolean vgg19_gram_norm_from_string (const char *name,
    Vgg19GramNorm * out, GError ** error);
/** vgg19_gram_norm_to_string: Returns: the name of @n. */
VGG19_API const char *vgg19_gram_norm_to_string (Vgg19GramNorm n);
/** vgg19_input_scaling_to_string: Returns: "imagenet" or "signed". */
VGG19_API const char *vgg19_input_scaling_to_string (Vgg19InputScaling s);

typedef struct _Vgg19Metric Vgg19Metric;

/**
 * vgg19_metric_new:
 * @name: what logs and messages call it, e.g. "perceptual" or "style":
 *   letters, digits, '_' and '-', starting with a letter.
 * @kind: feature or Gram (DISTS comes only as a preset).
 * @layers: comma-separated taps, each optionally followed by ":weight"
 *   (a finite number >= 0; default 1), e.g. "relu1_2:1,relu2_2:0.5" or
 *   "conv4_2". A tap may appear once. Names are checked against the
 *   network later, by vgg19_metric_check().
 * @criterion: mse, l1 or sse.
 * @error: return location for an error.
 *
 * A generic metric on any network with ImageNet input scaling, no
 * feature normalisation and the default reduction: mean for feature
 * metrics, sum for Gram ones (whose default gram-norm is gatys, so that
 * mse gives Gatys et al.'s eq. 4); sum for sse.
 *
 * Returns: (transfer full): the metric, or NULL with @error set
 *   (VGG19_ERROR_INVALID_ARGUMENT naming the faulty part of @layers).
 */
VGG19_API Vgg19Metric *vgg19_metric_new (const char *name,
    Vgg19MetricKind kind, const char *layers, Vgg19Loss criterion,
    GError ** error);

/**
 * vgg19_metric_set_reduction:
 * @metric: a generic (not preset) metric.
 * @reduction: the reduction.
 * @error: return location for an error.
 *
 * Returns: FALSE with @error when @metric is a preset (whose reduction is
 *   part of its definition) or its criterion is sse (which sums).
 */
VGG19_API gboolean vgg19_metric_set_reduction (Vgg19Metric * metric,
    Vgg19Reduction reduction, GError ** error);

/**
 * vgg19_metric_set_feature_norm:
 * @metric: a generic metric.
 * @norm: the feature normalisation.
 * @error: return location for an error.
 *
 * Returns: FALSE with @error when @metric is a preset.
 */
VGG19_API gboolean vgg19_metric_set_feature_norm (Vgg19Metric * metric,
    Vgg19FeatureNorm norm, GError ** error);

/**
 * vgg19_metric_set_gram_norm:
 * @metric: a generic Gram metric.
 * @norm: the Gram normalisation.
 * @error: return location for an error.
 *
 * Returns: FALSE with @error when @metric is a preset or not a Gram
 *   metric.
 */
VGG19_API gboolean vgg19_metric_set_gram_norm (Vgg19Metric * metric,
    Vgg19GramNorm norm, GError ** error);

/**
 * vgg19_metric_preset_names:
 *
 * The presets vgg19_metric_new_preset() knows, in the order the
 * documentation lists them: "lpips-vgg", "dists", "esrgan", "realesrgan",
 * "edsr-vgg22", "edsr-vgg54", "srgan-vgg54", "pix2pixhd", "gatys-style".
 *
 * Returns: (transfer none): a NULL-terminated static array.
 */
VGG19_API const char *const *vgg19_metric_preset_names (void);

/**
 * vgg19_metric_preset_describe:
 * @preset: a preset name.
 *
 * Returns: (transfer none) (nullable): one paragraph giving the preset's
 *   formula and source, NULL for an unknown name.
 */
VGG19_API const char *vgg19_metric_preset_describe (const char *preset);

/**
 * vgg19_metric_new_preset:
 * @preset: one of vgg19_metric_preset_names().
 * @error: return location for an error.
 *
 * A metric exactly as published, named after the preset (see the README's
 * table for each one's network, taps, pre/post-ReLU, criterion,
 * reduction, weights and input scaling). "lpips-vgg" and "dists" need
 * their calibration file (vgg19_metric_get_calibration_name()) loaded
 * with vgg19_metric_load_calibration() before they are computed.
 *
 * Returns: (transfer full): the metric, or NULL with @error listing the
 *   presets when @preset is unknown.
 */
VGG19_API Vgg19Metric *vgg19_metric_new_preset (const char *preset,
    GError ** error);

/** vgg19_metric_free: frees @metric (NULL is allowed). */
VGG19_API void vgg19_metric_free (Vgg19Metric * metric);

/**
 * vgg19_metric_get_calibration_name:
 * @metric: a metric.
 *
 * Returns: (transfer none) (nullable): the file name of the learned
 *   weights the metric needs ("lpips-v0.1-vgg.pth" for lpips-vgg,
 *   "dists-weights.pt" for dists; weights/fetch downloads both and checks
 *   their SHA-256), or NULL when it needs none.
 */
VGG19_API const char *vgg19_metric_get_calibration_name (const Vgg19Metric *
    metric);

/**
 * vgg19_metric_find_calibration:
 * @metric: a metric that needs a calibration file.
 * @explicit_path: (nullable): a path given by the user.
 * @error: return location for an error.
 *
 * Looks for the file in this order: @explicit_path, $VGG19_LPIPS_WEIGHTS
 * (lpips-vgg) or $VGG19_DISTS_WEIGHTS (dists),
 * $XDG_CACHE_HOME/vgg19/<calibration name>, then the installed data
 * directory.
 *
 * Returns: (transfer full): the path, or NULL with @error
 *   (VGG19_ERROR_NOT_FOUND) listing where it looked and saying how to get
 *   the file.
 */
VGG19_API char *vgg19_metric_find_calibration (const Vgg19Metric * metric,
    const char *explicit_path, GError ** error);

/**
 * vgg19_metric_load_calibration:
 * @metric: a metric that needs a calibration file.
 * @path: the file: LPIPS' lpips/weights/v0.1/vgg.pth (tensors
 *   lin0.model.1.weight ... lin4.model.1.weight, [1, C, 1, 1], >= 0) or
 *   DISTS' weights.pt (alpha and beta, [1, 1475, 1, 1]), any format
 *   vgg19_model_load() reads.
 * @error: return location for an error.
 *
 * Reads the learned weights and records the file's SHA-256 (for the log
 * header, see vgg19_metric_to_string()).
 *
 * Returns: FALSE with @error naming the file and, where one is at fault,
 *   the tensor and its expected shape.
 */
VGG19_API gboolean vgg19_metric_load_calibration (Vgg19Metric * metric,
    const char *path, GError ** error);

/**
 * vgg19_metric_check:
 * @metric: a metric.
 * @arch: the network it will run on.
 * @error: return location for an error.
 *
 * Checks that every tap exists in @arch ("input" included; classifier
 * taps, fc6 ... fc8, need weights with the classifier, which
 * vgg19_comparer_new() checks), that @arch is the network a preset is
 * defined on, and that a calibration file is loaded when one is needed.
 *
 * Returns: TRUE when usable, else FALSE with @error naming the problem.
 */
VGG19_API gboolean vgg19_metric_check (const Vgg19Metric * metric,
    Vgg19Arch arch, GError ** error);

/** vgg19_metric_get_name: Returns: (transfer none): the metric's name. */
VGG19_API const char *vgg19_metric_get_name (const Vgg19Metric * metric);

/** vgg19_metric_get_preset: Returns: (transfer none) (nullable): the
 * preset it was made from, NULL for a generic metric. */
VGG19_API const char *vgg19_metric_get_preset (const Vgg19Metric * metric);

/** vgg19_metric_get_kind: Returns: feature, Gram or DISTS. */
VGG19_API Vgg19MetricKind vgg19_metric_get_kind (const Vgg19Metric * metric);

/** vgg19_metric_get_criterion: Returns: mse, l1 or sse (mse for DISTS). */
VGG19_API Vgg19Loss vgg19_metric_get_criterion (const Vgg19Metric * metric);

/** vgg19_metric_get_reduction: Returns: the reduction. */
VGG19_API Vgg19Reduction vgg19_metric_get_reduction (const Vgg19Metric *
    metric);

/** vgg19_metric_get_feature_norm: Returns: the feature normalisation. */
VGG19_API Vgg19FeatureNorm vgg19_metric_get_feature_norm (const Vgg19Metric *
    metric);

/** vgg19_metric_get_gram_norm: Returns: the Gram normalisation. */
VGG19_API Vgg19GramNorm vgg19_metric_get_gram_norm (const Vgg19Metric *
    metric);

/** vgg19_metric_get_input_scaling: Returns: how the network input is
 * scaled. */
VGG19_API Vgg19InputScaling vgg19_metric_get_input_scaling (const Vgg19Metric
    * metric);

/** vgg19_metric_get_pooling: Returns: the pooling the network must use. */
VGG19_API Vgg19Pooling vgg19_metric_get_pooling (const Vgg19Metric * metric);

/**
 * vgg19_metric_get_arch:
 * @metric: a metric.
 * @arch: (out) (optional): the network it is defined on.
 *
 * Returns: TRUE when the metric is defined on one network only (a
 *   preset), FALSE when it runs on any.
 */
VGG19_API gboolean vgg19_metric_get_arch (const Vgg19Metric * metric,
    Vgg19Arch * arch);

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
 * The canonical description written in log headers: the name, then every
 * setting, then the weighted taps, e.g.
 * "perceptual: feature mse reduction=mean feature-norm=none
 * input=imagenet pooling=max conv4_2:1"; for a preset its name and network
 * come first ("lpips-vgg: preset lpips-vgg net=vgg16 ..."), and a loaded
 * calibration file is named with its SHA-256.
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
 * Returns: FALSE with @error when a tensor is missing, the two shapes
 *   differ (VGG19_ERROR_INVALID_ARGUMENT naming the tap and both shapes),
 *   a tap's channels do not match the calibration's, or a needed
 *   calibration is not loaded.
 */
VGG19_API gboolean vgg19_metric_compute (const Vgg19Metric * metric,
    const Vgg19Tensor * const *reference,
    const Vgg19Tensor * const *distorted, double *per_layer, double *total,
    GError ** error);

/**
 * Vgg19GenericSettings:
 * @layers: the perceptual metric's taps (see vgg19_metric_new()).
 * @criterion: its criterion.
 * @reduction: its reduction (ignored with sse, which sums).
 * @feature_norm: its feature normalisation.
 * @style_layers: (nullable): the style metric's taps; NULL or blank for
 *   none.
 * @gram_norm: the style metric's Gram normalisation.
 * @style_reduction: the style metric's reduction.
 *
 * The generic ("custom") metric of a metric list: "perceptual", a feature
 * metric, and "style", a Gram metric with the mse criterion.
 */
typedef struct
{
  const char *layers;
  Vgg19Loss criterion;
  Vgg19Reduction reduction;
  Vgg19FeatureNorm feature_norm;
  const char *style_layers;
  Vgg19GramNorm gram_norm;
  Vgg19Reduction style_reduction;
} Vgg19GenericSettings;

/**
 * vgg19_metric_list_new:
 * @list: comma-separated metrics: preset names and "custom" (the
 *   metrics of @generic), each once, e.g. "lpips-vgg" or
 *   "custom,esrgan"; and "tlp", which asks for the temporal value of
 *   each of the others (see vgg19_comparer_set_temporal()).
 * @generic: the settings of "custom".
 * @n_metrics: (out): how many metrics were made.
 * @temporal: (out) (optional): whether "tlp" was listed; NULL makes "tlp"
 *   an error.
 * @failed_setting: (out) (optional): on failure, which input was at fault:
 *   "metric" (@list), "layers", "reduction", "feature-norm",
 *   "style-layers", "gram-norm" or "style-reduction", so that a caller
 *   can name its own property or option.
 * @error: return location for an error.
 *
 * What the `metric` property of vgg19compare and `--metric` of `vgg19
 * compare` both build.
 *
 * Returns: (transfer full): @n_metrics metrics (free each, then the
 *   array), or NULL with @error set.
 */
VGG19_API Vgg19Metric **vgg19_metric_list_new (const char *list,
    const Vgg19GenericSettings * generic, guint * n_metrics,
    gboolean * temporal, const char **failed_setting, GError ** error);

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
 * @median: 50th percentile.
 * @p1: 1st percentile.
 * @p10: 10th percentile.
 * @p25: 25th percentile.
 * @stddev: population standard deviation, sqrt(sum (v - mean)^2 / n)
 *   (numpy's np.std, ddof 0).
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
  double median;
  double p1;
  double p10;
  double p25;
  double stddev;
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
 *   {name: {"min", "max", "mean", "harmonic_mean", "median", "p1", "p5",
 *   "p10", "p25", "p95", "stddev", "count"}}}.
 * @VGG19_LOG_CSV: libvmaf's CSV layout, "Frame,name1,name2,...,pts," then
 *   a line "frameNum,value1,value2,...,pts," per frame (trailing commas
 *   as libvmaf); the parameters before them and the pooled statistics
 *   after them are comment lines starting with '#' ("# key: value", then
 *   "# pooled,<statistic>,value1,value2,..."), so that
 *   pandas.read_csv(path, comment="#") reads the frames.
 * @VGG19_LOG_XML: libvmaf's XML layout: <VMAF version> with <params
 *   key="value" .../>, <frames> of <frame frameNum="i" pts="t"
 *   name1="v1" .../>, <pooled_metrics> of <metric name min max mean
 *   harmonic_mean median p1 p5 p10 p25 p95 stddev count/>.
 *
 * frameNum counts from 0. Numbers are printed like libvmaf, "%.6f",
 * except that scores below 0.1 (but not 0) get "%.16f", so that the small
 * values perceptual losses often take keep their significant digits; NaN
 * and infinities are null in JSON, empty in CSV, "nan" in XML. pts is in
 * seconds ("%.6f"), null/empty/"nan" when unknown.
 */
typedef enum
{
  VGG19_LOG_JSON,
  VGG19_LOG_CSV,
  VGG19_LOG_XML,
} Vgg19LogFormat;

/** vgg19_log_format_from_string: parses "json", "csv" or "xml". */
VGG19_API gboolean vgg19_log_format_from_string (const char *name,
    Vgg19LogFormat * out, GError ** error);

/** vgg19_log_format_to_string: Returns: "json", "csv" or "xml". */
VGG19_API const char *vgg19_log_format_to_string (Vgg19LogFormat format);

typedef struct _Vgg19ScoreLog Vgg19ScoreLog;

/**
 * vgg19_score_log_new:
 * @path: the file to create. A regular file already there is replaced
 *   once the new log's header is written (the new file is written under
 *   a temporary name in the same directory, then renamed): a log that
 *   cannot be started leaves it as it was.
 * @format: json, csv or xml.
 * @params: (nullable): NULL-terminated key, value, key, value... strings
 *   describing the run (weights and their SHA-256, metric descriptions,
 *   preprocessing...), written in the JSON header ("params"), as XML
 *   attributes of <params> or as "# key: value" lines before the CSV
 *   header. Keys are letters, digits, '_' and '-', starting with a letter.
 * @score_names: NULL-terminated names of the per-frame values, in the
 *   order vgg19_score_log_add_frame() receives them.
 * @error: return location for an error.
 *
 * The file is written as frames arrive: after each
 * vgg19_score_log_add_frame() returns, the file on disk is complete and
 * parseable (the JSON and XML closing brackets are rewritten after each
 * frame), so a crash loses at most the frame being written. A write that
 * fails (disk full, file size limit) leaves the file as it was before it:
 * complete records only, and it still parses.
 *
 * Returns: (transfer full): the log, or NULL with @error naming @path (or
 *   the faulty name or key).
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
 * @aggregate_names: (nullable): NULL-terminated names of run-wide counts
 *   (e.g. "frames_compared", "reference_dropped"), valid keys as for
 *   @params.
 * @aggregate_values: their values.
 * @error: return location for an error.
 *
 * Writes the pooled statistics and, in libvmaf's "aggregate_metrics"
 * (JSON, XML; "# aggregate,name,value" lines in CSV), the counts, then
 * closes the file. Call once; further frames are refused.
 *
 * Returns: FALSE with @error naming the file when the write failed (the
 * file then holds every frame, without the pooled block, and parses).
 */
VGG19_API gboolean vgg19_score_log_finish (Vgg19ScoreLog * log,
    const Vgg19PooledScore * pooled, const char *const *aggregate_names,
    const double *aggregate_values, GError ** error);

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
