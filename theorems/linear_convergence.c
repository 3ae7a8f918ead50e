/* T3: gradient descent converges at a linear rate (THEOREMS §4, T3), and the
 * training-time parts of T1 and T2 checked on the same GD runs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/synthetic.h"
#include "deq/train.h"
#include "num/bound.h"
#include "theorems/linear_convergence_kawaguchi.h"
#include "theorems/theorem.h"

enum {
    C_GRADIENT, C_PL_STEP, C_RATE, C_LAZY, C_NEGATIVE, C_T1_TRAINING, C_T2_TRAINING,
    C_LINEAR_PL, C_LINEAR_RATE, C_TRUST_REGION
};

static const thm_check t3_checks[] = {
    [C_GRADIENT] = {"T3.gradient", "gao2021", THM_EXACT,
                    "implicit gradients (adjoint) = central finite differences at 2p bits to >= p/2 "
                    "bits (lhs = required digits, rhs = observed); double gradients agree with "
                    "MPFR ones to the derived tolerance"},
    [C_PL_STEP] = {"T3.pl_step", "gao2021", THM_EXACT,
                   "at every recorded GD step ||grad_theta L||^2 >= 2 lambda_min(G(theta)) L(theta) "
                   "(grad L = J^T r, G = J J^T); lhs = 2 lambda_min L, rhs = ||grad L||^2 + tolerance "
                   "at the tightest step"},
    [C_RATE] = {"T3.rate", "gao2021", THM_ASYMPTOTIC,
                "with eta = 1/lambda_max(H^inf): L(k) <= (1 - eta lambda_0/2)^k L(0) for all k <= K "
                "(lhs = max_k L(k) / predicted, rhs = 1); VIOLATED only at the largest width of the "
                "sweep (widths up to 512), below it INCONCLUSIVE"},
    [C_LAZY] = {"T3.lazy", "gao2021", THM_ASYMPTOTIC,
                "||theta(k) - theta(0)|| per group <= R = sqrt(n) ||r(0)|| / lambda_0 (lhs = the "
                "largest group distance over the run, rhs = R); the relative change shrinks with m"},
    [C_NEGATIVE] = {"T3.negative_control", "gao2021", THM_EXACT,
                    "with eta = 4/min(lambda_max(H^inf), lambda_max(G(0))) (twice the stability "
                    "limit of the network actually trained) the rate bound must fail; the row HOLDS "
                    "when the failure is detected and shows what the loss did"},
    [C_T1_TRAINING] = {"T1.training", "gao2021", THM_ASYMPTOTIC,
                       "along every GD run rho_bar(A(k)) < 1 at every step (lhs = max_k rho_bar, rhs "
                       "= 1); the growth max_k rho_bar - rho_bar(0) is reported per width"},
    [C_T2_TRAINING] = {"T2.training", "gao2021", THM_ASYMPTOTIC,
                       "lambda_min(G(k)) >= lambda_0/2 along the GD runs (lhs = lambda_0/2, rhs = "
                       "min_k lambda_min(G(k)))"},
    [C_LINEAR_PL] = {"T3.linear_pl", "kawaguchi2021", THM_EXACT,
                     "||grad_B L||_F^2 >= 2 sigma_min(U)^2 sigma+(X)^2 (L - L*) at every iterate"},
    [C_LINEAR_RATE] = {"T3.linear_rate", "kawaguchi2021", THM_EXACT,
                       "for every step with sufficient decrease, L(k+1) - L* <= (1 - eta "
                       "sigma_min(U_k)^2 sigma+(X)^2)(L(k) - L*)"},
    [C_TRUST_REGION] = {"T3.trust_region", "kawaguchi2021", THM_EXACT,
                        "<vec W', -vec grad L~> >= sigma_min(U)^2 ||grad L~||^2 along training"},
};

/* The presets whose rate is checked (THEOREMS T3: all-layers and A-only). */
/* GD runs cost about (forward + adjoint iterations)·2m²n flops per step; the
 * sweep stops at this width to keep the default profile near its 10-minute
 * budget on 2 cores (m = 1024 alone would take several minutes). */
