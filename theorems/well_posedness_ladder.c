/* T1's precision ladder: one network case solved in double and in MPFR at
 * 64 to 512 bits, each solve against a reference solved at twice the highest
 * rung (1024 bits). Each rung is a T1.error_bound row (the distance to the
 * reference within the sum of the two certified error bounds, so the
 * certified bound is never smaller than the true error), with one control,
 * and the digits go to the precision plot: the measured digits should grow
 * linearly with the bits, about p·log10(2) less what the conditioning of
 * the equilibrium costs, and the certified bound's digits stay at or below
 * the measured ones. */
#include <math.h>
#include <stdio.h>

#include "data/synthetic.h"
#include "deq/problem.h"
#include "num/bound.h"
#include "theorems/theorem.h"
#include "theorems/well_posedness_internal.h"

/* The rungs: double, then MPFR at these bits; the reference at twice the
 * last, so every rung is compared with a solve of at least twice its
 * precision. Up to 512 bits the distances (about 2^-p) stay within double's
 * exponent range, which the rows' lhs and rhs are. */
static const long ladder_bits[] = {53, 64, 128, 256, 512};
#define LADDER_RUNGS ((int)(sizeof ladder_bits / sizeof ladder_bits[0]))
#define LADDER_REF_BITS (2 * 512)
/* The control moves one entry of the 128-bit solve by this many times the
 * sum of the bounds (as T1.error_bound's other controls). */
#define LADDER_INJECT 4.0
#define LADDER_CONTROL_RUNG 2
#define LADDER_MAX_M 64
#define LADDER_MAX_N 16

/* Solves (A, U, X) of preset pre at prec bits (53: double), Anderson with
 * Newton polishing to the derived tolerance, into Z at out_prec bits. */
static void ladder_solve(mat_mp_t Z, deq_solve_info_t info, const mat_d_t A0, const mat_d_t U0,
                         const mat_d_t X0, const deq_preset *pre, const char *su, long prec,
                         long out_prec)
{
    long m = A0->rows, d = U0->cols, n = X0->cols;
    deq_solve_opts o;
    deq_solve_opts_default(&o);
    o.solver = DEQ_SOLVER_ANDERSON;
    deq_solve_info_init(info);
    mat_init_mp(Z, m, n, out_prec);
    if (prec == 53) {
        mat_d_t A, U, X, Zd;
        mat_init_d(A, m, m, 53), mat_init_d(U, m, d, 53), mat_init_d(X, d, n, 53);
        mat_set_d(A, A0), mat_set_d(U, U0), mat_set_d(X, X0);
        deq_problem_d_t P;
        deq_problem_init_d(P, A, U, X, pre->gamma, su, pre->act, 1, 53);
        mat_init_d(Zd, m, n, 53);
        deq_forward_solve_d(Zd, info, &P->fp, &o, 53);
        mat_set_mat_d_mp(Z, Zd);
        mat_clear_d(Zd);
        deq_problem_clear_d(P);
        return;
    }
    mat_mp_t A, U, X, Zp;
    mat_init_mp(A, m, m, prec), mat_init_mp(U, m, d, prec), mat_init_mp(X, d, n, prec);
    mat_set_mat_d_mp(A, A0), mat_set_mat_d_mp(U, U0), mat_set_mat_d_mp(X, X0);
    deq_problem_mp_t P;
    deq_problem_init_mp(P, A, U, X, pre->gamma, su, pre->act, 1, prec);
    o.newton = 1;
    mat_init_mp(Zp, m, n, prec);
    deq_forward_solve_mp(Zp, info, &P->fp, &o, prec);
    mat_set_mp(Z, Zp); /* exact: out_prec >= prec */
    mat_clear_mp(Zp);
    deq_problem_clear_mp(P);
}

