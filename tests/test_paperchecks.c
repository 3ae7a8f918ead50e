/* Tests of the checks on the papers' own models (theorems/well_posedness_papers.c,
 * theorems/gram_eigen_papers.c): each row function driven by crafted numbers
 * to every verdict it can give; the parts run on tiny configurations, every
 * control caught; and the closed forms the checks rest on against routes of
 * their own: G^∞ = ½Q(cos θ) and Definition 1's 2×2 Gaussian expectation by
 * quadrature of the Gaussian integral in polar coordinates, never through Q. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "data/synthetic.h"
#include "deq/paper_model.h"
#include "kernel/paper_kernel.h"
#include "run/run.h"
#include "testutil.h"
#include "theorems/gram_eigen_internal.h"
#include "theorems/theorem.h"
#include "theorems/well_posedness_internal.h"

/* MPFR precision of the tiny runs (their kernels run at twice it) */
#define PREC 128

static thm_results_t res;

static void setup(void)
{
    thm_results_init(res);
}

static void teardown(void)
{
    thm_results_clear(res);
}

TestSuite(paperchecks, .init = setup, .fini = teardown);

#define expect_verdict(r, v)                                                                       \
    cr_expect_eq((r)->verdict, (v), "%s: %s, expected %s (%s)", (r)->id,                           \
                 thm_verdict_name((r)->verdict), thm_verdict_name(v), (r)->note)

/* ---- verdicts of the row functions ---- */

Test(paperchecks, lemma22_norm_verdicts)
{
    thm_row *r = thm_results_add(res, t1_check(T1_GAO_L22_NORM));
    t1p_fill_lemma22_norm(r, 1.1, 1.1, 1.1, 0.19, 0.2, 1.9); /* rhs ∈ [1/0.81, 1/0.8] */
    expect_verdict(r, THM_HOLDS);
    r = thm_results_add(res, t1_check(T1_GAO_L22_NORM));
    t1p_fill_lemma22_norm(r, 2.0, 1.99, 2.01, 0.19, 0.2, 1.9);
    expect_verdict(r, THM_VIOLATED);
    r = thm_results_add(res, t1_check(T1_GAO_L22_NORM));
    t1p_fill_lemma22_norm(r, 1.1, 1.1, 1.1, 0.9, 1.2, 1.9); /* γ0 < 1 not proved */
    expect_verdict(r, THM_NA);
    r = thm_results_add(res, t1_check(T1_GAO_L22_NORM));
    t1p_fill_lemma22_norm(r, 1.1, 1.1, 1.1, 0.19, 0.2, 0.9); /* c < 1: γ ≠ min{γ0, γ0/c} */
    expect_verdict(r, THM_NA);
    r = thm_results_add(res, t1_check(T1_GAO_L22_NORM));
    t1p_fill_lemma22_norm(r, 1.24, 1.2, 1.3, 0.19, 0.2, 1.9); /* overlaps [1.2346, 1.25] */
    expect_verdict(r, THM_INCONCLUSIVE);
}

Test(paperchecks, lemma22_rate_verdicts)
{
    thm_row *r = thm_results_add(res, t1_check(T1_GAO_L22_RATE));
    t1p_fill_lemma22_rate(r, 0.4, 0.39, 0.41, 0.2, 1.9, 12);
    expect_verdict(r, THM_HOLDS);
    r = thm_results_add(res, t1_check(T1_GAO_L22_RATE));
    t1p_fill_lemma22_rate(r, 3.0, 2.0, 4.0, 0.2, 1.9, 12);
    expect_verdict(r, THM_VIOLATED);
    r = thm_results_add(res, t1_check(T1_GAO_L22_RATE));
    t1p_fill_lemma22_rate(r, 0.4, 0.39, 0.41, 1.01, 1.9, 12);
    expect_verdict(r, THM_NA);
    r = thm_results_add(res, t1_check(T1_GAO_L22_RATE));
    t1p_fill_lemma22_rate(r, 0.4, 0.39, 0.41, 0.2, 1.9, 0);
    expect_verdict(r, THM_ERROR);
}

Test(paperchecks, lemma23_verdicts)
{
    thm_row *r = thm_results_add(res, t1_check(T1_GAO_L23));
    t1p_fill_lemma23(r, 0.19, 0.2, 0.87, 0.869, 0.871, 1.9); /* 1 − γ0 ∈ [0.8, 0.81] */
    expect_verdict(r, THM_HOLDS);
    r = thm_results_add(res, t1_check(T1_GAO_L23));
    t1p_fill_lemma23(r, 0.19, 0.2, 0.5, 0.49, 0.51, 1.9);
    expect_verdict(r, THM_VIOLATED);
    r = thm_results_add(res, t1_check(T1_GAO_L23));
    t1p_fill_lemma23(r, 0.19, 1.5, 0.87, 0.869, 0.871, 1.9);
    expect_verdict(r, THM_NA);
    r = thm_results_add(res, t1_check(T1_GAO_L23));
    t1p_fill_lemma23(r, 0.19, 0.2, 0.805, 0.79, 0.82, 1.9);
    expect_verdict(r, THM_INCONCLUSIVE);
}

Test(paperchecks, ling_lemma1_reports_a_clopper_pearson_interval)
{
    thm_row *r = thm_results_add(res, t1_check(T1_LING_L1));
    t1p_fill_ling_lemma1(r, 100, 15, 17, 0.05);
    expect_verdict(r, THM_REPORTED);
    /* the exact two-sided interval for 17/100 at 95% contains 0.17 and is
     * about [0.10, 0.26] */
    cr_expect(r->lhs_lo < 0.15 && r->lhs_lo > 0.05 && r->lhs_hi > 0.2 && r->lhs_hi < 0.3,
              "[%g, %g]", r->lhs_lo, r->lhs_hi);
}

