/* MPFR-backend matrix product: each entry of op(A)·op(B) is the exact dot
 * product rounded once (see num/mat_tmpl.h).
 *
 * Why integers: a dot product of k terms costs k mpfr_mul and k mpfr_add, each
 * a library call that normalizes and rounds. Scaling every row of op(A) and
 * every column of op(B) by a power of two of its own makes all its entries
 * integers, so a dot product becomes an integer dot product: no rounding until
 * the end, and the inner loop is plain word multiplies. The conversion is done
 * once per row and column, O((m + n)·k), against O(m·n·k) products.
 *
 * Representation: each integer a of a row or column (|a| < 2^(60·N − 1), N
 * chosen per row and per column) is stored offset,
 * a' = a + 2^(60·N − 1) in [0, 2^(60·N)), as N digits of 60 bits. Unsigned
 * digits let the inner loop be a multiply and a 128-bit add (no sign
 * handling), and 60-bit digits leave room to add 256 digit products in 128
 * bits before carrying into a third word. The offsets come back out exactly
 * through the row sums Σa' and column sums Σb', computed once each:
 *   Σ a·b = Σ a'·b' − O_B·Σa' − O_A·Σb' + k·O_A·O_B.
 * Digits are stored digit-major (digit i of all k entries contiguous) so that
 * one digit pair of a dot product is two streams of words.
 *
 * Rows and columns that cannot be converted (a NaN or an infinity, or an
 * exponent spread that would make the integers much wider than the working
 * precision: see width_bound) take the term-by-term loop of
 * mat_gemm_mp_naive for the entries they touch, with its classical error
 * bound instead of correct rounding; so does an entry whose row and column
 * are both converted but together too wide (pair_budget).
 *
 * Threads (OpenMP): output entries are independent; every entry is computed by
 * the same operations whatever the number of threads or the tiling, so the
 * result is bit-identical for any OMP_NUM_THREADS. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gmp.h>
#include <mpfr.h>

#include "core/status.h"
#include "num/mat.h"

typedef unsigned __int128 u128;

#define DIG 60
#define DIG_MASK ((UINT64_C(1) << DIG) - 1)
/* Digit products are < 2^120: 256 of them stay below 2^128. */
#define FLUSH 256

/* ---- the reference: term by term at the working precision ---- */

/* acc = Σ_t a[t]·b[t], each product rounded, then each sum rounded. */
static void naive_dot(mpfr_ptr acc, mpfr_ptr prod, mpfr_srcptr a, size_t sa, mpfr_srcptr b,
                      size_t sb, long k)
{
    mpfr_set_zero(acc, 1);
    for (long t = 0; t < k; t++) {
        mpfr_mul(prod, a + (size_t)t * sa, b + (size_t)t * sb, MPFR_RNDN);
        mpfr_add(acc, acc, prod, MPFR_RNDN);
    }
}

/* c = alpha·acc + beta·c, as both kernels finish an entry. */
static void finish_entry(mpfr_ptr c, mpfr_srcptr acc, mpfr_srcptr alpha, mpfr_srcptr beta,
                         int beta_zero)
{
    if (beta_zero)
        mpfr_mul(c, acc, alpha, MPFR_RNDN);
    else {
        mpfr_mul(c, c, beta, MPFR_RNDN);
        mpfr_fma(c, acc, alpha, c, MPFR_RNDN);
    }
}

/* Shapes and the strides that reach entry t of row i of op(A) (a_base(i) +
 * t·a_step) and of column j of op(B) (b_base(j) + t·b_step). */
typedef struct {
    long m, n, k;
    mpfr_srcptr A, B;
    size_t a_row, a_step; /* row i of op(A) starts at A + i·a_row */
    size_t b_col, b_step; /* column j of op(B) starts at B + j·b_col */
} shape;

