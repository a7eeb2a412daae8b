/* SPDX-License-Identifier: BSD-3-Clause */
/* PC type "rlasketch": the sketch preconditioner of sketch-and-precondition least squares
   (Rokhlin, Tygert, PNAS 105, 2008; Avron, Maymounkov, Toledo, "Blendenpik", SISC 32, 2010;
   Meng, Saunders, Mahoney, "LSRN", SISC 36, 2014 for the rank-deficient case).
   Setup: sketch A (m x d) to S A (l x d, l = ceil(oversample d)) on rank 0 and hand it to rla's
   sketch preconditioner (rla_lsq_precond, the one of the accurate least-squares method): the
   Householder QR S A = Q R11 on rank 0, the column equilibration D read off R11, R = R11 D
   broadcast; when R is numerically rank-deficient (LAPACK's 1-norm estimate of 1/kappa(R)
   below d rank_tol) or on request, the SVD R = U diag(sigma) V^T keeping the k singular
   values above rank_tol sigma_1. For a subspace embedding of distortion eps_e, A D R^-1 has
   condition number at most (1 + eps_e) / (1 - eps_e), about 3 at oversampling 4 with a
   Gaussian sketch, so LSQR and CG on the normal equations converge by a fixed factor per step
   whatever kappa(A) is.
   Apply (to a d-vector, as KSPLSQR, KSPCGLS and CG on A^T A do): y = D P P^T D x
   (rla_lsq_precond_apply_transpose, then rla_lsq_precond_apply), that is D R^-1 R^-T D x, or
   D V_k diag(sigma_k)^-2 V_k^T D x after truncation; symmetric, so it is its own transpose.
   The sketch is formed through A's rla operator (op_mat.c), each rank its own rows: a dense A
   in place (the block SRHT by default); an AIJ A (MATSEQAIJ, MATMPIAIJ) from its CSR blocks,
   copied once into an rla_smat for the sketch alone, with the sparse sign sketch by default
   (-pc_rlasketch_sketch_type chooses another): 2 k nnz / P flops, k = 8; any other type
   (MATSHELL among them) from d MatMults with columns of the identity. No m x d array is
   formed for AIJ or other types.
   Cost: setup is that sketch, one reduction of l d words to rank 0, 2 l d^2 flops on rank 0
   (d^3 more, replicated, with the SVD) and a broadcast of d^2 words; memory l d words on
   rank 0 and l d per rank for its part, plus for AIJ the O(nnz / P) copy while it sketches.
   Every apply is 2 d^2 replicated flops and one allgather of d words.
   Events: RLASketch (this rank's part of the sketch), RLAFactor (its reduction and the
   factorization), RLAApply. */
#include <math.h>
#include <string.h>

#include <petsc/private/pcimpl.h>

#include "plugin_impl.h"

typedef struct {
  /* options: the sketch's (rla_sketch_options) are held by options, the rest are the PC's */
  rla_ctx ctx; /* over the PC's communicator */
  rla_sketch options;
  PetscReal oversample;
  PetscReal rank_tol; /* < 0: 30 sqrt(d) eps */
  PetscBool force_svd;
  PetscBool type_set; /* -pc_rlasketch_sketch_type given (else AIJ takes the sparse sign) */
  /* set up */
  PetscInt m, d, l, block, rank;
  rla_sketch_type type; /* the sketch used */
  PetscBool from_normal, use_svd;
  PetscBool replaced_pmat;  /* the rectangular Pmat A was replaced by MatCreateNormal(A) */
  PetscObjectState a_state; /* state of A at the last setup */
  PetscReal kappa, rank_tol_used, time_sketch, time_factor;
  rla_lsq_precond P; /* the factored sketch */
  double *xfull, *tfull;
  PetscMPIInt *counts, *displs;
} PC_RlaSketch;

