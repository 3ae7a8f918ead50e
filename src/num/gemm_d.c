/* Double-backend matrix products: OpenBLAS's CBLAS (never GSL's reference cblas). */
#include <cblas.h>
#include <omp.h>

#include "core/status.h"
#include "num/mat.h"

/* The solvers alternate OpenMP loops over samples with OpenBLAS products on
 * OpenBLAS's own threads. After a loop, libgomp's idle threads spin-wait for
 * the next one (GOMP_SPINCOUNT: milliseconds of a core) while the product
 * runs: on a machine with as many cores as threads they take a core from
 * OpenBLAS, about a tenth of a warm-started training step at m = 1024. A
 * product large enough for OpenBLAS to thread (here 2^20 multiply-adds, when
 * not called from inside a parallel region) first lets the idle OpenMP
 * threads go (omp_pause_soft: the next loop starts new ones, some tens of
 * microseconds). Threads never change results. */
#define GEMM_RELEASE_MIN_FLOPS 1048576.0

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
        cblas_dgemv(CblasColMajor, opA == MAT_NOTRANS ? CblasNoTrans : CblasTrans, A->rows,
                    A->cols, *alpha, A->e, A->rows > 0 ? A->rows : 1, B->e, 1, *beta, C->e, 1);
        return;
    }
    if ((double)m * (double)n * (double)k >= GEMM_RELEASE_MIN_FLOPS && !omp_in_parallel())
        omp_pause_resource_all(omp_pause_soft);
    cblas_dgemm(CblasColMajor, opA == MAT_NOTRANS ? CblasNoTrans : CblasTrans,
                opB == MAT_NOTRANS ? CblasNoTrans : CblasTrans, m, n, k, *alpha, A->e,
                A->rows > 0 ? A->rows : 1, B->e, B->rows > 0 ? B->rows : 1, *beta, C->e,
                C->rows > 0 ? C->rows : 1);
}
