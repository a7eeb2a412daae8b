/* SPDX-License-Identifier: BSD-3-Clause */
/* Block subsampled randomized Hadamard transform (block SRHT).
   Method: Balabanov, Beaupere, Grigori, Lederer, "Block subsampled randomized Hadamard transform
   for Nystrom approximation on distributed architectures", ICML 2023 (arXiv 2210.11295), Sec. 2.
   The n rows are split into Pv = ceil(n/b) virtual blocks of b rows (the last one zero-padded);
   Omega = [Omega_1 ... Omega_Pv], Omega_i = sqrt(b/l) Dt_i R H D_i with H the orthonormal b x b
   Walsh-Hadamard matrix (b a power of two) or DCT-II (other b), D_i (b x b) and Dt_i (l x l)
   independent random sign diagonals per block and R the same uniform sample of l of the b rows
   for every block. Omega A = sum_i Omega_i A_i, summed over the blocks in increasing order.
   Cost: n d log2(b) flops for Omega A (n x d), no communication (the caller reduces l d words);
   A is read once: each b x (panel) piece is signed, transformed in cache and sampled. */
#include <math.h>
#include <string.h>

#include <fftw3.h>

#include "../sketch_impl.h"

/* Automatic block size: the power of two >= l times this factor (see rla_sketch_set_block_size
   and bench/README.md for the measurements behind it), capped at the power of two >= n. */
#define AUTO_FACTOR 4
/* Vectors (columns of A, or rows for the right apply) transformed together. */
#define DEFAULT_PANEL 8

struct srht {
  int64_t b, l, n, nblocks, panel;
  rla_srht_transform transform; /* resolved: never AUTO */
  int omit_block_signs;
  int64_t *rows;     /* the l sampled rows R, increasing */
  double *rowscale;  /* l: sqrt(b/l) times the normalization of H at the sampled rows */
  double *coef;      /* l: rowscale times the signs Dt_i of the current block */
  double *sign;      /* b: the signs D_i of the current block */
  double *buf;       /* panel vectors of length b, FFTW-aligned */
  fftw_plan plan;    /* FFTW transform of the whole panel in place, or NULL */
  rla_rng rng_sign, rng_sign2;
};

static int is_pow2(int64_t x) { return x > 0 && (x & (x - 1)) == 0; }

static int64_t next_pow2(int64_t x)
{
  int64_t p = 1;
  while (p < x) p *= 2;
  return p;
}

/* Unnormalized Walsh-Hadamard transform of v (length b, a power of two), radix 2. */
static void fwht_ref(double *v, int64_t b)
{
  for (int64_t h = 1; h < b; h *= 2)
    for (int64_t i = 0; i < b; i += 2 * h)
      for (int64_t j = i; j < i + h; j++) {
        double x = v[j], y = v[j + h];
        v[j] = x + y;
        v[j + h] = x - y;
      }
}

/* Transform the first nc vectors of the panel buffer (unnormalized; rowscale normalizes). */
static void transform(struct srht *h, int64_t nc)
{
  if (h->plan) {
    fftw_execute(h->plan);
    return;
  }
  for (int64_t c = 0; c < nc; c++) fwht_ref(h->buf + c * h->b, h->b);
}

/* coef = rowscale * Dt_i */
static void block_coef(struct srht *h, int64_t i)
{
  if (h->omit_block_signs) {
    memcpy(h->coef, h->rowscale, sizeof(double) * (size_t)h->l);
    return;
  }
  rla_rng_sign(h->rng_sign2, (uint64_t)i, 0, (size_t)h->l, h->coef);
  for (int64_t k = 0; k < h->l; k++) h->coef[k] *= h->rowscale[k];
}

static rla_err srht_apply_left(rla_sketch S, int64_t row0, int64_t nrows, int64_t d,
                               const double *a, int64_t lda, double *out, int64_t ldo)
{
  struct srht *h = S->data;
  const int64_t b = h->b, l = h->l;

  for (int64_t j = 0; j < d; j++) memset(out + j * ldo, 0, sizeof(double) * (size_t)l);
  if (nrows == 0) return RLA_SUCCESS;
  const int64_t blk0 = row0 / b, blk1 = (row0 + nrows - 1) / b;
  for (int64_t j0 = 0; j0 < d; j0 += h->panel) {
    const int64_t nc = d - j0 < h->panel ? d - j0 : h->panel;
    for (int64_t i = blk0; i <= blk1; i++) {
      const int64_t lo = row0 > i * b ? row0 : i * b;
      const int64_t hi = row0 + nrows < (i + 1) * b ? row0 + nrows : (i + 1) * b;
      const int64_t t0 = lo - i * b, t1 = hi - i * b;
      rla_rng_sign(h->rng_sign, (uint64_t)i, (uint64_t)t0, (size_t)(t1 - t0), h->sign + t0);
      for (int64_t c = 0; c < nc; c++) {
        double *v = h->buf + c * b;
        const double *src = a + (lo - row0) + (j0 + c) * lda - t0;
        memset(v, 0, sizeof(double) * (size_t)t0);
        for (int64_t t = t0; t < t1; t++) v[t] = h->sign[t] * src[t];
        memset(v + t1, 0, sizeof(double) * (size_t)(b - t1));
      }
      transform(h, nc);
      block_coef(h, i);
      for (int64_t c = 0; c < nc; c++) {
        const double *v = h->buf + c * b;
        double *o = out + (j0 + c) * ldo;
        for (int64_t k = 0; k < l; k++) o[k] += h->coef[k] * v[h->rows[k]];
      }
    }
  }
  return RLA_SUCCESS;
}

