/* Per-frame score logs in JSON (libvmaf's layout) or CSV.
 *
 * Written as frames arrive, so a long measurement that crashes keeps what
 * it measured. The JSON file is kept parseable after every frame: its
 * closing brackets (the "tail") are written after each frame and
 * overwritten by the next one, in a single write at the tail's offset.
 *
 * A write that fails part way (a full disk, a file size limit) would
 * leave half a record over the old tail: the file is then cut back to
 * the records written whole and its tail written again, in the bytes it
 * already had, so that it still parses (CSV: no half line). A new log is
 * made under a temporary name and renamed into place once its header is
 * written, so that one that cannot be started leaves whatever was there
 * (an earlier log) as it was. */
#include <vgg19/metric.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#define JSON_OPEN_TAIL "\n  ]\n}\n"

struct _Vgg19ScoreLog
{
  char *path;
  int fd;
  Vgg19LogFormat format;
  char **names;
  guint n_names;
  guint64 n_frames;
  off_t tail_offset;            /* where the next record goes */
  gboolean finished;
};

gboolean
vgg19_log_format_from_string (const char *name, Vgg19LogFormat * out,
    GError ** error)
{
  if (g_strcmp0 (name, "json") == 0)
    *out = VGG19_LOG_JSON;
  else if (g_strcmp0 (name, "csv") == 0)
    *out = VGG19_LOG_CSV;
  else {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "unknown log format \"%s\" (expected \"json\" or \"csv\")",
        name ? name : "(null)");
    return FALSE;
  }
  return TRUE;
}

const char *
vgg19_log_format_to_string (Vgg19LogFormat format)
{
  return format == VGG19_LOG_CSV ? "csv" : "json";
}

/* Values below this many units print with sixteen decimals: perceptual
 * losses are often small (1e-3 .. 1e-6), where six decimals would keep
 * one or two significant digits. */
#define SCORE_SMALL 0.1

/* libvmaf's rule: six decimals, unless they would hide a non-zero value
 * (below @small), then sixteen. Always a '.' decimal point, whatever the
 * locale. */
static void
append_decimal (GString * s, double v, gboolean json, double small)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE + 320];

  if (!isfinite (v)) {
    if (json)
      g_string_append (s, "null");
    return;
  }
  g_ascii_formatd (buf, sizeof buf,
      v != 0.0 && fabs (v) < small ? "%.16f" : "%.6f", v);
  g_string_append (s, buf);
}

/* A score: at least six significant digits down to 1e-10. */
static void
append_number (GString * s, double v, gboolean json)
{
  append_decimal (s, v, json, SCORE_SMALL);
}

/* A time in seconds: microseconds, as libvmaf. */
static void
append_seconds (GString * s, double v, gboolean json)
{
  append_decimal (s, v, json, 0.5e-6);
}

static void
append_json_string (GString * s, const char *text)
{
  const unsigned char *p;

  g_string_append_c (s, '"');
  for (p = (const unsigned char *) text; *p; p++) {
    switch (*p) {
      case '"':
        g_string_append (s, "\\\"");
        break;
      case '\\':
        g_string_append (s, "\\\\");
        break;
      case '\n':
        g_string_append (s, "\\n");
        break;
      case '\t':
        g_string_append (s, "\\t");
        break;
      case '\r':
        g_string_append (s, "\\r");
        break;
      default:
        if (*p < 0x20)
          g_string_append_printf (s, "\\u%04x", *p);
        else
          g_string_append_c (s, (char) *p);
    }
  }
  g_string_append_c (s, '"');
}

/* One line of CSV comment: no line breaks inside. */
static void
append_csv_comment_text (GString * s, const char *text)
{
  for (; *text; text++)
    g_string_append_c (s, *text == '\n' || *text == '\r' ? ' ' : *text);
}

static gboolean
write_at (Vgg19ScoreLog * log, off_t offset, const GString * s,
    GError ** error)
{
  gsize done = 0;

  while (done < s->len) {
    ssize_t n = pwrite (log->fd, s->str + done, s->len - done,
        offset + (off_t) done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int e = n < 0 ? errno : ENOSPC;

      g_set_error (error, VGG19_ERROR, VGG19_ERROR_IO,
          "cannot write the score log %s: %s", log->path, g_strerror (e));
      return FALSE;
    }
    done += (gsize) n;
  }
  return TRUE;
}

/* After a failed write at the tail: the file as it was before it, the
 * records written whole and the tail. Best effort; the error already set
 * stays the one reported. */
