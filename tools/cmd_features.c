/* vgg19 features: the activations of named layers for one image, each
 * written to DIR/<layer>.npy as float32 (C, H, W). */
#include <errno.h>
#include <stdio.h>

#include <glib/gstdio.h>

#include "cli.h"
#include "image_input.h"
#include "npy_write.h"

typedef struct
{
  char *weights;
  char *layers;
  char *resize;
  int threads;
  char *out_dir;
  char **images;
} FeaturesOptions;

static gboolean
write_layers (Vgg19Session * session, char **layers, const char *out_dir,
    GError ** error)
{
  guint i;

  for (i = 0; layers[i] != NULL; i++) {
    const Vgg19Tensor *t = vgg19_session_get_output (session, layers[i]);
    guint64 shape[3];
    char *file, *path;
    gboolean ok;

    if (t == NULL) {
      g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
          "the session produced no output for layer '%s'", layers[i]);
      return FALSE;
    }
    shape[0] = t->channels;
    shape[1] = t->height;
    shape[2] = t->width;
    file = g_strconcat (layers[i], ".npy", NULL);
    path = g_build_filename (out_dir, file, NULL);
    ok = npy_write_f32 (path, t->data, shape, 3, error);
    g_free (path);
    g_free (file);
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

static gboolean
extract (FeaturesOptions * o, char **layers, Vgg19Resize resize,
    GError ** error)
{
  Vgg19Model *model = NULL;
  Vgg19Session *session = NULL;
  Vgg19Preprocessor *pre = NULL;
  CliInput input = { 0 };
  gboolean ok = FALSE;

  /* The image and the directory before the weights: a typo in either
   * should not cost loading half a gigabyte. */
  pre = vgg19_preprocessor_new (resize, 0, 0, error);
  if (pre == NULL || !cli_input_load (o->images[0], pre, &input, error))
    goto done;
  if (g_mkdir_with_parents (o->out_dir, 0777) != 0) {
    int saved = errno;

    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "cannot create the output directory '%s': %s", o->out_dir,
        g_strerror (saved));
    goto done;
  }
  if (!g_file_test (o->out_dir, G_FILE_TEST_IS_DIR)) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "--out: '%s' exists and is not a directory", o->out_dir);
    goto done;
  }

  model = cli_load_model (o->weights, error);
  if (model == NULL)
    goto done;
  session = cli_session_new (model, o->threads, VGG19_PRECISION_FP32, error);
  if (session == NULL)
    goto done;
  if (!vgg19_session_reshape (session, input.width, input.height,
          (const char *const *) layers, error))
    goto done;
  if (!vgg19_session_run (session, input.data, error))
    goto done;
  ok = write_layers (session, layers, o->out_dir, error);

done:
  cli_input_clear (&input);
  vgg19_preprocessor_free (pre);
  vgg19_session_free (session);
  vgg19_model_unref (model);
  return ok;
}

gboolean
cmd_features (int argc, char **argv, GError ** error)
{
  FeaturesOptions o = { 0 };
  const GOptionEntry entries[] = {
    {"weights", 'w', 0, G_OPTION_ARG_FILENAME, &o.weights,
        "Weight file (.pth or .safetensors)", "FILE"},
    {"layers", 'l', 0, G_OPTION_ARG_STRING, &o.layers,
        "Comma-separated layer names, e.g. conv4_2,relu5_4 (required)",
        "L1,L2"},
    {"resize", 'r', 0, G_OPTION_ARG_STRING, &o.resize,
        "none (default: the image's own size), stretch or crop", "MODE"},
    {"threads", 't', 0, G_OPTION_ARG_INT, &o.threads,
        "Worker threads (default 0: one per core)", "N"},
    {"out", 'o', 0, G_OPTION_ARG_FILENAME, &o.out_dir,
        "Output directory, created if missing (required)", "DIR"},
    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.images,
        NULL, NULL},
    {NULL}
  };
  GOptionContext *context;
  Vgg19Resize resize;
  char **layers = NULL;
  gboolean ok = FALSE;

  context = cli_option_context_new ("IMAGE",
      "Writes DIR/<layer>.npy for each layer: float32, little-endian, C "
      "order, shape (C, H, W) ((C, 1, 1) for fc6 ... fc8).\n"
      "Layers: conv1_1 ... conv5_4 (before the ReLU), relu1_1 ... relu5_4, "
      "pool1 ... pool5, fc6, relu6, fc7, relu7, fc8.", entries);
  if (!cli_parse_options (context, "features", &argc, &argv, error))
    goto done;
  if (o.images == NULL || o.images[0] == NULL || o.images[1] != NULL) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
        "features: expected exactly one image (see 'vgg19 features --help')");
    goto done;
  }
  if (o.out_dir == NULL || o.out_dir[0] == '\0') {
    g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
        "features: --out DIR is required");
    goto done;
  }
  if (o.layers == NULL) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
        "features: --layers is required (e.g. --layers conv4_2,relu5_4)");
    goto done;
  }
  layers = cli_parse_layers (o.layers, error);
  if (layers == NULL
      || !cli_parse_resize (o.resize, VGG19_RESIZE_NONE, &resize, error)
      || !cli_check_threads (o.threads, error))
    goto done;

  ok = extract (&o, layers, resize, error);

done:
  g_option_context_free (context);
  g_strfreev (layers);
  g_free (o.weights);
  g_free (o.layers);
  g_free (o.resize);
  g_free (o.out_dir);
  g_strfreev (o.images);
  return ok;
}
