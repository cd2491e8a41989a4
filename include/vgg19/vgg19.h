/* vgg19 — VGG-19 / VGG-16 inference on the CPU, with torchvision's layout
 * and weights.
 *
 * Lifecycle (the same four steps as XNNPACK's runtime):
 *
 *   1. create:  vgg19_model_load() reads and validates a weight file once.
 *               A Vgg19Model is immutable and reference counted; one model
 *               may serve any number of sessions in any number of threads.
 *   2. session: vgg19_session_new() owns the scratch memory and the worker
 *               threads of one user of the model.
 *   3. reshape: vgg19_session_reshape() fixes the input size and the taps
 *               (named layer outputs) wanted; it allocates everything, so
 *               run() never allocates.
 *   4. run:     vgg19_session_run() on a preprocessed image, then
 *               vgg19_session_get_output() for each tap.
 *
 * Every function that can fail takes a GError** (domain VGG19_ERROR) and
 * never aborts or exits: a bad file, an unknown layer name or an input out of
 * range is reported, never crashed on.
 */
#ifndef VGG19_VGG19_H
#define VGG19_VGG19_H

#include <glib.h>
#include <vgg19/export.h>

G_BEGIN_DECLS

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

/**
 * VGG19_ERROR:
 *
 * Error domain of every GError set by this library.
 */
#define VGG19_ERROR (vgg19_error_quark ())

/**
 * Vgg19Error:
 * @VGG19_ERROR_IO: a file could not be opened or read.
 * @VGG19_ERROR_FORMAT: a file is not in the format it claims to be, or is
 *   truncated or corrupted.
 * @VGG19_ERROR_WEIGHTS: a weight file is well formed but a tensor is missing,
 *   has the wrong shape or an unsupported dtype.
 * @VGG19_ERROR_UNSUPPORTED: the request is valid but not supported by this
 *   build or this model (e.g. classifying with a convolution-only file).
 * @VGG19_ERROR_INVALID_ARGUMENT: an argument is out of range (unknown layer
 *   name, image too small or too large, ...).
 * @VGG19_ERROR_NO_MEMORY: an allocation failed.
 * @VGG19_ERROR_NOT_FOUND: no weight or label file was found where looked.
 */
typedef enum
{
  VGG19_ERROR_IO,
  VGG19_ERROR_FORMAT,
  VGG19_ERROR_WEIGHTS,
  VGG19_ERROR_UNSUPPORTED,
  VGG19_ERROR_INVALID_ARGUMENT,
  VGG19_ERROR_NO_MEMORY,
  VGG19_ERROR_NOT_FOUND,
} Vgg19Error;

/** vgg19_error_quark: Returns: the quark of VGG19_ERROR. */
VGG19_API GQuark vgg19_error_quark (void);

/** vgg19_version: Returns: the library version, e.g. "0.1.0". */
VGG19_API const char *vgg19_version (void);

/* ------------------------------------------------------------------ */
/* Networks and their layer names                                       */
/* ------------------------------------------------------------------ */

/**
 * Vgg19Arch:
 * @VGG19_ARCH_VGG19: torchvision configuration "E" (16 convolutions).
 * @VGG19_ARCH_VGG16: torchvision configuration "D" (13 convolutions).
 */
typedef enum
{
  VGG19_ARCH_VGG19,
  VGG19_ARCH_VGG16,
} Vgg19Arch;

/** Smallest input side the network accepts (five 2x2 poolings). */
#define VGG19_MIN_INPUT_SIDE 32
/** Largest input side accepted by vgg19_session_reshape(). */
#define VGG19_MAX_INPUT_SIDE 16384
/** Largest input area (pixels) accepted by vgg19_session_reshape(). */
#define VGG19_MAX_INPUT_PIXELS (4096u * 4096u)
/** Side of the classifier's input image in the stretch and crop modes. */
#define VGG19_CLASSIFIER_SIDE 224
/** Number of ImageNet classes of the classifier. */
#define VGG19_N_CLASSES 1000

/**
 * vgg19_arch_name:
 * Returns: "vgg19" or "vgg16".
 */
VGG19_API const char *vgg19_arch_name (Vgg19Arch arch);

