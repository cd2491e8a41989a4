/* vgg19 compare: the perceptual loss between two images (the weighted sum
 * over some layers of the mean squared or absolute difference of their
 * activations), optionally the Gram-matrix style loss, or the same frame
 * by frame for two videos, pooled over the clip. The formulas are those
 * of include/vgg19/metric.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <vgg19/comparer.h>

#include "cli.h"
#include "image_input.h"
#include "json_write.h"
#include "video_compare.h"

typedef struct
{
  char *weights;
  char *metric;
  char *calibration;
  char *layers;
  char *loss;
  char *reduction;
  char *feature_norm;
  char *style_layers;
  char *gram_norm;
  char *style_reduction;
  char *scale;
  char *scale_size;
  char *sync_mode;
  char *eof_action;
  guint scale_width;            /* --scale fixed: --scale-size, else 0 */
  guint scale_height;
  char *resize;
  char *log;
  char *log_format;
  int threads;
  char **images;
} CompareOptions;

/* The metrics of --metric. */
typedef struct
{
  Vgg19Metric **metrics;
  guint n_metrics;
  gboolean temporal;            /* "tlp" was listed */
} Metrics;

static void
metrics_clear (Metrics * m)
{
  guint i;

  for (i = 0; i < m->n_metrics; i++)
    vgg19_metric_free (m->metrics[i]);
  g_clear_pointer (&m->metrics, g_free);
  m->n_metrics = 0;
}

/* ------------------------------------------------------------------ */
/* Two images                                                           */
/* ------------------------------------------------------------------ */

/* The same log as the element writes, with the one pair of images. */
static gboolean
write_image_log (const CompareOptions * o, const Vgg19Comparer * comparer,
    Vgg19Resize resize, const double *values, GError ** error)
{
  Vgg19LogFormat format = VGG19_LOG_JSON;
  char **names = vgg19_comparer_get_value_names (comparer);
  guint n = g_strv_length (names), i;
  Vgg19PooledScore *pooled = g_new0 (Vgg19PooledScore, n);
  GPtrArray *params = g_ptr_array_new_with_free_func (g_free);
  char **header;
  Vgg19ScoreLog *log = NULL;
  gboolean ok = FALSE;

  if (o->log_format)
    vgg19_log_format_from_string (o->log_format, &format, NULL);
  header = vgg19_comparer_get_log_params (comparer, error);
  if (header == NULL)
    goto done;
  for (i = 0; header[i] != NULL; i++)
    g_ptr_array_add (params, header[i]);
  g_free (header);
  g_ptr_array_add (params, g_strdup ("resize"));
  g_ptr_array_add (params, g_strdup (vgg19_resize_to_string (resize)));
  g_ptr_array_add (params, g_strdup ("reference"));
  g_ptr_array_add (params, g_strdup (o->images[0]));
  g_ptr_array_add (params, g_strdup ("distorted"));
  g_ptr_array_add (params, g_strdup (o->images[1]));
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
    {
      static const char *const counts[] = { "frames_compared", NULL };
      const double one = 1;

      ok = vgg19_score_log_finish (log, pooled, counts, &one, error);
    }
  }
done:
  vgg19_score_log_free (log);
  g_ptr_array_unref (params);
  g_free (pooled);
  g_strfreev (names);
  return ok;
}

/* {"loss": X, "layers": {"conv4_2": X, ...}} for the generic perceptual
 * metric, "style": Y, "style_layers": {...} for the style one, and
 * "<preset>": Z, "<preset>_layers": {...} for each preset. */
