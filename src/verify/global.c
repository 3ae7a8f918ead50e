/* Global well-posedness certificates: each proves, for the model as stored
 * and in exact arithmetic, that z = σ(Wz + c) has exactly one solution for
 * every c (so for every input x and bias b).
 *
 * Floating point (LAPACK, in double, on W scaled by a power of two so that
 * its largest entry is in [1/2, 1)) only proposes the numbers to certify (a
 * norm t, a weight vector w, a shift μ, a diagonal Λ); Arb's balls prove them:
 * arb_mat_cho succeeds only when every symmetric matrix in the ball matrix is
 * positive definite, so a Cholesky of a ball enclosure of t²I − WᵀW proves
 * ‖W‖₂ < t for the exact W.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

#include "verify/verify_impl.h"

/* A double estimate carries 53 bits: halving a margin below 2^-53 of the
 * estimate it came from tests numbers the estimate cannot tell apart. */
enum { EST_BITS = DBL_MANT_DIG };

void verify_global_init(verify_global_t G, long m)
{
    memset(G, 0, sizeof *G);
    arb_init(G->q_banach);
    arb_init(G->q_weighted);
    arb_pos_inf(G->q_banach);
    arb_pos_inf(G->q_weighted);
    arb_mat_init(G->weights, m, 1);
}

void verify_global_clear(verify_global_t G)
{
    arb_clear(G->q_banach);
    arb_clear(G->q_weighted);
    arb_mat_clear(G->weights);
}

/* 1 if A (symmetric in exact arithmetic; its balls contain the exact
 * matrix) is certainly positive definite. */
static int certified_pd(verify_global_t G, const arb_mat_t A, long prec)
{
    arb_mat_t Lc;
    arb_mat_init(Lc, arb_mat_nrows(A), arb_mat_ncols(A));
    int ok = arb_mat_cho(Lc, A, prec);
    arb_mat_clear(Lc);
    G->cholesky_attempts++;
    return ok;
}

/* ‖W‖₂ < t ⇔ t²I − WᵀW ≻ 0, tried at t = s(1 + δ) for the estimate s,
 * δ from m·2^-52 (the estimate's rounding) doubling up to 1. Writes the
 * proven bound (of the scaled Ws) into up, or +inf. */
static void banach(verify_global_t G, arb_t up, const arb_mat_t Ws, double s, long m, long prec)
{
    arb_mat_t WtW, T;
    arb_mat_init(WtW, m, m), arb_mat_init(T, m, m);
    arb_mat_t Wt;
    arb_mat_init(Wt, m, m);
    arb_mat_transpose(Wt, Ws);
    arb_mat_mul(WtW, Wt, Ws, prec);
    arb_pos_inf(up);
    if (s == 0.0 && arb_mat_is_zero(Ws)) {
        arb_zero(up);
        goto done;
    }
    if (isfinite(s) && s > 0)
        for (double delta = (double)m * DBL_EPSILON; delta <= 1.0; delta *= 2.0) {
            arb_t t2;
            arb_init(t2);
            arb_set_d(t2, s * (1.0 + delta)); /* any t will do: it is what is proven */
            arb_t t;
            arb_init(t);
            arb_set(t, t2);
            arb_sqr(t2, t2, prec);
            arb_mat_neg(T, WtW);
            for (long i = 0; i < m; i++)
                arb_add(arb_mat_entry(T, i, i), arb_mat_entry(T, i, i), t2, prec);
            int ok = certified_pd(G, T, prec);
            if (ok)
                arb_set(up, t);
            arb_clear(t2), arb_clear(t);
            if (ok) {
                G->norm2_method_cholesky = 1;
                goto done;
            }
        }
    /* fall back on ‖W‖₂ <= ‖W‖_F, in balls */
    arb_zero(up);
    for (long i = 0; i < m; i++)
        for (long j = 0; j < m; j++)
            arb_addmul(up, arb_mat_entry(Ws, i, j), arb_mat_entry(Ws, i, j), prec);
    arb_sqrt(up, up, prec);
    arb_set_round(up, up, prec);
done:
    arb_mat_clear(WtW), arb_mat_clear(T), arb_mat_clear(Wt);
}

/* Collatz–Wielandt: for w > 0, ρ(|W|) <= max_i (|W|w)_i / w_i. Bound into
 * rho (ball; its upper end is the bound), or +inf when w is not positive. */
