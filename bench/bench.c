/* deqcheck-bench: speed figures as ratios measured inside one run (absolute
 * times on shared machines are noise). Prints `name=value` lines; each figure
 * and its goal is explained in bench/README.md. Not a test. */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rng.h"
#include "core/status.h"
#include "num/mat.h"
#include "data/synthetic.h"
#include "deq/forward.h"
#include "deq/grad.h"
#include "deq/gram.h"
#include "deq/problem.h"
#include "num/eig_lapack.h"
#include "kernel/nngp.h"
#include "kernel/population.h"
#include "theorems/theorem.h"
#include "bench_profile.h"
#include "bench_mpfr.h"
#include "bench_torch.h"
#include "bench_util.h"

/* A problem with exact double data; gamma and sigma_u as decimal strings.
 * symmetric: A = (G + Gᵀ)/√2 (real spectrum) instead of i.i.d. G. */
static void make_problem(deq_problem_d_t P, long m, long d, long n, const char *gamma,
                         const char *sigma_u, deq_act act, int symmetric, unsigned long seed)
{
    deq_rng_t rng;
    deq_rng_init(rng, seed);
    mat_d_t A, U, X;
    mat_init_d(A, m, m, 53);
    mat_init_d(U, m, d, 53);
    mat_init_d(X, d, n, 53);
    bench_fill(A, rng);
    bench_fill(U, rng);
    data_sphere_points(X, rng);
    if (symmetric)
        for (long i = 0; i < m; i++)
            for (long j = 0; j < i; j++)
                A->e[i + j * m] = A->e[j + i * m] = (A->e[i + j * m] + A->e[j + i * m]) / sqrt(2.0);
    deq_rng_clear(rng);
    deq_problem_init_d(P, A, U, X, gamma, sigma_u, act, 1, 53);
}

/* Seconds of deq_forward_picard_d from zeros stopped after `iters` iterations.
 * *done receives the count it reports, or -1 if it stopped otherwise or went
 * back to an earlier iterate (its last residual not the smallest: then the
 * solve did work beyond its iterations). */
static double picard_seconds(long *done, const deq_problem_d_t P, long iters)
{
    deq_solve_opts o;
    deq_solve_opts_default(&o);
    o.solver = DEQ_SOLVER_PICARD;
    o.max_iter = iters;
    mat_d_t Z;
    mat_init_d(Z, P->A->rows, P->B->cols, 53);
    deq_solve_info_t info;
    deq_solve_info_init(info);
    double t0 = bench_now();
    deq_forward_picard_d(Z, info, &P->fp, &o, 53);
    double t = bench_now() - t0;
    *done = info->outcome == DEQ_MAX_ITER ? info->iterations : -1;
    for (long k = 0; k + 1 < info->trace_len; k++)
        if (!(info->trace[info->trace_len - 1] <= info->trace[k]))
            *done = -1;
    deq_solve_info_clear(info);
    mat_clear_d(Z);
    return t;
}

/* One iteration of the Picard solver as shipped (Φ, the residual norms it stops
 * on, its bookkeeping) at m = 1024, n = 1000, relu, over one cblas_dgemm of the
 * same shape. The iteration's time is the difference of a solve stopped after
 * FORWARD_ITERS_LONG iterations and one stopped after FORWARD_ITERS_SHORT over
 * the difference in counts, so the set-up and the final certificate cancel;
 * medians of interleaved repetitions. */
enum { FORWARD_ITERS_SHORT = 2, FORWARD_ITERS_LONG = 7 };

