/* SPDX-License-Identifier: BSD-3-Clause */
/* Distributed dense matrices: creation, local access, index maps, norms and GEMM (the data
   movement between layouts and ranks is in exchange.c). Communication: pdgemm as ScaLAPACK does
   it; one allreduce per norm. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../base/ctx_impl.h"
#include "../base/finite.h"
#include "dmat_impl.h"
#include "rla/rng.h"
#include "scalapack.h"

static void grids_free(struct rla_ctx_s *ctx)
{
  for (int g = 0; g < ctx->ngrids; g++)
    Cblacs_gridexit(ctx->grids[g].ictxt);
  ctx->ngrids = 0;
  if (ctx->blacs_handle >= 0) Cfree_blacs_system_handle(ctx->blacs_handle);
  ctx->blacs_handle = -1;
}

rla_err rla_ctx_grid(rla_ctx ctx, int nprow, int npcol, int *ictxt)
{
  for (int g = 0; g < ctx->ngrids; g++)
    if (ctx->grids[g].nprow == nprow && ctx->grids[g].npcol == npcol) {
      *ictxt = ctx->grids[g].ictxt;
      return RLA_SUCCESS;
    }
  RLA_CHECK(ctx, ctx->ngrids < RLA_MAX_GRIDS, RLA_ERR_INTERNAL, "too many BLACS grids");
  RLA_CHECK(ctx, nprow * npcol == ctx->size, RLA_ERR_INTERNAL, "grid %dx%d does not cover %d ranks",
            nprow, npcol, ctx->size);
  if (ctx->blacs_handle < 0) ctx->blacs_handle = Csys2blacs_handle(ctx->comm);
  ctx->grids_free = grids_free;
  *ictxt = ctx->blacs_handle;
  Cblacs_gridinit(ictxt, "Col", nprow, npcol);
  ctx->grids[ctx->ngrids].ictxt = *ictxt;
  ctx->grids[ctx->ngrids].nprow = nprow;
  ctx->grids[ctx->ngrids].npcol = npcol;
  ctx->ngrids++;
  return RLA_SUCCESS;
}

void rla_ctx_grid_shape(rla_ctx ctx, int *nprow, int *npcol)
{
  int p = ctx->size, c = 1;
  for (int d = 1; (long)d * d <= p; d++)
    if (p % d == 0) c = d;
  *npcol = c;
  *nprow = p / c;
}

/* doubles in the local array: lld x ln, or a one-entry placeholder when the matrix is empty (a
   0 x n file header must not ask for n doubles on every rank) */
static size_t local_entries(const struct rla_dmat_s *A)
{
  return A->m > 0 && A->n > 0 ? (size_t)(A->lld * A->ln) : 1;
}

static rla_err check_sizes(rla_ctx ctx, int64_t m, int64_t n, int64_t mb, int64_t nb)
{
  RLA_CHECK(ctx, m >= 0 && n >= 0, RLA_ERR_ARG,
            "matrix sizes must be non-negative, got %lld x %lld", (long long)m, (long long)n);
  RLA_CHECK(ctx, m <= INT_MAX && n <= INT_MAX, RLA_ERR_UNSUPPORTED,
            "matrix %lld x %lld exceeds the 32-bit dimensions of ScaLAPACK", (long long)m,
            (long long)n);
  RLA_CHECK(ctx, mb >= 1 && nb >= 1 && mb <= INT_MAX && nb <= INT_MAX, RLA_ERR_ARG,
            "block sizes must be positive, got %lld x %lld", (long long)mb, (long long)nb);
  return RLA_SUCCESS;
}

