/* Tests of src/verify (the certificates of `deqcheck certify`) and of the
 * command. Each certificate runs on a model built so that it holds and on
 * one where it must fail; error bounds are checked against equilibria
 * computed independently (MPFR at 1000 bits, or relu's linear system of its
 * activation pattern in Arb). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <zip.h>

#include "io/tensor.h"
#include "testutil.h"
#include "verify/verify.h"

/* ---------------------------------------------------------------- helpers */

static void model(verify_model_t M, const mat_d_t W, const mat_d_t U, const mat_d_t b, deq_act a)
{
    deq_error_t err;
    deq_error_init(err);
    verify_model_init(M);
    cr_assert_eq(verify_model_set(M, W, U, b, a, "test", err), DEQ_OK, "%s", err->msg);
}

/* X (d×n) as exact balls */
static void inputs(arb_mat_t X, const mat_d_t D)
{
    arb_mat_init(X, D->rows, D->cols);
    for (long i = 0; i < D->rows; i++)
        for (long j = 0; j < D->cols; j++)
            arb_set_d(arb_mat_entry(X, i, j), D->e[i + j * D->rows]);
}

/* A deterministic pseudo-random double in [-1, 1) with 6 bits (exact in
 * bfloat16 and float32). */
static double dy(unsigned long *s)
{
    *s = *s * 6364136223846793005UL + 1442695040888963407UL;
    return (double)((long)((*s >> 33) % 128) - 64) / 64.0;
}

/* ‖a − b‖₂ of two m-vectors given as doubles/mpfr, into a double (rounded up) */
static double dist2_mp(const arb_mat_t zhat, mpfr_t *zs, long m)
{
    mpfr_t s, t;
    mpfr_init2(s, 1100), mpfr_init2(t, 1100);
    mpfr_set_zero(s, 1);
    for (long i = 0; i < m; i++) {
        arf_get_mpfr(t, arb_midref(arb_mat_entry(zhat, i, 0)), MPFR_RNDN);
        mpfr_sub(t, t, zs[i], MPFR_RNDN);
        mpfr_sqr(t, t, MPFR_RNDN);
        mpfr_add(s, s, t, MPFR_RNDN);
    }
    mpfr_sqrt(s, s, MPFR_RNDU);
    double r = mpfr_get_d(s, MPFR_RNDU);
    mpfr_clear(s), mpfr_clear(t);
    return r;
}

/* z* by Picard at 1000 bits from ẑ for tanh (independent of Arb): c = Ux + b */
static long picard_mp(mpfr_t *z, const verify_model_t M, const mat_d_t X, long k,
                      const arb_mat_t zhat)
{
    long m = M->m, it;
    mpfr_t *h = malloc(sizeof(mpfr_t) * (size_t)m), t, step;
    mpfr_init2(t, 1000), mpfr_init2(step, 1000);
    for (long i = 0; i < m; i++) {
        mpfr_init2(h[i], 1000);
        arf_get_mpfr(z[i], arb_midref(arb_mat_entry(zhat, i, 0)), MPFR_RNDN);
    }
    for (it = 0; it < 100000; it++) {
        mpfr_set_zero(step, 1);
        for (long i = 0; i < m; i++) {
            mpfr_set_d(h[i], M->b->e[i], MPFR_RNDN);
            for (long j = 0; j < M->d; j++) {
                mpfr_set_d(t, M->U->e[i + j * m], MPFR_RNDN);
                mpfr_mul_d(t, t, X->e[j + k * X->rows], MPFR_RNDN);
                mpfr_add(h[i], h[i], t, MPFR_RNDN);
            }
            for (long j = 0; j < m; j++) {
                mpfr_mul_d(t, z[j], M->W->e[i + j * m], MPFR_RNDN);
                mpfr_add(h[i], h[i], t, MPFR_RNDN);
            }
        }
        for (long i = 0; i < m; i++) {
            mpfr_tanh(h[i], h[i], MPFR_RNDN);
            mpfr_sub(t, h[i], z[i], MPFR_RNDN);
            mpfr_abs(t, t, MPFR_RNDN);
            mpfr_max(step, step, t, MPFR_RNDN);
            mpfr_set(z[i], h[i], MPFR_RNDN);
        }
        if (mpfr_zero_p(step) || mpfr_get_exp(step) < -990)
            break;
    }
    for (long i = 0; i < m; i++)
        mpfr_clear(h[i]);
    free(h);
    mpfr_clear(t), mpfr_clear(step);
    return it;
}

/* ---------------------------------------------------- global certificates */

/* Strictly upper-triangular W with ‖W‖₂ ≈ 5: nilpotent, ρ(|W|) = 0, so the
 * weighted certificate holds where Banach cannot. */
