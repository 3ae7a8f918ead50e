/* T1's row computations, exposed for tests (tests/test_wellposed.c). The
 * family's parts compute the numbers of a case and pass them to these
 * functions, which fill and judge one row; a test passes crafted numbers
 * through the same functions to reach each verdict. Not a public API. */
#ifndef DEQ_THEOREMS_WELL_POSEDNESS_INTERNAL_H
#define DEQ_THEOREMS_WELL_POSEDNESS_INTERNAL_H

#include "deq/model.h"
#include "deq/solve_info.h"
#include "num/mat.h"
#include "theorems/theorem.h"

/* The default confidence level of T1.init_norm's Clopper–Pearson interval:
 * the interval misses the true exceedance probability with probability <= δ. */
#define T1_INIT_NORM_DELTA 0.05

enum {
    T1_CONTRACTION,
    T1_PICARD_RATE,
    T1_ERROR_BOUND,
    T1_INIT_NORM,
    T1_LINEAR_SOFTMAX,
    /* on the papers' own models (theorems/well_posedness_papers.c) */
    T1_GAO_L22_NORM,
    T1_GAO_L22_RATE,
    T1_GAO_L23,
    T1_LING_L1
};
const thm_check *t1_check(int which);

/* T1.contraction: lhs ρ̄ with interval [rho_lower, rho_upper], rhs 1. gamma is
 * the case's γ, c = ‖A‖₂⁺/√m, L the activation's Lipschitz constant; the
 * preset selects the paper's γ range recorded as a hypothesis. A certified
 * solve that did not converge is a failed row. */
void t1_fill_contraction(thm_row *r, const deq_preset *pre, double gamma, double c, double L,
                         double rho_upper, double rho_lower, int certified, deq_outcome outcome);

/* T1.picard_rate over the steps s[0..K) of a Picard run from z = 0, e[k] the
 * rigorous rounding bound of the evaluation at iterate k, rho the contraction
 * factor asserted (ρ̄, or a shrunk one in a control), eta the relative error of
 * each computed s[k]. */
void t1_fill_picard_rate(thm_row *r, const double *s, const double *e, long K, double rho,
                         int certified, double eta);

/* T1.error_bound: the computed distance dist (relative error <= eta) of two
 * solves against the sum of their rigorous error bounds. */
void t1_fill_error_bound(thm_row *r, double dist, double eta, double bound_a, double bound_b,
                         int certified);

/* T1.init_norm: of S draws, k_lo certainly and k_hi possibly exceed
 * edge·√m + t; lhs the Clopper–Pearson interval at delta, rhs exp(−t²/2). */
void t1_fill_init_norm(thm_row *r, long S, long k_lo, long k_hi, double t, double delta);

/* lhs of a frequency row: k_hi/S with the Clopper–Pearson interval at delta
 * from the certain (k_lo) and possible (k_hi) counts of S draws; returns its
 * upper end. S <= 0 is a failed row. */
double t1_clopper_pearson_lhs(thm_row *r, long S, long k_lo, long k_hi, double delta);

/* T1.linear_softmax: a computed deviation dev (its own computation off by at
 * most check_err) against the derived rounding tolerance tol; piv != 0: the
 * LU of I − γS broke down. */
void t1_fill_linear_softmax(thm_row *r, double dev, double check_err, double tol, long piv,
                            double gamma);

/* ---- the papers' own models (theorems/well_posedness_papers.c) ---- */

/* T1.gao2021_lemma2.2: lhs max_{i,p} ‖z_i^p‖/‖φ_i‖ in [ratio_lo, ratio_hi],
 * rhs 1/(1 − γ0) for γ0 ∈ [g0_lo, g0_hi]; c_lo a certified lower bound on
 * c = ‖A‖₂/√m (the hypothesis c >= 1 is met on it). */
void t1p_fill_lemma22_norm(thm_row *r, double ratio, double ratio_lo, double ratio_hi,
                           double g0_lo, double g0_hi, double c_lo);
/* T1.gao2021_lemma2.2_rate: lhs max_{i,p<=P} ‖z_i^p − z_i*‖(1 − γ0)/(γ0^p‖φ_i‖)
 * with its interval, rhs 1; P < 1 is a failed row. */
void t1p_fill_lemma22_rate(thm_row *r, double ratio, double ratio_lo, double ratio_hi,
                           double g0_hi, double c_lo, long P);
/* T1.gao2021_lemma2.3: lhs 1 − γ0 (γ0 ∈ [g0_lo, g0_hi]), rhs min σ_min(I − γ̃DA)
 * in [smin_lo, smin_hi]. */
void t1p_fill_lemma23(thm_row *r, double g0_lo, double g0_hi, double smin, double smin_lo,
                      double smin_hi, double c_lo);
/* T1.ling2022_lemma1 (report): of S draws k_lo certainly and k_hi possibly
 * have ‖W‖₂ > 2√2σ_w; lhs their Clopper–Pearson interval at delta. */
void t1p_fill_ling_lemma1(thm_row *r, long S, long k_lo, long k_hi, double delta);
/* The parts. */
void t1p_run_gao2021(thm_results_t out, const thm_config *cfg);
void t1p_run_ling2022(thm_results_t out, const thm_config *cfg);

/* The precision ladder (well_posedness_ladder.c): one case solved in double
 * and MPFR at 64..512 bits against a 1024-bit reference, T1.error_bound rows
 * and the precision plot's series. */
void t1_run_precision_ladder(thm_results_t out, const thm_config *cfg);

#endif
