/* The papers' experiments (gao2021 Section 4 / Figure 1, ling2022 Section 5 /
 * Figure 1) on the papers' own models (deq/paper_model.h), as `deqcheck
 * reproduce` runs them: the configuration with every constant labelled
 * paper/derived/default, the data, the step size derived from the initial
 * NTK, a cost estimate, and the run of one width with its per-step log (train
 * and test loss, operator norm, λ_min(G)) and a checkpoint it can resume from
 * bit-identically. Double precision only: the experiments are long.
 *
 * Layering: this is the run layer of the papers' experiments; the CLI
 * (cli/cmd_reproduce.c, cli/reproduce_mpi.c) parses flags and drives it, the
 * report (report/reproduce_md.c) renders its results. */
#ifndef DEQ_REPRO_REPRODUCE_H
#define DEQ_REPRO_REPRODUCE_H

#include <stdio.h>

#include "core/status.h"
#include "deq/paper_model.h"
#include "num/mat.h"
#include "repro/paper_facts.h"

#define REPRO_MAX_WIDTHS 16

/* How a configuration that does not fit is reduced (--reduce). */
typedef enum { REPRO_REDUCE_SIZE = 0, REPRO_REDUCE_EPOCHS = 1 } repro_reduce_mode;

typedef struct {
    const deq_paper_spec *spec;
    /* the paper's experiment */
    long paper_n_train, paper_n_test, paper_epochs;
    long paper_widths[REPRO_MAX_WIDTHS];
    int paper_n_widths;
    /* what runs */
    long n_train, n_test;   /* samples (gao2021: half per class); n_test 0: no test set */
    long d;                 /* input dimension (gao2021 784 from the data; ling2022 1000) */
    long epochs;            /* full-batch GD steps; the log has epochs + 1 lines */
    long widths[REPRO_MAX_WIDTHS];
    int n_widths;
    unsigned long seed;
    double lr;              /* the step size; NAN until derived (repro_derive_lr) or given */
    int lr_given;           /* --lr */
    long gram_every;        /* λ_min(G) every this many steps (and at the last) */
    const char *fashion_dir;
    /* weights and data given as files (deqcheck reproduce --init, --X/--y,
     * --Xtest/--ytest; NULL: drawn as the paper does), for the report */
    const char *init_path, *X_path, *y_path, *Xtest_path, *ytest_path;
    int reduced;            /* 1: not the paper's configuration */
    char reduced_how[320];  /* how and why, one sentence */
} repro_config;

/* The paper's experiment for spec (gao2021 or ling2022); NULL spec or
 * another paper: DEQ_ERR_INPUT. Seed 0, lr NAN, gram_every 10. */
deq_status repro_config_paper(repro_config *c, const deq_paper_spec *spec, deq_error_t err);

/* The data of a configuration: X (d×n, samples as columns), y (n×1), and a
 * held-out test set (gao2021) or none (ling2022: 0 columns); and, when
 * have_init, the initial weights of the one width (deq_paper_load's slots),
 * which every width's run then starts from instead of Assumption 1's draw. */
typedef struct {
    mat_d_t X, y, Xt, yt;
    mat_d_t T[DEQ_PAPER_SLOTS];
    int have_init;
} repro_data_struct;
typedef repro_data_struct repro_data_t[1];

/* gao2021: Fashion-MNIST classes 0 (+1) and 1 (−1), n_train/2 training and
 * n_test/2 test images per class drawn at random (seeded) from the training
 * and test files, unit norm (Assumption 2). ling2022: n_train points uniform
 * on the sphere of radius √d, y_i ~ N(0,1) (Section 5). Errors name the file
 * (a missing package: the install command). */
deq_status repro_data_make(repro_data_t D, const repro_config *c, deq_error_t err);
/* Clears the data and, when have_init, the weights. */
void repro_data_clear(repro_data_t D);

/* The initial weights of width m: Assumption 1 of the paper, drawn from an
 * rng seeded with the seed and m only (the same for every order of widths
 * and every MPI rank). T is initialized here. */
void repro_draw_weights(mat_d_t T[DEQ_PAPER_SLOTS], const repro_config *c, long m);

