/* Tests of the T4 generalization family (theorems/generalization.c): the
 * quadratic form yᵀH⁻¹y by Cholesky against an MPFR Jacobi eigendecomposition
 * at twice the precision, the linearization f^lin against central
 * differences of the network at 512 bits, the bound arithmetic on
 * hand-computed numbers, each verdict of the row builders (through crafted
 * measurements: the real rows and the controls go through the same
 * builders), and the acceptance run `deqcheck run generalization --profile
 * quick`. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deq/grad.h"
#include "num/symeig.h"
#include "testutil.h"
#include "theorems/generalization.h"
#include "theorems/theorem.h"

/* H = MᵀM/n + c·I (n×n, SPD) with Gaussian M, and y Gaussian. */
static void spd_problem(mat_d_t H, mat_d_t y, long n, double c, deq_rng_t rng)
{
    mat_d_t M;
    mat_init_d(M, n, n, 53);
    test_fill_gaussian(M, rng);
    test_fill_gaussian(y, rng);
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++) {
            double s = 0;
            for (long k = 0; k < n; k++)
                s += M->e[k + i * n] * M->e[k + j * n];
            H->e[i + j * n] = s / (double)n + (i == j ? c : 0);
        }
    mat_clear_d(M);
}

/* Reference Σ_j (q_jᵀy)²/λ_j from Jacobi at prec bits. */
static double quad_jacobi(const mat_d_t H, const mat_d_t y, long prec)
{
    long n = H->rows;
    mat_mp_t Hm, ev, Q;
    mat_init_mp(Hm, n, n, prec), mat_init_mp(ev, n, 1, prec), mat_init_mp(Q, n, n, prec);
    mat_set_mat_d_mp(Hm, H);
    num_symeig_info_t si;
    num_symeig_jacobi_mp(ev, Q, si, Hm, prec);
    mpfr_t acc, t, u;
    mpfr_inits2(prec, acc, t, u, (mpfr_ptr)0);
    mpfr_set_zero(acc, 1);
    for (long j = 0; j < n; j++) {
        mpfr_set_zero(t, 1);
        for (long i = 0; i < n; i++) {
            mpfr_set_d(u, y->e[i], MPFR_RNDN);
            mpfr_fma(t, Q->e + i + j * n, u, t, MPFR_RNDN);
        }
        mpfr_sqr(t, t, MPFR_RNDN);
        mpfr_div(t, t, ev->e + j, MPFR_RNDN);
        mpfr_add(acc, acc, t, MPFR_RNDN);
    }
    double r = mpfr_get_d(acc, MPFR_RNDN);
    mpfr_clears(acc, t, u, (mpfr_ptr)0);
    mat_clear_mp(Hm), mat_clear_mp(ev), mat_clear_mp(Q);
    return r;
}

Test(generalization, quad_form_cholesky_matches_jacobi_at_twice_the_precision)
{
    deq_rng_t rng;
    deq_rng_init(rng, test_seed());
    long iters = test_iters(4);
    for (long it = 0; it < iters; it++) {
        long n = 6 + 3 * it;
        mat_d_t H, y;
        mat_init_d(H, n, n, 53), mat_init_d(y, n, 1, 53);
        /* c = 1e-3 makes κ(H) ~ 1e3-1e4: the double route loses those digits */
        spd_problem(H, y, n, 1e-3, rng);
        double ref = quad_jacobi(H, y, 512);
        long piv;
        mat_mp_t Hm;
        mat_init_mp(Hm, n, n, 256);
        mat_set_mat_d_mp(Hm, H);
        double qmp = deq_quad_form_spd(Hm, y, 256, &piv);
        cr_assert_eq(piv, 0, "Cholesky failed" TSEED_FMT, TSEED);
        /* MPFR at 256 bits, rounded down to double: one double ulp */
        cr_expect(test_digits(qmp, ref) >= 15, "mpfr quad %.17g vs %.17g" TSEED_FMT, qmp, ref, TSEED);
        cr_expect(qmp <= ref, "the MPFR value must be rounded down" TSEED_FMT, TSEED);
        double qd = deq_quad_form_spd(Hm, y, 53, &piv);
        cr_assert_eq(piv, 0);
        /* double: relative error <= κ·n·u (κ <= ~1e4 here, n <= 15): >= 10 digits */
        cr_expect(test_digits(qd, ref) >= 10, "double quad %.17g vs %.17g" TSEED_FMT, qd, ref, TSEED);
        mat_clear_mp(Hm), mat_clear_d(H), mat_clear_d(y);
    }
    deq_rng_clear(rng);
}

