/* SPDX-License-Identifier: BSD-3-Clause */
/* The safetensors header: 8 bytes holding the little-endian uint64 length N of a header of N
   bytes of UTF-8 JSON, an object mapping each tensor's name to {"dtype": "F32", "shape": [..],
   "data_offsets": [begin, end]} (begin and end counted from the first byte after the header),
   and an optional "__metadata__" of strings; then the tensors' data, C order, little-endian.
   Every part is checked here; the data are read as .npy data are (rla_io_read_local). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "../base/alloc.h"
#include "io_impl.h"

/* the largest header read, as the reference implementation's limit: 100 MB */
#define MAX_HEADER 100000000
/* the JSON integers taken: below 2^53, where every integer is a double */
#define MAX_COUNT 9007199254740992.0

static const struct {
  const char *code;
  int dtype;
} codes[] = {{"F64", RLA_IO_F8}, {"F32", RLA_IO_F4}, {"F16", RLA_IO_F2}, {"BF16", RLA_IO_BF16},
             {"I64", RLA_IO_I8}, {"I32", RLA_IO_I4}, {"I16", RLA_IO_I2}, {"I8", RLA_IO_I1},
             {"U64", RLA_IO_U8}, {"U32", RLA_IO_U4}, {"U16", RLA_IO_U2}, {"U8", RLA_IO_U1},
             {"BOOL", RLA_IO_B1}};

/* the rla_io_dtype of a safetensors dtype code, -1 for any other */
static int dtype_of(const char *code)
{
  for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
    if (!strcmp(code, codes[i].code)) return codes[i].dtype;
  return -1;
}

/* The length of the valid UTF-8 prefix of the n bytes at s (n when all are valid): no overlong
   forms, surrogates or code points past U+10FFFF */
static int64_t utf8_valid(const unsigned char *s, int64_t n)
{
  int64_t i = 0;
  while (i < n) {
    unsigned c = s[i];
    int len = c < 0x80             ? 1
              : (c & 0xe0) == 0xc0 ? 2
              : (c & 0xf0) == 0xe0 ? 3
              : (c & 0xf8) == 0xf0 ? 4
                                   : 0;
    uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
    if (!len || i + len > n) return i;
    for (int k = 1; k < len; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return i;
      cp = cp << 6 | (s[i + k] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return i;
    i += len;
  }
  return n;
}

/* A JSON number holding an integer in [0, 2^53): its value in *v; 0 for anything else */
static int json_count(const cJSON *j, int64_t *v)
{
  double d;
  if (!cJSON_IsNumber(j)) return 0;
  d = j->valuedouble;
  if (!(d >= 0.0 && d < MAX_COUNT) || d != floor(d)) return 0;
  *v = (int64_t)d;
  return 1;
}

/* what a JSON value that is not a count is, for messages: the number, or its kind */
static void describe(const cJSON *j, char *out, size_t len)
{
  if (cJSON_IsNumber(j))
    snprintf(out, len, "%.17g", j->valuedouble);
  else
    snprintf(out, len, "%s",
             cJSON_IsString(j)   ? "a string"
             : cJSON_IsArray(j)  ? "an array"
             : cJSON_IsObject(j) ? "an object"
             : cJSON_IsBool(j)   ? "a boolean"
                                 : "null");
}

/* "(2, 3)", "(5,)", "()" */
static void shape_text(const rla_io_st_tensor *t, char *out, size_t len)
{
  size_t k = (size_t)snprintf(out, len, "(");
  for (int i = 0; i < t->ndim && k < len; i++)
    k += (size_t)snprintf(out + k, len - k, i ? ", %lld" : "%lld", (long long)t->shape[i]);
  if (k < len) snprintf(out + k, len - k, t->ndim == 1 ? ",)" : ")");
}

/* The tensor's dtype code d in t->dtype: one of codes[]; float8 and complex types are refused
   as unsupported, any other code as unknown */
static rla_err parse_dtype(rla_ctx ctx, const char *path, const char *name, const cJSON *d,
                           rla_io_st_tensor *t)
{
  const char *c = cJSON_IsString(d) ? d->valuestring : NULL;
  RLA_CHECK(ctx, c, RLA_ERR_FORMAT, "%s: tensor '%s': \"dtype\" must be a string", path, name);
  t->dtype = dtype_of(c);
  if (t->dtype >= 0) return RLA_SUCCESS;
  RLA_CHECK(ctx, strncmp(c, "F8_", 3), RLA_ERR_FORMAT,
            "%s: tensor '%s': dtype %s (float8) is not supported: rla reads F64, F32, F16, BF16, "
            "signed and unsigned integers of 8 to 64 bits and BOOL (widened to float64); convert "
            "the tensor to F32 or BF16",
            path, name, c);
  RLA_CHECK(ctx, !(c[0] == 'C' && c[1] >= '0' && c[1] <= '9'), RLA_ERR_FORMAT,
            "%s: tensor '%s': dtype %s is complex, and rla reads real arrays: stack the real and "
            "imaginary parts as two real matrices (numpy: np.hstack([a.real, a.imag]) for "
            "columns, np.vstack for rows) and write that",
            path, name, c);
  RLA_CHECK(ctx, 0, RLA_ERR_FORMAT,
            "%s: tensor '%s': unknown dtype '%.40s' (rla reads F64, F32, F16, BF16, I64, I32, I16, "
            "I8, U64, U32, U16, U8 and BOOL)",
            path, name, c);
  return RLA_SUCCESS;
}

/* The tensor's shape s (an array of non-negative integers) in t->ndim, t->shape (allocated) and
   t->count, their product */
static rla_err parse_shape(rla_ctx ctx, const char *path, const char *name, const cJSON *s,
                           rla_io_st_tensor *t)
{
  const cJSON *e;
  int i = 0;
  RLA_CHECK(ctx, cJSON_IsArray(s), RLA_ERR_FORMAT,
            "%s: tensor '%s': \"shape\" must be an array of non-negative integers", path, name);
  t->ndim = cJSON_GetArraySize(s);
  t->count = 1;
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)(t->ndim > 0 ? t->ndim : 1), sizeof(int64_t), &t->shape));
  cJSON_ArrayForEach(e, s)
  {
    char what[48];
    describe(e, what, sizeof(what));
    RLA_CHECK(ctx, json_count(e, &t->shape[i]), RLA_ERR_FORMAT,
              "%s: tensor '%s': shape entry %d is %s: the dimensions are non-negative integers "
              "(below 2^53)",
              path, name, i, what);
    RLA_CHECK(ctx, t->shape[i] == 0 || t->count <= INT64_MAX / t->shape[i], RLA_ERR_FORMAT,
              "%s: tensor '%s': the shape's element count overflows 64-bit integers", path, name);
    t->count *= t->shape[i++];
  }
  return RLA_SUCCESS;
}

