/* SPDX-License-Identifier: BSD-3-Clause */
/* Benchmark of the randomized SVD on a matrix with known singular values (rla_gen_svd, 2-D
   block-cyclic, sigma_i = 1/i by default): block SRHT and Gaussian sketches at the same (k, p,
   q), ScaLAPACK PDGESVD on the same grid, the smallest q that meets a target
   ||A - U S V^T||_2 / sigma_{k+1}, and the measured floor of the tolerance certificate.
   Accuracy: ||A - U S V^T||_2 by 40 matrix-free power steps (a lower bound, within about 1% here),
   divided by the exact sigma_{k+1}; the Frobenius residual against the optimal tail.
   Prints human-readable lines and "RESULT key value" lines for bench/svd.sh. Not part of make
   check: run it with bench/svd.sh. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rla/gen.h"
#include "rla/rla.h"
#include "rla/svd.h"

static const rla_option_spec specs[] = {
    {"m", NULL, RLA_OPT_INT, "2048", NULL, 1, 1e9, "rows"},
    {"n", NULL, RLA_OPT_INT, "2048", NULL, 1, 1e9, "columns"},
    {"k", NULL, RLA_OPT_INT, "100", NULL, 1, 1e9, "rank"},
    {"p", NULL, RLA_OPT_INT, "10", NULL, 0, 1e9, "oversampling"},
    {"q", NULL, RLA_OPT_INT, "2", NULL, 0, 100, "power iterations"},
    {"decay", NULL, RLA_OPT_REAL, "1", NULL, 0.01, 10, "sigma_i = i^-decay"},
    {"reps", NULL, RLA_OPT_INT, "3", NULL, 1, 100, "repetitions (the fastest is reported)"},
    {"seed", NULL, RLA_OPT_INT, "1", NULL, 0, 1e15, "seed of the matrix and the first sketch"},
    {"seeds", NULL, RLA_OPT_INT, "5", NULL, 1, 100,
     "sketch seeds seed, seed+1, ... over which the accuracy is taken (mean and worst)"},
    {"target", NULL, RLA_OPT_REAL, "1.05", NULL, 1, 100,
     "target ||A - U S V^T||_2 / sigma_{k+1} for the q scan"},
    {"qmax", NULL, RLA_OPT_INT, "8", NULL, 0, 100, "largest q of the scan"},
    {"pdgesvd", NULL, RLA_OPT_INT, "1", NULL, 0, 1, "1: time PDGESVD (with vectors)"},
    {"write", NULL, RLA_OPT_STRING, NULL, NULL, 1, 0,
     "write the matrix to PREFIX.npy and PREFIX.petsc (dense) for the other baselines"},
    {"floor", NULL, RLA_OPT_INT, "1", NULL, 0, 2,
     "1: also measure the tolerance floor, 2: only that"},
};

struct result {
  double time;                 /* fastest of the repetitions with the first seed */
  double ratio2, ratio2_max;   /* ||E||_2 / sigma_{k+1}: mean and worst over the seeds */
  double fro_ratio, sigma_err; /* worst over the seeds */
  rla_svd_info info;           /* of the fastest run */
};

static void say(rla_ctx ctx, const char *fmt, ...)
{
  va_list ap;
  if (rla_ctx_rank(ctx) != 0) return;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  fflush(stdout);
}

/* One randomized SVD of A at (k, p, q) with the sketch type and seed; its info, and its
   accuracy against the exact sigma (count min(m, n)) when ratio2 is not NULL. */
