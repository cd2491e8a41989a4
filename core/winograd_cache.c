/* The Winograd filter cache (winograd_cache.h).
 *
 * File layout (native byte order; the library is x86-64 only):
 *   Header
 *   LayerEntry[n_convs]
 *   U of each Winograd layer, each at a page-aligned offset
 */
#include "winograd_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <vgg19/vgg19.h>

#include "aligned.h"
#include "cache_dir.h"
#include "winograd.h"

#define MAGIC "VGG19WU"         /* 8 bytes with the terminating zero */
#define VERSION 1u
#define ALIGN 4096u

typedef struct
{
  char magic[8];
  guint32 version;
  guint32 arch;
  guint32 n_convs;
  guint32 reserved;
  /* The weight file's identity when U was computed. */
  guint64 source_size;
  gint64 source_mtime_sec;
  gint64 source_mtime_nsec;
  guint64 source_inode;
  guint64 source_dev;
} Header;

typedef struct
{
  guint32 in_channels;
  guint32 out_channels;
  guint64 offset;               /* bytes from the start; 0 without U */
  guint64 n_floats;             /* 36 * in * out, or 0 */
} LayerEntry;

struct _Vgg19WinogradCache
{
  guint n_convs;
  float **u;                    /* per convolution, or NULL; owned */
};

/* The cache file of @weights_path, or NULL when the cache is off. */
static char *
cache_file (const char *weights_path)
{
  const char *env = g_getenv ("VGG19_PACK_CACHE");
  char *dir, *file, *hash, *name, real[PATH_MAX];

  if (env != NULL && g_ascii_strcasecmp (env, "off") == 0)
    return NULL;
  if (env != NULL && env[0] != '\0') {
    dir = g_strdup (env);
  } else {
    char *base = vgg19_user_cache_dir ();

    dir = g_build_filename (base, "vgg19", "prepacked", NULL);
    g_free (base);
  }
  /* The same file reached through another path or a symlink shares one
   * cache file. */
  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256,
      realpath (weights_path, real) ? real : weights_path, -1);
  name = g_strdup_printf ("%.32s.winograd", hash);
  file = g_build_filename (dir, name, NULL);
  g_free (name);
  g_free (hash);
  g_free (dir);
  return file;
}

static gboolean
source_identity (const char *weights_path, Header * h)
{
  GStatBuf st;

  if (g_stat (weights_path, &st) != 0)
    return FALSE;
  h->source_size = (guint64) st.st_size;
  h->source_mtime_sec = (gint64) st.st_mtim.tv_sec;
  h->source_mtime_nsec = (gint64) st.st_mtim.tv_nsec;
  h->source_inode = (guint64) st.st_ino;
  h->source_dev = (guint64) st.st_dev;
  return TRUE;
}

static guint64
align_up (guint64 x)
{
  return (x + ALIGN - 1) / ALIGN * ALIGN;
}

/* The layer table of @net, with offsets; *total is the file size. */
static LayerEntry *
expected_layers (const Vgg19Network * net, guint64 * total)
{
  LayerEntry *e = g_new0 (LayerEntry, net->n_convs);
  guint64 at = align_up (sizeof (Header) + net->n_convs * sizeof (LayerEntry));
  guint i;

  for (i = 0; i < net->n_modules; i++) {
    const Vgg19Module *m = &net->modules[i];
    LayerEntry *l;

    if (m->kind != VGG19_MODULE_CONV)
      continue;
    l = &e[m->conv_index];
    l->in_channels = m->in_channels;
    l->out_channels = m->out_channels;
    if (vgg19_winograd_applies (m->in_channels, m->out_channels)) {
      l->offset = at;
      l->n_floats = (guint64) VGG19_WINOGRAD_POINTS * m->in_channels *
          m->out_channels;
      at = align_up (at + l->n_floats * sizeof (float));
    }
  }
  *total = at;
  return e;
}

static gboolean
read_all (int fd, void *buf, gsize n, goffset at)
{
  guint8 *p = buf;

  while (n > 0) {
    gssize r = pread (fd, p, n, at);

    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return FALSE;
    p += r;
    n -= (gsize) r;
    at += r;
  }
  return TRUE;
}

