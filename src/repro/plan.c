/* What `deqcheck reproduce` runs: the estimate, the reduction, given files,
 * the step size (see repro/plan.h). */
#include "repro/plan.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The estimate probes the paper's configuration at this fraction of its n and m. */
#define REPRO_PROBE_FRACTION 0.25

/* An informational line to the plan's log, if any. */
static void say(const repro_plan_struct *P, const char *fmt, ...)
{
    if (!P->opts.log)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(P->opts.log, fmt, ap);
    va_end(ap);
}

/* Every width of the configuration within --max-memory, else DEQ_ERR_INPUT naming it. */
static deq_status check_memory(const repro_plan_struct *P, deq_error_t err)
{
    const repro_config *c = &P->cfg;
    for (int k = 0; k < c->n_widths; k++) {
        double need = repro_width_memory(c->widths[k], c->d, c->n_train, c->n_test);
        if (need > P->opts.mem_limit)
            return deq_error_set(err, DEQ_ERR_INPUT, "--max-memory: width %ld needs about %.3g GiB, more "
                                 "than the limit %.3g GiB", c->widths[k], need / 1073741824.0,
                                 P->opts.mem_limit / 1073741824.0);
    }
    return DEQ_OK;
}

static int files_given(const repro_plan_opts *o)
{
    return o->init || o->X;
}

/* --X/--y (and --Xtest/--ytest) into P->data, --init into P->init_T; the
 * configuration's sizes become the files'. */
static deq_status load_files(repro_plan_struct *P, deq_error_t err)
{
    const repro_plan_opts *o = &P->opts;
    repro_config *c = &P->cfg;
    repro_data_struct *D = P->data;
    if (o->X) {
        if (deq_paper_data_load(D->X, D->y, o->X, o->y, "--X", "--y", err) != DEQ_OK)
            return err->status;
        c->d = D->X->rows, c->n_train = D->X->cols;
        if (o->Xtest) {
            if (deq_paper_data_load(D->Xt, D->yt, o->Xtest, o->ytest, "--Xtest", "--ytest", err) != DEQ_OK) {
                mat_clear_d(D->X), mat_clear_d(D->y);
                return err->status;
            }
            if (D->Xt->rows != c->d) {
                deq_error_set(err, DEQ_ERR_INPUT, "--Xtest %s: samples of dimension %ld, expected d = %ld as "
                              "in --X %s", o->Xtest, D->Xt->rows, c->d, o->X);
                repro_data_clear(D);
                return DEQ_ERR_INPUT;
            }
        } else {
            mat_init_d(D->Xt, c->d, 0, 53);
            mat_init_d(D->yt, 0, 1, 53);
        }
        c->n_test = D->Xt->cols;
        P->have_data = 1;
        char note[400];
        if (deq_paper_input_norm_note(note, sizeof note, c->spec, D->X))
            say(P, "reproduce: warning: --X: %s\n", note);
        if (o->Xtest && deq_paper_input_norm_note(note, sizeof note, c->spec, D->Xt))
            say(P, "reproduce: warning: --Xtest: %s\n", note);
    }
    if (o->init) {
        long m = 0;
        if (deq_paper_load(D->T, &m, c->spec->kind, c->d, o->init, err) != DEQ_OK) {
            if (P->have_data)
                repro_data_clear(D);
            P->have_data = 0;
            return err->status;
        }
        D->have_init = 1;
        deq_status st = DEQ_OK;
        if (o->widths_given && c->n_widths > 1)
            st = deq_error_set(err, DEQ_ERR_INPUT, "--widths: --init %s runs its one width m=%ld; a list of "
                               "widths needs weights drawn from --seed", o->init, m);
        else if (o->widths_given && c->widths[0] != m)
            st = deq_error_set(err, DEQ_ERR_INPUT, "--widths %ld disagrees with --init %s's width %ld",
                               c->widths[0], o->init, m);
        if (st != DEQ_OK) {
            deq_paper_tensors_clear(D->T);
            D->have_init = 0;
            if (P->have_data)
                repro_data_clear(D);
            P->have_data = 0;
            return st;
        }
        c->widths[0] = m, c->n_widths = 1;
    }
    c->init_path = o->init, c->X_path = o->X, c->y_path = o->y;
    c->Xtest_path = o->Xtest, c->ytest_path = o->ytest;
    return DEQ_OK;
}

