/* 3x3 convolution kernels and weight packing.
 *
 * Two oracles:
 *  - a naive direct convolution on plain CHW arrays (zero padding by bounds
 *    tests, double accumulation), written here, checks the portable kernel,
 *    and with it the blocked layout and the weight packing;
 *  - the portable kernel then checks every SIMD kernel the CPU supports, on
 *    random data over many shapes. A SIMD kernel the CPU lacks is reported
 *    as not run on stdout, never passed silently.
 *
 * Tolerance: |got - want| <= 1e-5 * max |want| over the whole output. The
 * kernels sum in the same order as each other but the SIMD ones fuse each
 * multiply-add (one rounding instead of two) and the naive oracle sums in
 * double; with at most a few hundred terms of magnitude <= 1 the rounding
 * differences stay around 1e-6 of the largest value.
 *
 * Every output buffer starts filled with a canary NaN bit pattern: the
 * border, and the blocks and rows outside the range a call was given, must
 * still hold it afterwards.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "conv3x3.h"

#define TOLERANCE 1e-5
#define CANARY_BITS 0x7fc0dead

static const Vgg19Isa simd_isas[] = { VGG19_ISA_AVX2, VGG19_ISA_AVX512 };

/* ------------------------------------------------------------------ */
/* A convolution problem in both layouts                                */
/* ------------------------------------------------------------------ */

typedef struct
{
  guint ic, oc, h, w, ibs;
  float *in_chw;                /* ic x h x w */
  float *oihw;                  /* oc x ic x 3 x 3 */
  float *bias;                  /* oc */
  float *in_blocked;            /* [ic / ibs][h + 2][w + 2][ibs] */
  float *packed;
} Problem;

static gsize
out_n_floats (const Problem * pb)
{
  return (gsize) (pb->oc / VGG19_CBLOCK) * (pb->h + 2) * (pb->w + 2) *
      VGG19_CBLOCK;
}

static Problem
problem_new (guint ic, guint oc, guint h, guint w, guint ibs, guint32 seed)
{
  Problem pb = { ic, oc, h, w, ibs, NULL, NULL, NULL, NULL, NULL };
  GRand *r = g_rand_new_with_seed (seed);
  gsize i, n_in = (gsize) (h + 2) * (w + 2) * ic;
  guint c, y, x;

  pb.in_chw = g_new (float, (gsize) ic * h * w);
  pb.oihw = g_new (float, (gsize) oc * ic * 9);
  pb.bias = g_new (float, oc);
  pb.packed = g_new (float, (gsize) oc * ic * 9);
  pb.in_blocked = g_new (float, n_in);

  for (i = 0; i < (gsize) ic * h * w; i++)
    pb.in_chw[i] = (float) g_rand_double_range (r, -1.0, 1.0);
  for (i = 0; i < (gsize) oc * ic * 9; i++)
    pb.oihw[i] = (float) g_rand_double_range (r, -1.0, 1.0);
  for (i = 0; i < oc; i++)
    pb.bias[i] = (float) g_rand_double_range (r, -1.0, 1.0);

  /* Zero everywhere (the border), then the interior. */
  memset (pb.in_blocked, 0, n_in * sizeof (float));
  for (c = 0; c < ic; c++)
    for (y = 0; y < h; y++)
      for (x = 0; x < w; x++)
        pb.in_blocked[(c / ibs) * (gsize) (h + 2) * (w + 2) * ibs
            + (gsize) (y + 1) * (w + 2) * ibs + (gsize) (x + 1) * ibs
            + c % ibs] = pb.in_chw[((gsize) c * h + y) * w + x];

  vgg19_pack_conv3x3_weights (pb.oihw, oc, ic, ibs, pb.packed);
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
  g_free (pb->packed);
}

/* Args for the first @out_blocks output blocks of @pb (the packed weights
 * are output-block major, so a prefix of blocks is a smaller problem). */
