/* The float32 Linear kernel of f32_gemv.h, written once on 16-lane
 * vectors (vec16.h) and compiled by each ISA's library. Private. */
#ifndef VGG19_KERNELS_F32_GEMV_BODY_H
#define VGG19_KERNELS_F32_GEMV_BODY_H

#include "f32_gemv.h"
#include "vec16.h"

#define GEMV_ROWS 4

static inline float
gemv_fold (Vgg19Vec16 s, guint in, const float *w, const float *x)
{
  float lanes[16], sum;
  guint l, i;

  VGG19_VEC16_STORE (lanes, s);
  for (l = 0; l < 8; l++)
    lanes[l] += lanes[l + 8];
  for (l = 0; l < 4; l++)
    lanes[l] += lanes[l + 4];
  sum = (lanes[0] + lanes[2]) + (lanes[1] + lanes[3]);
  /* The tail of a row whose length is not a multiple of 16. */
  for (i = in / 16 * 16; i < in; i++)
    sum += w[i] * x[i];
  return sum;
}

static inline void
gemv_rows (const float *w, const float *bias, const float *x, guint in,
    float *y, guint row_begin, guint row_end)
{
  const guint in16 = in / 16 * 16;
  const Vgg19Vec16 zero = { 0 };
  guint o, i, r;

  for (o = row_begin; o < row_end; o += GEMV_ROWS) {
    const guint nr = MIN (GEMV_ROWS, row_end - o);

    if (nr == GEMV_ROWS) {
      const float *w0 = w + (gsize) o * in, *w1 = w0 + in, *w2 = w1 + in,
          *w3 = w2 + in;
      Vgg19Vec16 s0 = zero, s1 = zero, s2 = zero, s3 = zero;

      for (i = 0; i < in16; i += 16) {
        const Vgg19Vec16 xv = VGG19_VEC16_LOAD (x + i);

        s0 += VGG19_VEC16_LOAD (w0 + i) * xv;
        s1 += VGG19_VEC16_LOAD (w1 + i) * xv;
        s2 += VGG19_VEC16_LOAD (w2 + i) * xv;
        s3 += VGG19_VEC16_LOAD (w3 + i) * xv;
      }
      y[o] = bias[o] + gemv_fold (s0, in, w0, x);
      y[o + 1] = bias[o + 1] + gemv_fold (s1, in, w1, x);
      y[o + 2] = bias[o + 2] + gemv_fold (s2, in, w2, x);
      y[o + 3] = bias[o + 3] + gemv_fold (s3, in, w3, x);
    } else {
      for (r = o; r < o + nr; r++) {
        const float *wr = w + (gsize) r * in;
        Vgg19Vec16 s = zero;

        for (i = 0; i < in16; i += 16)
          s += VGG19_VEC16_LOAD (wr + i) * VGG19_VEC16_LOAD (x + i);
        y[r] = bias[r] + gemv_fold (s, in, wr, x);
      }
    }
  }
}

#endif /* VGG19_KERNELS_F32_GEMV_BODY_H */
