/* Cholesky and LU factorizations and the certified positive-definiteness test
 * (generic source: compiled for double and, with -DDEQ_MPFR, for MPFR).
 *
 * The factorizations are the textbook ones. The double backend hands the
 * level-2/3 parts to OpenBLAS (dgemv/dsyrk in Cholesky, dger in LU) because
 * the certified norm bound factors matrices of order several thousand; the
 * MPFR backend runs plain loops, one correctly rounded operation per step.
 *
 * ---------------------------------------------------------------------------
 * num_chol_certify: why the certificate is correct.
 *
 * Model. Every operation of the factorization is an IEEE/MPFR operation
 * rounded to nearest: fl(x op y) = (x op y)(1 + d) + e with |d| <= u = 2^-p
 * (p = 53, or the MPFR working precision), e = 0 for +, -, sqrt and for any
 * result that is normal, |e| <= eta = 2^-1075 for a product, quotient or fused
 * multiply-add whose result falls in the double subnormal range (d*e = 0).
 * MPFR's exponent range makes e = 0 there; we check its underflow flag.
 * A fused multiply-add counts as one operation, which only improves the
 * bounds below. OpenBLAS's dgemv/dsyrk evaluate every entry of y + alpha*A*x as
 * some tree of such operations (alpha = -1 and beta = 1 are exact); we rely on
 * that and on nothing else about the BLAS.
 *
 * The statement used (Higham, ASNA 2nd ed., Thm 10.3, via Lemma 8.4 which holds
 * "no matter what the order of evaluation"; also Demmel 1989, Rump 2006,
 * Rump & Jeannerod 2014): if the floating-point Cholesky factorization of a
 * symmetric n x n floating-point matrix Ht runs to completion (every pivot
 * positive), the computed factor R (Ht ~ R^T R) satisfies
 *     R^T R = Ht + DH,   |DH| <= gamma_{n+1} |R^T| |R|         (entrywise),
 * barring underflow; positive definiteness of Ht is not used by the proof.
 * With underflow, each of the at most n-1 products behind an entry adds an
 * absolute error eta, and the final division by r_jj adds r_jj*eta; carrying
 * these through the same (1 + theta) factors (each at most 2 in size while
 * gamma_{2n+2} <= 1, which we require) gives the additional term
 *     |DH_ij| <= ... + z,   z = 2 (n - 1 + rmax) eta,   rmax = max_j r_jj.
 *
 * From entrywise to spectral bounds:
 *     ||DH||_2 <= || |R^T||R| ||_2 + n z <= gamma ||R||_F^2 + n z.
 * The diagonal of the same identity, sum_k r_ki^2 = ht_ii + DH_ii with
 * |DH_ii| <= gamma sum_k r_ki^2 + z, gives (1 - gamma) sum_k r_ki^2 <= ht_ii + z,
 * and summing over i, ||R||_F^2 <= (tr Ht + n z)/(1 - gamma). Since R^T R is
 * positive semidefinite, lambda_min(Ht + DH) >= 0, hence
 *     lambda_min(Ht) >= -||DH||_2 >= -[gamma/(1-gamma) tr Ht + n z/(1-gamma)].
 * With gamma = gamma_{n+1} <= 1/3 (implied by gamma_{2n+2} <= 1), the
 * underflow part is at most 1.5 n z <= n (n + rmax) 2^-1073 (double only).
 *
 * The shift. Ht = fl(H - c I) differs from H - c I only on the diagonal, by
 * |fl(x) - x| <= u |fl(x)| (rounding to nearest: fl(x) = x/(1 + d), |d| <= u;
 * in double a subtraction whose result is subnormal is exact). So
 *     lambda_min(H) - c >= lambda_min(Ht) - u max_i |ht_ii|.
 * In MPFR the off-diagonal entries are copied at a working precision no lower
 * than that of any entry of H, so they are exact.
 *
 * Asymmetry. The factorization reads the lower triangle only, i.e. it sees
 * the symmetric matrix Hl built from it. If H is not exactly symmetric, the
 * certificate is for its symmetric part S = (H + H^T)/2 (the matrix of the
 * quadratic form x^T H x): ||S - Hl||_2 <= ||S - Hl||_F
 * = sqrt(sum_{i>j} (h_ij - h_ji)^2 / 2), which is added to the allowance
 * (zero for a symmetric H).
 *
 * Result: lambda_min(H) >= c - delta with
 *     delta = gamma/(1-gamma) tr(Ht) + u max|ht_ii| [+ n (n + rmax) 2^-1073]
 *             [+ asymmetry term],
 * every term evaluated with upward rounding (num/bound.h), tr(Ht) and
 * max|ht_ii| from the entries rounded up to double, and lower = c - delta
 * rounded down. Non-finite entries, a non-finite shift, an infinite factor
 * entry, an MPFR underflow or overflow, or a non-finite delta: no certificate.
 * ---------------------------------------------------------------------------
 */
