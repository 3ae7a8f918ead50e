/* Guaranteed upper bound on ||A||_2 (generic source; both backends do the
 * work in double, which is fast and, with the allowances below, rigorous).
 *
 * Double, A r x c, n = min(r, c), k = max(r, c):
 *  1. One pass over A: ||A||_F^2, ||A||_1, ||A||_inf as double sums, made
 *     upper bounds by a rigorous inflation: a recursive sum of N nonnegative
 *     terms, each formed with at most one rounding, is S^ = sum x_i (1 + th_i),
 *     |th_i| <= gamma_N, so sum x_i <= S^/(1 - gamma_N). Squares of entries
 *     below 2^-511 may underflow (absolute error <= 2^-1075 each, at most
 *     doubled by the (1 + th) factors): + ntiny 2^-1074 before dividing.
 *     Sums of |a_ij| never underflow (additions of doubles are exact in the
 *     subnormal range). fallback = min(||A||_F, sqrt(||A||_1 ||A||_inf)) >= ||A||_2
 *     (the second since ||A||_2^2 = rho(A^T A) <= ||A^T A||_1 <= ||A||_inf ||A||_1).
 *  2. H = -C^ with C^ = fl(A^T A) (or fl(A A^T), whichever is n x n) by dsyrk
 *     with alpha = -1 (exact negation). Every entry is a length-k dot product in
 *     some order, so |C^ - C| <= gamma_k |A|^T |A| entrywise (Higham Lemma 3.5
 *     / 8.4), hence
 *         ||C^ - C||_2 <= gamma_k || |A| ||_2^2 <= gamma_k min(||A||_F^2, ||A||_1 ||A||_inf) =: e_C,
 *     plus n k 2^-1074 when an entry below 2^-511 lets a product underflow.
 *  3. theta ~ lambda_max(C^) by Lanczos with full reorthogonalization (an
 *     estimate; nothing below depends on its accuracy except speed).
 *  4. For trial shifts t = theta (1 + s) + e_C, num_chol_certify_d(H, -t)
 *     factors fl(t I - C^) and proves lambda_min(-C^) >= -t - delta =: lo, i.e.
 *     lambda_max(C^) <= -lo. Weyl: lambda_max(C) <= -lo + e_C, so
 *     ||A||_2 <= sqrt(-lo + e_C), every operation rounded up.
 *     Choice of s: the certificate costs delta ~ gamma_{n+1} tr(tI - C^) <=
 *     n gamma_{n+1} t, so a relative margin below n gamma_{n+1} buys nothing;
 *     and by Demmel's criterion (Higham Thm 10.7) the factorization cannot
 *     break down when lambda_min(tI - C^) exceeds n gamma_{n+1}/(1 - n gamma_{n+1})
 *     max_i (t - c_ii) <= that multiple of t. Hence s0 = 2 n gamma_{n+1}/(1 - n gamma_{n+1})
 *     plus twice Lanczos's last observed relative change (its likely remaining
 *     error). On breakdown s doubles (at most CERT_TRIES times), and we stop
 *     early once t reaches fallback^2, where the Cholesky route cannot win.
 *  5. upper = min(Cholesky bound, fallback); `method` says which.
 *  0. Before all this, when max|a_ij| lies outside [2^-256, 2^256), A is
 *     scaled by a power of two 2^e bringing it to [1, 2), provided that is
 *     exact (always when scaling up; when scaling down, entries that become
 *     subnormal move by at most 2^-1075 each, and sqrt(count)·2^-1075 is
 *     added to the bounds of 2^e A). Then A^T A neither
 *     overflows nor underflows, the bound is as tight as for a normal matrix,
 *     and the results are scaled back by 2^-e with upward rounding (upper,
 *     fallback). ||2^e A||_2 = 2^e ||A||_2 exactly.
 *
 * MPFR: A_d = A rounded to nearest double. |A - A_d|_ij <= 2^-53 |A_d|_ij when
 * the rounded entry is normal and <= 2^-1075 otherwise, so (generously)
 * ||A||_2 <= ||A_d||_2 + 2^-53 ||A_d||_F + ninexact 2^-1074; the last two terms
 * are added (rounded up) to the double route's upper and fallback, and skipped
 * when every entry converted exactly. Non-finite entries (or entries beyond
 * the double range after the same power-of-two scaling, done exactly in MPFR):
 * upper = fallback = +inf.
 */
