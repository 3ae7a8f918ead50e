/* Scale safety (issue 15): solve and grad on inputs scaled anywhere from
 * 1e-300 to 1e+300, at 53 (double), 256, 1024 and 4096 bits.
 *
 * Oracles that do not share the code under test:
 *   - relu is positively homogeneous: with A, U fixed, z*(s·x) = s·z*(x)
 *     exactly for s > 0, and a power of two s scales every floating-point
 *     operation exactly (no under- or overflow on the way), so the reference
 *     is the unscaled solve at twice the precision, multiplied by s in MPFR;
 *   - the loss with y scaled by s too is ½Σ(f − y)², f = α_v vᵀz: it scales
 *     by s², and so does each gradient (gv = α_vΣ(f_i − y_i)z_i: s·s; gA and
 *     gU carry (f_i − y_i) once and z_i or x_i once, while the adjoint
 *     w_i = v + α·AᵀD_i w_i depends on the activation pattern D only: s²);
 *   - for tanh (not homogeneous), a precision ladder: the same scaled data at
 *     twice the precision.
 * Every reported error bound must cover the distance to the oracle, be
 * positive and finite, and the answer must carry the digits its precision
 * allows (a few hundred ulps times the size factor m). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "deq/forward.h"
#include "deq/grad.h"
#include "deq/problem.h"
#include "testutil.h"

typedef struct {
    long m, d, n;
    mat_d_t A, U, X, v, y;
} tnet;

static void tnet_init(tnet *N, long m, long d, long n, unsigned long seed)
{
    deq_rng_t rng;
    deq_rng_init(rng, seed);
    N->m = m, N->d = d, N->n = n;
    mat_init_d(N->A, m, m, 53), mat_init_d(N->U, m, d, 53), mat_init_d(N->X, d, n, 53);
    mat_init_d(N->v, m, 1, 53), mat_init_d(N->y, n, 1, 53);
    test_fill_gaussian(N->A, rng), test_fill_gaussian(N->U, rng), test_fill_gaussian(N->X, rng);
    test_fill_gaussian(N->v, rng), test_fill_gaussian(N->y, rng);
    deq_rng_clear(rng);
}

static void tnet_clear(tnet *N)
{
    mat_clear_d(N->A), mat_clear_d(N->U), mat_clear_d(N->X), mat_clear_d(N->v), mat_clear_d(N->y);
}

/* γ = 0.3: ρ̄ ≈ 0.3·‖A‖₂/√m ≈ 0.6 for Gaussian A, a certified contraction. */
#define GAMMA "0.3"

/* The data scaled: M·2^k (exactly: MPFR's exponent range, or a double whose
 * every entry stays normal), or M·dec rounded once to double when dec > 0. */
static void scaled_mp(mat_mp_t out, const mat_d_t M, long k, double dec)
{
    for (long q = 0; q < M->rows * M->cols; q++) {
        if (dec > 0)
            mpfr_set_d(out->e + q, M->e[q] * dec, MPFR_RNDN);
        else {
            mpfr_set_d(out->e + q, M->e[q], MPFR_RNDN);
            mpfr_mul_2si(out->e + q, out->e + q, k, MPFR_RNDN);
        }
    }
}

static void scaled_d(mat_d_t out, const mat_d_t M, long k, double dec)
{
    for (long q = 0; q < M->rows * M->cols; q++) {
        out->e[q] = dec > 0 ? M->e[q] * dec : ldexp(M->e[q], (int)k);
        if (dec <= 0)
            cr_assert(ldexp(out->e[q], (int)-k) == M->e[q], "2^%ld·x is not exact in double", k);
    }
}

/* Solves the problem with X scaled (k, dec as in scaled_mp) at prec (53: the
 * double backend); Z (initialized here, at max(prec, 53) bits) receives the
 * equilibria exactly. With grads != NULL, also the loss (y scaled the same
 * way) and the gradients gA, gU, gv into grads[0..3] (initialized here). */
