/* The .npy format (NumPy's numpy/lib/format.py, versions 1.0, 2.0 and 3.0):
 *   "\x93NUMPY", major, minor (0), the header length (2 bytes little-endian in
 *   1.0, 4 bytes in 2.0 and 3.0), the header: a Python dict literal
 *   {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), } padded with
 *   spaces and ended by '\n' (latin-1 in 1.0/2.0, UTF-8 in 3.0: either way
 *   only ASCII can describe a dtype this reader accepts), then the data.
 * The dict is parsed strictly: the three keys, each once, nothing else. */
#include "io/io_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

/* The parser's cursor over the dict, between '{' and the padding. */
typedef struct {
    const unsigned char *p, *end;
} cursor;

static void skip_blanks(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
}

static int eat(cursor *c, char ch)
{
    skip_blanks(c);
    if (c->p < c->end && *c->p == (unsigned char)ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* A quoted string without escapes, into buf; 0 if there is none or it does
 * not fit. */
static int read_string(cursor *c, char *buf, size_t cap)
{
    skip_blanks(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return 0;
    unsigned char q = *c->p++;
    size_t k = 0;
    while (c->p < c->end && *c->p != q) {
        unsigned char ch = *c->p++;
        if (ch < 0x20 || ch >= 0x7f || ch == '\\' || k + 1 >= cap)
            return 0;
        buf[k++] = (char)ch;
    }
    if (c->p >= c->end)
        return 0;
    c->p++;
    buf[k] = '\0';
    return 1;
}

static int read_word(cursor *c, const char *w)
{
    skip_blanks(c);
    size_t n = strlen(w);
    if ((size_t)(c->end - c->p) >= n && memcmp(c->p, w, n) == 0) {
        c->p += n;
        return 1;
    }
    return 0;
}

/* A non-negative decimal integer as Python writes it (no sign, no leading
 * zero; a Python 2 'L' suffix allowed), at most 2^62. */
static int read_dim(cursor *c, long *v)
{
    skip_blanks(c);
    const unsigned char *s = c->p;
    long x = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        int digit = *c->p++ - '0';
        if (x > ((1L << 62) - digit) / 10)
            return 0;
        x = 10 * x + digit;
    }
    size_t len = (size_t)(c->p - s);
    if (len == 0 || (len > 1 && *s == '0'))
        return 0;
    if (c->p < c->end && *c->p == 'L')
        c->p++;
    *v = x;
    return 1;
}

/* "(", dims separated by commas, ")": a 1-tuple needs its comma, as in Python. */
static int read_shape(cursor *c, long *shape, int *ndim)
{
    if (!eat(c, '('))
        return 0;
    *ndim = 0;
    if (eat(c, ')'))
        return 1;
    for (;;) {
        if (*ndim >= IO_MAXDIM || !read_dim(c, &shape[*ndim]))
            return 0;
        (*ndim)++;
        int comma = eat(c, ',');
        if (eat(c, ')'))
            return comma || *ndim > 1;
        if (!comma)
            return 0;
    }
}

static int is_little_endian_host(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* Classifies a descr string: byte order, kind, size. */
static void classify(io_npy_header *h)
{
    const char *d = h->descr;
    int big = !is_little_endian_host();
    if (*d == '<' || *d == '>' || *d == '|' || *d == '=') {
        if (*d == '<')
            big = 0;
        else if (*d == '>')
            big = 1;
        d++;
    }
    h->big_endian = big;
    h->kind = IO_NPY_OTHER;
    h->itemsize = 0;
    char kind = *d;
    if (!kind)
        return;
    const char *digits = d + 1;
    if (!*digits || strspn(digits, "0123456789") != strlen(digits) || *digits == '0' ||
        strlen(digits) > 9)
        return;
    long size = strtol(digits, NULL, 10);
    if (kind == 'f' && (size == 2 || size == 4 || size == 8)) {
        h->kind = IO_NPY_FLOAT;
        h->elem = size == 2 ? IO_EL_F16 : size == 4 ? IO_EL_F32 : IO_EL_F64;
        h->itemsize = (size_t)size;
    } else if (kind == 'U') {
        h->kind = IO_NPY_UNICODE;
        h->itemsize = 4 * (size_t)size;
    } else if (kind == 'S') {
        h->kind = IO_NPY_BYTES;
        h->itemsize = (size_t)size;
    }
}

/* What a refused descr is, for the message. */
static const char *descr_kind_name(const char *descr)
{
    const char *d = descr;
    if (*d == '<' || *d == '>' || *d == '|' || *d == '=')
        d++;
    switch (*d) {
    case 'f': return "floating point of an unsupported size";
    case 'c': return "complex";
    case 'i': return "integer";
    case 'u': return "unsigned integer";
    case 'b': case '?': return "boolean";
    case 'O': return "object";
    case 'S': case 'a': return "byte string";
    case 'U': return "unicode string";
    case 'V': return "void/structured";
    case 'M': return "datetime";
    case 'm': return "timedelta";
    default: return "unknown";
    }
}

deq_status io_npy_parse_header(io_npy_header *h, const unsigned char *b, size_t n,
                               const char *path, const char *name, int *more, deq_error_t err)
{
    if (more)
        *more = 0;
    memset(h, 0, sizeof *h);
    if (n < 8) {
        if (more && (n == 0 || memcmp(b, npy_magic, n < 6 ? n : 6) == 0))
            *more = 1;
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: tensor %s: truncated .npy (%zu bytes, no room for the magic)",
                             path, name, n);
    }
    if (memcmp(b, npy_magic, 6) != 0)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: tensor %s: not a .npy array (bad magic, expected \\x93NUMPY)",
                             path, name);
    int major = b[6], minor = b[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: tensor %s: .npy format version %d.%d is not supported "
                             "(1.0, 2.0 and 3.0 are)",
                             path, name, major, minor);
    size_t lenbytes = major == 1 ? 2 : 4;
    if (n < 8 + lenbytes) {
        if (more)
            *more = 1;
        return deq_error_set(err, DEQ_ERR_INPUT, "%s: tensor %s: truncated .npy header", path,
                             name);
    }
    size_t hlen = (size_t)b[8] | (size_t)b[9] << 8;
    if (lenbytes == 4)
        hlen |= (size_t)b[10] << 16 | (size_t)b[11] << 24;
    size_t start = 8 + lenbytes;
    if (hlen > n - start) {
        if (more)
            *more = 1;
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: tensor %s: truncated .npy header (%zu bytes announced, %zu "
                             "present)",
                             path, name, hlen, n - start);
    }
    const unsigned char *hb = b + start, *he = hb + hlen;
    /* The header ends with '\n' after the dict and its padding of spaces. */
    if (hlen == 0 || he[-1] != '\n')
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: tensor %s: malformed .npy header (does not end with a newline)",
                             path, name);
    he--;
    while (he > hb && he[-1] == ' ')
        he--;
    cursor c = {hb, he};
    int have_descr = 0, have_fortran = 0, have_shape = 0;
    if (!eat(&c, '{'))
        goto malformed;
    while (!eat(&c, '}')) {
        char key[32];
        if (!read_string(&c, key, sizeof key) || !eat(&c, ':'))
            goto malformed;
        if (strcmp(key, "descr") == 0) {
            if (have_descr++)
                goto duplicate;
            skip_blanks(&c);
            if (c.p < c.end && *c.p == '[')
                return deq_error_set(err, DEQ_ERR_INPUT,
                                     "%s: tensor %s: structured dtype (a list of fields) is not "
                                     "supported: the values must be float64, float32 or float16",
                                     path, name);
            if (!read_string(&c, h->descr, sizeof h->descr))
                goto malformed;
        } else if (strcmp(key, "fortran_order") == 0) {
            if (have_fortran++)
                goto duplicate;
            if (read_word(&c, "True"))
                h->fortran = 1;
            else if (read_word(&c, "False"))
                h->fortran = 0;
            else
                goto malformed;
        } else if (strcmp(key, "shape") == 0) {
            if (have_shape++)
                goto duplicate;
            if (!read_shape(&c, h->shape, &h->ndim))
                goto malformed;
        } else {
            return deq_error_set(err, DEQ_ERR_INPUT,
                                 "%s: tensor %s: malformed .npy header (unknown key '%s')", path,
                                 name, key);
        }
        if (!eat(&c, ',')) {
            if (!eat(&c, '}'))
                goto malformed;
            break;
        }
    }
    skip_blanks(&c);
    if (c.p != c.end)
        goto malformed;
    if (!have_descr || !have_fortran || !have_shape)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: tensor %s: malformed .npy header (missing key '%s')", path, name,
                             !have_descr ? "descr" : !have_fortran ? "fortran_order" : "shape");
    classify(h);
    h->data_offset = start + hlen;
    if (h->kind != IO_NPY_OTHER) {
        size_t bytes;
        if (!io_shape_count(&h->count, &bytes, h->shape, h->ndim, h->itemsize)) {
            char s[64];
            io_shape_str(s, sizeof s, h->shape, h->ndim);
            return deq_error_set(err, DEQ_ERR_INPUT, "%s: tensor %s: shape %s is too large", path,
                                 name, s);
        }
    }
    return DEQ_OK;
