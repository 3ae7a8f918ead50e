/* The papers' own models (src/deq/paper_model.c), their files and the CLI
 * (`train --model paper`), and their population kernels
 * (src/kernel/paper_kernel.c). Expected values come from independent routes:
 * central differences at 256 bits for every trained tensor, a forward map
 * recomputed naively in the test, a tiny case solved by hand, and, for the
 * kernels, a second formula (recursion against closed form) or a Monte-Carlo
 * estimate with its standard error. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "data/synthetic.h"
#include "deq/paper_model.h"
#include "io/tensor.h"
#include "kernel/paper_kernel.h"
#include "testutil.h"

#define PREC 256

/* Entry (i, j) of a column-major MPFR matrix (num/generic.h has it for generic sources). */
#define mat_entry(M, i, j) ((M)->e + (i) + (size_t)(j) * (size_t)(M)->rows)

/* A random instance of a paper's model at Assumption 1's scales, inputs on
 * the sphere of Assumption 2 (radius 1 for gao2021, √d for ling2022). */
static void random_case(mat_d_t T[DEQ_PAPER_SLOTS], mat_d_t X, mat_d_t y, deq_paper_kind kind,
                        long m, long d, long n, unsigned long seed)
{
    deq_rng_t rng;
    deq_rng_init(rng, seed);
    deq_paper_tensors_init(T, kind, m, d);
    deq_paper_draw(T, kind, 0.08, rng);
    mat_init_d(X, d, n, 53);
    mat_init_d(y, n, 1, 53);
    data_sphere_points(X, rng);
    if (kind == DEQ_PAPER_LING2022)
        for (long k = 0; k < d * n; k++)
            X->e[k] *= sqrt((double)d);
    for (long i = 0; i < n; i++)
        y->e[i] = deq_rng_gaussian(rng);
    deq_rng_clear(rng);
}

static void loss_at(mpfr_ptr L, const mat_mp_t Xm, const mat_mp_t ym, const deq_paper_mp_t P)
{
    deq_paper_state_mp_t S;
    deq_paper_state_init_mp(S, P, Xm->cols, PREC);
    cr_assert(deq_paper_forward_mp(L, S, P, Xm, ym, PREC), "forward did not converge");
    deq_paper_state_clear_mp(S);
}

/* Every gradient entry of every trained tensor against the central
 * difference (L(θ + h e) − L(θ − h e))/(2h). With h = u^{1/3} the difference
 * is within O(u^{2/3}) of the derivative (truncation h² and rounding u/h
 * balanced) while the activation pattern stays put (|h_i| >> h for random
 * data); u^{1/2} leaves a factor u^{-1/6} = 2^{42} for the third derivatives
 * and the sizes. The forward map is checked too: z_i = ReLU(B z_i + b_i)
 * and ŷ recomputed term by term in the test. */
static void check_fd(deq_paper_kind kind, long m, long d, long n)
{
    mat_d_t T[DEQ_PAPER_SLOTS], X, y;
    random_case(T, X, y, kind, m, d, n, test_seed() + (unsigned long)kind);
    deq_paper_mp_t P, g;
    deq_paper_init_mp(P, kind, m, d, "0.1", PREC);
    deq_paper_init_mp(g, kind, m, d, "0.1", PREC);
    deq_paper_set_d_mp(P, T);
    mat_mp_t Xm, ym;
    mat_init_mp(Xm, d, n, PREC), mat_init_mp(ym, n, 1, PREC);
    mat_set_mat_d_mp(Xm, X), mat_set_mat_d_mp(ym, y);
    deq_paper_state_mp_t S;
    deq_paper_state_init_mp(S, P, n, PREC);
    mpfr_t L, Lp, Lm, fd, t, u;
    mpfr_inits2(PREC, L, Lp, Lm, fd, t, u, (mpfr_ptr)0);
    cr_assert(deq_paper_forward_mp(L, S, P, Xm, ym, PREC));
    cr_assert(deq_paper_grad_mp(g, S, P, Xm, PREC));
    cr_expect(S->rho_upper < 1.0, "rho_bar %g", S->rho_upper);

    /* the forward map, naively: residual of the equilibrium and the output */
    double eps = ldexp(1.0, -PREC);
    double tol_fwd = 8.0 * (double)(m + 2) * eps / (1.0 - S->rho_upper);
    for (long j = 0; j < n; j++) {
        mpfr_set_zero(u, 1);
        for (long i = 0; i < m; i++) {
            mpfr_set(t, mat_entry(S->inj, i, j), MPFR_RNDN);
            for (long k = 0; k < m; k++) {
                mpfr_t p;
                mpfr_init2(p, PREC);
                mpfr_mul(p, mat_entry(P->w[DEQ_PAPER_T], i, k), P->scale_T, MPFR_RNDN);
                mpfr_fma(t, p, mat_entry(S->Z, k, j), t, MPFR_RNDN);
                mpfr_clear(p);
            }
            if (mpfr_sgn(t) < 0)
                mpfr_set_zero(t, 1);
            mpfr_sub(t, t, mat_entry(S->Z, i, j), MPFR_RNDN);
            cr_expect(fabs(mpfr_get_d(t, MPFR_RNDN)) <= tol_fwd * (1.0 + mpfr_get_d(mat_entry(S->Z, i, j), MPFR_RNDN) + 1.0),
                      "%s: residual %g at (%ld, %ld)" TSEED_FMT,
                      kind ? "ling2022" : "gao2021", mpfr_get_d(t, MPFR_RNDN), i, j, TSEED);
            /* ŷ_j = uᵀz_j (+ vᵀφ_j) */
            mpfr_fma(u, mat_entry(P->w[DEQ_PAPER_U], i, 0), mat_entry(S->Z, i, j), u, MPFR_RNDN);
            if (kind == DEQ_PAPER_GAO2021)
                mpfr_fma(u, mat_entry(P->w[DEQ_PAPER_V], i, 0), mat_entry(S->inj, i, j), u, MPFR_RNDN);
        }
        mpfr_sub(u, u, mat_entry(S->yhat, j, 0), MPFR_RNDN);
        cr_expect(fabs(mpfr_get_d(u, MPFR_RNDN)) <= tol_fwd * (double)m * 16.0, "yhat off by %g",
                  mpfr_get_d(u, MPFR_RNDN));
    }

    double h = ldexp(1.0, -PREC / 3), tol = ldexp(1.0, -PREC / 2);
    for (int s = 0; s < DEQ_PAPER_SLOTS; s++) {
        long cnt = P->w[s]->rows * P->w[s]->cols;
        for (long k = 0; k < cnt; k++) {
            mpfr_ptr w = P->w[s]->e + k;
            mpfr_set(t, w, MPFR_RNDN);
            mpfr_add_d(w, t, h, MPFR_RNDN);
            loss_at(Lp, Xm, ym, P);
            mpfr_sub_d(w, t, h, MPFR_RNDN);
            loss_at(Lm, Xm, ym, P);
            mpfr_set(w, t, MPFR_RNDN);
            mpfr_sub(fd, Lp, Lm, MPFR_RNDN);
            mpfr_div_d(fd, fd, 2.0 * h, MPFR_RNDN);
            double gk = mpfr_get_d(g->w[s]->e + k, MPFR_RNDN);
            double err = fabs(mpfr_get_d(fd, MPFR_RNDN) - gk);
            cr_expect(err <= tol * (1.0 + fabs(gk)),
                      "%s: d L / d %s[%ld]: adjoint %.17g, central difference %.17g" TSEED_FMT,
                      kind ? "ling2022" : "gao2021", deq_paper_tensor_name(kind, s), k, gk,
                      mpfr_get_d(fd, MPFR_RNDN), TSEED);
        }
    }
    mpfr_clears(L, Lp, Lm, fd, t, u, (mpfr_ptr)0);
    deq_paper_state_clear_mp(S);
    deq_paper_clear_mp(P), deq_paper_clear_mp(g);
    mat_clear_mp(Xm), mat_clear_mp(ym);
    deq_paper_tensors_clear(T);
    mat_clear_d(X), mat_clear_d(y);
}

