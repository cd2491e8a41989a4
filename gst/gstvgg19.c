/**
 * SECTION:element-vgg19
 * @title: vgg19
 *
 * Runs VGG-19 (torchvision's layout and weights) on video frames and
 * attaches the results to them, without changing or copying the pictures:
 *
 *  - mode=classify: the top-k ImageNet classes (GstVgg19ClassificationMeta,
 *    and a full-frame GstVideoRegionOfInterestMeta with a "classification"
 *    parameter, as other inference elements attach),
 *  - mode=features: the activations of the layers asked for
 *    (GstVgg19TensorMeta, one per layer),
 *  - mode=loss: the perceptual loss against a reference picture
 *    (GstVgg19LossMeta).
 *
 * With post-messages (the default) every result is also an element message
 * named "vgg19" on the bus, so gst-launch-1.0 -m shows it.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -m filesrc location=cat.jpg ! jpegdec ! imagefreeze num-buffers=1 ! vgg19 ! fakesink
 * gst-launch-1.0 -m v4l2src ! vgg19 interval=5 ! autovideosink
 * gst-launch-1.0 -m uridecodebin uri=file:///path/clip.mp4 ! vgg19 mode=loss reference=first.png ! fakesink
 * ]|
 *
 * The model is loaded when the element goes from READY to PAUSED, once per
 * weight file and process: elements using the same file share it.
 *
 * ## Timing
 *
 * A frame takes VGG-19 a good fraction of a second on a CPU, much longer
 * than a video frame lasts, so the element decouples the analysis from the
 * stream: frames arrive in the upstream thread, an analysis thread works on
 * one frame at a time, and the element's own thread sends the frames on in
 * their order, each analysed frame as soon as its results are attached.
 * Upstream is never held up by an analysis, nor by a downstream sink
 * waiting for the clock.
 *
 * With a live source, a frame due for analysis while the previous one is
 * still being analysed (or that downstream QoS reports late) goes through
 * without results, counted in frames-skipped: frames keep the source's
 * rate and the delay stays that of one analysis, which the LATENCY query
 * reports (measured, and updated with a latency message when it changes).
 * With a source that is not live, every frame due is analysed and upstream
 * waits for the analysis of the one before. Frames not due wait behind the
 * one being analysed, up to 256 MiB of them (two frames at least, however
 * large: 4K and 8K), then upstream waits too.
 *
 * ## Streams
 *
 * Caps may change between any two frames (size, format): each frame is
 * analysed for its own. Interlaced frames with both fields in one buffer
 * (interlace-mode interleaved or mixed) are analysed as the whole woven
 * frame, 4:2:0 chroma taken per field; one field per buffer (alternate)
 * is refused at negotiation. Frames below 32x32 at resize=none are
 * refused with an error; resized, any size down to 1x1 is analysed.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <gst/video/video.h>

#include "analysis.h"
#include "frame_convert.h"
#include "gstvgg19.h"
#include "gstvgg19enums.h"

GST_DEBUG_CATEGORY_STATIC (gst_vgg19_debug);
#define GST_CAT_DEFAULT gst_vgg19_debug

#define DEFAULT_WEIGHTS NULL
#define DEFAULT_LABELS NULL
#define DEFAULT_MODE GST_VGG19_MODE_CLASSIFY
#define DEFAULT_TOP_K 5
#define DEFAULT_RESIZE VGG19_RESIZE_STRETCH
#define DEFAULT_LAYERS NULL
#define DEFAULT_LOSS VGG19_LOSS_MSE
#define DEFAULT_REFERENCE NULL
#define DEFAULT_INTERVAL 1
#define DEFAULT_THREADS 0
#define DEFAULT_PRECISION VGG19_PRECISION_FP32
#define DEFAULT_POST_MESSAGES TRUE

/* The processing time estimate used for the latency is the smoothed time
 * plus this many smoothed deviations (as TCP estimates its retransmission
 * timeout), so that a run a little slower than usual still fits. */
#define DEVIATION_MARGIN 2
/* The reported latency follows the estimate only on a clear change, so
 * that the pipeline is not asked to reconfigure its latency for noise. */
#define LATENCY_GROW_PERCENT 120
#define LATENCY_SHRINK_PERCENT 50

/* Frames waiting to be sent on. A live pipeline keeps about one latency's
 * worth here (downstream holds each frame until it is due); upstream
 * waits beyond the larger of these spans, or this many frames. */
#define MIN_QUEUED_SPAN GST_SECOND
#define QUEUED_SPAN_LATENCIES 4
#define MAX_QUEUED_BUFFERS 256
/* ... or beyond this many bytes of frames (but always two frames, however
 * large): 4K and 8K frames are 12 to 130 MB each, and the frames that
 * follow an analysed one wait behind it, so that a source faster than the
 * analysis would otherwise have up to a second of them here. */
#define MAX_QUEUED_BYTES (256u << 20)

enum
{
  PROP_0,
  PROP_WEIGHTS,
  PROP_LABELS,
  PROP_MODE,
  PROP_TOP_K,
  PROP_RESIZE,
  PROP_LAYERS,
  PROP_LOSS,
  PROP_REFERENCE,
  PROP_INTERVAL,
  PROP_THREADS,
  PROP_PRECISION,
  PROP_POST_MESSAGES,
  PROP_FRAMES_PROCESSED,
  PROP_FRAMES_SKIPPED,
  PROP_PROCESSING_TIME,
};

/* A buffer or serialized event on its way through the element. */
typedef struct
{
  GstMiniObject *object;
  /* buffers due for analysis: handed to the analysis thread, which sets
   * done when the results are attached */
  gboolean analyse;
  gboolean done;
  /* what the analysis and its message need to know */
  guint64 index;
  guint top_k;
  gboolean post_message;
  GstClockTime running_time;
  GstClockTime stream_time;
} QueueItem;

