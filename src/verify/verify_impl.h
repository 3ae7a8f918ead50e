/* Internals shared by the files of src/verify. */
#ifndef DEQ_VERIFY_IMPL_H
#define DEQ_VERIFY_IMPL_H

#include "verify/verify.h"

/* z = x − d and z = x·d for a double d (exact as a ball). */
static inline void verify_arb_sub_d(arb_t z, const arb_t x, double d, long prec)
{
    arb_t t;
    arb_init(t);
    arb_set_d(t, d);
    arb_sub(z, x, t, prec);
    arb_clear(t);
}
static inline void verify_arb_mul_d(arb_t z, const arb_t x, double d, long prec)
{
    arb_t t;
    arb_init(t);
    arb_set_d(t, d);
    arb_mul(z, x, t, prec);
    arb_clear(t);
}

/* s ⊇ σ(t) for every t in the ball. */
void verify_act_arb(arb_t s, const arb_t t, deq_act act, long prec);
/* ds ⊇ {σ′(t) : t in h} ∪ the difference quotients of σ over h (for relu,
 * [0, 1] when h contains 0). Returns 1 for relu when h contains 0. */
int verify_act_deriv_range(arb_t ds, const arb_t h, deq_act act, long prec);
/* Plain double evaluations for the solver (accuracy matters, rigour not). */
double verify_act_d(double t, deq_act act);
double verify_act_deriv_d(double t, deq_act act);

/* W, U, b as exact ball matrices (doubles are exact at any precision). */
void verify_arb_mat_set_d(arb_mat_t A, const mat_d_t D);

/* An approximate inverse of A (n×n, column-major doubles) in Y; 0 on
 * success, -1 when LAPACK finds it singular or the result is not finite. */
int verify_inverse_d(double *Y, const double *A, long n);
/* max |λ| over the eigenvalues of the n×n matrix A (LAPACK dgeev), NaN on failure. */
double verify_spectral_radius_d(const double *A, long n);

#endif