Test(papers, gao2021_forward_and_gradients_against_central_differences, .timeout = 300)
{
    check_fd(DEQ_PAPER_GAO2021, 5, 3, 4);
}

Test(papers, ling2022_forward_and_gradients_against_central_differences, .timeout = 300)
{
    check_fd(DEQ_PAPER_LING2022, 5, 3, 4);
}

/* The double and MPFR backends run the same network: their losses agree to
 * double's rounding of the forward pass (a GEMM of length m per entry, the
 * solve's tolerance amplified by 1/(1 − ρ̄), a sum of n squares). */
Test(papers, double_and_mpfr_agree, .timeout = 120)
{
    for (int kind = 0; kind < 2; kind++) {
        long m = 12, d = 4, n = 6;
        mat_d_t T[DEQ_PAPER_SLOTS], X, y;
        random_case(T, X, y, (deq_paper_kind)kind, m, d, n, test_seed() + 7);
        deq_paper_d_t Pd;
        deq_paper_mp_t Pm;
        deq_paper_init_d(Pd, kind, m, d, "0.1", 53);
        deq_paper_init_mp(Pm, kind, m, d, "0.1", PREC);
        deq_paper_set_d_d(Pd, T), deq_paper_set_d_mp(Pm, T);
        mat_d_t yd;
        mat_init_d(yd, n, 1, 53);
        mat_set_d(yd, y);
        mat_mp_t Xm, ym;
        mat_init_mp(Xm, d, n, PREC), mat_init_mp(ym, n, 1, PREC);
        mat_set_mat_d_mp(Xm, X), mat_set_mat_d_mp(ym, y);
        deq_paper_state_d_t Sd;
        deq_paper_state_mp_t Sm;
        deq_paper_state_init_d(Sd, Pd, n, 53);
        deq_paper_state_init_mp(Sm, Pm, n, PREC);
        double Ld;
        mpfr_t Lm;
        mpfr_init2(Lm, PREC);
        cr_assert(deq_paper_forward_d(&Ld, Sd, Pd, X, yd, 53));
        cr_assert(deq_paper_forward_mp(Lm, Sm, Pm, Xm, ym, PREC));
        double ref = mpfr_get_d(Lm, MPFR_RNDN);
        double tol = 16.0 * (double)(m + n + 2) * DBL_EPSILON / (1.0 - Sd->rho_upper);
        cr_expect(fabs(Ld - ref) <= tol * (ref + 1.0), "kind %d: double %.17g, mpfr %.17g", kind,
                  Ld, ref);
        mpfr_clear(Lm);
        deq_paper_state_clear_d(Sd), deq_paper_state_clear_mp(Sm);
        deq_paper_clear_d(Pd), deq_paper_clear_mp(Pm);
        mat_clear_mp(Xm), mat_clear_mp(ym), mat_clear_d(yd);
        deq_paper_tensors_clear(T);
        mat_clear_d(X), mat_clear_d(y);
    }
}

