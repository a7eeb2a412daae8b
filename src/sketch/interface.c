/* SPDX-License-Identifier: BSD-3-Clause */
/* Front end of the sketch operators: argument validation, lazy setup, dispatch through the ops
   table of the operator type, and the one reduction of rla_sketch_apply_left. */
#include <stdlib.h>
#include <string.h>

#include "../base/reduce.h"
#include "sketch_impl.h"

/* One line per operator type. */
static const struct rla_sketch_ops *const registry[] = {
    [RLA_SKETCH_SRHT] = &rla_sketch_srht_ops,
    [RLA_SKETCH_GAUSSIAN] = &rla_sketch_gaussian_ops,
    [RLA_SKETCH_SPARSE] = &rla_sketch_sparse_ops,
};
#define NTYPES ((int)(sizeof(registry) / sizeof(registry[0])))

/* Largest reduction of rla_sketch_apply_left in one MPI call (words; 32 MiB). */
#define REDUCE_WORDS ((int64_t)1 << 22)

rla_err rla_sketch_create(rla_ctx ctx, rla_sketch *S)
{
  struct rla_sketch_s *s = NULL;
  RLA_CHECK(ctx, S != NULL, RLA_ERR_ARG, "rla_sketch_create: the output pointer is NULL");
  *S = NULL;
  RLA_CALL(ctx, rla_calloc(ctx, 1, sizeof(*s), &s));
  s->ctx = ctx;
  s->type = RLA_SKETCH_SRHT;
  s->ops = registry[RLA_SKETCH_SRHT];
  s->seed = 1;
  s->k = 8;
  *S = s;
  return RLA_SUCCESS;
}

void rla_sketch_reset(rla_sketch S)
{
  if (S->ops && S->ops->reset) S->ops->reset(S);
  S->data = NULL;
  S->is_setup = 0;
  S->b = 0;
}

rla_err rla_sketch_destroy(rla_sketch *S)
{
  if (!S || !*S) return RLA_SUCCESS;
  rla_sketch_reset(*S);
  rla_free(S);
  return RLA_SUCCESS;
}

const char *rla_sketch_type_name(rla_sketch_type type)
{
  if ((int)type < 0 || (int)type >= NTYPES) return "unknown";
  return registry[type]->name;
}

rla_err rla_sketch_type_from_name(rla_ctx ctx, const char *name, rla_sketch_type *type)
{
  int v;
  RLA_CHECK(ctx, name != NULL && type != NULL, RLA_ERR_ARG,
            "rla_sketch_type_from_name: name and type must not be NULL");
  RLA_CALL(ctx, rla_enum_from_name(ctx, "sketch type", rla_sketch_type_names, NTYPES, name, &v));
  *type = (rla_sketch_type)v;
  return RLA_SUCCESS;
}

#define CHECK_SKETCH(S)                                                                            \
  do {                                                                                             \
    if (!(S))                                                                                      \
      return rla_error_set(NULL, RLA_ERR_ARG, __func__, __FILE__, __LINE__, "NULL sketch");        \
  } while (0)

rla_err rla_sketch_type_check(rla_ctx ctx, rla_sketch_type type)
{
  RLA_CHECK(ctx, (int)type >= 0 && (int)type < NTYPES, RLA_ERR_ARG,
            "unknown sketch type %d: use RLA_SKETCH_SRHT, _GAUSSIAN or _SPARSE", (int)type);
  return RLA_SUCCESS;
}

rla_err rla_sketch_set_type(rla_sketch S, rla_sketch_type type)
{
  CHECK_SKETCH(S);
  RLA_CALL(S->ctx, rla_sketch_type_check(S->ctx, type));
  rla_sketch_reset(S);
  S->type = type;
  S->ops = registry[type];
  return RLA_SUCCESS;
}

rla_err rla_sketch_set_sizes(rla_sketch S, int64_t l, int64_t n)
{
  CHECK_SKETCH(S);
  RLA_CHECK(S->ctx, l >= 1, RLA_ERR_ARG, "sketch size l = %lld: it must be at least 1",
            (long long)l);
  RLA_CHECK(S->ctx, n >= 0, RLA_ERR_ARG, "sketch input size n = %lld: it must be non-negative",
            (long long)n);
  rla_sketch_reset(S);
  S->l = l;
  S->n = n;
  return RLA_SUCCESS;
}

