/* The papers' models, written once for both backends (see deq/paper_model.h). */
#include "num/generic.h"

#include <math.h>

#include "deq/paper_model.h"
#include "deq/problem.h"

void G(deq_paper_init)(GT(deq_paper) P, deq_paper_kind kind, long m, long d, const char *gamma,
                       long prec)
{
    P->kind = kind;
    P->m = m;
    P->d = d;
    for (int k = 0; k < DEQ_PAPER_SLOTS; k++) {
        long r, c;
        deq_paper_tensor_shape(&r, &c, kind, k, m, d);
        G(mat_init)(P->w[k], r, c, prec);
    }
    re_init(P->scale_T, prec);
    re_init(P->inv_sqrt_m, prec);
    real_t sq;
    re_init(sq, prec);
    re_set_si(sq, m);
    re_sqrt(sq, sq);
    re_set_si(P->inv_sqrt_m, 1);
    re_div(P->inv_sqrt_m, P->inv_sqrt_m, sq);
    if (kind == DEQ_PAPER_GAO2021) {
        G(deq_set_decimal)(P->scale_T, gamma);
        re_div(P->scale_T, P->scale_T, sq); /* γ̃ = γ/√m (gao2021, Eq. 3) */
    } else {
        re_set_si(P->scale_T, 1); /* ling2022: no γ, the scale is in W's variance */
    }
    re_clear(sq);
}

void G(deq_paper_clear)(GT(deq_paper) P)
{
    for (int k = 0; k < DEQ_PAPER_SLOTS; k++)
        G(mat_clear)(P->w[k]);
    re_clear(P->scale_T);
    re_clear(P->inv_sqrt_m);
}

void G(deq_paper_set_d)(GT(deq_paper) P, mat_d_t T[DEQ_PAPER_SLOTS])
{
    for (int k = 0; k < DEQ_PAPER_SLOTS; k++)
        if (P->w[k]->rows > 0)
            G(mat_set_mat_d)(P->w[k], T[k]);
}

void G(deq_paper_get_d)(mat_d_t T[DEQ_PAPER_SLOTS], const GT(deq_paper) P)
{
    for (int k = 0; k < DEQ_PAPER_SLOTS; k++)
        if (P->w[k]->rows > 0)
            G(mat_get_mat_d)(T[k], P->w[k]);
}

void G(deq_paper_state_init)(GT(deq_paper_state) S, const GT(deq_paper) P, long n, long prec)
{
    long m = P->m;
    S->n = n;
    G(mat_init)(S->pre, P->kind == DEQ_PAPER_GAO2021 ? m : 0, P->kind == DEQ_PAPER_GAO2021 ? n : 0,
                prec);
    G(mat_init)(S->inj, m, n, prec);
    G(mat_init)(S->Z, m, n, prec);
    G(mat_init)(S->H, m, n, prec);
    G(mat_init)(S->yhat, n, 1, prec);
    G(mat_init)(S->r, n, 1, prec);
    G(mat_init)(S->Gad, m, n, prec);
    S->have_Z = 0;
    S->fwd_iters = S->adj_iters = 0;
    S->rho_upper = S->rho_estimate = S->fwd_bound = NAN;
}

void G(deq_paper_state_clear)(GT(deq_paper_state) S)
{
    G(mat_clear)(S->pre), G(mat_clear)(S->inj), G(mat_clear)(S->Z), G(mat_clear)(S->H);
    G(mat_clear)(S->yhat), G(mat_clear)(S->r), G(mat_clear)(S->Gad);
}

/* D's diagonal: σ'(h) for ReLU with the paper's convention at 0 (gao2021 does
 * not fix it: 0, as PyTorch; ling2022, Section 2.1: ϕ'(x) = I{x ≥ 0}). */
static int relu_prime(real_srcptr h, deq_paper_kind kind)
{
    int s = re_sgn(h);
    return kind == DEQ_PAPER_LING2022 ? s >= 0 : s > 0;
}

