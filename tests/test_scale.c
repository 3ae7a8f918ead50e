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
#include <unistd.h>

#include "data/textmat.h"
#include "deq/forward.h"
#include "deq/grad.h"
#include "deq/model.h"
#include "deq/problem.h"
#include "kernel/nngp.h"
#include "num/eig_bound.h"
#include "num/norm_bound.h"
#include "num/symeig.h"
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

/* ======================================================================== */
/* the infinite-width kernels (deqcheck kernel)                              */

/* Kernel oracles:
 *   - relu: F(s²q1, s²q2, s²k) = s²F(q1, q2, k) and Ḟ is scale-free, so with
 *     G_X = XᵀX scaling as s², (K) is solved by s²Λ, and Σ, H^A = σ_v²γ²(P⊙Σ)
 *     (P = Ṡ/(1 − γ²Ṡ) depends on angles only), H^U = σ_v²σ_u²(P⊙G_X) and
 *     H^v = σ_v²Σ all scale exactly as s². With s a power of two the
 *     reference is the unscaled kernel at twice the precision times s²;
 *   - decimal scales and tanh (not homogeneous): a precision ladder, the same
 *     scaled data at twice the precision (tanh with a fixed rule order, so
 *     both rungs compute the same discrete dual map). */

#define KGAMMA 0.5
enum { KB_SIGMA, KB_HA, KB_HU, KB_HV, KB_H, KB_COUNT };

/* Kernel blocks (Σ, H^A, H^U, H^v, H = their sum) of X scaled (k, dec as in
 * scaled_mp) at prec (53: the double backend); blk[] initialized here at
 * max(prec, 53) bits. order > 0 fixes the Gauss–Hermite order. */
static void kernel_scaled(mat_mp_t *blk, kernel_nngp_info_t info, const mat_d_t X0, deq_act act,
                          long k, double dec, long prec, long order)
{
    long d = X0->rows, n = X0->cols, p = prec > 53 ? prec : 53;
    kernel_nngp_opts o;
    kernel_nngp_opts_default(&o);
    o.order = order;
    kernel_ntk_info_t ni;
    for (int b = 0; b < KB_COUNT; b++)
        mat_init_mp(blk[b], n, n, p);
    unsigned all = DEQ_TRAIN_A | DEQ_TRAIN_U | DEQ_TRAIN_V;
    if (prec == 53) {
        mat_d_t X, GX, S, Sd, L, B[KB_COUNT];
        mat_init_d(X, d, n, 53), mat_init_d(GX, n, n, 53), mat_init_d(S, n, n, 53);
        mat_init_d(Sd, n, n, 53), mat_init_d(L, n, n, 53);
        for (int b = 0; b < KB_COUNT; b++)
            mat_init_d(B[b], n, n, 53);
        scaled_d(X, X0, k, dec);
        double one = 1, zero = 0, g = KGAMMA;
        mat_gemm_d(GX, &one, MAT_TRANS, X, MAT_NOTRANS, X, &zero, 53);
        kernel_nngp_solve_d(S, Sd, L, info, GX, &g, &one, act, &o, 53);
        cr_assert(info->outcome == KERNEL_CONVERGED, "double, X·2^%ld·%g: %s", k, dec,
                  kernel_outcome_name(info->outcome));
        kernel_ntk_blocks_d(B[KB_H], NULL, B[KB_HA], B[KB_HU], B[KB_HV], ni, S, Sd, GX, &g, &one,
                            &one, all, 53);
        cr_assert(ni->outcome == KERNEL_CONVERGED);
        mat_set_d(B[KB_SIGMA], S);
        for (int b = 0; b < KB_COUNT; b++)
            mat_set_mat_d_mp(blk[b], B[b]), mat_clear_d(B[b]);
        mat_clear_d(X), mat_clear_d(GX), mat_clear_d(S), mat_clear_d(Sd), mat_clear_d(L);
        return;
    }
    mat_mp_t X, GX, Sd, L;
    mat_init_mp(X, d, n, prec), mat_init_mp(GX, n, n, prec), mat_init_mp(Sd, n, n, prec);
    mat_init_mp(L, n, n, prec);
    scaled_mp(X, X0, k, dec);
    mpfr_t one, zero, g;
    mpfr_inits2(prec, one, zero, g, (mpfr_ptr)0);
    mpfr_set_ui(one, 1, MPFR_RNDN), mpfr_set_zero(zero, 1), mpfr_set_d(g, KGAMMA, MPFR_RNDN);
    mat_gemm_mp(GX, one, MAT_TRANS, X, MAT_NOTRANS, X, zero, prec);
    kernel_nngp_solve_mp(blk[KB_SIGMA], Sd, L, info, GX, g, one, act, &o, prec);
    cr_assert(info->outcome == KERNEL_CONVERGED, "%ld bits, X·2^%ld·%g: %s", prec, k, dec,
              kernel_outcome_name(info->outcome));
    kernel_ntk_blocks_mp(blk[KB_H], NULL, blk[KB_HA], blk[KB_HU], blk[KB_HV], ni, blk[KB_SIGMA],
                         Sd, GX, g, one, one, all, prec);
    cr_assert(ni->outcome == KERNEL_CONVERGED);
    mpfr_clears(one, zero, g, (mpfr_ptr)0);
    mat_clear_mp(X), mat_clear_mp(GX), mat_clear_mp(Sd), mat_clear_mp(L);
}