#include "num/generic.h"

#include <float.h>

#include "core/status.h"
#include "num/bound.h"
#include "num/factor.h"
#include "num/norm_bound.h"

#ifndef DEQ_MPFR
#include <cblas.h>
#endif

/* Entries below this may have squares or products in the subnormal range. */
#define NB_TINY 0x1p-511
/* Matrices whose largest entry has a binary exponent beyond this are rescaled
 * (step 0): far from both overflow (2^1024) and underflow (2^-1022) of A^T A. */
#define NB_SAFE_EXP 256

/* Step 0's exponent: 0 when the largest entry's binary exponent (ilogb
 * convention: max|a| in [2^x, 2^(x+1))) is safe, else -x. */
static long scale_exponent(long x)
{
    return (x > NB_SAFE_EXP || x < -NB_SAFE_EXP) ? -x : 0;
}


/* Scales the results of step 1-5 for 2^e A back to A. */
static void unscale(num_norm2_t out, long e)
{
    out->upper = bound_ldexp_up(out->upper, -e);
    out->fallback = bound_ldexp_up(out->fallback, -e);
    out->estimate = ldexp(out->estimate, -(int)e);
}

/* s / (1 - gamma_terms) rounded up: from a computed sum of `terms` nonnegative
 * terms to an upper bound on the exact one (header comment, step 1). */
static double sum_upper(double s, double terms)
{
    double g = bound_gamma(terms, 53);
    if (!(g < 1.0))
        return INFINITY;
    return bound_div_up(s, bound_sub_down(1.0, g));
}

/* Sum of squares of all entries, rounded up rigorously (header comment, step 1). */
static double fro2_upper(const mat_d_t A, long *ntiny_out)
{
    size_t N = (size_t)A->rows * (size_t)A->cols;
    double s = 0.0;
    long ntiny = 0;
    for (size_t t = 0; t < N; t++) {
        double a = A->e[t];
        s += a * a;
        if (a != 0.0 && fabs(a) < NB_TINY)
            ntiny++;
    }
    if (ntiny_out)
        *ntiny_out = ntiny;
    if (s == 0.0 && ntiny == 0)
        return 0.0;
    s = bound_add_up(s, bound_mul_up((double)ntiny, 0x1p-1074));
    return sum_upper(s, (double)N);
}

#ifndef DEQ_MPFR

const char *num_norm2_method_name(num_norm2_method m)
{
    switch (m) {
    case NUM_NORM2_CHOLESKY:
        return "cholesky";
    case NUM_NORM2_FALLBACK:
        return "fallback";
    case NUM_NORM2_INCREMENTAL:
        return "incremental";
    }
    return "unknown";
}

/* Upper bound on the largest of the given sums of `terms` nonnegative terms. */
static double max_sum_upper(const double *sums, long count, long terms)
{
    double m = 0.0;
    for (long i = 0; i < count; i++)
        m = fmax(m, sums[i]);
    return m == 0.0 ? 0.0 : sum_upper(m, (double)terms);
}

/* Number of eigenvalues of the tridiagonal (a, b) below x (Sturm count of the
 * LDL^T pivots; tiny pivots are nudged as in LAPACK's dstebz). */
static long sturm_count(const double *a, const double *b, long m, double x, double pivmin)
{
    long cnt = 0;
    double d = 1.0;
    for (long i = 0; i < m; i++) {
        d = a[i] - x - (i > 0 ? b[i - 1] * b[i - 1] / d : 0.0);
        if (fabs(d) < pivmin)
            d = -pivmin;
        if (d < 0)
            cnt++;
    }
    return cnt;
}

/* Largest eigenvalue of the symmetric tridiagonal (a[0..m), b[0..m-1)) by
 * bisection from the Gershgorin interval, to about two ulps. */
