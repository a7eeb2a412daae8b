/* SPDX-License-Identifier: BSD-3-Clause */
/* Tests of src/base: errors and agreement, options and decks, RNG, reports, atomic files. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/base/alloc.h"
#include "harness.h"

static void test_agree_one_rank_fails(void)
{
  rla_ctx ctx = rla_test_ctx;
  int last = rla_ctx_size(ctx) - 1;
  rla_err local = RLA_SUCCESS, got;
  if (rla_ctx_rank(ctx) == last)
    local = rla_error_set(ctx, RLA_ERR_FORMAT, __func__, __FILE__, __LINE__, "bad thing on rank %d",
                          last);
  got = rla_ctx_agree(ctx, local);
  RLA_ASSERT_ALL(got == RLA_ERR_FORMAT);
  RLA_ASSERT_ALL(strstr(rla_ctx_error_message(ctx), "bad thing on rank") != NULL);
  RLA_ASSERT_ALL(rla_ctx_error_rank(ctx) == last);
  rla_ctx_error_clear(ctx);
  RLA_ASSERT_ALL(rla_ctx_agree(ctx, RLA_SUCCESS) == RLA_SUCCESS);
}

static void test_agree_lowest_rank_wins(void)
{
  rla_ctx ctx = rla_test_ctx;
  rla_err local = rla_error_set(ctx, RLA_ERR_ARG + rla_ctx_rank(ctx), __func__, __FILE__, __LINE__,
                                "rank %d", rla_ctx_rank(ctx));
  RLA_ASSERT_ALL(rla_ctx_agree(ctx, local) == RLA_ERR_ARG);
  RLA_ASSERT_ALL(strcmp(rla_ctx_error_message(ctx), "rank 0") == 0);
  rla_ctx_error_clear(ctx);
}

static const rla_option_spec specs[] = {
    {"matrix", "A", RLA_OPT_STRING, NULL, NULL, 0, -1, "input matrix"},
    {"oversample", NULL, RLA_OPT_REAL, "4", NULL, 1, 100, "sketch size over columns"},
    {"seed", NULL, RLA_OPT_INT, "1", NULL, 0, 1e18, "random seed"},
    {"sketch", NULL, RLA_OPT_STRING, "srht", "srht|gaussian|sparse", 0, -1, "sketch type"},
    {"save-factors", NULL, RLA_OPT_STRING, NULL, NULL, 0, -1, "output directory"},
    {"verbose", "v", RLA_OPT_FLAG, "false", NULL, 0, -1, "more output"},
};
#define NSPECS ((int)(sizeof(specs) / sizeof(specs[0])))

static void write_text(const char *path, const char *text)
{
  if (rla_ctx_rank(rla_test_ctx) == 0) {
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

static rla_err parse(const char *deck_text, int argc, char **argv, rla_options *o)
{
  RLA_ASSERT_OK(rla_options_create(rla_test_ctx, specs, NSPECS, o));
  if (deck_text) write_text(rla_test_path("deck.in"), deck_text);
  return rla_options_parse(*o, argc, argv);
}

static void test_options_deck_and_override(void)
{
  rla_options o = NULL;
  char deck[2048];
  char *argv[] = {"prog", deck, "--seed", "7", "-A", "a.npy", "--sketch=gaussian", "-v"};
  int64_t seed;
  double os;
  const char *s;
  int v;
  strcpy(deck, rla_test_path("deck.in"));
  RLA_ASSERT_OK(parse("# comment\n  seed = 3  # trailing\n\noversample=2.5\nsave_factors = out\n",
                      8, argv, &o));
  RLA_ASSERT_OK(rla_options_get_int(o, "seed", &seed));
  RLA_ASSERT_ALL(seed == 7); /* the command line overrides the deck */
  RLA_ASSERT_OK(rla_options_get_real(o, "oversample", &os));
  RLA_ASSERT_ALL(os == 2.5);
  RLA_ASSERT_OK(rla_options_get_string(o, "matrix", &s));
  RLA_ASSERT_ALL(strcmp(s, "a.npy") == 0);
  RLA_ASSERT_OK(rla_options_get_string(o, "sketch", &s));
  RLA_ASSERT_ALL(strcmp(s, "gaussian") == 0);
  RLA_ASSERT_OK(rla_options_get_string(o, "save-factors", &s));
  RLA_ASSERT_ALL(strcmp(s, "out") == 0);
  RLA_ASSERT_OK(rla_options_get_flag(o, "verbose", &v));
  RLA_ASSERT_ALL(v == 1);
  RLA_ASSERT_ALL(rla_options_given(o, "oversample") && rla_options_given(o, "sketch"));
  rla_options_destroy(&o);
  RLA_ASSERT_ALL(o == NULL);
}

