/* T2: Gram (neural-tangent) matrices have positive least eigenvalues
 * (docs/THEORY.md §8; gao2021 Lemmas 3.2 and 3.3, whose G^∞ is a feature Gram:
 * docs/THEORY.md §2.5 says how H^∞ stands in for it).
 *
 * Every row asserts lhs <= rhs with an interval on each side (theorem.h):
 *   T2.population_pd  0 <= λ_min(H^∞), rhs in [certified Cholesky bound of the
 *                     computed H^∞ − kernel error, Rayleigh bound + kernel error];
 *                     control: two parallel inputs (λ_min(H^∞) = 0 exactly), the
 *                     certificate must be withheld;
 *   T2.hermite_lb     Σ_{r<=R} a_r² λ_min(C^{⊙r}) <= λ_min(K) per truncation R;
 *                     control: λ_min(C^{⊙r}) replaced by the diagonal entry 1;
 *   T2.concentration  per width: max over seeds of ‖G(0) − H^∞‖₂ <= λ0/4 (gao2021
 *                     Lemma 3.3; its width m = Ω((n²/λ0²) log(n/δ)) hides its
 *                     constant, so these rows are N/A and report what they saw);
 *                     the testable form: the fitted slope of log‖G(0) − H^∞‖ on
 *                     log m over widths × seeds, with its 95% t-interval, <= −1/2;
 *                     control: the same fit against a wrong limit (a trained
 *                     group's kernel left out), whose deviation does not decay.
 * No check has a trivial bound (no VACUOUS): λ_min and a decay exponent have none. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core/status.h"
#include "data/checks.h"
#include "data/synthetic.h"
#include "deq/gram.h"
#include "deq/problem.h"
#include "kernel/dual.h"
#include "kernel/nngp.h"
#include "num/bound.h"
#include "num/eig_bound.h"
#include "num/symeig.h"
#include "theorems/gram_eigen_internal.h"
#include "kernel/population.h"
#include "theorems/theorem.h"

/* MPFR eigenvalue estimates by Jacobi up to this size (else GSL in double):
 * a cost limit, it changes only how tight the certified bounds are. */
#define T2_JACOBI_MAX_N 64
/* Two-sided confidence level of the slope's t-interval: a printed default. */
#define T2_SLOPE_CONFIDENCE 0.95
/* gao2021 Lemma 3.3's exponent: ‖G(0) − G^∞‖ = O(m^(-1/2)) (an average of m
 * independent terms), the asserted bound on the fitted slope. */
#define T2_SLOPE_EXPONENT (-0.5)