Test(generalization, quad_form_reports_an_indefinite_matrix)
{
    long n = 4;
    mat_d_t H, y;
    mat_init_d(H, n, n, 53), mat_init_d(y, n, 1, 53);
    for (long i = 0; i < n; i++)
        H->e[i + i * n] = i == 2 ? -1.0 : 1.0, y->e[i] = 1;
    mat_mp_t Hm;
    mat_init_mp(Hm, n, n, 128);
    mat_set_mat_d_mp(Hm, H);
    for (int b = 0; b < 2; b++) {
        long piv = 0;
        double q = deq_quad_form_spd(Hm, y, b ? 128 : 53, &piv);
        cr_expect(isnan(q), "an indefinite H must give NAN, got %g", q);
        cr_expect_eq(piv, 3, "pivot %ld", piv);
    }
    mat_clear_mp(Hm), mat_clear_d(H), mat_clear_d(y);
}

/* f(A) for the gaogao2022 network (relu, γ = 0.2, σ_u = 1) at prec bits. */
static void network_outputs_mp(mat_mp_t f, const mat_d_t A, const mat_mp_t Delta, mpfr_srcptr t,
                               const mat_d_t U, const mat_d_t X, const mat_d_t v, long prec)
{
    long m = A->rows, d = U->cols, n = X->cols;
    mat_mp_t Am, Um, Xm, vm, y, Z;
    mat_init_mp(Am, m, m, prec), mat_init_mp(Um, m, d, prec), mat_init_mp(Xm, d, n, prec),
        mat_init_mp(vm, m, 1, prec), mat_init_mp(y, n, 1, prec), mat_init_mp(Z, m, n, prec);
    mat_set_mat_d_mp(Am, A), mat_set_mat_d_mp(Um, U), mat_set_mat_d_mp(Xm, X),
        mat_set_mat_d_mp(vm, v);
    for (long k = 0; k < m * m; k++)
        mpfr_fma(Am->e + k, t, Delta->e + k, Am->e + k, MPFR_RNDN);
    deq_problem_mp_t P;
    deq_problem_init_mp(P, Am, Um, Xm, "0.2", "1", DEQ_ACT_RELU, 1, prec);
    deq_solve_opts so;
    deq_solve_opts_default(&so);
    deq_solve_info_t fi;
    deq_solve_info_init(fi);
    deq_forward_solve_mp(Z, fi, &P->fp, &so, prec);
    cr_assert_eq(fi->outcome, DEQ_CONVERGED);
    mpfr_t av, loss;
    mpfr_inits2(prec, av, loss, (mpfr_ptr)0);
    mpfr_set_ui(av, (unsigned long)m, MPFR_RNDN);
    mpfr_rec_sqrt(av, av, MPFR_RNDN);
    deq_loss_mp(loss, f, Z, vm, y, av, prec);
    mpfr_clears(av, loss, (mpfr_ptr)0);
    deq_solve_info_clear(fi);
    deq_problem_clear_mp(P);
    mat_clear_mp(vm), mat_clear_mp(y), mat_clear_mp(Z);
}

