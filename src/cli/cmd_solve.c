/* `deqcheck solve`: the equilibria of a DEQ given as text matrices. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "report/json.h"

static void solve_help(FILE *f)
{
    deq_solve_opts d;
    deq_solve_opts_default(&d);
    fprintf(f,
"Usage: deqcheck solve --A FILE --U FILE --X FILE --gamma G --activation NAME [options]\n"
"\n"
"Solves the equilibrium z_i = sigma((G/sqrt(m)) * A z_i + S * U x_i) for every column\n"
"x_i of X, and writes Z (m x n, one equilibrium per column) as a text matrix.\n"
"\n"
"Inputs (text matrices: a header line \"rows cols\", then rows of decimal numbers;\n"
"'#' starts a comment; any number of digits is read at full precision):\n"
"  --A FILE             implicit-layer weights, m x m\n"
"  --U FILE             input-layer weights, m x d\n"
"  --X FILE             inputs, d x n (one sample per column); or a .npy array\n"
"                       of shape (n, d), one sample per row as NumPy stores it\n"
"  --gamma G            scale: alpha_A = G / sqrt(m) (a decimal number)\n"
"  --sigma-u S          input scale alpha_U = S (default 1)\n"
"  --activation NAME    one of: %s\n"
"\n"
"Precision and solver:\n"
"  --backend B          double or mpfr (default mpfr)\n"
"  --precision BITS     MPFR working precision, %d..%d (default %d; mpfr only)\n"
"  --solver S           picard or anderson (default anderson)\n"
"  --tol T              stop when max_i ||Phi(z_i) - z_i|| <= T * max_i ||z_i||, 0 < T < 1\n"
"                       (default: 2 sqrt(m) u with u = 2^-precision, i.e. rounding level)\n"
"  --max-iter K         solver iterations at most (default %ld)\n"
"  --depth K            Anderson history length (default %d)\n"
"  --ridge R            Anderson regularization, relative (default %g)\n"
"  --damping B          Anderson damping, 0 < B <= 1 (default %g)\n"
"  --no-newton          mpfr: do not polish with Newton steps (by default the solver\n"
"                       stops at sqrt(T) and Newton's method takes it to T)\n"
"  --max-memory SIZE    refuse, before any work, inputs whose estimated memory exceeds\n"
"                       SIZE (bytes, or with K, M, G; default half the physical memory)\n"
"  --progress           the iteration, residual and time left on stderr also when it\n"
"                       is not a terminal (a line every 5 s, or DEQCHECK_PROGRESS_SECONDS);\n"
"                       on a terminal it is always shown, redrawn once a second\n"
"  --json FILE          the numbers of the report below as JSON\n"
"  --out FILE           write Z here (default: standard output); FILE.npy: a\n"
"                       float64 .npy array of shape (n, m), one equilibrium per row\n"
"                       (mpfr: rounded to nearest double)\n"
"\n"
"Report (standard error): iterations, final residual, the certified contraction\n"
"bound rho_bar = L * alpha_A * ||A||_2 (L = Lipschitz constant of sigma, ||A||_2\n"
"bounded above with a Cholesky certificate) and, when rho_bar < 1, a rigorous bound\n"
"on the distance of the returned Z to the exact equilibrium, rounding included.\n"
"\n"
"Exit status: 0 converged (Z written); 1 not converged (nothing written);\n"
"2 bad input or usage; 3 internal error.\n",
            deq_act_list(), DEQ_PREC_MIN, DEQ_PREC_MAX, DEQ_PREC_DEFAULT, d.max_iter, d.depth,
            d.ridge, d.damping);
}

int cli_cmd_solve(int argc, char **argv)
{
    cli_opt opts[] = {
        {"A", 1, NULL},        {"U", 1, NULL},         {"X", 1, NULL},
        {"gamma", 1, NULL},    {"sigma-u", 1, NULL},   {"activation", 1, NULL},
        {"backend", 1, NULL},  {"precision", 1, NULL}, {"solver", 1, NULL},
        {"tol", 1, NULL},      {"max-iter", 1, NULL},  {"depth", 1, NULL},
        {"ridge", 1, NULL},    {"damping", 1, NULL},   {"no-newton", 0, NULL},
        {"out", 1, NULL},      {"max-memory", 1, NULL}, {"json", 1, NULL}, {"progress", 0, NULL},
        {NULL, 0, NULL}};
    static const char *const required[] = {"A", "U", "X", "gamma", "activation"};
    int rc = cli_begin(opts, required, sizeof required / sizeof *required, "solve", solve_help, argc,
                       argv);
    if (rc >= 0)
        return rc;
    deq_error_t err;
    deq_error_init(err);
    cli_net_args a;
    if (cli_net_args_parse(&a, "solve", opts, err))
        return cli_usage_error("solve", err->msg);
    a.out = cli_value(opts, "out");
    if (a.out && cli_check_writable("out", a.out, err))
        return cli_usage_error("solve", err->msg);
    a.json = cli_value(opts, "json");
    if (a.json && cli_check_writable("json", a.json, err))
        return cli_usage_error("solve", err->msg);
    const char *solver = cli_value(opts, "solver");
    if (solver && deq_solver_parse(&a.opts.solver, solver) != 0) {
        deq_error_set(err, DEQ_ERR_INPUT, "--solver: expected picard or anderson, got \"%s\"",
                      solver);
        return cli_usage_error("solve", err->msg);
    }
    const char *v;
    if ((v = cli_value(opts, "tol")) && cli_double_in(&a.opts.tol, "tol", v, 0.0, 1.0, 1, err))
        return cli_usage_error("solve", err->msg);
    if (a.opts.tol >= 1.0)
        return cli_usage_error("solve", "--tol: must be below 1");
    if ((v = cli_value(opts, "max-iter")) &&
        cli_long_in(&a.opts.max_iter, "max-iter", v, 1, 100000000L, err))
        return cli_usage_error("solve", err->msg);
    long depth = a.opts.depth;
    if ((v = cli_value(opts, "depth")) && cli_long_in(&depth, "depth", v, 1, 100, err))
        return cli_usage_error("solve", err->msg);
    a.opts.depth = (int)depth;
    if ((v = cli_value(opts, "ridge")) && cli_double_in(&a.opts.ridge, "ridge", v, 0.0, 1.0, 0, err))
        return cli_usage_error("solve", err->msg);
    if ((v = cli_value(opts, "damping")) &&
        cli_double_in(&a.opts.damping, "damping", v, 0.0, 1.0, 1, err))
        return cli_usage_error("solve", err->msg);
    if (cli_value(opts, "no-newton"))
        a.opts.newton = 0;
    if (cli_net_memory_check(&a, 0, cli_value(opts, "max-memory"), err))
        return cli_usage_error("solve", err->msg);
    return a.backend == DEQ_BACKEND_DOUBLE ? cli_solve_run_d(&a) : cli_solve_run_mp(&a);
}

deq_status cli_net_memory_check(const cli_net_args *a, int grad, const char *value,
                                deq_error_t err)
{
    long m = 0, mm, d = 0, n = 0, dx;
    /* an unreadable header is left to the reader, which names the line */
    if (cli_textmat_shape(&m, &mm, a->A) != 0 || cli_textmat_shape(&dx, &d, a->U) != 0 ||
        cli_textmat_shape(&d, &n, a->X) != 0)
        return DEQ_OK;
    /* A (and the solver's converted or absolute copy), U, X; per m×n: Z, the
     * injection, the map's value and residual, and Anderson's 2·depth
     * history; grad: the adjoint's as many again plus the gradients */
    double md = (double)m, dd = (double)d, nd = (double)n;
    double per_mn = 4.0 + 2.0 * a->opts.depth;
    double need = cli_entry_bytes(a->backend, a->prec) *
                  ((grad ? 4.0 : 2.0) * md * md + 2.0 * md * dd + dd * nd +
                   (grad ? 2.0 : 1.0) * per_mn * md * nd);
    char what[96];
    snprintf(what, sizeof what, "m = %ld, n = %ld", m, n);
    return cli_memory_check(a->cmd, what, need, value, err);
}

