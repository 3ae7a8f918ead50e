#define _XOPEN_SOURCE 700 /* nftw */
#include "testutil.h"

#include <ftw.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

unsigned long test_seed(void)
{
    const char *s = getenv("DEQCHECK_TEST_SEED");
    return s && *s ? strtoul(s, NULL, 10) : 20261122UL;
}

long test_iters(long dflt)
{
    const char *s = getenv("DEQCHECK_TEST_ITERS");
    return s && *s ? strtol(s, NULL, 10) : dflt;
}

void test_fill_gaussian(mat_d_t M, deq_rng_t rng)
{
    for (long k = 0; k < M->rows * M->cols; k++)
        M->e[k] = deq_rng_gaussian(rng);
}

double test_digits(double x, double ref)
{
    double den = fmax(fabs(ref), 1e-300);
    double rel = fabs(x - ref) / den;
    return rel == 0 ? 400.0 : fmin(400.0, -log10(rel));
}

double test_digits_mp(mpfr_srcptr x, mpfr_srcptr ref)
{
    mpfr_t d;
    mpfr_init2(d, 64);
    mpfr_sub(d, x, ref, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    if (mpfr_zero_p(d)) {
        mpfr_clear(d);
        return 400.0;
    }
    if (!mpfr_zero_p(ref))
        mpfr_div(d, d, ref, MPFR_RNDN);
    mpfr_abs(d, d, MPFR_RNDN);
    mpfr_log10(d, d, MPFR_RNDN);
    double r = -mpfr_get_d(d, MPFR_RNDN);
    mpfr_clear(d);
    return r > 400.0 ? 400.0 : r;
}

const char *test_source_path(const char *rel)
{
    static char buf[4096];
    const char *root = getenv("DEQCHECK_SOURCE_DIR");
    snprintf(buf, sizeof buf, "%s/%s", root ? root : ".", rel);
    return buf;
}

static char tmpdir_made[256];

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_tmpdir(void)
{
    if (tmpdir_made[0])
        nftw(tmpdir_made, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *test_tmpdir(void)
{
    static char buf[256];
    strcpy(buf, "/tmp/deqcheck-test-XXXXXX");
    if (!mkdtemp(buf))
        cr_assert_fail("mkdtemp failed");
    /* Criterion runs each test in its own process: remove the directory when it exits. */
    if (!tmpdir_made[0])
        atexit(remove_tmpdir);
    else
        remove_tmpdir();
    strcpy(tmpdir_made, buf);
    return buf;
}

const char *test_write_file(const char *dir, const char *name, const char *text)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    FILE *f = fopen(buf, "w");
    cr_assert_not_null(f, "cannot create %s", buf);
    fputs(text, f);
    fclose(f);
    return buf;
}

char test_cli_out[TEST_CLI_TEXT], test_cli_err[TEST_CLI_TEXT];

void test_slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
}

int test_run_cli(const char *first, ...)
{
    const char *bin = getenv("DEQCHECK_BIN");
    cr_assert_not_null(bin, "DEQCHECK_BIN is not set (run through ctest)");
    const char *argv[64];
    int argc = 0;
    argv[argc++] = bin;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && argc < 63; a = va_arg(ap, const char *))
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    char outp[] = "/tmp/deqcheck-cli-out-XXXXXX", errp[] = "/tmp/deqcheck-cli-err-XXXXXX";
    int fo = mkstemp(outp), fe = mkstemp(errp);
    cr_assert(fo >= 0 && fe >= 0, "mkstemp failed");
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fo, 1);
        dup2(fe, 2);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    close(fo);
    close(fe);
    test_slurp(outp, test_cli_out, sizeof test_cli_out);
    test_slurp(errp, test_cli_err, sizeof test_cli_err);
    unlink(outp);
    unlink(errp);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}
