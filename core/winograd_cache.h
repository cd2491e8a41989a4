/* A file of a model's Winograd filters (U, winograd.h), kept in the user's
 * cache directory so that later loads read it instead of computing it.
 * Private to the core.
 *
 * Why: U is four times the size of the 3x3 filters it comes from (320 MB
 * for VGG-19). Computing it takes a few hundred milliseconds, and the
 * fresh memory it needs costs, on some virtual machines, seconds to touch
 * for the first time. Reading a warm cache file needs neither: it is
 * copied from the page cache into huge-page memory (aligned.h), a few
 * tens of milliseconds. (It is read, not mapped: the 4 KiB pages of a
 * file mapping made the deep layers, which stream U from memory, markedly
 * slower.)
 *
 * Where: $VGG19_PACK_CACHE when set ("off" disables the cache), else
 * $XDG_CACHE_HOME/vgg19/prepacked (~/.cache when unset). One file per
 * weight file, named after a hash of the weight file's absolute path; the
 * header records the weight file's identity (size, modification time,
 * inode, device), the network and each layer's shape, so a weight file
 * that changed, or a cache file of another network or version, is not
 * used (it is rebuilt). Cache files are written to a temporary name and
 * renamed, so a reader never sees a partial one.
 */
#ifndef VGG19_WINOGRAD_CACHE_H
#define VGG19_WINOGRAD_CACHE_H

#include <glib.h>

#include "network.h"

G_BEGIN_DECLS

typedef struct _Vgg19WinogradCache Vgg19WinogradCache;

/* Reads the cache file of @weights_path for @net, or returns NULL (no
 * cache, a stale or foreign one, or the cache is off: the reason is
 * logged with g_debug). The convolutions with a Winograd form are those
 * vgg19_winograd_applies() to. */
Vgg19WinogradCache *vgg19_winograd_cache_open (const char *weights_path,
    const Vgg19Network * net);

/* U of convolution @conv_index, or NULL when the file has none for it. */
const float *vgg19_winograd_cache_get (const Vgg19WinogradCache * cache,
    guint conv_index);

/* Writes the cache file of @weights_path from @u (per convolution, NULL
 * exactly where a layer has no Winograd form). Best effort: FALSE with @error set
 * when it cannot (the caller logs it; loading goes on). */
gboolean vgg19_winograd_cache_write (const char *weights_path,
    const Vgg19Network * net, float *const *u, GError ** error);

void vgg19_winograd_cache_free (Vgg19WinogradCache * cache);

G_END_DECLS

#endif /* VGG19_WINOGRAD_CACHE_H */