static double tridiag_max_eig(const double *a, const double *b, long m)
{
    double lo = INFINITY, hi = -INFINITY, bmax2 = 0.0;
    for (long i = 0; i < m; i++) {
        double r = (i > 0 ? fabs(b[i - 1]) : 0.0) + (i + 1 < m ? fabs(b[i]) : 0.0);
        lo = fmin(lo, a[i] - r);
        hi = fmax(hi, a[i] + r);
        if (i + 1 < m)
            bmax2 = fmax(bmax2, b[i] * b[i]);
    }
    double pivmin = DBL_MIN * fmax(1.0, bmax2);
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi);
        if (!(mid > lo && mid < hi) || hi - lo <= 4 * DBL_EPSILON * fmax(fabs(lo), fabs(hi)))
            break;
        if (sturm_count(a, b, m, mid, pivmin) == m)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

/* Lanczos estimate of lambda_max(C) for C = -H (H's lower triangle is read).
 * Full reorthogonalization (classical Gram-Schmidt, twice) keeps the Ritz
 * values clean; the largest Ritz value increases with the step (interlacing).
 * Stops when it changed by at most `tol` (relative) over the last 4 steps, at
 * an invariant subspace, or after kmax steps. *change receives that relative
 * change (0 when an invariant subspace was found). */
static double lanczos_max(const mat_d_t H, long kmax, double tol, double *change)
{
    long n = H->rows;
    double *V = deq_malloc((size_t)n * (size_t)(kmax + 1) * sizeof *V);
    /* w is dsymv's y. Debian's OpenBLAS 0.3.21 Prescott kernel (the one it
     * picks on CPUs it does not recognise) reads up to 4 doubles past the end
     * of y (never writes them); without the slack, a y that ends at a page
     * boundary crashes (seen under AddressSanitizer, .ci/robustness). */
    double *w = deq_malloc(((size_t)n + 8) * sizeof *w);
    double *h = deq_malloc((size_t)(kmax + 1) * sizeof *h);
    double *a = deq_malloc((size_t)kmax * sizeof *a);
    double *b = deq_malloc((size_t)kmax * sizeof *b);
    double *hist = deq_malloc((size_t)kmax * sizeof *hist);

    /* Deterministic start, not orthogonal to any eigenvector in practice: the
     * all-ones vector (an eigenvector of many structured matrices) perturbed
     * by an aperiodic sequence. */
    for (long i = 0; i < n; i++)
        V[i] = 1.0 + 0.5 * sin(1.0 + (double)i);
    double nv = cblas_dnrm2((int)n, V, 1);
    cblas_dscal((int)n, 1.0 / nv, V, 1);

    double theta = 0.0;
    *change = 1.0;
    for (long j = 0; j < kmax; j++) {
        double *vj = V + (size_t)j * n;
        cblas_dsymv(CblasColMajor, CblasLower, (int)n, -1.0, H->e, (int)n, vj, 1, 0.0, w, 1);
        a[j] = 0.0;
        for (int pass = 0; pass < 2; pass++) {
            cblas_dgemv(CblasColMajor, CblasTrans, (int)n, (int)(j + 1), 1.0, V, (int)n, w, 1, 0.0,
                        h, 1);
            cblas_dgemv(CblasColMajor, CblasNoTrans, (int)n, (int)(j + 1), -1.0, V, (int)n, h, 1,
                        1.0, w, 1);
            a[j] += h[j];
        }
        b[j] = cblas_dnrm2((int)n, w, 1);
        theta = tridiag_max_eig(a, b, j + 1);
        hist[j] = theta;
        if (j >= 4)
            *change = fabs(theta - hist[j - 4]) / fmax(fabs(theta), DBL_MIN);
        /* invariant subspace: the Ritz values are eigenvalues (to rounding) */
        if (b[j] <= 64 * DBL_EPSILON * fmax(fabs(theta), fabs(a[j])) || j + 1 == n) {
            *change = 0.0;
            break;
        }
        if (j >= 4 && *change <= tol)
            break;
        cblas_dcopy((int)n, w, 1, vj + n, 1);
        cblas_dscal((int)n, 1.0 / b[j], vj + n, 1);
    }
    free(V), free(w), free(h), free(a), free(b), free(hist);
    return theta;
}

