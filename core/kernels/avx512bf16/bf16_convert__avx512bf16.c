/* float32 -> bf16 arrays with VCVTNE2PS2BF16 (32 values per instruction);
 * bf16.h describes the rounding, which vgg19_f32_to_bf16() mirrors. */
#include <immintrin.h>

#include "bf16.h"

void
vgg19_f32_to_bf16_array__avx512bf16 (const float *src, guint16 * dst,
    gsize n)
{
  gsize i = 0;

  for (; i + 32 <= n; i += 32) {
    /* The second operand fills the low half of the result. */
    __m512bh h = _mm512_cvtne2ps_pbh (_mm512_loadu_ps (src + i + 16),
        _mm512_loadu_ps (src + i));

    _mm512_storeu_si512 (dst + i, (__m512i) h);
  }
  if (i < n) {
    const guint rest = (guint) (n - i);         /* 1 .. 31 */
    const __mmask16 lo = _cvtu32_mask16 (rest >= 16 ? 0xffffu :
        (1u << rest) - 1u);
    const __mmask16 hi = _cvtu32_mask16 (rest > 16 ?
        (1u << (rest - 16)) - 1u : 0u);
    __m512bh h = _mm512_cvtne2ps_pbh (_mm512_maskz_loadu_ps (hi,
            src + i + 16), _mm512_maskz_loadu_ps (lo, src + i));

    _mm512_mask_storeu_epi16 (dst + i, _cvtu32_mask32 ((1u << rest) - 1u),
        (__m512i) h);
  }
}
