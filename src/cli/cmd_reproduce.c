/* `deqcheck reproduce gao2021|ling2022`: the papers' experiments (see
 * cli/reproduce.h). The flags are parsed here into a repro_config and a
 * repro_plan_opts; what runs (estimate, reduction, given files, step size) is
 * decided by src/repro/plan.c, the runs by src/repro/reproduce.c, the report
 * rendered by src/report/reproduce_md.c. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "cli/args.h"
#include "cli/cli.h"
#include "cli/reproduce.h"
#include "report/markdown.h"

/* The default time budget of a run that picks its own size (--max-time). */
#define REPRO_DEFAULT_MAX_TIME "30m"
#define REPRO_DEFAULT_CHECKPOINT_EVERY 50

/* The two experiments in --help, their numbers from src/repro/paper_facts.c. */
static const char *experiments_help(void)
{
    static char buf[1536];
    const repro_paper_facts *G = repro_paper_facts_of(DEQ_PAPER_GAO2021),
                            *L = repro_paper_facts_of(DEQ_PAPER_LING2022);
    char gw[160], lw[160];
    size_t q = 0;
    for (int j = 0; j < G->n_widths; j++)
        q += (size_t)snprintf(gw + q, sizeof gw - q, "%s%ld", j ? ", " : "", G->widths[j]);
    q = 0;
    for (int j = 0; j < L->n_widths; j++)
        q += (size_t)snprintf(lw + q, sizeof lw - q, "%s%ld", j ? ", " : "", L->widths[j]);
    const char *sw2 = deq_paper_const_value(deq_paper_spec_find("ling2022"), "sigma_w2");
    snprintf(buf, sizeof buf,
"  gao2021   Section 4 / Figure 1: Fashion-MNIST classes 0 and 1 (MNIST, CIFAR10 and SVHN\n"
"            are not packaged in Debian), %ld training and %ld test images per class\n"
"            drawn at random, unit norm; m in {%s}; %ld epochs of\n"
"            full-batch GD; plots log train and test loss, %s.\n"
"  ling2022  Section 5 / Figure 1 (synthetic): n = %ld points on the sphere of radius\n"
"            sqrt(d), d = %ld, y ~ N(0,1), sigma_w^2 = %s;\n"
"            m in {%s}; %ld epochs;\n"
"            plots log train loss and %s.\n",
             G->n_train.value / 2, G->n_test.value / 2, gw, G->epochs.value, G->op_norm_name, L->n_train.value,
             L->d.value, sw2 ? sw2 : "?", lw, L->epochs.value, L->op_norm_name);
    return buf;
}

