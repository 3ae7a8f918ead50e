/* `deqcheck reproduce` as steps shared by the serial command
 * (cli/cmd_reproduce.c) and deqcheck-mpi (cli/reproduce_mpi.c): parse the
 * flags into the plan of src/repro/plan.h, which decides what runs (the
 * paper's configuration, a labelled reduction that fits --max-time and
 * --max-memory, or the sizes of given files), makes the data and probes each
 * width's initial NTK for the step size; run the widths; write the CSVs and
 * the report. */
#ifndef DEQ_CLI_REPRODUCE_H
#define DEQ_CLI_REPRODUCE_H

#include "repro/plan.h"
#include "report/reproduce_md.h"

typedef struct {
    repro_plan_t plan;                /* the configuration, data, probes (src/repro/plan.h) */
    int have_plan;
    const char *prog;                 /* "deqcheck" or "deqcheck-mpi" */
    char out[1024];
    const char *checkpoint;
    long checkpoint_every;
    int resume, progress;
    int quiet;                        /* no informational lines (MPI ranks other than 0) */
    char command[2048];
} cli_repro_job;

/* Parses argv (argv[1] is "reproduce"); -1 to go on, else the exit status
 * (help printed: 0; a bad flag: 2 after one line). */
int cli_repro_parse(cli_repro_job *J, const char *prog, int argc, char **argv);
/* repro_plan_decide: the estimate of the paper's configuration and, when it
 * does not fit and the sizes were not given, the reduction; prints both. -1
 * or an exit status. */
int cli_repro_decide(cli_repro_job *J);
/* The data of the decided configuration and the output directory; -1 or an
 * exit status. */
int cli_repro_data(cli_repro_job *J);
/* Width k's step-size probe into J->plan->probes[k]; 0, or 1 after a message when
 * its initial solves failed. */
int cli_repro_probe(cli_repro_job *J, int k);
/* The step size from all probes (unless --lr), printed with its reason; 0, or
 * 1 after a message when it is not a double (data of extreme scale). */
int cli_repro_set_lr(cli_repro_job *J);
/* Width k's run into W (initialized here); 0, or 2 after a message for a
 * checkpoint problem. */
int cli_repro_run(cli_repro_job *J, int k, repro_width_t W);
/* The CSVs, the plots and the report from every width's run; the exit status
 * (0; 1 when a width had a trouble; 2 when the output cannot be written). */
int cli_repro_finish(cli_repro_job *J, repro_width_struct *W);
void cli_repro_clear(cli_repro_job *J);

int cli_cmd_reproduce(int argc, char **argv);
/* deqcheck-mpi reproduce: one width per rank (cli/reproduce_mpi.c); called
 * after MPI_Init, returns the exit status (rank 0's). */
int cli_reproduce_mpi(int argc, char **argv);

#endif
