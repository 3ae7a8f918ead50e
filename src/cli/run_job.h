/* A validation run as the CLI drives it: options parsed into a report_run,
 * the cases this process executes (shard, checkpoint), progress, and the
 * outputs. Shared by `deqcheck run` and `deqcheck-mpi`. */
#ifndef DEQ_CLI_RUN_JOB_H
#define DEQ_CLI_RUN_JOB_H

#include <stdio.h>

#include "report/run.h"

typedef struct {
    const char *prog;        /* as typed: "deqcheck run" or "deqcheck-mpi", for messages */
    report_run_t run;
    const char *report, *json, *checkpoint;
    char out_report[1024], out_json[1024]; /* DIR/report.md, DIR/results.json of --out */
    int resume, quiet, plots;
    long shard_k, shard_n;   /* this process runs the cases k with k mod N = K - 1 */
    int ckpt_fd;             /* the checkpoint's case log, -1 without one */
    int argc;                /* the command line as typed, for the resume command */
    char **argv;             /* printed on Ctrl-C (argv[0] the program) */
} cli_run_job;

/* Parses `deqcheck run` options from argv[first..argc); prog is the command
 * as the user typed it ("deqcheck run", "deqcheck-mpi"), for messages and
 * --help. Returns -1 when the job is ready, else the exit status (0
 * after --help, 2 after a usage error reported on stderr). On -1, the
 * checkpoint, if any, has been opened and its finished cases loaded. */
int cli_run_job_prepare(cli_run_job *job, const char *prog, int argc, char **argv, int first);

/* Does this process run case k (its shard, not yet done)? */
int cli_run_job_wants(const cli_run_job *job, long k);

/* Records a finished case in the checkpoint (one JSON line, appended with one
 * write and flushed to disk) if there is one. */
void cli_run_job_record(cli_run_job *job, long k);

/* Runs this process's cases in order, recording each, with progress. */
void cli_run_job_execute(cli_run_job *job);

/* Writes the report, the JSON and the summary line; returns the exit status
 * (0 nothing VIOLATED or ERROR, 1 otherwise), and clears the job. */
int cli_run_job_finish(cli_run_job *job);

/* Creates the parent directory of path if missing (one level, as reports/). */
void cli_ensure_parent_dir(const char *path);

/* Progress on stderr: a bar redrawn every second on a terminal, else a line
 * every few seconds; nothing when quiet. */
typedef struct cli_progress cli_progress;
cli_progress *cli_progress_start(long total, long already_done, int quiet);
void cli_progress_case(cli_progress *p, const char *key); /* a case started */
void cli_progress_done(cli_progress *p);                  /* a case finished */
void cli_progress_stop(cli_progress *p);

#endif
