/* What every subcommand of the vgg19 tool shares: its error domain, the
 * parsing of the common options, and getting a model and a session. */
#ifndef VGG19_TOOLS_CLI_H
#define VGG19_TOOLS_CLI_H

#include <vgg19/vgg19.h>
#include <vgg19/metric.h>

G_BEGIN_DECLS

/* Errors raised by the tool itself (the library's are VGG19_ERROR). A
 * CLI_ERROR_USAGE, like any G_OPTION_ERROR, exits with status 2; every
 * other error with status 1. */
#define CLI_ERROR (cli_error_quark ())

typedef enum
{
  CLI_ERROR_USAGE,
  CLI_ERROR_FAILED,
} CliError;

GQuark cli_error_quark (void);

/* The exit status for @error: 2 for a usage error, 1 otherwise. */
int cli_exit_status (const GError * error);

/* Prints "vgg19: <message>" as one line on stderr. */
void cli_print_error (const GError * error);

/* Signature of a subcommand: @argv[0] is the command's name. */
typedef gboolean (*CliCommandFunc) (int argc, char **argv, GError ** error);

gboolean cmd_classify (int argc, char **argv, GError ** error);
gboolean cmd_features (int argc, char **argv, GError ** error);
gboolean cmd_compare (int argc, char **argv, GError ** error);
gboolean cmd_info (int argc, char **argv, GError ** error);
gboolean cmd_bench (int argc, char **argv, GError ** error);

/* A GOptionContext with the usage line "PRGNAME [OPTION…] @parameters"
 * (main() sets the program name to "vgg19 COMMAND") and @summary under
 * it. */
GOptionContext *cli_option_context_new (const char *parameters,
    const char *summary, const GOptionEntry * entries);

/* Parses @argv with @context; errors are usage errors that say where to
 * find help for @name. */
gboolean cli_parse_options (GOptionContext * context, const char *name,
    int *argc, char ***argv, GError ** error);

/* Option values, each checked here so that a bad value is a usage error
 * naming the option. NULL @text means the option was not given and
 * @fallback is used. */
gboolean cli_parse_resize (const char *text, Vgg19Resize fallback,
    Vgg19Resize * out, GError ** error);
gboolean cli_parse_precision (const char *text, Vgg19Precision * out,
    GError ** error);
gboolean cli_parse_loss (const char *text, Vgg19Loss * out, GError ** error);
gboolean cli_check_threads (int threads, GError ** error);

/* Splits a comma-separated list of layer names; each must be a tap of
 * VGG-19 or VGG-16 (whether the loaded network has it is checked later,
 * by the library). Duplicates are dropped. Returns a NULL-terminated
 * vector, or NULL with a usage error. */
char **cli_parse_layers (const char *text, GError ** error);

/* A metric named @name from the layer list @text of @option (e.g.
 * "relu1_2:1,relu2_2:0.5", see vgg19_metric_new()); every layer must be a
 * tap of VGG-19 or VGG-16. Returns NULL with a usage error naming
 * @option and the faulty part. */
Vgg19Metric *cli_parse_metric (const char *option, const char *name,
    Vgg19MetricKind kind, const char *text, Vgg19Loss criterion,
    GError ** error);

/* The weights from --weights or the default places, loaded. */
Vgg19Model *cli_load_model (const char *weights_option, GError ** error);

/* A session; a precision the library refuses is a usage error. */
Vgg19Session *cli_session_new (Vgg19Model * model, int threads,
    Vgg19Precision precision, GError ** error);

G_END_DECLS

#endif /* VGG19_TOOLS_CLI_H */
