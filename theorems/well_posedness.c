/* T1: well-posedness of the equilibrium (docs/THEORY.md §7).
 *
 * Every row asserts lhs <= rhs with an interval on each side (theorem.h).
 * No tolerance is set by hand: each is a rounding-error bound γ_k = k u/(1 − k u)
 * (u = 2^-p) of the computation it covers, a rigorous error bound of a solve,
 * or a Clopper–Pearson interval at a stated δ; the derivations are at the
 * functions that use them. Controls are the same computations on a case (or
 * against an asserted constant) changed so that the inequality is false. */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <mpfr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/checks.h"
#include "data/synthetic.h"
#include "deq/linear.h"
#include "deq/problem.h"
#include "num/bound.h"
#include "num/norm_bound.h"
#include "theorems/theorem.h"
#include "theorems/well_posedness_internal.h"

static const thm_check t1_checks[] = {
    [T1_CONTRACTION] = {"T1.contraction", "gao2021", THM_EXACT,
                        "rho_bar := L * alpha_A * ||A||_2^+ < 1 (||A||_2^+ certified); lhs = "
                        "rho_bar in [L alpha ||A||_2^- (certified Rayleigh quotient), rho_bar], "
                        "rhs = 1; then the equilibrium exists, is unique, and Picard converges",
        "Lemma 2.2 and Lemma 2.3 (contraction factor gamma~||A|| <= gamma0 < 1)",
        "the equilibrium exists and is unique: the certified contraction factor is below 1",
        "lhs is rho_bar = L alpha_A ||A||_2, the Lipschitz constant of z -> sigma(alpha_A A z + b) (gamma0 = gamma~||A|| in gao2021), certified from above; rhs is 1."},
    [T1_PICARD_RATE] = {"T1.picard_rate", "gao2021", THM_EXACT,
                        "Picard steps satisfy s_{k+1} <= rho_bar * s_k + e_k + e_{k+1} (e_k: "
                        "rigorous rounding bound of the evaluation at iterate k); lhs = max_k "
                        "(s_{k+1} - rho_bar s_k), rhs = 2 max_k e_k",
        "Lemma 2.2, proof (A.1): ||z^{l+1} - z^l|| <= gamma0^l ||phi||",
        "Picard steps shrink by the certified contraction factor",
        "lhs is the largest excess max_k (s_{k+1} - rho_bar s_k) of the step lengths s_k = ||z^{k+1} - z^k|| over the contraction; rhs is twice the largest rigorous rounding bound of one evaluation."},
    [T1_ERROR_BOUND] = {"T1.error_bound", "gao2021", THM_EXACT,
                        "two solves of one problem (double/MPFR-p, MPFR-p/MPFR-2p) are within the "
                        "sum of their rigorous error bounds: lhs = max_i ||z_a,i - z_b,i||, rhs = "
                        "bound_a + bound_b",
        "derived (numerical): the solver's a-posteriori error bound; no paper statement",
        "the certified error bounds of two solves enclose their difference",
        "lhs is max_i ||z_a,i - z_b,i||, the distance between two solves of one equilibrium (double/MPFR or MPFR at p and 2p bits); rhs is the sum of their certified error bounds."},
    [T1_INIT_NORM] = {"T1.init_norm", "gao2021", THM_ASYMPTOTIC,
                      "P(||A(0)||_2 >= 2 sqrt(m) + t) <= exp(-t^2/2) for N(0,1) entries: lhs = "
                      "exceedance frequency over seeds with its Clopper-Pearson interval, rhs = "
                      "exp(-t^2/2)",
        "Lemma 2.1 (Vershynin Thm 4.4.5; its constant is not given), asserted with the Gaussian tail bound of Davidson and Szarek (derived)",
        "||A(0)|| exceeds 2 sqrt(m) + t with probability at most exp(-t^2/2)",
        "lhs is the frequency over seeds of ||A(0)||_2 >= 2 sqrt(m) + t, with its Clopper-Pearson interval; rhs is the tail bound exp(-t^2/2)."},
    [T1_LINEAR_SOFTMAX] = {"T1.linear_softmax", "kawaguchi2021", THM_EXACT,
                           "||gamma S(A)||_1 = gamma < 1; every column of U = (I - gamma S)^{-1} "
                           "sums to 1/(1 - gamma); U >= 0 entrywise (lhs = largest deviation, rhs "
                           "= its derived rounding bound)",
        "derived from the abstract (kawaguchi2021's softmax-normalized linear implicit layer)",
        "the linear implicit layer with a softmax-normalized A is well posed and its inverse is stochastic",
        "lhs is the largest deviation of (I - gamma S(A))^{-1} from its predicted column sums 1/(1 - gamma) and nonnegativity; rhs is the derived rounding bound of that computation."},
    [T1_GAO_L22_NORM] = {"T1.gao2021_lemma2.2", "gao2021", THM_EXACT,
                         "on z = ReLU((gamma/sqrt(m)) A z + phi), phi = ReLU(W x)/sqrt(m), Picard from "
                         "z^0 = 0: max_{i,p} ||z_i^p|| / ||phi_i|| <= 1/(1 - gamma0), gamma0 = "
                         "gamma~||A||_2 in [certified Rayleigh, certified upper]; iterate rounding "
                         "bounded; control: activation 2 ReLU",
        "Lemma 2.2: ||z^l|| <= ||phi||/(1 - gamma0) for every l",
        "every Picard iterate stays within ||phi||/(1 - gamma0)",
        "lhs is max over samples i and iterates p of ||z_i^p|| / ||phi(x_i)||; rhs is 1/(1 - gamma0) with gamma0 = gamma~||A||_2."},
    [T1_GAO_L22_RATE] = {"T1.gao2021_lemma2.2_rate", "gao2021", THM_EXACT,
                         "max_{i,p<=P} ||z_i^p - z_i*|| (1 - gamma0) / (gamma0^p ||phi_i||) <= 1, "
                         "z* the certified equilibrium (its error bound and the iterates' rounding "
                         "folded in); control: gamma0 replaced by half the observed first-step "
                         "contraction",
        "Lemma 2.2, proof (A.1): ||z^p - z*|| <= gamma0^p ||phi|| / (1 - gamma0)",
        "Picard iterates approach the equilibrium at least at rate gamma0^p",
        "lhs is max over samples i and p = 1..P of ||z_i^p - z_i*|| (1 - gamma0) / (gamma0^p ||phi_i||); rhs is 1."},
    [T1_GAO_L23] = {"T1.gao2021_lemma2.3", "gao2021", THM_EXACT,
                    "sigma_min(I - gamma~ D A) >= 1 - gamma0 for D the equilibria's activation "
                    "patterns, D = I and random 0/1 patterns; sigma_min certified below (certified "
                    "lambda_min of M^T M, rounding folded in); control: D = I/gamma0 (slope 1/gamma0)",
        "Lemma 2.3(ii), Eq. (9) (its proof shows ||(I - gamma~ diag(sigma'(v)) A) u|| >= (1 - gamma0)||u||)",
        "I - gamma~ D A is well conditioned: its least singular value is at least 1 - gamma0",
        "lhs is 1 - gamma0 with gamma0 = gamma~||A||_2; rhs is the least singular value of I - gamma~ D A, minimised over the patterns D."},
    [T1_LING_L1] = {"T1.ling2022_lemma1", "ling2022", THM_REPORT,
                    "P(||W||_2 > 2 sqrt(2) sigma_w) for W ~ N(0, 2 sigma_w^2/m), sigma_w^2 = 0.08: the "
                    "frequency over draws with its Clopper-Pearson interval (the lemma's exp(-Omega(m)) "
                    "hides its constant: reported)",
        "Lemma 1: ||W||_2 <= 2 sqrt(2) sigma_w with probability >= 1 - exp(-Omega(m))",
        "how often the weight norm exceeds Lemma 1's threshold 2 sqrt(2) sigma_w",
        "lhs is the frequency over draws of ||W||_2 > 2 sqrt(2) sigma_w with its Clopper-Pearson interval; no rhs (the probability bound exp(-Omega(m)) has no stated constant)."},
};

