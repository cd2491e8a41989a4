/* Comparing images with perceptual metrics: one network pass per image,
 * the reference's activations kept while any number of distorted images
 * are compared with it.
 *
 * This is the computation shared by the `vgg19compare` element and the
 * `vgg19 compare` command, so both give the same numbers for the same
 * metrics (include/vgg19/metric.h).
 */
#ifndef VGG19_COMPARER_H
#define VGG19_COMPARER_H

#include <vgg19/metric.h>

G_BEGIN_DECLS

typedef struct _Vgg19Comparer Vgg19Comparer;

/**
 * vgg19_comparer_find_weights:
 * @metrics: the metrics to compute.
 * @n_metrics: how many.
 * @explicit_path: (nullable): a weight file the user named.
 * @error: return location for an error.
 *
 * The weight file for @metrics: @explicit_path when given, else the
 * default file of the network the presets among them are defined on
 * (vgg19_weights_find_arch(); VGG-19 when none is). Presets defined on
 * different networks (lpips-vgg on VGG-16, esrgan on VGG-19) cannot share
 * one network: that is an error naming both.
 *
 * Returns: (transfer full): the path, or NULL with @error set.
 */
VGG19_API char *vgg19_comparer_find_weights (Vgg19Metric * const *metrics,
    guint n_metrics, const char *explicit_path, GError ** error);

/**
 * vgg19_comparer_load_calibrations:
 * @metrics: the metrics to compute.
 * @n_metrics: how many.
 * @explicit_path: (nullable): the learned-weights file the user named;
 *   allowed only when exactly one of @metrics needs one.
 * @error: return location for an error.
 *
 * Finds (vgg19_metric_find_calibration()) and loads the learned weights
 * of every metric that needs them.
 *
 * Returns: FALSE with @error set when one is missing (the message says how
 *   to get it) or unreadable.
 */
VGG19_API gboolean vgg19_comparer_load_calibrations (Vgg19Metric *
    const *metrics, guint n_metrics, const char *explicit_path,
    GError ** error);

/**
 * vgg19_comparer_new:
 * @model: the network; the comparer keeps a reference.
 * @metrics: (transfer full): the metrics, each checked against @model's
 *   network with vgg19_metric_check(); taken whether this succeeds or
 *   not (the array itself stays the caller's).
 * @n_metrics: how many, at least 1.
 * @n_threads: worker threads of the network, 0 for one per core.
 * @precision: arithmetic of the network.
 * @error: return location for an error.
 *
 * The metrics share the network's passes, so they must agree on its
 * pooling and input scaling (e.g. dists, whose network has L2 pooling,
 * and pix2pixhd, which feeds [-1, 1] pixels, each need a comparer of
 * their own).
 *
 * Returns: (transfer full): a comparer, or NULL with @error set
 *   (VGG19_ERROR_INVALID_ARGUMENT naming the metric at fault).
 */
VGG19_API Vgg19Comparer *vgg19_comparer_new (Vgg19Model * model,
    Vgg19Metric ** metrics, guint n_metrics, guint n_threads,
    Vgg19Precision precision, GError ** error);

/** vgg19_comparer_free: frees @comparer and its metrics (NULL allowed). */
VGG19_API void vgg19_comparer_free (Vgg19Comparer * comparer);

/** vgg19_comparer_get_model: Returns: (transfer none): the network. */
VGG19_API Vgg19Model *vgg19_comparer_get_model (const Vgg19Comparer *
    comparer);

/** vgg19_comparer_get_session: Returns: (transfer none): the session
 * that runs the network (for its ISA and thread count). */
VGG19_API Vgg19Session *vgg19_comparer_get_session (const Vgg19Comparer *
    comparer);

/** vgg19_comparer_get_n_metrics: Returns: the number of metrics. */
VGG19_API guint vgg19_comparer_get_n_metrics (const Vgg19Comparer *
    comparer);

/** vgg19_comparer_get_metric: Returns: (transfer none): metric @index. */
VGG19_API const Vgg19Metric *vgg19_comparer_get_metric (const Vgg19Comparer *
    comparer, guint index);

/**
 * vgg19_comparer_set_temporal:
 * @comparer: a comparer.
 * @enable: whether to compute the temporal values.
 *
 * With @enable, vgg19_comparer_compare() also gives, after all the
 * metrics' values, one temporal value per metric ("<metric>_tlp"), the
 * flicker measure of TecoGAN (Chu et al. 2020, tLP without its factor
 * 100): |d(ref[t-1], ref[t]) - d(dist[t-1], dist[t])|, d the metric,
 * ref[t] and dist[t] the images of this comparison and ref[t-1],
 * dist[t-1] those of the previous one (the same reference image when it
 * served both). It reuses the activations kept from the previous
 * comparison of the same stream (vgg19_comparer_set_n_streams()): no
 * extra network pass. NaN for a stream's first comparison, and after a
 * change of size.
 */
VGG19_API void vgg19_comparer_set_temporal (Vgg19Comparer * comparer,
    gboolean enable);