static void bench_forward_iter(int reps)
{
    long m = 1024, n = 1000;
    deq_problem_d_t P;
    make_problem(P, m, 32, n, "0.5", "1", DEQ_ACT_RELU, 0, 1);
    mat_d_t Z, C;
    mat_init_d(Z, m, n, 53);
    mat_init_d(C, m, n, 53);
    mat_set_d(Z, P->B); /* a nonzero right-hand side for the reference product */
    double *tp = malloc((size_t)reps * sizeof *tp), *tg = malloc((size_t)reps * sizeof *tg);
    int valid = 1;
    for (int r = -1; r < reps; r++) { /* r = -1 warms up */
        long short_done, long_done;
        double ts = picard_seconds(&short_done, P, FORWARD_ITERS_SHORT);
        double tl = picard_seconds(&long_done, P, FORWARD_ITERS_LONG);
        valid &= short_done >= 0 && long_done > short_done;
        double t1 = bench_now();
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)m, 1.0,
                    P->A->e, (int)m, Z->e, (int)m, 0.0, C->e, (int)m);
        double t2 = bench_now();
        if (r >= 0 && valid)
            tp[r] = (tl - ts) / (double)(long_done - short_done), tg[r] = t2 - t1;
    }
    if (valid) {
        double mp = bench_median(tp, reps), mg = bench_median(tg, reps);
        printf("forward_iter_over_dgemm=%.3f\n", mp / mg);
        printf("forward_iter_seconds_median=%.4g\n", mp);
        printf("dgemm_1024x1000x1024_seconds_median=%.4g\n", mg);
    } else {
        printf("forward_iter_over_dgemm=invalid (a timed solve stopped before its iteration "
               "count or went back to an earlier iterate)\n");
    }
    free(tp), free(tg);
    mat_clear_d(Z), mat_clear_d(C);
    deq_problem_clear_d(P);
}

/* Picard iterations / Anderson iterations to a relative residual of 1e-12 on a
 * tanh network (m = 256, n = 100) with a small injection (σ_u = 0.1, so tanh
 * is nearly linear) and γ = 0.44: Picard's observed contraction ≈ 0.8. */
static double anderson_reduction(int symmetric, int depth, const char *tag)
{
    long m = 256, n = 100;
    deq_problem_d_t P;
    make_problem(P, m, 16, n, "0.44", "0.1", DEQ_ACT_TANH, symmetric, 2);
    deq_solve_opts o;
    deq_solve_opts_default(&o);
    o.tol = 1e-12;
    o.max_iter = 100000;
    o.depth = depth;
    long iters[2];
    for (int s = 0; s < 2; s++) {
        o.solver = s == 0 ? DEQ_SOLVER_PICARD : DEQ_SOLVER_ANDERSON;
        mat_d_t Z;
        mat_init_d(Z, m, n, 53);
        deq_solve_info_t info;
        deq_solve_info_init(info);
        deq_forward_solve_d(Z, info, &P->fp, &o, 53);
        iters[s] = info->outcome == DEQ_CONVERGED ? info->iterations : -1;
        if (s == 0)
            printf("%s_picard_observed_contraction=%.4f\n%s_rho_bar=%.4f\n", tag,
                   info->observed_contraction, tag, info->rho_upper);
        deq_solve_info_clear(info);
        mat_clear_d(Z);
    }
    printf("%s_picard_iterations=%ld\n%s_anderson_iterations=%ld\n%s_anderson_depth=%d\n", tag,
           iters[0], tag, iters[1], tag, depth);
    deq_problem_clear_d(P);
    return iters[0] > 0 && iters[1] > 0 ? (double)iters[0] / (double)iters[1] : NAN;
}

/* G^A of a network at m = 4096, n = 500 from given equilibria Z and adjoint
 * columns g (deq_gram_blocks: ZᵀZ, gᵀg and the entrywise product), over one
 * cblas_dgemm computing ZᵀZ; medians of interleaved repetitions. */