struct _GstVgg19
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties, under the object lock */
  gchar *weights;
  gchar *labels;
  GstVgg19Mode mode;
  guint top_k;
  Vgg19Resize resize;
  gchar *layers;
  Vgg19Loss loss;
  gchar *reference;
  guint interval;
  guint threads;
  Vgg19Precision precision;
  gboolean post_messages;
  /* a property the plan depends on changed since it was made */
  gboolean plan_changed;
  /* the model is loaded (READY->PAUSED to PAUSED->READY): the properties
   * it was loaded with cannot change */
  gboolean started;

  /* statistics and timing, under the object lock */
  guint64 frames_processed;
  guint64 frames_skipped;
  gboolean have_processing_time;
  GstClockTime processing_avg;  /* smoothed time of one analysis */
  GstClockTime processing_dev;  /* smoothed deviation from it */
  GstClockTime reported_latency;
  gboolean upstream_live;
  GstClockTime upstream_min_latency;
  GstClockTime pipeline_latency;        /* from the LATENCY event */
  GstClockTime qos_earliest;    /* from QoS events: earlier is too late */

  /* the queue between the three threads, under lock */
  GMutex lock;
  GCond cond;                   /* signalled on every change below */
  GQueue queue;                 /* QueueItem*, oldest first */
  guint n_queued_buffers;
  gsize queued_bytes;           /* of the buffers in the queue */
  gboolean in_flight;           /* the task is sending an item it took */
  gboolean flushing;
  GstFlowReturn srcresult;
  QueueItem *job;               /* for the analysis thread; NULL: idle */
  GThread *worker;
  gboolean worker_quit;
  gboolean analysis_failed;

  /* upstream side: the sink pad's streaming thread */
  GstSegment segment;
  GstVideoInfo info;
  gboolean have_info;
  guint64 frame_index;

  /* from READY->PAUSED to PAUSED->READY. Used by the analysis thread
   * while job is set, by the upstream side (to reconfigure) while not. */
  GstVgg19Analysis *analysis;
  /* the settings of the last plan made, while have_good_settings; upstream
   * thread */
  GstVgg19PlanSettings good_settings;
  gboolean have_good_settings;
};

#define gst_vgg19_parent_class parent_class
G_DEFINE_TYPE (GstVgg19, gst_vgg19, GST_TYPE_ELEMENT);

GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (vgg19, "vgg19", GST_RANK_NONE,
    GST_TYPE_VGG19, GST_DEBUG_CATEGORY_INIT (gst_vgg19_debug, "vgg19", 0,
        "VGG-19 analysis"));

#define VGG19_CAPS GST_VIDEO_CAPS_MAKE (GST_VGG19_VIDEO_FORMATS)

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (VGG19_CAPS));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (VGG19_CAPS));

static void gst_vgg19_src_loop (gpointer data);

/* An element error from a GError in GStreamer's error domains. */
static void
post_error (GstVgg19 * self, const GError * error, const gchar * file,
    const gchar * function, gint line)
{
  gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR,
      error->domain, error->code, g_strdup (error->message), NULL, file,
      function, line);
}

#define POST_ERROR(self, error) \
  post_error ((self), (error), __FILE__, GST_FUNCTION, __LINE__)

/* ------------------------------------------------------------------ */
/* Timing                                                               */
/* ------------------------------------------------------------------ */

/* Smoothed processing time plus margin; 0 before any measurement.
 * Object lock held. */
static GstClockTime
processing_estimate_locked (GstVgg19 * self)
{
  if (!self->have_processing_time)
    return 0;
  return self->processing_avg + DEVIATION_MARGIN * self->processing_dev;
}

/* Records how long one analysis took, and tells the pipeline when the
 * latency it was told no longer holds. */
static void
record_processing_time (GstVgg19 * self, GstClockTime elapsed)
{
  GstClockTime estimate;
  gboolean post_latency = FALSE;

  GST_OBJECT_LOCK (self);
  if (!self->have_processing_time) {
    self->processing_avg = elapsed;
    self->processing_dev = elapsed / 4;
    self->have_processing_time = TRUE;
  } else {
    GstClockTimeDiff diff = GST_CLOCK_DIFF (self->processing_avg, elapsed);
    GstClockTime abs_diff = diff < 0 ? (GstClockTime) - diff :
        (GstClockTime) diff;

    /* gains of 1/4, as in TCP's round-trip estimator */
    self->processing_avg = (3 * self->processing_avg + elapsed) / 4;
    self->processing_dev = (3 * self->processing_dev + abs_diff) / 4;
  }
  estimate = processing_estimate_locked (self);
  if (estimate * 100 > self->reported_latency * LATENCY_GROW_PERCENT
      || estimate * 100 < self->reported_latency * LATENCY_SHRINK_PERCENT) {
    self->reported_latency = estimate;
    post_latency = TRUE;
  }
  GST_OBJECT_UNLOCK (self);

  GST_LOG_OBJECT (self, "analysis took %" GST_TIME_FORMAT ", estimate %"
      GST_TIME_FORMAT, GST_TIME_ARGS (elapsed), GST_TIME_ARGS (estimate));
  if (post_latency) {
    GST_DEBUG_OBJECT (self, "latency now %" GST_TIME_FORMAT,
        GST_TIME_ARGS (estimate));
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
  }
}

/* Whether upstream is live, asked directly: at caps time the pipeline may
 * not have queried the latency yet. */
static gboolean
upstream_is_live (GstVgg19 * self)
{
  GstQuery *query = gst_query_new_latency ();
  gboolean live = FALSE;

  if (gst_pad_peer_query (self->sinkpad, query))
    gst_query_parse_latency (query, &live, NULL, NULL);
  gst_query_unref (query);
  GST_OBJECT_LOCK (self);
  live |= self->upstream_live;
  self->upstream_live = live;
  GST_OBJECT_UNLOCK (self);
  return live;
}

/* Whether a frame due for analysis would come out late for it. Downstream
 * QoS (a frame older than what the sink still shows) says so, live or
 * not. In a live pipeline a frame is due downstream at running time +
 * pipeline latency; one that arrives too late to be analysed by then
 * (after a stall upstream) is not analysed. Frames that arrive fresh
 * (within the upstream latency and one frame) always are, so that a
 * latency not yet reconfigured after a slower analysis cannot starve the
 * element. */