const thm_check t2_checks[] = {
    [T2_POP_PD] = {"T2.population_pd", "gao2021", THM_EXACT,
                   "on unit-norm inputs no two parallel, lambda_0 := lambda_min(H^inf) > 0 "
                   "(gao2021 Lemma 3.2): lhs = 0 <= rhs = lambda_min(H^inf), rhs in [certified "
                   "Cholesky bound of the computed H^inf minus the kernel-error estimate, Rayleigh "
                   "bound plus it]; control: two parallel inputs, certificate withheld",
        "Lemma 3.2 (lambda_0 > 0 for unit, pairwise non-parallel inputs)",
        "the population Gram matrix is positive definite",
        "lhs is 0; rhs is lambda_0 = lambda_min(H^inf) of the population kernel on the inputs, with its certified Cholesky lower bound."},
    [T2_HERMITE_LB] = {"T2.hermite_lb", "truong2023", THM_EXACT,
                       "for a correlation matrix C and K_ij = F(1, 1, C_ij): lhs = "
                       "sum_{r<=R} a_r^2 lambda_min(C^{o r}) <= rhs = lambda_min(K) for every "
                       "truncation R; control: lambda_min(C^{o r}) replaced by the diagonal 1",
        "derived from the abstract and reviews (truong2023 Theorem 8: Hermite expansion of the dual activation)",
        "each truncation of the Hermite series bounds lambda_min of the dual kernel from below",
        "lhs is sum_{r<=R} a_r^2 lambda_min(C^{o r}) for the r-th Hadamard powers of the correlation matrix C; rhs is lambda_min(K) of the dual kernel K_ij = F(1, 1, C_ij)."},
    [T2_CONCENTRATION] = {"T2.concentration", "gao2021", THM_ASYMPTOTIC,
                          "gao2021 Lemma 3.3: ||G(0) - H^inf||_2 <= lambda_0/4 for m = "
                          "Omega(n^2/lambda_0^2 log(n/delta)) (per width: max over seeds; N/A, the "
                          "constant is hidden); testable form: the fitted slope of log deviation "
                          "on log m, 95% CI, <= -1/2; control: against a wrong limit",
        "Lemma 3.3: ||G(0) - G^inf|| <= lambda_0/4 once m = Omega(n^2 log(n/delta)/lambda_0^2)",
        "the initial Gram matrix concentrates at rate m^{-1/2} around its limit",
        "lhs is the fitted slope of log ||G(0) - H^inf||_2 against log m (95% interval); rhs is -1/2, the rate at which Lemma 3.3's bound falls below lambda_0/4."},
    [T2P_GAO_LAMBDA0] = {"T2.gao2021_lambda0", "gao2021", THM_EXACT,
                         "lambda_0 = lambda_min(G^inf) > 0, G^inf_ij = Q(x_i^T x_j)/2 on unit inputs, "
                         "computed in MPFR at the run's precision with a derived a-priori entry "
                         "error; lambda_min certified by Cholesky minus n x the entry error; control: "
                         "x_2 = x_1, certificate withheld",
        "Lemma 3.2 (lambda_0 > 0 for unit, pairwise non-parallel inputs), G^inf of Eq. (17)",
        "gao2021's feature kernel G^inf is positive definite (lambda_0 certified)",
        "lhs is 0; rhs is lambda_0 = lambda_min(G^inf), G^inf = E_w[sigma(Xw) sigma(Xw)^T] = Q(x_i^T x_j)/2, with its certified lower bound."},
    [T2P_LING_LAMBDA_STAR] = {"T2.ling2022_lambda_star", "ling2022", THM_EXACT,
                              "lambda* = lambda_min(K) > 0, K_ij = Q(cos theta_ij)/(1 - sigma_w^2) "
                              "(Theorem 3 closed form, sigma_w^2 = 0.08) on inputs of norm sqrt(d), in "
                              "MPFR with a derived entry error, certified by Cholesky; control: x_2 = "
                              "x_1, certificate withheld",
        "Theorem 3(ii) (K strictly positive definite), K of Eq. (14)",
        "ling2022's limit kernel K is positive definite (lambda* certified)",
        "lhs is 0; rhs is lambda* = lambda_min(K) of Theorem 3's closed form, with its certified lower bound."},
    [T2P_LING_THEOREM3] = {"T2.ling2022_theorem3", "ling2022", THM_EXACT,
                           "max_ij |K_rec - K_closed| and max_i |K_rec,ii - 1/(1 - sigma_w^2)| <= the "
                           "recursion's tail bound (C.2) plus derived rounding, K_rec from Definition 1 "
                           "(2x2 Gaussian expectations) to its fixed point; control: the recursion "
                           "stopped at level 1",
        "Definition 1 (Eq. 6) against Theorem 3 (Eq. 14), K_ii = 1/(1 - sigma_w^2)",
        "Definition 1's recursion converges to Theorem 3's closed form",
        "lhs is the largest entrywise difference between K from Definition 1's recursion and Theorem 3's closed form (diagonal row: against 1/(1 - sigma_w^2)); rhs is the recursion's tail bound plus the derived rounding."},
    [T2P_GAO_LEMMA33] = {"T2.gao2021_lemma3.3", "gao2021", THM_ASYMPTOTIC,
                         "with probability >= 1 - delta, on a width ladder m = m_0 4^k (and the derived width): max over seeds ||G(0) - G^inf||_2 <= "
                         "lambda_0/4 and 3 lambda_0/4 <= min over seeds lambda_min(G(0)), G(0) = "
                         "Phi Phi^T, W ~ N(0,1); N/A below the derived width 16 sum_ij Var_ij/(delta' "
                         "lambda_0^2) at delta' = delta/seeds (Chebyshev, union bound over the seeds: "
                         "a true lemma is reported VIOLATED with probability <= delta; the paper's Omega "
                         "hides its constant); control: against G^inf - 1/(2 pi)",
        "Lemma 3.3: ||G(0) - G^inf||_2 <= lambda_0/4, hence lambda_min(G(0)) >= 3 lambda_0/4, once m = Omega(n^2 log(n/delta)/lambda_0^2)",
        "the initial feature Gram matrix is within lambda_0/4 of G^inf and keeps 3/4 of lambda_0",
        "lhs is max over seeds of ||G(0) - G^inf||_2 (second row: 3 lambda_0/4); rhs is lambda_0/4 (second row: min over seeds of lambda_min(G(0)))."},
    [T2P_GAO_LEMMA33_WIDTH] = {"T2.gao2021_lemma3.3_width", "gao2021", THM_REPORT,
                               "the smallest ladder width from which Lemma 3.3's conclusion held at "
                               "every seed, beside the width n^2 log(n/delta)/lambda_0^2 it asks at "
                               "Omega constant 1 (default) and the derived Chebyshev width",
        "Lemma 3.3's width condition m = Omega(n^2 log(n/delta)/lambda_0^2)",
        "how pessimistic Lemma 3.3's width is",
        "lhs is the smallest width from which the conclusion held at every seed; rhs is n^2 log(n/delta)/lambda_0^2, the width asked at Omega constant 1."},
    [T2P_LING_THEOREM2] = {"T2.ling2022_theorem2", "ling2022", THM_ASYMPTOTIC,
                           "with probability >= 1 - t: m lambda*/2 <= min over seeds lambda_min(Z^T Z), Z "
                           "the ling2022 model's certified equilibria at initialization (sigma_w^2 = 0.08, "
                           "||x|| = sqrt(d)), on the run's widths and a doubling ladder up to the width "
                           "n^2 log(n/(lambda* t))/lambda*^2 at Omega constant 1 (default) and t = "
                           "delta/seeds (union bound over the seeds); N/A below that width (the paper's "
                           "Omega hides its constant), observed kept; control: "
                           "lambda* replaced by 4 lambda_min(Z^T Z)^+/m from the measurement (so m "
                           "lambda*/2 is twice the measured upper end)",
        "Theorem 2: lambda_0 >= m lambda*/2 once m = Omega(n^2/lambda*^2 log(n/(lambda* t)))",
        "the unnormalized equilibrium Gram matrix keeps half of m lambda*",
        "lhs is m lambda*/2 with lambda* = lambda_min(K); rhs is lambda_0 = lambda_min(Z^T Z), minimised over seeds, certified."},
    [T2P_LING_THEOREM2_WIDTH] = {"T2.ling2022_theorem2_width", "ling2022", THM_REPORT,
                                 "the smallest run width from which Theorem 2's conclusion held at every "
                                 "seed, beside n^2 log(n/(lambda* t))/lambda*^2 at Omega constant 1 (default)",
        "Theorem 2's width condition",
        "how pessimistic Theorem 2's width is",
        "lhs is the smallest width from which lambda_min(Z^T Z) >= m lambda*/2 held at every seed; rhs is n^2 log(n/(lambda* t))/lambda*^2, the width asked at Omega constant 1."},
    [T2P_LING_THEOREM5] = {"T2.ling2022_theorem5", "ling2022", THM_ASYMPTOTIC,
                           "with probability >= 1 - n^2 exp(-Omega(m 8^l sigma_w^{2l}) + O(l^2)): max over "
                           "seeds ||G^(l)/m - K^(l)||_F <= n (2 sqrt2 sigma_w)^l, G^(l) = Z^(l)^T Z^(l) of the "
                           "l-th weight-tied iterate from Z^(0) = 0, K^(l) by Definition 1 (MPFR), rows per "
                           "(m, l); every rounding bounded (certified sides); N/A where m (8 sigma_w^2)^l < "
                           "ln(n^2 seeds/delta), i.e. where n^2 exp(-c m (8 sigma_w^2)^l) > delta/seeds at c = 1 "
                           "and O(l^2) = 0 (defaults: the probability bound is trivial there); control: "
                           "sigma_w^2 replaced so that the bound is the measured lower end / 2 (l = 1)",
        "Theorem 5: ||(1/m) G^(l) - K^(l)||_F <= n (2 sqrt2 sigma_w)^l with probability >= 1 - n^2 exp(-Omega(m 8^l sigma_w^{2l}) + O(l^2))",
        "the depth-l Gram matrix is within n (2 sqrt2 sigma_w)^l of the depth-l kernel",
        "lhs is ||(1/m) G^(l) - K^(l)||_F, the largest over the seeds, certified; rhs is n (2 sqrt2 sigma_w)^l (paper, constant 1)."},
    [T2P_LING_THEOREM5_DEPTH] = {"T2.ling2022_theorem5_depth", "ling2022", THM_REPORT,
                                 "per width, the deepest l up to which Theorem 5's inequality held at every "
                                 "seed (from l = 1), beside the deepest l at which its probability bound is "
                                 "non-trivial at constant 1 (default)",
        "Theorem 5's depth range (the probability 1 - n^2 exp(-Omega(m 8^l sigma_w^{2l})))",
        "how deep Theorem 5 holds against how deep it promises",
        "lhs is the deepest l from which down to 1 the bound held at every seed; rhs is the deepest l with m (8 sigma_w^2)^l >= ln(n^2 seeds/delta)."},
    [T2P_LING_THEOREM4] = {"T2.ling2022_theorem4", "ling2022", THM_EXACT,
                           "the proof of Theorem 4 with the paper's constant: on Lemma 1's event (certified "
                           "||W||_2 upper bound <= q = 2 sqrt2 sigma_w, a hypothesis: seeds outside it are not "
                           "assessed, none inside gives N/A), ||(G - G^(l))/m||_F <= (q^l/(1 - q)) (1/m) "
                           "||[a_i ||z_j|| + ||z_i^(l)|| a_j]_ij||_F, a_i = ||z_i^(1)|| (derived: the proof's "
                           "contraction ||z^(k+1) - z^(k)|| <= q ||z^(k) - z^(k-1)|| telescopes to ||z - z^(l)|| "
                           "<= q^l ||z^(1)||/(1 - q), then per Gram entry); judged per assessed seed (its own C), "
                           "the row per (m, l) showing the seed that decides: one past its bound if any, else "
                           "the one nearest it; "
                           "every rounding bounded (certified sides); the same bound at the certified ||W||_2 "
                           "in place of q in the note; control: q replaced by the q' at which the bound is the "
                           "measured lower end / 2 (l = 1)",
        "Theorem 4: ||(1/m) G - (1/m) G^(l)||_F = O(n (2 sqrt2 sigma_w)^l), through its proof's contraction ||z^(l+1) - z^(l)|| <= 2 sqrt2 sigma_w ||z^(l) - z^(l-1)|| on Lemma 1's event ||W||_2 <= 2 sqrt2 sigma_w (the proof's bound, its constants explicit)",
        "the depth-l Gram matrix approaches the equilibrium's geometrically",
        "lhs is ||(1/m)(G - G^(l))||_F of the worst seed in Lemma 1's event, certified; rhs is q^l/(1 - q) with q = 2 sqrt2 sigma_w (paper, Lemma 1) times (1/m)||[||z_i^(1)|| ||z_j|| + ||z_i^(l)|| ||z_j^(1)||]||_F from the run."},
    [T2P_LING_THEOREM4_RATE] = {"T2.ling2022_theorem4_rate", "ling2022", THM_REPORT,
                                "per width, the largest ratio ||(G - G^(l))/m||_F / (n (2 sqrt2 sigma_w)^l) over "
                                "the depths: the smallest constant Theorem 4's O(.) can hide on this run, beside 1",
        "Theorem 4's rate O(n (2 sqrt2 sigma_w)^l) (hidden constant)",
        "the constant Theorem 4's O(.) hides",
        "lhs is max over l of ||(1/m)(G - G^(l))||_F / (n (2 sqrt2 sigma_w)^l); rhs is 1, the constant 1."},
};

