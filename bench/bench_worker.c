/* vgg19-bench-worker: our side of bench/run's comparison with PyTorch.
 *
 * A long-lived process that keeps one model and one session, so that the
 * driver (bench/harness.py) can alternate single forward passes between it
 * and a PyTorch process without reloading 550 MB of weights each time. It
 * uses the public API only, as an application would.
 *
 * It reads one command per line on stdin and answers each with one JSON
 * object per line on stdout; {"ok": false, "error": "..."} on any failure
 * (the process keeps going):
 *
 *   load PATH
 *       (re)loads the weights; "ms" is the wall time of vgg19_model_load().
 *   setup THREADS PRECISION WIDTH HEIGHT TAP INPUT
 *       a new session (THREADS 0: one per core; PRECISION fp32 or bf16)
 *       planned up to TAP for a WIDTHxHEIGHT input, and the input itself:
 *       INPUT is a file of 3 x HEIGHT x WIDTH float32 (RGB planes, already
 *       normalised). Answers the kernels' "isa" and the "threads" used.
 *   run
 *       one profiled forward pass: "ms" (wall time of vgg19_session_run)
 *       and "layers", [name, ms, GFLOP] per layer.
 *   save FILE
 *       writes TAP's output of the last run to FILE as raw float32.
 *   quit
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vgg19/vgg19.h>

#include "json_write.h"

#define MAX_LINE 8192

typedef struct
{
  Vgg19Model *model;
  Vgg19Session *session;
  float *input;
  char *tap;
  gboolean have_output;
} Worker;

static void
reply_error (const char *message)
{
  GString *out = g_string_new ("{\"ok\": false, \"error\": ");

  json_append_string (out, message);
  g_string_append (out, "}\n");
  fputs (out->str, stdout);
  fflush (stdout);
  g_string_free (out, TRUE);
}

static void
reply (GString * out)
{
  g_string_append (out, "}\n");
  fputs (out->str, stdout);
  fflush (stdout);
  g_string_free (out, TRUE);
}

static void
drop_session (Worker * w)
{
  g_clear_pointer (&w->session, vgg19_session_free);
  g_clear_pointer (&w->input, g_free);
  g_clear_pointer (&w->tap, g_free);
  w->have_output = FALSE;
}

static void
cmd_load (Worker * w, const char *path)
{
  GError *error = NULL;
  GString *out;
  gint64 start;
  double ms;

  /* The previous model goes first, so that a reload never holds two. */
  drop_session (w);
  g_clear_pointer (&w->model, vgg19_model_unref);

  start = g_get_monotonic_time ();
  w->model = vgg19_model_load (path, &error);
  ms = (g_get_monotonic_time () - start) / 1000.0;
  if (w->model == NULL) {
    reply_error (error->message);
    g_error_free (error);
    return;
  }
  out = g_string_new ("{\"ok\": true, \"ms\": ");
  json_append_double (out, ms);
  g_string_append (out, ", \"arch\": ");
  json_append_string (out, vgg19_arch_name (vgg19_model_get_arch (w->model)));
  g_string_append (out, ", \"format\": ");
  json_append_string (out, vgg19_model_get_format (w->model));
  g_string_append (out, ", \"dtype\": ");
  json_append_string (out, vgg19_model_get_source_dtype (w->model));
  reply (out);
}

/* Reads exactly @n floats from @path into a new array. */
static float *
read_input (const char *path, gsize n, char **message)
{
  char *contents = NULL;
  gsize length = 0;
  GError *error = NULL;
  float *data;

  if (!g_file_get_contents (path, &contents, &length, &error)) {
    *message = g_strdup (error->message);
    g_error_free (error);
    return NULL;
  }
  if (length != n * sizeof (float)) {
    *message = g_strdup_printf ("%s: %" G_GSIZE_FORMAT " bytes, expected %"
        G_GSIZE_FORMAT " (3 x height x width float32)", path, length,
        n * sizeof (float));
    g_free (contents);
    return NULL;
  }
  data = g_new (float, n);
  memcpy (data, contents, length);
  g_free (contents);
  return data;
}

