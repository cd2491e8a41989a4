/* Fuzz target: the code of ours that reads image bytes. Images are
 * decoded by GStreamer; what the library then reads is a packed 8-bit
 * frame whose geometry (size, stride, pixel stride, channel offsets) the
 * caller describes, and the preprocessor resizes it to the network's
 * input. The input starts with a 20-byte header:
 *
 *   0      resize mode (mod 4: the 4th value is an invalid mode)
 *   1      pixel stride (raw: 0 and values above 8 are invalid)
 *   2..4   red, green, blue offsets within a pixel (raw)
 *   5..6   width, 7..8 height (u16 little-endian)
 *   9..10  row padding, or with bit 0 of byte 11 the raw stride
 *   11     flags: bit 0 raw stride, bit 1 run a second image of the
 *          transposed size through the same preprocessor, bit 2 resample
 *          a small window of any resized size instead (see below)
 *   12..19 two u32: a size for the arithmetic alone (no pixels)
 *
 * The preprocessor always writes a 224x224 (or native size) input, some
 * 30 runs a second under the sanitizers; the window mode reaches the same
 * resampling code for any resized size (the low 12 bits of the two u32,
 * plus one) with a window of at most 16x16 (size and offset in the high
 * 16 bits of the first u32), which is far quicker.
 *
 * and the rest are the pixels. Geometry the library refuses must give a
 * GError; geometry it accepts is only run when the input holds all the
 * bytes it describes (the API's contract with its caller). */
#include <string.h>

#include <vgg19/vgg19.h>

#include "fuzz_common.h"
#include "preprocess.h"

#define HEADER 20

static guint
get_u16 (const uint8_t * p)
{
  return p[0] | (p[1] << 8);
}

static guint
get_u32 (const uint8_t * p)
{
  return (guint) p[0] | ((guint) p[1] << 8) | ((guint) p[2] << 16)
      | ((guint) p[3] << 24);
}

/* Size arithmetic on any 32-bit size: no pixels are read. */
static void
check_arithmetic (guint width, guint height)
{
  guint64 rw, rh, left, top;
  guint ow, oh, c, h, w;
  Vgg19Resize mode;

  for (mode = VGG19_RESIZE_STRETCH; mode <= VGG19_RESIZE_NONE; mode++)
    if (vgg19_preprocess_size (mode, width, height, &ow, &oh, NULL))
      FUZZ_CHECK (ow > 0 && oh > 0, "non-empty network input");
  if (width > 0 && height > 0) {
    vgg19_crop_geometry (width, height, &rw, &rh, &left, &top);
    FUZZ_CHECK (rw >= VGG19_CLASSIFIER_SIDE && rh >= VGG19_CLASSIFIER_SIDE
        && left + VGG19_CLASSIFIER_SIDE <= rw
        && top + VGG19_CLASSIFIER_SIDE <= rh, "crop within the resized image");
  }
  if (vgg19_arch_tap_shape (VGG19_ARCH_VGG19, "pool5", width, height, &c, &h,
          &w, NULL))
    FUZZ_CHECK (c == 512 && h == height / 32 && w == width / 32,
        "pool5 shape");
}

static void
run (Vgg19Preprocessor * pre, Vgg19Resize mode, const Vgg19PackedImage * im,
    size_t n_pixels)
{
  GError *error = NULL;
  gsize row_bytes, span;
  guint ow, oh;
  float *out;

  if (!vgg19_packed_image_check (im, &error)) {
    FUZZ_CHECK (error != NULL, "refused geometry sets an error");
    g_clear_error (&error);
    return;
  }
  /* Accepted: the bytes it describes must be addressable. */
  FUZZ_CHECK (g_size_checked_mul (&row_bytes, im->width, im->pixel_stride)
      && g_size_checked_mul (&span, im->height - 1, im->stride)
      && g_size_checked_add (&span, span, row_bytes), "span fits");
  if (span > n_pixels)
    return;
  if (!vgg19_preprocess_size (mode, im->width, im->height, &ow, &oh, &error)) {
    g_clear_error (&error);
    ow = oh = 1;
  }
  out = g_new (float, (gsize) 3 * ow * oh);
  if (!vgg19_preprocessor_run (pre, im, out, &error)) {
    FUZZ_CHECK (error != NULL, "refused image sets an error");
    g_clear_error (&error);
  }
  g_free (out);
}

/* A window of @full_w x @full_h: outputs (left, top) .. + (ow, oh). */
static void
run_window (const Vgg19PackedImage * im, size_t n_pixels, guint full_w,
    guint full_h, guint spec)
{
  GError *error = NULL;
  guint ow = 1 + (spec & 15), oh = 1 + ((spec >> 4) & 15);
  guint left = (spec >> 8) & 15, top = (spec >> 12) & 15;
  gsize row_bytes, span;
  float out[3 * 16 * 16];

  if (!vgg19_packed_image_check (im, NULL)
      || !g_size_checked_mul (&row_bytes, im->width, im->pixel_stride)
      || !g_size_checked_mul (&span, im->height - 1, im->stride)
      || !g_size_checked_add (&span, span, row_bytes) || span > n_pixels)
    return;
  /* The window may lie partly outside the resized image: refused. */
  if (!vgg19_preprocess_window (im, full_w, full_h, left, top, ow, oh, out,
          &error)) {
    FUZZ_CHECK (error != NULL && (left + ow > full_w || top + oh > full_h),
        "only a window outside the image is refused");
    g_clear_error (&error);
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  Vgg19PackedImage im = { 0 };
  Vgg19Preprocessor *pre;
  GError *error = NULL;
  Vgg19Resize mode;
  guint flags, width, height, pad;

  if (size < HEADER)
    return 0;
  check_arithmetic (get_u32 (data + 12), get_u32 (data + 16));

  mode = (Vgg19Resize) (data[0] % 4);
  pre = vgg19_preprocessor_new (mode, 0, 0, &error);
  if (pre == NULL) {
    FUZZ_CHECK (error != NULL && mode > VGG19_RESIZE_NONE, "invalid mode");
    g_error_free (error);
    return 0;
  }
  width = get_u16 (data + 5);
  height = get_u16 (data + 7);
  pad = get_u16 (data + 9);
  flags = data[11];
  im.data = data + HEADER;
  im.width = width;
  im.height = height;
  im.pixel_stride = data[1];
  im.r_offset = data[2];
  im.g_offset = data[3];
  im.b_offset = data[4];
  im.stride = (flags & 1) ? pad : (gsize) width * im.pixel_stride + pad;
  if (flags & 4) {
    run_window (&im, size - HEADER, 1 + (get_u32 (data + 12) & 4095),
        1 + (get_u32 (data + 16) & 4095), get_u32 (data + 12) >> 16);
    vgg19_preprocessor_free (pre);
    return 0;
  }
  run (pre, mode, &im, size - HEADER);
  if (flags & 2) {
    im.width = height;
    im.height = width;
    if (!(flags & 1))
      im.stride = (gsize) height * im.pixel_stride + pad;
    run (pre, mode, &im, size - HEADER);
  }
  vgg19_preprocessor_free (pre);
  return 0;
}
