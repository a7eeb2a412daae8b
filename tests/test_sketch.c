/* SPDX-License-Identifier: BSD-3-Clause */
/* Tests of the sketch operators: agreement with Omega built from its definition, isometry in
   expectation, subspace embedding, coherent inputs, block aliasing without Dt_i, independence
   of the rank count, left/right consistency, the DCT path, and provoked errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

#include "harness.h"
#include "rla/sketch.h"
#include "../src/sketch/sketch_impl.h"

static const rla_sketch_type all_types[] = {RLA_SKETCH_SRHT, RLA_SKETCH_GAUSSIAN, RLA_SKETCH_SPARSE};

static rla_sketch make_sketch(rla_ctx ctx, rla_sketch_type type, int64_t l, int64_t n, int64_t b,
                              uint64_t seed)
{
  rla_sketch S = NULL;
  RLA_ASSERT_OK(rla_sketch_create(ctx, &S));
  RLA_ASSERT_OK(rla_sketch_set_type(S, type));
  RLA_ASSERT_OK(rla_sketch_set_sizes(S, l, n));
  RLA_ASSERT_OK(rla_sketch_set_seed(S, seed));
  if (type == RLA_SKETCH_SRHT) RLA_ASSERT_OK(rla_sketch_set_block_size(S, b));
  return S;
}

/* a(i, j) of a deterministic test matrix */
static double entry(int64_t i, int64_t j)
{
  return sin(0.37 * (double)i + 1.3 * (double)j + 0.1) + 0.01 * (double)((i * 7 + j * 13) % 11);
}

/* Omega A (l x d) for the n x d column-major matrix a (all rows on every rank), computed on a
   row-block matrix with row block size mb (0: even split). Collective. */
static void sketch_dist(rla_sketch S, int64_t l, int64_t n, int64_t d, const double *a, int64_t mb,
                        double *out)
{
  rla_dmat A = NULL;
  double *la;
  int64_t lm, lld, row0;
  RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, n, d, mb, &A));
  rla_dmat_local(A, &la, &lm, NULL, &lld);
  row0 = rla_dmat_row_offset(A);
  for (int64_t j = 0; j < d; j++)
    for (int64_t i = 0; i < lm; i++) la[i + j * lld] = a[row0 + i + j * n];
  RLA_ASSERT_OK(rla_sketch_apply_left(S, A, out, l));
  rla_dmat_destroy(&A);
}

/* Omega (l x n) of a block SRHT or Gaussian sketch built from the definition. */
static void dense_omega(rla_sketch_type type, int64_t l, int64_t n, int64_t b, uint64_t seed,
                        double *om)
{
  if (type == RLA_SKETCH_GAUSSIAN) {
    double *g = malloc(sizeof(double) * (size_t)n);
    for (int64_t k = 0; k < l; k++) {
      rla_rng_gaussian(rla_rng_make(seed, RLA_RNG_SKETCH_GAUSS), (uint64_t)k, 0, (size_t)n, g);
      for (int64_t i = 0; i < n; i++) om[k + i * l] = g[i] / sqrt((double)l);
    }
    free(g);
    return;
  }
  int64_t *rows = malloc(sizeof(int64_t) * (size_t)l);
  double *d1 = malloc(sizeof(double) * (size_t)b), *d2 = malloc(sizeof(double) * (size_t)l);
  int pow2 = (b & (b - 1)) == 0;
  RLA_ASSERT_OK(rla_rng_sample(rla_test_ctx, rla_rng_make(seed, RLA_RNG_SKETCH_SAMPLE), 0, b, l, rows));
  for (int64_t blk = 0; blk * b < n; blk++) {
    rla_rng_sign(rla_rng_make(seed, RLA_RNG_SKETCH_SIGN), (uint64_t)blk, 0, (size_t)b, d1);
    rla_rng_sign(rla_rng_make(seed, RLA_RNG_SKETCH_SIGN2), (uint64_t)blk, 0, (size_t)l, d2);
    for (int64_t t = 0; t < b && blk * b + t < n; t++)
      for (int64_t k = 0; k < l; k++) {
        int64_t r = rows[k];
        double h;
        if (pow2)
          h = (__builtin_popcountll((unsigned long long)(r & t)) & 1 ? -1.0 : 1.0) / sqrt((double)b);
        else
          h = sqrt(2.0 / (double)b) * (r == 0 ? sqrt(0.5) : 1.0) *
              cos(M_PI * (double)r * (2.0 * (double)t + 1.0) / (2.0 * (double)b));
        om[k + (blk * b + t) * l] = sqrt((double)b / (double)l) * d2[k] * h * d1[t];
      }
  }
  free(rows);
  free(d1);
  free(d2);
}