static gboolean
frame_is_late (GstVgg19 * self, GstClockTime running_time,
    GstClockTime duration)
{
  GstClockTime estimate, budget, fresh, earliest, base_time, now, lag;
  GstClock *clock;
  gboolean live;

  if (!GST_CLOCK_TIME_IS_VALID (running_time))
    return FALSE;

  GST_OBJECT_LOCK (self);
  estimate = processing_estimate_locked (self);
  earliest = self->qos_earliest;
  live = self->upstream_live;
  budget = GST_CLOCK_TIME_IS_VALID (self->pipeline_latency) ?
      self->pipeline_latency : self->upstream_min_latency +
      self->reported_latency;
  fresh = self->upstream_min_latency
      + (GST_CLOCK_TIME_IS_VALID (duration) ? duration : 0);
  GST_OBJECT_UNLOCK (self);

  if (GST_CLOCK_TIME_IS_VALID (earliest) && running_time < earliest) {
    GST_LOG_OBJECT (self, "frame at %" GST_TIME_FORMAT " is older than QoS "
        "earliest %" GST_TIME_FORMAT, GST_TIME_ARGS (running_time),
        GST_TIME_ARGS (earliest));
    return TRUE;
  }
  if (!live)
    return FALSE;

  clock = gst_element_get_clock (GST_ELEMENT (self));
  if (!clock)
    return FALSE;
  base_time = gst_element_get_base_time (GST_ELEMENT (self));
  now = gst_clock_get_time (clock);
  gst_object_unref (clock);
  if (now <= base_time || now - base_time <= running_time)
    return FALSE;
  lag = now - base_time - running_time;

  if (lag <= fresh || lag + estimate <= budget)
    return FALSE;
  GST_LOG_OBJECT (self, "frame at %" GST_TIME_FORMAT " arrives %"
      GST_TIME_FORMAT " late; analysis takes %" GST_TIME_FORMAT
      " of a latency of %" GST_TIME_FORMAT, GST_TIME_ARGS (running_time),
      GST_TIME_ARGS (lag), GST_TIME_ARGS (estimate), GST_TIME_ARGS (budget));
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* The queue                                                            */
/* ------------------------------------------------------------------ */

static void
queue_item_free (QueueItem * item)
{
  if (item->object)
    gst_mini_object_unref (item->object);
  g_free (item);
}

/* Lock held; the analysis thread idle. */
static void
queue_clear_locked (GstVgg19 * self)
{
  QueueItem *item;

  while ((item = g_queue_pop_head (&self->queue)))
    queue_item_free (item);
  self->n_queued_buffers = 0;
  self->queued_bytes = 0;
}

/* Lock held. */
static void
queue_push_locked (GstVgg19 * self, QueueItem * item)
{
  g_queue_push_tail (&self->queue, item);
  if (GST_IS_BUFFER (item->object)) {
    self->n_queued_buffers++;
    self->queued_bytes += gst_buffer_get_size (GST_BUFFER_CAST (item->object));
  }
  g_cond_broadcast (&self->cond);
}

/* Whether upstream should wait for the queue to drain a little. Lock
 * held. */
static gboolean
queue_full_locked (GstVgg19 * self)
{
  GstClockTime first = GST_CLOCK_TIME_NONE, last = GST_CLOCK_TIME_NONE;
  GstClockTime limit;
  GList *l;

  if (self->n_queued_buffers >= MAX_QUEUED_BUFFERS
      || (self->n_queued_buffers >= 2 && self->queued_bytes > MAX_QUEUED_BYTES))
    return TRUE;
  for (l = self->queue.head; l && !GST_CLOCK_TIME_IS_VALID (first); l = l->next)
    first = ((QueueItem *) l->data)->running_time;
  for (l = self->queue.tail; l && !GST_CLOCK_TIME_IS_VALID (last); l = l->prev)
    last = ((QueueItem *) l->data)->running_time;
  if (!GST_CLOCK_TIME_IS_VALID (first) || !GST_CLOCK_TIME_IS_VALID (last)
      || last <= first)
    return FALSE;

  GST_OBJECT_LOCK (self);
  limit = MAX (MIN_QUEUED_SPAN, QUEUED_SPAN_LATENCIES *
      (self->reported_latency + self->upstream_min_latency));
  GST_OBJECT_UNLOCK (self);
  return last - first > limit;
}

/* Waits until the analysis thread is idle. Lock held. */
static void
wait_analysis_idle_locked (GstVgg19 * self)
{
  while (self->job)
    g_cond_wait (&self->cond, &self->lock);
}

/* ------------------------------------------------------------------ */
/* Analysis thread                                                      */
/* ------------------------------------------------------------------ */

static void
analyse_item (GstVgg19 * self, QueueItem * item)
{
  GstBuffer *buf = GST_BUFFER_CAST (item->object);
  GstStructure *s = NULL;
  GError *error = NULL;
  GstClockTime elapsed;
  gint64 start;

  if (item->post_message) {
    s = gst_structure_new ("vgg19",
        "timestamp", G_TYPE_UINT64, GST_BUFFER_PTS (buf),
        "stream-time", G_TYPE_UINT64, item->stream_time,
        "running-time", G_TYPE_UINT64, item->running_time,
        "duration", G_TYPE_UINT64, GST_BUFFER_DURATION (buf),
        "frame", G_TYPE_UINT64, item->index,
        "mode", G_TYPE_STRING,
        gst_vgg19_analysis_get_mode_name (self->analysis), NULL);
  }

  start = g_get_monotonic_time ();
  if (!gst_vgg19_analysis_run (self->analysis, buf, item->top_k, s, &error)) {
    POST_ERROR (self, error);
    g_error_free (error);
    if (s)
      gst_structure_free (s);
    g_mutex_lock (&self->lock);
    self->analysis_failed = TRUE;
    g_mutex_unlock (&self->lock);
    return;
  }
  elapsed = (g_get_monotonic_time () - start) * GST_USECOND;

  GST_OBJECT_LOCK (self);
  self->frames_processed++;
  GST_OBJECT_UNLOCK (self);
  if (s) {
    gst_structure_set (s, "processing-time", G_TYPE_UINT64, elapsed, NULL);
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self), s));
  }
  record_processing_time (self, elapsed);
}

static gpointer
gst_vgg19_worker (gpointer data)
{
  GstVgg19 *self = data;

  g_mutex_lock (&self->lock);
  for (;;) {
    QueueItem *item;

    while (!self->worker_quit && !self->job)
      g_cond_wait (&self->cond, &self->lock);
    if (self->worker_quit && !self->job)
      break;
    item = self->job;
    g_mutex_unlock (&self->lock);

    /* the item stays queued, and its buffer ours, until done is set */
    analyse_item (self, item);

    g_mutex_lock (&self->lock);
    item->done = TRUE;
    self->job = NULL;
    g_cond_broadcast (&self->cond);
  }
  g_mutex_unlock (&self->lock);
  return NULL;
}

/* ------------------------------------------------------------------ */
/* Configuration                                                        */
/* ------------------------------------------------------------------ */