static void blocks_clear(mat_mp_t *blk)
{
    for (int b = 0; b < KB_COUNT; b++)
        mat_clear_mp(blk[b]);
}

/* log2 of max|M − 2^e·R| / max|2^e·R| (−inf when 0), at rp bits; with
 * dec > 0 the factor is also multiplied by dec² (rounded to rp bits). A
 * logarithm: at 4096 bits the ratios are far below double's range. */
static double rel_dist(const mat_mp_t M, const mat_mp_t R, long e, double dec, long rp)
{
    mpfr_t t, c, dmax, big;
    mpfr_inits2(rp, t, c, dmax, big, (mpfr_ptr)0);
    mpfr_set_zero(dmax, 1), mpfr_set_zero(big, 1);
    mpfr_set_d(c, dec > 0 ? dec : 1.0, MPFR_RNDN);
    mpfr_sqr(c, c, MPFR_RNDN);
    for (long q = 0; q < M->rows * M->cols; q++) {
        mpfr_mul_2si(t, R->e + q, e, MPFR_RNDN);
        mpfr_mul(t, t, c, MPFR_RNDN);
        if (mpfr_cmpabs(t, big) > 0)
            mpfr_abs(big, t, MPFR_RNDN);
        mpfr_sub(t, M->e + q, t, MPFR_RNDN);
        if (!mpfr_number_p(t) || mpfr_cmpabs(t, dmax) > 0)
            mpfr_abs(dmax, t, MPFR_RNDN);
    }
    mpfr_div(t, dmax, big, MPFR_RNDN);
    if (mpfr_zero_p(dmax))
        mpfr_set_zero(t, 1); /* equal, also when both are 0 (tanh's Ṡ at huge q) */
    double r;
    if (!mpfr_number_p(t))
        r = INFINITY;
    else if (mpfr_zero_p(t))
        r = -INFINITY;
    else {
        long ex;
        double man = mpfr_get_d_2exp(&ex, t, MPFR_RNDN);
        r = (double)ex + log2(man);
    }
    mpfr_clears(t, c, dmax, big, (mpfr_ptr)0);
    return r;
}

static const char *block_name[KB_COUNT] = {"Sigma", "H^A", "H^U", "H^v", "H"};
static const long kprecs[] = {53, 256, 1024, 4096};
static const long kks[] = {-997, -565, -400, 0, 400, 531, 996};
static const double kdecs[] = {1e-300, 1e-170, 1e+160, 1e+300};

/* Double holds the kernel (~s²·|X|²) only for moderate s. */
static int double_holds(long k) { return k >= -480 && k <= 480; }

