/* Equilibrium solvers, written once for both backends (see deq/forward.h). */
#include "num/generic.h"

#include <cblas.h>

#include "core/ctx.h"
#include "deq/forward.h"
#include "deq/forward_internal.h"
#include "num/bound.h"
#include "num/factor.h"

typedef GS(deq_fp) fp_t;

#include <float.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#ifdef DEQ_MPFR
#define DEQ_MPFR_FLAG 1
#else
#define DEQ_MPFR_FLAG 0
#endif

#include "deq/par.h"

/* Columns [j0, j1) of M as a matrix of their own (columns are contiguous). */
static mat_struct col_view(const mat_t M, long j0, long j1)
{
#ifdef DEQ_MPFR
    mat_struct v = {M->e + (size_t)j0 * (size_t)M->rows, M->rows, j1 - j0, M->prec};
#else
    mat_struct v = {M->e + (size_t)j0 * (size_t)M->rows, M->rows, j1 - j0};
#endif
    return v;
}

/* ---- workspace ----
 *
 * A solve takes its buffers from the workspace of deq_solve_opts (by slot,
 * shaped on demand) or, without one, allocates them and frees them at its end.
 * Every buffer is written before it is read within a solve (the solvers'
 * iterates, Anderson's ring only up to its count, the certificates' products
 * with β = 0), so what a reused buffer held does not matter: same results. */
typedef GS(deq_solve_ws) ws_t;

enum {
    WS_PHI = DEQ_SOLVE_WS_CALLER_SLOTS, WS_H, WS_ZBEST, WS_F, WS_FPREV, WS_XPREV, WS_ZNEW, WS_NC, WS_DW,
    WS_DIFF /* Anderson's ΔX_s at WS_DIFF + 2s, ΔF_s at WS_DIFF + 2s + 1 */
};
enum { WSD_ABS_A, WSD_ABS_Z, WSD_TERM /* the certificate's stored term */, WSD_ABS_PF /* a single-precision product */ };

void G(deq_solve_ws_init)(GT(deq_solve_ws) ws)
{
    ws->w = NULL;
    ws->dbl = NULL;
    ws->w_count = ws->dbl_count = 0;
}

void G(deq_solve_ws_clear)(GT(deq_solve_ws) ws)
{
    for (int k = 0; k < ws->w_count; k++)
        if (ws->w[k]) {
            if (ws->w[k]->e)
                G(mat_clear)(ws->w[k]);
            free(ws->w[k]);
        }
    for (int k = 0; k < ws->dbl_count; k++)
        if (ws->dbl[k]) {
            if (ws->dbl[k]->e)
                mat_clear_d(ws->dbl[k]);
            free(ws->dbl[k]);
        }
    free(ws->w);
    free(ws->dbl);
    G(deq_solve_ws_init)(ws);
}

static ws_t *opts_ws(const deq_solve_opts *o)
{
    return o ? o->G(ws) : NULL;
}

/* Grows an array of slot pointers to at least `want` (new ones NULL). The
 * matrices are allocated one by one, so a slot taken earlier keeps its
 * address when the array moves. */
static void *ws_grow(void *slots, int *count, int want, size_t size)
{
    if (want <= *count)
        return slots;
    char *p = deq_realloc(slots, (size_t)want * size);
    memset(p + (size_t)*count * size, 0, (size_t)(want - *count) * size);
    *count = want;
    return p;
}

/* Slot `slot` of ws shaped rows×cols at prec, or (ws NULL) `local` initialized;
 * release with ws_release. */
static mat_struct *ws_take(ws_t *ws, int slot, mat_struct *local, long rows, long cols, long prec)
{
    if (!ws) {
        G(mat_init)(local, rows, cols, prec);
        return local;
    }
    ws->w = ws_grow(ws->w, &ws->w_count, slot + 1, sizeof *ws->w);
    if (!ws->w[slot])
        ws->w[slot] = deq_calloc(1, sizeof **ws->w);
    mat_struct *M = ws->w[slot];
#ifdef DEQ_MPFR
    int other_prec = M->e && M->prec != prec;
#else
    int other_prec = 0;
#endif
    if (M->e && (M->rows != rows || M->cols != cols || other_prec))
        G(mat_clear)(M);
    if (!M->e)
        G(mat_init)(M, rows, cols, prec);
    return M;
}

static void ws_release(mat_struct *M, mat_struct *local)
{
    if (M == local)
        G(mat_clear)(local);
}

mat_struct *G(deq_solve_ws_take)(const deq_solve_opts *o, int caller_slot, mat_struct *local,
                                 long rows, long cols, long prec)
{
    DEQ_REQUIRE(caller_slot >= 0 && caller_slot < DEQ_SOLVE_WS_CALLER_SLOTS);
    return ws_take(opts_ws(o), caller_slot, local, rows, cols, prec);
}

void G(deq_solve_ws_release)(mat_struct *M, mat_struct *local)
{
    ws_release(M, local);
}

/* The same for the double scratch of the certificates. */
static mat_d_struct *ws_take_d(ws_t *ws, int slot, mat_d_struct *local, long rows, long cols)
{
    if (!ws) {
        mat_init_d(local, rows, cols, 53);
        return local;
    }
    ws->dbl = ws_grow(ws->dbl, &ws->dbl_count, slot + 1, sizeof *ws->dbl);
    if (!ws->dbl[slot])
        ws->dbl[slot] = deq_calloc(1, sizeof **ws->dbl);
    mat_d_struct *M = ws->dbl[slot];
    if (M->e && (M->rows != rows || M->cols != cols))
        mat_clear_d(M);
    if (!M->e)
        mat_init_d(M, rows, cols, 53);
    return M;
}

static void ws_release_d(mat_d_struct *M, mat_d_struct *local)
{
    if (M == local)
        mat_clear_d(local);
}

/* The residual and scale the stopping rule and the certificate use, per
 * column: col[0] = ‖M_j − N_j‖₂ (with F_j = M_j − N_j stored on the way when F
 * is not NULL, col[0] = ‖F_j‖₂), col[1] = ‖M_j‖₂, for the one-column matrices
 * M, N, F. Each is the value G(mat_max_col_dist_x) returns for the column,
 * with a long exponent: at high precision the residual is below double's
 * range. */
static void residual_col(num_xreal col[2], mat_t F, const mat_t M, const mat_t N, long prec)
{
    if (F) {
        G(vec_sub)(mat_entry(F, 0, 0), mat_entry(M, 0, 0), mat_entry(N, 0, 0), M->rows, prec);
        col[0] = G(mat_col_norm2_x)(F, 0, prec);
    } else
        col[0] = G(mat_max_col_dist_x)(M, N, prec);
    col[1] = G(mat_col_norm2_x)(M, 0, prec);
}

/* *r = max_j col[2j], *zn = max_j col[2j + 1] over n columns (the max does not
 * depend on the columns' order; a NaN anywhere is the answer). */
static void residual_max(num_xreal *r, num_xreal *zn, const num_xreal *col, long n)
{
    num_xreal wr = num_xreal_from_d(0.0), wz = wr;
    int nan_r = 0, nan_z = 0;
    for (long j = 0; j < n; j++) {
        nan_r |= isnan(col[2 * j].man);
        nan_z |= isnan(col[2 * j + 1].man);
        wr = num_xreal_max(wr, col[2 * j]);
        wz = num_xreal_max(wz, col[2 * j + 1]);
    }
    *r = nan_r ? num_xreal_from_d(NAN) : wr;
    *zn = nan_z ? num_xreal_from_d(NAN) : wz;
}

/* *r = max_j ‖M_j − N_j‖₂ and *zn = max_j ‖M_j‖₂, and F = M − N when F is not
 * NULL (residual_col), one column per task. */
static void residual_norms(num_xreal *r, num_xreal *zn, mat_t F, const mat_t M, const mat_t N,
                           long prec)
{
    long m = M->rows, n = M->cols;
    num_xreal *col = deq_malloc((size_t)(2 * n > 0 ? 2 * n : 1) * sizeof *col);
    PAR_PRAGMA(omp parallel for PAR_COLS if (3.0 * (double)m * (double)n >= PAR_MIN_OPS))
    for (long j = 0; j < n; j++) {
        mat_struct mv = col_view(M, j, j + 1), nv = col_view(N, j, j + 1);
        mat_struct fv = F ? col_view(F, j, j + 1) : mv;
        residual_col(col + 2 * j, F ? &fv : NULL, &mv, &nv, prec);
    }
    residual_max(r, zn, col, n);
    free(col);
}

/* M = N, one column per task (a pass the solvers make per iteration). */
static void cols_set(mat_t M, const mat_t N)
{
    long n = N->cols;
    PAR_PRAGMA(omp parallel for PAR_COLS if (PAR_MOVE_OPS * (double)N->rows * (double)n >= PAR_MIN_OPS))
    for (long j = 0; j < n; j++) {
        mat_struct mv = col_view(M, j, j + 1), nv = col_view(N, j, j + 1);
        G(mat_set)(&mv, &nv);
    }
}

/* OUT = σ(H) and, when D is not NULL, D = σ′(H) entrywise (OUT may be H), one
 * column per task. In MPFR the elementary functions leave MPFR's thread-local
 * caches (constants, integer pool) allocated; the calling thread keeps its
 * own, as without threads, and the team's other threads free theirs so that
 * nothing outlives the call but OpenMP's own thread pool. */
static void act_apply(mat_t OUT, mat_t D, const mat_t H, deq_act act, long prec)
{
    long n = H->cols;
    /* relu is a comparison and a selection (moving the entry); the others
     * cost tens of operations each */
    double ops = (act == DEQ_ACT_RELU ? 1.0 + PAR_MOVE_OPS : 64.0) * (D ? 2.0 : 1.0)
                 * (double)H->rows * (double)n;
    PAR_PRAGMA(omp parallel if (ops >= PAR_MIN_OPS))
    {
        PAR_PRAGMA(omp for PAR_COLS)
        for (long j = 0; j < n; j++) {
            mat_struct ov = col_view(OUT, j, j + 1), hv = col_view(H, j, j + 1);
            mat_struct dv = D ? col_view(D, j, j + 1) : hv;
            G(deq_act_apply)(&ov, D ? &dv : NULL, &hv, act, prec);
        }
#ifdef DEQ_MPFR
        if (omp_get_thread_num() != 0)
            mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE);
#endif
    }
}

/* ---- rigorous-bound helpers (directed rounding, free of under/overflow) ----
 *
 * The certificates bound the rounding of one evaluation for data of any
 * magnitude: a column of z may be 2^-1000 or 2^1000, and at p bits the
 * rounding is 2^-p times that, far below double's range for p > ~1000. So
 * nonnegative matrices enter in double scaled by a power of two per column
 * (rounded up: the scaled value times the power bounds the true one), the
 * coefficients (γ's, ε's, u) are 53-bit MPFR numbers rounded up (MPFR's
 * exponent range holds any of them), and each column's bound is assembled at
 * its own scale. In double, an operation whose result is subnormal has an
 * absolute error (up to 2^-1075) instead of a relative one: each such place
 * adds an absolute allowance, negligible at the column's scale. */

/* Upper bound on 1/(1 − g), 0 <= g < 1. */
static double inv_one_minus_up(double g)
{
    return bound_div_up(1.0, bound_sub_down(1.0, g));
}

/* 2^-1074, the spacing of double's subnormals: the absolute error of one
 * double operation whose result underflows (rounded to nearest, at most half). */
#define SUBNORMAL_MIN 0x1p-1074

/* 2^k for -1022 <= k <= 1023, from its bits. */
static double pow2_normal(long k)
{
    uint64_t bits = (uint64_t)(k + 1023) << 52;
    double r;
    memcpy(&r, &bits, sizeof r);
    return r;
}

