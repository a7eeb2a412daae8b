/* SPDX-License-Identifier: BSD-3-Clause */
/* A computation's rla_svd_info as report fields: the ones rla-svd writes and the Python
   package's info dict holds. */
#include <math.h>

#include "rla/report.h"
#include "rla/svd.h"

rla_err rla_svd_info_report(const rla_svd_info *in, const double *sigma, rla_report rep)
{
  rla_report_set_int(rep, "rank", in->rank);
  rla_report_set_int(rep, "m", in->m);
  rla_report_set_int(rep, "n", in->n);
  rla_report_set_string(rep, "mode", in->tolerance_mode ? "tolerance" : "rank");
  rla_report_set_int(rep, "basis_size", in->basis_size);
  rla_report_set_int(rep, "oversample", in->oversample);
  rla_report_set_int(rep, "power", in->power_iters);
  rla_report_set_int(rep, "blocks", in->blocks);
  if (in->tolerance_mode) {
    rla_report_set_real(rep, "tol_requested", in->tol_requested);
    rla_report_set_real(rep, "tol", in->tol);
    rla_report_set_bool(rep, "tol_clamped", in->clamped);
    rla_report_set_bool(rep, "tol_met", in->tol_met);
  }
  rla_report_set_real(rep, "error_estimate", in->error_estimate);
  rla_report_set_real(rep, "sigma_next_lower_bound", in->sigma_next);
  rla_report_set_real(rep, "orthogonality_loss", fmax(in->orth_loss_u, in->orth_loss_v));
  rla_report_set_real(rep, "orthogonality_loss_u", in->orth_loss_u);
  rla_report_set_real(rep, "orthogonality_loss_v", in->orth_loss_v);
  rla_report_set_real(rep, "norm_A_fro", in->norm_fro);
  rla_report_set_real_array(rep, "sigma", in->rank, sigma);
  rla_report_set_string(rep, "sketch", rla_sketch_type_name(in->sketch));
  rla_report_set_int(rep, "seed", (int64_t)in->seed);
  rla_report_set_bool(rep, "transposed", in->transposed);
  rla_report_set_real(rep, "time_redistribute", in->time_redistribute);
  rla_report_set_real(rep, "time_sketch", in->time_sketch);
  rla_report_set_real(rep, "time_power", in->time_power);
  rla_report_set_real(rep, "time_qb", in->time_qb);
  rla_report_set_real(rep, "time_small_svd", in->time_small_svd);
  rla_report_set_real(rep, "time_svd", in->time_total);
  rla_report_set_int(rep, "comm_words", in->comm_words);
  return RLA_SUCCESS;
}
