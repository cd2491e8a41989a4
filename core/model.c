/* Loading a model: find the network the tensors describe, check every
 * tensor's name, shape and dtype, then read each one as float32 and repack
 * it for the kernels. The file is closed before returning. */
#include "model.h"

#include <string.h>

#include "aligned.h"
#include "conv3x3.h"
#include "cpu.h"
#include "winograd.h"
#include "winograd_cache.h"
#include "tensor_file.h"

/* Tensor names of the classifier in the two conventions we read. */
typedef struct
{
  const char *convention;
  const char *linear_keys[3];
} ClassifierNames;

static const ClassifierNames torchvision_names = {
  "torchvision", {"classifier.0", "classifier.3", "classifier.6"}
};

/* timm's vgg19.tv_in1k: the first two Linear layers are stored as
 * convolutions (7x7 and 1x1) holding the same numbers. */
static const ClassifierNames timm_names = {
  "timm", {"pre_logits.fc1", "pre_logits.fc2", "head.fc"}
};

typedef struct
{
  const char *path;
  Vgg19TensorFile *file;
  GHashTable *expected;         /* names we have accounted for */
} Loader;

static gboolean
shape_equals (const Vgg19RawTensor * t, guint n_dims, const guint64 * shape)
{
  guint i;

  if (t->n_dims != n_dims)
    return FALSE;
  for (i = 0; i < n_dims; i++)
    if (t->shape[i] != shape[i])
      return FALSE;
  return TRUE;
}

/* The tensor @name with one of the accepted shapes (the first is the one
 * named in errors), a float dtype, and marks it as used. */
static const Vgg19RawTensor *
require_tensor (Loader * ld, const char *name, guint n_dims,
    const guint64 * shape, guint alt_n_dims, const guint64 * alt_shape,
    GError ** error)
{
  const Vgg19RawTensor *t = vgg19_tensor_file_lookup (ld->file, name);
  char *expected, *found;

  if (t == NULL) {
    expected = vgg19_shape_to_string (n_dims, shape);
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_WEIGHTS,
        "%s: tensor '%s' %s is missing", ld->path, name, expected);
    g_free (expected);
    return NULL;
  }
  g_hash_table_add (ld->expected, (gpointer) t->name);

  if (!shape_equals (t, n_dims, shape)
      && !(alt_shape && shape_equals (t, alt_n_dims, alt_shape))) {
    expected = vgg19_shape_to_string (n_dims, shape);
    found = vgg19_shape_to_string (t->n_dims, t->shape);
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_WEIGHTS,
        "%s: tensor '%s' has shape %s, expected %s", ld->path, name, found,
        expected);
    g_free (expected);
    g_free (found);
    return NULL;
  }
  switch (t->dtype) {
    case VGG19_DTYPE_F32:
    case VGG19_DTYPE_F16:
    case VGG19_DTYPE_BF16:
    case VGG19_DTYPE_F64:
      break;
    default:
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_WEIGHTS,
          "%s: tensor '%s' has dtype %s, expected F32, F16 or BF16",
          ld->path, name, vgg19_dtype_name (t->dtype));
      return NULL;
  }
  return t;
}

static gboolean
load_conv (Loader * ld, Vgg19Model * model, const Vgg19Module * m,
    GError ** error)
{
  Vgg19ConvParams *p = &model->convs[m->conv_index];
  guint64 wshape[4] = { m->out_channels, m->in_channels, 3, 3 };
  guint64 bshape[1] = { m->out_channels };
  char *wname = g_strconcat (m->param_key, ".weight", NULL);
  char *bname = g_strconcat (m->param_key, ".bias", NULL);
  const Vgg19RawTensor *wt, *bt;
  gsize n = (gsize) m->out_channels * m->in_channels * 9;
  float *plain = NULL;
  gboolean ok = FALSE, winograd;

  wt = require_tensor (ld, wname, 4, wshape, 0, NULL, error);
  if (wt == NULL)
    goto out;
  bt = require_tensor (ld, bname, 1, bshape, 0, NULL, error);
  if (bt == NULL)
    goto out;

  p->in_block = m->in_channels < VGG19_CBLOCK ? m->in_channels : VGG19_CBLOCK;
  winograd = vgg19_winograd_applies (m->in_channels, m->out_channels)
      && vgg19_cpu_use_winograd ();
  if ((p->bias = vgg19_alloc_floats (m->out_channels, bname, error)) == NULL)
    goto out;
  if (winograd && model->winograd_cache) {
    /* Already transformed: the filters themselves are not read. */
    p->winograd_u = (float *) vgg19_winograd_cache_get (model->winograd_cache,
        m->conv_index);
    p->u_cached = TRUE;
  } else {
    if ((plain = vgg19_alloc_floats (n, wname, error)) == NULL)
      goto out;
    if (winograd)
      p->winograd_u = vgg19_alloc_floats (n / 9 * VGG19_WINOGRAD_POINTS,
          wname, error);
    else
      p->weights = vgg19_alloc_floats (n, wname, error);
    if (p->weights == NULL && p->winograd_u == NULL)
      goto out;
    if (!vgg19_tensor_file_read_f32 (ld->file, wt, plain, error))
      goto out;
    if (winograd)
      vgg19_winograd_pack_u (plain, m->out_channels, m->in_channels,
          p->winograd_u);
    else
      vgg19_pack_conv3x3_weights (plain, m->out_channels, m->in_channels,
          p->in_block, p->weights);
  }
  if (!vgg19_tensor_file_read_f32 (ld->file, bt, p->bias, error))
    goto out;
  model->n_parameters += wt->n_elements + bt->n_elements;
  if (model->source_dtype == NULL)
    model->source_dtype = vgg19_dtype_name (wt->dtype);
  ok = TRUE;

out:
  vgg19_free_floats (plain);
  g_free (wname);
  g_free (bname);
  return ok;
}