rla_err rla_sketch_set_seed(rla_sketch S, uint64_t seed)
{
  CHECK_SKETCH(S);
  rla_sketch_reset(S);
  S->seed = seed;
  return RLA_SUCCESS;
}

rla_err rla_sketch_set_block_size(rla_sketch S, int64_t b)
{
  CHECK_SKETCH(S);
  RLA_CHECK(S->ctx, b >= 0, RLA_ERR_ARG,
            "SRHT block size %lld: give a positive size (>= l), or 0 for automatic", (long long)b);
  rla_sketch_reset(S);
  S->b_set = b;
  return RLA_SUCCESS;
}

int64_t rla_sketch_get_block_size(rla_sketch S)
{
  if (!S || S->type != RLA_SKETCH_SRHT) return 0;
  return S->is_setup ? S->b : S->b_set;
}

void rla_sketch_get_sizes(rla_sketch S, int64_t *l, int64_t *n)
{
  if (l) *l = S ? S->l : 0;
  if (n) *n = S ? S->n : 0;
}

rla_err rla_sketch_set_sparsity(rla_sketch S, int64_t k)
{
  CHECK_SKETCH(S);
  RLA_CHECK(S->ctx, k >= 1, RLA_ERR_ARG,
            "sparse sketch: nonzeros per column k = %lld: it must be at least 1", (long long)k);
  rla_sketch_reset(S);
  S->k = k;
  return RLA_SUCCESS;
}

/* The part of setup that needs no communication. */
static rla_err setup_local(rla_sketch S)
{
  if (S->is_setup) return RLA_SUCCESS;
  RLA_CHECK(S->ctx, S->l >= 1, RLA_ERR_ARG,
            "the sketch has no sizes: call rla_sketch_set_sizes(S, l, n) before setup or apply");
  rla_sketch_reset(S);
  RLA_CALL(S->ctx, S->ops->setup(S));
  S->is_setup = 1;
  return RLA_SUCCESS;
}

rla_err rla_sketch_reseed(rla_sketch S, uint64_t seed)
{
  rla_err err;
  CHECK_SKETCH(S);
  S->seed = seed;
  if (!S->is_setup || !S->ops->reseed) {
    rla_sketch_reset(S);
    RLA_CALL(S->ctx, setup_local(S));
    return RLA_SUCCESS;
  }
  err = S->ops->reseed(S);
  if (err) {
    rla_sketch_reset(S);
    return rla_error_trace(S->ctx, err, __func__, __FILE__, __LINE__);
  }
  return RLA_SUCCESS;
}

rla_err rla_sketch_setup(rla_sketch S)
{
  rla_err err;
  CHECK_SKETCH(S);
  err = setup_local(S);
  err = rla_ctx_agree(S->ctx, err);
  if (err) {
    rla_sketch_reset(S);
    return rla_error_trace(S->ctx, err, __func__, __FILE__, __LINE__);
  }
  return RLA_SUCCESS;
}

rla_err rla_sketch_apply_left_local(rla_sketch S, int64_t row0, int64_t nrows, int64_t d,
                                    const double *a, int64_t lda, double *out, int64_t ldo)
{
  CHECK_SKETCH(S);
  RLA_CALL(S->ctx, setup_local(S));
  S->comm_words = 0;
  RLA_CHECK(S->ctx, row0 >= 0 && nrows >= 0 && row0 + nrows <= S->n, RLA_ERR_SHAPE,
            "sketch input rows [%lld, %lld) lie outside the %lld columns of Omega: the input "
            "must have n = %lld rows",
            (long long)row0, (long long)(row0 + nrows), (long long)S->n, (long long)S->n);
  RLA_CHECK(S->ctx, d >= 0, RLA_ERR_ARG, "sketch input with d = %lld columns", (long long)d);
  RLA_CHECK(S->ctx, lda >= (nrows > 1 ? nrows : 1), RLA_ERR_ARG,
            "leading dimension of the input %lld is smaller than its %lld rows", (long long)lda,
            (long long)nrows);
  RLA_CHECK(S->ctx, ldo >= S->l, RLA_ERR_ARG,
            "leading dimension of the output %lld is smaller than the sketch size l = %lld",
            (long long)ldo, (long long)S->l);
  RLA_CHECK(S->ctx, (a != NULL || nrows == 0 || d == 0) && (out != NULL || d == 0), RLA_ERR_ARG,
            "NULL input or output array");
  if (d == 0) return RLA_SUCCESS;
  RLA_CALL(S->ctx, S->ops->apply_left_local(S, row0, nrows, d, a, lda, out, ldo));
  return RLA_SUCCESS;
}

