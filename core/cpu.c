/* CPU feature detection and ISA selection.
 *
 * A feature is usable only when the CPU reports it (CPUID) *and* the OS
 * saves the matching registers on context switches (XCR0, read with
 * XGETBV). A CPU with AVX-512 under an OS or hypervisor that does not
 * enable the ZMM state would fault on the first AVX-512 instruction, so the
 * XCR0 check is not optional. XGETBV itself is only legal when CPUID says
 * OSXSAVE, hence that bit is tested first.
 */
#include <string.h>
#include <unistd.h>

#include "cpu.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define VGG19_CPU_X86 1
#endif

/* CPUID.1:ECX */
#define LEAF1_ECX_FMA (1u << 12)
#define LEAF1_ECX_OSXSAVE (1u << 27)
#define LEAF1_ECX_AVX (1u << 28)
/* CPUID.(7,0):EBX */
#define LEAF7_EBX_AVX2 (1u << 5)
#define LEAF7_EBX_AVX512F (1u << 16)
#define LEAF7_EBX_AVX512DQ (1u << 17)
#define LEAF7_EBX_AVX512BW (1u << 30)
#define LEAF7_EBX_AVX512VL (1u << 31)
/* CPUID.(7,1):EAX */
#define LEAF7_1_EAX_AVX512_BF16 (1u << 5)
/* XCR0: SSE (XMM) and AVX (upper YMM) state; AVX-512 opmask, upper halves
 * of ZMM0-15 and ZMM16-31. */
#define XCR0_XMM_YMM ((1u << 1) | (1u << 2))
#define XCR0_OPMASK_ZMM ((1u << 5) | (1u << 6) | (1u << 7))

typedef struct
{
  gboolean avx2;                /* AVX2 + FMA, YMM state enabled */
  gboolean avx512;              /* F, DQ, BW, VL + avx2; ZMM state enabled */
  gboolean avx512_bf16;         /* AVX512_BF16 + avx512 */
} CpuFeatures;

#ifdef VGG19_CPU_X86
static guint64
read_xcr0 (void)
{
  guint32 lo, hi;

  /* The mnemonic needs no -mxsave: only the assembler sees it, and this
   * is reached only after CPUID reported OSXSAVE. */
  __asm__ volatile ("xgetbv":"=a" (lo), "=d" (hi):"c" (0));
  return ((guint64) hi << 32) | lo;
}
#endif

static void
detect_features (CpuFeatures * f)
{
#ifdef VGG19_CPU_X86
  unsigned int eax, ebx, ecx, edx;
  unsigned int leaf1_ecx, leaf7_ebx, leaf7_max_sub, leaf7_1_eax = 0;
  guint64 xcr0;
  gboolean ymm_state, zmm_state;

  memset (f, 0, sizeof (*f));
  if (!__get_cpuid_count (1, 0, &eax, &ebx, &ecx, &edx))
    return;
  leaf1_ecx = ecx;
  if (!(leaf1_ecx & LEAF1_ECX_OSXSAVE))
    return;

  xcr0 = read_xcr0 ();
  ymm_state = (xcr0 & XCR0_XMM_YMM) == XCR0_XMM_YMM;
  zmm_state = ymm_state && (xcr0 & XCR0_OPMASK_ZMM) == XCR0_OPMASK_ZMM;

  /* __get_cpuid_count() fails when leaf 7 is above the maximum leaf. */
  if (!__get_cpuid_count (7, 0, &eax, &ebx, &ecx, &edx))
    return;
  leaf7_ebx = ebx;
  leaf7_max_sub = eax;
  if (leaf7_max_sub >= 1 && __get_cpuid_count (7, 1, &eax, &ebx, &ecx, &edx))
    leaf7_1_eax = eax;

  f->avx2 = ymm_state
      && (leaf1_ecx & LEAF1_ECX_AVX)
      && (leaf1_ecx & LEAF1_ECX_FMA)
      && (leaf7_ebx & LEAF7_EBX_AVX2);
  f->avx512 = f->avx2 && zmm_state
      && (leaf7_ebx & LEAF7_EBX_AVX512F)
      && (leaf7_ebx & LEAF7_EBX_AVX512DQ)
      && (leaf7_ebx & LEAF7_EBX_AVX512BW)
      && (leaf7_ebx & LEAF7_EBX_AVX512VL);
  f->avx512_bf16 = f->avx512 && (leaf7_1_eax & LEAF7_1_EAX_AVX512_BF16);
#else
  memset (f, 0, sizeof (*f));
#endif
}

static const CpuFeatures *
cpu_features (void)
{
  static CpuFeatures features;
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    detect_features (&features);
    g_once_init_leave (&done, 1);
  }
  return &features;
}

gboolean
vgg19_cpu_supports (Vgg19Isa isa)
{
  const CpuFeatures *f = cpu_features ();

  switch (isa) {
    case VGG19_ISA_PORTABLE:
      return TRUE;
    case VGG19_ISA_AVX2:
      return f->avx2;
    case VGG19_ISA_AVX512:
      return f->avx512;
  }
  return FALSE;
}

gboolean
vgg19_cpu_has_avx512_bf16 (void)
{
  return cpu_features ()->avx512_bf16;
}

gsize
vgg19_cpu_l2_bytes (void)
{
  static gsize l2 = 0;

  if (g_once_init_enter (&l2)) {
    long bytes = -1;

#ifdef _SC_LEVEL2_CACHE_SIZE
    bytes = sysconf (_SC_LEVEL2_CACHE_SIZE);
#endif
    /* 0 or -1 where the C library cannot tell (some hypervisors hide the
     * cache leaves); 1 MiB is the L2 of most AVX-512 cores (Skylake-SP,
     * Zen 4 and 5). */
    g_once_init_leave (&l2, bytes > 0 ? (gsize) bytes : (gsize) 1 << 20);
  }
  return l2;
}