static void expect_deck_error(const char *text, rla_err code, const char *msg)
{
  rla_options o = NULL;
  char deck[2048];
  char *argv[] = {"prog", deck};
  strcpy(deck, rla_test_path("deck.in"));
  RLA_ASSERT_FAILS(parse(text, 2, argv, &o), code, msg);
  rla_options_destroy(&o);
}

static void test_options_errors(void)
{
  rla_options o = NULL;
  expect_deck_error("colour = red\n", RLA_ERR_ARG, "unknown key 'colour'");
  expect_deck_error("seed = 1\nseed = 2\n", RLA_ERR_ARG, "already set on line 1");
  expect_deck_error("seed = 1.5\n", RLA_ERR_ARG, "needs an integer");
  expect_deck_error("oversample = 0.5\n", RLA_ERR_ARG, "outside");
  expect_deck_error("oversample = nan\n", RLA_ERR_ARG, "finite number");
  expect_deck_error("sketch = fourier\n", RLA_ERR_ARG, "must be one of");
  expect_deck_error("just words\n", RLA_ERR_FORMAT, "expected 'key = value'");
  {
    char *argv[] = {"prog", "--no-such-thing", "1"};
    RLA_ASSERT_FAILS(parse(NULL, 3, argv, &o), RLA_ERR_ARG, "unknown option '--no-such-thing'");
    rla_options_destroy(&o);
  }
  {
    char *argv[] = {"prog", "--seed"};
    RLA_ASSERT_FAILS(parse(NULL, 2, argv, &o), RLA_ERR_ARG, "needs a value");
    rla_options_destroy(&o);
  }
  {
    char *argv[] = {"prog", "/nonexistent/deck.in"};
    RLA_ASSERT_FAILS(parse(NULL, 2, argv, &o), RLA_ERR_FILE, "/nonexistent/deck.in");
    rla_options_destroy(&o);
  }
  {
    int64_t x;
    char *argv[] = {"prog"};
    RLA_ASSERT_OK(parse(NULL, 1, argv, &o));
    RLA_ASSERT_FAILS(rla_options_get_string(o, "matrix", (const char **)&argv[0]), RLA_ERR_ARG,
                     "missing required option --matrix");
    RLA_ASSERT_FAILS(rla_options_get_int(o, "sketch", &x), RLA_ERR_INTERNAL, NULL);
    rla_options_destroy(&o);
  }
}

/* a program's own options beside those of the objects (tests of set_from_options) */
static const rla_option_spec io_specs[] = {
    {"matrix", "A", RLA_OPT_STRING, NULL, NULL, 0, -1, "input matrix"},
    {"verbose", "v", RLA_OPT_FLAG, "false", NULL, 0, -1, "more output"},
};

/* parse argv (and the deck text, when not NULL, as argv[1]) keeping the objects' keys */
static rla_err parse_open(const char *deck_text, int argc, char **argv, rla_options *o)
{
  RLA_ASSERT_OK(rla_options_create(rla_test_ctx, io_specs, 2, o));
  rla_options_keep_unknown(*o);
  if (deck_text) write_text(rla_test_path("deck.in"), deck_text);
  return rla_options_parse(*o, argc, argv);
}

/* the current value of the option name of obj */
static rla_option_value value_of(const rla_option_desc *desc, int n, const void *obj,
                                 const char *name)
{
  rla_option_value v = {0, 0.0};
  for (int k = 0; k < n; k++)
    if (!strcmp(desc[k].name, name)) desc[k].get(obj, &v);
  return v;
}

/* the object's current values are the defaults: a value set before set_from_options stays
   unless the option is given, and a given one overrides it */