static int shape_of(shape *s, const mat_mp_t C, mat_op opA, const mat_mp_t A, mat_op opB,
                    const mat_mp_t B)
{
    s->m = opA == MAT_NOTRANS ? A->rows : A->cols;
    s->k = opA == MAT_NOTRANS ? A->cols : A->rows;
    long kb = opB == MAT_NOTRANS ? B->rows : B->cols;
    s->n = opB == MAT_NOTRANS ? B->cols : B->rows;
    DEQ_REQUIRE(s->k == kb && C->rows == s->m && C->cols == s->n);
    DEQ_REQUIRE(C->e != A->e && C->e != B->e);
    s->A = A->e;
    s->B = B->e;
    s->a_row = opA == MAT_NOTRANS ? 1 : (size_t)A->rows;
    s->a_step = opA == MAT_NOTRANS ? (size_t)A->rows : 1;
    s->b_col = opB == MAT_NOTRANS ? (size_t)B->rows : 1;
    s->b_step = opB == MAT_NOTRANS ? 1 : (size_t)B->rows;
    return s->m > 0 && s->n > 0;
}

void mat_gemm_mp_naive(mat_mp_t C, mpfr_srcptr alpha, mat_op opA, const mat_mp_t A, mat_op opB,
                       const mat_mp_t B, mpfr_srcptr beta, long prec)
{
    shape s;
    if (!shape_of(&s, C, opA, A, opB, B))
        return;
    mpfr_t acc, prod;
    mpfr_init2(acc, (mpfr_prec_t)prec);
    mpfr_init2(prod, (mpfr_prec_t)prec);
    int beta_zero = mpfr_zero_p(beta);
    for (long j = 0; j < s.n; j++)
        for (long i = 0; i < s.m; i++) {
            naive_dot(acc, prod, s.A + (size_t)i * s.a_row, s.a_step, s.B + (size_t)j * s.b_col,
                      s.b_step, s.k);
            finish_entry(C->e + i + (size_t)j * C->rows, acc, alpha, beta, beta_zero);
        }
    mpfr_clear(acc);
    mpfr_clear(prod);
}

/* ---- multi-limb helpers ---- */

/* out (W limbs) = Σ_d (hi[d]·2^128 + lo[d])·2^(60·d) mod 2^(64·W) (hi NULL: 0). */
static void bins_to_limbs(mp_limb_t *out, long W, const u128 *lo, const uint64_t *hi, long nbins)
{
    memset(out, 0, (size_t)W * sizeof *out);
    u128 c = 0;   /* carry, low 128 bits */
    uint64_t ch = 0; /* and its bits 128..191 */
    for (long d = 0; d < nbins + 4; d++) {
        if (d < nbins) {
            c += lo[d];
            ch += (c < lo[d]) + (hi ? hi[d] : 0);
        }
        uint64_t dg = (uint64_t)c & DIG_MASK;
        c = (c >> DIG) | ((u128)ch << (128 - DIG));
        ch >>= DIG;
        long b = DIG * d, q = b / GMP_NUMB_BITS, r = b % GMP_NUMB_BITS;
        if (q < W)
            out[q] |= (mp_limb_t)(dg << r);
        if (r > GMP_NUMB_BITS - DIG && q + 1 < W)
            out[q + 1] |= (mp_limb_t)(dg >> (GMP_NUMB_BITS - r));
    }
}

/* T = x·2^shift mod 2^(64·W), x of xn limbs, shift >= 0. */
static void limbs_shifted(mp_limb_t *T, long W, const mp_limb_t *x, long xn, long shift)
{
    long q = shift / GMP_NUMB_BITS, r = shift % GMP_NUMB_BITS;
    memset(T, 0, (size_t)W * sizeof *T);
    if (q >= W)
        return;
    long nx = xn < W - q ? xn : W - q;
    if (r) {
        mp_limb_t cy = mpn_lshift(T + q, x, nx, (unsigned)r);
        if (q + nx < W)
            T[q + nx] = cy;
    } else
        memcpy(T + q, x, (size_t)nx * sizeof *T);
}

/* ---- conversion of rows and columns to integers ---- */

/* One row of op(A) or column of op(B): its entries are v_t = a_t·2^low with
 * integers |a_t| < 2^width, stored as N digits each. */
typedef struct {
    int exact;      /* converted (else: the naive loop for its entries) */
    int any, bad;   /* while scanning: a nonzero entry seen; a NaN or infinity seen */
    mpfr_exp_t top; /* while scanning: largest exponent */
    mpfr_exp_t low; /* weight of the integers' unit bit */
    long width;     /* bits of the largest |a_t|; 0 when every entry is zero */
    long N;         /* digits per integer */
    uint64_t *dig;  /* digit i of entry t: dig[i·k + t] */
    mp_limb_t *sum; /* Σ_t a'_t, sum_limbs(N) limbs */
} vec_info;

