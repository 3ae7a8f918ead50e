/* Tests of the verdict model (theorems/theorem.h): thm_row_judge on every
 * branch of its rule, controls, and a run's totals and broken checkers. The
 * expected verdicts are written from the rule as the README states it, not
 * from the code. */
#include <math.h>
#include <string.h>

#include "report/run.h"
#include "testutil.h"
#include "theorems/theorem.h"

/* Any registered exact check and the report check serve as row templates. */
static const thm_check *exact_check(void)
{
    const thm_check *c = thm_check_find("T1.contraction");
    cr_assert(c && c->kind == THM_EXACT);
    return c;
}

static thm_row row_with(double lhs, double lhs_lo, double lhs_hi, double rhs, double rhs_lo,
                        double rhs_hi)
{
    thm_results_t r;
    thm_results_init(r);
    thm_row row = *thm_results_add(r, exact_check());
    thm_results_clear(r);
    thm_row_lhs(&row, lhs, lhs_lo, lhs_hi);
    thm_row_rhs(&row, rhs, rhs_lo, rhs_hi);
    return row;
}

/* The report's summary and appendix print these for every check: a check
 * without them would read as a bare id. */
Test(verdict, every_check_cites_its_statement_and_says_what_lhs_and_rhs_are)
{
    for (int f = 0; f < thm_registry_count; f++)
        for (int c = 0; c < thm_registry[f]->n_checks; c++) {
            const thm_check *ch = &thm_registry[f]->checks[c];
            cr_expect(ch->cites && ch->cites[0], "%s names no statement", ch->id);
            cr_expect(ch->claim && ch->claim[0], "%s has no claim in words", ch->id);
            cr_expect(ch->sides && strstr(ch->sides, "lhs") && strstr(ch->sides, "rhs"),
                      "%s does not say what lhs and rhs are", ch->id);
            cr_expect(thm_source_find(ch->source) != NULL, "%s cites unknown source %s",
                      ch->id, ch->source);
        }
}

Test(verdict, a_new_row_is_unset_until_judged)
{
    thm_results_t r;
    thm_results_init(r);
    thm_row *row = thm_results_add(r, exact_check());
    cr_expect_eq(row->verdict, THM_UNSET);
    cr_expect_str_eq(thm_verdict_name(row->verdict), "UNSET");
    thm_results_clear(r);
}

Test(verdict, intervals_decide_holds_violated_inconclusive)
{
    thm_row a = row_with(0.5, 0.4, 0.6, 1, 0.9, 1.1); /* 0.6 <= 0.9 */
    thm_row_judge(&a);
    cr_expect_eq(a.verdict, THM_HOLDS);
    cr_expect_eq(a.observed, THM_OBS_HOLDS);
    cr_expect_float_eq(a.margin, 0.5, 1e-15);

    thm_row b = row_with(2, 1.5, 2.5, 1, 0.9, 1.1); /* 1.5 > 1.1 */
    thm_row_judge(&b);
    cr_expect_eq(b.verdict, THM_VIOLATED);

    thm_row c = row_with(0.95, 0.85, 1.05, 1, 0.9, 1.1); /* overlap */
    thm_row_judge(&c);
    cr_expect_eq(c.verdict, THM_INCONCLUSIVE);

    /* equal ends: lhs_hi == rhs_lo holds (<=), lhs_lo == rhs_hi does not violate (>) */
    thm_row d = row_with(1, 1, 1, 1, 1, 1);
    thm_row_judge(&d);
    cr_expect_eq(d.verdict, THM_HOLDS);
}

Test(verdict, nan_anywhere_is_error)
{
    double vals[6] = {0.5, 0.4, 0.6, 1, 0.9, 1.1};
    for (int k = 0; k < 6; k++) {
        double v[6];
        memcpy(v, vals, sizeof v);
        v[k] = NAN;
        thm_row r = row_with(v[0], v[1], v[2], v[3], v[4], v[5]);
        thm_row_judge(&r);
        cr_expect_eq(r.verdict, THM_ERROR, "NaN in slot %d gave %s", k, thm_verdict_name(r.verdict));
    }
    thm_row h = row_with(0.5, 0.4, 0.6, 1, 0.9, 1.1);
    thm_row_hypothesis(&h, "gamma", NAN, "<=", 0.5);
    thm_row_judge(&h);
    cr_expect_eq(h.verdict, THM_ERROR);
}

Test(verdict, a_failed_computation_is_error_whatever_its_numbers)
{
    thm_row r = row_with(0.5, 0.4, 0.6, 1, 0.9, 1.1);
    thm_row_fail(&r, "solver %s", "diverged");
    thm_row_judge(&r);
    cr_expect_eq(r.verdict, THM_ERROR);
    cr_expect_str_eq(r.note, "solver diverged");
}

Test(verdict, an_interval_missing_its_value_is_a_checker_defect)
{
    thm_row r = row_with(0.7, 0.4, 0.6, 1, 0.9, 1.1);
    thm_row_judge(&r);
    cr_expect_eq(r.verdict, THM_ERROR);
    cr_expect(strstr(r.note, "checker defect") != NULL);
}

