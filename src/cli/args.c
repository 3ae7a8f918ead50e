#include "cli/args.h"
#include "cli/cli.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <unistd.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_version.h>
#include <mpfr.h>

#include "report/env.h"

static cli_opt *find(cli_opt *opts, const char *name, size_t len)
{
    for (cli_opt *o = opts; o->name; o++)
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    return NULL;
}

deq_status cli_parse(cli_opt *opts, const char **pos, int max_pos, int *npos, int *help, int argc,
                     char **argv, int first, deq_error_t err)
{
    *npos = 0;
    *help = 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            *help = 1;
            continue;
        }
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (a[0] == '-' && a[1] != '\0' && !cli_is_decimal(a))
                return deq_error_set(err, DEQ_ERR_INPUT, "%s: unknown option (see --help)", a);
            if (*npos >= max_pos)
                return deq_error_set(err, DEQ_ERR_INPUT, "%s: unexpected argument (see --help)", a);
            pos[(*npos)++] = a;
            continue;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        cli_opt *o = find(opts, name, len);
        if (!o)
            return deq_error_set(err, DEQ_ERR_INPUT, "--%.*s: unknown option (see --help)",
                                 (int)len, name);
        if (o->value)
            return deq_error_set(err, DEQ_ERR_INPUT, "--%s: given more than once", o->name);
        if (!o->takes_value) {
            if (eq)
                return deq_error_set(err, DEQ_ERR_INPUT, "--%s: takes no value", o->name);
            o->value = "1";
        } else if (eq) {
            o->value = eq + 1;
        } else if (i + 1 < argc) {
            o->value = argv[++i];
        } else {
            return deq_error_set(err, DEQ_ERR_INPUT, "--%s: missing value", o->name);
        }
        if (o->takes_value && o->value[0] == '\0')
            return deq_error_set(err, DEQ_ERR_INPUT, "--%s: empty value", o->name);
    }
    return DEQ_OK;
}

const cli_opt *cli_get(const cli_opt *opts, const char *name)
{
    return find((cli_opt *)opts, name, strlen(name));
}

const char *cli_value(const cli_opt *opts, const char *name)
{
    const cli_opt *o = cli_get(opts, name);
    return o ? o->value : NULL;
}

int cli_is_decimal(const char *s)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    int digits = 0;
    while (isdigit((unsigned char)*p))
        p++, digits++;
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p))
            p++, digits++;
    }
    if (!digits)
        return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return *p == '\0';
}

deq_status cli_decimal(const char *flag, const char *s, deq_error_t err)
{
    if (!cli_is_decimal(s))
        return deq_error_set(err, DEQ_ERR_INPUT, "--%s: expected a decimal number, got \"%s\"",
                             flag, s);
    double d = strtod(s, NULL);
    if (!isfinite(d))
        return deq_error_set(err, DEQ_ERR_INPUT, "--%s: \"%s\" is out of range", flag, s);
    return DEQ_OK;
}

deq_status cli_double_in(double *out, const char *flag, const char *s, double lo, double hi,
                         int lo_open, deq_error_t err)
{
    if (cli_decimal(flag, s, err) != DEQ_OK)
        return err->status;
    double d = strtod(s, NULL);
    if (d < lo || d > hi || (lo_open && d == lo))
        return deq_error_set(err, DEQ_ERR_INPUT, "--%s: %s is outside the range %s%g, %g]", flag,
                             s, lo_open ? "(" : "[", lo, hi);
    *out = d;
    return DEQ_OK;
}

deq_status cli_long_in(long *out, const char *flag, const char *s, long lo, long hi,
                       deq_error_t err)
{
    /* strtol alone would also take leading blanks */
    const char *digits = s + (*s == '+' || *s == '-');
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!isdigit((unsigned char)*digits) || *end != '\0' || errno == ERANGE)
        return deq_error_set(err, DEQ_ERR_INPUT, "--%s: expected an integer, got \"%s\"", flag, s);
    if (v < lo || v > hi)
        return deq_error_set(err, DEQ_ERR_INPUT, "--%s: %ld is outside the range %ld..%ld", flag,
                             v, lo, hi);
    *out = v;
    return DEQ_OK;
}

