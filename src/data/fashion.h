/* Two-class problems from Fashion-MNIST (Debian's dataset-fashion-mnist):
 * images flattened (784 pixels), each normalized to unit Euclidean norm,
 * labels +1 (class_pos) and −1 (class_neg). */
#ifndef DEQ_DATA_FASHION_H
#define DEQ_DATA_FASHION_H

#include "core/status.h"
#include "num/mat.h"

#define DEQ_FASHION_INSTALL_HINT "apt-get install dataset-fashion-mnist"

/* The first n/2 images of each class from the training (test = 0) or test
 * (test = 1) file in dir (NULL: DEQ_FASHION_MNIST_DIR), alternating
 * pos, neg, pos, ... X (uninitialized) becomes 784×n, y (uninitialized) n×1.
 * Errors name the file and, for a missing package, the install command. */
deq_status data_fashion_two_class(mat_d_t X, mat_d_t y, long n, int class_pos, int class_neg,
                                  int test, const char *dir, deq_error_t err);

#endif
