/* Resampling behind vgg19_preprocess_packed(). Private to the core; exposed
 * so the unit tests can check the filter at sizes other than 224.
 *
 * The filter is torch's antialiased bilinear (F.interpolate with
 * mode="bilinear", align_corners=False, antialias=True), reproduced in the
 * same float arithmetic and order as torch's CPU kernel: first along rows
 * (horizontal), then along columns, with a float intermediate. The result
 * is bit-identical to torch's portable kernels; torch's AVX2 build fuses
 * the multiply-adds and differs from both by a unit in the last place. */
#ifndef VGG19_PREPROCESS_H
#define VGG19_PREPROCESS_H

#include <vgg19/vgg19.h>

G_BEGIN_DECLS

/* ImageNet's per-channel (RGB) mean and std that the input is normalised
 * with. torch builds its mean/std tensors from Python floats (doubles),
 * so users round these doubles, not the decimal literals, to float. */
extern const double vgg19_imagenet_mean[3];
extern const double vgg19_imagenet_std[3];

/* The taps of a one-dimensional resampling of @in_size samples to
 * @out_size, for the @n outputs @first .. @first + @n - 1.
 * Output i reads inputs start[i] .. start[i] + count[i] - 1 with weights
 * weights[i * max_taps + k]; the weights of one output sum to 1 (up to
 * rounding). Zero weights at either end are dropped, which leaves every
 * result bit-identical because all samples are non-negative. */
typedef struct
{
  guint n;
  guint max_taps;
  guint *start;
  guint *count;
  float *weights;
  /* Inputs read by any output: lo .. hi - 1. */
  guint lo;
  guint hi;
} Vgg19Taps;

/* Fills @taps; FALSE with @error set (VGG19_ERROR_NO_MEMORY or
 * VGG19_ERROR_INVALID_ARGUMENT) when the tables cannot be allocated or the
 * window lies outside @out_size. */
gboolean vgg19_taps_init (Vgg19Taps * taps, guint in_size, guint64 out_size,
    guint64 first, guint n, GError ** error);

/* Frees the tables of @taps (not @taps itself). */
void vgg19_taps_clear (Vgg19Taps * taps);

/* torchvision's Resize(256) + CenterCrop(224) geometry for a @width x
 * @height image: the size after resizing and the top-left corner of the
 * crop within it. */
void vgg19_crop_geometry (guint width, guint height,
    guint64 * resized_width, guint64 * resized_height, guint64 * left,
    guint64 * top);

/* Validates an image description as vgg19_preprocess_packed() does. */
gboolean vgg19_packed_image_check (const Vgg19PackedImage * image,
    GError ** error);

/* Resizes @image to @full_width x @full_height and writes the normalised
 * window of @out_width x @out_height starting at (@left, @top) to @out as
 * three planes. Only the window is computed. */
gboolean vgg19_preprocess_window (const Vgg19PackedImage * image,
    guint64 full_width, guint64 full_height, guint64 left, guint64 top,
    guint out_width, guint out_height, float *out, GError ** error);

G_END_DECLS

#endif /* VGG19_PREPROCESS_H */
