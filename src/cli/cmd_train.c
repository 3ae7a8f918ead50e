/* `deqcheck train`: full-batch gradient descent with a per-step log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "core/rng.h"
#include "data/fashion.h"
#include "data/synthetic.h"
#include "deq/problem.h"
#include "deq/train.h"
#include "io/tensor.h"

/* Synthetic inputs live on the sphere S^{d−1} with this default d. */
#define TRAIN_SYNTHETIC_D 16

/* The papers' models and their constants, from the table in deq/paper_spec.c
 * (so --help, the run's header and the README say the same). */
static const char *paper_models_help(void)
{
    static char buf[4096];
    size_t k = 0;
    static const char *const names[] = {"gao2021", "ling2022"};
    for (int p = 0; p < 2; p++) {
        const deq_paper_spec *sp = deq_paper_spec_find(names[p]);
        k += (size_t)snprintf(buf + k, sizeof buf - k, "  %-9s %s\n", sp->name, sp->equation);
        for (int c = 0; c < sp->n_consts && k < sizeof buf; c++)
            k += (size_t)snprintf(buf + k, sizeof buf - k, "            %s = %s\n              [%s: %s]\n",
                                  sp->consts[c].name, sp->consts[c].value,
                                  deq_const_origin_name(sp->consts[c].origin), sp->consts[c].where);
    }
    return buf;
}

