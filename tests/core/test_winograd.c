/* Winograd F(4x4, 3x3): weight transform, input and output transforms and
 * per-point products, on their own and as a whole layer.
 *
 * Oracles:
 *  - a naive direct convolution in double on plain CHW arrays (zero
 *    padding by bounds tests) checks the portable kernel set run as a whole
 *    layer (U from vgg19_winograd_pack_u(), chunks of tiles, groups of
 *    output blocks, partial edge tiles), so the matrices, the layouts and
 *    the edge handling are all checked at once;
 *  - the portable kernels then check every SIMD set the CPU supports,
 *    stage by stage (transforms bit for bit where the arithmetic is the
 *    same; products and whole layers within a tolerance). A set the CPU
 *    lacks is reported as NOT RUN on stdout, never passed silently.
 *
 * Sizes: below, at and above each register tile (14 tiles for AVX-512, 6
 * for AVX2), odd numbers of output blocks (the AVX-512 products take them
 * in pairs), maps whose sides are not multiples of 4 (partial tiles) and
 * maps smaller than one tile (1x1, 2x3).
 *
 * Tolerances, relative to the largest |output| of the layer:
 *  - Winograd against the double oracle: 2e-5. Inputs, weights and bias
 *    are uniform in [-1, 1]; F(4x4, 3x3) scales intermediate values by up
 *    to ~100 (B^T's 4 and 5, A^T's 8) before cancelling, so its float32
 *    rounding error is some 10-30 times the direct kernels' ~1e-6;
 *  - SIMD products and layers against the portable ones: 1e-5 (FMA fuses
 *    each multiply-add, the portable kernel rounds twice).
 * Outputs outside the tiles, blocks and border a call was given hold a
 * canary bit pattern that must survive.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cpu.h"
#include "layout.h"
#include "winograd.h"

#define CANARY_BITS 0x7fc0dead
#define TOL_ORACLE 2e-5
#define TOL_SIMD 1e-5

static const Vgg19Isa simd_isas[] = { VGG19_ISA_AVX2, VGG19_ISA_AVX512 };

typedef struct
{
  guint ic, oc, h, w;
  float *in_chw;                /* ic x h x w */
  float *oihw;                  /* oc x ic x 3 x 3 */
  float *bias;
  float *in_blocked;            /* [ic / 16][h + 2][w + 2][16] */
  float *u;                     /* 36 x oc x ic */
} Problem;

static Problem
problem_new (guint ic, guint oc, guint h, guint w, guint32 seed)
{
  Problem pb = { ic, oc, h, w, NULL, NULL, NULL, NULL, NULL };
  GRand *r = g_rand_new_with_seed (seed);
  gsize i, n_in = (gsize) (h + 2) * (w + 2) * ic;
  guint c, y, x;

  pb.in_chw = g_new (float, (gsize) ic * h * w);
  pb.oihw = g_new (float, (gsize) oc * ic * 9);
  pb.bias = g_new (float, oc);
  pb.in_blocked = g_new0 (float, n_in);
  pb.u = g_new (float, (gsize) VGG19_WINOGRAD_POINTS * oc * ic);

  for (i = 0; i < (gsize) ic * h * w; i++)
    pb.in_chw[i] = (float) g_rand_double_range (r, -1.0, 1.0);
  for (i = 0; i < (gsize) oc * ic * 9; i++)
    pb.oihw[i] = (float) g_rand_double_range (r, -1.0, 1.0);
  for (i = 0; i < oc; i++)
    pb.bias[i] = (float) g_rand_double_range (r, -1.0, 1.0);
  for (c = 0; c < ic; c++)
    for (y = 0; y < h; y++)
      for (x = 0; x < w; x++)
        pb.in_blocked[(c / VGG19_CBLOCK) * (gsize) (h + 2) * (w + 2) *
            VGG19_CBLOCK + (gsize) (y + 1) * (w + 2) * VGG19_CBLOCK +
            (gsize) (x + 1) * VGG19_CBLOCK + c % VGG19_CBLOCK] =
            pb.in_chw[((gsize) c * h + y) * w + x];
  vgg19_winograd_pack_u (pb.oihw, oc, ic, pb.u);
  g_rand_free (r);
  return pb;
}

