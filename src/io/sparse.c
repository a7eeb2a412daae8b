/* SPDX-License-Identifier: BSD-3-Clause */
/* Sparse matrix files, read into and written from CSR row blocks (rla_smat) without ever forming
   the dense matrix. Matrix Market coordinate: rank 0 parses and sends each entry to the owner of
   its row in bounded rounds (rla_io_mm_scatter); the owner keeps the rounds' entries, then a
   stable counting sort by row and a stable merge sort of each row by column put them in CSR
   order, duplicates summed in file order (as the dense reader sums them, so both give the same
   values bit for bit). Cost: O(nnz) words of messages, O(nnz + lm) work per rank and O(k log k)
   more for a row of k entries out of column order; memory per rank: one round, 16 bytes per
   entry received, and at the peak (while the entries are placed into the CSR arrays, 12 bytes
   per entry, each round's block freed once placed) 28 bytes per entry. PETSc AIJ is in
   petsc.c. The Matrix Market writer streams: rank 0 writes, receiving each other rank's entries
   in pieces. */
#include <limits.h>
#include <string.h>

#include "../base/alloc.h"
#include "../smat/smat_impl.h"
#include "io_impl.h"

/* The entries a rank received, one block per round that brought any, in file order. */
struct block {
  rla_io_mm_entry *e;
  int64_t count;
};
struct collect {
  struct block *blk;
  int64_t nblk, cap;
};

static rla_err take_block(rla_ctx ctx, const rla_io_mm_entry *e, int64_t count, void *data)
{
  struct collect *c = data;
  rla_io_mm_entry *copy = NULL;
  RLA_CALL(ctx, rla_grow(ctx, &c->blk, &c->cap, c->nblk + 1, sizeof(struct block)));
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)count, sizeof(*copy), &copy));
  memcpy(copy, e, sizeof(*copy) * (size_t)count);
  c->blk[c->nblk].e = copy;
  c->blk[c->nblk++].count = count;
  return RLA_SUCCESS;
}

static void free_blocks(struct collect *c)
{
  for (int64_t b = 0; b < c->nblk; b++)
    rla_free(&c->blk[b].e);
  rla_free(&c->blk);
  c->nblk = c->cap = 0;
}

/* A stable sort of len (column, value) pairs by column: bottom-up merges between (c, v) and the
   scratch (tc, tv) of len each. */
static void merge_sort(int32_t *c, double *v, int64_t len, int32_t *tc, double *tv)
{
  int32_t *sc = c, *dc = tc, *xc;
  double *sv = v, *dv = tv, *xv;
  for (int64_t w = 1; w < len; w *= 2) {
    for (int64_t lo = 0; lo < len; lo += 2 * w) {
      int64_t mid = lo + w < len ? lo + w : len, hi = lo + 2 * w < len ? lo + 2 * w : len;
      int64_t a = lo, b = mid, o = lo;
      while (a < mid || b < hi) {
        /* the left run first among equal columns: its entries came first */
        int64_t s = b == hi || (a < mid && sc[a] <= sc[b]) ? a++ : b++;
        dc[o] = sc[s];
        dv[o++] = sv[s];
      }
    }
    xc = sc, sc = dc, dc = xc;
    xv = sv, sv = dv, dv = xv;
  }
  if (sc != c) {
    memcpy(c, sc, sizeof(int32_t) * (size_t)len);
    memcpy(v, sv, sizeof(double) * (size_t)len);
  }
}

static int row_sorted(const int32_t *c, int64_t len)
{
  for (int64_t k = 1; k < len; k++)
    if (c[k] < c[k - 1]) return 0;
  return 1;
}

/* Each row of the CSR arrays sorted stably by column, then the entries of one column summed in
   the order they came (rla_io_mm_add, as the dense reader adds them); rowptr, colind and val are
   compacted in place. The scratch of the sort is as long as the longest row out of order.
   Local. */