static rla_err one_rsvd(rla_ctx ctx, rla_dmat A, const double *sigma, int64_t count, int64_t k,
                        int64_t p, int64_t q, rla_sketch_type type, uint64_t seed,
                        rla_svd_info *info, double *ratio2, double *fro_ratio, double *sigma_err)
{
  rla_svd S = NULL;
  rla_dmat U, V;
  const double *s;
  double tail = 0.0, fro;
  rla_err err;
  RLA_CALL(ctx, rla_svd_create(ctx, &S));
  err = rla_svd_set_rank(S, k);
  if (!err) err = rla_svd_set_oversample(S, p);
  if (!err) err = rla_svd_set_power(S, q);
  if (!err) err = rla_svd_set_sketch_type(S, type);
  if (!err) err = rla_svd_set_seed(S, seed);
  if (!err) err = rla_svd_setup(S);
  RLA_CALL_GOTO(ctx, err, done, err);
  RLA_CALL_GOTO(ctx, err, done, rla_svd_compute(S, A));
  RLA_CALL_GOTO(ctx, err, done, rla_svd_get_info(S, info));
  if (!ratio2) goto done;
  RLA_CALL_GOTO(ctx, err, done, rla_svd_get_sigma(S, &s, NULL));
  RLA_CALL_GOTO(ctx, err, done, rla_svd_get_u(S, &U));
  RLA_CALL_GOTO(ctx, err, done, rla_svd_get_v(S, &V));
  RLA_CALL_GOTO(ctx, err, done,
                rla_svd_residual_norm2_estimate(A, k, s, U, V, 40, seed + 17, ratio2));
  *ratio2 /= k < count ? sigma[k] : 1.0;
  RLA_CALL_GOTO(ctx, err, done, rla_svd_residual_norm_fro(A, k, s, U, V, &fro));
  for (int64_t i = k; i < count; i++)
    tail += sigma[i] * sigma[i];
  *fro_ratio = tail > 0.0 ? fro / sqrt(tail) : fro;
  *sigma_err = rla_svd_sigma_error_max(k, s, sigma);
done:
  rla_svd_destroy(&S);
  return err;
}

/* The fastest of reps runs with the first seed, and the accuracy over nseeds seeds. */
static rla_err run_rsvd(rla_ctx ctx, rla_dmat A, const double *sigma, int64_t count, int64_t k,
                        int64_t p, int64_t q, rla_sketch_type type, uint64_t seed, int nseeds,
                        int reps, struct result *res)
{
  memset(res, 0, sizeof(*res));
  res->time = INFINITY;
  for (int r = 0; r < reps; r++) {
    rla_svd_info info;
    RLA_CALL(ctx, one_rsvd(ctx, A, sigma, count, k, p, q, type, seed, &info, NULL, NULL, NULL));
    if (info.time_total < res->time) {
      res->time = info.time_total;
      res->info = info;
    }
  }
  for (int s = 0; s < nseeds; s++) {
    rla_svd_info info;
    double r2, fr, se;
    RLA_CALL(ctx, one_rsvd(ctx, A, sigma, count, k, p, q, type, seed + (uint64_t)s, &info, &r2, &fr,
                           &se));
    res->ratio2 += r2 / nseeds;
    if (r2 > res->ratio2_max) res->ratio2_max = r2;
    if (fr > res->fro_ratio) res->fro_ratio = fr;
    if (se > res->sigma_err) res->sigma_err = se;
  }
  return RLA_SUCCESS;
}

static void print_result(rla_ctx ctx, const char *name, const struct result *r)
{
  const rla_svd_info *i = &r->info;
  say(ctx,
      "%-19s %7.4f s (redistribute %.4f, sketch %.4f, power %.4f, QB %.4f, small SVD %.4f)\n"
      "%-19s ||E||_2/sigma_k+1 mean %.4f worst %.4f, ||E||_F/optimal <= %.5f, rel. sigma error "
      "<= %.2e, orthogonality %.1e/%.1e, guarded QR %d/%d\n",
      name, r->time, i->time_redistribute, i->time_sketch, i->time_power, i->time_qb,
      i->time_small_svd, "", r->ratio2, r->ratio2_max, r->fro_ratio, r->sigma_err, i->orth_loss_u,
      i->orth_loss_v, i->qr_shifted, i->qr_tsqr);
  say(ctx,
      "RESULT %s_time %.6f\nRESULT %s_sketch_time %.6f\nRESULT %s_ratio2 %.6f\n"
      "RESULT %s_ratio2_max %.6f\nRESULT %s_fro_ratio %.6f\n",
      name, r->time, name, r->info.time_sketch, name, r->ratio2, name, r->ratio2_max, name,
      r->fro_ratio);
}

/* PDGESVD of A with vectors (the fair baseline: the randomized SVD returns vectors) and
   without; times and the sigma error of the first k values. */
