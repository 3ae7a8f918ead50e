/* Tests of src/num: GEMM, Cholesky, LU, symmetric eigenvalues, the certified
 * positive-definiteness test and the certified spectral-norm bound.
 *
 * Expectations come from routes independent of the code under test:
 *  - references recomputed in MPFR at several times the working precision;
 *  - the classical a-priori error bounds (Higham, ASNA 2nd ed.): inner
 *    products and GEMM (Lemma 3.5: gamma_{k+2} with alpha, beta), Cholesky
 *    (Thm 10.3: |LL^T - A| <= gamma_{n+1}|L||L^T|; Thm 10.4 for the solve:
 *    gamma_{3n+1}), LU (Thm 9.3: |LU - PA| <= gamma_n |L||U|; Thm 9.4 for the
 *    solve: gamma_{3n}), checked entrywise;
 *  - a second algorithm (GSL's eigensolver and SVD) and closed forms;
 *  - negative controls: inputs where a certificate must not be issued.
 * Randomized tests loop over many sizes with test_seed() (DEQCHECK_TEST_SEED)
 * and print the seed with observed and expected values on failure.
 */
#include <float.h>
#include <gmp.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "core/status.h"
#include "deq/forward.h"
#include "deq/problem.h"
#include "num/bound.h"
#include "num/factor.h"
#include "num/norm_bound.h"
#include "num/symeig.h"
#include "testutil.h"

static void setup(void) { deq_gsl_handler_install(); }

TestSuite(num, .init = setup);

/* ---------------------------------------------------------------- helpers */

static void rng_for(deq_rng_t rng, unsigned long salt)
{
    deq_rng_init(rng, test_seed() * 1000003UL + salt);
}

static long rnd_int(deq_rng_t rng, long lo, long hi)
{
    long v = lo + (long)(deq_rng_uniform(rng) * (double)(hi - lo + 1));
    return v > hi ? hi : v;
}

/* Gaussian entries at prec bits; `thirds` divides each by 3 so that the
 * mantissas are full (not representable in double). */
static void fill_mp(mat_mp_t M, deq_rng_t rng, int thirds)
{
    for (long k = 0; k < M->rows * M->cols; k++) {
        mpfr_set_d(M->e + k, deq_rng_gaussian(rng), MPFR_RNDN);
        if (thirds)
            mpfr_div_ui(M->e + k, M->e + k, 3, MPFR_RNDN);
    }
}

/* Exact copy of a double matrix into a fresh MPFR matrix (53 bits suffice). */
static void mp_of_d(mat_mp_t M, const mat_d_t D)
{
    mat_init_mp(M, D->rows, D->cols, 53);
    mat_set_mat_d_mp(M, D);
}

static mpfr_ptr E(const mat_mp_t M, long i, long j) { return M->e + i + j * M->rows; }
static double Ed(const mat_d_t M, long i, long j) { return M->e[i + j * M->rows]; }

/* Symmetric copy: the lower triangle of S mirrored. */
static void symmetrize_d(mat_d_t S)
{
    for (long j = 0; j < S->cols; j++)
        for (long i = j + 1; i < S->rows; i++)
            S->e[j + i * S->rows] = S->e[i + j * S->rows];
}

/* G = A^T A or A A^T (whichever is smaller) at wp bits; exact for double A
 * of moderate dynamic range when wp >= 256. */
static void gram_mp(mat_mp_t G, const mat_mp_t A, long wp)
{
    long r = A->rows, c = A->cols;
    int cols = c <= r;
    long n = cols ? c : r, k = cols ? r : c;
    mat_init_mp(G, n, n, wp);
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++) {
            mpfr_ptr g = E(G, i, j);
            mpfr_set_zero(g, 1);
            for (long t = 0; t < k; t++)
                mpfr_fma(g, cols ? E(A, t, i) : E(A, i, t), cols ? E(A, t, j) : E(A, j, t), g,
                         MPFR_RNDN);
        }
}

/* Eigenvalues of symmetric S by our MPFR Jacobi at prec bits (ascending). */
static void eig_mp(mat_mp_t ev, const mat_mp_t S, long prec)
{
    num_symeig_info_t info;
    mat_init_mp(ev, S->rows, 1, prec);
    num_symeig_jacobi_mp(ev, NULL, info, S, prec);
    cr_assert(info->converged, "reference Jacobi did not converge (n=%ld, prec=%ld)", S->rows,
              prec);
}

/* ||A||_2 of the stored matrix, to ~prec bits: sqrt of the largest eigenvalue
 * of the exact Gram matrix (MPFR Jacobi). Returned as an MPFR number. */
static void true_norm2(mpfr_t out, const mat_mp_t A, long prec)
{
    mpfr_init2(out, prec);
    if (A->rows == 0 || A->cols == 0) {
        mpfr_set_zero(out, 1);
        return;
    }
    long wp = 2 * (A->prec > prec ? A->prec : prec) + 128;
    mat_mp_t G, ev;
    gram_mp(G, A, wp);
    eig_mp(ev, G, prec);
    mpfr_ptr lmax = E(ev, G->rows - 1, 0);
    if (mpfr_sgn(lmax) < 0)
        mpfr_set_zero(lmax, 1);
    mpfr_sqrt(out, lmax, MPFR_RNDN);
    mat_clear_mp(ev);
    mat_clear_mp(G);
}

/* Largest singular value by GSL's SVD (an independent double route). */
static double gsl_sigma_max(const mat_d_t A)
{
    long r = A->rows, c = A->cols;
    int tr = c > r; /* GSL needs rows >= cols */
    long M = tr ? c : r, N = tr ? r : c;
    gsl_matrix *U = gsl_matrix_alloc((size_t)M, (size_t)N);
    gsl_matrix *V = gsl_matrix_alloc((size_t)N, (size_t)N);
    gsl_vector *S = gsl_vector_alloc((size_t)N), *w = gsl_vector_alloc((size_t)N);
    for (long i = 0; i < M; i++)
        for (long j = 0; j < N; j++)
            gsl_matrix_set(U, (size_t)i, (size_t)j, tr ? Ed(A, j, i) : Ed(A, i, j));
    int st = gsl_linalg_SV_decomp(U, V, S, w);
    cr_assert(st == 0 && deq_gsl_last_error(NULL) == 0, "GSL SVD failed");
    double s = gsl_vector_get(S, 0);
    gsl_matrix_free(U), gsl_matrix_free(V), gsl_vector_free(S), gsl_vector_free(w);
    return s;
}

/* ------------------------------------------------------------------- GEMM */

/* One random product checked against an MPFR reference at 4 prec bits:
 * |C - Cref| <= gamma_{k+2} (|alpha| |opA| |opB| + |beta C0|) entrywise. */
static void gemm_case(deq_rng_t rng, long prec, int use_mp, long iter)
{
    long m = rnd_int(rng, 1, 9), n = rnd_int(rng, 1, 9), k = rnd_int(rng, 0, 12);
    if (iter % 7 == 0)
        k = 0;
    if (iter % 5 == 0)
        n = 1; /* the gemv path */
    mat_op oa = rnd_int(rng, 0, 1) ? MAT_TRANS : MAT_NOTRANS;
    mat_op ob = rnd_int(rng, 0, 1) ? MAT_TRANS : MAT_NOTRANS;
    long wp = 4 * prec, ip = use_mp ? prec : 53;
    mat_mp_t A, B, C0;
    mat_init_mp(A, oa == MAT_NOTRANS ? m : k, oa == MAT_NOTRANS ? k : m, ip);
    mat_init_mp(B, ob == MAT_NOTRANS ? k : n, ob == MAT_NOTRANS ? n : k, ip);
    mat_init_mp(C0, m, n, ip);
    fill_mp(A, rng, use_mp), fill_mp(B, rng, use_mp), fill_mp(C0, rng, use_mp);
    mpfr_t alpha, beta, acc, bnd, t, err;
    mpfr_inits2(ip, alpha, beta, (mpfr_ptr)0);
    mpfr_inits2(wp, acc, bnd, t, err, (mpfr_ptr)0);
    int ac = (int)rnd_int(rng, 0, 3), bc = (int)rnd_int(rng, 0, 2);
    mpfr_set_d(alpha, ac == 0 ? 0.0 : ac == 1 ? 1.0 : ac == 2 ? -1.0 : deq_rng_gaussian(rng),
               MPFR_RNDN);
    mpfr_set_d(beta, bc == 0 ? 0.0 : bc == 1 ? 1.0 : deq_rng_gaussian(rng), MPFR_RNDN);
    if (use_mp && ac == 3)
        mpfr_div_ui(alpha, alpha, 3, MPFR_RNDN);

    mat_mp_t C;
    mat_init_mp(C, m, n, ip);
    mat_set_mp(C, C0);
    if (use_mp) {
        mat_gemm_mp(C, alpha, oa, A, ob, B, beta, prec);
    } else {
        mat_d_t Ad, Bd, Cd;
        mat_init_d(Ad, A->rows, A->cols, 53), mat_init_d(Bd, B->rows, B->cols, 53);
        mat_init_d(Cd, m, n, 53);
        mat_get_mat_d_mp(Ad, A), mat_get_mat_d_mp(Bd, B), mat_get_mat_d_mp(Cd, C0);
        double al = mpfr_get_d(alpha, MPFR_RNDN), be = mpfr_get_d(beta, MPFR_RNDN);
        mat_gemm_d(Cd, &al, oa, Ad, ob, Bd, &be, 53);
        mat_set_mat_d_mp(C, Cd);
        mat_clear_d(Ad), mat_clear_d(Bd), mat_clear_d(Cd);
    }
    double gam = bound_gamma((double)k + 2.0, prec);
    for (long i = 0; i < m; i++)
        for (long j = 0; j < n; j++) {
            mpfr_set_zero(acc, 1);
            mpfr_set_zero(bnd, 1);
            for (long l = 0; l < k; l++) {
                mpfr_srcptr a = oa == MAT_NOTRANS ? E(A, i, l) : E(A, l, i);
                mpfr_srcptr b = ob == MAT_NOTRANS ? E(B, l, j) : E(B, j, l);
                mpfr_fma(acc, a, b, acc, MPFR_RNDN);
                mpfr_mul(t, a, b, MPFR_RNDN);
                mpfr_abs(t, t, MPFR_RNDN);
                mpfr_add(bnd, bnd, t, MPFR_RNDN);
            }
            mpfr_mul(acc, acc, alpha, MPFR_RNDN);
            mpfr_mul(bnd, bnd, alpha, MPFR_RNDN);
            mpfr_abs(bnd, bnd, MPFR_RNDN);
            mpfr_mul(t, E(C0, i, j), beta, MPFR_RNDN);
            mpfr_add(acc, acc, t, MPFR_RNDN);
            mpfr_abs(t, t, MPFR_RNDN);
            mpfr_add(bnd, bnd, t, MPFR_RNDN);
            mpfr_mul_d(bnd, bnd, gam, MPFR_RNDU);
            mpfr_sub(err, E(C, i, j), acc, MPFR_RNDN);
            mpfr_abs(err, err, MPFR_RNDN);
            cr_assert(mpfr_cmp(err, bnd) <= 0,
                      "gemm %s prec=%ld m=%ld n=%ld k=%ld opA=%d opB=%d entry (%ld,%ld): "
                      "error %.3e > bound %.3e" TSEED_FMT,
                      use_mp ? "mp" : "d", prec, m, n, k, (int)oa, (int)ob, i, j,
                      mpfr_get_d(err, MPFR_RNDN), mpfr_get_d(bnd, MPFR_RNDN), TSEED);
        }
    mpfr_clears(alpha, beta, acc, bnd, t, err, (mpfr_ptr)0);
    mat_clear_mp(A), mat_clear_mp(B), mat_clear_mp(C0), mat_clear_mp(C);
}

Test(num, gemm_double_vs_exact)
{
    deq_rng_t rng;
    rng_for(rng, 1);
    for (long it = 0; it < test_iters(200); it++)
        gemm_case(rng, 53, 0, it);
    deq_rng_clear(rng);
}

Test(num, gemm_mpfr_vs_exact)
{
    deq_rng_t rng;
    rng_for(rng, 2);
    long precs[] = {24, 53, 113, 256};
    for (long it = 0; it < test_iters(200); it++)
        gemm_case(rng, precs[it % 4], 1, it);
    deq_rng_clear(rng);
}

/* ------------------------------------- MPFR GEMM: correctly rounded products */

/* The contract of mat_gemm_mp (num/mat_tmpl.h): each entry of op(A)·op(B) is
 * the exact dot product rounded once to prec (an exact zero is +0), then
 * c = alpha·dot (beta = 0) or fma(alpha, dot, beta·c). A row of op(A) or a
 * column of op(B) holding NaN or ±Inf, or wider than twice its documented
 * bound, and a row and column whose digit counts multiply to more than the
 * documented budget, give their entries by mat_gemm_mp_naive instead. The reference below is
 * independent of the kernel: every product exact (mpfr_mul into prec_a + prec_b
 * bits), their sum correctly rounded by mpfr_sum; the fallback rule is
 * recomputed from the entries through mpfr_get_z_2exp. */

static int same_bits(mpfr_srcptr x, mpfr_srcptr y)
{
    if (mpfr_nan_p(x) || mpfr_nan_p(y))
        return mpfr_nan_p(x) && mpfr_nan_p(y);
    return mpfr_equal_p(x, y) && mpfr_signbit(x) == mpfr_signbit(y);
}

/* Entry t of row i of op(M) (row = 1) or of column i of op(M) (row = 0). */
static mpfr_ptr op_entry(const mat_mp_t M, mat_op op, int row, long i, long t)
{
    int plain = (op == MAT_NOTRANS) == row; /* reaches M(i, t) */
    return plain ? E(M, i, t) : E(M, t, i);
}

/* The width of a vector (top exponent − lowest nonzero bit; 0 when all its
 * entries are zero), or -1 when it holds a NaN or an infinity. */
static long vec_width(const mat_mp_t M, mat_op op, int row, long i, long k)
{
    int any = 0;
    long top = 0, low = 0;
    mpz_t z;
    mpz_init(z);
    for (long t = 0; t < k; t++) {
        mpfr_srcptr x = op_entry(M, op, row, i, t);
        if (mpfr_nan_p(x) || mpfr_inf_p(x)) {
            mpz_clear(z);
            return -1;
        }
        if (mpfr_zero_p(x))
            continue;
        long e = (long)mpfr_get_z_2exp(z, x); /* x = z·2^e exactly */
        long lowbit = e + (long)mpz_scan1(z, 0);
        long topbit = (long)mpfr_get_exp(x);
        top = !any || topbit > top ? topbit : top;
        low = !any || lowbit < low ? lowbit : low;
        any = 1;
    }
    mpz_clear(z);
    return any ? top - low : 0;
}

/* The documented rule (num/mat_tmpl.h): with bound_M = M's precision +
 * max(prec, 128) and digits(w) = ⌈(w + 1)/60⌉, entry (i, j) takes the naive
 * loop when row i or column j is non-finite or wider than twice its bound, or
 * when digits(w_i)·digits(w_j) > digits(bound_A)·digits(bound_B). */
static long digits60(long w)
{
    return (w + 60) / 60;
}

static int entry_falls_back(long wa, long wb, long bound_a, long bound_b)
{
    if (wa < 0 || wb < 0 || wa > 2 * bound_a || wb > 2 * bound_b)
        return 1;
    return digits60(wa) * digits60(wb) > digits60(bound_a) * digits60(bound_b);
}

/* A random entry at x's precision: full random significand, random sign,
 * exponent uniform in [-spread, spread]; zeros, short significands (trailing
 * zero bits), and when `special` rarely NaN or ±Inf. */
static void rand_entry(mpfr_ptr x, deq_rng_t rng, gmp_randstate_t gr, long spread, int special)
{
    double u = deq_rng_uniform(rng);
    if (special && u < 0.02) {
        if (u < 0.007)
            mpfr_set_nan(x);
        else
            mpfr_set_inf(x, u < 0.013 ? 1 : -1);
        return;
    }
    if (u < 0.15) {
        mpfr_set_zero(x, u < 0.07 ? 1 : -1);
        return;
    }
    if (u < 0.3)
        mpfr_set_si(x, rnd_int(rng, -1000, 1000), MPFR_RNDN); /* short significand */
    else {
        mpfr_urandomb(x, gr); /* in [0, 1): full significand */
        if (mpfr_zero_p(x))
            mpfr_set_ui(x, 1, MPFR_RNDN);
        if (rnd_int(rng, 0, 1))
            mpfr_neg(x, x, MPFR_RNDN);
    }
    mpfr_mul_2si(x, x, rnd_int(rng, -spread, spread), MPFR_RNDN);
}

static char *mp_str(mpfr_srcptr x)
{
    char *str;
    mpfr_asprintf(&str, "%Ra (prec %ld)", x, (long)mpfr_get_prec(x));
    return str;
}

typedef struct {
    long exact_entries, fallback_entries, naive_differs;
    long wide_exact; /* exact-path entries with a row or column beyond its bound */
    long wide_fallback; /* fallback entries whose row and column are both convertible */
} cr_stats;

/* One random product checked entry by entry; modes: 0 narrow exponents,
 * 1 spread ±prec/2, 2 spread ±2·max(p, 128) (widths on both sides of twice
 * the bound), 3 near-cancelling pairs in row 0, 4 exactly cancelling pairs,
 * 5 narrow op(A) and op(B) beyond its bound but within twice it (the pair
 * rule decides). */
