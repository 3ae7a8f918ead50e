/* Tests of src/deq: activations and the equilibrium solvers. Every expected
 * value comes from an independent route: identities, finite differences at
 * much higher precision, a linear solve of the relu activation pattern, a
 * reference solve at several times the precision, or a naive reimplementation. */
#include <cblas.h>
#include <dirent.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include "deq/activation.h"
#include "deq/forward.h"
#include "deq/grad.h"
#include "deq/gram.h"
#include "deq/problem.h"
#include "num/factor.h"
#include "testutil.h"

/* ------------------------------------------------------------------------ */
/* activations                                                               */

/* σ(t) at `prec` bits straight from the defining formula, written here again
 * independently of activation.c (no stability tricks: used at high precision
 * on moderate t only). */
static void act_reference(mpfr_ptr s, mpfr_srcptr t, deq_act a, long prec)
{
    mpfr_t x;
    mpfr_init2(x, (mpfr_prec_t)prec);
    switch (a) {
    case DEQ_ACT_RELU:
        if (mpfr_sgn(t) <= 0)
            mpfr_set_zero(s, 1);
        else
            mpfr_set(s, t, MPFR_RNDN);
        break;
    case DEQ_ACT_ERF:
        mpfr_erf(s, t, MPFR_RNDN);
        break;
    case DEQ_ACT_SIN:
        mpfr_sin(s, t, MPFR_RNDN);
        break;
    case DEQ_ACT_TANH: /* (e^{2t} − 1)/(e^{2t} + 1) */
        mpfr_mul_2ui(x, t, 1, MPFR_RNDN);
        mpfr_exp(x, x, MPFR_RNDN);
        mpfr_sub_ui(s, x, 1, MPFR_RNDN);
        mpfr_add_ui(x, x, 1, MPFR_RNDN);
        mpfr_div(s, s, x, MPFR_RNDN);
        break;
    case DEQ_ACT_SIGMOID: /* (1 + tanh(t/2))/2 */
        mpfr_div_2ui(x, t, 1, MPFR_RNDN);
        mpfr_tanh(x, x, MPFR_RNDN);
        mpfr_add_ui(x, x, 1, MPFR_RNDN);
        mpfr_div_2ui(s, x, 1, MPFR_RNDN);
        break;
    case DEQ_ACT_SOFTPLUS: /* log(1 + e^t) */
        mpfr_exp(x, t, MPFR_RNDN);
        mpfr_add_ui(x, x, 1, MPFR_RNDN);
        mpfr_log(s, x, MPFR_RNDN);
        break;
    default:
        cr_assert_fail("unknown activation");
    }
    mpfr_clear(x);
}

Test(activation, values_match_defining_formulas_in_both_backends)
{
    deq_rng_t rng;
    deq_rng_init(rng, test_seed());
    long iters = test_iters(300);
    mpfr_t t, s, ds, ref;
    mpfr_inits2(256, t, s, ds, ref, (mpfr_ptr)0);
    for (int a = 0; a < DEQ_ACT_COUNT; a++)
        for (long it = 0; it < iters; it++) {
            double td = 8.0 * (2.0 * deq_rng_uniform(rng) - 1.0);
            mpfr_set_d(t, td, MPFR_RNDN);
            deq_act_eval_mp(s, ds, t, (deq_act)a, 256);
            act_reference(ref, t, (deq_act)a, 256);
            double dig = test_digits_mp(s, ref);
            /* 256 bits ≈ 77 digits; the reference formula loses a few near zeros of σ */
            cr_expect(dig >= 70 || mpfr_zero_p(ref), "%s(%g): mpfr %g digits vs reference" TSEED_FMT,
                      deq_act_name((deq_act)a), td, dig, TSEED);
            double sd, dsd;
            deq_act_eval_d(&sd, &dsd, &td, (deq_act)a, 53);
            /* double: within the documented evaluation error c·u relative, or
             * absolute c·u where σ crosses zero */
            double c = deq_act_eval_error_factor((deq_act)a, 0);
            double r = mpfr_get_d(ref, MPFR_RNDN);
            double tol = (c + 1) * ldexp(1.0, -53) * fmax(fabs(r), 1e-300) + 2 * ldexp(fabs(r), -53);
            cr_expect(fabs(sd - r) <= tol, "%s(%.17g): double %.17g vs %.17g (tol %g)" TSEED_FMT,
                      deq_act_name((deq_act)a), td, sd, r, tol, TSEED);
        }
    mpfr_clears(t, s, ds, ref, (mpfr_ptr)0);
    deq_rng_clear(rng);
}

Test(activation, derivative_matches_central_differences_at_high_precision)
{
    /* σ′(t) ≈ (σ(t+h) − σ(t−h))/(2h) with error O(h²σ‴): at 1024 bits with
     * h = 2^-120 the difference is exact to ~2^-240 ≈ 1e-72, far below the
     * 1e-60 asked here. Not for relu at 0 (not differentiable). */
    long prec = 1024;
    deq_rng_t rng;
    deq_rng_init(rng, test_seed() + 1);
    mpfr_t t, tp, tm, sp, sm, s, ds, fd;
    mpfr_inits2((mpfr_prec_t)prec, t, tp, tm, sp, sm, s, ds, fd, (mpfr_ptr)0);
    for (int a = 0; a < DEQ_ACT_COUNT; a++)
        for (long it = 0; it < test_iters(40); it++) {
            double td = 6.0 * (2.0 * deq_rng_uniform(rng) - 1.0);
            mpfr_set_d(t, td, MPFR_RNDN);
            mpfr_set_ui_2exp(fd, 1, -120, MPFR_RNDN);
            mpfr_add(tp, t, fd, MPFR_RNDN);
            mpfr_sub(tm, t, fd, MPFR_RNDN);
            deq_act_eval_mp(sp, NULL, tp, (deq_act)a, prec);
            deq_act_eval_mp(sm, NULL, tm, (deq_act)a, prec);
            deq_act_eval_mp(s, ds, t, (deq_act)a, prec);
            mpfr_sub(sp, sp, sm, MPFR_RNDN);
            mpfr_mul_2si(fd, sp, 119, MPFR_RNDN); /* /(2h) */
            mpfr_sub(fd, fd, ds, MPFR_RNDN);
            double err = fabs(mpfr_get_d(fd, MPFR_RNDN));
            cr_expect(err <= 1e-60, "%s'(%g): |fd - derivative| = %g" TSEED_FMT,
                      deq_act_name((deq_act)a), td, err, TSEED);
        }
    mpfr_clears(t, tp, tm, sp, sm, s, ds, fd, (mpfr_ptr)0);
    deq_rng_clear(rng);
}

Test(activation, lipschitz_bound_holds_and_is_attained)
{
    /* sup|σ′| is attained at t = 0 (erf: 2/√π, sigmoid: 1/4, sin, tanh: 1) or
     * approached as t → ∞ (relu, softplus: 1; σ′(40) = 1 − 4e-18 rounds to 1). */
    for (int a = 0; a < DEQ_ACT_COUNT; a++) {
        double L = deq_act_lipschitz_upper((deq_act)a);
        double sup = 0;
        for (double t = -40; t <= 40; t += 1.0 / 64) {
            double s, ds;
            deq_act_eval_d(&s, &ds, &t, (deq_act)a, 53);
            cr_expect(fabs(ds) <= L, "%s: |sigma'(%g)| = %.17g > L = %.17g",
                      deq_act_name((deq_act)a), t, ds, L);
            sup = fmax(sup, fabs(ds));
        }
        cr_expect(sup >= L * (1 - 1e-9), "%s: sup |sigma'| on the grid %.17g, L %.17g",
                  deq_act_name((deq_act)a), sup, L);
    }
    mpfr_t x;
    mpfr_init2(x, 200);
    mpfr_const_pi(x, MPFR_RNDN);
    mpfr_rec_sqrt(x, x, MPFR_RNDN);
    mpfr_mul_2ui(x, x, 1, MPFR_RNDN);
    cr_expect(mpfr_cmp_d(x, deq_act_lipschitz_upper(DEQ_ACT_ERF)) <= 0, "erf bound below 2/sqrt(pi)");
    mpfr_clear(x);
}

