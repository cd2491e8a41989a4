/* Fuzz target: the zip directory reader alone: the end records (zip64
 * included), the central directory, every entry's local header and, for
 * the entries it accepts, their data, which must lie within the input. */
#include <string.h>

#include <vgg19/vgg19.h>

#include "fuzz_common.h"
#include "zip.h"

int
LLVMFuzzerTestOneInput (const uint8_t * data, size_t size)
{
  GError *error = NULL;
  Vgg19Zip *zip;
  guint i, n;

  zip = vgg19_zip_open ("fuzz-input", data, size, &error);
  if (zip == NULL) {
    FUZZ_CHECK (error != NULL, "a failed open sets an error");
    g_error_free (error);
    return 0;
  }
  n = vgg19_zip_n_entries (zip);
  for (i = 0; i < n; i++) {
    const Vgg19ZipEntry *e = vgg19_zip_get (zip, i);
    const guint8 *d;

    FUZZ_CHECK (e != NULL && e->name != NULL, "entry");
    FUZZ_CHECK (vgg19_zip_lookup (zip, e->name) == e, "lookup by name");
    FUZZ_CHECK (e->data_offset <= size
        && e->compressed_size <= size - e->data_offset, "data within input");
    d = vgg19_zip_entry_data (zip, e, &error);
    if (d == NULL) {
      FUZZ_CHECK (error != NULL, "a refused entry sets an error");
      g_clear_error (&error);
      continue;
    }
    FUZZ_CHECK (d >= data && (size_t) (d - data) <= size
        && e->size <= size - (size_t) (d - data), "entry bytes in input");
    /* Touch the first and last bytes for AddressSanitizer. */
    if (e->size > 0) {
      volatile guint8 sink = d[0];

      sink = d[e->size - 1];
      (void) sink;
    }
  }
  FUZZ_CHECK (vgg19_zip_get (zip, n) == NULL, "get past the end");
  vgg19_zip_free (zip);
  return 0;
}