static void gemm_cr_case(deq_rng_t rng, gmp_randstate_t gr, long iter, cr_stats *st)
{
    long prec = rnd_int(rng, 24, 600);
    long pa = iter % 3 ? rnd_int(rng, 24, 600) : prec, pb = iter % 5 ? rnd_int(rng, 24, 600) : prec;
    long pc = iter % 2 ? rnd_int(rng, 24, 600) : prec;
    long pick[] = {0, 1, 2, 3, 5, 9, 14};
    long m = pick[rnd_int(rng, 0, 6)], n = pick[rnd_int(rng, 0, 6)];
    long k = rnd_int(rng, 0, 3) == 0 ? rnd_int(rng, 0, 1) : rnd_int(rng, 2, 24);
    if (iter % 11 == 5) { /* long dot products: several flushes of the 128-bit sums */
        m = rnd_int(rng, 1, 3), n = rnd_int(rng, 1, 3), k = rnd_int(rng, 250, 700);
    }
    int mode = (int)(iter % 6);
    long pmax = prec > pa ? prec : pa;
    pmax = pmax > pb ? pmax : pb;
    long spread = mode == 0 ? 4 : mode == 1 ? prec / 2 : 2 * (pmax > 128 ? pmax : 128);
    long bound_a = pa + (prec > 128 ? prec : 128), bound_b = pb + (prec > 128 ? prec : 128);
    long spread_a = mode == 5 ? 4 : spread;
    long spread_b = mode == 5 ? rnd_int(rng, bound_b / 2, 3 * bound_b / 4) : spread;
    int special = iter % 7 == 3;
    mat_op oa = rnd_int(rng, 0, 1) ? MAT_TRANS : MAT_NOTRANS;
    mat_op ob = rnd_int(rng, 0, 1) ? MAT_TRANS : MAT_NOTRANS;

    mat_mp_t A, B, C0, C, Cn;
    mat_init_mp(A, oa == MAT_NOTRANS ? m : k, oa == MAT_NOTRANS ? k : m, pa);
    mat_init_mp(B, ob == MAT_NOTRANS ? k : n, ob == MAT_NOTRANS ? n : k, pb);
    mat_init_mp(C0, m, n, pc);
    mat_init_mp(C, m, n, pc);
    mat_init_mp(Cn, m, n, pc);
    for (long q = 0; q < A->rows * A->cols; q++)
        rand_entry(A->e + q, rng, gr, spread_a, special);
    for (long q = 0; q < B->rows * B->cols; q++)
        rand_entry(B->e + q, rng, gr, spread_b, special);
    for (long q = 0; q < m * n; q++)
        rand_entry(C0->e + q, rng, gr, 4, 0);
    if ((mode == 3 || mode == 4) && m > 0)
        for (long j = 0; j < n; j++)
            for (long t = 0; t + 1 < k; t += 2) {
                mpfr_ptr a0 = op_entry(A, oa, 1, 0, t), a1 = op_entry(A, oa, 1, 0, t + 1);
                mpfr_ptr b0 = op_entry(B, ob, 0, j, t), b1 = op_entry(B, ob, 0, j, t + 1);
                if (mode == 4) { /* a1·b1 = −a0·b0 exactly */
                    mpfr_set(a1, a0, MPFR_RNDN);
                    mpfr_neg(b1, b0, MPFR_RNDN);
                } else if (mpfr_regular_p(a1)) { /* b1 ≈ −a0·b0/a1, rounded to pb bits */
                    mpfr_mul(b1, a0, b0, MPFR_RNDN);
                    mpfr_div(b1, b1, a1, MPFR_RNDN);
                    mpfr_neg(b1, b1, MPFR_RNDN);
                }
            }

    mpfr_t alpha, beta;
    mpfr_init2(alpha, rnd_int(rng, 24, 600));
    mpfr_init2(beta, rnd_int(rng, 24, 600));
    int ac = (int)rnd_int(rng, 0, 3), bc = (int)rnd_int(rng, 0, 3);
    if (ac == 3)
        rand_entry(alpha, rng, gr, 3, 0);
    else
        mpfr_set_si(alpha, ac == 0 ? 0 : ac == 1 ? 1 : -1, MPFR_RNDN);
    if (bc == 3)
        rand_entry(beta, rng, gr, 3, 0);
    else
        mpfr_set_si(beta, bc == 2 ? 1 : 0, MPFR_RNDN); /* beta = 0 half the time */

    mat_set_mp(C, C0);
    mat_set_mp(Cn, C0);
    mat_gemm_mp(C, alpha, oa, A, ob, B, beta, prec);
    mat_gemm_mp_naive(Cn, alpha, oa, A, ob, B, beta, prec);

    long *row_w = malloc((size_t)(m + 1) * sizeof *row_w);
    long *col_w = malloc((size_t)(n + 1) * sizeof *col_w);
    for (long i = 0; i < m; i++)
        row_w[i] = vec_width(A, oa, 1, i, k);
    for (long j = 0; j < n; j++)
        col_w[j] = vec_width(B, ob, 0, j, k);
    mpfr_t *prod = malloc((size_t)(k + 1) * sizeof *prod);
    mpfr_ptr *pp = malloc((size_t)(k + 1) * sizeof *pp);
    for (long t = 0; t < k; t++) {
        mpfr_init2(prod[t], pa + pb);
        pp[t] = prod[t];
    }
    mpfr_t dot, want;
    mpfr_init2(dot, prec);
    mpfr_init2(want, pc);
    for (long i = 0; i < m; i++)
        for (long j = 0; j < n; j++) {
            mpfr_srcptr got = E(C, i, j);
            int wide = row_w[i] > bound_a || col_w[j] > bound_b;
            if (entry_falls_back(row_w[i], col_w[j], bound_a, bound_b)) {
                st->fallback_entries++;
                st->wide_fallback += row_w[i] >= 0 && col_w[j] >= 0 && row_w[i] <= 2 * bound_a
                                     && col_w[j] <= 2 * bound_b;
                if (!same_bits(got, E(Cn, i, j))) {
                    char *o = mp_str(got), *e = mp_str(E(Cn, i, j));
                    cr_assert_fail("gemm fallback entry (%ld,%ld) differs from the naive loop: "
                                   "got %s, naive %s; prec=%ld m=%ld n=%ld k=%ld opA=%d opB=%d "
                                   "mode=%d iter=%ld" TSEED_FMT,
                                   i, j, o, e, prec, m, n, k, (int)oa, (int)ob, mode, iter, TSEED);
                }
                continue;
            }
            st->exact_entries++;
            st->wide_exact += wide;
            for (long t = 0; t < k; t++) {
                int inexact = mpfr_mul(prod[t], op_entry(A, oa, 1, i, t), op_entry(B, ob, 0, j, t),
                                       MPFR_RNDN);
                cr_assert(inexact == 0, "reference product not exact");
            }
            if (k == 0)
                mpfr_set_zero(dot, 1);
            else
                mpfr_sum(dot, pp, (unsigned long)k, MPFR_RNDN);
            if (mpfr_zero_p(dot))
                mpfr_set_zero(dot, 1);
            mpfr_set(want, E(C0, i, j), MPFR_RNDN);
            if (mpfr_zero_p(beta))
                mpfr_mul(want, dot, alpha, MPFR_RNDN);
            else {
                mpfr_mul(want, want, beta, MPFR_RNDN);
                mpfr_fma(want, dot, alpha, want, MPFR_RNDN);
            }
            if (!same_bits(E(Cn, i, j), want))
                st->naive_differs++;
            if (!same_bits(got, want)) {
                char *o = mp_str(got), *e = mp_str(want), *d = mp_str(dot);
                cr_assert_fail("gemm entry (%ld,%ld) not correctly rounded: got %s, expected %s "
                               "(dot %s); prec=%ld pa=%ld pb=%ld m=%ld n=%ld k=%ld opA=%d opB=%d "
                               "mode=%d iter=%ld" TSEED_FMT,
                               i, j, o, e, d, prec, pa, pb, m, n, k, (int)oa, (int)ob, mode, iter,
                               TSEED);
            }
        }
    for (long t = 0; t < k; t++)
        mpfr_clear(prod[t]);
    free(prod), free(pp), free(row_w), free(col_w);
    mpfr_clears(dot, want, alpha, beta, (mpfr_ptr)0);
    mat_clear_mp(A), mat_clear_mp(B), mat_clear_mp(C0), mat_clear_mp(C), mat_clear_mp(Cn);
}

Test(num, gemm_mpfr_correctly_rounded)
{
    deq_rng_t rng;
    rng_for(rng, 3);
    gmp_randstate_t gr;
    gmp_randinit_default(gr);
    gmp_randseed_ui(gr, test_seed());
    cr_stats st = {0, 0, 0, 0, 0};
    long iters = test_iters(1500);
    for (long it = 0; it < iters; it++)
        gemm_cr_case(rng, gr, it, &st);
    gmp_randclear(gr);
    deq_rng_clear(rng);
    /* the draw must exercise both paths, both sides of the pair rule, and the
     * naive loop must be distinguishable from the reference (else the test
     * proves nothing) */
    cr_assert(iters < 60
                  || (st.exact_entries > 5 * iters && st.fallback_entries > iters / 4
                      && st.naive_differs > st.exact_entries / 20 && st.wide_exact > iters / 10
                      && st.wide_fallback > iters / 10),
              "coverage: %ld exact-path entries (%ld with a vector beyond its bound), %ld "
              "fallback entries (%ld by the pair rule alone), naive loop off in %ld" TSEED_FMT,
              st.exact_entries, st.wide_exact, st.fallback_entries, st.wide_fallback,
              st.naive_differs, TSEED);
    printf("gemm_mpfr_correctly_rounded: %ld exact-path entries (%ld with a vector beyond its "
           "bound), %ld fallback entries (%ld by the pair rule alone)\n",
           st.exact_entries, st.wide_exact, st.fallback_entries, st.wide_fallback);
}

/* The fallback rule at its edges, where random draws never land: a row
 * (1, 2^L, −1, 0) of width wa = 1 − L and a column (1, 1, 1, 2^−c) of width
 * wb = 1 + c (1 = 0.1₂·2¹ spans one bit) have the exact dot product 2^L, which the naive loop loses at a
 * working precision far below wa (1 + 2^L rounds to 1), so the result tells
 * which path the entry took. At 64 bits (bounds 192, digit budget 4·4 = 16):
 * a row at twice its bound (384) and one past it; digit products at the
 * budget (4·4, 3·5) and one digit count past it (4·5, 3·6). Through
 * mat_gemm_mp and mat_gemv_mp_lhs both. */
Test(num, gemm_mpfr_fallback_rule_edges)
{
    long prec = 64;
    struct {
        long wa, wb;
    } edges[] = {{384, 1}, {385, 1}, {180, 239}, {180, 240}, {179, 299}, {179, 300},
                 {239, 239}, {240, 239}};
    mat_mp_t A, B, C, x, y;
    mat_init_mp(A, 1, 4, prec), mat_init_mp(B, 4, 1, prec), mat_init_mp(C, 1, 1, prec);
    mat_init_mp(x, 4, 1, prec), mat_init_mp(y, 1, 1, prec);
    mpfr_t one, zero, want;
    mpfr_inits2(prec, one, zero, want, (mpfr_ptr)0);
    mpfr_set_ui(one, 1, MPFR_RNDN), mpfr_set_zero(zero, 1);
    long bound = prec + 128;
    for (size_t e = 0; e < sizeof edges / sizeof *edges; e++) {
        long wa = edges[e].wa, wb = edges[e].wb, L = 1 - wa;
        mpfr_set_ui(E(A, 0, 0), 1, MPFR_RNDN);
        mpfr_set_ui_2exp(E(A, 0, 1), 1, L, MPFR_RNDN);
        mpfr_set_si(E(A, 0, 2), -1, MPFR_RNDN);
        mpfr_set_zero(E(A, 0, 3), 1);
        for (long t = 0; t < 3; t++)
            mpfr_set_ui(E(B, t, 0), 1, MPFR_RNDN);
        mpfr_set_ui_2exp(E(B, 3, 0), 1, -(wb - 1), MPFR_RNDN);
        cr_assert(vec_width(A, MAT_NOTRANS, 1, 0, 4) == wa && vec_width(B, MAT_NOTRANS, 0, 0, 4) == wb,
                  "construction: widths %ld and %ld, meant %ld and %ld",
                  vec_width(A, MAT_NOTRANS, 1, 0, 4), vec_width(B, MAT_NOTRANS, 0, 0, 4), wa, wb);
        int exact = !entry_falls_back(wa, wb, bound, bound);
        mpfr_set_ui_2exp(want, 1, L, MPFR_RNDN);
        mat_gemm_mp_naive(C, one, MAT_NOTRANS, A, MAT_NOTRANS, B, zero, prec);
        cr_assert(mpfr_zero_p(E(C, 0, 0)), "the naive loop keeps 2^L at widths %ld, %ld", wa, wb);
        mat_gemm_mp(C, one, MAT_NOTRANS, A, MAT_NOTRANS, B, zero, prec);
        cr_assert(exact ? mpfr_equal_p(E(C, 0, 0), want) : mpfr_zero_p(E(C, 0, 0)),
                  "widths %ld, %ld (digits %ld·%ld, budget %ld): the product took the %s path",
                  wa, wb, digits60(wa), digits60(wb), digits60(bound) * digits60(bound),
                  mpfr_zero_p(E(C, 0, 0)) ? "naive" : "integer");
        mat_set_mp(x, B);
        mat_mp_lhs_t LA;
        mat_mp_lhs_init(LA, MAT_NOTRANS, A, prec);
        mat_gemv_mp_lhs(y, one, LA, x, zero, prec);
        mat_mp_lhs_clear(LA);
        cr_assert(same_bits(E(y, 0, 0), E(C, 0, 0)), "gemv_lhs differs at widths %ld, %ld", wa, wb);
    }
    mpfr_clears(one, zero, want, (mpfr_ptr)0);
    mat_clear_mp(A), mat_clear_mp(B), mat_clear_mp(C), mat_clear_mp(x), mat_clear_mp(y);
}

/* An MPFR tanh network's forward solve on `threads` threads: Z and info. */
static void threaded_solve(mat_mp_t Z, deq_solve_info_t info, long m, long d, long n, long prec,
                           int max_iter, int newton, deq_act act, int threads)
{
    omp_set_num_threads(threads);
    deq_rng_t rng;
    rng_for(rng, 5);
    mat_d_t Ad, Ud, Xd;
    mat_init_d(Ad, m, m, 53), mat_init_d(Ud, m, d, 53), mat_init_d(Xd, d, n, 53);
    test_fill_gaussian(Ad, rng), test_fill_gaussian(Ud, rng), test_fill_gaussian(Xd, rng);
    deq_rng_clear(rng);
    mat_mp_t A, U, X; /* at the working precision, as the CLI stores data */
    mat_init_mp(A, m, m, prec), mat_init_mp(U, m, d, prec), mat_init_mp(X, d, n, prec);
    mat_set_mat_d_mp(A, Ad), mat_set_mat_d_mp(U, Ud), mat_set_mat_d_mp(X, Xd);
    mat_clear_d(Ad), mat_clear_d(Ud), mat_clear_d(Xd);
    deq_problem_mp_t P;
    deq_problem_init_mp(P, A, U, X, "0.3", "1", act, 1, prec);
    deq_solve_opts o;
    deq_solve_opts_default(&o);
    o.max_iter = max_iter;
    o.newton = newton;
    mat_init_mp(Z, m, n, prec);
    deq_solve_info_init(info);
    deq_forward_solve_mp(Z, info, &P->fp, &o, prec);
    deq_problem_clear_mp(P);
}

/* Thread count does not change a bit: the same products on 1, 2 and 3
 * threads, large enough to run in parallel (with a fallback row and column,
 * zero rows and wide spreads), and MPFR forward solves on 1 and 2 threads:
 * Anderson then Newton (the product, the activation and the per-sample
 * Anderson steps in parallel), and a few Anderson steps on many samples
 * (the residuals in parallel too). */
