/* `deqcheck run`: the validation run's flags. Parses them into a run_opts,
 * lets the run module (src/run) compute the cases of the theorem families
 * (theorems/) on a profile, optionally a shard of them, optionally
 * checkpointed, and writes the Markdown report with plots and the JSON
 * results through src/report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/clock.h"
#include "cli/args.h"
#include "cli/cli.h"
#include "cli/run_job.h"
#include "data/fashion.h"
#include "report/env.h"
#include "report/json.h"
#include "report/markdown.h"

/* Where a run writes without --out or --report: a run directory in the working
 * directory (ignored by the project's .gitignore), so that a run from the
 * repository root does not overwrite the committed sample report. */
#define RUN_DEFAULT_OUT "deqcheck-run"

static void run_help(FILE *f, const char *prog)
{
    /* "deqcheck run" and "deqcheck-mpi" have the same length: the usage lines align */
    fprintf(f,
"Usage: %s [FAMILY...] [--profile quick|default|paper] [--preset NAME[,NAME...]]\n"
"                    [--backend both|double|mpfr] [--precision BITS] [--seeds N]\n"
"                    [--widths M[,M...]] [--seed S] [--report FILE.md] [--json FILE.json]\n"
"                    [--no-plots] [--timing] [--classes A,B] [--fashion-dir DIR]\n"
"                    [--checkpoint DIR [--resume]] [--shard K/N] [--quiet]\n"
"                    [--max-memory SIZE]\n"
"\n"
"The validation run: the theorem families of docs/THEORY.md (§7-§10) checked on\n"
"random networks (weights N(0,1) drawn in double, the same exact weights in MPFR)\n"
"and unit-norm synthetic inputs (Fashion-MNIST for T4), double and MPFR side by\n"
"side, written as a Markdown report with SVG plots (gnuplot) next to it.\n",
            prog);
    if (strcmp(prog, "deqcheck run") != 0)
        fprintf(f,
"\n"
"%s is this run over MPI ranks: mpirun -np N %s [OPTIONS].\n"
"Rank 0 hands out the cases one at a time to the other N - 1 ranks (with N = 1 it\n"
"computes them itself), gathers the results and writes the report, identical to\n"
"deqcheck run's. On a 2-core machine: -np 3 --oversubscribe.\n",
                prog, prog);
    fprintf(f, "\nFamilies (default: all):\n");
    for (int k = 0; k < thm_registry_count; k++) {
        fprintf(f, "  %-19s %s:", thm_registry[k]->name, thm_registry[k]->title);
        for (int c = 0; c < thm_registry[k]->n_checks; c++)
            fprintf(f, " %s", thm_registry[k]->checks[c].id);
        fprintf(f, "\n");
    }
    fprintf(f, "\n  --profile P         (default quick)\n");
    for (int k = 0; k < run_profile_count; k++)
        fprintf(f, "                      %-8s %s\n", run_profiles[k].name, run_profiles[k].summary);
    fprintf(f,
"  --preset LIST       equilibrium presets, comma-separated (default: %s)\n"
"  --backend B         rows kept: both (default), double, or mpfr; with double the MPFR\n"
"                      network solves are skipped\n"
"  --precision BITS    MPFR precision, %d..%d (default %d)\n"
"  --seeds N           seeds per width, 1..1000 (default: the profile's)\n"
"  --widths LIST       up to 8 widths, comma-separated, increasing (default: the profile's)\n"
"  --seed S            run seed (default 1); each case derives its own seed from it\n"
"  --out DIR           write DIR/report.md (plots beside it) and DIR/results.json\n"
"                      (default: ./" RUN_DEFAULT_OUT ", a run directory, never a file of the\n"
"                      sources; bash .ci/main regenerates the committed sample report)\n"
"  --report FILE       the Markdown report here instead of DIR/report.md; plots are\n"
"                      written next to it as <stem>-<plot>.svg\n"
"  --json FILE         the rows as JSON too (see deqcheck compare/merge --help)\n"
"  --no-plots          no SVG plots (the report says so); also when gnuplot is absent\n""  --timing            the wall time of this invocation in the report's first lines and\n"
"                      in the JSON (off by default, so that a rerun with the same seed\n"
"                      and options writes byte-identical files; the last line on\n"
"                      standard output always gives it)\n"
"  --classes A,B       Fashion-MNIST classes for T4, A labelled +1 (default 0,1:\n"
"                      T-shirt/top vs Trouser)\n"
"  --fashion-dir DIR   where the Fashion-MNIST IDX files are (default\n"
"                      /usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist).\n"
"                      No files there: the T4 rows on it are N/A; files that are there\n"
"                      but inconsistent, truncated or corrupt: exit status 2\n"
"  --checkpoint DIR    record each finished case in DIR/cases.jsonl (one JSON line,\n"
"                      appended and flushed to disk) and the options in DIR/run.json;\n"
"                      a killed run loses at most the case in flight\n"
"  --resume            with --checkpoint: skip the cases DIR already records (the\n"
"                      options must be the same); results equal an uninterrupted run's\n"
"  --shard K/N         run only the cases k with k mod N = K-1 (K = 1..N); the shards'\n"
"                      --json files combine with deqcheck merge\n"
"  --quiet             no progress on stderr (default: a bar on a terminal, otherwise a\n"
"                      line every %d seconds)\n"
"  --max-memory SIZE   refuse, before any work, a run whose estimated peak memory exceeds\n"
"                      SIZE (bytes, or with K, M, G; default half the physical memory)\n"
"\n"
"A case is one part of a family for one preset or data set (e.g.\n"
"well-posedness/networks/gao2021); cases are the unit of checkpoints, shards and MPI.\n"
"\n"
"Verdicts (README \"How to read a verdict\"): each row asserts lhs <= rhs with an\n"
"interval on each side (certified or estimated). HOLDS: lhs_hi <= rhs_lo; VIOLATED:\n"
"lhs_lo > rhs_hi; INCONCLUSIVE: the intervals overlap; VACUOUS: rhs at or beyond the\n"
"trivial bound of its quantity; N/A: a hypothesis of the theorem not met (the row says\n"
"what was observed); REPORTED: a check that asserts nothing; ERROR: NaN or a failed\n"
"computation. Every check also runs a control, a case where its assertion is false,\n"
"which must come out VIOLATED (or WITHHELD for a certificate); otherwise the check is\n"
"CHECKER BROKEN. Same seed and options give an identical report.\n"
"\n"
"Exit status: 0 nothing VIOLATED or ERROR and every control caught; 1 a row VIOLATED or\n"
"ERROR, or a CHECKER BROKEN (a control that did not come out VIOLATED/WITHHELD); 2 bad usage.\n",
            "gao2021,gaogao2022,ling2022,truong2023", DEQ_PREC_MIN, DEQ_PREC_MAX / 2,
            DEQ_PREC_DEFAULT, 5);
}