static void reproduce_help(FILE *f)
{
    fprintf(f,
"Usage: deqcheck reproduce gao2021|ling2022 [--out DIR] [--full] [--max-time T]\n"
"                 [--max-memory SIZE] [--reduce size|epochs] [--n N] [--widths M1,M2,...]\n"
"                 [--epochs K] [--seed S] [--lr ETA] [--gram-every K] [--fashion-dir DIR]\n"
"                 [--checkpoint PREFIX [--checkpoint-every K] [--resume]] [--progress]\n"
"                 [--no-estimate] [--init W.npz] [--X X.npy --y y.npy\n"
"                 [--Xtest Xt.npy --ytest yt.npy]]\n"
"       deqcheck-mpi reproduce ...   (the same, one width per MPI rank)\n"
"\n"
"Runs a paper's own experiment on the paper's own model (README \"The papers' models\")\n"
"and writes per-width CSV logs, Figure-1-like SVG plots (gnuplot) and a Markdown report\n"
"with a table \"paper reports / we measure\":\n"
"%s"
"Neither paper states its step size. Without --lr it is derived: alpha = 1/max_m\n"
"lambda_max(H_m(0)), H = J J^T the NTK at each width's initialization: half the largest\n"
"step at which GD on the linearized model is stable at the stiffest width, one fixed\n"
"step for all widths. The theorems' own step sizes (gao2021 Theorem 3.2's lambda0/n^2,\n"
"ling2022 Theorem 1's bound (10)) are printed next to it: they are far smaller. Data\n"
"of extreme scale (norms below about 1e-154 or above 1e154) put the derived step\n"
"outside double's range: the run stops with exit 1 and asks for --lr.\n"
"\n"
"What runs: the paper's configuration when it fits --max-time and --max-memory, else a\n"
"reduction, labelled REDUCED everywhere: by default (--reduce size) the paper's epochs\n"
"at n and every m scaled by the largest power of 2 (1/2, 1/4, ...) that fits; --reduce\n"
"epochs keeps n and m and runs the paper's epochs times such a power of 2. The time is\n"
"estimated first from one warm-started step per width at a quarter of the paper's n and m\n"
"(less when that would exceed --max-memory), fitted to the cost a m^2 n + b m d n of the\n"
"products, and printed. The estimate is a timing: the automatic reduction depends on this\n"
"machine's measured speed and load (the power-of-2 ladder keeps small timing noise from\n"
"changing it, a different machine may choose another rung). --n/--widths/--epochs or\n"
"--full fix the sizes (no estimate is made with sizes given); the report's \"Reproduce\n"
"with\" line gives the sizes a self-sized run resolved to.\n"
"\n"
"  --out DIR           output directory (default ./deqcheck-reproduce-PAPER; created)\n"
"  --full              the paper's configuration whatever the estimate\n"
"  --max-time T        time budget of a self-sized run: seconds, or with s, m, h\n"
"                      (default " REPRO_DEFAULT_MAX_TIME ")\n"
"  --max-memory SIZE   memory budget (bytes, or with K, M, G; default half the memory):\n"
"                      the reduction fits it; given sizes or --full beyond it: exit 2\n"
"  --reduce HOW        size (default) or epochs, see above\n"
"  --n N               training samples (gao2021: N/2 per class, and N test samples;\n"
"                      even); with --widths or --epochs: no automatic reduction\n"
"  --widths LIST       comma-separated widths (at most %d)\n"
"  --epochs K          GD steps (the log has K + 1 lines: the state before each update)\n"
"  --seed S            seed of the data draw and the weights (default 0); width m's\n"
"                      weights come from S*1000003 + m, the same in every process\n"
"  --lr ETA            the step size instead of the derived one\n"
"  --gram-every K      lambda_min(G) with its certified enclosure every K steps (default 10)\n"
"  --fashion-dir DIR   Fashion-MNIST's IDX files (default /usr/share/datasets/fashion-mnist)\n"
"  --checkpoint PREFIX every --checkpoint-every steps (default %d) and at the end of\n"
"                      a width, PREFIX.mM.npz (weights with the paper's names, the warm\n"
"                      starts Z, adjoint, Z_test, and meta) and PREFIX.mM.csv (the log)\n"
"  --resume            continue each width from its checkpoint (bit-identical to a\n"
"                      run that was never stopped); a width without one starts afresh\n"
"  --progress          the progress line even when stderr is not a terminal\n"
"  --no-estimate       skip the time estimate of --full (the report then says unknown);\n"
"                      only with --full or --n/--widths/--epochs\n"
"\n"
"The experiment from given weights and data (as `deqcheck train --init --X --y`, the\n"
"same files; to compare the curves with a PyTorch or JAX run from the same start):\n"
"  --init W.npz        initial weights with the paper's names: gao2021 A (m,m), W (m,d),\n"
"                      u (m,), v (m,); ling2022 W (m,m), U (m,d), a (m,). One width runs,\n"
"                      the file's m (--widths, if given, must be that one width)\n"
"  --X X.npy --y y.npy the training data: X of shape (n, d), one sample per row, y of\n"
"                      shape (n,); n and d are the file's (no --n); without --X the data\n"
"                      are drawn as the paper does and --init's d must be the paper's\n"
"  --Xtest Xt.npy --ytest yt.npy\n"
"                      a test set (its loss logged at every epoch); without it, --X\n"
"                      runs with no test set\n"
"  With files there is no estimate and no reduction: the sizes are the files' (and\n"
"  --epochs, default the paper's); the report labels them and the command names them.\n"
"  A missing, unreadable or ill-shaped file: exit 2 with one line naming it.\n"
"\n"
"Files in DIR: PAPER-mM.csv per width (step, train_loss, test_loss, op_norm,\n"
"op_norm_upper, grad_norm2, lam_min_G with its enclosure, solver iterations, event),\n"
"PAPER-loss.svg, PAPER-opnorm.svg, plots.gp, PAPER-report.md. Same sizes\n"
"(--n/--widths/--epochs or --full), seed and options: bit-identical CSVs and SVGs,\n"
"serial or MPI.\n"
"Exit status: 0 every width ran without trouble; 1 a width diverged, lost rho_bar < 1\n"
"or stopped at a failed solve (all files still written); 2 bad usage or bad input.\n",
            experiments_help(), REPRO_MAX_WIDTHS, REPRO_DEFAULT_CHECKPOINT_EVERY);
}

