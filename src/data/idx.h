/* IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed
 * (inflated with zlib). */
#ifndef DEQ_DATA_IDX_H
#define DEQ_DATA_IDX_H

#include <stddef.h>

#include "core/status.h"
#include "num/mat.h"

/* Where Debian's dataset-fashion-mnist package installs the files. */
#define DEQ_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

/* A file is gzip when it starts with gzip's magic bytes (then it is inflated
 * and must end whole: every member up to its check value, nothing else
 * after them), plain otherwise.
 *
 * Reads up to max_count images (all when max_count <= 0) from an idx3-ubyte
 * file. X must be uninitialized; on DEQ_OK it is initialized as a
 * (rows*cols) x count matrix, one flattened image per column, pixels as
 * doubles in [0, 255] (row-major within an image). Reading all of them also
 * checks that the file ends there. */
deq_status idx_read_images(mat_d_t X, long *rows, long *cols, const char *path, long max_count,
                           deq_error_t err);
/* Reads up to max_count labels (all when max_count <= 0) from an idx1-ubyte
 * file into a newly allocated array (*labels, caller frees). On error *labels
 * is NULL (and idx_read_images leaves X uninitialized). Reading all checks the
 * end of the file as idx_read_images does. */
deq_status idx_read_labels(unsigned char **labels, long *count, const char *path, long max_count,
                           deq_error_t err);

/* An IDX file read record by record (one image or one label), for readers
 * that keep only some records yet must know that the whole file is sound.
 * Errors are DEQ_ERR_INPUT with one line that starts with the path. */
struct idx_src;
typedef struct {
    struct idx_src *src;      /* the open file; NULL once closed */
    const char *path;         /* the caller's string, not copied */
    int images;               /* 1: an idx3 image file; 0: an idx1 label file */
    unsigned long count;      /* records the header promises (> 0) */
    unsigned long rows, cols; /* image size (1 x 1 for labels) */
    size_t record;            /* bytes per record: rows * cols */
    unsigned long next;       /* records read so far */
} idx_stream;

/* Opens path and reads its header (images: magic 0x803 and three dimensions;
 * labels: 0x801 and one). On error the stream is closed. */
deq_status idx_stream_open(idx_stream *s, const char *path, int images, deq_error_t err);
/* Reads the next n records (n <= count − next) into buf, n * record bytes. A
 * file that ends or a gzip stream that breaks before them is an error. */
deq_status idx_stream_read(idx_stream *s, unsigned char *buf, unsigned long n, deq_error_t err);
/* After the count records: checks that the file ends there (no more data; a
 * gzip stream whole up to its check value) and closes the stream. */
deq_status idx_stream_end(idx_stream *s, deq_error_t err);
/* Closes the stream; closing a closed one does nothing. */
void idx_stream_close(idx_stream *s);

#endif
