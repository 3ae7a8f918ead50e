/* safetensors (huggingface/safetensors): an 8-byte little-endian header
 * length N, N bytes of JSON
 *   {"W": {"dtype": "F32", "shape": [3, 4], "data_offsets": [0, 48]}, ...,
 *    "__metadata__": {"activation": "tanh"}}
 * then the data, little-endian, row-major, each tensor at its data_offsets
 * (relative to the end of the header). As in the reference implementation,
 * the tensors must cover the data exactly: no overlap, no hole, nothing after
 * the last one, every length equal to the shape's count times the dtype's
 * size. All of this is checked at open; the dtype is refused (or converted)
 * when a tensor is read. */
#include "io/io_impl.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    size_t size;
    io_elem elem;
} dtypes[] = {
    {"F64", 8, IO_EL_F64},      {"F32", 4, IO_EL_F32},      {"F16", 2, IO_EL_F16},
    {"BF16", 2, IO_EL_BF16},    {"F8_E4M3", 1, IO_EL_NONE}, {"F8_E5M2", 1, IO_EL_NONE},
    {"I64", 8, IO_EL_NONE},     {"I32", 4, IO_EL_NONE},     {"I16", 2, IO_EL_NONE},
    {"I8", 1, IO_EL_NONE},      {"U64", 8, IO_EL_NONE},     {"U32", 4, IO_EL_NONE},
    {"U16", 2, IO_EL_NONE},     {"U8", 1, IO_EL_NONE},      {"BOOL", 1, IO_EL_NONE},
};

static int dtype_index(const char *name)
{
    for (size_t k = 0; k < sizeof dtypes / sizeof dtypes[0]; k++)
        if (strcmp(dtypes[k].name, name) == 0)
            return (int)k;
    return -1;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = deq_malloc(n);
    memcpy(d, s, n);
    return d;
}

/* A JSON integer in [0, 2^62], else -1. */
static long json_dim(const json_t *v)
{
    if (!json_is_integer(v))
        return -1;
    json_int_t x = json_integer_value(v);
    return x < 0 || x > (json_int_t)1 << 62 ? -1 : (long)x;
}

static deq_status read_metadata(io_tensor_file_t F, json_t *meta, deq_error_t err)
{
    if (!json_is_object(meta))
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: __metadata__ is not an object of strings", F->path);
    size_t n = json_object_size(meta);
    F->meta_keys = deq_calloc(n, sizeof *F->meta_keys);
    F->meta_values = deq_calloc(n, sizeof *F->meta_values);
    const char *key;
    json_t *v;
    json_object_foreach(meta, key, v)
    {
        char k[64];
        if (!json_is_string(v))
            return deq_error_set(err, DEQ_ERR_INPUT,
                                 "%s: __metadata__: the value of \"%s\" is not a string", F->path,
                                 io_clean(k, sizeof k, key));
        F->meta_keys[F->meta_count] = dup_str(key);
        F->meta_values[F->meta_count] = dup_str(json_string_value(v));
        F->meta_count++;
    }
    return DEQ_OK;
}

/* One tensor's header entry into e (name already set); offsets checked
 * against the data's length datalen. */
static deq_status read_entry(io_entry *e, const json_t *v, size_t datalen, const char *path,
                             deq_error_t err)
{
    const char *name = e->name;
    if (!json_is_object(v))
        return deq_error_set(err, DEQ_ERR_INPUT, "%s: tensor %s: header entry is not an object",
                             path, name);
    const char *key;
    json_t *x;
    json_object_foreach((json_t *)v, key, x)
    {
        char k[64];
        if (strcmp(key, "dtype") != 0 && strcmp(key, "shape") != 0 &&
            strcmp(key, "data_offsets") != 0)
            return deq_error_set(err, DEQ_ERR_INPUT,
                                 "%s: tensor %s: unknown key \"%s\" in the header entry", path,
                                 name, io_clean(k, sizeof k, key));
    }
    const json_t *dt = json_object_get(v, "dtype"), *sh = json_object_get(v, "shape"),
                 *off = json_object_get(v, "data_offsets");
    if (!json_is_string(dt))
        return deq_error_set(err, DEQ_ERR_INPUT, "%s: tensor %s: no string \"dtype\"", path, name);
    e->dtype = dup_str(json_string_value(dt));
    int di = dtype_index(e->dtype);
    char d[48];
    if (di < 0)
        return deq_error_set(err, DEQ_ERR_INPUT, "%s: tensor %s: unknown dtype \"%s\"", path,
                             name, io_clean(d, sizeof d, e->dtype));
    if (!json_is_array(sh) || json_array_size(sh) > IO_MAXDIM)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: tensor %s: \"shape\" is not an array of at most %d integers",
                             path, name, IO_MAXDIM);
    e->ndim = (int)json_array_size(sh);
    for (int k = 0; k < e->ndim; k++)
        if ((e->shape[k] = json_dim(json_array_get(sh, (size_t)k))) < 0)
            return deq_error_set(err, DEQ_ERR_INPUT,
                                 "%s: tensor %s: \"shape\" entry %d is not a non-negative integer",
                                 path, name, k);
    long b, end;
    if (!json_is_array(off) || json_array_size(off) != 2 ||
        (b = json_dim(json_array_get(off, 0))) < 0 || (end = json_dim(json_array_get(off, 1))) < 0)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: tensor %s: \"data_offsets\" is not two non-negative integers",
                             path, name);
    if (b > end)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: tensor %s: data_offsets [%ld, %ld] end before they begin", path,
                             name, b, end);
    if ((size_t)end > datalen)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: tensor %s: data_offsets [%ld, %ld] run past the end of the file "
                             "(%zu bytes of data)",
                             path, name, b, end, datalen);
    size_t count, bytes;
    char s[64];
    io_shape_str(s, sizeof s, e->shape, e->ndim);
    if (!io_shape_count(&count, &bytes, e->shape, e->ndim, dtypes[di].size))
        return deq_error_set(err, DEQ_ERR_INPUT, "%s: tensor %s: shape %s is too large", path,
                             name, s);
    if (bytes != (size_t)(end - b))
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: tensor %s: shape %s of %s needs %zu bytes, data_offsets [%ld, "
                             "%ld] hold %ld",
                             path, name, s, e->dtype, bytes, b, end, end - b);
    e->offset = (size_t)b;
    e->length = (size_t)(end - b);
    return DEQ_OK;
}