const thm_check *t1_check(int which)
{
    return &t1_checks[which];
}

/* ---- small rigorous helpers ---- */

/* exp(x) rounded in direction rnd. */
static double exp_dir(double x, mpfr_rnd_t rnd)
{
    mpfr_t t;
    mpfr_init2(t, 53);
    mpfr_set_d(t, x, rnd);
    mpfr_exp(t, t, rnd);
    double r = mpfr_get_d(t, rnd);
    mpfr_clear(t);
    return r;
}

/* Relative error of a computed step or distance max_i ‖a_i − b_i‖₂ (from
 * mat_max_col_dist): m differences and m squares summed at precision prec
 * (γ_{m+1}), then converted to double and square-rooted there (two roundings
 * of 2^-53); the square root halves the first, kept whole here. */
static double dist_rel_err(long m, long prec)
{
    return bound_add_up(bound_gamma((double)m + 1, prec), bound_gamma(2, 53));
}

/* ---- T1.contraction ---- */

/* The γ range of the preset's paper, as a hypothesis of the contraction row
 * (a row whose γ is outside it is N/A and keeps what it observed). */
static void gamma_hypotheses(thm_row *r, const deq_preset *pre, double gamma, double c, double L)
{
    if (strcmp(pre->name, "gao2021") == 0) /* paper (gao2021 Thms 3.1-3.2): γ <= min{1/2, 1/(4c)} with
                                              ‖A(0)‖ <= c√m; c taken from this draw's certified norm */
        thm_row_hypothesis(r, "gamma <= min(1/2,1/(4c))", gamma, "<=", fmin(0.5, 0.25 / c));
    else if (strcmp(pre->name, "ling2022") == 0) /* paper (ling2022 Assumption 1): σ_w² < 1/8, σ_w = γ/√2 */
        thm_row_hypothesis(r, "sigma_w^2 = gamma^2/2", gamma * gamma / 2, "<", 0.125);
    else if (strcmp(pre->name, "truong2023") == 0) /* truong2023 (known from reviews): σ_w² < 1/(8L²) */
        thm_row_hypothesis(r, "sigma_w^2 L^2", gamma * gamma / 2 * L * L, "<", 0.125);
    else /* gaogao2022 (abstract only): no γ range is known; derived: ‖A(0)‖₂ ≈ 2√m
          * (T1.init_norm), so ρ(0) ≈ 2γL, and contraction at init needs 2γL < 1 */
        thm_row_hypothesis(r, "2 gamma L (derived)", 2 * gamma * L, "<", 1.0);
}

void t1_fill_contraction(thm_row *r, const deq_preset *pre, double gamma, double c, double L,
                         double rho_upper, double rho_lower, int certified, deq_outcome outcome)
{
    thm_row_lhs(r, rho_upper, fmin(rho_lower, rho_upper), rho_upper);
    /* ρ̄ < 1 over doubles is ρ̄ <= 1 − 2^-53, the largest double below 1 */
    thm_row_rhs(r, 1.0, nextafter(1.0, 0.0), 1.0);
    r->error_kind = THM_CERTIFIED;
    r->tolerance = 0.0; /* both ends are rigorous bounds: nothing is folded in */
    gamma_hypotheses(r, pre, gamma, c, L);
    if (certified && outcome != DEQ_CONVERGED)
        thm_row_fail(r, "certified contraction but Picard/Anderson %s", deq_outcome_name(outcome));
    thm_row_judge(r);
}

/* ---- T1.picard_rate ---- */

void t1_fill_picard_rate(thm_row *r, const double *s, const double *e, long K, double rho,
                         int certified, double eta)
{
    /* The exact step norms lie within s_k(1 ± eta), so the exact max_k
     * (s_{k+1} − ρ s_k) lies in [lo, hi] below; z_{k+1} = Φ(z_k) + δ_k with
     * ‖δ_k‖ <= e_k gives s_{k+1} <= ρ̄ s_k + e_k + e_{k+1} <= ρ̄ s_k + 2 max e. */
    double v = -INFINITY, lo = -INFINITY, hi = -INFINITY, emax = 0.0;
    double up = bound_add_up(1.0, eta), dn = bound_sub_down(1.0, eta);
    for (long k = 0; k < K; k++) {
        emax = isnan(e[k]) || e[k] > emax ? e[k] : emax;
        if (k + 1 == K)
            break;
        double x = s[k + 1] - rho * s[k];
        double xl = bound_sub_down(bound_mul_down(s[k + 1], dn), bound_mul_up(rho, bound_mul_up(s[k], up)));
        double xh = bound_sub_up(bound_mul_up(s[k + 1], up), bound_mul_down(rho, bound_mul_down(s[k], dn)));
        v = isnan(x) || x > v ? x : v;
        lo = isnan(xl) || xl > lo ? xl : lo;
        hi = isnan(xh) || xh > hi ? xh : hi;
    }
    if (K < 2)
        thm_row_fail(r, "fewer than two Picard steps");
    thm_row_lhs(r, v, lo, hi);
    double rhs = certified ? bound_mul_up(2.0, emax) : INFINITY;
    thm_row_rhs(r, rhs, rhs, rhs);
    r->error_kind = THM_CERTIFIED;
    r->tolerance = rhs;
    thm_row_hypothesis_flag(r, "rho_bar < 1 certified", certified);
    thm_row_judge(r);
}

