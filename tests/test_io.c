/* Tests of src/io: .npy, .npz and safetensors readers, the .npy writer.
 *
 * Expected values come from routes independent of the readers: byte strings
 * laid out here by hand (headers, byte orders, IEEE bit patterns written as
 * constants), archives built with libzip's writer, files written by NumPy
 * itself (the committed fixtures in tests/io-fixtures/ and, when python3 with
 * NumPy is installed, the same script rerun), and a safetensors file laid out
 * by that script.
 */
#include "testutil.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "data/textmat.h"
#include "io/tensor.h"

#define ENT(M, i, j) ((M)->e[(i) + (size_t)(j) * (size_t)(M)->rows])

/* ======================================================================== */
/* Helpers                                                                   */

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* The fixtures' values (tests/io-fixtures/make_fixtures.py): multiples of
 * 1/4 in [-2, 2], exact in every format. */
static double val(int s, long i, long j)
{
    return (double)(((i * 5 + j * 3 + s) % 17) - 8) / 4.0;
}

static const char *tmpdir_once(void)
{
    static char dir[256];
    if (!dir[0])
        snprintf(dir, sizeof dir, "%s", test_tmpdir());
    return dir;
}

/* A path in the test's temporary directory (eight rotating buffers). */
static const char *tmp(const char *name)
{
    static char bufs[8][512];
    static int k;
    char *p = bufs[k++ % 8];
    snprintf(p, 512, "%s/%s", tmpdir_once(), name);
    return p;
}

static void put(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot create %s", path);
    cr_assert_eq(fwrite(b, 1, n, f), n);
    fclose(f);
}

