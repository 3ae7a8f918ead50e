/* The run module (src/run) through its API, and the plots the checkers
 * declare (theorems/plots.c) as the report renders them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/env.h"
#include "report/markdown.h"
#include "run/run.h"
#include "testutil.h"

/* One family, one preset, one small width: cases that take milliseconds. */
static void small_opts(run_opts *o, const char *family)
{
    run_opts_init(o);
    o->cfg.profile = "quick";
    o->cfg.scale = thm_scale_of_profile("quick");
    o->cfg.widths[0] = 8, o->cfg.n_widths = 1;
    o->cfg.d = 2, o->cfg.n = 2, o->cfg.seeds = 1;
    o->cfg.mpfr_max_m = 8, o->cfg.prec = 64, o->cfg.seed = 1, o->cfg.sub = -1;
    o->cfg.presets[o->cfg.n_presets++] = deq_preset_find("gao2021");
    o->fams[o->nfam++] = thm_family_find(family);
    o->quiet = 1;
}

/* The shards partition the cases: each case is computed by exactly one of
 * the N shards (counted over all K, not read from run_wants' formula). */
Test(run, shards_partition_the_cases)
{
    const int N = 2;
    run_opts o;
    small_opts(&o, "well-posedness");
    run_t whole;
    deq_error_t err;
    deq_error_init(err);
    cr_assert_eq(run_init(whole, &o, err), DEQ_OK, "%s", err->msg);
    long n = whole->run->n_cases, total = 0;
    cr_assert_gt(n, N, "too few cases to shard");
    int *owners = calloc((size_t)n, sizeof *owners);
    for (int k = 1; k <= N; k++) {
        o.shard_k = k, o.shard_n = N;
        run_t r;
        cr_assert_eq(run_init(r, &o, err), DEQ_OK, "%s", err->msg);
        total += run_todo(r);
        for (long c = 0; c < n; c++)
            owners[c] += run_wants(r, c);
        run_clear(r);
    }
    cr_expect_eq(total, n);
    for (long c = 0; c < n; c++)
        cr_expect_eq(owners[c], 1, "case %ld computed by %d shards", c, owners[c]);
    free(owners);
    run_clear(whole);
}

/* A checkpointed run resumed through the API finds every case done and the
 * same rows (compared with a run without a checkpoint, number by number);
 * a resume of a directory without a run, and a second process on the same
 * checkpoint, are refused as bad input. */
Test(run, checkpoint_resumes_with_the_same_rows, .timeout = 120)
{
    const char *dir = test_tmpdir();
    char ck[700];
    snprintf(ck, sizeof ck, "%s/ck", dir);
    run_opts o;
    small_opts(&o, "well-posedness");
    deq_error_t err;
    deq_error_init(err);
    run_t plain, first, again;
    cr_assert_eq(run_init(plain, &o, err), DEQ_OK, "%s", err->msg);
    run_execute(plain);

    o.checkpoint = ck, o.resume = 1;
    cr_expect_eq(run_init(first, &o, err), DEQ_ERR_INPUT, "a resume without run.json was taken");
    o.resume = 0;
    deq_error_init(err);
    cr_assert_eq(run_init(first, &o, err), DEQ_OK, "%s", err->msg);
    run_t second;
    o.resume = 1;
    cr_expect_eq(run_init(second, &o, err), DEQ_ERR_INPUT, "a locked checkpoint was opened twice");
    cr_expect(strstr(err->msg, "in use") != NULL, "%s", err->msg);
    run_execute(first);
    run_clear(first);

    deq_error_init(err);
    cr_assert_eq(run_init(again, &o, err), DEQ_OK, "%s", err->msg);
    cr_expect_eq(run_todo(again), 0, "%ld cases left after a complete checkpointed run",
                 run_todo(again));
    cr_assert_eq(report_run_n_done(again->run), plain->run->n_cases);
    for (long c = 0; c < plain->run->n_cases; c++) {
        const thm_results_struct *a = &plain->run->results[c], *b = &again->run->results[c];
        cr_assert_eq(a->len, b->len, "case %ld", c);
        for (long k = 0; k < a->len; k++) {
            const thm_row *x = &a->rows[k], *y = &b->rows[k];
            cr_expect_str_eq(x->id, y->id);
            cr_expect(x->verdict == y->verdict, "case %ld row %ld: verdict", c, k);
            cr_expect((isnan(x->lhs) && isnan(y->lhs)) ||
                          memcmp(&x->lhs, &y->lhs, sizeof x->lhs) == 0,
                      "case %ld row %ld: lhs %a, resumed %a", c, k, x->lhs, y->lhs);
            cr_expect((isnan(x->rhs) && isnan(y->rhs)) ||
                          memcmp(&x->rhs, &y->rhs, sizeof x->rhs) == 0,
                      "case %ld row %ld: rhs %a, resumed %a", c, k, x->rhs, y->rhs);
        }
    }
    run_clear(again);
    run_clear(plain);
}

