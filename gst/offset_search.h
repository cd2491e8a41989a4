/* Finding how many frames a distorted stream is shifted from its
 * reference, from the frames' signatures (frame_signature.h).
 *
 * The offset
 * ----------
 * An offset o means that distorted frame i shows reference frame i + o:
 *   - o > 0: the distorted stream starts later in the content: it lacks
 *     the first o reference frames (they were dropped, or the encode
 *     started o frames late). Its frame 0 is reference frame o.
 *   - o < 0: the distorted stream starts earlier: its first -o frames
 *     precede the reference's first (a pre-roll, leading frames the
 *     reference lacks). Its frame -o is reference frame 0.
 * To compare aligned frames, skip the first o reference frames when
 * o > 0 and the first -o distorted frames when o < 0 (or shift one
 * stream's timestamps by that many frame durations).
 *
 * Algorithm
 * ---------
 * The search keeps the signatures of the first W frames of each stream
 * (the window). For every offset o in [-N - G, N + G] (N the maximum
 * offset, G = GST_VGG19_OFFSET_SEARCH_GUARD) it pairs distorted frame i
 * with reference frame i + o wherever both are in the window, and takes
 * the mean of (1 - correlation) over the pairs. Pairs of two flat frames
 * (no structure) say nothing and are left out; a flat frame against a
 * structured one counts as a mismatch (correlation 0). An offset with
 * fewer than the minimum number of such pairs is not evaluated. The
 * offset of lowest mean cost is the best one, the next lowest the
 * runner-up. The best offset is used (the result is confident) only if
 *   - its cost is at most GST_VGG19_OFFSET_SEARCH_MAX_COST (a mean
 *     correlation of 0.7: the streams look alike there at all);
 *   - every other offset costs clearly more: by at least
 *     GST_VGG19_OFFSET_SEARCH_MIN_GAP and by a
 *     GST_VGG19_OFFSET_SEARCH_MIN_RELATIVE_GAP fraction of the best cost
 *     (static or repeating content, or motion too slow to show in a
 *     thumbnail, makes several offsets nearly equally good). Each offset
 *     is compared with the best on the distorted frames both pair (the
 *     mean of the differences of their pairs' costs; the difference of
 *     the mean costs when they share fewer than the minimum number of
 *     pairs): the pairs of two offsets are not the same frames, and the
 *     frames of a lossy encode are not all equally good, so that the
 *     mean costs alone would favour the offset that leaves the worst
 *     frames out even where every offset fits equally well (a still
 *     picture). The smallest of these differences is the margin;
 *   - it is within [-N, N]: the G offsets evaluated beyond the limit on
 *     each side are there to notice a shift that is larger than N,
 *     whose cost still falls past the limit, rather than report the
 *     nearest offset inside the range;
 *   - when it is N or -N, the offset just beyond could be evaluated
 *     (otherwise a larger shift cannot be ruled out).
 * Otherwise the offset is 0, the result is not confident and its reason
 * says why.
 *
 * Cost
 * ----
 * A signature reads each pixel's luma once, with two or three
 * multiply-adds per pixel (about 2 ms for a 1080p frame, 6 ms for 2160p,
 * on one core); it holds 2.3 kB. The decision takes (2 N + 2 G + 1) x W
 * correlations of GST_VGG19_SIGNATURE_LENGTH (576) values: 0.6 million
 * multiply-adds for N = 10 and the default window of 40 frames, under
 * half a millisecond.
 * The price is latency: the scoring waits until W frames of each stream
 * (or their end) have arrived, and the element holds those frames.
 *
 * Limits
 * ------
 *   - One constant offset of whole frames at the same frame rate: frames
 *     dropped or repeated inside the window, drift or different frame
 *     rates are not modelled (the best constant offset is found, often
 *     with a higher cost, or none).
 *   - The content must change visibly at thumbnail scale (32x18 cells of
 *     luma) within the window. Still pictures, slow motion or content
 *     that repeats within N frames give no confident offset; so do
 *     colour-only changes.
 *   - The whole pictures are compared: a crop, a letterbox or a spatial
 *     shift of one stream lowers the correlations, and past some point
 *     no offset matches.
 *   - Only the first W frames are looked at, and once.
 *   - A shift larger than N is recognised when the cost still falls at
 *     the G offsets past the limit, or when no offset in range fits (high
 *     cost or ambiguity); content that happens to match well at an offset
 *     inside the range while the true one lies far beyond it cannot be
 *     told apart.
 *
 * Not thread-safe: one thread at a time. */