/* The least double >= x·2^k (x >= 0 double, k any): ldexp is exact unless the
 * result is subnormal or 0, where it rounds; step up then. Called per entry
 * of m×n matrices: a result above 2^-1022 is exact, and one product by the
 * power of two gives it without the library calls. */
static double ldexp_up(double x, long k)
{
    if (x == 0 || !isfinite(x))
        return x;
    if (k >= -1022 && k <= 1023) {
        /* a result above 2^-1022 comes from a value >= 2^-1022 (below it,
         * rounding reaches 2^-1022 at most): normal, hence exact */
        double r = x * pow2_normal(k);
        if (r > 0x1p-1022 && r <= DBL_MAX)
            return r;
    }
    if (k > 2100)
        return INFINITY;
    if (k < -2200)
        return SUBNORMAL_MIN;
    double r = ldexp(x, (int)k);
    if (r != 0 && ldexp(r, (int)-k) == x)
        return r;
    return nextafter(r, INFINITY);
}

/* 2^k when ldexp_up's fast path applies to it, else 0 (which sends every
 * value to ldexp_up_p's general case). */
static double pow2_or_zero(long k)
{
    return k >= -1022 && k <= 1023 ? pow2_normal(k) : 0.0;
}

/* ldexp_up(x, k) with p = pow2_or_zero(k) computed once per column: its fast
 * path inline (the same product, the same test, so the same bits), the
 * general case (0, non-finite, subnormal, k out of range) by the call. */
static inline double ldexp_up_p(double x, double p, long k)
{
    double r = x * p;
    return r > 0x1p-1022 && r <= DBL_MAX ? r : ldexp_up(x, k);
}

/* |x|·2^-E rounded up to double, for an entry x of the working type. */
static double entry_abs_up_scaled(real_srcptr x, long E)
{
#ifdef DEQ_MPFR
    if (mpfr_zero_p(x))
        return 0.0;
    if (!mpfr_number_p(x))
        return mpfr_nan_p(x) ? NAN : INFINITY;
    long e;
    double d = fabs(mpfr_get_d_2exp(&e, x, MPFR_RNDA)); /* in [0.5, 1], >= |significand| */
    return ldexp_up(d, e - E);
#else
    return ldexp_up(fabs(x[0]), -E);
#endif
}

/* The exponent of the largest |x_q| of count entries (e with |x| < 2^e, as
 * frexp or MPFR give it; LONG_MIN when every entry is 0); -1 when one is NaN
 * or infinite. In double the exponent of the largest magnitude is the largest
 * exponent, so one frexp suffices. */
static int max_exp_serial(long *E, real_srcptr x, size_t count)
{
    long e = LONG_MIN;
#ifdef DEQ_MPFR
    for (size_t q = 0; q < count; q++) {
        if (!re_is_finite(x + q))
            return -1;
        if (!re_is_zero(x + q)) {
            long eq = (long)mpfr_get_exp(x + q);
            e = eq > e ? eq : e;
        }
    }
#else
    double mx = 0.0;
    int bad = 0;
    for (size_t q = 0; q < count; q++) {
        double a = fabs(x[q]);
        bad |= !(a <= DBL_MAX);
        mx = a > mx ? a : mx;
    }
    if (bad)
        return -1;
    if (mx > 0) {
        int ei;
        frexp(mx, &ei);
        e = ei;
    }
#endif
    *E = e;
    return 0;
}

/* Operations per entry of a directed-rounding step in the certificates' loops
 * (ldexp_up's fast path and its range tests, the rounding up to a float,
 * bound_mul_up_fast's fma call and its test): about 10 ns per entry measured
 * on one core of the project's machine, that is some eight double operations
 * at PAR_MIN_OPS's 1 ns each (derived), so that a pass over an m×n iterate
 * (10⁶ entries) runs on the threads. */
#define BOUND_ENTRY_OPS 8.0

/* max_exp_serial over a large array (a whole matrix) in chunks on the
 * threads: the largest exponent is the largest of the chunks' (a maximum,
 * exact in any order), and any chunk's non-finite entry is the answer. A
 * fixed number of chunks (a default, enough to balance a few threads), not
 * one per thread, so that nothing depends on the thread count. */
#define MAX_EXP_CHUNKS 64
static int max_exp(long *E, real_srcptr x, size_t count)
{
    if (PAR_MOVE_OPS * (double)count < PAR_MIN_OPS || omp_in_parallel())
        return max_exp_serial(E, x, count);
    long ec[MAX_EXP_CHUNKS];
    int bad = 0;
    size_t per = (count + MAX_EXP_CHUNKS - 1) / MAX_EXP_CHUNKS;
    PAR_PRAGMA(omp parallel for schedule(static) reduction(| : bad))
    for (int c = 0; c < MAX_EXP_CHUNKS; c++) {
        size_t q0 = (size_t)c * per, q1 = q0 + per < count ? q0 + per : count;
        ec[c] = LONG_MIN;
        if (q0 < q1)
            bad |= max_exp_serial(ec + c, x + q0, q1 - q0) != 0;
    }
    if (bad)
        return -1;
    long e = LONG_MIN;
    for (int c = 0; c < MAX_EXP_CHUNKS; c++)
        e = ec[c] > e ? ec[c] : e;
    *E = e;
    return 0;
}

/* Whether every entry of M is finite (G(mat_is_finite)'s answer), on the threads. */
static int all_finite(const mat_t M)
{
    long e;
    return max_exp(&e, M->e, (size_t)M->rows * (size_t)M->cols) == 0;
}

/* The exponent of a column that is entirely zero (its term contributes nothing). */
#define RT_ZERO (LONG_MIN / 4)

/* The per-column exponents of |M| in scaled form: for each column i of an
 * m×n term (M->cols == 1: a column shared by every sample), E[i] is the
 * exponent of the column's largest entry (RT_ZERO for a zero column), so that
 * entry_abs_up_scaled(x, E[i]) of every entry is in [0, 1]. Returns 0, or -1
 * when M holds a NaN or an infinity. */
static int abs_col_exps(long *E, long n, const mat_t M)
{
    long m = M->rows;
    int bad = 0;
    PAR_PRAGMA(omp parallel for PAR_COLS reduction(| : bad) if (PAR_MOVE_OPS * (double)m * (double)n >= PAR_MIN_OPS))
    for (long i = 0; i < n; i++) {
        long e;
        if (max_exp_serial(&e, mat_entry(M, 0, M->cols == 1 ? 0 : i), (size_t)m) != 0)
            bad = 1;
        else
            E[i] = e == LONG_MIN ? RT_ZERO : e;
    }
    return bad ? -1 : 0;
}

/* The same for a double matrix with a common exponent Mexp (true values
 * M·2^Mexp): E[i] includes Mexp. */
static int abs_col_exps_d(long *E, const mat_d_t M, long Mexp)
{
    long m = M->rows, n = M->cols;
    int bad = 0;
    PAR_PRAGMA(omp parallel for PAR_COLS reduction(| : bad) if (PAR_MOVE_OPS * (double)m * (double)n >= PAR_MIN_OPS))
    for (long i = 0; i < n; i++) {
        long e;
        const double *x = M->e + (size_t)i * (size_t)m;
#ifdef DEQ_MPFR
        /* max_exp takes the working type: the double column by hand */
        double mx = 0.0;
        int col_bad = 0;
        for (long j = 0; j < m; j++) {
            col_bad |= !isfinite(x[j]);
            mx = fabs(x[j]) > mx ? fabs(x[j]) : mx;
        }
        int ei = 0;
        if (mx > 0)
            frexp(mx, &ei);
        e = mx > 0 ? ei : LONG_MIN;
#else
        int col_bad = max_exp_serial(&e, x, (size_t)m) != 0;
#endif
        bad |= col_bad;
        if (!col_bad)
            E[i] = e == LONG_MIN ? RT_ZERO : e + Mexp;
    }
    return bad ? -1 : 0;
}

/* float's least normal value, 2^-126 */
#define FLOAT_MIN_NORMAL 0x1p-126

/* The least normal float >= x, for a double 0 <= x <= 1 (0 for 0): rounded
 * to nearest, then one step up if that went below x; a positive x below
 * 2^-126 gives 2^-126, so that a BLAS that treats subnormal inputs as zero
 * (DAZ) sees the same values. */
static inline float float_up(double x)
{
    if (x < FLOAT_MIN_NORMAL)
        return x > 0 ? (float)FLOAT_MIN_NORMAL : 0.0f;
    float f = (float)x;
    if ((double)f >= x)
        return f;
    union { float f; uint32_t bits; } next = {f}; /* f normal and below 1: the next float's bits */
    next.bits++;
    return next.f;
}

/* entry_abs_up_scaled(x + q, E) into out[q] (a double) or, out NULL, rounded
 * up to a float into out_f[q]; p = pow2_or_zero(-E) for double's fast path. */
static inline void abs_up_scaled_entry(double *out, float *out_f, real_srcptr x, size_t q, double p, long E)
{
#ifdef DEQ_MPFR
    (void)p;
    double v = entry_abs_up_scaled(x + q, E);
#else
    double v = ldexp_up_p(fabs(x[q]), p, -E);
#endif
    if (out)
        out[q] = v;
    else
        out_f[q] = float_up(v);
}

/* abs_up_scaled_entry for count contiguous entries, on the threads when there
 * are many and no team runs yet (a region per column inside one would cost
 * its set-up each time). */
static void abs_up_scaled_fill(double *out, float *out_f, real_srcptr x, size_t count, long E)
{
    double p = pow2_or_zero(-E);
    if (BOUND_ENTRY_OPS * (double)count >= PAR_MIN_OPS && !omp_in_parallel()) {
        PAR_PRAGMA(omp parallel for schedule(static))
        for (size_t q = 0; q < count; q++)
            abs_up_scaled_entry(out, out_f, x, q, p, E);
    } else
        for (size_t q = 0; q < count; q++)
            abs_up_scaled_entry(out, out_f, x, q, p, E);
}

/* count floats in slot `slot` of the certificates' double scratch (or in
 * `local`, ws NULL); release with ws_release_d. */
static float *ws_take_f(ws_t *ws, int slot, mat_d_struct **M, mat_d_struct *local, size_t count)
{
    *M = ws_take_d(ws, slot, local, (long)(count / 2 + 1), 1);
    return (float *)(*M)->e;
}

/* Up to this inner dimension k, abs_product_scaled computes |op(A)|·|Z| in
 * single precision (cblas_sgemm, about twice dgemm's speed), whose rounding
 * it bounds by γ_{k+1} at 24 bits: at most (2^14 + 1)·2^-24/(1 − 2^-10) ≈
 * 2^-10 here, so the bound on the product grows by 0.1% at most (by 2^-14 at
 * k = 1024) over the double product's γ_{k+1} ≈ k·2^-53; the product is one
 * of the rounding terms of a bound that is itself a few units of rounding,
 * so that loosening is negligible. Larger k (a costlier loosening) keeps the
 * double product. Derived, not a paper's constant. */
#define ABS_PRODUCT_FLOAT_MAX_K DEQ_ABS_PRODUCT_FLOAT_MAX_K
/* float's precision: its unit roundoff is 2^-24 */
#define FLOAT_PREC 24

