/* The vgg19 tool's output writers (JSON strings and numbers, .npy files)
 * and its option helpers, without running the network. */
#include <check.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "cli.h"
#include "json_write.h"
#include "npy_write.h"

static char *
json_string (const char *text)
{
  GString *s = g_string_new (NULL);

  json_append_string (s, text);
  return g_string_free (s, FALSE);
}

static char *
json_float (float v)
{
  GString *s = g_string_new (NULL);

  json_append_float (s, v);
  return g_string_free (s, FALSE);
}

static char *
json_double (double v)
{
  GString *s = g_string_new (NULL);

  json_append_double (s, v);
  return g_string_free (s, FALSE);
}

#define ck_assert_json_string(in, expected) \
  G_STMT_START { \
    char *got_ = json_string (in); \
    ck_assert_str_eq (got_, expected); \
    g_free (got_); \
  } G_STMT_END

START_TEST (test_json_string_escapes)
{
  ck_assert_json_string ("", "\"\"");
  ck_assert_json_string ("tabby, tabby cat", "\"tabby, tabby cat\"");
  ck_assert_json_string ("say \"hi\"", "\"say \\\"hi\\\"\"");
  ck_assert_json_string ("a\\b", "\"a\\\\b\"");
  ck_assert_json_string ("a/b", "\"a/b\"");
  ck_assert_json_string ("l1\nl2\r\t\b\f", "\"l1\\nl2\\r\\t\\b\\f\"");
  ck_assert_json_string ("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
  /* UTF-8 passes through unchanged */
  ck_assert_json_string ("caf\xc3\xa9 \xe2\x9c\x93",
      "\"caf\xc3\xa9 \xe2\x9c\x93\"");
}
END_TEST

START_TEST (test_json_string_invalid_utf8)
{
  /* a Latin-1 file name: the byte becomes U+FFFD, the rest is kept */
  ck_assert_json_string ("caf\xe9.png", "\"caf\xef\xbf\xbd.png\"");
  ck_assert_json_string ("\xff\"", "\"\xef\xbf\xbd\\\"\"");
}
END_TEST

START_TEST (test_json_float_round_trips)
{
  const float values[] = { 0.1f, 1.0f / 3.0f, -2.5e-30f, 3.4028235e38f,
    1.17549435e-38f, 1e-45f, 16777217.0f, -123.456f, 0.99999994f
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (values); i++) {
    char *text = json_float (values[i]);
    float back = (float) g_ascii_strtod (text, NULL);

    ck_assert_msg (back == values[i], "%s reads back as %.9g, not %.9g",
        text, back, values[i]);
    ck_assert_msg (strchr (text, ',') == NULL, "%s", text);
    g_free (text);
  }
}
END_TEST

START_TEST (test_json_numbers_special)
{
  char *s;

  s = json_float (NAN);
  ck_assert_str_eq (s, "null");
  g_free (s);
  s = json_float (-INFINITY);
  ck_assert_str_eq (s, "null");
  g_free (s);
  s = json_double (INFINITY);
  ck_assert_str_eq (s, "null");
  g_free (s);
  s = json_float (-0.0f);
  ck_assert_str_eq (s, "0");
  g_free (s);
  s = json_float (5.0f);
  ck_assert_str_eq (s, "5");
  g_free (s);
  s = json_double (0.1);
  ck_assert_double_eq (g_ascii_strtod (s, NULL), 0.1);
  g_free (s);
  s = json_double (1.0 / 3.0);
  ck_assert_double_eq (g_ascii_strtod (s, NULL), 1.0 / 3.0);
  g_free (s);
}
END_TEST

/* Checks the layout of an .npy header and returns its dict text. */
static char *
check_header (const guint8 * h, gsize size)
{
  guint len;

  ck_assert_uint_ge (size, 10);
  ck_assert_int_eq (memcmp (h, "\x93NUMPY", 6), 0);
  ck_assert_uint_eq (h[6], 1);
  ck_assert_uint_eq (h[7], 0);
  len = h[8] | (h[9] << 8);
  ck_assert_uint_eq (10 + len, size);
  ck_assert_uint_eq (size % 64, 0);
  ck_assert_uint_eq (h[size - 1], '\n');
  return g_strndup ((const char *) h + 10, len);
}

static void
check_dict (const guint64 * shape, guint n_dims, const char *expected)
{
  GBytes *header = npy_header_f32 (shape, n_dims);
  gsize size;
  const guint8 *h = g_bytes_get_data (header, &size);
  char *dict = check_header (h, size);

  g_strchomp (dict);            /* the padding spaces and the newline */
  ck_assert_str_eq (dict, expected);
  g_free (dict);
  g_bytes_unref (header);
}

START_TEST (test_npy_header)
{
  const guint64 chw[3] = { 64, 224, 224 };
  const guint64 fc[3] = { 1000, 1, 1 };
  const guint64 vec[1] = { 5 };
  const guint64 big[3] = { G_GUINT64_CONSTANT (12345678901), 7, 0 };

  check_dict (chw, 3, "{'descr': '<f4', 'fortran_order': False, "
      "'shape': (64, 224, 224), }");
  check_dict (fc, 3, "{'descr': '<f4', 'fortran_order': False, "
      "'shape': (1000, 1, 1), }");
  check_dict (vec, 1, "{'descr': '<f4', 'fortran_order': False, "
      "'shape': (5,), }");
  check_dict (NULL, 0, "{'descr': '<f4', 'fortran_order': False, "
      "'shape': (), }");
  check_dict (big, 3, "{'descr': '<f4', 'fortran_order': False, "
      "'shape': (12345678901, 7, 0), }");
}
END_TEST

static char *
make_temp_dir (void)
{
  char *dir = g_dir_make_tmp ("vgg19-npy-XXXXXX", NULL);

  ck_assert_ptr_nonnull (dir);
  return dir;
}

static void
remove_dir (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (d)) != NULL) {
    char *path = g_build_filename (dir, name, NULL);

    g_unlink (path);
    g_free (path);
  }
  g_dir_close (d);
  g_rmdir (dir);
}

