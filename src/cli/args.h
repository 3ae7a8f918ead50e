/* Command-line parsing shared by the subcommands: `--name VALUE`,
 * `--name=VALUE` and bare switches; every mistake is one line naming the flag. */
#ifndef DEQ_CLI_ARGS_H
#define DEQ_CLI_ARGS_H

#include <stdio.h>

#include "core/ctx.h"
#include "core/status.h"
#include "deq/activation.h"

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

/* The options shared by the numeric subcommands, validated, each error naming
 * its flag: --activation NAME; --backend double|mpfr with --precision BITS
 * (mpfr only; default DEQ_PREC_DEFAULT); an output path that can be written
 * (an existing writable file, or a new one in a writable directory), checked
 * before long work. */
deq_status cli_activation(deq_act *act, const char *value, deq_error_t err);
deq_status cli_backend_precision(deq_backend *backend, long *prec, const char *backend_value,
                                 const char *precision_value, deq_error_t err);
deq_status cli_check_writable(const char *flag, const char *path, deq_error_t err);
/* Every name in `required` (count of them) was given; else "--NAME is required
 * (see deqcheck CMD --help)". */
deq_status cli_require(const cli_opt *opts, const char *const *required, size_t count,
                       const char *cmd, deq_error_t err);

/* The memory bound of --max-memory: value as bytes, or with K, M, G (powers
 * of 1024); NULL: half the physical memory. */
deq_status cli_memory_limit(double *bytes, const char *value, deq_error_t err);

/* The header "rows cols" of a text matrix, for a memory estimate before the
 * file is read: 0, or -1 when it cannot be read (the reader reports why). */
int cli_textmat_shape(long *rows, long *cols, const char *path);
/* Bytes of one matrix entry in the backend at prec. */
double cli_entry_bytes(deq_backend backend, long prec);
/* need (bytes, estimated) against --max-memory (value; NULL: the default):
 * over the limit an error naming --max-memory and `what`; above 1 GiB the
 * estimate is printed on stderr as "CMD: WHAT needs about ... GiB". */
deq_status cli_memory_check(const char *cmd, const char *what, double need, const char *value,
                            deq_error_t err);

/* --classes A,B: two distinct Fashion-MNIST class indices 0..9 (A labelled +1). */
deq_status cli_class_pair(int *pos, int *neg, const char *value, deq_error_t err);
/* "deqcheck CMD: MSG" on stderr; returns the usage exit status 2. */
int cli_usage_error(const char *cmd, const char *msg);
/* The prologue of a subcommand without positional arguments: parse argv from
 * argv[2], print help on stdout when asked, check the required flags. Returns
 * -1 to go on, else the exit status to return (0 after help, 2 after an error
 * reported as "deqcheck CMD: ..."). */
int cli_begin(cli_opt *opts, const char *const *required, size_t nrequired, const char *cmd,
              void (*help)(FILE *), int argc, char **argv);

#endif
