/* Certified extreme eigenvalues of a symmetric double matrix from LAPACK's
 * dsyevr (see num/eig_lapack.h for what is proved).
 *
 * Why not the Jacobi solver or GSL: both compute every eigenvalue (Jacobi in
 * O(n³) per sweep, many sweeps); training needs two. dsyevr with RANGE = 'I'
 * reduces to tridiagonal form once per call (4/3·n³ flops, half of them in
 * BLAS-3) and then computes only the requested eigenpair by MRRR, O(n) per
 * vector plus an O(n²) back-transformation.
 *
 * The residual bound, rigorously. With y = fl(Hx) from dgemv and
 * t̂_i = fl(y_i − fl(θ·x_i)), every entry is a dot product of n + 1 terms
 * evaluated in some order, so (Higham, ASNA Lemma 8.4, any order)
 *     |t̂ − (H − θI)x| <= γ_{n+2}·(|H| + |θ|I)|x| + ν       (entrywise),
 * ν = (n + 2)·2^-1074 per entry the allowance for underflow (each of the at
 * most n + 2 roundings of a product or a subtraction in the subnormal range
 * adds at most half an ulp of the smallest subnormal). In 2-norm,
 * ‖(|H| + |θ|I)|x|‖ <= (‖H‖_F + |θ|)·‖x‖, so no second product with |H| is
 * needed. Sums of squares ŝ of n terms satisfy |ŝ − s| <= γ_n·s, plus n
 * subnormal roundings. All the scalar arithmetic below rounds in the stated
 * direction (num/bound.h). */
#include "num/eig_lapack.h"

#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/ctx.h"
#include "core/status.h"
#include "num/bound.h"
#include "num/factor.h"

/* The smallest positive subnormal double: each rounding in the subnormal
 * range errs by at most half of it. */
#define SUBNORMAL_MIN ldexp(1.0, -1074)

/* Upper bound on sqrt(Σ v_i²) from its computed value. */
static double norm2_up(const double *v, long n)
{
    double s = 0;
    for (long i = 0; i < n; i++)
        s += v[i] * v[i];
    double g = bound_gamma((double)n, DEQ_PREC_DOUBLE);
    s = bound_add_up(s, bound_mul_up((double)n, SUBNORMAL_MIN));
    return bound_sqrt_up(bound_div_up(s, bound_sub_down(1.0, g)));
}

/* Lower bound on sqrt(Σ v_i²). */
static double norm2_down(const double *v, long n)
{
    double s = 0;
    for (long i = 0; i < n; i++)
        s += v[i] * v[i];
    double g = bound_gamma((double)n, DEQ_PREC_DOUBLE);
    s = bound_sub_down(s, bound_mul_up((double)n, SUBNORMAL_MIN));
    if (!(s > 0))
        return 0;
    return bound_sqrt_down(bound_div_down(s, bound_add_up(1.0, g)));
}

/* Certified upper bound on ‖Hx − θx‖/‖x‖ (+inf when x vanishes). */
static double residual_radius(const mat_d_t H, double hfro_up, double theta, const double *x,
                              double *work)
{
    long n = H->rows;
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)n, (int)n, 1.0, H->e, (int)n, x, 1, 0.0, work,
                1);
    for (long i = 0; i < n; i++)
        work[i] -= theta * x[i];
    double r = norm2_up(work, n);
    double xn_up = norm2_up(x, n), xn_down = norm2_down(x, n);
    if (!(xn_down > 0))
        return INFINITY;
    double g = bound_gamma((double)n + 2.0, DEQ_PREC_DOUBLE);
    double err = bound_mul_up(g, bound_mul_up(bound_add_up(hfro_up, fabs(theta)), xn_up));
    /* ν per entry, √n·ν in 2-norm; n·ν >= √n·ν keeps it simple */
    err = bound_add_up(err, bound_mul_up((double)n * ((double)n + 2.0), SUBNORMAL_MIN));
    return bound_div_up(bound_add_up(r, err), xn_down);
}

