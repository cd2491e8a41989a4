/* Two frames to the values of the perceptual metrics: the frames are
 * converted to network input here, and the core's comparer does the rest
 * (one network pass per frame; a reference frame that several distorted
 * frames overlap, a reference at a lower frame rate, runs once). */
#include <string.h>

#include <vgg19/comparer.h>

#include "frame_compare.h"
#include "frame_convert.h"
#include "model_cache.h"

struct _GstVgg19FrameComparer
{
  Vgg19Model *model;            /* from the model cache */
  Vgg19Comparer *comparer;
  Vgg19Resize resize;
  GstVgg19Scale scale;
  guint fixed_width, fixed_height;

  GstVgg19FrameConverter *converters[2];

  float *input;                 /* the network input, input_floats of them */
  gsize input_floats;
  guint reference_width;
  guint reference_height;
};

static const gchar *const input_names[] = { "reference", "distorted" };

/* The resource error code for a failure of the core. */
static gint
resource_code (const GError * error)
{
  if (error->domain != VGG19_ERROR)
    return GST_RESOURCE_ERROR_FAILED;
  switch (error->code) {
    case VGG19_ERROR_NOT_FOUND:
      return GST_RESOURCE_ERROR_NOT_FOUND;
    case VGG19_ERROR_IO:
    case VGG19_ERROR_FORMAT:
    case VGG19_ERROR_WEIGHTS:
      return GST_RESOURCE_ERROR_OPEN_READ;
    case VGG19_ERROR_NO_MEMORY:
      return GST_RESOURCE_ERROR_NO_SPACE_LEFT;
    default:
      return GST_RESOURCE_ERROR_SETTINGS;
  }
}

static Vgg19Model *
load_model (const gchar * weights, Vgg19Metric ** metrics, guint n_metrics,
    GError ** error)
{
  GError *cause = NULL;
  Vgg19Model *model = NULL;
  gchar *path;
  const char *help;

  path = vgg19_comparer_find_weights (metrics, n_metrics,
      weights && *weights ? weights : NULL, &cause);
  if (path) {
    model = gst_vgg19_model_cache_acquire (path, &cause);
    g_free (path);
  }
  if (model)
    return model;

  if (cause->domain == VGG19_ERROR
      && cause->code == VGG19_ERROR_INVALID_ARGUMENT) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "%s", cause->message);
    g_error_free (cause);
    return NULL;
  }
  /* whatever went wrong, the message says how to get the weights */
  help = vgg19_weights_help ();
  g_set_error (error, GST_RESOURCE_ERROR, resource_code (cause),
      "Could not load the VGG weights: %s%s%s", cause->message,
      strstr (cause->message, help) ? "" : " ",
      strstr (cause->message, help) ? "" : help);
  g_error_free (cause);
  return NULL;
}

GstVgg19FrameComparer *
gst_vgg19_frame_comparer_new (const gchar * weights,
    const gchar * calibration, guint threads, Vgg19Precision precision,
    Vgg19Resize resize, Vgg19Metric ** metrics, guint n_metrics,
    GError ** error)
{
  GstVgg19FrameComparer *c = g_new0 (GstVgg19FrameComparer, 1);
  GError *cause = NULL;
  guint m;

  c->resize = resize;
  if (!vgg19_comparer_load_calibrations (metrics, n_metrics, calibration,
          &cause)) {
    g_set_error (error, GST_RESOURCE_ERROR, resource_code (cause),
        "%s", cause->message);
    g_error_free (cause);
    goto fail;
  }
  c->model = load_model (weights, metrics, n_metrics, error);
  if (!c->model)
    goto fail;
  c->comparer = vgg19_comparer_new (c->model, metrics, n_metrics, threads,
      precision, &cause);
  g_free (metrics);
  metrics = NULL;
  if (!c->comparer) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "%s", cause->message);
    g_error_free (cause);
    gst_vgg19_frame_comparer_free (c);
    return NULL;
  }
  return c;

fail:
  for (m = 0; metrics && m < n_metrics; m++)
    vgg19_metric_free (metrics[m]);
  g_free (metrics);
  gst_vgg19_frame_comparer_free (c);
  return NULL;
}

void
gst_vgg19_frame_comparer_clear_reference (GstVgg19FrameComparer * c)
{
  vgg19_comparer_clear_reference (c->comparer);
}

