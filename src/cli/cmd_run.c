/* `deqcheck run`: the validation run. Runs the cases of the theorem families
 * (theorems/) on a profile, optionally a shard of them, optionally
 * checkpointed, and writes a Markdown report with plots and JSON results. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

typedef struct {
    const char *name;
    long widths[8];
    int n_widths;
    long d, n;
    int seeds;
    long mpfr_max_m;
    const char *summary;
} run_profile;

/* docs/THEORY.md §6; sizes are starting points kept within each budget on 2 cores.
 * The paper profile's sizes are ours (the papers' exact hyper-parameters are
 * not known): widths up to 4096, n = 256 synthetic inputs, 5 seeds. */
static const run_profile profiles[] = {
    {"quick", {32, 64, 128}, 3, 8, 16, 2, 128, "widths 32-128, n=16, 2 seeds, MPFR up to m=128"},
    {"default", {64, 128, 256, 512, 1024}, 5, 16, 64, 3, 256,
     "widths 64-1024, n=64, 3 seeds, MPFR up to m=256"},
    {"paper", {256, 512, 1024, 2048, 4096}, 5, 32, 256, 5, 512,
     "widths 256-4096, n=256, 5 seeds, MPFR up to m=512; hours, use --checkpoint"},
};
#define N_PROFILES (sizeof profiles / sizeof *profiles)

