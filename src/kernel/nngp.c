/* Equilibrium NNGP fixed point and NTK blocks, written once for both
 * backends (see kernel/nngp.h). */
#include "num/generic.h"

#include <float.h>
#include <string.h>

#include "deq/model.h"
#include "kernel/nngp.h"
#include "num/bound.h"

#define E(M, i) ((M)->e + (i)) /* entry i of a column vector */

/* |x| with a long exponent (num/xreal.h), its significand rounded to nearest:
 * the value re_get_d would give whenever that is in double's range. */
static num_xreal abs_x(real_srcptr x)
{
#ifdef DEQ_MPFR
    return num_xreal_abs_mpfr(x);
#else
    return num_xreal_from_d(fabs(x[0]));
#endif
}

/* s = √(q1·q2) for q1, q2 >= 0: the root of the product when that is a
 * normal number (ordinary data), else the product of the roots, which is in
 * range whenever the result is. t: a temporary. */
static void root_prod(real_ptr s, real_srcptr q1, real_srcptr q2, real_ptr t)
{
    re_mul(s, q1, q2);
#ifdef DEQ_MPFR
    int ok = mpfr_regular_p(s) || re_sgn(q1) == 0 || re_sgn(q2) == 0;
#else
    int ok = (isfinite(s[0]) && s[0] >= DBL_MIN) || q1[0] == 0 || q2[0] == 0;
#endif
    if (ok) {
        re_sqrt(s, s);
    } else {
        re_sqrt(t, q1);
        re_sqrt(s, q2);
        re_mul(s, s, t);
    }
}

/* Upper bound on |x| as a double. */
static double abs_up(real_srcptr x)
{
#ifdef DEQ_MPFR
    return fabs(mpfr_get_d(x, MPFR_RNDA));
#else
    return fabs(x[0]);
#endif
}

static void fill_nan(mat_t M)
{
    if (!M)
        return;
    for (long k = 0; k < M->rows * M->cols; k++)
        re_set_d(M->e + k, NAN);
}

/* ======================================================================== */
/* one phase of scalar fixed-point iterations                                */

typedef struct phase_s phase;
/* t = Φ(x) entrywise for the phase's M unknowns. */
typedef void (*phase_eval)(phase *ph, mat_t t, const mat_t x, long prec);

struct phase_s {
    long M;
    mat_t x, t, xp, gp, xbest, tbest, lo, hi; /* M×1; lo/hi: domain of each unknown */
    unsigned char *have_prev;
    real_t g, slope, d, tmp;
    phase_eval eval;
    void *ctx;
    /* results */
    kernel_outcome outcome;
    long iterations;
    num_xreal step;   /* max |Φ̂(x) − x| at the returned x */
};

static void phase_init(phase *ph, long M, phase_eval eval, void *ctx, long prec)
{
    ph->M = M;
    G(mat_init)(ph->x, M, 1, prec);
    G(mat_init)(ph->t, M, 1, prec);
    G(mat_init)(ph->xp, M, 1, prec);
    G(mat_init)(ph->gp, M, 1, prec);
    G(mat_init)(ph->xbest, M, 1, prec);
    G(mat_init)(ph->tbest, M, 1, prec);
    G(mat_init)(ph->lo, M, 1, prec);
    G(mat_init)(ph->hi, M, 1, prec);
    ph->have_prev = deq_calloc((size_t)(M > 0 ? M : 1), 1);
    re_init(ph->g, prec);
    re_init(ph->slope, prec);
    re_init(ph->d, prec);
    re_init(ph->tmp, prec);
    ph->eval = eval;
    ph->ctx = ctx;
    ph->outcome = KERNEL_CONVERGED;
    ph->iterations = 0;
    ph->step = num_xreal_from_d(0.0);
}

static void phase_clear(phase *ph)
{
    G(mat_clear)(ph->x);
    G(mat_clear)(ph->t);
    G(mat_clear)(ph->xp);
    G(mat_clear)(ph->gp);
    G(mat_clear)(ph->xbest);
    G(mat_clear)(ph->tbest);
    G(mat_clear)(ph->lo);
    G(mat_clear)(ph->hi);
    free(ph->have_prev);
    re_clear(ph->g);
    re_clear(ph->slope);
    re_clear(ph->d);
    re_clear(ph->tmp);
}

