/* Problem assembly, written once for both backends (see deq/problem.h). */
#include "num/generic.h"

#include <stdlib.h>
#include <string.h>

#include "deq/problem.h"
#include "num/bound.h"


void G(deq_set_decimal)(real_ptr x, const char *s)
{
#ifdef DEQ_MPFR
    mpfr_strtofr(x, s, NULL, 10, MPFR_RNDN);
#else
    x[0] = strtod(s, NULL);
#endif
}

void G(deq_problem_init)(GT(deq_problem) P, mat_t A, mat_t U, mat_t X, const char *gamma,
                         const char *sigma_u, deq_act act, int data_exact, long prec)
{
    DEQ_REQUIRE(A->rows == A->cols && U->rows == A->rows && U->cols == X->rows);
    P->m = A->rows;
    P->d = U->cols;
    P->n = X->cols;
    *P->A = *A;
    *P->U = *U;
    *P->X = *X;
    /* ownership moved: the caller's handles become empty (clearing them is harmless) */
    A->e = U->e = X->e = NULL;
    A->rows = A->cols = U->rows = U->cols = X->rows = X->cols = 0;
    G(mat_init)(P->B, P->m, P->n, prec);
    mat_init_d(P->B_err, P->m, P->n, 53);

    /* α_A = γ/√m: γ and √m each rounded once, then one division, so α_A is
     * within γ_4 relative of the exact value (a conservative count). */
    re_init(P->alpha_A, prec);
    re_init(P->alpha_U, prec);
    real_t sq;
    re_init(sq, prec);
    G(deq_set_decimal)(P->alpha_A, gamma);
    re_set_si(sq, P->m);
    re_sqrt(sq, sq);
    re_div(P->alpha_A, P->alpha_A, sq);
    re_clear(sq);
    G(deq_set_decimal)(P->alpha_U, sigma_u);
    double alpha_A_err = bound_gamma(4, prec);
    double alpha_U_err = bound_gamma(1, prec);
    double data_err = data_exact ? 0.0 : bound_gamma(1, prec);
    P->X_rel_err = data_err;

    G(deq_injection)(P->B, P->B_err, &P->B_err_exp, P->alpha_U, alpha_U_err, P->U, data_err, P->X, data_err,
                     prec);
    P->fp.A = P->A;
    P->fp.alpha = P->alpha_A;
    P->fp.B = P->B;
    P->fp.act = act;
    P->fp.alpha_rel_err = alpha_A_err;
    P->fp.A_rel_err = data_err;
    P->fp.B_err = P->B_err;
    P->fp.B_err_exp = P->B_err_exp;
    P->fp.rho_upper = G(deq_contraction_upper)(P->normA, P->A, P->alpha_A, alpha_A_err, data_err,
                                               act, prec);
    P->rho_refresh_slack = 0.0;
    memset(P->A_ref, 0, sizeof P->A_ref); /* allocated by deq_problem_set_rho_refresh_slack with τ > 0 */
    P->have_ref = 0;
    P->ref_rho = NAN;
    P->full_refreshes = P->incremental_refreshes = 0;
}

void G(deq_problem_clear)(GT(deq_problem) P)
{
    G(mat_clear)(P->A);
    G(mat_clear)(P->U);
    G(mat_clear)(P->X);
    G(mat_clear)(P->B);
    mat_clear_d(P->B_err);
    re_clear(P->alpha_A);
    re_clear(P->alpha_U);
    if (P->A_ref->e)
        G(mat_clear)(P->A_ref);
}

void G(deq_problem_set_rho_refresh_slack)(GT(deq_problem) P, double tau, long prec)
{
    DEQ_REQUIRE(tau >= 0 && tau < 1);
#ifdef DEQ_MPFR
    prec = P->A->prec; /* A_ref must be an exact copy: the reference bound is of A as stored */
#endif
    P->rho_refresh_slack = tau;
    P->have_ref = 0;
    if (tau == 0 && P->A_ref->e)
        G(mat_clear)(P->A_ref);
    else if (tau > 0 && !P->A_ref->e)
        G(mat_init)(P->A_ref, P->m, P->m, prec);
}

/* The incremental bound of deq_problem_set_rho_refresh_slack: 1 and ρ̄, P->normA
 * set when it is within the slack, else 0 (nothing changed). */
static int rho_incremental(GT(deq_problem) P, long prec)
{
    if (!P->have_ref)
        return 0;
    double delta = G(num_fro_dist_upper)(P->A, P->A_ref, prec);
    double upper = bound_add_up(P->ref_norm->upper, delta);
    double rho = G(deq_contraction_from_norm)(upper, P->alpha_A, P->fp.alpha_rel_err, P->fp.act);
    /* 1 − ρ̄ must stay >= (1 − τ)(1 − ρ̄_ref): that product rounded up, the
     * threshold 1 − it rounded down */
    double room = bound_mul_up(bound_sub_up(1.0, P->rho_refresh_slack), bound_sub_up(1.0, P->ref_rho));
    double limit = bound_sub_down(1.0, room);
    if (!(rho <= limit && rho < 1.0))
        return 0;
    P->normA->upper = upper;
    P->normA->fallback = bound_add_up(P->ref_norm->fallback, delta);
    P->normA->estimate = P->ref_norm->estimate;
    P->normA->method = NUM_NORM2_INCREMENTAL;
    P->fp.rho_upper = rho;
    return 1;
}

void G(deq_problem_update)(GT(deq_problem) P, long prec)
{
    double alpha_U_err = bound_gamma(1, prec);
    G(deq_injection)(P->B, P->B_err, &P->B_err_exp, P->alpha_U, alpha_U_err, P->U, 0.0, P->X, P->X_rel_err,
                     prec);
    P->fp.B_err_exp = P->B_err_exp;
    P->fp.A_rel_err = 0.0;
#ifdef DEQ_MPFR
    /* the reference must be an exact copy of A: a precision that changed since
     * would round it (and make δ describe another matrix) */
    if (P->rho_refresh_slack > 0 && P->A_ref->prec != P->A->prec) {
        G(mat_clear)(P->A_ref);
        G(mat_init)(P->A_ref, P->m, P->m, P->A->prec);
        P->have_ref = 0;
    }
#endif
    if (P->rho_refresh_slack > 0 && rho_incremental(P, prec)) {
        P->incremental_refreshes++;
        return;
    }
    P->fp.rho_upper = G(deq_contraction_upper)(P->normA, P->A, P->alpha_A, P->fp.alpha_rel_err,
                                               0.0, P->fp.act, prec);
    P->full_refreshes++;
    if (P->rho_refresh_slack > 0) {
        /* the new reference; one that cannot serve (ρ̄ not finite or >= 1)
         * leaves the next update to refresh in full again */
        G(mat_set)(P->A_ref, P->A);
        *P->ref_norm = *P->normA;
        P->ref_rho = P->fp.rho_upper;
        P->have_ref = isfinite(P->ref_rho) && P->ref_rho < 1.0;
    }
}
