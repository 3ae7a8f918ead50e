/* Shared helpers for the Criterion test binaries. */
#ifndef DEQ_TESTUTIL_H
#define DEQ_TESTUTIL_H

#include <criterion/criterion.h>
#include <mpfr.h>

#include "core/rng.h"
#include "num/mat.h"

/* Seed of the random tests: DEQCHECK_TEST_SEED from the environment, or a
 * fixed default. Tests print it in their failure messages (TSEED_FMT). */
unsigned long test_seed(void);
#define TSEED_FMT " [seed %lu; rerun with DEQCHECK_TEST_SEED=%lu]"
#define TSEED test_seed(), test_seed()

/* Number of random iterations of a randomized test: DEQCHECK_TEST_ITERS or `dflt`. */
long test_iters(long dflt);

/* Fills an initialized double matrix with N(0,1) entries. */
void test_fill_gaussian(mat_d_t M, deq_rng_t rng);

/* Digits of agreement -log10(|x - ref| / max(|ref|, tiny)), capped at 400. */
double test_digits(double x, double ref);
double test_digits_mp(mpfr_srcptr x, mpfr_srcptr ref);

/* Path of a file in the source tree (uses DEQCHECK_SOURCE_DIR); static buffer. */
const char *test_source_path(const char *rel);
/* A fresh temporary directory for one test; static buffer. */
const char *test_tmpdir(void);
/* Writes `text` to dir/name and returns the path (static buffer, one at a time). */
const char *test_write_file(const char *dir, const char *name, const char *text);

/* Runs the deqcheck binary (DEQCHECK_BIN, set by ctest) with the
 * NULL-terminated arguments; returns its exit status (128 if it did not exit)
 * and leaves its stdout and stderr in test_cli_out and test_cli_err. */
#define TEST_CLI_TEXT (1 << 16)
extern char test_cli_out[TEST_CLI_TEXT], test_cli_err[TEST_CLI_TEXT];
int test_run_cli(const char *first, ...);
/* The file's first cap − 1 bytes into buf, NUL-terminated ("" if unreadable). */
void test_slurp(const char *path, char *buf, size_t cap);

#endif