static void solve_scaled(mat_mp_t Z, deq_solve_info_t info, mat_mp_t *grads, const tnet *N,
                         deq_act act, long k, double dec, long prec)
{
    long m = N->m, d = N->d, n = N->n, p = prec > 53 ? prec : 53;
    deq_solve_opts o;
    deq_solve_opts_default(&o);
    mat_init_mp(Z, m, n, p);
    if (grads) {
        mat_init_mp(grads[0], 1, 1, p), mat_init_mp(grads[1], m, m, p);
        mat_init_mp(grads[2], m, d, p), mat_init_mp(grads[3], m, 1, p);
    }
    if (prec == 53) {
        mat_d_t A, U, X;
        mat_init_d(A, m, m, 53), mat_init_d(U, m, d, 53), mat_init_d(X, d, n, 53);
        mat_set_d(A, N->A), mat_set_d(U, N->U);
        scaled_d(X, N->X, k, dec);
        deq_problem_d_t P;
        deq_problem_init_d(P, A, U, X, GAMMA, "1", act, 1, 53);
        mat_d_t Zd;
        mat_init_d(Zd, m, n, 53);
        deq_forward_solve_d(Zd, info, &P->fp, &o, 53);
        mat_set_mat_d_mp(Z, Zd);
        if (grads) {
            mat_d_t y, W, gA, gU, gv;
            mat_init_d(y, n, 1, 53), mat_init_d(W, m, n, 53), mat_init_d(gA, m, m, 53);
            mat_init_d(gU, m, d, 53), mat_init_d(gv, m, 1, 53);
            scaled_d(y, N->y, k, dec);
            double loss, av = 1 / sqrt((double)m);
            deq_solve_info_t ai;
            deq_solve_info_init(ai);
            deq_loss_grad_d(&loss, gA, gU, gv, NULL, W, ai, P, Zd, N->v, y, &av, &o, 53);
            cr_assert(ai->outcome == DEQ_CONVERGED, "adjoint at 2^%ld: %s", k,
                      deq_outcome_name(ai->outcome));
            mpfr_set_d(grads[0]->e, loss, MPFR_RNDN);
            mat_set_mat_d_mp(grads[1], gA), mat_set_mat_d_mp(grads[2], gU);
            mat_set_mat_d_mp(grads[3], gv);
            deq_solve_info_clear(ai);
            mat_clear_d(y), mat_clear_d(W), mat_clear_d(gA), mat_clear_d(gU), mat_clear_d(gv);
        }
        mat_clear_d(Zd);
        deq_problem_clear_d(P);
        return;
    }
    mat_mp_t A, U, X;
    mat_init_mp(A, m, m, prec), mat_init_mp(U, m, d, prec), mat_init_mp(X, d, n, prec);
    mat_set_mat_d_mp(A, N->A), mat_set_mat_d_mp(U, N->U);
    scaled_mp(X, N->X, k, dec);
    deq_problem_mp_t P;
    deq_problem_init_mp(P, A, U, X, GAMMA, "1", act, 1, prec);
    deq_forward_solve_mp(Z, info, &P->fp, &o, prec);
    if (grads) {
        mat_mp_t y, W, v;
        mat_init_mp(y, n, 1, prec), mat_init_mp(W, m, n, prec), mat_init_mp(v, m, 1, prec);
        scaled_mp(y, N->y, k, dec);
        mat_set_mat_d_mp(v, N->v);
        mpfr_t av;
        mpfr_init2(av, (mpfr_prec_t)prec);
        mpfr_set_ui(av, (unsigned long)m, MPFR_RNDN);
        mpfr_rec_sqrt(av, av, MPFR_RNDN);
        deq_solve_info_t ai;
        deq_solve_info_init(ai);
        deq_loss_grad_mp(grads[0]->e, grads[1], grads[2], grads[3], NULL, W, ai, P, Z, v, y, av, &o,
                         prec);
        cr_assert(ai->outcome == DEQ_CONVERGED, "adjoint at 2^%ld, %ld bits: %s", k, prec,
                  deq_outcome_name(ai->outcome));
        deq_solve_info_clear(ai);
        mpfr_clear(av);
        mat_clear_mp(y), mat_clear_mp(W), mat_clear_mp(v);
    }
    deq_problem_clear_mp(P);
}