static Vgg19Conv3x3Args
problem_args (const Problem * pb, guint out_blocks, float *out, gboolean relu)
{
  Vgg19Conv3x3Args a;

  a.input = pb->in_blocked;
  a.in_block_stride = (gsize) (pb->h + 2) * (pb->w + 2) * pb->ibs;
  a.in_row_stride = (gsize) (pb->w + 2) * pb->ibs;
  a.in_blocks = pb->ic / pb->ibs;
  a.ibs = pb->ibs;
  a.weights = pb->packed;
  a.bias = pb->bias;
  a.output = out;
  a.out_block_stride = (gsize) (pb->h + 2) * (pb->w + 2) * VGG19_CBLOCK;
  a.out_row_stride = (gsize) (pb->w + 2) * VGG19_CBLOCK;
  a.out_blocks = out_blocks;
  a.height = pb->h;
  a.width = pb->w;
  a.relu = relu;
  return a;
}

static float
canary (void)
{
  guint32 bits = CANARY_BITS;
  float f;

  memcpy (&f, &bits, sizeof (f));
  return f;
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
  float c = canary ();
  gsize i;

  for (i = 0; i < n; i++)
    p[i] = c;
  return p;
}

static gsize
out_index (const Problem * pb, guint o, guint by, guint bx)
{
  /* (by, bx) are bordered coordinates. */
  return (o / VGG19_CBLOCK) * (gsize) (pb->h + 2) * (pb->w + 2) * VGG19_CBLOCK
      + (gsize) by * (pb->w + 2) * VGG19_CBLOCK + (gsize) bx * VGG19_CBLOCK
      + o % VGG19_CBLOCK;
}

/* Asserts that exactly output blocks [ob0, ob1) x rows [y0, y1) (interior
 * coordinates) of @out were written, i.e. everything else, border included,
 * still holds the canary, across all pb->oc channels of the buffer. */
static void
check_written_region (const Problem * pb, const float *out, guint ob0,
    guint ob1, guint y0, guint y1, const char *what)
{
  guint o, by, bx;

  for (o = 0; o < pb->oc; o++)
    for (by = 0; by < pb->h + 2; by++)
      for (bx = 0; bx < pb->w + 2; bx++) {
        gboolean inside = by >= 1 && by <= pb->h && bx >= 1 && bx <= pb->w
            && o / VGG19_CBLOCK >= ob0 && o / VGG19_CBLOCK < ob1
            && by - 1 >= y0 && by - 1 < y1;
        float v = out[out_index (pb, o, by, bx)];

        /* Plain tests, ck_abort_msg() only on failure: every ck_assert
         * costs a system call in libcheck's fork mode. */
        if (inside && is_canary (v))
          ck_abort_msg ("%s: output channel %u pixel (%u, %u) of a %ux%u "
              "map was not written", what, o, by - 1, bx - 1, pb->h, pb->w);
        if (!inside && !is_canary (v))
          ck_abort_msg ("%s: output channel %u bordered pixel (%u, %u) of a "
              "%ux%u map was written (rows [%u, %u), blocks [%u, %u) asked "
              "for)", what, o, by, bx, pb->h, pb->w, y0, y1, ob0, ob1);
      }
}

/* ------------------------------------------------------------------ */
/* Oracles                                                              */
/* ------------------------------------------------------------------ */

/* out[o][y][x] = bias[o] + sum_i,ky,kx w[o][i][ky][kx] in[i][y+ky-1][x+kx-1],
 * outside the image counting as 0. */
static double *
naive_conv (const Problem * pb, guint oc, gboolean relu)
{
  double *out = g_new (double, (gsize) oc * pb->h * pb->w);
  guint o, i, y, x, ky, kx;

  for (o = 0; o < oc; o++)
    for (y = 0; y < pb->h; y++)
      for (x = 0; x < pb->w; x++) {
        double s = pb->bias[o];

        for (i = 0; i < pb->ic; i++)
          for (ky = 0; ky < 3; ky++)
            for (kx = 0; kx < 3; kx++) {
              int iy = (int) y + (int) ky - 1, ix = (int) x + (int) kx - 1;

              if (iy < 0 || ix < 0 || iy >= (int) pb->h || ix >= (int) pb->w)
                continue;
              s += (double) pb->oihw[(((gsize) o * pb->ic + i) * 3 + ky) * 3
                  + kx] * pb->in_chw[((gsize) i * pb->h + iy) * pb->w + ix];
            }
        out[((gsize) o * pb->h + y) * pb->w + x] = relu && s < 0 ? 0 : s;
      }
  return out;
}

