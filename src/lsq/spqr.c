/* SPDX-License-Identifier: BSD-3-Clause */
/* Direct least squares on a sparse A with SuiteSparseQR, on rank 0.
   Method: A's CSR rows and B are gathered to rank 0 (one MPI_Gatherv per array: row offsets,
   column indices, values and each column of B; never an all-to-all). The CSR arrays of A are
   the compressed columns of A^T, so CHOLMOD's transpose gives A in compressed columns.
   SuiteSparseQR (Davis, ACM TOMS 38(1), 2011: multifrontal Householder QR after a fill-reducing
   column ordering, with Heath's rank detection: a column whose norm falls to tol or below when
   its turn comes is dead) factors A E = Q R with its default ordering and tolerance
   (tol = 20 (m + n) eps max_j ||A(:, j)||), applying Q^T to B on the fly (Q is not kept). With
   econ = 0, R and Z = Q^T B have r rows, r the rank found; every least-squares solution x of
   the problem with the dead columns' residuals dropped satisfies R E^T x = Z. When r = n, R is
   upper triangular and x = E R^-1 Z. When r < n, R is r x n of full row rank, and the
   minimum-norm solution of R y = Z comes from the QR of its transpose, R^T F = Q2 R2:
   y = Q2 R2^-T F^T Z (what the C++ SuiteSparseQR_min2norm does for a wide matrix; the C
   interface of SuiteSparse 5.12, Debian 12's, lacks it). x = E y is the minimum-norm solution
   of the truncated problem, as the sketching methods return after truncation. X is broadcast
   to every rank.
   Cost: the gather moves nnz (12 bytes each) and m nrhs words to rank 0, and the broadcast
   n nrhs words back; SuiteSparseQR's flops and memory depend on the fill of R (for nonzeros
   spread at random over the columns R fills in: up to 2 m n^2 flops and n^2 / 2 entries), all
   on rank 0, which holds A twice (A^T and A, 16 bytes per entry each) while it transposes it. */
#include "config.h"

#include <limits.h>
#include <string.h>

#include "lsq_impl.h"

#ifdef HAVE_SPQR
#include <SuiteSparseQR_C.h>

int rla_lsq_has_spqr(void) { return 1; }

/* The gathered problem on rank 0: A^T in compressed columns (n x m, the CSR of A), B (m x nrhs),
   and the counts and displacements of the gathers (rows, then nonzeros, of each rank). */
struct gathered {
  cholmod_sparse *at;
  cholmod_dense *b;
  int *count_rows, *displ_rows, *count_nz, *displ_nz;
};

/* RLA_ERR_MEM, RLA_ERR_UNSUPPORTED or RLA_ERR_LIB for CHOLMOD's status after what failed. */
static rla_err cholmod_failure(rla_ctx ctx, const cholmod_common *cc, const char *what, int64_t m,
                               int64_t n, int64_t nnz)
{
  if (cc->status == CHOLMOD_OUT_OF_MEMORY)
    return rla_error_set(ctx, RLA_ERR_MEM, __func__, __FILE__, __LINE__,
                         "SuiteSparseQR (%s) ran out of memory on rank 0, which holds the whole "
                         "%lld x %lld A (%lld nonzeros) and its R factor: use the accurate method, "
                         "which keeps A distributed",
                         what, (long long)m, (long long)n, (long long)nnz);
  if (cc->status == CHOLMOD_TOO_LARGE)
    return rla_error_set(ctx, RLA_ERR_UNSUPPORTED, __func__, __FILE__, __LINE__,
                         "SuiteSparseQR (%s): the %lld x %lld A with %lld nonzeros is too large "
                         "for its integers: use the accurate method",
                         what, (long long)m, (long long)n, (long long)nnz);
  return rla_error_set(ctx, RLA_ERR_LIB, __func__, __FILE__, __LINE__,
                       "SuiteSparseQR (%s) failed with CHOLMOD status %d", what, cc->status);
}

/* Rank 0: from the (rows, nonzeros) of every rank, the gathers' counts and displacements, and
   the arrays that receive A^T and B. Every total must fit the int counts of MPI. Local. */