static void
restore_tail (Vgg19ScoreLog * log)
{
  GString *tail = g_string_new (log->format == VGG19_LOG_JSON ?
      JSON_OPEN_TAIL : "");

  if (write_at (log, log->tail_offset, tail, NULL)
      && ftruncate (log->fd, log->tail_offset + (off_t) tail->len) != 0)
    g_debug ("cannot cut the score log %s back: %s", log->path,
        g_strerror (errno));
  g_string_free (tail, TRUE);
}

static void
build_header (Vgg19ScoreLog * log, const char *const *params, GString * s)
{
  guint i;

  if (log->format == VGG19_LOG_JSON) {
    g_string_append (s, "{\n  \"version\": ");
    append_json_string (s, "vgg19 " VGG19_VERSION);
    g_string_append (s, ",\n  \"params\": {");
    for (i = 0; params && params[i] && params[i + 1]; i += 2) {
      g_string_append (s, i == 0 ? "\n    " : ",\n    ");
      append_json_string (s, params[i]);
      g_string_append (s, ": ");
      append_json_string (s, params[i + 1]);
    }
    g_string_append (s, i == 0 ? "},\n  \"frames\": [" :
        "\n  },\n  \"frames\": [");
  } else {
    g_string_append (s, "# vgg19 " VGG19_VERSION "\n");
    for (i = 0; params && params[i] && params[i + 1]; i += 2) {
      g_string_append (s, "# ");
      append_csv_comment_text (s, params[i]);
      g_string_append (s, ": ");
      append_csv_comment_text (s, params[i + 1]);
      g_string_append_c (s, '\n');
    }
    g_string_append (s, "Frame,pts");
    for (i = 0; i < log->n_names; i++)
      g_string_append_printf (s, ",%s", log->names[i]);
    g_string_append_c (s, '\n');
  }
}

Vgg19ScoreLog *
vgg19_score_log_new (const char *path, Vgg19LogFormat format,
    const char *const *params, const char *const *score_names,
    GError ** error)
{
  Vgg19ScoreLog *log;
  GString *header;
  GStatBuf st;
  char *temp = NULL;
  gboolean ok;
  guint i;

  g_return_val_if_fail (path != NULL && score_names != NULL, NULL);

  for (i = 0; score_names[i] != NULL; i++)
    if (*score_names[i] == '\0' || strpbrk (score_names[i], ",\"\n\r\\")) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
          "score name \"%s\" is empty or holds one of , \" \\ or a line "
          "break", score_names[i]);
      return NULL;
    }

  log = g_new0 (Vgg19ScoreLog, 1);
  log->path = g_strdup (path);
  log->format = format;
  log->names = g_strdupv ((char **) score_names);
  log->n_names = g_strv_length (log->names);
  /* a regular file (or none yet) is replaced once the new one has its
   * header; anything else (a device, a symbolic link) is written as it is */
  if (g_lstat (path, &st) == 0 ? S_ISREG (st.st_mode) : errno == ENOENT) {
    temp = g_strdup_printf ("%s.XXXXXX", path);
    log->fd = g_mkstemp_full (temp, O_WRONLY | O_CLOEXEC, 0666);
  } else {
    log->fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  }
  if (log->fd < 0) {
    int e = errno;

    g_set_error (error, VGG19_ERROR, VGG19_ERROR_IO,
        "cannot create the score log %s: %s", path, g_strerror (e));
    g_free (temp);
    vgg19_score_log_free (log);
    return NULL;
  }

  header = g_string_new (NULL);
  build_header (log, params, header);
  log->tail_offset = (off_t) header->len;
  if (format == VGG19_LOG_JSON)
    g_string_append (header, JSON_OPEN_TAIL);
  ok = write_at (log, 0, header, error);
  g_string_free (header, TRUE);
  if (ok && temp && g_rename (temp, path) != 0) {
    int e = errno;

    g_set_error (error, VGG19_ERROR, VGG19_ERROR_IO,
        "cannot create the score log %s: %s", path, g_strerror (e));
    ok = FALSE;
  }
  if (!ok && temp)
    g_unlink (temp);
  g_free (temp);
  if (!ok) {
    vgg19_score_log_free (log);
    return NULL;
  }
  return log;
}

