/* IDX reader (data/idx.h).
 *
 * Layout: a 4-byte magic 0x0000TTNN (TT = 0x08, unsigned bytes; NN = number
 * of dimensions), NN big-endian 32-bit dimension sizes, then the data in
 * row-major order. Images have dims (count, rows, cols), labels (count).
 *
 * A file that starts with gzip's magic bytes 1f 8b is inflated (one member or
 * several), any other is read as it is. The reader drives zlib's inflate
 * itself rather than through gzread: gzread takes a stream that stops short
 * of its 8-byte trailer for a whole one when the last read ends exactly at
 * the end of the data (its CRC then never checked), and it ignores whatever
 * follows the last member. Here a gzip stream must reach its end, check value
 * verified, and nothing but further members may follow.
 */
#include "data/idx.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#define IDX_MAGIC_IMAGES 0x00000803UL
#define IDX_MAGIC_LABELS 0x00000801UL

/* First allocation for a whole payload; it then doubles as data arrive. */
#define IDX_FIRST_ALLOC (1UL << 20)
/* Compressed bytes read from the file at once. */
#define IDX_IN_SIZE (1 << 16)

/* Why a read stopped short. */
enum { SRC_OK, SRC_TRUNCATED, SRC_CORRUPT, SRC_TRAILING, SRC_IO };

/* The file under the reader: plain, or gzip through inflate. */
typedef struct idx_src {
    FILE *fp;
    const char *path;
    int gz;        /* 1: gzip */
    int in_member; /* gzip: inflate is inside a member, its end not reached */
    z_stream zs;   /* next_in/avail_in: the unread input (also for plain files) */
    int fail;      /* SRC_*: the first failure; reads stop there */
    char why[128]; /* zlib's message or strerror for SRC_CORRUPT, SRC_IO */
    unsigned char in[IDX_IN_SIZE];
} idx_src;

static void src_fail(idx_src *s, int kind, const char *why)
{
    if (s->fail == SRC_OK) {
        s->fail = kind;
        snprintf(s->why, sizeof s->why, "%s", why ? why : "");
    }
}

/* Moves the unread input to the front of the buffer and appends what the
 * file has; returns the number of bytes now unread (0: end of file, or a
 * read error recorded). */
static size_t src_fill(idx_src *s)
{
    if (s->zs.avail_in > 0 && s->zs.next_in != s->in)
        memmove(s->in, s->zs.next_in, s->zs.avail_in);
    s->zs.next_in = s->in;
    size_t n = fread(s->in + s->zs.avail_in, 1, sizeof s->in - s->zs.avail_in, s->fp);
    if (n == 0 && ferror(s->fp))
        src_fail(s, SRC_IO, strerror(errno));
    s->zs.avail_in += (uInt)n;
    return s->zs.avail_in;
}

static void src_close(idx_src *s)
{
    if (!s)
        return;
    if (s->gz)
        inflateEnd(&s->zs);
    fclose(s->fp);
    free(s);
}

/* Opens path; NULL (and an error naming it) if it cannot be opened. */
static idx_src *src_open(const char *path, deq_error_t err)
{
    errno = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        deq_error_set(err, DEQ_ERR_INPUT, "%s: cannot open: %s", path,
                      errno ? strerror(errno) : "unknown error");
        return NULL;
    }
    idx_src *s = deq_calloc(1, sizeof *s);
    s->fp = fp;
    s->path = path;
    src_fill(s);
    if (s->zs.avail_in >= 2 && s->in[0] == 0x1f && s->in[1] == 0x8b) {
        if (inflateInit2(&s->zs, 16 + MAX_WBITS) != Z_OK) {
            fclose(fp);
            free(s);
            deq_error_set(err, DEQ_ERR_INPUT, "%s: cannot start inflating: out of memory", path);
            return NULL;
        }
        s->gz = 1;
        s->in_member = 1;
    }
    return s;
}

/* Reads up to want bytes (want <= UINT_MAX); fewer at the end of the data
 * or at a failure (s->fail says which). */
