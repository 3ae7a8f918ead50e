/* The papers' own models (gao2021 and ling2022 as the papers state them; docs/THEORY.md §1.3), a second model
 * family next to THEOREMS §1's (deq/model.h), generic source
 * deq/paper_model.c. Both are an equilibrium z_i = ReLU(B z_i + b_i) with a
 * per-sample injection b_i, so one solver serves both:
 *
 *   gao2021 (Eqs. 1-5):  B = (γ/√m)·A,  b_i = φ_i = ReLU(W x_i)/√m,
 *                        ŷ_i = uᵀz_i + vᵀφ_i;   trained A, W, u, v.
 *   ling2022 (§2.1):     B = W,          b_i = U x_i,
 *                        ŷ_i = aᵀz_i;           trained W, U, a.
 *   Loss (both): L = ½‖ŷ − y‖², no 1/n.
 *
 * The tensors are kept in four slots with the papers' names
 * (deq_paper_tensor_name): T the m×m transition (gao A, ling W), In the m×d
 * input weight (gao W, ling U), u the output vector on z (gao u, ling a), v
 * gao2021's skip output on φ (ling2022: unused, 0 rows). */
#ifndef DEQ_DEQ_PAPER_MODEL_H
#define DEQ_DEQ_PAPER_MODEL_H

#include <stdio.h>

#include "core/rng.h"
#include "core/status.h"
#include "deq/forward.h"
#include "num/mat.h"
#include "num/norm_bound.h"

typedef enum { DEQ_PAPER_GAO2021 = 0, DEQ_PAPER_LING2022 = 1 } deq_paper_kind;
enum { DEQ_PAPER_T = 0, DEQ_PAPER_IN = 1, DEQ_PAPER_U = 2, DEQ_PAPER_V = 3, DEQ_PAPER_SLOTS = 4 };

/* Where a preset constant comes from (README "The papers' models"). */
typedef enum { DEQ_CONST_PAPER = 0, DEQ_CONST_DERIVED = 1, DEQ_CONST_DEFAULT = 2 } deq_const_origin;

typedef struct {
    const char *name;     /* "gamma", "sigma_w2", ... */
    const char *value;    /* decimal string */
    deq_const_origin origin;
    const char *where;    /* the place in the paper, or the reason, or why a default */
} deq_paper_const;

typedef struct {
    const char *name;           /* "gao2021", "ling2022" */
    deq_paper_kind kind;
    const char *equation;       /* the model in one line */
    const deq_paper_const *consts;
    int n_consts;
} deq_paper_spec;

const deq_paper_spec *deq_paper_spec_find(const char *name);
/* The value of constant `name` of a spec (NULL if it has none). */
const char *deq_paper_const_value(const deq_paper_spec *s, const char *name);
const char *deq_const_origin_name(deq_const_origin o);

/* The one failure probability δ of the papers' probabilistic statements
 * (gao2021 Lemma 3.3, Theorem 3.2; ling2022 Theorems 2 and 5: each holds with
 * probability >= 1 − δ for every δ): a default, printed with every width or
 * threshold derived from it. */
#define DEQ_PAPER_DELTA 0.05
/* gao2021 Lemma 3.3's fraction: λ_min(G(0)) >= (3/4)λ0 (paper), which
 * Lemmas 3.5 and 3.6 assume. */
#define DEQ_GAO2021_LEMMA33_FRACTION 0.75

/* The width a paper's Ω-condition asks at Ω-constant 1 (neither paper states
 * the constant; 1 is a default), with n samples: gao2021 Lemma 3.3 m =
 * Ω((n²/λ0²) log(n/δ)) (lambda = λ0, delta = δ), ling2022 Theorem 2 m =
 * Ω((n²/λ*²) log(n/(λ* t))) (lambda = λ*, delta = t). The one formula of
 * `deqcheck run`'s width rows and `deqcheck reproduce`'s "not judged". */
double deq_paper_width_at_omega_one(deq_paper_kind kind, long n, double lambda, double delta);
/* The paper's name of a slot ("A", "W", "u", "v" / "W", "U", "a"; NULL for
 * ling2022's v). */
const char *deq_paper_tensor_name(deq_paper_kind kind, int slot);
/* Expected shape of a slot for width m and input dimension d (rows, cols;
 * cols = 1 for vectors; 0×0 for an unused slot). */
void deq_paper_tensor_shape(long *rows, long *cols, deq_paper_kind kind, int slot, long m, long d);

/* Assumption 1 of each paper, drawn in double in a fixed order (T column by
 * column, then In, then u, then v): gao2021 A, W ~ N(0,1), u, v Rademacher;
 * ling2022 W ~ N(0, 2σ_w²/m), U ~ N(0, 2/d), a ~ N(0, 1/m). T[k] must be
 * initialized with deq_paper_tensor_shape's shapes. */
void deq_paper_draw(mat_d_t T[DEQ_PAPER_SLOTS], deq_paper_kind kind, double sigma_w2,
                    deq_rng_t rng);