/* the fields and the descriptor of A on the grid ictxt; no communication, errors not agreed */
static rla_err init_fields(rla_ctx ctx, rla_dmat A, rla_dmat_layout layout, int64_t m, int64_t n,
                           int64_t mb, int64_t nb, int ictxt)
{
  int info = 0, zero = 0, im = (int)m, in = (int)n, imb = (int)mb, inb = (int)nb, illd;
  A->ctx = ctx;
  A->layout = layout;
  A->m = m;
  A->n = n;
  A->mb = mb;
  A->nb = nb;
  A->ictxt = ictxt;
  Cblacs_gridinfo(A->ictxt, &A->nprow, &A->npcol, &A->myrow, &A->mycol);
  A->lm = rla_dmat_numroc(m, mb, A->myrow, A->nprow);
  A->ln = rla_dmat_numroc(n, nb, A->mycol, A->npcol);
  A->lld = A->lm > 1 ? A->lm : 1;
  illd = (int)A->lld;
  descinit_(A->desc, &im, &in, &imb, &inb, &zero, &zero, &A->ictxt, &illd, &info);
  RLA_CHECK(ctx, !info, RLA_ERR_INTERNAL, "descinit failed (info %d) for %lld x %lld", info,
            (long long)m, (long long)n);
  return RLA_SUCCESS;
}

/* init_fields and the zeroed local array of A; errors not agreed */
static rla_err init_local(rla_ctx ctx, rla_dmat A, rla_dmat_layout layout, int64_t m, int64_t n,
                          int64_t mb, int64_t nb, int ictxt)
{
  RLA_CALL(ctx, init_fields(ctx, A, layout, m, n, mb, nb, ictxt));
  RLA_CALL(ctx, rla_calloc_matrix(ctx, local_entries(A), sizeof(double), &A->a));
  A->storage = A->a;
  return RLA_SUCCESS;
}

static rla_err create(rla_ctx ctx, rla_dmat_layout layout, int64_t m, int64_t n, int64_t mb,
                      int64_t nb, int nprow, int npcol, rla_dmat *out)
{
  rla_dmat A = NULL;
  int ictxt;
  rla_err err;

  RLA_CHECK(ctx, out, RLA_ERR_ARG, "null output matrix pointer");
  *out = NULL;
  RLA_CALL(ctx, check_sizes(ctx, m, n, mb, nb));
  /* agreed before the grid is made: that is collective */
  err = rla_ctx_agree(ctx, rla_calloc(ctx, 1, sizeof(*A), &A));
  if (!err) err = rla_ctx_grid(ctx, nprow, npcol, &ictxt);
  if (!err) err = rla_ctx_agree(ctx, init_local(ctx, A, layout, m, n, mb, nb, ictxt));
  if (err) {
    if (A) free(A->storage);
    free(A);
    return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  }
  *out = A;
  return RLA_SUCCESS;
}

rla_err rla_dmat_create_rowblocks(rla_ctx ctx, int64_t count, int64_t m, const int64_t *n,
                                  rla_dmat *A)
{
  int64_t p = rla_ctx_size(ctx), mb = m > 0 ? (m + p - 1) / p : 1;
  int ictxt;
  rla_err err = RLA_SUCCESS;
  for (int64_t i = 0; i < count; i++)
    A[i] = NULL;
  for (int64_t i = 0; i < count; i++)
    RLA_CALL(ctx, check_sizes(ctx, m, n[i], mb, 64));
  RLA_CALL(ctx, rla_ctx_grid(ctx, (int)p, 1, &ictxt));
  size_t total = 0;
  double *at;
  for (int64_t i = 0; i < count && !err; i++) {
    err = rla_calloc(ctx, 1, sizeof(*A[i]), &A[i]);
    if (!err) err = init_fields(ctx, A[i], RLA_DMAT_ROWBLOCK, m, n[i], mb, 64, ictxt);
    if (!err) total += (local_entries(A[i]) + 7) / 8 * 8;
  }
  if (!err && count > 0) err = rla_calloc_matrix(ctx, total, sizeof(double), &A[0]->storage);
  at = err || count == 0 ? NULL : A[0]->storage;
  for (int64_t i = 0; at && i < count; i++) {
    A[i]->a = at;
    at += (local_entries(A[i]) + 7) / 8 * 8;
  }
  err = rla_ctx_agree(ctx, err);
  if (err) {
    for (int64_t i = 0; i < count; i++)
      if (A[i]) {
        free(A[i]->storage);
        free(A[i]);
        A[i] = NULL;
      }
    return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  }
  return RLA_SUCCESS;
}

