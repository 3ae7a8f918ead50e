/* deqcheck-mpi reproduce: the widths of a paper's experiment spread over the
 * MPI ranks, width k on rank k mod size. Rank 0 parses, estimates and decides
 * the configuration and sends it to the others; every rank makes the same
 * data from the seed; the step-size probes are shared so every rank derives
 * the same step; each width's log comes back to rank 0 as its CSV text
 * (%.17g: every bit), which writes the files and the report. The results
 * equal the serial run's. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/reproduce.h"

enum { TAG_CSV = 11, TAG_TIME };

/* The decided configuration from rank 0 to every rank. */
static void share_config(cli_repro_job *J)
{
    repro_plan_struct *P = J->plan;
    repro_config *c = &P->cfg;
    long L[5 + REPRO_MAX_WIDTHS];
    L[0] = c->n_train, L[1] = c->n_test, L[2] = c->epochs, L[3] = c->n_widths, L[4] = c->reduced;
    for (int k = 0; k < REPRO_MAX_WIDTHS; k++)
        L[5 + k] = c->widths[k];
    MPI_Bcast(L, 5 + REPRO_MAX_WIDTHS, MPI_LONG, 0, MPI_COMM_WORLD);
    c->n_train = L[0], c->n_test = L[1], c->epochs = L[2], c->n_widths = (int)L[3], c->reduced = (int)L[4];
    for (int k = 0; k < REPRO_MAX_WIDTHS; k++)
        c->widths[k] = L[5 + k];
    double D[2] = {P->full_seconds, P->full_memory};
    MPI_Bcast(D, 2, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    P->full_seconds = D[0], P->full_memory = D[1];
    MPI_Bcast(c->reduced_how, (int)sizeof c->reduced_how, MPI_CHAR, 0, MPI_COMM_WORLD);
    MPI_Bcast(P->estimate_how, (int)sizeof P->estimate_how, MPI_CHAR, 0, MPI_COMM_WORLD);
}

/* Rank 0 writes the CSV text it received to the width's output file, where
 * cli_repro_finish rewrites it from the log read back here. */
static int receive_width(cli_repro_job *J, int k, int src, repro_width_t W)
{
    MPI_Status st;
    MPI_Probe(src, TAG_CSV, MPI_COMM_WORLD, &st);
    int len;
    MPI_Get_count(&st, MPI_CHAR, &len);
    char *buf = deq_malloc((size_t)len + 1);
    MPI_Recv(buf, len, MPI_CHAR, src, TAG_CSV, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    double t[2];
    MPI_Recv(t, 2, MPI_DOUBLE, src, TAG_TIME, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    char name[128], path[1200];
    report_repro_csv_name(name, sizeof name, J->plan->cfg.spec->name, J->plan->cfg.widths[k]);
    snprintf(path, sizeof path, "%s/%s", J->out, name);
    FILE *f = fopen(path, "w");
    int bad = !f || fwrite(buf, 1, (size_t)len, f) != (size_t)len;
    if ((f && fclose(f) != 0) || bad) {
        free(buf);
        fprintf(stderr, "deqcheck-mpi reproduce: --out %s: cannot write\n", path);
        return CLI_EXIT_USAGE;
    }
    free(buf);
    repro_width_init(W, J->plan->cfg.widths[k]);
    deq_error_t err;
    deq_error_init(err);
    if (repro_csv_read(W, path, -1, err) != DEQ_OK) {
        fprintf(stderr, "deqcheck-mpi reproduce: rank %d sent a bad log: %s\n", src, err->msg);
        return CLI_EXIT_INTERNAL;
    }
    W->seconds = t[0], W->steps_run = (long)t[1];
    /* a run stops early only at a fatal trouble */
    W->log->stopped = W->log->len < J->plan->cfg.epochs + 1;
    return 0;
}

static void send_width(const repro_width_t W)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    repro_csv_write(W, f);
    fclose(f);
    MPI_Send(text, (int)len, MPI_CHAR, 0, TAG_CSV, MPI_COMM_WORLD);
    double t[2] = {W->seconds, (double)W->steps_run};
    MPI_Send(t, 2, MPI_DOUBLE, 0, TAG_TIME, MPI_COMM_WORLD);
    free(text);
}

int cli_reproduce_mpi(int argc, char **argv)
{
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    cli_repro_job J;
    int rc = -1;
    if (rank == 0) {
        rc = cli_repro_parse(&J, "deqcheck-mpi", argc, argv);
        if (rc < 0)
            rc = cli_repro_decide(&J);
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (rc >= 0)
        return rc;
    if (rank != 0) {
        cli_repro_parse(&J, "deqcheck-mpi", argc, argv); /* the same argv: succeeds as on rank 0 */
        J.quiet = 1;
        J.plan->opts.log = NULL;
    }
    share_config(&J);
    rc = cli_repro_data(&J);
    int bad = rc >= 0, any;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (any) {
        cli_repro_clear(&J);
        return rc >= 0 ? rc : CLI_EXIT_USAGE;
    }
    int nw = J.plan->cfg.n_widths, fail = 0;
    for (int k = 0; k < nw; k++)
        if (k % size == rank)
            fail |= cli_repro_probe(&J, k) != 0;
    for (int k = 0; k < nw; k++)
        MPI_Bcast(&J.plan->probes[k], (int)sizeof J.plan->probes[k], MPI_BYTE, k % size, MPI_COMM_WORLD);
    MPI_Allreduce(&fail, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (any) {
        cli_repro_clear(&J);
        return CLI_EXIT_FAIL;
    }
    if ((rc = cli_repro_set_lr(&J)) != 0) { /* the same probes on every rank: the same outcome */
        cli_repro_clear(&J);
        return rc;
    }
    repro_width_struct W[REPRO_MAX_WIDTHS];
    int mine[REPRO_MAX_WIDTHS] = {0};
    fail = 0;
    for (int k = 0; k < nw; k++)
        if (k % size == rank) {
            mine[k] = 1;
            if ((fail = cli_repro_run(&J, k, &W[k])) != 0)
                break;
        }
    MPI_Allreduce(&fail, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (!any) {
        for (int k = 0; k < nw; k++) {
            int owner = k % size;
            if (rank == owner && rank != 0)
                send_width(&W[k]);
            else if (rank == 0 && owner != 0 && (rc = receive_width(&J, k, owner, &W[k])) == 0)
                mine[k] = 1;
        }
        if (rank == 0)
            rc = rc > 0 ? rc : cli_repro_finish(&J, W);
    } else {
        rc = fail ? fail : CLI_EXIT_USAGE;
    }
    for (int k = 0; k < nw; k++)
        if (mine[k])
            repro_width_clear(&W[k]);
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    cli_repro_clear(&J);
    return rc;
}