/**
 * vgg19_arch_tap_names:
 * @arch: the network.
 * @n_taps: (out) (optional): number of names.
 *
 * The names of every tap (layer output) of @arch in execution order:
 * convN_M (convolution output, before its ReLU), reluN_M, poolN, then fc6,
 * relu6, fc7, relu7 and fc8 (the logits).
 *
 * Returns: (transfer none): a NULL-terminated static array.
 */
VGG19_API const char *const *vgg19_arch_tap_names (Vgg19Arch arch,
    guint * n_taps);

/**
 * vgg19_arch_tap_shape:
 * @arch: the network.
 * @tap: a tap name, e.g. "conv4_2".
 * @width: input width in pixels.
 * @height: input height in pixels.
 * @channels: (out) (optional): channels of the tap's output.
 * @out_height: (out) (optional): rows of the tap's output (1 for fc taps).
 * @out_width: (out) (optional): columns of the tap's output (1 for fc taps).
 * @error: return location for an error.
 *
 * The shape (C, H, W) of a tap for an input of @width x @height, with
 * torch's floor rule at every pooling.
 *
 * Returns: FALSE with @error set when @tap is unknown or the size is out of
 * range.
 */
VGG19_API gboolean vgg19_arch_tap_shape (Vgg19Arch arch, const char *tap,
    guint width, guint height, guint * channels, guint * out_height,
    guint * out_width, GError ** error);

/* ------------------------------------------------------------------ */
/* Weights                                                              */
/* ------------------------------------------------------------------ */

/** File name of torchvision's official VGG-19 ImageNet weights. */
#define VGG19_OFFICIAL_WEIGHTS_NAME "vgg19-dcbb9e9d.pth"
/** Size in bytes of the official file. */
#define VGG19_OFFICIAL_WEIGHTS_SIZE G_GUINT64_CONSTANT (574673361)
/** SHA-256 of the official file. */
#define VGG19_OFFICIAL_WEIGHTS_SHA256 \
  "dcbb9e9dad569fff7a846263a77324fc34978fea2bfb039c012d710e1776ae44"

/** File name of torchvision's official VGG-16 ImageNet weights
 * (VGG16_Weights.IMAGENET1K_V1, configuration "D"). */
#define VGG16_OFFICIAL_WEIGHTS_NAME "vgg16-397923af.pth"
/** Size in bytes of the official VGG-16 file. */
#define VGG16_OFFICIAL_WEIGHTS_SIZE G_GUINT64_CONSTANT (553433881)
/** SHA-256 of the official VGG-16 file (its first 8 digits are the file
 * name's suffix, which torch.hub checks). */
#define VGG16_OFFICIAL_WEIGHTS_SHA256 \
  "397923af8e79cdbb6a7127f12361acd7a2f83e06b05044ddf496e83de57a5bf0"

/**
 * vgg19_weights_find:
 * @explicit_path: (nullable): a path given by the user, or NULL.
 * @error: return location for an error.
 *
 * Finds the weight file to use, in this order: @explicit_path,
 * $VGG19_WEIGHTS, $XDG_CACHE_HOME/vgg19/vgg19-dcbb9e9d.pth (~/.cache when
 * XDG_CACHE_HOME is unset), then the installed data directory. An explicit
 * path or $VGG19_WEIGHTS that does not exist is an error (it is never
 * silently replaced by another file).
 *
 * Returns: (transfer full): the path, or NULL with @error set to
 * VGG19_ERROR_NOT_FOUND with a message that lists where it looked and says
 * how to get the weights.
 */
VGG19_API char *vgg19_weights_find (const char *explicit_path,
    GError ** error);

/**
 * vgg19_weights_find_arch:
 * @arch: the network wanted.
 * @explicit_path: (nullable): a path given by the user, or NULL.
 * @error: return location for an error.
 *
 * vgg19_weights_find() for @arch: for VGG19_ARCH_VGG19 exactly that; for
 * VGG19_ARCH_VGG16 the order is @explicit_path, $VGG16_WEIGHTS,
 * $XDG_CACHE_HOME/vgg19/vgg16-397923af.pth, then the installed data
 * directory. Which network a file holds is decided when it is loaded (by
 * its tensors), not by its name.
 *
 * Returns: (transfer full): the path, or NULL with @error set as
 * vgg19_weights_find() does.
 */
