/* SPDX-License-Identifier: BSD-3-Clause */
/* Test-problem generators: prescribed spectra, matrices with known singular values, least
   squares problems with known solution and residual, and collections of blocks drawn from a
   union of subspaces. Every random number comes from rla_rng_* keyed by global indices, so a
   seed gives the same problem on any number of ranks (to rounding where ScaLAPACK factors
   are involved, bitwise for collections). All outputs are new matrices owned by the caller. */
#ifndef RLA_GEN_H
#define RLA_GEN_H

#include <stdint.h>

#include "rla/base.h"
#include "rla/dmat.h"
#include "rla/io.h"
#include "rla/smat.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- spectra ------------------------------------------------------------------------------ */

typedef enum {
  RLA_SPECTRUM_POLY = 0,     /* sigma_j = (j + 1)^(-decay) */
  RLA_SPECTRUM_EXP = 1,      /* sigma_j = 10^(-decay * j) */
  RLA_SPECTRUM_LOWRANK = 2,  /* sigma_j = 1 for j < knee, level for j >= knee */
  RLA_SPECTRUM_SCURVE = 3,   /* log10 sigma_j falls smoothly (logistic in j) from 0 towards
                                log10(level), with its midpoint at j = knee and a width of about
                                transition indices */
  RLA_SPECTRUM_GEOMETRIC = 4 /* sigma_j = cond^(-j / (count - 1)): from 1 down to 1/cond
                                (count = 1 needs cond = 1) */
} rla_spectrum_kind;

/* Parameters of a spectrum; each kind reads only the fields named in its comment above. */
typedef struct {
  rla_spectrum_kind kind;
  double decay;      /* POLY: exponent > 0; EXP: decades per index > 0 */
  int64_t knee;      /* LOWRANK: number of unit values in [0, count]; SCURVE: midpoint >= 0 */
  double level;      /* LOWRANK: noise level in (0, 1]; SCURVE: floor in (0, 1) */
  double transition; /* SCURVE: width of the drop in indices, > 0 */
  double cond;       /* GEOMETRIC: sigma_0 / sigma_{count-1} >= 1 */
} rla_spectrum;

/* Parse "poly", "exp", "lowrank", "scurve", "geometric". Local. */
rla_err rla_spectrum_kind_from_name(rla_ctx ctx, const char *name, rla_spectrum_kind *kind);
const char *rla_spectrum_kind_name(rla_spectrum_kind kind); /* Local. */

/* sigma[0..count) of the spectrum spec: positive, non-increasing, sigma[0] = 1. Fails with
   RLA_ERR_ARG for a parameter out of range or a spectrum that would underflow (a value below
   DBL_MIN). Local: deterministic, every rank computes the same values. */
rla_err rla_gen_spectrum(rla_ctx ctx, const rla_spectrum *spec, int64_t count, double *sigma);

/* ---- matrices with prescribed singular values ----------------------------------------------- */

/* A = U diag(sigma) V^T (m x n), with U (m x k) and V (n x k) the orthonormal factors (R with a
   positive diagonal, hence Haar distributed) of Gaussian matrices keyed by (seed,
   RLA_RNG_GEN_U / RLA_RNG_GEN_V, global row, global column), computed on the row-block layout
   by CholeskyQR2 (Householder QR by ScaLAPACK as fallback); the product by pdgemm.
   sigma: k values, 1 <= k <= min(m, n), finite, positive and non-increasing, the same on every
   rank (checked). A, and U and V when the pointers are not NULL, are new matrices in layout
   (row-block with the default row split, or cyclic with 64 x 64 blocks); the caller destroys
   them.
   Accuracy: U and V are orthonormal to O(eps), so the exact singular values of the stored A
   differ from sigma by O(eps) sigma_0 in absolute terms (the rounding of the product is
   absolute, not relative to each sigma_j). A backward-stable SVD can confirm no better: it
   computes the exact singular values of A + E with ||E|| = O(eps ||A||). Hence sigma_j is
   reproduced to O(eps) relative only while sigma_j / sigma_0 is not small (relative 1e-12 for
   sigma_0 / sigma_j up to about 1e3), and to O(eps) sigma_0 absolute in general.
   Reproducible: the same seed gives the same A on any number of ranks up to rounding (the
   reductions of the Gram matrices depend on the rank count).
   Cost: 4(m + n)k^2 flops for the orthonormalizations, 2mnk for the product; four reductions
   of k^2 words and pdgemm's communication. Collective. */
