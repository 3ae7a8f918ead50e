/* Tests of src/num/eig_lapack.c: certified enclosures of λ_min and λ_max from
 * LAPACK's dsyevr, Weyl residuals and the Cholesky certificate.
 *
 * Independent references:
 *  - a matrix with a known spectrum, exact in double: tridiag(−1, 2, −1), with
 *    eigenvalues 2 − 2cos(kπ/(n+1)), evaluated in MPFR at 256 bits and rounded
 *    outward, so "the enclosure contains the eigenvalue" is a rigorous check;
 *  - a singular Gram matrix (parallel columns), λ_min = 0 exactly;
 *  - random Gram matrices JJᵀ against our Jacobi at 256 bits on the same
 *    (double) entries, accurate far beyond double, and against GSL's solver;
 *  - negative controls: a non-finite entry certifies nothing. */
#include <math.h>
#include <mpfr.h>
#include <stdlib.h>

#include "core/status.h"
#include "num/bound.h"
#include "num/eig_lapack.h"
#include "num/symeig.h"
#include "testutil.h"

static void setup(void) { deq_gsl_handler_install(); }

TestSuite(eigbound, .init = setup);

static double fro(const mat_d_t H)
{
    double s = 0;
    for (long k = 0; k < H->rows * H->cols; k++)
        s += H->e[k] * H->e[k];
    return sqrt(s);
}

/* 2 − 2cos(kπ/(n+1)) rounded down and up from 256 bits. */
static void toeplitz_eig(double *lo, double *hi, long k, long n)
{
    mpfr_t t, pi;
    mpfr_inits2(256, t, pi, (mpfr_ptr)0);
    mpfr_const_pi(pi, MPFR_RNDN);
    mpfr_mul_si(t, pi, k, MPFR_RNDN);
    mpfr_div_si(t, t, n + 1, MPFR_RNDN);
    mpfr_cos(t, t, MPFR_RNDN);
    mpfr_mul_si(t, t, -2, MPFR_RNDN);
    mpfr_add_si(t, t, 2, MPFR_RNDN);
    /* 256-bit rounding is far below the double ulp; widen by one ulp each way */
    *lo = nextafter(mpfr_get_d(t, MPFR_RNDD), -INFINITY);
    *hi = nextafter(mpfr_get_d(t, MPFR_RNDU), INFINITY);
    mpfr_clears(t, pi, (mpfr_ptr)0);
}

Test(eigbound, known_spectrum_is_enclosed_tightly)
{
    long sizes[] = {1, 2, 3, 10, 57, 200};
    for (size_t q = 0; q < sizeof sizes / sizeof *sizes; q++) {
        long n = sizes[q];
        mat_d_t H;
        mat_init_d(H, n, n, 53);
        for (long i = 0; i < n; i++) {
            H->e[i + i * n] = 2;
            if (i + 1 < n)
                H->e[i + 1 + i * n] = H->e[i + (i + 1) * n] = -1;
        }
        num_eig_extreme_t eb;
        int rc = num_eig_extreme_lapack(eb, H);
        cr_assert_eq(rc, 0, "n=%ld: not certified (info %d, tries %d)", n, eb->lapack_info, eb->tries);
        double lmin_lo, lmin_hi, lmax_lo, lmax_hi;
        toeplitz_eig(&lmin_lo, &lmin_hi, 1, n);
        toeplitz_eig(&lmax_lo, &lmax_hi, n, n);
        cr_expect(eb->min_lo <= lmin_lo && lmin_hi <= eb->min_hi,
                  "n=%ld: lambda_min in [%.17g, %.17g] not inside [%.17g, %.17g]", n, lmin_lo,
                  lmin_hi, eb->min_lo, eb->min_hi);
        cr_expect(eb->max_lo <= lmax_lo && lmax_hi <= eb->max_hi,
                  "n=%ld: lambda_max in [%.17g, %.17g] not inside [%.17g, %.17g]", n, lmax_lo,
                  lmax_hi, eb->max_lo, eb->max_hi);
        /* tight: the widths are rounding-level, within a few n·u·‖H‖_F (the
         * Cholesky allowance is γ_{n+1}·tr, tr <= √n‖H‖_F) */
        double u = ldexp(1.0, -53), scale = 64.0 * (double)n * u * (fro(H) * sqrt((double)n) + 1);
        cr_expect(eb->min_hi - eb->min_lo <= scale && eb->max_hi - eb->max_lo <= scale,
                  "n=%ld: widths %.3g, %.3g above %.3g", n, eb->min_hi - eb->min_lo,
                  eb->max_hi - eb->max_lo, scale);
        mat_clear_d(H);
    }
}

