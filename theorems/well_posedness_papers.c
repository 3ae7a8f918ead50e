/* T1 on the papers' own models (deq/paper_model.h; docs/THEORY.md §7.6):
 * gao2021 Lemma 2.2 (the Picard iterates' norms and their distance to the
 * equilibrium) and Lemma 2.3(ii) (σ_min(I − γ̃DA) >= 1 − γ0) on
 * z = ReLU((γ/√m)Az + φ), φ = ReLU(Wx)/√m, and ling2022 Lemma 1's threshold
 * ‖W‖₂ <= 2√2σ_w on W ~ N(0, 2σ_w²/m).
 *
 * What is exact. The lemmas hold for any injection φ and any matrix A, so
 * they are tested on the stored φ̂ and A; the scale γ̃ = γ/√m is the exact
 * one (the preset's decimal γ), which the stored α̂ = fl(fl(γ)/fl(√m)) misses
 * by at most γ_4 relative (deq/paper_model.c); γ0 := γ̃‖A‖₂ lies in
 * [ρ_lo, ρ̄] (ρ̄ the solver's certified contraction bound, ρ_lo a certified
 * Rayleigh quotient). Every other error is a rounding bound derived where it
 * is used, so the rows are certified. */
#include <cblas.h>
#include <math.h>
#include <mpfr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "data/synthetic.h"
#include "deq/paper_model.h"
#include "num/bound.h"
#include "num/eig_lapack.h"
#include "num/norm_bound.h"
#include "theorems/theorem.h"
#include "theorems/well_posedness_internal.h"

/* ---- rigorous norms of double vectors ---- */

/* ‖a − b‖₂ (b may be NULL: ‖a‖₂) of length-m vectors in [*lo, *hi], computed
 * in double: each difference is off by u relative, each square by u, and the
 * sum of m nonnegative terms by γ_{m−1}, so the computed s is within γ_{m+2}
 * relative of the exact Σ(a_k − b_k)², up to an underflow allowance of
 * m·2^-1074 (terms below 2^-1022 lose at most that much each). */
static void vec_norm_bounds(double *lo, double *hi, const double *a, const double *b, long m)
{
    double s = 0;
    for (long k = 0; k < m; k++) {
        double x = b ? a[k] - b[k] : a[k];
        s += x * x;
    }
    double g = bound_gamma((double)(m + 2), 53), under = bound_mul_up((double)m, 0x1p-1074);
    double shi = bound_add_up(bound_mul_up(s, bound_add_up(1.0, g)), under);
    double slo = bound_sub_down(bound_mul_down(s, bound_sub_down(1.0, g)), under);
    *lo = slo > 0 ? bound_sqrt_down(slo) : 0.0;
    *hi = bound_sqrt_up(shi);
}

/* x^p rounded in direction up (up != 0) or down, for x >= 0. */
static double pow_dir(double x, long p, int up)
{
    double r = 1.0;
    for (long k = 0; k < p; k++)
        r = up ? bound_mul_up(r, x) : bound_mul_down(r, x);
    return r;
}

/* ---- the fill functions (exposed for tests) ---- */

/* The hypotheses of gao2021 Lemmas 2.2 and 2.3: γ0 < 1 on its certified upper
 * end, and c >= 1 (Lemma 2.2 sets γ = min{γ0, γ0/c}: with γ0 := γ c that is γ
 * when c >= 1, a lower bound hypothesis: met on c's certified lower end). */
static void lemma22_hypotheses(thm_row *r, double g0_hi, double c_lo)
{
    thm_row_hypothesis(r, "gamma0 = gamma~||A|| (upper)", g0_hi, "<", 1.0);
    thm_row_hypothesis(r, "c = ||A||/sqrt(m) (lower)", c_lo, ">=", 1.0);
}

