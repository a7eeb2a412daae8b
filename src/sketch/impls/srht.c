/* SPDX-License-Identifier: BSD-3-Clause */
/* Block subsampled randomized Hadamard transform (block SRHT).
   Method: Balabanov, Beaupere, Grigori, Lederer, "Block subsampled randomized Hadamard transform
   for Nystrom approximation on distributed architectures", ICML 2023 (arXiv 2210.11295), Sec. 2.
   The n rows are split into Pv = ceil(n/b) virtual blocks of b rows (the last one zero-padded);
   Omega = [Omega_1 ... Omega_Pv], Omega_i = sqrt(b/l) Dt_i R H D_i with H the orthonormal b x b
   Walsh-Hadamard matrix (b a power of two) or DCT-II (other b), D_i (b x b) and Dt_i (l x l)
   independent random sign diagonals per block and R the same uniform sample of l of the b rows
   for every block. Omega A = sum_i Omega_i A_i, summed over the blocks in increasing order.
   Cost: n d log2(b) additions for Omega A (n x d) and no communication (the caller reduces
   l d words). A is read once: each column piece of a block is signed and transformed in cache
   (six butterfly stages while it is loaded, then radix-8 passes over 8-double vectors) and its
   sampled rows are added into the output; about 3x the time of one read of A on this
   machine (bench/README.md). Reference paths (radix-2 FWHT, FFTW plans) are kept for testing
   and for the DCT. */
#include <math.h>
#include <string.h>

#include <fftw3.h>

#include "../../base/alloc.h"
#include "../../base/vec8.h"
#include "../sketch_impl.h"

/* Automatic block size: the smallest power of two >= l, but at least AUTO_MIN_B, and no more
   than the power of two >= max(n, l). Measured (bench/README.md): the embedding does not
   depend on b >= l, while time grows with b (log2 b stages, and the sampled rows are no longer
   contiguous when b > l); below about 128 rows per block the per-block work dominates. */
#define AUTO_MIN_B 128
/* Reference path: vectors (columns of A, or rows for the right apply) transformed together. */
#define DEFAULT_PANEL 8
/* Fast path of the right apply: bytes of the tiles of A and Y (rows x (b + l) doubles). */
#define RIGHT_TILE_BYTES (512 * 1024)
/* Fast path: rows of a column read in one run (several blocks when b is smaller). */
#define RUN_ROWS 8192
/* Fast path with l < b: rows of a run at least this many (several blocks up to b = 2^16), so
   that the accumulator in b-space is cleared and its l sampled rows gathered once per run,
   not once per block. Smaller b keep RUN_ROWS. Chosen by measurement: see bench/README.md,
   "Tuning constants". */
#define SAMPLED_RUN_ROWS 131072

struct srht {
  int64_t b, l, n, nblocks;
  int64_t panel;                /* reference path: vectors transformed together */
  rla_srht_transform transform; /* resolved: never AUTO */
  int omit_block_signs;
  int64_t *rows;    /* the l sampled rows R, increasing */
  int64_t *perm;    /* b: the work of the sampling of R (setup and reseed) */
  double *rowscale; /* l: sqrt(b/l) times the normalization of H at the sampled rows */
  int64_t group;    /* fast path: blocks read in one run of a column */
  int64_t rpanel;   /* fast path of the right apply: rows per panel (a multiple of 8) */
  double *ytile;    /* fast path of the right apply: rpanel x l, interleaved by 8 rows */
  double *coef;     /* group x l: rowscale times the signs Dt_i of the current blocks */
  double *coefb;    /* fast path, l < b: group x b, coef spread over the sampled rows */
  double *ones;     /* l ones */
  double *sign;     /* group x b: the signs D_i of the current blocks */
  double *buf;      /* panel vectors of length b, FFTW-aligned */
  fftw_plan plan;   /* FFTW transform of the whole panel in place, or NULL */
  rla_rng rng_sign, rng_sign2;
};

