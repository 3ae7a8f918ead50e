/* `deqcheck certify`: a user's trained DEQ (.npz / .safetensors) and its
 * inputs; the certificates come from src/verify, this file parses flags and
 * prints. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "data/textmat.h"
#include "io/tensor.h"
#include "verify/verify.h"

static void certify_help(FILE *f)
{
    verify_solve_opts o;
    verify_solve_opts_default(&o);
    fprintf(f,
"Usage: deqcheck certify --model MODEL --X INPUTS [options]\n"
"\n"
"Certifies the equilibria of the DEQ z = sigma(W z + U x + b) stored in MODEL\n"
"(.npz or .safetensors: tensors W (m x m), U (m x d), optional b (m), v (m, an\n"
"output head f = v^T z) and Lambda (m, a positive diagonal)), for every input x.\n"
"Every claim is about the model exactly as stored and the inputs exactly as\n"
"read, in exact arithmetic (Arb ball arithmetic).\n"
"\n"
"  --model FILE         the model (.npz or .safetensors)\n"
"  --X FILE             inputs: .npy of shape (n, d), one sample per row; or a text\n"
"                       matrix d x n, one sample per column\n"
"  --activation NAME    one of: %s; default: the file's `activation`\n"
"                       (safetensors __metadata__, or a string array in an .npz)\n"
"  --backend B          double or mpfr (default mpfr): solve in double, or refine\n"
"                       at --precision bits; the balls use the same precision\n"
"  --precision BITS     %d..%d (default %d; mpfr only)\n"
"  --max-iter K         Picard iterations (and Newton steps) at most (default %ld)\n"
"  --require LEVEL      global, local or none (default none): exit 1 when an input\n"
"                       lacks the level (global: a global certificate and an error\n"
"                       bound; local: a local or global certificate and an error bound)\n"
"  --json FILE          the results as JSON\n"
"  --out FILE           the equilibria: FILE.npy as float64 (n, m), one per row;\n"
"                       otherwise a text matrix m x n\n"
"  --max-memory SIZE    refuse, before the certificates, a model whose estimated\n"
"                       memory exceeds SIZE (bytes, or with K, M, G; default half\n"
"                       the physical memory); above 1 GiB the estimate is printed\n"
"  --progress           the progress lines (inputs done, time left) even when standard\n"
"                       error is not a terminal (every 5 s, or DEQCHECK_PROGRESS_SECONDS);\n"
"                       on a terminal a line is redrawn between the inputs' results\n"
"\n"
"Certificates: global (unique equilibrium for every input): Banach L*||W||_2 < 1;\n"
"weighted infinity-norm L*rho(|W|) < 1; monotone sym(I - L W) >= mu I, mu > 0;\n"
"diagonal 2 Lambda - L(Lambda W + W^T Lambda) > 0. Local, per input: a Krawczyk\n"
"inclusion proving ||zhat - z*|| <= r and the radius R within which z* is the\n"
"only equilibrium.\n"
"\n"
"Exit status: 0 done; 1 --require not met; 2 bad input or usage; 3 internal error.\n",
            deq_act_list(), DEQ_PREC_MIN, DEQ_PREC_MAX, DEQ_PREC_DEFAULT, o.max_iter);
}

/* A double for JSON: NaN as null, infinities as "inf" / "-inf" (as `run --json`). */
static json_t *jnum(double x)
{
    if (isnan(x))
        return json_null();
    if (isinf(x))
        return json_string(x > 0 ? "inf" : "-inf");
    return json_real(x);
}