/* The tensor's data_offsets o, [begin, end] within the data bytes after the header of hlen
   bytes: t->offset (absolute) and t->bytes, which must be what its shape and dtype need */
static rla_err parse_offsets(rla_ctx ctx, const char *path, const char *name, const cJSON *o,
                             int64_t hlen, int64_t data, rla_io_st_tensor *t)
{
  int64_t b = 0, e = 0, es = rla_io_dtype_size(t->dtype);
  char shape[200];
  RLA_CHECK(ctx,
            cJSON_IsArray(o) && cJSON_GetArraySize(o) == 2 && json_count(o->child, &b) &&
                json_count(o->child->next, &e),
            RLA_ERR_FORMAT,
            "%s: tensor '%s': \"data_offsets\" must be two non-negative integers [begin, end]",
            path, name);
  RLA_CHECK(ctx, b <= e, RLA_ERR_FORMAT,
            "%s: tensor '%s': data_offsets [%lld, %lld] begin after they end", path, name,
            (long long)b, (long long)e);
  RLA_CHECK(ctx, e <= data, RLA_ERR_FORMAT,
            "%s: tensor '%s': data_offsets [%lld, %lld] end past the end of the data: the file "
            "holds %lld bytes of data after the %lld-byte header (truncated?)",
            path, name, (long long)b, (long long)e, (long long)data, (long long)hlen);
  shape_text(t, shape, sizeof(shape));
  RLA_CHECK(ctx, t->count <= INT64_MAX / es && e - b == t->count * es, RLA_ERR_FORMAT,
            "%s: tensor '%s': data_offsets [%lld, %lld] hold %lld bytes, but shape %s of %s "
            "needs %lld elements of %lld bytes",
            path, name, (long long)b, (long long)e, (long long)(e - b), shape,
            rla_io_dtype_name(t->dtype), (long long)t->count, (long long)es);
  t->offset = 8 + hlen + b;
  t->bytes = e - b;
  return RLA_SUCCESS;
}