static void
print_image_result (const Vgg19Comparer * comparer, const double *values)
{
  GString *line = g_string_new ("{");
  guint i, l, k = 0;

  for (i = 0; i < vgg19_comparer_get_n_metrics (comparer); i++) {
    const Vgg19Metric *metric = vgg19_comparer_get_metric (comparer, i);
    const char *name = vgg19_metric_get_name (metric);
    char *key, *layers_key;

    if (vgg19_metric_get_preset (metric) == NULL
        && strcmp (name, "perceptual") == 0) {
      key = g_strdup ("loss");
      layers_key = g_strdup ("layers");
    } else {
      key = g_strdup (name);
      layers_key = g_strdup_printf ("%s_layers", name);
    }
    g_string_append (line, i ? ", " : "");
    json_append_string (line, key);
    g_string_append (line, ": ");
    json_append_double (line, values[k]);
    g_string_append (line, ", ");
    json_append_string (line, layers_key);
    g_string_append (line, ": {");
    for (l = 0; l < vgg19_metric_get_n_layers (metric); l++) {
      if (l > 0)
        g_string_append (line, ", ");
      json_append_string (line, vgg19_metric_get_layer (metric, l, NULL));
      g_string_append (line, ": ");
      json_append_double (line, values[k + 1 + l]);
    }
    g_string_append (line, "}");
    k += 1 + vgg19_metric_get_n_layers (metric);
    g_free (key);
    g_free (layers_key);
  }
  g_string_append (line, "}\n");
  fwrite (line->str, 1, line->len, stdout);
  fflush (stdout);
  g_string_free (line, TRUE);
}

/* The weights for the metrics, their learned weights, and the comparer,
 * which takes the metrics. */
static Vgg19Comparer *
make_comparer (const CompareOptions * o, Metrics * m, GError ** error)
{
  Vgg19Model *model;
  Vgg19Comparer *comparer;
  char *path;

  if (!vgg19_comparer_load_calibrations (m->metrics, m->n_metrics,
          o->calibration, error))
    return NULL;
  path = vgg19_comparer_find_weights (m->metrics, m->n_metrics, o->weights,
      error);
  if (path == NULL)
    return NULL;
  model = vgg19_model_load (path, error);
  g_free (path);
  if (model == NULL)
    return NULL;
  comparer = vgg19_comparer_new (model, m->metrics, m->n_metrics,
      (guint) o->threads, VGG19_PRECISION_FP32, error);
  /* the comparer took the metrics, whether it was made or not */
  m->n_metrics = 0;
  vgg19_model_unref (model);
  return comparer;
}

static gboolean
compare_images (const CompareOptions * o, Metrics * m, Vgg19Resize resize,
    const CliRgbImage * ref_rgb, const CliRgbImage * dist_rgb,
    GError ** error)
{
  const char *ref_path = o->images[0], *dist_path = o->images[1];
  Vgg19Comparer *comparer = NULL;
  Vgg19Preprocessor *pre = NULL;
  CliInput ref = { 0 }, dist = { 0 };
  double *values = NULL;
  gboolean ok = FALSE;

  /* Both images are preprocessed before the weights are read so that a
   * bad image is reported at once; images of different sizes meet as
   * --scale says, as in the element. */
  pre = vgg19_preprocessor_new (resize, 0, 0, error);
  if (pre == NULL
      || (o->scale_width != 0 && !vgg19_preprocessor_set_output_size (pre,
              o->scale_width, o->scale_height, error))
      || !cli_input_from_image (ref_path, ref_rgb, pre, &ref, error)
      || !cli_input_from_image (dist_path, dist_rgb, pre, &dist, error))
    goto done;
  if (ref.width != dist.width || ref.height != dist.height) {
    gboolean to_ref = g_strcmp0 (o->scale, "distorted") != 0;
    guint w = to_ref ? ref.width : dist.width;
    guint h = to_ref ? ref.height : dist.height;

    if (!vgg19_preprocessor_set_output_size (pre, w, h, error))
      goto done;
    cli_input_clear (to_ref ? &dist : &ref);
    if (!cli_input_from_image (to_ref ? dist_path : ref_path,
            to_ref ? dist_rgb : ref_rgb, pre, to_ref ? &dist : &ref, error))
      goto done;
    /* never silent */
    fprintf (stderr, "vgg19: '%s' (%ux%u) is scaled to the size of '%s' "
        "(%ux%u)\n", to_ref ? dist_path : ref_path,
        to_ref ? dist.image_width : ref.image_width,
        to_ref ? dist.image_height : ref.image_height,
        to_ref ? ref_path : dist_path, w, h);
  }

  comparer = make_comparer (o, m, error);
  if (comparer == NULL)
    goto done;
  values = g_new0 (double, vgg19_comparer_get_n_values (comparer));
  if (!vgg19_comparer_set_reference (comparer, ref.data, ref.width,
          ref.height, error)
      || !vgg19_comparer_compare (comparer, dist.data, dist.width,
          dist.height, values, error))
    goto done;
  if (o->log && !write_image_log (o, comparer, resize, values, error))
    goto done;
  print_image_result (comparer, values);
  ok = TRUE;

done:
  g_free (values);
  cli_input_clear (&ref);
  cli_input_clear (&dist);
  vgg19_preprocessor_free (pre);
  vgg19_comparer_free (comparer);
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
  for (i = 0; m->temporal && i < m->n_metrics; i++)
    g_ptr_array_add (names, g_strdup_printf ("%s_tlp",
            vgg19_metric_get_name (m->metrics[i])));
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
}

