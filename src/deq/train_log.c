/* Backend-free parts of training: the log. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/status.h"
#include "deq/train.h"

const char *deq_train_outcome_name(deq_train_outcome o)
{
    static const char *const names[] = {"ok",         "forward-failed", "adjoint-failed",
                                        "non-finite", "diverged",       "rho-bar-reached-1"};
    return o >= DEQ_TRAIN_OK && o <= DEQ_TRAIN_RHO_GE_1 ? names[o] : "?";
}

void deq_train_log_init(deq_train_log_t log)
{
    memset(log, 0, sizeof *log);
    log->trouble_step = -1;
    log->diverge_threshold = log->diverge_slack = NAN;
}

void deq_train_log_clear(deq_train_log_t log)
{
    free(log->steps);
    memset(log, 0, sizeof *log);
}

int deq_train_log_write_csv(const deq_train_log_t log, FILE *f)
{
    if (fprintf(f, "step,loss,grad_norm2,dA,dU,dv,rho_upper,rho_source,rho_estimate,fwd_iters,adj_iters,"
                   "solver,lam_min_G,lam_max_G,lam_min_G_lower,lam_max_G_upper,event\n") < 0)
        return -1;
    for (long k = 0; k < log->len; k++) {
        const deq_train_step *s = &log->steps[k];
        /* the event is quoted (it may hold commas); it never holds a quote */
        if (fprintf(f, "%ld,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%s,%.17g,%ld,%ld,%s,%.17g,%.17g,%.17g,%.17g,"
                       "\"%s\"\n", s->k, s->loss, s->grad_norm2, s->dA, s->dU, s->dv, s->rho_upper,
                    s->rho_full ? "full" : "incremental", s->rho_estimate, s->fwd_iters, s->adj_iters,
                    deq_solver_name(s->solver), s->lam_min, s->lam_max,
                    s->lam_min_lower, s->lam_max_upper, s->event) < 0)
            return -1;
    }
    return 0;
}

double deq_train_now(void)
{
    return deq_clock_seconds();
}

void deq_train_progress(int mode, long k, long steps, double loss, double rho_upper,
                        double t_start, double *t_shown)
{
    double now = deq_train_now();
    if (!mode || (k != steps && now - *t_shown < (mode == 1 ? 1.0 : 5.0)))
        return;
    *t_shown = now;
    /* time left: the mean step so far times the steps to go (steps cost about
     * the same once the warm starts settle) */
    double el = now - t_start;
    fprintf(stderr, "%strain: step %ld/%ld  loss %.6e  rho_bar %.4f  %.0f s elapsed",
            mode == 1 ? "\r" : "", k, steps, loss, rho_upper, el);
    if (k > 0)
        fprintf(stderr, ", about %.0f s left", el / (double)k * (double)(steps - k));
    fprintf(stderr, mode == 1 ? "   " : "\n");
}
