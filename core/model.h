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
  gboolean u_cached;            /* winograd_u belongs to the Winograd cache */
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
  struct _Vgg19WinogradCache *winograd_cache;   /* U read from the cache, or NULL */

  /* bf16 copies for bf16 sessions, made by the first one
   * (vgg19_model_prepare_bf16) and read-only afterwards. */
  GMutex bf16_lock;
  gboolean bf16_ready;
  guint16 **conv_u16;           /* per conv: U16 (winograd_bf16.h) or NULL */
  guint16 *linear_w16[3];       /* [out][in], or NULL without classifier */
};

/* Makes the bf16 copies of the Winograd filters and the Linear weights
 * once (thread-safe; later calls return at once). FALSE with @error set
 * when memory runs out (the model is left as it was). */
gboolean vgg19_model_prepare_bf16 (Vgg19Model * model, GError ** error);

/* Frees the bf16 copies (when the model is freed). */
void vgg19_model_free_bf16 (Vgg19Model * model);

G_END_DECLS

#endif /* VGG19_MODEL_H */
