/* Aligned allocation with recoverable failure.
 *
 * Large buffers (the weights, the activations) are aligned to a huge page
 * and advised as huge-page memory: touching fresh memory costs one page
 * fault per page, and with 4 KiB pages those faults, and the TLB misses
 * that follow, dominated loading the weights, notably on virtual
 * machines, where a fault is expensive; 2 MiB pages take 512 times fewer.
 * The advice is only that: where transparent huge pages are disabled the
 * memory works the same with ordinary pages. */
#include "aligned.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <vgg19/vgg19.h>

#define CACHE_LINE 64
#define HUGE_PAGE_SIZE ((gsize) 2 * 1024 * 1024)

/* Only the huge pages that lie wholly inside the buffer are advised, so
 * the buffer's tail never rounds its resident size up by most of a huge
 * page. */
static void
advise_huge_pages (void *p, gsize n_bytes)
{
#ifdef MADV_HUGEPAGE
  gsize whole = n_bytes & ~(HUGE_PAGE_SIZE - 1);

  if (whole > 0)
    madvise (p, whole, MADV_HUGEPAGE);
#endif
}

float *
vgg19_alloc_floats (gsize n_floats, const char *what, GError ** error)
{
  void *p = NULL;
  gsize n_bytes, alignment;

  if (n_floats == 0)
    n_floats = 1;
  n_bytes = n_floats > G_MAXSIZE / sizeof (float) ? 0
      : n_floats * sizeof (float);
  alignment = n_bytes >= HUGE_PAGE_SIZE ? HUGE_PAGE_SIZE : CACHE_LINE;
  if (n_bytes == 0 || posix_memalign (&p, alignment, n_bytes) != 0) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_NO_MEMORY,
        "out of memory allocating %" G_GSIZE_FORMAT " MB for %s",
        (n_floats / (1024 * 1024 / sizeof (float))) + 1, what);
    return NULL;
  }
  if (alignment == HUGE_PAGE_SIZE)
    advise_huge_pages (p, n_bytes);
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

guint16 *
vgg19_alloc_bf16 (gsize n, const char *what, GError ** error)
{
  /* Two bf16 values per float slot. */
  return (guint16 *) vgg19_alloc_floats (n / 2 + 1, what, error);
}

void
vgg19_free_bf16 (guint16 * p)
{
  vgg19_free_floats ((float *) p);
}