static rla_err run_pdgesvd(rla_ctx ctx, rla_dmat A, const double *sigma, int64_t count, int64_t k)
{
  double *s = NULL, t[2];
  rla_dmat U = NULL, V = NULL;
  rla_err err = RLA_SUCCESS;
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)count, sizeof(double), &s));
  for (int vectors = 1; vectors >= 0 && !err; vectors--) {
    MPI_Barrier(rla_ctx_comm(ctx));
    t[vectors] = rla_wtime();
    err = rla_svd_direct(A, s, vectors ? &U : NULL, vectors ? &V : NULL);
    t[vectors] = rla_wtime() - t[vectors];
    MPI_Allreduce(MPI_IN_PLACE, &t[vectors], 1, MPI_DOUBLE, MPI_MAX, rla_ctx_comm(ctx));
    if (!err)
      say(ctx, "%-19s %7.4f s%s, rel. sigma error (first k) <= %.2e\n",
          vectors ? "pdgesvd" : "pdgesvd_values", t[vectors],
          vectors ? " with U and V" : " singular values only",
          rla_svd_sigma_error_max(k, s, sigma));
    rla_dmat_destroy(&U);
    rla_dmat_destroy(&V);
  }
  if (!err) say(ctx, "RESULT pdgesvd_time %.6f\nRESULT pdgesvd_values_time %.6f\n", t[1], t[0]);
  rla_free(&s);
  return err;
}

/* The smallest q <= qmax whose worst ||E||_2 / sigma_{k+1} over the seeds is <= target. */
static rla_err scan_q(rla_ctx ctx, rla_dmat A, const double *sigma, int64_t count, int64_t k,
                      int64_t p, int64_t qmax, double target, rla_sketch_type type, uint64_t seed,
                      int nseeds, int reps)
{
  const char *name = rla_sketch_type_name(type);
  for (int64_t q = 0; q <= qmax; q++) {
    struct result r;
    RLA_CALL(ctx, run_rsvd(ctx, A, sigma, count, k, p, q, type, seed, nseeds, reps, &r));
    say(ctx, "  %-8s q = %lld: %.4f s, ||E||_2/sigma_k+1 mean %.4f worst %.4f\n", name,
        (long long)q, r.time, r.ratio2, r.ratio2_max);
    say(ctx, "RESULT scan_%s_q%lld_time %.6f\n", name, (long long)q, r.time);
    if (r.ratio2_max <= target) {
      say(ctx,
          "RESULT target_q_%s %lld\nRESULT target_time_%s %.6f\nRESULT target_ratio2_%s %.6f\n",
          name, (long long)q, name, r.time, name, r.ratio2_max);
      return RLA_SUCCESS;
    }
  }
  say(ctx, "  %s: target %.3f not reached with q <= %lld\n", name, target, (long long)qmax);
  return RLA_SUCCESS;
}

/* Tolerance far below the floor on an exponentially decaying spectrum: the rank is chosen by
   the energy identity at the floor; compare its estimate with the computed residual. */
static rla_err run_floor(rla_ctx ctx, int64_t m, int64_t n, uint64_t seed)
{
  int64_t count = m < n ? m : n, k;
  double *sigma = NULL, fro, est;
  rla_spectrum spec = {.kind = RLA_SPECTRUM_EXP, .decay = 1.0 / 16};
  rla_dmat A = NULL, U, V;
  rla_svd S = NULL;
  rla_svd_info info;
  const double *s;
  rla_err err;
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)count, sizeof(double), &sigma));
  RLA_CALL_GOTO(ctx, err, done, rla_gen_spectrum(ctx, &spec, count, sigma));
  RLA_CALL_GOTO(ctx, err, done,
                rla_gen_svd(ctx, m, n, count, sigma, seed, RLA_DMAT_ROWBLOCK, &A, NULL, NULL));
  RLA_CALL_GOTO(ctx, err, done, rla_svd_create(ctx, &S));
  RLA_CALL_GOTO(ctx, err, done, rla_svd_set_tol(S, 1e-12));
  RLA_CALL_GOTO(ctx, err, done, rla_svd_setup(S));
  RLA_CALL_GOTO(ctx, err, done, rla_svd_compute(S, A));
  RLA_CALL_GOTO(ctx, err, done, rla_svd_get_info(S, &info));
  RLA_CALL_GOTO(ctx, err, done, rla_svd_get_sigma(S, &s, &k));
  RLA_CALL_GOTO(ctx, err, done, rla_svd_get_u(S, &U));
  RLA_CALL_GOTO(ctx, err, done, rla_svd_get_v(S, &V));
  RLA_CALL_GOTO(ctx, err, done, rla_svd_residual_norm_fro(A, k, s, U, V, &fro));
  fro /= info.norm_fro;
  est = info.error_estimate;
  say(ctx,
      "floor %lld x %lld (sigma_i = 10^(-i/16)): tol 1e-12 -> %.3e (clamped %d), rank %lld, "
      "estimate %.4e, computed residual %.4e, |est^2 - res^2| = %.1f eps\n",
      (long long)m, (long long)n, info.tol, info.clamped, (long long)k, est, fro,
      fabs(est * est - fro * fro) / RLA_EPS);
  say(ctx, "RESULT floor_c_%lldx%lld %.3f\n", (long long)m, (long long)n,
      fabs(est * est - fro * fro) / RLA_EPS);