malformed:
    return deq_error_set(err, DEQ_ERR_INPUT,
                         "%s: tensor %s: malformed .npy header (expected {'descr': ..., "
                         "'fortran_order': ..., 'shape': (...)} near byte %zu)",
                         path, name, (size_t)(c.p - b));
duplicate:
    return deq_error_set(err, DEQ_ERR_INPUT, "%s: tensor %s: malformed .npy header (repeated key)",
                         path, name);
}

/* The header and the data length of a complete image, for a given kind. */
static deq_status npy_check(io_npy_header *h, const unsigned char *b, size_t n, const char *path,
                            const char *name, int want_string, deq_error_t err)
{
    if (io_npy_parse_header(h, b, n, path, name, NULL, err) != DEQ_OK)
        return err->status;
    int ok = want_string ? (h->kind == IO_NPY_UNICODE || h->kind == IO_NPY_BYTES)
                         : h->kind == IO_NPY_FLOAT;
    if (!ok) {
        if (want_string)
            return deq_error_set(err, DEQ_ERR_INPUT,
                                 "%s: tensor %s: dtype '%s' is not a string ('<Un' or '|Sn')",
                                 path, name, h->descr);
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: tensor %s: dtype '%s' (%s) is not supported: the values must be "
                             "float64, float32 or float16 ('<f8', '>f4', '<f2', ...)",
                             path, name, h->descr, descr_kind_name(h->descr));
    }
    size_t need = h->count * h->itemsize, have = n - h->data_offset;
    if (have != need) {
        char s[64];
        io_shape_str(s, sizeof s, h->shape, h->ndim);
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: tensor %s: shape %s of '%s' needs %zu bytes of data, the file "
                             "has %zu (%s)",
                             path, name, s, h->descr, need, have,
                             have < need ? "truncated" : "trailing bytes");
    }
    return DEQ_OK;
}

