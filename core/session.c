/* A session: plans a forward pass for one input size and set of taps
 * (reshape), then runs it per image with no allocation (run). */
#include <string.h>

#include "aligned.h"
#include "bf16_kernels.h"
#include "conv3x3.h"
#include "cpu.h"
#include "f32_gemv.h"
#include "fc.h"
#include "l2pool.h"
#include "layout.h"
#include "model.h"
#include "threadpool.h"
#include "winograd.h"

typedef struct
{
  Vgg19Tensor tensor;
  float *storage;
} Output;

/* How a Winograd layer's work is cut (see plan_winograd()). */
typedef struct
{
  guint n_tiles;                /* the layer's tiles */
  guint tiles_x;
  guint chunk;                  /* tiles per chunk: V's and M's rows */
  guint n_chunks;
  guint group;                  /* output blocks per item */
  guint n_groups;
  gboolean prefetch_u;          /* U streamed from memory: prefetch it */
} WinogradPlan;

/* A thread's Winograd scratch: V of the chunk it transformed last, and M
 * of its current item. */
typedef struct
{
  float *v;
  guint16 *v16;                 /* v in bf16 (bf16 sessions) */
  float *m;
  int v_chunk;                  /* chunk held in v, or -1 */
} WinogradScratch;

struct _Vgg19Session
{
  Vgg19Model *model;
  const Vgg19Network *net;
  Vgg19ThreadPool *pool;
  Vgg19Isa isa;
  const Vgg19Conv3x3Kernel *conv;
  const Vgg19WinogradKernel *winograd;
  const Vgg19F32GemvKernel *gemv;
  /* bf16 sessions: the bf16 kernels, else NULL. Winograd products and
   * Linear layers then run in bf16 (model->conv_u16, linear_w16); the
   * transforms, the first convolution and everything else in float32. */
  const Vgg19Bf16Kernels *bf16;

  /* The plan, valid when `planned`. */
  gboolean planned;
  guint width, height;
  guint last;                   /* deepest module to run */
  guint *channels, *heights, *widths;   /* per module output */
  int *output_index;            /* per module: index in outputs, or -1 */
  Output *outputs;
  guint n_outputs;
  float *input_storage;
  float *act[2];                /* ping-pong activations, blocked */
  float *flat;                  /* adaptive-pooled, flattened pool5 */
  float *fc_out[3];
  guint16 *fc_in16;             /* a Linear layer's input in bf16 */
  WinogradPlan *winograd_plans; /* per module (conv modules only) */
  WinogradScratch *scratch;     /* per thread */

  gboolean profiling;
  GArray *profile;              /* Vgg19LayerTime */
};

static void
plan_free (Vgg19Session * s)
{
  guint i;

  for (i = 0; i < s->n_outputs; i++)
    vgg19_free_floats (s->outputs[i].storage);
  g_clear_pointer (&s->outputs, g_free);
  s->n_outputs = 0;
  g_clear_pointer (&s->channels, g_free);
  g_clear_pointer (&s->heights, g_free);
  g_clear_pointer (&s->widths, g_free);
  g_clear_pointer (&s->output_index, g_free);
  g_clear_pointer (&s->input_storage, vgg19_free_floats);
  g_clear_pointer (&s->act[0], vgg19_free_floats);
  g_clear_pointer (&s->act[1], vgg19_free_floats);
  g_clear_pointer (&s->flat, vgg19_free_floats);
  for (i = 0; i < 3; i++)
    g_clear_pointer (&s->fc_out[i], vgg19_free_floats);
  if (s->scratch) {
    for (i = 0; i < vgg19_thread_pool_get_n_threads (s->pool); i++) {
      vgg19_free_floats (s->scratch[i].v);
      vgg19_free_bf16 (s->scratch[i].v16);
      vgg19_free_floats (s->scratch[i].m);
    }
    g_clear_pointer (&s->scratch, g_free);
  }
  g_clear_pointer (&s->winograd_plans, g_free);
  g_clear_pointer (&s->fc_in16, vgg19_free_bf16);
  s->planned = FALSE;
}

