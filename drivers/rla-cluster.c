/* SPDX-License-Identifier: BSD-3-Clause */
/* rla-cluster: compression-aware clustering of a matrix collection (a directory of blocks or a
   manifest) under a relative Frobenius error bound at rank r; compresses every cluster, measures
   the error of the stored bases, prints one PASSED/FAILED line and writes a JSON report and,
   when asked, the factors.
   usage: mpirun -np P rla-cluster --collection DIR|manifest.txt|stack.npy|FILE.safetensors -r R
          --eps E [options] [deck] */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "batch.h"
#include "driver.h"
#include "rla/cluster.h"

#define PROG "rla-cluster"

/* the driver's own options; the clustering's (r, eps, algorithm, order, oversample, patience)
   are read by rla_cluster_set_from_options */
static const rla_option_spec specs[] = {
    {"collection", NULL, RLA_OPT_STRING, NULL, NULL, 1, 0,
     "input: a directory of blocks (.npy, .mtx, .petsc), a manifest listing them, a .npy file "
     "of a 3-D array (K, m, n): K blocks of m x n, or a .safetensors file: each tensor of 2 or "
     "more dimensions a block, shape (a, b, ...) read as a x (b ...), named FILE:TENSOR (those of "
     "0 or 1 dimension skipped); each rank reads its own blocks from the file, widened to "
     "float64"},
    {"rows", NULL, RLA_OPT_INT, NULL, NULL, 1, 2147483647,
     "a .safetensors collection: reshape every tensor to this many rows in C order (numpy: "
     "t.reshape(rows, -1)); a tensor whose element count it does not divide is an error"},
    {"distribution", NULL, RLA_OPT_STRING, "auto", "auto|rows|blocks", 1, 0,
     "blocks over the ranks: whole blocks per rank, every block by rows, or the automatic rule"},
    {"save-factors", NULL, RLA_OPT_STRING, NULL, NULL, 1, 0,
     "output directory: U_NNNNNN.npy (m x rank) and W_NNNNNN.npy (rank x N), C ~ U W; or one "
     "HDF5 file FILE.h5: /U/NNNNNN, /blocks/JJJJJJ (block j's coefficients, or the block when "
     "stored uncompressed), /index/cluster, /index/error, /clusters/rank, /clusters/error"},
    RLA_DRIVER_BATCH_OPTIONS,
    RLA_DRIVER_COMMON_OPTIONS};
#define NSPECS ((int)(sizeof(specs) / sizeof(specs[0])))

static const rla_driver_batch batch = {
    1,
    {"collection"},
    "DIR, collection-manifest.txt, stack.npy or FILE.safetensors",
    1,
    {{"save-factors", NULL}}};

struct run {
  rla_ctx ctx;
  rla_options opts;
  rla_report rep;
  rla_driver_outputs outs;
  int64_t nblocks;
  rla_dmat *blocks;
  char **names;
  rla_cluster C;
  rla_cluster_collection_info info;
};

/* the clustering's options, read on an object made for the purpose (--help, the checks and the
   echo before any work) */
static rla_err objects(rla_ctx ctx, rla_options opts)
{
  rla_cluster C = NULL;
  rla_err err = rla_cluster_create(ctx, &C);
  if (!err) err = rla_cluster_set_from_options(C, opts, NULL);
  rla_cluster_destroy(&C);
  return err;
}

static rla_err configure(struct run *r)
{
  rla_ctx ctx = r->ctx;
  RLA_CHECK(ctx, rla_options_has(r->opts, "collection"), RLA_ERR_ARG,
            "give the collection: --collection DIR, --collection manifest.txt, --collection "
            "stack.npy or --collection FILE.safetensors");
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_cluster_create(ctx, &r->C)));
  RLA_CALL(ctx, rla_ctx_agree(ctx, rla_cluster_set_from_options(r->C, r->opts, NULL)));
  /* the values read are recorded in the options (a batch entry's too) */
  RLA_CHECK(ctx, rla_options_has(r->opts, "r"), RLA_ERR_ARG, "give the rank: -r R");
  RLA_CHECK(ctx, rla_options_has(r->opts, "eps"), RLA_ERR_ARG, "give the tolerance: --eps E");
  return RLA_SUCCESS;
}

