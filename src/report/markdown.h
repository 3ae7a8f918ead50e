/* The Markdown report of a run and its SVG plots (gnuplot). */
#ifndef DEQ_REPORT_MARKDOWN_H
#define DEQ_REPORT_MARKDOWN_H

#include <stdio.h>

#include "core/status.h"
#include "report/env.h"
#include "report/run.h"

/* The gnuplot the report uses: $DEQCHECK_GNUPLOT if set, else gnuplot on
 * PATH; NULL when there is none (the report then says plots were skipped). */
const char *report_gnuplot_path(char *buf, size_t len);

/* Writes the report of run's done cases to path: a summary (one row per check
 * with verdict counts), the environment and the constants, then one section
 * per check (assertion, rows with double and MPFR side by side, plots). With
 * plots set and gnuplot present the plots are written next to the report as
 * <stem>-<name>.svg and linked; otherwise the report says they were skipped
 * and why. Deterministic: the same run gives the same bytes. */
deq_status report_markdown_write(const char *path, const report_run_t run, const report_env *env,
                                 int plots, deq_error_t err);

/* A number as the report prints it: %.4g, or "-" for NaN. Returns buf. */
const char *report_fmt_num(char *buf, size_t len, double x);
/* Three sentences on how to read a verdict, for reports and --help. */
extern const char *const report_verdict_legend;

#endif
