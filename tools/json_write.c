/* JSON string escaping and number formatting, independent of the locale
 * (a decimal comma would not be JSON). */
#include <math.h>

#include "json_write.h"

void
json_append_string (GString * out, const char *text)
{
  char *valid = NULL;
  const char *p;

  if (!g_utf8_validate (text, -1, NULL))
    text = valid = g_utf8_make_valid (text, -1);

  g_string_append_c (out, '"');
  for (p = text; *p != '\0'; p++) {
    guchar c = (guchar) * p;

    switch (c) {
      case '"':
        g_string_append (out, "\\\"");
        break;
      case '\\':
        g_string_append (out, "\\\\");
        break;
      case '\b':
        g_string_append (out, "\\b");
        break;
      case '\f':
        g_string_append (out, "\\f");
        break;
      case '\n':
        g_string_append (out, "\\n");
        break;
      case '\r':
        g_string_append (out, "\\r");
        break;
      case '\t':
        g_string_append (out, "\\t");
        break;
      default:
        if (c < 0x20 || c == 0x7f)
          g_string_append_printf (out, "\\u%04x", c);
        else
          g_string_append_c (out, (char) c);
        break;
    }
  }
  g_string_append_c (out, '"');
  g_free (valid);
}

static void
append_number (GString * out, double value, const char *format)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (value)) {
    g_string_append (out, "null");
    return;
  }
  /* -0 and 0 are the same number to every reader; print "0". */
  if (value == 0.0)
    value = 0.0;
  g_ascii_formatd (buf, sizeof (buf), format, value);
  g_string_append (out, buf);
}

void
json_append_float (GString * out, float value)
{
  append_number (out, value, "%.9g");
}

void
json_append_double (GString * out, double value)
{
  append_number (out, value, "%.17g");
}
