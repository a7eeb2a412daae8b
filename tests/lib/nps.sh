# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the shell tests: "for np in $(nps 1 2 3)" runs the rank counts among its arguments
# that this build tests (RLA_TEST_NPS, set by make check from --with-test-ranks; all of them when
# it is unset), so the sanitizer suite at 1 and 2 ranks skips the 3-rank runs.
nps() {
  for np_ in "$@"; do
    case " ${RLA_TEST_NPS:-$*} " in *" $np_ "*) printf '%s ' "$np_" ;; esac
  done
}

# "for np in $(nps_vs1 2 3)": the rank counts to compare with the 1-rank run, which are those
# of nps when 1 is among the tested counts, and none when it is not (the sanitizer suite runs
# the shell tests at 2 ranks only)
nps_vs1() {
  if [ -n "$(nps 1)" ]; then nps "$@"; fi
}