#include "num/generic.h"

#include "num/bound.h"
#include "num/factor.h"

#ifndef DEQ_MPFR
#include <cblas.h>
#endif

/* Block width of the double Cholesky: the trailing update goes to dsyrk with
 * this inner dimension, large enough for OpenBLAS to run near peak, small
 * enough that the level-2 part (about n^2 * NB / 2 flops) stays minor. */
#define CHOL_NB 128

#ifdef DEQ_MPFR
#define re_swap(x, y) mpfr_swap((x), (y))
#define re_is_positive(x) (!mpfr_nan_p(x) && mpfr_sgn(x) > 0)
/* z = z - x*y with one rounding (fms, then an exact negation). */
#define re_submul(z, x, y) (mpfr_fms((z), (x), (y), (z), RND), mpfr_neg((z), (z), RND))
#else
#define re_swap(x, y)                                                          \
    do {                                                                       \
        double t_ = (x)[0];                                                    \
        (x)[0] = (y)[0];                                                       \
        (y)[0] = t_;                                                           \
    } while (0)
#define re_is_positive(x) ((x)[0] > 0.0)
#define re_submul(z, x, y) ((z)[0] -= (x)[0] * (y)[0])
#endif

/* Column j (rows j..n-1) minus the contributions of columns j0..j-1:
 * L[j:n, j] -= L[j:n, j0:j] * L[j, j0:j]^T. */
static void chol_col_update(mat_t L, long j, long j0)
{
    long n = L->rows;
    if (j == j0)
        return;
#ifdef DEQ_MPFR
    for (long k = j0; k < j; k++) {
        real_srcptr m = mat_entry(L, j, k);
        for (long i = j; i < n; i++)
            re_submul(mat_entry(L, i, j), m, mat_entry(L, i, k));
    }
#else
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)(n - j), (int)(j - j0), -1.0,
                mat_entry(L, j, j0), (int)n, mat_entry(L, j, j0), (int)n, 1.0, mat_entry(L, j, j),
                1);
#endif
}

/* Left-looking Cholesky of block column [j0, j0 + jb) of L's lower triangle,
 * whose entries already hold a_ij minus the contributions of columns < j0.
 * Returns 0 or the 1-based index of the first pivot that is not positive. */
static long chol_block_column(mat_t L, long j0, long jb)
{
    long n = L->rows;
    for (long j = j0; j < j0 + jb; j++) {
        chol_col_update(L, j, j0);
        real_ptr d = mat_entry(L, j, j);
        if (!re_is_positive(d))
            return j + 1;
        re_sqrt(d, d);
        for (long i = j + 1; i < n; i++)
            re_div(mat_entry(L, i, j), mat_entry(L, i, j), d);
    }
    return 0;
}

/* Cholesky in place on the lower triangle of L (the upper triangle is neither
 * read nor written). Double: block columns with a dsyrk trailing update;
 * MPFR: one block. */
static long chol_inplace(mat_t L)
{
    long n = L->rows;
#ifdef DEQ_MPFR
    return chol_block_column(L, 0, n);
#else
    for (long j0 = 0; j0 < n; j0 += CHOL_NB) {
        long jb = n - j0 < CHOL_NB ? n - j0 : CHOL_NB;
        long fail = chol_block_column(L, j0, jb);
        if (fail)
            return fail;
        long rest = n - j0 - jb;
        if (rest > 0)
            cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, (int)rest, (int)jb, -1.0,
                        mat_entry(L, j0 + jb, j0), (int)n, 1.0, mat_entry(L, j0 + jb, j0 + jb),
                        (int)n);
    }
    return 0;
#endif
}

