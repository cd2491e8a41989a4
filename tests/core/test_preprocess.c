/* Preprocessing: the antialiased bilinear filter, torchvision's crop
 * geometry, every pixel layout, the checks on image descriptions, and
 * values computed by torch. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "preprocess.h"

/* Golden values may differ from torch by float rounding only; 1e-6 is a
 * few units in the last place of normalised values (|x| < 2.7). */
#define TOL 1e-6f

static const double mean_d[3] = { 0.485, 0.456, 0.406 };
static const double std_d[3] = { 0.229, 0.224, 0.225 };

/* What one 8-bit value becomes without resizing, in torch's order. */
static float
normalised (guint8 v, guint c)
{
  return ((float) v / 255.0f - (float) mean_d[c]) / (float) std_d[c];
}

/* libcheck reports every passing assertion to the parent process, which
 * is slow over whole images: loops test plainly and assert once. */
#define EXPECT(cond, ...) \
  do { \
    if (!(cond)) \
      ck_abort_msg (__VA_ARGS__); \
  } while (0)

/* Asserts that the @n values at @p all equal @value within @tol. */
static void
assert_all_near (const float *p, gsize n, float value, float tol)
{
  gsize i;

  for (i = 0; i < n; i++)
    EXPECT (fabsf (p[i] - value) <= tol, "value %" G_GSIZE_FORMAT
        " is %.9g, expected %.9g within %g", i, p[i], value, tol);
}

/* Tightly packed RGB. */
static Vgg19PackedImage
rgb_image (const guint8 * data, guint w, guint h)
{
  Vgg19PackedImage im = { data, w, h, (gsize) w * 3, 3, 0, 1, 2 };
  return im;
}

/* The pattern the golden values were computed on. */
static guint8 *
pattern_rgb (guint w, guint h)
{
  guint8 *p = g_new (guint8, (gsize) w * h * 3);
  guint x, y;

  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++) {
      guint8 *q = p + ((gsize) y * w + x) * 3;
      q[0] = (x * 37 + y * 91) % 256;
      q[1] = (x * x * 13 + y * 7 + 50) % 256;
      q[2] = (guint8) ((255 + 256 * 64 - x * 29 - y * 41) % 256);
    }
  return p;
}

static guint8 *
random_rgb (guint w, guint h, guint32 seed)
{
  GRand *r = g_rand_new_with_seed (seed);
  guint8 *p = g_new (guint8, (gsize) w * h * 3);
  gsize i;

  for (i = 0; i < (gsize) w * h * 3; i++)
    p[i] = (guint8) g_rand_int_range (r, 0, 256);
  g_rand_free (r);
  return p;
}

static float *
run_mode (const Vgg19PackedImage * im, Vgg19Resize mode, guint * ow,
    guint * oh)
{
  GError *error = NULL;
  float *out;

  ck_assert (vgg19_preprocess_size (mode, im->width, im->height, ow, oh,
          &error));
  out = g_new (float, 3 * (gsize) * ow * *oh);
  if (!vgg19_preprocess_packed (im, mode, out, &error))
    ck_abort_msg ("preprocess failed: %s", error->message);
  return out;
}

/* ---------------------------------------------------------------- */

START_TEST (test_mode_names)
{
  static const Vgg19Resize modes[] = { VGG19_RESIZE_STRETCH,
    VGG19_RESIZE_CROP, VGG19_RESIZE_NONE
  };
  GError *error = NULL;
  Vgg19Resize m;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (modes); i++) {
    ck_assert (vgg19_resize_from_string (vgg19_resize_to_string (modes[i]),
            &m, &error));
    ck_assert_int_eq (m, modes[i]);
  }
  ck_assert_str_eq (vgg19_resize_to_string (VGG19_RESIZE_CROP), "crop");
  ck_assert (!vgg19_resize_from_string ("Crop", &m, &error));
  ck_assert (g_error_matches (error, VGG19_ERROR,
          VGG19_ERROR_INVALID_ARGUMENT));
  ck_assert_ptr_nonnull (strstr (error->message, "Crop"));
  g_clear_error (&error);
  ck_assert (!vgg19_resize_from_string (NULL, &m, &error));
  g_clear_error (&error);
}
END_TEST

