/* The published metrics, by name: each one's network, taps (before or
 * after their ReLU, exactly as its authors' code takes them), criterion,
 * reduction, layer weights and input scaling. The sources are those of
 * the README's metrics table. */
#include <string.h>

#include "metric_private.h"

#define LPIPS_FILE "lpips-v0.1-vgg.pth"
#define DISTS_FILE "dists-weights.pt"

static const Vgg19Preset presets[] = {
  {"lpips-vgg", VGG19_ARCH_VGG16, VGG19_POOLING_MAX, VGG19_INPUT_IMAGENET,
        VGG19_METRIC_FEATURE, VGG19_LOSS_MSE, VGG19_REDUCTION_CHANNEL_SUM,
        VGG19_FEATURE_NORM_UNIT, VGG19_GRAM_NORM_NONE,
        "relu1_2,relu2_2,relu3_3,relu4_3,relu5_3", LPIPS_FILE,
        "VGG19_LPIPS_WEIGHTS",
        "LPIPS v0.1, VGG variant (Zhang et al. 2018, "
        "richzhang/PerceptualSimilarity): VGG-16 relu1_2, relu2_2, relu3_3, "
        "relu4_3, relu5_3; each position's channel vector unit-normalised "
        "(x / (||x|| + 1e-10)); sum over channels of w_c (x - y)^2 with the "
        "learned non-negative weights w_c of lin0..lin4 in LPIPS' "
        "weights/v0.1/vgg.pth; mean over positions; sum over the five "
        "layers. Inputs: ImageNet normalisation of [0, 1], which is LPIPS' "
        "ScalingLayer on [-1, 1]."},
  {"dists", VGG19_ARCH_VGG16, VGG19_POOLING_L2, VGG19_INPUT_IMAGENET,
        VGG19_METRIC_DISTS, VGG19_LOSS_MSE, VGG19_REDUCTION_MEAN,
        VGG19_FEATURE_NORM_NONE, VGG19_GRAM_NORM_NONE,
        "input,relu1_2,relu2_2,relu3_3,relu4_3,relu5_3", DISTS_FILE,
        "VGG19_DISTS_WEIGHTS",
        "DISTS (Ding, Ma, Wang and Simoncelli 2020, dingkeyan93/DISTS): "
        "VGG-16 with every max pooling replaced by L2 pooling (3x3 Hann "
        "window, stride 2); stages the input in [0, 1] and relu1_2, "
        "relu2_2, relu3_3, relu4_3, relu5_3 (of the ImageNet-normalised "
        "input); per channel the texture term l = (2 mx my + c1) / (mx^2 + "
        "my^2 + c1) and the structure term s = (2 cov + c2) / (vx + vy + "
        "c2), c1 = c2 = 1e-6, over the channel's positions; D = sum of "
        "alpha (1 - l) + beta (1 - s) with alpha, beta from DISTS' "
        "weights.pt divided by their sum (= 1 - sum(alpha l + beta s))."},
  {"esrgan", VGG19_ARCH_VGG19, VGG19_POOLING_MAX, VGG19_INPUT_IMAGENET,
        VGG19_METRIC_FEATURE, VGG19_LOSS_L1, VGG19_REDUCTION_MEAN,
        VGG19_FEATURE_NORM_NONE, VGG19_GRAM_NORM_NONE, "conv5_4", NULL, NULL,
        "ESRGAN's perceptual loss (Wang et al. 2018; BasicSR "
        "train_ESRGAN_x4.yml): VGG-19 conv5_4 before its ReLU, L1 mean over "
        "C*H*W, ImageNet-normalised input."},
  {"realesrgan", VGG19_ARCH_VGG19, VGG19_POOLING_MAX, VGG19_INPUT_IMAGENET,
        VGG19_METRIC_FEATURE, VGG19_LOSS_L1, VGG19_REDUCTION_MEAN,
        VGG19_FEATURE_NORM_NONE, VGG19_GRAM_NORM_NONE,
        "conv1_2:0.1,conv2_2:0.1,conv3_4:1,conv4_4:1,conv5_4:1", NULL, NULL,
        "Real-ESRGAN's perceptual loss (Wang et al. 2021; "
        "train_realesrgan_x4plus.yml): VGG-19 conv1_2 x 0.1, conv2_2 x 0.1, "
        "conv3_4, conv4_4, conv5_4, all before their ReLU, each an L1 mean "
        "over C*H*W, ImageNet-normalised input."},
  {"edsr-vgg22", VGG19_ARCH_VGG19, VGG19_POOLING_MAX, VGG19_INPUT_IMAGENET,
        VGG19_METRIC_FEATURE, VGG19_LOSS_MSE, VGG19_REDUCTION_MEAN,
        VGG19_FEATURE_NORM_NONE, VGG19_GRAM_NORM_NONE, "conv2_2", NULL, NULL,
        "EDSR's VGG22 loss (Lim et al. 2017, EDSR-PyTorch src/loss/vgg.py: "
        "vgg19().features[:8]): VGG-19 conv2_2 before its ReLU, MSE mean "
        "over C*H*W, ImageNet-normalised input."},
  {"edsr-vgg54", VGG19_ARCH_VGG19, VGG19_POOLING_MAX, VGG19_INPUT_IMAGENET,
        VGG19_METRIC_FEATURE, VGG19_LOSS_MSE, VGG19_REDUCTION_MEAN,
        VGG19_FEATURE_NORM_NONE, VGG19_GRAM_NORM_NONE, "conv5_4", NULL, NULL,
        "EDSR's VGG54 loss (features[:35]): VGG-19 conv5_4 before its ReLU, "
        "MSE mean over C*H*W, ImageNet-normalised input."},
  {"srgan-vgg54", VGG19_ARCH_VGG19, VGG19_POOLING_MAX, VGG19_INPUT_IMAGENET,
        VGG19_METRIC_FEATURE, VGG19_LOSS_MSE, VGG19_REDUCTION_MEAN,
        VGG19_FEATURE_NORM_NONE, VGG19_GRAM_NORM_NONE, "relu5_4", NULL, NULL,
        "SRGAN's VGG54 content loss (Ledig et al. 2017, eq. 5: the 4th "
        "convolution after activation before the 5th max pooling): VGG-19 "
        "relu5_4, MSE mean over C*H*W, ImageNet-normalised input; without "
        "the paper's 1/12.75^2 rescaling."},
  {"pix2pixhd", VGG19_ARCH_VGG19, VGG19_POOLING_MAX, VGG19_INPUT_SIGNED,
        VGG19_METRIC_FEATURE, VGG19_LOSS_L1, VGG19_REDUCTION_MEAN,
        VGG19_FEATURE_NORM_NONE, VGG19_GRAM_NORM_NONE,
        "relu1_1:0.03125,relu2_1:0.0625,relu3_1:0.125,relu4_1:0.25,"
        "relu5_1:1", NULL, NULL,
        "pix2pixHD's VGGLoss (Wang et al. 2018, NVIDIA/pix2pixHD "
        "models/networks.py; also SPADE): VGG-19 relu1_1, relu2_1, relu3_1, "
        "relu4_1, relu5_1 weighted 1/32, 1/16, 1/8, 1/4, 1, each an L1 mean "
        "over C*H*W; the input is RGB in [-1, 1] without ImageNet "
        "normalisation, as pix2pixHD feeds it."},
  {"gatys-style", VGG19_ARCH_VGG19, VGG19_POOLING_MAX, VGG19_INPUT_IMAGENET,
        VGG19_METRIC_GRAM, VGG19_LOSS_SSE, VGG19_REDUCTION_SUM,
        VGG19_FEATURE_NORM_NONE, VGG19_GRAM_NORM_GATYS,
        "relu1_1:0.2,relu2_1:0.2,relu3_1:0.2,relu4_1:0.2,relu5_1:0.2", NULL,
        NULL,
        "Gatys, Ecker and Bethge's style loss (2016, eqs. 4-5): Gram "
        "matrices G = x x^T of VGG-19 relu1_1, relu2_1, relu3_1, relu4_1, "
        "relu5_1, E_l = sum (G - A)^2 / (4 C^2 (H W)^2), w_l = 1/5; "
        "torchvision's max-pooling network with ImageNet-normalised input "
        "(the paper synthesised with average pooling)."},
};

