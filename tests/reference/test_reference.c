/* The library against torchvision.
 *
 * The reference data (tests/reference/make_oracle.py, directory in
 * $VGG19_ORACLE_DIR) holds seeded random VGG weights in every file format
 * the library reads, synthetic images, torch's preprocessing of them and
 * the output of every layer of torchvision's model. For each case this
 * test checks, through the public API only:
 *
 *   - vgg19_preprocess_packed() on the image's pixels against torch's
 *     network input;
 *   - the network, fed torch's input (so a convolution error is never
 *     mixed up with a preprocessing one), tap by tap against torch, and
 *     for the logits the top-5 classes;
 *
 * and then that every float32 file format gives the very same result, that
 * a file without classifier refuses the fc taps, and that the label list
 * is torchvision's.
 *
 * Missing reference data is a failure, never a skip: a test suite that
 * silently checks nothing is worse than none.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vgg19/vgg19.h>

#include "npy.h"
#include "oracle.h"

/* Preprocessing: max |ours - torch| <= 1e-5 over the network input.
 * Both resample and normalise in float32, with the same weights but not
 * the same order of operations; the inputs lie within about [-2.2, 2.7],
 * where a float32 step is 2.4e-7, so 1e-5 leaves room for a few dozen
 * roundings while a wrong filter weight, pixel offset or normalisation
 * constant shows as 1e-3 or more. */
#define PREPROCESS_TOLERANCE 1e-5

/* Network: for every tap, max |ours - torch| <= 1e-4 * max |torch| over
 * the tap. Both sides accumulate in float32 in different orders (sums of
 * up to 25088 products) and the rounding of every earlier layer carries
 * through; a wrong weight layout, bias, padding or pooling rule moves
 * outputs by a percent or more. The same bound holds for the F16 and BF16
 * files because torch computed those cases with the same rounded weights
 * held in float32. */
#define TAP_RELATIVE_TOLERANCE 1e-4

#define TOP_K 5

static TestOracle *oracle;
static char *oracle_error;

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

static const TestOracleCase *
case_at (int i)
{
  return g_ptr_array_index (oracle->cases, i);
}

static TestNpy *
load_npy (const char *path, TestNpyDtype dtype, guint n_dims)
{
  GError *error = NULL;
  TestNpy *npy = test_npy_load (path, &error);
  ck_assert_msg (npy != NULL, "%s", error ? error->message : "?");
  ck_assert_msg (npy->dtype == dtype && npy->n_dims == n_dims,
      "%s: expected a %u-dimensional %s array", path, n_dims,
      dtype == TEST_NPY_F32 ? "float32" : "uint8");
  return npy;
}

/* A single model at a time: the cases are ordered by weight file, and
 * keeping all nine models (~5 GB) would be too much for a test. */
static char *cached_key;
static Vgg19Model *cached_model;

static void
check_model_info (Vgg19Model * model, const TestOracleWeights * w)
{
  Vgg19Arch arch = vgg19_model_get_arch (model);
  ck_assert_msg (strcmp (vgg19_arch_name (arch), w->arch) == 0,
      "%s: arch %s, expected %s", w->path, vgg19_arch_name (arch), w->arch);
  ck_assert_msg (!vgg19_model_has_classifier (model) == !w->has_classifier,
      "%s: has_classifier %d, expected %d", w->path,
      vgg19_model_has_classifier (model), w->has_classifier);
  ck_assert_msg (strcmp (vgg19_model_get_format (model), w->format) == 0,
      "%s: format %s, expected %s", w->path,
      vgg19_model_get_format (model), w->format);
  ck_assert_msg (strcmp (vgg19_model_get_source_dtype (model),
          w->dtype) == 0, "%s: source dtype %s, expected %s", w->path,
      vgg19_model_get_source_dtype (model), w->dtype);
  ck_assert_msg (vgg19_model_get_n_parameters (model) == w->n_parameters,
      "%s: %" G_GUINT64_FORMAT " parameters, expected %" G_GUINT64_FORMAT,
      w->path, vgg19_model_get_n_parameters (model), w->n_parameters);
  ck_assert_str_eq (vgg19_model_get_path (model), w->path);
}

