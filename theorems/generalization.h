/* T4 generalization family (theorems/generalization.c): the pieces of its
 * arithmetic that the tests check on their own, and the row builders that the
 * real rows, the controls and the tests' crafted cases all go through. Bounds
 * are rounded down (they are right sides of "risk <= bound"). */
#ifndef DEQ_THEOREMS_GENERALIZATION_H
#define DEQ_THEOREMS_GENERALIZATION_H

#include "deq/train_lazy.h"
#include "num/mat.h"
#include "theorems/theorem.h"

/* √(log(2/δ)/(2n)), rounded down. */
double thm_gen_hoeffding(long n, double delta);
/* The same rounded up (the half-width of a sampling interval). */
double thm_gen_hoeffding_up(long n, double delta);
/* B_data = L_S + 2·√(meandiag·quad/n) + 3·√(log(2/δ)/(2n)), rounded down. */
double thm_gen_bound_data(double L_S, double meandiag, double quad, long n, double delta);
/* L_S + 2B·√(tr G)/n + 3·√(log(2/δ)/(2n)) + ε_lin, rounded down. */
double thm_gen_bound_rademacher(double L_S, double B, double trG, long n, double eps_lin,
                                double delta);

/* ---------- row builders ---------- */

/* Factors on the two terms of a bound beyond the training loss: 1 and 1 in
 * the real rows; a control shrinks them (and its note says so). */
typedef struct {
    double cplx; /* on the complexity term 2√(...) */
    double conf; /* on the confidence term 3√(log(2/δ)/(2n)) */
} thm_gen_consts;

/* One trained network as the rows read it: measured by deq_lazy_train
 * (src/deq/train_lazy.h), crafted by the tests. */
typedef deq_lazy_net thm_gen_net;

/* The kernel part of T4.bound: yᵀ(H^A)⁻¹y and mean_i H^A_ii with intervals. */
typedef struct {
    int ok;
    char why[80];
    long prec;
    double quad, quad_lo, quad_hi;     /* yᵀ(H^A)⁻¹y (point rounded down) */
    double meandiag, md_lo, md_hi;     /* mean_i H^A_ii */
    double lam_lower;                  /* λ_min(H^A) >= this: certified for the computed matrix,
                                          less n·(quadrature error estimate) */
    double rel;                        /* the derived relative error of quad (printed) */
} thm_gen_kernel;

/* Fills and judges a T4.bound row (asymptotic): lhs = the risk, the test loss
 * with a Hoeffding interval at δ; rhs = B_data with its propagated interval;
 * trivial = min(1, the zero predictor's test loss); hypotheses of the case. */
void thm_gen_fill_bound(thm_row *r, const thm_gen_net *o, const thm_gen_kernel *k,
                        const thm_gen_consts *c, double delta);
/* Fills and judges a T4.rademacher row (exact), lhs as T4.bound's. */
void thm_gen_fill_rademacher(thm_row *r, const thm_gen_net *o, const thm_gen_consts *c,
                             double delta);

/* T4.distance's testable form: the points (m_k, ratio_k), ratio_k the
 * distance ratio over the linear model's after the same K steps, give dev_k² =
 * (ratio_k/target − 1)²; the least-squares slope b of dev² on 1/m, with its
 * two-sided t-interval at level 1 − δ, is asserted >= 0 (the deviation
 * decreases as m grows) as lhs = −b <= rhs = 0; with limit, the intercept a
 * (dev² extrapolated to m = ∞) is asserted <= 0 instead (the ratio tends to
 * target). target is 1 in the real rows.
 * agg carries the worst hypothesis values over the runs (rho_max, step and
 * y_max their maxima, g_lower its minimum). */
void thm_gen_fill_distance(thm_row *r, const double *m, const double *ratio, int npts,
                           const thm_gen_net *agg, double target, int limit, double delta);

#endif