Vgg19WinogradCache *
vgg19_winograd_cache_open (const char *weights_path,
    const Vgg19Network * net)
{
  char *file = cache_file (weights_path);
  Vgg19WinogradCache *cache = NULL;
  LayerEntry *want = NULL, *got = NULL;
  Header h, id;
  guint64 total;
  GStatBuf st;
  guint i;
  int fd = -1;

  if (file == NULL)
    return NULL;
  memset (&id, 0, sizeof (id));
  fd = g_open (file, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) {
    g_debug ("%s: no Winograd cache yet (%s)", weights_path, file);
    goto out;
  }
  want = expected_layers (net, &total);
  got = g_new0 (LayerEntry, net->n_convs);
  if (fstat (fd, &st) != 0 || (guint64) st.st_size != total
      || !read_all (fd, &h, sizeof (h), 0)
      || !read_all (fd, got, net->n_convs * sizeof (LayerEntry), sizeof (h))
      || memcmp (h.magic, MAGIC, sizeof (h.magic)) != 0
      || h.version != VERSION || h.arch != (guint32) net->arch
      || h.n_convs != net->n_convs
      || memcmp (got, want, net->n_convs * sizeof (LayerEntry)) != 0) {
    g_debug ("%s: Winograd cache %s is of another network or version, or "
        "damaged: not used", weights_path, file);
    goto out;
  }
  if (!source_identity (weights_path, &id)
      || id.source_size != h.source_size
      || id.source_mtime_sec != h.source_mtime_sec
      || id.source_mtime_nsec != h.source_mtime_nsec
      || id.source_inode != h.source_inode || id.source_dev != h.source_dev) {
    g_debug ("%s: changed since its Winograd cache %s was written: not used",
        weights_path, file);
    goto out;
  }
  /* Read into anonymous huge-page memory, not mapped: a file mapping has
   * 4 KiB pages, and on a cold start their TLB misses and page walks made
   * the Winograd products of the deep layers (whose U is streamed from
   * memory once per frame) up to four times slower, some 20 ms a frame
   * at 224x224, until the mapping was warm. A read from the page cache
   * costs about as much as mapping it did. */
  cache = g_new0 (Vgg19WinogradCache, 1);
  cache->n_convs = net->n_convs;
  cache->u = g_new0 (float *, net->n_convs);
  for (i = 0; i < net->n_convs; i++) {
    if (want[i].n_floats == 0)
      continue;
    cache->u[i] = vgg19_alloc_floats ((gsize) want[i].n_floats,
        "the Winograd filters", NULL);
    if (cache->u[i] == NULL
        || !read_all (fd, cache->u[i],
            (gsize) want[i].n_floats * sizeof (float),
            (goffset) want[i].offset)) {
      g_debug ("%s: cannot read its Winograd cache %s: %s", weights_path,
          file, cache->u[i] ? g_strerror (errno) : "out of memory");
      vgg19_winograd_cache_free (cache);
      cache = NULL;
      goto out;
    }
  }
  g_debug ("%s: Winograd filters read from %s", weights_path, file);

out:
  if (fd >= 0)
    close (fd);
  g_free (want);
  g_free (got);
  g_free (file);
  return cache;
}

const float *
vgg19_winograd_cache_get (const Vgg19WinogradCache * cache, guint conv_index)
{
  return conv_index < cache->n_convs ? cache->u[conv_index] : NULL;
}

static gboolean
write_all (int fd, const void *buf, gsize n)
{
  const guint8 *p = buf;

  while (n > 0) {
    gssize w = write (fd, p, n);

    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return FALSE;
    p += w;
    n -= (gsize) w;
  }
  return TRUE;
}

gboolean
vgg19_winograd_cache_write (const char *weights_path,
    const Vgg19Network * net, float *const *u, GError ** error)
{
  char *file = cache_file (weights_path), *dir = NULL, *tmp = NULL;
  LayerEntry *layers = NULL;
  gboolean ok = FALSE;
  guint64 total, at;
  Header h;
  guint i;
  int fd = -1;

  if (file == NULL)
    return TRUE;                /* the cache is off */
  memset (&h, 0, sizeof (h));
  memcpy (h.magic, MAGIC, sizeof (h.magic));
  h.version = VERSION;
  h.arch = (guint32) net->arch;
  h.n_convs = net->n_convs;
  if (!source_identity (weights_path, &h)) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_IO, "%s: %s", weights_path,
        g_strerror (errno));
    goto out;
  }
  layers = expected_layers (net, &total);
  for (i = 0; i < net->n_convs; i++)
    if ((layers[i].n_floats > 0) != (u[i] != NULL)) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
          "Winograd cache: layer %u has %s filters", i,
          u[i] ? "unexpected" : "no");
      goto out;
    }

  dir = g_path_get_dirname (file);
  tmp = g_strconcat (file, ".XXXXXX", NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0
      || (fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0644)) < 0) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_IO,
        "cannot write the Winograd cache in %s: %s", dir, g_strerror (errno));
    goto out;
  }
  at = sizeof (h) + net->n_convs * sizeof (LayerEntry);
  ok = write_all (fd, &h, sizeof (h))
      && write_all (fd, layers, net->n_convs * sizeof (LayerEntry));
  for (i = 0; ok && i < net->n_convs; i++) {
    static const guint8 zeros[ALIGN];

    if (layers[i].n_floats == 0)
      continue;
    ok = write_all (fd, zeros, (gsize) (layers[i].offset - at))
        && write_all (fd, u[i], (gsize) layers[i].n_floats * sizeof (float));
    at = layers[i].offset + layers[i].n_floats * sizeof (float);
  }
  if (ok && at < total) {
    static const guint8 zeros[ALIGN];

    ok = write_all (fd, zeros, (gsize) (total - at));
  }
  if (close (fd) != 0)
    ok = FALSE;
  fd = -1;
  if (!ok || g_rename (tmp, file) != 0) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_IO,
        "cannot write the Winograd cache %s: %s", file, g_strerror (errno));
    g_unlink (tmp);
    ok = FALSE;
    goto out;
  }
  g_debug ("%s: Winograd filters written to %s", weights_path, file);

out:
  if (fd >= 0) {
    close (fd);
    g_unlink (tmp);
  }
  g_free (layers);
  g_free (tmp);
  g_free (dir);
  g_free (file);
  return ok;
}

void
vgg19_winograd_cache_free (Vgg19WinogradCache * cache)
{
  guint i;

  if (cache == NULL)
    return;
  for (i = 0; i < cache->n_convs; i++)
    vgg19_free_floats (cache->u[i]);
  g_free (cache->u);
  g_free (cache);
}
