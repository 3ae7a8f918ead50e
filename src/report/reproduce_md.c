/* The report of `deqcheck reproduce` (see report/reproduce_md.h). */
#include "report/reproduce_md.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void report_repro_csv_name(char *buf, size_t len, const char *paper, long m)
{
    snprintf(buf, len, "%s-m%ld.csv", paper, m);
}

/* ---------- plots ---------- */

static void plot_script(FILE *g, const report_repro *r)
{
    const repro_config *c = r->cfg;
    const char *p = c->spec->name;
    const repro_paper_facts *F = repro_paper_facts_of(c->spec->kind);
    fprintf(g, "# Figure-1-like plots of deqcheck reproduce %s; run `gnuplot plots.gp` here.\n", p);
    fprintf(g, "set terminal svg size 760,460 font 'sans,12' background 'white'\n"
               "set termoption noenhanced\nset datafile separator ','\n"
               "set datafile columnheaders\nset grid\nset key outside right\n"
               "set xlabel 'epoch'\n");
    fprintf(g, "set output '%s-loss.svg'\nset logscale y\n", p);
    fprintf(g, "set title '%s: %s per width%s'\n", p,
            c->n_test > 0 ? "train (solid), test (dashed) loss" : "training loss", c->reduced ? " [REDUCED]" : "");
    fprintf(g, "set ylabel 'loss 1/2 |y^ - y|^2 (log scale)'\nplot ");
    for (int k = 0; k < c->n_widths; k++) {
        char csv[128];
        report_repro_csv_name(csv, sizeof csv, p, c->widths[k]);
        fprintf(g, "%s'%s' using 1:2 with lines lw 2 lc %d title 'train m=%ld'", k ? ", \\\n     " : "",
                csv, k + 1, c->widths[k]);
        if (c->n_test > 0)
            fprintf(g, ", \\\n     '%s' using 1:3 with lines lw 2 dt 2 lc %d title 'test m=%ld'", csv,
                    k + 1, c->widths[k]);
    }
    fprintf(g, "\nunset logscale y\n");
    fprintf(g, "set output '%s-opnorm.svg'\n", p);
    fprintf(g, "set title '%s: %s%s'\n", p, F->op_norm_plot_title, c->reduced ? " [REDUCED]" : "");
    fprintf(g, "set ylabel '%s'\nset format y '%%.4f'\nplot ", F->op_norm_name);
    for (int k = 0; k < c->n_widths; k++) {
        char csv[128];
        report_repro_csv_name(csv, sizeof csv, p, c->widths[k]);
        fprintf(g, "%s'%s' using 1:4 with lines lw 2 lc %d title 'm=%ld'", k ? ", \\\n     " : "", csv,
                k + 1, c->widths[k]);
    }
    fprintf(g, "\n");
}

/* gnuplot on dir/plots.gp, run in dir (the script names the files relative
 * to it), without a shell; 0 when it succeeded. */
static int run_gnuplot(const char *gnuplot, const char *dir)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 1), dup2(null, 2);
        if (chdir(dir) != 0)
            _exit(127);
        execl(gnuplot, gnuplot, "plots.gp", (char *)NULL);
        _exit(127);
    }
    int st;
    pid_t w;
    do
        w = waitpid(pid, &st, 0);
    while (w < 0 && errno == EINTR);
    return w == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* ---------- measurements ---------- */

typedef struct {
    double l0, lend, t0, tend;    /* train and test loss at the first and last step */
    double op_min, op_max, op0, opend, op_upper_max;
    double gram_min;              /* min λ_min(G) over the schedule (estimate) */
    double gram_min_lo, gram_min_hi; /* certified enclosure of that minimum: the min of the
                                        steps' certified lower and upper ends */
    long steps, increases;        /* steps logged, train-loss increases before the minimum */
    long k_min, increases_after;  /* the epoch of the smallest loss; increases after it (rounding noise
                                     at the floor when the loss is near 0) */
    long k_drop;                  /* first epoch with ln L <= ln L(0) − the paper's plotted drop; −1 never */
    long trouble;                 /* first trouble step or −1 */
    const char *event;
} width_stats;