void t1p_fill_lemma22_norm(thm_row *r, double ratio, double ratio_lo, double ratio_hi,
                           double g0_lo, double g0_hi, double c_lo)
{
    thm_row_lhs(r, ratio, ratio_lo, ratio_hi);
    /* 1/(1 − γ0) is increasing in γ0 */
    double rlo = g0_lo < 1 ? bound_div_down(1.0, bound_sub_up(1.0, fmax(g0_lo, 0.0))) : INFINITY;
    double rhi = g0_hi < 1 ? bound_div_up(1.0, bound_sub_down(1.0, g0_hi)) : INFINITY;
    thm_row_rhs(r, rhi, rlo, rhi);
    r->error_kind = THM_CERTIFIED;
    r->tolerance = bound_sub_up(ratio_hi, ratio_lo);
    lemma22_hypotheses(r, g0_hi, c_lo);
    thm_row_judge(r);
}

void t1p_fill_lemma22_rate(thm_row *r, double ratio, double ratio_lo, double ratio_hi,
                           double g0_hi, double c_lo, long P)
{
    thm_row_lhs(r, ratio, ratio_lo, ratio_hi);
    thm_row_rhs(r, 1.0, 1.0, 1.0);
    r->error_kind = THM_CERTIFIED;
    r->tolerance = bound_sub_up(ratio_hi, ratio_lo);
    lemma22_hypotheses(r, g0_hi, c_lo);
    if (P < 1)
        thm_row_fail(r, "no iterate above the rounding floor");
    thm_row_judge(r);
}

void t1p_fill_lemma23(thm_row *r, double g0_lo, double g0_hi, double smin, double smin_lo,
                      double smin_hi, double c_lo)
{
    double l_lo = bound_sub_down(1.0, g0_hi), l_hi = bound_sub_up(1.0, fmax(g0_lo, 0.0));
    thm_row_lhs(r, l_lo, l_lo, l_hi);
    thm_row_rhs(r, smin, smin_lo, smin_hi);
    r->error_kind = THM_CERTIFIED;
    r->tolerance = bound_sub_up(smin_hi, smin_lo);
    lemma22_hypotheses(r, g0_hi, c_lo);
    thm_row_judge(r);
}

void t1p_fill_ling_lemma1(thm_row *r, long S, long k_lo, long k_hi, double delta)
{
    double hi = t1_clopper_pearson_lhs(r, S, k_lo, k_hi, delta);
    r->error_kind = THM_ESTIMATED;
    r->trivial = 1.0;
    r->tolerance = hi - r->lhs_lo;
    thm_row_judge(r);
}

/* ---- gao2021 Lemmas 2.2 and 2.3 on one network ---- */

/* The gao2021 preset's γ (derived 0.1: docs/THEORY.md §1.3). */
static const char *gao_gamma(void)
{
    return deq_paper_const_value(deq_paper_spec_find("gao2021"), "gamma");
}

typedef struct {
    long m, d, n;
    unsigned long seed;
    deq_paper_d_t P;
    deq_paper_state_d_t S;
    mat_d_t X;
    double alpha;     /* α̂ as stored */
    double alpha_err; /* |α − α̂| <= alpha_err·α̂ */
    double fro;       /* ‖A‖_F rounded up */
    double rho_hi, rho_lo; /* γ0 = α‖A‖₂ ∈ [rho_lo, rho_hi] */
    double c_lo;      /* c = ‖A‖₂/√m >= c_lo (certified) */
    double *phi_lo, *phi_hi; /* ‖φ_i‖ bounds */
    int solved;
} gao_net;

