/* Tests of the kawaguchi2021 linear-softmax model (src/deq/linear.c) and its
 * T3 checks (theorems/linear_convergence_kawaguchi.c). Independent routes:
 * central finite differences at twice the precision, closed forms on data
 * built from known singular vectors, σ_min(U) from an explicit U and Jacobi,
 * the exact identity ⟨Ẇ, −∇L̃⟩ = ‖∇L‖², and negative controls. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "data/synthetic.h"
#include "deq/linear.h"
#include "num/bound.h"
#include "num/symeig.h"
#include "theorems/linear_convergence_kawaguchi.h"
#include "testutil.h"

/* Random problem in double: A N(0,1), B N(0,1/m), X on the sphere, Y N(0,1). */
static void draw_problem(mat_d_t A, mat_d_t B, mat_d_t X, mat_d_t Y, deq_rng_t rng)
{
    test_fill_gaussian(A, rng);
    test_fill_gaussian(B, rng);
    for (long i = 0; i < B->rows * B->cols; i++)
        B->e[i] /= sqrt((double)B->cols);
    data_sphere_points(X, rng);
    test_fill_gaussian(Y, rng);
}

static void to_mp(mat_mp_t M, const mat_d_t D, long prec)
{
    mat_init_mp(M, D->rows, D->cols, prec);
    mat_set_mat_d_mp(M, D);
}

/* Loss only, at prec, with entry e of A (which = 0) or B (which = 1) shifted by h. */
static void loss_shifted(mpfr_ptr L, const mat_mp_t A, const mat_mp_t B, const mat_mp_t X,
                         const mat_mp_t Y, mpfr_srcptr g, int which, long e, mpfr_srcptr h,
                         long prec)
{
    mat_mp_t A2, B2;
    mat_init_mp(A2, A->rows, A->cols, prec), mat_init_mp(B2, B->rows, B->cols, prec);
    mat_set_mp(A2, A), mat_set_mp(B2, B);
    mpfr_ptr x = which == 0 ? A2->e + e : B2->e + e;
    mpfr_add(x, x, h, MPFR_RNDN);
    cr_assert_eq(deq_linear_loss_grad_mp(L, NULL, NULL, A2, B2, X, Y, g, prec), 0);
    mat_clear_mp(A2), mat_clear_mp(B2);
}

