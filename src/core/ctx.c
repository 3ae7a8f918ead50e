#include "core/ctx.h"

#include "core/status.h"

void deq_ctx_init(deq_ctx_t ctx, deq_backend backend, long prec, unsigned long seed)
{
    DEQ_REQUIRE(backend == DEQ_BACKEND_DOUBLE || (prec >= DEQ_PREC_MIN && prec <= DEQ_PREC_MAX));
    ctx->backend = backend;
    ctx->prec = backend == DEQ_BACKEND_DOUBLE ? DEQ_PREC_DOUBLE : prec;
    ctx->seed = seed;
}

const char *deq_backend_name(deq_backend b)
{
    return b == DEQ_BACKEND_DOUBLE ? "double" : "mpfr";
}