deq_status cli_activation(deq_act *act, const char *value, deq_error_t err)
{
    if (deq_act_parse(act, value) != 0)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "--activation: unknown activation \"%s\" (one of: %s)", value,
                             deq_act_list());
    return DEQ_OK;
}

deq_status cli_backend_precision(deq_backend *backend, long *prec, const char *backend_value,
                                 const char *precision_value, deq_error_t err)
{
    *backend = DEQ_BACKEND_MPFR;
    if (backend_value && strcmp(backend_value, "double") == 0)
        *backend = DEQ_BACKEND_DOUBLE;
    else if (backend_value && strcmp(backend_value, "mpfr") != 0)
        return deq_error_set(err, DEQ_ERR_INPUT, "--backend: expected double or mpfr, got \"%s\"",
                             backend_value);
    *prec = *backend == DEQ_BACKEND_DOUBLE ? DEQ_PREC_DOUBLE : DEQ_PREC_DEFAULT;
    if (!precision_value)
        return DEQ_OK;
    if (*backend == DEQ_BACKEND_DOUBLE)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "--precision: applies to --backend mpfr only (double is 53 bits)");
    return cli_long_in(prec, "precision", precision_value, DEQ_PREC_MIN, DEQ_PREC_MAX, err);
}

deq_status cli_check_writable(const char *flag, const char *path, deq_error_t err)
{
    if (strcmp(path, "-") == 0)
        return DEQ_OK;
    if (access(path, F_OK) == 0)
        return access(path, W_OK) == 0
                   ? DEQ_OK
                   : deq_error_set(err, DEQ_ERR_INPUT, "--%s %s: not writable: %s", flag, path,
                                   strerror(errno));
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    const char *parent = dirname(dir);
    if (access(parent, W_OK) != 0)
        return deq_error_set(err, DEQ_ERR_INPUT, "--%s %s: cannot create it in %s: %s", flag, path,
                             parent, strerror(errno));
    return DEQ_OK;
}

deq_status cli_require(const cli_opt *opts, const char *const *required, size_t count,
                       const char *cmd, deq_error_t err)
{
    for (size_t k = 0; k < count; k++)
        if (!cli_value(opts, required[k]))
            return deq_error_set(err, DEQ_ERR_INPUT, "--%s is required (see deqcheck %s --help)",
                                 required[k], cmd);
    return DEQ_OK;
}

int cli_usage_error(const char *cmd, const char *msg)
{
    fprintf(stderr, "deqcheck %s: %s\n", cmd, msg);
    return 2;
}

int cli_begin(cli_opt *opts, const char *const *required, size_t nrequired, const char *cmd,
              void (*help)(FILE *), int argc, char **argv)
{
    deq_error_t err;
    deq_error_init(err);
    const char *pos[1];
    int npos, want_help;
    if (cli_parse(opts, pos, 0, &npos, &want_help, argc, argv, 2, err) != DEQ_OK)
        return cli_usage_error(cmd, err->msg);
    if (want_help) {
        help(stdout);
        return 0;
    }
    if (cli_require(opts, required, nrequired, cmd, err))
        return cli_usage_error(cmd, err->msg);
    return -1;
}

deq_status cli_class_pair(int *pos, int *neg, const char *value, deq_error_t err)
{
    /* Exactly "A,B", two digits. Not sscanf("%d,%d"): it skips blanks, takes
     * signs, and an out-of-range %d is undefined (glibc wraps 4294967296 to 0,
     * which made "4294967296,1" read as 0,1). */
    int digits = strlen(value) == 3 && value[1] == ',' && value[0] >= '0' && value[0] <= '9' &&
                 value[2] >= '0' && value[2] <= '9';
    if (!digits || value[0] == value[2])
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "--classes: expected two distinct class indices 0..9 as A,B (e.g. "
                             "0,1: T-shirt/top vs Trouser), got \"%s\"", value);
    *pos = value[0] - '0';
    *neg = value[2] - '0';
    return DEQ_OK;
}

