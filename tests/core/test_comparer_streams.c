/* The comparer's streams: the temporal values (tlp) of several streams of
 * distorted images compared with one reference are each stream's own,
 * interleaved comparisons giving every stream exactly the values a
 * comparer of its own gives it; a stream out of range is an error.
 *
 * The network is the seeded file of seeded_weights.h, written here; the
 * images are seeded noise, small enough for a quick run.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <vgg19/comparer.h>

#include "seeded_weights.h"

#define WIDTH 40
#define HEIGHT 36
#define N_FRAMES 4
#define N_PIXELS (3 * WIDTH * HEIGHT)

static char *tmp_dir, *weights_path;

static void
setup_once (void)
{
  GError *error = NULL;

  tmp_dir = g_dir_make_tmp ("vgg19-streams-XXXXXX", NULL);
  ck_assert_ptr_nonnull (tmp_dir);
  weights_path = g_build_filename (tmp_dir, "features.safetensors", NULL);
  ck_assert_msg (test_write_seeded_weights (weights_path, &error), "%s",
      error ? error->message : "");
  /* no filter cache outside the test's directory */
  g_setenv ("VGG19_PACK_CACHE", "off", TRUE);
}

static void
teardown_once (void)
{
  g_unlink (weights_path);
  g_rmdir (tmp_dir);
  g_free (weights_path);
  g_free (tmp_dir);
}

/* Seeded noise: image @frame of sequence @seed, network input. */
static float *
noise (guint seed, guint frame)
{
  GRand *r = g_rand_new_with_seed (1000 * seed + frame);
  float *v = g_new (float, N_PIXELS);
  guint i;

  for (i = 0; i < N_PIXELS; i++)
    v[i] = (float) g_rand_double_range (r, -2, 2);
  g_rand_free (r);
  return v;
}

static Vgg19Comparer *
new_comparer (Vgg19Model * model, guint n_streams)
{
  GError *error = NULL;
  Vgg19Metric *m = vgg19_metric_new_preset ("edsr-vgg22", &error);
  Vgg19Comparer *c;

  ck_assert_msg (m != NULL, "%s", error ? error->message : "");
  /* one thread: the same sums in the same order, so equal bit for bit */
  c = vgg19_comparer_new (model, &m, 1, 1, VGG19_PRECISION_FP32, &error);
  ck_assert_msg (c != NULL, "%s", error ? error->message : "");
  vgg19_comparer_set_temporal (c, TRUE);
  if (n_streams != 1)
    vgg19_comparer_set_n_streams (c, n_streams);
  ck_assert_uint_eq (vgg19_comparer_get_n_streams (c), n_streams);
  ck_assert_uint_eq (vgg19_comparer_get_n_values (c), 3);
  return c;
}

/* The values of N_FRAMES comparisons of sequence @seed against the
 * reference sequence with a comparer of one stream. */
static void
single_stream (Vgg19Model * model, guint seed, double values[N_FRAMES][3])
{
  Vgg19Comparer *c = new_comparer (model, 1);
  GError *error = NULL;
  guint t;

  for (t = 0; t < N_FRAMES; t++) {
    float *ref = noise (0, t), *dist = noise (seed, t);

    ck_assert (vgg19_comparer_set_reference (c, ref, WIDTH, HEIGHT,
            &error));
    ck_assert_msg (vgg19_comparer_compare (c, dist, WIDTH, HEIGHT,
            values[t], &error), "%s", error ? error->message : "");
    g_free (ref);
    g_free (dist);
  }
  vgg19_comparer_free (c);
}

static gboolean
same (double a, double b)
{
  return (isnan (a) && isnan (b)) || a == b;
}

START_TEST (test_streams_are_independent)
{
  GError *error = NULL;
  Vgg19Model *model = vgg19_model_load (weights_path, &error);
  double alone[3][N_FRAMES][3], together[3][N_FRAMES][3];
  Vgg19Comparer *c;
  guint s, t, k;

  ck_assert_msg (model != NULL, "%s", error ? error->message : "");
  for (s = 0; s < 3; s++)
    single_stream (model, s + 1, alone[s]);

  /* three streams against one reference, interleaved: one reference pass
   * per frame, each stream's comparisons in turn */
  c = new_comparer (model, 3);
  for (t = 0; t < N_FRAMES; t++) {
    float *ref = noise (0, t);

    ck_assert (vgg19_comparer_set_reference (c, ref, WIDTH, HEIGHT,
            &error));
    for (s = 0; s < 3; s++) {
      float *dist = noise (s + 1, t);

      ck_assert_msg (vgg19_comparer_compare_stream (c, s, dist, WIDTH,
              HEIGHT, together[s][t], &error), "%s",
          error ? error->message : "");
      g_free (dist);
    }
    g_free (ref);
  }

  for (s = 0; s < 3; s++)
    for (t = 0; t < N_FRAMES; t++)
      for (k = 0; k < 3; k++)
        ck_assert_msg (same (together[s][t][k], alone[s][t][k]),
            "stream %u, frame %u, value %u: %.17g interleaved, %.17g alone",
            s, t, k, together[s][t][k], alone[s][t][k]);
  /* each stream's first comparison has no previous one; the later ones
   * do, and differ between streams (had the streams shared their state,
   * stream 1 would have taken stream 0's previous frame) */
  for (s = 0; s < 3; s++) {
    ck_assert (isnan (together[s][0][2]));
    for (t = 1; t < N_FRAMES; t++)
      ck_assert (isfinite (together[s][t][2]) && together[s][t][2] > 0.0);
  }
  ck_assert (together[0][1][2] != together[1][1][2]);

  /* stream 0 is compare()'s */
  {
    double v[3], w[3];
    float *dist = noise (7, 0);

    ck_assert (vgg19_comparer_compare (c, dist, WIDTH, HEIGHT, v, &error));
    ck_assert (vgg19_comparer_compare_stream (c, 0, dist, WIDTH, HEIGHT, w,
            &error));
    /* the same image twice against a still reference: no change */
    ck_assert (w[2] == 0.0);
    ck_assert (v[0] == w[0]);
    g_free (dist);
  }

  /* out of range */
  {
    double v[3];
    float *dist = noise (1, 0);

    ck_assert (!vgg19_comparer_compare_stream (c, 3, dist, WIDTH, HEIGHT, v,
            &error));
    ck_assert (g_error_matches (error, VGG19_ERROR,
            VGG19_ERROR_INVALID_ARGUMENT));
    ck_assert_msg (strstr (error->message, "stream 3") != NULL, "%s",
        error->message);
    g_clear_error (&error);
    g_free (dist);
  }

  /* fewer streams: stream 0 keeps its previous comparison, the others
   * are gone */
  vgg19_comparer_set_n_streams (c, 1);
  ck_assert_uint_eq (vgg19_comparer_get_n_streams (c), 1);
  {
    double v[3];
    float *dist = noise (7, 0);

    ck_assert (vgg19_comparer_compare_stream (c, 0, dist, WIDTH, HEIGHT, v,
            &error));
    ck_assert (v[2] == 0.0);
    ck_assert (!vgg19_comparer_compare_stream (c, 1, dist, WIDTH, HEIGHT, v,
            &error));
    g_clear_error (&error);
    g_free (dist);
  }
  vgg19_comparer_free (c);
  vgg19_model_unref (model);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("comparer streams");
  TCase *tc = tcase_create ("streams");
  SRunner *sr;
  int failed;

  tcase_add_unchecked_fixture (tc, setup_once, teardown_once);
  tcase_add_test (tc, test_streams_are_independent);
  suite_add_tcase (s, tc);
  sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
