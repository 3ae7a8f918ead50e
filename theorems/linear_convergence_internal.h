/* Internals of the T3 family (theorems/linear_convergence.c) exposed for its
 * tests: the per-run statistics of a GD run, the preset context of the rate
 * part, and the row builders shared by real rows and control rows (a control
 * goes through the same builder with only the case or one asserted constant
 * changed). Not part of the library's interface. */
#ifndef DEQ_THEOREMS_LINEAR_CONVERGENCE_INTERNAL_H
#define DEQ_THEOREMS_LINEAR_CONVERGENCE_INTERNAL_H

#include "deq/train.h"
#include "theorems/theorem.h"

/* The preset's side of a rate case: H^∞'s spectrum and the step. */
typedef struct {
    const deq_preset *pre;
    long n, d;
    double gamma, lsig;           /* γ and the activation's Lipschitz bound */
    double lam0, lam0_lo, lam0_hi; /* λ₀ = λ_min(H^∞) and an interval around it */
    int lam0_certified;           /* lam0_lo > 0 from a certified lower bound */
    double lmax, lmax_lo, lmax_hi; /* λ_max(H^∞) */
    double eta;                   /* the step of the runs */
    double q;                     /* the predicted factor 1 − ηλ₀/2 */
    double ynorm;                 /* ‖y‖ */
} t3_ctx;

/* What the rows read from one GD run (t3_stats_from_log). */
typedef struct {
    int ok;                       /* the run took all its steps */
    char why[48];                 /* its outcome otherwise */
    long m, steps;
    unsigned long seed;
    double loss0, lossK;          /* L(0), L(K) */
    double rho0, rho_max, rho_max_est; /* certified ρ̄(0), max_k ρ̄(k), max_k of the estimate */
    double growth;                /* max_k |ρ̄(k) − ρ̄(0)| */
    double c;                     /* ‖A(0)‖₂/√m upper bound, ρ̄(0)/(γ L_σ) */
    double lam_min0;              /* λ_min(G(0)) */
    double lam_min, lam_min_err;  /* min over recorded steps of λ_min(G(k)), its error bar */
    long lam_at;
    double lam_max;               /* max over recorded steps of λ_max(G(k)) */
    double fac, fac_err;          /* max_{k>=1} (L(k)/L(0))^{1/k} and its relative error */
    long fac_at;
    double dist, dist_err;        /* max over steps and trained groups of ‖θ_g(k) − θ_g(0)‖_F */
    double rel[3];                /* final ‖θ_g(K) − θ_g(0)‖/‖θ_g(0)‖ per group A, U, v (NAN: not trained) */
    double norm0_min;             /* min over trained groups of ‖θ_g(0)‖_F: the lazy bound's trivial value */
} t3_run_stats;

/* Fills st from a run's log; norm0[3] are ‖A(0)‖_F, ‖U(0)‖_F, ‖v(0)‖. */
void t3_stats_from_log(t3_run_stats *st, const deq_train_log_t log, const t3_ctx *cx, long m,
                       unsigned long seed, const double norm0[3]);

/* Row builders: control = 0 a real row, 1 a control row (thm_results_add_control).
 * t3_lazy_row's `constant` multiplies R = √n‖r(0)‖/λ₀ (1: the default);
 * t3_t1_row's `bound` is the asserted bound on ρ̄ (1: the theorem's);
 * t3_rate_row and t3_t2_row with control = 1 replace λ₀ by λ_max(H^∞). */
void t3_rate_row(thm_results_t out, int control, const t3_ctx *cx, const t3_run_stats *st,
                 const char *data);
void t3_lazy_row(thm_results_t out, int control, const t3_ctx *cx, const t3_run_stats *st,
                 double constant);
void t3_t1_row(thm_results_t out, int control, const t3_ctx *cx, const t3_run_stats *st,
               double bound);
void t3_t2_row(thm_results_t out, int control, const t3_ctx *cx, const t3_run_stats *st);
/* T3.pl_step on a run: ‖∇L‖² >= 2λ_min(G)L at the tightest recorded step;
 * control = 1 puts λ_max(G) in place of λ_min(G). */
void t3_pl_row(thm_results_t out, int control, const deq_train_log_t log, const deq_preset *pre,
               long m, long n, long d, unsigned long seed, double ynorm, long prec);

/* The rate part for one preset (any deq_preset, so tests can vary γ): the
 * runs over cfg's widths (up to T3's cap) and seeds and their rows. */
void t3_rate_preset(thm_results_t out, const thm_config *cfg, const deq_preset *pre, int p);

/* Error model of a GD run (derived; see linear_convergence.c): the relative
 * error of the network Jacobian J at width m, n samples, input dimension d,
 * precision prec and contraction ρ̄. */
double t3_jacobian_rel_err(long m, long n, long d, long prec, double rho);

#endif
