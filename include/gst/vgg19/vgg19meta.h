/* Buffer metadata of the vgg19 GStreamer element.
 *
 * The element attaches its results to the video frames it analyses; an
 * application reads them back from a buffer (in a pad probe, an appsink,
 * ...) with the functions below. Link with `pkg-config gstvgg19meta-1.0`.
 *
 * Three metas, each registered as its own API type so that they survive
 * gst_buffer_copy() and the video elements that keep video metadata
 * (videoconvert, videoscale, ...):
 *
 *   - GstVgg19ClassificationMeta: the top-k ImageNet classes of the frame,
 *   - GstVgg19TensorMeta: one layer's activations (one meta per layer),
 *   - GstVgg19LossMeta: a perceptual loss against a reference picture (one
 *     meta per metric: the vgg19 element's loss, or the "perceptual" and
 *     "style" metrics of the vgg19compare element).
 */
#ifndef GST_VGG19_META_H
#define GST_VGG19_META_H

#include <gst/gst.h>

G_BEGIN_DECLS

#ifndef GST_VGG19_META_API
#if defined(__GNUC__) || defined(__clang__)
#define GST_VGG19_META_API __attribute__((visibility("default"))) extern
#else
#define GST_VGG19_META_API extern
#endif
#endif

/* ------------------------------------------------------------------ */
/* Classification                                                       */
/* ------------------------------------------------------------------ */

/**
 * GstVgg19Prediction:
 * @class_id: the ImageNet class index, 0 .. 999.
 * @label: (nullable): its name, when a class list was available.
 * @score: the softmax probability of the class.
 */
typedef struct
{
  guint class_id;
  gchar *label;
  gdouble score;
} GstVgg19Prediction;

/**
 * GstVgg19ClassificationMeta:
 * @meta: the parent.
 * @n_predictions: number of entries in @predictions.
 * @predictions: the top classes, best first.
 *
 * The classes VGG-19 gives the whole frame.
 */
typedef struct
{
  GstMeta meta;

  guint n_predictions;
  GstVgg19Prediction *predictions;
} GstVgg19ClassificationMeta;

GST_VGG19_META_API GType gst_vgg19_classification_meta_api_get_type (void);
#define GST_VGG19_CLASSIFICATION_META_API_TYPE \
  (gst_vgg19_classification_meta_api_get_type ())

GST_VGG19_META_API const GstMetaInfo *
gst_vgg19_classification_meta_get_info (void);
#define GST_VGG19_CLASSIFICATION_META_INFO \
  (gst_vgg19_classification_meta_get_info ())

/**
 * gst_buffer_add_vgg19_classification_meta:
 * @buffer: a writable buffer.
 * @n_predictions: number of classes.
 * @class_ids: (array length=n_predictions): class indices, best first.
 * @labels: (array length=n_predictions) (nullable): their names; NULL, or
 *   NULL entries, when unknown.
 * @scores: (array length=n_predictions): their probabilities.
 *
 * Returns: (transfer none): the new meta; the arrays are copied.
 */
GST_VGG19_META_API GstVgg19ClassificationMeta *
gst_buffer_add_vgg19_classification_meta (GstBuffer * buffer,
    guint n_predictions, const guint * class_ids,
    const gchar * const *labels, const gdouble * scores);

/**
 * gst_buffer_get_vgg19_classification_meta:
 * Returns: (transfer none) (nullable): the classification of @buffer.
 */
#define gst_buffer_get_vgg19_classification_meta(buffer) \
  ((GstVgg19ClassificationMeta *) gst_buffer_get_meta ((buffer), \
      GST_VGG19_CLASSIFICATION_META_API_TYPE))

/* ------------------------------------------------------------------ */
/* Tensors                                                              */
/* ------------------------------------------------------------------ */

/**
 * GstVgg19TensorMeta:
 * @meta: the parent.
 * @layer: the layer ("conv4_2", "relu5_4", "pool5", "fc7", ...).
 * @channels: C.
 * @height: H (1 for the fully connected layers).
 * @width: W (1 for the fully connected layers).
 * @data: C * H * W float32 values in C order (channel-major), shared by
 *   every copy of the meta: read it with gst_vgg19_tensor_meta_get_data()
 *   or take a reference with g_bytes_ref().
 *
 * One layer's activations for the frame. A buffer carries one tensor meta
 * per layer asked for.
 */
typedef struct
{
  GstMeta meta;

  gchar *layer;
  guint channels;
  guint height;
  guint width;
  GBytes *data;
} GstVgg19TensorMeta;

GST_VGG19_META_API GType gst_vgg19_tensor_meta_api_get_type (void);
#define GST_VGG19_TENSOR_META_API_TYPE (gst_vgg19_tensor_meta_api_get_type ())

GST_VGG19_META_API const GstMetaInfo *gst_vgg19_tensor_meta_get_info (void);
#define GST_VGG19_TENSOR_META_INFO (gst_vgg19_tensor_meta_get_info ())

/**
 * gst_buffer_add_vgg19_tensor_meta:
 * @buffer: a writable buffer.
 * @layer: the layer name.
 * @channels: C, > 0.
 * @height: H, > 0.
 * @width: W, > 0.
 * @data: exactly C * H * W * 4 bytes of float32 values; the meta takes a
 *   reference (no copy).
 *
 * Returns: (transfer none) (nullable): the new meta, or NULL when the size
 * of @data does not match the shape.
 */
