#include "report/run.h"

#include <math.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void report_run_init(report_run_t run, const thm_config *cfg, report_backend backend,
                     const thm_family *const *fams, int nfam)
{
    memset(run, 0, sizeof *run);
    run->wall_seconds = NAN;
    run->cfg = *cfg;
    run->cfg.sub = -1;
    snprintf(run->profile, sizeof run->profile, "%s", cfg->profile);
    run->cfg.profile = run->profile;
    run->cfg.scale = thm_scale_of_profile(run->profile);
    if (cfg->fashion_dir) {
        snprintf(run->fashion_dir, sizeof run->fashion_dir, "%s", cfg->fashion_dir);
        run->cfg.fashion_dir = run->fashion_dir;
    }
    run->backend = backend;
    run->nfam = nfam;
    for (int f = 0; f < nfam; f++)
        run->fams[f] = fams[f];
    run->n_cases = thm_cases_enumerate(NULL, 0, fams, nfam, cfg);
    run->cases = deq_malloc((size_t)(run->n_cases ? run->n_cases : 1) * sizeof *run->cases);
    thm_cases_enumerate(run->cases, run->n_cases, fams, nfam, cfg);
    run->results = deq_malloc((size_t)(run->n_cases ? run->n_cases : 1) * sizeof *run->results);
    for (long k = 0; k < run->n_cases; k++)
        thm_results_init(&run->results[k]);
    run->done = calloc((size_t)(run->n_cases ? run->n_cases : 1), 1);
    DEQ_REQUIRE(run->done);
}

void report_run_clear(report_run_t run)
{
    for (long k = 0; k < run->n_cases; k++)
        thm_results_clear(&run->results[k]);
    free(run->results);
    free(run->cases);
    free(run->done);
    memset(run, 0, sizeof *run);
}

static int backend_kept(report_backend b, const char *label)
{
    int mpfr = strncmp(label, "mpfr", 4) == 0;
    int dbl = strcmp(label, "double") == 0;
    /* comparison rows ("a/b") and rows without a backend belong to both */
    return b == REPORT_BACKEND_BOTH || (b == REPORT_BACKEND_DOUBLE && !mpfr) ||
           (b == REPORT_BACKEND_MPFR && !dbl);
}

/* Length of the valid UTF-8 sequence at s, 0 if invalid (overlong forms,
 * surrogates and code points above U+10FFFF included). */
static int utf8_seq(const unsigned char *s)
{
    int n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
          : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
    unsigned cp = n == 1 ? s[0] : n == 2 ? s[0] & 0x1fu : n == 3 ? s[0] & 0x0fu : s[0] & 0x07u;
    for (int k = 1; k < n; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3fu);
    }
    static const unsigned min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    if (n == 0 || cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

int report_utf8_valid(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int n = utf8_seq(p);
        if (!n)
            return 0;
        p += n;
    }
    return 1;
}

/* Row text as JSON and Markdown can carry it: invalid UTF-8 (a note cut
 * inside a character) and control characters become '?' and ' ', so a
 * row reads back from JSON exactly as it was written. */
static void text_clean(char *s)
{
    for (unsigned char *p = (unsigned char *)s; *p;) {
        int n = utf8_seq(p);
        if (!n)
            *p++ = '?';
        else if (n == 1 && (*p < 0x20 || *p == 0x7f))
            *p++ = ' ';
        else
            p += n;
    }
}

void report_run_case(report_run_t run, long k)
{
    DEQ_REQUIRE(k >= 0 && k < run->n_cases);
    thm_results_struct *res = &run->results[k];
    thm_results_clear(res);
    thm_case_run(res, &run->cases[k], &run->cfg);
    long kept = 0;
    /* controls are kept whatever the backend: they vouch for the checks */
    for (long r = 0; r < res->len; r++)
        if (res->rows[r].is_control || backend_kept(run->backend, res->rows[r].backend))
            res->rows[kept++] = res->rows[r];
    res->len = kept;
    for (long r = 0; r < res->len; r++) {
        thm_row *w = &res->rows[r];
        text_clean(w->preset), text_clean(w->data), text_clean(w->backend), text_clean(w->note);
        /* the verdict follows from the row's intervals and hypotheses alone: a
         * checker that set it any other way is caught here */
        thm_row again = *w;
        thm_row_judge(&again);
        if (w->verdict != THM_UNSET && again.verdict != w->verdict) {
            snprintf(w->note, sizeof w->note,
                     "checker defect: verdict %s does not follow from the row's numbers (%s)",
                     thm_verdict_name(w->verdict), thm_verdict_name(again.verdict));
            w->verdict = THM_ERROR;
        }
    }
    for (long q = 0; q < res->n_series; q++)
        text_clean(res->series[q]->label);
    run->done[k] = 1;
}

void report_run_family_results(thm_results_t out, const report_run_t run, int f)
{
    for (long k = 0; k < run->n_cases; k++)
        if (run->done[k] && run->cases[k].fam == run->fams[f])
            thm_results_append(out, &run->results[k]);
}

