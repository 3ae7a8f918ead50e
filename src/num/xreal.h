/* Nonnegative reals with a double's significand and a long exponent, for the
 * norms, residuals and tolerances that steer and certify solves.
 *
 * A double holds 2^-1074 .. 2^1024; an MPFR solve at p bits has relative
 * residuals near 2^-p, below double's range for p > ~1070, and data anywhere
 * in double's range have norms whose ratios leave it too. num_xreal keeps
 * x = man·2^exp with man = 0 or 0.5 <= man < 1 (NaN and +inf: man NaN / inf,
 * exp 0), so comparisons and quotients of such quantities never under- or
 * overflow. Arithmetic rounds the significand once, to nearest, as double
 * arithmetic would in range; a decision taken on num_xreal values equals the
 * one taken on doubles whenever the doubles were in range. */
#ifndef DEQ_NUM_XREAL_H
#define DEQ_NUM_XREAL_H

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <mpfr.h>

typedef struct {
    double man; /* 0, NaN, +inf, or in [0.5, 1) */
    long exp;
} num_xreal;

/* From a double d >= 0 (or NaN / +inf), exactly. */
static inline num_xreal num_xreal_from_d(double d)
{
    num_xreal x = {d, 0};
    if (isfinite(d) && d != 0) {
        int e;
        x.man = frexp(d, &e);
        x.exp = e;
    }
    return x;
}

/* From v >= 0 (or NaN / +inf), its significand rounded to 53 bits with rnd. */
static inline num_xreal num_xreal_from_mpfr(mpfr_srcptr v, mpfr_rnd_t rnd)
{
    num_xreal x = {0.0, 0};
    if (mpfr_nan_p(v) || mpfr_inf_p(v) || mpfr_zero_p(v)) {
        x.man = mpfr_get_d(v, rnd);
        return x;
    }
    long e;
    x.man = mpfr_get_d_2exp(&e, v, rnd);
    x.exp = e;
    if (x.man >= 1.0) /* rounded up to 1: renormalize */
        x.man = 0.5, x.exp++;
    return x;
}

/* |v| (any sign; NaN / ±inf give NaN / +inf), its significand rounded to
 * nearest. */
static inline num_xreal num_xreal_abs_mpfr(mpfr_srcptr v)
{
    num_xreal x = {0.0, 0};
    if (mpfr_nan_p(v) || mpfr_inf_p(v) || mpfr_zero_p(v)) {
        x.man = fabs(mpfr_get_d(v, MPFR_RNDN));
        return x;
    }
    long e;
    x.man = fabs(mpfr_get_d_2exp(&e, v, MPFR_RNDN));
    x.exp = e;
    if (x.man >= 1.0)
        x.man = 0.5, x.exp++;
    return x;
}

/* Into v (any precision >= 53: exact). */
static inline void num_xreal_get_mpfr(mpfr_ptr v, num_xreal x)
{
    mpfr_set_d(v, x.man, MPFR_RNDN);
    if (isfinite(x.man) && x.man != 0)
        mpfr_mul_2si(v, v, x.exp, MPFR_RNDN);
}

/* x·2^k, exactly. */
static inline num_xreal num_xreal_mul_2si(num_xreal x, long k)
{
    if (isfinite(x.man) && x.man != 0)
        x.exp += k;
    return x;
}

/* x·d for a double d >= 0, rounded to nearest. */
static inline num_xreal num_xreal_mul_d(num_xreal x, double d)
{
    if (!isfinite(x.man) || x.man == 0 || !isfinite(d) || d == 0)
        return num_xreal_from_d(x.man * d);
    num_xreal y = num_xreal_from_d(d);
    num_xreal r = num_xreal_from_d(x.man * y.man); /* in [0.25, 1): in range */
    r.exp += x.exp + y.exp;
    return r;
}

/* x·y rounded to nearest. */
static inline num_xreal num_xreal_mul(num_xreal x, num_xreal y)
{
    if (!isfinite(x.man) || x.man == 0 || !isfinite(y.man) || y.man == 0)
        return num_xreal_from_d(x.man * y.man);
    num_xreal r = num_xreal_from_d(x.man * y.man); /* in [0.25, 1): in range */
    r.exp += x.exp + y.exp;
    return r;
}

