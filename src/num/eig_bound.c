/* Certified extreme-eigenvalue bounds, written once for both backends. */
#include "num/generic.h"

#include <float.h>

#include "core/ctx.h"
#include "num/bound.h"
#include "num/eig_bound.h"
#include "num/factor.h"
#include "num/symeig.h"

/* Trial shifts: the first margin is the estimate's own error scale, c·n·u_e·‖H‖_F
 * with u_e the unit roundoff of the estimate (a backward-stable eigensolver is
 * off by about n·u_e·‖H‖); it doubles on failure. 60 doublings span 2^60, past
 * any estimate error that matters; more would only certify a useless bound. */
#define EIG_BOUND_TRIES 60

/* Matrices whose largest entry has a binary exponent beyond this are scaled
 * by a power of two first (as in num/norm_bound.c): far from both overflow and
 * underflow of the squares, traces and Cholesky products behind the bounds. */
#define EIG_SAFE_EXP 256

/* x·2^e rounded in direction rnd (e may exceed the double exponent range). */
static double ldexp_dir(double x, long e, mpfr_rnd_t rnd)
{
    if (!isfinite(x) || x == 0 || e == 0)
        return x;
    mpfr_t t;
    mpfr_init2(t, 53);
    mpfr_set_d(t, x, MPFR_RNDN); /* exact */
    mpfr_mul_2si(t, t, e, rnd);
    double r = mpfr_get_d(t, rnd);
    mpfr_clear(t);
    return r;
}

/* Binary exponent x of H's largest entry (|h| in [2^(x-1), 2^x)); 0 for H = 0. */
static long max_exp(const mat_t H)
{
    long x = 0;
    int any = 0;
    for (size_t k = 0; k < (size_t)H->rows * (size_t)H->cols; k++) {
        if (re_is_zero(H->e + k))
            continue;
#ifdef DEQ_MPFR
        long e = (long)mpfr_get_exp(H->e + k);
#else
        int ei;
        frexp(H->e[k], &ei);
        long e = ei;
#endif
        if (!any || e > x)
            x = e;
        any = 1;
    }
    return x;
}

static double frobenius_d(const mat_d_t H)
{
    double s = 0;
    for (long k = 0; k < H->rows * H->cols; k++)
        s += H->e[k] * H->e[k];
    return sqrt(s);
}

void G(num_eig_bounds)(num_eig_bounds_t out, const mat_t H, long jacobi_max_n, long prec)
{
    long n = H->rows;
    DEQ_REQUIRE(H->cols == n);
    out->lower = -INFINITY;
    out->upper = INFINITY;
    out->lower_certified = out->upper_certified = 0;
    out->tries = 0;
    out->approx_min = out->approx_max = NAN;
    out->exp2 = 0;
    out->lower_s = -INFINITY;
    out->upper_s = INFINITY;
    out->approx_min_s = out->approx_max_s = NAN;
    if (n == 0 || !G(mat_is_finite)(H))
        return;

    /* scale: S = 2^-e2·H with e2 = 0 for ordinary matrices (the results are
     * then those of H itself, bit for bit) */
    long xm = max_exp(H);
    long e2 = (xm > EIG_SAFE_EXP || xm < -EIG_SAFE_EXP) ? xm : 0;
    out->exp2 = e2;
    mat_t S;
    G(mat_init)(S, n, n, prec);
    for (size_t k = 0; k < (size_t)n * (size_t)n; k++) {
#ifdef DEQ_MPFR
        mpfr_set_prec(S->e + k, mpfr_get_prec(H->e + k));
        mpfr_mul_2si(S->e + k, H->e + k, -e2, MPFR_RNDN); /* exact */
#else
        S->e[k] = ldexp(H->e[k], (int)-e2); /* estimates only: the certificate scales H itself */
#endif
    }

    mat_d_t Hd, ev;
    mat_init_d(Hd, n, n, 53);
    mat_init_d(ev, n, 1, 53);
    G(mat_get_mat_d)(Hd, S);
    double est_u = ldexp(1.0, -DEQ_PREC_DOUBLE);
    if (num_symeig_gsl(ev, NULL, Hd) != 0) {
        mat_clear_d(Hd);
        mat_clear_d(ev);
        G(mat_clear)(S);
        return;
    }
    out->approx_min = ev->e[0];
    out->approx_max = ev->e[n - 1];
    double hnorm = frobenius_d(Hd);
#ifdef DEQ_MPFR
    if (n <= jacobi_max_n && prec > 53) {
        mat_t evp;
        num_symeig_info_t si;
        G(mat_init)(evp, n, 1, prec);
        G(num_symeig_jacobi)(evp, NULL, si, S, prec);
        if (si->converged) {
            out->approx_min = re_get_d(evp->e);
            out->approx_max = re_get_d(evp->e + n - 1);
            est_u = re_unit_roundoff(prec);
        }
        G(mat_clear)(evp);
    }
#else
    (void)jacobi_max_n;
#endif
    mat_clear_d(Hd);
    mat_clear_d(ev);

    /* λ_min(H) >= s − δ from Cholesky of H − sI */
    double margin = fmax(4.0 * (double)n * est_u * hnorm, DBL_MIN);
    num_chol_cert_t cert;
    for (int t = 0; t < EIG_BOUND_TRIES; t++, margin *= 2) {
        out->tries++;
        G(num_chol_certify_2exp)(cert, H, e2, bound_sub_down(out->approx_min, margin), prec);
        if (cert->certified) {
            out->lower = cert->lower;
            out->lower_certified = 1;
            break;
        }
    }
    /* λ_max(H) <= t + δ from Cholesky of −H + tI */
    mat_t N;
    G(mat_init)(N, n, n, prec);
    for (size_t k = 0; k < (size_t)n * (size_t)n; k++) {
#ifdef DEQ_MPFR
        mpfr_set_prec(N->e + k, mpfr_get_prec(H->e + k));
#endif
        re_neg(N->e + k, H->e + k); /* exact */
    }
    margin = fmax(4.0 * (double)n * est_u * hnorm, DBL_MIN);
    for (int t = 0; t < EIG_BOUND_TRIES; t++, margin *= 2) {
        out->tries++;
        G(num_chol_certify_2exp)(cert, N, e2, bound_sub_down(-out->approx_max, margin), prec);
        if (cert->certified) {
            out->upper = -cert->lower;
            out->upper_certified = 1;
            break;
        }
    }
    G(mat_clear)(N);
    G(mat_clear)(S);
    /* the results so far are for S = 2^-e2·H: keep them, and scale them back
     * outward (a lower bound rounded down, an upper bound up) */
    out->approx_min_s = out->approx_min;
    out->approx_max_s = out->approx_max;
    out->lower_s = out->lower;
    out->upper_s = out->upper;
    out->approx_min = ldexp_dir(out->approx_min, e2, MPFR_RNDN);
    out->approx_max = ldexp_dir(out->approx_max, e2, MPFR_RNDN);
    out->lower = ldexp_dir(out->lower, e2, MPFR_RNDD);
    out->upper = ldexp_dir(out->upper, e2, MPFR_RNDU);
}
