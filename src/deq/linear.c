/* The linear-softmax family, written once for both backends (see deq/linear.h). */
#include "num/generic.h"

#include "deq/linear.h"
#include "num/bound.h"
#include "num/factor.h"

void G(deq_linear_softmax)(mat_t S, const mat_t A, long prec)
{
    long m = A->rows;
    DEQ_REQUIRE(A->cols == m && S->rows == m && S->cols == m);
    real_t c, sum;
    re_init(c, prec);
    re_init(sum, prec);
    for (long j = 0; j < m; j++) {
        re_set(c, mat_entry(A, 0, j));
        for (long i = 1; i < m; i++)
            re_max(c, c, mat_entry(A, i, j));
        re_set_zero(sum);
        for (long i = 0; i < m; i++) {
            re_sub(mat_entry(S, i, j), mat_entry(A, i, j), c);
            re_exp(mat_entry(S, i, j), mat_entry(S, i, j));
            re_add(sum, sum, mat_entry(S, i, j));
        }
        for (long i = 0; i < m; i++)
            re_div(mat_entry(S, i, j), mat_entry(S, i, j), sum);
    }
    re_clear(c);
    re_clear(sum);
}

long G(deq_linear_resolvent)(mat_t U, const mat_t S, real_srcptr gamma, long prec)
{
    long m = S->rows;
    mat_t J, LU;
    G(mat_init)(J, m, m, prec);
    G(mat_init)(LU, m, m, prec);
    for (long j = 0; j < m; j++)
        for (long i = 0; i < m; i++) {
            re_mul(mat_entry(J, i, j), gamma, mat_entry(S, i, j));
            re_neg(mat_entry(J, i, j), mat_entry(J, i, j));
            if (i == j)
                re_add_d(mat_entry(J, i, j), mat_entry(J, i, j), 1.0);
        }
    long *perm = deq_malloc((size_t)(m > 0 ? m : 1) * sizeof *perm);
    long piv = G(num_lu)(LU, perm, J, prec);
    if (piv == 0) {
        G(mat_zero)(U);
        for (long i = 0; i < m; i++)
            re_set_si(mat_entry(U, i, i), 1);
        G(num_lu_solve)(U, LU, perm, U, prec);
    }
    free(perm);
    G(mat_clear)(J);
    G(mat_clear)(LU);
    return piv;
}

/* ------------------------------------------------------------------------ */
/* Loss, gradients, spectra and the GD trainer (docs/THEORY.md §1, §9). */

#include <string.h>

#include "num/symeig.h"

#ifndef DEQ_MPFR
/* The trajectory record is backend independent: defined in the double build only. */
void deq_linear_traj_init(deq_linear_traj_t t, long steps)
{
    DEQ_REQUIRE(steps >= 0);
    memset(t, 0, sizeof *t);
    t->cap = steps;
    t->failed_at = -1;
    size_t it = (size_t)steps + 1, st = (size_t)(steps > 0 ? steps : 1);
    double **per_iter[] = {&t->loss,   &t->grad2,     &t->grad_a2, &t->grad_b2,
                           &t->smin_u2, &t->pl_lhs,   &t->pl_rhs,  &t->pl_margin,
                           &t->tr_lhs, &t->tr_rhs,    &t->tr_margin, &t->tr_grad2,
                           &t->wdot_norm};
    double **per_step[] = {&t->decrease, &t->rate_lhs, &t->rate_rhs, &t->rate_margin};
    for (size_t q = 0; q < sizeof per_iter / sizeof per_iter[0]; q++)
        *per_iter[q] = deq_calloc(it, sizeof(double));
    for (size_t q = 0; q < sizeof per_step / sizeof per_step[0]; q++)
        *per_step[q] = deq_calloc(st, sizeof(double));
}