/* Trial shifts are tried at most this often (s doubles each time: 2^30 covers
 * any starting estimate that is not off by a factor beyond 2^30 s0). */
#define CERT_TRIES 30
/* Lanczos steps at most: with full reorthogonalization the cost is n kmax^2. */
#define LANCZOS_KMAX 300

/* Steps 1-5 for a finite, nonempty A. */
static void norm2_upper_core(num_norm2_t out, const mat_d_t A)
{
    long r = A->rows, c = A->cols;
    out->method = NUM_NORM2_FALLBACK;
    out->estimate = 0.0;

    /* step 1 */
    long ntiny;
    double f2 = fro2_upper(A, &ntiny);
    double *colsum = deq_calloc((size_t)c, sizeof *colsum);
    double *rowsum = deq_calloc((size_t)r, sizeof *rowsum);
    for (long j = 0; j < c; j++)
        for (long i = 0; i < r; i++) {
            double x = fabs(A->e[i + j * r]);
            colsum[j] += x;
            rowsum[i] += x;
        }
    double n1 = max_sum_upper(colsum, c, r), ninf = max_sum_upper(rowsum, r, c);
    free(colsum);
    free(rowsum);
    double p1inf = bound_mul_up(n1, ninf);
    double fb2 = fmin(f2, p1inf);
    out->fallback = out->upper = fmin(bound_sqrt_up(f2), bound_sqrt_up(p1inf));
    if (fb2 == 0.0) /* A = 0 exactly */
        return;

    /* step 2 */
    int gram_cols = c <= r; /* C = A^T A (c x c), else A A^T (r x r) */
    long n = gram_cols ? c : r, k = gram_cols ? r : c;
    mat_d_t H;
    mat_init_d(H, n, n, 53);
    cblas_dsyrk(CblasColMajor, CblasLower, gram_cols ? CblasTrans : CblasNoTrans, (int)n, (int)k,
                -1.0, A->e, (int)r, 0.0, H->e, (int)n);
    for (long j = 0; j < n; j++) /* mirror: num_chol_certify checks symmetry */
        for (long i = j + 1; i < n; i++)
            H->e[j + i * n] = H->e[i + j * n];
    double ec = bound_mul_up(bound_gamma((double)k, 53), fb2);
    if (ntiny > 0)
        ec = bound_add_up(ec, bound_mul_up(bound_mul_up((double)n, (double)k), 0x1p-1074));

    /* step 3 */
    double ngam = bound_mul_up((double)n, bound_gamma((double)n + 1.0, 53));
    double change;
    double theta = lanczos_max(H, n < LANCZOS_KMAX ? n : LANCZOS_KMAX, fmax(0.25 * ngam, 0x1p-50),
                               &change);
    double diagmax = 0.0;
    for (long i = 0; i < n; i++)
        diagmax = fmax(diagmax, -H->e[i + i * n]);
    theta = fmax(theta, diagmax); /* lambda_max(C^) >= max_i c_ii: a free floor */
    out->estimate = sqrt(theta);

    /* step 4 */
    double s = 2.0 * ngam / (1.0 - ngam) + 2.0 * change;
    double chol_upper = INFINITY;
    num_chol_cert_t cert;
    for (int tr = 0; tr < CERT_TRIES && theta > 0.0 && ngam < 0.5; tr++, s *= 2.0) {
        double t = theta * (1.0 + s) + ec;
        if (!(t < fb2))
            break;
        num_chol_certify_d(cert, H, -t, 53);
        if (cert->certified) {
            chol_upper = bound_sqrt_up(bound_add_up(-cert->lower, ec));
            break;
        }
    }
    mat_clear_d(H);
    mat_blas_release_workers(); /* dsyrk's, dsymv's and the Cholesky's: see mat.h */

    /* step 5 */
    if (chol_upper < out->fallback) {
        out->upper = chol_upper;
        out->method = NUM_NORM2_CHOLESKY;
    }
}

