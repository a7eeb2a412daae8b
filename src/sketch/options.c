/* SPDX-License-Identifier: BSD-3-Clause */
/* The options of a sketch operator: one description read by rla_sketch_set_from_options and by
   the PETSc plugin's preconditioner, and the names of the sketch types. */
#include <math.h>

#include "sketch_impl.h"

const char *const rla_sketch_type_names[3] = {
    [RLA_SKETCH_SRHT] = "srht", [RLA_SKETCH_GAUSSIAN] = "gaussian", [RLA_SKETCH_SPARSE] = "sparse"};

#define SKETCH(o) ((const struct rla_sketch_s *)(o))

static int get_type(const void *o, rla_option_value *v) { return (v->i = SKETCH(o)->type), 1; }
static rla_err set_type(void *o, rla_option_value v)
{
  return rla_sketch_set_type(o, (rla_sketch_type)v.i);
}
static int get_seed(const void *o, rla_option_value *v)
{
  return (v->i = (int64_t)SKETCH(o)->seed), 1;
}
static rla_err set_seed(void *o, rla_option_value v)
{
  RLA_CHECK(SKETCH(o)->ctx, v.i >= 0, RLA_ERR_ARG, "seed %lld: it must be non-negative",
            (long long)v.i);
  return rla_sketch_set_seed(o, (uint64_t)v.i);
}
static int get_block(const void *o, rla_option_value *v) { return (v->i = SKETCH(o)->b_set), 1; }
static rla_err set_block(void *o, rla_option_value v) { return rla_sketch_set_block_size(o, v.i); }
static int get_sparsity(const void *o, rla_option_value *v) { return (v->i = SKETCH(o)->k), 1; }
static rla_err set_sparsity(void *o, rla_option_value v) { return rla_sketch_set_sparsity(o, v.i); }

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
  if (n) *n = (int)(sizeof(descs) / sizeof(descs[0]));
  return descs;
}

rla_err rla_sketch_set_from_options(rla_sketch S, rla_options opts, const char *prefix)
{
  if (!S) return rla_error_set(NULL, RLA_ERR_ARG, __func__, __FILE__, __LINE__, "NULL sketch");
  RLA_CALL(S->ctx, rla_options_read(opts, prefix, descs, (int)(sizeof(descs) / sizeof(descs[0])),
                                    S));
  return RLA_SUCCESS;
}
