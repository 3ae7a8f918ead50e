/* `deqcheck train` for one backend; compiled for double and for MPFR. */
#include "num/generic.h"

#include <math.h>
#include <stdio.h>

#include "cli/cli.h"
#include "deq/train.h"

int G(cli_train_run)(const cli_train_args *a, const mat_d_t Xd, const mat_d_t yd)
{
    long prec = a->prec, m = a->m, d = Xd->rows, n = Xd->cols;
    deq_rng_t rng;
    deq_rng_init(rng, a->seed);
    mat_d_t Ad, Ud, vd;
    mat_init_d(Ad, m, m, 53), mat_init_d(Ud, m, d, 53), mat_init_d(vd, m, 1, 53);
    deq_weights_draw(Ad, Ud, vd, DEQ_INIT_GAUSSIAN, rng);
    deq_rng_clear(rng);
    mat_t A, U, X, v, y;
    G(mat_init)(A, m, m, prec), G(mat_init)(U, m, d, prec), G(mat_init)(X, d, n, prec),
        G(mat_init)(v, m, 1, prec), G(mat_init)(y, n, 1, prec);
    G(mat_set_mat_d)(A, Ad), G(mat_set_mat_d)(U, Ud), G(mat_set_mat_d)(X, Xd),
        G(mat_set_mat_d)(v, vd), G(mat_set_mat_d)(y, yd);
    mat_clear_d(Ad), mat_clear_d(Ud), mat_clear_d(vd);
    char su[40];
    snprintf(su, sizeof su, "%.17g", deq_preset_sigma_u(a->preset, d));
    GT(deq_problem) P;
    G(deq_problem_init)(P, A, U, X, a->preset->gamma, su, a->preset->act, 1, prec);
    if (a->rho_refresh_slack > 0)
        G(deq_problem_set_rho_refresh_slack)(P, a->rho_refresh_slack, prec);
    real_t av, sq;
    re_init(av, prec), re_init(sq, prec);
    re_set_si(sq, m);
    re_sqrt(sq, sq);
    re_set_si(av, 1);
    re_div(av, av, sq); /* α_v = σ_v/√m with σ_v = 1 */
    deq_train_opts to = {a->steps, a->lr, a->preset->trained, a->gram_every, a->progress,
                         a->auto_solver};
    deq_solve_opts so;
    deq_solve_opts_default(&so);
    so.solver = a->solver;
    so.newton = a->backend == DEQ_BACKEND_MPFR;
    deq_train_log_t log;
    deq_train_log_init(log);
    char solver[96];
    cli_train_solver_text(solver, sizeof solver, a->auto_solver, a->solver, so.max_iter,
                          deq_solve_tol_log2(&so, m, prec));
    fprintf(stderr, "train: preset %s (%s), m=%ld d=%ld n=%ld, %ld steps, lr %g, seed %lu, %s, %s",
            a->preset->name, a->data, m, d, n, a->steps, a->lr, a->seed, solver,
            a->backend == DEQ_BACKEND_DOUBLE ? "double" : "mpfr");
    if (a->backend == DEQ_BACKEND_MPFR)
        fprintf(stderr, " (%ld bits)", prec);
    fprintf(stderr, "\n");
    deq_train_checks chk = {a->keep_going};
    G(deq_train_checked)(log, P, v, y, av, &to, &chk, &so, prec);
    int rc = CLI_EXIT_OK;
    FILE *f = fopen(a->log, "w");
    if (!f || deq_train_log_write_csv(log, f) != 0) {
        fprintf(stderr, "deqcheck train: --log %s: cannot write\n", a->log);
        rc = CLI_EXIT_USAGE;
    }
    if (f)
        fclose(f);
    if (log->len > 0) {
        double rho_max = 0;
        for (long k = 0; k < log->len; k++)
            rho_max = fmax(rho_max, log->steps[k].rho_upper);
        fprintf(stderr, "train: %s; loss %.6e -> %.6e over %ld steps; max certified rho_bar %.4g; "
                        "log %s\n", deq_train_outcome_name(log->outcome), log->steps[0].loss,
                log->steps[log->len - 1].loss, log->len - 1, rho_max, a->log);
        fprintf(stderr, "train: rho_bar after %ld updates: %ld computed in full, %ld incremental "
                        "(--rho-refresh-slack %g)\n", P->full_refreshes + P->incremental_refreshes,
                P->full_refreshes, P->incremental_refreshes, a->rho_refresh_slack);
    }
    if (log->trouble_step >= 0) {
        const deq_train_step *ts = &log->steps[0];
        for (long k = 0; k < log->len; k++)
            if (log->steps[k].k == log->trouble_step)
                ts = &log->steps[k];
        if (log->stopped)
            fprintf(stderr, "train: stopped at step %ld: %s\n", log->trouble_step, ts->event);
        else
            fprintf(stderr, "train: warning: at step %ld: %s (--keep-going: went on; every "
                            "trouble is in the log's event column)\n", log->trouble_step, ts->event);
    }
    if (isfinite(log->diverge_threshold))
        fprintf(stderr, "train: divergence threshold max(L(0), 1/2 |y|^2)*(1 + %.3g) = %.6g "
                        "(1 + the loss's rounding and solve tolerance)\n",
                log->diverge_slack, log->diverge_threshold);
    /* honest: a run that stopped at a trouble did not do what was asked */
    if (rc == CLI_EXIT_OK && log->stopped)
        rc = CLI_EXIT_FAIL;
    deq_train_log_clear(log);
    re_clear(av), re_clear(sq);
    G(mat_clear)(v), G(mat_clear)(y);
    G(deq_problem_clear)(P);
    return rc;
}