/* ---- T1.error_bound ---- */

void t1_fill_error_bound(thm_row *r, double dist, double eta, double bound_a, double bound_b,
                         int certified)
{
    thm_row_lhs(r, dist, bound_mul_down(dist, bound_sub_down(1.0, eta)),
                bound_mul_up(dist, bound_add_up(1.0, eta)));
    double rhs = certified ? bound_add_up(bound_a, bound_b) : INFINITY;
    thm_row_rhs(r, rhs, rhs, rhs);
    r->error_kind = THM_CERTIFIED;
    r->tolerance = 0.0; /* the bounds are rigorous; only the distance's own rounding (eta) widens lhs */
    thm_row_hypothesis_flag(r, "rho_bar < 1 certified (both solves)", certified);
    thm_row_judge(r);
}

/* ---- T1.init_norm ---- */

double t1_clopper_pearson_lhs(thm_row *r, long S, long k_lo, long k_hi, double delta)
{
    /* Clopper–Pearson: [lo, hi] covers the exceedance probability with
     * probability >= 1 − δ (δ/2 each side); lo from the certain count,
     * hi from the possible one. */
    double Sd = (double)S;
    double lo = k_lo > 0 ? gsl_cdf_beta_Pinv(delta / 2, (double)k_lo, Sd - (double)k_lo + 1) : 0.0;
    double hi = k_hi < S ? gsl_cdf_beta_Qinv(delta / 2, (double)k_hi + 1, Sd - (double)k_hi) : 1.0;
    if (S <= 0)
        thm_row_fail(r, "no draws");
    thm_row_lhs(r, S > 0 ? (double)k_hi / Sd : NAN, lo, hi);
    return hi;
}

void t1_fill_init_norm(thm_row *r, long S, long k_lo, long k_hi, double t, double delta)
{
    double hi = t1_clopper_pearson_lhs(r, S, k_lo, k_hi, delta), Sd = (double)S;
    double q_lo = bound_mul_down(t, t) / 2, q_hi = bound_mul_up(t, t) / 2; /* halving is exact */
    mpfr_t x;
    mpfr_init2(x, 53);
    mpfr_set_d(x, -t * t / 2, MPFR_RNDN);
    mpfr_exp(x, x, MPFR_RNDN);
    double b = mpfr_get_d(x, MPFR_RNDN);
    mpfr_clear(x);
    thm_row_rhs(r, b, exp_dir(-q_hi, MPFR_RNDD), exp_dir(-q_lo, MPFR_RNDU));
    r->error_kind = THM_ESTIMATED;
    r->trivial = 1.0; /* a probability */
    r->tolerance = hi - (double)k_hi / Sd;
    thm_row_hypothesis_flag(r, "A_ij iid N(0,1)", 1); /* by construction of the draws */
    thm_row_judge(r);
}

/* ---- T1.linear_softmax ---- */

void t1_fill_linear_softmax(thm_row *r, double dev, double check_err, double tol, long piv,
                            double gamma)
{
    thm_row_lhs(r, dev, fmax(bound_sub_down(dev, check_err), 0.0), bound_add_up(dev, check_err));
    thm_row_rhs(r, tol, tol, tol);
    r->error_kind = THM_CERTIFIED;
    r->tolerance = tol;
    thm_row_hypothesis(r, "gamma", gamma, "<", 1.0); /* kawaguchi2021 (abstract): γ ∈ (0, 1) */
    if (piv != 0)
        thm_row_fail(r, "I - gamma S is singular (LU pivot %ld)", piv);
    thm_row_judge(r);
}

/* ---- the network cases ---- */

/* One network case: weights drawn in double, data on the sphere. */
typedef struct {
    const deq_preset *preset;
    const char *gamma;
    long m, d, n;
    unsigned long seed;
    mat_d_t A, U, X;
    data_check_struct data;
} wp_case;

static void case_init(wp_case *c, const deq_preset *p, const char *gamma, long m, long d, long n,
                      unsigned long seed)
{
    c->preset = p;
    c->gamma = gamma;
    c->m = m, c->d = d, c->n = n;
    c->seed = seed;
    deq_rng_t rng;
    deq_rng_init(rng, seed);
    mat_d_t v;
    mat_init_d(c->A, m, m, 53);
    mat_init_d(c->U, m, d, 53);
    mat_init_d(v, m, 1, 53);
    mat_init_d(c->X, d, n, 53);
    deq_weights_draw(c->A, c->U, v, DEQ_INIT_GAUSSIAN, rng);
    data_sphere_points(c->X, rng);
    deq_rng_clear(rng);
    mat_clear_d(v);
    data_check_init(&c->data);
    data_check_hypotheses(&c->data, c->X, 4);
}

static void case_clear(wp_case *c)
{
    mat_clear_d(c->A);
    mat_clear_d(c->U);
    mat_clear_d(c->X);
    data_check_clear(&c->data);
}

static void row_case(thm_row *r, const wp_case *c, const char *backend)
{
    snprintf(r->preset, sizeof r->preset, "%s", c->preset->name);
    snprintf(r->source, sizeof r->source, "%s", c->preset->source); /* the preset's paper */
    r->width = c->m;
    r->n = c->n;
    r->seed = c->seed;
    snprintf(r->data, sizeof r->data, "sphere d=%ld", c->d);
    snprintf(r->backend, sizeof r->backend, "%s", backend);
}

/* The steps s_k and rounding bounds e_k of a Picard run from z = 0, K steps:
 * the solver's own iteration z_{k+1} = Φ̂(z_k) (deq_phi), each iterate
 * certified by deq_forward_certify, which gives e_k rigorously (the solver's
 * info has e only at its last iterate). */
typedef struct {
    double *s, *e;
    long K;
} wp_steps;

static void steps_init(wp_steps *st, long K)
{
    st->K = K;
    st->s = malloc((size_t)(K > 0 ? K : 1) * sizeof *st->s);
    st->e = malloc((size_t)(K > 0 ? K : 1) * sizeof *st->e);
}