/* The width bound b (bits) of a row or column: its entries' precision plus
 * the working precision P (at least two limbs), i.e. entries spanning 2^P in
 * magnitude beyond their own precision. The integer path costs
 * ⌈w_A/60⌉·⌈w_B/60⌉ word products per term, the naive loop an mpfr_mul and
 * an mpfr_add (a call's fixed cost plus about (P/64)² limb products).
 * Measured against the naive loop (24×64 by 64×24, one thread): 3.5×
 * (P = 256) to 12× (P = 53) faster at narrow spreads; with both sides at b,
 * 1.2× faster (P = 256), 1.9× slower (P = 512), 3× slower (P = 1024). That
 * cost is the most an entry may take (pair_budget); a vector up to 2b wide is
 * converted, for entries whose other side is narrow enough. */
static long width_bound(long prec, long operand_prec)
{
    return operand_prec + (prec > 2 * GMP_NUMB_BITS ? prec : 2 * GMP_NUMB_BITS);
}

/* x = ±D·2^(e − 64·nl): D its nl-limb significand (most significant bit set). */
static inline long sig_limbs(mpfr_srcptr x)
{
    return (long)((mpfr_get_prec(x) + GMP_NUMB_BITS - 1) / GMP_NUMB_BITS);
}

static inline void scan_entry(vec_info *vi, mpfr_srcptr x)
{
    if (!mpfr_regular_p(x)) {
        vi->bad |= !mpfr_zero_p(x);
        return;
    }
    const mp_limb_t *d = mpfr_custom_get_significand(x);
    long q = 0;
    while (d[q] == 0) /* D's zero low bits do not widen the integers */
        q++;
    mpfr_exp_t e = mpfr_get_exp(x);
    mpfr_exp_t lowbit = e - (mpfr_exp_t)GMP_NUMB_BITS * (sig_limbs(x) - q)
                        + (mpfr_exp_t)__builtin_ctzll((unsigned long long)d[q]);
    vi->top = !vi->any || e > vi->top ? e : vi->top;
    vi->low = !vi->any || lowbit < vi->low ? lowbit : vi->low;
    vi->any = 1;
}

/* Digits of a vector of width w: N with |a| < 2^(60·N − 1). */
static long digits_for(long width)
{
    return (width + 1 + DIG - 1) / DIG;
}

/* What an entry's dot product may cost on the integer path, in digit
 * products per term: that of two vectors at their width bounds, the widest
 * pair width_bound's measurements admit. One side may then be wider when the
 * other is narrower: a vector up to twice its bound is converted, and an entry
 * whose digit counts multiply to more than the budget takes the naive loop.
 * The lopsided pairs matter: an Anderson or Newton iterate in MPFR has entries
 * that tend to zero (relu's inactive units), tiny but with full significands,
 * which spread its column to about 2–3 times the precision while the rows of
 * the weights stay within theirs. */
static long pair_budget(long bound_a, long bound_b)
{
    return digits_for(bound_a) * digits_for(bound_b);
}

/* Limbs holding Σ_t a'_t < k·2^(60·N) (k < 2^64). */
static long sum_limbs(long N) { return (DIG * N + GMP_NUMB_BITS) / GMP_NUMB_BITS + 1; }

/* Bits [s, s + 60) of the nl-limb integer D, reading bits outside D as 0. */
static inline uint64_t bits60(const mp_limb_t *d, long nl, long s)
{
    if (s <= -DIG || s >= GMP_NUMB_BITS * nl)
        return 0;
    if (s < 0)
        return (uint64_t)(d[0] << -s) & DIG_MASK;
    long q = s / GMP_NUMB_BITS, r = s % GMP_NUMB_BITS;
    uint64_t v = (uint64_t)(d[q] >> r);
    if (r > GMP_NUMB_BITS - DIG && q + 1 < nl)
        v |= (uint64_t)(d[q + 1] << (GMP_NUMB_BITS - r));
    return v & DIG_MASK;
}

/* Significands of up to this many limbs take the branch-free digit reader. */
#define PAD_LIMBS 16