static unsigned char *get_bytes(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)len + 1);
    cr_assert_eq(fread(b, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return b;
}

/* A .npy image: magic, version major.0, the header length (2 or 4 bytes),
 * the dict padded with spaces to a multiple of 64 and ended by '\n', the data. */
static size_t npy_image(unsigned char *out, int major, const char *dict, const void *data,
                        size_t n)
{
    size_t lb = major == 1 ? 2 : 4, dl = strlen(dict);
    size_t total = (8 + lb + dl + 1 + 63) / 64 * 64, hlen = total - 8 - lb;
    memcpy(out, "\x93NUMPY", 6);
    out[6] = (unsigned char)major, out[7] = 0;
    for (size_t k = 0; k < lb; k++)
        out[8 + k] = (unsigned char)(hlen >> (8 * k));
    memcpy(out + 8 + lb, dict, dl);
    memset(out + 8 + lb + dl, ' ', total - 8 - lb - dl - 1);
    out[total - 1] = '\n';
    if (n)
        memcpy(out + total, data, n);
    return total + n;
}

/* Writes a .npy file named name from a dict and raw data; returns its path. */
static const char *npy_file(const char *name, int major, const char *dict, const void *data,
                            size_t n)
{
    unsigned char *b = malloc(n + 4096);
    size_t len = npy_image(b, major, dict, data, n);
    const char *path = tmp(name);
    put(path, b, len);
    free(b);
    return path;
}

static void store(unsigned char *q, uint64_t u, size_t size, int big)
{
    for (size_t k = 0; k < size; k++)
        q[big ? size - 1 - k : k] = (unsigned char)(u >> (8 * k));
}

static uint64_t bits_d(double x)
{
    uint64_t u;
    memcpy(&u, &x, 8);
    return u;
}

static uint32_t bits_f(float x)
{
    uint32_t u;
    memcpy(&u, &x, 4);
    return u;
}

/* Opens path and reads tensor name; asserts success. */
static void read_ok(mat_d_t M, const char *path, const char *name)
{
    io_tensor_file_t F;
    deq_error_t err;
    deq_error_init(err);
    cr_assert_eq(io_tensor_file_open(F, path, err), DEQ_OK, "open %s: %s", path, err->msg);
    cr_assert_eq(io_tensor_get(M, F, name, err), DEQ_OK, "get %s: %s", path, err->msg);
    io_tensor_file_clear(F);
}

/* Opening path and reading tensor name must fail with DEQ_ERR_INPUT and one
 * line that starts with the path, names the tensor (when name is given and
 * must_name is set) and contains `what`. */
static void expect_bad_named(const char *path, const char *name, int must_name, const char *what)
{
    io_tensor_file_t F;
    deq_error_t err;
    deq_error_init(err);
    mat_d_t M;
    deq_status st = io_tensor_file_open(F, path, err);
    if (st == DEQ_OK) {
        st = io_tensor_get(M, F, name, err);
        if (st == DEQ_OK)
            mat_clear_d(M);
        io_tensor_file_clear(F);
    }
    cr_assert_eq(st, DEQ_ERR_INPUT, "%s (%s): status %d, expected an input error", path, what,
                 (int)st);
    cr_assert_eq(strncmp(err->msg, path, strlen(path)), 0, "message does not name the file: %s",
                 err->msg);
    cr_assert_eq(err->msg[strlen(path)], ':', "message: %s", err->msg);
    cr_assert_null(strchr(err->msg, '\n'), "message is not one line: %s", err->msg);
    if (name && must_name) {
        char t[128];
        snprintf(t, sizeof t, "tensor %s", name);
        cr_assert_not_null(strstr(err->msg, t), "message does not name tensor %s: %s", name,
                           err->msg);
    }
    cr_assert_not_null(strstr(err->msg, what), "message lacks \"%s\": %s", what, err->msg);
}

static void expect_bad(const char *path, const char *name, const char *what)
{
    expect_bad_named(path, name, 1, what);
}

/* ======================================================================== */
/* .npy: versions, byte orders, element types, storage orders                */

/* The same 2×3 float64 matrix under each format version. */
Test(npy, versions_1_2_3)
{
    unsigned char data[6 * 8];
    for (int k = 0; k < 6; k++) /* C order: element [k/3, k%3] */
        store(data + 8 * k, bits_d(val(1, k / 3, k % 3)), 8, 0);
    for (int major = 1; major <= 3; major++) {
        char name[32];
        snprintf(name, sizeof name, "v%d.npy", major);
        const char *path =
            npy_file(name, major, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
                     data, sizeof data);
        mat_d_t M;
        read_ok(M, path, NULL);
        cr_assert_eq(M->rows, 2);
        cr_assert_eq(M->cols, 3);
        for (long i = 0; i < 2; i++)
            for (long j = 0; j < 3; j++)
                cr_assert(same_bits(ENT(M, i, j), val(1, i, j)), "v%d [%ld,%ld]", major, i, j);
        mat_clear_d(M);
    }
}

/* Every float type in both byte orders and both storage orders, values with
 * all their significant bits set. */
Test(npy, types_orders)
{
    /* float64 and float32 values with full significands; float16 values
     * given by their bits (0x3555 = 1365/4096, the float16 nearest 1/3) */
    const double d8[6] = {1.0 / 3, -2.0 / 3, DBL_MIN, -DBL_MAX, 0x1.fffffffffffffp-1, -0.0};
    const float d4[6] = {1.0f / 3, -2.0f / 3, FLT_MIN, -FLT_MAX, 0x1.fffffep-1f, 0x1p-149f};
    const uint16_t d2[6] = {0x3555, 0xc000, 0x0001, 0x7bff, 0x8400, 0x03ff};
    const double d2v[6] = {1365.0 / 4096, -2.0, 0x1p-24, 65504.0, -0x1p-14, 1023 * 0x1p-24};
    const char *descr[3] = {"f8", "f4", "f2"};
    for (int t = 0; t < 3; t++)
        for (int big = 0; big <= 1; big++)
            for (int fortran = 0; fortran <= 1; fortran++) {
                size_t size = t == 0 ? 8 : t == 1 ? 4 : 2;
                unsigned char data[48];
                /* the logical matrix is 2×3 with entry [i, j] = value k = 3i + j */
                for (int i = 0; i < 2; i++)
                    for (int j = 0; j < 3; j++) {
                        int k = 3 * i + j, pos = fortran ? i + 2 * j : k;
                        uint64_t u = t == 0 ? bits_d(d8[k]) : t == 1 ? bits_f(d4[k]) : d2[k];
                        store(data + size * (size_t)pos, u, size, big);
                    }
                char dict[128], name[64];
                snprintf(dict, sizeof dict,
                         "{'descr': '%c%s', 'fortran_order': %s, 'shape': (2, 3), }",
                         big ? '>' : '<', descr[t], fortran ? "True" : "False");
                snprintf(name, sizeof name, "t%d%d%d.npy", t, big, fortran);
                const char *path = npy_file(name, 1, dict, data, 6 * size);
                mat_d_t M;
                read_ok(M, path, NULL);
                for (int i = 0; i < 2; i++)
                    for (int j = 0; j < 3; j++) {
                        int k = 3 * i + j;
                        double want = t == 0 ? d8[k] : t == 1 ? (double)d4[k] : d2v[k];
                        cr_assert(same_bits(ENT(M, i, j), want), "%s [%d,%d]: %a, expected %a",
                                  dict, i, j, ENT(M, i, j), want);
                    }
                mat_clear_d(M);
            }
}

/* Every float16 bit pattern converts exactly: against the definition
 * (-1)^s · 2^(e-15) · (1 + f/1024), or 2^-14 · f/1024 for e = 0, in MPFR. */
Test(npy, float16_every_value)
{
    unsigned char data[2 * 65536];
    for (unsigned u = 0; u < 65536; u++) {
        /* the infinities and NaNs (exponent 31) are refused: put 0 there */
        store(data + 2 * u, ((u >> 10) & 31) == 31 ? 0 : u, 2, 0);
    }
    const char *path = npy_file("all16.npy", 1,
                                "{'descr': '<f2', 'fortran_order': False, 'shape': (65536,), }",
                                data, sizeof data);
    mat_d_t M;
    read_ok(M, path, NULL);
    cr_assert_eq(M->rows, 65536);
    cr_assert_eq(M->cols, 1);
    mpfr_t x;
    mpfr_init2(x, 64);
    for (unsigned u = 0; u < 65536; u++) {
        int e = (u >> 10) & 31, f = u & 1023;
        if (e == 31)
            continue;
        if (e == 0)
            mpfr_set_ui_2exp(x, (unsigned long)f, -24, MPFR_RNDN);
        else
            mpfr_set_ui_2exp(x, (unsigned long)(1024 + f), e - 25, MPFR_RNDN);
        if (u & 0x8000)
            mpfr_neg(x, x, MPFR_RNDN);
        double want = mpfr_get_d(x, MPFR_RNDN);
        if (u == 0x8000)
            want = -0.0;
        cr_assert(same_bits(M->e[u], want), "0x%04x: %a, expected %a", u, M->e[u], want);
    }
    mpfr_clear(x);
    mat_clear_d(M);
}

Test(npy, vector_is_a_column)
{
    double v[3] = {1.5, -2.25, 3.0};
    unsigned char data[24];
    for (int k = 0; k < 3; k++)
        store(data + 8 * k, bits_d(v[k]), 8, 1);
    /* no trailing comma in the dict, spaces around, Python 2's 'L' suffix */
    const char *path = npy_file("vec.npy", 1,
                                "{ 'shape' : (3L,) , 'fortran_order':False,'descr':'>f8'}", data,
                                sizeof data);
    mat_d_t M;
    read_ok(M, path, "vec");
    cr_assert_eq(M->rows, 3);
    cr_assert_eq(M->cols, 1);
    for (int k = 0; k < 3; k++)
        cr_assert(same_bits(M->e[k], v[k]));
    mat_clear_d(M);
}

Test(npy, tensor_named_after_the_file)
{
    double one = 1;
    const char *path = npy_file("weights.npy", 1,
                                "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1), }",
                                &one, 8);
    io_tensor_file_t F;
    deq_error_t err;
    deq_error_init(err);
    cr_assert_eq(io_tensor_file_open(F, path, err), DEQ_OK, "%s", err->msg);
    cr_assert_eq(io_tensor_count(F), 1);
    cr_assert_str_eq(io_tensor_name(F, 0), "weights");
    cr_assert(io_tensor_has(F, "weights"));
    cr_assert(!io_tensor_has(F, "W"));
    cr_assert_null(io_tensor_metadata(F, "activation"));
    io_tensor_file_clear(F);
    expect_bad(path, "W", "not in the file (it has: weights)");
}

/* ======================================================================== */
/* .npy: bad files                                                           */

Test(npy_bad, data_length)
{
    unsigned char data[64] = {0};
    const char *ok = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }";
    expect_bad(npy_file("short.npy", 1, ok, data, 40), "short", "truncated");
    expect_bad(npy_file("long.npy", 1, ok, data, 49), "long", "trailing bytes");
    expect_bad(npy_file("none.npy", 2, ok, data, 0), "none", "needs 48 bytes");
    /* a file cut inside its header */
    unsigned char b[256];
    size_t n = npy_image(b, 1, ok, data, 48);
    put(tmp("cut.npy"), b, 40);
    expect_bad(tmp("cut.npy"), "cut", "truncated .npy header");
    put(tmp("cut2.npy"), b, 9);
    expect_bad(tmp("cut2.npy"), "cut2", "truncated .npy header");
    put(tmp("empty.npy"), b, 0);
    expect_bad(tmp("empty.npy"), "empty", "truncated");
    (void)n;
}

Test(npy_bad, magic_and_version)
{
    unsigned char b[256], data[8] = {0};
    const char *ok = "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }";
    size_t n = npy_image(b, 1, ok, data, 8);
    b[1] = 'M';
    put(tmp("magic.npy"), b, n);
    expect_bad(tmp("magic.npy"), "magic", "bad magic");
    n = npy_image(b, 4, ok, data, 8);
    put(tmp("v4.npy"), b, n);
    expect_bad(tmp("v4.npy"), "v4", "version 4.0");
    n = npy_image(b, 1, ok, data, 8);
    b[7] = 1;
    put(tmp("v11.npy"), b, n);
    expect_bad(tmp("v11.npy"), "v11", "version 1.1");
    /* the header length runs past the end */
    n = npy_image(b, 1, ok, data, 0);
    b[8] = 0xff, b[9] = 0x7f;
    put(tmp("hlen.npy"), b, n);
    expect_bad(tmp("hlen.npy"), "hlen", "truncated .npy header");
    /* a text file */
    put(tmp("text.npy"), "2 2\n1 2\n3 4\n", 12);
    expect_bad(tmp("text.npy"), "text", "bad magic");
}