Test(linear, gradients_match_central_differences_at_twice_the_precision)
{
    const long p = 128, p2 = 2 * p, m = 5, n = 4, k = 2;
    deq_rng_t rng;
    deq_rng_init(rng, test_seed());
    mat_d_t Ad, Bd, Xd, Yd;
    mat_init_d(Ad, m, m, 53), mat_init_d(Bd, k, m, 53), mat_init_d(Xd, m, n, 53),
        mat_init_d(Yd, k, n, 53);
    draw_problem(Ad, Bd, Xd, Yd, rng);
    deq_rng_clear(rng);
    mat_mp_t A, B, X, Y, A2, B2, X2, Y2, gA, gB;
    to_mp(A, Ad, p), to_mp(B, Bd, p), to_mp(X, Xd, p), to_mp(Y, Yd, p);
    to_mp(A2, Ad, p2), to_mp(B2, Bd, p2), to_mp(X2, Xd, p2), to_mp(Y2, Yd, p2);
    mat_init_mp(gA, m, m, p), mat_init_mp(gB, k, m, p);
    mpfr_t g, g2, L, Lp, Lm, h, mh, fd;
    mpfr_inits2(p, g, L, (mpfr_ptr)0);
    mpfr_inits2(p2, g2, Lp, Lm, h, mh, fd, (mpfr_ptr)0);
    mpfr_set_d(g, 0.5, MPFR_RNDN), mpfr_set_d(g2, 0.5, MPFR_RNDN);
    cr_assert_eq(deq_linear_loss_grad_mp(L, gA, gB, A, B, X, Y, g, p), 0);
    /* h = 2^-(p/2 + 8): truncation O(h²) ~ 2^-(p+16), rounding 2^-p2/h ≪ 2^-p */
    mpfr_set_ui_2exp(h, 1, -(p / 2 + 8), MPFR_RNDN);
    mpfr_neg(mh, h, MPFR_RNDN);
    double worst = 400, gmax = 0;
    for (int which = 0; which < 2; which++) {
        mat_mp_struct *Gm = which == 0 ? gA : gB;
        for (long e = 0; e < Gm->rows * Gm->cols; e++)
            gmax = fmax(gmax, fabs(mpfr_get_d(Gm->e + e, MPFR_RNDN)));
    }
    for (int which = 0; which < 2; which++) {
        mat_mp_struct *Gm = which == 0 ? gA : gB;
        for (long e = 0; e < Gm->rows * Gm->cols; e++) {
            loss_shifted(Lp, A2, B2, X2, Y2, g2, which, e, h, p2);
            loss_shifted(Lm, A2, B2, X2, Y2, g2, which, e, mh, p2);
            mpfr_sub(fd, Lp, Lm, MPFR_RNDN);
            mpfr_div(fd, fd, h, MPFR_RNDN);
            mpfr_div_2ui(fd, fd, 1, MPFR_RNDN);
            mpfr_sub(fd, fd, Gm->e + e, MPFR_RNDN);
            /* error relative to the gradient's largest entry (normwise) */
            double rel = fabs(mpfr_get_d(fd, MPFR_RNDN)) / gmax;
            double dig = rel == 0 ? 400 : -log10(rel);
            worst = fmin(worst, dig);
        }
    }
    double need = 0.5 * (double)p * log10(2.0);
    cr_log_info("gradients vs central differences: worst %.1f digits (need %.1f)", worst, need);
    cr_expect(worst >= need, "gradient vs FD at %ld bits: %.1f digits, need >= %.1f" TSEED_FMT, p2,
              worst, need, TSEED);
    mpfr_clears(g, L, g2, Lp, Lm, h, mh, fd, (mpfr_ptr)0);
    mat_clear_mp(A), mat_clear_mp(B), mat_clear_mp(X), mat_clear_mp(Y);
    mat_clear_mp(A2), mat_clear_mp(B2), mat_clear_mp(X2), mat_clear_mp(Y2);
    mat_clear_mp(gA), mat_clear_mp(gB);
    mat_clear_d(Ad), mat_clear_d(Bd), mat_clear_d(Xd), mat_clear_d(Yd);
}

static double max_abs_diff(const mat_d_t D, const mat_mp_t M, double *scale)
{
    double worst = 0, sc = 0;
    for (long i = 0; i < D->rows * D->cols; i++) {
        double v = mpfr_get_d(M->e + i, MPFR_RNDN);
        worst = fmax(worst, fabs(D->e[i] - v));
        sc = fmax(sc, fabs(v));
    }
    *scale = sc;
    return worst;
}

