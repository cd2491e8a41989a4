/* The bf16 copies of a model's weights, for bf16 sessions.
 *
 * Made on first use rather than at load: a float32-only user pays
 * neither the time (~0.3 s) nor the memory (half of the Winograd filters'
 * and the Linear weights' float32 size, ~400 MB for VGG-19). The float32
 * weights stay: the first convolution (3 input channels, direct kernel)
 * and any layer without a Winograd form run in float32 in both
 * precisions.
 */
#include "aligned.h"
#include "bf16_kernels.h"
#include "cpu.h"
#include "model.h"
#include "winograd_bf16.h"

void
vgg19_model_free_bf16 (Vgg19Model * model)
{
  guint i;

  if (model->conv_u16) {
    for (i = 0; i < model->net->n_convs; i++)
      vgg19_free_bf16 (model->conv_u16[i]);
    g_clear_pointer (&model->conv_u16, g_free);
  }
  for (i = 0; i < 3; i++)
    g_clear_pointer (&model->linear_w16[i], vgg19_free_bf16);
}

static gboolean
make_copies (Vgg19Model * model, GError ** error)
{
  const Vgg19Bf16Kernels *k =
      vgg19_bf16_kernels_select (vgg19_cpu_use_avx512_bf16 ());
  const Vgg19Network *net = model->net;
  guint i;

  model->conv_u16 = g_new0 (guint16 *, net->n_convs);
  for (i = 0; i < net->n_modules; i++) {
    const Vgg19Module *m = &net->modules[i];
    const Vgg19ConvParams *p;
    gsize n;

    if (m->kind == VGG19_MODULE_CONV) {
      p = &model->convs[m->conv_index];
      if (p->winograd_u == NULL)
        continue;
      n = (gsize) VGG19_WINOGRAD_POINTS * m->in_channels * m->out_channels;
      model->conv_u16[m->conv_index] = vgg19_alloc_bf16 (n, m->name, error);
      if (model->conv_u16[m->conv_index] == NULL)
        return FALSE;
      vgg19_bf16_winograd_pack_u (p->winograd_u, m->out_channels,
          m->in_channels, model->conv_u16[m->conv_index]);
    } else if (m->kind == VGG19_MODULE_LINEAR && model->has_classifier) {
      n = (gsize) m->in_channels * m->out_channels;
      model->linear_w16[m->conv_index] = vgg19_alloc_bf16 (n, m->name,
          error);
      if (model->linear_w16[m->conv_index] == NULL)
        return FALSE;
      k->convert (model->linears[m->conv_index].weights,
          model->linear_w16[m->conv_index], n);
    }
  }
  return TRUE;
}

gboolean
vgg19_model_prepare_bf16 (Vgg19Model * model, GError ** error)
{
  gboolean ok = TRUE;

  g_mutex_lock (&model->bf16_lock);
  if (!model->bf16_ready) {
    gint64 start = g_get_monotonic_time ();

    ok = make_copies (model, error);
    if (ok) {
      model->bf16_ready = TRUE;
      g_debug ("%s: bf16 copies of the weights made in %.0f ms",
          model->path, (g_get_monotonic_time () - start) / 1e3);
    } else {
      vgg19_model_free_bf16 (model);
    }
  }
  g_mutex_unlock (&model->bf16_lock);
  return ok;
}
