/* Matrix products on OpenBLAS's CBLAS (never GSL's reference cblas): double, and the
 * single-precision one the certificates bound themselves; the handover of the thread pools. */
#include <cblas.h>
#include <omp.h>

#include "core/status.h"
#include "num/mat.h"

/* The solvers alternate OpenMP loops over samples with OpenBLAS products on
 * OpenBLAS's own threads: two thread pools, and each keeps its idle threads
 * spinning for a while in case more work comes. After a loop, libgomp's spin
 * for milliseconds (GOMP_SPINCOUNT); after a product, the workers of
 * OpenBLAS's pthreads build spin on sched_yield for about 2^28 cycles
 * (THREAD_TIMEOUT, a tenth of a second). On a machine with as many cores as
 * threads the spinners take cores from the other pool's busy threads: 30% of
 * the CPU time of a warm-started training step at m = 1024 went to OpenBLAS's
 * spinning alone. So, when the program asked for it (mat_gemm_d_set_pool_handover,
 * see mat.h for who may), each pool lets its threads go before handing over: a
 * product large enough for OpenBLAS to thread (here 2^20 multiply-adds), when
 * not called from inside a parallel region, first releases the idle OpenMP
 * threads (omp_pause_soft: the next loop starts new ones, some tens of
 * microseconds) and afterwards stops OpenBLAS's workers
 * (blas_thread_shutdown_, exported by OpenBLAS; its next threaded call, or an
 * openblas_set_num_threads, starts them again, as after a fork). Neither
 * changes results: the product is split among the same number of threads.
 * Other threaded BLAS calls (the ρ̄ bound's dsyrk and dsymv, dsyevr) release
 * the workers once they are done (mat_blas_release_workers): a training
 * step's per-sample loops follow them too.
 * OpenBLAS's OpenMP build shares libgomp's pool and needs none of this, but it
 * ignores OPENBLAS_NUM_THREADS, on which the project's reproducibility rules
 * rest, so the pthreads build is the one linked. */
#define GEMM_RELEASE_MIN_FLOPS 1048576.0

/* OpenBLAS's own entry point (not in cblas.h); weak, so that an OpenBLAS
 * without it still links, leaving the workers to their own timeout. */
extern int blas_thread_shutdown_(void) __attribute__((weak));

static int pool_handover;

void mat_gemm_d_set_pool_handover(int on)
{
    pool_handover = on != 0;
}

static void blas_release_workers(void)
{
    if (blas_thread_shutdown_ && openblas_get_parallel() == 1 && openblas_get_num_threads() > 1)
        blas_thread_shutdown_();
}

/* Whether a product of `flops` multiply-adds hands the pools over (see above);
 * if so, OpenMP's idle threads are released now. */
static int pools_release_begin(double flops)
{
    int release = pool_handover && flops >= GEMM_RELEASE_MIN_FLOPS && !omp_in_parallel();
    if (release)
        omp_pause_resource_all(omp_pause_soft);
    return release;
}

static void pools_release_end(int release)
{
    if (release)
        blas_release_workers();
}

void mat_blas_release_workers(void)
{
    if (pool_handover && !omp_in_parallel())
        blas_release_workers();
}

void mat_gemm_d(mat_d_t C, const double *alpha, mat_op opA, const mat_d_t A, mat_op opB,
                const mat_d_t B, const double *beta, long prec)
{
    (void)prec;
    long m = opA == MAT_NOTRANS ? A->rows : A->cols;
    long k = opA == MAT_NOTRANS ? A->cols : A->rows;
    long kb = opB == MAT_NOTRANS ? B->rows : B->cols;
    long n = opB == MAT_NOTRANS ? B->cols : B->rows;
    DEQ_REQUIRE(k == kb && C->rows == m && C->cols == n);
    DEQ_REQUIRE(C->e != A->e && C->e != B->e);
    if (m == 0 || n == 0)
        return;
    if (k == 0) {
        for (long t = 0; t < m * n; t++)
            C->e[t] = *beta == 0.0 ? 0.0 : *beta * C->e[t];
        return;
    }
    if (n == 1 && opB == MAT_NOTRANS) {
        /* OpenBLAS threads a large gemv too (the loss's f = α_v·Zᵀv, ∇_v); the
         * product's threshold, counting the gemv's multiply-adds */
        int release = pools_release_begin((double)m * (double)k);
        cblas_dgemv(CblasColMajor, opA == MAT_NOTRANS ? CblasNoTrans : CblasTrans, A->rows,
                    A->cols, *alpha, A->e, A->rows > 0 ? A->rows : 1, B->e, 1, *beta, C->e, 1);
        pools_release_end(release);
        return;
    }
    int release = pools_release_begin((double)m * (double)n * (double)k);
    cblas_dgemm(CblasColMajor, opA == MAT_NOTRANS ? CblasNoTrans : CblasTrans,
                opB == MAT_NOTRANS ? CblasNoTrans : CblasTrans, m, n, k, *alpha, A->e,
                A->rows > 0 ? A->rows : 1, B->e, B->rows > 0 ? B->rows : 1, *beta, C->e,
                C->rows > 0 ? C->rows : 1);
    pools_release_end(release);
}

void mat_gemm_f(float *C, mat_op opA, const float *A, long a_rows, long a_cols, const float *B, long n)
{
    long m = opA == MAT_NOTRANS ? a_rows : a_cols;
    long k = opA == MAT_NOTRANS ? a_cols : a_rows;
    if (m == 0 || n == 0)
        return;
    if (k == 0) {
        for (long t = 0; t < m * n; t++)
            C[t] = 0.0f;
        return;
    }
    int release = pools_release_begin((double)m * (double)n * (double)k);
    cblas_sgemm(CblasColMajor, opA == MAT_NOTRANS ? CblasNoTrans : CblasTrans, CblasNoTrans, m, n, k,
                1.0f, A, a_rows > 0 ? a_rows : 1, B, k, 0.0f, C, m);
    pools_release_end(release);
}
