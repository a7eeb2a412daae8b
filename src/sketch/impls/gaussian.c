/* SPDX-License-Identifier: BSD-3-Clause */
/* Gaussian sketch: Omega(k, i) = N(0,1)/sqrt(l), the normal value of rla_rng_gaussian at
   (seed, RLA_RNG_SKETCH_GAUSS, row k, column i) (Halko, Martinsson, Tropp, SIAM Rev. 2011,
   Sec. 4.1). Omega is generated in panels of columns (l x p, p bounded) and applied by DGEMM.
   Cost: 2 l n d flops and l n normal values for Omega A (n x d); no communication. */
#include <limits.h>
#include <math.h>
#include <string.h>

#include <cblas.h>

#include "../sketch_impl.h"

/* Columns of Omega generated at a time: the l x PANEL block stays small (l = 1024: 2 MiB)
   while DGEMM gets an inner dimension large enough to run near peak. */
#define PANEL 256

struct gaussian {
  int64_t l, panel;
  double *g; /* panel x l, column-major with leading dimension panel: g(t, k) = Omega(k, i0 + t) */
  rla_rng rng;
};

void rla_sketch_gaussian_block(rla_sketch S, int64_t k0, int64_t kb, int64_t i0, int64_t p,
                               double *g, int64_t ldg)
{
  struct gaussian *h = S->data;
  for (int64_t k = 0; k < kb; k++)
    rla_rng_gaussian(h->rng, (uint64_t)(k0 + k), (uint64_t)i0, (size_t)p, g + k * ldg);
}

/* g(t, k) = Omega(k, i0 + t) * sqrt(l) for t < p */
static void generate(rla_sketch S, int64_t i0, int64_t p)
{
  struct gaussian *h = S->data;
  rla_sketch_gaussian_block(S, 0, h->l, i0, p, h->g, h->panel);
}

static rla_err gaussian_apply_left(rla_sketch S, int64_t row0, int64_t nrows, int64_t d,
                                   const double *a, int64_t lda, double *out, int64_t ldo)
{
  struct gaussian *h = S->data;
  const double scale = 1.0 / sqrt((double)h->l);

  RLA_CHECK(S->ctx, d <= INT_MAX && lda <= INT_MAX && ldo <= INT_MAX, RLA_ERR_UNSUPPORTED,
            "Gaussian sketch: d = %lld, lda = %lld, ldo = %lld must fit the BLAS interface "
            "(at most 2^31 - 1)",
            (long long)d, (long long)lda, (long long)ldo);
  if (nrows == 0) {
    for (int64_t j = 0; j < d; j++)
      memset(out + j * ldo, 0, sizeof(double) * (size_t)h->l);
    return RLA_SUCCESS;
  }
  for (int64_t t0 = 0; t0 < nrows; t0 += h->panel) {
    const int64_t p = nrows - t0 < h->panel ? nrows - t0 : h->panel;
    generate(S, row0 + t0, p);
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)h->l, (int)d, (int)p, scale, h->g,
                (int)h->panel, a + t0, (int)lda, t0 == 0 ? 0.0 : 1.0, out, (int)ldo);
  }
  return RLA_SUCCESS;
}

static rla_err gaussian_apply_right(rla_sketch S, int64_t m, const double *a, int64_t lda,
                                    double *y, int64_t ldy)
{
  struct gaussian *h = S->data;
  const double scale = 1.0 / sqrt((double)h->l);

  RLA_CHECK(S->ctx, m <= INT_MAX && lda <= INT_MAX && ldy <= INT_MAX, RLA_ERR_UNSUPPORTED,
            "Gaussian sketch: m = %lld, lda = %lld, ldy = %lld must fit the BLAS interface "
            "(at most 2^31 - 1)",
            (long long)m, (long long)lda, (long long)ldy);
  if (S->n == 0) {
    for (int64_t k = 0; k < h->l; k++)
      memset(y + k * ldy, 0, sizeof(double) * (size_t)m);
    return RLA_SUCCESS;
  }
  for (int64_t t0 = 0; t0 < S->n; t0 += h->panel) {
    const int64_t p = S->n - t0 < h->panel ? S->n - t0 : h->panel;
    generate(S, t0, p);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)h->l, (int)p, scale,
                a + t0 * lda, (int)lda, h->g, (int)h->panel, t0 == 0 ? 0.0 : 1.0, y, (int)ldy);
  }
  return RLA_SUCCESS;
}

static void gaussian_reset(rla_sketch S)
{
  struct gaussian *h = S->data;
  if (!h) return;
  rla_free(&h->g);
  rla_free(&S->data);
}

/* The stream of the seed: all that depends on it. */
static rla_err gaussian_reseed(rla_sketch S)
{
  struct gaussian *h = S->data;
  h->rng = rla_rng_make(S->seed, RLA_RNG_SKETCH_GAUSS);
  return RLA_SUCCESS;
}

static rla_err gaussian_setup(rla_sketch S)
{
  struct gaussian *h = NULL;
  rla_err err = RLA_SUCCESS;
  RLA_CHECK(S->ctx, S->l <= 2147483647 && S->n <= 2147483647, RLA_ERR_UNSUPPORTED,
            "Gaussian sketch: sizes beyond 2^31 - 1 do not fit the BLAS interface");
  RLA_CALL(S->ctx, rla_calloc(S->ctx, 1, sizeof(*h), &h));
  S->data = h;
  h->l = S->l;
  h->panel = S->panel > 0 ? S->panel : PANEL;
  gaussian_reseed(S);
  RLA_CALL_GOTO(S->ctx, err, fail,
                rla_calloc(S->ctx, (size_t)(h->panel * h->l), sizeof(double), &h->g));
  return RLA_SUCCESS;
fail:
  gaussian_reset(S);
  return err;
}

static void gaussian_view(rla_sketch S, FILE *out)
{
  (void)S;
  fprintf(out, "  Gaussian: entries N(0,1)/sqrt(l), applied by DGEMM on panels of %d columns\n",
          PANEL);
}

const struct rla_sketch_ops rla_sketch_gaussian_ops = {
    .name = "gaussian",
    .setup = gaussian_setup,
    .apply_left_local = gaussian_apply_left,
    .apply_right_local = gaussian_apply_right,
    .reseed = gaussian_reseed,
    .reset = gaussian_reset,
    .view = gaussian_view,
};
