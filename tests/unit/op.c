/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of rla_op: the matrix-free operator (user callbacks over its own, uneven row split,
   with ranks that own no rows) against the dense operator of the same matrix, kernel by kernel
   (the transposed product Y^T A included), and every error of the front end provoked. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "op_check.h"
#include "rla/op.h"
#include "../../src/op/op_impl.h"

#define M 203
#define N 13
#define NV 3

static const double u = DBL_EPSILON / 2;
static double gam(double k) { return k * u / (1 - k * u); }

static double entry(int64_t i, int64_t j, void *data)
{
  (void)data;
  return sin(0.37 * (double)(i + 1) * (double)(j + 2)) + (i == j ? 2.0 : 0.0);
}

/* The user's data of the matrix-free operator: its rows [row0, row0 + lm) of entry(). */
struct user {
  int64_t row0, lm;
  int fail, destroyed;
};

static int user_mult(void *p, int64_t nv, const double *x, int64_t ldx, double *y, int64_t ldy)
{
  struct user *s = p;
  if (s->fail) return 7;
  for (int64_t v = 0; v < nv; v++)
    for (int64_t i = 0; i < s->lm; i++) {
      double t = 0.0;
      for (int64_t j = 0; j < N; j++)
        t += entry(s->row0 + i, j, NULL) * x[j + v * ldx];
      y[i + v * ldy] = t;
    }
  return 0;
}

static int user_mult_transpose(void *p, int64_t nv, const double *y, int64_t ldy, double *w,
                               int64_t ldw)
{
  struct user *s = p;
  if (s->fail) return 8;
  for (int64_t v = 0; v < nv; v++)
    for (int64_t j = 0; j < N; j++)
      for (int64_t i = 0; i < s->lm; i++)
        w[j + v * ldw] += entry(s->row0 + i, j, NULL) * y[i + v * ldy];
  return 0;
}

static void user_destroy(void *p) { ((struct user *)p)->destroyed = 1; }

static const rla_op_shell_ops user_ops = {user_mult, user_mult_transpose, user_destroy};

/* An uneven split unlike the dense one: rank r of P gets a share growing with r, the last rank
   none when P > 1. */
static void uneven_rows(int64_t m, int64_t *row0, int64_t *lm)
{
  int r = rla_ctx_rank(rla_test_ctx), P = rla_ctx_size(rla_test_ctx);
  int64_t w = 0, tot = 0, s = 0;
  int parts = P > 1 ? P - 1 : 1;
  for (int q = 0; q < parts; q++)
    tot += q + 1;
  for (int q = 0; q < r && q < parts; q++)
    s += m * (q + 1) / tot;
  w = r < parts ? m * (r + 1) / tot : 0;
  if (r == parts - 1) w = m - s;
  *row0 = s;
  *lm = w;
}

struct pair {
  rla_dmat A;
  rla_op dense, shell;
  struct user user;
};

static void pair_make(struct pair *p, int64_t nv)
{
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, M, N, 0, &p->A));
  RLA_ASSERT_OK(rla_dmat_fill(p->A, entry, NULL));
  RLA_ASSERT_OK(rla_op_create_dense(p->A, &p->dense));
  memset(&p->user, 0, sizeof(p->user));
  uneven_rows(M, &p->user.row0, &p->user.lm);
  RLA_ASSERT_OK(rla_op_create_shell(rla_test_ctx, M, N, p->user.lm, &user_ops, &p->user, &p->shell));
  RLA_ASSERT_OK(rla_op_setup(p->dense, nv));
  RLA_ASSERT_OK(rla_op_setup(p->shell, nv));
}

static void pair_free(struct pair *p)
{
  rla_op_destroy(&p->dense);
  rla_op_destroy(&p->shell);
  rla_dmat_destroy(&p->A);
}

static void sum(double *buf, int64_t n)
{
  MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_DOUBLE, MPI_SUM, rla_ctx_comm(rla_test_ctx));
}