Test(paperchecks, positive_and_theorem3_and_lemma33_and_theorem2_verdicts)
{
    thm_row *r = thm_results_add(res, t2p_check(T2P_GAO_LAMBDA0));
    thm_row_hypothesis(r, "unit", 0, "<=", 1e-15);
    t2p_fill_positive(r, 0.1, 0.09, 0.11, 1e-10);
    expect_verdict(r, THM_HOLDS);
    r = thm_results_add_control(res, t2p_check(T2P_LING_LAMBDA_STAR));
    r->expect_withheld = 1;
    t2p_fill_positive(r, 0.0, -1e-20, 1e-15, 1e-20);
    expect_verdict(r, THM_WITHHELD);
    r = thm_results_add(res, t2p_check(T2P_GAO_LAMBDA0));
    thm_row_hypothesis(r, "min angle", 0, ">", 1e-8); /* a parallel pair */
    t2p_fill_positive(r, 0.0, -1e-20, 1e-15, 1e-20);
    expect_verdict(r, THM_NA);

    r = thm_results_add(res, t2p_check(T2P_LING_THEOREM3));
    thm_row_hypothesis(r, "sigma_w^2", 0.08, "<", 0.125);
    t2p_fill_theorem3(r, 1e-16, 1e-15);
    expect_verdict(r, THM_HOLDS);
    r = thm_results_add(res, t2p_check(T2P_LING_THEOREM3));
    thm_row_hypothesis(r, "sigma_w^2", 0.08, "<", 0.125);
    t2p_fill_theorem3(r, 0.08, 1e-15);
    expect_verdict(r, THM_VIOLATED);
    r = thm_results_add(res, t2p_check(T2P_LING_THEOREM3));
    thm_row_hypothesis(r, "sigma_w^2", 0.2, "<", 0.125);
    t2p_fill_theorem3(r, 1e-16, 1e-15);
    expect_verdict(r, THM_NA);

    r = thm_results_add(res, t2p_check(T2P_GAO_LEMMA33));
    t2p_fill_lemma33(r, 0, 0.01, 0.009, 0.011, 0.2, 0.19, 0.21, 1e6, 1e5);
    expect_verdict(r, THM_HOLDS);
    r = thm_results_add(res, t2p_check(T2P_GAO_LEMMA33));
    t2p_fill_lemma33(r, 0, 0.1, 0.09, 0.11, 0.2, 0.19, 0.21, 1e6, 1e5);
    expect_verdict(r, THM_VIOLATED);
    r = thm_results_add(res, t2p_check(T2P_GAO_LEMMA33));
    t2p_fill_lemma33(r, 0, 0.1, 0.09, 0.11, 0.2, 0.19, 0.21, 1e4, 1e5); /* below the derived width */
    expect_verdict(r, THM_NA);
    cr_expect_eq(r->observed, THM_OBS_FAILS);
    r = thm_results_add(res, t2p_check(T2P_GAO_LEMMA33));
    t2p_fill_lemma33(r, 1, 0.18, 0.179, 0.181, 0.2, 0.19, 0.21, 1e6, 1e5); /* 3/4·λ0 <= 0.1575 */
    expect_verdict(r, THM_HOLDS);
    r = thm_results_add(res, t2p_check(T2P_GAO_LEMMA33));
    t2p_fill_lemma33(r, 1, 0.05, 0.049, 0.051, 0.2, 0.19, 0.21, 1e6, 1e5);
    expect_verdict(r, THM_VIOLATED);

    /* Theorem 2's Ω constant is not given: below the width at constant 1 a
     * row is N/A whatever it observes; at or above it, asserted; its control
     * ignores the width and is caught */
    r = thm_results_add(res, t2p_check(T2P_LING_THEOREM2));
    t2p_fill_theorem2(r, 100, 0.2, 0.19, 0.21, 15, 14.9, 15.1, 0.8, 200);
    expect_verdict(r, THM_NA);
    cr_expect_eq(r->observed, THM_OBS_HOLDS);
    r = thm_results_add(res, t2p_check(T2P_LING_THEOREM2));
    t2p_fill_theorem2(r, 100, 0.2, 0.19, 0.21, 15, 14.9, 15.1, 0.8, 100);
    expect_verdict(r, THM_HOLDS);
    r = thm_results_add(res, t2p_check(T2P_LING_THEOREM2)); /* 100·0.19/2 = 9.5 > 9.4 */
    t2p_fill_theorem2(r, 100, 0.2, 0.19, 0.21, 9.3, 9.2, 9.4, 0.8, 100);
    expect_verdict(r, THM_VIOLATED);
    r = thm_results_add(res, t2p_check(T2P_LING_THEOREM2)); /* ‖W‖₂ < 1 not certified */
    t2p_fill_theorem2(r, 100, 0.2, 0.19, 0.21, 15, 14.9, 15.1, 1.01, 100);
    expect_verdict(r, THM_NA);
    /* the control's λ' = 4·λ_min(ZᵀZ)⁺/m: m·λ'/2 = 2 × 15.1 */
    r = thm_results_add_control(res, t2p_check(T2P_LING_THEOREM2));
    t2p_fill_theorem2(r, 100, 0.604, 0.604, 0.604, 15, 14.9, 15.1, 0.8, 1e9);
    expect_verdict(r, THM_VIOLATED);
}

/* Lemma 3.3's derived width on orthonormal inputs x_i = e_i, by hand: u, v
 * independent standard Gaussians off the diagonal, so G^∞_ij = (E σ(u))² =
 * 1/(2π), E[σ²σ²] = (E σ(u)²)² = 1/4; on it G^∞_ii = E σ(u)² = 1/2, E σ(u)⁴ =
 * 3/2. ΣV = n(3/2 − 1/4) + n(n − 1)(1/4 − 1/(4π²)); G^∞ = (1/2 − 1/(2π))I +
 * 11ᵀ/(2π), λ0 = 1/2 − 1/(2π); width 16ΣV/(δλ0²). The run asks it at
 * δ/seeds. */
Test(paperchecks, lemma33_derived_width_on_orthonormal_inputs)
{
    long n = 5, d = 7;
    mat_d_t X, G;
    mat_init_d(X, d, n, 53), mat_init_d(G, n, n, 53);
    mat_zero_d(X);
    for (long i = 0; i < n; i++)
        X->e[i + i * d] = 1.0;
    for (long j = 0; j < n; j++)
        for (long i = 0; i < n; i++)
            G->e[i + j * n] = i == j ? 0.5 : 0.5 / M_PI;
    double l0 = 0.5 - 0.5 / M_PI, delta = 0.05 / 3;
    double sv = (double)n * 1.25 + (double)(n * (n - 1)) * (0.25 - 0.25 / (M_PI * M_PI));
    double want = 16 * sv / (delta * l0 * l0);
    double got = t2p_lemma33_derived_width(X, G, l0, delta);
    cr_expect(fabs(got - want) <= 1e-12 * want, "%.17g vs %.17g", got, want);
    mat_clear_d(X), mat_clear_d(G);
}

