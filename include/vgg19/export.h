/* vgg19 — symbol visibility.
 *
 * The library is built with hidden visibility by default; only declarations
 * marked VGG19_API are exported from the shared object.
 */
#ifndef VGG19_EXPORT_H
#define VGG19_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define VGG19_API __attribute__((visibility("default")))
#else
#define VGG19_API
#endif

#endif /* VGG19_EXPORT_H */