Test(linear, double_gradients_agree_with_mpfr)
{
    const long m = 24, n = 10, k = 3, p = 256;
    deq_rng_t rng;
    deq_rng_init(rng, test_seed() + 1);
    mat_d_t A, B, X, Y, gA, gB;
    mat_init_d(A, m, m, 53), mat_init_d(B, k, m, 53), mat_init_d(X, m, n, 53),
        mat_init_d(Y, k, n, 53), mat_init_d(gA, m, m, 53), mat_init_d(gB, k, m, 53);
    draw_problem(A, B, X, Y, rng);
    deq_rng_clear(rng);
    mat_mp_t Am, Bm, Xm, Ym, gAm, gBm;
    to_mp(Am, A, p), to_mp(Bm, B, p), to_mp(Xm, X, p), to_mp(Ym, Y, p);
    mat_init_mp(gAm, m, m, p), mat_init_mp(gBm, k, m, p);
    double g = 0.5, L;
    mpfr_t gm, Lm;
    mpfr_inits2(p, gm, Lm, (mpfr_ptr)0);
    mpfr_set_d(gm, 0.5, MPFR_RNDN);
    cr_assert_eq(deq_linear_loss_grad_d(&L, gA, gB, A, B, X, Y, &g, 53), 0);
    cr_assert_eq(deq_linear_loss_grad_mp(Lm, gAm, gBm, Am, Bm, Xm, Ym, gm, p), 0);
    /* Tolerance: the chain bound of linear_convergence_kawaguchi.c,
     * 8·κ·γ_{m+n+k}(53), κ = (1+γ)/(1−γ), relative to the largest entry. */
    double eps = 8 * 3.0 * bound_gamma((double)(m + n + k), 53);
    double sA, sB;
    double dA = max_abs_diff(gA, gAm, &sA), dB = max_abs_diff(gB, gBm, &sB);
    double dL = fabs(L - mpfr_get_d(Lm, MPFR_RNDN)) / fabs(mpfr_get_d(Lm, MPFR_RNDN));
    cr_log_info("double vs mpfr: rel dA %.2e, dB %.2e, dL %.2e (tol %.2e)", dA / sA, dB / sB, dL,
                eps);
    cr_expect(dA <= eps * sA && dB <= eps * sB && dL <= eps,
              "double vs mpfr gradients: dA %.3g dB %.3g dL %.3g relative, tol %.3g" TSEED_FMT,
              dA / sA, dB / sB, dL, eps, TSEED);
    mpfr_clears(gm, Lm, (mpfr_ptr)0);
    mat_clear_mp(Am), mat_clear_mp(Bm), mat_clear_mp(Xm), mat_clear_mp(Ym), mat_clear_mp(gAm),
        mat_clear_mp(gBm);
    mat_clear_d(A), mat_clear_d(B), mat_clear_d(X), mat_clear_d(Y), mat_clear_d(gA),
        mat_clear_d(gB);
}

/* Orthonormal n×n Q by modified Gram-Schmidt (twice) of a Gaussian at prec. */
static void orthonormal(mat_mp_t Q, deq_rng_t rng, long prec)
{
    long n = Q->rows;
    mpfr_t d, t;
    mpfr_inits2(prec, d, t, (mpfr_ptr)0);
    for (long i = 0; i < n * n; i++)
        mpfr_set_d(Q->e + i, deq_rng_gaussian(rng), MPFR_RNDN);
    for (int pass = 0; pass < 2; pass++)
        for (long j = 0; j < n; j++) {
            for (long q = 0; q < j; q++) {
                mpfr_set_zero(d, 1);
                for (long i = 0; i < n; i++)
                    mpfr_fma(d, Q->e + i + q * n, Q->e + i + j * n, d, MPFR_RNDN);
                for (long i = 0; i < n; i++) {
                    mpfr_mul(t, d, Q->e + i + q * n, MPFR_RNDN);
                    mpfr_sub(Q->e + i + j * n, Q->e + i + j * n, t, MPFR_RNDN);
                }
            }
            mpfr_set_zero(d, 1);
            for (long i = 0; i < n; i++)
                mpfr_fma(d, Q->e + i + j * n, Q->e + i + j * n, d, MPFR_RNDN);
            mpfr_sqrt(d, d, MPFR_RNDN);
            for (long i = 0; i < n; i++)
                mpfr_div(Q->e + i + j * n, Q->e + i + j * n, d, MPFR_RNDN);
        }
    mpfr_clears(d, t, (mpfr_ptr)0);
}

/* X (m×n) with rows s_i q_iᵀ (q_i columns of Q), Y = C Qᵀ: singular values s,
 * row space span{q_i : s_i ≠ 0}, and L* = ½ Σ_{j: s_j = 0 or j >= m} ‖C_j‖². */