Test(generalization, linearization_matches_central_differences)
{
    long m = 6, d = 3, n = 4, prec = 512;
    deq_rng_t rng;
    deq_rng_init(rng, test_seed() + 17);
    mat_d_t A, U, v, X, y, D;
    mat_init_d(A, m, m, 53), mat_init_d(U, m, d, 53), mat_init_d(v, m, 1, 53),
        mat_init_d(X, d, n, 53), mat_init_d(y, n, 1, 53), mat_init_d(D, m, m, 53);
    deq_weights_draw(A, U, v, DEQ_INIT_GAUSSIAN, rng);
    test_fill_gaussian(X, rng);
    for (long j = 0; j < n; j++) {
        double s = 0;
        for (long i = 0; i < d; i++)
            s += X->e[i + j * d] * X->e[i + j * d];
        s = sqrt(s);
        for (long i = 0; i < d; i++)
            X->e[i + j * d] /= s;
    }
    test_fill_gaussian(D, rng);
    deq_rng_clear(rng);
    /* double: Z0, f0, adjoint columns at A, then the linearization with Δ = D */
    mat_d_t A2, U2, X2, Z0, f0, Gc0, W, fl;
    mat_init_d(A2, m, m, 53), mat_init_d(U2, m, d, 53), mat_init_d(X2, d, n, 53),
        mat_init_d(Z0, m, n, 53), mat_init_d(f0, n, 1, 53), mat_init_d(Gc0, m, n, 53),
        mat_init_d(W, m, n, 53), mat_init_d(fl, n, 1, 53);
    mat_set_d(A2, A), mat_set_d(U2, U), mat_set_d(X2, X);
    deq_problem_d_t P;
    deq_problem_init_d(P, A2, U2, X2, "0.2", "1", DEQ_ACT_RELU, 1, 53);
    deq_solve_opts so;
    deq_solve_opts_default(&so);
    deq_solve_info_t fi, ai;
    deq_solve_info_init(fi), deq_solve_info_init(ai);
    deq_forward_solve_d(Z0, fi, &P->fp, &so, 53);
    cr_assert_eq(fi->outcome, DEQ_CONVERGED);
    double av = 1 / sqrt((double)m), l;
    deq_loss_d(&l, f0, Z0, v, y, &av, 53);
    deq_adjoint_columns_d(Gc0, W, ai, P, Z0, v, &av, &so, 53);
    cr_assert_eq(ai->outcome, DEQ_CONVERGED);
    deq_lazy_linearize(fl, f0, Gc0, Z0, D, P->alpha_A[0]);
    /* central differences at 512 bits, t = 2^-100: truncation O(t²) */
    mat_mp_t Dm, fp, fm;
    mat_init_mp(Dm, m, m, prec), mat_init_mp(fp, n, 1, prec), mat_init_mp(fm, n, 1, prec);
    mat_set_mat_d_mp(Dm, D);
    mpfr_t t, diff;
    mpfr_inits2(prec, t, diff, (mpfr_ptr)0);
    mpfr_set_ui_2exp(t, 1, -100, MPFR_RNDN);
    network_outputs_mp(fp, A, Dm, t, U, X, v, prec);
    mpfr_neg(t, t, MPFR_RNDN);
    network_outputs_mp(fm, A, Dm, t, U, X, v, prec);
    mpfr_neg(t, t, MPFR_RNDN);
    for (long i = 0; i < n; i++) {
        mpfr_sub(diff, fp->e + i, fm->e + i, MPFR_RNDN);
        mpfr_div(diff, diff, t, MPFR_RNDN);
        mpfr_div_2ui(diff, diff, 1, MPFR_RNDN);
        double fd = mpfr_get_d(diff, MPFR_RNDN), lin = fl->e[i] - f0->e[i];
        /* the double route: solves and adjoint to ~√m·u/(1 − ρ̄)², so >= 11 digits */
        cr_expect(test_digits(lin, fd) >= 11, "sample %ld: <grad f, D> = %.17g, FD %.17g" TSEED_FMT,
                  i, lin, fd, TSEED);
    }
    mpfr_clears(t, diff, (mpfr_ptr)0);
    mat_clear_mp(Dm), mat_clear_mp(fp), mat_clear_mp(fm);
    deq_solve_info_clear(fi), deq_solve_info_clear(ai);
    deq_problem_clear_d(P);
    mat_clear_d(Z0), mat_clear_d(f0), mat_clear_d(Gc0), mat_clear_d(W), mat_clear_d(fl);
    mat_clear_d(A), mat_clear_d(U), mat_clear_d(v), mat_clear_d(X), mat_clear_d(y), mat_clear_d(D);
}