static Vgg19Model *
get_model (const char *key)
{
  if (cached_key != NULL && strcmp (cached_key, key) == 0)
    return cached_model;

  g_clear_pointer (&cached_model, vgg19_model_unref);
  g_clear_pointer (&cached_key, g_free);

  const TestOracleWeights *w = test_oracle_get_weights (oracle, key);
  ck_assert_msg (w != NULL, "no weights \"%s\" in the manifest", key);
  GError *error = NULL;
  gint64 start = g_get_monotonic_time ();
  Vgg19Model *model = vgg19_model_load (w->path, &error);
  ck_assert_msg (model != NULL, "loading %s: %s", w->path,
      error ? error->message : "no error set");
  printf ("loaded %s (%s) in %.2f s\n", key, w->path,
      (g_get_monotonic_time () - start) / 1e6);
  cached_model = model;
  cached_key = g_strdup (key);
  check_model_info (model, w);
  return model;
}

/* The ISA chosen must honour VGG19_DISABLE, or the three registrations of
 * this test would silently check one kernel three times. */
static void
check_isa (Vgg19Session * session)
{
  const char *isa = vgg19_session_get_isa (session);
  g_auto (GStrv) disabled =
      g_strsplit_set (g_getenv ("VGG19_DISABLE") ? g_getenv ("VGG19_DISABLE")
      : "", ", ", -1);
  gboolean no512 = g_strv_contains ((const char *const *) disabled, "avx512");
  gboolean no2 = g_strv_contains ((const char *const *) disabled, "avx2");

  ck_assert_msg (isa != NULL, "no ISA reported");
  if (no512)
    ck_assert_msg (strcmp (isa, "avx512") != 0,
        "VGG19_DISABLE=avx512 but the session uses avx512");
  if (no2)
    ck_assert_msg (strcmp (isa, "avx2") != 0,
        "VGG19_DISABLE=avx2 but the session uses avx2");
  if (no512 && no2)
    ck_assert_str_eq (isa, "portable");
}

typedef struct
{
  double max_err;
  double max_ref;
  gsize worst;                  /* index of max_err */
} Diff;

static Diff
compare (const float *got, const float *expected, gsize n)
{
  Diff d = { 0.0, 0.0, 0 };
  for (gsize i = 0; i < n; i++) {
    double e = fabs ((double) got[i] - (double) expected[i]);
    /* NaN never compares greater: count it as infinitely wrong */
    if (isnan (got[i]))
      e = INFINITY;
    if (e > d.max_err) {
      d.max_err = e;
      d.worst = i;
    }
    if (fabs (expected[i]) > d.max_ref)
      d.max_ref = fabs (expected[i]);
  }
  return d;
}

/* Indices of the @k largest of @v, best first, ties to the lower index;
 * written here rather than taken from the library under test. */
static void
top_indices (const float *v, guint n, guint k, guint * out)
{
  for (guint j = 0; j < k; j++) {
    gint best = -1;
    for (guint i = 0; i < n; i++) {
      gboolean taken = FALSE;
      for (guint t = 0; t < j; t++)
        taken |= out[t] == i;
      if (!taken && (best < 0 || v[i] > v[best]))
        best = i;
    }
    out[j] = best;
  }
}

/* Position k of the top-5 must match where the expected logit there is
 * more than 2 * @bound away from its neighbours: each of two logits may
 * be off by @bound, so closer pairs may legitimately swap. */
static void
check_top5 (const char *case_id, const float *expected, const float *got,
    guint n, double bound)
{
  guint e[TOP_K + 1], g[TOP_K];
  guint lib_classes[TOP_K];
  float lib_scores[TOP_K];
  guint checked = 0;

  top_indices (expected, n, TOP_K + 1, e);
  top_indices (got, n, TOP_K, g);

  ck_assert_uint_eq (vgg19_top_k (got, n, TOP_K, lib_classes, lib_scores),
      TOP_K);
  for (guint k = 0; k < TOP_K; k++)
    ck_assert_msg (lib_classes[k] == g[k],
        "%s: vgg19_top_k()[%u] = %u, the logits say %u", case_id, k,
        lib_classes[k], g[k]);

  for (guint k = 0; k < TOP_K; k++) {
    gboolean above = k == 0 || expected[e[k - 1]] - expected[e[k]] > 2 * bound;
    gboolean below = expected[e[k]] - expected[e[k + 1]] > 2 * bound;
    if (!above || !below)
      continue;
    checked++;
    ck_assert_msg (g[k] == e[k],
        "%s: top-%u class is %u (logit %.6g), torch says %u (logit %.6g)",
        case_id, k + 1, g[k], got[g[k]], e[k], expected[e[k]]);
  }
  printf ("  %s: top-5 %u %u %u %u %u, %u of 5 positions separated enough "
      "to check\n", case_id, e[0], e[1], e[2], e[3], e[4], checked);
}