static void stats_of(width_stats *s, const repro_width_struct *W, double drop)
{
    const deq_paper_log_struct *L = W->log;
    memset(s, 0, sizeof *s);
    s->steps = L->len;
    s->op_min = INFINITY, s->op_max = -INFINITY, s->gram_min = INFINITY;
    s->gram_min_lo = s->gram_min_hi = INFINITY;
    s->trouble = L->trouble_step;
    s->event = "";
    if (L->len == 0)
        return;
    s->l0 = L->steps[0].loss, s->lend = L->steps[L->len - 1].loss;
    s->t0 = W->test_loss[0], s->tend = W->test_loss[L->len - 1];
    s->op0 = L->steps[0].op_norm, s->opend = L->steps[L->len - 1].op_norm;
    s->op_upper_max = 0;
    s->k_min = 0, s->k_drop = -1;
    for (long k = 0; k < L->len; k++) {
        if (L->steps[k].loss < L->steps[s->k_min].loss)
            s->k_min = k;
        if (s->k_drop < 0 && log(L->steps[k].loss) <= log(s->l0) - drop)
            s->k_drop = k;
    }
    for (long k = 0; k < L->len; k++) {
        const deq_paper_step *st = &L->steps[k];
        s->op_min = fmin(s->op_min, st->op_norm);
        s->op_max = fmax(s->op_max, st->op_norm);
        s->op_upper_max = fmax(s->op_upper_max, st->op_norm_upper);
        if (!isnan(st->lam_min)) {
            s->gram_min = fmin(s->gram_min, st->lam_min);
            /* an uncertified side is ±inf in the log; NAN (a failed bound) counts as uncertified */
            s->gram_min_lo = fmin(s->gram_min_lo, isnan(st->lam_min_lower) ? -INFINITY : st->lam_min_lower);
            s->gram_min_hi = fmin(s->gram_min_hi, isnan(st->lam_min_upper) ? INFINITY : st->lam_min_upper);
        }
        if (k > 0 && st->loss > L->steps[k - 1].loss) {
            if (k <= s->k_min)
                s->increases++;
            else
                s->increases_after++;
        }
        if (st->event[0] && s->event[0] == '\0')
            s->event = st->event;
    }
}

/* Whether v[0..n) decreases strictly with the width (a trend needs two widths). */
static const char *trend_with_m(const double *v, int n)
{
    if (n < 2)
        return "one width: no trend";
    for (int k = 1; k < n; k++)
        if (!(v[k] < v[k - 1]))
            return "**does not decrease** with m";
    return "**decreases** with m";
}

static void fmt_dur(char *b, size_t len, double s)
{
    if (!isfinite(s))
        snprintf(b, len, "unknown");
    else if (s < 120)
        snprintf(b, len, "%.0f s", s);
    else if (s < 7200)
        snprintf(b, len, "%.0f min", s / 60);
    else
        snprintf(b, len, "%.1f h", s / 3600);
}

/* ---------- the Markdown ---------- */

static void table_row(FILE *f, const char *what, const char *paper, const char *ours)
{
    fprintf(f, "| %s | %s | %s |\n", what, paper, ours);
}