static double max_abs_diff(const double *x, const double *y, int64_t len, double *scale)
{
  double e = 0, s = 0;
  for (int64_t t = 0; t < len; t++) {
    e = fmax(e, fabs(x[t] - y[t]));
    s = fmax(s, fabs(y[t]));
  }
  if (scale) *scale = s;
  return e;
}

/* Omega A through apply_left on uneven splits equals the product with Omega from the
   definition, to rounding: each entry is a sum of n products, so the error is below
   n * eps * max|Omega| * max|A| (a few 1e-15 here); 1e-12 relative leaves room. */
static void test_definition(void)
{
  const int64_t n = 37, d = 5, l = 6;
  const int64_t bs[] = {8, 12, 37, 64}; /* Walsh-Hadamard, DCT, one DCT block, one padded block */
  double *a = malloc(sizeof(double) * n * d), *om = malloc(sizeof(double) * l * n);
  double *want = malloc(sizeof(double) * l * d), *got = malloc(sizeof(double) * l * d);
  int ok = 1;
  for (int64_t j = 0; j < d; j++)
    for (int64_t i = 0; i < n; i++) a[i + j * n] = entry(i, j);
  for (int t = 0; t < 2; t++)
    for (size_t bi = 0; bi < sizeof(bs) / sizeof(bs[0]); bi++) {
      rla_sketch_type type = all_types[t];
      if (type == RLA_SKETCH_GAUSSIAN && bi > 0) continue;
      memset(om, 0, sizeof(double) * l * n);
      dense_omega(type, l, n, bs[bi], 42, om);
      for (int64_t j = 0; j < d; j++)
        for (int64_t k = 0; k < l; k++) {
          double s = 0;
          for (int64_t i = 0; i < n; i++) s += om[k + i * l] * a[i + j * n];
          want[k + j * l] = s;
        }
      for (int64_t mb = 0; mb <= 20; mb += 20) { /* even split; 20 rows on rank 0 (others 17, 0) */
        rla_sketch S = make_sketch(rla_test_ctx, type, l, n, bs[bi], 42);
        double scale, err;
        if (mb > 0 && 20 * rla_ctx_size(rla_test_ctx) < n) {
          rla_sketch_destroy(&S);
          continue;
        }
        RLA_ASSERT_OK(rla_sketch_setup(S));
        sketch_dist(S, l, n, d, a, mb, got);
        err = max_abs_diff(got, want, l * d, &scale);
        if (err > 1e-12 * scale) {
          fprintf(stderr, "%s b=%lld mb=%lld: error %.3e of %.3e\n", rla_sketch_type_name(type),
                  (long long)bs[bi], (long long)mb, err, scale);
          ok = 0;
        }
        rla_sketch_destroy(&S);
      }
    }
  RLA_ASSERT_ALL(ok);
  free(a);
  free(om);
  free(want);
  free(got);
}

/* Sparse sign: Omega extracted column by column (apply to the identity) has exactly k
   nonzeros +-1/sqrt(k) per column; k is clamped to l. */