/* o[i·k] = digit i of a' = x·2^(−low) + 2^(60·N − 1), i < N; sum[i] += it. */
static inline __attribute__((always_inline)) void pack_entry(uint64_t *o, u128 *sum,
                                                             mpfr_srcptr x, mpfr_exp_t low,
                                                             long N, long k)
{
    const uint64_t half = UINT64_C(1) << (DIG - 1);
    if (mpfr_zero_p(x)) {
        for (long i = 0; i < N - 1; i++)
            o[(size_t)i * (size_t)k] = 0;
        o[(size_t)(N - 1) * (size_t)k] = half;
        sum[N - 1] += half;
        return;
    }
    const mp_limb_t *d = mpfr_custom_get_significand(x);
    long nl = sig_limbs(x);
    /* |a| = D·2^pos; pos < 0 only when D's low bits are zeros */
    long pos = (long)(mpfr_get_exp(x) - (mpfr_exp_t)GMP_NUMB_BITS * nl - low);
    /* a' = (±|a| mod 2^(60N)) + 2^(60N−1) mod 2^(60N), without a branch on
     * the sign (random signs would mispredict): −|a| = complement + 1 */
    uint64_t flip = mpfr_signbit(x) ? DIG_MASK : 0, carry = flip & 1;
    mp_limb_t buf[PAD_LIMBS + 4];
    int padded = nl <= PAD_LIMBS;
    if (padded) {
        /* D between two zero limbs on each side: a digit is then two limbs
         * read at a clamped index, with no branch on where it falls (which
         * changes with every entry's exponent, and mispredicted) */
        buf[0] = buf[1] = 0;
        for (long q = 0; q < nl; q++)
            buf[q + 2] = d[q];
        buf[nl + 2] = buf[nl + 3] = 0;
    }
    for (long i = 0; i < N; i++) {
        uint64_t v;
        if (padded) {
            long sb = DIG * i - pos + 2 * GMP_NUMB_BITS; /* bit index into buf */
            sb = sb < 0 ? 0 : sb;  /* below D: the two zero limbs at the bottom */
            long q = sb / GMP_NUMB_BITS;
            unsigned r = (unsigned)(sb % GMP_NUMB_BITS);
            q = q > nl + 2 ? nl + 2 : q; /* above D: the two at the top */
            v = (uint64_t)((buf[q] >> r) | ((buf[q + 1] << 1) << (63 - r))) & DIG_MASK;
        } else
            v = bits60(d, nl, DIG * i - pos);
        uint64_t dg = (v ^ flip) + carry;
        carry = dg >> DIG;
        dg &= DIG_MASK;
        if (i == N - 1)
            dg = (dg + half) & DIG_MASK;
        o[(size_t)i * (size_t)k] = dg;
        sum[i] += dg;
    }
}

/* Vectors are converted in bands, each band read in the order of memory
 * (an mpfr_t's limbs live apart from it: reading entries in the order they
 * were allocated lets the hardware prefetch them, where a row of a
 * column-major matrix read along the row missed the cache at every entry),
 * scanned and then packed while it is still in cache. */
#define BAND 32

/* The rows of op(A) or the columns of op(B): vector v's entry t is
 * base[v·vstride + t·estride]. Either estride or vstride is 1. */
typedef struct {
    mpfr_srcptr base;
    size_t vstride, estride;
    long count, k;
    vec_info *info;
    void **block; /* per band: the band's digits and sums, one allocation */
    long bands;
} side;

static void side_init(side *sd, mpfr_srcptr base, size_t vstride, size_t estride, long count,
                      long k)
{
    sd->base = base, sd->vstride = vstride, sd->estride = estride;
    sd->count = count, sd->k = k;
    sd->bands = (count + BAND - 1) / BAND;
    sd->info = deq_malloc((size_t)(count > 0 ? count : 1) * sizeof *sd->info);
    sd->block = deq_malloc((size_t)(sd->bands > 0 ? sd->bands : 1) * sizeof *sd->block);
    for (long q = 0; q < sd->bands; q++)
        sd->block[q] = NULL;
}

static void side_clear(side *sd)
{
    for (long q = 0; q < sd->bands; q++)
        free(sd->block[q]);
    free(sd->block);
    free(sd->info);
}