#define T3_MAX_WIDTH 512
static const char *const rate_presets[] = {"gao2021", "gaogao2022"};

static void row_setup(thm_row *r, const char *preset, long m, long n, unsigned long seed,
                      const char *data, const char *backend)
{
    snprintf(r->preset, sizeof r->preset, "%s", preset);
    r->width = m;
    r->n = n;
    r->seed = seed;
    snprintf(r->data, sizeof r->data, "%s", data);
    snprintf(r->backend, sizeof r->backend, "%s", backend);
}

/* Training data shared by every width and seed of a preset: points on the
 * sphere with a smooth target. */
static void make_data(mat_d_t X, mat_d_t y, long d, long n, unsigned long seed)
{
    deq_rng_t rng;
    deq_rng_init(rng, seed);
    mat_init_d(X, d, n, 53);
    mat_init_d(y, n, 1, 53);
    data_sphere_points(X, rng);
    data_smooth_target(y, X, rng);
    deq_rng_clear(rng);
}

/* One GD run of the preset at width m from weights of `seed`, in double or
 * MPFR at prec, recording λ_min(G) every `gram_every` steps. */
static void run_gd(deq_train_log_t log, const deq_preset *pre, const mat_d_t Xd, const mat_d_t yd,
                   long m, unsigned long seed, double lr, long steps, long gram_every, long prec)
{
    long d = Xd->rows, n = Xd->cols;
    mat_d_t Ad, Ud, vd;
    thm_network_draw(Ad, Ud, vd, m, d, seed);
    char su[40];
    thm_sigma_u_string(su, sizeof su, pre, d);
    deq_train_opts to = {steps, lr, pre->trained, gram_every, 0};
    deq_solve_opts so;
    deq_solve_opts_default(&so);
    deq_train_log_init(log);
    if (prec == 53) {
        mat_d_t A, U, X;
        mat_init_d(A, m, m, 53), mat_init_d(U, m, d, 53), mat_init_d(X, d, n, 53);
        mat_set_d(A, Ad), mat_set_d(U, Ud), mat_set_d(X, Xd);
        deq_problem_d_t P;
        deq_problem_init_d(P, A, U, X, pre->gamma, su, pre->act, 1, 53);
        double av = 1 / sqrt((double)m);
        deq_train_d(log, P, vd, yd, &av, &to, &so, 53);
        deq_problem_clear_d(P);
    } else {
        mat_mp_t A, U, X, v, y;
        mat_init_mp(A, m, m, prec), mat_init_mp(U, m, d, prec), mat_init_mp(X, d, n, prec),
            mat_init_mp(v, m, 1, prec), mat_init_mp(y, n, 1, prec);
        mat_set_mat_d_mp(A, Ad), mat_set_mat_d_mp(U, Ud), mat_set_mat_d_mp(X, Xd),
            mat_set_mat_d_mp(v, vd), mat_set_mat_d_mp(y, yd);
        deq_problem_mp_t P;
        deq_problem_init_mp(P, A, U, X, pre->gamma, su, pre->act, 1, prec);
        mpfr_t av;
        mpfr_init2(av, prec);
        mpfr_set_ui(av, (unsigned long)m, MPFR_RNDN);
        mpfr_rec_sqrt(av, av, MPFR_RNDN);
        deq_train_mp(log, P, v, y, av, &to, &so, prec);
        mpfr_clear(av);
        mat_clear_mp(v), mat_clear_mp(y);
        deq_problem_clear_mp(P);
    }
    mat_clear_d(Ad), mat_clear_d(Ud), mat_clear_d(vd);
}

/* T3.pl_step on one run: the tightest recorded step. The inequality is an
 * identity-level fact (‖Jᵀr‖² >= λ_min(JJᵀ)‖r‖²); the computed sides carry
 * the solves' relative error, amplified at most 1/(1 − ρ̄)² through J, and
 * the products' rounding: tolerance 8·(m + n)·u·(lhs + rhs)/(1 − ρ̄)². */
