#include "data/fashion.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/idx.h"

/* Images read from the file at once (200 KB). */
#define FASHION_BLOCK 256

deq_status data_fashion_pair(mat_d_t X, mat_d_t y, long n, int class_pos, int class_neg,
                             const char *ipath, const char *lpath, deq_error_t err)
{
    unsigned char *labels = NULL;
    long count = 0;
    deq_status st = idx_read_labels(&labels, &count, lpath, 0, err);
    if (st != DEQ_OK)
        return st;
    for (long k = 0; k < count; k++)
        if (labels[k] >= DEQ_FASHION_CLASSES) {
            st = deq_error_set(err, DEQ_ERR_INPUT,
                               "%s: the label of item %ld (counting from 0) is %d; "
                               "Fashion-MNIST's classes are 0..%d",
                               lpath, k, labels[k], DEQ_FASHION_CLASSES - 1);
            free(labels);
            return st;
        }
    idx_stream img;
    if ((st = idx_stream_open(&img, ipath, 1, err)) != DEQ_OK) {
        free(labels);
        return st;
    }
    if (img.rows != DEQ_FASHION_SIDE || img.cols != DEQ_FASHION_SIDE)
        st = deq_error_set(err, DEQ_ERR_INPUT,
                           "%s: images of %lu x %lu pixels; Fashion-MNIST's are %d x %d", ipath,
                           img.rows, img.cols, DEQ_FASHION_SIDE, DEQ_FASHION_SIDE);
    else if (img.count != (unsigned long)count)
        st = deq_error_set(err, DEQ_ERR_INPUT,
                           "images file %s has %lu items but labels file %s has %ld", ipath,
                           img.count, lpath, count);
    if (st != DEQ_OK) {
        idx_stream_close(&img);
        free(labels);
        return st;
    }

    /* col[k]: the column of X that image k fills (the first n/2 images of
     * each class, alternating pos, neg, pos, ...), or −1 */
    long *col = NULL;
    if (X) {
        if (n < 2 || n % 2 != 0) {
            idx_stream_close(&img);
            free(labels);
            return deq_error_set(err, DEQ_ERR_INPUT,
                                 "Fashion-MNIST: n must be even and >= 2, got %ld", n);
        }
        col = deq_malloc((size_t)count * sizeof *col);
        long np = 0, nn = 0;
        for (long k = 0; k < count; k++) {
            col[k] = -1;
            if (labels[k] == class_pos && np < n / 2)
                col[k] = 2 * np++;
            else if (labels[k] == class_neg && nn < n / 2)
                col[k] = 2 * nn++ + 1;
        }
        if (np < n / 2 || nn < n / 2) {
            idx_stream_close(&img);
            free(labels);
            free(col);
            return deq_error_set(err, DEQ_ERR_INPUT,
                                 "%s: only %ld and %ld images of classes %d and %d", lpath, np,
                                 nn, class_pos, class_neg);
        }
    }
    free(labels);

    /* Every image is read, the ones kept and the others: a file cut short or
     * a gzip stream broken after the last kept image is caught as well. */
    const long d = DEQ_FASHION_SIDE * DEQ_FASHION_SIDE;
    if (X) {
        mat_init_d(X, d, n, 53);
        mat_init_d(y, n, 1, 53);
    }
    unsigned char *buf = deq_malloc(FASHION_BLOCK * (size_t)d);
    for (unsigned long k = 0; k < img.count;) {
        unsigned long nb = img.count - k < FASHION_BLOCK ? img.count - k : FASHION_BLOCK;
        if ((st = idx_stream_read(&img, buf, nb, err)) != DEQ_OK)
            break;
        for (unsigned long j = 0; X && j < nb; j++)
            if (col[k + j] >= 0)
                for (long p = 0; p < d; p++)
                    X->e[p + col[k + j] * d] = buf[j * (size_t)d + (size_t)p];
        k += nb;
    }
    free(buf);
    free(col);
    if (st == DEQ_OK)
        st = idx_stream_end(&img, err);
    idx_stream_close(&img);
    if (st != DEQ_OK) {
        if (X)
            mat_clear_d(X), mat_clear_d(y);
        return st;
    }
    for (long i = 0; X && i < n; i++) {
        double s = 0;
        for (long j = 0; j < d; j++)
            s += X->e[j + i * d] * X->e[j + i * d];
        s = sqrt(s);
        for (long j = 0; s > 0 && j < d; j++) /* a blank image stays 0: the data check flags it */
            X->e[j + i * d] /= s;
        y->e[i] = i % 2 == 0 ? 1.0 : -1.0;
    }
    return DEQ_OK;
}

/* dir/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz */
static void fashion_paths(char ipath[1024], char lpath[1024], const char *dir, int test)
{
    if (!dir)
        dir = DEQ_FASHION_MNIST_DIR;
    snprintf(ipath, 1024, "%s/%s-images-idx3-ubyte.gz", dir, test ? "t10k" : "train");
    snprintf(lpath, 1024, "%s/%s-labels-idx1-ubyte.gz", dir, test ? "t10k" : "train");
}

deq_status data_fashion_two_class(mat_d_t X, mat_d_t y, long n, int class_pos, int class_neg,
                                  int test, const char *dir, deq_error_t err)
{
    char ipath[1024], lpath[1024];
    fashion_paths(ipath, lpath, dir, test);
    const char *paths[2] = {ipath, lpath};
    for (int q = 0; q < 2; q++)
        if (access(paths[q], R_OK) != 0)
            return deq_error_set(err, DEQ_ERR_INPUT,
                                 "%s: Fashion-MNIST not found (install it with: %s)", paths[q],
                                 DEQ_FASHION_INSTALL_HINT);
    if (n < 2 || n % 2 != 0)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "Fashion-MNIST: n must be even and >= 2, got %ld", n);
    return data_fashion_pair(X, y, n, class_pos, class_neg, ipath, lpath, err);
}

deq_status data_fashion_check(const char *dir, int *present, deq_error_t err)
{
    char paths[4][1024];
    deq_status st;
    fashion_paths(paths[0], paths[1], dir, 0);
    fashion_paths(paths[2], paths[3], dir, 1);
    int there[4], any = 0;
    for (int q = 0; q < 4; q++) {
        errno = 0;
        there[q] = access(paths[q], F_OK) == 0 || errno != ENOENT;
        any |= there[q];
    }
    *present = any;
    if (!any)
        return DEQ_OK;
    for (int q = 0; q < 4; q++)
        if (!there[q])
            return deq_error_set(err, DEQ_ERR_INPUT,
                                 "%s: missing, though other Fashion-MNIST files are there "
                                 "(reinstall: %s)",
                                 paths[q], DEQ_FASHION_INSTALL_HINT);
    for (int t = 0; t < 2; t++)
        if ((st = data_fashion_pair(NULL, NULL, 0, 0, 1, paths[2 * t], paths[2 * t + 1], err)) !=
            DEQ_OK)
            return st;
    return DEQ_OK;
}
