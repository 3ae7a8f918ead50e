/* T2 (theorems/gram_eigen.c) internals, for tests/test_gram.c: the row
 * computations of each check, so a test can drive each one to every verdict
 * with crafted inputs (an injected matrix, injected terms, injected fit
 * points), through the same code as the run. */
#ifndef DEQ_THEOREMS_GRAM_EIGEN_INTERNAL_H
#define DEQ_THEOREMS_GRAM_EIGEN_INTERNAL_H

#include "deq/model.h"
#include "num/eig_bound.h"
#include "num/mat.h"
#include "theorems/theorem.h"

/* Hermite truncations up to this R (the default and paper profiles use 16). */
#define T2_HERMITE_R_CAP 16

/* The checks of the family, in this order. */
enum {
    T2_POP_PD,
    T2_HERMITE_LB,
    T2_CONCENTRATION,
    /* on the papers' own kernels and models (theorems/gram_eigen_papers.c) */
    T2P_GAO_LAMBDA0,
    T2P_LING_LAMBDA_STAR,
    T2P_LING_THEOREM3,
    T2P_GAO_LEMMA33,
    T2P_GAO_LEMMA33_WIDTH,
    T2P_LING_THEOREM2,
    T2P_LING_THEOREM2_WIDTH,
    T2P_LING_THEOREM5,
    T2P_LING_THEOREM5_DEPTH,
    T2P_LING_THEOREM4,
    T2P_LING_THEOREM4_RATE
};
extern const thm_check t2_checks[];

/* A rigorous upper bound on λ_min of the symmetric H as stored: the Rayleigh
 * quotient of GSL's eigenvector (on H rounded to double) with its rounding
 * error bounded (+inf when GSL fails, NaN for a non-finite H). */
double t2_lambda_min_upper(const mat_mp_t H);

/* T2.population_pd's sides for the computed H^∞ H, its certified bounds eb
 * and the kernel-error estimate eps (‖H^∞ − H‖₂ <= eps): lhs = 0, rhs =
 * λ_min(H^∞) in [eb.lower − eps, t2_lambda_min_upper(H) + eps]; the caller
 * adds hypotheses and the note, then judges. */
void t2_population_sides(thm_row *r, const mat_mp_t H, const num_eig_bounds_t eb, double eps);

/* T2.population_pd on the inputs X (d×n, double) for preset pre: one row in
 * double and one in MPFR at prec, the kernel error from H^∞ at 2·prec.
 * control: the rows are control rows of a certificate (expect_withheld). */
void t2_population_case(thm_results_t out, const deq_preset *pre, const mat_d_t X, long prec,
                        int control, unsigned long seed, const char *data);

/* The terms of the Hermite lower bound for one activation, r = 0..R: a_r(1)²
 * with its estimated error, λ_min(C^{⊙r}) with bounds, and λ_min(K) with
 * bounds (the kernel's error folded in: k_err). */
typedef struct {
    long R;
    double a2[T2_HERMITE_R_CAP + 1], a2_err[T2_HERMITE_R_CAP + 1];
    double lam[T2_HERMITE_R_CAP + 1], lam_lo[T2_HERMITE_R_CAP + 1], lam_hi[T2_HERMITE_R_CAP + 1];
    double k, k_lo, k_hi, k_err;
} t2_hermite_terms;

/* T2.hermite_lb's sides at truncation R <= t->R: lhs = Σ_{r<=R} a_r² λ_min(C^{⊙r})
 * (negative λ read as 0), rhs = λ_min(K). diagonal_control: λ_min(C^{⊙r})
 * replaced by the diagonal entry 1 of C^{⊙r} (Lemma 6's min_i B_ii read as a
 * λ_min): the control's bound Σ a_r², about K_ii, above λ_min(K). */
void t2_hermite_sides(thm_row *r, const t2_hermite_terms *t, long R, int diagonal_control);

/* T2.hermite_lb for activation act on the inputs X (d×n): rows at R = 1, 4,
 * 8, ..., R_max (<= T2_HERMITE_R_CAP) at MPFR precision prec, and a control
 * row at R_max. */