Vgg19Session *
vgg19_session_new (Vgg19Model * model, guint n_threads,
    Vgg19Precision precision, GError ** error)
{
  Vgg19Session *s;
  Vgg19ThreadPool *pool;

  g_return_val_if_fail (model != NULL, NULL);

  if (precision != VGG19_PRECISION_FP32
      && precision != VGG19_PRECISION_BF16) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "unknown precision %d (fp32 or bf16)", (int) precision);
    return NULL;
  }
  if (precision == VGG19_PRECISION_BF16
      && !vgg19_model_prepare_bf16 (model, error))
    return NULL;
  pool = vgg19_thread_pool_new (n_threads, error);
  if (pool == NULL)
    return NULL;

  s = g_new0 (Vgg19Session, 1);
  s->model = vgg19_model_ref (model);
  s->net = model->net;
  s->pool = pool;
  s->isa = vgg19_cpu_isa ();
  s->conv = vgg19_conv3x3_select (s->isa);
  s->winograd = vgg19_winograd_select (s->isa);
  s->gemv = vgg19_f32_gemv_select (s->isa);
  if (precision == VGG19_PRECISION_BF16)
    s->bf16 = vgg19_bf16_kernels_select (vgg19_cpu_use_avx512_bf16 ());
  s->profile = g_array_new (FALSE, FALSE, sizeof (Vgg19LayerTime));
  vgg19_linear_set_threads (vgg19_thread_pool_get_n_threads (pool));
  return s;
}

void
vgg19_session_free (Vgg19Session * s)
{
  if (s == NULL)
    return;
  plan_free (s);
  vgg19_thread_pool_free (s->pool);
  g_array_unref (s->profile);
  vgg19_model_unref (s->model);
  g_free (s);
}

static gboolean
add_output (Vgg19Session * s, guint module, GError ** error)
{
  Output *o = &s->outputs[s->n_outputs];
  gsize n = (gsize) s->channels[module] * s->heights[module] *
      s->widths[module];

  o->storage = vgg19_alloc_floats (n, s->net->modules[module].name, error);
  if (o->storage == NULL)
    return FALSE;
  o->tensor.name = s->net->modules[module].name;
  o->tensor.channels = s->channels[module];
  o->tensor.height = s->heights[module];
  o->tensor.width = s->widths[module];
  o->tensor.data = o->storage;
  s->output_index[module] = (int) s->n_outputs++;
  return TRUE;
}

/* Cuts a Winograd layer into items (chunk of tiles, group of output
 * blocks), each run by one thread with its own V and M.
 *
 * Chunks: V of a chunk is 36 * IC * chunk floats and M as much per 16
 * output channels; the input transform writes V, the products read it and
 * write M, the output transform reads M, so both should stay in the
 * core's L2 between the stages. V gets a quarter of L2 (256 KB of a
 * 1 MB L2: 28 tiles at 64 input channels, 14 at 128), which leaves room
 * for M and the point of U being read. Larger chunks spill V and M to the
 * shared L3, and the transforms, little arithmetic per byte, wait for it:
 * on a 1 MB L2, chunks of 112 tiles (V of 1 MB) made conv1_2 and conv2_1
 * 15-20 % slower than chunks of 28, and 7 or 28 tiles at 128 channels
 * were slower than 14.
 * Every chunk reads all of U, though. Up to a few MB (conv1_2 to
 * conv2_2: 0.6-2.4 MB) that is cheap, as U stays in the caches; beyond
 * four times L2 (conv3_1 on, up to 36 MB at 512 x 512 channels) U comes
 * from L3 or memory for every chunk, so a chunk has at least 96 tiles
 * there; the products read V one point at a time (IC * chunk floats),
 * so only that slice needs to stay in L2. At 224 x 224 conv3 runs as 2
 * chunks of 98 tiles (4 of 49 were ~6 % slower, 5 of 40 ~15 %), conv4
 * (49 tiles) and conv5 (16) as one chunk, reading U once (two chunks of
 * 25 made conv4 ~12 % slower); at 640 x 480, 96 tiles and 48 were within
 * 2 % of each other.
 * Groups: when there are too few chunks to keep every thread busy, the
 * output blocks are split too; each thread then transforms the chunk's
 * input itself, which costs far less than the products.
 * Prefetching: the same layers (U beyond four times L2) have the
 * products prefetch the U they read next while they re-read the current
 * pair of blocks from L2 (Vgg19WinogradGemmFn's u_next): without it the
 * first pass over each pair waits for memory while the later ones leave
 * it idle. At 224 x 224 it made conv4_x and conv5_x 6-10 % faster and
 * conv3_x 3-5 %; for the smaller U, which stays in cache, it would only
 * cost issue slots. */