static PetscErrorCode PCReset_RlaSketch(PC pc)
{
  PC_RlaSketch *s = (PC_RlaSketch *)pc->data;

  PetscFunctionBegin;
  rla_lsq_precond_destroy(&s->P);
  PetscCall(PetscFree2(s->xfull, s->tfull));
  PetscCall(PetscFree2(s->counts, s->displs));
  s->m = s->d = s->l = s->block = s->rank = 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode PCDestroy_RlaSketch(PC pc)
{
  PC_RlaSketch *s = (PC_RlaSketch *)pc->data;

  PetscFunctionBegin;
  PetscCall(PCReset_RlaSketch(pc));
  rla_sketch_destroy(&s->options);
  PetscCheck(!rla_ctx_destroy(&s->ctx), PETSC_COMM_SELF, PETSC_ERR_LIB, "rla context");
  PetscCall(PetscFree(pc->data));
  PetscFunctionReturn(0);
}

/* A sketch with the settings of the options' one, sized l x m; an AIJ A takes the sparse sign
   sketch (O(nnz)) unless a type was given. Collective. */
static PetscErrorCode make_sketch(PC_RlaSketch *s, MPI_Comm comm, PetscBool aij, PetscInt l,
                                  PetscInt m, rla_sketch *S)
{
  int n;
  const rla_option_desc *desc = rla_sketch_options(&n);
  rla_err err;

  PetscFunctionBegin;
  RLA_PETSC_CALL(comm, s->ctx, rla_ctx_agree(s->ctx, rla_sketch_create(s->ctx, S)));
  err = RLA_SUCCESS;
  for (int k = 0; k < n && !err; k++) {
    rla_option_value v;
    desc[k].get(s->options, &v);
    err = desc[k].set(*S, v);
  }
  s->type = (rla_sketch_type)rla_petsc_option_value(desc, n, s->options, "sketch-type").i;
  if (aij && !s->type_set) s->type = RLA_SKETCH_SPARSE;
  if (!err) err = rla_sketch_set_type(*S, s->type);
  if (!err) err = rla_sketch_set_sizes(*S, l, m);
  err = rla_ctx_agree(s->ctx, err);
  if (!err) err = rla_sketch_setup(*S);
  if (err) rla_sketch_destroy(S);
  RLA_PETSC_CALL(comm, s->ctx, err);
  PetscFunctionReturn(0);
}

/* The sketch S A (l x d) through A's operator, summed on rank 0 and factored there; the times
   and the factor's report into s. Collective. */
static PetscErrorCode sketch_and_factor(PC_RlaSketch *s, MPI_Comm comm, Mat A)
{
  PetscMPIInt rank;
  PetscBool aij;
  rla_sketch S = NULL;
  rla_op op = NULL;
  double *part = NULL, *sa = NULL, t0, kappa = 0.0;
  int64_t rank_kept = 0;
  int svd = 0;
  PetscErrorCode perr;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCheck((double)s->l * (double)s->d <= 2147483647.0, comm, PETSC_ERR_SUP,
             "the %" PetscInt_FMT " x %" PetscInt_FMT
             " sketch exceeds the 2^31 entries of one MPI reduction: lower the oversampling",
             s->l, s->d);
  t0 = MPI_Wtime();
  PetscCall(PetscObjectTypeCompareAny((PetscObject)A, &aij, MATSEQAIJ, MATMPIAIJ, ""));
  PetscCall(make_sketch(s, comm, aij, s->l, s->m, &S));
  s->block = (PetscInt)rla_sketch_get_block_size(S);
  PetscCall(rla_petsc_op_create(s->ctx, A, PETSC_FALSE, &op));
  PetscCall(PetscMalloc1((size_t)s->l * s->d, &part));
  perr = rla_petsc_op_sketch(op, S, part, s->l);
  rla_op_destroy(&op);
  rla_sketch_destroy(&S);
  if (perr) PetscCall(PetscFree(part));
  PetscCall(perr);
  s->time_sketch = MPI_Wtime() - t0;

  t0 = MPI_Wtime();
  PetscCall(PetscLogEventBegin(rla_petsc_event_factor, A, 0, 0, 0));
  if (rank == 0) PetscCall(PetscMalloc1((size_t)s->l * s->d, &sa));
  PetscCallMPI(MPI_Reduce(part, sa, (int)(s->l * s->d), MPI_DOUBLE, MPI_SUM, 0, comm));
  PetscCall(PetscFree(part));
  RLA_PETSC_CALL(comm, s->ctx, rla_ctx_agree(s->ctx, rla_lsq_precond_create(s->ctx, &s->P)));
  RLA_PETSC_CALL(
      comm, s->ctx,
      rla_ctx_agree(s->ctx, rla_lsq_precond_set_rank_tol(s->P, s->rank_tol, (int)s->force_svd)));
  RLA_PETSC_CALL(comm, s->ctx, rla_lsq_precond_setup_sketch(s->P, s->l, s->d, sa, s->l));
  PetscCall(PetscFree(sa));
  RLA_PETSC_CALL(comm, s->ctx, rla_lsq_precond_get_info(s->P, NULL, &rank_kept, &svd, &kappa));
  PetscCall(PetscLogEventEnd(rla_petsc_event_factor, A, 0, 0, 0));
  s->use_svd = svd ? PETSC_TRUE : PETSC_FALSE;
  s->rank = (PetscInt)rank_kept;
  s->kappa = kappa;
  s->time_factor = MPI_Wtime() - t0;
  PetscFunctionReturn(0);
}

static PetscErrorCode PCSetUp_RlaSketch(PC pc)
{
  PC_RlaSketch *s = (PC_RlaSketch *)pc->data;
  MPI_Comm comm = PetscObjectComm((PetscObject)pc);
  PetscMPIInt size;
  const PetscInt *ranges;
  Mat A;
  PetscInt m, d, l;
  PetscBool from_normal;

  PetscFunctionBegin;
  PetscCall(rla_petsc_least_squares_mat(pc->mat, pc->pmat, "PC " RLA_PCSKETCH, &A, &from_normal));
  PetscCall(PCReset_RlaSketch(pc));
  PetscCall(MatGetSize(A, &m, &d));
  PetscCall(PetscObjectStateGet((PetscObject)A, &s->a_state));
  if (!from_normal && m != d) {
    /* PCApply checks vector sizes against the Pmat: a rectangular Pmat A cannot precondition
       the d-vectors of KSPLSQR, so the PC's Pmat becomes the normal matrix of A (which keeps A
       referenced), with the state recorded so that PCSetUp does not see it as a new matrix */
    Mat N;
    PetscCall(MatCreateNormal(A, &N));
    PetscCall(MatDestroy(&pc->pmat));
    pc->pmat = N;
    PetscCall(PetscObjectStateGet((PetscObject)N, &pc->matstate));
    PetscCall(MatGetNonzeroState(N, &pc->matnonzerostate));
    s->replaced_pmat = PETSC_TRUE;
  }
  PetscCallMPI(MPI_Comm_size(comm, &size));
  l = (PetscInt)ceil(s->oversample * (double)d);
  if (l < d) l = d;
  s->m = m;
  s->d = d;
  s->l = l;
  s->from_normal = from_normal;
  s->rank_tol_used = s->rank_tol >= 0.0 ? s->rank_tol : 30.0 * sqrt((double)d) * RLA_EPS;
  PetscCall(PetscCalloc2(d, &s->xfull, d, &s->tfull));
  PetscCall(sketch_and_factor(s, comm, A));

  /* the column layout of d-vectors, for the allgather in the apply */
  PetscCall(MatGetOwnershipRangesColumn(A, &ranges));
  PetscCall(PetscMalloc2(size, &s->counts, size, &s->displs));
  for (PetscMPIInt r = 0; r < size; r++) {
    s->counts[r] = (PetscMPIInt)(ranges[r + 1] - ranges[r]);
    s->displs[r] = (PetscMPIInt)ranges[r];
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PCApply_RlaSketch(PC pc, Vec x, Vec y)
{
  PC_RlaSketch *s = (PC_RlaSketch *)pc->data;
  MPI_Comm comm = PetscObjectComm((PetscObject)pc);
  const PetscScalar *xa;
  PetscScalar *ya;
  PetscInt n, lo, hi, d = s->d;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCall(VecGetSize(x, &n));
  PetscCheck(n == d, comm, PETSC_ERR_ARG_SIZ,
             "PC " RLA_PCSKETCH ": the Krylov method applied it to a vector of length %" PetscInt_FMT
             ", but it preconditions the normal equations of the %" PetscInt_FMT " x %" PetscInt_FMT
             " least-squares matrix A (vectors of length %" PetscInt_FMT
             "): this KSP type treats A as a square system; use -ksp_type lsqr (or cgls), or CG "
             "with the operator MatCreateNormal(A)",
             n, s->m, d, d);
  PetscCall(VecGetOwnershipRange(x, &lo, &hi));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCheck(hi - lo == s->counts[rank], PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ,
             "PC " RLA_PCSKETCH ": the vector's layout differs from the column layout of A");
  PetscCall(PetscLogEventBegin(rla_petsc_event_apply, pc, x, y, 0));
  PetscCall(VecGetArrayRead(x, &xa));
  PetscCallMPI(MPI_Allgatherv(xa, (PetscMPIInt)(hi - lo), MPI_DOUBLE, s->xfull, s->counts,
                              s->displs, MPI_DOUBLE, comm));
  PetscCall(VecRestoreArrayRead(x, &xa));
  /* t = P^T D x, x = D P t */
  RLA_PETSC_CALL(comm, s->ctx, rla_lsq_precond_apply_transpose(s->P, s->xfull, s->tfull));
  RLA_PETSC_CALL(comm, s->ctx, rla_lsq_precond_apply(s->P, s->tfull, s->xfull));
  PetscCall(VecGetArray(y, &ya));
  for (PetscInt i = lo; i < hi; i++)
    ya[i - lo] = s->xfull[i];
  PetscCall(VecRestoreArray(y, &ya));
  PetscCall(PetscLogFlops(4.0 * (double)d * (double)(s->use_svd ? s->rank : d)));
  PetscCall(PetscLogEventEnd(rla_petsc_event_apply, pc, x, y, 0));
  PetscFunctionReturn(0);
}

/* Before each KSPSolve: rebuild when the values of a replaced Pmat A changed; refuse a Krylov
   method other than LSQR on a rectangular operator: it treats it as a square system, which
   this preconditioner (of the normal equations) cannot serve. */
static PetscErrorCode PCPreSolve_RlaSketch(PC pc, KSP ksp, Vec b, Vec x)
{
  PC_RlaSketch *s = (PC_RlaSketch *)pc->data;
  PetscInt m, n;
  PetscBool lsqr;
  KSPType type;

  PetscFunctionBegin;
  (void)b;
  (void)x;
  PetscCall(MatGetSize(pc->mat, &m, &n));
  if (s->replaced_pmat && pc->setupcalled) {
    /* PCSetUp watches the state of the normal matrix that replaced A, which does not change
       with A's values: rebuild here when A changed, as PCSetUp would have for Pmat A */
    Mat A;
    PetscObjectState state;
    PetscBool normal;
    PetscCall(PetscObjectTypeCompare((PetscObject)pc->pmat, MATNORMAL, &normal));
    if (normal) {
      PetscCall(MatNormalGetMat(pc->pmat, &A));
      PetscCall(PetscObjectStateGet((PetscObject)A, &state));
      if (state != s->a_state) PetscCall(PCSetUp_RlaSketch(pc));
    }
  }
  PetscCall(PetscObjectTypeCompare((PetscObject)ksp, KSPLSQR, &lsqr));
  PetscCall(KSPGetType(ksp, &type));
  PetscCheck(m == n || lsqr, PetscObjectComm((PetscObject)pc), PETSC_ERR_ARG_INCOMP,
             "PC " RLA_PCSKETCH ": KSP type %s solves square systems, but the operator A is %" PetscInt_FMT
             " x %" PetscInt_FMT ": for least squares min ||A x - b|| use -ksp_type lsqr, or a "
             "square-system KSP such as cg on the normal equations (operator MatCreateNormal(A), "
             "right-hand side A^T b)",
             type ? type : "unset", m, n);
  PetscFunctionReturn(0);
}

static PetscErrorCode PCSetFromOptions_RlaSketch(PC pc, PetscOptionItems *PetscOptionsObject)
{
  PC_RlaSketch *s = (PC_RlaSketch *)pc->data;

  PetscFunctionBegin;
  const rla_option_desc *desc;
  int n;

  desc = rla_sketch_options(&n);
  PetscOptionsHeadBegin(PetscOptionsObject, "rla sketch preconditioner options");
  PetscCall(rla_petsc_options(PetscOptionsObject, "-pc_rlasketch_", "rla/sketch.h", desc, n,
                              s->options, s->ctx));
  PetscCall(PetscOptionsHasName(((PetscObject)pc)->options, ((PetscObject)pc)->prefix,
                                "-pc_rlasketch_sketch_type", &s->type_set));
  PetscCall(PetscOptionsReal("-pc_rlasketch_oversample",
                             "sketch rows l = ceil(oversample * d); kappa(A R^-1) is about "
                             "(1 + 1/sqrt(oversample)) / (1 - 1/sqrt(oversample))",
                             "rla/petsc.h", s->oversample, &s->oversample, NULL));
  PetscCall(PetscOptionsReal("-pc_rlasketch_rank_tol",
                             "drop singular values of the sketch below rank_tol * sigma_1 "
                             "(negative: 30 sqrt(d) eps)",
                             "rla/petsc.h", s->rank_tol, &s->rank_tol, NULL));
  PetscCall(PetscOptionsBool("-pc_rlasketch_svd",
                             "always use the SVD of the sketch (else only when rank-deficient)",
                             "rla/petsc.h", s->force_svd, &s->force_svd, NULL));
  PetscOptionsHeadEnd();
  PetscCheck(s->oversample >= 1.0, PetscObjectComm((PetscObject)pc), PETSC_ERR_ARG_OUTOFRANGE,
             "-pc_rlasketch_oversample %g: give a value >= 1 (2 to 4 is typical)",
             (double)s->oversample);
  PetscCheck(s->rank_tol < 1.0, PetscObjectComm((PetscObject)pc), PETSC_ERR_ARG_OUTOFRANGE,
             "-pc_rlasketch_rank_tol %g: give a value below 1 (negative for the default)",
             (double)s->rank_tol);
  PetscFunctionReturn(0);
}

static PetscErrorCode PCView_RlaSketch(PC pc, PetscViewer viewer)
{
  PC_RlaSketch *s = (PC_RlaSketch *)pc->data;
  PetscBool ascii;

  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &ascii));
  if (!ascii) PetscFunctionReturn(0);
  int n;
  const rla_option_desc *desc = rla_sketch_options(&n);
  rla_sketch_type type =
      (rla_sketch_type)rla_petsc_option_value(desc, n, s->options, "sketch-type").i;
  if (pc->setupcalled && s->d > 0) type = s->type;
  PetscCall(PetscViewerASCIIPrintf(
      viewer, "  rla sketch: %s%s, oversample %g, seed %lld\n", rla_sketch_type_names[type],
      pc->setupcalled && s->d > 0 && !s->type_set && type == RLA_SKETCH_SPARSE ? " (AIJ default)"
                                                                               : "",
      (double)s->oversample, (long long)rla_petsc_option_value(desc, n, s->options, "seed").i));
  if (!pc->setupcalled || s->d == 0) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "  not set up\n"));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "  A: %" PetscInt_FMT " x %" PetscInt_FMT " (from %s), sketch rows %" PetscInt_FMT
                                   ", SRHT block %" PetscInt_FMT "\n",
                                   s->m, s->d, s->from_normal ? "the normal matrix Pmat" : s->replaced_pmat ? "Pmat A, replaced by MatCreateNormal(A)" : "Pmat",
                                   s->l, s->block));
  if (s->use_svd)
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "  factor: SVD, rank %" PetscInt_FMT " of %" PetscInt_FMT
                                     " (rank_tol %g), kappa(S A D) restricted %g\n",
                                     s->rank, s->d, (double)s->rank_tol_used, (double)s->kappa));
  else
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "  factor: QR, kappa(S A D) 1-norm estimate %g (rank_tol %g)\n",
                                     (double)s->kappa, (double)s->rank_tol_used));
  PetscCall(PetscViewerASCIIPrintf(viewer, "  setup time: sketch %g s, factor %g s\n",
                                   (double)s->time_sketch, (double)s->time_factor));
  PetscFunctionReturn(0);
}