/* max_i |t_i − x_i| (NaN if any is NaN) and max_i |t_i|, with long exponents:
 * the stopping tests below never under- or overflow, whatever the scale. */
static num_xreal max_step(num_xreal *tmax, const mat_t t, const mat_t x, real_ptr d)
{
    num_xreal s = num_xreal_from_d(0.0), m = num_xreal_from_d(0.0);
    for (long i = 0; i < t->rows; i++) {
        re_sub(d, E(t, i), E(x, i));
        num_xreal a = abs_x(d);
        if (isnan(a.man))
            return a;
        s = num_xreal_max(s, a);
        m = num_xreal_max(m, abs_x(E(t, i)));
    }
    *tmax = m;
    return s;
}

/* log2 x of a num_xreal (−inf for 0), for any exponent. */
static double xreal_log2(num_xreal x)
{
    return x.man > 0 && isfinite(x.man) ? log2(x.man) + (double)x.exp
           : x.man == 0                 ? -INFINITY
                                        : x.man;
}

/* Reports iteration k of a phase to o->observe: the step s relative to the
 * scale, and the relative step at which phase_run's test below would stop
 * (tol = 0: ρ·s <= e, or s <= e when not contractive; tol > 0: (ρ·s + e)/(1 −
 * ρ) <= tol·scale, or s <= tol·scale). Display only: nothing here feeds back. */
static void observe_step(const kernel_nngp_opts *o, long k, num_xreal s, num_xreal scale,
                         num_xreal e, double rho, int contractive)
{
    num_xreal e_rel = num_xreal_div(e, scale), target;
    if (o->tol > 0) {
        double room = o->tol * (1.0 - rho) - num_xreal_get_d(e_rel);
        target = num_xreal_from_d(!(contractive && rho > 0) ? o->tol : room > 0 ? room / rho : 0.0);
    } else
        target = contractive && rho > 0 ? num_xreal_mul_d(e_rel, 1.0 / rho) : e_rel;
    o->observe(o->observe_ctx, k, xreal_log2(num_xreal_div(s, scale)), xreal_log2(target));
}

/* Runs the phase from ph->x. rho: contraction bound (>= 1: none known);
 * e_rel: rounding of one evaluation relative to the scale; scale > 0 fixes the
 * scale, scale = 0 takes max|Φ̂(x)| at each iteration. Steps, scale, rounding
 * and tolerance are num_xreal (long exponents): the tests are relative to the
 * iterate's size and take the same decisions as doubles would in range, at
 * any scale of the data and any precision (e_rel ~ 2^-prec is below double's
 * range above ~1070 bits). On return ph->t holds Φ̂ at the returned iterate
 * ph->x. */
