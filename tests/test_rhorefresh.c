/* Tests of the incremental refresh of the certified ρ̄ (deq_problem_set_rho_refresh_slack,
 * num_fro_dist_upper). The references are independent of the code under test:
 * ‖A − B‖_F summed exactly in MPFR at several hundred bits; the full ρ̄ of
 * each step computed on a separate copy of A by deq_contraction_upper; and
 * matrices whose spectral norm is known in closed form (a diagonal matrix
 * moved along its top singular direction, where the triangle inequality the
 * incremental bound rests on is an equality, so any bound on ‖A − A_ref‖ that
 * is too small shows up as ρ̄ below the certified full one). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "deq/forward.h"
#include "deq/problem.h"
#include "deq/train.h"
#include "num/norm_bound.h"
#include "testutil.h"

#define TAU DEQ_RHO_REFRESH_SLACK_DEFAULT

/* ------------------------------------------------------------------------ */
/* num_fro_dist_upper                                                        */

/* ‖A − B‖_F with every difference and square exact (MPFR at `bits`), the sum
 * and root rounded to nearest at that precision: far more accurate than any
 * double bound under test. */
static double fro_dist_exact_d(const mat_d_t A, const mat_d_t B)
{
    long bits = 4200; /* squares of doubles down to 2^-1074 and up to 2^1024 exactly */
    mpfr_t s, t;
    mpfr_init2(s, bits), mpfr_init2(t, bits);
    mpfr_set_zero(s, 1);
    for (long q = 0; q < A->rows * A->cols; q++) {
        mpfr_set_d(t, A->e[q], MPFR_RNDN);
        mpfr_sub_d(t, t, B->e[q], MPFR_RNDN);
        mpfr_sqr(t, t, MPFR_RNDN);
        mpfr_add(s, s, t, MPFR_RNDN);
    }
    mpfr_sqrt(s, s, MPFR_RNDN);
    double r = mpfr_get_d(s, MPFR_RNDN);
    mpfr_clear(s), mpfr_clear(t);
    return r;
}

Test(fro_dist, double_scales_bound_and_tight)
{
    deq_rng_t rng;
    deq_rng_init(rng, test_seed());
    const double scales[] = {1e-170, 1.0, 1e160, 1e-300, 1e300};
    mat_d_t A, B, G;
    long r = 13, c = 7;
    mat_init_d(A, r, c, 53), mat_init_d(B, r, c, 53), mat_init_d(G, r, c, 53);
    for (size_t k = 0; k < sizeof scales / sizeof *scales; k++)
        for (int rel = -12; rel <= 0; rel += 4) {
            test_fill_gaussian(A, rng);
            test_fill_gaussian(G, rng);
            for (long q = 0; q < r * c; q++) {
                A->e[q] *= scales[k];
                /* differences spread over many binades, some entries equal */
                B->e[q] = q % 5 == 0 ? A->e[q]
                                     : A->e[q] + scales[k] * pow(10.0, rel - (double)(q % 7)) * G->e[q];
            }
            double exact = fro_dist_exact_d(A, B), up = num_fro_dist_upper_d(A, B, 53);
            /* tight: relative γ_N, and a few units of a subnormal result */
            cr_expect(up >= exact && up <= exact * (1 + 1e-13) + 0x1p-1071,
                      "scale %g, 1e%d: bound %.17g vs exact %.17g" TSEED_FMT, scales[k], rel, up,
                      exact, TSEED);
        }
    mat_clear_d(A), mat_clear_d(B), mat_clear_d(G);
    deq_rng_clear(rng);
}

Test(fro_dist, double_edge_cases)
{
    mat_d_t A, B;
    mat_init_d(A, 3, 2, 53), mat_init_d(B, 3, 2, 53);
    cr_expect_eq(num_fro_dist_upper_d(A, B, 53), 0.0, "equal matrices: 0");
    /* subnormal differences only: still an upper bound, of the right size */
    A->e[1] = 0x1p-1070, B->e[1] = 0x1p-1072, A->e[4] = 0x1p-1074;
    double ex = fro_dist_exact_d(A, B), up = num_fro_dist_upper_d(A, B, 53);
    cr_expect(up >= ex && up <= 2 * ex, "subnormal: %g vs %g", up, ex);
    /* a difference beyond the double range: +inf, never a finite value */
    A->e[0] = 1.5e308, B->e[0] = -1.5e308;
    cr_expect(isinf(num_fro_dist_upper_d(A, B, 53)));
    A->e[0] = NAN, B->e[0] = 0;
    cr_expect(isinf(num_fro_dist_upper_d(A, B, 53)), "NaN: +inf");
    mat_clear_d(A), mat_clear_d(B);
}

