/* Progress of one long solve on standard error (solve, grad, kernel): the iteration,
 * the relative residual against its target, and an estimate of the time left
 * from the rate at which the residual has been falling (bits per second). */
#include "core/clock.h"
#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Seconds between two displays: redrawn on a terminal, a line otherwise
 * (DEQCHECK_PROGRESS_SECONDS overrides the latter, for logs and tests). */
#define ITER_PROGRESS_TTY_SECONDS 1.0
#define ITER_PROGRESS_LINE_SECONDS 5.0

void cli_iter_progress_format(char *buf, size_t len, const char *what, long iterations,
                              double log2_rel, double log2_target, double first_log2,
                              double elapsed)
{
    int used = snprintf(buf, len, "%s: iteration %ld, relative residual 2^%.0f (target 2^%.0f)",
                        what, iterations, log2_rel, log2_target);
    /* the residual has fallen first_log2 − log2_rel bits in `elapsed` seconds;
     * at that speed the bits still to go take the rest (an estimate: Newton
     * polishing at the end is faster, a stalling solve slower) */
    double fallen = first_log2 - log2_rel, to_go = log2_rel - log2_target;
    if (used > 0 && (size_t)used < len && fallen > 0 && elapsed > 0 && isfinite(to_go)) {
        double left = to_go > 0 ? to_go / (fallen / elapsed) : 0;
        snprintf(buf + used, len - (size_t)used, ", about %.0f:%02.0f left", floor(left / 60),
                 fmod(floor(left), 60));
    }
}

void cli_iter_progress_observe(void *ctx, long iterations, double log2_rel, double log2_target)
{
    cli_iter_progress *p = ctx;
    double t = deq_clock_seconds();
    if (iterations == 1 || !p->started) {
        p->started = 1;
        p->start = p->last = t;
        p->first_log2 = log2_rel;
        return;
    }
    if (t - p->last < p->interval)
        return;
    p->last = t;
    char line[200];
    cli_iter_progress_format(line, sizeof line, p->what, iterations, log2_rel, log2_target,
                             p->first_log2, t - p->start);
    if (p->tty)
        fprintf(stderr, "\r%-79s", line);
    else
        fprintf(stderr, "%s\n", line);
    p->printed = 1;
}

double cli_progress_line_seconds(double fallback)
{
    const char *env = getenv("DEQCHECK_PROGRESS_SECONDS");
    if (!env)
        return fallback;
    char *end;
    errno = 0;
    double sec = strtod(env, &end);
    return end != env && *end == '\0' && !errno && isfinite(sec) && sec >= 0 ? sec : fallback;
}

int cli_iter_progress_start(cli_iter_progress *p, const char *what, int requested)
{
    memset(p, 0, sizeof *p);
    p->what = what;
    p->tty = isatty(fileno(stderr));
    if (!p->tty && !requested)
        return 0;
    p->interval =
        p->tty ? ITER_PROGRESS_TTY_SECONDS : cli_progress_line_seconds(ITER_PROGRESS_LINE_SECONDS);
    return 1;
}

void cli_iter_progress_attach(cli_iter_progress *p, deq_solve_opts *o, const char *what,
                              int requested)
{
    if (!cli_iter_progress_start(p, what, requested))
        return;
    o->observe = cli_iter_progress_observe;
    o->observe_ctx = p;
}

void cli_count_progress_tick(cli_iter_progress *p, long done, long total, const char *unit)
{
    double t = deq_clock_seconds();
    if (!p->started) {
        p->started = 1;
        p->start = p->last = t;
    }
    if (done <= 0 || t - p->last < p->interval || done >= total)
        return;
    p->last = t;
    /* the items so far took (t − start)/done each: the rest at that rate */
    double left = (t - p->start) / (double)done * (double)(total - done);
    char line[200];
    snprintf(line, sizeof line, "%s: %s %ld of %ld done, about %.0f:%02.0f left", p->what, unit,
             done, total, floor(left / 60), fmod(floor(left), 60));
    if (p->tty)
        fprintf(stderr, "\r%-79s", line);
    else
        fprintf(stderr, "%s\n", line);
    p->printed = 1;
}

void cli_iter_progress_finish(cli_iter_progress *p)
{
    if (p->printed && p->tty)
        fprintf(stderr, "\r%-79s\r", ""); /* the summary lines follow on a clean line */
}
