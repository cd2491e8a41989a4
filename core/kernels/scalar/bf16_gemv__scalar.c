/* bf16 Linear layer, portable C, in the summation order of bf16_gemv.h.
 *
 * The 16 lane sums are an array updated lane by lane: each lane's
 * additions stay in order, which is all the order asks, and the compiler
 * is free to vectorise across lanes (SSE2 at least) without changing a
 * bit of the result.
 */
#include "bf16.h"
#include "bf16_gemv.h"

#define LANES VGG19_BF16_GEMV_LANES
#define CHUNK VGG19_BF16_GEMV_CHUNK

G_STATIC_ASSERT (CHUNK == 2 * LANES);

static inline void
add_chunk (float *s, const guint16 * w, const guint16 * x)
{
  guint l;

  for (l = 0; l < LANES; l++) {
    s[l] += vgg19_bf16_to_f32 (w[2 * l + 1]) * vgg19_bf16_to_f32 (x[2 * l +
            1]);
    s[l] += vgg19_bf16_to_f32 (w[2 * l]) * vgg19_bf16_to_f32 (x[2 * l]);
  }
}

static float
row_dot (const guint16 * w, const guint16 * x, guint in)
{
  float s[LANES] = { 0.0f };
  const guint full = in / CHUNK * CHUNK;
  guint i, l, half;

  for (i = 0; i < full; i += CHUNK)
    add_chunk (s, w + i, x + i);
  if (full < in) {
    /* The tail, padded with zeros: adding +0 products keeps the order
     * (and the sign of a zero sum) exactly as in a full chunk. */
    guint16 wt[CHUNK] = { 0 }, xt[CHUNK] = { 0 };

    memcpy (wt, w + full, (in - full) * sizeof (guint16));
    memcpy (xt, x + full, (in - full) * sizeof (guint16));
    add_chunk (s, wt, xt);
  }
  for (half = LANES / 2; half > 0; half /= 2)
    for (l = 0; l < half; l++)
      s[l] += s[l + half];
  return s[0];
}

void
vgg19_bf16_gemv__scalar (const guint16 * w, gsize ldw, const float *bias,
    const guint16 * x, guint in, float *y, guint row_begin, guint row_end)
{
  guint o;

  for (o = row_begin; o < row_end; o++) {
    /* + 0 without a bias, as the AVX512_BF16 kernel does: a -0 sum then
     * gives +0 on both. */
    y[o] = row_dot (w + (gsize) o * ldw, x, in) + (bias != NULL ? bias[o] :
        0.0f);
  }
}
