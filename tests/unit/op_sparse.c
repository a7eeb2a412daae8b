/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the sparse operator (rla_op_create_sparse): every kernel against the dense
   operator of the same matrix (empty rows and columns, a dense row, an uneven split that gives
   rank 0 no rows), its sketches against the dense operator's and against a one-rank computation
   (the sparse sign sketch also with an odd k, short panels and wide stripes),
   the agreed report of a non-finite entry, no allocation once set up, the scaling and Frobenius
   norm of rla_smat, and the errors. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "op_check.h"
#include "rla/op.h"
#include "rla/smat.h"
#include "../../src/op/op_impl.h"
#include "../../src/sketch/sketch_impl.h"

#define M 61
#define N 23
#define NV 3
/* above the sparse operator's panel of 32 vectors (its blocked products): a second, partial
   panel */
#define NV_WIDE 37
#define DENSE_ROW 7

static const double u = DBL_EPSILON / 2;
static double gam(double k) { return k * u / (1 - k * u); }

/* Rows 3, 10 and 40 are empty, columns 5 and 17 are, row DENSE_ROW holds every other column;
   the rest follow a pattern of about a quarter of the entries. */
static int present(int64_t i, int64_t j)
{
  if (i == 3 || i == 10 || i == 40 || j == 5 || j == 17) return 0;
  return i == DENSE_ROW || (7 * i + 13 * j) % 4 == 0 || i % N == j;
}

static double entry(int64_t i, int64_t j, void *data)
{
  (void)data;
  if (!present(i, j)) return 0.0;
  return sin(0.37 * (double)(i + 1) * (double)(j + 2)) + (i % N == j ? 2.0 : 0.0);
}

/* This rank's rows: none on rank 0 when P > 1, M / (P - 1) on the others, the last rank the
   remainder. */
static void split(int64_t *row0, int64_t *lm)
{
  int p = rla_ctx_size(rla_test_ctx), r = rla_ctx_rank(rla_test_ctx);
  int64_t per = p > 1 ? M / (p - 1) : M;
  *row0 = p > 1 && r == 0 ? 0 : (p > 1 ? r - 1 : 0) * per;
  *lm = p > 1 && r == 0 ? 0 : (r == p - 1 ? M - *row0 : per);
}

/* The sparse matrix of entry() over the rows [row0, row0 + lm) in ctx. */
static void sparse_make(rla_ctx ctx, int64_t row0, int64_t lm, rla_smat *A)
{
  int64_t *rp = calloc((size_t)lm + 1, sizeof(int64_t));
  int32_t *ci = calloc((size_t)(lm * N) + 1, sizeof(int32_t));
  double *v = calloc((size_t)(lm * N) + 1, sizeof(double));
  for (int64_t i = 0; i < lm; i++) {
    rp[i + 1] = rp[i];
    for (int64_t j = 0; j < N; j++)
      if (present(row0 + i, j)) {
        ci[rp[i + 1]] = (int32_t)j;
        v[rp[i + 1]++] = entry(row0 + i, j, NULL);
      }
  }
  RLA_ASSERT_OK(rla_smat_create_csr(ctx, M, N, lm, rp, ci, v, A));
  free(rp);
  free(ci);
  free(v);
}

struct pair {
  rla_dmat D;
  rla_smat A;
  rla_op dense, sparse;
  int64_t r0[2], lm[2]; /* rows of the dense [0] and sparse [1] operators */
};

static void pair_make(struct pair *p, int64_t nv)
{
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, M, N, 0, &p->D));
  RLA_ASSERT_OK(rla_dmat_fill(p->D, entry, NULL));
  RLA_ASSERT_OK(rla_op_create_dense(p->D, &p->dense));
  split(&p->r0[1], &p->lm[1]);
  sparse_make(rla_test_ctx, p->r0[1], p->lm[1], &p->A);
  RLA_ASSERT_OK(rla_op_create_sparse(p->A, &p->sparse));
  rla_op_local_rows(p->dense, &p->r0[0], &p->lm[0]);
  RLA_ASSERT_OK(rla_op_setup(p->dense, nv));
  RLA_ASSERT_OK(rla_op_setup(p->sparse, nv));
}

