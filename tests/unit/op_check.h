/* SPDX-License-Identifier: BSD-3-Clause */
/* Checks shared by the operator suites (tests/unit/op.c, op_sparse.c): two operators of the same
   matrix against each other, with bounds derived from eps. */
#ifndef RLA_TEST_OP_CHECK_H
#define RLA_TEST_OP_CHECK_H

#include <stdint.h>

#include "rla/op.h"

/* The residual pass (rla_op_residual_local) of ops[0] and ops[1], two operators of the m x n
   matrix entry() set up for nb >= 3 vectors, summed over the ranks: for all nb columns of a B,
   for its first column alone, and for its column 2 alone (cols), with X (n x nv, leading
   dimension n + pad) and each rank's rows of B (leading dimension max(lm, 1) + pad). 1 when g,
   ||R||^2, ||B||^2 and the squared column norms agree within the bounds of op_check.c on this
   rank. Collective. */
int rla_test_residuals_close(rla_op ops[2], double (*entry)(int64_t, int64_t, void *), int64_t nb,
                             int64_t pad);

#endif