rla_err rla_sketch_apply_right_local(rla_sketch S, int64_t m, const double *a, int64_t lda,
                                     double *y, int64_t ldy)
{
  CHECK_SKETCH(S);
  RLA_CALL(S->ctx, setup_local(S));
  S->comm_words = 0;
  RLA_CHECK(S->ctx, m >= 0, RLA_ERR_ARG, "sketch input with m = %lld rows", (long long)m);
  RLA_CHECK(S->ctx, lda >= (m > 1 ? m : 1) && ldy >= (m > 1 ? m : 1), RLA_ERR_ARG,
            "leading dimensions (input %lld, output %lld) are smaller than the %lld rows",
            (long long)lda, (long long)ldy, (long long)m);
  RLA_CHECK(S->ctx, (a != NULL || m == 0 || S->n == 0) && (y != NULL || m == 0), RLA_ERR_ARG,
            "NULL input or output array");
  if (m == 0) return RLA_SUCCESS;
  RLA_CALL(S->ctx, S->ops->apply_right_local(S, m, a, lda, y, ldy));
  return RLA_SUCCESS;
}

/* Checks of apply_left on one rank, before the agreement. */
static rla_err left_args(rla_sketch S, rla_dmat A, double *out, int64_t ldo)
{
  int64_t m, d;
  RLA_CHECK(S->ctx, A != NULL, RLA_ERR_ARG, "rla_sketch_apply_left: the input matrix is NULL");
  RLA_CHECK(S->ctx, rla_dmat_get_layout(A) == RLA_DMAT_ROWBLOCK, RLA_ERR_ARG,
            "rla_sketch_apply_left needs a row-block matrix: redistribute A first");
  rla_dmat_sizes(A, &m, &d);
  RLA_CHECK(S->ctx, S->l >= 1, RLA_ERR_ARG,
            "the sketch has no sizes: call rla_sketch_set_sizes(S, l, n) before setup or apply");
  RLA_CHECK(S->ctx, m == S->n, RLA_ERR_SHAPE,
            "the sketch maps %lld-vectors but the input matrix has %lld rows", (long long)S->n,
            (long long)m);
  RLA_CHECK(S->ctx, ldo >= S->l, RLA_ERR_ARG,
            "leading dimension of the output %lld is smaller than the sketch size l = %lld",
            (long long)ldo, (long long)S->l);
  RLA_CHECK(S->ctx, out != NULL || d == 0, RLA_ERR_ARG, "rla_sketch_apply_left: out is NULL");
  return RLA_SUCCESS;
}

rla_err rla_sketch_apply_left(rla_sketch S, rla_dmat A, double *out, int64_t ldo)
{
  rla_err err;
  double *a;
  int64_t m, d, lm, lld, l;

  CHECK_SKETCH(S);
  err = left_args(S, A, out, ldo);
  if (!err) err = setup_local(S);
  err = rla_ctx_agree(S->ctx, err);
  if (err) return rla_error_trace(S->ctx, err, __func__, __FILE__, __LINE__);
  rla_dmat_sizes(A, &m, &d);
  rla_dmat_local(A, &a, &lm, NULL, &lld);
  err = rla_sketch_apply_left_local(S, rla_dmat_row_offset(A), lm, d, a, lld, out, ldo);
  err = rla_ctx_agree(S->ctx, err);
  if (err) return rla_error_trace(S->ctx, err, __func__, __FILE__, __LINE__);
  l = S->l;
  if (rla_ctx_size(S->ctx) == 1 || d == 0) return RLA_SUCCESS;
  /* the reduction goes in chunks of whole columns of at most REDUCE_WORDS words (one chunk in
     the usual case; a column longer than that is one chunk, which rla_reduce_sum splits below
     MPI's 2^31 count); the chunking depends on l and d only, so every rank makes the same
     calls. A strided output (ldo > l) is packed chunk by chunk: MPI_SUM is not defined on
     derived datatypes. */
  {
    const int64_t cols = l >= REDUCE_WORDS ? 1 : (d < REDUCE_WORDS / l ? d : REDUCE_WORDS / l);
    double *packed = NULL;
    if (ldo != l) {
      err = rla_calloc(S->ctx, (size_t)(l * cols), sizeof(double), &packed);
      err = rla_ctx_agree(S->ctx, err);
      if (err) return rla_error_trace(S->ctx, err, __func__, __FILE__, __LINE__);
    }
    for (int64_t j0 = 0; j0 < d && !err; j0 += cols) {
      const int64_t nc = d - j0 < cols ? d - j0 : cols;
      double *buf = packed ? packed : out + j0 * l;
      for (int64_t j = 0; packed && j < nc; j++)
        memcpy(packed + j * l, out + (j0 + j) * ldo, sizeof(double) * (size_t)l);
      err = rla_reduce_sum(S->ctx, buf, l * nc);
      for (int64_t j = 0; packed && j < nc; j++)
        memcpy(out + (j0 + j) * ldo, packed + j * l, sizeof(double) * (size_t)l);
    }
    rla_free(&packed);
    if (err) return rla_error_trace(S->ctx, err, __func__, __FILE__, __LINE__);
  }
  S->comm_words = l * d;
  return RLA_SUCCESS;
}