void cli_ensure_parent_dir(const char *path)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        mkdir(dir, 0777); /* an existing directory is fine; other failures show at fopen */
    }
}

/* "a,b,c" into at most max longs in [lo, hi], strictly increasing. */
static deq_status parse_long_list(long *out, int *n, int max, const char *flag, const char *s,
                                  long lo, long hi, deq_error_t err)
{
    *n = 0;
    char buf[256];
    if (strlen(s) >= sizeof buf)
        return deq_error_set(err, DEQ_ERR_INPUT, "--%s: value too long", flag);
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (*n == max)
            return deq_error_set(err, DEQ_ERR_INPUT, "--%s: at most %d values", flag, max);
        if (cli_long_in(&out[*n], flag, tok, lo, hi, err) != DEQ_OK)
            return err->status;
        if (*n > 0 && out[*n] <= out[*n - 1])
            return deq_error_set(err, DEQ_ERR_INPUT, "--%s: values must increase", flag);
        (*n)++;
    }
    if (*n == 0)
        return deq_error_set(err, DEQ_ERR_INPUT, "--%s: expected a comma-separated list", flag);
    return DEQ_OK;
}

static int usage(const char *prog, deq_error_t err)
{
    fprintf(stderr, "%s: %s\n", prog, err->msg);
    return CLI_EXIT_USAGE;
}

/* ---------- options ---------- */