#ifndef GST_VGG19_OFFSET_SEARCH_H
#define GST_VGG19_OFFSET_SEARCH_H

#include <glib.h>

#include "frame_signature.h"

G_BEGIN_DECLS

/* The offsets evaluated past the maximum on each side. */
#define GST_VGG19_OFFSET_SEARCH_GUARD 2
/* The default minimum number of informative pairs behind an offset's
 * cost. */
#define GST_VGG19_OFFSET_SEARCH_MIN_PAIRS 10
/* The default window is 2 N + this: every offset in range is judged on at
 * least this many pairs (N + this), enough for most motion, a cut or a
 * flash to set a frame apart from its neighbours, without holding up
 * the scoring for long (40 frames, 1.6 s at 25 fps, for N = 10). */
#define GST_VGG19_OFFSET_SEARCH_EXTRA_FRAMES 20
/* The highest mean cost (1 - correlation) of an acceptable match. */
#define GST_VGG19_OFFSET_SEARCH_MAX_COST 0.3
/* How much more every other offset must cost than the best one (the
 * margin). The relative part keeps noise from passing for a match: the
 * costs of pairs vary with the noise in both frames, the more so the
 * stronger the distortion, so the margin asked for grows with the cost of
 * the match. The absolute part asks for motion that shows in the
 * thumbnails at all: one frame apart, the margin is about 0.15 for
 * content moving by two thumbnail cells per frame, 0.06 for
 * videotestsrc's ball at 320x240, 0.006 for half a cell, and 0.0001 for
 * a twenty-fifth of a cell. */
#define GST_VGG19_OFFSET_SEARCH_MIN_GAP 0.002
#define GST_VGG19_OFFSET_SEARCH_MIN_RELATIVE_GAP 0.25

typedef enum
{
  GST_VGG19_OFFSET_STREAM_REFERENCE,
  GST_VGG19_OFFSET_STREAM_DISTORTED,
} GstVgg19OffsetStream;

/* Why a result is (not) confident. */
typedef enum
{
  /* the best offset is used */
  GST_VGG19_OFFSET_REASON_CONFIDENT,
  /* too few frames for the minimum number of pairs at any offset in
   * range, or at more than one offset */
  GST_VGG19_OFFSET_REASON_TOO_FEW_PAIRS,
  /* enough frames, but too many of them flat */
  GST_VGG19_OFFSET_REASON_NO_STRUCTURE,
  /* several offsets nearly equally good, and consecutive reference
   * frames differ less than the margin would have to be (a still
   * picture, motion too slow for the thumbnails or lost in the
   * distortion) */
  GST_VGG19_OFFSET_REASON_STATIC,
  /* several offsets nearly equally good although the reference changes
   * (repeating content, slow motion) */
  GST_VGG19_OFFSET_REASON_AMBIGUOUS,
  /* no offset makes the streams look alike (different content, or a
   * shift far beyond the maximum) */
  GST_VGG19_OFFSET_REASON_NO_MATCH,
  /* the best offset lies beyond the maximum */
  GST_VGG19_OFFSET_REASON_BEYOND_RANGE,
  /* the best offset is the maximum and the one beyond could not be
   * evaluated (too few frames) */
  GST_VGG19_OFFSET_REASON_AT_LIMIT,
} GstVgg19OffsetReason;

typedef struct
{
  /* what to apply: best_offset when confident, else 0 */
  gint offset;
  gboolean confident;
  GstVgg19OffsetReason reason;

  /* the offset of lowest cost among those evaluated, in [-N - G, N + G],
   * confident or not (0 when none could be evaluated), its cost and the
   * informative pairs behind it */
  gint best_offset;
  gdouble cost;                 /* NAN when none was evaluated */
  guint n_pairs;
  /* the next lowest cost, at any other offset evaluated (NAN and 0 when
   * there is none) */
  gint runner_up_offset;
  gdouble runner_up_cost;
  /* the smallest margin of another offset over the best one, compared on
   * the frames they share (see above), and that offset; usually the
   * runner-up's (NAN and 0 when there is no other offset) */
  gint margin_offset;
  gdouble margin;

  /* the frames of each stream the decision saw */
  guint n_reference;
  guint n_distorted;
} GstVgg19OffsetResult;