static void test_options_objects_defaults(void)
{
  rla_options o = NULL;
  rla_lsq L = NULL;
  int n;
  const rla_option_desc *d = rla_lsq_options(&n);
  char *argv[] = {"prog", "--max-iterations", "12", "--method=solve", "-A", "a.npy"};
  const char *s;
  int64_t i;
  RLA_ASSERT_OK(rla_lsq_create(rla_test_ctx, &L));
  RLA_ASSERT_OK(rla_lsq_set_seed(L, 42));
  RLA_ASSERT_OK(rla_lsq_set_max_iterations(L, 77));
  RLA_ASSERT_OK(parse_open(NULL, 6, argv, &o));
  RLA_ASSERT_OK(rla_lsq_set_from_options(L, o, NULL));
  RLA_ASSERT_OK(rla_options_check_unused(o));
  RLA_ASSERT_ALL(value_of(d, n, L, "seed").i == 42);
  RLA_ASSERT_ALL(value_of(d, n, L, "max-iterations").i == 12);
  RLA_ASSERT_ALL(value_of(d, n, L, "method").i == RLA_LSQ_SOLVE);
  RLA_ASSERT_ALL(value_of(d, n, L, "tol").r == 2.0 * RLA_EPS); /* rla_lsq_create's default */
  /* what the solver used is recorded for the echo, the help and the driver's reads */
  RLA_ASSERT_OK(rla_options_get_int(o, "seed", &i));
  RLA_ASSERT_ALL(i == 42 && !rla_options_given(o, "seed"));
  RLA_ASSERT_OK(rla_options_get_string(o, "method", &s));
  RLA_ASSERT_ALL(!strcmp(s, "solve") && rla_options_given(o, "method"));
  {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    rla_options_help(o, "prog", f);
    rla_options_view(o, f);
    fclose(f);
    RLA_ASSERT_ALL(strstr(text, "--seed VALUE") && strstr(text, "(default 42)"));
    RLA_ASSERT_ALL(strstr(text, "[accurate|solve|direct] (default solve)"));
    RLA_ASSERT_ALL(strstr(text, "max-iterations   = 12 "));
    free(text);
  }
  /* a prefix: the same options under other names */
  rla_options_destroy(&o);
  {
    char *pv[] = {"prog", "--inner_seed", "9", "--seed", "5"};
    RLA_ASSERT_OK(parse_open(NULL, 5, pv, &o));
    RLA_ASSERT_OK(rla_lsq_set_from_options(L, o, "inner-"));
    RLA_ASSERT_ALL(value_of(d, n, L, "seed").i == 9);
    RLA_ASSERT_FAILS(rla_options_check_unused(o), RLA_ERR_ARG, "unknown option '--seed'");
  }
  rla_options_destroy(&o);
  rla_lsq_destroy(&L);
}

/* keys no object reads are errors only after the objects have read theirs, naming the key and,
   for a deck, its file and line */
static void test_options_objects_unused(void)
{
  rla_options o = NULL;
  rla_svd S = NULL;
  char deck[2048], *argv[] = {"prog", deck, "-k", "3"};
  int64_t k;
  strcpy(deck, rla_test_path("deck.in"));
  RLA_ASSERT_OK(rla_svd_create(rla_test_ctx, &S));
  RLA_ASSERT_OK(parse_open("power = 1\ncolour = red\n", 4, argv, &o));
  RLA_ASSERT_OK(rla_svd_set_from_options(S, o, NULL));
  RLA_ASSERT_OK(rla_options_get_int(o, "k", &k)); /* -k is the alias of k */
  RLA_ASSERT_ALL(k == 3 && rla_options_has(o, "k") && !rla_options_has(o, "tol"));
  RLA_ASSERT_FAILS(rla_options_check_unused(o), RLA_ERR_ARG, "deck.in:2: unknown key 'colour'");
  rla_options_destroy(&o);
  RLA_ASSERT_FAILS(parse_open("power = 1\npower = 2\n", 2, argv, &o), RLA_ERR_ARG,
                   "deck.in:2: key 'power' already set on line 1");
  rla_options_destroy(&o);
  {
    char *cv[] = {"prog", "--colour", "red", "--power", "3"};
    RLA_ASSERT_OK(parse_open(NULL, 5, cv, &o));
    RLA_ASSERT_OK(rla_svd_set_from_options(S, o, NULL));
    RLA_ASSERT_FAILS(rla_options_check_unused(o), RLA_ERR_ARG, "unknown option '--colour'");
  }
  rla_options_destroy(&o);
  rla_svd_destroy(&S);
}

/* a value the object's setter refuses: the option, where it was given, and the setter's range */
static void expect_object_error(const char *deck_text, int argc, char **argv, const char *text)
{
  rla_options o = NULL;
  rla_lsq L = NULL;
  rla_svd S = NULL;
  RLA_ASSERT_OK(rla_lsq_create(rla_test_ctx, &L));
  RLA_ASSERT_OK(rla_svd_create(rla_test_ctx, &S));
  RLA_ASSERT_OK(parse_open(deck_text, argc, argv, &o));
  RLA_ASSERT_FAILS(strstr(text, "'k'") ? rla_svd_set_from_options(S, o, NULL)
                                       : rla_lsq_set_from_options(L, o, NULL),
                   RLA_ERR_ARG, text);
  rla_options_destroy(&o);
  rla_svd_destroy(&S);
  rla_lsq_destroy(&L);
}