/* Outputs of the float32 VGG-19 files, kept by the network test so the
 * format comparison need not run them again: weights key -> Outputs. */
typedef struct
{
  char *case_id;
  float *pool5;
  gsize n_pool5;
  float *fc8;
} Outputs;

static GHashTable *format_outputs;

static void
outputs_free (gpointer data)
{
  Outputs *o = data;
  g_free (o->case_id);
  g_free (o->pool5);
  g_free (o->fc8);
  g_free (o);
}

static const TestOracleCase *
format_reference_case (void)
{
  const TestOracleCase *ref = test_oracle_get_case (oracle, "img224_stretch");
  ck_assert_msg (ref != NULL, "the manifest has no case img224_stretch");
  return ref;
}

/* TRUE when @c runs the input of the format comparison through a float32
 * VGG-19 file. */
static gboolean
is_format_case (const TestOracleCase * c)
{
  const TestOracleCase *ref = format_reference_case ();
  const TestOracleWeights *w = test_oracle_get_weights (oracle, c->weights);
  return strcmp (c->rgb, ref->rgb) == 0 && strcmp (c->resize,
      ref->resize) == 0 && strcmp (w->dtype, "F32") == 0
      && strcmp (w->arch, "vgg19") == 0 && w->has_classifier
      && test_oracle_case_get_tap (c, "pool5") != NULL
      && test_oracle_case_get_tap (c, "fc8") != NULL;
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */
/* ------------------------------------------------------------------ */

START_TEST (test_oracle_present)
{
  ck_assert_msg (oracle != NULL, "%s", oracle_error);
  printf ("reference data: %s (seed %" G_GINT64_FORMAT ", %u cases)\n",
      oracle->dir, oracle->seed, oracle->cases->len);
}
END_TEST

START_TEST (test_labels)
{
  const char *path = g_getenv ("VGG19_TEST_LABELS");
  g_autofree char *contents = NULL, *reference = NULL;
  gsize length, ref_length;
  GError *error = NULL;

  ck_assert_msg (path != NULL, "VGG19_TEST_LABELS is not set");
  ck_assert_msg (g_file_get_contents (path, &contents, &length, &error),
      "%s", error ? error->message : "");
  g_autofree char *sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
      (const guchar *) contents, length);
  ck_assert_msg (strcmp (sha, oracle->labels_sha256) == 0,
      "%s: sha256 %s, torchvision's list has %s", path, sha,
      oracle->labels_sha256);
  ck_assert_msg (g_file_get_contents (oracle->labels, &reference,
          &ref_length, &error), "%s", error ? error->message : "");
  ck_assert_msg (ref_length == length && memcmp (reference, contents,
          length) == 0, "%s differs from torchvision's list %s", path,
      oracle->labels);

  Vgg19Labels *labels = vgg19_labels_load (path, &error);
  ck_assert_msg (labels != NULL, "%s", error ? error->message : "");
  ck_assert_uint_eq (vgg19_labels_get_count (labels), VGG19_N_CLASSES);
  g_auto (GStrv) lines = g_strsplit (contents, "\n", -1);
  ck_assert_uint_eq (g_strv_length (lines), VGG19_N_CLASSES + 1);
  ck_assert_str_eq (lines[VGG19_N_CLASSES], "");
  for (guint i = 0; i < VGG19_N_CLASSES; i++)
    ck_assert_str_eq (vgg19_labels_get (labels, i), lines[i]);
  ck_assert_ptr_null (vgg19_labels_get (labels, VGG19_N_CLASSES));
  vgg19_labels_free (labels);
}
END_TEST

