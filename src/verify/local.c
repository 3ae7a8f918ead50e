/* The local certificate: a verified inclusion of the equilibrium near ẑ
 * (Krawczyk's operator, as INTLAB's verifynlss), and the largest ball around
 * ẑ in which that equilibrium is the only one.
 *
 * F(z) = z − σ(Wz + c). For a box X = ẑ ± ρ (componentwise radii ρ > 0) and
 * any z in X, each row of σ(h(z)) − σ(h(ẑ)) is s_i·(h_i(z) − h_i(ẑ)) with a
 * slope s_i in the range of σ′ over the interval H_i ⊇ h_i(X) (mean value
 * theorem; for relu the difference quotients, [0, 1] when H_i contains 0). So
 * with Y ≈ J(ẑ)⁻¹ and D̂ = σ′(h(ẑ)):
 *
 *   z − Y F(z) − ẑ = −Y F(ẑ) + E (z − ẑ) + Y (S − D̂) W (z − ẑ),
 *   E = I − Y (I − D̂ W),
 *
 * and its modulus is at most k = |Y F(ẑ)| + |E| ρ + |Y| Δ |W| ρ, where
 * Δ_i >= sup |s_i − D̂_i|. If k < ρ componentwise, z ↦ z − Y F(z) maps X into
 * its interior (Brouwer: a fixed point, a zero of F), and every matrix
 * I − Y J̃ with J̃ = I − S W, S in the slope ranges, has ρ-weighted ∞-norm
 * < 1, so Y and every such J̃ are nonsingular: two zeros z₁ ≠ z₂ in X would
 * give J̃ (z₁ − z₂) = 0 for the slopes between them. Hence exactly one
 * equilibrium in X, and it lies in ẑ ± k. For the uniqueness radius, the
 * second half alone on the cube ẑ ± R: (|E| + |Y| Δ(R) |W|)·1 < 1.
 *
 * Every bound is a mag_t (Arb's upper bounds with unbounded exponents): ρ, k
 * and R live at the scale of ẑ, anywhere from 1e-300 to 1e+300 and beyond.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "verify/verify_impl.h"

/* Epsilon inflation (Rump): the next box is the last image grown by 1/8 of
 * itself plus a floor 2^-prec of the problem's scale, so a box with a zero
 * radius (an exact residual) still has an interior. */
enum { INFLATE_SHIFT = 3 };
/* The radius search refines the largest passing radius to within 2^-8 of
 * itself (a 0.4% lower bound is plenty for a radius). */
enum { RADIUS_BISECTIONS = 8 };

void verify_local_init(verify_local_t R)
{
    memset(R, 0, sizeof *R);
    R->err_bound = R->err_bound_inf = R->err_bound_f64 = INFINITY;
    R->local_rate = R->contraction = NAN;
}

void verify_local_clear(verify_local_t R)
{
    (void)R;
}

const char *verify_level_name(verify_level l)
{
    return l == VERIFY_GLOBAL ? "global" : l == VERIFY_LOCAL ? "local" : "none";
}

void verify_injection(arb_mat_t c, const verify_model_t M, const arb_mat_t X, long k, long prec)
{
    for (long i = 0; i < M->m; i++) {
        arb_ptr ci = arb_mat_entry(c, i, 0);
        arb_set_d(ci, M->b->e[i]);
        for (long j = 0; j < M->d; j++) {
            arb_t u;
            arb_init(u);
            arb_set_d(u, M->U->e[i + j * M->m]);
            arb_addmul(ci, u, arb_mat_entry(X, j, k), prec);
            arb_clear(u);
        }
    }
}

/* Everything the box tests need, computed once per input. */
typedef struct {
    long m, prec;
    deq_act act;
    mag_ptr a;          /* |Y F(ẑ)| */
    mag_ptr E;          /* |E|, m×m column-major */
    mag_ptr Y;          /* |Y| */
    mag_ptr Wabs;       /* |W| */
    mag_ptr rowE;       /* |E|·1 */
    mag_ptr rowW;       /* |W|·1 */
    double *Dhat;       /* D̂ */
    arb_ptr h;          /* h(ẑ) = Wẑ + c as balls */
} kraw;