static void steps_clear(wp_steps *st)
{
    free(st->s), free(st->e);
}

/* Do the steps equal the shipped solver's trace (same iteration, same norms)? */
static int steps_match(const wp_steps *st, const deq_solve_info_t info)
{
    for (long k = 0; k < st->K && k < info->trace_len; k++)
        if (st->s[k] != info->trace[k])
            return 0;
    return 1;
}

static void steps_d(wp_steps *st, const deq_fp_d_struct *fp, long m, long n)
{
    mat_d_t Z, PHI, H;
    mat_init_d(Z, m, n, 53), mat_init_d(PHI, m, n, 53), mat_init_d(H, m, n, 53);
    mat_zero_d(Z);
    deq_solve_info_t info;
    deq_solve_info_init(info);
    for (long k = 0; k < st->K; k++) {
        deq_phi_d(PHI, H, fp, Z, 53);
        deq_forward_certify_d(info, Z, PHI, fp, 53);
        st->s[k] = info->resid, st->e[k] = info->round_slack;
        mat_swap_d(Z, PHI);
    }
    deq_solve_info_clear(info);
    mat_clear_d(Z), mat_clear_d(PHI), mat_clear_d(H);
}

static void steps_mp(wp_steps *st, const deq_fp_mp_struct *fp, long m, long n, long prec)
{
    mat_mp_t Z, PHI, H;
    mat_init_mp(Z, m, n, prec), mat_init_mp(PHI, m, n, prec), mat_init_mp(H, m, n, prec);
    mat_zero_mp(Z);
    deq_solve_info_t info;
    deq_solve_info_init(info);
    for (long k = 0; k < st->K; k++) {
        deq_phi_mp(PHI, H, fp, Z, prec);
        deq_forward_certify_mp(info, Z, PHI, fp, prec);
        st->s[k] = info->resid, st->e[k] = info->round_slack;
        mat_swap_mp(Z, PHI);
    }
    deq_solve_info_clear(info);
    mat_clear_mp(Z), mat_clear_mp(PHI), mat_clear_mp(H);
}

/* Picard iterations for relative residual tol at contraction factor ρ̄ < 1:
 * from z = 0, ‖z*‖ >= s_0/(1 + ρ̄) and s_K <= ρ̄^K s_0, so the relative
 * residual is below tol once 2ρ̄^K <= tol; plus the solver's patience. */
static long picard_iterations(double rho, double tol, long patience)
{
    if (!(rho < 1) || !(rho > 0))
        return 0; /* keep the solver's default */
    return (long)ceil(log(tol / 2) / log(rho)) + patience;
}

/* Solves the case in double into Zd (norm_upper: the certified ‖A‖₂⁺ behind
 * ρ̄); st (may be NULL) receives the Picard steps of the solve. */
static void solve_double(mat_d_t Zd, deq_solve_info_t info, double *norm_upper, wp_steps *st,
                         const wp_case *c, deq_solver solver)
{
    mat_d_t A, U, X;
    mat_init_d(A, c->m, c->m, 53), mat_init_d(U, c->m, c->d, 53), mat_init_d(X, c->d, c->n, 53);
    mat_set_d(A, c->A), mat_set_d(U, c->U), mat_set_d(X, c->X);
    char su[40];
    thm_sigma_u_string(su, sizeof su, c->preset, c->d);
    deq_problem_d_t P;
    deq_problem_init_d(P, A, U, X, c->gamma, su, c->preset->act, 1, 53);
    deq_solve_opts o;
    deq_solve_opts_default(&o);
    o.solver = solver;
    mat_init_d(Zd, c->m, c->n, 53);
    deq_solve_info_init(info);
    deq_forward_solve_d(Zd, info, &P->fp, &o, 53);
    *norm_upper = P->normA->upper;
    if (st) {
        steps_init(st, info->trace_len);
        steps_d(st, &P->fp, c->m, c->n);
    }
    deq_problem_clear_d(P);
}

/* The MPFR solve: Anderson with Newton polishing to the derived tolerance
 * (tol = 0), or Picard to relative residual 2^{-prec/2}: half the working
 * bits, where the steps are still far above rounding, which is the regime
 * T1.picard_rate tests in MPFR (double reaches the rounding floor). */
static void solve_mpfr(mat_mp_t Z, deq_solve_info_t info, wp_steps *st, const wp_case *c,
                       deq_solver solver, long prec)
{
    mat_mp_t A, U, X;
    mat_init_mp(A, c->m, c->m, prec), mat_init_mp(U, c->m, c->d, prec),
        mat_init_mp(X, c->d, c->n, prec);
    mat_set_mat_d_mp(A, c->A), mat_set_mat_d_mp(U, c->U), mat_set_mat_d_mp(X, c->X);
    char su[40];
    thm_sigma_u_string(su, sizeof su, c->preset, c->d);
    deq_problem_mp_t P;
    deq_problem_init_mp(P, A, U, X, c->gamma, su, c->preset->act, 1, prec);
    deq_solve_opts o;
    deq_solve_opts_default(&o);
    o.solver = solver;
    o.newton = solver == DEQ_SOLVER_ANDERSON;
    if (solver == DEQ_SOLVER_PICARD) {
        o.tol = ldexp(1.0, -(int)(prec / 2));
        long k = picard_iterations(P->fp.rho_upper, o.tol, o.patience);
        if (k > o.max_iter)
            o.max_iter = k;
    }
    mat_init_mp(Z, c->m, c->n, prec);
    deq_solve_info_init(info);
    deq_forward_solve_mp(Z, info, &P->fp, &o, prec);
    if (st) {
        steps_init(st, info->trace_len);
        steps_mp(st, &P->fp, c->m, c->n, prec);
    }
    deq_problem_clear_mp(P);
}

/* Certified lower bound on ρ = L·α_A·‖A‖₂ for the exact γ (the decimal
 * string, within a relative 2^-53 of its double) and α_A = γ/√m; the
 * Lipschitz constant is exact for all activations but erf, whose upper bound
 * is within 2^-52 of it. */
static double rho_lower(const wp_case *c)
{
    double g = bound_mul_down(strtod(c->gamma, NULL), 1.0 - 0x1p-53);
    double alpha = bound_div_down(g, bound_sqrt_up((double)c->m));
    double L = bound_mul_down(deq_act_lipschitz_upper(c->preset->act), 1.0 - 0x1p-52);
    return bound_mul_down(bound_mul_down(L, alpha), num_norm2_lower_d(c->A));
}

