/* The linear-softmax family, written once for both backends (see deq/linear.h). */
#include "num/generic.h"

#include "deq/linear.h"
#include "num/factor.h"

void G(deq_linear_softmax)(mat_t S, const mat_t A, long prec)
{
    long m = A->rows;
    DEQ_REQUIRE(A->cols == m && S->rows == m && S->cols == m);
    real_t c, sum;
    re_init(c, prec);
    re_init(sum, prec);
    for (long j = 0; j < m; j++) {
        re_set(c, mat_entry(A, 0, j));
        for (long i = 1; i < m; i++)
            re_max(c, c, mat_entry(A, i, j));
        re_set_zero(sum);
        for (long i = 0; i < m; i++) {
            re_sub(mat_entry(S, i, j), mat_entry(A, i, j), c);
            re_exp(mat_entry(S, i, j), mat_entry(S, i, j));
            re_add(sum, sum, mat_entry(S, i, j));
        }
        for (long i = 0; i < m; i++)
            re_div(mat_entry(S, i, j), mat_entry(S, i, j), sum);
    }
    re_clear(c);
    re_clear(sum);
}

long G(deq_linear_resolvent)(mat_t U, const mat_t S, real_srcptr gamma, long prec)
{
    long m = S->rows;
    mat_t J, LU;
    G(mat_init)(J, m, m, prec);
    G(mat_init)(LU, m, m, prec);
    for (long j = 0; j < m; j++)
        for (long i = 0; i < m; i++) {
            re_mul(mat_entry(J, i, j), gamma, mat_entry(S, i, j));
            re_neg(mat_entry(J, i, j), mat_entry(J, i, j));
            if (i == j)
                re_add_d(mat_entry(J, i, j), mat_entry(J, i, j), 1.0);
        }
    long *perm = deq_malloc((size_t)(m > 0 ? m : 1) * sizeof *perm);
    long piv = G(num_lu)(LU, perm, J, prec);
    if (piv == 0) {
        G(mat_zero)(U);
        for (long i = 0; i < m; i++)
            re_set_si(mat_entry(U, i, i), 1);
        G(num_lu_solve)(U, LU, perm, U, prec);
    }
    free(perm);
    G(mat_clear)(J);
    G(mat_clear)(LU);
    return piv;
}