void num_norm2_upper_d(num_norm2_t out, const mat_d_t A, long prec)
{
    (void)prec;
    size_t N = (size_t)A->rows * (size_t)A->cols;
    out->upper = out->estimate = out->fallback = 0.0;
    out->method = NUM_NORM2_FALLBACK;
    if (N == 0)
        return;
    double amax = 0.0;
    for (size_t t = 0; t < N; t++)
        amax = fmax(amax, fabs(A->e[t])); /* fmax drops NaN: checked below */
    if (!mat_is_finite_d(A)) {
        out->upper = out->estimate = out->fallback = INFINITY;
        return;
    }
    if (amax == 0.0)
        return;

    /* step 0 */
    long e = scale_exponent(ilogb(amax));
    if (e != 0) {
        /* S = 2^e A, exact except for entries that become subnormal (scaling
         * down only), each moved by at most 2^-1075: ||2^e A - S||_2 <=
         * ||.||_F <= sqrt(inexact) 2^-1075, added before scaling back (the
         * unscaled A would overflow or underflow in A^T A) */
        mat_d_t S;
        mat_init_d(S, A->rows, A->cols, 53);
        long inexact = 0;
        for (size_t t = 0; t < N; t++) {
            S->e[t] = ldexp(A->e[t], (int)e);
            inexact += ldexp(S->e[t], -(int)e) != A->e[t];
        }
        norm2_upper_core(out, S);
        if (inexact > 0) {
            double conv = bound_mul_up(bound_sqrt_up((double)inexact), 0x1p-1074); /* >= 2^-1075 sqrt(count) */
            out->upper = bound_add_up(out->upper, conv);
            out->fallback = bound_add_up(out->fallback, conv);
        }
        unscale(out, e);
        mat_clear_d(S);
        return;
    }
    norm2_upper_core(out, A);
}

/* Bounds on an exact sum of N nonnegative terms from its computed value s
 * (each term formed with at most one rounding): s/(1 + γ_N) <= Σ <= s/(1 − γ_N),
 * widened by N·2^-1074 for terms below 2^-511 whose squares underflowed. */
static double nonneg_sum_upper(double s, double N)
{
    return sum_upper(bound_add_up(s, bound_mul_up(N, 0x1p-1074)), N);
}

static double nonneg_sum_lower(double s, double N)
{
    double r = bound_sub_down(bound_div_down(s, bound_add_up(1.0, bound_gamma(N, 53))),
                              bound_mul_up(N, 0x1p-1074));
    return r > 0 ? r : 0.0;
}

/* Power iterations behind num_norm2_lower_d: they only make the bound tighter
 * (any vector v gives a valid bound); the gap σ₂/σ₁ of a Gaussian matrix is
 * 1 − O(m^{-2/3}), so a few dozen steps bring the Rayleigh quotient within a
 * few percent of ‖A‖₂ at the widths the checks run, at 2·NORM_LOWER_STEPS
 * products. */
#define NORM_LOWER_STEPS 32

