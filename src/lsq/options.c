/* SPDX-License-Identifier: BSD-3-Clause */
/* The options of the least-squares solver: one description (names, help, ranges, current
   values, setters) read by rla_lsq_set_from_options, listed by the drivers and read by the
   PETSc plugin. */
#include <math.h>

#include "../base/option_access.h"
#include "lsq_impl.h"

#define LSQ struct rla_lsq_s

/* the seed, checked for a sign before the unsigned setter */
static rla_err set_seed_checked(void *o, int64_t seed)
{
  RLA_CALL(((LSQ *)o)->ctx, rla_option_seed(((LSQ *)o)->ctx, seed));
  return rla_lsq_set_seed(o, (uint64_t)seed);
}

RLA_OPTION_ACCESS(LSQ, method, i, method, 1, rla_lsq_set_method, rla_lsq_method)
RLA_OPTION_ACCESS(LSQ, sketch, i, sketch_choice, v->i >= 0, rla_lsq_set_sketch_type,
                  rla_sketch_type)
RLA_OPTION_ACCESS(LSQ, oversample, r, gamma, 1, rla_lsq_set_oversample, double)
RLA_OPTION_ACCESS(LSQ, rows, i, sketch_rows, 1, rla_lsq_set_sketch_rows, int64_t)
RLA_OPTION_ACCESS(LSQ, seed, i, seed, 1, set_seed_checked, int64_t)
RLA_OPTION_ACCESS(LSQ, tol, r, tol, 1, rla_lsq_set_tol, double)
RLA_OPTION_ACCESS(LSQ, iters, i, max_iterations, 1, rla_lsq_set_max_iterations, int64_t)
RLA_OPTION_ACCESS(LSQ, rank_tol, r, rank_tol, 1, rla_lsq_set_rank_tol, double)

static const rla_option_desc descs[] = {
    {"method", NULL, RLA_OPT_STRING,
     "accurate: sketch-preconditioned with refinement; solve: sketch-and-solve; direct: "
     "Householder QR (PDGELS; SuiteSparseQR on one rank for a sparse A when built with it)",
     1, 0, rla_lsq_method_names, 3, get_method, set_method},
    {"sketch", NULL, RLA_OPT_STRING,
     "sketch operator; without it, srht for a dense A and sparse (sparse sign) for a sparse A", 1,
     0, rla_sketch_type_names, 3, get_sketch, set_sketch},
    {"oversample", NULL, RLA_OPT_REAL,
     "sketch rows l = ceil(oversample (n + 1)), oversample in (1, 1000]; 0: the method's "
     "default, 4 for solve and for accurate 20 to 1000 from m and n (20 with gaussian; from 4 "
     "with the sparse sign on a sparse A)",
     1, 0, NULL, 0, get_oversample, set_oversample},
    {"sketch-rows", NULL, RLA_OPT_INT, "sketch rows l directly (0: from the oversampling)", 0,
     INFINITY, NULL, 0, get_rows, set_rows},
    {"seed", NULL, RLA_OPT_INT, "random seed of the sketch", 0, INFINITY, NULL, 0, get_seed,
     set_seed},
    {"tol", NULL, RLA_OPT_REAL,
     "accurate: target of the backward-error estimate, in (0, 1); the default is 2 eps", 0, 1, NULL,
     0, get_tol, set_tol},
    {"max-iterations", NULL, RLA_OPT_INT,
     "accurate: safety cap on iterations (the stopping rule is the backward error)", 0, INFINITY,
     NULL, 0, get_iters, set_iters},
    {"rank-tol", NULL, RLA_OPT_REAL,
     "drop singular values of the sketch below rank-tol * sigma_1, rank-tol < 1 (negative: "
     "30 sqrt(n) eps)",
     1, 0, NULL, 0, get_rank_tol, set_rank_tol},
};

const rla_option_desc *rla_lsq_options(int *n)
{
  *n = (int)(sizeof(descs) / sizeof(descs[0]));
  return descs;
}

rla_err rla_lsq_set_from_options(rla_lsq L, rla_options opts, const char *prefix)
{
  return rla_options_read(opts, prefix, descs, (int)(sizeof(descs) / sizeof(descs[0])), L);
}