PetscErrorCode rla_petsc_pc_create(PC pc)
{
  PC_RlaSketch *s;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  s->oversample = 4.0;
  s->rank_tol = -1.0;
  s->force_svd = PETSC_FALSE;
  pc->data = s;
  PetscCheck(!rla_ctx_create(PetscObjectComm((PetscObject)pc), &s->ctx),
             PetscObjectComm((PetscObject)pc), PETSC_ERR_LIB,
             "PC " RLA_PCSKETCH ": cannot create an rla context");
  rla_ctx_set_verbosity(s->ctx, 0);
  RLA_PETSC_CALL(PetscObjectComm((PetscObject)pc), s->ctx,
                 rla_ctx_agree(s->ctx, rla_sketch_create(s->ctx, &s->options)));
  pc->ops->setup = PCSetUp_RlaSketch;
  pc->ops->apply = PCApply_RlaSketch;
  pc->ops->applytranspose = PCApply_RlaSketch;
  pc->ops->setfromoptions = PCSetFromOptions_RlaSketch;
  pc->ops->presolve = PCPreSolve_RlaSketch;
  pc->ops->view = PCView_RlaSketch;
  pc->ops->reset = PCReset_RlaSketch;
  pc->ops->destroy = PCDestroy_RlaSketch;
  PetscFunctionReturn(0);
}