Test(verify, nilpotent_weighted_not_banach)
{
    long m = 12, d = 2;
    mat_d_t W, U;
    mat_init_d(W, m, m, 0), mat_init_d(U, m, d, 0);
    unsigned long s = 7;
    for (long i = 0; i < m; i++) {
        for (long j = i + 1; j < m; j++)
            W->e[i + j * m] = j == i + 1 ? 5.0 : 0.25 * dy(&s);
        for (long j = 0; j < d; j++)
            U->e[i + j * m] = dy(&s);
    }
    verify_model_t M;
    model(M, W, U, NULL, DEQ_ACT_TANH);
    verify_global_t G;
    verify_global_init(G, m);
    verify_global_certify(G, M, 0);
    cr_assert(!G->banach, "Banach must fail: ||W||_2 <= %g", G->norm2_upper);
    cr_assert_geq(G->norm2_upper, 5.0);
    cr_assert(G->weighted, "weighted must hold: rho(|W|) <= %g", G->rho_upper);
    cr_assert_lt(G->rho_upper, 1.0);
    cr_assert(G->global);
    /* every input: unique globally, with an error bound */
    mat_d_t Xd;
    mat_init_d(Xd, d, 3, 0);
    for (long k = 0; k < 6; k++)
        Xd->e[k] = dy(&s);
    arb_mat_t X, z;
    inputs(X, Xd);
    arb_mat_init(z, m, 1);
    verify_solve_opts o;
    verify_solve_opts_default(&o);
    for (long k = 0; k < 3; k++) {
        verify_sample_t S;
        verify_sample_init(S);
        verify_sample_certify(S, z, M, G, X, k, &o, 0);
        cr_assert_eq(S->uniqueness, VERIFY_GLOBAL);
        cr_assert(S->certified && isfinite(S->err_bound));
        verify_sample_clear(S);
    }
    arb_mat_clear(X), arb_mat_clear(z);
    mat_clear_d(Xd);
    verify_global_clear(G);
    verify_model_clear(M);
    mat_clear_d(W), mat_clear_d(U);
}

/* relu's equilibrium by its activation pattern: z = D(Wz + c) with D the
 * pattern of ẑ, solved in Arb at 1000 bits; the pattern is then checked
 * (h_i > 0 where D = 1, h_i < 0 where D = 0), so z is the exact equilibrium. */
static int relu_exact(arb_mat_t zs, const verify_model_t M, const arb_mat_t c,
                      const arb_mat_t zhat)
{
    long m = M->m, prec = 1000;
    arb_mat_t A, rhs, h;
    arb_mat_init(A, m, m), arb_mat_init(rhs, m, 1), arb_mat_init(h, m, 1);
    int *D = malloc(sizeof(int) * (size_t)m);
    arb_t w;
    arb_init(w);
    for (long i = 0; i < m; i++) {
        arb_set(arb_mat_entry(h, i, 0), arb_mat_entry(c, i, 0));
        for (long j = 0; j < m; j++) {
            arb_set_d(w, M->W->e[i + j * m]);
            arb_addmul(arb_mat_entry(h, i, 0), w, arb_mat_entry(zhat, j, 0), prec);
        }
        D[i] = arf_sgn(arb_midref(arb_mat_entry(h, i, 0))) > 0;
    }
    for (long i = 0; i < m; i++) {
        for (long j = 0; j < m; j++) {
            arb_set_d(w, D[i] ? -M->W->e[i + j * m] : 0.0);
            if (i == j)
                arb_add_ui(w, w, 1, prec);
            arb_set(arb_mat_entry(A, i, j), w);
        }
        if (D[i])
            arb_set(arb_mat_entry(rhs, i, 0), arb_mat_entry(c, i, 0));
        else
            arb_zero(arb_mat_entry(rhs, i, 0));
    }
    int ok = arb_mat_solve(zs, A, rhs, prec);
    for (long i = 0; ok && i < m; i++) {
        arb_set(arb_mat_entry(h, i, 0), arb_mat_entry(c, i, 0));
        for (long j = 0; j < m; j++) {
            arb_set_d(w, M->W->e[i + j * m]);
            arb_addmul(arb_mat_entry(h, i, 0), w, arb_mat_entry(zs, j, 0), prec);
        }
        ok = D[i] ? arb_is_positive(arb_mat_entry(h, i, 0))
                  : arb_is_negative(arb_mat_entry(h, i, 0));
    }
    arb_clear(w);
    free(D);
    arb_mat_clear(A), arb_mat_clear(rhs), arb_mat_clear(h);
    return ok;
}

/* ‖ẑ − z*‖₂ from Arb balls, rounded up */
static double dist2_arb(const arb_mat_t zhat, const arb_mat_t zs, long m)
{
    arb_t s, t;
    arb_init(s), arb_init(t);
    for (long i = 0; i < m; i++) {
        arb_sub(t, arb_mat_entry(zhat, i, 0), arb_mat_entry(zs, i, 0), 1000);
        arb_addmul(s, t, t, 1000);
    }
    arb_sqrt(s, s, 1000);
    arf_t u;
    arf_init(u);
    arb_get_ubound_arf(u, s, 1000);
    double r = arf_get_d(u, ARF_RND_CEIL);
    arf_clear(u);
    arb_clear(s), arb_clear(t);
    return r;
}

