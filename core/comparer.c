/* Metrics over pairs of images, with one network pass per image: the
 * reference runs first and its activations at the metrics' taps are
 * copied out (the next run overwrites the session's outputs); each
 * distorted image then runs and is compared with that copy. The session
 * computes only up to the deepest tap the metrics use. */
#include <vgg19/comparer.h>

#include <math.h>
#include <string.h>

#include "aligned.h"
#include "metric_private.h"
#include "preprocess.h"

/* One tap's activations kept from the reference. */
typedef struct
{
  const char *tap;              /* one of taps, or the "input" literal */
  Vgg19Tensor tensor;
  float *data;
  gsize n_values;
} SavedTap;

/* What the temporal values of one stream of distorted images keep from
 * its previous comparison. */
typedef struct
{
  SavedTap *previous_ref;
  SavedTap *previous_dist;
  gboolean have_previous;
  guint64 previous_serial;
} Stream;

struct _Vgg19Comparer
{
  Vgg19Model *model;
  Vgg19Session *session;
  Vgg19Metric **metrics;
  guint n_metrics;
  Vgg19InputScaling scaling;

  /* every tap of the metrics once, "input" aside */
  char **taps;
  gboolean uses_input;

  guint width, height;          /* of the plan, 0 before */
  float *scaled;                /* the network input, as the metrics want */
  float *rgb;                   /* the "input" tap: RGB in [0, 1] */
  Vgg19Tensor rgb_tensor;

  SavedTap *saved;              /* taps, then "input" when used */
  guint n_saved;
  gboolean have_reference;
  guint64 reference_serial;     /* counts set_reference() calls */

  /* temporal values: per stream, the previous comparison's images, kept
   * like saved (current_dist is scratch, swapped with a stream's
   * previous_dist) */
  gboolean temporal;
  Stream *streams;
  guint n_streams;
  SavedTap *current_dist;

  /* per metric, scratch */
  const Vgg19Tensor **ref_tensors;
  const Vgg19Tensor **dist_tensors;
};

static gboolean
is_input (const char *tap)
{
  return strcmp (tap, VGG19_METRIC_INPUT_TAP) == 0;
}

static void
collect_taps (Vgg19Comparer * c)
{
  GPtrArray *taps = g_ptr_array_new ();
  guint m, l, i;

  for (m = 0; m < c->n_metrics; m++)
    for (l = 0; l < vgg19_metric_get_n_layers (c->metrics[m]); l++) {
      const char *tap = vgg19_metric_get_layer (c->metrics[m], l, NULL);
      gboolean seen = FALSE;

      if (is_input (tap)) {
        c->uses_input = TRUE;
        continue;
      }
      for (i = 0; i < taps->len; i++)
        seen |= strcmp (g_ptr_array_index (taps, i), tap) == 0;
      if (!seen)
        g_ptr_array_add (taps, g_strdup (tap));
    }
  c->n_saved = taps->len + (c->uses_input ? 1 : 0);
  g_ptr_array_add (taps, NULL);
  c->taps = (char **) g_ptr_array_free (taps, FALSE);
}

char *
vgg19_comparer_find_weights (Vgg19Metric * const *metrics, guint n_metrics,
    const char *explicit_path, GError ** error)
{
  const Vgg19Metric *fixed = NULL;
  Vgg19Arch arch = VGG19_ARCH_VGG19, a;
  guint m;

  for (m = 0; m < n_metrics; m++) {
    if (!vgg19_metric_get_arch (metrics[m], &a))
      continue;
    if (fixed && a != arch) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
          "%s is defined on %s and %s on %s: they cannot share one network "
          "(compute them separately)", vgg19_metric_get_name (fixed),
          vgg19_arch_name (arch), vgg19_metric_get_name (metrics[m]),
          vgg19_arch_name (a));
      return NULL;
    }
    fixed = metrics[m];
    arch = a;
  }
  return vgg19_weights_find_arch (arch, explicit_path, error);
}

