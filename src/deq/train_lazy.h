/* Lazy training of the equilibrium model: A alone trained by full-batch GD
 * (deq_train_d) from a drawn network, with U and v fixed, and everything
 * measured that the generalization bounds of gaogao2022 read (docs/THEORY.md
 * §10): train and test losses ℓ = min(1, |f − y|) with certified output
 * errors, the distance ‖A_T − A(0)‖_F, the Gram matrix G^A(0) with certified
 * extremes, the linearization error of the outputs, and the linear model's
 * distance after the same steps. Double only. */
#ifndef DEQ_DEQ_TRAIN_LAZY_H
#define DEQ_DEQ_TRAIN_LAZY_H

#include "deq/model.h"
#include "num/mat.h"

/* One trained network and what T4 (theorems/generalization.c) reads of it.
 * Values are NAN when not reached. */
typedef struct {
    int ok;                       /* trained and measured */
    int data_missing;             /* the data set is not installed (why says how to) */
    char why[200];                /* what failed, when not ok */
    long m, n, n_test;
    double train_loss, test_loss; /* L_S and the test loss at A_T, loss min(1, |f − y|) */
    double f_err;                 /* max over train and test samples of the certified |f̂_i − f_i| */
    double zrel;                  /* certified relative forward error of the equilibria at init */
    double B;                     /* ‖A_T − A(0)‖_F */
    double trG;                   /* tr G^A(0) */
    double eps_lin, lin_scale;    /* max |f − f^lin|, max |f^lin − f(0)| (train and test) */
    double rho_max;               /* max certified ρ̄(A(k)) along training, k = 0..K */
    double g_lower, g_upper;      /* certified λ_min(G^A(0)) >= g_lower, λ_max <= g_upper */
    double eta;                   /* the step size */
    double step;                  /* η·g_upper, rounded up: GD on the linear model is stable below 2 */
    double y_max;                 /* max |y| over train and test labels */
    double zero_loss;             /* the zero predictor's test loss, mean min(1, |y|) */
    double quadG;                 /* (y − f(0))ᵀG^A(0)⁻¹(y − f(0)) */
    double ratio_lin;             /* the linear model's ‖Δ_K‖²_F / quadG after the same K steps */
    long steps;
} deq_lazy_net;

/* Every number NAN, every flag 0. */
void deq_lazy_net_nan(deq_lazy_net *o);

/* Trains A from (A0, U, v) on (X, y) for `steps` GD steps (steps < 0: as
 * many as the linear model needs to bring its slowest residual direction to
 * the fraction dist_residual, capped at −steps) with η = 1/λ̂_max(G^A(0)) and
 * output scale σ_v/√m, and measures o on the train set and the test set
 * (Xt, yt). pre gives γ and the activation, su its σ_u as a decimal string.
 * A hypothesis lost on the way (ρ̄ >= 1) or a failed solve leaves o->ok 0
 * and o->why saying which. */
void deq_lazy_train(deq_lazy_net *o, const mat_d_t A0, const mat_d_t U, const mat_d_t v,
                    const mat_d_t X, const mat_d_t y, const mat_d_t Xt, const mat_d_t yt,
                    double sigma_v, long steps, double dist_residual, const deq_preset *pre,
                    const char *su);

/* mean_i min(1, |f_i − y_i|). */
double deq_lazy_loss(const mat_d_t f, const mat_d_t y);
/* flin_i = f0_i + α_A·g_iᵀ Δ z_i (g_i, z_i columns of Gc0, Z0; Δ = A − A_0). */
void deq_lazy_linearize(mat_d_t flin, const mat_d_t f0, const mat_d_t Gc0, const mat_d_t Z0,
                        const mat_d_t Delta, double alpha_A);
/* yᵀH⁻¹y by Cholesky at prec (53: double), rounded down; NAN and *pivot on breakdown. */
double deq_quad_form_spd(const mat_mp_t H, const mat_d_t y, long prec, long *pivot);

#endif