static void collatz_wielandt(arb_t rho, const arb_mat_t Aabs, const arb_mat_t w, long prec)
{
    long m = arb_mat_nrows(Aabs);
    arb_mat_t r;
    arb_mat_init(r, m, 1);
    arb_mat_mul(r, Aabs, w, prec);
    arb_zero(rho);
    arb_t q;
    arb_init(q);
    for (long i = 0; i < m; i++) {
        if (!arb_is_positive(arb_mat_entry(w, i, 0))) {
            arb_pos_inf(rho);
            break;
        }
        arb_div(q, arb_mat_entry(r, i, 0), arb_mat_entry(w, i, 0), prec);
        arf_t u;
        arf_init(u);
        arb_get_ubound_arf(u, q, prec);
        if (i == 0 || arf_cmp(u, arb_midref(rho)) > 0)
            arb_set_arf(rho, u);
        arf_clear(u);
    }
    arb_clear(q);
    arb_mat_clear(r);
}

/* w = (λI − A)⁻¹·1 (approximately, midpoints; A = |Ws| or its transpose),
 * positive when λ > ρ(A) in exact arithmetic (the Neumann series
 * Σ Aᵏ/λᵏ⁺¹ has only nonnegative terms and the first is I/λ); entries that
 * rounding left nonpositive get the floor 2^-prec·max w, which keeps w > 0.
 * Returns 0, or -1 when the solve fails. */
static int neumann_vector(arb_mat_t w, const arb_mat_t A, double lambda, long prec)
{
    long m = arb_mat_nrows(A);
    arb_mat_t B, one;
    arb_mat_init(B, m, m), arb_mat_init(one, m, 1);
    arb_mat_neg(B, A);
    arb_t l;
    arb_init(l);
    arb_set_d(l, lambda);
    for (long i = 0; i < m; i++) {
        arb_add(arb_mat_entry(B, i, i), arb_mat_entry(B, i, i), l, prec);
        arb_one(arb_mat_entry(one, i, 0));
    }
    int ok = arb_mat_approx_solve(w, B, one, prec);
    arf_t mx;
    arf_init(mx);
    for (long i = 0; ok && i < m; i++) {
        arf_srcptr x = arb_midref(arb_mat_entry(w, i, 0));
        if (!arf_is_finite(x))
            ok = 0;
        else if (arf_cmp(x, mx) > 0)
            arf_set(mx, x);
    }
    if (ok && arf_sgn(mx) <= 0)
        ok = 0;
    if (ok) {
        arf_mul_2exp_si(mx, mx, -prec);
        for (long i = 0; i < m; i++) {
            arb_ptr x = arb_mat_entry(w, i, 0);
            mag_zero(arb_radref(x));
            if (arf_cmp(arb_midref(x), mx) < 0)
                arf_set(arb_midref(x), mx);
        }
    }
    arf_clear(mx);
    arb_clear(l);
    arb_mat_clear(B), arb_mat_clear(one);
    return ok ? 0 : -1;
}

/* 2Λ − L(ΛW + WᵀΛ) ≻ 0 for the diagonal lam (m×1, positive). */
static int diagonal_certify(verify_global_t G, const arb_mat_t Wa, const arb_mat_t lam,
                            const arb_t L, long prec)
{
    long m = arb_mat_nrows(Wa);
    arb_mat_t T;
    arb_mat_init(T, m, m);
    arb_t x;
    arb_init(x);
    for (long i = 0; i < m; i++)
        for (long j = 0; j < m; j++) {
            /* −L(λ_i W_ij + W_ji λ_j) */
            arb_mul(x, arb_mat_entry(lam, i, 0), arb_mat_entry(Wa, i, j), prec);
            arb_addmul(x, arb_mat_entry(Wa, j, i), arb_mat_entry(lam, j, 0), prec);
            arb_mul(x, x, L, prec);
            arb_neg(arb_mat_entry(T, i, j), x);
            if (i == j) {
                arb_mul_2exp_si(x, arb_mat_entry(lam, i, 0), 1);
                arb_add(arb_mat_entry(T, i, j), arb_mat_entry(T, i, j), x, prec);
            }
        }
    int ok = certified_pd(G, T, prec);
    arb_clear(x);
    arb_mat_clear(T);
    return ok;
}

/* Λ_i = y_i / w_i from right and left vectors with (λI − |W|)w > 0 and
 * yᵀ(λI − |W|) > 0: the classical diagonal of an M-matrix's Lyapunov
 * stability, and 2Λ − ΛW − WᵀΛ ⪰ the same with |W| (|vᵀΛWv| <= |v|ᵀΛ|W||v|). */