/* Δ_i for the box ẑ ± ρ (g_i = (|W|ρ)_i given); returns the relu kinks. */
static long slope_deviation(mag_ptr delta, const kraw *K, mag_srcptr g)
{
    long kinks = 0;
    arb_t H, ds;
    arb_init(H), arb_init(ds);
    for (long i = 0; i < K->m; i++) {
        arb_set(H, K->h + i);
        arb_add_error_mag(H, g + i);
        kinks += verify_act_deriv_range(ds, H, K->act, K->prec);
        verify_arb_sub_d(ds, ds, K->Dhat[i], K->prec);
        arb_get_mag(delta + i, ds);
    }
    arb_clear(H), arb_clear(ds);
    return kinks;
}

/* k = a + |E|ρ + |Y| Δ |W| ρ and q_i = ((|E| + |Y|Δ|W|)ρ)_i (without a). */
static long krawczyk_image(mag_ptr k, mag_ptr q, const kraw *K, mag_srcptr rho)
{
    long m = K->m;
    mag_ptr g = _mag_vec_init(m), delta = _mag_vec_init(m), t = _mag_vec_init(m);
    for (long i = 0; i < m; i++)
        for (long j = 0; j < m; j++)
            mag_addmul(g + i, K->Wabs + i + j * m, rho + j);
    long kinks = slope_deviation(delta, K, g);
    for (long j = 0; j < m; j++)
        mag_mul(t + j, delta + j, g + j);
    for (long i = 0; i < m; i++) {
        mag_zero(q + i);
        for (long j = 0; j < m; j++) {
            mag_addmul(q + i, K->E + i + j * m, rho + j);
            mag_addmul(q + i, K->Y + i + j * m, t + j);
        }
        mag_add(k + i, K->a + i, q + i);
    }
    _mag_vec_clear(g, m), _mag_vec_clear(delta, m), _mag_vec_clear(t, m);
    return kinks;
}

/* Uniqueness on the cube ẑ ± R: max_i (|E|·1 + |Y| Δ(R) |W|·1)_i < 1. */
static int unique_in_cube(const kraw *K, const arf_t R)
{
    long m = K->m;
    mag_t Rm, s, one;
    mag_init(Rm), mag_init(s), mag_init(one);
    arf_get_mag(Rm, R);
    mag_one(one);
    mag_ptr g = _mag_vec_init(m), delta = _mag_vec_init(m), t = _mag_vec_init(m);
    for (long i = 0; i < m; i++)
        mag_mul(g + i, K->rowW + i, Rm);
    slope_deviation(delta, K, g);
    for (long j = 0; j < m; j++)
        mag_mul(t + j, delta + j, K->rowW + j);
    int ok = 1;
    for (long i = 0; i < m && ok; i++) {
        mag_set(s, K->rowE + i);
        for (long j = 0; j < m; j++)
            mag_addmul(s, K->Y + i + j * m, t + j);
        ok = mag_cmp(s, one) < 0;
    }
    _mag_vec_clear(g, m), _mag_vec_clear(delta, m), _mag_vec_clear(t, m);
    mag_clear(Rm), mag_clear(s), mag_clear(one);
    return ok;
}

static double mag_get_d_down(const mag_t x)
{
    arf_t t;
    arf_init(t);
    arf_set_mag(t, x);
    double r = arf_get_d(t, ARF_RND_FLOOR);
    arf_clear(t);
    return r;
}

/* ‖v‖₂ of the upper bounds v (m of them), rounded up. */
static void mag_norm2(mag_t out, mag_srcptr v, long m)
{
    mag_zero(out);
    for (long i = 0; i < m; i++)
        mag_addmul(out, v + i, v + i);
    mag_sqrt(out, out);
}

/* |ẑ_i − fl64(ẑ_i)| into d (exact differences, as upper bounds). */
static void f64_rounding(mag_ptr d, const arb_mat_t zhat, long m)
{
    arf_t r;
    arf_init(r);
    for (long i = 0; i < m; i++) {
        arf_srcptr z = arb_midref(arb_mat_entry(zhat, i, 0));
        arf_set_d(r, arf_get_d(z, ARF_RND_NEAR));
        arf_sub(r, r, z, ARF_PREC_EXACT, ARF_RND_DOWN);
        arf_get_mag(d + i, r);
    }
    arf_clear(r);
}