static void run_help(FILE *f, const char *prog)
{
    /* "deqcheck run" and "deqcheck-mpi" have the same length: the usage lines align */
    fprintf(f,
"Usage: %s [FAMILY...] [--profile quick|default|paper] [--preset NAME[,NAME...]]\n"
"                    [--backend both|double|mpfr] [--precision BITS] [--seeds N]\n"
"                    [--widths M[,M...]] [--seed S] [--report FILE.md] [--json FILE.json]\n"
"                    [--no-plots] [--classes A,B] [--fashion-dir DIR]\n"
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
    for (size_t k = 0; k < N_PROFILES; k++)
        fprintf(f, "                      %-8s %s\n", profiles[k].name, profiles[k].summary);
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
"  --no-plots          no SVG plots (the report says so); also when gnuplot is absent\n"
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

/* Peak memory of the largest case, estimated: a handful of m×m and m×n double
 * matrices (weights, gradients, copies) and the MPFR matrices of the widths
 * run in MPFR plus the n×n kernels at twice the precision (the ladder). */
static double memory_estimate(const thm_config *cfg)
{
    double m = (double)cfg->widths[cfg->n_widths - 1], n = (double)cfg->n;
    double mmp = fmin(m, (double)cfg->mpfr_max_m);
    double nk = fmax(n, 1000.0); /* T4's Fashion-MNIST kernels reach n = 1000 */
    double entry_mp = sizeof(__mpfr_struct) + 8.0 * ceil(2.0 * (double)cfg->prec / 64.0 + 1);
    return 8.0 * (8 * m * m + 8 * m * nk) + entry_mp * (6 * mmp * mmp + 6 * mmp * n + 4 * n * n);
}

static int usage(const char *prog, deq_error_t err)
{
    fprintf(stderr, "%s: %s\n", prog, err->msg);
    return CLI_EXIT_USAGE;
}

/* ---------- checkpoint ---------- */

/* Reads DIR/cases.jsonl into the run. A last line cut short by a kill is
 * dropped (and cut from the file, so appends start on a line boundary). */
static deq_status ckpt_load(cli_run_job *job, const char *path, deq_error_t err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return errno == ENOENT ? DEQ_OK
                               : deq_error_set(err, DEQ_ERR_INPUT, "--checkpoint %s: %s", path,
                                               strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long lineno = 0, good_end = 0;
    deq_status st = DEQ_OK;
    while ((len = getline(&line, &cap, f)) > 0 && st == DEQ_OK) {
        lineno++;
        if (line[len - 1] != '\n')
            break; /* cut short */
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        char where[1200];
        snprintf(where, sizeof where, "%s:%ld", path, lineno);
        if (!o) {
            /* a damaged line is tolerated only as the last one */
            if (fgetc(f) == EOF)
                break;
            st = deq_error_set(err, DEQ_ERR_INPUT, "%s: %s", where, je.text);
            break;
        }
        long k = (long)json_integer_value(json_object_get(o, "index"));
        if (k >= 0 && k < job->run->n_cases && job->run->done[k])
            st = deq_error_set(err, DEQ_ERR_INPUT, "%s: case recorded twice", where);
        else
            st = report_json_case_read(job->run, o, where, err);
        json_decref(o);
        good_end = ftell(f);
    }
    free(line);
    fclose(f);
    if (st == DEQ_OK && truncate(path, good_end) != 0)
        st = deq_error_set(err, DEQ_ERR_INPUT, "--checkpoint %s: %s", path, strerror(errno));
    return st;
}

/* What a checkpoint must agree on to be resumed: the run configuration, the
 * shard, and the code that computed it (results of another revision must not
 * be mixed in). New reference. */
static json_t *ckpt_identity(const cli_run_job *job)
{
    report_env env;
    report_env_get(&env);
    json_t *o = json_object();
    json_object_set_new(o, "config", report_json_config(job->run));
    json_object_set_new(o, "shard", json_pack("[II]", (json_int_t)job->shard_k,
                                              (json_int_t)job->shard_n));
    json_object_set_new(o, "version", json_string(env.deqcheck));
    json_object_set_new(o, "revision", json_string(env.revision));
    json_object_set_new(o, "cases_total", json_integer(job->run->n_cases));
    return o;
}

/* Writes path through a temporary file, flushed and renamed, so a kill leaves
 * the old file or the new one, never a part. */
static deq_status write_file_atomic(const char *path, json_t *o, deq_error_t err)
{
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    int ok = f && json_dumpf(o, f, JSON_INDENT(1) | JSON_SORT_KEYS) == 0 && fflush(f) == 0 &&
             fsync(fileno(f)) == 0;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return deq_error_set(err, DEQ_ERR_INPUT, "--checkpoint %s: cannot write: %s", path,
                             strerror(errno));
    }
    return DEQ_OK;
}

static deq_status ckpt_open(cli_run_job *job, deq_error_t err)
{
    const char *dir = job->checkpoint;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return deq_error_set(err, DEQ_ERR_INPUT, "--checkpoint %s: %s", dir, strerror(errno));
    char cfgpath[1100], logpath[1100];
    snprintf(cfgpath, sizeof cfgpath, "%s/run.json", dir);
    snprintf(logpath, sizeof logpath, "%s/cases.jsonl", dir);
    int exists = access(cfgpath, F_OK) == 0;
    if (exists && !job->resume)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "--checkpoint %s: holds an earlier run; add --resume to continue it, "
                             "or remove the directory",
                             dir);
    if (!exists && job->resume)
        return deq_error_set(err, DEQ_ERR_INPUT, "--resume: %s has no run to resume (no run.json)",
                             dir);
    /* one process per checkpoint: a second one would interleave its records */
    job->ckpt_fd = open(logpath, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (job->ckpt_fd < 0)
        return deq_error_set(err, DEQ_ERR_INPUT, "--checkpoint %s: %s", logpath, strerror(errno));
    if (flock(job->ckpt_fd, LOCK_EX | LOCK_NB) != 0)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "--checkpoint %s: in use by another deqcheck process (one "
                             "checkpoint directory per run or shard)",
                             dir);
    json_t *mine = ckpt_identity(job);
    deq_status st = DEQ_OK;
    if (exists) {
        json_error_t je;
        json_t *theirs = json_load_file(cfgpath, 0, &je);
        const char *theirs_rev = json_string_value(json_object_get(theirs, "revision"));
        if (!theirs)
            st = deq_error_set(err, DEQ_ERR_INPUT, "%s:%d: %s", cfgpath, je.line, je.text);
        else if (!json_equal(json_object_get(mine, "config"), json_object_get(theirs, "config")) ||
                 !json_equal(json_object_get(mine, "shard"), json_object_get(theirs, "shard")))
            st = deq_error_set(err, DEQ_ERR_INPUT,
                               "--resume: %s was made with other options (profile, sizes, seeds, "
                               "presets, precision, families, backend or shard differ)",
                               cfgpath);
        else if (!json_equal(json_object_get(mine, "revision"),
                             json_object_get(theirs, "revision")) ||
                 !json_equal(json_object_get(mine, "version"), json_object_get(theirs, "version")))
            st = deq_error_set(err, DEQ_ERR_INPUT,
                               "--resume: %s was computed by deqcheck revision %s, this is %s; "
                               "results of two builds are not mixed",
                               cfgpath, theirs_rev ? theirs_rev : "?",
                               json_string_value(json_object_get(mine, "revision")));
        json_decref(theirs);
        if (st == DEQ_OK)
            st = ckpt_load(job, logpath, err);
    } else {
        /* a log without its run.json belongs to nothing */
        if (ftruncate(job->ckpt_fd, 0) != 0)
            st = deq_error_set(err, DEQ_ERR_INPUT, "--checkpoint %s: %s", logpath,
                               strerror(errno));
        else
            st = write_file_atomic(cfgpath, mine, err);
    }
    json_decref(mine);
    return st;
}

static void ckpt_disable(cli_run_job *job, long k, const char *why)
{
    fprintf(stderr,
            "%s: warning: --checkpoint %s: case %s not recorded (%s); checkpointing "
            "stops, the run goes on\n",
            job->prog, job->checkpoint, job->run->cases[k].key, why);
    close(job->ckpt_fd);
    job->ckpt_fd = -1;
}

static void cli_run_job_record_line(cli_run_job *job, long k);

/* ---------- Ctrl-C: finish the checkpoint line, say how to resume ---------- */

/* Set while a checkpoint line is being written: a SIGINT/SIGTERM then waits
 * for the line (and its fsync) to finish, so the interrupted run leaves no
 * line cut short and the message can say exactly what was recorded. */
static volatile sig_atomic_t sig_in_record, sig_pending;
/* The message printed on a signal, built before the run (a handler may only
 * write(2) what is ready). */
static char *sig_message;
static size_t sig_message_len;

static void sig_exit(int sig)
{
    if (sig_message) {
        ssize_t w = write(STDERR_FILENO, sig_message, sig_message_len);
        (void)w;
    }
    /* the shell's convention for death by signal */
    _exit(128 + sig);
}

static void sig_handler(int sig)
{
    if (sig_in_record)
        sig_pending = sig;
    else
        sig_exit(sig);
}

/* A word as the shell reads it back: bare when it has only safe characters,
 * else in single quotes (a quote inside as '\''). */
static void shell_word(char **buf, size_t *len, size_t *cap, const char *w, int space)
{
    int safe = w[0] != '\0';
    for (const char *c = w; *c; c++)
        if (!(isalnum((unsigned char)*c) || strchr("-_./=,:+@%", *c)))
            safe = 0;
    size_t need = *len + 4 * strlen(w) + 5;
    if (need > *cap) {
        *cap = 2 * need;
        *buf = deq_realloc(*buf, *cap);
    }
    char *o = *buf + *len;
    if (space)
        *o++ = ' ';
    if (safe)
        o += sprintf(o, "%s", w);
    else {
        *o++ = '\'';
        for (const char *c = w; *c; c++) {
            if (*c == '\'')
                o += sprintf(o, "'\\''");
            else
                *o++ = *c;
        }
        *o++ = '\'';
    }
    *o = '\0';
    *len = (size_t)(o - *buf);
}

/* The message of an interrupted run: with a checkpoint, the command that
 * resumes it (the same command line plus --resume); without, that nothing
 * can be resumed and how to make a run resumable. */
static void sig_message_build(const cli_run_job *job)
{
    size_t len = 0, cap = 256;
    char *cmd = deq_malloc(cap);
    cmd[0] = '\0';
    int has_resume = 0;
    for (int a = 0; a < job->argc; a++) {
        shell_word(&cmd, &len, &cap, job->argv[a], a > 0);
        has_resume |= strcmp(job->argv[a], "--resume") == 0;
    }
    size_t mcap = len + 512 + (job->checkpoint ? strlen(job->checkpoint) : 0);
    char *m = deq_malloc(mcap);
    if (job->checkpoint)
        snprintf(m, mcap,
                 "\n%s: interrupted; every finished case is recorded in %s (the case in flight "
                 "is not). Resume with:\n  %s%s\n",
                 job->prog, job->checkpoint, cmd, has_resume ? "" : " --resume");
    else
        snprintf(m, mcap,
                 "\n%s: interrupted; nothing can be resumed: this run had no --checkpoint. To "
                 "make a run resumable, start it with --checkpoint DIR:\n  %s --checkpoint DIR\n",
                 job->prog, cmd);
    free(cmd);
    sig_message = m;
    sig_message_len = strlen(m);
}

static void sig_install(const cli_run_job *job, int on)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    if (on) {
        sig_message_build(job);
        sa.sa_handler = sig_handler;
    } else {
        sa.sa_handler = SIG_DFL;
    }
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (!on) {
        free(sig_message);
        sig_message = NULL;
    }
}