/* The properties a plan is made from, as they are now. Object lock held;
 * free with settings_clear(). */
static void
settings_take_locked (GstVgg19 * self, GstVgg19PlanSettings * settings)
{
  settings->mode = self->mode;
  settings->resize = self->resize;
  settings->loss = self->loss;
  settings->layers = g_strdup (self->layers);
  settings->reference = g_strdup (self->reference);
}

static void
settings_clear (GstVgg19PlanSettings * settings)
{
  g_free ((gchar *) settings->layers);
  g_free ((gchar *) settings->reference);
  settings->layers = settings->reference = NULL;
}

/* Plans the analysis of the negotiated format with @settings. Upstream
 * thread. */
static gboolean
configure_with (GstVgg19 * self, const GstVgg19PlanSettings * settings,
    GError ** error)
{
  GstClockTime run_time;

  /* the analysis thread has the model while it works */
  g_mutex_lock (&self->lock);
  wait_analysis_idle_locked (self);
  g_mutex_unlock (&self->lock);

  if (!gst_vgg19_analysis_configure (self->analysis, &self->info, settings,
          &run_time, error))
    return FALSE;

  /* a live pipeline needs the processing time before the first frame, to
   * report its latency: the reference's run gave it, or a blank picture */
  if (!GST_CLOCK_TIME_IS_VALID (run_time) && upstream_is_live (self))
    run_time = gst_vgg19_analysis_measure (self->analysis);
  if (GST_CLOCK_TIME_IS_VALID (run_time))
    record_processing_time (self, run_time);

  /* what a later change of the properties falls back to */
  settings_clear (&self->good_settings);
  self->good_settings = *settings;
  self->good_settings.layers = g_strdup (settings->layers);
  self->good_settings.reference = g_strdup (settings->reference);
  self->have_good_settings = TRUE;

  GST_INFO_OBJECT (self, "analysing %dx%d %s frames",
      GST_VIDEO_INFO_WIDTH (&self->info), GST_VIDEO_INFO_HEIGHT (&self->info),
      GST_VIDEO_INFO_NAME (&self->info));
  return TRUE;
}

/* Plans the analysis for the negotiated format and the current
 * properties. Upstream thread; FALSE with an error posted. */
static gboolean
configure (GstVgg19 * self)
{
  GstVgg19PlanSettings settings;
  GError *error = NULL;
  gboolean ok;

  GST_OBJECT_LOCK (self);
  settings_take_locked (self, &settings);
  self->plan_changed = FALSE;
  GST_OBJECT_UNLOCK (self);

  ok = configure_with (self, &settings, &error);
  settings_clear (&settings);
  if (!ok) {
    POST_ERROR (self, error);
    g_error_free (error);
  }
  return ok;
}

/* Applies properties changed while streaming, before the frame about to
 * be queued. Settings the model or the frames cannot serve (a layer the
 * network lacks, a reference that cannot be read...) are refused with a
 * warning, and the properties go back to the plan in use, so that a
 * mistake does not stop a running pipeline. FALSE with an error posted
 * when not even that plan can be made again. */
static gboolean
apply_property_changes (GstVgg19 * self)
{
  GstVgg19PlanSettings settings, good;
  GError *error = NULL;
  gboolean ok;

  if (!self->have_good_settings)
    return configure (self);

  GST_OBJECT_LOCK (self);
  settings_take_locked (self, &settings);
  self->plan_changed = FALSE;
  GST_OBJECT_UNLOCK (self);

  ok = configure_with (self, &settings, &error);
  settings_clear (&settings);
  if (ok)
    return TRUE;

  good = self->good_settings;
  GST_ELEMENT_WARNING (self, RESOURCE, SETTINGS,
      ("New settings refused, the previous ones stay: %s", error->message),
      ("mode %d, resize %d, loss %d, layers %s, reference %s kept",
          good.mode, good.resize, good.loss, GST_STR_NULL (good.layers),
          GST_STR_NULL (good.reference)));
  g_clear_error (&error);

  GST_OBJECT_LOCK (self);
  self->mode = good.mode;
  self->resize = good.resize;
  self->loss = good.loss;
  g_free (self->layers);
  self->layers = g_strdup (good.layers);
  g_free (self->reference);
  self->reference = g_strdup (good.reference);
  GST_OBJECT_UNLOCK (self);

  good.layers = g_strdup (good.layers);
  good.reference = g_strdup (good.reference);
  ok = configure_with (self, &good, &error);
  settings_clear (&good);
  if (!ok) {
    POST_ERROR (self, error);
    g_error_free (error);
  }
  return ok;
}

/* ------------------------------------------------------------------ */
/* Upstream side                                                        */
/* ------------------------------------------------------------------ */

