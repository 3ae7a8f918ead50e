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

double bound_add_up(double a, double b) { return apply(mpfr_add, a, b, MPFR_RNDU); }
double bound_sub_up(double a, double b) { return apply(mpfr_sub, a, b, MPFR_RNDU); }
double bound_mul_up(double a, double b) { return apply(mpfr_mul, a, b, MPFR_RNDU); }
double bound_div_up(double a, double b) { return apply(mpfr_div, a, b, MPFR_RNDU); }
double bound_add_down(double a, double b) { return apply(mpfr_add, a, b, MPFR_RNDD); }
double bound_sub_down(double a, double b) { return apply(mpfr_sub, a, b, MPFR_RNDD); }
double bound_mul_down(double a, double b) { return apply(mpfr_mul, a, b, MPFR_RNDD); }
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
    double ku = bound_mul_up(k, ldexp(1.0, -(int)prec));
    if (!(ku < 0.5))
        return INFINITY;
    return bound_div_up(ku, bound_sub_down(1.0, ku));
}
