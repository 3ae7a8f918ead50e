/* What `deqcheck reproduce` runs, decided below the CLI (as src/run decides
 * for `deqcheck run`): the paper's configuration when it fits --max-time and
 * --max-memory, else a labelled reduction chosen from a timed probe of the
 * paper's configuration; or the sizes the user fixed, or the sizes of given
 * weights and data (--init, --X/--y); then the data, each width's initial
 * probe and the step size with its printed reason. The CLI
 * (cli/cmd_reproduce.c, cli/reproduce_mpi.c) parses flags into a
 * repro_config and a repro_plan_opts and calls these in order:
 *
 *     repro_plan_t P;
 *     repro_plan_init(P, &cfg, &opts, err)    files loaded, fixed sizes checked
 *     repro_plan_decide(P, err)               estimate, reduction, memory check
 *     repro_plan_data(P, err)                 the data (unless loaded)
 *     repro_plan_probe(P, k) for every width  (any rank, any order)
 *     repro_plan_set_lr(P)                    the step size, printed with its reason
 *     ... repro_run_width(W, P->cfg, P->data, ...) per width
 *     repro_plan_clear(P);
 *
 * Informational lines ("reproduce: ...") go to opts.log (NULL: none). Bad
 * input is DEQ_ERR_INPUT with one line in err naming the flag or file. */
#ifndef DEQ_REPRO_PLAN_H
#define DEQ_REPRO_PLAN_H

#include <stdio.h>

#include "repro/reproduce.h"

typedef struct {
    int full;                 /* --full: the paper's configuration whatever the estimate */
    int sizes_given;          /* --n, --widths or --epochs fix the sizes: no estimate */
    int widths_given;         /* --widths (checked against --init's width) */
    int no_estimate;          /* --no-estimate */
    repro_reduce_mode reduce; /* --reduce */
    double max_time;          /* seconds */
    double mem_limit;         /* bytes */
    /* given weights and data (NULL: drawn as the paper does); the strings are
     * borrowed and must outlive the plan */
    const char *init, *X, *y, *Xtest, *ytest;
    FILE *log;
} repro_plan_opts;

typedef struct {
    repro_plan_opts opts;
    repro_config cfg;
    repro_data_t data;
    int have_data;
    double full_seconds;      /* estimated time of the paper's configuration; NAN unknown */
    double full_memory;       /* its memory per width (bytes) */
    char estimate_how[400];   /* how the estimate was made, or why there is none */
    repro_init_info probes[REPRO_MAX_WIDTHS];
} repro_plan_struct;
typedef repro_plan_struct repro_plan_t[1];

/* P's configuration is c as parsed (sizes from flags, the rest the paper's).
 * Sizes fixed by flags are labelled (reduced when they are not the paper's);
 * given files are read (the sizes become theirs: n and d from --X, the one
 * width from --init) and checked (shapes, --widths against --init's width);
 * fixed sizes are checked against --max-memory. On an error nothing is left
 * to clear. */
deq_status repro_plan_init(repro_plan_t P, const repro_config *c, const repro_plan_opts *o,
                           deq_error_t err);

/* The estimate of the paper's configuration (unless the sizes are fixed or
 * --no-estimate) and, when it does not fit and the sizes were not given, the
 * reduction; both printed. Then every width within --max-memory. */
deq_status repro_plan_decide(repro_plan_t P, deq_error_t err);

/* The data of the decided configuration (drawn or read from the paper's
 * dataset), unless repro_plan_init loaded it. */
deq_status repro_plan_data(repro_plan_t P, deq_error_t err);

/* Width k's initial probe into P->probes[k]: 0, or −1 when its initial
 * solves failed (a numeric outcome). */
int repro_plan_probe(repro_plan_t P, int k);

/* The step size from all probes unless given (cfg.lr_given), printed with
 * its reason and the theorem's step size at every width: 0, or −1 with the
 * reason in why when the derived step is not a double (data of extreme
 * scale: a numeric outcome, the run needs --lr). */
int repro_plan_set_lr(repro_plan_t P, char *why, size_t cap);

void repro_plan_clear(repro_plan_t P);

#endif