static void scan_band(side *sd, long v0, long v1, long bound)
{
    for (long v = v0; v < v1; v++)
        sd->info[v].any = sd->info[v].bad = 0;
    if (sd->estride == 1) {
        for (long v = v0; v < v1; v++)
            for (long t = 0; t < sd->k; t++)
                scan_entry(sd->info + v, sd->base + (size_t)v * sd->vstride + (size_t)t);
    } else {
        for (long t = 0; t < sd->k; t++)
            for (long v = v0; v < v1; v++)
                scan_entry(sd->info + v, sd->base + (size_t)v + (size_t)t * sd->estride);
    }
    for (long v = v0; v < v1; v++) {
        vec_info *vi = sd->info + v;
        /* the spread in double first: exponents near MPFR's extreme range
         * would overflow a long difference */
        vi->exact = !vi->bad && (!vi->any || (double)vi->top - (double)vi->low <= (double)bound);
        vi->width = vi->any && vi->exact ? (long)(vi->top - vi->low) : 0;
        vi->low = vi->any ? vi->low : 0;
        vi->N = vi->exact ? digits_for(vi->width) : 0;
    }
}

/* Converts band b (vectors [v0, v1)): scan, then digits and digit sums into
 * one allocation for the band. Returns the band's largest digit count. */
static long convert_band(side *sd, long b, long bound)
{
    long v0 = b * BAND, v1 = v0 + BAND < sd->count ? v0 + BAND : sd->count;
    long k = sd->k;
    size_t kk = (size_t)(k > 0 ? k : 1);
    scan_band(sd, v0, v1, bound);
    size_t words = 0;
    long nmax = 0;
    for (long v = v0; v < v1; v++) {
        long N = sd->info[v].N;
        if (N > 0)
            words += (size_t)N * kk + (size_t)sum_limbs(N);
        nmax = N > nmax ? N : nmax;
    }
    uint64_t *p = sd->block[b] = words ? deq_malloc(words * sizeof(uint64_t)) : NULL;
    for (long v = v0; v < v1; v++) {
        vec_info *vi = sd->info + v;
        if (vi->N == 0)
            continue;
        vi->dig = p;
        p += (size_t)vi->N * kk;
        vi->sum = (mp_limb_t *)p;
        p += sum_limbs(vi->N);
    }
    /* Σ_t digit i of vector v: digsum[(v − v0)·nmax + i] (each < k·2^60) */
    u128 *digsum = deq_malloc((size_t)(v1 - v0) * (size_t)(nmax > 0 ? nmax : 1) * sizeof *digsum);
    for (long q = 0; q < (v1 - v0) * nmax; q++)
        digsum[q] = 0;
    if (sd->estride == 1) {
        for (long v = v0; v < v1; v++)
            if (sd->info[v].exact)
                for (long t = 0; t < k; t++)
                    pack_entry(sd->info[v].dig + t, digsum + (v - v0) * nmax,
                               sd->base + (size_t)v * sd->vstride + (size_t)t, sd->info[v].low,
                               sd->info[v].N, k);
    } else {
        for (long t = 0; t < k; t++)
            for (long v = v0; v < v1; v++)
                if (sd->info[v].exact)
                    pack_entry(sd->info[v].dig + t, digsum + (v - v0) * nmax,
                               sd->base + (size_t)v + (size_t)t * sd->estride, sd->info[v].low,
                               sd->info[v].N, k);
    }
    for (long v = v0; v < v1; v++)
        if (sd->info[v].exact)
            bins_to_limbs(sd->info[v].sum, sum_limbs(sd->info[v].N), digsum + (v - v0) * nmax, NULL,
                          sd->info[v].N);
    free(digsum);
    return nmax;
}

/* ---- the integer dot products ---- */

/* Digit-pair dot products over len terms, added into the 192-bit bins
 * (lo, hi) of the pair's weight: an (ni × nj) block of digit pairs, ni, nj in
 * {1, 2}, so that each loaded word serves two products. */
static inline void bin_add(u128 *lo, uint64_t *hi, long d, u128 s)
{
    lo[d] += s;
    hi[d] += lo[d] < s;
}

/* noinline: each kernel gets the registers to itself (inlined into the
 * caller, its accumulators were spilled to the stack) */