static void phase_run(phase *ph, double rho, num_xreal e_rel, num_xreal scale_fixed,
                      const kernel_nngp_opts *o, long prec)
{
    long M = ph->M;
    int contractive = rho < 1.0;
    int accel = o->accelerate && contractive;
    long patience = o->patience > 0 ? o->patience : 10;
    long max_iter = o->max_iter;
    if (max_iter <= 0) {
        if (contractive) {
            double per = rho > 0 ? -log(rho) : INFINITY;
            max_iter = (long)ceil((double)prec * M_LN2 / per) + 2 * patience + 10;
        } else {
            max_iter = 20 * prec;
        }
    }
    /* The step exceeded the first one by 2^26, the square root of double's
     * precision: far past any transient of a convergent iteration (as in
     * deq/forward.c). */
    const long growth_limit_log2 = 26;
    num_xreal best = num_xreal_from_d(INFINITY), first = num_xreal_from_d(NAN),
              prev = num_xreal_from_d(NAN), e = num_xreal_from_d(0.0);
    long best_iter = -1, rising = 0;
    memset(ph->have_prev, 0, (size_t)(M > 0 ? M : 1));
    ph->outcome = KERNEL_MAX_ITER;
    int restore = 0;
    if (M == 0) {
        ph->outcome = KERNEL_CONVERGED;
        ph->iterations = 0;
        ph->step = num_xreal_from_d(0.0);
        return;
    }
    for (long k = 0;; k++) {
        ph->eval(ph, ph->t, ph->x, prec);
        num_xreal tmax = num_xreal_from_d(0.0);
        num_xreal s = max_step(&tmax, ph->t, ph->x, ph->d);
        ph->iterations = k + 1;
        ph->step = s;
        if (!num_xreal_is_finite(s) || !num_xreal_is_finite(tmax) || !G(mat_is_finite)(ph->t)) {
            ph->outcome = KERNEL_NONFINITE;
            return;
        }
        num_xreal scale = scale_fixed.man > 0 ? scale_fixed : tmax;
        e = num_xreal_mul(e_rel, scale);
        if (num_xreal_lt(s, best)) {
            best = s;
            best_iter = k;
            G(mat_set)(ph->xbest, ph->x);
            G(mat_set)(ph->tbest, ph->t);
        }
        if (o->observe)
            observe_step(o, k + 1, s, scale, e, rho, contractive);
        int done;
        num_xreal rs = num_xreal_mul_d(s, rho);
        if (o->tol > 0) {
            num_xreal lim = num_xreal_mul_d(scale, o->tol);
            done = contractive ? num_xreal_le(num_xreal_div(num_xreal_add(rs, e),
                                                            num_xreal_from_d(1.0 - rho)),
                                              lim)
                               : num_xreal_le(s, lim);
        } else {
            done = contractive ? num_xreal_le(rs, e) : num_xreal_le(s, e);
        }
        if (done) {
            ph->outcome = KERNEL_CONVERGED;
            return;
        }
        if (k == 0)
            first = s;
        rising = k > 0 && num_xreal_gt(s, prev) ? rising + 1 : 0;
        prev = s;
        /* diverging: far above the first step, or growing at each of the last
         * `patience` iterations while above the rounding floor (a convergent
         * iteration's steps shrink once its transient is over; at the floor
         * they are noise) */
        num_xreal floor16 = num_xreal_mul_2si(e, 4); /* 16·e, the rounding floor */
        if (num_xreal_gt(s, num_xreal_mul_2si(first, growth_limit_log2))
            || (rising >= patience && num_xreal_gt(s, floor16))) {
            ph->outcome = KERNEL_DIVERGED;
            return;
        }
        if (k - best_iter >= patience || k + 1 >= max_iter) {
            /* a step that stalls within a small multiple (16) of the rounding
             * of one evaluation has converged as far as this precision allows */
            ph->outcome = num_xreal_le(best, floor16) ? KERNEL_CONVERGED
                          : k + 1 >= max_iter ? KERNEL_MAX_ITER
                                              : KERNEL_STAGNATED;
            restore = best_iter != k;
            break;
        }
        /* next iterate, entry by entry */
        for (long i = 0; i < M; i++) {
            real_ptr x = E(ph->x, i), t = E(ph->t, i), xp = E(ph->xp, i), gp = E(ph->gp, i);
            re_sub(ph->g, t, x);
            if (accel && ph->have_prev[i]) {
                if (re_cmpabs(ph->g, gp) > 0) {
                    /* the secant step did not reduce the residual: Picard
                     * step from the previous point, Φ̂(xp) = xp + gp */
                    re_add(x, xp, gp);
                    ph->have_prev[i] = 0;
                    goto clamp;
                }
                re_sub(ph->d, x, xp);
                if (re_is_zero(ph->d)) {
                    re_set(ph->slope, ph->d); /* 0: Picard */
                } else {
                    /* slope of Φ between the two points: (t − (xp + gp))/(x − xp) */
                    re_add(ph->tmp, xp, gp);
                    re_sub(ph->slope, t, ph->tmp);
                    re_div(ph->slope, ph->slope, ph->d);
                    re_set_d(ph->tmp, rho);
                    if (re_cmp(ph->slope, ph->tmp) > 0)
                        re_set(ph->slope, ph->tmp);
                    re_neg(ph->tmp, ph->tmp);
                    if (re_cmp(ph->slope, ph->tmp) < 0)
                        re_set(ph->slope, ph->tmp);
                }
                re_set(xp, x);
                re_set(gp, ph->g);
                /* x + g/(1 − slope): the root of the secant model of Φ(x) − x */
                re_d_sub(ph->tmp, 1.0, ph->slope);
                re_div(ph->tmp, ph->g, ph->tmp);
                re_add(x, x, ph->tmp);
            } else {
                re_set(xp, x);
                re_set(gp, ph->g);
                ph->have_prev[i] = (unsigned char)accel;
                re_set(x, t);
            }
        clamp:
            if (re_cmp(x, E(ph->lo, i)) < 0)
                re_set(x, E(ph->lo, i));
            if (re_cmp(x, E(ph->hi, i)) > 0)
                re_set(x, E(ph->hi, i));
        }
    }
    if (restore) {
        G(mat_set)(ph->x, ph->xbest);
        G(mat_set)(ph->t, ph->tbest);
        ph->step = best;
    }
}