Test(scale, relu_kernel_blocks_scale_as_s_squared, .timeout = 900)
{
    mat_d_t X;
    mat_init_d(X, 4, 3, 53);
    deq_rng_t rng;
    deq_rng_init(rng, test_seed() + 101);
    test_fill_gaussian(X, rng);
    deq_rng_clear(rng);
    for (size_t pi = 0; pi < 4; pi++) {
        long prec = kprecs[pi], rp = 2 * (prec > 64 ? prec : 64);
        mat_mp_t ref[KB_COUNT], same[KB_COUNT];
        kernel_nngp_info_t info;
        kernel_scaled(ref, info, X, DEQ_ACT_RELU, 0, 0, rp, 0);
        kernel_scaled(same, info, X, DEQ_ACT_RELU, 0, 0, prec, 0);
        /* log2 of the tolerance: 2^14 ulps (Ḟ's condition near |c| = 1 enters P) */
        double tol = -(double)prec + 14;
        for (size_t ki = 0; ki < sizeof kks / sizeof *kks; ki++) {
            long k = kks[ki];
            if (prec == 53 && !double_holds(k))
                continue;
            mat_mp_t blk[KB_COUNT];
            kernel_scaled(blk, info, X, DEQ_ACT_RELU, k, 0, prec, 0);
            cr_expect(num_xreal_is_finite(info->err_est_x) && info->err_est_x.man > 0,
                      "%ld bits, 2^%ld: error estimate not positive", prec, k);
            for (int b = 0; b < KB_COUNT; b++) {
                double r = rel_dist(blk[b], ref[b], 2 * k, 0, rp);
                cr_expect(r <= tol, "relu %s, %ld bits, X·2^%ld: relative error 2^%g > 2^%g",
                          block_name[b], prec, k, r, tol);
                /* MPFR: every operation scales exactly, so the scaled kernel is
                 * the unscaled one times s², bit for bit */
                if (prec > 53)
                    cr_expect(rel_dist(blk[b], same[b], 2 * k, 0, rp) == -INFINITY,
                              "relu %s, %ld bits, X·2^%ld: not exactly s² times X's", block_name[b],
                              prec, k);
            }
            blocks_clear(blk);
        }
        for (size_t di = 0; di < 4 && prec > 53; di++) {
            double dec = kdecs[di];
            mat_mp_t blk[KB_COUNT], lad[KB_COUNT];
            kernel_scaled(blk, info, X, DEQ_ACT_RELU, 0, dec, prec, 0);
            kernel_scaled(lad, info, X, DEQ_ACT_RELU, 0, dec, rp, 0);
            for (int b = 0; b < KB_COUNT; b++) {
                double r = rel_dist(blk[b], lad[b], 0, 0, rp);
                cr_expect(r <= tol, "relu %s, %ld bits, X·%g: ladder distance 2^%g > 2^%g",
                          block_name[b], prec, dec, r, tol);
                /* homogeneity up to the data's rounding to double (2^-53) */
                double h = rel_dist(blk[b], ref[b], 0, dec, rp);
                cr_expect(h <= -40, "relu %s, %ld bits, X·%g: off s²·K(X) by 2^%g",
                          block_name[b], prec, dec, h);
            }
            blocks_clear(blk), blocks_clear(lad);
        }
        blocks_clear(ref), blocks_clear(same);
    }
    mat_clear_d(X);
}

Test(scale, tanh_kernel_precision_ladder_at_every_scale, .timeout = 900)
{
    mat_d_t X;
    mat_init_d(X, 4, 3, 53);
    deq_rng_t rng;
    deq_rng_init(rng, test_seed() + 202);
    test_fill_gaussian(X, rng);
    deq_rng_clear(rng);
    const long order = 40;
    for (size_t pi = 0; pi < 4; pi++) {
        long prec = kprecs[pi], rp = 2 * (prec > 64 ? prec : 64);
        double tol = -(double)prec + 16; /* log2 */
        for (size_t ci = 0; ci < sizeof kks / sizeof *kks + 4; ci++) {
            long k = ci < sizeof kks / sizeof *kks ? kks[ci] : 0;
            double dec = ci < sizeof kks / sizeof *kks ? 0 : kdecs[ci - sizeof kks / sizeof *kks];
            if (prec == 53 && (dec > 0 || !double_holds(k)))
                continue;
            mat_mp_t blk[KB_COUNT], lad[KB_COUNT];
            kernel_nngp_info_t info, info2;
            kernel_scaled(blk, info, X, DEQ_ACT_TANH, k, dec, prec, order);
            kernel_scaled(lad, info2, X, DEQ_ACT_TANH, k, dec, rp, order);
            for (int b = 0; b < KB_COUNT; b++) {
                double r = rel_dist(blk[b], lad[b], 0, 0, rp);
                cr_expect(r <= tol, "tanh %s, %ld bits, X·2^%ld·%g: ladder distance 2^%g > 2^%g",
                          block_name[b], prec, k, dec > 0 ? dec : 1.0, r, tol);
            }
            blocks_clear(blk), blocks_clear(lad);
        }
    }
    mat_clear_d(X);
}

