/* Dual maps, Gauss–Hermite rule, Hermite coefficients and 2-D quadrature,
 * written once for both backends (see kernel/dual.h). */
#include "num/generic.h"

#include <float.h>
#include <string.h>

#include "kernel/dual.h"

/* Scalar operations generic.h does not provide. */
#ifdef DEQ_MPFR
#define kre_atan2(z, y, x) mpfr_atan2((z), (y), (x), RND)
#define kre_expm1(z, x) mpfr_expm1((z), (x), RND)
#define kre_div_si(z, x, i) mpfr_div_si((z), (x), (long)(i), RND)
/* z = a·b + c·d, one rounding */
#define kre_fmma(z, a, b, c, d) mpfr_fmma((z), (a), (b), (c), (d), RND)
#else
#define kre_atan2(z, y, x) ((z)[0] = atan2((y)[0], (x)[0]))
#define kre_expm1(z, x) ((z)[0] = expm1((x)[0]))
#define kre_div_si(z, x, i) ((z)[0] = (x)[0] / (double)(i))
/* z = a·b + c·d with c·d rounded first (two roundings) */
#define kre_fmma(z, a, b, c, d) ((z)[0] = fma((a)[0], (b)[0], (c)[0] * (d)[0]))
#endif

#ifdef DEQ_MPFR
#define re_cmp_si_(x, i) mpfr_cmp_si((x), (long)(i))
#else
#define re_cmp_si_(x, i) (((x)[0] > (double)(i)) - ((x)[0] < (double)(i)))
#endif

typedef GS(kernel_gh_rule) rule_struct;
typedef GS(kernel_dual_ws) dual_ws_struct;

#define E(M, i) ((M)->e + (i)) /* entry i of a column vector */

static int any_nan3(real_srcptr a, real_srcptr b, real_srcptr c)
{
    return re_is_nan(a) || re_is_nan(b) || re_is_nan(c);
}

static void set_nan(real_ptr x)
{
    if (x)
        re_set_d(x, NAN);
}

/* ======================================================================== */
/* Gauss–Hermite rule                                                        */

/* h_N(x), h_{N−1}(x) in double, both scaled by the same power of two (exact
 * rescaling, so large N cannot overflow), and the Sturm count: the number of
 * roots of He_N greater than x equals the number of sign changes in
 * h_0(x), …, h_N(x) (characteristic polynomials of the leading sections of the
 * Jacobi matrix; a zero takes the sign opposite to its predecessor). */
static long herm_eval_double(double *hN, double *hNm1, double x, long N, const double *sq,
                             const double *isq)
{
    double pm = 0.0, p = 1.0;
    long changes = 0;
    for (long r = 0; r < N; r++) {
        double pn = (x * p - sq[r] * pm) * isq[r + 1];
        if (pn == 0.0 || (pn > 0) != (p > 0))
            changes++;
        pm = p;
        p = pn == 0.0 ? -copysign(0x1p-1000, pm) : pn;
        if (fabs(p) > 0x1p500) {
            p *= 0x1p-500;
            pm *= 0x1p-500;
        }
    }
    *hN = p;
    *hNm1 = pm;
    return changes;
}

/* The positive roots of He_N, largest first, in double. Root i is isolated
 * by Sturm counts (C(lo) >= i+1 > i >= C(hi), starting from lo = 0 and hi =
 * the previous root, or √(4N+2) which bounds every root) and found by
 * safeguarded Newton (a step leaving the bracket is replaced by bisection),
 * so a poor starting value costs iterations, never the wrong root. Starting
 * values: Numerical Recipes' gauher asymptotics for the physicists' roots z,
 * scaled by √2. */
static void roots_double(double *root, long npos, long N, const double *sq, const double *isq)
{
    double z = 0.0;
    for (long i = 0; i < npos; i++) {
        double zi;
        if (i == 0)
            zi = sqrt(2.0 * (double)N + 1.0) - 1.85575 * pow(2.0 * (double)N + 1.0, -0.16667);
        else if (i == 1)
            zi = z - 1.14 * pow((double)N, 0.426) / z;
        else if (i == 2)
            zi = 1.86 * z - 0.86 * root[0] / M_SQRT2;
        else if (i == 3)
            zi = 1.91 * z - 0.91 * root[1] / M_SQRT2;
        else
            zi = 2.0 * z - root[i - 2] / M_SQRT2;
        double lo = 0.0, hi = i == 0 ? sqrt(4.0 * (double)N + 2.0) : root[i - 1];
        double x = M_SQRT2 * zi;
        if (!(x > lo && x < hi))
            x = 0.5 * (lo + hi);
        /* Each step either is Newton's (quadratic near the root) or halves the
         * bracket; 200 steps cover bisection from [0, √(4N+2)] to DBL_EPSILON. */
        for (int it = 0; it < 200; it++) {
            double hN, hNm1;
            long C = herm_eval_double(&hN, &hNm1, x, N, sq, isq);
            if (C <= i)
                hi = x;
            else
                lo = x;
            double xn = x - hN / (sq[N] * hNm1);
            if (!(xn > lo && xn < hi))
                xn = 0.5 * (lo + hi);
            double step = fabs(xn - x);
            x = xn;
            if (step <= 2 * DBL_EPSILON * fabs(x) || hi - lo <= 2 * DBL_EPSILON * hi)
                break;
        }
        root[i] = x;
        z = x / M_SQRT2;
    }
}

/* h_N(x), h_{N−1}(x) at the working precision, both scaled by 2^-e2 (e2 > 0
 * only in double, where the rescaling avoids overflow; MPFR's exponent range
 * makes it unnecessary). t[0..2] are temporaries. */