VGG19_API char *vgg19_weights_find_arch (Vgg19Arch arch,
    const char *explicit_path, GError ** error);

/**
 * vgg19_file_sha256:
 * @path: a file.
 * @error: return location for an error.
 *
 * Reads the whole file (about a second for the 548 MB weights), for the
 * reproducibility header of score logs.
 *
 * Returns: (transfer full): the SHA-256 in lower-case hex, or NULL with
 * @error set (VGG19_ERROR_IO naming @path).
 */
VGG19_API char *vgg19_file_sha256 (const char *path, GError ** error);

/**
 * vgg19_weights_help:
 *
 * Returns: one sentence that tells a user how to obtain the weights; used
 * by every "weights not found" message.
 */
VGG19_API const char *vgg19_weights_help (void);

/* ------------------------------------------------------------------ */
/* Model                                                                */
/* ------------------------------------------------------------------ */

typedef struct _Vgg19Model Vgg19Model;

/**
 * vgg19_model_load:
 * @path: a weight file: a PyTorch .pth (legacy serialization or zip
 *   archive) or a .safetensors file, with torchvision's or timm's tensor
 *   names, F32, F16 or BF16.
 * @error: return location for an error.
 *
 * Reads, validates and repacks the weights. The network (VGG-19 or VGG-16)
 * is decided by the tensors present. A file with only the convolutional
 * part loads too; vgg19_model_has_classifier() then returns FALSE.
 *
 * Returns: (transfer full): a new model, or NULL with @error set; the
 * message names the file and, where one is at fault, the tensor with its
 * expected and found shape or dtype.
 */
VGG19_API Vgg19Model *vgg19_model_load (const char *path, GError ** error);

/** vgg19_model_ref: Returns: @model, with one more reference. */
VGG19_API Vgg19Model *vgg19_model_ref (Vgg19Model * model);

/** vgg19_model_unref: drops one reference; frees at zero. NULL is allowed. */
VGG19_API void vgg19_model_unref (Vgg19Model * model);

/** vgg19_model_get_arch: Returns: the network the weights describe. */
VGG19_API Vgg19Arch vgg19_model_get_arch (const Vgg19Model * model);

/** vgg19_model_has_classifier: Returns: TRUE when fc6..fc8 are present. */
VGG19_API gboolean vgg19_model_has_classifier (const Vgg19Model * model);

/** vgg19_model_get_path: Returns: (transfer none): the file it was read from. */
VGG19_API const char *vgg19_model_get_path (const Vgg19Model * model);

/**
 * vgg19_model_get_format:
 * Returns: (transfer none): "torch-legacy", "torch-zip" or "safetensors".
 */
VGG19_API const char *vgg19_model_get_format (const Vgg19Model * model);

/**
 * vgg19_model_get_source_dtype:
 * Returns: (transfer none): dtype of the tensors in the file ("F32", "F16"
 * or "BF16"); they are converted to float32 on load.
 */
VGG19_API const char *vgg19_model_get_source_dtype (const Vgg19Model * model);

/**
 * vgg19_model_get_n_parameters:
 * Returns: the number of weights and biases loaded.
 */
VGG19_API guint64 vgg19_model_get_n_parameters (const Vgg19Model * model);

/* ------------------------------------------------------------------ */
/* Session                                                              */
/* ------------------------------------------------------------------ */

/**
 * Vgg19Precision:
 * @VGG19_PRECISION_FP32: float32 everywhere (the default).
 * @VGG19_PRECISION_BF16: bfloat16 products with float32 accumulation: the
 *   Winograd products of the convolutions (all but the first) and the
 *   Linear layers take bfloat16 inputs; transforms, biases, pooling and
 *   the first convolution stay float32. About 1.5 times as fast as fp32
 *   on CPUs with AVX512_BF16 (portable, slower kernels elsewhere, same
 *   results bit for bit); outputs within about 3 % of fp32 (largest
 *   error relative to the largest value, measured against torchvision).
 *   The first bf16 session of a model makes bf16 copies of its weights
 *   (about 400 MB for VGG-19), shared by later ones.
 */