deq_status io_npy_raw(io_raw *r, const unsigned char *b, size_t n, const char *path,
                      const char *name, deq_error_t err)
{
    io_npy_header h;
    if (npy_check(&h, b, n, path, name, 0, err) != DEQ_OK)
        return err->status;
    r->elem = h.elem;
    r->big_endian = h.big_endian;
    r->fortran = h.fortran;
    r->ndim = h.ndim;
    memcpy(r->shape, h.shape, sizeof h.shape);
    r->data = b + h.data_offset;
    return DEQ_OK;
}

/* Appends code point u to s as UTF-8 (at most 4 bytes). */
static size_t put_utf8(char *s, uint32_t u)
{
    if (u < 0x80) {
        s[0] = (char)u;
        return 1;
    }
    if (u < 0x800) {
        s[0] = (char)(0xc0 | u >> 6), s[1] = (char)(0x80 | (u & 0x3f));
        return 2;
    }
    if (u < 0x10000) {
        s[0] = (char)(0xe0 | u >> 12), s[1] = (char)(0x80 | (u >> 6 & 0x3f));
        s[2] = (char)(0x80 | (u & 0x3f));
        return 3;
    }
    s[0] = (char)(0xf0 | u >> 18), s[1] = (char)(0x80 | (u >> 12 & 0x3f));
    s[2] = (char)(0x80 | (u >> 6 & 0x3f)), s[3] = (char)(0x80 | (u & 0x3f));
    return 4;
}

