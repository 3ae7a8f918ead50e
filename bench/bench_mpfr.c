/* deqcheck-bench's MPFR figures: our correctly rounded MPFR product against
 * the term-by-term loop and against Arb, and the thread speedup of an MPFR
 * forward solve. Ratios of medians of interleaved repetitions, as in bench.c. */
#include "bench_mpfr.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#ifdef DEQCHECK_HAVE_ARB
#include <arb_mat.h>
#endif

#include "core/rng.h"
#include "data/synthetic.h"
#include "deq/forward.h"
#include "deq/problem.h"
#include "num/mat.h"
#include "bench_util.h"

#define BENCH_PREC 256

/* Entries with full 256-bit significands: N(0,1) doubles divided by 3. */
static void fill_full(mat_mp_t M, deq_rng_t rng)
{
    for (long q = 0; q < M->rows * M->cols; q++) {
        mpfr_set_d(M->e + q, deq_rng_gaussian(rng), MPFR_RNDN);
        mpfr_div_ui(M->e + q, M->e + q, 3, MPFR_RNDN);
    }
}

/* max over entries of |x − y| / max|y|, as a double (0 when y is all zero). */
static double max_rel_diff_mp(const mpfr_srcptr *x, const mpfr_srcptr *y, long count)
{
    mpfr_t d, big;
    mpfr_inits2(64, d, big, (mpfr_ptr)0);
    mpfr_set_zero(big, 1);
    double worst = 0.0;
    for (long q = 0; q < count; q++)
        if (mpfr_cmpabs(y[q], big) > 0)
            mpfr_abs(big, y[q], MPFR_RNDU);
    for (long q = 0; q < count; q++) {
        mpfr_sub(d, x[q], y[q], MPFR_RNDU);
        mpfr_abs(d, d, MPFR_RNDU);
        if (!mpfr_zero_p(big))
            mpfr_div(d, d, big, MPFR_RNDU);
        double v = mpfr_get_d(d, MPFR_RNDU);
        if (!(v <= worst))
            worst = v;
    }
    mpfr_clears(d, big, (mpfr_ptr)0);
    return worst;
}

/* 256-bit C = A·B, n = 128, on one thread: the term-by-term loop
 * (mat_gemm_mp_naive), ours, and Arb's arb_mat_mul (FLINT's default of one
 * thread) on the same exact inputs (midpoints, zero radii). */
static void bench_gemm(int reps)
{
    long n = 128, prec = BENCH_PREC;
    deq_rng_t rng;
    deq_rng_init(rng, 11);
    mat_mp_t A, B, C, Cn;
    mat_init_mp(A, n, n, prec), mat_init_mp(B, n, n, prec);
    mat_init_mp(C, n, n, prec), mat_init_mp(Cn, n, n, prec);
    fill_full(A, rng), fill_full(B, rng);
    deq_rng_clear(rng);
    mpfr_t one, zero;
    mpfr_inits2(prec, one, zero, (mpfr_ptr)0);
    mpfr_set_ui(one, 1, MPFR_RNDN);
    mpfr_set_zero(zero, 1);
#ifdef DEQCHECK_HAVE_ARB
    arb_mat_t a, b, c;
    arb_mat_init(a, n, n), arb_mat_init(b, n, n), arb_mat_init(c, n, n);
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++) {
            arf_set_mpfr(arb_midref(arb_mat_entry(a, i, j)), A->e + i + j * n);
            arf_set_mpfr(arb_midref(arb_mat_entry(b, i, j)), B->e + i + j * n);
            mag_zero(arb_radref(arb_mat_entry(a, i, j)));
            mag_zero(arb_radref(arb_mat_entry(b, i, j)));
        }