/* ======================================================================== */
/* the two phases of (K)                                                     */

typedef struct {
    GT(kernel_dual_ws) ws;
    real_struct *g2, *su2;      /* γ², σ_u² */
    mat_struct *cdiag;          /* n×1: σ_u²·G_ii */
    mat_struct *q;              /* n×1: Λ_ii after phase 1 */
    mat_struct *coef;           /* HERMITE: n coefficient vectors of σ (N×1 each) */
    long *pi, *pj;              /* phase 2: entry e is the pair (pi[e], pj[e]), pi < pj */
    const mat_struct *GX;
    real_t F, c, t;
} kctx;

/* Ψ(s) = √(γ²·F(s²,s²,s²) + σ_u²G_ii) */
static void eval_diag(phase *ph, mat_t t, const mat_t x, long prec)
{
    kctx *K = ph->ctx;
    for (long i = 0; i < ph->M; i++) {
        re_sqr(K->t, E(x, i));
        G(kernel_dual_diag)(K->F, NULL, K->t, K->ws, prec);
        re_fma(K->t, K->g2, K->F, E(K->cdiag, i));
        if (re_sgn(K->t) < 0)
            re_set_zero(K->t);
        re_sqrt(E(t, i), K->t);
    }
}

/* F(Λ_ii, Λ_jj, k) by the workspace's method (HERMITE: cached coefficients). */
static void eval_F(real_ptr F, real_ptr Fd, kctx *K, long i, long j, real_srcptr k,
                   const mat_struct *bcoef, long prec)
{
    if (K->ws->method == KERNEL_DUAL_HERMITE) {
        /* c = k/√(q_i q_j) clamped to [−1, 1] */
        if (re_sgn(E(K->q, i)) <= 0 || re_sgn(E(K->q, j)) <= 0) {
            re_set_zero(K->c);
        } else {
            root_prod(K->c, E(K->q, i), E(K->q, j), K->t);
            re_div(K->c, k, K->c);
            re_set_si(K->t, 1);
            if (re_cmp(K->c, K->t) > 0)
                re_set(K->c, K->t);
            re_neg(K->t, K->t);
            if (re_cmp(K->c, K->t) < 0)
                re_set(K->c, K->t);
        }
        if (F)
            G(kernel_hermite_series)(F, K->coef + i, K->coef + j, K->c, prec);
        if (Fd)
            G(kernel_hermite_series)(Fd, bcoef + i, bcoef + j, K->c, prec);
    } else {
        G(kernel_dual)(F, Fd, E(K->q, i), E(K->q, j), k, K->ws, prec);
    }
}

/* k ↦ γ²·F(Λ_ii, Λ_jj, k) + σ_u²G_ij */
static void eval_off(phase *ph, mat_t t, const mat_t x, long prec)
{
    kctx *K = ph->ctx;
    for (long e = 0; e < ph->M; e++) {
        long i = K->pi[e], j = K->pj[e];
        eval_F(K->F, NULL, K, i, j, E(x, e), NULL, prec);
        re_mul(K->t, K->su2, mat_entry(K->GX, j, i));
        re_fma(E(t, e), K->g2, K->F, K->t);
    }
}

