/* Run context: which backend, at what precision, from which seed. Plain data,
 * passed explicitly; there is no global state. */
#ifndef DEQ_CORE_CTX_H
#define DEQ_CORE_CTX_H

#include <mpfr.h>

typedef enum { DEQ_BACKEND_DOUBLE = 0, DEQ_BACKEND_MPFR = 1 } deq_backend;

/* Documented range of MPFR working precision (bits). Norms, residuals and
 * tolerances carry a long exponent where they steer a solve (num/xreal.h), so
 * precisions beyond double's exponent range work; summaries report them as
 * doubles: a residual below 2^-1074 prints as 0, an error bound is rounded
 * up and never does. The upper end bounds the cost (an 8192-bit product is
 * ~1000 times a 256-bit one). */
#define DEQ_PREC_MIN 24
#define DEQ_PREC_MAX 8192
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
