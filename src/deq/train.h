/* Full-batch gradient descent on the equilibrium model (docs/THEORY.md §3), generic
 * source deq/train.c: θ ← θ − η∇L for the trained groups (DEQ_TRAIN_A/U/V),
 * forward and adjoint solves warm-started from the previous step, and a log
 * per step. */
#ifndef DEQ_DEQ_TRAIN_H
#define DEQ_DEQ_TRAIN_H

#include "deq/grad.h"
#include "deq/model.h"

/* `deqcheck train`'s default choice of solver (--solver auto, both models; a
 * default, not a paper's): per step, Picard iteration when the step's
 * certified ρ̄ is small enough that Banach's bound r_k <= ρ̄^k r_0 has it
 * converge within the iteration limit (deq_solver_by_contraction), else
 * Anderson. Where Picard is sure to converge it is also as fast per product:
 * on these models (Gaussian weights, half the units active) the Jacobian's
 * spectrum fills a disk about 0, on which no method built from products with
 * it contracts faster per product (bench/README); measured at m = n = 1000,
 * Anderson (depth 5) took the same iterations on every preset while streaming
 * 2·depth more m×n columns per iteration. The `run` checks keep the solvers'
 * default, Anderson. */

typedef struct {
    long steps;         /* GD steps K */
    double lr;          /* η */
    unsigned trained;   /* DEQ_TRAIN_* bits */
    long gram_every;    /* λ_min(G) every this many steps (and at the last); 0: never */
    int progress;       /* progress on stderr (results are unaffected): 0 none, 1 one line
                         * redrawn on a terminal, 2 a line every 5 s */
    int auto_solver;    /* 1: each step's solves by deq_solver_by_contraction at the step's
                         * ρ̄ (deqcheck train --solver auto); 0: by the solve options' solver */
} deq_train_opts;

/* What deq_train_checked judges beyond deq_train, which stops only at a
 * failed solve or NaN/Inf (the theorems' runs rely on that: they judge a
 * diverging run themselves). */
typedef struct {
    int keep_going;     /* 0: stop at the first trouble (divergence, ρ̄ >= 1, a failed
                         * solve); 1: record it and go on while the numbers are finite */
} deq_train_checks;

typedef enum {
    DEQ_TRAIN_OK = 0,          /* all steps taken */
    DEQ_TRAIN_FORWARD_FAILED,  /* a forward solve did not converge (step recorded) */
    DEQ_TRAIN_ADJOINT_FAILED,  /* an adjoint solve did not converge */
    DEQ_TRAIN_NONFINITE,       /* the loss or a weight became NaN/Inf */
    DEQ_TRAIN_DIVERGED,        /* the loss rose above max(L(0), ½‖y‖²) (see train.c) */
    DEQ_TRAIN_RHO_GE_1         /* the certified ρ̄ reached 1: well-posedness not certified */
} deq_train_outcome;

const char *deq_train_outcome_name(deq_train_outcome o);

/* One recorded step k (the state before the k-th update; k = steps is the final state). */
typedef struct {
    long k;
    double loss;
    double grad_norm2;            /* ‖∇_θ L‖² over the trained groups */
    double dA, dU, dv;            /* ‖θ − θ₀‖_F per group */
    double rho_upper;             /* certified ρ̄ = L·α_A·‖A(k)‖₂⁺ */
    int rho_full;                 /* 1: ‖A(k)‖₂⁺ from a full refresh at A(k); 0: the incremental
                                   * bound of the last full refresh plus ‖A(k) − A_ref‖_F
                                   * (deq_problem_set_rho_refresh_slack) */
    double rho_estimate;          /* L·α_A·(estimate of ‖A‖₂) at the last full refresh */
    long fwd_iters, adj_iters;
    deq_solver solver;            /* the step's solves' */
    double lam_min;               /* λ_min(G(k)) of the trained groups; NAN off the schedule */
    double lam_max;
    /* certified: λ_min(G(k)) >= lam_min_lower, λ_max(G(k)) <= lam_max_upper
     * (Cholesky certificates; NAN off the schedule, ∓inf when not certified) */
    double lam_min_lower, lam_max_upper;
    char event[160];              /* "" or the trouble found at this step */
} deq_train_step;

typedef struct {
    deq_train_step *steps;
    long len, cap;
    deq_train_outcome outcome;    /* the first trouble (DEQ_TRAIN_OK: none) */
    long trouble_step;            /* its step, or −1 */
    int stopped;                  /* 1: training ended at trouble_step (else all steps taken) */
    double diverge_threshold;     /* the loss above which training counts as diverged */
    double diverge_slack;         /* its relative rounding allowance */
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

/* The progress line of a training run (both models, on stderr): mode 1
 * redraws it on a terminal at most once a second, 2 prints a line every 5 s;
 * step k of `steps` always shows when k = steps. *t_shown: when it last showed
 * (start with -INFINITY); t_start: deq_train_now() at the start. */
double deq_train_now(void);
void deq_train_progress(int mode, long k, long steps, double loss, double rho_upper,
                        double t_start, double *t_shown);

#endif
