/* Persistent worker threads with a generation counter: workers wait on a
 * condition for a new loop, take chunks of items from an atomic cursor, and
 * the last one to finish wakes the caller. */
#include "threadpool.h"

#include <vgg19/vgg19.h>

typedef struct
{
  Vgg19ThreadPool *pool;
  guint index;                  /* 1 .. n_threads - 1 */
} Worker;

struct _Vgg19ThreadPool
{
  guint n_threads;
  GThread **workers;
  Worker *worker_args;

  GMutex lock;
  GCond wake;                   /* workers: a new loop or shutdown */
  GCond done;                   /* caller: all workers finished the loop */
  guint64 generation;
  gboolean shutdown;
  guint busy_workers;

  /* The current loop: fn, or indexed_fn when that is set. */
  Vgg19ParallelFn fn;
  Vgg19ParallelThreadFn indexed_fn;
  gpointer user_data;
  guint n_items;
  guint chunk;
  gint next_item;               /* atomic cursor */
};

static void
run_chunks (Vgg19ThreadPool * pool, guint thread)
{
  for (;;) {
    guint begin = (guint) g_atomic_int_add (&pool->next_item, (gint) pool->chunk);
    guint end;

    if (begin >= pool->n_items)
      break;
    end = MIN (begin + pool->chunk, pool->n_items);
    if (pool->indexed_fn)
      pool->indexed_fn (pool->user_data, thread, begin, end);
    else
      pool->fn (pool->user_data, begin, end);
  }
}

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;
  Vgg19ThreadPool *pool = w->pool;
  const guint index = w->index;
  guint64 seen = 0;

  g_mutex_lock (&pool->lock);
  for (;;) {
    while (!pool->shutdown && pool->generation == seen)
      g_cond_wait (&pool->wake, &pool->lock);
    if (pool->shutdown)
      break;
    seen = pool->generation;
    g_mutex_unlock (&pool->lock);

    run_chunks (pool, index);

    g_mutex_lock (&pool->lock);
    if (--pool->busy_workers == 0)
      g_cond_signal (&pool->done);
  }
  g_mutex_unlock (&pool->lock);
  return NULL;
}

Vgg19ThreadPool *
vgg19_thread_pool_new (guint n_threads, GError ** error)
{
  Vgg19ThreadPool *pool;
  guint i;

  if (n_threads == 0)
    n_threads = g_get_num_processors ();
  if (n_threads > 1024) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "threads = %u is out of range (1 to 1024, or 0 for one per core)",
        n_threads);
    return NULL;
  }

  pool = g_new0 (Vgg19ThreadPool, 1);
  pool->n_threads = n_threads;
  g_mutex_init (&pool->lock);
  g_cond_init (&pool->wake);
  g_cond_init (&pool->done);
  pool->workers = g_new0 (GThread *, n_threads);
  pool->worker_args = g_new0 (Worker, n_threads);

  for (i = 1; i < n_threads; i++) {
    GError *thread_error = NULL;

    pool->worker_args[i].pool = pool;
    pool->worker_args[i].index = i;
    pool->workers[i] = g_thread_try_new ("vgg19-worker", worker_main,
        &pool->worker_args[i],
        &thread_error);
    if (pool->workers[i] == NULL) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_NO_MEMORY,
          "cannot start worker thread %u of %u: %s", i, n_threads,
          thread_error->message);
      g_error_free (thread_error);
      pool->n_threads = i;      /* free joins the ones that started */
      vgg19_thread_pool_free (pool);
      return NULL;
    }
  }
  return pool;
}

guint
vgg19_thread_pool_get_n_threads (const Vgg19ThreadPool * pool)
{
  return pool->n_threads;
}

static void
run_loop (Vgg19ThreadPool * pool, guint n_items, Vgg19ParallelFn fn,
    Vgg19ParallelThreadFn indexed_fn, gpointer user_data)
{
  guint n_workers = pool->n_threads - 1;

  if (n_items == 0)
    return;
  if (n_workers == 0 || n_items == 1) {
    if (indexed_fn)
      indexed_fn (user_data, 0, 0, n_items);
    else
      fn (user_data, 0, n_items);
    return;
  }

  g_mutex_lock (&pool->lock);
  pool->fn = fn;
  pool->indexed_fn = indexed_fn;
  pool->user_data = user_data;
  pool->n_items = n_items;
  /* Several chunks per thread so that a thread slowed down by the rest of
   * the machine does not hold up the loop; chunks stay contiguous so a
   * thread keeps reusing the same weights. */
  pool->chunk = MAX (1, n_items / (pool->n_threads * 4));
  g_atomic_int_set (&pool->next_item, 0);
  pool->busy_workers = n_workers;
  pool->generation++;
  g_cond_broadcast (&pool->wake);
  g_mutex_unlock (&pool->lock);

  run_chunks (pool, 0);

  g_mutex_lock (&pool->lock);
  while (pool->busy_workers > 0)
    g_cond_wait (&pool->done, &pool->lock);
  g_mutex_unlock (&pool->lock);
}

void
vgg19_thread_pool_run (Vgg19ThreadPool * pool, guint n_items,
    Vgg19ParallelFn fn, gpointer user_data)
{
  run_loop (pool, n_items, fn, NULL, user_data);
}

void
vgg19_thread_pool_run_indexed (Vgg19ThreadPool * pool, guint n_items,
    Vgg19ParallelThreadFn fn, gpointer user_data)
{
  run_loop (pool, n_items, NULL, fn, user_data);
}

void
vgg19_thread_pool_free (Vgg19ThreadPool * pool)
{
  guint i;

  if (pool == NULL)
    return;
  g_mutex_lock (&pool->lock);
  pool->shutdown = TRUE;
  g_cond_broadcast (&pool->wake);
  g_mutex_unlock (&pool->lock);
  for (i = 1; i < pool->n_threads; i++)
    if (pool->workers[i])
      g_thread_join (pool->workers[i]);
  g_free (pool->workers);
  g_free (pool->worker_args);
  g_mutex_clear (&pool->lock);
  g_cond_clear (&pool->wake);
  g_cond_clear (&pool->done);
  g_free (pool);
}
