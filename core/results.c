/* Turning network outputs into answers: the k most likely classes with
 * their softmax probabilities, and the feature-map losses. */
#include <math.h>

#include <vgg19/vgg19.h>

/* Ordering of the top-k list: higher logit first, then lower index. NaN
 * logits rank below every number so they never push out a real class. */
static gboolean
ranks_before (float a, guint a_index, float b, guint b_index)
{
  if (isnan (a))
    return isnan (b) && a_index < b_index;
  if (isnan (b))
    return TRUE;
  if (a != b)
    return a > b;
  return a_index < b_index;
}

guint
vgg19_top_k (const float *logits, guint n_classes, guint k, guint * classes,
    float *scores)
{
  double max = -INFINITY, sum = 0.0;
  guint n = 0, i, j, n_at_max = 0;

  if (logits == NULL || classes == NULL || n_classes == 0 || k == 0)
    return 0;
  k = MIN (k, n_classes);

  /* Insertion into the caller's array, kept sorted: k is small (usually
   * 5) and n_classes is 1000, so this beats sorting everything. Scanning
   * in index order means an equal logit never displaces an earlier one. */
  for (i = 0; i < n_classes; i++) {
    if (n == k && !ranks_before (logits[i], i, logits[classes[n - 1]],
            classes[n - 1]))
      continue;
    j = n < k ? n++ : n - 1;
    while (j > 0 && ranks_before (logits[i], i, logits[classes[j - 1]],
            classes[j - 1])) {
      classes[j] = classes[j - 1];
      j--;
    }
    classes[j] = i;
  }

  if (scores == NULL)
    return n;

  /* Softmax shifted by the maximum so exp() never overflows. */
  for (i = 0; i < n_classes; i++)
    if (!isnan (logits[i]) && logits[i] > max)
      max = logits[i];
  if (isinf (max)) {
    /* All -inf (uniform) or some +inf (they share everything). */
    for (i = 0; i < n_classes; i++)
      if (logits[i] == max)
        n_at_max++;
    for (j = 0; j < n; j++)
      scores[j] = logits[classes[j]] == max ? (float) (1.0 / n_at_max) : 0.0f;
    return n;
  }
  for (i = 0; i < n_classes; i++)
    sum += exp ((double) logits[i] - max);
  for (j = 0; j < n; j++)
    scores[j] = (float) (exp ((double) logits[classes[j]] - max) / sum);
  return n;
}

gboolean
vgg19_loss_from_string (const char *name, Vgg19Loss * out, GError ** error)
{
  Vgg19Loss loss;

  if (g_strcmp0 (name, "mse") == 0)
    loss = VGG19_LOSS_MSE;
  else if (g_strcmp0 (name, "l1") == 0)
    loss = VGG19_LOSS_L1;
  else if (g_strcmp0 (name, "sse") == 0)
    loss = VGG19_LOSS_SSE;
  else {
    g_set_error (error, VGG19_ERROR, VGG19_ERROR_INVALID_ARGUMENT,
        "unknown loss \"%s\" (expected \"mse\", \"l1\" or \"sse\")",
        name ? name : "(null)");
    return FALSE;
  }
  if (out)
    *out = loss;
  return TRUE;
}

const char *
vgg19_loss_to_string (Vgg19Loss loss)
{
  switch (loss) {
    case VGG19_LOSS_MSE:
      return "mse";
    case VGG19_LOSS_L1:
      return "l1";
    case VGG19_LOSS_SSE:
      return "sse";
  }
  return "unknown";
}

double
vgg19_loss (const float *a, const float *b, gsize n, Vgg19Loss kind)
{
  double sum = 0.0;
  gsize i;

  /* The mean of nothing is undefined; torch answers NaN as well. */
  if (a == NULL || b == NULL || n == 0)
    return NAN;

  switch (kind) {
    case VGG19_LOSS_MSE:
    case VGG19_LOSS_SSE:
      for (i = 0; i < n; i++) {
        double d = (double) a[i] - (double) b[i];
        sum += d * d;
      }
      break;
    case VGG19_LOSS_L1:
      for (i = 0; i < n; i++)
        sum += fabs ((double) a[i] - (double) b[i]);
      break;
    default:
      return NAN;
  }
  return kind == VGG19_LOSS_SSE ? sum : sum / (double) n;
}
