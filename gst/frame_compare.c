/* Two frames to the values of the perceptual metrics.
 *
 * One session serves both inputs: the reference frame runs first and its
 * activations at the metrics' taps are copied out (the next run overwrites
 * the session's outputs); each distorted frame then runs and is compared
 * with that copy. A reference frame that several distorted frames overlap
 * (a reference at a lower frame rate) thus runs once. The session
 * computes only up to the deepest tap the metrics use. */
#include <string.h>

#include "frame_compare.h"
#include "frame_convert.h"
#include "model_cache.h"

/* The activations of the reference frame at one tap. */
typedef struct
{
  Vgg19Tensor tensor;
  float *data;
  gsize n_values;
} SavedTap;

struct _GstVgg19FrameComparer
{
  Vgg19Model *model;
  Vgg19Session *session;
  Vgg19Resize resize;

  Vgg19Metric **metrics;
  guint n_metrics;
  gchar **taps;                 /* every tap of the metrics, once */
  guint n_taps;

  GstVgg19FrameConverter *converters[2];

  /* the session's plan: its input size, 0 x 0 before the first */
  guint plan_width;
  guint plan_height;
  float *input;

  /* the reference's activations, one per tap, for an input of
   * reference_width x reference_height */
  SavedTap *saved;
  gboolean have_reference;
  guint reference_width;
  guint reference_height;

  /* per metric, its reference and distorted tensors (scratch) */
  const Vgg19Tensor **ref_tensors;
  const Vgg19Tensor **dist_tensors;
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
load_model (const gchar * weights, GError ** error)
{
  GError *cause = NULL;
  Vgg19Model *model = NULL;
  gchar *path;
  const char *help;

  path = vgg19_weights_find (weights && *weights ? weights : NULL, &cause);
  if (path) {
    model = gst_vgg19_model_cache_acquire (path, &cause);
    g_free (path);
  }
  if (model)
    return model;

  /* whatever went wrong, the message says how to get the weights */
  help = vgg19_weights_help ();
  g_set_error (error, GST_RESOURCE_ERROR, resource_code (cause),
      "Could not load the VGG-19 weights: %s%s%s", cause->message,
      strstr (cause->message, help) ? "" : " ",
      strstr (cause->message, help) ? "" : help);
  g_error_free (cause);
  return NULL;
}

/* The union of the metrics' taps, in the order first named. */
static void
collect_taps (GstVgg19FrameComparer * c)
{
  GPtrArray *taps = g_ptr_array_new ();
  guint m, l, i;

  for (m = 0; m < c->n_metrics; m++) {
    for (l = 0; l < vgg19_metric_get_n_layers (c->metrics[m]); l++) {
      const char *tap = vgg19_metric_get_layer (c->metrics[m], l, NULL);
      gboolean seen = FALSE;

      for (i = 0; i < taps->len; i++)
        seen |= strcmp (g_ptr_array_index (taps, i), tap) == 0;
      if (!seen)
        g_ptr_array_add (taps, g_strdup (tap));
    }
  }
  c->n_taps = taps->len;
  g_ptr_array_add (taps, NULL);
  c->taps = (gchar **) g_ptr_array_free (taps, FALSE);
}

GstVgg19FrameComparer *
gst_vgg19_frame_comparer_new (const gchar * weights, guint threads,
    Vgg19Precision precision, Vgg19Resize resize, Vgg19Metric ** metrics,
    guint n_metrics, GError ** error)
{
  GstVgg19FrameComparer *c = g_new0 (GstVgg19FrameComparer, 1);
  GError *cause = NULL;
  guint m, max_layers = 0;

  c->metrics = metrics;
  c->n_metrics = n_metrics;
  c->resize = resize;
  for (m = 0; m < n_metrics; m++)
    max_layers = MAX (max_layers, vgg19_metric_get_n_layers (metrics[m]));
  c->ref_tensors = g_new0 (const Vgg19Tensor *, max_layers);
  c->dist_tensors = g_new0 (const Vgg19Tensor *, max_layers);
  collect_taps (c);

  c->model = load_model (weights, error);
  if (!c->model)
    goto fail;
  for (m = 0; m < n_metrics; m++) {
    if (!vgg19_metric_check (metrics[m],
            vgg19_model_get_arch (c->model), &cause)) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          "%s", cause->message);
      g_error_free (cause);
      goto fail;
    }
  }
  c->session = vgg19_session_new (c->model, threads, precision, &cause);
  if (!c->session) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "Cannot start the network: %s", cause->message);
    g_error_free (cause);
    goto fail;
  }
  c->saved = g_new0 (SavedTap, c->n_taps);
  return c;