START_TEST (test_sizes)
{
  GError *error = NULL;
  guint w = 0, h = 0;

  ck_assert (vgg19_preprocess_size (VGG19_RESIZE_STRETCH, 1, 1, &w, &h,
          &error));
  ck_assert_uint_eq (w, 224);
  ck_assert_uint_eq (h, 224);
  ck_assert (vgg19_preprocess_size (VGG19_RESIZE_CROP, 1920, 1080, &w, &h,
          &error));
  ck_assert_uint_eq (w, 224);
  ck_assert_uint_eq (h, 224);
  ck_assert (vgg19_preprocess_size (VGG19_RESIZE_NONE, 640, 32, &w, &h,
          &error));
  ck_assert_uint_eq (w, 640);
  ck_assert_uint_eq (h, 32);

  ck_assert (!vgg19_preprocess_size (VGG19_RESIZE_NONE, 640, 31, &w, &h,
          &error));
  ck_assert (g_error_matches (error, VGG19_ERROR,
          VGG19_ERROR_INVALID_ARGUMENT));
  ck_assert_ptr_nonnull (strstr (error->message, "640x31"));
  g_clear_error (&error);
  ck_assert (!vgg19_preprocess_size (VGG19_RESIZE_STRETCH, 0, 10, &w, &h,
          &error));
  ck_assert (g_error_matches (error, VGG19_ERROR,
          VGG19_ERROR_INVALID_ARGUMENT));
  g_clear_error (&error);
  ck_assert (!vgg19_preprocess_size ((Vgg19Resize) 42, 10, 10, &w, &h,
          &error));
  g_clear_error (&error);
}
END_TEST

/* Native size: each output is exactly the normalised input byte. */
START_TEST (test_none_is_pointwise)
{
  guint w = 37, h = 33, ow, oh, x, y, c;
  guint8 *rgb = random_rgb (w, h, 5);
  Vgg19PackedImage im = rgb_image (rgb, w, h);
  float *out = run_mode (&im, VGG19_RESIZE_NONE, &ow, &oh);
  float *win = g_new (float, 3 * w * h);

  for (c = 0; c < 3; c++)
    for (y = 0; y < h; y++)
      for (x = 0; x < w; x++)
        EXPECT (out[(c * h + y) * w + x] ==
            normalised (rgb[(y * w + x) * 3 + c], c), "at c=%u y=%u x=%u",
            c, y, x);

  /* Resampling to the same size is the identity too. */
  ck_assert (vgg19_preprocess_window (&im, w, h, 0, 0, w, h, win, NULL));
  ck_assert_mem_eq (out, win, 3 * w * h * sizeof (float));
  g_free (win);
  g_free (out);
  g_free (rgb);
}
END_TEST

START_TEST (test_constant_stays_constant)
{
  static const guint sizes[][2] = { {1, 1}, {7, 5}, {224, 224}, {300, 200},
  {1000, 3}, {3, 1000}, {225, 223}, {1920, 1080}
  };
  static const guint8 colour[3] = { 77, 150, 230 };
  guint s, c, mode;
  gsize i;

  for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
    guint w = sizes[s][0], h = sizes[s][1];
    guint8 *rgb = g_new (guint8, (gsize) w * h * 3);
    Vgg19PackedImage im = rgb_image (rgb, w, h);

    for (i = 0; i < (gsize) w * h; i++)
      memcpy (rgb + 3 * i, colour, 3);
    for (mode = VGG19_RESIZE_STRETCH; mode <= VGG19_RESIZE_CROP; mode++) {
      guint ow, oh;
      float *out = run_mode (&im, mode, &ow, &oh);

      /* Constant up to the rounding of the weights, whose float sums are
       * 1 only within ~1e-6 for long filters, magnified by 1 / std. */
      for (c = 0; c < 3; c++)
        assert_all_near (out + c * ow * oh, (gsize) ow * oh,
            normalised (colour[c], c), 1e-5f);
      g_free (out);
    }
    g_free (rgb);
  }
}
END_TEST

/* A single pixel has a single tap of weight exactly 1. */
START_TEST (test_one_pixel)
{
  static const guint8 px[3] = { 200, 100, 7 };
  Vgg19PackedImage im = rgb_image (px, 1, 1);
  guint ow, oh, c;
  float *out = run_mode (&im, VGG19_RESIZE_STRETCH, &ow, &oh);

  for (c = 0; c < 3; c++)
    assert_all_near (out + c * ow * oh, (gsize) ow * oh,
        normalised (px[c], c), 0.0f);
  g_free (out);
}
END_TEST