/* max_i ‖Z_i − 2^k·R_i‖₂ and max_i ‖2^k·R_i‖₂, at rp bits (R exact at rp). */
static void col_dist(mpfr_t dist, mpfr_t size, const mat_mp_t Z, const mat_mp_t R, long k, long rp)
{
    mpfr_t acc, accz, t;
    mpfr_inits2((mpfr_prec_t)rp, acc, accz, t, (mpfr_ptr)0);
    mpfr_set_zero(dist, 1), mpfr_set_zero(size, 1);
    for (long i = 0; i < Z->cols; i++) {
        mpfr_set_zero(acc, 1), mpfr_set_zero(accz, 1);
        for (long j = 0; j < Z->rows; j++) {
            mpfr_mul_2si(t, R->e + j + i * R->rows, k, MPFR_RNDN);
            mpfr_fma(accz, t, t, accz, MPFR_RNDN);
            mpfr_sub(t, Z->e + j + i * Z->rows, t, MPFR_RNDN);
            mpfr_fma(acc, t, t, acc, MPFR_RNDN);
        }
        mpfr_sqrt(acc, acc, MPFR_RNDN), mpfr_sqrt(accz, accz, MPFR_RNDN);
        mpfr_max(dist, dist, acc, MPFR_RNDN), mpfr_max(size, size, accz, MPFR_RNDN);
    }
    mpfr_clears(acc, accz, t, (mpfr_ptr)0);
}

/* The checks shared by every case: certified, bound positive and finite, the
 * bound covers the distance to the oracle, and the relative distance is at
 * most `ulps`·2^-prec. */
static void check_case(const char *what, const deq_solve_info_t info, mpfr_srcptr dist,
                       mpfr_srcptr size, double ulps, long prec)
{
    cr_assert(info->outcome == DEQ_CONVERGED, "%s: %s", what, deq_outcome_name(info->outcome));
    cr_expect(info->certified && info->err_bound > 0 && isfinite(info->err_bound),
              "%s: bound %g (certified %d) must be positive and finite", what, info->err_bound,
              info->certified);
    /* the oracle itself is exact to twice the precision: allow 2^-20 of slack */
    cr_expect(mpfr_cmp_d(dist, info->err_bound * (1 + 0x1p-20)) <= 0,
              "%s: distance %.3e to the oracle exceeds the bound %.3e", what,
              mpfr_get_d(dist, MPFR_RNDN), info->err_bound);
    mpfr_t lim;
    mpfr_init2(lim, 64);
    mpfr_mul_d(lim, size, ulps, MPFR_RNDN);
    mpfr_mul_2si(lim, lim, -prec, MPFR_RNDN);
    cr_expect(mpfr_lessequal_p(dist, lim), "%s: relative error above %g ulps (dist %.3e, size %.3e)",
              what, ulps, mpfr_get_d(dist, MPFR_RNDN), mpfr_get_d(size, MPFR_RNDN));
    mpfr_clear(lim);
}

static const long precs[] = {53, 256, 1024, 4096};
/* powers of two near 1e-300, 1e-170, 1, 1e+160, 1e+300 */
static const long kscale[] = {-997, -565, 0, 531, 996};

static long net_m(long prec) { return prec >= 4096 ? 6 : 8; }

Test(scale, relu_solve_homogeneous_at_every_scale_and_precision, .timeout = 600)
{
    for (size_t pi = 0; pi < sizeof precs / sizeof *precs; pi++) {
        long prec = precs[pi], rp = 2 * (prec > 64 ? prec : 64);
        tnet N;
        tnet_init(&N, net_m(prec), 3, 2, test_seed() + (unsigned long)pi);
        mat_mp_t R;
        deq_solve_info_t ri;
        deq_solve_info_init(ri);
        solve_scaled(R, ri, NULL, &N, DEQ_ACT_RELU, 0, 0, rp);
        cr_assert(ri->outcome == DEQ_CONVERGED);
        mpfr_t dist, size;
        mpfr_inits2((mpfr_prec_t)rp, dist, size, (mpfr_ptr)0);
        for (size_t ki = 0; ki < sizeof kscale / sizeof *kscale; ki++) {
            long k = kscale[ki];
            mat_mp_t Z;
            deq_solve_info_t info;
            deq_solve_info_init(info);
            solve_scaled(Z, info, NULL, &N, DEQ_ACT_RELU, k, 0, prec);
            col_dist(dist, size, Z, R, k, rp);
            char what[96];
            snprintf(what, sizeof what, "relu, %ld bits, X·2^%ld", prec, k);
            check_case(what, info, dist, size, 256.0 * (double)N.m, prec);
            deq_solve_info_clear(info);
            mat_clear_mp(Z);
        }
        mpfr_clears(dist, size, (mpfr_ptr)0);
        deq_solve_info_clear(ri);
        mat_clear_mp(R);
        tnet_clear(&N);
    }
}

