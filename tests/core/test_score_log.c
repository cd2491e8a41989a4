/* Score logs: byte-exact JSON and CSV for a small example, parseable
 * after every frame (so a crash keeps a readable file), and errors that
 * name the file. */
#include <check.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <glib/gstdio.h>

#include <vgg19/metric.h>

#include "json.h"

static const char *const params[] = {
  "weights", "w \"1\".pth", "perceptual", "perceptual: feature mse conv4_2:1",
  NULL
};
static const char *const names[] = { "perceptual", "perceptual_conv4_2",
  NULL
};

/* The number of <frame> elements when @text is well-formed XML, else -1. */
static void
count_frames (GMarkupParseContext * context, const gchar * element,
    const gchar ** attribute_names, const gchar ** values, gpointer user_data,
    GError ** error)
{
  if (strcmp (element, "frame") == 0)
    (*(int *) user_data)++;
}

static int
xml_frames (const char *text)
{
  static const GMarkupParser parser = { count_frames, NULL, NULL, NULL, NULL };
  int n = 0;
  GMarkupParseContext *ctx = g_markup_parse_context_new (&parser, 0, &n,
      NULL);
  gboolean ok = g_markup_parse_context_parse (ctx, text, -1, NULL)
      && g_markup_parse_context_end_parse (ctx, NULL);

  g_markup_parse_context_free (ctx);
  return ok ? n : -1;
}

static char *
temp_path (const char *name)
{
  char *dir = g_dir_make_tmp ("vgg19-log-XXXXXX", NULL);
  char *path = g_build_filename (dir, name, NULL);

  g_free (dir);
  return path;
}

static void
remove_temp (char *path)
{
  char *dir = g_path_get_dirname (path);

  g_unlink (path);
  g_rmdir (dir);
  g_free (dir);
  g_free (path);
}

