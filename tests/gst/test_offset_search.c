/* Frame signatures (gst/frame_signature.c) and the offset search between
 * two streams (gst/offset_search.c), on their own.
 *
 *   - signatures: the exact area average (frames wider, narrower and not
 *     multiples of the grid), luma of RGB frames, every accepted format
 *     and other sizes of the same picture giving the same signature,
 *     brightness and contrast making no difference, other pictures a
 *     lower correlation, flat frames flagged;
 *   - the search, on synthetic moving content rendered at any size and
 *     format: every shift from -N to N found exactly, shifts past N never
 *     reported as a confident offset in range, still, repeating and plain
 *     content giving offset 0 and the reason, inputs of different sizes
 *     and formats, mild and stronger distortion of the distorted stream
 *     (blur, noise, blocks, levels), streams that end before the window
 *     is full, and videotestsrc's moving ball.
 *
 * No weights needed.
 */
#include <math.h>
#include <string.h>

#include <gst/app/gstappsink.h>
#include <gst/check/gstcheck.h>
#include <gst/video/video.h>
#include <vgg19/vgg19.h>

#include "frame_signature.h"
#include "offset_search.h"

/* The test content: a function of time and of the position in the
 * picture (u, v in [0, 1)), so that it renders the same at any size. */
typedef enum
{
  /* coloured blobs moving along incommensurate paths over a gradient */
  SCENE_MOVING,
  /* the moving scene four times slower: about half a thumbnail cell per
   * frame */
  SCENE_SLOW,
  /* 50 times slower: a twenty-fifth of a cell per frame */
  SCENE_CRAWL,
  /* the moving scene's first picture, for ever */
  SCENE_STILL,
  /* the blobs' paths repeating every PERIOD frames */
  SCENE_PERIODIC,
  /* plain grey */
  SCENE_FLAT,
  /* plain black for FADE_FRAMES frames, then the moving scene */
  SCENE_FADE_IN,
} Scene;

#define N_BLOBS 4
#define PERIOD 4
#define FADE_FRAMES 8

/* What the distorted stream goes through, like a lossy encode. */
typedef struct
{
  gboolean blur;                /* 3x3 box */
  gboolean blocks;              /* 8x8 blocks halfway to their mean */
  gdouble noise;                /* uniform, +-levels */
  gdouble gain, bias;           /* levels: v * gain + bias */
  /* every this many frames, from the first, one with a fifth of the
   * noise, like the key frames of an encode (0: all alike) */
  guint key_interval;
} Distortion;

static const Distortion lossless = { FALSE, FALSE, 0.0, 1.0, 0.0, 0 };
static const Distortion mild = { TRUE, FALSE, 4.0, 0.95, 6.0, 0 };
static const Distortion strong = { TRUE, TRUE, 12.0, 0.8, 20.0, 0 };

/* for small frames, where the thumbnail's cells average a few pixels
 * only: frames of very unequal quality */
static const Distortion uneven = { FALSE, FALSE, 60.0, 1.0, 0.0, 8 };

/* The picture of @scene at frame time @t, as 8-bit RGB. */
static void
render (Scene scene, gdouble t, guint width, guint height, guint8 * rgb,
    gsize stride)
{
  static const gdouble colour[N_BLOBS][3] = {
    {230, 40, 40}, {40, 220, 60}, {60, 80, 240}, {240, 240, 200},
  };
  static const gdouble freq[N_BLOBS][2] = {
    {0.173, 0.131}, {0.119, 0.207}, {0.229, 0.097}, {0.143, 0.181},
  };
  gdouble *gx = g_new (gdouble, (gsize) N_BLOBS * width);
  gdouble *gy = g_new (gdouble, (gsize) N_BLOBS * height);
  gdouble sigma = 0.08;
  guint k, x, y, c;

  if (scene == SCENE_FADE_IN && t < FADE_FRAMES) {
    for (y = 0; y < height; y++)
      memset (rgb + y * stride, 0, width * 3);
    goto done;
  }
  if (scene == SCENE_FLAT) {
    for (y = 0; y < height; y++)
      memset (rgb + y * stride, 110, width * 3);
    goto done;
  }
  if (scene == SCENE_STILL)
    t = 0.0;
  else if (scene == SCENE_SLOW)
    t /= 4.0;
  else if (scene == SCENE_CRAWL)
    t /= 50.0;

  /* each blob is separable: gx (u) gy (v) */
  for (k = 0; k < N_BLOBS; k++) {
    gdouble fu = freq[k][0], fv = freq[k][1], cu, cv;

    if (scene == SCENE_PERIODIC)
      fu = fv = 2 * G_PI / PERIOD;
    cu = 0.5 + 0.38 * sin (fu * t + 1.1 * k);
    cv = 0.5 + 0.38 * sin (fv * t + 2.3 * k + 0.4);
    for (x = 0; x < width; x++) {
      gdouble d = ((x + 0.5) / width - cu) / sigma;

      gx[k * width + x] = exp (-0.5 * d * d);
    }
    for (y = 0; y < height; y++) {
      gdouble d = ((y + 0.5) / height - cv) / sigma;

      gy[k * height + y] = exp (-0.5 * d * d);
    }
  }
  for (y = 0; y < height; y++) {
    guint8 *row = rgb + y * stride;
    gdouble v = (y + 0.5) / height;

    for (x = 0; x < width; x++) {
      gdouble u = (x + 0.5) / width;
      gdouble p[3] = { 50 + 50 * u, 40 + 40 * v, 70 };

      for (k = 0; k < N_BLOBS; k++) {
        gdouble a = gx[k * width + x] * gy[k * height + y];

        for (c = 0; c < 3; c++)
          p[c] += a * (colour[k][c] - p[c]);
      }
      for (c = 0; c < 3; c++)
        row[x * 3 + c] = (guint8) CLAMP (p[c] + 0.5, 0, 255);
    }
  }

done:
  g_free (gx);
  g_free (gy);
}

static guint8
to_level (gdouble v)
{
  return v <= 0 ? 0 : v >= 255 ? 255 : (guint8) floor (v + 0.5);
}

static void
distort (const Distortion * d, guint frame_number, GRand * rand, guint width,
    guint height, guint8 * rgb, gsize stride)
{
  guint8 *copy = g_memdup2 (rgb, stride * height);
  gdouble noise = d->noise;
  guint x, y, c;

  if (d->key_interval && frame_number % d->key_interval == 0)
    noise /= 5;

  if (d->blur) {
    for (y = 0; y < height; y++)
      for (x = 0; x < width; x++)
        for (c = 0; c < 3; c++) {
          gint dx, dy, sum = 0;

          for (dy = -1; dy <= 1; dy++)
            for (dx = -1; dx <= 1; dx++) {
              guint sx = CLAMP ((gint) x + dx, 0, (gint) width - 1);
              guint sy = CLAMP ((gint) y + dy, 0, (gint) height - 1);

              sum += copy[sy * stride + sx * 3 + c];
            }
          rgb[y * stride + x * 3 + c] = (sum + 4) / 9;
        }
  }
  if (d->blocks) {
    guint bx, by;

    for (by = 0; by < height; by += 8)
      for (bx = 0; bx < width; bx += 8)
        for (c = 0; c < 3; c++) {
          guint n = 0, sum = 0;
          gdouble mean;

          for (y = by; y < MIN (by + 8, height); y++)
            for (x = bx; x < MIN (bx + 8, width); x++, n++)
              sum += rgb[y * stride + x * 3 + c];
          mean = (gdouble) sum / n;
          for (y = by; y < MIN (by + 8, height); y++)
            for (x = bx; x < MIN (bx + 8, width); x++) {
              guint8 *p = &rgb[y * stride + x * 3 + c];

              *p = to_level (0.5 * (*p + mean));
            }
        }
  }
  for (y = 0; y < height; y++)
    for (x = 0; x < width * 3; x++) {
      guint8 *p = &rgb[y * stride + x];
      gdouble v = *p * d->gain + d->bias;

      if (noise > 0)
        v += g_rand_double_range (rand, -noise, noise);
      *p = to_level (v);
    }
  g_free (copy);
}