static void test_options_objects_errors(void)
{
  char deck[2048], *dv[] = {"prog", deck};
  char *a1[] = {"prog", "--oversample", "0.5"}, *a2[] = {"prog", "--seed", "1.5"};
  char *a3[] = {"prog", "--sketch", "fourier"}, *a4[] = {"prog", "-k", "0"};
  char *a5[] = {"prog", "--seed", "-2"};
  strcpy(deck, rla_test_path("deck.in"));
  expect_object_error(NULL, 3, a1,
                      "command line: option 'oversample' = 0.5 is outside the accepted range: "
                      "oversampling factor 0.5: it must lie in (1, 1000]");
  expect_object_error("method = solve\ntol = 2\n", 2, dv,
                      "deck.in:2: option 'tol' = 2 is outside the accepted range: "
                      "backward-error target 2: it must lie in (0, 1)");
  expect_object_error(NULL, 3, a2, "command line: option 'seed' needs an integer, got '1.5'");
  expect_object_error(NULL, 3, a5, "option 'seed' = -2 is outside the accepted range");
  expect_object_error(NULL, 3, a3, "option 'sketch' must be one of srht|gaussian|sparse");
  expect_object_error(NULL, 3, a4, "option 'k' = 0 is outside the accepted range: rank k = 0");
}

/* the ranges the descriptions state are the setters': the lower bound of every integer option
   is accepted and the integer below it refused */
static void test_options_desc_ranges(void)
{
  rla_lsq L = NULL;
  rla_svd S = NULL;
  rla_sketch K = NULL;
  const rla_option_desc *d[3];
  void *obj[3];
  int n[3];
  RLA_ASSERT_OK(rla_lsq_create(rla_test_ctx, &L));
  RLA_ASSERT_OK(rla_svd_create(rla_test_ctx, &S));
  RLA_ASSERT_OK(rla_sketch_create(rla_test_ctx, &K));
  d[0] = rla_lsq_options(&n[0]);
  d[1] = rla_svd_options(&n[1]);
  d[2] = rla_sketch_options(&n[2]);
  obj[0] = L;
  obj[1] = S;
  obj[2] = K;
  for (int j = 0; j < 3; j++)
    for (int k = 0; k < n[j]; k++) {
      rla_option_value v = {(int64_t)d[j][k].min, 0.0};
      if (d[j][k].type != RLA_OPT_INT) continue;
      RLA_ASSERT_ALL(d[j][k].min <= d[j][k].max);
      RLA_ASSERT_ALL(d[j][k].set(obj[j], v) == RLA_SUCCESS);
      v.i--;
      RLA_ASSERT_ALL(d[j][k].set(obj[j], v) == RLA_ERR_ARG);
    }
  rla_ctx_error_clear(rla_test_ctx);
  rla_sketch_destroy(&K);
  rla_svd_destroy(&S);
  rla_lsq_destroy(&L);
}

/* one helper for enum names: the index, or an error listing the choices */
static void test_enum_names(void)
{
  static const char *const colours[] = {"red", "green", "blue"};
  int v = -1;
  rla_lsq_method m;
  RLA_ASSERT_OK(rla_enum_from_name(rla_test_ctx, "colour", colours, 3, "blue", &v));
  RLA_ASSERT_ALL(v == 2);
  RLA_ASSERT_FAILS(rla_enum_from_name(rla_test_ctx, "colour", colours, 3, "mauve", &v), RLA_ERR_ARG,
                   "unknown colour 'mauve': use red, green or blue");
  RLA_ASSERT_ALL(rla_enum_from_name(NULL, "colour", colours, 3, NULL, &v) == RLA_ERR_ARG);
  RLA_ASSERT_ALL(!strcmp(rla_enum_name(colours, 3, 1), "green"));
  RLA_ASSERT_ALL(!strcmp(rla_enum_name(colours, 3, 3), "unknown"));
  RLA_ASSERT_FAILS(rla_lsq_method_from_name(rla_test_ctx, "qr", &m), RLA_ERR_ARG,
                   "unknown least-squares method 'qr': use accurate, solve or direct");
  RLA_ASSERT_OK(rla_lsq_method_from_name(rla_test_ctx, "direct", &m));
  RLA_ASSERT_ALL(m == RLA_LSQ_DIRECT);
  for (int t = 0; t < 3; t++) /* the names of the options are those of the operators */
    RLA_ASSERT_ALL(!strcmp(rla_sketch_type_names[t], rla_sketch_type_name((rla_sketch_type)t)));
}