Test(npy_bad, header_dict)
{
    unsigned char data[8] = {0};
    static const struct {
        const char *dict, *what;
    } cases[] = {
        {"{'descr': '<f8', 'fortran_order': False}", "missing key 'shape'"},
        {"{'descr': '<f8', 'shape': (1,)}", "missing key 'fortran_order'"},
        {"{'fortran_order': False, 'shape': (1,)}", "missing key 'descr'"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}", "unknown key 'x'"},
        {"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", "repeated"},
        {"{'descr': '<f8', 'fortran_order': false, 'shape': (1,)}", "malformed"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (1)}", "malformed"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}", "malformed"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (01,)}", "malformed"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': [1]}", "malformed"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (1,),,}", "malformed"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (1,)} x", "malformed"},
        {"{'descr': '<f\\x38', 'fortran_order': False, 'shape': (1,)}", "malformed"},
        {"('descr', '<f8')", "malformed"},
        {"", "malformed"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char name[32];
        snprintf(name, sizeof name, "dict%zu.npy", k);
        const char *path = npy_file(name, 1, cases[k].dict, data, 8);
        snprintf(name, sizeof name, "dict%zu", k);
        expect_bad(path, name, cases[k].what);
    }
    /* a header that does not end with '\n' */
    unsigned char b[256];
    size_t n = npy_image(b, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", data,
                         8);
    b[n - 9] = ' ';
    put(tmp("nonl.npy"), b, n);
    expect_bad(tmp("nonl.npy"), "nonl", "newline");
}

Test(npy_bad, dtypes)
{
    unsigned char data[64] = {0};
    static const struct {
        const char *descr, *what;
    } cases[] = {
        {"<c16", "complex"},   {"<c8", "complex"},          {"<i8", "integer"},
        {"|i1", "integer"},    {"<u4", "unsigned integer"}, {"|b1", "boolean"},
        {"|O", "object"},      {"|S4", "byte string"},      {"<U2", "unicode string"},
        {"|V8", "void"},       {"<M8[ns]", "datetime"},     {"<f16", "unsupported size"},
        {"<f3", "unsupported size"}, {"<x8", "unknown"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char dict[128], name[32], descr_q[64];
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (2,), }",
                 cases[k].descr);
        snprintf(name, sizeof name, "dt%zu.npy", k);
        const char *path = npy_file(name, 1, dict, data, 16);
        snprintf(name, sizeof name, "dt%zu", k);
        snprintf(descr_q, sizeof descr_q, "dtype '%s'", cases[k].descr);
        expect_bad(path, name, descr_q);
        expect_bad(path, name, cases[k].what);
    }
    const char *path = npy_file("struct.npy", 1,
                                "{'descr': [('a', '<f8'), ('b', '<f8')], 'fortran_order': False, "
                                "'shape': (2,), }",
                                data, 32);
    expect_bad(path, "struct", "structured dtype");
}

Test(npy_bad, shapes)
{
    unsigned char data[64] = {0};
    expect_bad(npy_file("scalar.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
                        data, 8),
               "scalar", "has 0 dimensions");
    expect_bad(npy_file("cube.npy", 1,
                        "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 2), }", data,
                        64),
               "cube", "has 3 dimensions");
    expect_bad(npy_file("empty0.npy", 1,
                        "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }", data, 0),
               "empty0", "is empty");
    expect_bad(npy_file("huge.npy", 1,
                        "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387903, 5), }",
                        data, 8),
               "huge", "too large");
}

/* NaN and infinities are refused with the first bad element's index. */
Test(npy_bad, nan_inf)
{
    unsigned char data[6 * 8];
    for (int k = 0; k < 6; k++)
        store(data + 8 * k, bits_d(k), 8, 0);
    store(data + 8 * 5, bits_d(NAN), 8, 0); /* C order: [1, 2] */
    store(data + 8 * 4, bits_d(-INFINITY), 8, 0); /* [1, 1], earlier in the file */
    expect_bad(npy_file("nan.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
                        data, 48),
               "nan", "-Inf at index [1, 1]");
    /* Fortran order: position 5 is [1, 2], position 4 is [0, 2] */
    expect_bad(npy_file("nanf.npy", 1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
                        data, 48),
               "nanf", "-Inf at index [0, 2]");
    unsigned char h[4] = {0x00, 0x7c, 0x01, 0x7c}; /* float16 +Inf, NaN */
    expect_bad(npy_file("inf16.npy", 1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }",
                        h, 4),
               "inf16", "+Inf at index [0]");
    expect_bad(npy_file("nan16.npy", 1, "{'descr': '<f2', 'fortran_order': False, 'shape': (1,), }",
                        h + 2, 2),
               "nan16", "NaN at index [0]");
}

Test(npy_bad, missing_file_and_extension)
{
    io_tensor_file_t F;
    deq_error_t err;
    deq_error_init(err);
    cr_assert_eq(io_tensor_file_open(F, tmp("absent.npy"), err), DEQ_ERR_INPUT);
    cr_assert_not_null(strstr(err->msg, "cannot open"), "%s", err->msg);
    io_tensor_file_clear(F); /* a no-op after a failed open */
    deq_error_init(err);
    cr_assert_eq(io_tensor_file_open(F, "model.pt", err), DEQ_ERR_INPUT);
    cr_assert_not_null(strstr(err->msg, "model.pt: unknown tensor file type"), "%s", err->msg);
}

/* ======================================================================== */
/* The .npy writer                                                           */

Test(npy_write, round_trip_bits)
{
    deq_rng_t rng;
    deq_rng_init(rng, test_seed());
    mat_d_t M;
    mat_init_d(M, 7, 5, 0);
    test_fill_gaussian(M, rng);
    ENT(M, 0, 0) = -0.0;
    ENT(M, 1, 0) = 0x1p-1074;
    ENT(M, 2, 0) = DBL_MAX;
    ENT(M, 3, 0) = -DBL_MIN;
    deq_error_t err;
    deq_error_init(err);
    cr_assert_eq(io_npy_write_d(tmp("rt.npy"), M, err), DEQ_OK, "%s", err->msg);
    cr_assert_eq(io_npy_write_samples_d(tmp("rts.npy"), M, err), DEQ_OK, "%s", err->msg);
    mat_d_t R, S, T;
    read_ok(R, tmp("rt.npy"), NULL);
    read_ok(S, tmp("rts.npy"), NULL); /* (cols, rows): the transpose */
    cr_assert_eq(io_read_samples(T, tmp("rts.npy"), NULL, err), DEQ_OK, "%s", err->msg);
    cr_assert(R->rows == 7 && R->cols == 5 && S->rows == 5 && S->cols == 7);
    cr_assert(T->rows == 7 && T->cols == 5);
    for (long i = 0; i < 7; i++)
        for (long j = 0; j < 5; j++) {
            cr_assert(same_bits(ENT(R, i, j), ENT(M, i, j)), "[%ld,%ld]" TSEED_FMT, i, j, TSEED);
            cr_assert(same_bits(ENT(S, j, i), ENT(M, i, j)), "[%ld,%ld]" TSEED_FMT, i, j, TSEED);
            cr_assert(same_bits(ENT(T, i, j), ENT(M, i, j)), "[%ld,%ld]" TSEED_FMT, i, j, TSEED);
        }
    /* the header as NumPy writes it: version 1.0, 64-byte aligned, C order */
    size_t n;
    unsigned char *b = get_bytes(tmp("rt.npy"), &n);
    cr_assert_eq(memcmp(b, "\x93NUMPY\x01\x00", 8), 0);
    size_t hlen = b[8] | (size_t)b[9] << 8;
    cr_assert_eq((10 + hlen) % 64, 0);
    cr_assert_eq(n, 10 + hlen + 35 * 8);
    cr_assert_eq(b[10 + hlen - 1], '\n');
    cr_assert_not_null(strstr((char *)b + 10,
                              "{'descr': '<f8', 'fortran_order': False, 'shape': (7, 5), }"));
    free(b);
    mat_clear_d(M), mat_clear_d(R), mat_clear_d(S), mat_clear_d(T);
    deq_rng_clear(rng);
}

