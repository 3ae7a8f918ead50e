/* `deqcheck solve` for one backend; compiled for double and for MPFR. */
#include <jansson.h>

#include "num/generic.h"

#include "cli/cli.h"
#include "report/json.h"
#include "data/textmat.h"
#include "deq/problem.h"
#include "io/tensor.h"

deq_status G(cli_read_inputs)(mat_t X, const char *path, long prec, deq_error_t err)
{
    if (io_format_of_path(path) != IO_FORMAT_NPY)
        return G(textmat_read)(X, path, prec, err);
    mat_d_t D;
    if (io_read_samples(D, path, NULL, err) != DEQ_OK)
        return err->status;
    G(mat_init)(X, D->rows, D->cols, prec);
    G(mat_set_mat_d)(X, D);
    mat_clear_d(D);
    return DEQ_OK;
}

/* Z to a text matrix, or to a .npy file (float64, one sample per row) when
 * the path says so. */
static deq_status write_equilibria(const char *path, const mat_t Z, long prec, deq_error_t err)
{
    if (io_format_of_path(path) != IO_FORMAT_NPY)
        return G(textmat_write)(path, Z, prec, err);
    mat_d_t D;
    mat_init_d(D, Z->rows, Z->cols, 0);
    G(mat_get_mat_d)(D, Z);
    io_npy_write_samples_d(path, D, err);
    mat_clear_d(D);
    return err->status;
}

int G(cli_read_network)(mat_t A, mat_t U, mat_t X, const cli_net_args *a, long prec)
{
    deq_error_t err;
    deq_error_init(err);
    if (G(textmat_read)(A, a->A, prec, err) != DEQ_OK)
        goto fail0;
    if (G(textmat_read)(U, a->U, prec, err) != DEQ_OK)
        goto fail1;
    if (G(cli_read_inputs)(X, a->X, prec, err) != DEQ_OK)
        goto fail2;
    if (A->rows != A->cols)
        deq_error_set(err, DEQ_ERR_INPUT, "--A %s: A must be square (m x m), got %ld x %ld", a->A,
                      A->rows, A->cols);
    else if (U->rows != A->rows)
        deq_error_set(err, DEQ_ERR_INPUT,
                      "--U %s: U has %ld rows, but A is %ld x %ld (U must be m x d with m = %ld)",
                      a->U, U->rows, A->rows, A->cols, A->rows);
    else if (U->cols != X->rows)
        deq_error_set(err, DEQ_ERR_INPUT,
                      "--X %s: X has %ld rows, but U has %ld columns (X must be d x n with d = %ld)",
                      a->X, X->rows, U->cols, U->cols);
    if (err->status == DEQ_OK)
        return CLI_EXIT_OK;
    G(mat_clear)(X);
fail2:
    G(mat_clear)(U);
fail1:
    G(mat_clear)(A);
fail0:
    fprintf(stderr, "deqcheck %s: %s\n", a->cmd, err->msg);
    return CLI_EXIT_USAGE;
}

int G(cli_solve_run)(const cli_net_args *a)
{
    long prec = a->prec;
    mat_t A, U, X;
    int rc = G(cli_read_network)(A, U, X, a, prec);
    if (rc != CLI_EXIT_OK)
        return rc;
    GT(deq_problem) P;
    G(deq_problem_init)(P, A, U, X, a->gamma, a->sigma_u, a->act, 0, prec);

    mat_t Z;
    G(mat_init)(Z, P->m, P->n, prec);
    deq_solve_info_t info;
    deq_solve_info_init(info);
    deq_solve_opts solve_opts = a->opts;
    cli_iter_progress progress;
    cli_iter_progress_attach(&progress, &solve_opts, "solve", a->progress);
    G(deq_forward_solve)(Z, info, &P->fp, &solve_opts, prec);
    cli_iter_progress_finish(&progress);
    cli_solve_summary(a, P->m, P->d, P->n, info, P->normA->upper, P->normA->estimate,
                      num_norm2_method_name(P->normA->method));

    if (a->json) {
        json_t *o = cli_solve_info_json(info);
        json_object_set_new(o, "command", json_string("solve"));
        json_object_set_new(o, "backend", json_string(a->backend == DEQ_BACKEND_DOUBLE ? "double" : "mpfr"));
        json_object_set_new(o, "precision", json_integer(prec));
        json_object_set_new(o, "m", json_integer(P->m));
        json_object_set_new(o, "d", json_integer(P->d));
        json_object_set_new(o, "n", json_integer(P->n));
        json_object_set_new(o, "activation", json_string(deq_act_name(a->act)));
        json_object_set_new(o, "gamma", json_string(a->gamma));
        json_object_set_new(o, "sigma_u", json_string(a->sigma_u));
        json_object_set_new(o, "solver", json_string(deq_solver_name(a->opts.solver)));
        json_object_set_new(o, "norm2_upper", report_json_number(P->normA->upper));
        json_object_set_new(o, "norm2_estimate", report_json_number(P->normA->estimate));
        json_object_set_new(o, "norm2_method", json_string(num_norm2_method_name(P->normA->method)));
        if (cli_json_write("solve", a->json, o) != 0)
            rc = CLI_EXIT_USAGE;
    }
    if (info->outcome == DEQ_CONVERGED) {
        deq_error_t err;
        deq_error_init(err);
        if (write_equilibria(a->out ? a->out : "-", Z, prec, err) != DEQ_OK) {
            fprintf(stderr, "deqcheck solve: %s\n", err->msg);
            rc = CLI_EXIT_USAGE;
        }
    } else {
        fprintf(stderr, "deqcheck solve: not converged (%s); no result written\n",
                deq_outcome_name(info->outcome));
        rc = CLI_EXIT_FAIL;
    }
    deq_solve_info_clear(info);
    G(mat_clear)(Z);
    G(deq_problem_clear)(P);
    return rc;
}