static void
plan_winograd (WinogradPlan * p, guint ic, guint oc, guint height,
    guint width, guint n_threads, guint ob_step, gsize l2_bytes)
{
  const gsize v_budget = l2_bytes / 4 / sizeof (float);
  const gsize u_bytes = (gsize) VGG19_WINOGRAD_POINTS * ic * oc *
      sizeof (float);
  const guint min_chunk = 96;
  const guint out_blocks = oc / VGG19_CBLOCK;
  guint chunk, want_groups;

  p->tiles_x = (width + VGG19_WINOGRAD_OUT - 1) / VGG19_WINOGRAD_OUT;
  p->n_tiles = p->tiles_x *
      ((height + VGG19_WINOGRAD_OUT - 1) / VGG19_WINOGRAD_OUT);
  chunk = (guint) MAX (v_budget / ((gsize) VGG19_WINOGRAD_POINTS * ic), 1);
  p->prefetch_u = u_bytes > 4 * l2_bytes;
  if (p->prefetch_u)
    chunk = MAX (chunk, min_chunk);
  /* Tiles spread over the chunk count rounded down, so that the chunks
   * are at least `chunk` tiles (196 tiles make two chunks of 98, not
   * three of 66 that read U three times); then the count of chunks that
   * size needs, as rounding the size up may leave the last one empty. */
  p->n_chunks = MAX (p->n_tiles / chunk, 1);
  p->chunk = (p->n_tiles + p->n_chunks - 1) / p->n_chunks;
  p->n_chunks = (p->n_tiles + p->chunk - 1) / p->chunk;

  /* At least 4 items per thread, so one slowed thread does not hold up
   * the layer. */
  want_groups = (4 * n_threads + p->n_chunks - 1) / p->n_chunks;
  want_groups = CLAMP (want_groups, 1, out_blocks);
  p->group = (out_blocks + want_groups - 1) / want_groups;
  p->group = (p->group + ob_step - 1) / ob_step * ob_step;
  p->group = MIN (p->group, out_blocks);
  p->n_groups = (out_blocks + p->group - 1) / p->group;
}

static gboolean
allocate_winograd (Vgg19Session * s, GError ** error)
{
  const guint n_threads = vgg19_thread_pool_get_n_threads (s->pool);
  gsize v_floats = 0, m_floats = 0;
  guint i, last = MIN (s->last, s->net->n_features - 1);

  s->winograd_plans = g_new0 (WinogradPlan, s->net->n_modules);
  for (i = 0; i <= last && i < s->net->n_features; i++) {
    const Vgg19Module *m = &s->net->modules[i];
    WinogradPlan *p = &s->winograd_plans[i];

    if (m->kind != VGG19_MODULE_CONV
        || s->model->convs[m->conv_index].winograd_u == NULL)
      continue;
    plan_winograd (p, m->in_channels, m->out_channels, s->heights[i],
        s->widths[i], n_threads, s->winograd->gemm_ob_step,
        vgg19_cpu_l2_bytes ());
    v_floats = MAX (v_floats,
        (gsize) VGG19_WINOGRAD_POINTS * m->in_channels * p->chunk);
    m_floats = MAX (m_floats, (gsize) VGG19_WINOGRAD_POINTS * p->group *
        VGG19_CBLOCK * p->chunk);
  }
  if (v_floats == 0)
    return TRUE;
  s->scratch = g_new0 (WinogradScratch, n_threads);
  for (i = 0; i < n_threads; i++) {
    /* Zero-filled: a bf16 session converts whole chunks, rows past a
     * partial chunk's end included. */
    s->scratch[i].v = vgg19_alloc_floats0 (v_floats, "Winograd scratch",
        error);
    if (s->bf16 && s->scratch[i].v != NULL)
      s->scratch[i].v16 = vgg19_alloc_bf16 (v_floats, "Winograd scratch",
          error);
    s->scratch[i].m = vgg19_alloc_floats (m_floats, "Winograd scratch",
        error);
    if (s->scratch[i].v == NULL || s->scratch[i].m == NULL
        || (s->bf16 && s->scratch[i].v16 == NULL))
      return FALSE;
  }
  return TRUE;
}