void t2_hermite_case(thm_results_t out, deq_act act, const char *preset, const mat_d_t X,
                     long R_max, long prec, unsigned long seed);

/* T2.concentration's slope row: least-squares slope of y on x (npts points)
 * with its 95% t-interval as lhs, rhs = exponent (−1/2 for the theorem). A
 * fit needs 3 points and 2 distinct x, else the row fails. The fit is
 * appended to the row's note. */
void t2_slope_sides(thm_row *r, const double *x, const double *y, int npts, double exponent);

/* ---- the papers' own kernels and models (theorems/gram_eigen_papers.c) ---- */

const thm_check *t2p_check(int which);
/* The max (or min) over seeds of a quantity each seed encloses, [lo, hi]
 * around its computed value v: start e at t2p_extreme_start(want_max), fold
 * each seed in with t2p_extreme_add. The enclosure of the max is
 * [max lo, max hi] (of the min [min lo, min hi]), whichever seed has the
 * largest computed value: the exact max is at least every seed's lower end
 * and at most the largest upper end. */
typedef struct {
    int want_max;
    double v, lo, hi;
} t2p_extreme;
t2p_extreme t2p_extreme_start(int want_max);
void t2p_extreme_add(t2p_extreme *e, double v, double lo, double hi);
/* T2.gao2021_lambda0 / T2.ling2022_lambda_star: lhs 0, rhs λ_min in [lo, hi]
 * (certified, eps the kernel error folded in). */
void t2p_fill_positive(thm_row *r, double lam, double lo, double hi, double eps);
/* T2.ling2022_theorem3: a computed deviation dev against the derived tol. */
void t2p_fill_theorem3(thm_row *r, double dev, double tol);
/* T2.gao2021_lemma3.3: which 0: lhs ‖G(0) − G^∞‖₂ (dev with its interval), rhs
 * λ0/4; which 1: lhs 3λ0/4, rhs λ_min(G(0)) (dev). Hypothesis m >= m_req (the
 * derived width). */
void t2p_fill_lemma33(thm_row *r, int which, double dev, double dev_lo, double dev_hi, double l0,
                      double l0_lo, double l0_hi, double m, double m_req);
/* Lemma 3.3's derived width at failure probability delta: 16ΣV_ij/(delta·λ0²),
 * V_ij the variance of one term σ(w·x_i)σ(w·x_j) of G(0)_ij (Chebyshev on
 * ‖·‖_F); X the d×n inputs, Ginf G^∞ on them, l0 its λ_min. */
double t2p_lemma33_derived_width(const mat_d_t X, const mat_d_t Ginf, double l0, double delta);
/* n inputs in R^d on the sphere of radius `radius` (gao2021: 1; ling2022:
 * √d) drawn from seed; dup >= 0 makes column dup+1 a copy of column dup (a
 * parallel pair). X is initialized here. */
void t2p_paper_inputs(mat_d_t X, long d, long n, double radius, long dup, unsigned long seed);

/* T2.ling2022_theorem2: lhs (m/2)·λ* (λ* in [ls_lo, ls_hi]), rhs λ_min(ZᵀZ) in
 * [g_lo, g_hi]; Theorem 2's Ω constant is not known: hypothesis m >= m_one,
 * the width at Ω-constant 1 (default), so narrower rows are N/A (observed
 * kept) unless they are controls. */
void t2p_fill_theorem2(thm_row *r, double m, double ls, double ls_lo, double ls_hi, double g,
                       double g_lo, double g_hi, double rho_upper, double m_one);
/* The deepest weight-tied iterate of the Theorem 4/5 rows. */
#define T2P_DEPTH_CAP 40
/* One ling2022 network's Theorem 4/5 numbers at depths l = 1..L (index l),
 * each side with its certified enclosure [k = 1, k = 2] around the computed
 * value (k = 0): t5 = ‖G^(l)/m − K^(l)‖_F, t4 = ‖(G − G^(l))/m‖_F, and c4 =
 * [lower, upper] of C = (1/m)‖[a_i‖z_j‖ + ‖z_i^(l)‖a_j]_ij‖_F (a_i = ‖z_i^(1)‖),
 * Theorem 4's bound being C·q^l/(1 − q), q = 2√2σ_w; rho the certified ‖W‖₂
 * upper bound. */