static void pair_free(struct pair *p)
{
  rla_op_destroy(&p->dense);
  rla_op_destroy(&p->sparse);
  rla_smat_destroy(&p->A);
  rla_dmat_destroy(&p->D);
}

static void sum(double *buf, int64_t n)
{
  MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_DOUBLE, MPI_SUM, rla_ctx_comm(rla_test_ctx));
}

/* y (global M x nv, leading dimension M) from local rows yl (leading dimension ld) */
static void spread(const double *yl, int64_t ld, int64_t row0, int64_t lm, int64_t nv, double *y)
{
  memset(y, 0, sizeof(double) * M * (size_t)nv);
  for (int64_t v = 0; v < nv; v++)
    for (int64_t i = 0; i < lm; i++)
      y[row0 + i + v * M] = yl[i + v * ld];
  sum(y, M * nv);
}

/* |A| |X| (M x nv) and |A|^T |A| |X| (N x nv): the scales of the rounding bounds */
static void abs_products(const double *x, int64_t ldx, int64_t nv, double *ax, double *atax)
{
  memset(atax, 0, sizeof(double) * N * (size_t)nv);
  for (int64_t v = 0; v < nv; v++)
    for (int64_t i = 0; i < M; i++) {
      double t = 0.0;
      for (int64_t j = 0; j < N; j++)
        t += fabs(entry(i, j, NULL)) * fabs(x[j + v * ldx]);
      ax[i + v * M] = t;
      for (int64_t j = 0; j < N; j++)
        atax[j + v * N] += fabs(entry(i, j, NULL)) * t;
    }
}

/* Products with nv vectors and leading dimensions above the minimum. Each entry of A X is a dot
   product of at most N terms in either operator (the sparse one over the row's nonzeros only),
   so each is within gamma_N (|A||X|)_i of the exact value (Higham, eq. (3.5)) and the two within
   twice that. A^T Y (Y = A X computed by each operator) sums at most M terms over all ranks
   (the local sums and the reduction), with Y's own error carried: the two differ by at most
   2 (gamma_N + gamma_M + gamma_N gamma_M) (|A|^T |A| |X|)_j; Y^T A and the fused normal product
   A^T (A Z) are the same sums in other orders, so the same bound holds. */
static void check_products(int64_t nv)
{
  struct pair p;
  const int64_t ldx = N + 2, ldw = N + 1, ldt = nv + 2;
  double x[(N + 2) * NV_WIDE], ax[M * NV_WIDE], atax[N * NV_WIDE], y[2][M * NV_WIDE];
  double w[2][(N + 1) * NV_WIDE], t[2][(NV_WIDE + 2) * N], z[2][N * NV_WIDE], *yl[2];
  rla_op ops[2];
  int ok = 1;
  pair_make(&p, nv);
  ops[0] = p.dense;
  ops[1] = p.sparse;
  for (int64_t k = 0; k < ldx * nv; k++)
    x[k] = cos(1.3 * (double)k);
  abs_products(x, ldx, nv, ax, atax);
  for (int k = 0; k < 2; k++) {
    int64_t ld = p.lm[k] + 3;
    yl[k] = calloc((size_t)(ld * nv), sizeof(double));
    RLA_ASSERT_OK(rla_op_mult(ops[k], nv, x, ldx, yl[k], ld));
    spread(yl[k], ld, p.r0[k], p.lm[k], nv, y[k]);
    memset(w[k], 0, sizeof(w[k]));
    RLA_ASSERT_OK(rla_op_mult_transpose_add(ops[k], nv, yl[k], ld, w[k], ldw));
    sum(w[k], ldw * nv);
    RLA_ASSERT_OK(rla_op_left_mult_local(ops[k], nv, yl[k], ld, t[k], ldt));
    sum(t[k], ldt * N);
    RLA_ASSERT_OK(rla_op_normal_local(ops[k], nv, x, z[k]));
    sum(z[k], N * nv);
    free(yl[k]);
  }
  for (int64_t v = 0; v < nv; v++) {
    for (int64_t i = 0; i < M; i++)
      ok &= fabs(y[0][i + v * M] - y[1][i + v * M]) <= 2 * gam(N) * ax[i + v * M];
    for (int64_t j = 0; j < N; j++) {
      double b = 2 * (gam(N) + gam(M) + gam(N) * gam(M)) * atax[j + v * N];
      ok &= fabs(w[0][j + v * ldw] - w[1][j + v * ldw]) <= b;
      ok &= fabs(t[0][v + j * ldt] - t[1][v + j * ldt]) <= b;
      ok &= fabs(t[1][v + j * ldt] - w[0][j + v * ldw]) <= b;
    }
  }
  /* x has leading dimension N + 2 but the normal product reads Z with leading dimension N: the
     bound is the one of that Z */
  abs_products(x, N, nv, ax, atax);
  for (int64_t k = 0; k < N * nv; k++)
    ok &= fabs(z[0][k] - z[1][k]) <= 2 * (gam(N) + gam(M) + gam(N) * gam(M)) * atax[k];
  RLA_ASSERT_ALL(ok);
  pair_free(&p);
}

