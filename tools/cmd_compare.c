/* vgg19 compare: the perceptual loss between two images (the weighted sum
 * over some layers of the mean squared or absolute difference of their
 * activations), optionally the Gram-matrix style loss, or the same frame
 * by frame for two videos, pooled over the clip. The formulas are those
 * of include/vgg19/metric.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "image_input.h"
#include "json_write.h"
#include "video_compare.h"

typedef struct
{
  char *weights;
  char *layers;
  char *loss;
  char *style_layers;
  char *resize;
  char *log;
  char *log_format;
  int threads;
  char **images;
} CompareOptions;

/* The perceptual metric, and the style one when asked for. */
typedef struct
{
  Vgg19Metric *metrics[2];
  guint n_metrics;
} Metrics;

static void
metrics_clear (Metrics * m)
{
  guint i;

  for (i = 0; i < m->n_metrics; i++)
    vgg19_metric_free (m->metrics[i]);
  m->n_metrics = 0;
}

/* The taps of both metrics, each once, NULL-terminated. */
static char **
metrics_taps (const Metrics * m)
{
  GPtrArray *taps = g_ptr_array_new ();
  guint i, l, j;

  for (i = 0; i < m->n_metrics; i++)
    for (l = 0; l < vgg19_metric_get_n_layers (m->metrics[i]); l++) {
      const char *tap = vgg19_metric_get_layer (m->metrics[i], l, NULL);
      gboolean seen = FALSE;

      for (j = 0; j < taps->len; j++)
        seen = seen || strcmp (g_ptr_array_index (taps, j), tap) == 0;
      if (!seen)
        g_ptr_array_add (taps, g_strdup (tap));
    }
  g_ptr_array_add (taps, NULL);
  return (char **) g_ptr_array_free (taps, FALSE);
}

/* ------------------------------------------------------------------ */
/* Two images                                                           */
/* ------------------------------------------------------------------ */

/* The reference's activations, kept while the second image runs (the
 * session's outputs are overwritten by every run). */
typedef struct
{
  Vgg19Tensor *tensors;
  char **taps;
  guint n;
} SavedTaps;

static void
saved_taps_clear (SavedTaps * s)
{
  guint i;

  for (i = 0; i < s->n; i++)
    g_free ((float *) s->tensors[i].data);
  g_free (s->tensors);
  memset (s, 0, sizeof (*s));
}

static gboolean
save_taps (Vgg19Session * session, char **taps, SavedTaps * saved,
    GError ** error)
{
  guint n = g_strv_length (taps), i;

  saved->tensors = g_new0 (Vgg19Tensor, n);
  saved->taps = taps;
  saved->n = n;
  for (i = 0; i < n; i++) {
    const Vgg19Tensor *t = vgg19_session_get_output (session, taps[i]);
    /* Shapes were bounded by reshape, so this product cannot overflow. */
    gsize size = (gsize) t->channels * t->height * t->width;
    float *copy = g_try_new (float, size);

    if (copy == NULL) {
      g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
          "out of memory keeping the activations of '%s'", taps[i]);
      return FALSE;
    }
    memcpy (copy, t->data, size * sizeof (float));
    saved->tensors[i] = *t;
    saved->tensors[i].data = copy;
  }
  return TRUE;
}

static const Vgg19Tensor *
saved_tap (const SavedTaps * saved, const char *tap)
{
  guint i;

  for (i = 0; i < saved->n; i++)
    if (strcmp (saved->taps[i], tap) == 0)
      return &saved->tensors[i];
  return NULL;
}

/* @values holds, per metric, its total then its value at each layer. */
static gboolean
compute_metrics (const Metrics * m, Vgg19Session * session,
    const SavedTaps * saved, double *values, GError ** error)
{
  guint i, l, k = 0;

  for (i = 0; i < m->n_metrics; i++) {
    guint n = vgg19_metric_get_n_layers (m->metrics[i]);
    const Vgg19Tensor **ref = g_new0 (const Vgg19Tensor *, n);
    const Vgg19Tensor **dist = g_new0 (const Vgg19Tensor *, n);
    gboolean ok;

    for (l = 0; l < n; l++) {
      const char *tap = vgg19_metric_get_layer (m->metrics[i], l, NULL);

      ref[l] = saved_tap (saved, tap);
      dist[l] = vgg19_session_get_output (session, tap);
    }
    ok = vgg19_metric_compute (m->metrics[i], ref, dist, values + k + 1,
        values + k, error);
    g_free (ref);
    g_free (dist);
    if (!ok)
      return FALSE;
    k += 1 + n;
  }
  return TRUE;
}

