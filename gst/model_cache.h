/* Process-wide sharing of loaded models.
 *
 * A VGG-19 weight file is half a gigabyte once in memory; every vgg19
 * element of a process that uses the same file shares one Vgg19Model. */
#ifndef GST_VGG19_MODEL_CACHE_H
#define GST_VGG19_MODEL_CACHE_H

#include <vgg19/vgg19.h>

G_BEGIN_DECLS

/* The model of the weight file @path, loaded on first use. Two paths name
 * the same file when they resolve (symbolic links included) to the same
 * file with the same size and modification time; a file replaced on disk
 * is loaded again. Thread-safe; a second caller asking for a file being
 * loaded waits for that load instead of starting another.
 *
 * Returns: (transfer full): the model (release it with
 * gst_vgg19_model_cache_release()), or NULL with @error set as
 * vgg19_model_load() sets it. */
Vgg19Model *gst_vgg19_model_cache_acquire (const char *path, GError ** error);

/* Gives back a model from gst_vgg19_model_cache_acquire(); the last user
 * of a file frees its model. NULL is allowed. */
void gst_vgg19_model_cache_release (Vgg19Model * model);

/* Number of models held: for the tests. */
guint gst_vgg19_model_cache_get_size (void);

G_END_DECLS

#endif /* GST_VGG19_MODEL_CACHE_H */
