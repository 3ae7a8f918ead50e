/* The equilibrium of z = σ(Wz + c) for one input: the estimate that the local
 * certificate then proves or refutes. Nothing here needs to be rigorous.
 *
 * Picard from z = 0 first, because that is the forward pass a DEQ library
 * runs, so on a model with several equilibria the one returned is the one the
 * user's network computes; Newton's method in double when Picard does not
 * converge (a model that is not contractive) and, in any case, to polish;
 * then, for the MPFR backend, simplified Newton at P bits with the double
 * inverse of the Jacobian (each step gains about the 53 bits of that inverse).
 */
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lapacke.h>

#include "verify/verify_impl.h"

/* A backtracking line search halves the step at most this often: a step
 * 2^-53 times Newton's is below double's resolution of the iterate. */
enum { HALVINGS = DBL_MANT_DIG };

void verify_solve_opts_default(verify_solve_opts *o)
{
    o->max_iter = 10000;
}

static double norm_inf(const double *x, long m)
{
    double r = 0.0;
    for (long i = 0; i < m; i++) {
        double a = fabs(x[i]);
        if (!(a <= r)) /* NaN wins */
            r = a;
    }
    return r;
}

/* h = Wz + c */
static void preact(double *h, const verify_model_t M, const double *z, const double *c)
{
    long m = M->m;
    memcpy(h, c, sizeof(double) * (size_t)m);
    cblas_dgemv(CblasColMajor, CblasNoTrans, (int)m, (int)m, 1.0, M->W->e, (int)m, z, 1, 1.0, h,
                1);
}

/* F(z) = z − σ(Wz + c) into F (and h); returns ‖F‖∞ */
static double residual(double *F, double *h, const verify_model_t M, const double *z,
                       const double *c)
{
    preact(h, M, z, c);
    for (long i = 0; i < M->m; i++)
        F[i] = z[i] - verify_act_d(h[i], M->act);
    return norm_inf(F, M->m);
}

/* J = I − diag(σ′(h)) W */
static void jacobian(double *J, const verify_model_t M, const double *h)
{
    long m = M->m;
    for (long i = 0; i < m; i++) {
        double d = verify_act_deriv_d(h[i], M->act);
        for (long j = 0; j < m; j++)
            J[i + j * m] = (i == j ? 1.0 : 0.0) - d * M->W->e[i + j * m];
    }
}

/* Damped Newton on F in double from z (in place); returns the steps taken. */
static long newton_d(double *z, const verify_model_t M, const double *c, long max_steps)
{
    long m = M->m, steps = 0;
    double *F = deq_malloc(sizeof(double) * (size_t)m), *h = deq_malloc(sizeof(double) * (size_t)m);
    double *J = deq_malloc(sizeof(double) * (size_t)(m * m));
    double *dz = deq_malloc(sizeof(double) * (size_t)m), *zt = deq_malloc(sizeof(double) * (size_t)m);
    double *Ft = deq_malloc(sizeof(double) * (size_t)m), *ht = deq_malloc(sizeof(double) * (size_t)m);
    lapack_int *ipiv = deq_malloc(sizeof(lapack_int) * (size_t)m);
    double r = residual(F, h, M, z, c);
    while (steps < max_steps && r > 0 && isfinite(r)) {
        jacobian(J, M, h);
        memcpy(dz, F, sizeof(double) * (size_t)m);
        if (LAPACKE_dgesv(LAPACK_COL_MAJOR, m, 1, J, m, ipiv, dz, m) != 0)
            break;
        int accepted = 0;
        double t = 1.0;
        for (int k = 0; k <= HALVINGS && !accepted; k++, t *= 0.5) {
            for (long i = 0; i < m; i++)
                zt[i] = z[i] - t * dz[i];
            double rt = residual(Ft, ht, M, zt, c);
            if (rt < r) { /* strictly better: accept */
                memcpy(z, zt, sizeof(double) * (size_t)m);
                memcpy(F, Ft, sizeof(double) * (size_t)m);
                memcpy(h, ht, sizeof(double) * (size_t)m);
                r = rt;
                accepted = 1;
            }
        }
        if (!accepted)
            break; /* rounding level: no step decreases the residual */
        steps++;
    }
    free(F), free(h), free(J), free(dz), free(zt), free(Ft), free(ht), free(ipiv);
    return steps;
}