gboolean
vgg19_comparer_load_calibrations (Vgg19Metric * const *metrics,
    guint n_metrics, const char *explicit_path, GError ** error)
{
  guint m, needing = 0;

  for (m = 0; m < n_metrics; m++)
    needing += vgg19_metric_get_calibration_name (metrics[m]) != NULL;
  if (explicit_path && *explicit_path && needing != 1) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "a learned-weights file was named, but %u of the metrics need one: "
        "name it when exactly one does (the others are found in the cache "
        "directory or through $VGG19_LPIPS_WEIGHTS / $VGG19_DISTS_WEIGHTS)",
        needing);
    return FALSE;
  }
  for (m = 0; m < n_metrics; m++) {
    char *path;
    gboolean ok;

    if (vgg19_metric_get_calibration_name (metrics[m]) == NULL)
      continue;
    path = vgg19_metric_find_calibration (metrics[m], explicit_path, error);
    if (path == NULL)
      return FALSE;
    ok = vgg19_metric_load_calibration (metrics[m], path, error);
    g_free (path);
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

/* A classifier tap needs weights that have the classifier. */
static gboolean
check_classifier (Vgg19Model * model, const Vgg19Metric * metric,
    GError ** error)
{
  const char *const *names = vgg19_arch_tap_names (vgg19_model_get_arch
      (model), NULL);
  guint l, i, first_fc = 0;

  if (vgg19_model_has_classifier (model))
    return TRUE;
  while (names[first_fc] && strcmp (names[first_fc], "fc6") != 0)
    first_fc++;
  for (l = 0; l < vgg19_metric_get_n_layers (metric); l++) {
    const char *tap = vgg19_metric_get_layer (metric, l, NULL);

    for (i = first_fc; names[i]; i++)
      if (strcmp (names[i], tap) == 0) {
        g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
            "%s: layer \"%s\" belongs to the classifier, which %s does not "
            "have (perceptual metrics usually take the convolutional layers: "
            "conv*, relu*, pool*)", vgg19_metric_get_name (metric), tap,
            vgg19_model_get_path (model));
        return FALSE;
      }
  }
  return TRUE;
}

Vgg19Comparer *
vgg19_comparer_new (Vgg19Model * model, Vgg19Metric ** metrics,
    guint n_metrics, guint n_threads, Vgg19Precision precision,
    GError ** error)
{
  Vgg19Comparer *c = g_new0 (Vgg19Comparer, 1);
  Vgg19Arch arch = vgg19_model_get_arch (model);
  guint m, max_layers = 0;

  c->model = vgg19_model_ref (model);
  c->metrics = g_new0 (Vgg19Metric *, MAX (n_metrics, 1));
  for (m = 0; m < n_metrics; m++)
    c->metrics[m] = metrics[m];
  c->n_metrics = n_metrics;
  if (n_metrics == 0) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "no metric to compute");
    goto fail;
  }
  for (m = 0; m < n_metrics; m++) {
    const Vgg19Metric *first = metrics[0], *metric = metrics[m];

    if (!vgg19_metric_check (metric, arch, error)
        || !check_classifier (model, metric, error))
      goto fail;
    if (vgg19_metric_get_pooling (metric) != vgg19_metric_get_pooling (first)
        || vgg19_metric_get_input_scaling (metric) !=
        vgg19_metric_get_input_scaling (first)) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
          "%s (pooling %s, input %s) and %s (pooling %s, input %s) need "
          "different network passes: compute them separately",
          vgg19_metric_get_name (first),
          vgg19_pooling_to_string (vgg19_metric_get_pooling (first)),
          vgg19_input_scaling_to_string (vgg19_metric_get_input_scaling
              (first)), vgg19_metric_get_name (metric),
          vgg19_pooling_to_string (vgg19_metric_get_pooling (metric)),
          vgg19_input_scaling_to_string (vgg19_metric_get_input_scaling
              (metric)));
      goto fail;
    }
    max_layers = MAX (max_layers, vgg19_metric_get_n_layers (metric));
  }
  c->scaling = vgg19_metric_get_input_scaling (metrics[0]);
  collect_taps (c);
  c->saved = g_new0 (SavedTap, c->n_saved);
  c->ref_tensors = g_new0 (const Vgg19Tensor *, max_layers);
  c->dist_tensors = g_new0 (const Vgg19Tensor *, max_layers);
  c->n_streams = 1;
  c->streams = g_new0 (Stream, 1);

  c->session = vgg19_session_new (model, n_threads, precision, error);
  if (c->session == NULL
      || !vgg19_session_set_pooling (c->session,
          vgg19_metric_get_pooling (metrics[0]), error))
    goto fail;
  return c;