static void herm_eval(real_ptr hN, real_ptr hNm1, long *e2, real_srcptr x, const rule_struct *rule,
                      real_struct *t)
{
    long N = rule->order;
    real_ptr pm = t, p = t + 1, pn = t + 2;
    re_set_zero(pm);
    re_set_si(p, 1);
    *e2 = 0;
    for (long r = 0; r < N; r++) {
        re_mul(pn, E(rule->sq, r), pm);
        re_fms(pn, x, p, pn);
        re_mul(pn, pn, E(rule->isq, r + 1));
        real_ptr s = pm;
        pm = p;
        p = pn;
        pn = s;
#ifndef DEQ_MPFR
        if (fabs(p[0]) > 0x1p500) {
            p[0] *= 0x1p-500;
            pm[0] *= 0x1p-500;
            *e2 += 500;
        }
#endif
    }
    re_set(hN, p);
    re_set(hNm1, pm);
}

void G(kernel_gh_rule_init)(GT(kernel_gh_rule) rule, long order, long prec)
{
    DEQ_REQUIRE(order >= 1);
    long N = order;
    rule->order = N;
    rule->prec = prec;
    rule->ok = 1;
    rule->newton_steps = 0;
    rule->max_correction = 0.0;
    G(mat_init)(rule->x, N, 1, prec);
    G(mat_init)(rule->w, N, 1, prec);
    G(mat_init)(rule->sw, N, 1, prec);
    G(mat_init)(rule->sq, N + 1, 1, prec);
    G(mat_init)(rule->isq, N + 1, 1, prec);
    for (long r = 0; r <= N; r++) {
        re_set_si(E(rule->sq, r), r);
        re_sqrt(E(rule->sq, r), E(rule->sq, r));
        if (r > 0) {
            re_set_si(E(rule->isq, r), 1);
            re_div(E(rule->isq, r), E(rule->isq, r), E(rule->sq, r));
        }
    }

    long npos = N / 2;
    double *sqd = deq_malloc((size_t)(N + 1) * sizeof *sqd);
    double *isqd = deq_malloc((size_t)(N + 1) * sizeof *isqd);
    double *root = deq_malloc((size_t)(npos > 0 ? npos : 1) * sizeof *root);
    for (long r = 0; r <= N; r++) {
        sqd[r] = sqrt((double)r);
        isqd[r] = r > 0 ? 1.0 / sqd[r] : 0.0;
    }
    roots_double(root, npos, N, sqd, isqd);

    real_t x, d, hN, hNm1, tmp[3];
    re_init(x, prec);
    re_init(d, prec);
    re_init(hN, prec);
    re_init(hNm1, prec);
    for (int i = 0; i < 3; i++)
        re_init(tmp[i], prec);
    /* Working-precision Newton from the double root: the error squares per
     * step, 53 → prec bits in ⌈log2(prec/53)⌉ steps; allow that plus 4. Stop
     * when the correction is below u·|x| (converged) or no longer halves
     * (rounding noise of h_N, which is then the attainable accuracy). */
    long maxit = 4;
    for (long b = 53; b < prec; b *= 2)
        maxit++;
    double u = re_unit_roundoff(prec);
    /* A node counts as converged when its last correction is within the
     * rounding noise of the recurrence: h_N is a sum of N steps each rounding
     * at most a few u, so |δ| ≲ N·u·|x| (factor 8 for the constants). */
    double accept = 8.0 * (double)N * u;
    for (long i = 0; i <= npos; i++) {
        int zero_node = (i == npos);
        if (zero_node && N % 2 == 0)
            break;
        long e2 = 0;
        if (zero_node) {
            re_set_zero(x); /* He_N(0) = 0 for odd N: exact */
        } else {
            re_set_d(x, root[i]);
            double prev = INFINITY, last = 0.0;
            long it;
            for (it = 0; it < maxit; it++) {
                herm_eval(hN, hNm1, &e2, x, rule, tmp[0]);
                re_mul(d, hNm1, E(rule->sq, N));
                re_div(d, hN, d);
                re_sub(x, x, d);
                double rel = fabs(re_get_d(d)) / fabs(re_get_d(x));
                last = rel;
                if (!(rel > u) || rel >= prev / 2)
                    break;
                prev = rel;
            }
            if (it + 1 > rule->newton_steps)
                rule->newton_steps = it + 1;
            if (last > rule->max_correction || isnan(last))
                rule->max_correction = last;
            if (!(last <= accept))
                rule->ok = 0;
        }
        /* weight from h_{N−1} at the final node */
        herm_eval(hN, hNm1, &e2, x, rule, tmp[0]);
        long j = zero_node ? npos : N - 1 - i;
        re_sqr(d, hNm1);
        re_mul_d(d, d, (double)N);
        re_set_si(E(rule->w, j), 1);
        re_div(E(rule->w, j), E(rule->w, j), d);
        re_mul_2si(E(rule->w, j), E(rule->w, j), -2 * e2);
        re_set(E(rule->x, j), x);
        if (!zero_node) {
            re_neg(E(rule->x, i), x);
            re_set(E(rule->w, i), E(rule->w, j));
        }
    }
    for (long j = 0; j < N; j++)
        re_sqrt(E(rule->sw, j), E(rule->w, j));
    /* checks: strictly increasing nodes, Σw = 1 within the rounding of N terms */
    for (long j = 0; j + 1 < N; j++)
        if (!(re_cmp(E(rule->x, j), E(rule->x, j + 1)) < 0))
            rule->ok = 0;
    re_set_zero(d);
    for (long j = 0; j < N; j++)
        re_add(d, d, E(rule->w, j));
    re_add_d(d, d, -1.0);
    if (!(fabs(re_get_d(d)) <= accept))
        rule->ok = 0;
    if (!G(mat_is_finite)(rule->x) || !G(mat_is_finite)(rule->w))
        rule->ok = 0;

    re_clear(x);
    re_clear(d);
    re_clear(hN);
    re_clear(hNm1);
    for (int i = 0; i < 3; i++)
        re_clear(tmp[i]);
    free(sqd);
    free(isqd);
    free(root);
}