/* Picard on Y ← F(Y) for a map with Lipschitz constant ρ̄ (certified) until
 * max_i ‖y_i^{k+1} − y_i^k‖ <= tol. The tolerance is the rounding level of
 * one application: an entry of B y + b carries up to (m + 2)·u·(|B||y| + |b|)
 * of rounding (the classical GEMM bound γ_{m+2}), so increments below
 * (m + 2)·u·(ρ̄·max‖y‖ + max‖b‖) are noise. The budget is twice the number of
 * contractions that take an O(1) start to that level, log(u/(m+2))/log ρ̄,
 * plus one; without a certified ρ̄ < 1 it is 64·prec steps. */
static long picard_budget(double rho, long m, long prec)
{
    if (!(rho < 1.0))
        return 64 * prec;
    double need = log(re_unit_roundoff(prec) / (double)(m + 2)) / log(rho);
    return 2 * (long)ceil(need) + 1;
}

/* Y = ReLU(B Y + b) (adj = 0) or Y = u1ᵀ + Bᵀ(D ⊙ Y) (adj = 1), B = s·T. */
static void apply(mat_t out, const GT(deq_paper) P, const GT(deq_paper_state) S, const mat_t Y,
                  int adj, mat_t work, long prec)
{
    long m = P->m, n = S->n;
    real_t zero;
    re_init(zero, prec);
    re_set_zero(zero);
    if (!adj) {
        G(mat_set)(out, S->inj);
        real_t one;
        re_init(one, prec);
        re_set_si(one, 1);
        G(mat_gemm)(out, P->scale_T, MAT_NOTRANS, P->w[DEQ_PAPER_T], MAT_NOTRANS, Y, one, prec);
        for (long j = 0; j < n; j++)
            for (long i = 0; i < m; i++) {
                real_ptr e = mat_entry(out, i, j);
                if (re_sgn(e) < 0)
                    re_set_zero(e);
            }
        re_clear(one);
    } else {
        for (long j = 0; j < n; j++)
            for (long i = 0; i < m; i++) {
                if (relu_prime(mat_entry(S->H, i, j), P->kind))
                    re_set(mat_entry(work, i, j), mat_entry(Y, i, j));
                else
                    re_set_zero(mat_entry(work, i, j));
            }
        G(mat_gemm)(out, P->scale_T, MAT_TRANS, P->w[DEQ_PAPER_T], MAT_NOTRANS, work, zero, prec);
        for (long j = 0; j < n; j++)
            for (long i = 0; i < m; i++)
                re_add(mat_entry(out, i, j), mat_entry(out, i, j), mat_entry(P->w[DEQ_PAPER_U], i, 0));
    }
    re_clear(zero);
}

/* Runs Picard from Y; returns iterations (negative when the budget ran out)
 * and the last increment in *last. */
static long picard(mat_t Y, double *last, const GT(deq_paper) P, const GT(deq_paper_state) S,
                   int adj, double rho, double bnorm, long prec)
{
    long m = P->m, n = S->n;
    mat_t next, work;
    G(mat_init)(next, m, n, prec);
    G(mat_init)(work, m, n, prec);
    double tol = (double)(m + 2) * re_unit_roundoff(prec);
    long budget = picard_budget(rho, m, prec), k;
    *last = INFINITY;
    for (k = 1; k <= budget; k++) {
        apply(next, P, S, Y, adj, work, prec);
        *last = G(mat_max_col_dist)(next, Y, prec);
        double scale = (rho < 1.0 ? rho : 1.0) * G(mat_max_col_norm)(next, prec) + bnorm;
        G(mat_swap)(Y, next);
        if (!isfinite(*last))
            break;
        if (*last <= tol * scale)
            break;
    }
    G(mat_clear)(next), G(mat_clear)(work);
    return k <= budget && isfinite(*last) ? k : -k;
}

