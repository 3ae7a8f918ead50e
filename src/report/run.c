#include "report/run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void report_run_init(report_run_t run, const thm_config *cfg, report_backend backend,
                     const thm_family *const *fams, int nfam)
{
    memset(run, 0, sizeof *run);
    run->cfg = *cfg;
    run->cfg.sub = -1;
    snprintf(run->profile, sizeof run->profile, "%s", cfg->profile);
    run->cfg.profile = run->profile;
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
    for (long r = 0; r < res->len; r++)
        if (backend_kept(run->backend, res->rows[r].backend))
            res->rows[kept++] = res->rows[r];
    res->len = kept;
    for (long r = 0; r < res->len; r++) {
        thm_row *w = &res->rows[r];
        text_clean(w->preset), text_clean(w->data), text_clean(w->backend), text_clean(w->note);
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
            counts[run->results[k].rows[r].verdict]++;
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
