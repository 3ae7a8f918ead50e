/* Subcommands of the deqcheck tool. Each returns the process exit status:
 * 0 success (all checks hold / solve converged), 1 a check VIOLATED or a
 * numeric failure (no convergence), 2 bad usage or bad input, 3 internal error. */
#ifndef DEQ_CLI_CLI_H
#define DEQ_CLI_CLI_H

#include "core/ctx.h"
#include "deq/activation.h"
#include "deq/solve_info.h"

enum { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_USAGE = 2, CLI_EXIT_INTERNAL = 3 };

int cli_cmd_solve(int argc, char **argv);
int cli_cmd_run(int argc, char **argv);

/* What `deqcheck solve` was asked to do, validated. */
typedef struct {
    const char *A, *U, *X, *out;
    const char *gamma, *sigma_u; /* validated decimal strings */
    deq_act act;
    deq_backend backend;
    long prec;
    deq_solve_opts opts;
} cli_solve_args;

/* The solve itself, once per backend (cli/solve_gen.c). */
int cli_solve_run_d(const cli_solve_args *a);
int cli_solve_run_mp(const cli_solve_args *a);
/* Prints the solve summary to stderr (shared by both backends). */
void cli_solve_summary(const cli_solve_args *a, long m, long d, long n,
                       const deq_solve_info_t info, double norm_upper, double norm_estimate,
                       const char *norm_method);

#endif
