/* Text-matrix reader and writer (data/textmat.h), compiled for double and for
 * MPFR (-DDEQ_MPFR).
 *
 * Reading. Each token is first checked against the plain decimal grammar
 *     [+-] digits [. digits] [(e|E) [+-] digits]   (at least one mantissa digit)
 * and rewritten as "[-]DIGITSeEXP" without a decimal point before it goes to
 * strtod / mpfr_strtofr. Both of those honour the locale's decimal point, so
 * handing them "1.5" would make the reader depend on setlocale(); the rewrite
 * also keeps their extensions (nan, inf, hex, "@" exponents) out of reach.
 * Either routine rounds the exact decimal value once, to nearest: glibc's
 * strtod is correctly rounded, and so is mpfr_strtofr at the entry's precision.
 * A number too large for the format is an error; a nonzero number too small
 * for it underflows quietly to a subnormal or to zero, which is what correct
 * rounding gives and is within the format's absolute resolution.
 *
 * Rows are parsed into a buffer that grows as data arrive, and the matrix is
 * allocated only at the end: a header that promises a huge matrix costs memory
 * only for the numbers the file really holds, and on error nothing is left
 * behind.
 *
 * Writing. Double: printf's %.17g; 17 significant digits are enough for any
 * binary64 to survive the round trip. MPFR: mpfr_get_str with n = 0 chooses
 * 1 + ceil(p log10 2) digits, which MPFR guarantees to read back to the same
 * value at precision p with rounding to nearest; it is laid out like %.{n}g
 * (trailing zeros dropped, which leaves the decimal value unchanged), so at
 * 53 bits both writers print the same text. Neither depends on the locale.
 * NaN and infinities are written as nan, inf, -inf, which the reader rejects.
 */
#include "num/generic.h"

#include "data/textmat.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Lines and tokens                                                          */

typedef struct {
    const char *name; /* the path, or "<stdin>", for messages */
    FILE *f;
    char *line;
    size_t line_cap;
    long lineno;  /* 1-based number of the line in `line` */
    int seen_text; /* some line held something other than blanks */
    char *scratch; /* canonical form of the number being parsed */
    size_t scratch_cap;
} reader;

/* Token separators. Not isspace(), which depends on the locale; '\r' is here
 * so that files with CRLF line ends read as expected. */
