/* libFuzzer target: the command-line parser and the value parsers
 * (cli/args.c).
 *
 * The input, split on NUL bytes, is the argument list after "deqcheck CMD".
 * It is parsed against a table holding the flags of solve, grad and train
 * (values and a switch), then every value given goes through the parser the
 * subcommands use for it. Besides the sanitizers' findings, these properties
 * must hold:
 *   - cli_parse: a flag taking a value has a non-empty one, a switch has "1",
 *     at most FUZZ_MAX_POS positionals, each "-", a decimal number or not
 *     starting with '-';
 *   - a number accepted by cli_decimal / cli_double_in is a plain decimal
 *     (digits, sign, point, exponent: no NaN, Inf, hex or spaces), finite,
 *     and within the range asked for;
 *   - an integer accepted by cli_long_in is digits with an optional sign (no
 *     blanks anywhere) and within the range;
 *   - --classes A,B accepted means the value is exactly two digit strings
 *     whose values are the two distinct classes 0..9 returned;
 *   - cli_net_args_parse accepts only a known activation, a backend and a
 *     precision in DEQ_PREC_MIN..DEQ_PREC_MAX (53 in double);
 *   - every error leaves a non-empty message.
 */
#include "fuzz_util.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "core/ctx.h"
#include "deq/solve_info.h"

#define FUZZ_MAX_ARGS 64
#define FUZZ_MAX_POS 2

static const cli_opt table[] = {
    {"A", 1, NULL},        {"U", 1, NULL},         {"X", 1, NULL},        {"v", 1, NULL},
    {"y", 1, NULL},        {"gamma", 1, NULL},     {"sigma-u", 1, NULL},  {"sigma-v", 1, NULL},
    {"activation", 1, NULL}, {"backend", 1, NULL}, {"precision", 1, NULL}, {"solver", 1, NULL},
    {"tol", 1, NULL},      {"max-iter", 1, NULL},  {"depth", 1, NULL},    {"ridge", 1, NULL},
    {"damping", 1, NULL},  {"no-newton", 0, NULL}, {"out", 1, NULL},      {"seed", 1, NULL},
    {"lr", 1, NULL},       {"classes", 1, NULL},   {NULL, 0, NULL}};

static void check_error(deq_error_t err)
{
    FUZZ_CHECK(err->status == DEQ_ERR_INPUT, "status %d", (int)err->status);
    FUZZ_CHECK(err->msg[0] != '\0', "empty error message");
}

/* Only the characters of the plain decimal grammar. */
static int plain_decimal_chars(const char *s)
{
    for (; *s; s++)
        if (!isdigit((unsigned char)*s) && !strchr("+-.eE", *s))
            return 0;
    return 1;
}

static void check_double_in(const char *flag, const char *s, double lo, double hi, int lo_open)
{
    deq_error_t err;
    deq_error_init(err);
    double d = NAN;
    if (cli_double_in(&d, flag, s, lo, hi, lo_open, err) == DEQ_OK) {
        FUZZ_CHECK(cli_is_decimal(s) && plain_decimal_chars(s), "--%s accepted \"%s\"", flag, s);
        FUZZ_CHECK(isfinite(d) && d >= lo && d <= hi && !(lo_open && d == lo),
                   "--%s \"%s\" gave %g outside its range", flag, s, d);
    } else {
        check_error(err);
    }
}

static void check_long_in(const char *flag, const char *s, long lo, long hi)
{
    deq_error_t err;
    deq_error_init(err);
    long v = LONG_MIN;
    if (cli_long_in(&v, flag, s, lo, hi, err) == DEQ_OK) {
        const char *p = s;
        if (*p == '+' || *p == '-')
            p++;
        FUZZ_CHECK(isdigit((unsigned char)*p), "--%s accepted \"%s\"", flag, s);
        while (isdigit((unsigned char)*p))
            p++;
        FUZZ_CHECK(*p == '\0', "--%s accepted \"%s\"", flag, s);
        FUZZ_CHECK(v >= lo && v <= hi, "--%s \"%s\" gave %ld outside its range", flag, s, v);
    } else {
        check_error(err);
    }
}

/* The value of a string of decimal digits, saturated at INT_MAX; -1 if it
 * holds anything else or nothing. */
static long digits_value(const char *s, size_t len)
{
    if (len == 0)
        return -1;
    long v = 0;
    for (size_t k = 0; k < len; k++) {
        if (!isdigit((unsigned char)s[k]))
            return -1;
        v = v > INT_MAX / 10 ? INT_MAX : 10 * v + (s[k] - '0');
    }
    return v;
}

static void check_classes(const char *s)
{
    deq_error_t err;
    deq_error_init(err);
    int a = -1, b = -1;
    if (cli_class_pair(&a, &b, s, err) == DEQ_OK) {
        const char *comma = strchr(s, ',');
        FUZZ_CHECK(comma != NULL, "--classes accepted \"%s\"", s);
        long va = digits_value(s, (size_t)(comma - s)), vb = digits_value(comma + 1, strlen(comma + 1));
        FUZZ_CHECK(va == a && vb == b, "--classes \"%s\" read as %d,%d", s, a, b);
        FUZZ_CHECK(a >= 0 && a <= 9 && b >= 0 && b <= 9 && a != b, "--classes gave %d,%d", a, b);
    } else {
        check_error(err);
    }
}