__attribute__((noinline)) static void dot22(u128 *lo, uint64_t *hi, long d, const uint64_t *a0,
                                            const uint64_t *a1, const uint64_t *b0,
                                            const uint64_t *b1, long len)
{
    u128 s00 = 0, s01 = 0, s10 = 0, s11 = 0;
    for (long t = 0; t < len; t++) {
        uint64_t x0 = a0[t], x1 = a1[t], y0 = b0[t], y1 = b1[t];
        s00 += (u128)x0 * y0;
        s01 += (u128)x0 * y1;
        s10 += (u128)x1 * y0;
        s11 += (u128)x1 * y1;
    }
    bin_add(lo, hi, d, s00);
    bin_add(lo, hi, d + 1, s01);
    bin_add(lo, hi, d + 1, s10);
    bin_add(lo, hi, d + 2, s11);
}

__attribute__((noinline)) static void dot21(u128 *lo, uint64_t *hi, long d, const uint64_t *a0,
                                            const uint64_t *a1, const uint64_t *b0, long len)
{
    u128 s0 = 0, s1 = 0;
    for (long t = 0; t < len; t++) {
        uint64_t y0 = b0[t];
        s0 += (u128)a0[t] * y0;
        s1 += (u128)a1[t] * y0;
    }
    bin_add(lo, hi, d, s0);
    bin_add(lo, hi, d + 1, s1);
}

__attribute__((noinline)) static void dot11(u128 *lo, uint64_t *hi, long d, const uint64_t *a0,
                                            const uint64_t *b0, long len)
{
    u128 s0 = 0, s1 = 0;
    long t = 0;
    for (; t + 1 < len; t += 2) { /* two chains: the adds do not wait on each other */
        s0 += (u128)a0[t] * b0[t];
        s1 += (u128)a0[t + 1] * b0[t + 1];
    }
    if (t < len)
        s0 += (u128)a0[t] * b0[t];
    bin_add(lo, hi, d, s0);
    bin_add(lo, hi, d, s1);
}

/* Σ_t a'_t·b'_t into bins (NA + NB − 1 of them, zeroed here). */
static void int_dot(u128 *lo, uint64_t *hi, const uint64_t *a, long NA, const uint64_t *b, long NB,
                    long k)
{
    long nbins = NA + NB - 1;
    memset(lo, 0, (size_t)nbins * sizeof *lo);
    memset(hi, 0, (size_t)nbins * sizeof *hi);
    for (long t0 = 0; t0 < k; t0 += FLUSH) {
        long len = k - t0 < FLUSH ? k - t0 : FLUSH;
        for (long i = 0; i < NA; i += 2) {
            const uint64_t *a0 = a + (size_t)i * k + t0, *a1 = a0 + k;
            for (long j = 0; j < NB; j += 2) {
                const uint64_t *b0 = b + (size_t)j * k + t0, *b1 = b0 + k;
                int two_i = i + 1 < NA, two_j = j + 1 < NB;
                if (two_i && two_j)
                    dot22(lo, hi, i + j, a0, a1, b0, b1, len);
                else if (two_i)
                    dot21(lo, hi, i + j, a0, a1, b0, len);
                else if (two_j)
                    dot21(lo, hi, i + j, b0, b1, a0, len);
                else
                    dot11(lo, hi, i + j, a0, b0, len);
            }
        }
    }
}

/* ---- the product ---- */

/* Cache tiles: a tile's rows of op(A) digits stay in L2 while one column's
 * digits, reused by all of them, stay in L1. */
#define TILE_BYTES (256 * 1024)
#define TILE_COLS 8

/* One thread's scratch for finishing entries (sized for the widest pair). */
typedef struct {
    mpfr_t acc, prod;
    u128 *lo;
    uint64_t *hi;
    mp_limb_t *S, *T;
} scratch;

static void scratch_init(scratch *w, long na, long nb, long prec)
{
    long wmax = (DIG * (na + nb) + 2 * GMP_NUMB_BITS) / GMP_NUMB_BITS;
    mpfr_init2(w->acc, (mpfr_prec_t)prec);
    mpfr_init2(w->prod, (mpfr_prec_t)prec);
    w->lo = deq_malloc((size_t)(na + nb) * sizeof *w->lo);
    w->hi = deq_malloc((size_t)(na + nb) * sizeof *w->hi);
    w->S = deq_malloc((size_t)wmax * sizeof *w->S);
    w->T = deq_malloc((size_t)wmax * sizeof *w->T);
}

static void scratch_clear(scratch *w)
{
    mpfr_clear(w->acc);
    mpfr_clear(w->prod);
    free(w->lo);
    free(w->hi);
    free(w->S);
    free(w->T);
}