static void gao_net_init(gao_net *g, long m, long d, long n, unsigned long seed)
{
    g->m = m, g->d = d, g->n = n, g->seed = seed;
    mat_d_t T[DEQ_PAPER_SLOTS];
    deq_paper_tensors_init(T, DEQ_PAPER_GAO2021, m, d);
    deq_rng_t rng;
    deq_rng_init(rng, seed);
    deq_paper_draw(T, DEQ_PAPER_GAO2021, 0.0, rng);
    mat_init_d(g->X, d, n, 53);
    data_sphere_points(g->X, rng); /* ‖x_i‖ = 1: gao2021 Assumption 2 */
    deq_rng_clear(rng);
    deq_paper_init_d(g->P, DEQ_PAPER_GAO2021, m, d, gao_gamma(), 53);
    deq_paper_set_d_d(g->P, T);
    deq_paper_tensors_clear(T);
    deq_paper_state_init_d(g->S, g->P, n, 53);
    mat_d_t y;
    mat_init_d(y, n, 1, 53);
    mat_zero_d(y);
    double loss;
    g->solved = deq_paper_forward_d(&loss, g->S, g->P, g->X, y, 53);
    mat_clear_d(y);
    const mat_d_struct *A = g->P->w[DEQ_PAPER_T];
    g->alpha = g->P->scale_T[0];
    g->alpha_err = bound_gamma(4, 53);
    double fl, fh;
    vec_norm_bounds(&fl, &fh, A->e, NULL, m * m);
    g->fro = fh;
    g->rho_hi = g->S->rho_upper;
    double a_lo = num_norm2_lower_d(A);
    g->rho_lo = bound_mul_down(bound_mul_down(g->alpha, bound_sub_down(1.0, g->alpha_err)), a_lo);
    g->c_lo = bound_div_down(a_lo, bound_sqrt_up((double)m));
    g->phi_lo = malloc((size_t)n * sizeof(double));
    g->phi_hi = malloc((size_t)n * sizeof(double));
    for (long i = 0; i < n; i++)
        vec_norm_bounds(&g->phi_lo[i], &g->phi_hi[i], g->S->inj->e + i * m, NULL, m);
}

static void gao_net_clear(gao_net *g)
{
    deq_paper_state_clear_d(g->S);
    deq_paper_clear_d(g->P);
    mat_clear_d(g->X);
    free(g->phi_lo), free(g->phi_hi);
}

static void row_gao(thm_row *r, const gao_net *g, const char *data)
{
    snprintf(r->preset, sizeof r->preset, "gao2021");
    snprintf(r->source, sizeof r->source, "gao2021");
    r->width = g->m;
    r->n = g->n;
    r->seed = g->seed;
    snprintf(r->data, sizeof r->data, "%s", data);
    snprintf(r->backend, sizeof r->backend, "double");
}

/* The iteration cap of Lemma 2.2's rows: the iterates stop once the asserted
 * bound γ0^p‖φ‖/(1 − γ0) falls within RATE_FLOOR_FACTOR of the rounding and
 * solve errors (below that the row could only be inconclusive), and at
 * LEMMA22_MAX_ITER in any case (γ0 <= 1/2 reaches double's floor in ~50). */
#define RATE_FLOOR_FACTOR 64.0
#define LEMMA22_MAX_ITER 200

/* Picard from z^0 = 0 with activation slope s (1: ReLU; the control's 2):
 * z^{p+1} = s·ReLU(α̂ A z^p + φ̂) in double. Each step's rounding, for the exact
 * map with the exact α: the product A z (any order) is off by γ_m|A||z|, the
 * scaling and the addition by one rounding each, so |ĥ − h| <= γ_{m+2}(α̂|A||ẑ|
 * + |φ̂|) + (α − α̂)|Az| entrywise, in norm e_p <= γ_{m+2}(α̂‖A‖_F‖ẑ‖ + ‖φ̂‖) +
 * alpha_err·α̂‖A‖₂⁺‖ẑ‖ (ReLU is 1-Lipschitz, s exact). The iterate's total
 * error obeys E_{p+1} <= s(ρ̄E_p + e_p), E_0 = 0.
 * Fills, per sample and step, the norm bounds nz_lo/hi (n×(P+1)) and the
 * distance bounds to the stored equilibrium dz_lo/hi, errors included
 * (the equilibrium's certified bound too). Returns the steps run P: the
 * largest p <= cap with γ0_lo^p min‖φ‖ >= RATE_FLOOR_FACTOR·(E_p + eb)(1 − γ0_lo). */
