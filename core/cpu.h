/* CPU feature detection and ISA selection. Private to the core.
 *
 * The ISA is chosen once per process from CPUID feature bits together with
 * the OS's XSAVE state (XGETBV), never from the CPU family. The environment
 * variable VGG19_DISABLE lists ISAs to ignore ("avx512", "avx2", "bf16",
 * separated by commas or spaces; "winograd" turns that algorithm off), so every path can be tested on one
 * machine.
 */
#ifndef VGG19_CPU_H
#define VGG19_CPU_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  VGG19_ISA_PORTABLE = 0,
  VGG19_ISA_AVX2 = 1,           /* AVX2 + FMA */
  VGG19_ISA_AVX512 = 2,         /* AVX-512 F, BW, VL, DQ */
} Vgg19Isa;

/* Best ISA this CPU and OS support, minus VGG19_DISABLE. Detected once
 * (thread-safe); the choice is logged with g_info() in domain "vgg19". */
Vgg19Isa vgg19_cpu_isa (void);

/* TRUE when the CPU and OS support @isa (ignores VGG19_DISABLE). */
gboolean vgg19_cpu_supports (Vgg19Isa isa);

/* TRUE when the CPU has AVX512_BF16 (and AVX-512 is usable). */
gboolean vgg19_cpu_has_avx512_bf16 (void);

/* TRUE when the bf16 kernels are to use AVX512_BF16: the CPU has it and
 * VGG19_DISABLE names neither "bf16" nor "avx512" or "avx2" (which cap the
 * ISA below AVX-512). Decided once per process (thread-safe). */
gboolean vgg19_cpu_use_avx512_bf16 (void);

/* Bytes of the level-2 cache of one core, which the Winograd layers size
 * their per-thread scratch against: what the C library reports
 * (sysconf), else 1 MiB when it reports nothing. Read once per process
 * (thread-safe). */
gsize vgg19_cpu_l2_bytes (void);

/* "portable", "avx2" or "avx512". */
const char *vgg19_isa_name (Vgg19Isa isa);

/* The rule vgg19_cpu_isa() applies to VGG19_DISABLE, exposed so it can be
 * tested without touching the environment: the ISA to use when @best is
 * the best supported one and @disable (NULL or empty for none) lists names
 * to ignore, separated by commas or spaces, case-insensitive. Disabling
 * "avx2" also disables "avx512" (the AVX-512 kernels use AVX2 and FMA
 * too). "bf16" leaves the ISA as it is (see below). Unknown names are
 * skipped and counted in @n_unknown (optional). */
Vgg19Isa vgg19_cpu_apply_disable (Vgg19Isa best, const char *disable,
    guint * n_unknown);

/* The rule vgg19_cpu_use_avx512_bf16() applies: whether AVX512_BF16 is to
 * be used when @has_bf16 says the CPU has it and @disable is as above. */
gboolean vgg19_cpu_apply_disable_bf16 (gboolean has_bf16,
    const char *disable);

/* TRUE unless VGG19_DISABLE names "winograd", which makes every 3x3
 * convolution use the direct kernels (to compare the two algorithms).
 * Decided once per process. */
gboolean vgg19_cpu_use_winograd (void);

/* The rule vgg19_cpu_use_winograd() applies to @disable (as above). */
gboolean vgg19_cpu_apply_disable_winograd (const char *disable);

G_END_DECLS

#endif /* VGG19_CPU_H */