/* Philox streams: values depend on (seed, purpose, row, col) only, not on the range asked */
static void test_rng_position_independent(void)
{
  double a[37], b[37], g[37], h[37], s[300], t[300];
  rla_rng r = rla_rng_make(42, RLA_RNG_USER);
  rla_rng_uniform(r, 5, 0, 37, a);
  for (int k = 0; k < 37; k++)
    rla_rng_uniform(r, 5, (uint64_t)k, 1, &b[k]);
  rla_rng_gaussian(r, 5, 3, 34, g);
  rla_rng_gaussian(r, 5, 0, 37, h);
  rla_rng_sign(r, 9, 0, 300, s);
  rla_rng_sign(r, 9, 7, 293, t);
  RLA_ASSERT_ALL(memcmp(a, b, sizeof(a)) == 0);
  RLA_ASSERT_ALL(memcmp(g, h + 3, 34 * sizeof(double)) == 0);
  RLA_ASSERT_ALL(memcmp(s + 7, t, 293 * sizeof(double)) == 0);
  for (int k = 0; k < 37; k++)
    RLA_ASSERT_ALL(a[k] > 0.0 && a[k] < 1.0);
  for (int k = 0; k < 300; k++)
    RLA_ASSERT_ALL(s[k] == 1.0 || s[k] == -1.0);
  rla_rng_uniform(rla_rng_make(43, RLA_RNG_USER), 5, 0, 37, b);
  RLA_ASSERT_ALL(memcmp(a, b, sizeof(a)) != 0);
}

/* moments: with N = 2^16 samples the standard error of the mean of N(0,1) is 1/256; 5 standard
   errors bound a false failure by ~6e-7. Variance: sd of the sample variance is sqrt(2/N). */
static void test_rng_moments(void)
{
  enum { N = 1 << 16 };
  double *x = malloc(N * sizeof(double)), mean = 0, var = 0, um = 0, sm = 0;
  rla_rng r = rla_rng_make(7, RLA_RNG_USER);
  rla_rng_gaussian(r, 0, 0, N, x);
  for (int k = 0; k < N; k++)
    mean += x[k] / N;
  for (int k = 0; k < N; k++)
    var += (x[k] - mean) * (x[k] - mean) / (N - 1);
  rla_rng_uniform(r, 1, 0, N, x);
  for (int k = 0; k < N; k++)
    um += x[k] / N;
  rla_rng_sign(r, 2, 0, N, x);
  for (int k = 0; k < N; k++)
    sm += x[k] / N;
  free(x);
  RLA_ASSERT_ALL(fabs(mean) < 5.0 / 256);
  RLA_ASSERT_ALL(fabs(var - 1.0) < 5.0 * sqrt(2.0 / N));
  RLA_ASSERT_ALL(fabs(um - 0.5) < 5.0 * sqrt(1.0 / 12 / N));
  RLA_ASSERT_ALL(fabs(sm) < 5.0 / 256);
}

static void test_rng_sample(void)
{
  int64_t idx[50], idx2[50];
  RLA_ASSERT_OK(rla_rng_sample(rla_test_ctx, rla_rng_make(1, RLA_RNG_USER), 0, 1000, 50, idx));
  RLA_ASSERT_OK(rla_rng_sample(rla_test_ctx, rla_rng_make(1, RLA_RNG_USER), 0, 1000, 50, idx2));
  RLA_ASSERT_ALL(memcmp(idx, idx2, sizeof(idx)) == 0);
  for (int k = 0; k < 50; k++)
    RLA_ASSERT_ALL(idx[k] >= 0 && idx[k] < 1000);
  for (int k = 1; k < 50; k++)
    RLA_ASSERT_ALL(idx[k] > idx[k - 1]); /* sorted and distinct */
  RLA_ASSERT_OK(rla_rng_sample(rla_test_ctx, rla_rng_make(1, RLA_RNG_USER), 0, 50, 50, idx));
  for (int k = 0; k < 50; k++)
    RLA_ASSERT_ALL(idx[k] == k);
  RLA_ASSERT_FAILS(rla_rng_sample(rla_test_ctx, rla_rng_make(1, RLA_RNG_USER), 0, 10, 11, idx),
                   RLA_ERR_ARG, "cannot sample");
}

