/* Generic matrix operations, compiled for double and for MPFR (-DDEQ_MPFR). */
#include "num/generic.h"

#include <string.h>

#include "core/vectorize.h"
#include "num/bound.h"

#ifndef DEQ_MPFR
#include <stdint.h>
#include <sys/mman.h>

/* Blocks of 4 MiB and more (the solvers' m×n iterates and differences at m, n
 * around 1000) are aligned to 2 MiB, and the whole 2 MiB pages inside them are
 * offered to the kernel's transparent huge pages (madvise; nothing changes
 * where THP is off): first writing such a block takes a page fault per 2 MiB
 * instead of per 4 KiB (a fault costs microseconds, more in a virtual machine:
 * a tenth of a training step at m = 1024 went to them), and the column sweeps
 * miss the TLB less. The tail past the last whole page stays on 4 KiB pages,
 * so a block holds no more memory than it asked for and the --max-memory
 * estimates, which count the bytes asked for, need no rounding. Zeroed
 * explicitly, since posix_memalign may hand back used memory. */
#define HUGE_BLOCK_MIN ((size_t)4 << 20)
#define HUGE_PAGE ((size_t)2 << 20)

static double *alloc_zeroed_d(size_t count)
{
    if (count < HUGE_BLOCK_MIN / sizeof(double) || count > SIZE_MAX / sizeof(double))
        return deq_calloc(count, sizeof(double));
    size_t bytes = count * sizeof(double);
    void *p = NULL;
    if (posix_memalign(&p, HUGE_PAGE, bytes) != 0)
        return deq_calloc(count, sizeof(double)); /* which reports running out of memory */
#ifdef MADV_HUGEPAGE
    madvise(p, bytes / HUGE_PAGE * HUGE_PAGE, MADV_HUGEPAGE);
#endif
    memset(p, 0, bytes);
    return p;
}
#endif

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
#ifdef DEQ_MPFR
    M->e = deq_malloc(count * sizeof(real_struct));
    DEQ_REQUIRE(prec >= MPFR_PREC_MIN && prec <= MPFR_PREC_MAX);
    M->prec = prec;
    for (size_t k = 0; k < count; k++)
        mpfr_init2(M->e + k, (mpfr_prec_t)prec), mpfr_set_zero(M->e + k, 1);
#else
    (void)prec;
    M->e = alloc_zeroed_d(count);
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

/* ---- column norms, free of overflow and underflow ----
 *
 * These norms drive stopping rules (the certificates bound theirs apart, with
 * directed rounding), once per solver iteration over the whole iterate, for
 * data of any magnitude a double or an MPFR number holds.
 *
 * Double: a first pass forms the plain sum of squares in four interleaved
 * partial sums (independent add chains instead of one chain of libm fma
 * calls: x86-64's baseline has no fma instruction); the order is fixed, so the
 * result does not vary between runs. When that sum lies in [2^-SAFE_EXP,
 * 2^SAFE_EXP] it is accurate: no square overflowed, and the squares that
 * underflowed each lost at most 2^-1074 against a sum of at least 2^-960, a
 * relative 2^-114 per term. Otherwise (zero, tiny, huge or +inf) a second pass
 * scales the column by 2^-e, e the exponent of its largest entry, exactly
 * (a power of two) except for entries 2^-1022 below the largest, whose squares
 * do not reach the sum's last bit: the norm is then √(scaled sum)·2^e. This is
 * dnrm2's safety at the cost of a second pass only on columns that need it,
 * and ordinary data give the plain sum's result bit for bit.
 *
 * MPFR: the sum of squares at the working precision, whose exponent range
 * holds any square, and the square root at the working precision; only the
 * norm itself is converted. */
#define SAFE_EXP 960