#endif
    int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    double *tn = malloc((size_t)reps * sizeof *tn), *to = malloc((size_t)reps * sizeof *to);
    double *ta = malloc((size_t)reps * sizeof *ta), *tt = malloc((size_t)reps * sizeof *tt);
    for (int r = -1; r < reps; r++) { /* r = -1 warms up */
        double t0 = bench_now();
        mat_gemm_mp_naive(Cn, one, MAT_NOTRANS, A, MAT_NOTRANS, B, zero, prec);
        double t1 = bench_now();
        mat_gemm_mp(C, one, MAT_NOTRANS, A, MAT_NOTRANS, B, zero, prec);
        double t2 = bench_now();
#ifdef DEQCHECK_HAVE_ARB
        arb_mat_mul(c, a, b, prec);
#endif
        double t3 = bench_now();
        omp_set_num_threads(threads);
        mat_gemm_mp(C, one, MAT_NOTRANS, A, MAT_NOTRANS, B, zero, prec);
        double t4 = bench_now();
        omp_set_num_threads(1);
        if (r >= 0)
            tn[r] = t1 - t0, to[r] = t2 - t1, ta[r] = t3 - t2, tt[r] = t4 - t3;
    }
    omp_set_num_threads(threads);
    double mn = bench_median(tn, reps), mo = bench_median(to, reps), ma = bench_median(ta, reps),
           mt = bench_median(tt, reps);
    printf("mpfr_gemm_speedup_vs_naive=%.3f\n", mn / mo);
    printf("mpfr_gemm_128_256bit_seconds_median=%.4g\n", mo);
    printf("mpfr_gemm_naive_128_256bit_seconds_median=%.4g\n", mn);
    printf("mpfr_gemm_speedup_vs_naive_all_threads=%.3f\nmpfr_gemm_threads=%d\n", mn / mt,
           threads);
    mpfr_srcptr *x = malloc((size_t)(n * n) * sizeof *x), *y = malloc((size_t)(n * n) * sizeof *y);
    for (long q = 0; q < n * n; q++)
        x[q] = Cn->e + q, y[q] = C->e + q;
    printf("mpfr_gemm_naive_max_rel_diff=%.3g\n", max_rel_diff_mp(x, y, n * n));
#ifdef DEQCHECK_HAVE_ARB
    printf("mpfr_gemm_over_arb=%.3f\n", mo / ma);
    printf("arb_mat_mul_128_256bit_seconds_median=%.4g\n", ma);
    /* the same product: Arb's midpoints against ours */
    mpfr_t *mid = malloc((size_t)(n * n) * sizeof *mid);
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++) {
            mpfr_init2(mid[i + j * n], prec);
            arf_get_mpfr(mid[i + j * n], arb_midref(arb_mat_entry(c, i, j)), MPFR_RNDN);
            x[i + j * n] = mid[i + j * n];
        }
    printf("mpfr_gemm_arb_max_rel_diff=%.3g\n", max_rel_diff_mp(x, y, n * n));
    for (long q = 0; q < n * n; q++)
        mpfr_clear(mid[q]);
    free(mid);
    arb_mat_clear(a), arb_mat_clear(b), arb_mat_clear(c);
#else
    (void)ma;
    printf("mpfr_gemm_over_arb=skipped (libflint-arb-dev not installed)\n");
#endif
    free(x), free(y), free(tn), free(to), free(ta), free(tt);
    mpfr_clears(one, zero, (mpfr_ptr)0);
    mat_clear_mp(A), mat_clear_mp(B), mat_clear_mp(C), mat_clear_mp(Cn);
}

/* The gao2021 preset's network in MPFR: relu, γ = 0.2, σ_u = 1, Gaussian A
 * and U, inputs on the sphere (exact double data). */
static void make_problem_mp(deq_problem_mp_t P, long m, long d, long n, unsigned long seed)
{
    deq_rng_t rng;
    deq_rng_init(rng, seed);
    mat_d_t Ad, Ud, Xd;
    mat_init_d(Ad, m, m, 53), mat_init_d(Ud, m, d, 53), mat_init_d(Xd, d, n, 53);
    for (long q = 0; q < m * m; q++)
        Ad->e[q] = deq_rng_gaussian(rng);
    for (long q = 0; q < m * d; q++)
        Ud->e[q] = deq_rng_gaussian(rng);
    data_sphere_points(Xd, rng);
    deq_rng_clear(rng);
    mat_mp_t A, U, X;
    mat_init_mp(A, m, m, BENCH_PREC), mat_init_mp(U, m, d, BENCH_PREC),
        mat_init_mp(X, d, n, BENCH_PREC);
    mat_set_mat_d_mp(A, Ad), mat_set_mat_d_mp(U, Ud), mat_set_mat_d_mp(X, Xd);
    mat_clear_d(Ad), mat_clear_d(Ud), mat_clear_d(Xd);
    deq_problem_init_mp(P, A, U, X, "0.2", "1", DEQ_ACT_RELU, 1, BENCH_PREC);
}

