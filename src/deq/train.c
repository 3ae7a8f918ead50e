/* Full-batch gradient descent, written once for both backends (see deq/train.h). */
#include "num/generic.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/ctx.h"
#include "deq/train.h"
#include "num/bound.h"
#include "num/eig_bound.h"
#include "num/symeig.h"
#ifndef DEQ_MPFR
#include "num/eig_lapack.h"
#endif

static deq_train_step *log_push(deq_train_log_t log)
{
    if (log->len == log->cap) {
        log->cap = log->cap ? 2 * log->cap : 64;
        log->steps = deq_realloc(log->steps, (size_t)log->cap * sizeof *log->steps);
    }
    deq_train_step *s = &log->steps[log->len++];
    memset(s, 0, sizeof *s);
    s->lam_min = s->lam_max = s->lam_min_lower = s->lam_max_upper = NAN;
    return s;
}

/* Records a trouble at step s: its text in the step's event, the first one as
 * the log's outcome. Returns 1 when training must stop there. */
static int trouble(deq_train_log_t log, deq_train_step *s, deq_train_outcome o, int keep_going,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->event, sizeof s->event, fmt, ap);
    va_end(ap);
    if (log->outcome == DEQ_TRAIN_OK) {
        log->outcome = o;
        log->trouble_step = s->k;
    }
    /* NaN/Inf leaves nothing to go on from */
    int stop = !keep_going || o == DEQ_TRAIN_NONFINITE;
    if (stop) {
        log->outcome = o; /* the reason training ended */
        log->trouble_step = s->k;
        log->stopped = 1;
    }
    return stop;
}

/* All entries of M as one column (a view; M is column-major and contiguous). */
static mat_struct flat_view(const mat_t M)
{
#ifdef DEQ_MPFR
    mat_struct v = {M->e, M->rows * M->cols, 1, M->prec};
#else
    mat_struct v = {M->e, M->rows * M->cols, 1};
#endif
    return v;
}

/* ‖M − M0‖_F and ‖M‖_F² as doubles, through the scale-safe column norm (no
 * square leaves the working format before the root; the square of the second
 * is formed last, and is out of double's range only when it is). */
static double dist_fro(const mat_t M, const mat_t M0, long prec)
{
    mat_struct a = flat_view(M), b = flat_view(M0);
    return G(mat_max_col_dist)(&a, &b, prec);
}

static double norm2_sq(const mat_t M, long prec)
{
    mat_struct a = flat_view(M);
    double r = G(mat_col_norm2)(&a, 0, prec);
    return r * r;
}

void G(deq_train)(deq_train_log_t log, GT(deq_problem) P, mat_t v, const mat_t y,
                  real_srcptr alpha_v, const deq_train_opts *to, const deq_solve_opts *so,
                  long prec)
{
    G(deq_train_checked)(log, P, v, y, alpha_v, to, NULL, so, prec);
}

