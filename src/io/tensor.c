/* The formats' common API (io/tensor.h): opening by extension, the exact
 * conversion of each element type to double, and the checks every tensor
 * passes (rank, emptiness, NaN/Inf). */
#include "io/io_impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

int io_format_of_path(const char *path)
{
    if (ends_with(path, ".npy"))
        return IO_FORMAT_NPY;
    if (ends_with(path, ".npz"))
        return IO_FORMAT_NPZ;
    if (ends_with(path, ".safetensors"))
        return IO_FORMAT_SAFETENSORS;
    return -1;
}

deq_status io_slurp(unsigned char **b, size_t *n, const char *path, deq_error_t err)
{
    *b = NULL;
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return deq_error_set(err, DEQ_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
    /* Grown as the bytes arrive rather than sized by a seek: the path may be
     * a pipe or /proc/self/fd/N. */
    size_t cap = 1 << 16, len = 0;
    unsigned char *buf = deq_malloc(cap);
    for (;;) {
        if (len == cap)
            buf = deq_realloc(buf, cap *= 2);
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return deq_error_set(err, DEQ_ERR_INPUT, "%s: read error", path);
    }
    *b = buf;
    *n = len;
    return DEQ_OK;
}

size_t io_elem_size(io_elem e)
{
    switch (e) {
    case IO_EL_F16:
    case IO_EL_BF16: return 2;
    case IO_EL_F32: return 4;
    case IO_EL_F64: return 8;
    default: return 0;
    }
}

int io_shape_count(size_t *count, size_t *bytes, const long *shape, int ndim, size_t size)
{
    size_t c = 1;
    for (int k = 0; k < ndim; k++)
        if (shape[k] < 0 || __builtin_mul_overflow(c, (size_t)shape[k], &c))
            return 0;
    *count = c;
    return !__builtin_mul_overflow(c, size, bytes);
}

void io_shape_str(char *buf, size_t cap, const long *shape, int ndim)
{
    size_t k = (size_t)snprintf(buf, cap, "(");
    for (int i = 0; i < ndim && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%ld", i ? ", " : "", shape[i]);
    if (k < cap)
        snprintf(buf + k, cap - k, ndim == 1 ? ",)" : ")");
}

const char *io_clean(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(s), k;
    for (k = 0; k + 1 < cap && k < n; k++)
        dst[k] = (unsigned char)s[k] < 0x20 || s[k] == 0x7f ? '?' : s[k];
    dst[k] = '\0';
    if (n >= cap && cap >= 4)
        memcpy(dst + cap - 4, "...", 4);
    return dst;
}

int io_has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

/* ---- exact conversions -------------------------------------------------- */

static uint64_t load(const unsigned char *q, size_t size, int big)
{
    uint64_t u = 0;
    for (size_t k = 0; k < size; k++)
        u |= (uint64_t)q[big ? size - 1 - k : k] << (8 * k);
    return u;
}

/* IEEE binary16: 1 sign, 5 exponent, 10 fraction bits. Every value is a
 * multiple of 2^-24 below 2^16, so ldexp gives it exactly. */
static double half_to_double(uint16_t h)
{
    int e = (h >> 10) & 31, f = h & 1023;
    double v;
    if (e == 0)
        v = ldexp(f, -24);
    else if (e == 31)
        v = f ? NAN : INFINITY;
    else
        v = ldexp(f + 1024, e - 25);
    return (h & 0x8000) ? -v : v;
}

static double elem_to_double(const unsigned char *q, io_elem el, int big)
{
    switch (el) {
    case IO_EL_F16: return half_to_double((uint16_t)load(q, 2, big));
    case IO_EL_BF16: {
        /* bfloat16 is the upper half of a binary32 */
        uint32_t u = (uint32_t)load(q, 2, big) << 16;
        float x;
        memcpy(&x, &u, sizeof x);
        return x;
    }
    case IO_EL_F32: {
        uint32_t u = (uint32_t)load(q, 4, big);
        float x;
        memcpy(&x, &u, sizeof x);
        return x;
    }
    default: {
        uint64_t u = load(q, 8, big);
        double x;
        memcpy(&x, &u, sizeof x);
        return x;
    }
    }
}

deq_status io_raw_to_mat(mat_d_t out, const io_raw *r, const char *path, const char *name,
                         deq_error_t err)
{
    char s[64];
    io_shape_str(s, sizeof s, r->shape, r->ndim);
    if (r->ndim != 1 && r->ndim != 2)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: tensor %s: shape %s has %d dimensions (a vector or a matrix "
                             "expected)",
                             path, name, s, r->ndim);
    long rows = r->shape[0], cols = r->ndim == 2 ? r->shape[1] : 1;
    if (rows == 0 || cols == 0)
        return deq_error_set(err, DEQ_ERR_INPUT, "%s: tensor %s: shape %s is empty", path, name,
                             s);
    size_t size = io_elem_size(r->elem);
    mat_init_d(out, rows, cols, 0);
    size_t count = (size_t)rows * (size_t)cols;
    for (size_t k = 0; k < count; k++) {
        double x = elem_to_double(r->data + k * size, r->elem, r->big_endian);
        /* element k of the file is [i, j] with i fastest in Fortran order */
        size_t i = r->fortran ? k % (size_t)rows : k / (size_t)cols;
        size_t j = r->fortran ? k / (size_t)rows : k % (size_t)cols;
        if (!isfinite(x)) {
            mat_clear_d(out);
            char at[64];
            if (r->ndim == 1)
                snprintf(at, sizeof at, "[%zu]", i);
            else
                snprintf(at, sizeof at, "[%zu, %zu]", i, j);
            return deq_error_set(err, DEQ_ERR_INPUT,
                                 "%s: tensor %s: %s at index %s (the first non-finite value in the "
                                 "file's order)",
                                 path, name, isnan(x) ? "NaN" : x > 0 ? "+Inf" : "-Inf", at);
        }
        out->e[i + j * (size_t)rows] = x;
    }
    return DEQ_OK;
}

/* ---- the API ------------------------------------------------------------ */

static void file_zero(io_tensor_file_t F)
{
    memset(F, 0, sizeof *F);
}

deq_status io_tensor_file_open(io_tensor_file_t F, const char *path, deq_error_t err)
{
    int fmt = io_format_of_path(path);
    if (fmt < 0) {
        file_zero(F);
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: unknown tensor file type (expected .npy, .npz or .safetensors)",
                             path);
    }
    return io_tensor_file_open_as(F, path, (io_format)fmt, err);
}

deq_status io_tensor_file_open_as(io_tensor_file_t F, const char *path, io_format fmt,
                                  deq_error_t err)
{
    file_zero(F);
    F->path = deq_malloc(strlen(path) + 1);
    strcpy(F->path, path);
    F->format = fmt;
    deq_status st = fmt == IO_FORMAT_NPY   ? io_npy_open(F, err)
                    : fmt == IO_FORMAT_NPZ ? io_npz_open(F, err)
                                           : io_safetensors_open(F, err);
    if (st != DEQ_OK)
        io_tensor_file_clear(F);
    return st;
}

void io_tensor_file_clear(io_tensor_file_t F)
{
    if (F->format == IO_FORMAT_NPZ)
        io_npz_close(F);
    for (long k = 0; k < F->count; k++) {
        free(F->entries[k].name);
        free(F->entries[k].dtype);
    }
    free(F->entries);
    for (long k = 0; k < F->meta_count; k++) {
        free(F->meta_keys[k]);
        free(F->meta_values[k]);
    }
    free(F->meta_keys);
    free(F->meta_values);
    free(F->buf);
    free(F->path);
    file_zero(F);
}

long io_tensor_count(const io_tensor_file_t F)
{
    return F->count;
}

const char *io_tensor_name(const io_tensor_file_t F, long k)
{
    DEQ_REQUIRE(k >= 0 && k < F->count);
    return F->entries[k].name;
}

static const io_entry *find(const io_tensor_file_t F, const char *name)
{
    for (long k = 0; k < F->count; k++)
        if (strcmp(F->entries[k].name, name) == 0)
            return &F->entries[k];
    return NULL;
}

int io_tensor_has(const io_tensor_file_t F, const char *name)
{
    return find(F, name) != NULL;
}

/* The entry for name, or an error naming what the file has. */
static const io_entry *lookup(const io_tensor_file_t F, const char *name, deq_error_t err)
{
    if (!name) {
        if (F->count == 1)
            return &F->entries[0];
        if (F->count == 0)
            deq_error_set(err, DEQ_ERR_INPUT, "%s: holds no tensors", F->path);
        else
            deq_error_set(err, DEQ_ERR_INPUT, "%s: holds %ld tensors, name the one to read",
                          F->path, F->count);
        return NULL;
    }
    const io_entry *e = find(F, name);
    if (!e) {
        char list[160] = "";
        size_t k = 0;
        for (long t = 0; t < F->count && k < sizeof list; t++)
            k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", t ? ", " : "",
                                  F->entries[t].name);
        if (k >= sizeof list)
            strcpy(list + sizeof list - 5, "...");
        deq_error_set(err, DEQ_ERR_INPUT, "%s: tensor %s: not in the file (it has: %s)", F->path,
                      name, F->count ? list : "no tensors");
    }
    return e;
}