/* One input: pictures rendered in RGB, distorted, converted to its format
 * by GStreamer's converter, and their signatures. */
typedef struct
{
  GstVideoInfo rgb_info;
  GstVideoInfo info;
  GstVideoConverter *conv;
  GstVgg19SignatureMaker *maker;
  Distortion distortion;
  GRand *rand;
  guint n_frames;
} Stream;

static void
stream_init (Stream * s, GstVideoFormat format, guint width, guint height,
    const Distortion * distortion, guint32 seed)
{
  fail_unless (gst_video_info_set_format (&s->rgb_info,
          GST_VIDEO_FORMAT_RGB, width, height));
  fail_unless (gst_video_info_set_format (&s->info, format, width, height));
  s->conv = NULL;
  if (format != GST_VIDEO_FORMAT_RGB) {
    s->conv = gst_video_converter_new (&s->rgb_info, &s->info, NULL);
    fail_unless (s->conv != NULL);
  }
  s->maker = gst_vgg19_signature_maker_new (&s->info, NULL);
  fail_unless (s->maker != NULL);
  s->distortion = *distortion;
  s->rand = g_rand_new_with_seed (seed);
  s->n_frames = 0;
}

static void
stream_clear (Stream * s)
{
  if (s->conv)
    gst_video_converter_free (s->conv);
  gst_vgg19_signature_maker_free (s->maker);
  g_rand_free (s->rand);
}

/* The frame of @scene at time @t, in the stream's format. */
static GstBuffer *
stream_render (Stream * s, Scene scene, gdouble t)
{
  GstBuffer *rgb_buf, *buf;
  GstVideoFrame rgb_frame, frame;
  guint width = GST_VIDEO_INFO_WIDTH (&s->info);
  guint height = GST_VIDEO_INFO_HEIGHT (&s->info);

  rgb_buf = gst_buffer_new_allocate (NULL, s->rgb_info.size, NULL);
  fail_unless (gst_video_frame_map (&rgb_frame, &s->rgb_info, rgb_buf,
          GST_MAP_READWRITE));
  render (scene, t, width, height, GST_VIDEO_FRAME_PLANE_DATA (&rgb_frame,
          0), GST_VIDEO_FRAME_PLANE_STRIDE (&rgb_frame, 0));
  distort (&s->distortion, s->n_frames++, s->rand, width, height,
      GST_VIDEO_FRAME_PLANE_DATA (&rgb_frame, 0),
      GST_VIDEO_FRAME_PLANE_STRIDE (&rgb_frame, 0));
  if (!s->conv) {
    gst_video_frame_unmap (&rgb_frame);
    return rgb_buf;
  }
  buf = gst_buffer_new_allocate (NULL, s->info.size, NULL);
  fail_unless (gst_video_frame_map (&frame, &s->info, buf, GST_MAP_WRITE));
  gst_video_converter_frame (s->conv, &rgb_frame, &frame);
  gst_video_frame_unmap (&frame);
  gst_video_frame_unmap (&rgb_frame);
  gst_buffer_unref (rgb_buf);
  return buf;
}

static void
stream_signature (Stream * s, Scene scene, gdouble t,
    GstVgg19FrameSignature * sig)
{
  GstBuffer *buf = stream_render (s, scene, t);
  GstVideoFrame frame;
  GError *error = NULL;

  fail_unless (gst_video_frame_map (&frame, &s->info, buf, GST_MAP_READ));
  fail_unless (gst_vgg19_signature_maker_run (s->maker, &frame, sig,
          &error), "%s", error ? error->message : "");
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (buf);
}

/* Feeds @n_ref reference frames (frame j at time j) and @n_dist distorted
 * ones (frame i at time i + @shift, so that it shows reference frame
 * i + @shift), marks both ends and decides. */
static void
search_streams (GstVgg19OffsetSearch * search, Scene scene, gint shift,
    Stream * ref, guint n_ref, Stream * dist, guint n_dist,
    GstVgg19OffsetResult * result)
{
  GstVgg19FrameSignature sig;
  guint window = gst_vgg19_offset_search_get_window (search);
  guint i;

  for (i = 0; i < n_ref; i++) {
    stream_signature (ref, scene, i, &sig);
    fail_unless (gst_vgg19_offset_search_push (search,
            GST_VGG19_OFFSET_STREAM_REFERENCE, &sig) == (i < window));
  }
  for (i = 0; i < n_dist; i++) {
    stream_signature (dist, scene, (gdouble) i + shift, &sig);
    fail_unless (gst_vgg19_offset_search_push (search,
            GST_VGG19_OFFSET_STREAM_DISTORTED, &sig) == (i < window));
  }
  fail_unless (gst_vgg19_offset_search_is_ready (search) ==
      (n_ref >= window && n_dist >= window));
  gst_vgg19_offset_search_end (search, GST_VGG19_OFFSET_STREAM_REFERENCE);
  gst_vgg19_offset_search_end (search, GST_VGG19_OFFSET_STREAM_DISTORTED);
  fail_unless (gst_vgg19_offset_search_is_ready (search));
  gst_vgg19_offset_search_decide (search, result);
  {
    gchar *text = gst_vgg19_offset_result_describe (result);

    GST_INFO ("shift %+d: %s", shift, text);
    g_free (text);
  }
}

/* One search of @scene shifted by @shift between two fresh streams. */
static void
search_shift (guint max_offset, Scene scene, gint shift,
    GstVideoFormat ref_format, guint ref_width, guint ref_height,
    GstVideoFormat dist_format, guint dist_width, guint dist_height,
    const Distortion * distortion, GstVgg19OffsetResult * result)
{
  GstVgg19OffsetSearch *search;
  Stream ref, dist;
  guint window;

  search = gst_vgg19_offset_search_new (max_offset, 0, 0, NULL);
  fail_unless (search != NULL);
  window = gst_vgg19_offset_search_get_window (search);
  stream_init (&ref, ref_format, ref_width, ref_height, &lossless, 1);
  stream_init (&dist, dist_format, dist_width, dist_height, distortion,
      2 + shift);
  search_streams (search, scene, shift, &ref, window, &dist, window, result);
  stream_clear (&ref);
  stream_clear (&dist);
  gst_vgg19_offset_search_free (search);
}

static void
assert_found (const GstVgg19OffsetResult * r, gint shift)
{
  fail_unless (r->confident && r->reason == GST_VGG19_OFFSET_REASON_CONFIDENT,
      "shift %+d: not confident (%s, best %+d cost %f, runner-up %+d cost %f)",
      shift, gst_vgg19_offset_reason_get_nick (r->reason), r->best_offset,
      r->cost, r->runner_up_offset, r->runner_up_cost);
  fail_unless_equals_int (r->offset, shift);
  fail_unless_equals_int (r->best_offset, shift);
  fail_unless (r->cost < r->runner_up_cost);
  fail_unless (r->runner_up_offset != r->best_offset);
  fail_unless (r->margin_offset != r->best_offset);
  fail_unless (r->margin >= GST_VGG19_OFFSET_SEARCH_MIN_GAP
      && r->margin >= GST_VGG19_OFFSET_SEARCH_MIN_RELATIVE_GAP * r->cost);
}

