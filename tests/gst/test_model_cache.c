/* The process-wide model cache of the plugin (gst/model_cache.c): one
 * model per weight file, whichever path names it, loaded once even when
 * asked for from several threads at once, freed with its last user, and
 * loaded again when the file changes. */
#include <string.h>
#include <unistd.h>
#include <utime.h>

#include <glib/gstdio.h>

#include "gst_test_util.h"
#include "model_cache.h"

GST_START_TEST (test_one_model_per_file)
{
  const char *path = gst_test_weights ("features_only");
  gchar *dir = g_dir_make_tmp ("vgg19-gst-test-XXXXXX", NULL);
  gchar *link = g_build_filename (dir, "link.pth", NULL);
  gchar *relative, *cwd = g_get_current_dir ();
  Vgg19Model *a, *b, *c;
  GError *error = NULL;

  fail_unless_equals_int (gst_vgg19_model_cache_get_size (), 0);
  a = gst_vgg19_model_cache_acquire (path, &error);
  fail_unless (a != NULL, "%s", error ? error->message : "?");
  b = gst_vgg19_model_cache_acquire (path, NULL);
  fail_unless (b == a);
  /* another spelling of the same file */
  fail_unless (symlink (path, link) == 0);
  c = gst_vgg19_model_cache_acquire (link, NULL);
  fail_unless (c == a);
  fail_unless_equals_int (gst_vgg19_model_cache_get_size (), 1);

  gst_vgg19_model_cache_release (a);
  gst_vgg19_model_cache_release (b);
  fail_unless_equals_int (gst_vgg19_model_cache_get_size (), 1);
  gst_vgg19_model_cache_release (c);
  fail_unless_equals_int (gst_vgg19_model_cache_get_size (), 0);

  /* relative to the working directory */
  fail_unless (g_chdir (dir) == 0);
  relative = g_path_get_basename (link);
  a = gst_vgg19_model_cache_acquire (relative, NULL);
  fail_unless (a != NULL);
  gst_vgg19_model_cache_release (a);
  fail_unless_equals_int (gst_vgg19_model_cache_get_size (), 0);
  fail_unless (g_chdir (cwd) == 0);

  g_unlink (link);
  g_rmdir (dir);
  g_free (relative);
  g_free (cwd);
  g_free (link);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_changed_file_loads_again)
{
  gchar *dir = g_dir_make_tmp ("vgg19-gst-test-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "weights.pth", NULL);
  struct utimbuf times = { 1000000000, 1000000000 };
  Vgg19Model *a, *b, *c;
  gchar *contents;
  gsize size;

  fail_unless (g_file_get_contents (gst_test_weights ("features_only"),
          &contents, &size, NULL));
  fail_unless (g_file_set_contents (path, contents, size, NULL));
  g_free (contents);
  a = gst_vgg19_model_cache_acquire (path, NULL);
  fail_unless (a != NULL);

  /* rewritten in place (as far as its time says): loaded again */
  fail_unless (utime (path, &times) == 0);
  b = gst_vgg19_model_cache_acquire (path, NULL);
  fail_unless (b != NULL && b != a);
  fail_unless_equals_int (gst_vgg19_model_cache_get_size (), 2);

  /* the path now names another file: that file's model */
  fail_unless (g_unlink (path) == 0);
  fail_unless (symlink (gst_test_weights ("legacy_v1"), path) == 0);
  c = gst_vgg19_model_cache_acquire (path, NULL);
  fail_unless (c != NULL && c != a && c != b);
  fail_unless (vgg19_model_has_classifier (c));
  fail_unless (!vgg19_model_has_classifier (a));

  gst_vgg19_model_cache_release (a);
  gst_vgg19_model_cache_release (b);
  gst_vgg19_model_cache_release (c);
  fail_unless_equals_int (gst_vgg19_model_cache_get_size (), 0);

  g_unlink (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

static gpointer
acquire_thread (gpointer data)
{
  return gst_vgg19_model_cache_acquire (data, NULL);
}

GST_START_TEST (test_threads_share_one_load)
{
  const char *path = gst_test_weights ("features_only");
  GThread *threads[4];
  Vgg19Model *models[4];
  guint i;

  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("acquire", acquire_thread, (gpointer) path);
  for (i = 0; i < G_N_ELEMENTS (threads); i++) {
    models[i] = g_thread_join (threads[i]);
    fail_unless (models[i] != NULL);
    fail_unless (models[i] == models[0]);
  }
  fail_unless_equals_int (gst_vgg19_model_cache_get_size (), 1);
  for (i = 0; i < G_N_ELEMENTS (threads); i++)
    gst_vgg19_model_cache_release (models[i]);
  fail_unless_equals_int (gst_vgg19_model_cache_get_size (), 0);
}

GST_END_TEST;

GST_START_TEST (test_failures_are_not_cached)
{
  gchar *missing = g_build_filename (g_get_tmp_dir (),
      "vgg19-gst-test-does-not-exist.pth", NULL);
  GError *error = NULL;

  fail_unless (gst_vgg19_model_cache_acquire (missing, &error) == NULL);
  fail_unless (error != NULL && error->domain == VGG19_ERROR);
  fail_unless (strstr (error->message, missing) != NULL, "%s", error->message);
  g_clear_error (&error);
  fail_unless_equals_int (gst_vgg19_model_cache_get_size (), 0);
  /* NULL is allowed */
  gst_vgg19_model_cache_release (NULL);
  g_free (missing);
}

GST_END_TEST;

static Suite *
model_cache_suite (void)
{
  Suite *s = suite_create ("model cache");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_one_model_per_file);
  tcase_add_test (tc, test_changed_file_loads_again);
  tcase_add_test (tc, test_threads_share_one_load);
  tcase_add_test (tc, test_failures_are_not_cached);
  return s;
}

GST_CHECK_MAIN (model_cache);