/* λ_min of a symmetric MPFR matrix by Jacobi at rp bits. */
static void lambda_ref(mpfr_t lmin, mpfr_t lmax, const mat_mp_t H, long rp)
{
    long n = H->rows;
    mat_mp_t ev;
    mat_init_mp(ev, n, 1, rp);
    num_symeig_info_t si;
    num_symeig_jacobi_mp(ev, NULL, si, H, rp);
    cr_assert(si->converged, "reference Jacobi did not converge");
    mpfr_set(lmin, ev->e, MPFR_RNDN);
    mpfr_set(lmax, ev->e + n - 1, MPFR_RNDN);
    mat_clear_mp(ev);
}

/* d·2^e at 64 bits. */
static void scaled_value(mpfr_t v, double d, long e)
{
    mpfr_set_d(v, d, MPFR_RNDN);
    mpfr_mul_2si(v, v, e, MPFR_RNDN);
}

Test(scale, kernel_lambda_min_certificate_below_the_reference, .timeout = 900)
{
    mat_d_t X;
    mat_init_d(X, 4, 3, 53);
    deq_rng_t rng;
    deq_rng_init(rng, test_seed() + 303);
    test_fill_gaussian(X, rng);
    deq_rng_clear(rng);
    for (size_t pi = 0; pi < 4; pi++) {
        long prec = kprecs[pi], rp = 2 * (prec > 64 ? prec : 64);
        for (size_t ci = 0; ci < sizeof kks / sizeof *kks + 4; ci++) {
            long k = ci < sizeof kks / sizeof *kks ? kks[ci] : 0;
            double dec = ci < sizeof kks / sizeof *kks ? 0 : kdecs[ci - sizeof kks / sizeof *kks];
            if (prec == 53 && (dec > 0 || !double_holds(k)))
                continue;
            mat_mp_t blk[KB_COUNT], ref[KB_COUNT];
            kernel_nngp_info_t info;
            kernel_scaled(blk, info, X, DEQ_ACT_RELU, k, dec, prec, 0);
            kernel_scaled(ref, info, X, DEQ_ACT_RELU, k, dec, rp, 0);
            num_eig_bounds_t eb;
            if (prec == 53) {
                mat_d_t H;
                mat_init_d(H, 3, 3, 53);
                mat_get_mat_d_mp(H, blk[KB_H]);
                num_eig_bounds_d(eb, H, 0, 53);
                mat_clear_d(H);
            } else {
                num_eig_bounds_mp(eb, blk[KB_H], 64, prec);
            }
            mpfr_t lmin, lmax, v;
            mpfr_inits2(rp, lmin, lmax, v, (mpfr_ptr)0);
            lambda_ref(lmin, lmax, ref[KB_H], rp);
            cr_assert(eb->lower_certified && eb->upper_certified,
                      "%ld bits, X·2^%ld·%g: no certificate", prec, k, dec > 0 ? dec : 1.0);
            scaled_value(v, eb->lower_s, eb->exp2);
            cr_expect(mpfr_cmp(v, lmin) <= 0, "%ld bits, X·2^%ld·%g: certified lower bound above "
                      "the reference lambda_min", prec, k, dec > 0 ? dec : 1.0);
            /* and tight: positive definiteness is certified */
            mpfr_mul_d(lmin, lmin, 1 - 1e-9, MPFR_RNDN);
            cr_expect(eb->lower_s > 0 && mpfr_cmp(v, lmin) >= 0,
                      "%ld bits, X·2^%ld·%g: lower bound %g·2^%ld not tight", prec, k,
                      dec > 0 ? dec : 1.0, eb->lower_s, eb->exp2);
            scaled_value(v, eb->upper_s, eb->exp2);
            cr_expect(mpfr_cmp(v, lmax) >= 0, "%ld bits, X·2^%ld·%g: certified upper bound below "
                      "the reference lambda_max", prec, k, dec > 0 ? dec : 1.0);
            mpfr_clears(lmin, lmax, v, (mpfr_ptr)0);
            blocks_clear(blk), blocks_clear(ref);
        }
    }
    mat_clear_d(X);
}

/* ---- norm and eigenvalue bounds at extreme scales ---- */

