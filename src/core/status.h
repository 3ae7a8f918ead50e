/* Status codes and user-facing error messages.
 *
 * Three kinds of failure are kept apart (docs/ARCHITECTURE.md §4):
 *  - bad input from a user (file, flag, dimension): a status code and one
 *    message line naming the file and line, or the flag;
 *  - numeric outcomes (not converged, not certified): results in info structs,
 *    never a status code;
 *  - programming errors (violated preconditions): DEQ_REQUIRE aborts with file:line.
 */
#ifndef DEQ_CORE_STATUS_H
#define DEQ_CORE_STATUS_H

#include <stdio.h>
#include <stdlib.h>

typedef enum {
    DEQ_OK = 0,
    DEQ_ERR_INPUT = 2, /* bad file, flag or dimension: matches CLI exit status 2 */
    DEQ_ERR_NOMEM = 3,
    DEQ_ERR_INTERNAL = 4
} deq_status;

#define DEQ_MSG_LEN 512

typedef struct {
    deq_status status;
    char msg[DEQ_MSG_LEN];
} deq_error_struct;
typedef deq_error_struct deq_error_t[1];

void deq_error_init(deq_error_t err);
/* Records the first error only: later calls keep the original message, which
 * names the root cause. Returns the status for `return deq_error_set(...)`. */
deq_status deq_error_set(deq_error_t err, deq_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void deq_abort_precondition(const char *file, int line, const char *expr)
    __attribute__((noreturn));

#define DEQ_REQUIRE(cond)                                                      \
    do {                                                                       \
        if (!(cond))                                                           \
            deq_abort_precondition(__FILE__, __LINE__, #cond);                 \
    } while (0)

/* Allocation that never returns NULL: out of memory is not a numeric outcome
 * this tool can report usefully, so it stops with a message. */
void *deq_malloc(size_t size);
void *deq_calloc(size_t count, size_t size);
void *deq_realloc(void *ptr, size_t size);

/* GSL's default error handler aborts; this one records the error in a
 * thread-local slot that callers of GSL routines inspect. */
void deq_gsl_handler_install(void);
/* Returns the last GSL error code recorded since the previous call (0 if none)
 * and clears it; `reason` (may be NULL) receives GSL's text. */
int deq_gsl_last_error(const char **reason);

#endif
