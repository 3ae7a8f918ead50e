/* Loss and implicit gradients, written once for both backends (see deq/grad.h). */
#include "num/generic.h"

#include "deq/grad.h"
#include "deq/par.h"

void G(deq_loss)(real_ptr loss, mat_t f, const mat_t Z, const mat_t v, const mat_t y,
                 real_srcptr alpha_v, long prec)
{
    long n = Z->cols;
    DEQ_REQUIRE(v->rows == Z->rows && v->cols == 1 && y->rows == n && y->cols == 1);
    mat_t fl;
    G(mat_init)(fl, n, 1, prec);
    real_t zero, r;
    re_init(zero, prec);
    re_init(r, prec);
    re_set_zero(zero);
    G(mat_gemv)(fl, alpha_v, MAT_TRANS, Z, v, zero, prec); /* f = α_v·Zᵀv */
    re_set_zero(loss);
    for (long i = 0; i < n; i++) {
        re_sub(r, fl->e + i, y->e + i);
        re_fma(loss, r, r, loss);
    }
    re_mul_2si(loss, loss, -1);
    if (f)
        G(mat_set)(f, fl);
    G(mat_clear)(fl);
    re_clear(zero);
    re_clear(r);
}

void G(deq_loss_grad)(real_ptr loss, mat_t gA, mat_t gU, mat_t gv, mat_t f, mat_t W,
                      deq_solve_info_t info, const GT(deq_problem) P, const mat_t Z,
                      const mat_t v, const mat_t y, real_srcptr alpha_v,
                      const deq_solve_opts *o, long prec)
{
    long m = P->m, n = P->n;
    mat_t fl, R, Gc_local;
    G(mat_init)(fl, n, 1, prec);
    G(mat_init)(R, n, 1, prec);
    mat_struct *Gc = G(deq_solve_ws_take)(o, 0, Gc_local, m, n, prec); /* slots 1 to 3: deq_adjoint_columns */
    G(deq_loss)(loss, fl, Z, v, y, alpha_v, prec);
    for (long i = 0; i < n; i++)
        re_sub(R->e + i, fl->e + i, y->e + i); /* r = f − y */
    real_t zero;
    re_init(zero, prec);
    re_set_zero(zero);
    if (gv) /* ∇_v L = α_v·Z r */
        G(mat_gemv)(gv, alpha_v, MAT_NOTRANS, Z, R, zero, prec);
    if (gA || gU) {
        G(deq_adjoint_columns)(Gc, W, info, P, Z, v, alpha_v, o, prec);
        /* Gc ← Gc·diag(r) */
        PAR_PRAGMA(omp parallel for PAR_COLS if ((1.0 + PAR_MOVE_OPS) * (double)m * (double)n >= PAR_MIN_OPS))
        for (long i = 0; i < n; i++) {
            real_ptr g = mat_entry(Gc, 0, i);
            for (long j = 0; j < m; j++)
                re_mul(g + j, g + j, R->e + i);
        }
        if (gA) /* ∇_A L = α_A·(Gc diag r)·Zᵀ */
            G(mat_gemm)(gA, P->alpha_A, MAT_NOTRANS, Gc, MAT_TRANS, Z, zero, prec);
        if (gU) /* ∇_U L = α_U·(Gc diag r)·Xᵀ */
            G(mat_gemm)(gU, P->alpha_U, MAT_NOTRANS, Gc, MAT_TRANS, P->X, zero, prec);
    }
    if (f)
        G(mat_set)(f, fl);
    re_clear(zero);
    G(mat_clear)(fl);
    G(mat_clear)(R);
    G(deq_solve_ws_release)(Gc, Gc_local);
}
