/* Progress of a run on stderr: a bar redrawn every second on a terminal,
 * else a line every few seconds, drawn by a thread of its own so that a long
 * case still shows the time going by. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "core/clock.h"
#include "run/run.h"

#define PROGRESS_LINE_SECONDS 5

struct run_progress {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    long total, done, done_here;
    char key[96];
    double start, case_start;
    int tty, stop;
};

static void fmt_time(char *buf, size_t len, double s)
{
    long t = (long)s;
    if (t >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

static void progress_draw(run_progress *p, int final)
{
    double now = deq_clock_seconds(), el = now - p->start;
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
    run_progress *p = arg;
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

run_progress *run_progress_start(long total, long already_done, int quiet)
{
    if (quiet)
        return NULL;
    run_progress *p = calloc(1, sizeof *p);
    DEQ_REQUIRE(p);
    pthread_mutex_init(&p->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* a clock step must not stall the bar */
    pthread_cond_init(&p->wake, &ca);
    pthread_condattr_destroy(&ca);
    p->total = total;
    p->done = already_done;
    p->start = deq_clock_seconds();
    p->tty = isatty(fileno(stderr));
    if (pthread_create(&p->thread, NULL, progress_main, p) != 0) {
        pthread_mutex_destroy(&p->lock);
        pthread_cond_destroy(&p->wake);
        free(p);
        return NULL;
    }
    return p;
}

void run_progress_case(run_progress *p, const char *key)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    snprintf(p->key, sizeof p->key, "%s", key);
    if (p->tty)
        progress_draw(p, 0);
    pthread_mutex_unlock(&p->lock);
}

void run_progress_done(run_progress *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->done++;
    p->done_here++;
    pthread_mutex_unlock(&p->lock);
}

void run_progress_stop(run_progress *p)
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
