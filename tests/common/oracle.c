/* Reads the manifest of the reference data; see oracle.h. */
#include "oracle.h"
#include "json_value.h"
#include "npy.h"                /* TEST_DATA_ERROR */

#include <math.h>
#include <string.h>

static void
weights_free (gpointer data)
{
  TestOracleWeights *w = data;
  g_free (w->key);
  g_free (w->path);
  g_free (w->arch);
  g_free (w->format);
  g_free (w->dtype);
  g_free (w);
}

static void
tap_free (gpointer data)
{
  TestOracleTap *t = data;
  g_free (t->name);
  g_free (t->path);
  g_free (t);
}

static void
case_free (gpointer data)
{
  TestOracleCase *c = data;
  g_free (c->id);
  g_free (c->image);
  g_free (c->rgb);
  g_free (c->raw);
  g_free (c->resize);
  g_free (c->weights);
  g_free (c->input);
  if (c->taps != NULL)
    g_ptr_array_unref (c->taps);
  g_free (c);
}

typedef struct
{
  const char *manifest;
  GError **error;
} Ctx;

static gboolean
missing (Ctx * ctx, const char *where, const char *what)
{
  g_set_error (ctx->error, TEST_DATA_ERROR, 0,
      "%s: %s has no valid \"%s\"", ctx->manifest, where, what);
  return FALSE;
}

/* A relative path of the manifest, made absolute under @dir; rejects
 * absolute paths and "..", so the data stays inside its directory. */
static char *
member_path (Ctx * ctx, const char *dir, const TestJson * obj,
    const char *key, const char *where)
{
  const char *rel = test_json_member_string (obj, key);
  if (rel == NULL || rel[0] == '\0' || g_path_is_absolute (rel)
      || strstr (rel, "..") != NULL) {
    missing (ctx, where, key);
    return NULL;
  }
  return g_build_filename (dir, rel, NULL);
}

static char *
member_string (Ctx * ctx, const TestJson * obj, const char *key,
    const char *where)
{
  const char *s = test_json_member_string (obj, key);
  if (s == NULL) {
    missing (ctx, where, key);
    return NULL;
  }
  return g_strdup (s);
}

static gboolean
member_uint (Ctx * ctx, const TestJson * obj, const char *key,
    const char *where, guint64 max, guint64 * out)
{
  double d;
  if (!test_json_member_number (obj, key, &d) || d < 0 || d > (double) max
      || d != floor (d))
    return missing (ctx, where, key);
  *out = (guint64) d;
  return TRUE;
}

static gboolean
load_weights (Ctx * ctx, TestOracle * oracle, const TestJson * root)
{
  const TestJson *files = test_json_member (root, "weights");
  const TestJson *info = test_json_member (root, "weights_info");
  if (files == NULL || files->type != TEST_JSON_OBJECT)
    return missing (ctx, "the manifest", "weights");

  for (guint i = 0; i < files->keys->len; i++) {
    const char *key = g_ptr_array_index (files->keys, i);
    const TestJson *wi = test_json_member (info, key);
    g_autofree char *where = g_strdup_printf ("weights_info.%s", key);
    TestOracleWeights *w = g_new0 (TestOracleWeights, 1);
    g_ptr_array_add (oracle->weights, w);
    w->key = g_strdup (key);
    w->path = member_path (ctx, oracle->dir, files, key, "weights");
    if (w->path == NULL)
      return FALSE;
    if (wi == NULL)
      return missing (ctx, "weights_info", key);
    const TestJson *cls = test_json_member (wi, "has_classifier");
    if (cls == NULL || cls->type != TEST_JSON_BOOL)
      return missing (ctx, where, "has_classifier");
    w->has_classifier = cls->boolean;
    if ((w->arch = member_string (ctx, wi, "arch", where)) == NULL
        || (w->format = member_string (ctx, wi, "format", where)) == NULL
        || (w->dtype = member_string (ctx, wi, "dtype", where)) == NULL
        || !member_uint (ctx, wi, "n_parameters", where, G_MAXUINT32,
            &w->n_parameters))
      return FALSE;
  }
  return TRUE;
}

