# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the tests of programs that are meant to fail: their non-zero exit does not show
# whether AddressSanitizer, LeakSanitizer or UndefinedBehaviorSanitizer stopped them (in a build
# configured with --enable-sanitizers), so they look for the report itself.
# sanitizer_report LOG: true when LOG holds such a report
sanitizer_report() {
  grep -Eq '^==[0-9]+==ERROR: [A-Za-z]+Sanitizer|: runtime error: ' "$1"
}
