/* `deqcheck run`: the validation run. Runs the theorem families of the
 * registry (theorems/) on a profile and writes a Markdown report. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_version.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "report/json.h"
#include "theorems/theorem.h"

typedef struct {
    const char *name;
    long widths[8];
    int n_widths;
    long d, n;
    int seeds;
    long mpfr_max_m;
    const char *summary;
} run_profile;

/* THEOREMS §6; sizes are starting points kept within each budget on 2 cores. */
static const run_profile profiles[] = {
    {"quick", {32, 64, 128}, 3, 8, 16, 2, 128, "widths 32-128, n=16, 2 seeds, MPFR up to m=128"},
    {"default", {64, 128, 256, 512, 1024}, 5, 16, 64, 3, 256,
     "widths 64-1024, n=64, 3 seeds, MPFR up to m=256"},
};

static void run_help(FILE *f)
{
    fprintf(f,
"Usage: deqcheck run [FAMILY...] [--profile quick|default] [--preset NAME]\n"
"                    [--seed S] [--precision BITS] [--report FILE.md] [--classes A,B]\n"
"                    [--fashion-dir DIR] [--json FILE.json]\n"
"\n"
"The validation run: the theorem families of THEOREMS.md checked on random networks\n"
"(weights N(0,1) drawn in double, the same exact weights in MPFR) and unit-norm\n"
"synthetic inputs, double and MPFR side by side, written as a Markdown report.\n"
"\n"
"Families (default: all):\n");
    for (int k = 0; k < thm_registry_count; k++) {
        fprintf(f, "  %-16s %s:", thm_registry[k]->name, thm_registry[k]->title);
        for (int c = 0; c < thm_registry[k]->n_checks; c++)
            fprintf(f, " %s", thm_registry[k]->checks[c].id);
        fprintf(f, "\n");
    }
    fprintf(f,
"\n"
"  --profile P        quick (%s) or default (%s)\n"
"  --preset NAME      one equilibrium preset (default: gao2021, gaogao2022, ling2022,\n"
"                     truong2023)\n"
"  --seed S           run seed (default 1); each case derives its own seed from it\n"
"  --precision BITS   MPFR precision, %d..%d (default %d)\n"
"  --report FILE      Markdown report (default reports/deqcheck-report.md)\n"
"  --json FILE        the rows as JSON too (see deqcheck compare --help)\n"
"  --classes A,B      Fashion-MNIST classes for T4, A labelled +1 (default 0,1:\n"
"                     T-shirt/top vs Trouser)\n"
"  --fashion-dir DIR  where the Fashion-MNIST IDX files are (default\n"
"                     /usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist)\n"
"\n"
"Verdicts: HOLDS, VIOLATED, INCONCLUSIVE, N/A (a hypothesis not met; the row says\n"
"what was observed), ERROR (NaN/Inf or solver failure). Same seed and options give\n"
"an identical report.\n"
"\n"
"Exit status: 0 nothing VIOLATED or ERROR; 1 otherwise; 2 bad usage.\n",
            profiles[0].summary, profiles[1].summary, DEQ_PREC_MIN, DEQ_PREC_MAX,
            DEQ_PREC_DEFAULT);
}

static void ensure_parent_dir(const char *path)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        mkdir(dir, 0777); /* an existing directory is fine; other failures show at fopen */
    }
}

/* A Markdown table cell: '|' escaped so text like ||A||_2 cannot split it. */
static void put_cell(FILE *f, const char *s)
{
    fputs(" ", f);
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputs(" |", f);
}

/* %.4g, or "-" for NAN */
static const char *fmt_num(char *buf, size_t len, double x)
{
    if (isnan(x))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.4g", x);
    return buf;
}