Test(fro_dist, mpfr_differences_below_double_precision)
{
    deq_rng_t rng;
    deq_rng_init(rng, test_seed());
    long prec = 1100, r = 6, c = 5;
    mat_d_t Ad, Gd;
    mat_init_d(Ad, r, c, 53), mat_init_d(Gd, r, c, 53);
    mat_mp_t A, B;
    mat_init_mp(A, r, c, prec), mat_init_mp(B, r, c, prec);
    const long exps[] = {-900, 0, 700, -2000000};
    for (size_t k = 0; k < sizeof exps / sizeof *exps; k++) {
        test_fill_gaussian(Ad, rng), test_fill_gaussian(Gd, rng);
        mpfr_t t, s, x;
        mpfr_inits2(prec, t, x, (mpfr_ptr)0);
        mpfr_init2(s, 3 * prec);
        mpfr_set_zero(s, 1);
        for (long q = 0; q < r * c; q++) {
            mpfr_set_d(A->e + q, Ad->e[q], MPFR_RNDN);
            mpfr_mul_2si(A->e + q, A->e + q, exps[k], MPFR_RNDN);
            /* B = A + G·2^(e − 600): the difference is invisible in double */
            mpfr_set_d(t, Gd->e[q], MPFR_RNDN);
            mpfr_mul_2si(t, t, exps[k] - 600, MPFR_RNDN);
            mpfr_add(B->e + q, A->e + q, t, MPFR_RNDN);
            mpfr_sub(x, A->e + q, B->e + q, MPFR_RNDN); /* exact at 3·prec below */
            mpfr_t x3;
            mpfr_init2(x3, 3 * prec);
            mpfr_sub(x3, A->e + q, B->e + q, MPFR_RNDN);
            mpfr_sqr(x3, x3, MPFR_RNDN);
            mpfr_add(s, s, x3, MPFR_RNDN);
            mpfr_clear(x3);
        }
        mpfr_sqrt(s, s, MPFR_RNDN);
        /* compare at the scale 2^(e − 600): the bound itself leaves double's
         * range for the extreme exponent and must then be +inf */
        double up = num_fro_dist_upper_mp(A, B, prec);
        mpfr_mul_2si(s, s, -(exps[k] - 600), MPFR_RNDN);
        double ex_scaled = mpfr_get_d(s, MPFR_RNDN);
        if (exps[k] - 600 < -1100)
            cr_expect(up >= 0 && up <= 0x1p-1000, "far below double: a tiny bound, got %g", up);
        else {
            double up_scaled = ldexp(up, (int)-(exps[k] - 600));
            cr_expect(up_scaled >= ex_scaled && up_scaled <= ex_scaled * (1 + 1e-13),
                      "2^%ld: %.17g vs %.17g" TSEED_FMT, exps[k], up_scaled, ex_scaled, TSEED);
        }
        mpfr_clears(t, x, (mpfr_ptr)0);
        mpfr_clear(s);
    }
    mat_clear_mp(A), mat_clear_mp(B), mat_clear_d(Ad), mat_clear_d(Gd);
    deq_rng_clear(rng);
}

/* ------------------------------------------------------------------------ */
/* the problem's incremental refresh                                         */

/* A problem with A = `scale`·(a Gaussian m×m) and γ = g/scale, so that ρ̄ is
 * about 2g whatever the scale (relu, ‖A‖₂ ≈ 2√m·scale, α_A = γ/√m). */