static void add_pl_step(thm_results_t out, const deq_train_log_t log, const deq_preset *pre,
                        long m, long n, unsigned long seed, const char *backend, long prec)
{
    thm_row *r = thm_results_add(out, &t3_checks[C_PL_STEP]);
    row_setup(r, pre->name, m, n, seed, "GD run", backend);
    double u = ldexp(1.0, -(int)prec), worst = INFINITY;
    long at = -1, checked = 0;
    for (long k = 0; k < log->len; k++) {
        const deq_train_step *s = &log->steps[k];
        if (isnan(s->lam_min) || isnan(s->loss))
            continue;
        double lhs = 2 * s->lam_min * s->loss, rhs = s->grad_norm2;
        double amp = 1 / ((1 - s->rho_upper) * (1 - s->rho_upper));
        double tol = 8.0 * (double)(m + n) * u * (fabs(lhs) + rhs) * amp;
        double margin = rhs + tol - lhs;
        checked++;
        if (margin < worst || isnan(margin)) {
            worst = margin, at = k;
            r->lhs = lhs, r->rhs = rhs + tol, r->tolerance = tol, r->margin = margin;
        }
    }
    if (log->outcome != DEQ_TRAIN_OK) {
        r->verdict = THM_ERROR;
        snprintf(r->note, sizeof r->note, "run ended: %s", deq_train_outcome_name(log->outcome));
    } else if (checked == 0) {
        r->verdict = THM_INCONCLUSIVE;
        snprintf(r->note, sizeof r->note, "no step with lambda_min(G) recorded");
    } else {
        r->verdict = worst >= 0 ? THM_HOLDS : THM_VIOLATED;
        snprintf(r->note, sizeof r->note, "%ld recorded steps; tightest at step %ld", checked, at);
    }
}

/* Rate, lazy, T1.training, T2.training on the runs of one width. */
typedef struct {
    long m;
    int seeds, rate_ok;
    double worst_ratio;   /* max over seeds and steps of L(k)/predicted */
    double rate_emp;      /* mean empirical per-step factor (L(K)/L(0))^(1/K) */
    double rho_growth;    /* max over seeds of max_k ρ̄ − ρ̄(0) */
} width_summary;

/* The loss trajectory of one run against the predicted rate L(0)·q^k, both
 * relative to L(0), for the report's plot. */
static void add_loss_series(thm_results_t out, const deq_train_log_t log, const deq_preset *pre,
                            long m, double q)
{
    char label[96];
    snprintf(label, sizeof label, "%s m=%ld: L(k)/L(0)", pre->name, m);
    thm_series *L = thm_results_add_series(out, THM_PLOT_LOSS_RATE, label, log->len);
    snprintf(label, sizeof label, "%s: predicted (1 - eta lambda_0/2)^k, q = %.5f", pre->name, q);
    thm_series *P = thm_results_add_series(out, THM_PLOT_LOSS_RATE, label, log->len);
    for (long k = 0; k < log->len; k++) {
        L->x[k] = P->x[k] = (double)k;
        L->y[k] = log->steps[k].loss / log->steps[0].loss;
        P->y[k] = pow(q, (double)k);
    }
}