Test(scale, norm_bound_covers_the_norm_at_2_pow_pm1000, .timeout = 300)
{
    mat_d_t A;
    mat_init_d(A, 5, 4, 53);
    deq_rng_t rng;
    deq_rng_init(rng, test_seed() + 404);
    test_fill_gaussian(A, rng);
    deq_rng_clear(rng);
    for (long q = 0; q < 20; q++) /* keep every entry >= 2^-20: 2^-1000·a stays normal */
        if (fabs(A->e[q]) < 0x1p-20)
            A->e[q] = 0.5;
    /* ‖A‖₂² = λ_max(AᵀA) by Jacobi at 512 bits */
    mat_mp_t Am, AtA, ev;
    mat_init_mp(Am, 5, 4, 512), mat_init_mp(AtA, 4, 4, 512), mat_init_mp(ev, 4, 1, 512);
    mat_set_mat_d_mp(Am, A);
    mpfr_t one, zero, nrm, v;
    mpfr_inits2(512, one, zero, nrm, v, (mpfr_ptr)0);
    mpfr_set_ui(one, 1, MPFR_RNDN), mpfr_set_zero(zero, 1);
    mat_gemm_mp(AtA, one, MAT_TRANS, Am, MAT_NOTRANS, Am, zero, 512);
    num_symeig_info_t si;
    num_symeig_jacobi_mp(ev, NULL, si, AtA, 512);
    mpfr_sqrt(nrm, ev->e + 3, MPFR_RNDN);
    const long ks[] = {-1000, 0, 1000};
    const long ps[] = {53, 256, 4096};
    for (int pi = 0; pi < 3; pi++)
        for (int ki = 0; ki < 3; ki++) {
            long k = ks[ki], prec = ps[pi];
            num_norm2_t out;
            if (prec == 53) {
                mat_d_t S;
                mat_init_d(S, 5, 4, 53);
                scaled_d(S, A, k, 0);
                num_norm2_upper_d(out, S, 53);
                mat_clear_d(S);
            } else {
                mat_mp_t S;
                mat_init_mp(S, 5, 4, prec);
                scaled_mp(S, A, k, 0);
                num_norm2_upper_mp(out, S, prec);
                mat_clear_mp(S);
            }
            mpfr_mul_2si(v, nrm, k, MPFR_RNDN);
            cr_expect(isfinite(out->upper) && mpfr_cmp_d(v, out->upper) <= 0,
                      "%ld bits, A·2^%ld: upper %g below the norm", prec, k, out->upper);
            mpfr_mul_d(v, v, 1 + 1e-6, MPFR_RNDN);
            cr_expect(mpfr_cmp_d(v, out->upper) >= 0, "%ld bits, A·2^%ld: upper %g not tight",
                      prec, k, out->upper);
        }
    mpfr_clears(one, zero, nrm, v, (mpfr_ptr)0);
    mat_clear_mp(Am), mat_clear_mp(AtA), mat_clear_mp(ev);
    mat_clear_d(A);
}

