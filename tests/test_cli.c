/* Tests of the deqcheck command line: the bad-input contract (exit 2, one line
 * naming the file and line or the flag), non-convergence (exit 1, nothing
 * written), and `deqcheck solve` against an independent naive Picard
 * iteration written here at twice the precision. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/rng.h"
#include "data/textmat.h"
#include "io/tensor.h"
#include "kernel/paper_kernel.h"
#include "report/json.h"
#include "testutil.h"

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* A small valid problem in dir: A (m×m), U (m×d), X (d×n). */
static const char *dir;
static char pathA[512], pathU[512], pathX[512];

static void write_mat(char *path, const char *name, const mat_d_t M)
{
    snprintf(path, 512, "%s/%s", dir, name);
    deq_error_t err;
    deq_error_init(err);
    cr_assert_eq(textmat_write_d(path, M, 53, err), DEQ_OK, "%s", err->msg);
}

static void setup_problem(long m, long d, long n, unsigned long seed)
{
    dir = test_tmpdir();
    deq_rng_t rng;
    deq_rng_init(rng, seed);
    mat_d_t A, U, X;
    mat_init_d(A, m, m, 53);
    mat_init_d(U, m, d, 53);
    mat_init_d(X, d, n, 53);
    test_fill_gaussian(A, rng);
    test_fill_gaussian(U, rng);
    test_fill_gaussian(X, rng);
    write_mat(pathA, "A.txt", A);
    write_mat(pathU, "U.txt", U);
    write_mat(pathX, "X.txt", X);
    mat_clear_d(A), mat_clear_d(U), mat_clear_d(X);
    deq_rng_clear(rng);
}

/* The bad-input contract: status 2, exactly one line, containing `needle`. */
static void expect_bad(const char *needle, int status)
{
    cr_expect_eq(status, 2, "exit status %d (stderr: %s)", status, test_cli_err);
    cr_expect_eq(count_lines(test_cli_err), 1, "stderr is not one line: [%s]", test_cli_err);
    cr_expect(strstr(test_cli_err, needle) != NULL, "stderr [%s] does not name [%s]", test_cli_err, needle);
    cr_expect_eq(test_cli_out[0], '\0', "stdout not empty: %s", test_cli_out);
}

#define SOLVE(...) test_run_cli("solve", "--A", pathA, "--U", pathU, "--X", pathX, __VA_ARGS__, NULL)

Test(cli, bad_flags_name_the_flag)
{
    setup_problem(4, 3, 2, test_seed());
    expect_bad("--activation", SOLVE("--gamma", "0.5", "--activation", "gelu"));
    expect_bad("--precision", SOLVE("--gamma", "0.5", "--activation", "relu", "--precision", "9000"));
    expect_bad("--precision", SOLVE("--gamma", "0.5", "--activation", "relu", "--precision", "10"));
    expect_bad("--precision", SOLVE("--gamma", "0.5", "--activation", "relu", "--precision", "abc"));
    expect_bad("--precision", SOLVE("--gamma", "0.5", "--activation", "relu", "--backend", "double",
                                    "--precision", "128"));
    expect_bad("--gamma", SOLVE("--gamma", "nan", "--activation", "relu"));
    expect_bad("--gamma", SOLVE("--gamma", "1e999", "--activation", "relu"));
    expect_bad("--gamma", SOLVE("--activation", "relu"));
    expect_bad("--sigma-u", SOLVE("--gamma", "0.5", "--sigma-u", "0x10", "--activation", "relu"));
    expect_bad("--tol", SOLVE("--gamma", "0.5", "--activation", "relu", "--tol", "2"));
    expect_bad("--tol", SOLVE("--gamma", "0.5", "--activation", "relu", "--tol", "0"));
    expect_bad("--max-iter", SOLVE("--gamma", "0.5", "--activation", "relu", "--max-iter", "0"));
    expect_bad("--max-iter", SOLVE("--gamma", "0.5", "--activation", "relu", "--max-iter", " 5"));
    expect_bad("--max-iter", SOLVE("--gamma", "0.5", "--activation", "relu", "--max-iter", "+"));
    expect_bad("--max-iter", SOLVE("--gamma", "0.5", "--activation", "relu", "--max-iter", "5 "));
    expect_bad("--backend", SOLVE("--gamma", "0.5", "--activation", "relu", "--backend", "quad"));
    expect_bad("--solver", SOLVE("--gamma", "0.5", "--activation", "relu", "--solver", "broyden"));
    expect_bad("--frobnicate", SOLVE("--gamma", "0.5", "--activation", "relu", "--frobnicate", "1"));
    expect_bad("--gamma", SOLVE("--gamma", "0.5", "--gamma", "0.6", "--activation", "relu"));
    expect_bad("--out", SOLVE("--gamma", "0.5", "--activation", "relu", "--out"));
    expect_bad("--out", SOLVE("--gamma", "0.5", "--activation", "relu", "--out",
                              "/nonexistent-dir/Z.txt"));
    expect_bad("nosuchcommand", test_run_cli("nosuchcommand", NULL));
}

