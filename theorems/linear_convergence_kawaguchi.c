/* T3 linear convergence for the kawaguchi2021 linear-softmax model
 * (docs/THEORY.md §1.4, §9.7: T3.linear_pl, T3.linear_rate, T3.trust_region).
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
 * uncertainty τ/2 (deq_linear_data_spectrum). Each side of a row carries the
 * part of that tolerance formed from its own terms as its error bar
 * (certified: a-priori rounding bounds); the row reports the worst step
 * (smallest margin/tol) and thm_row_judge gives the verdict.
 *
 * Controls (one per check, through the same row builders): T3.linear_rate at
 * a step size 8/L_smooth (loss rises); T3.linear_pl with L* := 0 at the
 * argmin over B of an m < n case; T3.trust_region with Ẇ reversed on the first
 * case's double trajectory. */
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

/* Ranking of a step: margin/tol, smallest is worst (tol = 0 ranks by sign). */
static double rank_of(double margin, double tol)
{
    if (tol > 0)
        return margin / tol;
    return margin >= 0 ? INFINITY : -INFINITY;
}

/* The two sides of one check at one iterate, each with its error bar (the
 * file comment's eps times the magnitudes of the terms a side is formed from,
 * plus σ⁺(X)²'s uncertainty τ/2 where it enters). */
typedef struct {
    double lhs, el, rhs, er;
    double trivial; /* NAN: none */
} lin_sides;

/* T3.linear_pl at iterate i with the infimum lstar (the trajectory's L*; the
 * control passes 0). */
static lin_sides sides_pl(const deq_linear_traj_t t, long i, double eps, double lstar)
{
    double s2 = t->smin_u2[i], lhs = 2 * s2 * t->sigma_plus2 * (t->loss[i] - lstar);
    lin_sides q = {lhs,
                   eps * 2 * s2 * t->sigma_plus2 * (t->loss[i] + lstar) +
                       s2 * t->tau * fabs(t->loss[i] - lstar),
                   t->pl_rhs[i], eps * t->pl_rhs[i], NAN};
    return q;
}

/* T3.linear_rate for the step i -> i+1; trivial: L(i) − L* (rate factor 1). */
static lin_sides sides_rate(const deq_linear_traj_t t, long i, double eps)
{
    lin_sides q = {t->rate_lhs[i], eps * (t->loss[i + 1] + t->lstar), t->rate_rhs[i],
                   eps * (t->loss[i] + t->lstar) +
                       t->eta * t->smin_u2[i] * 0.5 * t->tau * fabs(t->loss[i] - t->lstar),
                   t->loss[i] - t->lstar};
    return q;
}

/* T3.trust_region at iterate i; sign = −1 reverses Ẇ (the control). */
static lin_sides sides_tr(const deq_linear_traj_t t, long i, double eps, int sign)
{
    lin_sides q = {t->tr_lhs[i], eps * t->tr_lhs[i], sign * t->tr_rhs[i],
                   eps * t->wdot_norm[i] * sqrt(t->tr_grad2[i]), NAN};
    return q;
}

static void set_sides(thm_row *r, lin_sides q)
{
    thm_row_lhs(r, q.lhs, q.lhs - q.el, q.lhs + q.el);
    thm_row_rhs(r, q.rhs, q.rhs - q.er, q.rhs + q.er);
    r->trivial = q.trivial;
    r->tolerance = q.el + q.er;
    r->error_kind = THM_CERTIFIED;
}

static double rank_sides(lin_sides q)
{
    return rank_of(q.rhs - q.lhs, q.el + q.er);
}

static thm_row *lin_row(thm_results_t out, const thm_check *ck, int control, const lin_case *c,
                        const deq_linear_traj_t t, int is_mpfr, long prec, double digits,
                        const char *data)
{
    thm_row *r = control ? thm_results_add_control(out, ck) : thm_results_add(out, ck);
    row_case(r, c, is_mpfr, prec, data);
    r->digits = digits;
    /* well-posedness: ‖γS(A)‖₁ = γ for a column softmax (docs/THEORY.md §7.5) */
    thm_row_hypothesis(r, "gamma (= norm_1 of gamma S(A))", c->gamma, "<", 1);
    if (t->failed_at >= 0)
        thm_row_fail(r, "trajectory failed at iterate %ld (singular I - gamma S, eigensolver "
                        "failure or non-finite value)",
                     t->failed_at);
    return r;
}

