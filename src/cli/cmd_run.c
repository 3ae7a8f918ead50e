/* `deqcheck run`: the validation run. For now it is the well-posedness summary
 * of the equilibrium presets (THEOREMS T1.contraction, T1.error_bound and the
 * negative control), double and MPFR side by side, written as Markdown. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_version.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "data/checks.h"
#include "data/synthetic.h"
#include "deq/model.h"
#include "deq/problem.h"

typedef struct {
    const char *name;
    long widths[8];
    int n_widths;
    long d, n;
    int seeds;
    long mpfr_max_m; /* MPFR runs for widths up to this */
} run_profile;

static const run_profile profiles[] = {
    {"quick", {32, 64, 128}, 3, 8, 16, 2, 128},
    {"default", {64, 128, 256, 512, 1024}, 5, 16, 64, 3, 256},
};

typedef enum { V_HOLDS, V_VIOLATED, V_INCONCLUSIVE, V_NA, V_ERROR } verdict;
static const char *const verdict_names[] = {"HOLDS", "VIOLATED", "INCONCLUSIVE", "N/A", "ERROR"};

typedef struct {
    const deq_preset *preset;
    const char *gamma; /* decimal string used */
    long m, d, n;
    unsigned long seed;
    int negative_control;
    /* double */
    double rho_d;
    deq_solve_info_struct info_d;
    /* mpfr (when run) */
    int have_mp;
    double rho_mp;
    deq_solve_info_struct info_mp;
    double dist_dm;  /* max_i ‖z_d,i − z_mp,i‖₂ */
    double digits;   /* −log10(dist / max‖z_mp‖) */
    data_check_struct data;
    verdict v;
    char note[160];
} run_case;

/* Seed of one case: the run's seed mixed with the case coordinates, so every
 * case is reproducible on its own. */
static unsigned long case_seed(unsigned long seed, int preset, long m, int s)
{
    unsigned long h = seed * 1000003UL;
    h = (h ^ (unsigned long)preset) * 1000003UL;
    h = (h ^ (unsigned long)m) * 1000003UL;
    return (h ^ (unsigned long)s) & 0xffffffffUL;
}

static void run_one(run_case *c, long prec, const deq_solve_opts *opts)
{
    deq_rng_t rng;
    deq_rng_init(rng, c->seed);
    mat_d_t A, U, v, X;
    mat_init_d(A, c->m, c->m, 53);
    mat_init_d(U, c->m, c->d, 53);
    mat_init_d(v, c->m, 1, 53);
    mat_init_d(X, c->d, c->n, 53);
    deq_weights_draw(A, U, v, DEQ_INIT_GAUSSIAN, rng);
    data_sphere_points(X, rng);
    deq_rng_clear(rng);
    data_check_init(&c->data);
    data_check_hypotheses(&c->data, X, 4);

    char sigma_u[64];
    snprintf(sigma_u, sizeof sigma_u, "%.17g", deq_preset_sigma_u(c->preset, c->d));

    /* MPFR first, from exact copies of the double weights */
    mat_mp_t Zmp;
    if (c->have_mp) {
        mat_mp_t Am, Um, Xm;
        mat_init_mp(Am, c->m, c->m, prec);
        mat_init_mp(Um, c->m, c->d, prec);
        mat_init_mp(Xm, c->d, c->n, prec);
        mat_set_mat_d_mp(Am, A);
        mat_set_mat_d_mp(Um, U);
        mat_set_mat_d_mp(Xm, X);
        deq_problem_mp_t P;
        deq_problem_init_mp(P, Am, Um, Xm, c->gamma, sigma_u, c->preset->act, 1, prec);
        c->rho_mp = P->fp.rho_upper;
        mat_init_mp(Zmp, c->m, c->n, prec);
        deq_solve_info_init(&c->info_mp);
        deq_forward_solve_mp(Zmp, &c->info_mp, &P->fp, opts, prec);
        deq_problem_clear_mp(P);
    }

    deq_problem_d_t P;
    deq_problem_init_d(P, A, U, X, c->gamma, sigma_u, c->preset->act, 1, 53);
    c->rho_d = P->fp.rho_upper;
    mat_d_t Z;
    mat_init_d(Z, c->m, c->n, 53);
    deq_solve_info_init(&c->info_d);
    deq_forward_solve_d(Z, &c->info_d, &P->fp, opts, 53);
    deq_problem_clear_d(P);
    mat_clear_d(v);

    c->dist_dm = c->digits = NAN;
    if (c->have_mp) {
        mat_mp_t Zd;
        mat_init_mp(Zd, c->m, c->n, prec);
        mat_set_mat_d_mp(Zd, Z);
        c->dist_dm = mat_max_col_dist_mp(Zd, Zmp, prec);
        double zn = mat_max_col_norm_mp(Zmp, prec);
        c->digits = c->dist_dm == 0 ? 16.0 : -log10(c->dist_dm / zn);
        mat_clear_mp(Zd);
        mat_clear_mp(Zmp);
    }
    mat_clear_d(Z);
}