GST_VGG19_META_API GstVgg19TensorMeta *
gst_buffer_add_vgg19_tensor_meta (GstBuffer * buffer, const gchar * layer,
    guint channels, guint height, guint width, GBytes * data);

/**
 * gst_buffer_get_vgg19_tensor_meta:
 * @buffer: a buffer.
 * @layer: (nullable): a layer name, or NULL for the first tensor.
 *
 * Returns: (transfer none) (nullable): the tensor of @layer.
 */
GST_VGG19_META_API GstVgg19TensorMeta *
gst_buffer_get_vgg19_tensor_meta (GstBuffer * buffer, const gchar * layer);

/**
 * gst_vgg19_tensor_meta_get_data:
 * @meta: a tensor meta.
 * @n_values: (out) (optional): C * H * W.
 *
 * Returns: (transfer none): the values, valid as long as @meta (or a
 * reference to @meta->data) is.
 */
GST_VGG19_META_API const gfloat *
gst_vgg19_tensor_meta_get_data (const GstVgg19TensorMeta * meta,
    gsize * n_values);

/* ------------------------------------------------------------------ */
/* Perceptual loss                                                      */
/* ------------------------------------------------------------------ */

/**
 * GstVgg19LossMeta:
 * @meta: the parent.
 * @criterion: "mse", "l1", "sse" or "dists".
 * @total: the loss: the sum over the layers of @layer_weights times
 *   @layer_losses.
 * @n_layers: number of layers.
 * @layers: (array length=n_layers): their names.
 * @layer_losses: (array length=n_layers): each layer's value before its
 *   weight: the mean squared (or absolute) difference between the frame's
 *   and the reference's activations at that layer, or for the "style"
 *   metric the Gram-matrix loss (see the vgg19compare element).
 * @metric: the metric's name: "perceptual" (feature reconstruction) or
 *   "style" (Gram matrices). A buffer carries one loss meta per metric.
 * @layer_weights: (array length=n_layers): the weight of each layer (1
 *   unless the metric set others).
 */
typedef struct
{
  GstMeta meta;

  gchar *criterion;
  gdouble total;
  guint n_layers;
  gchar **layers;
  gdouble *layer_losses;
  gchar *metric;
  gdouble *layer_weights;
} GstVgg19LossMeta;

GST_VGG19_META_API GType gst_vgg19_loss_meta_api_get_type (void);
#define GST_VGG19_LOSS_META_API_TYPE (gst_vgg19_loss_meta_api_get_type ())

GST_VGG19_META_API const GstMetaInfo *gst_vgg19_loss_meta_get_info (void);
#define GST_VGG19_LOSS_META_INFO (gst_vgg19_loss_meta_get_info ())

/**
 * gst_buffer_add_vgg19_loss_meta:
 * @buffer: a writable buffer.
 * @criterion: "mse", "l1", "sse" or "dists".
 * @n_layers: number of layers, > 0.
 * @layers: (array length=n_layers): layer names.
 * @layer_losses: (array length=n_layers): loss at each layer.
 *
 * A "perceptual" loss with every layer weighing 1.
 *
 * Returns: (transfer none): the new meta; @total is the sum of
 * @layer_losses. The arrays are copied.
 */
GST_VGG19_META_API GstVgg19LossMeta *
gst_buffer_add_vgg19_loss_meta (GstBuffer * buffer, const gchar * criterion,
    guint n_layers, const gchar * const *layers,
    const gdouble * layer_losses);

/**
 * gst_buffer_add_vgg19_weighted_loss_meta:
 * @buffer: a writable buffer.
 * @metric: the metric's name, e.g. "perceptual" or "style".
 * @criterion: "mse", "l1", "sse" or "dists".
 * @n_layers: number of layers, > 0.
 * @layers: (array length=n_layers): layer names.
 * @layer_weights: (array length=n_layers) (nullable): weight of each layer;
 *   NULL for all 1.
 * @layer_losses: (array length=n_layers): loss at each layer, unweighted.
 *
 * Returns: (transfer none): the new meta; @total is the sum of
 * weight * loss. The arrays are copied.
 */
GST_VGG19_META_API GstVgg19LossMeta *
gst_buffer_add_vgg19_weighted_loss_meta (GstBuffer * buffer,
    const gchar * metric, const gchar * criterion, guint n_layers,
    const gchar * const *layers, const gdouble * layer_weights,
    const gdouble * layer_losses);

/**
 * gst_buffer_get_vgg19_loss_meta:
 * Returns: (transfer none) (nullable): the loss meta of @buffer.
 */
#define gst_buffer_get_vgg19_loss_meta(buffer) \
  ((GstVgg19LossMeta *) gst_buffer_get_meta ((buffer), \
      GST_VGG19_LOSS_META_API_TYPE))

/**
 * gst_buffer_get_vgg19_loss_meta_by_metric:
 * @buffer: a buffer.
 * @metric: a metric's name ("perceptual", "style").
 *
 * Returns: (transfer none) (nullable): the loss meta of @metric.
 */
GST_VGG19_META_API GstVgg19LossMeta *
gst_buffer_get_vgg19_loss_meta_by_metric (GstBuffer * buffer,
    const gchar * metric);

G_END_DECLS

#endif /* GST_VGG19_META_H */