Test(linear, lstar_and_sigma_plus_match_closed_forms)
{
    const long n = 7, k = 2, P = 512;
    const long ms[2] = {4, 5};
    const double svals[2][5] = {{3, 2, 0.5, 0, 0}, {2.5, 1.5, 1, 0.75, 0.25}};
    for (int c = 0; c < 2; c++) {
        long m = ms[c];
        deq_rng_t rng;
        deq_rng_init(rng, test_seed() + 10 + (unsigned long)c);
        mat_mp_t Q, X, Y, C;
        mat_init_mp(Q, n, n, P), mat_init_mp(X, m, n, P), mat_init_mp(Y, k, n, P),
            mat_init_mp(C, k, n, P);
        orthonormal(Q, rng, P);
        for (long i = 0; i < k * n; i++)
            mpfr_set_d(C->e + i, deq_rng_gaussian(rng), MPFR_RNDN);
        deq_rng_clear(rng);
        for (long i = 0; i < m; i++)
            for (long j = 0; j < n; j++)
                mpfr_mul_d(X->e + i + j * m, Q->e + j + i * n, svals[c][i], MPFR_RNDN);
        mpfr_t one, zero, ref, sp2ref, ls, sp;
        mpfr_inits2(P, one, zero, ref, sp2ref, ls, sp, (mpfr_ptr)0);
        mpfr_set_ui(one, 1, MPFR_RNDN), mpfr_set_zero(zero, 1);
        mat_gemm_mp(Y, one, MAT_NOTRANS, C, MAT_TRANS, Q, zero, P);
        mpfr_set_zero(ref, 1);
        long r = 0;
        double smin = INFINITY;
        for (long j = 0; j < n; j++) {
            if (j < m && svals[c][j] != 0) {
                r++;
                smin = fmin(smin, svals[c][j]);
                continue;
            }
            for (long i = 0; i < k; i++)
                mpfr_fma(ref, C->e + i + j * k, C->e + i + j * k, ref, MPFR_RNDN);
        }
        mpfr_div_2ui(ref, ref, 1, MPFR_RNDN);
        double lref = mpfr_get_d(ref, MPFR_RNDN), spref = smin * smin;
        /* double */
        mat_d_t Xd, Yd;
        mat_init_d(Xd, m, n, 53), mat_init_d(Yd, k, n, 53);
        mat_get_mat_d_mp(Xd, X), mat_get_mat_d_mp(Yd, Y);
        double lsd, spd, tau;
        long rd = deq_linear_data_spectrum_d(&lsd, &spd, &tau, Xd, Yd, 53);
        /* Rounding X to double and the eigensolver perturb the projector X⁺X
         * by about γ_{m+n+k}‖X‖_F/σ⁺ in norm (Wedin), so L* moves by at most
         * that times ‖Y‖²_F; the factor 8 is the chain count of the checker. */
        double xf2 = 0, y2 = 0;
        for (long i = 0; i < m; i++)
            xf2 += svals[c][i] * svals[c][i];
        for (long i = 0; i < k * n; i++)
            y2 += mpfr_get_d(C->e + i, MPFR_RNDN) * mpfr_get_d(C->e + i, MPFR_RNDN);
        double tol_l = 8 * bound_gamma((double)(m + n + k), 53) * sqrt(xf2) / smin * y2;
        cr_expect(rd == r, "case %d double rank %ld, expected %ld" TSEED_FMT, c, rd, r, TSEED);
        cr_expect(fabs(lsd - lref) <= tol_l, "case %d: L* double %.17g vs closed form %.17g (tol %.2g)" TSEED_FMT, c,
                  lsd, lref, tol_l, TSEED);
        cr_expect(fabs(spd - spref) <= tau, "case %d: sigma+^2 double %.17g vs %.17g (tau %.2g)" TSEED_FMT, c,
                  spd, spref, tau, TSEED);
        cr_log_info("closed forms case %d: L* err %.2e (tol %.2e), sigma+^2 err %.2e (tau %.2e) "
                    "(double)", c, fabs(lsd - lref), tol_l, fabs(spd - spref), tau);
        /* MPFR at 256 bits */
        long p = 256;
        mat_mp_t Xp, Yp;
        mat_init_mp(Xp, m, n, p), mat_init_mp(Yp, k, n, p);
        mat_set_mp(Xp, X), mat_set_mp(Yp, Y);
        long rp = deq_linear_data_spectrum_mp(ls, sp, &tau, Xp, Yp, p);
        cr_expect(rp == r, "case %d mpfr rank %ld, expected %ld" TSEED_FMT, c, rp, r, TSEED);
        mpfr_set_d(sp2ref, spref, MPFR_RNDN);
        double dl = test_digits_mp(ls, ref), ds = test_digits_mp(sp, sp2ref);
        cr_log_info("closed forms case %d (mpfr-256): L* %.1f digits, sigma+^2 %.1f digits", c, dl,
                    ds);
        cr_expect(dl >= 0.9 * p * log10(2.0) - 6 && ds >= 0.9 * p * log10(2.0) - 6,
                  "case %d mpfr: L* %.1f digits, sigma+^2 %.1f digits" TSEED_FMT, c, dl, ds, TSEED);
        mat_clear_mp(Xp), mat_clear_mp(Yp);
        mat_clear_d(Xd), mat_clear_d(Yd);
        mpfr_clears(one, zero, ref, sp2ref, ls, sp, (mpfr_ptr)0);
        mat_clear_mp(Q), mat_clear_mp(X), mat_clear_mp(Y), mat_clear_mp(C);
    }
}

