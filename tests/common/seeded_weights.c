/* The seeded weight file of seeded_weights.h. */
#include "seeded_weights.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <vgg19/vgg19.h>

#include "network.h"

static gboolean
write_all (FILE * f, const void *data, gsize size, const char *path,
    GError ** error)
{
  if (fwrite (data, 1, size, f) == size)
    return TRUE;
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
      "%s: %s", path, g_strerror (errno));
  return FALSE;
}

gboolean
test_write_seeded_weights (const char *path, GError ** error)
{
  const Vgg19Network *net = vgg19_network_get (VGG19_ARCH_VGG19);
  GString *header = g_string_new ("{");
  guint64 at = 0, header_len;
  gboolean ok;
  FILE *f;
  guint i;

  for (i = 0; i < net->n_features; i++) {
    const Vgg19Module *m = &net->modules[i];
    guint64 nw = (guint64) m->out_channels * m->in_channels * 9;

    if (m->kind != VGG19_MODULE_CONV)
      continue;
    g_string_append_printf (header, "\"%s.weight\":{\"dtype\":\"F32\","
        "\"shape\":[%u,%u,3,3],\"data_offsets\":[%" G_GUINT64_FORMAT ",%"
        G_GUINT64_FORMAT "]},", m->param_key, m->out_channels,
        m->in_channels, at, at + nw * 4);
    at += nw * 4;
    g_string_append_printf (header, "\"%s.bias\":{\"dtype\":\"F32\","
        "\"shape\":[%u],\"data_offsets\":[%" G_GUINT64_FORMAT ",%"
        G_GUINT64_FORMAT "]},", m->param_key, m->out_channels, at,
        at + (guint64) m->out_channels * 4);
    at += (guint64) m->out_channels * 4;
  }
  g_string_truncate (header, header->len - 1);
  g_string_append_c (header, '}');
  header_len = header->len;

  f = fopen (path, "wb");
  if (f == NULL) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "%s: %s", path, g_strerror (errno));
    g_string_free (header, TRUE);
    return FALSE;
  }
  ok = write_all (f, &header_len, 8, path, error)
      && write_all (f, header->str, header->len, path, error);
  for (i = 0; ok && i < net->n_features; i++) {
    const Vgg19Module *m = &net->modules[i];
    guint64 n, j;
    float *v, scale;
    guint32 x = 1 + i;

    if (m->kind != VGG19_MODULE_CONV)
      continue;
    /* a cheap generator: 20 million values */
    n = (guint64) m->out_channels * m->in_channels * 9 + m->out_channels;
    scale = (float) (2.4 / sqrt (m->in_channels * 9.0));
    v = g_new (float, n);
    for (j = 0; j < n; j++) {
      x = x * 1664525u + 1013904223u;
      v[j] = ((float) (x >> 8) / 8388608.0f - 1.0f) * scale;
    }
    ok = write_all (f, v, n * sizeof (float), path, error);
    g_free (v);
  }
  if (fclose (f) != 0 && ok) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "%s: %s", path, g_strerror (errno));
    ok = FALSE;
  }
  g_string_free (header, TRUE);
  return ok;
}