/* P = |op(A)|·|Z| in scaled form: |op(A)||Z|[:,i] <= P[:,i]·2^E[i] entrywise
 * (P initialized, rows of op(A) × cols of Z). |A| and |Z| enter scaled by
 * powers of two (A by its largest entry's, Z per column) and rounded up, so
 * the scaled entries are in [0, 1], no product overflows, and the exact
 * product of the rounded-up entries bounds the true one. Each entry of the
 * computed product is a sum of k nonnegative products, evaluated in any order
 * (blocked, threaded, with or without FMA): each product passes through at
 * most k roundings, each within the unit roundoff u relative when its result
 * is normal, so the computed ŝ >= (1 − u)^k·s − (absolute errors of results
 * that underflow, each amplified by at most (1 + u)^k <= 2 afterwards), and
 * P = fl(ŝ + a)·fac with fac >= 1/(1 − γ_{k+1}) rounded up bounds s (the
 * addition in double has a normal result: one more relative rounding, at
 * double's u, and (1 − u)^{k+1} >= 1 − γ_{k+1}), a the absolute allowance:
 *   - k <= ABS_PRODUCT_FLOAT_MAX_K: the scaled entries rounded up to normal
 *     floats (float_up), cblas_sgemm, u = 2^-24. An operation whose result
 *     underflows errs by at most 2^-150 (gradual underflow: the multiplies or
 *     FMAs; an addition is then exact) or below 2^-126 (flushed to zero, FTZ,
 *     which a BLAS may set), and there are at most 2k − 1 operations:
 *     a = 4k·2^-126. ŝ <= k is a float, exact in double.
 *   - otherwise the double gemm (gradual underflow, at most k products that
 *     underflow, 2^-1075 each): a = (k+1)·2^-1074, u = 2^-53.
 * This assumes the BLAS computes in IEEE binary32/binary64 with round to
 * nearest (flush to zero is covered), as OpenBLAS does: a BLAS built with a
 * reduced-precision mode for sgemm (TF32, bf16) would void the single path.
 * Returns 0, or -1 on a non-finite entry. */
static int abs_product_scaled(mat_d_t P, long *E, mat_op opA, const mat_t A, const mat_t Z, ws_t *ws)
{
    long k = opA == MAT_NOTRANS ? A->cols : A->rows;
    long m = Z->rows, n = Z->cols;
    /* one exponent for all of A (its largest entry's) */
    size_t countA = (size_t)A->rows * (size_t)A->cols, countZ = (size_t)m * (size_t)n;
    size_t count = (size_t)P->rows * (size_t)P->cols;
    long e;
    if (max_exp(&e, A->e, countA) != 0 || abs_col_exps(E, n, Z) != 0)
        return -1;
    long EA = e == LONG_MIN ? 0 : e;
    int single = k <= ABS_PRODUCT_FLOAT_MAX_K;
    mat_d_t Aa_local, Za_local, Pf_local;
    mat_d_struct *Aa, *Za, *Pf = NULL;
    float *Af = NULL, *Zf = NULL, *Cf = NULL;
    if (single) {
        Af = ws_take_f(ws, WSD_ABS_A, &Aa, Aa_local, countA);
        Zf = ws_take_f(ws, WSD_ABS_Z, &Za, Za_local, countZ);
        Cf = ws_take_f(ws, WSD_ABS_PF, &Pf, Pf_local, count);
    } else {
        Aa = ws_take_d(ws, WSD_ABS_A, Aa_local, A->rows, A->cols);
        Za = ws_take_d(ws, WSD_ABS_Z, Za_local, m, n);
    }
    abs_up_scaled_fill(single ? NULL : Aa->e, Af, A->e, countA, EA);
    PAR_PRAGMA(omp parallel for PAR_COLS if (BOUND_ENTRY_OPS * (double)m * (double)n >= PAR_MIN_OPS))
    for (long i = 0; i < n; i++) {
        size_t off = (size_t)i * (size_t)m;
        if (E[i] == RT_ZERO)
            for (long j = 0; j < m; j++) {
                if (single)
                    Zf[off + j] = 0.0f;
                else
                    Za->e[off + j] = 0.0;
            }
        else
            abs_up_scaled_fill(single ? NULL : Za->e + off, single ? Zf + off : NULL,
                               mat_entry(Z, 0, i), (size_t)m, E[i]);
    }
    double fac, floor;
    if (single) {
        mat_gemm_f(Cf, opA, Af, A->rows, A->cols, Zf, n);
        fac = inv_one_minus_up(bound_gamma((double)k + 1, FLOAT_PREC));
        floor = 4.0 * (double)k * FLOAT_MIN_NORMAL;
        PAR_PRAGMA(omp parallel for schedule(static) if (BOUND_ENTRY_OPS * (double)count >= PAR_MIN_OPS))
        for (size_t q = 0; q < count; q++)
            P->e[q] = bound_mul_up_fast((double)Cf[q] + floor, fac);
        ws_release_d(Pf, Pf_local);
    } else {
        double one = 1.0, zero = 0.0;
        mat_gemm_d(P, &one, opA, Aa, MAT_NOTRANS, Za, &zero, 53);
        fac = inv_one_minus_up(bound_gamma((double)k + 1, DEQ_PREC_DOUBLE));
        floor = (double)(k + 1) * SUBNORMAL_MIN;
        PAR_PRAGMA(omp parallel for schedule(static) if (BOUND_ENTRY_OPS * (double)count >= PAR_MIN_OPS))
        for (size_t q = 0; q < count; q++)
            P->e[q] = bound_mul_up_fast(P->e[q] + floor, fac);
    }
    for (long i = 0; i < P->cols; i++)
        if (E[i] != RT_ZERO)
            E[i] += EA;
    ws_release_d(Aa, Aa_local);
    ws_release_d(Za, Za_local);
    return 0;
}

#ifndef DEQ_MPFR
int deq_abs_product_upper_d(mat_d_t P, long *E, mat_op opA, const mat_d_t A, const mat_d_t Z)
{
    return abs_product_scaled(P, E, opA, A, Z, NULL);
}
#endif

/* Upper bound on ‖A‖_F: ‖A·2^-e‖_F in double (entries rounded up, a sum of N
 * squares within γ_{N+1}, squares that underflow adding N·2^-1074) times 2^e,
 * e the exponent of A's largest entry. */
static double frob_upper(const mat_t A)
{
    size_t count = (size_t)A->rows * (size_t)A->cols;
    long e;
    if (max_exp(&e, A->e, count) != 0)
        return INFINITY;
    if (e == LONG_MIN)
        return 0.0;
    double s = 0.0;
    for (size_t k = 0; k < count; k++) {
        double a = entry_abs_up_scaled(A->e + k, e);
        s += a * a;
    }
    s = bound_mul_up(s, inv_one_minus_up(bound_gamma((double)count + 1, DEQ_PREC_DOUBLE)));
    s = bound_add_up(s, (double)count * SUBNORMAL_MIN);
    mpfr_t t;
    mpfr_init2(t, 53);
    mpfr_set_d(t, s, MPFR_RNDU);
    mpfr_sqrt(t, t, MPFR_RNDU);
    mpfr_mul_2si(t, t, e, MPFR_RNDU);
    double r = mpfr_get_d(t, MPFR_RNDU);
    mpfr_clear(t);
    return r;
}

/* ---- the rounding term of one evaluation, per column, at its own scale ----
 *
 * T = Σ_k c_k·X_k entrywise (X_k >= 0 given in scaled form, X_k[:,i] <=
 * Xs_k[:,i]·2^{E_k[i]}, c_k >= 0 rounded up), and e_i >= ‖T[:,i]‖₂. Per
 * column, with t_k = exponent(c_k) + E_k[i] the size of term k and M = max_k
 * t_k, the double coefficient d_k = c_k·2^{E_k[i] − M} (rounded up; a term far
 * below the largest may round up to the smallest subnormal, still an upper
 * bound) gives T[:,i] <= 2^M·Σ_k d_k·Xs_k[:,i]. That sum is evaluated in
 * double (2K − 1 roundings: within γ_{2K} relative plus K·2^-1074 absolute
 * for results that underflow), its norm bounded by norm_up_d, and the whole
 * scaled back by 2^M in MPFR, rounded up.
 *
 * The scaled values Xs_k are a stored matrix only for a product (|A||Z|);
 * the others (|B|, |Φ|, the injection's error, the constant 1 of the
 * underflow term) are formed entry by entry as a column's sum needs them,
 * with the same roundings a stored copy would have had: no m×n copies per
 * certificate. */
#define RT_MAX 5
typedef enum {
    RT_STORED, /* X[k], scaled already */
    RT_ABS,    /* entry_abs_up_scaled(src[k], E[k][i]) of the working type */
    RT_ABS_D,  /* ldexp_up(|src_d[k]|, −(E[k][i] − src_exp[k])) of a double matrix */
    RT_ONES    /* 1 (E[k][i] = 0) */
} rterm_kind;

typedef struct {
    int count;
    long m, n;
    mpfr_t c[RT_MAX];
    rterm_kind kind[RT_MAX];
    mat_d_struct *X[RT_MAX];      /* a stored term: X_local[k] or the workspace's */
    mat_d_struct X_local[RT_MAX];
    ws_t *ws;
    const mat_struct *src[RT_MAX];
    const mat_d_struct *src_d[RT_MAX];
    long src_exp[RT_MAX];
    long *E[RT_MAX];
} rterms;

static void rterms_init(rterms *t, long m, long n, ws_t *ws)
{
    t->count = 0;
    t->ws = ws;
    t->m = m;
    t->n = n;
}

/* A new term of kind `kind`, coefficient 0 (53 bits); returns its index. */
static int rterms_add(rterms *t, rterm_kind kind)
{
    DEQ_REQUIRE(t->count < RT_MAX);
    int k = t->count++;
    mpfr_init2(t->c[k], 53);
    mpfr_set_zero(t->c[k], 1);
    t->kind[k] = kind;
    t->X[k] = NULL;
    for (int q = 0; kind == RT_STORED && q < k; q++)
        DEQ_REQUIRE(t->kind[q] != RT_STORED); /* one stored term: one workspace slot */
    if (kind == RT_STORED)
        t->X[k] = ws_take_d(t->ws, WSD_TERM, t->X_local + k, t->m, t->n);
    t->E[k] = deq_malloc((size_t)(t->n > 0 ? t->n : 1) * sizeof(long));
    return k;
}

/* A term |M| (M m×n, or m×1 shared by every sample); -1 if M is not finite. */
static int rterms_add_abs(rterms *t, const mat_t M, int *k)
{
    *k = rterms_add(t, RT_ABS);
    t->src[*k] = M;
    return abs_col_exps(t->E[*k], t->n, M);
}

/* A term |M|·2^Mexp for a double matrix M; -1 if M is not finite. */
static int rterms_add_abs_d(rterms *t, const mat_d_t M, long Mexp, int *k)
{
    *k = rterms_add(t, RT_ABS_D);
    t->src_d[*k] = M;
    t->src_exp[*k] = Mexp;
    return abs_col_exps_d(t->E[*k], M, Mexp);
}

static void rterms_clear(rterms *t)
{
    for (int k = 0; k < t->count; k++) {
        mpfr_clear(t->c[k]);
        if (t->kind[k] == RT_STORED)
            ws_release_d(t->X[k], t->X_local + k);
        free(t->E[k]);
    }
    t->count = 0;
}

/* tmp[j] += d·(term k's scaled value at row j of column i) for the m rows,
 * with the roundings of the term's definition (rterm_kind), one loop per kind. */
