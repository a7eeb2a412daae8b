/* SPDX-License-Identifier: BSD-3-Clause */
/* The options of the least-squares solver: one description (names, help, ranges, current
   values, setters) read by rla_lsq_set_from_options, listed by the drivers and read by the
   PETSc plugin. */
#include <math.h>

#include "lsq_impl.h"
#include "rla/options.h"

#define LSQ(o) ((const struct rla_lsq_s *)(o))

static int get_method(const void *o, rla_option_value *v) { return (v->i = LSQ(o)->method), 1; }
static rla_err set_method(void *o, rla_option_value v)
{
  return rla_lsq_set_method(o, (rla_lsq_method)v.i);
}
static int get_sketch(const void *o, rla_option_value *v)
{
  return (v->i = LSQ(o)->sketch_type), 1;
}
static rla_err set_sketch(void *o, rla_option_value v)
{
  return rla_lsq_set_sketch_type(o, (rla_sketch_type)v.i);
}
static int get_oversample(const void *o, rla_option_value *v) { return (v->r = LSQ(o)->gamma), 1; }
static rla_err set_oversample(void *o, rla_option_value v) { return rla_lsq_set_oversample(o, v.r); }
static int get_rows(const void *o, rla_option_value *v) { return (v->i = LSQ(o)->sketch_rows), 1; }
static rla_err set_rows(void *o, rla_option_value v) { return rla_lsq_set_sketch_rows(o, v.i); }
static int get_seed(const void *o, rla_option_value *v)
{
  return (v->i = (int64_t)LSQ(o)->seed), 1;
}
static rla_err set_seed(void *o, rla_option_value v)
{
  RLA_CHECK(LSQ(o)->ctx, v.i >= 0, RLA_ERR_ARG, "seed %lld: it must be non-negative",
            (long long)v.i);
  return rla_lsq_set_seed(o, (uint64_t)v.i);
}
static int get_tol(const void *o, rla_option_value *v) { return (v->r = LSQ(o)->tol), 1; }
static rla_err set_tol(void *o, rla_option_value v) { return rla_lsq_set_tol(o, v.r); }
static int get_iters(const void *o, rla_option_value *v)
{
  return (v->i = LSQ(o)->max_iterations), 1;
}
static rla_err set_iters(void *o, rla_option_value v) { return rla_lsq_set_max_iterations(o, v.i); }
static int get_rank_tol(const void *o, rla_option_value *v) { return (v->r = LSQ(o)->rank_tol), 1; }
static rla_err set_rank_tol(void *o, rla_option_value v) { return rla_lsq_set_rank_tol(o, v.r); }

static const rla_option_desc descs[] = {
    {"method", NULL, RLA_OPT_STRING,
     "accurate: sketch-preconditioned with refinement; solve: sketch-and-solve; direct: PDGELS", 1,
     0, rla_lsq_method_names, 3, get_method, set_method},
    {"sketch", NULL, RLA_OPT_STRING, "sketch operator", 1, 0, rla_sketch_type_names, 3, get_sketch,
     set_sketch},
    {"oversample", NULL, RLA_OPT_REAL,
     "sketch rows l = ceil(oversample (n + 1)), oversample in (1, 1000]; 0: the method's "
     "default, 4 for solve and for accurate 20 to 1000 from m and n (20 with gaussian)",
     1, 0, NULL, 0, get_oversample, set_oversample},
    {"sketch-rows", NULL, RLA_OPT_INT, "sketch rows l directly (0: from the oversampling)", 0,
     INFINITY, NULL, 0, get_rows, set_rows},
    {"seed", NULL, RLA_OPT_INT, "random seed of the sketch", 0, INFINITY, NULL, 0, get_seed,
     set_seed},
    {"tol", NULL, RLA_OPT_REAL,
     "accurate: target of the backward-error estimate, in (0, 1); the default is 2 eps", 0, 1,
     NULL, 0,
     get_tol, set_tol},
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
  if (n) *n = (int)(sizeof(descs) / sizeof(descs[0]));
  return descs;
}

rla_err rla_lsq_set_from_options(rla_lsq L, rla_options opts, const char *prefix)
{
  if (!L) return rla_error_set(NULL, RLA_ERR_ARG, __func__, __FILE__, __LINE__, "NULL solver");
  RLA_CALL(L->ctx, rla_options_read(opts, prefix, descs, (int)(sizeof(descs) / sizeof(descs[0])),
                                    L));
  return RLA_SUCCESS;
}
