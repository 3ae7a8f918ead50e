/* Tests of the certificates' pieces (src/deq/forward.c) against an independent
 * route: the bound on |op(A)|·|Z| that every rounding term of the equilibrium
 * and adjoint certificates rests on, checked against the exact product
 * computed in MPFR (each product of two doubles exact at 128 bits, the k of
 * them summed by mpfr_sum, correctly rounded upward). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/rng.h"
#include "deq/forward_internal.h"
#include "testutil.h"

/* The float just below or at x (x in [0.5, 1)): x with its low 29 bits cleared. */
static double float_grid_down(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    b &= ~(((uint64_t)1 << 29) - 1);
    memcpy(&x, &b, sizeof x);
    return x;
}

/* One entry of the adversarial data, relative to its column's (or matrix's)
 * largest magnitude 1, times the column's power of two: exact floats (the
 * single-precision sum's own rounding decides), floats plus a little less than
 * half a float ulp (rounded to nearest they would go down, by up to 2^-24
 * relative), floats plus one double ulp, and tiny values from 2^-100 down to
 * 2^-160 (below float's range: rounded to nearest they would vanish). */
static double adversarial(deq_rng_t rng, int pattern)
{
    double f = float_grid_down(0.5 + 0.5 * deq_rng_uniform(rng));
    double s = deq_rng_rademacher(rng);
    switch (pattern % 4) {
    case 0:
        return s * f;
    case 1:
        return s * (f + 0x1p-25 * (1.0 - 0x1p-20 * (1.0 + deq_rng_uniform(rng))));
    case 2:
        return s * nextafter(f, 2.0);
    default:
        return s * ldexp(f, -100 - (int)(61 * deq_rng_uniform(rng)));
    }
}

typedef struct {
    long rows, k, n; /* op(A) rows×k, Z k×n */
    mat_op opA;
} prod_case;

/* Fills A (stored for opA) and Z; column i of Z has scale 2^s_i, s_i in
 * [-300, 300]; column 0 is zero, column 1 holds only tiny entries but one,
 * row 0 of op(A) only tiny entries; the others mix every pattern. */
static void fill_case(mat_d_t A, mat_d_t Z, const prod_case *c, deq_rng_t rng)
{
    for (long j = 0; j < c->rows; j++)
        for (long l = 0; l < c->k; l++) {
            int pattern = j == 0 ? 3 : (int)(4 * deq_rng_uniform(rng));
            double v = ldexp(adversarial(rng, pattern), 7);
            if (c->opA == MAT_NOTRANS)
                A->e[j + (size_t)l * (size_t)A->rows] = v;
            else
                A->e[l + (size_t)j * (size_t)A->rows] = v;
        }
    if (c->opA == MAT_NOTRANS) /* the matrix's largest magnitude, once: 2^7 */
        A->e[A->rows > 1 ? 1 : 0] = 0x1p7;
    else
        A->e[A->rows > 1 ? A->rows : 0] = 0x1p7;
    for (long i = 0; i < c->n; i++) {
        int scale = (int)(601 * deq_rng_uniform(rng)) - 300;
        for (long l = 0; l < c->k; l++) {
            int pattern = i == 1 ? 3 : (int)(4 * deq_rng_uniform(rng));
            Z->e[l + (size_t)i * (size_t)c->k] = i == 0 ? 0.0 : ldexp(adversarial(rng, pattern), scale);
        }
        if (i > 0)
            Z->e[(size_t)i * (size_t)c->k] = ldexp(1.0, scale);
    }
}

/* (|op(A)|·|Z|)[j,i] rounded up, exactly from the entries. */
static void exact_abs_product_up(mpfr_t r, const mat_d_t A, const mat_d_t Z, const prod_case *c, long j,
                                 long i)
{
    mpfr_t *t = malloc((size_t)c->k * sizeof *t);
    mpfr_ptr *tp = malloc((size_t)c->k * sizeof *tp);
    for (long l = 0; l < c->k; l++) {
        double a = c->opA == MAT_NOTRANS ? A->e[j + (size_t)l * (size_t)A->rows]
                                         : A->e[l + (size_t)j * (size_t)A->rows];
        mpfr_init2(t[l], 128);
        mpfr_set_d(t[l], fabs(a), MPFR_RNDN);
        mpfr_mul_d(t[l], t[l], fabs(Z->e[l + (size_t)i * (size_t)c->k]), MPFR_RNDN); /* exact */
        tp[l] = t[l];
    }
    mpfr_sum(r, tp, (unsigned long)c->k, MPFR_RNDU);
    for (long l = 0; l < c->k; l++)
        mpfr_clear(t[l]);
    free(t);
    free(tp);
}