static void compute_entry(mpfr_ptr c, scratch *w, const side *a, const side *b, long i, long j,
                          long budget, mpfr_srcptr alpha, mpfr_srcptr beta, int beta_zero)
{
    const vec_info *ai = a->info + i, *bj = b->info + j;
    long k = a->k;
    if (!ai->exact || !bj->exact || ai->N * bj->N > budget) {
        naive_dot(w->acc, w->prod, a->base + (size_t)i * a->vstride, a->estride,
                  b->base + (size_t)j * b->vstride, b->estride, k);
    } else {
        long NA = ai->N, NB = bj->N;
        /* Σa'b' < k·2^(60(NA+NB)) and |Σab| < k·2^(60(NA+NB) − 2): W limbs hold both */
        long W = (DIG * (NA + NB) + 2 * GMP_NUMB_BITS) / GMP_NUMB_BITS;
        int_dot(w->lo, w->hi, ai->dig, NA, bj->dig, NB, k);
        bins_to_limbs(w->S, W, w->lo, w->hi, NA + NB - 1);
        /* Σab = Σa'b' − O_B·Σa' − O_A·Σb' + k·O_A·O_B, O_A = 2^(60·NA − 1),
         * all mod 2^(64·W) */
        limbs_shifted(w->T, W, ai->sum, sum_limbs(NA), DIG * NB - 1);
        mpn_sub_n(w->S, w->S, w->T, W);
        limbs_shifted(w->T, W, bj->sum, sum_limbs(NB), DIG * NA - 1);
        mpn_sub_n(w->S, w->S, w->T, W);
        mp_limb_t kl = (mp_limb_t)k;
        limbs_shifted(w->T, W, &kl, 1, DIG * (NA + NB) - 2);
        mpn_add_n(w->S, w->S, w->T, W);
        int neg = (w->S[W - 1] >> (GMP_NUMB_BITS - 1)) != 0;
        if (neg)
            mpn_neg(w->S, w->S, W);
        long sz = W;
        while (sz > 0 && w->S[sz - 1] == 0)
            sz--;
        if (sz == 0)
            mpfr_set_zero(w->acc, 1); /* an exact zero sum is +0, as in the naive loop */
        else {
            mpz_t zt;
            mpz_srcptr z = mpz_roinit_n(zt, w->S, neg ? -sz : sz);
            mpfr_set_z_2exp(w->acc, z, ai->low + bj->low, MPFR_RNDN);
        }
    }
    finish_entry(c, w->acc, alpha, beta, beta_zero);
}

/* Work below which the product stays on one thread, in digit products
 * (about 0.4 ns each), with a conversion counted as 75: about 3 ms. The end
 * of a parallel region waits for every thread, and on a machine whose cores
 * are busy a descheduled thread costs a scheduler time slice (milliseconds)
 * there; a 256×256 gemv at 256 bits (a Newton refinement step) stays on one
 * thread, a 128×128×128 product does not. */
#define PAR_MIN_WORK 8388608.0