static gboolean
allocate_buffers (Vgg19Session * s, GError ** error)
{
  gsize act_floats = 0, n;
  guint i;

  /* Sizes were bounded by vgg19_network_shapes(), so none overflows. */
  n = vgg19_blocked_n_floats (3, s->height, s->width, 3);
  s->input_storage = vgg19_alloc_floats (n, "the input image", error);
  if (s->input_storage == NULL)
    return FALSE;

  for (i = 0; i <= s->last && i < s->net->n_features; i++) {
    n = vgg19_blocked_n_floats (s->channels[i], s->heights[i], s->widths[i],
        VGG19_CBLOCK);
    act_floats = MAX (act_floats, n);
  }
  if (act_floats > 0) {
    for (i = 0; i < 2; i++) {
      /* Zero-filled once so that sweeping ReLU over whole blocks never
       * reads uninitialised memory. */
      s->act[i] = vgg19_alloc_floats0 (act_floats, "activations", error);
      if (s->act[i] == NULL)
        return FALSE;
    }
  }
  if (s->last >= s->net->n_features) {
    const Vgg19Module *fc6 = &s->net->modules[s->net->n_features];

    s->flat = vgg19_alloc_floats (fc6->in_channels, "the pooled features",
        error);
    if (s->flat == NULL)
      return FALSE;
    if (s->bf16) {
      s->fc_in16 = vgg19_alloc_bf16 (fc6->in_channels, "the pooled features",
          error);
      if (s->fc_in16 == NULL)
        return FALSE;
    }
    for (i = s->net->n_features; i <= s->last; i++) {
      const Vgg19Module *m = &s->net->modules[i];

      if (m->kind == VGG19_MODULE_LINEAR) {
        s->fc_out[m->conv_index] = vgg19_alloc_floats (m->out_channels,
            m->name, error);
        if (s->fc_out[m->conv_index] == NULL)
          return FALSE;
      }
    }
  }
  return TRUE;
}

gboolean
vgg19_session_reshape (Vgg19Session * s, guint width, guint height,
    const char *const *taps, GError ** error)
{
  const Vgg19Network *net = s->net;
  guint n_taps, i;
  int last = -1;

  plan_free (s);

  n_taps = taps ? g_strv_length ((char **) taps) : 0;
  if (n_taps == 0) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "no layer asked for (e.g. fc8 to classify, conv4_2 for a loss)");
    return FALSE;
  }

  s->channels = g_new (guint, net->n_modules);
  s->heights = g_new (guint, net->n_modules);
  s->widths = g_new (guint, net->n_modules);
  s->output_index = g_new (int, net->n_modules);
  s->outputs = g_new0 (Output, n_taps);
  for (i = 0; i < net->n_modules; i++)
    s->output_index[i] = -1;

  if (!vgg19_network_shapes (net, width, height, s->channels, s->heights,
          s->widths, error))
    goto fail;
  s->width = width;
  s->height = height;

  for (i = 0; i < n_taps; i++) {
    int m = vgg19_network_find_tap (net, taps[i]);

    if (m < 0) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
          "unknown layer '%s' for %s (layers are named conv1_1, relu1_1, "
          "pool1, ..., conv5_%u, relu5_%u, pool5, fc6, relu6, fc7, relu7, "
          "fc8)", taps[i], vgg19_arch_name (net->arch),
          net->arch == VGG19_ARCH_VGG19 ? 4 : 3,
          net->arch == VGG19_ARCH_VGG19 ? 4 : 3);
      goto fail;
    }
    if ((guint) m >= net->n_features && !s->model->has_classifier) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_UNSUPPORTED,
          "layer '%s' needs the classifier, but %s has only the "
          "convolutional part (features and losses work; to classify, use "
          "the full weights, e.g. %s)", taps[i], s->model->path,
          VGG19_OFFICIAL_WEIGHTS_NAME);
      goto fail;
    }
    last = MAX (last, m);
  }
  s->last = (guint) last;

  /* Outputs in execution order, each tap once. */
  for (i = 0; i <= s->last; i++) {
    guint j;

    for (j = 0; j < n_taps; j++)
      if (strcmp (taps[j], net->modules[i].name) == 0)
        break;
    if (j < n_taps && !add_output (s, i, error))
      goto fail;
  }
  if (!allocate_buffers (s, error) || !allocate_winograd (s, error))
    goto fail;

  s->planned = TRUE;
  return TRUE;