static rla_err sort_rows(rla_ctx ctx, int64_t lm, int64_t *rowptr, int32_t *colind, double *val)
{
  int64_t longest = 0, w = 0;
  int32_t *tc = NULL;
  double *tv = NULL;
  rla_err err = RLA_SUCCESS;
  if (rowptr[lm] == 0) return RLA_SUCCESS; /* no entries (and colind, val NULL) */
  for (int64_t i = 0; i < lm; i++) {
    int64_t len = rowptr[i + 1] - rowptr[i];
    if (len > longest && !row_sorted(colind + rowptr[i], len)) longest = len;
  }
  if (longest) err = rla_calloc(ctx, (size_t)longest, sizeof(int32_t), &tc);
  if (longest && !err) err = rla_calloc(ctx, (size_t)longest, sizeof(double), &tv);
  for (int64_t i = 0; i < lm && !err; i++) {
    int64_t start = rowptr[i], end = rowptr[i + 1];
    if (!row_sorted(colind + start, end - start))
      merge_sort(colind + start, val + start, end - start, tc, tv);
    rowptr[i] = w;
    for (int64_t k = start; k < end; k++)
      if (w > rowptr[i] && colind[k] == colind[w - 1]) {
        rla_io_mm_add(&val[w - 1], val[k]);
      } else {
        colind[w] = colind[k];
        val[w++] = val[k];
      }
  }
  if (!err) rowptr[lm] = w;
  rla_free(&tc);
  rla_free(&tv);
  return err;
}

/* The received entries (keys (i - row0) n + j) into CSR arrays of lm rows: counted by row, placed
   by a stable counting sort (each block freed once placed), then sorted within the rows. On
   failure the caller frees the arrays. Local. */
static rla_err build_csr(rla_ctx ctx, int64_t n, int64_t lm, struct collect *c, int64_t **rowptr,
                         int32_t **colind, double **val)
{
  int64_t total = 0, *rp;
  for (int64_t b = 0; b < c->nblk; b++)
    total += c->blk[b].count;
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)lm + 1, sizeof(int64_t), rowptr));
  if (total) RLA_CALL(ctx, rla_calloc(ctx, (size_t)total, sizeof(int32_t), colind));
  if (total) RLA_CALL(ctx, rla_calloc(ctx, (size_t)total, sizeof(double), val));
  rp = *rowptr;
  for (int64_t b = 0; b < c->nblk; b++)
    for (int64_t k = 0; k < c->blk[b].count; k++)
      rp[c->blk[b].e[k].pos / n + 1]++;
  for (int64_t i = 0; i < lm; i++)
    rp[i + 1] += rp[i];
  /* rp[i] walks from the start of row i to its end, the start of row i + 1 */
  for (int64_t b = 0; b < c->nblk; b++) {
    for (int64_t k = 0; k < c->blk[b].count; k++) {
      const rla_io_mm_entry *e = c->blk[b].e + k;
      int64_t q = rp[e->pos / n]++;
      (*colind)[q] = (int32_t)(e->pos % n);
      (*val)[q] = e->v;
    }
    rla_free(&c->blk[b].e);
  }
  for (int64_t i = lm; i > 0; i--)
    rp[i] = rp[i - 1];
  rp[0] = 0;
  RLA_CALL(ctx, sort_rows(ctx, lm, rp, *colind, *val));
  return RLA_SUCCESS;
}

rla_err rla_io_mm_read_sparse(rla_ctx ctx, const char *path, const rla_io_info *info, int64_t mb,
                              int64_t lm, int64_t **rowptr, int32_t **colind, double **val)
{
  struct collect c = {NULL, 0, 0};
  rla_err err;
  *rowptr = NULL;
  *colind = NULL;
  *val = NULL;
  err = rla_io_mm_scatter(ctx, path, info, mb, 1, take_block, &c);
  if (!err) err = rla_ctx_agree(ctx, build_csr(ctx, info->n, lm, &c, rowptr, colind, val));
  free_blocks(&c);
  if (err) {
    rla_free(rowptr);
    rla_free(colind);
    rla_free(val);
    return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  }
  return RLA_SUCCESS;
}

/* one line "i j value", 1-based */
static void put_entry(FILE *f, int64_t i, int64_t j, double v)
{
  char num[40];
  rla_io_format_double(num, sizeof(num), v);
  fprintf(f, "%lld %lld %s\n", (long long)i + 1, (long long)j + 1, num);
}

/* Rank r > 0 sends its entries to rank 0 in pieces of at most piece entries, keyed i n + j
   (global); rank 0 writes them to f (NULL: receive and drop, after a failure). Collective on the
   pair (0, r). */