static void
problem_free (Problem * pb)
{
  g_free (pb->in_chw);
  g_free (pb->oihw);
  g_free (pb->bias);
  g_free (pb->in_blocked);
  g_free (pb->u);
}

static gsize
out_n_floats (const Problem * pb)
{
  return (gsize) (pb->oc / VGG19_CBLOCK) * (pb->h + 2) * (pb->w + 2) *
      VGG19_CBLOCK;
}

static gsize
out_index (const Problem * pb, guint o, guint by, guint bx)
{
  return (o / VGG19_CBLOCK) * (gsize) (pb->h + 2) * (pb->w + 2) *
      VGG19_CBLOCK + (gsize) by * (pb->w + 2) * VGG19_CBLOCK +
      (gsize) bx * VGG19_CBLOCK + o % VGG19_CBLOCK;
}

static gboolean
is_canary (float f)
{
  guint32 bits;

  memcpy (&bits, &f, sizeof (bits));
  return bits == CANARY_BITS;
}

static float *
canary_buffer (gsize n)
{
  float *p = g_new (float, n);
  guint32 bits = CANARY_BITS;
  gsize i;

  for (i = 0; i < n; i++)
    memcpy (&p[i], &bits, sizeof (bits));
  return p;
}

static Vgg19WinogradLayer
problem_layer (const Problem * pb, float *out, gboolean relu)
{
  Vgg19WinogradLayer l;

  l.input = pb->in_blocked;
  l.in_block_stride = (gsize) (pb->h + 2) * (pb->w + 2) * VGG19_CBLOCK;
  l.in_row_stride = (gsize) (pb->w + 2) * VGG19_CBLOCK;
  l.in_blocks = pb->ic / VGG19_CBLOCK;
  l.output = out;
  l.out_block_stride = l.in_block_stride;
  l.out_row_stride = l.in_row_stride;
  l.bias = pb->bias;
  l.relu = relu;
  l.pool = FALSE;
  l.height = pb->h;
  l.width = pb->w;
  l.tiles_x = (pb->w + 3) / 4;
  return l;
}

static guint
n_tiles_of (const Problem * pb)
{
  return ((pb->w + 3) / 4) * ((pb->h + 3) / 4);
}

/* The whole layer with kernel set @k, the way the session runs it: chunks
 * of @chunk tiles, groups of @group output blocks; returns the bordered
 * output (canary where not written). */
static float *
run_layer (const Vgg19WinogradKernel * k, const Problem * pb, guint chunk,
    guint group, gboolean relu)
{
  float *out = canary_buffer (out_n_floats (pb));
  Vgg19WinogradLayer l = problem_layer (pb, out, relu);
  const guint n_tiles = n_tiles_of (pb), out_blocks = pb->oc / VGG19_CBLOCK;
  float *v = g_new (float, (gsize) VGG19_WINOGRAD_POINTS * pb->ic * chunk);
  float *m = g_new (float, (gsize) VGG19_WINOGRAD_POINTS * group *
      VGG19_CBLOCK * chunk);
  guint first, ob, p;

  for (first = 0; first < n_tiles; first += chunk) {
    const guint n = MIN (chunk, n_tiles - first);

    k->input (&l, first, n, v, chunk);
    for (ob = 0; ob < out_blocks; ob += group) {
      const guint nb = MIN (group, out_blocks - ob);

      for (p = 0; p < VGG19_WINOGRAD_POINTS; p++)
        k->gemm (v + (gsize) p * pb->ic * chunk,
            pb->u + ((gsize) p * out_blocks + ob) * pb->ic * VGG19_CBLOCK,
            m + (gsize) p * nb * VGG19_CBLOCK * chunk, pb->ic, chunk, 0, nb,
            0, n, NULL);
      k->output (&l, m, chunk, first, n, ob, nb);
    }
  }
  g_free (v);
  g_free (m);
  return out;
}