static guint
count_files (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (g_dir_read_name (d) != NULL)
    n++;
  g_dir_close (d);
  return n;
}

START_TEST (test_npy_write)
{
  const guint64 shape[3] = { 2, 3, 4 };
  float data[24];
  char *dir = make_temp_dir ();
  char *path = g_build_filename (dir, "conv1_1.npy", NULL);
  char *contents, *dict;
  gsize size, offset;
  GError *error = NULL;
  guint i;

  for (i = 0; i < 24; i++)
    data[i] = (float) i * 0.5f - 3.0f;

  /* an older file of that name is replaced */
  ck_assert (g_file_set_contents (path, "stale", -1, NULL));
  ck_assert (npy_write_f32 (path, data, shape, 3, &error));
  ck_assert_ptr_null (error);
  ck_assert_uint_eq (count_files (dir), 1);     /* no temporary left */

  ck_assert (g_file_get_contents (path, &contents, &size, NULL));
  ck_assert_uint_ge (size, 10);
  offset = 10 + ((guint8) contents[8] | ((guint8) contents[9] << 8));
  ck_assert_uint_eq (size, offset + sizeof (data));
  dict = check_header ((const guint8 *) contents, offset);
  ck_assert_ptr_nonnull (strstr (dict, "'shape': (2, 3, 4)"));
  for (i = 0; i < 24; i++) {
    guint32 bits;
    float v;

    memcpy (&bits, contents + offset + 4 * i, 4);
    bits = GUINT32_FROM_LE (bits);
    memcpy (&v, &bits, 4);
    ck_assert_float_eq (v, data[i]);
  }
  g_free (dict);
  g_free (contents);
  g_free (path);
  remove_dir (dir);
  g_free (dir);
}
END_TEST

START_TEST (test_npy_write_error_names_the_file)
{
  const guint64 shape[1] = { 1 };
  float v = 1.0f;
  char *dir = make_temp_dir ();
  char *path = g_build_filename (dir, "missing", "x.npy", NULL);
  GError *error = NULL;

  ck_assert (!npy_write_f32 (path, &v, shape, 1, &error));
  ck_assert_ptr_nonnull (error);
  ck_assert_ptr_nonnull (strstr (error->message, path));
  g_error_free (error);
  g_free (path);
  remove_dir (dir);
  g_free (dir);
}
END_TEST

START_TEST (test_parse_layers)
{
  GError *error = NULL;
  char **layers;

  layers = cli_parse_layers ("conv4_2, relu5_4,conv4_2,fc8", &error);
  ck_assert_ptr_null (error);
  ck_assert_ptr_nonnull (layers);
  ck_assert_uint_eq (g_strv_length (layers), 3);
  ck_assert_str_eq (layers[0], "conv4_2");
  ck_assert_str_eq (layers[1], "relu5_4");
  ck_assert_str_eq (layers[2], "fc8");
  g_strfreev (layers);

  /* a VGG-16-only name is not VGG-19's, but it is a name */
  layers = cli_parse_layers ("relu5_3", &error);
  ck_assert_ptr_nonnull (layers);
  g_strfreev (layers);

  {
    const char *bad[] = { "", "conv6_1", "conv1_1,", ",pool1", "fc9",
      "Conv1_1", "conv1_1;pool1"
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS (bad); i++) {
      layers = cli_parse_layers (bad[i], &error);
      ck_assert_msg (layers == NULL, "'%s' was accepted", bad[i]);
      ck_assert (g_error_matches (error, CLI_ERROR, CLI_ERROR_USAGE));
      ck_assert_int_eq (cli_exit_status (error), 2);
      g_clear_error (&error);
    }
  }
}
END_TEST