Test(npy_write, unwritable)
{
    mat_d_t M;
    mat_init_d(M, 1, 1, 0);
    deq_error_t err;
    deq_error_init(err);
    cr_assert_eq(io_npy_write_d("/nonexistent-dir/z.npy", M, err), DEQ_ERR_INPUT);
    cr_assert_not_null(strstr(err->msg, "/nonexistent-dir/z.npy: cannot create"), "%s", err->msg);
    mat_clear_d(M);
}

/* ======================================================================== */
/* Samples (inputs)                                                          */

Test(samples, rows_become_columns)
{
    /* (n, d) = (4, 2) in C order: sample s is row s */
    unsigned char data[8 * 8];
    for (int s = 0; s < 4; s++)
        for (int k = 0; k < 2; k++)
            store(data + 8 * (2 * s + k), bits_d(10 * s + k), 8, 0);
    const char *path = npy_file("X.npy", 1,
                                "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 2), }",
                                data, sizeof data);
    mat_d_t X;
    deq_error_t err;
    deq_error_init(err);
    cr_assert_eq(io_read_samples(X, path, NULL, err), DEQ_OK, "%s", err->msg);
    cr_assert_eq(X->rows, 2);
    cr_assert_eq(X->cols, 4);
    for (int s = 0; s < 4; s++)
        for (int k = 0; k < 2; k++)
            cr_assert_eq(ENT(X, k, s), 10 * s + k);
    mat_clear_d(X);
    /* a 1-D array is refused: n scalars or one sample? */
    path = npy_file("x1.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", data,
                    32);
    cr_assert_eq(io_read_samples(X, path, NULL, err), DEQ_ERR_INPUT);
    cr_assert_not_null(strstr(err->msg, "tensor x1: inputs must be 2-D (n, d), one sample per row; "
                                      "got shape (4,)"),
                       "%s", err->msg);
}

/* ======================================================================== */
/* .npz built with libzip                                                    */

/* Writes an .npz with the given members (name, bytes), stored or deflated. */
static void npz_write(const char *path, int deflate, int count, const char *const *names,
                      const unsigned char *const *data, const size_t *lens)
{
    int code;
    zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &code);
    cr_assert_not_null(za, "zip_open %s: %d", path, code);
    for (int k = 0; k < count; k++) {
        zip_source_t *src = zip_source_buffer(za, data[k], lens[k], 0);
        cr_assert_not_null(src);
        zip_int64_t idx = zip_file_add(za, names[k], src, ZIP_FL_OVERWRITE);
        cr_assert_geq(idx, 0, "%s", zip_strerror(za));
        cr_assert_eq(zip_set_file_compression(za, (zip_uint64_t)idx,
                                              deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0),
                     0);
    }
    cr_assert_eq(zip_close(za), 0, "zip_close: %s", zip_strerror(za));
}

/* An .npz with W (3×3 '<f8'), U (3×2 '>f4', Fortran), b (3, '<f2') and a
 * member that is no array. */
static void npz_model(const char *path, int deflate)
{
    static unsigned char w[256], u[256], b[256], readme[] = "not an array";
    unsigned char wd[72], ud[24], bd[6];
    for (int k = 0; k < 9; k++)
        store(wd + 8 * k, bits_d(val(5, k / 3, k % 3)), 8, 0);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++)
            store(ud + 4 * (i + 3 * j), bits_f((float)val(6, i, j)), 4, 1);
    const uint16_t h[3] = {0x3c00, 0xb800, 0x0001}; /* 1, -0.5, 2^-24 */
    for (int k = 0; k < 3; k++)
        store(bd + 2 * k, h[k], 2, 0);
    const char *names[4] = {"W.npy", "U.npy", "b.npy", "README"};
    const unsigned char *data[4] = {w, u, b, readme};
    size_t lens[4] = {
        npy_image(w, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 3), }", wd, 72),
        npy_image(u, 2, "{'descr': '>f4', 'fortran_order': True, 'shape': (3, 2), }", ud, 24),
        npy_image(b, 3, "{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }", bd, 6),
        sizeof readme};
    npz_write(path, deflate, 4, names, data, lens);
}

static void check_npz_model(const char *path)
{
    io_tensor_file_t F;
    deq_error_t err;
    deq_error_init(err);
    cr_assert_eq(io_tensor_file_open(F, path, err), DEQ_OK, "%s", err->msg);
    cr_assert_eq(io_tensor_count(F), 3);
    cr_assert_str_eq(io_tensor_name(F, 0), "W");
    cr_assert_str_eq(io_tensor_name(F, 1), "U");
    cr_assert_str_eq(io_tensor_name(F, 2), "b");
    mat_d_t W, U, b;
    cr_assert_eq(io_tensor_get(W, F, "W", err), DEQ_OK, "%s", err->msg);
    cr_assert_eq(io_tensor_get(U, F, "U", err), DEQ_OK, "%s", err->msg);
    cr_assert_eq(io_tensor_get(b, F, "b", err), DEQ_OK, "%s", err->msg);
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++)
            cr_assert(same_bits(ENT(W, i, j), val(5, i, j)));
        for (int j = 0; j < 2; j++)
            cr_assert(same_bits(ENT(U, i, j), val(6, i, j)));
    }
    cr_assert(b->rows == 3 && b->cols == 1);
    cr_assert(b->e[0] == 1 && b->e[1] == -0.5 && b->e[2] == 0x1p-24);
    mat_clear_d(W), mat_clear_d(U), mat_clear_d(b);
    cr_assert_eq(io_tensor_get(W, F, "README", err), DEQ_ERR_INPUT);
    cr_assert_not_null(strstr(err->msg, "tensor README: not in the file (it has: W, U, b)"), "%s",
                       err->msg);
    io_tensor_file_clear(F);
}