Test(cli, bad_files_name_the_file_and_line)
{
    setup_problem(4, 3, 2, test_seed());
    struct { const char *name, *text, *needle; } cases[] = {
        {"header.txt", "4\n1 2 3 4\n", "header.txt:1:"},
        {"ragged.txt", "2 2\n1 2\n3\n", "ragged.txt:3:"},
        {"word.txt", "2 2\n1 2\n3 abc\n", "word.txt:3:"},
        {"nan.txt", "2 2\n1 nan\n3 4\n", "nan.txt:2:"},
        {"inf.txt", "# c\n2 2\n1 2\n-inf 4\n", "inf.txt:4:"},
        {"short.txt", "3 2\n1 2\n3 4\n", "short.txt:"},
        {"empty.txt", "", "empty.txt:"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        const char *p = test_write_file(dir, cases[k].name, cases[k].text);
        char path[512];
        snprintf(path, sizeof path, "%s", p);
        int st = test_run_cli("solve", "--A", path, "--U", pathU, "--X", pathX, "--gamma", "0.5",
                     "--activation", "relu", NULL);
        expect_bad(cases[k].needle, st);
    }
    char missing[600];
    snprintf(missing, sizeof missing, "%s/does-not-exist.txt", dir);
    expect_bad("does-not-exist.txt", test_run_cli("solve", "--A", missing, "--U", pathU, "--X", pathX,
                                         "--gamma", "0.5", "--activation", "relu", NULL));
}

Test(cli, wrong_dimensions_are_named)
{
    setup_problem(4, 3, 2, test_seed());
    const char *rect = test_write_file(dir, "rect.txt", "4 3\n1 2 3\n4 5 6\n7 8 9\n1 2 3\n");
    char r[512];
    snprintf(r, sizeof r, "%s", rect);
    expect_bad("rect.txt", test_run_cli("solve", "--A", r, "--U", pathU, "--X", pathX, "--gamma", "0.5",
                               "--activation", "relu", NULL));
    /* U with 3 rows for a 4×4 A */
    const char *u3 = test_write_file(dir, "U3.txt", "3 3\n1 0 0\n0 1 0\n0 0 1\n");
    char u[512];
    snprintf(u, sizeof u, "%s", u3);
    expect_bad("U3.txt", test_run_cli("solve", "--A", pathA, "--U", u, "--X", pathX, "--gamma", "0.5",
                             "--activation", "relu", NULL));
    /* X with 2 rows while U has 3 columns */
    const char *x2 = test_write_file(dir, "X2.txt", "2 1\n1\n0\n");
    char x[512];
    snprintf(x, sizeof x, "%s", x2);
    expect_bad("X2.txt", test_run_cli("solve", "--A", pathA, "--U", pathU, "--X", x, "--gamma", "0.5",
                             "--activation", "relu", NULL));
}

Test(cli, divergent_solve_fails_and_writes_nothing)
{
    dir = test_tmpdir();
    /* α_A·A = 3I (A = 2I, m = 4, γ = 3) with positive injection: relu diverges. */
    snprintf(pathA, sizeof pathA, "%s", test_write_file(dir, "A.txt",
             "4 4\n2 0 0 0\n0 2 0 0\n0 0 2 0\n0 0 0 2\n"));
    snprintf(pathU, sizeof pathU, "%s", test_write_file(dir, "U.txt", "4 1\n1\n1\n1\n1\n"));
    snprintf(pathX, sizeof pathX, "%s", test_write_file(dir, "X.txt", "1 2\n1 0.5\n"));
    for (int b = 0; b < 2; b++) {
        int st = SOLVE("--gamma", "3", "--activation", "relu", "--solver", "picard", "--backend",
                       b ? "mpfr" : "double");
        cr_expect_eq(st, 1, "exit status %d, stderr %s", st, test_cli_err);
        cr_expect(strstr(test_cli_err, "not converged") != NULL, "stderr: %s", test_cli_err);
        cr_expect_eq(test_cli_out[0], '\0', "a result was written: %s", test_cli_out);
    }
}

/* Independent reference: naive Picard z ← σ(γ/√m·A z + U x) with plain MPFR
 * loops at `prec` bits (no library kernels), for relu or tanh. */
static void naive_picard(mpfr_t *Z, const mat_mp_t A, const mat_mp_t U, const mat_mp_t X,
                         const char *gamma, int tanh_act, long prec)
{
    long m = A->rows, d = U->cols, n = X->cols;
    mpfr_t alpha, t, h, *zn = malloc((size_t)m * sizeof *zn);
    mpfr_inits2((mpfr_prec_t)prec, alpha, t, h, (mpfr_ptr)0);
    for (long i = 0; i < m; i++)
        mpfr_init2(zn[i], (mpfr_prec_t)prec);
    mpfr_set_str(alpha, gamma, 10, MPFR_RNDN);
    mpfr_set_ui(t, (unsigned long)m, MPFR_RNDN);
    mpfr_sqrt(t, t, MPFR_RNDN);
    mpfr_div(alpha, alpha, t, MPFR_RNDN);
    for (long s = 0; s < n; s++) {
        for (long i = 0; i < m; i++)
            mpfr_set_zero(Z[i + s * m], 1);
        for (int it = 0; it < 2000; it++) {
            for (long i = 0; i < m; i++) {
                mpfr_set_zero(h, 1);
                for (long j = 0; j < m; j++) {
                    mpfr_mul(t, A->e + i + j * m, Z[j + s * m], MPFR_RNDN);
                    mpfr_add(h, h, t, MPFR_RNDN);
                }
                mpfr_mul(h, h, alpha, MPFR_RNDN);
                for (long j = 0; j < d; j++) {
                    mpfr_mul(t, U->e + i + j * m, X->e + j + s * d, MPFR_RNDN);
                    mpfr_add(h, h, t, MPFR_RNDN);
                }
                if (tanh_act)
                    mpfr_tanh(zn[i], h, MPFR_RNDN);
                else if (mpfr_sgn(h) > 0)
                    mpfr_set(zn[i], h, MPFR_RNDN);
                else
                    mpfr_set_zero(zn[i], 1);
            }
            for (long i = 0; i < m; i++)
                mpfr_set(Z[i + s * m], zn[i], MPFR_RNDN);
        }
    }
    for (long i = 0; i < m; i++)
        mpfr_clear(zn[i]);
    free(zn);
    mpfr_clears(alpha, t, h, (mpfr_ptr)0);
}

static double min_digits(const mat_mp_t Zs, mpfr_t *Zref, long prec)
{
    double worst = 400;
    mpfr_t d;
    mpfr_init2(d, (mpfr_prec_t)prec);
    double zmax = 0;
    for (long k = 0; k < Zs->rows * Zs->cols; k++)
        zmax = fmax(zmax, fabs(mpfr_get_d(Zref[k], MPFR_RNDN)));
    for (long k = 0; k < Zs->rows * Zs->cols; k++) {
        mpfr_sub(d, Zs->e + k, Zref[k], MPFR_RNDN);
        double e = fabs(mpfr_get_d(d, MPFR_RNDN));
        /* entrywise relative, with entries far below the scale judged against the scale */
        double den = fmax(fabs(mpfr_get_d(Zref[k], MPFR_RNDN)), 1e-3 * zmax);
        if (e > 0)
            worst = fmin(worst, -log10(e / den));
    }
    mpfr_clear(d);
    return worst;
}

Test(cli, solve_matches_an_independent_naive_iteration, .timeout = 120)
{
    /* m = 12, γ = 0.3: contraction ≈ 0.6 at most, 2000 naive steps reach
     * 0.6^2000, far below 2^-512. */
    long m = 12, d = 3, n = 3, ref_prec = 512;
    setup_problem(m, d, n, test_seed() + 5);
    deq_error_t err;
    deq_error_init(err);
    mat_mp_t A, U, X;
    cr_assert_eq(textmat_read_mp(A, pathA, ref_prec, err), DEQ_OK);
    cr_assert_eq(textmat_read_mp(U, pathU, ref_prec, err), DEQ_OK);
    cr_assert_eq(textmat_read_mp(X, pathX, ref_prec, err), DEQ_OK);
    const char *acts[] = {"relu", "tanh"};
    for (int a = 0; a < 2; a++) {
        mpfr_t *Zref = malloc((size_t)(m * n) * sizeof *Zref);
        for (long k = 0; k < m * n; k++)
            mpfr_init2(Zref[k], (mpfr_prec_t)ref_prec);
        naive_picard(Zref, A, U, X, "0.3", a, ref_prec);
        char outp[600];
        snprintf(outp, sizeof outp, "%s/Z-%s.txt", dir, acts[a]);
        for (int b = 0; b < 2; b++) {
            int st = SOLVE("--gamma", "0.3", "--activation", acts[a], "--backend",
                           b ? "mpfr" : "double", "--out", outp);
            cr_assert_eq(st, 0, "%s %s: exit %d: %s", acts[a], b ? "mpfr" : "double", st, test_cli_err);
            cr_expect(strstr(test_cli_err, "error bound:") != NULL, "summary lacks the error bound: %s",
                      test_cli_err);
            mat_mp_t Z;
            cr_assert_eq(textmat_read_mp(Z, outp, ref_prec, err), DEQ_OK, "%s", err->msg);
            double dig = min_digits(Z, Zref, ref_prec);
            double want = b ? 60 : 13;
            cr_expect(dig >= want, "%s %s: %.1f significant digits, want %.0f", acts[a],
                      b ? "mpfr-256" : "double", dig, want);
            mat_clear_mp(Z);
        }
        for (long k = 0; k < m * n; k++)
            mpfr_clear(Zref[k]);
        free(Zref);
    }
    mat_clear_mp(A), mat_clear_mp(U), mat_clear_mp(X);
}

Test(cli, help_describes_every_flag)
{
    cr_expect_eq(test_run_cli("--help", NULL), 0);
    cr_expect(strstr(test_cli_out, "solve") && strstr(test_cli_out, "run"));
    cr_expect_eq(test_run_cli("solve", "--help", NULL), 0);
    const char *flags[] = {"--A", "--U", "--X", "--gamma", "--sigma-u", "--activation", "--backend",
                           "--precision", "--solver", "--tol", "--max-iter", "--out"};
    for (size_t k = 0; k < sizeof flags / sizeof *flags; k++)
        cr_expect(strstr(test_cli_out, flags[k]) != NULL, "solve --help does not mention %s", flags[k]);
    cr_expect_eq(test_run_cli("run", "--help", NULL), 0);
    cr_expect(strstr(test_cli_out, "--profile") != NULL);
}

Test(cli, run_well_posedness_quick_covers_every_T1_check, .timeout = 300)
{
    dir = test_tmpdir();
    char report[600];
    snprintf(report, sizeof report, "%s/report.md", dir);
    int st = test_run_cli("run", "well-posedness", "--profile", "quick", "--report", report, NULL);
    cr_assert_eq(st, 0, "exit %d: %s %s", st, test_cli_out, test_cli_err);
    static char md[1 << 20];
    test_slurp(report, md, sizeof md);
    const char *ids[] = {"T1.contraction", "T1.picard_rate", "T1.error_bound", "T1.init_norm",
                         "T1.linear_softmax"};
    for (size_t k = 0; k < sizeof ids / sizeof *ids; k++)
        cr_expect(strstr(md, ids[k]) != NULL, "report lacks %s", ids[k]);
    cr_expect(strstr(md, "T1.negative_control") == NULL, "the old control id is still reported");
    /* the γ = 2 control of T1.contraction: certificate withheld, caught as VIOLATED */
    cr_expect(strstr(md, "control: gamma = 2") != NULL && strstr(md, "certificate withheld") != NULL,
              "the contraction control is missing or its certificate was issued");
    cr_expect(strstr(md, "**CHECKER BROKEN") == NULL, "a T1 control was not caught");
    cr_expect(strstr(md, "mpfr-256") != NULL && strstr(md, "| double |") != NULL,
              "double and MPFR rows are not both present");
    /* bad usage of run */
    expect_bad("nosuchfamily", test_run_cli("run", "nosuchfamily", NULL));
    expect_bad("--profile", test_run_cli("run", "--profile", "huge", NULL));
}

/* Unit-norm inputs (d×n) written to dir/name; columns i_dup and j_dup equal when >= 0. */
static void write_unit_inputs(char *path, const char *name, long d, long n, long i_dup, long j_dup,
                              unsigned long seed)
{
    deq_rng_t rng;
    deq_rng_init(rng, seed);
    mat_d_t X;
    mat_init_d(X, d, n, 53);
    for (long j = 0; j < n; j++) {
        double s = 0;
        for (long i = 0; i < d; i++) {
            double x = deq_rng_gaussian(rng);
            X->e[i + j * d] = x;
            s += x * x;
        }
        for (long i = 0; i < d; i++)
            X->e[i + j * d] /= sqrt(s);
    }
    if (i_dup >= 0)
        for (long i = 0; i < d; i++)
            X->e[i + j_dup * d] = X->e[i + i_dup * d];
    write_mat(path, name, X);
    mat_clear_d(X);
    deq_rng_clear(rng);
}

Test(cli, kernel_relu_ntk_diagonal_matches_closed_form)
{
    /* relu: Λ_ii = G_ii/(1 − γ²/2) with G_ii = ‖x_i‖² (the file's exact decimals,
     * unit norm only to double precision), Σ_ii = Λ_ii/2, Ṡ_ii = 1/2,
     * P_ii = (1/2)/(1 − γ²/2), H_ii = γ²P Σ + P·G_ii + Σ (σ_u = σ_v = 1). */
    dir = test_tmpdir();
    char px[600], out[600];
    write_unit_inputs(px, "X.txt", 5, 6, -1, -1, test_seed() + 60);
    snprintf(out, sizeof out, "%s/H.txt", dir);
    int st = test_run_cli("kernel", "--X", px, "--gamma", "0.5", "--activation", "relu", "--kind", "ntk",
                 "--out", out, NULL);
    cr_assert_eq(st, 0, "exit %d: %s", st, test_cli_err);
    cr_expect(strstr(test_cli_err, "positive definite: CERTIFIED") != NULL, "%s", test_cli_err);
    deq_error_t err;
    deq_error_init(err);
    mat_mp_t H, X;
    cr_assert_eq(textmat_read_mp(H, out, 256, err), DEQ_OK, "%s", err->msg);
    cr_assert_eq(textmat_read_mp(X, px, 256, err), DEQ_OK, "%s", err->msg);
    mpfr_t g2, den, gii, lam, sig, p, h, t;
    mpfr_inits2(256, g2, den, gii, lam, sig, p, h, t, (mpfr_ptr)0);
    mpfr_set_str(g2, "0.25", 10, MPFR_RNDN);
    mpfr_div_2ui(t, g2, 1, MPFR_RNDN);
    mpfr_ui_sub(den, 1, t, MPFR_RNDN);      /* 1 − γ²/2 */
    mpfr_ui_div(p, 1, den, MPFR_RNDN);
    mpfr_div_2ui(p, p, 1, MPFR_RNDN);        /* P */
    for (long i = 0; i < H->rows; i++) {
        mpfr_set_zero(gii, 1);
        for (long k = 0; k < X->rows; k++)
            mpfr_fma(gii, X->e + k + i * X->rows, X->e + k + i * X->rows, gii, MPFR_RNDN);
        mpfr_div(lam, gii, den, MPFR_RNDN);
        mpfr_div_2ui(sig, lam, 1, MPFR_RNDN);
        mpfr_mul(h, g2, p, MPFR_RNDN);
        mpfr_mul(h, h, sig, MPFR_RNDN);
        mpfr_fma(h, p, gii, h, MPFR_RNDN);
        mpfr_add(h, h, sig, MPFR_RNDN);
        double dig = test_digits_mp(H->e + i + i * H->rows, h);
        cr_expect(dig >= 70, "H_%ld%ld: %g digits vs closed form", i, i, dig);
    }
    mat_clear_mp(X);
    mpfr_clears(g2, den, gii, lam, sig, p, h, t, (mpfr_ptr)0);
    mat_clear_mp(H);
}

Test(cli, kernel_parallel_inputs_are_not_certified_and_bad_input_is_named)
{
    dir = test_tmpdir();
    char px[600];
    write_unit_inputs(px, "Xpar.txt", 5, 6, 1, 3, test_seed() + 61);
    /* relu matters most: its Ḟ has a square-root singularity at c = 1, so the
     * computed kernel of parallel inputs is PD by ~1e-8; only the kernel-error
     * allowance keeps the certificate honest */
    const char *acts[] = {"relu", "erf", "tanh"};
    for (int q = 0; q < 3; q++)
        for (int b = 0; b < 2; b++) {
            int st = test_run_cli("kernel", "--X", px, "--gamma", "0.5", "--activation", acts[q], "--kind",
                         "ntk", "--backend", b ? "mpfr" : "double", NULL);
            cr_expect_eq(st, 0, "exit %d: %s", st, test_cli_err);
            cr_expect(strstr(test_cli_err, "positive definiteness NOT certified") != NULL,
                      "%s: parallel inputs certified (%s): %s", acts[q], b ? "mpfr" : "double",
                      test_cli_err);
        }
    expect_bad("--kind", test_run_cli("kernel", "--X", px, "--gamma", "0.5", "--activation", "relu",
                             "--kind", "ntk-B", NULL));
    expect_bad("--kind", test_run_cli("kernel", "--X", px, "--gamma", "0.5", "--activation", "relu", NULL));
    expect_bad("--precision", test_run_cli("kernel", "--X", px, "--gamma", "0.5", "--activation", "relu",
                                  "--kind", "nngp", "--precision", "2", NULL));
    const char *bad = test_write_file(dir, "bad.txt", "2 2\n1 2\n3 x\n");
    char pb[600];
    snprintf(pb, sizeof pb, "%s", bad);
    expect_bad("bad.txt:3:", test_run_cli("kernel", "--X", pb, "--gamma", "0.5", "--activation", "relu",
                                 "--kind", "nngp", NULL));
}

/* n inputs in R^6: four entries ±1 each, no two parallel, column j times
 * factor[j] (unequal norms) and times 2^(scale_exp + shift[j]) (shift may be
 * NULL), written as .npy (exact doubles) to dir/name; column dup (when >= 0)
 * equals column 0. X receives the inputs without the powers of two. */
static const double pm1_factor[8] = {1, 3, 0.5, 1, 5, 0.25, 2, 1};

static void write_pm1_inputs(char *path, const char *name, mat_d_t X, long n, long scale_exp, long dup,
                             const long *shift)
{
    static const int pattern[8][6] = {{1, 1, 1, 1, 0, 0},  {1, -1, 0, 1, 1, 0}, {0, 1, -1, 0, 1, 1},
                                      {-1, 0, 1, 1, 0, -1}, {1, 0, 0, -1, 1, -1}, {0, -1, -1, 1, 0, 1},
                                      {1, 1, 0, 0, -1, -1}, {-1, 1, 1, 0, 0, 1}};
    mat_init_d(X, 6, n, 53);
    mat_d_t S;
    mat_init_d(S, 6, n, 53);
    for (long j = 0; j < n; j++)
        for (long i = 0; i < 6; i++) {
            long src = dup >= 0 && j == dup ? 0 : j;
            X->e[i + j * 6] = pattern[src][i] * pm1_factor[src];
            S->e[i + j * 6] = ldexp(X->e[i + j * 6], (int)(scale_exp + (shift ? shift[j] : 0)));
        }
    snprintf(path, 512, "%s/%s", dir, name);
    deq_error_t err;
    deq_error_init(err);
    cr_assert_eq(io_npy_write_samples_d(path, S, err), DEQ_OK, "%s", err->msg);
    mat_clear_d(S);
}

/* The papers' kernels from the angle θ_ij and the norms (written here, not the
 * library's): gao2021's G^∞_ij = ‖x_i‖‖x_j‖(sin θ + (π − θ)cos θ)/(2π) (the
 * arc-cosine kernel of degree 1), and ling2022's K_ij = ‖x_i‖‖x_j‖/(d(1 − σ²))·J(c_ij)
 * with J(c) = (sin φ + (π − φ)cos φ)/π at φ = arccos c, and c the fixed point
 * of c = σ²J(c) + (1 − σ²)cos θ by 600 plain iterations (σ² <= 0.08:
 * 0.08^600 is far below 2^-prec). */
static void paper_kernel_reference(mpfr_t *K, const mat_d_t X, int ling, const char *s2str, long prec)
{
    long d = X->rows, n = X->cols;
    mpfr_t nab, ct, th, st, pi, c, j, s2, t;
    mpfr_inits2((mpfr_prec_t)prec, nab, ct, th, st, pi, c, j, s2, t, (mpfr_ptr)0);
    mpfr_const_pi(pi, MPFR_RNDN);
    mpfr_set_str(s2, s2str, 10, MPFR_RNDN);
    for (long a = 0; a < n; a++)
        for (long b = 0; b < n; b++) {
            double dot = 0, na = 0, nb = 0; /* exact: small multiples of 1/16 */
            for (long i = 0; i < d; i++) {
                dot += X->e[i + a * d] * X->e[i + b * d];
                na += X->e[i + a * d] * X->e[i + a * d];
                nb += X->e[i + b * d] * X->e[i + b * d];
            }
            mpfr_set_d(nab, na * nb, MPFR_RNDN);
            mpfr_sqrt(nab, nab, MPFR_RNDN);                 /* ‖x_a‖‖x_b‖ */
            mpfr_set_d(ct, dot, MPFR_RNDN);
            mpfr_div(ct, ct, nab, MPFR_RNDN);               /* cos θ */
            if (mpfr_cmp_si(ct, 1) > 0)
                mpfr_set_si(ct, 1, MPFR_RNDN);
            long iters = ling ? 600 : 0;
            mpfr_set(c, ct, MPFR_RNDN);
            for (long it = 0; it <= iters; it++) {
                mpfr_acos(th, c, MPFR_RNDN);
                mpfr_sin(st, th, MPFR_RNDN);
                mpfr_sub(j, pi, th, MPFR_RNDN);
                mpfr_cos(t, th, MPFR_RNDN);
                mpfr_fma(j, j, t, st, MPFR_RNDN);
                mpfr_div(j, j, pi, MPFR_RNDN);              /* J(c) */
                if (it < iters) {
                    mpfr_ui_sub(t, 1, s2, MPFR_RNDN);
                    mpfr_mul(t, t, ct, MPFR_RNDN);
                    mpfr_fma(c, s2, j, t, MPFR_RNDN);
                }
            }
            if (ling) {
                mpfr_ui_sub(t, 1, s2, MPFR_RNDN);
                mpfr_mul_si(t, t, d, MPFR_RNDN);
                mpfr_div(t, nab, t, MPFR_RNDN);
            } else {
                mpfr_div_2ui(t, nab, 1, MPFR_RNDN);
            }
            mpfr_mul(K[a + b * n], t, j, MPFR_RNDN);
        }
    mpfr_clears(nab, ct, th, st, pi, c, j, s2, t, (mpfr_ptr)0);
}

/* Digits of agreement of the written kernel with ref, each entry (i,j) scaled
 * by 2^(2·scale_exp + shift_i + shift_j). */
static double paper_kernel_digits(const char *out, mpfr_t *ref, long n, long scale_exp, const long *shift,
                                  long prec)
{
    deq_error_t err;
    deq_error_init(err);
    mat_mp_t K;
    cr_assert_eq(textmat_read_mp(K, out, prec, err), DEQ_OK, "%s", err->msg);
    double worst = 400;
    mpfr_t dd;
    mpfr_init2(dd, prec);
    for (long b = 0; b < n; b++)
        for (long a = 0; a < n; a++) {
            long k = a + b * n, e = 2 * scale_exp + (shift ? shift[a] + shift[b] : 0);
            mpfr_mul_2si(dd, ref[k], e, MPFR_RNDN);
            mpfr_sub(dd, K->e + k, dd, MPFR_RNDN);
            mpfr_div(dd, dd, ref[k], MPFR_RNDN);
            mpfr_mul_2si(dd, dd, -e, MPFR_RNDN);
            double r = fabs(mpfr_get_d(dd, MPFR_RNDN));
            if (r > 0)
                worst = fmin(worst, -log10(r));
        }
    mpfr_clear(dd);
    mat_clear_mp(K);
    return worst;
}

Test(cli, kernel_papers_match_the_angle_form_at_every_scale, .timeout = 120)
{
    dir = test_tmpdir();
    long n = 7, prec = 512;
    const char *kinds[] = {"gao2021", "ling2022"};
    mpfr_t *ref = malloc((size_t)(n * n) * sizeof *ref);
    for (long k = 0; k < n * n; k++)
        mpfr_init2(ref[k], prec);
    char out[600];
    snprintf(out, sizeof out, "%s/K.txt", dir);
    /* 2^-700 and 2^+600: the kernels' entries near 2^-1400 and 2^+1200 are
     * beyond double's range; the kernels scale exactly as |X|² */
    static const long scales[] = {0, -700, 600};
    /* columns of very different scales, each representable in double */
    static const long mixed[7] = {480, -120, 0, 7, -300, 33, 0};
    for (int kind = 0; kind < 2; kind++) {
        /* σ_w² = 0.08 (the paper's) and 0 (Theorem 2's special case) */
        for (int sw = 0; sw < (kind ? 2 : 1); sw++) {
            const char *s2 = sw ? "0" : "0.08";
            for (int sc = 0; sc < 4; sc++) {
                char px[512];
                mat_d_t X;
                long e = sc < 3 ? scales[sc] : 0;
                const long *shift = sc == 3 ? mixed : NULL;
                write_pm1_inputs(px, "Xpm.npy", X, n, e, -1, shift);
                paper_kernel_reference(ref, X, kind, s2, prec);
                for (int b = 0; b < (e ? 1 : 2); b++) {
                    int st = kind ? test_run_cli("kernel", "--X", px, "--kind", kinds[kind], "--sigma-w2", s2,
                                                 "--backend", b ? "double" : "mpfr", "--out", out, NULL)
                                  : test_run_cli("kernel", "--X", px, "--kind", kinds[kind], "--backend",
                                                 b ? "double" : "mpfr", "--out", out, NULL);
                    cr_assert_eq(st, 0, "%s: exit %d: %s", kinds[kind], st, test_cli_err);
                    /* with columns 2^780 apart, λ_min is far below ‖K‖·u: not certifiable */
                    if (!shift)
                        cr_expect(strstr(test_cli_err, "positive definite: CERTIFIED") != NULL, "%s: %s",
                                  kinds[kind], test_cli_err);
                    double worst = paper_kernel_digits(out, ref, n, e, shift, prec);
                    double want = b ? 14 : 70; /* double: a few units of 2^-53; MPFR at 256 bits */
                    cr_expect(worst >= want, "%s (sigma_w^2 %s) at 2^%ld%s (%s): %.1f digits, want %.0f",
                              kinds[kind], s2, e, shift ? ", mixed column scales" : "",
                              b ? "double" : "mpfr-256", worst, want);
                }
                mat_clear_d(X);
            }
        }
        if (kind) {
            /* a second route: Definition 1's levels themselves (the library's
             * recursion, an algorithm other than the closed form's Newton
             * iteration), at 512 bits to their rounding level */
            char px[512];
            mat_d_t X;
            write_pm1_inputs(px, "Xpm.npy", X, n, 0, -1, NULL);
            int st = test_run_cli("kernel", "--X", px, "--kind", "ling2022", "--out", out, NULL);
            cr_assert_eq(st, 0, "exit %d: %s", st, test_cli_err);
            mat_mp_t Xm, Kr;
            mat_init_mp(Xm, X->rows, n, prec), mat_init_mp(Kr, n, n, prec);
            mat_set_mat_d_mp(Xm, X);
            mpfr_t s2;
            mpfr_init2(s2, prec);
            mpfr_set_str(s2, "0.08", 10, MPFR_RNDN);
            long levels = kernel_ling2022_K_recursion_mp(Kr, Xm, s2, 4000, prec);
            cr_expect(levels < 4000, "the recursion did not settle");
            for (long k = 0; k < n * n; k++)
                mpfr_set(ref[k], Kr->e + k, MPFR_RNDN);
            double worst = paper_kernel_digits(out, ref, n, 0, NULL, prec);
            cr_expect(worst >= 70, "ling2022 closed form against Definition 1's levels: %.1f digits", worst);
            mpfr_clear(s2);
            mat_clear_mp(Xm), mat_clear_mp(Kr), mat_clear_d(X);
        }
        /* the control: x_3 = x_1 makes the kernel singular, which must not be certified */
        char pd[512];
        mat_d_t Xd;
        write_pm1_inputs(pd, "Xdup.npy", Xd, n, 0, 3, NULL);
        mat_clear_d(Xd);
        int st = test_run_cli("kernel", "--X", pd, "--kind", kinds[kind], "--require-certified", "--out",
                              out, NULL);
        cr_expect_eq(st, 1, "%s, duplicate input: exit %d: %s", kinds[kind], st, test_cli_err);
        cr_expect(strstr(test_cli_err, "NOT certified") != NULL, "%s: %s", kinds[kind], test_cli_err);
        /* in double, a column at 2^-600 has a kernel entry near 2^-1200: refused, not zeros */
        static const long tiny[7] = {0, -600, 0, 0, 0, 0, 0};
        write_pm1_inputs(pd, "Xtiny.npy", Xd, n, 0, -1, tiny);
        mat_clear_d(Xd);
        st = test_run_cli("kernel", "--X", pd, "--kind", kinds[kind], "--backend", "double", "--out", out, NULL);
        cr_expect_eq(st, 1, "%s, a column at 2^-600 in double: exit %d: %s", kinds[kind], st, test_cli_err);
        cr_expect(strstr(test_cli_err, "(2,2)") != NULL && strstr(test_cli_err, "use --backend mpfr") != NULL,
                  "%s: %s", kinds[kind], test_cli_err);
    }
    for (long k = 0; k < n * n; k++)
        mpfr_clear(ref[k]);
    free(ref);
    char px[512];
    mat_d_t X;
    write_pm1_inputs(px, "Xpm.npy", X, n, 0, -1, NULL);
    mat_clear_d(X);
    expect_bad("--gamma", test_run_cli("kernel", "--X", px, "--kind", "ling2022", "--gamma", "0.5", NULL));
    expect_bad("--sigma-w2", test_run_cli("kernel", "--X", px, "--kind", "gao2021", "--sigma-w2", "0.1", NULL));
    expect_bad("--sigma-w2", test_run_cli("kernel", "--X", px, "--kind", "ling2022", "--sigma-w2", "1", NULL));
    expect_bad("--activation", test_run_cli("kernel", "--X", px, "--kind", "nngp", "--gamma", "0.5", NULL));
}

/* Independent reference for erf: Λ ← γ²F(Λ) + σ_u²G by plain iteration at
 * `prec` bits with docs/THEORY.md's arcsin formulas (written here, not the library's),
 * then the NTK blocks from their definitions. kind: 0 nngp, 1 ntk-A, 2 ntk-U, 3 ntk-v. */
static void erf_kernel_reference(mpfr_t *K, const mat_mp_t X, double gamma, int kind, long prec)
{
    long n = X->cols, d = X->rows;
    mpfr_t *G = malloc((size_t)(n * n) * sizeof *G), *L = malloc((size_t)(n * n) * sizeof *L),
           *S = malloc((size_t)(n * n) * sizeof *S), *Sd = malloc((size_t)(n * n) * sizeof *Sd);
    mpfr_t g2, t, u, pi;
    mpfr_inits2((mpfr_prec_t)prec, g2, t, u, pi, (mpfr_ptr)0);
    mpfr_set_d(g2, gamma * gamma, MPFR_RNDN);
    mpfr_const_pi(pi, MPFR_RNDN);
    for (long k = 0; k < n * n; k++) {
        mpfr_inits2((mpfr_prec_t)prec, G[k], L[k], S[k], Sd[k], (mpfr_ptr)0);
        long i = k % n, j = k / n;
        mpfr_set_zero(G[k], 1);
        for (long r = 0; r < d; r++)
            mpfr_fma(G[k], X->e + r + i * d, X->e + r + j * d, G[k], MPFR_RNDN);
        mpfr_set(L[k], G[k], MPFR_RNDN);
    }
    for (int it = 0; it < 600; it++) {
        for (long k = 0; k < n * n; k++) { /* S = (2/π) asin(2Λ_ij/√((1+2Λ_ii)(1+2Λ_jj))) */
            long i = k % n, j = k / n;
            mpfr_mul_2ui(t, L[i + i * n], 1, MPFR_RNDN);
            mpfr_add_ui(t, t, 1, MPFR_RNDN);
            mpfr_mul_2ui(u, L[j + j * n], 1, MPFR_RNDN);
            mpfr_add_ui(u, u, 1, MPFR_RNDN);
            mpfr_mul(t, t, u, MPFR_RNDN); /* (1+2q1)(1+2q2) */
            mpfr_mul(u, L[k], L[k], MPFR_RNDN);
            mpfr_mul_2ui(u, u, 2, MPFR_RNDN); /* 4k² */
            mpfr_sub(u, t, u, MPFR_RNDN);
            mpfr_sqrt(u, u, MPFR_RNDN);
            mpfr_mul_ui(Sd[k], pi, 1, MPFR_RNDN);
            mpfr_mul(Sd[k], Sd[k], u, MPFR_RNDN);
            mpfr_ui_div(Sd[k], 4, Sd[k], MPFR_RNDN); /* Ṡ = (4/π)/√(...) */
            mpfr_sqrt(t, t, MPFR_RNDN);
            mpfr_mul_2ui(u, L[k], 1, MPFR_RNDN);
            mpfr_div(u, u, t, MPFR_RNDN);
            mpfr_asin(S[k], u, MPFR_RNDN);
            mpfr_mul_2ui(S[k], S[k], 1, MPFR_RNDN);
            mpfr_div(S[k], S[k], pi, MPFR_RNDN);
        }
        for (long k = 0; k < n * n; k++)
            mpfr_fma(L[k], g2, S[k], G[k], MPFR_RNDN); /* Λ = γ²Σ + G */
    }
    for (long k = 0; k < n * n; k++) {
        /* P = Ṡ/(1 − γ²Ṡ) */
        mpfr_mul(t, g2, Sd[k], MPFR_RNDN);
        mpfr_ui_sub(t, 1, t, MPFR_RNDN);
        mpfr_div(t, Sd[k], t, MPFR_RNDN);
        if (kind == 0 || kind == 3)
            mpfr_set(K[k], S[k], MPFR_RNDN);
        else if (kind == 1)
            mpfr_mul(K[k], t, S[k], MPFR_RNDN), mpfr_mul(K[k], K[k], g2, MPFR_RNDN);
        else
            mpfr_mul(K[k], t, G[k], MPFR_RNDN);
        mpfr_clears(G[k], L[k], S[k], Sd[k], (mpfr_ptr)0);
    }
    free(G), free(L), free(S), free(Sd);
    mpfr_clears(g2, t, u, pi, (mpfr_ptr)0);
}

Test(cli, kernel_erf_all_kinds_match_an_independent_iteration, .timeout = 120)
{
    /* γ = 0.5: γ²L² = 0.32 for erf, so 600 plain iterations reach 0.32^600,
     * far below 2^-512. */
    dir = test_tmpdir();
    char px[600], out[600];
    write_unit_inputs(px, "X.txt", 4, 5, -1, -1, test_seed() + 62);
    snprintf(out, sizeof out, "%s/K.txt", dir);
    deq_error_t err;
    deq_error_init(err);
    mat_mp_t X;
    cr_assert_eq(textmat_read_mp(X, px, 512, err), DEQ_OK, "%s", err->msg);
    long n = X->cols;
    const char *kinds[] = {"nngp", "ntk-A", "ntk-U", "ntk-v"};
    mpfr_t *ref = malloc((size_t)(n * n) * sizeof *ref);
    for (long k = 0; k < n * n; k++)
        mpfr_init2(ref[k], 512);
    for (int kind = 0; kind < 4; kind++) {
        erf_kernel_reference(ref, X, 0.5, kind, 512);
        double scale = 0;
        for (long k = 0; k < n * n; k++)
            scale = fmax(scale, fabs(mpfr_get_d(ref[k], MPFR_RNDN)));
        for (int b = 0; b < 2; b++) {
            int st = test_run_cli("kernel", "--X", px, "--gamma", "0.5", "--activation", "erf", "--kind",
                         kinds[kind], "--backend", b ? "mpfr" : "double", "--out", out, NULL);
            cr_assert_eq(st, 0, "%s: exit %d: %s", kinds[kind], st, test_cli_err);
            mat_mp_t K;
            cr_assert_eq(textmat_read_mp(K, out, 512, err), DEQ_OK, "%s", err->msg);
            double worst = 400;
            mpfr_t dd;
            mpfr_init2(dd, 512);
            for (long k = 0; k < n * n; k++) {
                mpfr_sub(dd, K->e + k, ref[k], MPFR_RNDN);
                double e = fabs(mpfr_get_d(dd, MPFR_RNDN));
                double den = fmax(fabs(mpfr_get_d(ref[k], MPFR_RNDN)), 1e-3 * scale);
                if (e > 0)
                    worst = fmin(worst, -log10(e / den));
            }
            mpfr_clear(dd);
            double want = b ? 60 : 12;
            cr_expect(worst >= want, "erf %s %s: %.1f digits, want %.0f", kinds[kind],
                      b ? "mpfr-256" : "double", worst, want);
            mat_clear_mp(K);
        }
    }
    for (long k = 0; k < n * n; k++)
        mpfr_clear(ref[k]);
    free(ref);
    mat_clear_mp(X);
}

/* L = ½Σ(α_v vᵀz_i − y_i)² with z from the naive Picard iteration of this file. */
static void naive_loss(mpfr_ptr L, const mat_mp_t A, const mat_mp_t U, const mat_mp_t X,
                       const mat_mp_t v, const mat_mp_t y, const char *gamma, int tanh_act,
                       long prec)
{
    long m = A->rows, n = X->cols;
    mpfr_t *Z = malloc((size_t)(m * n) * sizeof *Z), f, t, av;
    for (long k = 0; k < m * n; k++)
        mpfr_init2(Z[k], (mpfr_prec_t)prec);
    mpfr_inits2((mpfr_prec_t)prec, f, t, av, (mpfr_ptr)0);
    naive_picard(Z, A, U, X, gamma, tanh_act, prec);
    mpfr_set_ui(av, (unsigned long)m, MPFR_RNDN);
    mpfr_rec_sqrt(av, av, MPFR_RNDN);
    mpfr_set_zero(L, 1);
    for (long i = 0; i < n; i++) {
        mpfr_set_zero(f, 1);
        for (long j = 0; j < m; j++)
            mpfr_fma(f, v->e + j, Z[j + i * m], f, MPFR_RNDN);
        mpfr_mul(f, f, av, MPFR_RNDN);
        mpfr_sub(t, f, y->e + i, MPFR_RNDN);
        mpfr_fma(L, t, t, L, MPFR_RNDN);
    }
    mpfr_div_2ui(L, L, 1, MPFR_RNDN);
    for (long k = 0; k < m * n; k++)
        mpfr_clear(Z[k]);
    free(Z);
    mpfr_clears(f, t, av, (mpfr_ptr)0);
}

Test(cli, grad_matches_finite_differences_of_an_independent_solve, .timeout = 240)
{
    long m = 4, d = 2, n = 2, p = 512;
    setup_problem(m, d, n, test_seed() + 70);
    char pv[600], py[600], outdir[600];
    deq_rng_t rng;
    deq_rng_init(rng, test_seed() + 71);
    mat_d_t vd, yd;
    mat_init_d(vd, m, 1, 53), mat_init_d(yd, n, 1, 53);
    test_fill_gaussian(vd, rng), test_fill_gaussian(yd, rng);
    deq_rng_clear(rng);
    write_mat(pv, "v.txt", vd);
    write_mat(py, "y.txt", yd);
    mat_clear_d(vd), mat_clear_d(yd);
    snprintf(outdir, sizeof outdir, "%s/g", dir);
    deq_error_t err;
    deq_error_init(err);
    mat_mp_t A, U, X, v, y;
    cr_assert_eq(textmat_read_mp(A, pathA, p, err), DEQ_OK);
    cr_assert_eq(textmat_read_mp(U, pathU, p, err), DEQ_OK);
    cr_assert_eq(textmat_read_mp(X, pathX, p, err), DEQ_OK);
    cr_assert_eq(textmat_read_mp(v, pv, p, err), DEQ_OK);
    cr_assert_eq(textmat_read_mp(y, py, p, err), DEQ_OK);
    const char *acts[] = {"relu", "tanh"};
    mpfr_t h, lp, lm;
    mpfr_inits2((mpfr_prec_t)p, h, lp, lm, (mpfr_ptr)0);
    mpfr_set_ui_2exp(h, 1, -120, MPFR_RNDN); /* central differences: O(h²) = 2^-240 */
    for (int ai = 0; ai < 2; ai++) {
        mat_mp_struct *params[3] = {A, U, v};
        const char *files[3] = {"gA.txt", "gU.txt", "gv.txt"};
        mat_mp_t fd[3];
        for (int w = 0; w < 3; w++) {
            mat_init_mp(fd[w], params[w]->rows, params[w]->cols, p);
            for (long k = 0; k < params[w]->rows * params[w]->cols; k++) {
                mpfr_ptr e = params[w]->e + k;
                mpfr_add(e, e, h, MPFR_RNDN);
                naive_loss(lp, A, U, X, v, y, "0.3", ai, p);
                mpfr_sub(e, e, h, MPFR_RNDN);
                mpfr_sub(e, e, h, MPFR_RNDN);
                naive_loss(lm, A, U, X, v, y, "0.3", ai, p);
                mpfr_add(e, e, h, MPFR_RNDN);
                mpfr_sub(fd[w]->e + k, lp, lm, MPFR_RNDN);
                mpfr_mul_2ui(fd[w]->e + k, fd[w]->e + k, 119, MPFR_RNDN); /* /(2h) */
            }
        }
        for (int b = 0; b < 2; b++) {
            int st = test_run_cli("grad", "--A", pathA, "--U", pathU, "--X", pathX, "--v", pv, "--y", py,
                         "--gamma", "0.3", "--activation", acts[ai], "--backend",
                         b ? "mpfr" : "double", "--out-dir", outdir, NULL);
            cr_assert_eq(st, 0, "%s: exit %d: %s", acts[ai], st, test_cli_err);
            for (int w = 0; w < 3; w++) {
                char path[700];
                snprintf(path, sizeof path, "%s/%s", outdir, files[w]);
                mat_mp_t g;
                cr_assert_eq(textmat_read_mp(g, path, p, err), DEQ_OK, "%s", err->msg);
                double scale = 0, worst = 0;
                mpfr_t t;
                mpfr_init2(t, p);
                for (long k = 0; k < g->rows * g->cols; k++) {
                    scale = fmax(scale, fabs(mpfr_get_d(fd[w]->e + k, MPFR_RNDN)));
                    mpfr_sub(t, g->e + k, fd[w]->e + k, MPFR_RNDN);
                    worst = fmax(worst, fabs(mpfr_get_d(t, MPFR_RNDN)));
                }
                mpfr_clear(t);
                double digits = worst > 0 ? -log10(worst / scale) : 400;
                double want = b ? 60 : 12;
                cr_expect(digits >= want, "%s %s %s: %.1f digits vs finite differences", acts[ai],
                          files[w], b ? "mpfr-256" : "double", digits);
                mat_clear_mp(g);
            }
        }
        for (int w = 0; w < 3; w++)
            mat_clear_mp(fd[w]);
    }
    mpfr_clears(h, lp, lm, (mpfr_ptr)0);
    /* bad input: v of the wrong length, missing --out-dir */
    const char *badv = test_write_file(dir, "badv.txt", "3 1\n1\n2\n3\n");
    char pb[600];
    snprintf(pb, sizeof pb, "%s", badv);
    expect_bad("--v", test_run_cli("grad", "--A", pathA, "--U", pathU, "--X", pathX, "--v", pb, "--y", py,
                          "--gamma", "0.3", "--activation", "relu", "--out-dir", outdir, NULL));
    expect_bad("--out-dir", test_run_cli("grad", "--A", pathA, "--U", pathU, "--X", pathX, "--v", pv, "--y",
                                py, "--gamma", "0.3", "--activation", "relu", NULL));
    mat_clear_mp(A), mat_clear_mp(U), mat_clear_mp(X), mat_clear_mp(v), mat_clear_mp(y);
}

Test(cli, run_linear_convergence_quick_covers_T3_and_catches_its_controls, .timeout = 300)
{
    dir = test_tmpdir();
    char report[600];
    snprintf(report, sizeof report, "%s/report.md", dir);
    int st = test_run_cli("run", "linear-convergence", "--profile", "quick", "--report", report, NULL);
    cr_assert_eq(st, 0, "exit %d: %s %s", st, test_cli_out, test_cli_err);
    static char md[1 << 20];
    test_slurp(report, md, sizeof md);
    const char *ids[] = {"T3.gradient", "T3.pl_step", "T3.rate", "T3.lazy", "T1.training",
                         "T2.training", "T3.linear_pl", "T3.linear_rate", "T3.trust_region",
                         "T3.gao2021_lemma3.6", "T3.gao2021_theorem3.2", "T3.ling2022_condition1",
                         "T3.ling2022_theorem1", "T3.ling2022_lemma8"};
    for (size_t k = 0; k < sizeof ids / sizeof *ids; k++)
        cr_expect(strstr(md, ids[k]) != NULL, "report lacks %s", ids[k]);
    cr_expect(strstr(md, "T3.negative_control") == NULL, "the old control id is still reported");
    cr_expect(strstr(md, "**CHECKER BROKEN") == NULL, "a control of the family was not caught");
    cr_expect(strstr(md, "lambda_0 replaced by lambda_max(H^inf)") != NULL,
              "the rate control row is missing");
}

Test(cli, fashion_mnist_missing_is_na_with_the_install_command, .timeout = 300)
{
    dir = test_tmpdir(); /* an empty directory stands for a machine without the package */
    char report[600];
    snprintf(report, sizeof report, "%s/report.md", dir);
    int st = test_run_cli("run", "generalization", "--profile", "quick", "--fashion-dir", dir, "--report",
                 report, NULL);
    cr_expect_eq(st, 0, "exit %d: %s", st, test_cli_err);
    static char md[1 << 20];
    test_slurp(report, md, sizeof md);
    cr_expect(strstr(md, "apt-get install dataset-fashion-mnist") != NULL,
              "the Fashion-MNIST rows do not name the install command");
    cr_expect(strstr(md, "| N/A |") != NULL, "no N/A row for the missing data");
    expect_bad("--classes", test_run_cli("run", "--classes", "3,3", NULL));
    expect_bad("--classes", test_run_cli("train", "--preset", "gao2021", "--m", "8", "--n", "4", "--steps",
                                "1", "--lr", "0.1", "--seed", "1", "--log", report, "--classes",
                                "0,11", NULL));
    /* was read as 0,1 (sscanf's %d wrapped); blanks and signs are not class indices either */
    expect_bad("--classes", test_run_cli("run", "--classes", "4294967296,1", NULL));
    expect_bad("--classes", test_run_cli("run", "--classes", " 0, 1", NULL));
}

/* The verdict model read through a run's JSON, as a reader of the file would:
 * no row unjudged; every HOLDS row has lhs_hi <= rhs_lo and rhs below its
 * trivial bound; every VIOLATED row lhs_lo > rhs_hi; every row of an exact or
 * asymptotic check lists hypotheses; every such check has a control, and every
 * control is caught. */
static void expect_verdict_model(const char *path)
{
    json_error_t je;
    json_t *top = json_load_file(path, 0, &je);
    cr_assert_not_null(top, "%s: %s", path, je.text);
    json_t *rows = json_object_get(top, "checks"), *ctl = json_object_get(top, "controls");
    cr_assert(json_is_array(rows) && json_is_array(ctl), "%s lacks checks or controls", path);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        const char *id = json_string_value(json_object_get(r, "id"));
        const char *v = json_string_value(json_object_get(r, "verdict"));
        const char *kind = json_string_value(json_object_get(r, "kind"));
        cr_assert(id && v && kind);
        cr_expect_str_neq(v, "UNSET", "%s: a row was never judged", id);
        double llo = json_number_value(json_object_get(r, "lhs_lo"));
        double lhi = json_number_value(json_object_get(r, "lhs_hi"));
        double rlo = json_number_value(json_object_get(r, "rhs_lo"));
        double rhi = json_number_value(json_object_get(r, "rhs_hi"));
        double rhs = json_number_value(json_object_get(r, "rhs"));
        json_t *triv = json_object_get(r, "trivial");
        if (strcmp(v, "HOLDS") == 0) {
            cr_expect(json_is_number(json_object_get(r, "lhs_hi")) &&
                          json_is_number(json_object_get(r, "rhs_lo")) && lhi <= rlo,
                      "%s HOLDS with lhs_hi %g > rhs_lo %g", id, lhi, rlo);
            cr_expect(!json_is_number(triv) || rhs < json_number_value(triv),
                      "%s HOLDS with rhs %g at or above its trivial bound %g", id, rhs,
                      json_number_value(triv));
        }
        if (strcmp(v, "VIOLATED") == 0)
            cr_expect(llo > rhi, "%s VIOLATED with lhs_lo %g <= rhs_hi %g", id, llo, rhi);
        const char *ek = json_string_value(json_object_get(r, "error_kind"));
        cr_expect(ek && (strcmp(ek, "certified") == 0 || strcmp(ek, "estimated") == 0), "%s", id);
        if (strcmp(kind, "report") != 0) {
            cr_expect(json_array_size(json_object_get(r, "hypotheses")) > 0,
                      "%s (%s) row without hypotheses", id, kind);
            int found = 0;
            size_t j;
            json_t *c;
            json_array_foreach(ctl, j, c) {
                if (strcmp(json_string_value(json_object_get(c, "id")), id) != 0)
                    continue;
                found = 1;
                const char *cv = json_string_value(json_object_get(c, "verdict"));
                cr_expect(strcmp(cv, "VIOLATED") == 0 || strcmp(cv, "WITHHELD") == 0,
                          "control of %s came out %s: %s", id, cv,
                          json_string_value(json_object_get(c, "note")));
            }
            cr_expect(found, "%s (%s) has no control", id, kind);
        }
    }
    json_t *broken = json_object_get(json_object_get(top, "summary"), "checker_broken");
    cr_expect_eq(json_array_size(broken), 0, "%zu checkers broken", json_array_size(broken));
    json_decref(top);
}

