/* SPDX-License-Identifier: BSD-3-Clause */
/* The options of a sketch operator: one description read by rla_sketch_set_from_options and by
   the PETSc plugin's preconditioner, and the names of the sketch types. */
#include <math.h>

#include "../base/option_access.h"
#include "sketch_impl.h"

const char *const rla_sketch_type_names[3] = {
    [RLA_SKETCH_SRHT] = "srht", [RLA_SKETCH_GAUSSIAN] = "gaussian", [RLA_SKETCH_SPARSE] = "sparse"};

#define SKETCH struct rla_sketch_s

/* the seed, checked for a sign before the unsigned setter */
static rla_err set_seed_checked(void *o, int64_t seed)
{
  RLA_CALL(((SKETCH *)o)->ctx, rla_option_seed(((SKETCH *)o)->ctx, seed));
  return rla_sketch_set_seed(o, (uint64_t)seed);
}

RLA_OPTION_ACCESS(SKETCH, type, i, type, 1, rla_sketch_set_type, rla_sketch_type)
RLA_OPTION_ACCESS(SKETCH, seed, i, seed, 1, set_seed_checked, int64_t)
RLA_OPTION_ACCESS(SKETCH, block, i, b_set, 1, rla_sketch_set_block_size, int64_t)
RLA_OPTION_ACCESS(SKETCH, sparsity, i, k, 1, rla_sketch_set_sparsity, int64_t)

static const rla_option_desc descs[] = {
    {"sketch-type", NULL, RLA_OPT_STRING, "sketch operator", 1, 0, rla_sketch_type_names, 3,
     get_type, set_type},
    {"seed", NULL, RLA_OPT_INT, "seed of the sketch", 0, INFINITY, NULL, 0, get_seed, set_seed},
    {"block-size", NULL, RLA_OPT_INT,
     "block SRHT: rows per virtual block b >= l (0: automatic, chosen by measurement)", 0,
     INFINITY, NULL, 0, get_block, set_block},
    {"sparsity", NULL, RLA_OPT_INT, "sparse sign: nonzeros per column (clamped to l)", 1,
     INFINITY, NULL, 0, get_sparsity, set_sparsity},
};

const rla_option_desc *rla_sketch_options(int *n)
{
  *n = (int)(sizeof(descs) / sizeof(descs[0]));
  return descs;
}

rla_err rla_sketch_set_from_options(rla_sketch S, rla_options opts, const char *prefix)
{
  return rla_options_read(opts, prefix, descs, (int)(sizeof(descs) / sizeof(descs[0])), S);
}
