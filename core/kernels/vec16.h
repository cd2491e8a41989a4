/* Sixteen float32 lanes as one value (one channel block, or sixteen
 * consecutive weights), for kernels written once and compiled by each
 * ISA's library. Private to the core.
 *
 * GCC's vector extension lowers the type to whatever the including file
 * is compiled for: one zmm, two ymm or four xmm per operation. aligned (4)
 * so loads and stores make no alignment assumption.
 */
#ifndef VGG19_KERNELS_VEC16_H
#define VGG19_KERNELS_VEC16_H

#include <glib.h>

typedef float Vgg19Vec16 __attribute__ ((vector_size (16 * sizeof (float)),
        aligned (4)));
typedef gint32 Vgg19Mask16 __attribute__ ((vector_size (16 *
            sizeof (gint32)), aligned (4)));

/* Macros rather than functions: a function taking or returning a 64-byte
 * vector would have a different ABI in each ISA's build. */
#define VGG19_VEC16_LOAD(p) (*(const Vgg19Vec16 *) (p))
#define VGG19_VEC16_STORE(p, x) (*(Vgg19Vec16 *) (p) = (x))

#endif /* VGG19_KERNELS_VEC16_H */