/* T3.linear_pl: the tightest iterate; lstar as in sides_pl. */
static void row_pl(thm_results_t out, const thm_check *ck, int control, const lin_case *c,
                   const deq_linear_traj_t t, int is_mpfr, long prec, double digits,
                   const char *data, double lstar)
{
    thm_row *r = lin_row(out, ck, control, c, t, is_mpfr, prec, digits, data);
    double eps = chain_eps(c, prec);
    long K = t->steps, w = 0;
    if (t->failed_at < 0) {
        double smin = INFINITY;
        for (long i = 0; i <= K; i++) {
            smin = fmin(smin, t->smin_u2[i]);
            if (rank_sides(sides_pl(t, i, eps, lstar)) < rank_sides(sides_pl(t, w, eps, lstar)))
                w = i;
        }
        set_sides(r, sides_pl(t, w, eps, lstar));
        snprintf(r->note, sizeof r->note,
                 "%sworst it %ld/%ld; L*=%.4g sig+^2=%.4g rank %ld tau=%.1e; min smin(U)^2=%.4g; "
                 "L %.3e->%.3e; eps=%.1e",
                 control ? "control: L* replaced by 0 at argmin_B L; " : "", w, K, t->lstar,
                 t->sigma_plus2, t->rank, t->tau, smin, t->loss[0], t->loss[K], eps);
    }
    thm_row_judge(r);
}

/* T3.linear_rate: the tightest step among those with sufficient decrease
 * L(k+1) <= L(k) − (η/2)‖∇L‖² (the theorem's hypothesis); when no step has
 * it, the tightest of all steps, with the hypothesis recorded unmet. */
static void row_rate(thm_results_t out, const thm_check *ck, int control, const lin_case *c,
                     const deq_linear_traj_t t, int is_mpfr, long prec, double digits,
                     const char *data)
{
    thm_row *r = lin_row(out, ck, control, c, t, is_mpfr, prec, digits, data);
    double eps = chain_eps(c, prec);
    long K = t->steps, w = -1, met = 0;
    if (t->failed_at < 0) {
        for (long i = 0; i < K; i++)
            met += t->decrease[i] >= 0;
        for (long i = 0; i < K; i++) {
            if (met > 0 && !(t->decrease[i] >= 0))
                continue;
            if (w < 0 || rank_sides(sides_rate(t, i, eps)) < rank_sides(sides_rate(t, w, eps)))
                w = i;
        }
    }
    if (w >= 0) {
        set_sides(r, sides_rate(t, w, eps));
        thm_row_hypothesis_flag(r, "sufficient decrease at the step", t->decrease[w] >= 0);
        double f = 1 - t->eta * t->smin_u2[w] * t->sigma_plus2;
        snprintf(r->note, sizeof r->note,
                 "%sstep %d->%d; %d/%d suff.dec.; eta %.3g; "
                 "factor 1-eta smin^2 sig+^2 %.6g; L-L* %.3e->%.3e",
                 control ? "control: eta*L_smooth>=8; " : "", (int)w, (int)w + 1, (int)met, (int)K,
                 t->eta, f,
                 t->loss[0] - t->lstar, t->loss[K] - t->lstar);
    } else if (t->failed_at < 0) {
        thm_row_fail(r, "no GD step recorded");
    }
    thm_row_judge(r);
}

/* T3.trust_region: the tightest iterate; sign as in sides_tr. */
static void row_tr(thm_results_t out, const thm_check *ck, int control, const lin_case *c,
                   const deq_linear_traj_t t, int is_mpfr, long prec, double digits,
                   const char *data, int sign)
{
    thm_row *r = lin_row(out, ck, control, c, t, is_mpfr, prec, digits, data);
    double eps = chain_eps(c, prec);
    long K = t->steps, w = 0;
    if (t->failed_at < 0) {
        double id_dev = 0, smin = INFINITY; /* <Wdot, -grad Ltilde> = ||grad L||^2, relative */
        for (long i = 0; i <= K; i++) {
            smin = fmin(smin, t->smin_u2[i]);
            if (rank_sides(sides_tr(t, i, eps, sign)) < rank_sides(sides_tr(t, w, eps, sign)))
                w = i;
            if (t->grad2[i] > 0)
                id_dev = fmax(id_dev, fabs(t->tr_rhs[i] - t->grad2[i]) / t->grad2[i]);
        }
        set_sides(r, sides_tr(t, w, eps, sign));
        snprintf(r->note, sizeof r->note,
                 "%sworst it %ld/%ld; Wdot exact on gradient flow; max|<Wdot,-gradLt>/|gradL|^2-1|"
                 "=%.1e; min smin(U)^2=%.4g",
                 control ? "control: Wdot reversed (an update of the wrong sign); " : "", w, K,
                 id_dev, smin);
    }
    thm_row_judge(r);
}

