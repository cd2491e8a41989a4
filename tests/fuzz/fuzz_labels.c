/* Fuzz target: the class-name file reader (vgg19_labels_load() on the
 * input as a file). An accepted file has exactly VGG19_N_CLASSES names,
 * each valid UTF-8 without NUL or newline. */
#include <string.h>
#include <unistd.h>

#include <vgg19/vgg19.h>

#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  GError *error = NULL;
  Vgg19Labels *labels;
  char *path;
  guint i;
  int fd;

  fd = fuzz_memfd (data, size, &path);
  labels = vgg19_labels_load (path, &error);
  close (fd);
  g_free (path);
  if (labels == NULL) {
    FUZZ_CHECK (error != NULL, "a failed load sets an error");
    g_error_free (error);
    return 0;
  }
  FUZZ_CHECK (vgg19_labels_get_count (labels) == VGG19_N_CLASSES, "count");
  for (i = 0; i < VGG19_N_CLASSES; i++) {
    const char *name = vgg19_labels_get (labels, i);

    FUZZ_CHECK (name != NULL && name[0] != '\0', "name");
    FUZZ_CHECK (strchr (name, '\n') == NULL, "one line");
    FUZZ_CHECK (g_utf8_validate (name, -1, NULL), "UTF-8");
  }
  FUZZ_CHECK (vgg19_labels_get (labels, VGG19_N_CLASSES) == NULL, "past end");
  vgg19_labels_free (labels);
  return 0;
}
