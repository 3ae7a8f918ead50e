/* `deqcheck kernel` for one backend; compiled for double and for MPFR. */
#include <jansson.h>
#include "num/generic.h"

#include "cli/cli.h"
#include "report/json.h"
#include "data/textmat.h"
#include "deq/model.h"
#include "deq/problem.h"
#include "kernel/nngp.h"
#include "kernel/paper_kernel.h"
#include "num/bound.h"
#include "num/eig_bound.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef DEQ_CLI_KERNEL_FMT
#define DEQ_CLI_KERNEL_FMT
/* d·2^e printed as %.17g would print it (exactly: the value is the double d
 * scaled by a power of two). */
static void fmt_scaled(char *buf, size_t cap, double d, long e)
{
    if (e == 0 || !isfinite(d) || d == 0) {
        snprintf(buf, cap, "%.17g", d);
        return;
    }
    mpfr_t t;
    mpfr_init2(t, 53);
    mpfr_set_d(t, d, MPFR_RNDN);
    mpfr_mul_2si(t, t, e, MPFR_RNDN);
    mpfr_snprintf(buf, cap, "%.17Rg", t);
    mpfr_clear(t);
}

/* d·2^e for --json, as cli_json_xreal. */
static json_t *json_scaled(double d, long e)
{
    if (e == 0 || !isfinite(d) || d == 0)
        return report_json_number(d);
    mpfr_t t;
    mpfr_init2(t, 53);
    mpfr_set_d(t, d, MPFR_RNDN);
    mpfr_mul_2si(t, t, e, MPFR_RNDN);
    json_t *j;
    if (mpfr_get_exp(t) > -1020 && mpfr_get_exp(t) < 1020) {
        j = report_json_number(mpfr_get_d(t, MPFR_RNDN));
    } else {
        char b[64];
        mpfr_snprintf(b, sizeof b, "%.17Rg", t);
        j = json_string(b);
    }
    mpfr_clear(t);
    return j;
}
#endif

/* MPFR refines eigenvalue estimates with Jacobi up to this size; beyond it the
 * estimate is GSL's in double (the certificate is at full precision anyway). */
#define KERNEL_CLI_JACOBI_MAX 128

/* The --json object of this backend's run (NULL without --json), filled by
 * the verbose compute; one per backend instance. */
static json_t *G(kernel_json);

/* The papers' population kernels, gao2021's G^∞ and ling2022's K, into R
 * (initialized here; cleared again on failure), for any norms and scale of
 * the inputs (kernel_paper_matrix). */
static int paper_kernel_compute(mat_t R, const mat_t X, const cli_kernel_args *a, int verbose, long prec)
{
    long n = X->cols;
    kernel_paper_kind kind =
        a->paper == CLI_KERNEL_GAO2021 ? KERNEL_PAPER_GAO2021_GINF : KERNEL_PAPER_LING2022_K;
    if (verbose) {
        if (kind == KERNEL_PAPER_GAO2021_GINF)
            fprintf(stderr, "kernel: gao2021 G^inf = E_w[relu(Xw) relu(Xw)^T], w ~ N(0, I_d) (gao2021 "
                            "Eq. 17; its lambda_min is the paper's lambda0), n=%ld, d=%ld\n",
                    n, X->rows);
        else
            fprintf(stderr, "kernel: ling2022 K, the limit of Definition 1's recursion in closed form "
                            "(ling2022 Theorem 3; for any input norms derived, Definition 1's diagonal 1 read as "
                            "|x_i|^2/d; its lambda_min is the paper's "
                            "lambda*), sigma_w^2 = %s, n=%ld, d=%ld\n", a->sigma_w2, n, X->rows);
    }
    G(mat_init)(R, n, n, prec);
#ifdef DEQ_MPFR
    mpfr_t s;
    mpfr_init2(s, prec);
    mpfr_set_str(s, a->sigma_w2, 10, MPFR_RNDN);
    long st = kernel_paper_matrix_mp(R, X, kind, s, prec);
    mpfr_clear(s);
#else
    long st = kernel_paper_matrix_d(R, X, kind, strtod(a->sigma_w2, NULL));
#endif
    if (st == 0)
        return CLI_EXIT_OK;
    if (st < 0)
        fprintf(stderr, "deqcheck kernel: ling2022 K: Newton's iteration for cos theta did not settle "
                        "at %ld bits; no result written\n", prec);
    else
        fprintf(stderr, "deqcheck kernel: the kernel's entry (%ld,%ld) is outside double's normal "
                        "range (it scales with |x_%ld|^2); use --backend mpfr; no result written\n",
                st, st, st);
    G(mat_clear)(R);
    return CLI_EXIT_FAIL;
}

