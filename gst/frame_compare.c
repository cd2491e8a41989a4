/* Frames to the values of the perceptual metrics: the frames of every
 * input are converted to network input here, and the core's comparer does
 * the rest (one network pass per frame; a reference frame that several
 * distorted frames overlap, of one input or of several, runs once). */
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

  /* per input: 0 the reference, then the distorted ones */
  guint n_inputs;
  gchar **names;
  GstVgg19FrameConverter **converters;

  float *input;                 /* the network input, input_floats of them */
  gsize input_floats;
  guint reference_width;
  guint reference_height;
};

/* "reference" or "distorted", for the messages. */
static const gchar *
role (guint input)
{
  return input == GST_VGG19_INPUT_REFERENCE ? "reference" : "distorted";
}

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
  c->n_inputs = 2;
  c->names = g_new0 (gchar *, 3);
  c->names[0] = g_strdup ("sink_0");
  c->names[1] = g_strdup ("sink_1");
  c->converters = g_new0 (GstVgg19FrameConverter *, 2);
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
  for (i = 0; i < c->n_inputs; i++)
    gst_vgg19_frame_converter_free (c->converters[i]);
  g_free (c->converters);
  g_strfreev (c->names);
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

void
gst_vgg19_frame_comparer_set_inputs (GstVgg19FrameComparer * c,
    guint n_inputs, const gchar * const *names)
{
  guint i;

  g_return_if_fail (n_inputs >= 2);
  for (i = 0; i < c->n_inputs; i++)
    gst_vgg19_frame_converter_free (c->converters[i]);
  g_free (c->converters);
  g_strfreev (c->names);
  c->n_inputs = n_inputs;
  c->converters = g_new0 (GstVgg19FrameConverter *, n_inputs);
  c->names = g_strdupv ((gchar **) names);
  vgg19_comparer_set_n_streams (c->comparer, n_inputs - 1);
}

/* The first distorted input whose format is known, 0 if none. */
static guint
first_distorted (const GstVgg19FrameComparer * c)
{
  guint i;

  for (i = 1; i < c->n_inputs; i++)
    if (c->converters[i])
      return i;
  return 0;
}

/* scale=distorted: the reference takes the distorted frames' size, which
 * they must then share. */
static gboolean
check_distorted_sizes (GstVgg19FrameComparer * c, GError ** error)
{
  guint first = first_distorted (c), i, w, h, fw, fh;

  if (!first)
    return TRUE;
  gst_vgg19_frame_converter_get_frame_size (c->converters[first], &fw, &fh);
  for (i = first + 1; i < c->n_inputs; i++) {
    if (!c->converters[i])
      continue;
    gst_vgg19_frame_converter_get_frame_size (c->converters[i], &w, &h);
    if (w != fw || h != fh) {
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
          "scale=distorted scales the reference to the distorted frames' "
          "size, but the distorted inputs differ: %s is %ux%u, %s %ux%u. "
          "Use scale=reference (each to the reference's size) or "
          "scale=fixed with scale-size for distorted inputs of different "
          "sizes", c->names[first], fw, fh, c->names[i], w, h);
      return FALSE;
    }
  }
  return TRUE;
}