/* ---- the parts on tiny configurations ---- */

static void tiny_config(thm_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->profile = "test";
    cfg->scale = THM_SCALE_QUICK;
    cfg->widths[0] = 16, cfg->widths[1] = 48, cfg->n_widths = 2;
    cfg->d = 4, cfg->n = 6, cfg->seeds = 2;
    cfg->mpfr_max_m = 48; /* Lemma 2.3 and ling2022 Lemma 1 run up to it */
    cfg->prec = PREC;
    cfg->seed = test_seed();
    cfg->sub = -1;
}

/* Every row judged without ERROR; non-report rows with hypotheses; each
 * id's controls caught; returns the number of HOLDS rows of id. */
static int check_rows(const thm_results_t out, const char *id)
{
    int holds = 0, controls = 0;
    for (long i = 0; i < out->len; i++) {
        const thm_row *r = &out->rows[i];
        if (strcmp(r->id, id) != 0)
            continue;
        cr_expect(r->verdict != THM_UNSET && r->verdict != THM_ERROR, "%s %s: %s (%s)" TSEED_FMT, r->id,
                  r->data, thm_verdict_name(r->verdict), r->note, TSEED);
        cr_expect(r->is_control || thm_check_find(id)->kind == THM_REPORT || r->n_hyp > 0,
                  "%s without hypotheses", id);
        if (r->is_control) {
            controls++;
            cr_expect(thm_control_caught(r), "%s control: %s (%s)" TSEED_FMT, id,
                      thm_verdict_name(r->verdict), r->note, TSEED);
        } else {
            holds += r->verdict == THM_HOLDS;
        }
    }
    cr_expect(controls > 0 || thm_check_find(id)->kind == THM_REPORT, "%s has no control", id);
    return holds;
}

Test(paperchecks, gao2021_lemmas_hold_on_the_paper_model, .timeout = 120)
{
    thm_config cfg;
    tiny_config(&cfg);
    t1p_run_gao2021(res, &cfg);
    /* γ = 0.1 (derived), ‖A‖ ≈ 2√m: γ0 ≈ 0.2 < 1, so the lemmas apply and hold */
    cr_expect_eq(check_rows(res, "T1.gao2021_lemma2.2"), 4);
    cr_expect_eq(check_rows(res, "T1.gao2021_lemma2.2_rate"), 4);
    cr_expect_eq(check_rows(res, "T1.gao2021_lemma2.3"), 8);
    /* Lemma 2.3's control is singular by construction ((I − Lγ̃DA)e_k = 0):
     * σ_min's certified upper end is at rounding level, not merely below 1 − γ0 */
    for (long i = 0; i < res->len; i++)
        if (strcmp(res->rows[i].id, "T1.gao2021_lemma2.3") == 0 && res->rows[i].is_control)
            cr_expect(res->rows[i].rhs_hi < 1e-4, "sigma_min <= %g", res->rows[i].rhs_hi);
    /* z¹ = ReLU(φ) = φ (φ >= 0): the norm ratio is at least 1, exactly at p = 1 */
    for (long i = 0; i < res->len; i++)
        if (strcmp(res->rows[i].id, "T1.gao2021_lemma2.2") == 0 && !res->rows[i].is_control)
            cr_expect(res->rows[i].lhs_hi >= 1.0 && res->rows[i].lhs_lo >= 1.0 - 1e-12, "[%g, %g]",
                      res->rows[i].lhs_lo, res->rows[i].lhs_hi);
}

Test(paperchecks, ling2022_lemma1_is_reported, .timeout = 120)
{
    thm_config cfg;
    tiny_config(&cfg);
    t1p_run_ling2022(res, &cfg);
    check_rows(res, "T1.ling2022_lemma1");
    cr_expect_eq(res->len, 2);
}

Test(paperchecks, kernels_positive_definite_and_theorem3, .timeout = 120)
{
    thm_config cfg;
    tiny_config(&cfg);
    t2p_run_lambda0(res, &cfg);
    t2p_run_lambda_star(res, &cfg);
    t2p_run_theorem3(res, &cfg);
    cr_expect_eq(check_rows(res, "T2.gao2021_lambda0"), 1);
    cr_expect_eq(check_rows(res, "T2.ling2022_lambda_star"), 1);
    cr_expect_eq(check_rows(res, "T2.ling2022_theorem3"), 2);
}

Test(paperchecks, lemma33_ladder_and_theorem2, .timeout = 300)
{
    thm_config cfg;
    tiny_config(&cfg);
    t2p_run_lemma33(res, &cfg);
    /* the ladder ends at a width above the derived one where the conclusion held */
    cr_expect_geq(check_rows(res, "T2.gao2021_lemma3.3"), 2);
    check_rows(res, "T2.gao2021_lemma3.3_width");
    /* the derived width is asked at δ/seeds: the note prints both */
    for (long i = 0; i < res->len; i++)
        if (strcmp(res->rows[i].id, "T2.gao2021_lemma3.3") == 0 && !res->rows[i].is_control)
            cr_expect(strstr(res->rows[i].note, "delta/seeds = 0.025") != NULL, "%s", res->rows[i].note);
    long first = res->len;
    t2p_run_theorem2(res, &cfg);
    check_rows(res, "T2.ling2022_theorem2");
    check_rows(res, "T2.ling2022_theorem2_width");
    /* the ladder goes past the run's widths, to m near 10³ here; the memory
     * estimate covers its widest rung: at least three m×m double matrices
     * (W as drawn, in the network, the norm bound's workspace; a run at
     * m = 2048 peaked near 3.6 of them) */
    for (long i = first; i < res->len; i++) {
        const thm_row *r = &res->rows[i];
        if (strcmp(r->id, "T2.ling2022_theorem2") != 0)
            continue;
        double m = (double)r->width;
        cr_expect_leq(r->width, thm_max_square_width(&cfg));
        cr_expect(run_memory_estimate(&cfg) >= 3 * 8.0 * m * m, "estimate %g bytes, theorem 2 at m = %g",
                  run_memory_estimate(&cfg), m);
    }
    /* the control's lhs m·λ'/2 is twice the measured upper end, by construction */
    for (long i = first; i < res->len; i++) {
        const thm_row *r = &res->rows[i];
        if (r->is_control)
            cr_expect(r->lhs_lo >= 2 * r->rhs_hi * (1 - 1e-15) && r->lhs_lo <= 2 * r->rhs_hi, "%g vs %g",
                      r->lhs_lo, r->rhs_hi);
    }
}