fail:
  gst_vgg19_frame_comparer_free (c);
  return NULL;
}

void
gst_vgg19_frame_comparer_clear_reference (GstVgg19FrameComparer * c)
{
  c->have_reference = FALSE;
}

void
gst_vgg19_frame_comparer_free (GstVgg19FrameComparer * c)
{
  guint i;

  if (!c)
    return;
  for (i = 0; c->saved && i < c->n_taps; i++)
    g_free (c->saved[i].data);
  g_free (c->saved);
  for (i = 0; i < G_N_ELEMENTS (c->converters); i++)
    gst_vgg19_frame_converter_free (c->converters[i]);
  g_free (c->input);
  if (c->session)
    vgg19_session_free (c->session);
  gst_vgg19_model_cache_release (c->model);
  for (i = 0; i < c->n_metrics; i++)
    vgg19_metric_free (c->metrics[i]);
  g_free (c->metrics);
  g_strfreev (c->taps);
  g_free (c->ref_tensors);
  g_free (c->dist_tensors);
  g_free (c);
}

gchar *
gst_vgg19_frame_comparer_describe (const GstVgg19FrameComparer * c)
{
  return g_strdup_printf ("%s model (%s, %s) from %s, %u threads, %s "
      "kernels", vgg19_arch_name (vgg19_model_get_arch (c->model)),
      vgg19_model_get_format (c->model),
      vgg19_model_get_source_dtype (c->model),
      vgg19_model_get_path (c->model),
      vgg19_session_get_n_threads (c->session),
      vgg19_session_get_isa (c->session));
}

const gchar *
gst_vgg19_frame_comparer_get_weights (const GstVgg19FrameComparer * c)
{
  return vgg19_model_get_path (c->model);
}

guint
gst_vgg19_frame_comparer_get_n_metrics (const GstVgg19FrameComparer * c)
{
  return c->n_metrics;
}

const Vgg19Metric *
gst_vgg19_frame_comparer_get_metric (const GstVgg19FrameComparer * c,
    guint index)
{
  g_return_val_if_fail (index < c->n_metrics, NULL);
  return c->metrics[index];
}

guint
gst_vgg19_frame_comparer_get_n_values (const GstVgg19FrameComparer * c)
{
  guint m, n = 0;

  for (m = 0; m < c->n_metrics; m++)
    n += 1 + vgg19_metric_get_n_layers (c->metrics[m]);
  return n;
}

gchar **
gst_vgg19_frame_comparer_get_value_names (const GstVgg19FrameComparer * c)
{
  GPtrArray *names = g_ptr_array_new ();
  guint m, l;

  for (m = 0; m < c->n_metrics; m++) {
    const char *name = vgg19_metric_get_name (c->metrics[m]);

    g_ptr_array_add (names, g_strdup (name));
    for (l = 0; l < vgg19_metric_get_n_layers (c->metrics[m]); l++)
      g_ptr_array_add (names, g_strdup_printf ("%s_%s", name,
              vgg19_metric_get_layer (c->metrics[m], l, NULL)));
  }
  g_ptr_array_add (names, NULL);
  return (gchar **) g_ptr_array_free (names, FALSE);
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
  return TRUE;
}

/* Plans the session for inputs of @width x @height; the reference
 * activations of another size are no longer usable. */
static gboolean
ensure_plan (GstVgg19FrameComparer * c, guint width, guint height,
    GError ** error)
{
  GError *cause = NULL;

  if (c->plan_width == width && c->plan_height == height)
    return TRUE;
  c->plan_width = c->plan_height = 0;
  g_clear_pointer (&c->input, g_free);
  if (!vgg19_session_reshape (c->session, width, height,
          (const char *const *) c->taps, &cause)) {
    g_set_error (error, GST_RESOURCE_ERROR, resource_code (cause),
        "Cannot prepare the network for %ux%u inputs: %s", width, height,
        cause->message);
    g_error_free (cause);
    return FALSE;
  }
  /* reshape bounded width * height (VGG19_MAX_INPUT_PIXELS) */
  c->input = g_try_new (float, (gsize) 3 * width * height);
  if (!c->input) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT,
        "Cannot allocate the network input of %ux%u", width, height);
    return FALSE;
  }
  c->plan_width = width;
  c->plan_height = height;
  return TRUE;
}