/* Every interior value written, border untouched. */
static void
check_written (const Problem * pb, const float *out, const char *what)
{
  guint o, by, bx;

  for (o = 0; o < pb->oc; o++)
    for (by = 0; by < pb->h + 2; by++)
      for (bx = 0; bx < pb->w + 2; bx++) {
        gboolean inside = by >= 1 && by <= pb->h && bx >= 1 && bx <= pb->w;
        float v = out[out_index (pb, o, by, bx)];

        if (inside && is_canary (v))
          ck_abort_msg ("%s: channel %u pixel (%u, %u) of %ux%u not written",
              what, o, by - 1, bx - 1, pb->h, pb->w);
        if (!inside && !is_canary (v))
          ck_abort_msg ("%s: channel %u border pixel (%u, %u) of %ux%u "
              "written", what, o, by, bx, pb->h, pb->w);
      }
}

static double
naive_at (const Problem * pb, guint o, guint y, guint x)
{
  double acc = pb->bias[o];
  guint i, ky, kx;

  for (i = 0; i < pb->ic; i++)
    for (ky = 0; ky < 3; ky++)
      for (kx = 0; kx < 3; kx++) {
        int yy = (int) y + (int) ky - 1, xx = (int) x + (int) kx - 1;

        if (yy < 0 || xx < 0 || yy >= (int) pb->h || xx >= (int) pb->w)
          continue;
        acc += (double) pb->oihw[(((gsize) o * pb->ic + i) * 3 + ky) * 3 +
            kx] * pb->in_chw[((gsize) i * pb->h + yy) * pb->w + xx];
      }
  return acc;
}

static void
check_against_naive (const Problem * pb, const float *out, gboolean relu,
    const char *what)
{
  double max_want = 0.0, max_err = 0.0;
  guint o, y, x;

  check_written (pb, out, what);
  for (o = 0; o < pb->oc; o++)
    for (y = 0; y < pb->h; y++)
      for (x = 0; x < pb->w; x++) {
        double want = naive_at (pb, o, y, x);

        if (relu && want < 0.0)
          want = 0.0;
        max_want = MAX (max_want, fabs (want));
        max_err = MAX (max_err,
            fabs (want - out[out_index (pb, o, y + 1, x + 1)]));
      }
  ck_assert_msg (max_err <= TOL_ORACLE * max_want,
      "%s: max |err| %.3g > %g * max |want| %.3g", what, max_err, TOL_ORACLE,
      max_want);
}

static void
check_close (const Problem * pb, const float *want, const float *got,
    double tol, const char *what)
{
  double max_want = 0.0, max_err = 0.0;
  guint o, y, x;

  check_written (pb, got, what);
  for (o = 0; o < pb->oc; o++)
    for (y = 1; y <= pb->h; y++)
      for (x = 1; x <= pb->w; x++) {
        gsize i = out_index (pb, o, y, x);

        max_want = MAX (max_want, fabs (want[i]));
        max_err = MAX (max_err, fabs ((double) want[i] - got[i]));
      }
  ck_assert_msg (max_err <= tol * max_want,
      "%s: max |err| %.3g > %g * max |want| %.3g", what, max_err, tol,
      max_want);
}

typedef struct
{
  guint ic, oc, h, w, chunk, group;
} Shape;

/* chunk 0 means all tiles in one chunk. */
static const Shape shapes[] = {
  {16, 16, 4, 4, 0, 1},         /* one whole tile */
  {16, 16, 1, 1, 0, 1},         /* smaller than a tile */
  {32, 48, 2, 3, 0, 3},
  {64, 64, 8, 8, 0, 4},         /* 4 tiles */
  {64, 48, 13, 9, 0, 3},        /* partial tiles, 12 tiles, odd blocks */
  {32, 32, 8, 28, 0, 2},        /* 14 tiles: the AVX-512 register tile */
  {32, 32, 12, 20, 0, 2},       /* 15 tiles */
  {48, 80, 23, 17, 7, 2},       /* chunks of 7, groups of 2 and 1 */
  {64, 32, 16, 24, 6, 1},       /* 24 tiles: 4 AVX2 register tiles */
  {16, 32, 30, 30, 29, 2},      /* 64 tiles in chunks of 29 */
  {128, 64, 14, 14, 0, 4},      /* conv5-like grid: 16 tiles */
};