void G(kernel_gh_rule_clear)(GT(kernel_gh_rule) rule)
{
    G(mat_clear)(rule->x);
    G(mat_clear)(rule->w);
    G(mat_clear)(rule->sw);
    G(mat_clear)(rule->sq);
    G(mat_clear)(rule->isq);
    rule->order = 0;
}

/* ======================================================================== */
/* closed forms                                                              */

/* s = √(q1·q2) for q1, q2 > 0 without under- or overflow: the root of the
 * product when the product is a normal number (the route of ordinary data,
 * one rounding fewer), else the product of the roots (each factor's root is
 * in range whenever the result is). */
static void root_prod(real_ptr s, real_srcptr q1, real_srcptr q2, real_ptr t)
{
    re_mul(s, q1, q2);
#ifdef DEQ_MPFR
    int ok = mpfr_regular_p(s);
#else
    int ok = isfinite(s[0]) && s[0] >= DBL_MIN;
#endif
    if (ok) {
        re_sqrt(s, s);
    } else {
        re_sqrt(t, q1);
        re_sqrt(s, q2);
        re_mul(s, s, t);
    }
}

/* c = k/√(q1q2) clamped to [−1, 1]; 0 when q1 or q2 is 0. t, t2: temporaries. */
static void correlation2(real_ptr c, real_srcptr q1, real_srcptr q2, real_srcptr k, real_ptr t,
                         real_ptr t2)
{
    if (re_sgn(q1) <= 0 || re_sgn(q2) <= 0) {
        re_set_zero(c);
        return;
    }
    root_prod(t, q1, q2, t2);
    re_div(c, k, t);
    re_set_si(t, 1);
    if (re_cmp(c, t) > 0)
        re_set(c, t);
    re_neg(t, t);
    if (re_cmp(c, t) < 0)
        re_set(c, t);
}

/* t: KERNEL_DUAL_NTMP temporaries. */
static void relu_with(real_ptr F, real_ptr Fd, real_srcptr q1, real_srcptr q2, real_srcptr k,
                      real_struct *t, long prec)
{
    if (any_nan3(q1, q2, k)) {
        set_nan(F);
        set_nan(Fd);
        return;
    }
    real_ptr s = t, c = t + 1, a = t + 2, b = t + 3, phi = t + 4, J = t + 5, term = t + 6,
             p2 = t + 7, pi = t + 8, lim = t + 9;
    if (re_sgn(q1) <= 0 || re_sgn(q2) <= 0) { /* u ≡ 0 or w ≡ 0: σ(0) = 0, σ′(0) := 0 */
        if (F)
            re_set_zero(F);
        if (Fd)
            re_set_zero(Fd);
        return;
    }
    root_prod(s, q1, q2, c); /* √(q1q2), or √q1·√q2 out of range: F scales like it */
    re_div(c, k, s);
    re_set_si(a, 1);
    if (re_cmp(c, a) > 0)
        re_set(c, a);
    re_neg(a, a);
    if (re_cmp(c, a) < 0)
        re_set(c, a);
    /* 1 ∓ c are exact when |c| >= 1/2 (Sterbenz) and well-conditioned otherwise */
    re_d_sub(a, 1.0, c);
    re_sqrt(a, a); /* √(1−c) = √2·sin(θ/2) */
    re_add_d(b, c, 1.0);
    re_sqrt(b, b); /* √(1+c) = √2·cos(θ/2) */
    kre_atan2(phi, b, a);
    re_mul_2si(phi, phi, 1); /* φ = π − θ ∈ [0, π] */
    re_const_pi(pi);
    re_mul_2si(pi, pi, 1); /* 2π */
    if (Fd)
        re_div(Fd, phi, pi);
    if (!F)
        return;
    re_set_d(J, 1.0);
    if (re_cmp(phi, J) >= 0) {
        /* sin θ + (π−θ)cos θ = ab + φc: at φ >= 1 the cancellation (c < 0)
         * loses less than a factor 3 */
        kre_fmma(J, a, b, phi, c);
    } else {
        /* sin φ − φ cos φ = Σ_{j≥1} (−1)^{j+1} 2j φ^{2j+1}/(2j+1)!, ratio of
         * consecutive terms −φ²/(2j(2j+3)); stop when a term is below u·|sum| */
        re_sqr(p2, phi);
        re_mul(term, p2, phi);
        kre_div_si(term, term, 3);
        re_set(J, term);
        for (long j = 1; j < 4 * prec; j++) {
            re_mul(term, term, p2);
            kre_div_si(term, term, -(2 * j) * (2 * j + 3));
            re_add(J, J, term);
            re_mul_2si(lim, J, -(long)prec);
            if (re_cmpabs(term, lim) <= 0)
                break;
        }
    }
    re_mul(F, s, J);
    re_div(F, F, pi);
}