START_TEST (test_weights_sum_to_one)
{
  static const guint ins[] = { 1, 2, 3, 5, 7, 8, 13, 100, 224, 256, 1080,
    1920, 4000
  };
  static const guint outs[] = { 1, 2, 3, 4, 9, 11, 224, 256, 455, 999 };
  guint a, b, i, k;

  for (a = 0; a < G_N_ELEMENTS (ins); a++)
    for (b = 0; b < G_N_ELEMENTS (outs); b++) {
      Vgg19Taps t;
      GError *error = NULL;

      if (!vgg19_taps_init (&t, ins[a], outs[b], 0, outs[b], &error))
        ck_abort_msg ("%u -> %u: %s", ins[a], outs[b], error->message);
      for (i = 0; i < t.n; i++) {
        double sum = 0.0;

        EXPECT (t.count[i] >= 1 && t.count[i] <= t.max_taps,
            "%u -> %u: output %u has %u taps", ins[a], outs[b], i,
            t.count[i]);
        EXPECT (t.start[i] >= t.lo && t.start[i] + t.count[i] <= t.hi
            && t.hi <= ins[a], "%u -> %u: output %u reads %u..%u outside "
            "%u..%u", ins[a], outs[b], i, t.start[i],
            t.start[i] + t.count[i], t.lo, t.hi);
        for (k = 0; k < t.count[i]; k++) {
          float w = t.weights[i * t.max_taps + k];

          EXPECT (w > 0.0f && w <= 1.0f, "%u -> %u: weight %u of output "
              "%u is %g", ins[a], outs[b], k, i, w);
          sum += w;
        }
        /* Exactly 1 but for float rounding, which grows with the number
         * of taps (torch normalises by a float sum, as the library does). */
        EXPECT (fabs (sum - 1.0) <= 2e-7 + 1e-8 * t.count[i],
            "%u -> %u: weights of output %u sum to %.9g", ins[a], outs[b],
            i, sum);
        /* Windows only move forwards. */
        EXPECT (i == 0 || t.start[i] >= t.start[i - 1],
            "%u -> %u: output %u starts before output %u", ins[a], outs[b],
            i, i - 1);
      }
      vgg19_taps_clear (&t);
    }
}
END_TEST

/* Halving is not a box average: the triangle's support doubles with the
 * scale, giving weights 1/8 3/8 3/8 1/8 (renormalised at the borders). */
START_TEST (test_halving_weights)
{
  static const guint8 row[8] = { 0, 8, 16, 24, 32, 40, 48, 56 };
  guint8 rgb[8 * 3];
  Vgg19PackedImage im = rgb_image (rgb, 8, 1);
  Vgg19Taps t;
  float out[3 * 4];
  guint i, k;

  ck_assert (vgg19_taps_init (&t, 8, 4, 0, 4, NULL));
  ck_assert_uint_eq (t.start[0], 0);
  ck_assert_uint_eq (t.count[0], 3);
  ck_assert_float_eq_tol (t.weights[0], 3.0f / 7, 1e-7f);
  ck_assert_float_eq_tol (t.weights[1], 3.0f / 7, 1e-7f);
  ck_assert_float_eq_tol (t.weights[2], 1.0f / 7, 1e-7f);
  for (i = 1; i < 3; i++) {
    static const float inner[4] = { 0.125f, 0.375f, 0.375f, 0.125f };

    ck_assert_uint_eq (t.start[i], 2 * i - 1);
    ck_assert_uint_eq (t.count[i], 4);
    for (k = 0; k < 4; k++)
      ck_assert_float_eq (t.weights[i * t.max_taps + k], inner[k]);
  }
  ck_assert_uint_eq (t.start[3], 5);
  ck_assert_uint_eq (t.count[3], 3);
  vgg19_taps_clear (&t);

  /* On a ramp the inner outputs land on the pair's midpoint. */
  for (i = 0; i < 8; i++)
    rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = row[i];
  ck_assert (vgg19_preprocess_window (&im, 4, 1, 0, 0, 4, 1, out, NULL));
  ck_assert_float_eq_tol (out[1] * 0.229f + 0.485f, 20.0f / 255, 1e-6f);
  ck_assert_float_eq_tol (out[2] * 0.229f + 0.485f, 36.0f / 255, 1e-6f);
  ck_assert_float_eq_tol (out[0] * 0.229f + 0.485f,
      (3 * 0 + 3 * 8 + 16) / 7.0f / 255, 1e-6f);
}
END_TEST

START_TEST (test_crop_geometry)
{
  static const guint cases[][6] = {
    /* w, h, resized w, resized h, left, top */
    {1920, 1080, 455, 256, 116, 16},
    {720, 576, 320, 256, 48, 16},
    {640, 480, 341, 256, 58, 16},
    {1080, 1920, 256, 455, 16, 116},
    {500, 500, 256, 256, 16, 16},
    {256, 256, 256, 256, 16, 16},
    {1, 1, 256, 256, 16, 16},
    {3, 1000, 256, 85333, 16, 42554},    /* 42554.5 rounds to even */
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    guint64 rw, rh, left, top;

    vgg19_crop_geometry (cases[i][0], cases[i][1], &rw, &rh, &left, &top);
    ck_assert_uint_eq (rw, cases[i][2]);
    ck_assert_uint_eq (rh, cases[i][3]);
    ck_assert_uint_eq (left, cases[i][4]);
    ck_assert_uint_eq (top, cases[i][5]);
  }
}
END_TEST

