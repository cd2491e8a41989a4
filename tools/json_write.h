/* The pieces of JSON the tool prints: strings and numbers. */
#ifndef VGG19_TOOLS_JSON_WRITE_H
#define VGG19_TOOLS_JSON_WRITE_H

#include <glib.h>

G_BEGIN_DECLS

/* Appends @text as a JSON string, quotes included. Quotes, backslashes
 * and control characters are escaped; bytes that are not valid UTF-8
 * (file names may hold any) become U+FFFD, so the output is always valid
 * JSON in UTF-8. */
void json_append_string (GString * out, const char *text);

/* Appends @value with enough digits (9) to read back the same float32;
 * NaN and infinities, which JSON cannot express, become null. */
void json_append_float (GString * out, float value);

/* The same for a double (17 digits). */
void json_append_double (GString * out, double value);

G_END_DECLS

#endif /* VGG19_TOOLS_JSON_WRITE_H */