fail:
  vgg19_comparer_free (c);
  return NULL;
}

static void
free_stream (Vgg19Comparer * c, Stream * s)
{
  guint i;

  for (i = 0; i < c->n_saved; i++) {
    if (s->previous_ref)
      vgg19_free_floats (s->previous_ref[i].data);
    if (s->previous_dist)
      vgg19_free_floats (s->previous_dist[i].data);
  }
  g_free (s->previous_ref);
  g_free (s->previous_dist);
  memset (s, 0, sizeof (*s));
}

/* A stream's sets, when the temporal values need them. */
static void
init_stream (Vgg19Comparer * c, Stream * s)
{
  s->have_previous = FALSE;
  if (c->temporal && s->previous_ref == NULL) {
    s->previous_ref = g_new0 (SavedTap, c->n_saved);
    s->previous_dist = g_new0 (SavedTap, c->n_saved);
  }
}

/* No stream has a previous comparison any more. */
static void
forget_previous (Vgg19Comparer * c)
{
  guint i;

  for (i = 0; i < c->n_streams; i++)
    c->streams[i].have_previous = FALSE;
}

void
vgg19_comparer_free (Vgg19Comparer * c)
{
  guint i;

  if (c == NULL)
    return;
  for (i = 0; c->saved && i < c->n_saved; i++) {
    vgg19_free_floats (c->saved[i].data);
    if (c->current_dist)
      vgg19_free_floats (c->current_dist[i].data);
  }
  for (i = 0; i < c->n_streams; i++)
    free_stream (c, &c->streams[i]);
  g_free (c->streams);
  g_free (c->saved);
  g_free (c->current_dist);
  for (i = 0; i < c->n_metrics; i++)
    vgg19_metric_free (c->metrics[i]);
  g_free (c->metrics);
  g_strfreev (c->taps);
  g_free (c->ref_tensors);
  g_free (c->dist_tensors);
  vgg19_free_floats (c->scaled);
  vgg19_free_floats (c->rgb);
  vgg19_session_free (c->session);
  vgg19_model_unref (c->model);
  g_free (c);
}

Vgg19Model *
vgg19_comparer_get_model (const Vgg19Comparer * c)
{
  return c->model;
}

Vgg19Session *
vgg19_comparer_get_session (const Vgg19Comparer * c)
{
  return c->session;
}

guint
vgg19_comparer_get_n_metrics (const Vgg19Comparer * c)
{
  return c->n_metrics;
}

const Vgg19Metric *
vgg19_comparer_get_metric (const Vgg19Comparer * c, guint index)
{
  g_return_val_if_fail (index < c->n_metrics, NULL);
  return c->metrics[index];
}

void
vgg19_comparer_set_temporal (Vgg19Comparer * c, gboolean enable)
{
  guint i;

  c->temporal = enable;
  if (enable && c->current_dist == NULL)
    c->current_dist = g_new0 (SavedTap, c->n_saved);
  for (i = 0; i < c->n_streams; i++)
    init_stream (c, &c->streams[i]);
}

void
vgg19_comparer_set_n_streams (Vgg19Comparer * c, guint n_streams)
{
  guint i;

  g_return_if_fail (n_streams >= 1);
  for (i = n_streams; i < c->n_streams; i++)
    free_stream (c, &c->streams[i]);
  c->streams = g_renew (Stream, c->streams, n_streams);
  for (i = c->n_streams; i < n_streams; i++) {
    memset (&c->streams[i], 0, sizeof (Stream));
    init_stream (c, &c->streams[i]);
  }
  c->n_streams = n_streams;
}