static rla_err right_args(rla_sketch S, rla_dmat A, rla_dmat Y)
{
  int64_t m, n, ym, yl, alm, ylm;
  RLA_CHECK(S->ctx, A != NULL && Y != NULL, RLA_ERR_ARG,
            "rla_sketch_apply_right: NULL input or output matrix");
  RLA_CHECK(S->ctx,
            rla_dmat_get_layout(A) == RLA_DMAT_ROWBLOCK &&
                rla_dmat_get_layout(Y) == RLA_DMAT_ROWBLOCK,
            RLA_ERR_ARG, "rla_sketch_apply_right needs row-block matrices: redistribute first");
  RLA_CHECK(S->ctx, S->l >= 1, RLA_ERR_ARG,
            "the sketch has no sizes: call rla_sketch_set_sizes(S, l, n) before setup or apply");
  rla_dmat_sizes(A, &m, &n);
  rla_dmat_sizes(Y, &ym, &yl);
  RLA_CHECK(S->ctx, n == S->n, RLA_ERR_SHAPE,
            "the sketch maps %lld-vectors but the input matrix has %lld columns", (long long)S->n,
            (long long)n);
  RLA_CHECK(S->ctx, ym == m && yl == S->l, RLA_ERR_SHAPE,
            "the output of A * Omega^T must be %lld x %lld, not %lld x %lld", (long long)m,
            (long long)S->l, (long long)ym, (long long)yl);
  rla_dmat_local(A, NULL, &alm, NULL, NULL);
  rla_dmat_local(Y, NULL, &ylm, NULL, NULL);
  RLA_CHECK(S->ctx, alm == ylm && rla_dmat_row_offset(A) == rla_dmat_row_offset(Y), RLA_ERR_SHAPE,
            "the output of A * Omega^T must have the row blocks of A (create it with the same "
            "row block size)");
  return RLA_SUCCESS;
}

rla_err rla_sketch_apply_right(rla_sketch S, rla_dmat A, rla_dmat Y)
{
  rla_err err;
  double *a = NULL, *y = NULL;
  int64_t lm = 0, lda = 1, ldy = 1;

  CHECK_SKETCH(S);
  err = right_args(S, A, Y);
  if (!err) err = setup_local(S);
  err = rla_ctx_agree(S->ctx, err);
  if (err) return rla_error_trace(S->ctx, err, __func__, __FILE__, __LINE__);
  rla_dmat_local(A, &a, &lm, NULL, &lda);
  rla_dmat_local(Y, &y, NULL, NULL, &ldy);
  err = rla_sketch_apply_right_local(S, lm, a, lda, y, ldy);
  err = rla_ctx_agree(S->ctx, err);
  if (err) return rla_error_trace(S->ctx, err, __func__, __FILE__, __LINE__);
  return RLA_SUCCESS;
}

int64_t rla_sketch_comm_words(rla_sketch S) { return S ? S->comm_words : 0; }

rla_err rla_sketch_view(rla_sketch S, FILE *out)
{
  CHECK_SKETCH(S);
  if (rla_ctx_rank(S->ctx) != 0 || !out) return RLA_SUCCESS;
  fprintf(out, "sketch: %s, l = %lld, n = %lld, seed = %llu%s\n", S->ops->name, (long long)S->l,
          (long long)S->n, (unsigned long long)S->seed, S->is_setup ? "" : " (not set up)");
  if (S->ops->view) S->ops->view(S, out);
  return RLA_SUCCESS;
}