static long picard_bounds(double *nz_lo, double *nz_hi, double *dz_lo, double *dz_hi,
                          const gao_net *g, double s, long cap)
{
    long m = g->m, n = g->n;
    const mat_d_struct *A = g->P->w[DEQ_PAPER_T];
    double *Z = calloc((size_t)(m * n), sizeof(double)), *H = malloc((size_t)(m * n) * sizeof(double));
    double gm = bound_gamma((double)(m + 2), 53);
    /* α̂‖A‖₂ <= ρ̄(1 + 2γ_4): ρ̄ bounds the exact α's product, α̂ is within γ_4 of α */
    double anorm = bound_mul_up(g->rho_hi, bound_add_up(1.0, bound_mul_up(2.0, g->alpha_err)));
    double eb = g->S->fwd_bound;
    double phimin = INFINITY;
    for (long i = 0; i < n; i++)
        if (g->phi_lo[i] > 0)
            phimin = fmin(phimin, g->phi_lo[i]);
    double E = 0.0; /* max_i over the samples' error bounds (one bound for all) */
    long P = 0;
    for (long p = 1; p <= cap; p++) {
        double zmax = 0.0;
        for (long i = 0; i < n; i++) {
            double lo, hi;
            vec_norm_bounds(&lo, &hi, Z + i * m, NULL, m);
            zmax = fmax(zmax, hi);
        }
        double phimax = 0.0;
        for (long i = 0; i < n; i++)
            phimax = fmax(phimax, g->phi_hi[i]);
        double e = bound_add_up(
            bound_mul_up(gm, bound_add_up(bound_mul_up(bound_mul_up(g->alpha, g->fro), zmax), phimax)),
            bound_mul_up(bound_mul_up(g->alpha_err, anorm), zmax)); /* α̂‖A‖₂⁺ <= ρ̄ */
        E = bound_mul_up(s, bound_add_up(bound_mul_up(g->rho_hi, E), e));
        /* z^p = s·ReLU(α̂ A z^{p−1} + φ̂) */
        memcpy(H, g->S->inj->e, (size_t)(m * n) * sizeof(double));
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)m, g->alpha, A->e,
                    (int)m, Z, (int)m, 1.0, H, (int)m);
        for (long k = 0; k < m * n; k++)
            Z[k] = H[k] > 0 ? s * H[k] : 0.0;
        double floor_p = bound_mul_up(RATE_FLOOR_FACTOR,
                                      bound_mul_up(bound_add_up(E, eb), bound_sub_up(1.0, g->rho_lo)));
        if (p > 1 && !(pow_dir(g->rho_lo, p, 0) * phimin >= floor_p))
            break;
        for (long i = 0; i < n; i++) {
            double lo, hi;
            vec_norm_bounds(&lo, &hi, Z + i * m, NULL, m);
            nz_lo[i + p * n] = fmax(bound_sub_down(lo, E), 0.0);
            nz_hi[i + p * n] = bound_add_up(hi, E);
            vec_norm_bounds(&lo, &hi, Z + i * m, g->S->Z->e + i * m, m);
            double err = bound_add_up(E, eb);
            dz_lo[i + p * n] = fmax(bound_sub_down(lo, err), 0.0);
            dz_hi[i + p * n] = bound_add_up(hi, err);
        }
        P = p;
    }
    free(Z), free(H);
    return P;
}

/* Lemma 2.2(a) for the steps 1..P: max over samples (‖φ_i‖ > 0) and steps of
 * ‖z_i^p‖/‖φ_i‖ with its interval. */
static void norm_ratio(double *v, double *lo, double *hi, const double *nz_lo, const double *nz_hi,
                       const gao_net *g, long P)
{
    *v = *lo = *hi = 0.0;
    for (long p = 1; p <= P; p++)
        for (long i = 0; i < g->n; i++) {
            if (!(g->phi_lo[i] > 0))
                continue; /* φ_i = 0: z_i^p = 0 for every p */
            double a = bound_div_down(nz_lo[i + p * g->n], g->phi_hi[i]);
            double b = bound_div_up(nz_hi[i + p * g->n], g->phi_lo[i]);
            *lo = fmax(*lo, a), *hi = fmax(*hi, b);
            *v = fmax(*v, 0.5 * (a + b));
        }
}

/* Lemma 2.2(b): max over samples and p of ‖z^p − z*‖(1 − γ0)/(γ0^p‖φ‖), with
 * γ0 ∈ [g0_lo, g0_hi]: (1 − γ)/γ^p decreases in γ, so the lower end takes
 * g0_hi and the upper end g0_lo. */