guint
vgg19_comparer_get_n_streams (const Vgg19Comparer * c)
{
  return c->n_streams;
}

/* The metrics' values, without the temporal ones. */
static guint
n_metric_values (const Vgg19Comparer * c)
{
  guint m, n = 0;

  for (m = 0; m < c->n_metrics; m++)
    n += 1 + vgg19_metric_get_n_layers (c->metrics[m]);
  return n;
}

guint
vgg19_comparer_get_n_values (const Vgg19Comparer * c)
{
  return n_metric_values (c) + (c->temporal ? c->n_metrics : 0);
}

char **
vgg19_comparer_get_value_names (const Vgg19Comparer * c)
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
  for (m = 0; c->temporal && m < c->n_metrics; m++)
    g_ptr_array_add (names, g_strdup_printf ("%s_tlp",
            vgg19_metric_get_name (c->metrics[m])));
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

char **
vgg19_comparer_get_log_params (const Vgg19Comparer * c, GError ** error)
{
  const char *path = vgg19_model_get_path (c->model);
  char *sha = vgg19_file_sha256 (path, error);
  GPtrArray *p;
  guint m;

  if (sha == NULL)
    return NULL;
  p = g_ptr_array_new ();
  g_ptr_array_add (p, g_strdup ("network"));
  g_ptr_array_add (p, g_strdup_printf ("%s (torchvision configuration %s), "
          "%s pooling", vgg19_arch_name (vgg19_model_get_arch (c->model)),
          vgg19_model_get_arch (c->model) == VGG19_ARCH_VGG16 ? "D" : "E",
          vgg19_pooling_to_string (vgg19_session_get_pooling (c->session))));
  g_ptr_array_add (p, g_strdup ("weights"));
  g_ptr_array_add (p, g_strdup (path));
  g_ptr_array_add (p, g_strdup ("weights_sha256"));
  g_ptr_array_add (p, sha);
  g_ptr_array_add (p, g_strdup ("input"));
  g_ptr_array_add (p, g_strdup (c->scaling == VGG19_INPUT_SIGNED ?
          "RGB in [-1, 1] (2 v - 1), not normalised" :
          "RGB in [0, 1], normalised with the ImageNet mean (0.485, 0.456, "
          "0.406) and std (0.229, 0.224, 0.225)"));
  for (m = 0; m < c->n_metrics; m++) {
    g_ptr_array_add (p, g_strdup (vgg19_metric_get_name (c->metrics[m])));
    g_ptr_array_add (p, vgg19_metric_to_string (c->metrics[m]));
  }
  g_ptr_array_add (p, NULL);
  return (char **) g_ptr_array_free (p, FALSE);
}

/* Plans the session for @width x @height; a reference of another size is
 * no longer usable. */
static gboolean
ensure_plan (Vgg19Comparer * c, guint width, guint height, GError ** error)
{
  gsize n = (gsize) 3 * width * height;

  if (c->width == width && c->height == height)
    return TRUE;
  c->width = c->height = 0;
  c->have_reference = FALSE;
  forget_previous (c);
  g_clear_pointer (&c->scaled, vgg19_free_floats);
  g_clear_pointer (&c->rgb, vgg19_free_floats);
  if (!vgg19_session_reshape (c->session, width, height,
          (const char *const *) c->taps, error))
    return FALSE;
  /* reshape bounded width * height (VGG19_MAX_INPUT_PIXELS) */
  if (c->scaling != VGG19_INPUT_IMAGENET
      && (c->scaled = vgg19_alloc_floats (n, "the network input",
              error)) == NULL)
    return FALSE;
  if (c->uses_input
      && (c->rgb = vgg19_alloc_floats (n, "the input image", error)) == NULL)
    return FALSE;
  c->rgb_tensor.name = VGG19_METRIC_INPUT_TAP;
  c->rgb_tensor.channels = 3;
  c->rgb_tensor.height = height;
  c->rgb_tensor.width = width;
  c->rgb_tensor.data = c->rgb;
  c->width = width;
  c->height = height;
  return TRUE;
}

