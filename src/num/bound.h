/* Arithmetic for rigorous bounds on doubles: each operation is correctly
 * rounded in the stated direction (via MPFR at 53 bits), so a chain of them
 * yields a guaranteed upper (or lower) bound on the exact real result.
 * Used for the small scalar computations that turn rounding-error analyses
 * into certified numbers. Products of normal doubles take an exact fma test
 * instead of MPFR (same results), so bound_mul_up/_down may run entrywise
 * over a matrix; the others are MPFR round trips, not for bulk arithmetic. */
#ifndef DEQ_NUM_BOUND_H
#define DEQ_NUM_BOUND_H

#include <math.h>
#include <mpfr.h>
#include <stdint.h>
#include <string.h>

double bound_add_up(double a, double b);
double bound_sub_up(double a, double b);
double bound_mul_up(double a, double b);
double bound_div_up(double a, double b);
double bound_sqrt_up(double a);
/* x·2^e rounded up, for e beyond the double exponent range too. */
double bound_ldexp_up(double x, long e);
/* nextafter(x, +inf) without the call for a positive finite x (the next
 * double's bits are x's plus one; DBL_MAX's successor is +inf). */
static inline double bound_next_up(double x)
{
    if (!(x > 0 && x < INFINITY))
        return nextafter(x, INFINITY);
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    bits++;
    memcpy(&x, &bits, sizeof x);
    return x;
}

/* bound_mul_up for loops over the entries of a matrix, with its fast path
 * inline (see bound.c: a product p in [2^-969, 2^1000] is below a·b exactly
 * when fma(a, b, −p) > 0, and then the next double up is the answer); the
 * same results. */
#define BOUND_MUL_FAST_MIN 0x1p-969
#define BOUND_MUL_FAST_MAX 0x1p1000
static inline double bound_mul_up_fast(double a, double b)
{
    double p = a * b;
    if (p >= BOUND_MUL_FAST_MIN && p <= BOUND_MUL_FAST_MAX)
        return fma(a, b, -p) > 0 ? bound_next_up(p) : p;
    return bound_mul_up(a, b);
}
double bound_add_down(double a, double b);
double bound_sub_down(double a, double b);
double bound_mul_down(double a, double b);
double bound_div_down(double a, double b);
double bound_sqrt_down(double a);

/* Upper bound on a + b + a·b, the relative error of a product of two factors
 * with relative errors a, b >= 0. Never form 1 + a in double: it loses every
 * error below 2^-53, which in MPFR is all of them. */
double bound_rel_compose_up(double a, double b);

/* Upper bound on gamma_k = k u / (1 - k u) with u = 2^-prec; +inf when k u >= 1/2. */
double bound_gamma(double k, long prec);
/* The same into g (an MPFR number of any precision, rounded up), for working
 * precisions whose γ is below double's range. */
void bound_gamma_x(mpfr_ptr g, double k, long prec);

#endif