typedef struct _GstVgg19OffsetSearch GstVgg19OffsetSearch;

/* A search for an offset in [-@max_offset, @max_offset] over the first
 * @window frames of each stream (0: 2 @max_offset +
 * GST_VGG19_OFFSET_SEARCH_EXTRA_FRAMES), requiring @min_pairs
 * informative pairs per offset (0: GST_VGG19_OFFSET_SEARCH_MIN_PAIRS).
 *
 * Returns: NULL with @error set (VGG19_ERROR_INVALID_ARGUMENT) when
 * @window is below @max_offset + GST_VGG19_OFFSET_SEARCH_GUARD +
 * @min_pairs (the offsets past the limit could never be evaluated),
 * saying what it takes. */
GstVgg19OffsetSearch *gst_vgg19_offset_search_new (guint max_offset,
    guint window, guint min_pairs, GError ** error);

void gst_vgg19_offset_search_free (GstVgg19OffsetSearch * search);

/* Forgets every frame and end of stream, for new streams (after a flush,
 * say). */
void gst_vgg19_offset_search_reset (GstVgg19OffsetSearch * search);

/* The maximum offset, the window and the minimum number of pairs in
 * use (the defaults filled in). */
guint gst_vgg19_offset_search_get_max_offset (const GstVgg19OffsetSearch *
    search);
guint gst_vgg19_offset_search_get_window (const GstVgg19OffsetSearch * search);
guint gst_vgg19_offset_search_get_min_pairs (const GstVgg19OffsetSearch *
    search);

/* Adds the signature of @stream's next frame, in stream order (copied).
 *
 * Returns: FALSE when the frame was not taken: @stream's window is full
 * or its end was marked. */
gboolean gst_vgg19_offset_search_push (GstVgg19OffsetSearch * search,
    GstVgg19OffsetStream stream, const GstVgg19FrameSignature * signature);

/* Marks the end of @stream: no frame of it will follow (end of stream,
 * or the element stops waiting for it). */
void gst_vgg19_offset_search_end (GstVgg19OffsetSearch * search,
    GstVgg19OffsetStream stream);

/* How many frames of @stream the search holds. */
guint gst_vgg19_offset_search_get_n_frames (const GstVgg19OffsetSearch *
    search, GstVgg19OffsetStream stream);

/* Whether every stream has filled its window or ended: more frames
 * would change nothing, decide now. */
gboolean gst_vgg19_offset_search_is_ready (const GstVgg19OffsetSearch * search);

/* Decides the offset from the frames held so far (when ready, or at any
 * time to stop waiting) into @result. Deciding changes nothing: it can be
 * called again after more frames. */
void gst_vgg19_offset_search_decide (const GstVgg19OffsetSearch * search,
    GstVgg19OffsetResult * result);

/* The mean cost of @offset over the frames held so far, and the
 * informative pairs behind it, for logs and tests.
 *
 * Returns: FALSE when @offset is outside [-N - G, N + G] or has fewer
 * than the minimum number of pairs (@cost is then NAN, @n_pairs the
 * pairs there are). */
gboolean gst_vgg19_offset_search_get_cost (const GstVgg19OffsetSearch *
    search, gint offset, gdouble * cost, guint * n_pairs);

/* A short name of @reason, for messages and logs: "confident",
 * "too-few-pairs", "no-structure", "static", "ambiguous", "no-match",
 * "beyond-range", "at-limit". */
const gchar *gst_vgg19_offset_reason_get_nick (GstVgg19OffsetReason reason);

/* The result in a sentence, for the user: the offset and its meaning,
 * the costs, and when not confident, why. */
gchar *gst_vgg19_offset_result_describe (const GstVgg19OffsetResult * result);

G_END_DECLS

#endif /* GST_VGG19_OFFSET_SEARCH_H */
