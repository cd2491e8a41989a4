/* vgg19 compare: a perceptual loss between two images, the mean squared
 * (or absolute) difference of their activations at some layers, summed
 * over the layers. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "image_input.h"
#include "json_write.h"

typedef struct
{
  char *weights;
  char *layers;
  char *loss;
  char *resize;
  int threads;
  char **images;
} CompareOptions;

/* The reference's activations, kept while the second image runs (the
 * session's outputs are overwritten by every run). */
typedef struct
{
  float **data;
  gsize *size;
  guint n;
} SavedTaps;

static void
saved_taps_clear (SavedTaps * s)
{
  guint i;

  for (i = 0; i < s->n; i++)
    g_free (s->data[i]);
  g_free (s->data);
  g_free (s->size);
  memset (s, 0, sizeof (*s));
}

static gboolean
save_taps (Vgg19Session * session, char **layers, SavedTaps * saved,
    GError ** error)
{
  guint n = g_strv_length (layers), i;

  saved->data = g_new0 (float *, n);
  saved->size = g_new0 (gsize, n);
  saved->n = n;
  for (i = 0; i < n; i++) {
    const Vgg19Tensor *t = vgg19_session_get_output (session, layers[i]);

    /* Shapes were bounded by reshape, so this product cannot overflow. */
    saved->size[i] = (gsize) t->channels * t->height * t->width;
    saved->data[i] = g_try_new (float, saved->size[i]);
    if (saved->data[i] == NULL) {
      g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
          "out of memory keeping the activations of '%s'", layers[i]);
      return FALSE;
    }
    memcpy (saved->data[i], t->data, saved->size[i] * sizeof (float));
  }
  return TRUE;
}

static void
print_losses (char **layers, const double *losses, double total)
{
  GString *line = g_string_new ("{\"loss\": ");
  guint i;

  json_append_double (line, total);
  g_string_append (line, ", \"layers\": {");
  for (i = 0; layers[i] != NULL; i++) {
    if (i > 0)
      g_string_append (line, ", ");
    json_append_string (line, layers[i]);
    g_string_append (line, ": ");
    json_append_double (line, losses[i]);
  }
  g_string_append (line, "}}\n");
  fwrite (line->str, 1, line->len, stdout);
  fflush (stdout);
  g_string_free (line, TRUE);
}

static gboolean
compare (CompareOptions * o, char **layers, Vgg19Loss kind,
    Vgg19Resize resize, GError ** error)
{
  const char *ref_path = o->images[0], *dist_path = o->images[1];
  Vgg19Model *model = NULL;
  Vgg19Session *session = NULL;
  Vgg19Preprocessor *pre = NULL;
  CliInput ref = { 0 }, dist = { 0 };
  SavedTaps saved = { 0 };
  double *losses = NULL, total = 0.0;
  gboolean ok = FALSE;
  guint i;

  /* Both images are decoded before the weights are read so that a bad
   * image or a size mismatch is reported at once. */
  pre = vgg19_preprocessor_new (resize, 0, 0, error);
  if (pre == NULL || !cli_input_load (ref_path, pre, &ref, error)
      || !cli_input_load (dist_path, pre, &dist, error))
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
          (const char *const *) layers, error))
    goto done;
  if (!vgg19_session_run (session, ref.data, error)
      || !save_taps (session, layers, &saved, error)
      || !vgg19_session_run (session, dist.data, error))
    goto done;

  losses = g_new0 (double, saved.n);
  for (i = 0; i < saved.n; i++) {
    const Vgg19Tensor *t = vgg19_session_get_output (session, layers[i]);

    losses[i] = vgg19_loss (saved.data[i], t->data, saved.size[i], kind);
    total += losses[i];
  }
  print_losses (layers, losses, total);
  ok = TRUE;

done:
  g_free (losses);
  saved_taps_clear (&saved);
  cli_input_clear (&ref);
  cli_input_clear (&dist);
  vgg19_preprocessor_free (pre);
  vgg19_session_free (session);
  vgg19_model_unref (model);
  return ok;
}

gboolean
cmd_compare (int argc, char **argv, GError ** error)
{
  CompareOptions o = { 0 };
  const GOptionEntry entries[] = {
    {"weights", 'w', 0, G_OPTION_ARG_FILENAME, &o.weights,
        "Weight file (.pth or .safetensors)", "FILE"},
    {"layers", 'l', 0, G_OPTION_ARG_STRING, &o.layers,
        "Comma-separated layer names (default conv4_2)", "L1,L2"},
    {"loss", 0, 0, G_OPTION_ARG_STRING, &o.loss,
        "mse (default) or l1", "KIND"},
    {"resize", 'r', 0, G_OPTION_ARG_STRING, &o.resize,
        "stretch (default: both to 224x224), crop, or none (the images' "
          "own size, which must then be the same)", "MODE"},
    {"threads", 't', 0, G_OPTION_ARG_INT, &o.threads,
        "Worker threads (default 0: one per core)", "N"},
    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.images,
        NULL, NULL},
    {NULL}
  };
  GOptionContext *context;
  Vgg19Resize resize;
  Vgg19Loss kind;
  char **layers = NULL;
  gboolean ok = FALSE;

  context = cli_option_context_new ("REF DIST",
      "Prints {\"loss\": X, \"layers\": {\"conv4_2\": X, ...}}: per layer the "
      "mean squared (mse) or absolute (l1) difference of the two images' "
      "activations; the loss is their sum.", entries);
  if (!cli_parse_options (context, "compare", &argc, &argv, error))
    goto done;
  if (o.images == NULL || g_strv_length (o.images) != 2) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
        "compare: expected two images, REF and DIST (see 'vgg19 compare "
        "--help')");
    goto done;
  }
  layers = cli_parse_layers (o.layers != NULL ? o.layers : "conv4_2", error);
  if (layers == NULL
      || !cli_parse_loss (o.loss, &kind, error)
      || !cli_parse_resize (o.resize, VGG19_RESIZE_STRETCH, &resize, error)
      || !cli_check_threads (o.threads, error))
    goto done;

  ok = compare (&o, layers, kind, resize, error);

done:
  g_option_context_free (context);
  g_strfreev (layers);
  g_free (o.weights);
  g_free (o.layers);
  g_free (o.loss);
  g_free (o.resize);
  g_strfreev (o.images);
  return ok;
}
