/* Machine-readable results (JSON, via jansson) and the regression compare. */
#ifndef DEQ_REPORT_JSON_H
#define DEQ_REPORT_JSON_H

#include <stdio.h>

#include "core/status.h"
#include "theorems/theorem.h"

/* Writes {"tool", "version", "profile", "seed", "precision", "libraries",
 * "checks": [rows]} to path. A row: id, source, kind, case {preset, width, n,
 * seed, data}, backend, lhs, rhs, margin, tolerance, digits, verdict, note;
 * NaN/Inf numbers are null. Deterministic: keys sorted, no timestamps. */
deq_status report_json_write(const char *path, const thm_config *cfg, const thm_family *const *fams,
                             int nfam, const thm_results_struct *res, deq_error_t err);

/* The outcome of comparing two result files. */
typedef struct {
    long compared, verdict_changed, digits_dropped, missing, added;
} report_compare_struct;
typedef report_compare_struct report_compare_t[1];

/* Compares CURRENT against BASELINE row by row (matched by id, case and
 * backend): a changed verdict, digits of agreement lower by more than
 * max_digit_drop, or a baseline row missing from CURRENT is a change, printed
 * one line each to out. Rows only in CURRENT are listed as added (not a
 * change). Errors (unreadable file, bad JSON) name the file and line. */
deq_status report_json_compare(report_compare_t out, const char *baseline, const char *current,
                               double max_digit_drop, FILE *log, deq_error_t err);

#endif