/* n unit-norm inputs in R^d; when dup >= 0 column dup+1 is a copy of column dup. */
static void inputs(mat_d_t X, long d, long n, long dup, unsigned long seed)
{
    deq_rng_t rng;
    deq_rng_init(rng, seed);
    mat_init_d(X, d, n, 53);
    data_sphere_points(X, rng);
    deq_rng_clear(rng);
    if (dup >= 0)
        for (long i = 0; i < d; i++)
            X->e[i + (dup + 1) * d] = X->e[i + dup * d];
}

static void row_setup(thm_row *r, const char *preset, long m, long n, unsigned long seed,
                      const char *data, int is_mpfr, long prec)
{
    char backend[sizeof r->backend];
    thm_backend_label(backend, sizeof backend, is_mpfr, prec);
    thm_row_set_case(r, preset, m, n, seed, data, backend);
}

/* The data hypotheses of docs/THEORY.md §1.5 (gao2021 Lemma 3.2: ‖x_i‖ = 1, x_i ∦ x_j),
 * with the derived tolerances of data/checks.c. */
static void data_hypotheses(thm_row *r, const data_check_t dc)
{
    thm_row_hypothesis(r, "max | ||x_i|| - 1 |", dc->max_norm_dev, "<=", dc->norm_tol);
    thm_row_hypothesis(r, "min angle x_i, x_j (rad)", dc->min_angle, ">", dc->parallel_tol);
}

/* Upper estimate of ‖H − H_ref‖₂ by the Frobenius norm, in MPFR at H_ref's precision. */
static double distance_frobenius(const mat_mp_t H, const mat_mp_t Href)
{
    mpfr_t d, acc;
    mpfr_inits2((mpfr_prec_t)Href->prec, d, acc, (mpfr_ptr)0);
    mpfr_set_zero(acc, 1);
    for (long k = 0; k < H->rows * H->cols; k++) {
        mpfr_sub(d, H->e + k, Href->e + k, MPFR_RNDN);
        mpfr_fma(acc, d, d, acc, MPFR_RNDN);
    }
    mpfr_sqrt(acc, acc, MPFR_RNDU);
    double r = mpfr_get_d(acc, MPFR_RNDU);
    mpfr_clears(d, acc, (mpfr_ptr)0);
    return r;
}

/* The estimate of ‖H^∞ − H‖₂ for H computed in a backend, from the same
 * computation H_ref at a finer precision: 2‖H − H_ref‖_F (a precision-ladder
 * estimate; the factor 2 covers H_ref's own error, at most the ladder step
 * itself when each rung at least halves the error), plus n times the
 * quadrature-error estimate qe that a ladder cannot see (‖E‖₂ <= n max|E_ij|). */
static double kernel_error(const mat_mp_t H, const mat_mp_t Href, double qe)
{
    return bound_add_up(bound_mul_up(2, distance_frobenius(H, Href)),
                        bound_mul_up((double)H->rows, qe));
}

/* value clamped into [lo, hi]: an estimate reported inside the interval that
 * bounds the true value (an estimate off by less than its error bar may fall
 * just outside it). */
static double clamp(double value, double lo, double hi)
{
    return value < lo ? lo : value > hi ? hi : value;
}

/* The Rayleigh bound of t2_lambda_min_upper for a double matrix; the
 * rounding of an MPFR matrix to double is included (harmless for a double one). */
static double lambda_min_upper_d(const mat_d_t Hd)
{
    long n = Hd->rows;
    mat_d_t ev, V;
    mat_init_d(ev, n, 1, 53), mat_init_d(V, n, n, 53);
    double upper = INFINITY;
    if (!mat_is_finite_d(Hd)) {
        upper = NAN;
    } else if (num_symeig_gsl(ev, V, Hd) == 0) {
        /* q = vᵀ(Hv), a = |v|ᵀ|H||v|, s = vᵀv in double. Each of q's terms passes
         * through an n-term dot for (Hv)_i and an n-term dot for vᵀ(Hv): |q̂ − vᵀĤv|
         * <= γ_{2n+1}·a (Higham §3.1 for the two nested dots); rounding H to
         * double moves vᵀHv by <= u·a <= γ_1·a; â (nonnegative terms) is within
         * γ_{2n+1} of a relative; ŝ within γ_n of s relative. */
        const double *v = V->e;
        double q = 0, a = 0, s = 0;
        for (long i = 0; i < n; i++) {
            double y = 0, ya = 0;
            for (long j = 0; j < n; j++) {
                y += Hd->e[i + j * n] * v[j];
                ya += fabs(Hd->e[i + j * n]) * fabs(v[j]);
            }
            q += v[i] * y;
            a += fabs(v[i]) * ya;
            s += v[i] * v[i];
        }
        double g = bound_gamma((double)(2 * n + 2), 53);
        double a_up = bound_mul_up(a, bound_add_up(1, g));
        double num = bound_add_up(q, bound_mul_up(g, a_up));
        double gs = bound_gamma((double)n, 53);
        double s_lo = bound_mul_down(s, 1 - gs), s_hi = bound_mul_up(s, bound_add_up(1, gs));
        upper = num >= 0 ? bound_div_up(num, s_lo) : bound_div_up(num, s_hi);
    }
    mat_clear_d(ev), mat_clear_d(V);
    return upper;
}

double t2_lambda_min_upper(const mat_mp_t H)
{
    mat_d_t Hd;
    mat_init_d(Hd, H->rows, H->cols, 53);
    mat_get_mat_d_mp(Hd, H);
    double upper = mat_is_finite_mp(H) ? lambda_min_upper_d(Hd) : NAN;
    mat_clear_d(Hd);
    return upper;
}