/* Decimal scales (not powers of two): the scaled data rounded once to double
 * define the problem; the oracle is the same data at twice the precision. */
Test(scale, solve_decimal_scales_against_a_precision_ladder, .timeout = 600)
{
    const double decs[] = {1e-300, 1e-170, 1e+160, 1e+300};
    const deq_act acts[] = {DEQ_ACT_RELU, DEQ_ACT_TANH};
    const long ps[] = {53, 256};
    for (size_t ai = 0; ai < 2; ai++)
        for (size_t pi = 0; pi < 2; pi++) {
            long prec = ps[pi], rp = 2 * (prec > 64 ? prec : 64);
            tnet N;
            tnet_init(&N, 8, 3, 2, test_seed() + 17 * pi + ai);
            mpfr_t dist, size;
            mpfr_inits2((mpfr_prec_t)rp, dist, size, (mpfr_ptr)0);
            for (size_t di = 0; di < sizeof decs / sizeof *decs; di++) {
                mat_mp_t Z, R;
                deq_solve_info_t info, ri;
                deq_solve_info_init(info), deq_solve_info_init(ri);
                solve_scaled(R, ri, NULL, &N, acts[ai], 0, decs[di], rp);
                solve_scaled(Z, info, NULL, &N, acts[ai], 0, decs[di], prec);
                cr_assert(ri->outcome == DEQ_CONVERGED);
                col_dist(dist, size, Z, R, 0, rp);
                char what[96];
                snprintf(what, sizeof what, "%s, %ld bits, X·%g", deq_act_name(acts[ai]), prec,
                         decs[di]);
                check_case(what, info, dist, size, 256.0 * (double)N.m, prec);
                deq_solve_info_clear(info), deq_solve_info_clear(ri);
                mat_clear_mp(Z), mat_clear_mp(R);
            }
            mpfr_clears(dist, size, (mpfr_ptr)0);
            tnet_clear(&N);
        }
}

Test(scale, tanh_solve_precision_ladder_at_every_scale, .timeout = 600)
{
    for (size_t pi = 0; pi < sizeof precs / sizeof *precs; pi++) {
        long prec = precs[pi], rp = 2 * (prec > 64 ? prec : 64);
        tnet N;
        tnet_init(&N, net_m(prec), 3, 2, test_seed() + 31 * pi);
        mpfr_t dist, size;
        mpfr_inits2((mpfr_prec_t)rp, dist, size, (mpfr_ptr)0);
        for (size_t ki = 0; ki < sizeof kscale / sizeof *kscale; ki++) {
            long k = kscale[ki];
            mat_mp_t Z, R;
            deq_solve_info_t info, ri;
            deq_solve_info_init(info), deq_solve_info_init(ri);
            solve_scaled(R, ri, NULL, &N, DEQ_ACT_TANH, k, 0, rp);
            solve_scaled(Z, info, NULL, &N, DEQ_ACT_TANH, k, 0, prec);
            cr_assert(ri->outcome == DEQ_CONVERGED);
            col_dist(dist, size, Z, R, 0, rp);
            char what[96];
            snprintf(what, sizeof what, "tanh, %ld bits, X·2^%ld", prec, k);
            check_case(what, info, dist, size, 256.0 * (double)N.m, prec);
            deq_solve_info_clear(info), deq_solve_info_clear(ri);
            mat_clear_mp(Z), mat_clear_mp(R);
        }
        mpfr_clears(dist, size, (mpfr_ptr)0);
        tnet_clear(&N);
    }
}

/* Loss and gradients with X and y scaled by s = 2^k: loss·s², gradients·s²,
 * checked against the unscaled computation at the same precision. In double
 * the scales stop where s² leaves double's normal range. */