START_TEST (test_portable_layer_matches_naive)
{
  const Vgg19WinogradKernel *k = vgg19_winograd_select (VGG19_ISA_PORTABLE);
  const Shape *s = &shapes[_i];
  Problem pb = problem_new (s->ic, s->oc, s->h, s->w, 100 + _i);
  guint chunk = s->chunk ? s->chunk : n_tiles_of (&pb);
  char *what = g_strdup_printf ("portable %ux%u ic %u oc %u chunk %u group "
      "%u", s->h, s->w, s->ic, s->oc, chunk, s->group);
  gboolean relu;

  ck_assert_int_eq (k->isa, VGG19_ISA_PORTABLE);
  for (relu = FALSE; relu <= TRUE; relu++) {
    float *out = run_layer (k, &pb, chunk, s->group, relu);

    check_against_naive (&pb, out, relu, what);
    g_free (out);
  }
  g_free (what);
  problem_free (&pb);
}
END_TEST

/* The weight transform alone, against its definition G g G^T in double. */
START_TEST (test_pack_u_definition)
{
  static const double G[6][3] = {
    {0.25, 0, 0}, {-1.0 / 6, -1.0 / 6, -1.0 / 6}, {-1.0 / 6, 1.0 / 6,
        -1.0 / 6}, {1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, -1.0 / 12,
        1.0 / 6}, {0, 0, 1}
  };
  Problem pb = problem_new (32, 48, 4, 4, 7);
  guint o, c, i, j, a, b;

  for (o = 0; o < pb.oc; o++)
    for (c = 0; c < pb.ic; c++)
      for (i = 0; i < 6; i++)
        for (j = 0; j < 6; j++) {
          double want = 0.0;
          float got;

          for (a = 0; a < 3; a++)
            for (b = 0; b < 3; b++)
              want += G[i][a] * pb.oihw[(((gsize) o * pb.ic + c) * 3 + a) *
                  3 + b] * G[j][b];
          got = pb.u[((((gsize) i * 6 + j) * (pb.oc / 16) + o / 16) * pb.ic +
                  c) * 16 + o % 16];
          /* One float32 rounding of a value computed in double. */
          ck_assert_msg (fabs (got - want) <= 1e-7 * MAX (1.0, fabs (want)),
              "U[%u][%u] of filter (%u, %u): %.9g, want %.9g", i, j, o, c,
              got, want);
        }
  problem_free (&pb);
}
END_TEST

static const Vgg19WinogradKernel *
simd_kernel (Vgg19Isa isa, const char *what)
{
  const Vgg19WinogradKernel *k;

  if (!vgg19_cpu_supports (isa)) {
    printf ("test_winograd: %s: %s kernels NOT RUN: this CPU/OS lacks "
        "them\n", what, vgg19_isa_name (isa));
    fflush (stdout);
    return NULL;
  }
  k = vgg19_winograd_select (isa);
  ck_assert_int_eq (k->isa, isa);
  return k;
}

/* Each SIMD set as a whole layer, against the portable set. */
START_TEST (test_simd_layer_matches_portable)
{
  const Vgg19WinogradKernel *ref = vgg19_winograd_select (VGG19_ISA_PORTABLE);
  guint s_i;

  for (s_i = 0; s_i < G_N_ELEMENTS (shapes); s_i++) {
    const Shape *s = &shapes[s_i];
    Problem pb = problem_new (s->ic, s->oc, s->h, s->w, 200 + s_i);
    guint chunk = s->chunk ? s->chunk : n_tiles_of (&pb);
    float *want = run_layer (ref, &pb, chunk, s->group, TRUE);
    const Vgg19WinogradKernel *k = simd_kernel (simd_isas[_i], "layers");

    if (k != NULL) {
      char *what = g_strdup_printf ("%s %ux%u ic %u oc %u chunk %u group %u",
          k->name, s->h, s->w, s->ic, s->oc, chunk, s->group);
      float *got = run_layer (k, &pb, chunk, s->group, TRUE);

      check_close (&pb, want, got, TOL_SIMD, what);
      g_free (got);
      g_free (what);
    }
    g_free (want);
    problem_free (&pb);
  }
}
END_TEST

