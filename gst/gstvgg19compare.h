/* The vgg19compare element: perceptual quality of a distorted video
 * against its reference, frame by frame. */
#ifndef GST_VGG19_COMPARE_H
#define GST_VGG19_COMPARE_H

#include <gst/base/gstaggregator.h>

G_BEGIN_DECLS

#define GST_TYPE_VGG19_COMPARE (gst_vgg19_compare_get_type ())
G_DECLARE_FINAL_TYPE (GstVgg19Compare, gst_vgg19_compare, GST,
    VGG19_COMPARE, GstAggregator);

GST_ELEMENT_REGISTER_DECLARE (vgg19compare);

G_END_DECLS

#endif /* GST_VGG19_COMPARE_H */
