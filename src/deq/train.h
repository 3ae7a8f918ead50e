/* Full-batch gradient descent on the equilibrium model (THEOREMS §3), generic
 * source deq/train.c: θ ← θ − η∇L for the trained groups (DEQ_TRAIN_A/U/V),
 * forward and adjoint solves warm-started from the previous step, and a log
 * per step. */
#ifndef DEQ_DEQ_TRAIN_H
#define DEQ_DEQ_TRAIN_H

#include "deq/grad.h"
#include "deq/model.h"

typedef struct {
    long steps;         /* GD steps K */
    double lr;          /* η */
    unsigned trained;   /* DEQ_TRAIN_* bits */
    long gram_every;    /* λ_min(G) every this many steps (and at the last); 0: never */
    int progress;       /* 1: a progress line on stderr per step (results are unaffected) */
} deq_train_opts;

typedef enum {
    DEQ_TRAIN_OK = 0,          /* all steps taken */
    DEQ_TRAIN_FORWARD_FAILED,  /* a forward solve did not converge (step recorded) */
    DEQ_TRAIN_ADJOINT_FAILED,  /* an adjoint solve did not converge */
    DEQ_TRAIN_NONFINITE        /* the loss or a weight became NaN/Inf */
} deq_train_outcome;

const char *deq_train_outcome_name(deq_train_outcome o);

/* One recorded step k (the state before the k-th update; k = steps is the final state). */
typedef struct {
    long k;
    double loss;
    double grad_norm2;            /* ‖∇_θ L‖² over the trained groups */
    double dA, dU, dv;            /* ‖θ − θ₀‖_F per group */
    double rho_upper;             /* certified ρ̄ = L·α_A·‖A(k)‖₂⁺ */
    double rho_estimate;          /* L·α_A·(estimate of ‖A(k)‖₂) */
    long fwd_iters, adj_iters;
    double lam_min;               /* λ_min(G(k)) of the trained groups; NAN off the schedule */
    double lam_max;
} deq_train_step;

typedef struct {
    deq_train_step *steps;
    long len, cap;
    deq_train_outcome outcome;
} deq_train_log_struct;
typedef deq_train_log_struct deq_train_log_t[1];

void deq_train_log_init(deq_train_log_t log);
void deq_train_log_clear(deq_train_log_t log);
/* Writes the log as CSV (header line, then one line per step); 0 or -1. */
int deq_train_log_write_csv(const deq_train_log_t log, FILE *f);

#include "num/tmpl_on_d.h"
#include "deq/train_tmpl.h"
#include "num/tmpl_off.h"
#include "num/tmpl_on_mp.h"
#include "deq/train_tmpl.h"
#include "num/tmpl_off.h"

#endif
