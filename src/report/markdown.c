#include "report/markdown.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* ---------- gnuplot ---------- */

const char *report_gnuplot_path(char *buf, size_t len)
{
    const char *env = getenv("DEQCHECK_GNUPLOT");
    if (env && *env) {
        snprintf(buf, len, "%s", env);
        return access(buf, X_OK) == 0 ? buf : NULL;
    }
    const char *path = getenv("PATH");
    if (!path)
        return NULL;
    for (const char *p = path; *p;) {
        const char *e = strchr(p, ':');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        snprintf(buf, len, "%.*s/gnuplot", (int)n, n ? p : ".");
        if (access(buf, X_OK) == 0)
            return buf;
        p += n + (e != NULL);
    }
    return NULL;
}

/* A gnuplot string literal in double quotes: drop what would end it or start
 * a new command (quotes, backslashes, control characters). */
static void put_label(FILE *g, const char *s)
{
    fputc('"', g);
    for (; *s; s++)
        if (*s != '"' && *s != '\\' && (unsigned char)*s >= 0x20 && *s != 0x7f)
            fputc(*s, g);
    fputc('"', g);
}

/* A gnuplot single-quoted string (a file name): ' doubled, as gnuplot reads it. */
static void put_quoted(FILE *g, const char *s)
{
    fputc('\'', g);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', g);
        if ((unsigned char)*s >= 0x20)
            fputc(*s, g);
    }
    fputc('\'', g);
}

/* One plot: a gnuplot script under construction (datablocks, then the plot
 * command), drawn into an SVG file. */
typedef struct {
    char name[32];       /* file suffix and anchor */
    char title[128];
    char xlabel[64], ylabel[64];
    int logx, logy;
    char *script;        /* datablocks */
    size_t script_len;
    FILE *sf;
    char *plot;          /* the plot command's clauses */
    size_t plot_len;
    FILE *pf;
    int n_blocks;
    long n_points;
} plot_t;

static void plot_init(plot_t *p, const char *name, const char *title, const char *xlabel,
                      const char *ylabel, int logx, int logy)
{
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->title, sizeof p->title, "%s", title);
    snprintf(p->xlabel, sizeof p->xlabel, "%s", xlabel);
    snprintf(p->ylabel, sizeof p->ylabel, "%s", ylabel);
    p->logx = logx, p->logy = logy;
    p->sf = open_memstream(&p->script, &p->script_len);
    p->pf = open_memstream(&p->plot, &p->plot_len);
    DEQ_REQUIRE(p->sf && p->pf);
}

static void plot_clear(plot_t *p)
{
    if (p->sf)
        fclose(p->sf);
    if (p->pf)
        fclose(p->pf);
    free(p->script);
    free(p->plot);
    memset(p, 0, sizeof *p);
}

/* Adds a data set; points not finite, or not positive on a log axis, are left
 * out. style: a gnuplot "with" clause. */
static void plot_add(plot_t *p, const double *x, const double *y, long len, const char *label,
                     const char *style)
{
    long kept = 0;
    fprintf(p->sf, "$d%d << EOD\n", p->n_blocks);
    for (long k = 0; k < len; k++) {
        if (!isfinite(x[k]) || !isfinite(y[k]) || (p->logx && !(x[k] > 0)) ||
            (p->logy && !(y[k] > 0)))
            continue;
        fprintf(p->sf, "%.10g %.10g\n", x[k], y[k]);
        kept++;
    }
    fprintf(p->sf, "EOD\n");
    if (kept) {
        fprintf(p->pf, "%s$d%d using 1:2 with %s title ", p->n_points ? ", " : "", p->n_blocks,
                style);
        put_label(p->pf, label);
        p->n_points += kept;
    }
    p->n_blocks++;
}

/* gnuplot started without a shell (no word splitting, no quoting trouble),
 * reading its script from the returned stream; *pid for the wait. */
static FILE *gnuplot_open(const char *gnuplot, pid_t *pid)
{
    int fd[2];
    if (pipe(fd) != 0)
        return NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd[0], 0);
    posix_spawn_file_actions_addclose(&fa, fd[1]);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    char *argv[] = {(char *)gnuplot, NULL};
    int rc = posix_spawn(pid, gnuplot, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fd[0]);
    if (rc != 0) {
        close(fd[1]);
        return NULL;
    }
    return fdopen(fd[1], "w");
}

