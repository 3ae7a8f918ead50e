/* Run context: which backend, at what precision, from which seed. Plain data,
 * passed explicitly; there is no global state. */
#ifndef DEQ_CORE_CTX_H
#define DEQ_CORE_CTX_H

#include <mpfr.h>

typedef enum { DEQ_BACKEND_DOUBLE = 0, DEQ_BACKEND_MPFR = 1 } deq_backend;

/* Documented range of MPFR working precision (bits). The upper end keeps every
 * residual, tolerance and error bound of a solve representable as a normal
 * double (2^-1000 > DBL_MIN), which is how summaries are reported. */
#define DEQ_PREC_MIN 24
#define DEQ_PREC_MAX 1000
#define DEQ_PREC_DEFAULT 256
#define DEQ_PREC_DOUBLE 53

typedef struct {
    deq_backend backend;
    long prec;          /* bits: 53 for double, DEQ_PREC_MIN..DEQ_PREC_MAX for MPFR */
    unsigned long seed; /* the one documented seed of a run */
} deq_ctx_struct;
typedef deq_ctx_struct deq_ctx_t[1];

void deq_ctx_init(deq_ctx_t ctx, deq_backend backend, long prec, unsigned long seed);
const char *deq_backend_name(deq_backend b);

#endif