/* the output directory of the factors, created by rank 0 */
static rla_err make_dir(rla_ctx ctx, const char *dir)
{
  rla_err err = RLA_SUCCESS;
  if (rla_ctx_rank(ctx) == 0) {
    struct stat st;
    if (mkdir(dir, 0777) != 0 && !(errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)))
      err = rla_error_set(ctx, RLA_ERR_FILE, __func__, __FILE__, __LINE__,
                          "%s: cannot create the directory for the factors (%s)", dir,
                          strerror(errno));
  }
  return rla_ctx_agree(ctx, err);
}

/* columns [col0, col0 + w) of the rank x N coefficients coef (column-major, the same on every
   rank) as a new row-block matrix. Collective. */
static rla_err coefficients(rla_ctx ctx, const double *coef, int64_t rank, int64_t col0, int64_t w,
                            rla_dmat *W)
{
  double *a;
  int64_t lm, lld;
  RLA_CALL(ctx, rla_dmat_create_rowblock(ctx, rank, w, 0, W));
  rla_dmat_local(*W, &a, &lm, NULL, &lld);
  for (int64_t j = 0; j < w; j++)
    for (int64_t i = 0; i < lm; i++)
      a[i + j * lld] = coef[rla_dmat_global_row(*W, i) + (col0 + j) * rank];
  return RLA_SUCCESS;
}

/* write the factors U and W of every compressed cluster, .npy files in the directory dir */
static rla_err save_factors_npy(struct run *r, const char *dir, int64_t ncl, int64_t *nsaved)
{
  rla_ctx ctx = r->ctx;
  char path[RLA_PATH_MAX];
  *nsaved = 0;
  RLA_CALL(ctx, make_dir(ctx, dir));
  for (int64_t c = 0; c < ncl; c++) {
    rla_cluster_item it;
    rla_dmat U, W = NULL;
    const double *coef;
    const char *tmp;
    rla_err err;
    RLA_CALL(ctx, rla_cluster_get_item(r->C, c, &it));
    RLA_CALL(ctx, rla_cluster_get_basis(r->C, c, &U));
    RLA_CALL(ctx, rla_cluster_get_coefficients(r->C, c, &coef));
    if (!U) continue;
    snprintf(path, sizeof(path), "%s/U_%06lld.npy", dir, (long long)c);
    RLA_CALL(ctx, rla_driver_outputs_add(r->outs, path, &tmp));
    RLA_CALL(ctx, rla_io_write(U, tmp, RLA_FORMAT_NPY, 0));
    snprintf(path, sizeof(path), "%s/W_%06lld.npy", dir, (long long)c);
    RLA_CALL(ctx, rla_driver_outputs_add(r->outs, path, &tmp));
    RLA_CALL(ctx, coefficients(ctx, coef, it.rank, 0, it.width, &W));
    err = rla_io_write(W, tmp, RLA_FORMAT_NPY, 0);
    rla_dmat_destroy(&W);
    RLA_CALL(ctx, err);
    (*nsaved)++;
  }
  return RLA_SUCCESS;
}

/* Where the datasets of the factors' HDF5 file go: FILE.h5 (a new file, staged whole) or
   FILE.h5:/GROUP (added to the file's staged copy). */
struct h5dest {
  struct run *r;
  int fresh;               /* a new file: every dataset written straight into its staged copy */
  char base[RLA_PATH_MAX]; /* the staged file (fresh) or the destination, as FILE:[/GROUP] */
  char path[RLA_PATH_MAX + 64]; /* the name to write (fresh) */
};

static rla_err h5dest_init(struct run *r, const char *dest, struct h5dest *d)
{
  rla_ctx ctx = r->ctx;
  char file[RLA_PATH_MAX], group[RLA_PATH_MAX];
  const char *tmp;
  d->r = r;
  RLA_CHECK(ctx, !rla_io_hdf5_split(dest, 0, file, sizeof(file), group, sizeof(group)), RLA_ERR_ARG,
            "%s: over-long path", dest);
  d->fresh = !group[0];
  if (d->fresh) RLA_CALL(ctx, rla_driver_outputs_add_file(r->outs, file, &tmp));
  RLA_CHECK(ctx,
            snprintf(d->base, sizeof(d->base), "%s:%s", d->fresh ? tmp : file, group) <
                (int)sizeof(d->base) - 32,
            RLA_ERR_ARG, "%s: over-long path", dest);
  return RLA_SUCCESS;
}