/* What the initial state of width m says about step sizes:
 *   ntk_lam_max:  λ_max(H(0)), H = J Jᵀ the NTK (deq/paper_ntk.h); GD on the
 *                 linearized model r ← (I − αH) r is stable for α < 2/λ_max;
 *                 rounded to double (0 or inf outside its range);
 *   ntk_lam_frac, ntk_lam_exp2: the same as frac·2^exp2 (frac in [1/2, 1)),
 *                 formed on the data scaled by an exact power of two when
 *                 its norms are far from 1, so data of any scale have it;
 *   gram_lam_min: λ_min(G(0)) (gao2021 ΦΦᵀ, ling2022 ZᵀZ): λ0 at finite width;
 *   theory_lr:    the step size the paper's theorem names: gao2021 Theorem 3.2
 *                 α = O(λ0/n²), given as λ0/n² with the population λ0 =
 *                 λ_min(G^∞) (the O hides a constant); ling2022 Theorem 1's
 *                 bound (10) with λ0 = λ_min(G(0)) and δ = (1 − ‖W(0)‖₂)/2;
 *   pop_lam_min:  gao2021 λ0 = λ_min(G^∞), ling2022 λ* = λ_min(K);
 *   W0_norm:      ling2022 ‖W(0)‖₂ (estimate); gao2021 (γ/√m)‖A(0)‖₂;
 *   *_lo, *_hi:   certified enclosures of gram_lam_min and pop_lam_min
 *                 (num_eig_extreme_lapack; ±inf for a side not certified):
 *                 what the report judges with, the estimates are only shown.
 * theory_lr is NAN when its λ0 is not certified > 0 (bound (10) and λ0/n²
 * name no step then).
 * Returns 0, or −1 when the initial solves failed (a numeric outcome). */
typedef struct {
    long m;
    double ntk_lam_frac;
    long ntk_lam_exp2;
    double ntk_lam_max, gram_lam_min, theory_lr, pop_lam_min, W0_norm, delta;
    double gram_lam_lo, gram_lam_hi, pop_lam_lo, pop_lam_hi;
    double seconds;         /* wall time of this probe (forward, adjoint, NTK) */
} repro_init_info;
int repro_init_probe(repro_init_info *out, const repro_config *c, const repro_data_t D, long m);

/* The step size used when --lr is not given: α = 1/max_m λ_max(H_m(0)) over the
 * run's widths, one fixed step for every width as both papers train ("a
 * fixed step size"): half the largest step at which GD on the linearized
 * model of the stiffest width is stable. [derived] */
double repro_lr_from_probes(const repro_init_info *info, int count);
/* 1 when that step is a double: the largest λ_max(H(0)) (its index in
 * *which) and its reciprocal are normal; 0 when the data's scale puts them
 * outside double's range (the run then needs --lr). */
int repro_lr_derivable(int *which, const repro_init_info *info, int count);

/* Cost of one training step (forward, adjoint, test forward) at width m with
 * the first n training and test samples: the second step, warm-started from
 * the first after one GD step of size 1/λ_max(H(0)), as the run's steps are. */
double repro_step_seconds(const repro_config *c, const repro_data_t D, long m, long n);

/* Estimated memory of one width (bytes): weights, gradients, two solver
 * states, the checkpoint copies, G and the NTK. */
double repro_width_memory(long m, long d, long n_train, long n_test);

/* One width's run: the log of the trainer (deq_paper_log) and the test loss
 * at every logged step (NAN without a test set). */
typedef struct {
    long m;
    deq_paper_log_t log;
    double *test_loss;
    long test_cap;
    double seconds;          /* wall time of the steps run here (not logged in the CSV) */
    long steps_run;          /* steps taken in this process (the rest came from a checkpoint) */
} repro_width_struct;
typedef repro_width_struct repro_width_t[1];

void repro_width_init(repro_width_t W, long m);
void repro_width_clear(repro_width_t W);

/* The per-step CSV: step, train_loss, test_loss, op_norm, op_norm_upper,
 * grad_norm2, lam_min_G, lam_min_G_lower, lam_min_G_upper, fwd_iters,
 * adj_iters, event; %.17g, so a resumed run reads back every bit. */
int repro_csv_write(const repro_width_t W, FILE *f);
/* Reads the first `rows` steps of such a CSV (all of them: rows < 0) into W
 * (whose log must be empty). DEQ_ERR_INPUT naming path and line. */
deq_status repro_csv_read(repro_width_t W, const char *path, long rows, deq_error_t err);

/* Progress of a width's run: called after every step (reads, never steers). */
typedef void (*repro_observer)(void *ctx, const repro_width_t W, long steps_total);

typedef struct {
    const char *checkpoint;  /* prefix: PREFIX.m<M>.npz and PREFIX.m<M>.csv; NULL none */
    long checkpoint_every;   /* steps between checkpoints */
    int resume;              /* continue from the checkpoint if there is one */
    repro_observer observe;
    void *observe_ctx;
} repro_run_opts;

/* Runs width W->m of c on D from Assumption 1's weights (D's weights when
 * D->have_init; or from the checkpoint), with every trouble recorded and training going on
 * (keep_going: a reproduction shows what happened). DEQ_OK, or
 * DEQ_ERR_INPUT for a checkpoint that does not belong to this configuration
 * or cannot be written (one line naming the file). */
deq_status repro_run_width(repro_width_t W, const repro_config *c, const repro_data_t D,
                           const repro_run_opts *o, deq_error_t err);

/* Room for a checkpoint path (prefix and suffix, with the terminating 0). */
#define REPRO_PATH_MAX 1200

/* The checkpoint paths of width m (buffers of cap bytes); 0, or −1 when a
 * path does not fit in cap (truncated: the caller must not use it). */
int repro_checkpoint_paths(char *npz, char *csv, size_t cap, const char *prefix, long m);

#endif