rla_err rla_dmat_create_rowblock(rla_ctx ctx, int64_t m, int64_t n, int64_t mb, rla_dmat *A)
{
  int64_t p = rla_ctx_size(ctx), need = m > 0 ? (m + p - 1) / p : 1;
  if (mb == 0) mb = need;
  RLA_CHECK(ctx, mb >= need, RLA_ERR_ARG,
            "row block %lld is smaller than ceil(m/P) = %lld: rows would not be contiguous",
            (long long)mb, (long long)need);
  RLA_CALL(ctx, create(ctx, RLA_DMAT_ROWBLOCK, m, n, mb, 64, (int)p, 1, A));
  return RLA_SUCCESS;
}

rla_err rla_dmat_create_cyclic(rla_ctx ctx, int64_t m, int64_t n, int64_t mb, int64_t nb,
                               rla_dmat *A)
{
  int pr, pc;
  rla_ctx_grid_shape(ctx, &pr, &pc);
  RLA_CALL(ctx, create(ctx, RLA_DMAT_CYCLIC, m, n, mb ? mb : 64, nb ? nb : 64, pr, pc, A));
  return RLA_SUCCESS;
}

rla_err rla_dmat_create_like(rla_dmat A, rla_dmat *B)
{
  RLA_CALL(A->ctx, create(A->ctx, A->layout, A->m, A->n, A->mb, A->nb, A->nprow, A->npcol, B));
  return RLA_SUCCESS;
}

rla_err rla_dmat_duplicate(rla_dmat A, rla_dmat *B)
{
  RLA_CALL(A->ctx, rla_dmat_create_like(A, B));
  memcpy((*B)->a, A->a, sizeof(double) * local_entries(A));
  return RLA_SUCCESS;
}

rla_err rla_dmat_destroy(rla_dmat *A)
{
  if (!A || !*A) return RLA_SUCCESS;
  free((*A)->storage);
  free(*A);
  *A = NULL;
  return RLA_SUCCESS;
}

rla_ctx rla_dmat_ctx(rla_dmat A) { return A->ctx; }
rla_dmat_layout rla_dmat_get_layout(rla_dmat A) { return A->layout; }

void rla_dmat_sizes(rla_dmat A, int64_t *m, int64_t *n)
{
  if (m) *m = A->m;
  if (n) *n = A->n;
}

void rla_dmat_blocks(rla_dmat A, int64_t *mb, int64_t *nb)
{
  if (mb) *mb = A->mb;
  if (nb) *nb = A->nb;
}

void rla_dmat_local(rla_dmat A, double **a, int64_t *lm, int64_t *ln, int64_t *lld)
{
  if (a) *a = A->a;
  if (lm) *lm = A->lm;
  if (ln) *ln = A->ln;
  if (lld) *lld = A->lld;
}

int64_t rla_dmat_global_row(rla_dmat A, int64_t i)
{
  return rla_dmat_l2g(i, A->mb, A->myrow, A->nprow);
}
int64_t rla_dmat_global_col(rla_dmat A, int64_t j)
{
  return rla_dmat_l2g(j, A->nb, A->mycol, A->npcol);
}
int64_t rla_dmat_row_offset(rla_dmat A)
{
  int64_t r0 = (int64_t)A->myrow * A->mb;
  return r0 < A->m ? r0 : A->m;
}

void rla_dmat_rank_rows(rla_dmat A, int r, int64_t *row0, int64_t *nrows)
{
  int64_t s = (int64_t)r * A->mb, e = s + A->mb;
  if (s > A->m) s = A->m;
  if (e > A->m) e = A->m;
  if (row0) *row0 = s;
  if (nrows) *nrows = e - s;
}

rla_err rla_dmat_copy(rla_dmat A, rla_dmat B)
{
  if (A->layout == B->layout && A->m == B->m && A->n == B->n && A->mb == B->mb && A->nb == B->nb &&
      A->ictxt == B->ictxt) {
    for (int64_t j = 0; j < A->ln; j++)
      memcpy(B->a + j * B->lld, A->a + j * A->lld, sizeof(double) * (size_t)A->lm);
    return RLA_SUCCESS;
  }
  RLA_CALL(A->ctx, rla_dmat_redistribute(A, B));
  return RLA_SUCCESS;
}

