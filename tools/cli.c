/* Common option parsing, error reporting, model and session set-up of
 * the vgg19 tool. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

G_DEFINE_QUARK (vgg19-cli-error-quark, cli_error);

int
cli_exit_status (const GError * error)
{
  if (error == NULL)
    return 1;
  if (error->domain == G_OPTION_ERROR)
    return 2;
  if (error->domain == CLI_ERROR && error->code == CLI_ERROR_USAGE)
    return 2;
  return 1;
}

void
cli_print_error (const GError * error)
{
  char *line;
  char *p;

  line = g_strdup (error != NULL ? error->message : "unknown error");
  /* Callers of the tool read exactly one line per error: fold any line
   * break a message may carry. */
  for (p = line; *p != '\0'; p++) {
    if (*p == '\n' || *p == '\r')
      *p = ' ';
  }
  g_strchomp (line);
  fprintf (stderr, "vgg19: %s\n", line);
  fflush (stderr);
  g_free (line);
}

GOptionContext *
cli_option_context_new (const char *parameters, const char *summary,
    const GOptionEntry * entries)
{
  GOptionContext *context;

  context = g_option_context_new (parameters);
  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, entries, NULL);
  return context;
}

gboolean
cli_parse_options (GOptionContext * context, const char *name, int *argc,
    char ***argv, GError ** error)
{
  GError *local = NULL;

  if (g_option_context_parse (context, argc, argv, &local))
    return TRUE;
  g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE, "%s (see 'vgg19 %s --help')",
      local->message, name);
  g_error_free (local);
  return FALSE;
}

gboolean
cli_parse_resize (const char *text, Vgg19Resize fallback, Vgg19Resize * out,
    GError ** error)
{
  if (text == NULL) {
    *out = fallback;
    return TRUE;
  }
  if (!vgg19_resize_from_string (text, out, NULL)) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
        "--resize: unknown mode '%s' (expected stretch, crop or none)", text);
    return FALSE;
  }
  return TRUE;
}

gboolean
cli_parse_precision (const char *text, Vgg19Precision * out, GError ** error)
{
  if (text == NULL || strcmp (text, "fp32") == 0) {
    *out = VGG19_PRECISION_FP32;
    return TRUE;
  }
  if (strcmp (text, "bf16") == 0) {
    /* Accepted here; whether it can run is the library's decision, made
     * when the session is created. */
    *out = VGG19_PRECISION_BF16;
    return TRUE;
  }
  g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
      "--precision: unknown precision '%s' (expected fp32 or bf16)", text);
  return FALSE;
}

gboolean
cli_parse_loss (const char *text, Vgg19Loss * out, GError ** error)
{
  if (text == NULL) {
    *out = VGG19_LOSS_MSE;
    return TRUE;
  }
  if (!vgg19_loss_from_string (text, out, NULL)) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
        "--loss: unknown loss '%s' (expected mse, l1 or sse)", text);
    return FALSE;
  }
  return TRUE;
}

gboolean
cli_check_threads (int threads, GError ** error)
{
  /* Far more threads than any machine has cores is a typo, not a wish. */
  if (threads < 0 || threads > 1024) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
        "--threads: %d is out of range (expected 0 for one per core, "
        "or 1 to 1024)", threads);
    return FALSE;
  }
  return TRUE;
}

static gboolean
is_known_tap (const char *name)
{
  const Vgg19Arch arches[] = { VGG19_ARCH_VGG19, VGG19_ARCH_VGG16 };
  guint a;

  for (a = 0; a < G_N_ELEMENTS (arches); a++) {
    const char *const *names = vgg19_arch_tap_names (arches[a], NULL);
    guint i;

    for (i = 0; names[i] != NULL; i++) {
      if (strcmp (names[i], name) == 0)
        return TRUE;
    }
  }
  return FALSE;
}

char **
cli_parse_layers (const char *text, GError ** error)
{
  GPtrArray *out;
  char **parts;
  guint i;

  if (text == NULL || *text == '\0') {
    g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
        "--layers: no layer given (e.g. --layers conv4_2,relu5_4)");
    return NULL;
  }
  parts = g_strsplit (text, ",", -1);
  out = g_ptr_array_new_with_free_func (g_free);
  for (i = 0; parts[i] != NULL; i++) {
    char *name = g_strstrip (parts[i]);
    guint j;
    gboolean seen = FALSE;

    if (*name == '\0') {
      g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
          "--layers: empty layer name in '%s'", text);
      goto fail;
    }
    if (!is_known_tap (name)) {
      g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
          "--layers: unknown layer '%s' (expected conv1_1 ... conv5_4, "
          "relu1_1 ... relu5_4, pool1 ... pool5, fc6, relu6, fc7, relu7 "
          "or fc8)", name);
      goto fail;
    }
    for (j = 0; j < out->len; j++)
      seen = seen || strcmp (g_ptr_array_index (out, j), name) == 0;
    if (!seen)
      g_ptr_array_add (out, g_strdup (name));
  }
  g_strfreev (parts);
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);

fail:
  g_strfreev (parts);
  g_ptr_array_unref (out);
  return NULL;
}

Vgg19Metric *
cli_parse_metric (const char *option, const char *name, Vgg19MetricKind kind,
    const char *text, Vgg19Loss criterion, GError ** error)
{
  GError *local = NULL;
  Vgg19Metric *metric;
  guint i;

  metric = vgg19_metric_new (name, kind, text, criterion, &local);
  if (metric == NULL) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE, "%s: %s", option,
        local->message);
    g_error_free (local);
    return NULL;
  }
  for (i = 0; i < vgg19_metric_get_n_layers (metric); i++) {
    const char *tap = vgg19_metric_get_layer (metric, i, NULL);

    if (!is_known_tap (tap)) {
      g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
          "%s: unknown layer '%s' (expected conv1_1 ... conv5_4, relu1_1 "
          "... relu5_4, pool1 ... pool5, each optionally followed by "
          "':weight')", option, tap);
      vgg19_metric_free (metric);
      return NULL;
    }
  }
  return metric;
}

Vgg19Model *
cli_load_model (const char *weights_option, GError ** error)
{
  Vgg19Model *model;
  char *path;

  path = vgg19_weights_find (weights_option, error);
  if (path == NULL)
    return NULL;
  model = vgg19_model_load (path, error);
  g_free (path);
  return model;
}

Vgg19Session *
cli_session_new (Vgg19Model * model, int threads, Vgg19Precision precision,
    GError ** error)
{
  return vgg19_session_new (model, (guint) threads, precision, error);
}
