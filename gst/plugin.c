/* The vgg19 GStreamer plugin: one element, vgg19. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstvgg19.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  return GST_ELEMENT_REGISTER (vgg19, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, vgg19,
    "VGG-19 on the CPU: ImageNet classes, layer activations and perceptual "
    "loss of video frames, as buffer metadata",
    plugin_init, VERSION, "BSD", PACKAGE, GST_PACKAGE_ORIGIN)
