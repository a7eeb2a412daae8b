/* SPDX-License-Identifier: BSD-3-Clause */
/* The element types rla reads and widens to float64 (rla_io_dtype, io_impl.h). */
#include <math.h>
#include <string.h>

#include "io_impl.h"

static const struct {
  const char *name;
  int size;
} types[RLA_IO_NTYPES] = {
    [RLA_IO_F8] = {"float64", 8},    [RLA_IO_F4] = {"float32", 4}, [RLA_IO_F2] = {"float16", 2},
    [RLA_IO_I1] = {"int8", 1},       [RLA_IO_I2] = {"int16", 2},   [RLA_IO_I4] = {"int32", 4},
    [RLA_IO_I8] = {"int64", 8},      [RLA_IO_U1] = {"uint8", 1},   [RLA_IO_U2] = {"uint16", 2},
    [RLA_IO_U4] = {"uint32", 4},     [RLA_IO_U8] = {"uint64", 8},  [RLA_IO_B1] = {"bool", 1},
    [RLA_IO_BF16] = {"bfloat16", 2},
};

const char *rla_io_dtype_name(int dtype)
{
  return dtype >= 0 && dtype < RLA_IO_NTYPES ? types[dtype].name : "unknown";
}

int rla_io_dtype_size(int dtype)
{
  return dtype >= 0 && dtype < RLA_IO_NTYPES ? types[dtype].size : 0;
}

/* IEEE 754 binary16 bits as a double: sign, 5 exponent bits (bias 15), 10 fraction bits;
   exponent 0 holds zeros and subnormals (f 2^-24), 31 infinities and NaNs. Every value is exact
   in a double. */
static double half(uint16_t h)
{
  int e = (h >> 10) & 0x1f;
  double f = (double)(h & 0x3ff), v;
  if (e == 0)
    v = ldexp(f, -24);
  else if (e == 31)
    v = (h & 0x3ff) ? NAN : INFINITY;
  else
    v = ldexp(f + 1024.0, e - 25);
  return (h & 0x8000) ? -v : v;
}

/* bfloat16 bits as a double: the top half of a float32's (sign, 8 exponent bits, 7 fraction
   bits), so exact, NaNs and infinities included */
static double bfloat16(uint16_t h)
{
  uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, sizeof(f));
  return (double)f;
}

/* element t of src, its size bytes reversed when swap, in an aligned word */
static inline void load(const unsigned char *src, int size, int swap, int64_t t, unsigned char *w)
{
  const unsigned char *p = src + t * size;
  if (swap)
    for (int b = 0; b < size; b++)
      w[b] = p[size - 1 - b];
  else
    memcpy(w, p, (size_t)size);
}

void rla_io_widen(const void *src, int dtype, int swap, int64_t count, double *dst)
{
  const unsigned char *s = src;
  const int size = rla_io_dtype_size(dtype);
  union {
    unsigned char b[8];
    double f8;
    float f4;
    uint16_t u2;
    int8_t i1;
    int16_t i2;
    int32_t i4;
    int64_t i8;
    uint8_t u1;
    uint32_t u4;
    uint64_t u8;
  } w;
  for (int64_t t = 0; t < count; t++) {
    load(s, size, swap, t, w.b);
    switch (dtype) {
    case RLA_IO_F8: dst[t] = w.f8; break;
    case RLA_IO_F4: dst[t] = (double)w.f4; break;
    case RLA_IO_F2: dst[t] = half(w.u2); break;
    case RLA_IO_I1: dst[t] = (double)w.i1; break;
    case RLA_IO_I2: dst[t] = (double)w.i2; break;
    case RLA_IO_I4: dst[t] = (double)w.i4; break;
    case RLA_IO_I8: dst[t] = (double)w.i8; break;
    case RLA_IO_U1: dst[t] = (double)w.u1; break;
    case RLA_IO_U2: dst[t] = (double)w.u2; break;
    case RLA_IO_U4: dst[t] = (double)w.u4; break;
    case RLA_IO_U8: dst[t] = (double)w.u8; break;
    case RLA_IO_BF16: dst[t] = bfloat16(w.u2); break;
    default: dst[t] = w.u1 ? 1.0 : 0.0; break; /* bool: numpy writes 0 or 1 */
    }
  }
}