/* Crop computes only the window; it must equal resizing everything and
 * cutting the window out afterwards. */
START_TEST (test_crop_is_window_of_full_resize)
{
  static const guint sizes[][2] = { {97, 61}, {640, 480}, {61, 97},
  {300, 300}
  };
  guint s, c, y;

  for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
    guint w = sizes[s][0], h = sizes[s][1], ow, oh;
    guint8 *rgb = random_rgb (w, h, 40 + s);
    Vgg19PackedImage im = rgb_image (rgb, w, h);
    guint64 rw, rh, left, top;
    float *crop = run_mode (&im, VGG19_RESIZE_CROP, &ow, &oh), *full;

    vgg19_crop_geometry (w, h, &rw, &rh, &left, &top);
    full = g_new (float, 3 * rw * rh);
    ck_assert (vgg19_preprocess_window (&im, rw, rh, 0, 0, rw, rh, full,
            NULL));
    for (c = 0; c < 3; c++)
      for (y = 0; y < 224; y++)
        ck_assert_mem_eq (crop + (c * 224 + y) * 224,
            full + (c * rh + top + y) * rw + left, 224 * sizeof (float));
    g_free (full);
    g_free (crop);
    g_free (rgb);
  }
}
END_TEST

/* Every layout of the same pixels gives the same floats, bit for bit. */
START_TEST (test_layouts)
{
  static const struct
  {
    guint ps, r, g, b;
  } layouts[] = {
    {3, 0, 1, 2},               /* RGB */
    {3, 2, 1, 0},               /* BGR */
    {4, 0, 1, 2},               /* RGBx */
    {4, 1, 2, 3},               /* xRGB */
    {4, 2, 1, 0},               /* BGRx */
    {4, 3, 2, 1},               /* xBGR */
    {8, 5, 3, 1},               /* something odd */
  };
  static const guint pads[] = { 0, 1, 13 };
  guint w = 45, h = 38, l, p, mode, ow, oh;
  guint8 *rgb = random_rgb (w, h, 9);
  Vgg19PackedImage ref_im = rgb_image (rgb, w, h);

  for (mode = VGG19_RESIZE_STRETCH; mode <= VGG19_RESIZE_NONE; mode++) {
    float *ref = run_mode (&ref_im, mode, &ow, &oh);

    for (l = 0; l < G_N_ELEMENTS (layouts); l++)
      for (p = 0; p < G_N_ELEMENTS (pads); p++) {
        gsize stride = (gsize) w * layouts[l].ps + pads[p];
        guint8 *buf = g_new (guint8, stride * h);
        Vgg19PackedImage im = { buf, w, h, stride, layouts[l].ps,
          layouts[l].r, layouts[l].g, layouts[l].b
        };
        guint x, y;
        float *out;

        /* Filler bytes that would show up if read as colour. */
        memset (buf, 0xa5, stride * h);
        for (y = 0; y < h; y++)
          for (x = 0; x < w; x++) {
            guint8 *q = buf + y * stride + x * layouts[l].ps;
            const guint8 *s = rgb + (y * w + x) * 3;
            q[layouts[l].r] = s[0];
            q[layouts[l].g] = s[1];
            q[layouts[l].b] = s[2];
          }
        out = run_mode (&im, mode, &ow, &oh);
        ck_assert_mem_eq (out, ref, 3 * ow * oh * sizeof (float));
        g_free (out);
        g_free (buf);
      }
    g_free (ref);
  }
  g_free (rgb);
}
END_TEST

START_TEST (test_grey)
{
  guint w = 50, h = 41, mode, ow, oh, x, y;
  gsize stride = w + 3;
  guint8 *grey = g_new (guint8, stride * h), *rgb = g_new (guint8, w * h * 3);
  Vgg19PackedImage gim = { grey, w, h, stride, 1, 0, 0, 0 };
  Vgg19PackedImage rim = rgb_image (rgb, w, h);

  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++) {
      guint8 v = (guint8) (x * 5 + y * 3);
      grey[y * stride + x] = v;
      rgb[(y * w + x) * 3] = rgb[(y * w + x) * 3 + 1] =
          rgb[(y * w + x) * 3 + 2] = v;
    }
  for (mode = VGG19_RESIZE_STRETCH; mode <= VGG19_RESIZE_NONE; mode++) {
    float *a = run_mode (&gim, mode, &ow, &oh);
    float *b = run_mode (&rim, mode, &ow, &oh);

    ck_assert_mem_eq (a, b, 3 * ow * oh * sizeof (float));
    g_free (a);
    g_free (b);
  }
  g_free (grey);
  g_free (rgb);
}
END_TEST

