/* What the tests of the vgg19 element share; see gst_test_util.h. */
#include <math.h>
#include <string.h>

#include <unistd.h>

#include "gst_test_util.h"
#include "gst_test_pixels.h"

static TestOracle *oracle;

const TestOracle *
gst_test_oracle (void)
{
  GError *error = NULL;

  if (!oracle) {
    oracle = test_oracle_load (g_getenv (TEST_ORACLE_DIR_ENV), &error);
    fail_unless (oracle != NULL, "%s", error ? error->message : "?");
  }
  return oracle;
}

const char *
gst_test_weights (const char *key)
{
  const TestOracleWeights *w =
      test_oracle_get_weights (gst_test_oracle (), key);

  fail_unless (w != NULL, "no weights \"%s\" in the reference data", key);
  return w->path;
}

const TestOracleCase *
gst_test_case (const char *id)
{
  const TestOracleCase *c = test_oracle_get_case (gst_test_oracle (), id);

  fail_unless (c != NULL, "no case \"%s\" in the reference data", id);
  return c;
}

const char *
gst_test_tap_path (const TestOracleCase * c, const char *tap)
{
  const TestOracleTap *t = test_oracle_case_get_tap (c, tap);

  fail_unless (t != NULL, "case %s has no tap %s", c->id, tap);
  return t->path;
}

TestNpy *
gst_test_npy (const char *path)
{
  GError *error = NULL;
  TestNpy *npy = test_npy_load (path, &error);

  fail_unless (npy != NULL, "%s", error ? error->message : "?");
  return npy;
}

GstBuffer *
gst_test_case_rgb_buffer (const TestOracleCase * c, GstVideoInfo * info)
{
  TestNpy *npy = gst_test_npy (c->rgb);
  GstVideoFrame frame;
  GstBuffer *buf;
  guint y;

  fail_unless (npy->dtype == TEST_NPY_U8 && npy->n_dims == 3
      && npy->shape[2] == 3, "%s is not uint8 (H, W, 3)", c->rgb);
  fail_unless (gst_video_info_set_format (info, GST_VIDEO_FORMAT_RGB,
          npy->shape[1], npy->shape[0]));
  buf = gst_buffer_new_allocate (NULL, info->size, NULL);
  fail_unless (gst_video_frame_map (&frame, info, buf, GST_MAP_WRITE));
  for (y = 0; y < npy->shape[0]; y++)
    memcpy ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) +
        y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0),
        test_npy_u8 (npy) + y * npy->shape[1] * 3, npy->shape[1] * 3);
  gst_video_frame_unmap (&frame);
  test_npy_free (npy);
  return buf;
}

GstBuffer *
gst_test_convert (GstBuffer * buf, const GstVideoInfo * in,
    const GstVideoInfo * out)
{
  GstVideoConverter *conv;
  GstVideoFrame in_frame, out_frame;
  GstBuffer *res = gst_buffer_new_allocate (NULL, out->size, NULL);

  conv = gst_video_converter_new ((GstVideoInfo *) in, (GstVideoInfo *) out,
      NULL);
  fail_unless (conv != NULL);
  fail_unless (gst_video_frame_map (&in_frame, (GstVideoInfo *) in, buf,
          GST_MAP_READ));
  fail_unless (gst_video_frame_map (&out_frame, (GstVideoInfo *) out, res,
          GST_MAP_WRITE));
  gst_video_converter_frame (conv, &in_frame, &out_frame);
  gst_video_frame_unmap (&out_frame);
  gst_video_frame_unmap (&in_frame);
  gst_video_converter_free (conv);
  return res;
}