static int is_pow2(int64_t x) { return x > 0 && (x & (x - 1)) == 0; }

static int64_t next_pow2(int64_t x)
{
  int64_t p = 1;
  while (p < x)
    p *= 2;
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

/* The fast path works on vectors of 8 doubles (../../base/vec8.h). Each butterfly is the same
   addition as in fwht_ref, in the same order, so the result is bitwise identical. */

#define BUTTERFLY(x, y)                                                                            \
  do {                                                                                             \
    v8d t_ = (x);                                                                                  \
    (x) = t_ + (y);                                                                                \
    (y) = t_ - (y);                                                                                \
  } while (0)

/* stages h = 1, 2, 4 inside an 8-vector: y[k] = x[k ^ h] + (k & h ? -x[k] : x[k]) */
#if defined(__clang__)
#define SWAP(x, a, b, c, d, e, f, g, h) __builtin_shufflevector((x), (x), a, b, c, d, e, f, g, h)
#else
#define SWAP(x, a, b, c, d, e, f, g, h) __builtin_shuffle((x), (v8i){a, b, c, d, e, f, g, h})
#endif
#define STAGES_1_2_4(x)                                                                            \
  do {                                                                                             \
    (x) = SWAP((x), 1, 0, 3, 2, 5, 4, 7, 6) + (x)*s1;                                              \
    (x) = SWAP((x), 2, 3, 0, 1, 6, 7, 4, 5) + (x)*s2;                                              \
    (x) = SWAP((x), 4, 5, 6, 7, 0, 1, 2, 3) + (x)*s4;                                              \
  } while (0)
#define SIGN_CONSTANTS                                                                             \
  const v8d s1 = {1, -1, 1, -1, 1, -1, 1, -1}, s2 = {1, 1, -1, -1, 1, 1, -1, -1},                  \
            s4 = {1, 1, 1, 1, -1, -1, -1, -1}
/* three butterfly stages on eight vectors x0..x7 (distances 1, 2, 4 between them) */
#define RADIX8(x0, x1, x2, x3, x4, x5, x6, x7)                                                     \
  do {                                                                                             \
    BUTTERFLY(x0, x1);                                                                             \
    BUTTERFLY(x2, x3);                                                                             \
    BUTTERFLY(x4, x5);                                                                             \
    BUTTERFLY(x6, x7);                                                                             \
    BUTTERFLY(x0, x2);                                                                             \
    BUTTERFLY(x1, x3);                                                                             \
    BUTTERFLY(x4, x6);                                                                             \
    BUTTERFLY(x5, x7);                                                                             \
    BUTTERFLY(x0, x4);                                                                             \
    BUTTERFLY(x1, x5);                                                                             \
    BUTTERFLY(x2, x6);                                                                             \
    BUTTERFLY(x3, x7);                                                                             \
  } while (0)

/* dst = the first stages of the FWHT of sign .* src (length b, a multiple of 8): h = 1, 2, 4
   inside each 8-vector, and when b >= 64 also h = 8, 16, 32 across the eight vectors of each
   64-element piece, so six stages take one pass. dst may equal src. The same rows of the next
   column (next) are prefetched meanwhile. Returns the first stage left to do (8 or 64). */
KERNEL static int64_t fwht_head(double *dst, const double *src, const double *sign, int64_t b,
                                const double *next)
{
  SIGN_CONSTANTS;
  if (b < 64) {
    for (int64_t t = 0; t < b; t += 8) {
      v8d x = load8(src + t) * load8(sign + t);
      STAGES_1_2_4(x);
      store8(dst + t, x);
    }
    return 8;
  }
  for (int64_t t = 0; t < b; t += 64) {
    const double *p = src + t, *g = sign + t;
    double *o = dst + t;
    v8d x0 = load8(p) * load8(g), x1 = load8(p + 8) * load8(g + 8);
    v8d x2 = load8(p + 16) * load8(g + 16), x3 = load8(p + 24) * load8(g + 24);
    v8d x4 = load8(p + 32) * load8(g + 32), x5 = load8(p + 40) * load8(g + 40);
    v8d x6 = load8(p + 48) * load8(g + 48), x7 = load8(p + 56) * load8(g + 56);
    /* into L2: L1 holds the vector being transformed */
    for (int64_t c = 0; c < 64; c += 8)
      __builtin_prefetch(next + t + c, 0, 2);
    STAGES_1_2_4(x0);
    STAGES_1_2_4(x1);
    STAGES_1_2_4(x2);
    STAGES_1_2_4(x3);
    STAGES_1_2_4(x4);
    STAGES_1_2_4(x5);
    STAGES_1_2_4(x6);
    STAGES_1_2_4(x7);
    RADIX8(x0, x1, x2, x3, x4, x5, x6, x7);
    store8(o, x0);
    store8(o + 8, x1);
    store8(o + 16, x2);
    store8(o + 24, x3);
    store8(o + 32, x4);
    store8(o + 40, x5);
    store8(o + 48, x6);
    store8(o + 56, x7);
  }
  return 64;
}

/* the result x at offset p of the last pass: stored in v, or added times coef into acc */
#define PUT(p, x)                                                                                  \
  do {                                                                                             \
    if (put)                                                                                       \
      store8(acc + (p), load8(acc + (p)) + load8(coef + (p)) * (x));                               \
    else                                                                                           \
      store8(v + (p), (x));                                                                        \
  } while (0)

/* Stages h, 2h, ..., len/2 of the FWHT of v (len a power of two, h >= 8 dividing it): three
   stages per pass (radix 8, eight vectors in registers), then one radix-4 or radix-2 pass.
   With acc = NULL the result is left in v; otherwise the last pass may add coef .* result
   into acc (length len) instead of storing it. On a vector of length b after fwht_head this
   completes its transform; on 8 interleaved vectors (v[8t + c], len = 8b, h = 8) it is their
   whole transform. Returns 1 when the result was added into acc, 0 when it was left in v (no
   stage left, or a last pass with too many streams). */
KERNEL static int fwht_tail(double *restrict v, int64_t len, int64_t h, double *restrict acc,
                            const double *restrict coef)
{
  int added = 0;
  if (h >= len) return 0;
  for (; 8 * h <= len; h *= 8) {
    /* not when the streams of v, acc and coef (24 here, 12 for radix 4) are 4 KiB or more
       apart: they would crowd one 8-way L1 set */
    const int put = acc && 8 * h == len && h < 512;
    added |= put;
    for (int64_t base = 0; base < len; base += 8 * h)
      for (int64_t j = base; j < base + h; j += 8) {
        const double *p = v + j;
        v8d x0 = load8(p), x1 = load8(p + h), x2 = load8(p + 2 * h), x3 = load8(p + 3 * h);
        v8d x4 = load8(p + 4 * h), x5 = load8(p + 5 * h), x6 = load8(p + 6 * h),
            x7 = load8(p + 7 * h);
        RADIX8(x0, x1, x2, x3, x4, x5, x6, x7);
        PUT(j, x0);
        PUT(j + h, x1);
        PUT(j + 2 * h, x2);
        PUT(j + 3 * h, x3);
        PUT(j + 4 * h, x4);
        PUT(j + 5 * h, x5);
        PUT(j + 6 * h, x6);
        PUT(j + 7 * h, x7);
      }
  }
  if (4 * h <= len) {
    const int put = acc && h < 512;
    added = put;
    for (int64_t j = 0; j < h; j += 8) {
      v8d x0 = load8(v + j), x1 = load8(v + j + h), x2 = load8(v + j + 2 * h),
          x3 = load8(v + j + 3 * h);
      BUTTERFLY(x0, x1);
      BUTTERFLY(x2, x3);
      BUTTERFLY(x0, x2);
      BUTTERFLY(x1, x3);
      PUT(j, x0);
      PUT(j + h, x1);
      PUT(j + 2 * h, x2);
      PUT(j + 3 * h, x3);
    }
  } else if (2 * h <= len) {
    const int put = acc != NULL;
    added = put;
    for (int64_t j = 0; j < h; j += 8) {
      v8d x0 = load8(v + j), x1 = load8(v + j + h);
      BUTTERFLY(x0, x1);
      PUT(j, x0);
      PUT(j + h, x1);
    }
  }
  return added;
}

/* o[k] += coef[k] * v[rows[k]], k < l; rows = NULL when every row is sampled (b = l) */
KERNEL static void gather_add(double *restrict o, const double *restrict coef,
                              const double *restrict v, const int64_t *restrict rows, int64_t l)
{
  int64_t k = 0;
  if (rows) {
    for (; k < l; k++)
      o[k] += coef[k] * v[rows[k]];
    return;
  }
  for (; k + 8 <= l; k += 8)
    store8(o + k, load8(o + k) + load8(coef + k) * load8(v + k));
  for (; k < l; k++)
    o[k] += coef[k] * v[k];
}

/* o[t] += c[t] * v[t], t < len */
KERNEL static void mul_add(double *restrict o, const double *restrict c, const double *restrict v,
                           int64_t len)
{
  int64_t t = 0;
  for (; t + 8 <= len; t += 8)
    store8(o + t, load8(o + t) + load8(c + t) * load8(v + t));
  for (; t < len; t++)
    o[t] += c[t] * v[t];
}

/* Transform the first nc vectors of the panel buffer (unnormalized; rowscale normalizes). */
static void transform(struct srht *h, int64_t nc)
{
  if (h->plan) {
    fftw_execute(h->plan);
    return;
  }
  for (int64_t c = 0; c < nc; c++)
    fwht_ref(h->buf + c * h->b, h->b);
}

/* coef = rowscale * Dt_i */
static void block_coef(struct srht *h, int64_t i, double *coef)
{
  if (h->omit_block_signs) {
    memcpy(coef, h->rowscale, sizeof(double) * (size_t)h->l);
    return;
  }
  rla_rng_sign(h->rng_sign2, (uint64_t)i, 0, (size_t)h->l, coef);
  for (int64_t k = 0; k < h->l; k++)
    coef[k] *= h->rowscale[k];
}

/* Reference path: a panel of columns is staged, transformed (radix-2 or FFTW) and sampled. */
static void left_panels(struct srht *h, int64_t row0, int64_t nrows, int64_t d, const double *a,
                        int64_t lda, double *out, int64_t ldo)
{
  const int64_t b = h->b, l = h->l;
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
        for (int64_t t = t0; t < t1; t++)
          v[t] = h->sign[t] * src[t];
        memset(v + t1, 0, sizeof(double) * (size_t)(b - t1));
      }
      transform(h, nc);
      block_coef(h, i, h->coef);
      for (int64_t c = 0; c < nc; c++) {
        gather_add(out + (j0 + c) * ldo, h->coef, h->buf + c * b, l == b ? NULL : h->rows, l);
      }
    }
  }
}