void verify_solve(arb_mat_t z, verify_solve_info *info, const verify_model_t M,
                  const arb_mat_t c, const verify_solve_opts *opts, long prec)
{
    long m = M->m;
    memset(info, 0, sizeof *info);
    info->observed_contraction = NAN;
    double *cd = deq_malloc(sizeof(double) * (size_t)m);
    for (long i = 0; i < m; i++)
        cd[i] = arf_get_d(arb_midref(arb_mat_entry(c, i, 0)), ARF_RND_NEAR);
    double *zc = deq_calloc((size_t)m, sizeof(double)), *zn = deq_malloc(sizeof(double) * (size_t)m);
    double *best = deq_calloc((size_t)m, sizeof(double));
    double *h = deq_malloc(sizeof(double) * (size_t)m);
    double *steps = deq_malloc(sizeof(double) * (size_t)(opts->max_iter + 1));
    double best_step = INFINITY;
    long best_k = 0;
    /* Picard to half of double's digits (√u): Newton finishes from there */
    double tol = sqrt(DBL_EPSILON);
    long k = 0;
    for (; k < opts->max_iter; k++) {
        preact(h, M, zc, cd);
        for (long i = 0; i < m; i++)
            zn[i] = verify_act_d(h[i], M->act);
        double step = 0.0;
        for (long i = 0; i < m; i++) {
            double s = fabs(zn[i] - zc[i]);
            step = s > step || isnan(s) ? s : step;
        }
        if (!isfinite(step))
            break;
        steps[k] = step;
        if (step < best_step) { /* the step is the residual of zc */
            best_step = step;
            best_k = k;
            memcpy(best, zc, sizeof(double) * (size_t)m);
        } else if (k > 2 * best_k + 1) {
            /* no new smallest step for as long as it took to reach the last
             * one: Picard oscillates or diverges; Newton takes over */
            k++;
            break;
        }
        double *t = zc;
        zc = zn, zn = t;
        if (step <= tol * norm_inf(zc, m)) {
            info->picard_converged = 1;
            k++;
            break;
        }
    }
    info->picard_iterations = k;
    if (k >= 4 && info->picard_converged) {
        /* geometric mean of the step ratios over the second half */
        long a = k / 2, b = k - 1;
        if (steps[a] > 0 && steps[b] > 0)
            info->observed_contraction = pow(steps[b] / steps[a], 1.0 / (double)(b - a));
    }
    double *zs = info->picard_converged ? zc : best;
    info->newton_steps = newton_d(zs, M, cd, opts->max_iter);
    double *F = deq_malloc(sizeof(double) * (size_t)m);
    double r = residual(F, h, M, zs, cd);
    info->residual = r;
    info->converged = isfinite(r) && r <= tol * norm_inf(zs, m);
    for (long i = 0; i < m; i++)
        arb_set_d(arb_mat_entry(z, i, 0), zs[i]);

    if (prec > 0 && isfinite(r)) {
        /* simplified Newton at prec bits with Y ≈ J(ẑ)⁻¹ in double */
        double *J = deq_malloc(sizeof(double) * (size_t)(m * m));
        double *Y = deq_malloc(sizeof(double) * (size_t)(m * m));
        jacobian(J, M, h);
        if (verify_inverse_d(Y, J, m) == 0) {
            arb_mat_t Wa, Ya, Fa, hz, dz, zprev;
            arb_mat_init(Wa, m, m), arb_mat_init(Ya, m, m), arb_mat_init(Fa, m, 1);
            arb_mat_init(hz, m, 1), arb_mat_init(dz, m, 1), arb_mat_init(zprev, m, 1);
            verify_arb_mat_set_d(Wa, M->W);
            for (long i = 0; i < m; i++)
                for (long j = 0; j < m; j++)
                    arb_set_d(arb_mat_entry(Ya, i, j), Y[i + j * m]);
            arf_t rprev, rnow;
            arf_init(rprev), arf_init(rnow);
            arf_pos_inf(rprev);
            for (long s = 0; s <= opts->max_iter; s++) {
                arb_mat_mul(hz, Wa, z, prec);
                arb_mat_add(hz, hz, c, prec);
                arf_zero(rnow);
                for (long i = 0; i < m; i++) {
                    arb_ptr f = arb_mat_entry(Fa, i, 0);
                    verify_act_arb(f, arb_mat_entry(hz, i, 0), M->act, prec);
                    arb_sub(f, arb_mat_entry(z, i, 0), f, prec);
                    arb_get_mid_arb(f, f);
                    if (arf_cmpabs(arb_midref(f), rnow) > 0)
                        arf_abs(rnow, arb_midref(f));
                }
                if (arf_cmp(rnow, rprev) >= 0) { /* no longer decreasing: keep the previous */
                    if (s > 0)
                        arb_mat_set(z, zprev);
                    break;
                }
                arf_set(rprev, rnow);
                if (s > 0)
                    info->refine_steps = s;
                if (arf_is_zero(rnow))
                    break;
                arb_mat_set(zprev, z);
                arb_mat_mul(dz, Ya, Fa, prec);
                arb_mat_sub(z, z, dz, prec);
                for (long i = 0; i < m; i++)
                    arb_get_mid_arb(arb_mat_entry(z, i, 0), arb_mat_entry(z, i, 0));
            }
            info->residual = arf_get_d(rprev, ARF_RND_NEAR);
            arf_clear(rprev), arf_clear(rnow);
            arb_mat_clear(Wa), arb_mat_clear(Ya), arb_mat_clear(Fa);
            arb_mat_clear(hz), arb_mat_clear(dz), arb_mat_clear(zprev);
        }
        free(J), free(Y);
    }
    free(cd), free(zc), free(zn), free(best), free(h), free(steps), free(F);
}