rla_err rla_gen_svd(rla_ctx ctx, int64_t m, int64_t n, int64_t k, const double *sigma,
                    uint64_t seed, rla_dmat_layout layout, rla_dmat *A, rla_dmat *U, rla_dmat *V);

/* ---- least squares problems with known solution ---------------------------------------------- */

/* A least squares problem min ||A x - b|| with a known solution (all outputs row-block, new):
   - A = U diag(sigma) V^T (m x n, m >= n), sigma geometric from 1 down to 1/cond, so
     ||A||_2 = 1 and cond_2(A) = cond; U and V from Gaussian matrices as in rla_gen_svd.
   - x (n x 1): a Gaussian vector (RLA_RNG_GEN_X) normalized to ||x||_2 = 1.
   - r = (I - U U^T) g scaled to ||r||_2 = residual_norm, g Gaussian (RLA_RNG_GEN_R): computed
     as the last column of the orthonormal factor of [G g] (orthogonal to U to working
     precision), then projected against U twice more (classical Gram-Schmidt, twice).
   - b = A x + r (m x 1).
   Then A^T r = 0 to rounding, so x is the least squares solution and ||b - A x|| is
   residual_norm. To rounding means: ||A^T (b - A x)|| = O(eps ||A|| (||A|| ||x|| + ||r||)),
   and ||b - A x|| = residual_norm + O(eps ||A|| ||x||); a solver's forward error should be
   judged against the condition numbers (cond eps and cond^2 eps ||r|| / (||A|| ||x||)).
   cond >= 1; residual_norm >= 0, and residual_norm > 0 needs m > n (for m = n the range of A is
   everything). Reproducible as rla_gen_svd; x bitwise. Cost: 4m(n+1)^2 + 2mn^2 flops.
   Collective. */
rla_err rla_gen_lsq(rla_ctx ctx, int64_t m, int64_t n, double cond, double residual_norm,
                    uint64_t seed, rla_dmat *A, rla_dmat *b, rla_dmat *x);

/* ---- sparse problems ------------------------------------------------------------------------ */

/* A sparse least squares problem: sizes, pattern, conditioning, residual. */
typedef struct {
  int64_t m, n;         /* rows and columns: n >= 1, m >= n + dense_rows; both <= 2^31 - 1 */
  int64_t nnz_per_row;  /* r, 1 <= r <= n: nonzeros of every row that is not dense */
  int64_t dense_rows;   /* d >= 0 rows with all n entries (the "few dense rows" family) */
  double cond;          /* column scales from 1 down to 1/cond, cond >= 1 (1 when n = 1) */
  double residual_norm; /* ||r||_2 of the residual at the solution, >= 0; > 0 needs
                           m >= n + dense_rows + 2 */
  uint64_t seed;
} rla_sparse_lsq_spec;