guint8 *
gst_test_frame_rgb (GstBuffer * buf, const GstVideoInfo * info)
{
  guint width = GST_VIDEO_INFO_WIDTH (info);
  guint height = GST_VIDEO_INFO_HEIGHT (info);
  gboolean full = info->colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255;
  guint8 *rgb = g_malloc (width * height * 3);
  GstVideoFrame frame;
  gdouble kr = 0.299, kb = 0.114;
  guint x, y, k;

  fail_unless (gst_video_frame_map (&frame, (GstVideoInfo *) info, buf,
          GST_MAP_READ));
  if (GST_VIDEO_INFO_IS_YUV (info))
    fail_unless (gst_video_color_matrix_get_Kr_Kb (info->colorimetry.matrix,
            &kr, &kb));
  for (y = 0; y < height; y++) {
    for (x = 0; x < width; x++) {
      guint8 *d = rgb + (y * width + x) * 3;

      if (GST_VIDEO_INFO_IS_GRAY (info)) {
        d[0] = d[1] = d[2] = gst_test_component (&frame, 0, x, y);
      } else if (GST_VIDEO_INFO_IS_RGB (info)) {
        for (k = 0; k < 3; k++)
          d[k] = gst_test_component (&frame, k, x, y);
      } else {
        /* ITU-R BT.601 / BT.709 */
        double yv = gst_test_component (&frame, 0, x, y);
        double cb = gst_test_component (&frame, 1, x, y) - 128.0;
        double cr = gst_test_component (&frame, 2, x, y) - 128.0;
        double Y = full ? yv / 255.0 : (yv - 16.0) / 219.0;
        double Cb = full ? cb / 255.0 : cb / 224.0;
        double Cr = full ? cr / 255.0 : cr / 224.0;
        double R = Y + 2.0 * (1.0 - kr) * Cr;
        double B = Y + 2.0 * (1.0 - kb) * Cb;
        double G = (Y - kr * R - kb * B) / (1.0 - kr - kb);

        d[0] = gst_test_round_level (R * 255.0);
        d[1] = gst_test_round_level (G * 255.0);
        d[2] = gst_test_round_level (B * 255.0);
      }
    }
  }
  gst_video_frame_unmap (&frame);
  return rgb;
}

float *
gst_test_core_tap (Vgg19Session * session, const guint8 * rgb, guint width,
    guint height, Vgg19Resize resize, const char *tap, gsize * n_values)
{
  GError *error = NULL;
  Vgg19PackedImage image = { rgb, width, height, (gsize) width * 3, 3, 0, 1,
    2
  };
  const char *taps[] = { tap, NULL };
  const Vgg19Tensor *t;
  guint iw, ih;
  float *input, *out;
  gsize n;

  fail_unless (vgg19_preprocess_size (resize, width, height, &iw, &ih,
          &error), "%s", error ? error->message : "?");
  input = g_new (float, (gsize) 3 * iw * ih);
  fail_unless (vgg19_preprocess_packed (&image, resize, input, &error), "%s",
      error ? error->message : "?");
  fail_unless (vgg19_session_reshape (session, iw, ih, taps, &error), "%s",
      error ? error->message : "?");
  fail_unless (vgg19_session_run (session, input, &error), "%s",
      error ? error->message : "?");
  t = vgg19_session_get_output (session, tap);
  fail_unless (t != NULL);
  n = (gsize) t->channels * t->height * t->width;
  out = g_memdup2 (t->data, n * sizeof (float));
  g_free (input);
  *n_values = n;
  return out;
}

double
gst_test_max_abs_diff (const float *a, const float *b, gsize n)
{
  double worst = 0.0;
  gsize i;

  for (i = 0; i < n; i++)
    worst = MAX (worst, fabs ((double) a[i] - b[i]));
  return worst;
}

double
gst_test_max_abs (const float *a, gsize n)
{
  double worst = 0.0;
  gsize i;

  for (i = 0; i < n; i++)
    worst = MAX (worst, fabs ((double) a[i]));
  return worst;
}

GstHarness *
gst_test_harness_new (GstBus ** bus, const gchar * first_property, ...)
{
  GstElement *element = gst_element_factory_make ("vgg19", NULL);
  GstHarness *h;
  va_list args;

  fail_unless (element != NULL, "the vgg19 element is not found: is "
      "GST_PLUGIN_PATH set to the build directory of the plugin?");
  if (bus) {
    *bus = gst_bus_new ();
    gst_element_set_bus (element, *bus);
  }
  va_start (args, first_property);
  g_object_set_valist (G_OBJECT (element), first_property, args);
  va_end (args);

  /* starts the element: the properties must be set before */
  h = gst_harness_new_with_element (element, "sink", "src");
  gst_object_unref (element);
  gst_harness_set_live (h, FALSE);
  return h;
}

GList *
gst_test_pop_results (GstBus * bus)
{
  GList *results = NULL;
  GstMessage *msg;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    if (gst_message_has_name (msg, "vgg19"))
      results = g_list_append (results, msg);
    else
      gst_message_unref (msg);
  }
  return results;
}