void G(kernel_nngp_solve)(mat_t Sigma, mat_t Sdot, mat_t Lambda, kernel_nngp_info_t info,
                          const mat_t GX, real_srcptr gamma, real_srcptr sigma_u, deq_act act,
                          const kernel_nngp_opts *o, long prec)
{
    long n = GX->rows;
    DEQ_REQUIRE(n >= 1 && GX->cols == n);
    DEQ_REQUIRE(Sigma->rows == n && Sigma->cols == n && Sdot->rows == n && Sdot->cols == n
                && Lambda->rows == n && Lambda->cols == n);
    memset(info, 0, sizeof *info);
    info->reason = "";
    info->err_est = NAN;
    info->err_est_x = num_xreal_from_d(NAN);
    info->tol = o->tol;
    double L = deq_act_lipschitz_upper(act);
    double gup = abs_up(gamma);
    info->rho_diag = bound_mul_up(gup, L);
    info->rho_off = bound_mul_up(info->rho_diag, info->rho_diag);
    info->contractive = info->rho_diag < 1.0;

    if (o->input_map == KERNEL_INPUT_RELU) {
        info->outcome = KERNEL_NOT_APPLICABLE;
        info->reason = "input_map = relu: the injection sqrt(2)*relu(Ux) is not zero-mean, so the "
                       "fixed point (K) does not describe this model (docs/THEORY.md §2.4); use a "
                       "Monte-Carlo estimate over U instead";
        fill_nan(Sigma);
        fill_nan(Sdot);
        fill_nan(Lambda);
        return;
    }
    if (!G(mat_is_finite)(GX) || !re_is_finite(gamma) || !re_is_finite(sigma_u)) {
        info->outcome = KERNEL_NONFINITE;
        info->reason = "NaN or Inf in G_X, gamma or sigma_u";
        fill_nan(Sigma);
        fill_nan(Sdot);
        fill_nan(Lambda);
        return;
    }

    kctx K;
    real_t g2, su2;
    re_init(g2, prec);
    re_init(su2, prec);
    re_sqr(g2, gamma);
    re_sqr(su2, sigma_u);
    K.g2 = g2;
    K.su2 = su2;
    K.GX = GX;
    K.coef = NULL;
    re_init(K.F, prec);
    re_init(K.c, prec);
    re_init(K.t, prec);
    mat_t cdiag, q;
    G(mat_init)(cdiag, n, 1, prec);
    G(mat_init)(q, n, 1, prec);
    K.cdiag = cdiag;
    K.q = q;
    G(kernel_dual_ws_init)(K.ws, act, o->method, o->order, prec);
    info->method = K.ws->method;
    info->order = K.ws->order;
    /* u = 2^-prec with a long exponent: below double's range above ~1074 bits */
    num_xreal u = num_xreal_mul_2si(num_xreal_from_d(1.0), -prec);

    /* ---- phase 1: the diagonal, in s = √Λ_ii ---- */
    double cmax = 0.0;
    phase pd;
    phase_init(&pd, n, eval_diag, &K, prec);
    for (long i = 0; i < n; i++) {
        re_mul(E(cdiag, i), su2, mat_entry(GX, i, i));
        if (re_sgn(E(cdiag, i)) < 0)
            re_set_zero(E(cdiag, i));
        cmax = fmax(cmax, re_get_d(E(cdiag, i)));
        re_sqrt(E(pd.x, i), E(cdiag, i)); /* γ = 0 solution */
        re_set_zero(E(pd.lo, i));
        re_set_d(E(pd.hi, i), INFINITY);
    }
    /* qmax for the round factors of erf and sin, where |σ| <= 1 gives
     * F <= 1 and Λ_ii <= γ² + σ_u²G_ii (the other factors ignore qmax) */
    double qmax_bound = re_get_d(g2) + cmax;
    /* beyond double's range (MPFR data near 1e±300 have Λ out of it) the
     * factor's qmax term is capped: it only makes the estimate coarser */
    if (!(qmax_bound <= 0x1p1000))
        qmax_bound = 0x1p1000;
    double rf = G(kernel_dual_round_factor)(K.ws, qmax_bound);
    /* Ψ = √(γ²F + c): F's error rf·u·F enters halved by the square root
     * (γ²F <= Ψ²), the fma, the clamp-free sqrt and the squaring of s add 3u */
    num_xreal ed_rel = num_xreal_mul_d(u, 0.5 * rf + 3.0);
    phase_run(&pd, info->rho_diag, ed_rel, num_xreal_from_d(0.0), o, prec);
    info->iterations_diag = pd.iterations;
    info->step_diag = num_xreal_get_d(pd.step);
    kernel_outcome out = pd.outcome;
    if (out == KERNEL_DIVERGED || out == KERNEL_NONFINITE) {
        info->outcome = out;
        info->reason = out == KERNEL_DIVERGED ? "the diagonal iteration diverged (no fixed point "
                                                "of Lambda_ii = gamma^2 F + sigma_u^2 G_ii)"
                                              : "NaN or Inf in the diagonal iteration";
        fill_nan(Sigma);
        fill_nan(Sdot);
        fill_nan(Lambda);
        phase_clear(&pd);
        goto done;
    }
    num_xreal smax = num_xreal_from_d(0.0);
    for (long i = 0; i < n; i++) {
        re_sqr(E(q, i), E(pd.t, i));
        smax = num_xreal_max(smax, abs_x(E(pd.t, i)));
    }
    num_xreal scale = num_xreal_mul(smax, smax);
    info->scale = num_xreal_get_d(scale);
    info->scale_x = scale;
    num_xreal ed = num_xreal_mul(ed_rel, smax);

    /* ---- phase 2: the off-diagonal entries, given the diagonal ---- */
    long Mo = n * (n - 1) / 2;
    K.pi = deq_malloc((size_t)(Mo > 0 ? Mo : 1) * sizeof(long));
    K.pj = deq_malloc((size_t)(Mo > 0 ? Mo : 1) * sizeof(long));
    if (K.ws->method == KERNEL_DUAL_HERMITE) {
        K.coef = deq_malloc((size_t)n * sizeof(mat_struct));
        for (long i = 0; i < n; i++) {
            G(mat_init)(K.coef + i, K.ws->order, 1, prec);
            G(kernel_hermite_coeffs)(K.coef + i, E(q, i), act, 0, K.ws->rule, prec);
        }
    }
    phase po;
    phase_init(&po, Mo, eval_off, &K, prec);
    for (long j = 0, e = 0; j < n; j++)
        for (long i = 0; i < j; i++, e++) {
            K.pi[e] = i;
            K.pj[e] = j;
            real_ptr lim = E(po.hi, e);
            root_prod(lim, E(q, i), E(q, j), K.t);
            re_neg(E(po.lo, e), lim);
            re_mul(E(po.x, e), su2, mat_entry(GX, j, i)); /* γ = 0 solution */
        }
    /* |ΔΦ| <= γ²·rf·u·√(F_iiF_jj) + 3u(γ²|F| + σ_u²|G_ij|) <= (rf + 3)·u·max Λ_ii */
    num_xreal eo_rel = num_xreal_mul_d(u, rf + 3.0);
    phase_run(&po, info->rho_off, eo_rel, scale.man > 0 ? scale : num_xreal_from_d(1.0), o, prec);
    info->iterations_off = po.iterations;
    info->step_off = num_xreal_get_d(po.step);
    num_xreal eo = num_xreal_mul(eo_rel, scale);
    info->round_err = num_xreal_get_d(eo);
    if (out == KERNEL_CONVERGED)
        out = po.outcome;

    /* ---- assemble Λ, Σ, Ṡ at the returned Λ and the residual ---- */
    mat_struct *bcoef = NULL;
    if (K.ws->method == KERNEL_DUAL_HERMITE) {
        bcoef = deq_malloc((size_t)n * sizeof(mat_struct));
        for (long i = 0; i < n; i++) {
            G(mat_init)(bcoef + i, K.ws->order, 1, prec);
            G(kernel_hermite_coeffs)(bcoef + i, E(q, i), act, 1, K.ws->rule, prec);
        }
    }
    for (long i = 0; i < n; i++) {
        re_set(mat_entry(Lambda, i, i), E(q, i));
        G(kernel_dual_diag)(mat_entry(Sigma, i, i), mat_entry(Sdot, i, i), E(q, i), K.ws, prec);
    }
    for (long e = 0; e < Mo; e++) {
        long i = K.pi[e], j = K.pj[e];
        real_srcptr k = E(po.t, e);
        re_set(mat_entry(Lambda, i, j), k);
        re_set(mat_entry(Lambda, j, i), k);
        eval_F(mat_entry(Sigma, i, j), mat_entry(Sdot, i, j), &K, i, j, k, bcoef, prec);
        re_set(mat_entry(Sigma, j, i), mat_entry(Sigma, i, j));
        re_set(mat_entry(Sdot, j, i), mat_entry(Sdot, i, j));
    }
    num_xreal resid = num_xreal_from_d(0.0);
    for (long j = 0; j < n; j++)
        for (long i = j; i < n; i++) {
            re_mul(K.t, su2, mat_entry(GX, i, j));
            re_fma(K.t, g2, mat_entry(Sigma, i, j), K.t);
            re_sub(K.t, mat_entry(Lambda, i, j), K.t);
            num_xreal r = abs_x(K.t);
            resid = isnan(r.man) || num_xreal_gt(r, resid) ? r : resid;
        }
    info->resid = num_xreal_get_d(resid);
    info->resid_x = resid;
    info->resid_rel = num_xreal_get_d(scale.man > 0 ? num_xreal_div(resid, scale) : resid);
    if (info->contractive) {
        num_xreal ds = num_xreal_div(num_xreal_add(num_xreal_mul_d(pd.step, info->rho_diag), ed),
                                     num_xreal_from_d(1.0 - info->rho_diag));
        num_xreal dq = num_xreal_mul(ds, num_xreal_add(num_xreal_mul_2si(smax, 1), ds));
        num_xreal dk = num_xreal_div(num_xreal_add(num_xreal_mul_d(po.step, info->rho_off), eo),
                                     num_xreal_from_d(1.0 - info->rho_off));
        info->err_est_x = num_xreal_max(dq, dk);
        info->err_est = num_xreal_get_d_up(info->err_est_x);
    }
    if (K.ws->method != KERNEL_DUAL_CLOSED) {
        num_xreal de = num_xreal_from_d(0.0);
        for (long i = 0; i < n; i++)
            de = num_xreal_max(de, G(kernel_dual_approx_err_x)(K.ws, E(q, i), prec));
        info->dual_err_x = de;
        info->dual_err = num_xreal_get_d_up(de);
    }
    if (!G(mat_is_finite)(Sigma) || !G(mat_is_finite)(Sdot) || !G(mat_is_finite)(Lambda))
        out = KERNEL_NONFINITE;
    info->outcome = out;
    switch (out) {
    case KERNEL_CONVERGED: info->reason = ""; break;
    case KERNEL_MAX_ITER: info->reason = "iteration limit reached above the tolerance"; break;
    case KERNEL_STAGNATED: info->reason = "the step stopped decreasing above the rounding floor"; break;
    case KERNEL_DIVERGED: info->reason = "the off-diagonal iteration diverged"; break;
    default: info->reason = "NaN or Inf in the result"; break;
    }

    if (bcoef) {
        for (long i = 0; i < n; i++)
            G(mat_clear)(bcoef + i);
        free(bcoef);
    }
    if (K.coef) {
        for (long i = 0; i < n; i++)
            G(mat_clear)(K.coef + i);
        free(K.coef);
    }
    free(K.pi);
    free(K.pj);
    phase_clear(&po);
    phase_clear(&pd);
done:
    G(kernel_dual_ws_clear)(K.ws);
    G(mat_clear)(cdiag);
    G(mat_clear)(q);
    re_clear(K.F);
    re_clear(K.c);
    re_clear(K.t);
    re_clear(g2);
    re_clear(su2);
}