/* "<metric>" and "<metric>_<layer>" for each value, as logs name them. */
static char **
value_names (const Metrics * m)
{
  GPtrArray *names = g_ptr_array_new ();
  guint i, l;

  for (i = 0; i < m->n_metrics; i++) {
    const char *name = vgg19_metric_get_name (m->metrics[i]);

    g_ptr_array_add (names, g_strdup (name));
    for (l = 0; l < vgg19_metric_get_n_layers (m->metrics[i]); l++)
      g_ptr_array_add (names, g_strdup_printf ("%s_%s", name,
              vgg19_metric_get_layer (m->metrics[i], l, NULL)));
  }
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

/* The same log as the element writes, with the one pair of images. */
static gboolean
write_image_log (const CompareOptions * o, const Metrics * m,
    Vgg19Resize resize, const char *weights_path, const double *values,
    GError ** error)
{
  Vgg19LogFormat format = VGG19_LOG_JSON;
  char **names = value_names (m);
  guint n = g_strv_length (names), i;
  Vgg19PooledScore *pooled = g_new0 (Vgg19PooledScore, n);
  GPtrArray *params = g_ptr_array_new_with_free_func (g_free);
  Vgg19ScoreLog *log;
  gboolean ok = FALSE;

  if (o->log_format)
    vgg19_log_format_from_string (o->log_format, &format, NULL);
  g_ptr_array_add (params, g_strdup ("weights"));
  g_ptr_array_add (params, g_strdup (weights_path));
  g_ptr_array_add (params, g_strdup ("resize"));
  g_ptr_array_add (params, g_strdup (vgg19_resize_to_string (resize)));
  g_ptr_array_add (params, g_strdup ("reference"));
  g_ptr_array_add (params, g_strdup (o->images[0]));
  g_ptr_array_add (params, g_strdup ("distorted"));
  g_ptr_array_add (params, g_strdup (o->images[1]));
  for (i = 0; i < m->n_metrics; i++) {
    g_ptr_array_add (params, g_strdup (vgg19_metric_get_name (m->metrics[i])));
    g_ptr_array_add (params, vgg19_metric_to_string (m->metrics[i]));
  }
  g_ptr_array_add (params, NULL);

  log = vgg19_score_log_new (o->log, format,
      (const char *const *) params->pdata, (const char *const *) names, error);
  if (log != NULL && vgg19_score_log_add_frame (log, 0, NAN, values, error)) {
    for (i = 0; i < n; i++) {
      Vgg19ScorePool *pool = vgg19_score_pool_new ();

      vgg19_score_pool_add (pool, values[i]);
      vgg19_score_pool_get (pool, &pooled[i]);
      vgg19_score_pool_free (pool);
    }
    ok = vgg19_score_log_finish (log, pooled, error);
  }
  vgg19_score_log_free (log);
  g_ptr_array_unref (params);
  g_free (pooled);
  g_strfreev (names);
  return ok;
}

/* {"loss": X, "layers": {"conv4_2": X, ...}} and, with a style metric,
 * "style": Y, "style_layers": {...}. */
static void
print_image_result (const Metrics * m, const double *values)
{
  GString *line = g_string_new ("{");
  guint i, l, k = 0;

  for (i = 0; i < m->n_metrics; i++) {
    const Vgg19Metric *metric = m->metrics[i];
    gboolean style = vgg19_metric_get_kind (metric) == VGG19_METRIC_GRAM;

    g_string_append (line, i ? ", " : "");
    g_string_append (line, style ? "\"style\": " : "\"loss\": ");
    json_append_double (line, values[k]);
    g_string_append (line, style ? ", \"style_layers\": {" : ", \"layers\": {");
    for (l = 0; l < vgg19_metric_get_n_layers (metric); l++) {
      if (l > 0)
        g_string_append (line, ", ");
      json_append_string (line, vgg19_metric_get_layer (metric, l, NULL));
      g_string_append (line, ": ");
      json_append_double (line, values[k + 1 + l]);
    }
    g_string_append (line, "}");
    k += 1 + vgg19_metric_get_n_layers (metric);
  }
  g_string_append (line, "}\n");
  fwrite (line->str, 1, line->len, stdout);
  fflush (stdout);
  g_string_free (line, TRUE);
}

static gboolean
compare_images (const CompareOptions * o, const Metrics * m,
    Vgg19Resize resize, const CliRgbImage * ref_rgb,
    const CliRgbImage * dist_rgb, GError ** error)
{
  const char *ref_path = o->images[0], *dist_path = o->images[1];
  Vgg19Model *model = NULL;
  Vgg19Session *session = NULL;
  Vgg19Preprocessor *pre = NULL;
  CliInput ref = { 0 }, dist = { 0 };
  SavedTaps saved = { 0 };
  char **taps = metrics_taps (m);
  double *values = NULL;
  gboolean ok = FALSE;
  guint n_values = 0, i;

  /* Both images are preprocessed before the weights are read so that a
   * bad image or a size mismatch is reported at once. */
  pre = vgg19_preprocessor_new (resize, 0, 0, error);
  if (pre == NULL
      || !cli_input_from_image (ref_path, ref_rgb, pre, &ref, error)
      || !cli_input_from_image (dist_path, dist_rgb, pre, &dist, error))
    goto done;
  if (ref.width != dist.width || ref.height != dist.height) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "'%s' is %ux%u but '%s' is %ux%u: with --resize %s both images "
        "must have the same size (--resize stretch brings both to 224x224)",
        ref_path, ref.image_width, ref.image_height, dist_path,
        dist.image_width, dist.image_height, vgg19_resize_to_string (resize));
    goto done;
  }

  model = cli_load_model (o->weights, error);
  if (model == NULL)
    goto done;
  session = cli_session_new (model, o->threads, VGG19_PRECISION_FP32, error);
  if (session == NULL)
    goto done;
  if (!vgg19_session_reshape (session, ref.width, ref.height,
          (const char *const *) taps, error))
    goto done;
  if (!vgg19_session_run (session, ref.data, error)
      || !save_taps (session, taps, &saved, error)
      || !vgg19_session_run (session, dist.data, error))
    goto done;

  for (i = 0; i < m->n_metrics; i++)
    n_values += 1 + vgg19_metric_get_n_layers (m->metrics[i]);
  values = g_new0 (double, n_values);
  if (!compute_metrics (m, session, &saved, values, error))
    goto done;
  if (o->log && !write_image_log (o, m, resize, vgg19_model_get_path (model),
          values, error))
    goto done;
  print_image_result (m, values);
  ok = TRUE;