static void test_report_and_atomic_write(void)
{
  rla_report rep = NULL;
  const char *path = rla_test_path("report.json");
  double v[3] = {1.0, NAN, 3.0};
  RLA_ASSERT_OK(rla_report_create(rla_test_ctx, &rep));
  RLA_ASSERT_OK(rla_report_set_string(rep, "method", "accurate"));
  RLA_ASSERT_OK(rla_report_set_int(rep, "nprocs", rla_ctx_size(rla_test_ctx)));
  RLA_ASSERT_OK(rla_report_set_real_array(rep, "values", 3, v));
  RLA_ASSERT_OK(rla_report_push_array(rep, "clusters"));
  RLA_ASSERT_OK(rla_report_push_object(rep, NULL));
  RLA_ASSERT_OK(rla_report_set_real(rep, "error", 0.25));
  RLA_ASSERT_OK(rla_report_pop(rep));
  RLA_ASSERT_OK(rla_report_pop(rep));
  RLA_ASSERT_FAILS(rla_report_pop(rep), RLA_ERR_INTERNAL, NULL);
  RLA_ASSERT_ALL(rla_report_check(rep, NULL, "small", 1e-15, 1e-12) == 1);
  RLA_ASSERT_ALL(rla_report_check(rep, NULL, "nan fails", NAN, 1e-12) == 0);
  RLA_ASSERT_ALL(rla_report_failures(rep) == 1);
  RLA_ASSERT_OK(rla_report_write(rep, path));
  if (rla_ctx_rank(rla_test_ctx) == 0) {
    char *text = rla_report_print(rep), buf[4096] = "";
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    buf[n] = '\0';
    if (f) fclose(f);
    CU_ASSERT(text && strncmp(buf, text, strlen(text)) == 0);
    CU_ASSERT(strstr(buf, "\"values\":\t[1, null, 3]") != NULL);
    CU_ASSERT(strstr(buf, "\"error\":\t0.25") != NULL);
    free(text);
  }
  RLA_ASSERT_FAILS(rla_report_write(rep, "/nonexistent-dir/report.json"), RLA_ERR_FILE,
                   "/nonexistent-dir/report.json");
  rla_report_destroy(&rep);
  RLA_ASSERT_ALL(rep == NULL);
}