static rla_err gather_plan(rla_ctx ctx, cholmod_common *cc, const int64_t *sizes, int64_t m,
                           int64_t n, int64_t nrhs, struct gathered *g)
{
  int P = rla_ctx_size(ctx);
  int64_t rows = 0, nnz = 0;
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)(4 * P), sizeof(int), &g->count_rows));
  g->displ_rows = g->count_rows + P;
  g->count_nz = g->count_rows + 2 * P;
  g->displ_nz = g->count_rows + 3 * P;
  for (int r = 0; r < P; r++) {
    rows += sizes[2 * r];
    nnz += sizes[2 * r + 1];
  }
  RLA_CHECK(ctx, rows == m && m * (nrhs > 1 ? nrhs : 1) <= INT_MAX && nnz <= INT_MAX,
            RLA_ERR_UNSUPPORTED,
            "the direct sparse solver gathers A and B to rank 0 in single MPI messages, and A "
            "(%lld x %lld, %lld nonzeros) or B (%lld columns) exceeds their 2^31 - 1 entries: use "
            "the accurate method",
            (long long)m, (long long)n, (long long)nnz, (long long)nrhs);
  for (int r = 0; r < P; r++) {
    g->count_rows[r] = (int)sizes[2 * r];
    g->count_nz[r] = (int)sizes[2 * r + 1];
    g->displ_rows[r] = r ? g->displ_rows[r - 1] + g->count_rows[r - 1] : 0;
    g->displ_nz[r] = r ? g->displ_nz[r - 1] + g->count_nz[r - 1] : 0;
  }
  g->at = cholmod_l_allocate_sparse((size_t)n, (size_t)m, (size_t)nnz, 1, 1, 0, CHOLMOD_REAL, cc);
  if (g->at) g->b = cholmod_l_allocate_dense((size_t)m, (size_t)nrhs, (size_t)m, CHOLMOD_REAL, cc);
  if (!g->b) return cholmod_failure(ctx, cc, "allocating the gathered A", m, n, nnz);
  return RLA_SUCCESS;
}

/* Rank 0 turns the gathered arrays into A^T's compressed columns: each rank's row offsets
   (which start from 0 on every rank) shifted by the nonzeros of the ranks before it, and the
   32-bit column indices, received into the first half of the 64-bit index array, widened in
   place from the last one down (entry k's 8 bytes cover the 4-byte slots 2k and 2k + 1, which
   for k > 0 lie above k and are already read). Local. */
static void gather_finish(int P, struct gathered *g)
{
  SuiteSparse_long *cp = g->at->p, *ci = g->at->i;
  const int32_t *narrow = (const int32_t *)g->at->i;
  int64_t nnz = g->displ_nz[P - 1] + (int64_t)g->count_nz[P - 1];
  cp[0] = 0;
  for (int r = 0; r < P; r++)
    for (int i = 1; i <= g->count_rows[r]; i++)
      cp[g->displ_rows[r] + i] += g->displ_nz[r];
  for (int64_t k = nnz - 1; k >= 0; k--)
    ci[k] = (SuiteSparse_long)narrow[k];
}

