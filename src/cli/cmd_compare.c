/* `deqcheck compare`: regression compare of two JSON result files. */
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "report/json.h"

/* Default threshold of the digits-of-agreement drop, in decimal digits. */
#define COMPARE_DEFAULT_DROP "2"

static void compare_help(FILE *f)
{
    fprintf(f,
"Usage: deqcheck compare BASELINE.json CURRENT.json [--digits-drop D]\n"
"\n"
"Compares two result files of deqcheck run --json row by row (rows matched by check\n"
"id, case and backend). A change is: a verdict that differs, digits of agreement\n"
"lower than the baseline's by more than D (default %s), or a baseline row missing\n"
"from CURRENT. Each change is printed on one line; rows only in CURRENT are listed as\n"
"added but are not a change.\n"
"\n"
"Exit status: 0 no change; 1 something changed; 2 bad usage or unreadable file.\n",
            COMPARE_DEFAULT_DROP);
}

int cli_cmd_compare(int argc, char **argv)
{
    cli_opt opts[] = {{"digits-drop", 1, NULL}, {NULL, 0, NULL}};
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
    double drop = 0;
    const char *v = cli_value(opts, "digits-drop");
    if (cli_double_in(&drop, "digits-drop", v ? v : COMPARE_DEFAULT_DROP, 0.0, 1000.0, 0, err))
        return cli_usage_error("compare", err->msg);
    report_compare_t rc;
    if (report_json_compare(rc, pos[0], pos[1], drop, stdout, err) != DEQ_OK)
        return cli_usage_error("compare", err->msg);
    long changes = rc->verdict_changed + rc->digits_dropped + rc->missing;
    printf("compared %ld rows: %ld verdicts changed, %ld digits dropped by more than %g, %ld "
           "missing, %ld added\n",
           rc->compared, rc->verdict_changed, rc->digits_dropped, drop, rc->missing, rc->added);
    return changes ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
