/* The vgg19 element: VGG-19 results as metadata on video frames. */
#ifndef GST_VGG19_H
#define GST_VGG19_H

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_VGG19 (gst_vgg19_get_type ())
G_DECLARE_FINAL_TYPE (GstVgg19, gst_vgg19, GST, VGG19, GstElement);

GST_ELEMENT_REGISTER_DECLARE (vgg19);

G_END_DECLS

#endif /* GST_VGG19_H */