/* Runs the network on @input (ImageNet-normalised), rescaled first when
 * the metrics want another scaling, and fills the "input" tap. */
static gboolean
run (Vgg19Comparer * c, const float *input, guint width, guint height,
    GError ** error)
{
  const gsize plane = (gsize) width * height;
  const float *net_input = input;
  guint ch;
  gsize i;

  if (!ensure_plan (c, width, height, error))
    return FALSE;
  for (ch = 0; ch < 3; ch++) {
    const float mean = (float) vgg19_imagenet_mean[ch];
    const float std = (float) vgg19_imagenet_std[ch];
    const float *src = input + ch * plane;

    if (c->rgb)
      for (i = 0; i < plane; i++)
        c->rgb[ch * plane + i] = src[i] * std + mean;
    if (c->scaling == VGG19_INPUT_SIGNED)
      for (i = 0; i < plane; i++)
        c->scaled[ch * plane + i] = 2.0f * (src[i] * std + mean) - 1.0f;
  }
  if (c->scaling == VGG19_INPUT_SIGNED)
    net_input = c->scaled;
  return vgg19_session_run (c->session, net_input, error);
}

static const Vgg19Tensor *
current_tap (Vgg19Comparer * c, const char *tap)
{
  if (is_input (tap))
    return &c->rgb_tensor;
  return vgg19_session_get_output (c->session, tap);
}

static gboolean
save_tensor (SavedTap * s, const char *tap, const Vgg19Tensor * t,
    GError ** error)
{
  gsize n = (gsize) t->channels * t->height * t->width;

  if (n != s->n_values) {
    vgg19_free_floats (s->data);
    s->data = vgg19_alloc_floats (n, tap, error);
    s->n_values = s->data ? n : 0;
    if (s->data == NULL)
      return FALSE;
  }
  memcpy (s->data, t->data, n * sizeof (float));
  if (s->tap == NULL)
    s->tap = tap;
  s->tensor = *t;
  s->tensor.data = s->data;
  return TRUE;
}

static gboolean
save (Vgg19Comparer * c, SavedTap * s, const char *tap, GError ** error)
{
  return save_tensor (s, tap, current_tap (c, tap), error);
}

gboolean
vgg19_comparer_set_reference (Vgg19Comparer * c, const float *input,
    guint width, guint height, GError ** error)
{
  guint i, n_taps = g_strv_length (c->taps);

  c->have_reference = FALSE;
  if (!run (c, input, width, height, error))
    return FALSE;
  for (i = 0; i < n_taps; i++)
    if (!save (c, &c->saved[i], c->taps[i], error))
      return FALSE;
  if (c->uses_input
      && !save (c, &c->saved[n_taps], VGG19_METRIC_INPUT_TAP, error))
    return FALSE;
  c->have_reference = TRUE;
  c->reference_serial++;
  return TRUE;
}

gboolean
vgg19_comparer_has_reference (const Vgg19Comparer * c)
{
  return c->have_reference;
}

void
vgg19_comparer_clear_reference (Vgg19Comparer * c)
{
  c->have_reference = FALSE;
}

static const Vgg19Tensor *
find_tap (const SavedTap * set, guint n, const char *tap)
{
  guint i;

  for (i = 0; i < n; i++)
    if (set[i].tap && strcmp (set[i].tap, tap) == 0)
      return &set[i].tensor;
  return NULL;
}

static const Vgg19Tensor *
saved_tap (Vgg19Comparer * c, const char *tap)
{
  return find_tap (c->saved, c->n_saved, tap);
}

/* The tap names of the saved sets, in their order. */
static const char *
saved_name (const Vgg19Comparer * c, guint i)
{
  return i < g_strv_length (c->taps) ? c->taps[i] : VGG19_METRIC_INPUT_TAP;
}