/* m = 2, d = 1, n = 1 by hand. gao2021 with x = 1, W = (0.8, −0.5),
 * A = [[1.5, 0.7], [−2, 0.3]], u = (1, −1), v = (−1, 1), y = 0.3, γ = 0.1:
 * φ = (0.8/√2, 0); the second unit is off (its pre-activation γ̃·(−2)·z_1 < 0),
 * so z = (z_1, 0) with z_1 = φ_1/(1 − γ̃A_11), ŷ = u_1 z_1 + v_1 φ_1, r = ŷ − y.
 * The adjoint has D = diag(1, 0): w_1 = u_1/(1 − γ̃A_11), g = (w_1, 0), so
 * ∇A = [[γ̃ r w_1 z_1, 0], [0, 0]], ∇W = ((1/√2) r (w_1 + v_1), 0) (E = diag(1, 0)),
 * ∇u = (r z_1, 0), ∇v = (r φ_1, 0).
 * ling2022 with x = 1, W = [[0.2, −0.1], [0.3, 0.1]], U = (1, −1), a = (0.5, 2),
 * y = 0.1: b = (1, −1), z = (1/0.8, 0) (0.3·1.25 − 1 < 0), ŷ = a_1 z_1,
 * w_1 = a_1/(1 − W_11), ∇W = [[r w_1 z_1, 0], [0, 0]], ∇U = (r w_1, 0),
 * ∇a = (r z_1, 0). */
static void expect_close(mpfr_srcptr got, mpfr_srcptr want, double tol, const char *what)
{
    mpfr_t e;
    mpfr_init2(e, PREC);
    mpfr_sub(e, got, want, MPFR_RNDN);
    cr_expect(fabs(mpfr_get_d(e, MPFR_RNDN)) <= tol * (1.0 + fabs(mpfr_get_d(want, MPFR_RNDN))),
              "%s: %.20g, closed form %.20g", what, mpfr_get_d(got, MPFR_RNDN),
              mpfr_get_d(want, MPFR_RNDN));
    mpfr_clear(e);
}

Test(papers, tiny_cases_against_their_closed_forms)
{
    /* the solver's tolerance 2√m·u amplified by 1/(1 − ρ̄) <= 2 here, plus a
     * few roundings of the closed form: 64u */
    double tol = 64.0 * ldexp(1.0, -PREC);
    for (int kind = 0; kind < 2; kind++) {
        mat_d_t T[DEQ_PAPER_SLOTS], X, y;
        deq_paper_tensors_init(T, kind, 2, 1);
        mat_init_d(X, 1, 1, 53), mat_init_d(y, 1, 1, 53);
        X->e[0] = 1.0;
        if (kind == DEQ_PAPER_GAO2021) {
            double A[4] = {1.5, -2, 0.7, 0.3}; /* column-major */
            memcpy(T[0]->e, A, sizeof A);
            T[1]->e[0] = 0.8, T[1]->e[1] = -0.5;
            T[2]->e[0] = 1, T[2]->e[1] = -1;
            T[3]->e[0] = -1, T[3]->e[1] = 1;
            y->e[0] = 0.3;
        } else {
            double W[4] = {0.2, 0.3, -0.1, 0.1};
            memcpy(T[0]->e, W, sizeof W);
            T[1]->e[0] = 1, T[1]->e[1] = -1;
            T[2]->e[0] = 0.5, T[2]->e[1] = 2;
            y->e[0] = 0.1;
        }
        deq_paper_mp_t P, g;
        deq_paper_init_mp(P, kind, 2, 1, "0.1", PREC);
        deq_paper_init_mp(g, kind, 2, 1, "0.1", PREC);
        deq_paper_set_d_mp(P, T);
        mat_mp_t Xm, ym;
        mat_init_mp(Xm, 1, 1, PREC), mat_init_mp(ym, 1, 1, PREC);
        mat_set_mat_d_mp(Xm, X), mat_set_mat_d_mp(ym, y);
        deq_paper_state_mp_t S;
        deq_paper_state_init_mp(S, P, 1, PREC);
        mpfr_t L, gt, phi1, z1, w1, r, want, zero, s2, one_m;
        mpfr_inits2(PREC, L, gt, phi1, z1, w1, r, want, zero, s2, one_m, (mpfr_ptr)0);
        cr_assert(deq_paper_forward_mp(L, S, P, Xm, ym, PREC));
        cr_assert(deq_paper_grad_mp(g, S, P, Xm, PREC));
        mpfr_set_zero(zero, 1);
        mpfr_sqrt_ui(s2, 2, MPFR_RNDN);
        if (kind == DEQ_PAPER_GAO2021) {
            mpfr_set_str(gt, "0.1", 10, MPFR_RNDN); /* γ̃ = 0.1/√2, γ the decimal 0.1 */
            mpfr_div(gt, gt, s2, MPFR_RNDN);
            mpfr_set_d(phi1, 0.8, MPFR_RNDN);
            mpfr_div(phi1, phi1, s2, MPFR_RNDN);
            mpfr_mul_d(one_m, gt, 1.5, MPFR_RNDN);
            mpfr_ui_sub(one_m, 1, one_m, MPFR_RNDN);   /* 1 − γ̃A_11 */
            mpfr_div(z1, phi1, one_m, MPFR_RNDN);
            mpfr_ui_div(w1, 1, one_m, MPFR_RNDN);      /* u_1 = 1 */
            mpfr_sub(r, z1, phi1, MPFR_RNDN);          /* u_1 z_1 + v_1 φ_1 = z_1 − φ_1 */
            mpfr_sub_d(r, r, 0.3, MPFR_RNDN);
        } else {
            mpfr_set_d(gt, 1.0, MPFR_RNDN);
            mpfr_set_d(one_m, 0.2, MPFR_RNDN); /* W_11 is the double 0.2 */
            mpfr_ui_sub(one_m, 1, one_m, MPFR_RNDN);
            mpfr_ui_div(z1, 1, one_m, MPFR_RNDN);
            mpfr_set_d(w1, 0.5, MPFR_RNDN);
            mpfr_div(w1, w1, one_m, MPFR_RNDN);
            mpfr_mul_d(r, z1, 0.5, MPFR_RNDN);
            mpfr_sub_d(r, r, 0.1, MPFR_RNDN);
        }
        expect_close(mat_entry(S->Z, 0, 0), z1, tol, "z_1");
        expect_close(mat_entry(S->Z, 1, 0), zero, tol, "z_2");
        mpfr_sqr(want, r, MPFR_RNDN);
        mpfr_div_2ui(want, want, 1, MPFR_RNDN);
        expect_close(L, want, tol, "loss");
        /* ∇T_11 = γ̃ r w_1 z_1, the other three 0 */
        mpfr_mul(want, gt, r, MPFR_RNDN);
        mpfr_mul(want, want, w1, MPFR_RNDN);
        mpfr_mul(want, want, z1, MPFR_RNDN);
        expect_close(mat_entry(g->w[0], 0, 0), want, tol, "dT_11");
        for (int k = 1; k < 4; k++)
            expect_close(g->w[0]->e + k, zero, tol, "dT (others)");
        /* ∇In_1: gao (1/√2) r (w_1 + v_1); ling r w_1 */
        if (kind == DEQ_PAPER_GAO2021) {
            mpfr_sub_ui(want, w1, 1, MPFR_RNDN);
            mpfr_mul(want, want, r, MPFR_RNDN);
            mpfr_div(want, want, s2, MPFR_RNDN);
        } else {
            mpfr_mul(want, r, w1, MPFR_RNDN);
        }
        expect_close(mat_entry(g->w[1], 0, 0), want, tol, "dIn_1");
        expect_close(mat_entry(g->w[1], 1, 0), zero, tol, "dIn_2");
        mpfr_mul(want, r, z1, MPFR_RNDN);
        expect_close(mat_entry(g->w[2], 0, 0), want, tol, "du_1");
        expect_close(mat_entry(g->w[2], 1, 0), zero, tol, "du_2");
        if (kind == DEQ_PAPER_GAO2021) {
            mpfr_mul(want, r, phi1, MPFR_RNDN);
            expect_close(mat_entry(g->w[3], 0, 0), want, tol, "dv_1");
            expect_close(mat_entry(g->w[3], 1, 0), zero, tol, "dv_2");
        }
        mpfr_clears(L, gt, phi1, z1, w1, r, want, zero, s2, one_m, (mpfr_ptr)0);
        deq_paper_state_clear_mp(S);
        deq_paper_clear_mp(P), deq_paper_clear_mp(g);
        mat_clear_mp(Xm), mat_clear_mp(ym);
        deq_paper_tensors_clear(T);
        mat_clear_d(X), mat_clear_d(y);
    }
}

