/* Tests of src/data: text matrices, IDX files, synthetic points, data checks.
 *
 * Expected values come from routes independent of the code under test:
 * IEEE-correct division and compile-time constants, MPFR arithmetic at higher
 * precision, closed forms, exact constructions, and (for Fashion-MNIST) facts
 * about the published data set checked with a separate reader (Python's gzip).
 */
#include "testutil.h"

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "data/checks.h"
#include "data/fashion.h"
#include "data/idx.h"
#include "data/synthetic.h"
#include "data/textmat.h"

/* Entry (i, j) of a column-major matrix (num/generic.h is for generic sources). */
#define ENT(M, i, j) ((M)->e + (i) + (size_t)(j) * (size_t)(M)->rows)

/* double's unit roundoff */
#define U_D ldexp(1.0, -53)

/* ======================================================================== */
/* Helpers                                                                   */

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* A whole file as a string (caller frees). */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    size_t cap = 1 << 12, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (cap - len - 1 == 0)
            buf = realloc(buf, cap *= 2);
    }
    buf[len] = '\0';
    fclose(f);
    return buf;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot create %s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* One temporary directory per test process (Criterion forks per test). */
static const char *tmpdir_once(void)
{
    static char dir[256];
    if (!dir[0])
        snprintf(dir, sizeof dir, "%s", test_tmpdir());
    return dir;
}

/* Reads `text` (written to a file) in double; asserts success. */
static void read_text_d(mat_d_t M, const char *text)
{
    const char *path = test_write_file(tmpdir_once(), "m.txt", text);
    deq_error_t err;
    deq_error_init(err);
    deq_status s = textmat_read_d(M, path, 53, err);
    cr_assert_eq(s, DEQ_OK, "reading %s failed: %s", path, err->msg);
}

/* Asserts that reading `path` fails in both backends with one message line
 * that names the file (`shown` is the name expected in the message), the
 * line (`line` > 0; none when 0) and contains `what`. */
static void expect_bad_path(const char *path, const char *shown, long line, const char *what)
{
    char where[4200];
    if (line > 0)
        snprintf(where, sizeof where, "%s:%ld: ", shown, line);
    else
        snprintf(where, sizeof where, "%s: ", shown);
    for (int backend = 0; backend < 2; backend++) {
        deq_error_t err;
        deq_error_init(err);
        deq_status s;
        if (strcmp(path, "-") == 0)
            rewind(stdin); /* the other backend read it already */
        if (backend == 0) {
            mat_d_t M;
            s = textmat_read_d(M, path, 53, err);
        } else {
            mat_mp_t M;
            s = textmat_read_mp(M, path, 113, err);
        }
        const char *b = backend ? "mpfr" : "double";
        cr_assert_eq(s, DEQ_ERR_INPUT, "[%s] expected DEQ_ERR_INPUT for %s (want \"%s\"), got %d: %s",
                     b, path, what, (int)s, err->msg);
        cr_assert(strncmp(err->msg, where, strlen(where)) == 0,
                  "[%s] message should start with \"%s\", got \"%s\"", b, where, err->msg);
        cr_assert_not_null(strstr(err->msg, what), "[%s] message should contain \"%s\", got \"%s\"",
                           b, what, err->msg);
        cr_assert_null(strchr(err->msg, '\n'), "[%s] message spans several lines: \"%s\"", b,
                       err->msg);
    }
}

static void expect_bad(const char *text, long line, const char *what)
{
    const char *path = test_write_file(tmpdir_once(), "bad.txt", text);
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    expect_bad_path(copy, copy, line, what);
}

/* ======================================================================== */
/* Text matrices: round trips                                                */

/* Every double must come back bit for bit, across the whole range. */
Test(textmat, roundtrip_double_bit_identical)
{
    const double awkward[] = {1e-300, -0.1, 5e-324, 1.7976931348623157e308, -0.0, 0.0,
                              DBL_MIN, -DBL_MIN * (1 - DBL_EPSILON), 1.0 / 3.0, -2.5e-310,
                              4503599627370497.0, 0.1 + 0.2};
    const long na = (long)(sizeof awkward / sizeof awkward[0]);
    deq_rng_t rng;
    deq_rng_init(rng, test_seed());
    mat_d_t M, R;
    mat_init_d(M, 9, 7, 53);
    for (long k = 0; k < 63; k++) {
        if (k < na)
            M->e[k] = awkward[k];
        else /* Gaussian significands (|g| < 2^6), exponents spread over the whole
              * range from subnormals to 2^1017, so nothing overflows */
            M->e[k] = ldexp(deq_rng_gaussian(rng), (int)(deq_rng_uniform(rng) * 2092) - 1074);
    }
    const char *path = test_write_file(test_tmpdir(), "rt.txt", "");
    deq_error_t err;
    deq_error_init(err);
    cr_assert_eq(textmat_write_d(path, M, 53, err), DEQ_OK, "%s", err->msg);
    cr_assert_eq(textmat_read_d(R, path, 53, err), DEQ_OK, "%s", err->msg);
    cr_assert_eq(R->rows, 9);
    cr_assert_eq(R->cols, 7);
    for (long k = 0; k < 63; k++)
        cr_assert(same_bits(R->e[k], M->e[k]), "entry %ld: wrote %a, read %a" TSEED_FMT, k,
                  M->e[k], R->e[k], TSEED);
    mat_clear_d(M);
    mat_clear_d(R);
    deq_rng_clear(rng);
}

Test(textmat, roundtrip_mpfr_several_precisions)
{
    const long precs[] = {2, 24, 53, 113, 256, 1000};
    gmp_randstate_t st;
    gmp_randinit_default(st);
    gmp_randseed_ui(st, test_seed());
    for (size_t t = 0; t < sizeof precs / sizeof precs[0]; t++) {
        long prec = precs[t];
        mat_mp_t M, R;
        mat_init_mp(M, 5, 6, prec);
        for (long k = 0; k < 30; k++) {
            mpfr_ptr x = M->e + k;
            if (k == 0)
                continue; /* keep one zero */
            mpfr_urandomb(x, st);
            /* random exponent in [-3000, 3000], random sign */
            long ex = (long)gmp_urandomm_ui(st, 6001) - 3000;
            mpfr_mul_2si(x, x, ex, MPFR_RNDN);
            if (gmp_urandomb_ui(st, 1))
                mpfr_neg(x, x, MPFR_RNDN);
        }
        mpfr_set_ui(M->e + 1, 1, MPFR_RNDN);
        mpfr_nextabove(M->e + 1); /* 1 + ulp: needs every digit */
        const char *path = test_write_file(test_tmpdir(), "rt.txt", "");
        deq_error_t err;
        deq_error_init(err);
        cr_assert_eq(textmat_write_mp(path, M, prec, err), DEQ_OK, "%s", err->msg);
        cr_assert_eq(textmat_read_mp(R, path, prec, err), DEQ_OK, "%s", err->msg);
        cr_assert_eq(R->rows, 5);
        cr_assert_eq(R->cols, 6);
        cr_assert_eq(R->prec, prec);
        for (long k = 0; k < 30; k++) {
            cr_assert_eq(mpfr_get_prec(R->e + k), prec);
            if (!mpfr_equal_p(R->e + k, M->e + k))
                cr_assert_fail("prec %ld entry %ld: wrote %s, read back %s" TSEED_FMT, prec, k,
                               mpfr_get_str(NULL, &(mpfr_exp_t){0}, 10, 0, M->e + k, MPFR_RNDN),
                               mpfr_get_str(NULL, &(mpfr_exp_t){0}, 10, 0, R->e + k, MPFR_RNDN),
                               TSEED);
        }
        mat_clear_mp(M);
        mat_clear_mp(R);
    }
    gmp_randclear(st);
}

/* glibc's printf and mpfr_get_str are separate implementations; at 53 bits
 * both must print the same correctly rounded 17 digits in the same layout. */
Test(textmat, writers_agree_at_53_bits)
{
    deq_rng_t rng;
    deq_rng_init(rng, test_seed());
    mat_d_t D;
    mat_mp_t P;
    mat_init_d(D, 40, 5, 53);
    mat_init_mp(P, 40, 5, 53);
    for (long k = 0; k < 200; k++)
        D->e[k] = ldexp(deq_rng_gaussian(rng), (int)(deq_rng_uniform(rng) * 200) - 100);
    D->e[0] = 0.5, D->e[1] = 1e-5, D->e[2] = 1e-4, D->e[3] = 1e16, D->e[4] = 1e17;
    D->e[5] = 123456.0, D->e[6] = -0.0, D->e[7] = 0.0, D->e[8] = 1e300, D->e[9] = 1.0 / 3.0;
    D->e[10] = DBL_MIN;
    mat_set_mat_d_mp(P, D);
    const char *dir = test_tmpdir();
    char pd[4096], pp[4096];
    snprintf(pd, sizeof pd, "%s", test_write_file(dir, "d.txt", ""));
    snprintf(pp, sizeof pp, "%s", test_write_file(dir, "p.txt", ""));
    deq_error_t err;
    deq_error_init(err);
    cr_assert_eq(textmat_write_d(pd, D, 53, err), DEQ_OK);
    cr_assert_eq(textmat_write_mp(pp, P, 53, err), DEQ_OK);
    char *a = slurp(pd), *b = slurp(pp);
    cr_assert_str_eq(a, b, "double and MPFR writers differ" TSEED_FMT, TSEED);
    free(a);
    free(b);
    mat_clear_d(D);
    mat_clear_mp(P);
    deq_rng_clear(rng);
}

Test(textmat, writer_layout)
{
    mat_d_t D;
    mat_init_d(D, 2, 3, 53);
    double v[6] = {0.5, -0.1, 0.0, 1000.0, 1e-7, -2.0};
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 3; c++)
            *ENT(D, r, c) = v[3 * r + c];
    const char *path = test_write_file(test_tmpdir(), "w.txt", "");
    deq_error_t err;
    deq_error_init(err);
    cr_assert_eq(textmat_write_d(path, D, 53, err), DEQ_OK);
    char *text = slurp(path);
    /* 0.1's binary value is 0.1000000000000000055511151231257827...; to 17
     * digits that is 0.10000000000000001. 1e-7 = 9.99999999999999954748e-08. */
    cr_assert_str_eq(text, "2 3\n0.5 -0.10000000000000001 0\n1000 9.9999999999999995e-08 -2\n");
    free(text);

    mat_mp_t P;
    mat_init_mp(P, 1, 3, 1000);
    mpfr_set_d(P->e + 0, 0.5, MPFR_RNDN);
    mpfr_set_si(P->e + 1, -1000, MPFR_RNDN);
    mpfr_set_ui(P->e + 2, 1, MPFR_RNDN);
    mpfr_div_ui(P->e + 2, P->e + 2, 1024, MPFR_RNDN); /* 2^-10 = 0.0009765625 exactly */
    cr_assert_eq(textmat_write_mp(path, P, 1000, err), DEQ_OK);
    text = slurp(path);
    cr_assert_str_eq(text, "1 3\n0.5 -1000 0.0009765625\n");
    free(text);
    mat_clear_d(D);
    mat_clear_mp(P);
}

