#include "num/bound.h"

#include <math.h>
#include <mpfr.h>

typedef int (*binop)(mpfr_ptr, mpfr_srcptr, mpfr_srcptr, mpfr_rnd_t);

static double apply(binop f, double a, double b, mpfr_rnd_t rnd)
{
    mpfr_t x, y, z;
    mpfr_inits2(53, x, y, z, (mpfr_ptr)0);
    mpfr_set_d(x, a, rnd); /* exact: 53 bits hold any double */
    mpfr_set_d(y, b, rnd);
    f(z, x, y, rnd);
    double r = mpfr_get_d(z, rnd);
    mpfr_clears(x, y, z, (mpfr_ptr)0);
    return r;
}

/* Products are also used entrywise over m×n matrices (the certificates'
 * rounding terms), where an MPFR round trip per entry costs more than the
 * matrix product itself. For a product whose rounded value p lies in
 * [2^-969, 2^1000] the rounding error a·b − p is a double, and fma computes it
 * exactly (a·b is a multiple of 2^-1074 there, and |a·b − p| <= ulp(p)/2): its
 * sign says whether p is below or above a·b, and one step toward the
 * requested direction gives the correctly rounded result, the value MPFR
 * returns. Outside that range (zeros, subnormals, overflow, NaN) MPFR decides. */
static double mul_dir(double a, double b, mpfr_rnd_t rnd)
{
    double p = a * b, ap = fabs(p);
    if (ap >= BOUND_MUL_FAST_MIN && ap <= BOUND_MUL_FAST_MAX) {
        double e = fma(a, b, -p);
        if (rnd == MPFR_RNDU)
            return e > 0 ? nextafter(p, INFINITY) : p;
        return e < 0 ? nextafter(p, -INFINITY) : p;
    }
    return apply(mpfr_mul, a, b, rnd);
}

double bound_add_up(double a, double b) { return apply(mpfr_add, a, b, MPFR_RNDU); }
double bound_sub_up(double a, double b) { return apply(mpfr_sub, a, b, MPFR_RNDU); }
double bound_mul_up(double a, double b) { return mul_dir(a, b, MPFR_RNDU); }
double bound_div_up(double a, double b) { return apply(mpfr_div, a, b, MPFR_RNDU); }
double bound_add_down(double a, double b) { return apply(mpfr_add, a, b, MPFR_RNDD); }
double bound_sub_down(double a, double b) { return apply(mpfr_sub, a, b, MPFR_RNDD); }
double bound_mul_down(double a, double b) { return mul_dir(a, b, MPFR_RNDD); }
double bound_div_down(double a, double b) { return apply(mpfr_div, a, b, MPFR_RNDD); }

static double sqrt_dir(double a, mpfr_rnd_t rnd)
{
    mpfr_t x;
    mpfr_init2(x, 53);
    mpfr_set_d(x, a, rnd);
    mpfr_sqrt(x, x, rnd);
    double r = mpfr_get_d(x, rnd);
    mpfr_clear(x);
    return r;
}

double bound_sqrt_up(double a) { return sqrt_dir(a, MPFR_RNDU); }
double bound_sqrt_down(double a) { return sqrt_dir(a, MPFR_RNDD); }

double bound_rel_compose_up(double a, double b)
{
    return bound_add_up(bound_add_up(a, b), bound_mul_up(a, b));
}

double bound_gamma(double k, long prec)
{
    /* k·2^-prec rounded up: above ~1074 bits 2^-prec is below double's range,
     * and ldexp would give 0 (a bound of 0); rounding up gives the smallest
     * subnormal at worst, still an upper bound (see bound_gamma_x for the
     * value itself) */
    mpfr_t t;
    mpfr_init2(t, 53);
    mpfr_set_d(t, k, MPFR_RNDU);
    mpfr_mul_2si(t, t, -prec, MPFR_RNDU);
    double ku = mpfr_get_d(t, MPFR_RNDU);
    mpfr_clear(t);
    if (!(ku < 0.5))
        return INFINITY;
    return bound_div_up(ku, bound_sub_down(1.0, ku));
}

void bound_gamma_x(mpfr_ptr g, double k, long prec)
{
    mpfr_t ku, d;
    mpfr_init2(ku, 53);
    mpfr_init2(d, 53);
    mpfr_set_d(ku, k, MPFR_RNDU);
    mpfr_mul_2si(ku, ku, -prec, MPFR_RNDU);
    if (mpfr_cmp_d(ku, 0.5) >= 0) {
        mpfr_set_inf(g, 1);
    } else {
        mpfr_ui_sub(d, 1, ku, MPFR_RNDD);
        mpfr_div(g, ku, d, MPFR_RNDU);
    }
    mpfr_clear(ku);
    mpfr_clear(d);
}

double bound_ldexp_up(double x, long e)
{
    mpfr_t t;
    mpfr_init2(t, 53);
    mpfr_set_d(t, x, MPFR_RNDU);
    mpfr_mul_2si(t, t, e, MPFR_RNDU);
    double r = mpfr_get_d(t, MPFR_RNDU);
    mpfr_clear(t);
    return r;
}