static int by_offset(const void *a, const void *b)
{
    const io_entry *x = *(io_entry *const *)a, *y = *(io_entry *const *)b;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    size_t xe = x->offset + x->length, ye = y->offset + y->length;
    return xe < ye ? -1 : xe > ye;
}

/* The data must be covered exactly, tensor after tensor. */
static deq_status check_layout(const io_tensor_file_t F, size_t datalen, deq_error_t err)
{
    io_entry **order = deq_malloc((size_t)(F->count > 0 ? F->count : 1) * sizeof *order);
    for (long k = 0; k < F->count; k++)
        order[k] = &F->entries[k];
    qsort(order, (size_t)F->count, sizeof *order, by_offset);
    size_t at = 0;
    const io_entry *prev = NULL;
    for (long k = 0; k < F->count && err->status == DEQ_OK; k++) {
        const io_entry *e = order[k];
        if (e->offset < at)
            deq_error_set(err, DEQ_ERR_INPUT,
                          "%s: tensor %s: data_offsets [%zu, %zu] overlap tensor %s's [%zu, %zu]",
                          F->path, e->name, e->offset, e->offset + e->length, prev->name,
                          prev->offset, at);
        else if (e->offset > at)
            deq_error_set(err, DEQ_ERR_INPUT,
                          "%s: tensor %s: data_offsets [%zu, %zu] leave bytes [%zu, %zu) unused "
                          "(the tensors must cover the data exactly)",
                          F->path, e->name, e->offset, e->offset + e->length, at, e->offset);
        at = e->offset + e->length;
        prev = e;
    }
    free(order);
    if (err->status == DEQ_OK && at != datalen)
        deq_error_set(err, DEQ_ERR_INPUT,
                      "%s: %zu bytes of data after the last tensor (the tensors must cover the "
                      "data exactly)",
                      F->path, datalen - at);
    return err->status;
}

deq_status io_safetensors_open(io_tensor_file_t F, deq_error_t err)
{
    if (io_slurp(&F->buf, &F->len, F->path, err) != DEQ_OK)
        return err->status;
    const unsigned char *b = F->buf;
    if (F->len < 8)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: truncated safetensors file (%zu bytes, no header length)",
                             F->path, F->len);
    uint64_t hlen = 0;
    for (int k = 0; k < 8; k++)
        hlen |= (uint64_t)b[k] << (8 * k);
    if (hlen > F->len - 8)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: safetensors header length %llu runs past the end of the file "
                             "(%zu bytes)",
                             F->path, (unsigned long long)hlen, F->len);
    json_error_t jerr;
    json_t *root = json_loadb((const char *)b + 8, (size_t)hlen, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        char text[JSON_ERROR_TEXT_LENGTH];
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: bad safetensors header (JSON at byte %d: %s)", F->path,
                             jerr.position + 8, io_clean(text, sizeof text, jerr.text));
    }
    if (!json_is_object(root)) {
        json_decref(root);
        return deq_error_set(err, DEQ_ERR_INPUT, "%s: safetensors header is not a JSON object",
                             F->path);
    }
    size_t datalen = F->len - 8 - (size_t)hlen;
    F->entries = deq_calloc(json_object_size(root) + 1, sizeof *F->entries);
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, "__metadata__") == 0) {
            if (F->meta_keys) /* JSON_REJECT_DUPLICATES makes this unreachable */
                break;
            if (read_metadata(F, v, err) != DEQ_OK)
                break;
            continue;
        }
        io_entry *e = &F->entries[F->count++];
        e->name = dup_str(key);
        char k[64];
        if (io_has_control(key)) {
            deq_error_set(err, DEQ_ERR_INPUT, "%s: tensor \"%s\": control character in the name",
                          F->path, io_clean(k, sizeof k, key));
            break;
        }
        if (read_entry(e, v, datalen, F->path, err) != DEQ_OK)
            break;
    }
    json_decref(root);
    if (err->status != DEQ_OK || check_layout(F, datalen, err) != DEQ_OK)
        return err->status;
    /* from now on, positions in buf */
    for (long k = 0; k < F->count; k++)
        F->entries[k].offset += 8 + (size_t)hlen;
    return DEQ_OK;
}

deq_status io_safetensors_raw(io_raw *r, const io_tensor_file_t F, const io_entry *e,
                              deq_error_t err)
{
    int di = dtype_index(e->dtype);
    if (dtypes[di].elem == IO_EL_NONE)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: tensor %s: dtype %s is not supported: the values must be F64, "
                             "F32, F16 or BF16",
                             F->path, e->name, e->dtype);
    r->elem = dtypes[di].elem;
    r->big_endian = 0;
    r->fortran = 0;
    r->ndim = e->ndim;
    memcpy(r->shape, e->shape, sizeof e->shape);
    r->data = F->buf + e->offset;
    return DEQ_OK;
}