Test(activation, stable_for_extreme_arguments)
{
    struct { deq_act a; double t, expect; } cases[] = {
        {DEQ_ACT_SOFTPLUS, 1000.0, 1000.0},  {DEQ_ACT_SOFTPLUS, -1000.0, 0.0},
        {DEQ_ACT_SIGMOID, 1000.0, 1.0},      {DEQ_ACT_SIGMOID, -1000.0, 0.0},
        {DEQ_ACT_TANH, 400.0, 1.0},          {DEQ_ACT_ERF, -30.0, -1.0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        double s, ds;
        deq_act_eval_d(&s, &ds, &cases[k].t, cases[k].a, 53);
        cr_expect(isfinite(s) && isfinite(ds) && fabs(s - cases[k].expect) <= 1e-12,
                  "%s(%g) = %g, derivative %g", deq_act_name(cases[k].a), cases[k].t, s, ds);
    }
    /* relative accuracy deep in the tail: softplus(−50) = log1p(e^-50) ≈ e^-50 */
    double t = -50, s;
    deq_act_eval_d(&s, NULL, &t, DEQ_ACT_SOFTPLUS, 53);
    cr_expect(fabs(s / exp(-50.0) - 1) < 1e-14, "softplus(-50) = %.17g", s);
}

Test(activation, names_round_trip)
{
    for (int a = 0; a < DEQ_ACT_COUNT; a++) {
        deq_act b;
        cr_expect_eq(deq_act_parse(&b, deq_act_name((deq_act)a)), 0);
        cr_expect_eq(b, a);
    }
    deq_act b;
    cr_expect_eq(deq_act_parse(&b, "gelu"), -1);
}

/* ------------------------------------------------------------------------ */
/* solvers                                                                   */

/* A random network with exact (double-drawn) data, in both backends. */
typedef struct {
    long m, d, n;
    mat_d_t A, U, X;
} net;

static void net_init(net *N, long m, long d, long n, unsigned long seed)
{
    N->m = m, N->d = d, N->n = n;
    deq_rng_t rng;
    deq_rng_init(rng, seed);
    mat_init_d(N->A, m, m, 53);
    mat_init_d(N->U, m, d, 53);
    mat_init_d(N->X, d, n, 53);
    test_fill_gaussian(N->A, rng);
    test_fill_gaussian(N->U, rng);
    for (long j = 0; j < n; j++) { /* unit-norm inputs */
        double s = 0;
        for (long i = 0; i < d; i++) {
            double x = deq_rng_gaussian(rng);
            N->X->e[i + j * d] = x;
            s += x * x;
        }
        for (long i = 0; i < d; i++)
            N->X->e[i + j * d] /= sqrt(s);
    }
    deq_rng_clear(rng);
}

static void net_clear(net *N)
{
    mat_clear_d(N->A);
    mat_clear_d(N->U);
    mat_clear_d(N->X);
}

static void problem_d(deq_problem_d_t P, const net *N, const char *gamma, deq_act a)
{
    mat_d_t A, U, X;
    mat_init_d(A, N->m, N->m, 53);
    mat_init_d(U, N->m, N->d, 53);
    mat_init_d(X, N->d, N->n, 53);
    mat_set_d(A, N->A);
    mat_set_d(U, N->U);
    mat_set_d(X, N->X);
    deq_problem_init_d(P, A, U, X, gamma, "1", a, 1, 53);
}

static void problem_mp(deq_problem_mp_t P, const net *N, const char *gamma, deq_act a, long prec)
{
    mat_mp_t A, U, X;
    mat_init_mp(A, N->m, N->m, prec);
    mat_init_mp(U, N->m, N->d, prec);
    mat_init_mp(X, N->d, N->n, prec);
    mat_set_mat_d_mp(A, N->A);
    mat_set_mat_d_mp(U, N->U);
    mat_set_mat_d_mp(X, N->X);
    deq_problem_init_mp(P, A, U, X, gamma, "1", a, 1, prec);
}

/* The readout v (m×1) and the targets y (n×1) of a loss, Gaussian; initialized here. */
static void readout_init(mat_d_t v, mat_d_t y, long m, long n, unsigned long seed)
{
    mat_init_d(v, m, 1, 53), mat_init_d(y, n, 1, 53);
    deq_rng_t rng;
    deq_rng_init(rng, seed);
    test_fill_gaussian(v, rng), test_fill_gaussian(y, rng);
    deq_rng_clear(rng);
}

/* Solves in MPFR at prec; Z initialized by the callee. */
static void solve_mp(mat_mp_t Z, deq_solve_info_t info, const net *N, const char *gamma, deq_act a,
                     deq_solver solver, int newton, long prec)
{
    deq_problem_mp_t P;
    problem_mp(P, N, gamma, a, prec);
    deq_solve_opts o;
    deq_solve_opts_default(&o);
    o.solver = solver;
    o.newton = newton;
    o.max_iter = 5000;
    mat_init_mp(Z, N->m, N->n, prec);
    deq_solve_info_init(info);
    deq_forward_solve_mp(Z, info, &P->fp, &o, prec);
    deq_problem_clear_mp(P);
}

static void solve_d(mat_d_t Z, deq_solve_info_t info, const net *N, const char *gamma, deq_act a,
                    deq_solver solver)
{
    deq_problem_d_t P;
    problem_d(P, N, gamma, a);
    deq_solve_opts o;
    deq_solve_opts_default(&o);
    o.solver = solver;
    o.max_iter = 5000;
    mat_init_d(Z, N->m, N->n, 53);
    deq_solve_info_init(info);
    deq_forward_solve_d(Z, info, &P->fp, &o, 53);
    deq_problem_clear_d(P);
}

/* max_i ‖Za_i − Zb_i‖₂ with Za in double, Zb in MPFR */
static double dist_d_mp(const mat_d_t Za, const mat_mp_t Zb)
{
    mat_mp_t T;
    mat_init_mp(T, Za->rows, Za->cols, Zb->prec);
    mat_set_mat_d_mp(T, Za);
    double d = mat_max_col_dist_mp(T, Zb, Zb->prec);
    mat_clear_mp(T);
    return d;
}

/* max_i ‖Za_i − Zb_i‖₂ between MPFR matrices of different precisions */
static double dist_mp_mp(const mat_mp_t Za, const mat_mp_t Zb)
{
    long prec = Za->prec > Zb->prec ? Za->prec : Zb->prec;
    mat_mp_t T, S;
    mat_init_mp(T, Za->rows, Za->cols, prec);
    mat_init_mp(S, Za->rows, Za->cols, prec);
    mat_set_mp(T, Za); /* mpfr_set rounds to T's precision: exact here (prec is the larger) */
    mat_set_mp(S, Zb);
    double d = mat_max_col_dist_mp(T, S, prec);
    mat_clear_mp(T);
    mat_clear_mp(S);
    return d;
}

Test(forward, relu_equilibrium_solves_its_activation_pattern_system)
{
    /* For relu, z = D(αAz + b) with D = diag(h > 0): z solves (I − αDA)z = Db.
     * Solve that linear system by LU at 512 bits (an independent route) and
     * compare with Anderson+Newton at 256 bits and with double. */
    for (long it = 0; it < test_iters(4); it++) {
        net N;
        net_init(&N, 24 + 8 * it, 5, 4, test_seed() + 10 + it);
        mat_mp_t Z;
        deq_solve_info_t info;
        solve_mp(Z, info, &N, "0.4", DEQ_ACT_RELU, DEQ_SOLVER_ANDERSON, 1, 256);
        cr_assert_eq(info->outcome, DEQ_CONVERGED, "outcome %s", deq_outcome_name(info->outcome));

        long p2 = 512, m = N.m;
        deq_problem_mp_t P;
        problem_mp(P, &N, "0.4", DEQ_ACT_RELU, p2);
        mat_mp_t Zhi, H, J, LU, rhs;
        mat_init_mp(Zhi, m, N.n, p2);
        mat_set_mp(Zhi, Z);
        mat_init_mp(H, m, N.n, p2);
        mat_mp_t PHI;
        mat_init_mp(PHI, m, N.n, p2);
        deq_phi_mp(PHI, H, &P->fp, Zhi, p2); /* H = pre-activation at the solution */
        mat_init_mp(J, m, m, p2);
        mat_init_mp(LU, m, m, p2);
        mat_init_mp(rhs, m, 1, p2);
        long *perm = malloc((size_t)m * sizeof *perm);
        double worst = 0;
        for (long i = 0; i < N.n; i++) {
            for (long r = 0; r < m; r++) {
                int on = mpfr_sgn(H->e + r + i * m) > 0;
                for (long c = 0; c < m; c++) {
                    mpfr_ptr j = J->e + r + c * m;
                    if (on)
                        mpfr_mul(j, P->alpha_A, P->A->e + r + c * m, MPFR_RNDN), mpfr_neg(j, j, MPFR_RNDN);
                    else
                        mpfr_set_zero(j, 1);
                    if (r == c)
                        mpfr_add_ui(j, j, 1, MPFR_RNDN);
                }
                if (on)
                    mpfr_set(rhs->e + r, P->B->e + r + i * m, MPFR_RNDN);
                else
                    mpfr_set_zero(rhs->e + r, 1);
            }
            cr_assert_eq(num_lu_mp(LU, perm, J, p2), 0, "singular pattern system");
            num_lu_solve_mp(rhs, LU, perm, rhs, p2);
            for (long r = 0; r < m; r++) {
                mpfr_sub(rhs->e + r, rhs->e + r, Zhi->e + r + i * m, MPFR_RNDN);
                worst = fmax(worst, fabs(mpfr_get_d(rhs->e + r, MPFR_RNDN)));
            }
        }
        double zn = mat_max_col_norm_mp(Z, 256);
        cr_expect(worst <= 1e-70 * zn, "m=%ld: solver vs pattern system %g (|z| %g)" TSEED_FMT, m,
                  worst, zn, TSEED);
        cr_expect(info->certified && worst <= info->err_bound,
                  "error bound %g must cover the observed %g", info->err_bound, worst);

        mat_d_t Zd;
        deq_solve_info_t infod;
        solve_d(Zd, infod, &N, "0.4", DEQ_ACT_RELU, DEQ_SOLVER_PICARD);
        double dd = dist_d_mp(Zd, Z);
        cr_expect(dd <= infod->err_bound + info->err_bound,
                  "double vs mpfr %g exceeds the bounds %g + %g", dd, infod->err_bound, info->err_bound);
        cr_expect(dd <= 1e-13 * zn, "double solution off by %g relative", dd / zn);

        free(perm);
        mat_clear_mp(Zhi), mat_clear_mp(H), mat_clear_mp(PHI), mat_clear_mp(J), mat_clear_mp(LU),
            mat_clear_mp(rhs), mat_clear_mp(Z);
        mat_clear_d(Zd);
        deq_problem_clear_mp(P);
        deq_solve_info_clear(info);
        deq_solve_info_clear(infod);
        net_clear(&N);
    }
}

Test(forward, error_bounds_cover_a_reference_at_four_times_the_precision)
{
    /* For every activation and both solvers: the rigorous bound of a double
     * solve and of a 128-bit solve must cover the distance to a 512-bit solve.
     * γ = 0.35 keeps ρ̄ ≈ 2γL below 1 for every L here (erf: L = 1.13). */
    for (int a = 0; a < DEQ_ACT_COUNT; a++) {
        net N;
        net_init(&N, 32, 6, 5, test_seed() + 100 + a);
        mat_mp_t Zref, Z128;
        deq_solve_info_t iref, i128;
        solve_mp(Zref, iref, &N, "0.35", (deq_act)a, DEQ_SOLVER_ANDERSON, 1, 512);
        cr_assert_eq(iref->outcome, DEQ_CONVERGED, "%s reference: %s", deq_act_name((deq_act)a),
                     deq_outcome_name(iref->outcome));
        solve_mp(Z128, i128, &N, "0.35", (deq_act)a, DEQ_SOLVER_ANDERSON, 1, 128);
        double d128 = dist_mp_mp(Z128, Zref);
        cr_expect(i128->certified && d128 <= i128->err_bound,
                  "%s 128 bits: distance %g, bound %g", deq_act_name((deq_act)a), d128, i128->err_bound);
        /* useful, not vacuous: a size-derived multiple of u = 2^-128 (a bound
         * that leaks double-precision terms into MPFR fails here) */
        cr_expect(i128->err_bound_rel <= 64.0 * N.m * ldexp(1.0, -128) / (1 - i128->rho_upper),
                  "%s 128 bits: bound %g relative is loose", deq_act_name((deq_act)a),
                  i128->err_bound_rel);
        /* ladder: 128 vs 512 bits agree to >= 0.9·128·log10(2) − 3 digits */
        double zn = mat_max_col_norm_mp(Zref, 512);
        double digits = -log10(d128 / zn);
        cr_expect(digits >= 0.9 * 128 * log10(2.0) - 3, "%s: 128-bit ladder %g digits",
                  deq_act_name((deq_act)a), digits);
        for (int s = 0; s < 2; s++) {
            mat_d_t Zd;
            deq_solve_info_t id;
            solve_d(Zd, id, &N, "0.35", (deq_act)a, (deq_solver)s);
            double dd = dist_d_mp(Zd, Zref);
            cr_expect(id->outcome == DEQ_CONVERGED, "%s %s double: %s", deq_act_name((deq_act)a),
                      deq_solver_name((deq_solver)s), deq_outcome_name(id->outcome));
            cr_expect(id->certified && dd <= id->err_bound, "%s %s double: distance %g, bound %g",
                      deq_act_name((deq_act)a), deq_solver_name((deq_solver)s), dd, id->err_bound);
            /* the bound is useful, not vacuous: within a size-derived multiple of u */
            double u = ldexp(1.0, -53);
            cr_expect(id->err_bound_rel <= 64.0 * N.m * u / (1 - id->rho_upper),
                      "%s double bound %g relative is loose", deq_act_name((deq_act)a), id->err_bound_rel);
            cr_expect(dd / zn <= 1e-13, "%s double: %g relative error", deq_act_name((deq_act)a), dd / zn);
            mat_clear_d(Zd);
            deq_solve_info_clear(id);
        }
        mat_clear_mp(Zref);
        mat_clear_mp(Z128);
        deq_solve_info_clear(iref);
        deq_solve_info_clear(i128);
        net_clear(&N);
    }
}

Test(forward, picard_and_anderson_agree_and_picard_contracts_at_rate_rho)
{
    for (long it = 0; it < test_iters(6); it++) {
        deq_act a = (deq_act)(it % DEQ_ACT_COUNT);
        net N;
        net_init(&N, 20 + 5 * it, 4, 3, test_seed() + 200 + it);
        mat_mp_t Zp, Za;
        deq_solve_info_t ip, ia;
        solve_mp(Zp, ip, &N, "0.35", a, DEQ_SOLVER_PICARD, 0, 192);
        solve_mp(Za, ia, &N, "0.35", a, DEQ_SOLVER_ANDERSON, 0, 192);
        cr_assert(ip->outcome == DEQ_CONVERGED && ia->outcome == DEQ_CONVERGED, "%s: %s / %s",
                  deq_act_name(a), deq_outcome_name(ip->outcome), deq_outcome_name(ia->outcome));
        double d = dist_mp_mp(Zp, Za);
        cr_expect(d <= ip->err_bound + ia->err_bound, "%s: picard vs anderson %g > %g + %g",
                  deq_act_name(a), d, ip->err_bound, ia->err_bound);
        cr_expect(ia->iterations < ip->iterations, "%s: anderson %ld iterations, picard %ld",
                  deq_act_name(a), ia->iterations, ip->iterations);
        /* T1.picard_rate: s_{k+1} <= ρ̄ s_k while the steps are far above rounding */
        double floor = 64.0 * N.m * ldexp(1.0, -192) * ip->znorm;
        for (long k = 0; k + 1 < ip->trace_len; k++)
            if (ip->trace[k + 1] > floor)
                cr_expect(ip->trace[k + 1] <= ip->rho_upper * ip->trace[k] * (1 + 1e-12),
                          "%s: step %ld ratio %g > rho_bar %g", deq_act_name(a), k,
                          ip->trace[k + 1] / ip->trace[k], ip->rho_upper);
        cr_expect(ip->observed_contraction <= ip->rho_upper, "observed %g > rho_bar %g",
                  ip->observed_contraction, ip->rho_upper);
        mat_clear_mp(Zp), mat_clear_mp(Za);
        deq_solve_info_clear(ip), deq_solve_info_clear(ia);
        net_clear(&N);
    }
}

/* A Picard solve that converged returns Φ(z_k) of its last iterate z_k: the
 * same bits as applying Φ `iterations` times to the initial guess by hand (the
 * solver must not fall back to an older iterate when it converged). */
Test(forward, picard_returns_map_of_its_last_iterate)
{
    for (long it = 0; it < test_iters(8); it++) {
        deq_act a = (deq_act)(it % DEQ_ACT_COUNT);
        net N;
        net_init(&N, 12 + 3 * it, 3, 4, test_seed() + 900 + it);
        deq_problem_d_t P;
        problem_d(P, &N, "0.3", a);
        deq_solve_opts o;
        deq_solve_opts_default(&o);
        o.solver = DEQ_SOLVER_PICARD;
        mat_d_t Z, Y, Ynext, H;
        mat_init_d(Z, N.m, N.n, 53), mat_init_d(Y, N.m, N.n, 53), mat_init_d(Ynext, N.m, N.n, 53),
            mat_init_d(H, N.m, N.n, 53);
        deq_solve_info_t info;
        deq_solve_info_init(info);
        deq_forward_solve_d(Z, info, &P->fp, &o, 53);
        cr_assert_eq(info->outcome, DEQ_CONVERGED, "%s: %s", deq_act_name(a),
                     deq_outcome_name(info->outcome));
        for (long k = 0; k < info->iterations; k++) {
            deq_phi_d(Ynext, H, &P->fp, Y, 53);
            mat_swap_d(Y, Ynext);
        }
        long differ = 0;
        for (long q = 0; q < N.m * N.n; q++)
            differ += Z->e[q] != Y->e[q];
        cr_expect_eq(differ, 0, "%s: %ld of %ld entries differ from Phi^%ld(0)" TSEED_FMT,
                     deq_act_name(a), differ, N.m * N.n, info->iterations, TSEED);
        mat_clear_d(Z), mat_clear_d(Y), mat_clear_d(Ynext), mat_clear_d(H);
        deq_solve_info_clear(info);
        deq_problem_clear_d(P);
        net_clear(&N);
    }
}

Test(forward, newton_converges_quadratically)
{
    /* From a 1e-8 start, each Newton step should roughly double the digits
     * (e_{k+1} <= C e_k²) until the 600-bit rounding level. */
    long prec = 600;
    net N;
    net_init(&N, 40, 5, 3, test_seed() + 300);
    deq_problem_mp_t P;
    problem_mp(P, &N, "0.7", DEQ_ACT_TANH, prec);
    deq_solve_opts o;
    deq_solve_opts_default(&o);
    o.tol = 1e-8;
    o.newton = 0;
    mat_mp_t Z;
    mat_init_mp(Z, N.m, N.n, prec);
    deq_solve_info_t info;
    deq_solve_info_init(info);
    deq_forward_anderson_mp(Z, info, &P->fp, &o, prec);
    cr_assert_eq(info->outcome, DEQ_CONVERGED);
    long start = info->trace_len;
    double r0 = info->resid;
    o.newton_max = 10;
    info->tol_floor = 0;
    long steps = deq_forward_newton_mp(Z, info, &P->fp, &o, 1e-170, prec);
    cr_expect(steps >= 2 && steps <= 6, "Newton took %ld steps from 1e-8 to 1e-170", steps);
    double prev = r0, zn = info->znorm;
    double floor = 64.0 * N.m * ldexp(1.0, -(int)prec) * zn;
    for (long k = start; k < info->trace_len; k++) {
        double r = info->trace[k];
        double dprev = -log10(prev / zn), dnow = -log10(r / zn);
        if (r > floor)
            cr_expect(dnow >= 1.7 * dprev, "Newton step %ld: %.1f -> %.1f digits (not quadratic)",
                      k - start + 1, dprev, dnow);
        prev = r;
    }
    cr_expect(info->outcome == DEQ_CONVERGED && info->resid_rel <= 1e-170, "final %s, residual %g",
              deq_outcome_name(info->outcome), info->resid_rel);
    mat_clear_mp(Z);
    deq_solve_info_clear(info);
    deq_problem_clear_mp(P);
    net_clear(&N);
}

Test(forward, injection_error_bound_covers_the_double_rounding)
{
    /* B̂ = α_U·U·X in double vs the same product at 256 bits (exact data): the
     * entrywise bound must cover the difference. */
    net N;
    net_init(&N, 50, 30, 7, test_seed() + 400);
    deq_problem_d_t Pd;
    deq_problem_mp_t Pm;
    problem_d(Pd, &N, "0.3", DEQ_ACT_TANH);
    problem_mp(Pm, &N, "0.3", DEQ_ACT_TANH, 256);
    for (long k = 0; k < N.m * N.n; k++) {
        mpfr_t diff;
        mpfr_init2(diff, 256);
        mpfr_sub_d(diff, Pm->B->e + k, Pd->B->e[k], MPFR_RNDN);
        double e = fabs(mpfr_get_d(diff, MPFR_RNDN));
        cr_expect(e <= Pd->B_err->e[k], "entry %ld: |B - B^| = %g > bound %g", k, e, Pd->B_err->e[k]);
        cr_expect(Pd->B_err->e[k] <= 64.0 * N.d * ldexp(1.0, -53) * (1 + fabs(Pd->B->e[k])) * 10,
                  "entry %ld: bound %g is loose", k, Pd->B_err->e[k]);
        mpfr_clear(diff);
    }
    deq_problem_clear_d(Pd);
    deq_problem_clear_mp(Pm);
    net_clear(&N);
}

Test(adjoint, matches_a_direct_solve_of_its_linear_system)
{
    /* w_i = v + α·Aᵀ D_i w_i  <=>  (I − α·Aᵀ D_i) w_i = v: solve that by LU at
     * 512 bits per sample (an independent route) and compare with the adjoint
     * fixed point in double and at 256 bits, within their rigorous bounds. */
    for (int a = 0; a < DEQ_ACT_COUNT; a++) {
        net N;
        net_init(&N, 28, 4, 3, test_seed() + 700 + a);
        long m = N.m, p2 = 512;
        deq_problem_mp_t P;
        problem_mp(P, &N, "0.35", (deq_act)a, p2);
        mat_mp_t Z, H, PHI, D, v;
        deq_solve_info_t info;
        deq_solve_opts o;
        deq_solve_opts_default(&o);
        mat_init_mp(Z, m, N.n, p2);
        deq_solve_info_init(info);
        deq_forward_solve_mp(Z, info, &P->fp, &o, p2);
        cr_assert_eq(info->outcome, DEQ_CONVERGED);
        mat_init_mp(H, m, N.n, p2);
        mat_init_mp(PHI, m, N.n, p2);
        mat_init_mp(D, m, N.n, p2);
        deq_phi_mp(PHI, H, &P->fp, Z, p2);
        deq_act_apply_mp(PHI, D, H, (deq_act)a, p2); /* D = σ′(h) at the equilibrium */
        mat_init_mp(v, m, 1, p2);
        deq_rng_t rng;
        deq_rng_init(rng, test_seed() + 800 + a);
        for (long j = 0; j < m; j++)
            mpfr_set_d(v->e + j, deq_rng_gaussian(rng), MPFR_RNDN);
        deq_rng_clear(rng);

        /* reference by LU */
        mat_mp_t J, LU, Wref;
        mat_init_mp(J, m, m, p2);
        mat_init_mp(LU, m, m, p2);
        mat_init_mp(Wref, m, N.n, p2);
        long *perm = malloc((size_t)m * sizeof *perm);
        for (long i = 0; i < N.n; i++) {
            for (long r = 0; r < m; r++)
                for (long c = 0; c < m; c++) { /* J = I − α Aᵀ D_i: J_rc = δ − α A_cr d_c */
                    mpfr_ptr j = J->e + r + c * m;
                    mpfr_mul(j, P->A->e + c + r * m, D->e + c + i * m, MPFR_RNDN);
                    mpfr_mul(j, j, P->alpha_A, MPFR_RNDN);
                    mpfr_neg(j, j, MPFR_RNDN);
                    if (r == c)
                        mpfr_add_ui(j, j, 1, MPFR_RNDN);
                }
            cr_assert_eq(num_lu_mp(LU, perm, J, p2), 0);
            mat_mp_t col;
            mat_init_mp(col, m, 1, p2);
            mat_set_mp(col, v);
            num_lu_solve_mp(col, LU, perm, col, p2);
            for (long r = 0; r < m; r++)
                mpfr_set(Wref->e + r + i * m, col->e + r, MPFR_RNDN);
            mat_clear_mp(col);
        }
        double wn = mat_max_col_norm_mp(Wref, p2);

        for (int b = 0; b < 2; b++) {
            long prec = b ? 256 : 53;
            mat_mp_t W, Dp, vp, Ap;
            mat_init_mp(W, m, N.n, p2);
            deq_solve_info_t ia;
            deq_solve_info_init(ia);
            o.solver = b ? DEQ_SOLVER_ANDERSON : DEQ_SOLVER_PICARD;
            if (b) {
                mat_init_mp(Dp, m, N.n, prec);
                mat_init_mp(vp, m, 1, prec);
                mat_init_mp(Ap, m, m, prec);
                mat_set_mp(Dp, D);
                mat_set_mp(vp, v);
                mat_set_mp(Ap, P->A);
                mpfr_t al;
                mpfr_init2(al, prec);
                mpfr_set(al, P->alpha_A, MPFR_RNDN);
                deq_adj_mp_struct adj = {Ap, al, Dp, vp, P->fp.rho_upper};
                mat_mp_t Wb;
                mat_init_mp(Wb, m, N.n, prec);
                deq_adjoint_solve_mp(Wb, ia, &adj, &o, prec);
                mat_set_mp(W, Wb);
                mat_clear_mp(Wb);
                mpfr_clear(al);
                mat_clear_mp(Dp), mat_clear_mp(vp), mat_clear_mp(Ap);
            } else {
                mat_d_t Ad, Dd, vd, Wd;
                mat_init_d(Ad, m, m, 53), mat_init_d(Dd, m, N.n, 53), mat_init_d(vd, m, 1, 53);
                mat_init_d(Wd, m, N.n, 53);
                mat_get_mat_d_mp(Ad, P->A), mat_get_mat_d_mp(Dd, D), mat_get_mat_d_mp(vd, v);
                double al = mpfr_get_d(P->alpha_A, MPFR_RNDN);
                deq_adj_d_struct adj = {Ad, &al, Dd, vd, P->fp.rho_upper};
                deq_adjoint_solve_d(Wd, ia, &adj, &o, 53);
                mat_set_mat_d_mp(W, Wd);
                mat_clear_d(Ad), mat_clear_d(Dd), mat_clear_d(vd), mat_clear_d(Wd);
            }
            cr_expect_eq(ia->outcome, DEQ_CONVERGED, "%s %s: %s", deq_act_name((deq_act)a),
                         b ? "mpfr" : "double", deq_outcome_name(ia->outcome));
            double dist = mat_max_col_dist_mp(W, Wref, p2);
            /* D and α were rounded to the backend's precision (relative u each),
             * which moves the exact solution by at most about ρ̄/(1−ρ̄)·2u·‖w‖:
             * allow that on top of the rigorous rounding bound. */
            double u = ldexp(1.0, -(int)prec);
            double data_shift = 4 * u * wn / (1 - ia->rho_upper);
            cr_expect(dist <= ia->err_bound + data_shift, "%s %s: |w - w_ref| = %g > bound %g + %g",
                      deq_act_name((deq_act)a), b ? "mpfr" : "double", dist, ia->err_bound,
                      data_shift);
            cr_expect(dist <= 64.0 * m * u * wn / (1 - ia->rho_upper), "%s %s: %g relative error",
                      deq_act_name((deq_act)a), b ? "mpfr" : "double", dist / wn);
            mat_clear_mp(W);
            deq_solve_info_clear(ia);
        }
        free(perm);
        mat_clear_mp(J), mat_clear_mp(LU), mat_clear_mp(Wref), mat_clear_mp(Z), mat_clear_mp(H),
            mat_clear_mp(PHI), mat_clear_mp(D), mat_clear_mp(v);
        deq_solve_info_clear(info);
        deq_problem_clear_mp(P);
        net_clear(&N);
    }
}

/* f_i = α_v vᵀz_i for all samples at `prec` bits, the equilibria solved from
 * scratch for the weights (A, U) given in double plus an optional exact
 * perturbation ±h at entry `k` of A (which = 0), U (which = 1) or v (which = 2). */
static void outputs_fd(mpfr_t *f, const net *N, const mat_d_t v, int which, long k, int sign,
                       mpfr_srcptr h, const char *gamma, deq_act a, long prec)
{
    mat_mp_t A, U, X, Z;
    mat_init_mp(A, N->m, N->m, prec);
    mat_init_mp(U, N->m, N->d, prec);
    mat_init_mp(X, N->d, N->n, prec);
    mat_set_mat_d_mp(A, N->A);
    mat_set_mat_d_mp(U, N->U);
    mat_set_mat_d_mp(X, N->X);
    if (k >= 0 && which < 2) {
        mpfr_ptr e = which == 0 ? A->e + k : U->e + k;
        if (sign > 0)
            mpfr_add(e, e, h, MPFR_RNDN);
        else
            mpfr_sub(e, e, h, MPFR_RNDN);
    }
    deq_problem_mp_t P;
    deq_problem_init_mp(P, A, U, X, gamma, "1", a, 1, prec);
    deq_solve_opts o;
    deq_solve_opts_default(&o);
    mat_init_mp(Z, N->m, N->n, prec);
    deq_solve_info_t info;
    deq_solve_info_init(info);
    deq_forward_solve_mp(Z, info, &P->fp, &o, prec);
    cr_assert_eq(info->outcome, DEQ_CONVERGED);
    mpfr_t t, av;
    mpfr_inits2((mpfr_prec_t)prec, t, av, (mpfr_ptr)0);
    mpfr_set_ui(av, (unsigned long)N->m, MPFR_RNDN);
    mpfr_rec_sqrt(av, av, MPFR_RNDN); /* α_v = σ_v/√m, σ_v = 1 */
    for (long i = 0; i < N->n; i++) {
        mpfr_set_zero(f[i], 1);
        for (long j = 0; j < N->m; j++) {
            mpfr_mul_d(t, Z->e + j + i * N->m, v->e[j], MPFR_RNDN);
            mpfr_add(f[i], f[i], t, MPFR_RNDN);
            if (which == 2 && j == k) { /* (v_j ± h)·z_ij */
                mpfr_mul(t, Z->e + j + i * N->m, h, MPFR_RNDN);
                if (sign > 0)
                    mpfr_add(f[i], f[i], t, MPFR_RNDN);
                else
                    mpfr_sub(f[i], f[i], t, MPFR_RNDN);
            }
        }
        mpfr_mul(f[i], f[i], av, MPFR_RNDN);
    }
    mpfr_clears(t, av, (mpfr_ptr)0);
    mat_clear_mp(Z);
    deq_solve_info_clear(info);
    deq_problem_clear_mp(P);
}

Test(gram, blocks_equal_JJt_from_finite_differences, .timeout = 120)
{
    /* G = J Jᵀ with J_i = ∂f_i/∂θ by central differences at 1024 bits
     * (h = 2^-200: truncation O(h²) ≈ 1e-120), an independent route to the
     * adjoint-based formulas, compared at 256 bits and in double. */
    long prec_fd = 1024;
    deq_act acts[] = {DEQ_ACT_TANH, DEQ_ACT_RELU};
    for (int ai = 0; ai < 2; ai++) {
        deq_act a = acts[ai];
        net N;
        net_init(&N, 6, 3, 3, test_seed() + 900 + ai);
        long m = N.m, n = N.n, d = N.d;
        mat_d_t v;
        mat_init_d(v, m, 1, 53);
        deq_rng_t rng;
        deq_rng_init(rng, test_seed() + 950 + ai);
        test_fill_gaussian(v, rng);
        deq_rng_clear(rng);
        mpfr_t h, *fp_ = malloc((size_t)n * sizeof *fp_), *fm = malloc((size_t)n * sizeof *fm);
        mpfr_init2(h, (mpfr_prec_t)prec_fd);
        mpfr_set_ui_2exp(h, 1, -200, MPFR_RNDN);
        for (long i = 0; i < n; i++)
            mpfr_init2(fp_[i], (mpfr_prec_t)prec_fd), mpfr_init2(fm[i], (mpfr_prec_t)prec_fd);
        /* J for the groups A (which 0) and U (which 1): n × (#params) */
        long counts[2] = {m * m, m * d};
        mpfr_t *J[2];
        for (int w = 0; w < 2; w++) {
            J[w] = malloc((size_t)(n * counts[w]) * sizeof *J[w]);
            for (long k = 0; k < counts[w]; k++) {
                outputs_fd(fp_, &N, v, w, k, +1, h, "0.35", a, prec_fd);
                outputs_fd(fm, &N, v, w, k, -1, h, "0.35", a, prec_fd);
                for (long i = 0; i < n; i++) {
                    mpfr_init2(J[w][i + k * n], (mpfr_prec_t)prec_fd);
                    mpfr_sub(J[w][i + k * n], fp_[i], fm[i], MPFR_RNDN);
                    mpfr_mul_2ui(J[w][i + k * n], J[w][i + k * n], 199, MPFR_RNDN); /* /(2h) */
                }
            }
        }
        for (int b = 0; b < 2; b++) {
            long prec = b ? 256 : 53;
            mat_mp_t GA, GU, Gv, W, Z, vm, Ah, Uh, Xh;
            deq_problem_mp_t P;
            mat_init_mp(Ah, m, m, prec), mat_init_mp(Uh, m, d, prec), mat_init_mp(Xh, d, n, prec);
            mat_set_mat_d_mp(Ah, N.A), mat_set_mat_d_mp(Uh, N.U), mat_set_mat_d_mp(Xh, N.X);
            mat_init_mp(GA, n, n, prec), mat_init_mp(GU, n, n, prec), mat_init_mp(Gv, n, n, prec);
            mat_init_mp(W, m, n, prec), mat_init_mp(Z, m, n, prec), mat_init_mp(vm, m, 1, prec);
            mat_set_mat_d_mp(vm, v);
            deq_solve_opts o;
            deq_solve_opts_default(&o);
            deq_solve_info_t fi, ai_;
            deq_solve_info_init(fi), deq_solve_info_init(ai_);
            if (b) {
                deq_problem_init_mp(P, Ah, Uh, Xh, "0.35", "1", a, 1, prec);
                deq_forward_solve_mp(Z, fi, &P->fp, &o, prec);
                mpfr_t av;
                mpfr_init2(av, prec);
                mpfr_set_ui(av, (unsigned long)m, MPFR_RNDN);
                mpfr_rec_sqrt(av, av, MPFR_RNDN);
                deq_gram_network_mp(GA, GU, Gv, W, ai_, P, Z, vm, av, &o, prec);
                mpfr_clear(av);
                deq_problem_clear_mp(P);
            } else {
                deq_problem_d_t Pd;
                problem_d(Pd, &N, "0.35", a);
                mat_d_t Zd, Wd, GAd, GUd, Gvd;
                mat_init_d(Zd, m, n, 53), mat_init_d(Wd, m, n, 53);
                mat_init_d(GAd, n, n, 53), mat_init_d(GUd, n, n, 53), mat_init_d(Gvd, n, n, 53);
                deq_forward_solve_d(Zd, fi, &Pd->fp, &o, 53);
                double av = 1 / sqrt((double)m);
                deq_gram_network_d(GAd, GUd, Gvd, Wd, ai_, Pd, Zd, v, &av, &o, 53);
                mat_set_mat_d_mp(GA, GAd), mat_set_mat_d_mp(GU, GUd), mat_set_mat_d_mp(Gv, Gvd);
                mat_clear_d(Zd), mat_clear_d(Wd), mat_clear_d(GAd), mat_clear_d(GUd), mat_clear_d(Gvd);
                deq_problem_clear_d(Pd);
                mat_clear_mp(Ah), mat_clear_mp(Uh), mat_clear_mp(Xh);
            }
            cr_assert(fi->outcome == DEQ_CONVERGED && ai_->outcome == DEQ_CONVERGED, "%s %s",
                      deq_outcome_name(fi->outcome), deq_outcome_name(ai_->outcome));
            mat_mp_t *blocks[2] = {&GA, &GU};
            for (int w = 0; w < 2; w++) {
                double worst = 400, scale = 0;
                mpfr_t acc, t;
                mpfr_inits2((mpfr_prec_t)prec_fd, acc, t, (mpfr_ptr)0);
                for (long q = 0; q < n * n; q++)
                    scale = fmax(scale, fabs(mpfr_get_d((*blocks[w])->e + q, MPFR_RNDN)));
                for (long i = 0; i < n; i++)
                    for (long j = 0; j < n; j++) {
                        mpfr_set_zero(acc, 1);
                        for (long k = 0; k < counts[w]; k++) {
                            mpfr_mul(t, J[w][i + k * n], J[w][j + k * n], MPFR_RNDN);
                            mpfr_add(acc, acc, t, MPFR_RNDN);
                        }
                        mpfr_sub(t, acc, (*blocks[w])->e + i + j * n, MPFR_RNDN);
                        double e = fabs(mpfr_get_d(t, MPFR_RNDN));
                        if (e > 0)
                            worst = fmin(worst, -log10(e / scale));
                    }
                double want = b ? 70 : 13;
                cr_expect(worst >= want, "%s G^%s %s: %.1f digits vs finite differences (want %.0f)",
                          deq_act_name(a), w ? "U" : "A", b ? "mpfr-256" : "double", worst, want);
                mpfr_clears(acc, t, (mpfr_ptr)0);
            }
            mat_clear_mp(GA), mat_clear_mp(GU), mat_clear_mp(Gv), mat_clear_mp(W), mat_clear_mp(Z),
                mat_clear_mp(vm);
            deq_solve_info_clear(fi), deq_solve_info_clear(ai_);
        }
        for (int w = 0; w < 2; w++) {
            for (long k = 0; k < n * counts[w]; k++)
                mpfr_clear(J[w][k]);
            free(J[w]);
        }
        for (long i = 0; i < n; i++)
            mpfr_clear(fp_[i]), mpfr_clear(fm[i]);
        free(fp_), free(fm);
        mpfr_clear(h);
        mat_clear_d(v);
        net_clear(&N);
    }
}

Test(grad, implicit_gradients_equal_central_differences, .timeout = 120)
{
    /* docs/THEORY.md §3 / T3.gradient: ∇L by the adjoint vs central differences of
     * L at 1024 bits (h = 2^-200, equilibrium re-solved for every perturbation),
     * at 256 bits (>= 128 bits = half the precision asked; 70 digits checked)
     * and in double (>= 12 digits), for A, U and v. */
    long prec_fd = 1024;
    deq_act acts[] = {DEQ_ACT_TANH, DEQ_ACT_RELU};
    for (int ai = 0; ai < 2; ai++) {
        deq_act a = acts[ai];
        net N;
        net_init(&N, 5, 2, 3, test_seed() + 1100 + ai);
        long m = N.m, n = N.n, d = N.d;
        mat_d_t v, y;
        mat_init_d(v, m, 1, 53);
        mat_init_d(y, n, 1, 53);
        deq_rng_t rng;
        deq_rng_init(rng, test_seed() + 1150 + ai);
        test_fill_gaussian(v, rng);
        test_fill_gaussian(y, rng);
        deq_rng_clear(rng);
        mpfr_t h, lp, lm, t, *fpl = malloc((size_t)n * sizeof *fpl), *fmi = malloc((size_t)n * sizeof *fmi);
        mpfr_inits2((mpfr_prec_t)prec_fd, h, lp, lm, t, (mpfr_ptr)0);
        mpfr_set_ui_2exp(h, 1, -200, MPFR_RNDN);
        for (long i = 0; i < n; i++)
            mpfr_init2(fpl[i], (mpfr_prec_t)prec_fd), mpfr_init2(fmi[i], (mpfr_prec_t)prec_fd);
        long counts[3] = {m * m, m * d, m};
        mpfr_t *fd[3];
        for (int w = 0; w < 3; w++) {
            fd[w] = malloc((size_t)counts[w] * sizeof *fd[w]);
            for (long k = 0; k < counts[w]; k++) {
                mpfr_init2(fd[w][k], (mpfr_prec_t)prec_fd);
                outputs_fd(fpl, &N, v, w, k, +1, h, "0.35", a, prec_fd);
                outputs_fd(fmi, &N, v, w, k, -1, h, "0.35", a, prec_fd);
                mpfr_set_zero(lp, 1), mpfr_set_zero(lm, 1);
                for (long i = 0; i < n; i++) { /* L = ½Σ(f − y)² */
                    mpfr_sub_d(t, fpl[i], y->e[i], MPFR_RNDN);
                    mpfr_fma(lp, t, t, lp, MPFR_RNDN);
                    mpfr_sub_d(t, fmi[i], y->e[i], MPFR_RNDN);
                    mpfr_fma(lm, t, t, lm, MPFR_RNDN);
                }
                mpfr_sub(fd[w][k], lp, lm, MPFR_RNDN);
                mpfr_mul_2ui(fd[w][k], fd[w][k], 198, MPFR_RNDN); /* ½·(L+ − L−)/(2h) */
            }
        }
        /* adjoint gradients at 256 bits and in double */
        for (int b = 0; b < 2; b++) {
            long prec = b ? 256 : 53;
            deq_problem_mp_t P;
            problem_mp(P, &N, "0.35", a, prec);
            mat_mp_t Z, W, gA, gU, gv, vm, ym;
            mat_init_mp(Z, m, n, prec), mat_init_mp(W, m, n, prec), mat_init_mp(gA, m, m, prec),
                mat_init_mp(gU, m, d, prec), mat_init_mp(gv, m, 1, prec), mat_init_mp(vm, m, 1, prec),
                mat_init_mp(ym, n, 1, prec);
            mat_set_mat_d_mp(vm, v), mat_set_mat_d_mp(ym, y);
            deq_solve_opts o;
            deq_solve_opts_default(&o);
            deq_solve_info_t fi, ai_;
            deq_solve_info_init(fi), deq_solve_info_init(ai_);
            mpfr_t loss, av;
            mpfr_inits2((mpfr_prec_t)prec, loss, av, (mpfr_ptr)0);
            mpfr_set_ui(av, (unsigned long)m, MPFR_RNDN);
            mpfr_rec_sqrt(av, av, MPFR_RNDN);
            if (b) {
                deq_forward_solve_mp(Z, fi, &P->fp, &o, prec);
                deq_loss_grad_mp(loss, gA, gU, gv, NULL, W, ai_, P, Z, vm, ym, av, &o, prec);
            } else {
                deq_problem_d_t Pd;
                problem_d(Pd, &N, "0.35", a);
                mat_d_t Zd, Wd, gAd, gUd, gvd;
                mat_init_d(Zd, m, n, 53), mat_init_d(Wd, m, n, 53), mat_init_d(gAd, m, m, 53),
                    mat_init_d(gUd, m, d, 53), mat_init_d(gvd, m, 1, 53);
                double l, avd = 1 / sqrt((double)m);
                deq_forward_solve_d(Zd, fi, &Pd->fp, &o, 53);
                deq_loss_grad_d(&l, gAd, gUd, gvd, NULL, Wd, ai_, Pd, Zd, v, y, &avd, &o, 53);
                mat_set_mat_d_mp(gA, gAd), mat_set_mat_d_mp(gU, gUd), mat_set_mat_d_mp(gv, gvd);
                mat_clear_d(Zd), mat_clear_d(Wd), mat_clear_d(gAd), mat_clear_d(gUd), mat_clear_d(gvd);
                deq_problem_clear_d(Pd);
            }
            cr_assert(fi->outcome == DEQ_CONVERGED && ai_->outcome == DEQ_CONVERGED);
            mat_mp_t *g[3] = {&gA, &gU, &gv};
            for (int w = 0; w < 3; w++) {
                double scale = 0, worst = 0;
                for (long k = 0; k < counts[w]; k++)
                    scale = fmax(scale, fabs(mpfr_get_d(fd[w][k], MPFR_RNDN)));
                for (long k = 0; k < counts[w]; k++) {
                    mpfr_sub(t, (*g[w])->e + k, fd[w][k], MPFR_RNDN);
                    worst = fmax(worst, fabs(mpfr_get_d(t, MPFR_RNDN)));
                }
                double digits = worst > 0 ? -log10(worst / scale) : 400;
                double want = b ? 70 : 12;
                cr_expect(digits >= want, "%s grad %c %s: %.1f digits vs finite differences (want %.0f)",
                          deq_act_name(a), "AUv"[w], b ? "mpfr-256" : "double", digits, want);
            }
            mpfr_clears(loss, av, (mpfr_ptr)0);
            mat_clear_mp(Z), mat_clear_mp(W), mat_clear_mp(gA), mat_clear_mp(gU), mat_clear_mp(gv),
                mat_clear_mp(vm), mat_clear_mp(ym);
            deq_solve_info_clear(fi), deq_solve_info_clear(ai_);
            deq_problem_clear_mp(P);
        }
        for (int w = 0; w < 3; w++) {
            for (long k = 0; k < counts[w]; k++)
                mpfr_clear(fd[w][k]);
            free(fd[w]);
        }
        for (long i = 0; i < n; i++)
            mpfr_clear(fpl[i]), mpfr_clear(fmi[i]);
        free(fpl), free(fmi);
        mpfr_clears(h, lp, lm, t, (mpfr_ptr)0);
        mat_clear_d(v), mat_clear_d(y);
        net_clear(&N);
    }
}

/* ------------------------------------------------------------------------ */
/* negative controls                                                         */

Test(forward, no_certificate_when_rho_exceeds_one)
{
    net N;
    net_init(&N, 64, 5, 4, test_seed() + 500);
    mat_d_t Z;
    deq_solve_info_t info;
    solve_d(Z, info, &N, "2", DEQ_ACT_TANH, DEQ_SOLVER_PICARD); /* ρ̄ ≈ 2γL = 4 */
    cr_expect(info->rho_upper > 1, "rho_bar %g", info->rho_upper);
    cr_expect(!info->certified && isnan(info->err_bound), "certified without a contraction");
    mat_clear_d(Z);
    deq_solve_info_clear(info);
    net_clear(&N);
}

Test(forward, divergence_is_reported_not_hidden)
{
    /* α_A·A = 3I and positive injection: relu z = relu(3z + b) grows 3× per
     * step, so Picard must report divergence within a few dozen iterations. */
    long m = 16, n = 2;
    mat_d_t A, B, Z;
    mat_init_d(A, m, m, 53);
    mat_init_d(B, m, n, 53);
    mat_init_d(Z, m, n, 53);
    for (long i = 0; i < m; i++)
        A->e[i + i * m] = 3.0;
    for (long k = 0; k < m * n; k++)
        B->e[k] = 0.5;
    double alpha = 1.0;
    deq_fp_d_struct fp = {A, &alpha, B, DEQ_ACT_RELU, 0, 0, NULL, 3.0, 0};
    deq_solve_opts o;
    deq_solve_opts_default(&o);
    o.solver = DEQ_SOLVER_PICARD;
    deq_solve_info_t info;
    deq_solve_info_init(info);
    deq_forward_solve_d(Z, info, &fp, &o, 53);
    cr_expect_eq(info->outcome, DEQ_DIVERGED, "outcome %s after %ld iterations",
                 deq_outcome_name(info->outcome), info->iterations);
    cr_expect(info->iterations < 60, "%ld iterations", info->iterations);
    /* Anderson on the same map must not claim convergence either */
    mat_zero_d(Z);
    o.solver = DEQ_SOLVER_ANDERSON;
    deq_solve_info_reset(info);
    deq_forward_solve_d(Z, info, &fp, &o, 53);
    cr_expect(info->outcome != DEQ_CONVERGED || info->resid_rel <= info->tol,
              "anderson claims convergence at residual %g", info->resid_rel);
    /* NaN in the data is reported as such */
    B->e[3] = NAN;
    mat_zero_d(Z);
    deq_solve_info_reset(info);
    deq_forward_solve_d(Z, info, &fp, &o, 53);
    cr_expect_eq(info->outcome, DEQ_NONFINITE, "outcome %s", deq_outcome_name(info->outcome));
    mat_clear_d(A), mat_clear_d(B), mat_clear_d(Z);
    deq_solve_info_clear(info);
}

Test(forward, iteration_limit_is_reported)
{
    net N;
    net_init(&N, 30, 4, 3, test_seed() + 600);
    deq_problem_d_t P;
    problem_d(P, &N, "0.9", DEQ_ACT_TANH);
    deq_solve_opts o;
    deq_solve_opts_default(&o);
    o.solver = DEQ_SOLVER_PICARD;
    o.max_iter = 3;
    mat_d_t Z;
    mat_init_d(Z, N.m, N.n, 53);
    deq_solve_info_t info;
    deq_solve_info_init(info);
    deq_forward_solve_d(Z, info, &P->fp, &o, 53);
    cr_expect_eq(info->outcome, DEQ_MAX_ITER, "outcome %s", deq_outcome_name(info->outcome));
    cr_expect_eq(info->iterations, 3);
    /* a certified bound still holds for an unconverged iterate */
    if (info->certified)
        cr_expect(info->err_bound > 1e-3 * info->znorm, "bound %g suspiciously small after 3 steps",
                  info->err_bound);
    mat_clear_d(Z);
    deq_solve_info_clear(info);
    deq_problem_clear_d(P);
    net_clear(&N);
}

/* ------------------------------------------------------------------------- */
/* Anderson's return to its best iterate                                     */
/* ------------------------------------------------------------------------- */

typedef struct {
    double log2_rel[256];
    long count;
} rel_trace;

static void record_rel(void *ctx, long iterations, double log2_rel, double log2_target)
{
    (void)log2_target;
    rel_trace *t = ctx;
    if (iterations <= 256)
        t->log2_rel[iterations - 1] = log2_rel, t->count = iterations;
}

/* With a tolerance no double iterate reaches, Anderson stalls at the rounding
 * floor and, after `patience` iterations without a smaller residual, returns
 * map(z_best) for its best iterate z_best, which it keeps without a copy
 * while z_best is the last iterate and copies only when a later iterate
 * would recycle its buffer. The second route: the same solve stopped by
 * max_iter at the best iteration K (read from the observer's record of the
 * relative residuals) returns map(z_K) without going back, and must give the
 * same bits. Patience 1 stops right after the best (the kept buffer),
 * patience 4 later (the copy); both must be met. */
Test(forward, anderson_returns_its_best_iterate_bit_for_bit)
{
    net N;
    net_init(&N, 48, 6, 10, test_seed() + 1300);
    deq_problem_d_t P;
    problem_d(P, &N, "0.6", DEQ_ACT_TANH);
    int met_kept = 0, met_copied = 0;
    for (long patience = 1; patience <= 4; patience += 3) {
        deq_solve_opts o;
        deq_solve_opts_default(&o);
        o.tol = 1e-300, o.patience = patience, o.max_iter = 200;
        rel_trace tr = {.count = 0};
        o.observe = record_rel, o.observe_ctx = &tr;
        mat_d_t Z, Zk;
        mat_init_d(Z, N.m, N.n, 53), mat_init_d(Zk, N.m, N.n, 53);
        deq_solve_info_t info;
        deq_solve_info_init(info);
        deq_forward_anderson_d(Z, info, &P->fp, &o, 53);
        long iters = info->iterations, best = 0;
        for (long k = 1; k < tr.count; k++)
            if (tr.log2_rel[k] < tr.log2_rel[best])
                best = k;
        cr_assert(tr.count == iters && best + 1 < iters,
                  "patience %ld: %ld iterations (%ld observed), best at %ld: no return to it",
                  patience, iters, tr.count, best);
        met_kept |= best == iters - 2, met_copied |= best < iters - 2;
        deq_solve_opts ok = o;
        ok.max_iter = best + 1, ok.observe = NULL;
        deq_solve_info_reset(info);
        deq_forward_anderson_d(Zk, info, &P->fp, &ok, 53);
        cr_assert(info->iterations == best + 1, "the truncated solve took %ld iterations, not %ld",
                  info->iterations, best + 1);
        cr_assert(memcmp(Z->e, Zk->e, (size_t)(N.m * N.n) * sizeof(double)) == 0,
                  "patience %ld: the returned equilibrium is not map(z_%ld)", patience, best);
        mat_clear_d(Z), mat_clear_d(Zk), deq_solve_info_clear(info);
    }
    cr_assert(met_kept && met_copied, "not both ways met: best kept as last iterate %d, copied %d",
              met_kept, met_copied);
    deq_problem_clear_d(P);
    net_clear(&N);
}

/* ------------------------------------------------------------------------- */
/* the two thread pools                                                      */
/* ------------------------------------------------------------------------- */

/* Threads of this process: the entries of /proc/self/task. */
static int process_threads(void)
{
    DIR *dir = opendir("/proc/self/task");
    cr_assert(dir != NULL, "cannot list /proc/self/task");
    int count = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;)
        count += e->d_name[0] != '.';
    closedir(dir);
    return count;
}