done:
  rla_svd_destroy(&S);
  rla_dmat_destroy(&A);
  rla_free(&sigma);
  return err;
}

static rla_err bench(rla_ctx ctx, rla_options opts)
{
  int64_t m, n, k, p, q, reps, seed, nseeds, qmax, do_pd, do_floor, count;
  double decay, target, *sigma = NULL;
  rla_dmat A = NULL, Ar = NULL;
  struct result srht, gauss, rowb;
  rla_err err;
  rla_spectrum spec = {.kind = RLA_SPECTRUM_POLY};

  RLA_CALL(ctx, rla_options_get_int(opts, "m", &m));
  RLA_CALL(ctx, rla_options_get_int(opts, "n", &n));
  RLA_CALL(ctx, rla_options_get_int(opts, "k", &k));
  RLA_CALL(ctx, rla_options_get_int(opts, "p", &p));
  RLA_CALL(ctx, rla_options_get_int(opts, "q", &q));
  RLA_CALL(ctx, rla_options_get_int(opts, "reps", &reps));
  RLA_CALL(ctx, rla_options_get_int(opts, "seed", &seed));
  RLA_CALL(ctx, rla_options_get_int(opts, "seeds", &nseeds));
  RLA_CALL(ctx, rla_options_get_int(opts, "qmax", &qmax));
  RLA_CALL(ctx, rla_options_get_int(opts, "pdgesvd", &do_pd));
  RLA_CALL(ctx, rla_options_get_int(opts, "floor", &do_floor));
  RLA_CALL(ctx, rla_options_get_real(opts, "decay", &decay));
  RLA_CALL(ctx, rla_options_get_real(opts, "target", &target));
  if (do_floor == 2) {
    RLA_CALL(ctx, run_floor(ctx, 2048, 256, (uint64_t)seed));
    RLA_CALL(ctx, run_floor(ctx, 16384, 256, (uint64_t)seed));
    return RLA_SUCCESS;
  }
  count = m < n ? m : n;
  spec.decay = decay;
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)count, sizeof(double), &sigma));
  RLA_CALL_GOTO(ctx, err, done, rla_gen_spectrum(ctx, &spec, count, sigma));
  say(ctx, "bench_svd: %lld x %lld, sigma_i = i^-%g, k = %lld, p = %lld, q = %lld, %d ranks\n",
      (long long)m, (long long)n, decay, (long long)k, (long long)p, (long long)q,
      rla_ctx_size(ctx));
  RLA_CALL_GOTO(
      ctx, err, done,
      rla_gen_svd(ctx, m, n, count, sigma, (uint64_t)seed, RLA_DMAT_CYCLIC, &A, NULL, NULL));
  if (rla_options_has(opts, "write")) {
    const char *prefix;
    char path[4096];
    RLA_CALL_GOTO(ctx, err, done, rla_options_get_string(opts, "write", &prefix));
    snprintf(path, sizeof(path), "%s.npy", prefix);
    RLA_CALL_GOTO(ctx, err, done, rla_io_write(A, path, RLA_FORMAT_NPY, 0));
    snprintf(path, sizeof(path), "%s.petsc", prefix);
    RLA_CALL_GOTO(ctx, err, done, rla_io_write(A, path, RLA_FORMAT_PETSC, RLA_IO_DENSE));
    say(ctx, "matrix written to %s.npy and %s.petsc\n", prefix, prefix);
  }
  RLA_CALL_GOTO(ctx, err, done,
                run_rsvd(ctx, A, sigma, count, k, p, q, RLA_SKETCH_SRHT, seed, (int)nseeds,
                         (int)reps, &srht));
  print_result(ctx, "rsvd_srht", &srht);
  RLA_CALL_GOTO(ctx, err, done,
                run_rsvd(ctx, A, sigma, count, k, p, q, RLA_SKETCH_GAUSSIAN, seed, (int)nseeds,
                         (int)reps, &gauss));
  print_result(ctx, "rsvd_gaussian", &gauss);
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_create_rowblock(ctx, m, n, 0, &Ar));
  RLA_CALL_GOTO(ctx, err, done, rla_dmat_redistribute(A, Ar));
  RLA_CALL_GOTO(
      ctx, err, done,
      run_rsvd(ctx, Ar, sigma, count, k, p, q, RLA_SKETCH_SRHT, seed, 1, (int)reps, &rowb));
  print_result(ctx, "rsvd_srht_rowblock", &rowb);
  say(ctx, "RESULT gaussian_over_srht_time %.4f\nRESULT gaussian_over_srht_sketch_time %.4f\n",
      gauss.time / srht.time, gauss.info.time_sketch / srht.info.time_sketch);
  {
    /* the regime the SRHT is for: no power iterations and a larger sketch, where Y = A Omega^T
       is a large share of the work */
    int64_t kb = 4 * k < count / 2 ? 4 * k : count / 2;
    struct result s0, g0;
    RLA_CALL_GOTO(
        ctx, err, done,
        run_rsvd(ctx, Ar, sigma, count, kb, p, 0, RLA_SKETCH_SRHT, seed, 1, (int)reps, &s0));
    RLA_CALL_GOTO(
        ctx, err, done,
        run_rsvd(ctx, Ar, sigma, count, kb, p, 0, RLA_SKETCH_GAUSSIAN, seed, 1, (int)reps, &g0));
    say(ctx, "q = 0, k = %lld, row-block input:\n", (long long)kb);
    print_result(ctx, "q0_srht", &s0);
    print_result(ctx, "q0_gaussian", &g0);
  }
  if (do_pd) {
    RLA_CALL_GOTO(ctx, err, done, run_pdgesvd(ctx, A, sigma, count, k));
  }
  say(ctx, "q scan to ||E||_2/sigma_k+1 <= %.3f:\n", target);
  RLA_CALL_GOTO(ctx, err, done,
                scan_q(ctx, A, sigma, count, k, p, qmax, target, RLA_SKETCH_SRHT, seed, (int)nseeds,
                       (int)reps));
  RLA_CALL_GOTO(ctx, err, done,
                scan_q(ctx, A, sigma, count, k, p, qmax, target, RLA_SKETCH_GAUSSIAN, seed,
                       (int)nseeds, (int)reps));
  if (do_floor) {
    RLA_CALL_GOTO(ctx, err, done, run_floor(ctx, 2048, 256, (uint64_t)seed));
    RLA_CALL_GOTO(ctx, err, done, run_floor(ctx, 16384, 256, (uint64_t)seed));
  }
done:
  rla_dmat_destroy(&A);
  rla_dmat_destroy(&Ar);
  rla_free(&sigma);
  return err;
}

int main(int argc, char **argv)
{
  rla_ctx ctx = NULL;
  rla_options opts = NULL;
  rla_err err;
  MPI_Init(&argc, &argv);
  if (rla_ctx_create(MPI_COMM_WORLD, &ctx)) {
    fprintf(stderr, "bench_svd: cannot create the context\n");
    MPI_Finalize();
    return 1;
  }
  rla_ctx_set_verbosity(ctx, 0);
  err = rla_options_create(ctx, specs, (int)(sizeof(specs) / sizeof(specs[0])), &opts);
  if (!err) err = rla_options_parse(opts, argc, argv);
  if (!err) err = bench(ctx, opts);
  if (err && rla_ctx_rank(ctx) == 0)
    fprintf(stderr, "bench_svd: error: %s\n", rla_ctx_error_message(ctx));
  rla_options_destroy(&opts);
  rla_ctx_destroy(&ctx);
  MPI_Finalize();
  return err ? 1 : 0;
}