double num_norm2_lower_d(const mat_d_t A)
{
    long m = A->rows, n = A->cols;
    if (m == 0 || n == 0 || !mat_is_finite_d(A))
        return 0.0;
    double *v = deq_malloc((size_t)n * sizeof *v), *y = deq_malloc((size_t)m * sizeof *y);
    for (long j = 0; j < n; j++)
        v[j] = 1.0;
    for (int it = 0; it < NORM_LOWER_STEPS; it++) {
        cblas_dgemv(CblasColMajor, CblasNoTrans, (int)m, (int)n, 1.0, A->e, (int)m, v, 1, 0.0, y, 1);
        cblas_dgemv(CblasColMajor, CblasTrans, (int)m, (int)n, 1.0, A->e, (int)m, y, 1, 0.0, v, 1);
        double vmax = 0.0;
        for (long j = 0; j < n; j++)
            vmax = fmax(vmax, fabs(v[j]));
        if (!(vmax > 0) || !isfinite(vmax))
            break;
        for (long j = 0; j < n; j++)
            v[j] /= vmax;
    }
    /* v is whatever the iteration left, taken exactly as stored (its
     * normalisation's rounding does not matter). ŷ = fl(Av): |ŷ − Av| <= γ_n |A||v|
     * entrywise in any summation order (Higham Lemma 3.5), so ‖ŷ − Av‖₂ <=
     * γ_n ‖|A|‖₂‖v‖₂ <= γ_n ‖A‖_F ‖v‖₂, plus, for products lost to underflow,
     * n·2^-1075 <= n·2^-1074 per entry. Then ‖A‖₂ >= ‖Av‖/‖v‖ >=
     * (‖ŷ‖ − ‖ŷ − Av‖)/‖v‖, every step rounded toward the bound. */
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)m, (int)n, 1.0, A->e, (int)m, v, 1, 0.0, y, 1);
    double vv = 0.0, yy = 0.0, aa = 0.0;
    for (long j = 0; j < n; j++)
        vv += v[j] * v[j];
    for (long i = 0; i < m; i++)
        yy += y[i] * y[i];
    for (long k = 0; k < m * n; k++)
        aa += A->e[k] * A->e[k];
    free(v), free(y);
    double vnorm = bound_sqrt_up(nonneg_sum_upper(vv, (double)n));
    double ynorm = bound_sqrt_down(nonneg_sum_lower(yy, (double)m));
    double fro = bound_sqrt_up(nonneg_sum_upper(aa, (double)m * (double)n));
    double under = bound_mul_up(bound_sqrt_up((double)m), bound_mul_up((double)n, 0x1p-1074));
    double err = bound_add_up(bound_mul_up(bound_gamma((double)n, 53), bound_mul_up(fro, vnorm)),
                              under);
    double lo = bound_div_down(bound_sub_down(ynorm, err), vnorm);
    return isfinite(lo) && lo > 0 ? lo : 0.0;
}

#else /* DEQ_MPFR */

void num_norm2_upper_mp(num_norm2_t out, const mat_mp_t A, long prec)
{
    (void)prec;
    long r = A->rows, c = A->cols;
    size_t N = (size_t)r * (size_t)c;
    /* step 0 in MPFR: the scaling is exact whatever the exponents */
    long e = 0;
    int finite = 1, nonzero = 0;
    mpfr_exp_t emax = 0;
    for (size_t t = 0; t < N; t++) {
        if (!mpfr_number_p(A->e + t))
            finite = 0;
        else if (!mpfr_zero_p(A->e + t)) {
            mpfr_exp_t x = mpfr_get_exp(A->e + t);
            emax = nonzero ? (x > emax ? x : emax) : x;
            nonzero = 1;
        }
    }
    if (finite && nonzero)
        e = scale_exponent((long)emax - 1); /* mpfr: |a| in [2^(x-1), 2^x) */

    mat_d_t D;
    mat_init_d(D, r, c, 53);
    mpfr_t s;
    mpfr_init2(s, MPFR_PREC_MIN); /* set to each entry's precision below */
    long inexact = 0;
    for (size_t t = 0; t < N; t++) {
        mpfr_set_prec(s, mpfr_get_prec(A->e + t));
        mpfr_mul_2si(s, A->e + t, e, MPFR_RNDN); /* exact */
        D->e[t] = mpfr_get_d(s, MPFR_RNDN);
        if (mpfr_number_p(s) && mpfr_cmp_d(s, D->e[t]) != 0)
            inexact++;
    }
    mpfr_clear(s);
    num_norm2_upper_d(out, D, 53);
    if (inexact > 0 && isfinite(out->upper)) {
        double conv = bound_mul_up(0x1p-53, bound_sqrt_up(fro2_upper(D, NULL)));
        conv = bound_add_up(conv, bound_mul_up((double)inexact, 0x1p-1074));
        out->upper = bound_add_up(out->upper, conv);
        out->fallback = bound_add_up(out->fallback, conv);
    }
    if (e != 0)
        unscale(out, e);
    mat_clear_d(D);
}

