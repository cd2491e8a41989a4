/* A minimal zip reader over a buffer in memory: the central directory,
 * with zip64 records and extra fields, and the data of stored
 * (uncompressed, unencrypted) entries. That is all PyTorch's archives use.
 * Private to core/weights.
 *
 * Opening checks every entry against the buffer: its local header must be
 * where the central directory says, with the same name, and its data must
 * end before the central directory. CRCs are not checked: verifying a
 * 500 MB file on every load would cost more than the bit flips it catches,
 * and the weights' shapes and sizes are checked anyway.
 */
#ifndef VGG19_WEIGHTS_ZIP_H
#define VGG19_WEIGHTS_ZIP_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char *name;
  guint16 flags;                /* general purpose bit flags */
  guint16 method;               /* 0: stored */
  guint64 compressed_size;
  guint64 size;                 /* uncompressed */
  guint64 local_header_offset;
  guint64 data_offset;          /* first byte of the (stored) data */
} Vgg19ZipEntry;

typedef struct _Vgg19Zip Vgg19Zip;

/* Reads the directory of the archive @data (@size bytes). @data must
 * outlive the result. Errors (VGG19_ERROR_FORMAT) start with @file_name. */
Vgg19Zip *vgg19_zip_open (const char *file_name, const guint8 * data,
    gsize size, GError ** error);

void vgg19_zip_free (Vgg19Zip * zip);

guint vgg19_zip_n_entries (const Vgg19Zip * zip);

/* In central directory order; NULL when out of range. */
const Vgg19ZipEntry *vgg19_zip_get (const Vgg19Zip * zip, guint index);

/* NULL when there is no entry of that name. */
const Vgg19ZipEntry *vgg19_zip_lookup (const Vgg19Zip * zip,
    const char *name);

/* The entry's bytes (entry->size of them). Fails with
 * VGG19_ERROR_UNSUPPORTED when the entry is compressed or encrypted. */
const guint8 *vgg19_zip_entry_data (const Vgg19Zip * zip,
    const Vgg19ZipEntry * entry, GError ** error);

G_END_DECLS

#endif /* VGG19_WEIGHTS_ZIP_H */
