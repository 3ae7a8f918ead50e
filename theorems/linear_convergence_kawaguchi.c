/* T3 linear convergence for the kawaguchi2021 linear-softmax model
 * (THEOREMS §1, §4: T3.linear_pl, T3.linear_rate, T3.trust_region).
 *
 * Model: z = γ S(A) z + x, x ∈ R^m (the input dimension equals the width m,
 * so X is m×n), prediction B U X with U = (I − γS)^{-1}, B k×m, Y k×n,
 * L = ½‖B U X − Y‖²_F; A and B trained by full-batch GD with a fixed step.
 *
 * Cases: for the first two widths of cfg and every seed, m = widths[w]; and
 * the "no width assumption" case m = max(2, n/4) < n (unrealizable targets,
 * L* > 0). Double always; MPFR at cfg->prec on the first seed when m <= both
 * cfg->mpfr_max_m and LIN_MPFR_MAX_M (Jacobi for σ_min(U) at every iterate is
 * O(m³) MPFR operations per sweep). Inputs on the unit sphere of R^m, Y with
 * N(0,1) entries, A(0) N(0,1), B(0) N(0,1/m), all drawn in double so both
 * backends run the same network.
 *
 * Tolerances. Every checked quantity is a chain of at most C = 8 products
 * and triangular solves of inner dimension <= m + n + k, each with normwise
 * relative error <= κ·γ_{m+n+k} (Higham, Thms 3.5 and 9.4; J = I − γS is
 * column diagonally dominant, so its LU has growth <= 2 and
 * κ₁(J) <= κ := (1 + γ)/(1 − γ)). Hence eps = C·κ·γ_{m+n+k}(prec), and each
 * inequality's absolute tolerance is eps times the sum of the magnitudes of
 * the terms it is formed from, plus the effect of σ⁺(X)²'s absolute
 * uncertainty τ/2 (deq_linear_data_spectrum). A step whose margin is below
 * −tol is VIOLATED; in [−tol, 0) INCONCLUSIVE; >= 0 HOLDS. The row reports
 * the worst step (smallest margin/tol). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/synthetic.h"
#include "deq/linear.h"
#include "num/bound.h"
#include "num/factor.h"
#include "theorems/linear_convergence_kawaguchi.h"

enum {
    LIN_K_OUT = 3,          /* outputs k: a small number, a default */
    LIN_STEPS_D = 100,      /* GD steps in double */
    LIN_STEPS_MP = 12,      /* GD steps in MPFR */
    LIN_MPFR_MAX_M = 32,    /* widths run in MPFR (also capped by cfg->mpfr_max_m) */
    LIN_CTRL_STEPS = 6,     /* steps of the large-step control */
    LIN_CHAIN = 8           /* C in the tolerance derivation above */
};

typedef struct {
    long m, n, k;
    unsigned long seed;
    mat_d_t A, B, X, Y; /* initial point and data, in double */
    double gamma;
    double eta0;        /* default step (derivation in case_init) */
} lin_case;

/* U = (I − γS(A))^{-1} explicitly, in double: only for choosing step sizes
 * and the control's starting point, never for a checked quantity. */
static void resolvent_of(mat_d_t U, const mat_d_t A, double gamma)
{
    mat_d_t S;
    mat_init_d(S, A->rows, A->rows, 53);
    deq_linear_softmax_d(S, A, 53);
    deq_linear_resolvent_d(U, S, &gamma, 53);
    mat_clear_d(S);
}

static double norm1(const mat_d_t M)
{
    double best = 0;
    for (long j = 0; j < M->cols; j++) {
        double s = 0;
        for (long i = 0; i < M->rows; i++)
            s += fabs(M->e[i + j * M->rows]);
        best = fmax(best, s);
    }
    return best;
}

static double norm_inf(const mat_d_t M)
{
    double best = 0;
    for (long i = 0; i < M->rows; i++) {
        double s = 0;
        for (long j = 0; j < M->cols; j++)
            s += fabs(M->e[i + j * M->rows]);
        best = fmax(best, s);
    }
    return best;
}