static void test_products(void)
{
  check_products(1);
  check_products(NV);
  check_products(NV_WIDE);
}

/* The residual pass: the bounds of rla_test_residuals_close (op_check.c), for one vector and
   three, with leading dimensions above the minimum. */
static void test_residual(void)
{
  struct pair p;
  rla_op ops[2];
  pair_make(&p, NV);
  ops[0] = p.dense;
  ops[1] = p.sparse;
  RLA_ASSERT_ALL(rla_test_residuals_close(ops, entry, NV, 2));
  pair_free(&p);
}

/* Column norms (sums of M squares: 2 gamma_M apart, see check_residual), the largest entry
   (exact: both are the largest |a_ij|), and the finiteness check: passes, then names the first
   of two non-finite values planted on the last rank, by global row and column, on every rank. */
static void test_norms_finite(void)
{
  struct pair p;
  double c[2][N], asq[N], mx[2], *val;
  const int64_t *rp;
  const int32_t *ci;
  char want[128];
  int ok = 1, last = rla_ctx_rank(rla_test_ctx) == rla_ctx_size(rla_test_ctx) - 1;
  int64_t row = -1, col = -1;
  pair_make(&p, 1);
  memset(c, 0, sizeof(c));
  memset(asq, 0, sizeof(asq));
  RLA_ASSERT_OK(rla_op_column_sumsq_local(p.dense, c[0]));
  RLA_ASSERT_OK(rla_op_column_sumsq_local(p.sparse, c[1]));
  sum(c[0], N);
  sum(c[1], N);
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++)
      asq[j] += entry(i, j, NULL) * entry(i, j, NULL);
  for (int64_t j = 0; j < N; j++)
    ok &= fabs(c[0][j] - c[1][j]) <= 2 * gam(M) * asq[j];
  RLA_ASSERT_ALL(ok);
  RLA_ASSERT_OK(rla_op_norm_max(p.dense, &mx[0]));
  RLA_ASSERT_OK(rla_op_norm_max(p.sparse, &mx[1]));
  RLA_ASSERT_ALL(mx[0] == mx[1] && mx[1] > 0);
  RLA_ASSERT_OK(rla_op_check_finite(p.sparse, "A"));
  /* the last rank's rows: Inf at the last nonzero of its second nonempty row, NaN at the
     second nonzero of that row: the NaN is first */
  rla_smat_local(p.A, &rp, &ci, &val);
  for (int64_t i = 0, seen = 0; last && i < p.lm[1]; i++)
    if (rp[i + 1] - rp[i] >= 2 && ++seen == 2) {
      val[rp[i + 1] - 1] = INFINITY;
      val[rp[i] + 1] = NAN;
      row = p.r0[1] + i;
      col = ci[rp[i] + 1];
      break;
    }
  RLA_ASSERT_ALL(!last || row >= 0);
  MPI_Allreduce(MPI_IN_PLACE, &row, 1, MPI_INT64_T, MPI_MAX, rla_ctx_comm(rla_test_ctx));
  MPI_Allreduce(MPI_IN_PLACE, &col, 1, MPI_INT64_T, MPI_MAX, rla_ctx_comm(rla_test_ctx));
  snprintf(want, sizeof(want), "A: non-finite value (NaN or Inf) at row %lld, column %lld",
           (long long)row, (long long)col);
  RLA_ASSERT_FAILS(rla_op_check_finite(p.sparse, "A"), RLA_ERR_VALUE, want);
  pair_free(&p);
}