#ifdef DEQ_MPFR
int cli_kernel_compute_mp(mat_t R, num_xreal *quad_err, const cli_kernel_args *a, int verbose,
                          long prec)
#else
int cli_kernel_compute_d(mat_t R, num_xreal *quad_err, const cli_kernel_args *a, int verbose)
#endif
{
#ifndef DEQ_MPFR
    long prec = DEQ_PREC_DOUBLE;
#endif
    deq_error_t err;
    deq_error_init(err);
    mat_t X;
    if (G(cli_read_inputs)(X, a->X, prec, err) != DEQ_OK) {
        fprintf(stderr, "deqcheck kernel: %s\n", err->msg);
        return CLI_EXIT_USAGE;
    }
    long n = X->cols;
    if (verbose)
        fprintf(stderr, "backend: %s (%ld bits)\n",
                a->backend == DEQ_BACKEND_DOUBLE ? "double" : "mpfr", prec);
    if (a->paper) {
        /* closed forms and a recursion without quadrature */
        *quad_err = num_xreal_from_d(0);
        int prc = paper_kernel_compute(R, X, a, verbose, prec);
        G(mat_clear)(X);
        return prc;
    }
    if (verbose) {
        fprintf(stderr, "kernel: %s, n=%ld, activation %s, gamma=%s, sigma_u=%s, sigma_v=%s\n",
                a->kind, n, deq_act_name(a->act), a->gamma, a->sigma_u, a->sigma_v);
    }
    real_t gamma, su, sv, one, zero;
    re_init(gamma, prec), re_init(su, prec), re_init(sv, prec), re_init(one, prec),
        re_init(zero, prec);
    G(deq_set_decimal)(gamma, a->gamma);
    G(deq_set_decimal)(su, a->sigma_u);
    G(deq_set_decimal)(sv, a->sigma_v);
    re_set_si(one, 1);
    re_set_zero(zero);
    mat_t GX, Sigma, Sdot, Lambda;
    G(mat_init)(GX, n, n, prec), G(mat_init)(Sigma, n, n, prec), G(mat_init)(Sdot, n, n, prec),
        G(mat_init)(Lambda, n, n, prec), G(mat_init)(R, n, n, prec);
    G(mat_gemm)(GX, one, MAT_TRANS, X, MAT_NOTRANS, X, zero, prec);
    int rc = CLI_EXIT_OK;
#ifndef DEQ_MPFR
    /* The kernel scales with X^T X (exactly as s² for relu): in double it is
     * representable only while X^T X is. A nonzero column whose squared norm
     * left double's normal range would give zeros (or Inf) silently. */
    for (long i = 0; i < n; i++) {
        double gii = mat_entry(GX, i, i)[0];
        int nonzero = 0;
        for (long r = 0; r < X->rows; r++)
            nonzero |= mat_entry(X, r, i)[0] != 0.0;
        if (nonzero && !(gii >= DBL_MIN && gii <= DBL_MAX)) {
            fprintf(stderr, "deqcheck kernel: x_%ld^T x_%ld = %g is outside double's normal "
                            "range, and so is the kernel, which scales with it; use --backend "
                            "mpfr; no result written\n", i + 1, i + 1, gii);
            G(mat_clear)(X), G(mat_clear)(GX), G(mat_clear)(Sigma), G(mat_clear)(Sdot),
                G(mat_clear)(Lambda), G(mat_clear)(R);
            re_clear(gamma), re_clear(su), re_clear(sv), re_clear(one), re_clear(zero);
            return CLI_EXIT_FAIL;
        }
    }
#endif
    kernel_nngp_opts o;
    kernel_nngp_opts_default(&o);
    kernel_nngp_info_t info;
    cli_iter_progress progress;
    if (cli_iter_progress_start(&progress, verbose ? "kernel" : "kernel, reference precision",
                                a->progress)) {
        o.observe = cli_iter_progress_observe;
        o.observe_ctx = &progress;
    }
    G(kernel_nngp_solve)(Sigma, Sdot, Lambda, info, GX, gamma, su, a->act, &o, prec);
    cli_iter_progress_finish(&progress);
    /* The kernel module's quadrature error estimate is for Σ (and Ṡ); through
     * the fixed point it is amplified by 1/(1 − γ²L²), and the NTK blocks
     * combine Σ and Ṡ terms with weights up to 1 + γ² (σ_v = σ_u = 1 scale):
     * a documented estimate, not a bound. */
    double g2 = re_get_d(gamma) * re_get_d(gamma);
    num_xreal de = info->dual_err_x;
    *quad_err = num_xreal_is_finite(de) && info->contractive
                    ? num_xreal_mul_d(num_xreal_div(de, num_xreal_from_d(1 - info->rho_off)),
                                      a->trained ? 1 + g2 : 1)
                    : num_xreal_from_d(de.man > 0 ? INFINITY : 0);
    if (verbose) {
        char rb[64], eb[64];
        num_xreal_snprint(rb, sizeof rb, info->resid_x);
        num_xreal_snprint(eb, sizeof eb, info->err_est_x);
        fprintf(stderr, "nngp fixed point (K): %s after %ld + %ld iterations; residual %s "
                        "(relative %.3e); contraction gamma*L = %.4g; error estimate %s\n",
                kernel_outcome_name(info->outcome), info->iterations_diag, info->iterations_off,
                rb, info->resid_rel, info->rho_diag, eb);
        if (G(kernel_json))
            json_object_set_new(
                G(kernel_json), "nngp",
                json_pack("{s:s,s:I,s:I,s:o,s:o,s:o,s:o}", "outcome",
                          kernel_outcome_name(info->outcome), "iterations_diag",
                          (json_int_t)info->iterations_diag, "iterations_off",
                          (json_int_t)info->iterations_off, "residual", cli_json_xreal(info->resid_x),
                          "residual_rel", report_json_number(info->resid_rel), "contraction",
                          report_json_number(info->rho_diag), "error_estimate",
                          cli_json_xreal(info->err_est_x)));
    }
    if (info->outcome != KERNEL_CONVERGED) {
        fprintf(stderr, "deqcheck kernel: the NNGP fixed point did not converge at %ld bits (%s): "
                        "%s; no result written\n", prec, kernel_outcome_name(info->outcome),
                info->reason ? info->reason : "");
        rc = CLI_EXIT_FAIL;
    } else if (a->trained) {
        kernel_ntk_info_t ni;
        G(kernel_ntk_blocks)(R, NULL, NULL, NULL, NULL, ni, Sigma, Sdot, GX, gamma, su, sv,
                             a->trained, prec);
        if (ni->outcome != KERNEL_CONVERGED) {
            fprintf(stderr, "deqcheck kernel: NTK not defined (%s): %s; no result written\n",
                    kernel_outcome_name(ni->outcome), ni->reason ? ni->reason : "");
            rc = CLI_EXIT_FAIL;
        }
    } else {
        G(mat_set)(R, Sigma);
    }
    if (rc != CLI_EXIT_OK)
        G(mat_clear)(R);
    G(mat_clear)(X), G(mat_clear)(GX), G(mat_clear)(Sigma), G(mat_clear)(Sdot),
        G(mat_clear)(Lambda);
    re_clear(gamma), re_clear(su), re_clear(sv), re_clear(one), re_clear(zero);
    return rc;
}

