/* DISTS' L2 pooling: its window, the pooling against the formula written
 * here on plain CHW arrays (odd and even sizes, in row chunks as threads
 * split it), and the network's output sizes with it. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "l2pool.h"
#include "network.h"

static float *
random_chw (guint c, guint h, guint w, guint32 seed)
{
  GRand *r = g_rand_new_with_seed (seed);
  float *p = g_new (float, (gsize) c * h * w);
  gsize i;

  /* ReLU outputs, as the network pools */
  for (i = 0; i < (gsize) c * h * w; i++)
    p[i] = (float) MAX (0.0, g_rand_double_range (r, -1.0, 2.0));
  g_rand_free (r);
  return p;
}

static Vgg19Blocked
blocked_from (const float *chw, guint c, guint h, guint w)
{
  Vgg19Blocked t = { NULL, c, h, w, 16 };
  gsize plane = (gsize) h * w, n = vgg19_blocked_n_floats (c, h, w, 16), i;
  guint ch, y, x;

  t.data = g_new (float, n);
  for (i = 0; i < n; i++)
    t.data[i] = NAN;
  vgg19_blocked_zero_border (&t);
  for (ch = 0; ch < c; ch++)
    for (y = 0; y < h; y++)
      for (x = 0; x < w; x++)
        t.data[(ch / 16) * vgg19_blocked_block_stride (&t) +
            (y + 1) * vgg19_blocked_row_stride (&t) + (x + 1) * 16 +
            ch % 16] = chw[ch * plane + y * w + x];
  return t;
}

START_TEST (test_window_sums_to_one)
{
  static const double expected[9] = { 1, 2, 1, 2, 4, 2, 1, 2, 1 };
  double sum = 0;
  guint i;

  for (i = 0; i < 9; i++) {
    ck_assert (vgg19_l2pool_window[i] == (float) (expected[i] / 16));
    sum += vgg19_l2pool_window[i];
  }
  /* exactly: every weight is a power of two over 16 */
  ck_assert (sum == 1.0);
  /* the outer product of DISTS' Hann window [1/2, 1, 1/2], normalised */
  for (i = 0; i < 9; i++) {
    static const double h[3] = { 0.5, 1.0, 0.5 };

    ck_assert (vgg19_l2pool_window[i] == (float) (h[i / 3] * h[i % 3] / 4));
  }
}
END_TEST

/* y[c][i][j] = sqrt(sum_{a,b} g[a][b] x[c][2i+a-1][2j+b-1]^2 + 1e-12),
 * zero outside: floor((n + 2 - 3) / 2) + 1 = ceil(n / 2) outputs. */
START_TEST (test_l2pool_formula)
{
  static const guint sizes[][2] = { {2, 2}, {5, 7}, {7, 5}, {3, 2}, {1, 1},
  {14, 14}, {15, 8}, {131, 97}
  };
  guint s;

  for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
    guint c = 32, h = sizes[s][0], w = sizes[s][1];
    guint oh = (h + 1) / 2, ow = (w + 1) / 2;
    float *chw = random_chw (c, h, w, 10 + s);
    float *got = g_new0 (float, (gsize) c * oh * ow);
    Vgg19Blocked src = blocked_from (chw, c, h, w);
    Vgg19Blocked dst = { NULL, c, oh, ow, 16 };
    guint ch, y, x, a, b;

    dst.data = g_new0 (float, vgg19_blocked_n_floats (c, oh, ow, 16));
    vgg19_l2pool3x3s2 (&src, &dst, 0, oh / 2);
    vgg19_l2pool3x3s2 (&src, &dst, oh / 2, oh);
    vgg19_blocked_to_chw (&dst, got, 0, oh);
    for (ch = 0; ch < c; ch++)
      for (y = 0; y < oh; y++)
        for (x = 0; x < ow; x++) {
          const float *p = chw + (gsize) ch * h * w;
          double sum = 0, e, v = got[((gsize) ch * oh + y) * ow + x];

          for (a = 0; a < 3; a++)
            for (b = 0; b < 3; b++) {
              int yy = (int) (2 * y + a) - 1, xx = (int) (2 * x + b) - 1;
              double q;

              if (yy < 0 || xx < 0 || yy >= (int) h || xx >= (int) w)
                continue;
              q = p[yy * w + xx];
              sum += vgg19_l2pool_window[3 * a + b] * q * q;
            }
          e = sqrt (sum + 1e-12);
          /* float32 sums of nine terms */
          ck_assert_msg (fabs (v - e) <= 1e-6 * e + 1e-9,
              "%ux%u at %u,%u,%u: %.9g vs %.9g", h, w, ch, y, x, v, e);
        }
    g_free (src.data);
    g_free (dst.data);
    g_free (chw);
    g_free (got);
  }
}
END_TEST

/* The L2-pooling network rounds sizes up at every pooling; the max one
 * down; both have the same modules and channels. */
START_TEST (test_network_shapes)
{
  const Vgg19Network *max = vgg19_network_get (VGG19_ARCH_VGG16);
  const Vgg19Network *l2 = vgg19_network_get_pooled (VGG19_ARCH_VGG16,
      VGG19_POOLING_L2);
  guint c1[64], h1[64], w1[64], c2[64], h2[64], w2[64], i;
  int pool4;

  ck_assert_ptr_nonnull (l2);
  ck_assert_ptr_eq (vgg19_network_get_pooled (VGG19_ARCH_VGG16,
          VGG19_POOLING_MAX), max);
  ck_assert_ptr_null (vgg19_network_get_pooled (VGG19_ARCH_VGG16, 7));
  ck_assert_int_eq (l2->pooling, VGG19_POOLING_L2);
  ck_assert_uint_eq (l2->n_modules, max->n_modules);
  ck_assert (vgg19_network_shapes (max, 97, 131, c1, h1, w1, NULL));
  ck_assert (vgg19_network_shapes (l2, 97, 131, c2, h2, w2, NULL));
  for (i = 0; i < max->n_features; i++) {
    ck_assert_str_eq (l2->modules[i].name, max->modules[i].name);
    ck_assert_uint_eq (c1[i], c2[i]);
  }
  pool4 = vgg19_network_find_tap (l2, "pool4");
  /* 131 -> 66, 33, 17, 9 (ceil) and 65, 32, 16, 8 (floor) */
  ck_assert_uint_eq (h2[pool4], 9);
  ck_assert_uint_eq (w2[pool4], 7);
  ck_assert_uint_eq (h1[pool4], 8);
  ck_assert_uint_eq (w1[pool4], 6);
  ck_assert_str_eq (vgg19_pooling_to_string (VGG19_POOLING_L2), "l2");
}
END_TEST

static Suite *
l2pool_suite (void)
{
  Suite *s = suite_create ("l2pool");
  TCase *tc = tcase_create ("l2pool");

  tcase_add_test (tc, test_window_sums_to_one);
  tcase_add_test (tc, test_l2pool_formula);
  tcase_add_test (tc, test_network_shapes);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (l2pool_suite ());
  int failed;

  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
