/* `deqcheck train` on the papers' own models, for one backend; compiled for
 * double and for MPFR. */
#include "num/generic.h"

#include <math.h>
#include <stdio.h>

#include "cli/cli.h"
#include "deq/paper_model.h"

int G(cli_paper_train_run)(const cli_paper_train_args *a, mat_d_t *T, const mat_d_t Xd,
                           const mat_d_t yd)
{
    long prec = a->prec, m = T[DEQ_PAPER_T]->rows, d = Xd->rows, n = Xd->cols;
    const deq_paper_spec *sp = a->spec;
    const char *gamma = deq_paper_const_value(sp, "gamma");
    GT(deq_paper) P;
    G(deq_paper_init)(P, sp->kind, m, d, gamma ? gamma : "1", prec);
    G(deq_paper_set_d)(P, T);
    mat_t X, y;
    G(mat_init)(X, d, n, prec), G(mat_init)(y, n, 1, prec);
    G(mat_set_mat_d)(X, Xd), G(mat_set_mat_d)(y, yd);
    deq_solve_opts so;
    deq_solve_opts_default(&so);
    char solver[96];
    cli_train_solver_text(solver, sizeof solver, a->auto_solver, a->solver, so.max_iter,
                          deq_solve_tol_log2(&so, m, prec));
    fprintf(stderr, "train: %s as the paper has it: %s; m=%ld d=%ld n=%ld, %ld steps, lr %g, %s, %s",
            sp->name, sp->equation, m, d, n, a->steps, a->lr, solver,
            a->backend == DEQ_BACKEND_DOUBLE ? "double" : "mpfr");
    if (a->backend == DEQ_BACKEND_MPFR)
        fprintf(stderr, " (%ld bits)", prec);
    fprintf(stderr, "\n");
    for (int k = 0; k < sp->n_consts; k++)
        fprintf(stderr, "train:   %s = %s [%s: %s]\n", sp->consts[k].name, sp->consts[k].value,
                deq_const_origin_name(sp->consts[k].origin), sp->consts[k].where);
    deq_paper_train_opts to = {.steps = a->steps, .lr = a->lr, .gram_every = a->gram_every,
                               .keep_going = a->keep_going, .picard = a->solver == DEQ_SOLVER_PICARD,
                               .auto_solver = a->auto_solver, .progress = a->progress};
    deq_paper_log_t log;
    deq_paper_log_init(log);
    G(deq_paper_train)(log, P, X, y, &to, prec);
    int rc = CLI_EXIT_OK;
    FILE *f = fopen(a->log, "w");
    if (!f || deq_paper_log_write_csv(log, f) != 0) {
        fprintf(stderr, "deqcheck train: --log %s: cannot write\n", a->log);
        rc = CLI_EXIT_USAGE;
    }
    if (f)
        fclose(f);
    if (a->save) {
        mat_d_t W[DEQ_PAPER_SLOTS];
        deq_paper_tensors_init(W, sp->kind, m, d);
        G(deq_paper_get_d)(W, P);
        deq_error_t err;
        deq_error_init(err);
        if (deq_paper_save(a->save, W, sp->kind, err) != DEQ_OK) {
            fprintf(stderr, "deqcheck train: --save %s\n", err->msg);
            rc = CLI_EXIT_USAGE;
        }
        deq_paper_tensors_clear(W);
    }
    if (log->len > 0)
        fprintf(stderr, "train: loss %.6e -> %.6e over %ld steps; operator norm %.6g -> %.6g; log %s\n",
                log->steps[0].loss, log->steps[log->len - 1].loss, log->steps[log->len - 1].k,
                log->steps[0].op_norm, log->steps[log->len - 1].op_norm, a->log);
    if (log->trouble_step >= 0) {
        const deq_paper_step *ts = &log->steps[0];
        for (long k = 0; k < log->len; k++)
            if (log->steps[k].k == log->trouble_step)
                ts = &log->steps[k];
        if (log->stopped)
            fprintf(stderr, "train: stopped at step %ld: %s\n", log->trouble_step, ts->event);
        else
            fprintf(stderr, "train: warning: at step %ld: %s (--keep-going: went on)\n",
                    log->trouble_step, ts->event);
    }
    if (rc == CLI_EXIT_OK && log->stopped)
        rc = CLI_EXIT_FAIL;
    deq_paper_log_clear(log);
    G(mat_clear)(X), G(mat_clear)(y);
    G(deq_paper_clear)(P);
    return rc;
}
