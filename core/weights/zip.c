/* A minimal zip reader: finds the end of central directory record (and the
 * zip64 one when present), walks the central directory and locates each
 * entry's data through its local header.
 *
 * Every field is read with an explicit bounds check against the buffer;
 * sizes and offsets are 64-bit and added with overflow checks, so a zip64
 * value near 2^64 cannot wrap around into the buffer. */
#include "zip.h"

#include <string.h>

#include <vgg19/vgg19.h>

#define EOCD_SIGNATURE 0x06054b50u
#define EOCD_SIZE 22
#define EOCD_MAX_COMMENT 0xffff
#define ZIP64_LOCATOR_SIGNATURE 0x07064b50u
#define ZIP64_LOCATOR_SIZE 20
#define ZIP64_EOCD_SIGNATURE 0x06064b50u
#define ZIP64_EOCD_SIZE 56
#define CENTRAL_SIGNATURE 0x02014b50u
#define CENTRAL_SIZE 46
#define LOCAL_SIGNATURE 0x04034b50u
#define LOCAL_SIZE 30
#define ZIP64_EXTRA_ID 0x0001
#define FLAG_ENCRYPTED 0x0001
#define SATURATED_16 0xffffu
#define SATURATED_32 0xffffffffu
/* Far more entries than any weight file has (two per tensor); bounds the
 * memory a hostile directory can claim. */
#define MAX_ENTRIES (1u << 20)

struct _Vgg19Zip
{
  char *file_name;
  const guint8 *data;
  gsize size;
  GArray *entries;              /* Vgg19ZipEntry */
  GHashTable *by_name;          /* name -> index + 1 */
};

static guint16
get_u16 (const guint8 * p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

static guint32
get_u32 (const guint8 * p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16)
      | ((guint32) p[3] << 24);
}

static guint64
get_u64 (const guint8 * p)
{
  return (guint64) get_u32 (p) | ((guint64) get_u32 (p + 4) << 32);
}

static void
clear_entry (gpointer p)
{
  Vgg19ZipEntry *e = p;

  g_free (e->name);
}

void
vgg19_zip_free (Vgg19Zip * zip)
{
  if (zip == NULL)
    return;
  if (zip->by_name)
    g_hash_table_destroy (zip->by_name);
  if (zip->entries)
    g_array_free (zip->entries, TRUE);
  g_free (zip->file_name);
  g_free (zip);
}

guint
vgg19_zip_n_entries (const Vgg19Zip * zip)
{
  return zip->entries->len;
}

const Vgg19ZipEntry *
vgg19_zip_get (const Vgg19Zip * zip, guint index)
{
  if (index >= zip->entries->len)
    return NULL;
  return &g_array_index (zip->entries, Vgg19ZipEntry, index);
}

const Vgg19ZipEntry *
vgg19_zip_lookup (const Vgg19Zip * zip, const char *name)
{
  guint i = GPOINTER_TO_UINT (g_hash_table_lookup (zip->by_name, name));

  return i ? vgg19_zip_get (zip, i - 1) : NULL;
}

const guint8 *
vgg19_zip_entry_data (const Vgg19Zip * zip, const Vgg19ZipEntry * entry,
    GError ** error)
{
  if (entry->flags & FLAG_ENCRYPTED) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_UNSUPPORTED,
        "%s: zip entry '%s' is encrypted", zip->file_name, entry->name);
    return NULL;
  }
  if (entry->method != 0) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_UNSUPPORTED,
        "%s: zip entry '%s' is compressed (method %u); only stored "
        "entries are supported", zip->file_name, entry->name, entry->method);
    return NULL;
  }
  if (entry->compressed_size != entry->size) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: zip entry '%s' is stored but its sizes differ (%"
        G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT " bytes)", zip->file_name,
        entry->name, entry->compressed_size, entry->size);
    return NULL;
  }
  return zip->data + entry->data_offset;
}

/* Where the directory is, as read from the end records. */
typedef struct
{
  guint64 n_entries;
  guint64 cd_offset;
  guint64 cd_size;
  guint64 cd_limit;             /* the directory must end by here */
} Directory;

/* The end of central directory record is the last thing in the file,
 * followed only by its comment, so scan backwards over at most the
 * largest comment. The comment length must reach the end of the file
 * exactly, which rules out a signature that happens to appear inside the
 * comment or the data. */