fail:
  plan_free (s);
  return FALSE;
}

/* Parallel loops ----------------------------------------------------- */

typedef struct
{
  const Vgg19Conv3x3Kernel *kernel;
  Vgg19Conv3x3Args args;
  guint n_groups;
} ConvJob;

/* Items are (output-block group, row) pairs, group-major, so a thread's
 * contiguous chunk keeps reusing one group's weights. */
static void
conv_items (gpointer data, guint begin, guint end)
{
  ConvJob *job = data;
  guint h = job->args.height, step = job->kernel->ocb_step;

  while (begin < end) {
    guint group = begin / h, row = begin % h;
    guint row_end = MIN (h, row + (end - begin));

    job->kernel->run (&job->args, group * step,
        MIN ((group + 1) * step, job->args.out_blocks), row, row_end);
    begin += row_end - row;
  }
}

static void
run_conv (Vgg19Session * s, const Vgg19ConvParams * p,
    const Vgg19Blocked * src, const Vgg19Blocked * dst, gboolean relu)
{
  ConvJob job;

  job.kernel = s->conv;
  job.args.input = src->data;
  job.args.in_block_stride = vgg19_blocked_block_stride (src);
  job.args.in_row_stride = vgg19_blocked_row_stride (src);
  job.args.in_blocks = vgg19_blocked_n_blocks (src);
  job.args.ibs = src->bs;
  job.args.weights = p->weights;
  job.args.bias = p->bias;
  job.args.output = dst->data;
  job.args.out_block_stride = vgg19_blocked_block_stride (dst);
  job.args.out_row_stride = vgg19_blocked_row_stride (dst);
  job.args.out_blocks = vgg19_blocked_n_blocks (dst);
  job.args.height = dst->height;
  job.args.width = dst->width;
  job.args.relu = relu;
  job.n_groups = (job.args.out_blocks + s->conv->ocb_step - 1) /
      s->conv->ocb_step;

  vgg19_thread_pool_run (s->pool, job.n_groups * dst->height, conv_items,
      &job);
}

typedef struct
{
  Vgg19Session *s;
  const WinogradPlan *plan;
  Vgg19WinogradLayer layer;
  const float *u;
  const guint16 *u16;           /* bf16 products when set */
  guint ic, out_blocks;
} WinogradJob;

/* Items are (chunk, group) pairs, chunk-major, so a thread that takes
 * consecutive items of one chunk transforms its input once. */
static void
winograd_items (gpointer data, guint thread, guint begin, guint end)
{
  const WinogradJob *job = data;
  const WinogradPlan *p = job->plan;
  const Vgg19WinogradKernel *k = job->s->winograd;
  WinogradScratch *sc = &job->s->scratch[thread];
  guint item;

  for (item = begin; item < end; item++) {
    const guint chunk = item / p->n_groups, group = item % p->n_groups;
    const guint first = chunk * p->chunk;
    const guint n = MIN (p->chunk, p->n_tiles - first);
    const guint ob = group * p->group;
    const guint nb = MIN (p->group, job->out_blocks - ob);
    guint pt;

    const gsize v_point = (gsize) job->ic * p->chunk;

    if (sc->v_chunk != (int) chunk) {
      k->input (&job->layer, first, n, sc->v, p->chunk);
      if (job->u16)
        job->s->bf16->convert (sc->v, sc->v16,
            VGG19_WINOGRAD_POINTS * v_point);
      sc->v_chunk = (int) chunk;
    }
    for (pt = 0; pt < VGG19_WINOGRAD_POINTS; pt++) {
      const gsize u_at = ((gsize) pt * job->out_blocks + ob) * job->ic *
          VGG19_CBLOCK;
      float *m = sc->m + (gsize) pt * nb * VGG19_CBLOCK * p->chunk;
      /* What this thread reads next: this group at the next point, after
       * the last point most likely the next group (items are handed out
       * in contiguous runs). */
      gsize next_at = 0;
      gboolean have_next = p->prefetch_u;

      if (pt + 1 < VGG19_WINOGRAD_POINTS)
        next_at = u_at + (gsize) job->out_blocks * job->ic * VGG19_CBLOCK;
      else if (ob + nb < job->out_blocks)
        next_at = (gsize) (ob + nb) * job->ic * VGG19_CBLOCK;
      else
        have_next = FALSE;

      if (job->u16)
        job->s->bf16->winograd_gemm (sc->v16 + pt * v_point,
            job->u16 + u_at, m, job->ic, p->chunk, 0, nb, 0, n,
            have_next ? job->u16 + next_at : NULL);
      else
        k->gemm (sc->v + pt * v_point, job->u + u_at, m, job->ic, p->chunk,
            0, nb, 0, n, have_next ? job->u + next_at : NULL);
    }
    k->output (&job->layer, sc->m, p->chunk, first, n, ob, nb);
  }
}