static void add_contraction(thm_results_t out, const wp_case *c, const deq_solve_info_t info,
                            double norm_upper, double rho_lo, const char *backend, int control)
{
    thm_row *r = control ? thm_results_add_control(out, &t1_checks[T1_CONTRACTION])
                         : thm_results_add(out, &t1_checks[T1_CONTRACTION]);
    row_case(r, c, backend);
    double cm = bound_div_up(norm_upper, bound_sqrt_down((double)c->m));
    t1_fill_contraction(r, c->preset, strtod(c->gamma, NULL), cm,
                        deq_act_lipschitz_upper(c->preset->act), info->rho_upper, rho_lo,
                        info->certified, info->outcome);
    if (r->failed)
        return;
    if (control)
        snprintf(r->note, sizeof r->note,
                 "control: gamma = %s instead of %.4g; certificate %s; Picard %s after %ld iterations",
                 c->gamma, strtod(c->preset->gamma, NULL), info->certified ? "ISSUED" : "withheld",
                 deq_outcome_name(info->outcome), info->iterations);
    else
        snprintf(r->note, sizeof r->note,
                 "c = ||A||/sqrt(m) <= %.4g; %s in %ld iterations; data: unit norm %s, min angle %.3g rad",
                 cm, deq_outcome_name(info->outcome), info->iterations,
                 c->data.unit_norm_ok ? "ok" : "FAILS", c->data.min_angle);
}

static void add_picard_rate(thm_results_t out, const wp_case *c, const deq_solve_info_t info,
                            const wp_steps *st, const char *backend, long prec, int control)
{
    thm_row *r = control ? thm_results_add_control(out, &t1_checks[T1_PICARD_RATE])
                         : thm_results_add(out, &t1_checks[T1_PICARD_RATE]);
    row_case(r, c, backend);
    /* control: the rate constant shrunk below the observed one, half the
     * first step's ratio s_1/s_0, so s_1 − ρ s_0 = s_1/2, far above rounding */
    double rho = control && st->K >= 2 ? st->s[1] / st->s[0] / 2 : info->rho_upper;
    t1_fill_picard_rate(r, st->s, st->e, st->K, rho, info->certified, dist_rel_err(c->m, prec));
    if (r->failed)
        return;
    snprintf(r->note, sizeof r->note,
             "%s%ld steps (= solver trace: %s); rho %.4g; observed %.4g; slack 2e = %.3g",
             control ? "control: rho = s1/s0/2 instead of rho_bar; " : "", st->K,
             steps_match(st, info) ? "yes" : "NO", rho, info->observed_contraction, r->rhs);
}

/* The injected error of an error-bound control, in units of the bound:
 * the unperturbed distance is at most the bound b, so a solve moved by
 * ERR_INJECT·b is at least (ERR_INJECT − 1)·b > b away. */
#define ERR_INJECT 4.0

/* T1.error_bound for solutions Za (converted to Zb's precision) and Zb; a
 * control adds ERR_INJECT times the bound to one entry of Za. */
static void add_error_bound(thm_results_t out, const wp_case *c, const mat_mp_t Za, const mat_mp_t Zb,
                            double bound_a, double bound_b, int certified, const char *backend,
                            long prec, int control)
{
    mat_mp_t Zc;
    mat_init_mp(Zc, Za->rows, Za->cols, prec);
    mat_set_mp(Zc, Za);
    double inject = control ? bound_mul_up(ERR_INJECT, bound_add_up(bound_a, bound_b)) : 0.0;
    mpfr_add_d(Zc->e, Zc->e, inject, MPFR_RNDN);
    double dist = mat_max_col_dist_mp(Zc, Zb, prec);
    double zn = mat_max_col_norm_mp(Zb, prec);
    mat_clear_mp(Zc);
    thm_row *r = control ? thm_results_add_control(out, &t1_checks[T1_ERROR_BOUND])
                         : thm_results_add(out, &t1_checks[T1_ERROR_BOUND]);
    row_case(r, c, backend);
    t1_fill_error_bound(r, dist, dist_rel_err(c->m, prec), bound_a, bound_b, certified);
    r->digits = thm_digits(dist, zn, prec);
    if (r->failed)
        return;
    if (control)
        snprintf(r->note, sizeof r->note, "control: z_a(0,0) moved by %g x the bound; bounds: %.3g + %.3g",
                 ERR_INJECT, bound_a, bound_b);
    else
        snprintf(r->note, sizeof r->note, "bounds: %.3g + %.3g", bound_a, bound_b);
}

/* Double vs MPFR and the precision ladder p vs 2p of one case. */
static void run_mpfr_rows(thm_results_t out, const wp_case *c, const mat_d_t Zd,
                          const deq_solve_info_t id, double nu, double rho_lo, const thm_config *cfg,
                          int first_width, int first)
{
    long p = cfg->prec, m = c->m;
    char lab[16], lab2[40];
    thm_backend_label(lab, sizeof lab, 1, p);
    mat_mp_t Zm;
    deq_solve_info_t im;
    solve_mpfr(Zm, im, NULL, c, DEQ_SOLVER_ANDERSON, p);
    /* ‖A‖₂⁺ (nu) is the double problem's: the same A, exactly */
    add_contraction(out, c, im, nu, rho_lo, lab, 0);
    snprintf(lab2, sizeof lab2, "double/%s", lab);
    mat_mp_t Zdm;
    mat_init_mp(Zdm, m, c->n, p);
    mat_set_mat_d_mp(Zdm, Zd);
    int cert = id->certified && im->certified;
    for (int ctl = 0; ctl <= first; ctl++)
        add_error_bound(out, c, Zdm, Zm, id->err_bound, im->err_bound, cert, lab2, p, ctl);
    mat_clear_mp(Zdm);
    /* MPFR Picard rate, on the smallest width (its trace is long at 256 bits) */
    if (first_width) {
        mat_mp_t Zp;
        deq_solve_info_t ip;
        wp_steps st;
        solve_mpfr(Zp, ip, &st, c, DEQ_SOLVER_PICARD, p);
        add_picard_rate(out, c, ip, &st, lab, p, 0);
        steps_clear(&st);
        mat_clear_mp(Zp);
        deq_solve_info_clear(ip);
    }
    /* precision ladder p vs 2p, on the smallest width and first seed */
    if (first) {
        mat_mp_t Z2, Zup;
        deq_solve_info_t i2;
        solve_mpfr(Z2, i2, NULL, c, DEQ_SOLVER_ANDERSON, 2 * p);
        mat_init_mp(Zup, m, c->n, 2 * p);
        mat_set_mp(Zup, Zm);
        snprintf(lab2, sizeof lab2, "%s/mpfr-%ld", lab, 2 * p);
        for (int ctl = 0; ctl <= 1; ctl++)
            add_error_bound(out, c, Zup, Z2, im->err_bound, i2->err_bound,
                            im->certified && i2->certified, lab2, 2 * p, ctl);
        mat_clear_mp(Zup);
        mat_clear_mp(Z2);
        deq_solve_info_clear(i2);
    }
    mat_clear_mp(Zm);
    deq_solve_info_clear(im);
}

