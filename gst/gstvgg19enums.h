/* The enumerated properties of the vgg19 and vgg19compare elements, as
 * GTypes so that gst-launch-1.0 and gst-inspect-1.0 know their values by
 * name. */
#ifndef GST_VGG19_ENUMS_H
#define GST_VGG19_ENUMS_H

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * GstVgg19Mode:
 * @GST_VGG19_MODE_CLASSIFY: the top-k ImageNet classes of each frame.
 * @GST_VGG19_MODE_FEATURES: the activations of some layers.
 * @GST_VGG19_MODE_LOSS: the perceptual loss against a reference image.
 */
typedef enum
{
  GST_VGG19_MODE_CLASSIFY,
  GST_VGG19_MODE_FEATURES,
  GST_VGG19_MODE_LOSS,
} GstVgg19Mode;

/* The values of the others are those of the core's Vgg19Resize,
 * Vgg19Loss and Vgg19Precision. */
#define GST_TYPE_VGG19_MODE (gst_vgg19_mode_get_type ())
GType gst_vgg19_mode_get_type (void);

#define GST_TYPE_VGG19_RESIZE (gst_vgg19_resize_get_type ())
GType gst_vgg19_resize_get_type (void);

#define GST_TYPE_VGG19_LOSS (gst_vgg19_loss_get_type ())
GType gst_vgg19_loss_get_type (void);

#define GST_TYPE_VGG19_PRECISION (gst_vgg19_precision_get_type ())
GType gst_vgg19_precision_get_type (void);

/* The core's Vgg19LogFormat, for the log-format of vgg19compare. */
#define GST_TYPE_VGG19_LOG_FORMAT (gst_vgg19_log_format_get_type ())
GType gst_vgg19_log_format_get_type (void);

/**
 * GstVgg19Scale:
 * @GST_VGG19_SCALE_REFERENCE: at native size (resize=none), distorted
 *   frames of another size are scaled to the reference's.
 * @GST_VGG19_SCALE_DISTORTED: the reference is scaled to the distorted
 *   frames' size.
 * @GST_VGG19_SCALE_FIXED: both to scale-size, whatever the resize mode.
 */
typedef enum
{
  GST_VGG19_SCALE_REFERENCE,
  GST_VGG19_SCALE_DISTORTED,
  GST_VGG19_SCALE_FIXED,
} GstVgg19Scale;

#define GST_TYPE_VGG19_SCALE (gst_vgg19_scale_get_type ())
GType gst_vgg19_scale_get_type (void);

/**
 * GstVgg19SyncMode:
 * @GST_VGG19_SYNC_RUNNING_TIME: frames pair by running time (frames
 *   without timestamps in arrival order).
 * @GST_VGG19_SYNC_INDEX: frames pair in arrival order, whatever their
 *   timestamps: the n-th distorted frame with the n-th reference frame.
 */
typedef enum
{
  GST_VGG19_SYNC_RUNNING_TIME,
  GST_VGG19_SYNC_INDEX,
} GstVgg19SyncMode;

#define GST_TYPE_VGG19_SYNC_MODE (gst_vgg19_sync_mode_get_type ())
GType gst_vgg19_sync_mode_get_type (void);

/**
 * GstVgg19EofAction:
 * @GST_VGG19_EOF_SHORTEST: the comparison ends when either input ends.
 * @GST_VGG19_EOF_REPEAT: when the reference ends first, its last frame is
 *   compared with the rest of the distorted frames.
 * @GST_VGG19_EOF_PASS: when the reference ends first, the rest of the
 *   distorted frames go out without scores.
 */
typedef enum
{
  GST_VGG19_EOF_SHORTEST,
  GST_VGG19_EOF_REPEAT,
  GST_VGG19_EOF_PASS,
} GstVgg19EofAction;

#define GST_TYPE_VGG19_EOF_ACTION (gst_vgg19_eof_action_get_type ())
GType gst_vgg19_eof_action_get_type (void);

/* The core's Vgg19Reduction, Vgg19FeatureNorm and Vgg19GramNorm, for the
 * generic metric of vgg19compare. */
#define GST_TYPE_VGG19_REDUCTION (gst_vgg19_reduction_get_type ())
GType gst_vgg19_reduction_get_type (void);

#define GST_TYPE_VGG19_FEATURE_NORM (gst_vgg19_feature_norm_get_type ())
GType gst_vgg19_feature_norm_get_type (void);

#define GST_TYPE_VGG19_GRAM_NORM (gst_vgg19_gram_norm_get_type ())
GType gst_vgg19_gram_norm_get_type (void);

G_END_DECLS

#endif /* GST_VGG19_ENUMS_H */
