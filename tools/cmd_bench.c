/* vgg19 bench: times the forward pass per layer and in total. Each figure
 * is the median over the timed runs, which follow one untimed warm-up run
 * (first-touch page faults, cold caches, thread start-up). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_RUNS 10000

typedef struct
{
  char *weights;
  char *size;
  int runs;
  int threads;
  char *precision;
  char *layers;
} BenchOptions;

static gboolean
parse_size (const char *text, guint * width, guint * height, GError ** error)
{
  guint64 w, h;
  char *end;

  if (text == NULL) {
    *width = *height = VGG19_CLASSIFIER_SIDE;
    return TRUE;
  }
  if (!g_ascii_isdigit (text[0]))
    goto bad;
  w = g_ascii_strtoull (text, &end, 10);
  if (*end != 'x' && *end != 'X')
    goto bad;
  if (!g_ascii_isdigit (end[1]))
    goto bad;
  h = g_ascii_strtoull (end + 1, &end, 10);
  if (*end != '\0')
    goto bad;
  if (w < VGG19_MIN_INPUT_SIDE || h < VGG19_MIN_INPUT_SIDE
      || w > VGG19_MAX_INPUT_SIDE || h > VGG19_MAX_INPUT_SIDE
      || w * h > VGG19_MAX_INPUT_PIXELS) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
        "--size: %s is out of range (each side %d to %d, at most %u "
        "pixels)", text, VGG19_MIN_INPUT_SIDE, VGG19_MAX_INPUT_SIDE,
        VGG19_MAX_INPUT_PIXELS);
    return FALSE;
  }
  *width = (guint) w;
  *height = (guint) h;
  return TRUE;

bad:
  g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
      "--size: expected WIDTHxHEIGHT, e.g. 224x224, not '%s'", text);
  return FALSE;
}

/* The deepest layer of the network: fc8, or the last ReLU of the
 * convolutional part for a file without classifier. */
static char **
default_layers (const Vgg19Model * model)
{
  const char *const *names;
  const char *last = NULL;
  guint i;

  if (vgg19_model_has_classifier (model))
    return g_strsplit ("fc8", ",", -1);
  names = vgg19_arch_tap_names (vgg19_model_get_arch (model), NULL);
  for (i = 0; names[i] != NULL; i++) {
    if (g_str_has_prefix (names[i], "relu5_"))
      last = names[i];
  }
  return g_strsplit (last != NULL ? last : "pool5", ",", -1);
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Sorts @values in place. */
static double
median (double *values, guint n)
{
  qsort (values, n, sizeof (double), compare_doubles);
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n /
          2]);
}

static double
gflops (double gflop, double ms)
{
  return ms > 0.0 ? gflop / (ms * 1e-3) : 0.0;
}

