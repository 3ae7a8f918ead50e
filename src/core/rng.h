/* Random numbers: GSL's mt19937 behind a small wrapper. Weights are always
 * drawn in double and converted exactly to MPFR, so both backends run the same
 * network (docs/ARCHITECTURE.md §3). */
#ifndef DEQ_CORE_RNG_H
#define DEQ_CORE_RNG_H

#include <gsl/gsl_rng.h>

typedef struct {
    gsl_rng *r;
} deq_rng_struct;
typedef deq_rng_struct deq_rng_t[1];

void deq_rng_init(deq_rng_t rng, unsigned long seed);
void deq_rng_clear(deq_rng_t rng);
double deq_rng_gaussian(deq_rng_t rng); /* N(0,1) */
double deq_rng_rademacher(deq_rng_t rng); /* ±1 with probability 1/2 each */
double deq_rng_uniform(deq_rng_t rng);  /* [0,1) */

#endif
