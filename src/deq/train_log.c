/* Backend-free parts of training: the log. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/status.h"
#include "deq/train.h"

const char *deq_train_outcome_name(deq_train_outcome o)
{
    static const char *const names[] = {"ok", "forward-failed", "adjoint-failed", "non-finite"};
    return o >= DEQ_TRAIN_OK && o <= DEQ_TRAIN_NONFINITE ? names[o] : "?";
}

void deq_train_log_init(deq_train_log_t log)
{
    memset(log, 0, sizeof *log);
}

void deq_train_log_clear(deq_train_log_t log)
{
    free(log->steps);
    memset(log, 0, sizeof *log);
}

int deq_train_log_write_csv(const deq_train_log_t log, FILE *f)
{
    if (fprintf(f, "step,loss,grad_norm2,dA,dU,dv,rho_upper,rho_estimate,fwd_iters,adj_iters,"
                   "lam_min_G,lam_max_G\n") < 0)
        return -1;
    for (long k = 0; k < log->len; k++) {
        const deq_train_step *s = &log->steps[k];
        if (fprintf(f, "%ld,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%ld,%ld,%.17g,%.17g\n", s->k,
                    s->loss, s->grad_norm2, s->dA, s->dU, s->dv, s->rho_upper, s->rho_estimate,
                    s->fwd_iters, s->adj_iters, s->lam_min, s->lam_max) < 0)
            return -1;
    }
    return 0;
}
