/* GTypes of the element's enumerated properties. The nicks are the values
 * written on a gst-launch-1.0 command line (mode=loss, resize=crop, ...). */
#include <vgg19/vgg19.h>
#include <vgg19/metric.h>

#include "gstvgg19enums.h"

/* Registers an enum type once; @values must be static. */
static GType
register_enum_once (gsize * type, const gchar * name, const GEnumValue * values)
{
  if (g_once_init_enter (type)) {
    GType t = g_enum_register_static (name, values);
    g_once_init_leave (type, t);
  }
  return *type;
}

GType
gst_vgg19_mode_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_VGG19_MODE_CLASSIFY,
        "Top-k ImageNet classes of each frame", "classify"},
    {GST_VGG19_MODE_FEATURES,
        "Activations of the layers in 'layers', as tensor metas", "features"},
    {GST_VGG19_MODE_LOSS,
        "Perceptual loss of each frame against the 'reference' image", "loss"},
    {0, NULL, NULL},
  };

  return register_enum_once (&type, "GstVgg19Mode", values);
}

GType
gst_vgg19_resize_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {VGG19_RESIZE_STRETCH,
          "Bilinear (antialiased) to 224x224, ignoring the aspect ratio",
        "stretch"},
    {VGG19_RESIZE_CROP,
        "torchvision's evaluation transform: short side to 256, centre "
          "224x224", "crop"},
    {VGG19_RESIZE_NONE,
        "The frame's own size (at least 32x32)", "none"},
    {0, NULL, NULL},
  };

  return register_enum_once (&type, "GstVgg19Resize", values);
}

GType
gst_vgg19_loss_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {VGG19_LOSS_MSE, "Mean squared difference of the activations", "mse"},
    {VGG19_LOSS_L1, "Mean absolute difference of the activations", "l1"},
    {VGG19_LOSS_SSE, "Sum of squared differences of the activations",
        "sse"},
    {0, NULL, NULL},
  };

  return register_enum_once (&type, "GstVgg19Loss", values);
}

GType
gst_vgg19_precision_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {VGG19_PRECISION_FP32, "float32 arithmetic", "fp32"},
    {VGG19_PRECISION_BF16,
        "bfloat16 products with float32 accumulation (fast with "
          "AVX512_BF16)", "bf16"},
    {0, NULL, NULL},
  };

  return register_enum_once (&type, "GstVgg19Precision", values);
}

GType
gst_vgg19_log_format_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {VGG19_LOG_JSON, "libvmaf-style JSON: frames, then pooled_metrics",
        "json"},
    {VGG19_LOG_CSV, "libvmaf-style CSV: a line per frame (parameters and "
          "pooled statistics in '#' comment lines)", "csv"},
    {VGG19_LOG_XML, "libvmaf-style XML: params, frames, then pooled_metrics",
        "xml"},
    {0, NULL, NULL},
  };

  return register_enum_once (&type, "GstVgg19LogFormat", values);
}

GType
gst_vgg19_reduction_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {VGG19_REDUCTION_MEAN, "Mean over every value (torch's F.mse_loss)",
        "mean"},
    {VGG19_REDUCTION_CHANNEL_SUM,
        "Sum over channels of the mean over positions (piq, LPIPS)",
        "channel-sum"},
    {VGG19_REDUCTION_SUM, "Sum over every value", "sum"},
    {0, NULL, NULL},
  };

  return register_enum_once (&type, "GstVgg19Reduction", values);
}

GType
gst_vgg19_feature_norm_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {VGG19_FEATURE_NORM_NONE, "The activations as they are", "none"},
    {VGG19_FEATURE_NORM_UNIT,
        "Each position's channel vector divided by its norm + 1e-10 (LPIPS)",
        "unit"},
    {0, NULL, NULL},
  };

  return register_enum_once (&type, "GstVgg19FeatureNorm", values);
}

GType
gst_vgg19_gram_norm_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {VGG19_GRAM_NORM_NONE, "G = x x^T", "none"},
    {VGG19_GRAM_NORM_HW, "G = x x^T / (H W)", "hw"},
    {VGG19_GRAM_NORM_CHW, "G = x x^T / (C H W)", "chw"},
    {VGG19_GRAM_NORM_GATYS,
        "G = x x^T / (2 C H W): with sum of squares, Gatys et al.'s eq. 4",
        "gatys"},
    {0, NULL, NULL},
  };

  return register_enum_once (&type, "GstVgg19GramNorm", values);
}

GType
gst_vgg19_scale_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_VGG19_SCALE_REFERENCE,
        "At native size, distorted frames of another size are scaled to the "
          "reference's", "reference"},
    {GST_VGG19_SCALE_DISTORTED,
        "At native size, the reference is scaled to the distorted frames' "
          "size", "distorted"},
    {GST_VGG19_SCALE_FIXED, "Both inputs to scale-size", "fixed"},
    {0, NULL, NULL},
  };

  return register_enum_once (&type, "GstVgg19Scale", values);
}

GType
gst_vgg19_sync_mode_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_VGG19_SYNC_RUNNING_TIME, "Pair frames by running time",
        "running-time"},
    {GST_VGG19_SYNC_INDEX,
        "Pair frames in arrival order (the n-th with the n-th)", "index"},
    {0, NULL, NULL},
  };

  return register_enum_once (&type, "GstVgg19SyncMode", values);
}

GType
gst_vgg19_eof_action_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_VGG19_EOF_SHORTEST, "End when either input ends", "shortest"},
    {GST_VGG19_EOF_REPEAT,
        "When the reference ends first, compare its last frame with the "
          "rest", "repeat"},
    {GST_VGG19_EOF_PASS,
        "When the reference ends first, pass the rest on without scores",
        "pass"},
    {0, NULL, NULL},
  };

  return register_enum_once (&type, "GstVgg19EofAction", values);
}