START_TEST (test_parse_metric)
{
  GError *error = NULL;
  Vgg19Metric *m;
  double w;

  m = cli_parse_metric ("--layers", "perceptual", VGG19_METRIC_FEATURE,
      " relu1_2:1, relu2_2:0.5,conv4_2", VGG19_LOSS_L1, &error);
  ck_assert_ptr_nonnull (m);
  ck_assert_uint_eq (vgg19_metric_get_n_layers (m), 3);
  ck_assert_str_eq (vgg19_metric_get_layer (m, 1, &w), "relu2_2");
  ck_assert (w == 0.5);
  ck_assert_str_eq (vgg19_metric_get_layer (m, 2, &w), "conv4_2");
  ck_assert (w == 1.0);
  vgg19_metric_free (m);

  /* each mistake is a usage error naming the option and the culprit */
  m = cli_parse_metric ("--layers", "perceptual", VGG19_METRIC_FEATURE,
      "conv4_2,conv6_1", VGG19_LOSS_MSE, &error);
  ck_assert_ptr_null (m);
  ck_assert (g_error_matches (error, CLI_ERROR, CLI_ERROR_USAGE));
  ck_assert_ptr_nonnull (strstr (error->message, "--layers"));
  ck_assert_ptr_nonnull (strstr (error->message, "conv6_1"));
  g_clear_error (&error);
  m = cli_parse_metric ("--style-layers", "style", VGG19_METRIC_GRAM,
      "relu1_1:x", VGG19_LOSS_MSE, &error);
  ck_assert_ptr_null (m);
  ck_assert (g_error_matches (error, CLI_ERROR, CLI_ERROR_USAGE));
  ck_assert_ptr_nonnull (strstr (error->message, "--style-layers"));
  ck_assert_ptr_nonnull (strstr (error->message, "relu1_1"));
  g_clear_error (&error);
  m = cli_parse_metric ("--layers", "perceptual", VGG19_METRIC_FEATURE,
      "pool1,pool1", VGG19_LOSS_MSE, &error);
  ck_assert_ptr_null (m);
  ck_assert_ptr_nonnull (strstr (error->message, "pool1"));
  g_clear_error (&error);
}
END_TEST

START_TEST (test_option_values)
{
  GError *error = NULL;
  Vgg19Resize resize;
  Vgg19Precision precision;
  Vgg19Loss loss;

  ck_assert (cli_parse_resize (NULL, VGG19_RESIZE_NONE, &resize, &error));
  ck_assert_int_eq (resize, VGG19_RESIZE_NONE);
  ck_assert (cli_parse_resize ("crop", VGG19_RESIZE_NONE, &resize, &error));
  ck_assert_int_eq (resize, VGG19_RESIZE_CROP);
  ck_assert (!cli_parse_resize ("fit", VGG19_RESIZE_NONE, &resize, &error));
  ck_assert_int_eq (cli_exit_status (error), 2);
  ck_assert_ptr_nonnull (strstr (error->message, "fit"));
  g_clear_error (&error);

  ck_assert (cli_parse_precision (NULL, &precision, &error));
  ck_assert_int_eq (precision, VGG19_PRECISION_FP32);
  ck_assert (cli_parse_precision ("bf16", &precision, &error));
  ck_assert_int_eq (precision, VGG19_PRECISION_BF16);
  ck_assert (!cli_parse_precision ("fp16", &precision, &error));
  ck_assert_int_eq (cli_exit_status (error), 2);
  g_clear_error (&error);

  ck_assert (cli_parse_loss ("l1", &loss, &error));
  ck_assert_int_eq (loss, VGG19_LOSS_L1);
  ck_assert (!cli_parse_loss ("l2", &loss, &error));
  ck_assert_int_eq (cli_exit_status (error), 2);
  g_clear_error (&error);

  ck_assert (cli_check_threads (0, &error));
  ck_assert (!cli_check_threads (-1, &error));
  ck_assert_int_eq (cli_exit_status (error), 2);
  g_clear_error (&error);

  /* runtime errors exit with 1 */
  error = g_error_new (VGG19_ERROR, VGG19_ERROR_FORMAT, "bad file");
  ck_assert_int_eq (cli_exit_status (error), 1);
  g_clear_error (&error);
  error = g_error_new (G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "bad");
  ck_assert_int_eq (cli_exit_status (error), 2);
  g_clear_error (&error);
}
END_TEST

static Suite *
writers_suite (void)
{
  Suite *s = suite_create ("cli-writers");
  TCase *tc = tcase_create ("writers");

  tcase_add_test (tc, test_json_string_escapes);
  tcase_add_test (tc, test_json_string_invalid_utf8);
  tcase_add_test (tc, test_json_float_round_trips);
  tcase_add_test (tc, test_json_numbers_special);
  tcase_add_test (tc, test_npy_header);
  tcase_add_test (tc, test_npy_write);
  tcase_add_test (tc, test_npy_write_error_names_the_file);
  tcase_add_test (tc, test_parse_layers);
  tcase_add_test (tc, test_parse_metric);
  tcase_add_test (tc, test_option_values);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (writers_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
