/* An image file turned into the network's input: decoded, resized and
 * normalised as the chosen resize mode says. */
#ifndef VGG19_TOOLS_IMAGE_INPUT_H
#define VGG19_TOOLS_IMAGE_INPUT_H

#include <vgg19/vgg19.h>

#include "image_load.h"

G_BEGIN_DECLS

typedef struct
{
  guint image_width;            /* the decoded image */
  guint image_height;
  guint width;                  /* the network input */
  guint height;
  float *data;                  /* 3 x height x width, RGB planes */
} CliInput;

/* Decodes @path and preprocesses it with @pre (whose resize mode decides
 * the input size); one preprocessor serves any number of images. */
gboolean cli_input_load (const char *path, Vgg19Preprocessor * pre,
    CliInput * input, GError ** error);

/* The same from an image decoded already; @path names it in errors. */
gboolean cli_input_from_image (const char *path, const CliRgbImage * image,
    Vgg19Preprocessor * pre, CliInput * input, GError ** error);

void cli_input_clear (CliInput * input);

G_END_DECLS

#endif /* VGG19_TOOLS_IMAGE_INPUT_H */
