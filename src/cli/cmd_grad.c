/* `deqcheck grad`: loss and implicit gradients of a DEQ given as text matrices. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"

static void grad_help(FILE *f)
{
    fprintf(f,
"Usage: deqcheck grad --A FILE --U FILE --v FILE --X FILE --y FILE --gamma G\n"
"                     --activation NAME --out-dir DIR [options]\n"
"\n"
"Loss and gradients of the equilibrium model (docs/THEORY.md §3): with z_i the\n"
"equilibria of z = sigma((G/sqrt(m)) A z + S_u U x_i), f_i = (S_v/sqrt(m)) v^T z_i and\n"
"L = 1/2 sum_i (f_i - y_i)^2, writes DIR/gA.txt (m x m), DIR/gU.txt (m x d),\n"
"DIR/gv.txt (m x 1) and DIR/loss.txt (1 x 1) as text matrices. The gradients go\n"
"through the adjoint fixed point w_i = v + (G/sqrt(m)) A^T D_i w_i (never an explicit\n"
"inverse).\n"
"\n"
"  --A, --U, --X FILE   as in deqcheck solve (m x m, m x d, d x n; --X may be a\n"
"                       .npy array (n, d))\n"
"  --v FILE             output weights, m x 1\n"
"  --y FILE             targets, n x 1\n"
"  --gamma G            implicit-layer scale\n"
"  --sigma-u S          input scale (default 1)\n"
"  --sigma-v S          output scale: alpha_v = S/sqrt(m) (default 1)\n"
"  --activation NAME    one of: %s\n"
"  --backend B          double or mpfr (default mpfr)\n"
"  --precision BITS     MPFR working precision, %d..%d (default %d; mpfr only)\n"
"  --out-dir DIR        where the four files go (created if missing)\n"
"  --json FILE          the numbers printed on standard error (loss, both solves), as JSON\n"
"  --max-memory SIZE    refuse, before any work, inputs whose estimated memory exceeds\n"
"                       SIZE (bytes, or with K, M, G; default half the physical memory)\n"
"  --progress           the solves' iteration, residual and time left on stderr also\n"
"                       when it is not a terminal (a line every 5 s, or\n"
"                       DEQCHECK_PROGRESS_SECONDS); on a terminal it is always shown\n"
"\n"
"Exit status: 0 written; 1 a forward or adjoint solve did not converge, or the loss\n"
"or a gradient is not representable in the backend (nothing written); 2 bad input\n"
"or usage.\n",
            deq_act_list(), DEQ_PREC_MIN, DEQ_PREC_MAX, DEQ_PREC_DEFAULT);
}

int cli_cmd_grad(int argc, char **argv)
{
    cli_opt opts[] = {{"A", 1, NULL},       {"U", 1, NULL},          {"v", 1, NULL},
                      {"X", 1, NULL},       {"y", 1, NULL},          {"gamma", 1, NULL},
                      {"sigma-u", 1, NULL}, {"sigma-v", 1, NULL},    {"activation", 1, NULL},
                      {"backend", 1, NULL}, {"precision", 1, NULL},  {"out-dir", 1, NULL},
                      {"max-memory", 1, NULL}, {"json", 1, NULL}, {"progress", 0, NULL}, {NULL, 0, NULL}};
    static const char *const required[] = {"A", "U", "v", "X", "y", "gamma", "activation",
                                           "out-dir"};
    int rc = cli_begin(opts, required, sizeof required / sizeof *required, "grad", grad_help, argc,
                       argv);
    if (rc >= 0)
        return rc;
    deq_error_t err;
    deq_error_init(err);
    cli_net_args a;
    if (cli_net_args_parse(&a, "grad", opts, err))
        return cli_usage_error("grad", err->msg);
    a.v = cli_value(opts, "v");
    a.y = cli_value(opts, "y");
    a.out_dir = cli_value(opts, "out-dir");
    a.json = cli_value(opts, "json");
    if (a.json && cli_check_writable("json", a.json, err))
        return cli_usage_error("grad", err->msg);
    a.sigma_v = cli_value(opts, "sigma-v") ? cli_value(opts, "sigma-v") : "1";
    if (cli_decimal("sigma-v", a.sigma_v, err))
        return cli_usage_error("grad", err->msg);
    struct stat st;
    if (stat(a.out_dir, &st) != 0 && mkdir(a.out_dir, 0777) != 0) {
        deq_error_set(err, DEQ_ERR_INPUT, "--out-dir %s: cannot create: %s", a.out_dir,
                      strerror(errno));
        return cli_usage_error("grad", err->msg);
    }
    if (stat(a.out_dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(a.out_dir, W_OK) != 0) {
        deq_error_set(err, DEQ_ERR_INPUT, "--out-dir %s: not a writable directory", a.out_dir);
        return cli_usage_error("grad", err->msg);
    }
    if (cli_net_memory_check(&a, 1, cli_value(opts, "max-memory"), err))
        return cli_usage_error("grad", err->msg);
    return a.backend == DEQ_BACKEND_DOUBLE ? cli_grad_run_d(&a) : cli_grad_run_mp(&a);
}
