/* Lazy training of the equilibrium model (train_lazy.h): T4's networks. */
#include "deq/train_lazy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deq/gram.h"
#include "deq/train.h"
#include "num/bound.h"
#include "num/eig_bound.h"
#include "num/factor.h"

/* mean_i min(1, |f_i − y_i|). */
double deq_lazy_loss(const mat_d_t f, const mat_d_t y)
{
    double s = 0;
    for (long i = 0; i < y->rows; i++)
        s += fmin(1.0, fabs(f->e[i] - y->e[i]));
    return s / (double)y->rows;
}
/* flin_i = f0_i + α_A·g_iᵀ Δ z_i with g_i = column i of Gc0, z_i of Z0
 * (m×n), Δ = A − A_0 (m×m). */
void deq_lazy_linearize(mat_d_t flin, const mat_d_t f0, const mat_d_t Gc0, const mat_d_t Z0,
                        const mat_d_t Delta, double alpha_A)
{
    long m = Z0->rows, n = Z0->cols;
    mat_d_t DZ;
    mat_init_d(DZ, m, n, 53);
    double one = 1, zero = 0;
    mat_gemm_d(DZ, &one, MAT_NOTRANS, Delta, MAT_NOTRANS, Z0, &zero, 53);
    for (long i = 0; i < n; i++) {
        double s = 0;
        for (long k = 0; k < m; k++)
            s += Gc0->e[k + i * m] * DZ->e[k + i * m];
        flin->e[i] = f0->e[i] + alpha_A * s;
    }
    mat_clear_d(DZ);
}

/* yᵀH⁻¹y for symmetric positive definite H (n×n, entries at >= prec bits),
 * by Cholesky H = LLᵀ and one triangular solve pair: never an explicit inverse.
 * Returns the value rounded toward −∞ (it enters a right side), or NAN when
 * the Cholesky breaks down (*pivot gets the 1-based pivot). prec = 53: double. */
double deq_quad_form_spd(const mat_mp_t H, const mat_d_t y, long prec, long *pivot)
{
    long n = H->rows;
    double q = NAN;
    if (prec == 53) {
        mat_d_t Hd, L, s;
        mat_init_d(Hd, n, n, 53), mat_init_d(L, n, n, 53), mat_init_d(s, n, 1, 53);
        mat_get_mat_d_mp(Hd, H);
        *pivot = num_chol_d(L, Hd, 53);
        if (*pivot == 0) {
            num_chol_solve_d(s, L, y, 53);
            q = 0;
            for (long i = 0; i < n; i++)
                q += y->e[i] * s->e[i];
        }
        mat_clear_d(Hd), mat_clear_d(L), mat_clear_d(s);
    } else {
        mat_mp_t Hm, L, ym, s;
        mat_init_mp(Hm, n, n, prec), mat_init_mp(L, n, n, prec), mat_init_mp(ym, n, 1, prec),
            mat_init_mp(s, n, 1, prec);
        mat_set_mp(Hm, H);
        mat_set_mat_d_mp(ym, y);
        *pivot = num_chol_mp(L, Hm, prec);
        if (*pivot == 0) {
            num_chol_solve_mp(s, L, ym, prec);
            mpfr_t acc;
            mpfr_init2(acc, prec);
            mpfr_set_zero(acc, 1);
            for (long i = 0; i < n; i++)
                mpfr_fma(acc, ym->e + i, s->e + i, acc, MPFR_RNDN);
            q = mpfr_get_d(acc, MPFR_RNDD);
            mpfr_clear(acc);
        }
        mat_clear_mp(Hm), mat_clear_mp(L), mat_clear_mp(ym), mat_clear_mp(s);
    }
    return q;
}


/* What an evaluation of the network at (A, U, X) certifies. */
typedef struct {
    double rho;   /* certified ρ̄(A) */
    double f_err; /* max_i |f̂_i − f_i|, certified (when f was asked for) */
    double zrel;  /* certified max_i ‖ẑ_i − z_i*‖ / max_i ‖ẑ_i‖ */
} lazy_eval_info;

/* The equilibria of (A, U, X) and, when Gc is not NULL, the adjoint columns
 * and (when f is not NULL) the outputs; 0 on success, 1 when the equilibrium
 * is not certified well-posed (ρ̄ >= 1: a hypothesis not met), 2 for a solver
 * failure with ρ̄ < 1. */