static void rate_ratio(double *v, double *lo, double *hi, const double *dz_lo, const double *dz_hi,
                       const gao_net *g, long P, double g0_lo, double g0_hi)
{
    *v = *lo = *hi = 0.0;
    for (long p = 1; p <= P; p++)
        for (long i = 0; i < g->n; i++) {
            if (!(g->phi_lo[i] > 0))
                continue;
            double a = bound_div_down(bound_mul_down(dz_lo[i + p * g->n], bound_sub_down(1.0, g0_hi)),
                                      bound_mul_up(pow_dir(g0_hi, p, 1), g->phi_hi[i]));
            double b = g0_lo > 0 ? bound_div_up(bound_mul_up(dz_hi[i + p * g->n], bound_sub_up(1.0, g0_lo)),
                                                bound_mul_down(pow_dir(g0_lo, p, 0), g->phi_lo[i]))
                                 : INFINITY;
            *lo = fmax(*lo, a), *hi = fmax(*hi, b);
            *v = fmax(*v, isfinite(b) ? 0.5 * (a + b) : a);
        }
}

/* σ_min of the exact M = I − L·α·DA (D a 0/1 pattern d, α the exact γ̃) in
 * [*lo, *hi]. M̂ = I − fl(L·α̂)·DA is formed with one rounding per entry, so
 * |M̂ − M| <= γ_6·L·α̂|A| (α̂'s γ_4, the product L·α̂ and the entry): σ_min moves
 * by <= γ_6·L·α̂‖A‖_F. fl(M̂ᵀM̂) is off by <= γ_m|M̂|ᵀ|M̂|, ‖·‖₂ <= γ_m‖M̂‖_F²
 * (any summation order), and dsyevr's λ_min of it is certified
 * (num_eig_extreme_lapack). Returns the estimate; NAN when uncertified. */
static double sigma_min_bounds(double *lo, double *hi, const gao_net *g, const double *dpat, double L)
{
    long m = g->m;
    const mat_d_struct *A = g->P->w[DEQ_PAPER_T];
    double la = L * g->alpha;
    mat_d_t M, H;
    mat_init_d(M, m, m, 53), mat_init_d(H, m, m, 53);
    for (long j = 0; j < m; j++)
        for (long i = 0; i < m; i++)
            M->e[i + j * m] = (i == j ? 1.0 : 0.0) - la * dpat[i] * A->e[i + j * m];
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)m, (int)m, (int)m, 1.0, M->e, (int)m,
                M->e, (int)m, 0.0, H->e, (int)m);
    /* ‖M̂‖_F <= ‖I‖_F + fl(Lα̂)‖A‖_F */
    double mfh = bound_add_up(bound_sqrt_up((double)m),
                              bound_mul_up(bound_mul_up(bound_mul_up(L, g->alpha), bound_add_up(1.0, 0x1p-53)),
                                           g->fro));
    double gram_err = bound_mul_up(bound_gamma((double)m, 53), bound_mul_up(mfh, mfh));
    double m_err = bound_mul_up(bound_mul_up(bound_gamma(6, 53), bound_mul_up(L, g->alpha)), g->fro);
    num_eig_extreme_t ex;
    int bad = num_eig_extreme_lapack(ex, H);
    double est = NAN;
    *lo = -INFINITY, *hi = INFINITY;
    if (ex->lower_certified) {
        double l2 = bound_sub_down(ex->min_lo, gram_err);
        *lo = l2 > 0 ? bound_sub_down(bound_sqrt_down(l2), m_err) : -INFINITY;
    }
    if (isfinite(ex->min_hi))
        *hi = bound_add_up(bound_sqrt_up(fmax(bound_add_up(ex->min_hi, gram_err), 0.0)), m_err);
    if (!bad || ex->lower_certified)
        est = sqrt(fmax(ex->theta_min, 0.0));
    mat_clear_d(M), mat_clear_d(H);
    return est;
}

/* The random 0/1 patterns of Lemma 2.3's second row, beyond D = I, and the
 * equilibrium patterns of its first (samples 0, 1, ...): cost defaults, each
 * pattern an m×m Gram product and eigen-solve. */
#define LEMMA23_RANDOM_PATTERNS 4
#define LEMMA23_MAX_EQ_PATTERNS 8

