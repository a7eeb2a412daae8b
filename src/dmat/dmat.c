/* SPDX-License-Identifier: BSD-3-Clause */
/* Distributed dense matrices: creation, local access, index maps, redistribution, norms, GEMM,
   gather and scatter. Communication: one all-to-all per panel of columns for a
   redistribution; pdgemm as ScaLAPACK does it; one allreduce per norm; gather/scatter move the
   matrix once through rank root. */
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

static int64_t numroc64(int64_t n, int64_t nb, int iproc, int nprocs)
{
  int64_t nblocks = n / nb, r = (nblocks / nprocs) * nb, extra = nblocks % nprocs;
  if (iproc < extra)
    r += nb;
  else if (iproc == extra)
    r += n % nb;
  return r;
}

/* doubles in the local array: lld x ln, or a one-entry placeholder when the matrix is empty (a
   0 x n file header must not ask for n doubles on every rank) */
static size_t local_entries(const struct rla_dmat_s *A)
{
  return A->m > 0 && A->n > 0 ? (size_t)(A->lld * A->ln) : 1;
}

static rla_err create(rla_ctx ctx, rla_dmat_layout layout, int64_t m, int64_t n, int64_t mb,
                      int64_t nb, int nprow, int npcol, rla_dmat *out)
{
  rla_dmat A = NULL;
  int info = 0, zero = 0, im, in, imb, inb, illd;
  rla_err err;

  RLA_CHECK(ctx, out, RLA_ERR_ARG, "null output matrix pointer");
  *out = NULL;
  RLA_CHECK(ctx, m >= 0 && n >= 0, RLA_ERR_ARG,
            "matrix sizes must be non-negative, got %lld x %lld", (long long)m, (long long)n);
  RLA_CHECK(ctx, m <= INT_MAX && n <= INT_MAX, RLA_ERR_UNSUPPORTED,
            "matrix %lld x %lld exceeds the 32-bit dimensions of ScaLAPACK", (long long)m,
            (long long)n);
  RLA_CHECK(ctx, mb >= 1 && nb >= 1 && mb <= INT_MAX && nb <= INT_MAX, RLA_ERR_ARG,
            "block sizes must be positive, got %lld x %lld", (long long)mb, (long long)nb);
  /* agreed before the grid is made: that is collective */
  err = rla_ctx_agree(ctx, rla_calloc(ctx, 1, sizeof(*A), &A));
  if (err) {
    free(A);
    return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  }
  A->ctx = ctx;
  A->layout = layout;
  A->m = m;
  A->n = n;
  A->mb = mb;
  A->nb = nb;
  err = rla_ctx_grid(ctx, nprow, npcol, &A->ictxt);
  if (err) {
    free(A);
    return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  }
  Cblacs_gridinfo(A->ictxt, &A->nprow, &A->npcol, &A->myrow, &A->mycol);
  A->lm = numroc64(m, mb, A->myrow, A->nprow);
  A->ln = numroc64(n, nb, A->mycol, A->npcol);
  A->lld = A->lm > 1 ? A->lm : 1;
  im = (int)m;
  in = (int)n;
  imb = (int)mb;
  inb = (int)nb;
  illd = (int)A->lld;
  descinit_(A->desc, &im, &in, &imb, &inb, &zero, &zero, &A->ictxt, &illd, &info);
  err = info ? rla_error_set(ctx, RLA_ERR_INTERNAL, __func__, __FILE__, __LINE__,
                             "descinit failed (info %d) for %lld x %lld", info, (long long)m,
                             (long long)n)
             : rla_calloc_matrix(ctx, local_entries(A), sizeof(double), &A->a);
  err = rla_ctx_agree(ctx, err);
  if (err) {
    free(A->a);
    free(A);
    return err;
  }
  *out = A;
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
  free((*A)->a);
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

static int64_t l2g(int64_t l, int64_t nb, int iproc, int nprocs)
{
  return (l / nb) * nb * nprocs + (int64_t)iproc * nb + l % nb;
}

int64_t rla_dmat_global_row(rla_dmat A, int64_t i) { return l2g(i, A->mb, A->myrow, A->nprow); }
int64_t rla_dmat_global_col(rla_dmat A, int64_t j) { return l2g(j, A->nb, A->mycol, A->npcol); }
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

/* Redistribution between two block-cyclic layouts (both with their first block on process
   (0, 0) of a column-major grid over the context's ranks, as create makes them), by panels of
   whole columns with one MPI_Alltoallv each: every rank packs its runs of each column by
   destination and unpacks what it receives in the same order (columns, then rows,
   increasing), each side computing both counts from the replicated layouts. It replaces
   pdgemr2d, several times slower on tall matrices (bench/README.md, "Tuning constants"). */
#define REDIST_PANEL_DOUBLES 1048576 /* per rank and panel: 8 MiB sent, 8 MiB received */

/* The rank (column-major on the grid, as rla_ctx_grid makes it) that owns global (i, j) */
static int owner(const struct rla_dmat_s *X, int64_t i, int64_t j)
{
  return (int)((i / X->mb) % X->nprow) + (int)((j / X->nb) % X->npcol) * X->nprow;
}

/* local offset of global (i, j) in X's array on its owner */
static int64_t local_offset(const struct rla_dmat_s *X, int64_t i, int64_t j)
{
  int64_t li = (i / (X->mb * X->nprow)) * X->mb + i % X->mb;
  int64_t lj = (j / (X->nb * X->npcol)) * X->nb + j % X->nb;
  return li + lj * X->lld;
}

/* The runs of rows of column j that X's rank (prow) owns, each cut where Y's row blocks change:
   calls f(i, len, owner in Y) for each, rows increasing. */
typedef void (*run_fn)(int64_t i, int64_t len, int other, void *data);
static void column_runs(const struct rla_dmat_s *X, int prow, const struct rla_dmat_s *Y, int64_t j,
                        run_fn f, void *data)
{
  for (int64_t b0 = (int64_t)prow * X->mb; b0 < X->m; b0 += X->mb * X->nprow) {
    int64_t b1 = b0 + X->mb < X->m ? b0 + X->mb : X->m;
    for (int64_t i = b0; i < b1;) {
      int64_t e = (i / Y->mb + 1) * Y->mb;
      if (e > b1) e = b1;
      f(i, e - i, owner(Y, i, j), data);
      i = e;
    }
  }
}

typedef struct {
  const struct rla_dmat_s *X; /* the matrix whose array is read or written */
  int64_t j;
  int *count;  /* per other rank */
  int *offset; /* running position in buf, per other rank */
  double *buf; /* NULL: count only */
  int unpack;  /* 0: X's array -> buf; 1: buf -> X's array */
} run_ctx;

static void run_visit(int64_t i, int64_t len, int other, void *data)
{
  run_ctx *c = data;
  if (!c->buf) {
    c->count[other] += (int)len;
    return;
  }
  {
    double *x = c->X->a + local_offset(c->X, i, c->j), *b = c->buf + c->offset[other];
    if (c->unpack)
      memcpy(x, b, sizeof(double) * (size_t)len);
    else
      memcpy(b, x, sizeof(double) * (size_t)len);
    c->offset[other] += (int)len;
  }
}

/* Visit the entries of columns [j0, j1) that this rank owns in X, by the owner in Y. */
static void panel_runs(const struct rla_dmat_s *X, const struct rla_dmat_s *Y, int64_t j0,
                       int64_t j1, run_ctx *c)
{
  for (int64_t j = j0; j < j1; j++) {
    if ((int)((j / X->nb) % X->npcol) != X->mycol) continue;
    c->j = j;
    column_runs(X, X->myrow, Y, j, run_visit, c);
  }
}

rla_err rla_dmat_redistribute(rla_dmat A, rla_dmat B)
{
  rla_ctx ctx = A->ctx;
  int p = ctx->size;
  int *sc = NULL, *sd = NULL, *rc = NULL, *rd = NULL;
  double *sbuf = NULL, *rbuf = NULL;
  int64_t rows_max, w;
  rla_err err = RLA_SUCCESS;
  RLA_CHECK(ctx, A->ctx == B->ctx, RLA_ERR_ARG, "matrices belong to different contexts");
  RLA_CHECK(ctx, A->m == B->m && A->n == B->n, RLA_ERR_SHAPE,
            "cannot redistribute %lld x %lld into %lld x %lld", (long long)A->m, (long long)A->n,
            (long long)B->m, (long long)B->n);
  if (A->m == 0 || A->n == 0) return RLA_SUCCESS;
  /* columns per panel, the same on every rank: at most REDIST_PANEL_DOUBLES entries of a panel
     on any rank, in A or in B */
  rows_max = numroc64(A->m, A->mb, 0, A->nprow); /* process row 0 holds the most rows */
  if (numroc64(B->m, B->mb, 0, B->nprow) > rows_max) rows_max = numroc64(B->m, B->mb, 0, B->nprow);
  w = REDIST_PANEL_DOUBLES / (rows_max > 0 ? rows_max : 1);
  if (w < 1) w = 1;
  err = rla_calloc(ctx, (size_t)(4 * p), sizeof(int), &sc);
  if (!err) err = rla_calloc(ctx, (size_t)(rows_max * w), sizeof(double), &sbuf);
  if (!err) err = rla_calloc(ctx, (size_t)(rows_max * w), sizeof(double), &rbuf);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  sd = sc + p;
  rc = sd + p;
  rd = rc + p;
  for (int64_t j0 = 0; j0 < A->n; j0 += w) {
    int64_t j1 = j0 + w < A->n ? j0 + w : A->n;
    run_ctx send = {A, 0, sc, sd, NULL, 0}, recv = {B, 0, rc, rd, NULL, 1};
    memset(sc, 0, sizeof(int) * (size_t)(4 * p));
    panel_runs(A, B, j0, j1, &send); /* counts of what goes to each rank */
    panel_runs(B, A, j0, j1, &recv); /* and of what comes from each */
    for (int r = 1; r < p; r++) {
      sd[r] = sd[r - 1] + sc[r - 1];
      rd[r] = rd[r - 1] + rc[r - 1];
    }
    send.buf = sbuf;
    panel_runs(A, B, j0, j1, &send); /* pack; the offsets end at the next rank's start */
    for (int r = p - 1; r > 0; r--)
      sd[r] = sd[r - 1];
    sd[0] = 0;
    {
      int mrc = MPI_Alltoallv(sbuf, sc, sd, MPI_DOUBLE, rbuf, rc, rd, MPI_DOUBLE, ctx->comm);
      RLA_CHECK_GOTO(ctx, err, done, mrc == MPI_SUCCESS, RLA_ERR_MPI,
                     "MPI_Alltoallv of a redistribution failed (MPI error %d)", mrc);
    }
    recv.buf = rbuf;
    panel_runs(B, A, j0, j1, &recv); /* unpack in the order the sender packed */
  }
done:
  free(sc);
  free(sbuf);
  free(rbuf);
  return err;
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
static void local_ssq(rla_dmat A, double *scale, double *ssq)
{
  double amax = 0.0, sum = 0.0, comp = 0.0, inv;
  int nan = 0, e;
  for (int64_t j = 0; j < A->ln; j++)
    for (int64_t i = 0; i < A->lm; i++) {
      double x = fabs(A->a[i + j * A->lld]);
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
  for (int64_t j = 0; j < A->ln; j++)
    for (int64_t i = 0; i < A->lm; i++) {
      double x = A->a[i + j * A->lld] * inv, t = sum + x * x;
      comp += fabs(sum) >= x * x ? (sum - t) + x * x : (x * x - t) + sum;
      sum = t;
    }
  *scale = ldexp(1.0, e);
  *ssq = sum + comp;
}

rla_err rla_dmat_norm_fro(rla_dmat A, double *nrm)
{
  double loc[2], glob[2];
  MPI_Op op;
  MPI_Datatype pair;
  local_ssq(A, &loc[0], &loc[1]);
  MPI_Type_contiguous(2, MPI_DOUBLE, &pair);
  MPI_Type_commit(&pair);
  MPI_Op_create(ssq_combine, 1, &op);
  MPI_Allreduce(loc, glob, 1, pair, op, A->ctx->comm);
  MPI_Op_free(&op);
  MPI_Type_free(&pair);
  *nrm = glob[0] * sqrt(glob[1]);
  return RLA_SUCCESS;
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

/* count of entries held by rank r (at grid position r % nprow, r / nprow) */
static void rank_coords(rla_dmat A, int r, int *pr, int *pc)
{
  *pr = r % A->nprow;
  *pc = r / A->nprow;
}

static rla_err exchange_setup(rla_dmat A, int **counts, int **displs)
{
  rla_ctx ctx = A->ctx;
  int p = ctx->size;
  long long total = 0;
  RLA_CHECK(ctx, A->m * A->n <= INT_MAX, RLA_ERR_UNSUPPORTED,
            "gather/scatter of a %lld x %lld matrix exceeds 2^31 entries", (long long)A->m,
            (long long)A->n);
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)p, sizeof(int), counts));
  if (rla_calloc(ctx, (size_t)p, sizeof(int), displs)) {
    rla_free(counts);
    return RLA_ERR_MEM;
  }
  for (int r = 0; r < p; r++) {
    int pr, pc;
    rank_coords(A, r, &pr, &pc);
    (*counts)[r] = (int)(numroc64(A->m, A->mb, pr, A->nprow) * numroc64(A->n, A->nb, pc, A->npcol));
    (*displs)[r] = (int)total;
    total += (*counts)[r];
  }
  return RLA_SUCCESS;
}

/* move between the packed local array of rank r (inside all) and the full column-major buf */
static void unpack_rank(rla_dmat A, int r, const double *packed, double *full, int to_full)
{
  int pr, pc;
  int64_t lm, ln;
  rank_coords(A, r, &pr, &pc);
  lm = numroc64(A->m, A->mb, pr, A->nprow);
  ln = numroc64(A->n, A->nb, pc, A->npcol);
  for (int64_t j = 0; j < ln; j++) {
    int64_t gj = l2g(j, A->nb, pc, A->npcol);
    for (int64_t i = 0; i < lm; i++) {
      int64_t gi = l2g(i, A->mb, pr, A->nprow);
      if (to_full)
        full[gi + gj * A->m] = packed[i + j * lm];
      else
        ((double *)packed)[i + j * lm] = full[gi + gj * A->m];
    }
  }
}

static void pack_local(rla_dmat A, double *packed, int to_packed)
{
  for (int64_t j = 0; j < A->ln; j++)
    for (int64_t i = 0; i < A->lm; i++)
      if (to_packed)
        packed[i + j * A->lm] = A->a[i + j * A->lld];
      else
        A->a[i + j * A->lld] = packed[i + j * A->lm];
}

rla_err rla_dmat_gather(rla_dmat A, int root, double *buf)
{
  rla_ctx ctx = A->ctx;
  int *counts = NULL, *displs = NULL, p = ctx->size, recv = root < 0 || root == ctx->rank;
  double *mine = NULL, *all = NULL;
  rla_err err = RLA_SUCCESS;

  RLA_CHECK(ctx, root < p, RLA_ERR_ARG, "gather: root %d out of range", root);
  err = exchange_setup(A, &counts, &displs);
  if (!err) err = rla_calloc(ctx, (size_t)(A->lm * A->ln), sizeof(double), &mine);
  if (!err && recv) err = rla_calloc(ctx, (size_t)(A->m * A->n), sizeof(double), &all);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  pack_local(A, mine, 1);
  if (root < 0)
    err = MPI_Allgatherv(mine, counts[ctx->rank], MPI_DOUBLE, all, counts, displs, MPI_DOUBLE,
                         ctx->comm);
  else
    err = MPI_Gatherv(mine, counts[ctx->rank], MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, root,
                      ctx->comm);
  RLA_CHECK_GOTO(ctx, err, done, err == MPI_SUCCESS, RLA_ERR_MPI, "gather failed");
  if (recv)
    for (int r = 0; r < p; r++)
      unpack_rank(A, r, all + displs[r], buf, 1);
done:
  free(counts);
  free(displs);
  free(mine);
  free(all);
  return err;
}

rla_err rla_dmat_scatter(rla_dmat A, int root, const double *buf)
{
  rla_ctx ctx = A->ctx;
  int *counts = NULL, *displs = NULL, p = ctx->size;
  double *mine = NULL, *all = NULL;
  rla_err err = RLA_SUCCESS;

  RLA_CHECK(ctx, root >= 0 && root < p, RLA_ERR_ARG, "scatter: root %d out of range", root);
  err = exchange_setup(A, &counts, &displs);
  if (!err) err = rla_calloc(ctx, (size_t)(A->lm * A->ln), sizeof(double), &mine);
  if (!err && ctx->rank == root) err = rla_calloc(ctx, (size_t)(A->m * A->n), sizeof(double), &all);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  if (ctx->rank == root)
    for (int r = 0; r < p; r++)
      unpack_rank(A, r, all + displs[r], (double *)buf, 0);
  err = MPI_Scatterv(all, counts, displs, MPI_DOUBLE, mine, counts[ctx->rank], MPI_DOUBLE, root,
                     ctx->comm);
  RLA_CHECK_GOTO(ctx, err, done, err == MPI_SUCCESS, RLA_ERR_MPI, "scatter failed");
  pack_local(A, mine, 0);
done:
  free(counts);
  free(displs);
  free(mine);
  free(all);
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