#ifndef DEQ_MPFR
/* Σ (x_i − y_i)² in the four-partial-sum order (y NULL: Σ x_i²). */
static double sumsq_plain_d(const double *x, const double *y, long rows)
{
    if (!y) {
        double r;
        vec_dot_d(&r, x, x, rows, 53);
        return r;
    }
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    long i = 0;
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
}

/* max_i |x_i − y_i| (y NULL: max |x_i|); NaN if any difference is NaN. */
static double maxabs_d(const double *x, const double *y, long rows)
{
    double mx = 0.0;
    for (long i = 0; i < rows; i++) {
        double d = fabs(y ? x[i] - y[i] : x[i]);
        if (isnan(d))
            return d;
        mx = d > mx ? d : mx;
    }
    return mx;
}

/* Σ ((x_i − y_i)·2^-e)², the scaled pass (every column of a certificate's
 * residual bound). A product by 2^-e, when that power is a double (e >=
 * -1023), is the same correctly rounded value as ldexp's, without a library
 * call per entry. */
static double sumsq_scaled_d(const double *x, const double *y, long rows, int e)
{
    double s = 0.0;
    if (e >= -1023) {
        double scale = ldexp(1.0, -e);
        for (long i = 0; i < rows; i++) {
            double d = (y ? x[i] - y[i] : x[i]) * scale;
            s += d * d;
        }
        return s;
    }
    for (long i = 0; i < rows; i++) {
        double d = ldexp(y ? x[i] - y[i] : x[i], -e);
        s += d * d;
    }
    return s;
}
#endif

/* ‖x − y‖₂ of column j (N NULL: ‖x‖₂) rounded to 53 bits, as num_xreal. */
static num_xreal col_norm_x(const mat_t M, const mat_t N, long j, long prec)
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
    re_sqrt(acc, acc);
    num_xreal r = num_xreal_from_mpfr(acc, MPFR_RNDN);
    re_clear(acc);
    re_clear(d);
    return r;
#else
    (void)prec;
    const double *x = mat_entry(M, 0, j), *y = N ? mat_entry(N, 0, j) : NULL;
    long rows = M->rows;
    double s = sumsq_plain_d(x, y, rows);
    if (isnan(s) || (s >= ldexp(1.0, -SAFE_EXP) && s <= ldexp(1.0, SAFE_EXP)))
        return num_xreal_from_d(sqrt(s));
    double mx = maxabs_d(x, y, rows);
    if (isnan(mx) || isinf(mx) || mx == 0)
        return num_xreal_from_d(mx); /* NaN, +inf (a difference overflowed), or 0 */
    int e = ilogb(mx);
    num_xreal r = num_xreal_from_d(sqrt(sumsq_scaled_d(x, y, rows, e)));
    return num_xreal_mul_2si(r, e);
#endif
}

#ifndef DEQ_MPFR
/* Σ x_j·y_j with four partial sums, s_k over the j ≡ k (mod 4) in order (the
 * tail into s_0), then (s_0 + s_1) + (s_2 + s_3). The four sums are the four
 * lanes of one vector accumulator, each lane a product then a sum per term
 * (no fma: -ffp-contract=off), so AVX2 (a clone chosen at load time) or SSE2
 * gives the bits of the scalar loop. Anderson's normal equations are 2s + 1
 * of these per sample and iteration. */
typedef double dot_v4 __attribute__((vector_size(4 * sizeof(double))));
DEQ_CLONES
static double dot4_d(const double *x, const double *y, long len)
{
    dot_v4 acc = {0.0, 0.0, 0.0, 0.0};
    long j = 0;
    for (; j + 4 <= len; j += 4) {
        dot_v4 a, b;
        memcpy(&a, x + j, sizeof a);
        memcpy(&b, y + j, sizeof b);
        acc += a * b;
    }
    double s0 = acc[0];
    for (; j < len; j++)
        s0 += x[j] * y[j];
    return (s0 + acc[1]) + (acc[2] + acc[3]);
}