Test(certificate, abs_product_bound_covers_the_exact_product)
{
    const long lim = DEQ_ABS_PRODUCT_FLOAT_MAX_K;
    /* single precision up to the limit, the double product above it */
    prod_case cases[] = {{40, 1, 30, MAT_NOTRANS},   {30, 2, 40, MAT_TRANS},        {40, 7, 30, MAT_NOTRANS},
                         {20, 1024, 16, MAT_TRANS},  {16, 1024, 20, MAT_NOTRANS},   {4, lim, 5, MAT_NOTRANS},
                         {5, lim, 4, MAT_TRANS},     {4, lim + 1, 5, MAT_NOTRANS},  {5, lim + 1, 4, MAT_TRANS}};
    deq_rng_t rng;
    deq_rng_init(rng, test_seed());
    mpfr_t ref, b, tight;
    mpfr_inits2(128, ref, b, tight, (mpfr_ptr)0);
    long checked = 0;
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const prod_case *c = cases + ci;
        mat_d_t A, Z, P;
        if (c->opA == MAT_NOTRANS)
            mat_init_d(A, c->rows, c->k, 53);
        else
            mat_init_d(A, c->k, c->rows, 53);
        mat_init_d(Z, c->k, c->n, 53);
        mat_init_d(P, c->rows, c->n, 53);
        long *E = malloc((size_t)c->n * sizeof *E);
        fill_case(A, Z, c, rng);
        cr_assert_eq(deq_abs_product_upper_d(P, E, c->opA, A, Z), 0);
        for (long i = 0; i < c->n; i++)
            for (long j = 0; j < c->rows; j++) {
                exact_abs_product_up(ref, A, Z, c, j, i);
                if (i == 0) { /* a zero column: the product is 0, any bound holds */
                    cr_assert(mpfr_zero_p(ref));
                    continue;
                }
                double p = P->e[j + (size_t)i * (size_t)c->rows];
                cr_assert(isfinite(p) && p >= 0);
                mpfr_set_d(b, p, MPFR_RNDN);
                mpfr_mul_2si(b, b, E[i], MPFR_RNDN); /* exact */
                cr_assert(mpfr_cmp(b, ref) >= 0,
                          "k = %ld, entry (%ld, %ld): bound %.17g·2^%ld below the exact %.17g" TSEED_FMT,
                          c->k, j, i, p, E[i], mpfr_get_d(ref, MPFR_RNDN), TSEED);
                /* and not loose: within 1% plus an absolute 2^-100 at the
                 * scale 2^8·2^(s_i+1) (above A's largest 2^7 times the column's
                 * largest 2^s_i), above the allowances (k·2^-124 and the tiny
                 * entries rounded up to 2^-126, or (k+1)·2^-1074) and
                 * γ_{k+1} <= 2^-10 */
                mpfr_mul_d(tight, ref, 1.01, MPFR_RNDU);
                mpfr_set_d(b, 0x1p-100, MPFR_RNDN);
                mpfr_mul_2si(b, b, 8 + ilogb(Z->e[(size_t)i * (size_t)c->k]) + 1, MPFR_RNDN);
                mpfr_add(tight, tight, b, MPFR_RNDU);
                mpfr_set_d(b, p, MPFR_RNDN);
                mpfr_mul_2si(b, b, E[i], MPFR_RNDN);
                cr_assert(mpfr_cmp(b, tight) <= 0, "k = %ld, entry (%ld, %ld): bound %.17g·2^%ld far above %.17g" TSEED_FMT,
                          c->k, j, i, p, E[i], mpfr_get_d(ref, MPFR_RNDN), TSEED);
                checked++;
            }
        free(E);
        mat_clear_d(A);
        mat_clear_d(Z);
        mat_clear_d(P);
    }
    cr_log_info("abs product bound: %ld entries checked against the exact product", checked);
    mpfr_clears(ref, b, tight, (mpfr_ptr)0);
    deq_rng_clear(rng);
}

Test(certificate, abs_product_bound_refuses_non_finite_data)
{
    mat_d_t A, Z, P;
    mat_init_d(A, 3, 4, 53);
    mat_init_d(Z, 4, 2, 53);
    mat_init_d(P, 3, 2, 53);
    long E[2];
    for (int q = 0; q < 12; q++)
        A->e[q] = 1.0;
    for (int q = 0; q < 8; q++)
        Z->e[q] = 1.0;
    cr_assert_eq(deq_abs_product_upper_d(P, E, MAT_NOTRANS, A, Z), 0);
    Z->e[5] = NAN;
    cr_assert_eq(deq_abs_product_upper_d(P, E, MAT_NOTRANS, A, Z), -1);
    Z->e[5] = 1.0;
    A->e[2] = INFINITY;
    cr_assert_eq(deq_abs_product_upper_d(P, E, MAT_NOTRANS, A, Z), -1);
    mat_clear_d(A);
    mat_clear_d(Z);
    mat_clear_d(P);
}