#ifndef DEQ_MPFR
/* erf's closed form in double when q1, q2 or |k| exceeds 2^500 (where q1q2
 * and k² overflow): both arguments of atan2 are scaled by λ = 2^-e, e the
 * binary exponent of the largest of them, so every product is at most 4,
 * and D·λ = √(λ(λ + 2q1λ + 2q2λ) + 4(q1λ·q2λ − (kλ)²)) (a term that
 * underflows is below D²λ²·2^-1000). Ḟ = (4/π)/(Dλ)·λ. */
static void erf_big_d(double *F, double *Fd, double q1, double q2, double k, double big)
{
    int e = ilogb(big) + 1;
    double a = ldexp(q1, -e), b = ldexp(q2, -e), kk = ldexp(k, -e), lam = ldexp(1.0, -e);
    double det = fma(a, b, -(kk * kk));
    if (det < 0)
        det = 0;
    double D = sqrt(fma(lam, lam + 2.0 * a + 2.0 * b, 4.0 * det));
    if (F)
        F[0] = 2.0 * (atan2(2.0 * kk, D) / M_PI);
    if (Fd)
        Fd[0] = ldexp(4.0 / (D * M_PI), -e);
}
#endif

static void erf_with(real_ptr F, real_ptr Fd, real_srcptr q1, real_srcptr q2, real_srcptr k,
                     real_struct *t)
{
    real_ptr det = t, D = t + 1, pi = t + 2, x = t + 3;
#ifndef DEQ_MPFR
    double big = fmax(fmax(q1[0], q2[0]), fabs(k[0]));
    if (big > 0x1p500 && isfinite(big)) {
        erf_big_d(F, Fd, q1[0], q2[0], k[0], big);
        return;
    }
#endif
    re_sqr(x, k);
    re_fms(det, q1, q2, x); /* q1q2 − k² */
    if (re_sgn(det) < 0)
        re_set_zero(det);
    re_add(D, q1, q2);
    re_mul_2si(D, D, 1);
    re_add_d(D, D, 1.0);
    re_mul_2si(det, det, 2);
    re_add(D, D, det); /* 1 + 2q1 + 2q2 + 4(q1q2 − k²) = (1+2q1)(1+2q2) − 4k² */
    re_sqrt(D, D);
    re_const_pi(pi);
    if (F) {
        re_mul_2si(x, k, 1);
        kre_atan2(F, x, D);
        re_div(F, F, pi);
        re_mul_2si(F, F, 1);
    }
    if (Fd) {
        re_mul(x, D, pi);
        re_set_si(Fd, 4);
        re_div(Fd, Fd, x);
    }
}

static void sin_with(real_ptr F, real_ptr Fd, real_srcptr q1, real_srcptr q2, real_srcptr k,
                     real_struct *t)
{
    real_ptr m = t, a = t + 1, e1 = t + 2, e2 = t + 3;
    re_add(m, q1, q2);
    re_mul_2si(m, m, -1);
#ifndef DEQ_MPFR
    if (isinf(m[0]) && isfinite(q1[0]) && isfinite(q2[0]))
        m[0] = 0.5 * q1[0] + 0.5 * q2[0]; /* q1 + q2 beyond double's range */
#endif
    re_abs(a, k);
    re_sub(e1, a, m);
    re_exp(e1, e1); /* e^{|k|−m} <= 1 */
    re_mul_2si(e2, a, 1);
    re_neg(e2, e2);
    kre_expm1(e2, e2); /* e^{−2|k|} − 1 ∈ (−1, 0] */
    if (Fd) {
        re_add_d(Fd, e2, 2.0);
        re_mul(Fd, Fd, e1);
        re_mul_2si(Fd, Fd, -1);
    }
    if (F) {
        re_mul(F, e1, e2);
        re_mul_2si(F, F, -1);
        if (re_sgn(k) >= 0)
            re_neg(F, F);
    }
}

/* Scalar temporaries for a standalone call. */
typedef struct {
    real_t t[KERNEL_DUAL_NTMP];
} tmp_block;

static void tmp_init(tmp_block *b, long prec)
{
    for (int i = 0; i < KERNEL_DUAL_NTMP; i++)
        re_init(b->t[i], prec);
}

static void tmp_clear(tmp_block *b)
{
    for (int i = 0; i < KERNEL_DUAL_NTMP; i++)
        re_clear(b->t[i]);
}

static int closed_with(real_ptr F, real_ptr Fd, real_srcptr q1, real_srcptr q2, real_srcptr k,
                       deq_act act, real_struct *t, long prec)
{
    switch (act) {
    case DEQ_ACT_RELU:
        relu_with(F, Fd, q1, q2, k, t, prec);
        return 1;
    case DEQ_ACT_ERF:
        erf_with(F, Fd, q1, q2, k, t);
        return 1;
    case DEQ_ACT_SIN:
        sin_with(F, Fd, q1, q2, k, t);
        return 1;
    default:
        return 0;
    }
}

int G(kernel_dual_closed)(real_ptr F, real_ptr Fd, real_srcptr q1, real_srcptr q2,
                          real_srcptr k, deq_act act, long prec)
{
    if (!kernel_dual_has_closed_form(act))
        return 0;
    tmp_block b;
    tmp_init(&b, prec);
    closed_with(F, Fd, q1, q2, k, act, b.t[0], prec);
    tmp_clear(&b);
    return 1;
}

void G(kernel_relu_dual)(real_ptr F, real_ptr Fd, real_srcptr q1, real_srcptr q2, real_srcptr k,
                         long prec)
{
    G(kernel_dual_closed)(F, Fd, q1, q2, k, DEQ_ACT_RELU, prec);
}