static gboolean
load_case (Ctx * ctx, TestOracle * oracle, const TestJson * cj, guint index)
{
  TestOracleCase *c = g_new0 (TestOracleCase, 1);
  g_ptr_array_add (oracle->cases, c);
  g_autofree char *where = g_strdup_printf ("cases[%u]", index);
  guint64 v;

  if ((c->id = member_string (ctx, cj, "id", where)) == NULL)
    return FALSE;
  g_free (where);
  where = g_strdup_printf ("case %s", c->id);
  if ((c->image = member_path (ctx, oracle->dir, cj, "image", where)) == NULL
      || (c->rgb = member_path (ctx, oracle->dir, cj, "rgb", where)) == NULL
      || (c->input = member_path (ctx, oracle->dir, cj, "input",
              where)) == NULL
      || (c->resize = member_string (ctx, cj, "resize", where)) == NULL
      || (c->weights = member_string (ctx, cj, "weights", where)) == NULL)
    return FALSE;
  if (test_json_member (cj, "raw") != NULL
      && (c->raw = member_path (ctx, oracle->dir, cj, "raw", where)) == NULL)
    return FALSE;
  if (!member_uint (ctx, cj, "width", where, 65535, &v))
    return FALSE;
  c->width = v;
  if (!member_uint (ctx, cj, "height", where, 65535, &v))
    return FALSE;
  c->height = v;
  if (test_oracle_get_weights (oracle, c->weights) == NULL)
    return missing (ctx, where, "weights");

  const TestJson *taps = test_json_member (cj, "taps");
  if (taps == NULL || taps->type != TEST_JSON_OBJECT || taps->keys->len == 0)
    return missing (ctx, where, "taps");
  c->taps = g_ptr_array_new_with_free_func (tap_free);
  for (guint i = 0; i < taps->keys->len; i++) {
    TestOracleTap *t = g_new0 (TestOracleTap, 1);
    g_ptr_array_add (c->taps, t);
    t->name = g_strdup (g_ptr_array_index (taps->keys, i));
    t->path = member_path (ctx, oracle->dir, taps, t->name, where);
    if (t->path == NULL)
      return FALSE;
  }
  return TRUE;
}

TestOracle *
test_oracle_load (const char *dir, GError ** error)
{
  g_autofree char *manifest = NULL;
  GError *local = NULL;

  if (dir == NULL || dir[0] == '\0') {
    g_set_error (error, TEST_DATA_ERROR, 0,
        "%s is not set: it must name the directory written by "
        "tests/reference/make_oracle.py", TEST_ORACLE_DIR_ENV);
    return NULL;
  }
  manifest = g_build_filename (dir, "manifest.json", NULL);
  g_autoptr (TestJson) root = test_json_load (manifest, &local);
  if (root == NULL) {
    g_set_error (error, TEST_DATA_ERROR, 0,
        "no reference data in %s (%s); it is made by "
        "tests/reference/make_oracle.py, which needs Python with torch and "
        "torchvision (meson option oracle_python); `meson test` builds it",
        dir, local->message);
    g_error_free (local);
    return NULL;
  }

  Ctx ctx = { manifest, error };
  g_autoptr (TestOracle) oracle = g_new0 (TestOracle, 1);
  oracle->dir = g_strdup (dir);
  oracle->weights = g_ptr_array_new_with_free_func (weights_free);
  oracle->cases = g_ptr_array_new_with_free_func (case_free);

  double seed;
  if (!test_json_member_number (root, "seed", &seed)) {
    missing (&ctx, "the manifest", "seed");
    return NULL;
  }
  oracle->seed = (gint64) seed;
  if (!load_weights (&ctx, oracle, root))
    return NULL;
  if ((oracle->labels = member_path (&ctx, dir, root, "labels",
              "the manifest")) == NULL
      || (oracle->labels_sha256 = member_string (&ctx, root,
              "labels_sha256", "the manifest")) == NULL)
    return NULL;

  const TestJson *cases = test_json_member (root, "cases");
  if (cases == NULL || cases->type != TEST_JSON_ARRAY
      || cases->items->len == 0) {
    missing (&ctx, "the manifest", "cases");
    return NULL;
  }
  for (guint i = 0; i < cases->items->len; i++)
    if (!load_case (&ctx, oracle, g_ptr_array_index (cases->items, i), i))
      return NULL;
  return g_steal_pointer (&oracle);
}

void
test_oracle_free (TestOracle * oracle)
{
  if (oracle == NULL)
    return;
  g_free (oracle->dir);
  if (oracle->weights != NULL)
    g_ptr_array_unref (oracle->weights);
  g_free (oracle->labels);
  g_free (oracle->labels_sha256);
  if (oracle->cases != NULL)
    g_ptr_array_unref (oracle->cases);
  g_free (oracle);
}

const TestOracleWeights *
test_oracle_get_weights (const TestOracle * oracle, const char *key)
{
  for (guint i = 0; i < oracle->weights->len; i++) {
    const TestOracleWeights *w = g_ptr_array_index (oracle->weights, i);
    if (strcmp (w->key, key) == 0)
      return w;
  }
  return NULL;
}

const TestOracleCase *
test_oracle_get_case (const TestOracle * oracle, const char *id)
{
  for (guint i = 0; i < oracle->cases->len; i++) {
    const TestOracleCase *c = g_ptr_array_index (oracle->cases, i);
    if (strcmp (c->id, id) == 0)
      return c;
  }
  return NULL;
}

const TestOracleTap *
test_oracle_case_get_tap (const TestOracleCase * c, const char *name)
{
  for (guint i = 0; i < c->taps->len; i++) {
    const TestOracleTap *t = g_ptr_array_index (c->taps, i);
    if (strcmp (t->name, name) == 0)
      return t;
  }
  return NULL;
}