/* The input transform of every SIMD set gives the portable one's V bit
 * for bit (the same adds and multiplications by small powers of two and
 * by 5, in the same order), also for a chunk that starts mid-layer. */
START_TEST (test_simd_input_transform_exact)
{
  const Vgg19WinogradKernel *ref = vgg19_winograd_select (VGG19_ISA_PORTABLE);
  const Vgg19WinogradKernel *k = simd_kernel (simd_isas[_i], "input");
  Problem pb = problem_new (48, 16, 13, 18, 5);
  Vgg19WinogradLayer l = problem_layer (&pb, NULL, FALSE);
  const guint chunk = 9, first = 5;
  const gsize n = (gsize) VGG19_WINOGRAD_POINTS * pb.ic * chunk;
  float *a = canary_buffer (n), *b = canary_buffer (n);

  if (k != NULL) {
    ref->input (&l, first, chunk - 1, a, chunk);
    k->input (&l, first, chunk - 1, b, chunk);
    ck_assert_msg (memcmp (a, b, n * sizeof (float)) == 0,
        "%s input transform differs from the portable one", k->name);
  }
  g_free (a);
  g_free (b);
  problem_free (&pb);
}
END_TEST

/* The output transform of every SIMD set writes the portable one's
 * outputs bit for bit (A^T multiplies by powers of two only, so a fused
 * multiply-add rounds as the separate multiply and add do), with and
 * without ReLU, for a group of output blocks that starts mid-layer and
 * chunk rows that cover full tiles and partial ones on both edges. */
START_TEST (test_simd_output_transform_exact)
{
  const Vgg19WinogradKernel *ref = vgg19_winograd_select (VGG19_ISA_PORTABLE);
  const Vgg19WinogradKernel *k = simd_kernel (simd_isas[_i / 2], "output");
  const gboolean relu = _i % 2;
  /* 5 x 4 tiles: tile 14 is 2 columns wide, tiles 15 .. 19 one row. */
  Problem pb = problem_new (16, 64, 13, 18, 6);
  const guint chunk = 9, first = 11, n = 8, ob = 1, nb = 3;
  const gsize n_m = (gsize) VGG19_WINOGRAD_POINTS * nb * VGG19_CBLOCK *
      chunk;
  float *m = g_new (float, n_m);
  float *a = canary_buffer (out_n_floats (&pb));
  float *b = canary_buffer (out_n_floats (&pb));
  Vgg19WinogradLayer la = problem_layer (&pb, a, relu);
  Vgg19WinogradLayer lb = problem_layer (&pb, b, relu);
  GRand *r = g_rand_new_with_seed (11);
  gsize i;

  for (i = 0; i < n_m; i++)
    m[i] = (float) g_rand_double_range (r, -4.0, 4.0);
  if (k != NULL) {
    ref->output (&la, m, chunk, first, n, ob, nb);
    k->output (&lb, m, chunk, first, n, ob, nb);
    ck_assert_msg (memcmp (a, b, out_n_floats (&pb) * sizeof (float)) == 0,
        "%s output transform (relu %d) differs from the portable one",
        k->name, relu);
  }
  g_rand_free (r);
  g_free (m);
  g_free (a);
  g_free (b);
  problem_free (&pb);
}
END_TEST

/* The output transform with the 2 x 2 max pooling fused: for every set
 * (the portable one included), with and without ReLU, the same bits as
 * vgg19_maxpool2x2() of the unpooled output, on even and odd sizes (odd
 * last rows and columns dropped), full and partial edge tiles, NaNs in M
 * (MAX's order decides which survives); nothing written outside the
 * pooled interior. */