void
gst_test_bus_free (GstBus * bus)
{
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

GstMessage *
gst_test_pop_error (GstBus * bus)
{
  return gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
}

void
gst_test_isolate_lookup (void)
{
  /* a directory that does not exist: nothing to find, nothing left */
  gchar *name = g_strdup_printf ("vgg19-gst-test-no-cache-%u-%u",
      (guint) getpid (), g_random_int ());
  gchar *dir = g_build_filename (g_get_tmp_dir (), name, NULL);

  g_setenv ("XDG_CACHE_HOME", dir, TRUE);
  g_unsetenv ("VGG19_WEIGHTS");
  g_unsetenv ("VGG19_LABELS");
  g_free (dir);
  g_free (name);
}

/* A frame of @format, @width x @height, from a smooth random picture
 * (seeded): made as RGB, converted by GStreamer. */
GstBuffer *
gst_test_make_frame (GstVideoFormat format, guint width, guint height,
    guint32 seed, GstVideoInfo * info)
{
  GstVideoInfo rgb_info;
  GstBuffer *rgb, *frame;
  GstMapInfo map;
  GRand *rand = g_rand_new_with_seed (seed);
  double phase[3], freq[3];
  guint x, y, k;

  for (k = 0; k < 3; k++) {
    phase[k] = g_rand_double_range (rand, 0, 6.28);
    freq[k] = g_rand_double_range (rand, 0.05, 0.4);
  }
  fail_unless (gst_video_info_set_format (&rgb_info, GST_VIDEO_FORMAT_RGB,
          width, height));
  rgb = gst_buffer_new_allocate (NULL, rgb_info.size, NULL);
  fail_unless (gst_buffer_map (rgb, &map, GST_MAP_WRITE));
  for (y = 0; y < height; y++) {
    guint8 *row = map.data + y * rgb_info.stride[0];

    for (x = 0; x < width; x++)
      for (k = 0; k < 3; k++)
        row[x * 3 + k] = (guint8) (127.5 + 100 * sin (phase[k] + freq[k] *
                (x + 2 * k * y)) + g_rand_int_range (rand, -20, 21));
  }
  gst_buffer_unmap (rgb, &map);
  g_rand_free (rand);

  fail_unless (gst_video_info_set_format (info, format, width, height));
  if (format == GST_VIDEO_FORMAT_RGB)
    return rgb;
  frame = gst_test_convert (rgb, &rgb_info, info);
  gst_buffer_unref (rgb);
  return frame;
}

gchar *
gst_test_wait_end (GstElement * pipeline, GstClockTime timeout,
    GstTestVgg19MessageFunc on_vgg19, gpointer user_data, GList ** warnings)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  gint64 deadline = g_get_monotonic_time () + timeout / GST_USECOND;
  gchar *error_text = NULL;

  for (;;) {
    GstMessage *msg;
    gint64 now = g_get_monotonic_time ();
    gboolean end = FALSE;

    fail_unless (now < deadline, "neither EOS nor an error");
    msg = gst_bus_timed_pop (bus, (deadline - now) * GST_USECOND);
    if (!msg)
      continue;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT
        && gst_message_has_name (msg, "vgg19")) {
      on_vgg19 (gst_message_get_structure (msg), user_data);
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      GError *warning = NULL;

      gst_message_parse_warning (msg, &warning, NULL);
      *warnings = g_list_append (*warnings, g_strdup (warning->message));
      g_error_free (warning);
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *error = NULL;

      gst_message_parse_error (msg, &error, NULL);
      error_text = g_strdup (error->message);
      g_error_free (error);
      end = TRUE;
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      end = TRUE;
    }
    gst_message_unref (msg);
    if (end)
      break;
  }
  gst_object_unref (bus);
  return error_text;
}

GstElement *
gst_test_launch (const gchar * format, ...)
{
  GError *error = NULL;
  GstElement *pipeline;
  va_list args;
  gchar *description;

  va_start (args, format);
  description = g_strdup_vprintf (format, args);
  va_end (args);
  pipeline = gst_parse_launch (description, &error);
  fail_unless (pipeline != NULL && error == NULL, "%s: %s", description,
      error ? error->message : "?");
  g_free (description);
  return pipeline;
}

void
gst_test_set_caps (GstHarness * h, const GstVideoInfo * info)
{
  GstCaps *caps = gst_video_info_to_caps (info);

  gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION, 25, 1, NULL);
  gst_harness_set_src_caps (h, caps);
}