/* ======================================================================== */
/* Text matrices: correct rounding of long decimals                          */

static char *decimal_third(int digits)
{
    char *s = malloc((size_t)digits + 3);
    strcpy(s, "0.");
    memset(s + 2, '3', (size_t)digits);
    s[digits + 2] = '\0';
    return s;
}

static void read_one_mp(mpfr_ptr x, const char *token, long prec)
{
    char text[4096];
    snprintf(text, sizeof text, "1 1\n%s\n", token);
    const char *path = test_write_file(tmpdir_once(), "one.txt", text);
    deq_error_t err;
    deq_error_init(err);
    mat_mp_t M;
    cr_assert_eq(textmat_read_mp(M, path, prec, err), DEQ_OK, "%s", err->msg);
    mpfr_set_prec(x, (mpfr_prec_t)prec);
    mpfr_set(x, M->e, MPFR_RNDN);
    mat_clear_mp(M);
}

static double read_one_d(const char *token)
{
    char text[4096];
    snprintf(text, sizeof text, "1 1\n%s\n", token);
    mat_d_t M;
    read_text_d(M, text);
    double v = M->e[0];
    mat_clear_d(M);
    return v;
}

Test(textmat, long_decimal_mpfr)
{
    mpfr_t x, third;
    mpfr_inits2(400, x, third, (mpfr_ptr)0);

    /* 100 threes at 400 bits (~120 digits): the value read is the decimal
     * itself, 1/3 - 10^-100/3, to within the 400-bit rounding. Both x and
     * RN(1/3) are within half an ulp (2^-402) of their exact values, and the
     * rest rounds far below that, so |(RN(1/3) - x) - 10^-100/3| <= 2^-400. */
    char *s100 = decimal_third(100);
    read_one_mp(x, s100, 400);
    mpfr_set_ui(third, 1, MPFR_RNDN);
    mpfr_div_ui(third, third, 3, MPFR_RNDN);
    mpfr_t gap, want;
    mpfr_inits2(400, gap, want, (mpfr_ptr)0);
    mpfr_sub(gap, third, x, MPFR_RNDN); /* should be 10^-100 / 3 */
    mpfr_ui_pow_ui(want, 10, 100, MPFR_RNDN);
    mpfr_ui_div(want, 1, want, MPFR_RNDN);
    mpfr_div_ui(want, want, 3, MPFR_RNDN);
    mpfr_t bound;
    mpfr_init2(bound, 53);
    mpfr_set_ui_2exp(bound, 1, -400, MPFR_RNDN);
    mpfr_sub(gap, gap, want, MPFR_RNDN);
    cr_assert(mpfr_cmpabs(gap, bound) <= 0, "1/3 - read(0.(3)x100) is off from 10^-100/3 by %.3g",
              mpfr_get_d(gap, MPFR_RNDN));
    mpfr_clear(bound);

    /* Rounded to 256 bits, a truncation of 1/3 at 100 or 120 digits lands on
     * the 256-bit rounding of 1/3 itself: 1/3 = 0.010101..._2, so at any
     * precision its distance to the nearest rounding boundary (a midpoint
     * between 256-bit numbers) is ulp/6 = 2^-257/6 ~ 7.2e-79, far more than
     * the truncation error 10^-100/3. A 60-digit truncation is off by
     * 3.3e-61 > ulp = 4.3e-78, so it must round elsewhere: proof that the
     * reader used all digits and the full precision. */
    mpfr_t third256;
    mpfr_init2(third256, 256);
    mpfr_set_ui(third256, 1, MPFR_RNDN);
    mpfr_div_ui(third256, third256, 3, MPFR_RNDN); /* correctly rounded 1/3 at 256 bits */
    char *s120 = decimal_third(120);
    read_one_mp(x, s120, 256);
    cr_assert(mpfr_equal_p(x, third256), "0.(3)x120 at 256 bits differs from RN_256(1/3)");
    read_one_mp(x, s100, 256);
    cr_assert(mpfr_equal_p(x, third256), "0.(3)x100 at 256 bits differs from RN_256(1/3)");
    char *s60 = decimal_third(60);
    read_one_mp(x, s60, 256);
    cr_assert(!mpfr_equal_p(x, third256), "0.(3)x60 at 256 bits cannot equal RN_256(1/3)");

    /* The same at 53 bits in double: distance to a midpoint 2^-54/6 ~ 9e-18. */
    double d = read_one_d(s100);
    cr_assert(same_bits(d, 1.0 / 3.0), "double read of 0.(3)x100 = %a, 1.0/3.0 = %a", d, 1.0 / 3.0);

    /* 0.1 at 200 bits against MPFR's correctly rounded division 1/10. */
    read_one_mp(x, "0.1", 200);
    mpfr_t tenth;
    mpfr_init2(tenth, 200);
    mpfr_set_ui(tenth, 1, MPFR_RNDN);
    mpfr_div_ui(tenth, tenth, 10, MPFR_RNDN);
    cr_assert(mpfr_equal_p(x, tenth), "0.1 at 200 bits differs from RN_200(1/10)");

    /* A 1000-digit mantissa with a large exponent offset still works. */
    char *s1000 = decimal_third(1000);
    read_one_mp(x, s1000, 1000);
    mpfr_set_prec(third, 1000);
    mpfr_set_ui(third, 1, MPFR_RNDN);
    mpfr_div_ui(third, third, 3, MPFR_RNDN);
    cr_assert(test_digits_mp(x, third) > 290, "0.(3)x1000 at 1000 bits: %.1f digits",
              test_digits_mp(x, third));

    free(s60);
    free(s100);
    free(s120);
    free(s1000);
    mpfr_clears(x, third, gap, want, third256, tenth, (mpfr_ptr)0);
}

Test(textmat, decimal_rounding_double)
{
    /* Compile-time conversions (GCC rounds literals correctly, with MPFR)
     * and exact binary facts, not strtod at run time. */
    cr_assert(same_bits(read_one_d("0.1"), 0.1));
    cr_assert(same_bits(read_one_d("-.5"), -0.5));
    cr_assert(same_bits(read_one_d("1."), 1.0));
    cr_assert(same_bits(read_one_d("+7"), 7.0));
    cr_assert(same_bits(read_one_d("00012"), 12.0));
    cr_assert(same_bits(read_one_d("1E+3"), 1000.0));
    cr_assert(same_bits(read_one_d("1e22"), 1e22));
    cr_assert(same_bits(read_one_d("-0"), -0.0));
    cr_assert(same_bits(read_one_d("0e99999999999999999999999"), 0.0));
    cr_assert(same_bits(read_one_d("123456789012345678901234567890e-20"),
                        1234567890.12345678901234567890));
    /* 40 digits of pi: pi sits 0.28 ulp from M_PI, far from a midpoint. */
    const char *pi40 = "3.141592653589793238462643383279502884197";
    cr_assert(same_bits(read_one_d(pi40), M_PI));
    mpfr_t m;
    mpfr_init2(m, 53);
    mpfr_set_str(m, pi40, 10, MPFR_RNDN);
    cr_assert(same_bits(read_one_d(pi40), mpfr_get_d(m, MPFR_RNDN)));
    mpfr_clear(m);
    /* Halfway cases: 2^53 + 1 lies halfway between 2^53 and 2^53 + 2 and
     * rounds to even (2^53); a hair above, it rounds up. */
    double two53 = 9007199254740992.0;
    cr_assert(same_bits(read_one_d("9007199254740993"), two53));
    cr_assert(same_bits(read_one_d("9007199254740993.00000000000000000000000000001"), two53 + 2));
    cr_assert(same_bits(read_one_d("9007199254740992.99999999999999999999999999999"), two53));
    /* The classic slow case of old strtod implementations. */
    cr_assert(same_bits(read_one_d("2.2250738585072012e-308"), DBL_MIN));
    /* Underflow is accepted: it rounds to a subnormal or to zero.
     * The smallest subnormal is 2^-1074 ~ 4.94e-324; 4e-324 is above the
     * midpoint 2^-1075 ~ 2.47e-324, 2e-324 below it. */
    cr_assert(same_bits(read_one_d("4e-324"), ldexp(1.0, -1074)));
    cr_assert(same_bits(read_one_d("2e-324"), 0.0));
    cr_assert(same_bits(read_one_d("-1e-400"), -0.0));
    cr_assert(same_bits(read_one_d("1e-99999999999999999999999999"), 0.0));
    /* The largest double reads back; a little more is still rounded down to it
     * (below the midpoint to 2^1024), a lot more overflows: see bad_numbers. */
    cr_assert(same_bits(read_one_d("1.7976931348623158e308"), DBL_MAX));
}

/* glibc's strtod and MPFR's mpfr_strtofr are independent correctly rounded
 * conversions: at 53 bits they must agree on every (normal-range) decimal. */
Test(textmat, double_and_mpfr53_readers_agree)
{
    deq_rng_t rng;
    deq_rng_init(rng, test_seed());
    const long n = 300;
    size_t cap = (size_t)n * 64 + 32;
    char *text = malloc(cap);
    size_t len = (size_t)snprintf(text, cap, "%ld 1\n", n);
    for (long k = 0; k < n; k++) {
        char tok[64];
        int p = 0;
        if (deq_rng_uniform(rng) < 0.5)
            tok[p++] = '-';
        int ndig = 1 + (int)(deq_rng_uniform(rng) * 30);
        int point = (int)(deq_rng_uniform(rng) * ndig);
        for (int i = 0; i < ndig; i++) {
            if (i == point && i > 0)
                tok[p++] = '.';
            tok[p++] = (char)('0' + (int)(deq_rng_uniform(rng) * 10));
        }
        p += snprintf(tok + p, sizeof tok - (size_t)p, "e%d",
                      (int)(deq_rng_uniform(rng) * 560) - 280);
        tok[p] = '\0';
        len += (size_t)snprintf(text + len, cap - len, "%s\n", tok);
    }
    const char *path = test_write_file(test_tmpdir(), "many.txt", text);
    deq_error_t err;
    deq_error_init(err);
    mat_d_t D;
    mat_mp_t P;
    cr_assert_eq(textmat_read_d(D, path, 53, err), DEQ_OK, "%s", err->msg);
    cr_assert_eq(textmat_read_mp(P, path, 53, err), DEQ_OK, "%s", err->msg);
    for (long k = 0; k < n; k++)
        cr_assert(same_bits(D->e[k], mpfr_get_d(P->e + k, MPFR_RNDN)),
                  "row %ld: strtod gives %a, mpfr_strtofr %a" TSEED_FMT, k + 1, D->e[k],
                  mpfr_get_d(P->e + k, MPFR_RNDN), TSEED);
    mat_clear_d(D);
    mat_clear_mp(P);
    free(text);
    deq_rng_clear(rng);
}

Test(textmat, mpfr_range_beyond_double)
{
    mpfr_t x, ref;
    mpfr_inits2(64, x, ref, (mpfr_ptr)0);
    read_one_mp(x, "1e309", 64);
    mpfr_set_ui(ref, 10, MPFR_RNDN);
    mpfr_pow_ui(ref, ref, 309, MPFR_RNDN);
    cr_assert(mpfr_equal_p(x, ref), "1e309 at 64 bits");
    read_one_mp(x, "-2.5e-400", 64);
    cr_assert(mpfr_sgn(x) < 0 && mpfr_get_exp(x) < -1300, "-2.5e-400 at 64 bits");
    mpfr_clears(x, ref, (mpfr_ptr)0);
}