void deq_linear_traj_clear(deq_linear_traj_t t)
{
    double *all[] = {t->loss,    t->grad2,  t->grad_a2,   t->grad_b2,  t->smin_u2,  t->pl_lhs,
                     t->pl_rhs,  t->pl_margin, t->tr_lhs, t->tr_rhs,   t->tr_margin, t->tr_grad2,
                     t->wdot_norm, t->decrease, t->rate_lhs, t->rate_rhs, t->rate_margin};
    for (size_t q = 0; q < sizeof all / sizeof all[0]; q++)
        free(all[q]);
    memset(t, 0, sizeof *t);
}
#endif

void G(deq_linear_softmax_jvp)(mat_t dS, const mat_t S, const mat_t dA, long prec)
{
    long m = S->rows;
    DEQ_REQUIRE(S->cols == m && dA->rows == m && dA->cols == m && dS->rows == m && dS->cols == m);
    real_t c, t;
    re_init(c, prec);
    re_init(t, prec);
    for (long j = 0; j < m; j++) {
        re_set_zero(c); /* c_j = Σ_k S_kj dA_kj */
        for (long i = 0; i < m; i++)
            re_fma(c, mat_entry(S, i, j), mat_entry(dA, i, j), c);
        for (long i = 0; i < m; i++) {
            re_sub(t, mat_entry(dA, i, j), c);
            re_mul(mat_entry(dS, i, j), mat_entry(S, i, j), t);
        }
    }
    re_clear(c);
    re_clear(t);
}

/* Workspace of one evaluation (allocated once per public call, or once per
 * training run; never inside loops). */
typedef struct {
    long m, n, k;
    mat_t S, LU, LUt, Z, R, P, Q, M, JtJ, ev;
    long *perm, *permt;
    real_t one, zero, mone, t;
} lin_ws;

static void ws_init(lin_ws *w, long m, long n, long k, long prec)
{
    w->m = m, w->n = n, w->k = k;
    G(mat_init)(w->S, m, m, prec);
    G(mat_init)(w->LU, m, m, prec);
    G(mat_init)(w->LUt, m, m, prec);
    G(mat_init)(w->Z, m, n, prec);
    G(mat_init)(w->R, k, n, prec);
    G(mat_init)(w->P, m, n, prec);
    G(mat_init)(w->Q, m, n, prec);
    G(mat_init)(w->M, m, m, prec);
    G(mat_init)(w->JtJ, m, m, prec);
    G(mat_init)(w->ev, m, 1, prec);
    w->perm = deq_malloc((size_t)(m > 0 ? m : 1) * sizeof(long));
    w->permt = deq_malloc((size_t)(m > 0 ? m : 1) * sizeof(long));
    re_init(w->one, prec);
    re_init(w->zero, prec);
    re_init(w->mone, prec);
    re_init(w->t, prec);
    re_set_si(w->one, 1);
    re_set_zero(w->zero);
    re_set_si(w->mone, -1);
}

static void ws_clear(lin_ws *w)
{
    G(mat_clear)(w->S), G(mat_clear)(w->LU), G(mat_clear)(w->LUt), G(mat_clear)(w->Z);
    G(mat_clear)(w->R), G(mat_clear)(w->P), G(mat_clear)(w->Q), G(mat_clear)(w->M);
    G(mat_clear)(w->JtJ), G(mat_clear)(w->ev);
    free(w->perm);
    free(w->permt);
    re_clear(w->one), re_clear(w->zero), re_clear(w->mone), re_clear(w->t);
}

static void sq_norm(real_ptr s, const mat_t M)
{
    re_set_zero(s);
    long len = M->rows * M->cols;
    for (long i = 0; i < len; i++)
        re_fma(s, M->e + i, M->e + i, s);
}

/* ⟨M, N⟩_F into s. */
static void frob_dot(real_ptr s, const mat_t M, const mat_t N)
{
    re_set_zero(s);
    long len = M->rows * M->cols;
    for (long i = 0; i < len; i++)
        re_fma(s, M->e + i, N->e + i, s);
}

/* Forward pass: S, the LU factors of J = I − γS (in LU) and of Jᵀ (in LUt),
 * Z = U X, R = B Z − Y, L = ½‖R‖². J is built in LUt's storage first. */