/* With the pools' handover on (as the deqcheck programs set it), mat_gemm_d
 * stops OpenBLAS's idle workers after a threaded product and lets OpenMP's go
 * before it, so that neither pool spins beside the other's work; OpenBLAS
 * starts its workers again at its next threaded call. The products must be
 * cblas_dgemm's, bit for bit, across many releases with OpenMP loops in
 * between (one and two OpenBLAS threads give different bits here, so a
 * different split would show), and the workers must really be gone after
 * each: fewer threads than once cblas_dgemm has started them again (else the
 * release does nothing; counted so that OpenMP threads a runtime keeps through
 * a soft pause cancel out). */
Test(threads, products_across_blas_worker_releases_are_bit_identical)
{
    int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(2);
    mat_gemm_d_set_pool_handover(1);
    long m = 300, k = 300, n = 200;
    deq_rng_t rng;
    deq_rng_init(rng, test_seed() + 1200);
    mat_d_t A, B, C, R;
    mat_init_d(A, m, k, 53), mat_init_d(B, k, n, 53), mat_init_d(C, m, n, 53), mat_init_d(R, m, n, 53);
    test_fill_gaussian(A, rng), test_fill_gaussian(B, rng);
    deq_rng_clear(rng);
    double one = 1, zero = 0, sink = 0;
    for (int rep = 0; rep < 20; rep++) {
        mat_gemm_d(C, &one, MAT_NOTRANS, A, MAT_NOTRANS, B, &zero, 53);
        int released = process_threads();
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1.0, A->e,
                    (int)m, B->e, (int)k, 0.0, R->e, (int)m);
        int with_workers = process_threads();
        if (openblas_get_parallel() == 1)
            cr_assert(released < with_workers,
                      "after product %d: %d threads, not fewer than with OpenBLAS's workers (%d)",
                      rep, released, with_workers);
        cr_assert(memcmp(C->e, R->e, (size_t)(m * n) * sizeof(double)) == 0,
                  "product %d after a release differs from cblas_dgemm's", rep);
        cr_assert(openblas_get_num_threads() == 2, "OpenBLAS threads %d after product %d",
                  openblas_get_num_threads(), rep);
#pragma omp parallel for reduction(+ : sink)
        for (long q = 0; q < m * n; q++)
            sink += C->e[q];
    }
    cr_assert(isfinite(sink));
    mat_gemm_d_set_pool_handover(0);
    mat_clear_d(A), mat_clear_d(B), mat_clear_d(C), mat_clear_d(R);
    openblas_set_num_threads(blas_threads);
}

