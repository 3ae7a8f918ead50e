/* deqcheck-mpi: `deqcheck run` over MPI ranks. Rank 0 parses the options,
 * hands out the cases one at a time to whichever rank asks (the cases differ
 * in cost by orders of magnitude, so a static split would idle), gathers the
 * results, records the checkpoint and writes the report; the other ranks
 * only compute. A result travels as the same JSON record as a checkpoint
 * line (17 significant digits), so every number arrives bit-identical and the
 * report equals the serial run's. With one rank, rank 0 computes itself. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>

#include "cli/cli.h"
#include "cli/reproduce.h"
#include "cli/run_job.h"
#include "report/json.h"

enum { TAG_READY = 1, TAG_WORK, TAG_RESULT };

static char *recv_string(int src, int tag, MPI_Status *st)
{
    MPI_Status probe;
    MPI_Probe(src, tag, MPI_COMM_WORLD, &probe);
    int len;
    MPI_Get_count(&probe, MPI_CHAR, &len);
    char *buf = deq_malloc((size_t)len + 1);
    MPI_Recv(buf, len, MPI_CHAR, probe.MPI_SOURCE, tag, MPI_COMM_WORLD, st);
    buf[len] = '\0';
    return buf;
}

/* Rank 0 with workers: dispatch, gather, record. */
static void coordinate(cli_run_job *job, int size)
{
    report_run_struct *run = job->run;
    long todo = 0, next = 0, outstanding = 0;
    for (long k = 0; k < run->n_cases; k++)
        todo += cli_run_job_wants(job, k);
    cli_progress *prog = cli_progress_start(report_run_n_done(run) + todo,
                                            report_run_n_done(run), job->quiet);
    int active = size - 1;
    while (active > 0) {
        MPI_Status st;
        MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
        int src = st.MPI_SOURCE;
        if (st.MPI_TAG == TAG_RESULT) {
            char *text = recv_string(src, TAG_RESULT, &st);
            json_error_t je;
            json_t *o = json_loads(text, 0, &je);
            deq_error_t err;
            deq_error_init(err);
            if (!o || report_json_case_read(run, o, "a worker's result", err) != DEQ_OK) {
                fprintf(stderr, "deqcheck-mpi: rank %d sent a bad result: %s\n", src,
                        o ? err->msg : je.text);
                MPI_Abort(MPI_COMM_WORLD, CLI_EXIT_INTERNAL);
            }
            cli_run_job_record(job, (long)json_integer_value(json_object_get(o, "index")));
            json_decref(o);
            free(text);
            outstanding--;
            cli_progress_done(prog);
        } else {
            MPI_Recv(NULL, 0, MPI_CHAR, src, TAG_READY, MPI_COMM_WORLD, &st);
        }
        /* the sender is idle now: the next case, or stop */
        while (next < run->n_cases && !cli_run_job_wants(job, next))
            next++;
        long k = next < run->n_cases ? next++ : -1;
        if (k >= 0) {
            cli_progress_case(prog, run->cases[k].key);
            outstanding++;
        } else {
            active--;
        }
        MPI_Send(&k, 1, MPI_LONG, src, TAG_WORK, MPI_COMM_WORLD);
    }
    DEQ_REQUIRE(outstanding == 0);
    cli_progress_stop(prog);
}

static void work(report_run_t run)
{
    MPI_Send(NULL, 0, MPI_CHAR, 0, TAG_READY, MPI_COMM_WORLD);
    for (;;) {
        long k;
        MPI_Recv(&k, 1, MPI_LONG, 0, TAG_WORK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (k < 0)
            return;
        report_run_case(run, k);
        json_t *o = report_json_case(run, k);
        char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
        json_decref(o);
        MPI_Send(text, (int)strlen(text), MPI_CHAR, 0, TAG_RESULT, MPI_COMM_WORLD);
        free(text);
        thm_results_clear(&run->results[k]);
    }
}

/* OpenBLAS's products split their sums by thread, so the last digits depend
 * on its thread count. A serial `deqcheck run` uses OPENBLAS_NUM_THREADS (or
 * GOTO_NUM_THREADS, then OMP_NUM_THREADS, as OpenBLAS reads them) up to one
 * thread per online CPU, by default one per CPU; under mpirun a rank bound to a core would see one
 * CPU and use one thread. Rank 0 derives the serial count from the
 * environment and the machine, and every rank sets it, so results equal the
 * serial run's for the same settings whatever the binding. */
static void pin_blas_threads(int rank)
{
    int threads = 0;
    if (rank == 0) {
        static const char *const vars[] = {"OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS",
                                           "OMP_NUM_THREADS"};
        for (size_t k = 0; k < sizeof vars / sizeof *vars && threads <= 0; k++) {
            const char *v = getenv(vars[k]);
            threads = v ? atoi(v) : 0;
        }
        /* OpenBLAS caps the count at the CPUs it finds */
        int cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
        if (cpus <= 0)
            cpus = 1;
        if (threads <= 0 || threads > cpus)
            threads = cpus;
    }
    MPI_Bcast(&threads, 1, MPI_INT, 0, MPI_COMM_WORLD);
    openblas_set_num_threads(threads);
}

int main(int argc, char **argv)
{
    deq_gsl_handler_install();
    /* rank 0 runs a progress thread that makes no MPI calls */
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    pin_blas_threads(rank);
    if (argc > 1 && strcmp(argv[1], "reproduce") == 0) { /* its own driver, cli/reproduce_mpi.c */
        int rc = cli_reproduce_mpi(argc, argv);
        MPI_Finalize();
        return rc;
    }
    int status = CLI_EXIT_OK;
    if (rank == 0) {
        cli_run_job job;
        int st = cli_run_job_prepare(&job, "deqcheck-mpi", argc, argv, 1);
        /* the configuration to the workers: "" means stop with st */
        char *cfgtext = NULL;
        if (st < 0) {
            json_t *c = report_json_config(job.run);
            cfgtext = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
            json_decref(c);
        }
        int len = cfgtext ? (int)strlen(cfgtext) : 0;
        MPI_Bcast(&len, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (len)
            MPI_Bcast(cfgtext, len, MPI_CHAR, 0, MPI_COMM_WORLD);
        free(cfgtext);
        if (st >= 0) {
            status = st;
        } else {
            if (size == 1)
                cli_run_job_execute(&job);
            else
                coordinate(&job, size);
            status = cli_run_job_finish(&job);
        }
    } else {
        int len;
        MPI_Bcast(&len, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (len) {
            char *cfgtext = deq_malloc((size_t)len + 1);
            MPI_Bcast(cfgtext, len, MPI_CHAR, 0, MPI_COMM_WORLD);
            cfgtext[len] = '\0';
            json_error_t je;
            json_t *c = json_loads(cfgtext, 0, &je);
            free(cfgtext);
            report_run_t run;
            deq_error_t err;
            deq_error_init(err);
            if (!c || report_json_config_read(run, c, "the run configuration", err) != DEQ_OK) {
                fprintf(stderr, "deqcheck-mpi: rank %d: %s\n", rank, c ? err->msg : je.text);
                MPI_Abort(MPI_COMM_WORLD, CLI_EXIT_INTERNAL);
            }
            json_decref(c);
            work(run);
            report_run_clear(run);
        }
    }
    MPI_Finalize();
    return status;
}
