/* Finding the offset between a distorted stream and its reference.
 *
 * The signatures of the first frames of each stream are kept in arrays of
 * the window's length; the decision evaluates every offset of the range
 * and its guard from them, with no state of its own, so that it can be
 * taken at any time and taken again. */
#include <math.h>

#include <vgg19/vgg19.h>

#include "offset_search.h"

struct _GstVgg19OffsetSearch
{
  guint max_offset;
  guint window;
  guint min_pairs;

  /* per GstVgg19OffsetStream */
  GstVgg19FrameSignature *frames[2];
  guint n_frames[2];
  gboolean ended[2];
};

/* The pairs of an offset. */
typedef struct
{
  gdouble cost;                 /* mean over the informative pairs */
  guint n_pairs;                /* informative: not both flat */
  guint n_all;                  /* flat ones included */
  /* per distorted frame, the cost of its pair, NAN where there is no
   * informative one */
  gdouble *pairs;
} OffsetCost;

GstVgg19OffsetSearch *
gst_vgg19_offset_search_new (guint max_offset, guint window, guint min_pairs,
    GError ** error)
{
  GstVgg19OffsetSearch *search;
  guint64 needed;

  if (min_pairs == 0)
    min_pairs = GST_VGG19_OFFSET_SEARCH_MIN_PAIRS;
  needed = (guint64) max_offset + GST_VGG19_OFFSET_SEARCH_GUARD + min_pairs;
  if (window == 0) {
    guint64 w = 2 * (guint64) max_offset + GST_VGG19_OFFSET_SEARCH_EXTRA_FRAMES;

    window = (guint) MIN (MAX (w, needed), G_MAXUINT);
  }
  /* the offsets are ints, and the window is memory */
  if (max_offset > G_MAXINT / 4 || window > G_MAXINT / 4) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "an offset search over %u frames up to %u frames apart is too large",
        window, max_offset);
    return NULL;
  }
  if (window < needed) {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "a window of %u frames is too short for offsets up to %u with %u "
        "pairs each: it takes at least %" G_GUINT64_FORMAT " frames (the "
        "offset, %d past it, and the pairs)", window, max_offset, min_pairs,
        needed, GST_VGG19_OFFSET_SEARCH_GUARD);
    return NULL;
  }

  search = g_new0 (GstVgg19OffsetSearch, 1);
  search->max_offset = max_offset;
  search->window = window;
  search->min_pairs = min_pairs;
  search->frames[GST_VGG19_OFFSET_STREAM_REFERENCE] =
      g_new (GstVgg19FrameSignature, window);
  search->frames[GST_VGG19_OFFSET_STREAM_DISTORTED] =
      g_new (GstVgg19FrameSignature, window);
  return search;
}

void
gst_vgg19_offset_search_free (GstVgg19OffsetSearch * search)
{
  if (!search)
    return;
  g_free (search->frames[0]);
  g_free (search->frames[1]);
  g_free (search);
}

void
gst_vgg19_offset_search_reset (GstVgg19OffsetSearch * search)
{
  g_return_if_fail (search != NULL);

  search->n_frames[0] = search->n_frames[1] = 0;
  search->ended[0] = search->ended[1] = FALSE;
}

guint
gst_vgg19_offset_search_get_max_offset (const GstVgg19OffsetSearch * search)
{
  return search->max_offset;
}

guint
gst_vgg19_offset_search_get_window (const GstVgg19OffsetSearch * search)
{
  return search->window;
}

guint
gst_vgg19_offset_search_get_min_pairs (const GstVgg19OffsetSearch * search)
{
  return search->min_pairs;
}

gboolean
gst_vgg19_offset_search_push (GstVgg19OffsetSearch * search,
    GstVgg19OffsetStream stream, const GstVgg19FrameSignature * signature)
{
  g_return_val_if_fail (search != NULL && signature != NULL, FALSE);
  g_return_val_if_fail (stream == GST_VGG19_OFFSET_STREAM_REFERENCE
      || stream == GST_VGG19_OFFSET_STREAM_DISTORTED, FALSE);

  if (search->ended[stream] || search->n_frames[stream] >= search->window)
    return FALSE;
  search->frames[stream][search->n_frames[stream]++] = *signature;
  return TRUE;
}

void
gst_vgg19_offset_search_end (GstVgg19OffsetSearch * search,
    GstVgg19OffsetStream stream)
{
  g_return_if_fail (search != NULL);
  g_return_if_fail (stream == GST_VGG19_OFFSET_STREAM_REFERENCE
      || stream == GST_VGG19_OFFSET_STREAM_DISTORTED);

  search->ended[stream] = TRUE;
}