static void
assert_not_found (const GstVgg19OffsetResult * r, GstVgg19OffsetReason reason)
{
  fail_if (r->confident, "confident offset %+d (cost %f, runner-up %f)",
      r->offset, r->cost, r->runner_up_cost);
  fail_unless_equals_int (r->offset, 0);
  fail_unless (r->reason == reason, "reason %s, expected %s",
      gst_vgg19_offset_reason_get_nick (r->reason),
      gst_vgg19_offset_reason_get_nick (reason));
}

/* Signatures */

static void
make_info (GstVideoInfo * info, GstVideoFormat format, guint width,
    guint height)
{
  fail_unless (gst_video_info_set_format (info, format, width, height));
}

/* A pseudo-random level per pixel. */
static guint8
pattern (guint x, guint y)
{
  guint32 h = x * 2654435761u ^ (y + 17) * 2246822519u;

  h ^= h >> 13;
  h *= 3266489917u;
  return (h >> 16) & 0xff;
}

/* The thumbnail of a GRAY8 pattern, independently: each cell the
 * integral of the piecewise constant picture over its span, in double. */
static void
expected_thumbnail (guint width, guint height, gdouble * out)
{
  guint cx, cy, x, y;

  for (cy = 0; cy < GST_VGG19_SIGNATURE_HEIGHT; cy++) {
    gdouble y0 = (gdouble) cy * height / GST_VGG19_SIGNATURE_HEIGHT;
    gdouble y1 = (gdouble) (cy + 1) * height / GST_VGG19_SIGNATURE_HEIGHT;

    for (cx = 0; cx < GST_VGG19_SIGNATURE_WIDTH; cx++) {
      gdouble x0 = (gdouble) cx * width / GST_VGG19_SIGNATURE_WIDTH;
      gdouble x1 = (gdouble) (cx + 1) * width / GST_VGG19_SIGNATURE_WIDTH;
      gdouble sum = 0.0;

      for (y = 0; y < height; y++) {
        gdouble wy = MIN (y + 1.0, y1) - MAX ((gdouble) y, y0);

        if (wy <= 0)
          continue;
        for (x = 0; x < width; x++) {
          gdouble wx = MIN (x + 1.0, x1) - MAX ((gdouble) x, x0);

          if (wx > 0)
            sum += wx * wy * pattern (x, y);
        }
      }
      out[cy * GST_VGG19_SIGNATURE_WIDTH + cx] = sum / ((x1 - x0) * (y1 - y0));
    }
  }
}

static GstBuffer *
new_frame_buffer (const GstVideoInfo * info)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, info->size, NULL);

  gst_buffer_memset (buf, 0, 0, info->size);
  return buf;
}

static void
signature_of_buffer (const GstVideoInfo * info, GstBuffer * buf,
    GstVgg19FrameSignature * sig)
{
  GstVgg19SignatureMaker *maker;
  GstVideoFrame frame;
  GError *error = NULL;

  maker = gst_vgg19_signature_maker_new (info, &error);
  fail_unless (maker != NULL, "%s", error ? error->message : "");
  fail_unless (gst_video_frame_map (&frame, info, buf, GST_MAP_READ));
  fail_unless (gst_vgg19_signature_maker_run (maker, &frame, sig, &error),
      "%s", error ? error->message : "");
  gst_video_frame_unmap (&frame);
  gst_vgg19_signature_maker_free (maker);
}

static void
assert_normalised (const GstVgg19FrameSignature * sig)
{
  gdouble sum = 0.0, sum_sq = 0.0;
  guint k;

  for (k = 0; k < GST_VGG19_SIGNATURE_LENGTH; k++) {
    sum += sig->values[k];
    sum_sq += (gdouble) sig->values[k] * sig->values[k];
  }
  fail_unless (fabs (sum) < 1e-4, "sum %g", sum);
  fail_unless (fabs (sum_sq - 1.0) < 1e-4, "norm^2 %g", sum_sq);
  fail_unless (fabs (gst_vgg19_frame_signature_correlate (sig, sig) - 1.0)
      < 1e-4);
}

GST_START_TEST (test_signature_area_average)
{
  /* multiples of the grid, fractions of it, narrower and lower than it,
   * very wide and very tall */
  static const guint sizes[][2] = {
    {64, 36}, {37, 23}, {20, 10}, {320, 17}, {5, 40}, {33, 19},
  };
  guint s, k, x, y;

  for (s = 0; s < G_N_ELEMENTS (sizes); s++) {
    guint width = sizes[s][0], height = sizes[s][1];
    gdouble expected[GST_VGG19_SIGNATURE_LENGTH], mean = 0.0, sum_sq = 0.0;
    GstVgg19FrameSignature sig;
    GstVideoInfo info;
    GstVideoFrame frame;
    GstBuffer *buf;

    make_info (&info, GST_VIDEO_FORMAT_GRAY8, width, height);
    buf = new_frame_buffer (&info);
    fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_WRITE));
    for (y = 0; y < height; y++)
      for (x = 0; x < width; x++)
        ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0))[y *
            GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0) + x] = pattern (x, y);
    gst_video_frame_unmap (&frame);
    signature_of_buffer (&info, buf, &sig);
    gst_buffer_unref (buf);

    expected_thumbnail (width, height, expected);
    for (k = 0; k < GST_VGG19_SIGNATURE_LENGTH; k++)
      mean += expected[k] / GST_VGG19_SIGNATURE_LENGTH;
    for (k = 0; k < GST_VGG19_SIGNATURE_LENGTH; k++)
      sum_sq += (expected[k] - mean) * (expected[k] - mean);

    fail_if (sig.flat);
    fail_unless (fabs (sig.mean - mean) < 1e-3, "%ux%u: mean %f, expected %f",
        width, height, sig.mean, mean);
    fail_unless (fabs (sig.stddev - sqrt (sum_sq /
                GST_VGG19_SIGNATURE_LENGTH)) < 1e-3, "%ux%u: stddev %f",
        width, height, sig.stddev);
    for (k = 0; k < GST_VGG19_SIGNATURE_LENGTH; k++) {
      gdouble want = (expected[k] - mean) / sqrt (sum_sq);

      fail_unless (fabs (sig.values[k] - want) < 1e-5,
          "%ux%u: cell %u is %f, expected %f", width, height, k,
          sig.values[k], want);
    }
    assert_normalised (&sig);
  }
}

GST_END_TEST;

/* Luma of the RGB family: grey pixels are their level, whatever the byte
 * order; red and blue weigh 77 and 29 / 256. */
