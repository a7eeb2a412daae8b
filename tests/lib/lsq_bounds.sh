# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the PETSc plugin's tests: lsq_stable_close BERR XDIFF KAPPA RHO M N succeeds when a
# least-squares solution of an M x N problem made by rla-gen (||A||_2 = ||x*|| = 1, condition
# number KAPPA, residual RHO) is backward stable and as close to a backward-stable reference as
# theory allows. BERR = ||A^T r^|| / (||A||_F ||r^||) with r^ = fl(b - A x): for an x that solves
# the problem of A + dA, A^T r = -dA^T r, so BERR <= ||dA||_F / ||A||_F <= sqrt(m n) eps (the
# backward error of a backward-stable solver, as in check_rla_lsq.py), plus the rounding of the
# measurement: gamma_m = m u for A^T r^, and ||A^T dr|| with ||dr|| <= gamma_{n+1} (||b|| +
# ||A||_F ||x||), which relative to ||A||_F ||r|| is at most (n + 1) u (2 + rho) / rho
# (||b|| <= 1 + rho, ||A||_F >= 1; u = eps / 2). XDIFF = ||x - x_ref|| / ||x_ref|| is at most
# Wedin's first-order bound for a backward error of eps in each, 2 eps kappa (1 + kappa rho).
lsq_stable_close() {
  awk -v b="$1" -v x="$2" -v k="$3" -v r="$4" -v m="$5" -v n="$6" \
    'BEGIN { e = 2.220446049250313e-16; u = e / 2
             bound = sqrt(m * n) * e + m * u + (n + 1) * u * (2 + r) / r
             exit !(b <= bound && x >= 0 && x <= 2 * e * k * (1 + k * r)) }'
}