int cli_run_job_prepare(cli_run_job *job, const char *prog, int argc, char **argv, int first)
{
    cli_opt opts[] = {{"profile", 1, NULL},     {"preset", 1, NULL},     {"seed", 1, NULL},
                      {"precision", 1, NULL},   {"report", 1, NULL},     {"out", 1, NULL},     {"classes", 1, NULL},
                      {"fashion-dir", 1, NULL}, {"json", 1, NULL},       {"backend", 1, NULL},
                      {"seeds", 1, NULL},       {"widths", 1, NULL},     {"no-plots", 0, NULL},
                      {"checkpoint", 1, NULL},  {"resume", 0, NULL},     {"shard", 1, NULL},
                      {"quiet", 0, NULL},       {"max-memory", 1, NULL}, {"timing", 0, NULL},
                      {NULL, 0, NULL}};
    memset(job, 0, sizeof *job);
    job->prog = prog;
    run_opts ro;
    run_opts_init(&ro);
    ro.prog = prog;
    ro.argc = argc;
    ro.argv = argv;
    deq_error_t err;
    deq_error_init(err);
    const char *pos[8];
    int npos, help;
    if (cli_parse(opts, pos, 8, &npos, &help, argc, argv, first, err) != DEQ_OK)
        return usage(prog, err);
    if (help) {
        run_help(stdout, prog);
        return CLI_EXIT_OK;
    }
    const thm_family *fams[8];
    int nfam = 0;
    for (int k = 0; k < npos; k++) {
        const thm_family *fam = thm_family_find(pos[k]);
        if (!fam) {
            fprintf(stderr, "%s: %s: unknown check family (see %s --help)\n", prog, pos[k],
                    prog);
            return CLI_EXIT_USAGE;
        }
        for (int q = 0; q < nfam; q++)
            if (fams[q] == fam) {
                fprintf(stderr, "%s: %s: family named twice\n", prog, pos[k]);
                return CLI_EXIT_USAGE;
            }
        fams[nfam++] = fam;
    }
    if (nfam == 0)
        for (int k = 0; k < thm_registry_count; k++)
            fams[nfam++] = thm_registry[k];

    const run_profile *prof = &run_profiles[0];
    const char *v;
    if ((v = cli_value(opts, "profile"))) {
        prof = run_profile_find(v);
        if (!prof) {
            fprintf(stderr, "%s: --profile: expected quick, default or paper, got \"%s\"\n",
                    prog, v);
            return CLI_EXIT_USAGE;
        }
    }
    thm_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.profile = prof->name;
    cfg.scale = thm_scale_of_profile(prof->name);
    memcpy(cfg.widths, prof->widths, sizeof cfg.widths);
    cfg.n_widths = prof->n_widths;
    cfg.d = prof->d;
    cfg.n = prof->n;
    cfg.seeds = prof->seeds;
    cfg.mpfr_max_m = prof->mpfr_max_m;
    cfg.prec = DEQ_PREC_DEFAULT;
    cfg.seed = 1;
    cfg.sub = -1;
    cfg.fashion_pos = 0;
    cfg.fashion_neg = 1;
    cfg.fashion_dir = cli_value(opts, "fashion-dir");
    long seed = 1, seeds = cfg.seeds;
    report_backend backend = REPORT_BACKEND_BOTH;
    if (((v = cli_value(opts, "seed")) && cli_long_in(&seed, "seed", v, 0, 4294967295L, err)) ||
        ((v = cli_value(opts, "precision")) &&
         cli_long_in(&cfg.prec, "precision", v, DEQ_PREC_MIN, DEQ_PREC_MAX / 2, err)) ||
        ((v = cli_value(opts, "seeds")) && cli_long_in(&seeds, "seeds", v, 1, 1000, err)) ||
        ((v = cli_value(opts, "widths")) &&
         parse_long_list(cfg.widths, &cfg.n_widths, 8, "widths", v, 2, 1L << 24, err)) ||
        ((v = cli_value(opts, "classes")) &&
         cli_class_pair(&cfg.fashion_pos, &cfg.fashion_neg, v, err)))
        return usage(prog, err);
    cfg.seed = (unsigned long)seed;
    cfg.seeds = (int)seeds;
    if ((v = cli_value(opts, "backend")) && !report_backend_parse(&backend, v)) {
        fprintf(stderr, "%s: --backend: expected both, double or mpfr, got \"%s\"\n", prog,
                v);
        return CLI_EXIT_USAGE;
    }
    if (backend == REPORT_BACKEND_DOUBLE)
        cfg.mpfr_max_m = 0;
    if ((v = cli_value(opts, "preset"))) {
        char buf[256];
        if (strlen(v) >= sizeof buf) {
            fprintf(stderr, "%s: --preset: value too long\n", prog);
            return CLI_EXIT_USAGE;
        }
        snprintf(buf, sizeof buf, "%s", v);
        for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
             tok = strtok_r(NULL, ",", &save)) {
            const deq_preset *p = deq_preset_find(tok);
            if (!p || p->family != DEQ_FAMILY_EQUILIBRIUM) {
                fprintf(stderr,
                        "%s: --preset: \"%s\" is not an equilibrium preset (%s)\n", prog,
                        tok, "gao2021, gaogao2022, ling2022, truong2023");
                return CLI_EXIT_USAGE;
            }
            for (int q = 0; q < cfg.n_presets; q++)
                if (cfg.presets[q] == p) {
                    fprintf(stderr, "%s: --preset: %s named twice\n", prog, tok);
                    return CLI_EXIT_USAGE;
                }
            if (cfg.n_presets == 8) {
                fprintf(stderr, "%s: --preset: at most 8 presets\n", prog);
                return CLI_EXIT_USAGE;
            }
            cfg.presets[cfg.n_presets++] = p;
        }
        if (cfg.n_presets == 0) {
            fprintf(stderr, "%s: --preset: expected a preset name\n", prog);
            return CLI_EXIT_USAGE;
        }
    } else {
        for (int k = 0; k < deq_preset_count; k++)
            if (deq_presets[k].family == DEQ_FAMILY_EQUILIBRIUM)
                cfg.presets[cfg.n_presets++] = &deq_presets[k];
    }
    ro.shard_k = 1, ro.shard_n = 1;
    if ((v = cli_value(opts, "shard"))) {
        /* exactly digits/digits: sscanf would take blanks, signs and overflow */
        size_t a = strspn(v, "0123456789"), b = v[a] == '/' ? strspn(v + a + 1, "0123456789") : 0;
        int shape_ok = a >= 1 && a <= 6 && b >= 1 && b <= 6 && v[a + 1 + b] == '\0';
        ro.shard_k = shape_ok ? strtol(v, NULL, 10) : 0;
        ro.shard_n = shape_ok ? strtol(v + a + 1, NULL, 10) : 0;
        if (!shape_ok || ro.shard_n < 1 || ro.shard_k < 1 || ro.shard_k > ro.shard_n ||
            ro.shard_n > 100000) {
            fprintf(stderr, "%s: --shard: expected K/N with 1 <= K <= N, got \"%s\"\n",
                    prog, v);
            return CLI_EXIT_USAGE;
        }
    }
    double limit, need = run_memory_estimate(&cfg);
    if (cli_memory_limit(&limit, cli_value(opts, "max-memory"), err) != DEQ_OK)
        return usage(prog, err);
    if (need > limit) {
        long wide = thm_max_square_width(&cfg);
        fprintf(stderr,
                "%s: the largest case needs about %.3g GiB (width %ld%s, n %ld, MPFR up "
                "to m = %ld at %ld bits), more than the limit %.3g GiB (--max-memory)\n",
                prog, need / 1073741824.0, wide,
                wide > cfg.widths[cfg.n_widths - 1] ? " in T2.ling2022_theorem2's width ladder" : "", cfg.n,
                cfg.mpfr_max_m, cfg.prec, limit / 1073741824.0);
        return CLI_EXIT_USAGE;
    }
    /* --out DIR (default RUN_DEFAULT_OUT, a run directory in the working
     * directory, never a file of the sources): DIR/report.md with its plots
     * and DIR/results.json; --report and --json name either file instead */
    const char *out = cli_value(opts, "out");
    if (!out && !cli_value(opts, "report"))
        out = RUN_DEFAULT_OUT;
    if (out) {
        if (strlen(out) > 900 || !*out) {
            fprintf(stderr, "%s: --out: empty, or a path longer than 900 bytes\n", prog);
            return CLI_EXIT_USAGE;
        }
        mkdir(out, 0777); /* an existing directory is fine; other failures show below */
        snprintf(job->out_report, sizeof job->out_report, "%s/report.md", out);
        snprintf(job->out_json, sizeof job->out_json, "%s/results.json", out);
    }
    job->report = cli_value(opts, "report") ? cli_value(opts, "report") : job->out_report;
    job->json = cli_value(opts, "json") ? cli_value(opts, "json") : out ? job->out_json : NULL;
    ro.checkpoint = cli_value(opts, "checkpoint");
    ro.resume = cli_value(opts, "resume") != NULL;
    ro.quiet = cli_value(opts, "quiet") != NULL;
    job->plots = cli_value(opts, "no-plots") == NULL;
    job->timing = cli_value(opts, "timing") != NULL;
    job->t_start = deq_clock_seconds();
    /* paths are stored in JSON (UTF-8) and in fixed buffers of the run */
    const struct {
        const char *flag, *value;
    } paths[] = {{"report", job->report}, {"json", job->json}, {"checkpoint", ro.checkpoint},
                 {"fashion-dir", cfg.fashion_dir}};
    for (size_t q = 0; q < sizeof paths / sizeof *paths; q++)
        if (paths[q].value && (strlen(paths[q].value) > 900 || !report_utf8_valid(paths[q].value))) {
            fprintf(stderr, "%s: --%s: path longer than 900 bytes or not UTF-8\n", prog,
                    paths[q].flag);
            return CLI_EXIT_USAGE;
        }
    /* Fashion-MNIST files that are there but unsound are bad input, found
     * before any work: the family that reads them (theorems/generalization.c)
     * reports any load failure as N/A, the right verdict only for a machine
     * without the package. */
    for (int k = 0; k < nfam; k++)
        if (strcmp(fams[k]->name, "generalization") == 0) {
            int present;
            if (data_fashion_check(cfg.fashion_dir, &present, err) != DEQ_OK)
                return usage(prog, err);
        }
    if (ro.resume && !ro.checkpoint) {
        fprintf(stderr, "%s: --resume: needs --checkpoint DIR\n", prog);
        return CLI_EXIT_USAGE;
    }
    cli_ensure_parent_dir(job->report);
    if (cli_check_writable("report", job->report, err) != DEQ_OK ||
        (job->json && cli_check_writable("json", job->json, err) != DEQ_OK))
        return usage(prog, err);
    ro.cfg = cfg;
    ro.backend = backend;
    ro.nfam = nfam;
    for (int k = 0; k < nfam; k++)
        ro.fams[k] = fams[k];
    if (run_init(job->r, &ro, err) != DEQ_OK)
        return usage(prog, err);
    return -1;
}

