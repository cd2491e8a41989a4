/* Data files found at run time: the class names (vgg19_labels_*) and the
 * weight file (vgg19_weights_find). Each test runs in its own process
 * (libcheck's fork mode), so changing the environment is safe. */
#include <check.h>
#include <string.h>
#include <glib/gstdio.h>

#include <vgg19/vgg19.h>

#ifndef VGG19_SOURCE_ROOT
#error "VGG19_SOURCE_ROOT must point at the source tree"
#endif

/* ---------------------------------------------------------------- */
/* Temporary files                                                   */
/* ---------------------------------------------------------------- */

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL) {
    while ((name = g_dir_read_name (dir)) != NULL) {
      char *child = g_build_filename (path, name, NULL);
      remove_tree (child);
      g_free (child);
    }
    g_dir_close (dir);
  }
  g_remove (path);
}

static char *
make_tmp_dir (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("vgg19-test-XXXXXX", &error);

  if (dir == NULL)
    ck_abort_msg ("cannot make a temporary directory: %s", error->message);
  return dir;
}

/* Writes @len bytes to @dir/@name (creating subdirectories); returns the
 * path. */
static char *
write_file (const char *dir, const char *name, const char *data, gssize len)
{
  char *path = g_build_filename (dir, name, NULL);
  char *parent = g_path_get_dirname (path);

  ck_assert_int_eq (g_mkdir_with_parents (parent, 0700), 0);
  ck_assert (g_file_set_contents (path, data, len, NULL));
  g_free (parent);
  return path;
}

/* "class 0\nclass 1\n..." with @n lines, @eol after each and none after
 * the last unless @final_eol. */
static GString *
label_text (guint n, const char *eol, gboolean final_eol)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < n; i++) {
    g_string_append_printf (s, "class %u", i);
    if (i + 1 < n || final_eol)
      g_string_append (s, eol);
  }
  return s;
}

static void
assert_error (GError * error, gint code, const char *n1, const char *n2)
{
  ck_assert_ptr_nonnull (error);
  if (!g_error_matches (error, VGG19_ERROR, code))
    ck_abort_msg ("expected code %d, got %d: %s", code, error->code,
        error->message);
  if (n1 && strstr (error->message, n1) == NULL)
    ck_abort_msg ("\"%s\" not in \"%s\"", n1, error->message);
  if (n2 && strstr (error->message, n2) == NULL)
    ck_abort_msg ("\"%s\" not in \"%s\"", n2, error->message);
}

/* ---------------------------------------------------------------- */
/* Labels                                                            */
/* ---------------------------------------------------------------- */

START_TEST (test_labels_shipped_file)
{
  GError *error = NULL;
  Vgg19Labels *l =
      vgg19_labels_load (VGG19_SOURCE_ROOT "/weights/imagenet-classes.txt",
      &error);

  if (l == NULL)
    ck_abort_msg ("%s", error->message);
  ck_assert_uint_eq (vgg19_labels_get_count (l), VGG19_N_CLASSES);
  ck_assert_str_eq (vgg19_labels_get (l, 0), "tench");
  ck_assert_str_eq (vgg19_labels_get (l, 1), "goldfish");
  ck_assert_str_eq (vgg19_labels_get (l, 999), "toilet tissue");
  ck_assert_ptr_null (vgg19_labels_get (l, 1000));
  ck_assert_ptr_null (vgg19_labels_get (l, G_MAXUINT));
  vgg19_labels_free (l);
}
END_TEST

START_TEST (test_labels_line_endings)
{
  static const struct
  {
    const char *eol;
    gboolean final_eol;
  } cases[] = {
    {"\n", TRUE}, {"\n", FALSE}, {"\r\n", TRUE}, {"\r\n", FALSE},
  };
  char *dir = make_tmp_dir ();
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GString *s = label_text (1000, cases[i].eol, cases[i].final_eol);
    char *path = write_file (dir, "labels.txt", s->str, s->len);
    GError *error = NULL;
    Vgg19Labels *l = vgg19_labels_load (path, &error);

    if (l == NULL)
      ck_abort_msg ("case %u: %s", i, error->message);
    ck_assert_uint_eq (vgg19_labels_get_count (l), 1000);
    ck_assert_str_eq (vgg19_labels_get (l, 0), "class 0");
    ck_assert_str_eq (vgg19_labels_get (l, 999), "class 999");
    vgg19_labels_free (l);
    g_string_free (s, TRUE);
    g_free (path);
  }
  remove_tree (dir);
  g_free (dir);
}
END_TEST