GST_START_TEST (test_signature_rgb_luma)
{
  static const GstVideoFormat formats[] = {
    GST_VIDEO_FORMAT_RGB, GST_VIDEO_FORMAT_BGR, GST_VIDEO_FORMAT_RGBx,
    GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_xRGB, GST_VIDEO_FORMAT_xBGR,
    GST_VIDEO_FORMAT_RGBA, GST_VIDEO_FORMAT_BGRA, GST_VIDEO_FORMAT_ARGB,
    GST_VIDEO_FORMAT_ABGR,
  };
  GstVgg19FrameSignature grey, sig;
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *buf;
  guint f, x, y, k;

  make_info (&info, GST_VIDEO_FORMAT_GRAY8, 64, 36);
  buf = new_frame_buffer (&info);
  fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_WRITE));
  for (y = 0; y < 36; y++)
    for (x = 0; x < 64; x++)
      ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0))[y *
          GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0) + x] = pattern (x, y);
  gst_video_frame_unmap (&frame);
  signature_of_buffer (&info, buf, &grey);
  gst_buffer_unref (buf);

  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    const gchar *name = gst_video_format_to_string (formats[f]);

    /* the grey pattern */
    make_info (&info, formats[f], 64, 36);
    buf = new_frame_buffer (&info);
    fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_WRITE));
    for (y = 0; y < 36; y++)
      for (x = 0; x < 64; x++)
        for (k = 0; k < 3; k++)
          ((guint8 *) GST_VIDEO_FRAME_COMP_DATA (&frame, k))[y *
              GST_VIDEO_FRAME_COMP_STRIDE (&frame, k) +
              x * GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, k)] = pattern (x, y);
    gst_video_frame_unmap (&frame);
    signature_of_buffer (&info, buf, &sig);
    gst_buffer_unref (buf);
    fail_unless (fabs (sig.mean - grey.mean) < 1e-3, "%s", name);
    for (k = 0; k < GST_VGG19_SIGNATURE_LENGTH; k++)
      fail_unless (fabs (sig.values[k] - grey.values[k]) < 1e-6, "%s", name);

    /* red on the left, blue on the right, the rest alpha */
    buf = new_frame_buffer (&info);
    gst_buffer_memset (buf, 0, 0xff, info.size);
    fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_WRITE));
    for (y = 0; y < 36; y++)
      for (x = 0; x < 64; x++) {
        ((guint8 *) GST_VIDEO_FRAME_COMP_DATA (&frame, GST_VIDEO_COMP_R))[y *
            GST_VIDEO_FRAME_COMP_STRIDE (&frame, 0) +
            x * GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, 0)] = x < 32 ? 255 : 0;
        ((guint8 *) GST_VIDEO_FRAME_COMP_DATA (&frame, GST_VIDEO_COMP_G))[y *
            GST_VIDEO_FRAME_COMP_STRIDE (&frame, 0) +
            x * GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, 0)] = 0;
        ((guint8 *) GST_VIDEO_FRAME_COMP_DATA (&frame, GST_VIDEO_COMP_B))[y *
            GST_VIDEO_FRAME_COMP_STRIDE (&frame, 0) +
            x * GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, 0)] = x < 32 ? 0 : 255;
      }
    gst_video_frame_unmap (&frame);
    signature_of_buffer (&info, buf, &sig);
    gst_buffer_unref (buf);
    fail_unless (fabs (sig.mean - 255.0 * (77 + 29) / 512) < 1e-3,
        "%s: mean %f", name, sig.mean);
    fail_unless (fabs (sig.stddev - 255.0 * (77 - 29) / 512) < 1e-3,
        "%s: stddev %f", name, sig.stddev);
    /* brighter on the left */
    fail_unless (sig.values[0] > 0 && sig.values[31] < 0, "%s", name);
  }
}

GST_END_TEST;

static const GstVideoFormat all_formats[] = {
  GST_VIDEO_FORMAT_RGB, GST_VIDEO_FORMAT_BGR, GST_VIDEO_FORMAT_RGBx,
  GST_VIDEO_FORMAT_BGRx, GST_VIDEO_FORMAT_xRGB, GST_VIDEO_FORMAT_xBGR,
  GST_VIDEO_FORMAT_RGBA, GST_VIDEO_FORMAT_BGRA, GST_VIDEO_FORMAT_ARGB,
  GST_VIDEO_FORMAT_ABGR, GST_VIDEO_FORMAT_GRAY8, GST_VIDEO_FORMAT_I420,
  GST_VIDEO_FORMAT_YV12, GST_VIDEO_FORMAT_NV12, GST_VIDEO_FORMAT_NV21,
  GST_VIDEO_FORMAT_Y42B, GST_VIDEO_FORMAT_Y444, GST_VIDEO_FORMAT_YUY2,
  GST_VIDEO_FORMAT_UYVY, GST_VIDEO_FORMAT_YVYU, GST_VIDEO_FORMAT_AYUV,
};

static gfloat
correlate_renders (GstVideoFormat fa, guint wa, guint ha,
    const Distortion * da, gdouble ta, GstVideoFormat fb, guint wb, guint hb,
    const Distortion * db, gdouble tb)
{
  GstVgg19FrameSignature a, b;
  Stream sa, sb;

  stream_init (&sa, fa, wa, ha, da, 11);
  stream_init (&sb, fb, wb, hb, db, 12);
  stream_signature (&sa, SCENE_MOVING, ta, &a);
  stream_signature (&sb, SCENE_MOVING, tb, &b);
  fail_if (a.flat || b.flat);
  assert_normalised (&a);
  assert_normalised (&b);
  stream_clear (&sa);
  stream_clear (&sb);
  return gst_vgg19_frame_signature_correlate (&a, &b);
}

/* The same picture in every format and at other sizes and levels has the
 * same signature; another picture of the scene does not. */
GST_START_TEST (test_signature_formats_and_sizes)
{
  static const Distortion levels = { FALSE, FALSE, 0.0, 0.5, 60.0, 0 };
  GstVideoFormat rgb = GST_VIDEO_FORMAT_RGB;
  guint f;
  gfloat c;

  for (f = 0; f < G_N_ELEMENTS (all_formats); f++) {
    c = correlate_renders (rgb, 320, 240, &lossless, 5, all_formats[f], 320,
        240, &lossless, 5);
    fail_unless (c > 0.999, "%s: correlation %f",
        gst_video_format_to_string (all_formats[f]), c);
  }
  c = correlate_renders (rgb, 320, 240, &lossless, 5, rgb, 160, 120,
      &lossless, 5);
  fail_unless (c > 0.995, "160x120: %f", c);
  c = correlate_renders (rgb, 320, 240, &lossless, 5, GST_VIDEO_FORMAT_I420,
      37, 35, &lossless, 5);
  fail_unless (c > 0.98, "37x35: %f", c);
  /* another aspect ratio: the picture stretched */
  c = correlate_renders (rgb, 320, 240, &lossless, 5, GST_VIDEO_FORMAT_NV12,
      640, 360, &lossless, 5);
  fail_unless (c > 0.995, "640x360: %f", c);
  c = correlate_renders (rgb, 320, 240, &lossless, 5, rgb, 320, 240,
      &levels, 5);
  fail_unless (c > 0.999, "levels: %f", c);
  c = correlate_renders (rgb, 320, 240, &lossless, 5, rgb, 320, 240, &mild, 5);
  fail_unless (c > 0.99, "mild distortion: %f", c);

  /* one frame later, and far later */
  c = correlate_renders (rgb, 320, 240, &lossless, 5, rgb, 320, 240,
      &lossless, 6);
  fail_unless (c < 0.97, "next frame: %f", c);
  c = correlate_renders (rgb, 320, 240, &lossless, 5, rgb, 320, 240,
      &lossless, 20);
  fail_unless (c < 0.7, "15 frames later: %f", c);
}

GST_END_TEST;