/* Gather A's CSR rows and B to rank 0 into g. Collective; errors agreed. */
static rla_err gather(rla_ctx ctx, cholmod_common *cc, rla_smat A, const lsq_problem *p,
                      struct gathered *g)
{
  MPI_Comm comm = rla_ctx_comm(ctx);
  int root = rla_ctx_rank(ctx) == 0, P = rla_ctx_size(ctx);
  const int64_t *rowptr;
  const int32_t *colind;
  double *val;
  int64_t mine[2], *sizes = NULL;
  int lm = (int)p->lm, lnz;
  rla_err err = RLA_SUCCESS;
  rla_smat_local(A, &rowptr, &colind, &val);
  mine[0] = p->lm;
  mine[1] = rla_smat_local_nnz(A);
  lnz = mine[1] <= INT_MAX ? (int)mine[1] : INT_MAX;
  if (root) err = rla_calloc(ctx, (size_t)(2 * P), sizeof(int64_t), &sizes);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  err = MPI_Gather(mine, 2, MPI_INT64_T, sizes, 2, MPI_INT64_T, 0, comm) == MPI_SUCCESS
            ? RLA_SUCCESS
            : rla_error_set(ctx, RLA_ERR_MPI, __func__, __FILE__, __LINE__,
                            "gathering the sizes of A's rows failed");
  if (root && !err) err = gather_plan(ctx, cc, sizes, p->m, p->d, p->nrhs, g);
  rla_free(&sizes);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  RLA_MPI(ctx, MPI_Gatherv(rowptr + 1, lm, MPI_INT64_T, root ? (int64_t *)g->at->p + 1 : NULL,
                           g->count_rows, g->displ_rows, MPI_INT64_T, 0, comm));
  RLA_MPI(ctx, MPI_Gatherv(colind, lnz, MPI_INT32_T, root ? g->at->i : NULL, g->count_nz,
                           g->displ_nz, MPI_INT32_T, 0, comm));
  RLA_MPI(ctx, MPI_Gatherv(val, lnz, MPI_DOUBLE, root ? g->at->x : NULL, g->count_nz, g->displ_nz,
                           MPI_DOUBLE, 0, comm));
  for (int64_t j = 0; j < p->nrhs; j++)
    RLA_MPI(ctx, MPI_Gatherv(p->b + j * p->ldb, lm, MPI_DOUBLE,
                             root ? (double *)g->b->x + j * p->m : NULL, g->count_rows,
                             g->displ_rows, MPI_DOUBLE, 0, comm));
  if (root) gather_finish(P, g);
  return RLA_SUCCESS;
}

/* y (n x nrhs, leading dimension n) = R^-1 y for the n x n upper triangular R in compressed
   columns (rows sorted or not), by columns from the last. Local. */
static void back_substitute(const cholmod_sparse *R, int64_t nrhs, double *y)
{
  const SuiteSparse_long *rp = R->p, *ri = R->i;
  const double *rx = R->x;
  int64_t n = (int64_t)R->ncol;
  for (int64_t j = 0; j < nrhs; j++) {
    double *yj = y + j * n;
    for (int64_t c = n - 1; c >= 0; c--) {
      double diag = 0.0;
      for (SuiteSparse_long k = rp[c]; k < rp[c + 1]; k++)
        if (ri[k] == c) diag += rx[k];
      yj[c] /= diag;
      for (SuiteSparse_long k = rp[c]; k < rp[c + 1]; k++)
        if (ri[k] < c) yj[ri[k]] -= rx[k] * yj[c];
    }
  }
}

/* The minimum-norm solution (n x nrhs) of R y = Z for the r x n R of full row rank r < n: QR of
   R^T (n x r) with a fill-reducing column permutation F, R^T F = Q2 R2, then y = Q2 (R2^-T F^T Z).
   NULL on failure (cc->status tells). Local. */
static cholmod_dense *min2norm(cholmod_sparse *r, cholmod_dense *z, cholmod_common *cc)
{
  cholmod_sparse *rt = cholmod_l_transpose(r, 1, cc);
  SuiteSparseQR_C_factorization *qr = NULL;
  cholmod_dense *w = NULL, *y = NULL;
  if (rt) qr = SuiteSparseQR_C_factorize(SPQR_ORDERING_DEFAULT, SPQR_DEFAULT_TOL, rt, cc);
  if (qr) w = SuiteSparseQR_C_solve(SPQR_RTX_EQUALS_ETB, qr, z, cc);
  if (w) y = SuiteSparseQR_C_qmult(SPQR_QX, qr, w, cc);
  cholmod_l_free_dense(&w, cc);
  SuiteSparseQR_C_free(&qr, cc);
  cholmod_l_free_sparse(&rt, cc);
  return y;
}

/* Rank 0: factor A (its transpose in g->at) and solve for p->x; *rank receives the rank found.
   Local. */