static long ws_forward(lin_ws *w, real_ptr L, const mat_t A, const mat_t B, const mat_t X,
                       const mat_t Y, real_srcptr gamma, long prec)
{
    long m = w->m;
    G(deq_linear_softmax)(w->S, A, prec);
    for (long j = 0; j < m; j++)
        for (long i = 0; i < m; i++) {
            re_mul(mat_entry(w->M, i, j), gamma, mat_entry(w->S, i, j));
            re_neg(mat_entry(w->M, i, j), mat_entry(w->M, i, j));
            if (i == j)
                re_add_d(mat_entry(w->M, i, j), mat_entry(w->M, i, j), 1.0);
        }
    /* w->M holds J; JtJ holds Jᵀ for the transposed factorization */
    for (long j = 0; j < m; j++)
        for (long i = 0; i < m; i++)
            re_set(mat_entry(w->JtJ, i, j), mat_entry(w->M, j, i));
    long piv = G(num_lu)(w->LU, w->perm, w->M, prec);
    if (piv)
        return piv;
    piv = G(num_lu)(w->LUt, w->permt, w->JtJ, prec);
    if (piv)
        return piv;
    G(num_lu_solve)(w->Z, w->LU, w->perm, X, prec);
    G(mat_set)(w->R, Y);
    G(mat_gemm)(w->R, w->one, MAT_NOTRANS, B, MAT_NOTRANS, w->Z, w->mone, prec);
    sq_norm(L, w->R);
    re_mul_2si(L, L, -1);
    return 0;
}

/* Gradients after ws_forward: gB = R Zᵀ; M = γ Uᵀ(Bᵀ R) Zᵀ; gA = jvp(S, M). */
static void ws_grad(lin_ws *w, mat_t gA, mat_t gB, const mat_t B, real_srcptr gamma, long prec)
{
    if (gB)
        G(mat_gemm)(gB, w->one, MAT_NOTRANS, w->R, MAT_TRANS, w->Z, w->zero, prec);
    if (gA) {
        G(mat_gemm)(w->P, w->one, MAT_TRANS, B, MAT_NOTRANS, w->R, w->zero, prec);
        G(num_lu_solve)(w->Q, w->LUt, w->permt, w->P, prec); /* Q = Uᵀ Bᵀ R */
        G(mat_gemm)(w->M, gamma, MAT_NOTRANS, w->Q, MAT_TRANS, w->Z, w->zero, prec);
        G(deq_linear_softmax_jvp)(gA, w->S, w->M, prec);
    }
}

/* σ_min(U)² = 1/λ_max(JᵀJ) with J rebuilt from S (LU storage is kept). */
static int ws_sigma_min_u2(lin_ws *w, real_ptr s2, real_srcptr gamma, long prec)
{
    long m = w->m;
    for (long j = 0; j < m; j++)
        for (long i = 0; i < m; i++) {
            re_mul(mat_entry(w->M, i, j), gamma, mat_entry(w->S, i, j));
            re_neg(mat_entry(w->M, i, j), mat_entry(w->M, i, j));
            if (i == j)
                re_add_d(mat_entry(w->M, i, j), mat_entry(w->M, i, j), 1.0);
        }
    G(mat_gemm)(w->JtJ, w->one, MAT_TRANS, w->M, MAT_NOTRANS, w->M, w->zero, prec);
    int status = 0;
#ifdef DEQ_MPFR
    num_symeig_info_t info;
    G(num_symeig_jacobi)(w->ev, NULL, info, w->JtJ, prec);
    status = info->converged ? 0 : 1;
#else
    status = num_symeig_gsl(w->ev, NULL, w->JtJ);
#endif
    if (status || m == 0) {
        re_set_d(s2, NAN);
        return status ? status : 1;
    }
    re_set_si(s2, 1);
    re_div(s2, s2, mat_entry(w->ev, m - 1, 0));
    return 0;
}