Test(verdict, unmet_hypothesis_is_na_and_keeps_the_observation)
{
    thm_row r = row_with(2, 1.5, 2.5, 1, 0.9, 1.1);
    thm_row_hypothesis(&r, "width", 64, ">=", 1024);
    thm_row_hypothesis(&r, "gamma", 0.2, "<=", 0.25);
    cr_expect(!r.hyp[0].met && r.hyp[1].met);
    thm_row_judge(&r);
    cr_expect_eq(r.verdict, THM_NA);
    cr_expect_eq(r.observed, THM_OBS_FAILS);

    thm_row s = row_with(0.5, 0.4, 0.6, 1, 0.9, 1.1);
    thm_row_hypothesis_flag(&s, "lambda0 > 0 certified", 0);
    thm_row_judge(&s);
    cr_expect_eq(s.verdict, THM_NA);
    cr_expect_eq(s.observed, THM_OBS_HOLDS);
    cr_expect_str_eq(thm_observed_name(s.observed), "holds");
}

Test(verdict, met_hypotheses_leave_violated_possible)
{
    thm_row r = row_with(2, 1.5, 2.5, 1, 0.9, 1.1);
    thm_row_hypothesis(&r, "width", 4096, ">=", 1024);
    thm_row_judge(&r);
    cr_expect_eq(r.verdict, THM_VIOLATED);
}

Test(verdict, rhs_at_or_beyond_trivial_is_vacuous_not_holds)
{
    thm_row r = row_with(0.1, 0.1, 0.1, 1.003, 1.003, 1.003); /* a probability bound above 1 */
    r.trivial = 1;
    thm_row_judge(&r);
    cr_expect_eq(r.verdict, THM_VACUOUS);
    thm_row e = row_with(0.1, 0.1, 0.1, 1, 1, 1); /* exactly at the trivial bound */
    e.trivial = 1;
    thm_row_judge(&e);
    cr_expect_eq(e.verdict, THM_VACUOUS);
    thm_row t = row_with(0.1, 0.1, 0.1, 0.5, 0.5, 0.5);
    t.trivial = 1;
    thm_row_judge(&t);
    cr_expect_eq(t.verdict, THM_HOLDS);
    /* a vacuous bound that is still exceeded is a violation */
    thm_row v = row_with(3, 3, 3, 1.5, 1.5, 1.5);
    v.trivial = 1;
    thm_row_judge(&v);
    cr_expect_eq(v.verdict, THM_VIOLATED);
}

Test(verdict, report_kind_is_reported)
{
    const thm_check *rep = thm_check_find("T4.init_sensitivity");
    cr_assert(rep && rep->kind == THM_REPORT);
    thm_results_t res;
    thm_results_init(res);
    thm_row *r = thm_results_add(res, rep);
    thm_row_lhs(r, 0.3, 0.3, 0.3);
    thm_row_rhs(r, 0.7, 0.7, 0.7);
    thm_row_judge(r);
    cr_expect_eq(r->verdict, THM_REPORTED);
    thm_results_clear(res);
}

Test(verdict, controls_ignore_hypotheses_and_withheld_is_a_catch)
{
    thm_results_t res;
    thm_results_init(res);
    thm_row *c = thm_results_add_control(res, exact_check());
    cr_expect(c->is_control);
    thm_row_lhs(c, 4, 3.9, 4.1);
    thm_row_rhs(c, 1, 1, 1);
    thm_row_hypothesis(c, "gamma", 2, "<=", 0.5); /* broken on purpose */
    thm_row_judge(c);
    cr_expect_eq(c->verdict, THM_VIOLATED);
    cr_expect(thm_control_caught(c));

    thm_row *w = thm_results_add_control(res, exact_check());
    w->expect_withheld = 1;
    thm_row_lhs(w, 0, 0, 0);
    thm_row_rhs(w, 1e-9, -1e-8, 1e-8); /* lambda_min not provably positive */
    thm_row_judge(w);
    cr_expect_eq(w->verdict, THM_WITHHELD);
    cr_expect(thm_control_caught(w));

    thm_row *issued = thm_results_add_control(res, exact_check());
    issued->expect_withheld = 1;
    thm_row_lhs(issued, 0, 0, 0);
    thm_row_rhs(issued, 0.5, 0.4, 0.6); /* certificate issued: not caught */
    thm_row_judge(issued);
    cr_expect_eq(issued->verdict, THM_HOLDS);
    cr_expect(!thm_control_caught(issued));

    thm_row *crashed = thm_results_add_control(res, exact_check());
    thm_row_lhs(crashed, 4, 3.9, 4.1);
    thm_row_rhs(crashed, 1, 1, 1);
    thm_row_fail(crashed, "control run diverged");
    thm_row_judge(crashed);
    cr_expect_eq(crashed->verdict, THM_ERROR);
    cr_expect(!thm_control_caught(crashed), "a crashed control is never caught");
    thm_results_clear(res);
}