static rla_err srht_apply_right(rla_sketch S, int64_t m, const double *a, int64_t lda, double *y,
                                int64_t ldy)
{
  struct srht *h = S->data;
  const int64_t b = h->b, l = h->l, n = h->n;

  for (int64_t k = 0; k < l; k++) memset(y + k * ldy, 0, sizeof(double) * (size_t)m);
  for (int64_t r0 = 0; r0 < m; r0 += h->panel) {
    const int64_t nc = m - r0 < h->panel ? m - r0 : h->panel;
    for (int64_t i = 0; i < h->nblocks; i++) {
      const int64_t t1 = n - i * b < b ? n - i * b : b;
      rla_rng_sign(h->rng_sign, (uint64_t)i, 0, (size_t)t1, h->sign);
      for (int64_t c = 0; c < nc; c++) {
        double *v = h->buf + c * b;
        const double *src = a + (r0 + c) + i * b * lda;
        for (int64_t t = 0; t < t1; t++) v[t] = h->sign[t] * src[t * lda];
        memset(v + t1, 0, sizeof(double) * (size_t)(b - t1));
      }
      transform(h, nc);
      block_coef(h, i);
      for (int64_t k = 0; k < l; k++) {
        double *yk = y + r0 + k * ldy;
        for (int64_t c = 0; c < nc; c++) yk[c] += h->coef[k] * h->buf[c * b + h->rows[k]];
      }
    }
  }
  return RLA_SUCCESS;
}

static void srht_reset(rla_sketch S)
{
  struct srht *h = S->data;
  if (!h) return;
  if (h->plan) fftw_destroy_plan(h->plan);
  fftw_free(h->buf);
  rla_free(&h->rows);
  rla_free(&h->rowscale);
  rla_free(&h->coef);
  rla_free(&h->sign);
  rla_free(&S->data);
}

/* Plan the in-place transform of the whole panel buffer with FFTW (FFTW_ESTIMATE: deterministic,
   fast, does not touch the array). */
static rla_err plan_fftw(rla_sketch S, struct srht *h)
{
  const int64_t b = h->b;
  if (h->transform == RLA_SRHT_TRANSFORM_FFTW && is_pow2(b)) {
    int rank = 0, dims[64];
    fftw_r2r_kind kinds[64];
    for (int64_t x = b; x > 1; x /= 2) {
      dims[rank] = 2;
      kinds[rank++] = FFTW_R2HC; /* a size-2 R2HC is the butterfly (x0 + x1, x0 - x1) */
    }
    if (rank == 0) return RLA_SUCCESS; /* b = 1: H = 1 */
    h->plan = fftw_plan_many_r2r(rank, dims, (int)h->panel, h->buf, NULL, 1, (int)b, h->buf, NULL,
                                 1, (int)b, kinds, FFTW_ESTIMATE);
  } else {
    int nb = (int)b;
    fftw_r2r_kind kind = FFTW_REDFT10;
    h->plan = fftw_plan_many_r2r(1, &nb, (int)h->panel, h->buf, NULL, 1, (int)b, h->buf, NULL, 1,
                                 (int)b, &kind, FFTW_ESTIMATE);
  }
  RLA_CHECK(S->ctx, h->plan != NULL, RLA_ERR_LIB,
            "FFTW could not plan the block SRHT transform of size %lld", (long long)b);
  return RLA_SUCCESS;
}