/* W = −3I + a skew part: sym(I − W) = 4I (monotone), ρ(|W|) >= 3 and
 * ‖W‖₂ > 1 (neither contraction certificate). relu. Inputs scaled by
 * `scale` (a power of two: relu is positively homogeneous, z*(sx) = s z*(x)). */
static void monotone_relu(double scale, long prec)
{
    long m = 8, d = 3, n = 4;
    mat_d_t W, U, Xd;
    mat_init_d(W, m, m, 0), mat_init_d(U, m, d, 0), mat_init_d(Xd, d, n, 0);
    unsigned long s = 11;
    for (long i = 0; i < m; i++)
        for (long j = i + 1; j < m; j++) {
            double a = dy(&s);
            W->e[i + j * m] = a, W->e[j + i * m] = -a;
        }
    for (long i = 0; i < m; i++)
        W->e[i + i * m] = -3.0;
    for (long k = 0; k < m * d; k++)
        U->e[k] = dy(&s) * scale;
    for (long k = 0; k < d * n; k++)
        Xd->e[k] = dy(&s);
    verify_model_t M;
    model(M, W, U, NULL, DEQ_ACT_RELU);
    verify_global_t G;
    verify_global_init(G, m);
    verify_global_certify(G, M, prec);
    cr_assert(!G->banach && !G->weighted, "contraction must fail: %g %g", G->banach_q,
              G->weighted_q);
    cr_assert_geq(G->rho_upper, 3.0);
    cr_assert(G->monotone, "monotone must hold (mu estimate %g)", G->mu_estimate);
    cr_assert_gt(G->mu_lower, 1.0);
    cr_assert(G->global);
    arb_mat_t X, z, c, zs;
    inputs(X, Xd);
    arb_mat_init(z, m, 1), arb_mat_init(c, m, 1), arb_mat_init(zs, m, 1);
    verify_solve_opts o;
    verify_solve_opts_default(&o);
    for (long k = 0; k < n; k++) {
        verify_sample_t S;
        verify_sample_init(S);
        verify_sample_certify(S, z, M, G, X, k, &o, prec);
        cr_assert_eq(S->uniqueness, VERIFY_GLOBAL);
        verify_injection(c, M, X, k, 1000);
        cr_assert(relu_exact(zs, M, c, z), "pattern");
        double e = dist2_arb(z, zs, m);
        double zn = 0;
        for (long i = 0; i < m; i++)
            zn = fmax(zn, fabs(arf_get_d(arb_midref(arb_mat_entry(zs, i, 0)), ARF_RND_NEAR)));
        if (S->certified) {
            cr_assert_leq(e, S->err_bound, "input %ld: true error %g above the bound %g", k, e,
                          S->err_bound);
            /* and the bound is useful: a few hundred ulps of the scale */
            cr_assert_lt(S->err_bound, zn * ldexp(1.0, -(int)(prec ? prec : 53) + 16),
                         "input %ld: bound %g for |z| %g", k, S->err_bound, zn);
        } else
            cr_assert(0, "input %ld at scale %g: not certified (%s)", k, scale,
                      S->local->note ? S->local->note : "");
        verify_sample_clear(S);
    }
    arb_mat_clear(X), arb_mat_clear(z), arb_mat_clear(c), arb_mat_clear(zs);
    verify_global_clear(G);
    verify_model_clear(M);
    mat_clear_d(W), mat_clear_d(U), mat_clear_d(Xd);
}

Test(verify, monotone_relu_not_contractive) { monotone_relu(1.0, 0); }
Test(verify, monotone_relu_mpfr) { monotone_relu(1.0, 256); }
/* 2^-565 ≈ 1.5e-170 and 2^532 ≈ 1.4e+160: the same certificates at the scale */
Test(verify, scale_tiny) { monotone_relu(ldexp(1.0, -565), 0); }
Test(verify, scale_huge) { monotone_relu(ldexp(1.0, 532), 0); }
Test(verify, scale_tiny_mpfr) { monotone_relu(ldexp(1.0, -565), 200); }

/* sin: no monotone or diagonal certificate applies, even with a tiny W */
Test(verify, sin_not_monotone)
{
    long m = 3;
    mat_d_t W, U;
    mat_init_d(W, m, m, 0), mat_init_d(U, m, 1, 0);
    W->e[1] = 0.125;
    verify_model_t M;
    model(M, W, U, NULL, DEQ_ACT_SIN);
    verify_global_t G;
    verify_global_init(G, m);
    verify_global_certify(G, M, 0);
    cr_assert(!G->monotone_applicable && !G->monotone && !G->diagonal);
    cr_assert(G->banach && G->weighted);
    verify_global_clear(G);
    verify_model_clear(M);
    mat_clear_d(W), mat_clear_d(U);
}

