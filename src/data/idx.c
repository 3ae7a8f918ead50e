/* IDX reader (data/idx.h).
 *
 * Layout: a 4-byte magic 0x0000TTNN (TT = 0x08, unsigned bytes; NN = number
 * of dimensions), NN big-endian 32-bit dimension sizes, then the data in
 * row-major order. Images have dims (count, rows, cols), labels (count).
 * zlib's gz* functions read gzip-compressed and plain files alike.
 */
#include "data/idx.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#define IDX_MAGIC_IMAGES 0x00000803UL
#define IDX_MAGIC_LABELS 0x00000801UL

/* Bytes asked of gzread at once: it takes an unsigned length but returns an
 * int, so one call must stay below INT_MAX. */
#define IDX_READ_CHUNK (1UL << 30)
/* First allocation for the payload; it then doubles as data arrive. */
#define IDX_FIRST_ALLOC (1UL << 20)

/* Reads up to `want` bytes into a buffer that grows as data actually arrive,
 * so a corrupt header claiming a huge count costs memory only for the bytes
 * the file holds. Returns the number of bytes read; *buf is caller-freed. */
static size_t read_payload(unsigned char **buf, gzFile f, size_t want)
{
    unsigned char *b = NULL;
    size_t have = 0, cap = 0;
    while (have < want) {
        if (have == cap) {
            cap = cap == 0 ? IDX_FIRST_ALLOC : 2 * cap;
            if (cap > want)
                cap = want;
            b = deq_realloc(b, cap);
        }
        size_t ask = cap - have < IDX_READ_CHUNK ? cap - have : IDX_READ_CHUNK;
        int got = gzread(f, b + have, (unsigned)ask);
        if (got <= 0)
            break;
        have += (size_t)got;
    }
    *buf = b;
    return have;
}

/* zlib's explanation of a failed read, or "" when zlib saw nothing wrong
 * (the data simply ended). */
static const char *zlib_note(char note[160], gzFile f)
{
    int errnum;
    const char *msg = gzerror(f, &errnum);
    if (errnum == Z_OK)
        note[0] = '\0';
    else
        snprintf(note, 160, " (zlib: %s)", errnum == Z_ERRNO ? strerror(errno) : msg);
    return note;
}

static unsigned long be32(const unsigned char *p)
{
    return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 |
           (unsigned long)p[3];
}

static deq_status idx_header(unsigned long *dims, gzFile f, const char *path, unsigned long magic,
                             int ndims, const char *kind, deq_error_t err)
{
    /* The magic first, so that a file of the other kind is named as such
     * rather than as a short header. */
    unsigned char head[16];
    size_t want = 4 * (size_t)(1 + ndims);
    int got = gzread(f, head, 4);
    if (got == 4 && be32(head) != magic)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: not an IDX %s file: magic number 0x%08lx, expected 0x%08lx", path,
                             kind, be32(head), magic);
    if (got == 4) {
        int more = gzread(f, head + 4, (unsigned)(want - 4));
        got = more < 0 ? more : got + more;
    }
    char note[160];
    if (got < 0 || (size_t)got < want)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: truncated IDX header: expected %zu bytes, found %d%s", path,
                             want, got < 0 ? 0 : got, zlib_note(note, f));
    for (int k = 0; k < ndims; k++) {
        dims[k] = be32(head + 4 * (k + 1));
        if (dims[k] == 0)
            return deq_error_set(err, DEQ_ERR_INPUT,
                                 "%s: bad IDX header: dimension %d is 0 (must be positive)", path,
                                 k + 1);
    }
    return DEQ_OK;
}

/* Opens `path` and reads its magic and `ndims` dimensions into dims[]; on
 * DEQ_OK *f is open for the payload, otherwise it is closed. */
static deq_status idx_open(gzFile *f, unsigned long *dims, const char *path, unsigned long magic,
                           int ndims, const char *kind, deq_error_t err)
{
    errno = 0;
    *f = gzopen(path, "rb");
    if (!*f)
        return deq_error_set(err, DEQ_ERR_INPUT, "%s: cannot open: %s", path,
                             errno ? strerror(errno) : "out of memory");
    deq_status s = idx_header(dims, *f, path, magic, ndims, kind, err);
    if (s != DEQ_OK) {
        gzclose(*f);
        *f = NULL;
    }
    return s;
}

/* How many records to read: all, or the first max_count. */
static unsigned long idx_take(unsigned long count, long max_count)
{
    return max_count > 0 && (unsigned long)max_count < count ? (unsigned long)max_count : count;
}

deq_status idx_read_images(mat_d_t X, long *rows, long *cols, const char *path, long max_count,
                           deq_error_t err)
{
    gzFile f;
    unsigned long dims[3];
    deq_status s = idx_open(&f, dims, path, IDX_MAGIC_IMAGES, 3, "image", err);
    if (s != DEQ_OK)
        return s;
    unsigned long count = dims[0], take = idx_take(count, max_count);
    /* Pixels per image index matrix rows (long); the payload is held once as
     * bytes and once as doubles (size_t). dims are below 2^32, so the first
     * product fits in 64 bits. */
    uint64_t npix = (uint64_t)dims[1] * dims[2];
    if (npix > LONG_MAX || take > LONG_MAX || npix > SIZE_MAX / sizeof(double) / take) {
        gzclose(f);
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: bad IDX header: %lu images of %lu x %lu pixels is too large",
                             path, take, dims[1], dims[2]);
    }
    size_t want = (size_t)npix * take;
    unsigned char *raw;
    size_t have = read_payload(&raw, f, want);
    if (have < want) {
        char note[160];
        deq_error_set(err, DEQ_ERR_INPUT,
                      "%s: truncated: the header promises %lu images of %lu x %lu pixels; "
                      "reading %lu needs %zu bytes of pixels, the file holds %zu%s",
                      path, count, dims[1], dims[2], take, want, have, zlib_note(note, f));
        free(raw);
        gzclose(f);
        return err->status;
    }
    gzclose(f);
    /* Image k is column k; its row-major pixel (r, c) is row r*cols + c, which
     * is exactly the file's byte order for a column-major matrix. */
    mat_init_d(X, (long)npix, (long)take, 0);
    for (size_t k = 0; k < want; k++)
        X->e[k] = raw[k];
    free(raw);
    *rows = (long)dims[1];
    *cols = (long)dims[2];
    return DEQ_OK;
}

deq_status idx_read_labels(unsigned char **labels, long *count, const char *path, long max_count,
                           deq_error_t err)
{
    *labels = NULL;
    *count = 0;
    gzFile f;
    unsigned long dims[1];
    deq_status s = idx_open(&f, dims, path, IDX_MAGIC_LABELS, 1, "label", err);
    if (s != DEQ_OK)
        return s;
    unsigned long take = idx_take(dims[0], max_count);
    if (take > LONG_MAX) {
        gzclose(f);
        return deq_error_set(err, DEQ_ERR_INPUT, "%s: bad IDX header: %lu labels is too many",
                             path, take);
    }
    unsigned char *raw;
    size_t have = read_payload(&raw, f, (size_t)take);
    if (have < take) {
        char note[160];
        deq_error_set(err, DEQ_ERR_INPUT,
                      "%s: truncated: the header promises %lu labels; reading %lu needs %lu "
                      "bytes, the file holds %zu%s",
                      path, dims[0], take, take, have, zlib_note(note, f));
        free(raw);
        gzclose(f);
        return err->status;
    }
    gzclose(f);
    *labels = raw;
    *count = (long)take;
    return DEQ_OK;
}