/* ||Omega||_F from the sketch of the identity (n columns), computed on this rank. */
static double omega_fro(rla_sketch S, int64_t n, int64_t l)
{
  double *eye = calloc((size_t)(n * n), sizeof(double)),
         *om = calloc((size_t)(l * n), sizeof(double));
  double f = 0.0;
  for (int64_t j = 0; j < n; j++)
    eye[j + j * n] = 1.0;
  rla_sketch_apply_left_local(S, 0, n, n, eye, n, om, l);
  for (int64_t k = 0; k < l * n; k++)
    f += om[k] * om[k];
  free(eye);
  free(om);
  return sqrt(f);
}

/* A set-up sketch of the type (l x n, seed) in ctx; panel > 0 sets the columns generated at a
   time (the sparse sign sketch: several panels, so that the rows' cursors cross them). */
static rla_sketch sketch_make(rla_ctx ctx, rla_sketch_type type, int64_t l, int64_t n,
                              uint64_t seed, int64_t panel)
{
  rla_sketch S = NULL;
  RLA_ASSERT_OK(rla_sketch_create(ctx, &S));
  RLA_ASSERT_OK(rla_sketch_set_type(S, type));
  RLA_ASSERT_OK(rla_sketch_set_sizes(S, l, n));
  RLA_ASSERT_OK(rla_sketch_set_seed(S, seed));
  S->panel = type == RLA_SKETCH_SPARSE ? panel : 0;
  RLA_ASSERT_OK(rla_sketch_setup(S));
  return S;
}

/* Omega A (l x N) and A Omega^T (M x lr) of op, with leading dimensions above the minimum,
   summed over the ranks and gathered when reduce is set (op on rla_test_ctx), as they are
   otherwise (op on one rank, holding every row). */
static void sketch_both(rla_op op, rla_sketch S, rla_sketch R, int64_t l, int64_t lr, int reduce,
                        double *out, double *yg)
{
  int64_t r0, lm, ld;
  double *y, *o = calloc((size_t)((l + 3) * N), sizeof(double));
  RLA_ASSERT_OK(rla_op_sketch_left_local(op, S, o, l + 3));
  if (reduce) sum(o, (l + 3) * N);
  for (int64_t j = 0; j < N; j++)
    memcpy(out + j * l, o + j * (l + 3), sizeof(double) * (size_t)l);
  rla_op_local_rows(op, &r0, &lm);
  ld = lm + 2;
  y = calloc((size_t)(ld * lr), sizeof(double));
  RLA_ASSERT_OK(rla_op_sketch_right(op, R, y, ld));
  if (reduce)
    spread(y, ld, r0, lm, lr, yg);
  else
    for (int64_t v = 0; v < lr; v++)
      memcpy(yg + v * M, y + v * ld, sizeof(double) * M);
  free(y);
  free(o);
}

/* ||x - y|| of each column of Omega A (by_rows = 0; l x N, leading dimension l) or each row of
   A Omega^T (by_rows = 1; M x l, leading dimension M) within bound times the norm of the same
   column or row of A. */
static int sketches_close(const double *x, const double *y, int by_rows, int64_t l, double bound)
{
  int ok = 1;
  for (int64_t c = 0; c < (by_rows ? M : N); c++) {
    double d2 = 0.0, a2 = 0.0;
    for (int64_t e = 0; e < l; e++) {
      int64_t k = by_rows ? c + e * M : e + c * l;
      d2 += (x[k] - y[k]) * (x[k] - y[k]);
    }
    for (int64_t e = 0; e < (by_rows ? N : M); e++) {
      double a = by_rows ? entry(c, e, NULL) : entry(e, c, NULL);
      a2 += a * a;
    }
    ok &= sqrt(d2) <= bound * sqrt(a2);
  }
  return ok;
}