/* ---- closed forms by an independent route ---- */

/* E[σ(u)σ(v)] for a standard Gaussian pair of correlation cos θ, by writing
 * (u, v) = (w·x, w·y) with w ~ N(0, I₂), x = (1, 0), y = (cos θ, sin θ): in
 * polar coordinates the radial integral ∫r³e^{−r²/2}dr/(2π) = 1/π and the
 * angular one is ∫ cos φ cos(φ − θ) over the arc where both are positive,
 * [θ − π/2, π/2], done by composite Simpson with N panels: the integrand
 * ½(cos θ + cos(2φ − θ)) has |f⁗| <= 8, so the error is at most
 * π·h⁴·8/180 with h = π/N. */
static double relu_pair_quadrature(double theta, long N, double *err)
{
    double a = theta - M_PI / 2, b = M_PI / 2, h = (b - a) / (double)N, s = 0;
    for (long k = 0; k <= N; k++) {
        double phi = a + h * (double)k;
        double f = cos(phi) * cos(phi - theta);
        s += (k == 0 || k == N ? 1 : k % 2 ? 4 : 2) * f;
    }
    *err = (M_PI * pow(h, 4) * 8 / 180 + 1e-15) / M_PI;
    return s * h / 3 / M_PI;
}

Test(paperchecks, ginf_is_half_Q_by_quadrature)
{
    for (int k = 0; k <= 12; k++) {
        double theta = M_PI * k / 12.0;
        mat_d_t X, G;
        mat_init_d(X, 2, 2, 53), mat_init_d(G, 2, 2, 53);
        X->e[0] = 1, X->e[1] = 0, X->e[2] = cos(theta), X->e[3] = sin(theta);
        kernel_gao2021_ginf(G, X);
        double err, ref = relu_pair_quadrature(theta, 2000, &err);
        cr_expect(fabs(G->e[2] - ref) <= err + 4e-16, "theta %g: G^inf %.17g, quadrature %.17g (err %.2g)",
                  theta, G->e[2], ref, err);
        cr_expect_eq(G->e[0], 0.5); /* G^∞_ii = 1/2 */
        mat_clear_d(X), mat_clear_d(G);
    }
}

/* ling2022 Definition 1 with its 2×2 expectation done by the quadrature
 * above (2E[ϕ(u)ϕ(v)] = 2√(pr)·E at correlation q/√(pr), ReLU being positively
 * homogeneous), 80 levels (σ_w^{160} far below double), against the closed
 * form of Theorem 3 (kernel_ling2022_K_closed, through Q). */
Test(paperchecks, ling_recursion_by_quadrature_meets_the_closed_form)
{
    long d = 5, n = 4;
    deq_rng_t rng;
    deq_rng_init(rng, test_seed());
    mat_d_t X, Kc;
    mat_init_d(X, d, n, 53), mat_init_d(Kc, n, n, 53);
    test_fill_gaussian(X, rng);
    for (long j = 0; j < n; j++) { /* ‖x_j‖ = √d */
        double s = 0;
        for (long i = 0; i < d; i++)
            s += X->e[i + j * d] * X->e[i + j * d];
        for (long i = 0; i < d; i++)
            X->e[i + j * d] *= sqrt((double)d / s);
    }
    double sw = 0.08;
    kernel_ling2022_K_closed(Kc, X, sw);
    double K[16] = {0}, Kn[16], P[16], qerr_max = 0;
    for (long j = 0; j < n; j++)
        for (long i = 0; i < n; i++) {
            double s = 0;
            for (long k = 0; k < d; k++)
                s += X->e[k + i * d] * X->e[k + j * d];
            P[i + j * n] = s / (double)d;
        }
    for (int l = 0; l < 80; l++) {
        for (long j = 0; j < n; j++)
            for (long i = 0; i < n; i++) {
                double p = sw * K[i + i * n] + P[i + i * n], r = sw * K[j + j * n] + P[j + j * n];
                double q = sw * K[i + j * n] + P[i + j * n], sc = sqrt(p * r);
                double c = fmax(-1.0, fmin(1.0, q / sc)), err;
                Kn[i + j * n] = 2 * sc * relu_pair_quadrature(acos(c), 4000, &err);
                qerr_max = fmax(qerr_max, 2 * sc * err);
            }
        memcpy(K, Kn, sizeof K);
    }
    /* each level's quadrature error is damped by σ_w² at the next: the total
     * is below qerr/(1 − σ_w²) (the map is σ_w²-Lipschitz per level on these
     * entries, ling2022 C.2), plus double's rounding of the 80 levels */
    double tol = qerr_max / (1 - sw) + 1e-13;
    for (long k = 0; k < n * n; k++)
        cr_expect(fabs(K[k] - Kc->e[k]) <= tol, "entry %ld: recursion %.17g, closed form %.17g (tol %.2g)" TSEED_FMT,
                  k, K[k], Kc->e[k], tol, TSEED);
    for (long i = 0; i < n; i++) /* K_ii = 1/(1 − σ_w²) */
        cr_expect(fabs(Kc->e[i + i * n] - 1 / (1 - sw)) <= 4e-16 && fabs(K[i + i * n] - 1 / (1 - sw)) <= tol);
    mat_clear_d(X), mat_clear_d(Kc);
    deq_rng_clear(rng);
}

/* ---- ling2022 Theorems 4 and 5 ---- */