/* Reference path of the right apply: a panel of rows is staged transposed, transformed and
   sampled. */
static void right_panels(struct srht *h, int64_t m, const double *a, int64_t lda, double *y,
                         int64_t ldy)
{
  const int64_t b = h->b, l = h->l, n = h->n;
  for (int64_t r0 = 0; r0 < m; r0 += h->panel) {
    const int64_t nc = m - r0 < h->panel ? m - r0 : h->panel;
    for (int64_t i = 0; i < h->nblocks; i++) {
      const int64_t t1 = n - i * b < b ? n - i * b : b;
      rla_rng_sign(h->rng_sign, (uint64_t)i, 0, (size_t)t1, h->sign);
      for (int64_t c = 0; c < nc; c++) {
        double *v = h->buf + c * b;
        const double *src = a + (r0 + c) + i * b * lda;
        for (int64_t t = 0; t < t1; t++)
          v[t] = h->sign[t] * src[t * lda];
        memset(v + t1, 0, sizeof(double) * (size_t)(b - t1));
      }
      transform(h, nc);
      block_coef(h, i, h->coef);
      for (int64_t k = 0; k < l; k++) {
        double *yk = y + r0 + k * ldy;
        for (int64_t c = 0; c < nc; c++)
          yk[c] += h->coef[k] * h->buf[c * b + h->rows[k]];
      }
    }
  }
}