static void
fill_plain (const GstVideoInfo * info, GstBuffer * buf, guint8 level,
    gdouble noise, guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  GstVideoFrame frame;
  guint c, x, y;

  fail_unless (gst_video_frame_map (&frame, info, buf, GST_MAP_WRITE));
  for (c = 0; c < GST_VIDEO_FRAME_N_COMPONENTS (&frame); c++)
    for (y = 0; y < (guint) GST_VIDEO_FRAME_COMP_HEIGHT (&frame, c); y++)
      for (x = 0; x < (guint) GST_VIDEO_FRAME_COMP_WIDTH (&frame, c); x++)
        ((guint8 *) GST_VIDEO_FRAME_COMP_DATA (&frame, c))[y *
            GST_VIDEO_FRAME_COMP_STRIDE (&frame, c) +
            x * GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, c)] =
            to_level (level + g_rand_double_range (rand, -noise, noise));
  gst_video_frame_unmap (&frame);
  g_rand_free (rand);
}

GST_START_TEST (test_signature_flat)
{
  static const struct
  {
    GstVideoFormat format;
    guint8 level;
    gdouble noise;
  } plain[] = {
    {GST_VIDEO_FORMAT_I420, 16, 0},
    {GST_VIDEO_FORMAT_RGB, 128, 0},
    {GST_VIDEO_FORMAT_GRAY8, 255, 0},
    /* noise the thumbnail averages away */
    {GST_VIDEO_FORMAT_NV12, 100, 3},
    {GST_VIDEO_FORMAT_YUY2, 60, 5},
  };
  GstVgg19FrameSignature sig, other, structured;
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *buf;
  Stream s;
  guint i, k, x, y;

  stream_init (&s, GST_VIDEO_FORMAT_I420, 320, 240, &lossless, 1);
  stream_signature (&s, SCENE_MOVING, 0, &structured);
  stream_clear (&s);

  for (i = 0; i < G_N_ELEMENTS (plain); i++) {
    make_info (&info, plain[i].format, 320, 240);
    buf = new_frame_buffer (&info);
    fill_plain (&info, buf, plain[i].level, plain[i].noise, i);
    signature_of_buffer (&info, buf, &sig);
    gst_buffer_unref (buf);
    fail_unless (sig.flat, "%s at %u: stddev %f",
        gst_video_format_to_string (plain[i].format), plain[i].level,
        sig.stddev);
    fail_unless (fabs (sig.mean - plain[i].level) < 1.0, "mean %f", sig.mean);
    for (k = 0; k < GST_VGG19_SIGNATURE_LENGTH; k++)
      fail_unless (sig.values[k] == 0.0f);
    fail_unless (gst_vgg19_frame_signature_correlate (&sig, &sig) == 0.0f);
    fail_unless (gst_vgg19_frame_signature_correlate (&sig,
            &structured) == 0.0f);
    fail_unless (gst_vgg19_frame_signature_correlate (&structured,
            &sig) == 0.0f);
  }

  /* a single pixel is plain */
  make_info (&info, GST_VIDEO_FORMAT_GRAY8, 1, 1);
  buf = new_frame_buffer (&info);
  fill_plain (&info, buf, 42, 0, 0);
  signature_of_buffer (&info, buf, &other);
  gst_buffer_unref (buf);
  fail_unless (other.flat && fabs (other.mean - 42) < 1e-3);

  /* a gradient of 8 levels across is not */
  make_info (&info, GST_VIDEO_FORMAT_GRAY8, 320, 240);
  buf = new_frame_buffer (&info);
  fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_WRITE));
  for (y = 0; y < 240; y++)
    for (x = 0; x < 320; x++)
      ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0))[y *
          GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0) + x] = 100 + x / 40;
  gst_video_frame_unmap (&frame);
  signature_of_buffer (&info, buf, &other);
  gst_buffer_unref (buf);
  fail_if (other.flat, "stddev %f", other.stddev);
  assert_normalised (&other);
}

GST_END_TEST;

GST_START_TEST (test_signature_rejects)
{
  GstVgg19SignatureMaker *maker;
  GstVgg19FrameSignature sig;
  GstVideoInfo info, other;
  GstVideoFrame frame;
  GstBuffer *buf;
  GError *error = NULL;

  make_info (&info, GST_VIDEO_FORMAT_GRAY16_LE, 64, 64);
  fail_unless (gst_vgg19_signature_maker_new (&info, &error) == NULL);
  fail_unless (g_error_matches (error, VGG19_ERROR,
          VGG19_ERROR_INVALID_ARGUMENT));
  fail_unless (strstr (error->message, "GRAY16_LE") != NULL, "%s",
      error->message);
  g_clear_error (&error);

  make_info (&info, GST_VIDEO_FORMAT_I420, 64, 64);
  make_info (&other, GST_VIDEO_FORMAT_NV12, 64, 64);
  maker = gst_vgg19_signature_maker_new (&info, NULL);
  fail_unless (maker != NULL);
  buf = new_frame_buffer (&other);
  fail_unless (gst_video_frame_map (&frame, &other, buf, GST_MAP_READ));
  fail_if (gst_vgg19_signature_maker_run (maker, &frame, &sig, &error));
  fail_unless (g_error_matches (error, VGG19_ERROR,
          VGG19_ERROR_INVALID_ARGUMENT));
  fail_unless (strstr (error->message, "NV12 64x64") != NULL
      && strstr (error->message, "I420 64x64") != NULL, "%s", error->message);
  g_clear_error (&error);
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (buf);

  make_info (&other, GST_VIDEO_FORMAT_I420, 66, 64);
  buf = new_frame_buffer (&other);
  fail_unless (gst_video_frame_map (&frame, &other, buf, GST_MAP_READ));
  fail_if (gst_vgg19_signature_maker_run (maker, &frame, &sig, &error));
  fail_unless (error != NULL && strstr (error->message, "66x64") != NULL);
  g_clear_error (&error);
  gst_video_frame_unmap (&frame);
  gst_buffer_unref (buf);
  gst_vgg19_signature_maker_free (maker);
}

GST_END_TEST;

/* The search */

/* Every shift in range, the extremes and 0 included, lossless and through
 * mild distortion; every offset has all its pairs. */
GST_START_TEST (test_shifts_in_range)
{
  const guint n = 6;
  GstVgg19OffsetResult r;
  gint shift;

  for (shift = -(gint) n; shift <= (gint) n; shift++) {
    guint window = 2 * n + GST_VGG19_OFFSET_SEARCH_EXTRA_FRAMES;

    search_shift (n, SCENE_MOVING, shift, GST_VIDEO_FORMAT_I420, 320, 240,
        GST_VIDEO_FORMAT_I420, 320, 240, &lossless, &r);
    assert_found (&r, shift);
    fail_unless (r.cost < 1e-3, "lossless, shift %+d: cost %f", shift, r.cost);
    fail_unless_equals_int (r.n_pairs, window - ABS (shift));
    fail_unless_equals_int (r.n_reference, window);
    fail_unless_equals_int (r.n_distorted, window);

    search_shift (n, SCENE_MOVING, shift, GST_VIDEO_FORMAT_I420, 320, 240,
        GST_VIDEO_FORMAT_I420, 320, 240, &mild, &r);
    assert_found (&r, shift);
    fail_unless (r.cost < 0.05, "mild, shift %+d: cost %f", shift, r.cost);
  }
}

GST_END_TEST;

/* Shifts past the maximum never give a confident offset: just past it
 * (within the guard) they are recognised as beyond the range, further
 * away no offset fits. */