Test(generalization, bound_arithmetic_on_hand_computed_numbers)
{
    /* √(ln 40/32) = 0.339525378935..., so B_data = 0.1 + 2·√(0.5·8/16) + 3·0.3395...
     * = 0.1 + 1 + 1.01857613680... = 2.1185761368054647 */
    double b = thm_gen_bound_data(0.1, 0.5, 8, 16, 0.05);
    cr_expect(fabs(b - 2.1185761368054647) <= 1e-14, "B_data = %.17g", b);
    cr_expect(b <= 2.1185761368054647 + 1e-15, "B_data must be rounded down: %.17g", b);
    /* 0.05 + 2·2·√4/16 + 1.0185761368 + 0.01 = 1.5785761368054647 */
    double r = thm_gen_bound_rademacher(0.05, 2, 4, 16, 0.01, 0.05);
    cr_expect(fabs(r - 1.5785761368054647) <= 1e-14, "rademacher rhs = %.17g", r);
    cr_expect(r <= 1.5785761368054647 + 1e-15, "the rademacher rhs must be rounded down: %.17g", r);
    double h = thm_gen_hoeffding(200, 0.05);
    cr_expect(fabs(h - sqrt(log(40.0) / 400)) <= 1e-15 && h <= sqrt(log(40.0) / 400) * (1 + 1e-15));
    double hu = thm_gen_hoeffding_up(200, 0.05);
    cr_expect(hu >= h && hu - h <= 1e-15, "rounded up %.17g, down %.17g", hu, h);
    mat_d_t f, y;
    mat_init_d(f, 4, 1, 53), mat_init_d(y, 4, 1, 53);
    double fv[] = {0.5, -3, 1, 0.25}, yv[] = {1, 1, -1, 0};
    memcpy(f->e, fv, sizeof fv), memcpy(y->e, yv, sizeof yv);
    /* min(1,·) of 0.5, 4, 2, 0.25 = 0.5 + 1 + 1 + 0.25 over 4 */
    cr_expect(fabs(deq_lazy_loss(f, y) - 0.6875) <= 1e-16);
    mat_clear_d(f), mat_clear_d(y);
}

/* ---------- each verdict of the row builders, on crafted measurements ---------- */

/* A network inside every hypothesis: n = m = 10^5 training samples (so the
 * confidence term is 0.013), 10^6 test samples, L_S = 0.01, f certified to
 * 1e-12, labels ±1 (the zero predictor's loss is 1). */
static thm_gen_net good_net(double test_loss)
{
    thm_gen_net o;
    memset(&o, 0, sizeof o);
    o.ok = 1;
    o.m = 100000, o.n = 100000, o.n_test = 1000000;
    o.train_loss = 0.01, o.test_loss = test_loss;
    o.f_err = 1e-12, o.zrel = 1e-13;
    o.B = 1, o.trG = 1, o.eps_lin = 0.001, o.lin_scale = 0.1;
    o.rho_max = 0.5, o.g_lower = 0.1, o.g_upper = 1, o.eta = 1, o.step = 1;
    o.y_max = 1, o.zero_loss = 1;
    o.quadG = 1, o.ratio_lin = 1, o.steps = 100;
    return o;
}