static void test_atomic_abort_keeps_old(void)
{
  rla_atomic_file af;
  const char *path = rla_test_path("atomic.txt");
  if (rla_ctx_rank(rla_test_ctx) == 0) {
    char buf[64] = "";
    FILE *f;
    CU_ASSERT(rla_atomic_open(rla_test_ctx, path, &af) == 0);
    fputs("old\n", af.f);
    CU_ASSERT(rla_atomic_commit(rla_test_ctx, &af) == 0);
    CU_ASSERT(rla_atomic_open(rla_test_ctx, path, &af) == 0);
    fputs("new, half writ", af.f);
    rla_atomic_abort(&af);
    f = fopen(path, "r");
    CU_ASSERT(f && fgets(buf, sizeof(buf), f) && strcmp(buf, "old\n") == 0);
    if (f) fclose(f);
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

static void touch(const char *path)
{
  FILE *f = fopen(path, "w");
  CU_ASSERT_FATAL(f != NULL);
  fclose(f);
}

/* What a killed run leaves beside out.txt is removed by the next write of out.txt; files of
   other targets, or of other shapes, are kept. */
static void test_atomic_removes_stale(void)
{
  static const char *stale[] = {
      ".out.txt.tmp.AbC123", ".out.txt.tmp.AbC123.locktest.0", ".out.txt.tmp.x1y2z3.locktest.17",
      "..out.txt.tmp.AbC123.tmp.q9Q9q9", "..out.txt.tmp.AbC123.tmp.q9Q9q9.locktest.1"};
  static const char *kept[] = {".out.txt.tmp.AbC12",         ".out.txt.tmp.AbC123.locktest.",
                               ".out.txt.tmp.AbC123.lock",   ".out.txt.tmp.AbC123.locktest.1a",
                               ".other.txt.tmp.AbC123",      "out.txt.tmp.AbC123",
                               "..out.txt.tmp.AbC123.tmp.q9"};
  size_t i;
  if (rla_ctx_rank(rla_test_ctx) == 0) {
    rla_atomic_file af;
    for (i = 0; i < sizeof(stale) / sizeof(*stale); i++)
      touch(rla_test_path(stale[i]));
    for (i = 0; i < sizeof(kept) / sizeof(*kept); i++)
      touch(rla_test_path(kept[i]));
    CU_ASSERT(rla_atomic_open(rla_test_ctx, rla_test_path("out.txt"), &af) == 0);
    fputs("new\n", af.f);
    CU_ASSERT(rla_atomic_commit(rla_test_ctx, &af) == 0);
    for (i = 0; i < sizeof(stale) / sizeof(*stale); i++)
      CU_ASSERT(!rla_file_exists(rla_test_path(stale[i])));
    for (i = 0; i < sizeof(kept) / sizeof(*kept); i++) {
      CU_ASSERT(rla_file_exists(rla_test_path(kept[i])));
      remove(rla_test_path(kept[i]));
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

static void test_calloc_overflow(void)
{
  double *p = NULL;
  RLA_ASSERT_FAILS(rla_calloc(rla_test_ctx, SIZE_MAX / 2, 8, &p), RLA_ERR_MEM, "overflows");
  RLA_ASSERT_OK(rla_calloc(rla_test_ctx, 0, 8, &p));
  RLA_ASSERT_ALL(p != NULL);
  rla_free(&p);
  RLA_ASSERT_ALL(p == NULL);
}

/* the string copies and the growing array: contents, the zeroed tail, the doubling */
static void test_alloc_helpers(void)
{
  rla_ctx ctx = rla_test_ctx;
  char *s = NULL;
  int64_t *a = NULL, cap = 0;
  int ok = 1;
  RLA_ASSERT_OK(rla_strdup(ctx, "deck.in", &s));
  RLA_ASSERT_ALL(!strcmp(s, "deck.in"));
  rla_free(&s);
  RLA_ASSERT_OK(rla_strndup(ctx, "seed=7", 4, &s));
  RLA_ASSERT_ALL(!strcmp(s, "seed"));
  rla_free(&s);
  RLA_ASSERT_OK(rla_strndup(ctx, "ab", 10, &s)); /* s ends before len */
  RLA_ASSERT_ALL(!strcmp(s, "ab"));
  rla_free(&s);
  for (int64_t i = 0; i < 100; i++) {
    RLA_ASSERT_OK(rla_grow(ctx, &a, &cap, i + 1, sizeof(*a)));
    ok &= cap >= i + 1 && a[i] == 0;
    a[i] = i + 1;
  }
  for (int64_t i = 0; i < 100; i++)
    ok &= a[i] == i + 1;
  RLA_ASSERT_ALL(ok && cap == 128); /* 8, 16, 32, 64, 128 */
  /* room already: nothing moves */
  RLA_ASSERT_OK(rla_grow(ctx, &a, &cap, 50, sizeof(*a)));
  RLA_ASSERT_ALL(cap == 128 && a[99] == 100);
  rla_free(&a);
}

/* a context over MPI_COMM_WORLD whose k-th allocation from now fails on world rank `rank` (the
   others never fail): RLA_FAULT is set for its creation only. Collective. */
static rla_ctx failing_ctx(int rank, long long k)
{
  char spec[64], *old = getenv("RLA_FAULT"), *keep = old ? strdup(old) : NULL;
  rla_ctx ctx = NULL;
  snprintf(spec, sizeof(spec), "%d:alloc:%lld", rank, rla_test_allocations() + k);
  setenv("RLA_FAULT", spec, 1);
  if (rla_ctx_create(MPI_COMM_WORLD, &ctx)) ctx = NULL;
  if (keep)
    setenv("RLA_FAULT", keep, 1);
  else
    unsetenv("RLA_FAULT");
  free(keep);
  return ctx;
}

/* each allocation of an option set's creation, parse (deck, command line, keys kept for the
   objects) and reading by an object fails in turn, on rank 0 (which parses) and on the last rank
   (which copies rank 0's values): every rank fails with the injected error and destroy frees
   what was made (the sanitizer build checks for leaks); past the last one, the parse gives the
   values given */
static void test_options_alloc_failures(void)
{
  char deck[2048], *argv[] = {"prog", deck, "--seed", "7", "--power", "3", "-A", "a.npy"};
  const rla_option_desc *d;
  int n, last = rla_ctx_size(rla_test_ctx) - 1;
  strcpy(deck, rla_test_path("deck.in"));
  write_text(deck, "oversample = 2.5\npower = 1\n");
  d = rla_svd_options(&n);
  for (int who = 0; who < 2; who++) {
    long long k = 0;
    int done = 0;
    while (!done && k < 1000) {
      rla_ctx ctx = failing_ctx(who ? last : 0, ++k);
      rla_options o = NULL;
      rla_svd S = NULL;
      rla_err err;
      int64_t seed = 0;
      RLA_ASSERT_ALL(ctx != NULL);
      RLA_ASSERT_OK(rla_svd_create(rla_test_ctx, &S));
      err = rla_options_create(ctx, specs, NSPECS, &o);
      if (!err) {
        rla_options_keep_unknown(o);
        err = rla_options_parse(o, 8, argv);
      }
      if (!err) err = rla_ctx_agree(ctx, rla_svd_set_from_options(S, o, NULL));
      if (!err) err = rla_options_check_unused(o);
      done = !err;
      if (err)
        RLA_ASSERT_ALL(err == RLA_ERR_MEM &&
                       strstr(rla_ctx_error_message(ctx), "injected fault at alloc"));
      else
        RLA_ASSERT_ALL(!rla_options_get_int(o, "seed", &seed) && seed == 7 &&
                       value_of(d, n, S, "power").i == 3);
      rla_options_destroy(&o);
      rla_svd_destroy(&S);
      rla_ctx_destroy(&ctx);
    }
    /* rank 0 allocates for the specs' defaults, the deck and the values (more than 10) */
    RLA_ASSERT_ALL(done && k > (who ? 3 : 10));
  }
}

/* a value a setter refuses leaves the setting as it was */
static void test_setters_keep_on_refusal(void)
{
  rla_lsq L = NULL;
  rla_svd S = NULL;
  int n[2];
  const rla_option_desc *d[2] = {rla_lsq_options(&n[0]), rla_svd_options(&n[1])};
  RLA_ASSERT_OK(rla_lsq_create(rla_test_ctx, &L));
  RLA_ASSERT_OK(rla_svd_create(rla_test_ctx, &S));
  RLA_ASSERT_OK(rla_lsq_set_max_iterations(L, 77));
  RLA_ASSERT_FAILS(rla_lsq_set_max_iterations(L, -1), RLA_ERR_ARG,
                   "maximum number of iterations -1: it must be >= 0");
  RLA_ASSERT_FAILS(rla_lsq_set_tol(L, 1.5), RLA_ERR_ARG, "backward-error target 1.5");
  RLA_ASSERT_ALL(value_of(d[0], n[0], L, "max-iterations").i == 77);
  RLA_ASSERT_ALL(value_of(d[0], n[0], L, "tol").r == 2.0 * RLA_EPS);
  RLA_ASSERT_OK(rla_svd_set_rank(S, 5));
  RLA_ASSERT_FAILS(rla_svd_set_rank(S, 0), RLA_ERR_ARG, "rank k = 0: it must be at least 1");
  RLA_ASSERT_ALL(value_of(d[1], n[1], S, "k").i == 5);
  rla_svd_destroy(&S);
  rla_lsq_destroy(&L);
}

void rla_test_register(void)
{
  CU_pSuite s = CU_add_suite("base", NULL, NULL);
  CU_add_test(s, "agreement: one failing rank", test_agree_one_rank_fails);
  CU_add_test(s, "agreement: lowest failing rank wins", test_agree_lowest_rank_wins);
  CU_add_test(s, "options: deck and command line", test_options_deck_and_override);
  CU_add_test(s, "options: errors name the key", test_options_errors);
  CU_add_test(s, "options: objects' values are the defaults", test_options_objects_defaults);
  CU_add_test(s, "options: keys no object reads", test_options_objects_unused);
  CU_add_test(s, "options: values an object refuses", test_options_objects_errors);
  CU_add_test(s, "options: described ranges are the setters'", test_options_desc_ranges);
  CU_add_test(s, "enum names", test_enum_names);
  CU_add_test(s, "rng: values depend on position only", test_rng_position_independent);
  CU_add_test(s, "rng: moments", test_rng_moments);
  CU_add_test(s, "rng: sampling without replacement", test_rng_sample);
  CU_add_test(s, "report: JSON and checks", test_report_and_atomic_write);
  CU_add_test(s, "file: abort keeps the old file", test_atomic_abort_keeps_old);
  CU_add_test(s, "file: a write removes what a killed one left", test_atomic_removes_stale);
  CU_add_test(s, "alloc: overflow and zero size", test_calloc_overflow);
  CU_add_test(s, "alloc: string copies and growing arrays", test_alloc_helpers);
  CU_add_test(s, "options: an allocation failing in the parse", test_options_alloc_failures);
  CU_add_test(s, "setters: a refused value changes nothing", test_setters_keep_on_refusal);
}
