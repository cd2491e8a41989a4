/* The layer tables: names, shapes, parameter and MAC counts, checked
 * against torchvision's published figures. */
#include <check.h>
#include <string.h>

#include "network.h"

static guint64
count_parameters (const Vgg19Network * net)
{
  guint64 n = 0;
  guint i;

  for (i = 0; i < net->n_modules; i++) {
    const Vgg19Module *m = &net->modules[i];

    if (m->kind == VGG19_MODULE_CONV)
      n += (guint64) m->out_channels * m->in_channels * 9 + m->out_channels;
    else if (m->kind == VGG19_MODULE_LINEAR)
      n += (guint64) m->out_channels * m->in_channels + m->out_channels;
  }
  return n;
}

static guint64
count_macs (const Vgg19Network * net, guint w, guint h)
{
  guint c[64], hh[64], ww[64], i;
  guint64 n = 0;

  ck_assert (vgg19_network_shapes (net, w, h, c, hh, ww, NULL));
  for (i = 0; i < net->n_modules; i++) {
    const Vgg19Module *m = &net->modules[i];

    if (m->kind == VGG19_MODULE_CONV)
      n += (guint64) hh[i] * ww[i] * m->out_channels * m->in_channels * 9;
    else if (m->kind == VGG19_MODULE_LINEAR)
      n += (guint64) m->out_channels * m->in_channels;
  }
  return n;
}

START_TEST (test_vgg19_counts)
{
  const Vgg19Network *net = vgg19_network_get (VGG19_ARCH_VGG19);

  /* torchvision's VGG19_Weights meta: num_params and _ops (GMACs). */
  ck_assert_uint_eq (count_parameters (net), 143667240);
  ck_assert_uint_eq (count_macs (net, 224, 224) / 1000000, 19632);
  ck_assert_uint_eq (net->n_convs, 16);
  ck_assert_uint_eq (net->n_features, 37);
  ck_assert_str_eq (net->config, "E");
}
END_TEST

START_TEST (test_vgg16_counts)
{
  const Vgg19Network *net = vgg19_network_get (VGG19_ARCH_VGG16);

  ck_assert_uint_eq (count_parameters (net), 138357544);
  ck_assert_uint_eq (count_macs (net, 224, 224) / 10000000, 1547);
  ck_assert_uint_eq (net->n_convs, 13);
  ck_assert_uint_eq (net->n_features, 31);
}
END_TEST

/* Feature tap index = torchvision's `features` module index. */
START_TEST (test_vgg19_names_match_torchvision_indices)
{
  const Vgg19Network *net = vgg19_network_get (VGG19_ARCH_VGG19);
  static const struct
  {
    int index;
    const char *name;
    const char *key;
  } expect[] = {
    {0, "conv1_1", "features.0"}, {1, "relu1_1", NULL}, {4, "pool1", NULL},
    {16, "conv3_4", "features.16"}, {21, "conv4_2", "features.21"},
    {22, "relu4_2", NULL}, {27, "pool4", NULL}, {34, "conv5_4", "features.34"},
    {35, "relu5_4", NULL}, {36, "pool5", NULL}, {37, "fc6", "classifier.0"},
    {38, "relu6", NULL}, {39, "fc7", "classifier.3"}, {40, "relu7", NULL},
    {41, "fc8", "classifier.6"},
  };
  guint i, n;
  const char *const *names = vgg19_arch_tap_names (VGG19_ARCH_VGG19, &n);

  ck_assert_uint_eq (n, 42);
  ck_assert_ptr_null (names[42]);
  for (i = 0; i < G_N_ELEMENTS (expect); i++) {
    const Vgg19Module *m = &net->modules[expect[i].index];

    ck_assert_int_eq (vgg19_network_find_tap (net, expect[i].name),
        expect[i].index);
    ck_assert_str_eq (names[expect[i].index], expect[i].name);
    if (expect[i].key)
      ck_assert_str_eq (m->param_key, expect[i].key);
    else
      ck_assert_ptr_null (m->param_key);
  }
  ck_assert_int_eq (vgg19_network_find_tap (net, "conv5_5"), -1);
  ck_assert_int_eq (vgg19_network_find_tap (net, "relu8"), -1);
  ck_assert_int_eq (vgg19_network_find_tap (net, NULL), -1);
}
END_TEST