START_TEST (test_labels_utf8_names)
{
  char *dir = make_tmp_dir ();
  GString *s = label_text (999, "\n", TRUE);
  char *path;
  Vgg19Labels *l;

  /* A byte-order mark is skipped; non-ASCII names are kept. */
  g_string_prepend (s, "\xef\xbb\xbf");
  g_string_append (s, "caf\xc3\xa9 cr\xc3\xa8me\n");
  path = write_file (dir, "labels.txt", s->str, s->len);
  l = vgg19_labels_load (path, NULL);
  ck_assert_ptr_nonnull (l);
  ck_assert_str_eq (vgg19_labels_get (l, 0), "class 0");
  ck_assert_str_eq (vgg19_labels_get (l, 999), "caf\xc3\xa9 cr\xc3\xa8me");
  vgg19_labels_free (l);
  g_string_free (s, TRUE);
  g_free (path);
  remove_tree (dir);
  g_free (dir);
}
END_TEST

START_TEST (test_labels_bad_files)
{
  char *dir = make_tmp_dir ();
  GError *error = NULL;
  GString *s;
  char *path, *missing;

  /* Too few. */
  s = label_text (999, "\n", TRUE);
  path = write_file (dir, "short.txt", s->str, s->len);
  ck_assert_ptr_null (vgg19_labels_load (path, &error));
  assert_error (error, VGG19_ERROR_FORMAT, path, "999");
  g_clear_error (&error);
  g_string_free (s, TRUE);
  g_free (path);

  /* Too many. */
  s = label_text (1001, "\n", FALSE);
  path = write_file (dir, "long.txt", s->str, s->len);
  ck_assert_ptr_null (vgg19_labels_load (path, &error));
  assert_error (error, VGG19_ERROR_FORMAT, path, ":1001:");
  g_clear_error (&error);
  g_string_free (s, TRUE);
  g_free (path);

  /* An empty line in the middle (1000 lines in all). */
  s = label_text (1000, "\n", TRUE);
  {
    char *at = strstr (s->str, "\nclass 499\n");
    gssize pos = at - s->str + 1;

    g_string_erase (s, pos, strlen ("class 499"));
  }
  path = write_file (dir, "hole.txt", s->str, s->len);
  ck_assert_ptr_null (vgg19_labels_load (path, &error));
  assert_error (error, VGG19_ERROR_FORMAT, path, ":500:");
  g_clear_error (&error);
  g_string_free (s, TRUE);
  g_free (path);

  /* A blank line at the end is a 1001st (empty) line. */
  s = label_text (1000, "\n", TRUE);
  g_string_append (s, "\r\n");
  path = write_file (dir, "blank.txt", s->str, s->len);
  ck_assert_ptr_null (vgg19_labels_load (path, &error));
  assert_error (error, VGG19_ERROR_FORMAT, path, ":1001:");
  g_clear_error (&error);
  g_string_free (s, TRUE);
  g_free (path);

  /* Invalid UTF-8 on line 7, and a NUL byte on line 9. */
  s = label_text (1000, "\n", TRUE);
  {
    char *at = strstr (s->str, "class 6\n");
    at[1] = (char) 0xff;
  }
  path = write_file (dir, "latin.txt", s->str, s->len);
  ck_assert_ptr_null (vgg19_labels_load (path, &error));
  assert_error (error, VGG19_ERROR_FORMAT, path, ":7:");
  g_clear_error (&error);
  g_string_free (s, TRUE);
  g_free (path);
  s = label_text (1000, "\n", TRUE);
  {
    char *at = strstr (s->str, "class 8\n");
    at[2] = '\0';
  }
  path = write_file (dir, "nul.txt", s->str, s->len);
  ck_assert_ptr_null (vgg19_labels_load (path, &error));
  assert_error (error, VGG19_ERROR_FORMAT, path, ":9:");
  g_clear_error (&error);
  g_string_free (s, TRUE);
  g_free (path);

  /* Empty file. */
  path = write_file (dir, "empty.txt", "", 0);
  ck_assert_ptr_null (vgg19_labels_load (path, &error));
  assert_error (error, VGG19_ERROR_FORMAT, path, "is empty");
  g_clear_error (&error);
  g_free (path);

  /* Missing file and a directory. */
  missing = g_build_filename (dir, "nope.txt", NULL);
  ck_assert_ptr_null (vgg19_labels_load (missing, &error));
  assert_error (error, VGG19_ERROR_NOT_FOUND, missing, NULL);
  g_clear_error (&error);
  g_free (missing);
  ck_assert_ptr_null (vgg19_labels_load (dir, &error));
  assert_error (error, VGG19_ERROR_IO, dir, NULL);
  g_clear_error (&error);

  /* Huge file: refused without reading it all. */
  {
    gsize big = 2 * 1024 * 1024;
    char *junk = g_malloc (big);

    memset (junk, 'a', big);
    path = write_file (dir, "huge.txt", junk, big);
    ck_assert_ptr_null (vgg19_labels_load (path, &error));
    assert_error (error, VGG19_ERROR_FORMAT, path, NULL);
    g_clear_error (&error);
    g_free (path);
    g_free (junk);
  }

  remove_tree (dir);
  g_free (dir);
}
END_TEST

