/* SPDX-License-Identifier: BSD-3-Clause */
/* Checks shared by the operator suites: the residual pass of two operators of one matrix. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "op_check.h"
#include "../../src/op/op_impl.h"

/* gamma_k = k u / (1 - k u), u = eps / 2 (Higham, Lemma 3.1) */
static double gamma_k(double k)
{
  const double u = DBL_EPSILON / 2;
  return k * u / (1 - k * u);
}

static void sum(double *buf, int64_t n)
{
  MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_DOUBLE, MPI_SUM, rla_ctx_comm(rla_test_ctx));
}

/* sc (n x nv): |A|^T (|B(:, cols)| + |A||X|), and per vector rs = sum_i (|B| + |A||X|)_i^2 and
   bs = ||B(:, cols)||^2; asq (n): the squared column norms of A */
static void scales(double (*entry)(int64_t, int64_t, void *), int64_t m, int64_t n, int64_t nv,
                   const int64_t *cols, const double *x, int64_t ldx, const double *b, double *sc,
                   double *rs, double *bs, double *asq)
{
  double *r = calloc((size_t)m, sizeof(double));
  memset(asq, 0, sizeof(double) * (size_t)n);
  for (int64_t v = 0; v < nv; v++) {
    const double *bc = b + (cols ? cols[v] : v) * m;
    rs[v] = bs[v] = 0.0;
    for (int64_t i = 0; i < m; i++) {
      r[i] = fabs(bc[i]);
      for (int64_t j = 0; j < n; j++)
        r[i] += fabs(entry(i, j, NULL)) * fabs(x[j + v * ldx]);
      rs[v] += r[i] * r[i];
      bs[v] += bc[i] * bc[i];
    }
    for (int64_t j = 0; j < n; j++) {
      sc[j + v * n] = 0.0;
      for (int64_t i = 0; i < m; i++)
        sc[j + v * n] += fabs(entry(i, j, NULL)) * r[i];
    }
  }
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < n; j++)
      asq[j] += entry(i, j, NULL) * entry(i, j, NULL);
  free(r);
}

/* The bounds: R = B - A X has |R^ - R| <= gamma_{n+1} (|B| + |A||X|) in either operator (a sum
   of n + 1 terms, Higham eq. (3.5)); g = A^T R adds gamma_m |A|^T |R^| on top of |A|^T |R^ - R|;
   so two evaluations differ in g by at most 2 (gamma_{n+1} + gamma_m + gamma_{n+1} gamma_m)
   |A|^T (|B| + |A||X|). ||R||^2 then differs by at most 2 (2 gamma_{n+1} + gamma_m)
   sum_i (|B| + |A||X|)_i^2 (the square of each entry and the sum), ||B||^2 and the column sums
   of squares by 2 gamma_m times their value. */
static int residual_close(rla_op ops[2], double (*entry)(int64_t, int64_t, void *), int64_t nv,
                          int64_t nb, const int64_t *cols, int64_t pad)
{
  int64_t m, n, ldx;
  double *x, *b, *sc, *asq, *g[2], *csq[2], rs[64], bs[64], rn2[2][64], bn2[2][64];
  double gn, gm;
  int ok = 1;
  rla_op_sizes(ops[0], &m, &n);
  ldx = n + pad;
  gn = gamma_k((double)n + 1);
  gm = gamma_k((double)m);
  x = calloc((size_t)(ldx * nv), sizeof(double));
  b = calloc((size_t)(m * nb), sizeof(double));
  sc = calloc((size_t)(n * nv), sizeof(double));
  asq = calloc((size_t)n, sizeof(double));
  for (int64_t k = 0; k < ldx * nv; k++)
    x[k] = cos(0.7 * (double)k);
  for (int64_t k = 0; k < m * nb; k++)
    b[k] = sin(0.11 * (double)k) * 3.0;
  scales(entry, m, n, nv, cols, x, ldx, b, sc, rs, bs, asq);
  for (int t = 0; t < 2; t++) {
    int64_t r0, lm, ld;
    double *bl;
    rla_op_local_rows(ops[t], &r0, &lm);
    ld = (lm > 1 ? lm : 1) + pad;
    bl = calloc((size_t)(ld * nb), sizeof(double));
    for (int64_t v = 0; v < nb; v++)
      for (int64_t i = 0; i < lm; i++)
        bl[i + v * ld] = b[r0 + i + v * m];
    g[t] = calloc((size_t)(n * nv), sizeof(double));
    csq[t] = calloc((size_t)n, sizeof(double));
    memset(rn2[t], 0, sizeof(rn2[t]));
    memset(bn2[t], 0, sizeof(bn2[t]));
    RLA_ASSERT_OK(
        rla_op_residual_local(ops[t], nv, cols, bl, ld, x, ldx, g[t], rn2[t], bn2[t], csq[t]));
    sum(g[t], n * nv);
    sum(rn2[t], nv);
    sum(bn2[t], nv);
    sum(csq[t], n);
    free(bl);
  }
  for (int64_t v = 0; v < nv; v++) {
    for (int64_t j = 0; j < n; j++)
      ok &= fabs(g[0][j + v * n] - g[1][j + v * n]) <= 2 * (gn + gm + gn * gm) * sc[j + v * n];
    ok &= fabs(rn2[0][v] - rn2[1][v]) <= 2 * (2 * gn + gm) * rs[v];
    ok &= fabs(bn2[0][v] - bn2[1][v]) <= 2 * gm * bs[v];
  }
  for (int64_t j = 0; j < n; j++)
    ok &= fabs(csq[0][j] - csq[1][j]) <= 2 * gm * asq[j] && (asq[j] > 0 || csq[1][j] == 0);
  for (int t = 0; t < 2; t++) {
    free(g[t]);
    free(csq[t]);
  }
  free(x);
  free(b);
  free(sc);
  free(asq);
  return ok;
}

int rla_test_residuals_close(rla_op ops[2], double (*entry)(int64_t, int64_t, void *), int64_t nb,
                             int64_t pad)
{
  const int64_t two = 2;
  int ok = residual_close(ops, entry, nb, nb, NULL, pad);
  ok &= residual_close(ops, entry, 1, nb, NULL, pad);
  return ok & residual_close(ops, entry, 1, nb, &two, pad);
}
