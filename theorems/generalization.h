/* T4 generalization family (theorems/generalization.c): the pieces of its
 * arithmetic that the tests check on their own. Bounds are rounded down (they
 * are right sides of "test loss <= bound"). */
#ifndef DEQ_THEOREMS_GENERALIZATION_H
#define DEQ_THEOREMS_GENERALIZATION_H

#include "num/mat.h"
#include "theorems/theorem.h"

/* √(log(2/δ)/(2n)), rounded down. */
double thm_gen_hoeffding(long n, double delta);
/* B_data = L_S + 2·√(meandiag·quad/n) + 3·√(log(2/δ)/(2n)), rounded down. */
double thm_gen_bound_data(double L_S, double meandiag, double quad, long n, double delta);
/* L_S + 2B·√(tr G)/n + 3·√(log(2/δ)/(2n)) + ε_lin + √(log(2/δ)/(2 n_test)), rounded down. */
double thm_gen_bound_rademacher(double L_S, double B, double trG, long n, double eps_lin,
                                long n_test, double delta);
/* The negative control's verdict from B_data on random and on true labels. */
thm_verdict thm_gen_negative_verdict(double B_random, double B_true);
/* mean_i min(1, |f_i − y_i|). */
double thm_gen_mean_loss(const mat_d_t f, const mat_d_t y);
/* flin_i = f0_i + α_A·g_iᵀ Δ z_i (g_i, z_i columns of Gc0, Z0; Δ = A − A_0). */
void thm_gen_linearize(mat_d_t flin, const mat_d_t f0, const mat_d_t Gc0, const mat_d_t Z0,
                       const mat_d_t Delta, double alpha_A);
/* yᵀH⁻¹y by Cholesky at prec (53: double), rounded down; NAN and *pivot on breakdown. */
double thm_gen_quad_form(const mat_mp_t H, const mat_d_t y, long prec, long *pivot);

#endif