static void make_problem_d(deq_problem_d_t P, long m, double scale, double g, deq_rng_t rng)
{
    long d = 3, n = 4;
    mat_d_t A, U, X;
    mat_init_d(A, m, m, 53), mat_init_d(U, m, d, 53), mat_init_d(X, d, n, 53);
    test_fill_gaussian(A, rng), test_fill_gaussian(U, rng), test_fill_gaussian(X, rng);
    for (long q = 0; q < m * m; q++)
        A->e[q] *= scale;
    char gamma[40];
    snprintf(gamma, sizeof gamma, "%.17g", g / scale);
    deq_problem_init_d(P, A, U, X, gamma, "1", DEQ_ACT_RELU, 1, 53);
}

/* The full ρ̄ of the current A, computed on a copy (independently of P's reference). */
static double full_rho_d(const deq_problem_d_t P)
{
    mat_d_t C;
    mat_init_d(C, P->m, P->m, 53);
    mat_set_d(C, P->A);
    double r = deq_contraction_upper_d(NULL, C, P->alpha_A, P->fp.alpha_rel_err, 0.0, P->fp.act, 53);
    mat_clear_d(C);
    return r;
}

/* 1 − ρ̄ >= (1 − τ)(1 − ρ̄_ref), checked exactly (MPFR at 200 bits). */
static int within_slack(double rho, double rho_ref, double tau)
{
    mpfr_t a, b;
    mpfr_inits2(200, a, b, (mpfr_ptr)0);
    mpfr_set_d(a, 1.0, MPFR_RNDN), mpfr_sub_d(a, a, tau, MPFR_RNDN);
    mpfr_set_d(b, 1.0, MPFR_RNDN), mpfr_sub_d(b, b, rho_ref, MPFR_RNDN);
    mpfr_mul(a, a, b, MPFR_RNDN);
    mpfr_set_d(b, 1.0, MPFR_RNDN), mpfr_sub_d(b, b, rho, MPFR_RNDN);
    int ok = mpfr_cmp(b, a) >= 0;
    mpfr_clears(a, b, (mpfr_ptr)0);
    return ok;
}

/* One step's checks: rho and P's method against the full ρ̄ of the same A and
 * the reference the test tracked itself (*ref: the last full ρ̄ seen). */
static void check_step_d(const deq_problem_d_t P, double *ref, int *n_inc, const char *what)
{
    double full = full_rho_d(P), rho = P->fp.rho_upper;
    if (P->normA->method == NUM_NORM2_INCREMENTAL) {
        (*n_inc)++;
        cr_expect(rho >= full, "%s: incremental rho %.17g below the full %.17g" TSEED_FMT, what, rho,
                  full, TSEED);
        cr_expect(within_slack(rho, *ref, TAU), "%s: rho %.17g beyond the slack of rho_ref %.17g", what,
                  rho, *ref);
        cr_expect(rho < 1);
    } else {
        cr_expect(memcmp(&rho, &full, sizeof rho) == 0,
                  "%s: a full refresh must equal deq_contraction_upper: %.17g vs %.17g", what, rho, full);
        *ref = rho;
    }
}

/* Random sequences of small and large updates at three scales. */
Test(rho_refresh, double_random_sequences)
{
    deq_rng_t rng;
    deq_rng_init(rng, test_seed());
    const double scales[] = {1e-170, 1.0, 1e160};
    long m = 24;
    mat_d_t Gm;
    mat_init_d(Gm, m, m, 53);
    for (size_t k = 0; k < sizeof scales / sizeof *scales; k++) {
        deq_problem_d_t P;
        make_problem_d(P, m, scales[k], 0.2, rng);
        deq_problem_set_rho_refresh_slack_d(P, TAU, 53);
        double ref = NAN;
        int n_inc = 0, n_large = 0;
        for (long step = 0; step < 60; step++) {
            /* mostly small steps (relative 1e-4 of an entry), every 13th large */
            int large = step % 13 == 12;
            double eps = large ? 0.3 : 1e-4 * deq_rng_uniform(rng);
            test_fill_gaussian(Gm, rng);
            for (long q = 0; q < m * m; q++)
                P->A->e[q] += eps * scales[k] * Gm->e[q];
            deq_problem_update_d(P, 53);
            char what[80];
            snprintf(what, sizeof what, "scale %g step %ld", scales[k], step);
            if (step == 0 || large) {
                /* control: the first update has no reference; a large one
                 * leaves the slack and must refresh in full */
                cr_expect(P->normA->method != NUM_NORM2_INCREMENTAL, "%s: expected a full refresh", what);
                n_large++;
            }
            check_step_d(P, &ref, &n_inc, what);
        }
        cr_expect(n_inc > 30, "scale %g: only %d incremental steps of 60", scales[k], n_inc);
        cr_expect_eq(P->full_refreshes + P->incremental_refreshes, 60);
        cr_expect_eq(P->incremental_refreshes, n_inc);
        deq_problem_clear_d(P);
    }
    mat_clear_d(Gm);
    deq_rng_clear(rng);
}