static rla_err factor_solve(rla_ctx ctx, cholmod_common *cc, struct gathered *g,
                            const lsq_problem *p, int64_t *rank)
{
  cholmod_sparse *a = NULL, *r = NULL;
  cholmod_dense *z = NULL, *y = NULL;
  SuiteSparse_long *e = NULL, rk = -1;
  int64_t n = p->d, nnz = (int64_t)g->at->nzmax;
  const double *ys = NULL;
  rla_err err = RLA_SUCCESS;
  a = cholmod_l_transpose(g->at, 1, cc);
  cholmod_l_free_sparse(&g->at, cc); /* A is held once while it is factored */
  if (a)
    rk = SuiteSparseQR_C(SPQR_ORDERING_DEFAULT, SPQR_DEFAULT_TOL, 0, 0, a, NULL, g->b, NULL, &z, &r,
                         &e, NULL, NULL, NULL, cc);
  if (rk < 0 || !z || !r || cc->status < CHOLMOD_OK) {
    err = cholmod_failure(ctx, cc, "factoring A", p->m, n, nnz);
    goto done;
  }
  *rank = (int64_t)rk;
  if (rk == n) {
    back_substitute(r, p->nrhs, z->x);
    ys = z->x;
  } else if (rk > 0) {
    y = min2norm(r, z, cc);
    if (!y || cc->status < CHOLMOD_OK) {
      err = cholmod_failure(ctx, cc, "the minimum-norm solution of the rank-deficient A", p->m, n,
                            nnz);
      goto done;
    }
    ys = y->x;
  }
  /* x(E(k)) = y(k); a zero rank (every column dead) gives x = 0 */
  for (int64_t j = 0; j < p->nrhs; j++)
    for (int64_t k = 0; k < n; k++)
      p->x[(e ? e[k] : k) + j * p->ldx] = ys ? ys[k + j * (int64_t)n] : 0.0;
done:
  cholmod_l_free_sparse(&a, cc);
  cholmod_l_free_sparse(&r, cc);
  cholmod_l_free_dense(&z, cc);
  cholmod_l_free_dense(&y, cc);
  if (e) cholmod_l_free((size_t)n, sizeof(SuiteSparse_long), e, cc);
  return err;
}

rla_err lsq_spqr(rla_lsq L, rla_smat A, const lsq_problem *p, rla_lsq_info *info)
{
  rla_ctx ctx = L->ctx;
  cholmod_common cc;
  struct gathered g = {NULL, NULL, NULL, NULL, NULL, NULL};
  int root = rla_ctx_rank(ctx) == 0;
  int64_t rank = 0;
  double t0 = rla_wtime();
  rla_err err = RLA_SUCCESS;
  if (root) {
    cholmod_l_start(&cc);
    cc.print = 0; /* the library never prints: failures come back as rla errors */
  }
  RLA_CALL_GOTO(ctx, err, done, gather(ctx, &cc, A, p, &g));
  info->time_redistribute = rla_wtime() - t0;
  t0 = rla_wtime();
  if (root) err = factor_solve(ctx, &cc, &g, p, &rank);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  info->time_factor = rla_wtime() - t0;
  t0 = rla_wtime();
  RLA_CHECK_GOTO(ctx, err, done,
                 MPI_Bcast(&rank, 1, MPI_INT64_T, 0, rla_ctx_comm(ctx)) == MPI_SUCCESS, RLA_ERR_MPI,
                 "broadcast of the rank found by SuiteSparseQR failed");
  RLA_CALL_GOTO(ctx, err, done, lsq_broadcast_solution(ctx, p->x, p->d, p->nrhs, p->ldx));
  info->time_redistribute += rla_wtime() - t0;
  info->rank = rank;
  info->truncated = rank < p->d;
done:
  if (root) {
    cholmod_l_free_sparse(&g.at, &cc);
    cholmod_l_free_dense(&g.b, &cc);
    cholmod_l_finish(&cc);
  }
  rla_free(&g.count_rows);
  return err;
}

#else

int rla_lsq_has_spqr(void) { return 0; }

rla_err lsq_spqr(rla_lsq L, rla_smat A, const lsq_problem *p, rla_lsq_info *info)
{
  (void)A;
  (void)p;
  (void)info;
  return rla_error_set(L->ctx, RLA_ERR_UNSUPPORTED, __func__, __FILE__, __LINE__,
                       "the direct method on a sparse A needs SuiteSparseQR, and this build of rla "
                       "has none (configure --with-spqr; Debian: libsuitesparse-dev): use the "
                       "accurate or solve method, or read A dense");
}

#endif