deq_status io_npy_string(char **out, const unsigned char *b, size_t n, const char *path,
                         const char *name, deq_error_t err)
{
    *out = NULL;
    io_npy_header h;
    if (npy_check(&h, b, n, path, name, 1, err) != DEQ_OK)
        return err->status;
    if (h.count != 1)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s: tensor %s: a string must be one element, the array has %zu",
                             path, name, h.count);
    const unsigned char *d = b + h.data_offset;
    /* NumPy pads a string with NULs up to the dtype's length. */
    if (h.kind == IO_NPY_BYTES) {
        size_t len = h.itemsize;
        while (len > 0 && d[len - 1] == 0)
            len--;
        if (memchr(d, 0, len))
            return deq_error_set(err, DEQ_ERR_INPUT, "%s: tensor %s: string holds a NUL byte",
                                 path, name);
        char *s = deq_malloc(len + 1);
        memcpy(s, d, len);
        s[len] = '\0';
        *out = s;
        return DEQ_OK;
    }
    size_t chars = h.itemsize / 4;
    char *s = deq_malloc(4 * chars + 1);
    size_t k = 0, end = 0;
    for (size_t i = 0; i < chars; i++) {
        const unsigned char *q = d + 4 * i;
        uint32_t u = h.big_endian ? (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
                                        (uint32_t)q[2] << 8 | q[3]
                                  : (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 |
                                        (uint32_t)q[1] << 8 | q[0];
        if (u > 0x10ffff || (u >= 0xd800 && u <= 0xdfff)) {
            free(s);
            return deq_error_set(err, DEQ_ERR_INPUT,
                                 "%s: tensor %s: string holds an invalid code point 0x%lx", path,
                                 name, (unsigned long)u);
        }
        k += put_utf8(s + k, u);
        if (u != 0)
            end = k;
    }
    s[end] = '\0';
    if (strlen(s) != end) {
        free(s);
        return deq_error_set(err, DEQ_ERR_INPUT, "%s: tensor %s: string holds a NUL character",
                             path, name);
    }
    *out = s;
    return DEQ_OK;
}

/* The tensor of a .npy file is named after the file: its base name without
 * the extension. */
static char *stem(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (len > 4 && strcmp(base + len - 4, ".npy") == 0)
        len -= 4;
    char *s = deq_malloc(len + 1);
    memcpy(s, base, len);
    s[len] = '\0';
    return s;
}

deq_status io_npy_open(io_tensor_file_t F, deq_error_t err)
{
    char *name = stem(F->path);
    io_npy_header h;
    if (io_slurp(&F->buf, &F->len, F->path, err) != DEQ_OK ||
        io_npy_parse_header(&h, F->buf, F->len, F->path, name, NULL, err) != DEQ_OK) {
        free(name);
        return err->status;
    }
    F->count = 1;
    F->entries = deq_calloc(1, sizeof *F->entries);
    F->entries[0].name = name;
    F->entries[0].offset = 0;
    F->entries[0].length = F->len;
    return DEQ_OK;
}

/* ---- writer ------------------------------------------------------------- */

static void put_le64(unsigned char *q, double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    for (int k = 0; k < 8; k++)
        q[k] = (unsigned char)(u >> (8 * k));
}

/* Writes a float64 C-order array of shape (r, c) whose element [i, j] is
 * e[i*si + j*sj]. */
static deq_status npy_write(const char *path, const double *e, long r, long c, long si, long sj,
                            deq_error_t err)
{
    char dict[160];
    int dl = snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, 'shape': (%ld, %ld), }",
                      r, c);
    /* Magic, version, length, dict, spaces, '\n': a multiple of 64 bytes, as
     * NumPy writes it, so that the data is aligned when mapped. */
    size_t total = 10 + (size_t)dl + 1;
    total = (total + 63) / 64 * 64;
    size_t hlen = total - 10;
    unsigned char head[256];
    memcpy(head, npy_magic, 6);
    head[6] = 1, head[7] = 0;
    head[8] = (unsigned char)(hlen & 0xff), head[9] = (unsigned char)(hlen >> 8);
    memcpy(head + 10, dict, (size_t)dl);
    memset(head + 10 + dl, ' ', total - 10 - (size_t)dl - 1);
    head[total - 1] = '\n';

    FILE *f = fopen(path, "wb");
    if (!f)
        return deq_error_set(err, DEQ_ERR_INPUT, "%s: cannot create: %s", path, strerror(errno));
    int ok = fwrite(head, 1, total, f) == total;
    unsigned char row[8 * 512];
    for (long i = 0; ok && i < r; i++) {
        for (long j0 = 0; ok && j0 < c; j0 += 512) {
            long j1 = c - j0 < 512 ? c : j0 + 512;
            for (long j = j0; j < j1; j++)
                put_le64(row + 8 * (j - j0), e[i * si + j * sj]);
            ok = fwrite(row, 8, (size_t)(j1 - j0), f) == (size_t)(j1 - j0);
        }
    }
    int saved = errno;
    if (fclose(f) != 0 && ok) {
        ok = 0;
        saved = errno;
    }
    if (!ok)
        return deq_error_set(err, DEQ_ERR_INPUT, "%s: write failed: %s", path, strerror(saved));
    return DEQ_OK;
}

deq_status io_npy_write_d(const char *path, const mat_d_t M, deq_error_t err)
{
    /* element [i, j] = M(i, j) = e[i + j*rows] */
    return npy_write(path, M->e, M->rows, M->cols, 1, M->rows, err);
}

deq_status io_npy_write_samples_d(const char *path, const mat_d_t M, deq_error_t err)
{
    /* element [s, k] = M(k, s): the column-major buffer read row by row */
    return npy_write(path, M->e, M->cols, M->rows, M->rows, 1, err);
}