int G(deq_paper_forward)(real_ptr loss, GT(deq_paper_state) S, const GT(deq_paper) P,
                                const mat_t X, const mat_t y, long prec)
{
    long m = P->m, n = S->n;
    real_t zero, one;
    re_init(zero, prec), re_init(one, prec);
    re_set_zero(zero);
    re_set_si(one, 1);
    /* injections: gao2021 φ_i = ReLU(W x_i)/√m (Eq. 2); ling2022 U x_i */
    if (P->kind == DEQ_PAPER_GAO2021) {
        G(mat_gemm)(S->pre, one, MAT_NOTRANS, P->w[DEQ_PAPER_IN], MAT_NOTRANS, X, zero, prec);
        for (long j = 0; j < n; j++)
            for (long i = 0; i < m; i++) {
                real_ptr e = mat_entry(S->inj, i, j);
                real_srcptr p = mat_entry(S->pre, i, j);
                if (re_sgn(p) > 0)
                    re_mul(e, p, P->inv_sqrt_m);
                else
                    re_set_zero(e);
            }
    } else {
        G(mat_gemm)(S->inj, one, MAT_NOTRANS, P->w[DEQ_PAPER_IN], MAT_NOTRANS, X, zero, prec);
    }
    /* ρ̄ = ‖B‖₂⁺ bounds the Lipschitz constant of z ↦ ReLU(Bz + b) */
    num_norm2_t nb;
    G(num_norm2_upper)(nb, P->w[DEQ_PAPER_T], prec);
    double s = re_get_d(P->scale_T);
    /* s is γ/√m rounded; one more ulp of s keeps the product an upper bound */
    S->rho_upper = nb->upper * s * (1.0 + 2.0 * re_unit_roundoff(53));
    S->rho_estimate = nb->estimate * s;
    if (!S->have_Z)
        G(mat_zero)(S->Z); /* z^0 = 0 as both papers start the iteration */
    double last, bnorm = G(mat_max_col_norm)(S->inj, prec);
    long it = picard(S->Z, &last, P, S, 0, S->rho_upper, bnorm, prec);
    S->have_Z = 1;
    S->fwd_iters = labs(it);
    S->fwd_bound = S->rho_upper < 1.0 ? last * S->rho_upper / (1.0 - S->rho_upper) : INFINITY;
    /* H = B Z + b at the equilibrium, for D */
    G(mat_set)(S->H, S->inj);
    G(mat_gemm)(S->H, P->scale_T, MAT_NOTRANS, P->w[DEQ_PAPER_T], MAT_NOTRANS, S->Z, one, prec);
    /* ŷ = Zᵀu (+ Φᵀv for gao2021's skip output, Eq. 4) */
    G(mat_gemv)(S->yhat, one, MAT_TRANS, S->Z, P->w[DEQ_PAPER_U], zero, prec);
    if (P->kind == DEQ_PAPER_GAO2021)
        G(mat_gemv)(S->yhat, one, MAT_TRANS, S->inj, P->w[DEQ_PAPER_V], one, prec);
    re_set_zero(loss);
    for (long i = 0; i < n; i++) {
        real_ptr ri = mat_entry(S->r, i, 0);
        re_sub(ri, mat_entry(S->yhat, i, 0), mat_entry(y, i, 0));
        re_fma(loss, ri, ri, loss);
    }
    re_mul_2si(loss, loss, -1); /* L = ½‖ŷ − y‖², no 1/n (gao2021 Eq. 5; ling2022 §2.1) */
    re_clear(zero), re_clear(one);
    return it > 0;
}

