/* Tests of the T1 well-posedness checkers (theorems/well_posedness.c): each
 * row function driven by crafted numbers to every verdict it can give, the
 * certified lower bound on ‖A‖₂, and a tiny run of the family whose controls
 * must all be caught. Expected verdicts follow from the rule of theorem.h. */
#include <math.h>
#include <string.h>

#include "num/norm_bound.h"
#include "testutil.h"
#include "theorems/theorem.h"
#include "theorems/well_posedness_internal.h"

static thm_results_t res;

static void setup(void)
{
    thm_results_init(res);
}

static void teardown(void)
{
    thm_results_clear(res);
}

TestSuite(wellposed, .init = setup, .fini = teardown);

static thm_row *row(int which)
{
    return thm_results_add(res, t1_check(which));
}

#define expect_verdict(r, v)                                                                       \
    cr_expect_eq((r)->verdict, (v), "%s: %s, expected %s (%s)", (r)->id,                           \
                 thm_verdict_name((r)->verdict), thm_verdict_name(v), (r)->note)

/* ---- T1.contraction ---- */

Test(wellposed, contraction_every_verdict)
{
    const deq_preset *ling = deq_preset_find("ling2022"), *gao = deq_preset_find("gao2021");
    double g = 0.4472135954999579;
    thm_row *r = row(T1_CONTRACTION);
    t1_fill_contraction(r, ling, g, 1.9, 1.0, 0.85, 0.84, 1, DEQ_CONVERGED);
    expect_verdict(r, THM_HOLDS);
    cr_expect_eq(r->n_hyp, 1);
    /* in ling2022's γ range, but the certified lower bound on ρ is above 1 */
    r = row(T1_CONTRACTION);
    t1_fill_contraction(r, ling, g, 2.5, 1.0, 1.12, 1.11, 0, DEQ_DIVERGED);
    expect_verdict(r, THM_VIOLATED);
    /* ρ̄ above 1 but the lower end below: undecided */
    r = row(T1_CONTRACTION);
    t1_fill_contraction(r, ling, g, 2.3, 1.0, 1.02, 0.98, 0, DEQ_CONVERGED);
    expect_verdict(r, THM_INCONCLUSIVE);
    /* ρ̄ = 1 exactly is not a certificate (strict inequality) */
    r = row(T1_CONTRACTION);
    t1_fill_contraction(r, ling, g, 2.2, 1.0, 1.0, 0.99, 0, DEQ_CONVERGED);
    expect_verdict(r, THM_INCONCLUSIVE);
    /* gao2021 with c = 2: γ = 0.2 > 1/(4c) = 0.125, outside the paper's range */
    r = row(T1_CONTRACTION);
    t1_fill_contraction(r, gao, 0.2, 2.0, 1.0, 0.4, 0.39, 1, DEQ_CONVERGED);
    expect_verdict(r, THM_NA);
    cr_expect_eq(r->observed, THM_OBS_HOLDS);
    /* inside it: γ = 0.1 <= 0.125 */
    r = row(T1_CONTRACTION);
    t1_fill_contraction(r, gao, 0.1, 2.0, 1.0, 0.2, 0.19, 1, DEQ_CONVERGED);
    expect_verdict(r, THM_HOLDS);
    /* certified but the solver did not converge: a failed computation */
    r = row(T1_CONTRACTION);
    t1_fill_contraction(r, ling, g, 1.9, 1.0, 0.85, 0.84, 1, DEQ_MAX_ITER);
    expect_verdict(r, THM_ERROR);
    r = row(T1_CONTRACTION);
    t1_fill_contraction(r, ling, g, 1.9, 1.0, NAN, 0.84, 0, DEQ_NONFINITE);
    expect_verdict(r, THM_ERROR);
    /* a control (γ = 2) is caught through its certified lower bound */
    r = thm_results_add_control(res, t1_check(T1_CONTRACTION));
    t1_fill_contraction(r, ling, 2.0, 1.9, 1.0, 3.8, 3.7, 0, DEQ_DIVERGED);
    expect_verdict(r, THM_VIOLATED);
    cr_expect(thm_control_caught(r));
}

/* ---- T1.picard_rate ---- */