/* out[c] = dot4_d(x, ys[c], len) for c < count <= width, in one pass over x
 * with `width` independent accumulators (one chain is bound by the add's
 * latency), each lane as in dot4_d, so the same bits. width is a constant
 * where this is inlined, so the accumulators stay in registers. */
static inline __attribute__((always_inline)) void dots_group_d(double *out, const double *x,
                                                                const double *const *ys, int count,
                                                                long len, int width)
{
    const double *y[8];
    for (int c = 0; c < width; c++) /* a short group reads x as a stand-in, its sums unused */
        y[c] = c < count ? ys[c] : x;
    dot_v4 acc[8];
#pragma GCC unroll 8
    for (int c = 0; c < width; c++)
        acc[c] = (dot_v4){0.0, 0.0, 0.0, 0.0};
    long j = 0;
    for (; j + 4 <= len; j += 4) {
        dot_v4 a;
        memcpy(&a, x + j, sizeof a);
#pragma GCC unroll 8
        for (int c = 0; c < width; c++) {
            dot_v4 b;
            memcpy(&b, y[c] + j, sizeof b);
            acc[c] += a * b;
        }
    }
    for (int c = 0; c < width && c < count; c++) {
        double s0 = acc[c][0];
        for (long t = j; t < len; t++)
            s0 += x[t] * y[c][t];
        out[c] = (s0 + acc[c][1]) + (acc[c][2] + acc[c][3]);
    }
}

/* out[c] = dot4_d(x, ys[c], len) for c < count: eight at a time in one pass
 * over x (four add chains leave half of two add units idle, and Anderson's
 * normal equations take s + 1 and s dot products with one column, s up to
 * its depth 5), a last group of at most four with four. */
DEQ_CLONES
static void dots4_d(double *out, const double *x, const double *const *ys, int count, long len)
{
    int c0 = 0;
    for (; count - c0 > 4; c0 += 8)
        dots_group_d(out + c0, x, ys + c0, count - c0 < 8 ? count - c0 : 8, len, 8);
    for (; c0 < count; c0 += 4)
        dots_group_d(out + c0, x, ys + c0, count - c0 < 4 ? count - c0 : 4, len, 4);
}
#endif

void G(vec_dots)(real_ptr *r, real_srcptr x, real_srcptr const *ys, int count, long len, long prec)
{
#ifdef DEQ_MPFR
    for (int c = 0; c < count; c++)
        G(vec_dot)(r[c], x, ys[c], len, prec);
#else
    (void)prec;
    for (int c0 = 0; c0 < count; c0 += 16) {
        double out[16];
        int cn = count - c0 < 16 ? count - c0 : 16;
        dots4_d(out, x, ys + c0, cn, len);
        for (int c = 0; c < cn; c++)
            r[c0 + c][0] = out[c];
    }
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
    r[0] = dot4_d(x, y, len);
#endif
}

#ifndef DEQ_MPFR
/* y += a·x for arrays that do not overlap: each entry is rounded as in the
 * plain loop (a product, then a sum; no contraction into fma), so any vector
 * width gives the same bits, and the compiler may use SSE2 or, where the CPU
 * has it, AVX2 (a clone chosen at load time). Anderson's update does 2s + 1
 * of these per sample and iteration. */
DEQ_VECTORIZED_LOOP
static void axpy_disjoint_d(double *restrict y, double a, const double *restrict x, long len)
{
    for (long j = 0; j < len; j++)
        y[j] += a * x[j];
}
#endif

#ifndef DEQ_MPFR
/* z = x − y on arrays z does not overlap: one rounded difference per entry,
 * whatever the vector width (SSE2, or AVX2 where the CPU has it). */
DEQ_VECTORIZED_LOOP
static void sub_disjoint_d(double *restrict z, const double *restrict x, const double *restrict y,
                           long len)
{
    for (long j = 0; j < len; j++)
        z[j] = x[j] - y[j];
}
#endif

