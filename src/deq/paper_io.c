/* The papers' models: weights from and to files, and the training log
 * (backend-free). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deq/paper_model.h"
#include "io/tensor.h"

void deq_paper_tensors_init(mat_d_t T[DEQ_PAPER_SLOTS], deq_paper_kind kind, long m, long d)
{
    for (int k = 0; k < DEQ_PAPER_SLOTS; k++) {
        long r, c;
        deq_paper_tensor_shape(&r, &c, kind, k, m, d);
        mat_init_d(T[k], r, c, 53);
    }
}

void deq_paper_tensors_clear(mat_d_t T[DEQ_PAPER_SLOTS])
{
    for (int k = 0; k < DEQ_PAPER_SLOTS; k++)
        mat_clear_d(T[k]);
}

static void shape_str(char *b, size_t cap, long r, long c, int vec)
{
    if (vec)
        snprintf(b, cap, "(%ld,)", r);
    else
        snprintf(b, cap, "(%ld, %ld)", r, c);
}

deq_status deq_paper_load(mat_d_t T[DEQ_PAPER_SLOTS], long *m, deq_paper_kind kind, long d,
                          const char *path, deq_error_t err)
{
    io_tensor_file_t F;
    if (io_tensor_file_open(F, path, err) != DEQ_OK)
        return err->status;
    int got = 0;
    deq_status st = DEQ_OK;
    for (int k = 0; k < DEQ_PAPER_SLOTS && st == DEQ_OK; k++) {
        const char *name = deq_paper_tensor_name(kind, k);
        if (!name) {
            mat_init_d(T[k], 0, 0, 53);
            got++;
            continue;
        }
        if ((st = io_tensor_get(T[k], F, name, err)) != DEQ_OK)
            break;
        got++;
        if (k == DEQ_PAPER_T)
            *m = T[k]->rows;
        long r, c;
        deq_paper_tensor_shape(&r, &c, kind, k, *m, d);
        if (T[k]->rows != r || T[k]->cols != c) {
            char want[64], have[64];
            shape_str(want, sizeof want, r, c, c == 1 && k != DEQ_PAPER_T && k != DEQ_PAPER_IN);
            shape_str(have, sizeof have, T[k]->rows, T[k]->cols, 0);
            const char *why = k == DEQ_PAPER_T ? "the transition matrix must be square (m, m)"
                              : k == DEQ_PAPER_IN ? "(m, d): m from the transition matrix, d from the data"
                                                  : "a vector of length m";
            st = deq_error_set(err, DEQ_ERR_INPUT, "%s: tensor %s: shape %s, expected %s (%s)",
                               path, name, have, want, why);
        }
    }
    if (st != DEQ_OK)
        for (int k = 0; k < got; k++)
            mat_clear_d(T[k]);
    io_tensor_file_clear(F);
    return st;
}

deq_status deq_paper_save(const char *path, mat_d_t T[DEQ_PAPER_SLOTS], deq_paper_kind kind,
                          deq_error_t err)
{
    const char *names[DEQ_PAPER_SLOTS];
    mat_d_struct mats[DEQ_PAPER_SLOTS];
    int nd[DEQ_PAPER_SLOTS];
    long count = 0;
    for (int k = 0; k < DEQ_PAPER_SLOTS; k++) {
        if (!deq_paper_tensor_name(kind, k))
            continue;
        names[count] = deq_paper_tensor_name(kind, k);
        mats[count] = *T[k];
        nd[count] = k == DEQ_PAPER_T || k == DEQ_PAPER_IN ? 2 : 1;
        count++;
    }
    return io_npz_write_d(path, names, (const mat_d_t *)(void *)mats, nd, count, err);
}

deq_status deq_paper_data_load(mat_d_t X, mat_d_t y, const char *xpath, const char *ypath, const char *xflag,
                               const char *yflag, deq_error_t err)
{
    if (io_read_samples(X, xpath, NULL, err) != DEQ_OK)
        return err->status;
    io_tensor_file_t F;
    if (io_tensor_file_open(F, ypath, err) != DEQ_OK) {
        mat_clear_d(X);
        return err->status;
    }
    deq_status st = io_tensor_get(y, F, NULL, err);
    io_tensor_file_clear(F);
    if (st != DEQ_OK) {
        mat_clear_d(X);
        return st;
    }
    if (y->cols != 1 || y->rows != X->cols) {
        deq_error_set(err, DEQ_ERR_INPUT, "%s %s: tensor y: shape (%ld, %ld), expected (%ld,) "
                      "(one target per row of %s %s)", yflag, ypath, y->rows, y->cols, X->cols, xflag, xpath);
        mat_clear_d(X), mat_clear_d(y);
        return DEQ_ERR_INPUT;
    }
    return DEQ_OK;
}

int deq_paper_input_norm_note(char *buf, size_t cap, const deq_paper_spec *spec, const mat_d_t X)
{
    long d = X->rows, n = X->cols, at = 0;
    double want = spec->kind == DEQ_PAPER_LING2022 ? sqrt((double)d) : 1.0, worst = 0, at_norm = want;
    for (long j = 0; j < n; j++) {
        /* the scaled norm: a sum of squares would overflow from |x| ~ 1e154 on
         * and underflow below 1e-154, misreporting both the size and the sample */
        double nj = mat_col_norm2_d(X, j, 53);
        double dev = fabs(nj - want) / want;
        if (dev > worst)
            worst = dev, at = j, at_norm = nj;
    }
    /* data normalized in float32 are off by up to about d float32 roundings */
    if (!(worst > (double)d * 0x1p-24))
        return 0;
    snprintf(buf, cap, "%s's Assumption 2 asks |x_i| = %s; the sample in row %ld (from 0) has norm %.3g, off by "
             "%.3g relative (the model runs on the data as given)", spec->name,
             spec->kind == DEQ_PAPER_LING2022 ? "sqrt(d)" : "1", at, at_norm, worst);
    return 1;
}

void deq_paper_log_init(deq_paper_log_t log)
{
    memset(log, 0, sizeof *log);
    log->trouble_step = -1;
}

void deq_paper_log_clear(deq_paper_log_t log)
{
    free(log->steps);
    memset(log, 0, sizeof *log);
}

deq_paper_step *deq_paper_log_push(deq_paper_log_t log)
{
    if (log->len == log->cap) {
        log->cap = log->cap ? 2 * log->cap : 64;
        log->steps = deq_realloc(log->steps, (size_t)log->cap * sizeof *log->steps);
    }
    deq_paper_step *s = &log->steps[log->len++];
    memset(s, 0, sizeof *s);
    s->lam_min = s->lam_min_lower = s->lam_min_upper = NAN;
    return s;
}

int deq_paper_log_write_csv(const deq_paper_log_t log, FILE *f)
{
    if (fprintf(f, "step,loss,grad_norm2,op_norm,op_norm_upper,fwd_iters,adj_iters,solver,lam_min_G,"
                   "lam_min_G_lower,lam_min_G_upper,event\n") < 0)
        return -1;
    for (long k = 0; k < log->len; k++) {
        const deq_paper_step *s = &log->steps[k];
        /* %.17g: every double comes back bit for bit; the event is quoted */
        if (fprintf(f, "%ld,%.17g,%.17g,%.17g,%.17g,%ld,%ld,%s,%.17g,%.17g,%.17g,\"%s\"\n", s->k,
                    s->loss, s->grad_norm2, s->op_norm, s->op_norm_upper, s->fwd_iters,
                    s->adj_iters, deq_solver_name(s->solver), s->lam_min, s->lam_min_lower, s->lam_min_upper, s->event) < 0)
            return -1;
    }
    return 0;
}