long G(deq_linear_loss_grad)(real_ptr L, mat_t gA, mat_t gB, const mat_t A, const mat_t B,
                             const mat_t X, const mat_t Y, real_srcptr gamma, long prec)
{
    long m = A->rows, n = X->cols, k = B->rows;
    DEQ_REQUIRE(A->cols == m && B->cols == m && X->rows == m && Y->rows == k && Y->cols == n);
    DEQ_REQUIRE(!gA || (gA->rows == m && gA->cols == m));
    DEQ_REQUIRE(!gB || (gB->rows == k && gB->cols == m));
    lin_ws w;
    ws_init(&w, m, n, k, prec);
    long piv = ws_forward(&w, L, A, B, X, Y, gamma, prec);
    if (!piv)
        ws_grad(&w, gA, gB, B, gamma, prec);
    ws_clear(&w);
    return piv;
}

int G(deq_linear_sigma_min_u2)(real_ptr s2, const mat_t A, real_srcptr gamma, long prec)
{
    long m = A->rows;
    DEQ_REQUIRE(A->cols == m);
    lin_ws w;
    ws_init(&w, m, 1, 1, prec);
    G(deq_linear_softmax)(w.S, A, prec);
    int status = ws_sigma_min_u2(&w, s2, gamma, prec);
    ws_clear(&w);
    return status;
}

long G(deq_linear_data_spectrum)(real_ptr lstar, real_ptr sigma_plus2, double *tau,
                                 const mat_t X, const mat_t Y, long prec)
{
    long m = X->rows, n = X->cols, k = Y->rows;
    DEQ_REQUIRE(Y->cols == n);
    mat_t Gm, ev, V, YV;
    G(mat_init)(Gm, n, n, prec);
    G(mat_init)(ev, n, 1, prec);
    G(mat_init)(V, n, n, prec);
    G(mat_init)(YV, k, n, prec);
    real_t one, zero, fro;
    re_init(one, prec), re_init(zero, prec), re_init(fro, prec);
    re_set_si(one, 1), re_set_zero(zero);
    G(mat_gemm)(Gm, one, MAT_TRANS, X, MAT_NOTRANS, X, zero, prec);
    sq_norm(fro, X);
    double t = 2.0 * bound_gamma((double)(m + n), prec) * re_get_d_abs_up(fro);
#ifdef DEQ_MPFR
    /* the threshold at the working precision: ‖X‖_F² and γ_{m+n} leave
     * double's range for data near 1e±300 or above ~1070 bits, where the
     * double t is 0 or +inf (every eigenvalue above it, or none) */
    mpfr_t tx;
    mpfr_init2(tx, 64);
    bound_gamma_x(tx, (double)(m + n), prec);
    mpfr_mul(tx, tx, fro, MPFR_RNDU);
    mpfr_abs(tx, tx, MPFR_RNDU);
    mpfr_mul_2si(tx, tx, 1, MPFR_RNDU);
    int use_x = !(t >= 0x1p-900 && t <= 0x1p900) && !mpfr_zero_p(tx);
    if (use_x)
        t = mpfr_get_d(tx, MPFR_RNDU);
#endif
    if (tau)
        *tau = t;
    int status;
#ifdef DEQ_MPFR
    num_symeig_info_t info;
    G(num_symeig_jacobi)(ev, V, info, Gm, prec);
    status = info->converged ? 0 : 1;
#else
    status = num_symeig_gsl(ev, V, Gm);
#endif
    long rank = -1;
    if (!status) {
        G(mat_gemm)(YV, one, MAT_NOTRANS, Y, MAT_NOTRANS, V, zero, prec);
        rank = 0;
        re_set_zero(lstar);
        re_set_zero(sigma_plus2);
        /* eigenvalues ascending: the null space first */
        for (long i = 0; i < n; i++) {
#ifdef DEQ_MPFR
            int above = use_x ? mpfr_cmp(mat_entry(ev, i, 0), tx) > 0
                              : re_get_d(mat_entry(ev, i, 0)) > t;
#else
            int above = re_get_d(mat_entry(ev, i, 0)) > t;
#endif
            if (above) {
                if (rank == 0)
                    re_set(sigma_plus2, mat_entry(ev, i, 0));
                rank++;
            } else {
                for (long r = 0; r < k; r++)
                    re_fma(lstar, mat_entry(YV, r, i), mat_entry(YV, r, i), lstar);
            }
        }
        re_mul_2si(lstar, lstar, -1);
    } else {
        re_set_d(lstar, NAN);
        re_set_d(sigma_plus2, NAN);
    }
#ifdef DEQ_MPFR
    mpfr_clear(tx);
#endif
    G(mat_clear)(Gm), G(mat_clear)(ev), G(mat_clear)(V), G(mat_clear)(YV);
    re_clear(one), re_clear(zero), re_clear(fro);
    return rank;
}