/* x + y rounded to nearest (as a double addition would be, in range). */
static inline num_xreal num_xreal_add(num_xreal x, num_xreal y)
{
    if (!isfinite(x.man) || !isfinite(y.man) || x.man == 0 || y.man == 0)
        return x.man == 0 ? y : y.man == 0 ? x : num_xreal_from_d(x.man + y.man);
    if (x.exp < y.exp) {
        num_xreal t = x;
        x = y;
        y = t;
    }
    long d = x.exp - y.exp;
    if (d > 60) /* y < 2^-60·x: below half an ulp of x */
        return x;
    /* both terms exact in [2^-61, 1), one rounding of the sum */
    num_xreal r = num_xreal_from_d(x.man + ldexp(y.man, -(int)d));
    r.exp += x.exp;
    return r;
}

/* Nearest double (0 below double's range, +inf above it). */
static inline double num_xreal_get_d(num_xreal x)
{
    if (!isfinite(x.man) || x.man == 0)
        return x.man;
    if (x.exp > 1100)
        return INFINITY;
    if (x.exp < -1100)
        return 0.0;
    return ldexp(x.man, (int)x.exp);
}

/* The least double >= x: never 0 for x > 0 (the smallest subnormal below
 * double's range), +inf above it. For bounds reported as doubles. */
static inline double num_xreal_get_d_up(num_xreal x)
{
    if (!isfinite(x.man) || x.man == 0)
        return x.man;
    if (x.exp > 1100)
        return INFINITY;
    if (x.exp < -1100)
        return ldexp(1.0, -1074);
    mpfr_t t;
    mpfr_init2(t, 53);
    num_xreal_get_mpfr(t, x);
    double d = mpfr_get_d(t, MPFR_RNDU);
    mpfr_clear(t);
    return d;
}

/* a / b rounded to nearest; 0/0 is 0 and a/0 is +inf for a > 0 (a relative
 * residual of a zero iterate), NaN in either gives NaN. */
static inline num_xreal num_xreal_div(num_xreal a, num_xreal b)
{
    if (isnan(a.man) || isnan(b.man))
        return num_xreal_from_d(NAN);
    if (b.man == 0)
        return num_xreal_from_d(a.man == 0 ? 0.0 : INFINITY);
    if (isinf(b.man))
        return num_xreal_from_d(isinf(a.man) ? NAN : 0.0);
    if (a.man == 0 || isinf(a.man))
        return a;
    num_xreal q = num_xreal_from_d(a.man / b.man); /* in (0.5, 2): never out of range */
    q.exp += a.exp - b.exp;
    return q;
}

/* √x rounded to nearest. */
static inline num_xreal num_xreal_sqrt(num_xreal x)
{
    if (!isfinite(x.man) || x.man == 0)
        return x;
    long e = x.exp;
    double m = x.man;
    if (e % 2 != 0) /* make the exponent even: m·2^e = (2m)·2^(e−1) */
        m *= 2.0, e -= 1;
    num_xreal r = num_xreal_from_d(sqrt(m));
    r.exp += e / 2;
    return r;
}

/* -1, 0, 1 as a < b, a == b, a > b; NaN compares as unordered (returns 2). */
static inline int num_xreal_cmp(num_xreal a, num_xreal b)
{
    if (isnan(a.man) || isnan(b.man))
        return 2;
    if (a.man == 0 || b.man == 0 || isinf(a.man) || isinf(b.man) || a.exp == b.exp)
        return (a.man > b.man) - (a.man < b.man);
    return a.exp > b.exp ? 1 : -1;
}

static inline int num_xreal_le(num_xreal a, num_xreal b) { int c = num_xreal_cmp(a, b); return c == -1 || c == 0; }
static inline int num_xreal_lt(num_xreal a, num_xreal b) { return num_xreal_cmp(a, b) == -1; }
static inline int num_xreal_gt(num_xreal a, num_xreal b) { return num_xreal_cmp(a, b) == 1; }
static inline num_xreal num_xreal_max(num_xreal a, num_xreal b) { return num_xreal_gt(b, a) ? b : a; }
static inline int num_xreal_is_finite(num_xreal x) { return isfinite(x.man); }

/* x printed as printf's "%.3e" prints a double, beyond double's range too
 * (through MPFR): a residual of 1e-352 must not read as 0. */
static inline void num_xreal_snprint(char *buf, size_t cap, num_xreal x)
{
    if (!isfinite(x.man) || x.man == 0 || (x.exp > -1020 && x.exp < 1020)) {
        snprintf(buf, cap, "%.3e", num_xreal_get_d(x));
        return;
    }
    mpfr_t t;
    mpfr_init2(t, 53);
    num_xreal_get_mpfr(t, x);
    mpfr_snprintf(buf, cap, "%.3Re", t);
    mpfr_clear(t);
}

#endif
