/* SPDX-License-Identifier: BSD-3-Clause */
/* Data movement of distributed dense matrices: redistribution between any two layouts (one
   all-to-all per panel of columns), and gather and scatter through one rank (the matrix moves
   once). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "../base/ctx_impl.h"
#include "dmat_impl.h"

/* Redistribution between two block-cyclic layouts (both with their first block on process
   (0, 0) of a column-major grid over the context's ranks, as create makes them), by panels of
   whole columns with one MPI_Alltoallv each: every rank packs its runs of each column by
   destination and unpacks what it receives in the same order (columns, then rows,
   increasing), each side computing both counts from the replicated layouts. It replaces
   pdgemr2d, several times slower on tall matrices (bench/README.md, "Tuning constants"). */
#define REDIST_PANEL_DOUBLES 1048576 /* per rank and panel: 8 MiB sent, 8 MiB received */

/* The rank (column-major on the grid, as rla_ctx_grid makes it) that owns global (i, j) */
static int owner(const struct rla_dmat_s *X, int64_t i, int64_t j)
{
  return (int)((i / X->mb) % X->nprow) + (int)((j / X->nb) % X->npcol) * X->nprow;
}

/* local offset of global (i, j) in X's array on its owner */
static int64_t local_offset(const struct rla_dmat_s *X, int64_t i, int64_t j)
{
  int64_t li = (i / (X->mb * X->nprow)) * X->mb + i % X->mb;
  int64_t lj = (j / (X->nb * X->npcol)) * X->nb + j % X->nb;
  return li + lj * X->lld;
}

/* The runs of rows of column j that X's rank (prow) owns, each cut where Y's row blocks change:
   calls f(i, len, owner in Y) for each, rows increasing. */
typedef void (*run_fn)(int64_t i, int64_t len, int other, void *data);
static void column_runs(const struct rla_dmat_s *X, int prow, const struct rla_dmat_s *Y, int64_t j,
                        run_fn f, void *data)
{
  for (int64_t b0 = (int64_t)prow * X->mb; b0 < X->m; b0 += X->mb * X->nprow) {
    int64_t b1 = b0 + X->mb < X->m ? b0 + X->mb : X->m;
    for (int64_t i = b0; i < b1;) {
      int64_t e = (i / Y->mb + 1) * Y->mb;
      if (e > b1) e = b1;
      f(i, e - i, owner(Y, i, j), data);
      i = e;
    }
  }
}

typedef struct {
  const struct rla_dmat_s *X; /* the matrix whose array is read or written */
  int64_t j;
  int *count;  /* per other rank */
  int *offset; /* running position in buf, per other rank */
  double *buf; /* NULL: count only */
  int unpack;  /* 0: X's array -> buf; 1: buf -> X's array */
} run_ctx;

static void run_visit(int64_t i, int64_t len, int other, void *data)
{
  run_ctx *c = data;
  if (!c->buf) {
    c->count[other] += (int)len;
    return;
  }
  {
    double *x = c->X->a + local_offset(c->X, i, c->j), *b = c->buf + c->offset[other];
    if (c->unpack)
      memcpy(x, b, sizeof(double) * (size_t)len);
    else
      memcpy(b, x, sizeof(double) * (size_t)len);
    c->offset[other] += (int)len;
  }
}

/* Visit the entries of columns [j0, j1) that this rank owns in X, by the owner in Y. */
static void panel_runs(const struct rla_dmat_s *X, const struct rla_dmat_s *Y, int64_t j0,
                       int64_t j1, run_ctx *c)
{
  for (int64_t j = j0; j < j1; j++) {
    if ((int)((j / X->nb) % X->npcol) != X->mycol) continue;
    c->j = j;
    column_runs(X, X->myrow, Y, j, run_visit, c);
  }
}