rla_err rla_dmat_fill(rla_dmat A, double (*f)(int64_t i, int64_t j, void *data), void *data)
{
  for (int64_t j = 0; j < A->ln; j++) {
    int64_t gj = rla_dmat_global_col(A, j);
    for (int64_t i = 0; i < A->lm; i++)
      A->a[i + j * A->lld] = f(rla_dmat_global_row(A, i), gj, data);
  }
  return RLA_SUCCESS;
}

void rla_dmat_scale(rla_dmat A, double alpha)
{
  for (int64_t j = 0; j < A->ln; j++)
    for (int64_t i = 0; i < A->lm; i++)
      A->a[i + j * A->lld] *= alpha;
}

static int same_layout(rla_dmat A, rla_dmat B)
{
  return A->ctx == B->ctx && A->m == B->m && A->n == B->n && A->mb == B->mb && A->nb == B->nb &&
         A->ictxt == B->ictxt;
}

rla_err rla_dmat_axpy(double alpha, rla_dmat X, rla_dmat Y)
{
  RLA_CHECK(X->ctx, same_layout(X, Y), RLA_ERR_SHAPE, "axpy needs two matrices of the same layout");
  for (int64_t j = 0; j < X->ln; j++)
    for (int64_t i = 0; i < X->lm; i++)
      Y->a[i + j * Y->lld] += alpha * X->a[i + j * X->lld];
  return RLA_SUCCESS;
}

/* (scale, ssq) pairs: value = scale^2 * ssq, combined without overflow */
static void ssq_combine(void *in, void *inout, int *len, MPI_Datatype *type)
{
  double *a = in, *b = inout;
  (void)type;
  for (int k = 0; k < *len; k++, a += 2, b += 2) {
    if (a[0] == 0.0) continue;
    if (b[0] < a[0]) {
      b[1] = a[1] + b[1] * (b[0] / a[0]) * (b[0] / a[0]);
      b[0] = a[0];
    } else if (b[0] == a[0])
      b[1] += a[1];
    else
      b[1] += a[1] * (a[0] / b[0]) * (a[0] / b[0]);
  }
}

/* This rank's (scale, ssq) in two passes: the largest magnitude fixes a power-of-two scale (the
   scaling is exact and cannot overflow), then a compensated (Neumaier) sum of the scaled
   squares, whose rounding error stays near eps instead of growing with the number of entries
   (a plain running sum of N squares is off by about sqrt(N) eps, enough to spoil
   ||A||_F^2 - ||B||_F^2 identities at 1e-7). NaN gives ssq = NaN, Inf gives scale = Inf. */
static void local_ssq(const double *a, int64_t lm, int64_t ln, int64_t lld, double *scale,
                      double *ssq)
{
  double amax = 0.0, sum = 0.0, comp = 0.0, inv;
  int nan = 0, e;
  for (int64_t j = 0; j < ln; j++)
    for (int64_t i = 0; i < lm; i++) {
      double x = fabs(a[i + j * lld]);
      if (x > amax) amax = x;
      nan |= isnan(x);
    }
  *scale = 0.0;
  *ssq = 0.0;
  if (nan) {
    *scale = 1.0;
    *ssq = NAN;
    return;
  }
  if (amax == 0.0) return;
  if (isinf(amax)) {
    *scale = INFINITY;
    *ssq = 1.0;
    return;
  }
  frexp(amax, &e);
  inv = ldexp(1.0, -e);
  for (int64_t j = 0; j < ln; j++)
    for (int64_t i = 0; i < lm; i++) {
      double x = a[i + j * lld] * inv, t = sum + x * x;
      comp += fabs(sum) >= x * x ? (sum - t) + x * x : (x * x - t) + sum;
      sum = t;
    }
  *scale = ldexp(1.0, e);
  *ssq = sum + comp;
}

