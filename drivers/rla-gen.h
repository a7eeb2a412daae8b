/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to rla-gen: the state of one run and the helpers that rla-gen.c (dense problems and
   collections) shares with rla-gen-sparse.c (sparse problems). */
#ifndef RLA_GEN_DRIVER_H
#define RLA_GEN_DRIVER_H

#include "driver.h"
#include "rla/gen.h"

#define PROG "rla-gen"
#define EPS  RLA_EPS

struct run {
  rla_ctx ctx;
  rla_options opts;
  rla_report rep;
  rla_driver_outputs outs;
  rla_format fmt; /* from --format, AUTO when per file */
  double t0;
};

/* option name as an integer */
rla_err rla_gen_get_int(struct run *r, const char *name, int64_t *v);
/* an output named by option name staged in r->outs: *tmp = NULL when the option is not given
   (RLA_ERR_ARG when required) */
rla_err rla_gen_stage(struct run *r, const char *name, int required, const char **path,
                      const char **tmp, rla_format *f);
/* write the dense A to the staged tmp, read it back and record the largest difference as a
   check (nothing when tmp is NULL) */
rla_err rla_gen_write_and_verify(struct run *r, rla_dmat A, const char *path, const char *tmp,
                                 rla_format f, unsigned flags);
/* a replicated vector v[0..n) as a new row-block n x 1 matrix */
rla_err rla_gen_vector_dmat(rla_ctx ctx, int64_t n, const double *v, rla_dmat *out);
/* singular values of the row-block A (m n < 2^31) on every rank, by dgesvd on rank 0 */
rla_err rla_gen_singular_values(rla_dmat A, double *s);
/* the size, rank, seed and spectrum of an svd problem from the options */
rla_err rla_gen_svd_configure(struct run *r, int64_t *mp, int64_t *np, int64_t *kp, int64_t *seed,
                              rla_spectrum *sp, const char **kname, int *check);

/* rla-gen lsq --sparse and rla-gen svd --sparse (rla-gen-sparse.c); 1 when the options ask for
   a sparse problem */
int rla_gen_sparse_wanted(struct run *r);
rla_err rla_gen_run_sparse_lsq(struct run *r);
rla_err rla_gen_run_sparse_svd(struct run *r);

#endif
