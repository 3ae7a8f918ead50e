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

/* ---- GD on the papers' own models (theorems/linear_convergence_papers.c) ----
 * T3.gao2021_lemma3.6, T3.gao2021_theorem3.2, T3.ling2022_condition1,
 * T3.ling2022_theorem1, T3.ling2022_lemma8: full-batch GD on deq/paper_model.h,
 * the weights read along the run through the trainer's observer. */

/* Slots of the papers' tensors (deq/paper_model.h): T, In, u, v. */
#define PC_SLOTS 4

/* gao2021's side of a run that does not depend on the weights: λ0 = λ_min(G^∞). */
typedef struct {
    long n, d;
    double gamma;                  /* γ of the preset (derived 0.1) */
    double lam0, lam0_lo, lam0_hi; /* λ0 = λ_min(G^∞) and its enclosure */
    int lam0_certified;            /* lam0_lo > 0 proved */
    double ynorm;                  /* ‖y‖ */
    double xnorm_lo, xnorm_up;     /* ‖X‖₂: certified lower and upper bounds */
} pc_gao_ctx;

/* What the rows read from one GD run on a paper's model (pc_gao_run, pc_ling_run).
 * Norms of matrices are operator norms, of vectors Euclidean; "up" ends are
 * upper bounds (certified for the weights as stored), "lo" ends lower ones. */
typedef struct {
    int ok;                        /* the run took all its steps */
    char why[64];
    long m, n, d, steps;
    unsigned long seed;
    double step;                   /* α (gao2021) or η (ling2022) */
    double loss0, lossK;           /* L(0), L(K) (½‖ŷ − y‖²) */
    double r0, r0_err;             /* ‖ŷ(0) − y‖ and its relative error */
    double fac, fac_err;           /* max_{k>=1} (L(k)/L(0))^{1/k}, its relative error */
    long fac_at;
    double g0, g0_lo, g0_hi;       /* λ_min(G(0)) with its enclosure */
    double gmin, gmin_lo, gmin_hi; /* min_k λ_min(G(k)) */
    long gmin_at;
    double hmax0, hmax;            /* gao2021: λ_max(H(0)) and max_k λ_max(H(k)) (upper ends) */
    double rho_max;                /* max_k certified contraction factor ρ̄(k) */
    double norm0_up[PC_SLOTS], norm0_lo[PC_SLOTS]; /* ‖θ_s(0)‖ */
    double norm_up[PC_SLOTS], norm_lo[PC_SLOTS];   /* max_k ‖θ_s(k)‖ */
    double dist_up[PC_SLOTS], dist_lo[PC_SLOTS];   /* max_k ‖θ_s(k) − θ_s(0)‖ (upper: Frobenius) */
    double distF[PC_SLOTS];        /* max_k ‖θ_s(k) − θ_s(0)‖_F */
    double dist_err;               /* first-order trajectory error of the distances */
    double c;                      /* gao2021: max(‖A(0)‖, ‖W(0)‖)⁺/√m, the smallest c certified */
    /* gao2021 Lemma 3.4's step ‖G(k) − G(0)‖ <= (4c/√m)‖X‖²‖W(k) − W(0)‖ at its tightest k */
    double l34, l34_err, r34_lo, r34_hi;
    long at34;
    /* ling2022: Section 3.1's constants from the initial norms and δ */
    double delta, rho_w, rho_u, rho_a, cw, cu, ca;
    double xF, xF_lo;              /* ‖X‖_F above and below */
    double eta10;                  /* the right side of (10) */
    /* ling2022 Lemma 8 along the run */
    double zF_max;                 /* max_s ‖Z(s)‖_F (15) */
    double gratio[PC_SLOTS];       /* max_s ‖∇_s Φ(s)‖_F / ‖ŷ(s) − y‖ (16) */
    double gratio_err, zF_err;     /* their relative error, ‖Z(s)‖_F's absolute one */
    double l17, l17_err, r17_lo, r17_hi; /* (17) at its tightest step: ‖Z(k) − Z(0)‖_F, bound */
    double l18, l18_err, r18_lo, r18_hi; /* (18) at its tightest step: ‖ŷ(k) − ŷ(0)‖, bound */
    long at17, at18;
    /* ling2022: how the initial point was made, when not by Assumption 1
     * (pc_ling_construct); the rows' notes start with it */
    char origin[200];
} pc_run;

/* λ0 = λ_min(G^∞) of inputs X (d×n, unit columns) from gao2021's G^∞ in MPFR at
 * prec bits rounded to double, enclosed (file comment); ynorm from y. */
void pc_gao_ctx_init(pc_gao_ctx *cx, const mat_d_t X, const mat_d_t y, double gamma, long prec);
/* One GD run of gao2021's model from weights T (A, W, u, v, shapes of
 * deq_paper_tensor_shape) on (X, y): α = step_scale/λ_max(H(0)) (step_scale
 * 1/2 in the checks), `steps` steps, every step observed; T holds the
 * trained weights at the end (the pass at init failing: unchanged). */
void pc_gao_run(pc_run *st, const pc_gao_ctx *cx, mat_d_t T[PC_SLOTS], const mat_d_t X,
                const mat_d_t y, long steps, double step_scale, unsigned long seed);
/* One GD run of ling2022's model from weights T (W, U, a): δ = delta_frac·(1 −
 * ‖W(0)‖⁺) (1/2 in the checks), η = eta_frac·(the bound (10)) (1/2 in the
 * checks); T holds the trained weights at the end. */
void pc_ling_run(pc_run *st, mat_d_t T[PC_SLOTS], const mat_d_t X, const mat_d_t y, long steps,
                 double delta_frac, double eta_frac, unsigned long seed);
/* A ling2022 initial point built to meet Condition 1 (7)-(9) (and (9) with its
 * proof's 8) with a factor 2 to spare, from Assumption 1's W(0), U(0) in T:
 * W(0) scaled by w_scale (1: as drawn), a(0) scaled to ‖a(0)‖ = δ with δ the
 * largest (9) allows at ρ̄_a = 2δ,
 * and y (n×1, the drawn labels on input) replaced by ŷ(0) + r, r along them
 * with the largest norm (7) and (8) allow. origin receives the description
 * the rows print. Returns δ's fraction of 1 − ‖W(0)‖ for pc_ling_run (NaN
 * when no λ0 > 0 or ‖W(0)‖ < 1 could be certified; origin then says why). */
double pc_ling_construct(mat_d_t T[PC_SLOTS], mat_d_t y, const mat_d_t X, double w_scale,
                         char *origin, size_t len);

/* Row builders (control = 1: the control rows, one asserted constant changed,
 * named in the note). */
void pc_gao_lemma36_rows(thm_results_t out, int control, const pc_gao_ctx *cx, const pc_run *st);
/* Theorem 3.2's width with constant 1 and failure probability delta, read
 * with λ0 (as printed) and λ0² (Theorem 3.1), against m_held, the smallest
 * width of the run at which (vi) held for every seed (≤ 0: none). */
void pc_gao_width_rows(thm_results_t out, const pc_gao_ctx *cx, long m_held, long m_largest,
                       double delta);
void pc_ling_condition_rows(thm_results_t out, const pc_run *st);
void pc_ling_theorem1_rows(thm_results_t out, int control, const pc_run *st);
void pc_ling_lemma8_rows(thm_results_t out, int control, const pc_run *st);

/* The parts: gao2021's and ling2022's runs over cfg's widths and seeds. */
void t3_papers_gao_part(thm_results_t out, const thm_config *cfg);
void t3_papers_ling_part(thm_results_t out, const thm_config *cfg);

#endif
