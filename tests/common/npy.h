/* Reading the .npy arrays written by the reference data generator.
 *
 * Only what the generator writes is accepted: little-endian float32 ('<f4')
 * or uint8 ('|u1'), C order, up to four dimensions. Anything else is an
 * error, never a guess.
 */
#ifndef VGG19_TEST_NPY_H
#define VGG19_TEST_NPY_H

#include <glib.h>

G_BEGIN_DECLS

#define TEST_NPY_MAX_DIMS 4

typedef enum
{
  TEST_NPY_F32,
  TEST_NPY_U8,
} TestNpyDtype;

typedef struct
{
  char *path;
  TestNpyDtype dtype;
  guint n_dims;
  gsize shape[TEST_NPY_MAX_DIMS];
  gsize n_elements;
  /* n_elements values, aligned for float */
  gpointer data;
} TestNpy;

/* Returns NULL with @error set (domain G_FILE_ERROR for I/O, the test
 * data domain otherwise) when the file cannot be read or is not a plain
 * array as described above. */
TestNpy *test_npy_load (const char *path, GError ** error);

void test_npy_free (TestNpy * npy);

static inline const float *
test_npy_f32 (const TestNpy * npy)
{
  return npy->dtype == TEST_NPY_F32 ? (const float *) npy->data : NULL;
}

static inline const guint8 *
test_npy_u8 (const TestNpy * npy)
{
  return npy->dtype == TEST_NPY_U8 ? (const guint8 *) npy->data : NULL;
}

/* "(3, 224, 224)" style description of the shape; free with g_free(). */
char *test_npy_shape_string (const TestNpy * npy);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestNpy, test_npy_free)

/* Error domain of the test data readers (npy, JSON, manifest). */
#define TEST_DATA_ERROR (test_data_error_quark ())
GQuark test_data_error_quark (void);

G_END_DECLS

#endif /* VGG19_TEST_NPY_H */