/* ======================================================================== */
/* Text matrices: layout accepted and rejected                               */

Test(textmat, comments_blank_lines_crlf)
{
    mat_d_t M;
    read_text_d(M, "# a comment before the header\n"
                   "\n"
                   "   2 3   # shape\n"
                   "# between rows\n"
                   "1 2 3 # row 1\n"
                   "\n"
                   "\t4\t-5e0\t6.25\r\n"
                   "   # trailing comment\n"
                   "\n");
    cr_assert_eq(M->rows, 2);
    cr_assert_eq(M->cols, 3);
    const double want[2][3] = {{1, 2, 3}, {4, -5, 6.25}};
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 3; c++)
            cr_assert(*ENT(M, r, c) == want[r][c], "(%d,%d) = %g, want %g", r, c,
                      *ENT(M, r, c), want[r][c]);
    mat_clear_d(M);

    read_text_d(M, "1 1\n7"); /* no newline at the end */
    cr_assert(M->e[0] == 7.0);
    mat_clear_d(M);
}

Test(textmat, comment_glued_to_number)
{
    /* "3#x 4" is the number 3 and a comment: one entry, so a 1 x 2 header fails. */
    expect_bad("1 2\n3#x 4\n", 2, "row has 1 entry, expected 2");
}

Test(textmat, long_lines)
{
    const long n = 100000;
    size_t cap = (size_t)n * 8 + 64;
    char *text = malloc(cap);
    size_t len = (size_t)snprintf(text, cap, "1 %ld\n", n);
    for (long k = 0; k < n; k++)
        len += (size_t)snprintf(text + len, cap - len, "%ld ", k % 1000);
    strcpy(text + len, "\n");
    mat_d_t M;
    read_text_d(M, text);
    cr_assert_eq(M->cols, n);
    for (long k = 0; k < n; k++)
        cr_assert(M->e[k] == (double)(k % 1000), "entry %ld = %g", k, M->e[k]);
    mat_clear_d(M);

    /* A bad token of 20000 characters: the message stays short and names it. */
    char *bad = malloc(20100);
    strcpy(bad, "1 1\n");
    memset(bad + 4, '7', 20000);
    strcpy(bad + 20004, "x\n");
    expect_bad(bad, 2, "not a number: \"777");
    free(bad);
    free(text);
}

Test(textmat, stdin_and_stdout)
{
    const char *dir = test_tmpdir();
    char in[4096];
    snprintf(in, sizeof in, "%s", test_write_file(dir, "in.txt", "2 1\n0.25\n-3\n"));
    cr_assert_not_null(freopen(in, "r", stdin));
    deq_error_t err;
    deq_error_init(err);
    mat_d_t M;
    cr_assert_eq(textmat_read_d(M, "-", 53, err), DEQ_OK, "%s", err->msg);
    cr_assert(M->e[0] == 0.25 && M->e[1] == -3.0);

    char out[4096];
    snprintf(out, sizeof out, "%s/out.txt", dir);
    cr_assert_not_null(freopen(out, "w", stdout));
    cr_assert_eq(textmat_write_d("-", M, 53, err), DEQ_OK, "%s", err->msg);
    char *text = slurp(out);
    cr_assert_str_eq(text, "2 1\n0.25\n-3\n");
    free(text);
    mat_clear_d(M);

    /* Errors on standard input name it "<stdin>". */
    snprintf(in, sizeof in, "%s", test_write_file(dir, "in2.txt", "2 1\n0.25\n"));
    cr_assert_not_null(freopen(in, "r", stdin));
    expect_bad_path("-", "<stdin>", 2, "file ends early");
}

Test(textmat, write_errors)
{
    mat_d_t M;
    mat_init_d(M, 1, 1, 53);
    deq_error_t err;
    deq_error_init(err);
    cr_assert_eq(textmat_write_d("/nonexistent-dir/x.txt", M, 53, err), DEQ_ERR_INPUT);
    cr_assert_not_null(strstr(err->msg, "/nonexistent-dir/x.txt: cannot open for writing"), "%s",
                       err->msg);
    struct stat sb;
    if (stat("/dev/full", &sb) == 0) {
        mat_mp_t P;
        mat_init_mp(P, 200, 50, 256); /* more than one stdio buffer */
        deq_error_init(err);
        cr_assert_eq(textmat_write_mp("/dev/full", P, 256, err), DEQ_ERR_INPUT);
        cr_assert_not_null(strstr(err->msg, "/dev/full: write error"), "%s", err->msg);
        mat_clear_mp(P);
    }
    mat_clear_d(M);
}

Test(textmat, missing_file)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/no-such-file.txt", test_tmpdir());
    expect_bad_path(path, path, 0, "cannot open: No such file or directory");
}

Test(textmat, bad_header)
{
    expect_bad("", 1, "empty file: expected a header line \"rows cols\"");
    expect_bad("  \n\t\n", 2, "empty file");
    expect_bad("# only a comment\n\n# another\n", 3, "no header line");
    expect_bad("3\n1 2 3\n", 1, "bad header: expected \"rows cols\" (two positive integers), found 1 field");
    expect_bad("2 2 2\n1 2\n3 4\n", 1, "found 3 fields");
    expect_bad("-2 3\n", 1, "rows is \"-2\"");
    expect_bad("2 0\n", 1, "cols is \"0\"");
    expect_bad("0 0\n", 1, "rows is \"0\"");
    expect_bad("2.5 3\n", 1, "rows is \"2.5\"");
    expect_bad("2 3e0\n", 1, "cols is \"3e0\"");
    expect_bad("# comment\n\n2 x # shape\n", 3, "cols is \"x\"");
    expect_bad("99999999999999999999999 2\n", 1, "too large");
    expect_bad("4611686018427387904 4611686018427387904\n1 2\n", 1, "too large");
}

Test(textmat, ragged_rows)
{
    expect_bad("2 3\n1 2 3\n4 5\n", 3, "row has 2 entries, expected 3 (ragged rows)");
    expect_bad("2 3\n1 2 3\n4 5 6 7\n", 3, "row has 4 entries, expected 3 (ragged rows)");
    expect_bad("2 3\n# c\n\n1 2\n4 5 6\n", 4, "ragged rows");
}

Test(textmat, bad_numbers)
{
    struct {
        const char *tok, *what;
    } cases[] = {
        {"abc", "not a number: \"abc\""},
        {"nan", "NaN/Inf not allowed: \"nan\""},
        {"NaN", "NaN/Inf not allowed: \"NaN\""},
        {"inf", "NaN/Inf not allowed"},
        {"-Infinity", "NaN/Inf not allowed: \"-Infinity\""},
        {"+INF", "NaN/Inf not allowed"},
        {"nan(0x1)", "NaN/Inf not allowed"},
        {"0x10", "not a number: \"0x10\""},
        {"0x1p3", "not a number"},
        {"1.2.3", "not a number: \"1.2.3\""},
        {"1e", "not a number: \"1e\""},
        {"1e+", "not a number"},
        {"--1", "not a number: \"--1\""},
        {"+-1", "not a number"},
        {"1,5", "not a number: \"1,5\""},
        {"1.5abc", "not a number: \"1.5abc\""},
        {"e5", "not a number"},
        {".", "not a number"},
        {"-", "not a number"},
        {".e1", "not a number"},
        {"1e5.5", "not a number"},
        {"@Inf@", "not a number"},
        {"1_000", "not a number"},
        {"\xef\xbc\x91", "not a number"}, /* fullwidth digit one */
        {"1e999999999999", "number out of range"},
        {"-1e99999999999999999999999999999", "number out of range"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char text[256];
        snprintf(text, sizeof text, "2 2\n1 2\n# c\n3 %s\n", cases[k].tok);
        expect_bad(text, 4, cases[k].what);
    }
    /* Overflows double but not MPFR's exponent range. */
    const char *path = test_write_file(test_tmpdir(), "big.txt", "1 2\n1 1e309\n");
    deq_error_t err;
    deq_error_init(err);
    mat_d_t D;
    cr_assert_eq(textmat_read_d(D, path, 53, err), DEQ_ERR_INPUT);
    cr_assert_not_null(strstr(err->msg, ":2: number out of range (overflows double): \"1e309\""),
                       "%s", err->msg);
    mat_mp_t P;
    deq_error_init(err);
    cr_assert_eq(textmat_read_mp(P, path, 53, err), DEQ_OK, "%s", err->msg);
    mat_clear_mp(P);
}

Test(textmat, wrong_row_count_and_binary)
{
    expect_bad("3 2\n1 2\n3 4\n", 3, "expected 3 rows, found 2 (file ends early)");
    expect_bad("3 2\n1 2\n3 4\n# end\n\n", 5, "expected 3 rows, found 2 (file ends early)");
    expect_bad("3 2\n", 1, "expected 3 rows, found 0 (file ends early)");
    expect_bad("1 2\n1 2\n3 4\n", 3, "extra data after the last row");
    expect_bad("1 2\n1 2\n\n# fine\nx\n", 5, "extra data after the last row");
    const char *dir = test_tmpdir();
    char path[4200];
    snprintf(path, sizeof path, "%s/nul.txt", dir);
    write_bytes(path, "1 2\n1 \0 2\n", 10);
    expect_bad_path(path, path, 2, "NUL byte");
}

/* Locale independence: with a decimal comma in effect, reading and writing
 * still use '.'. Skipped when no such locale is installed. */
Test(textmat, locale_independent)
{
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "de_DE",
                           "nl_NL.UTF-8"};
    const char *got = NULL;
    for (size_t k = 0; k < sizeof names / sizeof names[0] && !got; k++)
        got = setlocale(LC_NUMERIC, names[k]);
    if (!got || strcmp(localeconv()->decimal_point, ".") == 0)
        cr_skip_test("no locale with a decimal comma is installed");
    mat_d_t M;
    read_text_d(M, "1 2\n1.5 -2.25e1\n");
    cr_assert(M->e[0] == 1.5 && M->e[1] == -22.5, "read %g %g under %s", M->e[0], M->e[1], got);
    mat_mp_t P;
    mat_init_mp(P, 1, 2, 100);
    mat_set_mat_d_mp(P, M);
    const char *path = test_write_file(test_tmpdir(), "loc.txt", "");
    deq_error_t err;
    deq_error_init(err);
    cr_assert_eq(textmat_write_d(path, M, 53, err), DEQ_OK);
    char *text = slurp(path);
    cr_assert_str_eq(text, "1 2\n1.5 -22.5\n");
    free(text);
    cr_assert_eq(textmat_write_mp(path, P, 100, err), DEQ_OK);
    text = slurp(path);
    cr_assert_str_eq(text, "1 2\n1.5 -22.5\n");
    free(text);
    mat_clear_d(M);
    mat_clear_mp(P);
}

/* ======================================================================== */
/* IDX files                                                                 */