/* The contraction control: the case's A with γ = 2, so ρ ≈ 4 (certified
 * lower bound above 1) and the assertion ρ̄ < 1 is false. */
#define CONTROL_GAMMA "2"

static void run_contraction_control(thm_results_t out, const wp_case *c0)
{
    wp_case c = *c0;
    c.gamma = CONTROL_GAMMA;
    mat_d_t Zd;
    deq_solve_info_t id;
    double nu;
    solve_double(Zd, id, &nu, NULL, &c, DEQ_SOLVER_PICARD);
    add_contraction(out, &c, id, nu, rho_lower(&c), "double", 1);
    mat_clear_d(Zd);
    deq_solve_info_clear(id);
}

static void run_networks(thm_results_t out, const thm_config *cfg)
{
    for (int p = 0; p < cfg->n_presets; p++) {
        if (!thm_sub_selected(cfg, p))
            continue;
        const deq_preset *pre = cfg->presets[p];
        for (int w = 0; w < cfg->n_widths; w++)
            for (int s = 0; s < cfg->seeds; s++) {
                long m = cfg->widths[w];
                int first = w == 0 && s == 0;
                wp_case c;
                case_init(&c, pre, pre->gamma, m, cfg->d, cfg->n,
                          thm_case_seed(cfg->seed, (unsigned long)p, (unsigned long)m, (unsigned long)s));
                double rho_lo = rho_lower(&c), nu;
                mat_d_t Zd;
                deq_solve_info_t id;
                wp_steps st;
                solve_double(Zd, id, &nu, &st, &c, DEQ_SOLVER_PICARD);
                add_contraction(out, &c, id, nu, rho_lo, "double", 0);
                for (int ctl = 0; ctl <= first; ctl++)
                    add_picard_rate(out, &c, id, &st, "double", 53, ctl);
                steps_clear(&st);
                if (first)
                    run_contraction_control(out, &c);
                if (m <= cfg->mpfr_max_m)
                    run_mpfr_rows(out, &c, Zd, id, nu, rho_lo, cfg, w == 0, first);
                mat_clear_d(Zd);
                deq_solve_info_clear(id);
                case_clear(&c);
            }
    }
}

/* ---- T1.init_norm ---- */

/* Largest t of the rows: the draws S0 per seed are the fewest for which zero
 * exceedances prove the bound at this t (Clopper–Pearson hi(0) = 1 − (δ/2)^{1/S}
 * below exp(−t²/2)), so every row can come out HOLDS. */
static const double init_norm_t[] = {0.5, 1.0, 2.0};
#define INIT_NORM_NT ((int)(sizeof init_norm_t / sizeof init_norm_t[0]))
/* The control replaces the edge constant 2 by 1: ‖A‖₂ >= ‖A‖_F/√m ≈ √m,
 * and ≈ 2√m in fact, so nearly every draw exceeds √m + t. */
#define INIT_NORM_CONTROL_EDGE 1.0
#define INIT_NORM_CONTROL_T 1.0

static long init_norm_draws_per_seed(double delta)
{
    double b = exp(-init_norm_t[INIT_NORM_NT - 1] * init_norm_t[INIT_NORM_NT - 1] / 2);
    return (long)ceil(log(delta / 2) / log1p(-b));
}

static void add_init_norm(thm_results_t out, long m, long S, long k_lo, long k_hi, double edge,
                          double t, unsigned long seed, int control, double mean_ratio)
{
    thm_row *r = control ? thm_results_add_control(out, &t1_checks[T1_INIT_NORM])
                         : thm_results_add(out, &t1_checks[T1_INIT_NORM]);
    snprintf(r->preset, sizeof r->preset, "N(0,1) weights");
    r->width = m;
    r->seed = seed;
    snprintf(r->data, sizeof r->data, "t=%g, %ld seeds", t, S);
    snprintf(r->backend, sizeof r->backend, "double");
    t1_fill_init_norm(r, S, k_lo, k_hi, t, T1_INIT_NORM_DELTA);
    if (r->failed)
        return;
    snprintf(r->note, sizeof r->note,
             "%s%ld-%ld of %ld exceed %g sqrt(m) + t; Clopper-Pearson, delta = %g (default); "
             "mean ||A||/sqrt(m) = %.4f",
             control ? "control: edge constant 1 instead of 2; " : "", k_lo, k_hi, S, edge,
             T1_INIT_NORM_DELTA, mean_ratio);
}

/* Exceedance of edge·√m + t over many seeds, for the two smallest widths
 * (the bound holds for every m; small m is where it is tightest and cheap).
 * A draw certainly exceeds when the certified lower bound on ‖A‖₂ is at or
 * above the threshold rounded up, possibly when the certified upper bound is
 * at or above it rounded down. */
