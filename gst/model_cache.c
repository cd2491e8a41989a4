/* Process-wide sharing of loaded models, keyed by file identity.
 *
 * The key is the file's device, inode, size and modification time rather
 * than its path: two spellings of one path (relative, through a symbolic
 * link) share the model, and a file rewritten in place is not mistaken for
 * the one loaded before. Loading happens outside the lock so that elements
 * using different files load in parallel; an element asking for a file
 * that another is loading waits for that load (a second copy would cost
 * half a gigabyte and seconds). */
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "model_cache.h"

typedef struct
{
  gchar *key;
  Vgg19Model *model;            /* NULL while loading */
  guint users;
} CacheEntry;

static GMutex cache_lock;
static GCond cache_loaded;
static GHashTable *entries_by_key;      /* key -> CacheEntry */
static GHashTable *entries_by_model;    /* Vgg19Model* -> CacheEntry */

static void
cache_entry_free (CacheEntry * entry)
{
  g_free (entry->key);
  g_free (entry);
}

static void
ensure_tables (void)
{
  if (entries_by_key)
    return;
  entries_by_key = g_hash_table_new (g_str_hash, g_str_equal);
  entries_by_model = g_hash_table_new (g_direct_hash, g_direct_equal);
}

static gchar *
file_key (const char *path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
    return NULL;
  return g_strdup_printf ("%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT ":%"
      G_GUINT64_FORMAT ":%" G_GINT64_FORMAT ".%09ld", (guint64) st.st_dev,
      (guint64) st.st_ino, (guint64) st.st_size, (gint64) st.st_mtim.tv_sec,
      (long) st.st_mtim.tv_nsec);
}

Vgg19Model *
gst_vgg19_model_cache_acquire (const char *path, GError ** error)
{
  CacheEntry *entry;
  Vgg19Model *model;
  gchar *key;

  g_return_val_if_fail (path != NULL, NULL);

  key = file_key (path);
  if (!key) {
    /* not a regular file we can stat: let the core report why, in its
     * words (it names the file); such a model, should it load, is not
     * shared */
    return vgg19_model_load (path, error);
  }

  g_mutex_lock (&cache_lock);
  ensure_tables ();
  while ((entry = g_hash_table_lookup (entries_by_key, key))
      && entry->model == NULL)
    g_cond_wait (&cache_loaded, &cache_lock);
  if (entry) {
    entry->users++;
    model = entry->model;
    g_mutex_unlock (&cache_lock);
    g_free (key);
    return model;
  }

  entry = g_new0 (CacheEntry, 1);
  entry->key = key;
  g_hash_table_insert (entries_by_key, entry->key, entry);
  g_mutex_unlock (&cache_lock);

  model = vgg19_model_load (path, error);

  g_mutex_lock (&cache_lock);
  if (model) {
    entry->model = model;
    entry->users = 1;
    g_hash_table_insert (entries_by_model, model, entry);
  } else {
    /* whoever waited tries (and reports) for itself */
    g_hash_table_remove (entries_by_key, entry->key);
    cache_entry_free (entry);
  }
  g_cond_broadcast (&cache_loaded);
  g_mutex_unlock (&cache_lock);
  return model;
}

void
gst_vgg19_model_cache_release (Vgg19Model * model)
{
  CacheEntry *entry;

  if (!model)
    return;

  g_mutex_lock (&cache_lock);
  entry = entries_by_model ? g_hash_table_lookup (entries_by_model, model)
      : NULL;
  if (!entry) {
    g_mutex_unlock (&cache_lock);
    vgg19_model_unref (model);
    return;
  }
  if (--entry->users > 0) {
    g_mutex_unlock (&cache_lock);
    return;
  }
  g_hash_table_remove (entries_by_model, model);
  g_hash_table_remove (entries_by_key, entry->key);
  cache_entry_free (entry);
  g_mutex_unlock (&cache_lock);

  /* freeing half a gigabyte takes a moment: not under the lock */
  vgg19_model_unref (model);
}

guint
gst_vgg19_model_cache_get_size (void)
{
  guint n;

  g_mutex_lock (&cache_lock);
  n = entries_by_model ? g_hash_table_size (entries_by_model) : 0;
  g_mutex_unlock (&cache_lock);
  return n;
}
