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
      VGG19_OFFICIAL_WEIGHTS_NAME " (weights/fetch vgg16: "
      VGG16_OFFICIAL_WEIGHTS_NAME ") into $XDG_CACHE_HOME/vgg19 (by default "
      "~/.cache/vgg19), or pass a weight file with --weights, the weights "
      "property or the VGG19_WEIGHTS (VGG16_WEIGHTS) environment variable.";
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

/* The lookup for one network: the env variable and file name it uses. */
static char *
find_named (const char *explicit_path, const char *env_name,
    const char *file_name, GError ** error)
{
  const char *env;
  char *cache_dir, *candidates[2], *origin;
  GString *looked;
  guint i;

  if (explicit_path != NULL && explicit_path[0] != '\0')
    return check_named (explicit_path, "given explicitly", error);

  env = g_getenv (env_name);
  if (env != NULL && env[0] != '\0') {
    char *found;

    origin = g_strdup_printf ("from $%s", env_name);
    found = check_named (env, origin, error);
    g_free (origin);
    return found;
  }

  cache_dir = vgg19_user_cache_dir ();
  candidates[0] = g_build_filename (cache_dir, "vgg19", file_name, NULL);
  candidates[1] = g_build_filename (VGG19_DATADIR, file_name, NULL);
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

  looked = g_string_new (NULL);
  g_string_printf (looked, "no weight file given and none found; looked at "
      "$%s (unset)", env_name);
  for (i = 0; i < G_N_ELEMENTS (candidates); i++) {
    g_string_append_printf (looked, ", %s", candidates[i]);
    g_free (candidates[i]);
  }
  g_set_error (error, VGG19_ERROR, VGG19_ERROR_NOT_FOUND, "%s. %s",
      looked->str, vgg19_weights_help ());
  g_string_free (looked, TRUE);
  return NULL;
}

char *
vgg19_weights_find (const char *explicit_path, GError ** error)
{
  return find_named (explicit_path, "VGG19_WEIGHTS",
      VGG19_OFFICIAL_WEIGHTS_NAME, error);
}

char *
vgg19_weights_find_arch (Vgg19Arch arch, const char *explicit_path,
    GError ** error)
{
  if (arch == VGG19_ARCH_VGG16)
    return find_named (explicit_path, "VGG16_WEIGHTS",
        VGG16_OFFICIAL_WEIGHTS_NAME, error);
  return vgg19_weights_find (explicit_path, error);
}

char *
vgg19_file_sha256 (const char *path, GError ** error)
{
  GChecksum *sum;
  GMappedFile *file;
  GError *cause = NULL;
  char *hex;

  /* mapped rather than read: no copy of a 548 MB file in memory */
  file = g_mapped_file_new (path, FALSE, &cause);
  if (file == NULL) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_IO,
        "cannot read %s to compute its SHA-256: %s", path, cause->message);
    g_error_free (cause);
    return NULL;
  }
  sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sum, (const guchar *) g_mapped_file_get_contents (file),
      (gssize) g_mapped_file_get_length (file));
  hex = g_strdup (g_checksum_get_string (sum));
  g_checksum_free (sum);
  g_mapped_file_unref (file);
  return hex;
}
