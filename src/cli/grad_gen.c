/* `deqcheck grad` for one backend; compiled for double and for MPFR. */
#include <jansson.h>

#include "num/generic.h"

#include <stdio.h>

#include "cli/cli.h"
#include "report/json.h"
#include "data/textmat.h"
#include "deq/grad.h"

/* Reads a column vector (rows × 1) from path; on error prints one line. */
static int read_column(mat_t M, const char *flag, const char *path, long rows, const char *what,
                       const cli_net_args *a, long prec)
{
    deq_error_t err;
    deq_error_init(err);
    if (G(textmat_read)(M, path, prec, err) != DEQ_OK) {
        fprintf(stderr, "deqcheck %s: %s\n", a->cmd, err->msg);
        return CLI_EXIT_USAGE;
    }
    if (M->rows != rows || M->cols != 1) {
        fprintf(stderr, "deqcheck %s: --%s %s: must be %ld x 1 (%s), got %ld x %ld\n", a->cmd, flag,
                path, rows, what, M->rows, M->cols);
        G(mat_clear)(M);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

static int write_named(const char *dir, const char *name, const mat_t M, long prec)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    deq_error_t err;
    deq_error_init(err);
    if (G(textmat_write)(path, M, prec, err) != DEQ_OK) {
        fprintf(stderr, "deqcheck grad: %s\n", err->msg);
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

int G(cli_grad_run)(const cli_net_args *a)
{
    long prec = a->prec;
    mat_t A, U, X, v, y;
    int rc = G(cli_read_network)(A, U, X, a, prec);
    if (rc != CLI_EXIT_OK)
        return rc;
    long m = A->rows, d = U->cols, n = X->cols;
    if ((rc = read_column(v, "v", a->v, m, "m x 1 output weights, m = rows of A", a, prec)) != 0) {
        G(mat_clear)(A), G(mat_clear)(U), G(mat_clear)(X);
        return rc;
    }
    if ((rc = read_column(y, "y", a->y, n, "n x 1 targets, n = columns of X", a, prec)) != 0) {
        G(mat_clear)(A), G(mat_clear)(U), G(mat_clear)(X), G(mat_clear)(v);
        return rc;
    }
    GT(deq_problem) P;
    G(deq_problem_init)(P, A, U, X, a->gamma, a->sigma_u, a->act, 0, prec);
    /* α_v = σ_v/√m */
    real_t av, sq, loss;
    re_init(av, prec), re_init(sq, prec), re_init(loss, prec);
    G(deq_set_decimal)(av, a->sigma_v);
    re_set_si(sq, m);
    re_sqrt(sq, sq);
    re_div(av, av, sq);

    mat_t Z, W, gA, gU, gv, L;
    G(mat_init)(Z, m, n, prec), G(mat_init)(W, m, n, prec), G(mat_init)(gA, m, m, prec),
        G(mat_init)(gU, m, d, prec), G(mat_init)(gv, m, 1, prec), G(mat_init)(L, 1, 1, prec);
    deq_solve_info_t fi, ai;
    deq_solve_info_init(fi), deq_solve_info_init(ai);
    deq_solve_opts solve_opts = a->opts;
    cli_iter_progress progress;
    cli_iter_progress_attach(&progress, &solve_opts, "grad: forward solve", a->progress);
    G(deq_forward_solve)(Z, fi, &P->fp, &solve_opts, prec);
    cli_iter_progress_finish(&progress);
    cli_iter_progress_attach(&progress, &solve_opts, "grad: adjoint solve", a->progress);
    if (fi->outcome == DEQ_CONVERGED)
        G(deq_loss_grad)(loss, gA, gU, gv, NULL, W, ai, P, Z, v, y, av, &solve_opts, prec);
    cli_iter_progress_finish(&progress);
    fprintf(stderr, "backend: %s (%ld bits)\n", a->backend == DEQ_BACKEND_DOUBLE ? "double" : "mpfr",
            prec);
    fprintf(stderr, "problem: m=%ld d=%ld n=%ld, activation %s, gamma=%s, sigma_u=%s, sigma_v=%s\n",
            m, d, n, deq_act_name(a->act), a->gamma, a->sigma_u, a->sigma_v);
    char eb[2][48];
    num_xreal_snprint(eb[0], sizeof eb[0], fi->err_bound_x);
    num_xreal_snprint(eb[1], sizeof eb[1], ai->err_bound_x);
    fprintf(stderr, "forward: %s after %ld iterations; residual %.3e; rho_bar %.6g; error bound "
                    "%s\n", deq_outcome_name(fi->outcome), fi->iterations, fi->resid_rel,
            fi->rho_upper, eb[0]);
    if (fi->outcome == DEQ_CONVERGED)
        fprintf(stderr, "adjoint: %s after %ld iterations; residual %.3e; error bound %s\n",
                deq_outcome_name(ai->outcome), ai->iterations, ai->resid_rel, eb[1]);
    /* an answer this backend cannot represent (|g| beyond double's range at
     * inputs near 1e+160, where the gradients scale as s²) is not written as inf */
    int representable = fi->outcome == DEQ_CONVERGED && ai->outcome == DEQ_CONVERGED &&
                        re_is_finite(loss) && G(mat_is_finite)(gA) && G(mat_is_finite)(gU) &&
                        G(mat_is_finite)(gv);
    if (fi->outcome != DEQ_CONVERGED || ai->outcome != DEQ_CONVERGED) {
        fprintf(stderr, "deqcheck grad: %s solve not converged (%s); nothing written\n",
                fi->outcome != DEQ_CONVERGED ? "forward" : "adjoint",
                deq_outcome_name(fi->outcome != DEQ_CONVERGED ? fi->outcome : ai->outcome));
        rc = CLI_EXIT_FAIL;
    } else if (!representable) {
        fprintf(stderr, "deqcheck grad: the loss or a gradient is not representable in %s "
                        "(beyond its range, or not a number)%s; nothing written\n",
                a->backend == DEQ_BACKEND_DOUBLE ? "double" : "this MPFR precision",
                a->backend == DEQ_BACKEND_DOUBLE ? ": use --backend mpfr" : "");
        rc = CLI_EXIT_FAIL;
    } else {
#ifdef DEQ_MPFR
        mpfr_fprintf(stderr, "loss: %.17Rg\n", loss);
#else
        fprintf(stderr, "loss: %.17g\n", re_get_d(loss));
#endif
        re_set(L->e, loss);
        if (write_named(a->out_dir, "gA.txt", gA, prec) || write_named(a->out_dir, "gU.txt", gU, prec)
            || write_named(a->out_dir, "gv.txt", gv, prec) ||
            write_named(a->out_dir, "loss.txt", L, prec))
            rc = CLI_EXIT_USAGE;
    }
    if (a->json) {
        json_t *o = json_object();
        json_object_set_new(o, "command", json_string("grad"));
        json_object_set_new(o, "backend", json_string(a->backend == DEQ_BACKEND_DOUBLE ? "double" : "mpfr"));
        json_object_set_new(o, "precision", json_integer(prec));
        json_object_set_new(o, "m", json_integer(m));
        json_object_set_new(o, "d", json_integer(d));
        json_object_set_new(o, "n", json_integer(n));
        json_object_set_new(o, "activation", json_string(deq_act_name(a->act)));
        json_object_set_new(o, "gamma", json_string(a->gamma));
        json_object_set_new(o, "sigma_u", json_string(a->sigma_u));
        json_object_set_new(o, "sigma_v", json_string(a->sigma_v));
        json_object_set_new(o, "forward", cli_solve_info_json(fi));
        int ok = fi->outcome == DEQ_CONVERGED;
        json_object_set_new(o, "adjoint", ok ? cli_solve_info_json(ai) : json_null());
        json_object_set_new(o, "loss", representable ? report_json_number(re_get_d(loss)) : json_null());
        if (cli_json_write("grad", a->json, o) != 0)
            rc = CLI_EXIT_USAGE;
    }
    deq_solve_info_clear(fi), deq_solve_info_clear(ai);
    G(mat_clear)(Z), G(mat_clear)(W), G(mat_clear)(gA), G(mat_clear)(gU), G(mat_clear)(gv),
        G(mat_clear)(L), G(mat_clear)(v), G(mat_clear)(y);
    re_clear(av), re_clear(sq), re_clear(loss);
    G(deq_problem_clear)(P);
    return rc;
}
