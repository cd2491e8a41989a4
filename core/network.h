/* The network as data: the module sequence of torchvision's VGG
 * configurations "E" (VGG-19) and "D" (VGG-16). Private to the core.
 *
 * Modules are numbered like torchvision's `features` Sequential (so a
 * feature tap's index equals torchvision's module index), followed by the
 * classifier's Linear and ReLU modules. Every module output is a tap, named
 * as users know it: conv4_2 (before its ReLU), relu4_2, pool4, fc6, relu6,
 * fc7, relu7, fc8.
 */
#ifndef VGG19_NETWORK_H
#define VGG19_NETWORK_H

#include <vgg19/vgg19.h>

G_BEGIN_DECLS

typedef enum
{
  VGG19_MODULE_CONV,            /* 3x3, stride 1, padding 1, with bias */
  VGG19_MODULE_RELU,
  VGG19_MODULE_POOL,            /* the network's pooling (below) */
  VGG19_MODULE_LINEAR,          /* after the 7x7 adaptive average pool */
} Vgg19ModuleKind;

typedef struct
{
  Vgg19ModuleKind kind;
  const char *name;             /* tap name of the module's output */
  guint in_channels;            /* features; for LINEAR: input length */
  guint out_channels;           /* for LINEAR: output length */
  /* Key prefix of the module's parameters in torchvision's state dict
   * ("features.0", "classifier.6"), NULL for parameterless modules. */
  const char *param_key;
  guint conv_index;             /* CONV: 0-based among convolutions;
                                 * LINEAR: 0, 1, 2 */
} Vgg19Module;

typedef struct
{
  Vgg19Arch arch;
  const char *config;           /* "E" or "D" */
  /* What every POOL module computes: torchvision's 2x2 max (floor), or
   * DISTS' L2 pooling (ceil). The only difference between the variants
   * of one configuration, which share their weights. */
  Vgg19Pooling pooling;
  guint n_modules;
  const Vgg19Module *modules;
  guint n_features;             /* modules in `features` (37 or 31) */
  guint n_convs;
  guint n_linears;              /* 3 */
  const char *const *tap_names; /* NULL-terminated, n_modules entries */
} Vgg19Network;

/* Never NULL for a valid @arch; built once, immutable. Max pooling. */
const Vgg19Network *vgg19_network_get (Vgg19Arch arch);

/* The same network with @pooling in its POOL modules; NULL for an
 * invalid @arch or @pooling. */
const Vgg19Network *vgg19_network_get_pooled (Vgg19Arch arch,
    Vgg19Pooling pooling);

/* Index of the module whose output is @tap, or -1. */
int vgg19_network_find_tap (const Vgg19Network * net, const char *tap);

/* Output shape of every module for an input of @width x @height:
 * fills @channels, @heights, @widths (n_modules entries each; LINEAR
 * modules give (out, 1, 1)). FALSE with @error when the input is too small
 * or too large for the network. */
gboolean vgg19_network_shapes (const Vgg19Network * net, guint width,
    guint height, guint * channels, guint * heights, guint * widths,
    GError ** error);

/* Side of the adaptive average pool's output (7). */
#define VGG19_AVGPOOL_SIDE 7

G_END_DECLS

#endif /* VGG19_NETWORK_H */