static rla_err send_rank(rla_smat A, int r, int64_t count, int64_t piece, rla_io_mm_entry *buf,
                         FILE *f)
{
  rla_ctx ctx = rla_smat_ctx(A);
  MPI_Comm comm = rla_ctx_comm(ctx);
  const int64_t *rowptr;
  const int32_t *colind;
  double *val;
  int64_t m, n, row0, i = 0;
  rla_smat_sizes(A, &m, &n);
  rla_smat_local_rows(A, &row0, NULL);
  rla_smat_local(A, &rowptr, &colind, &val);
  for (int64_t done = 0; done < count; done += piece) {
    int k = (int)(count - done < piece ? count - done : piece);
    int bytes = k * (int)sizeof(*buf);
    if (rla_ctx_rank(ctx) == 0) {
      RLA_MPI(ctx, MPI_Recv(buf, bytes, MPI_BYTE, r, 0, comm, MPI_STATUS_IGNORE));
      for (int q = 0; q < k && f; q++)
        put_entry(f, buf[q].pos / n, buf[q].pos % n, buf[q].v);
      continue;
    }
    for (int q = 0; q < k; q++) {
      int64_t e = done + q;
      while (rowptr[i + 1] <= e)
        i++;
      buf[q].pos = (row0 + i) * n + colind[e];
      buf[q].v = val[e];
    }
    RLA_MPI(ctx, MPI_Send(buf, bytes, MPI_BYTE, 0, 0, comm));
  }
  return RLA_SUCCESS;
}

rla_err rla_io_mm_write_sparse(rla_smat A, const char *path)
{
  rla_ctx ctx = rla_smat_ctx(A);
  int rank = rla_ctx_rank(ctx), P = rla_ctx_size(ctx);
  int64_t m, n, lm, lnnz = rla_smat_local_nnz(A), piece = rla_io_chunk_bytes() / 16, most = lnnz;
  int64_t *counts = NULL;
  rla_io_mm_entry *buf = NULL;
  rla_atomic_file af;
  rla_err err;

  rla_smat_sizes(A, &m, &n);
  rla_smat_local_rows(A, NULL, &lm);
  RLA_CHECK(ctx, m <= INT_MAX, RLA_ERR_UNSUPPORTED,
            "%s: %lld rows: Matrix Market files that rla reads have at most 2^31-1", path,
            (long long)m);
  memset(&af, 0, sizeof(af));
  err = rank == 0 ? rla_calloc(ctx, (size_t)P, sizeof(int64_t), &counts) : RLA_SUCCESS;
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  RLA_MPI(ctx, MPI_Gather(&lnnz, 1, MPI_INT64_T, counts, 1, MPI_INT64_T, 0, rla_ctx_comm(ctx)));
  if (rank == 0) most = 0;
  for (int r = 1; r < P && rank == 0; r++) /* rank 0 receives at most this many at once */
    if (counts[r] > most) most = counts[r];
  if (most > 0) err = rla_calloc(ctx, (size_t)(most < piece ? most : piece), sizeof(*buf), &buf);
  if (!err && rank == 0) err = rla_atomic_open(ctx, path, &af);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  if (rank == 0) {
    const int64_t *rowptr;
    const int32_t *colind;
    double *val;
    rla_smat_local(A, &rowptr, &colind, &val);
    fprintf(af.f, "%%%%MatrixMarket matrix coordinate real general\n%lld %lld %lld\n", (long long)m,
            (long long)n, (long long)rla_smat_nnz(A));
    for (int64_t i = 0; i < lm; i++)
      for (int64_t k = rowptr[i]; k < rowptr[i + 1]; k++)
        put_entry(af.f, i, colind[k], val[k]);
  }
  /* the other ranks in order, one piece at a time: rank 0 never holds more than a piece */
  for (int r = 1; r < P && !err; r++)
    if (rank == 0 || rank == r)
      err = send_rank(A, r, rank == 0 ? counts[r] : lnnz, piece, buf, af.f);
  if (rank == 0 && af.f) {
    if (err)
      rla_atomic_abort(&af);
    else
      err = rla_atomic_commit(ctx, &af);
  }
  err = rla_ctx_agree(ctx, err);
done:
  rla_free(&counts);
  rla_free(&buf);
  if (err) return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  return RLA_SUCCESS;
}

/* what a dense file is, for the message of the sparse reader */
static const char *dense_kind(rla_format f, const rla_io_info *info)
{
  if (f == RLA_FORMAT_NPY) return "a .npy array";
  if (f == RLA_FORMAT_MM) return "a Matrix Market array file";
  if (f == RLA_FORMAT_HDF5) return "an HDF5 dataset";
  return info->vector ? "a PETSc Vec" : "a dense PETSc Mat";
}