/* λ_min of the exact matrix whose computed version H has the certified
 * bounds eb, when ‖exact − H‖₂ <= eps: [eb.lower − eps, Rayleigh bound + eps]
 * (Weyl), with the estimate clamped into it. */
static void eig_interval(double *val, double *lo, double *hi, const num_eig_bounds_t eb,
                         const mat_mp_t H, double eps)
{
    *lo = eb->lower_certified ? bound_sub_down(eb->lower, eps) : -INFINITY;
    *hi = bound_add_up(t2_lambda_min_upper(H), eps);
    *val = clamp(eb->approx_min, *lo, *hi);
}

void t2_population_sides(thm_row *r, const mat_mp_t H, const num_eig_bounds_t eb, double eps)
{
    double val, lo, hi;
    eig_interval(&val, &lo, &hi, eb, H, eps);
    thm_row_lhs(r, 0, 0, 0);
    thm_row_rhs(r, val, lo, hi);
    /* the Cholesky certificate is rigorous for H as computed; eps is a ladder
     * estimate, so the row as a whole is estimated */
    r->error_kind = THM_ESTIMATED;
    r->tolerance = eps;
}

void t2_population_case(thm_results_t out, const deq_preset *pre, const mat_d_t X, long prec,
                        int control, unsigned long seed, const char *data)
{
    long n = X->cols, ref_prec = 2 * prec;
    data_check_t dc;
    data_check_init(dc);
    data_check_hypotheses(dc, X, 4);
    mat_mp_t Href;
    mat_init_mp(Href, n, n, ref_prec);
    num_eig_bounds_t ebref;
    char why_ref[64], why[64];
    double qref;
    kernel_outcome kref =
        kernel_population_ntk(Href, ebref, &qref, pre, X, KERNEL_POPULATION_JACOBI_MAX_N, ref_prec, why_ref, sizeof why_ref);
    double approx_d = NAN;
    for (int b = 0; b < 2; b++) {
        long p = b ? prec : 53;
        mat_mp_t H;
        mat_init_mp(H, n, n, ref_prec);
        num_eig_bounds_t eb;
        double qe;
        kernel_outcome ko = kernel_population_ntk(H, eb, &qe, pre, X, KERNEL_POPULATION_JACOBI_MAX_N, p, why, sizeof why);
        thm_row *r = control ? thm_results_add_control(out, &t2_checks[T2_POP_PD])
                             : thm_results_add(out, &t2_checks[T2_POP_PD]);
        r->expect_withheld = control;
        row_setup(r, pre->name, -1, n, seed, data, b, p);
        snprintf(r->source, sizeof r->source, "%s", pre->source); /* the preset's paper */
        data_hypotheses(r, dc);
        if (ko != KERNEL_CONVERGED || kref != KERNEL_CONVERGED) {
            thm_row_fail(r, "kernel: %s", ko != KERNEL_CONVERGED ? why : why_ref);
        } else {
            double eps = kernel_error(H, Href, qe);
            t2_population_sides(r, H, eb, eps);
            /* digits relative to λ_min, or to the resolution u·λ_max of double
             * when λ_min is below it (a control's λ_min = 0) */
            if (b)
                r->digits = thm_digits(
                    fabs(eb->approx_min - approx_d),
                    fmax(fabs(eb->approx_min), ldexp(fabs(eb->approx_max), -53)), 53);
            else
                approx_d = eb->approx_min;
            snprintf(r->note, sizeof r->note,
                     "%slambda_min ~ %.6g; Cholesky bound %.6g, kernel error %.2g (ladder to "
                     "%ld bits + n*quadrature); groups %s%s%s",
                     control ? "control: input 2 = input 1, lambda_min(H^inf) = 0; " : "",
                     eb->approx_min, eb->lower, eps, ref_prec,
                     pre->trained & DEQ_TRAIN_A ? "A" : "", pre->trained & DEQ_TRAIN_U ? "U" : "",
                     pre->trained & DEQ_TRAIN_V ? "v" : "");
        }
        thm_row_judge(r);
        mat_clear_mp(H);
    }
    mat_clear_mp(Href);
    data_check_clear(dc);
}

/* T2.population_pd for every preset, both backends, and its control on
 * inputs where input 2 is a copy of input 1 (λ_min(H^∞) = 0 exactly).
 *
 * The Cholesky certificate is rigorous for H^∞ as computed; the exact H^∞
 * differs from it by the error of the kernel computation, which can be far
 * larger than the rounding unit (relu's Ḟ has a square-root singularity at
 * c = 1: a rounding of c moves Ḟ by its square root): kernel_error. */
static void run_population(thm_results_t out, const thm_config *cfg)
{
    for (int p = 0; p < cfg->n_presets; p++) {
        if (!thm_sub_selected(cfg, p))
            continue;
        for (int control = 0; control < 2; control++) {
            unsigned long seed =
                thm_case_seed(cfg->seed, 300 + (unsigned long)p, (unsigned long)control, 0);
            mat_d_t X;
            inputs(X, cfg->d, cfg->n, control ? 0 : -1, seed);
            t2_population_case(out, cfg->presets[p], X, cfg->prec, control, seed,
                               control ? "sphere, x_2 = x_1" : "sphere");
            mat_clear_d(X);
        }
    }
}

void t2_hermite_sides(thm_row *r, const t2_hermite_terms *t, long R, int diagonal_control)
{
    double lb = 0, lo = 0, hi = 0, coef_err = 0;
    for (long k = 0; k <= R; k++) {
        double lam = diagonal_control ? 1 : fmax(t->lam[k], 0);
        double lam_lo = diagonal_control ? 1 : fmax(t->lam_lo[k], 0);
        double lam_hi = diagonal_control ? 1 : fmax(t->lam_hi[k], 0);
        double a2_lo = fmax(bound_sub_down(t->a2[k], t->a2_err[k]), 0);
        double a2_hi = bound_add_up(t->a2[k], t->a2_err[k]);
        lb += t->a2[k] * lam;
        lo = bound_add_down(lo, bound_mul_down(a2_lo, lam_lo));
        hi = bound_add_up(hi, bound_mul_up(a2_hi, lam_hi));
        coef_err = bound_add_up(coef_err, bound_mul_up(t->a2_err[k], lam_hi));
    }
    thm_row_lhs(r, clamp(lb, lo, hi), lo, hi);
    thm_row_rhs(r, t->k, t->k_lo, t->k_hi);
    r->error_kind = THM_ESTIMATED;
    r->tolerance = bound_add_up(coef_err, t->k_err);
}

/* The normalized correlation C_ij = x_iᵀx_j / (‖x_i‖‖x_j‖) at prec with unit
 * diagonal. MPFR's gemm rounds each dot once (|error| <= u|C_ij|), then two
 * square roots, a product and a division: each entry within γ_6 of the exact
 * correlation (|C_ij| <= 1). */