json_t *cli_json_xreal(num_xreal x)
{
    if (!isfinite(x.man) || x.man == 0 || (x.exp > -1020 && x.exp < 1020))
        return report_json_number(num_xreal_get_d(x));
    /* all 17 digits, as the JSON numbers carry them */
    mpfr_t t;
    mpfr_init2(t, 53);
    num_xreal_get_mpfr(t, x);
    char b[64];
    mpfr_snprintf(b, sizeof b, "%.16Re", t);
    mpfr_clear(t);
    return json_string(b);
}

json_t *cli_solve_info_json(const deq_solve_info_t info)
{
    json_t *o = json_object();
    json_object_set_new(o, "outcome", json_string(deq_outcome_name(info->outcome)));
    json_object_set_new(o, "iterations", json_integer(info->iterations));
    json_object_set_new(o, "newton_steps", json_integer(info->newton_steps));
    json_object_set_new(o, "residual", cli_json_xreal(info->resid_x));
    json_object_set_new(o, "residual_rel", cli_json_xreal(info->resid_rel_x));
    json_object_set_new(o, "tolerance", cli_json_xreal(info->tol_x));
    json_object_set_new(o, "rho_bar", report_json_number(info->rho_upper));
    json_object_set_new(o, "observed_contraction", report_json_number(info->observed_contraction));
    json_object_set_new(o, "certified", json_boolean(info->certified));
    json_object_set_new(o, "error_bound",
                        info->certified ? cli_json_xreal(info->err_bound_x) : json_null());
    json_object_set_new(o, "error_bound_rel",
                        info->certified ? cli_json_xreal(info->err_bound_rel_x) : json_null());
    json_object_set_new(o, "rounding_allowance",
                        info->certified ? report_json_number(info->round_slack) : json_null());
    json_object_set_new(o, "unique", json_boolean(info->rho_upper < 1.0));
    return o;
}