rla_err rla_dmat_redistribute(rla_dmat A, rla_dmat B)
{
  rla_ctx ctx = A->ctx;
  int p = ctx->size;
  int *sc = NULL, *sd = NULL, *rc = NULL, *rd = NULL;
  double *sbuf = NULL, *rbuf = NULL;
  int64_t rows_max, w;
  rla_err err = RLA_SUCCESS;
  RLA_CHECK(ctx, A->ctx == B->ctx, RLA_ERR_ARG, "matrices belong to different contexts");
  RLA_CHECK(ctx, A->m == B->m && A->n == B->n, RLA_ERR_SHAPE,
            "cannot redistribute %lld x %lld into %lld x %lld", (long long)A->m, (long long)A->n,
            (long long)B->m, (long long)B->n);
  if (A->m == 0 || A->n == 0) return RLA_SUCCESS;
  /* columns per panel, the same on every rank: at most REDIST_PANEL_DOUBLES entries of a panel
     on any rank, in A or in B */
  rows_max = rla_dmat_numroc(A->m, A->mb, 0, A->nprow); /* process row 0 holds the most rows */
  if (rla_dmat_numroc(B->m, B->mb, 0, B->nprow) > rows_max)
    rows_max = rla_dmat_numroc(B->m, B->mb, 0, B->nprow);
  w = REDIST_PANEL_DOUBLES / (rows_max > 0 ? rows_max : 1);
  if (w < 1) w = 1;
  err = rla_calloc(ctx, (size_t)(4 * p), sizeof(int), &sc);
  if (!err) err = rla_calloc(ctx, (size_t)(rows_max * w), sizeof(double), &sbuf);
  if (!err) err = rla_calloc(ctx, (size_t)(rows_max * w), sizeof(double), &rbuf);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  sd = sc + p;
  rc = sd + p;
  rd = rc + p;
  for (int64_t j0 = 0; j0 < A->n; j0 += w) {
    int64_t j1 = j0 + w < A->n ? j0 + w : A->n;
    run_ctx send = {A, 0, sc, sd, NULL, 0}, recv = {B, 0, rc, rd, NULL, 1};
    memset(sc, 0, sizeof(int) * (size_t)(4 * p));
    panel_runs(A, B, j0, j1, &send); /* counts of what goes to each rank */
    panel_runs(B, A, j0, j1, &recv); /* and of what comes from each */
    for (int r = 1; r < p; r++) {
      sd[r] = sd[r - 1] + sc[r - 1];
      rd[r] = rd[r - 1] + rc[r - 1];
    }
    send.buf = sbuf;
    panel_runs(A, B, j0, j1, &send); /* pack; the offsets end at the next rank's start */
    for (int r = p - 1; r > 0; r--)
      sd[r] = sd[r - 1];
    sd[0] = 0;
    {
      int mrc = MPI_Alltoallv(sbuf, sc, sd, MPI_DOUBLE, rbuf, rc, rd, MPI_DOUBLE, ctx->comm);
      RLA_CHECK_GOTO(ctx, err, done, mrc == MPI_SUCCESS, RLA_ERR_MPI,
                     "MPI_Alltoallv of a redistribution failed (MPI error %d)", mrc);
    }
    recv.buf = rbuf;
    panel_runs(B, A, j0, j1, &recv); /* unpack in the order the sender packed */
  }
done:
  free(sc);
  free(sbuf);
  free(rbuf);
  return err;
}

/* count of entries held by rank r (at grid position r % nprow, r / nprow) */
static void rank_coords(rla_dmat A, int r, int *pr, int *pc)
{
  *pr = r % A->nprow;
  *pc = r / A->nprow;
}

static rla_err exchange_setup(rla_dmat A, int **counts, int **displs)
{
  rla_ctx ctx = A->ctx;
  int p = ctx->size;
  long long total = 0;
  RLA_CHECK(ctx, A->m * A->n <= INT_MAX, RLA_ERR_UNSUPPORTED,
            "gather/scatter of a %lld x %lld matrix exceeds 2^31 entries", (long long)A->m,
            (long long)A->n);
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)p, sizeof(int), counts));
  if (rla_calloc(ctx, (size_t)p, sizeof(int), displs)) {
    rla_free(counts);
    return RLA_ERR_MEM;
  }
  for (int r = 0; r < p; r++) {
    int pr, pc;
    rank_coords(A, r, &pr, &pc);
    (*counts)[r] = (int)(rla_dmat_numroc(A->m, A->mb, pr, A->nprow) *
                         rla_dmat_numroc(A->n, A->nb, pc, A->npcol));
    (*displs)[r] = (int)total;
    total += (*counts)[r];
  }
  return RLA_SUCCESS;
}