/* Metric @metric between two saved sets. */
static gboolean
metric_between (Vgg19Comparer * c, const Vgg19Metric * metric,
    const SavedTap * a, const SavedTap * b, double *value, GError ** error)
{
  guint l, n_layers = vgg19_metric_get_n_layers (metric);

  for (l = 0; l < n_layers; l++) {
    const char *tap = vgg19_metric_get_layer (metric, l, NULL);

    c->ref_tensors[l] = find_tap (a, c->n_saved, tap);
    c->dist_tensors[l] = find_tap (b, c->n_saved, tap);
  }
  return vgg19_metric_compute (metric, c->ref_tensors, c->dist_tensors,
      NULL, value, error);
}

/* The temporal values of stream @s into @values (one per metric), then
 * the current pair becomes its previous one. */
static gboolean
temporal_values (Vgg19Comparer * c, Stream * s, double *values,
    GError ** error)
{
  guint m, i;

  /* the distorted image's activations, before the next run replaces them */
  for (i = 0; i < c->n_saved; i++)
    if (!save (c, &c->current_dist[i], saved_name (c, i), error))
      return FALSE;
  for (m = 0; m < c->n_metrics; m++) {
    double d_ref = 0.0, d_dist;

    values[m] = NAN;
    if (!s->have_previous)
      continue;
    /* the same reference image for both: no change on that side */
    if (s->previous_serial != c->reference_serial
        && !metric_between (c, c->metrics[m], s->previous_ref, c->saved,
            &d_ref, error))
      return FALSE;
    if (!metric_between (c, c->metrics[m], s->previous_dist,
            c->current_dist, &d_dist, error))
      return FALSE;
    values[m] = fabs (d_ref - d_dist);
  }
  for (i = 0; i < c->n_saved; i++) {
    SavedTap t = s->previous_dist[i];

    s->previous_dist[i] = c->current_dist[i];
    c->current_dist[i] = t;
    if (s->previous_serial != c->reference_serial
        && !save_tensor (&s->previous_ref[i], saved_name (c, i),
            &c->saved[i].tensor, error))
      return FALSE;
  }
  s->previous_serial = c->reference_serial;
  s->have_previous = TRUE;
  return TRUE;
}

gboolean
vgg19_comparer_compare (Vgg19Comparer * c, const float *input, guint width,
    guint height, double *values, GError ** error)
{
  return vgg19_comparer_compare_stream (c, 0, input, width, height, values,
      error);
}

gboolean
vgg19_comparer_compare_stream (Vgg19Comparer * c, guint stream,
    const float *input, guint width, guint height, double *values,
    GError ** error)
{
  guint m, l, k = 0;

  if (stream >= c->n_streams) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "stream %u of a comparer of %u streams", stream, c->n_streams);
    return FALSE;
  }
  if (!c->have_reference) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "no reference image to compare with");
    return FALSE;
  }
  if (width != c->width || height != c->height) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "the reference's network input is %ux%u but the distorted image's "
        "is %ux%u: both must have the same size", c->width, c->height,
        width, height);
    return FALSE;
  }
  if (!run (c, input, width, height, error))
    return FALSE;
  for (m = 0; m < c->n_metrics; m++) {
    const Vgg19Metric *metric = c->metrics[m];
    guint n_layers = vgg19_metric_get_n_layers (metric);

    for (l = 0; l < n_layers; l++) {
      const char *tap = vgg19_metric_get_layer (metric, l, NULL);

      c->ref_tensors[l] = saved_tap (c, tap);
      c->dist_tensors[l] = current_tap (c, tap);
    }
    if (!vgg19_metric_compute (metric, c->ref_tensors, c->dist_tensors,
            values + k + 1, values + k, error))
      return FALSE;
    k += 1 + n_layers;
  }
  if (c->temporal
      && !temporal_values (c, &c->streams[stream], values + k, error)) {
    c->streams[stream].have_previous = FALSE;
    return FALSE;
  }
  return TRUE;
}