static size_t src_read(idx_src *s, unsigned char *buf, size_t want)
{
    size_t have = 0;
    while (have < want && s->fail == SRC_OK) {
        if (!s->gz) {
            if (s->zs.avail_in == 0 && src_fill(s) == 0)
                break;
            size_t n = s->zs.avail_in < want - have ? s->zs.avail_in : want - have;
            memcpy(buf + have, s->zs.next_in, n);
            s->zs.next_in += n;
            s->zs.avail_in -= (uInt)n;
            have += n;
            continue;
        }
        if (!s->in_member) {
            /* between members: the end of the file, or another member */
            if (s->zs.avail_in < 2 && src_fill(s) == 0)
                break;
            if (s->zs.avail_in < 2 || s->zs.next_in[0] != 0x1f || s->zs.next_in[1] != 0x8b) {
                src_fail(s, SRC_TRAILING, NULL);
                break;
            }
            inflateReset(&s->zs);
            s->in_member = 1;
        }
        if (s->zs.avail_in == 0 && src_fill(s) == 0) {
            src_fail(s, SRC_TRUNCATED, NULL);
            break;
        }
        s->zs.next_out = buf + have;
        s->zs.avail_out = (uInt)(want - have);
        int ret = inflate(&s->zs, Z_NO_FLUSH);
        have = (size_t)(s->zs.next_out - buf);
        if (ret == Z_STREAM_END)
            s->in_member = 0;
        else if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT)
            src_fail(s, SRC_CORRUPT, s->zs.msg ? s->zs.msg : "invalid data");
        else if (ret == Z_MEM_ERROR)
            src_fail(s, SRC_IO, "out of memory");
        /* Z_OK, Z_BUF_ERROR: more input wanted (read above) */
    }
    return have;
}

/* Reads up to want bytes into a buffer that grows as data actually arrive,
 * so a corrupt header claiming a huge count costs memory only for the bytes
 * the file holds. Returns the number of bytes read; *buf is caller-freed. */
static size_t read_payload(unsigned char **buf, idx_src *s, size_t want)
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
        size_t ask = cap - have < UINT_MAX ? cap - have : UINT_MAX;
        size_t got = src_read(s, b + have, ask);
        have += got;
        if (got < ask)
            break;
    }
    *buf = b;
    return have;
}

/* How a failed read ended, for messages: the lead ("truncated", "corrupt
 * gzip data", ...) and a note in parentheses, or "" */
static const char *src_lead(const idx_src *s)
{
    switch (s->fail) {
    case SRC_CORRUPT:
    case SRC_TRAILING:
        return "corrupt gzip data";
    case SRC_IO:
        return "read error";
    default:
        return "truncated";
    }
}

static const char *src_note(char note[160], const idx_src *s)
{
    switch (s->fail) {
    case SRC_CORRUPT:
        snprintf(note, 160, " (zlib: %s)", s->why);
        break;
    case SRC_IO:
        snprintf(note, 160, " (%s)", s->why);
        break;
    case SRC_TRUNCATED:
        snprintf(note, 160, " (the gzip stream breaks off)");
        break;
    case SRC_TRAILING:
        snprintf(note, 160, " (a gzip stream ends and data that is not gzip follows)");
        break;
    default:
        note[0] = '\0';
    }
    return note;
}

/* What the header promises, for messages: "3 images of 2 x 2 pixels" or
 * "100 labels". */
static const char *promise(char out[96], int images, unsigned long count, unsigned long rows,
                           unsigned long cols)
{
    if (images)
        snprintf(out, 96, "%lu images of %lu x %lu pixels", count, rows, cols);
    else
        snprintf(out, 96, "%lu labels", count);
    return out;
}

/* The error for a payload read that stopped at `have` of the `want` bytes
 * that reading `take` records needs. */
static deq_status short_read(deq_error_t err, const idx_src *s, int images, unsigned long count,
                             unsigned long rows, unsigned long cols, unsigned long take,
                             size_t want, size_t have)
{
    char note[160], what[96];
    promise(what, images, count, rows, cols);
    const char *unit = images ? "bytes of pixels" : "bytes of labels";
    if (s->fail == SRC_OK || s->fail == SRC_TRUNCATED)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: truncated: the header promises %s; reading %lu needs %zu %s, "
                             "the file holds %zu%s",
                             s->path, what, take, want, unit, have, src_note(note, s));
    return deq_error_set(err, DEQ_ERR_INPUT, "%s: %s after %zu %s (the header promises %s)%s",
                         s->path, src_lead(s), have, unit, what, src_note(note, s));
}