static void correlation_mp(mat_mp_t C, const mat_d_t Xd, long prec)
{
    long d = Xd->rows, n = Xd->cols;
    mat_mp_t X;
    mat_init_mp(X, d, n, prec);
    mat_set_mat_d_mp(X, Xd);
    mpfr_t one, zero, t;
    mpfr_inits2(prec, one, zero, t, (mpfr_ptr)0);
    mpfr_set_ui(one, 1, MPFR_RNDN), mpfr_set_zero(zero, 1);
    mat_gemm_mp(C, one, MAT_TRANS, X, MAT_NOTRANS, X, zero, prec);
    for (long j = 0; j < n; j++)
        for (long i = 0; i < n; i++)
            if (i != j) {
                mpfr_mul(t, C->e + i + i * n, C->e + j + j * n, MPFR_RNDN);
                mpfr_sqrt(t, t, MPFR_RNDN);
                mpfr_div(C->e + i + j * n, C->e + i + j * n, t, MPFR_RNDN);
            }
    for (long i = 0; i < n; i++)
        mpfr_set_ui(C->e + i + i * n, 1, MPFR_RNDN);
    mpfr_clears(one, zero, t, (mpfr_ptr)0);
    mat_clear_mp(X);
}

/* a_r(1)² for r = 0..R on an N-point and a 2N-point Gauss–Hermite rule: the
 * values from the finer rule, the error estimate |a_r,2N² − a_r,N²|. The rule's
 * error falls like N^(-p), p >= 1 (relu's kink gives p = 1, analytic σ decay
 * exponentially; kernel/dual.h), so the 2N value's error is about the
 * difference / (2^p − 1) <= the difference. */
static void hermite_coeffs(t2_hermite_terms *t, deq_act act, long R, long prec)
{
    long N = 2 * (R + 1) + 32;
    double a2[2][T2_HERMITE_R_CAP + 1];
    for (int k = 0; k < 2; k++) {
        mat_mp_t a;
        mat_init_mp(a, R + 1, 1, prec);
        mpfr_t q, s;
        mpfr_inits2(prec, q, s, (mpfr_ptr)0);
        mpfr_set_ui(q, 1, MPFR_RNDN);
        kernel_gh_rule_mp_t rule;
        kernel_gh_rule_init_mp(rule, k ? 2 * N : N, prec);
        kernel_hermite_coeffs_mp(a, q, act, 0, rule, prec);
        kernel_gh_rule_clear_mp(rule);
        for (long r = 0; r <= R; r++) {
            mpfr_sqr(s, a->e + r, MPFR_RNDN);
            a2[k][r] = mpfr_get_d(s, MPFR_RNDN);
        }
        mpfr_clears(q, s, (mpfr_ptr)0);
        mat_clear_mp(a);
    }
    /* plus the roundings of the square at prec and to double (γ_2 relative) */
    for (long r = 0; r <= R; r++) {
        t->a2[r] = a2[1][r];
        t->a2_err[r] = bound_add_up(
            bound_sub_up(fmax(a2[0][r], a2[1][r]), fmin(a2[0][r], a2[1][r])),
            bound_mul_up(a2[1][r], bound_gamma(2, 53)));
    }
}

/* λ_min of the computed symmetric M with its bounds, widened by spec_err
 * (a bound on ‖M_exact − M‖₂). */
static void lambda_min_interval(double *val, double *lo, double *hi, const mat_mp_t M,
                                double spec_err, long prec)
{
    num_eig_bounds_t eb;
    num_eig_bounds_mp(eb, M, T2_JACOBI_MAX_N, prec);
    eig_interval(val, lo, hi, eb, M, spec_err);
}

void t2_hermite_case(thm_results_t out, deq_act act, const char *preset, const mat_d_t X,
                     long R_max, long prec, unsigned long seed)
{
    long n = X->cols;
    DEQ_REQUIRE(R_max >= 1 && R_max <= T2_HERMITE_R_CAP);
    data_check_t dc;
    data_check_init(dc);
    data_check_hypotheses(dc, X, 4);
    t2_hermite_terms t;
    t.R = R_max;
    mat_mp_t C, K, Cr;
    mat_init_mp(C, n, n, prec), mat_init_mp(K, n, n, prec), mat_init_mp(Cr, n, n, prec);
    correlation_mp(C, X, prec);
    /* K_ij = F(1, 1, C_ij) by the kernel module's dual (closed form or Hermite
     * series); its entries are off by at most the dual's rounding factor
     * times u·F(1,1,1) plus the quadrature estimate (kernel/dual.h), plus
     * the error γ_6 of C_ij times the slope ∂F/∂c = Σ r a_r² c^(r−1) <=
     * Ḟ(1,1,1), and the spectrum by n times that (‖E‖₂ <= n max|E_ij|). */
    mpfr_t q, kdiag, kddiag;
    mpfr_inits2(prec, q, kdiag, kddiag, (mpfr_ptr)0);
    mpfr_set_ui(q, 1, MPFR_RNDN);
    kernel_dual_ws_mp_t ws;
    kernel_dual_ws_init_mp(ws, act, KERNEL_DUAL_AUTO, 0, prec);
    for (long j = 0; j < n; j++)
        for (long i = 0; i < n; i++)
            kernel_dual_mp(K->e + i + j * n, NULL, q, q, C->e + i + j * n, ws, prec);
    kernel_dual_diag_mp(kdiag, kddiag, q, ws, prec);
    double entry_err = bound_add_up(
        bound_add_up(bound_mul_up(kernel_dual_round_factor_mp(ws, 1.0),
                                  bound_mul_up(ldexp(1.0, -(int)prec),
                                               fabs(mpfr_get_d(kdiag, MPFR_RNDU)))),
                     kernel_dual_approx_err_mp(ws, q, prec)),
        bound_mul_up(fabs(mpfr_get_d(kddiag, MPFR_RNDU)), bound_gamma(6, prec)));
    kernel_dual_ws_clear_mp(ws);
    mpfr_clears(q, kdiag, kddiag, (mpfr_ptr)0);
    t.k_err = bound_mul_up((double)n, entry_err);
    lambda_min_interval(&t.k, &t.k_lo, &t.k_hi, K, t.k_err, prec);
    hermite_coeffs(&t, act, R_max, prec);
    /* C^{⊙r}: r − 1 more products of entries within γ_6 of the exact ones
     * (|C_ij| <= 1), so each entry is within γ_{6r} (r >= 1), the spectrum
     * within n times that; C^{⊙0} = 11ᵀ is exact. */
    for (long r = 0; r <= R_max; r++) {
        for (long k = 0; k < n * n; k++) {
            if (r == 0)
                mpfr_set_ui(Cr->e + k, 1, MPFR_RNDN);
            else
                mpfr_mul(Cr->e + k, Cr->e + k, C->e + k, MPFR_RNDN);
        }
        double err = r ? bound_mul_up((double)n, bound_gamma(6.0 * (double)r, prec)) : 0;
        lambda_min_interval(&t.lam[r], &t.lam_lo[r], &t.lam_hi[r], Cr, err, prec);
    }
    for (long R = 1; R <= R_max; R++) {
        if (R != 1 && R != R_max && R % 4 != 0)
            continue;
        for (int control = 0; control < 1 + (R == R_max); control++) {
            thm_row *row = control ? thm_results_add_control(out, &t2_checks[T2_HERMITE_LB])
                                   : thm_results_add(out, &t2_checks[T2_HERMITE_LB]);
            char data[32];
            snprintf(data, sizeof data, "R=%ld, %s", R, deq_act_name(act));
            row_setup(row, preset, -1, n, seed, data, 1, prec);
            /* C is the inputs' correlation matrix, their Gram matrix XᵀX of the
             * theorem when they have unit norm; PSD by construction, so only a
             * rigorous proof of the opposite (λ_min(C) < 0) would fail it */
            data_hypotheses(row, dc);
            thm_row_hypothesis(row, "lambda_min(C) upper bound", t.lam_hi[1], ">=", 0);
            t2_hermite_sides(row, &t, R, control);
            snprintf(row->note, sizeof row->note,
                     "%slambda_min(K) ~ %.6g (K error %.2g); coefficients from %ld- and %ld-point "
                     "rules, ladder error %.2g",
                     control ? "control: lambda_min(C^{o r}) replaced by diagonal 1; " : "", t.k,
                     t.k_err, 2 * (R_max + 1) + 32, 4 * (R_max + 1) + 64,
                     row->tolerance - t.k_err);
            thm_row_judge(row);
        }
    }
    mat_clear_mp(C), mat_clear_mp(K), mat_clear_mp(Cr);
    data_check_clear(dc);
}