static gboolean
bench (BenchOptions * o, char **asked_layers, guint width, guint height,
    Vgg19Precision precision, GError ** error)
{
  Vgg19Model *model = NULL;
  Vgg19Session *session = NULL;
  char **layers = NULL;
  float *input = NULL;
  double *totals = NULL, *per_layer = NULL, *column = NULL;
  const Vgg19LayerTime *profile;
  guint n_layers = 0, runs = (guint) o->runs, r, i;
  double total_gflop = 0.0, total_ms;
  gsize n_input;
  GRand *rand;
  gboolean ok = FALSE;

  model = cli_load_model (o->weights, error);
  if (model == NULL)
    goto done;
  layers = asked_layers != NULL ? g_strdupv (asked_layers) :
      default_layers (model);
  session = cli_session_new (model, o->threads, precision, error);
  if (session == NULL)
    goto done;
  if (!vgg19_session_reshape (session, width, height,
          (const char *const *) layers, error))
    goto done;

  /* Any input takes the same time; a fixed pseudo-random one keeps the
   * activations in a realistic range. */
  n_input = (gsize) 3 * width * height;
  input = g_try_new (float, n_input);
  if (input == NULL) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "out of memory for a %ux%u input", width, height);
    goto done;
  }
  rand = g_rand_new_with_seed (19);
  for (i = 0; i < n_input; i++)
    input[i] = (float) g_rand_double_range (rand, -2.0, 2.0);
  g_rand_free (rand);

  vgg19_session_set_profiling (session, TRUE);
  if (!vgg19_session_run (session, input, error))
    goto done;
  profile = vgg19_session_get_profile (session, &n_layers);
  if (profile == NULL || n_layers == 0) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "the library returned no per-layer profile");
    goto done;
  }

  totals = g_new (double, runs);
  per_layer = g_new (double, (gsize) runs * n_layers);
  column = g_new (double, runs);
  for (r = 0; r < runs; r++) {
    gint64 start = g_get_monotonic_time ();
    guint n;

    if (!vgg19_session_run (session, input, error))
      goto done;
    totals[r] = (g_get_monotonic_time () - start) / 1000.0;
    profile = vgg19_session_get_profile (session, &n);
    if (profile == NULL || n != n_layers) {
      g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
          "the library's per-layer profile changed between runs");
      goto done;
    }
    for (i = 0; i < n_layers; i++)
      per_layer[(gsize) i * runs + r] = profile[i].ms;
  }

  printf ("weights: %s (%s, %s, %s)\n", vgg19_model_get_path (model),
      vgg19_arch_name (vgg19_model_get_arch (model)),
      vgg19_model_get_format (model), vgg19_model_get_source_dtype (model));
  printf ("isa: %s\nthreads: %u\nprecision: %s\n",
      vgg19_session_get_isa (session), vgg19_session_get_n_threads (session),
      precision == VGG19_PRECISION_FP32 ? "fp32" : "bf16");
  printf ("input: %ux%u, up to %s; median of %u runs after 1 warm-up\n\n",
      width, height, layers[0] != NULL && layers[1] == NULL ? layers[0] :
      "the deepest layer asked for", runs);
  printf ("%-10s %10s %10s %10s\n", "layer", "ms", "GFLOP", "GFLOP/s");
  for (i = 0; i < n_layers; i++) {
    double ms;

    memcpy (column, per_layer + (gsize) i * runs, runs * sizeof (double));
    ms = median (column, runs);
    total_gflop += profile[i].gflop;
    printf ("%-10s %10.3f %10.3f %10.1f\n", profile[i].name, ms,
        profile[i].gflop, gflops (profile[i].gflop, ms));
  }
  total_ms = median (totals, runs);
  printf ("%-10s %10.3f %10.3f %10.1f\n", "total", total_ms, total_gflop,
      gflops (total_gflop, total_ms));
  fflush (stdout);
  ok = TRUE;

done:
  g_free (totals);
  g_free (per_layer);
  g_free (column);
  g_free (input);
  g_strfreev (layers);
  vgg19_session_free (session);
  vgg19_model_unref (model);
  return ok;
}

gboolean
cmd_bench (int argc, char **argv, GError ** error)
{
  BenchOptions o = {.runs = 10 };
  const GOptionEntry entries[] = {
    {"weights", 'w', 0, G_OPTION_ARG_FILENAME, &o.weights,
        "Weight file (.pth or .safetensors)", "FILE"},
    {"size", 's', 0, G_OPTION_ARG_STRING, &o.size,
        "Input size (default 224x224)", "WxH"},
    {"runs", 'n', 0, G_OPTION_ARG_INT, &o.runs,
        "Timed runs (default 10)", "N"},
    {"threads", 't', 0, G_OPTION_ARG_INT, &o.threads,
        "Worker threads (default 0: one per core)", "N"},
    {"precision", 0, 0, G_OPTION_ARG_STRING, &o.precision,
        "fp32 (default) or bf16", "P"},
    {"layers", 'l', 0, G_OPTION_ARG_STRING, &o.layers,
        "Run up to these layers (default fc8, or relu5_4 without classifier)",
        "L"},
    {NULL}
  };
  GOptionContext *context;
  Vgg19Precision precision;
  guint width, height;
  char **layers = NULL;
  gboolean ok = FALSE;

  context = cli_option_context_new ("",
      "Times the forward pass on this machine: per layer and in total, in "
      "ms and GFLOP/s (the median of the runs, after a warm-up run).",
      entries);
  if (!cli_parse_options (context, "bench", &argc, &argv, error))
    goto done;
  if (argc > 1) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
        "bench: unexpected argument '%s' (see 'vgg19 bench --help')",
        argv[1]);
    goto done;
  }
  if (o.runs < 1 || o.runs > MAX_RUNS) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_USAGE,
        "--runs: %d is out of range (expected 1 to %d)", o.runs, MAX_RUNS);
    goto done;
  }
  if (!parse_size (o.size, &width, &height, error)
      || !cli_parse_precision (o.precision, &precision, error)
      || !cli_check_threads (o.threads, error))
    goto done;
  if (o.layers != NULL && (layers = cli_parse_layers (o.layers, error)) == NULL)
    goto done;

  ok = bench (&o, layers, width, height, precision, error);

done:
  g_option_context_free (context);
  g_strfreev (layers);
  g_free (o.weights);
  g_free (o.size);
  g_free (o.precision);
  g_free (o.layers);
  return ok;
}