void G(kernel_erf_dual)(real_ptr F, real_ptr Fd, real_srcptr q1, real_srcptr q2, real_srcptr k,
                        long prec)
{
    G(kernel_dual_closed)(F, Fd, q1, q2, k, DEQ_ACT_ERF, prec);
}

void G(kernel_sin_dual)(real_ptr F, real_ptr Fd, real_srcptr q1, real_srcptr q2, real_srcptr k,
                        long prec)
{
    G(kernel_dual_closed)(F, Fd, q1, q2, k, DEQ_ACT_SIN, prec);
}

/* ======================================================================== */
/* Hermite route                                                             */

/* Coefficients with caller-provided scratch: f (N×1) receives σ or σ′ at
 * √q·x_i, g (N×1) is scratch for the other output of deq_act_apply; t[0..3]
 * scalar temporaries. */
static void coeffs_with(mat_t a, real_srcptr q, deq_act act, int deriv, const rule_struct *rule,
                        mat_t f, mat_t g, real_struct *t, long prec)
{
    long N = rule->order, R = a->rows - 1;
    DEQ_REQUIRE(a->cols == 1 && R >= 0 && R < N);
    DEQ_REQUIRE(f->rows == N && g->rows == N);
    real_ptr sqq = t, fe = t + 1, fo = t + 2, tt = t + 3;
    real_ptr v[3] = {t + 4, t + 5, t + 6};
    if (re_is_nan(q) || re_sgn(q) < 0) {
        for (long r = 0; r <= R; r++)
            re_set_d(E(a, r), NAN);
        return;
    }
    re_sqrt(sqq, q);
    for (long i = 0; i < N; i++)
        re_mul(E(g, i), sqq, E(rule->x, i));
    if (deriv)
        G(deq_act_apply)(g, f, g, act, prec); /* f = σ′(√q x): g overwritten by σ */
    else
        G(deq_act_apply)(f, NULL, g, act, prec);
    G(mat_zero)(a);
    long npos = N / 2;
    /* pairs (x, −x): h_r(−x) = (−1)^r h_r(x), so node pair i contributes
     * √w·v_r·(f(x) ± f(−x)) with the sign by parity; v_r = √w·h_r(x) by the
     * normalized recurrence. The zero node of odd N: f(0), x = 0. */
    for (long i = 0; i <= npos; i++) {
        long ip, im;
        if (i == npos) {
            if (N % 2 == 0)
                break;
            ip = im = npos;
            re_set(fe, E(f, ip));
            re_set(fo, E(f, ip)); /* odd coefficients get v_r(0) = 0 anyway */
        } else {
            ip = N - 1 - i;
            im = i;
            re_add(fe, E(f, ip), E(f, im));
            re_sub(fo, E(f, ip), E(f, im));
        }
        if (re_is_zero(E(rule->sw, ip)))
            continue; /* a weight that underflowed in double: no contribution */
        re_mul(fe, fe, E(rule->sw, ip));
        re_mul(fo, fo, E(rule->sw, ip));
        real_srcptr x = E(rule->x, ip);
        real_ptr vm = v[0], vc = v[1], vn = v[2];
        re_set_zero(vm);
        re_set(vc, E(rule->sw, ip));
        for (long r = 0; r <= R; r++) {
            re_fma(E(a, r), vc, (r % 2 == 0) ? fe : fo, E(a, r));
            if (r == R)
                break;
            re_mul(tt, E(rule->sq, r), vm);
            re_fms(vn, x, vc, tt);
            re_mul(vn, vn, E(rule->isq, r + 1));
            real_ptr s = vm;
            vm = vc;
            vc = vn;
            vn = s;
        }
    }
}

void G(kernel_hermite_coeffs)(mat_t a, real_srcptr q, deq_act act, int deriv,
                              const GT(kernel_gh_rule) rule, long prec)
{
    long N = rule->order;
    mat_t f, g;
    G(mat_init)(f, N, 1, prec);
    G(mat_init)(g, N, 1, prec);
    tmp_block b;
    tmp_init(&b, prec);
    coeffs_with(a, q, act, deriv, rule, f, g, b.t[0], prec);
    tmp_clear(&b);
    G(mat_clear)(f);
    G(mat_clear)(g);
}

void G(kernel_hermite_series)(real_ptr S, const mat_t a, const mat_t b, real_srcptr c, long prec)
{
    long R = a->rows - 1;
    DEQ_REQUIRE(R >= 0 && b->rows == a->rows && a->cols == 1 && b->cols == 1);
    re_mul(S, E(a, R), E(b, R));
    for (long r = R - 1; r >= 0; r--)
        kre_fmma(S, S, c, E(a, r), E(b, r)); /* S = S·c + a_r b_r */
}

double G(kernel_hermite_tail)(const mat_t a, long prec)
{
    long n = a->rows;
    real_t acc;
    re_init(acc, prec);
    re_set_zero(acc);
    for (long r = (n + 1) / 2; r < n; r++)
        re_fma(acc, E(a, r), E(a, r), acc);
    double s = sqrt(re_get_d(acc));
    re_clear(acc);
    return s;
}

/* F, Ḟ from coefficient vectors (a1, a2 of σ; b1, b2 of σ′) at correlation c. */
static void series_pair(real_ptr F, real_ptr Fd, const mat_t a1, const mat_t a2, const mat_t b1,
                        const mat_t b2, real_srcptr c, long prec)
{
    if (F)
        G(kernel_hermite_series)(F, a1, a2, c, prec);
    if (Fd)
        G(kernel_hermite_series)(Fd, b1, b2, c, prec);
}