/* Verdict of a case (THEOREMS §4, T1): N/A without a certificate (the negative
 * control must land here); ERROR when a certified contraction did not converge
 * (Banach guarantees convergence); VIOLATED when the double and MPFR equilibria
 * are farther apart than their two rigorous bounds allow, since both bound the
 * distance to the same exact equilibrium. */
static void judge(run_case *c)
{
    const deq_solve_info_struct *d = &c->info_d;
    if (!d->certified) {
        c->v = V_NA;
        snprintf(c->note, sizeof c->note, "rho_bar >= 1: no certificate; solver %s",
                 deq_outcome_name(d->outcome));
        return;
    }
    if (c->negative_control) {
        c->v = V_VIOLATED;
        snprintf(c->note, sizeof c->note, "negative control was certified");
        return;
    }
    if (d->outcome != DEQ_CONVERGED || (c->have_mp && c->info_mp.outcome != DEQ_CONVERGED)) {
        c->v = V_ERROR;
        snprintf(c->note, sizeof c->note, "certified contraction but solver %s",
                 deq_outcome_name(d->outcome != DEQ_CONVERGED ? d->outcome : c->info_mp.outcome));
        return;
    }
    if (c->have_mp && !(c->dist_dm <= d->err_bound + c->info_mp.err_bound)) {
        c->v = V_VIOLATED;
        snprintf(c->note, sizeof c->note, "|z_double - z_mpfr| exceeds the sum of both bounds");
        return;
    }
    c->v = V_HOLDS;
    c->note[0] = '\0';
}

static void run_help(FILE *f)
{
    fprintf(f,
"Usage: deqcheck run [well-posedness] [--profile quick|default] [--preset NAME]...\n"
"                    [--seed S] [--precision BITS] [--report FILE.md]\n"
"\n"
"The validation run. Each case draws a network (weights N(0,1) in double, the same\n"
"exact weights in MPFR) and unit-norm synthetic inputs, then checks well-posedness\n"
"(THEOREMS T1): the certified contraction bound rho_bar = L*alpha_A*||A||_2 < 1, the\n"
"convergence of the equilibrium solve in double and in MPFR, and that the two\n"
"equilibria lie within the sum of their rigorous error bounds. A negative control\n"
"(gamma = 2, rho_bar near 4) must be reported without a certificate.\n"
"\n"
"  --profile P        quick (widths 32..128, n=16, 2 seeds) or default (widths\n"
"                     64..1024, n=64, 3 seeds; MPFR for widths <= 256)\n"
"  --preset NAME      repeatable; default: every equilibrium preset (%s)\n"
"  --seed S           run seed (default 1); each case derives its own from it\n"
"  --precision BITS   MPFR precision, %d..%d (default %d)\n"
"  --report FILE      Markdown report (default reports/deqcheck-report.md)\n"
"\n"
"Exit status: 0 nothing VIOLATED or ERROR; 1 otherwise; 2 bad usage.\n",
            deq_preset_list(), DEQ_PREC_MIN, DEQ_PREC_MAX, DEQ_PREC_DEFAULT);
}

static void ensure_parent_dir(const char *path)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        mkdir(dir, 0777); /* an existing directory is fine; other failures show at fopen */
    }
}