/* The first line of a log after the header: "0,LOSS,..." -> LOSS as text. */
static void first_loss(char *out, size_t cap, const char *log)
{
    static char csv[1 << 16];
    test_slurp(log, csv, sizeof csv);
    const char *row = strchr(csv, '\n');
    cr_assert_not_null(row, "no rows in %s", log);
    row = strchr(row, ',');
    cr_assert_not_null(row);
    size_t k = 0;
    for (row++; *row && *row != ',' && k + 1 < cap; row++)
        out[k++] = *row;
    out[k] = 0;
}

/* save then --init: the same weights, so the same first loss bit for bit
 * (the log prints %.17g, which identifies a double); data through --X/--y. */
Test(papers, init_file_round_trip, .timeout = 120)
{
    const char *dir = test_tmpdir();
    char Xp[600], yp[600], w0[600], log0[600], log1[600];
    snprintf(Xp, sizeof Xp, "%s/X.npy", dir);
    snprintf(yp, sizeof yp, "%s/y.npy", dir);
    snprintf(w0, sizeof w0, "%s/w0.npz", dir);
    snprintf(log0, sizeof log0, "%s/a.csv", dir);
    snprintf(log1, sizeof log1, "%s/b.csv", dir);
    static const char *const presets[] = {"gao2021", "ling2022"};
    for (int kind = 0; kind < 2; kind++) {
        mat_d_t T[DEQ_PAPER_SLOTS], X, y;
        random_case(T, X, y, kind, 6, 3, 5, test_seed() + 11);
        deq_error_t err;
        deq_error_init(err);
        cr_assert_eq(io_npy_write_samples_d(Xp, X, err), DEQ_OK, "%s", err->msg);
        cr_assert_eq(io_npy_write_d(yp, y, err), DEQ_OK, "%s", err->msg);
        int st = test_run_cli("train", "--preset", presets[kind], "--m", "6", "--X", Xp, "--y", yp,
                              "--seed", "4", "--steps", "0", "--lr", "0.01", "--save", w0, "--log",
                              log0, NULL);
        cr_assert_eq(st, 0, "%s", test_cli_err);
        st = test_run_cli("train", "--preset", presets[kind], "--init", w0, "--X", Xp, "--y", yp,
                          "--steps", "2", "--lr", "0.01", "--log", log1, NULL);
        cr_assert_eq(st, 0, "%s", test_cli_err);
        char a[64], b[64];
        first_loss(a, sizeof a, log0);
        first_loss(b, sizeof b, log1);
        cr_expect_str_eq(a, b, "%s: first loss %s after save, %s after --init", presets[kind], a, b);
        /* and the tensors saved are the paper's names and shapes */
        io_tensor_file_t F;
        cr_assert_eq(io_tensor_file_open(F, w0, err), DEQ_OK, "%s", err->msg);
        for (int s = 0; s < DEQ_PAPER_SLOTS; s++)
            if (deq_paper_tensor_name(kind, s))
                cr_expect(io_tensor_has(F, deq_paper_tensor_name(kind, s)), "%s lacks %s",
                          presets[kind], deq_paper_tensor_name(kind, s));
        io_tensor_file_clear(F);
        deq_paper_tensors_clear(T);
        mat_clear_d(X), mat_clear_d(y);
    }
    /* a y of another length than X's rows is bad input naming y */
    {
        mat_d_t yb;
        mat_init_d(yb, 7, 1, 53);
        deq_error_t err;
        deq_error_init(err);
        cr_assert_eq(io_npy_write_d(yp, yb, err), DEQ_OK);
        int sb = test_run_cli("train", "--preset", "ling2022", "--m", "6", "--X", Xp, "--y", yp,
                              "--seed", "4", "--steps", "0", "--lr", "0.01", "--log", log0, NULL);
        cr_expect_eq(sb, 2, "exit %d: %s", sb, test_cli_err);
        cr_expect(strstr(test_cli_err, "y.npy: tensor y: shape (7, 1), expected (5,)") != NULL, "%s",
                  test_cli_err);
        mat_clear_d(yb);
        mat_d_t yg;
        mat_init_d(yg, 5, 1, 53);
        cr_assert_eq(io_npy_write_d(yp, yg, err), DEQ_OK);
        mat_clear_d(yg);
    }
    /* X.npy now holds ling2022's inputs (|x| = √3): gao2021 asks |x| = 1 and says so */
    int st = test_run_cli("train", "--preset", "gao2021", "--m", "6", "--X", Xp, "--y", yp, "--seed",
                          "4", "--steps", "0", "--lr", "0.01", "--log", log0, NULL);
    cr_expect_eq(st, 0, "%s", test_cli_err);
    cr_expect(strstr(test_cli_err, "warning: gao2021's Assumption 2 asks |x_i| = 1") != NULL, "%s",
              test_cli_err);
}

