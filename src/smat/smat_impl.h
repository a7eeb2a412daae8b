/* SPDX-License-Identifier: BSD-3-Clause */
/* Private layout of rla_smat: this rank's rows in CSR. */
#ifndef RLA_SMAT_IMPL_H
#define RLA_SMAT_IMPL_H

#include "rla/smat.h"

struct rla_smat_s {
  rla_ctx ctx;
  int64_t m, n;     /* global sizes */
  int64_t row0, lm; /* this rank's rows [row0, row0 + lm) */
  int64_t lnnz;     /* nonzeros of this rank: rowptr[lm] */
  int64_t nnz;      /* nonzeros of all ranks */
  int64_t *rowptr;  /* lm + 1 offsets */
  int32_t *colind;  /* lnnz global column indices, strictly increasing within a row */
  double *val;      /* lnnz values */
};

/* A matrix that takes over the arrays rowptr (lm + 1), colind and val (rowptr[lm] each; NULL
   when 0), allocated with rla_calloc: on success and on failure alike they become the matrix's
   (freed with it, or here on failure), and the caller's pointers are set to NULL. The checks
   and the agreement of rla_smat_create_csr. Collective. */
rla_err rla_smat_create_owned(rla_ctx ctx, int64_t m, int64_t n, int64_t lm, int64_t **rowptr,
                              int32_t **colind, double **val, rla_smat *A);
/* rla_smat_create_owned for arrays read from a file: the checks' messages name src (the file's
   path) and a bad structure is RLA_ERR_FORMAT rather than RLA_ERR_ARG. Collective. */
rla_err rla_smat_create_owned_from(rla_ctx ctx, const char *src, int64_t m, int64_t n, int64_t lm,
                                   int64_t **rowptr, int32_t **colind, double **val, rla_smat *A);

#endif