/* the name to write dataset name (e.g. "/U/000003") under: *tmp */
static rla_err h5dest_stage(struct h5dest *d, const char *name, const char **tmp)
{
  snprintf(d->path, sizeof(d->path), "%s%s", d->base, name);
  if (d->fresh) {
    *tmp = d->path;
    return RLA_SUCCESS;
  }
  return rla_driver_outputs_add(d->r->outs, d->path, tmp);
}

/* n values (the same on every rank) written as the vector dataset name. Collective. */
static rla_err write_values(struct h5dest *d, const char *name, int64_t n, const double *v)
{
  rla_ctx ctx = d->r->ctx;
  const char *tmp;
  rla_dmat V = NULL;
  double *a;
  int64_t lm;
  rla_err err;
  RLA_CALL(ctx, h5dest_stage(d, name, &tmp));
  RLA_CALL(ctx, rla_dmat_create_rowblock(ctx, n, 1, 0, &V));
  rla_dmat_local(V, &a, &lm, NULL, NULL);
  for (int64_t i = 0; i < lm; i++)
    a[i] = v[rla_dmat_global_row(V, i)];
  err = rla_io_write(V, tmp, RLA_FORMAT_HDF5, RLA_IO_VECTOR);
  rla_dmat_destroy(&V);
  return err;
}

/* Block j (m x w) as a row-block matrix over ctx: itself (rows distribution) or, in the blocks
   distribution, a copy broadcast by the rank that holds it (*copy = 1: the caller destroys B).
   Collective. */
static rla_err block_rows(struct run *r, int64_t j, int64_t m, int64_t w, rla_dmat *B, int *copy)
{
  rla_ctx ctx = r->ctx;
  double *a, *full = NULL, *src = NULL;
  int64_t lm, lld, lds = 0;
  int owner = -1, mine;
  rla_err err;
  *copy = 0;
  *B = r->blocks[j];
  if (r->info.used != RLA_CLUSTER_DIST_BLOCKS) return RLA_SUCCESS;
  *B = NULL;
  mine = r->blocks[j] ? rla_ctx_rank(ctx) : -1;
  RLA_MPI(ctx, MPI_Allreduce(&mine, &owner, 1, MPI_INT, MPI_MAX, rla_ctx_comm(ctx)));
  err = rla_calloc(ctx, (size_t)(m * w), sizeof(double), &full);
  if (!err && owner == rla_ctx_rank(ctx)) rla_dmat_local(r->blocks[j], &src, NULL, NULL, &lds);
  for (int64_t c = 0; !err && src && c < w; c++)
    memcpy(full + c * m, src + c * lds, sizeof(double) * (size_t)m);
  if (!err) err = rla_dmat_create_rowblock(ctx, m, w, 0, B);
  err = rla_ctx_agree(ctx, err);
  if (!err && MPI_Bcast(full, (int)(m * w), MPI_DOUBLE, owner, rla_ctx_comm(ctx)) != MPI_SUCCESS)
    err = rla_error_set(ctx, RLA_ERR_MPI, __func__, __FILE__, __LINE__, "MPI_Bcast failed");
  if (!err) {
    rla_dmat_local(*B, &a, &lm, NULL, &lld);
    for (int64_t c = 0; c < w; c++)
      for (int64_t i = 0; i < lm; i++)
        a[i + c * lld] = full[rla_dmat_global_row(*B, i) + c * m];
  }
  *copy = 1;
  rla_free(&full);
  return err;
}

/* Block j (m x w) of cluster it, whose columns start at col0 of the cluster's: its coefficients
   (rank x w) from coef, or the block itself when the cluster is stored uncompressed (coef NULL),
   as the dataset /blocks/NNNNNN. Collective. */
