/* SPDX-License-Identifier: BSD-3-Clause */
/* Vectors of 8 doubles for the hand-written kernels (block SRHT, the fused least-squares
   pass): one AVX-512 register, two AVX2 or four SSE2 registers; GCC lowers the generic vector
   type to what the target has. Functions marked KERNEL are compiled for x86-64-v4, x86-64-v3
   and the baseline, and the loader picks the one the processor runs. Internal. */
#ifndef RLA_VEC8_H
#define RLA_VEC8_H

typedef double v8d __attribute__((vector_size(64)));
typedef long long v8i __attribute__((vector_size(64)));
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define KERNEL
#endif

/* unaligned 8-vector access to double arrays */
typedef double v8du __attribute__((vector_size(64), aligned(8), may_alias));
#define load8(p)     (*(const v8du *)(p))
#define store8(p, x) (*(v8du *)(p) = (x))

#endif