/* 2√2σ_w = √(8·0.08) = 0.8 exactly in the reals: the bound n·0.8^l by hand. */
Test(paperchecks, theorem5_and_theorem4_verdicts)
{
    double s_lo = 0.08 * (1 - 1e-16), s_hi = 0.08 * (1 + 1e-16);
    thm_row *r = thm_results_add(res, t2p_check(T2P_LING_THEOREM5));
    t2p_fill_theorem5(r, 1.0, 0.99, 1.01, 6, 2, s_lo, s_hi, 1000, 5); /* rhs 6·0.64 = 3.84 */
    expect_verdict(r, THM_HOLDS);
    cr_expect(fabs(r->rhs_lo - 3.84) <= 1e-14 && fabs(r->rhs_hi - 3.84) <= 1e-14 && r->rhs_lo <= r->rhs_hi,
              "[%.17g, %.17g]", r->rhs_lo, r->rhs_hi);
    r = thm_results_add(res, t2p_check(T2P_LING_THEOREM5));
    t2p_fill_theorem5(r, 4.0, 3.9, 4.1, 6, 2, s_lo, s_hi, 1000, 5);
    expect_verdict(r, THM_VIOLATED);
    r = thm_results_add(res, t2p_check(T2P_LING_THEOREM5));
    t2p_fill_theorem5(r, 3.84, 3.8, 3.9, 6, 2, s_lo, s_hi, 1000, 5);
    expect_verdict(r, THM_INCONCLUSIVE);
    /* m(8σ_w²)^l = 10·0.64² = 4.096 < 5: the probability bound is trivial */
    r = thm_results_add(res, t2p_check(T2P_LING_THEOREM5));
    t2p_fill_theorem5(r, 4.0, 3.9, 4.1, 6, 2, s_lo, s_hi, 10, 5);
    expect_verdict(r, THM_NA);
    cr_expect_eq(r->observed, THM_OBS_FAILS);
    r = thm_results_add(res, t2p_check(T2P_LING_THEOREM5)); /* σ_w² >= 1/8 */
    t2p_fill_theorem5(r, 1.0, 0.99, 1.01, 6, 2, 0.13, 0.13, 1000, 5);
    expect_verdict(r, THM_NA);

    /* Theorem 4 at Lemma 1's constant q = 2√2σ_w = 0.8: C·q^l/(1 − q) = C·0.64/0.2
     * = 3.2 at l = 2, C = 1, whatever the measured ‖W‖₂ bound (0.5 here: the
     * measured-ρ bound would be 0.25/0.5 = 0.5) */
    double q_lo = sqrt(8 * s_lo) * (1 - 1e-15), q_hi = sqrt(8 * s_hi) * (1 + 1e-15);
    r = thm_results_add(res, t2p_check(T2P_LING_THEOREM4));
    t2p_fill_theorem4(r, 3.0, 2.9, 3.1, 1.0, 1.0, q_lo, q_hi, 0.5, 2);
    expect_verdict(r, THM_HOLDS);
    cr_expect(fabs(r->rhs_hi - 3.2) <= 1e-13 && fabs(r->rhs_lo - 3.2) <= 1e-13 && r->rhs_lo <= 3.2 &&
                  r->rhs_hi >= 3.2,
              "[%.17g, %.17g]", r->rhs_lo, r->rhs_hi);
    r = thm_results_add(res, t2p_check(T2P_LING_THEOREM4));
    t2p_fill_theorem4(r, 3.5, 3.4, 3.6, 1.0, 1.0, q_lo, q_hi, 0.5, 2);
    expect_verdict(r, THM_VIOLATED);
    /* outside Lemma 1's event (‖W‖₂ bound 0.81 > 0.8): N/A, what it saw kept */
    r = thm_results_add(res, t2p_check(T2P_LING_THEOREM4));
    t2p_fill_theorem4(r, 3.0, 2.9, 3.1, 1.0, 1.0, q_lo, q_hi, 0.81, 2);
    expect_verdict(r, THM_NA);
    cr_expect_eq(r->observed, THM_OBS_HOLDS);
    r = thm_results_add(res, t2p_check(T2P_LING_THEOREM4)); /* σ_w² = 0.13: q > 1 */
    t2p_fill_theorem4(r, 0.3, 0.29, 0.31, 1.0, 1.0, sqrt(8 * 0.13), sqrt(8 * 0.13), 0.5, 3);
    expect_verdict(r, THM_NA);
    /* the control's q': C·q'^l/(1 − q') = lhs_lo/2, solved here by hand for
     * l = 1: q'/(1 − q') = t ⇔ q' = t/(1 + t), t = 0.19/2 */
    double qc = t2p_theorem4_control_q(0.19, 1.0, 1), t = 0.095;
    cr_expect(fabs(qc - t / (1 + t)) <= 1e-15 && qc <= t / (1 + t), "q' %.17g", qc);
    r = thm_results_add_control(res, t2p_check(T2P_LING_THEOREM4));
    t2p_fill_theorem4(r, 0.2, 0.19, 0.21, 1.0, 1.0, qc, qc, 0.9, 1);
    expect_verdict(r, THM_VIOLATED);
    cr_expect(r->rhs_hi <= 0.19 / THM_CONTROL_MISS * (1 + 1e-15), "%.17g", r->rhs_hi);
}

/* Theorem 4 is judged per seed (each has its own C). At q = 0.8, l = 2 the
 * bound is C·3.2. Seed 0 has the widest enclosure, [2.0, 3.3] with C = 1:
 * the nearest its bound by upper end over C, but undecided. Seed 1, [3.24,
 * 3.26] with C = 1, is past it. The row must show seed 1 and say VIOLATED,
 * where the nearest seed alone would leave it INCONCLUSIVE. Outside Lemma 1's
 * event (‖W‖₂ bound 0.81 > q) a seed is not assessed; when all seeds hold, the
 * nearest is shown. */
static void depth_draw_at(t2p_depth_draw *d, double rho, long l, double v, double lo, double hi, double c)
{
    memset(d, 0, sizeof *d);
    d->L = l, d->rho = rho;
    d->t4[0][l] = v, d->t4[1][l] = lo, d->t4[2][l] = hi;
    d->c4[0][l] = c, d->c4[1][l] = c;
}