/* Bad init files: a tensor of the wrong shape, a missing tensor: exit 2 with
 * one line naming the file and the tensor. */
Test(papers, bad_init_files_exit_2_naming_the_tensor, .timeout = 60)
{
    const char *dir = test_tmpdir();
    char w[600], log[600];
    snprintf(w, sizeof w, "%s/w.npz", dir);
    snprintf(log, sizeof log, "%s/l.csv", dir);
    mat_d_t T[DEQ_PAPER_SLOTS];
    long m = 4, d = 3;
    deq_paper_tensors_init(T, DEQ_PAPER_GAO2021, m, d);
    deq_rng_t rng;
    deq_rng_init(rng, test_seed());
    deq_paper_draw(T, DEQ_PAPER_GAO2021, 0, rng);
    deq_rng_clear(rng);
    mat_d_t ubad;
    mat_init_d(ubad, m + 1, 1, 53);
    const char *names[4] = {"A", "W", "u", "v"};
    mat_d_struct mats[4] = {*T[0], *T[1], *ubad, *T[3]};
    int nd[4] = {2, 2, 1, 1};
    deq_error_t err;
    deq_error_init(err);
    cr_assert_eq(io_npz_write_d(w, names, (const mat_d_t *)(void *)mats, nd, 4, err), DEQ_OK);
    int st = test_run_cli("train", "--preset", "gao2021", "--init", w, "--n", "5", "--d", "3",
                          "--seed", "1", "--steps", "1", "--lr", "0.1", "--log", log, NULL);
    cr_expect_eq(st, 2, "exit %d: %s", st, test_cli_err);
    cr_expect(strstr(test_cli_err, "w.npz: tensor u: shape (5, 1), expected (4,)") != NULL, "%s",
              test_cli_err);
    /* the input weight must match the data's d */
    cr_assert_eq(io_npz_write_d(w, names, (const mat_d_t *)(void *)mats, nd, 2, err), DEQ_OK);
    st = test_run_cli("train", "--preset", "gao2021", "--init", w, "--n", "5", "--d", "2", "--seed",
                      "1", "--steps", "1", "--lr", "0.1", "--log", log, NULL);
    cr_expect_eq(st, 2, "exit %d: %s", st, test_cli_err);
    cr_expect(strstr(test_cli_err, "tensor W: shape (4, 3), expected (4, 2)") != NULL, "%s",
              test_cli_err);
    /* missing: only A and W in the file */
    st = test_run_cli("train", "--preset", "gao2021", "--init", w, "--n", "5", "--d", "3", "--seed",
                      "1", "--steps", "1", "--lr", "0.1", "--log", log, NULL);
    cr_expect_eq(st, 2, "exit %d: %s", st, test_cli_err);
    cr_expect(strstr(test_cli_err, "w.npz: tensor u: not in the file") != NULL, "%s", test_cli_err);
    /* ling2022 reads W, U, a: a gao2021 file's W is (m, d), not square */
    cr_assert_eq(io_npz_write_d(w, names + 1, (const mat_d_t *)(void *)(mats + 1), nd + 1, 1, err),
                 DEQ_OK);
    st = test_run_cli("train", "--preset", "ling2022", "--init", w, "--n", "5", "--d", "3", "--seed",
                      "1", "--steps", "1", "--lr", "0.1", "--log", log, NULL);
    cr_expect_eq(st, 2, "exit %d: %s", st, test_cli_err);
    cr_expect(strstr(test_cli_err, "tensor W: shape (4, 3), expected (4, 4)") != NULL, "%s",
              test_cli_err);
    mat_clear_d(ubad);
    deq_paper_tensors_clear(T);
}

