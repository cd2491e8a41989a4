/**
 * SECTION:element-vgg19compare
 * @title: vgg19compare
 *
 * Measures the perceptual quality of a distorted video (an encode, a
 * rescale, a filter's output) against its reference, frame by frame, with
 * VGG-19 (torchvision's layout and weights), like GStreamer's iqa element
 * or ffmpeg's libvmaf filter:
 *
 *  - sink_0 takes the reference, sink_1 the distorted stream; they may
 *    differ in size and format (any of the vgg19 element's 21 raw formats):
 *    both go through the same resize before the network;
 *  - the distorted frames go out on src unchanged (same buffers, caps and
 *    timestamps), each compared one carrying one GstVgg19LossMeta per
 *    metric, and each comparison is posted as a "vgg19" element message;
 *  - when the comparison ends, a "vgg19" message of type "pooled" gives the
 *    pooled scores, and the per-frame log (log-file) gets its pooled block.
 *
 * ## Several distorted inputs
 *
 * One reference, many encodes: more distorted inputs come from the
 * request pads sink_2, sink_3, ... (template sink_\%u; requested in the
 * NULL or READY state, refused with a warning once paused or playing, and
 * for sink_0, sink_1 or a name in use). Each reference frame runs through
 * the network once, whatever the number of inputs it is compared with
 * (reference-passes counts those runs), and each input is compared with
 * it as if it were alone: its own pairing, counters, end, temporal values,
 * messages, pooled scores and log, the same numbers as an element
 * comparing that pair only. Frame and pooled messages name their input in
 * "pad" (also with one input). src carries sink_1's frames; the other
 * inputs' frames are consumed. An input that ends finishes its own
 * comparison (its pooled message, its log; a warning when the reference
 * goes on); EOS goes downstream when the last one ends. frames-compared
 * counts the comparisons of all inputs. With several inputs log-file must
 * contain "\%u", replaced by each input's pad number (scores-\%u.json:
 * scores-1.json, scores-2.json, ...). All inputs are compared at one
 * size: with scale=distorted at native size the distorted inputs must
 * share theirs (else a negotiation error; use scale=reference or
 * scale=fixed).
 *
 * ## Metrics
 *
 * metric lists the metrics, comma-separated: presets, the metrics papers
 * quote, each exactly as published (the README gives each formula and its
 * source), and "custom", the generic form (the default):
 *
 *  - lpips-vgg: LPIPS v0.1 on VGG-16 (relu1_2 ... relu5_3, channel
 *    unit-normalisation, LPIPS' learned channel weights, spatial mean,
 *    sum over layers);
 *  - dists: DISTS on VGG-16 with L2 pooling (structure and texture terms
 *    weighted by DISTS' alpha and beta);
 *  - esrgan (conv5_4, L1), realesrgan (conv1_2 x 0.1, conv2_2 x 0.1,
 *    conv3_4, conv4_4, conv5_4, L1), edsr-vgg22 / edsr-vgg54 (conv2_2 /
 *    conv5_4, MSE), srgan-vgg54 (relu5_4, MSE), pix2pixhd (relu1_1 ...
 *    relu5_1 weighted 1/32 ... 1, L1, [-1, 1] input), gatys-style (Gram
 *    matrices of relu1_1 ... relu5_1, eq. 4 of Gatys et al., weights 1/5),
 *    all on VGG-19, conv taps before their ReLU.
 *
 * lpips-vgg and dists need VGG-16 weights (vgg16-397923af.pth, the
 * default when weights is unset) and their learned weights (calibration,
 * or the cache where `weights/fetch lpips-vgg dists` puts them); without
 * them the element fails to start with an error that says how to get
 * them.
 *
 * The generic form: for a layer (tap) l with C channels over H x W
 * positions, x the distorted frame's activations and y the reference's
 * (C x HW matrices):
 *
 *  - "perceptual": sum over the layers of w_l times the criterion of
 *    x - y (loss: l1 |d|, mse or sse d^2) after the optional
 *    feature-norm=unit (each position's channel vector divided by its norm
 *    + 1e-10), reduced by reduction: mean over the C H W values (torch's
 *    F.mse_loss / F.l1_loss, the default), channel-sum (sum over channels
 *    of the mean over positions) or sum (sse always sums). The default,
 *    layers=conv4_2 and loss=mse, is what `vgg19 compare` and the vgg19
 *    element's mode=loss compute.
 *  - "style" (Gram-matrix loss), when style-layers is set: sum over its
 *    layers of w_l times the squared differences of G = x x^T / N and
 *    A = y y^T / N, N set by gram-norm (none, hw, chw or gatys = 2 C H W),
 *    reduced by style-reduction (sum, mean over C^2, channel-sum); the
 *    defaults give Gatys, Ecker and Bethge 2016, eq. 4,
 *    sum((G - A)^2) / (4 C^2 (H W)^2) of the unnormalised matrices.
 *
 * Layers are named as everywhere else (conv1_1 ... conv5_4 before their
 * ReLU, relu1_1 ... relu5_4, pool1 ... pool5), each optionally followed by
 * ":weight" (default 1), e.g. layers="relu1_2:1,relu2_2:1,relu3_4:1,
 * relu4_4:1,relu5_4:1". With resize=none the frames are compared at their
 * own size (full-frame quality; both inputs must then have the same size);
 * either way the network runs only up to the deepest layer used.
 *
 * Every value is 0 exactly for identical frames and grows with the
 * difference. Per-layer values are named "<metric>_<layer>" (e.g.
 * "perceptual_conv4_2", "lpips-vgg_relu1_2") in messages and logs.
 *
 * ## Pairing
 *
 * With sync-mode=running-time (the default), frames are paired by running
 * time, each input's from its own segment (sync-mode=index pairs them in
 * arrival order, the n-th with the n-th). A
 * frame lasts its duration, or else one frame at its caps' frame rate, or
 * else until the next frame of its input (the last one of a stream: until
 * the end, so that a still picture as reference serves a whole clip). A
 * reference frame that ends before the distorted frame starts is dropped
 * (counted in reference-dropped, unless it was compared before); a
 * distorted frame that ends before the reference frame starts goes out
 * without scores (counted in distorted-unpaired); overlapping frames are
 * compared. A reference frame stays while it overlaps later distorted
 * frames (a reference at a lower frame rate), and runs through the network
 * once. Frames without timestamps pair in arrival order, one reference
 * frame for each distorted frame. Gap buffers are not compared, and
 * distorted ones are not passed on.
 *
 * ## Offset
 *
 * offset-search=N (0, the default: off) looks, for each distorted input,
 * for a constant offset of up to N frames either way against the
 * reference before scoring: a distorted stream that lacks the reference's
 * first o frames (the encode started late, frames were dropped at the
 * start) or has -o extra leading ones (a pre-roll). The element holds the
 * first 2 N + 20 frames of every input (or fewer, when an input ends
 * first), compares luma thumbnails of them at every offset and decides
 * once per distorted input; then its frame i is compared with reference
 * frame i + o. With o > 0 the first o reference frames are dropped for
 * that input (reference-dropped), with o < 0 its first -o frames are not
 * compared (distorted-unpaired; those of sink_1 go out without scores).
 * With running-time pairing this is done by moving that input's running
 * time by o reference frame durations (the reference's frame rate, else
 * its frames' duration), so that later frames still pair by time; with
 * sync-mode=index, or frames without timestamps, by counting frames. Each
 * input's result is posted as a "vgg19" message of type "offset" and
 * recorded in its log's header. When no offset stands out (a still
 * picture, slow or repeating motion, different content, a shift beyond N)
 * that input is compared as it comes (offset 0), with an element warning
 * that names it and says why. The scores wait for the decision: 2 N + 20
 * frames of latency (40 frames, 1.6 s at 25 fps, for N = 10), and the
 * frames held take memory (2 N + 20 of each input: 40 1080p I420 frames
 * are 124 MB); an upstream whose buffer pool has fewer buffers than that
 * (some hardware decoders) stalls, unless a copy (videoconvert to another
 * format, say) comes in between. The reference's frames held are shared
 * by all inputs. A flushing seek before the decision starts the search
 * again; after it the offsets stay. The caps of an input may not change
 * within the frames held (an element error).
 *
 * ## End
 *
 * With eof-action=shortest (the default), the comparison ends when either
 * input runs out (like ffmpeg's shortest=1): when the other input still
 * has frames past that point, an element warning names the input that
 * ended early (reference frames that fall within the last distorted frame
 * are merely dropped). With eof-action=repeat, a reference that ends first
 * has its last frame compared with the rest of the distorted frames
 * (counted in reference-duplicated); with eof-action=pass, the rest goes
 * out without scores (counted in distorted-unpaired, with a warning).
 *
 * Inputs of different sizes at native size (resize=none) are scaled as
 * scale says (to the reference's size by default), and an info message
 * says how; scale=fixed brings both to scale-size. The "pooled"
 * message is posted and the log finished, then EOS goes downstream, and
 * upstream of the input still running gets GST_FLOW_EOS. A pipeline
 * stopped before EOS gets neither message nor pooled block (the log then
 * holds every frame so far and still parses). An input left unlinked while
 * the other streams is an element error after a few seconds, rather than a
 * pipeline waiting for ever.
 *
 * ## Messages
 *
 * With post-messages (the default), a message per compared pair:
 * type="frame", pad (the distorted input's), timestamp, stream-time,
 * running-time and duration of the distorted frame, frame (index of the distorted frame, from 0),
 * reference-frame (index of the reference frame, from 0),
 * reference-timestamp, then perceptual (double) and perceptual-layers
 * (doubles in the order of layers), and style and style-layers when
 * enabled. When the comparison of an input ends: type="pooled", pad,
 * frames-compared,
 * distorted-unpaired, reference-dropped, ended-by (the pad of the input
 * that ran out first), and per metric and per layer
 * (fields "perceptual", "perceptual_conv4_2", ...) a structure with count,
 * mean, min, max, harmonic-mean (libvmaf's n / sum(1 / (v + 1)) - 1),
 * median, p1, p5, p10, p25, p95 (percentiles interpolated linearly, as
 * numpy's default) and stddev (population).
 *
 * With offset-search, once per distorted input before its first frame's:
 * type="offset", pad, offset (int, what is applied), confident (boolean),
 * reason ("confident", "too-few-pairs", "no-structure", "static",
 * "ambiguous", "no-match", "beyond-range", "at-limit"), best-offset, cost
 * (the mean 1 - correlation of the thumbnails at best-offset), n-pairs
 * (the frame pairs behind it), runner-up and runner-up-cost (the next best
 * offset), margin, max-offset, reference-frames and distorted-frames (the
 * frames the decision saw) and description (the result in a sentence).
 *
 * ## Log
 *
 * log-file names a file written as the frames are compared, so that a
 * crash loses at most the frame being written, in libvmaf's layouts so
 * that VMAF parsers read it: log-format=json ("frames": [{"frameNum",
 * "pts", "metrics": {...}}], then "pooled_metrics"), xml (<VMAF>,
 * <frames>, <pooled_metrics>) or csv (libvmaf's columns; the header and
 * the pooled statistics in '#' comment lines). Every log has a header
 * recording the version, network, weight file and its SHA-256, input
 * scaling, resize, pairing and each metric's full description; with
 * offset-search also offset_search, offset, offset_confident,
 * offset_reason, offset_best, offset_cost, offset_runner_up,
 * offset_runner_up_cost and offset_pairs (the log is then created when
 * the offset is decided).
 *
 * ## Changes mid-stream
 *
 * Either input's caps may change between frames (size, format); each
 * frame is read with its own, a reference frame held across the change
 * too. Only post-messages can change while paused or playing: the other
 * properties made the model, the metrics and the log's header, and a
 * change is refused with a warning.
 *
 * ## Timing
 *
 * The network runs in the element's aggregation thread, on every pair:
 * nothing is skipped, and upstream waits for it. This suits files; a live
 * source is not throttled and falls behind, and the processing time is
 * not reported as latency (use sync=false on the sink).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 -m vgg19compare name=c log-file=scores.json ! fakesink \
 *     filesrc location=ref.webm ! decodebin ! videoconvert ! c.sink_0 \
 *     filesrc location=encoded.webm ! decodebin ! videoconvert ! c.sink_1
 * gst-launch-1.0 vgg19compare name=c metric=lpips-vgg log-file=lpips.xml log-format=xml ! fakesink \
 *     filesrc location=ref.webm ! decodebin ! videoconvert ! c.sink_0 \
 *     filesrc location=encoded.webm ! decodebin ! videoconvert ! c.sink_1
 * gst-launch-1.0 -m vgg19compare name=c log-file=scores-%u.json ! fakesink \
 *     filesrc location=ref.webm ! decodebin ! videoconvert ! tee name=t \
 *     t. ! queue ! c.sink_0 \
 *     t. ! queue ! vp8enc target-bitrate=100000 ! vp8dec ! videoconvert ! c.sink_1 \
 *     t. ! queue ! vp8enc target-bitrate=400000 ! vp8dec ! videoconvert ! c.sink_2
 * gst-launch-1.0 -m vgg19compare name=c offset-search=10 log-file=scores.json ! fakesink \
 *     filesrc location=ref.webm ! decodebin ! videoconvert ! c.sink_0 \
 *     filesrc location=encoded.webm ! decodebin ! videoconvert ! c.sink_1
 * gst-launch-1.0 vgg19compare name=c layers="relu1_2,relu2_2,relu3_4,relu4_4,relu5_4" \
 *     loss=l1 style-layers="relu1_1,relu2_1,relu3_1,relu4_1,relu5_1" resize=none \
 *     log-file=scores.csv log-format=csv ! fakesink \
 *     uridecodebin uri=file:///path/ref.mp4 ! videoconvert ! c.sink_0 \
 *     uridecodebin uri=file:///path/dist.mp4 ! videoconvert ! c.sink_1
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <math.h>
#include <string.h>

#include <gst/video/video.h>
#include <gst/vgg19/vgg19meta.h>

#include "frame_compare.h"
#include "frame_convert.h"
#include "gstvgg19compare.h"
#include "gstvgg19enums.h"
#include "offset_search.h"

GST_DEBUG_CATEGORY_STATIC (gst_vgg19_compare_debug);
#define GST_CAT_DEFAULT gst_vgg19_compare_debug

#define DEFAULT_WEIGHTS NULL
#define DEFAULT_METRIC "custom"
#define DEFAULT_CALIBRATION NULL
#define DEFAULT_REDUCTION VGG19_REDUCTION_MEAN
#define DEFAULT_FEATURE_NORM VGG19_FEATURE_NORM_NONE
#define DEFAULT_GRAM_NORM VGG19_GRAM_NORM_GATYS
#define DEFAULT_STYLE_REDUCTION VGG19_REDUCTION_SUM
#define DEFAULT_RESIZE VGG19_RESIZE_STRETCH
#define DEFAULT_SCALE GST_VGG19_SCALE_REFERENCE
#define DEFAULT_SYNC_MODE GST_VGG19_SYNC_RUNNING_TIME
#define DEFAULT_EOF_ACTION GST_VGG19_EOF_SHORTEST
#define DEFAULT_SCALE_SIZE "224x224"
#define DEFAULT_LAYERS "conv4_2"
#define DEFAULT_LOSS VGG19_LOSS_MSE
#define DEFAULT_STYLE_LAYERS ""
#define DEFAULT_LOG_FILE NULL
#define DEFAULT_LOG_FORMAT VGG19_LOG_JSON
#define DEFAULT_THREADS 0
#define DEFAULT_PRECISION VGG19_PRECISION_FP32
#define DEFAULT_POST_MESSAGES TRUE
#define DEFAULT_POOLED_INTERVAL 0
#define DEFAULT_WORST_FRAMES 5
#define DEFAULT_OFFSET_SEARCH 0
#define MAX_OFFSET_SEARCH 250


/* How long one input may stay unlinked while the other streams. Long
 * enough for a decodebin on the other branch to find its stream (it links
 * when it has), short enough not to look like a hang. */
