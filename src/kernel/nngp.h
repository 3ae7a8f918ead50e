/* Equilibrium NNGP and NTK kernels (docs/THEORY.md §2.1, §2.2), in both backends
 * (generic source kernel/nngp.c).
 *
 *   Λ = γ²·Σ + σ_u²·G_X,   Σ_ij = F(Λ_ii, Λ_jj, Λ_ij),   Ṡ_ij = Ḟ(Λ_ii, Λ_jj, Λ_ij)   (K)
 *
 * Structure used by the solver: the diagonal of (K) is n scalar equations
 * Λ_ii = γ²F(Λ_ii,Λ_ii,Λ_ii) + σ_u²G_ii that do not involve the off-diagonal;
 * given the diagonal, every off-diagonal entry is again a scalar equation
 * k = γ²F(Λ_ii,Λ_jj,k) + σ_u²G_ij. So (K) is solved in two phases of
 * fixed-point iteration (Picard, optionally accelerated per entry by the
 * secant step = Anderson of depth 1 on a scalar, with its slope clamped to the
 * Lipschitz bound and a fall-back to the Picard step when it fails to reduce
 * the residual):
 *
 *   diagonal, in s = √Λ_ii:  s ↦ Ψ(s) = √(γ²‖σ(s·g)‖²_{L²} + σ_u²G_ii).
 *     s ↦ ‖σ(s·g)‖ is L-Lipschitz (triangle inequality), so |Ψ′| ≤ γL =: ρ_diag;
 *   off-diagonal, in k:  |∂k[γ²F]| = γ²|Ḟ| ≤ γ²L² =: ρ_off.
 *
 * Both are contractions when γL < 1 (the condition γ²L² < 1 of docs/THEORY.md
 * §2.1), and then for any iterate x the returned Picard image Φ̂(x) satisfies
 * |Φ̂(x) − x*| ≤ (ρ·|Φ̂(x) − x| + e)/(1 − ρ), e the rounding of one evaluation.
 * The iteration stays inside |k| ≤ √(Λ_iiΛ_jj) (Cauchy–Schwarz on the PSD
 * matrices Σ and G_X), so F is always evaluated on a valid covariance.
 */
#ifndef DEQ_KERNEL_NNGP_H
#define DEQ_KERNEL_NNGP_H

#include "kernel/dual.h"
#include "num/mat.h"

typedef enum {
    KERNEL_CONVERGED = 0,      /* the stopping rule was met */
    KERNEL_MAX_ITER,           /* iteration limit reached above the tolerance */
    KERNEL_STAGNATED,          /* the step stopped decreasing above the rounding floor */
    KERNEL_DIVERGED,           /* the step grew past any plausible fixed point */
    KERNEL_NONFINITE,          /* NaN or Inf in the data or the iterates */
    KERNEL_NOT_APPLICABLE,     /* (K) does not describe the model (input_map = relu) */
    KERNEL_BACKWARD_UNSTABLE   /* NTK: γ²Ṡ_ij ≥ 1 for some pair, P undefined */
} kernel_outcome;

static inline const char *kernel_outcome_name(kernel_outcome o)
{
    switch (o) {
    case KERNEL_CONVERGED: return "converged";
    case KERNEL_MAX_ITER: return "max-iter";
    case KERNEL_STAGNATED: return "stagnated";
    case KERNEL_DIVERGED: return "diverged";
    case KERNEL_NONFINITE: return "non-finite";
    case KERNEL_NOT_APPLICABLE: return "not-applicable";
    case KERNEL_BACKWARD_UNSTABLE: return "backward-unstable";
    }
    return "?";
}

/* How the input enters the equilibrium (docs/THEORY.md §1). */
typedef enum {
    KERNEL_INPUT_LINEAR = 0, /* α_U·U·x: zero-mean Gaussian injection, (K) applies */
    KERNEL_INPUT_RELU = 1    /* α_U·√2·relu(U·x): (K) does not apply (§2.4), refused */
} kernel_input_map;