/* Entry e as a matrix; *ndim receives the rank the file states. */
static deq_status get_entry(mat_d_t out, int *ndim, const io_tensor_file_t F, const io_entry *e,
                            deq_error_t err)
{
    io_raw r;
    r.ndim = 0;
    switch (F->format) {
    case IO_FORMAT_NPY:
        if (io_npy_raw(&r, F->buf, F->len, F->path, e->name, err) != DEQ_OK)
            return err->status;
        break;
    case IO_FORMAT_NPZ: {
        unsigned char *b;
        size_t n;
        if (io_npz_member(&b, &n, F, e, err) != DEQ_OK)
            return err->status;
        if (io_npy_raw(&r, b, n, F->path, e->name, err) == DEQ_OK)
            io_raw_to_mat(out, &r, F->path, e->name, err);
        free(b);
        *ndim = r.ndim;
        return err->status;
    }
    default:
        if (io_safetensors_raw(&r, F, e, err) != DEQ_OK)
            return err->status;
        break;
    }
    *ndim = r.ndim;
    return io_raw_to_mat(out, &r, F->path, e->name, err);
}

deq_status io_tensor_get(mat_d_t out, const io_tensor_file_t F, const char *name,
                         deq_error_t err)
{
    const io_entry *e = lookup(F, name, err);
    int ndim;
    return e ? get_entry(out, &ndim, F, e, err) : err->status;
}