static void write_report(FILE *f, const thm_config *cfg, const thm_family **fams, int nfam,
                         const thm_results_struct *res)
{
    fprintf(f, "# deqcheck report\n\n## Summary\n\n");
    fprintf(f, "| check | source | kind | HOLDS | VIOLATED | INCONCLUSIVE | N/A | ERROR |\n");
    fprintf(f, "|---|---|---|---|---|---|---|---|\n");
    for (int k = 0; k < nfam; k++)
        for (int c = 0; c < fams[k]->n_checks; c++) {
            const thm_check *ch = &fams[k]->checks[c];
            int counts[THM_VERDICTS] = {0};
            for (long r = 0; r < res[k].len; r++)
                if (strcmp(res[k].rows[r].id, ch->id) == 0)
                    counts[res[k].rows[r].verdict]++;
            fprintf(f, "| %s | %s | %s | %d | %d | %d | %d | %d |\n", ch->id, ch->source,
                    thm_kind_name(ch->kind), counts[THM_HOLDS], counts[THM_VIOLATED],
                    counts[THM_INCONCLUSIVE], counts[THM_NA], counts[THM_ERROR]);
        }
    fprintf(f, "\nEnvironment: deqcheck %s, GSL %s, MPFR %s, GMP %s, BLAS OpenBLAS; profile `%s`, "
               "run seed %lu, MPFR precision %ld bits (MPFR cases for m <= %ld), inputs on the "
               "unit sphere (d = %ld, n = %ld), %d seeds per width.\n\n",
            DEQCHECK_VERSION, GSL_VERSION, mpfr_get_version(), gmp_version, cfg->profile,
            cfg->seed, cfg->prec, cfg->mpfr_max_m, cfg->d, cfg->n, cfg->seeds);
    fprintf(f, "Constants: every gamma and sigma_u is the preset's documented default (THEOREMS "
               "§1), not a paper constant; tolerances are derived from the precision and the "
               "size and printed per row.\n\n");
    for (int k = 0; k < nfam; k++) {
        fprintf(f, "## %s\n\n", fams[k]->title);
        for (int c = 0; c < fams[k]->n_checks; c++) {
            const thm_check *ch = &fams[k]->checks[c];
            fprintf(f, "### %s (%s, %s)\n\nAsserted: %s.\n\n", ch->id, ch->source,
                    thm_kind_name(ch->kind), ch->assertion);
            fprintf(f, "| preset | m | n | seed | data | backend | lhs | rhs | margin | tolerance "
                       "| digits | verdict | note |\n");
            fprintf(f, "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (long r = 0; r < res[k].len; r++) {
                const thm_row *w = &res[k].rows[r];
                if (strcmp(w->id, ch->id) != 0)
                    continue;
                char b[8][40];
                if (w->width >= 0)
                    snprintf(b[0], sizeof b[0], "%ld", w->width);
                else
                    snprintf(b[0], sizeof b[0], "-");
                if (w->n >= 0)
                    snprintf(b[1], sizeof b[1], "%ld", w->n);
                else
                    snprintf(b[1], sizeof b[1], "-");
                snprintf(b[2], sizeof b[2], "%lu", w->seed);
                fputs("|", f);
                const char *cells[] = {w->preset, b[0], b[1], b[2], w->data, w->backend,
                                       fmt_num(b[3], sizeof b[3], w->lhs),
                                       fmt_num(b[4], sizeof b[4], w->rhs),
                                       fmt_num(b[5], sizeof b[5], w->margin),
                                       fmt_num(b[6], sizeof b[6], w->tolerance),
                                       fmt_num(b[7], sizeof b[7], w->digits),
                                       thm_verdict_name(w->verdict), w->note};
                for (size_t q = 0; q < sizeof cells / sizeof *cells; q++)
                    put_cell(f, cells[q]);
                fputs("\n", f);
            }
            fprintf(f, "\n");
        }
    }
}

/* The rows on standard output: one line each, double and MPFR rows of a case
 * adjacent, so the two backends read side by side. */
static void print_rows(FILE *f, const thm_family *fam, const thm_results_struct *res)
{
    fprintf(f, "%s (%ld rows)\n", fam->title, res->len);
    fprintf(f, "%-20s %-13s %6s %-22s %-18s %12s %12s %12s  %s\n", "check", "preset", "m", "data",
            "backend", "lhs", "rhs", "digits", "verdict");
    for (long r = 0; r < res->len; r++) {
        const thm_row *w = &res->rows[r];
        char m[24], b[3][32];
        if (w->width >= 0)
            snprintf(m, sizeof m, "%ld", w->width);
        else
            snprintf(m, sizeof m, "-");
        fprintf(f, "%-20s %-13.13s %6s %-22.22s %-18.18s %12s %12s %12s  %s\n", w->id, w->preset, m,
                w->data, w->backend, fmt_num(b[0], sizeof b[0], w->lhs),
                fmt_num(b[1], sizeof b[1], w->rhs), fmt_num(b[2], sizeof b[2], w->digits),
                thm_verdict_name(w->verdict));
    }
    fprintf(f, "\n");
}