Test(npz, stored_and_deflated)
{
    npz_model(tmp("stored.npz"), 0);
    check_npz_model(tmp("stored.npz"));
    npz_model(tmp("deflated.npz"), 1);
    check_npz_model(tmp("deflated.npz"));
    /* libzip did compress: the archive is no longer than the stored one
     * and the members' method says so */
    int code;
    zip_t *za = zip_open(tmp("deflated.npz"), ZIP_RDONLY, &code);
    zip_stat_t st;
    cr_assert_eq(zip_stat(za, "W.npy", 0, &st), 0);
    cr_assert_eq(st.comp_method, ZIP_CM_DEFLATE);
    zip_discard(za);
}

/* Flips one byte of the member's data in the archive: the local header and
 * the directory are intact, only the CRC-32 no longer matches. */
Test(npz_bad, crc)
{
    npz_model(tmp("crc.npz"), 0);
    size_t n;
    unsigned char *b = get_bytes(tmp("crc.npz"), &n);
    /* change a low byte of W's first entry */
    unsigned char *m = NULL;
    for (size_t k = 0; k + 7 <= n && !m; k++)
        if (memcmp(b + k, "\x93NUMPY\x01", 7) == 0)
            m = b + k;
    cr_assert_not_null(m);
    m[10 + (m[8] | (size_t)m[9] << 8) + 3] ^= 0x40;
    put(tmp("crc.npz"), b, n);
    free(b);
    expect_bad(tmp("crc.npz"), "W", "CRC");
    /* the other members are intact */
    mat_d_t U;
    read_ok(U, tmp("crc.npz"), "U");
    mat_clear_d(U);
    /* deflated: a changed byte of the stream breaks the inflation or the CRC */
    npz_model(tmp("crcz.npz"), 1);
    b = get_bytes(tmp("crcz.npz"), &n);
    /* the first member's compressed data starts after its 30-byte local
     * header and the name "W.npy" */
    size_t extra = b[28] | (size_t)b[29] << 8;
    b[30 + 5 + extra + 20] ^= 0x01;
    put(tmp("crcz.npz"), b, n);
    free(b);
    expect_bad(tmp("crcz.npz"), "W", "cannot read member W.npy");
}

Test(npz_bad, container)
{
    /* not a zip at all, empty, truncated */
    put(tmp("text.npz"), "hello", 5);
    expect_bad_named(tmp("text.npz"), NULL, 0, "not a readable .npz");
    put(tmp("empty.npz"), "", 0);
    expect_bad_named(tmp("empty.npz"), NULL, 0, "not a readable .npz");
    npz_model(tmp("cut.npz"), 0);
    size_t n;
    unsigned char *b = get_bytes(tmp("cut.npz"), &n);
    put(tmp("cut.npz"), b, n - 30);
    expect_bad_named(tmp("cut.npz"), "W", 0, "not a readable .npz");
    free(b);
    /* a missing tensor */
    npz_model(tmp("m.npz"), 1);
    expect_bad(tmp("m.npz"), "Lambda", "not in the file");
}

Test(npz_bad, members)
{
    unsigned char bad[256], nan8[16], dt[256];
    store(nan8, bits_d(1), 8, 0);
    store(nan8 + 8, bits_d(NAN), 8, 0);
    const char *names[4] = {"short.npy", "nan.npy", "int.npy", "magic.npy"};
    size_t lens[4];
    unsigned char s1[256], s4[256];
    lens[0] = npy_image(s1, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", nan8,
                        16);
    lens[1] = npy_image(bad, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", nan8,
                        16);
    lens[2] = npy_image(dt, 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", nan8,
                        16);
    lens[3] = npy_image(s4, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", nan8,
                        16);
    s4[0] = 'P';
    const unsigned char *data[4] = {s1, bad, dt, s4};
    for (int deflate = 0; deflate <= 1; deflate++) {
        const char *path = tmp(deflate ? "members_z.npz" : "members.npz");
        npz_write(path, deflate, 4, names, data, lens);
        expect_bad(path, "short", "truncated");
        expect_bad(path, "nan", "NaN at index [1]");
        expect_bad(path, "int", "dtype '<i8' (integer)");
        expect_bad(path, "magic", "bad magic");
    }
}

/* ======================================================================== */
/* safetensors laid out by hand                                              */

/* header JSON + data into path */
static const char *st_file(const char *name, const char *json, const void *data, size_t n)
{
    size_t hl = strlen(json);
    unsigned char *b = malloc(8 + hl + n + 1);
    store(b, hl, 8, 0);
    memcpy(b + 8, json, hl);
    if (n)
        memcpy(b + 8 + hl, data, n);
    const char *path = tmp(name);
    put(path, b, 8 + hl + n);
    free(b);
    return path;
}

Test(safetensors, types_and_metadata)
{
    /* W: F64 2×2, U: F32 2×1, b: F16 (2,), V: BF16 1×3 */
    unsigned char d[32 + 8 + 4 + 6];
    const double w[4] = {1.0 / 3, -0.0, 0x1p-1074, -7.5};
    for (int k = 0; k < 4; k++)
        store(d + 8 * k, bits_d(w[k]), 8, 0);
    store(d + 32, bits_f(1.0f / 3), 4, 0);
    store(d + 36, bits_f(-0x1p-149f), 4, 0);
    store(d + 40, 0x0001, 2, 0); /* 2^-24 */
    store(d + 42, 0xfbff, 2, 0); /* -65504 */
    /* bfloat16 0x3eab = 0x3eab0000 as binary32 = 0.333984375; 0x0001: the
     * smallest bfloat16 subnormal 2^-133; 0xff7f: -(2 - 2^-7)·2^127 */
    store(d + 44, 0x3eab, 2, 0);
    store(d + 46, 0x0001, 2, 0);
    store(d + 48, 0xff7f, 2, 0);
    const char *json =
        "{\"__metadata__\": {\"activation\": \"tanh\", \"format\": \"pt\"},"
        " \"W\": {\"dtype\": \"F64\", \"shape\": [2, 2], \"data_offsets\": [0, 32]},"
        " \"V\": {\"dtype\": \"BF16\", \"shape\": [1, 3], \"data_offsets\": [44, 50]},"
        " \"U\": {\"dtype\": \"F32\", \"shape\": [2, 1], \"data_offsets\": [32, 40]},"
        " \"b\": {\"dtype\": \"F16\", \"shape\": [2], \"data_offsets\": [40, 44]}}   ";
    const char *path = st_file("m.safetensors", json, d, sizeof d);
    io_tensor_file_t F;
    deq_error_t err;
    deq_error_init(err);
    cr_assert_eq(io_tensor_file_open(F, path, err), DEQ_OK, "%s", err->msg);
    cr_assert_eq(io_tensor_count(F), 4);
    cr_assert_str_eq(io_tensor_name(F, 0), "W");
    cr_assert_str_eq(io_tensor_name(F, 1), "V");
    cr_assert_str_eq(io_tensor_metadata(F, "activation"), "tanh");
    cr_assert_str_eq(io_tensor_metadata(F, "format"), "pt");
    cr_assert_null(io_tensor_metadata(F, "nothing"));
    mat_d_t W, U, b, V;
    cr_assert_eq(io_tensor_get(W, F, "W", err), DEQ_OK, "%s", err->msg);
    cr_assert_eq(io_tensor_get(U, F, "U", err), DEQ_OK, "%s", err->msg);
    cr_assert_eq(io_tensor_get(b, F, "b", err), DEQ_OK, "%s", err->msg);
    cr_assert_eq(io_tensor_get(V, F, "V", err), DEQ_OK, "%s", err->msg);
    /* row-major: W[0, 1] is the second value */
    cr_assert(same_bits(ENT(W, 0, 0), w[0]) && same_bits(ENT(W, 0, 1), w[1]) &&
              same_bits(ENT(W, 1, 0), w[2]) && same_bits(ENT(W, 1, 1), w[3]));
    cr_assert(same_bits(ENT(U, 0, 0), (double)(1.0f / 3)) && same_bits(ENT(U, 1, 0), -0x1p-149));
    cr_assert(b->rows == 2 && b->cols == 1 && b->e[0] == 0x1p-24 && b->e[1] == -65504);
    cr_assert(V->rows == 1 && V->cols == 3);
    cr_assert(same_bits(ENT(V, 0, 0), 0.333984375), "%a", ENT(V, 0, 0));
    cr_assert(same_bits(ENT(V, 0, 1), 0x1p-133), "%a", ENT(V, 0, 1));
    cr_assert(same_bits(ENT(V, 0, 2), -0x1.fep127), "%a", ENT(V, 0, 2));
    char *s;
    cr_assert_eq(io_tensor_get_string(&s, F, "W", err), DEQ_ERR_INPUT);
    cr_assert_null(s);
    mat_clear_d(W), mat_clear_d(U), mat_clear_d(b), mat_clear_d(V);
    io_tensor_file_clear(F);
}