#define UNLINKED_INPUT_TIMEOUT (5 * GST_SECOND)

enum
{
  PROP_0,
  PROP_WEIGHTS,
  PROP_METRIC,
  PROP_CALIBRATION,
  PROP_RESIZE,
  PROP_SCALE,
  PROP_SCALE_SIZE,
  PROP_SYNC_MODE,
  PROP_EOF_ACTION,
  PROP_LAYERS,
  PROP_LOSS,
  PROP_REDUCTION,
  PROP_FEATURE_NORM,
  PROP_STYLE_LAYERS,
  PROP_GRAM_NORM,
  PROP_STYLE_REDUCTION,
  PROP_LOG_FILE,
  PROP_LOG_FORMAT,
  PROP_THREADS,
  PROP_PRECISION,
  PROP_POST_MESSAGES,
  PROP_POOLED_INTERVAL,
  PROP_WORST_FRAMES,
  PROP_OFFSET_SEARCH,
  PROP_FRAMES_COMPARED,
  PROP_REFERENCE_PASSES,
};

/* One compared frame's value of one metric, for the list of the worst. */
typedef struct
{
  gdouble value;
  guint64 frame;
  GstClockTime timestamp;
  GstClockTime running_time;
} ScoredFrame;

/* When a frame is shown, in running time. */
typedef struct
{
  gboolean timed;               /* FALSE: no timestamp, pair by order */
  GstClockTime start;
  GstClockTime end;             /* NONE: until the next frame */
} FrameSpan;

/* What the aggregation thread knows of one input. */
typedef struct
{
  GstAggregatorPad *pad;
  GstVideoInfo info;
  gboolean have_info;
  GstCaps *caps;
  guint64 n_frames;             /* frames taken so far */

  /* offset-search: buffers taken off the pad ahead of time (its first
   * frames, looked at before pairing starts), served before the pad's
   * own; the maker of their thumbnails */
  GQueue held;
  GstVgg19SignatureMaker *maker;
} Input;

typedef enum
{
  LANE_ACTIVE,                  /* its frames are being compared */
  LANE_ENDED,                   /* at its end; waits to learn whether the
                                 * reference goes on past it */
  LANE_FINISHED,                /* its pooled scores are out */
} LaneState;

/* One distorted input and its comparison with the reference: the
 * reference frame held and its activations are shared by all lanes, the
 * rest is each lane's own. */
typedef struct
{
  Input in;
  guint number;                 /* N of its pad's name, sink_N */
  guint index;                  /* its input of the frame comparer, from 1 */
  gint released;                /* (atomic) its pad went while started */

  /* offset-search, from start() to stop(): the search, and once it is
   * decided its result and how it is applied: the first lead reference
   * frames are not for this lane (reference_skip of them still to come),
   * its first frames not compared (distorted_skip still to come), and its
   * running time moved by time_shift (earlier when shift_earlier) */
  GstVgg19OffsetSearch *search;
  gboolean search_ended;
  GstVgg19OffsetResult offset;
  guint lead;
  guint reference_skip;
  guint distorted_skip;
  GstClockTime time_shift;
  gboolean shift_earlier;
  gchar *log_path;              /* opened at the decision */

  /* pairing, in the aggregation thread */
  LaneState state;
  guint64 taken;                /* frames taken but gaps and those passed */
  guint64 compared;
  guint64 distorted_unpaired;
  guint64 reference_dropped;
  guint64 reference_duplicated; /* comparisons reusing a reference frame */
  guint64 passed;               /* frames passed after the reference's end */
  gboolean repeating;           /* eof-action=repeat: the last reference */
  gboolean reference_ended;     /* eof-action=pass: passing frames on */
  gboolean reference_compared;  /* it compared the reference frame held */
  GstClockTime distorted_end;   /* of its last frame */

  /* scores, from start() to stop() */
  gdouble *values;
  Vgg19ScorePool **pools;
  GArray **scored;              /* per value: ScoredFrame, for the worst */
  Vgg19ScoreLog *log;
} Lane;

struct _GstVgg19Compare
{
  GstAggregator parent;

  /* properties, under the object lock */
  gchar *weights;
  gchar *metric;
  gchar *calibration;
  Vgg19Resize resize;
  GstVgg19Scale scale;
  gchar *scale_size;
  GstVgg19SyncMode sync_mode;
  GstVgg19EofAction eof_action;
  gchar *layers;
  Vgg19Loss loss;
  Vgg19Reduction reduction;
  Vgg19FeatureNorm feature_norm;
  gchar *style_layers;
  Vgg19GramNorm gram_norm;
  Vgg19Reduction style_reduction;
  gchar *log_file;
  Vgg19LogFormat log_format;
  guint threads;
  Vgg19Precision precision;
  gboolean post_messages;
  guint pooled_interval;
  guint worst_frames;
  guint offset_search;
  guint64 frames_compared;      /* over all lanes */
  guint64 reference_passes;     /* network passes on reference frames */
  /* from start() to stop(): the properties but post-messages are fixed,
   * and so are the lanes */
  gboolean started;

  /* the reference input, and a lane per distorted input sorted by pad
   * number (lanes[0]: sink_1, whose frames go out on src); the array
   * changes under the object lock while not started */
  Input reference_input;
  GPtrArray *lanes;
  Lane *output_lane;            /* sink_1's, there from init to finalize */

  /* from start() to stop(), in the aggregation thread */
  GstVgg19FrameComparer *comparer;
  gchar **value_names;
  guint n_values;
  gboolean finished;            /* every lane is */
  gchar *sizes;                 /* how the inputs' sizes meet, last told */
  GstVgg19Scale start_scale;    /* the scale settings of this run */
  guint start_scale_w, start_scale_h;
  GstVgg19SyncMode run_sync;    /* this run's settings */
  GstVgg19EofAction run_eof;
  Vgg19LogFormat run_log_format;
  Vgg19Resize run_resize;

  /* offset-search: until decided, the first frames of every input are
   * taken into their held queues (the reference's searched against by
   * every lane) */
  gboolean searching;
  gboolean reference_search_ended;

  /* the reference frame being compared with; it stays at the head of its
   * pad's queue (reference_in_pad) until it is over, so that the
   * distorted frames it overlaps do not wait for the next one */
  GstBuffer *reference;
  gboolean reference_in_pad;
  FrameSpan reference_span;
  guint64 reference_index;

  /* the check for an unlinked input, under watch_lock */
  GMutex watch_lock;
  GstClockID watch_id;
};

#define gst_vgg19_compare_parent_class parent_class
G_DEFINE_TYPE (GstVgg19Compare, gst_vgg19_compare, GST_TYPE_AGGREGATOR);

GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (vgg19compare, "vgg19compare",
    GST_RANK_NONE, GST_TYPE_VGG19_COMPARE,
    GST_DEBUG_CATEGORY_INIT (gst_vgg19_compare_debug, "vgg19compare", 0,
        "VGG-19 perceptual comparison"));

#define COMPARE_CAPS GST_VIDEO_CAPS_MAKE (GST_VGG19_VIDEO_FORMATS)

static GstStaticPadTemplate reference_template =
GST_STATIC_PAD_TEMPLATE ("sink_0", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (COMPARE_CAPS));

static GstStaticPadTemplate distorted_template =
GST_STATIC_PAD_TEMPLATE ("sink_1", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (COMPARE_CAPS));

static GstStaticPadTemplate more_distorted_template =
GST_STATIC_PAD_TEMPLATE ("sink_%u", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS (COMPARE_CAPS));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (COMPARE_CAPS));

static gboolean gst_vgg19_compare_stop (GstAggregator * agg);

static void
post_error (GstVgg19Compare * self, const GError * error, const gchar * file,
    const gchar * function, gint line)
{
  gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR,
      error->domain, error->code, g_strdup (error->message), NULL, file,
      function, line);
}

#define POST_ERROR(self, error) \
  post_error ((self), (error), __FILE__, GST_FUNCTION, __LINE__)

/* ------------------------------------------------------------------ */
/* Lanes                                                                */
/* ------------------------------------------------------------------ */

static Lane *
lane_new (GstAggregatorPad * pad, guint number)
{
  Lane *lane = g_new0 (Lane, 1);

  lane->in.pad = gst_object_ref (pad);
  lane->number = number;
  g_queue_init (&lane->in.held);
  return lane;
}

/* The scores of a run (start() to stop()). */
static void
lane_clear_scores (GstVgg19Compare * self, Lane * lane)
{
  guint i;

  /* a log without its pooled block still parses */
  g_clear_pointer (&lane->log, vgg19_score_log_free);
  for (i = 0; lane->pools && i < self->n_values; i++)
    vgg19_score_pool_free (lane->pools[i]);
  for (i = 0; lane->scored && i < self->n_values; i++)
    if (lane->scored[i])
      g_array_unref (lane->scored[i]);
  g_clear_pointer (&lane->scored, g_free);
  g_clear_pointer (&lane->pools, g_free);
  g_clear_pointer (&lane->values, g_free);
}

/* What an input holds for the offset search. */
static void
input_clear_held (Input * in)
{
  g_queue_clear_full (&in->held, (GDestroyNotify) gst_buffer_unref);
  g_clear_pointer (&in->maker, gst_vgg19_signature_maker_free);
}

/* A lane's offset search and what it decided (start() to stop()). */
static void
lane_clear_offset (Lane * lane)
{
  g_clear_pointer (&lane->search, gst_vgg19_offset_search_free);
  g_clear_pointer (&lane->log_path, g_free);
  lane->search_ended = FALSE;
  lane->lead = 0;
  lane->reference_skip = 0;
  lane->distorted_skip = 0;
  lane->time_shift = 0;
  lane->shift_earlier = FALSE;
}

static void
lane_free (Lane * lane)
{
  input_clear_held (&lane->in);
  lane_clear_offset (lane);
  gst_clear_caps (&lane->in.caps);
  gst_object_unref (lane->in.pad);
  g_free (lane);
}

static Lane *
lane_of_pad (GstVgg19Compare * self, GstAggregatorPad * pad)
{
  guint i;

  for (i = 0; i < self->lanes->len; i++) {
    Lane *lane = g_ptr_array_index (self->lanes, i);

    if (lane->in.pad == pad)
      return lane;
  }
  return NULL;
}

static Lane *
lane_at (GstVgg19Compare * self, guint i)
{
  return g_ptr_array_index (self->lanes, i);
}

/* The lane of sink_1, whose frames go out on src. */
static gboolean
is_output_lane (GstVgg19Compare * self, const Lane * lane)
{
  return lane == self->output_lane;
}

/* The next buffer of an input (a reference), the held ones first. */
static GstBuffer *
input_peek (Input * in)
{
  if (!g_queue_is_empty (&in->held))
    return gst_buffer_ref (g_queue_peek_head (&in->held));
  return gst_aggregator_pad_peek_buffer (in->pad);
}

static GstBuffer *
input_pop (Input * in)
{
  if (!g_queue_is_empty (&in->held))
    return g_queue_pop_head (&in->held);
  return gst_aggregator_pad_pop_buffer (in->pad);
}

static void
input_drop (Input * in)
{
  GstBuffer *buf = input_pop (in);

  gst_clear_buffer (&buf);
}

/* No more reference frames will come. */
static gboolean
reference_is_eos (GstVgg19Compare * self)
{
  return g_queue_is_empty (&self->reference_input.held)
      && gst_aggregator_pad_is_eos (self->reference_input.pad);
}

/* No more buffers will come. */
static gboolean
lane_is_eos (Lane * lane)
{
  return g_queue_is_empty (&lane->in.held)
      && (g_atomic_int_get (&lane->released)
      || gst_aggregator_pad_is_eos (lane->in.pad));
}

static const gchar *
reference_name (GstVgg19Compare * self)
{
  return GST_PAD_NAME (self->reference_input.pad);
}

static const gchar *
lane_name (const Lane * lane)
{
  return GST_PAD_NAME (lane->in.pad);
}

/* The input of @pad: the reference's or a lane's (then in @lane). */
static Input *
input_of_pad (GstVgg19Compare * self, GstAggregatorPad * pad, Lane ** lane)
{
  *lane = NULL;
  if (pad == self->reference_input.pad)
    return &self->reference_input;
  *lane = lane_of_pad (self, pad);
  return *lane ? &(*lane)->in : NULL;
}

static const gchar *
role_of (GstVgg19Compare * self, const Input * in)
{
  return in == &self->reference_input ? "reference" : "distorted";
}

/* ------------------------------------------------------------------ */
/* An input left unlinked                                               */
/* ------------------------------------------------------------------ */

/* The first input without a peer, NULL if all have one. */
static Input *
unlinked_input (GstVgg19Compare * self)
{
  Input *found = NULL;
  guint i;

  GST_OBJECT_LOCK (self);
  if (!gst_pad_is_linked (GST_PAD (self->reference_input.pad)))
    found = &self->reference_input;
  for (i = 0; !found && i < self->lanes->len; i++)
    if (!gst_pad_is_linked (GST_PAD (lane_at (self, i)->in.pad)))
      found = &lane_at (self, i)->in;
  GST_OBJECT_UNLOCK (self);
  return found;
}

static gboolean
unlinked_input_timeout (GstClock * clock, GstClockTime time, GstClockID id,
    gpointer user_data)
{
  GstVgg19Compare *self = user_data;
  Input *in;

  g_mutex_lock (&self->watch_lock);
  if (self->watch_id != id) {
    /* disarmed meanwhile */
    g_mutex_unlock (&self->watch_lock);
    return TRUE;
  }
  gst_clock_id_unref (self->watch_id);
  self->watch_id = NULL;
  g_mutex_unlock (&self->watch_lock);

  in = unlinked_input (self);
  if (in) {
    GstPad *pad = GST_PAD (in->pad);

    GST_ELEMENT_ERROR (self, CORE, PAD,
        ("The %s input (%s) of vgg19compare is not linked: it compares "
            "the reference on sink_0 with the distorted streams on sink_1 "
            "and the sink pads requested, and needs all of them",
            role_of (self, in), GST_PAD_NAME (pad)),
        ("%s still unlinked %" GST_TIME_FORMAT " after another input "
            "started", GST_PAD_NAME (pad),
            GST_TIME_ARGS (UNLINKED_INPUT_TIMEOUT)));
  }
  return TRUE;
}

/* Called when an input starts streaming: if another input has no peer,
 * checks again a little later. */
static void
watch_other_inputs (GstVgg19Compare * self)
{
  GstClock *clock;

  if (!unlinked_input (self))
    return;
  g_mutex_lock (&self->watch_lock);
  if (!self->watch_id) {
    clock = gst_system_clock_obtain ();
    self->watch_id = gst_clock_new_single_shot_id (clock,
        gst_clock_get_time (clock) + UNLINKED_INPUT_TIMEOUT);
    gst_object_unref (clock);
    if (gst_clock_id_wait_async (self->watch_id, unlinked_input_timeout,
            gst_object_ref (self), gst_object_unref) != GST_CLOCK_OK) {
      gst_clock_id_unref (self->watch_id);
      self->watch_id = NULL;
    }
  }
  g_mutex_unlock (&self->watch_lock);
}

static void
unwatch_inputs (GstVgg19Compare * self)
{
  g_mutex_lock (&self->watch_lock);
  if (self->watch_id) {
    gst_clock_id_unschedule (self->watch_id);
    gst_clock_id_unref (self->watch_id);
    self->watch_id = NULL;
  }
  g_mutex_unlock (&self->watch_lock);
}