GST_START_TEST (test_shifts_beyond_range)
{
  static const gint near[] = { 5, 6, -5, -6 };
  static const gint far[] = { 7, 9, 15, 30, -8, -12, -30 };
  const guint n = 4;
  GstVgg19OffsetResult r;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (near); i++) {
    search_shift (n, SCENE_MOVING, near[i], GST_VIDEO_FORMAT_I420, 320, 240,
        GST_VIDEO_FORMAT_I420, 320, 240, &mild, &r);
    assert_not_found (&r, GST_VGG19_OFFSET_REASON_BEYOND_RANGE);
    fail_unless_equals_int (r.best_offset, near[i]);
  }
  for (i = 0; i < G_N_ELEMENTS (far); i++) {
    search_shift (n, SCENE_MOVING, far[i], GST_VIDEO_FORMAT_I420, 320, 240,
        GST_VIDEO_FORMAT_I420, 320, 240, &mild, &r);
    fail_if (r.confident, "shift %+d: confident offset %+d (cost %f, "
        "runner-up %f)", far[i], r.offset, r.cost, r.runner_up_cost);
    fail_unless_equals_int (r.offset, 0);
  }
}

GST_END_TEST;

/* A still picture: every offset fits. */
GST_START_TEST (test_still_content)
{
  static const gint shifts[] = { 0, 3, -2 };
  GstVgg19OffsetResult r;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (shifts); i++) {
    search_shift (5, SCENE_STILL, shifts[i], GST_VIDEO_FORMAT_I420, 320, 240,
        GST_VIDEO_FORMAT_I420, 320, 240, &lossless, &r);
    assert_not_found (&r, GST_VGG19_OFFSET_REASON_STATIC);
    search_shift (5, SCENE_STILL, shifts[i], GST_VIDEO_FORMAT_I420, 320, 240,
        GST_VIDEO_FORMAT_RGB, 160, 120, &strong, &r);
    assert_not_found (&r, GST_VGG19_OFFSET_REASON_STATIC);
    fail_unless (r.cost < 0.05);
    /* the mean costs differ between offsets by the frames they leave out;
     * on the frames they share, they do not */
    search_shift (5, SCENE_STILL, shifts[i], GST_VIDEO_FORMAT_I420, 320, 240,
        GST_VIDEO_FORMAT_I420, 64, 48, &uneven, &r);
    assert_not_found (&r, GST_VGG19_OFFSET_REASON_STATIC);
    fail_unless (r.runner_up_cost > r.cost);
    fail_unless (fabs (r.margin) < 1e-4, "margin %f", r.margin);
  }
}

GST_END_TEST;

/* Motion too slow to show in the thumbnails: as good as still. */
GST_START_TEST (test_crawling_content)
{
  GstVgg19OffsetResult r;

  search_shift (5, SCENE_CRAWL, 2, GST_VIDEO_FORMAT_I420, 320, 240,
      GST_VIDEO_FORMAT_I420, 320, 240, &mild, &r);
  assert_not_found (&r, GST_VGG19_OFFSET_REASON_STATIC);
}

GST_END_TEST;

/* Content repeating every PERIOD frames within the range. */
GST_START_TEST (test_repeating_content)
{
  GstVgg19OffsetResult r;

  search_shift (6, SCENE_PERIODIC, 1, GST_VIDEO_FORMAT_I420, 320, 240,
      GST_VIDEO_FORMAT_I420, 320, 240, &mild, &r);
  assert_not_found (&r, GST_VGG19_OFFSET_REASON_AMBIGUOUS);
  fail_unless ((r.best_offset - 1) % PERIOD == 0
      && (r.runner_up_offset - 1) % PERIOD == 0, "best %+d, runner-up %+d",
      r.best_offset, r.runner_up_offset);
}

GST_END_TEST;

/* Plain frames: no structure at all, a fade from black (plain frames
 * leave the others to decide), and a distorted stream gone black. */
GST_START_TEST (test_flat_frames)
{
  GstVgg19OffsetSearch *search;
  GstVgg19OffsetResult r;
  Stream ref, dist;

  search_shift (5, SCENE_FLAT, 2, GST_VIDEO_FORMAT_I420, 320, 240,
      GST_VIDEO_FORMAT_RGB, 160, 120, &mild, &r);
  assert_not_found (&r, GST_VGG19_OFFSET_REASON_NO_STRUCTURE);
  fail_unless (isnan (r.cost));

  search_shift (5, SCENE_FADE_IN, 3, GST_VIDEO_FORMAT_I420, 320, 240,
      GST_VIDEO_FORMAT_I420, 320, 240, &mild, &r);
  assert_found (&r, 3);
  /* the pairs of two black frames are left out */
  fail_unless_equals_int (r.n_pairs, 30 - 3 - (FADE_FRAMES - 3));

  search = gst_vgg19_offset_search_new (5, 0, 0, NULL);
  stream_init (&ref, GST_VIDEO_FORMAT_I420, 320, 240, &lossless, 1);
  stream_init (&dist, GST_VIDEO_FORMAT_I420, 320, 240, &lossless, 2);
  {
    GstVgg19FrameSignature sig;
    guint i;

    for (i = 0; i < 30; i++) {
      stream_signature (&ref, SCENE_MOVING, i, &sig);
      gst_vgg19_offset_search_push (search,
          GST_VGG19_OFFSET_STREAM_REFERENCE, &sig);
      stream_signature (&dist, SCENE_FLAT, i, &sig);
      gst_vgg19_offset_search_push (search,
          GST_VGG19_OFFSET_STREAM_DISTORTED, &sig);
    }
  }
  fail_unless (gst_vgg19_offset_search_is_ready (search));
  gst_vgg19_offset_search_decide (search, &r);
  assert_not_found (&r, GST_VGG19_OFFSET_REASON_NO_MATCH);
  fail_unless (r.cost == 1.0);
  stream_clear (&ref);
  stream_clear (&dist);
  gst_vgg19_offset_search_free (search);
}

GST_END_TEST;

/* Inputs of different sizes, aspect ratios and formats. */
GST_START_TEST (test_different_inputs)
{
  static const struct
  {
    GstVideoFormat ref_format;
    guint ref_width, ref_height;
    GstVideoFormat dist_format;
    guint dist_width, dist_height;
  } inputs[] = {
    {GST_VIDEO_FORMAT_I420, 320, 240, GST_VIDEO_FORMAT_RGB, 160, 120},
    {GST_VIDEO_FORMAT_NV12, 176, 144, GST_VIDEO_FORMAT_YUY2, 352, 288},
    {GST_VIDEO_FORMAT_GRAY8, 64, 48, GST_VIDEO_FORMAT_BGRA, 640, 360},
    {GST_VIDEO_FORMAT_Y444, 320, 240, GST_VIDEO_FORMAT_AYUV, 256, 144},
  };
  static const gint shifts[] = { -3, 0, 5 };
  GstVgg19OffsetResult r;
  guint i, k;

  for (i = 0; i < G_N_ELEMENTS (inputs); i++)
    for (k = 0; k < G_N_ELEMENTS (shifts); k++) {
      search_shift (6, SCENE_MOVING, shifts[k], inputs[i].ref_format,
          inputs[i].ref_width, inputs[i].ref_height, inputs[i].dist_format,
          inputs[i].dist_width, inputs[i].dist_height, &mild, &r);
      assert_found (&r, shifts[k]);
    }
}

GST_END_TEST;

