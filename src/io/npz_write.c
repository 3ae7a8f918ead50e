/* .npz writer (numpy.savez's layout: one stored member NAME.npy per tensor),
 * through libzip: each .npy image is built in memory and added with
 * zip_source_buffer + zip_file_add, stored (no compression), as numpy.savez
 * does. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "io/tensor.h"

/* The .npy 1.0 image of a float64 C-order array: shape (rows,) when ndim is
 * 1, (rows, cols) when 2; element [i, j] = M(i, j). Caller frees. */
static unsigned char *npy_image(size_t *len, const mat_d_t M, int ndim)
{
    char dict[160];
    int dl = ndim == 1
                 ? snprintf(dict, sizeof dict,
                            "{'descr': '<f8', 'fortran_order': False, 'shape': (%ld,), }", M->rows)
                 : snprintf(dict, sizeof dict,
                            "{'descr': '<f8', 'fortran_order': False, 'shape': (%ld, %ld), }",
                            M->rows, M->cols);
    /* header padded with spaces and a '\n' to a multiple of 64 bytes, as NumPy does */
    size_t head = (10 + (size_t)dl + 1 + 63) / 64 * 64;
    size_t count = (size_t)M->rows * (size_t)M->cols;
    *len = head + 8 * count;
    unsigned char *b = malloc(*len);
    if (!b)
        return NULL;
    static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    memcpy(b, magic, 6);
    b[6] = 1, b[7] = 0;
    b[8] = (unsigned char)((head - 10) & 0xff), b[9] = (unsigned char)((head - 10) >> 8);
    memcpy(b + 10, dict, (size_t)dl);
    memset(b + 10 + dl, ' ', head - 10 - (size_t)dl - 1);
    b[head - 1] = '\n';
    unsigned char *q = b + head;
    for (long i = 0; i < M->rows; i++)
        for (long j = 0; j < M->cols; j++, q += 8) {
            uint64_t u;
            memcpy(&u, &M->e[i + j * M->rows], sizeof u);
            for (int k = 0; k < 8; k++)
                q[k] = (unsigned char)(u >> (8 * k));
        }
    return b;
}

deq_status io_npz_write_d(const char *path, const char *const *names, const mat_d_t *mats,
                          const int *ndims, long count, deq_error_t err)
{
    int zerr = 0;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    if (!z) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        deq_error_set(err, DEQ_ERR_INPUT, "%s: cannot create: %s", path, zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return DEQ_ERR_INPUT;
    }
    for (long k = 0; k < count; k++) {
        size_t len;
        unsigned char *b = npy_image(&len, mats[k], ndims[k]);
        char member[256];
        snprintf(member, sizeof member, "%s.npy", names[k]);
        zip_source_t *src = b ? zip_source_buffer(z, b, len, 1) : NULL; /* libzip frees b */
        if (!src) {
            free(b);
            zip_discard(z);
            return deq_error_set(err, DEQ_ERR_INPUT, "%s: tensor %s: out of memory", path, names[k]);
        }
        zip_int64_t idx = zip_file_add(z, member, src, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8);
        if (idx < 0 || zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0) < 0) {
            deq_error_set(err, DEQ_ERR_INPUT, "%s: tensor %s: %s", path, names[k], zip_strerror(z));
            if (idx < 0)
                zip_source_free(src);
            zip_discard(z);
            return DEQ_ERR_INPUT;
        }
    }
    if (zip_close(z) < 0) {
        deq_error_set(err, DEQ_ERR_INPUT, "%s: write failed: %s", path, zip_strerror(z));
        zip_discard(z);
        return DEQ_ERR_INPUT;
    }
    return DEQ_OK;
}