guint
gst_vgg19_offset_search_get_n_frames (const GstVgg19OffsetSearch * search,
    GstVgg19OffsetStream stream)
{
  g_return_val_if_fail (search != NULL, 0);
  g_return_val_if_fail (stream == GST_VGG19_OFFSET_STREAM_REFERENCE
      || stream == GST_VGG19_OFFSET_STREAM_DISTORTED, 0);

  return search->n_frames[stream];
}

gboolean
gst_vgg19_offset_search_is_ready (const GstVgg19OffsetSearch * search)
{
  guint s;

  g_return_val_if_fail (search != NULL, FALSE);

  for (s = 0; s < 2; s++)
    if (!search->ended[s] && search->n_frames[s] < search->window)
      return FALSE;
  return TRUE;
}

/* Distorted frame i against reference frame i + @offset, wherever both
 * are held; the costs of the pairs go to @out->pairs when it is not NULL
 * (as many as distorted frames). */
static void
offset_cost (const GstVgg19OffsetSearch * search, gint offset, OffsetCost * out)
{
  const GstVgg19FrameSignature *ref =
      search->frames[GST_VGG19_OFFSET_STREAM_REFERENCE];
  const GstVgg19FrameSignature *dist =
      search->frames[GST_VGG19_OFFSET_STREAM_DISTORTED];
  gint n_ref = search->n_frames[GST_VGG19_OFFSET_STREAM_REFERENCE];
  gint n_dist = search->n_frames[GST_VGG19_OFFSET_STREAM_DISTORTED];
  gint i, first = MAX (0, -offset), end = MIN (n_dist, n_ref - offset);
  gdouble sum = 0.0;

  out->n_pairs = out->n_all = 0;
  if (out->pairs)
    for (i = 0; i < n_dist; i++)
      out->pairs[i] = NAN;
  for (i = first; i < end; i++) {
    const GstVgg19FrameSignature *d = &dist[i], *r = &ref[i + offset];
    gdouble c;

    out->n_all++;
    /* two plain pictures match whatever the offset */
    if (d->flat && r->flat)
      continue;
    c = 1.0 - gst_vgg19_frame_signature_correlate (d, r);
    out->n_pairs++;
    sum += c;
    if (out->pairs)
      out->pairs[i] = c;
  }
  out->cost = out->n_pairs ? sum / out->n_pairs : NAN;
}

/* The mean cost of consecutive reference frames: how much the content
 * changes from one frame to the next. */
static gdouble
reference_motion (const GstVgg19OffsetSearch * search)
{
  const GstVgg19FrameSignature *ref =
      search->frames[GST_VGG19_OFFSET_STREAM_REFERENCE];
  guint j, n = 0, n_ref = search->n_frames[GST_VGG19_OFFSET_STREAM_REFERENCE];
  gdouble sum = 0.0;

  for (j = 0; j + 1 < n_ref; j++) {
    if (ref[j].flat && ref[j + 1].flat)
      continue;
    sum += 1.0 - gst_vgg19_frame_signature_correlate (&ref[j], &ref[j + 1]);
    n++;
  }
  return n ? sum / n : 0.0;
}

gboolean
gst_vgg19_offset_search_get_cost (const GstVgg19OffsetSearch * search,
    gint offset, gdouble * cost, guint * n_pairs)
{
  gint reach;
  OffsetCost c = { NAN, 0, 0, NULL };

  g_return_val_if_fail (search != NULL, FALSE);

  reach = (gint) search->max_offset + GST_VGG19_OFFSET_SEARCH_GUARD;
  if (offset >= -reach && offset <= reach)
    offset_cost (search, offset, &c);
  if (c.n_pairs < search->min_pairs)
    c.cost = NAN;
  if (cost)
    *cost = c.cost;
  if (n_pairs)
    *n_pairs = c.n_pairs;
  return c.n_pairs >= search->min_pairs;
}

static gboolean
evaluated (const OffsetCost * costs, gint reach, gint offset, guint min_pairs)
{
  return offset >= -reach && offset <= reach
      && costs[offset + reach].n_pairs >= min_pairs;
}

/* Whether offset @a is the better one: the lower cost, and on a tie the
 * smaller shift, then the positive one, so that the choice is
 * reproducible. */
static gboolean
better (const OffsetCost * costs, gint reach, gint a, gint b)
{
  gdouble ca = costs[a + reach].cost, cb = costs[b + reach].cost;

  if (ca != cb)
    return ca < cb;
  if (ABS (a) != ABS (b))
    return ABS (a) < ABS (b);
  return a > b;
}