/* Converts @frame of @input and runs the network on it. */
static gboolean
run_frame (GstVgg19FrameComparer * c, GstVgg19Input input,
    const GstVideoFrame * frame, GError ** error)
{
  GstVgg19FrameConverter *conv = c->converters[input];
  GError *cause = NULL;
  guint width, height;
  gboolean ok;

  if (!conv) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "A %s frame arrived before its caps", input_names[input]);
    return FALSE;
  }
  gst_vgg19_frame_converter_get_size (conv, &width, &height);
  if (!ensure_plan (c, width, height, error))
    return FALSE;
  ok = gst_vgg19_frame_converter_run (conv, frame, c->input, &cause)
      && vgg19_session_run (c->session, c->input, &cause);
  if (!ok) {
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
        "Cannot analyse the %s frame: %s", input_names[input], cause->message);
    g_error_free (cause);
  }
  return ok;
}

gboolean
gst_vgg19_frame_comparer_set_reference (GstVgg19FrameComparer * c,
    const GstVideoFrame * frame, GError ** error)
{
  guint i;

  c->have_reference = FALSE;
  if (!run_frame (c, GST_VGG19_INPUT_REFERENCE, frame, error))
    return FALSE;

  for (i = 0; i < c->n_taps; i++) {
    const Vgg19Tensor *t = vgg19_session_get_output (c->session, c->taps[i]);
    SavedTap *s = &c->saved[i];
    gsize n = (gsize) t->channels * t->height * t->width;

    if (n != s->n_values) {
      g_free (s->data);
      s->data = g_try_new (float, n);
      s->n_values = s->data ? n : 0;
      if (!s->data) {
        g_set_error (error, GST_RESOURCE_ERROR,
            GST_RESOURCE_ERROR_NO_SPACE_LEFT, "Cannot keep the reference's "
            "activations at %s (%ux%ux%u)", c->taps[i], t->channels,
            t->height, t->width);
        return FALSE;
      }
    }
    memcpy (s->data, t->data, n * sizeof (float));
    s->tensor = *t;
    s->tensor.name = c->taps[i];
    s->tensor.data = s->data;
  }
  c->reference_width = c->plan_width;
  c->reference_height = c->plan_height;
  c->have_reference = TRUE;
  return TRUE;
}

gboolean
gst_vgg19_frame_comparer_has_reference (const GstVgg19FrameComparer * c)
{
  return c->have_reference;
}

static const Vgg19Tensor *
saved_tensor (GstVgg19FrameComparer * c, const char *tap)
{
  guint i;

  for (i = 0; i < c->n_taps; i++)
    if (strcmp (c->taps[i], tap) == 0)
      return &c->saved[i].tensor;
  return NULL;
}

gboolean
gst_vgg19_frame_comparer_compare (GstVgg19FrameComparer * c,
    const GstVideoFrame * frame, gdouble * values, GError ** error)
{
  GstVgg19FrameConverter *conv = c->converters[GST_VGG19_INPUT_DISTORTED];
  GError *cause = NULL;
  guint width, height, m, l, k = 0;

  if (!c->have_reference) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "No reference frame to compare with");
    return FALSE;
  }
  if (conv) {
    gst_vgg19_frame_converter_get_size (conv, &width, &height);
    if (width != c->reference_width || height != c->reference_height) {
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
          "At native size (resize=none) both inputs must have the same "
          "size, but the reference is %ux%u and the distorted frame %ux%u: "
          "scale one of them (videoscale) or use resize=stretch",
          c->reference_width, c->reference_height, width, height);
      return FALSE;
    }
  }
  if (!run_frame (c, GST_VGG19_INPUT_DISTORTED, frame, error))
    return FALSE;

  for (m = 0; m < c->n_metrics; m++) {
    const Vgg19Metric *metric = c->metrics[m];
    guint n_layers = vgg19_metric_get_n_layers (metric);

    for (l = 0; l < n_layers; l++) {
      const char *tap = vgg19_metric_get_layer (metric, l, NULL);

      c->ref_tensors[l] = saved_tensor (c, tap);
      c->dist_tensors[l] = vgg19_session_get_output (c->session, tap);
    }
    if (!vgg19_metric_compute (metric, c->ref_tensors, c->dist_tensors,
            values + k + 1, values + k, &cause)) {
      g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
          "Cannot compute the %s metric: %s", vgg19_metric_get_name (metric),
          cause->message);
      g_error_free (cause);
      return FALSE;
    }
    k += 1 + n_layers;
  }
  return TRUE;
}