typedef struct {
    long L;
    double rho;
    double t5[3][T2P_DEPTH_CAP + 1], t4[3][T2P_DEPTH_CAP + 1], c4[2][T2P_DEPTH_CAP + 1];
} t2p_depth_draw;
/* Draws the ling2022 network of seed at width m (as the run does), solves
 * its equilibria on X (d×n, ‖x_i‖ = √d) and iterates Z^(l) = ϕ(W Z^(l−1) + UX)
 * from Z^(0) = 0 in double, with every rounding bounded (the injection's,
 * each level's, the solver's certified bound, the Gram products', the
 * kernel's entry error kerr[l − 1] of K[l − 1] = K^(l)). Returns 0 when the
 * solve failed or ‖W‖₂ < 1 was not certified (dd's numbers NaN). */
int t2p_ling_depth_draw(t2p_depth_draw *dd, const mat_d_t X, long m, unsigned long seed, long L,
                        const mat_d_struct *K, const double *kerr);
/* T2.ling2022_theorem5: lhs ‖G^(l)/m − K^(l)‖_F (dev in [dev_lo, dev_hi]), rhs
 * n(2√2σ_w)^l for σ_w² in [s_lo, s_hi]; hypotheses σ_w² < 1/8 and
 * m(8σ_w²)^l >= threshold (= ln(n²·seeds/δ): the probability bound
 * non-trivial at Ω-constant 1). */
void t2p_fill_theorem5(thm_row *r, double dev, double dev_lo, double dev_hi, long n, long l, double s_lo,
                       double s_hi, double m, double threshold);
/* T2.ling2022_theorem4: lhs ‖(G − G^(l))/m‖_F, rhs C·q^l/(1 − q), the
 * proof's contraction bound with C in [c_lo, c_hi] and q in [q_lo, q_hi]
 * (2√2σ_w, ling2022 Lemma 1, in the run); hypotheses q < 1 and Lemma 1's
 * event w_upper <= q_lo (w_upper a certified upper bound on ‖W‖₂ of the
 * seeds assessed). */
void t2p_fill_theorem4(thm_row *r, double dev, double dev_lo, double dev_hi, double c_lo, double c_hi,
                       double q_lo, double q_hi, double w_upper, long l);
/* Theorem 4 holds for a seed's own constant C, so each seed assessed (those
 * in Lemma 1's event dd[sd].rho <= q_lo when n_event > 0, else all) is judged
 * on its own, with its bound enclosed as t2p_fill_theorem4 encloses it, and
 * the row shows the seed that decides the verdict, the first kind found of:
 * a seed whose lhs lower end exceeds its bound's upper end (the largest such
 * excess: VIOLATED); a seed with a NaN among its numbers (cannot be judged);
 * a seed whose lhs upper end exceeds its bound's lower end (undecided; the
 * largest lhs upper end over C's lower end); else, every seed holding, the
 * one nearest its bound by that ratio. Returns its index (−1 when no seed is
 * assessed). */
int t2p_theorem4_decisive_seed(const t2p_depth_draw *dd, int seeds, int n_event, double q_lo, double q_hi,
                               long l);
/* The control's contraction constant q': the largest with
 * c_hi·q'^l/(1 − q') <= dev_lo/THM_CONTROL_MISS (0 when dev_lo <= 0). */
double t2p_theorem4_control_q(double dev_lo, double c_hi, long l);
/* The parts. */
void t2p_run_lambda0(thm_results_t out, const thm_config *cfg);
void t2p_run_lambda_star(thm_results_t out, const thm_config *cfg);
void t2p_run_theorem3(thm_results_t out, const thm_config *cfg);
void t2p_run_lemma33(thm_results_t out, const thm_config *cfg);
void t2p_run_theorem2(thm_results_t out, const thm_config *cfg);
void t2p_run_theorems45(thm_results_t out, const thm_config *cfg);

#endif