/* |A| |X| (m x nv) and |A|^T |A| |X| (n x nv), the entrywise scales of the rounding bounds */
static void abs_products(const double *x, double *ax, double *atax)
{
  memset(atax, 0, sizeof(double) * N * NV);
  for (int64_t v = 0; v < NV; v++)
    for (int64_t i = 0; i < M; i++) {
      double t = 0.0;
      for (int64_t j = 0; j < N; j++)
        t += fabs(entry(i, j, NULL)) * fabs(x[j + v * N]);
      ax[i + v * M] = t;
      for (int64_t j = 0; j < N; j++)
        atax[j + v * N] += fabs(entry(i, j, NULL)) * t;
    }
}

/* y (global m x nv, zero outside this rank's rows [row0, row0 + lm)) from local rows */
static void spread(const double *yl, int64_t row0, int64_t lm, double *y)
{
  memset(y, 0, sizeof(double) * M * NV);
  for (int64_t v = 0; v < NV; v++)
    for (int64_t i = 0; i < lm; i++)
      y[row0 + i + v * M] = yl[i + v * (lm > 1 ? lm : 1)];
  sum(y, M * NV);
}

/* Products: both operators compute the same sums in other orders, so each differs from the
   exact value by at most gamma_k times the sum of the absolute terms (Higham, Lemma 3.4 and
   eq. (3.5)), and from each other by twice that: A X with k = n terms; A^T Y with k = m (the
   reduction over the ranks adds to the local sums' depth, m terms in all); A^T (A Z) by the
   same bounds composed, (gamma_n + gamma_m + gamma_n gamma_m) |A|^T |A| |Z|. */
static void test_products(void)
{
  struct pair p;
  double x[N * NV], y1[M * NV], y2[M * NV], ax[M * NV], atax[N * NV], w1[N * NV], w2[N * NV];
  double t1[N * NV], t2[N * NV], *yl1, *yl2;
  int64_t lm1, lm2, r01, r02;
  int ok = 1;
  pair_make(&p, NV);
  for (int64_t k = 0; k < N * NV; k++)
    x[k] = cos(1.3 * (double)k);
  abs_products(x, ax, atax);
  rla_op_local_rows(p.dense, &r01, &lm1);
  rla_op_local_rows(p.shell, &r02, &lm2);
  yl1 = calloc((size_t)(lm1 + 1) * NV, sizeof(double));
  yl2 = calloc((size_t)(lm2 + 1) * NV, sizeof(double));
  RLA_ASSERT_OK(rla_op_mult(p.dense, NV, x, N, yl1, lm1 > 1 ? lm1 : 1));
  RLA_ASSERT_OK(rla_op_mult(p.shell, NV, x, N, yl2, lm2 > 1 ? lm2 : 1));
  spread(yl1, r01, lm1, y1);
  spread(yl2, r02, lm2, y2);
  for (int64_t k = 0; k < M * NV; k++)
    ok &= fabs(y1[k] - y2[k]) <= 2 * gam(N) * ax[k];
  RLA_ASSERT_ALL(ok);
  /* A^T Y with Y = A X: local parts summed over the ranks */
  memset(w1, 0, sizeof(w1));
  memset(w2, 0, sizeof(w2));
  RLA_ASSERT_OK(rla_op_mult_transpose_add(p.dense, NV, yl1, lm1 > 1 ? lm1 : 1, w1, N));
  RLA_ASSERT_OK(rla_op_mult_transpose_add(p.shell, NV, yl2, lm2 > 1 ? lm2 : 1, w2, N));
  sum(w1, N * NV);
  sum(w2, N * NV);
  for (int64_t k = 0; k < N * NV; k++)
    ok &= fabs(w1[k] - w2[k]) <= 2 * (gam(N) + gam(M) + gam(N) * gam(M)) * atax[k];
  RLA_ASSERT_ALL(ok);
  /* Y^T A (the dense GEMM, the shell's A^T Y transposed) against the other operator's A^T Y:
     the same sums in other orders, so the same bound */
  RLA_ASSERT_OK(rla_op_left_mult_local(p.dense, NV, yl1, lm1 > 1 ? lm1 : 1, t1, NV));
  RLA_ASSERT_OK(rla_op_left_mult_local(p.shell, NV, yl2, lm2 > 1 ? lm2 : 1, t2, NV));
  sum(t1, N * NV);
  sum(t2, N * NV);
  for (int64_t j = 0; j < N; j++)
    for (int64_t v = 0; v < NV; v++) {
      double b = 2 * (gam(N) + gam(M) + gam(N) * gam(M)) * atax[j + v * N];
      ok &= fabs(t1[v + j * NV] - w2[j + v * N]) <= b && fabs(t2[v + j * NV] - w1[j + v * N]) <= b;
    }
  RLA_ASSERT_ALL(ok);
  /* the fused normal product (dense) against the composed one (shell) */
  RLA_ASSERT_OK(rla_op_normal_local(p.dense, NV, x, w1));
  RLA_ASSERT_OK(rla_op_normal_local(p.shell, NV, x, w2));
  sum(w1, N * NV);
  sum(w2, N * NV);
  for (int64_t k = 0; k < N * NV; k++)
    ok &= fabs(w1[k] - w2[k]) <= 2 * (gam(N) + gam(M) + gam(N) * gam(M)) * atax[k];
  RLA_ASSERT_ALL(ok);
  free(yl1);
  free(yl2);
  pair_free(&p);
  RLA_ASSERT_ALL(p.user.destroyed == 1);
}