gboolean
vgg19_score_log_add_frame (Vgg19ScoreLog * log, guint64 frame,
    double pts_seconds, const double *values, GError ** error)
{
  GString *s;
  gsize record_len;
  gboolean ok;
  guint i;

  if (log->finished) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "the score log %s is already finished", log->path);
    return FALSE;
  }

  s = g_string_new (NULL);
  if (log->format == VGG19_LOG_JSON) {
    g_string_append_printf (s, "%s\n    {\"frameNum\": %" G_GUINT64_FORMAT
        ", \"pts\": ", log->n_frames > 0 ? "," : "", frame);
    append_seconds (s, pts_seconds, TRUE);
    g_string_append (s, ", \"metrics\": {");
    for (i = 0; i < log->n_names; i++) {
      g_string_append_printf (s, "%s\"%s\": ", i ? ", " : "", log->names[i]);
      append_number (s, values[i], TRUE);
    }
    g_string_append (s, "}}");
    record_len = s->len;
    g_string_append (s, JSON_OPEN_TAIL);
  } else {
    g_string_append_printf (s, "%" G_GUINT64_FORMAT ",", frame);
    append_seconds (s, pts_seconds, FALSE);
    for (i = 0; i < log->n_names; i++) {
      g_string_append_c (s, ',');
      append_number (s, values[i], FALSE);
    }
    g_string_append_c (s, '\n');
    record_len = s->len;
  }
  ok = write_at (log, log->tail_offset, s, error);
  g_string_free (s, TRUE);
  if (ok) {
    log->tail_offset += (off_t) record_len;
    log->n_frames++;
  } else {
    restore_tail (log);
  }
  return ok;
}

static void
append_pooled_json (Vgg19ScoreLog * log, const Vgg19PooledScore * pooled,
    GString * s)
{
  guint i;

  g_string_append (s, "\n  ],\n  \"pooled_metrics\": {");
  for (i = 0; i < log->n_names; i++) {
    const Vgg19PooledScore *p = &pooled[i];

    g_string_append_printf (s, "%s\n    \"%s\": {\"min\": ", i ? "," : "",
        log->names[i]);
    append_number (s, p->min, TRUE);
    g_string_append (s, ", \"max\": ");
    append_number (s, p->max, TRUE);
    g_string_append (s, ", \"mean\": ");
    append_number (s, p->mean, TRUE);
    g_string_append (s, ", \"harmonic_mean\": ");
    append_number (s, p->harmonic_mean, TRUE);
    g_string_append (s, ", \"p5\": ");
    append_number (s, p->p5, TRUE);
    g_string_append (s, ", \"p95\": ");
    append_number (s, p->p95, TRUE);
    g_string_append_printf (s, ", \"count\": %" G_GUINT64_FORMAT "}",
        p->count);
  }
  g_string_append (s, "\n  }\n}\n");
}

static void
append_pooled_csv (Vgg19ScoreLog * log, const Vgg19PooledScore * pooled,
    GString * s)
{
  static const char *const stats[] = {
    "min", "max", "mean", "harmonic_mean", "p5", "p95", "count"
  };
  guint k, i;

  for (k = 0; k < G_N_ELEMENTS (stats); k++) {
    g_string_append_printf (s, "%s,", stats[k]);
    for (i = 0; i < log->n_names; i++) {
      const Vgg19PooledScore *p = &pooled[i];
      double v[] = { p->min, p->max, p->mean, p->harmonic_mean, p->p5,
        p->p95
      };

      g_string_append_c (s, ',');
      if (k < G_N_ELEMENTS (v))
        append_number (s, v[k], FALSE);
      else
        g_string_append_printf (s, "%" G_GUINT64_FORMAT, p->count);
    }
    g_string_append_c (s, '\n');
  }
}

gboolean
vgg19_score_log_finish (Vgg19ScoreLog * log, const Vgg19PooledScore * pooled,
    GError ** error)
{
  GString *s;
  gboolean ok;

  if (log->finished) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "the score log %s is already finished", log->path);
    return FALSE;
  }
  s = g_string_new (NULL);
  if (log->format == VGG19_LOG_JSON)
    append_pooled_json (log, pooled, s);
  else
    append_pooled_csv (log, pooled, s);
  ok = write_at (log, log->tail_offset, s, error);
  if (!ok)
    restore_tail (log);
  if (ok && ftruncate (log->fd, log->tail_offset + (off_t) s->len) != 0) {
    int e = errno;

    g_set_error (error, VGG19_ERROR, VGG19_ERROR_IO,
        "cannot write the score log %s: %s", log->path, g_strerror (e));
    ok = FALSE;
  }
  if (ok && fsync (log->fd) != 0 && errno != EINVAL && errno != EROFS) {
    int e = errno;

    g_set_error (error, VGG19_ERROR, VGG19_ERROR_IO,
        "cannot write the score log %s: %s", log->path, g_strerror (e));
    ok = FALSE;
  }
  g_string_free (s, TRUE);
  log->finished = TRUE;
  return ok;
}

void
vgg19_score_log_free (Vgg19ScoreLog * log)
{
  if (log == NULL)
    return;
  if (log->fd >= 0)
    close (log->fd);
  g_strfreev (log->names);
  g_free (log->path);
  g_free (log);
}
