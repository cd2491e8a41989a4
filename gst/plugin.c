/* The vgg19 GStreamer plugin: the vgg19 element, and vgg19compare. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

#include "gstvgg19.h"
#include "gstvgg19compare.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ok = GST_ELEMENT_REGISTER (vgg19, plugin);

  ok &= GST_ELEMENT_REGISTER (vgg19compare, plugin);
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, vgg19,
    "VGG-19 on the CPU: ImageNet classes, layer activations and perceptual "
    "loss of video frames, as buffer metadata; perceptual quality of a "
    "distorted video against its reference",
    plugin_init, VERSION, "BSD", PACKAGE, GST_PACKAGE_ORIGIN)