/* Draws the plot into dir/<stem>-<name>.svg: 1 when written, 0 without data,
 * -1 when gnuplot failed. */
static int plot_draw(plot_t *p, const char *gnuplot, const char *dir, const char *stem,
                     const char *extra)
{
    if (p->n_points == 0)
        return 0;
    fflush(p->sf);
    fflush(p->pf);
    pid_t pid;
    /* a gnuplot that dies early must not kill us with SIGPIPE */
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    FILE *g = gnuplot_open(gnuplot, &pid);
    if (!g) {
        signal(SIGPIPE, old);
        return -1;
    }
    char out[1600];
    snprintf(out, sizeof out, "%s/%s-%s.svg", dir, stem, p->name);
    fprintf(g, "set terminal svg size 720,440 font 'sans,12' background 'white'\nset output ");
    put_quoted(g, out);
    fprintf(g, "\n");
    fprintf(g, "set termoption noenhanced\nset key outside bottom center horizontal maxrows 4\n");
    fprintf(g, "set grid\nset title ");
    put_label(g, p->title);
    fprintf(g, "\nset xlabel ");
    put_label(g, p->xlabel);
    fprintf(g, "\nset ylabel ");
    put_label(g, p->ylabel);
    fprintf(g, "\n%s%s%s\n", p->logx ? "set logscale x\n" : "", p->logy ? "set logscale y\n" : "",
            extra ? extra : "");
    fwrite(p->script, 1, p->script_len, g);
    fprintf(g, "plot ");
    fwrite(p->plot, 1, p->plot_len, g);
    fprintf(g, "\n");
    int wrote = fclose(g) == 0, st;
    pid_t w;
    do
        w = waitpid(pid, &st, 0);
    while (w < 0 && errno == EINTR);
    signal(SIGPIPE, old);
    return wrote && w == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 1 : -1;
}

/* ---------- the plots of a run ---------- */

/* The plots are those the checkers declare (thm_plots), drawn from the
 * series they emit, plus the summary's digits plot, drawn from the rows;
 * written[k] for thm_plots[k], written[thm_plot_count] for the digits. */
#define PLOT_DIGITS thm_plot_count

static const char *const digits_plot_name = "digits";
static const char *const digits_plot_caption =
    "Digits of agreement per check: the least and the median over the rows that compare two "
    "backends or precisions";

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static const char *draw_style(thm_draw d)
{
    switch (d) {
    case THM_DRAW_DASHED:
        return "lines dt 2 lw 2";
    case THM_DRAW_POINTS:
        return "points pt 7 ps 1";
    case THM_DRAW_LINESPOINTS:
    default:
        return "linespoints pt 7 ps 0.5";
    }
}

/* Draws declared plot pl from the series of all that name it. */
static int draw_declared(const thm_plot *pl, const thm_results_t all, const char *gnuplot,
                         const char *dir, const char *stem)
{
    plot_t p;
    plot_init(&p, pl->name, pl->title, pl->xlabel, pl->ylabel, pl->logx, pl->logy);
    int n = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (long s = 0; s < all->n_series; s++) {
        const thm_series *se = all->series[s];
        if (strcmp(se->plot, pl->name) != 0)
            continue;
        plot_add(&p, se->x, se->y, se->len, se->label,
                 draw_style(pl->draw[pl->n_draw > 0 ? n++ % pl->n_draw : 0]));
        for (long k = 0; k < se->len; k++)
            if (isfinite(se->x[k]) && isfinite(se->y[k]))
                lo = fmin(lo, fmin(se->x[k], se->y[k])), hi = fmax(hi, fmax(se->x[k], se->y[k]));
    }
    if (pl->diagonal && p.n_points) {
        double d[2] = {fmin(0, lo), hi};
        plot_add(&p, d, d, 2, pl->diagonal, "lines dt 2 lc rgb 'gray40'");
    }
    char extra[256] = "";
    size_t el = 0;
    if (pl->y_from_zero)
        el += (size_t)snprintf(extra + el, sizeof extra - el, "set yrange [0:*]\n");
    if (pl->has_hline)
        snprintf(extra + el, sizeof extra - el,
                 "set arrow from graph 0, first %g to graph 1, first %g nohead dt 3\n", pl->hline,
                 pl->hline);
    int written = plot_draw(&p, gnuplot, dir, stem, extra[0] ? extra : NULL);
    plot_clear(&p);
    return written;
}

