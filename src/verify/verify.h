/* Certificates for a user's DEQ z = σ(W z + U x + b) (README "deqcheck certify").
 *
 * The model is taken exactly as stored (the file's float64/32/16 values are
 * doubles, held exactly), the inputs exactly as read. Every claim below is
 * about that model in exact real arithmetic: the certificates are computed
 * with Arb's ball arithmetic (arb_t, arb_mat_t, mag_t upper bounds), whose
 * balls contain the exact values whatever the rounding and whatever the scale
 * (Arb's exponents are unbounded, so data near 1e-300 or 1e+300 neither
 * underflow nor overflow). Floating-point work (LAPACK estimates, the solver)
 * only chooses the candidates that the balls then prove or refute.
 *
 * Backends: "double" solves in double and proves with balls at 53 bits; "mpfr"
 * refines the double solution at P bits and proves with balls at P bits.
 *
 * Conventions as in the rest of the library: Arb-style init/clear on caller
 * storage, outputs first and precision last, failures as return values (bad
 * input) or as fields of the result (a certificate that does not hold).
 */
#ifndef DEQ_VERIFY_VERIFY_H
#define DEQ_VERIFY_VERIFY_H

#include <arb_mat.h>

#include "core/status.h"
#include "deq/activation.h"
#include "num/mat.h"

/* ---- the model ---------------------------------------------------------- */

typedef struct {
    long m, d;
    mat_d_t W;          /* m×m, as stored */
    mat_d_t U;          /* m×d */
    mat_d_t b;          /* m×1 (zeros when the file has none) */
    mat_d_t v;          /* m×1 output head (only when has_v) */
    mat_d_t lambda;     /* m×1 diagonal of Λ (only when has_lambda) */
    int has_b, has_v, has_lambda;
    deq_act act;
    int act_from_file;  /* 1: the activation came from the file, 0: from the caller */
} verify_model_struct;
typedef verify_model_struct verify_model_t[1];

/* An empty model (clear is then a no-op). */
void verify_model_init(verify_model_t M);
void verify_model_clear(verify_model_t M);

/* Reads a model file (.npz or .safetensors; tensors W, U, optional b, v,
 * Lambda) into M (initialized, possibly holding an older model). act_name
 * (NULL: none) wins over the file's `activation` (safetensors __metadata__,
 * or a string array in an .npz). Errors are DEQ_ERR_INPUT with one line
 * "PATH: tensor NAME: ...": a missing or unreadable tensor, W not square, U's
 * rows or b's, v's, Lambda's length not m, NaN/Inf (by the reader), a Λ entry
 * that is not positive, no activation or an unknown one. */
deq_status verify_model_read(verify_model_t M, const char *path, const char *act_name,
                             deq_error_t err);

/* The same from matrices already in memory (tests, other callers): copies W,
 * U and b (NULL: zero), checks the shapes; `what` names the source in errors. */
deq_status verify_model_set(verify_model_t M, const mat_d_t W, const mat_d_t U, const mat_d_t b,
                            deq_act act, const char *what, deq_error_t err);

/* L = sup|σ′| as a ball (2/√π for erf, 1/4 for sigmoid, 1 otherwise). */
void verify_act_lipschitz(arb_t L, deq_act act, long prec);
/* 1 for the activations that are nondecreasing with slope in [0, L] (relu,
 * erf, tanh, sigmoid, softplus), for which σ(t) = σ̂(L t) with σ̂ = the
 * proximal operator of a closed convex proper function; 0 for sin. */
int verify_act_monotone(deq_act act);

/* ---- global certificates (for every input) ------------------------------ */

typedef struct {
    double lipschitz;     /* L, rounded up */
    /* Banach: L·‖W‖₂ < 1, ‖W‖₂ <= norm2_upper by a certified Cholesky of t²I − WᵀW */
    int banach;
    int norm2_method_cholesky; /* 0: the Frobenius fallback */
    double norm2_upper, norm2_estimate, banach_q; /* q = L·norm2_upper, rounded up */
    /* weighted ∞-norm (El Ghaoui et al. 2019): L·ρ(|W|) < 1, ρ(|W|) <= rho_upper
     * = max_i (|W|w)_i / w_i (Collatz–Wielandt) for a positive w */
    int weighted;
    double rho_upper, rho_estimate, weighted_q;
    /* monotone (Winston & Kolter 2020): sym(I − L·W) ⪰ μ I with μ = mu_lower > 0 */
    int monotone_applicable, monotone;
    double mu_lower, mu_estimate; /* mu_lower 0 when not certified */
    /* diagonally weighted (Revay, Wang & Manchester 2020): 2Λ − L(ΛW + WᵀΛ) ≻ 0 */
    int diagonal_applicable, diagonal;
    int diagonal_file_tried, diagonal_file;     /* the file's Lambda */
    int diagonal_perron_tried, diagonal_perron; /* Λ = diag(y_i / w_i), left / right vectors */
    long cholesky_attempts;                    /* over all certificates, for the report */
    int global;           /* any of the four */
    /* for the error bound of a contraction: q and the weights of the norm */
    arb_t q_banach, q_weighted;
    arb_mat_t weights;    /* m×1, w > 0 of the weighted certificate (when it holds) */
} verify_global_struct;
typedef verify_global_struct verify_global_t[1];

