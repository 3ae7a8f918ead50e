/* Tensor files: NumPy .npy and .npz, and safetensors (README "Model and data
 * files").
 *
 * One API for the three formats: io_tensor_file_open picks the reader by the
 * path's extension, lists the tensors, and io_tensor_get converts one of them
 * to a double matrix. Values come out exactly: float64, float32, float16 and
 * bfloat16 are all exactly representable in double, so a double matrix serves
 * both backends (the MPFR side converts it with mat_set_mat_d_mp, exact at
 * 53 bits and more; below 53 bits a float64 value is rounded once, as a
 * decimal of a text matrix is).
 *
 * Shapes: a 2-D tensor (r, c) is an r×c matrix whatever its storage order (C
 * or Fortran), entry (i, j) being the file's element [i, j]; a 1-D tensor (r,)
 * is an r×1 column. Scalars (shape ()), tensors of three or more dimensions
 * and empty tensors (a zero in the shape) are refused.
 *
 * Samples: NumPy and PyTorch store a data set as (n, d), one sample per ROW,
 * while deqcheck's matrices of samples (X, d×n; Z, m×n) hold one sample per
 * COLUMN. The _samples functions do the transposition both ways; the others
 * keep the file's orientation.
 *
 * Errors: bad input is DEQ_ERR_INPUT with one line "PATH: tensor NAME: what is
 * wrong" ("PATH: what is wrong" for a fault of the whole file). NaN and
 * infinities are refused with the first bad element's index. A .npy file holds
 * one tensor, named after the file ("data/X.npy" holds "X").
 *
 * The file is read whole at open (.npy, .safetensors) or member by member
 * (.npz, through libzip, which checks each member's CRC).
 */
#ifndef DEQ_IO_TENSOR_H
#define DEQ_IO_TENSOR_H

#include <stddef.h>

#include "core/status.h"
#include "num/mat.h"

typedef enum { IO_FORMAT_NPY, IO_FORMAT_NPZ, IO_FORMAT_SAFETENSORS } io_format;

/* One tensor of a file as listed at open (formats' own fields are private to
 * src/io). */
typedef struct io_entry_struct io_entry;

typedef struct {
    char *path;
    io_format format;
    long count;          /* number of tensors */
    io_entry *entries;   /* count of them, in the file's order */
    long meta_count;     /* safetensors __metadata__ (0 for NumPy files) */
    char **meta_keys, **meta_values;
    unsigned char *buf;  /* .npy / .safetensors: the whole file */
    size_t len;
    void *zip;           /* .npz: the open zip_t */
} io_tensor_file_struct;
typedef io_tensor_file_struct io_tensor_file_t[1];

/* The format io_tensor_file_open would pick for path's extension (.npy, .npz,
 * .safetensors, case-sensitive); -1 for any other. */
int io_format_of_path(const char *path);

/* Opens path and lists its tensors. On DEQ_OK the caller calls
 * io_tensor_file_clear; on error F is left cleared (clear is then a no-op).
 * Fails on an unknown extension, an unreadable file, a bad container (zip,
 * .npy magic and header, safetensors header and offsets); a single tensor's
 * fault (dtype, NaN) in an .npz or .safetensors shows only when it is read. */
deq_status io_tensor_file_open(io_tensor_file_t F, const char *path, deq_error_t err);
/* The same with the format given instead of taken from the extension (a
 * pipe, /proc/self/fd/N, a file named otherwise). */
deq_status io_tensor_file_open_as(io_tensor_file_t F, const char *path, io_format format,
                                  deq_error_t err);
void io_tensor_file_clear(io_tensor_file_t F);

long io_tensor_count(const io_tensor_file_t F);
/* Name of tensor k (0 <= k < count), in the file's order (.npz: the member
 * name without ".npy"). */
const char *io_tensor_name(const io_tensor_file_t F, long k);
/* 1 if the file has a tensor of that name. */
int io_tensor_has(const io_tensor_file_t F, const char *name);

/* Tensor `name` (NULL: the file's only tensor) as a matrix: out must be
 * uninitialized; on DEQ_OK it is initialized (rows×cols, or rows×1 for a 1-D
 * tensor) and the caller clears it; on error it is left uninitialized. */
deq_status io_tensor_get(mat_d_t out, const io_tensor_file_t F, const char *name,
                         deq_error_t err);
/* A 2-D tensor (n, d), one sample per row, as the d×n matrix X with one sample
 * per column (the transpose of io_tensor_get's). A 1-D tensor is refused: (n,)
 * could be n scalars or one sample. */
deq_status io_tensor_get_samples(mat_d_t X, const io_tensor_file_t F, const char *name,
                                 deq_error_t err);
/* A string tensor of a NumPy file (0-d or one-element, dtype '<Un', '>Un' or
 * '|Sn', as numpy.savez(activation="tanh") stores it): *out is a newly
 * allocated UTF-8 string (caller frees), trailing NULs removed. *out is NULL
 * on error. Safetensors has no string tensors: see io_tensor_metadata. */
deq_status io_tensor_get_string(char **out, const io_tensor_file_t F, const char *name,
                                deq_error_t err);
/* The value of key in a safetensors file's __metadata__ (a string map), or
 * NULL when there is no such entry (always NULL for NumPy files). Owned by F. */
const char *io_tensor_metadata(const io_tensor_file_t F, const char *key);

/* Opens a file, reads its tensor `name` (NULL: a .npy file's tensor) with
 * io_tensor_get_samples and closes it: inputs X (d×n) from a (n, d) array. */
deq_status io_read_samples(mat_d_t X, const char *path, const char *name, deq_error_t err);

/* .npy writers: format 1.0, dtype '<f8' (float64, little-endian), C order;
 * errors name the path. Read back by io_tensor_get / io_tensor_get_samples,
 * every bit comes back (signed zeros, subnormals; NaN and infinities are
 * written but refused on reading).
 *  - io_npy_write_d: M as stored, shape (rows, cols);
 *  - io_npy_write_samples_d: a matrix of samples (m×n, one per column, as Z
 *    from deqcheck solve) as its transpose, shape (n, m): one sample per row,
 *    as NumPy users expect and io_tensor_get_samples reads back to M. */
deq_status io_npy_write_d(const char *path, const mat_d_t M, deq_error_t err);
deq_status io_npy_write_samples_d(const char *path, const mat_d_t M, deq_error_t err);

/* .npz writer (src/io/npz_write.c): count tensors, member NAME.npy each,
 * stored as numpy.savez does, float64 C order; ndims[k] = 1 writes mats[k]
 * (an r×1 column) as shape (r,), 2 as (rows, cols). The file is replaced
 * whole (written by libzip to a temporary and renamed at the end). */
deq_status io_npz_write_d(const char *path, const char *const *names, const mat_d_t *mats,
                          const int *ndims, long count, deq_error_t err);

#endif