/* ling2022's K: Definition 1's recursion against Theorem 3's closed form, and
 * K_ii = 1/(1 − σ_w²). Both are contractions (factor σ_w²) whose steps round
 * within a few u of K's scale 1/(1 − σ_w²); their accumulated error is at most
 * that over 1 − σ_w², so 64u/(1 − σ_w²)² bounds the gap with room for Q's
 * evaluation (a sqrt, an acos, a handful of operations). */
Test(papers, ling2022_kernel_recursion_against_closed_form)
{
    long d = 5, n = 7;
    double sw2 = 0.08;
    deq_rng_t rng;
    deq_rng_init(rng, test_seed());
    mat_d_t X, K1, K2;
    mat_init_d(X, d, n, 53), mat_init_d(K1, n, n, 53), mat_init_d(K2, n, n, 53);
    data_sphere_points(X, rng);
    deq_rng_clear(rng);
    for (long k = 0; k < d * n; k++)
        X->e[k] *= sqrt((double)d);
    /* the recursion's error after l levels is O(l σ_w^{2l}) (Theorem 3(i)):
     * enough levels to reach the rounding level, twice over */
    long max_levels = 2 * (long)ceil(log(DBL_EPSILON) / log(sw2)) + 10;
    long levels = kernel_ling2022_K_recursion(K1, X, sw2, max_levels);
    cr_expect(levels < max_levels, "recursion did not settle in %ld levels", max_levels);
    kernel_ling2022_K_closed(K2, X, sw2);
    double scale = 1.0 / (1.0 - sw2);
    double tol = 64.0 * DBL_EPSILON / 2 * scale * scale;
    for (long j = 0; j < n; j++)
        for (long i = 0; i < n; i++) {
            double a = K1->e[i + j * n], b = K2->e[i + j * n];
            cr_expect(fabs(a - b) <= tol, "K[%ld,%ld]: recursion %.17g, closed form %.17g" TSEED_FMT,
                      i, j, a, b, TSEED);
            if (i == j) {
                cr_expect(fabs(a - scale) <= tol, "K_ii %.17g, 1/(1 - sigma_w^2) %.17g", a, scale);
                cr_expect_eq(b, scale);
            } else {
                cr_expect(b < scale, "off-diagonal %.17g not below K_ii", b);
            }
        }
    /* σ_w² = 0: one level, K = K^(1) = Q(x_iᵀx_j/d) */
    kernel_ling2022_K_closed(K2, X, 0.0);
    kernel_ling2022_K_recursion(K1, X, 0.0, 4);
    for (long k = 0; k < n * n; k++)
        cr_expect(fabs(K1->e[k] - K2->e[k]) <= 16.0 * DBL_EPSILON, "sigma_w2 = 0: %g vs %g",
                  K1->e[k], K2->e[k]);
    mat_clear_d(X), mat_clear_d(K1), mat_clear_d(K2);
}

/* gao2021's G^∞ = E_w[σ(Xw)σ(Xw)ᵀ] = ½Q(x_iᵀx_j) for unit inputs, against a
 * Monte-Carlo average over N draws of w ~ N(0, I_d): each entry within 5
 * standard errors (a two-sided Gaussian tail of 6e-7 per entry), and the
 * diagonal ½. */
Test(papers, gao2021_ginf_against_monte_carlo, .timeout = 120)
{
    long d = 4, n = 5, N = 200000;
    deq_rng_t rng;
    deq_rng_init(rng, test_seed());
    mat_d_t X, Gm, S1, S2;
    mat_init_d(X, d, n, 53), mat_init_d(Gm, n, n, 53), mat_init_d(S1, n, n, 53),
        mat_init_d(S2, n, n, 53);
    data_sphere_points(X, rng);
    kernel_gao2021_ginf(Gm, X);
    double w[16], s[16];
    for (long t = 0; t < N; t++) {
        for (long k = 0; k < d; k++)
            w[k] = deq_rng_gaussian(rng);
        for (long i = 0; i < n; i++) {
            double v = 0;
            for (long k = 0; k < d; k++)
                v += X->e[k + i * d] * w[k];
            s[i] = v > 0 ? v : 0;
        }
        for (long j = 0; j < n; j++)
            for (long i = 0; i < n; i++) {
                double p = s[i] * s[j];
                S1->e[i + j * n] += p;
                S2->e[i + j * n] += p * p;
            }
    }
    deq_rng_clear(rng);
    for (long k = 0; k < n * n; k++) {
        double mean = S1->e[k] / (double)N;
        double var = S2->e[k] / (double)N - mean * mean;
        double se = sqrt(var / (double)N);
        cr_expect(fabs(mean - Gm->e[k]) <= 5.0 * se, "G_inf entry %ld: MC %.6f +- %.2g, closed %.6f"
                  TSEED_FMT, k, mean, se, Gm->e[k], TSEED);
    }
    for (long i = 0; i < n; i++)
        cr_expect(fabs(Gm->e[i + i * n] - 0.5) <= 4.0 * DBL_EPSILON, "G_ii = %.17g", Gm->e[i + i * n]);
    cr_expect_eq(kernel_relu_Q(1.0), 1.0);
    cr_expect(fabs(kernel_relu_Q(0.0) - 1.0 / M_PI) <= DBL_EPSILON);
    mat_clear_d(X), mat_clear_d(Gm), mat_clear_d(S1), mat_clear_d(S2);
}