static void
assert_rejected (const Vgg19PackedImage * im, Vgg19Resize mode,
    const char *needle)
{
  GError *error = NULL;
  float *out = g_new0 (float, 3 * 224 * 224);

  ck_assert (!vgg19_preprocess_packed (im, mode, out, &error));
  ck_assert_ptr_nonnull (error);
  ck_assert (g_error_matches (error, VGG19_ERROR,
          VGG19_ERROR_INVALID_ARGUMENT));
  if (needle && strstr (error->message, needle) == NULL)
    ck_abort_msg ("\"%s\" not in \"%s\"", needle, error->message);
  g_error_free (error);
  g_free (out);
}

START_TEST (test_invalid_descriptions)
{
  static guint8 data[64 * 64 * 4];
  Vgg19PackedImage ok = { data, 16, 16, 64, 4, 0, 1, 2 }, im;
  GError *error = NULL;

  assert_rejected (NULL, VGG19_RESIZE_STRETCH, "NULL");
  im = ok;
  im.data = NULL;
  assert_rejected (&im, VGG19_RESIZE_STRETCH, "NULL");
  im = ok;
  im.width = 0;
  assert_rejected (&im, VGG19_RESIZE_STRETCH, "0x16");
  im = ok;
  im.height = 0;
  assert_rejected (&im, VGG19_RESIZE_CROP, "16x0");
  im = ok;
  im.pixel_stride = 0;
  assert_rejected (&im, VGG19_RESIZE_STRETCH, "pixel_stride 0");
  im = ok;
  im.pixel_stride = 9;
  im.stride = 16 * 9;
  assert_rejected (&im, VGG19_RESIZE_STRETCH, "pixel_stride 9");
  im = ok;
  im.b_offset = 4;
  assert_rejected (&im, VGG19_RESIZE_STRETCH, "b=4");
  im = ok;
  im.pixel_stride = 3;
  im.r_offset = 3;
  assert_rejected (&im, VGG19_RESIZE_STRETCH, "r=3");
  im = ok;
  im.stride = 63;
  assert_rejected (&im, VGG19_RESIZE_STRETCH, "stride");
  im = ok;
  im.width = G_MAXUINT;
  assert_rejected (&im, VGG19_RESIZE_STRETCH, "stride");
  /* Sizes whose byte count overflows. */
  im = ok;
  im.height = G_MAXUINT;
  im.stride = G_MAXSIZE / 2;
  assert_rejected (&im, VGG19_RESIZE_STRETCH, "rows");
  im = ok;
  im.width = G_MAXUINT;
  im.stride = G_MAXSIZE;
  im.pixel_stride = 8;
  im.height = 2;
  assert_rejected (&im, VGG19_RESIZE_STRETCH, NULL);
  /* Too small for the native size, fine when resized. */
  im = ok;
  assert_rejected (&im, VGG19_RESIZE_NONE, "16x16");
  {
    float *out = g_new (float, 3 * 224 * 224);

    ck_assert (vgg19_preprocess_packed (&ok, VGG19_RESIZE_CROP, out, NULL));
    ck_assert (!vgg19_preprocess_packed (&ok, VGG19_RESIZE_CROP, NULL,
            &error));
    ck_assert (g_error_matches (error, VGG19_ERROR,
            VGG19_ERROR_INVALID_ARGUMENT));
    g_clear_error (&error);
    ck_assert (!vgg19_preprocess_packed (&ok, (Vgg19Resize) 7, out, &error));
    g_clear_error (&error);
    g_free (out);
  }
  /* Windows outside the resized image. */
  {
    float out[3 * 4];

    ck_assert (!vgg19_preprocess_window (&ok, 4, 4, 1, 0, 4, 1, out,
            &error));
    g_clear_error (&error);
    ck_assert (!vgg19_preprocess_window (&ok, 0, 4, 0, 0, 0, 1, out,
            &error));
    g_clear_error (&error);
  }
}
END_TEST

/* ---------------------------------------------------------------- */
/* Golden values, made once by running torch 1.13 on the image from
 * pattern_rgb():
 *   x = torch.from_numpy(rgb).permute(2, 0, 1).to(torch.float32) / 255.0
 *   x = F.interpolate(x[None], size=(oh, ow), mode="bilinear",
 *                     align_corners=False, antialias=True)[0]
 *   x = torchvision.transforms.functional.normalize(x, mean, std)
 * (and TF.resize(x, 256, antialias=True) + TF.center_crop(x, 224) for
 * crop), printed with "%.9g". They were made with
 * ATEN_CPU_CAPABILITY=default: torch's AVX2 kernels contract the
 * multiply-adds into FMAs and so differ in the last bit or two. */