static gboolean
load_linear (Loader * ld, Vgg19Model * model, const Vgg19Module * m,
    const char *key, GError ** error)
{
  Vgg19LinearParams *p = &model->linears[m->conv_index];
  guint64 wshape[2] = { m->out_channels, m->in_channels };
  guint64 bshape[1] = { m->out_channels };
  /* timm stores fc6 as a 7x7 convolution over the pooled 512x7x7 map and
   * fc7 as a 1x1 convolution; flattened, both are torchvision's matrix. */
  guint64 conv_shape[4] = { m->out_channels, m->in_channels, 1, 1 };
  char *wname = g_strconcat (key, ".weight", NULL);
  char *bname = g_strconcat (key, ".bias", NULL);
  const Vgg19RawTensor *wt, *bt;
  gboolean ok = FALSE;

  if (m->conv_index == 0) {
    conv_shape[1] = m->in_channels / (VGG19_AVGPOOL_SIDE * VGG19_AVGPOOL_SIDE);
    conv_shape[2] = conv_shape[3] = VGG19_AVGPOOL_SIDE;
  }
  wt = require_tensor (ld, wname, 2, wshape, 4, conv_shape, error);
  if (wt == NULL)
    goto out;
  bt = require_tensor (ld, bname, 1, bshape, 0, NULL, error);
  if (bt == NULL)
    goto out;

  if ((p->weights = vgg19_alloc_floats ((gsize) m->out_channels *
              m->in_channels, wname, error)) == NULL
      || (p->bias = vgg19_alloc_floats (m->out_channels, bname, error)) == NULL)
    goto out;
  if (!vgg19_tensor_file_read_f32 (ld->file, wt, p->weights, error)
      || !vgg19_tensor_file_read_f32 (ld->file, bt, p->bias, error))
    goto out;
  model->n_parameters += wt->n_elements + bt->n_elements;
  ok = TRUE;

out:
  g_free (wname);
  g_free (bname);
  return ok;
}

/* VGG-19 and VGG-16 differ in which `features.N` indices hold
 * convolutions: 34 exists only in VGG-19, 17 only in VGG-16. */
static gboolean
detect_arch (Loader * ld, Vgg19Arch * arch, GError ** error)
{
  if (vgg19_tensor_file_lookup (ld->file, "features.34.weight")) {
    *arch = VGG19_ARCH_VGG19;
    return TRUE;
  }
  if (vgg19_tensor_file_lookup (ld->file, "features.17.weight")) {
    *arch = VGG19_ARCH_VGG16;
    return TRUE;
  }
  g_set_error (error, VGG19_ERROR, VGG19_ERROR_WEIGHTS,
      "%s: not VGG-19 or VGG-16 weights: no tensor 'features.34.weight' "
      "(VGG-19) or 'features.17.weight' (VGG-16) among its %u tensors",
      ld->path, vgg19_tensor_file_n_tensors (ld->file));
  return FALSE;
}

static const ClassifierNames *
detect_classifier (Loader * ld)
{
  const ClassifierNames *conventions[] = { &torchvision_names, &timm_names };
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (conventions); i++)
    for (j = 0; j < 3; j++) {
      char *name = g_strconcat (conventions[i]->linear_keys[j], ".weight",
          NULL);
      gboolean found = vgg19_tensor_file_lookup (ld->file, name) != NULL;

      g_free (name);
      if (found)
        return conventions[i];
    }
  return NULL;
}

/* Anything we did not use is a sign of another network (batch-norm VGG,
 * a different head): refuse rather than silently ignore it. */
static gboolean
check_no_extra_tensors (Loader * ld, Vgg19Arch arch, GError ** error)
{
  guint i, n = vgg19_tensor_file_n_tensors (ld->file);

  for (i = 0; i < n; i++) {
    const Vgg19RawTensor *t = vgg19_tensor_file_get (ld->file, i);

    if (!g_hash_table_contains (ld->expected, t->name)) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_WEIGHTS,
          "%s: unexpected tensor '%s' for %s (configuration %s); "
          "batch-norm variants and other heads are not supported",
          ld->path, t->name, vgg19_arch_name (arch),
          vgg19_network_get (arch)->config);
      return FALSE;
    }
  }
  return TRUE;
}