static int lazy_eval(mat_d_t Z, mat_d_t f, mat_d_t Gc, lazy_eval_info *ev, const mat_d_t A,
                    const mat_d_t U, const mat_d_t X, const mat_d_t y, const mat_d_t v, double av,
                    const deq_preset *pre, const char *su, double *alpha_A, char *why,
                    size_t why_len)
{
    long m = A->rows, d = U->cols, n = X->cols;
    mat_d_t A2, U2, X2;
    mat_init_d(A2, m, m, 53), mat_init_d(U2, m, d, 53), mat_init_d(X2, d, n, 53);
    mat_set_d(A2, A), mat_set_d(U2, U), mat_set_d(X2, X);
    deq_problem_d_t P;
    deq_problem_init_d(P, A2, U2, X2, pre->gamma, su, pre->act, 1, 53);
    deq_solve_opts so;
    deq_solve_opts_default(&so);
    deq_solve_info_t fi;
    deq_solve_info_init(fi);
    mat_zero_d(Z);
    deq_forward_solve_d(Z, fi, &P->fp, &so, 53);
    if (fi->outcome != DEQ_CONVERGED) {
        /* Anderson can stagnate once ρ̄ nears 1: retry with plain Picard */
        deq_solve_opts sp = so;
        sp.solver = DEQ_SOLVER_PICARD;
        sp.max_iter = 5000;
        deq_solve_info_reset(fi);
        mat_zero_d(Z);
        deq_forward_solve_d(Z, fi, &P->fp, &sp, 53);
    }
    ev->rho = P->fp.rho_upper;
    ev->zrel = fi->certified ? fi->err_bound_rel : NAN;
    int bad = fi->outcome != DEQ_CONVERGED || !fi->certified ? (P->fp.rho_upper >= 1 ? 1 : 2) : 0;
    if (bad)
        snprintf(why, why_len, "forward solve (n=%ld): %s, rho_bar(A) = %.3g%s", n,
                 deq_outcome_name(fi->outcome), P->fp.rho_upper,
                 bad == 1 ? " >= 1: well-posedness (T1) lost, hypothesis not met" : "");
    if (!bad && f) {
        double l;
        deq_loss_d(&l, f, Z, v, y, &av, 53);
        /* f_i = α_v vᵀz_i: |f̂_i − f_i| <= α_v‖v‖(‖ẑ_i − z_i*‖ + γ_{m+1}‖ẑ_i‖), ‖v‖
         * summed in double within γ_{m+1} */
        double g = bound_gamma((double)m + 1, 53), vn = 0;
        for (long k = 0; k < m; k++)
            vn += v->e[k] * v->e[k];
        vn = bound_mul_up(bound_sqrt_up(vn), bound_add_up(1, g));
        ev->f_err = bound_mul_up(bound_mul_up(av, vn),
                                 bound_add_up(fi->err_bound, bound_mul_up(g, fi->znorm)));
    }
    if (!bad && Gc) {
        mat_d_t W;
        mat_init_d(W, m, n, 53);
        deq_solve_info_t ai;
        deq_solve_info_init(ai);
        deq_adjoint_columns_d(Gc, W, ai, P, Z, v, &av, &so, 53);
        bad = ai->outcome != DEQ_CONVERGED ? 2 : 0;
        if (bad)
            snprintf(why, why_len, "adjoint solve (n=%ld): %s, rho_bar %.3g", n,
                     deq_outcome_name(ai->outcome), P->fp.rho_upper);
        deq_solve_info_clear(ai);
        mat_clear_d(W);
    }
    if (alpha_A)
        *alpha_A = P->alpha_A[0];
    deq_solve_info_clear(fi);
    deq_problem_clear_d(P);
    return bad;
}

/* The linear model's ‖Δ_K‖²_F after K GD steps from Δ_0 = 0 with step η:
 * Δ_k = Jᵀc_k, c_{k+1} = c_k + η(r0 − G c_k), ‖Δ_K‖² = c_KᵀGc_K (G = JJᵀ). */
static double linear_distance2(const mat_d_t G, const mat_d_t r0, double eta, long K)
{
    long n = G->rows;
    double *c = calloc((size_t)n, sizeof *c), *Gc = calloc((size_t)n, sizeof *Gc), s = 0;
    for (long k = 0; k <= K; k++) {
        for (long i = 0; i < n; i++) {
            double t = 0;
            for (long j = 0; j < n; j++)
                t += G->e[i + j * n] * c[j];
            Gc[i] = t;
        }
        if (k == K)
            break;
        for (long i = 0; i < n; i++)
            c[i] += eta * (r0->e[i] - Gc[i]);
    }
    for (long i = 0; i < n; i++)
        s += c[i] * Gc[i];
    free(c), free(Gc);
    return s;
}