/* ------------------------------------------------------------------ */
/* Frames in time                                                       */
/* ------------------------------------------------------------------ */

static FrameSpan
frame_span (GstVgg19Compare * self, Input * in, GstBuffer * buf)
{
  FrameSpan span = { FALSE, GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE };
  GstClockTime pts = GST_BUFFER_PTS (buf), duration = GST_BUFFER_DURATION (buf);
  GstClockTime stop = GST_CLOCK_TIME_NONE, cstart, cstop;
  GstSegment segment;

  GST_OBJECT_LOCK (in->pad);
  segment = in->pad->segment;
  GST_OBJECT_UNLOCK (in->pad);

  if (segment.format != GST_FORMAT_TIME || !GST_CLOCK_TIME_IS_VALID (pts)
      || self->run_sync == GST_VGG19_SYNC_INDEX)
    return span;
  if ((!GST_CLOCK_TIME_IS_VALID (duration) || duration == 0)
      && in->have_info && GST_VIDEO_INFO_FPS_N (&in->info) > 0)
    duration = gst_util_uint64_scale_int (GST_SECOND,
        GST_VIDEO_INFO_FPS_D (&in->info), GST_VIDEO_INFO_FPS_N (&in->info));
  if (GST_CLOCK_TIME_IS_VALID (duration) && duration > 0)
    stop = pts + duration;
  if (!gst_segment_clip (&segment, GST_FORMAT_TIME, pts, stop, &cstart, &cstop))
    return span;

  span.timed = TRUE;
  span.start = gst_segment_to_running_time (&segment, GST_FORMAT_TIME, cstart);
  if (GST_CLOCK_TIME_IS_VALID (stop))
    span.end = gst_segment_to_running_time (&segment, GST_FORMAT_TIME, cstop);
  if (!GST_CLOCK_TIME_IS_VALID (span.start))
    span.timed = FALSE;
  else if (GST_CLOCK_TIME_IS_VALID (span.end) && span.end < span.start) {
    /* reverse playback */
    GstClockTime t = span.start;

    span.start = span.end;
    span.end = t;
  }
  return span;
}

/* The span of @buf, a frame of @lane, on the reference's time line: moved
 * by the lane's offset (offset-search), so that its frame i meets
 * reference frame i + o. Frames moved before the start start at 0. */
static FrameSpan
lane_span (GstVgg19Compare * self, Lane * lane, GstBuffer * buf)
{
  FrameSpan span = frame_span (self, &lane->in, buf);
  GstClockTime shift = lane->time_shift;

  if (!span.timed || shift == 0)
    return span;
  if (lane->shift_earlier) {
    span.start = span.start > shift ? span.start - shift : 0;
    if (GST_CLOCK_TIME_IS_VALID (span.end))
      span.end = span.end > shift ? span.end - shift : 0;
  } else {
    span.start += shift;
    if (GST_CLOCK_TIME_IS_VALID (span.end))
      span.end += shift;
  }
  return span;
}

/* Drops buffers entirely outside their segment. */
static GstBuffer *
gst_vgg19_compare_clip (GstAggregator * agg, GstAggregatorPad * pad,
    GstBuffer * buf)
{
  GstClockTime pts = GST_BUFFER_PTS (buf), stop = GST_CLOCK_TIME_NONE;

  if (pad->segment.format != GST_FORMAT_TIME || !GST_CLOCK_TIME_IS_VALID (pts))
    return buf;
  if (GST_BUFFER_DURATION_IS_VALID (buf))
    stop = pts + GST_BUFFER_DURATION (buf);
  if (gst_segment_clip (&pad->segment, GST_FORMAT_TIME, pts, stop, NULL, NULL))
    return buf;
  GST_LOG_OBJECT (pad, "dropping %" GST_PTR_FORMAT " outside the segment", buf);
  gst_buffer_unref (buf);
  return NULL;
}

/* ------------------------------------------------------------------ */
/* Results                                                              */
/* ------------------------------------------------------------------ */

static void
take_array_of_doubles (GstStructure * s, const gchar * field,
    const gdouble * v, guint n)
{
  GValue array = G_VALUE_INIT;
  guint i;

  g_value_init (&array, GST_TYPE_ARRAY);
  for (i = 0; i < n; i++) {
    GValue item = G_VALUE_INIT;

    g_value_init (&item, G_TYPE_DOUBLE);
    g_value_set_double (&item, v[i]);
    gst_value_array_append_and_take_value (&array, &item);
  }
  gst_structure_take_value (s, field, &array);
}

/* One loss meta per metric on @buf (when not NULL), and the message
 * fields of each in @s (when not NULL), from @values. */
static void
attach_results (GstVgg19Compare * self, const gdouble * values,
    GstBuffer * buf, GstStructure * s)
{
  guint n_metrics = gst_vgg19_frame_comparer_get_n_metrics (self->comparer);
  guint m, l, k = 0;

  for (m = 0; m < n_metrics; m++) {
    const Vgg19Metric *metric =
        gst_vgg19_frame_comparer_get_metric (self->comparer, m);
    const gchar *name = vgg19_metric_get_name (metric);
    guint n_layers = vgg19_metric_get_n_layers (metric);
    const gchar **layers = g_new0 (const gchar *, n_layers + 1);
    gdouble *weights = g_new (gdouble, n_layers);

    for (l = 0; l < n_layers; l++)
      layers[l] = vgg19_metric_get_layer (metric, l, &weights[l]);
    if (buf)
      gst_buffer_add_vgg19_weighted_loss_meta (buf, name,
          vgg19_metric_get_kind (metric) == VGG19_METRIC_DISTS ? "dists" :
          vgg19_loss_to_string (vgg19_metric_get_criterion (metric)),
          n_layers, layers, weights, values + k + 1);
    if (s) {
      gchar *field = g_strdup_printf ("%s-layers", name);

      gst_structure_set (s, name, G_TYPE_DOUBLE, values[k], NULL);
      take_array_of_doubles (s, field, values + k + 1, n_layers);
      g_free (field);
    }
    g_free (layers);
    g_free (weights);
    k += 1 + n_layers;
  }
  /* the temporal values, after all the metrics' */
  for (; s && k < self->n_values; k++)
    gst_structure_set (s, self->value_names[k], G_TYPE_DOUBLE, values[k],
        NULL);
}

static GstStructure *
pooled_structure (const Vgg19PooledScore * p)
{
  return gst_structure_new ("vgg19-pooled",
      "count", G_TYPE_UINT64, p->count,
      "mean", G_TYPE_DOUBLE, p->mean,
      "min", G_TYPE_DOUBLE, p->min,
      "max", G_TYPE_DOUBLE, p->max,
      "harmonic-mean", G_TYPE_DOUBLE, p->harmonic_mean,
      "median", G_TYPE_DOUBLE, p->median,
      "p1", G_TYPE_DOUBLE, p->p1,
      "p5", G_TYPE_DOUBLE, p->p5,
      "p10", G_TYPE_DOUBLE, p->p10,
      "p25", G_TYPE_DOUBLE, p->p25,
      "p95", G_TYPE_DOUBLE, p->p95,
      "stddev", G_TYPE_DOUBLE, p->stddev, NULL);
}

/* A "vgg19" message of @type with @lane's pooled scores so far (also
 * written to @pooled, n_values of them). */
static GstStructure *
pooled_message (GstVgg19Compare * self, Lane * lane, const gchar * type,
    Vgg19PooledScore * pooled)
{
  GstStructure *s;
  guint i;

  s = gst_structure_new ("vgg19", "type", G_TYPE_STRING, type,
      "pad", G_TYPE_STRING, lane_name (lane),
      "frames-compared", G_TYPE_UINT64, lane->compared,
      "distorted-unpaired", G_TYPE_UINT64, lane->distorted_unpaired,
      "reference-dropped", G_TYPE_UINT64, lane->reference_dropped,
      "reference-duplicated", G_TYPE_UINT64, lane->reference_duplicated,
      NULL);
  if (self->sizes)
    gst_structure_set (s, "sizes", G_TYPE_STRING, self->sizes, NULL);
  for (i = 0; i < self->n_values; i++) {
    GstStructure *p;

    vgg19_score_pool_get (lane->pools[i], &pooled[i]);
    p = pooled_structure (&pooled[i]);
    gst_structure_set (s, self->value_names[i], GST_TYPE_STRUCTURE, p, NULL);
    gst_structure_free (p);
  }
  return s;
}

static gint
by_value_descending (gconstpointer a, gconstpointer b)
{
  const ScoredFrame *x = a, *y = b;

  /* the earlier frame first among equal values */
  if (x->value != y->value)
    return x->value > y->value ? -1 : 1;
  return x->frame < y->frame ? -1 : x->frame > y->frame;
}

/* For each metric's total, "<metric>-worst": its worst-frames largest
 * values of @lane, largest first, as structures (frame, timestamp,
 * running-time, value). */
static void
add_worst_frames (GstVgg19Compare * self, Lane * lane, GstStructure * s)
{
  guint n, i, k;

  GST_OBJECT_LOCK (self);
  n = self->worst_frames;
  GST_OBJECT_UNLOCK (self);
  if (n == 0 || !lane->scored)
    return;
  for (i = 0; i < self->n_values; i++) {
    GArray *frames = lane->scored[i];
    GValue array = G_VALUE_INIT;
    gchar *field;

    if (!frames)
      continue;
    g_array_sort (frames, by_value_descending);
    g_value_init (&array, GST_TYPE_ARRAY);
    for (k = 0; k < MIN (n, frames->len); k++) {
      const ScoredFrame *f = &g_array_index (frames, ScoredFrame, k);
      GValue item = G_VALUE_INIT;

      g_value_init (&item, GST_TYPE_STRUCTURE);
      g_value_take_boxed (&item, gst_structure_new ("vgg19-frame",
              "frame", G_TYPE_UINT64, f->frame,
              "timestamp", G_TYPE_UINT64, f->timestamp,
              "running-time", G_TYPE_UINT64, f->running_time,
              "value", G_TYPE_DOUBLE, f->value, NULL));
      gst_value_array_append_and_take_value (&array, &item);
    }
    field = g_strdup_printf ("%s-worst", self->value_names[i]);
    gst_structure_take_value (s, field, &array);
    g_free (field);
  }
}

/* Whether every lane is finished (then so is the element). */
static gboolean
all_finished (GstVgg19Compare * self)
{
  guint i;

  for (i = 0; i < self->lanes->len; i++)
    if (lane_at (self, i)->state != LANE_FINISHED)
      return FALSE;
  self->finished = TRUE;
  return TRUE;
}

/* @lane's comparison is over: its input ran out (or the reference, when
 * @by_reference), and @other_goes_on says whether the other one still had
 * frames to compare. Posts its pooled scores and finishes its log. */
static void
finish_lane (GstVgg19Compare * self, Lane * lane, gboolean by_reference,
    gboolean other_goes_on)
{
  const gchar *ended = by_reference ? reference_name (self) : lane_name (lane);
  Vgg19PooledScore *pooled;
  GstStructure *s;
  GError *error = NULL;

  if (lane->state == LANE_FINISHED)
    return;
  lane->state = LANE_FINISHED;

  if (other_goes_on) {
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("The %s input (%s) ended before the %s input (%s): the comparison "
            "of %s stops there, after %" G_GUINT64_FORMAT " distorted frames",
            by_reference ? "reference" : "distorted", ended,
            by_reference ? "distorted" : "reference",
            by_reference ? lane_name (lane) : reference_name (self),
            lane_name (lane), lane->in.n_frames), (NULL));
  }

  pooled = g_new0 (Vgg19PooledScore, self->n_values);
  s = pooled_message (self, lane, "pooled", pooled);
  gst_structure_set (s, "ended-by", G_TYPE_STRING, ended, NULL);
  add_worst_frames (self, lane, s);
  GST_INFO_OBJECT (self, "pooled: %" GST_PTR_FORMAT, s);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));

  if (lane->log) {
    const gchar *const names[] = { "frames_compared", "distorted_unpaired",
      "reference_dropped", "reference_duplicated", NULL
    };
    const gdouble counts[] = { lane->compared, lane->distorted_unpaired,
      lane->reference_dropped, lane->reference_duplicated
    };

    if (!vgg19_score_log_finish (lane->log, pooled, names, counts, &error)) {
      GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("%s", error->message),
          (NULL));
      g_error_free (error);
    }
  }
  g_free (pooled);
}

/* ------------------------------------------------------------------ */
/* Pairing                                                              */
/* ------------------------------------------------------------------ */

/* Takes the reference frame held off its pad's queue. */
static void
unqueue_reference (GstVgg19Compare * self)
{
  if (self->reference_in_pad)
    input_drop (&self->reference_input);
  self->reference_in_pad = FALSE;
}

/* A reference frame went by @lane uncompared: dropped, and one fewer
 * still to let by for its offset. */
static void
reference_passed_by (Lane * lane)
{
  lane->reference_dropped++;
  if (lane->reference_skip > 0)
    lane->reference_skip--;
}

/* Lets go of the reference frame held: dropped for each lane still
 * running that did not compare it. */
static void
release_reference (GstVgg19Compare * self)
{
  guint i;

  if (!self->reference)
    return;
  for (i = 0; i < self->lanes->len; i++) {
    Lane *lane = lane_at (self, i);

    if (lane->state != LANE_FINISHED && !lane->reference_compared)
      reference_passed_by (lane);
  }
  unqueue_reference (self);
  gst_clear_buffer (&self->reference);
  gst_vgg19_frame_comparer_clear_reference (self->comparer);
}

/* The reference has a frame of span @r (NULL: it has ended): each lane at
 * its end learns whether the reference goes on past its last frame. */
static void
settle_ended_lanes (GstVgg19Compare * self, const FrameSpan * r)
{
  guint i;

  for (i = 0; i < self->lanes->len; i++) {
    Lane *lane = lane_at (self, i);

    if (lane->state != LANE_ENDED)
      continue;
    if (!r)
      finish_lane (self, lane, FALSE, FALSE);
    else if (!r->timed || !GST_CLOCK_TIME_IS_VALID (lane->distorted_end)
        || r->start >= lane->distorted_end)
      finish_lane (self, lane, FALSE, TRUE);
  }
}

/* Whether every lane still being served compared the reference frame
 * held (lanes letting it by for their offset do not want it). */
static gboolean
all_compared (GstVgg19Compare * self)
{
  guint i;

  for (i = 0; i < self->lanes->len; i++) {
    Lane *lane = lane_at (self, i);

    if (lane->state == LANE_ACTIVE && !lane->reference_compared
        && lane->reference_skip == 0)
      return FALSE;
  }
  return TRUE;
}

/* Whether the reference frame held is over by the time @d (of @lane, the
 * lane served, which starts first of all lanes) starts. Sets @need_data
 * when that depends on a reference frame not here yet. */
static gboolean
reference_over (GstVgg19Compare * self, Lane * lane, const FrameSpan * d,
    gboolean * need_data)
{
  const FrameSpan *r = &self->reference_span;
  GstBuffer *next;
  FrameSpan n;

  *need_data = FALSE;
  if (!d->timed || !r->timed)
    /* in arrival order: one reference frame per distorted frame of each
     * lane, after the frames a lane lets by for its offset (served
     * first, it is the one furthest behind: the others are done with the
     * frame held) */
    return lane->reference_skip > 0 || all_compared (self);
  if (GST_CLOCK_TIME_IS_VALID (r->end))
    return r->end <= d->start;

  /* it lasts until the next reference frame, queued behind it */
  unqueue_reference (self);
  next = input_peek (&self->reference_input);
  if (!next) {
    *need_data = !reference_is_eos (self);
    return FALSE;
  }
  n = frame_span (self, &self->reference_input, next);
  gst_buffer_unref (next);
  return !n.timed || n.start <= d->start;
}

