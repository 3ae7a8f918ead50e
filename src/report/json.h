/* Machine-readable results (JSON, via jansson) and the regression compare. */
#ifndef DEQ_REPORT_JSON_H
#define DEQ_REPORT_JSON_H

#include <stdio.h>

#include <jansson.h>

#include "core/status.h"
#include "report/env.h"
#include "report/run.h"
#include "theorems/theorem.h"

/* Writes {"tool", "version", "profile", "seed", "precision", "config",
 * "environment", "cases_total", "cases", "checks": [rows], "series"} for the
 * done cases of run. A row: id, source, kind, case {preset, width, n, seed,
 * data}, run_case (index of the run's case that produced it), backend, lhs,
 * rhs, margin, tolerance, digits, verdict, note; NaN/Inf numbers are null.
 * Deterministic: keys sorted, no timestamps, 17 significant digits so every
 * number reads back to the same double. */
deq_status report_json_write(const char *path, const report_run_t run, const report_env *env,
                             deq_error_t err);

/* Reads a result file written by report_json_write. When *have_run is 0, run
 * is initialized from the file's configuration and *have_run set; otherwise
 * the file's configuration must equal run's. Its cases are marked done in
 * run; a case already done is an error (overlapping shards). */
deq_status report_json_read(report_run_t run, int *have_run, const char *path, deq_error_t err);

/* A number as the result files write it: NaN as null, ±Inf as the strings
 * "inf" and "-inf" (JSON has no non-finite numbers, and an infinite bound
 * must read back as one). The CLI's --json files use it too. */
json_t *report_json_number(double x);

/* The run configuration as JSON (new reference), and back: initializes run. */
json_t *report_json_config(const report_run_t run);
deq_status report_json_config_read(report_run_t run, json_t *o, const char *where,
                                   deq_error_t err);

/* One case's results as a JSON object {index, key, rows, series} (new
 * reference; a checkpoint line, an MPI message), and back into run. */
json_t *report_json_case(const report_run_t run, long k);
deq_status report_json_case_read(report_run_t run, json_t *o, const char *where, deq_error_t err);

/* How two result files are compared. */
typedef struct {
    double max_digit_drop; /* digits of agreement may fall by at most this */
    double rtol;           /* relative change of lhs or rhs allowed beyond the rows' error bars */
} report_compare_opts;

/* The outcome of comparing two result files. */
typedef struct {
    long compared, verdict_changed, value_changed, digits_dropped, missing, added;
    char revision_baseline[64], revision_current[64];
} report_compare_struct;
typedef report_compare_struct report_compare_t[1];

/* Compares CURRENT against BASELINE row by row, controls included (matched by
 * id, case and backend). A change, printed one line each to log with the row's
 * key and the numbers: a changed verdict; lhs or rhs moved by more than the
 * larger of the two rows' interval widths plus rtol times its size; digits of
 * agreement lower by more than max_digit_drop; a row present in only one
 * file. Refused (DEQ_ERR_INPUT, one line naming the file): an unreadable file,
 * a malformed row (named by its index), files of different profiles, seeds or
 * precisions. */
deq_status report_json_compare(report_compare_t out, const char *baseline, const char *current,
                               const report_compare_opts *opts, FILE *log, deq_error_t err);

#endif
