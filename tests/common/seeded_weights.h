/* A features-only safetensors file of VGG-19's shapes with seeded random
 * values (about 80 MB), for tests that need a network but not its real
 * weights: the values are uniform with a He-like scale, so activations
 * stay of order 1 through all sixteen convolutions.
 */
#ifndef VGG19_TEST_SEEDED_WEIGHTS_H
#define VGG19_TEST_SEEDED_WEIGHTS_H

#include <glib.h>

G_BEGIN_DECLS

/* Writes the file at @path; the same bytes every time. FALSE with @error
 * (G_FILE_ERROR) when it cannot be written. */
gboolean test_write_seeded_weights (const char *path, GError ** error);

G_END_DECLS

#endif /* VGG19_TEST_SEEDED_WEIGHTS_H */