static void train_help(FILE *f)
{
    fprintf(f,
"Usage: deqcheck train --preset NAME --m M --n N --steps K --lr ETA --seed S --log FILE.csv\n"
"                      [--model paper|theorems] [--init W.npz] [--save W.npz]\n"
"                      [--X X.npy --y y.npy]\n"
"                      [--data synthetic|fashion-mnist] [--classes A,B] [--fashion-dir DIR]\n"
"                      [--d D] [--gram-every K] [--keep-going] [--progress]\n"
"                      [--backend double|mpfr] [--precision BITS] [--max-memory SIZE]\n"
"                      [--rho-refresh-slack T] [--solver auto|picard|anderson]\n"
"\n"
"--model paper (the default for gao2021 and ling2022): the papers' own models\n"
"(README \"The papers' models\"), every tensor trained, L = 1/2 |y^ - y|^2 (no 1/n):\n"
"%s"
"  The log: step, loss (before the step's update), |grad|^2, op_norm (gao2021\n"
"  (gamma/sqrt(m))|A(k)|_2, ling2022 |W(t)|_2, the papers' plotted norm) and its\n"
"  certified upper bound, solver iterations and solver, lambda_min(G) (gao2021 G = Phi Phi^T,\n"
"  ling2022 G = Z^T Z unnormalized) with its certified enclosure, event.\n"
"  --init W.npz        initial weights, the paper's names: gao2021 A (m,m), W (m,d),\n"
"                      u (m,), v (m,); ling2022 W (m,m), U (m,d), a (m,); m is taken\n"
"                      from the file (--m, if given, must agree); default: drawn from --seed\n"
"  --save W.npz        the trained weights, the same names (numpy.load reads them)\n"
"  --X X.npy --y y.npy the data: X of shape (n, d), one sample per row, y of shape (n,)\n"
"                      (default: --data)\n"
"--model theorems: the docs/THEORY.md family below (the presets as the theorems/ checks\n"
"use them; gaogao2022 and truong2023 only have this one, derived from the abstracts).\n"
"\n"
"Full-batch gradient descent theta <- theta - ETA grad L on the preset's trained groups\n"
"(gao2021: A, U, v; gaogao2022: A; ling2022, truong2023: A, U), from weights drawn\n"
"N(0,1) with seed S (the same exact weights in both backends), forward and adjoint\n"
"solves warm-started from the previous step. L = 1/2 sum_i (f_i - y_i)^2,\n"
"f_i = v^T z_i / sqrt(m).\n"
"\n"
"  --preset NAME       %s (kawaguchi2021 is the\n"
"                      linear family, trained by the T3 checks)\n"
"  --m M               width\n"
"  --n N               samples\n"
"  --steps K           GD steps\n"
"  --lr ETA            step size\n"
"  --seed S            seed of the weights and of synthetic data\n"
"  --data D            synthetic (points on S^{d-1}, target tanh(2<u, x>)) or\n"
"                      fashion-mnist (T-shirt/top vs Trouser, unit-norm images, labels\n"
"                      +-1; needs Debian's dataset-fashion-mnist)\n"
"  --classes A,B       fashion-mnist classes, A labelled +1 (default 0,1)\n"
"  --fashion-dir DIR   where the Fashion-MNIST IDX files are (default\n"
"                      /usr/share/datasets/fashion-mnist); missing, inconsistent or\n"
"                      corrupt files are bad input\n"
"  --d D               synthetic input dimension (default %d)\n"
"  --gram-every K      lambda_min(G) every K steps and at the last (default 10; 0: never):\n"
"                      LAPACK's extreme eigenpairs (double) with certified bounds\n"
"  --keep-going        record a trouble (see below) in the log and go on\n"
"  --progress          the progress line even when stderr is not a terminal\n"
"  --backend B         double or mpfr (default double here: training is long)\n"
"  --precision BITS    MPFR precision, %d..%d (default %d; mpfr only)\n"
"  --rho-refresh-slack T\n"
"                      0 <= T < 1 (default %.6g = 1/64; --model theorems only): a step\n"
"                      takes rho_bar from the last full computation of the certified\n"
"                      |A|_2 plus a certified |A - A_ref|_F (A_ref: A at that computation)\n"
"                      while that keeps rho_bar <= rho_ref + T (1 - rho_ref), so every\n"
"                      certified error bound's factor 1/(1 - rho_bar) grows by at most\n"
"                      1/(1 - T); beyond, it recomputes |A|_2 in full. 0: in full at\n"
"                      every step. Both are certified; costs one more m x m matrix\n"
"  --solver S          auto, picard or anderson (default auto; both models): the\n"
"                      forward and adjoint solves. auto: per step, Picard when the step's\n"
"                      certified rho_bar is small enough that Banach's bound has it\n"
"                      converge within the iteration limit (rho_bar <= (tol/2)^(1/1000):\n"
"                      about 0.967 at m = 1000 in double, 0.84 at 256 bits; printed at\n"
"                      the start), else Anderson. At large width (measured at m = n =\n"
"                      1000) Picard takes as many iterations as Anderson at a fraction\n"
"                      of the memory traffic (README, deqcheck train). The log's solver\n"
"                      column says which ran\n"
"  --log FILE.csv      one line per step: step, loss, ||grad||^2, ||theta - theta_0|| per\n"
"                      group, certified rho_bar, rho_source (full: |A|_2 computed at this\n"
"                      step's A; incremental: see --rho-refresh-slack) and the estimate\n"
"                      of rho_bar at the last full computation, solver iterations, solver,\n"
"                      lambda_min and lambda_max of G on the schedule with their certified\n"
"                      bounds, and the trouble found at the step, if any\n"
"  --max-memory SIZE   refuse, before any work, an M and N whose estimated memory exceeds\n"
"                      SIZE (bytes, or with K, M, G; default half the physical memory)\n"
"\n"
"A progress line with the time left is shown on a terminal. Troubles: the loss\n"
"diverged (above both L(0) and the zero predictor's loss 1/2 |y|^2, up to its rounding),\n"
"the certified rho_bar reached 1, a forward or adjoint solve failed, NaN/Inf.\n"
"Exit status: 0 all steps taken and no trouble (with --keep-going: all steps taken);\n"
"1 training stopped at a trouble (step and reason on stderr and in the log's event\n"
"column); 2 bad input or usage.\n",
            paper_models_help(), "gao2021, gaogao2022, ling2022, truong2023", TRAIN_SYNTHETIC_D, DEQ_PREC_MIN,
            DEQ_PREC_MAX, DEQ_PREC_DEFAULT, DEQ_RHO_REFRESH_SLACK_DEFAULT);
}