static rla_err srht_setup(rla_sketch S)
{
  struct srht *h = NULL;
  rla_err err = RLA_SUCCESS;
  const int64_t l = S->l, n = S->n;
  int64_t b = S->b_set;

  if (b == 0) {
    int64_t cap = next_pow2(n > l ? n : l);
    b = next_pow2(l) * AUTO_FACTOR;
    if (b > cap) b = cap;
  }
  RLA_CHECK(S->ctx, b >= l, RLA_ERR_ARG,
            "block SRHT: the block size b = %lld is smaller than the sketch size l = %lld: "
            "choose b >= l (or 0 for automatic)",
            (long long)b, (long long)l);
  RLA_CHECK(S->ctx, b <= 2147483647 / (S->panel > 0 ? S->panel : DEFAULT_PANEL), RLA_ERR_ARG,
            "block SRHT: the block size b = %lld is too large", (long long)b);
  RLA_CALL(S->ctx, rla_calloc(S->ctx, 1, sizeof(*h), &h));
  S->data = h;
  S->b = b;
  h->b = b;
  h->l = l;
  h->n = n;
  h->nblocks = (n + b - 1) / b;
  h->panel = S->panel > 0 ? S->panel : DEFAULT_PANEL;
  h->omit_block_signs = S->srht_omit_block_signs;
  h->rng_sign = rla_rng_make(S->seed, RLA_RNG_SKETCH_SIGN);
  h->rng_sign2 = rla_rng_make(S->seed, RLA_RNG_SKETCH_SIGN2);
  h->transform = S->srht_transform;
  if (!is_pow2(b))
    h->transform = RLA_SRHT_TRANSFORM_DCT;
  else if (h->transform == RLA_SRHT_TRANSFORM_AUTO)
    h->transform = RLA_SRHT_TRANSFORM_FWHT_REF;
  RLA_CALL_GOTO(S->ctx, err, fail, rla_calloc(S->ctx, (size_t)l, sizeof(int64_t), &h->rows));
  RLA_CALL_GOTO(S->ctx, err, fail, rla_calloc(S->ctx, (size_t)l, sizeof(double), &h->rowscale));
  RLA_CALL_GOTO(S->ctx, err, fail, rla_calloc(S->ctx, (size_t)l, sizeof(double), &h->coef));
  RLA_CALL_GOTO(S->ctx, err, fail, rla_calloc(S->ctx, (size_t)b, sizeof(double), &h->sign));
  h->buf = fftw_malloc(sizeof(double) * (size_t)(b * h->panel));
  RLA_CHECK_GOTO(S->ctx, err, fail, h->buf != NULL, RLA_ERR_MEM,
                 "block SRHT: cannot allocate %lld doubles of work space", (long long)(b * h->panel));
  memset(h->buf, 0, sizeof(double) * (size_t)(b * h->panel));
  RLA_CALL_GOTO(S->ctx, err, fail,
                rla_rng_sample(S->ctx, rla_rng_make(S->seed, RLA_RNG_SKETCH_SAMPLE), 0, b, l, h->rows));
  for (int64_t k = 0; k < l; k++) {
    if (h->transform == RLA_SRHT_TRANSFORM_DCT)
      /* REDFT10 gives 2 sum_t x_t cos(pi k (2t+1) / 2b): orthonormal after 1/sqrt(2b), and
         1/sqrt(2) more on row 0 */
      h->rowscale[k] = sqrt((double)b / (double)l) / sqrt(2.0 * (double)b) *
                       (h->rows[k] == 0 ? sqrt(0.5) : 1.0);
    else
      h->rowscale[k] = 1.0 / sqrt((double)l); /* sqrt(b/l) / sqrt(b) */
  }
  if (h->transform != RLA_SRHT_TRANSFORM_FWHT_REF)
    RLA_CALL_GOTO(S->ctx, err, fail, plan_fftw(S, h));
  return RLA_SUCCESS;
fail:
  srht_reset(S);
  return err;
}

static void srht_view(rla_sketch S, FILE *out)
{
  struct srht *h = S->data;
  const char *tr = "not set up";
  if (h) switch (h->transform) {
    case RLA_SRHT_TRANSFORM_FWHT_REF: tr = "Walsh-Hadamard (radix-2 reference)"; break;
    case RLA_SRHT_TRANSFORM_FFTW: tr = "Walsh-Hadamard (FFTW 2x...x2 R2HC)"; break;
    case RLA_SRHT_TRANSFORM_DCT: tr = "DCT-II (FFTW REDFT10)"; break;
    default: tr = "Walsh-Hadamard"; break;
    }
  fprintf(out, "  block SRHT: block size b = %lld%s, %lld virtual blocks, H = %s\n",
          (long long)(h ? h->b : S->b_set), h || S->b_set ? "" : " (automatic)",
          (long long)(h ? h->nblocks : 0), tr);
}

const struct rla_sketch_ops rla_sketch_srht_ops = {
    .name = "srht",
    .setup = srht_setup,
    .apply_left_local = srht_apply_left,
    .apply_right_local = srht_apply_right,
    .reset = srht_reset,
    .view = srht_view,
};
