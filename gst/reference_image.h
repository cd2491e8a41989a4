/* The reference picture of the loss mode: decoded once from a file with a
 * small GStreamer pipeline, kept as an RGB buffer. */
#ifndef GST_VGG19_REFERENCE_IMAGE_H
#define GST_VGG19_REFERENCE_IMAGE_H

#include <gst/video/video.h>

G_BEGIN_DECLS

/* Decodes the first picture of @path (any image or video format the
 * installed plugins decode) to 8-bit RGB; alpha is dropped.
 *
 * Returns: (transfer full): the picture, described by @info, or NULL with
 * @error set in GST_RESOURCE_ERROR (NOT_FOUND, OPEN_READ), GST_STREAM_ERROR
 * (the file is not a picture) or GST_CORE_ERROR (a plugin is missing); the
 * message names @path. */
GstBuffer *gst_vgg19_reference_image_load (const char *path,
    GstVideoInfo * info, GError ** error);

/* @image (described by @info) resized to @width x @height RGB, described
 * by @out_info. */
GstBuffer *gst_vgg19_reference_image_scale (GstBuffer * image,
    const GstVideoInfo * info, guint width, guint height,
    GstVideoInfo * out_info, GError ** error);

G_END_DECLS

#endif /* GST_VGG19_REFERENCE_IMAGE_H */