/* A one-family run (T1) on a tiny configuration with every case marked done
 * and no rows: the tests add the rows they judge. */
static void tiny_done_run(report_run_t run)
{
    const thm_family *fam = thm_family_find("well-posedness");
    cr_assert(fam);
    thm_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.profile = "test";
    cfg.widths[0] = 4, cfg.n_widths = 1, cfg.d = 2, cfg.n = 2, cfg.seeds = 1, cfg.prec = 64;
    cfg.presets[0] = deq_preset_find("gao2021"), cfg.n_presets = 1, cfg.sub = -1;
    report_run_init(run, &cfg, REPORT_BACKEND_BOTH, &fam, 1);
    cr_assert(run->n_cases >= 1);
    for (long k = 0; k < run->n_cases; k++)
        run->done[k] = 1;
}

/* A row of T1.contraction in the run's first case that holds but is outside
 * its hypotheses (a width below the requirement): N/A. */
static thm_row *add_na_row(report_run_t run)
{
    thm_row *r = thm_results_add(&run->results[0], exact_check());
    thm_row_lhs(r, 0.5, 0.4, 0.6);
    thm_row_rhs(r, 1, 1, 1);
    thm_row_hypothesis(r, "width", 4, ">=", 1024);
    thm_row_judge(r);
    return r;
}

/* A one-family run over the T1 checks with hand-made rows: the totals, the
 * broken checkers and the exit decision follow from the rows. */
Test(verdict, run_totals_flag_missing_and_uncaught_controls)
{
    report_run_t run;
    tiny_done_run(run);
    thm_row *r = thm_results_add(&run->results[0], exact_check());
    thm_row_lhs(r, 0.5, 0.4, 0.6);
    thm_row_rhs(r, 1, 1, 1);
    thm_row_judge(r);
    report_totals t;
    report_run_totals(&t, run);
    cr_expect_eq(t.counts[THM_HOLDS], 1);
    cr_expect_eq(t.broken, 1, "a check with rows and no control is broken");
    cr_expect(report_run_failed(run));
    /* a caught control mends it */
    thm_row *c = thm_results_add_control(&run->results[0], exact_check());
    thm_row_lhs(c, 4, 3.9, 4.1);
    thm_row_rhs(c, 1, 1, 1);
    thm_row_judge(c);
    report_run_totals(&t, run);
    cr_expect_eq(t.broken, 0);
    cr_expect_eq(t.controls_total, 1);
    cr_expect_eq(t.controls_caught, 1);
    cr_expect_eq(t.counts[THM_HOLDS], 1, "controls are not counted among the rows");
    cr_expect(!report_run_failed(run));
    /* an uncaught one breaks it again */
    thm_row *u = thm_results_add_control(&run->results[0], exact_check());
    thm_row_lhs(u, 0.5, 0.5, 0.5);
    thm_row_rhs(u, 1, 1, 1);
    thm_row_judge(u);
    char why[160];
    cr_expect(report_run_check_broken(why, sizeof why, run, exact_check()));
    cr_expect(strstr(why, "HOLDS") != NULL, "%s", why);
    cr_expect(report_run_failed(run));
    /* an unjudged row fails the run */
    u->verdict = THM_VIOLATED; /* mend the control ... */
    thm_results_add(&run->results[0], exact_check()); /* ... and leave a row UNSET */
    report_run_totals(&t, run);
    cr_expect_eq(t.counts[THM_UNSET], 1);
    cr_expect(report_run_failed(run));
    report_run_clear(run);
}

/* A check whose every row is N/A asserted nothing: no control is needed, and
 * the run does not fail for the lack of one. */
Test(verdict, a_check_that_asserted_nothing_needs_no_control)
{
    report_run_t run;
    tiny_done_run(run);
    thm_row *r = add_na_row(run);
    cr_assert_eq(r->verdict, THM_NA);
    char why[160];
    cr_expect(!report_run_check_broken(why, sizeof why, run, exact_check()), "%s", why);
    cr_expect(!report_run_failed(run));
    report_run_clear(run);
}

/* A check whose rows are all N/A is counted as having asserted nothing, so a
 * reader does not take its caught controls for evidence. */
Test(verdict, totals_count_checks_that_asserted_nothing)
{
    report_run_t run;
    tiny_done_run(run);
    add_na_row(run);
    report_totals t;
    report_run_totals(&t, run);
    cr_expect_eq(t.silent, 1);
    char line[320];
    report_totals_line(line, sizeof line, &t);
    cr_expect(strstr(line, "1 check asserted nothing (every row N/A)") != NULL, "%s", line);
    thm_row *h = thm_results_add(&run->results[0], exact_check());
    thm_row_lhs(h, 0.5, 0.4, 0.6);
    thm_row_rhs(h, 1, 1, 1);
    thm_row_judge(h);
    report_run_totals(&t, run);
    cr_expect_eq(t.silent, 0, "a HOLDS row asserts something");
    report_run_clear(run);
}