void cli_train_solver_text(char *buf, size_t cap, int auto_solver, deq_solver solver, long max_iter,
                           double log2_tol)
{
    if (auto_solver)
        snprintf(buf, cap, "auto solves (Picard while rho_bar <= %.4f, else Anderson)",
                 deq_picard_rho_max(max_iter, log2_tol));
    else
        snprintf(buf, cap, "%s solves", deq_solver_name(solver));
}

/* The m×n buffers of the solver workspace a training run keeps (deq/forward.h,
 * default options): Picard's three iterates, or Anderson's seven, its ring of
 * 2·depth differences and its ΔFᵀΔF cache (depth² entries per sample, counted
 * as one m×n); the adjoint certificate's D ⊙ W and the gradient's four; in
 * MPFR, Newton's eight iterates (deq_forward_newton_x_mp); besides, in
 * double, two m×n and one m×m of the certificates. */
static double workspace_mn(deq_solver solver, int auto_solver, deq_backend backend)
{
    deq_solve_opts o;
    deq_solve_opts_default(&o);
    /* auto may take either: Anderson's, the larger */
    double solve = solver == DEQ_SOLVER_PICARD && !auto_solver ? 3.0 : 2.0 * o.depth + 7.0 + 1.0;
    return solve + 1.0 + 4.0 + (backend == DEQ_BACKEND_MPFR ? 8.0 : 0.0);
}

/* The paper run's memory: weights, gradients and their work copies (m×m,
 * m×d), the state (a dozen m×n), the solver workspace and G (n×n, also in
 * double). */
static deq_status paper_memory(long m, long d, long n, const cli_paper_train_args *a,
                               const char *max_memory, deq_error_t err)
{
    double entry = cli_entry_bytes(a->backend, a->prec), limit;
    double need = entry * (4.0 * (double)m * (double)m + 3.0 * (double)m * (double)d +
                           (12.0 + workspace_mn(a->solver, a->auto_solver, a->backend)) * (double)m * (double)n + (double)n * (double)n) +
                  8.0 * ((double)n * (double)n + 2.0 * (double)m * (double)n + (double)m * (double)m);
    if (cli_memory_limit(&limit, max_memory, err) != DEQ_OK)
        return err->status;
    if (need > limit)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "--m %ld --n %ld need about %.3g GiB, more than the limit %.3g GiB "
                             "(--max-memory)", m, n, need / 1073741824.0, limit / 1073741824.0);
    return DEQ_OK;
}

/* The papers' models: weights from --init or drawn (Assumption 1) from
 * --seed, data from --X/--y or --data, then the run in the backend. */
