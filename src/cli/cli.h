/* Subcommands of the deqcheck tool. Each returns the process exit status:
 * 0 success (all checks hold / solve converged), 1 a check VIOLATED or a
 * numeric failure (no convergence), 2 bad usage or bad input, 3 internal error. */
#ifndef DEQ_CLI_CLI_H
#define DEQ_CLI_CLI_H

#include "cli/args.h"
#include "core/ctx.h"
#include "deq/activation.h"
#include "deq/model.h"
#include "deq/paper_model.h"
#include "deq/solve_info.h"
#include "num/mat.h"

enum { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_USAGE = 2, CLI_EXIT_INTERNAL = 3 };

int cli_cmd_solve(int argc, char **argv);
int cli_cmd_run(int argc, char **argv);
int cli_cmd_kernel(int argc, char **argv);
int cli_cmd_compare(int argc, char **argv);
int cli_cmd_merge(int argc, char **argv);
int cli_cmd_certify(int argc, char **argv);
/* `--version`: the program's version, the source revision it was built from and
 * the libraries it uses, as reports name them. */
void cli_print_version(FILE *f, const char *prog);

/* A network and its inputs as given to `deqcheck solve` and `deqcheck grad`, validated. */
typedef struct {
    const char *cmd;             /* "solve" or "grad", for messages */
    const char *A, *U, *X, *out;
    const char *json;            /* --json FILE: the printed numbers as JSON (or NULL) */
    const char *v, *y, *sigma_v; /* grad only */
    const char *out_dir;         /* grad only */
    const char *gamma, *sigma_u; /* validated decimal strings */
    deq_act act;
    deq_backend backend;
    long prec;
    deq_solve_opts opts;
    int progress;                /* --progress: show it also when stderr is not a terminal */
} cli_net_args;

/* Progress of a long solve (cli/iter_progress.c): attached to solver options
 * as their observer, on a terminal always and otherwise when requested
 * (--progress), it shows the iteration, the relative residual against its
 * target and an estimate of the time left, at most once a second on a
 * terminal and every 5 s as a line otherwise. */
typedef struct {
    const char *what;
    int tty, started, printed;
    double start, last, first_log2, interval;
} cli_iter_progress;
void cli_iter_progress_attach(cli_iter_progress *p, deq_solve_opts *o, const char *what,
                              int requested);
/* The same for other iterations (the kernel's fixed point): 1 when progress is
 * to be shown, and then cli_iter_progress_observe with p as its context is the
 * observer (the signature of deq_solve_opts.observe and kernel_nngp_opts.observe). */
int cli_iter_progress_start(cli_iter_progress *p, const char *what, int requested);
void cli_iter_progress_observe(void *ctx, long iterations, double log2_rel, double log2_target);
void cli_iter_progress_finish(cli_iter_progress *p);
/* Progress over items (certify's inputs): after cli_iter_progress_start
 * returned 1, call with done = 0 before the first item and after each; shows
 * "WHAT: UNIT k of N done" and the time left at the items' mean rate. */
void cli_count_progress_tick(cli_iter_progress *p, long done, long total, const char *unit);
/* Seconds between progress lines when stderr is not a terminal:
 * DEQCHECK_PROGRESS_SECONDS when it is a finite number >= 0 written in full,
 * else fallback (garbage, an empty value or NaN must not mean "every step"). */
double cli_progress_line_seconds(double fallback);
/* The displayed line (a pure function, for tests): elapsed seconds since the
 * first iteration, whose relative residual was 2^first_log2. */
void cli_iter_progress_format(char *buf, size_t len, const char *what, long iterations,
                              double log2_rel, double log2_target, double first_log2,
                              double elapsed);

/* Fills a from the flags that `solve` and `grad` share (--A, --U, --X,
 * --gamma, --sigma-u, --activation, --backend, --precision), with the solver
 * defaults (Newton off in double). Errors name the flag. */
deq_status cli_net_args_parse(cli_net_args *a, const char *cmd, const cli_opt *opts,
                              deq_error_t err);

/* The estimated memory of a solve (grad 0) or grad (1) from the files'
 * headers against --max-memory (cli_memory_check). */
deq_status cli_net_memory_check(const cli_net_args *a, int grad, const char *value,
                                deq_error_t err);

/* The solve itself, once per backend (cli/solve_gen.c). */
int cli_solve_run_d(const cli_net_args *a);
int cli_solve_run_mp(const cli_net_args *a);
/* Reads a->A, a->U, a->X and checks their shapes against each other; on error
 * prints one line ("deqcheck CMD: FILE:LINE: ...") and returns 2 with nothing
 * left allocated (cli/solve_gen.c). */
int cli_read_network_d(mat_d_t A, mat_d_t U, mat_d_t X, const cli_net_args *a, long prec);
int cli_read_network_mp(mat_mp_t A, mat_mp_t U, mat_mp_t X, const cli_net_args *a, long prec);
/* Inputs X (d x n, one sample per column) from --X: a text matrix as
 * written, or a .npy array of shape (n, d), one sample per row, transposed
 * (io_read_samples; float64/32/16 values are exact in MPFR at 53 bits and
 * more). On error X is uninitialized and err names the file (cli/solve_gen.c). */
