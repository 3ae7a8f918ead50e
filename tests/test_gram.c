/* Tests of the T2 checker (theorems/gram_eigen.c): each check driven to each
 * verdict it can give, through the same row computations as the run, on
 * crafted inputs (non-unit or parallel inputs, an injected indefinite matrix,
 * injected Hermite terms, injected fit points); the controls caught; the
 * Rayleigh bound against Jacobi at twice the precision. No check of T2 has a
 * trivial bound, so none can be VACUOUS. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "data/synthetic.h"
#include "num/eig_bound.h"
#include "num/symeig.h"
#include "theorems/gram_eigen_internal.h"
#include "theorems/theorem.h"
#include "testutil.h"

#define PREC 128

static void sphere(mat_d_t X, long d, long n, unsigned long seed)
{
    deq_rng_t rng;
    deq_rng_init(rng, seed);
    mat_init_d(X, d, n, 53);
    data_sphere_points(X, rng);
    deq_rng_clear(rng);
}

static const deq_preset *preset(const char *name)
{
    const deq_preset *p = deq_preset_find(name);
    cr_assert(p != NULL, "no preset %s", name);
    return p;
}

static int count(const thm_results_t res, const char *id, int control, thm_verdict v)
{
    int k = 0;
    for (long i = 0; i < res->len; i++)
        k += strcmp(res->rows[i].id, id) == 0 && res->rows[i].is_control == control &&
             res->rows[i].verdict == v;
    return k;
}

/* λ_min ≤ the Rayleigh bound, and the bound is tight to the rounding level. */
Test(gram, rayleigh_bound_is_above_lambda_min_and_tight)
{
    deq_rng_t rng;
    deq_rng_init(rng, test_seed());
    for (long n = 2; n <= 12; n += 5) {
        mat_d_t B;
        mat_init_d(B, n, n, 53);
        test_fill_gaussian(B, rng);
        mat_mp_t H, ev;
        mat_init_mp(H, n, n, 2 * PREC), mat_init_mp(ev, n, 1, 2 * PREC);
        for (long j = 0; j < n; j++)
            for (long i = 0; i < n; i++) /* B + Bᵀ: symmetric, indefinite */
                mpfr_set_d(H->e + i + j * n, B->e[i + j * n] + B->e[j + i * n], MPFR_RNDN);
        num_symeig_info_t si;
        num_symeig_jacobi_mp(ev, NULL, si, H, 2 * PREC);
        cr_assert(si->converged);
        double lmin = mpfr_get_d(ev->e, MPFR_RNDD), up = t2_lambda_min_upper(H);
        cr_expect(up >= lmin, "n=%ld: bound %.17g below lambda_min %.17g" TSEED_FMT, n, up, lmin,
                  TSEED);
        cr_expect(up - lmin <= 1e3 * (double)n * 0x1p-53 * (fabs(lmin) + 1),
                  "n=%ld: bound %.17g far above %.17g" TSEED_FMT, n, up, lmin, TSEED);
        mat_clear_d(B), mat_clear_mp(H), mat_clear_mp(ev);
    }
    deq_rng_clear(rng);
}

/* HOLDS on unit-norm inputs, N/A when the inputs are not unit norm, the
 * control (x_2 = x_1) WITHHELD and caught, ERROR when the kernel fails. */
Test(gram, population_pd_verdicts)
{
    const deq_preset *pre = preset("gao2021");
    mat_d_t X;
    thm_results_t res;
    thm_results_init(res);

    sphere(X, 3, 4, 11);
    t2_population_case(res, pre, X, PREC, 0, 11, "sphere");
    cr_expect_eq(count(res, "T2.population_pd", 0, THM_HOLDS), 2);
    for (long i = 0; i < res->len; i++) {
        cr_expect(res->rows[i].rhs_lo > 0 && res->rows[i].n_hyp == 2);
        cr_expect(res->rows[i].error_kind == THM_ESTIMATED);
    }

    for (long k = 0; k < 3 * 4; k++)
        X->e[k] *= 2;
    t2_population_case(res, pre, X, PREC, 0, 11, "sphere, scaled 2");
    cr_expect_eq(count(res, "T2.population_pd", 0, THM_NA), 2);

    for (long k = 0; k < 3 * 4; k++)
        X->e[k] /= 2;
    for (long i = 0; i < 3; i++)
        X->e[i + 3] = X->e[i];
    t2_population_case(res, pre, X, PREC, 1, 11, "sphere, x_2 = x_1");
    cr_expect_eq(count(res, "T2.population_pd", 1, THM_WITHHELD), 2);
    for (long i = 0; i < res->len; i++)
        if (res->rows[i].is_control)
            cr_expect(thm_control_caught(&res->rows[i]) && res->rows[i].rhs_lo <= 0);

    X->e[0] = NAN;
    t2_population_case(res, pre, X, PREC, 0, 11, "NaN input");
    cr_expect_eq(count(res, "T2.population_pd", 0, THM_ERROR), 2);
    mat_clear_d(X);
    thm_results_clear(res);
}