/* {"reference": ..., "distorted": ..., "frames_compared": N,
 *  "distorted_unpaired": N, "reference_dropped": N,
 *  "pooled_metrics": {"perceptual": {"min", "max", "mean",
 *  "harmonic_mean", "median", "p1", "p5", "p10", "p25", "p95", "stddev",
 *  "count"}, "perceptual_conv4_2": ...}} */
static void
print_video_result (const CompareOptions * o, const Metrics * m,
    const GstStructure * pooled)
{
  static const char *const counts[][2] = {
    {"frames-compared", "frames_compared"},
    {"distorted-unpaired", "distorted_unpaired"},
    {"reference-dropped", "reference_dropped"},
    {"reference-duplicated", "reference_duplicated"},
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
    append_stat (line, p, "median", "median");
    append_stat (line, p, "p1", "p1");
    append_stat (line, p, "p5", "p5");
    append_stat (line, p, "p10", "p10");
    append_stat (line, p, "p25", "p25");
    append_stat (line, p, "p95", "p95");
    append_stat (line, p, "stddev", "stddev");
    gst_structure_get_uint64 (p, "count", &count);
    g_string_append_printf (line, ", \"count\": %" G_GUINT64_FORMAT "}", count);
  }
  g_string_append (line, "}, \"worst_frames\": {");
  for (i = 0; names[i] != NULL; i++) {
    char *field = g_strdup_printf ("%s-worst", names[i]);
    const GValue *v = gst_structure_get_value (pooled, field);
    guint k;

    g_free (field);
    if (v == NULL || !GST_VALUE_HOLDS_ARRAY (v))
      continue;
    if (line->str[line->len - 1] != '{')
      g_string_append (line, ", ");
    json_append_string (line, names[i]);
    g_string_append (line, ": [");
    for (k = 0; k < gst_value_array_get_size (v); k++) {
      const GstStructure *w =
          gst_value_get_structure (gst_value_array_get_value (v, k));
      guint64 frame = 0, ts = GST_CLOCK_TIME_NONE;
      double value = NAN;

      gst_structure_get_uint64 (w, "frame", &frame);
      gst_structure_get_uint64 (w, "timestamp", &ts);
      gst_structure_get_double (w, "value", &value);
      g_string_append_printf (line, "%s{\"frame\": %" G_GUINT64_FORMAT
          ", \"pts\": ", k ? ", " : "", frame);
      json_append_double (line, GST_CLOCK_TIME_IS_VALID (ts) ?
          (double) ts / GST_SECOND : NAN);
      g_string_append (line, ", \"value\": ");
      json_append_double (line, value);
      g_string_append (line, "}");
    }
    g_string_append (line, "]");
  }
  g_string_append (line, "}");
  if (gst_structure_get_string (pooled, "sizes")) {
    g_string_append (line, ", \"sizes\": ");
    json_append_string (line, gst_structure_get_string (pooled, "sizes"));
  }
  g_string_append (line, "}\n");
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
  s.metric = o->metric;
  s.calibration = o->calibration;
  s.layers = o->layers;
  s.loss = o->loss;
  s.reduction = o->reduction;
  s.feature_norm = o->feature_norm;
  s.style_layers = o->style_layers;
  s.gram_norm = o->gram_norm;
  s.style_reduction = o->style_reduction;
  s.scale = o->scale;
  s.scale_size = o->scale_size;
  s.sync_mode = o->sync_mode;
  s.eof_action = o->eof_action;
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

/* An enumerated option's value, or @fallback when not given. */
static gboolean
parse_named (const char *option, const char *text, int fallback,
    gboolean (*parse) (const char *, int *, GError **), int *out,
    GError ** error)
{
  GError *cause = NULL;

  *out = fallback;
  if (text == NULL)
    return TRUE;
  if (parse (text, out, &cause))
    return TRUE;
  g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE, "%s: %s", option,
      cause->message);
  g_error_free (cause);
  return FALSE;
}

