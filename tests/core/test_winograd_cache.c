/* The Winograd filter cache: a load writes it, the next load maps it, and
 * every way it can be wrong (weights changed since, truncated, another
 * version, garbage, a directory that cannot be written) falls back to
 * computing the filters, with the same outputs bit for bit.
 *
 * The weights are the seeded file of seeded_weights.h (80 MB, written
 * here); whether a load read the cache or computed the filters is read
 * from the library's debug messages.
 */
#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <vgg19/vgg19.h>

#include "seeded_weights.h"

static char *tmp_dir, *weights_path, *cache_dir;
static float *reference_out;    /* relu5_4 computed without cache */
static gsize reference_n;
static gboolean saw_read, saw_written;

static void
log_handler (const gchar * domain, GLogLevelFlags level, const gchar * msg,
    gpointer data)
{
  if (strstr (msg, "Winograd filters read from"))
    saw_read = TRUE;
  if (strstr (msg, "Winograd filters written to"))
    saw_written = TRUE;
}

/* relu5_4 of a fixed 40x36 input with the model at weights_path. */
static float *
run_model (gsize * n)
{
  const char *taps[] = { "relu5_4", NULL };
  GError *error = NULL;
  Vgg19Model *model = vgg19_model_load (weights_path, &error);
  Vgg19Session *s;
  const Vgg19Tensor *t;
  float *input, *out;
  GRand *r = g_rand_new_with_seed (3);
  guint i;

  ck_assert_msg (model != NULL, "%s", error ? error->message : "");
  s = vgg19_session_new (model, 2, VGG19_PRECISION_FP32, &error);
  ck_assert_ptr_nonnull (s);
  ck_assert (vgg19_session_reshape (s, 40, 36, taps, &error));
  input = g_new (float, 3 * 40 * 36);
  for (i = 0; i < 3 * 40 * 36; i++)
    input[i] = (float) g_rand_double_range (r, -2, 2);
  ck_assert (vgg19_session_run (s, input, &error));
  t = vgg19_session_get_output (s, "relu5_4");
  *n = (gsize) t->channels * t->height * t->width;
  out = g_memdup2 (t->data, *n * sizeof (float));
  vgg19_session_free (s);
  vgg19_model_unref (model);
  g_free (input);
  g_rand_free (r);
  return out;
}

/* Loads with the cache in @dir (or "off"), checks the outputs against
 * the uncached ones and reports what the load did. */
static void
load_and_check (const char *dir, gboolean want_read, gboolean want_written,
    const char *what)
{
  gsize n;
  float *out;

  g_setenv ("VGG19_PACK_CACHE", dir, TRUE);
  saw_read = saw_written = FALSE;
  out = run_model (&n);
  ck_assert_uint_eq (n, reference_n);
  ck_assert_msg (memcmp (out, reference_out, n * sizeof (float)) == 0,
      "%s: outputs differ from the uncached load", what);
  ck_assert_msg (saw_read == want_read, "%s: cache %s", what,
      saw_read ? "read, but should not be" : "not read");
  ck_assert_msg (saw_written == want_written, "%s: cache %s", what,
      saw_written ? "written, but should not be" : "not written");
  g_free (out);
}

static char *
the_cache_file (void)
{
  GDir *d = g_dir_open (cache_dir, 0, NULL);
  const char *name;
  char *path = NULL;
  guint count = 0;

  ck_assert_ptr_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL) {
    ck_assert_msg (g_str_has_suffix (name, ".winograd"), "stray file %s "
        "in the cache (a temporary file left behind?)", name);
    g_free (path);
    path = g_build_filename (cache_dir, name, NULL);
    count++;
  }
  g_dir_close (d);
  ck_assert_uint_eq (count, 1);
  return path;
}

static void
rm_rf (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL) {
    g_unlink (dir);
    return;
  }
  while ((name = g_dir_read_name (d)) != NULL) {
    char *p = g_build_filename (dir, name, NULL);

    if (g_file_test (p, G_FILE_TEST_IS_DIR))
      rm_rf (p);
    else
      g_unlink (p);
    g_free (p);
  }
  g_dir_close (d);
  g_rmdir (dir);
}

/* Once per run, in the parent process: the weights and the uncached
 * outputs. */