static void write_config(FILE *f, const report_repro *r)
{
    const repro_config *c = r->cfg;
    const repro_paper_facts *F = repro_paper_facts_of(c->spec->kind);
    const char *red = c->reduced ? "**reduced**" : "paper";
    fprintf(f, "## Configuration run\n\n| constant | value | origin | where / why |\n|---|---|---|---|\n");
    fprintf(f, "| model | %s | paper | %s |\n", c->spec->equation, F->model_where);
    for (int k = 0; k < c->spec->n_consts; k++) {
        const deq_paper_const *q = &c->spec->consts[k];
        if (strcmp(q->name, "step_size") == 0)
            continue; /* reproduce derives it: the row below */
        /* the presets' draw of the weights and norm of the inputs, replaced by given files */
        if (c->init_path && strcmp(q->name, "init") == 0)
            fprintf(f, "| initial weights | --init %s (width %ld) | user (--init) | given file with the paper's "
                       "tensor names; paper: %s (%s), not used here |\n", c->init_path, c->widths[0], q->value,
                    q->where);
        else if (c->X_path && strcmp(q->name, "input_norm") == 0)
            fprintf(f, "| input_norm | the samples of --X as given | user (--X) | not normalized here; paper: %s "
                       "(%s), not used here |\n", q->value, q->where);
        else
            fprintf(f, "| %s | %s | %s | %s |\n", q->name, q->value, deq_const_origin_name(q->origin), q->where);
    }
    if (c->X_path)
        fprintf(f, "| data | --X %s, --y %s%s%s%s%s | user | given files, one sample per row; not the paper's "
                   "draw (%s) |\n", c->X_path, c->y_path, c->Xtest_path ? "; test: --Xtest " : "",
                c->Xtest_path ? c->Xtest_path : "", c->Xtest_path ? ", --ytest " : "",
                c->Xtest_path ? c->ytest_path : "", F->data_value);
    else
        fprintf(f, "| data | %s | %s | %s |\n", F->data_value, F->data_origin, F->data_where);
    int drawn = c->X_path == NULL;
    fprintf(f, "| n (training samples) | %ld%s | %s | paper: %ld (%s)%s |\n", c->n_train,
            drawn && c->paper_n_test > 0 ? " (half per class, drawn at random)" : "",
            !drawn ? "user (--X)" : c->n_train == c->paper_n_train ? "paper" : red, c->paper_n_train,
            F->n_train_note, drawn ? "" : ", not used here");
    if (!drawn && c->n_test > 0)
        fprintf(f, "| test samples | %ld (--Xtest) | user (--Xtest) | paper: %ld, not used here |\n", c->n_test, c->paper_n_test);
    else if (drawn && F->n_test_note)
        fprintf(f, "| test samples | %ld (half per class, drawn at random from the test file) | %s | "
                   "paper: %ld (%s) |\n", c->n_test, c->n_test == c->paper_n_test ? "paper" : red,
                c->paper_n_test, F->n_test_note);
    if (drawn)
        fprintf(f, "| d | %ld | paper | %s |\n", c->d, F->d_where);
    else
        fprintf(f, "| d | %ld | user (--X) | the files' sample dimension; paper: %ld (%s), not used here |\n", c->d,
                F->d.value, F->d.where);
    fprintf(f, "| widths m | ");
    int same = c->n_widths == c->paper_n_widths;
    for (int k = 0; k < c->n_widths; k++) {
        fprintf(f, "%s%ld", k ? ", " : "", c->widths[k]);
        same = same && c->widths[k] == c->paper_widths[k];
    }
    fprintf(f, " | %s | paper: ", c->init_path ? "user (--init)" : same ? "paper" : red);
    for (int k = 0; k < c->paper_n_widths; k++)
        fprintf(f, "%s%ld", k ? ", " : "", c->paper_widths[k]);
    fprintf(f, " |\n| epochs (full-batch GD steps) | %ld | %s | paper: %ld |\n", c->epochs,
            c->epochs == c->paper_epochs ? "paper" : red, c->paper_epochs);
    fprintf(f, "| step size | %.6g | %s | ", c->lr, r->lr_origin);
    if (!c->lr_given)
        fprintf(f, "not stated in the paper. alpha = 1/max_m lambda_max(H_m(0)), H = J J^T the NTK at "
                   "initialization of each width (max = %.6g): half the largest step at which GD on the "
                   "linearized model r <- (I - alpha H) r is stable at the stiffest width; one fixed step "
                   "for every width, as the paper trains |\n", 1.0 / c->lr);
    else
        fprintf(f, "given with --lr |\n");
    if (!c->init_path || !c->X_path)
        fprintf(f, "| seed | %lu | default | %s |\n", c->seed,
                c->init_path ? "the data from the seed"
                : c->X_path  ? "weights of width m from seed*1000003 + m"
                             : "weights of width m from seed*1000003 + m; the data from the seed");
    fprintf(f, "| lambda_min(G) schedule | every %ld steps and the last | default | --gram-every |\n",
            c->gram_every);
    fprintf(f, "| arithmetic | double; forward and adjoint solves by Anderson to 2 sqrt(m) u, warm-started | "
               "default | deqcheck's solvers (the paper's own solver is not stated) |\n\n");
}

