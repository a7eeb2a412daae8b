/* SPDX-License-Identifier: BSD-3-Clause */
/* A solve's rla_lsq_info as report fields: the ones rla-lsq writes and the Python package's info
   dict holds. */
#include "rla/lsq.h"
#include "rla/report.h"

/* the largest of n values, NaN when one is NaN */
static double max_of(int64_t n, const double *v)
{
  double m = 0.0;
  for (int64_t j = 0; j < n; j++)
    if (!(v[j] <= m)) m = v[j];
  return m;
}

rla_err rla_lsq_info_report(const rla_lsq_info *in, rla_report rep)
{
  int64_t k = in->nrhs;
  rla_report_set_string(rep, "method", rla_lsq_method_name(in->method));
  if (in->method == RLA_LSQ_DIRECT) rla_report_set_string(rep, "backend", in->factorization);
  rla_report_set_int(rep, "nprocs", in->ranks);
  rla_report_set_int(rep, "m", in->m);
  rla_report_set_int(rep, "n", in->d);
  rla_report_set_int(rep, "nrhs", k);
  rla_report_set_real(rep, "residual_norm", max_of(k, in->residual_norm));
  rla_report_set_real(rep, "backward_error", max_of(k, in->backward_error));
  rla_report_set_real(rep, "backward_error_estimate", max_of(k, in->backward_error_estimate));
  rla_report_set_real_array(rep, "residual_norms", k, in->residual_norm);
  rla_report_set_real_array(rep, "backward_errors", k, in->backward_error);
  rla_report_set_int(rep, "iterations", in->iterations);
  rla_report_set_int(rep, "refinements", in->refinements);
  rla_report_set_int(rep, "passes_over_A", in->passes);
  rla_report_set_real_array(rep, "history", in->nhistory, in->history);
  rla_report_set_bool(rep, "converged", in->converged);
  rla_report_set_real(rep, "tol", in->tol);
  rla_report_set_int(rep, "rank", in->rank);
  rla_report_set_bool(rep, "truncated", in->truncated);
  rla_report_set_string(rep, "factorization", in->factorization ? in->factorization : "none");
  rla_report_set_real(rep, "kappa_estimate", in->kappa_sketch);
  rla_report_set_real(rep, "kappa_preconditioned", in->kappa_preconditioned);
  rla_report_set_real(rep, "norm_A_fro", in->norm_fro);
  rla_report_set_string(
      rep, "sketch", in->method == RLA_LSQ_DIRECT ? "none" : rla_sketch_type_name(in->sketch_type));
  rla_report_set_int(rep, "sketch_rows", in->sketch_rows);
  rla_report_set_int(rep, "sketch_block", in->sketch_block);
  rla_report_set_int(rep, "seed", (int64_t)in->seed);
  rla_report_set_real(rep, "time_sketch", in->time_sketch);
  rla_report_set_real(rep, "time_factor", in->time_factor);
  rla_report_set_real(rep, "time_iterate", in->time_iterate);
  rla_report_set_real(rep, "time_redistribute", in->time_redistribute);
  rla_report_set_real(rep, "time_residual", in->time_residual);
  rla_report_set_real(rep, "time_solve", in->time_total);
  rla_report_set_int(rep, "comm_words", in->comm_words);
  rla_report_set_int(rep, "comm_reductions", in->comm_reductions);
  return RLA_SUCCESS;
}