static void run_init_norm(thm_results_t out, const thm_config *cfg)
{
    long S = cfg->seeds * init_norm_draws_per_seed(T1_INIT_NORM_DELTA);
    enum { NQ = INIT_NORM_NT + 1 };
    for (int w = 0; w < cfg->n_widths && w < 2; w++) {
        long m = cfg->widths[w];
        double edge[NQ], t[NQ];
        long k_lo[NQ] = {0}, k_hi[NQ] = {0};
        for (int q = 0; q < NQ; q++) {
            edge[q] = q < INIT_NORM_NT ? 2.0 : INIT_NORM_CONTROL_EDGE;
            t[q] = q < INIT_NORM_NT ? init_norm_t[q] : INIT_NORM_CONTROL_T;
        }
        double mean_ratio = 0;
        for (long s = 0; s < S; s++) {
            deq_rng_t rng;
            deq_rng_init(rng, thm_case_seed(cfg->seed, 77, (unsigned long)m, (unsigned long)s));
            mat_d_t A;
            mat_init_d(A, m, m, 53);
            for (long k = 0; k < m * m; k++)
                A->e[k] = deq_rng_gaussian(rng);
            deq_rng_clear(rng);
            num_norm2_t nb;
            num_norm2_upper_d(nb, A, 53);
            double lo = num_norm2_lower_d(A);
            for (int q = 0; q < NQ; q++) {
                double up = bound_add_up(bound_mul_up(edge[q], bound_sqrt_up((double)m)), t[q]);
                double dn = bound_add_down(bound_mul_down(edge[q], bound_sqrt_down((double)m)), t[q]);
                k_lo[q] += lo >= up;
                k_hi[q] += nb->upper >= dn;
            }
            mean_ratio += nb->estimate / sqrt((double)m) / (double)S;
            mat_clear_d(A);
        }
        for (int q = 0; q < NQ; q++)
            if (q < INIT_NORM_NT || w == 0)
                add_init_norm(out, m, S, k_lo[q], k_hi[q], edge[q], t[q], cfg->seed,
                              q >= INIT_NORM_NT, mean_ratio);
    }
}

/* ---- T1.linear_softmax ---- */

/* The derived bounds of one width and precision (u = 2^-prec, γ_k as in
 * num/bound.h, g = γ of the model, Ŝ the computed softmax):
 *  - softmax: each column is ê_i(1+δ_i) / fl(Σ ê_k) with the sum of positive
 *    terms off by θ_{m−1}, so Σ_i ŝ_ij = 1 + ε_j, |ε_j| <= γ_m whatever the
 *    accuracy of exp (it cancels): tol_s = g·γ_m. The check sums m entries
 *    and forms g·cs − g at 2·prec bits: off by <= g·γ_{m+1}(1 + γ_m), γ at 2·prec.
 *  - J = I − gŜ: with 1ᵀ(I − gŜ) = (1 − g)1ᵀ − gεᵀ and the LU solve's
 *    backward error (J + Δ)û_j = e_j, |Δ| <= γ_2|J| (forming Ĵ) +
 *    γ_{3m}|L̂||Û| (Higham Thm 9.4), the column sums obey
 *      |1ᵀû_j − 1/(1 − g)| <= (gγ_m + ‖Δ‖₁)‖û_j‖₁/(1 − g).
 *    J is column diagonally dominant: LU does not pivot, Σ_{i>k}|l_ik| <= 1
 *    and no column sum of the active submatrix grows (Higham Thm 9.9's
 *    argument), so ‖L̂‖₁ <= 2 and ‖Û‖₁ <= m‖J‖₁ (to first order in u):
 *    ‖Δ‖₁ <= (γ_2 + 2mγ_{3m})‖J‖₁, ‖J‖₁ <= 1 + g(1 + γ_m),
 *    ‖J^{-1}‖₁ <= ν := 1/(1 − g(1 + γ_m)), ‖û_j‖₁ <= ν̂ := ν/(1 − ν‖Δ‖₁).
 *    The check sums m entries and forms 1/(1 − g) at 2·prec bits: off by
 *    <= γ_{m+2}(ν̂ + 1/(1 − g)), γ at 2·prec; converting a deviation to double
 *    adds a relative 2^-53.
 *  - U* = J^{-1} >= 0 (Neumann series of gŜ >= 0), and
 *    ‖û_j − u*_j‖_∞ <= ν‖Δ‖₁ν̂: tol_min = ν ν̂ ‖Δ‖₁. */
typedef struct {
    double tol_s, err_s, tol_u, err_u, tol_min;
} softmax_tol;

static softmax_tol softmax_tolerances(double g, long m, long prec)
{
    softmax_tol T;
    double gm = bound_gamma((double)m, prec);
    double one_g = bound_sub_down(1.0, g);
    double gs1 = bound_mul_up(g, bound_add_up(1.0, gm)); /* g‖Ŝ‖₁ */
    double normJ = bound_add_up(1.0, gs1);
    double nu = bound_div_up(1.0, bound_sub_down(1.0, gs1));
    double delta = bound_mul_up(bound_add_up(bound_gamma(2, prec),
                                             bound_mul_up(2.0 * (double)m, bound_gamma(3.0 * (double)m, prec))),
                                normJ);
    double nuh = bound_div_up(nu, bound_sub_down(1.0, bound_mul_up(nu, delta)));
    T.tol_s = bound_mul_up(g, gm);
    T.err_s = bound_mul_up(bound_mul_up(g, bound_gamma((double)m + 1, 2 * prec)), bound_add_up(1.0, gm));
    T.tol_u = bound_div_up(bound_mul_up(bound_add_up(bound_mul_up(g, gm), delta), nuh), one_g);
    T.err_u = bound_mul_up(bound_gamma((double)m + 2, 2 * prec), bound_add_up(nuh, bound_div_up(1.0, one_g)));
    T.tol_min = bound_mul_up(bound_mul_up(nu, nuh), delta);
    return T;
}

/* The control perturbation of Ŝ_{1,0}, in units of the largest tolerance
 * over g: the column 0 sum moves by δ, so g·cs − g and the column-0 sum of
 * U (û_00 >= 1) move by >= g·δ = SOFTMAX_INJECT·(tol + err), leaving
 * (SOFTMAX_INJECT − 1)·(tol + err) > tol + err beyond every error bar. */
#define SOFTMAX_INJECT 4.0

/* Deviations of one draw whose Ŝ, Û were computed at precision prec (53:
 * double), Ŝ_{1,0} lowered by inject: dev[0] = max_j |g·Σ_i ŝ_ij − g|,
 * dev[1] = max_j |Σ_i û_ij − 1/(1 − g)|, dev[2] = max(−min û, 0). The checks
 * run at 2·prec bits, where their own rounding is far
 * below the tolerances at prec. Returns the LU's pivot code. */
