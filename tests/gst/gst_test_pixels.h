/* Reading 8-bit video frames pixel by pixel, for the element's tests. */
#ifndef GST_TEST_PIXELS_H
#define GST_TEST_PIXELS_H

#include <math.h>

#include <gst/video/video.h>

/* Component @c of pixel (@x, @y) of an 8-bit frame, subsampling included. */
static inline guint8
gst_test_component (const GstVideoFrame * frame, guint c, guint x, guint y)
{
  const GstVideoFormatInfo *finfo = frame->info.finfo;
  const guint8 *data = GST_VIDEO_FRAME_COMP_DATA (frame, c);

  return data[(y >> GST_VIDEO_FORMAT_INFO_H_SUB (finfo, c)) *
      GST_VIDEO_FRAME_COMP_STRIDE (frame, c) +
      (x >> GST_VIDEO_FORMAT_INFO_W_SUB (finfo, c)) *
      GST_VIDEO_FRAME_COMP_PSTRIDE (frame, c)];
}

/* @v rounded to the nearest 8-bit level, clamped to 0..255. */
static inline guint8
gst_test_round_level (double v)
{
  return v <= 0 ? 0 : v >= 255 ? 255 : (guint8) floor (v + 0.5);
}

#endif /* GST_TEST_PIXELS_H */