/* The MPFR kernels at 256 bits: recursion against closed form to a few
 * hundred units of 2^-256 (the same accumulation argument as in double), and
 * the double kernels against them to their double tolerance. */
Test(papers, kernels_in_mpfr_against_double_and_each_other, .timeout = 120)
{
    long d = 5, n = 6;
    double sw2 = 0.08;
    deq_rng_t rng;
    deq_rng_init(rng, test_seed() + 3);
    mat_d_t X, Kd, Gd;
    mat_init_d(X, d, n, 53), mat_init_d(Kd, n, n, 53), mat_init_d(Gd, n, n, 53);
    data_sphere_points(X, rng);
    deq_rng_clear(rng);
    mat_mp_t Xu, Xs, K1, K2, Gm;
    mat_init_mp(Xu, d, n, PREC), mat_init_mp(Xs, d, n, PREC), mat_init_mp(K1, n, n, PREC),
        mat_init_mp(K2, n, n, PREC), mat_init_mp(Gm, n, n, PREC);
    mat_set_mat_d_mp(Xu, X);
    /* unit columns at 256 bits (the double points are unit to about u only, and
     * Theorem 3's closed form takes |x|² = d exactly), then radius √d */
    mpfr_t s, nrm;
    mpfr_init2(s, PREC), mpfr_init2(nrm, PREC);
    for (long j = 0; j < n; j++) {
        mpfr_set_zero(nrm, 1);
        for (long k = 0; k < d; k++)
            mpfr_fma(nrm, mat_entry(Xu, k, j), mat_entry(Xu, k, j), nrm, MPFR_RNDN);
        mpfr_sqrt(nrm, nrm, MPFR_RNDN);
        mpfr_sqrt_ui(s, (unsigned long)d, MPFR_RNDN);
        for (long k = 0; k < d; k++) {
            mpfr_div(mat_entry(Xu, k, j), mat_entry(Xu, k, j), nrm, MPFR_RNDN);
            mpfr_mul(mat_entry(Xs, k, j), mat_entry(Xu, k, j), s, MPFR_RNDN);
        }
    }
    mpfr_clear(nrm);
    kernel_gao2021_ginf(Gd, X);
    kernel_gao2021_ginf_mp(Gm, Xu, PREC);
    for (long k = 0; k < d * n; k++)
        X->e[k] *= sqrt((double)d);
    mpfr_set_d(s, sw2, MPFR_RNDN);
    long max_levels = 2 * (long)ceil(-(double)PREC * log(2.0) / log(sw2)) + 10;
    long levels = kernel_ling2022_K_recursion_mp(K1, Xs, s, max_levels, PREC);
    cr_expect(levels < max_levels, "recursion did not settle");
    kernel_ling2022_K_closed_mp(K2, Xs, s, PREC);
    kernel_ling2022_K_closed(Kd, X, sw2);
    double scale = 1.0 / (1.0 - sw2);
    double tol_mp = 64.0 * ldexp(1.0, -PREC) * scale * scale;
    double tol_d = 64.0 * DBL_EPSILON / 2 * scale * scale;
    mpfr_t e;
    mpfr_init2(e, PREC);
    for (long j = 0; j < n; j++)
        for (long i = 0; i < n; i++) {
            mpfr_sub(e, mat_entry(K1, i, j), mat_entry(K2, i, j), MPFR_RNDN);
            cr_expect(fabs(mpfr_get_d(e, MPFR_RNDN)) <= tol_mp, "K[%ld,%ld] mpfr: %g apart", i, j,
                      mpfr_get_d(e, MPFR_RNDN));
            cr_expect(fabs(Kd->e[i + j * n] - mpfr_get_d(mat_entry(K2, i, j), MPFR_RNDN)) <= tol_d,
                      "K[%ld,%ld]: double %.17g", i, j, Kd->e[i + j * n]);
            cr_expect(fabs(Gd->e[i + j * n] - mpfr_get_d(mat_entry(Gm, i, j), MPFR_RNDN)) <=
                          16.0 * DBL_EPSILON,
                      "G_inf[%ld,%ld]: double %.17g", i, j, Gd->e[i + j * n]);
        }
    mpfr_clear(e), mpfr_clear(s);
    mat_clear_mp(Xu), mat_clear_mp(Xs), mat_clear_mp(K1), mat_clear_mp(K2), mat_clear_mp(Gm);
    mat_clear_d(X), mat_clear_d(Kd), mat_clear_d(Gd);
}

/* The training loop does what the log says: the loss of step k is the loss
 * of the weights before the k-th update, and the update moves every trained
 * tensor by −η∇L. Checked against forward passes and gradients computed here
 * from scratch (cold starts, where training warm-starts: the two solves agree
 * to their tolerance, 2√m·u relative, amplified by 1/(1 − ρ̄); a loss carries
 * that twice over plus its own rounding, γ_{m+n+2}). */