Test(linear, softmax_jacobian_identities)
{
    const long m = 6, p = 256;
    deq_rng_t rng;
    deq_rng_init(rng, test_seed() + 20);
    mat_mp_t A, dA, dB, S, Sp, Sm, J1, J2, Ah;
    mat_init_mp(A, m, m, p), mat_init_mp(dA, m, m, p), mat_init_mp(dB, m, m, p);
    mat_init_mp(S, m, m, p), mat_init_mp(Sp, m, m, p), mat_init_mp(Sm, m, m, p);
    mat_init_mp(J1, m, m, p), mat_init_mp(J2, m, m, p), mat_init_mp(Ah, m, m, p);
    for (long i = 0; i < m * m; i++) {
        mpfr_set_d(A->e + i, 2 * deq_rng_gaussian(rng), MPFR_RNDN);
        mpfr_set_d(dA->e + i, deq_rng_gaussian(rng), MPFR_RNDN);
        mpfr_set_d(dB->e + i, deq_rng_gaussian(rng), MPFR_RNDN);
    }
    deq_rng_clear(rng);
    deq_linear_softmax_mp(S, A, p);
    deq_linear_softmax_jvp_mp(J1, S, dA, p);
    /* central difference of the softmax along dA, h = 2^-70: error ~ h² ≈ 1e-42 */
    mpfr_t h, t, d1, d2;
    mpfr_inits2(p, h, t, d1, d2, (mpfr_ptr)0);
    mpfr_set_ui_2exp(h, 1, -70, MPFR_RNDN);
    for (int s = 0; s < 2; s++) {
        for (long i = 0; i < m * m; i++) {
            mpfr_mul(t, h, dA->e + i, MPFR_RNDN);
            (s ? mpfr_sub : mpfr_add)(Ah->e + i, A->e + i, t, MPFR_RNDN);
        }
        deq_linear_softmax_mp(s ? Sm : Sp, Ah, p);
    }
    double worst = 0, colsum = 0;
    for (long j = 0; j < m; j++) {
        mpfr_set_zero(d1, 1);
        for (long i = 0; i < m; i++) {
            long e = i + j * m;
            mpfr_sub(t, Sp->e + e, Sm->e + e, MPFR_RNDN);
            mpfr_div(t, t, h, MPFR_RNDN);
            mpfr_div_2ui(t, t, 1, MPFR_RNDN);
            mpfr_sub(t, t, J1->e + e, MPFR_RNDN);
            worst = fmax(worst, fabs(mpfr_get_d(t, MPFR_RNDN)));
            mpfr_add(d1, d1, J1->e + e, MPFR_RNDN);
        }
        colsum = fmax(colsum, fabs(mpfr_get_d(d1, MPFR_RNDN)));
    }
    /* symmetry ⟨jvp(dA), dB⟩ = ⟨dA, jvp(dB)⟩ */
    deq_linear_softmax_jvp_mp(J2, S, dB, p);
    mpfr_set_zero(d1, 1), mpfr_set_zero(d2, 1);
    for (long i = 0; i < m * m; i++) {
        mpfr_fma(d1, J1->e + i, dB->e + i, d1, MPFR_RNDN);
        mpfr_fma(d2, dA->e + i, J2->e + i, d2, MPFR_RNDN);
    }
    double sym = test_digits_mp(d1, d2);
    cr_log_info("softmax jvp: FD err %.2e, column-sum %.2e, symmetry %.1f digits", worst, colsum,
                sym);
    cr_expect(worst < 1e-38, "softmax JVP vs central difference: %.3g" TSEED_FMT, worst, TSEED);
    cr_expect(colsum < 1e-70, "columns of the JVP must sum to 0: %.3g" TSEED_FMT, colsum, TSEED);
    cr_expect(sym > 70, "softmax Jacobian not symmetric: %.1f digits" TSEED_FMT, sym, TSEED);
    mpfr_clears(h, t, d1, d2, (mpfr_ptr)0);
    mat_clear_mp(A), mat_clear_mp(dA), mat_clear_mp(dB), mat_clear_mp(S), mat_clear_mp(Sp);
    mat_clear_mp(Sm), mat_clear_mp(J1), mat_clear_mp(J2), mat_clear_mp(Ah);
}