/* Builds and draws every plot; written[k] says which exist. */
static void draw_plots(int *written, const report_run_t run, const thm_results_t all,
                       const char *gnuplot, const char *dir, const char *stem)
{
    for (int k = 0; k < thm_plot_count; k++)
        written[k] = draw_declared(&thm_plots[k], all, gnuplot, dir, stem);

    plot_t p;
    /* digits of agreement per check */
    plot_init(&p, digits_plot_name, "Digits of agreement per check",
              "check", "decimal digits", 0, 0);
    char xt[4096];
    size_t xtl = (size_t)snprintf(xt, sizeof xt, "set bmargin 9\nset xlabel offset 0,-3\n"
                                                  "set xtics rotate by -40 (");
    double *dig = deq_malloc((size_t)(all->len + 1) * sizeof *dig);
    long nchk = 0;
    double *xm = deq_malloc((size_t)(all->len + 1) * sizeof *xm);
    double *ymin = deq_malloc((size_t)(all->len + 1) * sizeof *ymin);
    double *ymed = deq_malloc((size_t)(all->len + 1) * sizeof *ymed);
    for (int f = 0; f < run->nfam; f++)
        for (int c = 0; c < run->fams[f]->n_checks; c++) {
            const char *id = run->fams[f]->checks[c].id;
            long nd = 0;
            for (long r = 0; r < all->len; r++)
                if (strcmp(all->rows[r].id, id) == 0 && isfinite(all->rows[r].digits))
                    dig[nd++] = all->rows[r].digits;
            if (!nd)
                continue;
            qsort(dig, (size_t)nd, sizeof *dig, cmp_double);
            xm[nchk] = (double)nchk;
            ymin[nchk] = dig[0];
            ymed[nchk] = nd % 2 ? dig[nd / 2] : 0.5 * (dig[nd / 2 - 1] + dig[nd / 2]);
            if (xtl < sizeof xt - 64)
                xtl += (size_t)snprintf(xt + xtl, sizeof xt - xtl, "%s\"%s\" %ld",
                                        nchk ? ", " : "", id, nchk);
            nchk++;
        }
    snprintf(xt + xtl, sizeof xt - xtl, ")\nset xrange [-0.5:%ld.5]\nset yrange [0:*]\n",
             nchk > 0 ? nchk - 1 : 0);
    plot_add(&p, xm, ymin, nchk, "least over the rows", "points pt 7 ps 1.2");
    plot_add(&p, xm, ymed, nchk, "median over the rows", "points pt 6 ps 1.2");
    written[PLOT_DIGITS] = plot_draw(&p, gnuplot, dir, stem, xt);
    plot_clear(&p);
    free(dig), free(xm), free(ymin), free(ymed);
}

/* ---------- Markdown ---------- */