static void bench_gram(int reps)
{
    long m = 4096, n = 500;
    deq_rng_t rng;
    deq_rng_init(rng, 3);
    mat_d_t Z, Gc, X, GA, C;
    mat_init_d(Z, m, n, 53), mat_init_d(Gc, m, n, 53), mat_init_d(X, 8, n, 53);
    mat_init_d(GA, n, n, 53), mat_init_d(C, n, n, 53);
    bench_fill(Z, rng), bench_fill(Gc, rng), bench_fill(X, rng);
    deq_rng_clear(rng);
    double aA = 0.5 / 64, aU = 1, av = 1.0 / 64;
    double *tg = malloc((size_t)reps * sizeof *tg), *td = malloc((size_t)reps * sizeof *td);
    for (int r = -1; r < reps; r++) {
        double t0 = bench_now();
        deq_gram_blocks_d(GA, NULL, NULL, Z, Gc, X, &aA, &aU, &av, 53);
        double t1 = bench_now();
        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)n, (int)n, (int)m, 1.0, Z->e,
                    (int)m, Z->e, (int)m, 0.0, C->e, (int)n);
        double t2 = bench_now();
        if (r >= 0)
            tg[r] = t1 - t0, td[r] = t2 - t1;
    }
    printf("gram_finite_over_dgemm=%.3f\n", bench_median(tg, reps) / bench_median(td, reps));
    free(tg), free(td);
    mat_clear_d(Z), mat_clear_d(Gc), mat_clear_d(X), mat_clear_d(GA), mat_clear_d(C);
}

/* Map evaluations of the NNGP fixed point (K) to 1e-14 for n = 1000 inputs on
 * the sphere, relu, γ = 0.5 (diagonal phase + off-diagonal phase). */
static void bench_nngp(void)
{
    long n = 1000, d = 16;
    deq_rng_t rng;
    deq_rng_init(rng, 4);
    mat_d_t X, GX, S, Sd, L;
    mat_init_d(X, d, n, 53), mat_init_d(GX, n, n, 53), mat_init_d(S, n, n, 53),
        mat_init_d(Sd, n, n, 53), mat_init_d(L, n, n, 53);
    data_sphere_points(X, rng);
    deq_rng_clear(rng);
    double one = 1, zero = 0, g = 0.5, su = 1;
    mat_gemm_d(GX, &one, MAT_TRANS, X, MAT_NOTRANS, X, &zero, 53);
    kernel_nngp_opts o;
    kernel_nngp_opts_default(&o);
    o.tol = 1e-14;
    kernel_nngp_info_t info;
    kernel_nngp_solve_d(S, Sd, L, info, GX, &g, &su, DEQ_ACT_RELU, &o, 53);
    printf("nngp_fixed_point_iters=%ld\nnngp_fixed_point_iters_diag=%ld\n"
           "nngp_fixed_point_iters_off=%ld\nnngp_fixed_point_outcome=%s\n",
           info->iterations_diag + info->iterations_off, info->iterations_diag,
           info->iterations_off, kernel_outcome_name(info->outcome));
    mat_clear_d(X), mat_clear_d(GX), mat_clear_d(S), mat_clear_d(Sd), mat_clear_d(L);
}

/* T3.rate's step size, η = 1/λ_max(H^∞) of gao2021 on the problem's inputs, so
 * that the timed steps are steps of a descending run as in training (with too
 * large an η every step is a jump that no warm start helps); NAN and the
 * reason in why when H^∞ cannot be computed. */
static double gd_step_eta(const deq_problem_d_t P, char *why, size_t why_len)
{
    mat_mp_t H;
    mat_init_mp(H, P->n, P->n, 53);
    num_eig_bounds_t eb;
    double quad_err;
    kernel_outcome ko = kernel_population_ntk(H, eb, &quad_err, deq_preset_find("gao2021"), P->X, KERNEL_POPULATION_JACOBI_MAX_N,
                                           53, why, why_len);
    mat_clear_mp(H);
    if (ko != KERNEL_CONVERGED && why[0] == '\0')
        snprintf(why, why_len, "H^inf: %s", kernel_outcome_name(ko));
    return ko == KERNEL_CONVERGED ? 1 / eb->approx_max : NAN;
}