/* ---------------------------------------- ‖W‖₂ = 1.3, locally contractive */

Test(verify, tanh_local_not_global)
{
    /* W = H diag(1.3, ...) H with H a Householder reflection: symmetric with
     * top eigenvalue ≈ 1.3, so no global certificate can hold (sym(I − W),
     * 2Λ − ΛW − WΛ and ρ(|W|) >= ρ(W) all fail at the top eigenvector) */
    long m = 10, d = 4, n = 5;
    unsigned long s = 3;
    double u[10], ev[10] = {1.3, 0.9, 0.7, 0.5, 0.3, -0.2, -0.4, -0.6, -0.8, -1.1}, un = 0;
    for (long i = 0; i < m; i++)
        u[i] = dy(&s) + 0.1, un += u[i] * u[i];
    mat_d_t H, W, U, Xd, b;
    mat_init_d(H, m, m, 0), mat_init_d(W, m, m, 0), mat_init_d(U, m, d, 0);
    mat_init_d(Xd, d, n, 0), mat_init_d(b, m, 1, 0);
    for (long i = 0; i < m; i++)
        for (long j = 0; j < m; j++)
            H->e[i + j * m] = (i == j) - 2 * u[i] * u[j] / un;
    for (long i = 0; i < m; i++)
        for (long j = 0; j < m; j++) {
            double t = 0;
            for (long k = 0; k < m; k++)
                t += H->e[i + k * m] * ev[k] * H->e[k + j * m];
            W->e[i + j * m] = t;
        }
    for (long k = 0; k < m * d; k++)
        U->e[k] = 2.0 * dy(&s);
    for (long k = 0; k < d * n; k++)
        Xd->e[k] = dy(&s);
    for (long i = 0; i < m; i++)
        b->e[i] = 0.5 * dy(&s);
    verify_model_t M;
    model(M, W, U, b, DEQ_ACT_TANH);
    verify_global_t G;
    verify_global_init(G, m);
    verify_global_certify(G, M, 0);
    cr_assert(!G->global, "no global claim: banach %d weighted %d monotone %d diagonal %d",
              G->banach, G->weighted, G->monotone, G->diagonal);
    cr_assert_geq(G->norm2_upper, 1.29);
    arb_mat_t X, z;
    inputs(X, Xd);
    arb_mat_init(z, m, 1);
    verify_solve_opts o;
    verify_solve_opts_default(&o);
    mpfr_t zs[10];
    for (long i = 0; i < m; i++)
        mpfr_init2(zs[i], 1000);
    for (long prec = 0; prec <= 128; prec += 128)
        for (long k = 0; k < n; k++) {
            verify_sample_t S;
            verify_sample_init(S);
            verify_sample_certify(S, z, M, G, X, k, &o, prec);
            cr_assert_eq(S->uniqueness, VERIFY_LOCAL, "input %ld: %s (rate %g)", k,
                         verify_level_name(S->uniqueness), S->local->local_rate);
            cr_assert_lt(S->local->local_rate, 1.0);
            cr_assert(S->certified);
            picard_mp(zs, M, Xd, k, z);
            double e = dist2_mp(z, zs, m);
            cr_assert_leq(e, S->err_bound, "input %ld prec %ld: true error %g > bound %g", k, prec,
                          e, S->err_bound);
            cr_assert_gt(S->local->radius, S->err_bound);
            verify_sample_clear(S);
        }
    for (long i = 0; i < m; i++)
        mpfr_clear(zs[i]);
    arb_mat_clear(X), arb_mat_clear(z);
    verify_global_clear(G);
    verify_model_clear(M);
    mat_clear_d(H), mat_clear_d(W), mat_clear_d(U), mat_clear_d(Xd), mat_clear_d(b);
}

/* --------------------------------------------------- three equilibria */

/* W = 2I, tanh, c = 0: each coordinate solves t = tanh(2t), t in {0, ±t0}
 * (3^m equilibria). No global claim; the ball around 0 excludes ±t0, the
 * ball around (t0, ..., t0) excludes 0 and −t0 (∞-distances t0 and 2 t0). */