/* Every declared plot belongs to a registered check, under a name of its own. */
Test(run, declared_plots_name_registered_checks)
{
    cr_assert_gt(thm_plot_count, 0);
    for (int k = 0; k < thm_plot_count; k++) {
        const thm_plot *p = &thm_plots[k];
        cr_expect_not_null(thm_check_find(p->check), "plot %s: no check %s", p->name, p->check);
        cr_expect(p->caption && *p->caption, "plot %s has no caption", p->name);
        cr_expect_gt(p->n_draw, 0, "plot %s draws its series with no style", p->name);
        cr_expect_eq(thm_plot_find(p->name), p, "plot %s declared twice", p->name);
    }
}

/* The section of check id in the report: from its heading to the next. */
static const char *section_of(const char *md, const char *id, size_t *len)
{
    char head[64];
    snprintf(head, sizeof head, "\n### %s\n", id);
    const char *s = strstr(md, head);
    if (!s)
        return NULL;
    const char *e = strstr(s + 1, "\n### ");
    *len = e ? (size_t)(e - s) : strlen(s);
    return s;
}

static int gnuplot_present(void)
{
    char gp[1024];
    return report_gnuplot_path(gp, sizeof gp) != NULL;
}

/* A run whose one done case carries nothing but a series of a declared
 * plot: the report draws that plot and links it in the section of the
 * plot's check, nowhere else; a plot file of an earlier run that this run
 * does not draw is removed. */
Test(run, a_series_renders_under_its_check_and_stale_plots_go, .timeout = 60)
{
    const char *dir = test_tmpdir();
    char path[700], svg[800], stale[800];
    snprintf(path, sizeof path, "%s/r.md", dir);
    const thm_plot *pl = &thm_plots[0];
    const thm_plot *other = &thm_plots[thm_plot_count - 1];
    cr_assert_neq(pl, other, "one declared plot only: nothing to tell apart");
    snprintf(svg, sizeof svg, "%s/r-%s.svg", dir, pl->name);
    snprintf(stale, sizeof stale, "%s/r-%s.svg", dir, other->name);
    FILE *f = fopen(stale, "w");
    cr_assert_not_null(f);
    fputs("<svg>stale</svg>\n", f);
    fclose(f);

    /* the family whose check declared the plot; the series in its first case */
    const thm_check *ch = thm_check_find(pl->check);
    cr_assert_not_null(ch);
    const thm_family *fam = NULL;
    for (int k = 0; k < thm_registry_count && !fam; k++)
        for (int c = 0; c < thm_registry[k]->n_checks; c++)
            if (&thm_registry[k]->checks[c] == ch)
                fam = thm_registry[k];
    cr_assert_not_null(fam);
    run_opts o;
    small_opts(&o, fam->name);
    report_run_t run;
    report_run_init(run, &o.cfg, o.backend, o.fams, 1);
    cr_assert_gt(run->n_cases, 0);
    thm_series *se = thm_results_add_series(&run->results[0], pl->name, "test series", 3);
    const double xs[] = {1, 2, 4}, ys[] = {1, 0.5, 0.25};
    memcpy(se->x, xs, sizeof xs), memcpy(se->y, ys, sizeof ys);
    run->done[0] = 1;
    report_env env;
    report_env_get(&env);
    deq_error_t err;
    deq_error_init(err);
    cr_assert_eq(report_markdown_write(path, run, &env, 1, err), DEQ_OK, "%s", err->msg);
    report_run_clear(run);

    cr_expect_neq(access(stale, F_OK), 0, "the stale %s was left beside the report", stale);
    static char md[1 << 20];
    test_slurp(path, md, sizeof md);
    char link[200], other_link[200];
    snprintf(link, sizeof link, "![%s](r-%s.svg)", pl->name, pl->name);
    snprintf(other_link, sizeof other_link, "(r-%s.svg)", other->name);
    cr_expect(strstr(md, other_link) == NULL, "a plot without data is linked");
    size_t len = 0;
    const char *sec = section_of(md, pl->check, &len);
    cr_assert_not_null(sec, "no section for %s", pl->check);
    if (!gnuplot_present()) {
        cr_expect(strstr(md, link) == NULL);
        return;
    }
    cr_expect_eq(access(svg, R_OK), 0, "%s not drawn", svg);
    const char *at = strstr(md, link);
    cr_assert_not_null(at, "the plot is not linked");
    cr_expect(at > sec && at < sec + len, "the plot is linked outside the section of %s",
              pl->check);
    cr_expect(strstr(at + 1, link) == NULL, "the plot is linked twice");
    cr_expect(strstr(at, pl->caption) != NULL, "the caption is missing");
}

