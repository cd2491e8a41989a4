/* VGG configurations as data, expanded once into module tables. */
#include "network.h"

#include <string.h>

#define POOL 0

/* Simonyan & Zisserman's table 1, as torchvision spells it ("M" = pool). */
static const guint config_e[] = {
  64, 64, POOL, 128, 128, POOL, 256, 256, 256, 256, POOL,
  512, 512, 512, 512, POOL, 512, 512, 512, 512, POOL
};

static const guint config_d[] = {
  64, 64, POOL, 128, 128, POOL, 256, 256, 256, POOL,
  512, 512, 512, POOL, 512, 512, 512, POOL
};

/* torchvision's classifier: Linear, ReLU, Dropout, Linear, ReLU, Dropout,
 * Linear. Dropout is the identity at inference, so it has no module here,
 * but it keeps its index in the state dict keys. */
#define FC_HIDDEN 4096

typedef struct
{
  Vgg19Network net;
  Vgg19Module modules[48];
  const char *tap_names[49];
} NetworkStorage;

static void
add_module (NetworkStorage * s, Vgg19ModuleKind kind, char *name,
    guint in_channels, guint out_channels, char *param_key, guint conv_index)
{
  Vgg19Module *m = &s->modules[s->net.n_modules];

  g_assert (s->net.n_modules < G_N_ELEMENTS (s->modules));
  m->kind = kind;
  m->name = name;
  m->in_channels = in_channels;
  m->out_channels = out_channels;
  m->param_key = param_key;
  m->conv_index = conv_index;
  s->tap_names[s->net.n_modules] = name;
  s->net.n_modules++;
}

static const Vgg19Network *
build_network (Vgg19Arch arch, Vgg19Pooling pooling, const char *config_name,
    const guint * config, guint config_len)
{
  /* Built once per process and never freed: the tables are static data. */
  NetworkStorage *s = g_new0 (NetworkStorage, 1);
  guint block = 1, index_in_block = 1, channels = 3, i;
  guint linear_in, linear_index;
  static const guint classifier_keys[] = { 0, 3, 6 };

  s->net.arch = arch;
  s->net.config = config_name;
  s->net.pooling = pooling;
  s->net.modules = s->modules;
  s->net.tap_names = s->tap_names;

  for (i = 0; i < config_len; i++) {
    if (config[i] == POOL) {
      add_module (s, VGG19_MODULE_POOL, g_strdup_printf ("pool%u", block),
          channels, channels, NULL, 0);
      block++;
      index_in_block = 1;
      continue;
    }
    add_module (s, VGG19_MODULE_CONV,
        g_strdup_printf ("conv%u_%u", block, index_in_block), channels,
        config[i], g_strdup_printf ("features.%u", s->net.n_modules),
        s->net.n_convs);
    add_module (s, VGG19_MODULE_RELU,
        g_strdup_printf ("relu%u_%u", block, index_in_block), config[i],
        config[i], NULL, 0);
    s->net.n_convs++;
    channels = config[i];
    index_in_block++;
  }
  s->net.n_features = s->net.n_modules;

  linear_in = channels * VGG19_AVGPOOL_SIDE * VGG19_AVGPOOL_SIDE;
  for (linear_index = 0; linear_index < 3; linear_index++) {
    guint out = linear_index == 2 ? VGG19_N_CLASSES : FC_HIDDEN;

    add_module (s, VGG19_MODULE_LINEAR,
        g_strdup_printf ("fc%u", 6 + linear_index), linear_in, out,
        g_strdup_printf ("classifier.%u", classifier_keys[linear_index]),
        linear_index);
    if (linear_index < 2)
      add_module (s, VGG19_MODULE_RELU,
          g_strdup_printf ("relu%u", 6 + linear_index), out, out, NULL, 0);
    linear_in = out;
  }
  s->net.n_linears = 3;
  s->tap_names[s->net.n_modules] = NULL;
  return &s->net;
}

const Vgg19Network *
vgg19_network_get_pooled (Vgg19Arch arch, Vgg19Pooling pooling)
{
  /* [arch][pooling], each built at its first use */
  static gsize init[2][2];
  static const Vgg19Network *nets[2][2];

  if ((arch != VGG19_ARCH_VGG19 && arch != VGG19_ARCH_VGG16)
      || (pooling != VGG19_POOLING_MAX && pooling != VGG19_POOLING_L2))
    return NULL;
  if (g_once_init_enter (&init[arch][pooling])) {
    nets[arch][pooling] = arch == VGG19_ARCH_VGG19 ?
        build_network (arch, pooling, "E", config_e, G_N_ELEMENTS (config_e))
        : build_network (arch, pooling, "D", config_d,
        G_N_ELEMENTS (config_d));
    g_once_init_leave (&init[arch][pooling], 1);
  }
  return nets[arch][pooling];
}