START_TEST (test_vgg16_names)
{
  const Vgg19Network *net = vgg19_network_get (VGG19_ARCH_VGG16);

  ck_assert_int_eq (vgg19_network_find_tap (net, "conv3_3"), 14);
  ck_assert_int_eq (vgg19_network_find_tap (net, "pool3"), 16);
  ck_assert_int_eq (vgg19_network_find_tap (net, "conv4_2"), 19);
  ck_assert_int_eq (vgg19_network_find_tap (net, "relu5_3"), 29);
  ck_assert_int_eq (vgg19_network_find_tap (net, "pool5"), 30);
  ck_assert_int_eq (vgg19_network_find_tap (net, "conv3_4"), -1);
  ck_assert_str_eq (net->modules[17].param_key, "features.17");
}
END_TEST

START_TEST (test_shapes_floor_like_torch)
{
  guint c, h, w;
  GError *error = NULL;

  /* 97x131 (W x H): widths 97 48 24 12 6 3, heights 131 65 32 16 8 4. */
  ck_assert (vgg19_arch_tap_shape (VGG19_ARCH_VGG19, "conv1_1", 97, 131, &c,
          &h, &w, &error));
  ck_assert_uint_eq (c, 64);
  ck_assert_uint_eq (h, 131);
  ck_assert_uint_eq (w, 97);
  ck_assert (vgg19_arch_tap_shape (VGG19_ARCH_VGG19, "pool1", 97, 131, &c, &h,
          &w, NULL));
  ck_assert_uint_eq (h, 65);
  ck_assert_uint_eq (w, 48);
  ck_assert (vgg19_arch_tap_shape (VGG19_ARCH_VGG19, "relu4_2", 97, 131, &c,
          &h, &w, NULL));
  ck_assert_uint_eq (c, 512);
  ck_assert_uint_eq (h, 16);
  ck_assert_uint_eq (w, 12);
  ck_assert (vgg19_arch_tap_shape (VGG19_ARCH_VGG19, "pool5", 97, 131, &c, &h,
          &w, NULL));
  ck_assert_uint_eq (h, 4);
  ck_assert_uint_eq (w, 3);
  ck_assert (vgg19_arch_tap_shape (VGG19_ARCH_VGG19, "fc7", 97, 131, &c, &h,
          &w, NULL));
  ck_assert_uint_eq (c, 4096);
  ck_assert_uint_eq (h, 1);
  ck_assert_uint_eq (w, 1);
  ck_assert (vgg19_arch_tap_shape (VGG19_ARCH_VGG19, "pool5", 32, 32, &c, &h,
          &w, NULL));
  ck_assert_uint_eq (h, 1);
  ck_assert_uint_eq (w, 1);
}
END_TEST

START_TEST (test_shape_errors)
{
  GError *error = NULL;

  ck_assert (!vgg19_arch_tap_shape (VGG19_ARCH_VGG19, "pool5", 31, 224, NULL,
          NULL, NULL, &error));
  ck_assert (g_error_matches (error, VGG19_ERROR,
          VGG19_ERROR_INVALID_ARGUMENT));
  ck_assert (strstr (error->message, "31x224") != NULL);
  g_clear_error (&error);

  ck_assert (!vgg19_arch_tap_shape (VGG19_ARCH_VGG19, "pool5", 8192, 8192,
          NULL, NULL, NULL, &error));
  ck_assert (strstr (error->message, "too large") != NULL);
  g_clear_error (&error);

  ck_assert (!vgg19_arch_tap_shape (VGG19_ARCH_VGG19, "conv6_1", 224, 224,
          NULL, NULL, NULL, &error));
  ck_assert (strstr (error->message, "conv6_1") != NULL);
  g_clear_error (&error);

  ck_assert (vgg19_arch_tap_shape (VGG19_ARCH_VGG19, "pool5", 4096, 4096,
          NULL, NULL, NULL, NULL));
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("network");
  TCase *tc = tcase_create ("tables");
  SRunner *sr;
  int failed;

  tcase_add_test (tc, test_vgg19_counts);
  tcase_add_test (tc, test_vgg16_counts);
  tcase_add_test (tc, test_vgg19_names_match_torchvision_indices);
  tcase_add_test (tc, test_vgg16_names);
  tcase_add_test (tc, test_shapes_floor_like_torch);
  tcase_add_test (tc, test_shape_errors);
  suite_add_tcase (s, tc);
  sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? 1 : 0;
}
