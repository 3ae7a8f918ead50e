/* libFuzzer target: the IDX reader (data/idx.h), images and labels, plain or
 * gzip-compressed.
 *
 * The first input byte chooses max_count (0: all records, else 1..255), the
 * rest is the file, read both as an image file and as a label file. Besides
 * the sanitizers' findings, these properties must hold:
 *   - an error leaves a one-line message that starts with the path, *labels
 *     NULL and the count 0;
 *   - images: rows*cols x count with count <= max_count (when given), every
 *     pixel an integer in [0, 255];
 *   - labels: count <= max_count (when given), positive.
 */
#include "fuzz_util.h"

#include <math.h>

#include "data/idx.h"

static fuzz_file file;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_file_open(&file);
    return 0;
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
    return 0;
}