long G(num_chol)(mat_t L, const mat_t A, long prec)
{
    (void)prec;
    long n = A->rows;
    DEQ_REQUIRE(A->cols == n && L->rows == n && L->cols == n);
    for (long j = 0; j < n; j++) {
        for (long i = 0; i < j; i++)
            re_set_zero(mat_entry(L, i, j));
        if (L != A)
            for (long i = j; i < n; i++)
                re_set(mat_entry(L, i, j), mat_entry(A, i, j));
    }
    return chol_inplace(L);
}

void G(num_chol_solve)(mat_t X, const mat_t L, const mat_t B, long prec)
{
    (void)prec;
    long n = L->rows;
    DEQ_REQUIRE(L->cols == n && B->rows == n && X->rows == n && X->cols == B->cols);
    G(mat_set)(X, B);
    for (long c = 0; c < X->cols; c++) {
        /* L y = b, column-oriented */
        for (long k = 0; k < n; k++) {
            real_ptr yk = mat_entry(X, k, c);
            re_div(yk, yk, mat_entry(L, k, k));
            for (long i = k + 1; i < n; i++)
                re_submul(mat_entry(X, i, c), mat_entry(L, i, k), yk);
        }
        /* L^T x = y: row i of L^T is column i of L, contiguous */
        for (long i = n - 1; i >= 0; i--) {
            real_ptr xi = mat_entry(X, i, c);
            for (long k = i + 1; k < n; k++)
                re_submul(xi, mat_entry(L, k, i), mat_entry(X, k, c));
            re_div(xi, xi, mat_entry(L, i, i));
        }
    }
}

static void swap_rows(mat_t M, long r1, long r2)
{
    if (r1 == r2)
        return;
    for (long j = 0; j < M->cols; j++)
        re_swap(mat_entry(M, r1, j), mat_entry(M, r2, j));
}

/* perm[k] is the (0-based) row exchanged with row k at step k, as LAPACK's ipiv. */
long G(num_lu)(mat_t LU, long *perm, const mat_t A, long prec)
{
    (void)prec;
    long n = A->rows;
    DEQ_REQUIRE(A->cols == n && LU->rows == n && LU->cols == n);
    if (LU != A)
        G(mat_set)(LU, A);
    long info = 0;
    for (long k = 0; k < n; k++) {
        long p = k;
        for (long i = k + 1; i < n; i++)
            if (re_cmpabs(mat_entry(LU, i, k), mat_entry(LU, p, k)) > 0)
                p = i;
        perm[k] = p;
        real_ptr piv = mat_entry(LU, p, k);
        if (re_is_zero(piv)) {
            /* as LAPACK: record the first zero pivot and go on with the next column */
            if (!info)
                info = k + 1;
            continue;
        }
        swap_rows(LU, k, p);
        piv = mat_entry(LU, k, k);
        for (long i = k + 1; i < n; i++)
            re_div(mat_entry(LU, i, k), mat_entry(LU, i, k), piv);
        long rest = n - k - 1;
        if (rest == 0)
            continue;
#ifdef DEQ_MPFR
        for (long j = k + 1; j < n; j++) {
            real_srcptr m = mat_entry(LU, k, j);
            if (re_is_zero(m))
                continue;
            for (long i = k + 1; i < n; i++)
                re_submul(mat_entry(LU, i, j), mat_entry(LU, i, k), m);
        }
#else
        cblas_dger(CblasColMajor, (int)rest, (int)rest, -1.0, mat_entry(LU, k + 1, k), 1,
                   mat_entry(LU, k, k + 1), (int)n, mat_entry(LU, k + 1, k + 1), (int)n);
#endif
    }
    return info;
}

void G(num_lu_solve)(mat_t X, const mat_t LU, const long *perm, const mat_t B, long prec)
{
    (void)prec;
    long n = LU->rows;
    DEQ_REQUIRE(LU->cols == n && B->rows == n && X->rows == n && X->cols == B->cols);
    G(mat_set)(X, B);
    for (long k = 0; k < n; k++)
        swap_rows(X, k, perm[k]);
    for (long c = 0; c < X->cols; c++) {
        /* unit lower L y = P b */
        for (long k = 0; k < n; k++)
            for (long i = k + 1; i < n; i++)
                re_submul(mat_entry(X, i, c), mat_entry(LU, i, k), mat_entry(X, k, c));
        /* U x = y, column-oriented */
        for (long k = n - 1; k >= 0; k--) {
            real_ptr xk = mat_entry(X, k, c);
            re_div(xk, xk, mat_entry(LU, k, k));
            for (long i = 0; i < k; i++)
                re_submul(mat_entry(X, i, c), mat_entry(LU, i, k), xk);
        }
    }
}

