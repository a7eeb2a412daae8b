/* SPDX-License-Identifier: BSD-3-Clause */
/* The sparse row-block operator: A is an rla_smat, each rank holding its rows in CSR (64-bit
   offsets, global 32-bit column indices, strictly increasing within a row).
   Products work row by row: y_i = a_i x (a dot product over the row's nonzeros) and
   w += a_i^T y_i (a scatter into the row's columns); the normal-equations product A^T (A z) and
   the residual pass (r = b - A x, A^T r) use each row for both while it is in cache, so A is
   read once per pass. Each costs 2 nnz flops per vector on nnz local nonzeros, and no
   communication (the callers reduce the n-vectors).
   Sketches take Omega's entries from the sketch's own generators (sketch_impl.h), so they equal
   the sketch's kernels applied to the dense rows of A, to rounding:
   - sparse sign (Clarkson and Woodruff, STOC 2013; Meng and Mahoney, STOC 2013; one nonzero per
     stripe of rows, src/sketch/impls/sparse.c): Omega A goes by columns of A, through a
     transposed copy of the local rows made in the workspace (12 bytes per nonzero, reserved by
     rla_op_setup): column j of the output is cleared, receives a_ij Omega(:, i) for the
     nonzeros of column j with Omega's column generated there (k / 2 hashes), and is complete
     while in cache, so the output is written once and nothing is read at random outside it:
     2 k nnz flops, k nnz / 2 hashes, O(nnz + n) words moved besides the l n of the output.
     A Omega^T adds each nonzero a_ij into the k columns of row i of Y that column j of Omega
     has, 2 k nnz flops and k n generated entries (Omega's columns in the sketch's panels; a
     cursor per row walks the row through the panels).
   - Gaussian (Halko, Martinsson and Tropp, SIAM Rev. 2011, Sec. 4.1): Omega A adds
     a_ij Omega(:, i) into column j of the output, generated for 4 rows (one Philox counter) and
     GAUSS_ROWS rows of Omega at a time: 2 l nnz flops, l lm normal values; A Omega^T generates
     blocks of up to PANEL rows of Omega (over all n columns, transposed so that the block's
     entries of one column are contiguous) and forms each row of Y from the row's nonzeros: 2 l nnz
     flops, l n normal values.
   - block SRHT: its Hadamard transform mixes all rows of a block, so A is densified in panels,
     lm x c columns (Omega A) or r x n rows (A Omega^T), c and r up to PANEL as the workspace
     set up allows, and handed to the sketch's dense kernels: lm n words written and the dense
     cost, n lm log2(b) flops, plus the signs of the blocks made again for every panel.
   Every sketch first writes its whole output (l n or lm l words). */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../../base/finite.h"
#include "../../sketch/sketch_impl.h"
#include "../op_impl.h"

/* Dense vectors per panel of the block SRHT and of the blocked products A X and A^T Y, and rows
   of Omega per block of the Gaussian right sketch (the block's entries of one column are read
   for every nonzero in that column). */
#define PANEL 32
/* Y^T A: vectors per sweep over the local rows (a stack copy of one row of Y). */
#define LEFT_PANEL 128
/* Gaussian left sketch: rows of Omega per block (the piece of an output column that one
   nonzero updates), and rows of A per group (four columns of Omega share a Philox counter). */
#define GAUSS_ROWS  128
#define GAUSS_GROUP 4
/* Gaussian right sketch: columns of Omega generated per call before the transposition. */
#define GAUSS_STAGE 64

struct sparse {
  rla_smat A;
  int64_t *cursor; /* lm: the next nonzero of each row, for the sweeps over panels of columns */
  int64_t csc_cap; /* nonzeros of one group of rows in the sparse sign sketch's transposed copy */
};

/* This rank's rows in CSR. */
struct csr {
  const int64_t *rp;
  const int32_t *ci;
  const double *v;
  int64_t lm, n, row0;
};