void deq_lazy_net_nan(deq_lazy_net *o)
{
    memset(o, 0, sizeof *o);
    o->train_loss = o->test_loss = o->f_err = o->zrel = o->B = o->trG = NAN;
    o->eps_lin = o->lin_scale = o->rho_max = o->g_lower = o->g_upper = o->eta = o->step = NAN;
    o->y_max = o->zero_loss = o->quadG = o->ratio_lin = NAN;
}

/* Labels: max |y| and the zero predictor's test loss. */
static void lazy_labels(deq_lazy_net *o, const mat_d_t y, const mat_d_t yt)
{
    o->y_max = 0;
    for (long i = 0; i < y->rows; i++)
        o->y_max = fmax(o->y_max, fabs(y->e[i]));
    for (long i = 0; i < yt->rows; i++)
        o->y_max = fmax(o->y_max, fabs(yt->e[i]));
    mat_d_t z;
    mat_init_d(z, yt->rows, 1, 53);
    mat_zero_d(z);
    o->zero_loss = deq_lazy_loss(z, yt);
    mat_clear_d(z);
}

void deq_lazy_train(deq_lazy_net *o, const mat_d_t A0, const mat_d_t U, const mat_d_t v,
                    const mat_d_t X, const mat_d_t y, const mat_d_t Xt, const mat_d_t yt,
                    double sigma_v, long steps, double dist_residual, const deq_preset *pre,
                    const char *su)
{
    deq_lazy_net_nan(o);
    long m = A0->rows, d = X->rows, n = X->cols, nt = Xt->cols;
    o->m = m, o->n = n, o->n_test = nt;
    lazy_labels(o, y, yt);
    double av = sigma_v / sqrt((double)m), aA = NAN;
    lazy_eval_info e0, et0, e1, et1;
    mat_d_t Z0, f0, Gc0, Zt0, ft0, Gct0, Z, f, Zt, ft, GA;
    mat_init_d(Z0, m, n, 53), mat_init_d(f0, n, 1, 53), mat_init_d(Gc0, m, n, 53);
    mat_init_d(Zt0, m, nt, 53), mat_init_d(ft0, nt, 1, 53), mat_init_d(Gct0, m, nt, 53);
    mat_init_d(Z, m, n, 53), mat_init_d(f, n, 1, 53), mat_init_d(Zt, m, nt, 53),
        mat_init_d(ft, nt, 1, 53), mat_init_d(GA, n, n, 53);
    int bad = lazy_eval(Z0, f0, Gc0, &e0, A0, U, X, y, v, av, pre, su, &aA, o->why,
                       sizeof o->why);
    o->rho_max = e0.rho;
    if (!bad)
        bad = lazy_eval(Zt0, ft0, Gct0, &et0, A0, U, Xt, yt, v, av, pre, su, NULL, o->why,
                       sizeof o->why);
    if (bad)
        goto done;
    o->zrel = fmax(e0.zrel, et0.zrel);
    /* G^A(0) from the network at init: trace, certified extremes, r0ᵀG⁻¹r0 */
    double au = deq_preset_sigma_u(pre, d);
    deq_gram_blocks_d(GA, NULL, NULL, Z0, Gc0, X, &aA, &au, &av, 53);
    o->trG = 0;
    for (long i = 0; i < n; i++)
        o->trG += GA->e[i + i * n];
    num_eig_bounds_t eb;
    num_eig_bounds_d(eb, GA, 0, 53);
    o->g_lower = eb->lower, o->g_upper = eb->upper;
    o->eta = 1 / eb->approx_max;
    o->step = bound_mul_up(o->eta, eb->upper);
    mat_d_t r0;
    mat_init_d(r0, n, 1, 53);
    {
        mat_mp_t Gm;
        mat_init_mp(Gm, n, n, 53);
        mat_set_mat_d_mp(Gm, GA);
        for (long i = 0; i < n; i++)
            r0->e[i] = y->e[i] - f0->e[i];
        long piv;
        o->quadG = deq_quad_form_spd(Gm, r0, 53, &piv);
        mat_clear_mp(Gm);
    }
    if (steps < 0) {
        /* (1 − ηλ_min)^K <= dist_residual in the linear model */
        double q = 1 - o->eta * eb->approx_min;
        long need = q > 0 && q < 1 ? (long)ceil(log(dist_residual) / log(q)) : -steps;
        steps = need < -steps ? need : -steps;
    }
    o->steps = steps;
    o->ratio_lin = linear_distance2(GA, r0, o->eta, steps) / o->quadG;
    mat_clear_d(r0);
    /* train A only */
    {
        mat_d_t A, U2, X2, v2;
        mat_init_d(A, m, m, 53), mat_init_d(U2, m, d, 53), mat_init_d(X2, d, n, 53),
            mat_init_d(v2, m, 1, 53);
        mat_set_d(A, A0), mat_set_d(U2, U), mat_set_d(X2, X), mat_set_d(v2, v);
        deq_problem_d_t P;
        deq_problem_init_d(P, A, U2, X2, pre->gamma, su, pre->act, 1, 53);
        deq_train_opts to = {steps, o->eta, DEQ_TRAIN_A, 0, 0, 0};
        deq_solve_opts so;
        deq_solve_opts_default(&so);
        deq_train_log_t log;
        deq_train_log_init(log);
        deq_train_d(log, P, v2, y, &av, &to, &so, 53);
        for (long k = 0; k < log->len; k++)
            o->rho_max = fmax(o->rho_max, log->steps[k].rho_upper);
        bad = log->outcome != DEQ_TRAIN_OK;
        if (bad) {
            double rho = log->len > 0 ? log->steps[log->len - 1].rho_upper : NAN;
            snprintf(o->why, sizeof o->why, "GD: %s at step %ld, rho_bar(A) = %.3g%s",
                     deq_train_outcome_name(log->outcome), log->len - 1, rho,
                     rho >= 1 ? " >= 1: well-posedness (T1) lost, hypothesis not met" : "");
        }
        deq_train_log_clear(log);
        mat_d_t AT, Delta;
        mat_init_d(AT, m, m, 53), mat_init_d(Delta, m, m, 53);
        mat_set_d(AT, P->A);
        deq_problem_clear_d(P);
        mat_clear_d(v2);
        if (!bad) {
            o->B = 0;
            for (long k = 0; k < m * m; k++) {
                Delta->e[k] = AT->e[k] - A0->e[k];
                o->B += Delta->e[k] * Delta->e[k];
            }
            o->B = sqrt(o->B);
            bad = lazy_eval(Z, f, NULL, &e1, AT, U, X, y, v, av, pre, su, NULL, o->why,
                           sizeof o->why);
            o->rho_max = fmax(o->rho_max, e1.rho);
            if (!bad)
                bad = lazy_eval(Zt, ft, NULL, &et1, AT, U, Xt, yt, v, av, pre, su, NULL,
                               o->why, sizeof o->why);
        }
        if (!bad) {
            o->train_loss = deq_lazy_loss(f, y);
            o->test_loss = deq_lazy_loss(ft, yt);
            o->f_err = fmax(fmax(e0.f_err, et0.f_err), fmax(e1.f_err, et1.f_err));
            mat_d_t fl, ftl;
            mat_init_d(fl, n, 1, 53), mat_init_d(ftl, nt, 1, 53);
            deq_lazy_linearize(fl, f0, Gc0, Z0, Delta, aA);
            deq_lazy_linearize(ftl, ft0, Gct0, Zt0, Delta, aA);
            o->eps_lin = o->lin_scale = 0;
            for (long i = 0; i < n; i++)
                o->eps_lin = fmax(o->eps_lin, fabs(f->e[i] - fl->e[i])),
                o->lin_scale = fmax(o->lin_scale, fabs(fl->e[i] - f0->e[i]));
            for (long i = 0; i < nt; i++)
                o->eps_lin = fmax(o->eps_lin, fabs(ft->e[i] - ftl->e[i])),
                o->lin_scale = fmax(o->lin_scale, fabs(ftl->e[i] - ft0->e[i]));
            mat_clear_d(fl), mat_clear_d(ftl);
        }
        mat_clear_d(AT), mat_clear_d(Delta);
    }
    o->ok = !bad && isfinite(o->train_loss) && isfinite(o->test_loss) && isfinite(o->B) &&
            isfinite(o->f_err);
    if (!bad && !o->ok)
        snprintf(o->why, sizeof o->why, "non-finite loss, distance or error bound");
done:
    mat_clear_d(Z0), mat_clear_d(f0), mat_clear_d(Gc0), mat_clear_d(Zt0), mat_clear_d(ft0),
        mat_clear_d(Gct0), mat_clear_d(Z), mat_clear_d(f), mat_clear_d(Zt), mat_clear_d(ft),
        mat_clear_d(GA);
}