static void rterm_col_add(double *tmp, const rterms *t, int k, long i, double d)
{
    long m = t->m, Ei = t->E[k][i];
    switch (t->kind[k]) {
    case RT_STORED: {
        const double *x = t->X[k]->e + (size_t)i * (size_t)m;
        for (long j = 0; j < m; j++)
            tmp[j] += d * x[j];
        return;
    }
    case RT_ABS: {
        /* a zero column adds d·0 = +0, which leaves the nonnegative sums as they are */
        if (Ei == RT_ZERO)
            return;
        const mat_struct *M = t->src[k];
        real_srcptr x = mat_entry(M, 0, M->cols == 1 ? 0 : i);
#ifdef DEQ_MPFR
        for (long j = 0; j < m; j++)
            tmp[j] += d * entry_abs_up_scaled(x + j, Ei);
#else
        double p = pow2_or_zero(-Ei);
        for (long j = 0; j < m; j++)
            tmp[j] += d * ldexp_up_p(fabs(x[j]), p, -Ei);
#endif
        return;
    }
    case RT_ABS_D: {
        const double *x = t->src_d[k]->e + (size_t)i * (size_t)t->src_d[k]->rows;
        long sh = Ei == RT_ZERO ? 0 : -(Ei - t->src_exp[k]);
        double p = pow2_or_zero(sh);
        for (long j = 0; j < m; j++)
            tmp[j] += d * ldexp_up_p(fabs(x[j]), p, sh);
        return;
    }
    case RT_ONES:
        for (long j = 0; j < m; j++)
            tmp[j] += d * 1.0;
        return;
    }
}

/* The factors every column's bound uses, computed once per certificate:
 * 1/(1 − γ_{m+1}) of the norm's sum of squares, 1/(1 − γ_{2K}) of the
 * terms' sum and its absolute allowance √m·K·2^-1074 (rounded up). */
typedef struct {
    double norm_fac, sum_fac;
    mpfr_t sum_abs;
} col_norm_consts;

static void col_norm_consts_init(col_norm_consts *c, const rterms *t)
{
    c->norm_fac = inv_one_minus_up(bound_gamma((double)t->m + 1, DEQ_PREC_DOUBLE));
    c->sum_fac = inv_one_minus_up(bound_gamma(2.0 * t->count, DEQ_PREC_DOUBLE));
    mpfr_init2(c->sum_abs, 53);
    mpfr_set_d(c->sum_abs, sqrt((double)t->m) * (1.0 + 0x1p-50) * (double)t->count, MPFR_RNDU);
    mpfr_mul_2si(c->sum_abs, c->sum_abs, -1074, MPFR_RNDU);
}

static void col_norm_consts_clear(col_norm_consts *c)
{
    mpfr_clear(c->sum_abs);
}

/* Upper bound on the Euclidean norm of the m doubles x (each >= 0, at most a
 * few units): the sum of squares within γ_{m+1} relative (fac >= 1/(1 − γ_{m+1}))
 * plus m·2^-1074 for squares that underflow, then the root upward. Result in
 * r (53 bits). */
static void norm_up_d(mpfr_t r, const double *x, long m, double fac)
{
    double s = 0.0;
    for (long j = 0; j < m; j++)
        s += x[j] * x[j];
    s = bound_mul_up(s, fac);
    s = bound_add_up(s, (double)m * SUBNORMAL_MIN);
    mpfr_set_d(r, s, MPFR_RNDU);
    mpfr_sqrt(r, r, MPFR_RNDU);
}

/* e >= ‖T[:,i]‖₂ (53 bits, rounded up); tmp is m doubles of scratch, w a
 * 53-bit temporary. */
static void rterms_col_norm_up(mpfr_t e, const rterms *t, const col_norm_consts *c, long i,
                               double *tmp, mpfr_t w)
{
    int K = t->count;
    long m = t->m;
    long M = LONG_MIN;
    for (int k = 0; k < K; k++)
        if (!mpfr_zero_p(t->c[k]) && t->E[k][i] != RT_ZERO) {
            long tk = (long)mpfr_get_exp(t->c[k]) + t->E[k][i];
            M = tk > M ? tk : M;
        }
    if (M == LONG_MIN) { /* every coefficient 0: no rounding at all */
        mpfr_set_zero(e, 1);
        return;
    }
    double d[RT_MAX];
    for (int k = 0; k < K; k++) {
        if (t->E[k][i] == RT_ZERO) {
            d[k] = 0.0;
            continue;
        }
        mpfr_mul_2si(w, t->c[k], t->E[k][i] - M, MPFR_RNDU);
        d[k] = mpfr_get_d(w, MPFR_RNDU);
    }
    /* term by term over the column, in the order k = 0, 1, ... of the sum */
    for (long j = 0; j < m; j++)
        tmp[j] = 0.0;
    for (int k = 0; k < K; k++)
        rterm_col_add(tmp, t, k, i, d[k]);
    norm_up_d(e, tmp, m, c->norm_fac);
    /* the sum's own rounding: ‖T‖ <= (‖T̂‖ + √m·K·2^-1074)/(1 − γ_{2K}) */
    mpfr_add(e, e, c->sum_abs, MPFR_RNDU);
    mpfr_mul_d(e, e, c->sum_fac, MPFR_RNDU);
    mpfr_mul_2si(e, e, M, MPFR_RNDU);
}

/* Upper bound on ‖M[:,j] − N[:,j]‖₂ for the stored entries. */
static num_xreal col_dist_upper(const mat_t M, const mat_t N, long j, long prec)
{
    return G(mat_col_dist_up_x)(M, N, j, prec);
}

/* ---- problem set-up ---- */

void G(deq_injection)(mat_t B, mat_d_t B_err, long *B_err_exp, real_srcptr alpha_U,
                      double alpha_U_rel_err, const mat_t U, double U_rel_err, const mat_t X,
                      double X_rel_err, long prec)
{
    real_t zero;
    re_init(zero, prec);
    re_set_zero(zero);
    G(mat_gemm)(B, alpha_U, MAT_NOTRANS, U, MAT_NOTRANS, X, zero, prec);
    re_clear(zero);
    if (!B_err)
        return;
    /* |B − B̂| <= [γ_{d+1} + (1+ε_α)(1+ε_U)(1+ε_X) − 1]·|α̂|·|Û||X̂|: the product
     * rounds (γ_{d+1} with the scaling by α̂), and the data differ from the exact
     * ones by the stated relative errors. The product |Û||X̂| comes scaled per
     * column; the coefficient is a 53-bit MPFR number (γ_{d+1} at p bits is
     * 2^-p, below double's range for large p); the result is stored with one
     * common exponent, and folded into the entries when they are in range. */
    long n = B_err->cols, m = B_err->rows;
    long *E = deq_malloc((size_t)(n > 0 ? n : 1) * sizeof(long));
    int bad = abs_product_scaled(B_err, E, MAT_NOTRANS, U, X, NULL) != 0;
    mpfr_t c, g;
    mpfr_init2(c, 53);
    mpfr_init2(g, 53);
    bound_gamma_x(g, (double)U->cols + 1, prec);
    mpfr_set_d(c, bound_rel_compose_up(bound_rel_compose_up(alpha_U_rel_err, U_rel_err), X_rel_err),
               MPFR_RNDU);
    mpfr_add(c, c, g, MPFR_RNDU);
    mpfr_mul_d(c, c, re_get_d_abs_up(alpha_U), MPFR_RNDU);
    long top = LONG_MIN;
    for (long i = 0; i < n; i++)
        if (E[i] != RT_ZERO)
            top = E[i] > top ? E[i] : top;
    if (bad || !mpfr_number_p(c)) {
        for (size_t q = 0; q < (size_t)m * (size_t)n; q++)
            B_err->e[q] = INFINITY;
        *B_err_exp = 0;
    } else if (mpfr_zero_p(c) || top == LONG_MIN) {
        mat_zero_d(B_err);
        *B_err_exp = 0;
    } else {
        long ce = (long)mpfr_get_exp(c);
        mpfr_mul_2si(c, c, -ce, MPFR_RNDU);
        double cm = mpfr_get_d(c, MPFR_RNDU); /* in [0.5, 1] */
        long ex = top + ce;
        /* fold the exponent into the entries when the largest stays normal */
        long fold = ex > -900 && ex < 900 ? ex : 0;
        PAR_PRAGMA(omp parallel for PAR_COLS if (BOUND_ENTRY_OPS * (double)m * (double)n >= PAR_MIN_OPS))
        for (long i = 0; i < n; i++) {
            double *b = B_err->e + (size_t)i * m;
            long sh = E[i] + ce - (ex - fold);
            double p = pow2_or_zero(sh);
            for (long j = 0; j < m; j++) {
                if (E[i] == RT_ZERO) {
                    b[j] = 0.0;
                    continue;
                }
                /* RN(b·cm) is within half an ulp of b·cm: one step up bounds it */
                b[j] = ldexp_up_p(bound_next_up(b[j] * cm), p, sh);
            }
        }
        *B_err_exp = ex - fold;
    }
    mpfr_clear(c);
    mpfr_clear(g);
    free(E);
}

double G(deq_contraction_upper)(num_norm2_t nrm, const mat_t A, real_srcptr alpha,
                                double alpha_rel_err, double A_rel_err, deq_act act, long prec)
{
    num_norm2_t local;
    num_norm2_struct *nb = nrm ? nrm : local;
    G(num_norm2_upper)(nb, A, prec);
    double normA = nb->upper;
    if (A_rel_err > 0) /* ‖A − Â‖₂ <= ‖|A − Â|‖_F <= ε_A‖Â‖_F */
        normA = bound_add_up(normA, bound_mul_up(A_rel_err, frob_upper(A)));
    return G(deq_contraction_from_norm)(normA, alpha, alpha_rel_err, act);
}

double G(deq_contraction_from_norm)(double normA, real_srcptr alpha, double alpha_rel_err, deq_act act)
{
    double a = bound_add_up(re_get_d_abs_up(alpha), bound_mul_up(re_get_d_abs_up(alpha), alpha_rel_err));
    return bound_mul_up(bound_mul_up(deq_act_lipschitz_upper(act), a), normA);
}

/* H = α·A·Z + B, the pre-activation. */
static void phi_pre(mat_t H, const fp_t *fp, const mat_t Z, long prec)
{
    real_t one;
    re_init(one, prec);
    re_set_si(one, 1);
    cols_set(H, fp->B);
    G(mat_gemm)(H, fp->alpha, MAT_NOTRANS, fp->A, MAT_NOTRANS, Z, one, prec);
    re_clear(one);
}

void G(deq_phi_deriv)(mat_t OUT, mat_t D, mat_t H, const fp_t *fp, const mat_t Z, long prec)
{
    DEQ_REQUIRE(OUT->e != Z->e);
    phi_pre(H, fp, Z, prec);
    act_apply(OUT, D, H, fp->act, prec);
}

void G(deq_phi)(mat_t OUT, mat_t H, const fp_t *fp, const mat_t Z, long prec)
{
    G(deq_phi_deriv)(OUT, NULL, H, fp, Z, prec);
}

double G(deq_forward_auto_tol)(long m, long prec)
{
    /* 2^-prec with a long exponent, then rounded once: 0 only above ~1074 bits,
     * where the solvers use the exact value (solve_tolerances) */
    return num_xreal_get_d(num_xreal_mul_2si(num_xreal_from_d(2.0 * sqrt((double)(m > 0 ? m : 1))), -prec));
}

/* ---- the a-posteriori certificates ---- */

/* The residual fields of info from the last iterate Zk and PHI = map(Zk).
 * Returns 1 when a certificate is possible (ρ̄ < 1, everything finite). */