static void
run_winograd (Vgg19Session * s, const WinogradPlan * plan,
    const Vgg19ConvParams * p, const guint16 * u16,
    const Vgg19Blocked * src, const Vgg19Blocked * dst, gboolean relu,
    gboolean pool, guint height, guint width)
{
  WinogradJob job;
  guint i;

  job.s = s;
  job.plan = plan;
  job.u = p->winograd_u;
  job.u16 = s->bf16 ? u16 : NULL;
  job.ic = src->channels;
  job.out_blocks = vgg19_blocked_n_blocks (dst);
  job.layer.input = src->data;
  job.layer.in_block_stride = vgg19_blocked_block_stride (src);
  job.layer.in_row_stride = vgg19_blocked_row_stride (src);
  job.layer.in_blocks = vgg19_blocked_n_blocks (src);
  job.layer.output = dst->data;
  job.layer.out_block_stride = vgg19_blocked_block_stride (dst);
  job.layer.out_row_stride = vgg19_blocked_row_stride (dst);
  job.layer.bias = p->bias;
  job.layer.relu = relu;
  job.layer.pool = pool;
  job.layer.height = height;
  job.layer.width = width;
  job.layer.tiles_x = plan->tiles_x;

  for (i = 0; i < vgg19_thread_pool_get_n_threads (s->pool); i++)
    s->scratch[i].v_chunk = -1;
  vgg19_thread_pool_run_indexed (s->pool, plan->n_chunks * plan->n_groups,
      winograd_items, &job);
}

typedef struct
{
  const Vgg19Blocked *src;
  const Vgg19Blocked *dst;
  float *chw;
} LayoutJob;

static void
pool_rows (gpointer data, guint begin, guint end)
{
  LayoutJob *job = data;

  vgg19_maxpool2x2 (job->src, job->dst, begin, end);
}

static void
l2pool_rows (gpointer data, guint begin, guint end)
{
  LayoutJob *job = data;

  vgg19_l2pool3x3s2 (job->src, job->dst, begin, end);
}

static void
relu_blocks (gpointer data, guint begin, guint end)
{
  LayoutJob *job = data;

  vgg19_blocked_relu (job->src, begin, end);
}

static void
extract_rows (gpointer data, guint begin, guint end)
{
  LayoutJob *job = data;

  vgg19_blocked_to_chw (job->src, job->chw, begin, end);
}

static void
extract_blocked (Vgg19Session * s, guint module, const Vgg19Blocked * t)
{
  LayoutJob job = { t, NULL, NULL };

  if (s->output_index[module] < 0)
    return;
  job.chw = s->outputs[s->output_index[module]].storage;
  vgg19_thread_pool_run (s->pool, t->height, extract_rows, &job);
}

static void
extract_vector (Vgg19Session * s, guint module, const float *v, guint n)
{
  if (s->output_index[module] >= 0)
    memcpy (s->outputs[s->output_index[module]].storage, v,
        (gsize) n * sizeof (float));
}

static void
record_time (Vgg19Session * s, const Vgg19Module * m, gint64 start,
    double gflop)
{
  Vgg19LayerTime t;

  if (!s->profiling)
    return;
  t.name = m->name;
  t.ms = (g_get_monotonic_time () - start) / 1000.0;
  t.gflop = gflop;
  g_array_append_val (s->profile, t);
}

