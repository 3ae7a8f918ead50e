/* deqcheck-bench's PyTorch peer: the same DEQ training step (Picard forward
 * solve, loss, implicit gradients through the Picard adjoint) here and in
 * PyTorch float64 on the CPU, on the same weights, interleaved; the peer is
 * bench/torch_peer.py under Debian's /usr/bin/python3 (python3-torch, set up by
 * bench/peers-setup.sh). The figure counts only when both computed the same
 * thing: the results are compared and the iterations of both printed. */
#include "bench_torch.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/rng.h"
#include "data/synthetic.h"
#include "deq/forward.h"
#include "deq/grad.h"
#include "deq/problem.h"
#include "bench_util.h"

#ifndef DEQCHECK_SOURCE_DIR
#define DEQCHECK_SOURCE_DIR "."
#endif

#define PEER_PYTHON "/usr/bin/python3" /* Debian's: the PATH python3 may lack torch */
#define PEER_SKIP_MSG "python3-torch not installed; bash bench/peers-setup.sh"

/* ---- files in the exchange directory: raw native float64, column-major ---- */

static const char *const file_names[] = {"A.bin",        "U.bin",       "X.bin",
                                         "v.bin",        "y.bin",       "Z.torch.bin",
                                         "gA.torch.bin", "gU.torch.bin", "gv.torch.bin",
                                         "loss.torch.bin"};

static int write_bin(const char *dir, const char *name, const double *x, long count)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(x, sizeof *x, (size_t)count, f);
    return fclose(f) == 0 && w == (size_t)count ? 0 : -1;
}

static int read_bin(const char *dir, const char *name, double *x, long count)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t r = fread(x, sizeof *x, (size_t)count, f);
    int extra = fgetc(f) != EOF;
    fclose(f);
    return r == (size_t)count && !extra ? 0 : -1;
}

static void remove_dir(const char *dir)
{
    char path[4096];
    for (size_t k = 0; k < sizeof file_names / sizeof *file_names; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, file_names[k]);
        unlink(path);
    }
    rmdir(dir);
}

/* ---- the peer process: line protocol on its stdin/stdout (see torch_peer.py) ---- */

typedef struct {
    pid_t pid;
    FILE *to, *from;
} peer_t;

typedef struct {
    const char *name;
    char *old; /* NULL: was unset */
} saved_env;

static void set_env(saved_env *e, const char *name, const char *value)
{
    const char *old = getenv(name);
    e->name = name;
    e->old = old ? strdup(old) : NULL;
    setenv(name, value, 1);
}

static void restore_env(saved_env e[2])
{
    for (int k = 0; k < 2; k++) {
        if (e[k].old)
            setenv(e[k].name, e[k].old, 1);
        else
            unsetenv(e[k].name);
        free(e[k].old);
    }
}

static int peer_start(peer_t *p, char *const argv[], int threads)
{
    int in[2], out[2];
    if (pipe(in) != 0)
        return -1;
    if (pipe(out) != 0) {
        close(in[0]), close(in[1]);
        return -1;
    }
    /* The peer's thread counts go through its environment, set here and not
     * between fork and exec (setenv is not async-signal-safe). Our OpenBLAS
     * read its environment when it started: changing it now does not matter. */
    char t[32];
    snprintf(t, sizeof t, "%d", threads);
    saved_env saved[2];
    set_env(saved + 0, "OPENBLAS_NUM_THREADS", t); /* torch's dgemm is OpenBLAS's */
    set_env(saved + 1, "OMP_NUM_THREADS", t);
    fflush(stdout), fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        restore_env(saved);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(in[0], STDIN_FILENO);
        dup2(out[1], STDOUT_FILENO);
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    restore_env(saved);
    close(in[0]), close(out[1]);
    p->pid = pid;
    p->to = fdopen(in[1], "w");
    p->from = fdopen(out[0], "r");
    if (!p->to || !p->from) {
        if (p->to)
            fclose(p->to);
        else
            close(in[1]);
        if (p->from)
            fclose(p->from);
        else
            close(out[0]);
        waitpid(pid, NULL, 0);
        return -1;
    }
    return 0;
}

/* Sends cmd (when not NULL) and reads one reply line into buf; 0 or -1 (EOF, error). */
static int peer_talk(peer_t *p, const char *cmd, char *buf, size_t size)
{
    if (cmd && (fprintf(p->to, "%s\n", cmd) < 0 || fflush(p->to) != 0))
        return -1;
    if (!fgets(buf, (int)size, p->from))
        return -1;
    buf[strcspn(buf, "\n")] = 0;
    return 0;
}

static int peer_stop(peer_t *p)
{
    fprintf(p->to, "quit\n");
    fclose(p->to);
    fclose(p->from);
    int status = 0;
    while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
        ;
    return status;
}

/* max_k |a_k − b_k| / max_k |b_k| */
static double max_rel_diff(const double *a, const double *b, long count)
{
    double dmax = 0, bmax = 0;
    for (long k = 0; k < count; k++) {
        double d = fabs(a[k] - b[k]);
        if (!(d <= dmax))
            dmax = d; /* NaN sticks */
        if (fabs(b[k]) > bmax)
            bmax = fabs(b[k]);
    }
    return bmax > 0 ? dmax / bmax : dmax;
}