static double fro2(const mat_d_t M)
{
    double s = 0;
    for (long i = 0; i < M->rows * M->cols; i++)
        s += M->e[i] * M->e[i];
    return s;
}

static void case_init(lin_case *c, long m, long n, long k, unsigned long seed, double gamma)
{
    c->m = m, c->n = n, c->k = k, c->seed = seed, c->gamma = gamma;
    deq_rng_t rng;
    deq_rng_init(rng, seed);
    mat_init_d(c->A, m, m, 53);
    mat_init_d(c->B, k, m, 53);
    mat_init_d(c->X, m, n, 53);
    mat_init_d(c->Y, k, n, 53);
    for (long i = 0; i < m * m; i++)
        c->A->e[i] = deq_rng_gaussian(rng);
    for (long i = 0; i < k * m; i++)
        c->B->e[i] = deq_rng_gaussian(rng) / sqrt((double)m);
    data_sphere_points(c->X, rng);
    for (long i = 0; i < k * n; i++)
        c->Y->e[i] = deq_rng_gaussian(rng);
    deq_rng_clear(rng);
    /* Default step (a default, not a paper constant): 1/H with H a rough
     * curvature bound, H = ‖UX‖²_F (1 + γ²‖B‖²_F‖U‖₁‖U‖∞): the B-block Hessian
     * is (UX)(UX)ᵀ ⊗ I, of norm σ_max(UX)² <= ‖UX‖²_F, and the A-block carries
     * the extra factors γ‖B‖‖U‖ of ∂L/∂S (‖U‖₂² <= ‖U‖₁‖U‖∞). Steps that miss
     * sufficient decrease are excluded from T3.linear_rate and counted. */
    mat_d_t U, Z;
    mat_init_d(U, m, m, 53), mat_init_d(Z, m, n, 53);
    resolvent_of(U, c->A, gamma);
    double one = 1, zero = 0;
    mat_gemm_d(Z, &one, MAT_NOTRANS, U, MAT_NOTRANS, c->X, &zero, 53);
    double uu = norm1(U) * norm_inf(U);
    c->eta0 = 1.0 / (fro2(Z) * (1.0 + gamma * gamma * fro2(c->B) * uu));
    mat_clear_d(U), mat_clear_d(Z);
}

static void case_clear(lin_case *c)
{
    mat_clear_d(c->A), mat_clear_d(c->B), mat_clear_d(c->X), mat_clear_d(c->Y);
}

/* Runs GD from (A, B) in the given backend. Returns the final loss (double). */
static void run_traj(deq_linear_traj_t tr, const lin_case *c, const mat_d_t A0, const mat_d_t B0,
                     double eta, long steps, int is_mpfr, long prec)
{
    if (!is_mpfr) {
        mat_d_t A, B;
        mat_init_d(A, c->m, c->m, 53), mat_init_d(B, c->k, c->m, 53);
        mat_set_d(A, A0), mat_set_d(B, B0);
        deq_linear_train_gd_d(tr, A, B, c->X, c->Y, &c->gamma, eta, steps, 53);
        mat_clear_d(A), mat_clear_d(B);
        return;
    }
    mat_mp_t A, B, X, Y;
    mat_init_mp(A, c->m, c->m, prec), mat_init_mp(B, c->k, c->m, prec);
    mat_init_mp(X, c->m, c->n, prec), mat_init_mp(Y, c->k, c->n, prec);
    mat_set_mat_d_mp(A, A0), mat_set_mat_d_mp(B, B0);
    mat_set_mat_d_mp(X, c->X), mat_set_mat_d_mp(Y, c->Y);
    mpfr_t g;
    mpfr_init2(g, prec);
    mpfr_set_str(g, deq_preset_find("kawaguchi2021")->gamma, 10, MPFR_RNDN);
    deq_linear_train_gd_mp(tr, A, B, X, Y, g, eta, steps, prec);
    mpfr_clear(g);
    mat_clear_mp(A), mat_clear_mp(B), mat_clear_mp(X), mat_clear_mp(Y);
}

