/* Two-class problems from Fashion-MNIST (Debian's dataset-fashion-mnist):
 * images flattened (784 pixels), each normalized to unit Euclidean norm,
 * labels +1 (class_pos) and −1 (class_neg). */
#ifndef DEQ_DATA_FASHION_H
#define DEQ_DATA_FASHION_H

#include "core/status.h"
#include "num/mat.h"

#define DEQ_FASHION_INSTALL_HINT "apt-get install dataset-fashion-mnist"
#define DEQ_FASHION_SIDE 28    /* images are 28 x 28 pixels */
#define DEQ_FASHION_CLASSES 10 /* labels 0..9 */

/* The first n/2 images of each class from the training (test = 0) or test
 * (test = 1) file in dir (NULL: DEQ_FASHION_MNIST_DIR), alternating
 * pos, neg, pos, ... X (uninitialized) becomes 784×n, y (uninitialized) n×1.
 * Errors (DEQ_ERR_INPUT, one line) name the file and, for a missing package,
 * the install command. */
deq_status data_fashion_two_class(mat_d_t X, mat_d_t y, long n, int class_pos, int class_neg,
                                  int test, const char *dir, deq_error_t err);

/* The same from an images file and a labels file given by path. Both are
 * read to the end whatever n is: an images file and a labels file that do not
 * agree (item counts that differ, images other than 28 × 28, a label outside
 * 0..9), a wrong magic number, a zero count, a truncated file, extra data
 * after the records, a corrupt gzip stream: each is DEQ_ERR_INPUT with one
 * line naming the file and what is wrong. With X NULL (y and n unused) only
 * the pair is checked. */
deq_status data_fashion_pair(mat_d_t X, mat_d_t y, long n, int class_pos, int class_neg,
                             const char *images_path, const char *labels_path, deq_error_t err);

/* Checks the four Fashion-MNIST files in dir (NULL: DEQ_FASHION_MNIST_DIR)
 * before a run that uses them. None of them there: *present = 0 and DEQ_OK
 * (the package is not installed; the run reports N/A). Otherwise *present = 1
 * and every file must be there and each pair (train, t10k) sound as
 * data_fashion_pair checks it, else DEQ_ERR_INPUT naming the file. */
deq_status data_fashion_check(const char *dir, int *present, deq_error_t err);

#endif