static void run_rate_family(thm_results_t out, const thm_config *cfg, int negative)
{
    long steps = cfg->n_widths > 3 ? 60 : 40;
    int n_widths = 0;
    while (n_widths < cfg->n_widths && cfg->widths[n_widths] <= T3_MAX_WIDTH)
        n_widths++;
    for (size_t p = 0; p < sizeof rate_presets / sizeof *rate_presets; p++) {
        if (!thm_sub_selected(cfg, (int)p))
            continue;
        const deq_preset *pre = deq_preset_find(rate_presets[p]);
        unsigned long dseed = thm_case_seed(cfg->seed, 600 + (unsigned long)p, 0, 0);
        mat_d_t X, y;
        make_data(X, y, cfg->d, cfg->n, dseed);
        long n = cfg->n;
        mat_mp_t Hm;
        mat_init_mp(Hm, n, n, 53);
        num_eig_bounds_t eb;
        double qe;
        char why[64];
        kernel_outcome ko = thm_population_ntk(Hm, eb, &qe, pre, X, 53, why, sizeof why);
        mat_clear_mp(Hm);
        if (ko != KERNEL_CONVERGED) {
            thm_row *r = thm_results_add(out, &t3_checks[negative ? C_NEGATIVE : C_RATE]);
            row_setup(r, pre->name, -1, n, dseed, "H^inf", "double");
            r->verdict = THM_ERROR;
            snprintf(r->note, sizeof r->note, "H^inf: %s", why);
            mat_clear_d(X), mat_clear_d(y);
            continue;
        }
        double lam0 = eb->approx_min, lmax = eb->approx_max;
        double eta = (negative ? 4.0 : 1.0) / lmax;
        double q = 1 - eta * lam0 / 2;
        if (negative) {
            /* one run at the smallest width is enough to show the failure; at finite
             * width λ_max(G(0)) can be far below λ_max(H^∞), so the step is set
             * against the smaller of the two: unstable for this very network */
            long m = cfg->widths[0];
            unsigned long seed = thm_case_seed(cfg->seed, 650 + (unsigned long)p, (unsigned long)m, 0);
            deq_train_log_t probe;
            run_gd(probe, pre, X, y, m, seed, eta, 0, 1, 53);
            double lmax_g = probe->len > 0 ? probe->steps[0].lam_max : NAN;
            deq_train_log_clear(probe);
            if (lmax_g > 0 && lmax_g < lmax)
                eta = 4.0 / lmax_g;
            q = 1 - eta * lam0 / 2;
            deq_train_log_t log;
            run_gd(log, pre, X, y, m, seed, eta, steps, 0, 53);
            double worst = 0;
            long at = 0;
            for (long k = 1; k < log->len; k++) {
                double ratio = log->steps[k].loss / (pow(q, (double)k) * log->steps[0].loss);
                if (!(ratio <= worst))
                    worst = ratio, at = k;
            }
            thm_row *r = thm_results_add(out, &t3_checks[C_NEGATIVE]);
            row_setup(r, pre->name, m, n, seed, "eta = 4/lambda_max", "double");
            r->lhs = worst;
            r->rhs = 1;
            r->margin = r->rhs - r->lhs;
            r->tolerance = 0;
            int caught = !(worst <= 1) || log->outcome != DEQ_TRAIN_OK;
            r->verdict = caught ? THM_HOLDS : THM_VIOLATED;
            snprintf(r->note, sizeof r->note,
                     "eta = %.4g (lambda_max: H^inf %.4g, G(0) %.4g): rate bound %s (worst ratio "
                     "%.3g at step %ld); run %s, final loss %.3g",
                     eta, lmax, lmax_g, caught ? "fails as it must" : "HELD (defect)", worst, at,
                     deq_train_outcome_name(log->outcome), log->steps[log->len - 1].loss);
            deq_train_log_clear(log);
            mat_clear_d(X), mat_clear_d(y);
            continue;
        }
        long smallest_ok = -1;
        for (int w = 0; w < n_widths; w++) {
            long m = cfg->widths[w];
            width_summary ws = {m, 0, 0, 0, 0, 0};
            double lam_min_run = INFINITY, rho_max = 0, lazy_worst = 0, lazy_R = 0, rel_change = 0;
            int errors = 0;
            for (int s = 0; s < cfg->seeds; s++) {
                unsigned long seed = thm_case_seed(cfg->seed, 610 + (unsigned long)p, (unsigned long)m,
                                                   (unsigned long)s);
                deq_train_log_t log;
                run_gd(log, pre, X, y, m, seed, eta, steps, steps / 4, 53);
                ws.seeds++;
                if (log->outcome != DEQ_TRAIN_OK) {
                    errors++;
                    deq_train_log_clear(log);
                    continue;
                }
                double worst = 0;
                for (long k = 0; k < log->len; k++) {
                    double ratio = log->steps[k].loss / (pow(q, (double)k) * log->steps[0].loss);
                    if (k > 0) /* k = 0 is 1 by construction */
                        worst = fmax(worst, ratio);
                    rho_max = fmax(rho_max, log->steps[k].rho_upper);
                    ws.rho_growth = fmax(ws.rho_growth, log->steps[k].rho_upper - log->steps[0].rho_upper);
                    if (!isnan(log->steps[k].lam_min))
                        lam_min_run = fmin(lam_min_run, log->steps[k].lam_min);
                    double dmax = fmax(log->steps[k].dA, fmax(log->steps[k].dU, log->steps[k].dv));
                    lazy_worst = fmax(lazy_worst, dmax);
                }
                /* R = √n‖r(0)‖/λ₀ with ‖r(0)‖ = √(2L(0)) */
                lazy_R = fmax(lazy_R, sqrt((double)n) * sqrt(2 * log->steps[0].loss) / lam0);
                rel_change = fmax(rel_change, log->steps[log->len - 1].dA / sqrt((double)m * m));
                ws.worst_ratio = fmax(ws.worst_ratio, worst);
                ws.rate_ok += worst <= 1;
                ws.rate_emp += pow(log->steps[log->len - 1].loss / log->steps[0].loss,
                                   1.0 / (double)(log->len - 1)) / cfg->seeds;
                if (w == 0 && s == 0)
                    add_pl_step(out, log, pre, m, n, seed, "double", 53);
                if (w == n_widths - 1 && s == 0)
                    add_loss_series(out, log, pre, m, q);
                deq_train_log_clear(log);
            }
            int last = w == n_widths - 1;
            thm_row *r = thm_results_add(out, &t3_checks[C_RATE]);
            char data[64];
            snprintf(data, sizeof data, "%d of %d seeds hold", ws.rate_ok, ws.seeds);
            row_setup(r, pre->name, m, n, dseed, data, "double");
            r->lhs = ws.worst_ratio;
            r->rhs = 1;
            r->margin = 1 - ws.worst_ratio;
            r->tolerance = 0;
            int all = ws.rate_ok == ws.seeds && errors == 0;
            if (all && smallest_ok < 0)
                smallest_ok = m;
            r->verdict = errors ? THM_ERROR : all ? THM_HOLDS : last ? THM_VIOLATED : THM_INCONCLUSIVE;
            snprintf(r->note, sizeof r->note,
                     "eta = 1/lambda_max = %.4g, lambda_0 = %.4g: predicted factor %.5f, empirical "
                     "%.5f per step over %ld steps%s",
                     eta, lam0, q, ws.rate_emp, steps,
                     last ? (smallest_ok > 0 ? "; all seeds hold from the width in the rows above" : "") : "");
            thm_row *l = thm_results_add(out, &t3_checks[C_LAZY]);
            row_setup(l, pre->name, m, n, dseed, "max group distance", "double");
            l->lhs = lazy_worst;
            l->rhs = lazy_R;
            l->margin = lazy_R - lazy_worst;
            l->tolerance = 0;
            l->verdict = errors ? THM_ERROR : lazy_worst <= lazy_R ? THM_HOLDS
                         : last ? THM_VIOLATED : THM_INCONCLUSIVE;
            snprintf(l->note, sizeof l->note,
                     "R = sqrt(n)||r(0)||/lambda_0 (constant 1, a default); ||A(K)-A(0)||_F/m = %.3g "
                     "(relative change)", rel_change);
            thm_row *t1 = thm_results_add(out, &t3_checks[C_T1_TRAINING]);
            row_setup(t1, pre->name, m, n, dseed, "max over the runs", "double");
            t1->lhs = rho_max;
            t1->rhs = 1;
            t1->margin = 1 - rho_max;
            t1->tolerance = 0;
            t1->verdict = errors ? THM_ERROR : rho_max < 1 ? THM_HOLDS : last ? THM_VIOLATED
                                                                             : THM_INCONCLUSIVE;
            snprintf(t1->note, sizeof t1->note, "growth max_k rho_bar(k) - rho_bar(0) = %.3g",
                     ws.rho_growth);
            thm_row *t2 = thm_results_add(out, &t3_checks[C_T2_TRAINING]);
            row_setup(t2, pre->name, m, n, dseed, "min over the runs", "double");
            t2->lhs = lam0 / 2;
            t2->rhs = lam_min_run;
            t2->margin = lam_min_run - lam0 / 2;
            t2->tolerance = 0;
            t2->verdict = errors ? THM_ERROR : lam_min_run >= lam0 / 2 ? THM_HOLDS
                          : last ? THM_VIOLATED : THM_INCONCLUSIVE;
            snprintf(t2->note, sizeof t2->note, "lambda_min(G(k)) every %ld steps", steps / 4);
        }
        mat_clear_d(X), mat_clear_d(y);
    }
}