static int train_paper(cli_opt *opts, const deq_paper_spec *spec, deq_solver solver, int auto_solver)
{
    deq_error_t err;
    deq_error_init(err);
    cli_paper_train_args a;
    memset(&a, 0, sizeof a);
    a.spec = spec;
    a.solver = solver;
    a.auto_solver = auto_solver;
    a.gram_every = 10;
    long m = 0, n = 0, seed = 0, d = TRAIN_SYNTHETIC_D;
    const char *v, *init = cli_value(opts, "init"), *Xp = cli_value(opts, "X"),
                   *yp = cli_value(opts, "y");
    if (cli_long_in(&a.steps, "steps", cli_value(opts, "steps"), 0, 100000000L, err) ||
        cli_double_in(&a.lr, "lr", cli_value(opts, "lr"), 0.0, 1e300, 1, err) ||
        ((v = cli_value(opts, "m")) && cli_long_in(&m, "m", v, 1, 1L << 20, err)) ||
        ((v = cli_value(opts, "n")) && cli_long_in(&n, "n", v, 1, 1L << 24, err)) ||
        ((v = cli_value(opts, "seed")) && cli_long_in(&seed, "seed", v, 0, 4294967295L, err)) ||
        ((v = cli_value(opts, "d")) && cli_long_in(&d, "d", v, 1, 1L << 20, err)) ||
        ((v = cli_value(opts, "gram-every")) &&
         cli_long_in(&a.gram_every, "gram-every", v, 0, 100000000L, err)) ||
        cli_check_writable("log", cli_value(opts, "log"), err) ||
        ((v = cli_value(opts, "save")) && cli_check_writable("save", v, err)))
        return cli_usage_error("train", err->msg);
    if (!Xp != !yp) {
        deq_error_set(err, DEQ_ERR_INPUT, "--X and --y go together");
        return cli_usage_error("train", err->msg);
    }
    if (!init && !cli_value(opts, "m")) {
        deq_error_set(err, DEQ_ERR_INPUT, "--m is required without --init (see deqcheck train --help)");
        return cli_usage_error("train", err->msg);
    }
    if (!Xp && !cli_value(opts, "n")) {
        deq_error_set(err, DEQ_ERR_INPUT, "--n is required without --X (see deqcheck train --help)");
        return cli_usage_error("train", err->msg);
    }
    if ((!init || !Xp) && !cli_value(opts, "seed")) {
        deq_error_set(err, DEQ_ERR_INPUT, "--seed is required to draw weights or data");
        return cli_usage_error("train", err->msg);
    }
    a.log = cli_value(opts, "log");
    a.save = cli_value(opts, "save");
    a.keep_going = cli_value(opts, "keep-going") != NULL;
    a.progress = isatty(fileno(stderr)) ? 1 : cli_value(opts, "progress") != NULL ? 2 : 0;
    const char *backend = cli_value(opts, "backend") ? cli_value(opts, "backend") : "double";
    if (cli_backend_precision(&a.backend, &a.prec, backend, cli_value(opts, "precision"), err))
        return cli_usage_error("train", err->msg);
    int cp = 0, cn = 1;
    if ((v = cli_value(opts, "classes")) && cli_class_pair(&cp, &cn, v, err))
        return cli_usage_error("train", err->msg);
    /* before anything is allocated: the widths are known unless they come from files */
    if (!init && !Xp && paper_memory(m, d, n, &a, cli_value(opts, "max-memory"), err))
        return cli_usage_error("train", err->msg);
    const char *sw2 = deq_paper_const_value(spec, "sigma_w2");
    double sigma_w2 = sw2 ? strtod(sw2, NULL) : 0.0;

    /* the data */
    mat_d_t X, y;
    if (Xp) {
        if (deq_paper_data_load(X, y, Xp, yp, "--X", "--y", err) != DEQ_OK)
            return cli_usage_error("train", err->msg);
    } else {
        const char *data = cli_value(opts, "data") ? cli_value(opts, "data") : "synthetic";
        deq_rng_t rng;
        deq_rng_init(rng, (unsigned long)seed ^ 0x5bd1e995UL);
        if (strcmp(data, "synthetic") == 0) {
            mat_init_d(X, d, n, 53);
            mat_init_d(y, n, 1, 53);
            data_sphere_points(X, rng);
            if (spec->kind == DEQ_PAPER_LING2022)
                for (long k = 0; k < n; k++)
                    y->e[k] = deq_rng_gaussian(rng); /* ling2022, Section 5: y_i ~ N(0,1) */
            else
                data_smooth_target(y, X, rng);
        } else if (strcmp(data, "fashion-mnist") == 0) {
            if (data_fashion_two_class(X, y, n, cp, cn, 0, cli_value(opts, "fashion-dir"), err) !=
                    DEQ_OK) {
                deq_rng_clear(rng);
                return cli_usage_error("train", err->msg);
            }
        } else {
            deq_rng_clear(rng);
            deq_error_set(err, DEQ_ERR_INPUT, "--data: expected synthetic or fashion-mnist, got \"%s\"",
                          data);
            return cli_usage_error("train", err->msg);
        }
        deq_rng_clear(rng);
        /* unit-norm points; ling2022's Assumption 2 puts them on the sphere of radius √d */
        if (spec->kind == DEQ_PAPER_LING2022)
            for (long k = 0; k < X->rows * X->cols; k++)
                X->e[k] *= sqrt((double)X->rows);
    }
    d = X->rows;
    n = X->cols;
    char note[400];
    if (deq_paper_input_norm_note(note, sizeof note, spec, X))
        fprintf(stderr, "train: warning: %s\n", note);

    /* the weights */
    mat_d_t T[DEQ_PAPER_SLOTS];
    if (init) {
        long mf = 0;
        if (deq_paper_load(T, &mf, spec->kind, d, init, err) != DEQ_OK) {
            mat_clear_d(X), mat_clear_d(y);
            return cli_usage_error("train", err->msg);
        }
        if (cli_value(opts, "m") && mf != m) {
            deq_error_set(err, DEQ_ERR_INPUT, "--m %ld disagrees with %s's width %ld", m, init, mf);
            deq_paper_tensors_clear(T);
            mat_clear_d(X), mat_clear_d(y);
            return cli_usage_error("train", err->msg);
        }
        m = mf;
    } else if (paper_memory(m, d, n, &a, cli_value(opts, "max-memory"), err) != DEQ_OK) {
        mat_clear_d(X), mat_clear_d(y);
        return cli_usage_error("train", err->msg);
    } else {
        deq_paper_tensors_init(T, spec->kind, m, d);
        deq_rng_t rng;
        deq_rng_init(rng, (unsigned long)seed);
        deq_paper_draw(T, spec->kind, sigma_w2, rng);
        deq_rng_clear(rng);
    }
    if (init && paper_memory(m, d, n, &a, cli_value(opts, "max-memory"), err) != DEQ_OK) {
        deq_paper_tensors_clear(T);
        mat_clear_d(X), mat_clear_d(y);
        return cli_usage_error("train", err->msg);
    }
    int rc = a.backend == DEQ_BACKEND_DOUBLE ? cli_paper_train_run_d(&a, T, X, y)
                                            : cli_paper_train_run_mp(&a, T, X, y);
    deq_paper_tensors_clear(T);
    mat_clear_d(X), mat_clear_d(y);
    return rc;
}