/* Writes an IDX file: magic, dims, then `len` payload bytes; gzip when gz. */
static void write_idx(const char *path, int gz, uint32_t magic, const uint32_t *dims, int ndims,
                      const unsigned char *data, size_t len)
{
    unsigned char head[16];
    uint32_t words[4] = {magic};
    for (int k = 0; k < ndims; k++)
        words[k + 1] = dims[k];
    for (int k = 0; k <= ndims; k++)
        for (int b = 0; b < 4; b++)
            head[4 * k + b] = (unsigned char)(words[k] >> (24 - 8 * b));
    size_t hlen = 4 * (size_t)(ndims + 1);
    if (gz) {
        gzFile f = gzopen(path, "wb");
        cr_assert_not_null(f);
        cr_assert_eq(gzwrite(f, head, (unsigned)hlen), (int)hlen);
        if (len)
            cr_assert_eq(gzwrite(f, data, (unsigned)len), (int)len);
        cr_assert_eq(gzclose(f), Z_OK);
    } else {
        unsigned char *all = malloc(hlen + len + 1);
        memcpy(all, head, hlen);
        if (len)
            memcpy(all + hlen, data, len);
        write_bytes(path, all, hlen + len);
        free(all);
    }
}

/* Pixel (r, c) of image k in the synthetic files. */
static unsigned char pixel(long k, long r, long c)
{
    return (unsigned char)(50 * k + 7 * r + c + 3);
}

static void expect_idx_error(deq_status s, const deq_error_t err, const char *path, const char *what)
{
    cr_assert_eq(s, DEQ_ERR_INPUT, "expected an error for %s (%s)", path, what);
    cr_assert(strncmp(err->msg, path, strlen(path)) == 0, "message should name %s: \"%s\"", path,
              err->msg);
    cr_assert_not_null(strstr(err->msg, what), "message should contain \"%s\": \"%s\"", what,
                       err->msg);
    cr_assert_null(strchr(err->msg, '\n'), "multi-line message: \"%s\"", err->msg);
}

Test(idx, synthetic_images_and_labels_plain_and_gzip)
{
    const long count = 4, rows = 3, cols = 5;
    unsigned char img[4 * 3 * 5];
    for (long k = 0; k < count; k++)
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++)
                img[(k * rows + r) * cols + c] = pixel(k, r, c);
    unsigned char lab[4] = {7, 0, 255, 3};
    const char *dir = test_tmpdir();
    for (int gz = 0; gz < 2; gz++) {
        char ip[4200], lp[4200];
        snprintf(ip, sizeof ip, "%s/img%s", dir, gz ? ".gz" : "");
        snprintf(lp, sizeof lp, "%s/lab%s", dir, gz ? ".gz" : "");
        write_idx(ip, gz, 0x803, (uint32_t[]){4, 3, 5}, 3, img, sizeof img);
        write_idx(lp, gz, 0x801, (uint32_t[]){4}, 1, lab, sizeof lab);
        for (long maxc = 0; maxc <= 6; maxc += 2) { /* all, 2, 4 (= all), 6 (> all) */
            long want = maxc > 0 && maxc < count ? maxc : count;
            deq_error_t err;
            deq_error_init(err);
            mat_d_t X;
            long R = 0, C = 0;
            cr_assert_eq(idx_read_images(X, &R, &C, ip, maxc, err), DEQ_OK, "%s", err->msg);
            cr_assert(R == rows && C == cols, "dims %ld x %ld", R, C);
            cr_assert(X->rows == rows * cols && X->cols == want, "X is %ld x %ld", X->rows, X->cols);
            for (long k = 0; k < want; k++)
                for (long r = 0; r < rows; r++)
                    for (long c = 0; c < cols; c++)
                        cr_assert(*ENT(X, r * cols + c, k) == pixel(k, r, c),
                                  "gz %d image %ld pixel (%ld,%ld) = %g, want %d", gz, k, r, c,
                                  *ENT(X, r * cols + c, k), pixel(k, r, c));
            mat_clear_d(X);
            unsigned char *L;
            long n;
            cr_assert_eq(idx_read_labels(&L, &n, lp, maxc, err), DEQ_OK, "%s", err->msg);
            cr_assert_eq(n, want);
            cr_assert(memcmp(L, lab, (size_t)want) == 0);
            free(L);
        }
    }
}

Test(idx, bad_files)
{
    const char *dir = test_tmpdir();
    char p[4200];
    unsigned char data[64] = {0};
    deq_error_t err;
    mat_d_t X;
    long R, C, n;
    unsigned char *L;

    snprintf(p, sizeof p, "%s/missing.gz", dir);
    deq_error_init(err);
    expect_idx_error(idx_read_images(X, &R, &C, p, 0, err), err, p, "cannot open");
    deq_error_init(err);
    expect_idx_error(idx_read_labels(&L, &n, p, 0, err), err, p, "cannot open");
    cr_assert_null(L);

    for (int gz = 0; gz < 2; gz++) {
        /* a label file where images are expected, and the reverse */
        snprintf(p, sizeof p, "%s/lab%d", dir, gz);
        write_idx(p, gz, 0x801, (uint32_t[]){3}, 1, data, 3);
        deq_error_init(err);
        expect_idx_error(idx_read_images(X, &R, &C, p, 0, err), err, p,
                         "not an IDX image file: magic number 0x00000801, expected 0x00000803");
        snprintf(p, sizeof p, "%s/img%d", dir, gz);
        write_idx(p, gz, 0x803, (uint32_t[]){1, 2, 2}, 3, data, 4);
        deq_error_init(err);
        expect_idx_error(idx_read_labels(&L, &n, p, 0, err), err, p, "not an IDX label file");
        snprintf(p, sizeof p, "%s/magic%d", dir, gz);
        write_idx(p, gz, 0x12345678, (uint32_t[]){1, 2, 2}, 3, data, 4);
        deq_error_init(err);
        expect_idx_error(idx_read_images(X, &R, &C, p, 0, err), err, p, "magic number 0x12345678");

        /* truncated: 3 images of 2 x 2 promised, 10 of 12 bytes present */
        snprintf(p, sizeof p, "%s/short%d", dir, gz);
        write_idx(p, gz, 0x803, (uint32_t[]){3, 2, 2}, 3, data, 10);
        deq_error_init(err);
        expect_idx_error(idx_read_images(X, &R, &C, p, 0, err), err, p,
                         "truncated: the header promises 3 images of 2 x 2 pixels");
        cr_assert_not_null(strstr(err->msg, "needs 12 bytes of pixels, the file holds 10"), "%s",
                           err->msg);
        /* ... but the first two images are there */
        deq_error_init(err);
        cr_assert_eq(idx_read_images(X, &R, &C, p, 2, err), DEQ_OK, "%s", err->msg);
        mat_clear_d(X);

        snprintf(p, sizeof p, "%s/shortlab%d", dir, gz);
        write_idx(p, gz, 0x801, (uint32_t[]){100}, 1, data, 60);
        deq_error_init(err);
        expect_idx_error(idx_read_labels(&L, &n, p, 0, err), err, p,
                         "truncated: the header promises 100 labels");

        /* a zero dimension */
        snprintf(p, sizeof p, "%s/zero%d", dir, gz);
        write_idx(p, gz, 0x803, (uint32_t[]){2, 0, 2}, 3, data, 0);
        deq_error_init(err);
        expect_idx_error(idx_read_images(X, &R, &C, p, 0, err), err, p, "dimension 2 is 0");

        /* a header promising 2^32 - 1 images of 28 x 28: reported as
         * truncated, without trying to allocate 3 TB first */
        snprintf(p, sizeof p, "%s/huge%d", dir, gz);
        write_idx(p, gz, 0x803, (uint32_t[]){0xffffffffu, 28, 28}, 3, data, 64);
        deq_error_init(err);
        expect_idx_error(idx_read_images(X, &R, &C, p, 0, err), err, p, "truncated");

        /* dimensions whose product cannot be a matrix: 2^64 pixels per
         * image, or 2^32 images of 2^32 pixels as doubles */
        snprintf(p, sizeof p, "%s/wide%d", dir, gz);
        write_idx(p, gz, 0x803, (uint32_t[]){1, 0xffffffffu, 0xffffffffu}, 3, data, 64);
        deq_error_init(err);
        expect_idx_error(idx_read_images(X, &R, &C, p, 0, err), err, p,
                         "bad IDX header: 1 images of 4294967295 x 4294967295 pixels is too large");
        write_idx(p, gz, 0x803, (uint32_t[]){0xffffffffu, 65536, 65536}, 3, data, 64);
        deq_error_init(err);
        expect_idx_error(idx_read_images(X, &R, &C, p, 0, err), err, p, "is too large");

        /* a header cut short */
        snprintf(p, sizeof p, "%s/head%d", dir, gz);
        write_idx(p, gz, 0x803, (uint32_t[]){5, 5, 5}, 3, NULL, 0);
        if (!gz) { /* cut the plain file to 9 bytes */
            cr_assert_eq(truncate(p, 9), 0);
            deq_error_init(err);
            expect_idx_error(idx_read_images(X, &R, &C, p, 0, err), err, p,
                             "truncated IDX header: expected 16 bytes, found 9");
        }
    }

    /* A gzip stream cut in the middle: zlib reports the early end. */
    unsigned char big[4096];
    for (int k = 0; k < 4096; k++)
        big[k] = (unsigned char)(k * 2654435761u >> 24); /* incompressible-ish */
    snprintf(p, sizeof p, "%s/cut.gz", dir);
    write_idx(p, 1, 0x803, (uint32_t[]){4, 32, 32}, 3, big, 4096);
    struct stat sb;
    cr_assert_eq(stat(p, &sb), 0);
    cr_assert_eq(truncate(p, sb.st_size / 2), 0);
    deq_error_init(err);
    expect_idx_error(idx_read_images(X, &R, &C, p, 0, err), err, p, "truncated");
}