/* Runs the features part; leaves the last output in *cur. */
static void
run_features (Vgg19Session * s, Vgg19Blocked * cur)
{
  const Vgg19Network *net = s->net;
  guint i, next = 0, last = MIN (s->last, net->n_features - 1);

  for (i = 0; i <= last; i++) {
    const Vgg19Module *m = &net->modules[i];
    gint64 start = s->profiling ? g_get_monotonic_time () : 0;
    Vgg19Blocked dst = { s->act[next], s->channels[i], s->heights[i],
      s->widths[i], VGG19_CBLOCK
    };
    LayoutJob job = { cur, &dst, NULL };

    switch (m->kind) {
      case VGG19_MODULE_CONV:{
        /* ReLU is fused into the convolution unless the pre-ReLU output is
         * wanted or the run stops here. */
        gboolean fuse = s->output_index[i] < 0 && i < last;
        /* So is a max pooling after the ReLU, in the Winograd output
         * transform, unless the ReLU's output is wanted: the
         * convolution's output is then never written in full (12.8 MB at
         * conv1_2 for 224 x 224). */
        const Vgg19ConvParams *p = &s->model->convs[m->conv_index];
        gboolean fuse_pool = fuse && p->winograd_u && i + 2 <= last
            && s->output_index[i + 1] < 0
            && net->modules[i + 2].kind == VGG19_MODULE_POOL
            && net->pooling == VGG19_POOLING_MAX;

        if (fuse_pool) {
          dst.height = s->heights[i + 2];
          dst.width = s->widths[i + 2];
        }
        vgg19_blocked_zero_border (&dst);
        if (p->winograd_u)
          run_winograd (s, &s->winograd_plans[i], p,
              s->bf16 ? s->model->conv_u16[m->conv_index] : NULL, cur, &dst,
              fuse, fuse_pool, s->heights[i], s->widths[i]);
        else
          run_conv (s, p, cur, &dst, fuse);
        if (!fuse_pool)
          extract_blocked (s, i, &dst);
        record_time (s, m, start, 2e-9 * s->heights[i] * s->widths[i] *
            m->out_channels * m->in_channels * 9);
        if (fuse)
          extract_blocked (s, ++i, &dst);       /* its ReLU is done */
        if (fuse_pool) {
          /* the pooling is done too: its own entry in the profile (0 ms:
           * its time is in the convolution's) */
          i++;
          extract_blocked (s, i, &dst);
          record_time (s, &net->modules[i], g_get_monotonic_time (), 0);
        }
        *cur = dst;
        next ^= 1;
        break;
      }
      case VGG19_MODULE_RELU:
        vgg19_thread_pool_run (s->pool, vgg19_blocked_n_blocks (cur),
            relu_blocks, &job);
        extract_blocked (s, i, cur);
        record_time (s, m, start, 0);
        break;
      case VGG19_MODULE_POOL:
        vgg19_blocked_zero_border (&dst);
        vgg19_thread_pool_run (s->pool, dst.height,
            net->pooling == VGG19_POOLING_L2 ? l2pool_rows : pool_rows, &job);
        extract_blocked (s, i, &dst);
        record_time (s, m, start, 0);
        *cur = dst;
        next ^= 1;
        break;
      case VGG19_MODULE_LINEAR:
        break;
    }
  }
}

typedef struct
{
  const Vgg19F32GemvKernel *kernel;
  const Vgg19LinearParams *p;
  const float *x;
  float *y;
  guint in, out, step;
  /* bf16: */
  const Vgg19Bf16Kernels *bf16;
  const guint16 *w16, *x16;
} LinearJob;

/* Items are groups of `step` rows. */
static void
linear_rows (gpointer data, guint begin, guint end)
{
  const LinearJob *job = data;
  const guint row_end = MIN (end * job->step, job->out);

  if (job->w16)
    job->bf16->gemv (job->w16, job->in, job->p->bias, job->x16, job->in,
        job->y, begin * job->step, row_end);
  else
    job->kernel->run (job->p->weights, job->p->bias, job->x, job->in,
        job->y, begin * job->step, row_end);
}

