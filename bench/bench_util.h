/* What every bench file times and fills with. */
#ifndef DEQ_BENCH_UTIL_H
#define DEQ_BENCH_UTIL_H

#include "core/rng.h"
#include "num/mat.h"

/* Monotonic wall clock, seconds. */
double bench_now(void);
/* Median of v[0..n) (v is sorted in place). */
double bench_median(double *v, int n);
/* N(0,1) entries. */
void bench_fill(mat_d_t M, deq_rng_t rng);

#endif
