/* Newton polishing of the equilibrium in MPFR (see deq/forward.h).
 *
 * For F(z) = Φ(z) − z, the Newton step δ solves J δ = F with J = I − α·D·A,
 * D = diag σ′(h). J is factored in double (its LU is a preconditioner, never
 * the answer); the step is made exact to working precision by iterative
 * refinement whose residuals rhs − J δ are computed in MPFR. Each refinement
 * gains about −log10(κ(J)·u_double) digits, so a 256-bit solve takes a handful. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>

#include "core/status.h"
#include "deq/forward.h"
#include "num/factor.h"

/* y = J x = x − α·d ⊙ (A x) for one column, with A converted once in LA;
 * t is m×1 scratch. */
static void apply_J(mat_mp_t y, const mat_mp_t x, const mat_mp_t d, const deq_fp_mp_struct *fp,
                    const mat_mp_lhs_t LA, mat_mp_t t, mpfr_srcptr zero, long prec)
{
    mat_gemv_mp_lhs(t, fp->alpha, LA, x, zero, prec);
    for (long j = 0; j < x->rows; j++) {
        mpfr_mul(t->e + j, t->e + j, d->e + j, MPFR_RNDN);
        mpfr_sub(y->e + j, x->e + j, t->e + j, MPFR_RNDN);
    }
}

/* Norms with a long exponent: at high precision the residuals are below
 * double's range (2^-prec relative). */
static num_xreal vec_norm(const mat_mp_t v, long prec)
{
    return mat_col_norm2_x_mp(v, 0, prec);
}

/* Solves J δ = rhs for one sample to working precision. Returns 0, or -1 when
 * the double LU is singular or the refinement does not contract. */
static int newton_column(mat_mp_t delta, const mat_mp_t rhs, const mat_mp_t d,
                         const deq_fp_mp_struct *fp, const mat_mp_lhs_t LA, const mat_d_t Ad,
                         mat_d_t Jd, mat_d_t LUd, long *perm, mat_d_t cd, mat_mp_t res,
                         mat_mp_t t, mpfr_srcptr zero, long prec)
{
    long m = rhs->rows;
    double alpha = mpfr_get_d(fp->alpha, MPFR_RNDN);
    for (long j = 0; j < m; j++) /* cd holds α·d in double while J is formed */
        cd->e[j] = alpha * mpfr_get_d(d->e + j, MPFR_RNDN);
    for (long l = 0; l < m; l++)
        for (long j = 0; j < m; j++)
            Jd->e[j + (size_t)l * m] = (j == l) - cd->e[j] * Ad->e[j + (size_t)l * m];
    if (num_lu_d(LUd, perm, Jd, 53) != 0)
        return -1;
    mat_zero_mp(delta);
    num_xreal rhs_norm = vec_norm(rhs, prec);
    /* Refinement is done when the residual reaches the rounding level of
     * computing J δ (≈ m·u·‖rhs‖), or stops shrinking by half per step. */
    num_xreal done = num_xreal_mul_2si(num_xreal_mul_d(rhs_norm, (double)m), -prec);
    num_xreal done2 = num_xreal_mul_2si(done, 1);
    num_xreal prev = num_xreal_from_d(INFINITY);
    long max_refine = 4 + prec / 16; /* >= 16 bits gained per step when κ(J)·u_double <= 2^-16 */
    for (long it = 0; it < max_refine; it++) {
        apply_J(res, delta, d, fp, LA, t, zero, prec);
        for (long j = 0; j < m; j++)
            mpfr_sub(res->e + j, rhs->e + j, res->e + j, MPFR_RNDN);
        num_xreal rn = vec_norm(res, prec);
        if (!num_xreal_le(rn, prev))
            return it > 0 && num_xreal_le(rn, done2) ? 0 : -1;
        if (num_xreal_le(rn, done))
            return 0;
        if (num_xreal_gt(rn, num_xreal_mul_2si(prev, -1)))
            return num_xreal_le(rn, done2) ? 0 : -1;
        prev = rn;
        /* the correction is solved in double on the residual scaled by a power
         * of two (its norm's): the residual shrinks by 2^-50 or so per step,
         * and unscaled it would leave double's range after ~20 steps, while
         * its relative accuracy is all the refinement needs */
        long sc = rn.man > 0 ? rn.exp : 0;
        for (long j = 0; j < m; j++) {
            mpfr_mul_2si(t->e + j, res->e + j, -sc, MPFR_RNDN); /* exact */
            cd->e[j] = mpfr_get_d(t->e + j, MPFR_RNDN);
        }
        num_lu_solve_d(cd, LUd, perm, cd, 53);
        for (long j = 0; j < m; j++) { /* δ += cd·2^sc, one rounding (the scalings are exact) */
            mpfr_mul_2si(delta->e + j, delta->e + j, -sc, MPFR_RNDN);
            mpfr_add_d(delta->e + j, delta->e + j, cd->e[j], MPFR_RNDN);
            mpfr_mul_2si(delta->e + j, delta->e + j, sc, MPFR_RNDN);
        }
    }
    return 0;
}

/* PHI = Φ(Z), D = σ′(pre-activation), F = PHI − Z; returns max_i ‖F_i‖. */
static num_xreal evaluate(mat_mp_t PHI, mat_mp_t D, mat_mp_t F, mat_mp_t H,
                          const deq_fp_mp_struct *fp, const mat_mp_t Z, num_xreal *zn, long prec)
{
    deq_phi_mp(PHI, H, fp, Z, prec);
    deq_act_apply_mp(H, D, H, fp->act, prec);
    for (size_t q = 0; q < (size_t)Z->rows * (size_t)Z->cols; q++)
        mpfr_sub(F->e + q, PHI->e + q, Z->e + q, MPFR_RNDN);
    *zn = mat_max_col_dist_x_mp(PHI, NULL, prec);
    return mat_max_col_dist_x_mp(F, NULL, prec);
}

