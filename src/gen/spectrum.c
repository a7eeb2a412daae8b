/* SPDX-License-Identifier: BSD-3-Clause */
/* Prescribed spectra for test matrices: polynomial and exponential decay, low rank plus noise,
   S-curve and geometric (the test spectra of Halko, Martinsson and Tropp, SIAM Rev. 2011, and
   of the least squares literature). O(count) work, no communication. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "rla/gen.h"
#include "rla/options.h"

static const char *const kind_names[] = {"poly", "exp", "lowrank", "scurve", "geometric"};
#define NKINDS ((int)(sizeof(kind_names) / sizeof(kind_names[0])))

rla_err rla_spectrum_kind_from_name(rla_ctx ctx, const char *name, rla_spectrum_kind *kind)
{
  int v;
  RLA_CHECK(ctx, name && kind, RLA_ERR_ARG, "spectrum kind: null argument");
  RLA_CALL(ctx, rla_enum_from_name(ctx, "spectrum", kind_names, NKINDS, name, &v));
  *kind = (rla_spectrum_kind)v;
  return RLA_SUCCESS;
}

const char *rla_spectrum_kind_name(rla_spectrum_kind kind)
{
  return rla_enum_name(kind_names, NKINDS, (int)kind);
}

/* logistic function, increasing from 0 to 1 */
static double logistic(double t) { return 1.0 / (1.0 + exp(-t)); }

static rla_err check_params(rla_ctx ctx, const rla_spectrum *s, int64_t count)
{
  switch (s->kind) {
  case RLA_SPECTRUM_POLY:
    RLA_CHECK(ctx, isfinite(s->decay) && s->decay > 0, RLA_ERR_ARG,
              "polynomial spectrum: decay must be positive and finite, got %g", s->decay);
    RLA_CHECK(ctx, s->decay * log10((double)count) < -log10(DBL_MIN), RLA_ERR_ARG,
              "polynomial spectrum underflows: %lld^-%g is below %g; lower the decay or the count",
              (long long)count, s->decay, DBL_MIN);
    break;
  case RLA_SPECTRUM_EXP:
    RLA_CHECK(ctx, isfinite(s->decay) && s->decay > 0, RLA_ERR_ARG,
              "exponential spectrum: decay must be positive and finite, got %g", s->decay);
    RLA_CHECK(ctx, s->decay * (double)(count - 1) < -log10(DBL_MIN), RLA_ERR_ARG,
              "exponential spectrum underflows: 10^-(%g * %lld) is below %g; lower the decay or "
              "the count",
              s->decay, (long long)(count - 1), DBL_MIN);
    break;
  case RLA_SPECTRUM_LOWRANK:
    RLA_CHECK(ctx, s->knee >= 0 && s->knee <= count, RLA_ERR_ARG,
              "low-rank spectrum: knee (number of unit values) must be in [0, %lld], got %lld",
              (long long)count, (long long)s->knee);
    RLA_CHECK(ctx, isfinite(s->level) && s->level > 0 && s->level <= 1, RLA_ERR_ARG,
              "low-rank spectrum: level must be in (0, 1], got %g", s->level);
    RLA_CHECK(ctx, s->level >= DBL_MIN, RLA_ERR_ARG,
              "low-rank spectrum: level %g is below the normal range", s->level);
    break;
  case RLA_SPECTRUM_SCURVE:
    RLA_CHECK(ctx, s->knee >= 0, RLA_ERR_ARG, "S-curve spectrum: knee must be >= 0, got %lld",
              (long long)s->knee);
    RLA_CHECK(ctx, isfinite(s->level) && s->level >= DBL_MIN && s->level < 1, RLA_ERR_ARG,
              "S-curve spectrum: level (floor) must be in (0, 1), got %g", s->level);
    RLA_CHECK(ctx, isfinite(s->transition) && s->transition > 0, RLA_ERR_ARG,
              "S-curve spectrum: transition width must be positive, got %g", s->transition);
    break;
  case RLA_SPECTRUM_GEOMETRIC:
    RLA_CHECK(ctx, isfinite(s->cond) && s->cond >= 1, RLA_ERR_ARG,
              "geometric spectrum: cond must be finite and >= 1, got %g", s->cond);
    RLA_CHECK(ctx, s->cond <= 1.0 / DBL_MIN, RLA_ERR_ARG,
              "geometric spectrum: cond %g makes 1/cond underflow", s->cond);
    RLA_CHECK(ctx, count > 1 || s->cond == 1, RLA_ERR_ARG,
              "geometric spectrum: a single value has condition number 1, not %g", s->cond);
    break;
  default: RLA_CHECK(ctx, 0, RLA_ERR_ARG, "unknown spectrum kind %d", (int)s->kind);
  }
  return RLA_SUCCESS;
}

rla_err rla_gen_spectrum(rla_ctx ctx, const rla_spectrum *spec, int64_t count, double *sigma)
{
  RLA_CHECK(ctx, spec && (sigma || count == 0), RLA_ERR_ARG, "rla_gen_spectrum: null argument");
  RLA_CHECK(ctx, count >= 0, RLA_ERR_ARG, "spectrum length must be non-negative, got %lld",
            (long long)count);
  if (count == 0) return RLA_SUCCESS;
  RLA_CALL(ctx, check_params(ctx, spec, count));
  switch (spec->kind) {
  case RLA_SPECTRUM_POLY:
    for (int64_t j = 0; j < count; j++)
      sigma[j] = pow((double)(j + 1), -spec->decay);
    break;
  case RLA_SPECTRUM_EXP:
    for (int64_t j = 0; j < count; j++)
      sigma[j] = pow(10.0, -spec->decay * (double)j);
    break;
  case RLA_SPECTRUM_LOWRANK:
    for (int64_t j = 0; j < count; j++)
      sigma[j] = j < spec->knee ? 1.0 : spec->level;
    break;
  case RLA_SPECTRUM_SCURVE: {
    /* s(j) = (L(j) - L(0)) / (1 - L(0)) rises from 0 at j = 0 towards 1, L the logistic
       function centred at knee; log sigma_j = s(j) log(level) */
    double w = spec->transition, l0 = logistic(-(double)spec->knee / w);
    double lf = log(spec->level);
    for (int64_t j = 0; j < count; j++) {
      double s = (logistic(((double)j - (double)spec->knee) / w) - l0) / (1.0 - l0);
      sigma[j] = exp(s * lf);
    }
    break;
  }
  case RLA_SPECTRUM_GEOMETRIC:
    for (int64_t j = 0; j < count; j++)
      sigma[j] = count > 1 ? pow(spec->cond, -(double)j / (double)(count - 1)) : 1.0;
    if (count > 1) sigma[count - 1] = 1.0 / spec->cond; /* exact end point */
    break;
  }
  /* guard against rounding breaking monotonicity (e.g. pow near equal arguments) */
  for (int64_t j = 1; j < count; j++)
    if (sigma[j] > sigma[j - 1]) sigma[j] = sigma[j - 1];
  return RLA_SUCCESS;
}