/* ---- certification helpers (backend-specific scalar access) ---- */


/* Upper bound on sum_{i>j} (h_ij - h_ji)^2 / 2, the squared Frobenius norm of
 * (H + H^T)/2 minus the symmetric matrix built from H's lower triangle. Only
 * unequal pairs cost anything, so a symmetric H is one cheap pass. */
static double asym_sq_upper(const mat_t H, long e2)
{
    long n = H->rows;
    double acc = 0.0;
#ifdef DEQ_MPFR
    mpfr_t d;
    mpfr_init2(d, 53);
#endif
    for (long j = 0; j < n; j++)
        for (long i = j + 1; i < n; i++) {
            real_srcptr a = mat_entry(H, i, j), b = mat_entry(H, j, i);
            if (re_cmp(a, b) == 0)
                continue;
#ifdef DEQ_MPFR
            if (mpfr_cmp(a, b) > 0)
                mpfr_sub(d, a, b, MPFR_RNDU);
            else
                mpfr_sub(d, b, a, MPFR_RNDU);
            mpfr_mul_2si(d, d, -e2, MPFR_RNDU);
            double du = mpfr_get_d(d, MPFR_RNDU);
#else
            double du = a[0] > b[0] ? bound_sub_up(a[0], b[0]) : bound_sub_up(b[0], a[0]);
            if (e2 != 0)
                du = bound_ldexp_up(du, -e2);
#endif
            acc = bound_add_up(acc, bound_mul_up(du, du));
        }
#ifdef DEQ_MPFR
    mpfr_clear(d);
#endif
    return bound_mul_up(acc, 0.5);
}


/* x rounded up to a double, and |x| rounded up. */
static double re_get_d_up(real_srcptr x)
{
#ifdef DEQ_MPFR
    return mpfr_get_d(x, MPFR_RNDU);
#else
    return x[0];
#endif
}

static double re_get_abs_d_up(real_srcptr x)
{
#ifdef DEQ_MPFR
    return re_sgn(x) >= 0 ? mpfr_get_d(x, MPFR_RNDU) : -mpfr_get_d(x, MPFR_RNDD);
#else
    return fabs(x[0]);
#endif
}

/* Working precision of the certification: in MPFR at least that of every
 * entry of H, so that copying the off-diagonal entries is exact. */
static long certify_prec(const mat_t H, long prec)
{
#ifdef DEQ_MPFR
    long wp = prec;
    size_t count = (size_t)H->rows * (size_t)H->cols;
    for (size_t k = 0; k < count; k++)
        if ((long)mpfr_get_prec(H->e + k) > wp)
            wp = (long)mpfr_get_prec(H->e + k);
    return wp;
#else
    (void)H;
    (void)prec;
    return 53;
#endif
}

#ifdef DEQ_MPFR
#define CERT_FLAGS (MPFR_FLAGS_UNDERFLOW | MPFR_FLAGS_OVERFLOW)
#endif

void G(num_chol_certify)(num_chol_cert_t cert, const mat_t H, double shift, long prec)
{
    G(num_chol_certify_2exp)(cert, H, 0, shift, prec);
}