void
gst_vgg19_frame_comparer_free (GstVgg19FrameComparer * c)
{
  guint i;

  if (!c)
    return;
  for (i = 0; i < G_N_ELEMENTS (c->converters); i++)
    gst_vgg19_frame_converter_free (c->converters[i]);
  g_free (c->input);
  vgg19_comparer_free (c->comparer);
  gst_vgg19_model_cache_release (c->model);
  g_free (c);
}

gchar *
gst_vgg19_frame_comparer_describe (const GstVgg19FrameComparer * c)
{
  Vgg19Session *session = vgg19_comparer_get_session (c->comparer);

  return g_strdup_printf ("%s model (%s, %s) from %s, %s pooling, %u "
      "threads, %s kernels", vgg19_arch_name (vgg19_model_get_arch (c->model)),
      vgg19_model_get_format (c->model),
      vgg19_model_get_source_dtype (c->model),
      vgg19_model_get_path (c->model),
      vgg19_pooling_to_string (vgg19_session_get_pooling (session)),
      vgg19_session_get_n_threads (session),
      vgg19_session_get_isa (session));
}

void
gst_vgg19_frame_comparer_set_temporal (GstVgg19FrameComparer * c,
    gboolean enable)
{
  vgg19_comparer_set_temporal (c->comparer, enable);
}

const gchar *
gst_vgg19_frame_comparer_get_weights (const GstVgg19FrameComparer * c)
{
  return vgg19_model_get_path (c->model);
}

gchar **
gst_vgg19_frame_comparer_get_log_params (const GstVgg19FrameComparer * c,
    GError ** error)
{
  GError *cause = NULL;
  gchar **params = vgg19_comparer_get_log_params (c->comparer, &cause);

  if (!params) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
        "%s", cause->message);
    g_error_free (cause);
  }
  return params;
}

guint
gst_vgg19_frame_comparer_get_n_metrics (const GstVgg19FrameComparer * c)
{
  return vgg19_comparer_get_n_metrics (c->comparer);
}

const Vgg19Metric *
gst_vgg19_frame_comparer_get_metric (const GstVgg19FrameComparer * c,
    guint index)
{
  return vgg19_comparer_get_metric (c->comparer, index);
}

guint
gst_vgg19_frame_comparer_get_n_values (const GstVgg19FrameComparer * c)
{
  return vgg19_comparer_get_n_values (c->comparer);
}

gchar **
gst_vgg19_frame_comparer_get_value_names (const GstVgg19FrameComparer * c)
{
  return vgg19_comparer_get_value_names (c->comparer);
}

gboolean
gst_vgg19_frame_comparer_set_scale (GstVgg19FrameComparer * c,
    GstVgg19Scale scale, guint width, guint height, GError ** error)
{
  if (scale == GST_VGG19_SCALE_FIXED && (width < VGG19_MIN_INPUT_SIDE
          || height < VGG19_MIN_INPUT_SIDE || width > VGG19_MAX_INPUT_SIDE
          || height > VGG19_MAX_INPUT_SIDE
          || (guint64) width * height > VGG19_MAX_INPUT_PIXELS)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "scale-size %ux%u is out of range (%u to %u pixels per side, at "
        "most %u in all)", width, height, VGG19_MIN_INPUT_SIDE,
        VGG19_MAX_INPUT_SIDE, VGG19_MAX_INPUT_PIXELS);
    return FALSE;
  }
  c->scale = scale;
  c->fixed_width = width;
  c->fixed_height = height;
  return TRUE;
}