/* Whether the reference frame held is the last of its input (which has
 * ended); @need_data when that is not known yet. */
static gboolean
last_reference (GstVgg19Compare * self, gboolean * need_data)
{
  GstBuffer *next;

  *need_data = FALSE;
  unqueue_reference (self);
  next = input_peek (&self->reference_input);
  if (next) {
    gst_buffer_unref (next);
    return FALSE;
  }
  if (reference_is_eos (self))
    return TRUE;
  *need_data = TRUE;
  return FALSE;
}

/* Holds the next reference frame. FALSE when there is none: @need_data
 * then says whether one may still come. */
static gboolean
take_reference (GstVgg19Compare * self, gboolean * need_data)
{
  Input *in = &self->reference_input;
  GstBuffer *buf;
  FrameSpan span;
  guint i;

  for (;;) {
    buf = input_peek (in);
    if (!buf) {
      *need_data = !reference_is_eos (self);
      if (!*need_data)
        settle_ended_lanes (self, NULL);
      return FALSE;
    }
    span = frame_span (self, in, buf);
    settle_ended_lanes (self, &span);
    self->reference_index = in->n_frames++;
    if (!GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP))
      break;
    for (i = 0; i < self->lanes->len; i++)
      if (lane_at (self, i)->state != LANE_FINISHED)
        reference_passed_by (lane_at (self, i));
    input_drop (in);
    gst_buffer_unref (buf);
  }
  self->reference = buf;
  self->reference_in_pad = TRUE;
  self->reference_span = span;
  for (i = 0; i < self->lanes->len; i++)
    lane_at (self, i)->reference_compared = FALSE;
  gst_vgg19_frame_comparer_clear_reference (self->comparer);
  return TRUE;
}

/* Whether the distorted frame @d of @lane overlaps the reference frame
 * held (which is known not to be over when it starts). A distorted frame
 * of unknown length counts as the instant it starts. */
static gboolean
overlaps_reference (GstVgg19Compare * self, Lane * lane, const FrameSpan * d)
{
  const FrameSpan *r = &self->reference_span;
  GstClockTime d_end = GST_CLOCK_TIME_IS_VALID (d->end) ? d->end : d->start;

  if (!d->timed || !r->timed || lane->repeating)
    return TRUE;
  return d->start >= r->start || d_end > r->start;
}

static gboolean
map_frame (GstVgg19Compare * self, Input * in, GstBuffer * buf,
    GstVideoFrame * frame)
{
  if (!in->have_info) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("%s frame on %s before caps", role_of (self, in),
            GST_PAD_NAME (in->pad)));
    return FALSE;
  }
  if (!gst_video_frame_map (frame, &in->info, buf, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("Cannot read a %s frame on %s (it does not match its caps)",
            role_of (self, in), GST_PAD_NAME (in->pad)), (NULL));
    return FALSE;
  }
  return TRUE;
}

/* Runs the reference frame held through the network, unless it was (by
 * any lane). FALSE with an error posted. */
static gboolean
ensure_reference_features (GstVgg19Compare * self)
{
  GstVideoFrame frame;
  GError *error = NULL;
  gboolean ok;

  if (gst_vgg19_frame_comparer_has_reference (self->comparer))
    return TRUE;
  if (!map_frame (self, &self->reference_input, self->reference, &frame))
    return FALSE;
  ok = gst_vgg19_frame_comparer_set_reference (self->comparer, &frame, &error);
  gst_video_frame_unmap (&frame);
  if (!ok) {
    POST_ERROR (self, error);
    g_error_free (error);
    return FALSE;
  }
  GST_OBJECT_LOCK (self);
  self->reference_passes++;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/* Compares @buf of @lane with the reference frame held; attaches the
 * metas (to a buffer that goes out, writable), posts the message and
 * writes the log. */
static gboolean
compare_pair (GstVgg19Compare * self, Lane * lane, GstBuffer * buf,
    guint64 index)
{
  Input *dist = &lane->in;
  GstStructure *s = NULL;
  GstVideoFrame frame;
  GError *error = NULL;
  gboolean ok, post_messages;
  GstClockTime pts = GST_BUFFER_PTS (buf);
  GstSegment segment;
  guint i, interval;

  if (!ensure_reference_features (self))
    return FALSE;

  if (!map_frame (self, dist, buf, &frame))
    return FALSE;
  ok = gst_vgg19_frame_comparer_compare (self->comparer, lane->index, &frame,
      lane->values, &error);
  gst_video_frame_unmap (&frame);
  if (!ok)
    goto failed;
  if (lane->reference_compared)
    lane->reference_duplicated++;
  lane->reference_compared = TRUE;
  lane->compared++;

  GST_OBJECT_LOCK (self);
  self->frames_compared++;
  post_messages = self->post_messages;
  interval = self->pooled_interval;
  GST_OBJECT_UNLOCK (self);

  GST_OBJECT_LOCK (dist->pad);
  segment = dist->pad->segment;
  GST_OBJECT_UNLOCK (dist->pad);
  if (post_messages) {
    GstClockTime running_time = GST_CLOCK_TIME_NONE;
    GstClockTime stream_time = GST_CLOCK_TIME_NONE;

    if (segment.format == GST_FORMAT_TIME && GST_CLOCK_TIME_IS_VALID (pts)) {
      running_time = gst_segment_to_running_time (&segment, GST_FORMAT_TIME,
          pts);
      stream_time = gst_segment_to_stream_time (&segment, GST_FORMAT_TIME, pts);
    }
    s = gst_structure_new ("vgg19", "type", G_TYPE_STRING, "frame",
        "pad", G_TYPE_STRING, lane_name (lane),
        "timestamp", G_TYPE_UINT64, pts,
        "stream-time", G_TYPE_UINT64, stream_time,
        "running-time", G_TYPE_UINT64, running_time,
        "duration", G_TYPE_UINT64, GST_BUFFER_DURATION (buf),
        "frame", G_TYPE_UINT64, index,
        "reference-frame", G_TYPE_UINT64, self->reference_index,
        "reference-timestamp", G_TYPE_UINT64, GST_BUFFER_PTS (self->reference),
        NULL);
  }
  /* only the frames that go out carry metas */
  attach_results (self, lane->values, is_output_lane (self, lane) ? buf :
      NULL, s);
  if (s)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self), s));

  for (i = 0; i < self->n_values; i++) {
    vgg19_score_pool_add (lane->pools[i], lane->values[i]);
    if (lane->scored[i] && !isnan (lane->values[i])) {
      ScoredFrame f = { lane->values[i], index, pts, GST_CLOCK_TIME_NONE };

      if (segment.format == GST_FORMAT_TIME && GST_CLOCK_TIME_IS_VALID (pts))
        f.running_time = gst_segment_to_running_time (&segment,
            GST_FORMAT_TIME, pts);
      g_array_append_val (lane->scored[i], f);
    }
  }
  if (interval > 0 && lane->compared % interval == 0) {
    Vgg19PooledScore *pooled = g_new0 (Vgg19PooledScore, self->n_values);

    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self),
            pooled_message (self, lane, "running", pooled)));
    g_free (pooled);
  }
  if (lane->log && !vgg19_score_log_add_frame (lane->log, index,
          GST_CLOCK_TIME_IS_VALID (pts) ? (gdouble) pts / GST_SECOND : NAN,
          lane->values, &error)) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("%s", error->message), (NULL));
    g_error_free (error);
    return FALSE;
  }
  return TRUE;

failed:
  POST_ERROR (self, error);
  g_error_free (error);
  return FALSE;
}

/* @lane has no more frames. Once the reference ended (eof-action=repeat
 * or pass) it is finished; otherwise it waits to learn whether the
 * reference goes on past its last frame. */
static void
lane_ended (GstVgg19Compare * self, Lane * lane)
{
  if (lane->reference_ended || lane->repeating) {
    /* the reference ended first, and the distorted frames were passed on
     * or compared with its last frame */
    if (lane->passed > 0)
      GST_ELEMENT_WARNING (self, STREAM, FAILED,
          ("The reference input (%s) ended before the distorted input "
              "(%s): its last %" G_GUINT64_FORMAT " frames were not "
              "compared%s (eof-action=pass)", reference_name (self),
              lane_name (lane), lane->passed, is_output_lane (self, lane) ?
              " and went out without scores" : ""), (NULL));
    finish_lane (self, lane, TRUE, FALSE);
    return;
  }
  lane->state = LANE_ENDED;
}

/* Every distorted input has ended: reference frames that start before the
 * end of a lane's last frame were due to be dropped anyway; one that
 * starts later means the reference goes on. */
static GstFlowReturn
drain_reference (GstVgg19Compare * self)
{
  Input *ref = &self->reference_input;
  GstBuffer *buf;
  FrameSpan r;
  guint i;

  release_reference (self);
  for (;;) {
    if (all_finished (self))
      return GST_FLOW_EOS;
    buf = input_peek (ref);
    if (!buf) {
      if (!reference_is_eos (self))
        return GST_AGGREGATOR_FLOW_NEED_DATA;
      settle_ended_lanes (self, NULL);
      continue;
    }
    r = frame_span (self, ref, buf);
    gst_buffer_unref (buf);
    settle_ended_lanes (self, &r);
    if (all_finished (self))
      return GST_FLOW_EOS;
    input_drop (ref);
    ref->n_frames++;
    for (i = 0; i < self->lanes->len; i++)
      if (lane_at (self, i)->state == LANE_ENDED)
        lane_at (self, i)->reference_dropped++;
  }
}

/* What becomes of a frame of @lane that is done with. */
static GstFlowReturn
lane_done (GstVgg19Compare * self, Lane * lane, GstBuffer * buf)
{
  GstAggregator *agg = GST_AGGREGATOR (self);

  if (!is_output_lane (self, lane)) {
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }
  gst_aggregator_selected_samples (agg, GST_BUFFER_PTS (buf),
      GST_BUFFER_DTS (buf), GST_BUFFER_DURATION (buf), NULL);
  return gst_aggregator_finish_buffer (agg, buf);
}

/* Pairs the frame at the head of @lane (@buf, of span @d) with the
 * reference. */
static GstFlowReturn
serve_lane (GstVgg19Compare * self, Lane * lane, GstBuffer * buf,
    const FrameSpan * d)
{
  gboolean need_data, paired;
  guint64 index;

  lane->distorted_end = d->timed ? (GST_CLOCK_TIME_IS_VALID (d->end) ?
      d->end : d->start) : GST_CLOCK_TIME_NONE;

  if (lane->distorted_skip > 0) {
    /* a leading frame the offset leaves without a partner */
    gst_buffer_unref (buf);
    buf = input_pop (&lane->in);
    GST_LOG_OBJECT (self, "%s frame %" G_GUINT64_FORMAT " not compared, "
        "for the offset", lane_name (lane), lane->in.n_frames);
    lane->in.n_frames++;
    lane->distorted_unpaired++;
    lane->distorted_skip--;
    if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP)) {
      gst_buffer_unref (buf);
      return GST_FLOW_OK;
    }
    return lane_done (self, lane, buf);
  }

  if (lane->reference_ended) {
    /* eof-action=pass: the rest goes out without scores */
    gst_buffer_unref (buf);
    buf = input_pop (&lane->in);
    lane->in.n_frames++;
    lane->distorted_unpaired++;
    lane->passed++;
    return lane_done (self, lane, buf);
  }

  if (!GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP)) {
    /* the reference frame for it: not over when it starts */
    for (;;) {
      if (!self->reference && !take_reference (self, &need_data)) {
        gst_buffer_unref (buf);
        if (need_data)
          return GST_AGGREGATOR_FLOW_NEED_DATA;
        if (self->run_eof == GST_VGG19_EOF_PASS) {
          lane->reference_ended = TRUE;
          return GST_FLOW_OK;
        }
        finish_lane (self, lane, TRUE, TRUE);
        return all_finished (self) ? GST_FLOW_EOS : GST_FLOW_OK;
      }
      if (!reference_over (self, lane, d, &need_data))
        break;
      if (self->run_eof == GST_VGG19_EOF_REPEAT
          && last_reference (self, &need_data)) {
        if (lane->reference_compared) {
          /* the reference has ended: its last frame stands for the rest */
          lane->repeating = TRUE;
          break;
        }
        /* over and never compared by this lane: dropped, and nothing
         * follows it; kept for the lanes that repeat it */
        gst_buffer_unref (buf);
        lane->reference_dropped++;
        finish_lane (self, lane, TRUE, TRUE);
        return all_finished (self) ? GST_FLOW_EOS : GST_FLOW_OK;
      }
      if (need_data)
        break;
      release_reference (self);
    }
    if (need_data) {
      gst_buffer_unref (buf);
      return GST_AGGREGATOR_FLOW_NEED_DATA;
    }
  }

  /* the distorted frame is taken */
  gst_buffer_unref (buf);
  buf = input_pop (&lane->in);
  index = lane->in.n_frames++;
  if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP)) {
    /* nothing to compare nor to show */
    lane->distorted_unpaired++;
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }
  lane->taken++;

  paired = overlaps_reference (self, lane, d);
  if (paired) {
    /* the metas need a writable buffer: a shared one becomes a shallow
     * copy, which shares the frame's memory */
    if (is_output_lane (self, lane))
      buf = gst_buffer_make_writable (buf);
    if (!compare_pair (self, lane, buf, index)) {
      gst_buffer_unref (buf);
      return GST_FLOW_ERROR;
    }
  } else {
    GST_LOG_OBJECT (self, "%s frame %" G_GUINT64_FORMAT " ends before the "
        "reference starts: not compared", lane_name (lane), index);
    lane->distorted_unpaired++;
  }
  return lane_done (self, lane, buf);
}

/* Whether @a is to be served before @b (the one found so far, NULL:
 * none), whose heads have spans @da and @db. The reference's progression
 * stays monotone: by running time the lane whose frame starts first, in
 * arrival order the lane that wants the earliest reference frame (has
 * taken fewest frames, counting those its offset lets by); ties to the
 * lower pad number, the order of the lanes. */
static gboolean
serves_before (Lane * a, const FrameSpan * da, Lane * b,
    const FrameSpan * db, gboolean by_time)
{
  if (!b)
    return TRUE;
  if (by_time)
    return da->start < db->start;
  return a->taken + a->lead < b->taken + b->lead;
}

/* ------------------------------------------------------------------ */
/* Offset search                                                        */
/* ------------------------------------------------------------------ */

static Vgg19ScoreLog *open_log (GstVgg19Compare * self, Lane * lane,
    const gchar * path, Vgg19LogFormat format, Vgg19Resize resize,
    GError ** error);

/* The signature of @buf, a frame of @in. FALSE with an error posted. */
static gboolean
frame_signature (GstVgg19Compare * self, Input * in, GstBuffer * buf,
    GstVgg19FrameSignature * signature)
{
  GstVideoFrame frame;
  GError *error = NULL;
  gboolean ok;

  if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP)) {
    /* nothing shown: a flat frame, which says nothing */
    memset (signature, 0, sizeof (*signature));
    signature->flat = TRUE;
    return TRUE;
  }
  if (!map_frame (self, in, buf, &frame))
    return FALSE;
  if (!in->maker)
    in->maker = gst_vgg19_signature_maker_new (&in->info, &error);
  ok = in->maker && gst_vgg19_signature_maker_run (in->maker, &frame,
      signature, &error);
  gst_video_frame_unmap (&frame);
  if (!ok) {
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("offset-search cannot read a %s frame (%s): %s", role_of (self, in),
            GST_PAD_NAME (in->pad), error->message), (NULL));
    g_error_free (error);
  }
  return ok;
}

