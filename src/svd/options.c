/* SPDX-License-Identifier: BSD-3-Clause */
/* The options of the randomized SVD: one description read by rla_svd_set_from_options and
   listed by rla-svd. */
#include <math.h>

#include "rla/options.h"
#include "svd_impl.h"

#define SVD(o) ((const struct rla_svd_s *)(o))

static int get_rank(const void *o, rla_option_value *v) { return (v->i = SVD(o)->k) > 0; }
static rla_err set_rank(void *o, rla_option_value v) { return rla_svd_set_rank(o, v.i); }
static int get_tol(const void *o, rla_option_value *v) { return (v->r = SVD(o)->tol) > 0.0; }
static rla_err set_tol(void *o, rla_option_value v) { return rla_svd_set_tol(o, v.r); }
static int get_oversample(const void *o, rla_option_value *v) { return (v->i = SVD(o)->p), 1; }
static rla_err set_oversample(void *o, rla_option_value v) { return rla_svd_set_oversample(o, v.i); }
static int get_power(const void *o, rla_option_value *v) { return (v->i = SVD(o)->q), 1; }
static rla_err set_power(void *o, rla_option_value v) { return rla_svd_set_power(o, v.i); }
static int get_sketch(const void *o, rla_option_value *v) { return (v->i = SVD(o)->type), 1; }
static rla_err set_sketch(void *o, rla_option_value v)
{
  return rla_svd_set_sketch_type(o, (rla_sketch_type)v.i);
}
static int get_seed(const void *o, rla_option_value *v)
{
  return (v->i = (int64_t)SVD(o)->seed), 1;
}
static rla_err set_seed(void *o, rla_option_value v)
{
  RLA_CHECK(SVD(o)->ctx, v.i >= 0, RLA_ERR_ARG, "seed %lld: it must be non-negative",
            (long long)v.i);
  return rla_svd_set_seed(o, (uint64_t)v.i);
}
static int get_block(const void *o, rla_option_value *v) { return (v->i = SVD(o)->block), 1; }
static rla_err set_block(void *o, rla_option_value v) { return rla_svd_set_block(o, v.i); }
static int get_max_rank(const void *o, rla_option_value *v) { return (v->i = SVD(o)->kmax), 1; }
static rla_err set_max_rank(void *o, rla_option_value v) { return rla_svd_set_max_rank(o, v.i); }

static const rla_option_desc descs[] = {
    {"k", "k", RLA_OPT_INT, "fixed rank: the number of triplets", 1, INFINITY, NULL, 0, get_rank,
     set_rank},
    {"tol", NULL, RLA_OPT_REAL,
     "tolerance mode: smallest rank with ||A - U S V^T||_F <= tol ||A||_F, tol in (0, 1)", 0, 1,
     NULL, 0, get_tol, set_tol},
    {"oversample", NULL, RLA_OPT_INT, "extra basis columns p", 0, INFINITY, NULL, 0,
     get_oversample, set_oversample},
    {"power", NULL, RLA_OPT_INT, "power iterations q", 0, INFINITY, NULL, 0, get_power, set_power},
    {"sketch", NULL, RLA_OPT_STRING, "sketch operator", 1, 0, rla_sketch_type_names, 3, get_sketch,
     set_sketch},
    {"seed", NULL, RLA_OPT_INT, "random seed of the sketch", 0, INFINITY, NULL, 0, get_seed,
     set_seed},
    {"block", NULL, RLA_OPT_INT, "tolerance mode: basis columns per block", 1, INFINITY, NULL, 0,
     get_block, set_block},
    {"max-rank", NULL, RLA_OPT_INT, "tolerance mode: stop at this basis size (0: min(m, n))", 0,
     INFINITY, NULL, 0, get_max_rank, set_max_rank},
};

const rla_option_desc *rla_svd_options(int *n)
{
  if (n) *n = (int)(sizeof(descs) / sizeof(descs[0]));
  return descs;
}

rla_err rla_svd_set_from_options(rla_svd S, rla_options opts, const char *prefix)
{
  if (!S) return rla_error_set(NULL, RLA_ERR_ARG, __func__, __FILE__, __LINE__, "NULL rla_svd");
  RLA_CALL(S->ctx, rla_options_read(opts, prefix, descs, (int)(sizeof(descs) / sizeof(descs[0])),
                                    S));
  return RLA_SUCCESS;
}