static void
setup_once (void)
{
  tmp_dir = g_dir_make_tmp ("vgg19-wcache-XXXXXX", NULL);
  ck_assert_ptr_nonnull (tmp_dir);
  weights_path = g_build_filename (tmp_dir, "features.safetensors", NULL);
  cache_dir = g_build_filename (tmp_dir, "cache", NULL);
  {
    GError *error = NULL;

    ck_assert_msg (test_write_seeded_weights (weights_path, &error), "%s",
        error ? error->message : "");
  }
  g_log_set_handler ("vgg19", G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO,
      log_handler, NULL);
  g_setenv ("G_MESSAGES_DEBUG", "vgg19", TRUE);
  g_setenv ("VGG19_PACK_CACHE", "off", TRUE);
  reference_out = run_model (&reference_n);
}

/* Each test starts without a cache. */
static void
setup (void)
{
  rm_rf (cache_dir);
}

static void
teardown_once (void)
{
  rm_rf (tmp_dir);
  g_free (tmp_dir);
  g_free (weights_path);
  g_free (cache_dir);
  g_free (reference_out);
}

START_TEST (test_written_then_read)
{
  char *file;
  GStatBuf st1, st2;

  load_and_check ("off", FALSE, FALSE, "cache off");
  ck_assert (!g_file_test (cache_dir, G_FILE_TEST_EXISTS));
  load_and_check (cache_dir, FALSE, TRUE, "first load");
  file = the_cache_file ();
  ck_assert_int_eq (g_stat (file, &st1), 0);
  load_and_check (cache_dir, TRUE, FALSE, "second load");
  load_and_check (cache_dir, TRUE, FALSE, "third load");
  ck_assert_int_eq (g_stat (file, &st2), 0);
  ck_assert_int_eq (st1.st_ino, st2.st_ino);
  g_free (file);
}
END_TEST

START_TEST (test_weights_changed)
{
  struct timespec times[2] = { {0, UTIME_NOW}, {12345, 0} };

  load_and_check (cache_dir, FALSE, TRUE, "first load");
  /* Same size and contents, another modification time: the cache cannot
   * tell the contents did not change, so it must not be used. */
  ck_assert_int_eq (utimensat (AT_FDCWD, weights_path, times, 0), 0);
  load_and_check (cache_dir, FALSE, TRUE, "after the weights changed");
  load_and_check (cache_dir, TRUE, FALSE, "then");
  g_free (the_cache_file ());
}
END_TEST

/* A damaged cache file, in turn: cut short, or its magic, version or
 * layer table overwritten. Each is rebuilt by the next load. */
START_TEST (test_damaged_cache_file)
{
  static const char *const damage[] = { "truncated", "magic", "version",
    "table"
  };
  /* magic at 0, version at 8, the layer table after the 64-byte header */
  static const off_t at[] = { 0, 0, 8, 64 + 20 };
  char *file;
  guint i;
  int fd;

  load_and_check (cache_dir, FALSE, TRUE, "first load");
  file = the_cache_file ();
  for (i = 0; i < G_N_ELEMENTS (damage); i++) {
    if (i == 0) {
      ck_assert_int_eq (truncate (file, 100000), 0);
    } else {
      guint32 junk = 0xdeadbeef;

      fd = g_open (file, O_WRONLY, 0);
      ck_assert_int_ge (fd, 0);
      ck_assert_int_eq (pwrite (fd, &junk, 4, at[i]), 4);
      close (fd);
    }
    load_and_check (cache_dir, FALSE, TRUE, damage[i]);
  }
  load_and_check (cache_dir, TRUE, FALSE, "rebuilt");
  g_free (file);
}
END_TEST

/* The cache directory cannot be made (a file is in the way): loading
 * goes on, with the filters computed. */
START_TEST (test_unwritable_cache)
{
  ck_assert (g_file_set_contents (cache_dir, "not a directory", -1, NULL));
  load_and_check (cache_dir, FALSE, FALSE, "unwritable");
  load_and_check (cache_dir, FALSE, FALSE, "unwritable again");
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("winograd_cache");
  TCase *tc = tcase_create ("cache");
  SRunner *sr;
  int failed;

  tcase_set_timeout (tc, 300);
  tcase_add_unchecked_fixture (tc, setup_once, teardown_once);
  tcase_add_checked_fixture (tc, setup, NULL);
  tcase_add_test (tc, test_written_then_read);
  tcase_add_test (tc, test_weights_changed);
  tcase_add_test (tc, test_damaged_cache_file);
  tcase_add_test (tc, test_unwritable_cache);
  suite_add_tcase (s, tc);
  sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