/* T3.pl_step in MPFR on the smallest width (a short run). */
static void run_pl_mpfr(thm_results_t out, const thm_config *cfg)
{
    const deq_preset *pre = deq_preset_find("gao2021");
    unsigned long dseed = thm_case_seed(cfg->seed, 700, 0, 0);
    long n = cfg->n < 16 ? cfg->n : 16, m = cfg->widths[0];
    mat_d_t X, y;
    make_data(X, y, cfg->d, n, dseed);
    unsigned long seed = thm_case_seed(cfg->seed, 701, (unsigned long)m, 0);
    char lab[16];
    thm_backend_label(lab, sizeof lab, 1, cfg->prec);
    deq_train_log_t log;
    run_gd(log, pre, X, y, m, seed, 0.05, 8, 1, cfg->prec);
    add_pl_step(out, log, pre, m, n, seed, lab, cfg->prec);
    deq_train_log_clear(log);
    mat_clear_d(X), mat_clear_d(y);
}

/* T3.gradient: adjoint gradient at p bits vs central differences at 2p bits
 * (h = 2^{-p/2}: truncation O(h²) = 2^{-p}, rounding O(2^{-2p}/h) = 2^{-3p/2}),
 * and the double gradient against the MPFR one. */
static void run_gradient(thm_results_t out, const thm_config *cfg)
{
    const deq_preset *pre = deq_preset_find("gao2021");
    long m = 6, d = 3, n = 3, p = cfg->prec, p2 = 2 * cfg->prec;
    unsigned long seed = thm_case_seed(cfg->seed, 800, 0, 0);
    deq_rng_t rng;
    deq_rng_init(rng, seed);
    mat_d_t Ad, Ud, vd, Xd, yd;
    mat_init_d(Ad, m, m, 53), mat_init_d(Ud, m, d, 53), mat_init_d(vd, m, 1, 53);
    deq_weights_draw(Ad, Ud, vd, DEQ_INIT_GAUSSIAN, rng);
    mat_init_d(Xd, d, n, 53), mat_init_d(yd, n, 1, 53);
    data_sphere_points(Xd, rng);
    data_smooth_target(yd, Xd, rng);
    deq_rng_clear(rng);
    deq_act acts[] = {DEQ_ACT_RELU, DEQ_ACT_TANH};
    for (int ai = 0; ai < 2; ai++) {
        /* loss at 2p bits as a function of one perturbed parameter */
        mpfr_t h, lp, lm, av, fdv;
        mpfr_inits2(p2, h, lp, lm, av, fdv, (mpfr_ptr)0);
        mpfr_set_ui_2exp(h, 1, -(p / 2), MPFR_RNDN);
        mpfr_set_ui(av, (unsigned long)m, MPFR_RNDN);
        mpfr_rec_sqrt(av, av, MPFR_RNDN);
        /* gradients at p bits and in double */
        mat_mp_t gAp, gd;
        mat_init_mp(gAp, m, m, p), mat_init_mp(gd, m, m, p2);
        double dig_dm = NAN;
        for (int b = 0; b < 2; b++) {
            long prec = b ? p : 53;
            mat_mp_t A, U, X, v, y, Z, W, gA;
            mat_init_mp(A, m, m, prec), mat_init_mp(U, m, d, prec), mat_init_mp(X, d, n, prec),
                mat_init_mp(v, m, 1, prec), mat_init_mp(y, n, 1, prec), mat_init_mp(Z, m, n, prec),
                mat_init_mp(W, m, n, prec), mat_init_mp(gA, m, m, prec);
            mat_set_mat_d_mp(A, Ad), mat_set_mat_d_mp(U, Ud), mat_set_mat_d_mp(X, Xd),
                mat_set_mat_d_mp(v, vd), mat_set_mat_d_mp(y, yd);
            deq_solve_opts so;
            deq_solve_opts_default(&so);
            deq_solve_info_t fi, gi;
            deq_solve_info_init(fi), deq_solve_info_init(gi);
            mpfr_t loss, avp;
            mpfr_inits2(prec, loss, avp, (mpfr_ptr)0);
            mpfr_set(avp, av, MPFR_RNDN);
            if (b) {
                deq_problem_mp_t P;
                deq_problem_init_mp(P, A, U, X, pre->gamma, "1", acts[ai], 1, prec);
                deq_forward_solve_mp(Z, fi, &P->fp, &so, prec);
                deq_loss_grad_mp(loss, gA, NULL, NULL, NULL, W, gi, P, Z, v, y, avp, &so, prec);
                deq_problem_clear_mp(P);
                mat_set_mp(gAp, gA);
            } else {
                mat_d_t A2, U2, X2, Z2, W2, g2;
                mat_init_d(A2, m, m, 53), mat_init_d(U2, m, d, 53), mat_init_d(X2, d, n, 53),
                    mat_init_d(Z2, m, n, 53), mat_init_d(W2, m, n, 53), mat_init_d(g2, m, m, 53);
                mat_set_d(A2, Ad), mat_set_d(U2, Ud), mat_set_d(X2, Xd);
                deq_problem_d_t P;
                deq_problem_init_d(P, A2, U2, X2, pre->gamma, "1", acts[ai], 1, 53);
                double l, avd = 1 / sqrt((double)m);
                deq_forward_solve_d(Z2, fi, &P->fp, &so, 53);
                deq_loss_grad_d(&l, g2, NULL, NULL, NULL, W2, gi, P, Z2, vd, yd, &avd, &so, 53);
                deq_problem_clear_d(P);
                mat_set_mat_d_mp(gd, g2);
                mat_clear_d(Z2), mat_clear_d(W2), mat_clear_d(g2);
            }
            mpfr_clears(loss, avp, (mpfr_ptr)0);
            deq_solve_info_clear(fi), deq_solve_info_clear(gi);
            mat_clear_mp(v), mat_clear_mp(y), mat_clear_mp(Z), mat_clear_mp(W), mat_clear_mp(gA);
            if (b == 0)
                mat_clear_mp(A), mat_clear_mp(U), mat_clear_mp(X);
        }
        /* central differences at 2p of L over every entry of A */
        double worst = 0, scale = 0;
        for (long k = 0; k < m * m; k++) {
            for (int sgn = 0; sgn < 2; sgn++) {
                mat_mp_t A, U, X, v, y, Z;
                mat_init_mp(A, m, m, p2), mat_init_mp(U, m, d, p2), mat_init_mp(X, d, n, p2),
                    mat_init_mp(v, m, 1, p2), mat_init_mp(y, n, 1, p2), mat_init_mp(Z, m, n, p2);
                mat_set_mat_d_mp(A, Ad), mat_set_mat_d_mp(U, Ud), mat_set_mat_d_mp(X, Xd),
                    mat_set_mat_d_mp(v, vd), mat_set_mat_d_mp(y, yd);
                if (sgn)
                    mpfr_sub(A->e + k, A->e + k, h, MPFR_RNDN);
                else
                    mpfr_add(A->e + k, A->e + k, h, MPFR_RNDN);
                deq_problem_mp_t P;
                deq_problem_init_mp(P, A, U, X, pre->gamma, "1", acts[ai], 1, p2);
                deq_solve_opts so;
                deq_solve_opts_default(&so);
                deq_solve_info_t fi;
                deq_solve_info_init(fi);
                deq_forward_solve_mp(Z, fi, &P->fp, &so, p2);
                deq_loss_mp(sgn ? lm : lp, NULL, Z, v, y, av, p2);
                deq_solve_info_clear(fi);
                deq_problem_clear_mp(P);
                mat_clear_mp(v), mat_clear_mp(y), mat_clear_mp(Z);
            }
            mpfr_sub(fdv, lp, lm, MPFR_RNDN);
            mpfr_div(fdv, fdv, h, MPFR_RNDN);
            mpfr_div_2ui(fdv, fdv, 1, MPFR_RNDN);
            scale = fmax(scale, fabs(mpfr_get_d(fdv, MPFR_RNDN)));
            mpfr_sub(fdv, fdv, gAp->e + k, MPFR_RNDN);
            worst = fmax(worst, fabs(mpfr_get_d(fdv, MPFR_RNDN)));
        }
        char lab[16];
        thm_backend_label(lab, sizeof lab, 1, p);
        thm_row *r = thm_results_add(out, &t3_checks[C_GRADIENT]);
        char data[32];
        snprintf(data, sizeof data, "grad A, %s", deq_act_name(acts[ai]));
        row_setup(r, pre->name, m, n, seed, data, lab);
        r->lhs = (double)p / 2 * log10(2.0);
        r->rhs = thm_digits(worst, scale, p2);
        r->digits = r->rhs;
        r->margin = r->rhs - r->lhs;
        r->tolerance = 0;
        r->verdict = r->lhs <= r->rhs ? THM_HOLDS : THM_VIOLATED;
        snprintf(r->note, sizeof r->note, "central differences at %ld bits, h = 2^-%ld; max error %.3g",
                 p2, p / 2, worst);
        /* double vs MPFR: the double gradient's error ~ the solves' 2·√m·u/(1−ρ̄)
         * relative, amplified by the adjoint: allow 64·m·u/(1−ρ̄)² (ρ̄ ≈ 2γ). */
        mpfr_t t;
        mpfr_init2(t, p2);
        double dd = 0;
        for (long k = 0; k < m * m; k++) {
            mpfr_sub(t, gd->e + k, gAp->e + k, MPFR_RNDN);
            dd = fmax(dd, fabs(mpfr_get_d(t, MPFR_RNDN)));
        }
        mpfr_clear(t);
        dig_dm = thm_digits(dd, scale, 53);
        double rho = 2 * strtod(pre->gamma, NULL) * deq_act_lipschitz_upper(acts[ai]);
        double tol = 64.0 * (double)m * ldexp(1.0, -53) / ((1 - rho) * (1 - rho));
        thm_row *q = thm_results_add(out, &t3_checks[C_GRADIENT]);
        char lab2[32];
        snprintf(lab2, sizeof lab2, "double/%s", lab);
        row_setup(q, pre->name, m, n, seed, data, lab2);
        q->lhs = dd / scale;
        q->rhs = tol;
        q->tolerance = tol;
        q->margin = tol - q->lhs;
        q->digits = dig_dm;
        q->verdict = q->lhs <= q->rhs ? THM_HOLDS : THM_VIOLATED;
        snprintf(q->note, sizeof q->note, "relative max difference vs tolerance 64 m u/(1-rho)^2");
        mpfr_clears(h, lp, lm, av, fdv, (mpfr_ptr)0);
        mat_clear_mp(gAp), mat_clear_mp(gd);
    }
    mat_clear_d(Ad), mat_clear_d(Ud), mat_clear_d(vd), mat_clear_d(Xd), mat_clear_d(yd);
}

static void run_rate(thm_results_t out, const thm_config *cfg)
{
    run_rate_family(out, cfg, 0);
}

static void run_rate_negative(thm_results_t out, const thm_config *cfg)
{
    run_rate_family(out, cfg, 1);
}

static void run_kawaguchi(thm_results_t out, const thm_config *cfg)
{
    t3_kawaguchi_run(out, cfg, &t3_checks[C_LINEAR_PL], &t3_checks[C_LINEAR_RATE],
                     &t3_checks[C_TRUST_REGION]);
}

static const thm_part t3_parts[] = {
    {"gradient", run_gradient, 0, NULL},
    {"pl_mpfr", run_pl_mpfr, 0, NULL},
    {"rate", run_rate, (int)(sizeof rate_presets / sizeof *rate_presets), rate_presets},
    {"rate_negative", run_rate_negative, (int)(sizeof rate_presets / sizeof *rate_presets),
     rate_presets},
    {"linear", run_kawaguchi, 0, NULL},
};

const thm_family thm_linear_convergence = {
    "linear-convergence", "T3 Linear convergence", t3_checks,
    (int)(sizeof t3_checks / sizeof t3_checks[0]), t3_parts,
    (int)(sizeof t3_parts / sizeof t3_parts[0])};