Test(num, mpfr_results_independent_of_thread_count)
{
    deq_rng_t rng;
    rng_for(rng, 4);
    gmp_randstate_t gr;
    gmp_randinit_default(gr);
    gmp_randseed_ui(gr, test_seed() + 1);
    for (long it = 0; it < test_iters(6); it++) {
        long prec = rnd_int(rng, 250, 400), m = rnd_int(rng, 80, 120), n = rnd_int(rng, 80, 120),
             k = rnd_int(rng, 80, 120);
        mat_op oa = it % 2 ? MAT_TRANS : MAT_NOTRANS, ob = it % 4 >= 2 ? MAT_TRANS : MAT_NOTRANS;
        mat_mp_t A, B, C0, C[3];
        mat_init_mp(A, oa == MAT_NOTRANS ? m : k, oa == MAT_NOTRANS ? k : m, prec);
        mat_init_mp(B, ob == MAT_NOTRANS ? k : n, ob == MAT_NOTRANS ? n : k, prec);
        mat_init_mp(C0, m, n, prec);
        for (long q = 0; q < A->rows * A->cols; q++)
            rand_entry(A->e + q, rng, gr, it % 3 == 2 ? 2 * prec : 8, 0);
        for (long q = 0; q < B->rows * B->cols; q++)
            rand_entry(B->e + q, rng, gr, 8, 0);
        for (long q = 0; q < m * n; q++)
            rand_entry(C0->e + q, rng, gr, 4, 0);
        mpfr_set_nan(op_entry(A, oa, 1, m / 2, k / 3));           /* a fallback row */
        mpfr_mul_2si(op_entry(B, ob, 0, 1, 0), op_entry(B, ob, 0, 1, 0), 20 * prec,
                     MPFR_RNDN);                                 /* a fallback column */
        for (long t = 0; t < k; t++)
            mpfr_set_zero(op_entry(A, oa, 1, 0, t), 1);          /* a zero row */
        mpfr_t alpha, beta;
        mpfr_inits2(prec, alpha, beta, (mpfr_ptr)0);
        rand_entry(alpha, rng, gr, 2, 0);
        mpfr_set_si(beta, it % 2, MPFR_RNDN);
        for (int th = 0; th < 3; th++) {
            omp_set_num_threads(th + 1);
            mat_init_mp(C[th], m, n, prec);
            mat_set_mp(C[th], C0);
            mat_gemm_mp(C[th], alpha, oa, A, ob, B, beta, prec);
        }
        for (long q = 0; q < m * n; q++)
            for (int th = 1; th < 3; th++)
                if (!same_bits(C[0]->e + q, C[th]->e + q)) {
                    char *o = mp_str(C[th]->e + q), *e = mp_str(C[0]->e + q);
                    cr_assert_fail("gemm entry %ld on %d threads: %s, on 1 thread: %s (m=%ld "
                                   "n=%ld k=%ld prec=%ld)" TSEED_FMT,
                                   q, th + 1, o, e, m, n, k, prec, TSEED);
                }
        for (int th = 0; th < 3; th++)
            mat_clear_mp(C[th]);
        mpfr_clears(alpha, beta, (mpfr_ptr)0);
        mat_clear_mp(A), mat_clear_mp(B), mat_clear_mp(C0);
    }
    gmp_randclear(gr);

    /* relu: Anderson's and Newton's iterates then have columns wider than
     * their bound (tiny entries with full significands), products by the
     * pair rule */
    struct {
        long m, d, n, prec;
        int max_iter, newton;
        deq_act act;
    } cases[] = {{96, 6, 48, 256, 1000, 1, DEQ_ACT_TANH},
                 {32, 6, 1500, 64, 6, 0, DEQ_ACT_TANH},
                 {96, 6, 48, 256, 1000, 1, DEQ_ACT_RELU}};
    for (int c = 0; c < 3; c++) {
        mat_mp_t Z[2];
        deq_solve_info_t info[2];
        long m = cases[c].m, n = cases[c].n;
        for (int th = 0; th < 2; th++)
            threaded_solve(Z[th], info[th], m, cases[c].d, n, cases[c].prec, cases[c].max_iter,
                           cases[c].newton, cases[c].act, th + 1);
        if (cases[c].newton)
            cr_assert(info[0]->outcome == DEQ_CONVERGED && info[0]->certified,
                      "reference solve: outcome %s", deq_outcome_name(info[0]->outcome));
        cr_assert(info[0]->iterations == info[1]->iterations
                      && info[0]->newton_steps == info[1]->newton_steps
                      && info[0]->err_bound == info[1]->err_bound
                      && info[0]->resid == info[1]->resid,
                  "solve %d on 2 threads: %ld iterations + %ld Newton, bound %.17g; "
                  "on 1: %ld + %ld, %.17g",
                  c, info[1]->iterations, info[1]->newton_steps, info[1]->err_bound,
                  info[0]->iterations, info[0]->newton_steps, info[0]->err_bound);
        for (long q = 0; q < m * n; q++)
            if (!same_bits(Z[0]->e + q, Z[1]->e + q)) {
                char *o = mp_str(Z[1]->e + q), *e = mp_str(Z[0]->e + q);
                cr_assert_fail("solve %d: equilibrium entry %ld on 2 threads: %s, on 1 thread: %s",
                               c, q, o, e);
            }
        for (int th = 0; th < 2; th++) {
            mat_clear_mp(Z[th]);
            deq_solve_info_clear(info[th]);
        }
    }
    deq_rng_clear(rng);
}

/* vec_dot and vec_axpy against exact references. The dot product obeys
 * |dot − Σxy| <= γ_len·Σ|xy| at its precision; each axpy entry is RN(y + ax)
 * in MPFR and within γ_2·(|y| + |ax|) of y + ax in double. The references are
 * exact: products and sums at enough bits (checked by MPFR's ternary value),
 * the dot product's sum by mpfr_sum. */
Test(num, vec_kernels_against_exact)
{
    deq_rng_t rng;
    rng_for(rng, 8);
    gmp_randstate_t gr;
    gmp_randinit_default(gr);
    gmp_randseed_ui(gr, test_seed() + 3);
    double worst[2][2] = {{0, 0}, {0, 0}}; /* [double, mpfr][dot, axpy]: error / bound */
    for (long it = 0; it < test_iters(300); it++) {
        int mp = it % 2;
        long prec = mp ? rnd_int(rng, 24, 400) : 53, len = rnd_int(rng, 0, 1200);
        long spread = it % 3 == 0 ? 30 : 3, wp = 3 * prec + 4 * spread + 64;
        mat_mp_t x, y, y2;
        mat_init_mp(x, len, 1, prec), mat_init_mp(y, len, 1, prec), mat_init_mp(y2, len, 1, prec);
        mat_d_t xd, yd;
        mat_init_d(xd, len, 1, 53), mat_init_d(yd, len, 1, 53);
        mpfr_t a, got, exact, absum, err, bnd, *prods;
        mpfr_init2(a, prec), mpfr_init2(got, prec);
        mpfr_inits2(wp, exact, absum, err, bnd, (mpfr_ptr)0);
        for (long j = 0; j < len; j++) {
            rand_entry(x->e + j, rng, gr, spread, 0);
            rand_entry(y->e + j, rng, gr, spread, 0);
            xd->e[j] = mpfr_get_d(x->e + j, MPFR_RNDN), yd->e[j] = mpfr_get_d(y->e + j, MPFR_RNDN);
            mpfr_set_d(x->e + j, xd->e[j], MPFR_RNDN); /* exact when prec >= 53 */
            if (!mp)
                mpfr_set_d(y->e + j, yd->e[j], MPFR_RNDN);
        }
        rand_entry(a, rng, gr, 3, 0);
        double ad = mpfr_get_d(a, MPFR_RNDN);
        if (!mp)
            mpfr_set_d(a, ad, MPFR_RNDN);

        /* the dot product */
        prods = malloc((size_t)(len + 1) * sizeof *prods);
        mpfr_ptr *pp = malloc((size_t)(len + 1) * sizeof *pp);
        mpfr_set_zero(absum, 1);
        for (long j = 0; j < len; j++) {
            mpfr_init2(prods[j], 2 * prec);
            cr_assert(mpfr_mul(prods[j], x->e + j, y->e + j, MPFR_RNDN) == 0);
            pp[j] = prods[j];
            mpfr_abs(err, prods[j], MPFR_RNDN);
            mpfr_add(absum, absum, err, MPFR_RNDU);
        }
        if (len)
            mpfr_sum(exact, pp, (unsigned long)len, MPFR_RNDN);
        else
            mpfr_set_zero(exact, 1);
        if (mp)
            vec_dot_mp(got, x->e, y->e, len, prec);
        else {
            double r;
            vec_dot_d(&r, xd->e, yd->e, len, 53);
            mpfr_set_d(got, r, MPFR_RNDN);
        }
        mpfr_sub(err, got, exact, MPFR_RNDA);
        mpfr_abs(err, err, MPFR_RNDA);
        mpfr_mul_d(bnd, absum, bound_gamma((double)len, prec), MPFR_RNDU);
        cr_assert(mpfr_cmp(err, bnd) <= 0,
                  "%s vec_dot, len %ld prec %ld: error %.3e above gamma_len*sum|xy| = %.3e"
                  TSEED_FMT, mp ? "mpfr" : "double", len, prec, mpfr_get_d(err, MPFR_RNDU),
                  mpfr_get_d(bnd, MPFR_RNDU), TSEED);
        if (!mpfr_zero_p(bnd))
            worst[mp][0] = fmax(worst[mp][0], mpfr_get_d(err, MPFR_RNDU) / mpfr_get_d(bnd, MPFR_RNDD));

        /* the axpy */
        mat_set_mp(y2, y);
        if (mp)
            vec_axpy_mp(y2->e, a, x->e, len, prec);
        else
            vec_axpy_d(yd->e, &ad, xd->e, len, 53);
        for (long j = 0; j < len; j++) {
            cr_assert(mpfr_fma(exact, a, x->e + j, y->e + j, MPFR_RNDN) == 0, "reference inexact");
            if (mp) {
                mpfr_set(got, exact, MPFR_RNDN);
                cr_assert(same_bits(y2->e + j, got),
                          "vec_axpy_mp entry %ld (prec %ld): %s, RN(y + ax) = %s" TSEED_FMT, j,
                          prec, mp_str(y2->e + j), mp_str(got), TSEED);
                continue;
            }
            mpfr_set_d(err, yd->e[j], MPFR_RNDN);
            mpfr_sub(err, err, exact, MPFR_RNDA);
            mpfr_abs(err, err, MPFR_RNDA);
            mpfr_set(absum, y->e + j, MPFR_RNDN);
            mpfr_abs(absum, absum, MPFR_RNDN);
            mpfr_mul(exact, a, x->e + j, MPFR_RNDN);
            mpfr_abs(exact, exact, MPFR_RNDN);
            mpfr_add(bnd, absum, exact, MPFR_RNDU);
            mpfr_mul_d(bnd, bnd, bound_gamma(2, 53), MPFR_RNDU);
            cr_assert(mpfr_cmp(err, bnd) <= 0,
                      "vec_axpy_d entry %ld: error %.3e above gamma_2(|y| + |ax|) = %.3e"
                      TSEED_FMT, j, mpfr_get_d(err, MPFR_RNDU), mpfr_get_d(bnd, MPFR_RNDU), TSEED);
            if (!mpfr_zero_p(bnd))
                worst[0][1] = fmax(worst[0][1], mpfr_get_d(err, MPFR_RNDU) / mpfr_get_d(bnd, MPFR_RNDD));
        }
        for (long j = 0; j < len; j++)
            mpfr_clear(prods[j]);
        free(prods), free(pp);
        mpfr_clears(a, got, exact, absum, err, bnd, (mpfr_ptr)0);
        mat_clear_mp(x), mat_clear_mp(y), mat_clear_mp(y2), mat_clear_d(xd), mat_clear_d(yd);
    }
    gmp_randclear(gr);
    deq_rng_clear(rng);
    printf("vec kernels, largest error / bound: double dot %.3g, axpy %.3g; mpfr dot %.3g "
           "(axpy bit-exact)\n", worst[0][0], worst[0][1], worst[1][0]);
}

Test(num, vec_dots_and_sub_match_their_scalar_definitions_bit_for_bit)
{
    /* vec_dot's rounding is specified (four partial sums s_k over j ≡ k mod 4,
     * the tail into s_0, then (s_0 + s_1) + (s_2 + s_3)); vec_dots (several at
     * once, vectorized) and vec_dot must give exactly that, for any length
     * and count, with x·y = y·x; vec_sub one rounded difference per entry.
     * Entries of mixed signs and magnitudes, so that any other order of the
     * sums would show in the last bits. */
    deq_rng_t rng;
    deq_rng_init(rng, test_seed() + 715);
    long lmax = 45;
    int cmax = 19;
    double *x = malloc((size_t)lmax * sizeof *x), *ys = malloc((size_t)(cmax * lmax) * sizeof *ys);
    for (long j = 0; j < lmax; j++)
        x[j] = deq_rng_gaussian(rng) * ldexp(1.0, (int)(j % 7) * 5 - 15);
    for (long j = 0; j < cmax * lmax; j++)
        ys[j] = deq_rng_gaussian(rng) * ldexp(1.0, (int)(j % 5) * 7 - 12);
    deq_rng_clear(rng);
    int differ = 0;
    for (long len = 0; len <= lmax; len++)
        for (int count = 1; count <= cmax; count++) {
            const double *yp[19];
            double out[19], *outp[19];
            for (int c = 0; c < count; c++)
                yp[c] = ys + (size_t)c * (size_t)lmax, outp[c] = out + c;
            vec_dots_d(outp, x, yp, count, len, 53);
            for (int c = 0; c < count; c++) {
                double s[4] = {0, 0, 0, 0}, one, swapped;
                long j = 0;
                for (; j + 4 <= len; j += 4)
                    for (int k = 0; k < 4; k++)
                        s[k] = s[k] + x[j + k] * yp[c][j + k];
                for (; j < len; j++)
                    s[0] = s[0] + x[j] * yp[c][j];
                double ref = (s[0] + s[1]) + (s[2] + s[3]);
                vec_dot_d(&one, x, yp[c], len, 53);
                vec_dot_d(&swapped, yp[c], x, len, 53);
                differ |= memcmp(&ref, out + c, sizeof ref) != 0 || memcmp(&ref, &one, sizeof ref) != 0 ||
                          memcmp(&ref, &swapped, sizeof ref) != 0;
            }
        }
    cr_assert(!differ, "vec_dots/vec_dot differ from the four-sum definition");
    double z[45];
    for (long len = 0; len <= lmax; len++) {
        vec_sub_d(z, x, ys, len, 53);
        for (long j = 0; j < len; j++)
            cr_assert(z[j] == x[j] - ys[j]);
    }
    free(x), free(ys);
}

Test(num, vec_axpys_matches_its_sequence_of_axpys_bit_for_bit)
{
    /* vec_axpys is specified as the copy y = x followed by y[j] = y[j] +
     * a_c·xs_c[j] for c = 0, 1, … in order (a product, then a sum): Anderson's
     * update relies on it to give the bits of its former sequence of axpys.
     * Every length up to 45 (the vector blocks and the tails), term counts 0 to
     * 20 (more than one group of terms), in place (y = x) and not; entries and
     * coefficients of mixed signs and magnitudes, so that any other order, an
     * fma or a different grouping would show in the last bits. MPFR: against
     * the copy and vec_axpy_mp calls (one fma per term). */
    deq_rng_t rng;
    deq_rng_init(rng, test_seed() + 716);
    enum { LMAX = 45, CMAX = 20 };
    double *x = malloc(LMAX * sizeof *x), *xs = malloc(CMAX * LMAX * sizeof *xs), a[CMAX];
    for (long j = 0; j < LMAX; j++)
        x[j] = deq_rng_gaussian(rng) * ldexp(1.0, (int)(j % 7) * 6 - 18);
    for (long j = 0; j < CMAX * LMAX; j++)
        xs[j] = j % 11 == 3 ? 0.0 : deq_rng_gaussian(rng) * ldexp(1.0, (int)(j % 5) * 7 - 12);
    for (int c = 0; c < CMAX; c++)
        a[c] = deq_rng_gaussian(rng) * ldexp(1.0, (c % 3) * 9 - 9);
    const double *xp[CMAX];
    for (int c = 0; c < CMAX; c++)
        xp[c] = xs + (size_t)c * LMAX;
    int differ = 0, differ_axpy = 0, differ_inplace = 0;
    for (long len = 0; len <= LMAX; len++)
        for (int count = 0; count <= CMAX; count++) {
            double ref[LMAX], seq[LMAX], got[LMAX], inplace[LMAX];
            for (long j = 0; j < len; j++)
                ref[j] = x[j];
            for (int c = 0; c < count; c++)
                for (long j = 0; j < len; j++)
                    ref[j] = ref[j] + a[c] * xp[c][j];
            memcpy(seq, x, (size_t)len * sizeof *x);
            for (int c = 0; c < count; c++)
                vec_axpy_d(seq, a + c, xp[c], len, 53);
            vec_axpys_d(got, x, a, xp, count, len, 53);
            memcpy(inplace, x, (size_t)len * sizeof *x);
            vec_axpys_d(inplace, inplace, a, xp, count, len, 53);
            size_t bytes = (size_t)len * sizeof *x;
            differ |= memcmp(ref, got, bytes) != 0;
            differ_axpy |= memcmp(ref, seq, bytes) != 0;
            differ_inplace |= memcmp(ref, inplace, bytes) != 0;
        }
    cr_assert(!differ_axpy, "vec_axpy_d differs from its scalar definition");
    cr_assert(!differ, "vec_axpys_d differs from the sequence of scalar axpys");
    cr_assert(!differ_inplace, "vec_axpys_d in place (y = x) differs from the sequence of axpys");

    long prec = 113;
    mat_mp_t xm, xsm, am, seqm, gotm;
    mat_init_mp(xm, LMAX, 1, prec), mat_init_mp(xsm, LMAX, CMAX, prec), mat_init_mp(am, CMAX, 1, prec);
    mat_init_mp(seqm, LMAX, 1, prec), mat_init_mp(gotm, LMAX, 1, prec);
    for (long j = 0; j < LMAX; j++)
        mpfr_set_d(xm->e + j, x[j], MPFR_RNDN), mpfr_div_ui(xm->e + j, xm->e + j, 3, MPFR_RNDN);
    for (long j = 0; j < CMAX * LMAX; j++)
        mpfr_set_d(xsm->e + j, xs[j], MPFR_RNDN), mpfr_div_ui(xsm->e + j, xsm->e + j, 7, MPFR_RNDN);
    for (int c = 0; c < CMAX; c++)
        mpfr_set_d(am->e + c, a[c], MPFR_RNDN), mpfr_div_ui(am->e + c, am->e + c, 5, MPFR_RNDN);
    mpfr_srcptr xpm[CMAX];
    for (int c = 0; c < CMAX; c++)
        xpm[c] = xsm->e + (size_t)c * LMAX;
    int differ_mp = 0;
    for (long len = 0; len <= LMAX; len += 4)
        for (int count = 0; count <= CMAX; count += 3) {
            for (long j = 0; j < len; j++)
                mpfr_set(seqm->e + j, xm->e + j, MPFR_RNDN);
            for (int c = 0; c < count; c++)
                vec_axpy_mp(seqm->e, am->e + c, xpm[c], len, prec);
            vec_axpys_mp(gotm->e, xm->e, am->e, xpm, count, len, prec);
            for (long j = 0; j < len; j++)
                differ_mp |= !mpfr_equal_p(seqm->e + j, gotm->e + j)
                             || mpfr_signbit(seqm->e + j) != mpfr_signbit(gotm->e + j);
        }
    cr_assert(!differ_mp, "vec_axpys_mp differs from its sequence of vec_axpy_mp");
    mat_clear_mp(xm), mat_clear_mp(xsm), mat_clear_mp(am), mat_clear_mp(seqm), mat_clear_mp(gotm);
    deq_rng_clear(rng);
    free(x), free(xs);
}

/* The column norms behind the stopping rules, in double: within γ_{m+1} of the
 * exact norms (a sum of m squares in any order, then a square root), for any
 * row count (the interleaved sums have a tail); a NaN anywhere is the answer;
 * the maximum is over columns. The reference is exact at 300 bits. */