/* Takes the next frame of @in off its pad into its held queue, with its
 * signature in @signature; FALSE with @error_posted set when it could not
 * be read, FALSE alone when there is none (then @eos says whether it has
 * ended). */
static gboolean
hold_frame (GstVgg19Compare * self, Input * in, gboolean is_eos,
    GstVgg19FrameSignature * signature, gboolean * eos,
    gboolean * error_posted)
{
  GstBuffer *buf = gst_aggregator_pad_peek_buffer (in->pad);

  *eos = FALSE;
  if (!buf) {
    *eos = is_eos;
    return FALSE;
  }
  if (!frame_signature (self, in, buf, signature)) {
    gst_buffer_unref (buf);
    *error_posted = TRUE;
    return FALSE;
  }
  gst_buffer_unref (buf);
  g_queue_push_tail (&in->held, gst_aggregator_pad_pop_buffer (in->pad));
  return TRUE;
}

/* Takes the next frame of each input the searches still want off its
 * pad: one at a time, as aggregate() is called when every input has one
 * (taking more from one input while another has none would leave the
 * next frame of the first waiting, and its upstream with it, until the
 * other's comes). Each reference frame goes to every lane's search.
 * FALSE with an error posted. */
static gboolean
collect_for_search (GstVgg19Compare * self)
{
  Input *ref = &self->reference_input;
  GstVgg19FrameSignature signature;
  gboolean eos, error_posted = FALSE;
  guint window, i;

  window = gst_vgg19_offset_search_get_window (lane_at (self, 0)->search);
  if (!self->reference_search_ended
      && g_queue_get_length (&ref->held) < window) {
    if (hold_frame (self, ref, gst_aggregator_pad_is_eos (ref->pad),
            &signature, &eos, &error_posted)) {
      for (i = 0; i < self->lanes->len; i++)
        gst_vgg19_offset_search_push (lane_at (self, i)->search,
            GST_VGG19_OFFSET_STREAM_REFERENCE, &signature);
    } else if (error_posted) {
      return FALSE;
    } else if (eos) {
      self->reference_search_ended = TRUE;
      for (i = 0; i < self->lanes->len; i++)
        gst_vgg19_offset_search_end (lane_at (self, i)->search,
            GST_VGG19_OFFSET_STREAM_REFERENCE);
    }
  }
  for (i = 0; i < self->lanes->len; i++) {
    Lane *lane = lane_at (self, i);

    if (lane->search_ended || gst_vgg19_offset_search_get_n_frames
        (lane->search, GST_VGG19_OFFSET_STREAM_DISTORTED) >= window)
      continue;
    if (hold_frame (self, &lane->in, g_atomic_int_get (&lane->released)
            || gst_aggregator_pad_is_eos (lane->in.pad), &signature, &eos,
            &error_posted)) {
      gst_vgg19_offset_search_push (lane->search,
          GST_VGG19_OFFSET_STREAM_DISTORTED, &signature);
    } else if (error_posted) {
      return FALSE;
    } else if (eos) {
      lane->search_ended = TRUE;
      gst_vgg19_offset_search_end (lane->search,
          GST_VGG19_OFFSET_STREAM_DISTORTED);
    }
  }
  return TRUE;
}

/* One reference frame's duration, for moving running times: from its
 * frame rate, its first frame's duration or the first two frames'
 * timestamps (NONE when none of these is known). */
static GstClockTime
reference_frame_duration (GstVgg19Compare * self)
{
  Input *ref = &self->reference_input;
  GstBuffer *a = g_queue_peek_nth (&ref->held, 0);
  GstBuffer *b = g_queue_peek_nth (&ref->held, 1);

  if (ref->have_info && GST_VIDEO_INFO_FPS_N (&ref->info) > 0)
    return gst_util_uint64_scale_int (GST_SECOND,
        GST_VIDEO_INFO_FPS_D (&ref->info), GST_VIDEO_INFO_FPS_N (&ref->info));
  if (a && GST_BUFFER_DURATION_IS_VALID (a) && GST_BUFFER_DURATION (a) > 0)
    return GST_BUFFER_DURATION (a);
  if (a && b && GST_BUFFER_PTS_IS_VALID (a) && GST_BUFFER_PTS_IS_VALID (b)
      && GST_BUFFER_PTS (b) > GST_BUFFER_PTS (a))
    return GST_BUFFER_PTS (b) - GST_BUFFER_PTS (a);
  return GST_CLOCK_TIME_NONE;
}

/* The frames @lane's offset lets by, from the start of the streams (and
 * again after a flush: all streams then start at the same place again). */
static void
arm_offset (Lane * lane)
{
  gint o = lane->offset.offset;

  lane->lead = o > 0 ? o : 0;
  lane->reference_skip = lane->lead;
  lane->distorted_skip = o < 0 ? -o : 0;
  lane->taken = 0;
}

/* Posts @lane's offset, warns when it is not confident. */
static void
report_offset (GstVgg19Compare * self, Lane * lane)
{
  const GstVgg19OffsetResult *r = &lane->offset;
  gchar *description = gst_vgg19_offset_result_describe (r);
  GstStructure *s;

  GST_INFO_OBJECT (self, "offset search for %s: %s", lane_name (lane),
      description);
  s = gst_structure_new ("vgg19", "type", G_TYPE_STRING, "offset",
      "pad", G_TYPE_STRING, lane_name (lane),
      "offset", G_TYPE_INT, r->offset,
      "confident", G_TYPE_BOOLEAN, r->confident,
      "reason", G_TYPE_STRING, gst_vgg19_offset_reason_get_nick (r->reason),
      "best-offset", G_TYPE_INT, r->best_offset,
      "cost", G_TYPE_DOUBLE, r->cost,
      "n-pairs", G_TYPE_UINT, r->n_pairs,
      "runner-up", G_TYPE_INT, r->runner_up_offset,
      "runner-up-cost", G_TYPE_DOUBLE, r->runner_up_cost,
      "margin", G_TYPE_DOUBLE, r->margin,
      "max-offset", G_TYPE_UINT,
      gst_vgg19_offset_search_get_max_offset (lane->search),
      "reference-frames", G_TYPE_UINT, r->n_reference,
      "distorted-frames", G_TYPE_UINT, r->n_distorted,
      "description", G_TYPE_STRING, description, NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
  if (!r->confident)
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("vgg19compare found no reliable offset between the reference "
            "(%s) and the distorted stream (%s), and compares them as they "
            "come (offset 0): %s", reference_name (self), lane_name (lane),
            description), (NULL));
  g_free (description);
}

/* Decides every lane's offset from the frames held, reports them, opens
 * the logs and sets the pairing up for them. FALSE with an error
 * posted. */
static gboolean
decide_offsets (GstVgg19Compare * self)
{
  GstBuffer *head = g_queue_peek_head (&self->reference_input.held);
  GstClockTime duration = reference_frame_duration (self);
  gboolean by_time;
  GError *error = NULL;
  guint i;

  /* Frames are paired by running time unless sync-mode=index: letting
   * the first o reference frames by would leave reference frame o at its
   * own time, o frames after distorted frame 0, which would then pair
   * with nothing. So with timestamps a lane's running time moves by o
   * reference frame durations as well, and the pairing drops or passes
   * the frames left without a partner as it does any; without them (or
   * a frame duration), and in index pairing, frames are counted. */
  by_time = self->run_sync == GST_VGG19_SYNC_RUNNING_TIME && head
      && frame_span (self, &self->reference_input, head).timed
      && GST_CLOCK_TIME_IS_VALID (duration);
  self->searching = FALSE;
  for (i = 0; i < self->lanes->len; i++) {
    Lane *lane = lane_at (self, i);
    gint o;

    gst_vgg19_offset_search_decide (lane->search, &lane->offset);
    o = lane->offset.offset;
    arm_offset (lane);
    if (o != 0 && by_time) {
      lane->time_shift = (GstClockTime) ABS (o) * duration;
      lane->shift_earlier = o < 0;
      GST_INFO_OBJECT (self, "%s: running time moved %s by %"
          GST_TIME_FORMAT, lane_name (lane), o > 0 ? "later" : "earlier",
          GST_TIME_ARGS (lane->time_shift));
    }
    if (o > 0)
      GST_INFO_OBJECT (self, "%s: the first %d reference frames are let by",
          lane_name (lane), o);
    else if (o < 0)
      GST_INFO_OBJECT (self, "%s: its first %d frames are not compared",
          lane_name (lane), -o);
    report_offset (self, lane);
    if (lane->log_path) {
      lane->log = open_log (self, lane, lane->log_path, self->run_log_format,
          self->run_resize, &error);
      if (!lane->log) {
        POST_ERROR (self, error);
        g_error_free (error);
        return FALSE;
      }
    }
  }
  return TRUE;
}

/* Before the offsets are decided: holds frames for the searches, and
 * decides once they have them all. GST_FLOW_OK when decided. */
static GstFlowReturn
search_offsets (GstVgg19Compare * self)
{
  guint i;

  if (!collect_for_search (self))
    return GST_FLOW_ERROR;
  for (i = 0; i < self->lanes->len; i++)
    if (!gst_vgg19_offset_search_is_ready (lane_at (self, i)->search))
      return GST_AGGREGATOR_FLOW_NEED_DATA;
  if (!decide_offsets (self))
    return GST_FLOW_ERROR;
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_vgg19_compare_aggregate (GstAggregator * agg, gboolean timeout)
{
  GstVgg19Compare *self = GST_VGG19_COMPARE (agg);
  guint n = self->lanes->len, i;
  GstBuffer **heads = g_newa (GstBuffer *, n);
  FrameSpan *spans = g_newa (FrameSpan, n);
  gboolean by_time = TRUE, any_active = FALSE;
  Lane *chosen = NULL;
  guint at = 0;
  GstFlowReturn ret;

  if (self->finished)
    return GST_FLOW_EOS;
  if (self->searching) {
    ret = search_offsets (self);
    if (ret != GST_FLOW_OK)
      return ret;
  }

  /* every lane still served needs its next frame, or its end */
  for (i = 0; i < n; i++) {
    Lane *lane = lane_at (self, i);
    GstBuffer *buf;

    heads[i] = NULL;
    if (lane->state == LANE_FINISHED) {
      /* the rest of an input whose comparison is over: dropped, so that
       * its upstream does not wait for the others' end */
      while ((buf = input_pop (&lane->in)))
        gst_buffer_unref (buf);
      continue;
    }
    if (lane->state != LANE_ACTIVE)
      continue;
    heads[i] = input_peek (&lane->in);
    if (!heads[i]) {
      if (!lane_is_eos (lane)) {
        for (; i > 0; i--)
          if (heads[i - 1])
            gst_buffer_unref (heads[i - 1]);
        return GST_AGGREGATOR_FLOW_NEED_DATA;
      }
      lane_ended (self, lane);
      continue;
    }
    any_active = TRUE;
    spans[i] = lane_span (self, lane, heads[i]);
    by_time &= spans[i].timed;
  }
  if (!any_active)
    return drain_reference (self);

  for (i = 0; i < n; i++) {
    Lane *lane = lane_at (self, i);

    if (!heads[i])
      continue;
    if (GST_BUFFER_FLAG_IS_SET (heads[i], GST_BUFFER_FLAG_GAP)
        || lane->reference_ended || lane->distorted_skip > 0) {
      /* it does not touch the reference: at once */
      chosen = lane;
      at = i;
      break;
    }
    if (serves_before (lane, &spans[i], chosen, &spans[at], by_time)) {
      chosen = lane;
      at = i;
    }
  }
  for (i = 0; i < n; i++)
    if (heads[i] && i != at)
      gst_buffer_unref (heads[i]);
  ret = serve_lane (self, chosen, heads[at], &spans[at]);
  if (ret == GST_FLOW_OK && all_finished (self))
    ret = GST_FLOW_EOS;
  return ret;
}

/* ------------------------------------------------------------------ */
/* Events, queries, caps                                                */
/* ------------------------------------------------------------------ */

static gboolean
gst_vgg19_compare_sink_event (GstAggregator * agg, GstAggregatorPad * pad,
    GstEvent * event)
{
  GstVgg19Compare *self = GST_VGG19_COMPARE (agg);
  Lane *lane;
  Input *in = input_of_pad (self, pad, &lane);
  gboolean ret;

  if (!in)
    return GST_AGGREGATOR_CLASS (parent_class)->sink_event (agg, pad, event);
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GError *error = NULL;
      GstVideoInfo info;
      GstCaps *caps;

      gst_event_parse_caps (event, &caps);
      if (!gst_video_info_from_caps (&info, caps)) {
        GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
            ("invalid %s caps on %s: %" GST_PTR_FORMAT, role_of (self, in),
                GST_PAD_NAME (pad), caps));
        gst_event_unref (event);
        return FALSE;
      }
      /* frames held for the offset search were taken off the queue before
       * the caps event: they would be read with the new caps */
      if (!g_queue_is_empty (&in->held) && in->have_info
          && !gst_video_info_is_equal (&info, &in->info)) {
        GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
            ("The caps of the %s input (%s) changed within the first "
                "frames that offset-search holds: not supported, set "
                "offset-search=0 for this stream", role_of (self, in),
                GST_PAD_NAME (pad)), ("new caps %" GST_PTR_FORMAT, caps));
        gst_event_unref (event);
        return FALSE;
      }
      if (in->maker && (!in->have_info
              || !gst_video_info_is_equal (&info, &in->info)))
        g_clear_pointer (&in->maker, gst_vgg19_signature_maker_free);
      /* a reference frame held past its place in its input's queue (it
       * lasts until the next one) was made with the caps before: it goes
       * through the network now, while they still describe it */
      if (!lane && self->reference && in->have_info
          && !ensure_reference_features (self)) {
        gst_event_unref (event);
        return FALSE;
      }
      if (!gst_vgg19_frame_comparer_set_format (self->comparer,
              lane ? lane->index : GST_VGG19_INPUT_REFERENCE, &info,
              &error)) {
        POST_ERROR (self, error);
        g_error_free (error);
        gst_event_unref (event);
        return FALSE;
      }
      GST_INFO_OBJECT (pad, "%s frames: %" GST_PTR_FORMAT, role_of (self, in),
          caps);
      {
        /* never silent about scaling: say how the sizes meet */
        gchar *sizes = gst_vgg19_frame_comparer_describe_sizes
            (self->comparer);

        if (sizes && g_strcmp0 (sizes, self->sizes) != 0) {
          GST_ELEMENT_INFO (self, STREAM, FORMAT, ("vgg19compare: %s",
                  sizes), (NULL));
          g_free (self->sizes);
          self->sizes = sizes;
        } else
          g_free (sizes);
      }
      in->info = info;
      in->have_info = TRUE;
      gst_caps_replace (&in->caps, caps);
      /* the distorted frames of sink_1 go out with their own caps */
      if (lane && is_output_lane (self, lane))
        gst_pad_mark_reconfigure (GST_AGGREGATOR_SRC_PAD (agg));
      watch_other_inputs (self);
      gst_event_unref (event);
      return TRUE;
    }
    case GST_EVENT_SEGMENT:
      ret = GST_AGGREGATOR_CLASS (parent_class)->sink_event (agg, pad, event);
      /* and with their own timestamps */
      if (lane && is_output_lane (self, lane)) {
        GstSegment segment;

        GST_OBJECT_LOCK (pad);
        segment = pad->segment;
        GST_OBJECT_UNLOCK (pad);
        if (segment.format == GST_FORMAT_TIME)
          gst_aggregator_update_segment (agg, &segment);
      }
      return ret;
    default:
      return GST_AGGREGATOR_CLASS (parent_class)->sink_event (agg, pad, event);
  }
}

