/* The T3 family's checkers (theorems/linear_convergence.c) driven to each
 * verdict they can give, through crafted run statistics (the row builders the
 * real rows and the controls share) and through small real runs whose
 * controls must be caught. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "theorems/linear_convergence_internal.h"
#include "testutil.h"

/* A context whose every gao2021 Lemma 3.6 hypothesis holds with the stats of
 * good_stats: γ = 0.1 <= min(1/2, 1/(4c)) = 0.125 at c = 2. */
static t3_ctx good_ctx(void)
{
    t3_ctx cx;
    memset(&cx, 0, sizeof cx);
    cx.pre = deq_preset_find("gao2021");
    cx.n = 8, cx.d = 4, cx.gamma = 0.1, cx.lsig = 1;
    cx.lam0 = 0.2, cx.lam0_lo = 0.19, cx.lam0_hi = 0.21, cx.lam0_certified = 1;
    cx.lmax = 2, cx.lmax_lo = 1.9, cx.lmax_hi = 2.1;
    cx.eta = 0.5, cx.q = 1 - cx.eta * cx.lam0 / 2, cx.ynorm = 1;
    return cx;
}

static t3_run_stats good_stats(void)
{
    t3_run_stats st;
    memset(&st, 0, sizeof st);
    st.ok = 1, st.m = 64, st.steps = 10, st.seed = 1;
    st.loss0 = 1, st.lossK = 0.3;
    st.rho0 = 0.3, st.rho_max = 0.31, st.rho_max_est = 0.3099, st.growth = 0.01, st.c = 2;
    st.lam_min0 = 0.2, st.lam_min = 0.15, st.lam_min_err = 1e-12, st.lam_max = 1.5;
    st.fac = 0.9, st.fac_err = 1e-12, st.fac_at = 1;
    st.dist = 0.5, st.dist_err = 1e-12;
    st.rel[0] = 0.01, st.rel[1] = st.rel[2] = NAN;
    st.norm0_min = 64;
    return st;
}

static thm_verdict last_verdict(thm_results_t out)
{
    cr_assert(out->len > 0);
    return out->rows[out->len - 1].verdict;
}

#define EXPECT_VERDICT(out, want, what)                                                            \
    cr_expect_eq(last_verdict(out), want, "%s: %s, expected %s (%s)", what,                        \
                 thm_verdict_name(last_verdict(out)), thm_verdict_name(want),                      \
                 out->rows[out->len - 1].note)

#define EXPECT_CAUGHT(out, what)                                                                   \
    cr_expect(thm_control_caught(&out->rows[out->len - 1]), "%s control not caught: %s (%s)", what, \
              thm_verdict_name(last_verdict(out)), out->rows[out->len - 1].note)

Test(convergence, rate_row_reaches_every_verdict)
{
    thm_results_t out;
    thm_results_init(out);
    t3_ctx cx = good_ctx();
    t3_run_stats st = good_stats();
    t3_rate_row(out, 0, &cx, &st, "crafted");
    EXPECT_VERDICT(out, THM_HOLDS, "factor 0.9 <= q 0.95");
    st.fac = 0.97;
    t3_rate_row(out, 0, &cx, &st, "crafted");
    EXPECT_VERDICT(out, THM_VIOLATED, "factor 0.97 > q 0.95, hypotheses met, any width");
    st.m = 8; /* no 'largest width' logic: a small width is VIOLATED too */
    t3_rate_row(out, 0, &cx, &st, "crafted");
    EXPECT_VERDICT(out, THM_VIOLATED, "small width");
    st.c = 3; /* 1/(4c) = 0.083 < γ = 0.1 */
    t3_rate_row(out, 0, &cx, &st, "crafted");
    EXPECT_VERDICT(out, THM_NA, "gamma above 1/(4c)");
    cr_expect_eq(out->rows[out->len - 1].observed, THM_OBS_FAILS);
    st = good_stats();
    st.lam_max = 3; /* η λ_max(G) = 1.5 > 1 */
    t3_rate_row(out, 0, &cx, &st, "crafted");
    EXPECT_VERDICT(out, THM_NA, "step above 1/lambda_max(G)");
    st = good_stats();
    t3_ctx z = cx;
    z.lam0 = 0, z.lam0_lo = -0.01, z.lam0_hi = 0.01; /* predicted factor 1 */
    t3_rate_row(out, 0, &z, &st, "crafted");
    EXPECT_VERDICT(out, THM_VACUOUS, "rate factor 1");
    st.ok = 0;
    snprintf(st.why, sizeof st.why, "non-finite");
    t3_rate_row(out, 0, &cx, &st, "crafted");
    EXPECT_VERDICT(out, THM_ERROR, "a failed run");
    t3_rate_row(out, 1, &cx, &st, "crafted");
    EXPECT_VERDICT(out, THM_ERROR, "a control whose run failed");
    cr_expect(!thm_control_caught(&out->rows[out->len - 1]), "a failed control counted as caught");
    st = good_stats();
    t3_rate_row(out, 1, &cx, &st, "crafted"); /* q with λ_max: 1 − 0.5·2/2 = 0.5 < 0.9 */
    EXPECT_CAUGHT(out, "rate");
    thm_results_clear(out);
}