/* After the header's records: the file must end there, and a gzip stream
 * with it, whole up to its check value. */
static deq_status check_end(deq_error_t err, idx_src *s, int images, unsigned long count,
                            unsigned long rows, unsigned long cols)
{
    unsigned char extra;
    size_t got = src_read(s, &extra, 1);
    if (got == 0 && s->fail == SRC_OK)
        return DEQ_OK;
    char note[160], what[96];
    promise(what, images, count, rows, cols);
    if (got > 0 || s->fail == SRC_TRAILING)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: more data than the header promises: the file goes on after "
                             "its %s%s",
                             s->path, what, s->fail == SRC_TRAILING ? src_note(note, s) : "");
    if (s->fail == SRC_TRUNCATED)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: truncated: the gzip stream breaks off after the %s, before its "
                             "end and check value",
                             s->path, what);
    return deq_error_set(err, DEQ_ERR_INPUT, "%s: %s after the %s%s", s->path, src_lead(s), what,
                         src_note(note, s));
}

static unsigned long be32(const unsigned char *p)
{
    return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 |
           (unsigned long)p[3];
}

static deq_status idx_header(unsigned long *dims, idx_src *s, unsigned long magic, int ndims,
                             const char *kind, deq_error_t err)
{
    /* The magic first, so that a file of the other kind is named as such
     * rather than as a short header. */
    unsigned char head[16];
    size_t want = 4 * (size_t)(1 + ndims), got = src_read(s, head, 4);
    if (got == 4 && be32(head) != magic)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: not an IDX %s file: magic number 0x%08lx, expected 0x%08lx",
                             s->path, kind, be32(head), magic);
    if (got == 4)
        got += src_read(s, head + 4, want - 4);
    char note[160];
    const char *lead = s->fail == SRC_OK || s->fail == SRC_TRUNCATED ? "truncated"
                       : s->fail == SRC_IO                           ? "read error in the"
                                                                     : "corrupt gzip data in the";
    if (got < want)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: %s IDX header: expected %zu bytes, found %zu%s", s->path, lead,
                             want, got, src_note(note, s));
    for (int k = 0; k < ndims; k++) {
        dims[k] = be32(head + 4 * (k + 1));
        if (dims[k] == 0)
            return deq_error_set(err, DEQ_ERR_INPUT,
                                 "%s: bad IDX header: dimension %d is 0 (must be positive)",
                                 s->path, k + 1);
    }
    return DEQ_OK;
}

/* Opens `path` and reads its magic and `ndims` dimensions into dims[]; on
 * DEQ_OK *src is open for the payload, otherwise NULL. */
static deq_status idx_open(idx_src **src, unsigned long *dims, const char *path,
                           unsigned long magic, int ndims, const char *kind, deq_error_t err)
{
    *src = src_open(path, err);
    if (!*src)
        return DEQ_ERR_INPUT;
    deq_status st = idx_header(dims, *src, magic, ndims, kind, err);
    if (st != DEQ_OK) {
        src_close(*src);
        *src = NULL;
    }
    return st;
}

/* How many records to read: all, or the first max_count. */
static unsigned long idx_take(unsigned long count, long max_count)
{
    return max_count > 0 && (unsigned long)max_count < count ? (unsigned long)max_count : count;
}