/* CPU seconds all processes have used (Linux /proc/stat), or NAN. */
static double machine_cpu_seconds(void)
{
    FILE *f = fopen("/proc/stat", "r");
    unsigned long long v[8];
    int got = f ? fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", v, v + 1, v + 2, v + 3,
                         v + 4, v + 5, v + 6, v + 7)
                : 0;
    if (f)
        fclose(f);
    if (got != 8)
        return NAN;
    /* user, nice, system, irq, softirq, steal: not idle, not iowait */
    return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}

static double own_cpu_seconds(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (double)r.ru_utime.tv_sec + 1e-6 * (double)r.ru_utime.tv_usec
           + (double)r.ru_stime.tv_sec + 1e-6 * (double)r.ru_stime.tv_usec;
}

/* deq_forward_solve_mp (default options: Anderson, then Newton) at m = 256,
 * n = 64, 256 bits, from zeros, on 1 thread and on 2; the two equilibria must
 * agree bit for bit. OpenBLAS (Newton's double LU) is held at one thread on
 * both sides, so that the thread count is OpenMP's alone: its own pool would
 * otherwise spin on the cores our threads need. Also printed: the CPU other
 * processes used meanwhile, in cores (a busy machine makes the figure
 * meaningless: waiting on a descheduled thread costs a time slice). */
static void bench_threads(int reps)
{
    long m = 256, n = 64;
    deq_problem_mp_t P;
    make_problem_mp(P, m, 32, n, 12);
    deq_solve_opts o;
    deq_solve_opts_default(&o);
    mat_mp_t Z[2];
    mat_init_mp(Z[0], m, n, BENCH_PREC), mat_init_mp(Z[1], m, n, BENCH_PREC);
    deq_solve_info_t info;
    deq_solve_info_init(info);
    int threads = omp_get_max_threads(), blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    double *t1 = malloc((size_t)reps * sizeof *t1), *t2 = malloc((size_t)reps * sizeof *t2);
    int identical = 1, converged = 1;
    double wall0 = bench_now(), machine0 = machine_cpu_seconds(), own0 = own_cpu_seconds();
    long iters = 0, newton = 0;
    for (int r = 0; r < reps; r++) {
        for (int s = 0; s < 2; s++) {
            /* alternate which goes first, so that neither always follows the other */
            int th = (r + s) % 2 ? 2 : 1;
            omp_set_num_threads(th);
            mat_zero_mp(Z[th - 1]);
            deq_solve_info_reset(info);
            double t0 = bench_now();
            deq_forward_solve_mp(Z[th - 1], info, &P->fp, &o, BENCH_PREC);
            double dt = bench_now() - t0;
            (th == 1 ? t1 : t2)[r] = dt;
            converged &= info->outcome == DEQ_CONVERGED && info->certified;
            iters = info->iterations, newton = info->newton_steps;
        }
        for (long q = 0; q < m * n; q++)
            identical &= mpfr_equal_p(Z[0]->e + q, Z[1]->e + q) != 0;
    }
    double others = (machine_cpu_seconds() - machine0 - (own_cpu_seconds() - own0))
                    / (bench_now() - wall0);
    omp_set_num_threads(threads);
    openblas_set_num_threads(blas_threads);
    double m1 = bench_median(t1, reps), m2 = bench_median(t2, reps);
    if (identical && converged)
        printf("mpfr_thread_speedup=%.3f\n", m1 / m2);
    else
        printf("mpfr_thread_speedup=invalid (%s)\n",
               identical ? "solve did not converge with a certificate" : "results differ");
    printf("mpfr_solve_1_thread_seconds_median=%.4g\nmpfr_solve_2_threads_seconds_median=%.4g\n",
           m1, m2);
    printf("mpfr_solve_iterations=%ld\nmpfr_solve_newton_steps=%ld\n", iters, newton);
    printf("mpfr_thread_other_processes_cores=%.2f\n", others);
    free(t1), free(t2);
    deq_solve_info_clear(info);
    mat_clear_mp(Z[0]), mat_clear_mp(Z[1]);
    deq_problem_clear_mp(P);
}

void bench_mpfr_figures(int reps)
{
    bench_gemm(reps);
    bench_threads(reps);
}
