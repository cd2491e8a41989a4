/* vgg19: ImageNet classes, feature tensors and perceptual losses from the
 * command line. main() only dispatches to the subcommands (cmd_*.c) and
 * turns their GError into one line on stderr and an exit status. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include <gst/gst.h>

#include "cli.h"

typedef struct
{
  const char *name;
  CliCommandFunc func;
  gboolean decodes_images;      /* needs GStreamer */
  const char *summary;
} Command;

static const Command commands[] = {
  {"classify", cmd_classify, TRUE,
      "top-k ImageNet classes of images, one JSON line each"},
  {"features", cmd_features, TRUE,
      "write layer activations of an image as .npy files"},
  {"compare", cmd_compare, TRUE,
      "perceptual loss between a reference and a distorted image"},
  {"info", cmd_info, FALSE,
      "what a weight file contains and what it can be used for"},
  {"bench", cmd_bench, FALSE,
      "time the forward pass, per layer and in total"},
};

static void
print_usage (FILE * out)
{
  guint i;

  fprintf (out, "Usage:\n  vgg19 COMMAND [OPTION...] [ARGUMENT...]\n\n"
      "VGG-19 on the CPU with torchvision's weights.\n\nCommands:\n");
  for (i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nOptions:\n"
      "  -h, --help     show this help\n"
      "  --version      show the version\n\n"
      "'vgg19 COMMAND --help' lists the options of a command.\n"
      "Weights: --weights FILE, else $VGG19_WEIGHTS, else the cache "
      "(~/.cache/vgg19/%s), else the installed data directory.\n",
      VGG19_OFFICIAL_WEIGHTS_NAME);
}

static int
fail (GError * error)
{
  int status = cli_exit_status (error);

  cli_print_error (error);
  g_error_free (error);
  return status;
}

int
main (int argc, char **argv)
{
  const Command *command = NULL;
  GError *error = NULL;
  char *prgname;
  guint i;

  /* The user's language and character set for messages and help, but
   * numbers always with a decimal point: the output is read by programs,
   * and weight file headers are parsed with strtod. */
  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");

  if (argc < 2) {
    error = g_error_new (CLI_ERROR, CLI_ERROR_USAGE,
        "no command given (try 'vgg19 --help')");
    return fail (error);
  }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0
      || strcmp (argv[1], "help") == 0) {
    print_usage (stdout);
    return 0;
  }
  if (strcmp (argv[1], "--version") == 0) {
    printf ("vgg19 %s\n", vgg19_version ());
    return 0;
  }
  for (i = 0; i < G_N_ELEMENTS (commands); i++) {
    if (strcmp (argv[1], commands[i].name) == 0)
      command = &commands[i];
  }
  if (command == NULL) {
    error = g_error_new (CLI_ERROR, CLI_ERROR_USAGE,
        "unknown command '%s' (commands: classify, features, compare, "
        "info, bench; see 'vgg19 --help')", argv[1]);
    return fail (error);
  }

  /* GOptionContext's help then reads "vgg19 classify [OPTION...] ...". */
  prgname = g_strdup_printf ("vgg19 %s", command->name);
  g_set_prgname (prgname);
  g_free (prgname);

  if (command->decodes_images && !gst_init_check (NULL, NULL, &error)) {
    g_prefix_error (&error, "cannot initialise GStreamer: ");
    return fail (error);
  }
  if (!command->func (argc - 1, argv + 1, &error))
    return fail (error);
  /* Results that could not be written (a full disk, a closed pipe) must
   * not look like success. */
  if (fflush (stdout) != 0 || ferror (stdout)) {
    error = g_error_new (CLI_ERROR, CLI_ERROR_FAILED,
        "cannot write the results to the standard output");
    return fail (error);
  }
  return 0;
}
