/* Finite-width Gram matrices, written once for both backends (see deq/gram.h). */
#include "num/generic.h"

#include "deq/gram.h"
#include "deq/par.h"

#include <float.h>

/* M = s² · (P ⊙ Q) entrywise, or s²·Q when P is NULL. */
static void scaled_product(mat_t M, real_srcptr s, const mat_t P, const mat_t Q, long prec)
{
    real_t s2;
    re_init(s2, prec);
    re_sqr(s2, s);
    size_t count = (size_t)M->rows * (size_t)M->cols;
    for (size_t k = 0; k < count; k++) {
        if (P)
            re_mul(M->e + k, P->e + k, Q->e + k);
        else
            re_set(M->e + k, Q->e + k);
        re_mul(M->e + k, M->e + k, s2);
#ifndef DEQ_MPFR
        /* double: P·Q (or s²) under- or overflowed although the product of
         * all three may be in range: (P·s)·(Q·s), or (Q·s)·s, in that order */
        if (!(fabs(M->e[k]) >= DBL_MIN && fabs(M->e[k]) <= DBL_MAX) && Q->e[k] != 0
            && (!P || P->e[k] != 0) && s[0] != 0) {
            double a = P ? P->e[k] * s[0] : s[0], b = Q->e[k] * s[0];
            M->e[k] = a * b;
        }
#endif
    }
    re_clear(s2);
}

void G(deq_gram_blocks)(mat_t GA, mat_t GU, mat_t Gv, const mat_t Z, const mat_t Gc,
                        const mat_t X, real_srcptr alpha_A, real_srcptr alpha_U,
                        real_srcptr alpha_v, long prec)
{
    long n = Z->cols;
    DEQ_REQUIRE(Gc->rows == Z->rows && Gc->cols == n && X->cols == n);
    real_t one, zero;
    re_init(one, prec);
    re_init(zero, prec);
    re_set_si(one, 1);
    re_set_zero(zero);
    mat_t ZZ, GG, XX;
    G(mat_init)(ZZ, n, n, prec);
    G(mat_init)(GG, n, n, prec);
    G(mat_init)(XX, n, n, prec);
    if (GA || Gv)
        G(mat_gemm)(ZZ, one, MAT_TRANS, Z, MAT_NOTRANS, Z, zero, prec);
    if (GA || GU)
        G(mat_gemm)(GG, one, MAT_TRANS, Gc, MAT_NOTRANS, Gc, zero, prec);
    if (GU)
        G(mat_gemm)(XX, one, MAT_TRANS, X, MAT_NOTRANS, X, zero, prec);
    if (GA)
        scaled_product(GA, alpha_A, GG, ZZ, prec);
    if (GU)
        scaled_product(GU, alpha_U, GG, XX, prec);
    if (Gv)
        scaled_product(Gv, alpha_v, NULL, ZZ, prec);
    G(mat_clear)(ZZ);
    G(mat_clear)(GG);
    G(mat_clear)(XX);
    re_clear(one);
    re_clear(zero);
}

void G(deq_adjoint_columns)(mat_t Gc, mat_t W, deq_solve_info_t info, const GT(deq_problem) P,
                            const mat_t Z, const mat_t v, real_srcptr alpha_v,
                            const deq_solve_opts *o, long prec)
{
    long m = P->m, n = P->n;
    mat_t H_local, S_local, D_local; /* or the workspace's caller slots 1 to 3 (0: Gc) */
    mat_struct *H = G(deq_solve_ws_take)(o, 1, H_local, m, n, prec);
    mat_struct *S = G(deq_solve_ws_take)(o, 2, S_local, m, n, prec);
    mat_struct *D = G(deq_solve_ws_take)(o, 3, D_local, m, n, prec);
    /* D = σ′(h) with h the pre-activation at Z */
    G(deq_phi_deriv)(S, D, H, &P->fp, Z, prec);
    GS(deq_adj) adj = {P->A, P->alpha_A, D, v, P->fp.rho_upper};
    G(deq_adjoint_solve)(W, info, &adj, o, prec);
    PAR_PRAGMA(omp parallel for PAR_COLS if ((2.0 + PAR_MOVE_OPS) * (double)m * (double)n >= PAR_MIN_OPS))
    for (long i = 0; i < n; i++) {
        real_ptr g = mat_entry(Gc, 0, i);
        real_srcptr d = mat_entry(D, 0, i), w = mat_entry(W, 0, i);
        for (long j = 0; j < m; j++) {
            re_mul(g + j, d + j, w + j);
            re_mul(g + j, g + j, alpha_v);
        }
    }
    G(deq_solve_ws_release)(H, H_local);
    G(deq_solve_ws_release)(S, S_local);
    G(deq_solve_ws_release)(D, D_local);
}

void G(deq_gram_network)(mat_t GA, mat_t GU, mat_t Gv, mat_t W, deq_solve_info_t info,
                         const GT(deq_problem) P, const mat_t Z, const mat_t v,
                         real_srcptr alpha_v, const deq_solve_opts *o, long prec)
{
    mat_t Gc_local;
    mat_struct *Gc = G(deq_solve_ws_take)(o, 0, Gc_local, P->m, P->n, prec);
    G(deq_adjoint_columns)(Gc, W, info, P, Z, v, alpha_v, o, prec);
    G(deq_gram_blocks)(GA, GU, Gv, Z, Gc, P->X, P->alpha_A, P->alpha_U, alpha_v, prec);
    G(deq_solve_ws_release)(Gc, Gc_local);
}