static void rows_for(thm_results_t out, const lin_case *c, const deq_linear_traj_t t, int is_mpfr,
                     long prec, double digits, const char *data, const thm_check *ck_pl,
                     const thm_check *ck_rate, const thm_check *ck_tr)
{
    row_pl(out, ck_pl, 0, c, t, is_mpfr, prec, digits, data, t->lstar);
    row_rate(out, ck_rate, 0, c, t, is_mpfr, prec, digits, data);
    row_tr(out, ck_tr, 0, c, t, is_mpfr, prec, digits, data, 1);
}

/* One case in double and (when small enough) MPFR. */
static void run_case(thm_results_t out, const thm_config *cfg, const lin_case *c, int want_mpfr,
                     const char *data, const thm_check *a, const thm_check *b, const thm_check *d,
                     int tr_control)
{
    deq_linear_traj_t td;
    deq_linear_traj_init(td, LIN_STEPS_D);
    run_traj(td, c, c->A, c->B, c->eta0, LIN_STEPS_D, 0, 53);
    rows_for(out, c, td, 0, 53, NAN, data, a, b, d);
    /* control of T3.trust_region: Ẇ reversed, an update of the wrong sign:
     * ⟨−Ẇ, −∇L̃⟩ = −‖∇L‖² < 0 <= σ_min(U)²‖∇L̃‖² must be VIOLATED */
    if (tr_control)
        row_tr(out, d, 1, c, td, 0, 53, NAN, "control: Wdot reversed", -1);
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

/* Control of T3.linear_rate: a step far above 2/L_smooth.
 * σ_max(U X)² >= ‖U X‖²_F / min(m, n) is a lower bound on the curvature of L
 * in B, so η_c = 8 min(m, n)/‖U X‖²_F has η_c·L_smooth >= 8 > 2: GD
 * overshoots, the loss rises, sufficient decrease fails at every step, and the
 * rate inequality (factor < 1 against a rising L − L*) must be VIOLATED at the
 * tightest step. The same row builder as the real rows; the judge ignores the
 * broken hypothesis on a control. */
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
    row_rate(out, ck, 1, c, t, 0, 53, NAN, "control: eta*L_smooth>=8");
    deq_linear_traj_clear(t);
}

/* Control of T3.linear_pl (m < n, so L* > 0): at B = B*(A) =
 * argmin_B L = Y Zᵀ(Z Zᵀ)^{-1}, Z = U X, the B-gradient vanishes and L = L*.
 * The PL form with L* wrongly replaced by 0 claims 2σ²σ⁺² L* <= ‖∇_B L‖² ≈ 0
 * and must be VIOLATED beyond its error bars. */
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
    if (bad) {
        thm_row *r = thm_results_add_control(out, ck);
        row_case(r, c, 0, 53, "control: L* := 0 at argmin_B");
        thm_row_fail(r, "Cholesky of (UX)(UX)^T failed at pivot %ld", bad);
        thm_row_judge(r);
    } else {
        num_chol_solve_d(ZY, L, ZY, 53); /* (Z Zᵀ)^{-1} Z Yᵀ = B*ᵀ */
        for (long i = 0; i < k; i++)
            for (long j = 0; j < m; j++)
                Bs->e[i + j * k] = ZY->e[j + i * m];
        deq_linear_traj_t t;
        deq_linear_traj_init(t, 0);
        run_traj(t, c, c->A, Bs, c->eta0, 0, 0, 53);
        /* B* from the normal equations: its gradient is zero up to κ(Z Zᵀ)·eps
         * relative, while the lhs with L* := 0 is O(L*) > 0 */
        row_pl(out, ck, 1, c, t, 0, 53, NAN, "control: L* := 0 at argmin_B", 0.0);
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
            run_case(out, cfg, &c, mp, data, linear_pl, linear_rate, trust_region, w == 0 && s == 0);
            if (w == 0 && s == 0) {
                control_rate(out, &c, linear_rate);
            }
            case_clear(&c);
        }
    /* no width assumption: m < n, targets not realizable (L* > 0) */
    long ms = n / 4 > 2 ? n / 4 : 2;
    if (ms < n) {
        lin_case c;
        case_init(&c, ms, n, k, thm_case_seed(cfg->seed, 73, (unsigned long)ms, 99), gamma);
        snprintf(data, sizeof data, "m<n sphere, Y~N(0,1) k=%ld", k);
        run_case(out, cfg, &c, 1, data, linear_pl, linear_rate, trust_region, 0);
        control_pl(out, &c, linear_pl);
        case_clear(&c);
    }
}