typedef enum
{
  VGG19_PRECISION_FP32,
  VGG19_PRECISION_BF16,
} Vgg19Precision;

typedef struct _Vgg19Session Vgg19Session;

/**
 * Vgg19Tensor:
 * @name: the tap name.
 * @channels: C.
 * @height: H (1 for fc taps).
 * @width: W (1 for fc taps).
 * @data: C*H*W floats in C order (channel-major, like torch's CHW).
 *
 * One tap's output. Owned by the session; valid until the next reshape,
 * run or free of the session.
 */
typedef struct
{
  const char *name;
  guint channels;
  guint height;
  guint width;
  const float *data;
} Vgg19Tensor;

/**
 * vgg19_session_new:
 * @model: the model; the session keeps a reference.
 * @n_threads: worker threads, 0 for one per core.
 * @precision: arithmetic precision.
 * @error: return location for an error.
 *
 * Returns: (transfer full): a session, or NULL with @error set (an
 * unknown precision, no memory for the bf16 weights or the threads).
 */
VGG19_API Vgg19Session *vgg19_session_new (Vgg19Model * model,
    guint n_threads, Vgg19Precision precision, GError ** error);

/**
 * vgg19_session_reshape:
 * @session: a session.
 * @width: input width in pixels, VGG19_MIN_INPUT_SIDE or more.
 * @height: input height in pixels, VGG19_MIN_INPUT_SIDE or more.
 * @taps: NULL-terminated list of tap names to produce.
 * @error: return location for an error.
 *
 * Plans runs for this input size and these taps and allocates their memory.
 * A run then computes only up to the deepest tap. Asking for an fc tap with
 * a model without classifier is VGG19_ERROR_UNSUPPORTED.
 *
 * Returns: FALSE with @error set on an unknown tap, an unsupported request,
 * a size out of range or a failed allocation; the session then has no plan.
 */
VGG19_API gboolean vgg19_session_reshape (Vgg19Session * session,
    guint width, guint height, const char *const *taps, GError ** error);

/**
 * vgg19_session_run:
 * @session: a reshaped session.
 * @input: 3 x height x width floats, RGB planes, normalised as the model
 *   expects (see vgg19_preprocess_packed()).
 * @error: return location for an error.
 *
 * Returns: FALSE with @error set when the session has no plan.
 */
VGG19_API gboolean vgg19_session_run (Vgg19Session * session,
    const float *input, GError ** error);

/**
 * vgg19_session_get_output:
 * @session: a session after a successful run.
 * @tap: one of the tap names given to reshape.
 *
 * Returns: (transfer none) (nullable): the tap's tensor, or NULL when @tap
 * was not asked for.
 */
VGG19_API const Vgg19Tensor *vgg19_session_get_output (Vgg19Session * session,
    const char *tap);

/**
 * vgg19_session_get_isa:
 * Returns: (transfer none): the instruction set the kernels use: "avx512",
 * "avx2" or "portable".
 */
VGG19_API const char *vgg19_session_get_isa (const Vgg19Session * session);

/** vgg19_session_get_n_threads: Returns: the number of threads used. */
VGG19_API guint vgg19_session_get_n_threads (const Vgg19Session * session);

/** vgg19_session_get_model: Returns: (transfer none): the session's model. */
VGG19_API Vgg19Model *vgg19_session_get_model (const Vgg19Session * session);

/**
 * Vgg19LayerTime:
 * @name: the layer (a conv, pool or fc tap name, or "avgpool").
 * @ms: wall time of the last run, in milliseconds. A convolution's time
 * includes its ReLU, and the max pooling after it, when the library ran
 * them together (their outputs not requested); those then show 0.
 * @gflop: floating-point work of the layer, in GFLOP (2 per MAC).
 */
typedef struct
{
  const char *name;
  double ms;
  double gflop;
} Vgg19LayerTime;

/**
 * vgg19_session_set_profiling:
 * @enable: time each layer of the following runs.
 */
VGG19_API void vgg19_session_set_profiling (Vgg19Session * session,
    gboolean enable);

/**
 * vgg19_session_get_profile:
 * @n_layers: (out): number of entries.
 *
 * Returns: (transfer none): per-layer times of the last profiled run, in
 * execution order; NULL when profiling is off.
 */