/* The incremental ρ̄ refresh in a timed step (deq_problem_set_rho_refresh_slack):
 * most steps take the incremental bound, one in about N recomputes ‖A‖₂ in
 * full, and a median over a few steps would hide that one. So each
 * repetition also times a full refresh at the same state (deq_contraction_upper
 * on P->A, leaving the problem's reference alone) and the figures charge its
 * median over N, N estimated from the slack budget τ(1 − ρ̄_ref) over the
 * largest per-step increase of the incremental ρ̄ seen. */
typedef struct {
    double *full;       /* seconds of a full refresh, per repetition */
    double inc_max;     /* largest ρ̄ increase of an incremental update */
    long full_timed;    /* timed updates that refreshed in full */
    double rho_step, rho_full; /* the last repetition's ρ̄ and the full one at its A */
} refresh_cost;

/* After the update of repetition r (< 0: warm-up) that started at ρ̄ = rho_before. */
static void refresh_note(refresh_cost *c, const deq_problem_d_t P, double rho_before, int r)
{
    int incremental = P->normA->method == NUM_NORM2_INCREMENTAL;
    if (incremental)
        c->inc_max = fmax(c->inc_max, P->fp.rho_upper - rho_before);
    if (r < 0)
        return;
    c->full_timed += !incremental;
    double t0 = bench_now();
    c->rho_full = deq_contraction_upper_d(NULL, P->A, P->alpha_A, P->fp.alpha_rel_err, 0.0,
                                          P->fp.act, 53);
    c->full[r] = bench_now() - t0;
    c->rho_step = P->fp.rho_upper;
}

/* Steps per full refresh: the slack budget over the largest increase seen, >= 1. */
static double refresh_interval(const refresh_cost *c, const deq_problem_d_t P)
{
    double budget = P->rho_refresh_slack * (1 - P->ref_rho);
    if (!(c->inc_max > 0) || !(budget > 0))
        return 1;
    return fmax(1, floor(budget / c->inc_max));
}

/* One warm-started GD step for gao2021 at m = 1024, n = 1000 (forward solve
 * from the previous equilibria, loss and gradients of A, U, v through the
 * adjoint from the previous W, the update and the problem's refresh) over one
 * cblas_dgemm of shape m×m×n; medians over interleaved repetitions. The
 * figures are named name_*; the solves by `solver`, or with auto_solver as
 * deqcheck train's default picks it at each step's ρ̄. */