Test(wellposed, picard_rate_every_verdict)
{
    enum { K = 12 };
    double s[K], e[K];
    for (int k = 0; k < K; k++)
        s[k] = pow(0.5, k), e[k] = 1e-16;
    thm_row *r = row(T1_PICARD_RATE);
    t1_fill_picard_rate(r, s, e, K, 0.6, 1, 1e-15);
    expect_verdict(r, THM_HOLDS);
    cr_expect(r->lhs_lo <= r->lhs && r->lhs <= r->lhs_hi);
    cr_expect_eq(r->rhs, 2e-16);
    /* one step grew beyond ρ̄ s_k + 2e */
    s[5] = 0.9 * s[4];
    r = row(T1_PICARD_RATE);
    t1_fill_picard_rate(r, s, e, K, 0.6, 1, 1e-15);
    expect_verdict(r, THM_VIOLATED);
    /* the same trace against a rate shrunk below the observed one (the control) */
    s[5] = pow(0.5, 5);
    r = thm_results_add_control(res, t1_check(T1_PICARD_RATE));
    t1_fill_picard_rate(r, s, e, K, 0.25, 1, 1e-15);
    expect_verdict(r, THM_VIOLATED);
    /* at the rounding floor an excess within the slack is undecided */
    double sf[3] = {1e-16, 1.9e-16, 1e-16}, ef[3] = {1e-16, 1e-16, 1e-16};
    r = row(T1_PICARD_RATE);
    t1_fill_picard_rate(r, sf, ef, 3, 0.0, 1, 0.1);
    expect_verdict(r, THM_INCONCLUSIVE);
    /* no certificate: the rate is not asserted */
    r = row(T1_PICARD_RATE);
    double en[K];
    for (int k = 0; k < K; k++)
        en[k] = NAN;
    t1_fill_picard_rate(r, s, en, K, 1.3, 0, 1e-15);
    expect_verdict(r, THM_NA);
    s[3] = NAN;
    r = row(T1_PICARD_RATE);
    t1_fill_picard_rate(r, s, e, K, 0.5, 1, 1e-15);
    expect_verdict(r, THM_ERROR);
    r = row(T1_PICARD_RATE);
    t1_fill_picard_rate(r, s, e, 1, 0.5, 1, 1e-15);
    expect_verdict(r, THM_ERROR);
}

/* ---- T1.error_bound ---- */

Test(wellposed, error_bound_every_verdict)
{
    thm_row *r = row(T1_ERROR_BOUND);
    t1_fill_error_bound(r, 1e-16, 1e-14, 1e-14, 1e-70, 1);
    expect_verdict(r, THM_HOLDS);
    r = row(T1_ERROR_BOUND);
    t1_fill_error_bound(r, 3e-14, 1e-14, 1e-14, 1e-70, 1);
    expect_verdict(r, THM_VIOLATED);
    /* a distance equal to the bound within its own rounding */
    r = row(T1_ERROR_BOUND);
    t1_fill_error_bound(r, 1e-14, 1e-3, 1e-14, 0, 1);
    expect_verdict(r, THM_INCONCLUSIVE);
    r = row(T1_ERROR_BOUND);
    t1_fill_error_bound(r, 1e-16, 1e-14, NAN, NAN, 0);
    expect_verdict(r, THM_NA);
    r = row(T1_ERROR_BOUND);
    t1_fill_error_bound(r, NAN, 1e-14, 1e-14, 1e-70, 1);
    expect_verdict(r, THM_ERROR);
}

/* ---- T1.init_norm ---- */

Test(wellposed, init_norm_every_verdict)
{
    double d = T1_INIT_NORM_DELTA;
    thm_row *r = row(T1_INIT_NORM);
    t1_fill_init_norm(r, 52, 0, 0, 2.0, d);
    expect_verdict(r, THM_HOLDS);
    cr_expect_eq(r->error_kind, THM_ESTIMATED);
    cr_expect_eq(r->trivial, 1.0);
    /* Clopper–Pearson with no exceedance: hi = 1 − (δ/2)^{1/S} */
    cr_expect(fabs(r->lhs_hi - (1 - pow(d / 2, 1.0 / 52))) < 1e-9, "hi %.17g", r->lhs_hi);
    cr_expect(r->rhs_lo <= exp(-2.0) && exp(-2.0) <= r->rhs_hi);
    r = row(T1_INIT_NORM);
    t1_fill_init_norm(r, 52, 52, 52, 1.0, d);
    expect_verdict(r, THM_VIOLATED);
    r = row(T1_INIT_NORM);
    t1_fill_init_norm(r, 52, 5, 5, 2.0, d);
    expect_verdict(r, THM_INCONCLUSIVE);
    /* t = 0: the bound is 1, a probability's trivial bound */
    r = row(T1_INIT_NORM);
    t1_fill_init_norm(r, 52, 0, 0, 0.0, d);
    expect_verdict(r, THM_VACUOUS);
    /* undecided draws widen the interval: certain 0, possible 52 */
    r = row(T1_INIT_NORM);
    t1_fill_init_norm(r, 52, 0, 52, 1.0, d);
    expect_verdict(r, THM_INCONCLUSIVE);
    r = row(T1_INIT_NORM);
    t1_fill_init_norm(r, 0, 0, 0, 1.0, d);
    expect_verdict(r, THM_ERROR);
}

