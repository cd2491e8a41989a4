/* Aligned allocation with recoverable failure. */
#include "aligned.h"

#include <stdlib.h>
#include <string.h>

#include <vgg19/vgg19.h>

float *
vgg19_alloc_floats (gsize n_floats, const char *what, GError ** error)
{
  void *p = NULL;

  if (n_floats == 0)
    n_floats = 1;
  if (n_floats > G_MAXSIZE / sizeof (float)
      || posix_memalign (&p, 64, n_floats * sizeof (float)) != 0) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_NO_MEMORY,
        "out of memory allocating %" G_GSIZE_FORMAT " MB for %s",
        (n_floats / (1024 * 1024 / sizeof (float))) + 1, what);
    return NULL;
  }
  return p;
}

float *
vgg19_alloc_floats0 (gsize n_floats, const char *what, GError ** error)
{
  float *p = vgg19_alloc_floats (n_floats, what, error);

  if (p)
    memset (p, 0, MAX (n_floats, 1) * sizeof (float));
  return p;
}

void
vgg19_free_floats (float *p)
{
  free (p);
}