static void bench_gd_step(int reps, int auto_solver, deq_solver solver, const char *name)
{
    long m = 1024, n = 1000, d = 32;
    deq_problem_d_t P;
    make_problem(P, m, d, n, "0.2", "1", DEQ_ACT_RELU, 0, 5);
    deq_problem_set_rho_refresh_slack_d(P, DEQ_RHO_REFRESH_SLACK_DEFAULT, 53); /* as deqcheck train */
    deq_rng_t rng;
    deq_rng_init(rng, 6);
    mat_d_t v, y, Z, W, gA, gU, gv, C;
    mat_init_d(v, m, 1, 53), mat_init_d(y, n, 1, 53), mat_init_d(Z, m, n, 53),
        mat_init_d(W, m, n, 53), mat_init_d(gA, m, m, 53), mat_init_d(gU, m, d, 53),
        mat_init_d(gv, m, 1, 53), mat_init_d(C, m, n, 53);
    bench_fill(v, rng), bench_fill(y, rng);
    deq_rng_clear(rng);
    char why[64] = "";
    double av = 1 / sqrt((double)m), eta = gd_step_eta(P, why, sizeof why), loss, loss_first = NAN;
    int failed = !(isfinite(eta) && eta > 0);
    deq_solve_opts o;
    deq_solve_opts_default(&o);
    o.solver = solver;
    double log2_tol = deq_solve_tol_log2(&o, m, 53);
    deq_solve_ws_d_t ws; /* the solvers' buffers kept across the steps, as deqcheck train does */
    deq_solve_ws_init_d(ws);
    o.ws_d = ws;
    deq_solve_info_t fi, ai;
    deq_solve_info_init(fi), deq_solve_info_init(ai);
    double *ts = malloc((size_t)reps * sizeof *ts), *tg = malloc((size_t)reps * sizeof *tg);
    refresh_cost rc = {malloc((size_t)reps * sizeof(double)), 0, 0, NAN, NAN};
    long fwd = 0, adj = 0;
    for (int r = -2; !failed && r < reps; r++) { /* two warm-up steps fill the warm starts */
        if (auto_solver)
            o.solver = deq_solver_by_contraction(P->fp.rho_upper, o.max_iter, log2_tol);
        double rho_before = P->fp.rho_upper;
        double t0 = bench_now();
        deq_solve_info_reset(fi);
        deq_forward_solve_d(Z, fi, &P->fp, &o, 53);
        deq_solve_info_reset(ai);
        deq_loss_grad_d(&loss, gA, gU, gv, NULL, W, ai, P, Z, v, y, &av, &o, 53);
        for (long q = 0; q < m * m; q++)
            P->A->e[q] -= eta * gA->e[q];
        for (long q = 0; q < m * d; q++)
            P->U->e[q] -= eta * gU->e[q];
        for (long q = 0; q < m; q++)
            v->e[q] -= eta * gv->e[q];
        deq_problem_update_d(P, 53);
        double t1 = bench_now();
        /* the floor's product runs as the step's own do (mat_gemm_d): no idle
         * OpenMP thread of the step's last loop spinning beside it; the
         * release is not timed */
        omp_pause_resource_all(omp_pause_soft);
        double t1p = bench_now();
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)m, 1.0, P->A->e,
                    (int)m, Z->e, (int)m, 0.0, C->e, (int)m);
        double t2 = bench_now();
        /* the floor's bare product leaves OpenBLAS's workers spinning (a
         * tenth of a second) into the next step, where no product of the
         * step itself would have left them: stopped, untimed */
        mat_blas_release_workers();
        refresh_note(&rc, P, rho_before, r);
        if (r >= 0)
            ts[r] = t1 - t0, tg[r] = t2 - t1p, fwd += fi->iterations, adj += ai->iterations;
        if (r == 0)
            loss_first = loss;
        if (fi->outcome != DEQ_CONVERGED || ai->outcome != DEQ_CONVERGED)
            failed = 1, snprintf(why, sizeof why, "a solve did not converge");
    }
    if (!failed && loss < loss_first) {
        /* the products an exact step cannot do without at these iteration
         * counts: one per forward and adjoint iteration, one for ∇_A */
        double interval = refresh_interval(&rc, P), refresh = bench_median(rc.full, reps);
        double ratio = (bench_median(ts, reps) + refresh / interval) / bench_median(tg, reps);
        double floor_products = (double)(fwd + adj) / reps + 1;
        printf("%s_solver=%s%s\n", name, auto_solver ? "auto: " : "", deq_solver_name(o.solver));
        printf("%s_over_dgemm=%.3f\n", name, ratio);
        printf("%s_product_floor=%.1f\n%s_over_product_floor=%.3f\n", name, floor_products, name,
               ratio / floor_products);
        /* the loss at the last timed step over that at the first */
        printf("%s_eta=%.6g\n%s_loss_ratio=%.6f\n", name, eta, name, loss / loss_first);
        printf("%s_forward_iterations_mean=%.1f\n%s_adjoint_iterations_mean=%.1f\n", name,
               (double)fwd / reps, name, (double)adj / reps);
        printf("%s_seconds=%.3f\n%s_refresh_seconds=%.3f\n%s_refresh_interval=%.0f\n", name,
               bench_median(ts, reps), name, refresh, name, interval);
        printf("%s_full_refreshes_timed=%ld\n%s_rho_bar=%.6f\n%s_rho_bar_full=%.6f\n", name,
               rc.full_timed, name, rc.rho_step, name, rc.rho_full);
    } else
        printf("%s_over_dgemm=invalid (%s)\n", name, failed ? why : "the loss rose");
    free(ts), free(tg), free(rc.full);
    deq_solve_ws_clear_d(ws);
    deq_solve_info_clear(fi), deq_solve_info_clear(ai);
    mat_clear_d(v), mat_clear_d(y), mat_clear_d(Z), mat_clear_d(W), mat_clear_d(gA),
        mat_clear_d(gU), mat_clear_d(gv), mat_clear_d(C);
    deq_problem_clear_d(P);
}