/**
 * vgg19_comparer_set_n_streams:
 * @comparer: a comparer.
 * @n_streams: how many streams of distorted images, at least 1.
 *
 * The distorted images compared with one reference may come from several
 * streams (several encodes of one source): each has its own temporal
 * state (the previous comparison the "<metric>_tlp" values are taken
 * from), so that interleaving their comparisons gives each stream the
 * values it would have alone. The reference's activations are shared:
 * it runs once, whatever the number of streams. Streams below both the
 * old and the new number keep their state; new ones have no previous
 * comparison. A new comparer has one stream.
 */
VGG19_API void vgg19_comparer_set_n_streams (Vgg19Comparer * comparer,
    guint n_streams);

/** vgg19_comparer_get_n_streams: Returns: the number of streams. */
VGG19_API guint vgg19_comparer_get_n_streams (const Vgg19Comparer *
    comparer);

/**
 * vgg19_comparer_get_n_values:
 *
 * Returns: how many values vgg19_comparer_compare() writes: for each
 *   metric its total, then its value at each of its layers; then, when
 *   temporal, one value per metric.
 */
VGG19_API guint vgg19_comparer_get_n_values (const Vgg19Comparer * comparer);

/**
 * vgg19_comparer_get_value_names:
 *
 * Returns: (transfer full): the names of the values, in their order,
 *   "<metric>" and "<metric>_<layer>", NULL-terminated (g_strfreev()).
 */
VGG19_API char **vgg19_comparer_get_value_names (const Vgg19Comparer *
    comparer);

/**
 * vgg19_comparer_get_log_params:
 * @comparer: a comparer.
 * @error: return location for an error.
 *
 * What a log header records so that every number can be reproduced:
 * "network" (vgg19 or vgg16 with its pooling), "weights" (the file),
 * "weights_sha256" (computed here: about a second for the official
 * file), "input" (the scaling of the network input) and, for each metric,
 * its name and vgg19_metric_to_string().
 *
 * Returns: (transfer full): NULL-terminated key, value, ... strings
 *   (g_strfreev()), or NULL with @error when the weight file cannot be
 *   read.
 */
VGG19_API char **vgg19_comparer_get_log_params (const Vgg19Comparer *
    comparer, GError ** error);

/**
 * vgg19_comparer_set_reference:
 * @comparer: a comparer.
 * @input: the reference image as vgg19_preprocess_packed() gives it:
 *   3 x @height x @width floats, ImageNet-normalised RGB planes.
 * @width: width, VGG19_MIN_INPUT_SIDE or more.
 * @height: height, VGG19_MIN_INPUT_SIDE or more.
 * @error: return location for an error.
 *
 * Runs the network on the reference and keeps its activations at every
 * tap of the metrics.
 *
 * Returns: FALSE with @error set when the size is refused or memory runs
 *   out; the comparer then has no reference.
 */
VGG19_API gboolean vgg19_comparer_set_reference (Vgg19Comparer * comparer,
    const float *input, guint width, guint height, GError ** error);

/** vgg19_comparer_has_reference: Returns: whether a reference is set. */
VGG19_API gboolean vgg19_comparer_has_reference (const Vgg19Comparer *
    comparer);

/** vgg19_comparer_clear_reference: forgets the reference. */
VGG19_API void vgg19_comparer_clear_reference (Vgg19Comparer * comparer);

/**
 * vgg19_comparer_compare:
 * @comparer: a comparer with a reference.
 * @input: the distorted image, as for vgg19_comparer_set_reference().
 * @width: width; must be the reference's.
 * @height: height; must be the reference's.
 * @values: (out caller-allocates): vgg19_comparer_get_n_values() values.
 * @error: return location for an error.
 *
 * Runs the network on the distorted image and computes every metric
 * against the reference kept.
 *
 * The distorted image belongs to stream 0: the same as
 * vgg19_comparer_compare_stream() with @stream 0.
 *
 * Returns: FALSE with @error set when there is no reference or the sizes
 *   differ (VGG19_ERROR_INVALID_ARGUMENT giving both).
 */
VGG19_API gboolean vgg19_comparer_compare (Vgg19Comparer * comparer,
    const float *input, guint width, guint height, double *values,
    GError ** error);

/**
 * vgg19_comparer_compare_stream:
 * @comparer: a comparer with a reference.
 * @stream: the stream the distorted image belongs to, below
 *   vgg19_comparer_get_n_streams().
 * @input: the distorted image, as for vgg19_comparer_set_reference().
 * @width: width; must be the reference's.
 * @height: height; must be the reference's.
 * @values: (out caller-allocates): vgg19_comparer_get_n_values() values.
 * @error: return location for an error.
 *
 * As vgg19_comparer_compare(), the temporal values taken from @stream's
 * previous comparison (and that comparison replaced by this one); the
 * other streams' are untouched.
 *
 * Returns: FALSE with @error set when there is no reference, the sizes
 *   differ or @stream is out of range (VGG19_ERROR_INVALID_ARGUMENT).
 */
VGG19_API gboolean vgg19_comparer_compare_stream (Vgg19Comparer * comparer,
    guint stream, const float *input, guint width, guint height,
    double *values, GError ** error);

G_END_DECLS

#endif /* VGG19_COMPARER_H */