static GstFlowReturn
gst_vgg19_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstVgg19 *self = GST_VGG19 (parent);
  GstClockTime running_time = GST_CLOCK_TIME_NONE;
  GstClockTime stream_time = GST_CLOCK_TIME_NONE;
  GstFlowReturn ret;
  QueueItem *item;
  guint interval, top_k;
  gboolean post_messages, plan_changed, analyse, live, skipped = FALSE;
  guint64 index;

  g_mutex_lock (&self->lock);
  if (self->flushing)
    ret = GST_FLOW_FLUSHING;
  else if (self->analysis_failed)
    ret = GST_FLOW_ERROR;
  else
    ret = self->srcresult;
  g_mutex_unlock (&self->lock);
  if (ret != GST_FLOW_OK) {
    gst_buffer_unref (buf);
    return ret;
  }
  if (G_UNLIKELY (!self->have_info)) {
    gst_buffer_unref (buf);
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL), ("frame before caps"));
    return GST_FLOW_NOT_NEGOTIATED;
  }

  GST_OBJECT_LOCK (self);
  interval = self->interval;
  top_k = self->top_k;
  post_messages = self->post_messages;
  plan_changed = self->plan_changed;
  live = self->upstream_live;
  GST_OBJECT_UNLOCK (self);

  if (G_UNLIKELY (plan_changed) && !apply_property_changes (self)) {
    gst_buffer_unref (buf);
    return GST_FLOW_ERROR;
  }

  index = self->frame_index++;
  if (self->segment.format == GST_FORMAT_TIME && GST_BUFFER_PTS_IS_VALID (buf)) {
    running_time = gst_segment_to_running_time (&self->segment,
        GST_FORMAT_TIME, GST_BUFFER_PTS (buf));
    stream_time = gst_segment_to_stream_time (&self->segment,
        GST_FORMAT_TIME, GST_BUFFER_PTS (buf));
  }

  analyse = index % interval == 0
      && !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP);
  if (analyse) {
    g_mutex_lock (&self->lock);
    if (self->job && live) {
      /* still on an earlier frame: this one would have to wait */
      analyse = FALSE;
      skipped = TRUE;
    } else {
      while (self->job && !self->flushing)
        g_cond_wait (&self->cond, &self->lock);
    }
    g_mutex_unlock (&self->lock);
    if (analyse && frame_is_late (self, running_time,
            GST_BUFFER_DURATION (buf))) {
      analyse = FALSE;
      skipped = TRUE;
    }
  }
  if (skipped) {
    GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT " goes without "
        "analysis", index);
    GST_OBJECT_LOCK (self);
    self->frames_skipped++;
    GST_OBJECT_UNLOCK (self);
  }

  /* metadata needs a writable buffer: one shared with someone else is
   * replaced by a shallow copy, which shares its memory (no pixel is
   * copied) and carries its own metadata */
  if (analyse && !gst_buffer_is_writable (buf)) {
    GstBuffer *copy = gst_buffer_copy (buf);

    gst_buffer_unref (buf);
    buf = copy;
  }

  item = g_new0 (QueueItem, 1);
  item->object = GST_MINI_OBJECT_CAST (buf);
  item->analyse = analyse;
  item->index = index;
  item->top_k = top_k;
  item->post_message = post_messages;
  item->running_time = running_time;
  item->stream_time = stream_time;

  g_mutex_lock (&self->lock);
  if (self->flushing) {
    g_mutex_unlock (&self->lock);
    queue_item_free (item);
    return GST_FLOW_FLUSHING;
  }
  if (analyse)
    self->job = item;
  queue_push_locked (self, item);
  while (!self->flushing && queue_full_locked (self))
    g_cond_wait (&self->cond, &self->lock);
  ret = self->flushing ? GST_FLOW_FLUSHING : GST_FLOW_OK;
  g_mutex_unlock (&self->lock);
  return ret;
}

/* Queues a serialized event behind the frames before it. */
static gboolean
queue_event (GstVgg19 * self, GstEvent * event)
{
  GstEventType type = GST_EVENT_TYPE (event);
  gboolean restart = FALSE;
  QueueItem *item;

  g_mutex_lock (&self->lock);
  if (self->flushing) {
    g_mutex_unlock (&self->lock);
    gst_event_unref (event);
    return FALSE;
  }
  /* downstream ended the stream (a buffer came back EOS); a new one may
   * start */
  if (self->srcresult == GST_FLOW_EOS && (type == GST_EVENT_STREAM_START
          || type == GST_EVENT_SEGMENT)) {
    self->srcresult = GST_FLOW_OK;
    restart = TRUE;
  }
  item = g_new0 (QueueItem, 1);
  item->object = GST_MINI_OBJECT_CAST (event);
  item->running_time = GST_CLOCK_TIME_NONE;
  queue_push_locked (self, item);
  g_mutex_unlock (&self->lock);

  if (restart)
    gst_pad_start_task (self->srcpad, gst_vgg19_src_loop, self, NULL);
  return TRUE;
}

static gboolean
gst_vgg19_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstVgg19 *self = GST_VGG19 (parent);
  gboolean ret;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:
      ret = gst_pad_push_event (self->srcpad, event);
      g_mutex_lock (&self->lock);
      self->flushing = TRUE;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
      gst_pad_pause_task (self->srcpad);
      return ret;
    case GST_EVENT_FLUSH_STOP:
      g_mutex_lock (&self->lock);
      /* an analysis under way cannot be interrupted, only waited for */
      wait_analysis_idle_locked (self);
      queue_clear_locked (self);
      self->flushing = FALSE;
      self->srcresult = GST_FLOW_OK;
      g_mutex_unlock (&self->lock);
      GST_OBJECT_LOCK (self);
      self->qos_earliest = GST_CLOCK_TIME_NONE;
      GST_OBJECT_UNLOCK (self);
      ret = gst_pad_push_event (self->srcpad, event);
      gst_pad_start_task (self->srcpad, gst_vgg19_src_loop, self, NULL);
      return ret;
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      GstVideoInfo info;

      gst_event_parse_caps (event, &caps);
      if (!gst_video_info_from_caps (&info, caps)) {
        GST_ERROR_OBJECT (self, "invalid caps %" GST_PTR_FORMAT, caps);
        gst_event_unref (event);
        return FALSE;
      }
      if (!self->have_info || !gst_video_info_is_equal (&info, &self->info)) {
        self->info = info;
        self->have_info = TRUE;
        if (!configure (self)) {
          self->have_info = FALSE;
          gst_event_unref (event);
          return FALSE;
        }
      }
      return queue_event (self, event);
    }
    case GST_EVENT_SEGMENT:
      gst_event_copy_segment (event, &self->segment);
      return queue_event (self, event);
    default:
      if (GST_EVENT_IS_SERIALIZED (event))
        return queue_event (self, event);
      return gst_pad_event_default (pad, parent, event);
  }
}

static gboolean
gst_vgg19_sink_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstVgg19 *self = GST_VGG19 (parent);
  gboolean flushing;

  if (!GST_QUERY_IS_SERIALIZED (query))
    return gst_pad_query_default (pad, parent, query);

  /* an allocation or drain query belongs after the frames and events
   * before it: answered once they are all sent on */
  g_mutex_lock (&self->lock);
  while (!self->flushing && (self->queue.length > 0 || self->in_flight))
    g_cond_wait (&self->cond, &self->lock);
  flushing = self->flushing;
  g_mutex_unlock (&self->lock);
  if (flushing)
    return FALSE;
  return gst_pad_peer_query (self->srcpad, query);
}

static gboolean
gst_vgg19_sink_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  GstVgg19 *self = GST_VGG19 (parent);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  g_mutex_lock (&self->lock);
  self->flushing = !active;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Downstream side                                                      */
/* ------------------------------------------------------------------ */

/* The element's own streaming thread: sends the queued frames and events
 * on, in order, each frame due for analysis once it has its results. */
