/* The run over MPI ranks (deqcheck-mpi). Rank 0 holds the run (run_init on
 * the parsed options), hands out the cases one at a time to whichever rank
 * asks (the cases differ in cost by orders of magnitude, so a static split
 * would idle), gathers the results and records the checkpoint; the other
 * ranks only compute. A result travels as the same JSON record as a
 * checkpoint line (17 significant digits), so every number arrives
 * bit-identical and the results equal the serial run's. With one rank, rank
 * 0 computes itself. Only deqcheck-mpi compiles this (it needs MPI). */
#ifndef DEQ_RUN_MPI_H
#define DEQ_RUN_MPI_H

#include "run/run.h"

/* MPI_Init_thread (rank 0 runs a progress thread that makes no MPI calls)
 * and the BLAS thread count every rank uses (the serial run's). */
void run_mpi_start(int *argc, char ***argv, int *rank, int *size);
void run_mpi_finish(void);

/* Rank 0: sends the run's configuration to the other ranks, or, with r
 * NULL (bad options, --help), tells them to stop. */
void run_mpi_share(const run_struct *r);

/* Rank 0: computes the run's cases over the size ranks (r->run holds the
 * results afterwards). */
void run_mpi_execute(run_t r, int size);

/* Ranks above 0: receive the configuration and compute the cases rank 0
 * hands out, until it says stop. */
void run_mpi_serve(int rank);

#endif
