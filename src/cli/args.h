/* Command-line parsing shared by the subcommands: `--name VALUE`,
 * `--name=VALUE` and bare switches; every mistake is one line naming the flag. */
#ifndef DEQ_CLI_ARGS_H
#define DEQ_CLI_ARGS_H

#include "core/status.h"

typedef struct {
    const char *name;   /* without the leading "--" */
    int takes_value;    /* 0: a switch */
    const char *value;  /* set by cli_parse: the value, or "1" for a switch; NULL if absent */
} cli_opt;

/* Parses argv[first..argc) against opts (terminated by a NULL name). "-h" and
 * "--help" set *help. Positional arguments are collected into pos (at most
 * max_pos; more is an error). Unknown, repeated or value-less flags are errors. */
deq_status cli_parse(cli_opt *opts, const char **pos, int max_pos, int *npos, int *help, int argc,
                     char **argv, int first, deq_error_t err);
/* The option record for name (NULL if the table has none). */
const cli_opt *cli_get(const cli_opt *opts, const char *name);
const char *cli_value(const cli_opt *opts, const char *name);

/* A plain decimal number: optional sign, digits with an optional point, an
 * optional exponent. NaN, Inf and hexadecimal are not numbers here. */
int cli_is_decimal(const char *s);
/* Each fills *out, or returns DEQ_ERR_INPUT with "--flag: ..." in err. */
deq_status cli_decimal(const char *flag, const char *s, deq_error_t err);
deq_status cli_double_in(double *out, const char *flag, const char *s, double lo, double hi,
                         int lo_open, deq_error_t err);
deq_status cli_long_in(long *out, const char *flag, const char *s, long lo, long hi,
                       deq_error_t err);

#endif
