/* Options and outcome of an equilibrium solve (backend-free plain data). */
#ifndef DEQ_DEQ_SOLVE_INFO_H
#define DEQ_DEQ_SOLVE_INFO_H

#include "num/xreal.h"

typedef enum { DEQ_SOLVER_PICARD = 0, DEQ_SOLVER_ANDERSON = 1 } deq_solver;

typedef enum {
    DEQ_CONVERGED = 0, /* residual at or below the tolerance */
    DEQ_MAX_ITER,      /* iteration limit reached above the tolerance */
    DEQ_STAGNATED,     /* residual stopped decreasing above the tolerance */
    DEQ_DIVERGED,      /* residual grew past any plausible fixed point */
    DEQ_NONFINITE      /* NaN or Inf appeared */
} deq_outcome;

/* Solver workspaces, one type per backend (deq/forward.h); the slots its
 * callers may take beside a solve's own. */
#define DEQ_SOLVE_WS_CALLER_SLOTS 8
struct deq_solve_ws_d;
struct deq_solve_ws_mp;

typedef struct {
    deq_solver solver;
    double tol;         /* relative: max_i‖Φ(z_i) − z_i‖₂ <= tol·max_i‖z_i‖₂; 0 = derived from precision */
    long max_iter;      /* iterations of the solver (Newton steps not counted) */
    int depth;          /* Anderson: history length */
    double ridge;       /* Anderson: Tikhonov term, relative to the trace of the normal matrix */
    double damping;     /* Anderson: β in x+ = x − ΔXγ + β(f − ΔFγ), 0 < β <= 1 */
    int newton;         /* MPFR: polish with Newton steps once the solver reaches √tol */
    long newton_max;    /* MPFR: Newton steps at most */
    long patience;      /* iterations without a new smallest residual before stagnation */
    /* Optional observer, called after every solver iteration with the
     * iteration count and log2 of the relative residual and of its target
     * (logarithms: both may lie far outside double's range); for progress
     * displays. It reads, never steers: NULL (the default) changes nothing. */
    void (*observe)(void *ctx, long iterations, double log2_rel, double log2_target);
    void *observe_ctx;
    /* Optional workspace of the solve's backend (deq_solve_ws_init_d/_mp):
     * the solvers' m×n buffers, kept from one solve to the next instead of
     * allocated (and page-faulted in) per solve, as a training loop's steps
     * want. Results are the same with or without. NULL (the default): every
     * solve allocates its own. */
    struct deq_solve_ws_d *ws_d;
    struct deq_solve_ws_mp *ws_mp;
} deq_solve_opts;

void deq_solve_opts_default(deq_solve_opts *o);
const char *deq_solver_name(deq_solver s);
/* 0 on success, -1 for an unknown name. */
int deq_solver_parse(deq_solver *s, const char *name);
/* log2 of the relative tolerance the solves of m-vectors at prec bits stop at
 * (o->tol, or the derived 2√m·2^-prec), in a double at any precision where
 * the tolerance itself would underflow. */
double deq_solve_tol_log2(const deq_solve_opts *o, long m, long prec);
/* The largest certified contraction ρ̄ at which Picard iteration is sure to
 * reach a relative residual tol = 2^log2_tol within max_iter iterations from
 * a start whose relative residual is at most 2 (z = 0: ‖Φ(0)‖ <= (1 + ρ̄)‖z*‖):
 * Banach's r_k <= ρ̄^k r_0 gives (tol/2)^(1/max_iter). A rule for choosing a
 * solver, not a bound anything is certified with. */
double deq_picard_rho_max(long max_iter, double log2_tol);
/* Picard when rho_upper <= deq_picard_rho_max(max_iter, log2_tol), else
 * Anderson (deqcheck train's --solver auto, per step). */
deq_solver deq_solver_by_contraction(double rho_upper, long max_iter, double log2_tol);
const char *deq_outcome_name(deq_outcome o);

typedef struct {
    deq_outcome outcome;
    long iterations;        /* solver iterations (each one evaluation of Φ) */
    long newton_steps;
    double tol;             /* the relative tolerance used (derived when opts.tol = 0) */
    double tol_floor;       /* stagnation below this relative residual counts as converged */
    double resid;           /* final max_i ‖Φ(z_i) − z_i‖₂ (absolute) */
    double resid_rel;       /* resid / max_i ‖z_i‖₂ */
    double znorm;           /* max_i ‖z_i‖₂ */
    double *trace;          /* residual (absolute) after each iteration, then each Newton step */
    long trace_len;
    long trace_cap;
    double observed_contraction; /* geometric mean of successive residual ratios before the floor */
    double rho_upper;       /* certified ρ̄ = L·α_A·‖A‖₂⁺ (+inf when unknown) */
    int certified;          /* ρ̄ < 1 was certified */
    double err_bound;       /* when certified: max_i ‖z_i − z_i*‖₂ <= err_bound (rigorous), else NAN */
    double err_bound_rel;   /* err_bound / max_i ‖z_i‖₂ */
    double round_slack;     /* max_i of the rounding allowance e_i included in err_bound */
    /* The same quantities with a long exponent: at high precision or extreme
     * scale the doubles above under- or overflow (a bound rounded up to the
     * least subnormal, a residual rounded to 0); reports print these. */
    num_xreal tol_x, resid_x, resid_rel_x, err_bound_x, err_bound_rel_x;
} deq_solve_info_struct;
typedef deq_solve_info_struct deq_solve_info_t[1];

void deq_solve_info_init(deq_solve_info_t info);
void deq_solve_info_clear(deq_solve_info_t info);
void deq_solve_info_reset(deq_solve_info_t info);
void deq_solve_info_push(deq_solve_info_t info, double resid);

#endif