/* Sketches against the dense operator's, and against the sparse operator's on one rank (the
   whole matrix in a context of MPI_COMM_SELF, the same seeds), on every rank. As in
   tests/unit/op.c: each computed Omega a is within gamma_T ||Omega||_F ||a|| of the exact one,
   T = m + 2 log2(b) + 8 (at most m products per entry for Gaussian and sparse sign, Higham
   eq. (3.5); the block SRHT's transforms, log2(b) stages each within gamma_6, Higham Thm 24.2,
   and the sum of the blocks); two computations differ by twice that, with n for m in
   A Omega^T. l = 150 > 128 rows of Omega: two blocks of the Gaussian left sketch; lr = 37 above
   what one block of the Gaussian right sketch holds. */
static void test_sketches(void)
{
  static const rla_sketch_type types[] = {RLA_SKETCH_SRHT, RLA_SKETCH_GAUSSIAN, RLA_SKETCH_SPARSE};
  const int64_t l = 150, lr = 37;
  rla_ctx self = NULL;
  rla_smat A1 = NULL;
  rla_op op1 = NULL;
  RLA_ASSERT_OK(rla_ctx_create(MPI_COMM_SELF, &self));
  sparse_make(self, 0, M, &A1);
  RLA_ASSERT_OK(rla_op_create_sparse(A1, &op1));
  RLA_ASSERT_OK(rla_op_setup(op1, NV));
  for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
    struct pair p;
    rla_sketch S, R, S1, R1;
    double out[3][150 * N], yg[3][M * 37], bl, br;
    int ok = 1;
    pair_make(&p, NV);
    S = sketch_make(rla_test_ctx, types[t], l, M, 5, 7);
    R = sketch_make(rla_test_ctx, types[t], lr, N, 6, 4);
    S1 = sketch_make(self, types[t], l, M, 5, 0);
    R1 = sketch_make(self, types[t], lr, N, 6, 0);
    sketch_both(p.dense, S, R, l, lr, 1, out[0], yg[0]);
    sketch_both(p.sparse, S, R, l, lr, 1, out[1], yg[1]);
    sketch_both(op1, S1, R1, l, lr, 0, out[2], yg[2]);
    bl = 2 * gam((double)M + 2 * log2((double)rla_sketch_get_block_size(S) + 1) + 8) *
         omega_fro(S, M, l);
    br = 2 * gam((double)N + 2 * log2((double)rla_sketch_get_block_size(R) + 1) + 8) *
         omega_fro(R, N, lr);
    ok &= sketches_close(out[0], out[1], 0, l, bl) && sketches_close(out[2], out[1], 0, l, bl);
    ok &= sketches_close(yg[0], yg[1], 1, lr, br) && sketches_close(yg[2], yg[1], 1, lr, br);
    RLA_ASSERT_ALL(ok);
    rla_sketch_destroy(&S);
    rla_sketch_destroy(&R);
    rla_sketch_destroy(&S1);
    rla_sketch_destroy(&R1);
    pair_free(&p);
  }
  rla_op_destroy(&op1);
  rla_smat_destroy(&A1);
  rla_ctx_destroy(&self);
}

/* The sparse sign left sketch's other paths: an odd k (the last hash gives one stripe), k = 8
   with a sketch panel of 7 columns, stripes wider than 2^16 rows (a hash per stripe): the
   sparse operator's Omega A against the dense operator's (the sketch's own kernel), summed
   over the ranks, within the bound of test_sketches with ||Omega||_F = sqrt(M) (each column
   has k entries +-1/sqrt(k)), taken as 1.001 sqrt(M) for the rounding of 1/sqrt(k). */
