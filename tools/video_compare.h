/* Comparing two videos with the vgg19compare GStreamer element: the
 * command uses the element itself, so that both pair and score frames the
 * same way. */
#ifndef VGG19_TOOLS_VIDEO_COMPARE_H
#define VGG19_TOOLS_VIDEO_COMPARE_H

#include <gst/gst.h>
#include <vgg19/vgg19.h>

G_BEGIN_DECLS

/* The element's settings; NULL strings leave its defaults. */
typedef struct
{
  const char *weights;
  const char *metric;
  const char *calibration;
  const char *layers;
  const char *loss;
  const char *reduction;
  const char *feature_norm;
  const char *style_layers;
  const char *gram_norm;
  const char *style_reduction;
  const char *scale;
  const char *scale_size;
  const char *sync_mode;
  const char *eof_action;
  Vgg19Resize resize;
  guint threads;
  const char *log_path;
  const char *log_format;       /* "json", "csv" or "xml" */
} CliVideoCompareSettings;

/* Decodes @reference and @distorted (anything GStreamer decodes; a still
 * picture lasts for the whole comparison), compares them frame by frame
 * and returns the element's "pooled" message structure. Element warnings
 * (an input that ended early) are printed on stderr. Fails with a
 * message naming the file at fault, or saying that the element is not
 * installed. */
GstStructure *cli_video_compare (const char *reference,
    const char *distorted, const CliVideoCompareSettings * settings,
    GError ** error);

G_END_DECLS

#endif /* VGG19_TOOLS_VIDEO_COMPARE_H */