static gboolean
parse_reduction (const char *t, int *out, GError ** error)
{
  return vgg19_reduction_from_string (t, (Vgg19Reduction *) out, error);
}

static gboolean
parse_feature_norm (const char *t, int *out, GError ** error)
{
  return vgg19_feature_norm_from_string (t, (Vgg19FeatureNorm *) out, error);
}

static gboolean
parse_gram_norm (const char *t, int *out, GError ** error)
{
  return vgg19_gram_norm_from_string (t, (Vgg19GramNorm *) out, error);
}

static gboolean
parse_metrics (const CompareOptions * o, Metrics * m, GError ** error)
{
  Vgg19GenericSettings g = { 0 };
  const char *layers = o->layers != NULL ? o->layers : "conv4_2";
  const char *setting = "metric";
  Vgg19Metric *check;
  GError *cause = NULL;
  int reduction, feature_norm, gram_norm, style_reduction;

  if (!cli_parse_loss (o->loss, &g.criterion, error)
      || !parse_named ("--reduction", o->reduction, VGG19_REDUCTION_MEAN,
          parse_reduction, &reduction, error)
      || !parse_named ("--feature-norm", o->feature_norm,
          VGG19_FEATURE_NORM_NONE, parse_feature_norm, &feature_norm, error)
      || !parse_named ("--gram-norm", o->gram_norm, VGG19_GRAM_NORM_GATYS,
          parse_gram_norm, &gram_norm, error)
      || !parse_named ("--style-reduction", o->style_reduction,
          VGG19_REDUCTION_SUM, parse_reduction, &style_reduction, error))
    return FALSE;
  /* the layer lists' names, as usage errors */
  check = cli_parse_metric ("--layers", "perceptual", VGG19_METRIC_FEATURE,
      layers, g.criterion, error);
  if (check == NULL)
    return FALSE;
  vgg19_metric_free (check);
  if (o->style_layers != NULL) {
    check = cli_parse_metric ("--style-layers", "style", VGG19_METRIC_GRAM,
        o->style_layers, VGG19_LOSS_MSE, error);
    if (check == NULL)
      return FALSE;
    vgg19_metric_free (check);
  }
  g.layers = layers;
  g.reduction = reduction;
  g.feature_norm = feature_norm;
  g.style_layers = o->style_layers;
  g.gram_norm = gram_norm;
  g.style_reduction = style_reduction;
  m->metrics = vgg19_metric_list_new (o->metric ? o->metric : "custom", &g,
      &m->n_metrics, &m->temporal, &setting, &cause);
  if (m->metrics == NULL) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE, "--%s: %s", setting,
        cause->message);
    g_error_free (cause);
    return FALSE;
  }
  return TRUE;
}

/* @text is one of the NULL-terminated @names (or not given). */
static gboolean
check_choice (const char *option, const char *text,
    const char *const *names, GError ** error)
{
  char *list;

  if (text == NULL || g_strv_contains (names, text))
    return TRUE;
  list = g_strjoinv (", ", (char **) names);
  g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
      "%s: unknown value '%s' (expected %s)", option, text, list);
  g_free (list);
  return FALSE;
}