/* How much more @o costs than @best on the distorted frames both pair
 * informatively: the comparison of two offsets on the same frames, so that
 * frames of unequal quality weigh the same in both. From the mean costs
 * when they share too few frames. */
static gdouble
paired_margin (const OffsetCost * costs, gint reach, gint o, gint best,
    guint n_dist, guint min_pairs)
{
  const gdouble *a = costs[o + reach].pairs, *b = costs[best + reach].pairs;
  gdouble sum = 0.0;
  guint i, n = 0;

  for (i = 0; i < n_dist; i++) {
    if (isnan (a[i]) || isnan (b[i]))
      continue;
    sum += a[i] - b[i];
    n++;
  }
  if (n < min_pairs)
    return costs[o + reach].cost - costs[best + reach].cost;
  return sum / n;
}

void
gst_vgg19_offset_search_decide (const GstVgg19OffsetSearch * search,
    GstVgg19OffsetResult * result)
{
  gint n = (gint) search->max_offset;
  gint reach = n + GST_VGG19_OFFSET_SEARCH_GUARD;
  guint min_pairs = search->min_pairs;
  guint n_dist = search->n_frames[GST_VGG19_OFFSET_STREAM_DISTORTED];
  OffsetCost *costs;
  gdouble *pairs;
  gint o, best = 0, runner_up = 0;
  guint n_evaluated = 0, max_all_in_range = 0;
  gboolean in_range_evaluated = FALSE;
  gdouble gap;

  g_return_if_fail (search != NULL && result != NULL);

  result->offset = 0;
  result->confident = FALSE;
  result->best_offset = 0;
  result->cost = NAN;
  result->n_pairs = 0;
  result->runner_up_offset = 0;
  result->runner_up_cost = NAN;
  result->margin_offset = 0;
  result->margin = NAN;
  result->n_reference = search->n_frames[GST_VGG19_OFFSET_STREAM_REFERENCE];
  result->n_distorted = n_dist;

  costs = g_new (OffsetCost, 2 * reach + 1);
  pairs = g_new (gdouble, (gsize) (2 * reach + 1) * MAX (n_dist, 1));
  for (o = -reach; o <= reach; o++) {
    costs[o + reach].pairs = pairs + (gsize) (o + reach) * n_dist;
    offset_cost (search, o, &costs[o + reach]);
    if (!evaluated (costs, reach, o, min_pairs)) {
      if (ABS (o) <= n)
        max_all_in_range = MAX (max_all_in_range, costs[o + reach].n_all);
      continue;
    }
    if (ABS (o) <= n)
      in_range_evaluated = TRUE;
    if (n_evaluated == 0 || better (costs, reach, o, best)) {
      runner_up = best;
      best = o;
    } else if (n_evaluated == 1 || better (costs, reach, o, runner_up)) {
      runner_up = o;
    }
    n_evaluated++;
  }

  if (n_evaluated > 0) {
    result->best_offset = best;
    result->cost = costs[best + reach].cost;
    result->n_pairs = costs[best + reach].n_pairs;
  }
  if (n_evaluated > 1) {
    result->runner_up_offset = runner_up;
    result->runner_up_cost = costs[runner_up + reach].cost;
    for (o = -reach; o <= reach; o++) {
      gdouble m;

      if (o == best || !evaluated (costs, reach, o, min_pairs))
        continue;
      m = paired_margin (costs, reach, o, best, n_dist, min_pairs);
      if (isnan (result->margin) || m < result->margin) {
        result->margin = m;
        result->margin_offset = o;
      }
    }
  }

  if (!in_range_evaluated) {
    /* the frames were there, but plain */
    result->reason = max_all_in_range >= min_pairs ?
        GST_VGG19_OFFSET_REASON_NO_STRUCTURE :
        GST_VGG19_OFFSET_REASON_TOO_FEW_PAIRS;
    goto done;
  }
  if (n_evaluated < 2) {
    result->reason = GST_VGG19_OFFSET_REASON_TOO_FEW_PAIRS;
    goto done;
  }
  if (result->cost > GST_VGG19_OFFSET_SEARCH_MAX_COST) {
    result->reason = GST_VGG19_OFFSET_REASON_NO_MATCH;
    goto done;
  }
  gap = MAX (GST_VGG19_OFFSET_SEARCH_MIN_GAP,
      GST_VGG19_OFFSET_SEARCH_MIN_RELATIVE_GAP * result->cost);
  if (result->margin < gap) {
    /* consecutive frames differ less than offsets must: no offset can
     * stand out */
    result->reason = reference_motion (search) < gap ?
        GST_VGG19_OFFSET_REASON_STATIC : GST_VGG19_OFFSET_REASON_AMBIGUOUS;
    goto done;
  }
  if (ABS (best) > n) {
    result->reason = GST_VGG19_OFFSET_REASON_BEYOND_RANGE;
    goto done;
  }
  /* at the limit, the offsets just past it (both, for a limit of 0) */
  if ((best == n && !evaluated (costs, reach, n + 1, min_pairs))
      || (best == -n && !evaluated (costs, reach, -n - 1, min_pairs))) {
    result->reason = GST_VGG19_OFFSET_REASON_AT_LIMIT;
    goto done;
  }
  result->reason = GST_VGG19_OFFSET_REASON_CONFIDENT;
  result->confident = TRUE;
  result->offset = best;

done:
  g_free (pairs);
  g_free (costs);
}