/* Writes a doctored copy of the result file src to dst: edit changes the
 * parsed file in place. */
static void doctor(const char *src, const char *dst, void (*edit)(json_t *top))
{
    json_error_t je;
    json_t *top = json_load_file(src, 0, &je);
    cr_assert_not_null(top, "%s: %s", src, je.text);
    edit(top);
    cr_assert_eq(json_dump_file(top, dst, JSON_INDENT(1) | JSON_REAL_PRECISION(17)), 0);
    json_decref(top);
}

/* The first row of "checks" with a finite nonzero lhs. */
static json_t *first_numeric_row(json_t *top)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(top, "checks"), i, r) {
        json_t *l = json_object_get(r, "lhs");
        if (json_is_real(l) && json_real_value(l) != 0)
            return r;
    }
    cr_assert_fail("no row with a numeric lhs");
    return NULL;
}

static void lhs_up_ten_percent(json_t *top)
{
    json_t *r = first_numeric_row(top);
    double l = json_real_value(json_object_get(r, "lhs"));
    /* the interval moves with the value, as a changed computation would move it */
    static const char *const f[] = {"lhs", "lhs_lo", "lhs_hi"};
    for (int k = 0; k < 3; k++) {
        json_t *v = json_object_get(r, f[k]);
        if (json_is_real(v))
            json_object_set_new(r, f[k], json_real(json_real_value(v) + 0.1 * fabs(l)));
    }
}