Test(eigbound, singular_gram_encloses_zero)
{
    /* G = JJᵀ with J's rows all multiples of one integer vector: rank one,
     * exact in double (small integers), λ_min = 0 for n >= 2 */
    long n = 40, d = 7;
    mat_d_t H;
    mat_init_d(H, n, n, 53);
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++) {
            double s = 0;
            for (long k = 0; k < d; k++)
                s += (double)((i % 3 + 1) * (k + 1)) * (double)((j % 3 + 1) * (k + 1));
            H->e[i + j * n] = s;
        }
    num_eig_extreme_t eb;
    cr_assert_eq(num_eig_extreme_lapack(eb, H), 0);
    cr_expect(eb->min_lo <= 0 && 0 <= eb->min_hi, "0 not in [%.3g, %.3g]", eb->min_lo, eb->min_hi);
    /* the lower bound is no positive-definiteness claim, and close to 0 */
    double u = ldexp(1.0, -53);
    cr_expect(eb->min_lo > -64.0 * (double)n * u * fro(H) * sqrt((double)n),
              "lower bound %.3g too loose", eb->min_lo);
    mat_clear_d(H);
}

Test(eigbound, random_gram_against_jacobi_256_and_gsl)
{
    deq_rng_t rng;
    deq_rng_init(rng, test_seed() * 7919UL + 3);
    long sizes[] = {5, 30, 120};
    for (size_t q = 0; q < sizeof sizes / sizeof *sizes; q++) {
        long n = sizes[q], m = n + 3;
        mat_d_t J, H, ev;
        mat_init_d(J, n, m, 53), mat_init_d(H, n, n, 53), mat_init_d(ev, n, 1, 53);
        test_fill_gaussian(J, rng);
        for (long i = 0; i < n; i++)
            for (long j = 0; j <= i; j++) {
                double s = 0;
                for (long k = 0; k < m; k++)
                    s += J->e[i + k * n] * J->e[j + k * n];
                H->e[i + j * n] = H->e[j + i * n] = s; /* exactly symmetric */
            }
        num_eig_extreme_t eb;
        cr_assert_eq(num_eig_extreme_lapack(eb, H), 0, "n=%ld" TSEED_FMT, n, TSEED);
        /* Jacobi at 256 bits on the same entries: errors ~2^-250·‖H‖, so the
         * enclosures must contain its values as doubles up to one ulp */
        mat_mp_t Hp, evp;
        mat_init_mp(Hp, n, n, 256), mat_init_mp(evp, n, 1, 256);
        mat_set_mat_d_mp(Hp, H);
        num_symeig_info_t si;
        num_symeig_jacobi_mp(evp, NULL, si, Hp, 256);
        cr_assert(si->converged);
        double jmin = mpfr_get_d(evp->e, MPFR_RNDN), jmax = mpfr_get_d(evp->e + n - 1, MPFR_RNDN);
        cr_expect(eb->min_lo <= nextafter(jmin, INFINITY) && nextafter(jmin, -INFINITY) <= eb->min_hi,
                  "n=%ld: Jacobi-256 lambda_min %.17g outside [%.17g, %.17g]" TSEED_FMT, n, jmin,
                  eb->min_lo, eb->min_hi, TSEED);
        cr_expect(eb->max_lo <= nextafter(jmax, INFINITY) && nextafter(jmax, -INFINITY) <= eb->max_hi,
                  "n=%ld: Jacobi-256 lambda_max %.17g outside [%.17g, %.17g]" TSEED_FMT, n, jmax,
                  eb->max_lo, eb->max_hi, TSEED);
        /* GSL (a different double algorithm) agrees with dsyevr's estimates to
         * its backward error, a few n·u·‖H‖_F */
        cr_assert_eq(num_symeig_gsl(ev, NULL, H), 0);
        double tol = 8.0 * (double)n * ldexp(1.0, -53) * fro(H);
        cr_expect(fabs(ev->e[0] - eb->theta_min) <= tol && fabs(ev->e[n - 1] - eb->theta_max) <= tol,
                  "n=%ld: GSL %.17g %.17g vs dsyevr %.17g %.17g (tol %.3g)" TSEED_FMT, n, ev->e[0],
                  ev->e[n - 1], eb->theta_min, eb->theta_max, tol, TSEED);
        mat_clear_mp(Hp), mat_clear_mp(evp);
        mat_clear_d(J), mat_clear_d(H), mat_clear_d(ev);
    }
    deq_rng_clear(rng);
}

Test(eigbound, nonfinite_certifies_nothing)
{
    mat_d_t H;
    mat_init_d(H, 3, 3, 53);
    H->e[0] = H->e[4] = H->e[8] = 1;
    H->e[4] = NAN;
    num_eig_extreme_t eb;
    cr_expect_eq(num_eig_extreme_lapack(eb, H), 1);
    cr_expect(!eb->lower_certified && !eb->upper_certified);
    cr_expect(isinf(eb->min_lo) && eb->min_lo < 0 && isinf(eb->max_hi) && eb->max_hi > 0);
    mat_clear_d(H);
}