/* F(ẑ) as balls, and h(ẑ) = Wẑ + c. */
static void residual_balls(arb_ptr F, arb_ptr h, const verify_model_t M, const arb_mat_t zhat,
                           const arb_mat_t c, long prec)
{
    long m = M->m;
    arb_t w;
    arb_init(w);
    for (long i = 0; i < m; i++) {
        arb_set(h + i, arb_mat_entry(c, i, 0));
        for (long j = 0; j < m; j++) {
            arb_set_d(w, M->W->e[i + j * m]);
            arb_addmul(h + i, w, arb_mat_entry(zhat, j, 0), prec);
        }
        verify_act_arb(F + i, h + i, M->act, prec);
        arb_sub(F + i, arb_mat_entry(zhat, i, 0), F + i, prec);
    }
    arb_clear(w);
}

void verify_local_certify(verify_local_t R, const verify_model_t M, const arb_mat_t zhat,
                          const arb_mat_t c, int want_radius, long prec)
{
    long m = M->m;
    verify_local_init(R);
    kraw K;
    K.m = m, K.prec = prec, K.act = M->act;
    K.h = _arb_vec_init(m);
    arb_ptr F = _arb_vec_init(m);
    residual_balls(F, K.h, M, zhat, c, prec);

    /* D̂, J(ẑ) and Y in double (any Y is valid; a good one makes E small) */
    K.Dhat = deq_malloc(sizeof(double) * (size_t)m);
    double *J = deq_malloc(sizeof(double) * (size_t)(m * m));
    double *Yd = deq_malloc(sizeof(double) * (size_t)(m * m));
    for (long i = 0; i < m; i++)
        K.Dhat[i] = verify_act_deriv_d(arf_get_d(arb_midref(K.h + i), ARF_RND_NEAR), M->act);
    for (long i = 0; i < m; i++)
        for (long j = 0; j < m; j++)
            J[i + j * m] = K.Dhat[i] * M->W->e[i + j * m]; /* D̂W first, for the rate */
    R->local_rate = verify_spectral_radius_d(J, m);
    for (long k = 0; k < m * m; k++)
        J[k] = -J[k];
    for (long i = 0; i < m; i++)
        J[i + i * m] += 1.0;
    int have_y = verify_inverse_d(Yd, J, m) == 0;
    K.a = _mag_vec_init(m), K.E = _mag_vec_init(m * m), K.Y = _mag_vec_init(m * m);
    K.Wabs = _mag_vec_init(m * m), K.rowE = _mag_vec_init(m), K.rowW = _mag_vec_init(m);
    mag_ptr rho = _mag_vec_init(m), kv = _mag_vec_init(m), q = _mag_vec_init(m);
    if (!have_y) {
        R->note = "the Jacobian I - sigma'(h) W is numerically singular at the estimate";
        goto done;
    }
    {
        /* E = I − Y(I − D̂W), at most 64 bits: only its size matters */
        long pe = prec < 64 ? prec : 64;
        arb_mat_t Ya, B, E;
        arb_mat_init(Ya, m, m), arb_mat_init(B, m, m), arb_mat_init(E, m, m);
        arb_t x;
        arb_init(x);
        for (long i = 0; i < m; i++)
            for (long j = 0; j < m; j++) {
                arb_set_d(arb_mat_entry(Ya, i, j), Yd[i + j * m]);
                mag_set_d(K.Y + i + j * m, fabs(Yd[i + j * m]));
                mag_set_d(K.Wabs + i + j * m, fabs(M->W->e[i + j * m]));
                arb_set_d(x, M->W->e[i + j * m]);
                verify_arb_mul_d(x, x, -K.Dhat[i], pe);
                if (i == j)
                    arb_add_ui(x, x, 1, pe);
                arb_set(arb_mat_entry(B, i, j), x);
            }
        arb_mat_mul(E, Ya, B, pe);
        arb_mat_neg(E, E);
        for (long i = 0; i < m; i++)
            arb_add_ui(arb_mat_entry(E, i, i), arb_mat_entry(E, i, i), 1, pe);
        for (long i = 0; i < m; i++)
            for (long j = 0; j < m; j++) {
                arb_get_mag(K.E + i + j * m, arb_mat_entry(E, i, j));
                mag_add(K.rowE + i, K.rowE + i, K.E + i + j * m);
                mag_add(K.rowW + i, K.rowW + i, K.Wabs + i + j * m);
            }
        /* a = |Y F(ẑ)| at the full precision: the residual is tiny */
        for (long i = 0; i < m; i++) {
            arb_zero(x);
            for (long j = 0; j < m; j++)
                arb_addmul(x, arb_mat_entry(Ya, i, j), F + j, prec);
            arb_get_mag(K.a + i, x);
        }
        arb_clear(x);
        arb_mat_clear(Ya), arb_mat_clear(B), arb_mat_clear(E);
    }
    {
        /* the floor: 2^-prec of the problem's scale max(‖ẑ‖∞, ‖c‖∞), or 2^-prec */
        mag_t floor, t, Rm;
        mag_init(floor), mag_init(t), mag_init(Rm);
        for (long i = 0; i < m; i++) {
            arb_get_mag(t, arb_mat_entry(zhat, i, 0));
            mag_max(floor, floor, t);
            arb_get_mag(t, arb_mat_entry(c, i, 0));
            mag_max(floor, floor, t);
        }
        if (mag_is_zero(floor))
            mag_one(floor);
        mag_mul_2exp_si(floor, floor, -prec);
        for (long i = 0; i < m; i++) {
            mag_mul_2exp_si(rho + i, K.a + i, 1);
            mag_add(rho + i, rho + i, floor);
        }
        /* the iteration ρ ← (1 + 1/8)·k + floor converges when the contraction
         * is below 8/9; a precision's worth of steps is enough for any that
         * converges at all (each gains a fixed fraction) */
        long kinks = 0;
        for (long it = 1; it <= prec && !R->inclusion; it++) {
            R->steps = it;
            kinks = krawczyk_image(kv, q, &K, rho);
            int inside = 1;
            for (long i = 0; i < m && inside; i++)
                inside = mag_is_finite(kv + i) && mag_cmp(kv + i, rho + i) < 0;
            if (inside) {
                R->inclusion = 1;
                break;
            }
            int finite = 1;
            for (long i = 0; i < m; i++) {
                mag_mul_2exp_si(t, kv + i, -INFLATE_SHIFT);
                mag_add(rho + i, kv + i, t);
                mag_add(rho + i, rho + i, floor);
                finite = finite && mag_is_finite(rho + i);
            }
            if (!finite)
                break;
        }
        R->kinks = kinks;
        if (!R->inclusion) {
            snprintf(R->note_buf, sizeof R->note_buf,
                     "no verified inclusion: the Krawczyk image did not fit inside its box "
                     "(%ld steps%s)",
                     R->steps, kinks ? ", relu pre-activations change sign in the box" : "");
            R->note = R->note_buf;
            mag_clear(floor), mag_clear(t), mag_clear(Rm);
            goto done;
        }
        if (kinks) {
            snprintf(R->note_buf, sizeof R->note_buf,
                     "%ld relu pre-activation(s) change sign within the inclusion box: their "
                     "slopes are enclosed by [0, 1]",
                     kinks);
            R->note = R->note_buf;
        }
        /* errors: z* in ẑ ± k */
        mag_zero(t);
        for (long i = 0; i < m; i++)
            mag_max(t, t, kv + i);
        R->err_bound_inf = verify_mag_get_d_up(t);
        mag_norm2(t, kv, m);
        R->err_bound = verify_mag_get_d_up(t);
        mag_ptr d = _mag_vec_init(m);
        f64_rounding(d, zhat, m);
        for (long i = 0; i < m; i++)
            mag_add(d + i, d + i, kv + i);
        mag_norm2(t, d, m);
        R->err_bound_f64 = verify_mag_get_d_up(t);
        _mag_vec_clear(d, m);
        /* the contraction: max_i q_i / ρ_i */
        mag_zero(t);
        for (long i = 0; i < m; i++) {
            mag_div(Rm, q + i, rho + i);
            mag_max(t, t, Rm);
        }
        R->contraction = verify_mag_get_d_up(t);
        /* the cube inside the box is a uniqueness ball already */
        mag_set(t, rho + 0);
        for (long i = 1; i < m; i++)
            mag_min(t, t, rho + i);
        R->radius = mag_get_d_down(t);

        if (want_radius) {
            /* exponential search on the exponent of R from the box's largest
             * radius, capped at 2^prec times the scale, then bisection */
            mag_zero(t);
            for (long i = 0; i < m; i++)
                mag_max(t, t, rho + i);
            arf_t lo, hi, mid, cap;
            arf_init(lo), arf_init(hi), arf_init(mid), arf_init(cap);
            arf_set_mag(cap, floor);
            arf_mul_2exp_si(cap, cap, 2 * prec); /* 2^prec × the scale */
            arf_set_mag(mid, t);
            arf_zero(lo);
            arf_pos_inf(hi);
            for (long j = 0;; j = j ? 2 * j : 1) {
                arf_set_mag(mid, t);
                arf_mul_2exp_si(mid, mid, j);
                if (arf_cmp(mid, cap) > 0) {
                    if (unique_in_cube(&K, cap)) {
                        arf_set(lo, cap);
                        R->radius_capped = 1;
                    } else
                        arf_set(hi, cap);
                    break;
                }
                if (!unique_in_cube(&K, mid)) {
                    arf_set(hi, mid);
                    break;
                }
                arf_set(lo, mid);
            }
            if (!R->radius_capped && arf_is_finite(hi)) {
                /* bisect the exponent, then the significand */
                if (!arf_is_zero(lo)) {
                    while (1) {
                        fmpz_t el, eh;
                        fmpz_init(el), fmpz_init(eh);
                        fmpz_set(el, ARF_EXPREF(lo));
                        fmpz_set(eh, ARF_EXPREF(hi));
                        fmpz_sub(eh, eh, el);
                        int gap = fmpz_cmp_ui(eh, 1) > 0;
                        if (gap) {
                            fmpz_fdiv_q_2exp(eh, eh, 1);
                            arf_mul_2exp_fmpz(mid, lo, eh);
                        }
                        fmpz_clear(el), fmpz_clear(eh);
                        if (!gap)
                            break;
                        if (unique_in_cube(&K, mid))
                            arf_set(lo, mid);
                        else
                            arf_set(hi, mid);
                    }
                }
                for (int b = 0; b < RADIUS_BISECTIONS && !arf_is_zero(lo); b++) {
                    arf_add(mid, lo, hi, ARF_PREC_EXACT, ARF_RND_DOWN);
                    arf_mul_2exp_si(mid, mid, -1);
                    if (unique_in_cube(&K, mid))
                        arf_set(lo, mid);
                    else
                        arf_set(hi, mid);
                }
            }
            double rl = arf_get_d(lo, ARF_RND_FLOOR);
            if (rl > R->radius)
                R->radius = rl;
            arf_clear(lo), arf_clear(hi), arf_clear(mid), arf_clear(cap);
        }
        mag_clear(floor), mag_clear(t), mag_clear(Rm);
    }
done:
    _mag_vec_clear(K.a, m), _mag_vec_clear(K.E, m * m), _mag_vec_clear(K.Y, m * m);
    _mag_vec_clear(K.Wabs, m * m), _mag_vec_clear(K.rowE, m), _mag_vec_clear(K.rowW, m);
    _mag_vec_clear(rho, m), _mag_vec_clear(kv, m), _mag_vec_clear(q, m);
    _arb_vec_clear(K.h, m), _arb_vec_clear(F, m);
    free(K.Dhat), free(J), free(Yd);
}

