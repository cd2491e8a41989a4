/* The user's cache directory. Private to the core. */
#ifndef VGG19_CACHE_DIR_H
#define VGG19_CACHE_DIR_H

#include <glib.h>

G_BEGIN_DECLS

/* $XDG_CACHE_HOME when it is absolute, else ~/.cache (newly allocated).
 * Read from the environment on every call. */
char *vgg19_user_cache_dir (void);

G_END_DECLS

#endif /* VGG19_CACHE_DIR_H */