static void run_gao_network(thm_results_t out, const thm_config *cfg, long m, int s, int first)
{
    gao_net g;
    unsigned long seed = thm_case_seed(cfg->seed, 1601, (unsigned long)m, (unsigned long)s);
    gao_net_init(&g, m, cfg->d, cfg->n, seed);
    long n = g.n, cap = LEMMA22_MAX_ITER;
    if (!g.solved || !isfinite(g.S->fwd_bound)) {
        for (int w = 0; w < 3; w++) {
            thm_row *r = thm_results_add(out, t1_check(w == 0   ? T1_GAO_L22_NORM
                                                       : w == 1 ? T1_GAO_L22_RATE
                                                                : T1_GAO_L23));
            row_gao(r, &g, "sphere");
            thm_row_fail(r, "equilibrium not certified (rho_bar = %.4g)", g.rho_hi);
            thm_row_judge(r);
        }
        gao_net_clear(&g);
        return;
    }
    double *nz_lo = calloc((size_t)(n * (cap + 1)), sizeof(double));
    double *nz_hi = calloc((size_t)(n * (cap + 1)), sizeof(double));
    double *dz_lo = calloc((size_t)(n * (cap + 1)), sizeof(double));
    double *dz_hi = calloc((size_t)(n * (cap + 1)), sizeof(double));
    /* Lemma 2.2 (a) and (b) with slope 1; controls (first case) */
    long P = picard_bounds(nz_lo, nz_hi, dz_lo, dz_hi, &g, 1.0, cap);
    double v, lo, hi;
    norm_ratio(&v, &lo, &hi, nz_lo, nz_hi, &g, P);
    thm_row *r = thm_results_add(out, t1_check(T1_GAO_L22_NORM));
    row_gao(r, &g, "sphere");
    t1p_fill_lemma22_norm(r, v, lo, hi, g.rho_lo, g.rho_hi, g.c_lo);
    snprintf(r->note, sizeof r->note,
             "gamma = %s (derived); gamma0 in [%.5g, %.5g]; %ld Picard steps from 0; eq. error <= %.2g",
             gao_gamma(), g.rho_lo, g.rho_hi, P, g.S->fwd_bound);
    rate_ratio(&v, &lo, &hi, dz_lo, dz_hi, &g, P, g.rho_lo, g.rho_hi);
    r = thm_results_add(out, t1_check(T1_GAO_L22_RATE));
    row_gao(r, &g, "sphere");
    t1p_fill_lemma22_rate(r, v, lo, hi, g.rho_hi, g.c_lo, P);
    snprintf(r->note, sizeof r->note,
             "p = 1..%ld (until gamma0^p ||phi|| nears %g x the errors); gamma0 in [%.5g, %.5g]",
             P, RATE_FLOOR_FACTOR, g.rho_lo, g.rho_hi);
    if (first) {
        /* control (a): the slope-2 map z = 2 ReLU(.): z^1 = 2φ, ratio >= 2 > 1/(1 − γ0) */
        long P2 = picard_bounds(nz_lo, nz_hi, dz_lo, dz_hi, &g, 2.0, P);
        norm_ratio(&v, &lo, &hi, nz_lo, nz_hi, &g, P2);
        r = thm_results_add_control(out, t1_check(T1_GAO_L22_NORM));
        row_gao(r, &g, "sphere");
        t1p_fill_lemma22_norm(r, v, lo, hi, g.rho_lo, g.rho_hi, g.c_lo);
        snprintf(r->note, sizeof r->note,
                 "control: activation 2 ReLU (Lipschitz 2, the lemma's premise broken); %ld steps", P2);
        /* control (b): the asserted rate γ0 replaced by half the first step's
         * observed contraction ‖z² − z¹‖/‖z¹ − z⁰‖ (sample 0) */
        P = picard_bounds(nz_lo, nz_hi, dz_lo, dz_hi, &g, 1.0, P);
        double q = NAN;
        if (P >= 2) {
            const double *phi0 = g.S->inj->e;
            double *z2 = malloc((size_t)m * sizeof(double));
            mat_d_t Z1, Z2;
            mat_init_d(Z1, m, 1, 53), mat_init_d(Z2, m, 1, 53);
            for (long k = 0; k < m; k++)
                Z1->e[k] = phi0[k]; /* z¹ = ReLU(φ) = φ (φ >= 0) */
            memcpy(Z2->e, phi0, (size_t)m * sizeof(double));
            cblas_dgemv(CblasColMajor, CblasNoTrans, (int)m, (int)m, g.alpha, g.P->w[DEQ_PAPER_T]->e,
                        (int)m, Z1->e, 1, 1.0, Z2->e, 1);
            for (long k = 0; k < m; k++)
                z2[k] = Z2->e[k] > 0 ? Z2->e[k] : 0.0;
            double a, b, c0, c1;
            vec_norm_bounds(&a, &b, z2, phi0, m);
            vec_norm_bounds(&c0, &c1, phi0, NULL, m);
            q = c0 > 0 ? 0.5 * a / c1 : NAN;
            free(z2);
            mat_clear_d(Z1), mat_clear_d(Z2);
        }
        rate_ratio(&v, &lo, &hi, dz_lo, dz_hi, &g, P, q, q);
        r = thm_results_add_control(out, t1_check(T1_GAO_L22_RATE));
        row_gao(r, &g, "sphere");
        t1p_fill_lemma22_rate(r, v, lo, hi, g.rho_hi, g.c_lo, P);
        snprintf(r->note, sizeof r->note,
                 "control: rate gamma0 replaced by %.4g (half the observed first-step contraction)", q);
    }
    free(nz_lo), free(nz_hi), free(dz_lo), free(dz_hi);

    /* Lemma 2.3(ii): the equilibrium patterns D_i (σ'(0) = 0, the preset's
     * convention), then random 0/1 patterns and D = I; up to the profile's
     * MPFR width (a cost limit: m³ per pattern) */
    if (m > cfg->mpfr_max_m) {
        gao_net_clear(&g);
        return;
    }
    double *dpat = malloc((size_t)m * sizeof(double));
    deq_rng_t rng;
    deq_rng_init(rng, thm_case_seed(seed, 2, 3, 0));
    for (int kind = 0; kind < 2; kind++) {
        double smin = INFINITY, s_lo = INFINITY, s_hi = INFINITY;
        long count = kind == 0 ? (n < LEMMA23_MAX_EQ_PATTERNS ? n : LEMMA23_MAX_EQ_PATTERNS)
                               : LEMMA23_RANDOM_PATTERNS + 1;
        for (long k = 0; k < count; k++) {
            for (long i = 0; i < m; i++)
                dpat[i] = kind == 0 ? (g.S->H->e[i + k * m] > 0)
                          : k == 0  ? 1.0
                                    : (deq_rng_uniform(rng) < 0.5);
            double lo2, hi2, est = sigma_min_bounds(&lo2, &hi2, &g, dpat, 1.0);
            s_lo = fmin(s_lo, lo2), s_hi = fmin(s_hi, hi2);
            smin = isnan(est) || est < smin ? est : smin;
        }
        r = thm_results_add(out, t1_check(T1_GAO_L23));
        row_gao(r, &g, kind == 0 ? "D = equilibrium patterns D_i" : "D = I and random 0/1");
        t1p_fill_lemma23(r, g.rho_lo, g.rho_hi, isnan(smin) ? smin : fmin(fmax(smin, s_lo), s_hi),
                         s_lo, s_hi, g.c_lo);
        snprintf(r->note, sizeof r->note, "%ld patterns; min sigma_min in [%.6g, %.6g]; gamma0 <= %.5g",
                 count, s_lo, s_hi, g.rho_hi);
    }
    if (first) {
        /* control, singular by construction: D = e_k e_kᵀ, k the diagonal
         * entry of A largest in magnitude, and the slope L = 1/(γ̃A_kk) (of
         * A_kk's sign). Then DA e_k =
         * A_kk e_k, so (I − Lγ̃DA)e_k = 0 and σ_min = 0 up to the rounding of
         * L·γ̃: the certified upper end lies far below 1 − γ0. The premise
         * breaks: |L|·γ̃‖A‖₂ >= L·γ̃A_kk = 1. */
        const mat_d_struct *A = g.P->w[DEQ_PAPER_T];
        long k = 0;
        for (long i = 0; i < m; i++) {
            dpat[i] = 0.0;
            if (fabs(A->e[i + i * m]) > fabs(A->e[k + k * m]))
                k = i;
        }
        dpat[k] = 1.0;
        double L = 1.0 / (g.alpha * A->e[k + k * m]), lo2, hi2;
        double est = sigma_min_bounds(&lo2, &hi2, &g, dpat, L);
        r = thm_results_add_control(out, t1_check(T1_GAO_L23));
        row_gao(r, &g, "D = e_k e_k^T, slope 1/(gamma~ A_kk)");
        t1p_fill_lemma23(r, g.rho_lo, g.rho_hi, isnan(est) ? est : fmin(fmax(est, lo2), hi2), lo2, hi2,
                         g.c_lo);
        snprintf(r->note, sizeof r->note,
                 "control: D = e_%ld e_%ld^T, slope L = %.4g = 1/(gamma~ A_kk), A_kk = %.4g: "
                 "(I - L gamma~ D A) e_k = 0 by construction, sigma_min <= %.3g",
                 k, k, L, A->e[k + k * m], hi2);
    }
    deq_rng_clear(rng);
    free(dpat);
    gao_net_clear(&g);
}