/* yᵀH⁻¹y = 10, mean H_ii = 1: complexity 2√(10/10^5) = 0.02. */
static thm_gen_kernel good_kernel(void)
{
    thm_gen_kernel k;
    memset(&k, 0, sizeof k);
    k.ok = 1, k.prec = 53;
    k.quad = 10, k.quad_lo = 9.99, k.quad_hi = 10.01;
    k.meandiag = 1, k.md_lo = 0.999, k.md_hi = 1.001;
    k.lam_lower = 0.5, k.rel = 1e-3;
    return k;
}

static const thm_gen_consts real_consts = {1, 1};
static const thm_gen_consts control_consts = {0.01, 0};

/* A row of check id (control or not), filled by fill. */
static thm_row fresh_row(const char *id, int control)
{
    thm_results_t res;
    thm_results_init(res);
    const thm_check *c = thm_check_find(id);
    cr_assert(c != NULL, "%s is not registered", id);
    thm_row row = control ? *thm_results_add_control(res, c) : *thm_results_add(res, c);
    thm_results_clear(res);
    return row;
}

/* The row's verdict, stored in *out (may be NULL); the run re-judges every
 * row, so the verdict must follow from the row's numbers alone. */
static thm_verdict rejudged(const thm_row *r, thm_row *out)
{
    thm_row again = *r;
    thm_row_judge(&again);
    cr_expect_eq(again.verdict, r->verdict);
    if (out)
        *out = *r;
    return r->verdict;
}

static thm_verdict bound_verdict(const thm_gen_net *o, const thm_gen_kernel *k,
                                 const thm_gen_consts *c, int control, thm_row *out)
{
    thm_row r = fresh_row("T4.bound", control);
    thm_gen_fill_bound(&r, o, k, c, 0.05);
    return rejudged(&r, out);
}

Test(generalization, bound_row_gives_each_verdict)
{
    thm_gen_kernel k = good_kernel();
    /* risk <= 0.0024 (Hoeffding at 10^6 samples), bound 0.043 < trivial 1 */
    thm_gen_net o = good_net(0.001);
    thm_row r;
    cr_expect_eq(bound_verdict(&o, &k, &real_consts, 0, &r), THM_HOLDS, "%s", r.note);
    cr_expect_eq(r.error_kind, THM_ESTIMATED);
    cr_expect(r.rhs_lo <= r.rhs && r.rhs <= r.rhs_hi && r.rhs_hi - r.rhs_lo < 1e-3);
    cr_expect(fabs(r.lhs_hi - r.lhs - sqrt(log(40.0) / 2e6)) < 1e-9, "Hoeffding half-width");
    cr_expect_eq(r.n_hyp, 6);
    /* a test loss of 0.5: the risk >= 0.498 > the bound */
    o = good_net(0.5);
    cr_expect_eq(bound_verdict(&o, &k, &real_consts, 0, &r), THM_VIOLATED);
    /* the same at n = 32: the bound is above 1, the trivial bound */
    o = good_net(0.1);
    o.n = 32, o.m = 64;
    cr_expect_eq(bound_verdict(&o, &k, &real_consts, 0, &r), THM_VACUOUS, "rhs %g", r.rhs);
    /* a bound no better than predicting 0 (zero predictor's loss 0.03 < 0.043) */
    o = good_net(0.001);
    o.zero_loss = 0.03;
    cr_expect_eq(bound_verdict(&o, &k, &real_consts, 0, &r), THM_VACUOUS);
    cr_expect_eq(r.trivial, 0.03);
    /* hypotheses: width below n, λ_min(H^A) not certified, labels outside [−1, 1] */
    o = good_net(0.5);
    o.m = 1000;
    cr_expect_eq(bound_verdict(&o, &k, &real_consts, 0, &r), THM_NA);
    cr_expect_eq(r.observed, THM_OBS_FAILS, "N/A still says what it observed");
    o = good_net(0.001);
    thm_gen_kernel k0 = k;
    k0.lam_lower = -1;
    cr_expect_eq(bound_verdict(&o, &k0, &real_consts, 0, &r), THM_NA);
    o.y_max = 2;
    cr_expect_eq(bound_verdict(&o, &k, &real_consts, 0, &r), THM_NA);
    /* training lost well-posedness: nothing measured, N/A */
    thm_gen_net bad = good_net(NAN);
    bad.ok = 0, bad.rho_max = 1.3, bad.train_loss = bad.f_err = NAN;
    snprintf(bad.why, sizeof bad.why, "GD: rho_bar 1.3");
    cr_expect_eq(bound_verdict(&bad, &k, &real_consts, 0, &r), THM_NA, "%s", r.note);
    /* the data set missing: N/A with the reason */
    thm_gen_net miss = good_net(NAN);
    miss.ok = 0, miss.data_missing = 1;
    snprintf(miss.why, sizeof miss.why, "Fashion-MNIST missing (install: apt-get install x)");
    cr_expect_eq(bound_verdict(&miss, &k, &real_consts, 0, &r), THM_NA);
    cr_expect(strstr(r.note, "apt-get install") != NULL);
    /* a solver failure inside the hypotheses, a kernel failure: ERROR */
    bad.rho_max = 0.5;
    snprintf(bad.why, sizeof bad.why, "adjoint solve: max-iter");
    cr_expect_eq(bound_verdict(&bad, &k, &real_consts, 0, &r), THM_ERROR);
    o = good_net(0.001);
    thm_gen_kernel kf = k;
    kf.ok = 0;
    snprintf(kf.why, sizeof kf.why, "Cholesky of H^A failed at pivot 3");
    cr_expect_eq(bound_verdict(&o, &kf, &real_consts, 0, &r), THM_ERROR);
}

