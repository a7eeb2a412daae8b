/* SPDX-License-Identifier: BSD-3-Clause */
/* Magnitude and finiteness of local arrays, for the input checks. Internal. */
#ifndef RLA_FINITE_H
#define RLA_FINITE_H

#include <stdint.h>

/* The largest |a_ij| of the m x n column-major array a (leading dimension lda), 0 when it is
   empty, NaN when an entry is NaN or infinite; one read of the array. Local. */
double rla_max_abs(const double *a, int64_t m, int64_t n, int64_t lda);

#endif