Test(linear, sigma_min_u_matches_explicit_inverse)
{
    const long m = 12, p = 256;
    deq_rng_t rng;
    deq_rng_init(rng, test_seed() + 30);
    mat_d_t Ad;
    mat_init_d(Ad, m, m, 53);
    test_fill_gaussian(Ad, rng);
    deq_rng_clear(rng);
    mat_mp_t A, S, U, UtU, ev;
    to_mp(A, Ad, p);
    mat_init_mp(S, m, m, p), mat_init_mp(U, m, m, p), mat_init_mp(UtU, m, m, p),
        mat_init_mp(ev, m, 1, p);
    mpfr_t g, one, zero, s2;
    mpfr_inits2(p, g, one, zero, s2, (mpfr_ptr)0);
    mpfr_set_d(g, 0.5, MPFR_RNDN), mpfr_set_ui(one, 1, MPFR_RNDN), mpfr_set_zero(zero, 1);
    deq_linear_softmax_mp(S, A, p);
    cr_assert_eq(deq_linear_resolvent_mp(U, S, g, p), 0);
    mat_gemm_mp(UtU, one, MAT_TRANS, U, MAT_NOTRANS, U, zero, p);
    num_symeig_info_t info;
    num_symeig_jacobi_mp(ev, NULL, info, UtU, p);
    cr_assert_eq(deq_linear_sigma_min_u2_mp(s2, A, g, p), 0);
    double dig = test_digits_mp(s2, ev->e);
    double g_d = 0.5, s2d;
    cr_assert_eq(deq_linear_sigma_min_u2_d(&s2d, Ad, &g_d, 53), 0);
    double digd = test_digits(s2d, mpfr_get_d(ev->e, MPFR_RNDN));
    cr_log_info("sigma_min(U)^2: mpfr %.1f digits, double %.1f digits vs lambda_min(U^T U)", dig,
                digd);
    cr_expect(dig > 0.9 * p * log10(2.0) - 6 && digd > 13,
              "sigma_min(U)^2 vs lambda_min(U^T U): mpfr %.1f, double %.1f digits" TSEED_FMT, dig,
              digd, TSEED);
    /* σ_min(U) = 1/‖J‖₂ >= 1/(1 + γ‖S‖₂) >= 1/(1 + γ√m) (‖S‖₁ = 1, ‖S‖∞ <= m) */
    double lo = 1.0 / ((1 + 0.5 * sqrt((double)m)) * (1 + 0.5 * sqrt((double)m)));
    cr_expect(mpfr_get_d(s2, MPFR_RNDN) >= lo, "sigma_min(U)^2 = %g below 1/(1+gamma sqrt m)^2 = %g",
              mpfr_get_d(s2, MPFR_RNDN), lo);
    mpfr_clears(g, one, zero, s2, (mpfr_ptr)0);
    mat_clear_mp(A), mat_clear_mp(S), mat_clear_mp(U), mat_clear_mp(UtU), mat_clear_mp(ev);
    mat_clear_d(Ad);
}

