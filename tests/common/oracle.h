/* The reference data written by tests/reference/make_oracle.py: its
 * manifest.json read into C structures, with every path made absolute. */
#ifndef VGG19_TEST_ORACLE_H
#define VGG19_TEST_ORACLE_H

#include <glib.h>

G_BEGIN_DECLS

/* Environment variable naming the directory of the reference data. */
#define TEST_ORACLE_DIR_ENV "VGG19_ORACLE_DIR"

typedef struct
{
  char *key;                    /* e.g. "legacy_v1" */
  char *path;
  char *arch;                   /* "vgg19" or "vgg16" */
  gboolean has_classifier;
  char *format;                 /* as vgg19_model_get_format() says */
  char *dtype;                  /* "F32", "F16" or "BF16" */
  guint64 n_parameters;
} TestOracleWeights;

typedef struct
{
  char *name;                   /* e.g. "conv1_1" */
  char *path;                   /* float32 (C, H, W) .npy */
} TestOracleTap;

typedef struct
{
  char *id;
  char *image;                  /* the PNG */
  char *rgb;                    /* uint8 (H, W, 3) .npy */
  char *raw;                    /* uint8 (H, W, C) as in the PNG, or NULL */
  guint width;
  guint height;
  char *resize;                 /* "stretch", "crop" or "none" */
  char *weights;                /* a key of TestOracle.weights */
  char *input;                  /* float32 (3, h, w) .npy */
  GPtrArray *taps;              /* TestOracleTap*, in execution order */
} TestOracleCase;

typedef struct
{
  char *dir;
  gint64 seed;
  GPtrArray *weights;           /* TestOracleWeights* */
  char *labels;                 /* torchvision's class names, one a line */
  char *labels_sha256;
  GPtrArray *cases;             /* TestOracleCase* */
} TestOracle;

/* Reads @dir/manifest.json. Returns NULL with @error set when it is
 * missing or incomplete; the message says how to make it. */
TestOracle *test_oracle_load (const char *dir, GError ** error);

void test_oracle_free (TestOracle * oracle);

const TestOracleWeights *test_oracle_get_weights (const TestOracle * oracle,
    const char *key);

const TestOracleCase *test_oracle_get_case (const TestOracle * oracle,
    const char *id);

const TestOracleTap *test_oracle_case_get_tap (const TestOracleCase * c,
    const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestOracle, test_oracle_free)

G_END_DECLS

#endif /* VGG19_TEST_ORACLE_H */