/* Brings both inputs to one network input size as the policy says. */
static gboolean
apply_scale (GstVgg19FrameComparer * c, GError ** error)
{
  GstVgg19FrameConverter *ref = c->converters[GST_VGG19_INPUT_REFERENCE];
  GstVgg19FrameConverter *dist = c->converters[GST_VGG19_INPUT_DISTORTED];
  GError *cause = NULL;
  guint rw, rh, dw, dh;
  gboolean ok = TRUE;

  if (c->scale == GST_VGG19_SCALE_FIXED) {
    if (ref)
      ok = gst_vgg19_frame_converter_set_output_size (ref, c->fixed_width,
          c->fixed_height, &cause);
    if (ok && dist)
      ok = gst_vgg19_frame_converter_set_output_size (dist, c->fixed_width,
          c->fixed_height, &cause);
  } else if (ref && dist && c->resize == VGG19_RESIZE_NONE) {
    GstVgg19FrameConverter *scaled, *kept;

    gst_vgg19_frame_converter_get_frame_size (ref, &rw, &rh);
    gst_vgg19_frame_converter_get_frame_size (dist, &dw, &dh);
    if (c->scale == GST_VGG19_SCALE_REFERENCE) {
      scaled = dist;
      kept = ref;
    } else {
      scaled = ref;
      kept = dist;
    }
    ok = gst_vgg19_frame_converter_set_output_size (kept, 0, 0, &cause);
    if (ok) {
      guint w, h;

      gst_vgg19_frame_converter_get_size (kept, &w, &h);
      ok = gst_vgg19_frame_converter_set_output_size (scaled,
          (rw == dw && rh == dh) ? 0 : w, (rw == dw && rh == dh) ? 0 : h,
          &cause);
    }
  }
  if (!ok) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "Cannot bring both inputs to one size: %s", cause->message);
    g_error_free (cause);
  }
  return ok;
}

gchar *
gst_vgg19_frame_comparer_describe_sizes (const GstVgg19FrameComparer * c)
{
  GstVgg19FrameConverter *ref = c->converters[GST_VGG19_INPUT_REFERENCE];
  GstVgg19FrameConverter *dist = c->converters[GST_VGG19_INPUT_DISTORTED];
  guint rw, rh, dw, dh, ow, oh;

  if (!ref || !dist)
    return NULL;
  gst_vgg19_frame_converter_get_frame_size (ref, &rw, &rh);
  gst_vgg19_frame_converter_get_frame_size (dist, &dw, &dh);
  gst_vgg19_frame_converter_get_size (ref, &ow, &oh);
  if (c->scale == GST_VGG19_SCALE_FIXED)
    return g_strdup_printf ("both inputs (reference %ux%u, distorted %ux%u) "
        "are scaled to scale-size %ux%u", rw, rh, dw, dh, ow, oh);
  if (c->resize != VGG19_RESIZE_NONE)
    return g_strdup_printf ("both inputs (reference %ux%u, distorted %ux%u) "
        "go through resize=%s to %ux%u", rw, rh, dw, dh,
        vgg19_resize_to_string (c->resize), ow, oh);
  if (rw == dw && rh == dh)
    return g_strdup_printf ("both inputs are compared at their size, %ux%u",
        rw, rh);
  if (c->scale == GST_VGG19_SCALE_REFERENCE)
    return g_strdup_printf ("the distorted frames (%ux%u) are scaled to the "
        "reference's size (%ux%u)", dw, dh, rw, rh);
  return g_strdup_printf ("the reference frames (%ux%u) are scaled to the "
      "distorted frames' size (%ux%u)", rw, rh, dw, dh);
}

void
gst_vgg19_frame_comparer_get_compared_size (const GstVgg19FrameComparer * c,
    guint * width, guint * height)
{
  *width = *height = 0;
  if (c->converters[GST_VGG19_INPUT_REFERENCE]
      && c->converters[GST_VGG19_INPUT_DISTORTED])
    gst_vgg19_frame_converter_get_size (c->converters
        [GST_VGG19_INPUT_REFERENCE], width, height);
}

gboolean
gst_vgg19_frame_comparer_set_format (GstVgg19FrameComparer * c,
    GstVgg19Input input, const GstVideoInfo * info, GError ** error)
{
  GError *cause = NULL;
  GstVgg19FrameConverter *conv;

  conv = gst_vgg19_frame_converter_new (info, c->resize, &cause);
  if (!conv) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "Cannot compare these %s frames (%dx%d %s): %s", input_names[input],
        GST_VIDEO_INFO_WIDTH (info), GST_VIDEO_INFO_HEIGHT (info),
        GST_VIDEO_INFO_NAME (info), cause->message);
    g_error_free (cause);
    return FALSE;
  }
  gst_vgg19_frame_converter_free (c->converters[input]);
  c->converters[input] = conv;
  if (!apply_scale (c, error))
    return FALSE;
  /* new distorted caps can change the size the reference is scaled to
   * (scale=distorted): its activations at the old size are of no use, it
   * runs again for the next comparison (its own caps have not changed;
   * before a change of those, the element runs the frame it holds) */
  if (input == GST_VGG19_INPUT_DISTORTED
      && vgg19_comparer_has_reference (c->comparer)
      && c->converters[GST_VGG19_INPUT_REFERENCE]) {
    guint w, h;

    gst_vgg19_frame_converter_get_size (c->converters
        [GST_VGG19_INPUT_REFERENCE], &w, &h);
    if (w != c->reference_width || h != c->reference_height)
      vgg19_comparer_clear_reference (c->comparer);
  }
  return TRUE;
}