/* The solvers' per-sample passes (the activation, the residuals and Anderson's
 * step in one loop, the copy of B, adjoint_eval's D ⊙ W and V, the gradient's
 * D ⊙ W·α_v and ·diag(r)) write disjoint columns, whatever the thread: one GD
 * step's Z, W, gradients, loss, iteration counts and bounds on one OpenMP
 * thread and on two, bit for bit. The shape (m·n above 2^19) puts every one
 * of these loops over the threshold at which it runs on threads; relu (a
 * selection) and tanh (a library call); the solves stopped by max_iter = 6
 * to keep the test short. */
Test(threads, double_step_bit_identical_on_one_and_two_openmp_threads)
{
    long m = 256, d = 8, n = 2100;
    net N;
    net_init(&N, m, d, n, test_seed() + 1400);
    mat_d_t v, y;
    readout_init(v, y, m, n, test_seed() + 1401);
    int threads = omp_get_max_threads();
    deq_act acts[] = {DEQ_ACT_RELU, DEQ_ACT_TANH};
    for (int a = 0; a < 2; a++) {
        deq_problem_d_t P;
        problem_d(P, &N, "0.5", acts[a]);
        mat_d_t Z[2], W[2], gA[2], gU[2], gv[2];
        double loss[2];
        long iters[2][2];
        double bound[2][2];
        for (int t = 0; t < 2; t++) {
            omp_set_num_threads(t + 1);
            mat_init_d(Z[t], m, n, 53), mat_init_d(W[t], m, n, 53), mat_init_d(gA[t], m, m, 53);
            mat_init_d(gU[t], m, d, 53), mat_init_d(gv[t], m, 1, 53);
            deq_solve_opts o;
            deq_solve_opts_default(&o);
            o.max_iter = 6;
            deq_solve_info_t fi, ai;
            deq_solve_info_init(fi), deq_solve_info_init(ai);
            double av = 1.0 / sqrt((double)m);
            deq_forward_solve_d(Z[t], fi, &P->fp, &o, 53);
            deq_loss_grad_d(loss + t, gA[t], gU[t], gv[t], NULL, W[t], ai, P, Z[t], v, y, &av, &o, 53);
            iters[t][0] = fi->iterations, iters[t][1] = ai->iterations;
            bound[t][0] = fi->err_bound, bound[t][1] = ai->err_bound;
            deq_solve_info_clear(fi), deq_solve_info_clear(ai);
        }
        omp_set_num_threads(threads);
        const char *name = deq_act_name(acts[a]);
        cr_assert(memcmp(Z[0]->e, Z[1]->e, (size_t)(m * n) * sizeof(double)) == 0, "%s: Z differs", name);
        cr_assert(memcmp(W[0]->e, W[1]->e, (size_t)(m * n) * sizeof(double)) == 0, "%s: W differs", name);
        cr_assert(memcmp(gA[0]->e, gA[1]->e, (size_t)(m * m) * sizeof(double)) == 0, "%s: gA differs", name);
        cr_assert(memcmp(gU[0]->e, gU[1]->e, (size_t)(m * d) * sizeof(double)) == 0, "%s: gU differs", name);
        cr_assert(memcmp(gv[0]->e, gv[1]->e, (size_t)m * sizeof(double)) == 0, "%s: gv differs", name);
        cr_assert(memcmp(loss, loss + 1, sizeof(double)) == 0 && memcmp(iters[0], iters[1], sizeof iters[0]) == 0
                      && memcmp(bound[0], bound[1], sizeof bound[0]) == 0,
                  "%s: loss, iterations or bounds differ", name);
        for (int t = 0; t < 2; t++)
            mat_clear_d(Z[t]), mat_clear_d(W[t]), mat_clear_d(gA[t]), mat_clear_d(gU[t]), mat_clear_d(gv[t]);
        deq_problem_clear_d(P);
    }
    mat_clear_d(v), mat_clear_d(y);
    net_clear(&N);
}