Test(paperchecks, theorem4_is_judged_per_seed)
{
    double s_lo = 0.08 * (1 - 1e-16), s_hi = 0.08 * (1 + 1e-16);
    double q_lo = sqrt(8 * s_lo) * (1 - 1e-15), q_hi = sqrt(8 * s_hi) * (1 + 1e-15);
    static t2p_depth_draw dd[3];
    depth_draw_at(dd + 0, 0.5, 2, 3.0, 2.0, 3.3, 1.0);
    depth_draw_at(dd + 1, 0.5, 2, 3.25, 3.24, 3.26, 1.0);
    int b = t2p_theorem4_decisive_seed(dd, 2, 2, q_lo, q_hi, 2);
    cr_assert_eq(b, 1, "seed %d shown", b);
    thm_row *r = thm_results_add(res, t2p_check(T2P_LING_THEOREM4));
    t2p_fill_theorem4(r, dd[b].t4[0][2], dd[b].t4[1][2], dd[b].t4[2][2], dd[b].c4[0][2], dd[b].c4[1][2], q_lo,
                      q_hi, 0.5, 2);
    expect_verdict(r, THM_VIOLATED);
    /* seed 0 alone: undecided, as the rule before this one reported both */
    r = thm_results_add(res, t2p_check(T2P_LING_THEOREM4));
    t2p_fill_theorem4(r, 3.0, 2.0, 3.3, 1.0, 1.0, q_lo, q_hi, 0.5, 2);
    expect_verdict(r, THM_INCONCLUSIVE);
    /* seed 1 outside Lemma 1's event: not assessed, seed 0 is shown */
    dd[1].rho = 0.81;
    cr_expect_eq(t2p_theorem4_decisive_seed(dd, 2, 1, q_lo, q_hi, 2), 0);
    /* all hold: the nearest (largest upper end over C's lower end) */
    depth_draw_at(dd + 0, 0.5, 2, 1.0, 0.9, 1.1, 1.0);
    depth_draw_at(dd + 1, 0.5, 2, 2.0, 1.9, 2.1, 0.8);
    depth_draw_at(dd + 2, 0.5, 2, 2.4, 2.3, 2.5, 1.0);
    cr_expect_eq(t2p_theorem4_decisive_seed(dd, 3, 3, q_lo, q_hi, 2), 1, "2.1/0.8 is the nearest");
    cr_expect_eq(t2p_theorem4_decisive_seed(dd, 0, 0, q_lo, q_hi, 2), -1);
    /* a seed that cannot be judged (NaN) decides over holding seeds, wherever it is */
    depth_draw_at(dd + 1, 0.5, 2, NAN, NAN, NAN, 0.0);
    cr_expect_eq(t2p_theorem4_decisive_seed(dd, 3, 3, q_lo, q_hi, 2), 1, "a NaN seed after the first");
    depth_draw_at(dd + 0, 0.5, 2, NAN, NAN, NAN, 1.0);
    depth_draw_at(dd + 1, 0.5, 2, 2.0, 1.9, 2.1, 0.8);
    cr_expect_eq(t2p_theorem4_decisive_seed(dd, 3, 3, q_lo, q_hi, 2), 0, "a NaN seed first");
    /* an undecided seed (upper end 3.3 above its bound 3.2, lower end below it) over
     * holding ones; a violated one over both */
    depth_draw_at(dd + 0, 0.5, 2, 3.0, 2.0, 3.3, 1.0);
    cr_expect_eq(t2p_theorem4_decisive_seed(dd, 3, 3, q_lo, q_hi, 2), 0);
    depth_draw_at(dd + 2, 0.5, 2, 3.25, 3.24, 3.26, 1.0);
    cr_expect_eq(t2p_theorem4_decisive_seed(dd, 3, 3, q_lo, q_hi, 2), 2);
}

/* The max over seeds is enclosed by [max lo, max hi], not by the interval of
 * the seed with the largest computed value: seed A computes 3.7 in [3.6, 3.8],
 * seed B 3.65 in [3.3, 3.9], so the max lies in [3.6, 3.9] and against
 * Theorem 5's n·0.8² = 3.84 (n = 6) the row cannot be decided (B may exceed
 * it), where A's interval alone would say HOLDS. The min likewise. */
Test(paperchecks, max_over_seeds_encloses_every_seed)
{
    t2p_extreme e = t2p_extreme_start(1);
    t2p_extreme_add(&e, 3.7, 3.6, 3.8);
    t2p_extreme_add(&e, 3.65, 3.3, 3.9);
    cr_expect(e.v == 3.7 && e.lo == 3.6 && e.hi == 3.9, "%g [%g, %g]", e.v, e.lo, e.hi);
    double s_lo = 0.08 * (1 - 1e-16), s_hi = 0.08 * (1 + 1e-16);
    thm_row *r = thm_results_add(res, t2p_check(T2P_LING_THEOREM5));
    t2p_fill_theorem5(r, e.v, e.lo, e.hi, 6, 2, s_lo, s_hi, 1000, 5);
    expect_verdict(r, THM_INCONCLUSIVE);
    e = t2p_extreme_start(0);
    t2p_extreme_add(&e, 0.2, 0.15, 0.25);
    t2p_extreme_add(&e, 0.22, 0.1, 0.3);
    cr_expect(e.v == 0.2 && e.lo == 0.1 && e.hi == 0.25, "%g [%g, %g]", e.v, e.lo, e.hi);
}

/* The ling2022 network of seed as the run draws it (Assumption 1), rebuilt
 * here from deq_paper_draw, and its iterates and equilibrium computed in long
 * double straight from the equations: b_i = U x_i, z^(l) = ϕ(W z^(l−1) + b),
 * z* as z^(3000) (‖W‖₂ < 0.9 here: 0.9^3000 is far below long double's
 * rounding). Z[l] (m×n, l = 0..L) and Zs receive them. */