/* ---- T1.linear_softmax ---- */

Test(wellposed, linear_softmax_every_verdict)
{
    thm_row *r = row(T1_LINEAR_SOFTMAX);
    t1_fill_linear_softmax(r, 2e-16, 1e-31, 1.7e-15, 0, 0.5);
    expect_verdict(r, THM_HOLDS);
    r = row(T1_LINEAR_SOFTMAX);
    t1_fill_linear_softmax(r, 1e-11, 1e-31, 1.7e-15, 0, 0.5);
    expect_verdict(r, THM_VIOLATED);
    r = row(T1_LINEAR_SOFTMAX);
    t1_fill_linear_softmax(r, 1.6e-15, 1e-15, 1.7e-15, 0, 0.5);
    expect_verdict(r, THM_INCONCLUSIVE);
    r = row(T1_LINEAR_SOFTMAX);
    t1_fill_linear_softmax(r, 2e-16, 1e-31, 1.7e-15, 0, 1.5);
    expect_verdict(r, THM_NA);
    r = row(T1_LINEAR_SOFTMAX);
    t1_fill_linear_softmax(r, 2e-16, 1e-31, 1.7e-15, 3, 0.5);
    expect_verdict(r, THM_ERROR);
}

/* ---- the family on a tiny configuration ---- */

Test(wellposed, tiny_run_catches_every_control, .timeout = 120)
{
    const thm_family *fam = thm_family_find("well-posedness");
    cr_assert_not_null(fam);
    thm_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.profile = "quick";
    cfg.widths[0] = 16, cfg.widths[1] = 24, cfg.n_widths = 2;
    cfg.d = 3, cfg.n = 4, cfg.seeds = 1;
    cfg.mpfr_max_m = 16, cfg.prec = 96, cfg.seed = test_seed(), cfg.sub = -1;
    /* γ = 0.2: ρ ≈ 0.4 whatever the draw (ling2022's ρ ≈ 0.9 can exceed 1 at
     * these widths: its Lemma 1 holds with probability 1 − exp(−Ω(m))) */
    cfg.presets[cfg.n_presets++] = deq_preset_find("gao2021");
    cfg.presets[cfg.n_presets++] = deq_preset_find("gaogao2022");
    long nc = thm_cases_enumerate(NULL, 0, &fam, 1, &cfg);
    thm_case cases[16];
    cr_assert(nc <= 16);
    thm_cases_enumerate(cases, nc, &fam, 1, &cfg);
    for (long k = 0; k < nc; k++)
        thm_case_run(res, &cases[k], &cfg);
    enum { MAX_CHECKS = 32 };
    cr_assert(fam->n_checks <= MAX_CHECKS, "%d checks", fam->n_checks);
    int controls[MAX_CHECKS] = {0}, rows[MAX_CHECKS] = {0};
    for (long k = 0; k < res->len; k++) {
        const thm_row *r = &res->rows[k];
        cr_expect_neq(r->verdict, THM_UNSET, "%s unjudged", r->id);
        cr_expect_neq(r->verdict, THM_ERROR, "%s %s: ERROR (%s)" TSEED_FMT, r->id, r->backend,
                      r->note, TSEED);
        int q = -1;
        for (int c = 0; c < fam->n_checks; c++)
            if (strcmp(fam->checks[c].id, r->id) == 0)
                q = c;
        cr_assert(q >= 0, "unknown id %s", r->id);
        if (r->is_control) {
            controls[q]++;
            cr_expect(thm_control_caught(r), "control of %s %s not caught: %s (%s)" TSEED_FMT,
                      r->id, r->backend, thm_verdict_name(r->verdict), r->note, TSEED);
        } else {
            rows[q]++;
            /* only gao2021's contraction rows may be outside the paper's γ range */
            if (r->verdict == THM_NA)
                cr_expect(strcmp(r->id, "T1.contraction") == 0 && strcmp(r->preset, "gao2021") == 0,
                          "%s %s %s: N/A", r->id, r->preset, r->backend);
        }
        if (fam->checks[q].kind != THM_REPORT && !r->is_control)
            cr_expect(r->verdict == THM_HOLDS || r->verdict == THM_NA,
                      "%s %s %s: %s (%s)" TSEED_FMT, r->id, r->preset, r->backend,
                      thm_verdict_name(r->verdict), r->note, TSEED);
    }
    for (int c = 0; c < fam->n_checks; c++) {
        cr_expect(rows[c] > 0, "no row of %s", fam->checks[c].id);
        if (fam->checks[c].kind != THM_REPORT)
            cr_expect(controls[c] > 0, "no control of %s", fam->checks[c].id);
    }
}