/* 7x5 -> 3x4, every value, in (c, y, x) order. */
static const float golden_7x5_to_3x4[36] = {
  -1.18521655, 0.108062178, 0.669149339, 0.241438374, 0.120989881,
  -0.487586558, -0.497780114, -0.467799634, 0.782499135, -0.114919573,
  0.275784194, -0.687375307, -0.837109983, -0.185378551, -1.06720173,
  -0.694136143, -0.0424045809, -0.924227893, -0.551162124, 0.100569129,
  -0.781253874, -0.408188432, 0.243542835, -0.638280034, 2.02811074,
  0.9450109, -0.138089001, 1.19441414, 0.111314595, -0.307816148,
  0.360717922, -0.569278419, 0.903512776, -0.472978503, -0.506225824,
  1.58366621,
};

/* 7x5 -> 11x9 at rows 0 4 8 and columns 0 3 5 10, for c = 0, 1, 2. */
static const float golden_7x5_to_11x9[36] = {
  -2.11790395, -1.0234766, -0.217056304, 1.6837914, 0.998801291,
  -1.0950892, -1.4842881, 0.416559666, -0.268430561, 0.825996995,
  1.63241708, -0.850672126, -1.16036403, -0.436210722, 0.887955248,
  -1.93067217, -0.915266037, -0.191112712, 1.1330533, -1.68557417,
  -0.670167983, 0.0539853089, 1.3781513, -1.44047606, 2.6400001,
  1.76695609, 1.12366033, -0.392679662, 1.21080625, 0.337762058,
  -0.305533677, 2.6400001, -0.218387708, -1.09143198, -1.73472762,
  1.21080625,
};

/* 40x30 at (y, x) = (0,0) (0,223) (223,0) (223,223) (17,101) (150,64)
 * (111,112), for c = 0, 1, 2. */
static const guint golden_points[7][2] = { {0, 0}, {0, 223}, {223, 0},
{223, 223}, {17, 101}, {150, 64}, {111, 112}
};

static const float golden_40x30_stretch[21] = {
  -2.11790395, 0.673430979, -0.765048385, 2.02628636, -0.544032156,
  0.423058152, 0.199980348, -1.16036403, -0.0924369544, 2.39355755,
  -1.02030814, 1.47061002, 1.82965827, 2.04490209, 2.6400001, 0.775076449,
  -0.235816911, 2.36113286, 1.33771276, 0.872259557, 0.272353113,
};

static const float golden_40x30_crop[21] = {
  -0.236624196, -0.00744706672, 1.03207946, 0.0706817359, -0.259797245,
  1.18082762, 0.119752757, -0.683439732, -0.282987952, 0.895939052,
  0.586668968, 1.17647922, 0.742378354, 2.05374384, 0.334461421,
  -0.429178894, 2.03476071, 1.27112091, -0.0883250758, -0.1085141,
  0.311500639,
};

START_TEST (test_golden_small)
{
  static const guint rows[3] = { 0, 4, 8 }, cols[4] = { 0, 3, 5, 10 };
  guint8 *rgb = pattern_rgb (7, 5);
  Vgg19PackedImage im = rgb_image (rgb, 7, 5);
  float down[3 * 4 * 3], up[3 * 9 * 11];
  guint i, c, y, x;

  ck_assert (vgg19_preprocess_window (&im, 3, 4, 0, 0, 3, 4, down, NULL));
  for (i = 0; i < 36; i++)
    ck_assert_float_eq_tol (down[i], golden_7x5_to_3x4[i], TOL);

  ck_assert (vgg19_preprocess_window (&im, 11, 9, 0, 0, 11, 9, up, NULL));
  i = 0;
  for (c = 0; c < 3; c++)
    for (y = 0; y < 3; y++)
      for (x = 0; x < 4; x++, i++)
        ck_assert_float_eq_tol (up[(c * 9 + rows[y]) * 11 + cols[x]],
            golden_7x5_to_11x9[i], TOL);

  /* A window of the upscaled image equals the same part of the whole. */
  {
    float part[3 * 4 * 5];

    ck_assert (vgg19_preprocess_window (&im, 11, 9, 6, 2, 5, 4, part,
            NULL));
    for (c = 0; c < 3; c++)
      for (y = 0; y < 4; y++)
        for (x = 0; x < 5; x++)
          ck_assert_float_eq (part[(c * 4 + y) * 5 + x],
              up[(c * 9 + y + 2) * 11 + x + 6]);
  }
  g_free (rgb);
}
END_TEST