#endif

/* ---- ||A - B||_F, certified (num_fro_dist_upper) ----
 *
 * t_q = the computed difference of entry q. Double: t = fl(a - b) =
 * (a - b)(1 + th), |th| <= 2^-53 (a subtraction never underflows: in the
 * subnormal range it is exact), so |a - b| <= |t|/(1 - 2^-53); a difference
 * that overflows is +inf and makes the bound +inf. MPFR: t is rounded away
 * from zero, so |a - b| <= |t| (no factor), and the exponent range leaves no
 * overflow. With x the binary exponent of the largest |t| (|t| < 2^(x+1)),
 * each |t|·2^-x is rounded up to a double in [0, 2) (an entry far below the
 * largest may round up to the smallest subnormal: still an upper bound), its
 * square formed with one rounding (or lost to underflow, absolute error
 * <= 2^-1075), and the N squares summed: the sum of the exact squares is at
 * most (s + N·2^-1074)/(1 - gamma_N) (step 1 above). Then
 * ||A - B||_F <= sqrt(that)·2^x/(1 - u_diff), every step rounded up. */
#ifdef DEQ_MPFR
#define DIST_DIFF_REL_ERR 0.0
/* t = a - b rounded away from zero: |t| >= |a - b|. */
static void dist_diff(real_ptr t, mpfr_srcptr a, mpfr_srcptr b)
{
    mpfr_sub(t, a, b, MPFR_RNDA);
}
/* Binary exponent x of a finite nonzero t: |t| in [2^x, 2^(x+1)). */
static long dist_exp(mpfr_srcptr t)
{
    return (long)mpfr_get_exp(t) - 1;
}
/* |t|·2^-x rounded up to a double. */
static double dist_scaled_up(mpfr_ptr t, long x)
{
    mpfr_abs(t, t, MPFR_RNDN);     /* exact */
    mpfr_mul_2si(t, t, -x, MPFR_RNDN); /* exact */
    return mpfr_get_d(t, MPFR_RNDU);
}
#else
#define DIST_DIFF_REL_ERR 0x1p-53
static void dist_diff(real_ptr t, const double *a, const double *b)
{
    t[0] = *a - *b;
}
static long dist_exp(const double *t)
{
    return ilogb(t[0]);
}
static double dist_scaled_up(double *t, long x)
{
    double a = fabs(t[0]), s = ldexp(a, (int)-x);
    if (ldexp(s, (int)x) != a) /* scaled into the subnormal range and rounded */
        s = nextafter(s, INFINITY);
    return s;
}
#endif

static int dist_finite(real_srcptr t)
{
#ifdef DEQ_MPFR
    return mpfr_number_p(t);
#else
    return isfinite(t[0]);
#endif
}

static int dist_zero(real_srcptr t)
{
#ifdef DEQ_MPFR
    return mpfr_zero_p(t);
#else
    return t[0] == 0.0;
#endif
}

#ifndef DEQ_MPFR
/* The double route once per training step (deq_problem_update), 10⁶ entries
 * at m = 1024: the same bound in fixed chunks on the threads. The largest
 * |fl(a − b)| is a maximum (exact in any order); each |t|·2^-x is exact when
 * normal, and one that is subnormal has a square below 2^-2044, which
 * underflows whether t·2^-x was rounded up or not (the N·2^-1074 allowance
 * covers it), so no per-entry rounding up is needed; the chunks' partial sums
 * and then their sum, in chunk order, are one summation of the N squares,
 * within γ_N of the exact sum like any other order, and the same bits for any
 * thread count. Returns 0 (and leaves it to the serial route) when the
 * largest difference is below 2^-1022, where 2^-x is not a double. */
#define DIST_CHUNKS 64
/* entries from which the passes run on the threads: 2^18 (a 2 MB operand,
 * about a quarter of a millisecond per pass), where a parallel region's
 * set-up (tens of microseconds) no longer matters; a default */