Test(generalization, bound_control_is_caught_through_the_same_builder)
{
    /* random labels: L_S 0.01, risk ~0.6, complexity 2 (×1/100), no confidence term */
    thm_gen_net o = good_net(0.6);
    o.n = 32, o.m = 64, o.n_test = 200;
    thm_gen_kernel k = good_kernel();
    k.quad = k.quad_lo = k.quad_hi = 32; /* 2√(1·32/32) = 2 */
    thm_row r;
    /* the real constants: vacuous, not violated */
    cr_expect_eq(bound_verdict(&o, &k, &real_consts, 0, &r), THM_VACUOUS);
    cr_expect_eq(bound_verdict(&o, &k, &control_consts, 1, &r), THM_VIOLATED, "%s", r.note);
    cr_expect(thm_control_caught(&r));
    cr_expect(strstr(r.note, "CONTROL") != NULL, "the note says what was changed: %s", r.note);
    /* a control ignores its hypotheses (it may break one on purpose) */
    o.y_max = 2;
    cr_expect_eq(bound_verdict(&o, &k, &control_consts, 1, &r), THM_VIOLATED);
    /* a control whose computation failed is not caught */
    o.ok = 0, o.test_loss = NAN;
    cr_expect_eq(bound_verdict(&o, &k, &control_consts, 1, &r), THM_ERROR);
    cr_expect(!thm_control_caught(&r));
}

static thm_verdict rademacher_verdict(const thm_gen_net *o, const thm_gen_consts *c, int control,
                                      thm_row *out)
{
    thm_row r = fresh_row("T4.rademacher", control);
    thm_gen_fill_rademacher(&r, o, c, 0.05);
    return rejudged(&r, out);
}