/* The rows on standard output: one line each, double and MPFR rows of a case
 * adjacent, so the two backends read side by side. */
static void print_rows(FILE *f, const thm_family *fam, const thm_results_struct *res)
{
    fprintf(f, "%s (%ld rows)\n", fam->title, res->len);
    int idw = (int)strlen("check");
    for (long r = 0; r < res->len; r++) {
        int len = (int)strlen(res->rows[r].id) + res->rows[r].is_control;
        idw = len > idw ? len : idw;
    }
    fprintf(f, "%-*s %-13s %6s %-22s %-18s %12s %12s %12s  %s\n", idw, "check", "preset", "m", "data",
            "backend", "lhs", "rhs", "digits", "verdict");
    for (long r = 0; r < res->len; r++) {
        const thm_row *w = &res->rows[r];
        char m[24], b[3][32];
        snprintf(m, sizeof m, w->width >= 0 ? "%ld" : "-", w->width);
        char id[sizeof w->id + 1];
        snprintf(id, sizeof id, "%s%s", w->id, w->is_control ? "*" : "");
        fprintf(f, "%-*s %-13.13s %6s %-22.22s %-18.18s %12s %12s %12s  %s\n", idw, id, w->preset, m,
                w->data, w->backend, report_fmt_num(b[0], sizeof b[0], w->lhs),
                report_fmt_num(b[1], sizeof b[1], w->rhs),
                report_fmt_num(b[2], sizeof b[2], w->digits), thm_verdict_name(w->verdict));
    }
    fprintf(f, "(* a control: a case built so that the assertion is false)\n\n");
}