deq_status idx_read_images(mat_d_t X, long *rows, long *cols, const char *path, long max_count,
                           deq_error_t err)
{
    idx_src *f;
    unsigned long dims[3];
    deq_status st = idx_open(&f, dims, path, IDX_MAGIC_IMAGES, 3, "image", err);
    if (st != DEQ_OK)
        return st;
    unsigned long count = dims[0], take = idx_take(count, max_count);
    /* Pixels per image index matrix rows (long); the payload is held once as
     * bytes and once as doubles (size_t). dims are below 2^32, so the first
     * product fits in 64 bits. */
    uint64_t npix = (uint64_t)dims[1] * dims[2];
    if (npix > LONG_MAX || take > LONG_MAX || npix > SIZE_MAX / sizeof(double) / take) {
        src_close(f);
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: bad IDX header: %lu images of %lu x %lu pixels is too large",
                             path, take, dims[1], dims[2]);
    }
    size_t want = (size_t)npix * take;
    unsigned char *raw;
    size_t have = read_payload(&raw, f, want);
    if (have < want)
        st = short_read(err, f, 1, count, dims[1], dims[2], take, want, have);
    else if (take == count)
        st = check_end(err, f, 1, count, dims[1], dims[2]);
    src_close(f);
    if (st != DEQ_OK) {
        free(raw);
        return st;
    }
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
    idx_src *f;
    unsigned long dims[1];
    deq_status st = idx_open(&f, dims, path, IDX_MAGIC_LABELS, 1, "label", err);
    if (st != DEQ_OK)
        return st;
    unsigned long take = idx_take(dims[0], max_count);
    if (take > LONG_MAX) {
        src_close(f);
        return deq_error_set(err, DEQ_ERR_INPUT, "%s: bad IDX header: %lu labels is too many",
                             path, take);
    }
    unsigned char *raw;
    size_t have = read_payload(&raw, f, (size_t)take);
    if (have < take)
        st = short_read(err, f, 0, dims[0], 1, 1, take, take, have);
    else if (take == dims[0])
        st = check_end(err, f, 0, dims[0], 1, 1);
    src_close(f);
    if (st != DEQ_OK) {
        free(raw);
        return st;
    }
    *labels = raw;
    *count = (long)take;
    return DEQ_OK;
}

/* ---------- record by record ---------- */

deq_status idx_stream_open(idx_stream *s, const char *path, int images, deq_error_t err)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    s->images = images != 0;
    unsigned long dims[3] = {0, 1, 1};
    deq_status st = idx_open(&s->src, dims, path, images ? IDX_MAGIC_IMAGES : IDX_MAGIC_LABELS,
                             images ? 3 : 1, images ? "image" : "label", err);
    if (st != DEQ_OK)
        return st;
    /* dims are below 2^32: the product fits in 64 bits; the whole payload's
     * byte count must fit in a size_t (and a record in a long, for callers
     * that index matrices with it). */
    uint64_t rec = (uint64_t)dims[1] * dims[2];
    if (rec > LONG_MAX || rec > SIZE_MAX / dims[0]) {
        idx_stream_close(s);
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: bad IDX header: %lu images of %lu x %lu pixels is too large",
                             path, dims[0], dims[1], dims[2]);
    }
    s->count = dims[0];
    s->rows = dims[1];
    s->cols = dims[2];
    s->record = (size_t)rec;
    return DEQ_OK;
}

deq_status idx_stream_read(idx_stream *s, unsigned char *buf, unsigned long n, deq_error_t err)
{
    if (!s->src || n > s->count - s->next || n > UINT_MAX / s->record)
        return deq_error_set(err, DEQ_ERR_INTERNAL,
                             "%s: idx_stream_read: %lu records asked after %lu of %lu%s", s->path,
                             n, s->next, s->count, s->src ? "" : " (stream closed)");
    size_t want = (size_t)n * s->record, have = src_read(s->src, buf, want);
    if (have < want)
        return short_read(err, s->src, s->images, s->count, s->rows, s->cols, s->count,
                          s->count * s->record, s->next * s->record + have);
    s->next += n;
    return DEQ_OK;
}

deq_status idx_stream_end(idx_stream *s, deq_error_t err)
{
    deq_status st;
    if (!s->src || s->next != s->count)
        st = deq_error_set(err, DEQ_ERR_INTERNAL, "%s: idx_stream_end after %lu of %lu records%s",
                           s->path, s->next, s->count, s->src ? "" : " (stream closed)");
    else
        st = check_end(err, s->src, s->images, s->count, s->rows, s->cols);
    idx_stream_close(s);
    return st;
}

void idx_stream_close(idx_stream *s)
{
    src_close(s->src);
    s->src = NULL;
}
