/* SPDX-License-Identifier: BSD-3-Clause */
/* rla_leak_check(): in a build with AddressSanitizer, LeakSanitizer's check at once, in place
   of the one at exit. A program calls it after freeing all it allocated and before
   MPI_Finalize: Open MPI's own allocations are still reachable from its globals then, so none
   of them is reported or has to be matched against a suppression (which symbolizes every frame
   of its stack, most of a second per process). A leak of the program's fails it as at exit. A
   no-op in other builds. */
#ifndef RLA_LEAK_CHECK_H
#define RLA_LEAK_CHECK_H

#if defined(__SANITIZE_ADDRESS__)
#define RLA_HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RLA_HAVE_LSAN 1
#endif
#endif

#ifdef RLA_HAVE_LSAN
#include <sanitizer/lsan_interface.h>
static inline void rla_leak_check(void) { __lsan_do_leak_check(); }
#else
static inline void rla_leak_check(void) {}
#endif

#endif
