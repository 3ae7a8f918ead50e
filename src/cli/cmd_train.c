/* `deqcheck train`: full-batch gradient descent with a per-step log. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "core/rng.h"
#include "data/fashion.h"
#include "data/synthetic.h"

/* Synthetic inputs live on the sphere S^{d−1} with this default d. */
#define TRAIN_SYNTHETIC_D 16

static void train_help(FILE *f)
{
    fprintf(f,
"Usage: deqcheck train --preset NAME --m M --n N --steps K --lr ETA --seed S --log FILE.csv\n"
"                      [--data synthetic|fashion-mnist] [--classes A,B] [--fashion-dir DIR]\n"
"                      [--d D] [--gram-every K] [--keep-going] [--progress]\n"
"                      [--backend double|mpfr] [--precision BITS] [--max-memory SIZE]\n"
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
"  --log FILE.csv      one line per step: step, loss, ||grad||^2, ||theta - theta_0|| per\n"
"                      group, certified rho_bar and its estimate, solver iterations,\n"
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
            "gao2021, gaogao2022, ling2022, truong2023", TRAIN_SYNTHETIC_D, DEQ_PREC_MIN,
            DEQ_PREC_MAX, DEQ_PREC_DEFAULT);
}

int cli_cmd_train(int argc, char **argv)
{
    cli_opt opts[] = {{"preset", 1, NULL},  {"m", 1, NULL},        {"n", 1, NULL},
                      {"steps", 1, NULL},   {"lr", 1, NULL},       {"seed", 1, NULL},
                      {"data", 1, NULL},    {"d", 1, NULL},        {"gram-every", 1, NULL},
                      {"backend", 1, NULL}, {"precision", 1, NULL}, {"log", 1, NULL},
                      {"classes", 1, NULL},  {"max-memory", 1, NULL}, {"keep-going", 0, NULL},
                      {"progress", 0, NULL}, {"fashion-dir", 1, NULL},  {NULL, 0, NULL}};
    static const char *const required[] = {"preset", "m", "n", "steps", "lr", "seed", "log"};
    int rc = cli_begin(opts, required, sizeof required / sizeof *required, "train", train_help, argc,
                       argv);
    if (rc >= 0)
        return rc;
    deq_error_t err;
    deq_error_init(err);
    cli_train_args a;
    memset(&a, 0, sizeof a);
    a.preset = deq_preset_find(cli_value(opts, "preset"));
    if (!a.preset || a.preset->family != DEQ_FAMILY_EQUILIBRIUM) {
        deq_error_set(err, DEQ_ERR_INPUT, "--preset: \"%s\" is not an equilibrium preset (%s)",
                      cli_value(opts, "preset"), "gao2021, gaogao2022, ling2022, truong2023");
        return cli_usage_error("train", err->msg);
    }
    long seed = 0, d = TRAIN_SYNTHETIC_D;
    a.gram_every = 10;
    const char *v;
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
    /* weights, gradients and their copies (m×m), equilibria, adjoints and
     * Gram blocks (m×n, n×n); MPFR entries at the working precision */
    double entry = a.backend == DEQ_BACKEND_DOUBLE
                       ? 8.0
                       : (double)sizeof(__mpfr_struct) + 8.0 * (double)(a.prec / 64 + 1);
    double need = entry * (8.0 * (double)a.m * (double)a.m + 8.0 * (double)a.m * (double)a.n +
                           4.0 * (double)a.n * (double)a.n),
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
