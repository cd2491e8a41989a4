/* A list of metrics by name, as the element's metric property and the
 * command's --metric give it: presets, and "custom" for the generic
 * perceptual (and style) metric. */
#include <string.h>

#include "metric_private.h"

#define CUSTOM "custom"
#define TEMPORAL "tlp"

/* "perceptual", and "style" when style layers are given. */
static gboolean
add_generic (GPtrArray * metrics, const Vgg19GenericSettings * g,
    const char **setting, GError ** error)
{
  Vgg19Metric *m;
  char *text;
  gboolean ok = TRUE;

  *setting = "layers";
  m = vgg19_metric_new ("perceptual", VGG19_METRIC_FEATURE, g->layers,
      g->criterion, error);
  if (m == NULL)
    return FALSE;
  g_ptr_array_add (metrics, m);
  /* sse sums whatever the reduction says */
  *setting = "reduction";
  if (g->criterion != VGG19_LOSS_SSE
      && !vgg19_metric_set_reduction (m, g->reduction, error))
    return FALSE;
  *setting = "feature-norm";
  if (!vgg19_metric_set_feature_norm (m, g->feature_norm, error))
    return FALSE;
  if (g->style_layers == NULL)
    return TRUE;
  text = g_strstrip (g_strdup (g->style_layers));
  if (*text != '\0') {
    *setting = "style-layers";
    m = vgg19_metric_new ("style", VGG19_METRIC_GRAM, text, VGG19_LOSS_MSE,
        error);
    ok = m != NULL;
    if (ok) {
      g_ptr_array_add (metrics, m);
      *setting = "gram-norm";
      ok = vgg19_metric_set_gram_norm (m, g->gram_norm, error);
      if (ok) {
        *setting = "style-reduction";
        ok = vgg19_metric_set_reduction (m, g->style_reduction, error);
      }
    }
  }
  g_free (text);
  return ok;
}

Vgg19Metric **
vgg19_metric_list_new (const char *list, const Vgg19GenericSettings * generic,
    guint * n_metrics, gboolean * temporal, const char **failed_setting,
    GError ** error)
{
  GPtrArray *metrics = g_ptr_array_new ();
  char **names = g_strsplit (list ? list : "", ",", -1);
  const char *setting = "metric";
  guint i, j;

  if (temporal)
    *temporal = FALSE;
  for (i = 0; names[i]; i++) {
    char *name = g_strstrip (names[i]);
    Vgg19Metric *m;

    if (*name == '\0')
      continue;
    for (j = 0; j < i; j++)
      if (strcmp (names[j], name) == 0) {
        g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
            "metric \"%s\" is listed twice", name);
        goto fail;
      }
    if (strcmp (name, TEMPORAL) == 0) {
      if (temporal == NULL) {
        g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
            "\"tlp\" (temporal values) needs a sequence of frames");
        goto fail;
      }
      *temporal = TRUE;
      continue;
    }
    if (strcmp (name, CUSTOM) == 0) {
      if (!add_generic (metrics, generic, &setting, error))
        goto fail;
      setting = "metric";
      continue;
    }
    m = vgg19_metric_new_preset (name, error);
    if (m == NULL) {
      g_prefix_error (error, "not \"custom\" (the generic metric) nor a "
          "preset: ");
      goto fail;
    }
    g_ptr_array_add (metrics, m);
  }
  if (metrics->len == 0) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "no metric given (e.g. \"custom\", \"lpips-vgg\", \"esrgan\"; "
        "\"tlp\" adds the temporal values of the others)");
    goto fail;
  }
  g_strfreev (names);
  *n_metrics = metrics->len;
  return (Vgg19Metric **) g_ptr_array_free (metrics, FALSE);

fail:
  if (failed_setting)
    *failed_setting = setting;
  g_strfreev (names);
  g_ptr_array_set_free_func (metrics, (GDestroyNotify) vgg19_metric_free);
  g_ptr_array_unref (metrics);
  return NULL;
}