#define DIST_PAR_MIN_ENTRIES 262144
static int fro_dist_chunked_d(double *r, const mat_d_t A, const mat_d_t B)
{
    size_t N = (size_t)A->rows * (size_t)A->cols, per = (N + DIST_CHUNKS - 1) / DIST_CHUNKS;
    double cmax[DIST_CHUNKS], csum[DIST_CHUNKS];
    int bad = 0;
    _Pragma("omp parallel for schedule(static) reduction(| : bad) if (N >= DIST_PAR_MIN_ENTRIES)")
    for (int c = 0; c < DIST_CHUNKS; c++) {
        size_t q0 = (size_t)c * per, q1 = q0 + per < N ? q0 + per : N;
        double mx = 0.0;
        int cbad = 0;
        for (size_t q = q0; q < q1; q++) {
            double a = fabs(A->e[q] - B->e[q]);
            cbad |= !(a <= DBL_MAX);
            mx = a > mx ? a : mx;
        }
        cmax[c] = mx;
        bad |= cbad;
    }
    if (bad) {
        *r = INFINITY;
        return 1;
    }
    double mx = 0.0;
    for (int c = 0; c < DIST_CHUNKS; c++)
        mx = cmax[c] > mx ? cmax[c] : mx;
    if (mx == 0.0) {
        *r = 0.0;
        return 1;
    }
    if (mx < DBL_MIN)
        return 0;
    long x = ilogb(mx);
    double p = ldexp(1.0, (int)-x); /* 2^-x, a double: x in [-1022, 1023] */
    _Pragma("omp parallel for schedule(static) if (N >= DIST_PAR_MIN_ENTRIES)")
    for (int c = 0; c < DIST_CHUNKS; c++) {
        size_t q0 = (size_t)c * per, q1 = q0 + per < N ? q0 + per : N;
        double sc = 0.0;
        for (size_t q = q0; q < q1; q++) {
            double a = fabs(A->e[q] - B->e[q]) * p;
            sc += a * a;
        }
        csum[c] = sc;
    }
    double sq = 0.0;
    for (int c = 0; c < DIST_CHUNKS; c++)
        sq += csum[c];
    sq = sum_upper(bound_add_up(sq, bound_mul_up((double)N, 0x1p-1074)), (double)N);
    *r = bound_div_up(bound_ldexp_up(bound_sqrt_up(sq), x), bound_sub_down(1.0, DIST_DIFF_REL_ERR));
    return 1;
}
#endif

double G(num_fro_dist_upper)(const mat_t A, const mat_t B, long prec)
{
    DEQ_REQUIRE(A->rows == B->rows && A->cols == B->cols);
    size_t N = (size_t)A->rows * (size_t)A->cols;
#ifndef DEQ_MPFR
    double fast;
    if (fro_dist_chunked_d(&fast, A, B))
        return fast;
#endif
    real_t t;
    re_init(t, prec);
    long x = 0;
    int any = 0;
    double r = 0.0;
    /* pass 1: the scale (the differences are formed again in pass 2, the
     * same way: no m×m temporary) */
    for (size_t q = 0; q < N; q++) {
        dist_diff(t, A->e + q, B->e + q);
        if (!dist_finite(t)) {
            r = INFINITY;
            goto done;
        }
        if (!dist_zero(t)) {
            long xq = dist_exp(t);
            x = any ? (xq > x ? xq : x) : xq;
            any = 1;
        }
    }
    if (!any)
        goto done;
    double s = 0.0;
    for (size_t q = 0; q < N; q++) {
        dist_diff(t, A->e + q, B->e + q);
        double a = dist_scaled_up(t, x);
        s += a * a;
    }
    s = sum_upper(bound_add_up(s, bound_mul_up((double)N, 0x1p-1074)), (double)N);
    r = bound_ldexp_up(bound_sqrt_up(s), x);
    if (DIST_DIFF_REL_ERR > 0)
        r = bound_div_up(r, bound_sub_down(1.0, DIST_DIFF_REL_ERR));
done:
    re_clear(t);
    return r;
}