Test(generalization, rademacher_row_gives_each_verdict)
{
    /* rhs = 0.01 + 2·1·1/10^5 + 0.013 + 0.001 = 0.024 */
    thm_gen_net o = good_net(0.001);
    thm_row r;
    cr_expect_eq(rademacher_verdict(&o, &real_consts, 0, &r), THM_HOLDS, "%s", r.note);
    cr_expect_eq(r.n_hyp, 2);
    o = good_net(0.3);
    cr_expect_eq(rademacher_verdict(&o, &real_consts, 0, &r), THM_VIOLATED);
    /* n = 32: rhs = 0.79, above the zero predictor's 0.5 */
    o = good_net(0.1);
    o.n = 32, o.zero_loss = 0.5;
    cr_expect_eq(rademacher_verdict(&o, &real_consts, 0, &r), THM_VACUOUS, "%s", r.note);
    o = good_net(0.3);
    o.rho_max = 1.2;
    cr_expect_eq(rademacher_verdict(&o, &real_consts, 0, &r), THM_NA);
    o.ok = 0, o.rho_max = 0.5;
    snprintf(o.why, sizeof o.why, "forward solve: stagnated");
    cr_expect_eq(rademacher_verdict(&o, &real_consts, 0, &r), THM_ERROR);
    /* the control: a shifted test set (risk 0.7), ε_lin 0.25 kept */
    o = good_net(0.7);
    o.n = 32, o.n_test = 200, o.eps_lin = 0.25, o.B = 45, o.trG = 0.3;
    cr_expect_eq(rademacher_verdict(&o, &real_consts, 0, &r), THM_VACUOUS);
    cr_expect_eq(rademacher_verdict(&o, &control_consts, 1, &r), THM_VIOLATED, "%s", r.note);
    cr_expect(thm_control_caught(&r));
}

static thm_verdict distance_verdict(const double *m, const double *ratio, int npts,
                                    const thm_gen_net *agg, double target, int limit, int control,
                                    thm_row *out)
{
    thm_row r = fresh_row("T4.distance", control);
    thm_gen_fill_distance(&r, m, ratio, npts, agg, target, limit, 0.05);
    return rejudged(&r, out);
}

Test(generalization, distance_fit_gives_each_verdict)
{
    thm_gen_net agg = good_net(0.1);
    double m[] = {32, 32, 64, 64, 128, 128, 256, 256};
    /* ratio = 1 + c/√m (± a little): dev² = c²/m, slope b = c² > 0, limit 0 */
    double ratio[8], grow[8], flat[8];
    for (int k = 0; k < 8; k++) {
        double wiggle = k % 2 ? 0.01 : -0.01;
        ratio[k] = 1 + 2 / sqrt(m[k]) + wiggle / sqrt(m[k]);
        grow[k] = 1 + 0.01 * sqrt(m[k]) + wiggle * 0.01;  /* moves away from 1 */
        flat[k] = 1.3 + wiggle * 0.01;                     /* tends to 1.3, not 1 */
    }
    thm_row r;
    cr_expect_eq(distance_verdict(m, ratio, 8, &agg, 1, 0, 0, &r), THM_HOLDS, "%s", r.note);
    cr_expect_eq(r.n_hyp, 6);
    cr_expect(r.lhs_lo < r.lhs && r.lhs < r.lhs_hi);
    cr_expect_eq(distance_verdict(m, ratio, 8, &agg, 1, 1, 0, &r), THM_INCONCLUSIVE,
                 "a limit of 0 is never proved by a finite fit: %s", r.note);
    cr_expect_eq(distance_verdict(m, grow, 8, &agg, 1, 0, 0, &r), THM_VIOLATED, "%s", r.note);
    cr_expect_eq(distance_verdict(m, flat, 8, &agg, 1, 1, 0, &r), THM_VIOLATED, "%s", r.note);
    /* the control: the ratio's asserted limit 2 */
    cr_expect_eq(distance_verdict(m, ratio, 8, &agg, 2, 1, 1, &r), THM_VIOLATED, "%s", r.note);
    cr_expect(thm_control_caught(&r));
    cr_expect(strstr(r.note, "CONTROL") != NULL);
    /* too few points or widths: N/A; a run outside the hypotheses: N/A */
    cr_expect_eq(distance_verdict(m, ratio, 2, &agg, 1, 0, 0, &r), THM_NA, "%s", r.note);
    cr_expect_eq(distance_verdict(m + 4, ratio + 4, 2, &agg, 1, 0, 0, &r), THM_NA);
    thm_gen_net hot = agg;
    hot.step = 2.5;
    cr_expect_eq(distance_verdict(m, grow, 8, &hot, 1, 0, 0, &r), THM_NA);
    cr_expect_eq(r.observed, THM_OBS_FAILS);
    /* a failed run inside the hypotheses: ERROR */
    thm_gen_net failed = agg;
    failed.ok = 0;
    snprintf(failed.why, sizeof failed.why, "m=64 seed 1: Cholesky of G^A(0) failed");
    cr_expect_eq(distance_verdict(m, ratio, 8, &failed, 1, 0, 0, &r), THM_ERROR);
}