Test(scale, eig_bounds_certified_at_extreme_scales, .timeout = 300)
{
    /* H = BBᵀ + I/4, 4×4: λ_min >= 1/4 */
    mat_d_t B, H;
    mat_init_d(B, 4, 4, 53), mat_init_d(H, 4, 4, 53);
    deq_rng_t rng;
    deq_rng_init(rng, test_seed() + 505);
    test_fill_gaussian(B, rng);
    deq_rng_clear(rng);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            double s = i == j ? 0.25 : 0;
            for (int l = 0; l < 4; l++)
                s += B->e[i + 4 * l] * B->e[j + 4 * l];
            H->e[i + 4 * j] = s;
        }
    for (int i = 0; i < 4; i++) /* symmetric exactly */
        for (int j = 0; j < i; j++)
            H->e[j + 4 * i] = H->e[i + 4 * j];
    mat_mp_t Hm;
    mat_init_mp(Hm, 4, 4, 512);
    mat_set_mat_d_mp(Hm, H);
    mpfr_t lmin, lmax, v;
    mpfr_inits2(512, lmin, lmax, v, (mpfr_ptr)0);
    lambda_ref(lmin, lmax, Hm, 512);
    const long ks[] = {-1000, -300, 0, 300, 1000, 5000, -5000};
    const long ps[] = {53, 24, 256, 1024, 4096};
    for (int pi = 0; pi < 5; pi++)
        for (int ki = 0; ki < 7; ki++) {
            long k = ks[ki], prec = ps[pi];
            if (prec == 53 && (k > 1000 || k < -1000))
                continue;
            num_eig_bounds_t eb;
            if (prec == 53) {
                mat_d_t S;
                mat_init_d(S, 4, 4, 53);
                int exact = 1;
                for (int q = 0; q < 16; q++) {
                    S->e[q] = ldexp(H->e[q], (int)k);
                    exact &= ldexp(S->e[q], (int)-k) == H->e[q];
                }
                if (!exact) { /* an entry would be subnormal: not this test's subject */
                    mat_clear_d(S);
                    continue;
                }
                num_eig_bounds_d(eb, S, 0, 53);
                mat_clear_d(S);
            } else {
                mat_mp_t S;
                mat_init_mp(S, 4, 4, prec);
                for (int q = 0; q < 16; q++) {
                    mpfr_set_prec(S->e + q, 53); /* exact copy of the double entries */
                    mpfr_set_d(S->e + q, H->e[q], MPFR_RNDN);
                    mpfr_mul_2si(S->e + q, S->e + q, k, MPFR_RNDN);
                }
                num_eig_bounds_mp(eb, S, 64, prec);
                mat_clear_mp(S);
            }
            cr_assert(eb->lower_certified && eb->upper_certified, "%ld bits, H·2^%ld: not certified",
                      prec, k);
            scaled_value(v, eb->lower_s, eb->exp2);
            mpfr_mul_2si(v, v, -k, MPFR_RNDN);
            cr_expect(mpfr_cmp(v, lmin) <= 0, "%ld bits, H·2^%ld: lower bound above lambda_min",
                      prec, k);
            mpfr_div(v, v, lmin, MPFR_RNDN);
            cr_expect(mpfr_cmp_d(v, prec < 53 ? 0.99 : 1 - 1e-9) >= 0,
                      "%ld bits, H·2^%ld: lower bound not tight (ratio %g)", prec, k,
                      mpfr_get_d(v, MPFR_RNDN));
            scaled_value(v, eb->upper_s, eb->exp2);
            mpfr_mul_2si(v, v, -k, MPFR_RNDN);
            cr_expect(mpfr_cmp(v, lmax) >= 0, "%ld bits, H·2^%ld: upper bound below lambda_max",
                      prec, k);
            /* the unscaled doubles stay bounds (rounded outward: 0, ±DBL_MAX or
             * ±inf beyond double's range) */
            mpfr_mul_2si(v, lmin, k, MPFR_RNDN);
            cr_expect(mpfr_cmp_d(v, eb->lower) >= 0, "%ld bits, H·2^%ld: lower %g above lambda_min",
                      prec, k, eb->lower);
            mpfr_mul_2si(v, lmax, k, MPFR_RNDN);
            cr_expect(mpfr_cmp_d(v, eb->upper) <= 0, "%ld bits, H·2^%ld: upper %g below lambda_max",
                      prec, k, eb->upper);
        }
    mpfr_clears(lmin, lmax, v, (mpfr_ptr)0);
    mat_clear_mp(Hm);
    mat_clear_d(B), mat_clear_d(H);
}

/* ---- deqcheck kernel on tiny and huge inputs ---- */

