/* The papers' NTK, written once for both backends (see deq/paper_ntk.h). */
#include "num/generic.h"

#include "deq/paper_ntk.h"

/* C = AᵀA (n×n) for A (r×n) */
static void gram_of(mat_t C, const mat_t A, long prec)
{
    real_t zero, one;
    re_init(zero, prec), re_init(one, prec);
    re_set_zero(zero);
    re_set_si(one, 1);
    G(mat_gemm)(C, one, MAT_TRANS, A, MAT_NOTRANS, A, zero, prec);
    re_clear(zero), re_clear(one);
}

/* H += s·(A ∘ B) entrywise */
static void add_hadamard(mat_t H, real_srcptr s, const mat_t A, const mat_t B, long prec)
{
    real_t t;
    re_init(t, prec);
    for (long q = 0; q < H->rows * H->cols; q++) {
        re_mul(t, A->e + q, B->e + q);
        re_fma(H->e + q, t, s, H->e + q);
    }
    re_clear(t);
}

void G(deq_paper_ntk)(mat_d_t Hd, const GT(deq_paper_state) S, const GT(deq_paper) P,
                      const mat_t X, long prec)
{
    long m = P->m, n = S->n;
    mat_t H, ZZ, gg, XX;
    G(mat_init)(H, n, n, prec), G(mat_init)(ZZ, n, n, prec), G(mat_init)(gg, n, n, prec),
        G(mat_init)(XX, n, n, prec);
    gram_of(ZZ, S->Z, prec);
    gram_of(gg, S->Gad, prec);
    gram_of(XX, X, prec);
    real_t s2, one;
    re_init(s2, prec), re_init(one, prec);
    re_set_si(one, 1);
    re_mul(s2, P->scale_T, P->scale_T);
    G(mat_set)(H, ZZ);                   /* u (ling2022's a) */
    add_hadamard(H, s2, gg, ZZ, prec);   /* the transition T */
    if (P->kind == DEQ_PAPER_GAO2021) {
        mat_t FF, Pm, PP;
        G(mat_init)(FF, n, n, prec), G(mat_init)(Pm, m, n, prec), G(mat_init)(PP, n, n, prec);
        gram_of(FF, S->inj, prec);       /* v: ΦΦᵀ */
        for (long q = 0; q < n * n; q++)
            re_add(H->e + q, H->e + q, FF->e + q);
        /* p_i = E_i (g_i + v): φ_i's total influence on ŷ_i (the skip and the equilibrium) */
        for (long j = 0; j < n; j++)
            for (long i = 0; i < m; i++) {
                real_ptr e = mat_entry(Pm, i, j);
                if (re_sgn(mat_entry(S->pre, i, j)) > 0)
                    re_add(e, mat_entry(S->Gad, i, j), mat_entry(P->w[DEQ_PAPER_V], i, 0));
                else
                    re_set_zero(e);
            }
        gram_of(PP, Pm, prec);
        real_t inv_m;
        re_init(inv_m, prec);
        re_mul(inv_m, P->inv_sqrt_m, P->inv_sqrt_m);
        add_hadamard(H, inv_m, PP, XX, prec); /* W */
        re_clear(inv_m);
        G(mat_clear)(FF), G(mat_clear)(Pm), G(mat_clear)(PP);
    } else {
        add_hadamard(H, one, gg, XX, prec); /* U */
    }
    G(mat_get_mat_d)(Hd, H);
    for (long j = 0; j < n; j++)
        for (long i = j + 1; i < n; i++)
            Hd->e[j + i * n] = Hd->e[i + j * n];
    re_clear(s2), re_clear(one);
    G(mat_clear)(H), G(mat_clear)(ZZ), G(mat_clear)(gg), G(mat_clear)(XX);
}