/* ======================================================================== */
/* NTK blocks                                                                */

void G(kernel_ntk_blocks)(mat_t H, mat_t P, mat_t HA, mat_t HU, mat_t Hv, kernel_ntk_info_t info,
                          const mat_t Sigma, const mat_t Sdot, const mat_t GX, real_srcptr gamma,
                          real_srcptr sigma_u, real_srcptr sigma_v, unsigned trained, long prec)
{
    long n = Sigma->rows;
    DEQ_REQUIRE(Sigma->cols == n && Sdot->rows == n && Sdot->cols == n && GX->rows == n
                && GX->cols == n && H->rows == n && H->cols == n);
    DEQ_REQUIRE(!P || (P->rows == n && P->cols == n));
    DEQ_REQUIRE(!HA || (HA->rows == n && HA->cols == n));
    DEQ_REQUIRE(!HU || (HU->rows == n && HU->cols == n));
    DEQ_REQUIRE(!Hv || (Hv->rows == n && Hv->cols == n));
    info->outcome = KERNEL_CONVERGED;
    info->reason = "";
    info->max_gain = 0.0;
    info->bad_i = info->bad_j = -1;
    real_t g2, su2, sv2, gain, p, a, t;
    re_init(g2, prec);
    re_init(su2, prec);
    re_init(sv2, prec);
    re_init(gain, prec);
    re_init(p, prec);
    re_init(a, prec);
    re_init(t, prec);
    re_sqr(g2, gamma);
    re_sqr(su2, sigma_u);
    re_sqr(sv2, sigma_v);
    int bad = 0, nonfinite = !G(mat_is_finite)(Sigma) || !G(mat_is_finite)(Sdot)
                             || !G(mat_is_finite)(GX) || !re_is_finite(gamma)
                             || !re_is_finite(sigma_u) || !re_is_finite(sigma_v);
    /* first pass: the backward gains γ²Ṡ_ij, all of them below 1? */
    for (long j = 0; j < n && !nonfinite; j++)
        for (long i = 0; i < n; i++) {
            re_mul(gain, g2, mat_entry(Sdot, i, j));
            double gd = re_get_d(gain);
            if (gd > info->max_gain)
                info->max_gain = gd;
            re_set_si(t, 1);
            if (re_cmp(gain, t) >= 0 && !bad) {
                bad = 1;
                info->bad_i = i;
                info->bad_j = j;
            }
        }
    if (nonfinite || bad) {
        info->outcome = nonfinite ? KERNEL_NONFINITE : KERNEL_BACKWARD_UNSTABLE;
        info->reason = nonfinite ? "NaN or Inf in Sigma, Sdot, G_X or the scales"
                                 : "gamma^2 * Sdot_ij >= 1 for some pair: the backward fixed point "
                                   "has no infinite-width limit, P = Sdot/(1 - gamma^2 Sdot) "
                                   "is undefined";
        fill_nan(H);
        fill_nan(P);
        fill_nan(HA);
        fill_nan(HU);
        fill_nan(Hv);
    } else {
        for (long j = 0; j < n; j++)
            for (long i = 0; i < n; i++) {
                real_srcptr s = mat_entry(Sigma, i, j), sd = mat_entry(Sdot, i, j);
                re_mul(gain, g2, sd);
                re_d_sub(p, 1.0, gain);
                re_div(p, sd, p); /* P_ij */
                if (P)
                    re_set(mat_entry(P, i, j), p);
                real_ptr h = mat_entry(H, i, j);
                re_set_zero(h);
                /* H^A = σ_v²γ²·P⊙Σ */
                re_mul(a, p, s);
                re_mul(a, a, g2);
                re_mul(a, a, sv2);
                if (HA)
                    re_set(mat_entry(HA, i, j), a);
                if (trained & DEQ_TRAIN_A)
                    re_add(h, h, a);
                /* H^U = σ_v²σ_u²·P⊙G_X */
                re_mul(a, p, mat_entry(GX, i, j));
                re_mul(a, a, su2);
                re_mul(a, a, sv2);
                if (HU)
                    re_set(mat_entry(HU, i, j), a);
                if (trained & DEQ_TRAIN_U)
                    re_add(h, h, a);
                /* H^v = σ_v²·Σ */
                re_mul(a, sv2, s);
                if (Hv)
                    re_set(mat_entry(Hv, i, j), a);
                if (trained & DEQ_TRAIN_V)
                    re_add(h, h, a);
            }
    }
    re_clear(g2);
    re_clear(su2);
    re_clear(sv2);
    re_clear(gain);
    re_clear(p);
    re_clear(a);
    re_clear(t);
}