static int certify_residuals(deq_solve_info_t info, const mat_t Zk, const mat_t PHI, double rho,
                             long prec)
{
    num_xreal r, zn;
    residual_norms(&r, &zn, NULL, PHI, Zk, prec);
    info->resid = num_xreal_get_d(r);
    info->znorm = num_xreal_get_d(zn);
    info->resid_rel = num_xreal_get_d(num_xreal_div(r, zn));
    info->resid_x = r;
    info->resid_rel_x = num_xreal_div(r, zn);
    info->rho_upper = rho;
    info->certified = rho < 1.0 && all_finite(PHI) && all_finite(Zk);
    info->err_bound = info->err_bound_rel = info->round_slack = NAN;
    info->err_bound_x = info->err_bound_rel_x = num_xreal_from_d(NAN);
    return info->certified;
}

/* A bound that cannot be computed (a term overflowed, data not finite) is not
 * available: not certified, +inf, never a number that could be taken for one. */
static void bound_not_available(deq_solve_info_t info)
{
    info->certified = 0;
    info->err_bound = info->err_bound_rel = info->round_slack = INFINITY;
    info->err_bound_x = info->err_bound_rel_x = num_xreal_from_d(INFINITY);
}

/* The error bound from the rounding terms t of one evaluation: per sample
 * e_i >= ‖T_i‖₂ and ‖map(z_k) − z*‖ <= (ρ̄·s_i + e_i)/(1 − ρ̄), s_i an upper
 * bound on ‖PHI_i − Zk_i‖, all in 53-bit MPFR rounded up and reported as the
 * least doubles above (never 0 for a nonzero bound). A bound that is not a
 * finite number (a term overflowed, or data were not finite) is not available:
 * certified = 0, err_bound = +inf. */
static void certify_bound(deq_solve_info_t info, const rterms *t, const mat_t Zk,
                          const mat_t PHI, double rho, long prec)
{
    long m = PHI->rows, n = PHI->cols;
    /* the columns on the threads, each with its own scratch and temporaries,
     * into per-column results; then the maximum in column order, as one
     * thread would take it (a NaN column makes the result NaN) */
    mpfr_t *ecol = deq_malloc((size_t)(n > 0 ? n : 1) * sizeof *ecol);
    mpfr_t *bcol = deq_malloc((size_t)(n > 0 ? n : 1) * sizeof *bcol);
    num_xreal *zcol = deq_malloc((size_t)(n > 0 ? n : 1) * sizeof *zcol);
    col_norm_consts cc;
    col_norm_consts_init(&cc, t);
    mpfr_t omr;
    mpfr_init2(omr, 53);
    mpfr_set_d(omr, bound_sub_down(1.0, rho), MPFR_RNDD);
    double ops = (double)m * (double)n * (double)(t->count + 2);
    PAR_PRAGMA(omp parallel if (ops >= PAR_MIN_OPS))
    {
        double *tmp = deq_malloc((size_t)(m > 0 ? m : 1) * sizeof(double));
        mpfr_t w;
        mpfr_init2(w, 53);
        PAR_PRAGMA(omp for PAR_COLS)
        for (long i = 0; i < n; i++) {
            mpfr_ptr e = ecol[i], b = bcol[i];
            mpfr_inits2(53, e, b, (mpfr_ptr)0);
            rterms_col_norm_up(e, t, &cc, i, tmp, w);
            num_xreal_get_mpfr(b, col_dist_upper(PHI, Zk, i, prec)); /* s_i, exact in 53 bits */
            mpfr_mul_d(b, b, rho, MPFR_RNDU);
            mpfr_add(b, b, e, MPFR_RNDU);
            mpfr_div(b, b, omr, MPFR_RNDU);
            zcol[i] = G(mat_col_norm2_x)(PHI, i, prec);
        }
        mpfr_clear(w);
        free(tmp);
        if (omp_get_thread_num() != 0)
            mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE);
    }
    mpfr_t worst, worst_e;
    mpfr_inits2(53, worst, worst_e, (mpfr_ptr)0);
    mpfr_set_zero(worst, 1);
    mpfr_set_zero(worst_e, 1);
    for (long i = 0; i < n; i++) {
        if (mpfr_nan_p(bcol[i]) || mpfr_greater_p(bcol[i], worst))
            mpfr_set(worst, bcol[i], MPFR_RNDU);
        if (mpfr_nan_p(ecol[i]) || mpfr_greater_p(ecol[i], worst_e))
            mpfr_set(worst_e, ecol[i], MPFR_RNDU);
        mpfr_clears(ecol[i], bcol[i], (mpfr_ptr)0);
    }
    free(ecol);
    free(bcol);
    /* max_i ‖z_i‖ as G(mat_max_col_dist_x)(PHI, NULL) gives it: the first NaN
     * in column order, else the maximum */
    num_xreal zn = num_xreal_from_d(0.0);
    for (long i = 0; i < n && !isnan(zn.man); i++)
        zn = isnan(zcol[i].man) ? zcol[i] : num_xreal_max(zn, zcol[i]);
    free(zcol);
    col_norm_consts_clear(&cc);
    if (!mpfr_number_p(worst)) {
        bound_not_available(info);
    } else {
        num_xreal w = num_xreal_from_mpfr(worst, MPFR_RNDU);
        info->err_bound = num_xreal_get_d_up(w);
        info->round_slack = num_xreal_get_d_up(num_xreal_from_mpfr(worst_e, MPFR_RNDU));
        /* relative to max_i ‖z_i‖ (rounded to nearest, so a ratio, not a bound) */
        info->err_bound_rel = zn.man > 0 ? num_xreal_get_d_up(num_xreal_div(w, zn)) : INFINITY;
        info->err_bound_x = w;
        info->err_bound_rel_x = zn.man > 0 ? num_xreal_div(w, zn) : num_xreal_from_d(INFINITY);
    }
    mpfr_clears(worst, worst_e, omr, (mpfr_ptr)0);
}

/* In double an operation whose result is subnormal errs by up to 2^-1075
 * absolutely, which no relative bound covers: the evaluation adds `ops` such
 * errors per entry (through the gemm's m terms, the activation's operations,
 * and the Lipschitz factor L that carries pre-activation errors), as a term
 * c·1 of the rounding. MPFR's exponent range has no underflow. */
static void add_underflow_term(rterms *t, double ops, double L)
{
#ifdef DEQ_MPFR
    (void)t, (void)ops, (void)L;
#else
    int k = rterms_add(t, RT_ONES);
    mpfr_set_d(t->c[k], ops, MPFR_RNDU);
    mpfr_mul_d(t->c[k], t->c[k], L + 1.0, MPFR_RNDU);
    mpfr_mul_2si(t->c[k], t->c[k], -1074, MPFR_RNDU);
    for (long i = 0; i < t->n; i++)
        t->E[k][i] = 0;
#endif
}

static void forward_certify(deq_solve_info_t info, const mat_t Zk, const mat_t PHI, const fp_t *fp,
                            ws_t *ws, long prec)
{
    long m = PHI->rows, n = PHI->cols;
    if (!certify_residuals(info, Zk, PHI, fp->rho_upper, prec))
        return;

    /* Per entry j of sample i, with ĥ the computed and h the exact pre-activation
     * (exact α, A, B) at z_k:
     *   |ĥ_j − h_j| <= γ_{m+2}(α̂P_j + |B̂_j|) + [(1+ε_α)(1+ε_A) − 1]·α̂P_j + Berr_j,
     * P = |Â||z_k| (the gemm with β = 1 rounds like a dot product of m+2 terms);
     * then |σ̂(ĥ_j) − σ(h_j)| <= L|ĥ_j − h_j| + c_σ·u·|σ̂(ĥ_j)|. So
     *   t_j = c1·P_j + c2·|B̂_j| + c3·Berr_j + c4·|Φ̂_j|  (+ underflow in double),
     * each term kept at its own scale (rterms). */
    double L = deq_act_lipschitz_upper(fp->act);
    double model = bound_rel_compose_up(fp->alpha_rel_err, fp->A_rel_err);
    rterms t;
    rterms_init(&t, m, n, ws);
    int bad = 0;
    int k1 = rterms_add(&t, RT_STORED), k2, k3, k4;
    mpfr_t g;
    mpfr_init2(g, 53);
    bound_gamma_x(g, (double)m + 2, prec);
    bad |= abs_product_scaled(t.X[k1], t.E[k1], MAT_NOTRANS, fp->A, Zk, ws);
    mpfr_add_d(t.c[k1], g, model, MPFR_RNDU);
    mpfr_mul_d(t.c[k1], t.c[k1], L, MPFR_RNDU);
    mpfr_mul_d(t.c[k1], t.c[k1], re_get_d_abs_up(fp->alpha), MPFR_RNDU);
    bad |= rterms_add_abs(&t, fp->B, &k2);
    mpfr_mul_d(t.c[k2], g, L, MPFR_RNDU);
    bad |= rterms_add_abs(&t, PHI, &k4);
    mpfr_set_d(t.c[k4], deq_act_eval_error_factor(fp->act, DEQ_MPFR_FLAG), MPFR_RNDU);
    mpfr_mul_2si(t.c[k4], t.c[k4], -prec, MPFR_RNDU); /* c_σ·u */
    if (fp->B_err) {
        bad |= rterms_add_abs_d(&t, fp->B_err, fp->B_err_exp, &k3);
        mpfr_set_d(t.c[k3], L, MPFR_RNDU);
    }
    add_underflow_term(&t, (double)m + 8, L);
    mpfr_clear(g);
    if (bad)
        bound_not_available(info);
    else
        certify_bound(info, &t, Zk, PHI, fp->rho_upper, prec);
    rterms_clear(&t);
}

void G(deq_forward_certify)(deq_solve_info_t info, const mat_t Zk, const mat_t PHI,
                            const fp_t *fp, long prec)
{
    forward_certify(info, Zk, PHI, fp, NULL, prec);
}

/* ---- stopping rule shared by the solvers ---- */

typedef enum { STEP_GO_ON, STEP_NEW_BEST, STEP_STOP } step_action;

typedef struct {
    num_xreal tol;   /* relative residual for convergence */
    num_xreal floor; /* after stagnation, a best relative residual at or below this counts as converged */
    num_xreal first; /* residual of the first iteration */
    num_xreal best;  /* smallest relative residual so far */
    num_xreal prev;  /* residual of the previous iteration */
    long best_iter;
    long rising;     /* consecutive iterations whose residual grew */
    long patience;
    long max_iter;
    long growth_bits; /* log2 of the growth that counts as divergence */
    void (*observe)(void *ctx, long iterations, double log2_rel, double log2_target);
    void *observe_ctx;
} stop_rule;

/* log2 x of a positive num_xreal, for any exponent */
static double xreal_log2(num_xreal x)
{
    return x.man > 0 && isfinite(x.man) ? log2(x.man) + (double)x.exp : x.man == 0 ? -INFINITY : x.man;
}

/* The relative tolerance and the stagnation floor of a solve. With the derived
 * tolerance the solver iterates down to rounding level, and a residual that
 * stalls within the worst-case rounding of one evaluation (≈ m·u, the γ_m
 * bound, with the same margin 8) has converged as far as this precision
 * allows. With a user tolerance, that tolerance is the bar. Both carry a long
 * exponent: u = 2^-prec is below double's range above ~1074 bits. */
static void solve_tolerances(num_xreal *tol, num_xreal *floor, const deq_solve_opts *o, long m,
                             long prec)
{
    if (o->tol > 0) {
        *tol = *floor = num_xreal_from_d(o->tol);
        return;
    }
    double mm = (double)(m > 0 ? m : 1);
    *tol = num_xreal_mul_2si(num_xreal_from_d(2.0 * sqrt(mm)), -prec);
    *floor = num_xreal_max(*tol, num_xreal_mul_2si(num_xreal_from_d(8.0 * mm), -prec));
}

