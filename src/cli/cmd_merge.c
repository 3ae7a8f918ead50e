/* `deqcheck merge`: the JSON results of the shards of one run (deqcheck run
 * --shard K/N --json ...) assembled into the report of the whole run. */
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/run_job.h"
#include "report/env.h"
#include "report/json.h"
#include "report/markdown.h"

static void merge_help(FILE *f)
{
    fprintf(f,
"Usage: deqcheck merge FILE.json... [--report R.md] [--json R.json] [--no-plots]\n"
"\n"
"Merges the JSON results of the shards of one run (deqcheck run --shard K/N --json\n"
"FILE, e.g. the tasks of a batch scheduler's job array) into the report and JSON of\n"
"the whole run, identical to what the unsharded run writes. The files must come from\n"
"the same options (their run configurations are compared), must not overlap, and\n"
"together must cover every case of the run.\n"
"\n"
"  --report FILE   Markdown report (default reports/deqcheck-report.md), plots next to it\n"
"  --json FILE     the merged rows as JSON\n"
"  --no-plots      no SVG plots\n"
"\n"
"Exit status: 0 nothing VIOLATED or ERROR; 1 otherwise; 2 bad usage, an unreadable\n"
"or inconsistent file, or a case missing.\n");
}

int cli_cmd_merge(int argc, char **argv)
{
    cli_opt opts[] = {{"report", 1, NULL}, {"json", 1, NULL}, {"no-plots", 0, NULL},
                      {NULL, 0, NULL}};
    deq_error_t err;
    deq_error_init(err);
    const char *pos[1024];
    int npos, help;
    if (cli_parse(opts, pos, 1024, &npos, &help, argc, argv, 2, err) != DEQ_OK)
        return cli_usage_error("merge", err->msg);
    if (help) {
        merge_help(stdout);
        return CLI_EXIT_OK;
    }
    if (npos < 1)
        return cli_usage_error("merge", "expected one or more JSON result files (see --help)");
    const char *report = cli_value(opts, "report") ? cli_value(opts, "report")
                                                   : "reports/deqcheck-report.md";
    const char *json = cli_value(opts, "json");
    cli_ensure_parent_dir(report);
    if (cli_check_writable("report", report, err) != DEQ_OK ||
        (json && cli_check_writable("json", json, err) != DEQ_OK))
        return cli_usage_error("merge", err->msg);
    report_run_t run;
    int have = 0;
    for (int k = 0; k < npos; k++)
        if (report_json_read(run, &have, pos[k], err) != DEQ_OK) {
            if (have)
                report_run_clear(run);
            return cli_usage_error("merge", err->msg);
        }
    long missing = run->n_cases - report_run_n_done(run);
    if (missing > 0) {
        long first = 0;
        while (run->done[first])
            first++;
        fprintf(stderr, "deqcheck merge: %ld of %ld cases missing, the first %s (a shard not "
                        "given?)\n", missing, run->n_cases, run->cases[first].key);
        report_run_clear(run);
        return CLI_EXIT_USAGE;
    }
    report_env env;
    report_env_get(&env);
    if (strcmp(env.revision, run->revision) != 0)
        fprintf(stderr, "deqcheck merge: warning: the files were computed by revision %s, this "
                        "deqcheck is %s (the report names the files' revision)\n",
                run->revision, env.revision);
    snprintf(env.revision, sizeof env.revision, "%s", run->revision);
    int bad_output = report_markdown_write(report, run, &env, !cli_value(opts, "no-plots"),
                                           err) != DEQ_OK;
    if (!bad_output && json)
        bad_output = report_json_write(json, run, &env, err) != DEQ_OK;
    if (bad_output)
        fprintf(stderr, "deqcheck merge: %s\n", err->msg);
    report_totals tot;
    report_run_totals(&tot, run);
    char line[320];
    report_totals_line(line, sizeof line, &tot);
    printf("merged %d files, %ld cases: %s; report: %s\n", npos, run->n_cases, line, report);
    int failed = report_run_failed(run);
    report_run_clear(run);
    return failed || bad_output ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
