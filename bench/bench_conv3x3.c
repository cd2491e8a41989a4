/* Throughput of each 3x3 convolution kernel the CPU supports on VGG-like
 * layers, in GFLOP/s (2 FLOP per multiply-add): every kernel on one
 * thread, then the best kernel on one thread per core, the work split
 * like a session splits it ((output-block group, row) items, contiguous
 * chunks per thread).
 *
 * Usage: bench_conv3x3 [IC OC H W [REPEATS]]
 * Without arguments, runs a fixed set of VGG-19 layers at 224x224.
 */
#include <stdio.h>
#include <stdlib.h>

#include "aligned.h"
#include "conv3x3.h"

typedef struct
{
  const char *name;
  guint ic, oc, h, w;
} Layer;

static const Layer default_layers[] = {
  {"conv1_1", 3, 64, 224, 224},
  {"conv1_2", 64, 64, 224, 224},
  {"conv2_2", 128, 128, 112, 112},
  {"conv3_2", 256, 256, 56, 56},
  {"conv4_2", 512, 512, 28, 28},
  {"conv5_2", 512, 512, 14, 14},
};

typedef struct
{
  const Vgg19Conv3x3Kernel *kernel;
  const Vgg19Conv3x3Args *args;
  guint item_begin, item_end;   /* items are group * height + row */
} Chunk;

static gpointer
run_chunk (gpointer data)
{
  const Chunk *ch = data;
  const guint h = ch->args->height, step = ch->kernel->ocb_step;
  guint i = ch->item_begin;

  while (i < ch->item_end) {
    guint group = i / h, row = i % h;
    guint row_end = MIN (h, row + (ch->item_end - i));

    ch->kernel->run (ch->args, group * step,
        MIN ((group + 1) * step, ch->args->out_blocks), row, row_end);
    i += row_end - row;
  }
  return NULL;
}

/* Seconds for one layer on @n_threads threads (the caller is one). */
static double
time_threaded (const Vgg19Conv3x3Kernel * k, const Vgg19Conv3x3Args * a,
    guint n_threads)
{
  const guint n_groups = (a->out_blocks + k->ocb_step - 1) / k->ocb_step;
  const guint n_items = n_groups * a->height;
  Chunk chunks[64];
  GThread *threads[64];
  gint64 t0;
  guint i;

  n_threads = CLAMP (n_threads, 1, G_N_ELEMENTS (chunks));
  for (i = 0; i < n_threads; i++) {
    chunks[i].kernel = k;
    chunks[i].args = a;
    chunks[i].item_begin = (guint) ((guint64) n_items * i / n_threads);
    chunks[i].item_end = (guint) ((guint64) n_items * (i + 1) / n_threads);
  }
  t0 = g_get_monotonic_time ();
  for (i = 1; i < n_threads; i++)
    threads[i] = g_thread_new ("bench", run_chunk, &chunks[i]);
  run_chunk (&chunks[0]);
  for (i = 1; i < n_threads; i++)
    g_thread_join (threads[i]);
  return (g_get_monotonic_time () - t0) * 1e-6;
}

static float *
random_floats (gsize n, GRand * r)
{
  float *p = vgg19_alloc_floats (n, "bench", NULL);
  gsize i;

  if (p == NULL) {
    fprintf (stderr, "out of memory\n");
    exit (1);
  }
  for (i = 0; i < n; i++)
    p[i] = (float) g_rand_double_range (r, -1.0, 1.0);
  return p;
}