Test(convergence, lazy_t1_t2_rows_reach_their_verdicts)
{
    thm_results_t out;
    thm_results_init(out);
    t3_ctx cx = good_ctx();
    t3_run_stats st = good_stats();
    /* R = √8·√2/0.2 = 20 */
    t3_lazy_row(out, 0, &cx, &st, 1.0);
    EXPECT_VERDICT(out, THM_HOLDS, "distance 0.5 <= R 20 < ||theta(0)|| 64");
    st.norm0_min = 10;
    t3_lazy_row(out, 0, &cx, &st, 1.0);
    EXPECT_VERDICT(out, THM_VACUOUS, "R 20 >= ||theta(0)|| 10");
    st = good_stats();
    st.dist = 30;
    t3_lazy_row(out, 0, &cx, &st, 1.0);
    EXPECT_VERDICT(out, THM_VIOLATED, "distance 30 > R 20");
    st = good_stats();
    t3_lazy_row(out, 1, &cx, &st, 1.0 / 64);
    EXPECT_CAUGHT(out, "lazy");

    st = good_stats();
    t3_t1_row(out, 0, &cx, &st, 1.0);
    EXPECT_VERDICT(out, THM_HOLDS, "rho_bar 0.31 < 1");
    st.rho_max = 1.2, st.rho_max_est = 1.19;
    t3_t1_row(out, 0, &cx, &st, 1.0);
    EXPECT_VERDICT(out, THM_VIOLATED, "rho_bar 1.19 > 1");
    st.c = 3;
    t3_t1_row(out, 0, &cx, &st, 1.0);
    EXPECT_VERDICT(out, THM_NA, "gamma above 1/(4c)");
    st = good_stats();
    t3_t1_row(out, 1, &cx, &st, 0.5 * st.rho_max_est);
    EXPECT_CAUGHT(out, "T1");

    st = good_stats();
    t3_t2_row(out, 0, &cx, &st);
    EXPECT_VERDICT(out, THM_HOLDS, "lambda_0/2 = 0.1 <= 0.15");
    st.lam_min = 0.05;
    t3_t2_row(out, 0, &cx, &st);
    EXPECT_VERDICT(out, THM_VIOLATED, "0.1 > 0.05");
    st.lam_min0 = 0.1; /* λ_min(G(0)) < (3/4)λ₀ */
    t3_t2_row(out, 0, &cx, &st);
    EXPECT_VERDICT(out, THM_NA, "lambda_min(G(0)) below 3/4 lambda_0");
    st = good_stats();
    t3_t2_row(out, 1, &cx, &st);
    EXPECT_CAUGHT(out, "T2");
    thm_results_clear(out);
}

