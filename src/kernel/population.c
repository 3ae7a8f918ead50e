/* The population NTK H^∞ of a preset on given inputs: the equilibrium NNGP
 * fixed point (K) and the NTK blocks of the preset's trained groups, in double
 * or MPFR, with certified eigenvalue bounds of the computed matrix. */
#include "kernel/population.h"

#include <math.h>
#include <stdio.h>

#include "core/ctx.h"
#include "deq/problem.h"

/* The quadrature error of the dual maps propagated to H^∞: amplified by
 * 1/(1 − ρ_off) through the fixed point and by 1 + γ² through the NTK blocks
 * (σ_v = 1). An estimate; 0 for closed forms, +inf when it cannot be bounded. */
static double quad_error(const kernel_nngp_info_t info, double gamma)
{
    if (!(info->dual_err > 0))
        return 0.0;
    if (!isfinite(info->dual_err) || !info->contractive)
        return INFINITY;
    return info->dual_err / (1 - info->rho_off) * (1 + gamma * gamma);
}

kernel_outcome kernel_population_ntk(mat_mp_t Hout, num_eig_bounds_t eb, double *quad_err,
                                     const deq_preset *pre, const mat_d_t X, long jacobi_max_n,
                                     long prec, char *why, size_t why_len)
{
    long n = X->cols, d = X->rows;
    kernel_nngp_opts o;
    kernel_nngp_opts_default(&o);
    kernel_nngp_info_t info;
    kernel_ntk_info_t ni;
    char su[40]; /* σ_u as the 17-digit decimal of the double, as the problems take it */
    snprintf(su, sizeof su, "%.17g", deq_preset_sigma_u(pre, d));
    kernel_outcome out;
    if (prec == 53) {
        mat_d_t GX, S, Sd, L, H;
        mat_init_d(GX, n, n, 53), mat_init_d(S, n, n, 53), mat_init_d(Sd, n, n, 53),
            mat_init_d(L, n, n, 53), mat_init_d(H, n, n, 53);
        double one = 1, zero = 0, g, s, sv = 1;
        deq_set_decimal_d(&g, pre->gamma);
        deq_set_decimal_d(&s, su);
        mat_gemm_d(GX, &one, MAT_TRANS, X, MAT_NOTRANS, X, &zero, 53);
        kernel_nngp_solve_d(S, Sd, L, info, GX, &g, &s, pre->act, &o, 53);
        out = info->outcome;
        *quad_err = quad_error(info, g);
        if (out == KERNEL_CONVERGED) {
            kernel_ntk_blocks_d(H, NULL, NULL, NULL, NULL, ni, S, Sd, GX, &g, &s, &sv,
                                pre->trained, 53);
            out = ni->outcome;
            if (out == KERNEL_CONVERGED) {
                num_eig_bounds_d(eb, H, 0, 53);
                mat_set_mat_d_mp(Hout, H);
            }
        }
        mat_clear_d(GX), mat_clear_d(S), mat_clear_d(Sd), mat_clear_d(L), mat_clear_d(H);
    } else {
        mat_mp_t Xm, GX, S, Sd, L, H;
        mat_init_mp(Xm, d, n, prec), mat_init_mp(GX, n, n, prec), mat_init_mp(S, n, n, prec),
            mat_init_mp(Sd, n, n, prec), mat_init_mp(L, n, n, prec), mat_init_mp(H, n, n, prec);
        mat_set_mat_d_mp(Xm, X);
        mpfr_t one, zero, g, s, sv;
        mpfr_inits2(prec, one, zero, g, s, sv, (mpfr_ptr)0);
        mpfr_set_ui(one, 1, MPFR_RNDN), mpfr_set_zero(zero, 1), mpfr_set_ui(sv, 1, MPFR_RNDN);
        deq_set_decimal_mp(g, pre->gamma);
        deq_set_decimal_mp(s, su);
        mat_gemm_mp(GX, one, MAT_TRANS, Xm, MAT_NOTRANS, Xm, zero, prec);
        kernel_nngp_solve_mp(S, Sd, L, info, GX, g, s, pre->act, &o, prec);
        out = info->outcome;
        *quad_err = quad_error(info, mpfr_get_d(g, MPFR_RNDN));
        if (out == KERNEL_CONVERGED) {
            kernel_ntk_blocks_mp(H, NULL, NULL, NULL, NULL, ni, S, Sd, GX, g, s, sv, pre->trained,
                                 prec);
            out = ni->outcome;
            if (out == KERNEL_CONVERGED) {
                num_eig_bounds_mp(eb, H, jacobi_max_n, prec);
                mat_set_mp(Hout, H);
            }
        }
        mpfr_clears(one, zero, g, s, sv, (mpfr_ptr)0);
        mat_clear_mp(Xm), mat_clear_mp(GX), mat_clear_mp(S), mat_clear_mp(Sd), mat_clear_mp(L),
            mat_clear_mp(H);
    }
    snprintf(why, why_len, "%s", out == KERNEL_CONVERGED ? "" : kernel_outcome_name(out));
    return out;
}