void G(vec_sub)(real_ptr z, real_srcptr x, real_srcptr y, long len, long prec)
{
    (void)prec;
#ifndef DEQ_MPFR
    if ((z + len <= x || x + len <= z) && (z + len <= y || y + len <= z)) {
        sub_disjoint_d(z, x, y, len);
        return;
    }
#endif
    for (long j = 0; j < len; j++)
        re_sub(z + j, x + j, y + j);
}

void G(vec_axpy)(real_ptr y, real_srcptr a, real_srcptr x, long len, long prec)
{
    (void)prec;
#ifdef DEQ_MPFR
    for (long j = 0; j < len; j++)
        re_fma(y + j, a, x + j, y + j);
#else
    double av = a[0];
    if (y + len <= x || x + len <= y) {
        axpy_disjoint_d(y, av, x, len);
        return;
    }
    for (long j = 0; j < len; j++)
        y[j] += av * x[j];
#endif
}

#ifndef DEQ_MPFR
/* y = x + a_0·xs_0 + … + a_{count−1}·xs_{count−1} in one pass: per entry the
 * terms enter in order, each a product then a sum (no fma: -ffp-contract=off),
 * as in count vec_axpy calls on a copy of x, so the same bits on every vector
 * width, without the count + 1 passes over y. Terms go in groups of
 * AXPYS_GROUP (a later group restarts from y, stored and reloaded exactly);
 * eight entries per step, two independent chains. */
#define AXPYS_GROUP 16
DEQ_CLONES
static void axpys_d(double *y, const double *x, const double *a, const double *const *xs, int count,
                    long len)
{
    for (int c0 = 0; c0 == 0 || c0 < count; c0 += AXPYS_GROUP) {
        const double *src = c0 == 0 ? x : y;
        const double *const *xg = xs + c0;
        const double *ag = a + c0;
        int cn = count - c0 < AXPYS_GROUP ? count - c0 : AXPYS_GROUP;
        long j = 0;
        for (; j + 8 <= len; j += 8) {
            dot_v4 lo, hi;
            memcpy(&lo, src + j, sizeof lo);
            memcpy(&hi, src + j + 4, sizeof hi);
            for (int c = 0; c < cn; c++) {
                dot_v4 u, v, av = {ag[c], ag[c], ag[c], ag[c]};
                memcpy(&u, xg[c] + j, sizeof u);
                memcpy(&v, xg[c] + j + 4, sizeof v);
                lo += av * u;
                hi += av * v;
            }
            memcpy(y + j, &lo, sizeof lo);
            memcpy(y + j + 4, &hi, sizeof hi);
        }
        for (; j < len; j++) {
            double t = src[j];
            for (int c = 0; c < cn; c++)
                t += ag[c] * xg[c][j];
            y[j] = t;
        }
    }
}
#endif

void G(vec_axpys)(real_ptr y, real_srcptr x, real_srcptr a, real_srcptr const *xs, int count,
                  long len, long prec)
{
    (void)prec;
    DEQ_REQUIRE(count >= 0 && len >= 0 && (y == x || y + len <= x || x + len <= y));
    for (int c = 0; c < count; c++)
        DEQ_REQUIRE(y + len <= xs[c] || xs[c] + len <= y);
#ifdef DEQ_MPFR
    for (long j = 0; j < len; j++) {
        re_set(y + j, x + j);
        for (int c = 0; c < count; c++)
            re_fma(y + j, a + c, xs[c] + j, y + j);
    }
#else
    axpys_d(y, x, a, xs, count, len);
#endif
}

num_xreal G(mat_col_norm2_x)(const mat_t M, long j, long prec)
{
    return col_norm_x(M, NULL, j, prec);
}

double G(mat_col_norm2)(const mat_t M, long j, long prec)
{
    return num_xreal_get_d(col_norm_x(M, NULL, j, prec));
}