/* The verdict on lhs >= rhs (lhs > rhs when strict) from certified
 * enclosures [lhs_lo, lhs_hi] and [rhs_lo, rhs_hi]: holds when the whole
 * left one lies on the right side, fails when the whole left one lies on the
 * wrong side, undecided when they overlap (rounding cannot separate them). */
static const char *judge_certified(double lhs_lo, double lhs_hi, double rhs_lo, double rhs_hi, int strict)
{
    if (strict ? lhs_lo > rhs_hi : lhs_lo >= rhs_hi)
        return "holds";
    if (strict ? lhs_hi <= rhs_lo : lhs_hi < rhs_lo)
        return "**fails**";
    return "undecided (the certified enclosures overlap)";
}

/* m·x/2 rounded outward (dir −1 down, +1 up): one rounding of the product,
 * so one ulp further out is a certified end */
static double half_m_times(long m, double x, int dir)
{
    return nextafter((double)m * x / 2, dir < 0 ? -INFINITY : INFINITY);
}

static void write_table(FILE *f, const report_repro *r, const width_stats *S)
{
    const repro_config *c = r->cfg;
    const repro_paper_facts *F = repro_paper_facts_of(c->spec->kind);
    int nw = c->n_widths;
    char buf[8192], t[256];
    size_t k;
    double fin[REPRO_MAX_WIDTHS], tfin[REPRO_MAX_WIDTHS];
    for (int w = 0; w < nw; w++)
        fin[w] = S[w].lend, tfin[w] = S[w].tend;
    fprintf(f, "## Paper reports / we measure\n\n");
    if (c->reduced)
        fprintf(f, "**REDUCED configuration** (%s): the numbers below are of the reduced run, not of the "
                   "paper's configuration.\n\n", c->reduced_how);
    fprintf(f, "ln is the natural logarithm; L = 1/2 |y^ - y|^2 summed over the samples (%s), L/n its "
               "mean; \"first -> last\" are epoch 0 and epoch %ld.\n\n",
            F->loss_where, c->epochs);
    fprintf(f, "\"holds\" and \"**fails**\" below compare certified enclosures (lambda_min by dsyevr, "
               "enclosed by Weyl's residual bound and a certified Cholesky; [lower, upper] printed): a "
               "check holds when the certified lower end of its left side is at or above the certified "
               "upper end of its right side, fails when the left side's upper end is below the right "
               "side's lower end, and is undecided when they overlap. A width outside a theorem's "
               "hypothesis is not judged.\n\n");
    fprintf(f, "| what | paper reports | we measure |\n|---|---|---|\n");
    /* the loss going down */
    k = 0;
    for (int w = 0; w < nw; w++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "%sm=%ld: ln L %.3g -> %.3g (ln L/n %.3g -> %.3g), "
                              "%ld steps up before the smallest loss (epoch %ld), %ld after it", w ? "; " : "",
                              c->widths[w], log(S[w].l0), log(S[w].lend), log(S[w].l0 / (double)c->n_train),
                              log(S[w].lend / (double)c->n_train), S[w].increases, S[w].k_min,
                              S[w].increases_after);
    table_row(f, "training loss along GD",
              F->train_loss.text, buf);
    k = 0;
    for (int w = 0; w < nw; w++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "%sm=%ld: %.4g", w ? ", " : "", c->widths[w], fin[w]);
    snprintf(t, sizeof t, "; final loss: %s", trend_with_m(fin, nw));
    k += (size_t)snprintf(buf + k, sizeof buf - k, "%s. Epochs until ln L has fallen by %g (the span of the "
                          "paper's axis): ", t, F->loss_drop.value);
    for (int w = 0; w < nw; w++) {
        if (S[w].k_drop >= 0)
            k += (size_t)snprintf(buf + k, sizeof buf - k, "%sm=%ld: %ld", w ? ", " : "", c->widths[w], S[w].k_drop);
        else
            k += (size_t)snprintf(buf + k, sizeof buf - k, "%sm=%ld: not within %ld", w ? ", " : "", c->widths[w],
                                  c->epochs);
    }
    table_row(f, "width and training speed",
              F->speed.text,
              buf);
    if (F->test_loss.text && c->n_test > 0) {
        k = 0;
        for (int w = 0; w < nw; w++)
            k += (size_t)snprintf(buf + k, sizeof buf - k, "%sm=%ld: ln L_test %.3g -> %.3g (ln L/n %.3g -> %.3g)",
                                  w ? "; " : "", c->widths[w], log(S[w].t0), log(tfin[w]),
                                  log(S[w].t0 / (double)c->n_test), log(tfin[w] / (double)c->n_test));
        snprintf(buf + k, sizeof buf - k, "; final test loss: %s", trend_with_m(tfin, nw));
        table_row(f, "test loss", F->test_loss.text, buf);
    }
    k = 0;
    for (int w = 0; w < nw; w++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "%sm=%ld: %.5f ... %.5f (first %.5f, last %.5f; "
                              "certified upper <= %.5f)", w ? "; " : "", c->widths[w], S[w].op_min,
                              S[w].op_max, S[w].op0, S[w].opend, S[w].op_upper_max);
    table_row(f, F->op_norm_row, F->op_norm.text, buf);
    /* the step size against the theorem's */
    k = 0;
    for (int w = 0; w < nw; w++) {
        if (isnan(r->probes[w].theory_lr))
            k += (size_t)snprintf(buf + k, sizeof buf - k, "%sm=%ld: none (lambda0 not certified > 0)",
                                  w ? "; " : "", c->widths[w]);
        else
            k += (size_t)snprintf(buf + k, sizeof buf - k, "%sm=%ld: %.3g (ours is %.3g times it)",
                                  w ? "; " : "", c->widths[w], r->probes[w].theory_lr,
                                  c->lr / r->probes[w].theory_lr);
    }
    table_row(f, "step size", F->step_size.text, buf);
    /* λ_min(G) along training */
    k = 0;
    for (int w = 0; w < nw; w++) {
        const repro_init_info *q = &r->probes[w];
        int pop = F->gram_lambda0_population;
        double l0_lo = pop ? q->pop_lam_lo : q->gram_lam_lo, l0_hi = pop ? q->pop_lam_hi : q->gram_lam_hi;
        const char *verdict = t;
        if (c->widths[w] < c->n_train)
            verdict = "outside the theorem's hypothesis: m < n";
        else if (!(l0_lo > 0))
            verdict = "outside the theorem's hypothesis: lambda0 not certified > 0";
        else if (F->gram_g0_fraction > 0 && !(q->gram_lam_lo >= F->gram_g0_fraction * l0_hi))
            snprintf(t, sizeof t, "not judged (lambda_min(G(0)) in [%.4g, %.4g] not certified >= %g lambda0: "
                     "%s)", q->gram_lam_lo, q->gram_lam_hi, F->gram_g0_fraction, F->gram_g0_where);
        else if (F->gram_step_where && !(c->lr < q->theory_lr))
            snprintf(t, sizeof t, "not judged (step %.3g not below %.3g: %s)", c->lr, q->theory_lr,
                     F->gram_step_where);
        else
            verdict = judge_certified(S[w].gram_min_lo, S[w].gram_min_hi, l0_lo / 2, l0_hi / 2, F->gram_strict);
        k += (size_t)snprintf(buf + k, sizeof buf - k, "%sm=%ld: min lambda_min(G) %.4g in [%.4g, %.4g], "
                              "lambda0/2 in [%.4g, %.4g]: %s", w ? "; " : "", c->widths[w], S[w].gram_min,
                              S[w].gram_min_lo, S[w].gram_min_hi, l0_lo / 2, l0_hi / 2, verdict);
    }
    table_row(f, F->gram_row, F->gram.text, buf);
    if (F->theorem2_row) {
        k = 0;
        for (int w = 0; w < nw; w++) {
            const repro_init_info *q = &r->probes[w];
            long m = c->widths[w];
            double rhs_lo = half_m_times(m, q->pop_lam_lo, -1), rhs_hi = half_m_times(m, q->pop_lam_hi, 1);
            /* one draw per width: t = δ */
            double m1 = deq_paper_width_at_omega_one(c->spec->kind, c->n_train, q->pop_lam_min, DEQ_PAPER_DELTA);
            const char *verdict = t;
            if (m < c->n_train)
                verdict = "outside the theorem's hypothesis: m < n";
            else if (!(q->pop_lam_lo > 0))
                verdict = "outside the theorem's hypothesis: lambda* not certified > 0";
            else if (!((double)m >= m1))
                snprintf(t, sizeof t, "not judged (m below the width condition at constant 1: m1 = %.4g = %s, "
                         "t = delta = %g, both defaults)", m1, F->theorem2_width, DEQ_PAPER_DELTA);
            else
                verdict = judge_certified(q->gram_lam_lo, q->gram_lam_hi, rhs_lo, rhs_hi, 0);
            k += (size_t)snprintf(buf + k, sizeof buf - k, "%sm=%ld: lambda* in [%.4g, %.4g], lambda0 in "
                                  "[%.4g, %.4g], m lambda*/2 in [%.4g, %.4g]: %s", w ? "; " : "", m,
                                  q->pop_lam_lo, q->pop_lam_hi, q->gram_lam_lo, q->gram_lam_hi, rhs_lo,
                                  rhs_hi, verdict);
        }
        table_row(f, F->theorem2_row, F->theorem2.text, buf);
    }
    k = 0;
    for (int w = 0; w < nw; w++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "%sm=%ld: %s", w ? "; " : "", c->widths[w],
                              S[w].trouble < 0 ? "none" : S[w].event);
    table_row(f, "troubles (divergence, rho_bar >= 1, failed solves)", "none reported", buf);
    fprintf(f, "\n");
}