/* A sparse least squares problem min ||A x - b|| with a known solution, each rank generating its
   own rows (the split of rla_io_read_sparse, ceil(m/P) rows per rank; b and r in the same rows).
   A = A0 D (m x n), D = diag(cond^(-j/(n-1))) (from 1 down to 1/cond), and A0's rows are:
   n "rank rows" (row p: +-r at column p, r - 1 other random columns with values uniform in
   (-1, 1): strictly diagonally dominant), d dense rows (values uniform in (-1, 1)), pairs of
   bitwise equal rows with r random columns and values uniform in (-1, 1), and one such single
   row when m - n - d is odd; a fixed bijection of the row indices spreads the sorts evenly.
   nnz(A) = (m - d) r + d n exactly; no stored value is zero.
   Guaranteed: full column rank, sigma_min(A) > 1 / (sqrt(n) cond) (the rank rows R of A0 have
   ||R^-1||_inf < 1; the rounding of the scaled entries costs a factor 1 - 2 r u at most);
   cond(A) <= cond(A0) cond, with cond(A0) modest but not computed.
   x (n x 1): Gaussian (RLA_RNG_GEN_X) normalized to ||x||_2 = 1, bitwise as rla_gen_lsq's.
   r (m x 1, returned when r is not NULL): +t and -t on the two rows of each pair
   (t = +-residual_norm / sqrt(2 npairs)), 0 on the other rows, so A^T r = 0 exactly (no
   rounding: the paired rows are bitwise equal) and ||r|| = residual_norm to 2 ulps.
   b = fl(fl(A x) + r) row by row: |b_i - (A x)_i - r_i| <= gamma_{k+1} (|a_i| |x| + |r_i|) for a
   row a_i of k entries, so x is the exact solution for b rounded to working precision.
   All outputs are new and the caller's; bitwise the same for a seed on any number of ranks.
   Cost: O(nnz / P + n) work and memory per rank, no communication besides agreeing on errors.
   Errors (agreed; outputs NULL): RLA_ERR_ARG (parameters out of range or different between
   ranks, naming the one to change), RLA_ERR_UNSUPPORTED (m or n above 2^31 - 1), RLA_ERR_MEM.
   Collective. */
rla_err rla_gen_sparse_lsq(rla_ctx ctx, const rla_sparse_lsq_spec *spec, rla_smat *A, rla_dmat *b,
                           rla_dmat *x, rla_dmat *r);

/* A sparse m x n matrix with exactly known singular values: A = P_r B P_c^T, B block diagonal
   with nb = ceil(min(m, n) / block) dense blocks, P_r and P_c uniform random permutations
   (RLA_RNG_GEN_PATTERN; generated on every rank, O(m + n) memory). Block t spans
   s_t = floor((t+1) mn / nb) - floor(t mn / nb) <= block indices of the shorter side (mn =
   min(m, n)) and s_t plus its share of the |m - n| extra indices on the longer side, so it is
   never shorter than wide in the longer direction; B_t = Q1 diag(sigma_t) Q2^T with Q1, Q2
   Haar orthonormal (Householder QR of Gaussian matrices keyed by (seed, RLA_RNG_GEN_U or _V,
   global row or column of B, column), R's diagonal made positive) and sigma_t the s_t
   consecutive values sigma[floor(t mn / nb) ...] (zeros past k). Blocks whose values are all
   past k are left out (their rows and columns are empty).
   Singular values: sigma[0..k) and zeros, up to the rounding of the blocks:
   |sigma_j(A) - sigma_j| <= (2 delta + u) sigma_j + s^1.5 u ||sigma_t||_2 for sigma_j in block
   t of s = s_t values and l rows, delta = 6 (l s + s (s + 1)) u the orthogonality of Q1 and Q2
   (Higham, ASNA 2nd ed., Thm 19.4): relative to the block's own values, about
   block^1.5 u sigma_j when the values of a block are close.
   sigma: k values, 1 <= k <= min(m, n), positive, non-increasing, the same on every rank.
   block: 1 <= block <= min(m, n). nnz: see rla_gen_sparse_svd_nnz (about max(m, n) block).
   Reproducible: bitwise the same for a seed on any number of ranks (every block is computed in
   plain C in a fixed order on each rank that needs it). Cost per rank: the permutations, and
   O((m + n) block^2) flops for the blocks' factors (every rank factors the blocks its rows
   touch, nearly all); memory O(nnz / P + m + n + the largest block). Progress on stderr from
   rank 0 (verbosity >= 1) on long runs.
   Errors (agreed, *A = NULL): RLA_ERR_ARG (sizes, k, block or sigma out of range or different
   between ranks), RLA_ERR_UNSUPPORTED (m or n above 2^31 - 1), RLA_ERR_MEM. Collective. */
rla_err rla_gen_sparse_svd(rla_ctx ctx, int64_t m, int64_t n, int64_t block, int64_t k,
                           const double *sigma, uint64_t seed, rla_smat *A);