static long softmax_deviations(double dev[3], const mat_d_t Ad, const char *gamma, double inject,
                               long prec)
{
    long m = Ad->rows, piv, pc = 2 * prec;
    mat_mp_t S, U;
    mpfr_t gm, acc, t;
    mat_init_mp(S, m, m, pc), mat_init_mp(U, m, m, pc);
    mpfr_inits2(pc, gm, acc, t, (mpfr_ptr)0);
    if (prec > 53) {
        mat_mp_t A, Sp, Up;
        mat_init_mp(A, m, m, prec), mat_init_mp(Sp, m, m, prec), mat_init_mp(Up, m, m, prec);
        mat_set_mat_d_mp(A, Ad);
        mpfr_t gp;
        mpfr_init2(gp, prec);
        mpfr_set_str(gp, gamma, 10, MPFR_RNDN);
        deq_linear_softmax_mp(Sp, A, prec);
        mpfr_sub_d(Sp->e + 1, Sp->e + 1, inject, MPFR_RNDN);
        piv = deq_linear_resolvent_mp(Up, Sp, gp, prec);
        mpfr_set(gm, gp, MPFR_RNDN); /* exact: pc > prec */
        mat_set_mp(S, Sp), mat_set_mp(U, Up);
        mpfr_clear(gp);
        mat_clear_mp(A), mat_clear_mp(Sp), mat_clear_mp(Up);
    } else {
        double g = strtod(gamma, NULL);
        mat_d_t Sd, Ud;
        mat_init_d(Sd, m, m, 53), mat_init_d(Ud, m, m, 53);
        deq_linear_softmax_d(Sd, Ad, 53);
        Sd->e[1] -= inject;
        piv = deq_linear_resolvent_d(Ud, Sd, &g, 53);
        mpfr_set_d(gm, g, MPFR_RNDN);
        mat_set_mat_d_mp(S, Sd), mat_set_mat_d_mp(U, Ud);
        mat_clear_d(Sd), mat_clear_d(Ud);
    }
    mpfr_ui_sub(t, 1, gm, MPFR_RNDN);
    mpfr_ui_div(t, 1, t, MPFR_RNDN); /* 1/(1 − γ) */
    double minU = INFINITY;
    dev[0] = dev[1] = 0.0;
    for (long j = 0; j < m; j++) {
        mpfr_set_zero(acc, 1);
        for (long i = 0; i < m; i++)
            mpfr_add(acc, acc, S->e + i + j * m, MPFR_RNDN);
        mpfr_mul(acc, acc, gm, MPFR_RNDN);
        mpfr_sub(acc, acc, gm, MPFR_RNDN);
        dev[0] = fmax(dev[0], fabs(mpfr_get_d(acc, MPFR_RNDN)));
        mpfr_set_zero(acc, 1);
        for (long i = 0; i < m; i++) {
            mpfr_add(acc, acc, U->e + i + j * m, MPFR_RNDN);
            minU = fmin(minU, mpfr_get_d(U->e + i + j * m, MPFR_RNDD));
        }
        mpfr_sub(acc, acc, t, MPFR_RNDN);
        dev[1] = fmax(dev[1], fabs(mpfr_get_d(acc, MPFR_RNDN)));
    }
    dev[2] = fmax(-minU, 0.0);
    mpfr_clears(gm, acc, t, (mpfr_ptr)0);
    mat_clear_mp(S), mat_clear_mp(U);
    return piv;
}

static void run_linear_softmax(thm_results_t out, const thm_config *cfg)
{
    const deq_preset *pre = deq_preset_find("kawaguchi2021");
    const char *what[3] = {"||gamma S||_1 - gamma", "column sums of U - 1/(1-gamma)", "-min U"};
    double g = strtod(pre->gamma, NULL);
    for (int w = 0; w < cfg->n_widths && w < 2; w++)
        for (int b = 0; b < 2; b++) {
            long m = cfg->widths[w];
            long prec = b ? cfg->prec : 53;
            if (b && m > cfg->mpfr_max_m)
                continue;
            unsigned long seed = thm_case_seed(cfg->seed, 55, (unsigned long)m, 0);
            deq_rng_t rng;
            deq_rng_init(rng, seed);
            mat_d_t Ad;
            mat_init_d(Ad, m, m, 53);
            for (long k = 0; k < m * m; k++)
                Ad->e[k] = deq_rng_gaussian(rng);
            deq_rng_clear(rng);
            softmax_tol T = softmax_tolerances(g, m, prec);
            /* the conversion of a deviation to double: one more rounding */
            double conv = 0x1p-53;
            double tol[3] = {T.tol_s, T.tol_u, T.tol_min};
            double err[3] = {T.err_s, T.err_u, 0.0};
            /* control (smallest width, double): rows 0 and 1 on Ŝ_{1,0} lowered */
            int controls = w == 0 && b == 0;
            double inject = SOFTMAX_INJECT * fmax(T.tol_s + T.err_s, T.tol_u + T.err_u) / g;
            for (int ctl = 0; ctl <= controls; ctl++) {
                double dev[3];
                long piv = softmax_deviations(dev, Ad, pre->gamma, ctl ? inject : 0.0, prec);
                for (int q = 0; q < (ctl ? 2 : 3); q++) {
                    thm_row *r = ctl ? thm_results_add_control(out, &t1_checks[T1_LINEAR_SOFTMAX])
                                     : thm_results_add(out, &t1_checks[T1_LINEAR_SOFTMAX]);
                    snprintf(r->preset, sizeof r->preset, "kawaguchi2021");
                    r->width = m;
                    r->seed = seed;
                    snprintf(r->data, sizeof r->data, "%s", what[q]);
                    thm_backend_label(r->backend, sizeof r->backend, b, prec);
                    t1_fill_linear_softmax(r, dev[q], bound_add_up(err[q], bound_mul_up(dev[q], conv)),
                                           tol[q], piv, g);
                    if (r->failed)
                        continue;
                    snprintf(r->note, sizeof r->note,
                             "%sgamma = %s (default), column softmax; u = 2^-%ld; check error %.3g",
                             ctl ? "control: S(1,0) lowered by 4 (tol + err)/gamma; " : "", pre->gamma, prec,
                             r->lhs_hi - r->lhs);
                }
            }
            mat_clear_d(Ad);
        }
}

static const thm_part t1_parts[] = {
    {"networks", run_networks, THM_SUBS_PER_PRESET, NULL},
    {"init_norm", run_init_norm, 0, NULL},
    {"linear_softmax", run_linear_softmax, 0, NULL},
    {"gao2021_lemmas", t1p_run_gao2021, 0, NULL},
    {"ling2022_lemma1", t1p_run_ling2022, 0, NULL},
    {"precision_ladder", t1_run_precision_ladder, 0, NULL},
};

const thm_family thm_well_posedness = {
    "well-posedness", "T1 Well-posedness", t1_checks, (int)(sizeof t1_checks / sizeof t1_checks[0]),
    t1_parts, (int)(sizeof t1_parts / sizeof t1_parts[0])};