static double chain_eps(const lin_case *c, long prec)
{
    double kappa = (1 + c->gamma) / (1 - c->gamma);
    return LIN_CHAIN * kappa * bound_gamma((double)(c->m + c->n + c->k), prec);
}

static void row_case(thm_row *r, const lin_case *c, int is_mpfr, long prec, const char *data)
{
    snprintf(r->preset, sizeof r->preset, "kawaguchi2021");
    r->width = c->m;
    r->n = c->n;
    r->seed = c->seed;
    snprintf(r->data, sizeof r->data, "%s", data);
    thm_backend_label(r->backend, sizeof r->backend, is_mpfr, prec);
}

static thm_verdict verdict_of(double margin, double tol)
{
    if (!isfinite(margin) || !isfinite(tol))
        return THM_ERROR;
    return margin >= 0 ? THM_HOLDS : margin >= -tol ? THM_INCONCLUSIVE : THM_VIOLATED;
}

/* Ranking of a step: margin/tol, smallest is worst (tol = 0 ranks by sign). */
static double rank_of(double margin, double tol)
{
    if (tol > 0)
        return margin / tol;
    return margin >= 0 ? INFINITY : -INFINITY;
}

/* Per-iterate tolerances (see the file comment for eps). */
static double tol_pl(const deq_linear_traj_t t, long i, double eps)
{
    double s2 = t->smin_u2[i];
    return eps * (t->pl_rhs[i] + 2 * s2 * t->sigma_plus2 * (t->loss[i] + t->lstar)) +
           s2 * t->tau * fabs(t->loss[i] - t->lstar);
}

static double tol_rate(const deq_linear_traj_t t, long i, double eps)
{
    return eps * (t->loss[i + 1] + t->loss[i] + 2 * t->lstar) +
           t->eta * t->smin_u2[i] * 0.5 * t->tau * fabs(t->loss[i] - t->lstar);
}

static double tol_tr(const deq_linear_traj_t t, long i, double eps)
{
    return eps * (t->wdot_norm[i] * sqrt(t->tr_grad2[i]) + t->tr_lhs[i]);
}

static void fill_error(thm_row *r, const deq_linear_traj_t t)
{
    r->verdict = THM_ERROR;
    snprintf(r->note, sizeof r->note,
             "trajectory failed at iterate %ld (singular I - gamma S, eigensolver failure or "
             "non-finite value)",
             t->failed_at);
}