static void stop_rule_init(stop_rule *sr, deq_solve_info_t info, const deq_solve_opts *o, long m,
                           long prec)
{
    solve_tolerances(&sr->tol, &sr->floor, o, m, prec);
    sr->best = num_xreal_from_d(INFINITY);
    sr->best_iter = -1;
    sr->first = sr->prev = num_xreal_from_d(NAN);
    sr->rising = 0;
    sr->patience = o->patience > 0 ? o->patience : 10;
    sr->observe = o->observe;
    sr->observe_ctx = o->observe_ctx;
    sr->max_iter = o->max_iter;
    /* The residual exceeded the first one by 2^26 ≈ 6.7e7, the square root of
     * double's precision: far past any transient of a convergent iteration. */
    sr->growth_bits = DEQ_PREC_DOUBLE / 2;
    info->tol = num_xreal_get_d(sr->tol);
    info->tol_x = sr->tol;
    info->tol_floor = num_xreal_get_d(sr->floor);
}

/* Records iteration k (residual r, iterate scale zn) and decides. Divergence is
 * judged before stagnation: a residual that grew at every one of the last
 * `patience` iterations, to above the first one, is diverging, not stalling.
 * All comparisons are on relative or mutually scaled quantities with long
 * exponents, so they hold for data of any magnitude and any precision. */
static step_action stop_rule_step(stop_rule *sr, deq_solve_info_t info, long k, num_xreal r,
                                  num_xreal zn)
{
    deq_solve_info_push(info, num_xreal_get_d(r));
    info->iterations = k + 1;
    if (sr->observe)
        sr->observe(sr->observe_ctx, k + 1, xreal_log2(num_xreal_div(r, zn)), xreal_log2(sr->tol));
    if (!num_xreal_is_finite(r) || !num_xreal_is_finite(zn)) {
        info->outcome = DEQ_NONFINITE;
        return STEP_STOP;
    }
    num_xreal rel = num_xreal_div(r, zn);
    if (num_xreal_le(rel, sr->tol)) {
        /* the current iterate is the one to return: never restore an older one */
        sr->best = rel;
        sr->best_iter = k;
        info->outcome = DEQ_CONVERGED;
        return STEP_STOP;
    }
    if (k == 0)
        sr->first = r;
    sr->rising = k > 0 && num_xreal_gt(r, sr->prev) ? sr->rising + 1 : 0;
    sr->prev = r;
    if (num_xreal_gt(r, num_xreal_mul_2si(sr->first, sr->growth_bits))
        || (sr->rising >= sr->patience && num_xreal_gt(r, sr->first))) {
        info->outcome = DEQ_DIVERGED;
        return STEP_STOP;
    }
    if (num_xreal_lt(rel, sr->best)) {
        sr->best = rel;
        sr->best_iter = k;
        if (k + 1 >= sr->max_iter) {
            info->outcome = num_xreal_le(rel, sr->floor) ? DEQ_CONVERGED : DEQ_MAX_ITER;
            return STEP_STOP;
        }
        return STEP_NEW_BEST;
    }
    if (k - sr->best_iter >= sr->patience || k + 1 >= sr->max_iter) {
        info->outcome = num_xreal_le(sr->best, sr->floor) ? DEQ_CONVERGED
                        : k + 1 >= sr->max_iter ? DEQ_MAX_ITER
                                                : DEQ_STAGNATED;
        return STEP_STOP;
    }
    return STEP_GO_ON;
}

/* Geometric mean of successive residual ratios over the first half of the
 * iterations, where the decay (or growth) is the iteration's and not rounding
 * noise. */
static void set_observed_contraction(deq_solve_info_t info, long start)
{
    long len = info->trace_len - start;
    long half = len / 2;
    double r0 = info->trace[start], rh = half > 0 ? info->trace[start + half] : NAN;
    info->observed_contraction = half > 0 && r0 > 0 && rh > 0 ? pow(rh / r0, 1.0 / (double)half)
                                                               : NAN;
}

/* A fixed-point map as the solvers see it: the equilibrium map Φ, or the
 * adjoint map. eval writes OUT = map(Z) using H (m×n) as scratch; certify
 * fills the residual and error-bound fields of info from (z_k, map(z_k)).
 * eval_pre is eval but for a last activation when act_last: it leaves the
 * pre-activation in H, and map(Z) = σ(H) for σ = act, which Anderson takes a
 * column at a time in its per-sample loop (a pass over memory fewer); without
 * act_last it is eval. */
typedef struct {
    void (*eval)(mat_t OUT, mat_t H, const void *data, const mat_t Z, long prec);
    void (*eval_pre)(mat_t OUT, mat_t H, const void *data, const mat_t Z, long prec);
    int act_last;
    deq_act act;
    void (*certify)(deq_solve_info_t info, const mat_t Zk, const mat_t PHI, const void *data,
                    ws_t *ws, long prec);
    const void *data;
} fp_map;

/* After the loop stopped at iterate Z with PHI = map(Z): when the stop was a
 * stagnation, go back to the best iterate. Then certify and return map(z). */
static void finish(mat_t Z, mat_t PHI, mat_t H, const mat_t Zbest, int restore,
                   deq_solve_info_t info, const fp_map *map, ws_t *ws, long prec)
{
    if (restore) {
        G(mat_set)(Z, Zbest);
        map->eval(PHI, H, map->data, Z, prec);
    }
    map->certify(info, Z, PHI, map->data, ws, prec);
    G(mat_swap)(Z, PHI);
}

static int should_restore(const deq_solve_info_t info, const stop_rule *sr, long k)
{
    return (info->outcome == DEQ_CONVERGED || info->outcome == DEQ_STAGNATED
            || info->outcome == DEQ_MAX_ITER)
           && sr->best_iter >= 0 && sr->best_iter != k;
}

/* ---- Picard ---- */

static void picard_run(mat_t Z, deq_solve_info_t info, const fp_map *map,
                       const deq_solve_opts *o, long prec)
{
    long m = Z->rows, n = Z->cols;
    ws_t *ws = opts_ws(o);
    mat_t PHI_local, H_local, Zbest_local;
    mat_struct *PHI = ws_take(ws, WS_PHI, PHI_local, m, n, prec);
    mat_struct *H = ws_take(ws, WS_H, H_local, m, n, prec);
    mat_struct *Zbest = ws_take(ws, WS_ZBEST, Zbest_local, m, n, prec);
    long start = info->trace_len;
    stop_rule sr;
    stop_rule_init(&sr, info, o, m, prec);
    info->outcome = DEQ_MAX_ITER;
    long k = 0;
    for (;; k++) {
        map->eval(PHI, H, map->data, Z, prec);
        num_xreal r, zn;
        residual_norms(&r, &zn, NULL, PHI, Z, prec);
        step_action act = sr.max_iter > 0 ? stop_rule_step(&sr, info, k, r, zn) : STEP_STOP;
        if (act == STEP_STOP)
            break;
        /* z_k's buffer is free after this step: a new best keeps it as Zbest
         * (no copy), and the old Zbest's buffer takes the next map value */
        if (act == STEP_NEW_BEST)
            G(mat_swap)(Zbest, Z);
        G(mat_swap)(Z, PHI);
    }
    set_observed_contraction(info, start);
    if (info->outcome != DEQ_DIVERGED && info->outcome != DEQ_NONFINITE)
        finish(Z, PHI, H, Zbest, should_restore(info, &sr, k), info, map, ws, prec);
    ws_release(PHI, PHI_local);
    ws_release(H, H_local);
    ws_release(Zbest, Zbest_local);
}

/* ---- Anderson ---- */

/* One thread's scratch for the per-sample Anderson step: N[s-1], L[s-1] the
 * s×s normal matrix and its Cholesky factor, rhs[s-1] the right-hand side,
 * coef the 2·depth + 1 coefficients of the update. */
typedef struct {
    mat_struct *N, *L, *rhs;
    mat_t coef;
    real_t acc, tr, t;
    int depth;
    double *sc; /* double: m·(depth + 1) scaled copies of the columns (see anderson_scaled) */
    mat_t phi;  /* m×1: a column of the map's value (fp_map.act_last) */
} anderson_ws;

static void anderson_ws_init(anderson_ws *w, int depth, long m, long prec)
{
    w->depth = depth;
    G(mat_init)(w->phi, m, 1, prec);
    w->N = deq_malloc((size_t)depth * sizeof *w->N);
    w->L = deq_malloc((size_t)depth * sizeof *w->L);
    w->rhs = deq_malloc((size_t)depth * sizeof *w->rhs);
    for (int s = 0; s < depth; s++) {
        G(mat_init)(w->N + s, s + 1, s + 1, prec);
        G(mat_init)(w->L + s, s + 1, s + 1, prec);
        G(mat_init)(w->rhs + s, s + 1, 1, prec);
    }
    G(mat_init)(w->coef, 2L * depth + 1, 1, prec);
    re_init(w->acc, prec);
    re_init(w->tr, prec);
    re_init(w->t, prec);
    w->sc = NULL;
}

static void anderson_ws_clear(anderson_ws *w)
{
    for (int s = 0; s < w->depth; s++) {
        G(mat_clear)(w->N + s);
        G(mat_clear)(w->L + s);
        G(mat_clear)(w->rhs + s);
    }
    free(w->N);
    free(w->L);
    free(w->rhs);
    G(mat_clear)(w->coef);
    re_clear(w->acc);
    re_clear(w->tr);
    re_clear(w->t);
    free(w->sc);
    G(mat_clear)(w->phi);
}

/* The normal system ΔFᵀΔF γ = ΔFᵀf of a column is unchanged when ΔF and f are
 * scaled by one factor. In double its entries are squares of the data's
 * scale, which overflow or underflow for data beyond 2^±500: when the largest
 * |entry| of the column's ΔF and f is outside [2^-SC_EXP, 2^SC_EXP], the
 * columns are replaced (cf[a]) by copies scaled by a power of two, exactly.
 * In range (ordinary data) and in MPFR (whose exponent range holds any
 * square) nothing changes. */
#define ANDERSON_MAX_DEPTH 64
#define SC_EXP 400
#ifndef DEQ_MPFR
/* Returns 1 when it replaced the columns. */
static int anderson_scaled(real_srcptr *cf, anderson_ws *w, int s, long m)
{
    double mx = 0.0;
    for (int a = 0; a <= s; a++)
        for (long j = 0; j < m; j++)
            mx = fmax(mx, fabs(cf[a][j]));
    if (!(mx > 0 && isfinite(mx)) || (mx >= ldexp(1.0, -SC_EXP) && mx <= ldexp(1.0, SC_EXP)))
        return 0;
    int e = ilogb(mx);
    if (!w->sc)
        w->sc = deq_malloc((size_t)(m > 0 ? m : 1) * (size_t)(w->depth + 1) * sizeof(double));
    for (int a = 0; a <= s; a++) {
        double *c = w->sc + (size_t)a * (size_t)m;
        for (long j = 0; j < m; j++)
            c[j] = ldexp(cf[a][j], -e);
        cf[a] = c;
    }
    return 1;
}

/* Whether anderson_scaled would leave the columns as they are, read off the
 * squared norms sq[0..count) of all of them (computed in double; a scan of
 * every entry per sample and iteration cost about a tenth of the iteration's
 * product). If they are finite and their largest, S, lies in [m·2^-700,
 * 2^790], then the largest |entry| lies in [2^-351, 2^396], inside
 * [2^-SC_EXP, 2^SC_EXP]: it is at most √S and at least √(S/m), up to the
 * sums' rounding (relative γ_m, and 2^-1074 per underflowed square), far
 * inside those margins. Otherwise (rare) the scan decides. */
