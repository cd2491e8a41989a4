/* What every fuzz target shares: the libFuzzer entry points, and files
 * made of the input for the readers that take a path.
 *
 * A target defines LLVMFuzzerTestOneInput(), which must return 0 and may
 * only crash (abort, sanitizer report) on a bug: an input the code under
 * test refuses with a GError is a success. fuzz_common.c defines
 * LLVMFuzzerInitialize() for all of them. */
#ifndef VGG19_FUZZ_COMMON_H
#define VGG19_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t * data, size_t size);

/* An anonymous in-memory file holding @data; *path names it for the
 * readers that open paths ("/proc/self/fd/N"). Close the descriptor and
 * g_free (*path) when done; aborts when the file cannot be made (that is
 * the machine's fault, not the input's). */
int fuzz_memfd (const uint8_t * data, size_t size, char **path);

/* Aborts with @what when @condition is false: the harnesses' own checks
 * of invariants the code under test promises (an abort is a finding). */
#define FUZZ_CHECK(condition, what) \
  do { \
    if (!(condition)) \
      g_error ("fuzz invariant broken: %s (%s)", what, #condition); \
  } while (0)

G_END_DECLS

#endif /* VGG19_FUZZ_COMMON_H */