static void write_report(FILE *f, const run_profile *prof, unsigned long seed, long prec,
                         const deq_solve_opts *opts, run_case *cases, int ncases)
{
    int counts[5] = {0};
    for (int k = 0; k < ncases; k++)
        counts[cases[k].v]++;
    fprintf(f, "# deqcheck report: well-posedness\n\n");
    fprintf(f, "## Summary\n\n");
    fprintf(f, "| check | source | kind | HOLDS | VIOLATED | INCONCLUSIVE | N/A | ERROR |\n");
    fprintf(f, "|---|---|---|---|---|---|---|---|\n");
    fprintf(f, "| T1.contraction + T1.error_bound | gao2021, truong2023 | exact | %d | %d | %d | %d | %d |\n\n",
            counts[V_HOLDS], counts[V_VIOLATED], counts[V_INCONCLUSIVE], counts[V_NA], counts[V_ERROR]);
    fprintf(f, "Environment: deqcheck %s, GSL %s, MPFR %s, BLAS OpenBLAS; profile `%s`, seed %lu, "
               "MPFR precision %ld bits, MPFR cases for m <= %ld.\n\n",
            DEQCHECK_VERSION, GSL_VERSION, mpfr_get_version(), prof->name, seed, prec,
            prof->mpfr_max_m);
    fprintf(f, "## T1 well-posedness\n\n");
    fprintf(f, "Asserted (exact): rho_bar := L * alpha_A * ||A||_2^+ < 1 with alpha_A = gamma/sqrt(m) and "
               "||A||_2^+ a guaranteed upper bound (Cholesky certificate of t I - A^T A with a rigorous "
               "rounding allowance). Then the equilibrium exists and is unique, and every returned "
               "equilibrium z satisfies ||z - z*|| <= (rho_bar s + e)/(1 - rho_bar) with s the last "
               "step and e a rigorous bound on the rounding of one evaluation. Independent check: "
               "||z_double - z_mpfr|| <= bound_double + bound_mpfr.\n\n");
    fprintf(f, "Constants: gamma per preset (defaults, not paper constants), sigma_u per preset, "
               "weights N(0,1), inputs uniform on the unit sphere (d = %ld, n = %ld). Solver: %s "
               "(depth %d), tolerance 8 sqrt(m) u (derived), Newton polishing in MPFR.\n\n",
            prof->d, prof->n, deq_solver_name(opts->solver), opts->depth);
    fprintf(f, "| preset | act | gamma | m | seed | data ok | rho_bar (double) | rho_bar (mpfr) | "
               "iters double | bound double | iters mpfr | bound mpfr | dist d-mp | digits | verdict | note |\n");
    fprintf(f, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (int k = 0; k < ncases; k++) {
        run_case *c = &cases[k];
        fprintf(f, "| %s%s | %s | %s | %ld | %lu | %s | %.6f | ", c->preset->name,
                c->negative_control ? " (neg. control)" : "", deq_act_name(c->preset->act),
                c->gamma, c->m, c->seed, c->data.unit_norm_ok && c->data.no_parallel_ok ? "yes" : "NO",
                c->rho_d);
        if (c->have_mp)
            fprintf(f, "%.6f | ", c->rho_mp);
        else
            fprintf(f, "- | ");
        fprintf(f, "%ld (%s) | %.2e | ", c->info_d.iterations, deq_outcome_name(c->info_d.outcome),
                c->info_d.err_bound);
        if (c->have_mp)
            fprintf(f, "%ld+%ldN (%s) | %.2e | %.2e | %.1f | ", c->info_mp.iterations,
                    c->info_mp.newton_steps, deq_outcome_name(c->info_mp.outcome),
                    c->info_mp.err_bound, c->dist_dm, c->digits);
        else
            fprintf(f, "- | - | - | - | ");
        fprintf(f, "%s | %s |\n", verdict_names[c->v], c->note);
    }
    fprintf(f, "\nData hypotheses (THEOREMS §1) are checked per case: unit norm within the stated "
               "tolerance and no two inputs parallel; 'data ok' reports both.\n");
}

int cli_cmd_run(int argc, char **argv)
{
    cli_opt opts[] = {{"profile", 1, NULL}, {"preset", 1, NULL},  {"seed", 1, NULL},
                      {"precision", 1, NULL}, {"report", 1, NULL}, {NULL, 0, NULL}};
    deq_error_t err;
    deq_error_init(err);
    const char *pos[4];
    int npos, help;
    if (cli_parse(opts, pos, 4, &npos, &help, argc, argv, 2, err) != DEQ_OK) {
        fprintf(stderr, "deqcheck run: %s\n", err->msg);
        return CLI_EXIT_USAGE;
    }
    if (help) {
        run_help(stdout);
        return CLI_EXIT_OK;
    }
    for (int k = 0; k < npos; k++)
        if (strcmp(pos[k], "well-posedness") != 0) {
            fprintf(stderr, "deqcheck run: %s: unknown or not yet available check family "
                            "(available: well-posedness)\n", pos[k]);
            return CLI_EXIT_USAGE;
        }
    const run_profile *prof = &profiles[0];
    const char *pv = cli_value(opts, "profile");
    if (pv) {
        prof = NULL;
        for (size_t k = 0; k < sizeof profiles / sizeof *profiles; k++)
            if (strcmp(profiles[k].name, pv) == 0)
                prof = &profiles[k];
        if (!prof) {
            fprintf(stderr, "deqcheck run: --profile: expected quick or default, got \"%s\"\n", pv);
            return CLI_EXIT_USAGE;
        }
    }
    long seed = 1, prec = DEQ_PREC_DEFAULT;
    const char *v;
    if (((v = cli_value(opts, "seed")) && cli_long_in(&seed, "seed", v, 0, 4294967295L, err)) ||
        ((v = cli_value(opts, "precision")) &&
         cli_long_in(&prec, "precision", v, DEQ_PREC_MIN, DEQ_PREC_MAX, err))) {
        fprintf(stderr, "deqcheck run: %s\n", err->msg);
        return CLI_EXIT_USAGE;
    }
    const deq_preset *selected[8] = {NULL};
    int nsel = 0;
    const char *pname = cli_value(opts, "preset");
    if (pname) {
        const deq_preset *p = deq_preset_find(pname);
        if (!p || p->family != DEQ_FAMILY_EQUILIBRIUM) {
            fprintf(stderr, "deqcheck run: --preset: \"%s\" is not an equilibrium preset (%s)\n",
                    pname, "gao2021, gaogao2022, ling2022, truong2023");
            return CLI_EXIT_USAGE;
        }
        selected[nsel++] = p;
    } else {
        for (int k = 0; k < deq_preset_count; k++)
            if (deq_presets[k].family == DEQ_FAMILY_EQUILIBRIUM)
                selected[nsel++] = &deq_presets[k];
    }
    const char *report = cli_value(opts, "report") ? cli_value(opts, "report")
                                                   : "reports/deqcheck-report.md";

    deq_solve_opts so;
    deq_solve_opts_default(&so);
    int ncases = nsel * prof->n_widths * prof->seeds + 1;
    run_case *cases = deq_calloc((size_t)ncases, sizeof *cases);
    int k = 0;
    for (int p = 0; p < nsel; p++) {
        for (int w = 0; w < prof->n_widths; w++)
            for (int s = 0; s < prof->seeds; s++) {
                run_case *c = &cases[k++];
                c->preset = selected[p];
                c->gamma = selected[p]->gamma;
                c->m = prof->widths[w];
                c->d = prof->d;
                c->n = prof->n;
                c->seed = case_seed((unsigned long)seed, p, c->m, s);
                c->have_mp = c->m <= prof->mpfr_max_m;
            }
    }
    /* negative control: γ = 2 makes ρ̄ ≈ 2γL = 4 */
    run_case *neg = &cases[k++];
    neg->preset = selected[0];
    neg->gamma = "2";
    neg->m = prof->widths[0];
    neg->d = prof->d;
    neg->n = prof->n;
    neg->seed = case_seed((unsigned long)seed, 99, neg->m, 0);
    neg->negative_control = 1;
    int interactive = isatty(fileno(stderr));
    for (int q = 0; q < ncases; q++) {
        run_case *c = &cases[q];
        if (interactive)
            fprintf(stderr, "\rdeqcheck run: case %d/%d (%s, m=%ld)   ", q + 1, ncases,
                    c->preset->name, c->m);
        deq_solve_opts o = so;
        if (c->negative_control) /* enough to show what the solver does without a contraction */
            o.max_iter = 200;
        run_one(c, prec, &o);
        judge(c);
    }
    if (interactive)
        fprintf(stderr, "\n");

    ensure_parent_dir(report);
    FILE *f = fopen(report, "w");
    if (!f) {
        fprintf(stderr, "deqcheck run: --report %s: cannot create: %s\n", report, strerror(errno));
        free(cases);
        return CLI_EXIT_USAGE;
    }
    write_report(f, prof, (unsigned long)seed, prec, &so, cases, ncases);
    fclose(f);

    int bad = 0, counts[5] = {0};
    for (int q = 0; q < ncases; q++) {
        counts[cases[q].v]++;
        bad |= cases[q].v == V_VIOLATED || cases[q].v == V_ERROR;
        deq_solve_info_clear(&cases[q].info_d);
        deq_solve_info_clear(&cases[q].info_mp);
        data_check_clear(&cases[q].data);
    }
    printf("well-posedness: %d HOLDS, %d VIOLATED, %d INCONCLUSIVE, %d N/A, %d ERROR; report: %s\n",
           counts[V_HOLDS], counts[V_VIOLATED], counts[V_INCONCLUSIVE], counts[V_NA],
           counts[V_ERROR], report);
    free(cases);
    return bad ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