void bench_torch_figures(int reps)
{
    long m = 1024, n = 1000, d = 32;
    const double tol = 1e-12;
    const long max_iter = 1000;
    const char *src = getenv("DEQCHECK_SOURCE_DIR");
    char script[4096];
    snprintf(script, sizeof script, "%s/bench/torch_peer.py",
             src && *src ? src : DEQCHECK_SOURCE_DIR);
    if (access(PEER_PYTHON, X_OK) != 0) {
        printf("torch_step_over_ours=skipped (" PEER_SKIP_MSG ")\n");
        return;
    }
    if (access(script, R_OK) != 0) {
        printf("torch_step_over_ours=skipped (peer script %s not found)\n", script);
        return;
    }

    /* The problem of bench_gd_step (gao2021-like: relu, γ = 0.2, σ_u = 1, the same seeds). */
    deq_problem_d_t P;
    {
        deq_rng_t rng;
        deq_rng_init(rng, 5);
        mat_d_t A, U, X;
        mat_init_d(A, m, m, 53), mat_init_d(U, m, d, 53), mat_init_d(X, d, n, 53);
        bench_fill(A, rng), bench_fill(U, rng);
        data_sphere_points(X, rng);
        deq_rng_clear(rng);
        deq_problem_init_d(P, A, U, X, "0.2", "1", DEQ_ACT_RELU, 1, 53);
    }
    mat_d_t v, y, Z, W, gA, gU, gv, tbuf;
    mat_init_d(v, m, 1, 53), mat_init_d(y, n, 1, 53), mat_init_d(Z, m, n, 53),
        mat_init_d(W, m, n, 53), mat_init_d(gA, m, m, 53), mat_init_d(gU, m, d, 53),
        mat_init_d(gv, m, 1, 53), mat_init_d(tbuf, m, m, 53);
    {
        deq_rng_t rng;
        deq_rng_init(rng, 6);
        bench_fill(v, rng), bench_fill(y, rng);
        deq_rng_clear(rng);
    }
    double av = 1 / sqrt((double)m), loss = NAN;
    deq_solve_opts o;
    deq_solve_opts_default(&o);
    o.solver = DEQ_SOLVER_PICARD;
    o.tol = tol;
    o.max_iter = max_iter;
    deq_solve_ws_d_t ws; /* the solvers' buffers kept across the steps, as deqcheck train does */
    deq_solve_ws_init_d(ws);
    o.ws_d = ws;
    deq_solve_info_t fi, ai;
    deq_solve_info_init(fi), deq_solve_info_init(ai);
    double *tours = malloc((size_t)reps * sizeof *tours);
    double *ttorch = malloc((size_t)reps * sizeof *ttorch);
    int threads = openblas_get_num_threads();

    const char *tmp = getenv("TMPDIR");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/deqcheck-torch-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        printf("torch_step_over_ours=skipped (cannot create a temporary directory)\n");
        goto done;
    }
    if (write_bin(dir, "A.bin", P->A->e, m * m) || write_bin(dir, "U.bin", P->U->e, m * d)
        || write_bin(dir, "X.bin", P->X->e, d * n) || write_bin(dir, "v.bin", v->e, m)
        || write_bin(dir, "y.bin", y->e, n)) {
        printf("torch_step_over_ours=skipped (cannot write the weights to %s)\n", dir);
        goto cleanup;
    }

    char sm[32], sd[32], sn[32], saA[40], saU[40], sav[40], stol[40], smax[32], sth[32];
    snprintf(sm, sizeof sm, "%ld", m), snprintf(sd, sizeof sd, "%ld", d),
        snprintf(sn, sizeof sn, "%ld", n);
    snprintf(saA, sizeof saA, "%.17g", P->alpha_A[0]), snprintf(saU, sizeof saU, "%.17g", P->alpha_U[0]),
        snprintf(sav, sizeof sav, "%.17g", av), snprintf(stol, sizeof stol, "%.17g", tol);
    snprintf(smax, sizeof smax, "%ld", max_iter), snprintf(sth, sizeof sth, "%d", threads);
    char *argv[] = {PEER_PYTHON, script, dir, sm, sd, sn, saA, saU, sav, stol, smax, sth, NULL};

    void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN); /* a dead peer must not kill the bench */
    peer_t peer;
    char line[1024] = "";
    if (peer_start(&peer, argv, threads) != 0) {
        printf("torch_step_over_ours=skipped (cannot start %s)\n", PEER_PYTHON);
        goto restore;
    }
    if (peer_talk(&peer, NULL, line, sizeof line) != 0 || strncmp(line, "skip", 4) == 0) {
        int st = peer_stop(&peer);
        if (WIFEXITED(st) && (WEXITSTATUS(st) == 3 || WEXITSTATUS(st) == 127))
            printf("torch_step_over_ours=skipped (" PEER_SKIP_MSG ")\n");
        else
            printf("torch_step_over_ours=skipped (peer failed: %s)\n", line);
        goto restore;
    }
    char version[64] = "?";
    int torch_threads = -1, peer_blas_threads = -1;
    if (sscanf(line, "ready %63s %d %d", version, &torch_threads, &peer_blas_threads) != 3) {
        peer_stop(&peer);
        printf("torch_step_over_ours=skipped (peer said: %s)\n", line);
        goto restore;
    }

    long tfwd = -1, tadj = -1;
    char toutcome[64] = "?";
    for (int r = -1; r < reps; r++) { /* r = -1 warms up both */
        mat_zero_d(Z), mat_zero_d(W);
        deq_solve_info_reset(fi), deq_solve_info_reset(ai);
        double t0 = bench_now();
        deq_forward_solve_d(Z, fi, &P->fp, &o, 53);
        deq_loss_grad_d(&loss, gA, gU, gv, NULL, W, ai, P, Z, v, y, &av, &o, 53);
        double t1 = bench_now();
        double tt;
        if (peer_talk(&peer, "step", line, sizeof line) != 0
            || sscanf(line, "time %lf %ld %ld %63s", &tt, &tfwd, &tadj, toutcome) != 4) {
            peer_stop(&peer);
            printf("torch_step_over_ours=skipped (peer failed during a step: %s)\n", line);
            goto restore;
        }
        if (r >= 0)
            tours[r] = t1 - t0, ttorch[r] = tt;
    }
    int dumped = peer_talk(&peer, "dump", line, sizeof line) == 0 && strcmp(line, "done") == 0;
    peer_stop(&peer);

    double diff[5] = {NAN, NAN, NAN, NAN, NAN}, worst = NAN;
    if (dumped) {
        mat_d_struct *ours[4] = {Z, gA, gU, gv};
        const char *names[4] = {"Z.torch.bin", "gA.torch.bin", "gU.torch.bin", "gv.torch.bin"};
        for (int q = 0; q < 4; q++) {
            long count = ours[q]->rows * ours[q]->cols;
            diff[q] = read_bin(dir, names[q], tbuf->e, count) == 0
                          ? max_rel_diff(tbuf->e, ours[q]->e, count)
                          : NAN;
        }
        double tl;
        diff[4] = read_bin(dir, "loss.torch.bin", &tl, 1) == 0 ? max_rel_diff(&tl, &loss, 1) : NAN;
        worst = 0;
        for (int q = 0; q < 5; q++)
            if (!(diff[q] <= worst))
                worst = diff[q];
    }
    double mo = bench_median(tours, reps), mt = bench_median(ttorch, reps);
    int converged = fi->outcome == DEQ_CONVERGED && ai->outcome == DEQ_CONVERGED
                    && strcmp(toutcome, "converged") == 0;
    /* Both stop at a relative residual of 1e-12, so their results agree to about
     * that; results differing beyond 1e-9 are a different computation. */
    if (converged && worst <= 1e-9)
        printf("torch_step_over_ours=%.3f\n", mt / mo);
    else
        printf("torch_step_over_ours=invalid (results differ: max rel diff %.3g; outcomes %s/%s vs "
               "%s)\n",
               worst, deq_outcome_name(fi->outcome), deq_outcome_name(ai->outcome), toutcome);
    printf("torch_step_seconds_median=%.4g\ntorch_peer_ours_step_seconds_median=%.4g\n", mt, mo);
    printf("torch_peer_forward_iterations_ours=%ld\ntorch_peer_forward_iterations_torch=%ld\n"
           "torch_peer_adjoint_iterations_ours=%ld\ntorch_peer_adjoint_iterations_torch=%ld\n",
           fi->iterations, tfwd, ai->iterations, tadj);
    printf("torch_peer_max_rel_diff=%.3g\ntorch_peer_max_rel_diff_Z=%.3g\n"
           "torch_peer_max_rel_diff_gA=%.3g\ntorch_peer_max_rel_diff_gU=%.3g\n"
           "torch_peer_max_rel_diff_gv=%.3g\ntorch_peer_max_rel_diff_loss=%.3g\n",
           worst, diff[0], diff[1], diff[2], diff[3], diff[4]);
    printf("torch_peer_threads=%d\ntorch_peer_torch_threads=%d\ntorch_peer_openblas_threads=%d\n"
           "torch_peer_version=%s\n",
           threads, torch_threads, peer_blas_threads, version);

restore:
    signal(SIGPIPE, old_pipe);
cleanup:
    remove_dir(dir);
done:
    free(tours), free(ttorch);
    deq_solve_info_clear(fi), deq_solve_info_clear(ai);
    mat_clear_d(v), mat_clear_d(y), mat_clear_d(Z), mat_clear_d(W), mat_clear_d(gA),
        mat_clear_d(gU), mat_clear_d(gv), mat_clear_d(tbuf);
    deq_solve_ws_clear_d(ws);
    deq_problem_clear_d(P);
}
