/* The computing side of the vgg19compare element: the core's comparer
 * (the network, the metrics and the reference frame's activations, kept
 * while distorted frames are compared with it) and the converters of its
 * inputs: input 0 is the reference, inputs 1 to N the distorted ones,
 * each a stream of the core's comparer (temporal values of its own).
 *
 * Not thread-safe: one thread at a time (the element's aggregation
 * thread). Errors are GErrors in GStreamer's error domains with a message
 * meant for the user, ready for an element error. */
#ifndef GST_VGG19_FRAME_COMPARE_H
#define GST_VGG19_FRAME_COMPARE_H

#include <gst/video/video.h>
#include <vgg19/metric.h>

#include "gstvgg19enums.h"

G_BEGIN_DECLS

/* The reference's input index; the distorted inputs follow it. */
#define GST_VGG19_INPUT_REFERENCE 0

typedef struct _GstVgg19FrameComparer GstVgg19FrameComparer;

/* Finds and loads the weights (shared through the model cache; the
 * default file is that of the network the presets among @metrics are
 * defined on) and the learned weights of LPIPS and DISTS (@calibration,
 * else their default places), and makes the comparer. Takes @metrics (and
 * the array) whether it succeeds or not. The error for files that cannot
 * be found or read says how to get them; a metric whose layer the network
 * lacks is a GST_RESOURCE_ERROR_SETTINGS. */
GstVgg19FrameComparer *gst_vgg19_frame_comparer_new (const gchar * weights,
    const gchar * calibration, guint threads, Vgg19Precision precision,
    Vgg19Resize resize, Vgg19Metric ** metrics, guint n_metrics,
    GError ** error);

/* The inputs: @n_inputs of them (at least 2: the reference, then the
 * distorted ones), @names[i] naming input i in messages (its pad); before
 * the first set_format(). A new comparer has two, sink_0 and sink_1. */
void gst_vgg19_frame_comparer_set_inputs (GstVgg19FrameComparer *
    comparer, guint n_inputs, const gchar * const *names);

/* How inputs of different sizes meet (GST_VGG19_SCALE_FIXED: both to
 * @width x @height); before the first set_format(). */
gboolean gst_vgg19_frame_comparer_set_scale (GstVgg19FrameComparer *
    comparer, GstVgg19Scale scale, guint width, guint height,
    GError ** error);

/* What the frames become, once the reference's format and a distorted
 * input's are known: e.g. "the distorted frames (1280x720) are scaled to
 * the reference's size (1920x1080)" (with several distorted inputs, those
 * known so far, by name); NULL before. */
gchar *gst_vgg19_frame_comparer_describe_sizes (const GstVgg19FrameComparer
    * comparer);

/* The reproducibility header of the log (vgg19_comparer_get_log_params()),
 * NULL-terminated key, value, ...; NULL with a resource error when the
 * weight file cannot be read. */
gchar **gst_vgg19_frame_comparer_get_log_params (const GstVgg19FrameComparer
    * comparer, GError ** error);

void gst_vgg19_frame_comparer_free (GstVgg19FrameComparer * comparer);

/* For the log: "vgg19 model (torch-legacy, F32) from PATH, 2 threads,
 * avx512 kernels". */
gchar *gst_vgg19_frame_comparer_describe (const GstVgg19FrameComparer *
    comparer);

/* Temporal values after the metrics' (vgg19_comparer_set_temporal()). */
void gst_vgg19_frame_comparer_set_temporal (GstVgg19FrameComparer * comparer,
    gboolean enable);

/* The weight file in use. */
const gchar *gst_vgg19_frame_comparer_get_weights (const GstVgg19FrameComparer
    * comparer);

guint gst_vgg19_frame_comparer_get_n_metrics (const GstVgg19FrameComparer *
    comparer);

const Vgg19Metric *gst_vgg19_frame_comparer_get_metric (const
    GstVgg19FrameComparer * comparer, guint index);

/* The values compare() writes, metric after metric: the metric's total,
 * then its value at each of its layers. Their names, in the same order,
 * are "<metric>" and "<metric>_<layer>" (NULL-terminated; free with
 * g_strfreev()). */
guint gst_vgg19_frame_comparer_get_n_values (const GstVgg19FrameComparer *
    comparer);
gchar **gst_vgg19_frame_comparer_get_value_names (const GstVgg19FrameComparer
    * comparer);

/* Frames of @input are described by @info from now on. A size the resize
 * mode refuses (smaller than 32x32 at native size) is an error, and so are
 * distorted inputs of different sizes with scale=distorted at native size
 * (GST_CORE_ERROR_NEGOTIATION naming both and what to use instead). */
gboolean gst_vgg19_frame_comparer_set_format (GstVgg19FrameComparer *
    comparer, guint input, const GstVideoInfo * info, GError ** error);

/* Runs the network on the reference frame @frame (mapped for reading, of
 * the reference's format) and keeps its activations at every tap of the
 * metrics. */
gboolean gst_vgg19_frame_comparer_set_reference (GstVgg19FrameComparer *
    comparer, const GstVideoFrame * frame, GError ** error);

/* Whether set_reference() succeeded and nothing has undone it since. */
gboolean gst_vgg19_frame_comparer_has_reference (const GstVgg19FrameComparer
    * comparer);

/* Forgets the reference activations. */
void gst_vgg19_frame_comparer_clear_reference (GstVgg19FrameComparer *
    comparer);

/* Runs the network on the frame @frame of the distorted input @input (1
 * or more) and writes the metrics' values (get_n_values() of them) to
 * @values, the temporal ones from @input's previous comparison. Both
 * frames' network inputs must have the same size (the scale policy makes
 * them so): a different one is a GST_CORE_ERROR_NEGOTIATION that says
 * so. */
gboolean gst_vgg19_frame_comparer_compare (GstVgg19FrameComparer * comparer,
    guint input, const GstVideoFrame * frame, gdouble * values,
    GError ** error);

G_END_DECLS

#endif /* GST_VGG19_FRAME_COMPARE_H */
