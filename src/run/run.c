/* The run: profiles, the cases this process computes, their execution with
 * progress, and SIGINT/SIGTERM, which finish the checkpoint line in flight
 * and print how to resume. */
#include <ctype.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/run_impl.h"

/* docs/THEORY.md §6; sizes are starting points kept within each budget on 2 cores.
 * The paper profile's sizes are ours (the papers' exact hyper-parameters are
 * not known): widths up to 4096, n = 256 synthetic inputs, 5 seeds. */
const run_profile run_profiles[] = {
    {"quick", {32, 64, 128}, 3, 8, 16, 2, 128, "widths 32-128, n=16, 2 seeds, MPFR up to m=128"},
    {"default", {64, 128, 256, 512, 1024}, 5, 16, 64, 3, 256,
     "widths 64-1024, n=64, 3 seeds, MPFR up to m=256"},
    {"paper", {256, 512, 1024, 2048, 4096}, 5, 32, 256, 5, 512,
     "widths 256-4096, n=256, 5 seeds, MPFR up to m=512; hours, use --checkpoint"},
};
const int run_profile_count = sizeof run_profiles / sizeof *run_profiles;

const run_profile *run_profile_find(const char *name)
{
    for (int k = 0; k < run_profile_count; k++)
        if (strcmp(run_profiles[k].name, name) == 0)
            return &run_profiles[k];
    return NULL;
}

/* The double matrices of one case at width m with n inputs: a handful of
 * m×m and m×n (weights, gradients, copies). */
static double double_case_bytes(double m, double n)
{
    return 8.0 * (8 * m * m + 8 * m * n);
}

/* Peak memory of the largest case, estimated: the double matrices at the
 * run's largest width, or at the widest m×m matrix a check's own ladder
 * builds (thm_max_square_width: T2.ling2022_theorem2's), and the MPFR
 * matrices of the widths run in MPFR plus the n×n kernels at twice the
 * precision (the ladder). */
double run_memory_estimate(const thm_config *cfg)
{
    double m = (double)cfg->widths[cfg->n_widths - 1], n = (double)cfg->n;
    double mmp = fmin(m, (double)cfg->mpfr_max_m);
    double nk = fmax(n, 1000.0); /* T4's Fashion-MNIST kernels reach n = 1000 */
    double dbl = fmax(double_case_bytes(m, nk), double_case_bytes((double)thm_max_square_width(cfg), n));
    double entry_mp = sizeof(__mpfr_struct) + 8.0 * ceil(2.0 * (double)cfg->prec / 64.0 + 1);
    return dbl + entry_mp * (6 * mmp * mmp + 6 * mmp * n + 4 * n * n);
}

void run_opts_init(run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->shard_k = o->shard_n = 1;
    o->prog = "deqcheck run";
}

deq_status run_init(run_t r, const run_opts *opts, deq_error_t err)
{
    memset(r, 0, sizeof *r);
    r->opts = *opts;
    r->ckpt_fd = -1;
    report_run_init(r->run, &opts->cfg, opts->backend, opts->fams, opts->nfam);
    if (opts->checkpoint && run_ckpt_open(r, err) != DEQ_OK) {
        run_clear(r);
        return err->status;
    }
    return DEQ_OK;
}

void run_clear(run_t r)
{
    if (r->ckpt_fd >= 0)
        close(r->ckpt_fd);
    report_run_clear(r->run);
    memset(r, 0, sizeof *r);
    r->ckpt_fd = -1;
}

int run_wants(const run_t r, long k)
{
    return k % r->opts.shard_n == r->opts.shard_k - 1 && !r->run->done[k];
}

long run_todo(const run_t r)
{
    long todo = 0;
    for (long k = 0; k < r->run->n_cases; k++)
        todo += run_wants(r, k);
    return todo;
}

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
static void sig_message_build(const run_struct *r)
{
    size_t len = 0, cap = 256;
    char *cmd = deq_malloc(cap);
    cmd[0] = '\0';
    int has_resume = 0;
    for (int a = 0; a < r->opts.argc; a++) {
        shell_word(&cmd, &len, &cap, r->opts.argv[a], a > 0);
        has_resume |= strcmp(r->opts.argv[a], "--resume") == 0;
    }
    size_t mcap = len + 512 + (r->opts.checkpoint ? strlen(r->opts.checkpoint) : 0);
    char *m = deq_malloc(mcap);
    if (r->opts.checkpoint)
        snprintf(m, mcap,
                 "\n%s: interrupted; every finished case is recorded in %s (the case in flight "
                 "is not). Resume with:\n  %s%s\n",
                 r->opts.prog, r->opts.checkpoint, cmd, has_resume ? "" : " --resume");
    else
        snprintf(m, mcap,
                 "\n%s: interrupted; nothing can be resumed: this run had no --checkpoint. To "
                 "make a run resumable, start it with --checkpoint DIR:\n  %s --checkpoint DIR\n",
                 r->opts.prog, cmd);
    free(cmd);
    sig_message = m;
    sig_message_len = strlen(m);
}

void run_signals(const run_t r, int on)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    if (on) {
        sig_message_build(r);
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

void run_record(run_t r, long k)
{
    sig_in_record = 1;
    run_ckpt_record_line(r, k);
    sig_in_record = 0;
    if (sig_pending)
        sig_exit(sig_pending);
}


void run_execute(run_t r)
{
    run_progress *prog = run_progress_start(report_run_n_done(r->run) + run_todo(r),
                                            report_run_n_done(r->run), r->opts.quiet);
    run_signals(r, 1);
    for (long k = 0; k < r->run->n_cases; k++) {
        if (!run_wants(r, k))
            continue;
        run_progress_case(prog, r->run->cases[k].key);
        report_run_case(r->run, k);
        run_record(r, k);
        run_progress_done(prog);
    }
    run_signals(r, 0);
    run_progress_stop(prog);
}