void G(deq_linear_train_gd)(deq_linear_traj_t tr, mat_t A, mat_t B, const mat_t X, const mat_t Y,
                            real_srcptr gamma, double eta, long steps, long prec)
{
    long m = A->rows, n = X->cols, k = B->rows;
    DEQ_REQUIRE(A->cols == m && B->cols == m && X->rows == m && Y->rows == k && Y->cols == n);
    DEQ_REQUIRE(steps >= 0 && steps <= tr->cap);
    tr->m = m, tr->n = n, tr->k = k;
    tr->eta = eta;
    tr->steps = 0;
    tr->failed_at = -1;

    lin_ws w;
    ws_init(&w, m, n, k, prec);
    mat_t gA, gB, dS, V, Tt, Wdt, Gt;
    G(mat_init)(gA, m, m, prec);
    G(mat_init)(gB, k, m, prec);
    G(mat_init)(dS, m, m, prec);
    G(mat_init)(V, m, k, prec);   /* Uᵀ Bᵀ = Wᵀ */
    G(mat_init)(Tt, m, k, prec);  /* (Ḃ + γ W Ṡ)ᵀ */
    G(mat_init)(Wdt, m, k, prec); /* Ẇᵀ = Uᵀ Tt */
    G(mat_init)(Gt, m, k, prec);  /* ∇L̃ᵀ = X Rᵀ */
    real_t L, Lprev, lstar, sp2, s2, s2prev, ga2, gb2, g2, g2prev, er, a, b, c, meta;
    real_ptr all[] = {L, Lprev, lstar, sp2, s2, s2prev, ga2, gb2, g2, g2prev, er, a, b, c, meta};
    for (size_t q = 0; q < sizeof all / sizeof all[0]; q++)
        re_init(all[q], prec);
    re_set_d(er, eta);
    re_neg(meta, er);

    tr->rank = G(deq_linear_data_spectrum)(lstar, sp2, &tr->tau, X, Y, prec);
    tr->lstar = re_get_d(lstar);
    tr->sigma_plus2 = re_get_d(sp2);
    if (tr->rank < 0)
        tr->failed_at = 0;

    for (long it = 0; it <= steps && tr->failed_at < 0; it++) {
        if (ws_forward(&w, L, A, B, X, Y, gamma, prec) || !re_is_finite(L)) {
            tr->failed_at = it;
            break;
        }
        ws_grad(&w, gA, gB, B, gamma, prec);
        sq_norm(ga2, gA);
        sq_norm(gb2, gB);
        re_add(g2, ga2, gb2);
        if (ws_sigma_min_u2(&w, s2, gamma, prec) || !re_is_finite(g2)) {
            tr->failed_at = it;
            break;
        }
        tr->loss[it] = re_get_d(L);
        tr->grad2[it] = re_get_d(g2);
        tr->grad_a2[it] = re_get_d(ga2);
        tr->grad_b2[it] = re_get_d(gb2);
        tr->smin_u2[it] = re_get_d(s2);

        /* T3.linear_pl: lhs = 2 σ² σ⁺² (L − L*), rhs = ‖∇_B L‖² */
        re_sub(a, L, lstar);
        re_mul(a, a, s2);
        re_mul(a, a, sp2);
        re_mul_2si(a, a, 1);
        tr->pl_lhs[it] = re_get_d(a);
        tr->pl_rhs[it] = re_get_d(gb2);
        re_sub(c, gb2, a);
        tr->pl_margin[it] = re_get_d(c);

        /* T3.linear_rate for the step it−1 -> it */
        if (it > 0) {
            re_mul(a, er, g2prev);
            re_mul_2si(a, a, -1);
            re_sub(a, Lprev, a);
            re_sub(a, a, L);
            tr->decrease[it - 1] = re_get_d(a);
            re_sub(a, L, lstar); /* lhs */
            re_mul(b, er, s2prev);
            re_mul(b, b, sp2);
            re_d_sub(b, 1.0, b);
            re_sub(c, Lprev, lstar);
            re_mul(b, b, c); /* rhs */
            tr->rate_lhs[it - 1] = re_get_d(a);
            tr->rate_rhs[it - 1] = re_get_d(b);
            re_sub(c, b, a);
            tr->rate_margin[it - 1] = re_get_d(c);
            tr->steps = it;
        }

        /* T3.trust_region along the gradient flow at this iterate:
         * V = Uᵀ Bᵀ (= Wᵀ), Ṡ = jvp(S, −∇_A L), Tᵀ = −∇_B Lᵀ + γ Ṡᵀ V, Ẇᵀ = Uᵀ Tᵀ,
         * ∇L̃ᵀ = X Rᵀ; rhs = ⟨Ẇ, −∇L̃⟩, lhs = σ²‖∇L̃‖². */
        for (long j = 0; j < m; j++)
            for (long i = 0; i < k; i++)
                re_set(mat_entry(Tt, j, i), mat_entry(B, i, j));
        G(num_lu_solve)(V, w.LUt, w.permt, Tt, prec);
        G(deq_linear_softmax_jvp)(dS, w.S, gA, prec); /* = −Ṡ */
        for (long j = 0; j < m; j++)
            for (long i = 0; i < k; i++)
                re_neg(mat_entry(Tt, j, i), mat_entry(gB, i, j));
        re_neg(c, gamma);
        G(mat_gemm)(Tt, c, MAT_TRANS, dS, MAT_NOTRANS, V, w.one, prec);
        G(num_lu_solve)(Wdt, w.LUt, w.permt, Tt, prec);
        G(mat_gemm)(Gt, w.one, MAT_NOTRANS, X, MAT_TRANS, w.R, w.zero, prec);
        frob_dot(b, Wdt, Gt);
        re_neg(b, b);
        sq_norm(c, Gt);
        tr->tr_grad2[it] = re_get_d(c);
        re_mul(a, s2, c);
        tr->tr_lhs[it] = re_get_d(a);
        tr->tr_rhs[it] = re_get_d(b);
        re_sub(c, b, a);
        tr->tr_margin[it] = re_get_d(c);
        sq_norm(c, Wdt);
        re_sqrt(c, c);
        tr->wdot_norm[it] = re_get_d(c);

        if (it == steps)
            break;
        /* the GD step */
        long len = m * m;
        for (long i = 0; i < len; i++)
            re_fma(A->e + i, meta, gA->e + i, A->e + i);
        len = k * m;
        for (long i = 0; i < len; i++)
            re_fma(B->e + i, meta, gB->e + i, B->e + i);
        re_set(Lprev, L);
        re_set(g2prev, g2);
        re_set(s2prev, s2);
    }

    for (size_t q = 0; q < sizeof all / sizeof all[0]; q++)
        re_clear(all[q]);
    G(mat_clear)(gA), G(mat_clear)(gB), G(mat_clear)(dS), G(mat_clear)(V);
    G(mat_clear)(Tt), G(mat_clear)(Wdt), G(mat_clear)(Gt);
    ws_clear(&w);
}