void G(deq_train_checked)(deq_train_log_t log, GT(deq_problem) P, mat_t v, const mat_t y,
                          real_srcptr alpha_v, const deq_train_opts *to,
                          const deq_train_checks *chk, const deq_solve_opts *so, long prec)
{
    int judge = chk != NULL, keep_going = chk && chk->keep_going;
    double t_start = deq_train_now(), t_shown = -INFINITY;
    long m = P->m, d = P->d, n = P->n;
    mat_t A0, U0, v0, Z, W, gA, gU, gv, GA, GU, Gv, G, ev;
    G(mat_init)(A0, m, m, prec), G(mat_init)(U0, m, d, prec), G(mat_init)(v0, m, 1, prec);
    G(mat_set)(A0, P->A), G(mat_set)(U0, P->U), G(mat_set)(v0, v);
    G(mat_init)(Z, m, n, prec), G(mat_init)(W, m, n, prec), G(mat_init)(gA, m, m, prec),
        G(mat_init)(gU, m, d, prec), G(mat_init)(gv, m, 1, prec), G(mat_init)(GA, n, n, prec),
        G(mat_init)(GU, n, n, prec), G(mat_init)(Gv, n, n, prec), G(mat_init)(G, n, n, prec),
        G(mat_init)(ev, n, 1, prec);
    /* one workspace for every solve of the run (unless the caller gave one):
     * the solvers' buffers are allocated once, not per step */
    GT(deq_solve_ws) ws;
    G(deq_solve_ws_init)(ws);
    deq_solve_opts so_ws = *so;
    if (!so_ws.G(ws))
        so_ws.G(ws) = ws;
    so = &so_ws;
    real_t loss, eta, t;
    re_init(loss, prec), re_init(eta, prec), re_init(t, prec);
    re_set_d(eta, to->lr);
    deq_solve_info_t fi, ai;
    deq_solve_info_init(fi), deq_solve_info_init(ai);
    int wantA = (to->trained & DEQ_TRAIN_A) != 0, wantU = (to->trained & DEQ_TRAIN_U) != 0,
        wantv = (to->trained & DEQ_TRAIN_V) != 0;
    log->outcome = DEQ_TRAIN_OK;
    log->trouble_step = -1;
    log->stopped = 0;
    double Lsig = deq_act_lipschitz_upper(P->fp.act);
    /* Divergence, without a tuned factor: GD below its stability limit never
     * raises the loss (descent lemma), so a loss above its start has stopped
     * descending; above also ½‖y‖², the loss of the zero predictor, training
     * is doing worse than not predicting at all. Both at once is diverged.
     * The slack is the loss's own evaluation error: a sum of n squares of
     * residuals (γ_{2n+2} in double, where the comparison is made), whose
     * equilibria are exact to the solve tolerance (twice it: the loss is
     * quadratic). */
    double lzero = 0.5 * norm2_sq(y, prec);
    for (long k = 0; k <= to->steps; k++) {
        deq_train_step *s = log_push(log);
        s->k = k;
        deq_solve_opts step_so = *so;
        if (to->auto_solver)
            step_so.solver = deq_solver_by_contraction(P->fp.rho_upper, so->max_iter,
                                                       deq_solve_tol_log2(so, m, prec));
        s->solver = step_so.solver;
        deq_solve_info_reset(fi);
        G(deq_forward_solve)(Z, fi, &P->fp, &step_so, prec); /* Z: warm start from the last step */
        s->fwd_iters = fi->iterations;
        s->rho_upper = P->fp.rho_upper;
        s->rho_full = P->normA->method != NUM_NORM2_INCREMENTAL;
        s->rho_estimate = Lsig * fabs(re_get_d(P->alpha_A)) * P->normA->estimate;
        s->dA = dist_fro(P->A, A0, prec);
        s->dU = dist_fro(P->U, U0, prec);
        s->dv = dist_fro(v, v0, prec);
        if (judge && !(s->rho_upper < 1) &&
            trouble(log, s, DEQ_TRAIN_RHO_GE_1, keep_going,
                    "certified rho_bar = %.6g >= 1: well-posedness is no longer certified",
                    s->rho_upper))
            break;
        if (fi->outcome != DEQ_CONVERGED &&
            trouble(log, s, DEQ_TRAIN_FORWARD_FAILED, keep_going,
                    "forward solve (%s) %s after %ld iterations (relative residual %.3g)",
                    deq_solver_name(step_so.solver), deq_outcome_name(fi->outcome), fi->iterations,
                    fi->resid_rel)) {
            s->loss = NAN;
            break;
        }
        deq_solve_info_reset(ai);
        G(deq_loss_grad)(loss, wantA ? gA : NULL, wantU ? gU : NULL, wantv ? gv : NULL, NULL, W, ai,
                         P, Z, v, y, alpha_v, &step_so, prec);
        s->adj_iters = ai->iterations;
        s->loss = re_get_d(loss);
        s->grad_norm2 = (wantA ? norm2_sq(gA, prec) : 0) + (wantU ? norm2_sq(gU, prec) : 0) +
                        (wantv ? norm2_sq(gv, prec) : 0);
        if ((wantA || wantU) && ai->outcome != DEQ_CONVERGED &&
            trouble(log, s, DEQ_TRAIN_ADJOINT_FAILED, keep_going,
                    "adjoint solve (%s) %s after %ld iterations (relative residual %.3g)",
                    deq_solver_name(step_so.solver), deq_outcome_name(ai->outcome), ai->iterations,
                    ai->resid_rel))
            break;
        if (!isfinite(s->loss) || !isfinite(s->grad_norm2)) {
            trouble(log, s, DEQ_TRAIN_NONFINITE, keep_going, "loss %g, squared gradient norm %g",
                    s->loss, s->grad_norm2);
            break;
        }
        if (k == 0) {
            double slack = bound_add_up(bound_gamma(2.0 * (double)n + 2.0, DEQ_PREC_DOUBLE), 2.0 * fi->tol);
            log->diverge_slack = slack;
            log->diverge_threshold = bound_mul_up(fmax(s->loss, lzero), 1.0 + slack);
        } else if (judge && s->loss > log->diverge_threshold &&
                   trouble(log, s, DEQ_TRAIN_DIVERGED, keep_going,
                           "loss diverged: %.6g is %.3g times L(0) = %.6g, above max(L(0), "
                           "zero predictor's %.6g) = %.6g", s->loss, s->loss / log->steps[0].loss,
                           log->steps[0].loss, lzero, log->diverge_threshold))
            break;
        if (to->gram_every > 0 && (k % to->gram_every == 0 || k == to->steps)) {
            deq_solve_info_t gi;
            deq_solve_info_init(gi);
            G(deq_gram_network)(GA, GU, Gv, W, gi, P, Z, v, alpha_v, &step_so, prec);
            deq_solve_info_clear(gi);
            G(mat_zero)(G);
            for (long q = 0; q < n * n; q++) {
                if (wantA)
                    re_add(G->e + q, G->e + q, GA->e + q);
                if (wantU)
                    re_add(G->e + q, G->e + q, GU->e + q);
                if (wantv)
                    re_add(G->e + q, G->e + q, Gv->e + q);
            }
#ifndef DEQ_MPFR
            /* LAPACK's two extreme eigenpairs with certificates, O(n³) with
             * BLAS-3 constants instead of Jacobi sweeps (num/eig_lapack.h) */
            num_eig_extreme_t eb;
            num_eig_extreme_lapack(eb, G);
            s->lam_min = eb->theta_min;
            s->lam_max = eb->theta_max;
            s->lam_min_lower = eb->min_lo;
            s->lam_max_upper = eb->max_hi;
            (void)ev;
#else
            /* MPFR: Jacobi at the working precision for the values, and the
             * Cholesky certificates at that precision (num/eig_bound.h) */
            num_symeig_info_t si;
            G(num_symeig_jacobi)(ev, NULL, si, G, prec);
            s->lam_min = re_get_d(ev->e);
            s->lam_max = re_get_d(ev->e + n - 1);
            num_eig_bounds_t eb;
            G(num_eig_bounds)(eb, G, 0, prec);
            s->lam_min_lower = eb->lower;
            s->lam_max_upper = eb->upper;
#endif
        }
        /* progress: 1 redraws one line on a terminal (once a second), 2
         * prints a line every 5 s (a log file); the last step always shows */
        deq_train_progress(to->progress, k, to->steps, s->loss, s->rho_upper, t_start, &t_shown);
        if (k == to->steps)
            break;
        /* θ ← θ − η∇L */
        if (wantA)
            for (long q = 0; q < m * m; q++)
                re_mul(t, eta, gA->e + q), re_sub(P->A->e + q, P->A->e + q, t);
        if (wantU)
            for (long q = 0; q < m * d; q++)
                re_mul(t, eta, gU->e + q), re_sub(P->U->e + q, P->U->e + q, t);
        if (wantv)
            for (long q = 0; q < m; q++)
                re_mul(t, eta, gv->e + q), re_sub(v->e + q, v->e + q, t);
        if (wantA || wantU)
            G(deq_problem_update)(P, prec);
    }
    if (to->progress == 1)
        fprintf(stderr, "\n");
    deq_solve_info_clear(fi), deq_solve_info_clear(ai);
    G(deq_solve_ws_clear)(ws);
    re_clear(loss), re_clear(eta), re_clear(t);
    G(mat_clear)(A0), G(mat_clear)(U0), G(mat_clear)(v0), G(mat_clear)(Z), G(mat_clear)(W),
        G(mat_clear)(gA), G(mat_clear)(gU), G(mat_clear)(gv), G(mat_clear)(GA), G(mat_clear)(GU),
        G(mat_clear)(Gv), G(mat_clear)(G), G(mat_clear)(ev);
}
