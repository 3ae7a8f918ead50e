/* The run over MPI ranks: rank 0 dispatches and gathers, the others compute
 * (run/mpi.h). */
#include "run/mpi.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cblas.h>

#include "report/json.h"

enum { TAG_READY = 1, TAG_WORK, TAG_RESULT };
/* The exit status of a rank that cannot go on: deqcheck's for an internal
 * failure (README "Exit status"). */
enum { RUN_MPI_ABORT = 3 };


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
static void coordinate(run_struct *r, int size)
{
    report_run_struct *run = r->run;
    long next = 0, outstanding = 0;
    run_progress *prog = run_progress_start(report_run_n_done(run) + run_todo(r),
                                            report_run_n_done(run), r->opts.quiet);
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
                MPI_Abort(MPI_COMM_WORLD, RUN_MPI_ABORT);
            }
            run_record(r, (long)json_integer_value(json_object_get(o, "index")));
            json_decref(o);
            free(text);
            outstanding--;
            run_progress_done(prog);
        } else {
            MPI_Recv(NULL, 0, MPI_CHAR, src, TAG_READY, MPI_COMM_WORLD, &st);
        }
        /* the sender is idle now: the next case, or stop */
        while (next < run->n_cases && !run_wants(r, next))
            next++;
        long k = next < run->n_cases ? next++ : -1;
        if (k >= 0) {
            run_progress_case(prog, run->cases[k].key);
            outstanding++;
        } else {
            active--;
        }
        MPI_Send(&k, 1, MPI_LONG, src, TAG_WORK, MPI_COMM_WORLD);
    }
    DEQ_REQUIRE(outstanding == 0);
    run_progress_stop(prog);
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

void run_mpi_start(int *argc, char ***argv, int *rank, int *size)
{
    /* rank 0 runs a progress thread that makes no MPI calls */
    int provided;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    pin_blas_threads(*rank);
}

void run_mpi_finish(void)
{
    MPI_Finalize();
}

/* The configuration to the workers: length 0 means stop. */
void run_mpi_share(const run_struct *r)
{
    char *cfgtext = NULL;
    if (r) {
        json_t *c = report_json_config(r->run);
        cfgtext = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(c);
    }
    int len = cfgtext ? (int)strlen(cfgtext) : 0;
    MPI_Bcast(&len, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (len)
        MPI_Bcast(cfgtext, len, MPI_CHAR, 0, MPI_COMM_WORLD);
    free(cfgtext);
}

void run_mpi_execute(run_t r, int size)
{
    if (size == 1)
        run_execute(r);
    else
        coordinate(r, size);
}

void run_mpi_serve(int rank)
{
    int len;
    MPI_Bcast(&len, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!len)
        return;
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
        MPI_Abort(MPI_COMM_WORLD, RUN_MPI_ABORT);
    }
    json_decref(c);
    work(run);
    report_run_clear(run);
}