/* The precision ladder's numbers against the closed form of the working
 * precision: double agrees with the 1024-bit reference to 14-17 digits
 * (u = 2^-53: 15.95 digits), each MPFR rung gains about log10(2) digits per
 * bit (the slope from 128 to 512 bits within 10% of log10 2 = 0.30103), the
 * certified bound's digits never exceed the measured ones, every rung's
 * T1.error_bound row HOLDS and its control is caught. */
Test(run, precision_ladder_gains_log10_2_digits_per_bit, .timeout = 120)
{
    run_opts o;
    small_opts(&o, "well-posedness");
    o.cfg.widths[0] = 16, o.cfg.n = 4, o.cfg.d = 4, o.cfg.mpfr_max_m = 16;
    const thm_family *fam = o.fams[0];
    long nc = thm_cases_enumerate(NULL, 0, &fam, 1, &o.cfg);
    thm_case *cases = calloc((size_t)nc, sizeof *cases);
    thm_cases_enumerate(cases, nc, &fam, 1, &o.cfg);
    const thm_case *lad = NULL;
    for (long k = 0; k < nc; k++)
        if (strstr(cases[k].key, "precision_ladder"))
            lad = &cases[k];
    cr_assert_not_null(lad, "no precision_ladder case");
    thm_results_t res;
    thm_results_init(res);
    thm_case_run(res, lad, &o.cfg);
    int rows = 0, controls = 0;
    for (long k = 0; k < res->len; k++) {
        const thm_row *r = &res->rows[k];
        cr_expect_str_eq(r->id, "T1.error_bound");
        if (r->is_control) {
            controls++;
            cr_expect(thm_control_caught(r), "control %s not caught", r->backend);
        } else {
            rows++;
            cr_expect_eq(r->verdict, THM_HOLDS, "%s: %s", r->backend,
                         thm_verdict_name(r->verdict));
        }
    }
    cr_expect_eq(rows, 5);
    cr_expect_eq(controls, 1);
    const thm_series *meas = NULL, *cert = NULL;
    for (long s = 0; s < res->n_series; s++)
        if (strcmp(res->series[s]->plot, THM_PLOT_PRECISION) == 0) {
            if (strncmp(res->series[s]->label, "measured", 8) == 0)
                meas = res->series[s];
            else if (strncmp(res->series[s]->label, "certified", 9) == 0)
                cert = res->series[s];
        }
    cr_assert(meas && cert && meas->len == 5 && cert->len == 5);
    cr_expect_eq(meas->x[0], 53);
    cr_expect(meas->y[0] >= 14 && meas->y[0] <= 17, "double: %g digits", meas->y[0]);
    double slope = (meas->y[4] - meas->y[2]) / (meas->x[4] - meas->x[2]);
    cr_expect(fabs(slope - log10(2.0)) <= 0.1 * log10(2.0), "digits per bit %g", slope);
    for (int k = 0; k < 5; k++)
        cr_expect(cert->y[k] <= meas->y[k], "%g bits: certified %g digits above measured %g",
                  meas->x[k], cert->y[k], meas->y[k]);
    thm_results_clear(res);
    free(cases);
}