int cli_cmd_train(int argc, char **argv)
{
    cli_opt opts[] = {{"preset", 1, NULL},  {"m", 1, NULL},        {"n", 1, NULL},
                      {"steps", 1, NULL},   {"lr", 1, NULL},       {"seed", 1, NULL},
                      {"data", 1, NULL},    {"d", 1, NULL},        {"gram-every", 1, NULL},
                      {"backend", 1, NULL}, {"precision", 1, NULL}, {"log", 1, NULL},
                      {"classes", 1, NULL},  {"max-memory", 1, NULL}, {"keep-going", 0, NULL},
                      {"progress", 0, NULL}, {"fashion-dir", 1, NULL}, {"model", 1, NULL},
                      {"init", 1, NULL},    {"save", 1, NULL},     {"X", 1, NULL},
                      {"y", 1, NULL},       {"rho-refresh-slack", 1, NULL}, {"solver", 1, NULL},
                      {NULL, 0, NULL}};
    static const char *const required[] = {"preset", "steps", "lr", "log"};
    int rc = cli_begin(opts, required, sizeof required / sizeof *required, "train", train_help, argc,
                       argv);
    if (rc >= 0)
        return rc;
    deq_error_t err;
    deq_error_init(err);
    cli_train_args a;
    memset(&a, 0, sizeof a);
    const char *v;
    deq_solver solver = DEQ_SOLVER_ANDERSON;
    int auto_solver = !(v = cli_value(opts, "solver")) || strcmp(v, "auto") == 0;
    if (!auto_solver && deq_solver_parse(&solver, v) != 0) {
        deq_error_set(err, DEQ_ERR_INPUT, "--solver: expected auto, picard or anderson, got \"%s\"", v);
        return cli_usage_error("train", err->msg);
    }
    const char *model = cli_value(opts, "model");
    const deq_paper_spec *spec = deq_paper_spec_find(cli_value(opts, "preset"));
    if (model && strcmp(model, "paper") != 0 && strcmp(model, "theorems") != 0) {
        deq_error_set(err, DEQ_ERR_INPUT, "--model: expected paper or theorems, got \"%s\"", model);
        return cli_usage_error("train", err->msg);
    }
    if (model && strcmp(model, "paper") == 0 && !spec) {
        deq_error_set(err, DEQ_ERR_INPUT, "--model paper: only gao2021 and ling2022 have the "
                      "papers' models (the others are derived from abstracts: --model theorems)");
        return cli_usage_error("train", err->msg);
    }
    if (spec && (!model || strcmp(model, "paper") == 0)) {
        if (cli_value(opts, "rho-refresh-slack")) {
            /* the papers' trainers compute their own ρ̄ at every step */
            deq_error_set(err, DEQ_ERR_INPUT, "--rho-refresh-slack is for --model theorems");
            return cli_usage_error("train", err->msg);
        }
        return train_paper(opts, spec, solver, auto_solver);
    }
    if (cli_value(opts, "init") || cli_value(opts, "save") || cli_value(opts, "X") ||
        cli_value(opts, "y")) {
        deq_error_set(err, DEQ_ERR_INPUT, "--init, --save, --X and --y are for --model paper");
        return cli_usage_error("train", err->msg);
    }
    a.solver = solver;
    a.auto_solver = auto_solver;
    a.rho_refresh_slack = DEQ_RHO_REFRESH_SLACK_DEFAULT;
    if ((v = cli_value(opts, "rho-refresh-slack"))) {
        if (cli_decimal("rho-refresh-slack", v, err) != DEQ_OK)
            return cli_usage_error("train", err->msg);
        a.rho_refresh_slack = strtod(v, NULL);
        if (!(a.rho_refresh_slack >= 0 && a.rho_refresh_slack < 1)) {
            deq_error_set(err, DEQ_ERR_INPUT, "--rho-refresh-slack: %s is outside the range [0, 1)", v);
            return cli_usage_error("train", err->msg);
        }
    }
    static const char *const required_theorems[] = {"m", "n", "seed"};
    if (cli_require(opts, required_theorems, 3, "train", err))
        return cli_usage_error("train", err->msg);
    a.preset = deq_preset_find(cli_value(opts, "preset"));
    if (!a.preset || a.preset->family != DEQ_FAMILY_EQUILIBRIUM) {
        deq_error_set(err, DEQ_ERR_INPUT, "--preset: \"%s\" is not an equilibrium preset (%s)",
                      cli_value(opts, "preset"), "gao2021, gaogao2022, ling2022, truong2023");
        return cli_usage_error("train", err->msg);
    }
    long seed = 0, d = TRAIN_SYNTHETIC_D;
    a.gram_every = 10;
    if (cli_long_in(&a.m, "m", cli_value(opts, "m"), 1, 1L << 20, err) ||
        cli_long_in(&a.n, "n", cli_value(opts, "n"), 1, 1L << 24, err) ||
        cli_long_in(&a.steps, "steps", cli_value(opts, "steps"), 0, 100000000L, err) ||
        cli_double_in(&a.lr, "lr", cli_value(opts, "lr"), 0.0, 1e300, 1, err) ||
        cli_long_in(&seed, "seed", cli_value(opts, "seed"), 0, 4294967295L, err) ||
        ((v = cli_value(opts, "d")) && cli_long_in(&d, "d", v, 1, 1L << 20, err)) ||
        ((v = cli_value(opts, "gram-every")) &&
         cli_long_in(&a.gram_every, "gram-every", v, 0, 100000000L, err)) ||
        cli_check_writable("log", cli_value(opts, "log"), err))
        return cli_usage_error("train", err->msg);
    a.seed = (unsigned long)seed;
    a.log = cli_value(opts, "log");
    a.data = cli_value(opts, "data") ? cli_value(opts, "data") : "synthetic";
    if (strcmp(a.data, "synthetic") != 0 && strcmp(a.data, "fashion-mnist") != 0) {
        deq_error_set(err, DEQ_ERR_INPUT, "--data: expected synthetic or fashion-mnist, got \"%s\"",
                      a.data);
        return cli_usage_error("train", err->msg);
    }
    const char *backend = cli_value(opts, "backend") ? cli_value(opts, "backend") : "double";
    if (cli_backend_precision(&a.backend, &a.prec, backend, cli_value(opts, "precision"), err))
        return cli_usage_error("train", err->msg);
    /* weights, gradients and their copies (m×m; one more for the incremental
     * refresh's A_ref when τ > 0), equilibria, adjoints, the solver workspace
     * and Gram blocks (m×n, n×n); MPFR entries at the working precision */
    double entry = a.backend == DEQ_BACKEND_DOUBLE
                       ? 8.0
                       : (double)sizeof(__mpfr_struct) + 8.0 * (double)(a.prec / 64 + 1);
    double need = entry * ((a.rho_refresh_slack > 0 ? 9.0 : 8.0) * (double)a.m * (double)a.m +
                           (8.0 + workspace_mn(a.solver, a.auto_solver, a.backend)) * (double)a.m * (double)a.n +
                           4.0 * (double)a.n * (double)a.n) +
                  8.0 * (2.0 * (double)a.m * (double)a.n + (double)a.m * (double)a.m),
           limit;
    if (cli_memory_limit(&limit, cli_value(opts, "max-memory"), err))
        return cli_usage_error("train", err->msg);
    if (need > limit) {
        deq_error_set(err, DEQ_ERR_INPUT,
                      "--m %ld --n %ld need about %.3g GiB, more than the limit %.3g GiB "
                      "(--max-memory)", a.m, a.n, need / 1073741824.0, limit / 1073741824.0);
        return cli_usage_error("train", err->msg);
    }
    a.progress = isatty(fileno(stderr)) ? 1 : cli_value(opts, "progress") != NULL ? 2 : 0;
    a.keep_going = cli_value(opts, "keep-going") != NULL;
    a.class_pos = 0;
    a.class_neg = 1;
    if ((v = cli_value(opts, "classes")) && cli_class_pair(&a.class_pos, &a.class_neg, v, err))
        return cli_usage_error("train", err->msg);

    mat_d_t X, y;
    if (strcmp(a.data, "synthetic") == 0) {
        deq_rng_t rng;
        /* data from its own stream of the seed, so it does not depend on m */
        deq_rng_init(rng, a.seed ^ 0x5bd1e995UL);
        mat_init_d(X, d, a.n, 53);
        mat_init_d(y, a.n, 1, 53);
        data_sphere_points(X, rng);
        data_smooth_target(y, X, rng);
        deq_rng_clear(rng);
    } else if (data_fashion_two_class(X, y, a.n, a.class_pos, a.class_neg, 0,
                                      cli_value(opts, "fashion-dir"), err) != DEQ_OK) {
        return cli_usage_error("train", err->msg);
    }
    rc = a.backend == DEQ_BACKEND_DOUBLE ? cli_train_run_d(&a, X, y) : cli_train_run_mp(&a, X, y);
    mat_clear_d(X), mat_clear_d(y);
    return rc;
}
