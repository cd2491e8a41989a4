/* Decoding (image_load.c) followed by the library's preprocessing. */
#include <string.h>

#include "cli.h"
#include "image_input.h"
#include "image_load.h"

gboolean
cli_input_load (const char *path, Vgg19Preprocessor * pre,
    CliInput * input, GError ** error)
{
  CliRgbImage rgb;
  gboolean ok;

  memset (input, 0, sizeof (*input));
  if (!cli_image_load (path, &rgb, error))
    return FALSE;
  ok = cli_input_from_image (path, &rgb, pre, input, error);
  cli_image_clear (&rgb);
  return ok;
}

gboolean
cli_input_from_image (const char *path, const CliRgbImage * image,
    Vgg19Preprocessor * pre, CliInput * input, GError ** error)
{
  const CliRgbImage rgb = *image;
  Vgg19PackedImage packed = { 0 };
  GError *local = NULL;
  gsize n;

  memset (input, 0, sizeof (*input));
  input->image_width = rgb.width;
  input->image_height = rgb.height;

  if (!vgg19_preprocessor_get_output_size (pre, rgb.width, rgb.height,
          &input->width, &input->height, &local)) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED, "'%s': %s", path,
        local->message);
    goto fail;
  }
  /* Bounded before allocating: a huge image at its native size would
   * otherwise ask for gigabytes only to be refused by the session. */
  if (input->width > VGG19_MAX_INPUT_SIDE
      || input->height > VGG19_MAX_INPUT_SIDE
      || (guint64) input->width * input->height > VGG19_MAX_INPUT_PIXELS) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "'%s' is %ux%u, larger than the network accepts (at most %u pixels "
        "a side and %u pixels in all); try --resize stretch", path,
        input->width, input->height, VGG19_MAX_INPUT_SIDE,
        VGG19_MAX_INPUT_PIXELS);
    goto fail;
  }
  n = (gsize) 3 * input->width * input->height;
  input->data = g_try_new (float, n);
  if (input->data == NULL) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED,
        "'%s': out of memory for a %ux%u input", path, input->width,
        input->height);
    goto fail;
  }

  packed.data = rgb.pixels;
  packed.width = rgb.width;
  packed.height = rgb.height;
  packed.stride = (gsize) rgb.width * 3;
  packed.pixel_stride = 3;
  packed.r_offset = 0;
  packed.g_offset = 1;
  packed.b_offset = 2;
  if (!vgg19_preprocessor_run (pre, &packed, input->data, &local)) {
    g_set_error (error, CLI_ERROR, CLI_ERROR_FAILED, "'%s': %s", path,
        local->message);
    goto fail;
  }
  return TRUE;

fail:
  g_clear_error (&local);
  cli_input_clear (input);
  return FALSE;
}

void
cli_input_clear (CliInput * input)
{
  g_free (input->data);
  memset (input, 0, sizeof (*input));
}