START_TEST (test_pooled_output_matches_pool)
{
  static const Vgg19Isa isas[] = { VGG19_ISA_PORTABLE, VGG19_ISA_AVX2,
    VGG19_ISA_AVX512
  };
  static const guint sizes[][2] = { {8, 8}, {14, 14}, {13, 18}, {7, 9},
  {2, 6}, {5, 3}, {28, 28}
  };
  const Vgg19Isa isa = isas[_i / 2];
  const gboolean relu = _i % 2;
  const Vgg19WinogradKernel *k = isa == VGG19_ISA_PORTABLE ?
      vgg19_winograd_select (isa) : simd_kernel (isa, "pooled output");
  guint s_i;

  for (s_i = 0; k != NULL && s_i < G_N_ELEMENTS (sizes); s_i++) {
    const guint h = sizes[s_i][0], w = sizes[s_i][1], oc = 48;
    Problem pb = problem_new (16, oc, h, w, 20 + s_i);
    const guint n_tiles = n_tiles_of (&pb), nb = oc / VGG19_CBLOCK;
    const gsize n_m = (gsize) VGG19_WINOGRAD_POINTS * nb * VGG19_CBLOCK *
        n_tiles;
    const guint ph = h / 2, pw = w / 2;
    const gsize n_pooled = (gsize) nb * (ph + 2) * (pw + 2) * VGG19_CBLOCK;
    float *m = g_new (float, n_m), *full = canary_buffer (out_n_floats (&pb));
    float *want = canary_buffer (n_pooled), *got = canary_buffer (n_pooled);
    Vgg19WinogradLayer lf = problem_layer (&pb, full, relu);
    Vgg19WinogradLayer lp = problem_layer (&pb, got, relu);
    Vgg19Blocked src = { full, oc, h, w, VGG19_CBLOCK };
    Vgg19Blocked dst = { want, oc, ph, pw, VGG19_CBLOCK };
    GRand *r = g_rand_new_with_seed (30 + s_i);
    gsize i;

    for (i = 0; i < n_m; i++)
      m[i] = i % 97 == 3 ? NAN : (float) g_rand_double_range (r, -4.0, 4.0);
    lp.pool = TRUE;
    lp.out_block_stride = (gsize) (ph + 2) * (pw + 2) * VGG19_CBLOCK;
    lp.out_row_stride = (gsize) (pw + 2) * VGG19_CBLOCK;
    k->output (&lf, m, n_tiles, 0, n_tiles, 0, nb);
    vgg19_maxpool2x2 (&src, &dst, 0, ph);
    /* in two calls, as chunks of tiles and groups of blocks come */
    k->output (&lp, m, n_tiles, 0, n_tiles / 2, 0, nb);
    k->output (&lp, m + (gsize) (n_tiles / 2) * VGG19_CBLOCK, n_tiles,
        n_tiles / 2, n_tiles - n_tiles / 2, 0, nb);
    for (i = 0; i < n_pooled; i++)
      if (memcmp (&want[i], &got[i], sizeof (float)) != 0)
        ck_abort_msg ("%s, %ux%u, relu %d: pooled value %" G_GSIZE_FORMAT
            " is %g, pooling the output gives %g", k->name, h, w, relu, i,
            got[i], want[i]);
    g_rand_free (r);
    g_free (m);
    g_free (full);
    g_free (want);
    g_free (got);
    problem_free (&pb);
  }
}
END_TEST

/* Products alone, every split of tiles and blocks a caller may make,
 * against the portable products; M outside the split keeps its canary.
 * With something to prefetch (u_next) the products are the same bits as
 * without. */