static void
check_preprocessed (const TestOracleCase * c, const char *layout,
    const Vgg19PackedImage * image, Vgg19Resize mode, const TestNpy * input)
{
  GError *error = NULL;
  g_autofree float *out = g_new (float, input->n_elements);

  ck_assert_msg (vgg19_preprocess_packed (image, mode, out, &error),
      "%s (%s): %s", c->id, layout, error ? error->message : "");
  Diff d = compare (out, test_npy_f32 (input), input->n_elements);
  gsize plane = input->shape[1] * input->shape[2];
  printf ("  %-30s preprocess %-5s max|err| %.3g (limit %.0e)\n", c->id,
      layout, d.max_err, PREPROCESS_TOLERANCE);
  ck_assert_msg (d.max_err <= PREPROCESS_TOLERANCE,
      "%s (%s pixels): preprocessing differs from torch by %.3g at channel "
      "%" G_GSIZE_FORMAT " row %" G_GSIZE_FORMAT " column %" G_GSIZE_FORMAT
      " (ours %.8g, torch %.8g); limit %.0e", c->id, layout, d.max_err,
      d.worst / plane, d.worst % plane / input->shape[2],
      d.worst % input->shape[2], out[d.worst],
      test_npy_f32 (input)[d.worst], PREPROCESS_TOLERANCE);
}

START_TEST (test_preprocess)
{
  const TestOracleCase *c = case_at (_i);
  GError *error = NULL;
  Vgg19Resize mode;
  guint ow, oh;

  ck_assert_msg (vgg19_resize_from_string (c->resize, &mode, &error),
      "%s: %s", c->id, error ? error->message : "");
  g_autoptr (TestNpy) rgb = load_npy (c->rgb, TEST_NPY_U8, 3);
  g_autoptr (TestNpy) input = load_npy (c->input, TEST_NPY_F32, 3);
  ck_assert_msg (rgb->shape[0] == c->height && rgb->shape[1] == c->width
      && rgb->shape[2] == 3, "%s: bad shape", c->rgb);
  ck_assert_msg (vgg19_preprocess_size (mode, c->width, c->height, &ow, &oh,
          &error), "%s: %s", c->id, error ? error->message : "");
  ck_assert_msg (input->shape[0] == 3 && input->shape[1] == oh
      && input->shape[2] == ow, "%s: vgg19_preprocess_size() says %ux%u, "
      "torch's input is %" G_GSIZE_FORMAT "x%" G_GSIZE_FORMAT, c->id, ow, oh,
      input->shape[2], input->shape[1]);

  /* packed RGB, as decoded */
  Vgg19PackedImage image = { test_npy_u8 (rgb), c->width, c->height,
    (gsize) c->width * 3, 3, 0, 1, 2
  };
  check_preprocessed (c, "RGB", &image, mode, input);

  /* the same pixels as BGRx with padded rows */
  gsize stride = (gsize) c->width * 4 + 12;
  g_autofree guint8 *bgrx = g_malloc0 (stride * c->height);
  for (guint y = 0; y < c->height; y++)
    for (guint x = 0; x < c->width; x++)
      for (guint ch = 0; ch < 3; ch++)
        bgrx[y * stride + x * 4 + 2 - ch] =
            test_npy_u8 (rgb)[((gsize) y * c->width + x) * 3 + ch];
  Vgg19PackedImage bgrx_image = { bgrx, c->width, c->height, stride, 4,
    2, 1, 0
  };
  check_preprocessed (c, "BGRx", &bgrx_image, mode, input);

  /* the PNG's own channels: grey, or RGBA with its alpha ignored */
  if (c->raw != NULL) {
    g_autoptr (TestNpy) raw = load_npy (c->raw, TEST_NPY_U8, 3);
    guint n = raw->shape[2];
    ck_assert_msg (raw->shape[0] == c->height && raw->shape[1] == c->width
        && (n == 1 || n == 4), "%s: bad shape", c->raw);
    Vgg19PackedImage raw_image = { test_npy_u8 (raw), c->width, c->height,
      (gsize) c->width * n, n, 0, n == 1 ? 0 : 1, n == 1 ? 0 : 2
    };
    check_preprocessed (c, n == 1 ? "grey" : "RGBA", &raw_image, mode,
        input);
  }
}
END_TEST

