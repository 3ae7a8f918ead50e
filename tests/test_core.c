/* Tests of src/core and the directed-rounding helpers of src/num/bound. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <math.h>
#include <string.h>

#include "core/ctx.h"
#include "core/rng.h"
#include "core/status.h"
#include "num/bound.h"
#include "testutil.h"

Test(rng, same_seed_same_stream_and_gaussian_moments)
{
    deq_rng_t a, b;
    deq_rng_init(a, test_seed());
    deq_rng_init(b, test_seed());
    long n = 200000;
    double s = 0, s2 = 0;
    for (long k = 0; k < n; k++) {
        double x = deq_rng_gaussian(a), y = deq_rng_gaussian(b);
        cr_assert(x == y, "streams differ at %ld" TSEED_FMT, k, TSEED);
        s += x;
        s2 += x * x;
    }
    /* mean ~ N(0, 1/n), variance estimate ~ N(1, 2/n): 6 standard deviations */
    cr_expect(fabs(s / n) <= 6 / sqrt((double)n), "mean %g" TSEED_FMT, s / n, TSEED);
    cr_expect(fabs(s2 / n - 1) <= 6 * sqrt(2.0 / n), "variance %g" TSEED_FMT, s2 / n, TSEED);
    long plus = 0;
    for (long k = 0; k < n; k++) {
        double r = deq_rng_rademacher(a);
        cr_assert(r == 1.0 || r == -1.0);
        plus += r > 0;
    }
    cr_expect(fabs(plus - n / 2.0) <= 6 * sqrt(n / 4.0), "rademacher: %ld of %ld positive", plus, n);
    deq_rng_clear(a);
    deq_rng_clear(b);
}

Test(rng, different_seeds_differ)
{
    deq_rng_t a, b;
    deq_rng_init(a, 1);
    deq_rng_init(b, 2);
    int same = 0;
    for (int k = 0; k < 100; k++)
        same += deq_rng_gaussian(a) == deq_rng_gaussian(b);
    cr_expect(same < 5, "%d equal draws of 100", same);
    deq_rng_clear(a);
    deq_rng_clear(b);
}

Test(status, first_error_wins_and_is_one_line)
{
    deq_error_t err;
    deq_error_init(err);
    cr_expect_eq(err->status, DEQ_OK);
    cr_expect_eq(deq_error_set(err, DEQ_ERR_INPUT, "%s:%d: bad", "f.txt", 3), DEQ_ERR_INPUT);
    deq_error_set(err, DEQ_ERR_INTERNAL, "later");
    cr_expect_str_eq(err->msg, "f.txt:3: bad");
    cr_expect_eq(err->status, DEQ_ERR_INPUT);
}

Test(status, gsl_errors_are_recorded_not_fatal)
{
    deq_gsl_handler_install();
    deq_gsl_last_error(NULL);
    gsl_matrix *m = gsl_matrix_alloc(2, 2);
    gsl_matrix_set_all(m, 1.0);
    gsl_matrix *bad = gsl_matrix_alloc(3, 3);
    int rc = gsl_matrix_memcpy(bad, m); /* size mismatch: GSL_EBADLEN through the handler */
    const char *reason = NULL;
    int e = deq_gsl_last_error(&reason);
    cr_expect(rc != 0 && e == rc, "gsl returned %d, handler recorded %d", rc, e);
    cr_expect(reason != NULL);
    cr_expect_eq(deq_gsl_last_error(NULL), 0, "the record is cleared after reading");
    gsl_matrix_free(m);
    gsl_matrix_free(bad);
}

Test(ctx, double_backend_is_53_bits)
{
    deq_ctx_t c;
    deq_ctx_init(c, DEQ_BACKEND_DOUBLE, 256, 7);
    cr_expect_eq(c->prec, 53);
    deq_ctx_init(c, DEQ_BACKEND_MPFR, 300, 7);
    cr_expect_eq(c->prec, 300);
    cr_expect_str_eq(deq_backend_name(DEQ_BACKEND_MPFR), "mpfr");
}

Test(bound, directed_rounding_brackets_the_exact_result)
{
    /* 1 + 2^-60 is not a double: up and down must straddle it. */
    double t = ldexp(1.0, -60);
    cr_expect(bound_add_up(1.0, t) > 1.0 && bound_add_down(1.0, t) == 1.0);
    cr_expect(bound_sub_down(1.0, t) < 1.0 && bound_sub_up(1.0, t) == 1.0);
    /* 1/3: down < up, adjacent doubles, and 3·down < 1 < 3·up exactly (in MPFR) */
    double lo = bound_div_down(1.0, 3.0), hi = bound_div_up(1.0, 3.0);
    cr_expect(nextafter(lo, 1.0) == hi, "1/3 in [%a, %a]", lo, hi);
    mpfr_t x;
    mpfr_init2(x, 200);
    mpfr_set_d(x, lo, MPFR_RNDN);
    mpfr_mul_ui(x, x, 3, MPFR_RNDN);
    cr_expect(mpfr_cmp_ui(x, 1) < 0);
    mpfr_set_d(x, hi, MPFR_RNDN);
    mpfr_mul_ui(x, x, 3, MPFR_RNDN);
    cr_expect(mpfr_cmp_ui(x, 1) > 0);
    /* sqrt(2) */
    double sl = bound_sqrt_down(2.0), su = bound_sqrt_up(2.0);
    mpfr_set_d(x, sl, MPFR_RNDN);
    mpfr_sqr(x, x, MPFR_RNDN);
    cr_expect(mpfr_cmp_ui(x, 2) < 0);
    mpfr_set_d(x, su, MPFR_RNDN);
    mpfr_sqr(x, x, MPFR_RNDN);
    cr_expect(mpfr_cmp_ui(x, 2) > 0);
    mpfr_clear(x);
    double pl = bound_mul_down(0.1, 0.1), pu = bound_mul_up(0.1, 0.1);
    cr_expect(pl < pu && nextafter(pl, 1.0) == pu);
}

Test(bound, gamma_matches_its_definition)
{
    /* γ_k = k u / (1 − k u): compare with the exact rational at 200 bits */
    long ks[] = {1, 2, 10, 1000, 1 << 20};
    for (size_t i = 0; i < sizeof ks / sizeof *ks; i++) {
        for (long prec = 24; prec <= 256; prec += 116) {
            double g = bound_gamma((double)ks[i], prec);
            mpfr_t ku, r;
            mpfr_inits2(300, ku, r, (mpfr_ptr)0);
            mpfr_set_ui_2exp(ku, (unsigned long)ks[i], -prec, MPFR_RNDN);
            mpfr_ui_sub(r, 1, ku, MPFR_RNDN);
            mpfr_div(r, ku, r, MPFR_RNDN);
            cr_expect(mpfr_cmp_d(r, g) <= 0, "gamma_%ld at %ld bits below the exact value", ks[i], prec);
            cr_expect(g <= mpfr_get_d(r, MPFR_RNDN) * (1 + 1e-15), "gamma_%ld at %ld bits too loose",
                      ks[i], prec);
            mpfr_clears(ku, r, (mpfr_ptr)0);
        }
    }
    cr_expect(isinf(bound_gamma(1e10, 24)), "k u >= 1/2 has no finite gamma");
}