/* A Markdown table cell: '|' escaped so text like ||A||_2 cannot split it. */
static void put_cell(FILE *f, const char *s)
{
    fputs(" ", f);
    for (; *s; s++) {
        if (*s == '|')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputs(" |", f);
}

const char *const report_verdict_legend =
    "How to read a verdict. Each row asserts lhs <= rhs with an interval on each side "
    "(*certified*: from rigorous error bounds; *estimated*: an error bar from a precision ladder "
    "or a confidence interval), and HOLDS means the whole lhs interval lies at or below the rhs "
    "interval, VIOLATED strictly above it, INCONCLUSIVE that the two overlap. VACUOUS marks a "
    "bound at or beyond the trivial value of its quantity (it would say nothing even if true), "
    "N/A a case outside the theorem's hypotheses (what was observed is still shown), REPORTED a "
    "row that asserts nothing, and ERROR a NaN or a failed computation. Every check also runs a "
    "control, a case built so that its assertion is false, which must come out VIOLATED (or its "
    "certificate WITHHELD); otherwise the check is marked CHECKER BROKEN and the run fails.";

const char *report_fmt_num(char *buf, size_t len, double x)
{
    if (isnan(x))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.4g", x);
    return buf;
}

static void put_plot(FILE *f, int written, const char *name, const char *caption,
                     const char *stem, const char *skipped)
{
    if (written < 0)
        fprintf(f, "*Plot \"%s\" skipped: gnuplot failed to draw it.*\n\n", name);
    else if (written)
        fprintf(f, "![%s](%s-%s.svg)\n\n*%s.*\n\n", name, stem, name, caption);
    else if (skipped)
        fprintf(f, "*Plot \"%s\" skipped: %s.*\n\n", name, skipped);
}

/* "v [lo, hi]", or "v" alone when the interval is the point. */
static const char *fmt_interval(char *buf, size_t len, double v, double lo, double hi)
{
    char a[40], b[40], c[40];
    if (lo == v && hi == v)
        return report_fmt_num(buf, len, v);
    snprintf(buf, len, "%s [%s, %s]", report_fmt_num(a, sizeof a, v),
             report_fmt_num(b, sizeof b, lo), report_fmt_num(c, sizeof c, hi));
    return buf;
}

/* "name value rel required ✓/✗; ..." */
static const char *fmt_hypotheses(char *buf, size_t len, const thm_row *w)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < w->n_hyp && used < len; k++) {
        const thm_hypothesis *h = &w->hyp[k];
        char a[40], b[40];
        used += (size_t)snprintf(buf + used, len - used, "%s%s %s %s %s: %s", k ? "; " : "",
                                 h->name, report_fmt_num(a, sizeof a, h->value), h->relation,
                                 report_fmt_num(b, sizeof b, h->required), h->met ? "met" : "NOT met");
    }
    return w->n_hyp ? buf : "-";
}