/* move between the packed local array of rank r (inside all) and the full column-major buf */
static void unpack_rank(rla_dmat A, int r, const double *packed, double *full, int to_full)
{
  int pr, pc;
  int64_t lm, ln;
  rank_coords(A, r, &pr, &pc);
  lm = rla_dmat_numroc(A->m, A->mb, pr, A->nprow);
  ln = rla_dmat_numroc(A->n, A->nb, pc, A->npcol);
  for (int64_t j = 0; j < ln; j++) {
    int64_t gj = rla_dmat_l2g(j, A->nb, pc, A->npcol);
    for (int64_t i = 0; i < lm; i++) {
      int64_t gi = rla_dmat_l2g(i, A->mb, pr, A->nprow);
      if (to_full)
        full[gi + gj * A->m] = packed[i + j * lm];
      else
        ((double *)packed)[i + j * lm] = full[gi + gj * A->m];
    }
  }
}

static void pack_local(rla_dmat A, double *packed, int to_packed)
{
  for (int64_t j = 0; j < A->ln; j++)
    for (int64_t i = 0; i < A->lm; i++)
      if (to_packed)
        packed[i + j * A->lm] = A->a[i + j * A->lld];
      else
        A->a[i + j * A->lld] = packed[i + j * A->lm];
}

/* The buffers of a gather or scatter: counts and displacements of every rank, this rank's
   packed entries, and (when whole) room for the whole matrix. Agreed over the ranks. */
struct exchange {
  int *counts, *displs;
  double *mine, *all;
};

static rla_err exchange_begin(rla_dmat A, int whole, struct exchange *x)
{
  rla_ctx ctx = A->ctx;
  rla_err err = exchange_setup(A, &x->counts, &x->displs);
  if (!err) err = rla_calloc(ctx, (size_t)(A->lm * A->ln), sizeof(double), &x->mine);
  if (!err && whole) err = rla_calloc(ctx, (size_t)(A->m * A->n), sizeof(double), &x->all);
  return rla_ctx_agree(ctx, err);
}

static rla_err exchange_end(struct exchange *x, rla_err err)
{
  rla_free(&x->counts);
  rla_free(&x->displs);
  rla_free(&x->mine);
  rla_free(&x->all);
  return err;
}

rla_err rla_dmat_gather(rla_dmat A, int root, double *buf)
{
  rla_ctx ctx = A->ctx;
  int p = ctx->size, recv = root < 0 || root == ctx->rank;
  struct exchange x = {NULL, NULL, NULL, NULL};
  rla_err err;

  RLA_CHECK(ctx, root < p, RLA_ERR_ARG, "gather: root %d out of range", root);
  RLA_CALL_GOTO(ctx, err, done, exchange_begin(A, recv, &x));
  pack_local(A, x.mine, 1);
  if (root < 0)
    err = MPI_Allgatherv(x.mine, x.counts[ctx->rank], MPI_DOUBLE, x.all, x.counts, x.displs,
                         MPI_DOUBLE, ctx->comm);
  else
    err = MPI_Gatherv(x.mine, x.counts[ctx->rank], MPI_DOUBLE, x.all, x.counts, x.displs,
                      MPI_DOUBLE, root, ctx->comm);
  RLA_CHECK_GOTO(ctx, err, done, err == MPI_SUCCESS, RLA_ERR_MPI, "gather failed");
  if (recv)
    for (int r = 0; r < p; r++)
      unpack_rank(A, r, x.all + x.displs[r], buf, 1);
done:
  return exchange_end(&x, err);
}

rla_err rla_dmat_scatter(rla_dmat A, int root, const double *buf)
{
  rla_ctx ctx = A->ctx;
  int p = ctx->size;
  struct exchange x = {NULL, NULL, NULL, NULL};
  rla_err err;

  RLA_CHECK(ctx, root >= 0 && root < p, RLA_ERR_ARG, "scatter: root %d out of range", root);
  RLA_CALL_GOTO(ctx, err, done, exchange_begin(A, ctx->rank == root, &x));
  if (ctx->rank == root)
    for (int r = 0; r < p; r++)
      unpack_rank(A, r, x.all + x.displs[r], (double *)buf, 0);
  err = MPI_Scatterv(x.all, x.counts, x.displs, MPI_DOUBLE, x.mine, x.counts[ctx->rank], MPI_DOUBLE,
                     root, ctx->comm);
  RLA_CHECK_GOTO(ctx, err, done, err == MPI_SUCCESS, RLA_ERR_MPI, "scatter failed");
  pack_local(A, x.mine, 0);
done:
  return exchange_end(&x, err);
}
