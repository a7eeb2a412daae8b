/* SPDX-License-Identifier: BSD-3-Clause */
/* Matrix Market text files (math.nist.gov/MatrixMarket/formats.html): rank 0 parses the banner,
   the size line and the entries ("array": column-major values; "coordinate": 1-based triplets,
   duplicates summed) and sends them to the owners of their rows in rounds of a bounded number
   of entries (one scatter each), so no rank holds more than its rows plus one round; the owner
   takes each round's entries in file order: the dense reader adds them into its zeroed rows,
   the sparse one (sparse.c) keeps them for its CSR arrays. The writer gathers to rank 0 and
   writes "array real general" with the shortest decimal that reads back exactly. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../base/alloc.h"
#include "io_impl.h"

#define BANNER_FORM                                                                                \
  "'%%%%MatrixMarket matrix coordinate|array real|integer|pattern "                                \
  "general|symmetric|skew-symmetric'"
/* entries the writer accepts: 2^27 values are about 3 GB of text */
#define MAX_WRITE_ENTRIES ((int64_t)1 << 27)
#define MAX_TOKENS        64

enum { FIELD_REAL, FIELD_INTEGER, FIELD_PATTERN };
enum { SYM_GENERAL, SYM_SYMMETRIC, SYM_SKEW };

struct reader {
  rla_ctx ctx;
  const char *path;
  FILE *f;
  char *line, *copy; /* the current line, and a copy kept whole for messages */
  size_t cap;
  int64_t copy_cap;
  int64_t lineno;
  char *tok[MAX_TOKENS];
  int ntok; /* tokens on the line (may exceed MAX_TOKENS; only the first are kept) */
  int coordinate, field, symmetry;
  int sparse; /* the sparse reader's rules (see rla_io_mm_scatter) */
  int64_t m, n, nnz, size_line;
};

typedef rla_io_mm_entry mm_entry;

/* Every rank's side of the rounds: the buffer of a round and what takes its entries. */
struct taker {
  mm_entry *recv; /* cap entries */
  rla_io_mm_take_fn take;
  void *data;
  rla_err err; /* the first failure of take; later rounds are received and dropped */
};

/* Rank 0's side of the rounds: entries parsed and not yet sent, with the row split. */
struct sink {
  rla_ctx ctx;
  struct taker *tk;
  int sparse;                  /* keys (i - row0) n + j, else (i - row0) + j rows */
  int64_t cols;                /* n */
  int64_t *row0, *rows, *fill; /* per rank: first row, row count, entries placed in a round */
  int *bytes, *displs;         /* per rank, of a round */
  int64_t *ij;                 /* cap pairs (i, j), 0-based */
  double *v;                   /* cap values */
  int *own;                    /* cap owners */
  mm_entry *out;               /* cap entries, ordered by owner */
  int64_t n, cap;
};

