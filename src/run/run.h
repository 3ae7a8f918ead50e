/* The validation run as a module below the CLI: which cases a process
 * computes (families × presets × data sets of a profile, a shard of them),
 * the checkpoint that records each finished case and lets a killed run
 * resume, progress on stderr, and SIGINT/SIGTERM, which let the checkpoint
 * line in flight finish and print the command that resumes. `deqcheck run`
 * parses its flags into a run_opts and renders the finished run through
 * src/report; deqcheck-mpi drives the same run over ranks (run/mpi.h).
 *
 *     run_t r;
 *     if (run_init(r, &opts, err) != DEQ_OK) ...   bad input: err names it
 *     run_execute(r);                              this process's cases
 *     ... report_markdown_write(path, r->run, ...) the results, in r->run
 *     run_clear(r);
 */
#ifndef DEQ_RUN_RUN_H
#define DEQ_RUN_RUN_H

#include <stdio.h>

#include "core/status.h"
#include "report/run.h"

/* A profile: the sizes of a run (docs/THEORY.md §6). */
typedef struct {
    const char *name;
    long widths[8];
    int n_widths;
    long d, n;
    int seeds;
    long mpfr_max_m;
    const char *summary; /* one line for --help */
} run_profile;

extern const run_profile run_profiles[];
extern const int run_profile_count;

/* The profile called name, NULL if none. */
const run_profile *run_profile_find(const char *name);

/* Peak memory (bytes) of the largest case of cfg, estimated. */
double run_memory_estimate(const thm_config *cfg);

/* What a run does, as the CLI parsed it. The strings are borrowed: they
 * must outlive the run. */
typedef struct {
    thm_config cfg;
    report_backend backend;
    const thm_family *fams[8];
    int nfam;
    long shard_k, shard_n;  /* the cases k with k mod N = K - 1 (1/1: all) */
    const char *checkpoint; /* a directory, or NULL */
    int resume;             /* continue the run checkpoint records */
    int quiet;              /* no progress on stderr */
    const char *prog;       /* as the user typed it ("deqcheck run"), for messages */
    int argc;               /* the command line as typed (argv[0] the program), */
    char *const *argv;      /* printed as the resume command on Ctrl-C */
} run_opts;

/* run_opts with every field at its default: one shard, no checkpoint. */
void run_opts_init(run_opts *o);

typedef struct {
    run_opts opts;
    report_run_t run; /* the configuration, cases and results */
    int ckpt_fd;      /* the checkpoint's case log, -1 without one */
} run_struct;
typedef run_struct run_t[1];

/* Enumerates the cases; with a checkpoint, opens (and locks) it and, with
 * resume, loads its finished cases. Bad input (a checkpoint of other
 * options, of another revision, in use, damaged): DEQ_ERR_INPUT with one
 * line in err, and r is cleared. */
deq_status run_init(run_t r, const run_opts *opts, deq_error_t err);
void run_clear(run_t r);

/* Does this process compute case k (its shard, not yet done)? */
int run_wants(const run_t r, long k);

/* Computes this process's cases in order, recording each, with progress
 * and the Ctrl-C handling. */
void run_execute(run_t r);

/* Records finished case k in the checkpoint, if any (one JSON line,
 * appended with one write and flushed to disk). A SIGINT/SIGTERM that
 * arrives meanwhile takes effect once the line is whole. */
void run_record(run_t r, long k);

/* Installs (on = 1) or removes the SIGINT/SIGTERM handlers that print how to
 * resume; run_execute does it around its loop. */
void run_signals(const run_t r, int on);

/* Progress on stderr: a bar redrawn every second on a terminal, else a line
 * every few seconds; nothing when quiet. */
typedef struct run_progress run_progress;
run_progress *run_progress_start(long total, long already_done, int quiet);
void run_progress_case(run_progress *p, const char *key); /* a case started */
void run_progress_done(run_progress *p);                  /* a case finished */
void run_progress_stop(run_progress *p);

/* How many cases this process still computes. */
long run_todo(const run_t r);

#endif