/* dsyevr for the single eigenpair of index k (1-based, ascending) of H. */
static int extreme_pair(double *theta, double *x, const mat_d_t H, lapack_int k, double *a,
                        double *w)
{
    lapack_int n = (lapack_int)H->rows, found = 0, isuppz[2];
    memcpy(a, H->e, (size_t)n * (size_t)n * sizeof *a);
    /* w: length n even for one eigenvalue (dsyevr uses it as workspace) */
    /* abstol = 0: LAPACK's default tolerance; the certificates below do not
     * depend on the accuracy of the estimate, only its tightness does. */
    lapack_int info = LAPACKE_dsyevr(LAPACK_COL_MAJOR, 'V', 'I', 'L', n, a, n, 0.0, 0.0, k, k, 0.0,
                                     &found, w, x, n, isuppz);
    if (info != 0)
        return (int)info;
    if (found != 1)
        return -1;
    *theta = w[0];
    return 0;
}

int num_eig_extreme_lapack(num_eig_extreme_t out, const mat_d_t H)
{
    long n = H->rows;
    DEQ_REQUIRE(H->cols == n);
    memset(out, 0, sizeof *out);
    out->theta_min = out->theta_max = NAN;
    out->resid_min = out->resid_max = INFINITY;
    out->min_lo = out->max_lo = -INFINITY;
    out->min_hi = out->max_hi = INFINITY;
    if (n == 0 || !mat_is_finite_d(H))
        return 1;

    double *a = deq_malloc((size_t)n * (size_t)n * sizeof *a);
    double *xmin = deq_malloc((size_t)n * sizeof *xmin), *xmax = deq_malloc((size_t)n * sizeof *xmax);
    double *work = deq_malloc((size_t)n * sizeof *work);
    int info = extreme_pair(&out->theta_min, xmin, H, 1, a, work);
    if (info == 0)
        info = extreme_pair(&out->theta_max, xmax, H, (lapack_int)n, a, work);
    out->lapack_info = info;
    if (info != 0) {
        free(a), free(xmin), free(xmax), free(work);
        return 1;
    }

    double hfro_up = norm2_up(H->e, n * n);
    out->resid_min = residual_radius(H, hfro_up, out->theta_min, xmin, work);
    out->resid_max = residual_radius(H, hfro_up, out->theta_max, xmax, work);
    out->min_hi = bound_add_up(out->theta_min, out->resid_min);
    out->max_lo = bound_sub_down(out->theta_max, out->resid_max);

    /* The first margin is the estimate's own error scale: a backward-stable
     * eigensolver is off by about n·u·‖H‖ (the factor 4 covers the
     * tridiagonal reduction and MRRR, as in num/eig_bound.c). Doubling stops
     * once the margin exceeds ‖H‖_F + |θ|: a shift below −‖H‖_F proves
     * nothing that the trivial bound |λ| <= ‖H‖_F does not. DBL_MIN keeps the
     * zero matrix from a zero margin. */
    double u = ldexp(1.0, -DEQ_PREC_DOUBLE);
    out->margin0 = fmax(bound_mul_up(4.0 * (double)n * u, hfro_up), DBL_MIN);
    num_chol_cert_t cert;
    double margin = out->margin0;
    for (;;) {
        out->tries++;
        num_chol_certify_d(cert, H, bound_sub_down(out->theta_min, margin), 53);
        if (cert->certified) {
            out->min_lo = cert->lower;
            out->lower_certified = 1;
            break;
        }
        if (margin > hfro_up + fabs(out->theta_min))
            break;
        margin *= 2;
    }
    out->margin_min = margin;
    /* λ_max(H) <= t + δ from Cholesky of −H + tI, i.e. λ_min(−H) >= −t − δ */
    mat_d_t N = {{a, n, n}}; /* a, dsyevr's scratch, is free again */
    for (long k = 0; k < n * n; k++)
        a[k] = -H->e[k];
    margin = out->margin0;
    for (;;) {
        out->tries++;
        num_chol_certify_d(cert, N, bound_sub_down(-out->theta_max, margin), 53);
        if (cert->certified) {
            out->max_hi = -cert->lower;
            out->upper_certified = 1;
            break;
        }
        if (margin > hfro_up + fabs(out->theta_max))
            break;
        margin *= 2;
    }
    out->margin_max = margin;
    free(a), free(xmin), free(xmax), free(work);
    mat_blas_release_workers(); /* dsyevr's and the certificates': see num/mat.h */
    return out->lower_certified && out->upper_certified ? 0 : 1;
}