static int diagonal_perron(verify_global_t G, const arb_mat_t Wa, const arb_mat_t w,
                           const arb_mat_t y, const arb_t L, long prec)
{
    long m = arb_mat_nrows(Wa);
    arb_mat_t lam;
    arb_mat_init(lam, m, 1);
    arf_t mx;
    arf_init(mx);
    for (long i = 0; i < m; i++) {
        arb_ptr li = arb_mat_entry(lam, i, 0);
        /* a ratio rounded to nearest: Λ only needs to be positive and exact */
        arf_div(arb_midref(li), arb_midref(arb_mat_entry(y, i, 0)),
                arb_midref(arb_mat_entry(w, i, 0)), prec, ARF_RND_NEAR);
        if (arf_cmp(arb_midref(li), mx) > 0)
            arf_set(mx, arb_midref(li));
    }
    int ok = arf_sgn(mx) > 0;
    for (long i = 0; ok && i < m; i++) { /* normalized: max Λ_i = 1 */
        arb_ptr li = arb_mat_entry(lam, i, 0);
        arf_div(arb_midref(li), arb_midref(li), mx, prec, ARF_RND_NEAR);
        if (arf_sgn(arb_midref(li)) <= 0)
            ok = 0;
    }
    if (ok)
        ok = diagonal_certify(G, Wa, lam, L, prec);
    arf_clear(mx);
    arb_mat_clear(lam);
    return ok;
}