START_TEST (test_golden_classifier_modes)
{
  guint8 *rgb = pattern_rgb (40, 30);
  Vgg19PackedImage im = rgb_image (rgb, 40, 30);
  guint ow, oh, c, p;
  float *st = run_mode (&im, VGG19_RESIZE_STRETCH, &ow, &oh);
  float *cr = run_mode (&im, VGG19_RESIZE_CROP, &ow, &oh);

  for (c = 0; c < 3; c++)
    for (p = 0; p < 7; p++) {
      gsize at = ((gsize) c * 224 + golden_points[p][0]) * 224
          + golden_points[p][1];

      ck_assert_float_eq_tol (st[at], golden_40x30_stretch[c * 7 + p], TOL);
      ck_assert_float_eq_tol (cr[at], golden_40x30_crop[c * 7 + p], TOL);
    }
  g_free (st);
  g_free (cr);
  g_free (rgb);
}
END_TEST

/* ---------------------------------------------------------------- */
/* Preprocessors                                                     */
/* ---------------------------------------------------------------- */

/* A preprocessor keeps the tables of the last size and the rows of the
 * last image: each image of a sequence whose size changes back and forth,
 * whose pixels differ from one image to the next (stale rows would show,
 * in images with fewer rows than the filter's taps) and whose layout
 * changes at a constant size (the tables depend on the size only) must
 * come out bit for bit as the one-shot function gives it. */
START_TEST (test_preprocessor_matches_one_shot)
{
  static const guint sizes[][2] = {
    {640, 480}, {640, 480}, {97, 300}, {640, 480}, {224, 224}, {33, 2000},
    {97, 300}, {1, 1}, {1, 1}, {7, 5}, {7, 5}, {640, 480}, {300, 97},
    {300, 97},
  };
  static const Vgg19Resize modes[] = {
    VGG19_RESIZE_STRETCH, VGG19_RESIZE_CROP, VGG19_RESIZE_NONE,
  };
  guint m, i;

  for (m = 0; m < G_N_ELEMENTS (modes); m++) {
    GError *error = NULL;
    /* Tables built up front for the first size, or at the first image. */
    Vgg19Preprocessor *pre = vgg19_preprocessor_new (modes[m],
        m == 1 ? sizes[0][0] : 0, m == 1 ? sizes[0][1] : 0, &error);

    ck_assert_msg (pre != NULL, "%s", error ? error->message : "");
    ck_assert_int_eq (vgg19_preprocessor_get_resize (pre), modes[m]);
    for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
      guint w = sizes[i][0], h = sizes[i][1], ow, oh;
      /* Alternately packed RGB and padded BGRx rows. */
      guint ps = i % 2 ? 4 : 3;
      gsize stride = (gsize) w * ps + (i % 2 ? 12 : 0);
      guint8 *px = random_rgb (stride, h, 1000 * m + i);
      Vgg19PackedImage im = { px, w, h, stride, ps, i % 2 ? 2 : 0, 1,
        i % 2 ? 0 : 2
      };
      float *expected, *got;
      gsize n;

      if (!vgg19_preprocess_size (modes[m], w, h, &ow, &oh, NULL)) {
        /* Too small for "none": refused, and the preprocessor stays
         * usable for the next image. */
        float dummy[3];

        ck_assert (!vgg19_preprocessor_run (pre, &im, dummy, &error));
        ck_assert (g_error_matches (error, VGG19_ERROR,
                VGG19_ERROR_INVALID_ARGUMENT));
        g_clear_error (&error);
        g_free (px);
        continue;
      }
      n = 3 * (gsize) ow * oh;
      expected = g_new (float, n);
      got = g_new (float, n);
      memset (got, 0xff, n * sizeof (float));
      ck_assert (vgg19_preprocess_packed (&im, modes[m], expected, NULL));
      ck_assert_msg (vgg19_preprocessor_run (pre, &im, got, &error),
          "%s", error ? error->message : "");
      ck_assert_msg (memcmp (expected, got, n * sizeof (float)) == 0,
          "%s, image %u (%ux%u): differs from vgg19_preprocess_packed()",
          vgg19_resize_to_string (modes[m]), i, w, h);
      g_free (expected);
      g_free (got);
      g_free (px);
    }
    vgg19_preprocessor_free (pre);
  }
}
END_TEST

/* The golden values computed by torch, through a preprocessor that has
 * seen another size first. */
