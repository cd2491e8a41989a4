/* The loaded model: repacked weights, immutable once built. Private. */
#ifndef VGG19_MODEL_H
#define VGG19_MODEL_H

#include <vgg19/vgg19.h>

#include "network.h"

G_BEGIN_DECLS

typedef struct
{
  /* One of the two forms, chosen at load: Winograd's U (winograd.h) for
   * the layers vgg19_winograd_applies() to, else the direct kernels'
   * packed weights (conv3x3.h). */
  float *weights;               /* packed for the conv3x3 kernels, or NULL */
  float *winograd_u;            /* U, 36 * out * in floats, or NULL */
  float *bias;                  /* out_channels */
  guint in_block;               /* ibs: 3 for the image input, else 16 */
} Vgg19ConvParams;

typedef struct
{
  float *weights;               /* row-major [out][in] */
  float *bias;
} Vgg19LinearParams;

struct _Vgg19Model
{
  gint ref_count;
  char *path;
  const char *format;
  const char *source_dtype;
  const Vgg19Network *net;
  guint64 n_parameters;

  Vgg19ConvParams *convs;       /* net->n_convs */
  gboolean has_classifier;
  Vgg19LinearParams linears[3];
};

G_END_DECLS

#endif /* VGG19_MODEL_H */