void verify_global_init(verify_global_t G, long m);
void verify_global_clear(verify_global_t G);
/* Tries the four global certificates on M at prec bits. */
void verify_global_certify(verify_global_t G, const verify_model_t M, long prec);

/* ---- the solver ---------------------------------------------------------- */

typedef struct {
    long max_iter;   /* Picard iterations at most (and Newton steps at most) */
} verify_solve_opts;

void verify_solve_opts_default(verify_solve_opts *o);

typedef struct {
    int converged;           /* the last residual is at rounding level (see solve.c) */
    long picard_iterations;
    int picard_converged;
    long newton_steps;       /* in double, after or instead of Picard */
    long refine_steps;       /* at P bits (mpfr backend) */
    double residual;         /* ‖F(ẑ)‖∞ of the final iterate, as a double (estimate) */
    double observed_contraction; /* Picard's step ratio, geometric mean over its last
                                    half; NaN when Picard did not get there */
} verify_solve_info;

/* ẑ (m×1, exact midpoints: doubles when prec == 0, else P-bit numbers) for the
 * input with injection c = U x + b (an m×1 ball vector at prec): Picard from
 * z = 0 (the forward pass of a DEQ), Newton in double when Picard does not
 * converge, Newton polishing in double, then (prec > 0) simplified Newton at
 * prec bits. z must be initialized m×1. prec 0 means the double backend. */
void verify_solve(arb_mat_t z, verify_solve_info *info, const verify_model_t M,
                  const arb_mat_t c, const verify_solve_opts *opts, long prec);

/* ---- local certificate (per input) --------------------------------------- */

typedef struct {
    int inclusion;        /* Krawczyk: B∞(ẑ, ρ) holds exactly one equilibrium */
    double err_bound;     /* ‖ẑ − z*‖₂ <= err_bound (rounded up; +inf when none) */
    double err_bound_inf; /* ‖ẑ − z*‖∞ <= err_bound_inf */
    double err_bound_f64; /* the same for ẑ rounded to float64 (as --out .npy writes it) */
    double radius;        /* no other equilibrium in B∞(ẑ, radius) (rounded down; 0: none) */
    int radius_capped;    /* the search stopped at its cap: the true radius may be larger */
    long kinks;           /* relu: pre-activations whose interval over the inclusion box
                             contains 0 (the slope enclosure is then [0, 1]) */
    long steps;           /* Krawczyk iterations (epsilon inflation) */
    double local_rate;    /* estimate of ρ(σ′(h)W) at ẑ: Picard's asymptotic rate */
    double contraction;   /* certified upper bound of ‖I − Y J(X)‖ over the inclusion box,
                             in the ρ-weighted ∞-norm (< 1 when inclusion holds) */
    const char *note;     /* why it failed, or NULL */
    char note_buf[160];
} verify_local_struct;
typedef verify_local_struct verify_local_t[1];

void verify_local_init(verify_local_t R);
void verify_local_clear(verify_local_t R);
/* The verified inclusion around ẑ (m×1, exact midpoints) for the injection c
 * (m×1 ball vector), and, when want_radius, the largest uniqueness radius
 * found. prec: the ball precision. */
void verify_local_certify(verify_local_t R, const verify_model_t M, const arb_mat_t zhat,
                          const arb_mat_t c, int want_radius, long prec);

/* ---- one input, all together --------------------------------------------- */

typedef enum { VERIFY_NONE = 0, VERIFY_LOCAL = 1, VERIFY_GLOBAL = 2 } verify_level;
const char *verify_level_name(verify_level l);

typedef struct {
    verify_solve_info solve;
    verify_local_t local;
    verify_level uniqueness;  /* global, local (radius local->radius) or none */
    int certified;            /* an error bound holds (Krawczyk or a global contraction) */
    double err_bound;         /* ‖ẑ − z*‖₂, rounded up; +inf when not certified */
    double err_bound_f64;     /* the same for ẑ rounded to float64 */
    const char *err_source;   /* "krawczyk", "banach", "weighted" or NULL */
    double output, output_err; /* f = vᵀẑ and a bound on |f − vᵀz*| (has_v only) */
} verify_sample_struct;
typedef verify_sample_struct verify_sample_t[1];

void verify_sample_init(verify_sample_t S);
void verify_sample_clear(verify_sample_t S);
/* Solves and certifies input x (column k of X, d×n, exact values) given the
 * global certificates G. zhat (m×1, initialized) receives ẑ. prec 0: double
 * backend (balls at 53 bits). */
void verify_sample_certify(verify_sample_t S, arb_mat_t zhat, const verify_model_t M,
                           const verify_global_t G, const arb_mat_t X, long k,
                           const verify_solve_opts *opts, long prec);

/* The injection c = U x + b for column k of X, as a ball vector (m×1). */
void verify_injection(arb_mat_t c, const verify_model_t M, const arb_mat_t X, long k, long prec);

/* The ball precision used for a backend precision (0: double -> 53). */
static inline long verify_ball_prec(long prec) { return prec > 0 ? prec : 53; }

/* Upper / lower doubles of nonnegative quantities (mag and arf), never
 * rounding the wrong way: an upper bound beyond double's range is +inf, a
 * lower bound below it 0. */
double verify_mag_get_d_up(const mag_t x);
double verify_arb_get_d_up(const arb_t x);
double verify_arb_get_d_down(const arb_t x);

#endif
