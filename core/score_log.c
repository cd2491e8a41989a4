/* Per-frame score logs in libvmaf's JSON, CSV or XML layout.
 *
 * Written as frames arrive, so a long measurement that crashes keeps what
 * it measured. The JSON and XML files are kept parseable after every
 * frame: their closing brackets (the "tail") are written after each frame
 * and overwritten by the next one, in a single write at the tail's
 * offset.
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
#define XML_OPEN_TAIL "  </frames>\n</VMAF>\n"

/* The pooled statistics, in the order every format writes them. */
typedef enum
{
  STAT_MIN, STAT_MAX, STAT_MEAN, STAT_HARMONIC_MEAN, STAT_MEDIAN, STAT_P1,
  STAT_P5, STAT_P10, STAT_P25, STAT_P95, STAT_STDDEV, N_STATS
} Stat;

static const char *const stat_names[N_STATS] = {
  "min", "max", "mean", "harmonic_mean", "median", "p1", "p5", "p10", "p25",
  "p95", "stddev"
};

static double
stat_value (const Vgg19PooledScore * p, Stat stat)
{
  switch (stat) {
    case STAT_MIN:
      return p->min;
    case STAT_MAX:
      return p->max;
    case STAT_MEAN:
      return p->mean;
    case STAT_HARMONIC_MEAN:
      return p->harmonic_mean;
    case STAT_MEDIAN:
      return p->median;
    case STAT_P1:
      return p->p1;
    case STAT_P5:
      return p->p5;
    case STAT_P10:
      return p->p10;
    case STAT_P25:
      return p->p25;
    case STAT_P95:
      return p->p95;
    case STAT_STDDEV:
      return p->stddev;
    case N_STATS:
      break;
  }
  return NAN;
}

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
  else if (g_strcmp0 (name, "xml") == 0)
    *out = VGG19_LOG_XML;
  else {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "unknown log format \"%s\" (expected \"json\", \"csv\" or "
        "\"xml\")",
        name ? name : "(null)");
    return FALSE;
  }
  return TRUE;
}

const char *
vgg19_log_format_to_string (Vgg19LogFormat format)
{
  return format == VGG19_LOG_CSV ? "csv" : format == VGG19_LOG_XML ? "xml" :
      "json";
}

/* Values below this many units print with sixteen decimals: perceptual
 * losses are often small (1e-3 .. 1e-6), where six decimals would keep
 * one or two significant digits. */
#define SCORE_SMALL 0.1

/* libvmaf's rule: six decimals, unless they would hide a non-zero value
 * (below @small), then sixteen. Always a '.' decimal point, whatever the
 * locale. */
typedef enum
{
  AS_JSON,
  AS_CSV,
  AS_XML,
} Syntax;

static void
append_decimal (GString * s, double v, Syntax syntax, double small)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE + 320];

  if (!isfinite (v)) {
    if (syntax == AS_JSON)
      g_string_append (s, "null");
    else if (syntax == AS_XML)
      g_string_append (s, "nan");
    return;
  }
  g_ascii_formatd (buf, sizeof buf,
      v != 0.0 && fabs (v) < small ? "%.16f" : "%.6f", v);
  g_string_append (s, buf);
}

/* A score: at least six significant digits down to 1e-10. */
static void
append_number (GString * s, double v, Syntax syntax)
{
  append_decimal (s, v, syntax, SCORE_SMALL);
}

/* A time in seconds: microseconds, as libvmaf. */
static void
append_seconds (GString * s, double v, Syntax syntax)
{
  append_decimal (s, v, syntax, 0.5e-6);
}