void t1_run_precision_ladder(thm_results_t out, const thm_config *cfg)
{
    /* MPFR solves skipped (--backend double): nothing to climb */
    if (cfg->mpfr_max_m <= 0 || cfg->n_presets == 0)
        return;
    /* the digits depend on the precision and the conditioning, not on the
     * size: the smallest width and n of the profile, capped (defaults) so
     * that the 1024-bit solve stays a matter of seconds in every profile */
    const deq_preset *pre = cfg->presets[0];
    long m = cfg->widths[0], d = cfg->d, n = cfg->n;
    if (m > LADDER_MAX_M)
        m = LADDER_MAX_M;
    if (n > LADDER_MAX_N)
        n = LADDER_MAX_N;
    unsigned long seed = thm_case_seed(cfg->seed, 7001, (unsigned long)m, 0);
    mat_d_t A, U, v, X;
    thm_network_draw(A, U, v, m, d, seed);
    mat_init_d(X, d, n, 53);
    {
        deq_rng_t rng;
        deq_rng_init(rng, thm_case_seed(cfg->seed, 7002, (unsigned long)d, (unsigned long)n));
        data_sphere_points(X, rng);
        deq_rng_clear(rng);
    }
    char su[40];
    thm_sigma_u_string(su, sizeof su, pre, d);
    mat_mp_t Zref;
    deq_solve_info_t iref;
    ladder_solve(Zref, iref, A, U, X, pre, su, LADDER_REF_BITS, LADDER_REF_BITS);
    double zn = mat_max_col_norm_mp(Zref, LADDER_REF_BITS);
    /* the computed distance's relative error: m differences and squares
     * summed at the reference's precision, then a square root in double */
    double eta = bound_add_up(bound_gamma((double)m + 1, LADDER_REF_BITS), bound_gamma(2, 53));
    char ref_lab[16];
    thm_backend_label(ref_lab, sizeof ref_lab, 1, LADDER_REF_BITS);
    thm_series *meas = thm_results_add_series(out, THM_PLOT_PRECISION, "", LADDER_RUNGS);
    thm_series *cert = thm_results_add_series(out, THM_PLOT_PRECISION,
                                              "certified: -log10(error bound / max ||z||)",
                                              LADDER_RUNGS);
    thm_series *ideal = thm_results_add_series(out, THM_PLOT_PRECISION,
                                               "p log10(2): the working precision's digits",
                                               LADDER_RUNGS);
    snprintf(meas->label, sizeof meas->label, "measured: digits of agreement with %s", ref_lab);
    for (int k = 0; k < LADDER_RUNGS; k++) {
        long p = ladder_bits[k];
        mat_mp_t Z;
        deq_solve_info_t info;
        ladder_solve(Z, info, A, U, X, pre, su, p, LADDER_REF_BITS);
        int certified = info->certified && iref->certified;
        char lab[16];
        thm_backend_label(lab, sizeof lab, p > 53, p);
        for (int ctl = 0; ctl <= (k == LADDER_CONTROL_RUNG); ctl++) {
            double inject =
                ctl ? bound_mul_up(LADDER_INJECT, bound_add_up(info->err_bound, iref->err_bound))
                    : 0.0;
            mpfr_add_d(Z->e, Z->e, inject, MPFR_RNDN);
            double dist = mat_max_col_dist_mp(Z, Zref, LADDER_REF_BITS);
            thm_row *r = ctl ? thm_results_add_control(out, t1_check(T1_ERROR_BOUND))
                             : thm_results_add(out, t1_check(T1_ERROR_BOUND));
            snprintf(r->preset, sizeof r->preset, "%s", pre->name);
            r->width = m, r->n = n, r->seed = seed;
            snprintf(r->data, sizeof r->data, "sphere d=%ld, precision ladder", d);
            snprintf(r->backend, sizeof r->backend, "%.15s/%.15s", lab, ref_lab);
            t1_fill_error_bound(r, dist, eta, info->err_bound, iref->err_bound, certified);
            r->digits = thm_digits(dist, zn, LADDER_REF_BITS);
            if (r->failed)
                ;
            else if (ctl)
                snprintf(r->note, sizeof r->note,
                         "control: z(0,0) moved by %g x the bound; bounds: %.3g + %.3g",
                         LADDER_INJECT, info->err_bound, iref->err_bound);
            else
                snprintf(r->note, sizeof r->note, "%ld bits against %d; bounds: %.3g + %.3g", p,
                         LADDER_REF_BITS, info->err_bound, iref->err_bound);
            if (ctl)
                continue;
            meas->x[k] = cert->x[k] = ideal->x[k] = (double)p;
            meas->y[k] = r->digits;
            cert->y[k] = certified ? -log10(info->err_bound / zn) : NAN;
            ideal->y[k] = (double)p * log10(2.0);
        }
        mat_clear_mp(Z);
        deq_solve_info_clear(info);
    }
    mat_clear_mp(Zref);
    deq_solve_info_clear(iref);
    mat_clear_d(A), mat_clear_d(U), mat_clear_d(v), mat_clear_d(X);
}