Test(verify, three_equilibria)
{
    long m = 3;
    mat_d_t W, U;
    mat_init_d(W, m, m, 0), mat_init_d(U, m, 1, 0);
    for (long i = 0; i < m; i++)
        W->e[i + i * m] = 2.0, U->e[i] = 1.0;
    verify_model_t M;
    model(M, W, U, NULL, DEQ_ACT_TANH);
    verify_global_t G;
    verify_global_init(G, m);
    verify_global_certify(G, M, 0);
    cr_assert(!G->global);
    /* t0 by Newton at 200 bits */
    mpfr_t t, f, df;
    mpfr_init2(t, 200), mpfr_init2(f, 200), mpfr_init2(df, 200);
    mpfr_set_d(t, 1.0, MPFR_RNDN);
    for (int it = 0; it < 50; it++) { /* f = t − tanh 2t, f′ = 1 − 2 sech² 2t */
        mpfr_mul_2ui(f, t, 1, MPFR_RNDN);
        mpfr_sech(df, f, MPFR_RNDN);
        mpfr_sqr(df, df, MPFR_RNDN);
        mpfr_mul_2ui(df, df, 1, MPFR_RNDN);
        mpfr_ui_sub(df, 1, df, MPFR_RNDN);
        mpfr_tanh(f, f, MPFR_RNDN);
        mpfr_sub(f, t, f, MPFR_RNDN);
        mpfr_div(f, f, df, MPFR_RNDN);
        mpfr_sub(t, t, f, MPFR_RNDN);
    }
    double t0 = mpfr_get_d(t, MPFR_RNDN);
    cr_assert(t0 > 0.95 && t0 < 0.96, "t0 = %g", t0);
    arb_mat_t c, z;
    arb_mat_init(c, m, 1), arb_mat_init(z, m, 1);
    for (long prec = 53; prec <= 256; prec += 203) {
        double at[3] = {0.0, t0, -t0};
        for (int w = 0; w < 3; w++) {
            for (long i = 0; i < m; i++)
                arb_set_d(arb_mat_entry(z, i, 0), at[w]);
            verify_local_t R;
            verify_local_certify(R, M, z, c, 1, prec);
            cr_assert(R->inclusion, "around %g: %s", at[w], R->note ? R->note : "");
            cr_assert_gt(R->radius, 0.0);
            /* the nearest other equilibria are t0 away in the ∞-norm */
            cr_assert_lt(R->radius, t0, "around %g: radius %g reaches another equilibrium", at[w],
                         R->radius);
            if (w == 0) /* the exact limit is acosh(√2)/2 ≈ 0.4407 */
                cr_assert_lt(R->radius, 0.4407);
            else
                cr_assert_lt(R->radius, t0 - 0.4406);
            verify_local_clear(R);
        }
    }
    /* the solver from z = 0 returns 0 here; a sample gets a local claim only */
    mat_d_t Xd;
    mat_init_d(Xd, 1, 1, 0);
    arb_mat_t X;
    inputs(X, Xd);
    verify_solve_opts o;
    verify_solve_opts_default(&o);
    verify_sample_t S;
    verify_sample_init(S);
    verify_sample_certify(S, z, M, G, X, 0, &o, 0);
    cr_assert_eq(S->uniqueness, VERIFY_LOCAL);
    verify_sample_clear(S);
    arb_mat_clear(X);
    mat_clear_d(Xd);
    mpfr_clear(t), mpfr_clear(f), mpfr_clear(df);
    arb_mat_clear(c), arb_mat_clear(z);
    verify_global_clear(G);
    verify_model_clear(M);
    mat_clear_d(W), mat_clear_d(U);
}

/* A stored Λ: the diagonal certificate with it, and with a bad one. */
Test(verify, diagonal_lambda)
{
    /* W = [[0, 4], [0.0625, 0]]: ρ(|W|) = 0.5 but ‖W‖₂ = 4; Λ = diag(1, 64)
     * makes ΛW + WᵀΛ = [[0, 8], [8, 0]]... so 2Λ − (…) = [[2, -8], [-8, 128]] ≻ 0 */
    long m = 2;
    mat_d_t W, U;
    mat_init_d(W, m, m, 0), mat_init_d(U, m, 1, 0);
    W->e[0 + 1 * m] = 4.0, W->e[1 + 0 * m] = 0.0625;
    verify_model_t M;
    model(M, W, U, NULL, DEQ_ACT_RELU);
    mat_init_d(M->lambda, m, 1, 0);
    M->lambda->e[0] = 1.0, M->lambda->e[1] = 64.0;
    M->has_lambda = 1;
    verify_global_t G;
    verify_global_init(G, m);
    verify_global_certify(G, M, 0);
    cr_assert(!G->banach && G->weighted && G->diagonal_file && G->diagonal_perron);
    verify_global_clear(G);
    M->lambda->e[1] = 1.0; /* Λ = I: 2I − (W + Wᵀ) has eigenvalue 2 − 4.0625 < 0 */
    verify_global_init(G, m);
    verify_global_certify(G, M, 0);
    cr_assert(G->diagonal_file_tried && !G->diagonal_file && !G->monotone);
    verify_global_clear(G);
    verify_model_clear(M);
    mat_clear_d(W), mat_clear_d(U);
}

/* ----------------------------------------------------------------- files */

static void store_le(unsigned char *q, uint64_t u, int size, int big)
{
    for (int k = 0; k < size; k++)
        q[big ? size - 1 - k : k] = (unsigned char)(u >> (8 * k));
}

/* A .npy image of the r×c matrix A (column-major doubles) as '<f8' or '<f4',
 * C or Fortran order; returns its length (buf must be large enough). */