static gboolean
gst_vgg19_compare_sink_query (GstAggregator * agg, GstAggregatorPad * pad,
    GstQuery * query)
{
  GstVgg19Compare *self = GST_VGG19_COMPARE (agg);

  /* the distorted frames of sink_1 go out as they are: they can have only
   * the caps downstream takes (the other distorted inputs' are consumed
   * here) */
  if (GST_QUERY_TYPE (query) == GST_QUERY_CAPS
      && pad == self->output_lane->in.pad) {
    GstCaps *filter, *templ, *downstream, *result;

    gst_query_parse_caps (query, &filter);
    templ = gst_pad_get_pad_template_caps (GST_PAD (pad));
    downstream = gst_pad_peer_query_caps (GST_AGGREGATOR_SRC_PAD (agg), templ);
    result = gst_caps_intersect_full (downstream, templ,
        GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (downstream);
    if (filter) {
      GstCaps *filtered = gst_caps_intersect_full (filter, result,
          GST_CAPS_INTERSECT_FIRST);

      gst_caps_unref (result);
      result = filtered;
    }
    gst_query_set_caps_result (query, result);
    gst_caps_unref (result);
    gst_caps_unref (templ);
    return TRUE;
  }
  return GST_AGGREGATOR_CLASS (parent_class)->sink_query (agg, pad, query);
}

static GstFlowReturn
gst_vgg19_compare_update_src_caps (GstAggregator * agg, GstCaps * downstream,
    GstCaps ** ret)
{
  GstVgg19Compare *self = GST_VGG19_COMPARE (agg);
  GstCaps *caps = self->output_lane->in.caps;

  if (!caps)
    return GST_AGGREGATOR_FLOW_NEED_DATA;
  if (!gst_caps_can_intersect (caps, downstream)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("downstream does not take the distorted frames' caps %"
            GST_PTR_FORMAT, caps));
    return GST_FLOW_NOT_NEGOTIATED;
  }
  *ret = gst_caps_ref (caps);
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_vgg19_compare_flush (GstAggregator * agg)
{
  GstVgg19Compare *self = GST_VGG19_COMPARE (agg);
  guint i;

  /* after a seek, pairing starts afresh (the pads' queues are already
   * empty, and the frames held for the offset search are flushed like
   * theirs); the scores so far stay */
  for (i = 0; i < self->lanes->len; i++) {
    Lane *lane = lane_at (self, i);

    g_queue_clear_full (&lane->in.held, (GDestroyNotify) gst_buffer_unref);
    lane->reference_compared = TRUE;
  }
  g_queue_clear_full (&self->reference_input.held,
      (GDestroyNotify) gst_buffer_unref);
  if (self->reference) {
    self->reference_in_pad = FALSE;
    release_reference (self);
  }
  /* before the decision the search starts again on the new frames; after
   * it the offsets stay (the streams start at the same place again, so
   * the frames they let by are let by again) */
  for (i = 0; i < self->lanes->len; i++) {
    Lane *lane = lane_at (self, i);

    if (!lane->search)
      continue;
    if (self->searching) {
      gst_vgg19_offset_search_reset (lane->search);
      lane->search_ended = FALSE;
    } else
      arm_offset (lane);
  }
  self->reference_search_ended = FALSE;
  return GST_FLOW_OK;
}

/* ------------------------------------------------------------------ */
/* Request pads                                                         */
/* ------------------------------------------------------------------ */

/* The number of a request for "sink_N" (NULL or the template's name: the
 * lowest free one); FALSE with @why when it cannot be had. Under the
 * object lock. */
static gboolean
request_number (GstVgg19Compare * self, const gchar * name, guint * number,
    const gchar ** why)
{
  guint64 n;
  guint i;

  if (!name || strcmp (name, "sink_%u") == 0) {
    for (n = 2;; n++) {
      for (i = 0; i < self->lanes->len; i++)
        if (lane_at (self, i)->number == n)
          break;
      if (i == self->lanes->len)
        break;
    }
    *number = (guint) n;
    return TRUE;
  }
  if (!g_str_has_prefix (name, "sink_")
      || !g_ascii_string_to_unsigned (name + 5, 10, 0, G_MAXUINT, &n, NULL)) {
    *why = "it is not of the form sink_N";
    return FALSE;
  }
  if (n < 2) {
    *why = "sink_0 (the reference) and sink_1 (the first distorted input) "
        "are always there: request sink_2 and up";
    return FALSE;
  }
  for (i = 0; i < self->lanes->len; i++)
    if (lane_at (self, i)->number == n) {
      *why = "that pad exists already";
      return FALSE;
    }
  *number = (guint) n;
  return TRUE;
}

static GstAggregatorPad *
gst_vgg19_compare_create_new_pad (GstAggregator * agg, GstPadTemplate * templ,
    const gchar * req_name, const GstCaps * caps)
{
  GstVgg19Compare *self = GST_VGG19_COMPARE (agg);
  GstAggregatorPad *pad;
  const gchar *why = NULL;
  gchar *name;
  guint number = 0, i;

  if (templ != gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS
          (self), "sink_%u")) {
    GST_WARNING_OBJECT (self, "no request pads of template %s",
        GST_PAD_TEMPLATE_NAME_TEMPLATE (templ));
    return NULL;
  }
  GST_OBJECT_LOCK (self);
  if (self->started) {
    GST_OBJECT_UNLOCK (self);
    /* the comparer, the logs and the pairing are set up for the inputs
     * there were at READY->PAUSED */
    GST_ELEMENT_WARNING (self, CORE, PAD,
        ("vgg19compare cannot take another distorted input (%s) while it "
            "is paused or playing: request its pads in the NULL or READY "
            "state", req_name ? req_name : "sink_%u"), (NULL));
    return NULL;
  }
  if (!request_number (self, req_name, &number, &why)) {
    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_WARNING (self, CORE, PAD,
        ("vgg19compare has no pad %s to give: %s", req_name, why), (NULL));
    return NULL;
  }
  name = g_strdup_printf ("sink_%u", number);
  pad = g_object_new (GST_TYPE_AGGREGATOR_PAD, "name", name, "direction",
      GST_PAD_SINK, "template", templ, NULL);
  g_free (name);
  for (i = 0; i < self->lanes->len; i++)
    if (lane_at (self, i)->number > number)
      break;
  g_ptr_array_insert (self->lanes, i, lane_new (pad, number));
  GST_OBJECT_UNLOCK (self);
  GST_DEBUG_OBJECT (self, "distorted input %s", GST_PAD_NAME (pad));
  return pad;
}

static void
gst_vgg19_compare_release_pad (GstElement * element, GstPad * pad)
{
  GstVgg19Compare *self = GST_VGG19_COMPARE (element);
  Lane *lane;

  GST_OBJECT_LOCK (self);
  lane = lane_of_pad (self, GST_AGGREGATOR_PAD (pad));
  if (lane && !self->started) {
    /* (frees it) */
    g_ptr_array_remove (self->lanes, lane);
  } else if (lane) {
    /* the aggregation thread ends its comparison, as at EOS; the lane
     * goes at stop() */
    g_atomic_int_set (&lane->released, TRUE);
  }
  GST_OBJECT_UNLOCK (self);
  GST_ELEMENT_CLASS (parent_class)->release_pad (element, pad);
}

/* ------------------------------------------------------------------ */
/* Start and stop                                                       */
/* ------------------------------------------------------------------ */

/* "WxH" of scale-size. */
static gboolean
parse_size (const gchar * text, guint * width, guint * height,
    GError ** error)
{
  guint64 w = 0, h = 0;
  gchar **parts = g_strsplit (text ? text : "", "x", -1);
  gboolean ok = g_strv_length (parts) == 2
      && g_ascii_string_to_unsigned (parts[0], 10, 1, G_MAXUINT, &w, NULL)
      && g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXUINT, &h, NULL);

  g_strfreev (parts);
  if (!ok) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "scale-size \"%s\" is not WIDTHxHEIGHT (e.g. 1920x1080)",
        text ? text : "");
    return FALSE;
  }
  *width = (guint) w;
  *height = (guint) h;
  return TRUE;
}

/* The metrics of the metric property (and the generic one's settings). */
static Vgg19Metric **
make_metrics (const gchar * list, const Vgg19GenericSettings * generic,
    guint * n_metrics, gboolean * temporal, GError ** error)
{
  GError *cause = NULL;
  const gchar *property = "metric";
  Vgg19Metric **metrics;

  metrics = vgg19_metric_list_new (list, generic, n_metrics, temporal,
      &property, &cause);
  if (!metrics) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "%s (the %s property)", cause->message, property);
    g_error_free (cause);
  }
  return metrics;
}

static Vgg19ScoreLog *
open_log (GstVgg19Compare * self, Lane * lane, const gchar * path,
    Vgg19LogFormat format, Vgg19Resize resize, GError ** error)
{
  GPtrArray *params = g_ptr_array_new_with_free_func (g_free);
  Vgg19ScoreLog *log;
  GError *cause = NULL;
  gchar **header;
  guint i;

  header = gst_vgg19_frame_comparer_get_log_params (self->comparer, error);
  if (!header) {
    g_ptr_array_unref (params);
    return NULL;
  }
  for (i = 0; header[i]; i++)
    g_ptr_array_add (params, header[i]);
  g_free (header);
  g_ptr_array_add (params, g_strdup ("distorted_input"));
  g_ptr_array_add (params, g_strdup (lane_name (lane)));
  g_ptr_array_add (params, g_strdup ("resize"));
  g_ptr_array_add (params, g_strdup (vgg19_resize_to_string (resize)));
  g_ptr_array_add (params, g_strdup ("preprocessing"));
  g_ptr_array_add (params, g_strdup_printf ("%s", resize ==
          VGG19_RESIZE_STRETCH ?
          "both inputs to 224x224, antialiased bilinear" :
          resize == VGG19_RESIZE_CROP ? "short side to 256, then the centre "
          "224x224, antialiased bilinear" : "the frames' own size, which "
          "must be the same on all inputs"));
  g_ptr_array_add (params, g_strdup ("scale"));
  g_ptr_array_add (params, g_strdup_printf ("%s", self->start_scale ==
          GST_VGG19_SCALE_FIXED ? "fixed: both inputs to scale-size" :
          self->start_scale == GST_VGG19_SCALE_DISTORTED ? "distorted: at "
          "native size, the reference is scaled to the distorted frames' "
          "size (antialiased bilinear)" : "reference: at native size, "
          "distorted frames of another size are scaled to the reference's "
          "(antialiased bilinear)"));
  if (self->start_scale == GST_VGG19_SCALE_FIXED) {
    g_ptr_array_add (params, g_strdup ("scale_size"));
    g_ptr_array_add (params, g_strdup_printf ("%ux%u", self->start_scale_w,
            self->start_scale_h));
  }
  g_ptr_array_add (params, g_strdup ("pairing"));
  g_ptr_array_add (params, g_strdup (self->run_sync == GST_VGG19_SYNC_INDEX ?
          "index: the n-th distorted frame with the n-th reference frame" :
          "running time (frames without timestamps in arrival order)"));
  g_ptr_array_add (params, g_strdup ("eof_action"));
  g_ptr_array_add (params, g_strdup (self->run_eof == GST_VGG19_EOF_REPEAT ?
          "repeat: the reference's last frame stands for the rest" :
          self->run_eof == GST_VGG19_EOF_PASS ? "pass: distorted frames "
          "after the reference's end go out without scores" : "shortest: "
          "the comparison ends when either input ends"));
  if (lane->search && !self->searching) {
    const GstVgg19OffsetResult *r = &lane->offset;
    gchar number[G_ASCII_DTOSTR_BUF_SIZE];

    g_ptr_array_add (params, g_strdup ("offset_search"));
    g_ptr_array_add (params, g_strdup_printf ("%u",
            gst_vgg19_offset_search_get_max_offset (lane->search)));
    g_ptr_array_add (params, g_strdup ("offset"));
    g_ptr_array_add (params, g_strdup_printf ("%d", r->offset));
    g_ptr_array_add (params, g_strdup ("offset_confident"));
    g_ptr_array_add (params, g_strdup (r->confident ? "true" : "false"));
    g_ptr_array_add (params, g_strdup ("offset_reason"));
    g_ptr_array_add (params,
        g_strdup (gst_vgg19_offset_reason_get_nick (r->reason)));
    g_ptr_array_add (params, g_strdup ("offset_best"));
    g_ptr_array_add (params, g_strdup_printf ("%d", r->best_offset));
    g_ptr_array_add (params, g_strdup ("offset_cost"));
    g_ptr_array_add (params, g_strdup (g_ascii_formatd (number,
                sizeof (number), "%.6g", r->cost)));
    g_ptr_array_add (params, g_strdup ("offset_runner_up"));
    g_ptr_array_add (params, g_strdup_printf ("%d", r->runner_up_offset));
    g_ptr_array_add (params, g_strdup ("offset_runner_up_cost"));
    g_ptr_array_add (params, g_strdup (g_ascii_formatd (number,
                sizeof (number), "%.6g", r->runner_up_cost)));
    g_ptr_array_add (params, g_strdup ("offset_pairs"));
    g_ptr_array_add (params, g_strdup_printf ("%u", r->n_pairs));
  }
  g_ptr_array_add (params, NULL);

  log = vgg19_score_log_new (path, format,
      (const char *const *) params->pdata,
      (const char *const *) self->value_names, &cause);
  g_ptr_array_unref (params);
  if (!log) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_WRITE,
        "%s", cause->message);
    g_error_free (cause);
  }
  return log;
}


/* @path with each "%u" replaced by @number. */
static gchar *
lane_log_path (const gchar * path, guint number)
{
  gchar **parts = g_strsplit (path, "%u", -1);
  gchar *n = g_strdup_printf ("%u", number);
  gchar *result = g_strjoinv (n, parts);

  g_strfreev (parts);
  g_free (n);
  return result;
}

/* A lane's scores and log for a run. */
static gboolean
lane_start (GstVgg19Compare * self, Lane * lane, guint index,
    const gchar * log_file, Vgg19LogFormat log_format, Vgg19Resize resize,
    guint offset_search, GError ** error)
{
  guint i, k;

  lane->index = index;
  lane->state = LANE_ACTIVE;
  lane->taken = 0;
  lane->compared = 0;
  lane->distorted_unpaired = 0;
  lane->reference_dropped = 0;
  lane->reference_duplicated = 0;
  lane->passed = 0;
  lane->repeating = FALSE;
  lane->reference_ended = FALSE;
  lane->reference_compared = FALSE;
  lane->distorted_end = GST_CLOCK_TIME_NONE;
  lane->in.have_info = FALSE;
  lane->in.n_frames = 0;
  gst_clear_caps (&lane->in.caps);

  lane->values = g_new0 (gdouble, self->n_values);
  lane->pools = g_new0 (Vgg19ScorePool *, self->n_values);
  for (i = 0; i < self->n_values; i++)
    lane->pools[i] = vgg19_score_pool_new ();
  /* the worst frames of each metric's total (not of every layer) */
  lane->scored = g_new0 (GArray *, self->n_values);
  for (i = 0, k = 0; i < gst_vgg19_frame_comparer_get_n_metrics
      (self->comparer); i++) {
    lane->scored[k] = g_array_new (FALSE, FALSE, sizeof (ScoredFrame));
    k += 1 + vgg19_metric_get_n_layers (gst_vgg19_frame_comparer_get_metric
        (self->comparer, i));
  }
  lane_clear_offset (lane);
  if (offset_search > 0) {
    lane->search = gst_vgg19_offset_search_new (offset_search, 0, 0, error);
    if (!lane->search)
      return FALSE;
  }
  if (log_file && *log_file && lane->search) {
    /* opened when the offset is known, for its header */
    lane->log_path = lane_log_path (log_file, lane->number);
  } else if (log_file && *log_file) {
    gchar *path = lane_log_path (log_file, lane->number);

    lane->log = open_log (self, lane, path, log_format, resize, error);
    g_free (path);
    if (!lane->log)
      return FALSE;
  }
  return TRUE;
}