rla_err rla_norm_fro_pieces(rla_ctx ctx, const double *a, int64_t lm, int64_t ln, int64_t lld,
                            double *nrm)
{
  double loc[2], glob[2];
  MPI_Op op;
  MPI_Datatype pair;
  local_ssq(a, lm, ln, lld, &loc[0], &loc[1]);
  MPI_Type_contiguous(2, MPI_DOUBLE, &pair);
  MPI_Type_commit(&pair);
  MPI_Op_create(ssq_combine, 1, &op);
  MPI_Allreduce(loc, glob, 1, pair, op, rla_ctx_comm(ctx));
  MPI_Op_free(&op);
  MPI_Type_free(&pair);
  *nrm = glob[0] * sqrt(glob[1]);
  return RLA_SUCCESS;
}

rla_err rla_dmat_norm_fro(rla_dmat A, double *nrm)
{
  return rla_norm_fro_pieces(A->ctx, A->a, A->lm, A->ln, A->lld, nrm);
}

rla_err rla_dmat_norm_max(rla_dmat A, double *nrm)
{
  double loc = 0.0;
  for (int64_t j = 0; j < A->ln; j++)
    for (int64_t i = 0; i < A->lm; i++)
      if (fabs(A->a[i + j * A->lld]) > loc || isnan(A->a[i + j * A->lld]))
        loc = fabs(A->a[i + j * A->lld]);
  RLA_MPI(A->ctx, MPI_Allreduce(&loc, nrm, 1, MPI_DOUBLE, MPI_MAX, A->ctx->comm));
  return RLA_SUCCESS;
}

rla_err rla_dmat_check_finite(rla_dmat A, const char *name)
{
  long long first = LLONG_MAX, gfirst;
  /* the position is looked for only where the fast test finds something */
  int64_t ln = isnan(rla_max_abs(A->a, A->lm, A->ln, A->lld)) ? A->ln : 0;
  for (int64_t j = 0; j < ln; j++)
    for (int64_t i = 0; i < A->lm; i++)
      if (!isfinite(A->a[i + j * A->lld])) {
        /* position in row-major order so the message names the first bad row */
        long long pos = (long long)rla_dmat_global_row(A, i) * A->n + rla_dmat_global_col(A, j);
        if (pos < first) first = pos;
      }
  RLA_MPI(A->ctx, MPI_Allreduce(&first, &gfirst, 1, MPI_LONG_LONG, MPI_MIN, A->ctx->comm));
  RLA_CHECK(A->ctx, gfirst == LLONG_MAX, RLA_ERR_VALUE,
            "%s: non-finite value (NaN or Inf) at row %lld, column %lld (0-based)",
            name ? name : "matrix", gfirst / (A->n ? A->n : 1), gfirst % (A->n ? A->n : 1));
  return RLA_SUCCESS;
}

rla_err rla_dmat_gemm(char transa, char transb, double alpha, rla_dmat A, rla_dmat B, double beta,
                      rla_dmat C)
{
  rla_ctx ctx = A->ctx;
  int64_t am = transa == 'N' ? A->m : A->n, ak = transa == 'N' ? A->n : A->m;
  int64_t bk = transb == 'N' ? B->m : B->n, bn = transb == 'N' ? B->n : B->m;
  int m, n, k, one = 1;
  RLA_CHECK(ctx, (transa == 'N' || transa == 'T') && (transb == 'N' || transb == 'T'), RLA_ERR_ARG,
            "gemm: transpose flags must be 'N' or 'T'");
  RLA_CHECK(ctx, ak == bk && C->m == am && C->n == bn, RLA_ERR_SHAPE,
            "gemm: op(A) %lld x %lld, op(B) %lld x %lld and C %lld x %lld do not fit",
            (long long)am, (long long)ak, (long long)bk, (long long)bn, (long long)C->m,
            (long long)C->n);
  RLA_CHECK(ctx, A->ictxt == B->ictxt && A->ictxt == C->ictxt, RLA_ERR_ARG,
            "gemm: matrices must share one process grid (redistribute first)");
  m = (int)am;
  n = (int)bn;
  k = (int)ak;
  if (m == 0 || n == 0) return RLA_SUCCESS;
  if (k == 0) {
    rla_dmat_scale(C, beta);
    return RLA_SUCCESS;
  }
  pdgemm_(&transa, &transb, &m, &n, &k, &alpha, A->a, &one, &one, A->desc, B->a, &one, &one,
          B->desc, &beta, C->a, &one, &one, C->desc);
  return RLA_SUCCESS;
}