/* A computed "H^∞" with a negative eigenvalue: VIOLATED; an error estimate
 * covering it: INCONCLUSIVE. */
Test(gram, population_pd_violated_on_an_indefinite_matrix)
{
    mat_mp_t H;
    mat_init_mp(H, 2, 2, PREC);
    mpfr_set_si(H->e + 0, -1, MPFR_RNDN);
    mpfr_set_si(H->e + 3, 2, MPFR_RNDN);
    mpfr_set_d(H->e + 1, 0.25, MPFR_RNDN);
    mpfr_set_d(H->e + 2, 0.25, MPFR_RNDN);
    num_eig_bounds_t eb;
    num_eig_bounds_mp(eb, H, 64, PREC);
    thm_results_t res;
    thm_results_init(res);
    for (int k = 0; k < 2; k++) {
        thm_row *r = thm_results_add(res, &t2_checks[T2_POP_PD]);
        t2_population_sides(r, H, eb, k ? 2.0 : 0.0);
        thm_row_judge(r);
        cr_expect_eq(r->verdict, k ? THM_INCONCLUSIVE : THM_VIOLATED, "eps %d: %s", k,
                     thm_verdict_name(r->verdict));
        cr_expect(r->rhs_lo <= r->rhs && r->rhs <= r->rhs_hi);
    }
    thm_results_clear(res);
    mat_clear_mp(H);
}

/* HOLDS for relu and tanh at every truncation, the diagonal control
 * VIOLATED, N/A on non-unit inputs, ERROR on a NaN input. */
Test(gram, hermite_lb_verdicts)
{
    mat_d_t X;
    sphere(X, 3, 5, 12);
    thm_results_t res;
    thm_results_init(res);
    t2_hermite_case(res, DEQ_ACT_RELU, "gao2021", X, 8, PREC, 12);
    t2_hermite_case(res, DEQ_ACT_TANH, "truong2023", X, 4, PREC, 12);
    /* rows at R = 1, 4, 8 for relu and R = 1, 4 for tanh, a control each */
    cr_expect_eq(count(res, "T2.hermite_lb", 0, THM_HOLDS), 5);
    cr_expect_eq(count(res, "T2.hermite_lb", 1, THM_VIOLATED), 2);
    for (long i = 0; i < res->len; i++) {
        const thm_row *r = &res->rows[i];
        cr_expect(r->lhs_lo <= r->lhs && r->lhs <= r->lhs_hi && r->rhs_lo <= r->rhs_hi);
        if (r->is_control)
            cr_expect(thm_control_caught(r));
    }
    thm_results_clear(res);

    for (long k = 0; k < 3 * 5; k++)
        X->e[k] *= 0.5;
    t2_hermite_case(res, DEQ_ACT_RELU, "gao2021", X, 4, PREC, 12);
    cr_expect_eq(count(res, "T2.hermite_lb", 0, THM_NA), 2);
    thm_results_clear(res);

    X->e[4] = NAN;
    t2_hermite_case(res, DEQ_ACT_RELU, "gao2021", X, 4, PREC, 12);
    cr_expect_eq(count(res, "T2.hermite_lb", 0, THM_ERROR), 2);
    mat_clear_d(X);
    thm_results_clear(res);
}

/* Injected terms, λ_min(C^{⊙r}) = 1, λ_min(K) = 0.5, a_r² = 0.1, 0.2, 0.3:
 * R = 1 sums to 0.3 (HOLDS), with an error bar of 0.25 on a_1² to [0.05,
 * 0.55] (INCONCLUSIVE), R = 2 to 0.6 (VIOLATED). */
Test(gram, hermite_lb_violated_by_injected_terms)
{
    t2_hermite_terms t;
    memset(&t, 0, sizeof t);
    t.R = 2;
    t.k = t.k_lo = t.k_hi = 0.5;
    for (long r = 0; r <= 2; r++) {
        t.lam[r] = t.lam_lo[r] = t.lam_hi[r] = 1;
        t.a2[r] = 0.1 * (double)(r + 1);
    }
    const long R[3] = {1, 1, 2};
    const double err[3] = {0, 0.25, 0};
    const thm_verdict want[3] = {THM_HOLDS, THM_INCONCLUSIVE, THM_VIOLATED};
    thm_results_t res;
    thm_results_init(res);
    for (int c = 0; c < 3; c++) {
        t.a2_err[1] = err[c];
        thm_row *r = thm_results_add(res, &t2_checks[T2_HERMITE_LB]);
        t2_hermite_sides(r, &t, R[c], 0);
        thm_row_judge(r);
        cr_expect_eq(r->verdict, want[c], "case %d: %s", c, thm_verdict_name(r->verdict));
    }
    thm_results_clear(res);
}