const gchar *
gst_vgg19_offset_reason_get_nick (GstVgg19OffsetReason reason)
{
  switch (reason) {
    case GST_VGG19_OFFSET_REASON_CONFIDENT:
      return "confident";
    case GST_VGG19_OFFSET_REASON_TOO_FEW_PAIRS:
      return "too-few-pairs";
    case GST_VGG19_OFFSET_REASON_NO_STRUCTURE:
      return "no-structure";
    case GST_VGG19_OFFSET_REASON_STATIC:
      return "static";
    case GST_VGG19_OFFSET_REASON_AMBIGUOUS:
      return "ambiguous";
    case GST_VGG19_OFFSET_REASON_NO_MATCH:
      return "no-match";
    case GST_VGG19_OFFSET_REASON_BEYOND_RANGE:
      return "beyond-range";
    case GST_VGG19_OFFSET_REASON_AT_LIMIT:
      return "at-limit";
  }
  return "unknown";
}

static const gchar *
reason_sentence (GstVgg19OffsetReason reason)
{
  switch (reason) {
    case GST_VGG19_OFFSET_REASON_CONFIDENT:
      return "";
    case GST_VGG19_OFFSET_REASON_TOO_FEW_PAIRS:
      return "too few frames to compare at enough offsets";
    case GST_VGG19_OFFSET_REASON_NO_STRUCTURE:
      return "too many frames are plain (no structure to compare)";
    case GST_VGG19_OFFSET_REASON_STATIC:
      return "the content changes too little from frame to frame for one "
          "offset to stand out";
    case GST_VGG19_OFFSET_REASON_AMBIGUOUS:
      return "several offsets fit nearly equally well (repeating content "
          "or slow motion)";
    case GST_VGG19_OFFSET_REASON_NO_MATCH:
      return "no offset makes the streams look alike (different content, "
          "or a shift far beyond the maximum)";
    case GST_VGG19_OFFSET_REASON_BEYOND_RANGE:
      return "the best offset lies beyond the maximum";
    case GST_VGG19_OFFSET_REASON_AT_LIMIT:
      return "the best offset is the maximum and too few frames were there "
          "to rule out a larger one";
  }
  return "";
}

gchar *
gst_vgg19_offset_result_describe (const GstVgg19OffsetResult * result)
{
  GString *s;

  g_return_val_if_fail (result != NULL, NULL);

  s = g_string_new (NULL);
  if (result->confident) {
    if (result->offset == 0)
      g_string_append (s, "the streams are aligned (offset 0)");
    else
      g_string_append_printf (s, "offset %+d: distorted frame i shows "
          "reference frame i%+d (%s)", result->offset, result->offset,
          result->offset > 0 ? "the distorted stream lacks the first "
          "reference frames" : "the distorted stream has extra frames "
          "at the start");
  } else {
    g_string_append_printf (s, "no confident offset, taking 0: %s",
        reason_sentence (result->reason));
  }
  if (!isnan (result->cost))
    g_string_append_printf (s, "; best offset %+d, cost %.5f over %u pairs",
        result->best_offset, result->cost, result->n_pairs);
  if (!isnan (result->runner_up_cost))
    g_string_append_printf (s, ", runner-up %+d, cost %.5f, closest %+d by "
        "%.5f", result->runner_up_offset, result->runner_up_cost,
        result->margin_offset, result->margin);
  g_string_append_printf (s, " (%u reference and %u distorted frames)",
      result->n_reference, result->n_distorted);
  return g_string_free (s, FALSE);
}