static void ling_iterates_ld(long double **Z, long double *Zs, const mat_d_t X, long m, long L, unsigned long seed)
{
    long d = X->rows, n = X->cols;
    mat_d_t T[DEQ_PAPER_SLOTS];
    deq_paper_tensors_init(T, DEQ_PAPER_LING2022, m, d);
    deq_rng_t rng;
    deq_rng_init(rng, seed);
    deq_paper_draw(T, DEQ_PAPER_LING2022,
                   strtod(deq_paper_const_value(deq_paper_spec_find("ling2022"), "sigma_w2"), NULL), rng);
    deq_rng_clear(rng);
    const double *W = T[DEQ_PAPER_T]->e, *U = T[DEQ_PAPER_IN]->e;
    long double *b = malloc((size_t)(m * n) * sizeof(long double)), *cur = calloc((size_t)(m * n), sizeof(long double)),
                *nxt = malloc((size_t)(m * n) * sizeof(long double));
    for (long j = 0; j < n; j++)
        for (long i = 0; i < m; i++) {
            long double s = 0;
            for (long k = 0; k < d; k++)
                s += (long double)U[i + k * m] * X->e[k + j * d];
            b[i + j * m] = s;
        }
    for (long k = 0; k < m * n; k++)
        Z[0][k] = 0;
    for (long l = 1; l <= 3000; l++) {
        for (long j = 0; j < n; j++)
            for (long i = 0; i < m; i++) {
                long double s = b[i + j * m];
                for (long k = 0; k < m; k++)
                    s += (long double)W[i + k * m] * cur[k + j * m];
                nxt[i + j * m] = s > 0 ? s : 0;
            }
        long double *t = cur;
        cur = nxt, nxt = t;
        if (l <= L)
            memcpy(Z[l], cur, (size_t)(m * n) * sizeof(long double));
    }
    memcpy(Zs, cur, (size_t)(m * n) * sizeof(long double));
    free(b), free(cur), free(nxt);
    deq_paper_tensors_clear(T);
}

static long double col_norm_ld(const long double *z, long m)
{
    long double s = 0;
    for (long i = 0; i < m; i++)
        s += z[i] * z[i];
    return sqrtl(s);
}

/* K^(l), l = 1..L, by Definition 1 in MPFR (as the run computes it) rounded
 * to double, with a generous entry error. */
static void depth_kernels(mat_d_struct *K, double *kerr, const mat_d_t X, long L)
{
    long n = X->cols;
    mat_mp_t Xm, Km;
    mat_init_mp(Xm, X->rows, n, 256), mat_init_mp(Km, n, n, 256);
    mat_set_mat_d_mp(Xm, X);
    mpfr_t s;
    mpfr_init2(s, 256);
    mpfr_set_str(s, "0.08", 10, MPFR_RNDN);
    for (long l = 1; l <= L; l++) {
        kernel_ling2022_K_recursion_mp(Km, Xm, s, l, 256);
        mat_init_d(K + (l - 1), n, n, 53);
        mat_get_mat_d_mp(K + (l - 1), Km);
        kerr[l - 1] = 1e-15;
    }
    mpfr_clear(s);
    mat_clear_mp(Xm), mat_clear_mp(Km);
}

/* t2p_ling_depth_draw's enclosures against a second route: the iterates and
 * the equilibrium in long double from the equations (no solver, no BLAS),
 * the Gram matrices and norms from them; and the derived Theorem 4
 * inequality, ‖z* − z^(l)‖ <= ρ^l‖z^(1)‖/(1 − ρ), checked column by column on
 * those long-double iterates. */
Test(paperchecks, depth_draw_against_long_double_iterates, .timeout = 120)
{
    long n = 4, d = 8, m = 40, L = 12;
    unsigned long seed = test_seed() ^ 0x4545UL;
    mat_d_t X;
    t2p_paper_inputs(X, d, n, sqrt((double)d), -1, seed + 1);
    mat_d_struct K[12];
    double kerr[12];
    depth_kernels(K, kerr, X, L);
    t2p_depth_draw dd;
    cr_assert(t2p_ling_depth_draw(&dd, X, m, seed, L, K, kerr), "solve failed" TSEED_FMT, TSEED);
    cr_assert(dd.rho < 0.95, "rho %g", dd.rho);
    long double *Z[13], *Zs = malloc((size_t)(m * n) * sizeof(long double));
    for (long l = 0; l <= L; l++)
        Z[l] = malloc((size_t)(m * n) * sizeof(long double));
    ling_iterates_ld(Z, Zs, X, m, L, seed);
    long double Gs[16];
    for (long j = 0; j < n; j++)
        for (long i = 0; i < n; i++) {
            long double s = 0;
            for (long k = 0; k < m; k++)
                s += Zs[k + i * m] * Zs[k + j * m];
            Gs[i + j * n] = s;
        }
    for (long l = 1; l <= L; l++) {
        long double f4 = 0, f5 = 0, c = 0, scale = 0;
        for (long j = 0; j < n; j++)
            for (long i = 0; i < n; i++) {
                long double g = 0;
                for (long k = 0; k < m; k++)
                    g += Z[l][k + i * m] * Z[l][k + j * m];
                long double e4 = (Gs[i + j * n] - g) / m, e5 = g / m - K[l - 1].e[i + j * n];
                f4 += e4 * e4, f5 += e5 * e5;
                long double a = col_norm_ld(Z[1] + i * m, m) * col_norm_ld(Zs + j * m, m) +
                                col_norm_ld(Z[l] + i * m, m) * col_norm_ld(Z[1] + j * m, m);
                c += a * a;
                scale = fmaxl(scale, fabsl(Gs[i + j * n]) / m);
            }
        f4 = sqrtl(f4), f5 = sqrtl(f5), c = sqrtl(c) / m;
        /* long double's own error: well below 1e-15 of the entries' scale */
        long double slack = 1e-15L * (1 + scale) * n;
        cr_expect(dd.t4[1][l] - slack <= f4 && f4 <= dd.t4[2][l] + slack,
                  "l %ld: ||G - G^(l)||/m %.17Lg outside [%.17g, %.17g]" TSEED_FMT, l, f4, dd.t4[1][l], dd.t4[2][l],
                  TSEED);
        cr_expect(dd.t5[1][l] - slack <= f5 && f5 <= dd.t5[2][l] + slack,
                  "l %ld: ||G^(l)/m - K^(l)|| %.17Lg outside [%.17g, %.17g]" TSEED_FMT, l, f5, dd.t5[1][l],
                  dd.t5[2][l], TSEED);
        cr_expect(dd.c4[0][l] - slack <= c && c <= dd.c4[1][l] + slack, "l %ld: C %.17Lg outside [%.17g, %.17g]", l,
                  c, dd.c4[0][l], dd.c4[1][l]);
        /* the enclosures are tight: rounding, not slack */
        cr_expect(dd.t4[2][l] - dd.t4[1][l] <= 1e-9 * (1 + f4) && dd.t5[2][l] - dd.t5[1][l] <= 1e-9 * (1 + f5),
                  "l %ld: widths %g %g", l, dd.t4[2][l] - dd.t4[1][l], dd.t5[2][l] - dd.t5[1][l]);
        /* the derivation on these iterates: per column, then the Gram bound */
        long double tail = powl(dd.rho, l) / (1 - dd.rho);
        for (long i = 0; i < n; i++) {
            long double e = 0;
            for (long k = 0; k < m; k++)
                e += (Zs[k + i * m] - Z[l][k + i * m]) * (Zs[k + i * m] - Z[l][k + i * m]);
            cr_expect(sqrtl(e) <= tail * col_norm_ld(Z[1] + i * m, m), "l %ld col %ld: %Lg > %Lg", l, i, sqrtl(e),
                      tail * col_norm_ld(Z[1] + i * m, m));
        }
        cr_expect(f4 <= tail * c, "l %ld: %Lg > %Lg", l, f4, tail * c);
    }
    for (long l = 0; l <= L; l++)
        free(Z[l]);
    free(Zs);
    for (long l = 0; l < L; l++)
        mat_clear_d(K + l);
    mat_clear_d(X);
}