const Vgg19Network *
vgg19_network_get (Vgg19Arch arch)
{
  return vgg19_network_get_pooled (arch, VGG19_POOLING_MAX);
}

const char *
vgg19_pooling_to_string (Vgg19Pooling pooling)
{
  return pooling == VGG19_POOLING_L2 ? "l2" : "max";
}

int
vgg19_network_find_tap (const Vgg19Network * net, const char *tap)
{
  guint i;

  if (tap == NULL)
    return -1;
  for (i = 0; i < net->n_modules; i++)
    if (strcmp (net->modules[i].name, tap) == 0)
      return (int) i;
  return -1;
}

gboolean
vgg19_network_shapes (const Vgg19Network * net, guint width, guint height,
    guint * channels, guint * heights, guint * widths, GError ** error)
{
  guint c = 3, h = height, w = width, i;

  if (width < VGG19_MIN_INPUT_SIDE || height < VGG19_MIN_INPUT_SIDE) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "input of %ux%u is too small: %s needs at least %ux%u pixels "
        "(five 2x2 poolings)", width, height, vgg19_arch_name (net->arch),
        VGG19_MIN_INPUT_SIDE, VGG19_MIN_INPUT_SIDE);
    return FALSE;
  }
  if (width > VGG19_MAX_INPUT_SIDE || height > VGG19_MAX_INPUT_SIDE
      || (guint64) width * height > VGG19_MAX_INPUT_PIXELS) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "input of %ux%u is too large: at most %u pixels per side and %u "
        "pixels in all (e.g. 4096x4096)", width, height,
        VGG19_MAX_INPUT_SIDE, VGG19_MAX_INPUT_PIXELS);
    return FALSE;
  }

  for (i = 0; i < net->n_modules; i++) {
    const Vgg19Module *m = &net->modules[i];

    switch (m->kind) {
      case VGG19_MODULE_CONV:
        c = m->out_channels;
        break;
      case VGG19_MODULE_POOL:
        /* max: kernel 2, no padding, floor; L2: kernel 3, padding 1,
         * stride 2, so floor((n + 2 - 3) / 2) + 1 = ceil(n / 2) */
        if (net->pooling == VGG19_POOLING_L2) {
          h = (h + 1) / 2;
          w = (w + 1) / 2;
        } else {
          h /= 2;
          w /= 2;
        }
        break;
      case VGG19_MODULE_LINEAR:
        c = m->out_channels;
        h = w = 1;
        break;
      case VGG19_MODULE_RELU:
        break;
    }
    channels[i] = c;
    heights[i] = h;
    widths[i] = w;
  }
  return TRUE;
}

/* Public wrappers ---------------------------------------------------- */

const char *
vgg19_arch_name (Vgg19Arch arch)
{
  return arch == VGG19_ARCH_VGG16 ? "vgg16" : "vgg19";
}

const char *const *
vgg19_arch_tap_names (Vgg19Arch arch, guint * n_taps)
{
  const Vgg19Network *net = vgg19_network_get (arch);

  if (n_taps)
    *n_taps = net ? net->n_modules : 0;
  return net ? net->tap_names : NULL;
}

gboolean
vgg19_arch_tap_shape (Vgg19Arch arch, const char *tap, guint width,
    guint height, guint * channels, guint * out_height, guint * out_width,
    GError ** error)
{
  const Vgg19Network *net = vgg19_network_get (arch);
  guint c[64], h[64], w[64];
  int index;

  if (net == NULL) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "unknown network %d", (int) arch);
    return FALSE;
  }
  index = vgg19_network_find_tap (net, tap);
  if (index < 0) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "unknown layer '%s' for %s (layers are named conv1_1, relu1_1, "
        "pool1, ..., fc6, relu6, fc7, relu7, fc8)", tap ? tap : "(null)",
        vgg19_arch_name (arch));
    return FALSE;
  }
  if (!vgg19_network_shapes (net, width, height, c, h, w, error))
    return FALSE;
  if (channels)
    *channels = c[index];
  if (out_height)
    *out_height = h[index];
  if (out_width)
    *out_width = w[index];
  return TRUE;
}