/* An XML attribute value, quotes included. */
static void
append_xml_attribute (GString * s, const char *text)
{
  const unsigned char *p;

  g_string_append_c (s, '"');
  for (p = (const unsigned char *) text; *p; p++) {
    switch (*p) {
      case '"':
        g_string_append (s, "&quot;");
        break;
      case '&':
        g_string_append (s, "&amp;");
        break;
      case '<':
        g_string_append (s, "&lt;");
        break;
      case '>':
        g_string_append (s, "&gt;");
        break;
      case '\n':
        g_string_append (s, "&#10;");
        break;
      default:
        if (*p < 0x20)
          g_string_append_c (s, ' ');
        else
          g_string_append_c (s, (char) *p);
    }
  }
  g_string_append_c (s, '"');
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
  } else if (log->format == VGG19_LOG_XML) {
    g_string_append (s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<VMAF version=\"vgg19 " VGG19_VERSION "\">\n  <params");
    for (i = 0; params && params[i] && params[i + 1]; i += 2) {
      g_string_append_printf (s, " %s=", params[i]);
      append_xml_attribute (s, params[i + 1]);
    }
    g_string_append (s, " />\n  <frames>\n");
  } else {
    g_string_append (s, "# vgg19 " VGG19_VERSION "\n");
    for (i = 0; params && params[i] && params[i + 1]; i += 2) {
      g_string_append (s, "# ");
      append_csv_comment_text (s, params[i]);
      g_string_append (s, ": ");
      append_csv_comment_text (s, params[i + 1]);
      g_string_append_c (s, '\n');
    }
    /* libvmaf's columns: Frame first, a trailing comma on every line */
    g_string_append (s, "Frame,");
    for (i = 0; i < log->n_names; i++)
      g_string_append_printf (s, "%s,", log->names[i]);
    g_string_append (s, "pts,\n");
  }
}

/* Letters, digits, '_' and '-', starting with a letter: valid as a JSON
 * key, an XML attribute name and a CSV field. */
static gboolean
valid_key (const char *key)
{
  const char *p;

  if (key == NULL || !g_ascii_isalpha (key[0]))
    return FALSE;
  for (p = key; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
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
    if (!valid_key (score_names[i]) || strcmp (score_names[i], "pts") == 0
        || strcmp (score_names[i], "frameNum") == 0) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
          "score name \"%s\" must start with a letter, hold only letters, "
          "digits, '_' and '-', and not be pts or frameNum", score_names[i]);
      return NULL;
    }
  for (i = 0; params && params[i] && params[i + 1]; i += 2)
    if (!valid_key (params[i])) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
          "log parameter name \"%s\" must start with a letter and hold "
          "only letters, digits, '_' and '-'", params[i]);
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
  else if (format == VGG19_LOG_XML)
    g_string_append (header, XML_OPEN_TAIL);
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
    append_seconds (s, pts_seconds, AS_JSON);
    g_string_append (s, ", \"metrics\": {");
    for (i = 0; i < log->n_names; i++) {
      g_string_append_printf (s, "%s\"%s\": ", i ? ", " : "", log->names[i]);
      append_number (s, values[i], AS_JSON);
    }
    g_string_append (s, "}}");
    record_len = s->len;
    g_string_append (s, JSON_OPEN_TAIL);
  } else if (log->format == VGG19_LOG_XML) {
    g_string_append_printf (s, "    <frame frameNum=\"%" G_GUINT64_FORMAT
        "\" pts=\"", frame);
    append_seconds (s, pts_seconds, AS_XML);
    g_string_append_c (s, '"');
    for (i = 0; i < log->n_names; i++) {
      g_string_append_printf (s, " %s=\"", log->names[i]);
      append_number (s, values[i], AS_XML);
      g_string_append_c (s, '"');
    }
    g_string_append (s, " />\n");
    record_len = s->len;
    g_string_append (s, XML_OPEN_TAIL);
  } else {
    g_string_append_printf (s, "%" G_GUINT64_FORMAT ",", frame);
    for (i = 0; i < log->n_names; i++) {
      append_number (s, values[i], AS_CSV);
      g_string_append_c (s, ',');
    }
    append_seconds (s, pts_seconds, AS_CSV);
    g_string_append (s, ",\n");
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
  guint i, k;

  g_string_append (s, "\n  ],\n  \"pooled_metrics\": {");
  for (i = 0; i < log->n_names; i++) {
    g_string_append_printf (s, "%s\n    \"%s\": {", i ? "," : "",
        log->names[i]);
    for (k = 0; k < N_STATS; k++) {
      g_string_append_printf (s, "%s\"%s\": ", k ? ", " : "", stat_names[k]);
      append_number (s, stat_value (&pooled[i], k), AS_JSON);
    }
    g_string_append_printf (s, ", \"count\": %" G_GUINT64_FORMAT "}",
        pooled[i].count);
  }
  g_string_append (s, "\n  }");
}