/* Compares the interior of @got with @want over @oc channels. */
static void
compare_outputs (const Problem * pb, guint oc, const float *got,
    const float *want, const char *what)
{
  double max_abs = 0, worst = 0;
  guint o, y, x, worst_o = 0, worst_y = 0, worst_x = 0;

  for (o = 0; o < oc; o++)
    for (y = 1; y <= pb->h; y++)
      for (x = 1; x <= pb->w; x++)
        max_abs = MAX (max_abs, fabs (want[out_index (pb, o, y, x)]));
  for (o = 0; o < oc; o++)
    for (y = 1; y <= pb->h; y++)
      for (x = 1; x <= pb->w; x++) {
        gsize k = out_index (pb, o, y, x);
        double d = fabs ((double) got[k] - want[k]);

        if (!(d <= worst)) {    /* also catches NaN */
          worst = d;
          worst_o = o;
          worst_y = y - 1;
          worst_x = x - 1;
        }
      }
  ck_assert_msg (worst <= TOLERANCE * max_abs, "%s: ic %u (ibs %u) oc %u "
      "%ux%u: channel %u pixel (%u, %u) differs by %g, more than %g of "
      "max |value| %g", what, pb->ic, pb->ibs, oc, pb->h, pb->w, worst_o,
      worst_y, worst_x, worst, TOLERANCE, max_abs);
}

static float *
run_full (const Vgg19Conv3x3Kernel * k, const Problem * pb, guint out_blocks,
    gboolean relu)
{
  float *out = canary_buffer (out_n_floats (pb));
  Vgg19Conv3x3Args a = problem_args (pb, out_blocks, out, relu);

  k->run (&a, 0, out_blocks, 0, pb->h);
  return out;
}