static struct csr csr_of(rla_op op)
{
  struct sparse *s = op->data;
  struct csr c;
  double *v;
  rla_smat_local(s->A, &c.rp, &c.ci, &v);
  c.v = v;
  c.lm = op->lm;
  c.n = op->n;
  c.row0 = op->row0;
  return c;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* a_i x: the nonzeros of row i in order */
static inline double row_dot(const struct csr *c, int64_t i, const double *x)
{
  double s = 0.0;
  for (int64_t k = c->rp[i]; k < c->rp[i + 1]; k++)
    s += c->v[k] * x[c->ci[k]];
  return s;
}

/* w += t a_i^T */
static inline void row_axpy(const struct csr *c, int64_t i, double t, double *w)
{
  for (int64_t k = c->rp[i]; k < c->rp[i + 1]; k++)
    w[c->ci[k]] += c->v[k] * t;
}

/* sq += the squares of row i's entries, in their columns */
static inline void row_sumsq(const struct csr *c, int64_t i, double *sq)
{
  for (int64_t k = c->rp[i]; k < c->rp[i + 1]; k++)
    sq[c->ci[k]] += c->v[k] * c->v[k];
}

/* a (rows x cols, leading dimension ld) = 0 */
static void zero(double *a, int64_t rows, int64_t cols, int64_t ld)
{
  for (int64_t j = 0; j < cols && rows > 0; j++)
    memset(a + j * ld, 0, sizeof(double) * (size_t)rows);
}

/* Vectors per panel of the blocked products: as many as the workspace holds as an n x vb
   row-major copy (at most PANEL), or 1 when it holds fewer than two (the direct loops). */
static int64_t blocked_width(rla_op op, int64_t nv)
{
  int64_t vb = min64(min64(nv, PANEL), op->work_len / max64(op->n, 1));
  return vb >= 2 ? vb : 1;
}

/* t (n x vb, row-major: row j holds vb doubles) = x(:, 0:vb) (leading dimension ldx), and back */
static void to_rows(const double *x, int64_t ldx, int64_t n, int64_t vb, double *t)
{
  for (int64_t v = 0; v < vb; v++)
    for (int64_t j = 0; j < n; j++)
      t[j * vb + v] = x[j + v * ldx];
}

static void from_rows(const double *t, int64_t n, int64_t vb, double *x, int64_t ldx)
{
  for (int64_t v = 0; v < vb; v++)
    for (int64_t j = 0; j < n; j++)
      x[j + v * ldx] = t[j * vb + v];
}

/* Y = A_local X. With more than one vector, X goes by panels of vb columns copied row-major
   into the workspace, so that a nonzero a_ij reads the vb entries of row j of the panel
   together (vb / 8 cache lines) rather than one from each of vb columns; each row's sums run
   over its nonzeros in order either way, so the results are the same. */
static rla_err sparse_mult(rla_op op, int64_t nv, const double *x, int64_t ldx, double *y,
                           int64_t ldy)
{
  struct csr c = csr_of(op);
  const int64_t vb = blocked_width(op, nv);
  double acc[PANEL];
  if (vb == 1) {
    for (int64_t i = 0; i < c.lm; i++)
      for (int64_t v = 0; v < nv; v++)
        y[i + v * ldy] = row_dot(&c, i, x + v * ldx);
    return RLA_SUCCESS;
  }
  for (int64_t v0 = 0, nb; v0 < nv; v0 += nb) {
    nb = min64(vb, nv - v0);
    to_rows(x + v0 * ldx, ldx, c.n, nb, op->work);
    for (int64_t i = 0; i < c.lm; i++) {
      for (int64_t v = 0; v < nb; v++)
        acc[v] = 0.0;
      for (int64_t e = c.rp[i]; e < c.rp[i + 1]; e++) {
        const double *xr = op->work + (int64_t)c.ci[e] * nb, a = c.v[e];
        for (int64_t v = 0; v < nb; v++)
          acc[v] += a * xr[v];
      }
      for (int64_t v = 0; v < nb; v++)
        y[i + (v0 + v) * ldy] = acc[v];
    }
  }
  return RLA_SUCCESS;
}

/* w(:, j) += a_ij Y(i, v0:v0+nb)^T for every nonzero, w's column j holding nb doubles at
   w + j ldw (nb <= LEFT_PANEL): row i of Y gathered once for its nonzeros */
static void add_rows_transposed(const struct csr *c, const double *y, int64_t ldy, int64_t v0,
                                int64_t nb, double *w, int64_t ldw)
{
  double yi[LEFT_PANEL];
  for (int64_t i = 0; i < c->lm; i++) {
    for (int64_t v = 0; v < nb; v++)
      yi[v] = y[i + (v0 + v) * ldy];
    for (int64_t e = c->rp[i]; e < c->rp[i + 1]; e++) {
      double *wj = w + (int64_t)c->ci[e] * ldw, a = c->v[e];
      for (int64_t v = 0; v < nb; v++)
        wj[v] += yi[v] * a;
    }
  }
}

/* W += A_local^T Y; with more than one vector, W by panels of vb columns held row-major in the
   workspace while the rows of A add into them (the same sums in the same order) */
static rla_err sparse_mult_transpose_add(rla_op op, int64_t nv, const double *y, int64_t ldy,
                                         double *w, int64_t ldw)
{
  struct csr c = csr_of(op);
  const int64_t vb = blocked_width(op, nv);
  if (vb == 1) {
    for (int64_t i = 0; i < c.lm; i++)
      for (int64_t v = 0; v < nv; v++)
        row_axpy(&c, i, y[i + v * ldy], w + v * ldw);
    return RLA_SUCCESS;
  }
  for (int64_t v0 = 0, nb; v0 < nv; v0 += nb) {
    nb = min64(vb, nv - v0);
    to_rows(w + v0 * ldw, ldw, c.n, nb, op->work);
    add_rows_transposed(&c, y, ldy, v0, nb, op->work, nb);
    from_rows(op->work, c.n, nb, w + v0 * ldw, ldw);
  }
  return RLA_SUCCESS;
}

/* W (nv x n) = Y^T A_local: nonzero a_ij adds a_ij Y(i, :)^T into column j of W,
   LEFT_PANEL vectors at a time */
static rla_err sparse_left_mult(rla_op op, int64_t nv, const double *y, int64_t ldy, double *w,
                                int64_t ldw)
{
  struct csr c = csr_of(op);
  zero(w, nv, c.n, ldw);
  for (int64_t v0 = 0, nb; v0 < nv; v0 += nb) {
    nb = min64(LEFT_PANEL, nv - v0);
    add_rows_transposed(&c, y, ldy, v0, nb, w + v0, ldw);
  }
  return RLA_SUCCESS;
}

static rla_err sparse_normal(rla_op op, int64_t nv, const double *z, double *w)
{
  struct csr c = csr_of(op);
  zero(w, c.n, nv, c.n);
  for (int64_t i = 0; i < c.lm; i++)
    for (int64_t v = 0; v < nv; v++)
      row_axpy(&c, i, row_dot(&c, i, z + v * c.n), w + v * c.n);
  return RLA_SUCCESS;
}

static rla_err sparse_residual(rla_op op, int64_t nv, const int64_t *cols, const double *b,
                               int64_t ldb, const double *x, int64_t ldx, double *g, double *rn2,
                               double *bn2, double *colsq)
{
  struct csr c = csr_of(op);
  for (int64_t i = 0; i < c.lm; i++) {
    for (int64_t v = 0; v < nv; v++) {
      double bi = b[i + (cols ? cols[v] : v) * ldb], r = bi - row_dot(&c, i, x + v * ldx);
      rn2[v] += r * r;
      bn2[v] += bi * bi;
      row_axpy(&c, i, r, g + v * c.n);
    }
    if (colsq) row_sumsq(&c, i, colsq);
  }
  return RLA_SUCCESS;
}

static rla_err sparse_column_sumsq(rla_op op, double *sq)
{
  struct csr c = csr_of(op);
  for (int64_t i = 0; i < c.lm; i++)
    row_sumsq(&c, i, sq);
  return RLA_SUCCESS;
}

/* The first non-finite entry in row-major order: the smallest global row of any rank (a row is
   on one rank), then the smallest column of that row; two reductions when there is one. */
static rla_err sparse_check_finite(rla_op op, const char *name)
{
  struct csr c = csr_of(op);
  MPI_Comm comm = rla_ctx_comm(op->ctx);
  int64_t lnnz = c.rp[c.lm];
  long long row = LLONG_MAX, col = LLONG_MAX, first;
  /* the position is looked for only where the fast test finds something */
  if (isnan(rla_max_abs(c.v, lnnz, 1, max64(lnnz, 1))))
    for (int64_t i = 0; i < c.lm && row == LLONG_MAX; i++)
      for (int64_t k = c.rp[i]; k < c.rp[i + 1]; k++)
        if (!isfinite(c.v[k])) {
          row = (long long)(c.row0 + i);
          col = c.ci[k];
          break;
        }
  RLA_MPI(op->ctx, MPI_Allreduce(&row, &first, 1, MPI_LONG_LONG, MPI_MIN, comm));
  if (first == LLONG_MAX) return RLA_SUCCESS;
  if (row != first) col = LLONG_MAX;
  RLA_MPI(op->ctx, MPI_Allreduce(MPI_IN_PLACE, &col, 1, MPI_LONG_LONG, MPI_MIN, comm));
  RLA_CHECK(op->ctx, 0, RLA_ERR_VALUE,
            "%s: non-finite value (NaN or Inf) at row %lld, column %lld (0-based)",
            name ? name : "matrix", first, col);
  return RLA_SUCCESS;
}

static rla_err sparse_norm_max(rla_op op, double *nrm)
{
  struct csr c = csr_of(op);
  double loc = 0.0;
  for (int64_t k = 0; k < c.rp[c.lm]; k++)
    if (fabs(c.v[k]) > loc || isnan(c.v[k])) loc = fabs(c.v[k]);
  RLA_MPI(op->ctx, MPI_Allreduce(&loc, nrm, 1, MPI_DOUBLE, MPI_MAX, rla_ctx_comm(op->ctx)));
  return RLA_SUCCESS;
}

/* The sparse sign left sketch copies the local rows transposed one group of rows at a time, a
   group holding at most 1 / CSC_PARTS of the local nonzeros (or one longest row): the copy
   costs 12 bytes a nonzero of the group, and each further group sweeps the output once more.
   Chosen by measurement: see bench/README.md, "Peak memory per rank". */
#define CSC_PARTS 4

/* Nonzeros of a group: the larger of nnz / CSC_PARTS (rounded up) and the longest row. */
static int64_t csc_group_cap(const int64_t *rp, int64_t lm)
{
  int64_t cap = (rp[lm] + CSC_PARTS - 1) / CSC_PARTS;
  for (int64_t i = 0; i < lm; i++)
    cap = max64(cap, rp[i + 1] - rp[i]);
  return cap;
}

/* Doubles of the transposed copy of one group: its nonzeros by column (values, n + 1 column
   offsets, 32-bit row indices). */
static int64_t csc_doubles(rla_op op)
{
  int64_t cap = ((struct sparse *)op->data)->csc_cap;
  return cap + op->n + 1 + (cap + 1) / 2;
}

/* Workspace: the Gaussian right sketch's transposed block of Omega (n x kb and its stage, kb up
   to min(nv, PANEL): the solvers set up for l vectors before A Omega^T), which also holds the
   block SRHT's row panels (r x n); at least one column of the local rows for the block SRHT's
   column panels (lm x c, c as many as fit); the Gaussian left sketch's group. O(lm + n nv)
   words, never lm nv. */
static int64_t sparse_work_doubles(rla_op op, int64_t nv)
{
  return max64(max64(op->lm, (op->n + GAUSS_STAGE) * min64(nv, PANEL)),
               max64(2 * GAUSS_GROUP * GAUSS_ROWS, csc_doubles(op)));
}

/* Vectors of length len the workspace holds (at most PANEL); RLA_ERR_ARG when not one. */
static rla_err panel_width(rla_op op, int64_t len, const char *what, int64_t *width)
{
  *width = min64(PANEL, op->work_len / max64(len, 1));
  RLA_CHECK(op->ctx, *width >= 1, RLA_ERR_ARG,
            "%s: the sparse operator is not set up (call rla_op_setup)", what);
  return RLA_SUCCESS;
}

/* The next nonzero of row i below column end, from the row's cursor (advanced), or -1. */
static inline int64_t next_below(const struct csr *c, int64_t *cursor, int64_t i, int64_t end)
{
  int64_t k = cursor[i];
  if (k >= c->rp[i + 1] || c->ci[k] >= end) return -1;
  cursor[i] = k + 1;
  return k;
}

/* The local rows [t0, t0 + p) by column in the workspace: column j's nonzeros are
   val[e], at row t0 + row[e], for e in [end[j - 1], end[j]) (end[-1] = 0), rows increasing. */
static void csc_build(const struct csr *c, double *work, int64_t cap, int64_t t0, int64_t p,
                      double **val, int64_t **end, int32_t **row)
{
  int64_t *next = (int64_t *)(work + cap);
  *val = work;
  *row = (int32_t *)(next + c->n + 1);
  memset(next, 0, sizeof(int64_t) * (size_t)(c->n + 1));
  for (int64_t e = c->rp[t0]; e < c->rp[t0 + p]; e++)
    next[c->ci[e] + 1]++;
  for (int64_t j = 0; j < c->n; j++)
    next[j + 1] += next[j];
  for (int64_t t = 0; t < p; t++)
    for (int64_t e = c->rp[t0 + t]; e < c->rp[t0 + t + 1]; e++) {
      int64_t q = next[c->ci[e]]++;
      (*row)[q] = (int32_t)t;
      (*val)[q] = c->v[e];
    }
  *end = next; /* each offset has moved to the end of its column */
}

/* Column j of Omega A: o (cleared first when clear is set) += a_ij Omega(:, row0 + i) for the
   nonzeros of column j of the local rows, [e0, e1) of the transposed copy; k is g->k, a
   constant in the calls of the common k for the compiler. */
static inline __attribute__((always_inline)) void
sign_column(const rla_sparse_gen *g, int64_t k, int64_t row0, const int32_t *row, const double *val,
            int64_t e0, int64_t e1, double v, uint32_t *code, double *o)
{
  for (int64_t e = e0; e < e1; e++) {
    if (!g->wide && k % 2 == 0) {
      rla_sketch_sparse_axpy(g, k, row0 + row[e], v * val[e], o);
    } else {
      rla_sketch_sparse_column(g, row0 + row[e], code);
      rla_sketch_sparse_add(o, code, k, v * val[e]);
    }
  }
}

/* Omega A for the sparse sign sketch, by columns of A: column j of the output is cleared and
   receives a_ij times column row0 + i of Omega for the nonzeros of column j, generated there
   (k / 2 hashes), so that the output column stays in cache while it is formed; no table of
   Omega's columns is read at random. The rows go in groups (csc_group_cap), each group's
   columns after the previous group's, so every column receives its rows in increasing order. */
static rla_err sign_left(rla_op op, rla_sketch S, double *out, int64_t ldo, int64_t l)
{
  struct csr c = csr_of(op);
  rla_sparse_gen g;
  uint32_t *code;
  double v;
  RLA_CHECK(op->ctx, op->work_len >= csc_doubles(op), RLA_ERR_ARG,
            "Omega A: the sparse operator is not set up (call rla_op_setup)");
  rla_sketch_sparse_info(S, &g, &v, &code);
  if (c.lm == 0) zero(out, l, c.n, ldo);
  for (int64_t t0 = 0, p; t0 < c.lm; t0 += p) {
    const int64_t cap = ((struct sparse *)op->data)->csc_cap;
    double *val;
    int64_t *end;
    int32_t *row;
    for (p = 1; t0 + p < c.lm && p < INT32_MAX && c.rp[t0 + p + 1] - c.rp[t0] <= cap; p++)
      ;
    csc_build(&c, op->work, cap, t0, p, &val, &end, &row);
    for (int64_t j = 0; j < c.n; j++) {
      double *o = out + j * ldo;
      int64_t e0 = j > 0 ? end[j - 1] : 0;
      if (t0 == 0) memset(o, 0, sizeof(double) * (size_t)l);
      if (e0 == end[j]) continue;
      if (g.k == 8)
        sign_column(&g, 8, c.row0 + t0, row, val, e0, end[j], v, code, o);
      else
        sign_column(&g, g.k, c.row0 + t0, row, val, e0, end[j], v, code, o);
    }
  }
  return RLA_SUCCESS;
}

/* A Omega^T for the sparse sign sketch: a_ij into the k columns of row i that column j of Omega
   has, Omega's columns one panel at a time */
static void sign_right(rla_op op, rla_sketch S, double *y, int64_t ldy)
{
  struct csr c = csr_of(op);
  int64_t *cursor = ((struct sparse *)op->data)->cursor, k;
  rla_sparse_gen g;
  uint32_t *scratch;
  double v;
  if (c.lm == 0) return;
  rla_sketch_sparse_info(S, &g, &v, &scratch);
  k = g.k;
  memcpy(cursor, c.rp, sizeof(int64_t) * (size_t)c.lm);
  for (int64_t j0 = 0, p; j0 < c.n; j0 += p) {
    const uint32_t *code;
    p = rla_sketch_sparse_panel(S, j0, c.n - j0, &code);
    for (int64_t i = 0; i < c.lm; i++)
      for (int64_t e; (e = next_below(&c, cursor, i, j0 + p)) >= 0;) {
        const uint32_t *ct = code + (c.ci[e] - j0) * k;
        for (int64_t q = 0; q < k; q++)
          y[i + (int64_t)(ct[q] >> 1) * ldy] += (ct[q] & 1 ? -v : v) * c.v[e];
      }
  }
}

/* dst(r, t) = sqrt(l) Omega(k0 + r, i0 + t) for r < kb, t < p (leading dimension kb), through
   stage (p kb doubles) in the generator's layout */
static void gauss_columns(rla_sketch S, int64_t k0, int64_t kb, int64_t i0, int64_t p,
                          double *stage, double *dst)
{
  rla_sketch_gaussian_block(S, k0, kb, i0, p, stage, p);
  for (int64_t t = 0; t < p; t++)
    for (int64_t r = 0; r < kb; r++)
      dst[r + t * kb] = stage[t + r * p];
}

/* Omega A for the Gaussian sketch: a_ij Omega(k0:k0+kb, row0 + i) into column j, by groups of
   rows and blocks of Omega's rows, then the scaling 1/sqrt(l) */
static void gauss_left(rla_op op, rla_sketch S, double *out, int64_t ldo, int64_t l)
{
  struct csr c = csr_of(op);
  double *stage = op->work, *g = op->work + GAUSS_GROUP * GAUSS_ROWS, scale = 1.0 / sqrt((double)l);
  if (c.lm == 0) return;
  for (int64_t k0 = 0; k0 < l; k0 += GAUSS_ROWS) {
    int64_t kb = min64(GAUSS_ROWS, l - k0);
    for (int64_t i = 0, p; i < c.lm; i += p) {
      p = min64(GAUSS_GROUP - (c.row0 + i) % GAUSS_GROUP, c.lm - i);
      gauss_columns(S, k0, kb, c.row0 + i, p, stage, g);
      for (int64_t t = 0; t < p; t++)
        for (int64_t e = c.rp[i + t]; e < c.rp[i + t + 1]; e++) {
          double *o = out + k0 + (int64_t)c.ci[e] * ldo, x = c.v[e];
          const double *gt = g + t * kb;
          for (int64_t r = 0; r < kb; r++)
            o[r] += gt[r] * x;
        }
    }
  }
  for (int64_t j = 0; j < c.n; j++)
    for (int64_t r = 0; r < l; r++)
      out[r + j * ldo] *= scale;
}

/* A Omega^T for the Gaussian sketch: blocks of kb rows of Omega over all columns (g: n x kb
   transposed, kb contiguous per column), each row of Y from its row's nonzeros */
static rla_err gauss_right(rla_op op, rla_sketch S, double *y, int64_t ldy, int64_t l)
{
  struct csr c = csr_of(op);
  double *g = op->work, acc[PANEL], scale = 1.0 / sqrt((double)l);
  int64_t kmax;
  RLA_CALL(op->ctx, panel_width(op, c.n + GAUSS_STAGE, "A Omega^T", &kmax));
  if (c.lm == 0) return RLA_SUCCESS;
  for (int64_t k0 = 0, kb; k0 < l; k0 += kb) {
    kb = min64(kmax, l - k0);
    for (int64_t j0 = 0; j0 < c.n; j0 += GAUSS_STAGE)
      gauss_columns(S, k0, kb, j0, min64(GAUSS_STAGE, c.n - j0), g + c.n * kb, g + j0 * kb);
    for (int64_t i = 0; i < c.lm; i++) {
      for (int64_t r = 0; r < kb; r++)
        acc[r] = 0.0;
      for (int64_t e = c.rp[i]; e < c.rp[i + 1]; e++) {
        const double *gt = g + (int64_t)c.ci[e] * kb;
        for (int64_t r = 0; r < kb; r++)
          acc[r] += gt[r] * c.v[e];
      }
      for (int64_t r = 0; r < kb; r++)
        y[i + (k0 + r) * ldy] = scale * acc[r];
    }
  }
  return RLA_SUCCESS;
}

/* Omega A for the block SRHT (lm > 0): dense panels of columns of the local rows, the sketch's
   kernel on each */
static rla_err srht_left(rla_op op, rla_sketch S, double *out, int64_t ldo)
{
  struct csr c = csr_of(op);
  int64_t *cursor = ((struct sparse *)op->data)->cursor, cmax;
  double *panel = op->work;
  RLA_CALL(op->ctx, panel_width(op, c.lm, "Omega A", &cmax));
  memcpy(cursor, c.rp, sizeof(int64_t) * (size_t)c.lm);
  for (int64_t j0 = 0, cb; j0 < c.n; j0 += cb) {
    cb = min64(cmax, c.n - j0);
    zero(panel, c.lm, cb, c.lm);
    for (int64_t i = 0; i < c.lm; i++)
      for (int64_t e; (e = next_below(&c, cursor, i, j0 + cb)) >= 0;)
        panel[i + (c.ci[e] - j0) * c.lm] = c.v[e];
    RLA_CALL(op->ctx,
             rla_sketch_apply_left_local(S, c.row0, c.lm, cb, panel, c.lm, out + j0 * ldo, ldo));
  }
  return RLA_SUCCESS;
}

/* A Omega^T for the block SRHT: dense panels of rows, the sketch's kernel on each */
static rla_err srht_right(rla_op op, rla_sketch S, double *y, int64_t ldy)
{
  struct csr c = csr_of(op);
  double *panel = op->work;
  int64_t rmax;
  RLA_CALL(op->ctx, panel_width(op, c.n, "A Omega^T", &rmax));
  for (int64_t i0 = 0, r; i0 < c.lm; i0 += r) {
    r = min64(rmax, c.lm - i0);
    zero(panel, r, c.n, r);
    for (int64_t t = 0; t < r; t++)
      for (int64_t e = c.rp[i0 + t]; e < c.rp[i0 + t + 1]; e++)
        panel[t + (int64_t)c.ci[e] * r] = c.v[e];
    RLA_CALL(op->ctx, rla_sketch_apply_right_local(S, r, panel, r, y + i0, ldy));
  }
  return RLA_SUCCESS;
}

static rla_err sparse_sketch_left(rla_op op, rla_sketch S, double *out, int64_t ldo)
{
  int64_t l;
  rla_ctx ctx = op->ctx;
  RLA_CHECK(ctx, S && out, RLA_ERR_ARG, "Omega A: the sketch and the output must not be NULL");
  /* the sketch's own checks of the rows and of ldo, and its setup: an apply to no columns */
  RLA_CALL(ctx,
           rla_sketch_apply_left_local(S, op->row0, op->lm, 0, NULL, max64(op->lm, 1), out, ldo));
  rla_sketch_get_sizes(S, &l, NULL);
  RLA_CHECK(ctx, S->type != RLA_SKETCH_GAUSSIAN || op->work_len >= 2 * GAUSS_GROUP * GAUSS_ROWS,
            RLA_ERR_ARG, "Omega A: the sparse operator is not set up (call rla_op_setup)");
  if (S->type == RLA_SKETCH_SRHT && op->lm > 0) return srht_left(op, S, out, ldo);
  if (S->type == RLA_SKETCH_SPARSE) return sign_left(op, S, out, ldo, l);
  zero(out, l, op->n, ldo);
  if (S->type == RLA_SKETCH_GAUSSIAN) gauss_left(op, S, out, ldo, l);
  return RLA_SUCCESS;
}

static rla_err sparse_sketch_right(rla_op op, rla_sketch S, double *y, int64_t ldy)
{
  int64_t l, n;
  rla_ctx ctx = op->ctx;
  RLA_CHECK(ctx, S && (y || op->lm == 0), RLA_ERR_ARG,
            "A Omega^T: the sketch and the output must not be NULL");
  rla_sketch_get_sizes(S, &l, &n);
  RLA_CHECK(ctx, n == op->n, RLA_ERR_SHAPE,
            "A Omega^T: the sketch has %lld columns and A %lld: they must be equal", (long long)n,
            (long long)op->n);
  RLA_CHECK(ctx, ldy >= max64(op->lm, 1), RLA_ERR_ARG,
            "A Omega^T: the leading dimension %lld of the output is below the %lld local rows",
            (long long)ldy, (long long)op->lm);
  /* the sketch's setup: an apply to no rows */
  RLA_CALL(ctx, rla_sketch_apply_right_local(S, 0, NULL, 1, NULL, 1));
  if (S->type == RLA_SKETCH_SRHT) return srht_right(op, S, y, ldy);
  if (S->type == RLA_SKETCH_GAUSSIAN) return gauss_right(op, S, y, ldy, l);
  zero(y, op->lm, l, ldy);
  sign_right(op, S, y, ldy);
  return RLA_SUCCESS;
}

static void sparse_destroy(rla_op op)
{
  struct sparse *s = op->data;
  if (s) rla_free(&s->cursor);
  rla_free(&op->data);
}

static rla_err sparse_get_smat(rla_op op, rla_smat *A)
{
  *A = ((struct sparse *)op->data)->A;
  return RLA_SUCCESS;
}

static const struct rla_op_ops sparse_ops = {
    .name = "sparse",
    .mult = sparse_mult,
    .mult_transpose_add = sparse_mult_transpose_add,
    .work_doubles = sparse_work_doubles,
    .normal = sparse_normal,
    .residual = sparse_residual,
    .sketch_left = sparse_sketch_left,
    .sketch_right = sparse_sketch_right,
    .column_sumsq = sparse_column_sumsq,
    .check_finite = sparse_check_finite,
    .norm_max = sparse_norm_max,
    .get_dmat = NULL,
    .destroy = sparse_destroy,
    .left_mult = sparse_left_mult,
    .get_smat = sparse_get_smat,
};

rla_err rla_op_create_sparse(rla_smat A, rla_op *op)
{
  rla_ctx ctx = A ? rla_smat_ctx(A) : NULL;
  struct sparse *s = NULL;
  int64_t m, n, row0, lm;
  rla_err err;
  RLA_CHECK(ctx, A && op, RLA_ERR_ARG, "rla_op_create_sparse: A and op must not be NULL");
  *op = NULL;
  rla_smat_sizes(A, &m, &n);
  rla_smat_local_rows(A, &row0, &lm);
  err = rla_calloc(ctx, 1, sizeof(*s), &s);
  if (!err) err = rla_calloc(ctx, (size_t)max64(lm, 1), sizeof(int64_t), &s->cursor);
  if (!err) {
    const int64_t *rp;
    const int32_t *ci;
    double *v;
    s->A = A;
    rla_smat_local(A, &rp, &ci, &v);
    s->csc_cap = csc_group_cap(rp, lm);
    err = rla_op_create(ctx, &sparse_ops, m, n, s, op);
  }
  if (err) {
    if (s) rla_free(&s->cursor);
    rla_free(&s);
    return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  }
  (*op)->lm = lm;
  (*op)->row0 = row0;
  (*op)->entries = (double)rla_smat_nnz(A);
  (*op)->sketch_default = RLA_SKETCH_SPARSE;
  return RLA_SUCCESS;
}
