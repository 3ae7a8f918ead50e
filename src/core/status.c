#include "core/status.h"

#include <gsl/gsl_errno.h>
#include <stdarg.h>
#include <string.h>

void deq_error_init(deq_error_t err)
{
    err->status = DEQ_OK;
    err->msg[0] = '\0';
}

deq_status deq_error_set(deq_error_t err, deq_status status, const char *fmt, ...)
{
    if (err->status != DEQ_OK)
        return err->status;
    err->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return status;
}

void deq_abort_precondition(const char *file, int line, const char *expr)
{
    fprintf(stderr, "deqcheck: internal error at %s:%d: precondition failed: %s\n", file, line,
            expr);
    abort();
}

static void out_of_memory(size_t size)
{
    fprintf(stderr, "deqcheck: out of memory (allocating %zu bytes)\n", size);
    exit(DEQ_ERR_NOMEM);
}

void *deq_malloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

void *deq_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *deq_realloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);
    if (!p)
        out_of_memory(size);
    return p;
}

static _Thread_local int gsl_last_errno;
static _Thread_local const char *gsl_last_reason;

static void record_gsl_error(const char *reason, const char *file, int line, int gsl_errno)
{
    (void)file;
    (void)line;
    gsl_last_errno = gsl_errno;
    gsl_last_reason = reason;
}

void deq_gsl_handler_install(void)
{
    gsl_set_error_handler(record_gsl_error);
}

int deq_gsl_last_error(const char **reason)
{
    int e = gsl_last_errno;
    if (reason)
        *reason = gsl_last_reason;
    gsl_last_errno = 0;
    gsl_last_reason = NULL;
    return e;
}