Test(safetensors_bad, offsets)
{
    unsigned char d[64] = {0};
    static const struct {
        const char *json;
        size_t n;
        const char *tensor, *what;
    } cases[] = {
        {"{\"A\": {\"dtype\": \"F64\", \"shape\": [2], \"data_offsets\": [0, 24]}}", 16, "A",
         "run past the end"},
        {"{\"A\": {\"dtype\": \"F64\", \"shape\": [2], \"data_offsets\": [0, 16]},"
         " \"B\": {\"dtype\": \"F64\", \"shape\": [2], \"data_offsets\": [8, 24]}}",
         24, "B", "overlap tensor A"},
        {"{\"A\": {\"dtype\": \"F64\", \"shape\": [1], \"data_offsets\": [0, 8]},"
         " \"B\": {\"dtype\": \"F64\", \"shape\": [1], \"data_offsets\": [16, 24]}}",
         24, "B", "unused"},
        {"{\"A\": {\"dtype\": \"F64\", \"shape\": [2], \"data_offsets\": [16, 0]}}", 16, "A",
         "end before they begin"},
        {"{\"A\": {\"dtype\": \"F64\", \"shape\": [3], \"data_offsets\": [0, 16]}}", 16, "A",
         "needs 24 bytes"},
        {"{\"A\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 32]}}", 32, "A",
         "needs 16 bytes"},
        {"{\"A\": {\"dtype\": \"F64\", \"shape\": [2], \"data_offsets\": [0]}}", 16, "A",
         "data_offsets"},
        {"{\"A\": {\"dtype\": \"F64\", \"shape\": [-2], \"data_offsets\": [0, 16]}}", 16, "A",
         "shape"},
        {"{\"A\": {\"dtype\": \"F64\", \"shape\": [2.0], \"data_offsets\": [0, 16]}}", 16, "A",
         "shape"},
        {"{\"A\": {\"dtype\": \"Q7\", \"shape\": [2], \"data_offsets\": [0, 16]}}", 16, "A",
         "unknown dtype \"Q7\""},
        {"{\"A\": {\"dtype\": \"F64\", \"shape\": [2], \"data_offsets\": [0, 16], \"x\": 1}}", 16,
         "A", "unknown key \"x\""},
        {"{\"A\": [1, 2]}", 16, "A", "not an object"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char name[32];
        snprintf(name, sizeof name, "off%zu.safetensors", k);
        expect_bad(st_file(name, cases[k].json, d, cases[k].n), cases[k].tensor, cases[k].what);
    }
    /* bytes after the last tensor */
    expect_bad_named(
        st_file("trail.safetensors",
                "{\"A\": {\"dtype\": \"F64\", \"shape\": [1], \"data_offsets\": [0, 8]}}", d, 9),
        "A", 0, "1 bytes of data after the last tensor");
}

Test(safetensors_bad, header)
{
    unsigned char d[16] = {0};
    expect_bad_named(st_file("json.safetensors", "{\"A\": {", d, 0), NULL, 0,
                     "bad safetensors header (JSON");
    expect_bad_named(st_file("arr.safetensors", "[1, 2]", d, 0), NULL, 0, "not a JSON object");
    expect_bad_named(st_file("dup.safetensors",
                             "{\"A\": {\"dtype\": \"F64\", \"shape\": [], \"data_offsets\": [0, "
                             "8]}, \"A\": {\"dtype\": \"F64\", \"shape\": [], \"data_offsets\": "
                             "[0, 8]}}",
                             d, 8),
                     NULL, 0, "bad safetensors header");
    expect_bad_named(st_file("meta.safetensors", "{\"__metadata__\": {\"activation\": 1}}", d, 0),
                     NULL, 0, "__metadata__: the value of \"activation\" is not a string");
    /* the header length runs past the end */
    unsigned char b[16] = {0xff, 0xff, 0, 0, 0, 0, 0, 0, '{', '}'};
    put(tmp("hlen.safetensors"), b, 10);
    expect_bad_named(tmp("hlen.safetensors"), NULL, 0, "runs past the end of the file");
    put(tmp("short.safetensors"), b, 5);
    expect_bad_named(tmp("short.safetensors"), NULL, 0, "truncated safetensors");
    /* a tensor name with a newline would break the one-line messages */
    expect_bad_named(st_file("ctl.safetensors",
                             "{\"A\\nB\": {\"dtype\": \"F64\", \"shape\": [1], \"data_offsets\": "
                             "[0, 8]}}",
                             d, 8),
                     NULL, 0, "control character");
}

Test(safetensors_bad, tensors)
{
    unsigned char d[32];
    store(d, bits_d(2), 8, 0);
    store(d + 8, bits_d(INFINITY), 8, 0);
    memset(d + 16, 0, 16);
    const char *path = st_file(
        "t.safetensors",
        "{\"A\": {\"dtype\": \"F64\", \"shape\": [1, 2], \"data_offsets\": [0, 16]},"
        " \"I\": {\"dtype\": \"I32\", \"shape\": [2], \"data_offsets\": [16, 24]},"
        " \"S\": {\"dtype\": \"F64\", \"shape\": [], \"data_offsets\": [24, 32]},"
        " \"E\": {\"dtype\": \"F64\", \"shape\": [0, 4], \"data_offsets\": [32, 32]}}",
        d, 32);
    expect_bad(path, "A", "+Inf at index [0, 1]");
    expect_bad(path, "I", "dtype I32 is not supported");
    expect_bad(path, "S", "shape () has 0 dimensions");
    expect_bad(path, "E", "shape (0, 4) is empty");
    expect_bad(path, "B", "not in the file (it has: A, I, S, E)");
    /* a 1-D tensor is not a sample matrix */
}

/* ======================================================================== */
/* Files written by NumPy                                                    */

/* Checks the fixture files in dir (make_fixtures.py's values). */
static void check_numpy_files(const char *dir)
{
    char path[1024];
    mat_d_t M;
    deq_error_t err;
    deq_error_init(err);
    for (int v = 1; v <= 3; v++) {
        snprintf(path, sizeof path, "%s/v%d_f8_c.npy", dir, v);
        read_ok(M, path, NULL);
        cr_assert(M->rows == 3 && M->cols == 4, "%s", path);
        for (long i = 0; i < 3; i++)
            for (long j = 0; j < 4; j++)
                cr_assert(same_bits(ENT(M, i, j), val(1, i, j)), "%s [%ld,%ld]", path, i, j);
        mat_clear_d(M);
        /* the version byte is the one asked for */
        size_t n;
        unsigned char *b = get_bytes(path, &n);
        cr_assert_eq(b[6], v, "%s", path);
        free(b);
    }
    snprintf(path, sizeof path, "%s/be_f4_fortran.npy", dir);
    read_ok(M, path, NULL);
    cr_assert(M->rows == 3 && M->cols == 4);
    for (long i = 0; i < 3; i++)
        for (long j = 0; j < 4; j++)
            cr_assert(same_bits(ENT(M, i, j), val(2, i, j)), "%s [%ld,%ld]", path, i, j);
    mat_clear_d(M);
    snprintf(path, sizeof path, "%s/le_f2_vec.npy", dir);
    read_ok(M, path, "le_f2_vec");
    cr_assert(M->rows == 5 && M->cols == 1);
    for (long i = 0; i < 5; i++)
        cr_assert(same_bits(M->e[i], val(3, i, 0)));
    mat_clear_d(M);
    snprintf(path, sizeof path, "%s/f2_special.npy", dir);
    read_ok(M, path, NULL);
    const double sp[8] = {0x1p-24, -0x1p-24, 3 * 0x1p-24, 1023 * 0x1p-24,
                          0x1p-14, 65504,    -0.0,        1365.0 / 4096};
    for (int k = 0; k < 8; k++)
        cr_assert(same_bits(M->e[k], sp[k]), "%s [%d]: %a", path, k, M->e[k]);
    mat_clear_d(M);
    snprintf(path, sizeof path, "%s/inputs_fortran.npy", dir);
    cr_assert_eq(io_read_samples(M, path, NULL, err), DEQ_OK, "%s", err->msg);
    cr_assert(M->rows == 3 && M->cols == 5); /* d × n */
    for (long s = 0; s < 5; s++)
        for (long k = 0; k < 3; k++)
            cr_assert(same_bits(ENT(M, k, s), val(4, s, k)));
    mat_clear_d(M);

    const char *npz[2] = {"model_savez.npz", "model_savez_compressed.npz"};
    for (int z = 0; z < 2; z++) {
        snprintf(path, sizeof path, "%s/%s", dir, npz[z]);
        io_tensor_file_t F;
        cr_assert_eq(io_tensor_file_open(F, path, err), DEQ_OK, "%s", err->msg);
        cr_assert_eq(io_tensor_count(F), 4);
        mat_d_t W, U, b;
        cr_assert_eq(io_tensor_get(W, F, "W", err), DEQ_OK, "%s", err->msg);
        cr_assert_eq(io_tensor_get(U, F, "U", err), DEQ_OK, "%s", err->msg);
        cr_assert_eq(io_tensor_get(b, F, "b", err), DEQ_OK, "%s", err->msg);
        cr_assert(W->rows == 4 && W->cols == 4 && U->rows == 4 && U->cols == 3 && b->rows == 4);
        for (long i = 0; i < 4; i++) {
            for (long j = 0; j < 4; j++)
                cr_assert(same_bits(ENT(W, i, j), val(5, i, j)));
            for (long j = 0; j < 3; j++)
                cr_assert(same_bits(ENT(U, i, j), val(6, i, j)));
            cr_assert(same_bits(b->e[i], val(7, i, 0)));
        }
        char *act;
        cr_assert_eq(io_tensor_get_string(&act, F, "activation", err), DEQ_OK, "%s", err->msg);
        cr_assert_str_eq(act, "tanh");
        free(act);
        mat_d_t A;
        cr_assert_eq(io_tensor_get(A, F, "activation", err), DEQ_ERR_INPUT);
        cr_assert_not_null(strstr(err->msg, "tensor activation: dtype '<U4' (unicode string)"),
                           "%s", err->msg);
        deq_error_init(err);
        mat_clear_d(W), mat_clear_d(U), mat_clear_d(b);
        io_tensor_file_clear(F);
        /* NumPy writes each member with a Zip64 extended-information extra
         * field (id 0x0001) in its local header: this archive exercises
         * libzip's Zip64 path */
        size_t n;
        unsigned char *bytes = get_bytes(path, &n);
        cr_assert(n > 30 && memcmp(bytes, "PK\x03\x04", 4) == 0);
        size_t namelen = bytes[26] | (size_t)bytes[27] << 8, extra = bytes[28] | (size_t)bytes[29] << 8;
        cr_assert(extra >= 4 && bytes[30 + namelen] == 0x01 && bytes[31 + namelen] == 0x00,
                  "%s: no Zip64 extra field in the first local header", path);
        cr_assert_eq(bytes[8], z ? 8 : 0, "%s: compression method", path); /* deflate / store */
        free(bytes);
    }

    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    io_tensor_file_t F;
    cr_assert_eq(io_tensor_file_open(F, path, err), DEQ_OK, "%s", err->msg);
    cr_assert_str_eq(io_tensor_metadata(F, "activation"), "tanh");
    mat_d_t W, U, b, V;
    cr_assert_eq(io_tensor_get(W, F, "W", err), DEQ_OK, "%s", err->msg);
    cr_assert_eq(io_tensor_get(U, F, "U", err), DEQ_OK, "%s", err->msg);
    cr_assert_eq(io_tensor_get(b, F, "b", err), DEQ_OK, "%s", err->msg);
    cr_assert_eq(io_tensor_get(V, F, "V", err), DEQ_OK, "%s", err->msg);
    for (long i = 0; i < 4; i++) {
        for (long j = 0; j < 4; j++)
            cr_assert(same_bits(ENT(W, i, j), val(5, i, j)));
        for (long j = 0; j < 3; j++)
            cr_assert(same_bits(ENT(U, i, j), val(6, i, j)));
        cr_assert(same_bits(b->e[i], val(7, i, 0)));
    }
    for (long i = 0; i < 2; i++)
        for (long j = 0; j < 3; j++)
            cr_assert(same_bits(ENT(V, i, j), val(8, i, j)));
    mat_clear_d(W), mat_clear_d(U), mat_clear_d(b), mat_clear_d(V);
    io_tensor_file_clear(F);
}

Test(numpy, committed_fixtures)
{
    check_numpy_files(test_source_path("tests/io-fixtures"));
}

/* DEQCHECK_PYTHON if set, else the first of python3 on PATH and
 * /usr/bin/python3 (Debian's, where python3-numpy installs) that imports
 * NumPy; NULL if none does. */
static const char *python_with_numpy(void)
{
    const char *env = getenv("DEQCHECK_PYTHON");
    const char *const candidates[] = {env ? env : "python3", env ? env : "/usr/bin/python3"};
    for (size_t k = 0; k < 2; k++) {
        char cmd[256];
        snprintf(cmd, sizeof cmd, "%s -c 'import numpy' >/dev/null 2>&1", candidates[k]);
        if (system(cmd) == 0)
            return candidates[k];
    }
    return NULL;
}

/* NumPy's writers now, on this machine: skipped, with a message, without it. */
Test(numpy, fresh_files)
{
    const char *py = python_with_numpy();
    if (!py) {
        fprintf(stderr, "test_io numpy::fresh_files: SKIPPED: no python3 with NumPy "
                        "(apt-get install python3-numpy); the committed fixtures are still checked\n");
        cr_skip_test("no python3 with NumPy");
    }
    const char *dir = tmp("fresh");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && %s '%s' '%s'", dir, py,
             test_source_path("tests/io-fixtures/make_fixtures.py"), dir);
    cr_assert_eq(system(cmd), 0, "%s failed", cmd);
    check_numpy_files(dir);
}