/* L·|α̂|·‖A‖₂ rounded down, for a diagonal A (relu: L = 1): ‖A‖₂ = max |a_ii|
 * exactly. Every certified ρ̄ must be at least this. */
static double diag_rho_lower(mpfr_srcptr alpha, mpfr_srcptr amax)
{
    mpfr_t t;
    mpfr_init2(t, 64);
    mpfr_mul(t, alpha, amax, MPFR_RNDD);
    mpfr_abs(t, t, MPFR_RNDN);
    double r = mpfr_get_d(t, MPFR_RNDD);
    mpfr_clear(t);
    return r;
}

/* A diagonal A_ref moved along its top singular direction: ‖A‖₂ = ‖A_ref‖₂ + c
 * exactly and ‖A − A_ref‖_F = c, so the incremental bound is as tight as the
 * triangle inequality gets: a δ short of ‖A − A_ref‖_F by more than the
 * reference bound's own margin puts ρ̄ below L·|α̂|·‖A‖₂, known exactly. (The
 * full bound of the moved A is then no lower bound: it may exceed the
 * incremental one by its own certificate's margin.) */
static void sharp_sequence_d(double scale)
{
    long m = 16;
    deq_rng_t rng;
    deq_rng_init(rng, test_seed());
    deq_problem_d_t P;
    make_problem_d(P, m, scale, 0.2, rng);
    for (long q = 0; q < m * m; q++)
        P->A->e[q] = 0;
    for (long i = 0; i < m; i++)
        P->A->e[i + i * m] = scale * (1.0 + 0.5 * (double)i / (double)m); /* top: the last */
    deq_problem_set_rho_refresh_slack_d(P, TAU, 53);
    deq_problem_update_d(P, 53); /* the reference */
    double ref = P->fp.rho_upper;
    int n_inc = 0;
    mpfr_t alpha, amax;
    mpfr_inits2(53, alpha, amax, (mpfr_ptr)0);
    mpfr_set_d(alpha, P->alpha_A[0], MPFR_RNDN);
    for (int step = 0; step < 8; step++) {
        P->A->e[m * m - 1] += 1e-3 * scale;
        deq_problem_update_d(P, 53);
        mpfr_set_d(amax, P->A->e[m * m - 1], MPFR_RNDN);
        double lower = diag_rho_lower(alpha, amax);
        cr_expect(P->fp.rho_upper >= lower, "sharp, scale %g, step %d: rho %.17g below the exact %.17g",
                  scale, step, P->fp.rho_upper, lower);
        if (P->normA->method == NUM_NORM2_INCREMENTAL) {
            n_inc++;
            cr_expect(within_slack(P->fp.rho_upper, ref, TAU));
        } else
            ref = P->fp.rho_upper;
    }
    mpfr_clears(alpha, amax, (mpfr_ptr)0);
    cr_expect(n_inc >= 4, "sharp: %d incremental steps", n_inc);
    deq_problem_clear_d(P);
    deq_rng_clear(rng);
}

Test(rho_refresh, double_sharp_top_direction)
{
    sharp_sequence_d(1e-170);
    sharp_sequence_d(1.0);
    sharp_sequence_d(1e160);
}

/* τ = 0 (never set, or set back to 0) is the full refresh at every update, bit
 * for bit; and the same inputs give the same bits with τ > 0. */