/* The kernel of @isa if the CPU can run it; otherwise prints why not. */
static const Vgg19Conv3x3Kernel *
kernel_or_report (Vgg19Isa isa, const char *test)
{
  const Vgg19Conv3x3Kernel *k = vgg19_conv3x3_select (isa);

  ck_assert_int_eq (k->isa, isa);
  if (!vgg19_cpu_supports (isa)) {
    printf ("test_conv3x3: %s: %s NOT RUN: this CPU/OS lacks %s\n", test,
        k->name, vgg19_isa_name (isa));
    fflush (stdout);
    return NULL;
  }
  return k;
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */
/* ------------------------------------------------------------------ */

START_TEST (test_pack_layout)
{
  /* [OC / 16][IC / ibs][3][3][ibs][16], element by element. */
  static const guint ibs_list[] = { 3, 16, 8 };
  guint t;

  for (t = 0; t < G_N_ELEMENTS (ibs_list); t++) {
    guint ibs = ibs_list[t], ic = ibs * 2, oc = 32;
    gsize n = (gsize) oc * ic * 9, i;
    float *oihw = g_new (float, n), *dst = g_new (float, n);
    guint o, c, ky, kx;

    for (i = 0; i < n; i++)
      oihw[i] = (float) i;      /* every weight distinct */
    vgg19_pack_conv3x3_weights (oihw, oc, ic, ibs, dst);
    for (o = 0; o < oc; o++)
      for (c = 0; c < ic; c++)
        for (ky = 0; ky < 3; ky++)
          for (kx = 0; kx < 3; kx++) {
            gsize want = (((gsize) o * ic + c) * 3 + ky) * 3 + kx;
            gsize at = ((((gsize) (o / 16) * (ic / ibs) + c / ibs) * 3 + ky)
                * 3 + kx) * ibs * 16 + (c % ibs) * 16 + o % 16;

            if (dst[at] != (float) want)
              ck_abort_msg ("ibs %u: packed[%zu] = %g, expected weight %zu",
                  ibs, at, dst[at], want);
          }
    g_free (oihw);
    g_free (dst);
  }
}
END_TEST

START_TEST (test_registry)
{
  const Vgg19Conv3x3Kernel *p = vgg19_conv3x3_select (VGG19_ISA_PORTABLE);
  const Vgg19Conv3x3Kernel *a2 = vgg19_conv3x3_select (VGG19_ISA_AVX2);
  const Vgg19Conv3x3Kernel *a5 = vgg19_conv3x3_select (VGG19_ISA_AVX512);

  ck_assert_ptr_eq (p->run, vgg19_f32_conv3x3__scalar);
  ck_assert_int_eq (p->isa, VGG19_ISA_PORTABLE);
  ck_assert_ptr_eq (a2->run, vgg19_f32_conv3x3__avx2);
  ck_assert_int_eq (a2->isa, VGG19_ISA_AVX2);
  ck_assert_ptr_eq (a5->run, vgg19_f32_conv3x3__avx512);
  ck_assert_int_eq (a5->isa, VGG19_ISA_AVX512);
  ck_assert_str_eq (p->name, "vgg19_f32_conv3x3__scalar");
  ck_assert_str_eq (a2->name, "vgg19_f32_conv3x3__avx2");
  ck_assert_str_eq (a5->name, "vgg19_f32_conv3x3__avx512");
  ck_assert_uint_ge (p->ocb_step, 1);
  ck_assert_uint_ge (a2->ocb_step, 1);
  ck_assert_uint_eq (a5->ocb_step, 2);
}
END_TEST

/* The portable kernel against the naive convolution: layout, packing,
 * padding, bias and ReLU. */
START_TEST (test_scalar_vs_naive)
{
  static const guint shapes[][2] = {
    {1, 1}, {1, 5}, {4, 1}, {2, 3}, {5, 7}, {3, 17}, {8, 8},
  };
  static const guint channels[][2] = {     /* ic, ibs */
    {3, 3}, {16, 16}, {48, 16}, {1, 1}, {16, 8},
  };
  const Vgg19Conv3x3Kernel *k = vgg19_conv3x3_select (VGG19_ISA_PORTABLE);
  guint s, c, ob, relu, seed = 1;

  for (s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (c = 0; c < G_N_ELEMENTS (channels); c++) {
      Problem pb = problem_new (channels[c][0], 48, shapes[s][0],
          shapes[s][1], channels[c][1], seed++);

      for (ob = 1; ob <= 3; ob++)
        for (relu = 0; relu <= 1; relu++) {
          float *got = run_full (k, &pb, ob, relu);
          double *naive = naive_conv (&pb, ob * VGG19_CBLOCK, relu);
          float *want = canary_buffer (out_n_floats (&pb));
          guint o, y, x;

          for (o = 0; o < ob * VGG19_CBLOCK; o++)
            for (y = 0; y < pb.h; y++)
              for (x = 0; x < pb.w; x++)
                want[out_index (&pb, o, y + 1, x + 1)] =
                    (float) naive[((gsize) o * pb.h + y) * pb.w + x];
          check_written_region (&pb, got, 0, ob, 0, pb.h, k->name);
          compare_outputs (&pb, ob * VGG19_CBLOCK, got, want, k->name);
          if (relu)
            for (o = 0; o < ob * VGG19_CBLOCK; o++)
              for (y = 1; y <= pb.h; y++)
                for (x = 1; x <= pb.w; x++)
                  if (!(got[out_index (&pb, o, y, x)] >= 0.0f))
                    ck_abort_msg ("%s: ReLU output %g < 0", k->name,
                        got[out_index (&pb, o, y, x)]);
          g_free (got);
          g_free (naive);
          g_free (want);
        }
      problem_free (&pb);
    }
}
END_TEST

/* One SIMD kernel against the portable one over widths below, at and above
 * the register tile, heights 1..5, the image block (3) and full blocks
 * (16), 1..4 output blocks and ReLU on and off. */
static void
check_simd_sweep (Vgg19Isa isa)
{
  static const guint extra_widths[] = { 56, 57 };
  static const guint channels[][2] = { {3, 3}, {32, 16} };
  const Vgg19Conv3x3Kernel *ref = vgg19_conv3x3_select (VGG19_ISA_PORTABLE);
  const Vgg19Conv3x3Kernel *k = kernel_or_report (isa, "sweep");
  guint w_i, h, c, ob, relu, seed = 100;

  if (k == NULL)
    return;
  for (w_i = 0; w_i < 30 + G_N_ELEMENTS (extra_widths); w_i++) {
    guint w = w_i < 30 ? w_i + 1 : extra_widths[w_i - 30];

    for (h = 1; h <= 5; h++)
      for (c = 0; c < G_N_ELEMENTS (channels); c++) {
        Problem pb = problem_new (channels[c][0], 64, h, w, channels[c][1],
            seed++);

        for (ob = 1; ob <= 4; ob++)
          for (relu = 0; relu <= 1; relu++) {
            float *want = run_full (ref, &pb, ob, relu);
            float *got = run_full (k, &pb, ob, relu);

            check_written_region (&pb, got, 0, ob, 0, h, k->name);
            compare_outputs (&pb, ob * VGG19_CBLOCK, got, want, k->name);
            g_free (want);
            g_free (got);
          }
        problem_free (&pb);
      }
  }
}

/* Input block sizes and depths the sweep does not cover: several input
 * blocks (the block stride), and block sizes other than 3 and 16 (the
 * kernels' run-time path). */
static void
check_simd_channels (Vgg19Isa isa)
{
  static const guint cases[][4] = {      /* ic, ibs, h, w */
    {64, 16, 3, 30}, {48, 16, 4, 15}, {16, 16, 2, 224},
    {1, 1, 3, 20}, {16, 8, 3, 17}, {12, 4, 2, 9}, {3, 3, 6, 224},
  };
  const Vgg19Conv3x3Kernel *ref = vgg19_conv3x3_select (VGG19_ISA_PORTABLE);
  const Vgg19Conv3x3Kernel *k = kernel_or_report (isa, "channels");
  guint i, ob;

  if (k == NULL)
    return;
  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    Problem pb = problem_new (cases[i][0], 48, cases[i][2], cases[i][3],
        cases[i][1], 500 + i);

    for (ob = 1; ob <= 3; ob++) {
      float *want = run_full (ref, &pb, ob, TRUE);
      float *got = run_full (k, &pb, ob, TRUE);

      check_written_region (&pb, got, 0, ob, 0, pb.h, k->name);
      compare_outputs (&pb, ob * VGG19_CBLOCK, got, want, k->name);
      g_free (want);
      g_free (got);
    }
    problem_free (&pb);
  }
}

/* Pieces as the threads get them: output blocks in steps of ocb_step (the
 * last piece ending at out_blocks) times arbitrary row ranges. Each piece
 * alone must write exactly its region, with the very values of a full run
 * of the same kernel. */
static void
check_pieces (const Vgg19Conv3x3Kernel * k)
{
  static const guint shapes[][4] = {    /* ic, ibs, h, w */
    {32, 16, 7, 9}, {32, 16, 5, 30}, {3, 3, 6, 29}, {16, 16, 4, 1},
  };
  static const guint out_blocks_list[] = { 3, 4 };
  static const guint row_cuts[][2] = { {0, 1}, {1, 3}, {2, 100} };
  guint s, n, b, r;

  for (s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (n = 0; n < G_N_ELEMENTS (out_blocks_list); n++) {
      const guint nob = out_blocks_list[n];
      Problem pb = problem_new (shapes[s][0], 64, shapes[s][2], shapes[s][3],
          shapes[s][1], 900 + s);
      float *full = run_full (k, &pb, nob, TRUE);

      for (b = 0; b < nob; b += k->ocb_step)
        for (r = 0; r < G_N_ELEMENTS (row_cuts); r++) {
          guint ob_end = MIN (b + k->ocb_step, nob);
          guint y0 = MIN (row_cuts[r][0], pb.h);
          guint y1 = MIN (row_cuts[r][1], pb.h);
          float *out = canary_buffer (out_n_floats (&pb));
          Vgg19Conv3x3Args a = problem_args (&pb, nob, out, TRUE);
          guint o, y, x;

          k->run (&a, b, ob_end, y0, y1);
          check_written_region (&pb, out, b, ob_end, y0, y1, k->name);
          for (o = b * VGG19_CBLOCK; o < ob_end * VGG19_CBLOCK; o++)
            for (y = y0 + 1; y <= y1; y++)
              for (x = 1; x <= pb.w; x++)
                if (out[out_index (&pb, o, y, x)] !=
                    full[out_index (&pb, o, y, x)])
                  ck_abort_msg ("%s: piece blocks [%u, %u) rows [%u, %u) "
                      "differs from the full run at channel %u pixel "
                      "(%u, %u)", k->name, b, ob_end, y0, y1, o, y - 1,
                      x - 1);
          g_free (out);
        }
      /* Several blocks at once (a thread may get more than one group). */
      {
        float *out = canary_buffer (out_n_floats (&pb));
        Vgg19Conv3x3Args a = problem_args (&pb, nob, out, TRUE);

        k->run (&a, 0, nob, 1, pb.h);
        check_written_region (&pb, out, 0, nob, MIN (1, pb.h), pb.h,
            k->name);
        g_free (out);
      }
      g_free (full);
      problem_free (&pb);
    }
}

START_TEST (test_avx2_sweep)
{
  check_simd_sweep (VGG19_ISA_AVX2);
}
END_TEST

START_TEST (test_avx512_sweep)
{
  check_simd_sweep (VGG19_ISA_AVX512);
}
END_TEST

START_TEST (test_avx2_channels)
{
  check_simd_channels (VGG19_ISA_AVX2);
}
END_TEST

START_TEST (test_avx512_channels)
{
  check_simd_channels (VGG19_ISA_AVX512);
}
END_TEST

START_TEST (test_pieces)
{
  static const Vgg19Isa isas[] =
      { VGG19_ISA_PORTABLE, VGG19_ISA_AVX2, VGG19_ISA_AVX512 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (isas); i++) {
    const Vgg19Conv3x3Kernel *k = isas[i] == VGG19_ISA_PORTABLE ?
        vgg19_conv3x3_select (VGG19_ISA_PORTABLE) :
        kernel_or_report (isas[i], "pieces");

    if (k != NULL)
      check_pieces (k);
  }
}
END_TEST

/* The kernel chosen for this machine (what a session would use) against the
 * portable one on a VGG-like layer: 64 -> 64 channels at 56 x 5. */
START_TEST (test_selected_kernel)
{
  const Vgg19Conv3x3Kernel *ref = vgg19_conv3x3_select (VGG19_ISA_PORTABLE);
  const Vgg19Conv3x3Kernel *k = vgg19_conv3x3_select (vgg19_cpu_isa ());
  Problem pb = problem_new (64, 64, 5, 56, 16, 7);
  float *want = run_full (ref, &pb, 4, FALSE);
  float *got = run_full (k, &pb, 4, FALSE);

  ck_assert (vgg19_cpu_supports (k->isa));
  compare_outputs (&pb, 64, got, want, k->name);
  check_written_region (&pb, got, 0, 4, 0, pb.h, k->name);
  g_free (want);
  g_free (got);
  problem_free (&pb);
}
END_TEST

static Suite *
conv3x3_suite (void)
{
  Suite *s = suite_create ("conv3x3");
  TCase *tc = tcase_create ("core");
  guint i;

  tcase_set_timeout (tc, 600);
  tcase_add_test (tc, test_pack_layout);
  tcase_add_test (tc, test_registry);
  tcase_add_test (tc, test_scalar_vs_naive);
  tcase_add_test (tc, test_avx2_sweep);
  tcase_add_test (tc, test_avx512_sweep);
  tcase_add_test (tc, test_avx2_channels);
  tcase_add_test (tc, test_avx512_channels);
  tcase_add_test (tc, test_pieces);
  tcase_add_test (tc, test_selected_kernel);
  suite_add_tcase (s, tc);

  for (i = 0; i < G_N_ELEMENTS (simd_isas); i++)
    if (!vgg19_cpu_supports (simd_isas[i]))
      printf ("test_conv3x3: %s kernels NOT RUN on this machine (no %s)\n",
          vgg19_isa_name (simd_isas[i]), vgg19_isa_name (simd_isas[i]));
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (conv3x3_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