Test(scale, cli_kernel_tiny_and_huge_inputs, .timeout = 300)
{
    mat_d_t X;
    mat_init_d(X, 4, 3, 53);
    deq_rng_t rng;
    deq_rng_init(rng, test_seed() + 606);
    test_fill_gaussian(X, rng);
    deq_rng_clear(rng);
    const char *dir = test_tmpdir();
    const double scales[] = {1e-170, 1e+160, 1e-100, 1e+100};
    const char *xs[] = {"KXs.txt", "KXl.txt", "KXms.txt", "KXml.txt"};
    for (int q = 0; q < 4; q++)
        write_mat(dir, xs[q], X, scales[q]);
    const char *kinds[] = {"nngp", "ntk"};
    char x[512], out[512];
    for (int q = 0; q < 4; q++)
        for (int kd = 0; kd < 2; kd++)
            for (int b = 0; b < 2; b++) { /* b = 0: MPFR at 256 bits (default), 1: double */
                snprintf(x, sizeof x, "%s/%s", dir, xs[q]);
                snprintf(out, sizeof out, "%s/K%d%d%d.txt", dir, q, kd, b);
                remove(out);
                int rc = test_run_cli("kernel", "--X", x, "--gamma", "0.5", "--activation", "relu",
                                      "--kind", kinds[kd], "--backend", b ? "double" : "mpfr",
                                      "--out", out, NULL);
                if (b == 1 && q < 2) {
                    /* the kernel (~1e-340, 1e+320) is outside double's range:
                     * refused, nothing written */
                    cr_expect(rc == 1 && strstr(test_cli_err, "use --backend mpfr") != NULL,
                              "double, X·%g: exit %d\n%s", scales[q], rc, test_cli_err);
                    FILE *f = fopen(out, "r");
                    cr_expect(f == NULL, "double, X·%g: a result was written", scales[q]);
                    if (f)
                        fclose(f);
                    continue;
                }
                cr_assert(rc == 0, "%s, %s, X·%g: exit %d\n%s", kinds[kd], b ? "double" : "mpfr",
                          scales[q], rc, test_cli_err);
                cr_expect(strstr(test_cli_err, "positive definite: CERTIFIED") != NULL,
                          "%s, X·%g: not certified\n%s", kinds[kd], scales[q], test_cli_err);
                /* reference: the same decimal file read and solved at 512 bits */
                deq_error_t err;
                deq_error_init(err);
                mat_mp_t Xr, GX, S, Sd, L, H, R;
                cr_assert(textmat_read_mp(Xr, x, 512, err) == DEQ_OK);
                cr_assert(textmat_read_mp(R, out, 512, err) == DEQ_OK, "cannot read %s", out);
                mat_init_mp(GX, 3, 3, 512), mat_init_mp(S, 3, 3, 512), mat_init_mp(Sd, 3, 3, 512);
                mat_init_mp(L, 3, 3, 512), mat_init_mp(H, 3, 3, 512);
                mpfr_t one, zero, g;
                mpfr_inits2(512, one, zero, g, (mpfr_ptr)0);
                mpfr_set_ui(one, 1, MPFR_RNDN), mpfr_set_zero(zero, 1);
                mpfr_set_d(g, 0.5, MPFR_RNDN);
                mat_gemm_mp(GX, one, MAT_TRANS, Xr, MAT_NOTRANS, Xr, zero, 512);
                kernel_nngp_opts o;
                kernel_nngp_opts_default(&o);
                kernel_nngp_info_t info;
                kernel_nngp_solve_mp(S, Sd, L, info, GX, g, one, DEQ_ACT_RELU, &o, 512);
                cr_assert(info->outcome == KERNEL_CONVERGED);
                if (kd == 1) {
                    kernel_ntk_info_t ni;
                    kernel_ntk_blocks_mp(H, NULL, NULL, NULL, NULL, ni, S, Sd, GX, g, one, one,
                                         DEQ_TRAIN_A | DEQ_TRAIN_U | DEQ_TRAIN_V, 512);
                    cr_assert(ni->outcome == KERNEL_CONVERGED);
                } else {
                    mat_set_mp(H, S);
                }
                double r = rel_dist(R, H, 0, 0, 512);
                cr_expect(r <= (b ? -43 : -230), "%s, %s, X·%g: written matrix off by 2^%g",
                          kinds[kd], b ? "double" : "mpfr", scales[q], r);
                mpfr_clears(one, zero, g, (mpfr_ptr)0);
                mat_clear_mp(Xr), mat_clear_mp(GX), mat_clear_mp(S), mat_clear_mp(Sd);
                mat_clear_mp(L), mat_clear_mp(H), mat_clear_mp(R);
            }
    mat_clear_d(X);
}

/* Beyond double's range the summary prints the numbers, not their double
 * roundings: at 600 bits on inputs near 1e-170 the residual is near 1e-350
 * (it read "0.000e+00") and the bound near 1e-348 (it read as the least
 * subnormal, 4.941e-324: true, but not what was proven). */
