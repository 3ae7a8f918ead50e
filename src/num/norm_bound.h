/* A guaranteed upper bound on the spectral norm ||A||_2 (docs/THEORY.md §7.1). */
#ifndef DEQ_NUM_NORM_BOUND_H
#define DEQ_NUM_NORM_BOUND_H

#include "num/mat.h"

typedef enum {
    NUM_NORM2_CHOLESKY = 0, /* certified lambda_max(A^T A) <= t by Cholesky of t I - A^T A */
    NUM_NORM2_FALLBACK = 1, /* min(||A||_F, sqrt(||A||_1 ||A||_inf)), rounded up */
    NUM_NORM2_INCREMENTAL = 2 /* a full bound of a reference matrix R plus a certified
                                 ||A - R||_F (triangle inequality; deq_problem_update) */
} num_norm2_method;

typedef struct {
    double upper;            /* guaranteed: ||A||_2 <= upper; +inf for non-finite input or
                                norms beyond the double range */
    double estimate;         /* a non-certified estimate of ||A||_2 (power/Lanczos); for
                                NUM_NORM2_INCREMENTAL the reference's (not of A) */
    double fallback;         /* min(||A||_F, sqrt(||A||_1 ||A||_inf)) rounded up (MPFR: of the
                                matrix rounded to double, plus the conversion term) */
    num_norm2_method method; /* how `upper` was proved */
} num_norm2_struct;
typedef num_norm2_struct num_norm2_t[1];

const char *num_norm2_method_name(num_norm2_method m);

/* A guaranteed lower bound on ||A||_2 (A r x c, any shape, the matrix as
 * stored): ||Av||/||v|| after power iteration on A^T A, less the rounding of
 * its evaluation (gamma_c ||A||_F ||v||). 0 for an empty, zero or non-finite
 * matrix, or when the sums overflow. */
double num_norm2_lower_d(const mat_d_t A);

#include "num/tmpl_on_d.h"
#include "num/norm_bound_tmpl.h"
#include "num/tmpl_off.h"
#include "num/tmpl_on_mp.h"
#include "num/norm_bound_tmpl.h"
#include "num/tmpl_off.h"

#endif