Test(num, column_norms_double_against_exact)
{
    deq_rng_t rng;
    rng_for(rng, 9);
    double worst = 0;
    for (long it = 0; it < test_iters(200); it++) {
        long m = rnd_int(rng, 0, 37), n = rnd_int(rng, 1, 5);
        mat_d_t M, N;
        mat_init_d(M, m, n, 53), mat_init_d(N, m, n, 53);
        for (long q = 0; q < m * n; q++) {
            M->e[q] = ldexp(deq_rng_gaussian(rng), (int)rnd_int(rng, -20, 20));
            N->e[q] = it % 2 ? ldexp(deq_rng_gaussian(rng), (int)rnd_int(rng, -20, 20)) : M->e[q];
        }
        mpfr_t acc, d, ex;
        mpfr_inits2(300, acc, d, ex, (mpfr_ptr)0);
        double want_dist = 0, want_norm = 0;
        for (long j = 0; j < n; j++) {
            for (int which = 0; which < 2; which++) {
                mpfr_set_zero(acc, 1);
                for (long i = 0; i < m; i++) {
                    mpfr_set_d(d, M->e[i + j * m], MPFR_RNDN);
                    if (which == 0)
                        mpfr_sub_d(d, d, N->e[i + j * m], MPFR_RNDN); /* exact at 300 bits */
                    mpfr_sqr(d, d, MPFR_RNDN);
                    mpfr_add(acc, acc, d, MPFR_RNDN);
                }
                mpfr_sqrt(ex, acc, MPFR_RNDN);
                double e = mpfr_get_d(ex, MPFR_RNDN);
                if (which == 0)
                    want_dist = fmax(want_dist, e);
                else {
                    want_norm = fmax(want_norm, e);
                    double got = mat_col_norm2_d(M, j, 53);
                    cr_assert(fabs(got - e) <= bound_gamma((double)m + 1, 53) * e,
                              "column %ld norm %.17g, exact %.17g (m=%ld)", j, got, e, m);
                }
            }
        }
        double gd = mat_max_col_dist_d(M, N, 53), gn = mat_max_col_norm_d(M, 53);
        double tol = bound_gamma((double)m + 1, 53);
        cr_assert(fabs(gd - want_dist) <= tol * want_dist && fabs(gn - want_norm) <= tol * want_norm,
                  "max column distance %.17g (exact %.17g), max norm %.17g (exact %.17g), m=%ld"
                  TSEED_FMT, gd, want_dist, gn, want_norm, m, TSEED);
        if (want_norm > 0)
            worst = fmax(worst, fabs(gn - want_norm) / (tol * want_norm));
        if (m > 0) { /* a NaN anywhere is the answer */
            M->e[rnd_int(rng, 0, m * n - 1)] = NAN;
            cr_assert(isnan(mat_max_col_dist_d(M, N, 53)) && isnan(mat_max_col_norm_d(M, 53)));
        }
        mpfr_clears(acc, d, ex, (mpfr_ptr)0);
        mat_clear_d(M), mat_clear_d(N);
    }
    deq_rng_clear(rng);
    printf("column norms in double: largest error / gamma_{m+1} bound %.3g\n", worst);
}

/* The double solver's per-sample loops run on OpenMP threads too (Anderson's
 * small least-squares problems, the residual norms): the equilibria and the
 * solve's record must not depend on the thread count. Sizes put both loops
 * above their threshold for threads (PAR_MIN_OPS = 2^20 double operations:
 * the residual norms count 3·m·n). */
Test(num, double_solve_independent_of_thread_count)
{
    long m = 256, d = 8, n = 1500;
    deq_act acts[] = {DEQ_ACT_RELU, DEQ_ACT_TANH};
    for (int a = 0; a < 2; a++) {
        deq_rng_t rng;
        rng_for(rng, 6);
        mat_d_t A, U, X, Z[2]; /* the problem owns A, U, X */
        mat_init_d(A, m, m, 53), mat_init_d(U, m, d, 53), mat_init_d(X, d, n, 53);
        test_fill_gaussian(A, rng), test_fill_gaussian(U, rng), test_fill_gaussian(X, rng);
        deq_rng_clear(rng);
        deq_problem_d_t P;
        deq_problem_init_d(P, A, U, X, "0.5", "1", acts[a], 1, 53);
        deq_solve_opts o;
        deq_solve_opts_default(&o);
        deq_solve_info_t info[2];
        for (int th = 0; th < 2; th++) {
            omp_set_num_threads(th + 1);
            mat_init_d(Z[th], m, n, 53);
            deq_solve_info_init(info[th]);
            deq_forward_solve_d(Z[th], info[th], &P->fp, &o, 53);
        }
        cr_assert(info[0]->outcome == DEQ_CONVERGED && info[0]->iterations > 3,
                  "%s: outcome %s after %ld iterations", deq_act_name(acts[a]),
                  deq_outcome_name(info[0]->outcome), info[0]->iterations);
        cr_assert(info[0]->iterations == info[1]->iterations && info[0]->resid == info[1]->resid
                      && info[0]->err_bound == info[1]->err_bound,
                  "%s on 2 threads: %ld iterations, residual %.17g; on 1: %ld, %.17g",
                  deq_act_name(acts[a]), info[1]->iterations, info[1]->resid,
                  info[0]->iterations, info[0]->resid);
        for (long q = 0; q < m * n; q++)
            cr_assert(memcmp(Z[0]->e + q, Z[1]->e + q, sizeof(double)) == 0,
                      "%s: entry %ld on 2 threads %.17g, on 1 thread %.17g",
                      deq_act_name(acts[a]), q, Z[1]->e[q], Z[0]->e[q]);
        for (int th = 0; th < 2; th++)
            mat_clear_d(Z[th]), deq_solve_info_clear(info[th]);
        deq_problem_clear_d(P);
    }
    omp_set_num_threads(omp_get_num_procs());
}

/* mat_gemv_mp_lhs (A converted once) gives what mat_gemv_mp gives, bit for
 * bit, for any A (narrow, wide, NaN rows, zero rows) and x (up to wider than
 * its bound), both ops; one L serves many vectors, and several threads at
 * once. */
Test(num, gemv_lhs_bit_identical_to_gemv)
{
    deq_rng_t rng;
    rng_for(rng, 7);
    gmp_randstate_t gr;
    gmp_randinit_default(gr);
    gmp_randseed_ui(gr, test_seed() + 2);
    long compared = 0;
    for (long it = 0; it < test_iters(200); it++) {
        long prec = rnd_int(rng, 24, 600), pa = it % 3 ? rnd_int(rng, 24, 600) : prec;
        long px = it % 4 ? rnd_int(rng, 24, 600) : prec, py = rnd_int(rng, 24, 600);
        long m = rnd_int(rng, 0, 40), k = rnd_int(rng, 0, 40), nx = 6;
        mat_op oa = rnd_int(rng, 0, 1) ? MAT_TRANS : MAT_NOTRANS;
        long bound_x = px + (prec > 128 ? prec : 128);
        mat_mp_t A, X[6], Y0, Y1;
        mat_init_mp(A, oa == MAT_NOTRANS ? m : k, oa == MAT_NOTRANS ? k : m, pa);
        long spread_a = it % 5 == 0 ? 2 * (pa + prec) : 6;
        for (long q = 0; q < A->rows * A->cols; q++)
            rand_entry(A->e + q, rng, gr, spread_a, it % 7 == 3);
        for (int v = 0; v < nx; v++) {
            mat_init_mp(X[v], k, 1, px);
            long spread_x = v % 3 == 0 ? 4 : v % 3 == 1 ? rnd_int(rng, bound_x / 2, bound_x) : prec;
            for (long t = 0; t < k; t++)
                rand_entry(X[v]->e + t, rng, gr, spread_x, v == 5);
        }
        mpfr_t alpha, beta;
        mpfr_inits2(rnd_int(rng, 24, 600), alpha, beta, (mpfr_ptr)0);
        rand_entry(alpha, rng, gr, 3, 0);
        if (it % 2)
            mpfr_set_zero(beta, 1);
        else
            rand_entry(beta, rng, gr, 3, 0);
        mat_mp_lhs_t L;
        mat_mp_lhs_init(L, oa, A, prec);
        mat_init_mp(Y0, m, 1, py), mat_init_mp(Y1, m, 1, py);
        mat_mp_t Yt[6], Ys[6]; /* threaded results and their serial reference */
        for (int v = 0; v < nx; v++) {
            mat_init_mp(Yt[v], m, 1, py), mat_init_mp(Ys[v], m, 1, py);
            for (long i = 0; i < m; i++)
                rand_entry(Yt[v]->e + i, rng, gr, 4, 0);
            mat_set_mp(Ys[v], Yt[v]);
            mat_gemv_mp(Ys[v], alpha, oa, A, X[v], beta, prec);
        }
        /* the same L from two threads at once */
#pragma omp parallel for num_threads(2) schedule(static, 1)
        for (int v = 0; v < nx; v++)
            mat_gemv_mp_lhs(Yt[v], alpha, L, X[v], beta, prec);
        for (int v = 0; v < nx; v++)
            for (long i = 0; i < m; i++)
                cr_assert(same_bits(E(Yt[v], i, 0), E(Ys[v], i, 0)),
                          "gemv_lhs on two threads: entry %ld of vector %d differs (iter=%ld)"
                          TSEED_FMT, i, v, it, TSEED);
        for (int v = 0; v < nx; v++) {
            for (long i = 0; i < m; i++)
                rand_entry(Y0->e + i, rng, gr, 4, 0);
            mat_set_mp(Y1, Y0);
            mat_gemv_mp(Y0, alpha, oa, A, X[v], beta, prec);
            mat_gemv_mp_lhs(Y1, alpha, L, X[v], beta, prec);
            for (long i = 0; i < m; i++, compared++)
                if (!same_bits(E(Y0, i, 0), E(Y1, i, 0))) {
                    char *o = mp_str(E(Y1, i, 0)), *e = mp_str(E(Y0, i, 0));
                    cr_assert_fail("gemv_lhs entry %ld of vector %d: %s, gemv: %s (prec=%ld "
                                   "m=%ld k=%ld opA=%d iter=%ld)" TSEED_FMT,
                                   i, v, o, e, prec, m, k, (int)oa, it, TSEED);
                }
        }
        mat_mp_lhs_clear(L);
        for (int v = 0; v < nx; v++)
            mat_clear_mp(X[v]), mat_clear_mp(Yt[v]), mat_clear_mp(Ys[v]);
        mat_clear_mp(A), mat_clear_mp(Y0), mat_clear_mp(Y1);
        mpfr_clears(alpha, beta, (mpfr_ptr)0);
    }
    gmp_randclear(gr);
    deq_rng_clear(rng);
    cr_assert(compared > 50 * test_iters(200), "only %ld entries compared", compared);
}

/* --------------------------------------------------------------- Cholesky */

/* A = M^T M + I (exactly symmetric as stored), in the backend's arithmetic. */
static void spd_mp(mat_mp_t A, long n, long prec, deq_rng_t rng)
{
    mat_d_t M;
    mat_init_d(M, n, n, 53);
    test_fill_gaussian(M, rng);
    mat_init_mp(A, n, n, prec);
    for (long j = 0; j < n; j++)
        for (long i = j; i < n; i++) {
            mpfr_ptr a = E(A, i, j);
            mpfr_set_ui(a, i == j, MPFR_RNDN);
            for (long t = 0; t < n; t++) {
                /* fl(x*y) + a in two steps, as the double version below */
                mpfr_t p;
                mpfr_init2(p, prec);
                mpfr_set_d(p, Ed(M, t, i), MPFR_RNDN);
                mpfr_mul_d(p, p, Ed(M, t, j), MPFR_RNDN);
                mpfr_add(a, a, p, MPFR_RNDN);
                mpfr_clear(p);
            }
            mpfr_set(E(A, j, i), a, MPFR_RNDN);
        }
    mat_clear_d(M);
}

/* |L L^T - A| <= gamma_{n+1} |L||L^T| entrywise (lower triangle), L's strict
 * upper triangle zero. Reference sums at 4p bits; their own error is at most
 * n 2^-4p |L||L^T| and is added to the bound. */
static void check_chol_residual(const mat_mp_t L, const mat_mp_t A, long prec, const char *what)
{
    long n = A->rows, wp = 4 * prec;
    double gam = bound_gamma((double)n + 1.0, prec);
    mpfr_t s, sa, t, bnd;
    mpfr_inits2(wp, s, sa, t, bnd, (mpfr_ptr)0);
    for (long j = 0; j < n; j++) {
        for (long i = 0; i < j; i++)
            cr_assert(mpfr_zero_p(E(L, i, j)), "%s: L(%ld,%ld) above the diagonal is not zero",
                      what, i, j);
        for (long i = j; i < n; i++) {
            mpfr_set_zero(s, 1), mpfr_set_zero(sa, 1);
            for (long k = 0; k <= j; k++) {
                mpfr_mul(t, E(L, i, k), E(L, j, k), MPFR_RNDN);
                mpfr_add(s, s, t, MPFR_RNDN);
                mpfr_abs(t, t, MPFR_RNDN);
                mpfr_add(sa, sa, t, MPFR_RNDN);
            }
            mpfr_sub(s, s, E(A, i, j), MPFR_RNDN);
            mpfr_abs(s, s, MPFR_RNDN);
            mpfr_mul_d(bnd, sa, gam + (double)n * ldexp(1.0, -(int)(3 * prec)), MPFR_RNDU);
            cr_assert(mpfr_cmp(s, bnd) <= 0,
                      "%s: n=%ld |LL^T - A|(%ld,%ld) = %.3e > gamma_{n+1}|L||L^T| = %.3e" TSEED_FMT,
                      what, n, i, j, mpfr_get_d(s, MPFR_RNDN), mpfr_get_d(bnd, MPFR_RNDN), TSEED);
        }
    }
    mpfr_clears(s, sa, t, bnd, (mpfr_ptr)0);
}

/* |B - A X| <= gamma_{3n+1} |L||L^T||X| entrywise (Higham Thm 10.4). */
static void check_chol_solve(const mat_mp_t X, const mat_mp_t L, const mat_mp_t A,
                             const mat_mp_t B, long prec, const char *what)
{
    long n = A->rows, wp = 4 * prec;
    double gam = bound_gamma(3.0 * (double)n + 1.0, prec);
    mat_mp_t LL; /* |L||L^T| */
    mat_init_mp(LL, n, n, wp);
    mpfr_t r, b, t;
    mpfr_inits2(wp, r, b, t, (mpfr_ptr)0);
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++)
            for (long k = 0; k <= (i < j ? i : j); k++) {
                mpfr_mul(t, E(L, i, k), E(L, j, k), MPFR_RNDN);
                mpfr_abs(t, t, MPFR_RNDN);
                mpfr_add(E(LL, i, j), E(LL, i, j), t, MPFR_RNDN);
            }
    for (long c = 0; c < B->cols; c++)
        for (long i = 0; i < n; i++) {
            mpfr_set(r, E(B, i, c), MPFR_RNDN);
            mpfr_set_zero(b, 1);
            for (long j = 0; j < n; j++) {
                mpfr_mul(t, E(A, i, j), E(X, j, c), MPFR_RNDN);
                mpfr_sub(r, r, t, MPFR_RNDN);
                mpfr_mul(t, E(LL, i, j), E(X, j, c), MPFR_RNDN);
                mpfr_abs(t, t, MPFR_RNDN);
                mpfr_add(b, b, t, MPFR_RNDN);
            }
            mpfr_abs(r, r, MPFR_RNDN);
            mpfr_mul_d(b, b, gam * (1.0 + 1e-12), MPFR_RNDU); /* slack: 4p-bit reference */
            cr_assert(mpfr_cmp(r, b) <= 0,
                      "%s: n=%ld residual (%ld,%ld) = %.3e > gamma_{3n+1}|L||L^T||x| = %.3e" TSEED_FMT,
                      what, n, i, c, mpfr_get_d(r, MPFR_RNDN), mpfr_get_d(b, MPFR_RNDN), TSEED);
        }
    mpfr_clears(r, b, t, (mpfr_ptr)0);
    mat_clear_mp(LL);
}

static void chol_case(deq_rng_t rng, long n, long prec, int use_mp)
{
    mat_mp_t A, B, L, X;
    spd_mp(A, n, use_mp ? prec : 53, rng);
    mat_init_mp(B, n, 3, use_mp ? prec : 53);
    fill_mp(B, rng, 0);
    if (use_mp) {
        mat_init_mp(L, n, n, prec);
        mat_init_mp(X, n, 3, prec);
        cr_assert_eq(num_chol_mp(L, A, prec), 0, "SPD matrix rejected (n=%ld)" TSEED_FMT, n, TSEED);
        num_chol_solve_mp(X, L, B, prec);
    } else {
        mat_d_t Ad, Ld, Bd;
        mat_init_d(Ad, n, n, 53), mat_init_d(Ld, n, n, 53), mat_init_d(Bd, n, 3, 53);
        mat_get_mat_d_mp(Ad, A), mat_get_mat_d_mp(Bd, B);
        cr_assert_eq(num_chol_d(Ld, Ad, 53), 0, "SPD matrix rejected (n=%ld)" TSEED_FMT, n, TSEED);
        num_chol_solve_d(Bd, Ld, Bd, 53); /* in place: X = B */
        mp_of_d(L, Ld), mp_of_d(X, Bd);
        mat_clear_d(Ad), mat_clear_d(Ld), mat_clear_d(Bd);
    }
    const char *what = use_mp ? "chol mp" : "chol d";
    check_chol_residual(L, A, use_mp ? prec : 53, what);
    check_chol_solve(X, L, A, B, use_mp ? prec : 53, what);
    mat_clear_mp(A), mat_clear_mp(B), mat_clear_mp(L), mat_clear_mp(X);
}

Test(num, chol_residual_double)
{
    deq_rng_t rng;
    rng_for(rng, 10);
    for (long it = 0; it < test_iters(80); it++)
        chol_case(rng, rnd_int(rng, 1, 30), 53, 0);
    /* the blocked path (block width 128: two block columns) */
    chol_case(rng, 150, 53, 0);
    deq_rng_clear(rng);
}