void G(kernel_dual_hermite)(real_ptr F, real_ptr Fd, real_srcptr q1, real_srcptr q2,
                            real_srcptr k, deq_act act, const GT(kernel_gh_rule) rule, long prec)
{
    if (any_nan3(q1, q2, k)) {
        set_nan(F);
        set_nan(Fd);
        return;
    }
    long N = rule->order;
    mat_t a1, a2, b1, b2, f, g;
    G(mat_init)(a1, N, 1, prec);
    G(mat_init)(a2, N, 1, prec);
    G(mat_init)(b1, N, 1, prec);
    G(mat_init)(b2, N, 1, prec);
    G(mat_init)(f, N, 1, prec);
    G(mat_init)(g, N, 1, prec);
    tmp_block b;
    tmp_init(&b, prec);
    if (F) {
        coeffs_with(a1, q1, act, 0, rule, f, g, b.t[0], prec);
        coeffs_with(a2, q2, act, 0, rule, f, g, b.t[0], prec);
    }
    if (Fd) {
        coeffs_with(b1, q1, act, 1, rule, f, g, b.t[0], prec);
        coeffs_with(b2, q2, act, 1, rule, f, g, b.t[0], prec);
    }
    real_ptr c = b.t[8];
    correlation2(c, q1, q2, k, b.t[9], b.t[7]);
    series_pair(F, Fd, a1, a2, b1, b2, c, prec);
    tmp_clear(&b);
    G(mat_clear)(a1);
    G(mat_clear)(a2);
    G(mat_clear)(b1);
    G(mat_clear)(b2);
    G(mat_clear)(f);
    G(mat_clear)(g);
}

/* ======================================================================== */
/* 2-D product rule on the Cholesky factor                                   */

/* Scratch T, S, D, U, Ud: N×1; t: temporaries. */
static void quad2d_with(real_ptr F, real_ptr Fd, real_srcptr q1, real_srcptr q2, real_srcptr k,
                        deq_act act, const rule_struct *rule, mat_t T, mat_t S, mat_t D, mat_t U,
                        mat_t Ud, real_struct *t, long prec)
{
    if (any_nan3(q1, q2, k)) {
        set_nan(F);
        set_nan(Fd);
        return;
    }
    long N = rule->order;
    real_ptr c = t, s11 = t + 1, s21 = t + 2, s22 = t + 3, x = t + 4, acc = t + 5, accd = t + 6,
             in = t + 7, ind = t + 8;
    correlation2(c, q1, q2, k, x, s11);
    re_sqrt(s11, q1);
    re_sqrt(s21, q2);
    re_d_sub(x, 1.0, c);
    re_add_d(s22, c, 1.0);
    re_mul(s22, s22, x);
    re_mul(s22, s22, q2);
    re_sqrt(s22, s22); /* √(q2(1−c)(1+c)) */
    re_mul(s21, s21, c); /* c√q2 */
    for (long i = 0; i < N; i++)
        re_mul(E(T, i), s11, E(rule->x, i));
    G(deq_act_apply)(U, Ud, T, act, prec);
    re_set_zero(acc);
    re_set_zero(accd);
    for (long i = 0; i < N; i++) {
        if (re_is_zero(E(rule->w, i)))
            continue;
        re_mul(x, s21, E(rule->x, i));
        for (long j = 0; j < N; j++)
            re_fma(E(T, j), s22, E(rule->x, j), x);
        G(deq_act_apply)(S, Fd ? D : NULL, T, act, prec);
        re_set_zero(in);
        re_set_zero(ind);
        for (long j = 0; j < N; j++) {
            re_fma(in, E(rule->w, j), E(S, j), in);
            if (Fd)
                re_fma(ind, E(rule->w, j), E(D, j), ind);
        }
        re_mul(x, E(rule->w, i), E(U, i));
        re_fma(acc, x, in, acc);
        if (Fd) {
            re_mul(x, E(rule->w, i), E(Ud, i));
            re_fma(accd, x, ind, accd);
        }
    }
    if (F)
        re_set(F, acc);
    if (Fd)
        re_set(Fd, accd);
}

void G(kernel_dual_quad2d)(real_ptr F, real_ptr Fd, real_srcptr q1, real_srcptr q2,
                           real_srcptr k, deq_act act, const GT(kernel_gh_rule) rule, long prec)
{
    long N = rule->order;
    mat_t T, S, D, U, Ud;
    G(mat_init)(T, N, 1, prec);
    G(mat_init)(S, N, 1, prec);
    G(mat_init)(D, N, 1, prec);
    G(mat_init)(U, N, 1, prec);
    G(mat_init)(Ud, N, 1, prec);
    tmp_block b;
    tmp_init(&b, prec);
    quad2d_with(F, Fd, q1, q2, k, act, rule, T, S, D, U, Ud, b.t[0], prec);
    tmp_clear(&b);
    G(mat_clear)(T);
    G(mat_clear)(S);
    G(mat_clear)(D);
    G(mat_clear)(U);
    G(mat_clear)(Ud);
}

/* ======================================================================== */
/* dispatcher                                                                */