void verify_global_certify(verify_global_t G, const verify_model_t M, long prec)
{
    long m = M->m, p = verify_ball_prec(prec);
    arb_t L, one, q, x;
    arb_init(L), arb_init(one), arb_init(q), arb_init(x);
    arb_one(one);
    verify_act_lipschitz(L, M->act, p);
    G->lipschitz = verify_arb_get_d_up(L);

    /* W scaled by 2^-e, exactly, so that max |W_ij| is in [1/2, 1) */
    double amax = 0.0;
    for (long k = 0; k < m * m; k++)
        amax = fmax(amax, fabs(M->W->e[k]));
    int e = 0;
    if (amax > 0)
        frexp(amax, &e);
    double *Ws = deq_malloc(sizeof(double) * (size_t)(m * m));
    double *Aabs = deq_malloc(sizeof(double) * (size_t)(m * m));
    for (long k = 0; k < m * m; k++) {
        Ws[k] = ldexp(M->W->e[k], -e);
        Aabs[k] = fabs(Ws[k]);
    }
    arb_mat_t Wa, Wsa, Aabsa;
    arb_mat_init(Wa, m, m), arb_mat_init(Wsa, m, m), arb_mat_init(Aabsa, m, m);
    verify_arb_mat_set_d(Wa, M->W);
    for (long i = 0; i < m; i++)
        for (long j = 0; j < m; j++) {
            arb_set_d(arb_mat_entry(Wsa, i, j), Ws[i + j * m]);
            arb_set_d(arb_mat_entry(Aabsa, i, j), Aabs[i + j * m]);
        }

    /* --- Banach: L·‖W‖₂ < 1 --- */
    {
        double *a = deq_malloc(sizeof(double) * (size_t)(m * m));
        double *sv = deq_malloc(sizeof(double) * (size_t)m);
        double *superb = deq_malloc(sizeof(double) * (size_t)(m > 1 ? m : 2));
        memcpy(a, Ws, sizeof(double) * (size_t)(m * m));
        lapack_int info = LAPACKE_dgesvd(LAPACK_COL_MAJOR, 'N', 'N', m, m, a, m, sv, NULL, 1,
                                         NULL, 1, superb);
        double s = info == 0 ? sv[0] : NAN;
        free(a), free(sv), free(superb);
        G->norm2_estimate = ldexp(s, e);
        arb_t up;
        arb_init(up);
        banach(G, up, Wsa, s, m, p);
        arb_mul_2exp_si(up, up, e);
        G->norm2_upper = verify_arb_get_d_up(up);
        arb_mul(G->q_banach, L, up, p);
        G->banach_q = verify_arb_get_d_up(G->q_banach);
        G->banach = arb_lt(G->q_banach, one);
        arb_clear(up);
    }

    /* --- weighted ∞-norm: L·ρ(|W|) < 1 by Collatz–Wielandt --- */
    arb_mat_t w, y, wbest, ybest;
    arb_mat_init(w, m, 1), arb_mat_init(y, m, 1), arb_mat_init(wbest, m, 1),
        arb_mat_init(ybest, m, 1);
    int have_vectors = 0;
    {
        double rho_s = verify_spectral_radius_d(Aabs, m);
        G->rho_estimate = ldexp(rho_s, e);
        /* target in scaled units: ρ(|Ws|) < 2^-e / L */
        double target = ldexp(1.0 / G->lipschitz, -e);
        double cand[2];
        int nc = 0;
        /* tight: just above the estimate, by √u (dgeev's Perron root is
         * accurate to about u·cond; √u leaves room for both) */
        if (isfinite(rho_s) && rho_s > 0)
            cand[nc++] = rho_s * (1.0 + sqrt(DBL_EPSILON));
        /* with room: halfway to what the certificate needs */
        if (isfinite(rho_s) ? rho_s < target : 1)
            cand[nc++] = 0.5 * ((isfinite(rho_s) ? rho_s : 0.0) + target);
        arb_t best, rho;
        arb_init(best), arb_init(rho);
        arb_pos_inf(best);
        arb_mat_t At;
        arb_mat_init(At, m, m);
        arb_mat_transpose(At, Aabsa);
        for (int k = 0; k < nc; k++) {
            if (neumann_vector(w, Aabsa, cand[k], p) != 0)
                continue;
            collatz_wielandt(rho, Aabsa, w, p);
            if (!arb_is_finite(rho))
                continue;
            int have_y = neumann_vector(y, At, cand[k], p) == 0;
            if (!arb_is_finite(best) || arf_cmp(arb_midref(rho), arb_midref(best)) < 0) {
                arb_set(best, rho);
                arb_mat_set(wbest, w);
                have_vectors = have_y;
                if (have_y)
                    arb_mat_set(ybest, y);
            }
            /* the diagonal certificate may succeed with either candidate */
            if (have_y && verify_act_monotone(M->act) && !G->diagonal_perron) {
                G->diagonal_perron_tried = 1;
                G->diagonal_perron = diagonal_perron(G, Wa, w, y, L, p);
            }
        }
        arb_mul_2exp_si(best, best, e);
        G->rho_upper = verify_arb_get_d_up(best);
        arb_mul(G->q_weighted, L, best, p);
        G->weighted_q = verify_arb_get_d_up(G->q_weighted);
        G->weighted = arb_lt(G->q_weighted, one);
        if (G->weighted)
            arb_mat_set(G->weights, wbest);
        arb_clear(best), arb_clear(rho);
        arb_mat_clear(At);
    }

    /* --- monotone: sym(I − L·W) ⪰ μI, μ > 0 --- */
    G->monotone_applicable = G->diagonal_applicable = verify_act_monotone(M->act);
    if (G->monotone_applicable) {
        arb_mat_t S;
        arb_mat_init(S, m, m);
        double *sd = deq_malloc(sizeof(double) * (size_t)(m * m));
        double *ev = deq_malloc(sizeof(double) * (size_t)m);
        for (long i = 0; i < m; i++)
            for (long j = 0; j < m; j++) {
                arb_ptr t = arb_mat_entry(S, i, j);
                arb_add(t, arb_mat_entry(Wa, i, j), arb_mat_entry(Wa, j, i), p);
                arb_mul_2exp_si(t, t, -1);
                arb_mul(t, t, L, p);
                arb_neg(t, t);
                if (i == j)
                    arb_add_ui(t, t, 1, p);
                sd[i + j * m] = (i == j ? 1.0 : 0.0) -
                                G->lipschitz * 0.5 * (M->W->e[i + j * m] + M->W->e[j + i * m]);
            }
        lapack_int info = LAPACKE_dsyev(LAPACK_COL_MAJOR, 'N', 'U', m, sd, m, ev);
        G->mu_estimate = info == 0 ? ev[0] : NAN;
        free(sd), free(ev);
        if (isfinite(G->mu_estimate) && G->mu_estimate > 0) {
            arb_mat_t T;
            arb_mat_init(T, m, m);
            double mu = 0.5 * G->mu_estimate;
            for (int k = 0; k < EST_BITS && !G->monotone; k++, mu *= 0.5) {
                arb_mat_set(T, S);
                for (long i = 0; i < m; i++)
                    verify_arb_sub_d(arb_mat_entry(T, i, i), arb_mat_entry(T, i, i), mu, p);
                if (certified_pd(G, T, p)) {
                    G->monotone = 1;
                    G->mu_lower = mu;
                }
            }
            arb_mat_clear(T);
        }
        arb_mat_clear(S);
    }

    /* --- diagonally weighted: the file's Λ, then the Perron one --- */
    if (G->diagonal_applicable && M->has_lambda) {
        arb_mat_t lam;
        arb_mat_init(lam, m, 1);
        verify_arb_mat_set_d(lam, M->lambda);
        G->diagonal_file_tried = 1;
        G->diagonal_file = diagonal_certify(G, Wa, lam, L, p);
        arb_mat_clear(lam);
    }
    if (G->diagonal_applicable && have_vectors && !G->diagonal_perron) {
        G->diagonal_perron_tried = 1;
        G->diagonal_perron = diagonal_perron(G, Wa, wbest, ybest, L, p);
    }
    G->diagonal = G->diagonal_file || G->diagonal_perron;
    G->global = G->banach || G->weighted || G->monotone || G->diagonal;

    free(Ws), free(Aabs);
    arb_mat_clear(Wa), arb_mat_clear(Wsa), arb_mat_clear(Aabsa);
    arb_mat_clear(w), arb_mat_clear(y), arb_mat_clear(wbest), arb_mat_clear(ybest);
    arb_clear(L), arb_clear(one), arb_clear(q), arb_clear(x);
}