/* ------------------------------------------------------------------------ */
/* solver workspace                                                          */

/* Three warm-started GD steps on A (forward solve, loss and gradients through
 * the adjoint, update), with opts.ws_d = ws (NULL: every solve allocates its
 * own); Z, W, gA, the losses and the solves' outcomes, iterations and error
 * bounds of the last step out. */
typedef struct {
    double loss[3];
    long fwd_iters[3], adj_iters[3];
    double fwd_bound[3], adj_bound[3];
} gd_trace;

static void gd_steps_d(mat_d_t Z, mat_d_t W, mat_d_t gA, gd_trace *tr, const net *N, deq_solver solver,
                       deq_solve_ws_d_struct *ws)
{
    deq_problem_d_t P;
    problem_d(P, N, "0.3", DEQ_ACT_RELU);
    long m = N->m, n = N->n;
    mat_d_t v, y;
    readout_init(v, y, m, n, test_seed() + 1900);
    deq_solve_opts o;
    deq_solve_opts_default(&o);
    o.solver = solver;
    o.ws_d = ws;
    double av = 1.0 / sqrt((double)m), loss;
    deq_solve_info_t fi, ai;
    deq_solve_info_init(fi), deq_solve_info_init(ai);
    for (int k = 0; k < 3; k++) {
        deq_solve_info_reset(fi), deq_solve_info_reset(ai);
        deq_forward_solve_d(Z, fi, &P->fp, &o, 53);
        deq_loss_grad_d(&loss, gA, NULL, NULL, NULL, W, ai, P, Z, v, y, &av, &o, 53);
        tr->loss[k] = loss;
        tr->fwd_iters[k] = fi->iterations, tr->adj_iters[k] = ai->iterations;
        tr->fwd_bound[k] = fi->err_bound, tr->adj_bound[k] = ai->err_bound;
        cr_assert(fi->outcome == DEQ_CONVERGED && ai->outcome == DEQ_CONVERGED && fi->certified);
        for (long q = 0; q < m * m; q++)
            P->A->e[q] -= 0.01 * gA->e[q];
        deq_problem_update_d(P, 53);
    }
    deq_solve_info_clear(fi), deq_solve_info_clear(ai);
    mat_clear_d(v), mat_clear_d(y);
    deq_problem_clear_d(P);
}