Test(linear, trainer_decreases_loss_and_trust_region_identity)
{
    const long m = 10, n = 8, k = 2, K = 30;
    deq_rng_t rng;
    deq_rng_init(rng, test_seed() + 40);
    mat_d_t A, B, X, Y;
    mat_init_d(A, m, m, 53), mat_init_d(B, k, m, 53), mat_init_d(X, m, n, 53),
        mat_init_d(Y, k, n, 53);
    draw_problem(A, B, X, Y, rng);
    deq_rng_clear(rng);
    deq_linear_traj_t t;
    deq_linear_traj_init(t, K);
    double g = 0.5, eta = 1e-3; /* small: η‖∇²L‖ ≪ 1 here (‖UX‖²_F <= 4n = 32) */
    deq_linear_train_gd_d(t, A, B, X, Y, &g, eta, K, 53);
    cr_assert_eq(t->failed_at, -1);
    cr_assert_eq(t->steps, K);
    cr_expect(t->rank == n && t->lstar == 0.0, "m >= n: rank %ld, L* %g", t->rank, t->lstar);
    double id = 0;
    for (long i = 0; i < K; i++) {
        cr_expect(t->loss[i + 1] < t->loss[i], "loss rose at step %ld: %.17g -> %.17g" TSEED_FMT,
                  i, t->loss[i], t->loss[i + 1], TSEED);
        cr_expect(t->decrease[i] >= 0, "sufficient decrease fails at step %ld with eta %g", i, eta);
        cr_expect(t->pl_margin[i] >= 0 && t->rate_margin[i] >= 0 && t->tr_margin[i] >= 0,
                  "step %ld: pl %g rate %g tr %g" TSEED_FMT, i, t->pl_margin[i],
                  t->rate_margin[i], t->tr_margin[i], TSEED);
        id = fmax(id, fabs(t->tr_rhs[i] - t->grad2[i]) / t->grad2[i]);
    }
    /* <Wdot, -grad Ltilde> = ||grad L||^2 exactly; chain tolerance 8κγ_{m+n+k} */
    double eps = 8 * 3.0 * bound_gamma((double)(m + n + k), 53);
    cr_log_info("trainer: L %.6g -> %.6g; trust-region identity rel err %.2e (tol %.2e)",
                t->loss[0], t->loss[K], id, eps);
    cr_expect(id <= eps, "trust-region identity off by %.3g relative (tol %.3g)" TSEED_FMT, id,
              eps, TSEED);
    deq_linear_traj_clear(t);
    mat_clear_d(A), mat_clear_d(B), mat_clear_d(X), mat_clear_d(Y);
}