/* One tensor's entry j (the name t->name), checked */
static rla_err parse_tensor(rla_ctx ctx, const char *path, const cJSON *j, int64_t hlen,
                            int64_t data, rla_io_st_tensor *t)
{
  const char *name = j->string;
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "dtype");
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "shape");
  const cJSON *o = cJSON_GetObjectItemCaseSensitive(j, "data_offsets");
  RLA_CALL(ctx, rla_strdup(ctx, name, &t->name));
  RLA_CHECK(ctx, cJSON_IsObject(j), RLA_ERR_FORMAT,
            "%s: tensor '%s': its entry must be an object with \"dtype\", \"shape\" and "
            "\"data_offsets\"",
            path, name);
  RLA_CHECK(ctx, d && s && o, RLA_ERR_FORMAT, "%s: tensor '%s': no \"%s\" in its entry", path, name,
            !d   ? "dtype"
            : !s ? "shape"
                 : "data_offsets");
  RLA_CALL(ctx, parse_dtype(ctx, path, name, d, t));
  RLA_CALL(ctx, parse_shape(ctx, path, name, s, t));
  RLA_CALL(ctx, parse_offsets(ctx, path, name, o, hlen, data, t));
  return RLA_SUCCESS;
}

/* "__metadata__": an object of strings */
static rla_err check_metadata(rla_ctx ctx, const char *path, const cJSON *m)
{
  const cJSON *e;
  RLA_CHECK(ctx, cJSON_IsObject(m), RLA_ERR_FORMAT,
            "%s: \"__metadata__\" must be an object of strings", path);
  cJSON_ArrayForEach(e, m)
  {
    RLA_CHECK(ctx, cJSON_IsString(e), RLA_ERR_FORMAT,
              "%s: \"__metadata__\" entry '%s' is not a string", path, e->string);
  }
  return RLA_SUCCESS;
}

/* a tensor's place in the sorts of check_distinct: sorted copies, no global state */
typedef struct {
  const char *name;
  int64_t offset, bytes, i;
} place;

/* by name, then by position */
static int cmp_name(const void *a, const void *b)
{
  const place *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* by data offset, then size, then position */
static int cmp_offset(const void *a, const void *b)
{
  const place *x = a, *y = b;
  if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
  if (x->bytes != y->bytes) return x->bytes < y->bytes ? -1 : 1;
  return (x->i > y->i) - (x->i < y->i);
}

/* No name twice and no byte in two tensors (empty tensors hold none): sorted by name, then by
   offset (p: n entries of scratch; base: the data's offset in the file) */
static rla_err check_distinct(rla_ctx ctx, const char *path, const rla_io_st_tensor *t, int64_t n,
                              int64_t base, place *p)
{
  const place *last = NULL;
  for (int64_t i = 0; i < n; i++)
    p[i] = (place){t[i].name, t[i].offset, t[i].bytes, i};
  qsort(p, (size_t)n, sizeof(place), cmp_name);
  for (int64_t i = 1; i < n; i++)
    RLA_CHECK(ctx, strcmp(p[i - 1].name, p[i].name), RLA_ERR_FORMAT,
              "%s: tensor '%s' appears twice in the header", path, p[i].name);
  qsort(p, (size_t)n, sizeof(place), cmp_offset);
  for (int64_t i = 0; i < n; i++) {
    if (p[i].bytes == 0) continue;
    RLA_CHECK(ctx, !last || p[i].offset >= last->offset + last->bytes, RLA_ERR_FORMAT,
              "%s: tensors '%s' and '%s' overlap: their data_offsets are [%lld, %lld] and [%lld, "
              "%lld]",
              path, last->name, p[i].name, (long long)(last->offset - base),
              (long long)(last->offset + last->bytes - base), (long long)(p[i].offset - base),
              (long long)(p[i].offset + p[i].bytes - base));
    last = &p[i];
  }
  return RLA_SUCCESS;
}

/* The 8-byte prefix and the header text (allocated, terminated) of the open file fd of size
   bytes, checked: its length in *hlen */
static rla_err read_text(rla_ctx ctx, const char *path, int fd, int64_t size, char **text,
                         int64_t *hlen)
{
  unsigned char pre[8];
  uint64_t n = 0;
  int64_t ok;
  RLA_CHECK(ctx, size >= 8, RLA_ERR_FORMAT,
            "%s: not a safetensors file: %lld bytes, fewer than the 8 of the header's length", path,
            (long long)size);
  RLA_CALL(ctx, rla_io_pread(ctx, fd, 0, pre, 8, path));
  for (int b = 7; b >= 0; b--)
    n = n << 8 | pre[b];
  RLA_CHECK(ctx, n > 0, RLA_ERR_FORMAT,
            "%s: bad safetensors header: its length is 0 (the header is a JSON object)", path);
  RLA_CHECK(ctx, n <= MAX_HEADER, RLA_ERR_FORMAT,
            "%s: bad safetensors header: its length field says %llu bytes, over the limit of %d "
            "(not a safetensors file?)",
            path, (unsigned long long)n, MAX_HEADER);
  RLA_CHECK(ctx, (int64_t)n <= size - 8, RLA_ERR_FORMAT,
            "%s: truncated safetensors header: its length field says %lld bytes but the file "
            "ends %lld bytes after the 8-byte length",
            path, (long long)n, (long long)(size - 8));
  *hlen = (int64_t)n;
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)n + 1, 1, text));
  RLA_CALL(ctx, rla_io_pread(ctx, fd, 8, *text, *hlen, path));
  ok = utf8_valid((const unsigned char *)*text, *hlen);
  RLA_CHECK(ctx, ok == *hlen, RLA_ERR_FORMAT,
            "%s: bad safetensors header: not UTF-8 (byte %lld of the header)", path, (long long)ok);
  return RLA_SUCCESS;
}