Test(rho_refresh, tau_zero_is_full_and_runs_repeat)
{
    long m = 20;
    double rho[3][25];
    int method[3][25];
    for (int run = 0; run < 3; run++) {
        deq_rng_t rng;
        deq_rng_init(rng, test_seed());
        deq_problem_d_t P;
        make_problem_d(P, m, 1.0, 0.2, rng);
        if (run == 1) { /* on and off again: τ = 0 */
            deq_problem_set_rho_refresh_slack_d(P, 0.5, 53);
            deq_problem_update_d(P, 53);
            deq_problem_update_d(P, 53);
            deq_problem_set_rho_refresh_slack_d(P, 0.0, 53);
        }
        if (run == 2)
            deq_problem_set_rho_refresh_slack_d(P, TAU, 53);
        mat_d_t Gm;
        mat_init_d(Gm, m, m, 53);
        for (int step = 0; step < 25; step++) {
            test_fill_gaussian(Gm, rng);
            for (long q = 0; q < m * m; q++)
                P->A->e[q] += 1e-4 * Gm->e[q];
            deq_problem_update_d(P, 53);
            rho[run][step] = P->fp.rho_upper;
            method[run][step] = P->normA->method;
            if (run < 2) {
                double full = full_rho_d(P);
                cr_expect(memcmp(&rho[run][step], &full, sizeof full) == 0, "run %d step %d", run, step);
                cr_expect(P->normA->method != NUM_NORM2_INCREMENTAL);
            }
        }
        mat_clear_d(Gm);
        deq_problem_clear_d(P);
        deq_rng_clear(rng);
    }
    cr_expect(memcmp(rho[0], rho[1], sizeof rho[0]) == 0, "tau = 0 after tau > 0: the same bits");
    /* the τ > 0 run again: the same bits and the same decisions */
    deq_rng_t rng;
    deq_rng_init(rng, test_seed());
    deq_problem_d_t P;
    make_problem_d(P, m, 1.0, 0.2, rng);
    deq_problem_set_rho_refresh_slack_d(P, TAU, 53);
    mat_d_t Gm;
    mat_init_d(Gm, m, m, 53);
    int n_inc = 0;
    for (int step = 0; step < 25; step++) {
        test_fill_gaussian(Gm, rng);
        for (long q = 0; q < m * m; q++)
            P->A->e[q] += 1e-4 * Gm->e[q];
        deq_problem_update_d(P, 53);
        cr_expect(memcmp(&P->fp.rho_upper, &rho[2][step], sizeof(double)) == 0 &&
                      (int)P->normA->method == method[2][step], "repeat, step %d", step);
        n_inc += P->normA->method == NUM_NORM2_INCREMENTAL;
    }
    cr_expect(n_inc > 0, "the repeated run took the incremental bound");
    mat_clear_d(Gm);
    deq_problem_clear_d(P);
    deq_rng_clear(rng);
}

