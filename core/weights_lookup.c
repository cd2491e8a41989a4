/* Where the weight file comes from when the user does not say, and what to
 * tell them when there is none. */
#include <vgg19/vgg19.h>

#include "cache_dir.h"

#ifndef VGG19_DATADIR
#error "VGG19_DATADIR must be defined by the build"
#endif

const char *
vgg19_weights_help (void)
{
  return "To get the weights, run weights/fetch from the source tree (or "
      VGG19_DATADIR "/fetch once installed), which downloads torchvision's "
      VGG19_OFFICIAL_WEIGHTS_NAME " into $XDG_CACHE_HOME/vgg19 (by default "
      "~/.cache/vgg19), or pass a weight file with --weights, the weights "
      "property or the VGG19_WEIGHTS environment variable.";
}

/* The user cache directory as the XDG spec defines it. Read from the
 * environment on every call: g_get_user_cache_dir() caches its answer at
 * the first call, which would hide later changes (and tests make some). */
char *
vgg19_user_cache_dir (void)
{
  const char *xdg = g_getenv ("XDG_CACHE_HOME");
  const char *home;

  /* The spec says relative paths are invalid and must be ignored. */
  if (xdg != NULL && g_path_is_absolute (xdg))
    return g_strdup (xdg);
  home = g_getenv ("HOME");
  if (home == NULL || home[0] == '\0')
    home = g_get_home_dir ();
  return g_build_filename (home, ".cache", NULL);
}

/* A path the user named must be a readable file; it is never replaced by
 * another candidate, since silently using other weights would be worse
 * than failing. */
static char *
check_named (const char *path, const char *origin, GError ** error)
{
  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return g_strdup (path);
  g_set_error (error, VGG19_ERROR, VGG19_ERROR_NOT_FOUND,
      "weight file %s (%s) %s. %s", path, origin,
      g_file_test (path, G_FILE_TEST_EXISTS) ? "is not a regular file" :
      "does not exist", vgg19_weights_help ());
  return NULL;
}

char *
vgg19_weights_find (const char *explicit_path, GError ** error)
{
  const char *env;
  char *cache_dir, *candidates[2];
  GString *looked;
  guint i;

  if (explicit_path != NULL && explicit_path[0] != '\0')
    return check_named (explicit_path, "given explicitly", error);

  env = g_getenv ("VGG19_WEIGHTS");
  if (env != NULL && env[0] != '\0')
    return check_named (env, "from $VGG19_WEIGHTS", error);

  cache_dir = vgg19_user_cache_dir ();
  candidates[0] = g_build_filename (cache_dir, "vgg19",
      VGG19_OFFICIAL_WEIGHTS_NAME, NULL);
  candidates[1] = g_build_filename (VGG19_DATADIR,
      VGG19_OFFICIAL_WEIGHTS_NAME, NULL);
  g_free (cache_dir);

  for (i = 0; i < G_N_ELEMENTS (candidates); i++) {
    if (g_file_test (candidates[i], G_FILE_TEST_IS_REGULAR)) {
      char *found = candidates[i];

      candidates[i] = NULL;
      for (i = 0; i < G_N_ELEMENTS (candidates); i++)
        g_free (candidates[i]);
      return found;
    }
  }

  looked = g_string_new ("no weight file given and none found; looked at "
      "$VGG19_WEIGHTS (unset)");
  for (i = 0; i < G_N_ELEMENTS (candidates); i++) {
    g_string_append_printf (looked, ", %s", candidates[i]);
    g_free (candidates[i]);
  }
  g_set_error (error, VGG19_ERROR, VGG19_ERROR_NOT_FOUND, "%s. %s",
      looked->str, vgg19_weights_help ());
  g_string_free (looked, TRUE);
  return NULL;
}
