/* SPDX-License-Identifier: BSD-3-Clause */
/* Largest magnitude of a column-major array, with NaN for any NaN or infinite entry, at the
   speed of reading it: eight running maxima of |x|, and eight running sums of x * 0, which is 0
   for a finite x and NaN otherwise (a NaN stays in a sum, where a maximum would drop it). No
   branch per entry; the callers scan for positions only when this finds something. */
#include <math.h>
#include <stdint.h>

#include "finite.h"
#include "vec8.h"

KERNEL double rla_max_abs(const double *a, int64_t m, int64_t n, int64_t lda)
{
  const v8i magnitude = {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX,
                         INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX};
  double mx = 0.0, nan_sum = 0.0;
  for (int64_t j = 0; j < n; j++) {
    const double *c = a + j * lda;
    v8d s = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0}, v = s;
    int64_t i = 0;
    for (; i + 8 <= m; i += 8) {
      v8d x = load8(c + i), ax = (v8d)((v8i)x & magnitude);
      v8i up = ax > v;
      v = (v8d)(((v8i)ax & up) | ((v8i)v & ~up));
      s += x * 0.0;
    }
    for (; i < m; i++) {
      mx = fabs(c[i]) > mx ? fabs(c[i]) : mx;
      nan_sum += c[i] * 0.0;
    }
    for (int k = 0; k < 8; k++) {
      mx = v[k] > mx ? v[k] : mx;
      nan_sum += s[k];
    }
    if (nan_sum != nan_sum) return NAN;
  }
  return mx;
}
