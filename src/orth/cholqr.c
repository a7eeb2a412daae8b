/* SPDX-License-Identifier: BSD-3-Clause */
/* The Gram-based fast paths of the tall-skinny orthonormalization: CholeskyQR2 behind a
   conditioning guard and shifted CholeskyQR3 for ill-conditioned input; TSQR (tsqr.c) takes
   over when they decline.

   Methods:
   - CholeskyQR2 (Fukaya, Nakatsukasa, Yanagisawa, Yamamoto, ScalA 2014; Yamamoto, Nakatsukasa,
     Yanagisawa, Fukaya, ETNA 44, 2015): two passes of G = X^T X, R = chol(G), X = X R^{-1}.
     ||Q^T Q - I||_F = O(eps) when 8 kappa(X) sqrt((m l + l(l+1)) eps) <= 1 (their Thm 3.3).
   - Shifted CholeskyQR3 (Fukaya, Kannan, Nakatsukasa, Yamamoto, Yanagisawa, SISC 42(1), 2020):
     a first pass with R = chol(G + s I), s = 11 (m l + l(l+1)) eps ||X||_F^2, does not break
     down for kappa(X) up to about 1/eps and leaves a basis CholeskyQR2 can finish.

   The guard. Every CholeskyQR pass factors the reduced Gram matrix on rank 0, which broadcasts
   R with its verdict, so all ranks take the same path. A guarded pass is accepted when Cholesky
   succeeds and 8 kappa sqrt((m l + l(l+1)) eps) <= 1, with kappa the LAPACK dtrcon estimate
   (1-norm) of kappa(R) = kappa(X); CholeskyQR2 then finishes with a plain pass. Under "auto",
   when the first guarded pass fails, the shifted pass runs on the same Gram matrix, its result
   must pass the guard in turn, and CholeskyQR2 finishes (shifted CholeskyQR3). Any Cholesky
   failure or guard failure after the shift (kappa(X) beyond about 1/eps: exactly
   rank-deficient or zero X) declines, and the caller hands the current X to TSQR. The
   accumulated R is the product of the pass factors, on rank 0.

   Cost: a CholeskyQR pass is 2 m l^2 / P flops per rank, l^3/3 on rank 0, a reduction and a
   broadcast of l^2 words; CholeskyQR2 takes 2 passes, shifted CholeskyQR3 3. */
#include <math.h>
#include <string.h>

#include <cblas.h>
#include <lapacke.h>

#include "../base/reduce.h"
#include "orth.h"

enum { PASS_PLAIN, PASS_GUARDED, PASS_SHIFTED };

/* o->g (rank 0) = X^T X, upper triangle. */
static rla_err gram(struct rla_orth_run *o)
{
  int64_t l = o->l;
  memset(o->g, 0, sizeof(double) * (size_t)(l * l));
  if (o->lm > 0)
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)l, (int)o->lm, 1.0, o->x, (int)o->ldx,
                0.0, o->g, (int)l);
  RLA_CALL(o->ctx, rla_reduce_sum_root(o->ctx, o->g, l * l));
  o->stats->words += l * l;
  return RLA_SUCCESS;
}

/* The verdict of rank 0 on one pass: factor g (shifted in PASS_SHIFTED), check the guard in
   PASS_GUARDED; r receives R (zero below the diagonal). */
static int factor(struct rla_orth_run *o, int mode)
{
  int64_t l = o->l;
  double *r = o->r, dims = (double)o->m * (double)l + (double)l * (double)(l + 1), rcond = 0.0;
  memset(r, 0, sizeof(double) * (size_t)(l * l));
  for (int64_t j = 0; j < l; j++)
    memcpy(r + j * l, o->g + j * l, sizeof(double) * (size_t)(j + 1));
  if (mode == PASS_SHIFTED) {
    double trace = 0.0, shift;
    for (int64_t j = 0; j < l; j++)
      trace += o->g[j + j * l];
    shift = 11.0 * dims * RLA_EPS * trace;
    for (int64_t j = 0; j < l; j++)
      r[j + j * l] += shift;
  }
  if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', (lapack_int)l, r, (lapack_int)l) != 0) return 0;
  for (int64_t j = 0; j < l; j++)
    if (!isfinite(r[j + j * l]) || r[j + j * l] <= 0.0) return 0;
  if (mode != PASS_GUARDED) return 1;
  if (LAPACKE_dtrcon(LAPACK_COL_MAJOR, '1', 'U', 'N', (lapack_int)l, r, (lapack_int)l, &rcond) != 0)
    return 0;
  return rcond >= 8.0 * sqrt(dims * RLA_EPS);
}

/* One CholeskyQR pass on the Gram matrix already in o->g; *ok tells whether it was applied. */
static rla_err pass(struct rla_orth_run *o, int mode, int *ok)
{
  int64_t l = o->l;
  if (o->rank == 0) o->r[l * l] = factor(o, mode);
  RLA_CALL(o->ctx, rla_reduce_bcast(o->ctx, o->r, l * l + 1));
  o->stats->words += l * l + 1;
  *ok = o->r[l * l] != 0.0;
  if (!*ok) return RLA_SUCCESS;
  if (o->lm > 0)
    cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, (int)o->lm,
                (int)l, 1.0, o->r, (int)l, o->x, (int)o->ldx);
  if (o->racc)
    cblas_dtrmm(CblasColMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, (int)l, (int)l,
                1.0, o->r, (int)l, o->racc, (int)l);
  return RLA_SUCCESS;
}

/* The passes modes[0 .. n-1], each on a fresh Gram matrix except the first when gram_ready;
   stops at the first that declines (*ok = 0). */
static rla_err passes(struct rla_orth_run *o, const int *modes, int n, int gram_ready, int *ok)
{
  *ok = 1;
  for (int i = 0; i < n && *ok; i++) {
    if (i > 0 || !gram_ready) RLA_CALL(o->ctx, gram(o));
    RLA_CALL(o->ctx, pass(o, modes[i], ok));
  }
  return RLA_SUCCESS;
}

static const int cholqr2_modes[] = {PASS_GUARDED, PASS_PLAIN};
static const int scholqr3_modes[] = {PASS_SHIFTED, PASS_GUARDED, PASS_PLAIN};

static rla_err cholqr2(struct rla_orth_run *o, int *ok)
{
  return passes(o, cholqr2_modes, 2, 0, ok);
}

static rla_err scholqr3(struct rla_orth_run *o, int *ok)
{
  o->stats->shifted++;
  return passes(o, scholqr3_modes, 3, 0, ok);
}

rla_err rla_orth_cholqr_auto(struct rla_orth_run *o, int *ok)
{
  RLA_CALL(o->ctx, gram(o));
  RLA_CALL(o->ctx, pass(o, PASS_GUARDED, ok));
  if (*ok) return passes(o, cholqr2_modes + 1, 1, 0, ok);
  o->stats->shifted++;
  return passes(o, scholqr3_modes, 3, 1, ok);
}

rla_err rla_orth_cholqr_basis(struct rla_orth_run *o, int *ok)
{
  RLA_CALL(o->ctx, gram(o));
  RLA_CALL(o->ctx, pass(o, PASS_GUARDED, ok));
  if (*ok) return RLA_SUCCESS;
  o->stats->shifted++;
  return passes(o, scholqr3_modes, 3, 1, ok);
}

const struct rla_orth_ops rla_orth_cholqr2_ops = {"cholqr2", cholqr2};
const struct rla_orth_ops rla_orth_scholqr3_ops = {"scholqr3", scholqr3};