/* Inputs as exact balls (d×n): doubles in double, P-bit numbers in MPFR. */
static deq_status read_inputs(arb_mat_t *X, long *d, long *n, const char *path, deq_backend be,
                              long prec, deq_error_t err)
{
    if (be == DEQ_BACKEND_DOUBLE) {
        mat_d_t D;
        if (cli_read_inputs_d(D, path, prec, err) != DEQ_OK)
            return err->status;
        *d = D->rows, *n = D->cols;
        arb_mat_init(*X, *d, *n);
        for (long i = 0; i < *d; i++)
            for (long j = 0; j < *n; j++)
                arb_set_d(arb_mat_entry(*X, i, j), D->e[i + j * *d]);
        mat_clear_d(D);
    } else {
        mat_mp_t D;
        if (cli_read_inputs_mp(D, path, prec, err) != DEQ_OK)
            return err->status;
        *d = D->rows, *n = D->cols;
        arb_mat_init(*X, *d, *n);
        for (long i = 0; i < *d; i++)
            for (long j = 0; j < *n; j++)
                arf_set_mpfr(arb_midref(arb_mat_entry(*X, i, j)), D->e + i + j * *d);
        mat_clear_mp(D);
    }
    return DEQ_OK;
}

static const char *yesno(int b) { return b ? "holds" : "not certified"; }

static void print_global(FILE *f, const verify_model_t M, const verify_global_t G)
{
    fprintf(f, "global certificates (unique equilibrium for every input; L = %.6g):\n",
            G->lipschitz);
    fprintf(f, "  banach     L*||W||_2 <= %.6g  (||W||_2 <= %.10g by %s, estimate %.10g): %s\n",
            G->banach_q, G->norm2_upper,
            G->norm2_method_cholesky ? "Cholesky of t^2 I - W^T W" : "Frobenius norm",
            G->norm2_estimate, yesno(G->banach));
    fprintf(f, "  weighted   L*rho(|W|) <= %.6g  (rho(|W|) <= %.10g by Collatz-Wielandt, estimate "
               "%.10g): %s\n",
            G->weighted_q, G->rho_upper, G->rho_estimate, yesno(G->weighted));
    if (!G->monotone_applicable) {
        fprintf(f, "  monotone   not applicable (%s is not monotone)\n", deq_act_name(M->act));
        fprintf(f, "  diagonal   not applicable (%s is not monotone)\n", deq_act_name(M->act));
    } else {
        if (G->monotone)
            fprintf(f, "  monotone   sym(I - L W) >= mu I with mu = %.6g (lambda_min estimate %.6g): "
                       "holds\n",
                    G->mu_lower, G->mu_estimate);
        else
            fprintf(f, "  monotone   sym(I - L W) > 0: not certified (lambda_min estimate %.6g)\n",
                    G->mu_estimate);
        fprintf(f, "  diagonal   2 Lambda - L(Lambda W + W^T Lambda) > 0: %s (Lambda from the file: "
                   "%s; from the Perron vectors of |W|: %s)\n",
                yesno(G->diagonal),
                G->diagonal_file_tried ? yesno(G->diagonal_file) : "none stored",
                G->diagonal_perron_tried ? yesno(G->diagonal_perron) : "not available");
    }
    fprintf(f, "  => %s\n", G->global ? "the equilibrium is unique for every input (GLOBAL)"
                                      : "no global certificate: uniqueness is local at best");
}

static json_t *global_json(const verify_model_t M, const verify_global_t G)
{
    json_t *o = json_object();
    json_object_set_new(o, "lipschitz", jnum(G->lipschitz));
    json_object_set_new(o, "banach",
                        json_pack("{s:b,s:o,s:o,s:o,s:s}", "holds", G->banach, "bound",
                                  jnum(G->banach_q), "norm2_upper", jnum(G->norm2_upper),
                                  "norm2_estimate", jnum(G->norm2_estimate), "method",
                                  G->norm2_method_cholesky ? "cholesky" : "frobenius"));
    json_object_set_new(o, "weighted_inf",
                        json_pack("{s:b,s:o,s:o,s:o}", "holds", G->weighted, "bound",
                                  jnum(G->weighted_q), "rho_upper", jnum(G->rho_upper),
                                  "rho_estimate", jnum(G->rho_estimate)));
    json_object_set_new(o, "monotone",
                        json_pack("{s:b,s:b,s:o,s:o}", "applicable", G->monotone_applicable,
                                  "holds", G->monotone, "mu_lower", jnum(G->mu_lower),
                                  "mu_estimate", jnum(G->mu_estimate)));
    json_object_set_new(o, "diagonal",
                        json_pack("{s:b,s:b,s:o,s:o}", "applicable", G->diagonal_applicable,
                                  "holds", G->diagonal, "lambda_file",
                                  G->diagonal_file_tried ? json_boolean(G->diagonal_file)
                                                         : json_null(),
                                  "lambda_perron",
                                  G->diagonal_perron_tried ? json_boolean(G->diagonal_perron)
                                                           : json_null()));
    json_object_set_new(o, "global", json_boolean(G->global));
    json_t *by = json_array();
    if (G->banach)
        json_array_append_new(by, json_string("banach"));
    if (G->weighted)
        json_array_append_new(by, json_string("weighted_inf"));
    if (G->monotone)
        json_array_append_new(by, json_string("monotone"));
    if (G->diagonal)
        json_array_append_new(by, json_string("diagonal"));
    json_object_set_new(o, "global_by", by);
    (void)M;
    return o;
}