Test(idx, fashion_mnist)
{
    char ip[512], lp[512], tl[512];
    snprintf(ip, sizeof ip, "%s/train-images-idx3-ubyte.gz", DEQ_FASHION_MNIST_DIR);
    snprintf(lp, sizeof lp, "%s/train-labels-idx1-ubyte.gz", DEQ_FASHION_MNIST_DIR);
    snprintf(tl, sizeof tl, "%s/t10k-labels-idx1-ubyte.gz", DEQ_FASHION_MNIST_DIR);
    struct stat sb;
    if (stat(ip, &sb) != 0 || stat(lp, &sb) != 0 || stat(tl, &sb) != 0)
        cr_skip_test("Fashion-MNIST not installed in %s", DEQ_FASHION_MNIST_DIR);

    deq_error_t err;
    deq_error_init(err);
    mat_d_t X;
    long R, C;
    cr_assert_eq(idx_read_images(X, &R, &C, ip, 10, err), DEQ_OK, "%s", err->msg);
    cr_assert(R == 28 && C == 28 && X->rows == 784 && X->cols == 10, "%ld x %ld, X %ld x %ld", R,
              C, X->rows, X->cols);
    /* Pixel sums of the first ten training images, computed with Python's
     * gzip module (an independent reader). */
    const double sums[10] = {76247, 84598, 28662, 46649, 61187, 84165, 32526, 115182, 19892, 40696};
    for (long k = 0; k < 10; k++) {
        double s = 0;
        for (long p = 0; p < 784; p++) {
            double v = *ENT(X, p, k);
            cr_assert(v >= 0 && v <= 255 && v == floor(v), "image %ld pixel %ld = %g", k, p, v);
            s += v;
        }
        cr_assert(s == sums[k], "image %ld pixel sum %g, want %g", k, s, sums[k]);
    }
    /* Row 14 of image 0 from the same independent reader: checks the
     * row-major placement r*cols + c. */
    const unsigned char row14[28] = {0,   0,   1,   4,   6,   7,   2,   0,   0,   0,
                                     0,   0,   237, 226, 217, 223, 222, 219, 222, 221,
                                     216, 223, 229, 215, 218, 255, 77,  0};
    for (long c = 0; c < 28; c++)
        cr_assert(*ENT(X, 14 * 28 + c, 0) == row14[c], "image 0 pixel (14,%ld) = %g, want %d",
                  c, *ENT(X, 14 * 28 + c, 0), row14[c]);
    mat_clear_d(X);

    /* The first labels (9 = ankle boot, ...), then the whole file: 60000
     * labels in 0..9, 6000 per class (the published balanced split). */
    unsigned char *L;
    long n;
    cr_assert_eq(idx_read_labels(&L, &n, lp, 10, err), DEQ_OK, "%s", err->msg);
    const unsigned char first[10] = {9, 0, 0, 3, 0, 2, 7, 2, 5, 5};
    cr_assert_eq(n, 10);
    cr_assert(memcmp(L, first, 10) == 0);
    free(L);
    for (int t = 0; t < 2; t++) {
        cr_assert_eq(idx_read_labels(&L, &n, t ? tl : lp, 0, err), DEQ_OK, "%s", err->msg);
        long total = t ? 10000 : 60000, per[10] = {0};
        cr_assert_eq(n, total);
        for (long k = 0; k < n; k++) {
            cr_assert(L[k] <= 9, "label %ld = %d", k, L[k]);
            per[L[k]]++;
        }
        for (int c = 0; c < 10; c++)
            cr_assert_eq(per[c], total / 10, "class %d: %ld labels", c, per[c]);
        free(L);
    }
}

/* ======================================================================== */
/* Fashion-MNIST pairs: images and labels files that must agree              */

#define FSIDE DEQ_FASHION_SIDE
#define FPIX (FSIDE * FSIDE)

/* Pixel p of image k of the synthetic pairs: scrambled (so that gzip keeps
 * most of the bytes and a damaged stream is noticed), never all zero. */
static unsigned char fpixel(long k, long p)
{
    return (unsigned char)(((uint32_t)(k * FPIX + p) * 2654435761u >> 24) | (p == 0));
}

/* dir/<set>-images-idx3-ubyte.gz and dir/<set>-labels-idx1-ubyte.gz, the
 * names the loader expects (set: "train" or "t10k"). */
static void fashion_paths(char ip[4200], char lp[4200], const char *dir, const char *set)
{
    snprintf(ip, 4200, "%s/%s-images-idx3-ubyte.gz", dir, set);
    snprintf(lp, 4200, "%s/%s-labels-idx1-ubyte.gz", dir, set);
}

/* Writes, gzipped, an images file of nimg images of rows x cols (a header
 * that says nimg, pixels for nimg images) and a labels file of nlab labels
 * lab[k % nl]. */
static void write_fashion(const char *dir, const char *set, uint32_t nimg, uint32_t rows,
                          uint32_t cols, uint32_t nlab, const unsigned char *lab, size_t nl)
{
    char ip[4200], lp[4200];
    fashion_paths(ip, lp, dir, set);
    size_t npix = (size_t)rows * cols;
    unsigned char *img = malloc(nimg * npix + 1), *labs = malloc(nlab + 1);
    for (size_t k = 0; k < nimg; k++)
        for (size_t p = 0; p < npix; p++)
            img[k * npix + p] = fpixel((long)k, (long)p);
    for (size_t k = 0; k < nlab; k++)
        labs[k] = lab[k % nl];
    write_idx(ip, 1, 0x803, (uint32_t[]){nimg, rows, cols}, 3, img, nimg * npix);
    write_idx(lp, 1, 0x801, (uint32_t[]){nlab}, 1, labs, nlab);
    free(img);
    free(labs);
}

/* A sound pair: 12 images, labels 0 1 2 0 1 1 3 0 ... (lab6 repeated). */
static const unsigned char lab6[6] = {0, 1, 2, 0, 1, 1};

static void write_sound(const char *dir, const char *set)
{
    write_fashion(dir, set, 12, FSIDE, FSIDE, 12, lab6, 6);
}

/* A fresh subdirectory of the test's directory. */
static const char *fashion_subdir(const char *name)
{
    static char d[4096];
    snprintf(d, sizeof d, "%s/%s", tmpdir_once(), name);
    cr_assert(mkdir(d, 0700) == 0 || errno == EEXIST, "mkdir %s: %s", d, strerror(errno));
    return d;
}

/* Flips byte `off` of the file (from its end when off < 0). */
static void flip_byte(const char *path, long off)
{
    FILE *f = fopen(path, "r+b");
    cr_assert_not_null(f);
    cr_assert_eq(fseek(f, off, off < 0 ? SEEK_END : SEEK_SET), 0);
    int c = fgetc(f);
    cr_assert_neq(c, EOF);
    cr_assert_eq(fseek(f, -1, SEEK_CUR), 0);
    fputc(c ^ 0x5a, f);
    fclose(f);
}

static long file_size(const char *path)
{
    struct stat sb;
    cr_assert_eq(stat(path, &sb), 0, "%s", path);
    return (long)sb.st_size;
}

/* The loader on dir's training pair must fail with DEQ_ERR_INPUT and one line
 * that names `path` and contains `what`; X and y are left uninitialized. */
static void expect_fashion_error(const char *dir, const char *path, const char *what)
{
    deq_error_t err;
    deq_error_init(err);
    mat_d_t X, y;
    deq_status s = data_fashion_two_class(X, y, 4, 0, 1, 0, dir, err);
    cr_assert_eq(s, DEQ_ERR_INPUT, "%s (%s): status %d", dir, what, (int)s);
    cr_assert_not_null(strstr(err->msg, path), "message should name %s: \"%s\"", path, err->msg);
    cr_assert_not_null(strstr(err->msg, what), "message should contain \"%s\": \"%s\"", what,
                       err->msg);
    cr_assert_null(strchr(err->msg, '\n'), "multi-line message: \"%s\"", err->msg);
    /* the same from data_fashion_check, which reads every file */
    deq_error_init(err);
    int present = -1;
    cr_assert_eq(data_fashion_check(dir, &present, err), DEQ_ERR_INPUT, "check of %s passed (%s)",
                 dir, what);
    cr_assert_eq(present, 1);
    cr_assert_not_null(strstr(err->msg, path), "check should name %s: \"%s\"", path, err->msg);
}

Test(fashion, sound_pair_picks_alternating_unit_norm_images)
{
    const char *dir = fashion_subdir("sound");
    write_sound(dir, "train");
    write_sound(dir, "t10k");
    deq_error_t err;
    mat_d_t X, y;
    for (int test = 0; test < 2; test++) {
        deq_error_init(err);
        /* classes 1 (+1) and 0 (−1): labels 0 1 2 0 1 1 0 1 2 0 1 1, so
         * images 1, 0, 4, 3, 5, 6 */
        cr_assert_eq(data_fashion_two_class(X, y, 6, 1, 0, test, dir, err), DEQ_OK, "%s",
                     err->msg);
        cr_assert(X->rows == FPIX && X->cols == 6 && y->rows == 6 && y->cols == 1);
        const long want[6] = {1, 0, 4, 3, 5, 6};
        for (long i = 0; i < 6; i++) {
            double s = 0;
            for (long p = 0; p < FPIX; p++)
                s += (double)fpixel(want[i], p) * fpixel(want[i], p);
            s = sqrt(s);
            for (long p = 0; p < FPIX; p++)
                cr_assert(fabs(*ENT(X, p, i) - fpixel(want[i], p) / s) <= 4 * U_D,
                          "column %ld pixel %ld: %.17g, want image %ld's %.17g", i, p,
                          *ENT(X, p, i), want[i], fpixel(want[i], p) / s);
            cr_assert(y->e[i] == (i % 2 == 0 ? 1.0 : -1.0));
        }
        mat_clear_d(X), mat_clear_d(y);
    }
    deq_error_init(err);
    int present = -1;
    cr_assert_eq(data_fashion_check(dir, &present, err), DEQ_OK, "%s", err->msg);
    cr_assert_eq(present, 1);
    /* more images of a class than there are: named, with the labels file */
    char ip[4200], lp[4200];
    fashion_paths(ip, lp, dir, "train");
    cr_assert_eq(data_fashion_two_class(X, y, 10, 0, 1, 0, dir, err), DEQ_ERR_INPUT);
    cr_assert(strstr(err->msg, lp) && strstr(err->msg, "only 4 and 5 images of classes 0 and 1"),
              "%s", err->msg);
}

Test(fashion, absent_files_are_not_installed)
{
    const char *dir = fashion_subdir("empty");
    deq_error_t err;
    deq_error_init(err);
    mat_d_t X, y;
    int present = -1;
    cr_assert_eq(data_fashion_check(dir, &present, err), DEQ_OK, "%s", err->msg);
    cr_assert_eq(present, 0);
    char nowhere[4200];
    snprintf(nowhere, sizeof nowhere, "%s/no-such-dir", dir);
    cr_assert_eq(data_fashion_check(nowhere, &present, err), DEQ_OK, "%s", err->msg);
    cr_assert_eq(present, 0);
    /* the loader says what to install, naming the file it lacks */
    char ip[4200], lp[4200];
    fashion_paths(ip, lp, dir, "train");
    expect_idx_error(data_fashion_two_class(X, y, 4, 0, 1, 0, dir, err), err, ip,
                     "not found (install it with: apt-get install dataset-fashion-mnist)");
    write_sound(dir, "train");
    cr_assert_eq(unlink(lp), 0);
    deq_error_init(err);
    expect_idx_error(data_fashion_two_class(X, y, 4, 0, 1, 0, dir, err), err, lp,
                     "not found");
    /* some files there, others not: the check names the first missing one */
    write_sound(dir, "train");
    fashion_paths(ip, lp, dir, "t10k");
    deq_error_init(err);
    cr_assert_eq(data_fashion_check(dir, &present, err), DEQ_ERR_INPUT);
    cr_assert_eq(present, 1);
    expect_idx_error(DEQ_ERR_INPUT, err, ip, "missing, though other Fashion-MNIST files are there");
}