void G(num_chol_certify_2exp)(num_chol_cert_t cert, const mat_t H, long e2, double shift,
                              long prec)
{
    long n = H->rows;
    DEQ_REQUIRE(H->cols == n);
    cert->certified = 0;
    cert->lower = -INFINITY;
    cert->shift = shift;
    cert->allowance = INFINITY;
    cert->failed_pivot = 0;
    if (n == 0 || !isfinite(shift) || !G(mat_is_finite)(H))
        return;

    long wp = certify_prec(H, prec);
    /* u = 2^-wp rounded up to a double: the smallest subnormal above ~1074
     * bits (where ldexp gives 0, which would drop the shift's rounding term) */
    double u = wp > 1074 ? 0x1p-1074 : ldexp(1.0, -(int)wp);
    /* gamma_{2n+2} <= 1 keeps every (1 + theta) factor of the analysis <= 2 */
    if (!(bound_gamma(2.0 * (double)n + 2.0, wp) <= 1.0))
        return;
    double gam = bound_gamma((double)n + 1.0, wp);
    double asym2 = asym_sq_upper(H, e2);
    if (!isfinite(asym2))
        return;

    mat_t R;
    G(mat_init)(R, n, n, wp);
#ifdef DEQ_MPFR
    mpfr_flags_t saved = mpfr_flags_save();
    mpfr_flags_clear(CERT_FLAGS);
#endif
    /* R = 2^-e2·H off the diagonal: exact in MPFR (wp >= entry precision,
     * MPFR's exponent range: the flags below catch the contrary); in double
     * exact unless a scaled-down entry falls in the subnormal range, where it
     * moves by at most 2^-1075 (counted in `inexact`) */
    long inexact = 0;
    for (long j = 0; j < n; j++)
        for (long i = j + 1; i < n; i++) {
            if (e2 == 0) {
                re_set(mat_entry(R, i, j), mat_entry(H, i, j));
            } else {
#ifdef DEQ_MPFR
                mpfr_mul_2si(mat_entry(R, i, j), mat_entry(H, i, j), -e2, RND);
#else
                double h = mat_entry(H, i, j)[0], r = ldexp(h, (int)-e2);
                mat_entry(R, i, j)[0] = r;
                inexact += ldexp(r, (int)e2) != h;
#endif
            }
        }
    for (long i = 0; i < n; i++) {
#ifdef DEQ_MPFR
        if (e2 == 0) {
            mpfr_sub_d(mat_entry(R, i, i), mat_entry(H, i, i), shift, RND);
        } else {
            mpfr_mul_2si(mat_entry(R, i, i), mat_entry(H, i, i), -e2, RND); /* exact */
            mpfr_sub_d(mat_entry(R, i, i), mat_entry(R, i, i), shift, RND);
        }
#else
        double h = mat_entry(H, i, i)[0], hs = e2 == 0 ? h : ldexp(h, (int)-e2);
        if (e2 != 0)
            inexact += ldexp(hs, (int)e2) != h;
        mat_entry(R, i, i)[0] = hs - shift;
#endif
    }
#ifdef DEQ_MPFR
    int bad_flags = mpfr_flags_test(CERT_FLAGS) != 0;
#endif
    double tr_up = 0.0, hmax = 0.0;
    for (long i = 0; i < n; i++) {
        tr_up = bound_add_up(tr_up, re_get_d_up(mat_entry(R, i, i)));
        hmax = fmax(hmax, re_get_abs_d_up(mat_entry(R, i, i)));
    }

#ifdef DEQ_MPFR
    mpfr_flags_clear(CERT_FLAGS);
#endif
    long fail = chol_inplace(R);
#ifdef DEQ_MPFR
    bad_flags |= mpfr_flags_test(CERT_FLAGS) != 0;
#endif
    if (fail) {
        cert->failed_pivot = fail;
        goto done;
    }
    double rmax = 0.0;
    for (long j = 0; j < n; j++) {
        for (long i = j; i < n; i++)
            if (!re_is_finite(mat_entry(R, i, j)))
                goto done;
        rmax = fmax(rmax, re_get_d_up(mat_entry(R, j, j)));
    }
#ifdef DEQ_MPFR
    if (bad_flags)
        goto done;
#endif

    double delta = bound_mul_up(bound_div_up(gam, bound_sub_down(1.0, gam)), fmax(tr_up, 0.0));
    delta = bound_add_up(delta, bound_mul_up(u, hmax));
#ifndef DEQ_MPFR
    double nd = (double)n;
    delta = bound_add_up(delta, bound_mul_up(bound_mul_up(nd, bound_add_up(nd, rmax)), 0x1p-1073));
#endif
    delta = bound_add_up(delta, bound_sqrt_up(asym2));
    /* entries moved by at most 2^-1075 each by the scaling: a symmetric
     * perturbation of Frobenius norm <= sqrt(2·inexact)·2^-1075 */
    if (inexact > 0)
        delta = bound_add_up(delta, bound_mul_up((double)inexact, 0x1p-1074));
    double lower = bound_sub_down(shift, delta);
    if (isfinite(lower)) {
        cert->certified = 1;
        cert->lower = lower;
        cert->allowance = delta;
    }

done:
#ifdef DEQ_MPFR
    mpfr_flags_set(saved);
#endif
    G(mat_clear)(R);
}