/* Fast path: each column piece of a block is signed and transformed in cache (fwht_head,
   fwht_tail) and added into its output column. The rows go in runs of `group` consecutive
   blocks: the signs of a run are made once for all columns, each column reads the run in one
   sequential stretch (the next column's stretch is prefetched into L2 meanwhile), and its
   output stays in L1 while the run's blocks are added into it. When l < b the blocks are
   added in b-space, acc += (Dt_i spread over the sampled rows) .* (H D_i a_i), a contiguous
   vector operation, and the l sampled rows of acc are gathered once per run. */
static void left_fast(struct srht *h, int64_t row0, int64_t nrows, int64_t d, const double *a,
                      int64_t lda, double *out, int64_t ldo)
{
  const int64_t b = h->b, l = h->l;
  const int64_t blk0 = row0 / b, blk1 = (row0 + nrows - 1) / b;
  const int sampled = l < b;
  double *v = h->buf, *acc = h->buf + b;

  for (int64_t g0 = blk0; g0 <= blk1; g0 += h->group) {
    const int64_t ng = blk1 - g0 + 1 < h->group ? blk1 - g0 + 1 : h->group;
    for (int64_t q = 0; q < ng; q++) {
      const int64_t i = g0 + q;
      const int64_t lo = row0 > i * b ? row0 : i * b;
      const int64_t hi = row0 + nrows < (i + 1) * b ? row0 + nrows : (i + 1) * b;
      rla_rng_sign(h->rng_sign, (uint64_t)i, (uint64_t)(lo - i * b), (size_t)(hi - lo),
                   h->sign + q * b + (lo - i * b));
      block_coef(h, i, h->coef + q * l);
      if (sampled) {
        double *cb = h->coefb + q * b;
        memset(cb, 0, sizeof(double) * (size_t)b);
        for (int64_t k = 0; k < l; k++)
          cb[h->rows[k]] = h->coef[q * l + k];
      }
    }
    for (int64_t j = 0; j < d; j++) {
      if (sampled) memset(acc, 0, sizeof(double) * (size_t)b);
      for (int64_t q = 0; q < ng; q++) {
        const int64_t i = g0 + q;
        const int64_t lo = row0 > i * b ? row0 : i * b;
        const int64_t hi = row0 + nrows < (i + 1) * b ? row0 + nrows : (i + 1) * b;
        const int64_t t0 = lo - i * b, t1 = hi - i * b;
        const double *src = a + (lo - row0) + j * lda - t0; /* src[t]: row i*b + t */
        const double *next = j + 1 < d ? src + lda : src;
        /* b = l: the result goes straight into the output column */
        double *dst = sampled ? acc : out + j * ldo;
        const double *coef = sampled ? h->coefb + q * b : h->coef + q * l;
        int64_t stage;
        if (t0 == 0 && t1 == b) {
          stage = fwht_head(v, src, h->sign + q * b, b, next);
        } else { /* a block cut by the row range: the missing rows are zero */
          memset(v, 0, sizeof(double) * (size_t)b);
          memcpy(v + t0, src + t0, sizeof(double) * (size_t)(t1 - t0));
          stage = fwht_head(v, v, h->sign + q * b, b, next);
        }
        if (!fwht_tail(v, b, stage, dst, coef)) mul_add(dst, coef, v, b);
      }
      if (sampled) gather_add(out + j * ldo, h->ones, acc, h->rows, l);
    }
  }
}