/* MPFR at 1100 bits: updates far below double's resolution and large ones. */
Test(rho_refresh, mpfr_sequences)
{
    long prec = 1100, m = 12, d = 2, n = 3;
    deq_rng_t rng;
    deq_rng_init(rng, test_seed());
    mat_d_t Ad, Gd;
    mat_init_d(Ad, m, m, 53), mat_init_d(Gd, m, m, 53);
    test_fill_gaussian(Ad, rng);
    mat_mp_t A, U, X, C;
    mat_init_mp(A, m, m, prec), mat_init_mp(U, m, d, prec), mat_init_mp(X, d, n, prec);
    mat_set_mat_d_mp(A, Ad);
    for (long q = 0; q < m * d; q++)
        mpfr_set_d(U->e + q, 0.5 + (double)q / 7.0, MPFR_RNDN);
    for (long q = 0; q < d * n; q++)
        mpfr_set_d(X->e + q, 1.0 - (double)q / 5.0, MPFR_RNDN);
    deq_problem_mp_t P;
    deq_problem_init_mp(P, A, U, X, "0.2", "1", DEQ_ACT_RELU, 1, prec);
    deq_problem_set_rho_refresh_slack_mp(P, TAU, prec);
    mat_init_mp(C, m, m, prec);
    mpfr_t t;
    mpfr_init2(t, prec);
    double ref = NAN;
    int n_inc = 0;
    for (int step = 0; step < 30; step++) {
        int large = step % 10 == 9;
        /* small: 2^-700 relative (invisible in double) or 1e-4; large: 0.3 */
        long e2 = large ? -2 : step % 2 ? -700 : -13;
        test_fill_gaussian(Gd, rng);
        for (long q = 0; q < m * m; q++) {
            mpfr_set_d(t, Gd->e[q], MPFR_RNDN);
            mpfr_mul_2si(t, t, e2, MPFR_RNDN);
            mpfr_add(P->A->e + q, P->A->e + q, t, MPFR_RNDN);
        }
        deq_problem_update_mp(P, prec);
        mat_set_mp(C, P->A);
        double full = deq_contraction_upper_mp(NULL, C, P->alpha_A, P->fp.alpha_rel_err, 0.0, P->fp.act, prec);
        double rho = P->fp.rho_upper;
        if (P->normA->method == NUM_NORM2_INCREMENTAL) {
            n_inc++;
            cr_expect(!large && step > 0, "step %d: a large update must refresh in full", step);
            cr_expect(rho >= full, "mpfr step %d: %.17g < full %.17g", step, rho, full);
            cr_expect(within_slack(rho, ref, TAU), "mpfr step %d: beyond the slack", step);
        } else {
            cr_expect(rho == full, "mpfr step %d: full %.17g vs %.17g", step, rho, full);
            ref = rho;
        }
    }
    cr_expect(n_inc >= 15, "mpfr: %d incremental steps of 30", n_inc);
    mpfr_clear(t);
    mat_clear_mp(C), mat_clear_d(Ad), mat_clear_d(Gd);
    deq_problem_clear_mp(P);
    deq_rng_clear(rng);
}

/* MPFR, the sharp case: a diagonal A moved by c = 2^-12 + 2^-800 along its top
 * direction (not representable in double). */
Test(rho_refresh, mpfr_sharp_top_direction)
{
    long prec = 1100, m = 10;
    mat_mp_t A, U, X;
    mat_init_mp(A, m, m, prec), mat_init_mp(U, m, 1, prec), mat_init_mp(X, 1, 2, prec);
    for (long i = 0; i < m; i++)
        mpfr_set_d(A->e + i + i * m, 1.0 + 0.5 * (double)i / (double)m, MPFR_RNDN);
    mpfr_set_d(U->e, 1.0, MPFR_RNDN);
    mpfr_set_d(X->e, 1.0, MPFR_RNDN);
    deq_problem_mp_t P;
    deq_problem_init_mp(P, A, U, X, "0.2", "1", DEQ_ACT_RELU, 1, prec);
    deq_problem_set_rho_refresh_slack_mp(P, TAU, prec);
    deq_problem_update_mp(P, prec);
    double ref = P->fp.rho_upper;
    mpfr_t c;
    mpfr_init2(c, prec);
    mpfr_set_ui_2exp(c, 1, -12, MPFR_RNDN);
    mpfr_add_d(c, c, 0x1p-800, MPFR_RNDN);
    int n_inc = 0;
    for (int step = 0; step < 6; step++) {
        mpfr_add(P->A->e + m * m - 1, P->A->e + m * m - 1, c, MPFR_RNDN);
        deq_problem_update_mp(P, prec);
        double lower = diag_rho_lower(P->alpha_A, P->A->e + m * m - 1);
        cr_expect(P->fp.rho_upper >= lower, "step %d: %.17g below the exact %.17g", step,
                  P->fp.rho_upper, lower);
        if (P->normA->method == NUM_NORM2_INCREMENTAL) {
            n_inc++;
            cr_expect(within_slack(P->fp.rho_upper, ref, TAU));
        } else
            ref = P->fp.rho_upper;
    }
    cr_expect(n_inc >= 3, "%d incremental", n_inc);
    mpfr_clear(c);
    deq_problem_clear_mp(P);
}

/* deq_train with the slack: the log says which steps took the incremental
 * bound, the loss trajectory is the full-refresh run's (ρ̄ enters certificates
 * only), and each step's ρ̄ is at least that run's. */