static void check_values(const cli_opt *opts)
{
    deq_error_t err;
    const char *v;

    /* The shared network flags, as solve and grad take them once the required
     * ones are present. */
    static const char *const required[] = {"A", "U", "X", "gamma", "activation"};
    deq_error_init(err);
    if (cli_require(opts, required, sizeof required / sizeof *required, "solve", err) == DEQ_OK) {
        cli_net_args a;
        deq_error_init(err);
        if (cli_net_args_parse(&a, "solve", opts, err) == DEQ_OK) {
            FUZZ_CHECK(cli_is_decimal(a.gamma) && plain_decimal_chars(a.gamma) &&
                           isfinite(strtod(a.gamma, NULL)),
                       "--gamma \"%s\" accepted", a.gamma);
            FUZZ_CHECK(cli_is_decimal(a.sigma_u) && plain_decimal_chars(a.sigma_u) &&
                           isfinite(strtod(a.sigma_u, NULL)),
                       "--sigma-u \"%s\" accepted", a.sigma_u);
            FUZZ_CHECK(a.backend == DEQ_BACKEND_DOUBLE ? a.prec == DEQ_PREC_DOUBLE
                                                       : a.prec >= DEQ_PREC_MIN && a.prec <= DEQ_PREC_MAX,
                       "backend %d at %ld bits", (int)a.backend, a.prec);
            deq_act act;
            FUZZ_CHECK(deq_act_parse(&act, cli_value(opts, "activation")) == 0 && act == a.act,
                       "activation \"%s\"", cli_value(opts, "activation"));
        } else {
            check_error(err);
        }
    } else {
        check_error(err);
    }

    /* Each value through its own parser, with the ranges of the subcommands. */
    if ((v = cli_value(opts, "backend")) || cli_value(opts, "precision")) {
        deq_backend backend;
        long prec = -1;
        deq_error_init(err);
        if (cli_backend_precision(&backend, &prec, v, cli_value(opts, "precision"), err) == DEQ_OK)
            FUZZ_CHECK(prec == DEQ_PREC_DOUBLE || (prec >= DEQ_PREC_MIN && prec <= DEQ_PREC_MAX),
                       "precision %ld", prec);
        else
            check_error(err);
    }
    if ((v = cli_value(opts, "activation"))) {
        deq_act act;
        deq_error_init(err);
        if (cli_activation(&act, v, err) != DEQ_OK)
            check_error(err);
    }
    if ((v = cli_value(opts, "solver"))) {
        deq_solver s;
        (void)deq_solver_parse(&s, v);
    }
    for (const char *const *f = (const char *const[]){"gamma", "sigma-u", "sigma-v", NULL}; *f; f++)
        if ((v = cli_value(opts, *f))) {
            deq_error_init(err);
            if (cli_decimal(*f, v, err) == DEQ_OK)
                FUZZ_CHECK(plain_decimal_chars(v) && isfinite(strtod(v, NULL)),
                           "--%s \"%s\" accepted", *f, v);
            else
                check_error(err);
        }
    if ((v = cli_value(opts, "tol")))
        check_double_in("tol", v, 0.0, 1.0, 1);
    if ((v = cli_value(opts, "ridge")))
        check_double_in("ridge", v, 0.0, 1.0, 0);
    if ((v = cli_value(opts, "damping")))
        check_double_in("damping", v, 0.0, 1.0, 1);
    if ((v = cli_value(opts, "lr")))
        check_double_in("lr", v, 0.0, 1e300, 1);
    if ((v = cli_value(opts, "max-iter")))
        check_long_in("max-iter", v, 1, 100000000L);
    if ((v = cli_value(opts, "depth")))
        check_long_in("depth", v, 1, 100);
    if ((v = cli_value(opts, "seed")))
        check_long_in("seed", v, 0, 4294967295L);
    if ((v = cli_value(opts, "classes")))
        check_classes(v);
    if ((v = cli_value(opts, "out"))) {
        /* Only access(2) on the path: nothing is created. */
        deq_error_init(err);
        if (cli_check_writable("out", v, err) != DEQ_OK)
            check_error(err);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A NUL-terminated copy, cut into arguments at every NUL. */
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[FUZZ_MAX_ARGS + 3];
    int argc = 0;
    argv[argc++] = "deqcheck";
    argv[argc++] = "fuzz";
    for (size_t k = 0; k < size && argc < FUZZ_MAX_ARGS + 2;) {
        argv[argc++] = buf + k;
        k += strlen(buf + k) + 1;
    }
    argv[argc] = NULL;

    cli_opt opts[sizeof table / sizeof *table];
    memcpy(opts, table, sizeof table);
    const char *pos[FUZZ_MAX_POS];
    int npos = -1, help = -1;
    deq_error_t err;
    deq_error_init(err);
    if (cli_parse(opts, pos, FUZZ_MAX_POS, &npos, &help, argc, argv, 2, err) == DEQ_OK) {
        FUZZ_CHECK(npos >= 0 && npos <= FUZZ_MAX_POS && (help == 0 || help == 1), "npos %d", npos);
        for (int k = 0; k < npos; k++)
            FUZZ_CHECK(pos[k][0] != '-' || pos[k][1] == '\0' || cli_is_decimal(pos[k]),
                       "positional \"%s\"", pos[k]);
        for (const cli_opt *o = opts; o->name; o++) {
            if (!o->value)
                continue;
            FUZZ_CHECK(cli_value(opts, o->name) == o->value, "cli_value(%s)", o->name);
            if (o->takes_value)
                FUZZ_CHECK(o->value[0] != '\0', "--%s: empty value accepted", o->name);
            else
                FUZZ_CHECK(strcmp(o->value, "1") == 0, "switch --%s = \"%s\"", o->name, o->value);
        }
        FUZZ_CHECK(cli_get(opts, "no-such-flag") == NULL, "cli_get found a missing flag");
        check_values(opts);
    } else {
        check_error(err);
    }
    free(buf);
    return 0;
}