void verify_sample_init(verify_sample_t S)
{
    memset(S, 0, sizeof *S);
    verify_local_init(S->local);
    S->err_bound = S->err_bound_f64 = INFINITY;
    S->output = S->output_err = NAN;
}

void verify_sample_clear(verify_sample_t S)
{
    verify_local_clear(S->local);
}

/* ‖ẑ − z*‖ from a global contraction q < 1 in a weighted ∞-norm with weights
 * w (NULL: the 2-norm): z* = Φ(z*), so ‖ẑ − z*‖ <= ‖F(ẑ)‖ + q‖ẑ − z*‖. The
 * componentwise bounds go into e (m upper bounds) when weighted, else the
 * 2-norm bound into e[0]. */
static int contraction_bound(mag_ptr e, const arb_t q, const arb_mat_t w, arb_srcptr F, long m,
                             long prec)
{
    arb_t s, x, den;
    arb_init(s), arb_init(x), arb_init(den);
    arb_one(den);
    arb_sub(den, den, q, prec);
    int ok = arb_is_positive(den);
    if (ok) {
        arb_zero(s);
        for (long i = 0; i < m; i++) {
            if (w) { /* max |F_i| / w_i */
                arb_div(x, F + i, arb_mat_entry(w, i, 0), prec);
                arb_abs(x, x);
                arb_max(s, s, x, prec);
            } else
                arb_addmul(s, F + i, F + i, prec);
        }
        if (!w)
            arb_sqrt(s, s, prec);
        arb_div(s, s, den, prec);
        if (w)
            for (long i = 0; i < m; i++) {
                arb_mul(x, s, arb_mat_entry(w, i, 0), prec);
                arb_get_mag(e + i, x);
            }
        else
            arb_get_mag(e + 0, s);
        ok = arb_is_finite(s);
    }
    arb_clear(s), arb_clear(x), arb_clear(den);
    return ok;
}