/* "600", "90s", "10m", "1.5h" */
static deq_status parse_duration(double *sec, const char *v, deq_error_t err)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    double unit = *end == '\0' || strcmp(end, "s") == 0 ? 1 : strcmp(end, "m") == 0 ? 60
                  : strcmp(end, "h") == 0 ? 3600 : -1;
    if (end == v || errno || unit < 0 || !(x > 0) || !isfinite(x))
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "--max-time: expected a positive duration (600, 90s, 10m, 1.5h), got \"%s\"", v);
    *sec = x * unit;
    return DEQ_OK;
}

static deq_status parse_widths(repro_config *c, const char *v, deq_error_t err)
{
    int n = 0;
    const char *p = v;
    while (*p) {
        char *end;
        errno = 0;
        long m = strtol(p, &end, 10);
        if (end == p || errno || m < 1 || m > (1L << 20) || (*end != ',' && *end != '\0'))
            return deq_error_set(err, DEQ_ERR_INPUT,
                                 "--widths: expected comma-separated widths 1..%ld, got \"%s\"", 1L << 20, v);
        if (n == REPRO_MAX_WIDTHS)
            return deq_error_set(err, DEQ_ERR_INPUT, "--widths: at most %d widths", REPRO_MAX_WIDTHS);
        for (int k = 0; k < n; k++)
            if (c->widths[k] == m)
                return deq_error_set(err, DEQ_ERR_INPUT, "--widths: %ld given twice", m);
        c->widths[n++] = m;
        p = *end ? end + 1 : end;
        if (*end == ',' && *p == '\0')
            return deq_error_set(err, DEQ_ERR_INPUT, "--widths: a trailing comma in \"%s\"", v);
    }
    if (n == 0)
        return deq_error_set(err, DEQ_ERR_INPUT, "--widths: empty");
    c->n_widths = n;
    return DEQ_OK;
}