/* A training step with the Gram bounds over one without (`deqcheck train`'s
 * --gram-every K on a step where it applies): gao2021 at m = 1000, n = 1000,
 * d = 32, the step of bench_gd_step (warm-started forward solve, loss and
 * gradients of A, U, v, the update and the refresh) against that step plus
 * what train adds on a Gram step: the adjoint columns and the blocks G^A, G^U,
 * G^v (deq_gram_network, warm-started from the step's adjoint), their sum,
 * and the certified extreme eigenvalues (num_eig_extreme_lapack). Both parts
 * are timed in every repetition at the same state; the figure is
 * median(step + Gram)/median(step). */
static void bench_train_gram(int reps)
{
    long m = 1000, n = 1000, d = 32;
    deq_problem_d_t P;
    make_problem(P, m, d, n, "0.2", "1", DEQ_ACT_RELU, 0, 5);
    deq_problem_set_rho_refresh_slack_d(P, DEQ_RHO_REFRESH_SLACK_DEFAULT, 53); /* as deqcheck train */
    deq_rng_t rng;
    deq_rng_init(rng, 6);
    mat_d_t v, y, Z, W, gA, gU, gv, GA, GU, Gv, Gs;
    mat_init_d(v, m, 1, 53), mat_init_d(y, n, 1, 53), mat_init_d(Z, m, n, 53),
        mat_init_d(W, m, n, 53), mat_init_d(gA, m, m, 53), mat_init_d(gU, m, d, 53),
        mat_init_d(gv, m, 1, 53), mat_init_d(GA, n, n, 53), mat_init_d(GU, n, n, 53),
        mat_init_d(Gv, n, n, 53), mat_init_d(Gs, n, n, 53);
    bench_fill(v, rng), bench_fill(y, rng);
    deq_rng_clear(rng);
    char why[64] = "";
    double av = 1 / sqrt((double)m), eta = gd_step_eta(P, why, sizeof why), loss;
    int failed = !(isfinite(eta) && eta > 0), certified = 1;
    deq_solve_opts o;
    deq_solve_opts_default(&o);
    double log2_tol = deq_solve_tol_log2(&o, m, 53);
    deq_solve_ws_d_t ws; /* as deqcheck train: one workspace for the run's solves */
    deq_solve_ws_init_d(ws);
    o.ws_d = ws;
    deq_solve_info_t fi, ai, gi;
    deq_solve_info_init(fi), deq_solve_info_init(ai), deq_solve_info_init(gi);
    double *ts = malloc((size_t)reps * sizeof *ts), *tg = malloc((size_t)reps * sizeof *tg);
    double lam_min = NAN, lam_min_lo = NAN, eig_seconds = 0;
    refresh_cost rc = {malloc((size_t)reps * sizeof(double)), 0, 0, NAN, NAN};
    for (int r = -2; !failed && r < reps; r++) { /* two warm-up steps fill the warm starts */
        /* as deqcheck train's default, --solver auto */
        o.solver = deq_solver_by_contraction(P->fp.rho_upper, o.max_iter, log2_tol);
        double rho_before = P->fp.rho_upper;
        double t0 = bench_now();
        deq_solve_info_reset(fi);
        deq_forward_solve_d(Z, fi, &P->fp, &o, 53);
        deq_solve_info_reset(ai);
        deq_loss_grad_d(&loss, gA, gU, gv, NULL, W, ai, P, Z, v, y, &av, &o, 53);
        double t1 = bench_now();
        deq_solve_info_reset(gi);
        deq_gram_network_d(GA, GU, Gv, W, gi, P, Z, v, &av, &o, 53);
        for (long q = 0; q < n * n; q++)
            Gs->e[q] = GA->e[q] + GU->e[q] + Gv->e[q];
        double t2 = bench_now();
        num_eig_extreme_t eb;
        certified &= num_eig_extreme_lapack(eb, Gs) == 0;
        double t3 = bench_now();
        lam_min = eb->theta_min, lam_min_lo = eb->min_lo;
        for (long q = 0; q < m * m; q++)
            P->A->e[q] -= eta * gA->e[q];
        for (long q = 0; q < m * d; q++)
            P->U->e[q] -= eta * gU->e[q];
        for (long q = 0; q < m; q++)
            v->e[q] -= eta * gv->e[q];
        deq_problem_update_d(P, 53);
        double t4 = bench_now();
        refresh_note(&rc, P, rho_before, r);
        if (r >= 0)
            ts[r] = (t1 - t0) + (t4 - t3), tg[r] = t3 - t1, eig_seconds += t3 - t2;
        if (fi->outcome != DEQ_CONVERGED || ai->outcome != DEQ_CONVERGED ||
            gi->outcome != DEQ_CONVERGED)
            failed = 1, snprintf(why, sizeof why, "a solve did not converge");
    }
    if (!failed) {
        double interval = refresh_interval(&rc, P), refresh = bench_median(rc.full, reps);
        double plain = bench_median(ts, reps) + refresh / interval;
        for (int r = 0; r < reps; r++)
            tg[r] += ts[r];
        printf("train_step_gram_over_plain=%.3f\n", (bench_median(tg, reps) + refresh / interval) / plain);
        printf("train_step_refresh_seconds=%.3f\ntrain_step_refresh_interval=%.0f\n"
               "train_step_full_refreshes_timed=%ld\n", refresh, interval, rc.full_timed);
        printf("train_step_plain_seconds=%.3f\ntrain_step_eig_seconds_mean=%.3f\n", plain,
               eig_seconds / reps);
        printf("train_step_lam_min=%.6g\ntrain_step_lam_min_certified_lower=%.6g\n"
               "train_step_eig_all_certified=%d\n", lam_min, lam_min_lo, certified);
    } else
        printf("train_step_gram_over_plain=invalid (%s)\n", why);
    free(ts), free(tg), free(rc.full);
    deq_solve_info_clear(fi), deq_solve_info_clear(ai), deq_solve_info_clear(gi);
    mat_clear_d(v), mat_clear_d(y), mat_clear_d(Z), mat_clear_d(W), mat_clear_d(gA),
        mat_clear_d(gU), mat_clear_d(gv), mat_clear_d(GA), mat_clear_d(GU), mat_clear_d(Gv),
        mat_clear_d(Gs);
    deq_solve_ws_clear_d(ws);
    deq_problem_clear_d(P);
}