static size_t npy_image(unsigned char *buf, const double *A, long r, long c, int f32, int fortran,
                        int vector)
{
    char dict[128];
    if (vector)
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (%ld,), }",
                 f32 ? "<f4" : "<f8", r);
    else
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': (%ld, %ld), }",
                 f32 ? "<f4" : "<f8", fortran ? "True" : "False", r, c);
    size_t hl = strlen(dict) + 1, pad = (64 - (10 + hl) % 64) % 64;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    store_le(buf + 8, hl + pad, 2, 0);
    memcpy(buf + 10, dict, strlen(dict));
    memset(buf + 10 + strlen(dict), ' ', pad);
    buf[10 + hl + pad - 1] = '\n';
    unsigned char *q = buf + 10 + hl + pad;
    for (long k = 0; k < r * c; k++) {
        long i = fortran ? k % r : k / c, j = fortran ? k / r : k % c;
        double x = A[i + j * r];
        if (f32) {
            float y = (float)x;
            uint32_t u;
            memcpy(&u, &y, 4);
            store_le(q, u, 4, 0), q += 4;
        } else {
            uint64_t u;
            memcpy(&u, &x, 8);
            store_le(q, u, 8, 0), q += 8;
        }
    }
    return (size_t)(q - buf);
}

/* An .npz with W, U, b and the activation string, float64 or float32. */
static void write_npz(const char *path, const mat_d_t W, const mat_d_t U, const mat_d_t b,
                      const char *act, int f32, int deflate)
{
    int code;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &code);
    cr_assert_not_null(za);
    static unsigned char bufs[4][1 << 16];
    const mat_d_struct *mats[3] = {W, U, b};
    const char *names[4] = {"W.npy", "U.npy", "b.npy", "activation.npy"};
    size_t lens[4];
    for (int k = 0; k < 3; k++)
        lens[k] = npy_image(bufs[k], mats[k]->e, mats[k]->rows, mats[k]->cols, f32, 0, k == 2);
    /* '<U4' 0-d string, as numpy.savez(activation="tanh") */
    char dict[] = "{'descr': '<U8', 'fortran_order': False, 'shape': (), }";
    size_t hl = strlen(dict) + 1, pad = (64 - (10 + hl) % 64) % 64;
    unsigned char *q = bufs[3];
    memcpy(q, "\x93NUMPY\x01\x00", 8);
    store_le(q + 8, hl + pad, 2, 0);
    memcpy(q + 10, dict, strlen(dict));
    memset(q + 10 + strlen(dict), ' ', pad);
    q[10 + hl + pad - 1] = '\n';
    q += 10 + hl + pad;
    for (int k = 0; k < 8; k++)
        store_le(q + 4 * k, k < (int)strlen(act) ? (unsigned char)act[k] : 0, 4, 0);
    lens[3] = (size_t)(q + 32 - bufs[3]);
    for (int k = 0; k < 4; k++) {
        zip_source_t *src = zip_source_buffer(za, bufs[k], lens[k], 0);
        zip_int64_t idx = zip_file_add(za, names[k], src, ZIP_FL_OVERWRITE);
        cr_assert_geq(idx, 0);
        zip_set_file_compression(za, (zip_uint64_t)idx, deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE,
                                 0);
    }
    cr_assert_eq(zip_close(za), 0);
}

/* safetensors with W, U, b as F64, F32 or BF16 and __metadata__ activation */
static void write_safetensors(const char *path, const mat_d_t W, const mat_d_t U,
                              const mat_d_t b, const char *act, const char *dtype)
{
    int size = strcmp(dtype, "F64") == 0 ? 8 : strcmp(dtype, "F32") == 0 ? 4 : 2;
    const mat_d_struct *mats[3] = {W, U, b};
    const char *names[3] = {"W", "U", "b"};
    char json[1024];
    int off = 0, len = snprintf(json, sizeof json, "{\"__metadata__\":{\"activation\":\"%s\"}", act);
    static unsigned char data[1 << 16];
    size_t dn = 0;
    for (int k = 0; k < 3; k++) {
        long r = mats[k]->rows, c = mats[k]->cols, cnt = r * c;
        if (k == 2)
            len += snprintf(json + len, sizeof json - (size_t)len,
                            ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%ld],\"data_offsets\":[%d,%ld]}",
                            names[k], dtype, r, off, off + cnt * size);
        else
            len += snprintf(json + len, sizeof json - (size_t)len,
                            ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%ld,%ld],\"data_offsets\":[%d,%ld]}",
                            names[k], dtype, r, c, off, off + cnt * size);
        for (long e = 0; e < cnt; e++) { /* row-major */
            double x = mats[k]->e[(e / c) + (e % c) * r];
            float y = (float)x;
            uint32_t u32;
            uint64_t u64;
            memcpy(&u32, &y, 4);
            memcpy(&u64, &x, 8);
            if (size == 8)
                store_le(data + dn, u64, 8, 0);
            else if (size == 4)
                store_le(data + dn, u32, 4, 0);
            else
                store_le(data + dn, u32 >> 16, 2, 0);
            dn += (size_t)size;
        }
        off += (int)(cnt * size);
    }
    len += snprintf(json + len, sizeof json - (size_t)len, "}");
    FILE *f = fopen(path, "wb");
    unsigned char h[8];
    store_le(h, (uint64_t)len, 8, 0);
    fwrite(h, 1, 8, f);
    fwrite(json, 1, (size_t)len, f);
    fwrite(data, 1, dn, f);
    fclose(f);
}