int cli_run_job_finish(cli_run_job *job)
{
    const char *prog = job->prog;
    report_run_struct *run = job->r->run;
    for (int k = 0; k < run->nfam; k++) {
        thm_results_t res;
        thm_results_init(res);
        report_run_family_results(res, run, k);
        print_rows(stdout, run->fams[k], res);
        thm_results_clear(res);
    }
    report_totals tot;
    report_run_totals(&tot, run);
    report_env env;
    report_env_get(&env);
    double wall = deq_clock_seconds() - job->t_start;
    if (job->timing)
        run->wall_seconds = wall;
    deq_error_t err;
    deq_error_init(err);
    int bad_output = 0;
    if (report_markdown_write(job->report, run, &env, job->plots, err) != DEQ_OK) {
        fprintf(stderr, "%s: %s\n", prog, err->msg);
        bad_output = 1;
    }
    if (job->json && report_json_write(job->json, run, &env, err) != DEQ_OK) {
        fprintf(stderr, "%s: %s\n", prog, err->msg);
        bad_output = 1;
    }
    long done = report_run_n_done(run);
    char line[320];
    report_totals_line(line, sizeof line, &tot);
    printf("%s over %ld of %ld cases in %.1f s; report: %s\n", line, done, run->n_cases, wall,
           job->report);
    int failed = report_run_failed(run);
    run_clear(job->r);
    return failed || bad_output ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

int cli_cmd_run(int argc, char **argv)
{
    cli_run_job job;
    int st = cli_run_job_prepare(&job, "deqcheck run", argc, argv, 2);
    if (st >= 0)
        return st;
    run_execute(job.r);
    return cli_run_job_finish(&job);
}