static void
cmd_setup (Worker * w, const char *args)
{
  guint threads, width, height;
  char precision_name[16], tap[64], *message = NULL;
  const char *taps[2] = { tap, NULL };
  Vgg19Precision precision;
  GError *error = NULL;
  GString *out;
  int consumed = 0;

  drop_session (w);
  if (w->model == NULL) {
    reply_error ("setup: no model loaded (send 'load PATH' first)");
    return;
  }
  if (sscanf (args, "%u %15s %u %u %63s %n", &threads, precision_name,
          &width, &height, tap, &consumed) != 5 || args[consumed] == '\0') {
    reply_error ("setup: expected THREADS PRECISION WIDTH HEIGHT TAP INPUT");
    return;
  }
  if (strcmp (precision_name, "fp32") == 0) {
    precision = VGG19_PRECISION_FP32;
  } else if (strcmp (precision_name, "bf16") == 0) {
    precision = VGG19_PRECISION_BF16;
  } else {
    message = g_strdup_printf ("setup: unknown precision '%s' (expected "
        "fp32 or bf16)", precision_name);
    reply_error (message);
    g_free (message);
    return;
  }
  if (width < VGG19_MIN_INPUT_SIDE || height < VGG19_MIN_INPUT_SIDE
      || width > VGG19_MAX_INPUT_SIDE || height > VGG19_MAX_INPUT_SIDE
      || (guint64) width * height > VGG19_MAX_INPUT_PIXELS) {
    reply_error ("setup: input size out of range");
    return;
  }

  w->session = vgg19_session_new (w->model, threads, precision, &error);
  if (w->session == NULL
      || !vgg19_session_reshape (w->session, width, height, taps, &error)) {
    reply_error (error->message);
    g_error_free (error);
    drop_session (w);
    return;
  }
  w->input = read_input (args + consumed, (gsize) 3 * width * height,
      &message);
  if (w->input == NULL) {
    reply_error (message);
    g_free (message);
    drop_session (w);
    return;
  }
  w->tap = g_strdup (tap);
  vgg19_session_set_profiling (w->session, TRUE);

  out = g_string_new ("{\"ok\": true, \"isa\": ");
  json_append_string (out, vgg19_session_get_isa (w->session));
  g_string_append_printf (out, ", \"threads\": %u",
      vgg19_session_get_n_threads (w->session));
  reply (out);
}

static void
cmd_run (Worker * w)
{
  const Vgg19LayerTime *profile;
  GError *error = NULL;
  GString *out;
  guint n_layers = 0, i;
  gint64 start;
  double ms;

  if (w->session == NULL) {
    reply_error ("run: no session (send 'setup ...' first)");
    return;
  }
  start = g_get_monotonic_time ();
  if (!vgg19_session_run (w->session, w->input, &error)) {
    reply_error (error->message);
    g_error_free (error);
    return;
  }
  ms = (g_get_monotonic_time () - start) / 1000.0;
  w->have_output = TRUE;

  out = g_string_new ("{\"ok\": true, \"ms\": ");
  json_append_double (out, ms);
  g_string_append (out, ", \"layers\": [");
  profile = vgg19_session_get_profile (w->session, &n_layers);
  for (i = 0; profile != NULL && i < n_layers; i++) {
    g_string_append (out, i > 0 ? ", [" : "[");
    json_append_string (out, profile[i].name);
    g_string_append (out, ", ");
    json_append_double (out, profile[i].ms);
    g_string_append (out, ", ");
    json_append_double (out, profile[i].gflop);
    g_string_append_c (out, ']');
  }
  g_string_append_c (out, ']');
  reply (out);
}

static void
cmd_save (Worker * w, const char *path)
{
  const Vgg19Tensor *t;
  GError *error = NULL;
  GString *out;
  gsize n;

  if (!w->have_output) {
    reply_error ("save: no output yet (send 'run' first)");
    return;
  }
  t = vgg19_session_get_output (w->session, w->tap);
  if (t == NULL) {
    reply_error ("save: the session has no output for its tap");
    return;
  }
  n = (gsize) t->channels * t->height * t->width;
  if (!g_file_set_contents (path, (const char *) t->data, n * sizeof (float),
          &error)) {
    reply_error (error->message);
    g_error_free (error);
    return;
  }
  out = g_string_new ("{\"ok\": true");
  g_string_append_printf (out, ", \"shape\": [%u, %u, %u]", t->channels,
      t->height, t->width);
  reply (out);
}

int
main (int argc, char **argv)
{
  Worker w = { 0 };
  char line[MAX_LINE];

  if (argc > 1) {
    fprintf (stderr, "usage: %s (commands on stdin, see the source)\n",
        argv[0]);
    return 2;
  }
  while (fgets (line, sizeof line, stdin) != NULL) {
    g_strchomp (line);
    if (strcmp (line, "quit") == 0)
      break;
    else if (g_str_has_prefix (line, "load "))
      cmd_load (&w, line + 5);
    else if (g_str_has_prefix (line, "setup "))
      cmd_setup (&w, line + 6);
    else if (strcmp (line, "run") == 0)
      cmd_run (&w);
    else if (g_str_has_prefix (line, "save "))
      cmd_save (&w, line + 5);
    else {
      char *message = g_strdup_printf ("unknown command '%s' (expected "
          "load, setup, run, save or quit)", line);

      reply_error (message);
      g_free (message);
    }
  }
  drop_session (&w);
  vgg19_model_unref (w.model);
  return 0;
}