Test(fashion, inconsistent_pairs_are_bad_input, .timeout = 60)
{
    char ip[4200], lp[4200], what[9000];
    const char *dir;

    /* item counts that differ, either way */
    dir = fashion_subdir("counts");
    write_sound(dir, "t10k");
    write_fashion(dir, "train", 100, FSIDE, FSIDE, 120, lab6, 6);
    fashion_paths(ip, lp, dir, "train");
    snprintf(what, sizeof what, "images file %s has 100 items but labels file %s has 120", ip, lp);
    expect_fashion_error(dir, ip, what);
    write_fashion(dir, "train", 120, FSIDE, FSIDE, 100, lab6, 6);
    snprintf(what, sizeof what, "images file %s has 120 items but labels file %s has 100", ip, lp);
    expect_fashion_error(dir, ip, what);

    /* images that are not 28 x 28 */
    dir = fashion_subdir("size");
    write_sound(dir, "t10k");
    write_fashion(dir, "train", 12, FSIDE, FSIDE - 1, 12, lab6, 6);
    fashion_paths(ip, lp, dir, "train");
    expect_fashion_error(dir, ip, ": images of 28 x 27 pixels; Fashion-MNIST's are 28 x 28");

    /* a label outside 0..9 */
    dir = fashion_subdir("label");
    write_sound(dir, "t10k");
    write_fashion(dir, "train", 12, FSIDE, FSIDE, 12, (const unsigned char[]){0, 1, 2, 3, 10, 1},
                  6);
    fashion_paths(ip, lp, dir, "train");
    expect_fashion_error(dir, lp, ": the label of item 4 (counting from 0) is 10");

    /* wrong magic numbers: the files swapped */
    dir = fashion_subdir("magic");
    write_sound(dir, "t10k");
    write_sound(dir, "train");
    fashion_paths(ip, lp, dir, "train");
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.tmp", ip);
    cr_assert(rename(ip, tmp) == 0 && rename(lp, ip) == 0 && rename(tmp, lp) == 0);
    expect_fashion_error(dir, lp, ": not an IDX label file: magic number 0x00000803");

    /* a zero count in either file */
    dir = fashion_subdir("zero");
    write_sound(dir, "t10k");
    write_fashion(dir, "train", 0, FSIDE, FSIDE, 12, lab6, 6);
    fashion_paths(ip, lp, dir, "train");
    expect_fashion_error(dir, ip, ": bad IDX header: dimension 1 is 0");
    write_fashion(dir, "train", 12, FSIDE, FSIDE, 0, lab6, 6);
    expect_fashion_error(dir, lp, ": bad IDX header: dimension 1 is 0");

    /* a header that promises more images than the file holds (a truncated
     * file), and one that promises fewer (data after them) */
    dir = fashion_subdir("promise");
    write_sound(dir, "t10k");
    write_sound(dir, "train");
    fashion_paths(ip, lp, dir, "train");
    unsigned char *img = malloc(13 * FPIX);
    for (long k = 0; k < 13; k++)
        for (long p = 0; p < FPIX; p++)
            img[k * FPIX + p] = fpixel(k, p);
    write_idx(ip, 1, 0x803, (uint32_t[]){12, FSIDE, FSIDE}, 3, img, 11 * FPIX + 100);
    expect_fashion_error(dir, ip, ": truncated: the header promises 12 images of 28 x 28 pixels");
    write_idx(ip, 1, 0x803, (uint32_t[]){12, FSIDE, FSIDE}, 3, img, 12 * FPIX + 1);
    expect_fashion_error(dir, ip, ": more data than the header promises");
    write_sound(dir, "train");
    unsigned char lab13[13] = {0};
    write_idx(lp, 1, 0x801, (uint32_t[]){12}, 1, lab13, 13);
    expect_fashion_error(dir, lp, ": more data than the header promises");
    free(img);

    /* gzip streams cut short and corrupt, small (12 images, read in one
     * piece) and larger (200 images, 157 KB, read in pieces) */
    for (uint32_t nimg = 12; nimg <= 200; nimg += 188) {
        dir = fashion_subdir(nimg == 12 ? "damaged-small" : "damaged-large");
        write_sound(dir, "t10k");
        fashion_paths(ip, lp, dir, "train");
        /* cut in the middle */
        write_fashion(dir, "train", nimg, FSIDE, FSIDE, nimg, lab6, 6);
        long size = file_size(ip);
        cr_assert_eq(truncate(ip, size / 2), 0);
        expect_fashion_error(dir, ip, ": truncated");
        /* cut inside the trailer: every pixel there, the stream not whole */
        write_fashion(dir, "train", nimg, FSIDE, FSIDE, nimg, lab6, 6);
        cr_assert_eq(truncate(ip, size - 4), 0);
        expect_fashion_error(dir, ip, ": truncated: the gzip stream breaks off after the");
        write_fashion(dir, "train", nimg, FSIDE, FSIDE, nimg, lab6, 6);
        cr_assert_eq(truncate(lp, file_size(lp) - 3), 0);
        expect_fashion_error(dir, lp, ": truncated");
        /* a wrong CRC */
        write_fashion(dir, "train", nimg, FSIDE, FSIDE, nimg, lab6, 6);
        flip_byte(ip, -8);
        expect_fashion_error(dir, ip, ": corrupt gzip data after the");
        expect_fashion_error(dir, ip, "(zlib: incorrect data check)");
        /* a damaged byte of the compressed pixels */
        write_fashion(dir, "train", nimg, FSIDE, FSIDE, nimg, lab6, 6);
        flip_byte(ip, size / 2);
        expect_fashion_error(dir, ip, ": corrupt gzip data");
        write_fashion(dir, "train", nimg, FSIDE, FSIDE, nimg, lab6, 6);
        flip_byte(lp, -5);
        expect_fashion_error(dir, lp, ": corrupt gzip data");
    }

    /* the test pair is checked as well */
    dir = fashion_subdir("t10k");
    write_sound(dir, "train");
    write_fashion(dir, "t10k", 12, FSIDE, FSIDE, 11, lab6, 6);
    fashion_paths(ip, lp, dir, "t10k");
    deq_error_t err;
    deq_error_init(err);
    int present;
    cr_assert_eq(data_fashion_check(dir, &present, err), DEQ_ERR_INPUT);
    snprintf(what, sizeof what, "images file %s has 12 items but labels file %s has 11", ip, lp);
    cr_assert_str_eq(err->msg, what);
}

/* Runs deqcheck and expects exit status 2 with exactly one line on stderr,
 * naming `path` and containing `what`. */
static void expect_cli_bad_data(int st, const char *path, const char *what)
{
    cr_assert_eq(st, 2, "exit %d, stderr: %s", st, test_cli_err);
    size_t len = strlen(test_cli_err);
    cr_assert(len > 0 && strchr(test_cli_err, '\n') == test_cli_err + len - 1,
              "not one line: \"%s\"", test_cli_err);
    cr_assert_not_null(strstr(test_cli_err, path), "stderr does not name %s: %s", path,
                       test_cli_err);
    cr_assert_not_null(strstr(test_cli_err, what), "stderr lacks \"%s\": %s", what, test_cli_err);
}

Test(fashion, cli_train_and_run_refuse_inconsistent_files, .timeout = 120)
{
    const char *dir = fashion_subdir("cli");
    char ip[4200], lp[4200], log[4200], report[4200], what[9000];
    snprintf(log, sizeof log, "%s/train.csv", tmpdir_once());
    snprintf(report, sizeof report, "%s/report.md", tmpdir_once());
    write_sound(dir, "t10k");
    write_sound(dir, "train");
    fashion_paths(ip, lp, dir, "train");
    /* a sound directory trains */
    int st = test_run_cli("train", "--preset", "gao2021", "--m", "8", "--n", "4", "--steps", "1",
                          "--lr", "0.1", "--seed", "1", "--log", log, "--data", "fashion-mnist",
                          "--fashion-dir", dir, NULL);
    cr_assert_eq(st, 0, "exit %d: %s", st, test_cli_err);
    /* 120 labels for 100 images */
    write_fashion(dir, "train", 100, FSIDE, FSIDE, 120, lab6, 6);
    snprintf(what, sizeof what, "images file %s has 100 items but labels file %s has 120", ip, lp);
    st = test_run_cli("train", "--preset", "gao2021", "--m", "8", "--n", "4", "--steps", "1",
                      "--lr", "0.1", "--seed", "1", "--log", log, "--data", "fashion-mnist",
                      "--fashion-dir", dir, NULL);
    expect_cli_bad_data(st, ip, what);
    cr_assert(strncmp(test_cli_err, "deqcheck train: images file ", 28) == 0, "%s", test_cli_err);
    st = test_run_cli("run", "generalization", "--profile", "quick", "--fashion-dir", dir,
                      "--report", report, NULL);
    expect_cli_bad_data(st, ip, what);
    cr_assert(strncmp(test_cli_err, "deqcheck run: images file ", 26) == 0, "%s", test_cli_err);
    cr_assert(access(report, F_OK) != 0, "a report was written");
    /* a truncated images file */
    write_sound(dir, "train");
    cr_assert_eq(truncate(ip, file_size(ip) / 2), 0);
    st = test_run_cli("run", "generalization", "--profile", "quick", "--fashion-dir", dir,
                      "--report", report, NULL);
    expect_cli_bad_data(st, ip, ": truncated");
    /* a family that does not read Fashion-MNIST does not look at it */
    st = test_run_cli("run", "well-posedness", "--fashion-dir", dir, "--widths", "8", "--seeds",
                      "1", "--backend", "double", "--no-plots", "--report", report, NULL);
    cr_assert(st == 0 || st == 1, "exit %d: %s", st, test_cli_err);
}

/* ======================================================================== */
/* Points on the sphere                                                      */

/* Deviation from unit norm measured in long double (11 more bits than
 * double on x86-64; elsewhere at least as accurate as double). */
static double norm_dev_ld(const double *x, long d)
{
    long double s = 0;
    for (long i = 0; i < d; i++)
        s += (long double)x[i] * x[i];
    return (double)fabsl(sqrtl(s) - 1.0L);
}

Test(sphere, unit_norm_and_determinism)
{
    const long dims[] = {1, 2, 3, 10, 784};
    for (size_t t = 0; t < sizeof dims / sizeof dims[0]; t++) {
        long d = dims[t], n = 200;
        deq_rng_t r1, r2;
        deq_rng_init(r1, test_seed());
        deq_rng_init(r2, test_seed());
        mat_d_t X, Y;
        mat_init_d(X, d, n, 53);
        mat_init_d(Y, d, n, 53);
        data_sphere_points(X, r1);
        data_sphere_points(Y, r2);
        cr_assert(memcmp(X->e, Y->e, (size_t)(d * n) * sizeof(double)) == 0,
                  "d = %ld: same seed, different points", d);
        /* Normalizing in double leaves |‖x‖ - 1| <= (d/2 + 2) u to first
         * order (see checks.c); allow the long-double measurement's error. */
        double bound = (d / 2.0 + 2.0) * U_D * (1 + 1e-6) + (double)d * ldexp(1.0, -63);
        for (long j = 0; j < n; j++) {
            double dev = norm_dev_ld(X->e + j * d, d);
            cr_assert(dev <= bound, "d = %ld column %ld: |‖x‖ - 1| = %.3g > %.3g" TSEED_FMT, d, j,
                      dev, bound, TSEED);
        }
        if (d == 1) {
            long pos = 0;
            for (long j = 0; j < n; j++) {
                cr_assert(X->e[j] == 1.0 || X->e[j] == -1.0, "d = 1: x = %g", X->e[j]);
                pos += X->e[j] > 0;
            }
            cr_assert(pos > 0 && pos < n, "d = 1: %ld of %ld positive" TSEED_FMT, pos, n, TSEED);
        }
        /* a different seed gives different points */
        deq_rng_t r3;
        deq_rng_init(r3, test_seed() + 1);
        data_sphere_points(Y, r3);
        cr_assert(memcmp(X->e, Y->e, (size_t)(d * n) * sizeof(double)) != 0);
        mat_clear_d(X);
        mat_clear_d(Y);
        deq_rng_clear(r1);
        deq_rng_clear(r2);
        deq_rng_clear(r3);
    }
}