/* Right apply, tile layout: the rows of a panel of rp rows go in groups of 8, interleaved:
   tile[g 8b + 8t + c] = sign[t] A(p0 + 8g + c, i b + t). Each column of A gives rp contiguous
   doubles (long reads, whatever the leading dimension), and every butterfly stage of the 8
   interleaved transforms of a group works on whole 8-vectors. */
KERNEL static void load_tile(double *restrict tile, const double *restrict src, int64_t lda,
                             const double *restrict sign, int64_t t1, int64_t b, int64_t rn)
{
  const int64_t ng = (rn + 7) / 8, full = rn / 8;
  for (int64_t t = 0; t < t1; t++) {
    const double *col = src + t * lda;
    const double s = sign[t];
    __builtin_prefetch(col + 4 * lda, 0, 2);
    for (int64_t g = 0; g < full; g++)
      store8(tile + g * 8 * b + 8 * t, load8(col + 8 * g) * s);
    for (int64_t g = full; g < ng; g++)
      for (int64_t c = 0; c < 8; c++)
        tile[g * 8 * b + 8 * t + c] = 8 * g + c < rn ? col[8 * g + c] * s : 0.0;
  }
  for (int64_t g = 0; g < ng; g++)
    memset(tile + g * 8 * b + 8 * t1, 0, sizeof(double) * (size_t)(8 * (b - t1)));
}

