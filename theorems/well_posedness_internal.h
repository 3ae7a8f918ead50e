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

enum { T1_CONTRACTION, T1_PICARD_RATE, T1_ERROR_BOUND, T1_INIT_NORM, T1_LINEAR_SOFTMAX };
const thm_check *t1_check(int which);

/* A certified lower bound on ‖A‖₂ (a Rayleigh quotient ‖Av‖/‖v‖ after power
 * iterations, minus its rounding allowance; 0 when nothing better is proved). */
double t1_norm2_lower(const mat_d_t A);

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

/* T1.linear_softmax: a computed deviation dev (its own computation off by at
 * most check_err) against the derived rounding tolerance tol; piv != 0: the
 * LU of I − γS broke down. */
void t1_fill_linear_softmax(thm_row *r, double dev, double check_err, double tol, long piv,
                            double gamma);

/* The precision ladder (well_posedness_ladder.c): one case solved in double
 * and MPFR at 64..512 bits against a 1024-bit reference, T1.error_bound rows
 * and the precision plot's series. */
void t1_run_precision_ladder(thm_results_t out, const thm_config *cfg);

#endif
