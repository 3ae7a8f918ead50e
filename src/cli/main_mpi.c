/* deqcheck-mpi: `deqcheck run` over MPI ranks (src/run/mpi.h). Rank 0
 * parses the options as `deqcheck run` does, drives the run over the ranks
 * and writes the report, identical to the serial run's; the other ranks only
 * compute. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/reproduce.h"
#include "cli/run_job.h"
#include "num/mat.h"
#include "run/mpi.h"

/* Rank 0: the command line to a run, the run over the ranks, the report. */
static int lead(int argc, char **argv, int size)
{
    cli_run_job job;
    int st = cli_run_job_prepare(&job, "deqcheck-mpi", argc, argv, 1);
    run_mpi_share(st < 0 ? job.r : NULL);
    if (st >= 0)
        return st;
    run_mpi_execute(job.r, size);
    return cli_run_job_finish(&job);
}

int main(int argc, char **argv)
{
    deq_gsl_handler_install();
    mat_gemm_d_set_pool_handover(1); /* BLAS is called from one thread only */
    int rank, size;
    run_mpi_start(&argc, &argv, &rank, &size);
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        if (rank == 0)
            cli_print_version(stdout, "deqcheck-mpi");
        run_mpi_finish();
        return CLI_EXIT_OK;
    }
    if (argc > 1 && strcmp(argv[1], "reproduce") == 0) { /* its own driver, cli/reproduce_mpi.c */
        int rc = cli_reproduce_mpi(argc, argv);
        run_mpi_finish();
        return rc;
    }
    int status = CLI_EXIT_OK;
    if (rank == 0)
        status = lead(argc, argv, size);
    else
        run_mpi_serve(rank);
    run_mpi_finish();
    return status;
}