static int cmp_double(const void *p, const void *q)
{
    double a = *(const double *)p, b = *(const double *)q;
    return (a > b) - (a < b);
}

Test(sphere, moments_and_uniformity)
{
    const long n = 20000;
    const long dims[] = {2, 3, 50};
    for (size_t t = 0; t < sizeof dims / sizeof dims[0]; t++) {
        long d = dims[t];
        deq_rng_t rng;
        deq_rng_init(rng, test_seed());
        mat_d_t X;
        mat_init_d(X, d, n, 53);
        data_sphere_points(X, rng);
        /* Mean: each coordinate of the sample mean is ~ N(0, 1/(d n)), so
         * d n ‖mean‖² ~ chi²_d and ‖mean‖ <= 6/sqrt(n) fails with
         * probability P(chi²_d > 36 d) < 1e-12 for every d. */
        double m2 = 0, sq = 0;
        for (long i = 0; i < d; i++) {
            double m = 0;
            for (long j = 0; j < n; j++)
                m += *ENT(X, i, j);
            m /= (double)n;
            m2 += m * m;
        }
        cr_assert(sqrt(m2) <= 6.0 / sqrt((double)n), "d = %ld: ‖mean‖ = %.3g > 6/sqrt(n)" TSEED_FMT,
                  d, sqrt(m2), TSEED);
        /* Second moment of a coordinate: E x_1² = 1/d, Var x_1² = 3/(d(d+2)) - 1/d². */
        for (long j = 0; j < n; j++)
            sq += *ENT(X, 0, j) * *ENT(X, 0, j);
        sq /= (double)n;
        double sd = sqrt((3.0 / (d * (d + 2.0)) - 1.0 / ((double)d * d)) / (double)n);
        cr_assert(fabs(sq - 1.0 / d) <= 6 * sd, "d = %ld: mean x_1² = %.5f, want %.5f ± %.2g" TSEED_FMT,
                  d, sq, 1.0 / d, 6 * sd, TSEED);
        if (d == 2) {
            /* The angle is uniform on (-pi, pi]: Kolmogorov-Smirnov with
             * D <= 2/sqrt(n) (p ~ 7e-4 under uniformity would exceed 1.95). */
            double *a = malloc((size_t)n * sizeof(double));
            for (long j = 0; j < n; j++)
                a[j] = atan2(*ENT(X, 1, j), *ENT(X, 0, j));
            qsort(a, (size_t)n, sizeof(double), cmp_double);
            double D = 0;
            for (long j = 0; j < n; j++) {
                double F = (a[j] + M_PI) / (2 * M_PI);
                D = fmax(D, fmax(fabs(F - (double)j / n), fabs(F - (double)(j + 1) / n)));
            }
            cr_assert(D <= 2.0 / sqrt((double)n), "d = 2: KS distance %.4f" TSEED_FMT, D, TSEED);
            free(a);
        }
        mat_clear_d(X);
        deq_rng_clear(rng);
    }
}

Test(sphere, passes_data_checks)
{
    const long dims[] = {2, 10, 784};
    const long ns[] = {500, 300, 300};
    for (size_t t = 0; t < 3; t++) {
        deq_rng_t rng;
        deq_rng_init(rng, test_seed());
        mat_d_t X;
        mat_init_d(X, dims[t], ns[t], 53);
        data_sphere_points(X, rng);
        data_check_t chk;
        data_check_init(chk);
        data_check_hypotheses(chk, X, 5);
        cr_assert(chk->unit_norm_ok, "d = %ld: max norm deviation %.3g > tol %.3g" TSEED_FMT,
                  dims[t], chk->max_norm_dev, chk->norm_tol, TSEED);
        cr_assert(chk->no_parallel_ok && chk->n_parallel == 0 && chk->n_listed == 0,
                  "d = %ld: %ld parallel pairs (min angle %.3g, tol %.3g)" TSEED_FMT, dims[t],
                  chk->n_parallel, chk->min_angle, chk->parallel_tol, TSEED);
        cr_assert(chk->min_i >= 0 && chk->min_i < chk->min_j && chk->min_j < ns[t]);
        cr_assert(chk->min_angle > 0 && chk->min_angle <= M_PI / 2);
        data_check_clear(chk);
        mat_clear_d(X);
        deq_rng_clear(rng);
    }
}

/* ======================================================================== */
/* Data checks                                                               */

/* Reference angle between the lines through x and y, from MPFR at 256 bits:
 * acos(|x·y| / (‖x‖‖y‖)) loses half of 256 bits near 0, leaving ~128 bits,
 * far more than double needs. */
static double angle_ref(const double *x, const double *y, long d)
{
    mpfr_t xy, xx, yy, t;
    mpfr_inits2(256, xy, xx, yy, t, (mpfr_ptr)0);
    mpfr_set_zero(xy, 1), mpfr_set_zero(xx, 1), mpfr_set_zero(yy, 1);
    for (long k = 0; k < d; k++) { /* products of doubles are exact at 256 bits */
        mpfr_set_d(t, x[k], MPFR_RNDN), mpfr_mul_d(t, t, y[k], MPFR_RNDN), mpfr_add(xy, xy, t, MPFR_RNDN);
        mpfr_set_d(t, x[k], MPFR_RNDN), mpfr_mul_d(t, t, x[k], MPFR_RNDN), mpfr_add(xx, xx, t, MPFR_RNDN);
        mpfr_set_d(t, y[k], MPFR_RNDN), mpfr_mul_d(t, t, y[k], MPFR_RNDN), mpfr_add(yy, yy, t, MPFR_RNDN);
    }
    mpfr_mul(t, xx, yy, MPFR_RNDN);
    mpfr_sqrt(t, t, MPFR_RNDN);
    mpfr_div(t, xy, t, MPFR_RNDN);
    mpfr_abs(t, t, MPFR_RNDN);
    if (mpfr_cmp_ui(t, 1) > 0)
        mpfr_set_ui(t, 1, MPFR_RNDN);
    mpfr_acos(t, t, MPFR_RNDN);
    double r = mpfr_get_d(t, MPFR_RNDN);
    mpfr_clears(xy, xx, yy, t, (mpfr_ptr)0);
    return r;
}

static void sphere(mat_d_t X, long d, long n, unsigned long seed)
{
    deq_rng_t rng;
    deq_rng_init(rng, seed);
    mat_init_d(X, d, n, 53);
    data_sphere_points(X, rng);
    deq_rng_clear(rng);
}

static int listed(const data_check_t c, long i, long j)
{
    for (long k = 0; k < c->n_listed; k++)
        if (c->parallel[k].i == i && c->parallel[k].j == j)
            return 1;
    return 0;
}

Test(checks, duplicate_and_negated_columns)
{
    const long d = 10, n = 150; /* n > 64: pairs straddle Gram blocks */
    mat_d_t X;
    sphere(X, d, n, test_seed());
    memcpy(X->e + 137 * d, X->e + 12 * d, (size_t)d * sizeof(double));
    for (long i = 0; i < d; i++)
        X->e[40 * d + i] = -X->e[5 * d + i];
    data_check_t c;
    data_check_init(c);
    data_check_hypotheses(c, X, 10);
    cr_assert(c->unit_norm_ok);
    cr_assert(!c->no_parallel_ok);
    cr_assert_eq(c->n_parallel, 2, "n_parallel = %ld" TSEED_FMT, c->n_parallel, TSEED);
    cr_assert_eq(c->n_listed, 2);
    cr_assert(listed(c, 12, 137) && listed(c, 5, 40), "pairs (%ld,%ld) (%ld,%ld)",
              c->parallel[0].i, c->parallel[0].j, c->parallel[1].i, c->parallel[1].j);
    cr_assert(c->min_angle == 0.0, "min angle %.3g", c->min_angle);
    for (long k = 0; k < 2; k++)
        cr_assert(c->parallel[k].angle == 0.0);

    /* Only one listed, both counted. */
    data_check_hypotheses(c, X, 1);
    cr_assert(c->n_parallel == 2 && c->n_listed == 1, "%ld counted, %ld listed", c->n_parallel,
              c->n_listed);
    data_check_hypotheses(c, X, 0);
    cr_assert(c->n_parallel == 2 && c->n_listed == 0);
    data_check_clear(c);
    mat_clear_d(X);
}

/* Inputs parallel in exact arithmetic but normalized separately in double
 * (x and s x for assorted s, by two different normalization formulas) differ
 * by roundoff only: the check must still call them parallel. */
Test(checks, parallel_up_to_normalization_roundoff)
{
    const long dims[] = {2, 10, 784};
    for (size_t t = 0; t < 3; t++) {
        long d = dims[t], n = 40;
        deq_rng_t rng;
        deq_rng_init(rng, test_seed());
        mat_d_t X;
        mat_init_d(X, d, n, 53);
        test_fill_gaussian(X, rng);
        for (long j = 1; j < n; j += 2) { /* column j = s * column j-1, s of either sign */
            double s = (deq_rng_uniform(rng) < 0.5 ? -1 : 1) * exp(20 * deq_rng_uniform(rng) - 10);
            for (long i = 0; i < d; i++)
                X->e[j * d + i] = s * X->e[(j - 1) * d + i];
        }
        for (long j = 0; j < n; j++) {
            double *x = X->e + j * d, ss = 0;
            if (j % 4 == 1) { /* reverse order, multiply by the reciprocal */
                for (long i = d - 1; i >= 0; i--)
                    ss += x[i] * x[i];
                double inv = 1.0 / sqrt(ss);
                for (long i = 0; i < d; i++)
                    x[i] *= inv;
            } else {
                for (long i = 0; i < d; i++)
                    ss += x[i] * x[i];
                for (long i = 0; i < d; i++)
                    x[i] /= sqrt(ss);
            }
        }
        data_check_t c;
        data_check_init(c);
        data_check_hypotheses(c, X, n);
        cr_assert(c->unit_norm_ok, "d = %ld: norm deviation %.3g > tol %.3g" TSEED_FMT, d,
                  c->max_norm_dev, c->norm_tol, TSEED);
        cr_assert_eq(c->n_parallel, n / 2, "d = %ld: %ld parallel pairs, want %ld" TSEED_FMT, d,
                     c->n_parallel, n / 2, TSEED);
        for (long j = 1; j < n; j += 2)
            cr_assert(listed(c, j - 1, j), "d = %ld: pair (%ld,%ld) not flagged" TSEED_FMT, d, j - 1,
                      j, TSEED);
        data_check_clear(c);
        mat_clear_d(X);
        deq_rng_clear(rng);
    }
}