static void test_sign_paths(void)
{
  const int64_t ls[] = {150, 33, 140000}, ks[] = {3, 8, 2}, panels[] = {0, 7, 0};
  int ok = 1;
  for (int c = 0; c < 3; c++) {
    const int64_t l = ls[c];
    struct pair p;
    rla_sketch S = NULL;
    double *out[2], bl = 2 * gam((double)M + 8) * 1.001 * sqrt((double)M);
    pair_make(&p, 1);
    RLA_ASSERT_OK(rla_sketch_create(rla_test_ctx, &S));
    RLA_ASSERT_OK(rla_sketch_set_type(S, RLA_SKETCH_SPARSE));
    RLA_ASSERT_OK(rla_sketch_set_sizes(S, l, M));
    RLA_ASSERT_OK(rla_sketch_set_seed(S, 9));
    RLA_ASSERT_OK(rla_sketch_set_sparsity(S, ks[c]));
    S->panel = panels[c];
    RLA_ASSERT_OK(rla_sketch_setup(S));
    for (int t = 0; t < 2; t++) {
      out[t] = calloc((size_t)(l * N), sizeof(double));
      RLA_ASSERT_OK(rla_op_sketch_left_local(t ? p.sparse : p.dense, S, out[t], l));
      sum(out[t], l * N);
    }
    ok &= sketches_close(out[0], out[1], 0, l, bl);
    for (int t = 0; t < 2; t++)
      free(out[t]);
    rla_sketch_destroy(&S);
    pair_free(&p);
  }
  RLA_ASSERT_ALL(ok);
}

/* Once set up, no kernel allocates: counted in a context whose allocations are. */
static void test_no_allocation(void)
{
  static const rla_sketch_type types[] = {RLA_SKETCH_SRHT, RLA_SKETCH_GAUSSIAN, RLA_SKETCH_SPARSE};
  rla_ctx ctx = rla_test_counting_ctx();
  rla_smat A;
  rla_op op;
  rla_sketch S[3], R[3];
  double x[N * NV], y[M * NV], w[N * NV], out[20 * N], yr[M * 9], rn2[NV], bn2[NV], c[N], v;
  int64_t row0, lm;
  long long before;
  RLA_ASSERT_ALL(ctx != NULL);
  split(&row0, &lm);
  sparse_make(ctx, row0, lm, &A);
  RLA_ASSERT_OK(rla_op_create_sparse(A, &op));
  RLA_ASSERT_OK(rla_op_setup(op, NV));
  for (int t = 0; t < 3; t++) {
    S[t] = sketch_make(ctx, types[t], 20, M, 3, 5);
    R[t] = sketch_make(ctx, types[t], 9, N, 4, 5);
  }
  for (int64_t k = 0; k < N * NV; k++)
    x[k] = 1.0 / (double)(k + 1);
  for (int64_t k = 0; k < M * NV; k++)
    y[k] = 1.0;
  memset(w, 0, sizeof(w));
  memset(c, 0, sizeof(c));
  memset(rn2, 0, sizeof(rn2));
  memset(bn2, 0, sizeof(bn2));
  before = rla_test_allocations();
  RLA_ASSERT_OK(rla_op_mult(op, NV, x, N, y, M));
  RLA_ASSERT_OK(rla_op_mult_transpose_add(op, NV, y, M, w, N));
  RLA_ASSERT_OK(rla_op_left_mult_local(op, NV, y, M, w, NV));
  RLA_ASSERT_OK(rla_op_normal_local(op, NV, x, w));
  RLA_ASSERT_OK(rla_op_residual_local(op, NV, NULL, y, M, x, N, w, rn2, bn2, c));
  RLA_ASSERT_OK(rla_op_column_sumsq_local(op, c));
  for (int t = 0; t < 3; t++) {
    RLA_ASSERT_OK(rla_op_sketch_left_local(op, S[t], out, 20));
    RLA_ASSERT_OK(rla_op_sketch_right(op, R[t], yr, M));
  }
  RLA_ASSERT_OK(rla_op_check_finite(op, "A"));
  RLA_ASSERT_OK(rla_op_norm_max(op, &v));
  RLA_ASSERT_ALL(rla_test_allocations() == before);
  RLA_ASSERT_ALL(before > 0); /* the counter counts: creating A allocated */
  for (int t = 0; t < 3; t++) {
    rla_sketch_destroy(&S[t]);
    rla_sketch_destroy(&R[t]);
  }
  rla_op_destroy(&op);
  rla_smat_destroy(&A);
  rla_ctx_destroy(&ctx);
}