/* E[σ(a)²σ(b)²] for standard (a, b) of correlation c: Cho and Saul's degree-2
 * arc-cosine kernel J_2(θ)/(2π), J_2 = 3 sin θ cos θ + (π − θ)(1 + 2cos²θ). */
static double relu_sq_pair(double c)
{
    double th = acos(fmax(-1.0, fmin(1.0, c)));
    return (3 * sin(th) * cos(th) + (M_PI - th) * (1 + 2 * cos(th) * cos(th))) / (2 * M_PI);
}

/* At l = 1, G^(1)/m = (1/m)Σ_k ϕ(u_k·x_i)ϕ(u_k·x_j), u_k ~ N(0, 2I/d), is a
 * mean of m i.i.d. terms 2ϕ(a)ϕ(b) ((a, b) standard, correlation c_ij =
 * x_iᵀx_j/d) whose mean is K^(1)_ij = Q(c_ij) (K^(1)_ii = 1): so
 * m·E‖G^(1)/m − K^(1)‖_F² = Σ_ij (4E[ϕ(a)²ϕ(b)²] − Q(c_ij)²), by Cho and
 * Saul's closed form, and the deviation falls like m^(−1/2) (slope of its
 * logarithm on log m). Averaged over seeds, both within statistical
 * tolerances. */
Test(paperchecks, theorem5_at_depth_one_is_monte_carlo, .timeout = 120)
{
    long n = 4, d = 8, L = 1, widths[3] = {32, 128, 512};
    int seeds = 16;
    unsigned long seed = test_seed() ^ 0x5151UL;
    mat_d_t X;
    t2p_paper_inputs(X, d, n, sqrt((double)d), -1, seed + 7);
    mat_d_struct K[1];
    double kerr[1];
    depth_kernels(K, kerr, X, L);
    double sv = 0;
    for (long j = 0; j < n; j++)
        for (long i = 0; i < n; i++) {
            double c = 0;
            for (long k = 0; k < d; k++)
                c += X->e[k + i * d] * X->e[k + j * d];
            c /= (double)d;
            cr_expect(fabs(K[0].e[i + j * n] - kernel_relu_Q(c)) <= 1e-14, "K^(1) %.17g vs Q %.17g",
                      K[0].e[i + j * n], kernel_relu_Q(c));
            sv += 4 * relu_sq_pair(c) - kernel_relu_Q(c) * kernel_relu_Q(c);
        }
    double lx[3], ly[3];
    for (int w = 0; w < 3; w++) {
        double ms = 0;
        for (int s = 0; s < seeds; s++) {
            t2p_depth_draw dd;
            cr_assert(t2p_ling_depth_draw(&dd, X, widths[w], seed + 100 * (unsigned long)w + (unsigned long)s, L, K,
                                          kerr));
            ms += dd.t5[0][1] * dd.t5[0][1];
        }
        ms /= seeds;
        /* m·mean square against ΣV: a mean of 16 squared norms (relative
         * spread well below 1/2 here) */
        double ratio = widths[w] * ms / sv;
        cr_expect(ratio > 0.5 && ratio < 1.6, "m = %ld: m E||.||^2 / sum V = %g" TSEED_FMT, widths[w], ratio, TSEED);
        lx[w] = log((double)widths[w]), ly[w] = 0.5 * log(ms);
    }
    double slope = (ly[2] - ly[0]) / (lx[2] - lx[0]);
    cr_expect(fabs(slope + 0.5) <= 0.15, "slope %g, expected -1/2" TSEED_FMT, slope, TSEED);
    mat_clear_d(K + 0);
    mat_clear_d(X);
}

Test(paperchecks, theorems45_part_with_controls, .timeout = 300)
{
    thm_config cfg;
    tiny_config(&cfg);
    t2p_run_theorems45(res, &cfg);
    cr_expect_gt(check_rows(res, "T2.ling2022_theorem5"), 0);
    cr_expect_gt(check_rows(res, "T2.ling2022_theorem4"), 0);
    check_rows(res, "T2.ling2022_theorem5_depth");
    check_rows(res, "T2.ling2022_theorem4_rate");
    int ctl = 0;
    for (long i = 0; i < res->len; i++) {
        const thm_row *r = &res->rows[i];
        /* the derived form is deterministic: every non-control row holds */
        if (strcmp(r->id, "T2.ling2022_theorem4") == 0 && !r->is_control)
            expect_verdict(r, THM_HOLDS);
        /* the controls are false by construction: the bound is half the lower end */
        if (r->is_control) {
            ctl++;
            cr_expect(r->rhs_hi < r->lhs_lo && r->rhs_hi <= r->lhs_lo / THM_CONTROL_MISS * (1 + 1e-9),
                      "%s: rhs %.17g vs lhs_lo %.17g", r->id, r->rhs_hi, r->lhs_lo);
        }
    }
    cr_expect_eq(ctl, 2);
}