static void
gst_vgg19_src_loop (gpointer data)
{
  GstVgg19 *self = data;
  GstFlowReturn ret = GST_FLOW_OK;
  QueueItem *item;

  g_mutex_lock (&self->lock);
  for (;;) {
    item = g_queue_peek_head (&self->queue);
    if (self->flushing || (item && (!item->analyse || item->done)))
      break;
    g_cond_wait (&self->cond, &self->lock);
  }
  if (self->flushing) {
    g_mutex_unlock (&self->lock);
    gst_pad_pause_task (self->srcpad);
    return;
  }
  g_queue_pop_head (&self->queue);
  if (GST_IS_BUFFER (item->object)) {
    self->n_queued_buffers--;
    self->queued_bytes -= gst_buffer_get_size (GST_BUFFER_CAST (item->object));
  }
  self->in_flight = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  if (GST_IS_BUFFER (item->object)) {
    ret = gst_pad_push (self->srcpad, GST_BUFFER_CAST (item->object));
  } else {
    gst_pad_push_event (self->srcpad, GST_EVENT_CAST (item->object));
  }
  item->object = NULL;
  queue_item_free (item);

  g_mutex_lock (&self->lock);
  self->in_flight = FALSE;
  if (ret != GST_FLOW_OK && !self->flushing)
    self->srcresult = ret;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);

  if (ret == GST_FLOW_OK)
    return;
  GST_DEBUG_OBJECT (self, "pausing: %s", gst_flow_get_name (ret));
  if (ret == GST_FLOW_NOT_LINKED || ret < GST_FLOW_EOS) {
    GST_ELEMENT_FLOW_ERROR (self, ret);
    gst_pad_push_event (self->srcpad, gst_event_new_eos ());
  }
  gst_pad_pause_task (self->srcpad);
}

static gboolean
gst_vgg19_src_activate_mode (GstPad * pad, GstObject * parent,
    GstPadMode mode, gboolean active)
{
  GstVgg19 *self = GST_VGG19 (parent);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  if (active) {
    g_mutex_lock (&self->lock);
    self->flushing = FALSE;
    self->srcresult = GST_FLOW_OK;
    g_mutex_unlock (&self->lock);
    return gst_pad_start_task (pad, gst_vgg19_src_loop, self, NULL);
  }
  g_mutex_lock (&self->lock);
  self->flushing = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  return gst_pad_stop_task (pad);
}

static gboolean
gst_vgg19_src_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstVgg19 *self = GST_VGG19 (parent);
  GstClockTime min, max, ours;
  gboolean live;

  if (GST_QUERY_TYPE (query) != GST_QUERY_LATENCY)
    return gst_pad_query_default (pad, parent, query);

  if (!gst_pad_peer_query (self->sinkpad, query))
    return FALSE;
  gst_query_parse_latency (query, &live, &min, &max);

  GST_OBJECT_LOCK (self);
  self->upstream_live = live;
  self->upstream_min_latency = min;
  ours = self->reported_latency;
  GST_OBJECT_UNLOCK (self);

  GST_DEBUG_OBJECT (self, "upstream %s, latency %" GST_TIME_FORMAT
      ", adding %" GST_TIME_FORMAT, live ? "live" : "not live",
      GST_TIME_ARGS (min), GST_TIME_ARGS (ours));
  min += ours;
  if (GST_CLOCK_TIME_IS_VALID (max))
    max += ours;
  gst_query_set_latency (query, live, min, max);
  return TRUE;
}

static gboolean
gst_vgg19_src_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstVgg19 *self = GST_VGG19 (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_LATENCY:{
      GstClockTime latency;

      gst_event_parse_latency (event, &latency);
      GST_OBJECT_LOCK (self);
      self->pipeline_latency = latency;
      GST_OBJECT_UNLOCK (self);
      break;
    }
    case GST_EVENT_QOS:{
      GstQOSType type;
      gdouble proportion;
      GstClockTimeDiff diff;
      GstClockTime timestamp;

      gst_event_parse_qos (event, &type, &proportion, &diff, &timestamp);
      GST_OBJECT_LOCK (self);
      if (type != GST_QOS_TYPE_THROTTLE && GST_CLOCK_TIME_IS_VALID (timestamp)
          && diff > 0)
        self->qos_earliest = timestamp + diff;
      else
        self->qos_earliest = GST_CLOCK_TIME_NONE;
      GST_OBJECT_UNLOCK (self);
      break;
    }
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}

/* ------------------------------------------------------------------ */
/* States                                                               */
/* ------------------------------------------------------------------ */

static gboolean
gst_vgg19_start (GstVgg19 * self)
{
  GError *error = NULL;
  gchar *weights, *labels, *warning = NULL, *description;
  guint threads;
  Vgg19Precision precision;

  GST_OBJECT_LOCK (self);
  weights = g_strdup (self->weights);
  labels = g_strdup (self->labels);
  threads = self->threads;
  precision = self->precision;
  self->frames_processed = 0;
  self->frames_skipped = 0;
  self->have_processing_time = FALSE;
  self->processing_avg = self->processing_dev = 0;
  self->reported_latency = 0;
  self->upstream_live = FALSE;
  self->upstream_min_latency = 0;
  self->pipeline_latency = GST_CLOCK_TIME_NONE;
  self->qos_earliest = GST_CLOCK_TIME_NONE;
  self->plan_changed = FALSE;
  self->started = TRUE;
  GST_OBJECT_UNLOCK (self);

  self->analysis = gst_vgg19_analysis_new (weights, labels, threads,
      precision, &warning, &error);
  g_free (weights);
  g_free (labels);
  if (!self->analysis) {
    POST_ERROR (self, error);
    g_error_free (error);
    /* back in READY: the weights may be set right */
    GST_OBJECT_LOCK (self);
    self->started = FALSE;
    GST_OBJECT_UNLOCK (self);
    return FALSE;
  }
  if (warning) {
    GST_ELEMENT_WARNING (self, RESOURCE, NOT_FOUND, ("%s", warning), (NULL));
    g_free (warning);
  }
  description = gst_vgg19_analysis_describe (self->analysis);
  GST_INFO_OBJECT (self, "%s", description);
  g_free (description);

  gst_segment_init (&self->segment, GST_FORMAT_UNDEFINED);
  self->have_info = FALSE;
  self->frame_index = 0;
  self->analysis_failed = FALSE;
  self->worker_quit = FALSE;
  self->worker = g_thread_new ("vgg19-analysis", gst_vgg19_worker, self);
  return TRUE;
}