/* One log per distorted input: with several, log-file needs "%u". */
static gboolean
check_log_file (GstVgg19Compare * self, const gchar * log_file,
    GError ** error)
{
  GString *names;
  guint i;

  if (!log_file || !*log_file || self->lanes->len < 2
      || strstr (log_file, "%u"))
    return TRUE;
  names = g_string_new (NULL);
  for (i = 0; i < self->lanes->len; i++)
    g_string_append_printf (names, "%s%s", i ? ", " : "",
        lane_name (lane_at (self, i)));
  g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
      "The log-file property (\"%s\") names one file, but there are %u "
      "distorted inputs (%s), each with its log: put %%u in it, replaced "
      "by each input's pad number (e.g. scores-%%u.json)", log_file,
      self->lanes->len, names->str);
  g_string_free (names, TRUE);
  return FALSE;
}

static gboolean
gst_vgg19_compare_start (GstAggregator * agg)
{
  GstVgg19Compare *self = GST_VGG19_COMPARE (agg);
  gchar *weights, *layers, *style, *log_file, *description, *metric;
  gchar *calibration;
  Vgg19GenericSettings custom;
  Vgg19Resize resize;
  Vgg19LogFormat log_format;
  Vgg19Precision precision;
  Vgg19Metric **metrics;
  GError *error = NULL;
  gboolean temporal = FALSE;
  GstVgg19Scale scale;
  gchar *scale_size;
  const gchar **names;
  guint scale_w = 0, scale_h = 0;
  guint threads, n_metrics = 0, i, offset_search;

  GST_OBJECT_LOCK (self);
  weights = g_strdup (self->weights);
  metric = g_strdup (self->metric);
  calibration = g_strdup (self->calibration);
  layers = g_strdup (self->layers);
  style = g_strdup (self->style_layers);
  log_file = g_strdup (self->log_file);
  resize = self->resize;
  self->run_sync = self->sync_mode;
  self->run_eof = self->eof_action;
  scale = self->scale;
  scale_size = g_strdup (self->scale_size);
  custom.criterion = self->loss;
  custom.reduction = self->reduction;
  custom.feature_norm = self->feature_norm;
  custom.gram_norm = self->gram_norm;
  custom.style_reduction = self->style_reduction;
  log_format = self->log_format;
  threads = self->threads;
  precision = self->precision;
  offset_search = self->offset_search;
  self->frames_compared = 0;
  self->reference_passes = 0;
  /* from here on the lanes stay as they are */
  self->started = TRUE;
  GST_OBJECT_UNLOCK (self);

  custom.layers = layers;
  custom.style_layers = style;
  metrics = NULL;
  if (check_log_file (self, log_file, &error))
    metrics = make_metrics (metric, &custom, &n_metrics, &temporal, &error);
  if (metrics)
    self->comparer = gst_vgg19_frame_comparer_new (weights, calibration,
        threads, precision, resize, metrics, n_metrics, &error);
  /* checked whatever the scale, so that a typo shows at once */
  if (self->comparer && !parse_size (scale_size, &scale_w, &scale_h, &error))
    g_clear_pointer (&self->comparer, gst_vgg19_frame_comparer_free);
  if (self->comparer && !gst_vgg19_frame_comparer_set_scale (self->comparer,
          scale, scale_w, scale_h, &error))
    g_clear_pointer (&self->comparer, gst_vgg19_frame_comparer_free);
  self->start_scale = scale;
  self->start_scale_w = scale_w;
  self->start_scale_h = scale_h;
  g_free (scale_size);
  if (self->comparer) {
    /* input 0 is the reference, then the lanes in their order */
    names = g_new0 (const gchar *, self->lanes->len + 2);
    names[0] = reference_name (self);
    for (i = 0; i < self->lanes->len; i++)
      names[i + 1] = lane_name (lane_at (self, i));
    gst_vgg19_frame_comparer_set_inputs (self->comparer, self->lanes->len + 1,
        names);
    g_free (names);
    gst_vgg19_frame_comparer_set_temporal (self->comparer, temporal);
    self->run_log_format = log_format;
    self->run_resize = resize;
    self->searching = offset_search > 0;
    self->reference_search_ended = FALSE;
    self->value_names =
        gst_vgg19_frame_comparer_get_value_names (self->comparer);
    self->n_values = gst_vgg19_frame_comparer_get_n_values (self->comparer);
    for (i = 0; i < self->lanes->len && !error; i++)
      lane_start (self, lane_at (self, i), i + 1, log_file, log_format,
          resize, offset_search, &error);
  }
  g_free (weights);
  g_free (metric);
  g_free (calibration);
  g_free (layers);
  g_free (style);
  g_free (log_file);
  if (!self->comparer || error) {
    POST_ERROR (self, error);
    g_error_free (error);
    gst_vgg19_compare_stop (agg);
    return FALSE;
  }

  description = gst_vgg19_frame_comparer_describe (self->comparer);
  GST_INFO_OBJECT (self, "%s, %u distorted inputs", description,
      self->lanes->len);
  g_free (description);

  self->finished = FALSE;
  self->reference_input.have_info = FALSE;
  self->reference_input.n_frames = 0;
  gst_clear_caps (&self->reference_input.caps);
  return TRUE;
}