deq_status cli_net_args_parse(cli_net_args *a, const char *cmd, const cli_opt *opts,
                              deq_error_t err)
{
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    deq_solve_opts_default(&a->opts);
    a->A = cli_value(opts, "A");
    a->U = cli_value(opts, "U");
    a->X = cli_value(opts, "X");
    a->gamma = cli_value(opts, "gamma");
    a->sigma_u = cli_value(opts, "sigma-u") ? cli_value(opts, "sigma-u") : "1";
    if (cli_decimal("gamma", a->gamma, err) || cli_decimal("sigma-u", a->sigma_u, err) ||
        cli_activation(&a->act, cli_value(opts, "activation"), err) ||
        cli_backend_precision(&a->backend, &a->prec, cli_value(opts, "backend"),
                              cli_value(opts, "precision"), err))
        return err->status;
    if (a->backend == DEQ_BACKEND_DOUBLE)
        a->opts.newton = 0; /* Newton polishing is an MPFR step */
    a->progress = cli_value(opts, "progress") != NULL;
    return DEQ_OK;
}

/* SIZE: digits with an optional K, M or G (powers of 1024). */
static deq_status parse_size(double *bytes, const char *s, deq_error_t err)
{
    /* digits and a point only: strtod alone would take inf, nan and hex */
    size_t num = strspn(s, "0123456789.");
    if (num == 0 || (s[num] && strchr("KkMmGg", s[num]) == NULL))
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "--max-memory: expected a size such as 8G, 512M or 1000000, got \"%s\"",
                             s);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    double unit = 1;
    if (end != s && (*end == 'K' || *end == 'k'))
        unit = 1024.0, end++;
    else if (end != s && (*end == 'M' || *end == 'm'))
        unit = 1024.0 * 1024, end++;
    else if (end != s && (*end == 'G' || *end == 'g'))
        unit = 1024.0 * 1024 * 1024, end++;
    if (end == s || *end || errno || !(v > 0) || !isfinite(v))
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "--max-memory: expected a size such as 8G, 512M or 1000000, got \"%s\"",
                             s);
    *bytes = v * unit;
    return DEQ_OK;
}

deq_status cli_memory_limit(double *bytes, const char *value, deq_error_t err)
{
    if (value)
        return parse_size(bytes, value, err);
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    *bytes = (pages > 0 && size > 0 ? (double)pages * (double)size : 4.0 * 1073741824.0) / 2;
    return DEQ_OK;
}

int cli_textmat_shape(long *rows, long *cols, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[4096];
    int rc = -1;
    while (fgets(line, sizeof line, f)) {
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        if (strspn(line, " \t\r\n") == strlen(line))
            continue;
        rc = sscanf(line, "%ld %ld", rows, cols) == 2 && *rows >= 0 && *cols >= 0 ? 0 : -1;
        break;
    }
    fclose(f);
    return rc;
}

double cli_entry_bytes(deq_backend backend, long prec)
{
    /* an mpfr_t and its limbs; a double */
    return backend == DEQ_BACKEND_DOUBLE
               ? 8.0
               : (double)sizeof(__mpfr_struct) + 8.0 * (double)(prec / 64 + 1);
}

deq_status cli_memory_check(const char *cmd, const char *what, double need, const char *value,
                            deq_error_t err)
{
    double limit;
    if (cli_memory_limit(&limit, value, err))
        return DEQ_ERR_INPUT;
    const double gib = 1073741824.0;
    if (need > limit)
        return deq_error_set(err, DEQ_ERR_INPUT,
                             "--max-memory: %s needs about %.3g GiB, more than the limit %.3g GiB",
                             what, need / gib, limit / gib);
    /* worth knowing before a long wait, and harmless below */
    if (need > gib)
        fprintf(stderr, "%s: %s needs about %.3g GiB of memory (limit %.3g GiB, --max-memory)\n",
                cmd, what, need / gib, limit / gib);
    return DEQ_OK;
}

void cli_print_version(FILE *f, const char *prog)
{
    /* the revision the binary was built from, as reports name it (git
     * describe at build time, "-dirty" with uncommitted changes, or
     * "unknown" outside a checkout), so a user can say what they ran */
    report_env e;
    report_env_get(&e);
    fprintf(f, "%s %s (revision %s)\n", prog, DEQCHECK_VERSION, e.revision);
    fprintf(f, "GSL %s, MPFR %s, GMP %s, jansson %s, %s\n", GSL_VERSION, mpfr_get_version(),
            gmp_version, e.jansson, e.blas);
}