long deq_forward_newton_mp(mat_mp_t Z, deq_solve_info_t info, const deq_fp_mp_struct *fp,
                           const deq_solve_opts *o, double target_rel, long prec)
{
    return deq_forward_newton_x_mp(Z, info, fp, o, num_xreal_from_d(target_rel),
                                   num_xreal_from_d(info->tol_floor), prec);
}

long deq_forward_newton_x_mp(mat_mp_t Z, deq_solve_info_t info, const deq_fp_mp_struct *fp,
                             const deq_solve_opts *o, num_xreal target_rel, num_xreal floor,
                             long prec)
{
    long m = Z->rows, n = Z->cols;
    mat_mp_t PHI, D, F, H, Znew, PHInew, Dnew, Fnew;
    mat_init_mp(PHI, m, n, prec);
    mat_init_mp(D, m, n, prec);
    mat_init_mp(F, m, n, prec);
    mat_init_mp(H, m, n, prec);
    mat_init_mp(Znew, m, n, prec);
    mat_init_mp(PHInew, m, n, prec);
    mat_init_mp(Dnew, m, n, prec);
    mat_init_mp(Fnew, m, n, prec);
    mpfr_t zero;
    mpfr_init2(zero, (mpfr_prec_t)prec);
    mpfr_set_zero(zero, 1);

    num_xreal zn, znn;
    num_xreal r = evaluate(PHI, D, F, H, fp, Z, &zn, prec);
    long steps = 0;
    int solve_failed = 0;
    mat_d_t Ad;
    mat_init_d(Ad, m, m, 53);
    mat_get_mat_d_mp(Ad, fp->A);
    mat_mp_lhs_t LA;
    mat_mp_lhs_init(LA, MAT_NOTRANS, fp->A, prec);
    while (num_xreal_is_finite(r) && num_xreal_gt(num_xreal_div(r, zn), target_rel)
           && steps < o->newton_max) {
        /* samples are independent: one per task, each with its own
         * workspace (bit-identical results for any thread count) */
#pragma omp parallel if (n > 1)
        {
            mat_mp_t delta, rhs, dcol, res, t;
            mat_d_t Jd, LUd, cd;
            mat_init_mp(delta, m, 1, prec), mat_init_mp(rhs, m, 1, prec);
            mat_init_mp(dcol, m, 1, prec), mat_init_mp(res, m, 1, prec);
            mat_init_mp(t, m, 1, prec);
            mat_init_d(Jd, m, m, 53), mat_init_d(LUd, m, m, 53), mat_init_d(cd, m, 1, 53);
            long *perm = deq_malloc((size_t)(m > 0 ? m : 1) * sizeof *perm);
#pragma omp for schedule(dynamic) reduction(| : solve_failed)
            for (long i = 0; i < n; i++) {
                for (long j = 0; j < m; j++) {
                    mpfr_set(rhs->e + j, F->e + j + (size_t)i * m, MPFR_RNDN);
                    mpfr_set(dcol->e + j, D->e + j + (size_t)i * m, MPFR_RNDN);
                }
                if (newton_column(delta, rhs, dcol, fp, LA, Ad, Jd, LUd, perm, cd, res, t,
                                  zero, prec) != 0)
                    solve_failed = 1;
                for (long j = 0; j < m; j++)
                    mpfr_add(Znew->e + j + (size_t)i * m, Z->e + j + (size_t)i * m,
                             delta->e + j, MPFR_RNDN);
            }
            mat_clear_mp(delta), mat_clear_mp(rhs), mat_clear_mp(dcol), mat_clear_mp(res);
            mat_clear_mp(t);
            mat_clear_d(Jd), mat_clear_d(LUd), mat_clear_d(cd);
            free(perm);
        }
        if (solve_failed)
            break;
        num_xreal rn = evaluate(PHInew, Dnew, Fnew, H, fp, Znew, &znn, prec);
        if (!num_xreal_lt(rn, r)) /* at rounding level, or Newton is not converging: keep the better point */
            break;
        mat_swap_mp(Z, Znew);
        mat_swap_mp(PHI, PHInew);
        mat_swap_mp(D, Dnew);
        mat_swap_mp(F, Fnew);
        r = rn;
        zn = znn;
        steps++;
        deq_solve_info_push(info, num_xreal_get_d(r));
    }
    mat_clear_d(Ad);
    mat_mp_lhs_clear(LA);
    info->newton_steps += steps;
    num_xreal rel = num_xreal_div(r, zn);
    if (!num_xreal_is_finite(r))
        info->outcome = DEQ_NONFINITE;
    else if (num_xreal_le(rel, target_rel) || num_xreal_le(rel, floor))
        info->outcome = DEQ_CONVERGED;
    else
        info->outcome = steps >= o->newton_max ? DEQ_MAX_ITER : DEQ_STAGNATED;
    if (info->outcome != DEQ_NONFINITE) {
        deq_forward_certify_mp(info, Z, PHI, fp, prec);
        mat_swap_mp(Z, PHI);
    }

    mpfr_clear(zero);
    mat_clear_mp(PHI);
    mat_clear_mp(D);
    mat_clear_mp(F);
    mat_clear_mp(H);
    mat_clear_mp(Znew);
    mat_clear_mp(PHInew);
    mat_clear_mp(Dnew);
    mat_clear_mp(Fnew);
    return steps;
}