done:
  g_free (values);
  saved_taps_clear (&saved);
  g_strfreev (taps);
  cli_input_clear (&ref);
  cli_input_clear (&dist);
  vgg19_preprocessor_free (pre);
  vgg19_session_free (session);
  vgg19_model_unref (model);
  return ok;
}

/* ------------------------------------------------------------------ */
/* Videos                                                               */
/* ------------------------------------------------------------------ */

/* One statistic of a pooled structure, as a JSON member. */
static void
append_stat (GString * line, const GstStructure * p, const char *field,
    const char *key)
{
  double v = NAN;

  gst_structure_get_double (p, field, &v);
  g_string_append_printf (line, "%s\"%s\": ", line->str[line->len - 1] ==
      '{' ? "" : ", ", key);
  json_append_double (line, v);
}

/* {"reference": ..., "distorted": ..., "frames_compared": N,
 *  "distorted_unpaired": N, "reference_dropped": N,
 *  "pooled_metrics": {"perceptual": {"min", "max", "mean",
 *  "harmonic_mean", "p5", "p95", "count"}, "perceptual_conv4_2": ...}} */
static void
print_video_result (const CompareOptions * o, const Metrics * m,
    const GstStructure * pooled)
{
  static const char *const counts[][2] = {
    {"frames-compared", "frames_compared"},
    {"distorted-unpaired", "distorted_unpaired"},
    {"reference-dropped", "reference_dropped"},
  };
  GString *line = g_string_new ("{\"reference\": ");
  char **names = value_names (m);
  guint i;

  json_append_string (line, o->images[0]);
  g_string_append (line, ", \"distorted\": ");
  json_append_string (line, o->images[1]);
  for (i = 0; i < G_N_ELEMENTS (counts); i++) {
    guint64 n = 0;

    gst_structure_get_uint64 (pooled, counts[i][0], &n);
    g_string_append_printf (line, ", \"%s\": %" G_GUINT64_FORMAT,
        counts[i][1], n);
  }
  g_string_append (line, ", \"pooled_metrics\": {");
  for (i = 0; names[i] != NULL; i++) {
    const GValue *v = gst_structure_get_value (pooled, names[i]);
    const GstStructure *p;
    guint64 count = 0;

    if (v == NULL || !GST_VALUE_HOLDS_STRUCTURE (v))
      continue;
    p = gst_value_get_structure (v);
    if (line->str[line->len - 1] != '{')
      g_string_append (line, ", ");
    json_append_string (line, names[i]);
    g_string_append (line, ": {");
    append_stat (line, p, "min", "min");
    append_stat (line, p, "max", "max");
    append_stat (line, p, "mean", "mean");
    append_stat (line, p, "harmonic-mean", "harmonic_mean");
    append_stat (line, p, "p5", "p5");
    append_stat (line, p, "p95", "p95");
    gst_structure_get_uint64 (p, "count", &count);
    g_string_append_printf (line, ", \"count\": %" G_GUINT64_FORMAT "}", count);
  }
  g_string_append (line, "}}\n");
  fwrite (line->str, 1, line->len, stdout);
  fflush (stdout);
  g_string_free (line, TRUE);
  g_strfreev (names);
}

