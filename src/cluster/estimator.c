/* SPDX-License-Identifier: BSD-3-Clause */
/* Incremental truncated-SVD estimator of the error of a concatenation (Shamrai, arXiv
   2601.11626, the incremental approximation; the update is the one of Brand's incremental SVD,
   Linear Algebra Appl. 415, 2006, applied to C C^T). State: Q (m x k, row-block, orthonormal)
   and lambda (k) with Q diag(lambda) Q^T <= C C^T. Adding A (m x n): Y = Q^T A, R = A - Q Y
   (projected twice), R = Q_r B, then the eigendecomposition of the (k + t) x (k + t) matrix
   [[diag(lambda) + Y Y^T, Y B^T], [B Y^T, B B^T]] = [Q Q_r]^T (Q diag(lambda) Q^T + A A^T)
   [Q Q_r] (exact when R = Q_r B), keeping the top k pairs; Q <- [Q Q_r] V_k. Dropping pairs
   removes positive semidefinite terms, so the estimate of E_r never exceeds the true one.
   Cost per block: 8 m k n + 4 m n^2 + 2 m (k + t) k flops; reductions of 2 k n, 2 n^2, 2 k t
   and t n words; a (k + t)^3 eigenproblem replicated on every rank. */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "cluster_impl.h"

struct rla_cluster_estimator_s {
  rla_ctx ctx;
  int64_t m, mb, lm, r, k;
  int64_t nq;     /* columns of Q in use (<= k) */
  double *q;      /* lm x k, ld lm */
  double *lambda; /* k */
  double norm2;   /* ||C||_F^2 */
  rla_dmat Qd;    /* Q as a row-block matrix for get (created on demand) */
  double *work;   /* workspace of an add of up to ncap columns (see update) */
  int64_t ncap;   /* replicated, so every rank grows the workspace at the same add */
};

/* doubles of the workspace of an add of n columns: the block's copy, y, w, b, z, mm, mu, and
   then either the orthonormalization's own or, after it, the new basis qn */
static int64_t work_size(int64_t lm, int64_t k, int64_t n)
{
  int64_t s = k + n, o = rla_cluster_orth_work(lm, k, n);
  return lm * n + (k + 1) * n + lm * n + n * n + s * n + s * s + s + (o > lm * k ? o : lm * k) + 10;
}

/* a workspace for adds of n columns: grown (collectively: n is the same on every rank) only
   when n exceeds every earlier add, so a scan of trials allocates once */
static rla_err reserve(rla_cluster_estimator E, int64_t n)
{
  rla_ctx ctx = E->ctx;
  double *w = NULL;
  if (n <= E->ncap) return RLA_SUCCESS;
  RLA_CALL(ctx, rla_ctx_agree(
                    ctx, rla_calloc(ctx, (size_t)work_size(E->lm, E->k, n), sizeof(double), &w)));
  rla_free(&E->work);
  E->work = w;
  E->ncap = n;
  return RLA_SUCCESS;
}

rla_err rla_cluster_estimator_create(rla_ctx ctx, int64_t m, int64_t mb, int64_t r, int64_t p,
                                     rla_cluster_estimator *E)
{
  rla_cluster_estimator e = NULL;
  rla_dmat probe = NULL;
  rla_err err;
  *E = NULL;
  RLA_CHECK(ctx, m >= 1 && r >= 1 && p >= 0, RLA_ERR_ARG,
            "estimator: need m >= 1, r >= 1 and p >= 0 (got m = %lld, r = %lld, p = %lld)",
            (long long)m, (long long)r, (long long)p);
  RLA_CALL(ctx, rla_dmat_create_rowblock(ctx, m, 1, mb, &probe));
  err = rla_calloc(ctx, 1, sizeof(*e), &e);
  if (!err) {
    e->ctx = ctx;
    e->m = m;
    rla_dmat_blocks(probe, &e->mb, NULL);
    rla_dmat_local(probe, NULL, &e->lm, NULL, NULL);
    e->r = r;
    e->k = r + p < m ? r + p : m;
    err = rla_calloc(ctx, (size_t)(e->lm * e->k), sizeof(double), &e->q);
  }
  if (!err) err = rla_calloc(ctx, (size_t)e->k, sizeof(double), &e->lambda);
  rla_dmat_destroy(&probe);
  err = rla_ctx_agree(ctx, err);
  if (err) {
    rla_cluster_estimator_destroy(&e);
    return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  }
  *E = e;
  return RLA_SUCCESS;
}

rla_err rla_cluster_estimator_destroy(rla_cluster_estimator *E)
{
  if (!E || !*E) return RLA_SUCCESS;
  rla_dmat_destroy(&(*E)->Qd);
  rla_free(&(*E)->work);
  rla_free(&(*E)->q);
  rla_free(&(*E)->lambda);
  rla_free(E);
  return RLA_SUCCESS;
}