/* Initial weights from a file (.npz, .safetensors) with the paper's tensor
 * names (gao2021 A (m×m), W (m×d), u (m), v (m); ling2022 W, U, a; a vector
 * may be (m,) or (m, 1)). m is taken from the transition matrix, d is given
 * (the data's). On DEQ_OK T[k] are initialized with the slots' shapes (the
 * caller clears them, deq_paper_tensors_clear) and *m is set; bad input
 * (a missing tensor, a wrong shape) is DEQ_ERR_INPUT naming file and tensor,
 * nothing left initialized. */
deq_status deq_paper_load(mat_d_t T[DEQ_PAPER_SLOTS], long *m, deq_paper_kind kind, long d,
                          const char *path, deq_error_t err);
/* The data from files: xpath a (n, d) tensor, one sample per row, into X
 * (d×n, samples as columns), ypath a (n,) or (n, 1) tensor into y (n×1).
 * Bad input is DEQ_ERR_INPUT naming the file (and, for a shape mismatch, the
 * flags xflag/yflag as the user typed them, e.g. "--X", "--y"); nothing is
 * left initialized then. (`deqcheck train` and `reproduce` read their --X/--y
 * through this.) */
deq_status deq_paper_data_load(mat_d_t X, mat_d_t y, const char *xpath, const char *ypath, const char *xflag,
                               const char *yflag, deq_error_t err);
/* Assumption 2 of each paper fixes the input norm (gao2021 1, ling2022 √d).
 * When a column of X breaks it by more than d float32 roundings, writes one
 * sentence naming the worst sample into buf and returns 1; else 0. */
int deq_paper_input_norm_note(char *buf, size_t cap, const deq_paper_spec *spec, const mat_d_t X);
/* Writes the tensors with the paper's names to an .npz (vectors as (m,)). */
deq_status deq_paper_save(const char *path, mat_d_t T[DEQ_PAPER_SLOTS], deq_paper_kind kind,
                          deq_error_t err);
/* T[k] initialized with the slots' shapes (zero) / cleared. */
void deq_paper_tensors_init(mat_d_t T[DEQ_PAPER_SLOTS], deq_paper_kind kind, long m, long d);
void deq_paper_tensors_clear(mat_d_t T[DEQ_PAPER_SLOTS]);

/* The training log of the papers' models: one line per step, the state
 * before the step's update (k = steps: the final state). */
typedef struct {
    long k;
    double loss;          /* ½‖ŷ − y‖² (the papers' loss, no 1/n) */
    double grad_norm2;    /* ‖∇_θ L‖² over every trained tensor */
    double op_norm;       /* the operator norm the papers plot: gao2021 (γ/√m)‖A(k)‖₂, ling2022
                           * ‖W(τ)‖₂ (estimate) */
    double op_norm_upper; /* its certified upper bound (the contraction factor ρ̄) */
    long fwd_iters, adj_iters;
    deq_solver solver;    /* the step's solves' */
    double lam_min;       /* λ_min(G) (dsyevr's estimate), NAN off the --gram-every schedule */
    double lam_min_lower, lam_min_upper; /* certified enclosure of λ_min(G) */
    char event[160];
} deq_paper_step;

typedef struct {
    deq_paper_step *steps;
    long len, cap;
    int stopped;          /* ended at a trouble */
    long trouble_step;    /* −1 or the first trouble's step */
} deq_paper_log_struct;
typedef deq_paper_log_struct deq_paper_log_t[1];

void deq_paper_log_init(deq_paper_log_t log);
void deq_paper_log_clear(deq_paper_log_t log);
deq_paper_step *deq_paper_log_push(deq_paper_log_t log);
/* CSV: header line, one line per step; 0 or −1. */
int deq_paper_log_write_csv(const deq_paper_log_t log, FILE *f);

typedef struct {
    long steps;
    double lr;        /* every trained tensor moves by −lr·∇ (full-batch GD) */
    long gram_every;  /* λ_min(G) every this many steps and at the last; 0 never */
    int keep_going;   /* record ρ̄ >= 1 and divergence and go on */
    int picard;       /* 1: both solves by Picard iteration; 0: Anderson, the solvers' default */
    int auto_solver;  /* 1: per step, deq_solver_by_contraction at the step's ρ̄ (deqcheck
                         train's default, --solver auto; picard is then ignored) */
    /* Optional observer (NULL: none), which reads and never steers: called at
     * every step k after the forward pass (and λ_min(G) on its schedule) and
     * the gradient, before the update, with the backend's deq_paper (P), its
     * deq_paper_state (S) and the gradient (grad; NULL at the last step or
     * when the step's solves failed), cast to const void *. For the checks
     * that read the weights along the run (theorems/linear_convergence_papers.c). */
    void (*observe)(void *arg, long k, const void *P, const void *S, const void *grad,
                    const deq_paper_step *step);
    void *observe_arg;
    int progress;     /* 0 none; 1 a line redrawn on a terminal (once a second); 2 a line
                         every 5 s (a log): step, loss, ρ̄, elapsed and time left */
} deq_paper_train_opts;

#include "num/tmpl_on_d.h"
#include "deq/paper_model_tmpl.h"
#include "num/tmpl_off.h"
#include "num/tmpl_on_mp.h"
#include "deq/paper_model_tmpl.h"
#include "num/tmpl_off.h"

#endif