/* The residual pass, fused (dense) against composed (shell): the bounds of
   rla_test_residuals_close (op_check.c), with one vector and with three (the dense operator's
   single-vector pass is a different kernel). */
static void test_residual(void)
{
  struct pair p;
  rla_op ops[2];
  pair_make(&p, NV);
  ops[0] = p.dense;
  ops[1] = p.shell;
  RLA_ASSERT_ALL(rla_test_residuals_close(ops, entry, NV, 0));
  pair_free(&p);
}

/* Sketches. The dense operator sketches its rows directly; the matrix-free one sketches the
   columns it gets from products with the identity (exact: one nonzero term per entry) or
   multiplies by the explicit Omega^T. Each computed Omega a differs from the exact one by at
   most gamma_T ||Omega||_F ||a|| with T = m + 2 log2(b) + 8: a sum of at most m products per
   entry (Gaussian, sparse sign; Higham eq. (3.5) with ||Omega|| <= ||Omega||_F), or the
   transform of each block (normwise log2(b) eta with eta <= gamma_6 for the real transforms;
   Higham Thm 24.2) and the sum of the blocks. Two computations differ by twice that; for
   A Omega^T the same bound holds row by row with n in place of m. ||Omega||_F is measured from
   the sketch of the identity. */
static double omega_fro(rla_sketch S, int64_t n, int64_t l)
{
  double *eye = calloc((size_t)(n * n), sizeof(double)), *om = calloc((size_t)(l * n), sizeof(double));
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

static void test_sketches(void)
{
  static const rla_sketch_type types[] = {RLA_SKETCH_SRHT, RLA_SKETCH_GAUSSIAN, RLA_SKETCH_SPARSE};
  const int64_t l = 40, lr = 7;
  double asq[N], rsq[M];
  int ok = 1;
  memset(asq, 0, sizeof(asq));
  memset(rsq, 0, sizeof(rsq));
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++) {
      asq[j] += entry(i, j, NULL) * entry(i, j, NULL);
      rsq[i] += entry(i, j, NULL) * entry(i, j, NULL);
    }
  for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
    struct pair p;
    rla_sketch S, R;
    double out[2][40 * N], bound, *y[2], yg[2][M * 7];
    int64_t r0[2], lm[2];
    rla_op ops[2];
    pair_make(&p, lr);
    ops[0] = p.dense;
    ops[1] = p.shell;
    RLA_ASSERT_OK(rla_sketch_create(rla_test_ctx, &S));
    RLA_ASSERT_OK(rla_sketch_set_type(S, types[t]));
    RLA_ASSERT_OK(rla_sketch_set_sizes(S, l, M));
    RLA_ASSERT_OK(rla_sketch_set_seed(S, 5));
    RLA_ASSERT_OK(rla_sketch_setup(S));
    RLA_ASSERT_OK(rla_sketch_create(rla_test_ctx, &R));
    RLA_ASSERT_OK(rla_sketch_set_type(R, types[t]));
    RLA_ASSERT_OK(rla_sketch_set_sizes(R, lr, N));
    RLA_ASSERT_OK(rla_sketch_set_seed(R, 6));
    RLA_ASSERT_OK(rla_sketch_setup(R));
    for (int k = 0; k < 2; k++) {
      int64_t ld;
      RLA_ASSERT_OK(rla_op_sketch_left_local(ops[k], S, out[k], l));
      sum(out[k], l * N);
      rla_op_local_rows(ops[k], &r0[k], &lm[k]);
      ld = lm[k] > 1 ? lm[k] : 1;
      y[k] = calloc((size_t)(ld * lr), sizeof(double));
      RLA_ASSERT_OK(rla_op_sketch_right(ops[k], R, y[k], ld));
      memset(yg[k], 0, sizeof(yg[k]));
      for (int64_t v = 0; v < lr; v++)
        for (int64_t i = 0; i < lm[k]; i++)
          yg[k][r0[k] + i + v * M] = y[k][i + v * ld];
      sum(yg[k], M * lr);
      free(y[k]);
    }
    bound = 2 * gam((double)M + 2 * log2((double)rla_sketch_get_block_size(S) + 1) + 8) *
            omega_fro(S, M, l);
    for (int64_t j = 0; j < N; j++) {
      double d2 = 0.0;
      for (int64_t i = 0; i < l; i++)
        d2 += (out[0][i + j * l] - out[1][i + j * l]) * (out[0][i + j * l] - out[1][i + j * l]);
      ok &= sqrt(d2) <= bound * sqrt(asq[j]);
    }
    bound = 2 * gam((double)N + 2 * log2((double)rla_sketch_get_block_size(R) + 1) + 8) *
            omega_fro(R, N, lr);
    for (int64_t i = 0; i < M; i++) {
      double d2 = 0.0;
      for (int64_t v = 0; v < lr; v++)
        d2 += (yg[0][i + v * M] - yg[1][i + v * M]) * (yg[0][i + v * M] - yg[1][i + v * M]);
      ok &= sqrt(d2) <= bound * sqrt(rsq[i]);
    }
    RLA_ASSERT_ALL(ok);
    rla_sketch_destroy(&S);
    rla_sketch_destroy(&R);
    pair_free(&p);
  }
}

