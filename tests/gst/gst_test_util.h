/* What the tests of the vgg19 element share: the reference data, video
 * frames made from its images, the core's own results for the same
 * pictures, and comparisons with stated tolerances. */
#ifndef VGG19_GST_TEST_UTIL_H
#define VGG19_GST_TEST_UTIL_H

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <vgg19/vgg19.h>

#include "npy.h"
#include "oracle.h"

G_BEGIN_DECLS

/* The reference data of $VGG19_ORACLE_DIR, read once per process; fails
 * the test (never skips it) when it is missing. */
const TestOracle *gst_test_oracle (void);

/* The path of the oracle's weight file @key ("legacy_v1", ...). */
const char *gst_test_weights (const char *key);

/* A case of the oracle, and the path of one of its taps. */
const TestOracleCase *gst_test_case (const char *id);
const char *gst_test_tap_path (const TestOracleCase * c, const char *tap);

/* A .npy file of the oracle; fails the test when unreadable. */
TestNpy *gst_test_npy (const char *path);

/* The uint8 (H, W, 3) picture of @c as an RGB video buffer described by
 * @info (GStreamer's default strides). */
GstBuffer *gst_test_case_rgb_buffer (const TestOracleCase * c,
    GstVideoInfo * info);

/* @buf (described by @in) converted by GStreamer to @out. */
GstBuffer *gst_test_convert (GstBuffer * buf, const GstVideoInfo * in,
    const GstVideoInfo * out);

/* The RGB picture a frame stands for, tightly packed (width * 3 bytes a
 * row): the channels of the RGB family, grey replicated, and for YUV the
 * textbook equations (BT.601/709, range of the caps) in double precision
 * with each chroma sample covering its block. Written here, apart from
 * the element's conversion. */
guint8 *gst_test_frame_rgb (GstBuffer * buf, const GstVideoInfo * info);

/* The core's output at @tap for the packed RGB picture @rgb (@width x
 * @height, tightly packed), preprocessed with @resize, through @session.
 * Returns: a copy of the tensor; @n_values set. */
float *gst_test_core_tap (Vgg19Session * session, const guint8 * rgb,
    guint width, guint height, Vgg19Resize resize, const char *tap,
    gsize * n_values);

/* max |a - b| over @n values, and max |a|. */
double gst_test_max_abs_diff (const float *a, const float *b, gsize n);
double gst_test_max_abs (const float *a, gsize n);

/* A harness around a new vgg19 element with these properties (set before
 * it starts), whose messages go to a bus the test reads when @bus is not
 * NULL, and with a source that is not live: every frame due is
 * analysed. */
GstHarness *gst_test_harness_new (GstBus ** bus, const gchar *
    first_property, ...) G_GNUC_NULL_TERMINATED;

/* The "vgg19" element messages on @bus so far, oldest first. */
GList *gst_test_pop_results (GstBus * bus);

/* Drops the messages left on @bus, then its reference. Messages hold
 * their element, which holds its bus: without this, an element whose
 * messages were not all read is never freed. */
void gst_test_bus_free (GstBus * bus);

/* An element error on @bus, or NULL. */
GstMessage *gst_test_pop_error (GstBus * bus);

/* Points the cache directory where there is none and clears the environment
 * variables the core looks weights and labels up with, so that only what
 * a test names is found. */
void gst_test_isolate_lookup (void);

/* A frame of @format, @width x @height (any size, 1x1 included), of a
 * smooth random picture seeded by @seed: made as RGB, converted by
 * GStreamer; @info describes it. */
GstBuffer *gst_test_make_frame (GstVideoFormat format, guint width,
    guint height, guint32 seed, GstVideoInfo * info);

/* The pipeline gst_parse_launch() makes of the description @format
 * (printf-style); fails the test, naming the description, when it
 * cannot. */
GstElement *gst_test_launch (const gchar * format, ...) G_GNUC_PRINTF (1, 2);

/* Called with each "vgg19" element message's structure. */
typedef void (*GstTestVgg19MessageFunc) (const GstStructure * s,
    gpointer user_data);

/* Reads the bus of @pipeline, set to play by the caller, until EOS or an
 * error, failing the test when neither comes within @timeout in all:
 * "vgg19" element messages go to @on_vgg19, warning texts are appended to
 * *@warnings. Returns: the error's text (free it), or NULL at EOS. */
gchar *gst_test_wait_end (GstElement * pipeline, GstClockTime timeout,
    GstTestVgg19MessageFunc on_vgg19, gpointer user_data, GList ** warnings);

/* Caps of @info at 25 frames a second for the harness's source. */
void gst_test_set_caps (GstHarness * h, const GstVideoInfo * info);

G_END_DECLS

#endif /* VGG19_GST_TEST_UTIL_H */