/* T2.hermite_lb at the MPFR working precision (an identity of the series, so
 * one backend suffices), for each distinct activation of the presets. */
static void run_hermite(thm_results_t out, const thm_config *cfg)
{
    /* more terms when the profile is larger (a cost choice, not a tolerance) */
    long R_max = cfg->scale == THM_SCALE_QUICK ? T2_HERMITE_R_CAP / 2 : T2_HERMITE_R_CAP;
    /* n at most 24: the MPFR Jacobi and Cholesky per truncation stay cheap */
    long n = cfg->n < 24 ? cfg->n : 24;
    int seen[DEQ_ACT_COUNT] = {0};
    for (int p = 0; p < cfg->n_presets; p++) {
        deq_act act = cfg->presets[p]->act;
        if (seen[act]++ || !thm_sub_selected(cfg, p))
            continue;
        unsigned long seed = thm_case_seed(cfg->seed, 400, (unsigned long)act, 0);
        mat_d_t X;
        inputs(X, cfg->d, n, -1, seed);
        t2_hermite_case(out, act, cfg->presets[p]->name, X, R_max, cfg->prec, seed);
        mat_clear_d(X);
    }
}

void t2_slope_sides(thm_row *r, const double *x, const double *y, int npts, double exponent)
{
    thm_row_rhs(r, exponent, exponent, exponent);
    r->error_kind = THM_ESTIMATED;
    double mx = 0, my = 0;
    for (int k = 0; k < npts; k++)
        mx += x[k] / npts, my += y[k] / npts;
    double sxx = 0, sxy = 0;
    for (int k = 0; k < npts; k++)
        sxx += (x[k] - mx) * (x[k] - mx), sxy += (x[k] - mx) * (y[k] - my);
    if (npts < 3 || !(sxx > 0)) {
        thm_row_fail(r, "%d points over too few widths to fit a slope", npts);
        return;
    }
    double slope = sxy / sxx, ss = 0;
    for (int k = 0; k < npts; k++) {
        double e = y[k] - (my + slope * (x[k] - mx));
        ss += e * e;
    }
    double se = sqrt(ss / (npts - 2) / sxx);
    double h = gsl_cdf_tdist_Pinv(0.5 + T2_SLOPE_CONFIDENCE / 2, npts - 2) * se;
    thm_row_lhs(r, slope, slope - h, slope + h);
    r->tolerance = h;
    size_t len = strlen(r->note);
    snprintf(r->note + len, sizeof r->note - len,
             "fitted slope %.3f, %.0f%% CI [%.3f, %.3f] over %d points (widths x seeds); "
             "asserted <= %.3g",
             slope, 100 * T2_SLOPE_CONFIDENCE, slope - h, slope + h, npts, exponent);
}

/* ‖M‖₂ of a symmetric matrix in [*lo, *hi], both rigorous: above, the
 * certified extreme-eigenvalue bounds (Cholesky); below, max(λ_max, −λ_min)
 * through Rayleigh quotients of M and −M. The GSL estimate, clamped. */
static double sym_norm2(const mat_d_t M, double *lo, double *hi)
{
    long n = M->rows;
    num_eig_bounds_t eb;
    num_eig_bounds_d(eb, M, 0, 53);
    *hi = eb->lower_certified && eb->upper_certified ? fmax(eb->upper, -eb->lower) : INFINITY;
    mat_d_t N;
    mat_init_d(N, n, n, 53);
    for (long k = 0; k < n * n; k++)
        N->e[k] = -M->e[k];
    *lo = fmax(fmax(-lambda_min_upper_d(M), -lambda_min_upper_d(N)), 0);
    mat_clear_d(N);
    return clamp(fmax(fabs(eb->approx_min), fabs(eb->approx_max)), *lo, *hi);
}

/* H^∞ in double for the concentration rows, with its error estimate (ladder
 * to MPFR at prec) and λ0's interval. Returns 0 on success. */
static int limit_kernel(mat_d_t Hinf, double *eps, double *l0, double *l0_lo, double *l0_hi,
                        const deq_preset *pre, const mat_d_t X, long prec, char *why,
                        size_t why_len)
{
    long n = X->cols;
    mat_mp_t H, Href;
    mat_init_mp(H, n, n, prec), mat_init_mp(Href, n, n, prec);
    num_eig_bounds_t eb, ebref;
    double qe, qref;
    int bad = 0;
    if (pre->trained == 0) {
        /* no trained group: the zero kernel (the control's wrong limit) */
        mat_zero_d(Hinf);
        *eps = 0, *l0 = *l0_lo = *l0_hi = 0;
    } else if (kernel_population_ntk(Href, ebref, &qref, pre, X, KERNEL_POPULATION_JACOBI_MAX_N, prec, why, why_len) !=
                   KERNEL_CONVERGED ||
               kernel_population_ntk(H, eb, &qe, pre, X, KERNEL_POPULATION_JACOBI_MAX_N, 53, why, why_len) != KERNEL_CONVERGED) {
        bad = 1;
    } else {
        *eps = kernel_error(H, Href, qe);
        mat_get_mat_d_mp(Hinf, H);
        eig_interval(l0, l0_lo, l0_hi, eb, H, *eps);
    }
    mat_clear_mp(H), mat_clear_mp(Href);
    return bad;
}

/* One (width, seed) network: G(0) over the preset's trained groups, its
 * deviations from each limit (as computed, with the interval that holds the
 * deviation of the exact G(0) from the computed limit), λ_min(G(0)) and
 * the certified contraction ρ̄. Returns 0 when both solves converged. */