void verify_sample_certify(verify_sample_t S, arb_mat_t zhat, const verify_model_t M,
                           const verify_global_t G, const arb_mat_t X, long k,
                           const verify_solve_opts *opts, long prec)
{
    long m = M->m, p = verify_ball_prec(prec);
    arb_mat_t c;
    arb_mat_init(c, m, 1);
    verify_injection(c, M, X, k, p);
    verify_solve(zhat, &S->solve, M, c, opts, prec);
    verify_local_certify(S->local, M, zhat, c, !G->global, p);
    S->uniqueness = G->global ? VERIFY_GLOBAL : S->local->inclusion ? VERIFY_LOCAL : VERIFY_NONE;
    if (S->local->inclusion) {
        S->certified = 1;
        S->err_bound = S->local->err_bound;
        S->err_bound_f64 = S->local->err_bound_f64;
        S->err_source = "krawczyk";
    } else if (G->banach || G->weighted) {
        arb_ptr F = _arb_vec_init(m), h = _arb_vec_init(m);
        mag_ptr e = _mag_vec_init(m), d = _mag_vec_init(m);
        residual_balls(F, h, M, zhat, c, p);
        int weighted = !G->banach;
        if (contraction_bound(e, weighted ? G->q_weighted : G->q_banach,
                              weighted ? G->weights : NULL, F, m, p)) {
            mag_t t;
            mag_init(t);
            if (weighted)
                mag_norm2(t, e, m);
            else
                mag_set(t, e + 0);
            S->err_bound = verify_mag_get_d_up(t);
            /* + the rounding to float64, by the triangle inequality */
            f64_rounding(d, zhat, m);
            mag_ptr dd = _mag_vec_init(1);
            mag_norm2(dd, d, m);
            mag_add(t, t, dd);
            S->err_bound_f64 = verify_mag_get_d_up(t);
            _mag_vec_clear(dd, 1);
            mag_clear(t);
            S->certified = 1;
            S->err_source = weighted ? "weighted" : "banach";
        }
        _arb_vec_clear(F, m), _arb_vec_clear(h, m);
        _mag_vec_clear(e, m), _mag_vec_clear(d, m);
    }
    if (M->has_v) {
        arb_t f, vi;
        arb_init(f), arb_init(vi);
        mag_t nv, t;
        mag_init(nv), mag_init(t);
        for (long i = 0; i < m; i++) {
            arb_set_d(vi, M->v->e[i]);
            arb_addmul(f, vi, arb_mat_entry(zhat, i, 0), p);
            mag_set_d(t, fabs(M->v->e[i]));
            mag_addmul(nv, t, t);
        }
        mag_sqrt(nv, nv);
        S->output = arf_get_d(arb_midref(f), ARF_RND_NEAR);
        if (S->certified) { /* |vᵀ(ẑ − z*)| <= ‖v‖₂ ‖ẑ − z*‖₂, plus f's own rounding */
            mag_set_d(t, S->err_bound);
            mag_mul(t, t, nv);
            mag_add(t, t, arb_radref(f));
            /* and the rounding of the reported double */
            arf_t r;
            arf_init(r);
            arf_set_d(r, S->output);
            arf_sub(r, r, arb_midref(f), ARF_PREC_EXACT, ARF_RND_DOWN);
            mag_t dm;
            mag_init(dm);
            arf_get_mag(dm, r);
            mag_add(t, t, dm);
            mag_clear(dm);
            arf_clear(r);
            S->output_err = verify_mag_get_d_up(t);
        } else
            S->output_err = INFINITY;
        arb_clear(f), arb_clear(vi);
        mag_clear(nv), mag_clear(t);
    }
    arb_mat_clear(c);
}
