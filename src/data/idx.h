/* IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed
 * (read through zlib, which passes uncompressed files through unchanged). */
#ifndef DEQ_DATA_IDX_H
#define DEQ_DATA_IDX_H

#include "core/status.h"
#include "num/mat.h"

/* Where Debian's dataset-fashion-mnist package installs the files. */
#define DEQ_FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

/* Reads up to max_count images (all when max_count <= 0) from an idx3-ubyte
 * file. X must be uninitialized; on DEQ_OK it is initialized as a
 * (rows*cols) x count matrix, one flattened image per column, pixels as
 * doubles in [0, 255] (row-major within an image). */
deq_status idx_read_images(mat_d_t X, long *rows, long *cols, const char *path, long max_count,
                           deq_error_t err);
/* Reads up to max_count labels (all when max_count <= 0) from an idx1-ubyte
 * file into a newly allocated array (*labels, caller frees). On error *labels
 * is NULL (and idx_read_images leaves X uninitialized). */
deq_status idx_read_labels(unsigned char **labels, long *count, const char *path, long max_count,
                           deq_error_t err);

#endif