static void
bench_layer (const Layer * l, guint repeats)
{
  static const Vgg19Isa isas[] =
      { VGG19_ISA_AVX512, VGG19_ISA_AVX2, VGG19_ISA_PORTABLE };
  const guint ibs = l->ic < VGG19_CBLOCK ? l->ic : VGG19_CBLOCK;
  const guint in_blocks = l->ic / ibs, out_blocks = l->oc / VGG19_CBLOCK;
  const gsize in_plane = (gsize) (l->h + 2) * (l->w + 2) * ibs;
  const gsize out_plane = (gsize) (l->h + 2) * (l->w + 2) * VGG19_CBLOCK;
  const double gflop = 2.0 * l->h * l->w * l->oc * l->ic * 9 * 1e-9;
  GRand *r = g_rand_new_with_seed (42);
  float *oihw = random_floats ((gsize) l->oc * l->ic * 9, r);
  float *packed = random_floats ((gsize) l->oc * l->ic * 9, r);
  float *bias = random_floats (l->oc, r);
  float *in = random_floats (in_plane * in_blocks, r);
  float *out = random_floats (out_plane * out_blocks, r);
  Vgg19Conv3x3Args a;
  guint i, k;

  vgg19_pack_conv3x3_weights (oihw, l->oc, l->ic, ibs, packed);
  a.input = in;
  a.in_block_stride = in_plane;
  a.in_row_stride = (gsize) (l->w + 2) * ibs;
  a.in_blocks = in_blocks;
  a.ibs = ibs;
  a.weights = packed;
  a.bias = bias;
  a.output = out;
  a.out_block_stride = out_plane;
  a.out_row_stride = (gsize) (l->w + 2) * VGG19_CBLOCK;
  a.out_blocks = out_blocks;
  a.height = l->h;
  a.width = l->w;
  a.relu = TRUE;

  for (k = 0; k < G_N_ELEMENTS (isas); k++) {
    const Vgg19Conv3x3Kernel *kernel = vgg19_conv3x3_select (isas[k]);
    guint n = kernel->isa == VGG19_ISA_PORTABLE ? 1 : repeats;
    double best = G_MAXDOUBLE;

    if (kernel->isa != isas[k])
      continue;                 /* no kernel of its own for this ISA */
    if (!vgg19_cpu_supports (isas[k])) {
      printf ("%-8s %-28s not run: the CPU lacks %s\n", l->name,
          kernel->name, vgg19_isa_name (isas[k]));
      continue;
    }
    kernel->run (&a, 0, out_blocks, 0, l->h);   /* warm up */
    for (i = 0; i < n; i++) {
      gint64 t0 = g_get_monotonic_time ();
      guint ob;

      /* The order the session uses: one group of output blocks at a time,
       * all rows. */
      for (ob = 0; ob < out_blocks; ob += kernel->ocb_step)
        kernel->run (&a, ob, MIN (ob + kernel->ocb_step, out_blocks), 0, l->h);
      best = MIN (best, (g_get_monotonic_time () - t0) * 1e-6);
    }
    printf ("%-8s %3u->%3u %3ux%-3u %-28s %8.2f ms %7.1f GFLOP/s\n",
        l->name, l->ic, l->oc, l->h, l->w, kernel->name, best * 1e3,
        gflop / best);
  }

  {
    const Vgg19Conv3x3Kernel *kernel = vgg19_conv3x3_select (vgg19_cpu_isa ());
    guint n_threads = g_get_num_processors ();
    double best = G_MAXDOUBLE;

    for (i = 0; i < repeats; i++)
      best = MIN (best, time_threaded (kernel, &a, n_threads));
    printf ("%-8s %3u->%3u %3ux%-3u %-22s x%-2u th %8.2f ms %7.1f GFLOP/s\n",
        l->name, l->ic, l->oc, l->h, l->w, kernel->name, n_threads,
        best * 1e3, gflop / best);
  }

  vgg19_free_floats (oihw);
  vgg19_free_floats (packed);
  vgg19_free_floats (bias);
  vgg19_free_floats (in);
  vgg19_free_floats (out);
  g_rand_free (r);
}

int
main (int argc, char **argv)
{
  guint i;

  if (argc >= 5) {
    Layer l = { "custom", (guint) atoi (argv[1]), (guint) atoi (argv[2]),
      (guint) atoi (argv[3]), (guint) atoi (argv[4])
    };

    if (l.ic == 0 || l.oc == 0 || l.oc % VGG19_CBLOCK != 0 || l.h == 0
        || l.w == 0 || (l.ic > VGG19_CBLOCK && l.ic % VGG19_CBLOCK != 0)) {
      fprintf (stderr, "IC must be <= 16 or a multiple of 16, OC a multiple "
          "of 16, H and W positive\n");
      return 2;
    }
    bench_layer (&l, argc >= 6 ? (guint) atoi (argv[5]) : 5);
    return 0;
  }
  for (i = 0; i < G_N_ELEMENTS (default_layers); i++)
    bench_layer (&default_layers[i], 5);
  return 0;
}