/* Brings all inputs to one network input size as the policy says. */
static gboolean
apply_scale (GstVgg19FrameComparer * c, GError ** error)
{
  GstVgg19FrameConverter *ref = c->converters[GST_VGG19_INPUT_REFERENCE];
  GError *cause = NULL;
  guint rw, rh, dw, dh, w, h, i, first;
  gboolean ok = TRUE;

  if (c->scale == GST_VGG19_SCALE_FIXED) {
    for (i = 0; ok && i < c->n_inputs; i++)
      if (c->converters[i])
        ok = gst_vgg19_frame_converter_set_output_size (c->converters[i],
            c->fixed_width, c->fixed_height, &cause);
  } else if (ref && c->resize == VGG19_RESIZE_NONE
      && (first = first_distorted (c))) {
    gst_vgg19_frame_converter_get_frame_size (ref, &rw, &rh);
    if (c->scale == GST_VGG19_SCALE_REFERENCE) {
      ok = gst_vgg19_frame_converter_set_output_size (ref, 0, 0, &cause);
      gst_vgg19_frame_converter_get_size (ref, &w, &h);
      for (i = 1; ok && i < c->n_inputs; i++) {
        if (!c->converters[i])
          continue;
        gst_vgg19_frame_converter_get_frame_size (c->converters[i], &dw,
            &dh);
        ok = gst_vgg19_frame_converter_set_output_size (c->converters[i],
            (rw == dw && rh == dh) ? 0 : w, (rw == dw && rh == dh) ? 0 : h,
            &cause);
      }
    } else {
      if (!check_distorted_sizes (c, error))
        return FALSE;
      for (i = 1; ok && i < c->n_inputs; i++)
        if (c->converters[i])
          ok = gst_vgg19_frame_converter_set_output_size (c->converters[i],
              0, 0, &cause);
      if (ok) {
        gst_vgg19_frame_converter_get_frame_size (c->converters[first], &dw,
            &dh);
        gst_vgg19_frame_converter_get_size (c->converters[first], &w, &h);
        ok = gst_vgg19_frame_converter_set_output_size (ref,
            (rw == dw && rh == dh) ? 0 : w, (rw == dw && rh == dh) ? 0 : h,
            &cause);
      }
    }
  }
  if (!ok) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "Cannot bring the inputs to one size: %s", cause->message);
    g_error_free (cause);
  }
  return ok;
}

/* "sink_1 80x60, sink_2 64x48": the distorted inputs whose format is
 * known. */
static gchar *
distorted_sizes (const GstVgg19FrameComparer * c)
{
  GString *s = g_string_new (NULL);
  guint i, w, h;

  for (i = 1; i < c->n_inputs; i++) {
    if (!c->converters[i])
      continue;
    gst_vgg19_frame_converter_get_frame_size (c->converters[i], &w, &h);
    g_string_append_printf (s, "%s%s %ux%u", s->len ? ", " : "",
        c->names[i], w, h);
  }
  return g_string_free (s, FALSE);
}

/* Whether every distorted input whose format is known has the
 * reference's frame size. */
static gboolean
all_sizes_equal (const GstVgg19FrameComparer * c, guint rw, guint rh)
{
  guint i, w, h;

  for (i = 1; i < c->n_inputs; i++) {
    if (!c->converters[i])
      continue;
    gst_vgg19_frame_converter_get_frame_size (c->converters[i], &w, &h);
    if (w != rw || h != rh)
      return FALSE;
  }
  return TRUE;
}

gchar *
gst_vgg19_frame_comparer_describe_sizes (const GstVgg19FrameComparer * c)
{
  GstVgg19FrameConverter *ref = c->converters[GST_VGG19_INPUT_REFERENCE];
  guint first = first_distorted (c);
  guint rw, rh, dw, dh, ow, oh;
  gchar *list, *text;

  if (!ref || !first)
    return NULL;
  gst_vgg19_frame_converter_get_frame_size (ref, &rw, &rh);
  gst_vgg19_frame_converter_get_frame_size (c->converters[first], &dw, &dh);
  gst_vgg19_frame_converter_get_size (ref, &ow, &oh);
  if (c->n_inputs == 2) {
    /* one distorted input */
    if (c->scale == GST_VGG19_SCALE_FIXED)
      return g_strdup_printf ("both inputs (reference %ux%u, distorted "
          "%ux%u) are scaled to scale-size %ux%u", rw, rh, dw, dh, ow, oh);
    if (c->resize != VGG19_RESIZE_NONE)
      return g_strdup_printf ("both inputs (reference %ux%u, distorted "
          "%ux%u) go through resize=%s to %ux%u", rw, rh, dw, dh,
          vgg19_resize_to_string (c->resize), ow, oh);
    if (rw == dw && rh == dh)
      return g_strdup_printf ("both inputs are compared at their size, "
          "%ux%u", rw, rh);
    if (c->scale == GST_VGG19_SCALE_REFERENCE)
      return g_strdup_printf ("the distorted frames (%ux%u) are scaled to "
          "the reference's size (%ux%u)", dw, dh, rw, rh);
    return g_strdup_printf ("the reference frames (%ux%u) are scaled to the "
        "distorted frames' size (%ux%u)", rw, rh, dw, dh);
  }

  list = distorted_sizes (c);
  if (c->scale == GST_VGG19_SCALE_FIXED)
    text = g_strdup_printf ("all inputs (reference %ux%u, %s) are scaled to "
        "scale-size %ux%u", rw, rh, list, ow, oh);
  else if (c->resize != VGG19_RESIZE_NONE)
    text = g_strdup_printf ("all inputs (reference %ux%u, %s) go through "
        "resize=%s to %ux%u", rw, rh, list,
        vgg19_resize_to_string (c->resize), ow, oh);
  else if (all_sizes_equal (c, rw, rh))
    text = g_strdup_printf ("all inputs are compared at their size, %ux%u",
        rw, rh);
  else if (c->scale == GST_VGG19_SCALE_REFERENCE)
    text = g_strdup_printf ("the distorted frames of another size are "
        "scaled to the reference's size (%ux%u): %s", rw, rh, list);
  else
    text = g_strdup_printf ("the reference frames (%ux%u) are scaled to the "
        "distorted frames' size (%ux%u)", rw, rh, dw, dh);
  g_free (list);
  return text;
}