rla_err rla_dmat_norm2_estimate(rla_dmat A, int iters, uint64_t seed, double *nrm)
{
  rla_ctx ctx = A->ctx;
  rla_dmat x = NULL, y = NULL;
  rla_err err = RLA_SUCCESS;
  double nx = 0.0, ny = 0.0;
  int64_t mb = A->layout == RLA_DMAT_CYCLIC ? A->nb : 0;

  *nrm = 0.0;
  if (A->m == 0 || A->n == 0) return RLA_SUCCESS;
  if (A->layout == RLA_DMAT_ROWBLOCK) {
    RLA_CALL_GOTO(ctx, err, done, rla_dmat_create_rowblock(ctx, A->n, 1, 0, &x));
    RLA_CALL_GOTO(ctx, err, done, rla_dmat_create_rowblock(ctx, A->m, 1, A->mb, &y));
  } else {
    RLA_CALL_GOTO(ctx, err, done, rla_dmat_create_cyclic(ctx, A->n, 1, mb, 1, &x));
    RLA_CALL_GOTO(ctx, err, done, rla_dmat_create_cyclic(ctx, A->m, 1, A->mb, 1, &y));
  }
  for (int64_t i = 0; i < x->lm; i++)
    rla_rng_gaussian(rla_rng_make(seed, RLA_RNG_NORM_EST), (uint64_t)rla_dmat_global_row(x, i), 0,
                     x->ln, &x->a[i]);
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_norm_fro(x, &nx));
  for (int it = 0; it < iters && nx > 0.0; it++) {
    rla_dmat_scale(x, 1.0 / nx);
    RLA_CALL_GOTO(ctx, err, done, rla_dmat_gemm('N', 'N', 1.0, A, x, 0.0, y));
    RLA_CALL_GOTO(ctx, err, done, rla_dmat_norm_fro(y, &ny));
    if (ny > *nrm) *nrm = ny;
    RLA_CALL_GOTO(ctx, err, done, rla_dmat_gemm('T', 'N', 1.0, A, y, 0.0, x));
    RLA_CALL_GOTO(ctx, err, done, rla_dmat_norm_fro(x, &nx));
    if (ny > 0.0 && nx / ny > *nrm) *nrm = nx / ny; /* ||A^T y|| / ||y|| <= ||A||_2 */
  }
done:
  rla_dmat_destroy(&x);
  rla_dmat_destroy(&y);
  return err;
}

rla_err rla_dmat_view(rla_dmat A, FILE *out)
{
  rla_ctx ctx = A->ctx;
  double *buf = NULL;
  int small = A->m * A->n <= 400;
  rla_err err = RLA_SUCCESS;
  if (ctx->rank == 0)
    fprintf(out, "rla_dmat %lld x %lld, %s layout, grid %d x %d, blocks %lld x %lld\n",
            (long long)A->m, (long long)A->n,
            A->layout == RLA_DMAT_ROWBLOCK ? "row-block" : "cyclic", A->nprow, A->npcol,
            (long long)A->mb, (long long)A->nb);
  if (!small) return RLA_SUCCESS;
  if (ctx->rank == 0) err = rla_calloc(ctx, (size_t)(A->m * A->n), sizeof(double), &buf);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  err = rla_dmat_gather(A, 0, buf);
  if (!err && ctx->rank == 0)
    for (int64_t i = 0; i < A->m; i++) {
      for (int64_t j = 0; j < A->n; j++)
        fprintf(out, " % .6e", buf[i + j * A->m]);
      fputc('\n', out);
    }
  free(buf);
  return err;
}