Test(workspace, gd_steps_are_bit_identical_with_fresh_and_reused_workspaces)
{
    /* The reference is the path without a workspace (buffers allocated and
     * zeroed per solve). The workspace is used first on another network of
     * the same shape and on one of another shape, so that its buffers hold
     * stale values and are re-sized: nothing read from them may matter. */
    long m = 24, d = 3, n = 7;
    deq_solver solvers[] = {DEQ_SOLVER_ANDERSON, DEQ_SOLVER_PICARD};
    for (int si = 0; si < 2; si++) {
        net N, other, wide;
        net_init(&N, m, d, n, test_seed() + 1910);
        net_init(&other, m, d, n, test_seed() + 1911);
        net_init(&wide, m + 5, d, n + 3, test_seed() + 1912);
        mat_d_t Z0, W0, g0, Z1, W1, g1, Zs, Ws, gs, Zw, Ww, gw;
        mat_d_struct *ms[] = {Z0, W0, Z1, W1, Zs, Ws};
        for (int q = 0; q < 6; q++)
            mat_init_d(ms[q], m, n, 53);
        mat_init_d(g0, m, m, 53), mat_init_d(g1, m, m, 53), mat_init_d(gs, m, m, 53);
        mat_init_d(Zw, m + 5, n + 3, 53), mat_init_d(Ww, m + 5, n + 3, 53), mat_init_d(gw, m + 5, m + 5, 53);
        gd_trace t0, t1, ts, tw;
        gd_steps_d(Z0, W0, g0, &t0, &N, solvers[si], NULL);
        deq_solve_ws_d_t ws;
        deq_solve_ws_init_d(ws);
        /* wide first (the slots sized larger), then another problem of N's
         * shape, so N's run meets that problem's stale values in its slots */
        gd_steps_d(Zw, Ww, gw, &tw, &wide, solvers[si], ws);
        gd_steps_d(Zs, Ws, gs, &ts, &other, solvers[si], ws);
        gd_steps_d(Z1, W1, g1, &t1, &N, solvers[si], ws);
        deq_solve_ws_clear_d(ws);
        cr_assert(memcmp(Z0->e, Z1->e, (size_t)(m * n) * sizeof(double)) == 0, "Z differs");
        cr_assert(memcmp(W0->e, W1->e, (size_t)(m * n) * sizeof(double)) == 0, "W differs");
        cr_assert(memcmp(g0->e, g1->e, (size_t)(m * m) * sizeof(double)) == 0, "grad A differs");
        cr_assert(memcmp(&t0, &t1, sizeof t0) == 0, "losses, iterations or error bounds differ");
        /* the stale run was a different problem: its results do differ */
        cr_assert(memcmp(Z0->e, Zs->e, (size_t)(m * n) * sizeof(double)) != 0);
        for (int q = 0; q < 6; q++)
            mat_clear_d(ms[q]);
        mat_clear_d(g0), mat_clear_d(g1), mat_clear_d(gs), mat_clear_d(Zw), mat_clear_d(Ww), mat_clear_d(gw);
        net_clear(&N), net_clear(&other), net_clear(&wide);
    }
}