START_TEST (test_network)
{
  const TestOracleCase *c = case_at (_i);
  GError *error = NULL;
  guint n_taps = c->taps->len;
  g_autofree const char **names = g_new0 (const char *, n_taps + 1);
  GString *failures = g_string_new (NULL);

  Vgg19Model *model = get_model (c->weights);
  g_autoptr (TestNpy) input = load_npy (c->input, TEST_NPY_F32, 3);
  ck_assert_uint_eq (input->shape[0], 3);
  guint height = input->shape[1], width = input->shape[2];
  for (guint i = 0; i < n_taps; i++)
    names[i] = ((TestOracleTap *) g_ptr_array_index (c->taps, i))->name;

  Vgg19Session *session = vgg19_session_new (model, 0, VGG19_PRECISION_FP32,
      &error);
  ck_assert_msg (session != NULL, "%s: %s", c->id,
      error ? error->message : "");
  check_isa (session);
  ck_assert_msg (vgg19_session_reshape (session, width, height, names,
          &error), "%s: reshape to %ux%u: %s", c->id, width, height,
      error ? error->message : "");
  gint64 start = g_get_monotonic_time ();
  ck_assert_msg (vgg19_session_run (session, test_npy_f32 (input), &error),
      "%s: run: %s", c->id, error ? error->message : "");
  printf ("%s: %ux%u, weights %s, %s x%u threads, run %.2f s\n", c->id,
      width, height, c->weights, vgg19_session_get_isa (session),
      vgg19_session_get_n_threads (session),
      (g_get_monotonic_time () - start) / 1e6);

  Outputs *kept = NULL;
  if (is_format_case (c)) {
    kept = g_new0 (Outputs, 1);
    kept->case_id = g_strdup (c->id);
  }

  for (guint i = 0; i < n_taps; i++) {
    const TestOracleTap *tap = g_ptr_array_index (c->taps, i);
    g_autoptr (TestNpy) expected = load_npy (tap->path, TEST_NPY_F32, 3);
    const Vgg19Tensor *t = vgg19_session_get_output (session, tap->name);
    g_autofree char *shape = test_npy_shape_string (expected);

    ck_assert_msg (t != NULL, "%s: no output for tap %s", c->id, tap->name);
    ck_assert_msg (t->channels == expected->shape[0]
        && t->height == expected->shape[1]
        && t->width == expected->shape[2],
        "%s: tap %s is (%u, %u, %u), torch's is %s", c->id, tap->name,
        t->channels, t->height, t->width, shape);

    const float *ref = test_npy_f32 (expected);
    Diff d = compare (t->data, ref, expected->n_elements);
    double bound = TAP_RELATIVE_TOLERANCE * d.max_ref;
    gboolean ok = d.max_err <= bound;
    printf ("  %-30s %-8s max|err| %.3g  max|torch| %.4g  err/max %.2e%s\n",
        c->id, tap->name, d.max_err, d.max_ref,
        d.max_ref > 0 ? d.max_err / d.max_ref : d.max_err,
        ok ? "" : "  FAIL");
    if (!ok) {
      gsize plane = (gsize) t->height * t->width;
      g_string_append_printf (failures, "%s%s: max|err| %.3g > %.0e * "
          "max|torch| %.4g = %.3g (at channel %" G_GSIZE_FORMAT " y %"
          G_GSIZE_FORMAT " x %" G_GSIZE_FORMAT ": ours %.7g, torch %.7g)",
          failures->len ? "; " : "", tap->name, d.max_err,
          TAP_RELATIVE_TOLERANCE, d.max_ref, bound, d.worst / plane,
          d.worst % plane / t->width, d.worst % t->width,
          t->data[d.worst], ref[d.worst]);
    } else if (strcmp (tap->name, "fc8") == 0) {
      check_top5 (c->id, ref, t->data, expected->n_elements, bound);
    }
    if (kept != NULL && strcmp (tap->name, "pool5") == 0) {
      kept->n_pool5 = expected->n_elements;
      kept->pool5 = g_memdup2 (t->data, kept->n_pool5 * sizeof (float));
    }
    if (kept != NULL && strcmp (tap->name, "fc8") == 0)
      kept->fc8 = g_memdup2 (t->data, VGG19_N_CLASSES * sizeof (float));
  }
  vgg19_session_free (session);

  if (kept != NULL && kept->pool5 != NULL && kept->fc8 != NULL)
    g_hash_table_replace (format_outputs, g_strdup (c->weights), kept);
  else if (kept != NULL)
    outputs_free (kept);

  ck_assert_msg (failures->len == 0, "%s: %s", c->id, failures->str);
  g_string_free (failures, TRUE);
}
END_TEST

/* Every float32 file (legacy pickles v1 and v2, zip, safetensors with
 * torchvision's or timm's names and shapes) holds the same numbers, so
 * the library must give bit-identical results from each: anything else
 * means a reader reordered or converted something. */