static int network_gram(double dev[2], double dev_lo[2], double dev_hi[2], double *lmin,
                        double *rho, const deq_preset *pre, const mat_d_t X, mat_d_t lim[2], long m,
                        unsigned long seed, char *why, size_t why_len)
{
    long n = X->cols, d = X->rows;
    char su[40];
    thm_sigma_u_string(su, sizeof su, pre, d);
    mat_d_t A, U, v, Xc;
    thm_network_draw(A, U, v, m, d, seed);
    mat_init_d(Xc, d, n, 53);
    mat_set_d(Xc, X);
    deq_problem_d_t P;
    deq_problem_init_d(P, A, U, Xc, pre->gamma, su, pre->act, 1, 53);
    deq_solve_opts o;
    deq_solve_opts_default(&o);
    mat_d_t Z, W, GA, GU, Gv, G, M;
    mat_init_d(Z, m, n, 53), mat_init_d(W, m, n, 53), mat_init_d(GA, n, n, 53),
        mat_init_d(GU, n, n, 53), mat_init_d(Gv, n, n, 53), mat_init_d(G, n, n, 53),
        mat_init_d(M, n, n, 53);
    deq_solve_info_t fi, ai;
    deq_solve_info_init(fi), deq_solve_info_init(ai);
    deq_forward_solve_d(Z, fi, &P->fp, &o, 53);
    double av = 1.0 / sqrt((double)m);
    int bad = 1;
    *rho = fi->rho_upper;
    if (fi->outcome != DEQ_CONVERGED) {
        snprintf(why, why_len, "forward solve %s", deq_outcome_name(fi->outcome));
    } else {
        deq_gram_network_d(GA, GU, Gv, W, ai, P, Z, v, &av, &o, 53);
        if (ai->outcome != DEQ_CONVERGED) {
            snprintf(why, why_len, "adjoint solve %s", deq_outcome_name(ai->outcome));
        } else {
            bad = 0;
            double gf = 0;
            for (long k = 0; k < n * n; k++) {
                G->e[k] = (pre->trained & DEQ_TRAIN_A ? GA->e[k] : 0) +
                          (pre->trained & DEQ_TRAIN_U ? GU->e[k] : 0) +
                          (pre->trained & DEQ_TRAIN_V ? Gv->e[k] : 0);
                gf += G->e[k] * G->e[k];
            }
            /* G(0)'s error, first order: each block is a product of two factors
             * (equilibria, adjoint columns or inputs) whose relative errors are
             * the solves' certified bounds (NaN when uncertified: unknown, +inf),
             * plus the rounding of the m-term Gram products (γ_{m+2}). */
            double ez = fi->err_bound_rel, ew = ai->err_bound_rel;
            double rel = isfinite(ez) && isfinite(ew)
                             ? bound_add_up(bound_mul_up(2, bound_add_up(ez, ew)),
                                            bound_gamma((double)(m + 2), 53))
                             : INFINITY;
            double g_err = bound_mul_up(rel, sqrt(gf));
            for (int l = 0; l < 2; l++) {
                /* M = G − lim is exact up to one rounding per entry (γ_1 of |M|,
                 * below γ_1·‖M‖_F <= γ_1·n‖M‖₂ in norm) */
                for (long k = 0; k < n * n; k++)
                    M->e[k] = G->e[k] - lim[l]->e[k];
                dev[l] = sym_norm2(M, &dev_lo[l], &dev_hi[l]);
                double e = bound_add_up(g_err, bound_mul_up(bound_gamma((double)n, 53), dev_hi[l]));
                dev_lo[l] = bound_sub_down(dev_lo[l], e);
                dev_hi[l] = bound_add_up(dev_hi[l], e);
            }
            mat_d_t ev;
            mat_init_d(ev, n, 1, 53);
            num_symeig_gsl(ev, NULL, G);
            *lmin = ev->e[0];
            mat_clear_d(ev);
        }
    }
    deq_solve_info_clear(fi), deq_solve_info_clear(ai);
    mat_clear_d(Z), mat_clear_d(W), mat_clear_d(GA), mat_clear_d(GU), mat_clear_d(Gv),
        mat_clear_d(G), mat_clear_d(M), mat_clear_d(v);
    deq_problem_clear_d(P);
    return bad;
}

/* The concentration part's slope rows (the theorem's and the control's) and
 * the plots. */
static void concentration_fit(thm_results_t out, const deq_preset *pre, long n,
                              unsigned long dseed, const data_check_t dc, double l0_lo,
                              double rho_max, double *const lx, double *const ly[2], int npts,
                              const char *wrong)
{
    /* A slope needs two widths and a residual degree of freedom; a sweep of
     * one width (--widths 64) asserts no slope, and then neither row exists:
     * the per-width rows say what was observed, and a control of a slope
     * that was never asserted would vouch for nothing. */
    int distinct = 0;
    for (int k = 0; k < npts; k++)
        distinct += k == 0 || lx[k] != lx[k - 1];
    if (distinct < 2 || npts < 3)
        return;
    for (int l = 0; l < 2; l++) {
        thm_row *r = l ? thm_results_add_control(out, &t2_checks[T2_CONCENTRATION])
                       : thm_results_add(out, &t2_checks[T2_CONCENTRATION]);
        row_setup(r, pre->name, -1, n, dseed,
                  l ? "slope against a wrong limit" : "slope of log deviation", 0, 53);
        data_hypotheses(r, dc);
        thm_row_hypothesis(r, "lambda_0 lower bound", l0_lo, ">", 0);
        thm_row_hypothesis(r, "rho_bar, max over widths, seeds", rho_max, "<", 1);
        if (l)
            snprintf(r->note, sizeof r->note, "control: G(0) against %s; ", wrong);
        t2_slope_sides(r, lx, ly[l], npts, T2_SLOPE_EXPONENT);
        thm_row_judge(r);
        if (l || r->failed)
            continue;
        thm_series *fit = thm_results_add_series(out, THM_PLOT_CONCENTRATION, "", 2);
        snprintf(fit->label, sizeof fit->label, "least-squares fit, slope %.3f", r->lhs);
        double mx = 0, my = 0, xmin = INFINITY, xmax = -INFINITY;
        for (int k = 0; k < npts; k++) {
            mx += lx[k] / npts, my += ly[0][k] / npts;
            xmin = fmin(xmin, lx[k]), xmax = fmax(xmax, lx[k]);
        }
        for (int e = 0; e < 2; e++) {
            double x = e ? xmax : xmin;
            fit->x[e] = exp(x);
            fit->y[e] = exp(my + r->lhs * (x - mx));
        }
    }
}

