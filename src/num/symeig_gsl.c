/* Symmetric eigenvalues in double through GSL (the library side of the
 * GSL-vs-Jacobi pair of docs/ARCHITECTURE.md §3). GSL reads the lower triangle of its
 * row-major copy, which is the lower triangle of our column-major matrix
 * because the copy maps entry (i, j) to (i, j). */
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sort_vector.h>

#include "core/status.h"
#include "num/symeig.h"

int num_symeig_gsl(mat_d_t evals, mat_d_t evecs, const mat_d_t A)
{
    long n = A->rows;
    DEQ_REQUIRE(A->cols == n && evals->rows == n && evals->cols == 1);
    DEQ_REQUIRE(!evecs || (evecs->rows == n && evecs->cols == n));
    if (n == 0)
        return 0;
    deq_gsl_last_error(NULL); /* report only errors of this call */

    int status = GSL_ENOMEM;
    gsl_matrix *M = gsl_matrix_alloc((size_t)n, (size_t)n);
    gsl_vector *eval = gsl_vector_alloc((size_t)n);
    gsl_matrix *Z = evecs ? gsl_matrix_alloc((size_t)n, (size_t)n) : NULL;
    gsl_eigen_symm_workspace *ws = evecs ? NULL : gsl_eigen_symm_alloc((size_t)n);
    gsl_eigen_symmv_workspace *wsv = evecs ? gsl_eigen_symmv_alloc((size_t)n) : NULL;
    if (!M || !eval || (evecs && (!Z || !wsv)) || (!evecs && !ws))
        goto done;

    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++)
            gsl_matrix_set(M, (size_t)i, (size_t)j, A->e[i + j * n]);
    if (evecs) {
        status = gsl_eigen_symmv(M, eval, Z, wsv);
        if (!status)
            status = gsl_eigen_symmv_sort(eval, Z, GSL_EIGEN_SORT_VAL_ASC);
    } else {
        status = gsl_eigen_symm(M, eval, ws);
        if (!status)
            gsl_sort_vector(eval);
    }
    if (!status)
        status = deq_gsl_last_error(NULL);
    if (status)
        goto done;
    for (long i = 0; i < n; i++) {
        evals->e[i] = gsl_vector_get(eval, (size_t)i);
        if (evecs)
            for (long r = 0; r < n; r++)
                evecs->e[r + i * n] = gsl_matrix_get(Z, (size_t)r, (size_t)i);
    }

done:
    if (wsv)
        gsl_eigen_symmv_free(wsv);
    if (ws)
        gsl_eigen_symm_free(ws);
    if (Z)
        gsl_matrix_free(Z);
    if (eval)
        gsl_vector_free(eval);
    if (M)
        gsl_matrix_free(M);
    return status;
}