rla_err rla_cluster_estimator_duplicate(rla_cluster_estimator E, rla_cluster_estimator *F)
{
  rla_ctx ctx = E->ctx;
  RLA_CALL(ctx, rla_cluster_estimator_create(ctx, E->m, E->mb, E->r, E->k - E->r, F));
  rla_cluster_estimator_copy(E, *F);
  return RLA_SUCCESS;
}

void rla_cluster_estimator_copy(rla_cluster_estimator E, rla_cluster_estimator F)
{
  /* the workspace goes with the copy that will be added to: of a current estimator and its
     spare only one holds a workspace (ncap is replicated, so every rank swaps alike) */
  if (E->ncap > F->ncap) {
    double *w = F->work;
    int64_t n = F->ncap;
    F->work = E->work;
    F->ncap = E->ncap;
    E->work = w;
    E->ncap = n;
  }
  F->nq = E->nq;
  F->norm2 = E->norm2;
  if (E->lm > 0) memcpy(F->q, E->q, sizeof(double) * (size_t)(E->lm * E->nq));
  memcpy(F->lambda, E->lambda, sizeof(double) * (size_t)E->k);
  rla_dmat_destroy(&F->Qd);
}

/* the update with the local rows a (lm x n, ld lm; overwritten) whose energy is add2; wk: the
   rest of the workspace after a (work_size less the lm n doubles of the copy) */
static rla_err update(rla_cluster_estimator E, int64_t n, double *a, double add2, double *wk)
{
  rla_ctx ctx = E->ctx;
  int64_t lm = E->lm, k = E->nq, t = 0, s;
  double *y, *w, *b, *z, *mm, *mu, *qn, *ow;
  rla_err err = RLA_SUCCESS;
  y = wk;
  w = y + (k + 1) * n;
  b = w + lm * n + 1;
  z = b + n * n + 1;
  mm = z + (k + n) * n + 1;
  mu = mm + (k + n) * (k + n);
  ow = mu + k + n;
  qn = ow; /* used once the orthonormalization is done with ow */
  E->norm2 += add2;
  RLA_CALL_GOTO(ctx, err, done, rla_cluster_project(ctx, lm, k, E->q, n, a, y, ow));
  /* with B = Q_r^T R (t x n), from the orthonormalization's last reduction: the part of R
     outside span(Q_r) is dropped, which only lowers the estimate of E_r */
  RLA_CALL_GOTO(ctx, err, done,
                rla_cluster_orth(ctx, lm, k, E->q, n, a, 1e-14 * sqrt(add2), w, &t, NULL, b, ow));
  s = k + t;
  /* M = [Y; B] [Y; B]^T + diag(lambda, 0) */
  memset(mm, 0, sizeof(double) * (size_t)(s * s));
  {
    for (int64_t c = 0; c < n; c++) {
      for (int64_t i = 0; i < k; i++)
        z[i + c * s] = y[i + c * k];
      for (int64_t i = 0; i < t; i++)
        z[k + i + c * s] = b[i + c * t];
    }
    if (s > 0 && n > 0)
      cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)s, (int)s, (int)n, 1.0, z, (int)s,
                  z, (int)s, 0.0, mm, (int)s);
  }
  for (int64_t i = 0; i < k; i++)
    mm[i + i * s] += E->lambda[i];
  RLA_CALL_GOTO(ctx, err, done, rla_cluster_eig(ctx, s, mm, mu));
  {
    int64_t keep = s < E->k ? s : E->k;
    if (lm > 0) {
      /* qn = [Q Q_r] V(:, 1:keep), as Q V(1:k, :) + Q_r V(k+1:s, :) */
      if (keep > 0 && k > 0)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)lm, (int)keep, (int)k, 1.0,
                    E->q, (int)lm, mm, (int)s, 0.0, qn, (int)lm);
      if (keep > 0 && t > 0)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)lm, (int)keep, (int)t, 1.0, w,
                    (int)lm, mm + k, (int)s, k > 0 ? 1.0 : 0.0, qn, (int)lm);
      memcpy(E->q, qn, sizeof(double) * (size_t)(lm * keep));
    }
    for (int64_t i = 0; i < keep; i++)
      E->lambda[i] = mu[i] > 0 ? mu[i] : 0.0;
    E->nq = keep;
  }
done:
  return err;
}

rla_err rla_cluster_estimator_add(rla_cluster_estimator E, rla_dmat A)
{
  double *a, s[1];
  int64_t lm, n, lld;
  RLA_CHECK(NULL, E && A, RLA_ERR_ARG, "estimator_add: NULL argument");
  rla_dmat_local(A, &a, &lm, &n, &lld);
  s[0] = rla_cluster_sumsq(lm, n, a, lld);
  RLA_CALL(E->ctx, rla_reduce_sum_replicated(E->ctx, s, 1));
  return rla_cluster_estimator_add_norm(E, A, s[0]);
}