static void write_rows(FILE *f, const thm_results_t all, const char *id, int controls)
{
    int any = 0;
    for (long r = 0; r < all->len && !any; r++)
        any = strcmp(all->rows[r].id, id) == 0 && all->rows[r].is_control == controls;
    if (!any) {
        if (!controls)
            fprintf(f, "No rows in this run.\n\n");
        return;
    }
    if (controls)
        fprintf(f, "Controls (cases built so that the assertion is false; each must come out "
                   "VIOLATED, or WITHHELD for a certificate):\n\n");
    fprintf(f, "| preset | m | n | seed | data | backend | lhs [lo, hi] | rhs [lo, hi] | error "
               "| tightness | tolerance | digits | hypotheses | verdict | note |\n");
    fprintf(f, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (long r = 0; r < all->len; r++) {
        const thm_row *w = &all->rows[r];
        if (strcmp(w->id, id) != 0 || w->is_control != controls)
            continue;
        char b[8][128], hyp[400], verdict[48];
        snprintf(b[0], sizeof b[0], w->width >= 0 ? "%ld" : "-", w->width);
        snprintf(b[1], sizeof b[1], w->n >= 0 ? "%ld" : "-", w->n);
        snprintf(b[2], sizeof b[2], "%lu", w->seed);
        if (w->verdict == THM_NA && w->observed != THM_OBS_NONE)
            snprintf(verdict, sizeof verdict, "N/A (observed: %s)", thm_observed_name(w->observed));
        else
            snprintf(verdict, sizeof verdict, "%s", thm_verdict_name(w->verdict));
        fputs("|", f);
        const char *cells[] = {w->preset, b[0], b[1], b[2], w->data, w->backend,
                               fmt_interval(b[3], sizeof b[3], w->lhs, w->lhs_lo, w->lhs_hi),
                               fmt_interval(b[4], sizeof b[4], w->rhs, w->rhs_lo, w->rhs_hi),
                               thm_error_kind_name(w->error_kind),
                               report_fmt_num(b[5], sizeof b[5], thm_row_tightness(w)),
                               report_fmt_num(b[6], sizeof b[6], w->tolerance),
                               report_fmt_num(b[7], sizeof b[7], w->digits),
                               fmt_hypotheses(hyp, sizeof hyp, w), verdict, w->note};
        for (size_t q = 0; q < sizeof cells / sizeof *cells; q++)
            put_cell(f, cells[q]);
        fputs("\n", f);
    }
    fprintf(f, "\n");
}

static void write_constants(FILE *f, const thm_config *cfg)
{
    fprintf(f, "Constants. Each gamma below says where it comes from: *paper* (the place in "
               "the paper), *derived* (the reason) or *default* (a choice of this project); "
               "gao2021 and ling2022 were read in full, the other three papers are known from "
               "their abstracts. sigma_u = sqrt(2/d) is ling2022's U ~ N(0, 2/d) (paper, "
               "Assumption 1); sigma_u = 1 is a default. Each row's note names the further "
               "defaults it uses (delta, confidence levels).\n\n");
    fprintf(f, "| preset | source | activation | gamma | how gamma was set | sigma_u "
               "|\n|---|---|---|---|---|---|\n");
    for (int p = 0; p < cfg->n_presets; p++) {
        const deq_preset *pre = cfg->presets[p];
        char su[48];
        snprintf(su, sizeof su, "%s", pre->sigma_u_rule == DEQ_SIGMA_U_ONE ? "1" : "sqrt(2/d)");
        fputs("|", f);
        const char *cells[] = {pre->name, pre->source, deq_act_name(pre->act), pre->gamma,
                               pre->gamma_rule, su};
        for (size_t q = 0; q < sizeof cells / sizeof *cells; q++)
            put_cell(f, cells[q]);
        fputs("\n", f);
    }
    fprintf(f, "\n");
}

/* GitHub's anchor of a heading "### T1.contraction": lower case, dots dropped. */
static void heading_anchor(char *buf, size_t len, const char *id)
{
    size_t k = 0;
    for (; *id && k + 1 < len; id++)
        if (*id != '.')
            buf[k++] = (char)(*id >= 'A' && *id <= 'Z' ? *id - 'A' + 'a' : *id);
    buf[k] = '\0';
}

/* A check's optional text, or a dash in a table cell. */
static const char *text_or_dash(const char *s)
{
    return s && s[0] ? s : "-";
}

/* One line per check: source, kind, rows, verdict counts, controls, the range
 * of lhs/rhs over the rows that asserted something, hypotheses met. */
static void write_summary_table(FILE *f, const report_run_t run, const thm_results_t all)
{
    fprintf(f, "| check | claim | tests | kind | rows | HOLDS | VIOLATED | INCONCLUSIVE | VACUOUS "
               "| N/A | REPORTED | ERROR | controls caught | lhs/rhs, tightest to loosest | "
               "hypotheses met |\n");
    fprintf(f, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (int k = 0; k < run->nfam; k++)
        for (int c = 0; c < run->fams[k]->n_checks; c++) {
            const thm_check *ch = &run->fams[k]->checks[c];
            int counts[THM_VERDICTS] = {0}, nctl = 0, caught = 0, rows = 0, with_hyp = 0,
                hyp_met = 0;
            double tmax = -INFINITY, tmin = INFINITY;
            for (long r = 0; r < all->len; r++) {
                const thm_row *w = &all->rows[r];
                if (strcmp(w->id, ch->id) != 0)
                    continue;
                if (w->is_control) {
                    nctl++, caught += thm_control_caught(w);
                    continue;
                }
                rows++;
                counts[w->verdict]++;
                if (w->n_hyp) {
                    int met = 1;
                    for (int h = 0; h < w->n_hyp; h++)
                        met &= w->hyp[h].met;
                    with_hyp++, hyp_met += met;
                }
                double t = thm_row_tightness(w);
                if (w->verdict != THM_NA && w->verdict != THM_REPORTED && isfinite(t))
                    tmax = fmax(tmax, t), tmin = fmin(tmin, t);
            }
            char anchor[40], tight[64], hyp[48];
            heading_anchor(anchor, sizeof anchor, ch->id);
            if (tmin <= tmax)
                snprintf(tight, sizeof tight, "%.3g to %.3g", tmax, tmin);
            else
                snprintf(tight, sizeof tight, "-");
            if (with_hyp && ch->kind != THM_REPORT && rows > 0 && counts[THM_NA] == rows)
                snprintf(hyp, sizeof hyp, "0 of %d: asserted nothing", with_hyp);
            else if (with_hyp)
                snprintf(hyp, sizeof hyp, "%d of %d", hyp_met, with_hyp);
            else
                snprintf(hyp, sizeof hyp, "-");
            char cites[320];
            snprintf(cites, sizeof cites, "[%s](#ref-%s) %s", ch->source, ch->source,
                     text_or_dash(ch->cites));
            fprintf(f, "| [%s](#%s) |", ch->id, anchor);
            put_cell(f, text_or_dash(ch->claim));
            put_cell(f, cites);
            fprintf(f,
                    " %s | %d | %d | %d | %d | %d | %d | %d "
                    "| %d | %d of %d | %s | %s |\n",
                    thm_kind_name(ch->kind), rows,
                    counts[THM_HOLDS], counts[THM_VIOLATED], counts[THM_INCONCLUSIVE],
                    counts[THM_VACUOUS], counts[THM_NA], counts[THM_REPORTED],
                    counts[THM_ERROR] + counts[THM_UNSET], caught, nctl, tight, hyp);
        }
    fprintf(f, "\nEach check's rows, controls, assertion and plots are in the appendix (follow "
               "its link). Tightness is lhs/rhs: near 1 the inequality is nearly an equality.\n");
}

/* The papers the checks cite, each with an anchor the citations link to. */
static void write_references(FILE *f)
{
    fprintf(f, "## References\n\n");
    for (int k = 0; k < thm_source_count; k++) {
        const thm_source *s = &thm_sources[k];
        fprintf(f, "- <a id=\"ref-%s\"></a>[%s] %s. *%s*. %s. arXiv:%s. Checked forms %s.\n",
                s->key, s->key, s->authors, s->title, s->venue, s->arxiv,
                s->full_text ? "taken from the full text"
                             : "derived from the abstract (the full text was not available)");
    }
    fprintf(f, "\n");
}

deq_status report_markdown_write(const char *path, const report_run_t run, const report_env *env,
                                 int plots, deq_error_t err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return deq_error_set(err, DEQ_ERR_INPUT, "--report %s: cannot create: %s", path,
                             strerror(errno));
    const thm_config *cfg = &run->cfg;
    thm_results_t all;
    thm_results_init(all);
    for (int k = 0; k < run->nfam; k++)
        report_run_family_results(all, run, k);

    /* plots next to the report: dir and stem of path */
    char dir[1024], stem[256], gp[1024];
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    snprintf(stem, sizeof stem, "%s", slash ? slash + 1 : path);
    char *dot = strrchr(stem, '.');
    if (dot && dot != stem)
        *dot = '\0';
    int *written = calloc((size_t)thm_plot_count + 1, sizeof *written);
    DEQ_REQUIRE(written);
    const char *skipped = NULL;
    if (!plots)
        skipped = "plots turned off (--no-plots)";
    else if (!report_gnuplot_path(gp, sizeof gp))
        skipped = "gnuplot not found (Debian package gnuplot-nox; bash .ci/setup.sh installs it)";
    else
        draw_plots(written, run, all, gp, dir, stem);
    /* a plot this run did not draw must not be left from an earlier run beside
     * a report that no longer links it */
    for (int k = 0; k <= thm_plot_count; k++)
        if (written[k] != 1) {
            char old[1600];
            snprintf(old, sizeof old, "%s/%s-%s.svg", dir, stem,
                     k < thm_plot_count ? thm_plots[k].name : digits_plot_name);
            unlink(old);
        }

    report_totals tot;
    report_run_totals(&tot, run);
    char line[320];
    report_totals_line(line, sizeof line, &tot);
    fprintf(f, "# deqcheck report\n\nProfile `%s`, run seed %lu; deqcheck %s, revision %s",
            cfg->profile, cfg->seed, env->deqcheck, env->revision);
    if (isfinite(run->wall_seconds))
        fprintf(f, "; wall time %.1f s (this invocation)", run->wall_seconds);
    fprintf(f, ".\n\n**%s.**\n\n", line);
    long done = report_run_n_done(run);
    if (done < run->n_cases)
        fprintf(f, "**Partial run: %ld of %ld cases** (a shard or an interrupted run; `deqcheck "
                   "merge` assembles the whole).\n\n", done, run->n_cases);
    int listed = 0;
    for (int k = 0; k < run->nfam; k++)
        for (int c = 0; c < run->fams[k]->n_checks; c++) {
            char why[160];
            const thm_check *ch = &run->fams[k]->checks[c];
            if (report_run_check_broken(why, sizeof why, run, ch))
                fprintf(f, "- **CHECKER BROKEN: %s**: %s. Its verdicts cannot be trusted.\n",
                        ch->id, why), listed++;
        }
    for (long r = 0; r < all->len; r++)
        if (!all->rows[r].is_control &&
            (all->rows[r].verdict == THM_VIOLATED || all->rows[r].verdict == THM_ERROR ||
             all->rows[r].verdict == THM_UNSET))
            fprintf(f, "- **%s %s**: %s, m = %ld, %s, %s: %s\n", all->rows[r].id,
                    thm_verdict_name(all->rows[r].verdict), all->rows[r].preset,
                    all->rows[r].width, all->rows[r].data, all->rows[r].backend, all->rows[r].note),
                listed++;
    if (listed)
        fprintf(f, "\n");
    fprintf(f, "%s\n\n", report_verdict_legend);
    write_summary_table(f, run, all);
    fprintf(f, "\nEnvironment: deqcheck %s (revision %s), compiled by %s; GSL %s, MPFR %s, GMP %s, "
               "jansson %s; BLAS %s.\n\n",
            env->deqcheck, env->revision, env->compiler, env->gsl, env->mpfr, env->gmp,
            env->jansson, env->blas);
    fprintf(f, "Run: profile `%s`, run seed %lu, %d seeds per width, widths", cfg->profile,
            cfg->seed, cfg->seeds);
    for (int w = 0; w < cfg->n_widths; w++)
        fprintf(f, "%s%ld", w ? ", " : " ", cfg->widths[w]);
    fprintf(f, "; inputs on the unit sphere (d = %ld, n = %ld); backends %s: double and MPFR at "
               "%ld bits (MPFR network solves for m <= %ld); families",
            cfg->d, cfg->n, report_backend_name(run->backend), cfg->prec, cfg->mpfr_max_m);
    for (int k = 0; k < run->nfam; k++)
        fprintf(f, "%s%s", k ? ", " : " ", run->fams[k]->name);
    fprintf(f, ". Tolerances are derived from the precision and the size and printed per row.\n\n");
    write_constants(f, cfg);
    put_plot(f, written[PLOT_DIGITS], digits_plot_name, digits_plot_caption, stem, skipped);
    write_references(f);

    fprintf(f, "---\n\n# Appendix: the rows of each check\n\n");
    for (int k = 0; k < run->nfam; k++) {
        fprintf(f, "## %s\n\n", run->fams[k]->title);
        for (int c = 0; c < run->fams[k]->n_checks; c++) {
            const thm_check *ch = &run->fams[k]->checks[c];
            fprintf(f, "### %s\n\n[%s](#ref-%s) %s; %s.\n\n", ch->id, ch->source, ch->source,
                    text_or_dash(ch->cites), thm_kind_name(ch->kind));
            if (ch->sides)
                fprintf(f, "%s\n\n", ch->sides);
            fprintf(f, "Asserted in full: %s.\n\n", ch->assertion);
            write_rows(f, all, ch->id, 0);
            write_rows(f, all, ch->id, 1);
            for (int q = 0; q < thm_plot_count; q++)
                if (strcmp(thm_plots[q].check, ch->id) == 0)
                    put_plot(f, written[q], thm_plots[q].name, thm_plots[q].caption, stem,
                             skipped);
        }
    }
    thm_results_clear(all);
    free(written);
    if (fclose(f) != 0)
        return deq_error_set(err, DEQ_ERR_INPUT, "--report %s: write failed: %s", path,
                             strerror(errno));
    return DEQ_OK;
}