const char *
vgg19_isa_name (Vgg19Isa isa)
{
  switch (isa) {
    case VGG19_ISA_PORTABLE:
      return "portable";
    case VGG19_ISA_AVX2:
      return "avx2";
    case VGG19_ISA_AVX512:
      return "avx512";
  }
  return "unknown";
}

Vgg19Isa
vgg19_cpu_apply_disable (Vgg19Isa best, const char *disable, guint * n_unknown)
{
  Vgg19Isa isa = best;
  guint unknown = 0;
  char **names;
  guint i;

  if (disable != NULL) {
    names = g_strsplit_set (disable, ", \t", -1);
    for (i = 0; names[i] != NULL; i++) {
      const char *name = names[i];

      if (*name == '\0')
        continue;               /* "avx2, avx512" splits into an empty name */
      /* An ISA is disabled by capping the choice just below it. */
      if (g_ascii_strcasecmp (name, "avx512") == 0)
        isa = MIN (isa, VGG19_ISA_AVX2);
      else if (g_ascii_strcasecmp (name, "avx2") == 0)
        isa = MIN (isa, VGG19_ISA_PORTABLE);
      else if (g_ascii_strcasecmp (name, "bf16") != 0
          && g_ascii_strcasecmp (name, "winograd") != 0)
        unknown++;              /* "bf16" and "winograd" are read elsewhere */
    }
    g_strfreev (names);
  }
  if (n_unknown != NULL)
    *n_unknown = unknown;
  return isa;
}

static Vgg19Isa
choose_isa (void)
{
  Vgg19Isa best = VGG19_ISA_PORTABLE, isa;
  const char *disable = g_getenv ("VGG19_DISABLE");
  guint n_unknown;

  if (vgg19_cpu_supports (VGG19_ISA_AVX512))
    best = VGG19_ISA_AVX512;
  else if (vgg19_cpu_supports (VGG19_ISA_AVX2))
    best = VGG19_ISA_AVX2;

  isa = vgg19_cpu_apply_disable (best, disable, &n_unknown);
  if (n_unknown > 0)
    g_warning ("VGG19_DISABLE=\"%s\": %u unknown name(s) ignored "
        "(expected \"avx512\", \"avx2\", \"bf16\" or \"winograd\", "
        "separated by commas or spaces)", disable, n_unknown);
  if (isa != best)
    g_info ("using %s kernels (the CPU supports %s; VGG19_DISABLE=\"%s\")",
        vgg19_isa_name (isa), vgg19_isa_name (best), disable);
  else
    g_info ("using %s kernels", vgg19_isa_name (isa));
  return isa;
}

Vgg19Isa
vgg19_cpu_isa (void)
{
  static gsize chosen = 0;      /* ISA + 1, so that 0 means "not yet" */

  if (g_once_init_enter (&chosen))
    g_once_init_leave (&chosen, (gsize) choose_isa () + 1);
  return (Vgg19Isa) (chosen - 1);
}

/* TRUE when the list @disable has @name (case-insensitive). */
static gboolean
disable_names (const char *disable, const char *name)
{
  gboolean named = FALSE;
  char **names;
  guint i;

  if (disable == NULL)
    return FALSE;
  names = g_strsplit_set (disable, ", \t", -1);
  for (i = 0; names[i] != NULL; i++)
    named |= g_ascii_strcasecmp (names[i], name) == 0;
  g_strfreev (names);
  return named;
}

gboolean
vgg19_cpu_apply_disable_winograd (const char *disable)
{
  return !disable_names (disable, "winograd");
}

gboolean
vgg19_cpu_use_winograd (void)
{
  static gsize chosen = 0;      /* 1 + the answer, so that 0 means "not yet" */

  if (g_once_init_enter (&chosen)) {
    const char *disable = g_getenv ("VGG19_DISABLE");
    gboolean use = vgg19_cpu_apply_disable_winograd (disable);

    g_info ("3x3 convolutions with >= 64 input channels: %s",
        use ? "Winograd F(4x4, 3x3)" :
        "direct (VGG19_DISABLE names \"winograd\")");
    g_once_init_leave (&chosen, (gsize) use + 1);
  }
  return chosen - 1;
}

gboolean
vgg19_cpu_apply_disable_bf16 (gboolean has_bf16, const char *disable)
{
  if (!has_bf16)
    return FALSE;
  /* AVX512_BF16 code is AVX-512 code: whatever caps the ISA below AVX-512
   * rules it out too. */
  if (vgg19_cpu_apply_disable (VGG19_ISA_AVX512, disable, NULL) !=
      VGG19_ISA_AVX512)
    return FALSE;
  return !disable_names (disable, "bf16");
}

gboolean
vgg19_cpu_use_avx512_bf16 (void)
{
  static gsize chosen = 0;      /* 1 + the answer, so that 0 means "not yet" */

  if (g_once_init_enter (&chosen)) {
    gboolean has = vgg19_cpu_has_avx512_bf16 ();
    const char *disable = g_getenv ("VGG19_DISABLE");
    gboolean use = vgg19_cpu_apply_disable_bf16 (has, disable);

    if (has && !use)
      g_info ("bf16 kernels: portable (the CPU has AVX512_BF16; "
          "VGG19_DISABLE=\"%s\")", disable);
    else
      g_info ("bf16 kernels: %s", use ? "avx512bf16" : "portable");
    g_once_init_leave (&chosen, (gsize) use + 1);
  }
  return chosen - 1;
}