static void rows_for(thm_results_t out, const lin_case *c, const deq_linear_traj_t t, int is_mpfr,
                     long prec, double digits, const char *data, const thm_check *ck_pl,
                     const thm_check *ck_rate, const thm_check *ck_tr)
{
    double eps = chain_eps(c, prec);
    long K = t->steps;
    int failed = t->failed_at >= 0;
    double smin = INFINITY;
    for (long i = 0; i <= K && !failed; i++)
        smin = fmin(smin, t->smin_u2[i]);

    /* T3.linear_pl */
    thm_row *r = thm_results_add(out, ck_pl);
    row_case(r, c, is_mpfr, prec, data);
    r->digits = digits;
    if (failed) {
        fill_error(r, t);
    } else {
        long w = 0;
        for (long i = 0; i <= K; i++)
            if (rank_of(t->pl_margin[i], tol_pl(t, i, eps)) <
                rank_of(t->pl_margin[w], tol_pl(t, w, eps)))
                w = i;
        r->lhs = t->pl_lhs[w], r->rhs = t->pl_rhs[w], r->margin = t->pl_margin[w];
        r->tolerance = tol_pl(t, w, eps);
        r->verdict = verdict_of(r->margin, r->tolerance);
        snprintf(r->note, sizeof r->note,
                 "worst it %ld/%ld; L*=%.4g sig+^2=%.4g rank %ld tau=%.1e; min smin(U)^2=%.4g; "
                 "L %.3e->%.3e; eps=%.1e",
                 w, K, t->lstar, t->sigma_plus2, t->rank, t->tau, smin, t->loss[0], t->loss[K],
                 eps);
    }

    /* T3.linear_rate */
    r = thm_results_add(out, ck_rate);
    row_case(r, c, is_mpfr, prec, data);
    r->digits = digits;
    if (failed) {
        fill_error(r, t);
    } else {
        long w = -1, met = 0;
        for (long i = 0; i < K; i++) {
            if (!(t->decrease[i] >= 0))
                continue;
            met++;
            if (w < 0 || rank_of(t->rate_margin[i], tol_rate(t, i, eps)) <
                             rank_of(t->rate_margin[w], tol_rate(t, w, eps)))
                w = i;
        }
        if (w < 0) {
            double worst_inc = -INFINITY;
            for (long i = 0; i < K; i++)
                worst_inc = fmax(worst_inc, t->loss[i + 1] - t->loss[i]);
            r->verdict = THM_NA;
            snprintf(r->note, sizeof r->note,
                     "sufficient decrease failed at all %ld steps (eta=%.3g); L %.4g->%.4g, "
                     "max 1-step increase %.3g",
                     K, t->eta, t->loss[0], t->loss[K], worst_inc);
        } else {
            r->lhs = t->rate_lhs[w], r->rhs = t->rate_rhs[w], r->margin = t->rate_margin[w];
            r->tolerance = tol_rate(t, w, eps);
            r->verdict = verdict_of(r->margin, r->tolerance);
            double f = 1 - t->eta * t->smin_u2[w] * t->sigma_plus2;
            snprintf(r->note, sizeof r->note,
                     "worst step %ld->%ld; %ld/%ld steps met suff. decrease; eta=%.3g; "
                     "1-eta smin^2 sig+^2=%.6g; L-L* %.3e->%.3e",
                     w, w + 1, met, K, t->eta, f, t->loss[0] - t->lstar, t->loss[K] - t->lstar);
        }
    }

    /* T3.trust_region */
    r = thm_results_add(out, ck_tr);
    row_case(r, c, is_mpfr, prec, data);
    r->digits = digits;
    if (failed) {
        fill_error(r, t);
    } else {
        long w = 0;
        double id_dev = 0; /* identity <Wdot, -grad Ltilde> = ||grad L||^2, relative */
        for (long i = 0; i <= K; i++) {
            if (rank_of(t->tr_margin[i], tol_tr(t, i, eps)) <
                rank_of(t->tr_margin[w], tol_tr(t, w, eps)))
                w = i;
            if (t->grad2[i] > 0)
                id_dev = fmax(id_dev, fabs(t->tr_rhs[i] - t->grad2[i]) / t->grad2[i]);
        }
        r->lhs = t->tr_lhs[w], r->rhs = t->tr_rhs[w], r->margin = t->tr_margin[w];
        r->tolerance = tol_tr(t, w, eps);
        r->verdict = verdict_of(r->margin, r->tolerance);
        snprintf(r->note, sizeof r->note,
                 "worst it %ld/%ld; Wdot exact on gradient flow; max|<Wdot,-gradLt>/|gradL|^2-1|"
                 "=%.1e; min smin(U)^2=%.4g",
                 w, K, id_dev, smin);
    }
}

/* One case in double and (when small enough) MPFR. */
static void run_case(thm_results_t out, const thm_config *cfg, const lin_case *c, int want_mpfr,
                     const char *data, const thm_check *a, const thm_check *b, const thm_check *d)
{
    deq_linear_traj_t td;
    deq_linear_traj_init(td, LIN_STEPS_D);
    run_traj(td, c, c->A, c->B, c->eta0, LIN_STEPS_D, 0, 53);
    rows_for(out, c, td, 0, 53, NAN, data, a, b, d);
    if (want_mpfr) {
        deq_linear_traj_t tm;
        deq_linear_traj_init(tm, LIN_STEPS_MP);
        run_traj(tm, c, c->A, c->B, c->eta0, LIN_STEPS_MP, 1, cfg->prec);
        /* digits: loss at the last MPFR iterate against the double trajectory */
        double digits = NAN;
        if (tm->failed_at < 0 && td->failed_at < 0)
            digits = thm_digits(fabs(td->loss[tm->steps] - tm->loss[tm->steps]),
                                fabs(tm->loss[tm->steps]), 53);
        rows_for(out, c, tm, 1, cfg->prec, digits, data, a, b, d);
        deq_linear_traj_clear(tm);
    }
    deq_linear_traj_clear(td);
}

