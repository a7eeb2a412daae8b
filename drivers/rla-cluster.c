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
     "output directory: U_NNNNNN.npy (m x rank) and W_NNNNNN.npy (rank x N), C ~ U W"},
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

/* write the factors U and W of every compressed cluster */
static rla_err save_factors(struct run *r, const char *dir, int64_t ncl, int64_t *nsaved)
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
    double *w;
    int64_t lm, lld;
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
    RLA_CALL(ctx, rla_dmat_create_rowblock(ctx, it.rank, it.width, 0, &W));
    rla_dmat_local(W, &w, &lm, NULL, &lld);
    for (int64_t j = 0; j < it.width; j++)
      for (int64_t i = 0; i < lm; i++)
        w[i + j * lld] = coef[rla_dmat_global_row(W, i) + j * it.rank];
    err = rla_io_write(W, tmp, RLA_FORMAT_NPY, 0);
    rla_dmat_destroy(&W);
    RLA_CALL(ctx, err);
    (*nsaved)++;
  }
  return RLA_SUCCESS;
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
    RLA_CALL(ctx, save_factors(r, fdir, s.nclusters, &nsaved));
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