/* Row and column scaling: each value a_ij becomes (a_ij d_i) e_j, two roundings, so within
   gamma_2 |a_ij d_i e_j| of the exact product and of the dense matrix scaled as
   a_ij (d_i e_j). The Frobenius norm against the dense matrix's: both are sums of the same
   squares, scaled by a power of two and compensated, then a square root: each within
   gamma_{M N} of the exact value (a plain sum's bound, which the compensated one only improves)
   and so within 2 gamma_{M N} of each other. With every entry near 1e300 it must not overflow:
   the norm scales by exactly 2^997 (a power of two: every product exact). */
static void test_scaling_norm(void)
{
  struct pair p;
  double d[M], e[N], big[N], nd, ns, nb, *val;
  const int64_t *rp;
  const int32_t *ci;
  int ok = 1;
  pair_make(&p, 1);
  for (int64_t i = 0; i < M; i++)
    d[i] = 1.0 + 0.1 * (double)(i % 7);
  for (int64_t j = 0; j < N; j++) {
    e[j] = 2.0 - 0.05 * (double)j;
    big[j] = ldexp(1.0, 997);
  }
  RLA_ASSERT_OK(rla_smat_scale_rows(p.A, d + p.r0[1]));
  RLA_ASSERT_OK(rla_smat_scale_columns(p.A, e));
  rla_smat_local(p.A, &rp, &ci, &val);
  for (int64_t i = 0; i < p.lm[1]; i++)
    for (int64_t k = rp[i]; k < rp[i + 1]; k++) {
      double x = entry(p.r0[1] + i, ci[k], NULL) * (d[p.r0[1] + i] * e[ci[k]]);
      ok &= fabs(val[k] - x) <= 2 * gam(2) * fabs(x);
    }
  RLA_ASSERT_ALL(ok);
  {
    double *a;
    int64_t lm, lld;
    rla_dmat_local(p.D, &a, &lm, NULL, &lld);
    for (int64_t i = 0; i < lm; i++)
      for (int64_t j = 0; j < N; j++)
        a[i + j * lld] *= d[p.r0[0] + i] * e[j];
  }
  RLA_ASSERT_OK(rla_dmat_norm_fro(p.D, &nd));
  RLA_ASSERT_OK(rla_smat_norm_fro(p.A, &ns));
  RLA_ASSERT_ALL(ns > 0 && fabs(ns - nd) <= 2 * gam(M * N) * nd);
  RLA_ASSERT_OK(rla_smat_scale_columns(p.A, big));
  RLA_ASSERT_OK(rla_smat_norm_fro(p.A, &nb));
  RLA_ASSERT_ALL(isfinite(nb) && nb == ldexp(ns, 997));
  pair_free(&p);
}