static json_t *sample_json(long k, const verify_model_t M, const verify_sample_t S)
{
    const verify_local_struct *L = S->local;
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer(k));
    json_object_set_new(o, "uniqueness", json_string(verify_level_name(S->uniqueness)));
    json_object_set_new(o, "uniqueness_radius",
                        S->uniqueness == VERIFY_GLOBAL ? json_string("inf")
                        : S->uniqueness == VERIFY_LOCAL ? jnum(L->radius)
                                                        : json_null());
    json_object_set_new(o, "radius_capped", json_boolean(L->radius_capped));
    json_object_set_new(o, "certified", json_boolean(S->certified));
    json_object_set_new(o, "error_bound", S->certified ? jnum(S->err_bound) : json_null());
    json_object_set_new(o, "error_bound_inf",
                        L->inclusion ? jnum(L->err_bound_inf) : json_null());
    json_object_set_new(o, "error_bound_float64",
                        S->certified ? jnum(S->err_bound_f64) : json_null());
    json_object_set_new(o, "error_source",
                        S->err_source ? json_string(S->err_source) : json_null());
    json_t *c = json_array();
    if (L->inclusion)
        json_array_append_new(c, json_string("krawczyk"));
    json_object_set_new(o, "local_certificates", c);
    json_object_set_new(o, "krawczyk_contraction",
                        L->inclusion ? jnum(L->contraction) : json_null());
    json_object_set_new(o, "relu_sign_changes", json_integer(L->kinks));
    json_object_set_new(o, "local_rate_estimate", jnum(L->local_rate));
    json_object_set_new(o, "observed_contraction", jnum(S->solve.observed_contraction));
    json_object_set_new(
        o, "solver",
        json_pack("{s:b,s:I,s:b,s:I,s:I,s:o}", "converged", S->solve.converged, "picard_iterations",
                  (json_int_t)S->solve.picard_iterations, "picard_converged",
                  S->solve.picard_converged, "newton_steps", (json_int_t)S->solve.newton_steps,
                  "refine_steps", (json_int_t)S->solve.refine_steps, "residual",
                  jnum(S->solve.residual)));
    if (M->has_v) {
        json_object_set_new(o, "output", jnum(S->output));
        json_object_set_new(o, "output_error_bound", S->certified ? jnum(S->output_err) : json_null());
    }
    json_object_set_new(o, "note", L->note ? json_string(L->note) : json_null());
    return o;
}

/* The certificates' peak memory against --max-memory, from the model's and
 * the inputs' sizes: up to six m×m ball matrices at once (the global
 * certificates' |W|, its transposes and products, the Krawczyk operator's
 * Jacobian, approximate inverse and product), balls for the inputs and the
 * equilibria, and the model's doubles. A ball is an arb_struct, with its
 * midpoint's limbs stored apart beyond the two an arf_struct holds inline. */
