/* The report of `deqcheck reproduce` (src/report/reproduce_md.c): a Markdown
 * file with the table "paper reports / we measure", the configuration with
 * every constant labelled paper/derived/default/reduced, the estimate of the
 * paper's full configuration, the command, and the Figure-1-like SVG plots
 * drawn by gnuplot from the per-width CSV logs (the script is kept next to
 * them, so `gnuplot plots.gp` in the directory redraws them). */
#ifndef DEQ_REPORT_REPRODUCE_MD_H
#define DEQ_REPORT_REPRODUCE_MD_H

#include "core/status.h"
#include "repro/reproduce.h"

typedef struct {
    const repro_config *cfg;
    const repro_width_struct *widths; /* cfg->n_widths of them, in cfg's order */
    const repro_init_info *probes;    /* one per width (the step-size probes) */
    const char *lr_origin;            /* "derived" or "user (--lr)" */
    double full_seconds;              /* estimated time of the paper's configuration; NAN unknown */
    double full_memory;               /* its estimated memory (bytes) */
    char estimate_how[400];           /* how the estimate was made */
    const char *command;              /* the command line that reproduces this */
    const char *gnuplot;              /* NULL: plots skipped (reason in plots_skipped) */
    const char *plots_skipped;
} report_repro;

/* The stem of a width's CSV in the output directory: "<paper>-m<M>.csv". */
void report_repro_csv_name(char *buf, size_t len, const char *paper, long m);

/* Writes dir/<paper>-report.md, dir/plots.gp and (gnuplot present) the SVGs
 * dir/<paper>-loss.svg, dir/<paper>-opnorm.svg. The CSVs must be in dir
 * already. Deterministic except the lines that report wall time. */
deq_status report_repro_write(const char *dir, const report_repro *r, deq_error_t err);

#endif
