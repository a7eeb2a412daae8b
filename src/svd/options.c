/* SPDX-License-Identifier: BSD-3-Clause */
/* The options of the randomized SVD: one description read by rla_svd_set_from_options and
   listed by rla-svd. */
#include <math.h>

#include "../base/option_access.h"
#include "svd_impl.h"

#define SVD struct rla_svd_s

/* the seed, checked for a sign before the unsigned setter */
static rla_err set_seed_checked(void *o, int64_t seed)
{
  RLA_CALL(((SVD *)o)->ctx, rla_option_seed(((SVD *)o)->ctx, seed));
  return rla_svd_set_seed(o, (uint64_t)seed);
}

/* k and tol have no value until set */
RLA_OPTION_ACCESS(SVD, rank, i, k, v->i > 0, rla_svd_set_rank, int64_t)
RLA_OPTION_ACCESS(SVD, tol, r, tol, v->r > 0.0, rla_svd_set_tol, double)
RLA_OPTION_ACCESS(SVD, oversample, i, p, 1, rla_svd_set_oversample, int64_t)
RLA_OPTION_ACCESS(SVD, power, i, q, 1, rla_svd_set_power, int64_t)
RLA_OPTION_ACCESS(SVD, sketch, i, type_choice, v->i >= 0, rla_svd_set_sketch_type,
                  rla_sketch_type)
RLA_OPTION_ACCESS(SVD, seed, i, seed, 1, set_seed_checked, int64_t)
RLA_OPTION_ACCESS(SVD, block, i, block, 1, rla_svd_set_block, int64_t)
RLA_OPTION_ACCESS(SVD, max_rank, i, kmax, 1, rla_svd_set_max_rank, int64_t)

static const rla_option_desc descs[] = {
    {"k", "k", RLA_OPT_INT, "fixed rank: the number of triplets", 1, INFINITY, NULL, 0, get_rank,
     set_rank},
    {"tol", NULL, RLA_OPT_REAL,
     "tolerance mode: smallest rank with ||A - U S V^T||_F <= tol ||A||_F, tol in (0, 1)", 0, 1,
     NULL, 0, get_tol, set_tol},
    {"oversample", NULL, RLA_OPT_INT, "extra basis columns p", 0, INFINITY, NULL, 0,
     get_oversample, set_oversample},
    {"power", NULL, RLA_OPT_INT, "power iterations q", 0, INFINITY, NULL, 0, get_power, set_power},
    {"sketch", NULL, RLA_OPT_STRING,
     "sketch operator; without it, srht for a dense A and sparse (sparse sign) for a sparse A", 1,
     0, rla_sketch_type_names, 3, get_sketch, set_sketch},
    {"seed", NULL, RLA_OPT_INT, "random seed of the sketch", 0, INFINITY, NULL, 0, get_seed,
     set_seed},
    {"block", NULL, RLA_OPT_INT, "tolerance mode: basis columns per block", 1, INFINITY, NULL, 0,
     get_block, set_block},
    {"max-rank", NULL, RLA_OPT_INT, "tolerance mode: stop at this basis size (0: min(m, n))", 0,
     INFINITY, NULL, 0, get_max_rank, set_max_rank},
};

const rla_option_desc *rla_svd_options(int *n)
{
  *n = (int)(sizeof(descs) / sizeof(descs[0]));
  return descs;
}

rla_err rla_svd_set_from_options(rla_svd S, rla_options opts, const char *prefix)
{
  return rla_options_read(opts, prefix, descs, (int)(sizeof(descs) / sizeof(descs[0])), S);
}