/* The figure groups in the order they run; --only picks some of them. */
enum {
    GROUP_FORWARD,
    GROUP_ANDERSON,
    GROUP_GRAM,
    GROUP_NNGP,
    GROUP_GD_STEP,
    GROUP_TRAIN_GRAM,
    GROUP_TORCH,
    GROUP_PROFILE,
    GROUP_MPFR,
    BENCH_NGROUPS
};
static const char *const bench_groups[BENCH_NGROUPS] = {
    [GROUP_FORWARD] = "forward", [GROUP_ANDERSON] = "anderson", [GROUP_GRAM] = "gram",
    [GROUP_NNGP] = "nngp",       [GROUP_GD_STEP] = "gd_step",   [GROUP_TRAIN_GRAM] = "train_gram", [GROUP_TORCH] = "torch",
    [GROUP_PROFILE] = "profile", [GROUP_MPFR] = "mpfr"};

static void bench_usage(FILE *f)
{
    fprintf(f, "usage: deqcheck-bench [--quick] [--only GROUP[,GROUP...]]\n"
               "Prints speed figures as name=value lines (bench/README.md explains each).\n"
               "  --quick   3 repetitions instead of 7, and no default-profile run\n"
               "  --only    run only these groups:");
    for (int g = 0; g < BENCH_NGROUPS; g++)
        fprintf(f, " %s", bench_groups[g]);
    fprintf(f, "\n");
}