int cli_repro_parse(cli_repro_job *J, const char *prog, int argc, char **argv)
{
    memset(J, 0, sizeof *J);
    J->prog = prog;
    cli_opt opts[] = {{"out", 1, NULL},          {"full", 0, NULL},        {"max-time", 1, NULL},
                      {"max-memory", 1, NULL},   {"reduce", 1, NULL},      {"n", 1, NULL},
                      {"widths", 1, NULL},       {"epochs", 1, NULL},      {"seed", 1, NULL},
                      {"lr", 1, NULL},           {"gram-every", 1, NULL},  {"fashion-dir", 1, NULL},
                      {"checkpoint", 1, NULL},   {"checkpoint-every", 1, NULL},
                      {"resume", 0, NULL},       {"progress", 0, NULL},    {"no-estimate", 0, NULL},
                      {"init", 1, NULL},         {"X", 1, NULL},           {"y", 1, NULL},
                      {"Xtest", 1, NULL},        {"ytest", 1, NULL},       {NULL, 0, NULL}};
    const char *pos[2];
    int npos = 0, help = 0;
    deq_error_t err;
    deq_error_init(err);
    if (cli_parse(opts, pos, 1, &npos, &help, argc, argv, 2, err) != DEQ_OK)
        return cli_usage_error("reproduce", err->msg);
    if (help) {
        reproduce_help(stdout);
        return CLI_EXIT_OK;
    }
    if (npos != 1) {
        deq_error_set(err, DEQ_ERR_INPUT, "name the paper: gao2021 or ling2022 (see deqcheck reproduce --help)");
        return cli_usage_error("reproduce", err->msg);
    }
    const deq_paper_spec *spec = deq_paper_spec_find(pos[0]);
    if (!spec) {
        deq_error_set(err, DEQ_ERR_INPUT, "%s: expected gao2021 or ling2022 (the papers read in full)", pos[0]);
        return cli_usage_error("reproduce", err->msg);
    }
    repro_config cfg, *c = &cfg;
    repro_plan_opts po;
    memset(&po, 0, sizeof po);
    repro_config_paper(c, spec, err);
    const char *v;
    long seed = 0;
    J->checkpoint_every = REPRO_DEFAULT_CHECKPOINT_EVERY;
    if (((v = cli_value(opts, "n")) && cli_long_in(&c->n_train, "n", v, 2, 1L << 20, err)) ||
        ((v = cli_value(opts, "epochs")) && cli_long_in(&c->epochs, "epochs", v, 0, 100000000L, err)) ||
        ((v = cli_value(opts, "widths")) && parse_widths(c, v, err)) ||
        ((v = cli_value(opts, "seed")) && cli_long_in(&seed, "seed", v, 0, 4294967295L, err)) ||
        ((v = cli_value(opts, "lr")) && cli_double_in(&c->lr, "lr", v, 0.0, 1e300, 1, err)) ||
        ((v = cli_value(opts, "gram-every")) &&
         cli_long_in(&c->gram_every, "gram-every", v, 0, 100000000L, err)) ||
        ((v = cli_value(opts, "checkpoint-every")) &&
         cli_long_in(&J->checkpoint_every, "checkpoint-every", v, 1, 100000000L, err)) ||
        parse_duration(&po.max_time, cli_value(opts, "max-time") ? cli_value(opts, "max-time")
                                                                 : REPRO_DEFAULT_MAX_TIME, err) ||
        cli_memory_limit(&po.mem_limit, cli_value(opts, "max-memory"), err))
        return cli_usage_error("reproduce", err->msg);
    po.init = cli_value(opts, "init");
    po.X = cli_value(opts, "X"), po.y = cli_value(opts, "y");
    po.Xtest = cli_value(opts, "Xtest"), po.ytest = cli_value(opts, "ytest");
    if (!po.X != !po.y || !po.Xtest != !po.ytest || (po.Xtest && !po.X)) {
        deq_error_set(err, DEQ_ERR_INPUT, !po.X != !po.y ? "--X and --y go together"
                                          : !po.Xtest != !po.ytest ? "--Xtest and --ytest go together"
                                                                   : "--Xtest needs --X (the training data)");
        return cli_usage_error("reproduce", err->msg);
    }
    if (po.X && cli_value(opts, "n")) {
        deq_error_set(err, DEQ_ERR_INPUT, "--n: the samples come from --X (n = its rows)");
        return cli_usage_error("reproduce", err->msg);
    }
    if (spec->kind == DEQ_PAPER_GAO2021 && !po.X && c->n_train % 2 != 0) {
        deq_error_set(err, DEQ_ERR_INPUT, "--n: gao2021 takes N/2 images per class: N must be even, got %ld",
                      c->n_train);
        return cli_usage_error("reproduce", err->msg);
    }
    if (spec->kind == DEQ_PAPER_GAO2021)
        c->n_test = c->n_train;
    c->seed = (unsigned long)seed;
    c->lr_given = cli_value(opts, "lr") != NULL;
    c->fashion_dir = cli_value(opts, "fashion-dir");
    if ((v = cli_value(opts, "reduce"))) {
        if (strcmp(v, "size") == 0)
            po.reduce = REPRO_REDUCE_SIZE;
        else if (strcmp(v, "epochs") == 0)
            po.reduce = REPRO_REDUCE_EPOCHS;
        else {
            deq_error_set(err, DEQ_ERR_INPUT, "--reduce: expected size or epochs, got \"%s\"", v);
            return cli_usage_error("reproduce", err->msg);
        }
    }
    po.full = cli_value(opts, "full") != NULL;
    po.sizes_given = cli_value(opts, "n") || cli_value(opts, "widths") || cli_value(opts, "epochs");
    po.widths_given = cli_value(opts, "widths") != NULL;
    if (po.full && po.sizes_given) {
        deq_error_set(err, DEQ_ERR_INPUT, "--full runs the paper's configuration: it takes no --n, --widths or --epochs");
        return cli_usage_error("reproduce", err->msg);
    }
    if (po.full && (po.init || po.X)) {
        deq_error_set(err, DEQ_ERR_INPUT, "--full draws the paper's weights and data: it takes no --init or --X");
        return cli_usage_error("reproduce", err->msg);
    }
    po.no_estimate = cli_value(opts, "no-estimate") != NULL;
    J->checkpoint = cli_value(opts, "checkpoint");
    J->resume = cli_value(opts, "resume") != NULL;
    J->progress = cli_value(opts, "progress") != NULL;
    if (J->resume && !J->checkpoint) {
        deq_error_set(err, DEQ_ERR_INPUT, "--resume needs --checkpoint PREFIX (the run to continue)");
        return cli_usage_error("reproduce", err->msg);
    }
    if (po.no_estimate && !po.sizes_given && !po.full && !po.init && !po.X) {
        deq_error_set(err, DEQ_ERR_INPUT, "--no-estimate: give the sizes (--n, --widths, --epochs) or --full; "
                      "without them the estimate chooses what fits --max-time");
        return cli_usage_error("reproduce", err->msg);
    }
    if (J->checkpoint) {
        char npz[REPRO_PATH_MAX], csv[REPRO_PATH_MAX];
        /* the widest width has the longest paths; a reduction only narrows them */
        for (int k = 0; k < c->n_widths; k++)
            if (repro_checkpoint_paths(npz, csv, sizeof npz, J->checkpoint, c->widths[k]) != 0) {
                deq_error_set(err, DEQ_ERR_INPUT, "--checkpoint: the prefix is too long (at most %zu bytes "
                              "with the suffix .mM.npz)", sizeof npz - 1);
                return cli_usage_error("reproduce", err->msg);
            }
        repro_checkpoint_paths(npz, csv, sizeof npz, J->checkpoint, c->widths[0]);
        if (cli_check_writable("checkpoint", npz, err) != DEQ_OK)
            return cli_usage_error("reproduce", err->msg);
    }
    const char *out = cli_value(opts, "out");
    int used = out ? snprintf(J->out, sizeof J->out, "%s", out)
                   : snprintf(J->out, sizeof J->out, "deqcheck-reproduce-%s", spec->name);
    if (used < 0 || (size_t)used >= sizeof J->out || !J->out[0]) {
        deq_error_set(err, DEQ_ERR_INPUT, "--out: expected a directory of 1 to %zu bytes", sizeof J->out - 1);
        return cli_usage_error("reproduce", err->msg);
    }
    po.log = stderr;
    if (repro_plan_init(J->plan, c, &po, err) != DEQ_OK)
        return cli_usage_error("reproduce", err->msg);
    J->have_plan = 1;
    return -1;
}