/* A rerun into the same directory at other widths would leave the earlier
 * widths' logs beside the new report, which names only its own: removes the
 * files named as this report names a width's log (PAPER-m<digits>.csv) whose
 * width this run does not have. Nothing else in dir is touched. */
static void remove_stale_logs(const char *dir, const repro_config *c)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return;
    const char *p = c->spec->name;
    size_t pl = strlen(p);
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        const char *nm = e->d_name;
        if (strncmp(nm, p, pl) != 0 || strncmp(nm + pl, "-m", 2) != 0)
            continue;
        char *end;
        long m = strtol(nm + pl + 2, &end, 10);
        if (end == nm + pl + 2 || strcmp(end, ".csv") != 0 || m <= 0)
            continue;
        char canonical[128];
        report_repro_csv_name(canonical, sizeof canonical, p, m);
        if (strcmp(canonical, nm) != 0)
            continue;
        int ours = 0;
        for (int k = 0; k < c->n_widths; k++)
            ours |= c->widths[k] == m;
        if (!ours) {
            char path[1400];
            snprintf(path, sizeof path, "%s/%s", dir, nm);
            unlink(path);
        }
    }
    closedir(dp);
}

deq_status report_repro_write(const char *dir, const report_repro *r, deq_error_t err)
{
    const repro_config *c = r->cfg;
    const char *p = c->spec->name;
    const repro_paper_facts *F = repro_paper_facts_of(c->spec->kind);
    remove_stale_logs(dir, c);
    char path[1400];
    snprintf(path, sizeof path, "%s/plots.gp", dir);
    FILE *g = fopen(path, "w");
    if (!g)
        return deq_error_set(err, DEQ_ERR_INPUT, "--out %s: cannot write (%s)", path, strerror(errno));
    plot_script(g, r);
    if (fclose(g) != 0)
        return deq_error_set(err, DEQ_ERR_INPUT, "--out %s: cannot write", path);
    const char *skipped = r->plots_skipped;
    if (r->gnuplot && run_gnuplot(r->gnuplot, dir) != 0)
        skipped = "gnuplot failed to draw them";
    else if (!r->gnuplot && !skipped)
        skipped = "gnuplot not found";

    snprintf(path, sizeof path, "%s/%s-report.md", dir, p);
    FILE *f = fopen(path, "w");
    if (!f)
        return deq_error_set(err, DEQ_ERR_INPUT, "--out %s: cannot write (%s)", path, strerror(errno));
    width_stats S[REPRO_MAX_WIDTHS];
    for (int w = 0; w < c->n_widths; w++)
        stats_of(&S[w], &r->widths[w], F->loss_drop.value);
    fprintf(f, "# deqcheck reproduce %s%s\n\n", p, c->reduced ? " (REDUCED configuration)" : "");
    fprintf(f, "%s%s%s\n\n", F->intro, F->intro_data && !c->X_path ? " " : "",
            F->intro_data && !c->X_path ? F->intro_data : "");
    if (c->init_path || c->X_path)
        fprintf(f, "> **From given files:** %s%s%s%s%s, not the paper's draws; the rows of the configuration "
                   "below that they replaced say so.\n\n",
                c->init_path ? "initial weights from --init " : "", c->init_path ? c->init_path : "",
                c->init_path && c->X_path ? "; " : "", c->X_path ? "data from --X " : "",
                c->X_path ? c->X_path : "");
    if (c->reduced)
        fprintf(f, "> **REDUCED:** %s\n\n", c->reduced_how);
    fprintf(f, "Reproduce with:\n\n    %s\n\n", r->command);
    char d1[64], d2[64];
    fmt_dur(d1, sizeof d1, r->full_seconds);
    fprintf(f, "The paper's configuration (");
    for (int k = 0; k < c->paper_n_widths; k++)
        fprintf(f, "%sm=%ld", k ? ", " : "", c->paper_widths[k]);
    if (isfinite(r->full_seconds))
        fprintf(f, "; n=%ld; %ld epochs) would need about **%s** and %.2g GiB per width on this machine "
                   "(%s)", c->paper_n_train, c->paper_epochs, d1, r->full_memory / 1073741824.0,
                r->estimate_how);
    else
        fprintf(f, "; n=%ld; %ld epochs) would need %.2g GiB per width; its time was not estimated (%s)",
                c->paper_n_train, c->paper_epochs, r->full_memory / 1073741824.0, r->estimate_how);
    fprintf(f, "; it runs with `--full`, stops and resumes with `--checkpoint`/`--resume`, and "
               "spreads its widths over MPI ranks under `deqcheck-mpi reproduce`.\n\n");
    write_table(f, r, S);
    write_config(f, r);
    fprintf(f, "## Plots\n\n");
    if (skipped) {
        fprintf(f, "*Plots skipped: %s. `gnuplot plots.gp` in this directory draws them.*\n\n", skipped);
    } else {
        fprintf(f, "![loss](%s-loss.svg)\n\n*Loss against epoch, log scale, one colour per width%s. "
                   "Figure 1 of the paper shows the same curves for its widths.*\n\n", p,
                c->n_test > 0 ? "; solid training, dashed test" : "");
        fprintf(f, "![operator norm](%s-opnorm.svg)\n\n*%s against epoch. The paper's panel stays at "
                   "its initial value (%s).*\n\n", p,
                F->op_norm_name, F->op_norm_caption);
    }
    fprintf(f, "## Per width\n\n| m | step-size probe lambda_max(H(0)) | lambda_min(G(0)) | %s | first loss | "
               "last loss | steps | wall time |\n|---|---|---|---|---|---|---|---|\n",
            F->gram_lambda0_population ? "lambda0 = lambda_min(G^inf)" : "lambda* = lambda_min(K)");
    for (int w = 0; w < c->n_widths; w++) {
        fmt_dur(d2, sizeof d2, r->widths[w].seconds);
        fprintf(f, "| %ld | %.6g | %.6g | %.6g | %.6g | %.6g | %ld | %s |\n", c->widths[w],
                r->probes[w].ntk_lam_max, r->probes[w].gram_lam_min, r->probes[w].pop_lam_min, S[w].l0,
                S[w].lend, S[w].steps - 1, d2);
    }
    fprintf(f, "\nFiles: ");
    for (int w = 0; w < c->n_widths; w++) {
        char csv[128];
        report_repro_csv_name(csv, sizeof csv, p, c->widths[w]);
        fprintf(f, "%s[%s](%s)", w ? ", " : "", csv, csv);
    }
    fprintf(f, " (one line per epoch: step, train_loss, test_loss, op_norm, op_norm_upper, grad_norm2, "
               "lam_min_G and its certified enclosure every %ld steps, solver iterations, event); "
               "plots.gp. The CSVs and SVGs are bit-identical for the same command; the wall times "
               "in this file are not.\n", c->gram_every);
    int bad = fclose(f) != 0;
    if (bad)
        return deq_error_set(err, DEQ_ERR_INPUT, "--out %s: cannot write", path);
    return DEQ_OK;
}