void G(kernel_dual_ws_init)(GT(kernel_dual_ws) ws, deq_act act, kernel_dual_method method,
                            long order, long prec)
{
    memset(ws, 0, sizeof *ws);
    ws->act = act;
    ws->prec = prec;
    if (method == KERNEL_DUAL_AUTO)
        method = kernel_dual_has_closed_form(act) ? KERNEL_DUAL_CLOSED : KERNEL_DUAL_HERMITE;
    DEQ_REQUIRE(method != KERNEL_DUAL_CLOSED || kernel_dual_has_closed_form(act));
    ws->method = method;
    ws->order = method == KERNEL_DUAL_CLOSED ? 0 : order > 0 ? order : kernel_dual_default_order(prec);
    for (int i = 0; i < KERNEL_DUAL_NTMP; i++)
        re_init(ws->tmp + i, prec);
    for (int s = 0; s < 2; s++)
        re_init(ws->q + s, prec);
    if (ws->order > 0) {
        long N = ws->order;
        G(kernel_gh_rule_init)(ws->rule, N, prec);
        /* HERMITE: a[s], b[s] cached coefficients, f, g scratch. QUAD2D:
         * f, g, a[0], a[1], b[0] are its five N×1 scratch vectors. */
        for (int s = 0; s < 2; s++) {
            G(mat_init)(ws->a[s], N, 1, prec);
            G(mat_init)(ws->b[s], N, 1, prec);
        }
        G(mat_init)(ws->f, N, 1, prec);
        G(mat_init)(ws->g, N, 1, prec);
    }
}

void G(kernel_dual_ws_clear)(GT(kernel_dual_ws) ws)
{
    for (int i = 0; i < KERNEL_DUAL_NTMP; i++)
        re_clear(ws->tmp + i);
    for (int s = 0; s < 2; s++)
        re_clear(ws->q + s);
    if (ws->order > 0) {
        G(kernel_gh_rule_clear)(ws->rule);
        for (int s = 0; s < 2; s++) {
            G(mat_clear)(ws->a[s]);
            G(mat_clear)(ws->b[s]);
        }
        G(mat_clear)(ws->f);
        G(mat_clear)(ws->g);
    }
    if (ws->have_rule2)
        G(kernel_gh_rule_clear)(ws->rule2);
    ws->have_rule2 = 0;
    ws->order = 0;
}

/* Slot holding the coefficients of variance q, filling one (not `keep`) on a miss. */
static int ws_slot(dual_ws_struct *ws, real_srcptr q, int keep, long prec)
{
    for (int s = 0; s < 2; s++)
        if (ws->cached[s] && re_cmp(ws->q + s, q) == 0)
            return s;
    int s = ws->next_slot;
    if (s == keep)
        s = 1 - s;
    ws->next_slot = 1 - s;
    coeffs_with(ws->a[s], q, ws->act, 0, ws->rule, ws->f, ws->g, ws->tmp, prec);
    coeffs_with(ws->b[s], q, ws->act, 1, ws->rule, ws->f, ws->g, ws->tmp, prec);
    re_set(ws->q + s, q);
    ws->cached[s] = 1;
    return s;
}

void G(kernel_dual)(real_ptr F, real_ptr Fd, real_srcptr q1, real_srcptr q2, real_srcptr k,
                    GT(kernel_dual_ws) ws, long prec)
{
    switch (ws->method) {
    case KERNEL_DUAL_CLOSED:
        closed_with(F, Fd, q1, q2, k, ws->act, ws->tmp, prec);
        return;
    case KERNEL_DUAL_HERMITE: {
        if (any_nan3(q1, q2, k)) {
            set_nan(F);
            set_nan(Fd);
            return;
        }
        int s1 = ws_slot(ws, q1, -1, prec);
        int s2 = ws_slot(ws, q2, s1, prec);
        real_ptr c = ws->tmp + 8;
        correlation2(c, q1, q2, k, ws->tmp + 9, ws->tmp + 7);
        series_pair(F, Fd, ws->a[s1], ws->a[s2], ws->b[s1], ws->b[s2], c, prec);
        return;
    }
    case KERNEL_DUAL_QUAD2D:
        ws->cached[0] = ws->cached[1] = 0; /* the coefficient storage is scratch here */
        quad2d_with(F, Fd, q1, q2, k, ws->act, ws->rule, ws->f, ws->g, ws->a[0], ws->a[1],
                    ws->b[0], ws->tmp, prec);
        return;
    default:
        DEQ_REQUIRE(0 && "unresolved dual method");
    }
}

/* Σ_i w_i σ(√q x_i)² and Σ_i w_i σ′(√q x_i)² on `rule`; f, g: N×1 scratch. */
static void diag_with(real_ptr F, real_ptr Fd, real_srcptr q, deq_act act, const rule_struct *rule,
                      mat_t f, mat_t g, real_struct *t, long prec)
{
    long N = rule->order;
    if (re_is_nan(q) || re_sgn(q) < 0) {
        set_nan(F);
        set_nan(Fd);
        return;
    }
    real_ptr sqq = t, acc = t + 1, accd = t + 2, x = t + 3;
    re_sqrt(sqq, q);
    for (long i = 0; i < N; i++)
        re_mul(E(f, i), sqq, E(rule->x, i));
    G(deq_act_apply)(f, g, f, act, prec);
    re_set_zero(acc);
    re_set_zero(accd);
    for (long i = 0; i < N; i++) {
        re_mul(x, E(rule->w, i), E(f, i));
        re_fma(acc, x, E(f, i), acc);
        re_mul(x, E(rule->w, i), E(g, i));
        re_fma(accd, x, E(g, i), accd);
    }
    if (F)
        re_set(F, acc);
    if (Fd)
        re_set(Fd, accd);
}

void G(kernel_dual_diag)(real_ptr F, real_ptr Fd, real_srcptr q, GT(kernel_dual_ws) ws, long prec)
{
    if (ws->method == KERNEL_DUAL_CLOSED)
        closed_with(F, Fd, q, q, q, ws->act, ws->tmp, prec);
    else
        diag_with(F, Fd, q, ws->act, ws->rule, ws->f, ws->g, ws->tmp, prec);
}