/* Converts @frame of @input into c->input; its size in @width, @height. */
static gboolean
convert (GstVgg19FrameComparer * c, GstVgg19Input input,
    const GstVideoFrame * frame, guint * width, guint * height,
    GError ** error)
{
  GstVgg19FrameConverter *conv = c->converters[input];
  GError *cause = NULL;
  gsize n;

  if (!conv) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "A %s frame arrived before its caps", input_names[input]);
    return FALSE;
  }
  gst_vgg19_frame_converter_get_size (conv, width, height);
  /* the converter bounded the size (VGG19_MAX_INPUT_PIXELS) */
  n = (gsize) 3 * *width * *height;
  if (n != c->input_floats) {
    g_free (c->input);
    c->input = g_try_new (float, n);
    c->input_floats = c->input ? n : 0;
    if (!c->input) {
      g_set_error (error, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NO_SPACE_LEFT, "Cannot allocate the network "
          "input of %ux%u", *width, *height);
      return FALSE;
    }
  }
  if (!gst_vgg19_frame_converter_run (conv, frame, c->input, &cause)) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
        "Cannot analyse the %s frame: %s", input_names[input], cause->message);
    g_error_free (cause);
    return FALSE;
  }
  return TRUE;
}

/* A failure of the comparer on a frame of @input. */
static void
analysis_error (const GError * cause, GstVgg19Input input, GError ** error)
{
  if (cause->domain == VGG19_ERROR && cause->code == VGG19_ERROR_NO_MEMORY)
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT,
        "Cannot analyse the %s frame: %s", input_names[input],
        cause->message);
  else if (cause->domain == VGG19_ERROR
      && cause->code == VGG19_ERROR_INVALID_ARGUMENT)
    /* a size the network refuses */
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "Cannot prepare the network for the %s frame: %s", input_names[input],
        cause->message);
  else
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
        "Cannot analyse the %s frame: %s", input_names[input],
        cause->message);
}

gboolean
gst_vgg19_frame_comparer_set_reference (GstVgg19FrameComparer * c,
    const GstVideoFrame * frame, GError ** error)
{
  GError *cause = NULL;
  guint width, height;

  vgg19_comparer_clear_reference (c->comparer);
  if (!convert (c, GST_VGG19_INPUT_REFERENCE, frame, &width, &height, error))
    return FALSE;
  if (!vgg19_comparer_set_reference (c->comparer, c->input, width, height,
          &cause)) {
    analysis_error (cause, GST_VGG19_INPUT_REFERENCE, error);
    g_error_free (cause);
    return FALSE;
  }
  c->reference_width = width;
  c->reference_height = height;
  return TRUE;
}

gboolean
gst_vgg19_frame_comparer_has_reference (const GstVgg19FrameComparer * c)
{
  return vgg19_comparer_has_reference (c->comparer);
}

gboolean
gst_vgg19_frame_comparer_compare (GstVgg19FrameComparer * c,
    const GstVideoFrame * frame, gdouble * values, GError ** error)
{
  GstVgg19FrameConverter *conv = c->converters[GST_VGG19_INPUT_DISTORTED];
  GError *cause = NULL;
  guint width, height;

  if (!vgg19_comparer_has_reference (c->comparer)) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "No reference frame to compare with");
    return FALSE;
  }
  if (conv) {
    gst_vgg19_frame_converter_get_size (conv, &width, &height);
    if (width != c->reference_width || height != c->reference_height) {
      /* the scale policy made them equal; a reference frame of the
       * previous format is no longer comparable */
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
          "The reference frame's network input is %ux%u but the distorted "
          "frame's %ux%u", c->reference_width, c->reference_height, width,
          height);
      return FALSE;
    }
  }
  if (!convert (c, GST_VGG19_INPUT_DISTORTED, frame, &width, &height, error))
    return FALSE;
  if (!vgg19_comparer_compare (c->comparer, c->input, width, height, values,
          &cause)) {
    analysis_error (cause, GST_VGG19_INPUT_DISTORTED, error);
    g_error_free (cause);
    return FALSE;
  }
  return TRUE;
}
