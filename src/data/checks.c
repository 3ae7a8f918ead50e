/* Data-hypothesis checks (data/checks.h).
 *
 * Tolerances. u = 2^-53 is double's unit roundoff and d the dimension. First-
 * order error bounds, with recursive summation of d terms costing gamma_d ~ d u
 * (any summation order, including BLAS's, obeys the same bound):
 *
 *   Norm. Normalizing x in double (sum of squares, sqrt, divide) leaves
 *   |‖y‖ - 1| <= (d/2 + 2) u: the sum is off by d u relatively, the square
 *   root halves that and adds u, the division adds u. Measuring ‖y‖ here adds
 *   (d/2) u more: the deviation is evaluated as |s - 1| / (sqrt(s) + 1) with
 *   s the computed sum of squares, where s - 1 is exact near 1 (Sterbenz), so
 *   only the sum's error counts. Total (d + 2) u; norm_tol = 2 (d + 2) u
 *   doubles it to cover second-order terms and other normalization orders
 *   (pairwise sums, multiplying by 1/‖x‖).
 *
 *   Angle. Two inputs that are parallel up to a relative perturbation of
 *   (d/2 + 2) u each (the rounding a d-term computation in double, like the
 *   normalization above, leaves in a vector) meet at an angle of at most
 *   (d + 4) u. The check renormalizes each column: that moves each direction
 *   by at most u and leaves each norm within (d/2 + 2) u of 1, so a parallel
 *   pair's difference a - b has length at most (d + 4) u + 2 u. Together
 *   (2d + 10) u <= 4 (d + 2) u = parallel_tol for every d >= 1.
 *
 * The angle between the lines through unit vectors a and b is computed as
 * 2 asin(min(‖a - b‖, ‖a + b‖) / 2). For nearly parallel vectors the
 * differences are formed before any cancellation can hurt, so the angle comes
 * out with an absolute error of a few u (an error in the norms moves a - b
 * along a, orthogonally to the angle, and contributes only to second order).
 * acos(a·b) would lose half the digits: acos(1 - θ²/2) cannot resolve
 * θ below sqrt(u) ~ 1e-8.
 *
 * Parallel pairs are listed in the order found: by j, then by i.
 *
 * Search. All pairs are screened with the Gram matrix A^T A of the
 * normalized columns (BLAS, in column blocks to bound memory); only pairs that
 * could be parallel or beat the smallest angle found so far are evaluated
 * with the accurate formula. Each Gram entry is within gram_err = 4 (d + 2) u
 * of cos θ: gamma_d from the dot product, (d + 4) u from the two norms that
 * are not exactly 1, doubled for second-order terms and the rounding of cos().
 */
#include "data/checks.h"

#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"

/* Columns of the Gram matrix formed per BLAS call: wide enough for BLAS to
 * run near full speed, while the block (n x GRAM_BLOCK doubles) stays at a
 * few tens of MB even for n = 60000. */
#define GRAM_BLOCK 64

void data_check_init(data_check_t out)
{
    memset(out, 0, sizeof *out);
    out->min_i = out->min_j = -1;
    out->min_angle = M_PI / 2;
}

void data_check_clear(data_check_t out)
{
    free(out->parallel);
    out->parallel = NULL;
}

/* A NaN deviation (a column that cannot be measured) is the worst; the
 * first one found is kept. */
static int worse_dev(double dev, double current)
{
    return !isnan(current) && (isnan(dev) || dev > current);
}

/* Norm check; leaves the normalized columns in A (zero columns for those
 * with zero or non-finite norm, marked in skip[]). */
static void check_norms(data_check_t out, double *A, char *skip, const mat_d_t X)
{
    long d = X->rows, n = X->cols;
    for (long j = 0; j < n; j++) {
        const double *x = X->e + (size_t)j * (size_t)d;
        double ss = 0.0;
        for (long i = 0; i < d; i++)
            ss += x[i] * x[i];
        double norm = sqrt(ss);
        /* |norm - 1| = |ss - 1| / (norm + 1), without the rounding of sqrt;
         * NaN for a NaN column, +inf for an infinite one. */
        double dev = isfinite(ss) ? fabs(ss - 1.0) / (norm + 1.0) : fabs(norm - 1.0);
        if (!(dev <= out->norm_tol))
            out->n_not_unit++;
        if (out->worst_norm_col < 0 || worse_dev(dev, out->max_norm_dev)) {
            out->max_norm_dev = dev;
            out->worst_norm_col = j;
        }
        double *a = A + (size_t)j * (size_t)d;
        skip[j] = !(norm > 0.0 && isfinite(norm));
        for (long i = 0; i < d; i++)
            a[i] = skip[j] ? 0.0 : x[i] / norm;
    }
    out->unit_norm_ok = out->n_not_unit == 0;
}

