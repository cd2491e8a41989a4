/* The persistent pool: every item is processed exactly once, in every
 * loop, for any thread and item count, whether the waiting threads find
 * the next loop while they spin or after they went to sleep. */
#include <check.h>
#include <string.h>

#include "threadpool.h"

typedef struct
{
  gint *hits;
} Counts;

static void
count_items (gpointer data, guint begin, guint end)
{
  Counts *c = data;
  guint i;

  for (i = begin; i < end; i++)
    g_atomic_int_inc (&c->hits[i]);
}

START_TEST (test_each_item_once)
{
  static const guint threads[] = { 1, 2, 3, 8 };
  static const guint items[] = { 0, 1, 2, 7, 100, 4097 };
  guint t, n, loop, i;

  for (t = 0; t < G_N_ELEMENTS (threads); t++) {
    Vgg19ThreadPool *pool = vgg19_thread_pool_new (threads[t], NULL);

    ck_assert_ptr_nonnull (pool);
    ck_assert_uint_eq (vgg19_thread_pool_get_n_threads (pool), threads[t]);
    for (n = 0; n < G_N_ELEMENTS (items); n++) {
      Counts c = { g_new0 (gint, items[n] + 1) };

      /* Many loops back to back: catches a worker that misses or repeats
       * a generation. */
      for (loop = 0; loop < 200; loop++)
        vgg19_thread_pool_run (pool, items[n], count_items, &c);
      for (i = 0; i < items[n]; i++)
        ck_assert_int_eq (c.hits[i], 200);
      ck_assert_int_eq (c.hits[items[n]], 0);
      g_free (c.hits);
    }
    vgg19_thread_pool_free (pool);
  }
}
END_TEST

static void
count_items_slowly (gpointer data, guint begin, guint end)
{
  g_usleep (1000);
  count_items (data, begin, end);
}

/* Loops with pauses between them from none to well past the time the
 * threads spin before they sleep (a fraction of a millisecond), so that
 * both ways of waiting hand over loops; a lost wake-up hangs the test
 * (its timeout fails it), a missed or repeated loop shows in the counts. */
START_TEST (test_spin_and_sleep_handover)
{
  static const gulong pauses_us[] = { 0, 1, 50, 150, 250, 400, 2000 };
  static const guint threads[] = { 2, 3 };
  guint t, loop, i;

  for (t = 0; t < G_N_ELEMENTS (threads); t++) {
    Vgg19ThreadPool *pool = vgg19_thread_pool_new (threads[t], NULL);
    Counts c = { g_new0 (gint, 64) };
    const guint loops = 30 * G_N_ELEMENTS (pauses_us);

    ck_assert_ptr_nonnull (pool);
    for (loop = 0; loop < loops; loop++) {
      vgg19_thread_pool_run (pool, 64, count_items, &c);
      g_usleep (pauses_us[loop % G_N_ELEMENTS (pauses_us)]);
    }
    for (i = 0; i < 64; i++)
      ck_assert_int_eq (c.hits[i], (gint) loops);

    /* Items that take longer than the caller spins: it has to sleep until
     * the last worker is done, and every item is counted on return. */
    for (loop = 0; loop < 20; loop++) {
      memset (c.hits, 0, 64 * sizeof (gint));
      vgg19_thread_pool_run (pool, threads[t], count_items_slowly, &c);
      for (i = 0; i < threads[t]; i++)
        ck_assert_int_eq (g_atomic_int_get (&c.hits[i]), 1);
    }
    vgg19_thread_pool_free (pool);
    g_free (c.hits);
  }
}
END_TEST

/* Freeing the pool right after a loop, while its workers still spin, and
 * long after, when they sleep: both return (joined workers). */
START_TEST (test_free_while_spinning_or_sleeping)
{
  guint round;

  for (round = 0; round < 40; round++) {
    Vgg19ThreadPool *pool = vgg19_thread_pool_new (2 + round % 3, NULL);
    Counts c = { g_new0 (gint, 16) };

    ck_assert_ptr_nonnull (pool);
    vgg19_thread_pool_run (pool, 16, count_items, &c);
    if (round % 2)
      g_usleep (3000);
    vgg19_thread_pool_free (pool);
    ck_assert_int_eq (c.hits[15], 1);
    g_free (c.hits);
  }
}
END_TEST

typedef struct
{
  gint *hits;
  guint n_threads;
  GMutex lock;
  GHashTable *threads_seen;     /* GThread -> index + 1 */
  gboolean clash;               /* one index seen from two threads */
} Indexed;

static void
count_indexed (gpointer data, guint thread, guint begin, guint end)
{
  Indexed *c = data;
  gpointer seen;
  guint i;

  ck_assert_uint_lt (thread, c->n_threads);
  g_mutex_lock (&c->lock);
  seen = g_hash_table_lookup (c->threads_seen, g_thread_self ());
  if (seen != NULL && GPOINTER_TO_UINT (seen) != thread + 1)
    c->clash = TRUE;
  g_hash_table_insert (c->threads_seen, g_thread_self (),
      GUINT_TO_POINTER (thread + 1));
  g_mutex_unlock (&c->lock);
  for (i = begin; i < end; i++)
    g_atomic_int_inc (&c->hits[i]);
}

/* The indexed loop: every item once, and each OS thread always gets the
 * same index, below n_threads, so per-thread scratch is never shared. */
START_TEST (test_indexed_threads)
{
  static const guint threads[] = { 1, 2, 5 };
  guint t, loop, i;

  for (t = 0; t < G_N_ELEMENTS (threads); t++) {
    Vgg19ThreadPool *pool = vgg19_thread_pool_new (threads[t], NULL);
    Indexed c = { g_new0 (gint, 301), threads[t] };

    g_mutex_init (&c.lock);
    c.threads_seen = g_hash_table_new (NULL, NULL);
    for (loop = 0; loop < 100; loop++)
      vgg19_thread_pool_run_indexed (pool, 300, count_indexed, &c);
    for (i = 0; i < 300; i++)
      ck_assert_int_eq (c.hits[i], 100);
    ck_assert_int_eq (c.hits[300], 0);
    ck_assert (!c.clash);
    ck_assert_uint_le (g_hash_table_size (c.threads_seen), threads[t]);
    g_hash_table_unref (c.threads_seen);
    g_mutex_clear (&c.lock);
    g_free (c.hits);
    vgg19_thread_pool_free (pool);
  }
}
END_TEST

START_TEST (test_default_and_bad_counts)
{
  Vgg19ThreadPool *pool = vgg19_thread_pool_new (0, NULL);
  GError *error = NULL;

  ck_assert_uint_eq (vgg19_thread_pool_get_n_threads (pool),
      g_get_num_processors ());
  vgg19_thread_pool_free (pool);
  ck_assert_ptr_null (vgg19_thread_pool_new (100000, &error));
  ck_assert_ptr_nonnull (error);
  g_error_free (error);
  vgg19_thread_pool_free (NULL);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("threadpool");
  TCase *tc = tcase_create ("pool");
  SRunner *sr;
  int failed;

  tcase_add_test (tc, test_each_item_once);
  tcase_add_test (tc, test_default_and_bad_counts);
  tcase_add_test (tc, test_indexed_threads);
  tcase_add_test (tc, test_spin_and_sleep_handover);
  tcase_add_test (tc, test_free_while_spinning_or_sleeping);
  suite_add_tcase (s, tc);
  sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? 1 : 0;
}