/* the next line, split into tokens, and *more = 1; *more = 0 at the end of the file */
static rla_err next_line(struct reader *r, int *more)
{
  ssize_t len = getline(&r->line, &r->cap, r->f);
  char *save = NULL, *t;
  *more = len >= 0;
  if (len < 0) return RLA_SUCCESS;
  r->lineno++;
  while (len > 0 && (r->line[len - 1] == '\n' || r->line[len - 1] == '\r'))
    r->line[--len] = '\0';
  RLA_CALL(r->ctx, rla_grow(r->ctx, &r->copy, &r->copy_cap, (int64_t)len + 1, 1));
  memcpy(r->copy, r->line, (size_t)len + 1);
  r->ntok = 0;
  for (t = strtok_r(r->line, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
    if (r->ntok < MAX_TOKENS) r->tok[r->ntok] = t;
    r->ntok++;
  }
  return RLA_SUCCESS;
}

/* the next line that is neither blank nor a comment, and *more = 1; *more = 0 at the end */
static rla_err next_content(struct reader *r, int *more)
{
  do
    RLA_CALL(r->ctx, next_line(r, more));
  while (*more && (r->ntok == 0 || r->tok[0][0] == '%'));
  return RLA_SUCCESS;
}

static const char *whole_line(const struct reader *r) { return r->copy ? r->copy : ""; }

static int parse_int(const char *t, int64_t *v)
{
  char *end;
  long long x;
  errno = 0;
  x = strtoll(t, &end, 10);
  if (end == t || *end || errno == ERANGE) return 0;
  *v = x;
  return 1;
}

static int parse_real(const char *t, double *v)
{
  char *end;
  *v = strtod(t, &end); /* ERANGE on underflow still gives the right subnormal or zero */
  return end != t && *end == '\0';
}

static rla_err parse_banner(struct reader *r)
{
  rla_ctx ctx = r->ctx;
  const char *path = r->path;
  int more;
  RLA_CALL(ctx, next_line(r, &more));
  RLA_CHECK(ctx, more, RLA_ERR_FORMAT, "%s: empty file: expected the banner " BANNER_FORM, path);
  RLA_CHECK(ctx, r->ntok >= 5 && !strcasecmp(r->tok[0], "%%MatrixMarket"), RLA_ERR_FORMAT,
            "%s:1: bad banner \"%.100s\": expected " BANNER_FORM, path, whole_line(r));
  RLA_CHECK(ctx, !strcasecmp(r->tok[1], "matrix"), RLA_ERR_FORMAT,
            "%s:1: bad banner: object '%s' is not supported, expected 'matrix'", path, r->tok[1]);
  if (!strcasecmp(r->tok[2], "coordinate"))
    r->coordinate = 1;
  else
    RLA_CHECK(ctx, !strcasecmp(r->tok[2], "array"), RLA_ERR_FORMAT,
              "%s:1: bad banner: format '%s', expected 'coordinate' or 'array'", path, r->tok[2]);
  RLA_CHECK(ctx, strcasecmp(r->tok[3], "complex") != 0, RLA_ERR_FORMAT,
            "%s:1: complex matrices (field 'complex') are not supported: rla reads real ones",
            path);
  if (!strcasecmp(r->tok[3], "real") || !strcasecmp(r->tok[3], "double"))
    r->field = FIELD_REAL;
  else if (!strcasecmp(r->tok[3], "integer"))
    r->field = FIELD_INTEGER;
  else if (!strcasecmp(r->tok[3], "pattern"))
    r->field = FIELD_PATTERN;
  else
    RLA_CHECK(ctx, 0, RLA_ERR_FORMAT,
              "%s:1: bad banner: field '%s', expected 'real', 'integer' or 'pattern'", path,
              r->tok[3]);
  RLA_CHECK(ctx, r->coordinate || r->field != FIELD_PATTERN, RLA_ERR_FORMAT,
            "%s:1: bad banner: field 'pattern' needs the 'coordinate' format", path);
  if (!strcasecmp(r->tok[4], "general"))
    r->symmetry = SYM_GENERAL;
  else if (!strcasecmp(r->tok[4], "symmetric"))
    r->symmetry = SYM_SYMMETRIC;
  else if (!strcasecmp(r->tok[4], "skew-symmetric"))
    r->symmetry = SYM_SKEW;
  else
    RLA_CHECK(
        ctx, 0, RLA_ERR_FORMAT,
        "%s:1: bad banner: symmetry '%s' is not supported, expected 'general', 'symmetric' or "
        "'skew-symmetric'",
        path, r->tok[4]);
  RLA_CHECK(ctx, r->ntok == 5, RLA_ERR_FORMAT,
            "%s:1: bad banner: unexpected '%s' after the symmetry", path, r->tok[5]);
  return RLA_SUCCESS;
}

static rla_err parse_sizes(struct reader *r)
{
  rla_ctx ctx = r->ctx;
  const char *path = r->path, *form = r->coordinate ? "rows columns entries" : "rows columns";
  int want = r->coordinate ? 3 : 2;
  int64_t v[3] = {0, 0, 0};
  int more;
  RLA_CALL(ctx, next_content(r, &more));
  RLA_CHECK(ctx, more, RLA_ERR_FORMAT,
            "%s:%lld: missing size line '%s': the file ends after the banner and comments", path,
            (long long)r->lineno, form);
  r->size_line = r->lineno;
  RLA_CHECK(ctx, r->ntok == want, RLA_ERR_FORMAT,
            "%s:%lld: bad size line \"%.100s\": expected '%s'", path, (long long)r->lineno,
            whole_line(r), form);
  for (int k = 0; k < want; k++)
    RLA_CHECK(
        ctx, parse_int(r->tok[k], &v[k]) && v[k] >= 0, RLA_ERR_FORMAT,
        "%s:%lld: bad size line \"%.100s\": '%s' is not a non-negative integer (expected '%s')",
        path, (long long)r->lineno, whole_line(r), r->tok[k], form);
  r->m = v[0];
  r->n = v[1];
  r->nnz = v[2];
  RLA_CHECK(ctx, r->m <= INT_MAX && r->n <= INT_MAX, RLA_ERR_UNSUPPORTED,
            "%s:%lld: %lld x %lld exceeds 2^31-1 rows or columns, the ScaLAPACK limit", path,
            (long long)r->lineno, (long long)r->m, (long long)r->n);
  RLA_CHECK(ctx, r->symmetry == SYM_GENERAL || r->m == r->n, RLA_ERR_FORMAT,
            "%s:%lld: a %s matrix must be square, got %lld x %lld", path, (long long)r->lineno,
            r->symmetry == SYM_SKEW ? "skew-symmetric" : "symmetric", (long long)r->m,
            (long long)r->n);
  /* m, n < 2^31: the product fits */
  RLA_CHECK(ctx, !r->sparse || r->nnz <= r->m * r->n, RLA_ERR_FORMAT,
            "%s:%lld: bad size line \"%.100s\": %lld entries announced, more than the %lld x %lld "
            "matrix holds",
            path, (long long)r->lineno, whole_line(r), (long long)r->nnz, (long long)r->m,
            (long long)r->n);
  return RLA_SUCCESS;
}

/* non-finite values stop here, with the line, before the matrix-wide check */
static rla_err parse_value(struct reader *r, const char *t, int64_t i, int64_t j, double *v)
{
  rla_ctx ctx = r->ctx;
  if (r->field == FIELD_INTEGER) {
    int64_t x;
    RLA_CHECK(ctx, parse_int(t, &x), RLA_ERR_FORMAT,
              "%s:%lld: '%s' is not an integer (field 'integer')", r->path, (long long)r->lineno,
              t);
    *v = (double)x;
    return RLA_SUCCESS;
  }
  RLA_CHECK(ctx, parse_real(t, v), RLA_ERR_FORMAT, "%s:%lld: '%s' is not a number", r->path,
            (long long)r->lineno, t);
  RLA_CHECK(ctx, isfinite(*v), RLA_ERR_VALUE,
            "%s:%lld: non-finite value '%s' at row %lld, column %lld (1-based)", r->path,
            (long long)r->lineno, t, (long long)i + 1, (long long)j + 1);
  return RLA_SUCCESS;
}

void rla_io_mm_add(double *p, double v)
{
  if (*p == 0.0 && !signbit(*p))
    *p = v;
  else
    *p += v;
}

/* One round on every rank: rank 0's header {status, done} (a non-zero status is rank 0's error:
   nothing follows), then each rank's entries (s->out ordered by owner, rank 0 only) handed to
   its taker in the order they came. Collective. */
static rla_err round_exchange(rla_ctx ctx, struct taker *tk, int64_t hdr[2], const struct sink *s)
{
  MPI_Comm comm = rla_ctx_comm(ctx);
  int root = rla_ctx_rank(ctx) == 0, bytes = 0;
  RLA_MPI(ctx, MPI_Bcast(hdr, 2, MPI_INT64_T, 0, comm));
  if (hdr[0]) return RLA_SUCCESS;
  RLA_MPI(ctx, MPI_Scatter(root ? s->bytes : NULL, 1, MPI_INT, &bytes, 1, MPI_INT, 0, comm));
  RLA_MPI(ctx, MPI_Scatterv(root ? s->out : NULL, root ? s->bytes : NULL, root ? s->displs : NULL,
                            MPI_BYTE, tk->recv, bytes, MPI_BYTE, 0, comm));
  if (!tk->err && bytes)
    tk->err = tk->take(ctx, tk->recv, bytes / (int64_t)sizeof(mm_entry), tk->data);
  return RLA_SUCCESS;
}

/* rank 0: send the entries parsed so far (status 0), or end the rounds with rank 0's error
   (status != 0); done marks the last round. Collective (the other ranks are in their loop). */
static rla_err flush(struct sink *s, rla_err status, int done)
{
  int P = rla_ctx_size(s->ctx);
  int64_t hdr[2] = {status, done}, off = 0;
  if (!status) {
    for (int o = 0; o < P; o++)
      s->fill[o] = 0;
    for (int64_t k = 0; k < s->n; k++) {
      int64_t i = s->ij[2 * k];
      int lo = 0, hi = P - 1;
      while (lo < hi) { /* the last rank whose first row is at most i (ranks hold row ranges) */
        int mid = (lo + hi + 1) / 2;
        if (s->row0[mid] <= i)
          lo = mid;
        else
          hi = mid - 1;
      }
      while (lo > 0 && s->rows[lo] == 0)
        lo--;
      s->own[k] = lo;
      s->fill[lo]++;
    }
    for (int o = 0; o < P; o++) { /* counts to offsets, in entries */
      int64_t c = s->fill[o];
      s->displs[o] = (int)(off * (int64_t)sizeof(mm_entry));
      s->bytes[o] = (int)(c * (int64_t)sizeof(mm_entry));
      s->fill[o] = off;
      off += c;
    }
    /* a stable counting sort: every owner gets its entries in file order */
    for (int64_t k = 0; k < s->n; k++) {
      int o = s->own[k];
      mm_entry *e = s->out + s->fill[o]++;
      int64_t i = s->ij[2 * k] - s->row0[o], j = s->ij[2 * k + 1];
      e->pos = s->sparse ? i * s->cols + j : i + j * s->rows[o];
      e->v = s->v[k];
    }
  }
  s->n = 0;
  return round_exchange(s->ctx, s->tk, hdr, s);
}

/* rank 0: one entry (0-based i, j) for the owner of row i; a full round is sent */
static rla_err sink_put(struct sink *s, int64_t i, int64_t j, double v)
{
  s->ij[2 * s->n] = i;
  s->ij[2 * s->n + 1] = j;
  s->v[s->n++] = v;
  if (s->n == s->cap) return flush(s, RLA_SUCCESS, 0);
  return RLA_SUCCESS;
}

static rla_err parse_coordinate(struct reader *r, struct sink *sk)
{
  rla_ctx ctx = r->ctx;
  const char *path = r->path;
  int want = r->field == FIELD_PATTERN ? 2 : 3, more;
  for (int64_t e = 0; e < r->nnz; e++) {
    int64_t i, j;
    double v = 1.0;
    RLA_CALL(ctx, next_content(r, &more));
    RLA_CHECK(
        ctx, more, RLA_ERR_FORMAT,
        "%s:%lld: wrong entry count: the file ends after %lld of the %lld entries announced on "
        "line %lld",
        path, (long long)r->lineno, (long long)e, (long long)r->nnz, (long long)r->size_line);
    RLA_CHECK(ctx, r->ntok >= want, RLA_ERR_FORMAT, "%s:%lld: expected '%s', found \"%.100s\"",
              path, (long long)r->lineno, want == 2 ? "row column" : "row column value",
              whole_line(r));
    RLA_CHECK(ctx, r->ntok == want, RLA_ERR_FORMAT, "%s:%lld: unexpected '%s' after the entry",
              path, (long long)r->lineno, r->tok[want]);
    RLA_CHECK(ctx, parse_int(r->tok[0], &i), RLA_ERR_FORMAT,
              "%s:%lld: row index '%s' is not an integer", path, (long long)r->lineno, r->tok[0]);
    RLA_CHECK(ctx, parse_int(r->tok[1], &j), RLA_ERR_FORMAT,
              "%s:%lld: column index '%s' is not an integer", path, (long long)r->lineno,
              r->tok[1]);
    RLA_CHECK(
        ctx, i >= 1 && i <= r->m && j >= 1 && j <= r->n, RLA_ERR_FORMAT,
        "%s:%lld: entry (%lld, %lld) is out of range for the %lld x %lld matrix (indices start "
        "at 1)",
        path, (long long)r->lineno, (long long)i, (long long)j, (long long)r->m, (long long)r->n);
    i--;
    j--;
    RLA_CHECK(ctx, !r->sparse || r->symmetry == SYM_GENERAL || i >= j, RLA_ERR_FORMAT,
              "%s:%lld: entry (%lld, %lld) lies above the diagonal of a %s matrix, whose file "
              "holds the lower triangle only",
              path, (long long)r->lineno, (long long)i + 1, (long long)j + 1,
              r->symmetry == SYM_SKEW ? "skew-symmetric" : "symmetric");
    /* the dense reader refuses any diagonal entry, the sparse one a nonzero one (below) */
    RLA_CHECK(ctx, r->sparse || r->symmetry != SYM_SKEW || i != j, RLA_ERR_FORMAT,
              "%s:%lld: entry (%lld, %lld) on the diagonal of a skew-symmetric matrix", path,
              (long long)r->lineno, (long long)i + 1, (long long)j + 1);
    if (want == 3) RLA_CALL(ctx, parse_value(r, r->tok[2], i, j, &v));
    RLA_CHECK(ctx, r->symmetry != SYM_SKEW || i != j || v == 0.0, RLA_ERR_FORMAT,
              "%s:%lld: entry (%lld, %lld) = %s on the diagonal of a skew-symmetric matrix, whose "
              "diagonal is zero",
              path, (long long)r->lineno, (long long)i + 1, (long long)j + 1,
              want == 3 ? r->tok[2] : "1 (pattern)");
    RLA_CALL(ctx, sink_put(sk, i, j, v));
    if (i != j && r->symmetry == SYM_SYMMETRIC) RLA_CALL(ctx, sink_put(sk, j, i, v));
    if (i != j && r->symmetry == SYM_SKEW) RLA_CALL(ctx, sink_put(sk, j, i, -v));
  }
  RLA_CALL(ctx, next_content(r, &more));
  RLA_CHECK(ctx, !more, RLA_ERR_FORMAT,
            "%s:%lld: wrong entry count: more entries than the %lld announced on line %lld", path,
            (long long)r->lineno, (long long)r->nnz, (long long)r->size_line);
  return RLA_SUCCESS;
}

static rla_err parse_array(struct reader *r, struct sink *sk)
{
  rla_ctx ctx = r->ctx;
  const char *path = r->path;
  int64_t m = r->m, n = r->n, total, k = 0, i = 0, j = 0;
  int more;
  if (r->symmetry == SYM_SYMMETRIC) {
    total = n * (n + 1) / 2;
  } else if (r->symmetry == SYM_SKEW) {
    total = n * (n - 1) / 2;
    i = 1;
  } else {
    total = m * n;
  }
  while (k < total) {
    RLA_CALL(ctx, next_content(r, &more));
    RLA_CHECK(
        ctx, more, RLA_ERR_FORMAT,
        "%s:%lld: wrong entry count: the file ends after %lld of the %lld values announced on "
        "line %lld",
        path, (long long)r->lineno, (long long)k, (long long)total, (long long)r->size_line);
    RLA_CHECK(ctx, r->ntok <= MAX_TOKENS, RLA_ERR_FORMAT,
              "%s:%lld: more than %d values on one line", path, (long long)r->lineno, MAX_TOKENS);
    RLA_CHECK(ctx, r->ntok <= total - k, RLA_ERR_FORMAT,
              "%s:%lld: wrong entry count: more values than the %lld announced on line %lld", path,
              (long long)r->lineno, (long long)total, (long long)r->size_line);
    for (int t = 0; t < r->ntok; t++, k++) {
      double v;
      RLA_CALL(ctx, parse_value(r, r->tok[t], i, j, &v));
      RLA_CALL(ctx, sink_put(sk, i, j, v));
      if (i != j && r->symmetry == SYM_SYMMETRIC) RLA_CALL(ctx, sink_put(sk, j, i, v));
      if (r->symmetry == SYM_SKEW) RLA_CALL(ctx, sink_put(sk, j, i, -v));
      if (++i == m) { /* next column: its stored part starts at the diagonal (or below) */
        j++;
        i = r->symmetry == SYM_GENERAL ? 0 : r->symmetry == SYM_SYMMETRIC ? j : j + 1;
      }
    }
  }
  RLA_CALL(ctx, next_content(r, &more));
  RLA_CHECK(ctx, !more, RLA_ERR_FORMAT,
            "%s:%lld: wrong entry count: more values than the %lld announced on line %lld", path,
            (long long)r->lineno, (long long)total, (long long)r->size_line);
  return RLA_SUCCESS;
}

/* banner and sizes, and with a sink the entries too (sent to their owners) */
static rla_err parse(rla_ctx ctx, const char *path, rla_io_info *info, struct sink *sk)
{
  struct reader r;
  int64_t size;
  rla_err err = RLA_SUCCESS;
  memset(&r, 0, sizeof(r));
  r.ctx = ctx;
  r.path = path;
  r.sparse = sk ? sk->sparse : 0;
  RLA_CALL(ctx, rla_io_open_local(ctx, path, &r.f, &size));
  RLA_CALL_GOTO(ctx, err, done, parse_banner(&r));
  RLA_CALL_GOTO(ctx, err, done, parse_sizes(&r));
  if (info) {
    memset(info, 0, sizeof(*info));
    info->m = r.m;
    info->n = r.n;
    info->nz = r.nnz;
    info->sparse = r.coordinate;
    info->bytes = size;
  }
  if (sk) {
    if (r.coordinate)
      RLA_CALL_GOTO(ctx, err, done, parse_coordinate(&r, sk));
    else
      RLA_CALL_GOTO(ctx, err, done, parse_array(&r, sk));
  }
  RLA_CHECK_GOTO(ctx, err, done, !ferror(r.f), RLA_ERR_FILE, "%s: read error", path);
done:
  fclose(r.f);
  free(r.line); /* getline's */
  rla_free(&r.copy);
  return err;
}

rla_err rla_io_mm_header(rla_ctx ctx, const char *path, rla_io_info *info)
{
  RLA_CALL(ctx, parse(ctx, path, info, NULL));
  return RLA_SUCCESS;
}

/* entries per round: RLA_IO_CHUNK_BYTES / 32 (rank 0 holds 40 bytes per entry of a round, the
   other ranks 16; 2 Mi entries by default), at most the size of the matrix (for the sparse
   reader also at most the entries the file announces or could hold, an entry taking at least 4
   bytes ("i j\n"), twice for the mirrored ones), at least 16 */
static int64_t round_entries(const rla_io_info *info, int sparse)
{
  int64_t c = rla_io_chunk_bytes() / 32;
  if (info->m > 0 && info->n > 0 && c > info->m * info->n) c = info->m * info->n;
  if (sparse && c > 2 * info->nz) c = 2 * info->nz;
  if (sparse && c > info->bytes / 2) c = info->bytes / 2;
  return c < 16 ? 16 : c;
}

/* rank 0's arrays of the rounds */
static rla_err sink_alloc(rla_ctx ctx, struct sink *s, int64_t cap)
{
  size_t p = (size_t)rla_ctx_size(ctx);
  rla_err err = rla_calloc(ctx, p, sizeof(int64_t), &s->row0);
  if (!err) err = rla_calloc(ctx, p, sizeof(int64_t), &s->rows);
  if (!err) err = rla_calloc(ctx, p, sizeof(int64_t), &s->fill);
  if (!err) err = rla_calloc(ctx, p, sizeof(int), &s->bytes);
  if (!err) err = rla_calloc(ctx, p, sizeof(int), &s->displs);
  if (!err) err = rla_calloc(ctx, (size_t)(2 * cap), sizeof(int64_t), &s->ij);
  if (!err) err = rla_calloc(ctx, (size_t)cap, sizeof(double), &s->v);
  if (!err) err = rla_calloc(ctx, (size_t)cap, sizeof(int), &s->own);
  if (!err) err = rla_calloc(ctx, (size_t)cap, sizeof(mm_entry), &s->out);
  return err;
}

static void sink_free(struct sink *s)
{
  rla_free(&s->row0);
  rla_free(&s->rows);
  rla_free(&s->fill);
  rla_free(&s->bytes);
  rla_free(&s->displs);
  rla_free(&s->ij);
  rla_free(&s->v);
  rla_free(&s->own);
  rla_free(&s->out);
}

rla_err rla_io_mm_scatter(rla_ctx ctx, const char *path, const rla_io_info *info, int64_t mb,
                          int sparse, rla_io_mm_take_fn take, void *data)
{
  int P = rla_ctx_size(ctx);
  int64_t cap = round_entries(info, sparse), hdr[2] = {0, 0};
  struct sink s;
  struct taker tk = {NULL, take, data, RLA_SUCCESS};
  rla_err err, perr = RLA_SUCCESS;
  memset(&s, 0, sizeof(s));
  err = rla_calloc(ctx, (size_t)cap, sizeof(mm_entry), &tk.recv);
  if (!err && rla_ctx_rank(ctx) == 0) err = sink_alloc(ctx, &s, cap);
  RLA_CALL_GOTO(ctx, err, done, rla_ctx_agree(ctx, err));
  if (rla_ctx_rank(ctx) == 0) {
    for (int o = 0; o < P; o++) { /* rank o's rows [o mb, (o + 1) mb), cut at m */
      s.row0[o] = (int64_t)o * mb < info->m ? (int64_t)o * mb : info->m;
      s.rows[o] = info->m - s.row0[o] < mb ? info->m - s.row0[o] : mb;
    }
    s.ctx = ctx;
    s.tk = &tk;
    s.sparse = sparse;
    s.cols = info->n;
    s.cap = cap;
    perr = parse(ctx, path, NULL, &s);
    /* the last round: the entries still held, or rank 0's error (which ends the others' loop) */
    err = flush(&s, perr, 1);
  } else {
    do
      err = round_exchange(ctx, &tk, hdr, NULL);
    while (!err && !hdr[0] && !hdr[1]);
  }
  err = rla_ctx_agree(ctx, perr ? perr : err ? err : tk.err);
done:
  rla_free(&tk.recv);
  sink_free(&s);
  if (err) return rla_error_trace(ctx, err, __func__, __FILE__, __LINE__);
  return RLA_SUCCESS;
}

/* the dense reader's taker: each entry added into the zeroed local rows of A */
static rla_err add_dense(rla_ctx ctx, const mm_entry *e, int64_t count, void *data)
{
  rla_dmat A = data;
  int64_t lm, lld;
  double *a;
  (void)ctx;
  rla_dmat_local(A, &a, &lm, NULL, &lld);
  for (int64_t k = 0; k < count; k++)
    rla_io_mm_add(a + e[k].pos % lm + (e[k].pos / lm) * lld, e[k].v);
  return RLA_SUCCESS;
}

rla_err rla_io_mm_read(rla_ctx ctx, const char *path, const rla_io_info *info, rla_dmat A)
{
  int64_t lm, ln, lld, mb;
  double *a;
  /* the entries are added into zeroed rows */
  rla_dmat_local(A, &a, &lm, &ln, &lld);
  for (int64_t j = 0; j < ln && lm > 0; j++)
    memset(a + j * lld, 0, sizeof(double) * (size_t)lm);
  rla_dmat_rank_rows(A, 0, NULL, &mb); /* every rank but the last holds mb rows (or m) */
  RLA_CALL(ctx, rla_io_mm_scatter(ctx, path, info, mb, 0, add_dense, A));
  return RLA_SUCCESS;
}

void rla_io_format_double(char *buf, size_t len, double v)
{
  for (int p = 15; p <= 17; p++) {
    snprintf(buf, len, "%.*g", p, v);
    if (strtod(buf, NULL) == v) return;
  }
}

rla_err rla_io_mm_write(rla_dmat A, const char *path, unsigned flags)
{
  rla_ctx ctx = rla_dmat_ctx(A);
  int64_t m, n;
  double *full = NULL;
  rla_err err = RLA_SUCCESS;
  (void)flags; /* a vector is an m x 1 array either way */

  rla_dmat_sizes(A, &m, &n);
  RLA_CHECK(
      ctx, m * n <= MAX_WRITE_ENTRIES, RLA_ERR_UNSUPPORTED,
      "%s: a %lld x %lld matrix is too large for Matrix Market output (at most 2^27 entries): "
      "write .npy or PETSc binary instead",
      path, (long long)m, (long long)n);
  if (rla_ctx_rank(ctx) == 0) err = rla_calloc(ctx, (size_t)(m * n), sizeof(double), &full);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  err = rla_dmat_gather(A, 0, full);
  if (!err && rla_ctx_rank(ctx) == 0) {
    rla_atomic_file af;
    err = rla_atomic_open(ctx, path, &af);
    if (!err) {
      char num[40];
      fprintf(af.f, "%%%%MatrixMarket matrix array real general\n%lld %lld\n", (long long)m,
              (long long)n);
      for (int64_t k = 0; k < m * n; k++) {
        rla_io_format_double(num, sizeof(num), full[k]);
        fputs(num, af.f);
        fputc('\n', af.f);
      }
      err = rla_atomic_commit(ctx, &af);
    }
  }
  rla_free(&full);
  RLA_CALL(ctx, rla_ctx_agree(ctx, err));
  return RLA_SUCCESS;
}
