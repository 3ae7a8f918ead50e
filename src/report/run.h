/* A validation run as data: its configuration, its cases (thm_case) and the
 * results of the cases that have run. Everything that produces or consumes a
 * run goes through this: `deqcheck run` (serial, sharded, checkpointed),
 * `deqcheck merge`, `deqcheck-mpi`, the Markdown and JSON writers. */
#ifndef DEQ_REPORT_RUN_H
#define DEQ_REPORT_RUN_H

#include <stdio.h>

#include "core/status.h"
#include "theorems/theorem.h"

/* Which backends' rows a run keeps (--backend). */
typedef enum { REPORT_BACKEND_BOTH = 0, REPORT_BACKEND_DOUBLE, REPORT_BACKEND_MPFR } report_backend;

typedef struct {
    thm_config cfg;
    report_backend backend;
    const thm_family *fams[8];
    int nfam;
    thm_case *cases;
    long n_cases;
    thm_results_struct *results; /* per case */
    unsigned char *done;         /* per case: results present */
    char profile[32], fashion_dir[1024]; /* cfg's strings, owned by the run */
    char revision[64];           /* of the results read from files ("" if computed here) */
    double wall_seconds;         /* the wall time of the invocation, written only when asked
                                    (run --timing); NAN: not written */
} report_run_struct;
typedef report_run_struct report_run_t[1];

/* Enumerates the cases of fams under cfg; no case done. The run keeps its own
 * copies of cfg's strings. */
void report_run_init(report_run_t run, const thm_config *cfg, report_backend backend,
                     const thm_family *const *fams, int nfam);
void report_run_clear(report_run_t run);

/* Runs case k (rows of an unselected backend dropped) and marks it done. */
void report_run_case(report_run_t run, long k);

/* The rows and series of family f over its done cases, in case order. */
void report_run_family_results(thm_results_t out, const report_run_t run, int f);

/* Verdict counts over the done cases' rows (controls apart). */
void report_run_counts(int counts[THM_VERDICTS], const report_run_t run);

/* A run's totals: verdict counts of its rows, its controls, and how many
 * checks are broken (report_run_check_broken). */
typedef struct {
    int counts[THM_VERDICTS];
    int controls_total, controls_caught;
    int broken;
    int silent; /* checks of kind exact/asymptotic with rows, every one N/A: they asserted
                   nothing in this run, whatever their controls show */
} report_totals;
void report_run_totals(report_totals *t, const report_run_t run);

/* Is check ch broken in this run? A check of kind exact or asymptotic with
 * rows is broken when one of its controls was not caught (VIOLATED or
 * WITHHELD; an ERROR is not a catch) or, in a complete run, when it has
 * rows that asserted something (not N/A) and no control. Writes the reason to
 * why. */
int report_run_check_broken(char *why, size_t len, const report_run_t run, const thm_check *ch);

/* "N HOLDS, N VIOLATED, ... ; controls caught C of T[; K CHECKERS BROKEN]" */
void report_totals_line(char *buf, size_t len, const report_totals *t);

/* Does the run fail (exit status 1)? A row VIOLATED, ERROR or UNSET, or a
 * checker broken. */
int report_run_failed(const report_run_t run);

/* Done cases / all cases. */
long report_run_n_done(const report_run_t run);

/* Is s valid UTF-8 (what JSON strings must be)? */
int report_utf8_valid(const char *s);

const char *report_backend_name(report_backend b);
int report_backend_parse(report_backend *b, const char *s);

#endif