/* A real GD run: T3.pl_step HOLDS and its control (λ_max for λ_min) is caught. */
Test(convergence, pl_step_holds_and_its_control_is_caught)
{
    thm_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.profile = "test";
    cfg.widths[0] = 16, cfg.n_widths = 1;
    cfg.n = 6, cfg.d = 4, cfg.seeds = 1, cfg.prec = 128, cfg.seed = test_seed();
    /* γ = 0.1 meets gao2021's γ <= min(1/2, 1/(4c)) for c up to 2.5 */
    deq_preset pre = *deq_preset_find("gao2021");
    pre.gamma = "0.1";
    thm_results_t out;
    thm_results_init(out);
    t3_rate_preset(out, &cfg, &pre, 0);
    int pl = 0, controls = 0;
    for (long i = 0; i < out->len; i++) {
        thm_row *r = &out->rows[i];
        cr_expect(r->verdict != THM_ERROR && r->verdict != THM_UNSET, "%s %s: %s (%s)" TSEED_FMT,
                  r->id, r->data, thm_verdict_name(r->verdict), r->note, TSEED);
        if (r->is_control) {
            controls++;
            cr_expect(thm_control_caught(r), "control %s (%s) not caught: %s (%s)" TSEED_FMT, r->id,
                      r->data, thm_verdict_name(r->verdict), r->note, TSEED);
        } else if (strcmp(r->id, "T3.pl_step") == 0) {
            pl++;
            cr_expect_eq(r->verdict, THM_HOLDS, "pl_step %s: lhs %g rhs %g" TSEED_FMT,
                         thm_verdict_name(r->verdict), r->lhs, r->rhs, TSEED);
        } else if (strcmp(r->id, "T3.rate") == 0) {
            cr_expect(r->n_hyp == 5, "rate row lists %d hypotheses", r->n_hyp);
        }
    }
    cr_expect_eq(pl, 1);
    cr_expect_eq(controls, 5, "controls: pl, lazy, T1, T2, rate; got %d", controls);
    thm_results_clear(out);
}

/* T3.gradient through the family's part at a low precision (cheap): the
 * adjoint agrees with the differences within e_g(p), the double gradient
 * within e_g(53), and the perturbed-entry control is VIOLATED. */
Test(convergence, gradient_rows_hold_and_the_perturbed_gradient_is_caught, .timeout = 120)
{
    thm_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.profile = "test";
    cfg.widths[0] = 16, cfg.n_widths = 1;
    cfg.n = 6, cfg.d = 4, cfg.seeds = 1, cfg.prec = 96, cfg.seed = test_seed();
    const thm_family *fam = thm_family_find("linear-convergence");
    cr_assert(fam);
    thm_case c = {fam, 0, -1, "linear-convergence/gradient"};
    cr_assert_str_eq(fam->parts[0].name, "gradient");
    thm_results_t out;
    thm_results_init(out);
    thm_case_run(out, &c, &cfg);
    int rows = 0, caught = 0;
    for (long i = 0; i < out->len; i++) {
        thm_row *r = &out->rows[i];
        if (r->is_control)
            caught += thm_control_caught(r);
        else {
            rows++;
            cr_expect_eq(r->verdict, THM_HOLDS, "%s %s: %s lhs %g [%g, %g] rhs %g (%s)" TSEED_FMT,
                         r->data, r->backend, thm_verdict_name(r->verdict), r->lhs, r->lhs_lo,
                         r->lhs_hi, r->rhs, r->note, TSEED);
        }
    }
    cr_expect_eq(rows, 4);
    cr_expect_eq(caught, 1);
    thm_results_clear(out);
}

/* The whole family on a tiny configuration: no ERROR, every control caught,
 * and every check of kind exact or asymptotic has a control. */
Test(convergence, family_has_a_caught_control_for_every_check, .timeout = 120)
{
    thm_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.profile = "test";
    cfg.widths[0] = 16, cfg.widths[1] = 24, cfg.n_widths = 2;
    cfg.n = 8, cfg.d = 4, cfg.seeds = 1, cfg.prec = 96, cfg.mpfr_max_m = 16;
    cfg.seed = test_seed(), cfg.sub = -1;
    const thm_family *fam = thm_family_find("linear-convergence");
    const thm_family *fams[1] = {fam};
    thm_case cases[16];
    long nc = thm_cases_enumerate(cases, 16, fams, 1, &cfg);
    thm_results_t out;
    thm_results_init(out);
    for (long k = 0; k < nc; k++)
        thm_case_run(out, &cases[k], &cfg);
    for (int c = 0; c < fam->n_checks; c++) {
        int found = 0;
        for (long i = 0; i < out->len; i++) {
            thm_row *r = &out->rows[i];
            if (strcmp(r->id, fam->checks[c].id) != 0)
                continue;
            cr_expect(r->verdict != THM_ERROR && r->verdict != THM_UNSET, "%s %s: %s (%s)" TSEED_FMT,
                      r->id, r->data, thm_verdict_name(r->verdict), r->note, TSEED);
            if (r->is_control) {
                found++;
                cr_expect(thm_control_caught(r), "%s control (%s): %s (%s)" TSEED_FMT, r->id,
                          r->data, thm_verdict_name(r->verdict), r->note, TSEED);
            }
        }
        if (fam->checks[c].kind != THM_REPORT)
            cr_expect(found > 0, "%s has no control row", fam->checks[c].id);
    }
    thm_results_clear(out);
}