static rla_err write_block(struct h5dest *d, const rla_cluster_item *it, const double *coef,
                           int64_t m, int64_t j, int64_t col0, int64_t w)
{
  rla_ctx ctx = d->r->ctx;
  char name[64];
  const char *tmp;
  rla_dmat B = NULL;
  int copy = 1;
  rla_err err;
  snprintf(name, sizeof(name), "/blocks/%06lld", (long long)j);
  RLA_CALL(ctx, h5dest_stage(d, name, &tmp));
  if (coef)
    err = coefficients(ctx, coef, it->rank, col0, w, &B);
  else
    err = block_rows(d->r, j, m, w, &B, &copy);
  if (!err) err = rla_io_write(B, tmp, RLA_FORMAT_HDF5, 0);
  if (copy) rla_dmat_destroy(&B);
  return err;
}

/* the columns of every block, on every rank (in the blocks distribution only the owner has the
   block) */
static rla_err block_widths(struct run *r, int64_t *wid)
{
  for (int64_t j = 0; j < r->nblocks; j++)
    if (r->blocks[j]) rla_dmat_sizes(r->blocks[j], NULL, &wid[j]);
  RLA_MPI(r->ctx, MPI_Allreduce(MPI_IN_PLACE, wid, (int)r->nblocks, MPI_INT64_T, MPI_MAX,
                                rla_ctx_comm(r->ctx)));
  return RLA_SUCCESS;
}

/* The factors in one HDF5 file (dest: "FILE.h5", written anew, or "FILE.h5:/GROUP", added to
   the file): /U/NNNNNN, the basis (m x rank) of every compressed cluster; /blocks/NNNNNN, block
   j's coefficients C_j (rank x n_j: block j ~ U C_j), or the block itself when its cluster is
   stored uncompressed; /index/cluster, block j's cluster c (the report's clusters[c]);
   /index/error, the measured error of that cluster; /clusters/rank and /clusters/error, every
   cluster's basis columns (0: uncompressed) and measured error. Collective. */
static rla_err save_factors_h5(struct run *r, const char *dest, int64_t ncl, int64_t m,
                               int64_t *nsaved)
{
  rla_ctx ctx = r->ctx;
  struct h5dest *d = NULL;
  double *bc = NULL, *be, *cr, *ce;
  int64_t *wid = NULL, nb = r->nblocks;
  rla_err err;
  *nsaved = 0;
  err = rla_calloc(ctx, 1, sizeof(*d), &d);
  if (!err) err = rla_calloc(ctx, (size_t)(2 * nb + 2 * ncl), sizeof(double), &bc);
  if (!err) err = rla_calloc(ctx, (size_t)nb, sizeof(int64_t), &wid);
  err = rla_ctx_agree(ctx, err);
  if (!err) err = block_widths(r, wid);
  if (!err) err = h5dest_init(r, dest, d);
  be = bc + nb;
  cr = be + nb;
  ce = cr + ncl;
  for (int64_t c = 0; !err && c < ncl; c++) {
    rla_cluster_item it;
    rla_dmat U = NULL;
    const double *coef = NULL;
    const char *tmp;
    char name[64];
    err = rla_cluster_get_item(r->C, c, &it);
    if (!err) err = rla_cluster_get_basis(r->C, c, &U);
    if (!err) err = rla_cluster_get_coefficients(r->C, c, &coef);
    if (!err && U) {
      snprintf(name, sizeof(name), "/U/%06lld", (long long)c);
      err = h5dest_stage(d, name, &tmp);
      if (!err) err = rla_io_write(U, tmp, RLA_FORMAT_HDF5, 0);
      if (!err) (*nsaved)++;
    }
    cr[c] = U ? (double)it.rank : 0.0;
    ce[c] = it.actual;
    for (int64_t k = 0, col0 = 0; !err && k < it.nmembers; k++) {
      int64_t j = it.members[k];
      err = write_block(d, &it, U ? coef : NULL, m, j, col0, wid[j]);
      bc[j] = (double)c;
      be[j] = it.actual;
      col0 += wid[j];
    }
  }
  if (!err) err = write_values(d, "/index/cluster", nb, bc);
  if (!err) err = write_values(d, "/index/error", nb, be);
  if (!err) err = write_values(d, "/clusters/rank", ncl, cr);
  if (!err) err = write_values(d, "/clusters/error", ncl, ce);
  rla_free(&wid);
  rla_free(&bc);
  rla_free(&d);
  return err;
}