VGG19_API const Vgg19LayerTime *vgg19_session_get_profile (const Vgg19Session *
    session, guint * n_layers);

/**
 * Vgg19Pooling:
 * @VGG19_POOLING_MAX: torchvision's 2x2 max pooling, stride 2, floor
 *   (output side floor(n / 2)).
 * @VGG19_POOLING_L2: DISTS' L2 pooling (Ding et al. 2020): per channel
 *   y = sqrt(g * x^2 + 1e-12), g = [1 2 1]^T [1 2 1] / 16 (a Hann window
 *   summing to 1), 3x3, stride 2, zero padding 1 (output side
 *   ceil(n / 2)).
 *
 * What the pooling modules of the network compute; the weights are the
 * same.
 */
typedef enum
{
  VGG19_POOLING_MAX,
  VGG19_POOLING_L2,
} Vgg19Pooling;

/** vgg19_pooling_to_string: Returns: "max" or "l2". */
VGG19_API const char *vgg19_pooling_to_string (Vgg19Pooling pooling);

/**
 * vgg19_session_set_pooling:
 * @session: a session.
 * @pooling: what its pooling modules compute (VGG19_POOLING_MAX at
 *   creation).
 * @error: return location for an error.
 *
 * Changes the pooling of the following runs; the session then has no plan
 * (call vgg19_session_reshape() again), since L2 pooling rounds output
 * sizes up.
 *
 * Returns: FALSE with @error set when @pooling is not a Vgg19Pooling.
 */
VGG19_API gboolean vgg19_session_set_pooling (Vgg19Session * session,
    Vgg19Pooling pooling, GError ** error);

/** vgg19_session_get_pooling: Returns: the session's pooling. */
VGG19_API Vgg19Pooling vgg19_session_get_pooling (const Vgg19Session *
    session);

/** vgg19_session_free: frees the session and drops its model reference. */
VGG19_API void vgg19_session_free (Vgg19Session * session);

/* ------------------------------------------------------------------ */
/* Preprocessing                                                        */
/* ------------------------------------------------------------------ */

/**
 * Vgg19Resize:
 * @VGG19_RESIZE_STRETCH: bilinear to 224x224, antialiased when
 *   downscaling (torch's F.interpolate(mode="bilinear",
 *   align_corners=False, antialias=True)).
 * @VGG19_RESIZE_CROP: torchvision's evaluation transform: the short side
 *   to 256 (same filter), then the centre 224x224.
 * @VGG19_RESIZE_NONE: the native size.
 */
typedef enum
{
  VGG19_RESIZE_STRETCH,
  VGG19_RESIZE_CROP,
  VGG19_RESIZE_NONE,
} Vgg19Resize;

/**
 * vgg19_resize_from_string:
 * @name: "stretch", "crop" or "none".
 * @out: (out): the mode.
 * Returns: FALSE with @error set for any other name.
 */
VGG19_API gboolean vgg19_resize_from_string (const char *name,
    Vgg19Resize * out, GError ** error);

/** vgg19_resize_to_string: Returns: the mode's name. */
VGG19_API const char *vgg19_resize_to_string (Vgg19Resize mode);

/**
 * vgg19_preprocess_size:
 * @mode: resize mode.
 * @width: image width.
 * @height: image height.
 * @out_width: (out): network input width.
 * @out_height: (out): network input height.
 *
 * Returns: FALSE with @error set when the image is empty or, in
 * VGG19_RESIZE_NONE, smaller than VGG19_MIN_INPUT_SIDE.
 */
VGG19_API gboolean vgg19_preprocess_size (Vgg19Resize mode, guint width,
    guint height, guint * out_width, guint * out_height, GError ** error);

/**
 * Vgg19PackedImage:
 * @data: first byte of the top-left pixel.
 * @width: pixels per row.
 * @height: rows.
 * @stride: bytes between rows (may include padding).
 * @pixel_stride: bytes between pixels: 3 (RGB, BGR) or 4 (RGBx, BGRA...),
 *   1 for grey.
 * @r_offset: byte of red within a pixel (for grey, all three are 0).
 * @g_offset: byte of green.
 * @b_offset: byte of blue.
 *
 * An 8-bit image with interleaved channels in any order.
 */