START_TEST (test_formats_agree)
{
  const Outputs *first = NULL;
  const char *first_key = NULL;
  guint n_formats = 0;

  for (guint i = 0; i < oracle->cases->len; i++) {
    const TestOracleCase *c = case_at (i);
    if (!is_format_case (c))
      continue;
    const Outputs *o = g_hash_table_lookup (format_outputs, c->weights);
    ck_assert_msg (o != NULL, "no result for case %s (weights %s): its "
        "network test failed", c->id, c->weights);
    n_formats++;
    if (first == NULL) {
      first = o;
      first_key = c->weights;
      continue;
    }
    ck_assert_msg (o->n_pool5 == first->n_pool5, "pool5 sizes differ");
    ck_assert_msg (memcmp (o->pool5, first->pool5,
            o->n_pool5 * sizeof (float)) == 0,
        "pool5 from weights %s differs from weights %s", c->weights,
        first_key);
    ck_assert_msg (memcmp (o->fc8, first->fc8,
            VGG19_N_CLASSES * sizeof (float)) == 0,
        "fc8 from weights %s differs from weights %s", c->weights,
        first_key);
  }
  printf ("%u float32 weight files give identical pool5 and fc8\n",
      n_formats);
  ck_assert_msg (n_formats >= 5, "only %u float32 formats compared",
      n_formats);
}
END_TEST

START_TEST (test_features_only)
{
  const char *fc_taps[] = { "fc8", "fc6", "relu7", NULL };
  GError *error = NULL;
  Vgg19Model *model = get_model ("features_only");

  ck_assert (!vgg19_model_has_classifier (model));
  ck_assert_int_eq (vgg19_model_get_arch (model), VGG19_ARCH_VGG19);
  Vgg19Session *session = vgg19_session_new (model, 1, VGG19_PRECISION_FP32,
      &error);
  ck_assert_msg (session != NULL, "%s", error ? error->message : "");
  for (guint i = 0; fc_taps[i] != NULL; i++) {
    const char *taps[] = { "pool5", fc_taps[i], NULL };
    ck_assert_msg (!vgg19_session_reshape (session, 224, 224, taps, &error),
        "reshape with %s succeeded without a classifier", fc_taps[i]);
    ck_assert_msg (g_error_matches (error, VGG19_ERROR,
            VGG19_ERROR_UNSUPPORTED), "asking %s without classifier: "
        "expected VGG19_ERROR_UNSUPPORTED, got %s", fc_taps[i],
        error ? error->message : "no error");
    g_clear_error (&error);
  }
  const char *conv_taps[] = { "relu5_4", "pool5", NULL };
  ck_assert_msg (vgg19_session_reshape (session, 224, 224, conv_taps,
          &error), "%s", error ? error->message : "");
  vgg19_session_free (session);
}
END_TEST

int
main (void)
{
  GError *error = NULL;
  int n_failed;

  /* line-buffered, so the per-tap numbers survive a crash */
  setvbuf (stdout, NULL, _IOLBF, 0);
  oracle = test_oracle_load (g_getenv (TEST_ORACLE_DIR_ENV), &error);
  if (oracle == NULL) {
    oracle_error = g_strdup (error->message);
    g_clear_error (&error);
  }
  format_outputs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      outputs_free);

  Suite *s = suite_create ("reference");
  TCase *tc = tcase_create ("torchvision");
  tcase_add_test (tc, test_oracle_present);
  if (oracle != NULL) {
    guint n = oracle->cases->len;
    tcase_add_test (tc, test_labels);
    tcase_add_loop_test (tc, test_preprocess, 0, n);
    tcase_add_loop_test (tc, test_network, 0, n);
    tcase_add_test (tc, test_features_only);
    tcase_add_test (tc, test_formats_agree);
  }
  suite_add_tcase (s, tc);

  SRunner *sr = srunner_create (s);
  /* in one process, so the loaded model and the outputs kept for the
   * format comparison carry from one test to the next */
  srunner_set_fork_status (sr, CK_NOFORK);
  srunner_run_all (sr, CK_NORMAL);
  n_failed = srunner_ntests_failed (sr);
  srunner_free (sr);

  g_clear_pointer (&cached_model, vgg19_model_unref);
  g_free (cached_key);
  g_hash_table_unref (format_outputs);
  test_oracle_free (oracle);
  g_free (oracle_error);
  return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