void t1p_run_gao2021(thm_results_t out, const thm_config *cfg)
{
    for (int w = 0; w < cfg->n_widths; w++)
        for (int s = 0; s < cfg->seeds; s++)
            run_gao_network(out, cfg, cfg->widths[w], s, w == 0 && s == 0);
}

/* ---- ling2022 Lemma 1 ---- */

/* The draws per width: as T1.init_norm's (enough for a Clopper–Pearson
 * interval of width ~0.2 at δ = T1_INIT_NORM_DELTA), per seed. */
#define LING_LEMMA1_DRAWS 40

void t1p_run_ling2022(thm_results_t out, const thm_config *cfg)
{
    const char *sw = deq_paper_const_value(deq_paper_spec_find("ling2022"), "sigma_w2");
    double s2 = strtod(sw, NULL);
    /* threshold 2√2σ_w = √(8σ_w²), rounded each way */
    double thr_hi = bound_sqrt_up(bound_mul_up(8.0, s2)), thr_lo = bound_sqrt_down(bound_mul_down(8.0, s2));
    long S = (long)cfg->seeds * LING_LEMMA1_DRAWS;
    /* widths up to the profile's MPFR width: a certified norm costs m³ per draw */
    for (int w = 0; w < cfg->n_widths && cfg->widths[w] <= cfg->mpfr_max_m; w++) {
        long m = cfg->widths[w], k_lo = 0, k_hi = 0;
        double sd = sqrt(2.0 * s2 / (double)m), mean = 0.0;
        for (long s = 0; s < S; s++) {
            deq_rng_t rng;
            deq_rng_init(rng, thm_case_seed(cfg->seed, 1602, (unsigned long)m, (unsigned long)s));
            mat_d_t W;
            mat_init_d(W, m, m, 53);
            for (long k = 0; k < m * m; k++)
                W->e[k] = sd * deq_rng_gaussian(rng); /* ling2022 Assumption 1, as drawn */
            deq_rng_clear(rng);
            num_norm2_t nb;
            num_norm2_upper_d(nb, W, 53);
            double lo = num_norm2_lower_d(W);
            k_lo += lo > thr_hi;
            k_hi += nb->upper > thr_lo;
            mean += nb->estimate / (double)S;
            mat_clear_d(W);
        }
        thm_row *r = thm_results_add(out, t1_check(T1_LING_L1));
        snprintf(r->preset, sizeof r->preset, "ling2022");
        snprintf(r->source, sizeof r->source, "ling2022");
        r->width = m;
        r->seed = cfg->seed;
        snprintf(r->data, sizeof r->data, "sigma_w^2 = %s, %ld draws", sw, S);
        snprintf(r->backend, sizeof r->backend, "double");
        t1p_fill_ling_lemma1(r, S, k_lo, k_hi, T1_INIT_NORM_DELTA);
        snprintf(r->note, sizeof r->note,
                 "%ld-%ld of %ld draws have ||W||_2 > 2 sqrt(2) sigma_w = %.4f (sigma_w^2 = %s, paper "
                 "Section 5); mean ||W||_2 = %.4f; exp(-Omega(m)) hides its constant",
                 k_lo, k_hi, S, thr_hi, sw, mean);
    }
}