/* The number of nonzeros of rla_gen_sparse_svd's matrix for these sizes: the sum of s_t l_t over
   the blocks that hold one of the k values. Errors: RLA_ERR_ARG (as rla_gen_sparse_svd, without
   sigma). Local. */
rla_err rla_gen_sparse_svd_nnz(rla_ctx ctx, int64_t m, int64_t n, int64_t block, int64_t k,
                               int64_t *nnz);

/* ---- collections of blocks from a union of subspaces ---------------------------------------- */

typedef enum {
  RLA_MEMBERSHIP_RANDOM = 0,     /* c(j) uniform in [0, nsub), independent per block */
  RLA_MEMBERSHIP_ROUND_ROBIN = 1 /* c(j) = j mod nsub */
} rla_membership;

/* A collection of blocks A_j (m x n_j, j < nblocks): A_j = B_{c(j)} W_j + noise G_j, with
   B_c (m x dim) of i.i.d. N(0, 1/m) entries spanning a random dim-dimensional subspace,
   W_j (dim x n_j) of N(0, 1/dim) entries and G_j (m x n_j) of N(0, 1/m) entries: signal and
   noise columns both have expected squared norm 1, so noise is the noise-to-signal ratio. */
typedef struct {
  int64_t m;             /* rows of every block, >= 1 */
  int64_t nblocks;       /* number of blocks, >= 1 */
  const int64_t *widths; /* nblocks widths >= 1 (copied), or NULL for a random width per block
                            uniform in [width_min, width_max] */
  int64_t width_min, width_max;
  int64_t nwide;      /* this many blocks (chosen at random) get width wide_width instead, to
                         make some blocks wider than a clustering rank; 0 for none */
  int64_t wide_width; /* >= 1 when nwide > 0 */
  int64_t nsub;       /* number of subspaces, >= 1 */
  int64_t dim;        /* dimension of each subspace, 1 <= dim <= m */
  double noise;       /* >= 0 */
  rla_membership membership;
  uint64_t seed;
} rla_collection_spec;

typedef struct rla_collection_s *rla_collection;

/* Validate spec and draw the widths, the memberships and the row-block bases (each rank its
   rows; no communication besides the agreement on errors). Collective. */
rla_err rla_gen_collection_create(rla_ctx ctx, const rla_collection_spec *spec,
                                  rla_collection *coll);
/* Accepts NULL; sets *coll = NULL. Local. */
rla_err rla_gen_collection_destroy(rla_collection *coll);
/* Sizes and ground truth: m, number of blocks, widths[nblocks], membership[nblocks] (subspace
   of each block) and the column offset of each block in the concatenation [A_0 ... A_K-1]
   (offsets[nblocks + 1]). Arrays are owned by coll; any pointer may be NULL. Local. */
void rla_gen_collection_info(rla_collection coll, int64_t *m, int64_t *nblocks,
                             const int64_t **widths, const int64_t **membership,
                             const int64_t **offsets);
/* Block j as a new row-block matrix (m x n_j, default row split). Bitwise the same on any
   number of ranks. Each rank computes its rows: no communication. Collective. */
rla_err rla_gen_collection_block(rla_collection coll, int64_t j, rla_dmat *A);
/* Basis B_c (m x dim, row-block, not orthonormalized) of subspace c. Collective. */
rla_err rla_gen_collection_basis(rla_collection coll, int64_t c, rla_dmat *B);
/* Write the collection into directory dir (created if missing): one file per block
   ("block_000000.npy", extension by fmt; AUTO means npy), "truth.json" (sizes, seed, noise,
   widths, memberships, file names) and "manifest.txt" (one block path per line, relative to
   dir). Everything is written in a temporary subdirectory of dir first and moved in at the end
   (rename, manifest last), so a failure while writing leaves dir as it was (a dir created here
   is removed again) and a manifest names only complete blocks. Progress on stderr from rank 0
   when the context's verbosity is >= 1. Collective. */
rla_err rla_gen_collection_write(rla_collection coll, const char *dir, rla_format fmt);

#ifdef __cplusplus
}
#endif
#endif