START_TEST (test_simd_gemm_splits)
{
  const Vgg19WinogradKernel *ref = vgg19_winograd_select (VGG19_ISA_PORTABLE);
  const Vgg19WinogradKernel *k = simd_kernel (simd_isas[_i], "products");
  const guint ic = 64, oc = 80, n_tiles = 31;
  const guint out_blocks = oc / VGG19_CBLOCK;
  GRand *r = g_rand_new_with_seed (9);
  float *v = g_new (float, (gsize) ic * n_tiles);
  float *u = g_new (float, (gsize) oc * ic);
  gsize i, n_m = (gsize) oc * n_tiles;
  guint ob0, ob1, t0, t1;

  for (i = 0; i < (gsize) ic * n_tiles; i++)
    v[i] = (float) g_rand_double_range (r, -4.0, 4.0);
  for (i = 0; i < (gsize) oc * ic; i++)
    u[i] = (float) g_rand_double_range (r, -1.0, 1.0);

  for (ob0 = 0; k != NULL && ob0 < out_blocks; ob0 += 2)
    for (ob1 = ob0 + 1; ob1 <= out_blocks; ob1 += 2)
      for (t0 = 0; t0 < n_tiles; t0 += 10)
        for (t1 = t0 + 1; t1 <= n_tiles; t1 += 3) {
          float *want = canary_buffer (n_m), *got = canary_buffer (n_m);
          float *prefetching = canary_buffer (n_m);
          guint ob, t, o;

          ref->gemm (v, u, want, ic, n_tiles, ob0, ob1, t0, t1, NULL);
          k->gemm (v, u, got, ic, n_tiles, ob0, ob1, t0, t1, NULL);
          k->gemm (v, u, prefetching, ic, n_tiles, ob0, ob1, t0, t1,
              u + (gsize) ob0 * ic * VGG19_CBLOCK);
          ck_assert_msg (memcmp (got, prefetching, n_m * sizeof (float)) == 0,
              "%s: products with u_next differ (blocks [%u, %u) tiles "
              "[%u, %u))", k->name, ob0, ob1, t0, t1);
          for (ob = 0; ob < out_blocks; ob++)
            for (t = 0; t < n_tiles; t++)
              for (o = 0; o < VGG19_CBLOCK; o++) {
                gsize j = ((gsize) ob * n_tiles + t) * VGG19_CBLOCK + o;
                gboolean inside = ob >= ob0 && ob < ob1 && t >= t0 && t < t1;

                if (!inside) {
                  if (!is_canary (got[j]))
                    ck_abort_msg ("%s: M[%u][%u][%u] written outside blocks "
                        "[%u, %u) tiles [%u, %u)", k->name, ob, t, o, ob0,
                        ob1, t0, t1);
                } else if (fabs (got[j] - want[j]) > TOL_SIMD * 4.0 * ic) {
                  ck_abort_msg ("%s: M[%u][%u][%u] = %g, portable %g "
                      "(blocks [%u, %u) tiles [%u, %u))", k->name, ob, t, o,
                      got[j], want[j], ob0, ob1, t0, t1);
                }
              }
          g_free (want);
          g_free (got);
          g_free (prefetching);
        }
  g_rand_free (r);
  g_free (v);
  g_free (u);
}
END_TEST

START_TEST (test_registry)
{
  ck_assert_int_eq (vgg19_winograd_select (VGG19_ISA_PORTABLE)->isa,
      VGG19_ISA_PORTABLE);
  ck_assert_int_eq (vgg19_winograd_select (VGG19_ISA_AVX2)->isa,
      VGG19_ISA_AVX2);
  ck_assert_int_eq (vgg19_winograd_select (VGG19_ISA_AVX512)->isa,
      VGG19_ISA_AVX512);
  ck_assert (vgg19_winograd_applies (64, 64));
  ck_assert (vgg19_winograd_applies (512, 512));
  ck_assert (!vgg19_winograd_applies (3, 64));
  ck_assert (!vgg19_winograd_applies (48, 64));
  ck_assert (vgg19_cpu_apply_disable_winograd (NULL));
  ck_assert (vgg19_cpu_apply_disable_winograd ("avx512"));
  ck_assert (!vgg19_cpu_apply_disable_winograd ("avx2, WINOGRAD"));
}
END_TEST

static Suite *
winograd_suite (void)
{
  Suite *s = suite_create ("winograd");
  TCase *tc = tcase_create ("kernels");

  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_registry);
  tcase_add_test (tc, test_pack_u_definition);
  tcase_add_loop_test (tc, test_portable_layer_matches_naive, 0,
      G_N_ELEMENTS (shapes));
  tcase_add_loop_test (tc, test_simd_layer_matches_portable, 0,
      G_N_ELEMENTS (simd_isas));
  tcase_add_loop_test (tc, test_simd_input_transform_exact, 0,
      G_N_ELEMENTS (simd_isas));
  tcase_add_loop_test (tc, test_simd_output_transform_exact, 0,
      2 * G_N_ELEMENTS (simd_isas));
  tcase_add_loop_test (tc, test_simd_gemm_splits, 0,
      G_N_ELEMENTS (simd_isas));
  tcase_add_loop_test (tc, test_pooled_output_matches_pool, 0, 6);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (winograd_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