int cli_repro_decide(cli_repro_job *J)
{
    deq_error_t err;
    deq_error_init(err);
    if (repro_plan_decide(J->plan, err) != DEQ_OK)
        return cli_usage_error("reproduce", err->msg);
    return -1;
}

int cli_repro_data(cli_repro_job *J)
{
    deq_error_t err;
    deq_error_init(err);
    if (repro_plan_data(J->plan, err) != DEQ_OK)
        return cli_usage_error("reproduce", err->msg);
    if (mkdir(J->out, 0777) != 0 && errno != EEXIST) {
        deq_error_set(err, DEQ_ERR_INPUT, "--out %s: cannot create (%s)", J->out, strerror(errno));
        return cli_usage_error("reproduce", err->msg);
    }
    /* the command that reproduces this run: the sizes as decided, the files as given */
    const repro_config *c = &J->plan->cfg;
    size_t k = (size_t)snprintf(J->command, sizeof J->command, "%s reproduce %s", J->prog, c->spec->name);
    if (c->X_path)
        k += (size_t)snprintf(J->command + k, sizeof J->command - k, " --X %s --y %s", c->X_path, c->y_path);
    else
        k += (size_t)snprintf(J->command + k, sizeof J->command - k, " --n %ld", c->n_train);
    if (c->Xtest_path)
        k += (size_t)snprintf(J->command + k, sizeof J->command - k, " --Xtest %s --ytest %s", c->Xtest_path,
                              c->ytest_path);
    if (c->init_path)
        k += (size_t)snprintf(J->command + k, sizeof J->command - k, " --init %s", c->init_path);
    k += (size_t)snprintf(J->command + k, sizeof J->command - k, " --widths ");
    for (int w = 0; w < c->n_widths; w++)
        k += (size_t)snprintf(J->command + k, sizeof J->command - k, "%s%ld", w ? "," : "", c->widths[w]);
    k += (size_t)snprintf(J->command + k, sizeof J->command - k, " --epochs %ld --seed %lu", c->epochs, c->seed);
    if (c->lr_given)
        k += (size_t)snprintf(J->command + k, sizeof J->command - k, " --lr %.17g", c->lr);
    if (c->gram_every != 10)
        k += (size_t)snprintf(J->command + k, sizeof J->command - k, " --gram-every %ld", c->gram_every);
    snprintf(J->command + k, sizeof J->command - k, " --out %s", J->out);
    if (J->quiet)
        return -1;
    char test[64] = "";
    if (c->n_test == c->n_train)
        snprintf(test, sizeof test, " (+ the same number of test samples)");
    else if (c->n_test > 0)
        snprintf(test, sizeof test, " (+ %ld test samples)", c->n_test);
    fprintf(stderr, "reproduce: %s%s: n=%ld%s, d=%ld, widths", c->spec->name, c->reduced ? " (REDUCED)" : "",
            c->n_train, test, c->d);
    for (int w = 0; w < c->n_widths; w++)
        fprintf(stderr, "%s%ld", w ? ", " : " ", c->widths[w]);
    fprintf(stderr, ", %ld epochs%s; output in %s\n", c->epochs,
            c->init_path ? ", from the weights of --init" : "", J->out);
    return -1;
}

