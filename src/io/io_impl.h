/* Private to src/io: what the three readers share. */
#ifndef DEQ_IO_IMPL_H
#define DEQ_IO_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "io/tensor.h"

/* NumPy's own limit on dimensions (NPY_MAXDIMS in NumPy 2). */
#define IO_MAXDIM 64

/* Element types that convert to double. */
typedef enum { IO_EL_F16, IO_EL_BF16, IO_EL_F32, IO_EL_F64, IO_EL_NONE } io_elem;

/* A tensor's bytes and layout, as a reader found them. len has been checked
 * against the shape (count elements of the type's size) before decoding. */
typedef struct {
    io_elem elem;
    int big_endian;
    int fortran;            /* column-major storage (NumPy fortran_order) */
    int ndim;
    long shape[IO_MAXDIM];
    const unsigned char *data;
} io_raw;

struct io_entry_struct {
    char *name;
    uint64_t zip_index;     /* .npz: the member */
    size_t offset, length;  /* .npy / .safetensors: the data (or, .npy, the whole file) in buf */
    /* .safetensors: the header's entry */
    char *dtype;
    int ndim;
    long shape[IO_MAXDIM];
};

/* A parsed .npy header. */
typedef enum { IO_NPY_FLOAT, IO_NPY_UNICODE, IO_NPY_BYTES, IO_NPY_OTHER } io_npy_kind;
typedef struct {
    char descr[64];         /* as written, for messages */
    io_npy_kind kind;
    io_elem elem;           /* IO_NPY_FLOAT */
    int big_endian;
    size_t itemsize;        /* 0 for IO_NPY_OTHER */
    int fortran;
    int ndim;
    long shape[IO_MAXDIM];
    size_t count;           /* product of the shape */
    size_t data_offset;     /* where the data starts */
} io_npy_header;

/* Parses the magic, version and header of the .npy bytes b[0, n). Returns
 * DEQ_OK, or DEQ_ERR_INPUT with "PATH: tensor NAME: ..." in err. When n is
 * too short to hold the whole header, *more (if not NULL) is set to 1 and
 * the error says the file is truncated. */
deq_status io_npy_parse_header(io_npy_header *h, const unsigned char *b, size_t n,
                               const char *path, const char *name, int *more, deq_error_t err);
/* Checks a complete .npy image b[0, n) (the header, a float dtype, the data
 * length) and describes it in r (r->data points into b). */
deq_status io_npy_raw(io_raw *r, const unsigned char *b, size_t n, const char *path,
                      const char *name, deq_error_t err);
/* A one-element string array of a complete .npy image, as UTF-8. */
deq_status io_npy_string(char **out, const unsigned char *b, size_t n, const char *path,
                         const char *name, deq_error_t err);

/* Converts r to out (uninitialized on entry; initialized on DEQ_OK), refusing
 * NaN and infinities with the first one's index, ranks other than 1 and 2 and
 * empty tensors. */
deq_status io_raw_to_mat(mat_d_t out, const io_raw *r, const char *path, const char *name,
                         deq_error_t err);
/* Bytes of one element. */
size_t io_elem_size(io_elem e);
/* Product of shape[0, ndim) into *count, and *count·size into *bytes; 0 on
 * overflow of size_t. */
int io_shape_count(size_t *count, size_t *bytes, const long *shape, int ndim, size_t size);
/* "(3, 4)", "(3,)", "()" into buf. */
void io_shape_str(char *buf, size_t cap, const long *shape, int ndim);

/* s for a one-line message: control characters as '?', at most cap - 1
 * bytes (a longer s ends in "..."). Returns dst. */
const char *io_clean(char *dst, size_t cap, const char *s);
/* 1 if s holds a control character (refused in tensor names, which every
 * message prints). */
int io_has_control(const char *s);

/* The format readers: fill F (path already set) or leave err. */
deq_status io_npy_open(io_tensor_file_t F, deq_error_t err);
deq_status io_npz_open(io_tensor_file_t F, deq_error_t err);
void io_npz_close(io_tensor_file_t F);
/* The whole .npy image of member e in a new buffer (*b, *n; caller frees). */
deq_status io_npz_member(unsigned char **b, size_t *n, const io_tensor_file_t F,
                         const io_entry *e, deq_error_t err);
deq_status io_safetensors_open(io_tensor_file_t F, deq_error_t err);
deq_status io_safetensors_raw(io_raw *r, const io_tensor_file_t F, const io_entry *e,
                              deq_error_t err);

/* The whole file in a new buffer; errors name the path. */
deq_status io_slurp(unsigned char **b, size_t *n, const char *path, deq_error_t err);

#endif