static gboolean
find_eocd (Vgg19Zip * zip, gsize * eocd, GError ** error)
{
  gsize off, lowest;

  if (zip->size < EOCD_SIZE) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: not a zip archive: %" G_GSIZE_FORMAT " bytes, the end of "
        "central directory record alone needs %d", zip->file_name,
        zip->size, EOCD_SIZE);
    return FALSE;
  }
  off = zip->size - EOCD_SIZE;
  lowest = off > EOCD_MAX_COMMENT ? off - EOCD_MAX_COMMENT : 0;
  for (;;) {
    if (get_u32 (zip->data + off) == EOCD_SIGNATURE
        && get_u16 (zip->data + off + 20) == zip->size - off - EOCD_SIZE) {
      *eocd = off;
      return TRUE;
    }
    if (off == lowest)
      break;
    off--;
  }
  g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
      "%s: no zip end of central directory record in the last %"
      G_GSIZE_FORMAT " bytes (truncated or not a zip archive)",
      zip->file_name, zip->size - lowest);
  return FALSE;
}

static gboolean
read_end_records (Vgg19Zip * zip, Directory * dir, GError ** error)
{
  const guint8 *d = zip->data;
  guint64 disk, cd_disk, n_on_disk, cd_end;
  gsize eocd;

  if (!find_eocd (zip, &eocd, error))
    return FALSE;

  disk = get_u16 (d + eocd + 4);
  cd_disk = get_u16 (d + eocd + 6);
  n_on_disk = get_u16 (d + eocd + 8);
  dir->n_entries = get_u16 (d + eocd + 10);
  dir->cd_size = get_u32 (d + eocd + 12);
  dir->cd_offset = get_u32 (d + eocd + 16);
  dir->cd_limit = eocd;

  if (eocd >= ZIP64_LOCATOR_SIZE
      && get_u32 (d + eocd - ZIP64_LOCATOR_SIZE) == ZIP64_LOCATOR_SIGNATURE) {
    gsize locator = eocd - ZIP64_LOCATOR_SIZE;
    guint64 record = get_u64 (d + locator + 8);

    if (record > locator || locator - record < ZIP64_EOCD_SIZE) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: the zip64 locator at offset %" G_GSIZE_FORMAT " points to "
          "offset %" G_GUINT64_FORMAT ", expected at most %" G_GSIZE_FORMAT,
          zip->file_name, locator, record,
          locator >= ZIP64_EOCD_SIZE ? locator - ZIP64_EOCD_SIZE : 0);
      return FALSE;
    }
    if (get_u32 (d + record) != ZIP64_EOCD_SIGNATURE) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: no zip64 end of central directory record at offset %"
          G_GUINT64_FORMAT, zip->file_name, record);
      return FALSE;
    }
    disk = get_u32 (d + record + 16);
    cd_disk = get_u32 (d + record + 20);
    n_on_disk = get_u64 (d + record + 24);
    dir->n_entries = get_u64 (d + record + 32);
    dir->cd_size = get_u64 (d + record + 40);
    dir->cd_offset = get_u64 (d + record + 48);
    dir->cd_limit = record;
  }

  if (disk != 0 || cd_disk != 0 || n_on_disk != dir->n_entries) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_UNSUPPORTED,
        "%s: multi-volume zip archives are not supported", zip->file_name);
    return FALSE;
  }
  if (!g_uint64_checked_add (&cd_end, dir->cd_offset, dir->cd_size)
      || cd_end > dir->cd_limit) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: the zip central directory (%" G_GUINT64_FORMAT " bytes at "
        "offset %" G_GUINT64_FORMAT ") does not end before its end record "
        "at offset %" G_GUINT64_FORMAT, zip->file_name, dir->cd_size,
        dir->cd_offset, dir->cd_limit);
    return FALSE;
  }
  if (dir->n_entries > MAX_ENTRIES) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_UNSUPPORTED,
        "%s: the zip archive has %" G_GUINT64_FORMAT " entries, more than "
        "the %u supported", zip->file_name, dir->n_entries, MAX_ENTRIES);
    return FALSE;
  }
  if (dir->n_entries > dir->cd_size / CENTRAL_SIZE) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: %" G_GUINT64_FORMAT " zip entries cannot fit in a central "
        "directory of %" G_GUINT64_FORMAT " bytes", zip->file_name,
        dir->n_entries, dir->cd_size);
    return FALSE;
  }
  return TRUE;
}