int cli_repro_probe(cli_repro_job *J, int k)
{
    if (repro_plan_probe(J->plan, k) != 0) {
        fprintf(stderr, "reproduce: width %ld: the initial forward or adjoint solve failed\n",
                J->plan->cfg.widths[k]);
        return CLI_EXIT_FAIL;
    }
    return 0;
}

int cli_repro_set_lr(cli_repro_job *J)
{
    char why[400];
    if (repro_plan_set_lr(J->plan, why, sizeof why) != 0) {
        if (!J->quiet)
            fprintf(stderr, "reproduce: %s\n", why);
        return CLI_EXIT_FAIL;
    }
    return 0;
}

/* ---------- progress ---------- */

typedef struct {
    const cli_repro_job *J;
    int k, tty;
    double interval, last, start;
} progress_ctx;

static void observe(void *ctx, const repro_width_t W, long steps_total)
{
    progress_ctx *p = ctx;
    double t = deq_clock_seconds();
    long len = W->log->len;
    int last = len == steps_total + 1 || W->log->stopped;
    if (!last && t - p->last < p->interval)
        return;
    p->last = t;
    const deq_paper_step *s = &W->log->steps[len - 1];
    char line[240];
    int u = snprintf(line, sizeof line, "reproduce %s: width %d/%d m=%ld: epoch %ld/%ld, train loss %.4e",
                     p->J->plan->cfg.spec->name, p->k + 1, p->J->plan->cfg.n_widths, W->m, s->k, steps_total, s->loss);
    if (!isnan(W->test_loss[len - 1]) && u > 0 && (size_t)u < sizeof line)
        u += snprintf(line + u, sizeof line - (size_t)u, ", test %.4e", W->test_loss[len - 1]);
    if (W->steps_run > 0 && u > 0 && (size_t)u < sizeof line) {
        double left = W->seconds / (double)W->steps_run * (double)(steps_total + 1 - len);
        snprintf(line + u, sizeof line - (size_t)u, ", about %.0f:%02.0f left for this width",
                 floor(left / 60), fmod(floor(left), 60));
    }
    if (p->tty)
        fprintf(stderr, "\r%-100s%s", line, last ? "\n" : "");
    else
        fprintf(stderr, "%s\n", line);
}

int cli_repro_run(cli_repro_job *J, int k, repro_width_t W)
{
    repro_width_init(W, J->plan->cfg.widths[k]);
    progress_ctx p = {J, k, isatty(fileno(stderr)), 0, 0, deq_clock_seconds()};
    p.interval = p.tty ? 1.0 : cli_progress_line_seconds(5.0);
    repro_run_opts o = {.checkpoint = J->checkpoint, .checkpoint_every = J->checkpoint_every,
                        .resume = J->resume, .observe = NULL, .observe_ctx = &p};
    if (p.tty || J->progress)
        o.observe = observe;
    deq_error_t err;
    deq_error_init(err);
    if (repro_run_width(W, &J->plan->cfg, J->plan->data, &o, err) != DEQ_OK)
        return cli_usage_error("reproduce", err->msg);
    if (J->resume && W->steps_run < W->log->len)
        fprintf(stderr, "reproduce: m=%ld: %ld steps from the checkpoint, %ld run now\n", W->m,
                W->log->len - W->steps_run, W->steps_run);
    return 0;
}

