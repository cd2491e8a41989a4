/* A cheap signature of a video frame, for telling frames apart quickly.
 *
 * The signature is a small luma thumbnail (GST_VGG19_SIGNATURE_WIDTH x
 * GST_VGG19_SIGNATURE_HEIGHT cells, each the exact area average of the
 * frame's luma over its part of the picture), made zero-mean and of unit
 * norm. Two signatures are then compared by their dot product, the
 * correlation of the two thumbnails: 1 for the same picture, whatever its
 * brightness, contrast, size, format or range; near 1 for the same picture
 * after mild compression, noise or blur; lower for different pictures.
 *
 * The thumbnail always covers the whole picture, stretched to the grid
 * whatever the frame's aspect ratio: two inputs of different sizes or
 * aspect ratios are compared picture to picture, as the comparing element
 * scales one onto the other. The grid is 16:9, the shape of most content;
 * other shapes just get cells that are not square.
 *
 * Luma is the Y component of YUV frames and of grey ones, and
 * (77 R + 150 G + 29 B) / 256 (BT.601's weights) of RGB frames. The
 * normalisation removes any affine change of luma (range, offsets,
 * scale), so limited and full range, or a different matrix, hardly
 * matter. Interlaced frames are taken as the whole woven frame.
 *
 * A frame whose thumbnail has a standard deviation below
 * GST_VGG19_SIGNATURE_FLAT_STDDEV luma levels (black, grey or a single
 * colour, noise averaged away by the thumbnail) has no structure to
 * compare: its signature is flagged as flat and is all zeros, so that it
 * correlates 0 with anything.
 *
 * Not thread-safe: a maker is used by one thread at a time. */
#ifndef GST_VGG19_FRAME_SIGNATURE_H
#define GST_VGG19_FRAME_SIGNATURE_H

#include <gst/video/video.h>

G_BEGIN_DECLS

#define GST_VGG19_SIGNATURE_WIDTH 32
#define GST_VGG19_SIGNATURE_HEIGHT 18
#define GST_VGG19_SIGNATURE_LENGTH \
  (GST_VGG19_SIGNATURE_WIDTH * GST_VGG19_SIGNATURE_HEIGHT)

/* In 8-bit luma levels of the thumbnail: a picture whose cells vary by
 * less than a level is plain to the eye, and the area average leaves far
 * less than that of the sensor or coding noise of a plain picture (a cell
 * of a 320x240 frame averages 133 pixels, dividing the noise's deviation
 * by 11). */
#define GST_VGG19_SIGNATURE_FLAT_STDDEV 1.0

typedef struct
{
  /* the thumbnail, row by row, zero-mean and of unit norm (all zeros
   * when flat) */
  gfloat values[GST_VGG19_SIGNATURE_LENGTH];
  /* the thumbnail's mean luma and its standard deviation, in 8-bit
   * levels of the frame's own range, before the normalisation */
  gfloat mean;
  gfloat stddev;
  /* no structure: stddev below GST_VGG19_SIGNATURE_FLAT_STDDEV */
  gboolean flat;
} GstVgg19FrameSignature;

typedef struct _GstVgg19SignatureMaker GstVgg19SignatureMaker;

/* A maker of the signatures of frames described by @info (any format of
 * GST_VGG19_VIDEO_FORMATS, any size of at least 1x1). Its tables and
 * scratch memory are allocated here so that a signature never allocates.
 *
 * Returns: NULL with @error set (VGG19_ERROR_INVALID_ARGUMENT) for another
 * format, naming it. */
GstVgg19SignatureMaker *gst_vgg19_signature_maker_new (const GstVideoInfo *
    info, GError ** error);

void gst_vgg19_signature_maker_free (GstVgg19SignatureMaker * maker);

/* Computes the signature of @frame (mapped for reading, of the maker's
 * format and size) into @signature.
 *
 * Returns: FALSE with @error set (VGG19_ERROR_INVALID_ARGUMENT) for a
 * frame of another format or size than the maker's, naming both. */
gboolean gst_vgg19_signature_maker_run (GstVgg19SignatureMaker * maker,
    const GstVideoFrame * frame, GstVgg19FrameSignature * signature,
    GError ** error);

/* The correlation of two signatures, their dot product: in [-1, 1], 1 for
 * the same picture, 0 when either is flat. */
gfloat gst_vgg19_frame_signature_correlate (const GstVgg19FrameSignature *
    a, const GstVgg19FrameSignature * b);

G_END_DECLS

#endif /* GST_VGG19_FRAME_SIGNATURE_H */