/* ytile[8k + c] += coef[k] v[8 rows[k] + c] (rows = NULL: every row) */
KERNEL static void add_tile(double *restrict ytile, const double *restrict v,
                            const int64_t *restrict rows, const double *restrict coef, int64_t l)
{
  for (int64_t k = 0; k < l; k++)
    store8(ytile + 8 * k, load8(ytile + 8 * k) + load8(v + 8 * (rows ? rows[k] : k)) * coef[k]);
}

/* Fast path of the right apply: panels of rp rows; for each block the panel's piece of A is
   loaded into a tile (load_tile), each group of 8 rows is transformed (fwht_tail on 8b
   doubles) and its sampled rows are added into an interleaved tile of Y, which is written to
   Y once per panel. The signs of a block are made once per panel. */
static void right_fast(struct srht *h, int64_t m, const double *a, int64_t lda, double *y,
                       int64_t ldy)
{
  const int64_t b = h->b, l = h->l, n = h->n;
  const int64_t *rows = l == b ? NULL : h->rows;

  for (int64_t p0 = 0; p0 < m; p0 += h->rpanel) {
    const int64_t rn = m - p0 < h->rpanel ? m - p0 : h->rpanel, ng = (rn + 7) / 8;
    memset(h->ytile, 0, sizeof(double) * (size_t)(ng * 8 * l));
    for (int64_t i = 0; i < h->nblocks; i++) {
      const int64_t t1 = n - i * b < b ? n - i * b : b;
      rla_rng_sign(h->rng_sign, (uint64_t)i, 0, (size_t)t1, h->sign);
      block_coef(h, i, h->coef);
      load_tile(h->buf, a + p0 + i * b * lda, lda, h->sign, t1, b, rn);
      for (int64_t g = 0; g < ng; g++) {
        fwht_tail(h->buf + g * 8 * b, 8 * b, 8, NULL, NULL);
        add_tile(h->ytile + g * 8 * l, h->buf + g * 8 * b, rows, h->coef, l);
      }
    }
    for (int64_t k = 0; k < l; k++)
      for (int64_t r = 0; r < rn; r++)
        y[p0 + r + k * ldy] = h->ytile[(r / 8) * 8 * l + 8 * k + r % 8];
  }
}