int cli_repro_finish(cli_repro_job *J, repro_width_struct *W)
{
    const repro_plan_struct *P = J->plan;
    const repro_config *c = &P->cfg;
    int rc = CLI_EXIT_OK;
    for (int k = 0; k < c->n_widths; k++) {
        char name[128], path[1200];
        report_repro_csv_name(name, sizeof name, c->spec->name, c->widths[k]);
        snprintf(path, sizeof path, "%s/%s", J->out, name);
        FILE *f = fopen(path, "w");
        int bad = !f || repro_csv_write(&W[k], f) != 0;
        if ((f && fclose(f) != 0) || bad) {
            fprintf(stderr, "deqcheck reproduce: --out %s: cannot write\n", path);
            return CLI_EXIT_USAGE;
        }
        const deq_paper_log_struct *L = W[k].log;
        if (L->trouble_step >= 0) {
            const deq_paper_step *s = &L->steps[L->trouble_step < L->len ? L->trouble_step : L->len - 1];
            fprintf(stderr, "reproduce: m=%ld: %s at step %ld: %s\n", c->widths[k],
                    L->stopped ? "stopped" : "trouble (went on)", L->trouble_step, s->event);
            rc = CLI_EXIT_FAIL;
        }
    }
    report_repro r;
    memset(&r, 0, sizeof r);
    r.cfg = c;
    r.widths = W;
    r.probes = P->probes;
    r.lr_origin = c->lr_given ? "user (--lr)" : "derived";
    r.full_seconds = P->full_seconds;
    r.full_memory = P->full_memory;
    snprintf(r.estimate_how, sizeof r.estimate_how, "%s", P->estimate_how);
    r.command = J->command;
    char gp[1024];
    r.gnuplot = report_gnuplot_path(gp, sizeof gp);
    if (!r.gnuplot)
        r.plots_skipped = "gnuplot not found (Debian package gnuplot-nox)";
    deq_error_t err;
    deq_error_init(err);
    if (report_repro_write(J->out, &r, err) != DEQ_OK)
        return cli_usage_error("reproduce", err->msg);
    fprintf(stderr, "reproduce: wrote %s/%s-report.md%s\n", J->out, c->spec->name,
            r.gnuplot ? " with its plots" : " (plots skipped: no gnuplot)");
    for (int k = 0; k < c->n_widths; k++) {
        const deq_paper_log_struct *L = W[k].log;
        fprintf(stderr, "reproduce:   m=%ld: loss %.6e -> %.6e, operator norm %.6f -> %.6f\n", c->widths[k],
                L->steps[0].loss, L->steps[L->len - 1].loss, L->steps[0].op_norm, L->steps[L->len - 1].op_norm);
    }
    return rc;
}

void cli_repro_clear(cli_repro_job *J)
{
    if (J->have_plan)
        repro_plan_clear(J->plan);
    J->have_plan = 0;
}

int cli_cmd_reproduce(int argc, char **argv)
{
    cli_repro_job J;
    int rc = cli_repro_parse(&J, "deqcheck", argc, argv);
    if (rc >= 0)
        return rc;
    if ((rc = cli_repro_decide(&J)) >= 0 || (rc = cli_repro_data(&J)) >= 0) {
        cli_repro_clear(&J);
        return rc;
    }
    for (int k = 0; k < J.plan->cfg.n_widths; k++)
        if ((rc = cli_repro_probe(&J, k)) != 0) {
            cli_repro_clear(&J);
            return rc;
        }
    if ((rc = cli_repro_set_lr(&J)) != 0) {
        cli_repro_clear(&J);
        return rc;
    }
    repro_width_struct W[REPRO_MAX_WIDTHS];
    int n = 0;
    for (; n < J.plan->cfg.n_widths; n++)
        if ((rc = cli_repro_run(&J, n, &W[n])) != 0) {
            repro_width_clear(&W[n]);
            break;
        }
    if (n == J.plan->cfg.n_widths)
        rc = cli_repro_finish(&J, W);
    for (int k = 0; k < n; k++)
        repro_width_clear(&W[k]);
    cli_repro_clear(&J);
    return rc;
}