static char *
read_all (const char *path)
{
  char *text = NULL;

  ck_assert (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static const char *const aggregate[] = { "frames_compared",
  "reference_dropped", NULL
};
static const double aggregate_values[] = { 2, 0 };

static void
pooled_example (Vgg19PooledScore * p)
{
  /* count, mean, min, max, harmonic mean, p5, p95, median, p1, p10, p25,
   * stddev of 1.0 and 1.5 (numpy's percentiles and std) */
  p[0] = (Vgg19PooledScore) {
  2, 1.25, 1.0, 1.5, 1.2222222222222222, 1.025, 1.475, 1.25, 1.005, 1.05,
        1.125, 0.25};
  p[1] = (Vgg19PooledScore) {
  1, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
}

/* Writes two frames; checks after each step that the file parses as JSON
 * with the frames so far. */
START_TEST (test_json_golden_and_always_parseable)
{
  char *path = temp_path ("log.json");
  GError *error = NULL;
  Vgg19ScoreLog *log = vgg19_score_log_new (path, VGG19_LOG_JSON, params,
      names, &error);
  double f0[2] = { 1.5, 1.5 }, f1[2] = { 2e-7, 0.0 };
  Vgg19PooledScore pooled[2];
  char *text, *expected;
  guint step;

  ck_assert_ptr_nonnull (log);
  for (step = 0; step < 3; step++) {
    Vgg19JsonValue *root;
    const Vgg19JsonValue *frames;

    if (step == 1)
      ck_assert (vgg19_score_log_add_frame (log, 0, 0.0, f0, &error));
    if (step == 2)
      ck_assert (vgg19_score_log_add_frame (log, 1, NAN, f1, &error));
    text = read_all (path);
    root = vgg19_json_parse (text, strlen (text), 0, &error);
    ck_assert_msg (root != NULL, "step %u: %s", step,
        error ? error->message : "");
    frames = vgg19_json_object_get (root, "frames");
    ck_assert_ptr_nonnull (frames);
    ck_assert_uint_eq (frames->n, step);
    vgg19_json_free (root);
    g_free (text);
  }

  pooled_example (pooled);
  ck_assert (vgg19_score_log_finish (log, pooled, aggregate,
          aggregate_values, &error));
  ck_assert (!vgg19_score_log_add_frame (log, 2, 0.0, f0, &error));
  g_clear_error (&error);
  vgg19_score_log_free (log);

  text = read_all (path);
  expected = g_strdup_printf ("{\n"
      "  \"version\": \"vgg19 %s\",\n"
      "  \"params\": {\n"
      "    \"weights\": \"w \\\"1\\\".pth\",\n"
      "    \"perceptual\": \"perceptual: feature mse conv4_2:1\"\n"
      "  },\n"
      "  \"frames\": [\n"
      "    {\"frameNum\": 0, \"pts\": 0.000000, \"metrics\": "
      "{\"perceptual\": 1.500000, \"perceptual_conv4_2\": 1.500000}},\n"
      "    {\"frameNum\": 1, \"pts\": null, \"metrics\": "
      "{\"perceptual\": 0.0000002000000000, \"perceptual_conv4_2\": "
      "0.000000}}\n"
      "  ],\n"
      "  \"pooled_metrics\": {\n"
      "    \"perceptual\": {\"min\": 1.000000, \"max\": 1.500000, "
      "\"mean\": 1.250000, \"harmonic_mean\": 1.222222, \"median\": "
      "1.250000, \"p1\": 1.005000, \"p5\": 1.025000, \"p10\": 1.050000, "
      "\"p25\": 1.125000, \"p95\": 1.475000, \"stddev\": 0.250000, "
      "\"count\": 2},\n"
      "    \"perceptual_conv4_2\": {\"min\": 0.000000, \"max\": 0.000000, "
      "\"mean\": 0.000000, \"harmonic_mean\": 0.000000, \"median\": "
      "0.000000, \"p1\": 0.000000, \"p5\": 0.000000, \"p10\": 0.000000, "
      "\"p25\": 0.000000, \"p95\": 0.000000, \"stddev\": 0.000000, "
      "\"count\": 1}\n"
      "  },\n"
      "  \"aggregate_metrics\": {\"frames_compared\": 2.000000, "
      "\"reference_dropped\": 0.000000}\n"
      "}\n", vgg19_version ());
  ck_assert_str_eq (text, expected);
  g_free (expected);
  g_free (text);
  remove_temp (path);
}
END_TEST

START_TEST (test_csv_golden)
{
  char *path = temp_path ("log.csv");
  GError *error = NULL;
  Vgg19ScoreLog *log = vgg19_score_log_new (path, VGG19_LOG_CSV, params,
      names, &error);
  double f0[2] = { 1.5, 1.5 }, f1[2] = { 2e-7, INFINITY };
  Vgg19PooledScore pooled[2];
  char *text, *expected;

  ck_assert_ptr_nonnull (log);
  ck_assert (vgg19_score_log_add_frame (log, 0, 0.04, f0, &error));
  ck_assert (vgg19_score_log_add_frame (log, 1, NAN, f1, &error));
  pooled_example (pooled);
  ck_assert (vgg19_score_log_finish (log, pooled, aggregate,
          aggregate_values, &error));
  vgg19_score_log_free (log);

  text = read_all (path);
  expected = g_strdup_printf ("# vgg19 %s\n"
      "# weights: w \"1\".pth\n"
      "# perceptual: perceptual: feature mse conv4_2:1\n"
      "Frame,perceptual,perceptual_conv4_2,pts,\n"
      "0,1.500000,1.500000,0.040000,\n"
      "1,0.0000002000000000,,,\n"
      "# pooled,min,1.000000,0.000000,\n"
      "# pooled,max,1.500000,0.000000,\n"
      "# pooled,mean,1.250000,0.000000,\n"
      "# pooled,harmonic_mean,1.222222,0.000000,\n"
      "# pooled,median,1.250000,0.000000,\n"
      "# pooled,p1,1.005000,0.000000,\n"
      "# pooled,p5,1.025000,0.000000,\n"
      "# pooled,p10,1.050000,0.000000,\n"
      "# pooled,p25,1.125000,0.000000,\n"
      "# pooled,p95,1.475000,0.000000,\n"
      "# pooled,stddev,0.250000,0.000000,\n"
      "# pooled,count,2,1,\n"
      "# aggregate,frames_compared,2.000000,\n"
      "# aggregate,reference_dropped,0.000000,\n", vgg19_version ());
  ck_assert_str_eq (text, expected);
  g_free (expected);
  g_free (text);
  remove_temp (path);
}
END_TEST

/* libvmaf's XML, well-formed after every frame. */
START_TEST (test_xml_golden_and_always_parseable)
{
  char *path = temp_path ("log.xml");
  GError *error = NULL;
  static const char *const xml_params[] = { "weights", "a<&\"b.pth",
    "weights_sha256", "00ff", NULL
  };
  Vgg19ScoreLog *log = vgg19_score_log_new (path, VGG19_LOG_XML, xml_params,
      names, &error);
  double f0[2] = { 1.5, 1.5 }, f1[2] = { 2e-7, NAN };
  Vgg19PooledScore pooled[2];
  char *text, *expected;

  ck_assert_ptr_nonnull (log);
  text = read_all (path);
  ck_assert_int_eq (xml_frames (text), 0);
  g_free (text);
  ck_assert (vgg19_score_log_add_frame (log, 0, 0.0, f0, &error));
  text = read_all (path);
  ck_assert_int_eq (xml_frames (text), 1);
  g_free (text);
  ck_assert (vgg19_score_log_add_frame (log, 1, NAN, f1, &error));
  pooled_example (pooled);
  ck_assert (vgg19_score_log_finish (log, pooled, aggregate,
          aggregate_values, &error));
  vgg19_score_log_free (log);

  text = read_all (path);
  ck_assert_int_eq (xml_frames (text), 2);
  expected = g_strdup_printf ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<VMAF version=\"vgg19 %s\">\n"
      "  <params weights=\"a&lt;&amp;&quot;b.pth\" weights_sha256=\"00ff\" />\n"
      "  <frames>\n"
      "    <frame frameNum=\"0\" pts=\"0.000000\" perceptual=\"1.500000\" "
      "perceptual_conv4_2=\"1.500000\" />\n"
      "    <frame frameNum=\"1\" pts=\"nan\" "
      "perceptual=\"0.0000002000000000\" perceptual_conv4_2=\"nan\" />\n"
      "  </frames>\n"
      "  <pooled_metrics>\n"
      "    <metric name=\"perceptual\" min=\"1.000000\" max=\"1.500000\" "
      "mean=\"1.250000\" harmonic_mean=\"1.222222\" median=\"1.250000\" "
      "p1=\"1.005000\" p5=\"1.025000\" p10=\"1.050000\" p25=\"1.125000\" "
      "p95=\"1.475000\" stddev=\"0.250000\" count=\"2\" />\n"
      "    <metric name=\"perceptual_conv4_2\" min=\"0.000000\" "
      "max=\"0.000000\" mean=\"0.000000\" harmonic_mean=\"0.000000\" "
      "median=\"0.000000\" p1=\"0.000000\" p5=\"0.000000\" "
      "p10=\"0.000000\" p25=\"0.000000\" p95=\"0.000000\" "
      "stddev=\"0.000000\" count=\"1\" />\n"
      "  </pooled_metrics>\n"
      "  <aggregate_metrics frames_compared=\"2.000000\" "
      "reference_dropped=\"0.000000\" />\n"
      "</VMAF>\n", vgg19_version ());
  ck_assert_str_eq (text, expected);
  g_free (expected);
  g_free (text);
  remove_temp (path);
}
END_TEST

/* Freed without finish: the frames so far, still valid JSON. */
START_TEST (test_unfinished_json_keeps_frames)
{
  char *path = temp_path ("log.json");
  GError *error = NULL;
  Vgg19ScoreLog *log = vgg19_score_log_new (path, VGG19_LOG_JSON, NULL,
      names, &error);
  double f[2] = { 3.0, 4.0 };
  Vgg19JsonValue *root;
  char *text;
  guint i;

  for (i = 0; i < 100; i++)
    ck_assert (vgg19_score_log_add_frame (log, i, i / 25.0, f, &error));
  vgg19_score_log_free (log);
  text = read_all (path);
  root = vgg19_json_parse (text, strlen (text), 0, &error);
  ck_assert_ptr_nonnull (root);
  ck_assert_uint_eq (vgg19_json_object_get (root, "frames")->n, 100);
  ck_assert_ptr_null (vgg19_json_object_get (root, "pooled_metrics"));
  vgg19_json_free (root);
  g_free (text);
  remove_temp (path);
}
END_TEST

/* The file's size from now on may not exceed @limit bytes (writes past
 * it fail with EFBIG, the one crossing it is cut short), as on a full
 * disk; G_MAXUINT64: no limit. It holds for every file the test writes,
 * libcheck's report to its parent included: no ck_assert while a limit is
 * set. */
static gboolean
limit_file_size (guint64 limit)
{
  struct rlimit r;

  if (getrlimit (RLIMIT_FSIZE, &r) != 0)
    return FALSE;
  r.rlim_cur = limit == G_MAXUINT64 ? r.rlim_max : (rlim_t) limit;
  return setrlimit (RLIMIT_FSIZE, &r) == 0;
}

static gsize
file_size (const char *path)
{
  GStatBuf st;

  ck_assert (g_stat (path, &st) == 0);
  return (gsize) st.st_size;
}

/* The JSON log at @path parses and has @n frames, and the pooled block
 * when @pooled. */
static void
check_json_log (const char *path, guint n, gboolean pooled)
{
  GError *error = NULL;
  char *text = read_all (path);
  Vgg19JsonValue *root = vgg19_json_parse (text, strlen (text), 0, &error);

  ck_assert_msg (root != NULL, "%s does not parse: %s\n%s", path,
      error ? error->message : "", text);
  ck_assert_uint_eq (vgg19_json_object_get (root, "frames")->n, n);
  ck_assert (pooled == (vgg19_json_object_get (root,
              "pooled_metrics") != NULL));
  vgg19_json_free (root);
  g_free (text);
}

/* A write that fails part way (here a file size limit; a full disk alike)
 * is reported, and leaves a log that parses with the frames written
 * whole, JSON and CSV, during the frames and for the pooled block. */
START_TEST (test_failed_write_leaves_a_parseable_file)
{
  char *path = temp_path ("log.json");
  GError *error = NULL;
  Vgg19ScoreLog *log;
  double f[2] = { 3.0, 4.0 };
  Vgg19PooledScore pooled[2];
  GError *errors[3] = { NULL, NULL, NULL };
  gboolean ok[3], limited, unlimited;
  char *text;
  gsize size;
  guint i;

  /* no signal for the write past the limit, only its error */
  signal (SIGXFSZ, SIG_IGN);
  pooled_example (pooled);

  /* JSON: a record cut short, again at the same place, then the pooled
   * block cut short: the frames stay, without it */
  log = vgg19_score_log_new (path, VGG19_LOG_JSON, params, names, &error);
  ck_assert_ptr_nonnull (log);
  for (i = 0; i < 3; i++)
    ck_assert (vgg19_score_log_add_frame (log, i, i / 25.0, f, &error));
  size = file_size (path);
  limited = limit_file_size (size + 10);
  ok[0] = vgg19_score_log_add_frame (log, 3, 3 / 25.0, f, &errors[0]);
  ok[1] = vgg19_score_log_add_frame (log, 4, 4 / 25.0, f, &errors[1]);
  ok[2] = vgg19_score_log_finish (log, pooled, NULL, NULL,
      &errors[2]);
  unlimited = limit_file_size (G_MAXUINT64);
  ck_assert (limited && unlimited);
  for (i = 0; i < 3; i++) {
    ck_assert_msg (!ok[i], "write %u did not fail", i);
    ck_assert_msg (errors[i] && strstr (errors[i]->message, path), "%s",
        errors[i] ? errors[i]->message : "no error");
    g_clear_error (&errors[i]);
  }
  vgg19_score_log_free (log);
  check_json_log (path, 3, FALSE);
  ck_assert_uint_eq (file_size (path), size);

  /* CSV: no half line */
  log = vgg19_score_log_new (path, VGG19_LOG_CSV, params, names, &error);
  ck_assert_ptr_nonnull (log);
  for (i = 0; i < 3; i++)
    ck_assert (vgg19_score_log_add_frame (log, i, i / 25.0, f, &error));
  size = file_size (path);
  limited = limit_file_size (size + 5);
  ok[0] = vgg19_score_log_add_frame (log, 3, 3 / 25.0, f, &errors[0]);
  ok[1] = vgg19_score_log_finish (log, pooled, NULL, NULL,
      &errors[1]);
  unlimited = limit_file_size (G_MAXUINT64);
  ck_assert (limited && unlimited);
  ck_assert (!ok[0] && !ok[1]);
  g_clear_error (&errors[0]);
  g_clear_error (&errors[1]);
  vgg19_score_log_free (log);
  ck_assert_uint_eq (file_size (path), size);
  text = read_all (path);
  ck_assert (g_str_has_suffix (text, "\n"));
  /* Frame,<metrics>,pts, in libvmaf's column order and line ending */
  ck_assert_ptr_nonnull (strstr (text, "\n2,3.000000,4.000000,0.080000,\n"));
  g_free (text);
  remove_temp (path);
}
END_TEST

/* A log that cannot even write its header leaves the file that was at
 * its path as it was, and no temporary file. */
START_TEST (test_failed_start_keeps_the_old_file)
{
  char *path = temp_path ("log.json");
  char *dir = g_path_get_dirname (path), *text;
  GError *error = NULL;
  GDir *listing;
  Vgg19ScoreLog *log;
  gboolean limited, unlimited;

  signal (SIGXFSZ, SIG_IGN);
  ck_assert (g_file_set_contents (path, "{\"earlier\": 1}\n", -1, NULL));
  limited = limit_file_size (20);
  log = vgg19_score_log_new (path, VGG19_LOG_JSON, params, names, &error);
  unlimited = limit_file_size (G_MAXUINT64);
  ck_assert (limited && unlimited);
  ck_assert_ptr_null (log);
  ck_assert_msg (error && strstr (error->message, path), "%s",
      error ? error->message : "no error");
  g_clear_error (&error);
  text = read_all (path);
  ck_assert_str_eq (text, "{\"earlier\": 1}\n");
  g_free (text);
  listing = g_dir_open (dir, 0, NULL);
  ck_assert_ptr_nonnull (listing);
  ck_assert_str_eq (g_dir_read_name (listing), "log.json");
  ck_assert_ptr_null (g_dir_read_name (listing));
  g_dir_close (listing);

  /* and one that can replaces it */
  log = vgg19_score_log_new (path, VGG19_LOG_JSON, params, names, &error);
  ck_assert_ptr_nonnull (log);
  vgg19_score_log_free (log);
  check_json_log (path, 0, FALSE);
  g_free (dir);
  remove_temp (path);
}
END_TEST

START_TEST (test_errors_name_the_file)
{
  GError *error = NULL;
  const char *bad_names[] = { "a,b", NULL };
  Vgg19ScoreLog *log;
  double f[2] = { 1, 2 };

  log = vgg19_score_log_new ("/nonexistent-dir/x/log.json", VGG19_LOG_JSON,
      NULL, names, &error);
  ck_assert_ptr_null (log);
  ck_assert_int_eq (error->code, VGG19_ERROR_IO);
  ck_assert (strstr (error->message, "/nonexistent-dir/x/log.json") != NULL);
  g_clear_error (&error);

  log = vgg19_score_log_new ("unused.json", VGG19_LOG_JSON, NULL, bad_names,
      &error);
  ck_assert_ptr_null (log);
  ck_assert_int_eq (error->code, VGG19_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  {
    static const char *const bad_params[] = { "a b", "x", NULL };

    log = vgg19_score_log_new ("unused.xml", VGG19_LOG_XML, bad_params,
        names, &error);
    ck_assert_ptr_null (log);
    ck_assert (strstr (error->message, "\"a b\"") != NULL);
    g_clear_error (&error);
  }

  /* A full disk: the header's write already fails on /dev/full. */
  if (g_file_test ("/dev/full", G_FILE_TEST_EXISTS)) {
    log = vgg19_score_log_new ("/dev/full", VGG19_LOG_CSV, NULL, names,
        &error);
    ck_assert_ptr_null (log);
    ck_assert (strstr (error->message, "/dev/full") != NULL);
    g_clear_error (&error);
  }
  (void) f;
}
END_TEST

/* Small scores keep their significant digits; times stay in
 * microseconds. */
START_TEST (test_small_scores_keep_their_digits)
{
  char *path = temp_path ("log.csv");
  GError *error = NULL;
  Vgg19ScoreLog *log = vgg19_score_log_new (path, VGG19_LOG_CSV, NULL,
      names, &error);
  double f0[2] = { 4.3932054054119381e-06, -0.0123 };
  Vgg19PooledScore pooled[2];
  char *text;

  ck_assert_ptr_nonnull (log);
  ck_assert (vgg19_score_log_add_frame (log, 0, 0.04, f0, &error));
  pooled_example (pooled);
  ck_assert (vgg19_score_log_finish (log, pooled, aggregate,
          aggregate_values, &error));
  vgg19_score_log_free (log);
  text = read_all (path);
  ck_assert_ptr_nonnull (strstr (text,
          "\n0,0.0000043932054054,-0.0123000000000000,0.040000,\n"));
  g_free (text);
  remove_temp (path);
}
END_TEST

START_TEST (test_format_names)
{
  Vgg19LogFormat f;
  GError *error = NULL;

  ck_assert (vgg19_log_format_from_string ("json", &f, &error));
  ck_assert_int_eq (f, VGG19_LOG_JSON);
  ck_assert (vgg19_log_format_from_string ("csv", &f, &error));
  ck_assert_int_eq (f, VGG19_LOG_CSV);
  ck_assert_str_eq (vgg19_log_format_to_string (VGG19_LOG_CSV), "csv");
  ck_assert (vgg19_log_format_from_string ("xml", &f, &error));
  ck_assert_int_eq (f, VGG19_LOG_XML);
  ck_assert_str_eq (vgg19_log_format_to_string (VGG19_LOG_XML), "xml");
  ck_assert (!vgg19_log_format_from_string ("sub", &f, &error));
  ck_assert (strstr (error->message, "xml") != NULL);
  g_clear_error (&error);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("score_log");
  TCase *tc = tcase_create ("log");
  SRunner *sr;
  int failed;

  tcase_add_test (tc, test_json_golden_and_always_parseable);
  tcase_add_test (tc, test_csv_golden);
  tcase_add_test (tc, test_xml_golden_and_always_parseable);
  tcase_add_test (tc, test_unfinished_json_keeps_frames);
  tcase_add_test (tc, test_failed_write_leaves_a_parseable_file);
  tcase_add_test (tc, test_failed_start_keeps_the_old_file);
  tcase_add_test (tc, test_errors_name_the_file);
  tcase_add_test (tc, test_small_scores_keep_their_digits);
  tcase_add_test (tc, test_format_names);
  suite_add_tcase (s, tc);
  sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
