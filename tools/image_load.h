/* Decoding an image file to 8-bit RGB with GStreamer. */
#ifndef VGG19_TOOLS_IMAGE_LOAD_H
#define VGG19_TOOLS_IMAGE_LOAD_H

#include <glib.h>

G_BEGIN_DECLS

/* Tightly packed RGB: 3 bytes per pixel, width * 3 bytes per row. */
typedef struct
{
  guint width;
  guint height;
  guint8 *pixels;
} CliRgbImage;

/* Decodes the first frame of @path (any format GStreamer can decode:
 * PNG, JPEG, ..., or a video) to RGB. Alpha is dropped, grey is
 * replicated. gst_init() must have been called. On failure the error
 * names @path and says whether it is missing, unreadable or not an
 * image. */
gboolean cli_image_load (const char *path, CliRgbImage * image,
    GError ** error);

/* The same, and @more_frames (when not NULL) says whether a second frame
 * follows the first: a video rather than a picture. */
gboolean cli_image_load_first (const char *path, CliRgbImage * image,
    gboolean * more_frames, GError ** error);

/* Frees the pixels and zeroes @image. */
void cli_image_clear (CliRgbImage * image);

G_END_DECLS

#endif /* VGG19_TOOLS_IMAGE_LOAD_H */