void report_run_counts(int counts[THM_VERDICTS], const report_run_t run)
{
    for (int v = 0; v < THM_VERDICTS; v++)
        counts[v] = 0;
    for (long k = 0; k < run->n_cases; k++)
        for (long r = 0; run->done[k] && r < run->results[k].len; r++)
            if (!run->results[k].rows[r].is_control)
                counts[run->results[k].rows[r].verdict]++;
}

int report_run_check_broken(char *why, size_t len, const report_run_t run, const thm_check *ch)
{
    if (ch->kind == THM_REPORT)
        return 0;
    long rows = 0, asserted = 0, controls = 0;
    for (long k = 0; k < run->n_cases; k++)
        for (long r = 0; run->done[k] && r < run->results[k].len; r++) {
            const thm_row *w = &run->results[k].rows[r];
            if (strcmp(w->id, ch->id) != 0)
                continue;
            if (!w->is_control) {
                rows++;
                asserted += w->verdict != THM_NA;
                continue;
            }
            controls++;
            if (!thm_control_caught(w)) {
                snprintf(why, len, "its control (%s, m = %ld) came out %s, not %s", w->data,
                         w->width, thm_verdict_name(w->verdict),
                         w->expect_withheld ? "WITHHELD" : "VIOLATED");
                return 1;
            }
        }
    /* a check whose every row is N/A asserted nothing, and needs no control */
    if (asserted > 0 && controls == 0 && report_run_n_done(run) == run->n_cases) {
        snprintf(why, len, "no control ran: nothing shows this check can fail");
        return 1;
    }
    return 0;
}

void report_run_totals(report_totals *t, const report_run_t run)
{
    memset(t, 0, sizeof *t);
    report_run_counts(t->counts, run);
    for (long k = 0; k < run->n_cases; k++)
        for (long r = 0; run->done[k] && r < run->results[k].len; r++)
            if (run->results[k].rows[r].is_control) {
                t->controls_total++;
                t->controls_caught += thm_control_caught(&run->results[k].rows[r]);
            }
    char why[160];
    for (int f = 0; f < run->nfam; f++)
        for (int c = 0; c < run->fams[f]->n_checks; c++) {
            const thm_check *ch = &run->fams[f]->checks[c];
            t->broken += report_run_check_broken(why, sizeof why, run, ch);
            long rows = 0, asserted = 0;
            for (long k = 0; k < run->n_cases; k++)
                for (long r = 0; run->done[k] && r < run->results[k].len; r++) {
                    const thm_row *w = &run->results[k].rows[r];
                    if (!w->is_control && strcmp(w->id, ch->id) == 0)
                        rows++, asserted += w->verdict != THM_NA;
                }
            t->silent += ch->kind != THM_REPORT && rows > 0 && asserted == 0;
        }
}

void report_totals_line(char *buf, size_t len, const report_totals *t)
{
    static const thm_verdict order[] = {THM_HOLDS,   THM_VIOLATED, THM_INCONCLUSIVE, THM_VACUOUS,
                                        THM_NA,      THM_REPORTED, THM_ERROR};
    size_t used = 0;
    for (size_t k = 0; k < sizeof order / sizeof *order && used < len; k++)
        used += (size_t)snprintf(buf + used, len - used, "%s%d %s", k ? ", " : "",
                                 t->counts[order[k]], thm_verdict_name(order[k]));
    if (t->counts[THM_UNSET] && used < len)
        used += (size_t)snprintf(buf + used, len - used, ", %d UNSET (checker defect)",
                                 t->counts[THM_UNSET]);
    if (used < len)
        used += (size_t)snprintf(buf + used, len - used, "; controls caught %d of %d",
                                 t->controls_caught, t->controls_total);
    if (t->silent && used < len)
        used += (size_t)snprintf(buf + used, len - used,
                                 "; %d check%s asserted nothing (every row N/A)", t->silent,
                                 t->silent == 1 ? "" : "s");
    if (t->broken && used < len)
        snprintf(buf + used, len - used, "; %d CHECKER%s BROKEN", t->broken,
                 t->broken == 1 ? "" : "S");
}

int report_run_failed(const report_run_t run)
{
    report_totals t;
    report_run_totals(&t, run);
    return t.counts[THM_VIOLATED] || t.counts[THM_ERROR] || t.counts[THM_UNSET] || t.broken;
}

long report_run_n_done(const report_run_t run)
{
    long n = 0;
    for (long k = 0; k < run->n_cases; k++)
        n += run->done[k] != 0;
    return n;
}

static const char *const backend_names[] = {"both", "double", "mpfr"};

const char *report_backend_name(report_backend b)
{
    return backend_names[b];
}

int report_backend_parse(report_backend *b, const char *s)
{
    for (int k = 0; k < 3; k++)
        if (strcmp(s, backend_names[k]) == 0) {
            *b = (report_backend)k;
            return 1;
        }
    return 0;
}
