/* Blocked layout conversions, ReLU, max pooling and torch's adaptive
 * average pooling, against plain CHW loops written here. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "layout.h"

static float *
random_chw (guint c, guint h, guint w, guint32 seed)
{
  GRand *r = g_rand_new_with_seed (seed);
  float *p = g_new (float, (gsize) c * h * w);
  gsize i;

  for (i = 0; i < (gsize) c * h * w; i++)
    p[i] = (float) g_rand_double_range (r, -1.0, 1.0);
  g_rand_free (r);
  return p;
}

/* Fills a bs-16 blocked tensor from CHW (test helper: the library only
 * converts the 3-channel image this way). */
static Vgg19Blocked
blocked_from (const float *chw, guint c, guint h, guint w)
{
  Vgg19Blocked t = { NULL, c, h, w, 16 };
  gsize plane = (gsize) h * w;
  guint ch, y, x;

  t.data = g_new0 (float, vgg19_blocked_n_floats (c, h, w, 16));
  /* Poison everything, then zero the border: the interior must be fully
   * written below. */
  for (gsize i = 0; i < vgg19_blocked_n_floats (c, h, w, 16); i++)
    t.data[i] = NAN;
  vgg19_blocked_zero_border (&t);
  for (ch = 0; ch < vgg19_blocked_n_blocks (&t) * 16; ch++)
    for (y = 0; y < h; y++)
      for (x = 0; x < w; x++)
        t.data[(ch / 16) * vgg19_blocked_block_stride (&t) +
            (y + 1) * vgg19_blocked_row_stride (&t) + (x + 1) * 16 +
            ch % 16] = ch < c ? chw[ch * plane + y * w + x] : 0.0f;
  return t;
}

START_TEST (test_roundtrip_image)
{
  guint h = 5, w = 7;
  float *chw = random_chw (3, h, w, 1), *back = g_new0 (float, 3 * h * w);
  Vgg19Blocked t = { NULL, 3, h, w, 3 };

  t.data = g_new (float, vgg19_blocked_n_floats (3, h, w, 3));
  vgg19_blocked_from_chw (&t, chw);
  /* Border is zero. */
  ck_assert_float_eq (t.data[0], 0.0f);
  ck_assert_float_eq (t.data[vgg19_blocked_row_stride (&t) - 1], 0.0f);
  ck_assert_float_eq (t.data[vgg19_blocked_row_stride (&t) * 2], 0.0f);
  vgg19_blocked_to_chw (&t, back, 0, h);
  ck_assert_mem_eq (chw, back, 3 * h * w * sizeof (float));
  g_free (t.data);
  g_free (chw);
  g_free (back);
}
END_TEST

START_TEST (test_roundtrip_blocked_rows)
{
  guint c = 40, h = 6, w = 3;   /* 40 = 2.5 blocks */
  float *chw = random_chw (c, h, w, 2), *back = g_new0 (float, c * h * w);
  Vgg19Blocked t = blocked_from (chw, c, h, w);

  /* Row ranges, as threads split them. */
  vgg19_blocked_to_chw (&t, back, 0, 2);
  vgg19_blocked_to_chw (&t, back, 2, 6);
  ck_assert_mem_eq (chw, back, (gsize) c * h * w * sizeof (float));
  ck_assert_uint_eq (vgg19_blocked_n_blocks (&t), 3);
  g_free (t.data);
  g_free (chw);
  g_free (back);
}
END_TEST

START_TEST (test_relu)
{
  guint c = 32, h = 3, w = 4;
  float *chw = random_chw (c, h, w, 3), *back = g_new0 (float, c * h * w);
  Vgg19Blocked t = blocked_from (chw, c, h, w);
  gsize i;

  vgg19_blocked_relu (&t, 0, 1);
  vgg19_blocked_relu (&t, 1, 2);
  vgg19_blocked_to_chw (&t, back, 0, h);
  for (i = 0; i < (gsize) c * h * w; i++)
    ck_assert_float_eq (back[i], chw[i] > 0 ? chw[i] : 0.0f);
  g_free (t.data);
  g_free (chw);
  g_free (back);
}
END_TEST