void mat_gemm_mp(mat_mp_t C, mpfr_srcptr alpha, mat_op opA, const mat_mp_t A, mat_op opB,
                 const mat_mp_t B, mpfr_srcptr beta, long prec)
{
    shape s;
    if (!shape_of(&s, C, opA, A, opB, B))
        return;
    long m = s.m, n = s.n, k = s.k;
    /* digits estimated from the precisions (zero low bits, known only after
     * the conversion, can only lower the count) */
    double work = (double)m * (double)n * (double)k * (double)digits_for(A->prec + 2)
                      * (double)digits_for(B->prec + 2)
                  + 75.0 * (double)(m + n) * (double)k;
    int par = work >= PAR_MIN_WORK;
    (void)par;
    int beta_zero = mpfr_zero_p(beta);
    side a, b;
    side_init(&a, s.A, s.a_row, s.a_step, m, k);
    side_init(&b, s.B, s.b_col, s.b_step, n, k);
    long bound_a = width_bound(prec, A->prec), bound_b = width_bound(prec, B->prec);
    long budget = pair_budget(bound_a, bound_b);
    long na = 1, nb = 1;

#pragma omp parallel if (par)
    {
#pragma omp for schedule(dynamic) reduction(max : na) nowait
        for (long q = 0; q < a.bands; q++) {
            long t = convert_band(&a, q, 2 * bound_a);
            na = t > na ? t : na;
        }
#pragma omp for schedule(dynamic) reduction(max : nb)
        for (long q = 0; q < b.bands; q++) {
            long t = convert_band(&b, q, 2 * bound_b);
            nb = t > nb ? t : nb;
        }
        /* after the barrier: every vector converted, na and nb final */
        scratch w;
        scratch_init(&w, na, nb, prec);
        size_t kk = (size_t)(k > 0 ? k : 1);
        long rows_per_tile = TILE_BYTES / (long)((size_t)na * kk * sizeof(uint64_t));
        if (rows_per_tile < 1)
            rows_per_tile = 1;
        long tiles_m = (m + rows_per_tile - 1) / rows_per_tile;
        long tiles_n = (n + TILE_COLS - 1) / TILE_COLS;
#pragma omp for schedule(dynamic) collapse(2) nowait
        for (long tj = 0; tj < tiles_n; tj++)
            for (long ti = 0; ti < tiles_m; ti++) {
                long j1 = (tj + 1) * TILE_COLS < n ? (tj + 1) * TILE_COLS : n;
                long i1 = (ti + 1) * rows_per_tile < m ? (ti + 1) * rows_per_tile : m;
                for (long j = tj * TILE_COLS; j < j1; j++)
                    for (long i = ti * rows_per_tile; i < i1; i++)
                        compute_entry(C->e + i + (size_t)j * C->rows, &w, &a, &b, i, j, budget,
                                      alpha, beta, beta_zero);
            }
        scratch_clear(&w);
    }
    side_clear(&a);
    side_clear(&b);
}

/* ---- a left operand converted once ---- */

typedef struct {
    side a;
    long na;      /* the widest row's digit count */
    long bound_a; /* width_bound of A at the working precision */
} lhs_conv;

void mat_mp_lhs_init(mat_mp_lhs_t L, mat_op opA, const mat_mp_t A, long prec)
{
    long m = opA == MAT_NOTRANS ? A->rows : A->cols, k = opA == MAT_NOTRANS ? A->cols : A->rows;
    lhs_conv *c = deq_malloc(sizeof *c);
    side_init(&c->a, A->e, opA == MAT_NOTRANS ? 1 : (size_t)A->rows,
              opA == MAT_NOTRANS ? (size_t)A->rows : 1, m, k);
    c->bound_a = width_bound(prec, A->prec);
    long na = 1;
    int par = 75.0 * (double)m * (double)k >= PAR_MIN_WORK;
    (void)par;
#pragma omp parallel for schedule(dynamic) reduction(max : na) if (par)
    for (long q = 0; q < c->a.bands; q++) {
        long t = convert_band(&c->a, q, 2 * c->bound_a);
        na = t > na ? t : na;
    }
    c->na = na;
    L->conv = c;
    L->A = A->e;
    L->rows = m, L->k = k, L->prec = prec;
}

void mat_mp_lhs_clear(mat_mp_lhs_t L)
{
    lhs_conv *c = L->conv;
    side_clear(&c->a);
    free(c);
    L->conv = NULL;
}

void mat_gemv_mp_lhs(mat_mp_t y, mpfr_srcptr alpha, const mat_mp_lhs_t L, const mat_mp_t x,
                     mpfr_srcptr beta, long prec)
{
    const lhs_conv *c = L->conv;
    DEQ_REQUIRE(prec == L->prec && x->cols == 1 && y->cols == 1 && x->rows == L->k
                && y->rows == L->rows);
    DEQ_REQUIRE(y->e != x->e && y->e != L->A);
    if (L->rows == 0)
        return;
    side b;
    side_init(&b, x->e, (size_t)x->rows, 1, 1, L->k);
    long bound_b = width_bound(prec, x->prec);
    long nb = convert_band(&b, 0, 2 * bound_b);
    nb = nb > 1 ? nb : 1;
    long budget = pair_budget(c->bound_a, bound_b);
    int beta_zero = mpfr_zero_p(beta);
    scratch w;
    scratch_init(&w, c->na, nb, prec);
    for (long i = 0; i < L->rows; i++)
        compute_entry(y->e + i, &w, &c->a, &b, i, 0, budget, alpha, beta, beta_zero);
    scratch_clear(&w);
    side_clear(&b);
}