static void
append_pooled_xml (Vgg19ScoreLog * log, const Vgg19PooledScore * pooled,
    GString * s)
{
  guint i, k;

  g_string_append (s, "  </frames>\n  <pooled_metrics>\n");
  for (i = 0; i < log->n_names; i++) {
    g_string_append_printf (s, "    <metric name=\"%s\"", log->names[i]);
    for (k = 0; k < N_STATS; k++) {
      g_string_append_printf (s, " %s=\"", stat_names[k]);
      append_number (s, stat_value (&pooled[i], k), AS_XML);
      g_string_append_c (s, '"');
    }
    g_string_append_printf (s, " count=\"%" G_GUINT64_FORMAT "\" />\n",
        pooled[i].count);
  }
  g_string_append (s, "  </pooled_metrics>\n");
}

/* Comment lines, so that the file's table is exactly libvmaf's. */
static void
append_pooled_csv (Vgg19ScoreLog * log, const Vgg19PooledScore * pooled,
    GString * s)
{
  guint k, i;

  for (k = 0; k <= N_STATS; k++) {
    g_string_append_printf (s, "# pooled,%s,", k < N_STATS ? stat_names[k] :
        "count");
    for (i = 0; i < log->n_names; i++) {
      if (k < N_STATS)
        append_number (s, stat_value (&pooled[i], k), AS_CSV);
      else
        g_string_append_printf (s, "%" G_GUINT64_FORMAT, pooled[i].count);
      g_string_append_c (s, ',');
    }
    g_string_append_c (s, '\n');
  }
}

/* libvmaf's aggregate_metrics: run-wide scalars. */
static void
append_aggregate (Vgg19ScoreLog * log, const char *const *names,
    const double *values, GString * s)
{
  guint i;

  if (log->format == VGG19_LOG_JSON) {
    g_string_append (s, ",\n  \"aggregate_metrics\": {");
    for (i = 0; names && names[i]; i++) {
      g_string_append_printf (s, "%s\"%s\": ", i ? ", " : "", names[i]);
      append_number (s, values[i], AS_JSON);
    }
    g_string_append (s, "}\n}\n");
  } else if (log->format == VGG19_LOG_XML) {
    g_string_append (s, "  <aggregate_metrics");
    for (i = 0; names && names[i]; i++) {
      g_string_append_printf (s, " %s=\"", names[i]);
      append_number (s, values[i], AS_XML);
      g_string_append_c (s, '"');
    }
    g_string_append (s, " />\n</VMAF>\n");
  } else {
    for (i = 0; names && names[i]; i++) {
      g_string_append_printf (s, "# aggregate,%s,", names[i]);
      append_number (s, values[i], AS_CSV);
      g_string_append (s, ",\n");
    }
  }
}

gboolean
vgg19_score_log_finish (Vgg19ScoreLog * log, const Vgg19PooledScore * pooled,
    const char *const *aggregate_names, const double *aggregate_values,
    GError ** error)
{
  GString *s;
  gboolean ok;
  guint i;

  for (i = 0; aggregate_names && aggregate_names[i]; i++)
    if (!valid_key (aggregate_names[i])) {
      g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
          "aggregate name \"%s\" must start with a letter and hold only "
          "letters, digits, '_' and '-'", aggregate_names[i]);
      return FALSE;
    }

  if (log->finished) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "the score log %s is already finished", log->path);
    return FALSE;
  }
  s = g_string_new (NULL);
  if (log->format == VGG19_LOG_JSON)
    append_pooled_json (log, pooled, s);
  else if (log->format == VGG19_LOG_XML)
    append_pooled_xml (log, pooled, s);
  else
    append_pooled_csv (log, pooled, s);
  append_aggregate (log, aggregate_names, aggregate_values, s);
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