typedef struct {
    kernel_dual_method method; /* AUTO: closed form for relu/erf/sin, Hermite series otherwise */
    long order;                /* Gauss–Hermite order for the quadrature routes; 0 = default */
    double tol;                /* 0: iterate to the rounding floor (derived); > 0: stop when the
                                  error estimate (or, not contractive, the step) is <= tol times
                                  the phase's scale (max √Λ_ii on the diagonal, max Λ_ii off it) */
    long max_iter;             /* per phase; 0 = derived (see nngp.c) */
    long patience;             /* iterations without a new smallest step before stopping */
    int accelerate;            /* 1: per-entry secant steps when contractive; 0: plain Picard */
    kernel_input_map input_map;
    /* Optional observer, called after every map evaluation of either phase
     * with the phase's iteration count (1, 2, ... in the diagonal phase, then
     * again from 1 in the off-diagonal one), log2 of the largest step relative
     * to the phase's scale, and log2 of the relative step at which the
     * stopping rule would end the phase (logarithms: both may lie outside
     * double's range). For progress displays: it reads, never steers; NULL
     * (the default) changes nothing, and results are the same with one. */
    void (*observe)(void *ctx, long iterations, double log2_rel, double log2_target);
    void *observe_ctx;
} kernel_nngp_opts;

static inline void kernel_nngp_opts_default(kernel_nngp_opts *o)
{
    o->method = KERNEL_DUAL_AUTO;
    o->order = 0;
    o->tol = 0.0;
    o->max_iter = 0;
    o->patience = 10;
    o->accelerate = 1;
    o->input_map = KERNEL_INPUT_LINEAR;
    o->observe = NULL;
    o->observe_ctx = NULL;
}

typedef struct {
    kernel_outcome outcome;
    const char *reason;        /* one line: why it is not CONVERGED (static text), else "" */
    kernel_dual_method method; /* resolved dual method */
    long order;                /* its rule order (0 for closed forms) */
    long iterations_diag;      /* map evaluations of the diagonal phase */
    long iterations_off;       /* map evaluations of the off-diagonal phase */
    double rho_diag;           /* γ·L (rounded up): diagonal contraction bound, variable √Λ_ii */
    double rho_off;            /* γ²·L² (rounded up): off-diagonal contraction bound, variable Λ_ij */
    int contractive;           /* rho_diag < 1 (then also rho_off < 1) */
    double scale;              /* max_i Λ_ii */
    double round_err;          /* estimated rounding of one evaluation of k ↦ γ²F + σ_u²G (absolute) */
    double tol;                /* the user tolerance, or 0 when derived */
    double step_diag, step_off; /* last max step of each phase (absolute; diag in √Λ) */
    double resid;              /* max_ij |Λ − γ²Σ − σ_u²G_X| at the returned Λ, Σ (absolute) */
    double resid_rel;          /* resid / scale */
    double err_est;            /* contractive: estimate of max_ij |Λ_ij − Λ*_ij| for the method's
                                  dual map (iteration + rounding); NAN otherwise */
    double dual_err;           /* quadrature routes: max over i of kernel_dual_approx_err at
                                  Λ_ii (0 for closed forms, +inf for relu by quadrature); the
                                  exact (K) differs further by about γ²·dual_err/(1 − rho_off)
                                  in Λ and dual_err in Σ, Ṡ */
    /* The same with long exponents (num/xreal.h), for data whose kernel lies
     * outside double's range or precisions whose rounding is below it: the
     * doubles above are these rounded to nearest (0 below double's range;
     * err_est and dual_err rounded up: never 0 for a nonzero value). */
    num_xreal scale_x, resid_x, err_est_x, dual_err_x;
} kernel_nngp_info_struct;
typedef kernel_nngp_info_struct kernel_nngp_info_t[1];

typedef struct {
    kernel_outcome outcome;    /* CONVERGED (= computed), BACKWARD_UNSTABLE or NONFINITE */
    const char *reason;
    double max_gain;           /* max_ij γ²Ṡ_ij */
    long bad_i, bad_j;         /* a pair with γ²Ṡ_ij ≥ 1 (−1 if none) */
} kernel_ntk_info_struct;
typedef kernel_ntk_info_struct kernel_ntk_info_t[1];

#include "num/tmpl_on_d.h"
#include "kernel/nngp_tmpl.h"
#include "num/tmpl_off.h"
#include "num/tmpl_on_mp.h"
#include "kernel/nngp_tmpl.h"
#include "num/tmpl_off.h"

#endif
