/* SPDX-License-Identifier: BSD-3-Clause */
/* The options of the clustering: one description (names, help, ranges, current values,
   setters) read by rla_cluster_set_from_options and listed by the drivers. */
#include <math.h>

#include "../base/option_access.h"
#include "cluster_impl.h"

#define CLUSTER struct rla_cluster_s

RLA_OPTION_ACCESS(CLUSTER, rank, i, r, v->i > 0, rla_cluster_set_rank, int64_t)
RLA_OPTION_ACCESS(CLUSTER, eps, r, eps, v->r > 0, rla_cluster_set_tol, double)
RLA_OPTION_ACCESS(CLUSTER, algorithm, i, alg, 1, rla_cluster_set_algorithm, rla_cluster_algorithm)
RLA_OPTION_ACCESS(CLUSTER, order, i, order, 1, rla_cluster_set_order, rla_cluster_order)
RLA_OPTION_ACCESS(CLUSTER, oversample, i, p, 1, rla_cluster_set_oversample, int64_t)
RLA_OPTION_ACCESS(CLUSTER, patience, i, patience, 1, rla_cluster_set_patience, int64_t)

static const rla_option_desc descs[] = {
    {"r", "r", RLA_OPT_INT, "rank of every cluster's approximation (required), r >= 1", 1,
     2147483647.0, NULL, 0, get_rank, set_rank},
    {"eps", NULL, RLA_OPT_REAL,
     "largest relative Frobenius error ||C - C_r||_F / ||C||_F of a cluster (required), in (0, 1)",
     0, 1, NULL, 0, get_eps, set_eps},
    {"algorithm", NULL, RLA_OPT_STRING,
     "error predictor: incremental estimator, bound 2, or bound 1", 1, 0,
     rla_cluster_algorithm_names, 3, get_algorithm, set_algorithm},
    {"order", NULL, RLA_OPT_STRING,
     "candidate order: ascending residual against the seed, or ascending norm", 1, 0,
     rla_cluster_order_names, 2, get_order, set_order},
    {"oversample", NULL, RLA_OPT_INT, "extra columns p of the estimator, p >= 0", 0, INFINITY, NULL,
     0, get_oversample, set_oversample},
    {"patience", NULL, RLA_OPT_INT,
     "after this many seeds in a row that cannot grow, the rest become singletons (>= 1)", 1,
     INFINITY, NULL, 0, get_patience, set_patience},
};

const rla_option_desc *rla_cluster_options(int *n)
{
  *n = (int)(sizeof(descs) / sizeof(descs[0]));
  return descs;
}

rla_err rla_cluster_set_from_options(rla_cluster C, rla_options opts, const char *prefix)
{
  return rla_options_read(opts, prefix, descs, (int)(sizeof(descs) / sizeof(descs[0])), C);
}
