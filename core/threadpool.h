/* A persistent pool of worker threads for data-parallel loops. Private.
 *
 * Threads are created once (per session) and sleep between loops, so a
 * frame does not pay thread creation. The calling thread takes part in
 * every loop: a pool of N threads has N - 1 workers.
 */
#ifndef VGG19_THREADPOOL_H
#define VGG19_THREADPOOL_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct _Vgg19ThreadPool Vgg19ThreadPool;

/* Processes items [begin, end). Called concurrently from several threads
 * on disjoint ranges. */
typedef void (*Vgg19ParallelFn) (gpointer user_data, guint begin, guint end);

/* As Vgg19ParallelFn, also told which thread runs the range: @thread is
 * 0 for the calling thread and 1 .. n_threads - 1 for the workers, so a
 * loop can give each thread scratch memory of its own. */
typedef void (*Vgg19ParallelThreadFn) (gpointer user_data, guint thread,
    guint begin, guint end);

/* @n_threads: total threads including the caller; 0 = one per core. */
Vgg19ThreadPool *vgg19_thread_pool_new (guint n_threads, GError ** error);

guint vgg19_thread_pool_get_n_threads (const Vgg19ThreadPool * pool);

/* Runs @fn over @n_items items split into contiguous chunks handed out
 * dynamically; returns when all are done. Not reentrant: one loop at a
 * time per pool. */
void vgg19_thread_pool_run (Vgg19ThreadPool * pool, guint n_items,
    Vgg19ParallelFn fn, gpointer user_data);

/* vgg19_thread_pool_run() with the thread index passed to @fn. */
void vgg19_thread_pool_run_indexed (Vgg19ThreadPool * pool, guint n_items,
    Vgg19ParallelThreadFn fn, gpointer user_data);

void vgg19_thread_pool_free (Vgg19ThreadPool * pool);

G_END_DECLS

#endif /* VGG19_THREADPOOL_H */
