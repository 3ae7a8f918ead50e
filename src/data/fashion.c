#include "data/fashion.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "data/idx.h"

deq_status data_fashion_two_class(mat_d_t X, mat_d_t y, long n, int class_pos, int class_neg,
                                  int test, const char *dir, deq_error_t err)
{
    if (!dir)
        dir = DEQ_FASHION_MNIST_DIR;
    char ipath[1024], lpath[1024];
    snprintf(ipath, sizeof ipath, "%s/%s-images-idx3-ubyte.gz", dir, test ? "t10k" : "train");
    snprintf(lpath, sizeof lpath, "%s/%s-labels-idx1-ubyte.gz", dir, test ? "t10k" : "train");
    if (access(ipath, R_OK) != 0 || access(lpath, R_OK) != 0)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: Fashion-MNIST not found (install it with: %s)", ipath,
                             DEQ_FASHION_INSTALL_HINT);
    if (n < 2 || n % 2 != 0)
        return deq_error_set(err, DEQ_ERR_INPUT, "Fashion-MNIST: n must be even and >= 2, got %ld", n);
    unsigned char *labels = NULL;
    long count = 0, rows = 0, cols = 0;
    if (idx_read_labels(&labels, &count, lpath, 0, err) != DEQ_OK)
        return err->status;
    /* indices of the first n/2 images of each class, alternating */
    long *pick = deq_malloc((size_t)n * sizeof *pick), np = 0, nn = 0, last = -1;
    for (long k = 0; k < count && (np < n / 2 || nn < n / 2); k++) {
        if (labels[k] == class_pos && np < n / 2)
            pick[2 * np++] = k, last = k;
        else if (labels[k] == class_neg && nn < n / 2)
            pick[2 * nn++ + 1] = k, last = k;
    }
    free(labels);
    if (np < n / 2 || nn < n / 2) {
        free(pick);
        return deq_error_set(err, DEQ_ERR_INPUT, "%s: only %ld and %ld images of classes %d and %d",
                             lpath, np, nn, class_pos, class_neg);
    }
    mat_d_t all;
    if (idx_read_images(all, &rows, &cols, ipath, last + 1, err) != DEQ_OK) {
        free(pick);
        return err->status;
    }
    long d = rows * cols;
    mat_init_d(X, d, n, 53);
    mat_init_d(y, n, 1, 53);
    for (long i = 0; i < n; i++) {
        double s = 0;
        for (long j = 0; j < d; j++) {
            double p = all->e[j + pick[i] * d];
            X->e[j + i * d] = p;
            s += p * p;
        }
        s = sqrt(s);
        for (long j = 0; s > 0 && j < d; j++) /* a blank image stays 0: the data check flags it */
            X->e[j + i * d] /= s;
        y->e[i] = i % 2 == 0 ? 1.0 : -1.0;
    }
    mat_clear_d(all);
    free(pick);
    return DEQ_OK;
}
