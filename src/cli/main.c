/* deqcheck: numerical checks of the convergence theory of deep equilibrium models. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/reproduce.h"
#include "core/status.h"
#include "num/mat.h"

static void main_help(FILE *f)
{
    fprintf(f,
"Usage: deqcheck <command> [options]      (deqcheck <command> --help for details)\n"
"\n"
"deqcheck runs deep equilibrium models z = sigma(alpha_A A z + alpha_U U x) in double\n"
"and in MPFR multiprecision side by side, and checks numerically the inequalities\n"
"that the convergence theory of over-parameterized implicit networks predicts.\n"
"\n"
"Commands:\n"
"  solve    equilibria of a network given as text matrices, with a certified\n"
"           contraction bound and a rigorous error bound\n"
"  grad     loss and implicit gradients (A, U, v) of a network given as text\n"
"           matrices, through the adjoint fixed point\n"
"  train    full-batch gradient descent on a preset, with a per-step CSV log\n"
"  kernel   infinite-width NNGP / NTK matrices of the inputs, with a certified\n"
"           lower bound on lambda_min\n"
"  certify  a trained DEQ from .npz / .safetensors (z = sigma(W z + U x + b)):\n"
"           global and per-input certificates of its equilibria, error bounds\n"
"  compare  regression compare of two JSON result files of deqcheck run --json\n"
"  merge    the JSON results of the shards of a run (run --shard K/N) merged\n"
"           into one report\n"
"  reproduce  a paper's experiment (gao2021, ling2022) on its own model: per-width\n"
"           CSV logs, Figure-1-like plots and a report \"paper reports / we measure\"\n"
"  run      the validation run: checks on the named presets, written as a\n"
"           Markdown report (default: reports/deqcheck-report.md)\n"
"\n"
"Options:\n"
"  -h, --help     this text\n"
"  --version      version and source revision of deqcheck, and the libraries it uses\n"
"\n"
"Exit status: 0 success; 1 a check violated or a solve did not converge;\n"
"2 bad usage or bad input; 3 internal error.\n");
}

int main(int argc, char **argv)
{
    deq_gsl_handler_install();
    mat_gemm_d_set_pool_handover(1); /* BLAS is called from one thread only */
    if (argc < 2) {
        main_help(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        main_help(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        cli_print_version(stdout, "deqcheck");
        return CLI_EXIT_OK;
    }
    if (strcmp(cmd, "solve") == 0)
        return cli_cmd_solve(argc, argv);
    if (strcmp(cmd, "train") == 0)
        return cli_cmd_train(argc, argv);
    if (strcmp(cmd, "grad") == 0)
        return cli_cmd_grad(argc, argv);
    if (strcmp(cmd, "kernel") == 0)
        return cli_cmd_kernel(argc, argv);
    if (strcmp(cmd, "compare") == 0)
        return cli_cmd_compare(argc, argv);
    if (strcmp(cmd, "run") == 0)
        return cli_cmd_run(argc, argv);
    if (strcmp(cmd, "merge") == 0)
        return cli_cmd_merge(argc, argv);
    if (strcmp(cmd, "certify") == 0)
        return cli_cmd_certify(argc, argv);
    if (strcmp(cmd, "reproduce") == 0)
        return cli_cmd_reproduce(argc, argv);
    fprintf(stderr, "deqcheck: %s: unknown command (deqcheck --help lists them)\n", cmd);
    return CLI_EXIT_USAGE;
}