gboolean
gst_vgg19_frame_comparer_set_format (GstVgg19FrameComparer * c,
    guint input, const GstVideoInfo * info, GError ** error)
{
  GError *cause = NULL;
  GstVgg19FrameConverter *conv;

  g_return_val_if_fail (input < c->n_inputs, FALSE);
  conv = gst_vgg19_frame_converter_new (info, c->resize, &cause);
  if (!conv) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "Cannot compare these %s frames (%s: %dx%d %s): %s", role (input),
        c->names[input], GST_VIDEO_INFO_WIDTH (info),
        GST_VIDEO_INFO_HEIGHT (info), GST_VIDEO_INFO_NAME (info),
        cause->message);
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
  if (input != GST_VGG19_INPUT_REFERENCE
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
convert (GstVgg19FrameComparer * c, guint input,
    const GstVideoFrame * frame, guint * width, guint * height,
    GError ** error)
{
  GstVgg19FrameConverter *conv = c->converters[input];
  GError *cause = NULL;
  gsize n;

  if (!conv) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "A %s frame (%s) arrived before its caps", role (input),
        c->names[input]);
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
        "Cannot analyse the %s frame (%s): %s", role (input),
        c->names[input], cause->message);
    g_error_free (cause);
    return FALSE;
  }
  return TRUE;
}

/* A failure of the comparer on a frame of @input. */
static void
analysis_error (const GstVgg19FrameComparer * c, const GError * cause,
    guint input, GError ** error)
{
  if (cause->domain == VGG19_ERROR && cause->code == VGG19_ERROR_NO_MEMORY)
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT,
        "Cannot analyse the %s frame (%s): %s", role (input),
        c->names[input], cause->message);
  else if (cause->domain == VGG19_ERROR
      && cause->code == VGG19_ERROR_INVALID_ARGUMENT)
    /* a size the network refuses */
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "Cannot prepare the network for the %s frame (%s): %s",
        role (input), c->names[input], cause->message);
  else
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
        "Cannot analyse the %s frame (%s): %s", role (input),
        c->names[input], cause->message);
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
    analysis_error (c, cause, GST_VGG19_INPUT_REFERENCE, error);
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
gst_vgg19_frame_comparer_compare (GstVgg19FrameComparer * c, guint input,
    const GstVideoFrame * frame, gdouble * values, GError ** error)
{
  GstVgg19FrameConverter *conv;
  GError *cause = NULL;
  guint width, height;

  g_return_val_if_fail (input > GST_VGG19_INPUT_REFERENCE
      && input < c->n_inputs, FALSE);
  conv = c->converters[input];
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
          "frame's (%s) %ux%u", c->reference_width, c->reference_height,
          c->names[input], width, height);
      return FALSE;
    }
  }
  if (!convert (c, input, frame, &width, &height, error))
    return FALSE;
  if (!vgg19_comparer_compare_stream (c->comparer, input - 1, c->input,
          width, height, values, &cause)) {
    analysis_error (c, cause, input, error);
    g_error_free (cause);
    return FALSE;
  }
  return TRUE;
}
