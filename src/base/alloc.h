/* SPDX-License-Identifier: BSD-3-Clause */
/* Private allocation helpers over rla_calloc (so that fault injection reaches them): copies of
   strings, arrays that grow and aligned arrays. Free what they return with rla_free. */
#ifndef RLA_ALLOC_H
#define RLA_ALLOC_H

#include "rla/base.h"

/* A copy of the string s in *copy. On failure (RLA_ERR_MEM) *copy is left as it was. Local. */
rla_err rla_strdup(rla_ctx ctx, const char *s, char **copy);
/* A copy of the first len bytes of s (fewer when s ends before), terminated, in *copy. On
   failure *copy is left as it was. Local. */
rla_err rla_strndup(rla_ctx ctx, const char *s, size_t len, char **copy);
/* Room for need elements of size bytes in the array *ptr of *cap elements (NULL and 0 at
   first): when *cap < need, a new array of max(need, 2 *cap, 8) elements, zeroed past the old
   ones, replaces it and *cap says its size; the old elements are copied and the old array
   freed (pointers into it become invalid). On failure (RLA_ERR_MEM) *ptr and *cap are left as
   they were. Local. */
rla_err rla_grow(rla_ctx ctx, void *ptr, int64_t *cap, int64_t need, size_t size);
/* rla_calloc for the local entries of a matrix: aligned to 64 bytes (to 2 MiB from 1 MiB on,
   and then rounded up to whole 2 MiB when that adds at most a quarter, so that huge pages cover
   it; see rla_advise_huge), so that the columns
   start on cache-line boundaries when the leading dimension is a multiple of 8 and the
   8-vector kernels load without crossing lines. Zeroed by memset (every page is touched here,
   as it would be when the matrix is filled): in a fresh process one fault per 2 MiB instead of
   one per 4 KiB, which is what a first solve pays (chosen by measurement of cold launches: see
   bench/README.md). Also for work space that FFTW plans over (it needs at most this alignment
   for its SIMD code) and for the large work arrays of a plan. Free with rla_free. Local. */
rla_err rla_calloc_matrix(rla_ctx ctx, size_t count, size_t size, void *ptr);

#endif