static void drop_first_row(json_t *top)
{
    json_array_remove(json_object_get(top, "checks"), 0);
}

static void malform_third_row(json_t *top)
{
    json_object_set_new(json_array_get(json_object_get(top, "checks"), 2), "lhs",
                        json_string("twelve"));
}

static void other_profile(json_t *top)
{
    json_object_set_new(top, "profile", json_string("default"));
}

static void other_seed(json_t *top)
{
    json_object_set_new(top, "seed", json_integer(2));
}

Test(cli, quick_profile_matches_the_reference_baseline, .timeout = 600)
{
    /* the regression check of docs/THEORY.md §5: same verdicts, no digits lost beyond 2 */
    dir = test_tmpdir();
    char report[600], json[600], flipped[600];
    snprintf(report, sizeof report, "%s/quick.md", dir);
    snprintf(json, sizeof json, "%s/quick.json", dir);
    int st = test_run_cli("run", "--profile", "quick", "--report", report, "--json", json, NULL);
    cr_assert_eq(st, 0, "quick profile exit %d: %s", st, test_cli_err);
    expect_verdict_model(json);
    const char *baseline = test_source_path("reference/quick-baseline.json");
    char base[4096];
    snprintf(base, sizeof base, "%s", baseline);
    st = test_run_cli("compare", base, json, NULL);
    cr_expect_eq(st, 0, "quick profile differs from reference/quick-baseline.json:\n%s", test_cli_out);
    /* the report links its plots, and each linked SVG exists and is an SVG */
    static char md[1 << 21];
    test_slurp(report, md, sizeof md);
    int plots = 0;
    for (const char *p = md; (p = strstr(p, "](quick-")) != NULL; p++) {
        char name[128], path[800], head[256];
        cr_assert_eq(sscanf(p + 2, "%127[^)]", name), 1);
        snprintf(path, sizeof path, "%s/%s", dir, name);
        test_slurp(path, head, sizeof head);
        cr_expect(strstr(head, "<svg") != NULL, "%s is linked but is not an SVG", path);
        plots++;
    }
    cr_expect_geq(plots, 5, "the report links %d plots, expected loss-rate, concentration, "
                            "lambda-ratio, bound and digits", plots);
    cr_expect(strstr(md, "revision ") && strstr(md, "OpenBLAS") && strstr(md, "compiled by"),
              "environment line lacks revision, BLAS or compiler");
    /* negative control: one flipped verdict must be reported */
    static char text[1 << 21];
    test_slurp(json, text, sizeof text);
    char *v = strstr(text, "\"verdict\": \"HOLDS\"");
    cr_assert_not_null(v, "no HOLDS row to flip");
    memcpy(v + strlen("\"verdict\": \""), "ERROR", 5);
    snprintf(flipped, sizeof flipped, "%s/flipped.json", dir);
    FILE *f = fopen(flipped, "w");
    fputs(text, f);
    fclose(f);
    st = test_run_cli("compare", base, flipped, NULL);
    cr_expect_eq(st, 1, "a flipped verdict went unnoticed (exit %d): %s", st, test_cli_out);
    cr_expect(strstr(test_cli_out, "HOLDS -> ERROR") != NULL, "%s", test_cli_out);
    expect_bad("nothing.json", test_run_cli("compare", base, "nothing.json", NULL));
    /* doctored copies of this run: each regression named, each bad file refused */
    char doc[600];
    snprintf(doc, sizeof doc, "%s/doctored.json", dir);
    st = test_run_cli("compare", json, json, NULL);
    cr_expect_eq(st, 0, "a file differs from itself (exit %d): %s", st, test_cli_out);
    doctor(json, doc, lhs_up_ten_percent);
    st = test_run_cli("compare", json, doc, NULL);
    cr_expect_eq(st, 1, "a 10%% change of lhs went unnoticed (exit %d): %s", st, test_cli_out);
    cr_expect(strstr(test_cli_out, "\nlhs: ") && strstr(test_cli_out, "relative change 0.09"),
              "%s", test_cli_out);
    doctor(json, doc, drop_first_row);
    st = test_run_cli("compare", json, doc, NULL);
    cr_expect_eq(st, 1, "a missing row went unnoticed (exit %d): %s", st, test_cli_out);
    cr_expect(strstr(test_cli_out, "missing: ") != NULL, "%s", test_cli_out);
    st = test_run_cli("compare", doc, json, NULL);
    cr_expect_eq(st, 1, "an added row went unnoticed (exit %d): %s", st, test_cli_out);
    cr_expect(strstr(test_cli_out, "added: ") != NULL, "%s", test_cli_out);
    doctor(json, doc, malform_third_row);
    expect_bad("checks[2]: malformed row", test_run_cli("compare", json, doc, NULL));
    doctor(json, doc, other_profile);
    expect_bad("profile", test_run_cli("compare", json, doc, NULL));
    doctor(json, doc, other_seed);
    expect_bad("seed", test_run_cli("compare", doc, json, NULL));
}