static int is_sep(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static const char *skip_sep(const char *s)
{
    while (*s && is_sep(*s))
        s++;
    return s;
}

static const char *token_end(const char *s)
{
    while (*s && !is_sep(*s))
        s++;
    return s;
}

static long count_tokens(const char *s)
{
    long k = 0;
    for (s = skip_sep(s); *s; s = skip_sep(token_end(s)))
        k++;
    return k;
}

/* A token for a message: at most 40 bytes shown, control bytes replaced, so
 * the message stays one short line whatever the file holds. */
static const char *token_quote(char buf[48], const char *tok, size_t len)
{
    size_t shown = len <= 40 ? len : 37;
    for (size_t k = 0; k < shown; k++) {
        unsigned char c = (unsigned char)tok[k];
        buf[k] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    strcpy(buf + shown, len <= 40 ? "" : "...");
    return buf;
}

/* Reads the next line that holds a token, with its comment cut off.
 * Returns 1 with rd->line set, 0 at the end of the file, -1 on error. */
static int reader_next(reader *rd, deq_error_t err)
{
    for (;;) {
        errno = 0;
        ssize_t len = getline(&rd->line, &rd->line_cap, rd->f);
        if (len < 0) {
            if (ferror(rd->f)) {
                deq_error_set(err, DEQ_ERR_INPUT, "%s:%ld: read error: %s", rd->name,
                              rd->lineno + 1, strerror(errno ? errno : EIO));
                return -1;
            }
            return 0;
        }
        rd->lineno++;
        if ((size_t)len != strlen(rd->line)) {
            deq_error_set(err, DEQ_ERR_INPUT, "%s:%ld: NUL byte in the line (not a text file?)",
                          rd->name, rd->lineno);
            return -1;
        }
        if (*skip_sep(rd->line))
            rd->seen_text = 1;
        char *hash = strchr(rd->line, '#');
        if (hash)
            *hash = '\0';
        if (*skip_sep(rd->line))
            return 1;
    }
}

/* The line to name for problems found at the end of the file: its last line. */
static long reader_last_line(const reader *rd)
{
    return rd->lineno > 0 ? rd->lineno : 1;
}

/* ------------------------------------------------------------------------ */
/* Header                                                                    */

/* A positive integer written with digits only; 0 if the token is anything
 * else, LONG_MAX if it is larger than that. */
static long parse_positive(const char *tok, size_t len)
{
    long v = 0;
    for (size_t k = 0; k < len; k++) {
        if (tok[k] < '0' || tok[k] > '9')
            return 0;
        int digit = tok[k] - '0';
        v = v > (LONG_MAX - digit) / 10 ? LONG_MAX : 10 * v + digit;
    }
    return v;
}

static deq_status read_header(long *rows, long *cols, reader *rd, deq_error_t err)
{
    int got = reader_next(rd, err);
    if (got < 0)
        return err->status;
    if (got == 0) {
        if (rd->seen_text)
            return deq_error_set(err, DEQ_ERR_INPUT,
                                 "%s:%ld: no header line \"rows cols\": the file holds only "
                                 "comments and blank lines",
                                 rd->name, reader_last_line(rd));
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s:%ld: empty file: expected a header line \"rows cols\"", rd->name,
                             reader_last_line(rd));
    }
    const char *bad = "bad header: expected \"rows cols\" (two positive integers)";
    long n = count_tokens(rd->line);
    if (n != 2)
        return deq_error_set(err, DEQ_ERR_INPUT, "%s:%ld: %s, found %ld field%s", rd->name,
                             rd->lineno, bad, n, n == 1 ? "" : "s");
    const char *t[2];
    size_t len[2];
    long v[2];
    t[0] = skip_sep(rd->line);
    t[1] = skip_sep(token_end(t[0]));
    for (int k = 0; k < 2; k++) {
        len[k] = (size_t)(token_end(t[k]) - t[k]);
        v[k] = parse_positive(t[k], len[k]);
        if (v[k] == 0) {
            char q[48];
            return deq_error_set(err, DEQ_ERR_INPUT, "%s:%ld: %s, %s is \"%s\"", rd->name,
                                 rd->lineno, bad, k == 0 ? "rows" : "cols",
                                 token_quote(q, t[k], len[k]));
        }
    }
    /* Entry counts are longs elsewhere (mat_t) and byte counts are size_t. */
    if (v[0] == LONG_MAX || v[1] == LONG_MAX || v[0] > LONG_MAX / v[1] ||
        (size_t)(v[0] * v[1]) > SIZE_MAX / sizeof(real_struct)) {
        char q0[48], q1[48];
        return deq_error_set(err, DEQ_ERR_INPUT, "%s:%ld: bad header: %s x %s is too large",
                             rd->name, rd->lineno, token_quote(q0, t[0], len[0]),
                             token_quote(q1, t[1], len[1]));
    }
    *rows = v[0];
    *cols = v[1];
    return DEQ_OK;
}

/* ------------------------------------------------------------------------ */
/* Numbers                                                                   */

typedef enum { NUM_OK, NUM_SYNTAX, NUM_NONFINITE, NUM_OVERFLOW } num_status;

static int ascii_prefix_ci(const char *s, size_t len, const char *prefix)
{
    size_t k = 0;
    for (; prefix[k]; k++) {
        if (k >= len)
            return 0;
        char c = s[k] >= 'A' && s[k] <= 'Z' ? (char)(s[k] - 'A' + 'a') : s[k];
        if (c != prefix[k])
            return 0;
    }
    return 1;
}

static size_t scan_digits(const char *s, size_t k, size_t len)
{
    while (k < len && s[k] >= '0' && s[k] <= '9')
        k++;
    return k;
}

/* Beyond this decimal exponent every nonzero value overflows or underflows in
 * any format here: MPFR's largest exponent range is 2^62 in binary, about
 * 1.4e18 in decimal. Saturating there keeps the arithmetic below in range
 * (|exponent| + mantissa length < 2^63). */
#define DECIMAL_EXP_SAT 4000000000000000000LL

/* Checks that tok[0, len) is a plain decimal number and writes its canonical
 * form "[-]DIGITSeEXP" (or "[-]0") to rd->scratch. */
static num_status number_canonical(reader *rd, const char *tok, size_t len)
{
    size_t k = 0;
    int neg = 0;
    if (k < len && (tok[k] == '+' || tok[k] == '-'))
        neg = tok[k++] == '-';
    size_t i0 = k, i1 = scan_digits(tok, k, len), f0 = i1, f1 = i1;
    if (i1 < len && tok[i1] == '.') {
        f0 = i1 + 1;
        f1 = scan_digits(tok, f0, len);
    }
    k = f1;
    long long e10 = 0;
    int ok = (i1 - i0) + (f1 - f0) > 0;
    if (ok && k < len && (tok[k] == 'e' || tok[k] == 'E')) {
        k++;
        int eneg = 0;
        if (k < len && (tok[k] == '+' || tok[k] == '-'))
            eneg = tok[k++] == '-';
        size_t e0 = k;
        k = scan_digits(tok, k, len);
        ok = k > e0;
        for (size_t m = e0; m < k; m++)
            e10 = e10 >= DECIMAL_EXP_SAT / 10 ? DECIMAL_EXP_SAT : 10 * e10 + (tok[m] - '0');
        if (eneg)
            e10 = -e10;
    }
    if (!ok || k != len) {
        const char *body = tok + (neg || tok[0] == '+');
        size_t blen = len - (size_t)(body - tok);
        return ascii_prefix_ci(body, blen, "nan") || ascii_prefix_ci(body, blen, "inf")
                   ? NUM_NONFINITE
                   : NUM_SYNTAX;
    }

    if (rd->scratch_cap < len + 32) {
        rd->scratch_cap = 2 * len + 32;
        rd->scratch = deq_realloc(rd->scratch, rd->scratch_cap);
    }
    char *out = rd->scratch;
    if (neg)
        *out++ = '-';
    char *digits = out;
    for (size_t m = i0; m < f1; m++)
        if (m != i1 && (out > digits || tok[m] != '0'))
            *out++ = tok[m];
    if (out == digits) {
        strcpy(out, "0");
        return NUM_OK;
    }
    sprintf(out, "e%lld", e10 - (long long)(f1 - f0));
    return NUM_OK;
}

/* Parses a canonical number; NUM_OVERFLOW if it exceeds the format's range. */
static num_status number_parse(real_ptr x, const char *canon)
{
    char *end;
#ifdef DEQ_MPFR
    mpfr_strtofr(x, canon, &end, 10, RND);
    DEQ_REQUIRE(*end == '\0');
    return mpfr_inf_p(x) ? NUM_OVERFLOW : NUM_OK;
#else
    x[0] = strtod(canon, &end);
    DEQ_REQUIRE(*end == '\0');
    return isinf(x[0]) ? NUM_OVERFLOW : NUM_OK;
#endif
}

static deq_status number_read(real_ptr x, reader *rd, const char *tok, size_t len, long entry,
                              long row, deq_error_t err)
{
    num_status s = number_canonical(rd, tok, len);
    if (s == NUM_OK)
        s = number_parse(x, rd->scratch);
    if (s == NUM_OK)
        return DEQ_OK;
    char q[48];
    const char *what = s == NUM_SYNTAX      ? "not a number"
                       : s == NUM_NONFINITE ? "NaN/Inf not allowed"
#ifdef DEQ_MPFR
                                            : "number out of range (overflows MPFR's exponent range)";
#else
                                            : "number out of range (overflows double)";
#endif
    return deq_error_set(err, DEQ_ERR_INPUT, "%s:%ld: %s: \"%s\" (entry %ld of row %ld)", rd->name,
                         rd->lineno, what, token_quote(q, tok, len), entry, row);
}

/* ------------------------------------------------------------------------ */
/* Reader                                                                    */

/* Parsed entries in row-major order; the first `count` are initialized. */
typedef struct {
    real_struct *e;
    size_t count, cap;
} entry_buf;

static void entry_buf_clear(entry_buf *b)
{
    for (size_t k = 0; k < b->count; k++)
        re_clear(b->e + k);
    free(b->e);
}

/* Makes room for `more` entries, never beyond `total`. */
static void entry_buf_reserve(entry_buf *b, size_t more, size_t total)
{
    if (b->count + more <= b->cap)
        return;
    size_t cap = 2 * b->cap > b->count + more ? 2 * b->cap : b->count + more;
    b->cap = cap < total ? cap : total;
    b->e = deq_realloc(b->e, b->cap * sizeof(real_struct));
}

static deq_status read_rows(entry_buf *buf, reader *rd, long rows, long cols, long prec,
                            deq_error_t err)
{
    size_t total = (size_t)rows * (size_t)cols;
    for (long r = 0; r < rows; r++) {
        int got = reader_next(rd, err);
        if (got < 0)
            return err->status;
        if (got == 0)
            return deq_error_set(err, DEQ_ERR_INPUT,
                                 "%s:%ld: expected %ld rows, found %ld (file ends early)",
                                 rd->name, reader_last_line(rd), rows, r);
        long n = count_tokens(rd->line);
        if (n != cols)
            return deq_error_set(err, DEQ_ERR_INPUT,
                                 "%s:%ld: row has %ld entr%s, expected %ld (ragged rows)",
                                 rd->name, rd->lineno, n, n == 1 ? "y" : "ies", cols);
        entry_buf_reserve(buf, (size_t)cols, total);
        const char *t = skip_sep(rd->line);
        for (long c = 0; c < cols; c++, t = skip_sep(t)) {
            const char *end = token_end(t);
            real_ptr x = buf->e + buf->count;
            re_init(x, prec);
            buf->count++;
            if (number_read(x, rd, t, (size_t)(end - t), c + 1, r + 1, err) != DEQ_OK)
                return err->status;
            t = end;
        }
    }
    int got = reader_next(rd, err);
    if (got < 0)
        return err->status;
    if (got > 0)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "%s:%ld: extra data after the last row (the header says %ld rows)",
                             rd->name, rd->lineno, rows);
    return DEQ_OK;
}