/* Replaces the saturated 32-bit (16-bit for the disk) fields of an entry
 * with the 64-bit values of its zip64 extra field, which holds exactly
 * those, in this order. */
static gboolean
apply_zip64_extra (Vgg19Zip * zip, const guint8 * extra, gsize len,
    guint64 at, Vgg19ZipEntry * e, guint32 * disk, GError ** error)
{
  gsize p = 0;
  gboolean need = e->size == SATURATED_32 || e->compressed_size == SATURATED_32
      || e->local_header_offset == SATURATED_32 || *disk == SATURATED_16;

  while (len - p >= 4) {
    guint16 id = get_u16 (extra + p);
    gsize n = get_u16 (extra + p + 2);
    const guint8 *f = extra + p + 4;
    gsize q = 0;

    if (len - p - 4 < n) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: zip entry '%s': extra field at offset %" G_GUINT64_FORMAT
          " claims %" G_GSIZE_FORMAT " bytes, only %" G_GSIZE_FORMAT
          " remain", zip->file_name, e->name, at + p, n, len - p - 4);
      return FALSE;
    }
    if (id == ZIP64_EXTRA_ID && need) {
#define TAKE(field, bytes, getter)                                        \
      if (field == (bytes == 8 ? SATURATED_32 : SATURATED_16)) {          \
        if (n - q < bytes)                                                \
          goto short_field;                                               \
        field = getter (f + q);                                           \
        q += bytes;                                                       \
      }
      TAKE (e->size, 8, get_u64);
      TAKE (e->compressed_size, 8, get_u64);
      TAKE (e->local_header_offset, 8, get_u64);
      TAKE (*disk, 4, get_u32);
#undef TAKE
      need = FALSE;
    }
    p += 4 + n;
  }
  if (need) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: zip entry '%s' has 32-bit fields set to 0xffffffff but no "
        "zip64 extra field", zip->file_name, e->name);
    return FALSE;
  }
  return TRUE;

short_field:
  g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
      "%s: zip entry '%s': the zip64 extra field at offset %" G_GUINT64_FORMAT
      " is too short for the values it must hold", zip->file_name, e->name,
      at + p);
  return FALSE;
}

/* Checks the entry's local header and finds where its data starts. */
static gboolean
locate_data (Vgg19Zip * zip, const Directory * dir, Vgg19ZipEntry * e,
    GError ** error)
{
  const guint8 *d = zip->data;
  guint64 local = e->local_header_offset, name_end, data_end;
  gsize name_len, extra_len;

  if (local > dir->cd_offset || dir->cd_offset - local < LOCAL_SIZE) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: zip entry '%s': local header offset %" G_GUINT64_FORMAT
        " is not before the central directory at %" G_GUINT64_FORMAT,
        zip->file_name, e->name, local, dir->cd_offset);
    return FALSE;
  }
  if (get_u32 (d + local) != LOCAL_SIGNATURE) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: zip entry '%s': no local header signature at offset %"
        G_GUINT64_FORMAT, zip->file_name, e->name, local);
    return FALSE;
  }
  name_len = get_u16 (d + local + 26);
  extra_len = get_u16 (d + local + 28);
  name_end = local + LOCAL_SIZE + name_len;
  e->data_offset = name_end + extra_len;
  if (e->data_offset > dir->cd_offset) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: zip entry '%s': local header at offset %" G_GUINT64_FORMAT
        " runs into the central directory", zip->file_name, e->name, local);
    return FALSE;
  }
  if (name_len != strlen (e->name)
      || memcmp (d + local + LOCAL_SIZE, e->name, name_len) != 0) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: zip entry '%s': the local header at offset %" G_GUINT64_FORMAT
        " has another name", zip->file_name, e->name, local);
    return FALSE;
  }
  if (!g_uint64_checked_add (&data_end, e->data_offset, e->compressed_size)
      || data_end > dir->cd_offset) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: truncated: zip entry '%s' needs %" G_GUINT64_FORMAT " bytes "
        "at offset %" G_GUINT64_FORMAT ", the central directory starts at %"
        G_GUINT64_FORMAT, zip->file_name, e->name, e->compressed_size,
        e->data_offset, dir->cd_offset);
    return FALSE;
  }
  return TRUE;
}