/* Negative control of T3.linear_rate: a step far above 2/L_smooth.
 * σ_max(U X)² >= ‖U X‖²_F / min(m, n) is a lower bound on the curvature of L
 * in B, so η_c = 8 min(m, n)/‖U X‖²_F has η_c·L_smooth >= 8 > 2: GD overshoots
 * and the sufficient-decrease hypothesis must fail at every step. Expected
 * row: N/A with the observed increase; if the hypothesis held at some step the
 * control did not trigger and the row is VIOLATED. */
static void control_rate(thm_results_t out, const lin_case *c, const thm_check *ck)
{
    mat_d_t U, Z;
    mat_init_d(U, c->m, c->m, 53), mat_init_d(Z, c->m, c->n, 53);
    resolvent_of(U, c->A, c->gamma);
    double one = 1, zero = 0;
    mat_gemm_d(Z, &one, MAT_NOTRANS, U, MAT_NOTRANS, c->X, &zero, 53);
    double eta_c = 8.0 * (double)(c->m < c->n ? c->m : c->n) / fro2(Z);
    mat_clear_d(U), mat_clear_d(Z);
    deq_linear_traj_t t;
    deq_linear_traj_init(t, LIN_CTRL_STEPS);
    run_traj(t, c, c->A, c->B, eta_c, LIN_CTRL_STEPS, 0, 53);
    thm_row *r = thm_results_add(out, ck);
    row_case(r, c, 0, 53, "control: eta*L_smooth>=8");
    if (t->failed_at >= 0) {
        fill_error(r, t);
    } else {
        long met = 0;
        double worst_inc = -INFINITY;
        for (long i = 0; i < t->steps; i++) {
            met += t->decrease[i] >= 0;
            worst_inc = fmax(worst_inc, t->loss[i + 1] - t->loss[i]);
        }
        r->verdict = met == 0 ? THM_NA : THM_VIOLATED;
        snprintf(r->note, sizeof r->note,
                 "control: eta=8min(m,n)/|UX|_F^2=%.3g (%.0fx dflt): %s; L %.3e->%.3e in %ld "
                 "steps, max incr %.2e",
                 eta_c, eta_c / c->eta0,
                 met == 0 ? "suff. decrease failed every step, as it must"
                          : "suff. decrease held once: control did NOT trigger",
                 t->loss[0], t->loss[t->steps], t->steps, worst_inc);
    }
    deq_linear_traj_clear(t);
}

/* Negative control of T3.linear_pl (m < n, so L* > 0): at B = B*(A) =
 * argmin_B L = Y Zᵀ(Z Zᵀ)^{-1}, Z = U X, the B-gradient vanishes and L = L*.
 * The PL form with L* wrongly replaced by 0 claims 0 >= 2σ²σ⁺² L* > 0 and
 * must fail beyond its tolerance; the correct form holds there with margin
 * ≈ 0 (reported). Expected row: N/A (the hypothesis "L* is the infimum" is
 * deliberately broken) with the observed failure; VIOLATED if it did not fail. */