Test(workspace, mpfr_solves_are_identical_with_fresh_and_reused_workspaces)
{
    /* The same for the MPFR backend (Anderson, then Newton), the workspace
     * used first at another precision (its buffers re-initialized). */
    long m = 12, d = 3, n = 4, prec = 128;
    net N;
    net_init(&N, m, d, n, test_seed() + 1920);
    deq_problem_mp_t P;
    problem_mp(P, &N, "0.3", DEQ_ACT_TANH, prec);
    deq_solve_ws_mp_t ws;
    deq_solve_ws_init_mp(ws);
    /* r = 0 fresh; r = 1 at 192 bits; r = 2 back at prec (slots re-initialized);
     * r = 3 at prec again (the slots reused at the same precision) */
    mat_mp_t Z[4];
    deq_solve_info_t info[4];
    for (int r = 0; r < 4; r++) {
        long p = r == 1 ? 192 : prec; /* r = 1 fills the workspace at another precision */
        deq_problem_mp_t Pr;
        if (r == 1)
            problem_mp(Pr, &N, "0.3", DEQ_ACT_TANH, p);
        deq_solve_opts o;
        deq_solve_opts_default(&o);
        o.ws_mp = r == 0 ? NULL : ws;
        mat_init_mp(Z[r], m, n, p);
        deq_solve_info_init(info[r]);
        deq_forward_solve_mp(Z[r], info[r], r == 1 ? &Pr->fp : &P->fp, &o, p);
        if (r == 1)
            deq_problem_clear_mp(Pr);
    }
    cr_assert(info[0]->outcome == DEQ_CONVERGED && info[0]->certified);
    cr_assert_eq(info[0]->iterations, info[2]->iterations);
    cr_assert_eq(info[0]->newton_steps, info[2]->newton_steps);
    cr_assert(info[0]->err_bound == info[2]->err_bound);
    for (int r = 2; r < 4; r++) {
        cr_assert_eq(info[0]->iterations, info[r]->iterations);
        cr_assert(info[0]->err_bound == info[r]->err_bound);
        for (long q = 0; q < m * n; q++)
            cr_assert(mpfr_equal_p(Z[0]->e + q, Z[r]->e + q), "run %d: entry %ld differs", r, q);
    }
    for (int r = 0; r < 4; r++)
        mat_clear_mp(Z[r]), deq_solve_info_clear(info[r]);
    deq_solve_ws_clear_mp(ws);
    deq_problem_clear_mp(P);
    net_clear(&N);
}