/* T2.concentration: width sweep × seeds, double, the first preset. */
static void run_concentration(thm_results_t out, const thm_config *cfg)
{
    const deq_preset *pre = cfg->presets[0];
    long n = cfg->n, d = cfg->d;
    unsigned long dseed = thm_case_seed(cfg->seed, 500, 0, 0);
    mat_d_t X;
    inputs(X, d, n, -1, dseed);
    data_check_t dc;
    data_check_init(dc);
    data_check_hypotheses(dc, X, 4);
    /* the control's wrong limit: the kernel with the preset's highest trained
     * group left out (the zero kernel when it is the only one) */
    deq_preset wrong = *pre;
    for (unsigned bit = DEQ_TRAIN_B; bit; bit >>= 1)
        if (wrong.trained & bit) {
            wrong.trained &= ~bit;
            break;
        }
    char wrong_name[48];
    snprintf(wrong_name, sizeof wrong_name, "the limit of groups %s%s%s only",
             wrong.trained & DEQ_TRAIN_A ? "A" : "", wrong.trained & DEQ_TRAIN_U ? "U" : "",
             wrong.trained & DEQ_TRAIN_V ? "v" : "");
    if (!wrong.trained)
        snprintf(wrong_name, sizeof wrong_name, "the zero matrix");
    mat_d_t lim[2];
    mat_init_d(lim[0], n, n, 53), mat_init_d(lim[1], n, n, 53);
    double eps[2], l0, l0_lo, l0_hi, w0, w0_lo, w0_hi;
    char why[64];
    if (limit_kernel(lim[0], &eps[0], &l0, &l0_lo, &l0_hi, pre, X, cfg->prec, why, sizeof why) ||
        limit_kernel(lim[1], &eps[1], &w0, &w0_lo, &w0_hi, &wrong, X, cfg->prec, why,
                     sizeof why)) {
        thm_row *r = thm_results_add(out, &t2_checks[T2_CONCENTRATION]);
        row_setup(r, pre->name, -1, n, dseed, "sphere", 0, 53);
        thm_row_fail(r, "H^inf: %s", why);
        thm_row_judge(r);
        mat_clear_d(lim[0]), mat_clear_d(lim[1]), mat_clear_d(X);
        data_check_clear(dc);
        return;
    }
    int cap = cfg->n_widths * cfg->seeds;
    double *lx = malloc(sizeof(double) * (size_t)(cap > 0 ? cap : 1));
    double *ly[2] = {malloc(sizeof(double) * (size_t)(cap > 0 ? cap : 1)),
                     malloc(sizeof(double) * (size_t)(cap > 0 ? cap : 1))};
    double width[8], mean_dev[8], mean_ratio[8], rho_max = 0;
    int npts = 0, nw = 0;
    /* gao2021 Lemma 3.3's width at Ω-constant 1 (the constant is not known) */
    double m_star = (double)(n * n) * log((double)n / THM_PAPER_DELTA) / (l0 * l0);
    for (int w = 0; w < cfg->n_widths; w++) {
        long m = cfg->widths[w];
        t2p_extreme dmax = t2p_extreme_start(1);
        double dsum = 0, rsum = 0, rho_w = 0;
        int ok = 0, ratio_ok = 0;
        char fail[64] = "";
        for (int s = 0; s < cfg->seeds; s++) {
            unsigned long seed = thm_case_seed(cfg->seed, 501, (unsigned long)m, (unsigned long)s);
            double dev[2], dev_lo[2], dev_hi[2], lmin, rho;
            if (network_gram(dev, dev_lo, dev_hi, &lmin, &rho, pre, X, lim, m, seed,
                             fail, sizeof fail))
                continue;
            rho_w = fmax(rho_w, rho);
            ok++;
            dsum += dev[0];
            rsum += lmin / l0;
            ratio_ok += lmin >= THM_GAO2021_LEMMA33_FRACTION * l0;
            /* the exact limit is within eps of the computed one (Weyl) */
            t2p_extreme_add(&dmax, dev[0], bound_sub_down(dev_lo[0], eps[0]), bound_add_up(dev_hi[0], eps[0]));
            lx[npts] = log((double)m);
            ly[0][npts] = log(dev[0]);
            ly[1][npts] = log(dev[1]);
            npts++;
        }
        rho_max = fmax(rho_max, rho_w);
        thm_row *r = thm_results_add(out, &t2_checks[T2_CONCENTRATION]);
        char data[32];
        snprintf(data, sizeof data, "max over %d seeds", cfg->seeds);
        row_setup(r, pre->name, m, n, dseed, data, 0, 53);
        data_hypotheses(r, dc);
        thm_row_hypothesis(r, "lambda_0 lower bound", l0_lo, ">", 0);
        thm_row_hypothesis(r, "rho_bar, max over seeds", rho_w, "<", 1);
        thm_row_hypothesis(r, "m / (n^2 log(n/delta)/l0^2)", (double)m / m_star, ">=", 1);
        thm_row_hypothesis_flag(r, "Omega constant of gao2021 L3.3 known", 0);
        if (ok < cfg->seeds) {
            thm_row_fail(r, "%d of %d seeds failed: %s", cfg->seeds - ok, cfg->seeds, fail);
        } else {
            thm_row_lhs(r, dmax.v, dmax.lo, dmax.hi);
            thm_row_rhs(r, l0 / 4, l0_lo / 4, l0_hi / 4);
            r->error_kind = THM_ESTIMATED;
            r->tolerance = bound_sub_up(dmax.hi, dmax.lo);
            snprintf(r->note, sizeof r->note,
                     "lambda_0 = %.5g; mean deviation %.4g; lambda_min(G(0)) >= 3/4 lambda_0 in "
                     "%d of %d seeds; Lemma 3.3 width at constant 1, delta = %.2g: %.3g",
                     l0, dsum / ok, ratio_ok, ok, THM_PAPER_DELTA, m_star);
            width[nw] = (double)m, mean_dev[nw] = dsum / ok, mean_ratio[nw] = rsum / ok;
            nw++;
        }
        thm_row_judge(r);
    }
    thm_series *dv = thm_results_add_series(out, THM_PLOT_CONCENTRATION,
                                            "mean ||G(0) - H^inf||_2 over the seeds", nw);
    thm_series *lr = thm_results_add_series(out, THM_PLOT_LAMBDA_RATIO,
                                            "mean lambda_min(G(0)) / lambda_0 over the seeds", nw);
    for (int k = 0; k < nw; k++) {
        dv->x[k] = lr->x[k] = width[k];
        dv->y[k] = mean_dev[k];
        lr->y[k] = mean_ratio[k];
    }
    if (nw >= 2) {
        /* reference lines: the predicted slope −1/2 through the first width's
         * mean, and Lemma 3.3's threshold λ₀/4 the deviation must fall below */
        thm_series *ref = thm_results_add_series(out, THM_PLOT_CONCENTRATION,
                                                 "predicted slope -1/2", 2);
        thm_series *thr = thm_results_add_series(out, THM_PLOT_CONCENTRATION,
                                                 "lambda_0 / 4 (gao2021 Lemma 3.3)", 2);
        ref->x[0] = thr->x[0] = width[0], ref->x[1] = thr->x[1] = width[nw - 1];
        ref->y[0] = mean_dev[0], ref->y[1] = mean_dev[0] * sqrt(width[0] / width[nw - 1]);
        thr->y[0] = thr->y[1] = l0 / 4;
    }
    concentration_fit(out, pre, n, dseed, dc, l0_lo, rho_max, lx, ly, npts, wrong_name);
    free(lx), free(ly[0]), free(ly[1]);
    mat_clear_d(lim[0]), mat_clear_d(lim[1]);
    mat_clear_d(X);
    data_check_clear(dc);
}

static const thm_part t2_parts[] = {
    {"population", run_population, THM_SUBS_PER_PRESET, NULL},
    {"hermite", run_hermite, THM_SUBS_PER_PRESET, NULL},
    {"concentration", run_concentration, 0, NULL},
    {"gao2021_lambda0", t2p_run_lambda0, 0, NULL},
    {"ling2022_lambda_star", t2p_run_lambda_star, 0, NULL},
    {"ling2022_theorem3", t2p_run_theorem3, 0, NULL},
    {"gao2021_lemma3.3", t2p_run_lemma33, 0, NULL},
    {"ling2022_theorem2", t2p_run_theorem2, 0, NULL},
    {"ling2022_theorems4_5", t2p_run_theorems45, 0, NULL},
};

const thm_family thm_gram_eigen = {
    "gram-eigen", "T2 Gram eigenvalue lower bounds", t2_checks,
    (int)(sizeof t2_checks / sizeof t2_checks[0]), t2_parts,
    (int)(sizeof t2_parts / sizeof t2_parts[0])};