/* Every error of the new entry points, provoked. */
static void test_errors(void)
{
  struct pair p;
  rla_op op = NULL;
  rla_dmat D;
  rla_sketch S, R;
  double d[N], out[8 * N], y[M * 8], nrm;
  pair_make(&p, 1);
  RLA_ASSERT_FAILS(rla_op_create_sparse(NULL, &op), RLA_ERR_ARG, NULL);
  RLA_ASSERT_FAILS(rla_op_create_sparse(p.A, NULL), RLA_ERR_ARG, "must not be NULL");
  RLA_ASSERT_ALL(op == NULL);
  RLA_ASSERT_ALL(strcmp(rla_op_type_name(p.sparse), "sparse") == 0);
  RLA_ASSERT_FAILS(rla_op_get_dmat(p.sparse, &D), RLA_ERR_UNSUPPORTED, "type sparse");
  RLA_ASSERT_FAILS(rla_op_mult(p.sparse, 1, out, N - 1, y, M), RLA_ERR_ARG, "leading dimensions");
  RLA_ASSERT_FAILS(rla_op_normal_local(p.sparse, 2, out, y), RLA_ERR_ARG, "set up for 1 vectors");
  /* sketches of the wrong size, or none */
  S = sketch_make(rla_test_ctx, RLA_SKETCH_SPARSE, 8, M - 1, 1, 0);
  R = sketch_make(rla_test_ctx, RLA_SKETCH_GAUSSIAN, 8, N + 1, 1, 0);
  if (p.lm[1] > 0 && p.r0[1] + p.lm[1] == M) {
    RLA_ASSERT_ALL(rla_op_sketch_left_local(p.sparse, S, out, 8) == RLA_ERR_SHAPE);
  } else
    RLA_ASSERT_ALL(1);
  RLA_ASSERT_FAILS(rla_op_sketch_right(p.sparse, R, y, M), RLA_ERR_SHAPE, "must be equal");
  RLA_ASSERT_FAILS(rla_op_sketch_right(p.sparse, NULL, y, M), RLA_ERR_ARG, "must not be NULL");
  RLA_ASSERT_FAILS(rla_op_sketch_left_local(p.sparse, NULL, out, 8), RLA_ERR_ARG,
                   "must not be NULL");
  rla_sketch_destroy(&S);
  rla_sketch_destroy(&R);
  /* an operator not set up has no workspace for the Gaussian sketch */
  RLA_ASSERT_OK(rla_op_create_sparse(p.A, &op));
  S = sketch_make(rla_test_ctx, RLA_SKETCH_GAUSSIAN, 8, M, 1, 0);
  RLA_ASSERT_FAILS(rla_op_sketch_left_local(op, S, out, 8), RLA_ERR_ARG, "call rla_op_setup");
  rla_sketch_destroy(&S);
  rla_op_destroy(&op);
  RLA_ASSERT_ALL(op == NULL);
  /* scaling and norm */
  for (int64_t j = 0; j < N; j++)
    d[j] = 1.0;
  RLA_ASSERT_FAILS(rla_smat_scale_columns(NULL, d), RLA_ERR_ARG, NULL);
  RLA_ASSERT_FAILS(rla_smat_scale_columns(p.A, NULL), RLA_ERR_ARG, "must not be NULL");
  RLA_ASSERT_FAILS(rla_smat_scale_rows(NULL, d), RLA_ERR_ARG, NULL);
  if (p.lm[1] > 0)
    RLA_ASSERT_ALL(rla_smat_scale_rows(p.A, NULL) == RLA_ERR_ARG);
  else
    RLA_ASSERT_ALL(rla_smat_scale_rows(p.A, NULL) == RLA_SUCCESS);
  d[4] = NAN;
  RLA_ASSERT_FAILS(rla_smat_scale_columns(p.A, d), RLA_ERR_VALUE, "factor of column 4 is nan");
  RLA_ASSERT_FAILS(rla_smat_norm_fro(NULL, &nrm), RLA_ERR_ARG, NULL);
  RLA_ASSERT_FAILS(rla_smat_norm_fro(p.A, NULL), RLA_ERR_ARG, "must not be NULL");
  /* the failed scaling left A as it was */
  RLA_ASSERT_OK(rla_op_check_finite(p.sparse, "A"));
  pair_free(&p);
}

void rla_test_register(void)
{
  static const struct {
    const char *name;
    CU_TestFunc run;
  } tests[] = {
      {"products: sparse against dense, 1 and 3 vectors", test_products},
      {"residual pass: sparse against dense", test_residual},
      {"column norms, largest entry, non-finite entries", test_norms_finite},
      {"sketches: against dense and against one rank", test_sketches},
      {"sparse sign sketch: odd k, short panels, wide stripes", test_sign_paths},
      {"set up, the kernels allocate nothing", test_no_allocation},
      {"rla_smat scaling and Frobenius norm", test_scaling_norm},
      {"errors", test_errors},
  };
  CU_pSuite s = CU_add_suite("op_sparse", NULL, NULL);
  for (size_t t = 0; t < sizeof(tests) / sizeof(tests[0]); t++)
    CU_add_test(s, tests[t].name, tests[t].run);
}
