/* Full-batch gradient descent on the papers' models (generic source; see
 * deq/paper_model.h). */
#include "num/generic.h"

#include <math.h>
#include <stdio.h>

#include "deq/paper_model.h"
#include "deq/train.h"
#include "num/bound.h"
#include "num/eig_lapack.h"

static void gram_bounds(deq_paper_step *s, const GT(deq_paper_state) S, const GT(deq_paper) P,
                        long prec)
{
    mat_d_t Gm;
    mat_init_d(Gm, S->n, S->n, 53);
    G(deq_paper_gram)(Gm, S, P, prec);
    num_eig_extreme_t e;
    num_eig_extreme_lapack(e, Gm);
    s->lam_min = e->theta_min;
    s->lam_min_lower = e->min_lo;
    s->lam_min_upper = e->min_hi;
    mat_clear_d(Gm);
}

void G(deq_paper_trainer_init)(GT(deq_paper_trainer) T, const GT(deq_paper) P, const mat_t X,
                               const mat_t y, const deq_paper_train_opts *opts, long prec)
{
    long n = X->cols;
    G(deq_paper_state_init)(T->S, P, n, prec);
    if (opts->picard)
        T->S->solver = DEQ_SOLVER_PICARD;
    T->S->solver_auto = opts->auto_solver;
    G(deq_paper_init)(T->g, P->kind, P->m, P->d, "1", prec);
    re_init(T->step, prec);
    re_set_d(T->step, -opts->lr);
    real_t half_y2;
    re_init(half_y2, prec);
    re_set_zero(half_y2);
    for (long i = 0; i < n; i++)
        re_fma(half_y2, mat_entry(y, i, 0), mat_entry(y, i, 0), half_y2);
    re_mul_2si(half_y2, half_y2, -1);
    T->half_y2 = re_get_d(half_y2);
    re_clear(half_y2);
    /* The loss is a sum of n squares of residuals, each a dot product of
     * length m plus one subtraction: γ_{m+n+2} relative covers its rounding. */
    T->slack = bound_gamma((double)(P->m + n + 2), prec < 53 ? prec : 53);
    T->threshold = NAN;
    T->k = 0;
    T->finished = 0;
}

void G(deq_paper_trainer_clear)(GT(deq_paper_trainer) T)
{
    re_clear(T->step);
    G(deq_paper_clear)(T->g);
    G(deq_paper_state_clear)(T->S);
}

void G(deq_paper_trainer_resume)(GT(deq_paper_trainer) T, const deq_paper_log_t log,
                                 const mat_d_t Z, const mat_d_t Wadj)
{
    T->k = log->len;
    T->finished = 0;
    if (log->len > 0)
        T->threshold = fmax(log->steps[0].loss, T->half_y2) * (1.0 + T->slack);
    G(mat_set_mat_d)(T->S->Z, Z);
    G(mat_set_mat_d)(T->S->Wadj, Wadj);
    T->S->have_Z = T->S->have_W = log->len > 0;
}

int G(deq_paper_trainer_step)(deq_paper_log_t log, GT(deq_paper_trainer) T, GT(deq_paper) P,
                              const mat_t X, const mat_t y, const deq_paper_train_opts *opts,
                              long prec)
{
    if (T->finished)
        return 0;
    long k = T->k++;
    GS(deq_paper_state) *S = T->S;
    GS(deq_paper) *g = T->g;
    real_t loss;
    re_init(loss, prec);
    deq_paper_step *s = deq_paper_log_push(log);
    s->k = k;
    int ok = G(deq_paper_forward)(loss, S, P, X, y, prec);
    s->loss = re_get_d(loss);
    re_clear(loss);
    s->op_norm = S->rho_estimate;
    s->op_norm_upper = S->rho_upper;
    s->fwd_iters = S->fwd_iters;
    s->solver = S->solver;
    if (k == 0)
        T->threshold = fmax(s->loss, T->half_y2) * (1.0 + T->slack);
    const char *trouble = NULL;
    char why[64];
    int fatal = 0;
    if (!ok) {
        snprintf(why, sizeof why, "forward solve (%s) did not converge", deq_solver_name(S->solver));
        trouble = why, fatal = 1;
    } else if (!isfinite(s->loss)) {
        trouble = "loss is NaN/Inf", fatal = 1;
    }
    if (!fatal && (k == opts->steps || (opts->gram_every > 0 && k % opts->gram_every == 0)))
        gram_bounds(s, S, P, prec);
    if (!fatal && k < opts->steps) {
        if (!G(deq_paper_grad)(g, S, P, X, prec)) {
            snprintf(why, sizeof why, "adjoint solve (%s) did not converge", deq_solver_name(S->solver));
            trouble = why, fatal = 1;
        } else {
            double g2 = 0;
            for (int t = 0; t < DEQ_PAPER_SLOTS; t++)
                for (long j = 0; j < g->w[t]->rows * g->w[t]->cols; j++) {
                    double v = re_get_d(g->w[t]->e + j);
                    g2 += v * v;
                }
            s->grad_norm2 = g2;
            s->adj_iters = S->adj_iters;
        }
    }
    if (!trouble && !(S->rho_upper < 1.0))
        trouble = "certified rho_bar >= 1: well-posedness not certified";
    if (!trouble && s->loss > T->threshold)
        trouble = "loss diverged: above max(L(0), 1/2 |y|^2)";
    if (opts->observe)
        opts->observe(opts->observe_arg, k, P, S, !fatal && k < opts->steps ? (const void *)g : NULL,
                      s);
    if (trouble) {
        snprintf(s->event, sizeof s->event, "%s", trouble);
        if (log->trouble_step < 0)
            log->trouble_step = k;
        if (fatal || !opts->keep_going) {
            log->stopped = 1;
            T->finished = 1;
            return 0;
        }
    }
    if (k >= opts->steps) {
        T->finished = 1;
        return 0;
    }
    /* θ ← θ − η∇L for every trained tensor (gao2021: A, W, u, v; ling2022: W, U, a) */
    for (int t = 0; t < DEQ_PAPER_SLOTS; t++)
        for (long j = 0; j < P->w[t]->rows * P->w[t]->cols; j++)
            re_fma(P->w[t]->e + j, T->step, g->w[t]->e + j, P->w[t]->e + j);
    return 1;
}

void G(deq_paper_train)(deq_paper_log_t log, GT(deq_paper) P, const mat_t X, const mat_t y,
                        const deq_paper_train_opts *opts, long prec)
{
    GT(deq_paper_trainer) T;
    G(deq_paper_trainer_init)(T, P, X, y, opts, prec);
    double t_start = deq_train_now(), t_shown = -INFINITY;
    int more;
    do {
        more = G(deq_paper_trainer_step)(log, T, P, X, y, opts, prec);
        const deq_paper_step *s = &log->steps[log->len - 1];
        deq_train_progress(opts->progress, s->k, opts->steps, s->loss, T->S->rho_upper, t_start,
                           &t_shown);
    } while (more);
    if (opts->progress == 1)
        fprintf(stderr, "\n");
    G(deq_paper_trainer_clear)(T);
}