rla_err rla_io_read_sparse(rla_ctx ctx, const char *path, rla_format fmt, rla_smat *A)
{
  rla_format f;
  rla_io_info info;
  int64_t P = rla_ctx_size(ctx), mb, row0, lm, *rowptr = NULL;
  int32_t *colind = NULL;
  double *val = NULL;
  rla_err err;
  RLA_CHECK(ctx, A, RLA_ERR_ARG, "null output matrix pointer");
  *A = NULL;
  RLA_CALL(ctx, rla_io_read_header(ctx, path, fmt, &f, &info));
  /* the header is the same on every rank: so are these checks */
  RLA_CHECK(ctx, info.sparse, RLA_ERR_UNSUPPORTED,
            "%s: %s holds a dense matrix: the sparse reader takes Matrix Market coordinate files "
            "and PETSc AIJ Mats (read this one with rla_io_read)",
            path, dense_kind(f, &info));
  RLA_CHECK(ctx, info.n >= 1, RLA_ERR_UNSUPPORTED,
            "%s: the matrix is %lld x 0: a sparse matrix needs at least one column", path,
            (long long)info.m);
  /* the split of the dense reader's default: ceil(m/P) rows per rank, the last ones fewer */
  mb = info.m > 0 ? (info.m + P - 1) / P : 1;
  row0 = rla_ctx_rank(ctx) * mb < info.m ? rla_ctx_rank(ctx) * mb : info.m;
  lm = info.m - row0 < mb ? info.m - row0 : mb;
  if (f == RLA_FORMAT_MM)
    err = rla_io_mm_read_sparse(ctx, path, &info, mb, lm, &rowptr, &colind, &val);
  else
    err = rla_io_petsc_read_sparse(ctx, path, &info, row0, lm, &rowptr, &colind, &val);
  if (!err)
    err = rla_smat_create_owned_from(ctx, path, info.m, info.n, lm, &rowptr, &colind, &val, A);
  if (err) return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  return RLA_SUCCESS;
}

rla_err rla_io_write_sparse(rla_smat A, const char *path, rla_format fmt)
{
  rla_ctx ctx;
  rla_err err;
  if (!A) return RLA_ERR_ARG;
  ctx = rla_smat_ctx(A);
  RLA_CHECK(ctx, path && *path, RLA_ERR_ARG, "empty output path");
  if (fmt == RLA_FORMAT_AUTO) fmt = rla_io_format_by_extension(path);
  RLA_CHECK(ctx,
            fmt == RLA_FORMAT_NPY || fmt == RLA_FORMAT_MM || fmt == RLA_FORMAT_PETSC ||
                fmt == RLA_FORMAT_HDF5,
            RLA_ERR_ARG,
            "%s: cannot tell the output format from the extension: use .mtx, .mm, .petsc, .bin "
            "or .dat, or name the format",
            path);
  RLA_CHECK(ctx, fmt != RLA_FORMAT_NPY && fmt != RLA_FORMAT_HDF5, RLA_ERR_UNSUPPORTED,
            "%s: a sparse matrix is written as Matrix Market coordinate or PETSc AIJ, not %s "
            "(which would hold every zero)",
            path, fmt == RLA_FORMAT_NPY ? ".npy" : "an HDF5 dataset");
  if (fmt == RLA_FORMAT_MM)
    err = rla_io_mm_write_sparse(A, path);
  else
    err = rla_io_petsc_write_sparse(A, path);
  if (err) return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  return RLA_SUCCESS;
}

rla_err rla_io_read_entries(rla_ctx ctx, const char *path, rla_format fmt, int64_t *entries)
{
  rla_io_probe_info info;
  RLA_CHECK(ctx, entries, RLA_ERR_ARG, "null output pointer");
  *entries = 0;
  RLA_CALL(ctx, rla_io_probe(ctx, path, fmt, &info));
  *entries = info.entries;
  return RLA_SUCCESS;
}

rla_err rla_io_is_sparse(rla_ctx ctx, const char *path, rla_format fmt, int *sparse)
{
  rla_io_probe_info info;
  RLA_CHECK(ctx, sparse, RLA_ERR_ARG, "null output pointer");
  *sparse = 0;
  RLA_CALL(ctx, rla_io_probe(ctx, path, fmt, &info));
  *sparse = info.sparse;
  return RLA_SUCCESS;
}