/* After the pads are deactivated: nothing streams any more. */
static void
gst_vgg19_stop (GstVgg19 * self)
{
  if (self->worker) {
    g_mutex_lock (&self->lock);
    self->worker_quit = TRUE;
    g_cond_broadcast (&self->cond);
    g_mutex_unlock (&self->lock);
    g_thread_join (self->worker);
    self->worker = NULL;
  }
  g_mutex_lock (&self->lock);
  queue_clear_locked (self);
  self->job = NULL;
  g_mutex_unlock (&self->lock);
  g_clear_pointer (&self->analysis, gst_vgg19_analysis_free);
  self->have_info = FALSE;
  settings_clear (&self->good_settings);
  self->have_good_settings = FALSE;
  GST_OBJECT_LOCK (self);
  self->started = FALSE;
  GST_OBJECT_UNLOCK (self);
}

static GstStateChangeReturn
gst_vgg19_change_state (GstElement * element, GstStateChange transition)
{
  GstVgg19 *self = GST_VGG19 (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !gst_vgg19_start (self))
    return GST_STATE_CHANGE_FAILURE;

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY
      || (transition == GST_STATE_CHANGE_READY_TO_PAUSED
          && ret == GST_STATE_CHANGE_FAILURE))
    gst_vgg19_stop (self);
  return ret;
}

/* ------------------------------------------------------------------ */
/* GObject                                                              */
/* ------------------------------------------------------------------ */

/* A property the model was loaded with, set while it is loaded: the new
 * value is not taken, and the application is told. */
static void
refuse_property (GstVgg19 * self, GParamSpec * pspec)
{
  GST_ELEMENT_WARNING (self, CORE, STATE_CHANGE,
      ("The %s property of %s cannot change while it is paused or playing: "
          "the new value is ignored. Set it in the NULL or READY state.",
          pspec->name, GST_ELEMENT_NAME (self)), (NULL));
}