static int anderson_norms_in_range(const double *sq, int count, long m)
{
    double top = 0.0;
    for (int a = 0; a < count; a++) {
        if (!isfinite(sq[a]))
            return 0;
        top = sq[a] > top ? sq[a] : top;
    }
    return top >= (double)m * 0x1p-700 && top <= 0x1p790;
}
#endif

/* The normal system of columns cf[0..s) (the differences ΔF) and cf[s] (f):
 * Ns = ΔFᵀΔF, rs = ΔFᵀf, and w->tr its trace.
 *
 * The ring of differences changes in one slot per iteration, so most of ΔFᵀΔF
 * is last iteration's: nc (depth×depth, the sample's cache; NULL: none) keeps
 * the entries, and with use_cache those not involving `slot` are taken from
 * it instead of recomputed. The same function of the same columns gives the
 * same bits, so results do not change; about half the dot products go. */
static void anderson_normal_system(anderson_ws *w, mat_struct *Ns, mat_struct *rs, real_ptr ff,
                                   real_srcptr *cf, int s, long m, real_ptr nc, int slot,
                                   int use_cache, long prec)
{
    int depth = w->depth;
    real_ptr out[ANDERSON_MAX_DEPTH + 1];
    /* rs = ΔFᵀf, and f·f into ff when asked, in one pass over f */
    for (int a = 0; a < s; a++)
        out[a] = mat_entry(rs, a, 0);
    if (ff)
        out[s] = ff;
    G(vec_dots)(out, cf[s], cf, ff ? s + 1 : s, m, prec);
    /* the entries to compute: row `slot` (in one pass over its column) when
     * the rest comes from the cache, else the lower triangle (row a in one
     * pass over column a) */
    int from_cache = nc && use_cache;
    if (from_cache && slot >= 0 && slot < s) {
        for (int b = 0; b < s; b++)
            out[b] = mat_entry(Ns, slot, b);
        G(vec_dots)(out, cf[slot], cf, s, m, prec);
    } else if (!from_cache) {
        for (int a = 0; a < s; a++) {
            for (int b = 0; b <= a; b++)
                out[b] = mat_entry(Ns, a, b);
            G(vec_dots)(out, cf[a], cf, a + 1, m, prec);
        }
    }
    for (int a = 0; a < s; a++)
        for (int b = 0; b <= a; b++) {
            real_ptr cached = nc ? nc + (size_t)a + (size_t)b * (size_t)depth : NULL;
            real_ptr value;
            if (from_cache && a != slot && b != slot) {
                value = cached;
            } else {
                value = !from_cache ? mat_entry(Ns, a, b) : mat_entry(Ns, slot, a == slot ? b : a);
                if (cached)
                    re_set(cached, value);
            }
            re_set(mat_entry(Ns, a, b), value);
            re_set(mat_entry(Ns, b, a), value);
        }
    re_set_zero(w->tr);
    for (int a = 0; a < s; a++)
        re_add(w->tr, w->tr, mat_entry(Ns, a, a));
}

/* Sample i's Anderson step from its s = count differences: Znew[:,i]. */
static void anderson_column(mat_t Znew, anderson_ws *w, long i, int s, mat_struct *const *dX,
                            mat_struct *const *dF, const mat_t F, const mat_t Z, real_srcptr beta,
                            real_ptr nc, int slot, int use_cache, const deq_solve_opts *o,
                            long prec)
{
    long m = Z->rows;
    int solved = 0;
    if (s > 0) {
        mat_struct *Ns = w->N + (s - 1), *Ls = w->L + (s - 1), *rs = w->rhs + (s - 1);
        real_srcptr cf[ANDERSON_MAX_DEPTH + 1];
        for (int a = 0; a < s; a++)
            cf[a] = mat_entry(dF[a], 0, i);
        cf[s] = mat_entry(F, 0, i);
#ifndef DEQ_MPFR
        double sq[ANDERSON_MAX_DEPTH + 1]; /* the squared norms of ΔF's columns and of f */
        anderson_normal_system(w, Ns, rs, sq + s, cf, s, m, nc, slot, use_cache, prec);
        for (int a = 0; a < s; a++)
            sq[a] = mat_entry(Ns, a, a)[0];
        /* rescaled columns: every entry anew, the cache (of the columns as
         * stored) left as it is */
        if (!anderson_norms_in_range(sq, s + 1, m) && anderson_scaled(cf, w, s, m))
            anderson_normal_system(w, Ns, rs, NULL, cf, s, m, NULL, -1, 0, prec);
#else
        anderson_normal_system(w, Ns, rs, NULL, cf, s, m, nc, slot, use_cache, prec);
#endif
        if (re_sgn(w->tr) > 0) {
            re_mul_d(w->t, w->tr, o->ridge / (double)s);
            for (int a = 0; a < s; a++)
                re_add(mat_entry(Ns, a, a), mat_entry(Ns, a, a), w->t);
            if (G(num_chol)(Ls, Ns, prec) == 0) {
                G(num_chol_solve)(rs, Ls, rs, prec);
                solved = 1;
            }
        }
    }
    /* x+ = x + β f − Σ_a γ_a ΔX_a − Σ_a βγ_a ΔF_a, the terms in this order
     * per entry (the coefficient of ΔF_a is the rounded (−γ_a)·β), in one
     * pass; unsolved, the damped Picard step x + β f */
    real_srcptr terms[2 * ANDERSON_MAX_DEPTH + 1];
    real_ptr coef = mat_entry(w->coef, 0, 0);
    re_set(coef, beta);
    terms[0] = mat_entry(F, 0, i);
    for (int a = 0; solved && a < s; a++) {
        re_neg(coef + (2 * a + 1), mat_entry(w->rhs + (s - 1), a, 0));
        re_mul(coef + (2 * a + 2), coef + (2 * a + 1), beta);
        terms[2 * a + 1] = mat_entry(dX[a], 0, i);
        terms[2 * a + 2] = mat_entry(dF[a], 0, i);
    }
    G(vec_axpys)(mat_entry(Znew, 0, i), mat_entry(Z, 0, i), coef, terms, solved ? 2 * s + 1 : 1, m,
                 prec);
}

/* Whether the best iterate so far is the previous one, z_{k−1}: at iteration
 * k it is then still in Xprev, not (yet) copied into Zbest. */
static int best_is_previous(const stop_rule *sr, long k)
{
    return k > 0 && sr->best_iter == k - 1;
}

/* Anderson acceleration (Walker & Ni's form) with coefficients per sample:
 * with f_k = Φ(x_k) − x_k and the last s differences ΔX, ΔF,
 *   γ = argmin ‖f_k − ΔF γ‖² + λ‖γ‖²,   x_{k+1} = x_k + β f_k − (ΔX + β ΔF) γ.
 * λ = ridge·tr(ΔFᵀΔF)/s keeps the small normal system scale-invariant. A column
 * whose normal system is not positive definite takes the damped Picard step. */
static void anderson_run(mat_t Z, deq_solve_info_t info, const fp_map *map,
                         const deq_solve_opts *o, long prec)
{
    long m = Z->rows, n = Z->cols;
    int depth = o->depth > 0 ? (o->depth < ANDERSON_MAX_DEPTH ? o->depth : ANDERSON_MAX_DEPTH) : 1;
    DEQ_REQUIRE(o->damping > 0 && o->damping <= 1);
    ws_t *ws = opts_ws(o);
    /* the ring of differences: the workspace's slots, or dX_local/dF_local */
    mat_struct **dX = deq_malloc((size_t)depth * sizeof *dX);
    mat_struct **dF = deq_malloc((size_t)depth * sizeof *dF);
    mat_struct *dX_local = deq_malloc((size_t)depth * sizeof *dX_local);
    mat_struct *dF_local = deq_malloc((size_t)depth * sizeof *dF_local);
    for (int s = 0; s < depth; s++) {
        dX[s] = ws_take(ws, WS_DIFF + 2 * s, dX_local + s, m, n, prec);
        dF[s] = ws_take(ws, WS_DIFF + 2 * s + 1, dF_local + s, m, n, prec);
    }
    /* one workspace per thread that may run anderson_column */
    int nws = omp_get_max_threads();
    anderson_ws *tws = deq_malloc((size_t)nws * sizeof *tws);
    for (int q = 0; q < nws; q++)
        anderson_ws_init(tws + q, depth, m, prec);
    mat_t PHI_local, H_local, Zbest_local, F_local, Fprev_local, Xprev_local, Znew_local, NC_local;
    mat_struct *PHI = ws_take(ws, WS_PHI, PHI_local, m, n, prec);
    mat_struct *H = ws_take(ws, WS_H, H_local, m, n, prec);
    mat_struct *Zbest = ws_take(ws, WS_ZBEST, Zbest_local, m, n, prec);
    mat_struct *F = ws_take(ws, WS_F, F_local, m, n, prec);
    mat_struct *Fprev = ws_take(ws, WS_FPREV, Fprev_local, m, n, prec);
    mat_struct *Xprev = ws_take(ws, WS_XPREV, Xprev_local, m, n, prec);
    mat_struct *Znew = ws_take(ws, WS_ZNEW, Znew_local, m, n, prec);
    real_t beta;
    re_init(beta, prec);
    re_set_d(beta, o->damping);

    long start = info->trace_len;
    stop_rule sr;
    stop_rule_init(&sr, info, o, m, prec);
    info->outcome = DEQ_MAX_ITER;
    int count = 0, head = 0; /* ring of the last `count` differences; head = next slot */
    int prev_count = 0;      /* count at the previous iteration: its ΔFᵀΔF is cached in NC */
    /* per sample, the depth×depth ΔFᵀΔF of the last iteration */
    mat_struct *NC = ws_take(ws, WS_NC, NC_local, (long)depth * depth, n, prec);
    num_xreal *rcol = deq_malloc((size_t)(2 * n > 0 ? 2 * n : 1) * sizeof *rcol);
    long k = 0;
    for (;; k++) {
        map->eval_pre(PHI, H, map->data, Z, prec);
        int slot = k > 0 ? head : -1; /* where this iteration's differences go */
        if (k > 0) {
            head = (head + 1) % depth;
            if (count < depth)
                count++;
        }
        /* Sample i reads only column i of the differences: one task per
         * sample, each about m·(s(s+1)/2 + 4s + 3) operations for the step,
         * beside its residual's (F = map(z) − z and two norms) and its
         * activation's. The step is taken before the stopping rule has seen
         * the residuals, which it needs from every sample, while the sample's
         * columns are at hand (passes over memory fewer); when the rule
         * stops, what the step wrote (Znew, the ring's new slot, NC) goes
         * unused. It reads but does not change Z, F, Xprev and Zbest, so the
         * rule's decision and what the solve returns are as without it. */
        double act_ops = !map->act_last ? 0.0 : map->act == DEQ_ACT_RELU ? 1.0 + PAR_MOVE_OPS : 64.0;
        double ops = (double)m * (double)n
                     * (count * (count + 1) / 2.0 + 4.0 * count + 6.0 + act_ops);
        PAR_PRAGMA(omp parallel if (ops >= PAR_MIN_OPS))
        {
            anderson_ws *w = tws + omp_get_thread_num();
            PAR_PRAGMA(omp for PAR_COLS)
            for (long i = 0; i < n; i++) {
                mat_struct fv = col_view(F, i, i + 1), zv = col_view(Z, i, i + 1);
                mat_struct pv = col_view(PHI, i, i + 1);
                if (map->act_last) {
                    mat_struct hv = col_view(H, i, i + 1);
                    G(deq_act_apply)(w->phi, NULL, &hv, map->act, prec);
                    pv = w->phi[0];
                }
                residual_col(rcol + 2 * i, &fv, &pv, &zv, prec); /* F = map(z) − z */
                if (slot >= 0) {
                    G(vec_sub)(mat_entry(dX[slot], 0, i), mat_entry(Z, 0, i), mat_entry(Xprev, 0, i), m, prec);
                    G(vec_sub)(mat_entry(dF[slot], 0, i), mat_entry(F, 0, i), mat_entry(Fprev, 0, i), m, prec);
                }
                anderson_column(Znew, w, i, count, dX, dF, F, Z, beta, mat_entry(NC, 0, i), slot,
                                prev_count > 0, o, prec);
            }
#ifdef DEQ_MPFR
            if (omp_get_thread_num() != 0) /* the activation's caches (see act_apply) */
                mpfr_free_cache2(MPFR_FREE_LOCAL_CACHE);
#endif
        }
        num_xreal r, zn;
        residual_max(&r, &zn, rcol, n);
        step_action act = sr.max_iter > 0 ? stop_rule_step(&sr, info, k, r, zn) : STEP_STOP;
        if (act == STEP_STOP) {
            if (map->act_last) /* PHI = map(z_k), the same function of the same H */
                act_apply(PHI, NULL, H, map->act, prec);
            break;
        }
        /* The best iterate is kept without a copy while it is the last one
         * (then in Xprev, which this iteration's step read but did not
         * change); it is copied into Zbest only when an iteration that is no
         * better is about to recycle that buffer. A converging solve, every
         * iterate a new best, copies nothing. */
        if (act != STEP_NEW_BEST && best_is_previous(&sr, k))
            G(mat_set)(Zbest, Xprev);
        prev_count = count;
        G(mat_swap)(Xprev, Z);
        G(mat_swap)(Z, Znew);
        G(mat_swap)(Fprev, F);
    }
    free(rcol);
    set_observed_contraction(info, start);
    if (info->outcome != DEQ_DIVERGED && info->outcome != DEQ_NONFINITE)
        finish(Z, PHI, H, best_is_previous(&sr, k) ? Xprev : Zbest, should_restore(info, &sr, k),
               info, map, ws, prec);

    re_clear(beta);
    ws_release(NC, NC_local);
    for (int s = 0; s < depth; s++) {
        ws_release(dX[s], dX_local + s);
        ws_release(dF[s], dF_local + s);
    }
    free(dX);
    free(dF);
    free(dX_local);
    free(dF_local);
    for (int q = 0; q < nws; q++)
        anderson_ws_clear(tws + q);
    free(tws);
    ws_release(PHI, PHI_local);
    ws_release(H, H_local);
    ws_release(Zbest, Zbest_local);
    ws_release(F, F_local);
    ws_release(Fprev, Fprev_local);
    ws_release(Xprev, Xprev_local);
    ws_release(Znew, Znew_local);
}