deq_status G(textmat_read)(mat_t M, const char *path, long prec, deq_error_t err)
{
#ifdef DEQ_MPFR
    DEQ_REQUIRE(prec >= MPFR_PREC_MIN && prec <= MPFR_PREC_MAX);
#endif
    int is_stdin = strcmp(path, "-") == 0;
    reader rd = {.name = is_stdin ? "<stdin>" : path, .f = is_stdin ? stdin : fopen(path, "r")};
    if (!rd.f)
        return deq_error_set(err, DEQ_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));

    entry_buf buf = {0};
    long rows = 0, cols = 0;
    deq_status s = read_header(&rows, &cols, &rd, err);
    if (s == DEQ_OK)
        s = read_rows(&buf, &rd, rows, cols, prec, err);
    if (s == DEQ_OK) {
        G(mat_init)(M, rows, cols, prec);
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++) {
                real_ptr src = buf.e + (size_t)r * (size_t)cols + (size_t)c;
#ifdef DEQ_MPFR
                mpfr_swap(mat_entry(M, r, c), src); /* same precision: a move */
#else
                re_set(mat_entry(M, r, c), src);
#endif
            }
    }
    entry_buf_clear(&buf);
    free(rd.line);
    free(rd.scratch);
    if (!is_stdin)
        fclose(rd.f);
    return s;
}