/* The options of run that guard long work, each refused with exit 2 and a line
 * naming the flag, before any case runs. */
Test(cli, run_long_run_options_are_validated, .timeout = 120)
{
    dir = test_tmpdir();
    char report[600], ck[600];
    snprintf(report, sizeof report, "%s/r.md", dir);
    snprintf(ck, sizeof ck, "%s/ck", dir);
    expect_bad("--shard", test_run_cli("run", "--shard", "3/2", "--report", report, NULL));
    expect_bad("--shard", test_run_cli("run", "--shard", "0/2", "--report", report, NULL));
    expect_bad("--shard", test_run_cli("run", "--shard", "1/2x", "--report", report, NULL));
    expect_bad("--shard", test_run_cli("run", "--shard", " 1/2", "--report", report, NULL));
    expect_bad("--shard", test_run_cli("run", "--shard", "1/+2", "--report", report, NULL));
    expect_bad("--shard", test_run_cli("run", "--shard", "1/18446744073709551617", "--report",
                                       report, NULL));
    expect_bad("--resume", test_run_cli("run", "--resume", "--report", report, NULL));
    expect_bad("--backend", test_run_cli("run", "--backend", "quad", "--report", report, NULL));
    expect_bad("--seeds", test_run_cli("run", "--seeds", "0", "--report", report, NULL));
    expect_bad("--widths", test_run_cli("run", "--widths", "64,32", "--report", report, NULL));
    expect_bad("--widths", test_run_cli("run", "--widths", "64,nan", "--report", report, NULL));
    expect_bad("--preset", test_run_cli("run", "--preset", "gao2021,gao2021", "--report", report,
                                        NULL));
    expect_bad("--max-memory", test_run_cli("run", "--max-memory", "inf", "--report", report,
                                            NULL));
    /* a sweep too large for the memory bound is refused up front, with the estimate */
    int st = test_run_cli("run", "--widths", "100000", "--max-memory", "1G", "--report", report,
                          NULL);
    cr_expect_eq(st, 2, "exit %d: %s", st, test_cli_err);
    cr_expect(strstr(test_cli_err, "GiB") && strstr(test_cli_err, "--max-memory"), "%s",
              test_cli_err);
    cr_expect_eq(count_lines(test_cli_err), 1, "%s", test_cli_err);
    /* the quick profile's widths stop at 128, but T2.ling2022_theorem2's ladder
     * builds W up to 2048² doubles (32 MiB, with its copies more than 100M) */
    st = test_run_cli("run", "--profile", "quick", "--max-memory", "100M", "--report", report, NULL);
    cr_expect_eq(st, 2, "exit %d: %s", st, test_cli_err);
    cr_expect(strstr(test_cli_err, "T2.ling2022_theorem2") != NULL, "%s", test_cli_err);
    /* and so is a training run too wide for it */
    st = test_run_cli("train", "--preset", "gao2021", "--m", "1000000", "--n", "10", "--steps", "1",
                      "--lr", "0.1", "--seed", "1", "--log", report, "--max-memory", "8G", NULL);
    cr_expect_eq(st, 2, "exit %d: %s", st, test_cli_err);
    cr_expect(strstr(test_cli_err, "GiB") && strstr(test_cli_err, "--max-memory"), "%s",
              test_cli_err);
    cr_expect_eq(count_lines(test_cli_err), 1, "%s", test_cli_err);
    /* a checkpoint of an earlier run is not overwritten without --resume, and a resume with
     * other options is refused */
    st = test_run_cli("run", "well-posedness", "--preset", "gao2021", "--widths", "16",
                      "--seeds", "1", "--quiet", "--checkpoint", ck, "--report", report, NULL);
    cr_assert_eq(st, 0, "exit %d: %s", st, test_cli_err);
    expect_bad("--resume", test_run_cli("run", "well-posedness", "--preset", "gao2021", "--widths",
                                        "16", "--checkpoint", ck, "--report", report, NULL));
    expect_bad("--resume", test_run_cli("run", "well-posedness", "--preset", "gao2021", "--widths",
                                        "16", "--seeds", "1", "--checkpoint", ck, "--resume",
                                        "--shard", "1/2", "--report", report, NULL));
    char nock[700];
    snprintf(nock, sizeof nock, "%s/typo", dir);
    expect_bad("no run to resume", test_run_cli("run", "--checkpoint", nock, "--resume", "--report",
                                                report, NULL));
    expect_bad("--resume", test_run_cli("run", "well-posedness", "--preset", "gao2021", "--widths",
                                        "16", "--seeds", "2", "--checkpoint", ck, "--resume",
                                        "--report", report, NULL));
    /* merge: nothing to merge, and a file that is not a result */
    expect_bad("merge", test_run_cli("merge", NULL));
    expect_bad("nothing.json", test_run_cli("merge", "nothing.json", "--report", report, NULL));
}

