/* The environment a run was computed in, as printed in reports and stored in
 * JSON results: library versions, BLAS build and kernel, compiler, source
 * revision. None of it enters a result. */
#ifndef DEQ_REPORT_ENV_H
#define DEQ_REPORT_ENV_H

typedef struct {
    char deqcheck[32], revision[64], compiler[96];
    char gsl[16], mpfr[16], gmp[16], blas[160], jansson[16];
} report_env;

void report_env_get(report_env *e);

#endif
