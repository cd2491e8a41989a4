/* The ImageNet class names: a text file with one name per line, line i
 * naming class i - 1. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include <vgg19/vgg19.h>

#ifndef VGG19_DATADIR
#error "VGG19_DATADIR must be defined by the build"
#endif

#define LABELS_FILE_NAME "imagenet-classes.txt"
/* 1000 names average about 12 bytes; anything this large is not a label
 * list, and refusing it avoids reading a huge file by mistake. */
#define LABELS_MAX_BYTES (1024 * 1024)

struct _Vgg19Labels
{
  guint n;
  char **names;
};

void
vgg19_labels_free (Vgg19Labels * labels)
{
  if (labels == NULL)
    return;
  g_strfreev (labels->names);
  g_free (labels);
}

const char *
vgg19_labels_get (const Vgg19Labels * labels, guint index)
{
  if (labels == NULL || index >= labels->n)
    return NULL;
  return labels->names[index];
}

guint
vgg19_labels_get_count (const Vgg19Labels * labels)
{
  return labels ? labels->n : 0;
}

/* Checks the lines of @text and copies them. */
static Vgg19Labels *
parse_labels (const char *path, const char *text, gsize len, GError ** error)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *p = text, *end = text + len;
  Vgg19Labels *labels;
  guint line = 0;

  /* A byte-order mark is harmless; some editors add one. */
  if (len >= 3 && memcmp (p, "\xef\xbb\xbf", 3) == 0)
    p += 3;

  while (p < end) {
    const char *nl = memchr (p, '\n', end - p);
    const char *stop = nl ? nl : end, *q;
    gsize n = stop - p;

    line++;
    if (n > 0 && p[n - 1] == '\r')
      n--;
    if (!g_utf8_validate (p, n, NULL)) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s:%u: not valid UTF-8 text (expected one class name per line)",
          path, line);
      goto fail;
    }
    for (q = p; q < p + n && g_ascii_isspace (*q); q++);
    if (q == p + n) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s:%u: empty line (expected %u non-empty lines, one class name "
          "each)", path, line, VGG19_N_CLASSES);
      goto fail;
    }
    if (line > VGG19_N_CLASSES) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
          "%s:%u: more than %u class names", path, line, VGG19_N_CLASSES);
      goto fail;
    }
    g_ptr_array_add (names, g_strndup (p, n));
    p = nl ? nl + 1 : end;
  }
  if (line != VGG19_N_CLASSES) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "%s: %u class names, expected %u (one per line)", path, line,
        VGG19_N_CLASSES);
    goto fail;
  }

  g_ptr_array_add (names, NULL);
  labels = g_new0 (Vgg19Labels, 1);
  labels->n = line;
  labels->names = (char **) g_ptr_array_free (names, FALSE);
  return labels;

fail:
  g_ptr_array_free (names, TRUE);
  return NULL;
}

/* Reads at most LABELS_MAX_BYTES + 1 bytes of @path, so a file that is far
 * too large (or grows while read) costs no more than that. */
static Vgg19Labels *
load_file (const char *path, GError ** error)
{
  GStatBuf st;
  FILE *f;
  GByteArray *bytes;
  Vgg19Labels *labels = NULL;
  guint8 chunk[16384];
  gsize got;
  int saved;

  if (g_stat (path, &st) != 0) {
    saved = errno;
    g_set_error (error, VGG19_ERROR,
        saved == ENOENT ? VGG19_ERROR_NOT_FOUND : VGG19_ERROR_IO,
        "label file %s: %s", path, g_strerror (saved));
    return NULL;
  }
  if (!S_ISREG (st.st_mode)) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_IO,
        "label file %s is not a regular file", path);
    return NULL;
  }
  f = g_fopen (path, "rb");
  if (f == NULL) {
    saved = errno;
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_IO, "label file %s: %s",
        path, g_strerror (saved));
    return NULL;
  }
  bytes = g_byte_array_new ();
  while (bytes->len <= LABELS_MAX_BYTES
      && (got = fread (chunk, 1, sizeof (chunk), f)) > 0)
    g_byte_array_append (bytes, chunk, got);
  if (ferror (f)) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_IO,
        "label file %s: read error", path);
  } else if (bytes->len == 0) {
    /* Said here, also because an empty GByteArray's data is NULL, on
     * which parse_labels() must not do pointer arithmetic. */
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "label file %s is empty (expected %u class names, one per line)",
        path, VGG19_N_CLASSES);
  } else if (bytes->len > LABELS_MAX_BYTES) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_FORMAT,
        "label file %s is larger than %d bytes, too large for a list of "
        "%u class names", path, LABELS_MAX_BYTES, VGG19_N_CLASSES);
  } else {
    labels = parse_labels (path, (const char *) bytes->data, bytes->len,
        error);
  }
  fclose (f);
  g_byte_array_free (bytes, TRUE);
  return labels;
}

Vgg19Labels *
vgg19_labels_load (const char *path, GError ** error)
{
  const char *env;
  char *installed;
  Vgg19Labels *labels;

  if (path != NULL && path[0] != '\0')
    return load_file (path, error);

  /* An explicit $VGG19_LABELS is used or reported, never skipped. */
  env = g_getenv ("VGG19_LABELS");
  if (env != NULL && env[0] != '\0')
    return load_file (env, error);

  installed = g_build_filename (VGG19_DATADIR, LABELS_FILE_NAME, NULL);
  labels = load_file (installed, error);
  g_free (installed);
  return labels;
}
