/* What the files of src/run share and nothing else needs. */
#ifndef DEQ_RUN_RUN_IMPL_H
#define DEQ_RUN_RUN_IMPL_H

#include "run/run.h"

/* Creates or reopens the checkpoint of r->opts (locked against a second
 * process) and loads its finished cases on resume (checkpoint.c). */
deq_status run_ckpt_open(run_struct *r, deq_error_t err);

/* Appends case k's line to the checkpoint; on a failed write, warns and
 * stops checkpointing, the run goes on. */
void run_ckpt_record_line(run_struct *r, long k);

#endif