/* Angle between the lines through a and b (nearly unit vectors). */
static double line_angle(const double *a, const double *b, long d)
{
    double dm = 0.0, dp = 0.0;
    for (long k = 0; k < d; k++) {
        double m = a[k] - b[k], p = a[k] + b[k];
        dm += m * m;
        dp += p * p;
    }
    double half_chord = 0.5 * sqrt(dm < dp ? dm : dp);
    return 2.0 * asin(half_chord < 1.0 ? half_chord : 1.0);
}

/* The list grows as pairs are found (*cap entries allocated), so a caller may
 * ask for every pair with a large max_listed without paying for it upfront. */
static void record_pair(data_check_t out, long *cap, long i, long j, double angle, long max_listed)
{
    if (angle < out->min_angle || out->min_i < 0) {
        out->min_angle = angle;
        out->min_i = i;
        out->min_j = j;
    }
    if (angle <= out->parallel_tol) {
        if (out->n_listed < max_listed) {
            if (out->n_listed == *cap) {
                *cap = *cap <= (max_listed - 8) / 2 ? 2 * *cap + 8 : max_listed;
                out->parallel = deq_realloc(out->parallel, (size_t)*cap * sizeof(data_pair));
            }
            out->parallel[out->n_listed++] = (data_pair){.i = i, .j = j, .angle = angle};
        }
        out->n_parallel++;
    }
}

static void check_angles(data_check_t out, const double *A, const char *skip, long d, long n,
                         long max_listed)
{
    const double u = ldexp(1.0, -53);
    const double gram_err = 4.0 * (double)(d + 2) * u;
    double *C = deq_malloc((size_t)n * GRAM_BLOCK * sizeof(double));
    /* A pair needs the accurate angle only if |cos θ| >= cos(max(best, tol)). */
    double thr = -1.0;
    long cap = 0;
    for (long j0 = 0; j0 < n; j0 += GRAM_BLOCK) {
        long jb = n - j0 < GRAM_BLOCK ? n - j0 : GRAM_BLOCK, m = j0 + jb;
        /* C (m x jb) = A[:, 0:m]^T A[:, j0:m]: every pair (i, j) with i < j < m. */
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)m, (int)jb, (int)d, 1.0, A,
                    (int)d, A + (size_t)j0 * (size_t)d, (int)d, 0.0, C, (int)m);
        for (long jj = 0; jj < jb; jj++) {
            long j = j0 + jj;
            if (skip[j])
                continue;
            for (long i = 0; i < j; i++) {
                if (skip[i] || fabs(C[i + jj * m]) < thr)
                    continue;
                double angle = line_angle(A + (size_t)i * (size_t)d, A + (size_t)j * (size_t)d, d);
                record_pair(out, &cap, i, j, angle, max_listed);
                double bound = out->min_angle > out->parallel_tol ? out->min_angle
                                                                  : out->parallel_tol;
                thr = cos(bound) - gram_err;
            }
        }
    }
    free(C);
}

void data_check_hypotheses(data_check_t out, const mat_d_t X, long max_listed)
{
    DEQ_REQUIRE(max_listed >= 0);
    DEQ_REQUIRE(X->rows <= INT_MAX && X->cols <= INT_MAX); /* CBLAS takes int sizes */
    long d = X->rows, n = X->cols;
    data_check_clear(out);
    data_check_init(out);
    out->n = n;
    out->d = d;
    const double u = ldexp(1.0, -53); /* double's unit roundoff */
    out->norm_tol = 2.0 * (double)(d + 2) * u;
    out->parallel_tol = 4.0 * (double)(d + 2) * u;
    out->worst_norm_col = -1;

    double *A = deq_malloc((size_t)d * (size_t)n * sizeof(double));
    char *skip = deq_malloc((size_t)n);
    check_norms(out, A, skip, X);
    if (n >= 2 && d >= 1)
        check_angles(out, A, skip, d, n, max_listed);
    out->no_parallel_ok = out->n_parallel == 0;
    free(A);
    free(skip);
}