/* Every error of the front end, provoked. */
static void test_errors(void)
{
  struct pair p;
  struct user bad = {0, 0, 0, 0};
  rla_op op = NULL;
  rla_dmat C, D;
  rla_op_shell_ops none = {NULL, NULL, NULL};
  double x[N * 4], y[M * 4], w[N * 4];
  int64_t r0, lm;
  memset(x, 0, sizeof(x));
  uneven_rows(M, &r0, &lm);
  bad.row0 = r0;
  bad.lm = lm;
  RLA_ASSERT_FAILS(rla_op_create_shell(rla_test_ctx, M, N, lm, &none, &bad, &op), RLA_ERR_ARG,
                   "mult_transpose callbacks");
  RLA_ASSERT_ALL(op == NULL);
  RLA_ASSERT_FAILS(rla_op_create_shell(rla_test_ctx, M, 0, lm, &user_ops, &bad, &op), RLA_ERR_ARG,
                   "n >= 1");
  RLA_ASSERT_FAILS(rla_op_create_shell(rla_test_ctx, M + 1, N, lm, &user_ops, &bad, &op),
                   RLA_ERR_ARG, "sum to");
  if (rla_ctx_size(rla_test_ctx) > 1)
    RLA_ASSERT_FAILS(rla_op_create_shell(rla_test_ctx, M + rla_ctx_rank(rla_test_ctx), N, lm,
                                         &user_ops, &bad, &op),
                     RLA_ERR_ARG, "same on every rank");
  RLA_ASSERT_ALL(bad.destroyed == 0);
  RLA_ASSERT_OK(rla_dmat_create_cyclic(rla_test_ctx, M, N, 4, 4, &C));
  RLA_ASSERT_FAILS(rla_op_create_dense(C, &op), RLA_ERR_ARG, "row-block");
  rla_dmat_destroy(&C);
  pair_make(&p, 1);
  RLA_ASSERT_FAILS(rla_op_get_dmat(p.shell, &D), RLA_ERR_UNSUPPORTED, "type shell");
  RLA_ASSERT_OK(rla_op_get_dmat(p.dense, &D));
  RLA_ASSERT_ALL(D == p.A);
  RLA_ASSERT_FAILS(rla_op_mult(p.shell, 1, x, N - 1, y, M), RLA_ERR_ARG, "leading dimensions");
  RLA_ASSERT_FAILS(rla_op_normal_local(p.shell, 4, x, w), RLA_ERR_ARG, "set up for 1 vectors");
  RLA_ASSERT_FAILS(rla_op_left_mult_local(p.shell, 4, y, M, w, 4), RLA_ERR_ARG,
                   "set up for 1 vectors");
  RLA_ASSERT_FAILS(rla_op_left_mult_local(p.dense, 2, y, M, w, 1), RLA_ERR_ARG,
                   "leading dimensions");
  p.user.fail = 1;
  RLA_ASSERT_FAILS(rla_op_mult(p.shell, 1, x, N, y, M), RLA_ERR_NUMERIC,
                   "mult callback failed (returned 7)");
  memset(w, 0, sizeof(w));
  RLA_ASSERT_FAILS(rla_op_mult_transpose_add(p.shell, 1, y, M, w, N), RLA_ERR_NUMERIC,
                   "mult_transpose callback failed (returned 8)");
  RLA_ASSERT_FAILS(rla_op_setup(p.shell, 0), RLA_ERR_ARG, "nv < 1");
  pair_free(&p);
}