/* ------------------------------------------------------------------------ */
/* Writer                                                                    */

/* Non-finite entries are written so that a reader sees what happened; the
 * reader itself rejects them, as input must be finite. */
static void write_nonfinite(FILE *out, real_srcptr x)
{
    fputs(re_sgn(x) == 0 ? "nan" : re_sgn(x) < 0 ? "-inf" : "inf", out);
}

static void write_number(FILE *out, real_srcptr x)
{
#ifdef DEQ_MPFR
    if (!mpfr_number_p(x)) {
        write_nonfinite(out, x);
        return;
    }
    if (mpfr_zero_p(x)) {
        fputs(mpfr_signbit(x) ? "-0" : "0", out);
        return;
    }
    mpfr_exp_t e;
    char *s = mpfr_get_str(NULL, &e, 10, 0, x, RND); /* value = 0.DIGITS * 10^e */
    char *d = s + (s[0] == '-');
    long p = (long)strlen(d), n = p, x10 = (long)e - 1; /* value = D.IGITS * 10^x10 */
    while (n > 1 && d[n - 1] == '0')
        n--;
    if (s[0] == '-')
        putc('-', out);
    /* Layout of printf's %.{p}g, so that at 53 bits the output matches the
     * double writer's character for character. */
    if (x10 < -4 || x10 >= p) {
        putc(d[0], out);
        if (n > 1)
            fprintf(out, ".%.*s", (int)(n - 1), d + 1);
        fprintf(out, "e%c%02ld", x10 < 0 ? '-' : '+', x10 < 0 ? -x10 : x10);
    } else if (x10 >= 0) {
        for (long k = 0; k <= x10; k++)
            putc(k < n ? d[k] : '0', out);
        if (n > x10 + 1)
            fprintf(out, ".%.*s", (int)(n - x10 - 1), d + x10 + 1);
    } else {
        fputs("0.", out);
        for (long k = x10 + 1; k < 0; k++)
            putc('0', out);
        fprintf(out, "%.*s", (int)n, d);
    }
    mpfr_free_str(s);
#else
    if (!isfinite(x[0])) {
        write_nonfinite(out, x);
        return;
    }
    /* printf writes the locale's decimal point; map whatever it wrote between
     * the digits (possibly several bytes) back to '.'. */
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", x[0]);
    int in_point = 0;
    for (const char *p = buf; *p; p++) {
        int plain = (*p >= '0' && *p <= '9') || *p == '-' || *p == '+' || *p == 'e';
        if (plain)
            putc(*p, out);
        else if (!in_point)
            putc('.', out);
        in_point = !plain;
    }
#endif
}