Test(papers, training_log_matches_steps_recomputed, .timeout = 120)
{
    for (int kind = 0; kind < 2; kind++) {
        long m = 10, d = 3, n = 6, steps = 3;
        double lr = kind == DEQ_PAPER_GAO2021 ? 0.05 : 0.005;
        mat_d_t T[DEQ_PAPER_SLOTS], X, y;
        random_case(T, X, y, kind, m, d, n, test_seed() + 21);
        deq_paper_d_t P, Q, g;
        deq_paper_init_d(P, kind, m, d, "0.1", 53);
        deq_paper_init_d(Q, kind, m, d, "0.1", 53);
        deq_paper_init_d(g, kind, m, d, "0.1", 53);
        deq_paper_set_d_d(P, T), deq_paper_set_d_d(Q, T);
        deq_paper_log_t log;
        deq_paper_log_init(log);
        deq_paper_train_opts o = {.steps = steps, .lr = lr, .gram_every = 1};
        deq_paper_train_d(log, P, X, y, &o, 53);
        cr_assert_eq(log->len, steps + 1, "kind %d: %ld lines: %s", kind, log->len,
                     log->len ? log->steps[log->len - 1].event : "");
        double gmax = 0, tol_max = 0;
        for (long k = 0; k <= steps; k++) {
            deq_paper_state_d_t S;
            deq_paper_state_init_d(S, Q, n, 53);
            double L;
            cr_assert(deq_paper_forward_d(&L, S, Q, X, y, 53));
            double tol = 4.0 * (2.0 * sqrt((double)m) + (double)(m + n + 2)) * DBL_EPSILON /
                         (1.0 - S->rho_upper);
            tol_max = fmax(tol_max, tol);
            cr_expect(fabs(log->steps[k].loss - L) <= tol * (L + 1.0),
                      "kind %d step %ld: log %.17g, recomputed %.17g", kind, k, log->steps[k].loss, L);
            cr_expect(fabs(log->steps[k].op_norm - S->rho_estimate) <= tol * S->rho_estimate);
            cr_expect(isfinite(log->steps[k].lam_min) && log->steps[k].lam_min_lower <=
                      log->steps[k].lam_min_upper, "kind %d step %ld: lambda_min not logged", kind, k);
            if (k < steps) {
                cr_assert(deq_paper_grad_d(g, S, Q, X, 53));
                for (int s = 0; s < DEQ_PAPER_SLOTS; s++)
                    for (long j = 0; j < Q->w[s]->rows * Q->w[s]->cols; j++) {
                        Q->w[s]->e[j] -= lr * g->w[s]->e[j];
                        gmax = fmax(gmax, fabs(g->w[s]->e[j]));
                    }
            }
            deq_paper_state_clear_d(S);
        }
        /* the weights trained in the loop are the ones recomputed here: each
         * step's gradients agree to the solves' tolerance (tol_max relative),
         * so after `steps` updates the weights differ by at most
         * steps·η·tol_max·max|∇|, plus one rounding per update */
        double tol_w = (double)steps * (lr * tol_max * gmax + DBL_EPSILON);
        for (int s = 0; s < DEQ_PAPER_SLOTS; s++)
            for (long j = 0; j < Q->w[s]->rows * Q->w[s]->cols; j++)
                cr_expect(fabs(P->w[s]->e[j] - Q->w[s]->e[j]) <= tol_w * (1.0 + fabs(Q->w[s]->e[j])),
                          "kind %d %s[%ld]: %.17g vs %.17g", kind, deq_paper_tensor_name(kind, s), j,
                          P->w[s]->e[j], Q->w[s]->e[j]);
        deq_paper_log_clear(log);
        deq_paper_clear_d(P), deq_paper_clear_d(Q), deq_paper_clear_d(g);
        deq_paper_tensors_clear(T);
        mat_clear_d(X), mat_clear_d(y);
    }
}

/* The input-norm warning at extreme scales: columns of s·(1, 1, 1, 1) have
 * norm 2s exactly (a closed form), so ling2022 (|x| = sqrt(4) = 2) is off by
 * |s - 1| relative. A sum of squares overflows at s = 1e160 and underflows at
 * s = 1e-170; the note must name the worst sample by its one index and say
 * its true norm. */
Test(papers, input_norm_note_at_extreme_scales)
{
    const deq_paper_spec *ling = deq_paper_spec_find("ling2022");
    char note[400];
    mat_d_t X;
    mat_init_d(X, 4, 3, 53);
    /* sample 0 of norm 2 (exact), sample 1 of norm 2e160, sample 2 of norm 2e170 */
    const double s[3] = {1, 1e160, 1e170};
    for (long j = 0; j < 3; j++)
        for (long i = 0; i < 4; i++)
            X->e[i + 4 * j] = s[j];
    cr_assert(deq_paper_input_norm_note(note, sizeof note, ling, X));
    cr_expect(strstr(note, "row 2") && strstr(note, "norm 2e+170") && strstr(note, "off by 1e+170"), "%s", note);
    cr_expect(!strstr(note, "inf") && !strstr(note, "(row"), "%s", note);
    /* tiny: the worst is the smallest (off by 1 - s, rounding to 1), its norm 2s */
    const double t[3] = {1, 0.5, 1e-170};
    for (long j = 0; j < 3; j++)
        for (long i = 0; i < 4; i++)
            X->e[i + 4 * j] = t[j];
    cr_assert(deq_paper_input_norm_note(note, sizeof note, ling, X));
    cr_expect(strstr(note, "row 2") && strstr(note, "norm 2e-170"), "%s", note);
    /* an exact sphere: no note */
    for (long k = 0; k < 12; k++)
        X->e[k] = 1;
    cr_expect(!deq_paper_input_norm_note(note, sizeof note, ling, X));
    mat_clear_d(X);
}