/* The kernels allocate nothing once set up: counted in a context whose allocations are. */
static void test_no_allocation(void)
{
  rla_ctx ctx = rla_test_counting_ctx();
  rla_dmat A;
  rla_op op;
  double x[N * NV], y[M * NV], w[N * NV];
  long long before;
  RLA_ASSERT_ALL(ctx != NULL);
  RLA_ASSERT_OK(rla_dmat_create_rowblock(ctx, M, N, 0, &A));
  RLA_ASSERT_OK(rla_dmat_fill(A, entry, NULL));
  RLA_ASSERT_OK(rla_op_create_dense(A, &op));
  RLA_ASSERT_OK(rla_op_setup(op, NV));
  for (int64_t k = 0; k < N * NV; k++)
    x[k] = 1.0 / (double)(k + 1);
  before = rla_test_allocations();
  RLA_ASSERT_OK(rla_op_mult(op, NV, x, N, y, M));
  RLA_ASSERT_OK(rla_op_normal_local(op, NV, x, w));
  RLA_ASSERT_OK(rla_op_normal_local(op, 1, x, w));
  RLA_ASSERT_OK(rla_op_left_mult_local(op, NV, y, M, w, NV));
  RLA_ASSERT_ALL(rla_test_allocations() == before);
  RLA_ASSERT_ALL(before > 0); /* the counter counts: creating A allocated */
  rla_op_destroy(&op);
  rla_dmat_destroy(&A);
  rla_ctx_destroy(&ctx);
}

void rla_test_register(void)
{
  CU_pSuite s = CU_add_suite("op", NULL, NULL);
  CU_add_test(s, "products: matrix-free against dense", test_products);
  CU_add_test(s, "residual pass: fused against composed", test_residual);
  CU_add_test(s, "sketches: native against composed", test_sketches);
  CU_add_test(s, "errors", test_errors);
  CU_add_test(s, "set up, the kernels allocate nothing", test_no_allocation);
}