int cli_cmd_run(int argc, char **argv)
{
    cli_opt opts[] = {{"profile", 1, NULL},  {"preset", 1, NULL},      {"seed", 1, NULL},
                      {"precision", 1, NULL}, {"report", 1, NULL},     {"classes", 1, NULL},
                      {"fashion-dir", 1, NULL}, {"json", 1, NULL},    {NULL, 0, NULL}};
    deq_error_t err;
    deq_error_init(err);
    const char *pos[8];
    int npos, help;
    if (cli_parse(opts, pos, 8, &npos, &help, argc, argv, 2, err) != DEQ_OK) {
        fprintf(stderr, "deqcheck run: %s\n", err->msg);
        return CLI_EXIT_USAGE;
    }
    if (help) {
        run_help(stdout);
        return CLI_EXIT_OK;
    }
    const thm_family *fams[8];
    int nfam = 0;
    for (int k = 0; k < npos; k++) {
        const thm_family *fam = thm_family_find(pos[k]);
        if (!fam) {
            fprintf(stderr, "deqcheck run: %s: unknown check family (see deqcheck run --help)\n",
                    pos[k]);
            return CLI_EXIT_USAGE;
        }
        fams[nfam++] = fam;
    }
    if (nfam == 0)
        for (int k = 0; k < thm_registry_count; k++)
            fams[nfam++] = thm_registry[k];

    const run_profile *prof = &profiles[0];
    const char *pv = cli_value(opts, "profile");
    if (pv) {
        prof = NULL;
        for (size_t k = 0; k < sizeof profiles / sizeof *profiles; k++)
            if (strcmp(profiles[k].name, pv) == 0)
                prof = &profiles[k];
        if (!prof) {
            fprintf(stderr, "deqcheck run: --profile: expected quick or default, got \"%s\"\n", pv);
            return CLI_EXIT_USAGE;
        }
    }
    long seed = 1, prec = DEQ_PREC_DEFAULT;
    const char *v;
    if (((v = cli_value(opts, "seed")) && cli_long_in(&seed, "seed", v, 0, 4294967295L, err)) ||
        ((v = cli_value(opts, "precision")) &&
         cli_long_in(&prec, "precision", v, DEQ_PREC_MIN, DEQ_PREC_MAX / 2, err))) {
        fprintf(stderr, "deqcheck run: %s\n", err->msg);
        return CLI_EXIT_USAGE;
    }
    thm_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.profile = prof->name;
    memcpy(cfg.widths, prof->widths, sizeof cfg.widths);
    cfg.n_widths = prof->n_widths;
    cfg.d = prof->d;
    cfg.n = prof->n;
    cfg.seeds = prof->seeds;
    cfg.mpfr_max_m = prof->mpfr_max_m;
    cfg.prec = prec;
    cfg.seed = (unsigned long)seed;
    cfg.progress = isatty(fileno(stderr));
    cfg.fashion_pos = 0;
    cfg.fashion_neg = 1;
    cfg.fashion_dir = cli_value(opts, "fashion-dir");
    if ((v = cli_value(opts, "classes")) &&
        cli_class_pair(&cfg.fashion_pos, &cfg.fashion_neg, v, err) != DEQ_OK) {
        fprintf(stderr, "deqcheck run: %s\n", err->msg);
        return CLI_EXIT_USAGE;
    }
    const char *pname = cli_value(opts, "preset");
    if (pname) {
        const deq_preset *p = deq_preset_find(pname);
        if (!p || p->family != DEQ_FAMILY_EQUILIBRIUM) {
            fprintf(stderr, "deqcheck run: --preset: \"%s\" is not an equilibrium preset (%s)\n",
                    pname, "gao2021, gaogao2022, ling2022, truong2023");
            return CLI_EXIT_USAGE;
        }
        cfg.presets[cfg.n_presets++] = p;
    } else {
        for (int k = 0; k < deq_preset_count; k++)
            if (deq_presets[k].family == DEQ_FAMILY_EQUILIBRIUM)
                cfg.presets[cfg.n_presets++] = &deq_presets[k];
    }
    const char *report = cli_value(opts, "report") ? cli_value(opts, "report")
                                                   : "reports/deqcheck-report.md";
    ensure_parent_dir(report);
    FILE *f = fopen(report, "w");
    if (!f) {
        fprintf(stderr, "deqcheck run: --report %s: cannot create: %s\n", report, strerror(errno));
        return CLI_EXIT_USAGE;
    }

    thm_results_struct res[8];
    int counts[THM_VERDICTS] = {0};
    for (int k = 0; k < nfam; k++) {
        thm_results_init(&res[k]);
        fams[k]->run(&res[k], &cfg);
        print_rows(stdout, fams[k], &res[k]);
        for (long r = 0; r < res[k].len; r++)
            counts[res[k].rows[r].verdict]++;
    }
    write_report(f, &cfg, fams, nfam, res);
    fclose(f);
    const char *json = cli_value(opts, "json");
    if (json && report_json_write(json, &cfg, fams, nfam, res, err) != DEQ_OK) {
        fprintf(stderr, "deqcheck run: %s\n", err->msg);
        counts[THM_ERROR]++;
    }
    for (int k = 0; k < nfam; k++)
        thm_results_clear(&res[k]);
    printf("%d HOLDS, %d VIOLATED, %d INCONCLUSIVE, %d N/A, %d ERROR; report: %s\n",
           counts[THM_HOLDS], counts[THM_VIOLATED], counts[THM_INCONCLUSIVE], counts[THM_NA],
           counts[THM_ERROR], report);
    return counts[THM_VIOLATED] || counts[THM_ERROR] ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
