/* Tests of the T4 generalization family (theorems/generalization.c): the
 * quadratic form yᵀH⁻¹y by Cholesky against an MPFR Jacobi eigendecomposition
 * at twice the precision, the linearization f^lin against central
 * differences of the network at 512 bits, the bound arithmetic on
 * hand-computed numbers, the negative control's verdict rule, and the
 * acceptance run `deqcheck run generalization --profile quick`. */
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
        double qmp = thm_gen_quad_form(Hm, y, 256, &piv);
        cr_assert_eq(piv, 0, "Cholesky failed" TSEED_FMT, TSEED);
        /* MPFR at 256 bits, rounded down to double: one double ulp */
        cr_expect(test_digits(qmp, ref) >= 15, "mpfr quad %.17g vs %.17g" TSEED_FMT, qmp, ref, TSEED);
        cr_expect(qmp <= ref, "the MPFR value must be rounded down" TSEED_FMT, TSEED);
        double qd = thm_gen_quad_form(Hm, y, 53, &piv);
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
        double q = thm_gen_quad_form(Hm, y, b ? 128 : 53, &piv);
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
    thm_gen_linearize(fl, f0, Gc0, Z0, D, P->alpha_A[0]);
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
    /* 0.05 + 2·2·√4/16 + 1.0185761368 + 0.01 + √(ln 40/200) = 1.7143862883795267 */
    double r = thm_gen_bound_rademacher(0.05, 2, 4, 16, 0.01, 100, 0.05);
    cr_expect(fabs(r - 1.7143862883795267) <= 1e-14, "rademacher rhs = %.17g", r);
    double h = thm_gen_hoeffding(200, 0.05);
    cr_expect(fabs(h - sqrt(log(40.0) / 400)) <= 1e-15 && h <= sqrt(log(40.0) / 400) * (1 + 1e-15));
    mat_d_t f, y;
    mat_init_d(f, 4, 1, 53), mat_init_d(y, 4, 1, 53);
    double fv[] = {0.5, -3, 1, 0.25}, yv[] = {1, 1, -1, 0};
    memcpy(f->e, fv, sizeof fv), memcpy(y->e, yv, sizeof yv);
    /* min(1,·) of 0.5, 4, 2, 0.25 = 0.5 + 1 + 1 + 0.25 over 4 */
    cr_expect(fabs(thm_gen_mean_loss(f, y) - 0.6875) <= 1e-16);
    mat_clear_d(f), mat_clear_d(y);
}

Test(generalization, negative_control_rule)
{
    cr_expect_eq(thm_gen_negative_verdict(1.5, 1.2), THM_HOLDS);
    cr_expect_eq(thm_gen_negative_verdict(0.8, 0.5), THM_VIOLATED, "a non-vacuous bound on random labels");
    cr_expect_eq(thm_gen_negative_verdict(1.1, 1.3), THM_VIOLATED, "random labels below true labels");
    cr_expect_eq(thm_gen_negative_verdict(NAN, 1.0), THM_ERROR);
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

Test(generalization, run_quick_holds_on_fashion_mnist_in_double_and_mpfr, .timeout = 300)
{
    const char *dir = test_tmpdir();
    char report[600];
    snprintf(report, sizeof report, "%s/report.md", dir);
    int st = test_run_cli("run", "generalization", "--profile", "quick", "--report", report, NULL);
    cr_assert_eq(st, 0, "exit %d: %s %s", st, test_cli_out, test_cli_err);
    cr_expect(has_row("T4.bound", "fashion-mnist 0v1", "double", "HOLDS", NULL),
              "no T4.bound fashion-mnist double HOLDS row:\n%s", test_cli_out);
    cr_expect(has_row("T4.bound", "fashion-mnist 0v1", "mpfr-", "HOLDS", NULL),
              "no T4.bound fashion-mnist MPFR HOLDS row:\n%s", test_cli_out);
    static char md[1 << 20];
    test_slurp(report, md, sizeof md);
    const char *ids[] = {"T4.bound", "T4.rademacher", "T4.distance", "T4.init_sensitivity",
                         "T4.negative_control", "delta=0.05 (default)"};
    for (size_t k = 0; k < sizeof ids / sizeof *ids; k++)
        cr_expect(strstr(md, ids[k]) != NULL, "report lacks %s", ids[k]);
    cr_expect(strstr(md, "withheld as it must") != NULL, "the negative control did not withhold");
    cr_expect(strstr(md, "CERTIFIED (defect)") == NULL, "the negative control certified");
}