/* Blur, blocks, noise of +-12 levels and other levels; slower motion;
 * noise that the thumbnails do not average away. */
GST_START_TEST (test_strong_distortion)
{
  static const gint shifts[] = { -4, -1, 0, 2, 4 };
  GstVgg19OffsetResult r;
  guint k;

  for (k = 0; k < G_N_ELEMENTS (shifts); k++) {
    search_shift (4, SCENE_MOVING, shifts[k], GST_VIDEO_FORMAT_I420, 320, 240,
        GST_VIDEO_FORMAT_RGB, 160, 120, &strong, &r);
    assert_found (&r, shifts[k]);
    fail_unless (r.cost < GST_VGG19_OFFSET_SEARCH_MAX_COST);
    search_shift (4, SCENE_SLOW, shifts[k], GST_VIDEO_FORMAT_I420, 320, 240,
        GST_VIDEO_FORMAT_RGB, 160, 120, &strong, &r);
    assert_found (&r, shifts[k]);
    /* small frames of unequal quality, each thumbnail cell an average of
     * 5 noisy pixels */
    search_shift (4, SCENE_MOVING, shifts[k], GST_VIDEO_FORMAT_I420, 320, 240,
        GST_VIDEO_FORMAT_I420, 64, 48, &uneven, &r);
    assert_found (&r, shifts[k]);
    fail_unless (r.cost > 0.01, "cost %f", r.cost);
  }
}

GST_END_TEST;

/* Streams that end before the window is full. */
GST_START_TEST (test_short_streams)
{
  GstVgg19OffsetSearch *search;
  GstVgg19OffsetResult r;
  Stream ref, dist;

  search = gst_vgg19_offset_search_new (5, 0, 0, NULL);
  fail_unless_equals_int (gst_vgg19_offset_search_get_window (search), 30);
  fail_unless_equals_int (gst_vgg19_offset_search_get_min_pairs (search),
      GST_VGG19_OFFSET_SEARCH_MIN_PAIRS);
  stream_init (&ref, GST_VIDEO_FORMAT_I420, 320, 240, &lossless, 1);
  stream_init (&dist, GST_VIDEO_FORMAT_RGB, 160, 120, &mild, 2);

  /* both end after 20 frames */
  search_streams (search, SCENE_MOVING, 2, &ref, 20, &dist, 20, &r);
  assert_found (&r, 2);
  fail_unless_equals_int (r.n_pairs, 18);
  fail_unless_equals_int (r.n_reference, 20);
  fail_unless_equals_int (r.n_distorted, 20);

  /* the distorted one ends after 16 */
  gst_vgg19_offset_search_reset (search);
  search_streams (search, SCENE_MOVING, -3, &ref, 40, &dist, 16, &r);
  assert_found (&r, -3);
  fail_unless_equals_int (r.n_pairs, 13);
  fail_unless_equals_int (r.n_reference, 30);

  /* 8 frames: fewer than the pairs an offset needs */
  gst_vgg19_offset_search_reset (search);
  search_streams (search, SCENE_MOVING, 1, &ref, 8, &dist, 8, &r);
  assert_not_found (&r, GST_VGG19_OFFSET_REASON_TOO_FEW_PAIRS);
  fail_unless (isnan (r.cost) && isnan (r.runner_up_cost));

  /* 15 frames and a shift of 5: 10 pairs at 5, too few at 6 to tell
   * whether the shift is larger */
  gst_vgg19_offset_search_reset (search);
  search_streams (search, SCENE_MOVING, 5, &ref, 15, &dist, 15, &r);
  assert_not_found (&r, GST_VGG19_OFFSET_REASON_AT_LIMIT);
  fail_unless_equals_int (r.best_offset, 5);
  fail_unless_equals_int (r.n_pairs, 10);
  /* one more frame and it can */
  gst_vgg19_offset_search_reset (search);
  search_streams (search, SCENE_MOVING, 5, &ref, 16, &dist, 16, &r);
  assert_found (&r, 5);

  /* nothing at all */
  gst_vgg19_offset_search_reset (search);
  search_streams (search, SCENE_MOVING, 0, &ref, 0, &dist, 0, &r);
  assert_not_found (&r, GST_VGG19_OFFSET_REASON_TOO_FEW_PAIRS);
  fail_unless_equals_int (r.n_reference, 0);

  stream_clear (&ref);
  stream_clear (&dist);
  gst_vgg19_offset_search_free (search);
}

GST_END_TEST;

/* The window, the end of a stream, the costs by offset and the settings
 * refused. */
GST_START_TEST (test_window_and_settings)
{
  GstVgg19OffsetSearch *search;
  GstVgg19FrameSignature sig;
  GstVgg19OffsetResult r;
  GError *error = NULL;
  Stream s;
  gdouble cost;
  guint i, n_pairs;
  gchar *text;

  /* 10 + 2 past it + 10 pairs */
  fail_unless (gst_vgg19_offset_search_new (10, 21, 10, &error) == NULL);
  fail_unless (g_error_matches (error, VGG19_ERROR,
          VGG19_ERROR_INVALID_ARGUMENT));
  fail_unless (strstr (error->message, "22") != NULL, "%s", error->message);
  g_clear_error (&error);
  search = gst_vgg19_offset_search_new (10, 22, 10, &error);
  fail_unless (search != NULL);
  gst_vgg19_offset_search_free (search);
  search = gst_vgg19_offset_search_new (10, 0, 0, NULL);
  fail_unless_equals_int (gst_vgg19_offset_search_get_window (search), 40);
  fail_unless_equals_int (gst_vgg19_offset_search_get_max_offset (search), 10);
  gst_vgg19_offset_search_free (search);
  /* a minimum of pairs that the default window would not hold */
  search = gst_vgg19_offset_search_new (2, 0, 30, NULL);
  fail_unless_equals_int (gst_vgg19_offset_search_get_window (search), 34);
  gst_vgg19_offset_search_free (search);

  search = gst_vgg19_offset_search_new (3, 0, 0, NULL);
  fail_unless_equals_int (gst_vgg19_offset_search_get_window (search), 26);
  stream_init (&s, GST_VIDEO_FORMAT_I420, 160, 120, &lossless, 1);
  for (i = 0; i < 30; i++) {
    stream_signature (&s, SCENE_MOVING, i, &sig);
    fail_unless (gst_vgg19_offset_search_push (search,
            GST_VGG19_OFFSET_STREAM_REFERENCE, &sig) == (i < 26));
    fail_if (gst_vgg19_offset_search_is_ready (search));
  }
  fail_unless_equals_int (gst_vgg19_offset_search_get_n_frames (search,
          GST_VGG19_OFFSET_STREAM_REFERENCE), 26);
  for (i = 0; i < 5; i++) {
    stream_signature (&s, SCENE_MOVING, i + 1, &sig);
    fail_unless (gst_vgg19_offset_search_push (search,
            GST_VGG19_OFFSET_STREAM_DISTORTED, &sig));
  }
  fail_if (gst_vgg19_offset_search_is_ready (search));
  gst_vgg19_offset_search_end (search, GST_VGG19_OFFSET_STREAM_DISTORTED);
  fail_unless (gst_vgg19_offset_search_is_ready (search));
  fail_if (gst_vgg19_offset_search_push (search,
          GST_VGG19_OFFSET_STREAM_DISTORTED, &sig));
  fail_unless_equals_int (gst_vgg19_offset_search_get_n_frames (search,
          GST_VGG19_OFFSET_STREAM_DISTORTED), 5);
  /* 5 pairs at most: no offset has enough */
  fail_if (gst_vgg19_offset_search_get_cost (search, 1, &cost, &n_pairs));
  fail_unless (isnan (cost));
  fail_unless_equals_int (n_pairs, 5);

  /* again, with enough frames */
  gst_vgg19_offset_search_reset (search);
  fail_unless_equals_int (gst_vgg19_offset_search_get_n_frames (search,
          GST_VGG19_OFFSET_STREAM_REFERENCE), 0);
  fail_if (gst_vgg19_offset_search_is_ready (search));
  for (i = 0; i < 26; i++) {
    stream_signature (&s, SCENE_MOVING, i, &sig);
    gst_vgg19_offset_search_push (search, GST_VGG19_OFFSET_STREAM_REFERENCE,
        &sig);
    stream_signature (&s, SCENE_MOVING, i + 1, &sig);
    gst_vgg19_offset_search_push (search, GST_VGG19_OFFSET_STREAM_DISTORTED,
        &sig);
  }
  fail_unless (gst_vgg19_offset_search_is_ready (search));
  fail_unless (gst_vgg19_offset_search_get_cost (search, 1, &cost, &n_pairs));
  fail_unless (cost < 1e-6 && n_pairs == 25);
  fail_unless (gst_vgg19_offset_search_get_cost (search, -5, &cost, &n_pairs));
  fail_unless (cost > 0.1 && n_pairs == 21);
  /* outside the range and its guard */
  fail_if (gst_vgg19_offset_search_get_cost (search, 6, &cost, &n_pairs));
  fail_unless (isnan (cost) && n_pairs == 0);

  gst_vgg19_offset_search_decide (search, &r);
  assert_found (&r, 1);
  text = gst_vgg19_offset_result_describe (&r);
  fail_unless (strstr (text, "reference frame i+1") != NULL, "%s", text);
  g_free (text);
  /* deciding again gives the same */
  {
    GstVgg19OffsetResult again;

    gst_vgg19_offset_search_decide (search, &again);
    fail_unless (again.offset == r.offset && again.confident == r.confident
        && again.reason == r.reason && again.best_offset == r.best_offset
        && again.cost == r.cost && again.n_pairs == r.n_pairs
        && again.runner_up_offset == r.runner_up_offset
        && again.runner_up_cost == r.runner_up_cost
        && again.margin_offset == r.margin_offset
        && again.margin == r.margin && again.n_reference == r.n_reference
        && again.n_distorted == r.n_distorted);
  }

  stream_clear (&s);
  gst_vgg19_offset_search_free (search);
}