static gboolean
compare_videos (const CompareOptions * o, const Metrics * m,
    Vgg19Resize resize, GError ** error)
{
  CliVideoCompareSettings s = { 0 };
  GstStructure *pooled;

  s.weights = o->weights;
  s.layers = o->layers;
  s.loss = vgg19_metric_get_criterion (m->metrics[0]);
  s.style_layers = o->style_layers;
  s.resize = resize;
  s.threads = (guint) o->threads;
  s.log_path = o->log;
  s.log_format = o->log_format;
  pooled = cli_video_compare (o->images[0], o->images[1], &s, error);
  if (pooled == NULL)
    return FALSE;
  print_video_result (o, m, pooled);
  gst_structure_free (pooled);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* The command                                                          */
/* ------------------------------------------------------------------ */

static gboolean
parse_metrics (const CompareOptions * o, Metrics * m, GError ** error)
{
  Vgg19Loss loss;

  if (!cli_parse_loss (o->loss, &loss, error))
    return FALSE;
  m->metrics[0] = cli_parse_metric ("--layers", "perceptual",
      VGG19_METRIC_FEATURE, o->layers != NULL ? o->layers : "conv4_2", loss,
      error);
  if (m->metrics[0] == NULL)
    return FALSE;
  m->n_metrics = 1;
  if (o->style_layers != NULL) {
    m->metrics[1] = cli_parse_metric ("--style-layers", "style",
        VGG19_METRIC_GRAM, o->style_layers, VGG19_LOSS_MSE, error);
    if (m->metrics[1] == NULL)
      return FALSE;
    m->n_metrics = 2;
  }
  return TRUE;
}

static gboolean
check_log_options (const CompareOptions * o, GError ** error)
{
  Vgg19LogFormat format;

  if (o->log_format == NULL)
    return TRUE;
  if (o->log == NULL) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
        "--log-format: give the log file with --log");
    return FALSE;
  }
  if (!vgg19_log_format_from_string (o->log_format, &format, NULL)) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
        "--log-format: unknown format '%s' (expected json or csv)",
        o->log_format);
    return FALSE;
  }
  return TRUE;
}

