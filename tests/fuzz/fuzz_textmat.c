/* libFuzzer target: the text-matrix reader (data/textmat.h), both backends.
 *
 * The input is the file. It is read in double and in MPFR at FUZZ_PREC bits;
 * besides the sanitizers' findings, these properties must hold:
 *   - an error leaves a one-line message that starts with the path;
 *   - every matrix read holds finite numbers only (NaN/Inf are rejected);
 *   - MPFR's exponent range contains double's: if double reads the file, so
 *     does MPFR, with the same shape and each entry within 2^-22 relative of
 *     the double one; if only MPFR reads it, double's error is an overflow;
 *   - writing a matrix read and reading it back gives the same values, bit
 *     for bit (signed zeros included), in both backends.
 */
#include "fuzz_util.h"

#include <math.h>
#include <mpfr.h>

#include "data/textmat.h"

#define FUZZ_PREC 24 /* the smallest precision the CLI accepts */

static fuzz_file file;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_file_open(&file);
    return 0;
}

/* Writes M with textmat_fwrite_d/_mp, then reads the text back into R. */
static void round_trip_d(const mat_d_t M)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    textmat_fwrite_d(out, M, 53);
    fclose(out);
    fuzz_file_set(&file, text, len);
    deq_error_t err;
    deq_error_init(err);
    mat_d_t R;
    FUZZ_CHECK(textmat_read_d(R, file.path, 53, err) == DEQ_OK, "double re-read failed: %s\n%s",
               err->msg, text);
    FUZZ_CHECK(R->rows == M->rows && R->cols == M->cols, "double re-read: shape changed");
    for (long k = 0; k < M->rows * M->cols; k++)
        FUZZ_CHECK(memcmp(&R->e[k], &M->e[k], sizeof(double)) == 0,
                   "double round trip: entry %ld was %a, read back %a", k, M->e[k], R->e[k]);
    mat_clear_d(R);
    free(text);
}

static void round_trip_mp(const mat_mp_t M)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    textmat_fwrite_mp(out, M, FUZZ_PREC);
    fclose(out);
    fuzz_file_set(&file, text, len);
    deq_error_t err;
    deq_error_init(err);
    mat_mp_t R;
    FUZZ_CHECK(textmat_read_mp(R, file.path, FUZZ_PREC, err) == DEQ_OK,
               "MPFR re-read failed: %s\n%s", err->msg, text);
    FUZZ_CHECK(R->rows == M->rows && R->cols == M->cols, "MPFR re-read: shape changed");
    for (long k = 0; k < M->rows * M->cols; k++)
        FUZZ_CHECK(mpfr_equal_p(R->e + k, M->e + k) && mpfr_signbit(R->e + k) == mpfr_signbit(M->e + k),
                   "MPFR round trip: entry %ld changed (text:\n%s)", k, text);
    mat_clear_mp(R);
    free(text);
}

/* |mp - d| <= 2^-22 |d| + 2^-1070: both round the same decimal, one to 24
 * bits, one to double (subnormals included; MPFR has none). */
static void check_close(mpfr_srcptr mp, double d, long k)
{
    mpfr_t diff, bound;
    mpfr_inits2(64, diff, bound, (mpfr_ptr)0);
    mpfr_sub_d(diff, mp, d, MPFR_RNDN);
    mpfr_abs(diff, diff, MPFR_RNDN);
    mpfr_set_d(bound, fabs(d), MPFR_RNDN);
    mpfr_mul_2si(bound, bound, -22, MPFR_RNDN);
    mpfr_t tiny;
    mpfr_init2(tiny, 64);
    mpfr_set_ui_2exp(tiny, 1, -1070, MPFR_RNDN);
    mpfr_add(bound, bound, tiny, MPFR_RNDN);
    FUZZ_CHECK(mpfr_lessequal_p(diff, bound), "entry %ld: MPFR %.10e vs double %.17g", k,
               mpfr_get_d(mp, MPFR_RNDN), d);
    mpfr_clears(diff, bound, tiny, (mpfr_ptr)0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_file_set(&file, data, size);

    deq_error_t ed, em;
    deq_error_init(ed);
    deq_error_init(em);
    mat_d_t D;
    mat_mp_t M;
    deq_status sd = textmat_read_d(D, file.path, 53, ed);
    deq_status sm = textmat_read_mp(M, file.path, FUZZ_PREC, em);

    if (sd != DEQ_OK) {
        FUZZ_CHECK(sd == DEQ_ERR_INPUT, "double: status %d", (int)sd);
        fuzz_check_message(ed->msg, file.path);
    }
    if (sm != DEQ_OK) {
        FUZZ_CHECK(sm == DEQ_ERR_INPUT, "MPFR: status %d", (int)sm);
        fuzz_check_message(em->msg, file.path);
    }
    FUZZ_CHECK(sd != DEQ_OK || sm == DEQ_OK, "double read the file, MPFR did not: %s", em->msg);
    if (sm == DEQ_OK && sd != DEQ_OK)
        FUZZ_CHECK(strstr(ed->msg, "out of range") != NULL,
                   "MPFR read the file, double did not, and not for range: %s", ed->msg);

    if (sd == DEQ_OK) {
        FUZZ_CHECK(D->rows > 0 && D->cols > 0, "empty double matrix");
        FUZZ_CHECK(mat_is_finite_d(D), "double matrix holds NaN/Inf");
        FUZZ_CHECK(D->rows == M->rows && D->cols == M->cols, "shapes differ between backends");
        for (long k = 0; k < D->rows * D->cols; k++)
            check_close(M->e + k, D->e[k], k);
        round_trip_d(D);
        mat_clear_d(D);
    }
    if (sm == DEQ_OK) {
        FUZZ_CHECK(M->rows > 0 && M->cols > 0, "empty MPFR matrix");
        FUZZ_CHECK(mat_is_finite_mp(M), "MPFR matrix holds NaN/Inf");
        for (long k = 0; k < M->rows * M->cols; k++)
            FUZZ_CHECK(mpfr_get_prec(M->e + k) == FUZZ_PREC, "entry %ld at the wrong precision", k);
        round_trip_mp(M);
        mat_clear_mp(M);
    }
    return 0;
}