/* The header text (hlen bytes) as a JSON object in *root (cJSON_Delete it); trailing white
   space is allowed (writers pad the header with spaces) */
static rla_err parse_json(rla_ctx ctx, const char *path, const char *text, int64_t hlen,
                          cJSON **root)
{
  const char *end = NULL;
  *root = cJSON_ParseWithLengthOpts(text, (size_t)hlen, &end, 0);
  if (!*root) {
    int64_t at = end && end >= text && end <= text + hlen ? end - text : 0;
    RLA_CHECK(ctx, 0, RLA_ERR_FORMAT,
              "%s: bad safetensors header: not valid JSON (at byte %lld of %lld: '%.20s')", path,
              (long long)at, (long long)hlen, text + at);
  }
  while (end && end < text + hlen && strchr(" \t\r\n", *end) && *end)
    end++;
  RLA_CHECK(ctx, end == text + hlen, RLA_ERR_FORMAT,
            "%s: bad safetensors header: not valid JSON (text after its end at byte %lld of %lld)",
            path, (long long)(end ? end - text : 0), (long long)hlen);
  RLA_CHECK(ctx, cJSON_IsObject(*root), RLA_ERR_FORMAT,
            "%s: bad safetensors header: the JSON is not an object of tensors", path);
  return RLA_SUCCESS;
}

/* The tensors of the header object root, in its order, into *t (*n entries) */
static rla_err parse_tensors(rla_ctx ctx, const char *path, const cJSON *root, int64_t hlen,
                             int64_t data, rla_io_st_tensor **t, int64_t *n)
{
  const cJSON *e;
  int64_t count = 0;
  place *idx = NULL;
  rla_err err;
  cJSON_ArrayForEach(e, root) count += strcmp(e->string, "__metadata__") != 0;
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)(count > 0 ? count : 1), sizeof(**t), t));
  cJSON_ArrayForEach(e, root)
  {
    if (!strcmp(e->string, "__metadata__")) {
      RLA_CALL(ctx, check_metadata(ctx, path, e));
      continue;
    }
    RLA_CALL(ctx, parse_tensor(ctx, path, e, hlen, data, &(*t)[(*n)++]));
  }
  RLA_CALL(ctx, rla_calloc(ctx, (size_t)(count > 0 ? count : 1), sizeof(place), &idx));
  err = check_distinct(ctx, path, *t, *n, 8 + hlen, idx);
  rla_free(&idx);
  return err;
}

rla_err rla_io_safetensors_header(rla_ctx ctx, const char *path, rla_io_st_tensor **tensors,
                                  int64_t *count)
{
  int fd = -1;
  int64_t size, hlen = 0;
  char *text = NULL;
  cJSON *root = NULL;
  rla_err err;
  *tensors = NULL;
  *count = 0;
  RLA_CALL(ctx, rla_io_open_fd(ctx, path, &fd, &size));
  err = read_text(ctx, path, fd, size, &text, &hlen);
  close(fd);
  if (!err) err = parse_json(ctx, path, text, hlen, &root);
  if (!err) err = parse_tensors(ctx, path, root, hlen, size - 8 - hlen, tensors, count);
  cJSON_Delete(root);
  rla_free(&text);
  if (err) {
    rla_io_safetensors_free(*count, tensors);
    *count = 0;
    return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  }
  return RLA_SUCCESS;
}

void rla_io_safetensors_free(int64_t count, rla_io_st_tensor **tensors)
{
  if (!tensors || !*tensors) return;
  for (int64_t i = 0; i < count; i++) {
    rla_free(&(*tensors)[i].name);
    rla_free(&(*tensors)[i].shape);
  }
  rla_free(tensors);
}