/* Upper estimate of ‖R − Rref‖₂ by the Frobenius norm, at Rref's precision
 * (MPFR's exponent range: no under- or overflow), with a long exponent. */
static num_xreal ladder_distance(const mat_t R, const mat_mp_t Rref)
{
    mpfr_t d, acc;
    mpfr_inits2((mpfr_prec_t)Rref->prec, d, acc, (mpfr_ptr)0);
    mpfr_set_zero(acc, 1);
    for (long k = 0; k < R->rows * R->cols; k++) {
#ifdef DEQ_MPFR
        mpfr_sub(d, R->e + k, Rref->e + k, MPFR_RNDN);
#else
        mpfr_d_sub(d, R->e[k], Rref->e + k, MPFR_RNDN);
#endif
        mpfr_fma(acc, d, d, acc, MPFR_RNDN);
    }
    mpfr_sqrt(acc, acc, MPFR_RNDU);
    num_xreal r = num_xreal_from_mpfr(acc, MPFR_RNDU);
    mpfr_clears(d, acc, (mpfr_ptr)0);
    return r;
}

int G(cli_kernel_run)(const cli_kernel_args *a)
{
    long prec = a->prec;
    mat_t R;
    num_xreal quad_err, quad_err_ref;
    json_t *jo = NULL;
    if (a->json) {
        jo = json_object();
        json_object_set_new(jo, "command", json_string("kernel"));
        json_object_set_new(jo, "backend",
                            json_string(a->backend == DEQ_BACKEND_DOUBLE ? "double" : "mpfr"));
        json_object_set_new(jo, "precision", json_integer(prec));
        json_object_set_new(jo, "kind", json_string(a->kind));
        if (a->paper == CLI_KERNEL_LING2022)
            json_object_set_new(jo, "sigma_w2", json_string(a->sigma_w2));
        if (!a->paper) {
            json_object_set_new(jo, "activation", json_string(deq_act_name(a->act)));
            json_object_set_new(jo, "gamma", json_string(a->gamma));
            json_object_set_new(jo, "sigma_u", json_string(a->sigma_u));
            json_object_set_new(jo, "sigma_v", json_string(a->sigma_v));
        }
    }
    G(kernel_json) = jo;
#ifdef DEQ_MPFR
    int rc = cli_kernel_compute_mp(R, &quad_err, a, 1, prec);
#else
    int rc = cli_kernel_compute_d(R, &quad_err, a, 1);
#endif
    G(kernel_json) = NULL;
    if (rc != CLI_EXIT_OK) {
        if (jo) {
            json_object_set_new(jo, "exit_status", json_integer(rc));
            cli_json_write("kernel", a->json, jo);
        }
        return rc;
    }
    /* The Cholesky certificate holds for the matrix as computed; the exact
     * kernel differs by the computation's error, which can far exceed the
     * rounding unit (relu's Ḟ has a square-root singularity at c = 1). Its
     * rounding part is estimated by the same computation at 2·max(prec, 64)
     * bits (the factor 2 covers the reference's own error); the quadrature
     * part, which a precision ladder cannot see, by the kernel module's
     * estimate, n times (a Frobenius bound from an entrywise one). */
    long ref_prec = 2 * (prec > 64 ? prec : 64);
    mat_mp_t Rref;
    rc = cli_kernel_compute_mp(Rref, &quad_err_ref, a, 0, ref_prec);
    if (rc != CLI_EXIT_OK) {
        G(mat_clear)(R);
        return rc;
    }
    num_xreal lad = ladder_distance(R, Rref), eps;
    double lad_d = num_xreal_get_d(lad), q_d = num_xreal_get_d(quad_err);
    if ((lad.man == 0 || (lad_d >= 0x1p-900 && lad_d <= 0x1p900))
        && (quad_err.man == 0 || isinf(quad_err.man) || (q_d >= 0x1p-900 && q_d <= 0x1p900))) {
        /* in double's range: rounded upward as doubles */
        eps = num_xreal_from_d(bound_add_up(2 * lad_d, bound_mul_up((double)R->rows, q_d)));
    } else {
        /* beyond it: rounded to nearest with long exponents, then up by an ulp */
        eps = num_xreal_add(num_xreal_mul_2si(lad, 1), num_xreal_mul_d(quad_err, (double)R->rows));
        eps = num_xreal_mul_d(eps, 1.0 + 0x1p-52);
    }
    mat_clear_mp(Rref);
    /* The bounds are computed for 2^-exp2·R (exp2 = 0 for ordinary data):
     * the comparison with the error estimate is made in those units, so it
     * holds at any scale of the data. */
    num_eig_bounds_t eb;
    G(num_eig_bounds)(eb, R, KERNEL_CLI_JACOBI_MAX, prec);
    double eps_s = num_xreal_get_d_up(num_xreal_mul_2si(eps, -eb->exp2));
    double lower = eb->lower_certified ? bound_sub_down(eb->lower_s, eps_s) : -INFINITY;
    char b1[64], b2[64], b3[64];
    num_xreal_snprint(b1, sizeof b1, eps);
    num_xreal_snprint(b2, sizeof b2, quad_err);
    fprintf(stderr, "kernel error estimate: %s (precision ladder against %ld bits, plus n times "
                    "the quadrature error estimate %s)\n", b1, ref_prec, b2);
    fmt_scaled(b1, sizeof b1, eb->approx_min_s, eb->exp2);
    if (eb->lower_certified) {
        fmt_scaled(b2, sizeof b2, eb->lower_s, eb->exp2);
        fprintf(stderr, "lambda_min: %s (estimate); Cholesky certificate for the matrix as "
                        "computed: lambda_min >= %s\n", b1, b2);
    } else
        fprintf(stderr, "lambda_min: %s (estimate); no Cholesky certificate for the matrix as "
                        "computed (the factorization failed at every shift)\n", b1);
    /* the one line that answers "is λ_min certified positive?" for the exact
     * kernel: the certificate minus the kernel's error */
    fmt_scaled(b2, sizeof b2, lower, eb->exp2);
    num_xreal_snprint(b3, sizeof b3, eps);
    if (lower > 0)
        fprintf(stderr, "lambda_min of the kernel: positive definite: CERTIFIED, lambda_min >= %s "
                        "(certificate minus kernel error %s)\n", b2, b3);
    else
        fprintf(stderr, "lambda_min of the kernel: positive definiteness NOT certified (lower bound "
                        "%s after the kernel error %s is not > 0)\n", b2, b3);
    fmt_scaled(b1, sizeof b1, eb->approx_max_s, eb->exp2);
    fmt_scaled(b3, sizeof b3, bound_add_up(eb->upper_s, eps_s), eb->exp2);
    fprintf(stderr, "lambda_max: %s (estimate); upper bound %s\n", b1, b3);
    if (jo) {
        json_object_set_new(jo, "n", json_integer(R->rows));
        json_object_set_new(jo, "kernel_error_estimate", cli_json_xreal(eps));
        json_object_set_new(jo, "ladder_precision", json_integer(ref_prec));
        json_object_set_new(jo, "quadrature_error_estimate", cli_json_xreal(quad_err));
        json_object_set_new(jo, "lambda_min_estimate", json_scaled(eb->approx_min_s, eb->exp2));
        json_object_set_new(jo, "lambda_min_matrix_lower",
                            eb->lower_certified ? json_scaled(eb->lower_s, eb->exp2) : json_null());
        json_object_set_new(jo, "lambda_min_certified", json_boolean(lower > 0));
        json_object_set_new(jo, "lambda_min_lower", json_scaled(lower, eb->exp2));
        json_object_set_new(jo, "lambda_max_estimate", json_scaled(eb->approx_max_s, eb->exp2));
        json_object_set_new(jo, "lambda_max_upper",
                            json_scaled(bound_add_up(eb->upper_s, eps_s), eb->exp2));
    }
    deq_error_t err;
    deq_error_init(err);
    if (G(textmat_write)(a->out ? a->out : "-", R, prec, err) != DEQ_OK) {
        fprintf(stderr, "deqcheck kernel: %s\n", err->msg);
        rc = CLI_EXIT_USAGE;
    }
    if (rc == CLI_EXIT_OK && a->require_certified && !(lower > 0)) {
        fprintf(stderr, "deqcheck kernel: --require-certified: lambda_min is not certified "
                        "positive (matrix written)\n");
        rc = CLI_EXIT_FAIL;
    }
    if (jo) {
        json_object_set_new(jo, "exit_status", json_integer(rc));
        if (cli_json_write("kernel", a->json, jo) != 0)
            rc = CLI_EXIT_USAGE;
    }
    G(mat_clear)(R);
    return rc;
}