static gboolean
gst_vgg19_compare_stop (GstAggregator * agg)
{
  GstVgg19Compare *self = GST_VGG19_COMPARE (agg);
  guint i;

  unwatch_inputs (self);
  gst_clear_buffer (&self->reference);
  self->reference_in_pad = FALSE;
  self->searching = FALSE;
  input_clear_held (&self->reference_input);
  for (i = 0; i < self->lanes->len; i++) {
    Lane *lane = lane_at (self, i);

    lane_clear_scores (self, lane);
    lane_clear_offset (lane);
    input_clear_held (&lane->in);
    gst_clear_caps (&lane->in.caps);
    lane->in.have_info = FALSE;
  }
  g_clear_pointer (&self->value_names, g_strfreev);
  self->n_values = 0;
  g_clear_pointer (&self->comparer, gst_vgg19_frame_comparer_free);
  g_clear_pointer (&self->sizes, g_free);
  gst_clear_caps (&self->reference_input.caps);
  self->reference_input.have_info = FALSE;
  GST_OBJECT_LOCK (self);
  /* the lanes of pads released meanwhile go now */
  for (i = self->lanes->len; i > 0; i--) {
    Lane *lane = lane_at (self, i - 1);

    if (g_atomic_int_get (&lane->released))
      g_ptr_array_remove_index (self->lanes, i - 1);
  }
  self->started = FALSE;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* GObject                                                              */
/* ------------------------------------------------------------------ */

static void
gst_vgg19_compare_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstVgg19Compare *self = GST_VGG19_COMPARE (object);

  /* the model, metrics and log are made with them at READY->PAUSED: a
   * change then would apply to no frame, and the log's header and the
   * scores would no longer match */
  GST_OBJECT_LOCK (self);
  if (self->started && !(pspec->flags & GST_PARAM_MUTABLE_PLAYING)) {
    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_WARNING (self, CORE, STATE_CHANGE,
        ("The %s property of %s cannot change while it is paused or "
            "playing: the new value is ignored. Set it in the NULL or READY "
            "state.", pspec->name, GST_ELEMENT_NAME (self)), (NULL));
    return;
  }
  switch (prop_id) {
    case PROP_WEIGHTS:
      g_free (self->weights);
      self->weights = g_value_dup_string (value);
      break;
    case PROP_METRIC:
      g_free (self->metric);
      self->metric = g_value_dup_string (value);
      break;
    case PROP_CALIBRATION:
      g_free (self->calibration);
      self->calibration = g_value_dup_string (value);
      break;
    case PROP_REDUCTION:
      self->reduction = g_value_get_enum (value);
      break;
    case PROP_FEATURE_NORM:
      self->feature_norm = g_value_get_enum (value);
      break;
    case PROP_GRAM_NORM:
      self->gram_norm = g_value_get_enum (value);
      break;
    case PROP_STYLE_REDUCTION:
      self->style_reduction = g_value_get_enum (value);
      break;
    case PROP_RESIZE:
      self->resize = g_value_get_enum (value);
      break;
    case PROP_SCALE:
      self->scale = g_value_get_enum (value);
      break;
    case PROP_SYNC_MODE:
      self->sync_mode = g_value_get_enum (value);
      break;
    case PROP_EOF_ACTION:
      self->eof_action = g_value_get_enum (value);
      break;
    case PROP_SCALE_SIZE:
      g_free (self->scale_size);
      self->scale_size = g_value_dup_string (value);
      break;
    case PROP_LAYERS:
      g_free (self->layers);
      self->layers = g_value_dup_string (value);
      break;
    case PROP_LOSS:
      self->loss = g_value_get_enum (value);
      break;
    case PROP_STYLE_LAYERS:
      g_free (self->style_layers);
      self->style_layers = g_value_dup_string (value);
      break;
    case PROP_LOG_FILE:
      g_free (self->log_file);
      self->log_file = g_value_dup_string (value);
      break;
    case PROP_LOG_FORMAT:
      self->log_format = g_value_get_enum (value);
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
    case PROP_POOLED_INTERVAL:
      self->pooled_interval = g_value_get_uint (value);
      break;
    case PROP_WORST_FRAMES:
      self->worst_frames = g_value_get_uint (value);
      break;
    case PROP_OFFSET_SEARCH:
      self->offset_search = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_vgg19_compare_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstVgg19Compare *self = GST_VGG19_COMPARE (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_WEIGHTS:
      g_value_set_string (value, self->weights);
      break;
    case PROP_METRIC:
      g_value_set_string (value, self->metric);
      break;
    case PROP_CALIBRATION:
      g_value_set_string (value, self->calibration);
      break;
    case PROP_REDUCTION:
      g_value_set_enum (value, self->reduction);
      break;
    case PROP_FEATURE_NORM:
      g_value_set_enum (value, self->feature_norm);
      break;
    case PROP_GRAM_NORM:
      g_value_set_enum (value, self->gram_norm);
      break;
    case PROP_STYLE_REDUCTION:
      g_value_set_enum (value, self->style_reduction);
      break;
    case PROP_RESIZE:
      g_value_set_enum (value, self->resize);
      break;
    case PROP_SCALE:
      g_value_set_enum (value, self->scale);
      break;
    case PROP_SYNC_MODE:
      g_value_set_enum (value, self->sync_mode);
      break;
    case PROP_EOF_ACTION:
      g_value_set_enum (value, self->eof_action);
      break;
    case PROP_SCALE_SIZE:
      g_value_set_string (value, self->scale_size);
      break;
    case PROP_LAYERS:
      g_value_set_string (value, self->layers);
      break;
    case PROP_LOSS:
      g_value_set_enum (value, self->loss);
      break;
    case PROP_STYLE_LAYERS:
      g_value_set_string (value, self->style_layers);
      break;
    case PROP_LOG_FILE:
      g_value_set_string (value, self->log_file);
      break;
    case PROP_LOG_FORMAT:
      g_value_set_enum (value, self->log_format);
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
    case PROP_POOLED_INTERVAL:
      g_value_set_uint (value, self->pooled_interval);
      break;
    case PROP_WORST_FRAMES:
      g_value_set_uint (value, self->worst_frames);
      break;
    case PROP_OFFSET_SEARCH:
      g_value_set_uint (value, self->offset_search);
      break;
    case PROP_FRAMES_COMPARED:
      g_value_set_uint64 (value, self->frames_compared);
      break;
    case PROP_REFERENCE_PASSES:
      g_value_set_uint64 (value, self->reference_passes);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_vgg19_compare_finalize (GObject * object)
{
  GstVgg19Compare *self = GST_VGG19_COMPARE (object);

  /* PAUSED->READY freed the rest */
  g_free (self->weights);
  g_free (self->metric);
  g_free (self->calibration);
  g_free (self->scale_size);
  g_free (self->layers);
  g_free (self->style_layers);
  g_free (self->log_file);
  g_ptr_array_unref (self->lanes);
  gst_object_unref (self->reference_input.pad);
  g_mutex_clear (&self->watch_lock);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* What the property blurbs say of changes while streaming. */
#define FIXED_WHILE_STARTED " Fixed from READY->PAUSED on: a change while " \
  "paused or playing is refused with a warning"

static void
gst_vgg19_compare_class_init (GstVgg19CompareClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAggregatorClass *agg_class = GST_AGGREGATOR_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_READY;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  gobject_class->set_property = gst_vgg19_compare_set_property;
  gobject_class->get_property = gst_vgg19_compare_get_property;
  gobject_class->finalize = gst_vgg19_compare_finalize;

  g_object_class_install_property (gobject_class, PROP_WEIGHTS,
      g_param_spec_string ("weights", "Weights",
          "VGG-19 (or VGG-16) weight file: torchvision .pth (legacy or zip) "
          "or .safetensors (torchvision or timm names, F32/F16/BF16). "
          "Unset: $VGG19_WEIGHTS, then $XDG_CACHE_HOME/vgg19/"
          VGG19_OFFICIAL_WEIGHTS_NAME ", then the installed data directory. "
          "Loaded at READY->PAUSED and shared with the other vgg19 elements "
          "of the process using the same file. The default file is that of "
          "the network the chosen presets are defined on: "
          VGG16_OFFICIAL_WEIGHTS_NAME " ($VGG16_WEIGHTS) for lpips-vgg and "
          "dists."
          FIXED_WHILE_STARTED, DEFAULT_WEIGHTS, rw));
  g_object_class_install_property (gobject_class, PROP_METRIC,
      g_param_spec_string ("metric", "Metric",
          "The metrics to compute, comma-separated: \"custom\" (the generic "
          "form set by layers, loss, reduction, feature-norm and "
          "style-layers, gram-norm, style-reduction; values \"perceptual\" "
          "and \"style\") and the presets, each exactly as published: "
          "lpips-vgg (LPIPS v0.1, VGG-16), dists (DISTS, VGG-16 with L2 "
          "pooling), esrgan (conv5_4 L1), realesrgan (conv1_2 x0.1, conv2_2 "
          "x0.1, conv3_4, conv4_4, conv5_4, L1), edsr-vgg22 / edsr-vgg54 "
          "(conv2_2 / conv5_4 MSE), srgan-vgg54 (relu5_4 MSE), pix2pixhd "
          "(relu1_1..relu5_1 x 1/32..1, L1, [-1, 1] input), gatys-style "
          "(Gram matrices, eq. 4); and tlp, which adds for each of the "
          "others the temporal flicker value \"<metric>_tlp\" = "
          "|d(ref[t-1], ref[t]) - d(dist[t-1], dist[t])| (TecoGAN's tLP), "
          "from the activations kept from the previous frame. Metrics that "
          "need different network "
          "passes (dists; pix2pixhd) or networks (VGG-16 presets with "
          "VGG-19 ones) need an element each. The README gives each "
          "formula and its source." FIXED_WHILE_STARTED, DEFAULT_METRIC, rw));
  g_object_class_install_property (gobject_class, PROP_CALIBRATION,
      g_param_spec_string ("calibration", "Calibration",
          "Learned weights of lpips-vgg (LPIPS' weights/v0.1/vgg.pth) or "
          "dists (DISTS' weights.pt), when exactly one of the metrics "
          "needs them. Unset: $VGG19_LPIPS_WEIGHTS / $VGG19_DISTS_WEIGHTS, "
          "then $XDG_CACHE_HOME/vgg19/lpips-v0.1-vgg.pth / dists-weights.pt "
          "(where `weights/fetch lpips-vgg` / `weights/fetch dists` put "
          "them, checking their SHA-256)." FIXED_WHILE_STARTED,
          DEFAULT_CALIBRATION, rw));
  g_object_class_install_property (gobject_class, PROP_RESIZE,
      g_param_spec_enum ("resize", "Resize",
          "How both inputs' frames become network input: stretch (to "
          "224x224, as `vgg19 compare` by default), crop (short side 256, "
          "centre 224x224) or none (the frames' own size, at least 32x32: "
          "full-frame quality; inputs of different sizes meet as scale "
          "says)." FIXED_WHILE_STARTED, GST_TYPE_VGG19_RESIZE, DEFAULT_RESIZE,
          rw));
  g_object_class_install_property (gobject_class, PROP_SCALE,
      g_param_spec_enum ("scale", "Scale",
          "How inputs of different sizes meet: reference (at native size, "
          "distorted frames of another size are scaled to the reference's), "
          "distorted (the reference to the distorted frames' size) or fixed "
          "(both to scale-size, whatever resize says); antialiased "
          "bilinear; with several distorted inputs, all are compared at one "
          "size (scale=distorted then needs them to share theirs). Posted "
          "as an element info message and in the pooled message "
          "(\"sizes\"), recorded in the log header." FIXED_WHILE_STARTED,
          GST_TYPE_VGG19_SCALE, DEFAULT_SCALE, rw));
  g_object_class_install_property (gobject_class, PROP_SYNC_MODE,
      g_param_spec_enum ("sync-mode", "Sync mode",
          "How frames pair: running-time (by their running time, as "
          "ffmpeg's framesync; frames without timestamps in arrival order) "
          "or index (in arrival order, the n-th distorted frame with the "
          "n-th reference frame, whatever the timestamps)." FIXED_WHILE_STARTED,
          GST_TYPE_VGG19_SYNC_MODE, DEFAULT_SYNC_MODE, rw));
  g_object_class_install_property (gobject_class, PROP_EOF_ACTION,
      g_param_spec_enum ("eof-action", "EOF action",
          "When the reference ends first: shortest (the comparison ends, "
          "ffmpeg's shortest=1), repeat (its last frame is compared with "
          "the rest, ffmpeg's eof_action=repeat) or pass (the rest goes "
          "out without scores). Frames compared with a reference frame "
          "already used are counted in reference-duplicated, those without "
          "one in distorted-unpaired, reference frames never compared in "
          "reference-dropped (pooled message and the log's "
          "aggregate_metrics)." FIXED_WHILE_STARTED, GST_TYPE_VGG19_EOF_ACTION,
          DEFAULT_EOF_ACTION, rw));
  g_object_class_install_property (gobject_class, PROP_SCALE_SIZE,
      g_param_spec_string ("scale-size", "Scale size",
          "The network input size of scale=fixed, WIDTHxHEIGHT (each at "
          "least 32)." FIXED_WHILE_STARTED, DEFAULT_SCALE_SIZE, rw));
  g_object_class_install_property (gobject_class, PROP_LAYERS,
      g_param_spec_string ("layers", "Layers",
          "Layers of the perceptual (feature-reconstruction) loss, "
          "comma-separated, each with an optional \":weight\" (default 1), "
          "e.g. \"relu1_2:1,relu2_2:1,relu3_4:1,relu4_4:1,relu5_4:1\". "
          "perceptual = sum over the layers of weight * mean((x - y)^2) "
          "(loss=mse) or weight * mean(|x - y|) (loss=l1), x and y the "
          "distorted and reference activations, the mean over all C*H*W "
          "values (torch's F.mse_loss, F.l1_loss) with the default "
          "reduction." FIXED_WHILE_STARTED, DEFAULT_LAYERS, rw));
  g_object_class_install_property (gobject_class, PROP_LOSS,
      g_param_spec_enum ("loss", "Loss",
          "Criterion of the perceptual loss: mse (squared difference), l1 "
          "(absolute difference) or sse (squared difference, always summed)."
          FIXED_WHILE_STARTED, GST_TYPE_VGG19_LOSS, DEFAULT_LOSS, rw));
  g_object_class_install_property (gobject_class, PROP_REDUCTION,
      g_param_spec_enum ("reduction", "Reduction",
          "How the perceptual loss reduces a layer's values: mean (over "
          "C*H*W), channel-sum (sum over channels of the mean over "
          "positions, as piq) or sum." FIXED_WHILE_STARTED, GST_TYPE_VGG19_REDUCTION,
          DEFAULT_REDUCTION, rw));
  g_object_class_install_property (gobject_class, PROP_FEATURE_NORM,
      g_param_spec_enum ("feature-norm", "Feature normalisation",
          "none, or unit: each position's channel vector divided by its "
          "norm + 1e-10 before the perceptual loss (LPIPS' normalisation)."
          FIXED_WHILE_STARTED, GST_TYPE_VGG19_FEATURE_NORM, DEFAULT_FEATURE_NORM, rw));
  g_object_class_install_property (gobject_class, PROP_STYLE_LAYERS,
      g_param_spec_string ("style-layers", "Style layers",
          "Layers of the style (Gram-matrix) loss, same syntax as layers, "
          "e.g. \"relu1_1,relu2_1,relu3_1,relu4_1,relu5_1\"; empty: no "
          "style metric. style = sum over the layers of weight / "
          "(4 C^2 (H W)^2) * sum((G - A)^2), G = x x^T and A = y y^T the "
          "C x C Gram matrices of the distorted and reference activations "
          "(Gatys, Ecker and Bethge 2016, eq. 4) with the default gram-norm "
          "and style-reduction." FIXED_WHILE_STARTED, DEFAULT_STYLE_LAYERS, rw));
  g_object_class_install_property (gobject_class, PROP_GRAM_NORM,
      g_param_spec_enum ("gram-norm", "Gram normalisation",
          "What the style loss divides the Gram matrices x x^T by: none, "
          "hw (H W, Gatys' code), chw (C H W, Johnson et al.) or gatys "
          "(2 C H W: with style-reduction=sum, eq. 4 of Gatys et al.)."
          FIXED_WHILE_STARTED, GST_TYPE_VGG19_GRAM_NORM, DEFAULT_GRAM_NORM, rw));
  g_object_class_install_property (gobject_class, PROP_STYLE_REDUCTION,
      g_param_spec_enum ("style-reduction", "Style reduction",
          "How the style loss reduces the squared differences of the C x C "
          "Gram entries: sum, mean (over C^2, torch's F.mse_loss) or "
          "channel-sum (divides by C)." FIXED_WHILE_STARTED, GST_TYPE_VGG19_REDUCTION,
          DEFAULT_STYLE_REDUCTION, rw));
  g_object_class_install_property (gobject_class, PROP_LOG_FILE,
      g_param_spec_string ("log-file", "Log file",
          "File to write the scores to, one record per compared frame "
          "(frame number, pts, every metric and each of its layers), then "
          "the pooled scores; written as frames are compared, so a crash "
          "loses at most the last one. One log per distorted input: with "
          "several (request pads sink_2 and up) the name must contain %u, "
          "replaced by the input's pad number (scores-%u.json: "
          "scores-1.json, scores-2.json, ...). Unset: no log."
          FIXED_WHILE_STARTED,
          DEFAULT_LOG_FILE, rw));
  g_object_class_install_property (gobject_class, PROP_LOG_FORMAT,
      g_param_spec_enum ("log-format", "Log format",
          "libvmaf's layouts: json (frames[{frameNum, pts, metrics}], "
          "pooled_metrics{min, max, mean, harmonic_mean, median, p1, p5, "
          "p10, p25, p95, stddev, count}), csv (Frame,<metrics>,pts, lines; "
          "the header and pooled statistics in '#' comment lines) or xml "
          "(<VMAF>, <params>, <frames>, <pooled_metrics>); each with a "
          "header recording the version, network, weights and their "
          "SHA-256, every metric's settings and the preprocessing."
          FIXED_WHILE_STARTED, GST_TYPE_VGG19_LOG_FORMAT, DEFAULT_LOG_FORMAT, rw));
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_uint ("threads", "Threads",
          "Worker threads of the network (0 = one per core)."
          FIXED_WHILE_STARTED, 0, 1024, DEFAULT_THREADS, rw));
  g_object_class_install_property (gobject_class, PROP_PRECISION,
      g_param_spec_enum ("precision", "Precision",
          "Arithmetic: fp32, or bf16 (the convolutions' Winograd products and "
          "the Linear layers take bfloat16 inputs and sum in float32: faster "
          "on CPUs with AVX512_BF16, slower elsewhere, outputs within ~3 % of "
          "fp32)." FIXED_WHILE_STARTED, GST_TYPE_VGG19_PRECISION,
          DEFAULT_PRECISION, rw));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post an element message named \"vgg19\" (type \"frame\") with the "
          "scores of each compared pair, its distorted input in \"pad\"; "
          "the pooled scores (type \"pooled\", one per distorted input) are "
          "posted at the end either way. Changeable while "
          "playing: applies from the next pair", DEFAULT_POST_MESSAGES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_POOLED_INTERVAL,
      g_param_spec_uint ("pooled-interval", "Pooled interval",
          "Every this many compared frames, post a \"vgg19\" message of "
          "type \"running\" with the pooled scores so far (the fields of "
          "the final \"pooled\" one); 0: only at the end", 0, G_MAXUINT,
          DEFAULT_POOLED_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_WORST_FRAMES,
      g_param_spec_uint ("worst-frames", "Worst frames",
          "In the final \"pooled\" message, \"<metric>-worst\": the frames "
          "with the largest values of each metric, largest first, each a "
          "structure (frame, timestamp, running-time, value); 0: none",
          0, 10000, DEFAULT_WORST_FRAMES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_OFFSET_SEARCH,
      g_param_spec_uint ("offset-search", "Offset search",
          "Before scoring, look for a constant offset of up to this many "
          "frames either way between the reference and each distorted "
          "input (a distorted stream that lacks the reference's first "
          "frames, or has extra leading ones), from luma thumbnails of the "
          "first 2 N + 20 frames of each (held until then, or until their "
          "end), and compare the aligned frames; posted as a \"vgg19\" "
          "message of type \"offset\" per input and recorded in the log "
          "header. Without a confident match: a warning, and offset 0. "
          "0: off." FIXED_WHILE_STARTED, 0, MAX_OFFSET_SEARCH,
          DEFAULT_OFFSET_SEARCH, rw));
  g_object_class_install_property (gobject_class, PROP_FRAMES_COMPARED,
      g_param_spec_uint64 ("frames-compared", "Frames compared",
          "Pairs of frames compared since the element started, over all "
          "the distorted inputs", 0, G_MAXUINT64, 0, ro));
  g_object_class_install_property (gobject_class, PROP_REFERENCE_PASSES,
      g_param_spec_uint64 ("reference-passes", "Reference passes",
          "Network passes run on reference frames since the element "
          "started: one per reference frame compared, shared by all the "
          "distorted inputs it is compared with (one more when a frame "
          "held across a change of caps must run at another size)", 0,
          G_MAXUINT64, 0, ro));

  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &reference_template, GST_TYPE_AGGREGATOR_PAD);
  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &distorted_template, GST_TYPE_AGGREGATOR_PAD);
  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &more_distorted_template, GST_TYPE_AGGREGATOR_PAD);
  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &src_template, GST_TYPE_AGGREGATOR_PAD);
  gst_element_class_set_static_metadata (element_class,
      "VGG-19 perceptual comparison", "Filter/Analyzer/Video",
      "Compares distorted videos (sink_1, and sink_2 and up on request) "
      "with their reference (sink_0) frame by frame with VGG-19 perceptual "
      "and style losses, the reference's features computed once for all; "
      "passes sink_1's frames on with the scores as metadata, bus messages "
      "and a log per distorted input", "The vgg19 authors");

  agg_class->aggregate = GST_DEBUG_FUNCPTR (gst_vgg19_compare_aggregate);
  agg_class->clip = GST_DEBUG_FUNCPTR (gst_vgg19_compare_clip);
  agg_class->sink_event = GST_DEBUG_FUNCPTR (gst_vgg19_compare_sink_event);
  agg_class->sink_query = GST_DEBUG_FUNCPTR (gst_vgg19_compare_sink_query);
  agg_class->update_src_caps =
      GST_DEBUG_FUNCPTR (gst_vgg19_compare_update_src_caps);
  agg_class->flush = GST_DEBUG_FUNCPTR (gst_vgg19_compare_flush);
  agg_class->start = GST_DEBUG_FUNCPTR (gst_vgg19_compare_start);
  agg_class->stop = GST_DEBUG_FUNCPTR (gst_vgg19_compare_stop);
  agg_class->create_new_pad =
      GST_DEBUG_FUNCPTR (gst_vgg19_compare_create_new_pad);
  element_class->release_pad =
      GST_DEBUG_FUNCPTR (gst_vgg19_compare_release_pad);

  gst_type_mark_as_plugin_api (GST_TYPE_VGG19_RESIZE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_VGG19_LOSS, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_VGG19_PRECISION, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_VGG19_LOG_FORMAT, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_VGG19_REDUCTION, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_VGG19_FEATURE_NORM, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_VGG19_GRAM_NORM, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_VGG19_SCALE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_VGG19_SYNC_MODE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_VGG19_EOF_ACTION, 0);
}

static void
gst_vgg19_compare_init (GstVgg19Compare * self)
{
  GstElementClass *klass = GST_ELEMENT_GET_CLASS (self);
  const gchar *names[] = { "sink_0", "sink_1" };
  GstAggregatorPad *pads[2];
  guint i;

  for (i = 0; i < 2; i++) {
    GstPadTemplate *templ = gst_element_class_get_pad_template (klass,
        names[i]);

    pads[i] = g_object_new (GST_TYPE_AGGREGATOR_PAD, "name", names[i],
        "direction", GST_PAD_SINK, "template", templ, NULL);
    gst_element_add_pad (GST_ELEMENT (self), GST_PAD (pads[i]));
  }
  self->reference_input.pad = gst_object_ref (pads[0]);
  self->lanes = g_ptr_array_new_with_free_func ((GDestroyNotify) lane_free);
  self->output_lane = lane_new (pads[1], 1);
  g_ptr_array_add (self->lanes, self->output_lane);

  self->weights = g_strdup (DEFAULT_WEIGHTS);
  self->metric = g_strdup (DEFAULT_METRIC);
  self->calibration = g_strdup (DEFAULT_CALIBRATION);
  self->reduction = DEFAULT_REDUCTION;
  self->feature_norm = DEFAULT_FEATURE_NORM;
  self->gram_norm = DEFAULT_GRAM_NORM;
  self->style_reduction = DEFAULT_STYLE_REDUCTION;
  self->resize = DEFAULT_RESIZE;
  self->scale = DEFAULT_SCALE;
  self->sync_mode = DEFAULT_SYNC_MODE;
  self->eof_action = DEFAULT_EOF_ACTION;
  self->scale_size = g_strdup (DEFAULT_SCALE_SIZE);
  self->layers = g_strdup (DEFAULT_LAYERS);
  self->loss = DEFAULT_LOSS;
  self->style_layers = g_strdup (DEFAULT_STYLE_LAYERS);
  self->log_file = g_strdup (DEFAULT_LOG_FILE);
  self->log_format = DEFAULT_LOG_FORMAT;
  self->threads = DEFAULT_THREADS;
  self->precision = DEFAULT_PRECISION;
  self->post_messages = DEFAULT_POST_MESSAGES;
  self->pooled_interval = DEFAULT_POOLED_INTERVAL;
  self->worst_frames = DEFAULT_WORST_FRAMES;
  self->offset_search = DEFAULT_OFFSET_SEARCH;
  g_queue_init (&self->reference_input.held);
  g_mutex_init (&self->watch_lock);
}