Test(num, chol_residual_mpfr)
{
    deq_rng_t rng;
    rng_for(rng, 11);
    long precs[] = {64, 128, 256};
    for (long it = 0; it < test_iters(45); it++)
        chol_case(rng, rnd_int(rng, 1, 20), precs[it % 3], 1);
    deq_rng_clear(rng);
}

Test(num, chol_detects_failing_pivot)
{
    /* diag(1, -1): pivot 2; [[1,1,1],[1,2,2],[1,2,2]]: exact zero third pivot;
     * diag(1, 2, -3, 4): pivot 3. All arithmetic below is exact. */
    double d1[] = {1, 0, 0, -1};
    double d2[] = {1, 1, 1, 1, 2, 2, 1, 2, 2};
    double d3[16] = {1, 0, 0, 0, 0, 2, 0, 0, 0, 0, -3, 0, 0, 0, 0, 4};
    struct { double *v; long n, pivot; } cases[] = {{d1, 2, 2}, {d2, 3, 3}, {d3, 4, 3}};
    for (int c = 0; c < 3; c++) {
        long n = cases[c].n;
        mat_d_t A, L;
        mat_init_d(A, n, n, 53), mat_init_d(L, n, n, 53);
        for (long k = 0; k < n * n; k++)
            A->e[k] = cases[c].v[k];
        long got = num_chol_d(L, A, 53);
        cr_assert_eq(got, cases[c].pivot, "double case %d: pivot %ld, expected %ld", c, got,
                     cases[c].pivot);
        mat_mp_t Am, Lm;
        mp_of_d(Am, A);
        mat_init_mp(Lm, n, n, 128);
        got = num_chol_mp(Lm, Am, 128);
        cr_assert_eq(got, cases[c].pivot, "mpfr case %d: pivot %ld, expected %ld", c, got,
                     cases[c].pivot);
        mat_clear_d(A), mat_clear_d(L), mat_clear_mp(Am), mat_clear_mp(Lm);
    }
}

/* --------------------------------------------------------------------- LU */

/* Checks |PA - LU| <= gamma_n |L||U| (Thm 9.3) and, for X from the solve,
 * |P(B - AX)| <= gamma_{3n} |L||U||X| (Thm 9.4). LU, perm as from num_lu. */
static void check_lu(const mat_mp_t LU, const long *perm, const mat_mp_t A, const mat_mp_t X,
                     const mat_mp_t B, long prec, const char *what)
{
    long n = A->rows, wp = 4 * prec;
    mat_mp_t PA, PB, LUa;
    mat_init_mp(PA, n, n, A->prec), mat_init_mp(PB, n, B->cols, B->prec);
    mat_init_mp(LUa, n, n, wp);
    mat_set_mp(PA, A), mat_set_mp(PB, B);
    for (long k = 0; k < n; k++)
        for (long j = 0; j < n || j < B->cols; j++) {
            if (j < n)
                mpfr_swap(E(PA, k, j), E(PA, perm[k], j));
            if (j < B->cols)
                mpfr_swap(E(PB, k, j), E(PB, perm[k], j));
        }
    double g1 = bound_gamma((double)n, prec), g3 = bound_gamma(3.0 * n, prec);
    mpfr_t s, t, bnd;
    mpfr_inits2(wp, s, t, bnd, (mpfr_ptr)0);
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++) {
            /* (LU)_ij = sum_{k <= min(i,j)} L_ik U_kj, L unit lower */
            long kmax = i < j ? i : j;
            mpfr_set_zero(s, 1);
            for (long k = 0; k <= kmax; k++) {
                if (k == i)
                    mpfr_set(t, E(LU, k, j), MPFR_RNDN);
                else
                    mpfr_mul(t, E(LU, i, k), E(LU, k, j), MPFR_RNDN);
                mpfr_add(s, s, t, MPFR_RNDN);
                mpfr_abs(t, t, MPFR_RNDN);
                mpfr_add(E(LUa, i, j), E(LUa, i, j), t, MPFR_RNDN);
            }
            mpfr_sub(s, s, E(PA, i, j), MPFR_RNDN);
            mpfr_abs(s, s, MPFR_RNDN);
            mpfr_mul_d(bnd, E(LUa, i, j), g1 * (1.0 + 1e-12), MPFR_RNDU);
            cr_assert(mpfr_cmp(s, bnd) <= 0,
                      "%s: n=%ld |PA - LU|(%ld,%ld) = %.3e > gamma_n|L||U| = %.3e" TSEED_FMT, what,
                      n, i, j, mpfr_get_d(s, MPFR_RNDN), mpfr_get_d(bnd, MPFR_RNDN), TSEED);
        }
    for (long c = 0; c < B->cols; c++)
        for (long i = 0; i < n; i++) {
            mpfr_set(s, E(PB, i, c), MPFR_RNDN);
            mpfr_set_zero(bnd, 1);
            for (long j = 0; j < n; j++) {
                mpfr_mul(t, E(PA, i, j), E(X, j, c), MPFR_RNDN);
                mpfr_sub(s, s, t, MPFR_RNDN);
                mpfr_mul(t, E(LUa, i, j), E(X, j, c), MPFR_RNDN);
                mpfr_abs(t, t, MPFR_RNDN);
                mpfr_add(bnd, bnd, t, MPFR_RNDN);
            }
            mpfr_abs(s, s, MPFR_RNDN);
            mpfr_mul_d(bnd, bnd, g3 * (1.0 + 1e-12), MPFR_RNDU);
            cr_assert(mpfr_cmp(s, bnd) <= 0,
                      "%s: n=%ld |P(B - AX)|(%ld,%ld) = %.3e > gamma_3n|L||U||X| = %.3e" TSEED_FMT,
                      what, n, i, c, mpfr_get_d(s, MPFR_RNDN), mpfr_get_d(bnd, MPFR_RNDN), TSEED);
        }
    mpfr_clears(s, t, bnd, (mpfr_ptr)0);
    mat_clear_mp(PA), mat_clear_mp(PB), mat_clear_mp(LUa);
}

Test(num, lu_residuals)
{
    deq_rng_t rng;
    rng_for(rng, 20);
    for (long it = 0; it < test_iters(120); it++) {
        int use_mp = it % 2;
        long n = rnd_int(rng, 1, use_mp ? 16 : 30), prec = use_mp ? 64 + 64 * (it % 3) : 53;
        mat_mp_t A, B, LU, X;
        mat_init_mp(A, n, n, prec), mat_init_mp(B, n, 2, prec);
        fill_mp(A, rng, use_mp), fill_mp(B, rng, use_mp);
        long *perm = malloc((size_t)n * sizeof *perm);
        if (use_mp) {
            mat_init_mp(LU, n, n, prec), mat_init_mp(X, n, 2, prec);
            cr_assert_eq(num_lu_mp(LU, perm, A, prec), 0, "random matrix singular?" TSEED_FMT,
                         TSEED);
            num_lu_solve_mp(X, LU, perm, B, prec);
        } else {
            mat_d_t Ad, Bd;
            mat_init_d(Ad, n, n, 53), mat_init_d(Bd, n, 2, 53);
            mat_get_mat_d_mp(Ad, A), mat_get_mat_d_mp(Bd, B);
            cr_assert_eq(num_lu_d(Ad, perm, Ad, 53), 0, "random matrix singular?" TSEED_FMT, TSEED);
            num_lu_solve_d(Bd, Ad, perm, Bd, 53); /* both in place */
            mp_of_d(LU, Ad), mp_of_d(X, Bd);
            mat_clear_d(Ad), mat_clear_d(Bd);
        }
        check_lu(LU, perm, A, X, B, prec, use_mp ? "lu mp" : "lu d");
        free(perm);
        mat_clear_mp(A), mat_clear_mp(B), mat_clear_mp(LU), mat_clear_mp(X);
    }
    deq_rng_clear(rng);
}

Test(num, lu_singular_pivot)
{
    /* [[1,2],[2,4]]: pivot row 2, multiplier 1/2, u22 = 2 - 2 = 0 exactly.
     * A zero first column: pivot 1. */
    double s1[] = {1, 2, 2, 4};
    double s2[] = {0, 0, 0, 1, 2, 3, 4, 5, 7};
    struct { double *v; long n, piv; } cases[] = {{s1, 2, 2}, {s2, 3, 1}};
    for (int c = 0; c < 2; c++) {
        long n = cases[c].n, perm[3];
        mat_d_t A, LU;
        mat_init_d(A, n, n, 53), mat_init_d(LU, n, n, 53);
        for (long k = 0; k < n * n; k++)
            A->e[k] = cases[c].v[k];
        long got = num_lu_d(LU, perm, A, 53);
        cr_assert_eq(got, cases[c].piv, "double case %d: %ld, expected %ld", c, got, cases[c].piv);
        mat_mp_t Am, LUm;
        mp_of_d(Am, A);
        mat_init_mp(LUm, n, n, 200);
        got = num_lu_mp(LUm, perm, Am, 200);
        cr_assert_eq(got, cases[c].piv, "mpfr case %d: %ld, expected %ld", c, got, cases[c].piv);
        mat_clear_d(A), mat_clear_d(LU), mat_clear_mp(Am), mat_clear_mp(LUm);
    }
}

/* Double solution vs MPFR-256 solution of the same system. Since
 * (PA + dA) x_d = Pb with |dA| <= gamma_3n |L||U| (Thm 9.4), exactly
 * x_d - x = -A^{-1} P^T dA x_d, so |x_d - x| <= gamma_3n |A^{-1}| P^T |L||U| |x_d|:
 * the componentwise condition of this very solve. A^{-1} comes from the
 * 256-bit LU (its relative error ~kappa 2^-250, covered by a 1% slack). */
Test(num, lu_double_vs_mpfr)
{
    deq_rng_t rng;
    rng_for(rng, 21);
    const long P = 256;
    for (long it = 0; it < test_iters(40); it++) {
        long n = rnd_int(rng, 1, 20);
        mat_d_t A, LU, b;
        mat_init_d(A, n, n, 53), mat_init_d(LU, n, n, 53), mat_init_d(b, n, 1, 53);
        test_fill_gaussian(A, rng), test_fill_gaussian(b, rng);
        if (it % 4 == 0) /* worse conditioning: scale columns over 8 decades */
            for (long j = 0; j < n; j++)
                for (long i = 0; i < n; i++)
                    A->e[i + j * n] *= pow(10.0, -8.0 * j / (n > 1 ? n - 1 : 1));
        long *perm = malloc((size_t)n * sizeof *perm), *pm = malloc((size_t)n * sizeof *pm);
        cr_assert_eq(num_lu_d(LU, perm, A, 53), 0);
        mat_d_t x;
        mat_init_d(x, n, 1, 53);
        num_lu_solve_d(x, LU, perm, b, 53);

        mat_mp_t Am, LUm, bm, xm, I, Ainv;
        mp_of_d(Am, A), mp_of_d(bm, b);
        mat_init_mp(LUm, n, n, P), mat_init_mp(xm, n, 1, P), mat_init_mp(I, n, n, P);
        mat_init_mp(Ainv, n, n, P);
        for (long i = 0; i < n; i++)
            mpfr_set_ui(E(I, i, i), 1, MPFR_RNDN);
        cr_assert_eq(num_lu_mp(LUm, pm, Am, P), 0);
        num_lu_solve_mp(xm, LUm, pm, bm, P);
        num_lu_solve_mp(Ainv, LUm, pm, I, P);

        /* y = P^T |L||U||x_d|, then bound = gamma_3n |A^{-1}| y */
        double g3 = bound_gamma(3.0 * n, 53);
        double *y = calloc((size_t)n, sizeof *y);
        for (long i = 0; i < n; i++)
            for (long j = 0; j < n; j++) {
                double lu = 0;
                for (long k = 0; k <= (i < j ? i : j); k++)
                    lu += fabs(k == i ? Ed(LU, k, j) : Ed(LU, i, k) * Ed(LU, k, j));
                y[i] += lu * fabs(x->e[j]);
            }
        for (long k = n - 1; k >= 0; k--) {
            double t = y[k];
            y[k] = y[perm[k]];
            y[perm[k]] = t;
        }
        for (long i = 0; i < n; i++) {
            double bnd = 0;
            for (long j = 0; j < n; j++)
                bnd += fabs(mpfr_get_d(E(Ainv, i, j), MPFR_RNDN)) * y[j];
            bnd *= g3 * 1.01;
            double ref = mpfr_get_d(E(xm, i, 0), MPFR_RNDN);
            double err = fabs(x->e[i] - ref);
            cr_assert(err <= bnd + 4e-16 * fabs(ref),
                      "lu d vs mp: n=%ld x[%ld] = %.17g, mpfr %.17g, |diff| %.3e > bound %.3e" TSEED_FMT,
                      n, i, x->e[i], ref, err, bnd, TSEED);
        }
        free(y), free(perm), free(pm);
        mat_clear_d(A), mat_clear_d(LU), mat_clear_d(b), mat_clear_d(x);
        mat_clear_mp(Am), mat_clear_mp(LUm), mat_clear_mp(bm), mat_clear_mp(xm);
        mat_clear_mp(I), mat_clear_mp(Ainv);
    }
    deq_rng_clear(rng);
}

/* ----------------------------------------------------------------- Jacobi */

/* Random symmetric n x n (Gaussian lower triangle, mirrored), with a random
 * scale and sometimes clustered eigenvalues (a multiple of the identity added). */
static void random_symmetric(mat_d_t S, deq_rng_t rng, long it)
{
    long n = S->rows;
    double scale = pow(10.0, rnd_int(rng, -3, 3));
    for (long j = 0; j < n; j++)
        for (long i = j; i < n; i++)
            S->e[i + j * n] = scale * deq_rng_gaussian(rng) * (it % 3 == 0 ? 1e-6 : 1.0);
    if (it % 3 == 0)
        for (long i = 0; i < n; i++)
            S->e[i + i * n] += scale;
    symmetrize_d(S);
}

static double fro_d(const mat_d_t S)
{
    double s = 0;
    for (long k = 0; k < S->rows * S->cols; k++)
        s += S->e[k] * S->e[k];
    return sqrt(s);
}

/* Both solvers are backward stable: every computed eigenvalue is an exact one
 * of A + E with ||E||_2 <= c n u ||A||_F (for Jacobi, c grows with the sweep
 * count; observed c < 1 here). The tolerance 8 n u ||A||_F per solver is
 * Weyl's theorem with that c = 8 and leaves a wide margin. */
#define EIG_C 8.0

Test(num, jacobi_double_vs_gsl)
{
    deq_rng_t rng;
    rng_for(rng, 30);
    double worst = 0;
    for (long it = 0; it < test_iters(150); it++) {
        long n = rnd_int(rng, 1, 40);
        mat_d_t S, ej, eg;
        mat_init_d(S, n, n, 53), mat_init_d(ej, n, 1, 53), mat_init_d(eg, n, 1, 53);
        random_symmetric(S, rng, it);
        num_symeig_info_t info;
        num_symeig_jacobi_d(ej, NULL, info, S, 53);
        cr_assert(info->converged, "Jacobi d not converged n=%ld sweeps=%ld off=%g" TSEED_FMT, n,
                  info->sweeps, info->offdiag, TSEED);
        cr_assert_eq(num_symeig_gsl(eg, NULL, S), 0);
        double tol = 2 * EIG_C * n * 0x1p-53 * fro_d(S);
        for (long i = 0; i < n; i++) {
            double d = fabs(ej->e[i] - eg->e[i]);
            worst = fmax(worst, d / tol);
            cr_assert(d <= tol,
                      "n=%ld lambda_%ld: Jacobi %.17g GSL %.17g |diff| %.3e > tol %.3e" TSEED_FMT, n,
                      i, ej->e[i], eg->e[i], d, tol, TSEED);
            if (i > 0)
                cr_assert(ej->e[i - 1] <= ej->e[i], "Jacobi eigenvalues not ascending");
        }
        mat_clear_d(S), mat_clear_d(ej), mat_clear_d(eg);
    }
    cr_log_info("jacobi_double_vs_gsl: worst |diff|/tol = %.3g", worst);
    deq_rng_clear(rng);
}

/* MPFR Jacobi at 256 bits agrees with GSL to double accuracy, and with MPFR
 * Jacobi at 512 bits to 256-bit accuracy (the precision ladder). */
Test(num, jacobi_mpfr_ladder)
{
    deq_rng_t rng;
    rng_for(rng, 31);
    for (long it = 0; it < test_iters(30); it++) {
        long n = rnd_int(rng, 1, 18);
        mat_d_t S, eg;
        mat_init_d(S, n, n, 53), mat_init_d(eg, n, 1, 53);
        random_symmetric(S, rng, it);
        cr_assert_eq(num_symeig_gsl(eg, NULL, S), 0);
        mat_mp_t Sm, e256, e512;
        mp_of_d(Sm, S);
        mat_init_mp(e256, n, 1, 256), mat_init_mp(e512, n, 1, 512);
        num_symeig_info_t info;
        num_symeig_jacobi_mp(e256, NULL, info, Sm, 256);
        cr_assert(info->converged);
        num_symeig_jacobi_mp(e512, NULL, info, Sm, 512);
        cr_assert(info->converged);
        double f = fro_d(S);
        double tol_d = EIG_C * n * 0x1p-53 * f + EIG_C * n * 0x1p-256 * f;
        mpfr_t d, tol;
        mpfr_inits2(600, d, tol, (mpfr_ptr)0);
        for (long i = 0; i < n; i++) {
            double l = mpfr_get_d(E(e256, i, 0), MPFR_RNDN);
            cr_assert(fabs(l - eg->e[i]) <= tol_d,
                      "n=%ld lambda_%ld: mpfr256 %.17g GSL %.17g tol %.3e" TSEED_FMT, n, i, l,
                      eg->e[i], tol_d, TSEED);
            mpfr_sub(d, E(e256, i, 0), E(e512, i, 0), MPFR_RNDN);
            mpfr_abs(d, d, MPFR_RNDN);
            mpfr_set_d(tol, 2 * EIG_C * n * f, MPFR_RNDN);
            mpfr_mul_2si(tol, tol, -256, MPFR_RNDN);
            cr_assert(mpfr_cmp(d, tol) <= 0,
                      "n=%ld lambda_%ld: |mpfr256 - mpfr512| = %.3e > %.3e" TSEED_FMT, n, i,
                      mpfr_get_d(d, MPFR_RNDN), mpfr_get_d(tol, MPFR_RNDN), TSEED);
        }
        mpfr_clears(d, tol, (mpfr_ptr)0);
        mat_clear_d(S), mat_clear_d(eg), mat_clear_mp(Sm), mat_clear_mp(e256), mat_clear_mp(e512);
    }
    deq_rng_clear(rng);
}