deq_status repro_plan_init(repro_plan_t P, const repro_config *c, const repro_plan_opts *o, deq_error_t err)
{
    memset(P, 0, sizeof *P);
    P->opts = *o;
    P->cfg = *c;
    P->full_seconds = NAN;
    c = &P->cfg;
    repro_config *cw = &P->cfg;
    if (files_given(o) && load_files(P, err) != DEQ_OK) {
        memset(P, 0, sizeof *P);
        return err->status;
    }
    if (o->sizes_given || files_given(o)) {
        int same = c->n_widths == c->paper_n_widths && c->n_train == c->paper_n_train &&
                   c->epochs == c->paper_epochs;
        for (int k = 0; same && k < c->n_widths; k++)
            same = c->widths[k] == c->paper_widths[k];
        if (!same) {
            cw->reduced = 1;
            if (files_given(o))
                snprintf(cw->reduced_how, sizeof cw->reduced_how,
                         "n, widths and epochs from the given files (%s%s%s) and flags, not the paper's "
                         "n=%ld, %ld epochs", o->init ? "--init" : "", o->init && o->X ? ", " : "",
                         o->X ? "--X" : "", c->paper_n_train, c->paper_epochs);
            else
                snprintf(cw->reduced_how, sizeof cw->reduced_how,
                         "n, widths and epochs as given by --n/--widths/--epochs, not the paper's "
                         "n=%ld, %ld epochs", c->paper_n_train, c->paper_epochs);
        }
    }
    /* only sizes fixed now can be judged now; a self-sized run is checked
     * once its configuration is decided (repro_plan_decide) */
    if ((o->sizes_given || o->full || files_given(o)) && check_memory(P, err) != DEQ_OK) {
        repro_plan_clear(P);
        return err->status;
    }
    return DEQ_OK;
}

/* ---------- the estimate and the reduction ---------- */

/* Fitted cost per step and sample: a m² + b m d (seconds). */
typedef struct {
    double a, b;
} cost_model;

static double cost_steps(const cost_model *cm, const repro_config *c, const long *widths, int nw,
                         long n, long nt, long epochs)
{
    double s = 0;
    for (int k = 0; k < nw; k++) {
        double m = (double)widths[k];
        s += (cm->a * m * m + cm->b * m * (double)c->d) * (double)(n + nt / 2);
    }
    return s * (double)(epochs + 1);
}

/* The configuration scaled by f: n and every m times f, the paper's epochs. */
static void scaled(repro_config *c, double f)
{
    long half = (long)floor((double)c->paper_n_train * f / 2.0);
    c->n_train = c->spec->kind == DEQ_PAPER_GAO2021 ? 2 * (half < 1 ? 1 : half)
                                                    : (long)floor((double)c->paper_n_train * f);
    if (c->n_train < 2)
        c->n_train = 2;
    c->n_test = c->spec->kind == DEQ_PAPER_GAO2021 ? c->n_train : 0;
    for (int k = 0; k < c->paper_n_widths; k++) {
        long m = lround((double)c->paper_widths[k] * f);
        c->widths[k] = m < 2 ? 2 : m;
    }
    c->n_widths = c->paper_n_widths;
    c->epochs = c->paper_epochs;
}

/* The largest rung 2^-k (k >= 1) of the ladder of reduction factors at which
 * fits(c, f, ctx) holds, or the smallest rung. A ladder, not a bisection: the
 * estimate is a timing, and a fixed ladder makes small timing noise leave the
 * choice unchanged (only a timing near a rung's edge moves it). */
#define REPRO_LADDER_RUNGS 30
static double ladder_factor(int (*fits)(double f, void *ctx), void *ctx)
{
    double f = 1;
    for (int k = 1; k <= REPRO_LADDER_RUNGS; k++) {
        f = ldexp(1.0, -k);
        if (fits(f, ctx))
            break;
    }
    return f;
}

typedef struct {
    repro_config *c;
    const cost_model *cm;
    double max_time, mem_limit;
} fit_ctx;

static int size_fits(double f, void *ctx)
{
    fit_ctx *x = ctx;
    repro_config *c = x->c;
    scaled(c, f);
    double mem = 0;
    for (int k = 0; k < c->n_widths; k++)
        mem = fmax(mem, repro_width_memory(c->widths[k], c->d, c->n_train, c->n_test));
    return cost_steps(x->cm, c, c->widths, c->n_widths, c->n_train, c->n_test, c->epochs) <= x->max_time &&
           mem <= x->mem_limit;
}

static long ladder_epochs(const repro_config *c, double f)
{
    long e = (long)floor((double)c->paper_epochs * f);
    return e < 1 ? 1 : e;
}

static int epochs_fit(double f, void *ctx)
{
    fit_ctx *x = ctx;
    const repro_config *c = x->c;
    return cost_steps(x->cm, c, c->widths, c->n_widths, c->n_train, c->n_test, ladder_epochs(c, f)) <=
           x->max_time;
}

