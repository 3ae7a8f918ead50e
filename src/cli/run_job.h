/* `deqcheck run`'s flags and outputs around the run module (src/run):
 * shared by `deqcheck run` and `deqcheck-mpi`, which differ only in how
 * they execute the run's cases. */
#ifndef DEQ_CLI_RUN_JOB_H
#define DEQ_CLI_RUN_JOB_H

#include <stdio.h>

#include "run/run.h"

typedef struct {
    const char *prog;        /* as typed: "deqcheck run" or "deqcheck-mpi", for messages */
    run_t r;
    const char *report, *json;
    char out_report[1024], out_json[1024]; /* DIR/report.md, DIR/results.json of --out */
    int plots;
    int timing;              /* --timing: the wall time into the report and the JSON */
    double t_start;          /* deq_clock_seconds() when the options were parsed */
} cli_run_job;

/* Parses `deqcheck run` options from argv[first..argc); prog is the command
 * as the user typed it ("deqcheck run", "deqcheck-mpi"), for messages and
 * --help. Returns -1 when the job is ready (run_init done: the checkpoint,
 * if any, opened and its finished cases loaded), else the exit status (0
 * after --help, 2 after a usage error reported on stderr). */
int cli_run_job_prepare(cli_run_job *job, const char *prog, int argc, char **argv, int first);

/* Prints the rows, writes the report, the JSON and the summary line; returns
 * the exit status (0 nothing VIOLATED or ERROR, 1 otherwise), and clears the
 * job. */
int cli_run_job_finish(cli_run_job *job);

/* Creates the parent directory of path if missing (one level, as reports/). */
void cli_ensure_parent_dir(const char *path);

#endif