static const thm_check ck[3] = {
    {"T3.linear_pl", "kawaguchi2021", THM_EXACT, "pl", NULL, NULL, NULL},
    {"T3.linear_rate", "kawaguchi2021", THM_EXACT, "rate", NULL, NULL, NULL},
    {"T3.trust_region", "kawaguchi2021", THM_EXACT, "trust region", NULL, NULL, NULL}};

Test(linear, checks_hold_and_controls_are_caught)
{
    thm_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.profile = "test";
    cfg.widths[0] = 16, cfg.widths[1] = 24, cfg.n_widths = 2;
    cfg.n = 12, cfg.d = 8, cfg.seeds = 1, cfg.mpfr_max_m = 16, cfg.prec = 128;
    cfg.seed = test_seed();
    thm_results_t out;
    thm_results_init(out);
    t3_kawaguchi_run(out, &cfg, &ck[0], &ck[1], &ck[2]);
    int controls = 0, mpfr_rows = 0, small = 0;
    for (long i = 0; i < out->len; i++) {
        thm_row *r = &out->rows[i];
        int is_control = r->is_control;
        cr_expect_eq(is_control, strncmp(r->data, "control", 7) == 0, "%s: control flag", r->data);
        mpfr_rows += strncmp(r->backend, "mpfr", 4) == 0;
        small += r->width < r->n;
        if (is_control) {
            controls++;
            cr_expect(thm_control_caught(r), "%s control verdict %s: %s" TSEED_FMT, r->id,
                      thm_verdict_name(r->verdict), r->note, TSEED);
        } else {
            cr_expect(r->verdict == THM_HOLDS, "%s m=%ld %s: %s (lhs %g rhs %g tol %g) %s" TSEED_FMT,
                      r->id, r->width, r->backend, thm_verdict_name(r->verdict), r->lhs, r->rhs,
                      r->tolerance, r->note, TSEED);
            cr_expect(r->tolerance > 0 && isfinite(r->tolerance), "%s: tolerance %g", r->id,
                      r->tolerance);
        }
    }
    cr_expect(controls == 3, "expected 3 control rows (one per check), got %d", controls);
    cr_expect(mpfr_rows >= 6, "expected MPFR rows, got %d", mpfr_rows);
    cr_expect(small >= 6, "expected a case with m < n, got %d rows", small);
    thm_results_clear(out);
}

/* The PL check's own power: a gradient scaled by 1/10 (a wrong gradient)
 * must fail T3.linear_pl at some iterate where the true one holds. */
Test(linear, scaled_gradient_fails_pl)
{
    const long m = 8, n = 6, k = 2, K = 5;
    deq_rng_t rng;
    deq_rng_init(rng, test_seed() + 50);
    mat_d_t A, B, X, Y;
    mat_init_d(A, m, m, 53), mat_init_d(B, k, m, 53), mat_init_d(X, m, n, 53),
        mat_init_d(Y, k, n, 53);
    draw_problem(A, B, X, Y, rng);
    deq_rng_clear(rng);
    deq_linear_traj_t t;
    deq_linear_traj_init(t, K);
    double g = 0.5;
    deq_linear_train_gd_d(t, A, B, X, Y, &g, 1e-3, K, 53);
    int fails = 0;
    for (long i = 0; i <= K; i++) {
        cr_expect(t->pl_rhs[i] >= t->pl_lhs[i], "true PL fails at %ld", i);
        /* ‖∇_B L/10‖² = ‖∇_B L‖²/100 vs 2σ²σ⁺²(L − L*) */
        fails += t->pl_rhs[i] / 100 < t->pl_lhs[i];
    }
    cr_expect(fails > 0, "a gradient scaled by 1/10 passed PL at every iterate (ratios rhs/lhs "
                         "%g)" TSEED_FMT, t->pl_rhs[0] / t->pl_lhs[0], TSEED);
    deq_linear_traj_clear(t);
    mat_clear_d(A), mat_clear_d(B), mat_clear_d(X), mat_clear_d(Y);
}