START_TEST (test_labels_default_lookup)
{
  char *dir = make_tmp_dir ();
  GString *s = label_text (1000, "\n", TRUE);
  char *path = write_file (dir, "mine.txt", s->str, s->len);
  char *missing = g_build_filename (dir, "missing.txt", NULL);
  GError *error = NULL;
  Vgg19Labels *l;

  /* $VGG19_LABELS first. */
  g_setenv ("VGG19_LABELS", path, TRUE);
  l = vgg19_labels_load (NULL, &error);
  ck_assert_ptr_nonnull (l);
  ck_assert_str_eq (vgg19_labels_get (l, 3), "class 3");
  vgg19_labels_free (l);
  /* An explicit path wins over it. */
  l = vgg19_labels_load (VGG19_SOURCE_ROOT "/weights/imagenet-classes.txt",
      &error);
  ck_assert_ptr_nonnull (l);
  ck_assert_str_eq (vgg19_labels_get (l, 0), "tench");
  vgg19_labels_free (l);

  /* A $VGG19_LABELS that does not exist is reported, not skipped. */
  g_setenv ("VGG19_LABELS", missing, TRUE);
  ck_assert_ptr_null (vgg19_labels_load (NULL, &error));
  assert_error (error, VGG19_ERROR_NOT_FOUND, missing, NULL);
  g_clear_error (&error);

  /* Unset (or empty): the installed copy, which exists only once the
   * project is installed; either it loads or its path is reported. */
  g_setenv ("VGG19_LABELS", "", TRUE);
  l = vgg19_labels_load (NULL, &error);
  if (l != NULL) {
    ck_assert_uint_eq (vgg19_labels_get_count (l), 1000);
  } else {
    assert_error (error, VGG19_ERROR_NOT_FOUND,
        G_DIR_SEPARATOR_S "imagenet-classes.txt", NULL);
    ck_assert_ptr_null (strstr (error->message, dir));
    g_clear_error (&error);
  }
  vgg19_labels_free (l);

  /* NULL is accepted everywhere. */
  vgg19_labels_free (NULL);
  ck_assert_uint_eq (vgg19_labels_get_count (NULL), 0);
  ck_assert_ptr_null (vgg19_labels_get (NULL, 0));

  g_string_free (s, TRUE);
  g_free (path);
  g_free (missing);
  remove_tree (dir);
  g_free (dir);
}
END_TEST

/* ---------------------------------------------------------------- */
/* Weight file lookup                                                */
/* ---------------------------------------------------------------- */

/* A clean environment: nothing set, the cache in an empty directory. */
static char *
isolated_env (void)
{
  char *dir = make_tmp_dir ();
  char *cache = g_build_filename (dir, "cache", NULL);
  char *home = g_build_filename (dir, "home", NULL);

  g_unsetenv ("VGG19_WEIGHTS");
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_setenv ("HOME", home, TRUE);
  g_free (cache);
  g_free (home);
  return dir;
}

START_TEST (test_weights_help)
{
  const char *help = vgg19_weights_help ();

  ck_assert_ptr_nonnull (help);
  ck_assert_ptr_nonnull (strstr (help, "weights/fetch"));
  ck_assert_ptr_nonnull (strstr (help, VGG19_OFFICIAL_WEIGHTS_NAME));
  ck_assert_ptr_nonnull (strstr (help, "--weights"));
  ck_assert_ptr_nonnull (strstr (help, "VGG19_WEIGHTS"));
  ck_assert_ptr_nonnull (strstr (help, "weights property"));
}
END_TEST