void G(textmat_fwrite)(FILE *out, const mat_t M, long prec)
{
    (void)prec; /* each entry carries its precision, which sets the digit count */
    fprintf(out, "%ld %ld\n", M->rows, M->cols);
    for (long r = 0; r < M->rows; r++) {
        for (long c = 0; c < M->cols; c++) {
            if (c > 0)
                putc(' ', out);
            write_number(out, mat_entry(M, r, c));
        }
        putc('\n', out);
    }
}

deq_status G(textmat_write)(const char *path, const mat_t M, long prec, deq_error_t err)
{
    int is_stdout = strcmp(path, "-") == 0;
    const char *name = is_stdout ? "<stdout>" : path;
    FILE *f = is_stdout ? stdout : fopen(path, "w");
    if (!f)
        return deq_error_set(err, DEQ_ERR_INPUT, "%s: cannot open for writing: %s", path,
                             strerror(errno));
    errno = 0;
    G(textmat_fwrite)(f, M, prec);
    int bad = fflush(f) != 0 || ferror(f);
    int saved = errno;
    if (!is_stdout && fclose(f) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    if (bad)
        return deq_error_set(err, DEQ_ERR_INPUT, "%s: write error: %s", name,
                             strerror(saved ? saved : EIO));
    return DEQ_OK;
}