int cli_json_write(const char *cmd, const char *path, json_t *root)
{
    int rc = 0;
    if (json_dump_file(root, path, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17)) != 0) {
        fprintf(stderr, "deqcheck %s: --json %s: cannot write the file\n", cmd, path);
        rc = 2;
    }
    json_decref(root);
    return rc;
}

void cli_solve_summary(const cli_net_args *a, long m, long d, long n,
                       const deq_solve_info_t info, double norm_upper, double norm_estimate,
                       const char *norm_method)
{
    FILE *f = stderr;
    if (a->backend == DEQ_BACKEND_DOUBLE)
        fprintf(f, "backend: double (53 bits)\n");
    else
        fprintf(f, "backend: mpfr (%ld bits)\n", a->prec);
    fprintf(f, "problem: m=%ld d=%ld n=%ld, activation %s, gamma=%s, sigma_u=%s\n", m, d, n,
            deq_act_name(a->act), a->gamma, a->sigma_u);
    fprintf(f, "solver: %s", deq_solver_name(a->opts.solver));
    if (a->opts.solver == DEQ_SOLVER_ANDERSON)
        fprintf(f, " (depth %d, ridge %g, damping %g)", a->opts.depth, a->opts.ridge,
                a->opts.damping);
    fprintf(f, "%s\n", a->opts.newton ? " + Newton polishing" : "");
    fprintf(f, "outcome: %s after %ld iterations", deq_outcome_name(info->outcome),
            info->iterations);
    if (a->opts.newton)
        fprintf(f, " + %ld Newton steps", info->newton_steps);
    fprintf(f, "\n");
    char x[4][48];
    num_xreal_snprint(x[0], sizeof x[0], info->resid_x);
    num_xreal_snprint(x[1], sizeof x[1], info->resid_rel_x);
    num_xreal_snprint(x[2], sizeof x[2], info->tol_x);
    fprintf(f, "residual: max_i ||Phi(z_i) - z_i||_2 = %s (relative %s; tolerance %s)\n", x[0],
            x[1], x[2]);
    fprintf(f, "rho_bar: L * alpha_A * ||A||_2 <= %.6g (||A||_2 <= %.10g by %s; estimate %.10g)\n",
            info->rho_upper, norm_upper, norm_method, norm_estimate);
    if (isfinite(info->observed_contraction))
        fprintf(f, "observed contraction: %.4g per iteration\n", info->observed_contraction);
    num_xreal_snprint(x[0], sizeof x[0], info->err_bound_x);
    num_xreal_snprint(x[1], sizeof x[1], info->err_bound_rel_x);
    if (info->certified)
        fprintf(f,
                "error bound: max_i ||z_i - z_i*||_2 <= %s (relative %s; rounding allowance "
                "%.3e); equilibrium unique (Banach)\n",
                x[0], x[1], info->round_slack);
    else if (info->rho_upper < 1.0)
        fprintf(f, "error bound: not available (a rounding term is not representable; "
                   "rho_bar < 1: equilibrium unique)\n");
    else
        fprintf(f, "error bound: none (rho_bar >= 1: contraction not certified, uniqueness not "
                   "guaranteed)\n");
}