START_TEST (test_weights_explicit)
{
  char *dir = isolated_env ();
  char *file = write_file (dir, "w.pth", "x", 1);
  char *env_file = write_file (dir, "env.pth", "x", 1);
  char *cached = write_file (dir, "cache/vgg19/" VGG19_OFFICIAL_WEIGHTS_NAME,
      "x", 1);
  char *missing = g_build_filename (dir, "missing.pth", NULL);
  GError *error = NULL;
  char *found;

  /* An explicit path wins over everything. */
  g_setenv ("VGG19_WEIGHTS", env_file, TRUE);
  found = vgg19_weights_find (file, &error);
  ck_assert_str_eq (found, file);
  g_free (found);

  /* A missing explicit file is an error even though others exist. */
  ck_assert_ptr_null (vgg19_weights_find (missing, &error));
  assert_error (error, VGG19_ERROR_NOT_FOUND, missing,
      vgg19_weights_help ());
  g_clear_error (&error);

  /* So is a directory. */
  ck_assert_ptr_null (vgg19_weights_find (dir, &error));
  assert_error (error, VGG19_ERROR_NOT_FOUND, dir, "not a regular file");
  g_clear_error (&error);

  /* An empty string means "not given". */
  found = vgg19_weights_find ("", &error);
  ck_assert_str_eq (found, env_file);
  g_free (found);

  g_free (file);
  g_free (env_file);
  g_free (cached);
  g_free (missing);
  remove_tree (dir);
  g_free (dir);
}
END_TEST

START_TEST (test_weights_environment)
{
  char *dir = isolated_env ();
  char *env_file = write_file (dir, "env.pth", "x", 1);
  char *cached = write_file (dir, "cache/vgg19/" VGG19_OFFICIAL_WEIGHTS_NAME,
      "x", 1);
  char *missing = g_build_filename (dir, "gone.pth", NULL);
  GError *error = NULL;
  char *found;

  g_setenv ("VGG19_WEIGHTS", env_file, TRUE);
  found = vgg19_weights_find (NULL, &error);
  ck_assert_str_eq (found, env_file);
  g_free (found);

  /* A wrong $VGG19_WEIGHTS is reported, never replaced by the cache. */
  g_setenv ("VGG19_WEIGHTS", missing, TRUE);
  ck_assert_ptr_null (vgg19_weights_find (NULL, &error));
  assert_error (error, VGG19_ERROR_NOT_FOUND, missing, "VGG19_WEIGHTS");
  g_clear_error (&error);

  /* Unset: the cache. */
  g_unsetenv ("VGG19_WEIGHTS");
  found = vgg19_weights_find (NULL, &error);
  ck_assert_str_eq (found, cached);
  g_free (found);

  g_free (env_file);
  g_free (cached);
  g_free (missing);
  remove_tree (dir);
  g_free (dir);
}
END_TEST

START_TEST (test_weights_cache_dirs)
{
  char *dir = isolated_env ();
  char *home_cached = write_file (dir,
      "home/.cache/vgg19/" VGG19_OFFICIAL_WEIGHTS_NAME, "x", 1);
  char *other = g_build_filename (dir, "other", NULL);
  char *other_cached = write_file (dir,
      "other/vgg19/" VGG19_OFFICIAL_WEIGHTS_NAME, "x", 1);
  GError *error = NULL;
  char *found;

  /* $XDG_CACHE_HOME is read at every call, not once. */
  g_setenv ("XDG_CACHE_HOME", other, TRUE);
  found = vgg19_weights_find (NULL, &error);
  ck_assert_str_eq (found, other_cached);
  g_free (found);

  /* Unset, empty or relative: ~/.cache. */
  g_unsetenv ("XDG_CACHE_HOME");
  found = vgg19_weights_find (NULL, &error);
  ck_assert_str_eq (found, home_cached);
  g_free (found);
  g_setenv ("XDG_CACHE_HOME", "", TRUE);
  found = vgg19_weights_find (NULL, &error);
  ck_assert_str_eq (found, home_cached);
  g_free (found);
  g_setenv ("XDG_CACHE_HOME", "relative/cache", TRUE);
  found = vgg19_weights_find (NULL, &error);
  ck_assert_str_eq (found, home_cached);
  g_free (found);

  g_free (home_cached);
  g_free (other);
  g_free (other_cached);
  remove_tree (dir);
  g_free (dir);
}
END_TEST

