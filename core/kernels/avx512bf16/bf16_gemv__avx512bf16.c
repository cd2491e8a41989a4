/* bf16 Linear layer, AVX512_BF16, in the summation order of bf16_gemv.h.
 *
 * The layer is memory-bound: each weight is read once, and one VDPBF16PS
 * consumes a whole cache line of weights (32 bf16) for 32 multiply-adds,
 * so the arithmetic could go many times faster than memory delivers. What
 * matters is keeping enough cache-line requests in flight: ROWS rows are
 * read side by side, each a sequential stream the hardware prefetcher
 * follows, with a software prefetch PREFETCH_LINES ahead in every stream
 * to cover the prefetcher's ramp-up at the start of each group of rows.
 * Each row has one accumulator (its 16 lane sums), and a chunk of x,
 * loaded once, serves all ROWS rows.
 */
#include <immintrin.h>

#include "bf16_gemv.h"

#define ALWAYS_INLINE inline __attribute__ ((always_inline))

#define ROWS 4
#define PREFETCH_LINES 8

G_STATIC_ASSERT (VGG19_BF16_GEMV_CHUNK == 32);

#define FOR_EACH_ROW(M) M (0) M (1) M (2) M (3)

/* The fold of bf16_gemv.h, then the bias. */
static ALWAYS_INLINE float
fold (__m512 s, float bias)
{
  __m256 s8 = _mm256_add_ps (_mm512_castps512_ps256 (s),
      _mm512_extractf32x8_ps (s, 1));
  __m128 s4 = _mm_add_ps (_mm256_castps256_ps128 (s8),
      _mm256_extractf128_ps (s8, 1));
  __m128 s2 = _mm_add_ps (s4, _mm_movehl_ps (s4, s4));
  __m128 s1 = _mm_add_ss (s2, _mm_movehdup_ps (s2));

  return _mm_cvtss_f32 (s1) + bias;
}

#define ROW_DECLARE(r) \
  const guint16 *w##r = w + (r < nr ? r : 0) * ldw; \
  __m512 acc##r = _mm512_setzero_ps ();

#define ROW_CHUNK(r) \
  if (r < nr) { \
    _mm_prefetch ((const char *) (w##r + i) + 64 * PREFETCH_LINES, \
        _MM_HINT_T0); \
    acc##r = _mm512_dpbf16_ps (acc##r, \
        (__m512bh) _mm512_loadu_si512 (w##r + i), xv); \
  }

#define ROW_TAIL(r) \
  if (r < nr) \
    acc##r = _mm512_dpbf16_ps (acc##r, \
        (__m512bh) _mm512_maskz_loadu_epi16 (mask, w##r + i), xv);

#define ROW_STORE(r) \
  if (r < nr) \
    y[r] = fold (acc##r, bias != NULL ? bias[r] : 0.0f);

/* nr (compile-time) consecutive rows starting at w; y and bias point at
 * the first row's entries. */
static ALWAYS_INLINE void
rows_dot (const guint16 * w, gsize ldw, const float *bias, const guint16 * x,
    guint in, float *y, const int nr)
{
  const guint full = in & ~31u;
  guint i;

  FOR_EACH_ROW (ROW_DECLARE);

  for (i = 0; i < full; i += 32) {
    const __m512bh xv = (__m512bh) _mm512_loadu_si512 (x + i);

    FOR_EACH_ROW (ROW_CHUNK);
  }
  if (full < in) {
    /* Masked-off elements load as zero, the padding the order asks. */
    const __mmask32 mask = _cvtu32_mask32 ((1u << (in - full)) - 1u);
    const __m512bh xv = (__m512bh) _mm512_maskz_loadu_epi16 (mask, x + i);

    FOR_EACH_ROW (ROW_TAIL);
  }
  FOR_EACH_ROW (ROW_STORE);
}

void
vgg19_bf16_gemv__avx512bf16 (const guint16 * w, gsize ldw, const float *bias,
    const guint16 * x, guint in, float *y, guint row_begin, guint row_end)
{
  guint o = row_begin;

  for (; o + ROWS <= row_end; o += ROWS)
    rows_dot (w + (gsize) o * ldw, ldw, bias != NULL ? bias + o : NULL, x,
        in, y + o, ROWS);
  for (; o < row_end; o++)
    rows_dot (w + (gsize) o * ldw, ldw, bias != NULL ? bias + o : NULL, x,
        in, y + o, 1);
}