typedef struct
{
  const guint8 *data;
  guint width;
  guint height;
  gsize stride;
  guint pixel_stride;
  guint r_offset;
  guint g_offset;
  guint b_offset;
} Vgg19PackedImage;

/**
 * vgg19_preprocess_packed:
 * @image: the image.
 * @mode: resize mode.
 * @out: 3 x out_height x out_width floats, sized with
 *   vgg19_preprocess_size().
 * @error: return location for an error.
 *
 * 8-bit RGB to [0, 1], resized as @mode says, then normalised with the
 * ImageNet mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225).
 * It builds the resize filter's tables for this one image; to preprocess
 * many images (a video), a #Vgg19Preprocessor keeps them.
 *
 * Returns: FALSE with @error set on an invalid image description.
 */
VGG19_API gboolean vgg19_preprocess_packed (const Vgg19PackedImage * image,
    Vgg19Resize mode, float *out, GError ** error);

/**
 * Vgg19Preprocessor:
 *
 * vgg19_preprocess_packed() for a stream of images: the same result, bit
 * for bit, without rebuilding the resize filter's tables and scratch rows
 * for every image. The tables are built for one image size (given to
 * vgg19_preprocessor_new(), or else that of the first image) and kept
 * while the images have that size; an image of another size rebuilds
 * them. run() allocates only then, so a video stream of the size given at
 * creation runs without allocating.
 *
 * A preprocessor is not thread-safe: use one per thread (or per stream).
 */
typedef struct _Vgg19Preprocessor Vgg19Preprocessor;

/**
 * vgg19_preprocessor_new:
 * @mode: resize mode.
 * @width: width of the images to come, or 0 when not known.
 * @height: height of the images to come, or 0 when not known.
 * @error: return location for an error.
 *
 * Builds the tables for @width x @height now, so that the first image of
 * that size is as quick as the next ones; with 0x0 they are built at the
 * first image.
 *
 * Returns: (transfer full): a preprocessor, or NULL with @error set:
 * VGG19_ERROR_INVALID_ARGUMENT when @mode is not a Vgg19Resize value, only
 * one side is 0, or @mode refuses the size (see vgg19_preprocess_size());
 * VGG19_ERROR_NO_MEMORY when the tables cannot be allocated.
 */
VGG19_API Vgg19Preprocessor *vgg19_preprocessor_new (Vgg19Resize mode,
    guint width, guint height, GError ** error);

/** vgg19_preprocessor_free: frees @pre; NULL is allowed. */
VGG19_API void vgg19_preprocessor_free (Vgg19Preprocessor * pre);

/** vgg19_preprocessor_get_resize: Returns: the mode @pre was made with. */
VGG19_API Vgg19Resize vgg19_preprocessor_get_resize (const Vgg19Preprocessor *
    pre);

/**
 * vgg19_preprocessor_set_output_size:
 * @pre: a preprocessor.
 * @width: network input width, or 0 to go back to the mode's sizes.
 * @height: network input height, or 0.
 * @error: return location for an error.
 *
 * Resizes every following image to exactly @width x @height, whatever its
 * mode, with the filter of VGG19_RESIZE_STRETCH (antialiased bilinear,
 * the aspect ratio not kept); an image already of that size is only
 * normalised. This is how a comparison brings two streams of different
 * sizes to one size. vgg19_preprocess_size() no longer tells the output
 * size: it is @width x @height.
 *
 * Returns: FALSE with @error set when only one side is 0 or the size is
 *   outside VGG19_MIN_INPUT_SIDE .. VGG19_MAX_INPUT_SIDE (and
 *   VGG19_MAX_INPUT_PIXELS).
 */
VGG19_API gboolean vgg19_preprocessor_set_output_size (Vgg19Preprocessor *
    pre, guint width, guint height, GError ** error);

/**
 * vgg19_preprocessor_get_output_size:
 * @pre: a preprocessor.
 * @width: an image's width.
 * @height: its height.
 * @out_width: (out): the width of the network input run() writes for it.
 * @out_height: (out): its height.
 * @error: return location for an error.
 *
 * vgg19_preprocess_size() for @pre's mode, or the size given to
 * vgg19_preprocessor_set_output_size().
 *
 * Returns: FALSE with @error set when the mode refuses the image.
 */