/* Without gnuplot the report says the plots were skipped, and still holds its rows. */
Test(cli, run_without_gnuplot_says_plots_skipped, .timeout = 120)
{
    dir = test_tmpdir();
    char report[600];
    snprintf(report, sizeof report, "%s/r.md", dir);
    setenv("DEQCHECK_GNUPLOT", "/nonexistent/gnuplot", 1);
    int st = test_run_cli("run", "gram-eigen", "--preset", "gao2021", "--widths", "16,32,64",
                          "--seeds", "1", "--quiet", "--report", report, NULL);
    unsetenv("DEQCHECK_GNUPLOT");
    cr_assert(st == 0 || st == 1, "exit %d: %s", st, test_cli_err);
    static char md[1 << 20];
    test_slurp(report, md, sizeof md);
    cr_expect(strstr(md, "skipped: gnuplot not found") != NULL, "no skip notice in the report");
    cr_expect(strstr(md, ".svg)") == NULL, "a plot is linked although gnuplot was absent");
    cr_expect(strstr(md, "| [T2.concentration](#t2concentration) |") != NULL);
}

/* A case record written as JSON reads back bit for bit: NaN, ±Inf, −0,
 * subnormals and the extremes, a note cut inside a UTF-8 character, and the
 * plot series; a second route to the same numbers, not the same code path. */