Test(generalization, init_sensitivity_rows_are_reported)
{
    thm_gen_net o = good_net(0.5);
    thm_gen_kernel k = good_kernel();
    thm_row r = fresh_row("T4.init_sensitivity", 0);
    thm_gen_fill_bound(&r, &o, &k, &real_consts, 0.05);
    cr_expect_eq(r.verdict, THM_REPORTED, "a report asserts nothing, even when the bound fails");
    cr_expect(r.lhs_lo > r.rhs_hi);
}

/* ---------- the CLI acceptance run ---------- */

/* A stdout row line containing every one of the NULL-terminated words. */
static int has_row(const char *first, ...)
{
    for (const char *line = test_cli_out; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[512];
        snprintf(buf, sizeof buf, "%.*s", (int)(len < 511 ? len : 511), line);
        int all = 1;
        va_list ap;
        va_start(ap, first);
        for (const char *w = first; w; w = va_arg(ap, const char *))
            all &= strstr(buf, w) != NULL;
        va_end(ap);
        if (all)
            return 1;
        line = end ? end + 1 : line + len;
    }
    return 0;
}

Test(generalization, run_quick_on_fashion_mnist_in_double_and_mpfr_with_controls_caught, .timeout = 300)
{
    const char *dir = test_tmpdir();
    char report[600];
    snprintf(report, sizeof report, "%s/report.md", dir);
    int st = test_run_cli("run", "generalization", "--profile", "quick", "--report", report, NULL);
    cr_assert_eq(st, 0, "exit %d: %s %s", st, test_cli_out, test_cli_err);
    /* at n = 32 every bound is above 1: VACUOUS, in double and MPFR */
    cr_expect(has_row("T4.bound", "fashion-mnist 0v1", "double", "VACUOUS", NULL),
              "no T4.bound fashion-mnist double VACUOUS row:\n%s", test_cli_out);
    cr_expect(has_row("T4.bound", "fashion-mnist 0v1", "mpfr-", "VACUOUS", NULL),
              "no T4.bound fashion-mnist MPFR VACUOUS row:\n%s", test_cli_out);
    cr_expect(!has_row("T4.", "HOLDS", NULL) || has_row("T4.distance", "HOLDS", NULL),
              "a bound above 1 counted HOLDS:\n%s", test_cli_out);
    static char md[1 << 20];
    test_slurp(report, md, sizeof md);
    const char *ids[] = {"T4.bound", "T4.rademacher", "T4.distance", "T4.init_sensitivity",
                         "delta=0.05 (default)", "CONTROL: complexity x1/100",
                         "CONTROL: asserted limit of the ratio 1 -> 2"};
    for (size_t k = 0; k < sizeof ids / sizeof *ids; k++)
        cr_expect(strstr(md, ids[k]) != NULL, "report lacks %s", ids[k]);
    cr_expect(strstr(md, "T4.negative_control") == NULL, "the old check id is gone");
    cr_expect(strstr(test_cli_out, "controls caught 3 of 3") != NULL, "controls:\n%s", test_cli_out);
    cr_expect(strstr(test_cli_out, "BROKEN") == NULL, "%s", test_cli_out);
}
