#include "core/rng.h"

#include <gsl/gsl_randist.h>

#include "core/status.h"

void deq_rng_init(deq_rng_t rng, unsigned long seed)
{
    rng->r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!rng->r) {
        fprintf(stderr, "deqcheck: cannot allocate the random number generator\n");
        exit(DEQ_ERR_NOMEM);
    }
    gsl_rng_set(rng->r, seed);
}

void deq_rng_clear(deq_rng_t rng)
{
    gsl_rng_free(rng->r);
    rng->r = NULL;
}

double deq_rng_gaussian(deq_rng_t rng)
{
    return gsl_ran_gaussian(rng->r, 1.0);
}

double deq_rng_rademacher(deq_rng_t rng)
{
    return gsl_rng_uniform_int(rng->r, 2) ? 1.0 : -1.0;
}

double deq_rng_uniform(deq_rng_t rng)
{
    return gsl_rng_uniform(rng->r);
}