/* ||A v_i - lambda_i v_i||_2 <= c n u ||A||_F and |V^T V - I| <= c n u,
 * evaluated at twice the working precision. */
static void check_eigvecs(const mat_mp_t S, const mat_mp_t ev, const mat_mp_t V, long prec)
{
    long n = S->rows, wp = 2 * prec + 64;
    mpfr_t r, s, f, tol, t;
    mpfr_inits2(wp, r, s, f, tol, t, (mpfr_ptr)0);
    mpfr_set_zero(f, 1);
    for (long k = 0; k < n * n; k++)
        mpfr_fma(f, S->e + k, S->e + k, f, MPFR_RNDN);
    mpfr_sqrt(f, f, MPFR_RNDN);
    for (long c = 0; c < n; c++) {
        mpfr_set_zero(r, 1);
        for (long i = 0; i < n; i++) {
            mpfr_mul(s, E(ev, c, 0), E(V, i, c), MPFR_RNDN);
            mpfr_neg(s, s, MPFR_RNDN);
            for (long j = 0; j < n; j++)
                mpfr_fma(s, E(S, i, j), E(V, j, c), s, MPFR_RNDN);
            mpfr_fma(r, s, s, r, MPFR_RNDN);
        }
        mpfr_sqrt(r, r, MPFR_RNDN);
        mpfr_mul_d(tol, f, EIG_C * n, MPFR_RNDN);
        mpfr_mul_2si(tol, tol, -prec, MPFR_RNDN);
        cr_assert(mpfr_cmp(r, tol) <= 0,
                  "prec=%ld n=%ld eigenpair %ld: residual %.3e > %.3e" TSEED_FMT, prec, n, c,
                  mpfr_get_d(r, MPFR_RNDN), mpfr_get_d(tol, MPFR_RNDN), TSEED);
        for (long c2 = 0; c2 <= c; c2++) {
            mpfr_set_si(s, c2 == c ? -1 : 0, MPFR_RNDN);
            for (long i = 0; i < n; i++)
                mpfr_fma(s, E(V, i, c), E(V, i, c2), s, MPFR_RNDN);
            mpfr_abs(s, s, MPFR_RNDN);
            mpfr_set_d(t, EIG_C * n, MPFR_RNDN);
            mpfr_mul_2si(t, t, -prec, MPFR_RNDN);
            cr_assert(mpfr_cmp(s, t) <= 0,
                      "prec=%ld n=%ld |V^T V - I|(%ld,%ld) = %.3e > %.3e" TSEED_FMT, prec, n, c, c2,
                      mpfr_get_d(s, MPFR_RNDN), mpfr_get_d(t, MPFR_RNDN), TSEED);
        }
    }
    mpfr_clears(r, s, f, tol, t, (mpfr_ptr)0);
}

Test(num, jacobi_eigenvectors)
{
    deq_rng_t rng;
    rng_for(rng, 32);
    for (long it = 0; it < test_iters(40); it++) {
        int use_mp = it % 2;
        long n = rnd_int(rng, 1, use_mp ? 14 : 30), prec = use_mp ? 192 : 53;
        mat_d_t S;
        mat_init_d(S, n, n, 53);
        random_symmetric(S, rng, it);
        mat_mp_t Sm, ev, V;
        mp_of_d(Sm, S);
        num_symeig_info_t info;
        if (use_mp) {
            mat_init_mp(ev, n, 1, prec), mat_init_mp(V, n, n, prec);
            num_symeig_jacobi_mp(ev, V, info, Sm, prec);
        } else {
            mat_d_t evd, Vd;
            mat_init_d(evd, n, 1, 53), mat_init_d(Vd, n, n, 53);
            num_symeig_jacobi_d(evd, Vd, info, S, 53);
            mp_of_d(ev, evd), mp_of_d(V, Vd);
            /* GSL's vectors pass the same test (the checker is not tuned to Jacobi) */
            mat_mp_t evg, Vg;
            cr_assert_eq(num_symeig_gsl(evd, Vd, S), 0);
            mp_of_d(evg, evd), mp_of_d(Vg, Vd);
            check_eigvecs(Sm, evg, Vg, 53);
            mat_clear_mp(evg), mat_clear_mp(Vg);
            mat_clear_d(evd), mat_clear_d(Vd);
        }
        cr_assert(info->converged);
        check_eigvecs(Sm, ev, V, prec);
        mat_clear_d(S), mat_clear_mp(Sm), mat_clear_mp(ev), mat_clear_mp(V);
    }
    deq_rng_clear(rng);
}

/* tridiag(-1, 2, -1) has eigenvalues 2 - 2 cos(k pi/(n+1)), k = 1..n. */
Test(num, jacobi_toeplitz_closed_form)
{
    const long P = 256;
    long sizes[] = {1, 2, 3, 5, 8, 13, 21, 30};
    mpfr_t lam, pi;
    mpfr_inits2(P + 64, lam, pi, (mpfr_ptr)0);
    mpfr_const_pi(pi, MPFR_RNDN);
    for (int s = 0; s < 8; s++) {
        long n = sizes[s];
        mat_mp_t T, ev, V;
        mat_init_mp(T, n, n, P), mat_init_mp(ev, n, 1, P), mat_init_mp(V, n, n, P);
        for (long i = 0; i < n; i++) {
            mpfr_set_si(E(T, i, i), 2, MPFR_RNDN);
            if (i + 1 < n) {
                mpfr_set_si(E(T, i + 1, i), -1, MPFR_RNDN);
                mpfr_set_si(E(T, i, i + 1), -1, MPFR_RNDN);
            }
        }
        num_symeig_info_t info;
        num_symeig_jacobi_mp(ev, V, info, T, P);
        cr_assert(info->converged);
        for (long k = 1; k <= n; k++) {
            mpfr_mul_si(lam, pi, k, MPFR_RNDN);
            mpfr_div_si(lam, lam, n + 1, MPFR_RNDN);
            mpfr_cos(lam, lam, MPFR_RNDN);
            mpfr_mul_si(lam, lam, -2, MPFR_RNDN);
            mpfr_add_si(lam, lam, 2, MPFR_RNDN);
            double dig = test_digits_mp(E(ev, k - 1, 0), lam);
            cr_assert(dig >= 70, "tridiag n=%ld k=%ld: %.3g digits (Jacobi %.17g, exact %.17g)",
                      n, k, dig, mpfr_get_d(E(ev, k - 1, 0), MPFR_RNDN), mpfr_get_d(lam, MPFR_RNDN));
        }
        check_eigvecs(T, ev, V, P);
        mat_clear_mp(T), mat_clear_mp(ev), mat_clear_mp(V);
    }
    mpfr_clears(lam, pi, (mpfr_ptr)0);
}

Test(num, jacobi_diagonal_sorts_vectors)
{
    /* diag(3, -1, 2): eigenvalues -1, 2, 3 with vectors e1, e2, e0 (exactly) */
    mat_d_t S, ev, V;
    mat_init_d(S, 3, 3, 53), mat_init_d(ev, 3, 1, 53), mat_init_d(V, 3, 3, 53);
    S->e[0] = 3, S->e[4] = -1, S->e[8] = 2;
    num_symeig_info_t info;
    num_symeig_jacobi_d(ev, V, info, S, 53);
    cr_assert(info->converged && info->sweeps == 0);
    double want[] = {-1, 2, 3};
    long col[] = {1, 2, 0};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(ev->e[i], want[i]);
        for (int r = 0; r < 3; r++)
            cr_assert_eq(Ed(V, r, i), r == col[i] ? 1.0 : 0.0);
    }
    mat_clear_d(S), mat_clear_d(ev), mat_clear_d(V);
}

/* ------------------------------------------------------ num_chol_certify */

/* lambda_min of the stored symmetric matrix by 256-bit Jacobi (its error,
 * ~ n 2^-256 ||H||_F, is allowed for in below_truth). */
static void lambda_min_true(mpfr_t out, const mat_mp_t H)
{
    mat_mp_t ev;
    eig_mp(ev, H, 256);
    mpfr_init2(out, 256);
    mpfr_set(out, E(ev, 0, 0), MPFR_RNDN);
    mat_clear_mp(ev);
}

static double fro_mp(const mat_mp_t H)
{
    mpfr_t s;
    mpfr_init2(s, 128);
    mpfr_set_zero(s, 1);
    for (long k = 0; k < H->rows * H->cols; k++)
        mpfr_fma(s, H->e + k, H->e + k, s, MPFR_RNDN);
    mpfr_sqrt(s, s, MPFR_RNDU);
    double r = mpfr_get_d(s, MPFR_RNDU);
    mpfr_clear(s);
    return r;
}

/* "lower <= lambda_min" with the reference's own uncertainty on the safe side. */
static int below_truth(double lower, mpfr_srcptr lmin, const mat_mp_t H)
{
    mpfr_t t;
    mpfr_init2(t, 256);
    mpfr_set_d(t, fro_mp(H) * (double)H->rows, MPFR_RNDU);
    mpfr_mul_2si(t, t, -240, MPFR_RNDU);
    mpfr_add(t, t, lmin, MPFR_RNDU);
    int ok = mpfr_cmp_d(t, lower) >= 0;
    mpfr_clear(t);
    return ok;
}

/* Certify H (given in MPFR; the double run uses it rounded, which is exact for
 * matrices built from doubles) with the given shift, in one backend. */
static void certify_backend(num_chol_cert_t c, const mat_mp_t H, double shift, int use_mp, long prec)
{
    if (use_mp) {
        num_chol_certify_mp(c, H, shift, prec);
    } else {
        mat_d_t Hd;
        mat_init_d(Hd, H->rows, H->cols, 53);
        mat_get_mat_d_mp(Hd, H);
        num_chol_certify_d(c, Hd, shift, 53);
        mat_clear_d(Hd);
    }
}

Test(num, certify_spd_and_negative_control)
{
    deq_rng_t rng;
    rng_for(rng, 40);
    for (long it = 0; it < test_iters(100); it++) {
        int use_mp = it % 2;
        long n = rnd_int(rng, 1, use_mp ? 16 : 30), prec = use_mp ? 128 : 53;
        /* H = M^T M / n + mu I, exactly symmetric, entries doubles */
        mat_d_t M, Hd;
        mat_init_d(M, n, n, 53), mat_init_d(Hd, n, n, 53);
        test_fill_gaussian(M, rng);
        double mu = pow(10.0, -rnd_int(rng, 0, 6));
        for (long j = 0; j < n; j++)
            for (long i = j; i < n; i++) {
                double s = 0;
                for (long t = 0; t < n; t++)
                    s += Ed(M, t, i) * Ed(M, t, j);
                Hd->e[i + j * n] = s / n + (i == j ? mu : 0.0);
            }
        symmetrize_d(Hd);
        mat_mp_t H;
        mp_of_d(H, Hd);
        mpfr_t lmin;
        lambda_min_true(lmin, H);
        double lm = mpfr_get_d(lmin, MPFR_RNDN), f = fro_mp(H);

        /* a shift a little below lambda_min must certify, and lower <= lambda_min */
        double shift = lm - 1e-3 * mu;
        num_chol_cert_t c;
        certify_backend(c, H, shift, use_mp, prec);
        cr_assert(c->certified,
                  "%s n=%ld: not certified at shift %.17g < lambda_min %.17g (pivot %ld)" TSEED_FMT,
                  use_mp ? "mp" : "d", n, shift, lm, c->failed_pivot, TSEED);
        cr_assert(below_truth(c->lower, lmin, H),
                  "%s n=%ld: lower %.17g above lambda_min %.17g" TSEED_FMT, use_mp ? "mp" : "d", n,
                  c->lower, lm, TSEED);
        cr_assert(c->lower <= shift && c->allowance >= 0 && c->shift == shift);
        /* and a shift from 0 to lambda_min/2 gives a valid bound too */
        certify_backend(c, H, 0.5 * lm * deq_rng_uniform(rng), use_mp, prec);
        cr_assert(c->certified && below_truth(c->lower, lmin, H));

        /* negative control: a shift above lambda_min by 1e-6 ||H||_F must fail */
        double bad = lm + 1e-6 * f;
        certify_backend(c, H, bad, use_mp, prec);
        cr_assert(!c->certified && c->failed_pivot >= 1 && c->failed_pivot <= n &&
                      c->lower == -INFINITY,
                  "%s n=%ld: shift %.17g > lambda_min %.17g was certified (lower %.17g)" TSEED_FMT,
                  use_mp ? "mp" : "d", n, bad, lm, c->lower, TSEED);
        mpfr_clear(lmin);
        mat_clear_mp(H), mat_clear_d(M), mat_clear_d(Hd);
    }
    deq_rng_clear(rng);
}

/* Shifts straddling lambda_min at the rounding level, lambda_min + j u ||H||_F
 * / 4 for j = -4..40: there the Cholesky factorization of an (slightly)
 * indefinite H - shift I often runs to completion, and only the allowance
 * delta keeps lower <= lambda_min. The test insists that this regime is hit
 * (some shift above lambda_min gets a certificate), so it can fail. */
Test(num, certify_allowance_at_rounding_level)
{
    deq_rng_t rng;
    rng_for(rng, 43);
    long above = 0, tried = 0;
    for (long it = 0; it < test_iters(60); it++) {
        int use_mp = it % 2;
        long n = rnd_int(rng, 1, use_mp ? 12 : 30), prec = use_mp ? 64 : 53;
        /* H = M^T M / n with M having a small singular value, so lambda_min is
         * small compared with ||H||: rounding then matters most */
        mat_d_t M, Hd;
        mat_init_d(M, n, n, 53), mat_init_d(Hd, n, n, 53);
        test_fill_gaussian(M, rng);
        for (long i = 0; i < n; i++)
            M->e[i] *= 1e-3; /* first column small */
        for (long j = 0; j < n; j++)
            for (long i = j; i < n; i++) {
                double acc = 0;
                for (long t = 0; t < n; t++)
                    acc += Ed(M, t, i) * Ed(M, t, j);
                Hd->e[i + j * n] = acc / n;
            }
        symmetrize_d(Hd);
        mat_mp_t H;
        mp_of_d(H, Hd);
        mpfr_t lmin;
        lambda_min_true(lmin, H);
        double lm = mpfr_get_d(lmin, MPFR_RNDN), eps = ldexp(fro_mp(H), -(int)prec);
        for (long j = -4; j <= 40; j++) {
            double shift = lm + 0.25 * (double)j * eps;
            num_chol_cert_t c;
            certify_backend(c, H, shift, use_mp, prec);
            tried++;
            if (c->certified && mpfr_cmp_d(lmin, shift) < 0)
                above++;
            cr_assert(!c->certified || below_truth(c->lower, lmin, H),
                      "%s n=%ld shift lambda_min + %ld u||H||_F: lower %.17g > lambda_min %.17g "
                      "(allowance %.3e)" TSEED_FMT,
                      use_mp ? "mp" : "d", n, j, c->lower, lm, c->allowance, TSEED);
        }
        mpfr_clear(lmin);
        mat_clear_d(M), mat_clear_d(Hd), mat_clear_mp(H);
    }
    cr_assert(above > 0, "no shift above lambda_min was ever certified (%ld tries): the test "
                         "does not exercise the allowance", tried);
    cr_log_info("certify_allowance_at_rounding_level: %ld of %ld shifts above lambda_min certified",
                above, tried);
    deq_rng_clear(rng);
}

/* A Gram matrix X^T X with two equal columns of X has two identical rows and
 * columns as stored (same arithmetic), hence is exactly singular: no shift
 * >= 0 may be certified with lower > 0. */
Test(num, certify_singular_gram)
{
    deq_rng_t rng;
    rng_for(rng, 41);
    for (long it = 0; it < test_iters(60); it++) {
        int use_mp = it % 2;
        long n = rnd_int(rng, 2, 20), r = rnd_int(rng, 1, 25), prec = use_mp ? 256 : 53;
        mat_d_t X;
        mat_init_d(X, r, n, 53);
        test_fill_gaussian(X, rng);
        long a = rnd_int(rng, 0, n - 1), b = (a + rnd_int(rng, 1, n - 1)) % n;
        for (long i = 0; i < r; i++)
            X->e[i + b * r] = X->e[i + a * r];
        mat_mp_t Xm, H;
        mp_of_d(Xm, X);
        mat_init_mp(H, n, n, use_mp ? prec : 53);
        for (long j = 0; j < n; j++)
            for (long i = 0; i < n; i++) {
                mpfr_set_zero(E(H, i, j), 1);
                for (long t = 0; t < r; t++)
                    mpfr_fma(E(H, i, j), E(Xm, t, i), E(Xm, t, j), E(H, i, j), MPFR_RNDN);
            }
        double shifts[] = {0.0, 1e-300, 1e-12};
        for (int s = 0; s < 3; s++) {
            num_chol_cert_t c;
            certify_backend(c, H, shifts[s], use_mp, prec);
            cr_assert(!c->certified || c->lower <= 0.0,
                      "%s n=%ld: singular Gram certified with lower %.3e > 0 (shift %g)" TSEED_FMT,
                      use_mp ? "mp" : "d", n, c->lower, shifts[s], TSEED);
        }
        mat_clear_d(X), mat_clear_mp(Xm), mat_clear_mp(H);
    }
    deq_rng_clear(rng);
}