static gboolean
read_directory (Vgg19Zip * zip, const Directory * dir, GError ** error)
{
  const guint8 *d = zip->data;
  guint64 pos = dir->cd_offset, end = dir->cd_offset + dir->cd_size, i;

  for (i = 0; i < dir->n_entries; i++) {
    Vgg19ZipEntry e = { 0 };
    gsize name_len, extra_len, comment_len;
    guint64 record;
    guint32 disk;

    if (end - pos < CENTRAL_SIZE || get_u32 (d + pos) != CENTRAL_SIGNATURE) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: expected zip central directory entry %" G_GUINT64_FORMAT
          " of %" G_GUINT64_FORMAT " at offset %" G_GUINT64_FORMAT,
          zip->file_name, i + 1, dir->n_entries, pos);
      return FALSE;
    }
    e.flags = get_u16 (d + pos + 8);
    e.method = get_u16 (d + pos + 10);
    e.compressed_size = get_u32 (d + pos + 20);
    e.size = get_u32 (d + pos + 24);
    name_len = get_u16 (d + pos + 28);
    extra_len = get_u16 (d + pos + 30);
    comment_len = get_u16 (d + pos + 32);
    disk = get_u16 (d + pos + 34);
    e.local_header_offset = get_u32 (d + pos + 42);
    record = CENTRAL_SIZE + name_len + extra_len + comment_len;
    if (end - pos < record) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: zip central directory entry at offset %" G_GUINT64_FORMAT
          " needs %" G_GUINT64_FORMAT " bytes, the directory has %"
          G_GUINT64_FORMAT " left", zip->file_name, pos, record, end - pos);
      return FALSE;
    }
    if (memchr (d + pos + CENTRAL_SIZE, '\0', name_len) != NULL) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: zip entry name at offset %" G_GUINT64_FORMAT
          " contains a NUL byte", zip->file_name, pos + CENTRAL_SIZE);
      return FALSE;
    }
    e.name = g_strndup ((const char *) d + pos + CENTRAL_SIZE, name_len);
    /* From here on @e is in the array, which frees its name. */
    g_array_append_val (zip->entries, e);
    if (!apply_zip64_extra (zip, d + pos + CENTRAL_SIZE + name_len, extra_len,
            pos + CENTRAL_SIZE + name_len, &g_array_index (zip->entries,
                Vgg19ZipEntry, zip->entries->len - 1), &disk, error))
      return FALSE;
    if (disk != 0) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_UNSUPPORTED,
          "%s: zip entry '%s' starts on disk %u; multi-volume archives are "
          "not supported", zip->file_name, e.name, disk);
      return FALSE;
    }
    if (!locate_data (zip, dir, &g_array_index (zip->entries, Vgg19ZipEntry,
                zip->entries->len - 1), error))
      return FALSE;
    if (g_hash_table_contains (zip->by_name, e.name)) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s: zip entry '%s' appears twice", zip->file_name, e.name);
      return FALSE;
    }
    g_hash_table_insert (zip->by_name, e.name,
        GUINT_TO_POINTER (zip->entries->len));
    pos += record;
  }
  if (pos != end) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: the zip central directory declares %" G_GUINT64_FORMAT
        " entries, which end at offset %" G_GUINT64_FORMAT " instead of %"
        G_GUINT64_FORMAT, zip->file_name, dir->n_entries, pos, end);
    return FALSE;
  }
  return TRUE;
}

Vgg19Zip *
vgg19_zip_open (const char *file_name, const guint8 * data, gsize size,
    GError ** error)
{
  Vgg19Zip *zip = g_new0 (Vgg19Zip, 1);
  Directory dir;

  zip->file_name = g_strdup (file_name);
  zip->data = data;
  zip->size = size;
  zip->entries = g_array_new (FALSE, TRUE, sizeof (Vgg19ZipEntry));
  g_array_set_clear_func (zip->entries, clear_entry);
  zip->by_name = g_hash_table_new (g_str_hash, g_str_equal);

  if (!read_end_records (zip, &dir, error)
      || !read_directory (zip, &dir, error)) {
    vgg19_zip_free (zip);
    return NULL;
  }
  return zip;
}