START_TEST (test_weights_not_found)
{
  char *dir = isolated_env ();
  char *cached = g_build_filename (dir, "cache", "vgg19",
      VGG19_OFFICIAL_WEIGHTS_NAME, NULL);
  GError *error = NULL;
  char *found = vgg19_weights_find (NULL, &error);

  if (found != NULL) {
    /* Only possible once installed weights exist: the last resort. */
    ck_assert (g_str_has_suffix (found, G_DIR_SEPARATOR_S
            VGG19_OFFICIAL_WEIGHTS_NAME));
    ck_assert (!g_str_has_prefix (found, dir));
    g_free (found);
  } else {
    const char *rest;

    /* Every place looked, then how to get the weights. */
    assert_error (error, VGG19_ERROR_NOT_FOUND, "VGG19_WEIGHTS", cached);
    ck_assert (g_str_has_suffix (error->message, vgg19_weights_help ()));
    rest = strstr (error->message, cached) + strlen (cached);
    ck_assert_ptr_nonnull (strstr (rest, G_DIR_SEPARATOR_S
            VGG19_OFFICIAL_WEIGHTS_NAME));
    g_clear_error (&error);
  }
  g_free (cached);
  remove_tree (dir);
  g_free (dir);
}
END_TEST

/* VGG-16's file has its own name and variable; VGG-19's are not used. */
START_TEST (test_weights_vgg16)
{
  char *dir = isolated_env ();
  char *v19 = write_file (dir, "cache/vgg19/" VGG19_OFFICIAL_WEIGHTS_NAME,
      "x", 1);
  char *cached = g_build_filename (dir, "cache", "vgg19",
      VGG16_OFFICIAL_WEIGHTS_NAME, NULL);
  char *env_file = write_file (dir, "env16.pth", "x", 1);
  GError *error = NULL;
  char *found;

  g_setenv ("VGG19_WEIGHTS", v19, TRUE);
  g_unsetenv ("VGG16_WEIGHTS");
  found = vgg19_weights_find_arch (VGG19_ARCH_VGG16, NULL, &error);
  if (found == NULL) {
    assert_error (error, VGG19_ERROR_NOT_FOUND, "VGG16_WEIGHTS", cached);
    g_clear_error (&error);
  } else {
    /* only once installed VGG-16 weights exist */
    ck_assert (g_str_has_suffix (found, VGG16_OFFICIAL_WEIGHTS_NAME));
    ck_assert (!g_str_has_prefix (found, dir));
    g_free (found);
  }
  g_free (write_file (dir, "cache/vgg19/" VGG16_OFFICIAL_WEIGHTS_NAME, "x",
          1));
  found = vgg19_weights_find_arch (VGG19_ARCH_VGG16, NULL, &error);
  ck_assert_str_eq (found, cached);
  g_free (found);
  g_setenv ("VGG16_WEIGHTS", env_file, TRUE);
  found = vgg19_weights_find_arch (VGG19_ARCH_VGG16, NULL, &error);
  ck_assert_str_eq (found, env_file);
  g_free (found);
  /* VGG-19 still by its own variable */
  found = vgg19_weights_find_arch (VGG19_ARCH_VGG19, NULL, &error);
  ck_assert_str_eq (found, v19);
  g_free (found);
  g_unsetenv ("VGG16_WEIGHTS");
  g_unsetenv ("VGG19_WEIGHTS");
  g_free (v19);
  g_free (cached);
  g_free (env_file);
  remove_tree (dir);
  g_free (dir);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("labels");
  TCase *tc = tcase_create ("labels");
  TCase *tw = tcase_create ("weights_find");
  SRunner *sr;
  int failed;

  tcase_add_test (tc, test_labels_shipped_file);
  tcase_add_test (tc, test_labels_line_endings);
  tcase_add_test (tc, test_labels_utf8_names);
  tcase_add_test (tc, test_labels_bad_files);
  tcase_add_test (tc, test_labels_default_lookup);
  suite_add_tcase (s, tc);
  tcase_add_test (tw, test_weights_help);
  tcase_add_test (tw, test_weights_explicit);
  tcase_add_test (tw, test_weights_environment);
  tcase_add_test (tw, test_weights_cache_dirs);
  tcase_add_test (tw, test_weights_not_found);
  tcase_add_test (tw, test_weights_vgg16);
  suite_add_tcase (s, tw);
  sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
