/* `deqcheck compare`: regression compare of two JSON result files. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "report/json.h"

/* Default allowed drop of the digits of agreement, in decimal digits. */
#define COMPARE_DEFAULT_DIGITS "1"
/* Default relative change of lhs or rhs allowed beyond the rows' error bars:
 * 2^-26, half of double's 53 bits. Two runs of one build are bit-identical;
 * another BLAS kernel moves a double result in its last bits, amplified by the
 * quantity's conditioning, and a move past half the bits is a change of the
 * computation, not of its rounding. */
#define COMPARE_DEFAULT_RTOL_LOG2 (-26)

static void compare_help(FILE *f)
{
    fprintf(f,
"Usage: deqcheck compare BASELINE.json CURRENT.json [--digits D] [--rtol R]\n"
"\n"
"Compares two result files of deqcheck run --json row by row, controls included\n"
"(rows matched by check id, case and backend). A regression, printed one line each\n"
"with the row's key and the numbers:\n"
"  - a verdict that differs;\n"
"  - lhs or rhs moved by more than the larger of the two rows' interval widths\n"
"    (their error bars) plus R times its size (default R = 2^%d = %.3g: half of\n"
"    double's bits; two runs of one build agree to the bit);\n"
"  - digits of agreement lower than the baseline's by more than D (default %s);\n"
"  - a row present in only one of the files.\n"
"Both files must come from the same profile, seed and precision; the revision of\n"
"each side is printed first.\n"
"\n"
"Exit status: 0 no regression; 1 regressions; 2 bad usage, an unreadable or\n"
"malformed file or row (named), or files of different profiles, seeds or precisions.\n",
            COMPARE_DEFAULT_RTOL_LOG2, ldexp(1.0, COMPARE_DEFAULT_RTOL_LOG2),
            COMPARE_DEFAULT_DIGITS);
}

int cli_cmd_compare(int argc, char **argv)
{
    cli_opt opts[] = {{"digits", 1, NULL}, {"digits-drop", 1, NULL}, {"rtol", 1, NULL},
                      {NULL, 0, NULL}};
    deq_error_t err;
    deq_error_init(err);
    const char *pos[2];
    int npos, help;
    if (cli_parse(opts, pos, 2, &npos, &help, argc, argv, 2, err) != DEQ_OK)
        return cli_usage_error("compare", err->msg);
    if (help) {
        compare_help(stdout);
        return CLI_EXIT_OK;
    }
    if (npos != 2)
        return cli_usage_error("compare", "expected two files: BASELINE.json CURRENT.json");
    report_compare_opts o = {0, ldexp(1.0, COMPARE_DEFAULT_RTOL_LOG2)};
    const char *v = cli_value(opts, "digits");
    const char *flag = "digits";
    if (!v && (v = cli_value(opts, "digits-drop"))) /* the former name */
        flag = "digits-drop";
    if (cli_double_in(&o.max_digit_drop, flag, v ? v : COMPARE_DEFAULT_DIGITS, 0.0, 1000.0, 0,
                      err) ||
        ((v = cli_value(opts, "rtol")) && cli_double_in(&o.rtol, "rtol", v, 0.0, 1.0, 0, err)))
        return cli_usage_error("compare", err->msg);
    report_compare_t rc;
    if (report_json_compare(rc, pos[0], pos[1], &o, stdout, err) != DEQ_OK)
        return cli_usage_error("compare", err->msg);
    long changes = rc->verdict_changed + rc->value_changed + rc->digits_dropped + rc->missing +
                   rc->added;
    printf("compared %ld rows: %ld verdicts changed, %ld values moved beyond their error bars + "
           "rtol %.3g, %ld digits dropped by more than %g, %ld only in the baseline, %ld only in "
           "the current file; %s\n",
           rc->compared, rc->verdict_changed, rc->value_changed, o.rtol, rc->digits_dropped,
           o.max_digit_drop, rc->missing, rc->added, changes ? "REGRESSIONS" : "no regression");
    return changes ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