/* MPFR at 256 bits: lambda_min ~ 1e-30 (diag(1e-30, 1, 2, ...) plus 1e-40
 * off-diagonal couplings; truth by Jacobi at 512 bits). Certified just below,
 * refused just above; double cannot resolve it but must stay valid. */
Test(num, certify_mpfr_tiny_lambda)
{
    const long P = 256;
    long n = 6;
    mat_mp_t H, ev;
    mat_init_mp(H, n, n, P);
    for (long i = 0; i < n; i++) {
        if (i == 0) {
            mpfr_set_ui(E(H, 0, 0), 10, MPFR_RNDN);
            mpfr_pow_si(E(H, 0, 0), E(H, 0, 0), -30, MPFR_RNDN);
        } else {
            mpfr_set_ui(E(H, i, i), (unsigned long)i, MPFR_RNDN);
        }
        for (long j = 0; j < i; j++) {
            mpfr_set_ui(E(H, i, j), 10, MPFR_RNDN);
            mpfr_pow_si(E(H, i, j), E(H, i, j), -40, MPFR_RNDN);
            mpfr_set(E(H, j, i), E(H, i, j), MPFR_RNDN);
        }
    }
    mat_init_mp(ev, n, 1, 512);
    num_symeig_info_t info;
    num_symeig_jacobi_mp(ev, NULL, info, H, 512);
    cr_assert(info->converged);
    double lm = mpfr_get_d(E(ev, 0, 0), MPFR_RNDN);
    cr_assert(lm > 0.99e-30 && lm < 1.01e-30, "constructed lambda_min %.6g", lm);

    num_chol_cert_t c;
    num_chol_certify_mp(c, H, lm * (1 - 1e-6), P);
    cr_assert(c->certified, "1e-30 matrix not certified at shift lambda_min (1 - 1e-6)");
    cr_assert(mpfr_cmp_d(E(ev, 0, 0), c->lower) >= 0, "lower %.17g above lambda_min %.17g",
              c->lower, lm);
    cr_assert(c->lower > lm * (1 - 2e-6), "lower %.17g: allowance %.3g too large", c->lower,
              c->allowance);
    num_chol_certify_mp(c, H, lm * (1 + 1e-6), P);
    cr_assert(!c->certified, "shift above lambda_min = 1e-30 was certified (lower %.17g)", c->lower);

    mat_d_t Hd;
    mat_init_d(Hd, n, n, 53);
    mat_get_mat_d_mp(Hd, H);
    mat_mp_t Hdm;
    mp_of_d(Hdm, Hd);
    mpfr_t lmin_d;
    lambda_min_true(lmin_d, Hdm);
    num_chol_certify_d(c, Hd, lm * (1 - 1e-6), 53);
    cr_assert(!c->certified || below_truth(c->lower, lmin_d, Hdm),
              "double: lower %.17g above lambda_min", c->lower);
    mpfr_clear(lmin_d);
    mat_clear_d(Hd), mat_clear_mp(Hdm), mat_clear_mp(H), mat_clear_mp(ev);
}

/* Scales from the subnormal range to 1e300: a certificate, when issued, is
 * never above the true lambda_min (the underflow allowance at work). */
Test(num, certify_extreme_scales)
{
    deq_rng_t rng;
    rng_for(rng, 42);
    double scales[] = {0x1p-1062, 0x1p-1040, 0x1p-1000, 1e-300, 1.0, 1e300};
    for (long it = 0; it < test_iters(60); it++) {
        long n = rnd_int(rng, 1, 8);
        double sc = scales[it % 6];
        mat_d_t M, Hd;
        mat_init_d(M, n, n, 53), mat_init_d(Hd, n, n, 53);
        test_fill_gaussian(M, rng);
        for (long j = 0; j < n; j++)
            for (long i = j; i < n; i++) {
                double s = 0;
                for (long t = 0; t < n; t++)
                    s += Ed(M, t, i) * Ed(M, t, j);
                Hd->e[i + j * n] = (s / n + (i == j ? 0.1 : 0.0)) * sc;
            }
        symmetrize_d(Hd);
        mat_mp_t H;
        mp_of_d(H, Hd);
        mpfr_t lmin;
        lambda_min_true(lmin, H);
        double lm = mpfr_get_d(lmin, MPFR_RNDN);
        /* 0, 0.99, 0.9999, 0.999999 of lambda_min; then (in the subnormal
         * range, where the underflow allowance dominates) lambda_min + j 2^-1074 */
        for (int k = 0; k < (sc < 1e-300 ? 4 + 24 : 4); k++) {
            double shift = k < 4 ? lm * (1.0 - pow(10.0, -2.0 * k)) : lm + (k - 8) * 0x1p-1074;
            for (int use_mp = 0; use_mp < 2; use_mp++) {
                num_chol_cert_t c;
                certify_backend(c, H, shift, use_mp, 64);
                cr_assert(!c->certified || below_truth(c->lower, lmin, H),
                          "%s scale %g n=%ld shift %.17g: lower %.17g > lambda_min %.17g" TSEED_FMT,
                          use_mp ? "mp" : "d", sc, n, shift, c->lower, lm, TSEED);
                if (k == 0 && sc >= 1e-300)
                    cr_assert(c->certified, "%s scale %g: shift 0 of an SPD matrix not certified",
                              use_mp ? "mp" : "d", sc);
            }
        }
        mpfr_clear(lmin);
        mat_clear_d(M), mat_clear_d(Hd), mat_clear_mp(H);
    }
    deq_rng_clear(rng);
}

Test(num, certify_special_inputs)
{
    num_chol_cert_t c;
    /* 1x1 */
    mat_d_t H;
    mat_init_d(H, 1, 1, 53);
    H->e[0] = 2.0;
    num_chol_certify_d(c, H, 2.0, 53);
    cr_assert(!c->certified && c->failed_pivot == 1, "[[2]] - 2 I certified");
    num_chol_certify_d(c, H, 1.5, 53);
    cr_assert(c->certified && c->lower <= 2.0 && c->lower > 1.5 - 1e-14, "[[2]] shift 1.5: %.17g",
              c->lower);
    /* non-finite entries and shift */
    H->e[0] = NAN;
    num_chol_certify_d(c, H, 0.0, 53);
    cr_assert(!c->certified && c->lower == -INFINITY);
    H->e[0] = 1.0;
    num_chol_certify_d(c, H, INFINITY, 53);
    cr_assert(!c->certified);
    num_chol_certify_d(c, H, -INFINITY, 53);
    cr_assert(!c->certified);
    mat_clear_d(H);

    /* asymmetric storage: the certificate is for the symmetric part.
     * H = [[1, 2], [0, 1]]: the matrix built from the lower triangle is I
     * (lambda_min 1) but the symmetric part [[1, 1], [1, 1]] has lambda_min 0:
     * a shift of 0.5 must not yield lower > 0. */
    mat_init_d(H, 2, 2, 53);
    H->e[0] = 1, H->e[1] = 0, H->e[2] = 2, H->e[3] = 1; /* column-major: (0,1) = 2 */
    num_chol_certify_d(c, H, 0.5, 53);
    cr_assert(!c->certified || c->lower <= 0.0,
              "asymmetric H: lower %.17g above lambda_min of the symmetric part (0)", c->lower);
    num_chol_certify_d(c, H, -1.5, 53);
    cr_assert(c->certified && c->lower <= -1.5, "asymmetric H, shift -1.5: not certified");
    mat_clear_d(H);

    mat_mp_t Hm;
    mat_init_mp(Hm, 2, 2, 100);
    mpfr_set_ui(E(Hm, 0, 0), 1, MPFR_RNDN), mpfr_set_ui(E(Hm, 1, 1), 1, MPFR_RNDN);
    mpfr_set_ui(E(Hm, 0, 1), 2, MPFR_RNDN);
    num_chol_certify_mp(c, Hm, 0.5, 100);
    cr_assert(!c->certified || c->lower <= 0.0, "mp asymmetric H: lower %.17g", c->lower);
    mat_clear_mp(Hm);
    /* entries stored at more bits than requested are used exactly:
     * [[1, 1 - 2^-200], [1 - 2^-200, 1]] at 300 bits has lambda_min = 2^-200;
     * rounded to the requested 64 bits it would be singular. */
    mat_init_mp(Hm, 2, 2, 300);
    mpfr_set_ui(E(Hm, 0, 0), 1, MPFR_RNDN), mpfr_set_ui(E(Hm, 1, 1), 1, MPFR_RNDN);
    mpfr_set_ui_2exp(E(Hm, 0, 1), 1, -200, MPFR_RNDN);
    mpfr_ui_sub(E(Hm, 0, 1), 1, E(Hm, 0, 1), MPFR_RNDN);
    mpfr_set(E(Hm, 1, 0), E(Hm, 0, 1), MPFR_RNDN);
    num_chol_certify_mp(c, Hm, 0x1p-201, 64);
    cr_assert(c->certified && c->lower > 0 && c->lower <= 0x1p-200,
              "300-bit entries: certified %d lower %.17g (want (0, 2^-200])", c->certified,
              c->lower);
    mat_clear_mp(Hm);
}

/* --------------------------------------------------------------- norm bound */

/* upper >= ||A||_2 (truth: 256-bit Jacobi on the exact Gram matrix, minus a
 * 2^-200 relative allowance for the reference itself). */
static void check_upper_valid(const num_norm2_t nb, const mat_mp_t A, const char *what)
{
    mpfr_t s, lo;
    true_norm2(s, A, 256);
    mpfr_init2(lo, 256);
    mpfr_mul_2si(lo, s, -200, MPFR_RNDN);
    mpfr_sub(lo, s, lo, MPFR_RNDN);
    cr_assert(mpfr_cmp_d(lo, nb->upper) <= 0,
              "%s %ldx%ld: upper %.17g < ||A||_2 = %.17g (method %s)" TSEED_FMT, what, A->rows,
              A->cols, nb->upper, mpfr_get_d(s, MPFR_RNDN), num_norm2_method_name(nb->method),
              TSEED);
    cr_assert(mpfr_cmp_d(lo, nb->fallback) <= 0, "%s: fallback %.17g < ||A||_2 = %.17g", what,
              nb->fallback, mpfr_get_d(s, MPFR_RNDN));
    cr_assert(nb->upper <= nb->fallback, "%s: upper above fallback", what);
    mpfr_clears(s, lo, (mpfr_ptr)0);
}

enum { NB_GAUSS, NB_RANK1, NB_DIAG, NB_ZERO, NB_KINDS };

static void make_matrix(mat_d_t A, deq_rng_t rng, int kind)
{
    long r = A->rows, c = A->cols;
    mat_zero_d(A);
    if (kind == NB_GAUSS) {
        test_fill_gaussian(A, rng);
    } else if (kind == NB_RANK1) {
        double *u = malloc((size_t)r * sizeof *u);
        for (long i = 0; i < r; i++)
            u[i] = deq_rng_gaussian(rng);
        for (long j = 0; j < c; j++) {
            double v = deq_rng_gaussian(rng);
            for (long i = 0; i < r; i++)
                A->e[i + j * r] = u[i] * v;
        }
        free(u);
    } else if (kind == NB_DIAG) {
        for (long i = 0; i < r && i < c; i++)
            A->e[i + i * r] = deq_rng_gaussian(rng) * pow(10.0, rnd_int(rng, -3, 3));
    }
}

Test(num, norm2_valid_random_shapes)
{
    deq_rng_t rng;
    rng_for(rng, 50);
    for (long it = 0; it < test_iters(160); it++) {
        int kind = (int)(it % NB_KINDS);
        long r = rnd_int(rng, 1, 24), c = rnd_int(rng, 1, 24);
        if (it % 9 == 0)
            r = 1; /* wide row */
        if (it % 11 == 0)
            c = 1; /* tall column */
        mat_d_t A;
        mat_init_d(A, r, c, 53);
        make_matrix(A, rng, kind);
        if (it % 13 == 0) /* extreme scales: A^T A would overflow or be subnormal */
            for (long k = 0; k < r * c; k++)
                A->e[k] *= it % 2 ? 1e200 : 1e-170;
        num_norm2_t nb;
        num_norm2_upper_d(nb, A, 53);
        mat_mp_t Am;
        mp_of_d(Am, A);
        check_upper_valid(nb, Am, "double");
        num_norm2_t nbm;
        num_norm2_upper_mp(nbm, Am, 53);
        cr_assert(nbm->upper == nb->upper, "exact MPFR input: bound differs from double");
        if (kind == NB_ZERO)
            cr_assert(nb->upper == 0.0, "zero matrix: upper %.3g", nb->upper);
        if (kind == NB_RANK1 || kind == NB_GAUSS) {
            /* tightness relative to the fallback shows the Cholesky route ran */
            mpfr_t s;
            true_norm2(s, Am, 128);
            double sv = mpfr_get_d(s, MPFR_RNDN);
            cr_assert(nb->upper <= sv * (1 + 1e-9) || nb->method == NUM_NORM2_FALLBACK,
                      "%ldx%ld kind %d: upper %.17g vs ||A|| %.17g" TSEED_FMT, r, c, kind,
                      nb->upper, sv, TSEED);
            if (r > 1 && c > 1 && kind == NB_GAUSS)
                cr_assert(nb->method == NUM_NORM2_CHOLESKY && nb->upper <= sv * (1 + 1e-9),
                          "%ldx%ld Gaussian: method %s, upper/||A|| - 1 = %.3g" TSEED_FMT, r, c,
                          num_norm2_method_name(nb->method), nb->upper / sv - 1, TSEED);
            mpfr_clear(s);
        }
        mat_clear_mp(Am), mat_clear_d(A);
    }
    deq_rng_clear(rng);
}

/* 1 x k rows: C = A A^T is one rounded dot product and the first trial
 * shift exceeds it by only ~ 2 gamma_2, so the bound rests on e_C (the dot
 * product's error allowance). Truth: sqrt of the exact sum of squares. */
Test(num, norm2_single_row_dot_product)
{
    deq_rng_t rng;
    rng_for(rng, 54);
    mpfr_t s, a;
    mpfr_init2(s, 2200);
    mpfr_init2(a, 53);
    for (long it = 0; it < test_iters(300); it++) {
        long k = rnd_int(rng, 2, it % 3 ? 64 : 2000);
        mat_d_t A;
        mat_init_d(A, it % 2 ? 1 : k, it % 2 ? k : 1, 53);
        test_fill_gaussian(A, rng);
        num_norm2_t nb;
        num_norm2_upper_d(nb, A, 53);
        mpfr_set_zero(s, 1);
        for (long t = 0; t < k; t++) {
            mpfr_set_d(a, A->e[t], MPFR_RNDN);
            mpfr_fma(s, a, a, s, MPFR_RNDN); /* exact at 2200 bits */
        }
        mpfr_sqrt(s, s, MPFR_RNDD);
        cr_assert(mpfr_cmp_d(s, nb->upper) <= 0,
                  "%ldx%ld: upper %.17g < ||a||_2 = %.17g (method %s)" TSEED_FMT, A->rows, A->cols,
                  nb->upper, mpfr_get_d(s, MPFR_RNDN), num_norm2_method_name(nb->method), TSEED);
        mat_clear_d(A);
    }
    /* Constant rows [x, ..., x]: every partial sum of the dot product rounds
     * the same way, so dsyrk loses up to ~ (k / lanes) u (observed: 12 u at
     * k = 2000, 180 u at k = 1e5), far beyond the first trial margin; only
     * e_C = gamma_k ||A||_F^2 keeps the bound valid. */
    long ks[] = {2000, 20000, 100000};
    for (long it = 0; it < test_iters(60); it++) {
        long k = ks[it % 3];
        double x = 1.0 + (double)(it + 1) * 0x1p-40 + 0x1p-30 * sin((double)it);
        mat_d_t A;
        mat_init_d(A, 1, k, 53);
        for (long t = 0; t < k; t++)
            A->e[t] = x;
        num_norm2_t nb;
        num_norm2_upper_d(nb, A, 53);
        mpfr_set_d(a, x, MPFR_RNDN);
        mpfr_sqr(s, a, MPFR_RNDN);
        mpfr_mul_ui(s, s, (unsigned long)k, MPFR_RNDN); /* exact */
        mpfr_sqrt(s, s, MPFR_RNDD);
        cr_assert(mpfr_cmp_d(s, nb->upper) <= 0,
                  "constant row 1x%ld of %.17g: upper %.17g < ||a||_2 = %.17g (method %s)", k, x,
                  nb->upper, mpfr_get_d(s, MPFR_RNDN), num_norm2_method_name(nb->method));
        mat_clear_d(A);
    }
    mpfr_clears(s, a, (mpfr_ptr)0);
    deq_rng_clear(rng);
}

/* Gaussian matrices up to 512: valid against GSL's SVD (allowing its own
 * error, c n u sigma with c = 4) and tight to 1e-6 (the quality goal). */
Test(num, norm2_tight_gaussian)
{
    deq_rng_t rng;
    rng_for(rng, 51);
    long sizes[][2] = {{64, 64}, {128, 128}, {200, 100}, {100, 200}, {256, 256}, {512, 512}};
    double worst = 0;
    for (int s = 0; s < 6; s++) {
        long r = sizes[s][0], c = sizes[s][1];
        mat_d_t A;
        mat_init_d(A, r, c, 53);
        test_fill_gaussian(A, rng);
        num_norm2_t nb;
        num_norm2_upper_d(nb, A, 53);
        double sv = gsl_sigma_max(A), n = (double)(r > c ? r : c);
        double gap = nb->upper / sv - 1;
        worst = fmax(worst, gap);
        cr_assert(nb->upper >= sv * (1 - 4 * n * 0x1p-53),
                  "%ldx%ld: upper %.17g below GSL sigma_max %.17g" TSEED_FMT, r, c, nb->upper, sv,
                  TSEED);
        cr_assert(nb->method == NUM_NORM2_CHOLESKY && gap <= 1e-6,
                  "%ldx%ld: upper %.17g, sigma_max %.17g, relative gap %.3g > 1e-6 (method %s)" TSEED_FMT,
                  r, c, nb->upper, sv, gap, num_norm2_method_name(nb->method), TSEED);
        cr_assert(fabs(nb->estimate / sv - 1) <= 1e-8, "%ldx%ld: estimate %.17g vs %.17g", r, c,
                  nb->estimate, sv);
        cr_log_info("norm2 %ldx%ld: relative gap upper/sigma_max - 1 = %.3g", r, c, gap);
        mat_clear_d(A);
    }
    cr_log_info("norm2_tight_gaussian: worst relative gap %.3g", worst);
    deq_rng_clear(rng);
}