/* What deqcheck writes, NumPy reads: the writer's files through numpy.load. */
Test(numpy, reads_our_files)
{
    const char *py = python_with_numpy();
    if (!py) {
        fprintf(stderr, "test_io numpy::reads_our_files: SKIPPED: no python3 with NumPy "
                        "(apt-get install python3-numpy)\n");
        cr_skip_test("no python3 with NumPy");
    }
    mat_d_t M;
    mat_init_d(M, 2, 3, 0);
    for (int k = 0; k < 6; k++)
        M->e[k] = 1.0 / (k + 3); /* column-major: M[i, j] = 1/(i + 2j + 3) */
    deq_error_t err;
    deq_error_init(err);
    cr_assert_eq(io_npy_write_d(tmp("m.npy"), M, err), DEQ_OK);
    cr_assert_eq(io_npy_write_samples_d(tmp("ms.npy"), M, err), DEQ_OK);
    mat_clear_d(M);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "%s -c \"import numpy as np; a = np.load('%s'); s = np.load('%s'); "
             "assert a.shape == (2, 3) and s.shape == (3, 2) and a.dtype == np.float64; "
             "assert all(a[i, j] == 1.0 / (i + 2 * j + 3) for i in range(2) for j in range(3)); "
             "assert (s == a.T).all()\"",
             py, tmp("m.npy"), tmp("ms.npy"));
    cr_assert_eq(system(cmd), 0, "numpy disagrees: %s", cmd);
}