Test(cli, case_records_round_trip_exactly)
{
    const thm_family *fam = thm_family_find("well-posedness");
    thm_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.profile = "quick";
    cfg.widths[0] = 8, cfg.n_widths = 1, cfg.d = 2, cfg.n = 2, cfg.seeds = 1;
    cfg.prec = 64, cfg.seed = 1, cfg.sub = -1;
    cfg.presets[cfg.n_presets++] = deq_preset_find("gao2021");
    report_run_t a, b;
    report_run_init(a, &cfg, REPORT_BACKEND_BOTH, &fam, 1);
    report_run_init(b, &cfg, REPORT_BACKEND_BOTH, &fam, 1);
    const double vals[] = {NAN, INFINITY, -INFINITY, -0.0, 0.0, 5e-324, 1.7976931348623157e308,
                           0.1, -1.0 / 3.0, 2.2250738585072014e-308};
    const size_t nv = sizeof vals / sizeof *vals;
    thm_results_struct *res = &a->results[0];
    for (size_t k = 0; k < nv; k++) {
        thm_row *r = thm_results_add(res, &fam->checks[0]);
        r->lhs = vals[k], r->rhs = vals[(k + 1) % nv], r->margin = vals[(k + 2) % nv];
        r->tolerance = vals[(k + 3) % nv], r->digits = vals[(k + 4) % nv];
        r->width = (long)k - 1, r->seed = 4294967295UL - k;
        snprintf(r->note, sizeof r->note, "note %zu: caf\xc3\xa9", k);
    }
    thm_series *s = thm_results_add_series(res, THM_PLOT_LOSS_RATE, "label", (long)nv);
    for (size_t k = 0; k < nv; k++)
        s->x[k] = vals[k], s->y[k] = -vals[k];
    a->done[0] = 1;
    json_t *o = report_json_case(a, 0);
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    json_decref(o);
    json_error_t je;
    json_t *back = json_loads(text, 0, &je);
    cr_assert_not_null(back, "%s", je.text);
    deq_error_t err;
    deq_error_init(err);
    cr_assert_eq(report_json_case_read(b, back, "test", err), DEQ_OK, "%s", err->msg);
    json_decref(back);
    free(text);
    const thm_results_struct *rb = &b->results[0];
    cr_assert_eq(rb->len, res->len);
    for (long k = 0; k < res->len; k++) {
        const thm_row *x = &res->rows[k], *y = &rb->rows[k];
        const double xs[] = {x->lhs, x->rhs, x->margin, x->tolerance, x->digits};
        const double ys[] = {y->lhs, y->rhs, y->margin, y->tolerance, y->digits};
        for (int q = 0; q < 5; q++)
            cr_expect(memcmp(&xs[q], &ys[q], sizeof(double)) == 0 || (isnan(xs[q]) && isnan(ys[q])),
                      "row %ld field %d: wrote %a, read %a", k, q, xs[q], ys[q]);
        cr_expect_eq(x->width < 0 ? -1 : x->width, y->width);
        cr_expect_eq(x->seed, y->seed);
        cr_expect_str_eq(x->note, y->note);
    }
    cr_assert_eq(rb->n_series, 1);
    for (size_t k = 0; k < nv; k++)
        cr_expect(memcmp(&rb->series[0]->x[k], &vals[k], sizeof(double)) == 0 || isnan(vals[k]),
                  "series x[%zu]: wrote %a, read %a", k, vals[k], rb->series[0]->x[k]);
    report_run_clear(a);
    report_run_clear(b);
}