/* The estimate and, when needed, the reduction. */
static deq_status estimate_and_reduce(repro_plan_struct *P, deq_error_t err)
{
    repro_config *c = &P->cfg;
    const repro_plan_opts *o = &P->opts;
    P->full_seconds = NAN;
    P->full_memory = 0;
    for (int k = 0; k < c->paper_n_widths; k++)
        P->full_memory = fmax(P->full_memory, repro_width_memory(c->paper_widths[k], c->d,
                                                                 c->paper_n_train, c->paper_n_test));
    if (o->no_estimate) {
        snprintf(P->estimate_how, sizeof P->estimate_how, "no estimate: --no-estimate");
        return DEQ_OK;
    }
    if (files_given(o)) { /* the files fixed the sizes */
        snprintf(P->estimate_how, sizeof P->estimate_how,
                 "no estimate: the sizes come from the given files (--init, --X)");
        return DEQ_OK;
    }
    if (o->sizes_given) { /* nothing to choose: no probe of the paper's configuration */
        snprintf(P->estimate_how, sizeof P->estimate_how,
                 "no estimate: the sizes were given (--n, --widths, --epochs)");
        return DEQ_OK;
    }
    /* the paper's data, probed at a fraction of n and m: a quarter, or less
     * when the probe itself would not fit --max-memory */
    repro_config pc = *c;
    scaled(&pc, 1.0);
    double frac = REPRO_PROBE_FRACTION;
    long mtop = pc.paper_widths[pc.paper_n_widths - 1];
    while (frac * (double)mtop > 2 &&
           repro_width_memory(lround((double)mtop * frac), pc.d, (long)(frac * (double)pc.n_train),
                              (long)(frac * (double)pc.n_test)) > o->mem_limit)
        frac /= 2;
    repro_data_t D;
    if (repro_data_make(D, &pc, err) != DEQ_OK)
        return err->status;
    long np = (long)(frac * (double)pc.n_train);
    if (np < 2)
        np = 2;
    double sxx = 0, sxy = 0, syy = 0, rx = 0, ry = 0;
    say(P, "reproduce: estimating the paper's configuration: one warm-started step per width at n=%ld, m/%g\n",
        np, 1.0 / frac);
    for (int k = 0; k < pc.paper_n_widths; k++) {
        long m = lround((double)pc.paper_widths[k] * frac);
        if (m < 1)
            m = 1;
        double t = repro_step_seconds(&pc, D, m, np) / (double)(np + np * (pc.n_test > 0) / 2);
        /* least squares of t = a m² + b m d over the probes */
        double x = (double)m * (double)m, y = (double)m * (double)pc.d;
        sxx += x * x, sxy += x * y, syy += y * y, rx += x * t, ry += y * t;
    }
    repro_data_clear(D);
    cost_model cm;
    double det = sxx * syy - sxy * sxy;
    cm.a = (rx * syy - ry * sxy) / det;
    cm.b = (ry * sxx - rx * sxy) / det;
    if (!(cm.a > 0) || !(cm.b >= 0)) { /* a degenerate fit: all of it on the m² term */
        cm.a = rx / sxx;
        cm.b = 0;
    }
    P->full_seconds = cost_steps(&cm, c, pc.paper_widths, pc.paper_n_widths, pc.paper_n_train,
                                 pc.paper_n_test, pc.paper_epochs);
    snprintf(P->estimate_how, sizeof P->estimate_how,
             "estimated from one warm-started step per width at n=%ld and m/%g (after a cold step and "
             "one GD step), fitted to a m^2 n + b m d n (a=%.3g s, b=%.3g s) and scaled; solver iterations "
             "vary along training, so this is an estimate",
             np, 1.0 / frac, cm.a, cm.b);
    char d[64];
    double full = P->full_seconds;
    snprintf(d, sizeof d, full < 7200 ? "%.0f min" : "%.1f h", full < 7200 ? full / 60 : full / 3600);
    say(P, "reproduce: the paper's configuration (n=%ld, %d widths up to m=%ld, %ld epochs) needs "
           "about %s and %.2g GiB per width (limits: --max-time %.0f s, --max-memory %.3g GiB)\n",
        pc.paper_n_train, pc.paper_n_widths, pc.paper_widths[pc.paper_n_widths - 1], pc.paper_epochs, d,
        P->full_memory / 1073741824.0, o->max_time, o->mem_limit / 1073741824.0);
    if (o->full)
        return DEQ_OK;
    if (full <= o->max_time && P->full_memory <= o->mem_limit)
        return DEQ_OK;
    fit_ctx x = {c, &cm, o->max_time, o->mem_limit};
    if (o->reduce == REPRO_REDUCE_EPOCHS) {
        if (P->full_memory > o->mem_limit)
            return deq_error_set(err, DEQ_ERR_INPUT, "--reduce epochs: the paper's widths need %.3g GiB, more "
                                 "than --max-memory; use --reduce size", P->full_memory / 1073741824.0);
        c->epochs = ladder_epochs(c, ladder_factor(epochs_fit, &x));
        c->reduced = 1;
        snprintf(c->reduced_how, sizeof c->reduced_how,
                 "%ld of the paper's %ld epochs at its n and widths, to fit --max-time %.0f s "
                 "(the paper's configuration needs about %s)", c->epochs, c->paper_epochs, o->max_time, d);
    } else {
        /* the largest factor 2^-k whose time and memory fit */
        double lo = ladder_factor(size_fits, &x);
        scaled(c, lo);
        c->reduced = 1;
        snprintf(c->reduced_how, sizeof c->reduced_how,
                 "the paper's %ld epochs at n=%ld and widths scaled by %g (n and every m "
                 "proportionally smaller; the factor is the largest power of 2 that fits) to fit --max-time %.0f s; the paper's configuration needs about %s",
                 c->epochs, c->n_train, lo, o->max_time, d);
    }
    say(P, "reproduce: REDUCED: %s\n", c->reduced_how);
    return DEQ_OK;
}