Test(scale, relu_grad_scales_by_s_squared, .timeout = 600)
{
    const long kd[] = {-500, -200, 0, 200, 500};
    for (size_t pi = 0; pi < sizeof precs / sizeof *precs; pi++) {
        long prec = precs[pi], p = prec > 53 ? prec : 53;
        const long *ks = prec == 53 ? kd : kscale;
        tnet N;
        tnet_init(&N, net_m(prec), 3, 3, test_seed() + 7 * pi);
        mat_mp_t Z1, g1[4];
        deq_solve_info_t i1;
        deq_solve_info_init(i1);
        solve_scaled(Z1, i1, g1, &N, DEQ_ACT_RELU, 0, 0, prec);
        cr_assert(i1->outcome == DEQ_CONVERGED);
        mpfr_t t, big, err;
        mpfr_inits2((mpfr_prec_t)p, t, big, err, (mpfr_ptr)0);
        for (size_t ki = 0; ki < 5; ki++) {
            long k = ks[ki];
            mat_mp_t Z, g[4];
            deq_solve_info_t info;
            deq_solve_info_init(info);
            solve_scaled(Z, info, g, &N, DEQ_ACT_RELU, k, 0, prec);
            cr_assert(info->outcome == DEQ_CONVERGED, "%ld bits, 2^%ld", prec, k);
            cr_expect(info->err_bound > 0, "a bound of 0 for a nonzero z");
            const char *names[4] = {"loss", "gA", "gU", "gv"};
            for (int w = 0; w < 4; w++) {
                mpfr_set_zero(big, 1), mpfr_set_zero(err, 1);
                for (long q = 0; q < g[w]->rows * g[w]->cols; q++) {
                    mpfr_mul_2si(t, g1[w]->e + q, 2 * k, MPFR_RNDN); /* s²·g(1), exact */
                    mpfr_abs(t, t, MPFR_RNDN);
                    mpfr_max(big, big, t, MPFR_RNDN);
                    mpfr_mul_2si(t, g1[w]->e + q, 2 * k, MPFR_RNDN);
                    mpfr_sub(t, g[w]->e + q, t, MPFR_RNDN);
                    mpfr_abs(t, t, MPFR_RNDN);
                    mpfr_max(err, err, t, MPFR_RNDN);
                }
                /* both sides carry the solve's relative error (~√m·u each),
                 * amplified by the adjoint's 1/(1 − ρ) */
                mpfr_mul_d(big, big, 1024.0 * (double)N.m, MPFR_RNDN);
                mpfr_mul_2si(big, big, -prec, MPFR_RNDN);
                cr_expect(mpfr_lessequal_p(err, big) && !mpfr_zero_p(g[w]->e),
                          "%s at %ld bits, 2^%ld: off s²·%s(1) by %.3e relative", names[w], prec,
                          k, names[w], mpfr_get_d(err, MPFR_RNDN) / (mpfr_get_d(big, MPFR_RNDN) + 1e-300));
                mat_clear_mp(g[w]);
            }
            deq_solve_info_clear(info);
            mat_clear_mp(Z);
        }
        for (int w = 0; w < 4; w++)
            mat_clear_mp(g1[w]);
        mpfr_clears(t, big, err, (mpfr_ptr)0);
        deq_solve_info_clear(i1);
        mat_clear_mp(Z1);
        tnet_clear(&N);
    }
}

/* A bound is never 0 for a nonzero z, and at a precision beyond double's
 * exponent range (4096 bits: u = 2^-4096) it is still positive. */
Test(scale, bound_never_zero_for_nonzero_z)
{
    const long ks[] = {-1060, -997, 0, 1000};
    const long ps[] = {53, 256, 1024, 4096};
    for (size_t pi = 0; pi < 4; pi++)
        for (size_t ki = 0; ki < 4; ki++) {
            long prec = ps[pi], k = ks[ki];
            if (prec == 53 && (k < -990 || k > 990))
                continue; /* the data themselves leave double's normal range */
            tnet N;
            tnet_init(&N, 6, 3, 2, test_seed() + 3 * pi + ki);
            mat_mp_t Z;
            deq_solve_info_t info;
            deq_solve_info_init(info);
            solve_scaled(Z, info, NULL, &N, DEQ_ACT_TANH, k, 0, prec);
            cr_expect(info->outcome == DEQ_CONVERGED && info->certified && info->err_bound > 0
                          && info->round_slack > 0,
                      "%ld bits, X·2^%ld: %s, bound %g, slack %g", prec, k,
                      deq_outcome_name(info->outcome), info->err_bound, info->round_slack);
            deq_solve_info_clear(info);
            mat_clear_mp(Z);
            tnet_clear(&N);
        }
}

