/* What the vgg19 element does to one frame, apart from streaming: the
 * model, session and class names it loads, the plan its properties ask for
 * (mode, resize, layers, reference), and the results it attaches to a
 * buffer and describes in a message structure.
 *
 * Not thread-safe: one thread at a time (the element serialises the
 * configuration and the analyses). Errors are GErrors in GStreamer's error
 * domains (GST_RESOURCE_ERROR, GST_STREAM_ERROR, GST_CORE_ERROR) with a
 * message meant for the user, ready for an element error. */
#ifndef GST_VGG19_ANALYSIS_H
#define GST_VGG19_ANALYSIS_H

#include <gst/video/video.h>
#include <vgg19/vgg19.h>

#include "gstvgg19enums.h"

G_BEGIN_DECLS

typedef struct _GstVgg19Analysis GstVgg19Analysis;

/* The properties a plan is made from. */
typedef struct
{
  GstVgg19Mode mode;
  Vgg19Resize resize;
  Vgg19Loss loss;
  const gchar *layers;          /* NULL: the mode's default */
  const gchar *reference;
} GstVgg19PlanSettings;

/* Finds and loads the weights (shared through the model cache), the
 * class names and a session. @weights and @labels may be NULL for the
 * core's lookup. A missing class list that was not asked for explicitly
 * is no error: classes are then named by their index and @warning says
 * why. The error for weights that cannot be found or read says how to get
 * them. */
GstVgg19Analysis *gst_vgg19_analysis_new (const gchar * weights,
    const gchar * labels, guint threads, Vgg19Precision precision,
    gchar ** warning, GError ** error);

void gst_vgg19_analysis_free (GstVgg19Analysis * analysis);

/* Plans the analysis of frames described by @info: reshapes the session
 * and, for the loss, decodes the reference (once per path) and computes
 * its activations; @run_time is then the time that took, otherwise
 * GST_CLOCK_TIME_NONE. */
gboolean gst_vgg19_analysis_configure (GstVgg19Analysis * analysis,
    const GstVideoInfo * info, const GstVgg19PlanSettings * settings,
    GstClockTime * run_time, GError ** error);

/* Whether a configuration succeeded and nothing undid it. */
gboolean gst_vgg19_analysis_is_configured (const GstVgg19Analysis * analysis);

/* Runs the network once on a blank picture. Returns: how long that took,
 * or GST_CLOCK_TIME_NONE when it could not run. */
GstClockTime gst_vgg19_analysis_measure (GstVgg19Analysis * analysis);

/* Analyses the frame in @buffer (writable; its pixels are only read) and
 * attaches the results as metadata. When @results is not NULL the results
 * are also added to it as fields (class-ids, labels, scores; or loss,
 * layers, layer-losses; or layers, shapes). */
gboolean gst_vgg19_analysis_run (GstVgg19Analysis * analysis,
    GstBuffer * buffer, guint top_k, GstStructure * results,
    GError ** error);

/* The nick of the configured mode ("classify", ...). */
const gchar *gst_vgg19_analysis_get_mode_name (const GstVgg19Analysis *
    analysis);

/* For the log: "vgg19 model (torch-legacy, F32), 2 threads, avx512". */
gchar *gst_vgg19_analysis_describe (const GstVgg19Analysis * analysis);

G_END_DECLS

#endif /* GST_VGG19_ANALYSIS_H */