/* The slope row: HOLDS for a decay faster than m^(-1/2), VIOLATED for a
 * slower one, INCONCLUSIVE at m^(-1/2) with noise, ERROR with too few widths. */
Test(gram, slope_verdicts)
{
    const double slopes[3] = {-0.9, -0.1, -0.5};
    const thm_verdict want[3] = {THM_HOLDS, THM_VIOLATED, THM_INCONCLUSIVE};
    double x[12], y[12];
    thm_results_t res;
    thm_results_init(res);
    for (int c = 0; c < 3; c++) {
        for (int k = 0; k < 12; k++) {
            x[k] = log(32.0 * (1 << (k / 2)));
            /* alternating ±0.05 noise: a nonzero residual, a finite CI */
            y[k] = slopes[c] * x[k] + (k % 2 ? 0.05 : -0.05) * (k % 4 < 2 ? 1 : -1);
        }
        thm_row *r = thm_results_add(res, &t2_checks[T2_CONCENTRATION]);
        t2_slope_sides(r, x, y, 12, -0.5);
        thm_row_judge(r);
        cr_expect_eq(r->verdict, want[c], "slope %g: %s (%s)", slopes[c],
                     thm_verdict_name(r->verdict), r->note);
    }
    thm_row *r = thm_results_add(res, &t2_checks[T2_CONCENTRATION]);
    x[1] = x[0];
    t2_slope_sides(r, x, y, 2, -0.5);
    thm_row_judge(r);
    cr_expect_eq(r->verdict, THM_ERROR);
    thm_results_clear(res);
}

static void tiny_config(thm_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->profile = "test";
    cfg->widths[0] = 16, cfg->widths[1] = 32, cfg->widths[2] = 64, cfg->n_widths = 3;
    cfg->d = 3, cfg->n = 4, cfg->seeds = 2;
    cfg->mpfr_max_m = 16;
    cfg->prec = PREC;
    cfg->seed = 7;
    cfg->presets[0] = preset("gao2021");
    cfg->presets[1] = preset("truong2023");
    cfg->n_presets = 2;
    cfg->sub = -1;
}

/* The whole family on a tiny configuration: every row judged, no ERROR, the
 * per-width concentration rows N/A (hidden width constant) with observed
 * set, and every check of kind exact/asymptotic has a control, caught. */
Test(gram, family_runs_with_every_control_caught, .timeout = 120)
{
    thm_config cfg;
    tiny_config(&cfg);
    const thm_family *fam = thm_family_find("gram-eigen");
    cr_assert(fam != NULL);
    thm_results_t res;
    thm_results_init(res);
    long nc = thm_cases_enumerate(NULL, 0, &fam, 1, &cfg);
    thm_case cases[16];
    cr_assert(nc <= 16);
    thm_cases_enumerate(cases, nc, &fam, 1, &cfg);
    for (long c = 0; c < nc; c++)
        thm_case_run(res, &cases[c], &cfg);
    for (int k = 0; k < fam->n_checks; k++) {
        int controls = 0;
        for (long i = 0; i < res->len; i++)
            if (strcmp(res->rows[i].id, fam->checks[k].id) == 0 && res->rows[i].is_control) {
                controls++;
                cr_expect(thm_control_caught(&res->rows[i]), "%s control: %s (%s)",
                          res->rows[i].id, thm_verdict_name(res->rows[i].verdict),
                          res->rows[i].note);
            }
        cr_expect(controls > 0 || fam->checks[k].kind == THM_REPORT, "%s has no control",
                  fam->checks[k].id);
    }
    int width_rows = 0;
    for (long i = 0; i < res->len; i++) {
        const thm_row *r = &res->rows[i];
        cr_expect(r->verdict != THM_UNSET && r->verdict != THM_ERROR, "%s %s: %s (%s)", r->id,
                  r->data, thm_verdict_name(r->verdict), r->note);
        cr_expect(r->is_control || thm_check_find(r->id)->kind == THM_REPORT || r->n_hyp > 0,
                  "%s without hypotheses", r->id);
        if (strcmp(r->id, "T2.concentration") == 0 && r->width > 0) {
            width_rows++;
            cr_expect_eq(r->verdict, THM_NA);
            cr_expect(r->observed != THM_OBS_NONE);
        }
    }
    cr_expect_eq(width_rows, 3);
    cr_expect(thm_check_find("T2.negative_control") == NULL);
    thm_results_clear(res);
}