/* x = e1, y = (cos θ, sin θ): the stored pair's angle is θ to within a
 * relative u (atan2(fl(sin θ), fl(cos θ)); the rounding of cos moves it by
 * O(u tan θ)). Renormalizing y perturbs its second component by a relative
 * u and its first only radially (second order), so the computed angle keeps
 * ~15 digits; ask for 8. acos(x·y) would return 0 for θ <= 1e-8 and be
 * wrong in the third digit for θ = 1e-6. */
Test(checks, known_small_angles)
{
    const double thetas[] = {1e-3, 1e-6, 1e-9, 1e-12};
    for (size_t t = 0; t < 4; t++) {
        for (int negate = 0; negate < 2; negate++) {
            double th = thetas[t];
            const long d = 3, n = 6;
            mat_d_t X;
            mat_init_d(X, d, n, 53);
            /* four well-separated directions plus the pair (1, 4) */
            double cols[6][3] = {{0, 0, 1}, {1, 0, 0}, {0, 0.6, -0.8}, {-0.6, 0, 0.8},
                                 {cos(th), sin(th), 0}, {0.6, -0.8, 0}};
            if (negate)
                for (int i = 0; i < 3; i++)
                    cols[4][i] = -cols[4][i];
            for (long j = 0; j < n; j++)
                for (long i = 0; i < d; i++)
                    *ENT(X, i, j) = cols[j][i];
            data_check_t c;
            data_check_init(c);
            data_check_hypotheses(c, X, 4);
            cr_assert(c->min_i == 1 && c->min_j == 4, "θ = %g: min pair (%ld,%ld)", th, c->min_i,
                      c->min_j);
            double dig = test_digits(c->min_angle, th);
            cr_assert(dig >= 8, "θ = %g (negated %d): min angle %.17g, %.1f digits", th, negate,
                      c->min_angle, dig);
            cr_assert(c->no_parallel_ok && c->n_parallel == 0,
                      "θ = %g is a distinct pair, far above tol %.3g", th, c->parallel_tol);
            data_check_clear(c);
            mat_clear_d(X);
        }
    }
}

/* A nearly parallel pair at a generic orientation in d = 784, checked
 * against an MPFR reference angle of the stored doubles. The computation's
 * absolute error is a few u (the renormalization turns each direction by at
 * most u; the rest is relative to θ): allow 4u + 2 (d + 3) u θ. */
Test(checks, nearly_parallel_generic)
{
    const long d = 784, n = 100;
    const double thetas[] = {1e-9, 1e-6, 0.1};
    for (size_t t = 0; t < 3; t++) {
        double th = thetas[t];
        mat_d_t X;
        sphere(X, d, n, test_seed() + t);
        const long i0 = 17, j0 = 83;
        double *a = X->e + i0 * d, *b = X->e + j0 * d;
        /* b = cos θ a + sin θ w, w a unit vector orthogonal to a */
        double dot = 0, ww = 0;
        for (long k = 0; k < d; k++)
            dot += b[k] * a[k];
        for (long k = 0; k < d; k++)
            b[k] -= dot * a[k], ww += b[k] * b[k];
        for (long k = 0; k < d; k++)
            b[k] = cos(th) * a[k] + sin(th) * b[k] / sqrt(ww);
        double ref = angle_ref(a, b, d);
        cr_assert(fabs(ref - th) <= 1e-3 * th, "construction: ref %.6g vs θ %.6g", ref, th);
        data_check_t c;
        data_check_init(c);
        data_check_hypotheses(c, X, 3);
        if (th < 0.01) {
            cr_assert(c->min_i == i0 && c->min_j == j0, "θ = %g: min pair (%ld,%ld)" TSEED_FMT, th,
                      c->min_i, c->min_j, TSEED);
            double tol = 4 * U_D + 2 * (d + 3) * U_D * th;
            cr_assert(fabs(c->min_angle - ref) <= tol,
                      "θ = %g: angle %.17g, reference %.17g, error %.3g > %.3g" TSEED_FMT, th,
                      c->min_angle, ref, fabs(c->min_angle - ref), tol, TSEED);
        }
        cr_assert(c->no_parallel_ok, "θ = %g: flagged as parallel (tol %.3g)", th, c->parallel_tol);
        data_check_clear(c);
        mat_clear_d(X);
    }
}

/* The Gram screening must find the same smallest angle as trying every pair
 * (reference angles from MPFR), with pairs planted at several small angles. */
Test(checks, min_angle_matches_exhaustive_search)
{
    const long d = 5, n = 220;
    mat_d_t X;
    sphere(X, d, n, test_seed());
    deq_rng_t rng;
    deq_rng_init(rng, test_seed() + 7);
    const double planted[] = {1e-2, 3e-4, 2e-5};
    const long pi_[] = {3, 100, 210}, pj[] = {190, 150, 211};
    for (int p = 0; p < 3; p++) {
        double *a = X->e + pi_[p] * d, *b = X->e + pj[p] * d;
        for (long k = 0; k < d; k++)
            b[k] = a[k] + planted[p] * deq_rng_gaussian(rng) / sqrt((double)d);
        double ss = 0;
        for (long k = 0; k < d; k++)
            ss += b[k] * b[k];
        for (long k = 0; k < d; k++)
            b[k] /= sqrt(ss);
    }
    double best = INFINITY;
    long bi = -1, bj = -1;
    for (long j = 0; j < n; j++)
        for (long i = 0; i < j; i++) {
            double r = angle_ref(X->e + i * d, X->e + j * d, d);
            if (r < best)
                best = r, bi = i, bj = j;
        }
    data_check_t c;
    data_check_init(c);
    data_check_hypotheses(c, X, 3);
    cr_assert(c->min_i == bi && c->min_j == bj, "min pair (%ld,%ld), exhaustive (%ld,%ld)" TSEED_FMT,
              c->min_i, c->min_j, bi, bj, TSEED);
    cr_assert(fabs(c->min_angle - best) <= 4 * U_D + 2 * (d + 3) * U_D * best,
              "min angle %.17g, exhaustive %.17g" TSEED_FMT, c->min_angle, best, TSEED);
    data_check_clear(c);
    mat_clear_d(X);
    deq_rng_clear(rng);
}

Test(checks, non_unit_columns)
{
    const long d = 100, n = 30;
    mat_d_t X;
    sphere(X, d, n, test_seed());
    for (long i = 0; i < d; i++)
        X->e[7 * d + i] *= 1.001;
    for (long i = 0; i < d; i++)
        X->e[20 * d + i] *= 1 - 1e-12; /* 1e-12 >> tolerance ~2e-14, yet tiny */
    data_check_t c;
    data_check_init(c);
    data_check_hypotheses(c, X, 3);
    cr_assert(!c->unit_norm_ok);
    cr_assert_eq(c->n_not_unit, 2);
    cr_assert_eq(c->worst_norm_col, 7);
    cr_assert(test_digits(c->max_norm_dev, 1e-3) >= 9, "max norm deviation %.17g, want 1e-3",
              c->max_norm_dev);
    cr_assert(c->norm_tol < 1e-12, "norm_tol %.3g should be far below 1e-12", c->norm_tol);
    cr_assert(c->no_parallel_ok); /* scaling does not change directions */

    /* A zero column fails the norm check (deviation 1) and stays out of the
     * angle check; a NaN column is the worst. */
    memset(X->e + 3 * d, 0, (size_t)d * sizeof(double));
    data_check_hypotheses(c, X, 3);
    cr_assert_eq(c->n_not_unit, 3);
    cr_assert(c->no_parallel_ok);
    X->e[25 * d + 4] = NAN;
    data_check_hypotheses(c, X, 3);
    cr_assert_eq(c->n_not_unit, 4);
    cr_assert_eq(c->worst_norm_col, 25);
    cr_assert(isnan(c->max_norm_dev));
    data_check_clear(c);
    mat_clear_d(X);
}

Test(checks, degenerate_sizes)
{
    for (long n = 0; n < 2; n++) {
        mat_d_t X;
        sphere(X, 4, n, test_seed());
        data_check_t c;
        data_check_init(c);
        data_check_hypotheses(c, X, 3);
        cr_assert(c->n == n && c->d == 4);
        cr_assert(c->unit_norm_ok && c->no_parallel_ok);
        cr_assert(c->min_i == -1 && c->min_j == -1 && c->min_angle == M_PI / 2,
                  "n = %ld: min pair (%ld,%ld) angle %g", n, c->min_i, c->min_j, c->min_angle);
        data_check_clear(c);
        mat_clear_d(X);
    }
    /* d = 1: every pair of inputs is parallel (x_i = ±x_j). */
    mat_d_t X;
    mat_init_d(X, 1, 3, 53);
    X->e[0] = 1, X->e[1] = -1, X->e[2] = 1;
    data_check_t c;
    data_check_init(c);
    data_check_hypotheses(c, X, 10);
    cr_assert(c->unit_norm_ok && !c->no_parallel_ok && c->n_parallel == 3 && c->n_listed == 3);
    cr_assert(listed(c, 0, 1) && listed(c, 0, 2) && listed(c, 1, 2));
    mat_clear_d(X);
    /* Asking for every pair: 40 inputs in d = 1 give 780 parallel pairs. */
    mat_init_d(X, 1, 40, 53);
    for (long j = 0; j < 40; j++)
        X->e[j] = j % 3 ? 1.0 : -1.0;
    data_check_hypotheses(c, X, LONG_MAX);
    cr_assert(c->n_parallel == 780 && c->n_listed == 780, "%ld counted, %ld listed", c->n_parallel,
              c->n_listed);
    for (long k = 0; k < c->n_listed; k++)
        cr_assert(c->parallel[k].i < c->parallel[k].j && c->parallel[k].angle == 0.0);
    data_check_clear(c);
    mat_clear_d(X);
}

/* The tolerances are what the report prints: they must grow with d, accept
 * double roundoff and stay tiny. */
Test(checks, tolerances_reported)
{
    double prev_n = 0, prev_p = 0;
    for (long d = 1; d <= 4096; d *= 8) {
        mat_d_t X;
        sphere(X, d, 3, test_seed());
        data_check_t c;
        data_check_init(c);
        data_check_hypotheses(c, X, 1);
        cr_assert(c->norm_tol >= (d / 2.0 + 2) * U_D, "d = %ld: norm_tol %.3g below the "
                  "normalization error bound", d, c->norm_tol);
        cr_assert(c->parallel_tol >= (2.0 * d + 10) * U_D, "d = %ld: parallel_tol %.3g", d,
                  c->parallel_tol);
        cr_assert(c->norm_tol <= 100.0 * (d + 2) * U_D && c->parallel_tol <= 100.0 * (d + 2) * U_D);
        cr_assert(c->norm_tol > prev_n && c->parallel_tol > prev_p);
        prev_n = c->norm_tol, prev_p = c->parallel_tol;
        data_check_clear(c);
        mat_clear_d(X);
    }
}