static void
model_free (Vgg19Model * model)
{
  guint i;

  if (model->convs) {
    for (i = 0; i < model->net->n_convs; i++) {
      vgg19_free_floats (model->convs[i].weights);
      if (!model->convs[i].u_cached)
        vgg19_free_floats (model->convs[i].winograd_u);
      vgg19_free_floats (model->convs[i].bias);
    }
    g_free (model->convs);
  }
  for (i = 0; i < 3; i++) {
    vgg19_free_floats (model->linears[i].weights);
    vgg19_free_floats (model->linears[i].bias);
  }
  vgg19_winograd_cache_free (model->winograd_cache);
  vgg19_model_free_bf16 (model);
  g_mutex_clear (&model->bf16_lock);
  g_free (model->path);
  g_free (model);
}

/* Best effort: a cache that cannot be written costs the next load time,
 * nothing else. */
static void
write_winograd_cache (const Vgg19Model * model)
{
  float **u = g_new0 (float *, model->net->n_convs);
  GError *error = NULL;
  guint i;

  for (i = 0; i < model->net->n_convs; i++)
    u[i] = model->convs[i].winograd_u;
  if (!vgg19_winograd_cache_write (model->path, model->net, u, &error)) {
    g_info ("%s (the next load computes the Winograd filters again)",
        error->message);
    g_error_free (error);
  }
  g_free (u);
}

Vgg19Model *
vgg19_model_load (const char *path, GError ** error)
{
  Loader ld = { path, NULL, NULL };
  Vgg19Model *model = NULL;
  const ClassifierNames *classifier;
  Vgg19Arch arch;
  guint i;

  g_return_val_if_fail (path != NULL, NULL);

  ld.file = vgg19_tensor_file_open (path, error);
  if (ld.file == NULL)
    return NULL;
  ld.expected = g_hash_table_new (g_str_hash, g_str_equal);

  if (!detect_arch (&ld, &arch, error))
    goto fail;

  model = g_new0 (Vgg19Model, 1);
  model->ref_count = 1;
  g_mutex_init (&model->bf16_lock);
  model->path = g_strdup (path);
  model->format = vgg19_tensor_file_format (ld.file);
  model->net = vgg19_network_get (arch);
  model->convs = g_new0 (Vgg19ConvParams, model->net->n_convs);
  if (vgg19_cpu_use_winograd ())
    model->winograd_cache = vgg19_winograd_cache_open (path, model->net);

  classifier = detect_classifier (&ld);
  model->has_classifier = classifier != NULL;

  for (i = 0; i < model->net->n_modules; i++) {
    const Vgg19Module *m = &model->net->modules[i];

    if (m->kind == VGG19_MODULE_CONV && !load_conv (&ld, model, m, error))
      goto fail;
    if (m->kind == VGG19_MODULE_LINEAR && classifier
        && !load_linear (&ld, model, m,
            classifier->linear_keys[m->conv_index], error))
      goto fail;
  }
  if (!check_no_extra_tensors (&ld, arch, error))
    goto fail;
  if (vgg19_cpu_use_winograd () && model->winograd_cache == NULL)
    write_winograd_cache (model);

  g_debug ("%s: %s (%s names, %s, %s), %" G_GUINT64_FORMAT " parameters%s",
      path, vgg19_arch_name (arch),
      classifier ? classifier->convention : "features only", model->format,
      model->source_dtype, model->n_parameters,
      model->has_classifier ? "" : ", no classifier");

  g_hash_table_unref (ld.expected);
  vgg19_tensor_file_free (ld.file);
  return model;

fail:
  if (model)
    model_free (model);
  g_hash_table_unref (ld.expected);
  vgg19_tensor_file_free (ld.file);
  return NULL;
}

Vgg19Model *
vgg19_model_ref (Vgg19Model * model)
{
  g_return_val_if_fail (model != NULL, NULL);
  g_atomic_int_inc (&model->ref_count);
  return model;
}

void
vgg19_model_unref (Vgg19Model * model)
{
  if (model && g_atomic_int_dec_and_test (&model->ref_count))
    model_free (model);
}

Vgg19Arch
vgg19_model_get_arch (const Vgg19Model * model)
{
  return model->net->arch;
}

gboolean
vgg19_model_has_classifier (const Vgg19Model * model)
{
  return model->has_classifier;
}

const char *
vgg19_model_get_path (const Vgg19Model * model)
{
  return model->path;
}

const char *
vgg19_model_get_format (const Vgg19Model * model)
{
  return model->format;
}

const char *
vgg19_model_get_source_dtype (const Vgg19Model * model)
{
  return model->source_dtype;
}

guint64
vgg19_model_get_n_parameters (const Vgg19Model * model)
{
  return model->n_parameters;
}
