/* Video frames of any accepted format to the network's input.
 *
 * One converter per negotiated format: it turns a mapped GstVideoFrame into
 * the three normalised float planes VGG-19 takes, resized as the element's
 * resize mode says. Formats whose pixels are already 8-bit full-range RGB
 * or grey go straight to the core's fused resize and normalisation; the
 * others (YUV, limited-range RGB or grey) are first converted to RGB with
 * the matrix and range of the caps' colorimetry. */
#ifndef GST_VGG19_FRAME_CONVERT_H
#define GST_VGG19_FRAME_CONVERT_H

#include <gst/video/video.h>
#include <vgg19/vgg19.h>

G_BEGIN_DECLS

/* The raw formats the element accepts, for its caps. */
#define GST_VGG19_VIDEO_FORMATS \
  "{ RGB, BGR, RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, ARGB, ABGR, GRAY8, " \
  "I420, YV12, NV12, NV21, Y42B, Y444, YUY2, UYVY, YVYU, AYUV }"

typedef struct _GstVgg19FrameConverter GstVgg19FrameConverter;

/* A converter for frames described by @info, to a network input sized by
 * vgg19_preprocess_size(@resize, ...). Its scratch memory is allocated
 * here so that converting a frame never allocates.
 *
 * Returns: NULL with @error set (VGG19_ERROR_INVALID_ARGUMENT) for a format
 * outside GST_VGG19_VIDEO_FORMATS or a size the resize mode refuses. */
GstVgg19FrameConverter *gst_vgg19_frame_converter_new (const GstVideoInfo *
    info, Vgg19Resize resize, GError ** error);

void gst_vgg19_frame_converter_free (GstVgg19FrameConverter * conv);

/* The network input size: the planes written by _run() are 3 x @height x
 * @width floats. */
void gst_vgg19_frame_converter_get_size (const GstVgg19FrameConverter * conv,
    guint * width, guint * height);

/* From now on, resizes the frames to @width x @height (0 x 0: back to the
 * resize mode's size); see vgg19_preprocessor_set_output_size(). */
gboolean gst_vgg19_frame_converter_set_output_size (GstVgg19FrameConverter *
    conv, guint width, guint height, GError ** error);

/* The frames' own size. */
void gst_vgg19_frame_converter_get_frame_size (const GstVgg19FrameConverter *
    conv, guint * width, guint * height);

/* Converts @frame (mapped for reading, of the converter's format and size)
 * into @out. */
gboolean gst_vgg19_frame_converter_run (GstVgg19FrameConverter * conv,
    const GstVideoFrame * frame, float *out, GError ** error);

/* The 8-bit RGB picture the converter sees in @frame, written to @rgb
 * (3 bytes per pixel, rows @stride bytes apart): the colour conversion on
 * its own, so that it can be checked against GStreamer's. */
gboolean gst_vgg19_frame_converter_to_rgb (GstVgg19FrameConverter * conv,
    const GstVideoFrame * frame, guint8 * rgb, gsize stride,
    GError ** error);

G_END_DECLS

#endif /* GST_VGG19_FRAME_CONVERT_H */