GST_END_TEST;

/* The signatures of @n frames from @pipeline_text's appsink "sink" after
 * skipping @skip. */
static void
pipeline_signatures (const gchar * pipeline_text, guint skip, guint n,
    GstVgg19FrameSignature * out)
{
  GstVgg19SignatureMaker *maker = NULL;
  GstElement *pipeline, *sink;
  GstVideoInfo info;
  GError *error = NULL;
  guint i;

  pipeline = gst_parse_launch (pipeline_text, &error);
  fail_unless (pipeline != NULL, "%s", error ? error->message : "");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  for (i = 0; i < skip + n; i++) {
    GstSample *sample = gst_app_sink_pull_sample (GST_APP_SINK (sink));
    GstVideoFrame frame;

    fail_unless (sample != NULL, "frame %u of %s", i, pipeline_text);
    if (i >= skip) {
      if (!maker) {
        fail_unless (gst_video_info_from_caps (&info,
                gst_sample_get_caps (sample)));
        maker = gst_vgg19_signature_maker_new (&info, NULL);
        fail_unless (maker != NULL);
      }
      fail_unless (gst_video_frame_map (&frame, &info,
              gst_sample_get_buffer (sample), GST_MAP_READ));
      fail_unless (gst_vgg19_signature_maker_run (maker, &frame,
              &out[i - skip], NULL));
      gst_video_frame_unmap (&frame);
    }
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  gst_vgg19_signature_maker_free (maker);
}

/* videotestsrc's moving ball, the distorted stream scaled down and
 * converted by GStreamer, with the first frames missing from one or the
 * other. */
GST_START_TEST (test_videotestsrc_ball)
{
  static const gint shifts[] = { 3, -2, 0 };
  const gchar *ref_text = "videotestsrc pattern=ball ! "
      "video/x-raw,format=I420,width=320,height=240,framerate=25/1 ! "
      "appsink name=sink sync=false";
  const gchar *dist_text = "videotestsrc pattern=ball ! "
      "video/x-raw,format=I420,width=320,height=240,framerate=25/1 ! "
      "videoscale ! videoconvert ! "
      "video/x-raw,format=RGB,width=160,height=120 ! "
      "appsink name=sink sync=false";
  GstVgg19OffsetSearch *search = gst_vgg19_offset_search_new (5, 0, 0, NULL);
  guint window = gst_vgg19_offset_search_get_window (search);
  GstVgg19FrameSignature *ref = g_new (GstVgg19FrameSignature, window);
  GstVgg19FrameSignature *dist = g_new (GstVgg19FrameSignature, window);
  GstVgg19OffsetResult r;
  guint k, i;

  for (k = 0; k < G_N_ELEMENTS (shifts); k++) {
    gint shift = shifts[k];

    /* distorted frame i is reference frame i + shift */
    pipeline_signatures (ref_text, shift < 0 ? -shift : 0, window, ref);
    pipeline_signatures (dist_text, shift > 0 ? shift : 0, window, dist);
    gst_vgg19_offset_search_reset (search);
    for (i = 0; i < window; i++) {
      fail_unless (gst_vgg19_offset_search_push (search,
              GST_VGG19_OFFSET_STREAM_REFERENCE, &ref[i]));
      fail_unless (gst_vgg19_offset_search_push (search,
              GST_VGG19_OFFSET_STREAM_DISTORTED, &dist[i]));
    }
    fail_unless (gst_vgg19_offset_search_is_ready (search));
    gst_vgg19_offset_search_decide (search, &r);
    {
      gchar *text = gst_vgg19_offset_result_describe (&r);

      GST_INFO ("ball, shift %+d: %s", shift, text);
      g_free (text);
    }
    assert_found (&r, shift);
  }
  g_free (ref);
  g_free (dist);
  gst_vgg19_offset_search_free (search);
}

GST_END_TEST;

static Suite *
offset_search_suite (void)
{
  Suite *s = suite_create ("offset_search");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_signature_area_average);
  tcase_add_test (tc, test_signature_rgb_luma);
  tcase_add_test (tc, test_signature_formats_and_sizes);
  tcase_add_test (tc, test_signature_flat);
  tcase_add_test (tc, test_signature_rejects);
  tcase_add_test (tc, test_shifts_in_range);
  tcase_add_test (tc, test_shifts_beyond_range);
  tcase_add_test (tc, test_still_content);
  tcase_add_test (tc, test_crawling_content);
  tcase_add_test (tc, test_repeating_content);
  tcase_add_test (tc, test_flat_frames);
  tcase_add_test (tc, test_different_inputs);
  tcase_add_test (tc, test_strong_distortion);
  tcase_add_test (tc, test_short_streams);
  tcase_add_test (tc, test_window_and_settings);
  tcase_add_test (tc, test_videotestsrc_ball);
  return s;
}

GST_CHECK_MAIN (offset_search);
