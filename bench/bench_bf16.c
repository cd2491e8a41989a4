/* Throughput of the bf16 kernels on VGG-like shapes:
 *  - the Winograd per-point products in GFLOP/s (2 FLOP per multiply-add,
 *    36 points x IC x OC x T multiply-adds), on 1 thread and on one per
 *    core, split over (point, output-block pair) items like a session
 *    would, and as a share of PEAK (the core's VDPBF16PS GFLOP/s: two
 *    instructions of 64 FLOP per cycle on current cores) when given;
 *  - the Linear layer in GB/s of weights streamed, against OpenBLAS's
 *    float32 sgemv on the same shape (time ratio), both through the same
 *    thread pool size;
 *  - the float32 -> bf16 conversion in GB/s read.
 * Variants compared with each other run interleaved, and each figure is
 * the median of its repeats, since other work shares the machine. Our
 * kernels are also timed by the process's CPU time (the pool's workers
 * sleep while idle, so that is the time spent computing), scaled to the
 * threads used: "cpu" figures say what the kernel does while it runs,
 * the wall-clock ones what it got on the machine as it was. With more
 * runnable threads than cores, only the cpu figures mean anything, except
 * for the memory-bound Linear layer on several threads, where they
 * overstate (a thread alone on the memory bus reads faster).
 *
 * Usage: bench_bf16 [REPEATS [PEAK]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "aligned.h"
#include "bf16_kernels.h"
#include "cpu.h"
#include "threadpool.h"

static guint repeats = 11;
static double peak;             /* GFLOP/s per core, 0: unknown */

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *v, guint n)
{
  qsort (v, n, sizeof (double), compare_doubles);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

typedef struct
{
  double wall;                  /* seconds */
  double cpu;                   /* process CPU seconds / threads */
} Sample;

static double
process_cpu_seconds (void)
{
  struct timespec t;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* Medians of each field of @s. */
static Sample
median_sample (const Sample * s, guint n)
{
  double wall[64], cpu[64];
  Sample m;
  guint i;

  for (i = 0; i < n; i++) {
    wall[i] = s[i].wall;
    cpu[i] = s[i].cpu;
  }
  m.wall = median (wall, n);
  m.cpu = median (cpu, n);
  return m;
}

static void *
alloc_or_die (gsize n_bytes)
{
  float *p = vgg19_alloc_floats ((n_bytes + 3) / 4, "bench", NULL);

  if (p == NULL) {
    fprintf (stderr, "out of memory\n");
    exit (1);
  }
  return p;
}

static float *
random_floats (gsize n, GRand * r)
{
  float *p = alloc_or_die (n * sizeof (float));
  gsize i;

  for (i = 0; i < n; i++)
    p[i] = (float) g_rand_double_range (r, -1.0, 1.0);
  return p;
}

/* Winograd products ----------------------------------------------- */

typedef struct
{
  Vgg19Bf16WinogradGemmFn fn;
  const guint16 *v16, *u16;
  float *m;
  guint ic, oc, tiles, ob_step;
} GemmJob;

/* Items are (point, output-block group), point-major. */
static void
gemm_items (gpointer data, guint begin, guint end)
{
  const GemmJob *j = data;
  const guint blocks = j->oc / 16;
  const guint groups = (blocks + j->ob_step - 1) / j->ob_step;
  guint i;

  for (i = begin; i < end; i++) {
    guint p = i / groups, g = i % groups;

    j->fn (j->v16 + (gsize) p * j->ic * j->tiles,
        j->u16 + (gsize) p * j->oc * j->ic, j->m + (gsize) p * j->oc *
        j->tiles, j->ic, j->tiles, g * j->ob_step,
        MIN ((g + 1) * j->ob_step, blocks), 0, j->tiles, NULL);
  }
}

static Sample
time_gemm (Vgg19ThreadPool * pool, GemmJob * job)
{
  const guint groups = (job->oc / 16 + job->ob_step - 1) / job->ob_step;
  double c0 = process_cpu_seconds ();
  gint64 t0 = g_get_monotonic_time ();
  Sample s;

  vgg19_thread_pool_run (pool, 36 * groups, gemm_items, job);
  s.wall = (g_get_monotonic_time () - t0) * 1e-6;
  s.cpu = (process_cpu_seconds () - c0) /
      vgg19_thread_pool_get_n_threads (pool);
  return s;
}

static void
bench_gemm (guint ic, guint oc, guint tiles, Vgg19ThreadPool * pool1,
    Vgg19ThreadPool * pool2)
{
  const Vgg19Bf16Kernels *k = vgg19_bf16_kernels_select (TRUE);
  const gsize n_u = (gsize) 36 * ic * oc, n_v = (gsize) 36 * ic * tiles;
  const double gflop = 2.0 * 36 * ic * oc * tiles * 1e-9;
  GRand *r = g_rand_new_with_seed (1);
  float *u = random_floats (n_u, r), *v = random_floats (n_v, r);
  guint16 *u16 = alloc_or_die (n_u * 2), *v16 = alloc_or_die (n_v * 2);
  float *m = alloc_or_die ((gsize) 36 * oc * tiles * sizeof (float));
  GemmJob job = { k->winograd_gemm, v16, u16, m, ic, oc, tiles,
    k->gemm_ob_step
  };
  Sample t1[64], t2[64];
  guint i;

  vgg19_bf16_winograd_pack_u (u, oc, ic, u16);
  k->convert (v, v16, n_v);
  time_gemm (pool1, &job);      /* warm up */
  for (i = 0; i < repeats; i++) {
    t1[i] = time_gemm (pool1, &job);
    t2[i] = time_gemm (pool2, &job);
  }
  {
    const guint n2 = vgg19_thread_pool_get_n_threads (pool2);
    Sample m1 = median_sample (t1, repeats), m2 = median_sample (t2, repeats);

    printf ("winograd gemm IC %3u OC %3u T %3u: 1 thread %6.1f GFLOP/s wall, "
        "%6.1f cpu", ic, oc, tiles, gflop / m1.wall, gflop / m1.cpu);
    if (peak > 0)
      printf (" (%3.0f%% of peak)", 100 * gflop / m1.cpu / peak);
    printf ("; %u threads %6.1f wall, %6.1f cpu", n2, gflop / m2.wall,
        gflop / m2.cpu);
    if (peak > 0)
      printf (" (%3.0f%% of %u x peak)", 100 * gflop / m2.cpu / peak / n2,
          n2);
    printf ("\n");
  }
  vgg19_free_floats (u);
  vgg19_free_floats (v);
  vgg19_free_floats ((float *) u16);
  vgg19_free_floats ((float *) v16);
  vgg19_free_floats (m);
  g_rand_free (r);
}

/* Linear layer ------------------------------------------------------ */

typedef struct
{
  Vgg19Bf16GemvFn fn;
  const guint16 *w16, *x16;
  const float *bias;
  float *y;
  guint in, rows_step;
} GemvJob;

static void
gemv_items (gpointer data, guint begin, guint end)
{
  const GemvJob *j = data;

  j->fn (j->w16, j->in, j->bias, j->x16, j->in, j->y, begin * j->rows_step,
      end * j->rows_step);
}

static void
bench_gemv (const char *name, guint in, guint out, Vgg19ThreadPool * pool1,
    Vgg19ThreadPool * pool2)
{
  const Vgg19Bf16Kernels *k = vgg19_bf16_kernels_select (TRUE);
  const gsize n_w = (gsize) in * out;
  GRand *r = g_rand_new_with_seed (2);
  float *w = random_floats (n_w, r), *x = random_floats (in, r);
  float *bias = random_floats (out, r);
  float *y = alloc_or_die (out * sizeof (float));
  guint16 *w16 = alloc_or_die (n_w * 2), *x16 = alloc_or_die (in * 2);
  /* Rows in steps of the kernel's group (out is a multiple here). */
  GemvJob job = { k->gemv, w16, x16, bias, y, in, k->gemv_rows };
  Sample tb[2][64];
  double tf[2][64];
  guint i, t;

  g_assert (out % k->gemv_rows == 0);
  k->convert (w, w16, n_w);
  k->convert (x, x16, in);
  for (i = 0; i < repeats; i++)
    for (t = 0; t < 2; t++) {
      Vgg19ThreadPool *pool = t == 0 ? pool1 : pool2;
      double c0 = process_cpu_seconds ();
      gint64 t0 = g_get_monotonic_time ();

      vgg19_thread_pool_run (pool, out / k->gemv_rows, gemv_items, &job);
      tb[t][i].wall = (g_get_monotonic_time () - t0) * 1e-6;
      tb[t][i].cpu = (process_cpu_seconds () - c0) /
          vgg19_thread_pool_get_n_threads (pool);

      openblas_set_num_threads ((int) vgg19_thread_pool_get_n_threads (pool));
      t0 = g_get_monotonic_time ();
      memcpy (y, bias, out * sizeof (float));
      cblas_sgemv (CblasRowMajor, CblasNoTrans, (blasint) out, (blasint) in,
          1.0f, w, (blasint) in, x, 1, 1.0f, y, 1);
      tf[t][i] = (g_get_monotonic_time () - t0) * 1e-6;
    }
  for (t = 0; t < 2; t++) {
    Sample mb = median_sample (tb[t], repeats);
    double mf = median (tf[t], repeats);

    /* OpenBLAS's threads may spin while waiting: its CPU time says
     * nothing, so it is compared by wall-clock time only. */
    printf ("linear %-4s %5u -> %4u, %u thread(s): bf16 %7.3f ms %5.1f GB/s "
        "wall, %5.1f GB/s cpu; float32 sgemv %7.3f ms %5.1f GB/s; "
        "bf16 / float32 wall time %.2f\n", name, in, out,
        t == 0 ? 1 : vgg19_thread_pool_get_n_threads (pool2), mb.wall * 1e3,
        n_w * 2 / mb.wall * 1e-9, n_w * 2 / mb.cpu * 1e-9, mf * 1e3,
        n_w * 4 / mf * 1e-9, mb.wall / mf);
  }
  vgg19_free_floats (w);
  vgg19_free_floats (x);
  vgg19_free_floats (bias);
  vgg19_free_floats (y);
  vgg19_free_floats ((float *) w16);
  vgg19_free_floats ((float *) x16);
  g_rand_free (r);
}

/* Conversion ---------------------------------------------------------- */

static void
bench_convert (gsize n)
{
  GRand *r = g_rand_new_with_seed (3);
  float *src = random_floats (n, r);
  guint16 *dst = alloc_or_die (n * 2);
  double ts[64], tv[64];
  guint i;

  for (i = 0; i < repeats; i++) {
    gint64 t0 = g_get_monotonic_time ();

    vgg19_f32_to_bf16_array__scalar (src, dst, n);
    ts[i] = (g_get_monotonic_time () - t0) * 1e-6;
    t0 = g_get_monotonic_time ();
    vgg19_f32_to_bf16_array__avx512bf16 (src, dst, n);
    tv[i] = (g_get_monotonic_time () - t0) * 1e-6;
  }
  {
    double ms = median (ts, repeats), mv = median (tv, repeats);

    printf ("convert %zu floats: portable %.3f ms %.1f GB/s, avx512bf16 "
        "%.3f ms %.1f GB/s (GB read)\n", n, ms * 1e3, n * 4 / ms * 1e-9,
        mv * 1e3, n * 4 / mv * 1e-9);
  }
  vgg19_free_floats (src);
  vgg19_free_floats ((float *) dst);
  g_rand_free (r);
}

int
main (int argc, char **argv)
{
  Vgg19ThreadPool *pool1, *pool2;

  if (argc > 1)
    repeats = CLAMP (atoi (argv[1]), 1, 64);
  if (argc > 2)
    peak = g_ascii_strtod (argv[2], NULL);
  if (!vgg19_cpu_has_avx512_bf16 ()) {
    printf ("bench_bf16: NOT RUN: this CPU/OS lacks AVX512_BF16\n");
    return 0;
  }
  pool1 = vgg19_thread_pool_new (1, NULL);
  pool2 = vgg19_thread_pool_new (0, NULL);
  if (pool1 == NULL || pool2 == NULL)
    return 1;

  bench_gemm (64, 64, 400, pool1, pool2);
  bench_gemm (128, 128, 196, pool1, pool2);
  bench_gemm (256, 256, 196, pool1, pool2);
  bench_gemm (512, 512, 49, pool1, pool2);
  bench_gemm (512, 512, 196, pool1, pool2);
  bench_gemm (512, 512, 16, pool1, pool2);

  bench_gemv ("fc6", 25088, 4096, pool1, pool2);
  bench_gemv ("fc7", 4096, 4096, pool1, pool2);
  bench_gemv ("fc8", 4096, 1000, pool1, pool2);

  bench_convert ((gsize) 36 * 256 * 196);

  vgg19_thread_pool_free (pool1);
  vgg19_thread_pool_free (pool2);
  return 0;
}