START_TEST (test_preprocessor_golden)
{
  guint8 *rgb = pattern_rgb (40, 30), *other = random_rgb (64, 48, 7);
  Vgg19PackedImage im = rgb_image (rgb, 40, 30);
  Vgg19PackedImage first = rgb_image (other, 64, 48);
  float *out = g_new (float, 3 * 224 * 224);
  guint m, c, p;

  for (m = 0; m < 2; m++) {
    Vgg19Resize mode = m == 0 ? VGG19_RESIZE_STRETCH : VGG19_RESIZE_CROP;
    const float *golden = m == 0 ? golden_40x30_stretch : golden_40x30_crop;
    Vgg19Preprocessor *pre = vgg19_preprocessor_new (mode, 64, 48, NULL);

    ck_assert (vgg19_preprocessor_run (pre, &first, out, NULL));
    ck_assert (vgg19_preprocessor_run (pre, &im, out, NULL));
    for (c = 0; c < 3; c++)
      for (p = 0; p < 7; p++) {
        gsize at = ((gsize) c * 224 + golden_points[p][0]) * 224
            + golden_points[p][1];

        ck_assert_float_eq_tol (out[at], golden[c * 7 + p], TOL);
      }
    vgg19_preprocessor_free (pre);
  }
  g_free (out);
  g_free (other);
  g_free (rgb);
}
END_TEST

START_TEST (test_preprocessor_errors)
{
  GError *error = NULL;
  guint8 *rgb = pattern_rgb (40, 30);
  Vgg19PackedImage im = rgb_image (rgb, 40, 30), bad = im;
  float *out = g_new (float, 3 * 224 * 224);
  Vgg19Preprocessor *pre;

  ck_assert_ptr_null (vgg19_preprocessor_new ((Vgg19Resize) 7, 0, 0,
          &error));
  ck_assert (g_error_matches (error, VGG19_ERROR,
          VGG19_ERROR_INVALID_ARGUMENT));
  ck_assert_msg (strstr (error->message, "resize mode 7") != NULL, "%s",
      error->message);
  g_clear_error (&error);
  ck_assert_ptr_null (vgg19_preprocessor_new (VGG19_RESIZE_CROP, 640, 0,
          &error));
  ck_assert_msg (strstr (error->message, "640x0") != NULL, "%s",
      error->message);
  g_clear_error (&error);
  /* The size is checked as vgg19_preprocess_size() does. */
  ck_assert_ptr_null (vgg19_preprocessor_new (VGG19_RESIZE_NONE, 16, 16,
          &error));
  ck_assert_msg (strstr (error->message, "smaller than the network's "
          "minimum") != NULL, "%s", error->message);
  g_clear_error (&error);

  ck_assert (!vgg19_preprocessor_run (NULL, &im, out, &error));
  ck_assert (g_error_matches (error, VGG19_ERROR,
          VGG19_ERROR_INVALID_ARGUMENT));
  g_clear_error (&error);

  pre = vgg19_preprocessor_new (VGG19_RESIZE_STRETCH, 40, 30, NULL);
  ck_assert (vgg19_preprocessor_run (pre, &im, out, NULL));
  /* The same checks as the one-shot function, with the same messages. */
  bad.stride = 10;
  ck_assert (!vgg19_preprocessor_run (pre, &bad, out, &error));
  ck_assert_msg (strstr (error->message, "stride of 10 bytes is shorter")
      != NULL, "%s", error->message);
  g_clear_error (&error);
  ck_assert (!vgg19_preprocessor_run (pre, NULL, out, &error));
  ck_assert_msg (strstr (error->message, "no pixel data") != NULL, "%s",
      error->message);
  g_clear_error (&error);
  ck_assert (!vgg19_preprocessor_run (pre, &im, NULL, &error));
  ck_assert_msg (strstr (error->message, "no output buffer") != NULL, "%s",
      error->message);
  g_clear_error (&error);
  /* Still usable. */
  ck_assert (vgg19_preprocessor_run (pre, &im, out, NULL));
  vgg19_preprocessor_free (pre);
  vgg19_preprocessor_free (NULL);

  g_free (out);
  g_free (rgb);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("preprocess");
  TCase *tc = tcase_create ("preprocess");
  SRunner *sr;
  int failed;

  tcase_add_test (tc, test_mode_names);
  tcase_add_test (tc, test_sizes);
  tcase_add_test (tc, test_none_is_pointwise);
  tcase_add_test (tc, test_constant_stays_constant);
  tcase_add_test (tc, test_one_pixel);
  tcase_add_test (tc, test_weights_sum_to_one);
  tcase_add_test (tc, test_halving_weights);
  tcase_add_test (tc, test_crop_geometry);
  tcase_add_test (tc, test_crop_is_window_of_full_resize);
  tcase_add_test (tc, test_layouts);
  tcase_add_test (tc, test_grey);
  tcase_add_test (tc, test_invalid_descriptions);
  tcase_add_test (tc, test_golden_small);
  tcase_add_test (tc, test_golden_classifier_modes);
  tcase_add_test (tc, test_preprocessor_matches_one_shot);
  tcase_add_test (tc, test_preprocessor_golden);
  tcase_add_test (tc, test_preprocessor_errors);
  suite_add_tcase (s, tc);
  sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? 0 : 1;
}
