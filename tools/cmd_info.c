/* vgg19 info: the tensors of a weight file and what the file can be used
 * for. The listing comes from the raw tensor reader, so it is printed
 * even for a file the model then refuses (the refusal is the error). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "tensor_file.h"

static void
print_tensors (const Vgg19TensorFile * file)
{
  guint n = vgg19_tensor_file_n_tensors (file), i;
  guint width = 0;

  for (i = 0; i < n; i++)
    width = MAX (width, strlen (vgg19_tensor_file_get (file, i)->name));

  printf ("file: %s\n", vgg19_tensor_file_name (file));
  printf ("format: %s\n", vgg19_tensor_file_format (file));
  printf ("tensors: %u\n", n);
  for (i = 0; i < n; i++) {
    const Vgg19RawTensor *t = vgg19_tensor_file_get (file, i);
    GString *shape = g_string_new ("(");
    guint d;

    for (d = 0; d < t->n_dims; d++)
      g_string_append_printf (shape, "%s%" G_GUINT64_FORMAT, d > 0 ? ", " :
          "", t->shape[d]);
    if (t->n_dims == 1)
      g_string_append_c (shape, ',');
    g_string_append_c (shape, ')');
    printf ("  %-*s  %-4s  %s\n", (int) width, t->name,
        vgg19_dtype_name (t->dtype), shape->str);
    g_string_free (shape, TRUE);
  }
}

static void
print_model (const Vgg19Model * model)
{
  printf ("network: %s\n", vgg19_arch_name (vgg19_model_get_arch (model)));
  printf ("dtype: %s (computed in float32)\n",
      vgg19_model_get_source_dtype (model));
  printf ("parameters: %" G_GUINT64_FORMAT "\n",
      vgg19_model_get_n_parameters (model));
  printf ("classify: %s\n", vgg19_model_has_classifier (model) ? "yes" :
      "no (no fc6, fc7, fc8 tensors)");
  printf ("features/loss: yes\n");
}

gboolean
cmd_info (int argc, char **argv, GError ** error)
{
  char *weights_option = NULL;
  char **args = NULL;
  const GOptionEntry entries[] = {
    {"weights", 'w', 0, G_OPTION_ARG_FILENAME, &weights_option,
        "Weight file (the same as giving WEIGHTS)", "FILE"},
    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &args,
        NULL, NULL},
    {NULL}
  };
  GOptionContext *context;
  Vgg19TensorFile *file = NULL;
  Vgg19Model *model = NULL;
  char *path = NULL;
  gboolean ok = FALSE;

  context = cli_option_context_new ("[WEIGHTS]",
      "Lists the tensors of a weight file (name, dtype, shape), its format, "
      "the network it holds and what it can do. Without WEIGHTS, the file "
      "found by the usual lookup is described.", entries);
  if (!cli_parse_options (context, "info", &argc, &argv, error))
    goto done;
  if (args != NULL && g_strv_length (args) > 1) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
        "info: expected one weight file (see 'vgg19 info --help')");
    goto done;
  }
  if (args != NULL && args[0] != NULL && weights_option != NULL) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
        "info: give the weight file either as WEIGHTS or with --weights, "
        "not both");
    goto done;
  }

  path = vgg19_weights_find (args != NULL && args[0] != NULL ? args[0] :
      weights_option, error);
  if (path == NULL)
    goto done;
  file = vgg19_tensor_file_open (path, error);
  if (file == NULL)
    goto done;
  print_tensors (file);
  fflush (stdout);
  /* The reader is done; free its mapping before the model maps the file
   * again. */
  g_clear_pointer (&file, vgg19_tensor_file_free);

  model = vgg19_model_load (path, error);
  if (model == NULL)
    goto done;
  print_model (model);
  ok = TRUE;

done:
  fflush (stdout);
  vgg19_model_unref (model);
  if (file != NULL)
    vgg19_tensor_file_free (file);
  g_free (path);
  g_free (weights_option);
  g_strfreev (args);
  g_option_context_free (context);
  return ok;
}