/* ======================================================================== */
/* The CLI: --X FILE.npy and solve --out FILE.npy                            */

/* solve with X as a text matrix and as a .npy array (n, d) gives the same Z,
 * in both backends (the values are exact in binary); --out Z.npy holds Z
 * with one equilibrium per row. */
Test(cli, solve_npy_inputs_and_output)
{
    const char *dir = tmpdir_once();
    const char *A = "3 3\n0.5 -0.25 0\n0.25 0.5 -0.5\n0 0.75 0.25\n";
    const char *U = "3 2\n1 -0.5\n0.25 0.5\n-1 2\n";
    const char *X = "2 4\n1 0.5 -0.25 2\n-1 0.75 0.5 0\n";
    char pa[512], pu[512], px[512];
    snprintf(pa, sizeof pa, "%s", test_write_file(dir, "A.txt", A));
    snprintf(pu, sizeof pu, "%s", test_write_file(dir, "U.txt", U));
    snprintf(px, sizeof px, "%s", test_write_file(dir, "X.txt", X));
    mat_d_t Xm;
    deq_error_t err;
    deq_error_init(err);
    cr_assert_eq(textmat_read_d(Xm, px, 53, err), DEQ_OK, "%s", err->msg);
    cr_assert_eq(io_npy_write_samples_d(tmp("X.npy"), Xm, err), DEQ_OK, "%s", err->msg);
    mat_clear_d(Xm);
    const char *backends[2] = {"double", "mpfr"};
    for (int b = 0; b < 2; b++) {
        char zt[512], zn[512], zz[512];
        snprintf(zt, sizeof zt, "%s/Zt_%s.txt", dir, backends[b]);
        snprintf(zn, sizeof zn, "%s/Zn_%s.txt", dir, backends[b]);
        snprintf(zz, sizeof zz, "%s/Z_%s.npy", dir, backends[b]);
        cr_assert_eq(test_run_cli("solve", "--A", pa, "--U", pu, "--X", px, "--gamma", "0.5",
                                  "--activation", "tanh", "--backend", backends[b], "--out", zt,
                                  NULL),
                     0, "%s", test_cli_err);
        cr_assert_eq(test_run_cli("solve", "--A", pa, "--U", pu, "--X", tmp("X.npy"), "--gamma",
                                  "0.5", "--activation", "tanh", "--backend", backends[b], "--out",
                                  zn, NULL),
                     0, "%s", test_cli_err);
        cr_assert_eq(test_run_cli("solve", "--A", pa, "--U", pu, "--X", tmp("X.npy"), "--gamma",
                                  "0.5", "--activation", "tanh", "--backend", backends[b], "--out",
                                  zz, NULL),
                     0, "%s", test_cli_err);
        mat_d_t Zt, Zn, Z;
        cr_assert_eq(textmat_read_d(Zt, zt, 53, err), DEQ_OK, "%s", err->msg);
        cr_assert_eq(textmat_read_d(Zn, zn, 53, err), DEQ_OK, "%s", err->msg);
        read_ok(Z, zz, NULL);
        cr_assert(Zt->rows == 3 && Zt->cols == 4 && Z->rows == 4 && Z->cols == 3);
        for (long i = 0; i < 3; i++)
            for (long j = 0; j < 4; j++) {
                cr_assert(same_bits(ENT(Zt, i, j), ENT(Zn, i, j)), "%s [%ld,%ld]", backends[b], i, j);
                /* the text holds Z to round-trip precision in double; in
                 * MPFR both are Z rounded to nearest double */
                cr_assert(same_bits(ENT(Z, j, i), ENT(Zt, i, j)), "%s [%ld,%ld]: %a vs %a",
                          backends[b], i, j, ENT(Z, j, i), ENT(Zt, i, j));
            }
        mat_clear_d(Zt), mat_clear_d(Zn), mat_clear_d(Z);
    }
    /* bad .npy inputs: exit 2 and one line naming the file and tensor */
    unsigned char data[8] = {0};
    const char *bad = npy_file("Xbad.npy", 1,
                               "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 1), }", data,
                               8);
    cr_assert_eq(test_run_cli("solve", "--A", pa, "--U", pu, "--X", bad, "--gamma", "0.5",
                              "--activation", "tanh", NULL),
                 2);
    cr_assert_not_null(strstr(test_cli_err, "tensor Xbad: dtype '<i8' (integer)"), "%s",
                       test_cli_err);
    cr_assert_eq(test_run_cli("kernel", "--X", bad, "--gamma", "0.5", "--activation", "relu",
                              "--kind", "nngp", NULL),
                 2);
    cr_assert_not_null(strstr(test_cli_err, "Xbad.npy: tensor Xbad"), "%s", test_cli_err);
}
