/* `deqcheck kernel` for one backend; compiled for double and for MPFR. */
#include <jansson.h>
#include "num/generic.h"

#include "cli/cli.h"
#include "data/textmat.h"
#include "deq/model.h"
#include "deq/problem.h"
#include "kernel/nngp.h"
#include "num/bound.h"
#include "num/eig_bound.h"

/* MPFR refines eigenvalue estimates with Jacobi up to this size; beyond it the
 * estimate is GSL's in double (the certificate is at full precision anyway). */
#define KERNEL_CLI_JACOBI_MAX 128

/* The --json object of this backend's run (NULL without --json), filled by
 * the verbose compute; one per backend instance. */
static json_t *G(kernel_json);

#ifdef DEQ_MPFR
int cli_kernel_compute_mp(mat_t R, double *quad_err, const cli_kernel_args *a, int verbose,
                          long prec)
#else
int cli_kernel_compute_d(mat_t R, double *quad_err, const cli_kernel_args *a, int verbose)
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
    if (verbose) {
        fprintf(stderr, "backend: %s (%ld bits)\n",
                a->backend == DEQ_BACKEND_DOUBLE ? "double" : "mpfr", prec);
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
    kernel_nngp_opts o;
    kernel_nngp_opts_default(&o);
    kernel_nngp_info_t info;
    G(kernel_nngp_solve)(Sigma, Sdot, Lambda, info, GX, gamma, su, a->act, &o, prec);
    /* The kernel module's quadrature error estimate is for Σ (and Ṡ); through
     * the fixed point it is amplified by 1/(1 − γ²L²), and the NTK blocks
     * combine Σ and Ṡ terms with weights up to 1 + γ² (σ_v = σ_u = 1 scale):
     * a documented estimate, not a bound. */
    double g2 = re_get_d(gamma) * re_get_d(gamma);
    *quad_err = isfinite(info->dual_err) && info->contractive
                    ? info->dual_err / (1 - info->rho_off) * (a->trained ? 1 + g2 : 1)
                    : (info->dual_err > 0 ? INFINITY : 0);
    if (verbose)
        fprintf(stderr, "nngp fixed point (K): %s after %ld + %ld iterations; residual %.3e "
                        "(relative %.3e); contraction gamma*L = %.4g; error estimate %.3e\n",
                kernel_outcome_name(info->outcome), info->iterations_diag, info->iterations_off,
                info->resid, info->resid_rel, info->rho_diag, info->err_est);
    if (verbose && G(kernel_json))
        json_object_set_new(
            G(kernel_json), "nngp",
            json_pack("{s:s,s:I,s:I,s:o,s:o,s:o,s:o}", "outcome", kernel_outcome_name(info->outcome),
                      "iterations_diag", (json_int_t)info->iterations_diag, "iterations_off",
                      (json_int_t)info->iterations_off, "residual", cli_json_num(info->resid),
                      "residual_rel", cli_json_num(info->resid_rel), "contraction",
                      cli_json_num(info->rho_diag), "error_estimate", cli_json_num(info->err_est)));
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

/* Upper estimate of ‖R − Rref‖₂ by the Frobenius norm, at Rref's precision. */
static double ladder_distance(const mat_t R, const mat_mp_t Rref)
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
    double r = mpfr_get_d(acc, MPFR_RNDU);
    mpfr_clears(d, acc, (mpfr_ptr)0);
    return r;
}

int G(cli_kernel_run)(const cli_kernel_args *a)
{
    long prec = a->prec;
    mat_t R;
    double quad_err, quad_err_ref;
    json_t *jo = NULL;
    if (a->json) {
        jo = json_object();
        json_object_set_new(jo, "command", json_string("kernel"));
        json_object_set_new(jo, "backend",
                            json_string(a->backend == DEQ_BACKEND_DOUBLE ? "double" : "mpfr"));
        json_object_set_new(jo, "precision", json_integer(prec));
        json_object_set_new(jo, "kind", json_string(a->kind));
        json_object_set_new(jo, "activation", json_string(deq_act_name(a->act)));
        json_object_set_new(jo, "gamma", json_string(a->gamma));
        json_object_set_new(jo, "sigma_u", json_string(a->sigma_u));
        json_object_set_new(jo, "sigma_v", json_string(a->sigma_v));
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
    double eps = bound_add_up(2 * ladder_distance(R, Rref), bound_mul_up((double)R->rows, quad_err));
    mat_clear_mp(Rref);
    num_eig_bounds_t eb;
    G(num_eig_bounds)(eb, R, KERNEL_CLI_JACOBI_MAX, prec);
    double lower = eb->lower_certified ? bound_sub_down(eb->lower, eps) : -INFINITY;
    fprintf(stderr, "kernel error estimate: %.3e (precision ladder against %ld bits, plus n times "
                    "the quadrature error estimate %.3e)\n", eps, ref_prec, quad_err);
    if (eb->lower_certified)
        fprintf(stderr, "lambda_min: %.17g (estimate); Cholesky certificate for the matrix as "
                        "computed: lambda_min >= %.17g\n", eb->approx_min, eb->lower);
    else
        fprintf(stderr, "lambda_min: %.17g (estimate); no Cholesky certificate for the matrix as "
                        "computed (the factorization failed at every shift)\n", eb->approx_min);
    /* the one line that answers "is λ_min certified positive?" for the exact
     * kernel: the certificate minus the kernel's error */
    if (lower > 0)
        fprintf(stderr, "lambda_min of the kernel: positive definite: CERTIFIED, lambda_min >= %.6g "
                        "(certificate minus kernel error %.3e)\n", lower, eps);
    else
        fprintf(stderr, "lambda_min of the kernel: positive definiteness NOT certified (lower bound "
                        "%.6g after the kernel error %.3e is not > 0)\n", lower, eps);
    fprintf(stderr, "lambda_max: %.17g (estimate); upper bound %.17g\n", eb->approx_max,
            bound_add_up(eb->upper, eps));
    if (jo) {
        json_object_set_new(jo, "n", json_integer(R->rows));
        json_object_set_new(jo, "kernel_error_estimate", cli_json_num(eps));
        json_object_set_new(jo, "ladder_precision", json_integer(ref_prec));
        json_object_set_new(jo, "quadrature_error_estimate", cli_json_num(quad_err));
        json_object_set_new(jo, "lambda_min_estimate", cli_json_num(eb->approx_min));
        json_object_set_new(jo, "lambda_min_matrix_lower",
                            eb->lower_certified ? cli_json_num(eb->lower) : json_null());
        json_object_set_new(jo, "lambda_min_certified", json_boolean(lower > 0));
        json_object_set_new(jo, "lambda_min_lower", cli_json_num(lower));
        json_object_set_new(jo, "lambda_max_estimate", cli_json_num(eb->approx_max));
        json_object_set_new(jo, "lambda_max_upper", cli_json_num(bound_add_up(eb->upper, eps)));
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