/* The tanh model of tanh_local_not_global, with 6-bit values (exact in
 * bfloat16), in every format: the same certificates, bit for bit. */
static void small_model(mat_d_t W, mat_d_t U, mat_d_t b, mat_d_t X)
{
    long m = 6, d = 3, n = 4;
    unsigned long s = 5;
    mat_init_d(W, m, m, 0), mat_init_d(U, m, d, 0), mat_init_d(b, m, 1, 0);
    mat_init_d(X, d, n, 0);
    for (long k = 0; k < m * m; k++)
        W->e[k] = 0.75 * dy(&s);
    for (long k = 0; k < m * d; k++)
        U->e[k] = 2.0 * dy(&s);
    for (long k = 0; k < m; k++)
        b->e[k] = 0.5 * dy(&s);
    for (long k = 0; k < d * n; k++)
        X->e[k] = dy(&s);
}

/* The JSON's certificate fields (global and per-sample), without paths. */
static void certificate_digest(char *out, size_t cap, const char *json_path)
{
    json_error_t je;
    json_t *r = json_load_file(json_path, 0, &je);
    cr_assert_not_null(r, "%s: %s", json_path, je.text);
    json_t *g = json_deep_copy(json_object_get(r, "global"));
    json_t *s = json_deep_copy(json_object_get(r, "samples"));
    json_t *o = json_pack("{s:o,s:o}", "global", g, "samples", s);
    char *txt = json_dumps(o, JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    snprintf(out, cap, "%s", txt);
    free(txt);
    json_decref(o), json_decref(r);
}

Test(verify_cli, formats_give_the_same_certificates)
{
    const char *dir = test_tmpdir();
    mat_d_t W, U, b, X;
    small_model(W, U, b, X);
    char p[8][512], xc[512], xf[512], js[512];
    snprintf(p[0], 512, "%s/m64.npz", dir);
    snprintf(p[1], 512, "%s/m32z.npz", dir);
    snprintf(p[2], 512, "%s/m64.safetensors", dir);
    snprintf(p[3], 512, "%s/m32.safetensors", dir);
    snprintf(p[4], 512, "%s/mbf16.safetensors", dir);
    write_npz(p[0], W, U, b, "tanh", 0, 0);
    write_npz(p[1], W, U, b, "tanh", 1, 1);
    write_safetensors(p[2], W, U, b, "tanh", "F64");
    write_safetensors(p[3], W, U, b, "tanh", "F32");
    write_safetensors(p[4], W, U, b, "tanh", "BF16");
    /* inputs (n, d): C order float64 and Fortran order float32 */
    static unsigned char buf[1 << 16];
    mat_d_t XT;
    mat_init_d(XT, X->cols, X->rows, 0);
    for (long i = 0; i < X->rows; i++)
        for (long j = 0; j < X->cols; j++)
            XT->e[j + i * X->cols] = X->e[i + j * X->rows];
    snprintf(xc, sizeof xc, "%s/X.npy", dir);
    snprintf(xf, sizeof xf, "%s/XF.npy", dir);
    FILE *f = fopen(xc, "wb");
    fwrite(buf, 1, npy_image(buf, XT->e, XT->rows, XT->cols, 0, 0, 0), f);
    fclose(f);
    f = fopen(xf, "wb");
    fwrite(buf, 1, npy_image(buf, XT->e, XT->rows, XT->cols, 1, 1, 0), f);
    fclose(f);
    char ref[1 << 15], got[1 << 15];
    for (int k = 0; k < 5; k++)
        for (int xi = 0; xi < 2; xi++) {
            snprintf(js, sizeof js, "%s/r%d%d.json", dir, k, xi);
            int rc = test_run_cli("certify", "--model", p[k], "--X", xi ? xf : xc, "--backend",
                                  "double", "--json", js, NULL);
            cr_assert_eq(rc, 0, "%s: %s", p[k], test_cli_err);
            certificate_digest(k == 0 && xi == 0 ? ref : got, sizeof ref, js);
            if (k || xi)
                cr_assert_str_eq(got, ref, "%s with %s differs from float64", p[k],
                                 xi ? xf : xc);
        }
    mat_clear_d(W), mat_clear_d(U), mat_clear_d(b), mat_clear_d(X), mat_clear_d(XT);
}

/* Bad files and shapes: exit 2 and one line naming the file and the tensor. */
Test(verify_cli, broken_inputs_exit_2)
{
    const char *dir = test_tmpdir();
    mat_d_t W, U, b, X;
    small_model(W, U, b, X);
    char good[512], bad[512], xp[512];
    snprintf(good, sizeof good, "%s/good.npz", dir);
    write_npz(good, W, U, b, "tanh", 0, 0);
    snprintf(xp, sizeof xp, "%s/X.txt", dir);
    test_write_file(dir, "X.txt", "3 2\n1 2\n3 4\n5 6\n");
    cr_assert_eq(test_run_cli("certify", "--model", good, "--X", xp, NULL), 0, "%s",
                 test_cli_err);

    struct {
        const char *what, *expect;
    } cases[] = {{"nonsquare", "tensor W: shape (6, 5): W must be square"},
                 {"urows", "tensor U: shape (5, 3): U must have m = 6 rows"},
                 {"blen", "tensor b: has 5 x 1 entries"},
                 {"nan", "tensor W: NaN at index"},
                 {"act", "tensor activation: unknown activation \"gelu\""},
                 {"dmismatch", "X has 2 rows"},
                 {"truncated", "tensor X"}};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        mat_d_t W2, U2, b2;
        mat_init_d(W2, 6, strcmp(cases[k].what, "nonsquare") ? 6 : 5, 0);
        mat_init_d(U2, strcmp(cases[k].what, "urows") ? 6 : 5, 3, 0);
        mat_init_d(b2, strcmp(cases[k].what, "blen") ? 6 : 5, 1, 0);
        if (strcmp(cases[k].what, "nan") == 0)
            W2->e[3] = NAN;
        snprintf(bad, sizeof bad, "%s/%s.npz", dir, cases[k].what);
        write_npz(bad, W2, U2, b2, strcmp(cases[k].what, "act") ? "tanh" : "gelu", 0, 0);
        const char *xarg = xp;
        if (strcmp(cases[k].what, "dmismatch") == 0)
            xarg = test_write_file(dir, "X2.txt", "2 2\n1 2\n3 4\n");
        if (strcmp(cases[k].what, "truncated") == 0) {
            static unsigned char buf[4096];
            size_t len = npy_image(buf, X->e, X->cols, X->rows, 0, 0, 0);
            snprintf(bad, sizeof bad, "%s/good.npz", dir);
            char xt[512];
            snprintf(xt, sizeof xt, "%s/X.npy", dir);
            FILE *f = fopen(xt, "wb");
            fwrite(buf, 1, len - 3, f);
            fclose(f);
            xarg = xt;
        }
        int rc = test_run_cli("certify", "--model", bad, "--X", xarg, NULL);
        cr_assert_eq(rc, 2, "%s: exit %d (%s)", cases[k].what, rc, test_cli_err);
        cr_assert_not_null(strstr(test_cli_err, cases[k].expect), "%s: %s", cases[k].what,
                           test_cli_err);
        cr_assert_eq(strchr(test_cli_err, '\n'), test_cli_err + strlen(test_cli_err) - 1,
                     "one line: %s", test_cli_err);
        mat_clear_d(W2), mat_clear_d(U2), mat_clear_d(b2);
    }
    /* a missing tensor; no activation anywhere */
    int rc = test_run_cli("certify", "--model", good, "--X", xp, "--activation", "gelu", NULL);
    cr_assert_eq(rc, 2);
    cr_assert_not_null(strstr(test_cli_err, "--activation"));
    mat_clear_d(W), mat_clear_d(U), mat_clear_d(b), mat_clear_d(X);
}

/* --require: the three-equilibria model has a local certificate, not a global one. */
Test(verify_cli, require_levels)
{
    const char *dir = test_tmpdir();
    mat_d_t W, U, b;
    mat_init_d(W, 2, 2, 0), mat_init_d(U, 2, 1, 0), mat_init_d(b, 2, 1, 0);
    W->e[0] = W->e[3] = 2.0;
    char path[512];
    snprintf(path, sizeof path, "%s/three.npz", dir);
    write_npz(path, W, U, b, "tanh", 0, 0);
    const char *xp = test_write_file(dir, "X0.txt", "1 1\n0\n");
    cr_assert_eq(test_run_cli("certify", "--model", path, "--X", xp, "--require", "global", NULL),
                 1, "%s", test_cli_err);
    cr_assert_eq(test_run_cli("certify", "--model", path, "--X", xp, "--require", "local", NULL),
                 0, "%s", test_cli_err);
    cr_assert_not_null(strstr(test_cli_out, "no global certificate"));
    cr_assert_eq(test_run_cli("certify", "--model", path, "--X", xp, "--activation", "relu",
                              "--require", "global", NULL),
                 1);
    mat_clear_d(W), mat_clear_d(U), mat_clear_d(b);
}
