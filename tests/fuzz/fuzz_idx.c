/* libFuzzer target: the IDX reader (data/idx.h), images and labels, plain or
 * gzip-compressed, and the Fashion-MNIST loader on an images file paired with
 * a labels file (data/fashion.h).
 *
 * The first input byte chooses max_count (0: all records, else 1..255), the
 * rest is the file, read both as an image file and as a label file. When the
 * rest contains the separator FUZZ_PAIR_SEP, the part before it is also an
 * images file and the part after it a labels file, loaded as a pair, with n
 * and the two classes taken from bits of the first byte. Besides
 * the sanitizers' findings, these properties must hold:
 *   - an error leaves a one-line message that starts with the path, *labels
 *     NULL and the count 0;
 *   - images: rows*cols x count with count <= max_count (when given), every
 *     pixel an integer in [0, 255];
 *   - labels: count <= max_count (when given), positive;
 *   - a pair: on success X is 784 x n, every column of unit norm (or zero, a
 *     blank image) with entries in [0, 1], y alternates +1, -1; on error the
 *     one-line message names one of the two files; the check alone
 *     (X NULL) passes whenever the load passes, and fails whenever the
 *     load fails for a reason other than too few images of a class.
 */
#include "fuzz_util.h"

#include <math.h>

#include "data/fashion.h"
#include "data/idx.h"

#define FUZZ_PAIR_SEP "\n=labels=\n"

static fuzz_file file, pair_images, pair_labels;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_file_open(&file);
    fuzz_file_open(&pair_images);
    fuzz_file_open(&pair_labels);
    return 0;
}

/* The message of a pair's error: one line, naming the images file or the
 * labels file ("images file P has ..." names both). */
static void check_pair_message(const char *msg)
{
    FUZZ_CHECK(msg[0] != '\0', "empty error message");
    FUZZ_CHECK(strchr(msg, '\n') == NULL, "message is not one line: %s", msg);
    size_t li = strlen(pair_images.path), ll = strlen(pair_labels.path);
    int named = (strncmp(msg, pair_images.path, li) == 0 && msg[li] == ':') ||
                (strncmp(msg, pair_labels.path, ll) == 0 && msg[ll] == ':') ||
                (strncmp(msg, "images file ", 12) == 0 && strstr(msg, pair_images.path) &&
                 strstr(msg, pair_labels.path));
    FUZZ_CHECK(named, "message names neither %s nor %s: %s", pair_images.path, pair_labels.path,
               msg);
}

static void fuzz_pair(const uint8_t *data, size_t size, unsigned b)
{
    const char *sep = memmem(data, size, FUZZ_PAIR_SEP, strlen(FUZZ_PAIR_SEP));
    if (!sep)
        return;
    size_t ni = (size_t)(sep - (const char *)data), skip = ni + strlen(FUZZ_PAIR_SEP);
    fuzz_file_set(&pair_images, data, ni);
    fuzz_file_set(&pair_labels, data + skip, size - skip);
    long n = 2 * (1 + (long)(b & 3));
    int pos = (int)((b >> 2) % DEQ_FASHION_CLASSES);
    int neg = (pos + 1 + (int)(b >> 6)) % DEQ_FASHION_CLASSES;

    deq_error_t err;
    deq_error_init(err);
    mat_d_t X, y;
    deq_status st = data_fashion_pair(X, y, n, pos, neg, pair_images.path, pair_labels.path, err);
    int too_few = st != DEQ_OK && strstr(err->msg, " images of classes ") != NULL;
    if (st == DEQ_OK) {
        const long d = DEQ_FASHION_SIDE * DEQ_FASHION_SIDE;
        FUZZ_CHECK(X->rows == d && X->cols == n && y->rows == n && y->cols == 1,
                   "X %ld x %ld, y %ld x %ld for n = %ld", X->rows, X->cols, y->rows, y->cols, n);
        for (long i = 0; i < n; i++) {
            double s = 0;
            for (long p = 0; p < d; p++) {
                double v = X->e[p + i * d];
                FUZZ_CHECK(v >= 0 && v <= 1, "column %ld pixel %ld is %g", i, p, v);
                s += v * v;
            }
            FUZZ_CHECK(s == 0 || fabs(s - 1) <= 1e-12, "column %ld has squared norm %.17g", i, s);
            FUZZ_CHECK(y->e[i] == (i % 2 == 0 ? 1.0 : -1.0), "y[%ld] = %g", i, y->e[i]);
        }
        mat_clear_d(X), mat_clear_d(y);
    } else {
        FUZZ_CHECK(st == DEQ_ERR_INPUT, "pair: status %d", (int)st);
        check_pair_message(err->msg);
    }

    deq_error_t cerr;
    deq_error_init(cerr);
    deq_status cst =
        data_fashion_pair(NULL, NULL, 0, 0, 1, pair_images.path, pair_labels.path, cerr);
    FUZZ_CHECK(st != DEQ_OK || cst == DEQ_OK, "load passed, check alone %d (%s)", (int)cst,
               cerr->msg);
    FUZZ_CHECK(st == DEQ_OK || too_few || cst != DEQ_OK, "load %d (%s), check alone passed",
               (int)st, err->msg);
    if (cst != DEQ_OK)
        check_pair_message(cerr->msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    long max_count = data[0];
    fuzz_file_set(&file, data + 1, size - 1);

    deq_error_t err;
    deq_error_init(err);
    mat_d_t X;
    long rows = -1, cols = -1;
    if (idx_read_images(X, &rows, &cols, file.path, max_count, err) == DEQ_OK) {
        FUZZ_CHECK(rows > 0 && cols > 0 && X->rows == rows * cols, "image shape %ld x %ld, %ld rows",
                   rows, cols, X->rows);
        FUZZ_CHECK(X->cols > 0 && (max_count == 0 || X->cols <= max_count), "%ld images read",
                   X->cols);
        for (long k = 0; k < X->rows * X->cols; k++)
            FUZZ_CHECK(X->e[k] >= 0 && X->e[k] <= 255 && X->e[k] == floor(X->e[k]),
                       "pixel %ld is %g", k, X->e[k]);
        mat_clear_d(X);
    } else {
        FUZZ_CHECK(err->status == DEQ_ERR_INPUT, "images: status %d", (int)err->status);
        fuzz_check_message(err->msg, file.path);
    }

    deq_error_init(err);
    unsigned char *labels = (unsigned char *)1;
    long count = -1;
    if (idx_read_labels(&labels, &count, file.path, max_count, err) == DEQ_OK) {
        FUZZ_CHECK(labels != NULL && count > 0 && (max_count == 0 || count <= max_count),
                   "%ld labels read", count);
        unsigned long sum = 0; /* touch every label: ASan checks the bounds */
        for (long k = 0; k < count; k++)
            sum += labels[k];
        FUZZ_CHECK(sum <= 255UL * (unsigned long)count, "label sum %lu", sum);
        free(labels);
    } else {
        FUZZ_CHECK(err->status == DEQ_ERR_INPUT, "labels: status %d", (int)err->status);
        FUZZ_CHECK(labels == NULL && count == 0, "labels left set after an error");
        fuzz_check_message(err->msg, file.path);
    }

    fuzz_pair(data + 1, size - 1, data[0]);
    return 0;
}