/* ---- the CLI ---- */

static void write_mat(const char *dir, const char *name, const mat_d_t M, double s)
{
    static char buf[1 << 14];
    size_t len = (size_t)snprintf(buf, sizeof buf, "%ld %ld\n", M->rows, M->cols);
    for (long i = 0; i < M->rows; i++) {
        for (long j = 0; j < M->cols; j++)
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%.17g ", M->e[i + j * M->rows] * s);
        len += (size_t)snprintf(buf + len, sizeof buf - len, "\n");
    }
    test_write_file(dir, name, buf);
}

/* Reads a text matrix written by deqcheck into out (rows×cols doubles). */
static int read_mat(const char *path, double *out, long rows, long cols)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long r, c;
    int ok = fscanf(f, "%ld %ld", &r, &c) == 2 && r == rows && c == cols;
    for (long i = 0; ok && i < rows; i++)
        for (long j = 0; ok && j < cols; j++)
            ok = fscanf(f, "%lf", out + i + j * rows) == 1;
    fclose(f);
    return ok ? 0 : -1;
}

Test(scale, cli_solve_tiny_and_huge_inputs, .timeout = 300)
{
    tnet N;
    tnet_init(&N, 8, 3, 2, test_seed());
    const char *dir = test_tmpdir();
    write_mat(dir, "A.txt", N.A, 1.0);
    write_mat(dir, "U.txt", N.U, 1.0);
    const double scales[] = {1.0, 1e-170, 1e+160};
    const char *xs[] = {"X1.txt", "Xs.txt", "Xl.txt"};
    for (int q = 0; q < 3; q++)
        write_mat(dir, xs[q], N.X, scales[q]);
    char a[512], u[512], x[512], out[512];
    snprintf(a, sizeof a, "%s/A.txt", dir), snprintf(u, sizeof u, "%s/U.txt", dir);
    const char *backends[][4] = {{"--backend", "double", NULL, NULL},
                                 {"--backend", "mpfr", "--precision", "256"}};
    for (int b = 0; b < 2; b++) {
        double z1[16], zs[16];
        for (int q = 0; q < 3; q++) {
            snprintf(x, sizeof x, "%s/%s", dir, xs[q]);
            snprintf(out, sizeof out, "%s/Z%d%d.txt", dir, b, q);
            int rc = b ? test_run_cli("solve", "--A", a, "--U", u, "--X", x, "--gamma", "0.3",
                                      "--activation", "relu", backends[b][0], backends[b][1],
                                      backends[b][2], backends[b][3], "--out", out, NULL)
                       : test_run_cli("solve", "--A", a, "--U", u, "--X", x, "--gamma", "0.3",
                                      "--activation", "relu", backends[b][0], backends[b][1],
                                      "--out", out, NULL);
            cr_assert(rc == 0, "%s, X·%g: exit %d\n%s", backends[b][1], scales[q], rc, test_cli_err);
            cr_expect(strstr(test_cli_err, "error bound: max_i") != NULL
                          && strstr(test_cli_err, "<= 0.000e+00") == NULL,
                      "%s, X·%g: no positive bound printed\n%s", backends[b][1], scales[q],
                      test_cli_err);
            cr_assert(read_mat(out, q == 0 ? z1 : zs, 8, 2) == 0, "cannot read %s", out);
            if (q == 0)
                continue;
            /* relu: z(s·x) = s·z(x); the decimal s·x differs from s times x by a
             * rounding (2^-53 relative), amplified at most by 1/(1 − ρ) */
            double worst = 0, big = 0;
            for (int e = 0; e < 16; e++) {
                worst = fmax(worst, fabs(zs[e] / scales[q] - z1[e]));
                big = fmax(big, fabs(z1[e]));
            }
            cr_expect(worst <= 1e-12 * big, "%s, X·%g: Z/s off Z(1) by %g (|Z(1)| %g)",
                      backends[b][1], scales[q], worst, big);
        }
    }
    tnet_clear(&N);
}
