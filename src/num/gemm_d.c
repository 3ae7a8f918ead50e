/* Double-backend matrix products: OpenBLAS's CBLAS (never GSL's reference cblas). */
#include <cblas.h>

#include "core/status.h"
#include "num/mat.h"

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
    cblas_dgemm(CblasColMajor, opA == MAT_NOTRANS ? CblasNoTrans : CblasTrans,
                opB == MAT_NOTRANS ? CblasNoTrans : CblasTrans, m, n, k, *alpha, A->e,
                A->rows > 0 ? A->rows : 1, B->e, B->rows > 0 ? B->rows : 1, *beta, C->e,
                C->rows > 0 ? C->rows : 1);
}