deq_status io_tensor_get_samples(mat_d_t X, const io_tensor_file_t F, const char *name,
                                 deq_error_t err)
{
    const io_entry *e = lookup(F, name, err);
    mat_d_t T;
    int ndim;
    if (!e || get_entry(T, &ndim, F, e, err) != DEQ_OK)
        return err->status;
    /* A 1-D tensor came as a column; refuse it by the rank the file states
     * (an (n, 1) array is fine). */
    if (ndim != 2) {
        deq_error_set(err, DEQ_ERR_INPUT,
                      "%s: tensor %s: inputs must be 2-D (n, d), one sample per row; got shape "
                      "(%ld,)",
                      F->path, e->name, T->rows);
        mat_clear_d(T);
        return err->status;
    }
    mat_init_d(X, T->cols, T->rows, 0);
    for (long i = 0; i < T->rows; i++)
        for (long j = 0; j < T->cols; j++)
            X->e[j + i * X->rows] = T->e[i + j * T->rows];
    mat_clear_d(T);
    return DEQ_OK;
}

deq_status io_tensor_get_string(char **out, const io_tensor_file_t F, const char *name,
                                deq_error_t err)
{
    *out = NULL;
    const io_entry *e = lookup(F, name, err);
    if (!e)
        return err->status;
    switch (F->format) {
    case IO_FORMAT_NPY: return io_npy_string(out, F->buf, F->len, F->path, e->name, err);
    case IO_FORMAT_NPZ: {
        unsigned char *b;
        size_t n;
        if (io_npz_member(&b, &n, F, e, err) != DEQ_OK)
            return err->status;
        io_npy_string(out, b, n, F->path, e->name, err);
        free(b);
        return err->status;
    }
    default:
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: tensor %s: safetensors holds no strings (dtype %s; strings go in "
                             "__metadata__)",
                             F->path, e->name, e->dtype);
    }
}

const char *io_tensor_metadata(const io_tensor_file_t F, const char *key)
{
    for (long k = 0; k < F->meta_count; k++)
        if (strcmp(F->meta_keys[k], key) == 0)
            return F->meta_values[k];
    return NULL;
}

deq_status io_read_samples(mat_d_t X, const char *path, const char *name, deq_error_t err)
{
    io_tensor_file_t F;
    if (io_tensor_file_open(F, path, err) != DEQ_OK)
        return err->status;
    io_tensor_get_samples(X, F, name, err);
    io_tensor_file_clear(F);
    return err->status;
}