Test(rho_refresh, train_log_marks_the_source)
{
    long m = 24, n = 4, K = 12; /* n: make_problem_d's */
    deq_train_log_t log[2];
    for (int run = 0; run < 2; run++) {
        deq_rng_t rng;
        deq_rng_init(rng, test_seed());
        deq_problem_d_t P;
        make_problem_d(P, m, 1.0, 0.2, rng);
        mat_d_t v, y;
        mat_init_d(v, m, 1, 53), mat_init_d(y, n, 1, 53);
        test_fill_gaussian(v, rng);
        for (long i = 0; i < n; i++)
            y->e[i] = 0.5 * sin((double)i);
        if (run == 1)
            deq_problem_set_rho_refresh_slack_d(P, TAU, 53);
        deq_train_opts to = {K, 0.05, DEQ_TRAIN_A, 0, 0, 0};
        deq_solve_opts so;
        deq_solve_opts_default(&so);
        double av = 1 / sqrt((double)m);
        deq_train_log_init(log[run]);
        deq_train_d(log[run], P, v, y, &av, &to, &so, 53);
        mat_clear_d(v), mat_clear_d(y);
        deq_problem_clear_d(P);
        deq_rng_clear(rng);
    }
    cr_assert_eq(log[0]->len, K + 1);
    cr_assert_eq(log[1]->len, K + 1);
    int n_inc = 0;
    for (long k = 0; k <= K; k++) {
        const deq_train_step *a = &log[0]->steps[k], *b = &log[1]->steps[k];
        cr_expect(a->rho_full, "tau = 0: step %ld full", k);
        cr_expect(a->loss == b->loss, "step %ld: loss %.17g vs %.17g", k, a->loss, b->loss);
        cr_expect(b->rho_upper >= a->rho_upper, "step %ld", k);
        if (k <= 1)
            cr_expect(b->rho_full, "steps 0 (init) and 1 (first update) are full");
        n_inc += !b->rho_full;
        if (b->rho_full)
            cr_expect(b->rho_upper == a->rho_upper, "a full step's rho equals the tau = 0 run's");
    }
    cr_expect(n_inc > 0, "some steps took the incremental bound");
    char path[512];
    snprintf(path, sizeof path, "%s/log.csv", test_tmpdir());
    FILE *f = fopen(path, "w");
    cr_assert(f);
    cr_expect_eq(deq_train_log_write_csv(log[1], f), 0);
    fclose(f);
    static char buf[1 << 15];
    test_slurp(path, buf, sizeof buf);
    cr_expect(strstr(buf, ",rho_source,") && strstr(buf, ",incremental,") && strstr(buf, ",full,"),
              "the CSV has the rho_source column");
    deq_train_log_clear(log[0]), deq_train_log_clear(log[1]);
}

/* The flag: bad values exit 2 with one line naming it. */
Test(rho_refresh, cli_flag)
{
    const char *bad[] = {"1", "-0.1", "abc", "nan", "1e300"};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        int st = test_run_cli("train", "--model", "theorems", "--preset", "gao2021", "--m", "8", "--n", "4",
                              "--steps", "1", "--lr", "0.1", "--seed", "1", "--log",
                              "/dev/null", "--rho-refresh-slack", bad[k], NULL);
        cr_expect_eq(st, 2, "--rho-refresh-slack %s: exit %d", bad[k], st);
        cr_expect(strstr(test_cli_err, "--rho-refresh-slack") != NULL, "%s: %s", bad[k], test_cli_err);
    }
    char path[512];
    snprintf(path, sizeof path, "%s/t.csv", test_tmpdir());
    int st = test_run_cli("train", "--model", "theorems", "--preset", "gao2021", "--m", "8", "--n", "4",
                          "--steps", "3", "--lr", "0.1", "--seed", "1", "--log", path,
                          "--rho-refresh-slack", "0.5", NULL);
    cr_expect_eq(st, 0, "%s", test_cli_err);
    cr_expect(strstr(test_cli_err, "incremental") != NULL, "the summary counts them: %s", test_cli_err);
}