/* the factors: to one HDF5 file when dest names one, else .npy files in the directory dest */
static rla_err save_factors(struct run *r, const char *dest, int64_t ncl, int64_t m,
                            int64_t *nsaved)
{
  if (rla_io_format_of(dest, RLA_FORMAT_AUTO) == RLA_FORMAT_HDF5)
    return save_factors_h5(r, dest, ncl, m, nsaved);
  return save_factors_npy(r, dest, ncl, nsaved);
}

/* The collection's stored element types, "dtypes": {"float32": 10, ...} (the blocks of each,
   by first appearance), and "skipped": the names of a safetensors file's tensors of 0 or 1
   dimension */
static void report_stored(rla_report rep, int64_t n, const rla_cluster_collection_info *info)
{
  const char *names[64];
  int64_t count[64];
  int nt = 0;
  for (int64_t j = 0; j < n; j++) {
    int t = 0;
    while (t < nt && strcmp(names[t], info->dtypes[j]))
      t++;
    if (t == nt && nt == 64) continue; /* more types than rla has */
    if (t == nt) {
      names[nt] = info->dtypes[j];
      count[nt++] = 0;
    }
    count[t]++;
  }
  rla_report_push_object(rep, "dtypes");
  for (int t = 0; t < nt; t++)
    rla_report_set_int(rep, names[t], count[t]);
  rla_report_pop(rep);
  rla_report_push_array(rep, "skipped");
  for (int64_t j = 0; j < info->nskipped; j++)
    rla_report_set_string(rep, NULL, info->skipped[j]);
  rla_report_pop(rep);
}