void cli_run_job_record(cli_run_job *job, long k)
{
    sig_in_record = 1;
    cli_run_job_record_line(job, k);
    sig_in_record = 0;
    if (sig_pending)
        sig_exit(sig_pending);
}

static void cli_run_job_record_line(cli_run_job *job, long k)
{
    if (job->ckpt_fd < 0)
        return;
    json_t *o = report_json_case(job->run, k);
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    json_decref(o);
    if (!text) {
        ckpt_disable(job, k, "cannot encode it");
        return;
    }
    size_t len = strlen(text);
    text = deq_realloc(text, len + 2);
    text[len++] = '\n';
    /* one write of the whole line: a kill leaves it whole or cut short, and a
     * line cut short is dropped on resume; a short write (disk full) is undone
     * so later lines cannot be glued to its stump */
    off_t end = lseek(job->ckpt_fd, 0, SEEK_END);
    ssize_t w;
    do
        w = write(job->ckpt_fd, text, len);
    while (w < 0 && errno == EINTR);
    if (w != (ssize_t)len) {
        char why[160];
        snprintf(why, sizeof why, "%s", w < 0 ? strerror(errno) : "short write, disk full?");
        if (end >= 0 && ftruncate(job->ckpt_fd, end) != 0)
            snprintf(why, sizeof why, "a short write could not be undone: %s", strerror(errno));
        ckpt_disable(job, k, why);
    } else if (fsync(job->ckpt_fd) != 0) {
        ckpt_disable(job, k, strerror(errno));
    }
    free(text);
}