static void
gst_vgg19_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstVgg19 *self = GST_VGG19 (object);

  GST_OBJECT_LOCK (self);
  if (self->started && (pspec->flags & GST_PARAM_MUTABLE_READY)) {
    GST_OBJECT_UNLOCK (self);
    refuse_property (self, pspec);
    return;
  }
  switch (prop_id) {
    case PROP_WEIGHTS:
      g_free (self->weights);
      self->weights = g_value_dup_string (value);
      break;
    case PROP_LABELS:
      g_free (self->labels);
      self->labels = g_value_dup_string (value);
      break;
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      self->plan_changed = TRUE;
      break;
    case PROP_TOP_K:
      self->top_k = g_value_get_uint (value);
      break;
    case PROP_RESIZE:
      self->resize = g_value_get_enum (value);
      self->plan_changed = TRUE;
      break;
    case PROP_LAYERS:
      g_free (self->layers);
      self->layers = g_value_dup_string (value);
      self->plan_changed = TRUE;
      break;
    case PROP_LOSS:
      self->loss = g_value_get_enum (value);
      self->plan_changed = TRUE;
      break;
    case PROP_REFERENCE:
      g_free (self->reference);
      self->reference = g_value_dup_string (value);
      self->plan_changed = TRUE;
      break;
    case PROP_INTERVAL:
      self->interval = g_value_get_uint (value);
      break;
    case PROP_THREADS:
      self->threads = g_value_get_uint (value);
      break;
    case PROP_PRECISION:
      self->precision = g_value_get_enum (value);
      break;
    case PROP_POST_MESSAGES:
      self->post_messages = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_vgg19_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstVgg19 *self = GST_VGG19 (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_WEIGHTS:
      g_value_set_string (value, self->weights);
      break;
    case PROP_LABELS:
      g_value_set_string (value, self->labels);
      break;
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_TOP_K:
      g_value_set_uint (value, self->top_k);
      break;
    case PROP_RESIZE:
      g_value_set_enum (value, self->resize);
      break;
    case PROP_LAYERS:
      g_value_set_string (value, self->layers);
      break;
    case PROP_LOSS:
      g_value_set_enum (value, self->loss);
      break;
    case PROP_REFERENCE:
      g_value_set_string (value, self->reference);
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, self->interval);
      break;
    case PROP_THREADS:
      g_value_set_uint (value, self->threads);
      break;
    case PROP_PRECISION:
      g_value_set_enum (value, self->precision);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->post_messages);
      break;
    case PROP_FRAMES_PROCESSED:
      g_value_set_uint64 (value, self->frames_processed);
      break;
    case PROP_FRAMES_SKIPPED:
      g_value_set_uint64 (value, self->frames_skipped);
      break;
    case PROP_PROCESSING_TIME:
      g_value_set_uint64 (value, self->have_processing_time ?
          self->processing_avg : 0);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_vgg19_finalize (GObject * object)
{
  GstVgg19 *self = GST_VGG19 (object);

  /* PAUSED->READY stopped the threads and freed the analysis */
  g_free (self->weights);
  g_free (self->labels);
  g_free (self->layers);
  g_free (self->reference);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* What the property blurbs say of changes while streaming. */
#define FIXED_WHILE_STARTED " The model is loaded with it at READY->PAUSED: " \
  "a change while paused or playing is refused with a warning"
#define CHANGED_AT_NEXT_FRAME " Changeable while playing: applies from the " \
  "next frame; settings the model or the frames cannot serve are refused " \
  "with a warning and the previous ones stay"

static void
gst_vgg19_class_init (GstVgg19Class * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  gobject_class->set_property = gst_vgg19_set_property;
  gobject_class->get_property = gst_vgg19_get_property;
  gobject_class->finalize = gst_vgg19_finalize;

  g_object_class_install_property (gobject_class, PROP_WEIGHTS,
      g_param_spec_string ("weights", "Weights",
          "VGG-19 (or VGG-16) weight file: torchvision .pth (legacy or zip) "
          "or .safetensors (torchvision or timm names, F32/F16/BF16). "
          "Unset: $VGG19_WEIGHTS, then $XDG_CACHE_HOME/vgg19/"
          VGG19_OFFICIAL_WEIGHTS_NAME ", then the installed data directory. "
          "Loaded at READY->PAUSED and shared by all elements of the process "
          "using the same file; a change while paused or playing is refused "
          "with a warning", DEFAULT_WEIGHTS, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_LABELS,
      g_param_spec_string ("labels", "Labels",
          "Class-name file, one name per line (1000 lines). Unset: "
          "$VGG19_LABELS, then the installed ImageNet class list."
          FIXED_WHILE_STARTED, DEFAULT_LABELS, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "What to compute for each analysed frame: classify (top-k "
          "classes), features (layer activations) or loss (perceptual loss "
          "against the reference image)." CHANGED_AT_NEXT_FRAME,
          GST_TYPE_VGG19_MODE, DEFAULT_MODE, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_TOP_K,
      g_param_spec_uint ("top-k", "Top k",
          "Number of classes reported per frame in mode=classify, best "
          "first. Changeable while playing: applies from the next frame", 1,
          VGG19_N_CLASSES, DEFAULT_TOP_K, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_RESIZE,
      g_param_spec_enum ("resize", "Resize",
          "How frames become network input: stretch (to 224x224), crop "
          "(torchvision's evaluation transform: short side 256, centre "
          "224x224) or none (the frame's own size, at least 32x32; the "
          "classifier then pools to 7x7; smaller frames are refused at "
          "negotiation with an error)." CHANGED_AT_NEXT_FRAME,
          GST_TYPE_VGG19_RESIZE,
          DEFAULT_RESIZE, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_LAYERS,
      g_param_spec_string ("layers", "Layers",
          "Comma-separated layer names (conv1_1 ... conv5_4 before their "
          "ReLU, relu1_1 ... relu5_4, pool1 ... pool5, fc6, relu6, fc7, "
          "relu7, fc8). mode=features: the tensors attached (unset: "
          "relu5_4); mode=loss: the layers compared (unset: conv4_2); "
          "mode=classify: tensors attached besides the classes (unset: "
          "none)." CHANGED_AT_NEXT_FRAME, DEFAULT_LAYERS,
          rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_LOSS,
      g_param_spec_enum ("loss", "Loss",
          "Criterion of mode=loss: mse (mean squared difference of the "
          "activations) or l1 (mean absolute difference), summed over the "
          "layers." CHANGED_AT_NEXT_FRAME, GST_TYPE_VGG19_LOSS, DEFAULT_LOSS,
          rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_REFERENCE,
      g_param_spec_string ("reference", "Reference",
          "Image file each frame is compared with in mode=loss (any format "
          "GStreamer decodes; a video gives its first frame). Decoded once "
          "and preprocessed like the frames (with resize=none, scaled to "
          "their size first)." CHANGED_AT_NEXT_FRAME, DEFAULT_REFERENCE,
          rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint ("interval", "Interval",
          "Analyse every N-th frame (frame 0, N, 2N, ...); the others pass "
          "without results. Changeable while playing: from the next frame on, "
          "the frames whose index (from 0 at the start) is a multiple of N "
          "are analysed", 1, G_MAXUINT,
          DEFAULT_INTERVAL, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_uint ("threads", "Threads",
          "Worker threads of the network (0 = one per core)."
          FIXED_WHILE_STARTED, 0, 1024, DEFAULT_THREADS,
          rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_PRECISION,
      g_param_spec_enum ("precision", "Precision",
          "Arithmetic: fp32, or bf16 (the convolutions' Winograd products and "
          "the Linear layers take bfloat16 inputs and sum in float32: faster "
          "on CPUs with AVX512_BF16, slower elsewhere, outputs within ~3 % of "
          "fp32)." FIXED_WHILE_STARTED, GST_TYPE_VGG19_PRECISION,
          DEFAULT_PRECISION,
          rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post an element message named \"vgg19\" with the results of each "
          "analysed frame. Changeable while playing: applies from the next "
          "frame", DEFAULT_POST_MESSAGES, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_FRAMES_PROCESSED,
      g_param_spec_uint64 ("frames-processed", "Frames processed",
          "Frames analysed since the element started", 0, G_MAXUINT64, 0, ro));
  g_object_class_install_property (gobject_class, PROP_FRAMES_SKIPPED,
      g_param_spec_uint64 ("frames-skipped", "Frames skipped",
          "Frames due for analysis that went through without results "
          "because they would have come out late: with a live source, an "
          "earlier frame was still being analysed or the frame arrived too "
          "late; or downstream QoS reported it late", 0, G_MAXUINT64, 0, ro));
  g_object_class_install_property (gobject_class, PROP_PROCESSING_TIME,
      g_param_spec_uint64 ("processing-time", "Processing time",
          "Smoothed time of one analysis, in nanoseconds (0 before the "
          "first)", 0, G_MAXUINT64, 0, ro));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "VGG-19 analyser",
      "Filter/Analyzer/Video",
      "Classifies frames, extracts layer activations or measures a "
      "perceptual loss with VGG-19, as buffer metadata and bus messages",
      "The vgg19 authors");

  element_class->change_state = GST_DEBUG_FUNCPTR (gst_vgg19_change_state);

  gst_type_mark_as_plugin_api (GST_TYPE_VGG19_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_VGG19_RESIZE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_VGG19_LOSS, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_VGG19_PRECISION, 0);
}

static void
gst_vgg19_init (GstVgg19 * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_vgg19_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_vgg19_sink_event));
  gst_pad_set_query_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_vgg19_sink_query));
  gst_pad_set_activatemode_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_vgg19_sink_activate_mode));
  /* frames go through unchanged: same caps both sides */
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_event_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_vgg19_src_event));
  gst_pad_set_query_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_vgg19_src_query));
  gst_pad_set_activatemode_function (self->srcpad,
      GST_DEBUG_FUNCPTR (gst_vgg19_src_activate_mode));
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->weights = g_strdup (DEFAULT_WEIGHTS);
  self->labels = g_strdup (DEFAULT_LABELS);
  self->mode = DEFAULT_MODE;
  self->top_k = DEFAULT_TOP_K;
  self->resize = DEFAULT_RESIZE;
  self->layers = g_strdup (DEFAULT_LAYERS);
  self->loss = DEFAULT_LOSS;
  self->reference = g_strdup (DEFAULT_REFERENCE);
  self->interval = DEFAULT_INTERVAL;
  self->threads = DEFAULT_THREADS;
  self->precision = DEFAULT_PRECISION;
  self->post_messages = DEFAULT_POST_MESSAGES;
  self->pipeline_latency = GST_CLOCK_TIME_NONE;
  self->qos_earliest = GST_CLOCK_TIME_NONE;
  self->srcresult = GST_FLOW_FLUSHING;
  self->flushing = TRUE;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_queue_init (&self->queue);
  gst_segment_init (&self->segment, GST_FORMAT_UNDEFINED);
}