static void control_pl(thm_results_t out, const lin_case *c, const thm_check *ck)
{
    long m = c->m, n = c->n, k = c->k;
    mat_d_t U, Z, ZZ, L, ZY, Bs;
    mat_init_d(U, m, m, 53), mat_init_d(Z, m, n, 53), mat_init_d(ZZ, m, m, 53);
    mat_init_d(L, m, m, 53), mat_init_d(ZY, m, k, 53), mat_init_d(Bs, k, m, 53);
    resolvent_of(U, c->A, c->gamma);
    double one = 1, zero = 0;
    mat_gemm_d(Z, &one, MAT_NOTRANS, U, MAT_NOTRANS, c->X, &zero, 53);
    mat_gemm_d(ZZ, &one, MAT_NOTRANS, Z, MAT_TRANS, Z, &zero, 53);
    mat_gemm_d(ZY, &one, MAT_NOTRANS, Z, MAT_TRANS, c->Y, &zero, 53);
    long bad = num_chol_d(L, ZZ, 53);
    thm_row *r = thm_results_add(out, ck);
    row_case(r, c, 0, 53, "control: L* := 0 at argmin_B");
    if (bad) {
        r->verdict = THM_ERROR;
        snprintf(r->note, sizeof r->note, "Cholesky of (UX)(UX)^T failed at pivot %ld", bad);
    } else {
        num_chol_solve_d(ZY, L, ZY, 53); /* (Z Zᵀ)^{-1} Z Yᵀ = B*ᵀ */
        for (long i = 0; i < k; i++)
            for (long j = 0; j < m; j++)
                Bs->e[i + j * k] = ZY->e[j + i * m];
        deq_linear_traj_t t;
        deq_linear_traj_init(t, 0);
        run_traj(t, c, c->A, Bs, c->eta0, 0, 0, 53);
        if (t->failed_at >= 0) {
            fill_error(r, t);
        } else {
            double eps = chain_eps(c, 53);
            /* B* from the normal equations: its gradient is zero up to
             * κ(Z Zᵀ)·eps relative; the wrong lhs is O(L*), far above. */
            double wrong = 2 * t->smin_u2[0] * t->sigma_plus2 * t->loss[0];
            r->lhs = wrong, r->rhs = t->pl_rhs[0], r->margin = r->rhs - r->lhs;
            r->tolerance = eps * (r->rhs + wrong) + t->smin_u2[0] * t->tau * t->loss[0];
            int failed_as_expected = r->margin < -r->tolerance;
            r->verdict = failed_as_expected ? THM_NA : THM_VIOLATED;
            snprintf(r->note, sizeof r->note,
                     "control: L*=%.4g>0 replaced by 0 at argmin_B L: %s; correct form there: "
                     "lhs %.2e rhs %.2e",
                     t->lstar,
                     failed_as_expected ? "fails, as it must" : "did NOT fail: control inert",
                     t->pl_lhs[0], t->pl_rhs[0]);
        }
        deq_linear_traj_clear(t);
    }
    mat_clear_d(U), mat_clear_d(Z), mat_clear_d(ZZ), mat_clear_d(L), mat_clear_d(ZY);
    mat_clear_d(Bs);
}

void t3_kawaguchi_run(thm_results_t out, const thm_config *cfg, const thm_check *linear_pl,
                      const thm_check *linear_rate, const thm_check *trust_region)
{
    const deq_preset *pre = deq_preset_find("kawaguchi2021");
    double gamma = strtod(pre->gamma, NULL);
    long n = cfg->n, k = LIN_K_OUT;
    char data[32];
    for (int w = 0; w < cfg->n_widths && w < 2; w++)
        for (int s = 0; s < cfg->seeds; s++) {
            long m = cfg->widths[w];
            lin_case c;
            case_init(&c, m, n, k, thm_case_seed(cfg->seed, 73, (unsigned long)m, (unsigned long)s),
                      gamma);
            snprintf(data, sizeof data, "sphere d=m, Y~N(0,1) k=%ld", k);
            int mp = s == 0 && m <= cfg->mpfr_max_m && m <= LIN_MPFR_MAX_M;
            run_case(out, cfg, &c, mp, data, linear_pl, linear_rate, trust_region);
            if (w == 0 && s == 0)
                control_rate(out, &c, linear_rate);
            case_clear(&c);
        }
    /* no width assumption: m < n, targets not realizable (L* > 0) */
    long ms = n / 4 > 2 ? n / 4 : 2;
    if (ms < n) {
        lin_case c;
        case_init(&c, ms, n, k, thm_case_seed(cfg->seed, 73, (unsigned long)ms, 99), gamma);
        snprintf(data, sizeof data, "m<n sphere, Y~N(0,1) k=%ld", k);
        run_case(out, cfg, &c, 1, data, linear_pl, linear_rate, trust_region);
        control_pl(out, &c, linear_pl);
        case_clear(&c);
    }
}