static rla_err run(struct run *r)
{
  rla_ctx ctx = r->ctx;
  rla_report rep = r->rep;
  rla_cluster_summary s;
  const char *coll, *fdir = NULL, *sa, *so, *sd;
  rla_cluster_distribution dist;
  rla_cluster_read_options ropts = {RLA_CLUSTER_DIST_AUTO, 0};
  double eps, t_read, t_write = 0.0;
  int64_t rank, nsaved = 0;

  RLA_CALL(ctx, configure(r));
  RLA_CALL(ctx, rla_options_get_string(r->opts, "collection", &coll));
  RLA_CALL(ctx, rla_options_get_real(r->opts, "eps", &eps));
  RLA_CALL(ctx, rla_options_get_int(r->opts, "r", &rank));
  RLA_CALL(ctx, rla_options_get_string(r->opts, "algorithm", &sa));
  RLA_CALL(ctx, rla_options_get_string(r->opts, "order", &so));
  RLA_CALL(ctx, rla_options_get_string(r->opts, "distribution", &sd));
  RLA_CALL(ctx, rla_cluster_distribution_from_name(ctx, sd, &dist));
  if (rla_options_has(r->opts, "save-factors"))
    RLA_CALL(ctx, rla_options_get_string(r->opts, "save-factors", &fdir));

  rla_ctx_progress(ctx, PROG ": reading %s", coll);
  t_read = rla_wtime();
  ropts.dist = dist;
  if (rla_options_has(r->opts, "rows"))
    RLA_CALL(ctx, rla_options_get_int(r->opts, "rows", &ropts.rows));
  RLA_CALL(ctx, rla_cluster_collection_read_opts(ctx, coll, &ropts, &r->nblocks, &r->blocks,
                                                 &r->names, &r->info));
  t_read = rla_wtime() - t_read;
  rla_ctx_progress(ctx, PROG ": %lld blocks; clustering (%s, %s order) on %d rank%s",
                   (long long)r->nblocks, sa, so, rla_ctx_size(ctx),
                   rla_ctx_size(ctx) > 1 ? "s" : "");
  RLA_CALL(ctx, rla_cluster_compute(r->C, r->nblocks, r->blocks));
  RLA_CALL(ctx, rla_cluster_get_summary(r->C, &s));
  if (fdir) {
    t_write = rla_wtime();
    RLA_CALL(ctx, save_factors(r, fdir, s.nclusters, s.m, &nsaved));
    t_write = rla_wtime() - t_write;
  }

  rla_report_set_int(rep, "nprocs", rla_ctx_size(ctx));
  rla_report_set_string(rep, "collection", coll);
  rla_report_set_string(rep, "algorithm", sa);
  rla_report_set_string(rep, "order", so);
  rla_report_set_string(rep, "distribution", rla_cluster_distribution_name(s.distribution));
  rla_report_set_int(rep, "r", rank);
  rla_report_set_real(rep, "eps", eps);
  rla_report_set_int(rep, "m", s.m);
  rla_report_set_int(rep, "n_blocks", s.nblocks);
  rla_report_set_int(rep, "n_clusters", s.nclusters);
  rla_report_set_int(rep, "n_nonsingleton", s.nnonsingleton);
  rla_report_set_int(rep, "failed_seeds", s.failed_seeds);
  rla_report_set_int(rep, "original_numbers", s.original);
  rla_report_set_int(rep, "stored_numbers", s.stored);
  rla_report_set_real(rep, "compression_ratio", s.ratio);
  rla_report_set_real(rep, "error_mean", s.error_mean);
  rla_report_set_real(rep, "error_max", s.error_max);
  rla_report_set_int(rep, "factors_saved", nsaved);
  rla_report_push_object(rep, "times");
  rla_report_set_real(rep, "read", t_read);
  rla_report_set_real(rep, "norms", s.time_norms);
  rla_report_set_real(rep, "cluster", s.time_cluster);
  rla_report_set_real(rep, "compress", s.time_compress);
  rla_report_set_real(rep, "write", t_write);
  rla_report_pop(rep);
  rla_report_push_array(rep, "clusters");
  for (int64_t c = 0; c < s.nclusters; c++) {
    rla_cluster_item it;
    RLA_CALL(ctx, rla_cluster_get_item(r->C, c, &it));
    rla_report_push_object(rep, NULL);
    rla_report_set_int_array(rep, "members", it.nmembers, it.members);
    rla_report_set_int(rep, "width", it.width);
    rla_report_set_int(rep, "rank", it.rank);
    rla_report_set_real(rep, "predicted_error", it.predicted);
    rla_report_set_real(rep, "actual_error", it.actual);
    rla_report_set_int(rep, "storage", it.storage);
    rla_report_pop(rep);
  }
  rla_report_pop(rep);
  rla_report_push_array(rep, "blocks");
  for (int64_t j = 0; j < r->nblocks; j++)
    rla_report_set_string(rep, NULL, r->names[j]);
  rla_report_pop(rep);
  report_stored(rep, r->nblocks, &r->info);

  if (rla_ctx_rank(ctx) == 0 && rla_ctx_verbosity(ctx) >= 1) {
    printf("%lld blocks of %lld rows, r = %lld, eps = %.3g, %s with %s order, %d ranks\n",
           (long long)s.nblocks, (long long)s.m, (long long)rank, eps, sa, so, rla_ctx_size(ctx));
    printf("%lld clusters (%lld with several blocks, %lld seeds could not grow)\n",
           (long long)s.nclusters, (long long)s.nnonsingleton, (long long)s.failed_seeds);
    printf("compression ratio %.3f (%lld numbers stored for %lld)\n", s.ratio, (long long)s.stored,
           (long long)s.original);
    printf("actual error of the stored bases: mean %.3e, max %.3e\n", s.error_mean, s.error_max);
    printf("time: read %.3f s, norms %.3f s, clustering %.3f s, compression %.3f s\n", t_read,
           s.time_norms, s.time_cluster, s.time_compress);
  }
  /* the actual error is measured from the stored basis, ||(I - U U^T) C||_F / ||C||_F; its
     rounding is O(N eps) absolute, far below any meaningful eps */
  rla_report_check(rep, stdout, "every cluster's actual error <= eps: max actual error",
                   s.error_max, eps);
  return RLA_SUCCESS;
}

static rla_err job(rla_driver_job *job, void *data)
{
  struct run r = {job->ctx, job->opts, job->rep, job->outs, 0, NULL, NULL, NULL, {0}};
  rla_err err = run(&r);
  (void)data;
  rla_cluster_destroy(&r.C);
  rla_cluster_collection_free(r.nblocks, &r.blocks, &r.names);
  rla_cluster_collection_info_free(&r.info);
  return err;
}

int main(int argc, char **argv)
{
  static const rla_driver_def def = {PROG, specs, NSPECS, objects, &batch, job, NULL};
  return rla_driver_run(&def, argc, argv);
}