/* Marks the groups named in the comma-separated list; -1 names the first bad one. */
static int bench_parse_only(int *on, const char *list)
{
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",");
        int g = 0;
        while (g < BENCH_NGROUPS &&
               !(strlen(bench_groups[g]) == len && strncmp(bench_groups[g], p, len) == 0))
            g++;
        if (g == BENCH_NGROUPS) {
            fprintf(stderr, "deqcheck-bench: --only: unknown group '%.*s'\n", (int)len, p);
            return -1;
        }
        on[g] = 1;
        if (p[len] == '\0')
            return 0;
        p += len + 1;
    }
}

int main(int argc, char **argv)
{
    deq_gsl_handler_install();
    mat_gemm_d_set_pool_handover(1); /* BLAS is called from one thread only */
    int reps = 7, quick = 0, on[BENCH_NGROUPS] = {0}, only = 0;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[a], "--only") == 0) {
            if (a + 1 == argc) {
                fprintf(stderr, "deqcheck-bench: --only needs a list of groups\n");
                return 2;
            }
            if (bench_parse_only(on, argv[++a]) != 0)
                return 2;
            only = 1;
        } else if (strcmp(argv[a], "--help") == 0) {
            bench_usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "deqcheck-bench: bad argument '%s'\n", argv[a]);
            bench_usage(stderr);
            return 2;
        }
    }
    if (quick)
        reps = 3;
    if (!only)
        for (int g = 0; g < BENCH_NGROUPS; g++)
            on[g] = 1;
    if (on[GROUP_FORWARD])
        bench_forward_iter(reps);
    if (on[GROUP_ANDERSON]) {
        /* The headline figure is for weights with a real spectrum; with i.i.d.
         * Gaussian weights the Jacobian's spectrum fills a disk (circular law),
         * where no Krylov-type acceleration beats the disk's radius: see README. */
        double sym = anderson_reduction(1, 10, "anderson_symmetric");
        double iid = anderson_reduction(0, 10, "anderson_iid");
        printf("anderson_iter_reduction=%.3f\n", sym);
        printf("anderson_iter_reduction_iid=%.3f\n", iid);
    }
    if (on[GROUP_GRAM])
        bench_gram(reps);
    if (on[GROUP_NNGP])
        bench_nngp();
    if (on[GROUP_GD_STEP]) {
        /* deqcheck train's step, and the same step with Anderson's solves for
         * comparison (the same iteration counts on this network: see README) */
        bench_gd_step(reps, 1, DEQ_SOLVER_ANDERSON, "gd_step");
        bench_gd_step(reps, 0, DEQ_SOLVER_ANDERSON, "gd_step_anderson");
    }
    if (on[GROUP_TRAIN_GRAM])
        bench_train_gram(reps);
    if (on[GROUP_TORCH])
        bench_torch_figures(reps);
    if (on[GROUP_PROFILE])
        bench_default_profile(quick);
    if (on[GROUP_MPFR])
        bench_mpfr_figures(reps);
    return 0;
}