rla_err rla_cluster_estimator_add_norm(rla_cluster_estimator E, rla_dmat A, double norm2)
{
  rla_ctx ctx;
  int64_t m, n, mb, lm;
  rla_err err;
  RLA_CHECK(NULL, E && A, RLA_ERR_ARG, "estimator_add: NULL argument");
  ctx = E->ctx;
  RLA_CHECK(ctx, rla_dmat_get_layout(A) == RLA_DMAT_ROWBLOCK, RLA_ERR_ARG,
            "estimator_add: the block must be row-block");
  rla_dmat_sizes(A, &m, &n);
  rla_dmat_blocks(A, &mb, NULL);
  RLA_CHECK(ctx, m == E->m && mb == E->mb, RLA_ERR_SHAPE,
            "estimator_add: the block has %lld rows (row block %lld) but the estimator %lld (%lld)",
            (long long)m, (long long)mb, (long long)E->m, (long long)E->mb);
  rla_dmat_local(A, NULL, &lm, &n, NULL);
  RLA_CALL(ctx, reserve(E, n));
  rla_cluster_local_copy(A, E->work);
  err = update(E, n, E->work, norm2, E->work + lm * n);
  if (!err) rla_dmat_destroy(&E->Qd);
  return err;
}

rla_err rla_cluster_estimator_merge(rla_cluster_estimator E, rla_cluster_estimator F)
{
  rla_err err;
  RLA_CHECK(NULL, E && F, RLA_ERR_ARG, "estimator_merge: NULL argument");
  RLA_CHECK(E->ctx, E->m == F->m && E->mb == F->mb, RLA_ERR_SHAPE,
            "estimator_merge: %lld rows (row block %lld) and %lld rows (%lld)", (long long)E->m,
            (long long)E->mb, (long long)F->m, (long long)F->mb);
  if (F->nq == 0) {
    E->norm2 += F->norm2;
    return RLA_SUCCESS;
  }
  RLA_CALL(E->ctx, reserve(E, F->nq));
  for (int64_t j = 0; j < F->nq; j++)
    for (int64_t i = 0; i < E->lm; i++)
      E->work[i + j * E->lm] = F->q[i + j * F->lm] * sqrt(F->lambda[j]);
  err = update(E, F->nq, E->work, F->norm2, E->work + E->lm * F->nq);
  if (!err) rla_dmat_destroy(&E->Qd);
  return err;
}

rla_err rla_cluster_estimator_reserve(rla_cluster_estimator E, int64_t n) { return reserve(E, n); }

void rla_cluster_estimator_reset(rla_cluster_estimator E)
{
  E->nq = 0;
  E->norm2 = 0.0;
  memset(E->lambda, 0, sizeof(double) * (size_t)E->k);
  rla_dmat_destroy(&E->Qd);
}

int64_t rla_cluster_estimator_packsize(rla_cluster_estimator E) { return 2 + E->k + E->lm * E->k; }

void rla_cluster_estimator_pack(rla_cluster_estimator E, double *buf)
{
  buf[0] = (double)E->nq;
  buf[1] = E->norm2;
  memcpy(buf + 2, E->lambda, sizeof(double) * (size_t)E->k);
  memcpy(buf + 2 + E->k, E->q, sizeof(double) * (size_t)(E->lm * E->nq));
}

void rla_cluster_estimator_unpack(rla_cluster_estimator E, const double *buf)
{
  E->nq = (int64_t)buf[0];
  E->norm2 = buf[1];
  memcpy(E->lambda, buf + 2, sizeof(double) * (size_t)E->k);
  memcpy(E->q, buf + 2 + E->k, sizeof(double) * (size_t)(E->lm * E->nq));
  rla_dmat_destroy(&E->Qd);
}

const double *rla_cluster_estimator_basis(rla_cluster_estimator E) { return E->q; }

double rla_cluster_estimator_error(rla_cluster_estimator E)
{
  double e = 0.0, f;
  if (!E || E->norm2 <= 0) return 0.0;
  for (int64_t i = 0; i < E->nq && i < E->r; i++)
    e += E->lambda[i];
  f = 1.0 - e / E->norm2;
  return f > 0 ? sqrt(f) : 0.0;
}

void rla_cluster_estimator_get(rla_cluster_estimator E, const double **lambda, int64_t *nlambda,
                               double *norm2, rla_dmat *Q)
{
  if (lambda) *lambda = E->lambda;
  if (nlambda) *nlambda = E->nq;
  if (norm2) *norm2 = E->norm2;
  if (Q) {
    *Q = NULL;
    if (E->nq > 0 && !E->Qd &&
        rla_dmat_create_rowblock(E->ctx, E->m, E->nq, E->mb, &E->Qd) == RLA_SUCCESS) {
      double *q;
      int64_t lld;
      rla_dmat_local(E->Qd, &q, NULL, NULL, &lld);
      for (int64_t j = 0; j < E->nq; j++)
        for (int64_t i = 0; i < E->lm; i++)
          q[i + j * lld] = E->q[i + j * E->lm];
    }
    *Q = E->Qd;
  }
}