static rla_err srht_apply_left(rla_sketch S, int64_t row0, int64_t nrows, int64_t d,
                               const double *a, int64_t lda, double *out, int64_t ldo)
{
  struct srht *h = S->data;
  for (int64_t j = 0; j < d; j++)
    memset(out + j * ldo, 0, sizeof(double) * (size_t)h->l);
  if (nrows == 0) return RLA_SUCCESS;
  if (h->transform == RLA_SRHT_TRANSFORM_FWHT)
    left_fast(h, row0, nrows, d, a, lda, out, ldo);
  else
    left_panels(h, row0, nrows, d, a, lda, out, ldo);
  return RLA_SUCCESS;
}

static rla_err srht_apply_right(rla_sketch S, int64_t m, const double *a, int64_t lda, double *y,
                                int64_t ldy)
{
  struct srht *h = S->data;
  for (int64_t k = 0; k < h->l; k++)
    memset(y + k * ldy, 0, sizeof(double) * (size_t)m);
  if (h->transform == RLA_SRHT_TRANSFORM_FWHT)
    right_fast(h, m, a, lda, y, ldy);
  else
    right_panels(h, m, a, lda, y, ldy);
  return RLA_SUCCESS;
}

static void srht_reset(rla_sketch S)
{
  struct srht *h = S->data;
  if (!h) return;
  if (h->plan) fftw_destroy_plan(h->plan);
  rla_free(&h->buf);
  rla_free(&h->rows);
  rla_free(&h->perm);
  rla_free(&h->rowscale);
  rla_free(&h->coef);
  rla_free(&h->coefb);
  rla_free(&h->ones);
  rla_free(&h->ytile);
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

/* What depends on the seed: the streams of D_i and Dt_i, the sample R and the scaling of its
   rows, in the arrays setup made. Allocates nothing. */
static rla_err srht_reseed(rla_sketch S)
{
  struct srht *h = S->data;
  const int64_t b = h->b, l = h->l;
  h->rng_sign = rla_rng_make(S->seed, RLA_RNG_SKETCH_SIGN);
  h->rng_sign2 = rla_rng_make(S->seed, RLA_RNG_SKETCH_SIGN2);
  RLA_CALL(S->ctx, rla_rng_sample_work(S->ctx, rla_rng_make(S->seed, RLA_RNG_SKETCH_SAMPLE), 0, b,
                                       l, h->rows, h->perm));
  for (int64_t k = 0; k < l; k++) {
    if (h->transform == RLA_SRHT_TRANSFORM_DCT)
      /* REDFT10 gives 2 sum_t x_t cos(pi k (2t+1) / 2b): orthonormal after 1/sqrt(2b), and
         1/sqrt(2) more on row 0 */
      h->rowscale[k] =
          sqrt((double)b / (double)l) / sqrt(2.0 * (double)b) * (h->rows[k] == 0 ? sqrt(0.5) : 1.0);
    else
      h->rowscale[k] = 1.0 / sqrt((double)l); /* sqrt(b/l) / sqrt(b) */
  }
  return RLA_SUCCESS;
}

static rla_err srht_setup(rla_sketch S)
{
  struct srht *h = NULL;
  rla_err err = RLA_SUCCESS;
  const int64_t l = S->l, n = S->n;
  int64_t b = S->b_set, bufsize;
  int fast;

  if (b == 0) {
    const int64_t cap = next_pow2(n > l ? n : l);
    b = next_pow2(l) > AUTO_MIN_B ? next_pow2(l) : AUTO_MIN_B;
    if (b > cap) b = cap;
  }
  RLA_CHECK(S->ctx, b >= l, RLA_ERR_ARG,
            "block SRHT: the block size b = %lld is smaller than the sketch size l = %lld: "
            "choose b >= l (or 0 for automatic)",
            (long long)b, (long long)l);
  RLA_CHECK(S->ctx, b <= (int64_t)1 << 30, RLA_ERR_ARG,
            "block SRHT: the block size b = %lld is too large (at most 2^30)", (long long)b);
  RLA_CALL(S->ctx, rla_calloc(S->ctx, 1, sizeof(*h), &h));
  S->data = h;
  S->b = b;
  h->b = b;
  h->l = l;
  h->n = n;
  h->nblocks = (n + b - 1) / b;
  h->omit_block_signs = S->srht_omit_block_signs;
  h->transform = S->srht_transform;
  if (!is_pow2(b))
    h->transform = RLA_SRHT_TRANSFORM_DCT;
  else if (h->transform == RLA_SRHT_TRANSFORM_AUTO || h->transform == RLA_SRHT_TRANSFORM_FWHT)
    h->transform = b >= 8 ? RLA_SRHT_TRANSFORM_FWHT : RLA_SRHT_TRANSFORM_FWHT_REF;
  fast = h->transform == RLA_SRHT_TRANSFORM_FWHT;
  /* work space: the reference path transforms `panel` vectors of b; the fast path needs a
     vector and an accumulator of b on the left, a tile of rpanel x b on the right */
  h->panel = S->panel > 0 ? S->panel : DEFAULT_PANEL;
  h->rpanel = S->panel > 0 ? (S->panel + 7) / 8 * 8 : (RIGHT_TILE_BYTES / 8 / (b + l)) / 8 * 8;
  if (h->rpanel < 8) h->rpanel = 8;
  h->group = fast && b < RUN_ROWS ? RUN_ROWS / b : 1;
  if (fast && l < b && b >= RUN_ROWS && b < SAMPLED_RUN_ROWS) h->group = SAMPLED_RUN_ROWS / b;
  bufsize = fast ? (h->rpanel > 2 ? h->rpanel : 2) * b : h->panel * b;
  RLA_CHECK_GOTO(S->ctx, err, fail, h->panel * b <= 2147483647, RLA_ERR_ARG,
                 "block SRHT: the block size b = %lld is too large for FFTW", (long long)b);
  RLA_CALL_GOTO(S->ctx, err, fail, rla_calloc(S->ctx, (size_t)l, sizeof(int64_t), &h->rows));
  RLA_CALL_GOTO(S->ctx, err, fail, rla_calloc(S->ctx, (size_t)b, sizeof(int64_t), &h->perm));
  RLA_CALL_GOTO(S->ctx, err, fail, rla_calloc(S->ctx, (size_t)l, sizeof(double), &h->rowscale));
  RLA_CALL_GOTO(S->ctx, err, fail, rla_calloc(S->ctx, (size_t)l, sizeof(double), &h->ones));
  RLA_CALL_GOTO(S->ctx, err, fail,
                rla_calloc(S->ctx, (size_t)(h->group * l), sizeof(double), &h->coef));
  RLA_CALL_GOTO(S->ctx, err, fail,
                rla_calloc(S->ctx, (size_t)(h->group * b), sizeof(double), &h->sign));
  RLA_CALL_GOTO(
      S->ctx, err, fail,
      rla_calloc(S->ctx, (size_t)(fast && l < b ? h->group * b : 0), sizeof(double), &h->coefb));
  RLA_CALL_GOTO(S->ctx, err, fail,
                rla_calloc(S->ctx, (size_t)(fast ? h->rpanel * l : 0), sizeof(double), &h->ytile));
  /* aligned as FFTW's own allocator would align it (or more), for its SIMD code */
  RLA_CALL_GOTO(S->ctx, err, fail,
                rla_calloc_matrix(S->ctx, (size_t)bufsize, sizeof(double), &h->buf));
  for (int64_t k = 0; k < l; k++)
    h->ones[k] = 1.0;
  RLA_CALL_GOTO(S->ctx, err, fail, srht_reseed(S));
  if (h->transform == RLA_SRHT_TRANSFORM_FFTW || h->transform == RLA_SRHT_TRANSFORM_DCT)
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
    case RLA_SRHT_TRANSFORM_FWHT: tr = "Walsh-Hadamard (radix-8, in cache)"; break;
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
    .reseed = srht_reseed,
    .reset = srht_reset,
    .view = srht_view,
};
