/* Runs a fuzz target once on each input named on the command line, or on
 * every file of a named directory, for builds without libFuzzer (gcc,
 * the sanitizer build): the regression test over the committed corpus.
 * Each input is passed in a heap block of exactly its size, as libFuzzer
 * does, so that AddressSanitizer catches a read one byte past its end.
 * Arguments starting with '-' are libFuzzer options and are ignored, so
 * that the same command line replays with either build. Fails when no
 * input was found: an empty corpus must not pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

static gboolean
run_file (const char *path)
{
  GError *error = NULL;
  char *contents;
  gsize len;
  guint8 *copy;

  if (!g_file_get_contents (path, &contents, &len, &error)) {
    fprintf (stderr, "%s\n", error->message);
    g_error_free (error);
    return FALSE;
  }
  /* malloc (0) may return NULL; libFuzzer passes a valid pointer. */
  copy = malloc (len ? len : 1);
  memcpy (copy, contents, len);
  g_free (contents);
  LLVMFuzzerTestOneInput (copy, len);
  free (copy);
  return TRUE;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

int
main (int argc, char **argv)
{
  guint n_inputs = 0;
  int i;

  LLVMFuzzerInitialize (&argc, &argv);
  for (i = 1; i < argc; i++) {
    GError *error = NULL;
    GPtrArray *names;
    const char *name;
    GDir *dir;
    guint j;

    if (argv[i][0] == '-')
      continue;
    if (!g_file_test (argv[i], G_FILE_TEST_IS_DIR)) {
      if (!run_file (argv[i]))
        return 1;
      n_inputs++;
      continue;
    }
    dir = g_dir_open (argv[i], 0, &error);
    if (dir == NULL) {
      fprintf (stderr, "%s\n", error->message);
      g_error_free (error);
      return 1;
    }
    /* Sorted, so that a failure always shows at the same input. */
    names = g_ptr_array_new_with_free_func (g_free);
    while ((name = g_dir_read_name (dir)) != NULL)
      g_ptr_array_add (names, g_build_filename (argv[i], name, NULL));
    g_dir_close (dir);
    g_ptr_array_sort (names, compare_names);
    for (j = 0; j < names->len; j++) {
      const char *path = g_ptr_array_index (names, j);

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      if (!run_file (path)) {
        g_ptr_array_unref (names);
        return 1;
      }
      n_inputs++;
    }
    g_ptr_array_unref (names);
  }
  if (n_inputs == 0) {
    fprintf (stderr, "%s: no input to replay\n", argv[0]);
    return 1;
  }
  printf ("%s: %u inputs replayed\n", argv[0], n_inputs);
  return 0;
}