num_xreal G(mat_max_col_dist_x)(const mat_t M, const mat_t N, long prec)
{
    DEQ_REQUIRE(N == NULL || (M->rows == N->rows && M->cols == N->cols));
    num_xreal best = num_xreal_from_d(0.0);
    for (long j = 0; j < M->cols; j++) {
        num_xreal d = col_norm_x(M, N, j, prec);
        if (isnan(d.man))
            return d; /* NaN anywhere is the answer */
        best = num_xreal_max(best, d);
    }
    return best;
}

double G(mat_max_col_dist)(const mat_t M, const mat_t N, long prec)
{
    return num_xreal_get_d(G(mat_max_col_dist_x)(M, N, prec));
}

double G(mat_max_col_norm)(const mat_t M, long prec)
{
    return num_xreal_get_d(G(mat_max_col_dist_x)(M, NULL, prec));
}

/* Upper bound on ‖M[:,j] − N[:,j]‖₂ (N NULL: ‖M[:,j]‖₂).
 * MPFR: every operation rounded away from zero / upward (|d̂| >= |d|, then
 * squares, sums and the root rounded up), at the working precision.
 * Double: the differences are scaled by 2^-e (e the exponent of the largest)
 * with their rounding (relative u, or exact) covered by (1 + u)² on each
 * square; the sum of m squares in double has relative error <= γ_m, and a
 * scaled square that underflowed lost < 2^-1074 absolutely: s·(1 + γ_{m+3}) +
 * m·2^-1074 >= the exact scaled sum, then the root and 2^e upward. */
num_xreal G(mat_col_dist_up_x)(const mat_t M, const mat_t N, long j, long prec)
{
    DEQ_REQUIRE(N == NULL || (M->rows == N->rows && M->cols == N->cols));
    long rows = M->rows;
#ifdef DEQ_MPFR
    mpfr_t acc, d;
    mpfr_init2(acc, (mpfr_prec_t)prec);
    mpfr_init2(d, (mpfr_prec_t)prec);
    mpfr_set_zero(acc, 1);
    for (long i = 0; i < rows; i++) {
        if (N)
            mpfr_sub(d, mat_entry(M, i, j), mat_entry(N, i, j), MPFR_RNDA);
        else
            mpfr_set(d, mat_entry(M, i, j), MPFR_RNDA);
        mpfr_sqr(d, d, MPFR_RNDU);
        mpfr_add(acc, acc, d, MPFR_RNDU);
    }
    mpfr_sqrt(acc, acc, MPFR_RNDU);
    num_xreal r = num_xreal_from_mpfr(acc, MPFR_RNDU);
    mpfr_clear(acc);
    mpfr_clear(d);
    return r;
#else
    (void)prec;
    const double *x = mat_entry(M, 0, j), *y = N ? mat_entry(N, 0, j) : NULL;
    double mx = maxabs_d(x, y, rows);
    if (isnan(mx) || isinf(mx) || mx == 0)
        return num_xreal_from_d(mx);
    int e = ilogb(mx);
    double s = sumsq_scaled_d(x, y, rows, e);
    mpfr_t t;
    mpfr_init2(t, 53);
    mpfr_set_d(t, s, MPFR_RNDU);
    mpfr_t tg;
    mpfr_init2(tg, 53);
    mpfr_mul_d(tg, t, bound_gamma((double)rows + 3, 53), MPFR_RNDU);
    mpfr_add(t, t, tg, MPFR_RNDU);
    mpfr_set_d(tg, (double)rows, MPFR_RNDU);
    mpfr_mul_2si(tg, tg, -1074, MPFR_RNDU);
    mpfr_add(t, t, tg, MPFR_RNDU);
    mpfr_clear(tg);
    mpfr_sqrt(t, t, MPFR_RNDU);
    mpfr_mul_2si(t, t, e, MPFR_RNDU);
    num_xreal r = num_xreal_from_mpfr(t, MPFR_RNDU);
    mpfr_clear(t);
    return r;
#endif
}