deq_status repro_plan_decide(repro_plan_t P, deq_error_t err)
{
    if (estimate_and_reduce(P, err) != DEQ_OK)
        return err->status;
    return check_memory(P, err);
}

deq_status repro_plan_data(repro_plan_t P, deq_error_t err)
{
    if (P->have_data)
        return DEQ_OK;
    /* weights loaded by --init wait in P->data while the data is drawn */
    repro_data_struct keep = *P->data;
    if (repro_data_make(P->data, &P->cfg, err) != DEQ_OK) {
        *P->data = keep;
        return err->status;
    }
    if (keep.have_init) {
        for (int k = 0; k < DEQ_PAPER_SLOTS; k++)
            *P->data->T[k] = *keep.T[k];
        P->data->have_init = 1;
    }
    P->have_data = 1;
    return DEQ_OK;
}

int repro_plan_probe(repro_plan_t P, int k)
{
    return repro_init_probe(&P->probes[k], &P->cfg, P->data, P->cfg.widths[k]);
}

int repro_plan_set_lr(repro_plan_t P, char *why, size_t cap)
{
    repro_config *c = &P->cfg;
    int top;
    if (!c->lr_given && !repro_lr_derivable(&top, P->probes, c->n_widths)) {
        const repro_init_info *q = &P->probes[top];
        snprintf(why, cap, "the derived step size 1/lambda_max(H(0)) is not a double: at width %ld "
                 "lambda_max(H(0)) = %.6g x 2^%ld, about 10^%.1f (H scales as |x|^2; the data's largest norm "
                 "is %.3g); give the step with --lr",
                 c->widths[top], 2 * q->ntk_lam_frac, q->ntk_lam_exp2 - 1,
                 log10(q->ntk_lam_frac) + (double)q->ntk_lam_exp2 * log10(2.0), mat_max_col_norm_d(P->data->X, 53));
        return -1;
    }
    if (!c->lr_given) {
        c->lr = repro_lr_from_probes(P->probes, c->n_widths);
        say(P, "reproduce: step size %.6g [derived: neither paper states it; 1/max_m "
               "lambda_max(H_m(0)) = 1/%.6g, H = J J^T the NTK at initialization: half the "
               "stability limit of GD on the linearized model, one step for all widths]\n",
            c->lr, 1.0 / c->lr);
    } else {
        say(P, "reproduce: step size %.6g [--lr]\n", c->lr);
    }
    const char *which = repro_paper_facts_of(c->spec->kind)->theory_lr_name;
    for (int k = 0; k < c->n_widths; k++) {
        if (isnan(P->probes[k].theory_lr))
            say(P, "reproduce:   m=%ld: %s step size none (lambda0 not certified > 0)\n", c->widths[k], which);
        else
            say(P, "reproduce:   m=%ld: %s step size %.3g (ours is %.3g times it)\n", c->widths[k], which,
                P->probes[k].theory_lr, c->lr / P->probes[k].theory_lr);
    }
    return 0;
}

void repro_plan_clear(repro_plan_t P)
{
    if (P->have_data)
        repro_data_clear(P->data);
    else if (P->data->have_init)
        deq_paper_tensors_clear(P->data->T);
    memset(P, 0, sizeof *P);
}