VGG19_API gboolean vgg19_preprocessor_get_output_size (const
    Vgg19Preprocessor * pre, guint width, guint height, guint * out_width,
    guint * out_height, GError ** error);

/**
 * vgg19_preprocessor_run:
 * @pre: a preprocessor.
 * @image: the image; any size, which may change from one call to the next.
 * @out: 3 x out_height x out_width floats, sized with
 *   vgg19_preprocess_size() for the preprocessor's mode and this image.
 * @error: return location for an error.
 *
 * Exactly what vgg19_preprocess_packed() computes for @image and the
 * preprocessor's mode.
 *
 * Returns: FALSE with @error set on an invalid image description, an image
 * the mode refuses (see vgg19_preprocess_size()) or a failed allocation of
 * the tables for a new size; @pre stays usable.
 */
VGG19_API gboolean vgg19_preprocessor_run (Vgg19Preprocessor * pre,
    const Vgg19PackedImage * image, float *out, GError ** error);

/* ------------------------------------------------------------------ */
/* Results                                                              */
/* ------------------------------------------------------------------ */

/**
 * vgg19_top_k:
 * @logits: @n_classes logits.
 * @n_classes: number of classes.
 * @k: entries wanted; clamped to @n_classes.
 * @classes: (out caller-allocates): k class indices, best first.
 * @scores: (out caller-allocates): their softmax probabilities.
 *
 * Ties are broken by the lower class index.
 *
 * Returns: the number of entries written (min(k, n_classes)).
 */
VGG19_API guint vgg19_top_k (const float *logits, guint n_classes, guint k,
    guint * classes, float *scores);

/**
 * Vgg19Loss:
 * @VGG19_LOSS_MSE: mean of squared differences (torch's F.mse_loss).
 * @VGG19_LOSS_L1: mean of absolute differences (torch's F.l1_loss).
 * @VGG19_LOSS_SSE: sum of squared differences (torch's
 *   F.mse_loss(reduction="sum")).
 */
typedef enum
{
  VGG19_LOSS_MSE,
  VGG19_LOSS_L1,
  VGG19_LOSS_SSE,
} Vgg19Loss;

/** vgg19_loss_from_string: parses "mse", "l1" or "sse"; FALSE with @error
 * otherwise. */
VGG19_API gboolean vgg19_loss_from_string (const char *name, Vgg19Loss * out,
    GError ** error);

/** vgg19_loss_to_string: Returns: "mse", "l1" or "sse". */
VGG19_API const char *vgg19_loss_to_string (Vgg19Loss loss);

/**
 * vgg19_loss:
 * @a: @n floats.
 * @b: @n floats.
 * @n: count, > 0.
 * @kind: the criterion.
 *
 * Returns: the mean over the @n elements (the sum for VGG19_LOSS_SSE),
 *   accumulated in double.
 */
VGG19_API double vgg19_loss (const float *a, const float *b, gsize n,
    Vgg19Loss kind);

/* ------------------------------------------------------------------ */
/* Labels                                                               */
/* ------------------------------------------------------------------ */

typedef struct _Vgg19Labels Vgg19Labels;

/**
 * vgg19_labels_load:
 * @path: (nullable): a text file with one class name per line, or NULL for
 *   $VGG19_LABELS, then the installed imagenet-classes.txt.
 * @error: return location for an error.
 *
 * Returns: (transfer full): the labels, or NULL with @error set (missing
 * file, or not exactly 1000 non-empty lines).
 */
VGG19_API Vgg19Labels *vgg19_labels_load (const char *path, GError ** error);

/** vgg19_labels_get: Returns: (transfer none): the name of @index, or NULL. */
VGG19_API const char *vgg19_labels_get (const Vgg19Labels * labels,
    guint index);

/** vgg19_labels_get_count: Returns: the number of labels. */
VGG19_API guint vgg19_labels_get_count (const Vgg19Labels * labels);

/** vgg19_labels_free: frees @labels; NULL is allowed. */
VGG19_API void vgg19_labels_free (Vgg19Labels * labels);

G_END_DECLS

#endif /* VGG19_VGG19_H */
