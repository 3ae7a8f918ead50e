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
    if (n == 0 || !G(mat_is_finite)(H))
        return;

    mat_d_t Hd, ev;
    mat_init_d(Hd, n, n, 53);
    mat_init_d(ev, n, 1, 53);
    G(mat_get_mat_d)(Hd, H);
    double est_u = ldexp(1.0, -DEQ_PREC_DOUBLE);
    if (num_symeig_gsl(ev, NULL, Hd) != 0) {
        mat_clear_d(Hd);
        mat_clear_d(ev);
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
        G(num_symeig_jacobi)(evp, NULL, si, H, prec);
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
        G(num_chol_certify)(cert, H, bound_sub_down(out->approx_min, margin), prec);
        if (cert->certified) {
            out->lower = cert->lower;
            out->lower_certified = 1;
            break;
        }
    }
    /* λ_max(H) <= t + δ from Cholesky of −H + tI */
    mat_t N;
    G(mat_init)(N, n, n, prec);
    for (size_t k = 0; k < (size_t)n * (size_t)n; k++)
        re_neg(N->e + k, H->e + k);
    margin = fmax(4.0 * (double)n * est_u * hnorm, DBL_MIN);
    for (int t = 0; t < EIG_BOUND_TRIES; t++, margin *= 2) {
        out->tries++;
        G(num_chol_certify)(cert, N, bound_sub_down(-out->approx_max, margin), prec);
        if (cert->certified) {
            out->upper = -cert->lower;
            out->upper_certified = 1;
            break;
        }
    }
    G(mat_clear)(N);
}