/* ---------- options ---------- */

int cli_run_job_prepare(cli_run_job *job, const char *prog, int argc, char **argv, int first)
{
    cli_opt opts[] = {{"profile", 1, NULL},     {"preset", 1, NULL},     {"seed", 1, NULL},
                      {"precision", 1, NULL},   {"report", 1, NULL},     {"out", 1, NULL},     {"classes", 1, NULL},
                      {"fashion-dir", 1, NULL}, {"json", 1, NULL},       {"backend", 1, NULL},
                      {"seeds", 1, NULL},       {"widths", 1, NULL},     {"no-plots", 0, NULL},
                      {"checkpoint", 1, NULL},  {"resume", 0, NULL},     {"shard", 1, NULL},
                      {"quiet", 0, NULL},       {"max-memory", 1, NULL}, {NULL, 0, NULL}};
    memset(job, 0, sizeof *job);
    job->prog = prog;
    job->argc = argc;
    job->argv = argv;
    job->ckpt_fd = -1;
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

    const run_profile *prof = &profiles[0];
    const char *v;
    if ((v = cli_value(opts, "profile"))) {
        prof = NULL;
        for (size_t k = 0; k < N_PROFILES; k++)
            if (strcmp(profiles[k].name, v) == 0)
                prof = &profiles[k];
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
    job->shard_k = 1, job->shard_n = 1;
    if ((v = cli_value(opts, "shard"))) {
        /* exactly digits/digits: sscanf would take blanks, signs and overflow */
        size_t a = strspn(v, "0123456789"), b = v[a] == '/' ? strspn(v + a + 1, "0123456789") : 0;
        int shape_ok = a >= 1 && a <= 6 && b >= 1 && b <= 6 && v[a + 1 + b] == '\0';
        job->shard_k = shape_ok ? strtol(v, NULL, 10) : 0;
        job->shard_n = shape_ok ? strtol(v + a + 1, NULL, 10) : 0;
        if (!shape_ok || job->shard_n < 1 || job->shard_k < 1 || job->shard_k > job->shard_n ||
            job->shard_n > 100000) {
            fprintf(stderr, "%s: --shard: expected K/N with 1 <= K <= N, got \"%s\"\n",
                    prog, v);
            return CLI_EXIT_USAGE;
        }
    }
    double limit, need = memory_estimate(&cfg);
    if (cli_memory_limit(&limit, cli_value(opts, "max-memory"), err) != DEQ_OK)
        return usage(prog, err);
    if (need > limit) {
        fprintf(stderr,
                "%s: the largest case needs about %.3g GiB (width %ld, n %ld, MPFR up "
                "to m = %ld at %ld bits), more than the limit %.3g GiB (--max-memory)\n",
                prog, need / 1073741824.0, cfg.widths[cfg.n_widths - 1], cfg.n,
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
    job->checkpoint = cli_value(opts, "checkpoint");
    job->resume = cli_value(opts, "resume") != NULL;
    job->quiet = cli_value(opts, "quiet") != NULL;
    job->plots = cli_value(opts, "no-plots") == NULL;
    /* paths are stored in JSON (UTF-8) and in fixed buffers of the run */
    const struct {
        const char *flag, *value;
    } paths[] = {{"report", job->report}, {"json", job->json}, {"checkpoint", job->checkpoint},
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
    if (job->resume && !job->checkpoint) {
        fprintf(stderr, "%s: --resume: needs --checkpoint DIR\n", prog);
        return CLI_EXIT_USAGE;
    }
    cli_ensure_parent_dir(job->report);
    if (cli_check_writable("report", job->report, err) != DEQ_OK ||
        (job->json && cli_check_writable("json", job->json, err) != DEQ_OK))
        return usage(prog, err);
    report_run_init(job->run, &cfg, backend, fams, nfam);
    if (job->checkpoint && ckpt_open(job, err) != DEQ_OK) {
        report_run_clear(job->run);
        return usage(prog, err);
    }
    return -1;
}

int cli_run_job_wants(const cli_run_job *job, long k)
{
    return k % job->shard_n == job->shard_k - 1 && !job->run->done[k];
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
        snprintf(m, sizeof m, w->width >= 0 ? "%ld" : "-", w->width);
        char id[40];
        snprintf(id, sizeof id, "%s%s", w->id, w->is_control ? "*" : "");
        fprintf(f, "%-20s %-13.13s %6s %-22.22s %-18.18s %12s %12s %12s  %s\n", id, w->preset, m,
                w->data, w->backend, report_fmt_num(b[0], sizeof b[0], w->lhs),
                report_fmt_num(b[1], sizeof b[1], w->rhs),
                report_fmt_num(b[2], sizeof b[2], w->digits), thm_verdict_name(w->verdict));
    }
    fprintf(f, "(* a control: a case built so that the assertion is false)\n\n");
}

int cli_run_job_finish(cli_run_job *job)
{
    const char *prog = job->prog;
    report_run_struct *run = job->run;
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
    printf("%s over %ld of %ld cases; report: %s\n", line, done, run->n_cases, job->report);
    int failed = report_run_failed(run);
    if (job->ckpt_fd >= 0)
        close(job->ckpt_fd);
    report_run_clear(run);
    return failed || bad_output ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

/* ---------- progress ---------- */

#define PROGRESS_LINE_SECONDS 5

struct cli_progress {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    long total, done, done_here;
    char key[96];
    double start, case_start;
    int tty, stop;
};

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fmt_time(char *buf, size_t len, double s)
{
    long t = (long)s;
    if (t >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

static void progress_draw(cli_progress *p, int final)
{
    double now = wall(), el = now - p->start;
    char e[32], eta[48] = "";
    fmt_time(e, sizeof e, el);
    if (p->done_here > 0 && p->done < p->total) {
        char t[32];
        fmt_time(t, sizeof t, el / (double)p->done_here * (double)(p->total - p->done));
        snprintf(eta, sizeof eta, ", about %s left", t);
    }
    if (p->tty) {
        enum { W = 24 };
        char bar[W + 1], line[512];
        long fill = p->total ? p->done * W / p->total : W;
        for (int k = 0; k < W; k++)
            bar[k] = k < fill ? '#' : '.';
        bar[W] = '\0';
        snprintf(line, sizeof line, "[%s] %ld/%ld cases, %s elapsed%s%s%s", bar, p->done, p->total,
                 e, eta, final ? "" : "; now ", final ? "" : p->key);
        /* one terminal row, or the next \r would redraw only its last part */
        struct winsize ws;
        size_t cols = ioctl(fileno(stderr), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 ? ws.ws_col : 80;
        if (strlen(line) >= cols)
            line[cols - 1] = '\0';
        fprintf(stderr, "\r\033[K%s", line);
        if (final)
            fputc('\n', stderr);
    } else {
        fprintf(stderr, "progress: %ld/%ld cases, %s elapsed%s%s%s\n", p->done, p->total, e, eta,
                final ? "" : "; running ", final ? "" : p->key);
    }
    fflush(stderr);
}

static void *progress_main(void *arg)
{
    cli_progress *p = arg;
    pthread_mutex_lock(&p->lock);
    double period = p->tty ? 1.0 : PROGRESS_LINE_SECONDS;
    while (!p->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        double t = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec + period;
        ts.tv_sec = (time_t)t;
        ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
        if (pthread_cond_timedwait(&p->wake, &p->lock, &ts) != 0 && !p->stop)
            progress_draw(p, 0);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

cli_progress *cli_progress_start(long total, long already_done, int quiet)
{
    if (quiet)
        return NULL;
    cli_progress *p = calloc(1, sizeof *p);
    DEQ_REQUIRE(p);
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* a clock step must not stall the bar */
    pthread_cond_init(&p->wake, &ca);
    pthread_condattr_destroy(&ca);
    p->total = total;
    p->done = already_done;
    p->start = wall();
    p->tty = isatty(fileno(stderr));
    if (pthread_create(&p->thread, NULL, progress_main, p) != 0) {
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->wake);
        free(p);
        return NULL;
    }
    return p;
}

void cli_progress_case(cli_progress *p, const char *key)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    snprintf(p->key, sizeof p->key, "%s", key);
    if (p->tty)
        progress_draw(p, 0);
    pthread_mutex_unlock(&p->lock);
}

void cli_progress_done(cli_progress *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->done++;
    p->done_here++;
    pthread_mutex_unlock(&p->lock);
}

void cli_progress_stop(cli_progress *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    progress_draw(p, 1);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
    free(p);
}

/* ---------- the command ---------- */

void cli_run_job_execute(cli_run_job *job)
{
    long todo = 0;
    for (long k = 0; k < job->run->n_cases; k++)
        todo += cli_run_job_wants(job, k);
    cli_progress *prog = cli_progress_start(report_run_n_done(job->run) + todo,
                                            report_run_n_done(job->run), job->quiet);
    sig_install(job, 1);
    for (long k = 0; k < job->run->n_cases; k++) {
        if (!cli_run_job_wants(job, k))
            continue;
        cli_progress_case(prog, job->run->cases[k].key);
        report_run_case(job->run, k);
        cli_run_job_record(job, k);
        cli_progress_done(prog);
    }
    sig_install(job, 0);
    cli_progress_stop(prog);
}

int cli_cmd_run(int argc, char **argv)
{
    cli_run_job job;
    int st = cli_run_job_prepare(&job, "deqcheck run", argc, argv, 2);
    if (st >= 0)
        return st;
    cli_run_job_execute(&job);
    return cli_run_job_finish(&job);
}