static gboolean
check_pairing_options (CompareOptions * o, GError ** error)
{
  static const char *const scales[] = { "reference", "distorted", "fixed",
    NULL
  };
  static const char *const syncs[] = { "running-time", "index", NULL };
  static const char *const eofs[] = { "shortest", "repeat", "pass", NULL };
  guint64 w = 0, h = 0;

  if (!check_choice ("--scale", o->scale, scales, error)
      || !check_choice ("--sync-mode", o->sync_mode, syncs, error)
      || !check_choice ("--eof-action", o->eof_action, eofs, error))
    return FALSE;
  if (o->scale_size != NULL) {
    char **parts = g_strsplit (o->scale_size, "x", -1);
    gboolean ok = g_strv_length (parts) == 2
        && g_ascii_string_to_unsigned (parts[0], 10, VGG19_MIN_INPUT_SIDE,
        VGG19_MAX_INPUT_SIDE, &w, NULL)
        && g_ascii_string_to_unsigned (parts[1], 10, VGG19_MIN_INPUT_SIDE,
        VGG19_MAX_INPUT_SIDE, &h, NULL);

    g_strfreev (parts);
    if (!ok) {
      g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
          "--scale-size: '%s' is not WIDTHxHEIGHT with sides of %u to %u",
          o->scale_size, VGG19_MIN_INPUT_SIDE, VGG19_MAX_INPUT_SIDE);
      return FALSE;
    }
  }
  if (g_strcmp0 (o->scale, "fixed") == 0) {
    o->scale_width = o->scale_size ? (guint) w : 224;
    o->scale_height = o->scale_size ? (guint) h : 224;
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
        "--log-format: unknown format '%s' (expected json, csv or xml)",
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
          "Weight file (.pth or .safetensors; default: that of the network "
          "of the presets asked for, " VGG16_OFFICIAL_WEIGHTS_NAME
          " for lpips-vgg and dists)", "FILE"},
    {"metric", 'm', 0, G_OPTION_ARG_STRING, &o.metric,
          "Metrics, comma-separated: custom (default: the options below) "
          "and the presets lpips-vgg, dists, esrgan, realesrgan, edsr-vgg22, "
          "edsr-vgg54, srgan-vgg54, pix2pixhd, gatys-style (see the README "
          "for their formulas)", "M1,M2..."},
    {"calibration", 0, 0, G_OPTION_ARG_FILENAME, &o.calibration,
          "Learned weights of lpips-vgg (LPIPS' v0.1 vgg.pth) or dists "
          "(DISTS' weights.pt); default: $VGG19_LPIPS_WEIGHTS / "
          "$VGG19_DISTS_WEIGHTS, then the cache where weights/fetch puts "
          "them", "FILE"},
    {"layers", 'l', 0, G_OPTION_ARG_STRING, &o.layers,
        "Layers of the perceptual loss, each with an optional weight "
          "(default conv4_2; e.g. relu1_2:1,relu2_2:0.5)", "L1[:W1],L2..."},
    {"loss", 0, 0, G_OPTION_ARG_STRING, &o.loss,
        "mse (default), l1 or sse (sum of squares)", "KIND"},
    {"reduction", 0, 0, G_OPTION_ARG_STRING, &o.reduction,
          "mean (default: over C*H*W), channel-sum (sum over channels of "
          "the mean over positions) or sum", "R"},
    {"feature-norm", 0, 0, G_OPTION_ARG_STRING, &o.feature_norm,
          "none (default) or unit (channel vectors divided by their norm + "
          "1e-10, as LPIPS)", "N"},
    {"style-layers", 0, 0, G_OPTION_ARG_STRING, &o.style_layers,
          "Also the style (Gram-matrix) loss at these layers, each with an "
          "optional weight (e.g. relu1_1,relu2_1,relu3_1,relu4_1,relu5_1)",
        "L1[:W1],L2..."},
    {"scale", 0, 0, G_OPTION_ARG_STRING, &o.scale,
          "Videos at native size (--resize none) of different sizes: "
          "reference (default: the distorted frames to the reference's "
          "size), distorted (the reference to the distorted size) or fixed "
          "(both to --scale-size)", "POLICY"},
    {"scale-size", 0, 0, G_OPTION_ARG_STRING, &o.scale_size,
        "The size of --scale fixed (default 224x224)", "WxH"},
    {"sync-mode", 0, 0, G_OPTION_ARG_STRING, &o.sync_mode,
          "Videos: running-time (default: frames pair by time) or index "
          "(the n-th with the n-th)", "MODE"},
    {"eof-action", 0, 0, G_OPTION_ARG_STRING, &o.eof_action,
          "Videos, when the reference ends first: shortest (default: stop), "
          "repeat (its last frame for the rest) or pass (the rest without "
          "scores)", "ACTION"},
    {"gram-norm", 0, 0, G_OPTION_ARG_STRING, &o.gram_norm,
          "What the style loss divides x x^T by: gatys (default, 2 C H W), "
          "none, hw or chw", "N"},
    {"style-reduction", 0, 0, G_OPTION_ARG_STRING, &o.style_reduction,
          "sum (default), mean or channel-sum of the squared Gram "
          "differences", "R"},
    {"resize", 'r', 0, G_OPTION_ARG_STRING, &o.resize,
        "stretch (default: both to 224x224), crop, or none (the images' "
          "own size, which must then be the same)", "MODE"},
    {"log", 0, 0, G_OPTION_ARG_FILENAME, &o.log,
        "Write every frame's scores, then the pooled ones, to FILE "
          "(libvmaf's JSON, CSV or XML, with a header recording the weights' "
          "SHA-256 and every setting)", "FILE"},
    {"log-format", 0, 0, G_OPTION_ARG_STRING, &o.log_format,
        "json (default), csv or xml", "FORMAT"},
    {"threads", 't', 0, G_OPTION_ARG_INT, &o.threads,
        "Worker threads (default 0: one per core)", "N"},
    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.images,
        NULL, NULL},
    {NULL}
  };
  GOptionContext *context;
  Metrics metrics = { NULL, 0, FALSE };
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
      "harmonic_mean, median, p1, p5, p10, p25, p95, stddev of every metric "
      "and layer); --log writes the scores of every frame. --metric picks "
      "published metrics by name; each gives \"<name>\" and "
      "\"<name>_layers\".", entries);
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
      || !check_log_options (&o, error)
      || !check_pairing_options (&o, error))
    goto done;

  /* A file with more than one frame is a video. */
  if (!cli_image_load_first (o.images[0], &ref, &ref_video, error)
      || !cli_image_load_first (o.images[1], &dist, &dist_video, error))
    goto done;
  if (ref_video || dist_video) {
    cli_image_clear (&ref);
    cli_image_clear (&dist);
    ok = compare_videos (&o, &metrics, resize, error);
  } else if (metrics.temporal) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
        "--metric: tlp (temporal values) needs two videos, not two images");
  } else {
    ok = compare_images (&o, &metrics, resize, &ref, &dist, error);
  }

done:
  g_option_context_free (context);
  metrics_clear (&metrics);
  cli_image_clear (&ref);
  cli_image_clear (&dist);
  g_free (o.weights);
  g_free (o.metric);
  g_free (o.calibration);
  g_free (o.layers);
  g_free (o.loss);
  g_free (o.reduction);
  g_free (o.feature_norm);
  g_free (o.style_layers);
  g_free (o.gram_norm);
  g_free (o.style_reduction);
  g_free (o.scale);
  g_free (o.scale_size);
  g_free (o.sync_mode);
  g_free (o.eof_action);
  g_free (o.resize);
  g_free (o.log);
  g_free (o.log_format);
  g_strfreev (o.images);
  return ok;
}