gboolean
cmd_compare (int argc, char **argv, GError ** error)
{
  CompareOptions o = { 0 };
  const GOptionEntry entries[] = {
    {"weights", 'w', 0, G_OPTION_ARG_FILENAME, &o.weights,
        "Weight file (.pth or .safetensors)", "FILE"},
    {"layers", 'l', 0, G_OPTION_ARG_STRING, &o.layers,
        "Layers of the perceptual loss, each with an optional weight "
          "(default conv4_2; e.g. relu1_2:1,relu2_2:0.5)", "L1[:W1],L2..."},
    {"loss", 0, 0, G_OPTION_ARG_STRING, &o.loss,
        "mse (default) or l1", "KIND"},
    {"style-layers", 0, 0, G_OPTION_ARG_STRING, &o.style_layers,
          "Also the style (Gram-matrix) loss at these layers, each with an "
          "optional weight (e.g. relu1_1,relu2_1,relu3_1,relu4_1,relu5_1)",
        "L1[:W1],L2..."},
    {"resize", 'r', 0, G_OPTION_ARG_STRING, &o.resize,
        "stretch (default: both to 224x224), crop, or none (the images' "
          "own size, which must then be the same)", "MODE"},
    {"log", 0, 0, G_OPTION_ARG_FILENAME, &o.log,
        "Write every frame's scores, then the pooled ones, to FILE "
          "(libvmaf-style JSON, or CSV)", "FILE"},
    {"log-format", 0, 0, G_OPTION_ARG_STRING, &o.log_format,
        "json (default) or csv", "FORMAT"},
    {"threads", 't', 0, G_OPTION_ARG_INT, &o.threads,
        "Worker threads (default 0: one per core)", "N"},
    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.images,
        NULL, NULL},
    {NULL}
  };
  GOptionContext *context;
  Metrics metrics = { {NULL} };
  CliRgbImage ref = { 0 }, dist = { 0 };
  gboolean ref_video = FALSE, dist_video = FALSE;
  Vgg19Resize resize;
  gboolean ok = FALSE;

  context = cli_option_context_new ("REF DIST",
      "Two images: prints {\"loss\": X, \"layers\": {\"conv4_2\": X, ...}}, "
      "per layer the mean squared (mse) or absolute (l1) difference of the "
      "images' activations, the loss their weighted sum (and \"style\", "
      "\"style_layers\" for --style-layers: the Gram-matrix loss of Gatys et "
      "al.). Two videos (or a video and a picture): compares them frame by "
      "frame, paired by time, and prints the pooled scores (min, max, mean, "
      "harmonic_mean, p5, p95 of every metric and layer); --log writes the "
      "scores of every frame.", entries);
  if (!cli_parse_options (context, "compare", &argc, &argv, error))
    goto done;
  if (o.images == NULL || g_strv_length (o.images) != 2) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
        "compare: expected two images or videos, REF and DIST (see 'vgg19 "
        "compare --help')");
    goto done;
  }
  if (!parse_metrics (&o, &metrics, error)
      || !cli_parse_resize (o.resize, VGG19_RESIZE_STRETCH, &resize, error)
      || !cli_check_threads (o.threads, error)
      || !check_log_options (&o, error))
    goto done;

  /* A file with more than one frame is a video. */
  if (!cli_image_load_first (o.images[0], &ref, &ref_video, error)
      || !cli_image_load_first (o.images[1], &dist, &dist_video, error))
    goto done;
  if (ref_video || dist_video) {
    cli_image_clear (&ref);
    cli_image_clear (&dist);
    ok = compare_videos (&o, &metrics, resize, error);
  } else {
    ok = compare_images (&o, &metrics, resize, &ref, &dist, error);
  }

done:
  g_option_context_free (context);
  metrics_clear (&metrics);
  cli_image_clear (&ref);
  cli_image_clear (&dist);
  g_free (o.weights);
  g_free (o.layers);
  g_free (o.loss);
  g_free (o.style_layers);
  g_free (o.resize);
  g_free (o.log);
  g_free (o.log_format);
  g_strfreev (o.images);
  return ok;
}