/* Without --out or --report a run writes into ./deqcheck-run (report, its plots
 * and results.json), never into the sources' reports/; --out names the
 * directory. (Each Criterion test runs in its own process: chdir is local.) */
Test(cli, run_writes_into_a_run_directory_by_default, .timeout = 120)
{
    dir = test_tmpdir();
    cr_assert_eq(chdir(dir), 0);
    int st = test_run_cli("run", "well-posedness", "--preset", "gao2021", "--widths", "16",
                          "--seeds", "1", "--quiet", "--no-plots", NULL);
    cr_assert(st == 0 || st == 1, "exit %d: %s", st, test_cli_err);
    cr_expect_eq(access("deqcheck-run/report.md", R_OK), 0, "no deqcheck-run/report.md");
    cr_expect_eq(access("deqcheck-run/results.json", R_OK), 0, "no deqcheck-run/results.json");
    cr_expect_neq(access("reports", F_OK), 0, "a reports/ directory was created");
    st = test_run_cli("run", "well-posedness", "--preset", "gao2021", "--widths", "16", "--seeds",
                      "1", "--quiet", "--no-plots", "--out", "elsewhere", NULL);
    cr_assert(st == 0 || st == 1, "exit %d: %s", st, test_cli_err);
    cr_expect_eq(access("elsewhere/report.md", R_OK), 0);
    cr_expect_eq(access("elsewhere/results.json", R_OK), 0);
    expect_bad("--out", test_run_cli("run", "--out", "", NULL));
}

/* Reruns with the same seed and options write byte-identical reports and
 * JSON; only --timing adds the wall time (to both). */
Test(cli, reruns_are_identical_and_timing_is_opt_in, .timeout = 300)
{
    dir = test_tmpdir();
    cr_assert_eq(chdir(dir), 0);
    const char *outs[3] = {"a", "b", "c"};
    for (int k = 0; k < 3; k++) {
        int st = test_run_cli("run", "well-posedness", "--preset", "gao2021", "--widths", "16",
                              "--seeds", "1", "--quiet", "--no-plots", "--out", outs[k],
                              k == 2 ? "--timing" : NULL, NULL);
        cr_assert(st == 0 || st == 1, "exit %d: %s", st, test_cli_err);
        cr_expect(strstr(test_cli_out, " s; report: ") != NULL,
                  "the summary line gives no wall time: %s", test_cli_out);
    }
    static char r[3][1 << 18], j[3][1 << 20];
    for (int k = 0; k < 3; k++) {
        char path[64];
        snprintf(path, sizeof path, "%s/report.md", outs[k]);
        test_slurp(path, r[k], sizeof r[k]);
        snprintf(path, sizeof path, "%s/results.json", outs[k]);
        test_slurp(path, j[k], sizeof j[k]);
    }
    cr_expect_str_eq(r[0], r[1], "two identical runs wrote different reports");
    cr_expect_str_eq(j[0], j[1], "two identical runs wrote different JSON");
    cr_expect(strstr(r[0], "wall time") == NULL && strstr(j[0], "wall_seconds") == NULL);
    cr_expect(strstr(r[2], "wall time") != NULL, "--timing: no wall time in the report");
    cr_expect(strstr(j[2], "\"wall_seconds\"") != NULL, "--timing: no wall_seconds in the JSON");
}

/* A rerun removes the plots it no longer makes: a report never sits beside a
 * stale plot of an earlier run. */
Test(cli, rerun_removes_plots_it_no_longer_makes, .timeout = 120)
{
    dir = test_tmpdir();
    char report[600], svg[700];
    snprintf(report, sizeof report, "%s/r.md", dir);
    snprintf(svg, sizeof svg, "%s/r-concentration.svg", dir);
    int st = test_run_cli("run", "gram-eigen", "--preset", "gao2021", "--widths", "16,32,64",
                          "--seeds", "1", "--quiet", "--report", report, NULL);
    cr_assert(st == 0 || st == 1, "exit %d: %s", st, test_cli_err);
    cr_assert_eq(access(svg, R_OK), 0, "the first run drew no concentration plot");
    st = test_run_cli("run", "gram-eigen", "--preset", "gao2021", "--widths", "16,32,64",
                      "--seeds", "1", "--quiet", "--no-plots", "--report", report, NULL);
    cr_assert(st == 0 || st == 1, "exit %d: %s", st, test_cli_err);
    cr_expect_neq(access(svg, F_OK), 0, "a stale plot was left beside the report");
}