/* 2x2/2 max pooling with floor, on odd and even sizes. */
START_TEST (test_maxpool)
{
  static const guint sizes[][2] = { {2, 2}, {5, 7}, {7, 5}, {3, 2}, {14, 14},
  {131, 97}
  };
  guint s;

  for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
    guint c = 16, h = sizes[s][0], w = sizes[s][1], oh = h / 2, ow = w / 2;
    float *chw = random_chw (c, h, w, 10 + s);
    float *got = g_new0 (float, (gsize) c * oh * ow);
    Vgg19Blocked src = blocked_from (chw, c, h, w);
    Vgg19Blocked dst = { NULL, c, oh, ow, 16 };
    guint ch, y, x;

    dst.data = g_new0 (float, vgg19_blocked_n_floats (c, oh, ow, 16));
    vgg19_maxpool2x2 (&src, &dst, 0, oh / 2);
    vgg19_maxpool2x2 (&src, &dst, oh / 2, oh);
    vgg19_blocked_to_chw (&dst, got, 0, oh);
    for (ch = 0; ch < c; ch++)
      for (y = 0; y < oh; y++)
        for (x = 0; x < ow; x++) {
          const float *p = chw + (gsize) ch * h * w;
          float m = MAX (MAX (p[2 * y * w + 2 * x], p[2 * y * w + 2 * x + 1]),
              MAX (p[(2 * y + 1) * w + 2 * x], p[(2 * y + 1) * w + 2 * x + 1]));

          ck_assert_float_eq (got[((gsize) ch * oh + y) * ow + x], m);
        }
    g_free (src.data);
    g_free (dst.data);
    g_free (chw);
    g_free (got);
  }
}
END_TEST

/* torch's bins: start = floor(a * n / 7), end = ceil((a + 1) * n / 7). */
START_TEST (test_adaptive_avgpool)
{
  static const guint sizes[][2] = { {7, 7}, {8, 7}, {1, 1}, {1, 3}, {14, 14},
  {4, 3}, {13, 9}
  };
  guint s;

  for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
    guint c = 20, h = sizes[s][0], w = sizes[s][1];
    float *chw = random_chw (c, h, w, 20 + s);
    float *got = g_new0 (float, (gsize) c * 49);
    Vgg19Blocked src = blocked_from (chw, c, h, w);
    guint ch, oy, ox;

    vgg19_adaptive_avgpool_flat (&src, 7, got);
    for (ch = 0; ch < c; ch++)
      for (oy = 0; oy < 7; oy++)
        for (ox = 0; ox < 7; ox++) {
          guint y0 = (guint) floor (oy * h / 7.0);
          guint y1 = (guint) ceil ((oy + 1) * h / 7.0);
          guint x0 = (guint) floor (ox * w / 7.0);
          guint x1 = (guint) ceil ((ox + 1) * w / 7.0);
          double sum = 0;

          for (guint y = y0; y < y1; y++)
            for (guint x = x0; x < x1; x++)
              sum += chw[((gsize) ch * h + y) * w + x];
          sum /= (double) (y1 - y0) * (x1 - x0);
          ck_assert_double_eq_tol (got[(ch * 7 + oy) * 7 + ox], sum, 1e-6);
        }
    /* The identity at 7x7 and replication at 1x1. */
    if (h == 7 && w == 7)
      ck_assert_mem_eq (got, chw, (gsize) c * 49 * sizeof (float));
    if (h == 1 && w == 1)
      ck_assert_float_eq (got[48], chw[0]);
    g_free (src.data);
    g_free (chw);
    g_free (got);
  }
}
END_TEST

START_TEST (test_sizes_overflow)
{
  ck_assert_uint_eq (vgg19_blocked_n_floats (16, 1, 1, 16), 16 * 9);
  ck_assert_uint_eq (vgg19_blocked_n_floats (17, 1, 1, 16), 2 * 16 * 9);
  ck_assert_uint_eq (vgg19_blocked_n_floats (3, 2, 2, 3), 3 * 16);
  ck_assert_uint_eq (vgg19_blocked_n_floats (G_MAXUINT, G_MAXUINT, G_MAXUINT,
          16), 0);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("layout");
  TCase *tc = tcase_create ("layout");
  SRunner *sr;
  int failed;

  tcase_add_test (tc, test_roundtrip_image);
  tcase_add_test (tc, test_roundtrip_blocked_rows);
  tcase_add_test (tc, test_relu);
  tcase_add_test (tc, test_maxpool);
  tcase_add_test (tc, test_adaptive_avgpool);
  tcase_add_test (tc, test_sizes_overflow);
  suite_add_tcase (s, tc);
  sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? 1 : 0;
}