static void
run_linear (Vgg19Session * s, guint index, guint in, guint out,
    const float *x, float *y)
{
  LinearJob job = { s->gemv, &s->model->linears[index], x, y, in, out,
    s->gemv->rows_step, NULL, NULL, NULL
  };

  if (s->bf16) {
    /* The input is rounded once here, not once per thread. */
    s->bf16->convert (x, s->fc_in16, in);
    job.bf16 = s->bf16;
    job.w16 = s->model->linear_w16[index];
    job.x16 = s->fc_in16;
    job.step = s->bf16->gemv_rows;
  }
  vgg19_thread_pool_run (s->pool, (out + job.step - 1) / job.step,
      linear_rows, &job);
}

static void
run_classifier (Vgg19Session * s, const Vgg19Blocked * pool5)
{
  const Vgg19Network *net = s->net;
  const float *x = s->flat;
  gint64 start = s->profiling ? g_get_monotonic_time () : 0;
  guint i;

  vgg19_adaptive_avgpool_flat (pool5, VGG19_AVGPOOL_SIDE, s->flat);
  if (s->profiling) {
    Vgg19LayerTime t = { "avgpool", (g_get_monotonic_time () - start) / 1e3,
      0
    };
    g_array_append_val (s->profile, t);
  }

  for (i = net->n_features; i <= s->last; i++) {
    const Vgg19Module *m = &net->modules[i];

    start = s->profiling ? g_get_monotonic_time () : 0;
    if (m->kind == VGG19_MODULE_LINEAR) {
      float *y = s->fc_out[m->conv_index];

      run_linear (s, m->conv_index, m->in_channels, m->out_channels, x, y);
      extract_vector (s, i, y, m->out_channels);
      record_time (s, m, start, 2e-9 * m->in_channels * m->out_channels);
      x = y;
    } else {
      float *y = s->fc_out[net->modules[i - 1].conv_index];
      guint j;

      for (j = 0; j < m->out_channels; j++)
        y[j] = y[j] > 0.0f ? y[j] : 0.0f;
      extract_vector (s, i, y, m->out_channels);
      record_time (s, m, start, 0);
    }
  }
}

gboolean
vgg19_session_run (Vgg19Session * s, const float *input, GError ** error)
{
  Vgg19Blocked cur;

  if (!s->planned) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "the session has no input size and layers: call "
        "vgg19_session_reshape() first");
    return FALSE;
  }
  g_array_set_size (s->profile, 0);

  cur.data = s->input_storage;
  cur.channels = 3;
  cur.height = s->height;
  cur.width = s->width;
  cur.bs = 3;
  vgg19_blocked_from_chw (&cur, input);

  run_features (s, &cur);
  if (s->last >= s->net->n_features)
    run_classifier (s, &cur);
  return TRUE;
}

const Vgg19Tensor *
vgg19_session_get_output (Vgg19Session * s, const char *tap)
{
  guint i;

  if (!s->planned || tap == NULL)
    return NULL;
  for (i = 0; i < s->n_outputs; i++)
    if (strcmp (s->outputs[i].tensor.name, tap) == 0)
      return &s->outputs[i].tensor;
  return NULL;
}

const char *
vgg19_session_get_isa (const Vgg19Session * s)
{
  return vgg19_isa_name (s->conv->isa);
}

guint
vgg19_session_get_n_threads (const Vgg19Session * s)
{
  return vgg19_thread_pool_get_n_threads (s->pool);
}

Vgg19Model *
vgg19_session_get_model (const Vgg19Session * s)
{
  return s->model;
}

gboolean
vgg19_session_set_pooling (Vgg19Session * s, Vgg19Pooling pooling,
    GError ** error)
{
  const Vgg19Network *net = vgg19_network_get_pooled (s->net->arch, pooling);

  if (net == NULL) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "unknown pooling %d (expected max or l2)", (int) pooling);
    return FALSE;
  }
  plan_free (s);
  s->net = net;
  return TRUE;
}

Vgg19Pooling
vgg19_session_get_pooling (const Vgg19Session * s)
{
  return s->net->pooling;
}

void
vgg19_session_set_profiling (Vgg19Session * s, gboolean enable)
{
  s->profiling = enable;
  g_array_set_size (s->profile, 0);
}

const Vgg19LayerTime *
vgg19_session_get_profile (const Vgg19Session * s, guint * n_layers)
{
  *n_layers = s->profiling ? s->profile->len : 0;
  return s->profiling ? (const Vgg19LayerTime *) s->profile->data : NULL;
}
