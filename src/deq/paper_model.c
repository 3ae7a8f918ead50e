/* The papers' models, written once for both backends (see deq/paper_model.h). */
#include "num/generic.h"

#include <math.h>

#include "deq/paper_model.h"
#include "deq/forward.h"
#include "deq/problem.h"
#include "num/bound.h"

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
    G(mat_init)(S->D, m, n, prec);
    G(mat_init)(S->Wadj, m, n, prec);
    S->have_Z = S->have_W = 0;
    S->fwd_iters = S->adj_iters = 0;
    S->rho_upper = S->rho_estimate = S->fwd_bound = NAN;
    G(deq_solve_ws_init)(S->ws);
    S->solver = DEQ_SOLVER_ANDERSON;
    S->solver_auto = 0;
}

void G(deq_paper_state_clear)(GT(deq_paper_state) S)
{
    G(mat_clear)(S->pre), G(mat_clear)(S->inj), G(mat_clear)(S->Z), G(mat_clear)(S->H);
    G(mat_clear)(S->yhat), G(mat_clear)(S->r), G(mat_clear)(S->Gad);
    G(mat_clear)(S->D), G(mat_clear)(S->Wadj);
    G(deq_solve_ws_clear)(S->ws);
}

/* D's diagonal: σ'(h) for ReLU with the paper's convention at 0 (gao2021 does
 * not fix it: 0, as PyTorch; ling2022, Section 2.1: ϕ'(x) = I{x ≥ 0}). */
static int relu_prime(real_srcptr h, deq_paper_kind kind)
{
    int s = re_sgn(h);
    return kind == DEQ_PAPER_LING2022 ? s >= 0 : s > 0;
}

/* The solver options: the state's solver (Anderson unless the trainer chose
 * Picard), to the derived tolerance 2·√m·u, with Newton polishing in MPFR as
 * `deqcheck train` does. */
static void paper_solve_opts(deq_solve_opts *o, deq_solver solver)
{
    deq_solve_opts_default(o);
    o->solver = solver;
#ifdef DEQ_MPFR
    o->newton = 1;
#else
    o->newton = 0;
#endif
}

/* The fixed-point problem z = ReLU(B z + b) in the solvers' terms (deq/forward.h):
 * A = T, α = s (gao2021 γ/√m from the decimal γ: three roundings, γ_4 as
 * deq/problem.c counts; ling2022 1, exact), the injection as computed. */
static void paper_fp(GS(deq_fp) *fp, const GT(deq_paper) P, const GT(deq_paper_state) S, long prec)
{
    fp->A = P->w[DEQ_PAPER_T];
    fp->alpha = P->scale_T;
    fp->B = S->inj;
    fp->act = DEQ_ACT_RELU;
    fp->alpha_rel_err = P->kind == DEQ_PAPER_GAO2021 ? bound_gamma(4, prec) : 0.0;
    fp->A_rel_err = 0.0;
    fp->B_err = NULL;
    fp->B_err_exp = 0;
    fp->rho_upper = S->rho_upper;
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
    /* ρ̄ >= ‖B‖₂ for the exact scale bounds the Lipschitz constant of
     * z ↦ ReLU(Bz + b) (ReLU is 1-Lipschitz) */
    num_norm2_t nb;
    S->rho_upper = G(deq_contraction_upper)(nb, P->w[DEQ_PAPER_T], P->scale_T,
                                            P->kind == DEQ_PAPER_GAO2021 ? bound_gamma(4, prec) : 0.0,
                                            0.0, DEQ_ACT_RELU, prec);
    S->rho_estimate = nb->estimate * re_get_d(P->scale_T);
    if (!S->have_Z)
        G(mat_zero)(S->Z); /* z^0 = 0 as both papers start the iteration */
    GS(deq_fp) fp;
    paper_fp(&fp, P, S, prec);
    deq_solve_opts o;
    paper_solve_opts(&o, S->solver);
    if (S->solver_auto) /* the adjoint of this pass (deq_paper_grad) keeps the choice */
        o.solver = S->solver =
            deq_solver_by_contraction(S->rho_upper, o.max_iter, deq_solve_tol_log2(&o, P->m, prec));
    o.G(ws) = S->ws;
    deq_solve_info_t info;
    deq_solve_info_init(info);
    G(deq_forward_solve)(S->Z, info, &fp, &o, prec);
    int ok = info->outcome == DEQ_CONVERGED;
    S->have_Z = 1;
    S->fwd_iters = info->iterations + info->newton_steps;
    S->fwd_bound = info->certified ? info->err_bound : INFINITY;
    deq_solve_info_clear(info);
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
    return ok;
}

int G(deq_paper_grad)(GT(deq_paper) grad, GT(deq_paper_state) S, const GT(deq_paper) P,
                             const mat_t X, long prec)
{
    long m = P->m, n = S->n;
    real_t zero, one;
    re_init(zero, prec), re_init(one, prec);
    re_set_zero(zero);
    re_set_si(one, 1);
    /* adjoint w_i = u + Bᵀ D_i w_i, i.e. (I − D_i B)ᵀ w_i = u, a fixed point
     * with the forward problem's contraction (‖Bᵀ D_i‖ <= ‖B‖), warm-started
     * from the previous step's adjoints */
    for (long j = 0; j < n; j++)
        for (long i = 0; i < m; i++)
            re_set_si(mat_entry(S->D, i, j), relu_prime(mat_entry(S->H, i, j), P->kind));
    if (!S->have_W)
        G(mat_zero)(S->Wadj);
    GS(deq_adj) adj = {P->w[DEQ_PAPER_T], P->scale_T, S->D, P->w[DEQ_PAPER_U], S->rho_upper};
    deq_solve_opts o;
    paper_solve_opts(&o, S->solver);
    o.G(ws) = S->ws;
    deq_solve_info_t info;
    deq_solve_info_init(info);
    G(deq_adjoint_solve)(S->Wadj, info, &adj, &o, prec);
    int ok = info->outcome == DEQ_CONVERGED;
    S->have_W = 1;
    S->adj_iters = info->iterations;
    deq_solve_info_clear(info);
    const mat_struct *Wa = S->Wadj;
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
    G(mat_clear)(Gr);
    re_clear(zero), re_clear(one);
    return ok;
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