/* ---- the equilibrium map ---- */

static void equilibrium_eval(mat_t OUT, mat_t H, const void *data, const mat_t Z, long prec)
{
    G(deq_phi)(OUT, H, (const fp_t *)data, Z, prec);
}

static void equilibrium_eval_pre(mat_t OUT, mat_t H, const void *data, const mat_t Z, long prec)
{
    (void)OUT;
    phi_pre(H, (const fp_t *)data, Z, prec);
}

static void equilibrium_certify(deq_solve_info_t info, const mat_t Zk, const mat_t PHI,
                                const void *data, ws_t *ws, long prec)
{
    forward_certify(info, Zk, PHI, (const fp_t *)data, ws, prec);
}

static fp_map equilibrium_map(const fp_t *fp, const mat_t Z)
{
    DEQ_REQUIRE(fp->A->rows == Z->rows && fp->A->cols == Z->rows && fp->B->rows == Z->rows
                && fp->B->cols == Z->cols);
    fp_map map = {.eval = equilibrium_eval, .eval_pre = equilibrium_eval_pre, .act_last = 1,
                  .act = fp->act, .certify = equilibrium_certify, .data = fp};
    return map;
}

void G(deq_forward_picard)(mat_t Z, deq_solve_info_t info, const fp_t *fp,
                           const deq_solve_opts *o, long prec)
{
    fp_map map = equilibrium_map(fp, Z);
    info->rho_upper = fp->rho_upper; /* known whatever the outcome */
    picard_run(Z, info, &map, o, prec);
}

void G(deq_forward_anderson)(mat_t Z, deq_solve_info_t info, const fp_t *fp,
                             const deq_solve_opts *o, long prec)
{
    fp_map map = equilibrium_map(fp, Z);
    info->rho_upper = fp->rho_upper;
    anderson_run(Z, info, &map, o, prec);
}

/* ---- the adjoint map ---- */

typedef GS(deq_adj) adj_t;

/* OUT = V + α·Aᵀ(D ⊙ W); H receives D ⊙ W. The gemm's operands are formed in
 * one pass, a column per task. */
static void adjoint_eval(mat_t OUT, mat_t H, const void *data, const mat_t W, long prec)
{
    const adj_t *adj = data;
    long m = W->rows, n = W->cols;
    PAR_PRAGMA(omp parallel for PAR_COLS if ((1.0 + 2.0 * PAR_MOVE_OPS) * (double)m * (double)n >= PAR_MIN_OPS))
    for (long i = 0; i < n; i++) {
        real_ptr h = mat_entry(H, 0, i), out = mat_entry(OUT, 0, i);
        real_srcptr d = mat_entry(adj->D, 0, i), w = mat_entry(W, 0, i);
        real_srcptr v = mat_entry(adj->V, 0, adj->V->cols == 1 ? 0 : i);
        for (long j = 0; j < m; j++) {
            re_mul(h + j, d + j, w + j);
            re_set(out + j, v + j);
        }
    }
    real_t one;
    re_init(one, prec);
    re_set_si(one, 1);
    G(mat_gemm)(OUT, adj->alpha, MAT_TRANS, adj->A, MAT_NOTRANS, H, one, prec);
    re_clear(one);
}

/* As deq_forward_certify, for the adjoint map of the stored data: per entry
 *   |computed − exact map(w_k)|_j <= γ_{m+3}(α̂·(|Aᵀ||D||w_k|)_j + |V_j|)
 * (the gemm with β = 1 over m terms, plus the rounding of D ⊙ W), and
 *   ‖ŵ − w*‖ <= (ρ̄·s + e)/(1 − ρ̄) per sample, each term at its own scale. */
static void adjoint_certify(deq_solve_info_t info, const mat_t Wk, const mat_t PHI,
                            const void *data, ws_t *ws, long prec)
{
    const adj_t *adj = data;
    long m = PHI->rows, n = PHI->cols;
    if (!certify_residuals(info, Wk, PHI, adj->rho_upper, prec))
        return;
    mat_t DW_local;
    mat_struct *DW = ws_take(ws, WS_DW, DW_local, m, n, prec);
    size_t mn = (size_t)m * (size_t)n;
    PAR_PRAGMA(omp parallel for schedule(static) if ((1.0 + PAR_MOVE_OPS) * (double)mn >= PAR_MIN_OPS))
    for (size_t q = 0; q < mn; q++) /* rounded once: |d·w| <= |fl(d·w)|/(1 − u), folded into c1 */
        re_mul(DW->e + q, adj->D->e + q, Wk->e + q);
    rterms t;
    rterms_init(&t, m, n, ws);
    int k1 = rterms_add(&t, RT_STORED), k2;
    int bad = rterms_add_abs(&t, adj->V, &k2);
    mpfr_t g;
    mpfr_init2(g, 53);
    bound_gamma_x(g, (double)m + 3, prec);
    bad |= abs_product_scaled(t.X[k1], t.E[k1], MAT_TRANS, adj->A, DW, ws);
    ws_release(DW, DW_local);
    mpfr_mul_d(t.c[k1], g, re_get_d_abs_up(adj->alpha), MPFR_RNDU);
    mpfr_set_d(g, 1.0, MPFR_RNDU);
    mpfr_set_d(t.c[k2], 1.0, MPFR_RNDU);
    mpfr_mul_2si(t.c[k2], t.c[k2], -prec, MPFR_RNDU);
    mpfr_ui_sub(t.c[k2], 1, t.c[k2], MPFR_RNDD);         /* 1 − u, down */
    mpfr_div(t.c[k1], t.c[k1], t.c[k2], MPFR_RNDU);       /* c1 = γ·|α̂|/(1 − u) */
    bound_gamma_x(t.c[k2], (double)m + 3, prec);          /* c2 = γ */
    /* in double, a product d·w that underflows errs absolutely, and reaches
     * the output through α·Aᵀ: m·|α|·max|A| per unit of it, plus the gemm's own */
    double amax = 0.0;
    size_t mm = (size_t)m * (size_t)m;
    PAR_PRAGMA(omp parallel if (PAR_MOVE_OPS * (double)mm >= PAR_MIN_OPS))
    {
        double part = 0.0;
        PAR_PRAGMA(omp for schedule(static))
        for (size_t q = 0; q < mm; q++) {
            double a = re_get_d_abs_up(adj->A->e + q);
            part = a > part ? a : part; /* fmax's value (a NaN is skipped), without its call */
        }
        PAR_PRAGMA(omp critical(deq_adjoint_amax))
        amax = part > amax ? part : amax; /* a maximum: the same in any order */
    }
    add_underflow_term(&t, bound_mul_up((double)m + 4, 1.0 + (double)m * re_get_d_abs_up(adj->alpha) * amax), 0.0);
    mpfr_clear(g);
    if (bad)
        bound_not_available(info);
    else
        certify_bound(info, &t, Wk, PHI, adj->rho_upper, prec);
    rterms_clear(&t);
}

void G(deq_adjoint_solve)(mat_t W, deq_solve_info_t info, const adj_t *adj,
                          const deq_solve_opts *o, long prec)
{
    DEQ_REQUIRE(adj->A->rows == W->rows && adj->A->cols == W->rows);
    DEQ_REQUIRE(adj->D->rows == W->rows && adj->D->cols == W->cols);
    DEQ_REQUIRE(adj->V->rows == W->rows && (adj->V->cols == 1 || adj->V->cols == W->cols));
    fp_map map = {.eval = adjoint_eval, .eval_pre = adjoint_eval, .act_last = 0,
                  .certify = adjoint_certify, .data = adj};
    info->rho_upper = adj->rho_upper;
    if (o->solver == DEQ_SOLVER_PICARD)
        picard_run(W, info, &map, o, prec);
    else
        anderson_run(W, info, &map, o, prec);
}

void G(deq_forward_solve)(mat_t Z, deq_solve_info_t info, const fp_t *fp,
                          const deq_solve_opts *o, long prec)
{
    deq_solve_opts first = *o;
#ifdef DEQ_MPFR
    num_xreal tol, floor;
    solve_tolerances(&tol, &floor, o, Z->rows, prec);
    /* Newton doubles the digits per step and one step costs about what a few
     * solver iterations do: hand over at √tol, or at 2^-40 (inside Newton's basin
     * for these contractions, three steps from 256-bit accuracy) if that is larger. */
    if (o->newton)
        first.tol = fmax(num_xreal_get_d(num_xreal_sqrt(tol)), ldexp(1.0, -40));
#endif
    if (o->solver == DEQ_SOLVER_PICARD)
        G(deq_forward_picard)(Z, info, fp, &first, prec);
    else
        G(deq_forward_anderson)(Z, info, fp, &first, prec);
#ifdef DEQ_MPFR
    if (o->newton && info->outcome != DEQ_DIVERGED && info->outcome != DEQ_NONFINITE) {
        info->tol = num_xreal_get_d(tol);
        info->tol_x = tol;
        info->tol_floor = num_xreal_get_d(floor);
        deq_forward_newton_x_mp(Z, info, fp, o, tol, floor, prec);
    }
#endif
}