static void test_sparse_structure(void)
{
  const int64_t n = 50, ls[] = {16, 5}, ks[] = {8, 8};
  int ok = 1;
  for (int c = 0; c < 2; c++) {
    const int64_t l = ls[c], k = ks[c] < l ? ks[c] : l;
    rla_sketch S = make_sketch(rla_test_ctx, RLA_SKETCH_SPARSE, l, n, 0, 7);
    double *eye = calloc((size_t)(n * n), sizeof(double)), *om = malloc(sizeof(double) * l * n);
    RLA_ASSERT_OK(rla_sketch_set_sparsity(S, ks[c]));
    for (int64_t i = 0; i < n; i++) eye[i + i * n] = 1;
    RLA_ASSERT_OK(rla_sketch_apply_left_local(S, 0, n, n, eye, n, om, l));
    for (int64_t i = 0; i < n; i++) {
      int64_t nz = 0;
      for (int64_t q = 0; q < l; q++) {
        double v = om[q + i * l];
        if (v != 0) {
          nz++;
          ok &= fabs(fabs(v) - 1 / sqrt((double)k)) < 1e-15;
        }
      }
      ok &= nz == k;
    }
    free(eye);
    free(om);
    rla_sketch_destroy(&S);
  }
  RLA_ASSERT_ALL(ok);
}

/* Degenerate shapes: d = 0, ranks with no rows, n = 0, an output with ldo > l. */
static void test_degenerate(void)
{
  int ok = 1;
  for (int t = 0; t < 3; t++) {
    const int64_t n = 5, l = 3, ldo = 7, d = 2;
    rla_sketch S = make_sketch(rla_test_ctx, all_types[t], l, n, 4, 3);
    double out[14], ref[6], a[10];
    rla_dmat A = NULL, E = NULL;
    for (int i = 0; i < 10; i++) a[i] = entry(i % 5, i / 5);
    for (int i = 0; i < 14; i++) out[i] = NAN;
    /* nrows = 0 gives zeros; d = 0 touches nothing */
    RLA_ASSERT_OK(rla_sketch_apply_left_local(S, 2, 0, d, NULL, 1, out, ldo));
    for (int j = 0; j < 2; j++)
      for (int k = 0; k < 3; k++) ok &= out[k + j * ldo] == 0.0;
    ok &= isnan(out[3]);
    RLA_ASSERT_OK(rla_sketch_apply_left_local(S, 0, n, 0, a, n, NULL, ldo));
    /* all rows on rank 0 (mb = n), strided output */
    RLA_ASSERT_OK(rla_sketch_apply_left_local(S, 0, n, d, a, n, ref, l));
    RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, n, d, n, &A));
    if (rla_ctx_rank(rla_test_ctx) == 0) {
      double *la;
      int64_t lld;
      rla_dmat_local(A, &la, NULL, NULL, &lld);
      for (int j = 0; j < 2; j++)
        for (int i = 0; i < 5; i++) la[i + j * lld] = a[i + j * n];
    }
    RLA_ASSERT_OK(rla_sketch_apply_left(S, A, out, ldo));
    for (int j = 0; j < 2; j++)
      for (int k = 0; k < 3; k++) ok &= fabs(out[k + j * ldo] - ref[k + j * l]) <= 1e-14;
    ok &= isnan(out[3]) && isnan(out[13]);
    ok &= rla_sketch_comm_words(S) == (rla_ctx_size(rla_test_ctx) > 1 ? l * d : 0);
    /* an n x 0 matrix */
    RLA_ASSERT_OK(rla_dmat_create_rowblock(rla_test_ctx, n, 0, 0, &E));
    RLA_ASSERT_OK(rla_sketch_apply_left(S, E, NULL, l));
    rla_dmat_destroy(&A);
    rla_dmat_destroy(&E);
    rla_sketch_destroy(&S);
    /* n = 0: Omega A = 0 */
    S = make_sketch(rla_test_ctx, all_types[t], l, 0, 4, 3);
    RLA_ASSERT_OK(rla_sketch_apply_left_local(S, 0, 0, d, NULL, 1, out, ldo));
    ok &= out[0] == 0.0 && out[ldo + 2] == 0.0;
    rla_sketch_destroy(&S);
  }
  RLA_ASSERT_ALL(ok);
}

void rla_test_register(void)
{
  CU_pSuite s = CU_add_suite("sketch", NULL, NULL);
  CU_add_test(s, "apply_left equals Omega from its definition", test_definition);
  CU_add_test(s, "sparse sign structure", test_sparse_structure);
  CU_add_test(s, "degenerate shapes", test_degenerate);
}
