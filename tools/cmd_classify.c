/* vgg19 classify: the top-k ImageNet classes of each image, one JSON
 * object per image and line. */
#include <stdio.h>

#include "cli.h"
#include "image_input.h"
#include "json_write.h"

typedef struct
{
  char *weights;
  char *labels;
  int top_k;
  char *resize;
  char *precision;
  int threads;
  gboolean logits;
  char **images;
} ClassifyOptions;

static void
print_result (const char *path, const CliInput * input,
    const Vgg19Tensor * fc8, const Vgg19Labels * labels, guint top_k,
    gboolean with_logits)
{
  guint n_classes = fc8->channels * fc8->height * fc8->width;
  guint *classes = g_new (guint, top_k);
  float *scores = g_new (float, top_k);
  GString *line = g_string_new ("{\"image\": ");
  guint n, i;

  n = vgg19_top_k (fc8->data, n_classes, top_k, classes, scores);
  json_append_string (line, path);
  g_string_append_printf (line, ", \"width\": %u, \"height\": %u, "
      "\"top\": [", input->image_width, input->image_height);
  for (i = 0; i < n; i++) {
    const char *label = vgg19_labels_get (labels, classes[i]);

    g_string_append_printf (line, "%s{\"class\": %u, \"label\": ",
        i > 0 ? ", " : "", classes[i]);
    if (label != NULL)
      json_append_string (line, label);
    else
      g_string_append (line, "null");
    g_string_append (line, ", \"score\": ");
    json_append_float (line, scores[i]);
    g_string_append_c (line, '}');
  }
  g_string_append_c (line, ']');
  if (with_logits) {
    g_string_append (line, ", \"logits\": [");
    for (i = 0; i < n_classes; i++) {
      if (i > 0)
        g_string_append (line, ", ");
      json_append_float (line, fc8->data[i]);
    }
    g_string_append_c (line, ']');
  }
  g_string_append (line, "}\n");
  fwrite (line->str, 1, line->len, stdout);
  /* One complete line per image as soon as it is known, for pipes. */
  fflush (stdout);
  g_string_free (line, TRUE);
  g_free (classes);
  g_free (scores);
}

static gboolean
classify_all (ClassifyOptions * o, Vgg19Resize resize,
    Vgg19Precision precision, GError ** error)
{
  static const char *const taps[] = { "fc8", NULL };
  Vgg19Labels *labels = NULL;
  Vgg19Model *model = NULL;
  Vgg19Session *session = NULL;
  Vgg19Preprocessor *pre = NULL;
  guint width = 0, height = 0;
  gboolean ok = FALSE;
  guint i;

  /* The weights first: without them nothing else matters, and their
   * error says how to get them. Then everything about the model, before
   * the labels, which only matter once there is something to print. */
  model = cli_load_model (o->weights, error);
  if (model == NULL)
    goto done;
  if (!vgg19_model_has_classifier (model)) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "'%s' has no classifier (no fc6, fc7, fc8 tensors), so it cannot "
        "classify; it can still give features and losses ('vgg19 "
        "features', 'vgg19 compare')", vgg19_model_get_path (model));
    goto done;
  }
  session = cli_session_new (model, o->threads, precision, error);
  if (session == NULL)
    goto done;
  labels = vgg19_labels_load (o->labels, error);
  if (labels == NULL)
    goto done;
  /* One for all the images: images of one size share its filter tables. */
  pre = vgg19_preprocessor_new (resize, 0, 0, error);
  if (pre == NULL)
    goto done;

  for (i = 0; o->images[i] != NULL; i++) {
    CliInput input;
    const Vgg19Tensor *fc8;

    if (!cli_input_load (o->images[i], pre, &input, error))
      goto done;
    /* Planning allocates; only a new input size needs a new plan. */
    if (input.width != width || input.height != height) {
      width = height = 0;
      if (!vgg19_session_reshape (session, input.width, input.height, taps,
              error)) {
        g_prefix_error (error, "'%s': ", o->images[i]);
        cli_input_clear (&input);
        goto done;
      }
      width = input.width;
      height = input.height;
    }
    if (!vgg19_session_run (session, input.data, error)) {
      cli_input_clear (&input);
      goto done;
    }
    fc8 = vgg19_session_get_output (session, "fc8");
    print_result (o->images[i], &input, fc8, labels, (guint) o->top_k,
        o->logits);
    cli_input_clear (&input);
  }
  ok = TRUE;

done:
  vgg19_preprocessor_free (pre);
  vgg19_session_free (session);
  vgg19_model_unref (model);
  vgg19_labels_free (labels);
  return ok;
}

gboolean
cmd_classify (int argc, char **argv, GError ** error)
{
  ClassifyOptions o = { .top_k = 5 };
  const GOptionEntry entries[] = {
    {"weights", 'w', 0, G_OPTION_ARG_FILENAME, &o.weights,
        "Weight file (.pth or .safetensors)", "FILE"},
    {"labels", 0, 0, G_OPTION_ARG_FILENAME, &o.labels,
        "Class names, one per line (default: $VGG19_LABELS, else the "
          "installed ImageNet list)", "FILE"},
    {"top-k", 'k', 0, G_OPTION_ARG_INT, &o.top_k,
        "Number of classes to print (default 5)", "N"},
    {"resize", 'r', 0, G_OPTION_ARG_STRING, &o.resize,
        "stretch (default), crop or none", "MODE"},
    {"precision", 0, 0, G_OPTION_ARG_STRING, &o.precision,
        "fp32 (default) or bf16", "P"},
    {"threads", 't', 0, G_OPTION_ARG_INT, &o.threads,
        "Worker threads (default 0: one per core)", "N"},
    {"logits", 0, 0, G_OPTION_ARG_NONE, &o.logits,
        "Also print the 1000 raw logits", NULL},
    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.images,
        NULL, NULL},
    {NULL}
  };
  GOptionContext *context;
  Vgg19Resize resize;
  Vgg19Precision precision;
  gboolean ok = FALSE;

  context = cli_option_context_new ("IMAGE...",
      "Prints, for each image, one JSON object on one line:\n"
      "  {\"image\": PATH, \"width\": W, \"height\": H, \"top\": "
      "[{\"class\": I, \"label\": NAME, \"score\": P}, ...]}\n"
      "where the score is the softmax probability.", entries);
  if (!cli_parse_options (context, "classify", &argc, &argv, error))
    goto done;
  if (o.images == NULL || o.images[0] == NULL) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
        "classify: no image given (see 'vgg19 classify --help')");
    goto done;
  }
  if (o.top_k < 1 || o.top_k > VGG19_N_CLASSES) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
        "--top-k: %d is out of range (expected 1 to %d)", o.top_k,
        VGG19_N_CLASSES);
    goto done;
  }
  if (!cli_parse_resize (o.resize, VGG19_RESIZE_STRETCH, &resize, error)
      || !cli_parse_precision (o.precision, &precision, error)
      || !cli_check_threads (o.threads, error))
    goto done;

  ok = classify_all (&o, resize, precision, error);

done:
  g_option_context_free (context);
  g_free (o.weights);
  g_free (o.labels);
  g_free (o.resize);
  g_free (o.precision);
  g_strfreev (o.images);
  return ok;
}