/* num_norm2_lower_d: diagonal matrices (σ_max their largest |entry|, exact),
 * below GSL's SVD on random rectangular matrices of both orientations and
 * within a few percent of it, 0 on zero and non-finite input. */
Test(num, norm2_lower_below_the_norm_and_close)
{
    /* diag(1, 1, 3, 1, ...) 6x6 and its 6x4 / 4x6 leading blocks: ‖·‖₂ = 3 */
    long shapes[3][2] = {{6, 6}, {6, 4}, {4, 6}};
    for (int q = 0; q < 3; q++) {
        long r = shapes[q][0], c = shapes[q][1];
        mat_d_t D;
        mat_init_d(D, r, c, 53);
        mat_zero_d(D);
        for (long i = 0; i < r && i < c; i++)
            D->e[i + i * r] = i == 2 ? -3.0 : 1.0;
        double lo = num_norm2_lower_d(D);
        cr_expect(lo <= 3.0 && lo > 3.0 * (1 - 1e-12), "%ldx%ld: lower %.17g for norm 3", r, c, lo);
        mat_clear_d(D);
    }
    deq_rng_t rng;
    rng_for(rng, 77);
    for (int iter = 0; iter < 40; iter++) {
        long r = rnd_int(rng, 1, 60), c = rnd_int(rng, 1, 60);
        mat_d_t A;
        mat_init_d(A, r, c, 53);
        test_fill_gaussian(A, rng);
        double s = gsl_sigma_max(A), l = num_norm2_lower_d(A);
        /* GSL's σ_max carries a backward error of a few ulps times ‖A‖₂ */
        cr_expect(l <= s * (1 + 64 * DBL_EPSILON), "%ldx%ld: lower %.17g above sigma_max %.17g" TSEED_FMT,
                  r, c, l, s, TSEED);
        cr_expect(l >= 0.9 * s, "%ldx%ld: lower %.6g far below sigma_max %.6g" TSEED_FMT, r, c, l, s,
                  TSEED);
        mat_clear_d(A);
    }
    deq_rng_clear(rng);
    mat_d_t Z;
    mat_init_d(Z, 3, 5, 53);
    mat_zero_d(Z);
    cr_expect_eq(num_norm2_lower_d(Z), 0.0);
    Z->e[4] = NAN;
    cr_expect_eq(num_norm2_lower_d(Z), 0.0);
    mat_clear_d(Z);
}

Test(num, norm2_closed_forms)
{
    /* diag(3, -5, 2): ||A||_2 = 5 */
    mat_d_t A;
    mat_init_d(A, 3, 3, 53);
    A->e[0] = 3, A->e[4] = -5, A->e[8] = 2;
    num_norm2_t nb;
    num_norm2_upper_d(nb, A, 53);
    cr_assert(nb->upper >= 5.0 && nb->upper <= 5.0 * (1 + 1e-9), "diag(3,-5,2): upper %.17g",
              nb->upper);
    mat_mp_t Am;
    mp_of_d(Am, A);
    num_norm2_upper_mp(nb, Am, 53);
    cr_assert(nb->upper >= 5.0 && nb->upper <= 5.0 * (1 + 1e-9), "mp diag(3,-5,2): %.17g",
              nb->upper);
    mat_clear_mp(Am), mat_clear_d(A);

    /* 1x1 and empty */
    mat_init_d(A, 1, 1, 53);
    A->e[0] = -7;
    num_norm2_upper_d(nb, A, 53);
    cr_assert(nb->upper >= 7.0 && nb->upper <= 7.0 * (1 + 1e-12), "[[-7]]: %.17g", nb->upper);
    mat_clear_d(A);
    mat_init_d(A, 0, 4, 53);
    num_norm2_upper_d(nb, A, 53);
    cr_assert(nb->upper == 0.0);
    mat_clear_d(A);
    /* non-finite: no finite bound */
    mat_init_d(A, 2, 2, 53);
    A->e[3] = INFINITY;
    num_norm2_upper_d(nb, A, 53);
    cr_assert(nb->upper == INFINITY);
    mat_clear_d(A);

    /* ones(r, c): ||A||_2 = sqrt(r c) exactly */
    for (long r = 1; r <= 9; r += 4)
        for (long c = 1; c <= 16; c += 5) {
            mat_init_d(A, r, c, 53);
            for (long k = 0; k < r * c; k++)
                A->e[k] = 1.0;
            num_norm2_upper_d(nb, A, 53);
            double t = sqrt((double)(r * c));
            mpfr_t tm;
            mpfr_init2(tm, 128);
            mpfr_set_ui(tm, (unsigned long)(r * c), MPFR_RNDN);
            mpfr_sqrt(tm, tm, MPFR_RNDN);
            cr_assert(mpfr_cmp_d(tm, nb->upper) <= 0 && nb->upper <= t * (1 + 1e-12),
                      "ones(%ld,%ld): upper %.17g, exact %.17g", r, c, nb->upper, t);
            mpfr_clear(tm);
            mat_clear_d(A);
        }
}

/* MPFR input not representable in double: entries x/3 at 256 bits. The bound
 * must hold for the stored matrix (truth at 512 bits), including the 1x1
 * [[1/3]] where rounding to double loses exactly the part that matters. */
Test(num, norm2_mpfr_inexact_input)
{
    deq_rng_t rng;
    rng_for(rng, 52);
    for (long it = 0; it < test_iters(30); it++) {
        long r = rnd_int(rng, 1, 12), c = rnd_int(rng, 1, 12);
        mat_mp_t A;
        mat_init_mp(A, r, c, 256);
        fill_mp(A, rng, 1);
        num_norm2_t nb;
        num_norm2_upper_mp(nb, A, 256);
        mpfr_t s;
        true_norm2(s, A, 512);
        cr_assert(mpfr_cmp_d(s, nb->upper) <= 0,
                  "%ldx%ld /3 entries: upper %.17g < ||A||_2 = %.17g (rounded)" TSEED_FMT, r, c,
                  nb->upper, mpfr_get_d(s, MPFR_RNDN), TSEED);
        cr_assert(mpfr_cmp_d(s, nb->fallback) <= 0);
        cr_assert(nb->upper <= mpfr_get_d(s, MPFR_RNDN) * (1 + 1e-9) ||
                      nb->method == NUM_NORM2_FALLBACK);
        mpfr_clear(s);
        mat_clear_mp(A);
    }
    deq_rng_clear(rng);

    /* [[1/3]], [[1/3, 1/3]], and 1/3 + 2^-200 */
    for (int k = 1; k <= 3; k++) {
        mat_mp_t A;
        mat_init_mp(A, 1, k == 2 ? 2 : 1, 256);
        for (long j = 0; j < A->cols; j++) {
            mpfr_set_ui(E(A, 0, j), 1, MPFR_RNDN);
            mpfr_div_ui(E(A, 0, j), E(A, 0, j), 3, MPFR_RNDN);
            if (k == 3) {
                mpfr_t e;
                mpfr_init2(e, 256);
                mpfr_set_ui_2exp(e, 1, -200, MPFR_RNDN);
                mpfr_add(E(A, 0, j), E(A, 0, j), e, MPFR_RNDN);
                mpfr_clear(e);
            }
        }
        num_norm2_t nb;
        num_norm2_upper_mp(nb, A, 256);
        mpfr_t s;
        true_norm2(s, A, 512);
        cr_assert(mpfr_cmp_d(s, nb->upper) <= 0, "case %d: upper %.17g < %.17g (rounded)", k,
                  nb->upper, mpfr_get_d(s, MPFR_RNDN));
        mpfr_clear(s);
        mat_clear_mp(A);
    }
}

/* Exponents beyond the double range (MPFR) and scalings that are not exact
 * in double (a huge entry next to a subnormal one): valid, and tight where
 * the exact power-of-two rescaling applies. */
Test(num, norm2_extreme_exponents)
{
    deq_rng_t rng;
    rng_for(rng, 55);
    long exps[] = {-5000, -1070, 600, 5000};
    for (long it = 0; it < test_iters(24); it++) {
        long r = rnd_int(rng, 1, 10), c = rnd_int(rng, 1, 10), e = exps[it % 4];
        mat_mp_t A;
        mat_init_mp(A, r, c, 128);
        fill_mp(A, rng, (int)(it % 2));
        for (long k = 0; k < r * c; k++)
            mpfr_mul_2si(A->e + k, A->e + k, e, MPFR_RNDN);
        num_norm2_t nb;
        num_norm2_upper_mp(nb, A, 128);
        mpfr_t s;
        true_norm2(s, A, 256);
        /* 2^e times [a moderate number]: compare the scaled values */
        mpfr_t up;
        mpfr_init2(up, 64);
        mpfr_set_d(up, nb->upper, MPFR_RNDN);
        if (e < -1074 || e > 1023) {
            /* outside double: the bound saturates honestly (0 is never returned) */
            cr_assert(e > 0 ? nb->upper == INFINITY : nb->upper > 0.0,
                      "2^%ld-scaled %ldx%ld: upper %.17g" TSEED_FMT, e, r, c, nb->upper, TSEED);
        } else {
            cr_assert(mpfr_cmp(s, up) <= 0, "2^%ld-scaled %ldx%ld: upper %.17g < %.17g" TSEED_FMT,
                      e, r, c, nb->upper, mpfr_get_d(s, MPFR_RNDN), TSEED);
            if (e > -1000)
                cr_assert(nb->upper <= mpfr_get_d(s, MPFR_RNDN) * (1 + 1e-9),
                          "2^%ld-scaled %ldx%ld: upper %.17g not tight vs %.17g" TSEED_FMT, e, r,
                          c, nb->upper, mpfr_get_d(s, MPFR_RNDN), TSEED);
        }
        mpfr_clears(s, up, (mpfr_ptr)0);
        mat_clear_mp(A);
    }
    deq_rng_clear(rng);

    /* double: 1e300 next to a subnormal entry (downscaling not exact) */
    mat_d_t D;
    mat_init_d(D, 3, 2, 53);
    rng_for(rng, 56);
    test_fill_gaussian(D, rng);
    D->e[0] = 1e300, D->e[5] = 0x1p-1070;
    num_norm2_t nb;
    num_norm2_upper_d(nb, D, 53);
    mat_mp_t Dm;
    mp_of_d(Dm, D);
    check_upper_valid(nb, Dm, "huge+subnormal");
    mat_clear_mp(Dm), mat_clear_d(D);
    deq_rng_clear(rng);
}

/* Negative control: scale A so that its true norm is just above the bound
 * computed for A (by a factor 1 + 1e-12). The new bound must follow. */
Test(num, norm2_negative_control_scaling)
{
    deq_rng_t rng;
    rng_for(rng, 53);
    for (long it = 0; it < test_iters(40); it++) {
        long r = rnd_int(rng, 2, 20), c = rnd_int(rng, 2, 20);
        mat_d_t A;
        mat_init_d(A, r, c, 53);
        make_matrix(A, rng, it % 2 ? NB_GAUSS : NB_RANK1);
        num_norm2_t nb;
        num_norm2_upper_d(nb, A, 53);
        mat_mp_t Am;
        mp_of_d(Am, A);
        mpfr_t s;
        true_norm2(s, Am, 256);
        double scale = nb->upper / mpfr_get_d(s, MPFR_RNDN) * (1 + 1e-12);
        for (long k = 0; k < r * c; k++)
            A->e[k] *= scale;
        mat_clear_mp(Am);
        mp_of_d(Am, A);
        mpfr_clear(s);
        true_norm2(s, Am, 256);
        cr_assert(mpfr_cmp_d(s, nb->upper) > 0,
                  "control not established: scaled norm %.17g <= old bound %.17g",
                  mpfr_get_d(s, MPFR_RNDN), nb->upper);
        double old = nb->upper;
        num_norm2_upper_d(nb, A, 53);
        cr_assert(mpfr_cmp_d(s, nb->upper) <= 0,
                  "%ldx%ld scaled by %.17g: new upper %.17g (old %.17g) < true %.17g" TSEED_FMT, r,
                  c, scale, nb->upper, old, mpfr_get_d(s, MPFR_RNDN), TSEED);
        mpfr_clear(s);
        mat_clear_mp(Am), mat_clear_d(A);
    }
    deq_rng_clear(rng);
}

/* ------------------------------------------------------------------------ */
/* certified extreme-eigenvalue bounds (num/eig_bound.h)                     */

#include "num/eig_bound.h"

/* λ_min and λ_max of H (double entries) by Jacobi at 512 bits: the truth. */
static void eig_truth(double *lmin, double *lmax, const mat_d_t H)
{
    long n = H->rows;
    mat_mp_t Hm, ev;
    mat_init_mp(Hm, n, n, 512);
    mat_init_mp(ev, n, 1, 512);
    mat_set_mat_d_mp(Hm, H);
    num_symeig_info_t si;
    num_symeig_jacobi_mp(ev, NULL, si, Hm, 512);
    cr_assert(si->converged);
    *lmin = mpfr_get_d(ev->e, MPFR_RNDN);
    *lmax = mpfr_get_d(ev->e + n - 1, MPFR_RNDN);
    mat_clear_mp(Hm);
    mat_clear_mp(ev);
}

static double frob(const mat_d_t H)
{
    double s = 0;
    for (long k = 0; k < H->rows * H->cols; k++)
        s += H->e[k] * H->e[k];
    return sqrt(s);
}

Test(eig_bound, valid_and_tight_in_both_backends)
{
    deq_rng_t rng;
    deq_rng_init(rng, test_seed() + 31);
    for (long it = 0; it < test_iters(40); it++) {
        long n = 1 + (long)(deq_rng_uniform(rng) * 30), k = n + 2;
        mat_d_t M, H;
        mat_init_d(M, k, n, 53);
        mat_init_d(H, n, n, 53);
        test_fill_gaussian(M, rng);
        double one = 1, zero = 0;
        mat_gemm_d(H, &one, MAT_TRANS, M, MAT_NOTRANS, M, &zero, 53);
        /* shift to make some matrices indefinite */
        double shift = it % 3 == 0 ? -2.0 : 0.0;
        for (long i = 0; i < n; i++)
            H->e[i + i * n] += shift;
        double lmin, lmax;
        eig_truth(&lmin, &lmax, H);
        double hn = frob(H);
        for (int b = 0; b < 2; b++) {
            num_eig_bounds_t eb;
            long prec = b ? 256 : 53;
            if (b) {
                mat_mp_t Hm;
                mat_init_mp(Hm, n, n, prec);
                mat_set_mat_d_mp(Hm, H);
                num_eig_bounds_mp(eb, Hm, 64, prec);
                mat_clear_mp(Hm);
            } else {
                num_eig_bounds_d(eb, H, 0, prec);
            }
            /* working-precision error, plus the rounding of a double-valued bound */
            double u = ldexp(1.0, -(int)prec);
            double tight = 64.0 * (double)(n * n) * u * hn
                           + 4 * ldexp(1.0, -53) * fmax(fabs(lmin), fabs(lmax)) + 1e-300;
            cr_expect(eb->lower_certified && eb->upper_certified, "n=%ld %s: not certified" TSEED_FMT,
                      n, b ? "mpfr" : "double", TSEED);
            cr_expect(eb->lower <= lmin && lmin - eb->lower <= tight,
                      "n=%ld %s: lower %.17g vs lambda_min %.17g (tight %g)" TSEED_FMT, n,
                      b ? "mpfr" : "double", eb->lower, lmin, tight, TSEED);
            cr_expect(eb->upper >= lmax && eb->upper - lmax <= tight,
                      "n=%ld %s: upper %.17g vs lambda_max %.17g (tight %g)" TSEED_FMT, n,
                      b ? "mpfr" : "double", eb->upper, lmax, tight, TSEED);
        }
        mat_clear_d(M);
        mat_clear_d(H);
    }
    deq_rng_clear(rng);
}

Test(eig_bound, singular_gram_gets_no_positive_definite_certificate)
{
    /* Gram matrix of inputs where two are equal: exactly singular as stored. */
    deq_rng_t rng;
    deq_rng_init(rng, test_seed() + 32);
    long d = 6, n = 5;
    mat_d_t X, H;
    mat_init_d(X, d, n, 53);
    mat_init_d(H, n, n, 53);
    test_fill_gaussian(X, rng);
    for (long i = 0; i < d; i++)
        X->e[i + 3 * d] = X->e[i + 1 * d];
    double one = 1, zero = 0;
    mat_gemm_d(H, &one, MAT_TRANS, X, MAT_NOTRANS, X, &zero, 53);
    num_eig_bounds_t eb;
    num_eig_bounds_d(eb, H, 0, 53);
    cr_expect(!(eb->lower_certified && eb->lower > 0), "singular matrix certified PD: lower %g",
              eb->lower);
    mat_mp_t Hm;
    mat_init_mp(Hm, n, n, 256);
    mat_set_mat_d_mp(Hm, H);
    num_eig_bounds_mp(eb, Hm, 64, 256);
    cr_expect(!(eb->lower_certified && eb->lower > 0), "mpfr: singular matrix certified PD: %g",
              eb->lower);
    mat_clear_mp(Hm);
    mat_clear_d(X);
    mat_clear_d(H);
    deq_rng_clear(rng);
}
