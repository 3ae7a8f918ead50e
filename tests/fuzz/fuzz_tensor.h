/* The body shared by the tensor-file targets (fuzz_npy, fuzz_npz,
 * fuzz_safetensors): the input is the file, opened with io_tensor_file_open_as
 * in the target's format. Besides the sanitizers' findings, these properties
 * must hold:
 *   - every failure is DEQ_ERR_INPUT with a one-line message that starts with
 *     the path (and, for a tensor's fault, names the tensor);
 *   - a failed open leaves the file cleared (no tensors, nothing to free);
 *   - every tensor read is a non-empty matrix of finite numbers; read as
 *     samples it is its transpose, or refused;
 *   - writing a tensor read with io_npy_write_d and reading it back gives the
 *     same values, bit for bit.
 */
#ifndef DEQ_FUZZ_TENSOR_H
#define DEQ_FUZZ_TENSOR_H

#include "fuzz_util.h"

#include <math.h>

#include "io/tensor.h"

static fuzz_file file, copy;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_file_open(&file);
    fuzz_file_open(&copy);
    return 0;
}

static void check_error(const deq_error_t err, const char *name)
{
    FUZZ_CHECK(err->status == DEQ_ERR_INPUT, "status %d: %s", (int)err->status, err->msg);
    fuzz_check_message(err->msg, file.path);
    (void)name;
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static void check_matrix(const mat_d_t M, const char *name)
{
    FUZZ_CHECK(M->rows > 0 && M->cols > 0, "tensor %s: %ld x %ld", name, M->rows, M->cols);
    for (long k = 0; k < M->rows * M->cols; k++)
        FUZZ_CHECK(isfinite(M->e[k]), "tensor %s: entry %ld is %g", name, k, M->e[k]);
}

static void round_trip(const mat_d_t M, const char *name)
{
    deq_error_t err;
    deq_error_init(err);
    FUZZ_CHECK(io_npy_write_d(copy.path, M, err) == DEQ_OK, "write: %s", err->msg);
    io_tensor_file_t G;
    FUZZ_CHECK(io_tensor_file_open_as(G, copy.path, IO_FORMAT_NPY, err) == DEQ_OK, "reopen: %s",
               err->msg);
    mat_d_t R;
    FUZZ_CHECK(io_tensor_get(R, G, NULL, err) == DEQ_OK, "reread: %s", err->msg);
    FUZZ_CHECK(R->rows == M->rows && R->cols == M->cols, "tensor %s: shape changed", name);
    for (long k = 0; k < M->rows * M->cols; k++)
        FUZZ_CHECK(same_bits(R->e[k], M->e[k]), "tensor %s: entry %ld changed", name, k);
    mat_clear_d(R);
    io_tensor_file_clear(G);
}

static void fuzz_tensor_file(const uint8_t *data, size_t size, io_format format)
{
    fuzz_file_set(&file, data, size);
    deq_error_t err;
    deq_error_init(err);
    io_tensor_file_t F;
    if (io_tensor_file_open_as(F, file.path, format, err) != DEQ_OK) {
        check_error(err, NULL);
        FUZZ_CHECK(F->count == 0 && F->entries == NULL && F->buf == NULL && F->zip == NULL,
                   "a failed open left state behind");
        return;
    }
    io_tensor_metadata(F, "activation");
    long count = io_tensor_count(F);
    /* at most a few tensors per input: each may be large */
    for (long k = 0; k < count && k < 8; k++) {
        const char *name = io_tensor_name(F, k);
        FUZZ_CHECK(io_tensor_has(F, name), "tensor %s listed but not found", name);
        mat_d_t M, X;
        deq_error_init(err);
        if (io_tensor_get(M, F, name, err) != DEQ_OK) {
            check_error(err, name);
        } else {
            check_matrix(M, name);
            deq_error_init(err);
            if (io_tensor_get_samples(X, F, name, err) == DEQ_OK) {
                FUZZ_CHECK(X->rows == M->cols && X->cols == M->rows, "samples: not the transpose");
                for (long i = 0; i < M->rows; i++)
                    for (long j = 0; j < M->cols; j++)
                        FUZZ_CHECK(same_bits(X->e[j + i * X->rows], M->e[i + j * M->rows]),
                                   "samples: [%ld, %ld] differs", i, j);
                mat_clear_d(X);
            } else {
                check_error(err, name);
                FUZZ_CHECK(M->cols == 1, "samples refused a %ld x %ld matrix: %s", M->rows,
                           M->cols, err->msg);
            }
            if (M->rows * M->cols <= 4096)
                round_trip(M, name);
            mat_clear_d(M);
        }
        char *s = NULL;
        deq_error_init(err);
        if (io_tensor_get_string(&s, F, name, err) == DEQ_OK) {
            FUZZ_CHECK(s != NULL, "string tensor %s: NULL", name);
            free(s);
        } else {
            check_error(err, name);
            FUZZ_CHECK(s == NULL, "string left set after an error");
        }
    }
    deq_error_init(err);
    mat_d_t M;
    if (io_tensor_get(M, F, "no such tensor", err) == DEQ_OK)
        FUZZ_CHECK(0, "an absent tensor was read");
    check_error(err, NULL);
    io_tensor_file_clear(F);
}

#endif
