/* Generic matrix operations, compiled for double and for MPFR (-DDEQ_MPFR). */
#include "num/generic.h"

#include <string.h>

static size_t mat_size(long rows, long cols)
{
    DEQ_REQUIRE(rows >= 0 && cols >= 0);
    return (size_t)rows * (size_t)cols;
}

void G(mat_init)(mat_t M, long rows, long cols, long prec)
{
    size_t count = mat_size(rows, cols);
    M->rows = rows;
    M->cols = cols;
    M->e = deq_malloc(count * sizeof(real_struct));
#ifdef DEQ_MPFR
    DEQ_REQUIRE(prec >= MPFR_PREC_MIN && prec <= MPFR_PREC_MAX);
    M->prec = prec;
    for (size_t k = 0; k < count; k++)
        mpfr_init2(M->e + k, (mpfr_prec_t)prec), mpfr_set_zero(M->e + k, 1);
#else
    (void)prec;
    memset(M->e, 0, count * sizeof(double));
#endif
}

void G(mat_clear)(mat_t M)
{
#ifdef DEQ_MPFR
    size_t count = mat_size(M->rows, M->cols);
    for (size_t k = 0; k < count; k++)
        mpfr_clear(M->e + k);
#endif
    free(M->e);
    M->e = NULL;
    M->rows = M->cols = 0;
}

void G(mat_swap)(mat_t M, mat_t N)
{
    mat_struct t = *M;
    *M = *N;
    *N = t;
}

void G(mat_set)(mat_t M, const mat_t N)
{
    DEQ_REQUIRE(M->rows == N->rows && M->cols == N->cols);
    size_t count = mat_size(M->rows, M->cols);
    if (M == N)
        return;
#ifdef DEQ_MPFR
    for (size_t k = 0; k < count; k++)
        mpfr_set(M->e + k, N->e + k, RND);
#else
    memcpy(M->e, N->e, count * sizeof(double));
#endif
}

void G(mat_zero)(mat_t M)
{
    size_t count = mat_size(M->rows, M->cols);
    for (size_t k = 0; k < count; k++)
        re_set_zero(M->e + k);
}

void G(mat_set_mat_d)(mat_t M, const mat_d_t D)
{
    DEQ_REQUIRE(M->rows == D->rows && M->cols == D->cols);
    size_t count = mat_size(M->rows, M->cols);
    for (size_t k = 0; k < count; k++)
        re_set_d(M->e + k, D->e[k]);
}

void G(mat_get_mat_d)(mat_d_t D, const mat_t M)
{
    DEQ_REQUIRE(M->rows == D->rows && M->cols == D->cols);
    size_t count = mat_size(M->rows, M->cols);
    for (size_t k = 0; k < count; k++)
        D->e[k] = re_get_d(M->e + k);
}

int G(mat_is_finite)(const mat_t M)
{
    size_t count = mat_size(M->rows, M->cols);
    for (size_t k = 0; k < count; k++)
        if (!re_is_finite(M->e + k))
            return 0;
    return 1;
}

void G(mat_gemv)(mat_t y, real_srcptr alpha, mat_op opA, const mat_t A, const mat_t x,
                 real_srcptr beta, long prec)
{
    DEQ_REQUIRE(x->cols == 1 && y->cols == 1);
    G(mat_gemm)(y, alpha, opA, A, MAT_NOTRANS, x, beta, prec);
}

/* Sum of squares of column j of M - N (N may be NULL), as a double. These
 * norms drive stopping rules (the certificates bound theirs apart, with
 * directed rounding), once per solver iteration over the whole iterate. In
 * double the sum runs in four interleaved partial sums: independent add
 * chains instead of one chain of libm fma calls (x86-64's baseline has no
 * fma instruction), about a twentieth of an iteration's product at m = 1024
 * otherwise; a norm (N NULL) is vec_dot of the column with itself. The order
 * is fixed, so the result does not vary between runs. */
static double col_dist2(const mat_t M, const mat_t N, long j, long prec)
{
#ifdef DEQ_MPFR
    real_t acc, d;
    re_init(acc, prec);
    re_init(d, prec);
    re_set_zero(acc);
    for (long i = 0; i < M->rows; i++) {
        if (N)
            re_sub(d, mat_entry(M, i, j), mat_entry(N, i, j));
        else
            re_set(d, mat_entry(M, i, j));
        re_fma(acc, d, d, acc);
    }
    double r = re_get_d(acc);
    re_clear(acc);
    re_clear(d);
    return r;
#else
    const double *x = mat_entry(M, 0, j);
    long rows = M->rows, i = 0;
    if (!N) {
        double r;
        G(vec_dot)(&r, x, x, rows, prec);
        return r;
    }
    const double *y = mat_entry(N, 0, j);
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (; i + 4 <= rows; i += 4) {
        double d0 = x[i] - y[i], d1 = x[i + 1] - y[i + 1], d2 = x[i + 2] - y[i + 2],
               d3 = x[i + 3] - y[i + 3];
        s0 += d0 * d0, s1 += d1 * d1, s2 += d2 * d2, s3 += d3 * d3;
    }
    for (; i < rows; i++) {
        double d = x[i] - y[i];
        s0 += d * d;
    }
    return (s0 + s1) + (s2 + s3);
#endif
}

void G(vec_dot)(real_ptr r, real_srcptr x, real_srcptr y, long len, long prec)
{
    (void)prec;
#ifdef DEQ_MPFR
    re_set_zero(r);
    for (long j = 0; j < len; j++)
        re_fma(r, x + j, y + j, r);
#else
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    long j = 0;
    for (; j + 4 <= len; j += 4)
        s0 += x[j] * y[j], s1 += x[j + 1] * y[j + 1], s2 += x[j + 2] * y[j + 2],
            s3 += x[j + 3] * y[j + 3];
    for (; j < len; j++)
        s0 += x[j] * y[j];
    r[0] = (s0 + s1) + (s2 + s3);
#endif
}

void G(vec_axpy)(real_ptr y, real_srcptr a, real_srcptr x, long len, long prec)
{
    (void)prec;
#ifdef DEQ_MPFR
    for (long j = 0; j < len; j++)
        re_fma(y + j, a, x + j, y + j);
#else
    double av = a[0];
    for (long j = 0; j < len; j++)
        y[j] += av * x[j];
#endif
}

double G(mat_col_norm2)(const mat_t M, long j, long prec)
{
    return sqrt(col_dist2(M, NULL, j, prec));
}

double G(mat_max_col_dist)(const mat_t M, const mat_t N, long prec)
{
    DEQ_REQUIRE(M->rows == N->rows && M->cols == N->cols);
    double best = 0.0;
    for (long j = 0; j < M->cols; j++) {
        double d = col_dist2(M, N, j, prec);
        if (isnan(d))
            return d; /* NaN anywhere is the answer */
        if (d > best)
            best = d;
    }
    return sqrt(best);
}

double G(mat_max_col_norm)(const mat_t M, long prec)
{
    double best = 0.0;
    for (long j = 0; j < M->cols; j++) {
        double d = col_dist2(M, NULL, j, prec);
        if (isnan(d))
            return d;
        if (d > best)
            best = d;
    }
    return sqrt(best);
}
