/* `deqcheck kernel`: infinite-width NNGP and NTK matrices of the inputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "deq/model.h"
#include "deq/paper_model.h"

static const char *ling_sigma_w2_default(void)
{
    return deq_paper_const_value(deq_paper_spec_find("ling2022"), "sigma_w2");
}

static void kernel_help(FILE *f)
{
    fprintf(f,
"Usage: deqcheck kernel --X FILE --gamma G --activation NAME --kind KIND [options]\n"
"       deqcheck kernel --X FILE --kind gao2021|ling2022 [--sigma-w2 S] [options]\n"
"\n"
"Computes the infinite-width kernels of the equilibrium model (docs/THEORY.md §2)\n"
"for the inputs in X (d x n, one sample per column) and writes the n x n matrix:\n"
"  nngp    Sigma, the equilibrium NNGP kernel: the fixed point of\n"
"          Lambda = G^2 Sigma + S_u^2 X^T X, Sigma_ij = F(Lambda_ii, Lambda_jj, Lambda_ij)\n"
"  ntk-A   H^A = S_v^2 G^2 (P o Sigma),   P_ij = Sdot_ij / (1 - G^2 Sdot_ij)\n"
"  ntk-U   H^U = S_v^2 S_u^2 (P o X^T X)\n"
"  ntk-v   H^v = S_v^2 Sigma\n"
"  ntk     H^A + H^U + H^v (all three groups trained)\n"
"F and Fdot are the dual activations: closed forms for relu, erf, sin; Hermite series\n"
"by Gauss-Hermite quadrature at the working precision for tanh, sigmoid, softplus.\n"
"\n"
"The papers' own population kernels (relu; no --gamma, --activation, --sigma-u/v):\n"
"  gao2021   G^inf = E_w[relu(Xw) relu(Xw)^T], w ~ N(0, I_d) (gao2021 Eq. 17):\n"
"            G_ij = 1/2 |x_i| |x_j| Q(cos theta_ij); its lambda_min is gao2021's lambda0\n"
"  ling2022  K, the limit of Definition 1's recursion K^(l) (ling2022 Theorem 3), in\n"
"            closed form; for any norms (derived: Definition 1's diagonal 1 read as\n"
"            |x_i|^2/d, the same under Assumption 2): K_ii = |x_i|^2/(d (1 - sigma_w^2)),\n"
"            K_ij = sqrt(K_ii K_jj) Q(c_ij), c = sigma_w^2 Q(c) + (1 - sigma_w^2) cos theta_ij\n"
"            (Newton's method); its lambda_min is ling2022's lambda*\n"
"  with Q(r) = (sqrt(1 - r^2) + (pi - arccos r) r)/pi. Both satisfy K(X D) = D K(X) D\n"
"  for a positive diagonal D: each input is scaled by a power of two (exactly), so\n"
"  inputs of any norms and scales work (in double, while the kernel is representable).\n"
"\n"
"  --X FILE             inputs, a text matrix d x n or a .npy array (n, d) (see\n"
"                       deqcheck solve --help)\n"
"  --gamma G            implicit-layer scale (alpha_A = G/sqrt(m) at finite width)\n"
"  --sigma-u S          input scale (default 1)\n"
"  --sigma-v S          output scale (default 1)\n"
"  --activation NAME    one of: %s\n"
"  --kind KIND          nngp, ntk-A, ntk-U, ntk-v, ntk, gao2021 or ling2022\n"
"  --sigma-w2 S         ling2022's sigma_w^2, in [0, 1) (default %s, paper: ling2022,\n"
"                       Section 5; its Assumption 1 asks < 1/8)\n"
"  --backend B          double or mpfr (default mpfr)\n"
"  --precision BITS     MPFR working precision, %d..%d (default %d; mpfr only)\n"
"  --out FILE           write the matrix here (default: standard output)\n"
"  --json FILE          the numbers printed on standard error, as JSON\n"
"  --require-certified  exit 1 when lambda_min is not certified positive\n"
"  --max-memory SIZE    refuse, before any work, inputs whose estimated memory\n"
"                       exceeds SIZE (bytes, or with K, M, G; default half the memory)\n"
"  --progress           the progress lines even when standard error is not a terminal\n"
"                       (every 5 s, or DEQCHECK_PROGRESS_SECONDS)\n"
"\n"
"Progress: on a terminal the fixed point's phase iteration (the diagonal phase, then\n"
"the off-diagonal one, each counted from 1), its largest step relative to the\n"
"kernel's scale against the step that ends the phase, and an estimate of the time\n"
"left, redrawn in place; the precision ladder's reference solve shows its own.\n"
"\n"
"Report (standard error): the fixed point's iterations, residual and contraction\n"
"bound, and lambda_min of the result with its certificate: a Cholesky factorization\n"
"of H - l*I with a rigorous rounding allowance proves lambda_min(H) >= l; positive\n"
"definiteness is CERTIFIED only when that l, minus the kernel's error estimated by\n"
"a precision ladder, is > 0: one line starting \"lambda_min of the kernel:\" says\n"
"CERTIFIED or NOT certified.\n"
"\n"
"Exit status: 0 written; 1 the fixed point did not converge or the NTK is undefined\n"
"(gamma^2 Sdot >= 1), or (double) the kernel leaves double's normal range, or\n"
"(ling2022) Newton's iteration for cos theta did not settle, or --require-certified\n"
"and lambda_min not certified (the matrix is still written); 2 bad input or usage.\n",
            deq_act_list(), ling_sigma_w2_default(), DEQ_PREC_MIN, DEQ_PREC_MAX, DEQ_PREC_DEFAULT);
}

int cli_cmd_kernel(int argc, char **argv)
{
    cli_opt opts[] = {{"X", 1, NULL},          {"gamma", 1, NULL},   {"sigma-u", 1, NULL},
                      {"sigma-v", 1, NULL},    {"activation", 1, NULL}, {"kind", 1, NULL},
                      {"backend", 1, NULL},    {"precision", 1, NULL}, {"out", 1, NULL},
                      {"require-certified", 0, NULL}, {"max-memory", 1, NULL}, {"json", 1, NULL},
                      {"progress", 0, NULL},   {"sigma-w2", 1, NULL},
                      {NULL, 0, NULL}};
    static const char *const required[] = {"X", "kind"};
    int rc = cli_begin(opts, required, sizeof required / sizeof *required, "kernel", kernel_help, argc,
                       argv);
    if (rc >= 0)
        return rc;
    deq_error_t err;
    deq_error_init(err);
    cli_kernel_args a;
    memset(&a, 0, sizeof a);
    a.X = cli_value(opts, "X");
    a.out = cli_value(opts, "out");
    a.json = cli_value(opts, "json");
    a.gamma = cli_value(opts, "gamma");
    a.sigma_u = cli_value(opts, "sigma-u") ? cli_value(opts, "sigma-u") : "1";
    a.sigma_v = cli_value(opts, "sigma-v") ? cli_value(opts, "sigma-v") : "1";
    a.kind = cli_value(opts, "kind");
    a.require_certified = cli_value(opts, "require-certified") != NULL;
    a.progress = cli_value(opts, "progress") != NULL;
    static const struct { const char *name; unsigned trained; } kinds[] = {
        {"nngp", 0}, {"ntk-A", DEQ_TRAIN_A}, {"ntk-U", DEQ_TRAIN_U}, {"ntk-v", DEQ_TRAIN_V},
        {"ntk", DEQ_TRAIN_A | DEQ_TRAIN_U | DEQ_TRAIN_V}};
    int found = 0;
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
        if (strcmp(a.kind, kinds[k].name) == 0)
            a.trained = kinds[k].trained, found = 1;
    a.paper = strcmp(a.kind, "gao2021") == 0 ? CLI_KERNEL_GAO2021
              : strcmp(a.kind, "ling2022") == 0 ? CLI_KERNEL_LING2022 : 0;
    if (!found && !a.paper) {
        deq_error_set(err, DEQ_ERR_INPUT,
                      "--kind: expected nngp, ntk-A, ntk-U, ntk-v, ntk, gao2021 or ling2022, got \"%s\"",
                      a.kind);
        return cli_usage_error("kernel", err->msg);
    }
    if (a.paper) {
        /* the papers' kernels are relu's and have no scales of the model's */
        static const char *const model_only[] = {"gamma", "activation", "sigma-u", "sigma-v"};
        for (size_t k = 0; k < sizeof model_only / sizeof *model_only; k++)
            if (cli_value(opts, model_only[k])) {
                deq_error_set(err, DEQ_ERR_INPUT, "--%s: not used by --kind %s (the paper's relu kernel)",
                              model_only[k], a.kind);
                return cli_usage_error("kernel", err->msg);
            }
        a.act = DEQ_ACT_RELU;
        a.gamma = "0";
    } else {
        static const char *const model_needs[] = {"gamma", "activation"};
        for (size_t k = 0; k < sizeof model_needs / sizeof *model_needs; k++)
            if (!cli_value(opts, model_needs[k])) {
                deq_error_set(err, DEQ_ERR_INPUT, "--%s is required for --kind %s", model_needs[k], a.kind);
                return cli_usage_error("kernel", err->msg);
            }
    }
    a.sigma_w2 = cli_value(opts, "sigma-w2");
    if (a.sigma_w2 && a.paper != CLI_KERNEL_LING2022) {
        deq_error_set(err, DEQ_ERR_INPUT, "--sigma-w2: only --kind ling2022 has it");
        return cli_usage_error("kernel", err->msg);
    }
    if (!a.sigma_w2)
        a.sigma_w2 = ling_sigma_w2_default();
    if (cli_decimal("sigma-w2", a.sigma_w2, err))
        return cli_usage_error("kernel", err->msg);
    double sw = strtod(a.sigma_w2, NULL);
    if (!(sw >= 0 && sw < 1)) {
        deq_error_set(err, DEQ_ERR_INPUT, "--sigma-w2: expected a value in [0, 1) (Definition 1's "
                      "recursion contracts by sigma_w^2), got %s", a.sigma_w2);
        return cli_usage_error("kernel", err->msg);
    }
    if (cli_decimal("gamma", a.gamma, err) || cli_decimal("sigma-u", a.sigma_u, err) ||
        cli_decimal("sigma-v", a.sigma_v, err) ||
        (!a.paper && cli_activation(&a.act, cli_value(opts, "activation"), err)) ||
        cli_backend_precision(&a.backend, &a.prec, cli_value(opts, "backend"),
                              cli_value(opts, "precision"), err) ||
        (a.out && cli_check_writable("out", a.out, err)) ||
        (a.json && cli_check_writable("json", a.json, err)))
        return cli_usage_error("kernel", err->msg);
    long d, n;
    if (cli_textmat_shape(&d, &n, a.X) == 0) {
        /* the fixed point's n×n matrices (Λ, Σ, Ṡ, the result and the NTK's
         * blocks, about 8) at the working precision and again in the
         * precision ladder at 2·max(p, 64) bits, plus the certificate's
         * Cholesky copies (2) */
        long ref = 2 * (a.prec > 64 ? a.prec : 64);
        double n2 = (double)n * (double)n, dn = (double)d * (double)n;
        double need = cli_entry_bytes(a.backend, a.prec) * (10.0 * n2 + 2.0 * dn) +
                      cli_entry_bytes(DEQ_BACKEND_MPFR, ref) * (8.0 * n2 + 2.0 * dn);
        char what[64];
        snprintf(what, sizeof what, "n = %ld inputs", n);
        if (cli_memory_check("kernel", what, need, cli_value(opts, "max-memory"), err))
            return cli_usage_error("kernel", err->msg);
    }
    return a.backend == DEQ_BACKEND_DOUBLE ? cli_kernel_run_d(&a) : cli_kernel_run_mp(&a);
}