/* |x| with a long exponent, its significand rounded to nearest. */
static num_xreal abs_x(real_srcptr x)
{
#ifdef DEQ_MPFR
    return num_xreal_abs_mpfr(x);
#else
    return num_xreal_from_d(fabs(x[0]));
#endif
}

double G(kernel_dual_approx_err)(GT(kernel_dual_ws) ws, real_srcptr q, long prec)
{
    return num_xreal_get_d(G(kernel_dual_approx_err_x)(ws, q, prec));
}

num_xreal G(kernel_dual_approx_err_x)(GT(kernel_dual_ws) ws, real_srcptr q, long prec)
{
    if (ws->method == KERNEL_DUAL_CLOSED)
        return num_xreal_from_d(0.0);
    if (ws->act == DEQ_ACT_RELU)
        return num_xreal_from_d(INFINITY);
    long N = ws->order;
    long N2 = N - (long)ceil(2.0 * sqrt((double)N));
    if (N2 < 1)
        return num_xreal_from_d(INFINITY); /* too few points to compare */
    /* q > N: the error model exp(−2τ√(N/q)) no longer decays, and σ′(√q x)
     * can vanish at every node of both rules (tanh far out): the difference
     * of the two rules says nothing, the estimate is not available */
    if (re_cmp_si_(q, N) > 0)
        return num_xreal_from_d(INFINITY);
    if (!ws->have_rule2) {
        G(kernel_gh_rule_init)(ws->rule2, N2, prec);
        ws->have_rule2 = 1;
    }
    real_ptr a = ws->tmp + 4, ad = ws->tmp + 5, b = ws->tmp + 6, bd = ws->tmp + 7;
    diag_with(a, ad, q, ws->act, ws->rule, ws->f, ws->g, ws->tmp, prec);
    diag_with(b, bd, q, ws->act, ws->rule2, ws->f, ws->g, ws->tmp, prec);
    re_sub(a, a, b);
    re_sub(ad, ad, bd);
    num_xreal ea = abs_x(a), ed = abs_x(ad);
    if (isnan(ea.man) || isnan(ed.man))
        return num_xreal_from_d(INFINITY);
    return num_xreal_max(ea, ed);
}

/* First-order rounding counts (u = 2^-prec; a libm call in double is taken as
 * 2 ulp = 4u as in deq/activation_info.c, an MPFR call as u; lib = 4 or 1):
 *  relu: c = k/√(q1q2) carries ~3.5u (absolute, |c| <= 1) and |∂F/∂c| <=
 *    √(q1q2)/2; ab + φc with |ab| + |φc| <= 1 + π and ~6 roundings plus atan2
 *    (lib); scaling by s/(2π): relative to √(F11F22) = √(q1q2)/2 about
 *    12 + lib. The series branch (φ < 1: alternating, decreasing terms, each
 *    rounded once) adds ≤ 2u·|sum|. With a factor-2 margin on every term:
 *    32 + 8·lib (measured ≤ 3u in double, ≤ 2u in MPFR: tests/test_kernel.c).
 *  erf: D² = 1 + 2q1 + 2q2 + 4(q1q2 − k²) has relative error <= u(4 + q)
 *    (the fms leaves u·k² absolute); D, atan2, /π, ×2: 2(8 + lib + qmax).
 *  sin: |k| − m carries u·m absolute → relative u·m in e^{|k|−m}; exp, expm1
 *    (2 lib), 3 products: 2(8 + 2lib + qmax).
 *  HERMITE: the coefficients are sums of N/2 terms over an N-step
 *    recurrence, the series a Horner sum of N terms, and |Σ a_r b_r c^r| <=
 *    ‖a‖‖b‖ = √(F11F22) (Cauchy–Schwarz, Parseval). The worst-case count is
 *    O(N²)u, far above what happens: rounding errors of long sums add like a
 *    random walk (Higham, Accuracy and Stability, §3.9), so the count used is
 *    the probabilistic one, 4√N + 16. Measured (double vs MPFR, same rule, all
 *    activations, q ∈ [0.3, 5], c ∈ [−1, 1]): ≤ 11u at N = 64, ≤ 28u at
 *    N = 353, against 48 and 91 here; tests/test_kernel.c re-checks it.
 *  QUAD2D: two nested sums of N positive-weight terms (the same random-walk
 *    count twice), the argument rounding (3u, times L|t| ≲ √q) and σ's own
 *    evaluation error (deq_act_eval_error_factor): 8√N + 32 + that factor.
 * An estimate, not a rigorous bound (the certified quantities of the project
 * do not depend on it; the NNGP stopping rule does). */
double G(kernel_dual_round_factor)(const GT(kernel_dual_ws) ws, double qmax)
{
#ifdef DEQ_MPFR
    const double lib = 1.0;
    const int is_mpfr = 1;
#else
    const double lib = 4.0;
    const int is_mpfr = 0;
#endif
    double N = (double)ws->order;
    switch (ws->method) {
    case KERNEL_DUAL_CLOSED:
        switch (ws->act) {
        case DEQ_ACT_RELU: return 32.0 + 8.0 * lib;
        case DEQ_ACT_ERF: return 2.0 * (8.0 + lib + qmax);
        default: return 2.0 * (8.0 + 2.0 * lib + qmax);
        }
    case KERNEL_DUAL_HERMITE:
        return 4.0 * sqrt(N) + 16.0;
    default:
        return 8.0 * sqrt(N) + 32.0 + deq_act_eval_error_factor(ws->act, is_mpfr);
    }
}