deq_status cli_read_inputs_d(mat_d_t X, const char *path, long prec, deq_error_t err);
deq_status cli_read_inputs_mp(mat_mp_t X, const char *path, long prec, deq_error_t err);
/* `deqcheck grad` (cli/grad_gen.c). */
int cli_cmd_grad(int argc, char **argv);
int cli_grad_run_d(const cli_net_args *a);
int cli_grad_run_mp(const cli_net_args *a);
/* --json of solve, grad and kernel (cli/cmd_solve.c; numbers as run --json
 * writes them, report_json_number): a number with a long exponent, as a JSON
 * number when it is a double and as its decimal string beyond double's range
 * (a residual near 1e-350 at 600 bits is not 0); the solve's summary as an
 * object; the object written to path (sorted keys, 17 digits), consuming it. */
struct json_t;
struct json_t *cli_json_xreal(num_xreal x);
struct json_t *cli_solve_info_json(const deq_solve_info_t info);
/* 0, or 2 after printing "deqcheck CMD: --json PATH: cannot write" */
int cli_json_write(const char *cmd, const char *path, struct json_t *root);
/* Prints the solve summary to stderr (shared by both backends). */
void cli_solve_summary(const cli_net_args *a, long m, long d, long n,
                       const deq_solve_info_t info, double norm_upper, double norm_estimate,
                       const char *norm_method);

/* The papers' population kernels `deqcheck kernel --kind` computes. */
enum { CLI_KERNEL_GAO2021 = 1, CLI_KERNEL_LING2022 = 2 };

/* What `deqcheck kernel` was asked to do, validated. */
typedef struct {
    const char *X, *out;
    const char *json;   /* --json FILE (or NULL) */
    const char *gamma, *sigma_u, *sigma_v; /* validated decimal strings */
    deq_act act;
    const char *kind;   /* nngp, ntk-A, ntk-U, ntk-v, ntk, gao2021, ling2022 */
    int paper;          /* CLI_KERNEL_GAO2021 / _LING2022 for the papers' kernels, else 0 */
    const char *sigma_w2; /* ling2022's σ_w², a validated decimal string */
    unsigned trained;   /* DEQ_TRAIN_* bits for the ntk kinds; 0 for nngp */
    deq_backend backend;
    long prec;
    int require_certified; /* --require-certified: exit 1 unless λ_min is certified > 0 */
    int progress;          /* --progress: show it also when stderr is not a terminal */
} cli_kernel_args;

int cli_kernel_run_d(const cli_kernel_args *a);
int cli_kernel_run_mp(const cli_kernel_args *a);
/* The requested n×n matrix for the inputs in a->X read at prec, into *R
 * (initialized by the callee on success), and in *quad_err an estimate of the
 * largest entrywise error due to the dual activation's quadrature (0 for the
 * closed forms; see quad_error_bound; a long exponent: the kernel scales with
 * the data). Returns 0, 2 on bad input (message printed), or 1 when the fixed
 * point or the NTK failed, or (double) X^T X leaves double's normal range
 * (message printed). */
int cli_kernel_compute_d(mat_d_t R, num_xreal *quad_err, const cli_kernel_args *a, int verbose);
int cli_kernel_compute_mp(mat_mp_t R, num_xreal *quad_err, const cli_kernel_args *a, int verbose,
                          long prec);

/* What `deqcheck train` was asked to do, validated. */
typedef struct {
    const deq_preset *preset;
    long m, n, steps, gram_every;
    double lr;
    unsigned long seed;
    const char *data;   /* "synthetic" or "fashion-mnist" */
    int class_pos, class_neg; /* Fashion-MNIST classes (+1, −1) */
    const char *log;
    deq_backend backend;
    long prec;
    int progress;
    int keep_going;     /* --keep-going */
    double rho_refresh_slack; /* --rho-refresh-slack: τ of deq_problem_set_rho_refresh_slack */
    deq_solver solver;  /* --solver picard or anderson: the forward and adjoint solves' */
    int auto_solver;    /* --solver auto (the default): per step (deq_train_opts.auto_solver) */
} cli_train_args;

int cli_cmd_train(int argc, char **argv);
/* What the start line of a training run says of its solver: "picard solves",
 * "anderson solves", or for auto the ρ̄ up to which Picard runs (iteration
 * limit max_iter, relative tolerance 2^log2_tol). */
void cli_train_solver_text(char *buf, size_t cap, int auto_solver, deq_solver solver, long max_iter,
                           double log2_tol);

/* `deqcheck train --model paper` (the default for gao2021 and ling2022): the
 * papers' own models (deq/paper_model.h). */
typedef struct {
    const deq_paper_spec *spec;
    long steps, gram_every;
    double lr;
    const char *log, *save;   /* save: NULL or the .npz of the trained weights */
    int keep_going;
    int progress;             /* as deq_paper_train_opts.progress */
    deq_solver solver;        /* --solver picard or anderson */
    int auto_solver;          /* --solver auto (the default) */
    deq_backend backend;
    long prec;
} cli_paper_train_args;
/* Trains from the weights T (double, converted exactly for MPFR) on X (d×n), y (n×1). */
int cli_paper_train_run_d(const cli_paper_train_args *a, mat_d_t *T, const mat_d_t X,
                          const mat_d_t y);
int cli_paper_train_run_mp(const cli_paper_train_args *a, mat_d_t *T, const mat_d_t X,
                           const mat_d_t y);
/* The training run on the given data (double, converted exactly for MPFR). */
int cli_train_run_d(const cli_train_args *a, const mat_d_t X, const mat_d_t y);
int cli_train_run_mp(const cli_train_args *a, const mat_d_t X, const mat_d_t y);

#endif
