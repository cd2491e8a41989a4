/* Error domain and version of the library. */
#include <vgg19/vgg19.h>

G_DEFINE_QUARK (vgg19-error-quark, vgg19_error);

const char *
vgg19_version (void)
{
  return VGG19_VERSION;
}