const Vgg19Preset *
vgg19_preset_lookup (const char *name)
{
  guint i;

  for (i = 0; name && i < G_N_ELEMENTS (presets); i++)
    if (strcmp (presets[i].name, name) == 0)
      return &presets[i];
  return NULL;
}

const char *const *
vgg19_metric_preset_names (void)
{
  static const char *names[G_N_ELEMENTS (presets) + 1];
  static gsize init;

  if (g_once_init_enter (&init)) {
    guint i;

    for (i = 0; i < G_N_ELEMENTS (presets); i++)
      names[i] = presets[i].name;
    g_once_init_leave (&init, 1);
  }
  return names;
}

const char *
vgg19_metric_preset_describe (const char *preset)
{
  const Vgg19Preset *p = vgg19_preset_lookup (preset);

  return p ? p->description : NULL;
}

Vgg19Metric *
vgg19_metric_new_preset (const char *preset, GError ** error)
{
  const Vgg19Preset *p = vgg19_preset_lookup (preset);
  Vgg19Metric *m;

  if (p == NULL) {
    char *list = g_strjoinv (", ", (char **) vgg19_metric_preset_names ());

    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "unknown metric \"%s\" (the presets are %s)",
        preset ? preset : "(null)", list);
    g_free (list);
    return NULL;
  }
  m = vgg19_metric_alloc (p->name, p->kind, p->layers, error);
  if (m == NULL)
    return NULL;
  m->preset = p;
  m->criterion = p->criterion;
  m->reduction = p->reduction;
  m->feature_norm = p->feature_norm;
  m->gram_norm = p->gram_norm;
  m->input = p->input;
  m->pooling = p->pooling;
  return m;
}

const char *
vgg19_metric_get_calibration_name (const Vgg19Metric * metric)
{
  return metric->preset ? metric->preset->calibration : NULL;
}