Test(scale, cli_summary_prints_numbers_beyond_double_range, .timeout = 120)
{
    tnet N;
    tnet_init(&N, 6, 3, 2, test_seed());
    const char *dir = test_tmpdir();
    write_mat(dir, "A.txt", N.A, 1.0);
    write_mat(dir, "U.txt", N.U, 1.0);
    write_mat(dir, "Xs.txt", N.X, 1e-170);
    char a[512], u[512], x[512], out[512];
    snprintf(a, sizeof a, "%s/A.txt", dir), snprintf(u, sizeof u, "%s/U.txt", dir);
    snprintf(x, sizeof x, "%s/Xs.txt", dir), snprintf(out, sizeof out, "%s/Z.txt", dir);
    char js[512];
    snprintf(js, sizeof js, "%s/s.json", dir);
    int rc = test_run_cli("solve", "--A", a, "--U", u, "--X", x, "--gamma", "0.5", "--activation",
                          "tanh", "--backend", "mpfr", "--precision", "600", "--out", out,
                          "--json", js, NULL);
    cr_assert(rc == 0, "exit %d\n%s", rc, test_cli_err);
    /* the JSON carries them too: as decimal strings, not as a double's 0 */
    static char jt[1 << 14];
    test_slurp(js, jt, sizeof jt);
    const char *jr = strstr(jt, "\"residual\": \"");
    cr_expect(jr && strstr(jr, "e-35") != NULL, "residual in the JSON: %.80s", jr ? jr : jt);
    const char *res = strstr(test_cli_err, "residual: max_i ||Phi(z_i) - z_i||_2 = ");
    const char *bnd = strstr(test_cli_err, "error bound: max_i ||z_i - z_i*||_2 <= ");
    cr_assert(res && bnd, "%s", test_cli_err);
    double r = 0, b = 0;
    int er = 0, eb = 0;
    char mr[32], mb[32];
    cr_assert(sscanf(res + strlen("residual: max_i ||Phi(z_i) - z_i||_2 = "), "%31[0-9.]e%d", mr, &er) == 2);
    cr_assert(sscanf(bnd + strlen("error bound: max_i ||z_i - z_i*||_2 <= "), "%31[0-9.]e%d", mb, &eb) == 2);
    r = atof(mr), b = atof(mb);
    cr_expect(r > 0 && er < -330, "residual printed as %se%d", mr, er);
    cr_expect(b > 0 && eb < -330 && eb > -400, "bound printed as %se%d", mb, eb);
}

/* grad on relu inputs near 1e+160: the loss and gradients scale as s², beyond
 * double's range. In double that is a reported failure with nothing written,
 * never a file of inf; in MPFR the loss prints with its exponent (it read inf). */
Test(scale, cli_grad_beyond_double_range, .timeout = 120)
{
    tnet N;
    tnet_init(&N, 6, 3, 2, test_seed());
    const char *dir = test_tmpdir();
    write_mat(dir, "A.txt", N.A, 1.0);
    write_mat(dir, "U.txt", N.U, 1.0);
    write_mat(dir, "Xb.txt", N.X, 1e+160);
    test_write_file(dir, "v.txt", "6 1\n1\n-1\n0.5\n0.2\n-0.3\n1\n");
    test_write_file(dir, "y.txt", "2 1\n0.3\n-0.2\n");
    char a[512], u[512], x[512], v[512], y[512], od[512], od2[512], g[600];
    snprintf(a, sizeof a, "%s/A.txt", dir), snprintf(u, sizeof u, "%s/U.txt", dir);
    snprintf(x, sizeof x, "%s/Xb.txt", dir), snprintf(v, sizeof v, "%s/v.txt", dir);
    snprintf(y, sizeof y, "%s/y.txt", dir), snprintf(od, sizeof od, "%s/gd", dir);
    snprintf(od2, sizeof od2, "%s/gm", dir);
    int rc = test_run_cli("grad", "--A", a, "--U", u, "--X", x, "--v", v, "--y", y, "--gamma",
                          "0.5", "--activation", "relu", "--backend", "double", "--out-dir", od,
                          NULL);
    cr_expect_eq(rc, 1, "exit %d\n%s", rc, test_cli_err);
    cr_expect(strstr(test_cli_err, "not representable in double") != NULL, "%s", test_cli_err);
    snprintf(g, sizeof g, "%s/gA.txt", od);
    cr_expect_neq(access(g, F_OK), 0, "a gradient file was written");
    rc = test_run_cli("grad", "--A", a, "--U", u, "--X", x, "--v", v, "--y", y, "--gamma", "0.5",
                      "--activation", "relu", "--backend", "mpfr", "--precision", "256",
                      "--out-dir", od2, NULL);
    cr_expect_eq(rc, 0, "exit %d\n%s", rc, test_cli_err);
    const char *l = strstr(test_cli_err, "loss: ");
    cr_assert_not_null(l, "%s", test_cli_err);
    cr_expect(strstr(l, "e+3") != NULL && strstr(l, "inf") == NULL, "loss printed as %.40s", l);
}