static deq_status certify_memory_check(long m, long d, long n, long bprec, const char *value,
                                       deq_error_t err)
{
    long limbs = (bprec + FLINT_BITS - 1) / FLINT_BITS;
    double ball = (double)sizeof(arb_struct) +
                  (limbs > 2 ? (double)limbs * (double)sizeof(mp_limb_t) : 0.0);
    double md = (double)m, dd = (double)d, nd = (double)n;
    double need = ball * (6.0 * md * md + 2.0 * md * nd + dd * nd) +
                  (double)sizeof(double) * (2.0 * md * md + md * dd);
    char what[96];
    snprintf(what, sizeof what, "certifying m = %ld, n = %ld", m, n);
    return cli_memory_check("certify", what, need, value, err);
}

int cli_cmd_certify(int argc, char **argv)
{
    cli_opt opts[] = {{"model", 1, NULL},     {"X", 1, NULL},         {"activation", 1, NULL},
                      {"backend", 1, NULL},   {"precision", 1, NULL}, {"json", 1, NULL},
                      {"require", 1, NULL},   {"out", 1, NULL},       {"max-iter", 1, NULL},
                      {"max-memory", 1, NULL}, {"progress", 0, NULL},  {NULL, 0, NULL}};
    static const char *const required[] = {"model", "X"};
    int rc = cli_begin(opts, required, sizeof required / sizeof *required, "certify",
                       certify_help, argc, argv);
    if (rc >= 0)
        return rc;
    deq_error_t err;
    deq_error_init(err);
    deq_backend backend;
    long prec;
    if (cli_backend_precision(&backend, &prec, cli_value(opts, "backend"),
                              cli_value(opts, "precision"), err))
        return cli_usage_error("certify", err->msg);
    const char *act = cli_value(opts, "activation");
    deq_act dummy;
    if (act && cli_activation(&dummy, act, err))
        return cli_usage_error("certify", err->msg);
    verify_level require = VERIFY_NONE;
    const char *req = cli_value(opts, "require");
    if (req) {
        if (strcmp(req, "global") == 0)
            require = VERIFY_GLOBAL;
        else if (strcmp(req, "local") == 0)
            require = VERIFY_LOCAL;
        else if (strcmp(req, "none") != 0)
            return cli_usage_error("certify", "--require: expected global, local or none");
    }
    verify_solve_opts so;
    verify_solve_opts_default(&so);
    const char *v;
    if ((v = cli_value(opts, "max-iter")) &&
        cli_long_in(&so.max_iter, "max-iter", v, 1, 100000000L, err))
        return cli_usage_error("certify", err->msg);
    const char *json_path = cli_value(opts, "json"), *out = cli_value(opts, "out");
    if ((json_path && cli_check_writable("json", json_path, err)) ||
        (out && cli_check_writable("out", out, err)))
        return cli_usage_error("certify", err->msg);
    const char *model_path = cli_value(opts, "model"), *x_path = cli_value(opts, "X");

    verify_model_t M;
    verify_model_init(M);
    if (verify_model_read(M, model_path, act, err) != DEQ_OK)
        return cli_usage_error("certify", err->msg);
    arb_mat_t X;
    long d = 0, n = 0;
    if (read_inputs(&X, &d, &n, x_path, backend, prec, err) != DEQ_OK) {
        verify_model_clear(M);
        return cli_usage_error("certify", err->msg);
    }
    if (d != M->d) {
        if (io_format_of_path(x_path) == IO_FORMAT_NPY)
            deq_error_set(err, DEQ_ERR_INPUT,
                          "%s: tensor X: shape (%ld, %ld): the inputs have d = %ld features, but "
                          "tensor U of %s has %ld columns",
                          x_path, n, d, d, model_path, M->d);
        else
            deq_error_set(err, DEQ_ERR_INPUT,
                          "%s: X has %ld rows (d x n, one input per column), but tensor U of %s "
                          "has %ld columns",
                          x_path, d, model_path, M->d);
        arb_mat_clear(X);
        verify_model_clear(M);
        return cli_usage_error("certify", err->msg);
    }
    long vprec = backend == DEQ_BACKEND_DOUBLE ? 0 : prec, m = M->m;
    long bprec = verify_ball_prec(vprec);
    if (certify_memory_check(m, d, n, bprec, cli_value(opts, "max-memory"), err) != DEQ_OK) {
        arb_mat_clear(X);
        verify_model_clear(M);
        return cli_usage_error("certify", err->msg);
    }

    FILE *f = stdout;
    fprintf(f, "model: %s (m=%ld, d=%ld; activation %s from %s; b %s, v %s, Lambda %s)\n",
            model_path, m, M->d, deq_act_name(M->act), M->act_from_file ? "the file" : "--activation",
            M->has_b ? "stored" : "none (0)", M->has_v ? "stored" : "none",
            M->has_lambda ? "stored" : "none");
    fprintf(f, "inputs: %s (n=%ld)\n", x_path, n);
    if (backend == DEQ_BACKEND_DOUBLE)
        fprintf(f, "backend: double (solve in double; balls at 53 bits)\n");
    else
        fprintf(f, "backend: mpfr (solve refined at %ld bits; balls at %ld bits)\n", prec, prec);
    fprintf(f, "claims: for the model as stored in the file and the inputs as read, in exact "
               "arithmetic\n");

    verify_global_t G;
    verify_global_init(G, m);
    verify_global_certify(G, M, vprec);
    print_global(f, M, G);

    json_t *samples = json_array();
    arb_mat_t zhat, Z;
    arb_mat_init(zhat, m, 1);
    arb_mat_init(Z, m, n);
    long count[3] = {0, 0, 0}, certified = 0, lacking = 0;
    fprintf(f, "per input (error bounds: ||zhat - z*||_2; radius: no other equilibrium within "
               "||z - zhat||_inf <= R):\n");
    fprintf(f, "  %5s  %-9s %-12s %-12s %7s %7s %-11s %-11s\n", "input", "unique", "radius R",
            "error bound", "picard", "newton", "obs.contr.", "local rate");
    /* each input's certificate costs about the same (a solve and an interval
     * Krawczyk step in m dimensions): the time left at the mean rate so far */
    cli_iter_progress progress;
    int show = cli_iter_progress_start(&progress, "certify", cli_value(opts, "progress") != NULL);
    if (show)
        cli_count_progress_tick(&progress, 0, n, "input");
    for (long k = 0; k < n; k++) {
        verify_sample_t S;
        verify_sample_init(S);
        verify_sample_certify(S, zhat, M, G, X, k, &so, vprec);
        if (show) {
            cli_count_progress_tick(&progress, k + 1, n, "input");
            cli_iter_progress_finish(&progress); /* the input's line follows on a clean line */
        }
        for (long i = 0; i < m; i++)
            arb_set(arb_mat_entry(Z, i, k), arb_mat_entry(zhat, i, 0));
        count[S->uniqueness]++;
        certified += S->certified;
        if (require != VERIFY_NONE && (S->uniqueness < require || !S->certified))
            lacking++;
        char rad[32], eb[32];
        if (S->uniqueness == VERIFY_GLOBAL)
            snprintf(rad, sizeof rad, "inf");
        else if (S->uniqueness == VERIFY_LOCAL)
            snprintf(rad, sizeof rad, "%.4e%s", S->local->radius,
                     S->local->radius_capped ? "+" : "");
        else
            snprintf(rad, sizeof rad, "-");
        if (S->certified)
            snprintf(eb, sizeof eb, "%.4e", S->err_bound);
        else
            snprintf(eb, sizeof eb, "UNCERTIFIED");
        fprintf(f, "  %5ld  %-9s %-12s %-12s %7ld %7ld %-11.4g %-11.4g%s%s\n", k,
                verify_level_name(S->uniqueness), rad, eb, S->solve.picard_iterations,
                S->solve.newton_steps + S->solve.refine_steps, S->solve.observed_contraction,
                S->local->local_rate, S->local->note ? "  " : "",
                S->local->note ? S->local->note : "");
        if (M->has_v)
            fprintf(f, "         output f = v^T z = %.17g%s%.3e\n", S->output,
                    S->certified ? " +/- " : " (uncertified)", S->certified ? S->output_err : 0.0);
        json_array_append_new(samples, sample_json(k, M, S));
        verify_sample_clear(S);
    }
    fprintf(f, "summary: %ld of %ld inputs certified (error bound); uniqueness global %ld, local "
               "%ld, none %ld\n",
            certified, n, count[VERIFY_GLOBAL], count[VERIFY_LOCAL], count[VERIFY_NONE]);
    if (certified < n)
        fprintf(f, "note: the estimates of the %ld uncertified input(s) are written as they are, "
                   "UNCERTIFIED\n",
                n - certified);
    rc = CLI_EXIT_OK;
    if (require != VERIFY_NONE && lacking > 0) {
        fprintf(stderr, "deqcheck certify: --require %s: %ld of %ld inputs lack it\n", req,
                lacking, n);
        rc = CLI_EXIT_FAIL;
    }

    if (out) {
        /* doubles (.npy: rounded to nearest; a text matrix in MPFR keeps every bit) */
        int npy = io_format_of_path(out) == IO_FORMAT_NPY;
        if (npy || backend == DEQ_BACKEND_DOUBLE) {
            mat_d_t D;
            mat_init_d(D, m, n, 0);
            for (long k = 0; k < m * n; k++)
                D->e[k] = arf_get_d(arb_midref(arb_mat_entry(Z, k % m, k / m)), ARF_RND_NEAR);
            if (npy)
                io_npy_write_samples_d(out, D, err);
            else
                textmat_write_d(out, D, 53, err);
            mat_clear_d(D);
        } else {
            mat_mp_t D;
            mat_init_mp(D, m, n, prec);
            for (long k = 0; k < m * n; k++)
                arf_get_mpfr(D->e + k, arb_midref(arb_mat_entry(Z, k % m, k / m)), MPFR_RNDN);
            textmat_write_mp(out, D, prec, err);
            mat_clear_mp(D);
        }
        if (err->status != DEQ_OK) {
            fprintf(stderr, "deqcheck certify: %s\n", err->msg);
            rc = CLI_EXIT_USAGE;
        }
    }
    if (json_path) {
        json_t *root = json_object();
        json_object_set_new(root, "tool", json_string("deqcheck certify"));
        json_object_set_new(root, "model", json_string(model_path));
        json_object_set_new(root, "inputs", json_string(x_path));
        json_object_set_new(root, "m", json_integer(m));
        json_object_set_new(root, "d", json_integer(M->d));
        json_object_set_new(root, "n", json_integer(n));
        json_object_set_new(root, "activation", json_string(deq_act_name(M->act)));
        json_object_set_new(root, "activation_source",
                            json_string(M->act_from_file ? "file" : "flag"));
        json_object_set_new(root, "backend",
                            json_string(backend == DEQ_BACKEND_DOUBLE ? "double" : "mpfr"));
        json_object_set_new(root, "precision", json_integer(bprec));
        json_object_set_new(root, "norms",
                            json_pack("{s:s,s:s}", "error_bound", "2-norm of zhat - z*",
                                      "uniqueness_radius", "infinity-norm ball around zhat"));
        json_object_set_new(root, "global", global_json(M, G));
        json_object_set_new(root, "samples", samples);
        samples = NULL;
        json_object_set_new(
            root, "summary",
            json_pack("{s:I,s:I,s:I,s:I,s:I}", "n", (json_int_t)n, "certified",
                      (json_int_t)certified, "global", (json_int_t)count[VERIFY_GLOBAL], "local",
                      (json_int_t)count[VERIFY_LOCAL], "none", (json_int_t)count[VERIFY_NONE]));
        json_object_set_new(root, "require", json_string(req ? req : "none"));
        json_object_set_new(root, "exit_status", json_integer(rc));
        if (json_dump_file(root, json_path, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17)) != 0) {
            fprintf(stderr, "deqcheck certify: --json %s: cannot write the file\n", json_path);
            rc = CLI_EXIT_USAGE;
        }
        json_decref(root);
    }
    json_decref(samples);
    arb_mat_clear(zhat), arb_mat_clear(Z), arb_mat_clear(X);
    verify_global_clear(G);
    verify_model_clear(M);
    flint_cleanup();
    return rc;
}