int G(deq_paper_grad)(GT(deq_paper) grad, GT(deq_paper_state) S, const GT(deq_paper) P,
                             const mat_t X, long prec)
{
    long m = P->m, n = S->n;
    real_t zero, one;
    re_init(zero, prec), re_init(one, prec);
    re_set_zero(zero);
    re_set_si(one, 1);
    /* adjoint w_i = u + Bᵀ D_i w_i, i.e. (I − D_i B)ᵀ w_i = u, by Picard: the
     * same contraction ρ̄ since ‖Bᵀ D_i‖ <= ‖B‖ */
    mat_t Wa;
    G(mat_init)(Wa, m, n, prec);
    for (long j = 0; j < n; j++)
        for (long i = 0; i < m; i++)
            re_set(mat_entry(Wa, i, j), mat_entry(P->w[DEQ_PAPER_U], i, 0));
    double last;
    long it = picard(Wa, &last, P, S, 1, S->rho_upper,
                     G(mat_col_norm2)(P->w[DEQ_PAPER_U], 0, prec), prec);
    S->adj_iters = labs(it);
    /* g_i = D_i w_i: dŷ_i = g_iᵀ(dB z_i + db_i); stored scaled by r_i */
    mat_t Gr;
    G(mat_init)(Gr, m, n, prec);
    for (long j = 0; j < n; j++)
        for (long i = 0; i < m; i++) {
            real_ptr g = mat_entry(S->Gad, i, j);
            if (relu_prime(mat_entry(S->H, i, j), P->kind))
                re_set(g, mat_entry(Wa, i, j));
            else
                re_set_zero(g);
            re_mul(mat_entry(Gr, i, j), g, mat_entry(S->r, j, 0));
        }
    /* ∇_T = s·Σ r_i g_i z_iᵀ (gao2021 Eq. 11 with s = γ̃; ling2022 Eq. 3, s = 1) */
    G(mat_gemm)(grad->w[DEQ_PAPER_T], P->scale_T, MAT_NOTRANS, Gr, MAT_TRANS, S->Z, zero, prec);
    /* ∇_u = Σ r_i z_i (gao2021 Eq. 10; ling2022's ∇_a) */
    G(mat_gemv)(grad->w[DEQ_PAPER_U], one, MAT_NOTRANS, S->Z, S->r, zero, prec);
    if (P->kind == DEQ_PAPER_GAO2021) {
        /* ∇_v = Σ r_i φ_i; ∇_W = (1/√m) Σ r_i E_i (g_i + v) x_iᵀ (Eq. 12):
         * ŷ_i depends on φ_i through the equilibrium (g_i) and the skip (v) */
        G(mat_gemv)(grad->w[DEQ_PAPER_V], one, MAT_NOTRANS, S->inj, S->r, zero, prec);
        for (long j = 0; j < n; j++)
            for (long i = 0; i < m; i++) {
                real_ptr e = mat_entry(Gr, i, j);
                if (re_sgn(mat_entry(S->pre, i, j)) > 0) {
                    re_add(e, mat_entry(S->Gad, i, j), mat_entry(P->w[DEQ_PAPER_V], i, 0));
                    re_mul(e, e, mat_entry(S->r, j, 0));
                } else {
                    re_set_zero(e);
                }
            }
        G(mat_gemm)(grad->w[DEQ_PAPER_IN], P->inv_sqrt_m, MAT_NOTRANS, Gr, MAT_TRANS, X, zero, prec);
    } else {
        /* ∇_U = Σ r_i g_i x_iᵀ (ling2022 Eq. 3) */
        G(mat_gemm)(grad->w[DEQ_PAPER_IN], one, MAT_NOTRANS, Gr, MAT_TRANS, X, zero, prec);
    }
    G(mat_clear)(Wa), G(mat_clear)(Gr);
    re_clear(zero), re_clear(one);
    return it > 0;
}

void G(deq_paper_gram)(mat_d_t Gm, const GT(deq_paper_state) S, const GT(deq_paper) P, long prec)
{
    long n = S->n;
    const mat_struct *F = P->kind == DEQ_PAPER_GAO2021 ? S->inj : S->Z;
    mat_t Gw;
    G(mat_init)(Gw, n, n, prec);
    real_t zero, one;
    re_init(zero, prec), re_init(one, prec);
    re_set_zero(zero);
    re_set_si(one, 1);
    G(mat_gemm)(Gw, one, MAT_TRANS, F, MAT_NOTRANS, F, zero, prec);
    G(mat_get_mat_d)(Gm, Gw);
    /* symmetric exactly as stored: the two triangles of a GEMM may differ in the last bit */
    for (long j = 0; j < n; j++)
        for (long i = j + 1; i < n; i++)
            Gm->e[j + i * n] = Gm->e[i + j * n];
    G(mat_clear)(Gw);
    re_clear(zero), re_clear(one);
}
