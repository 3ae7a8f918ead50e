/* Certified bounds on the extreme eigenvalues of a symmetric matrix
 * (generic source num/eig_bound.c): λ_min(H) >= lower and λ_max(H) <= upper,
 * each proved by num_chol_certify at a shift placed just outside an estimate.
 * The bounds are doubles: in MPFR they are valid for the matrix as stored at
 * full precision, and tight to the working precision or to double's
 * resolution of the value, whichever is coarser. */
#ifndef DEQ_NUM_EIG_BOUND_H
#define DEQ_NUM_EIG_BOUND_H

#include "num/mat.h"

typedef struct {
    double approx_min, approx_max; /* estimates (not certified) */
    double lower;                  /* λ_min(H) >= lower when lower_certified; else -inf */
    double upper;                  /* λ_max(H) <= upper when upper_certified; else +inf */
    int lower_certified, upper_certified;
    int tries;                     /* Cholesky factorizations spent */
    /* Scale safety: a matrix whose largest entry lies outside 2^±256 is
     * handled as S = 2^-exp2·H (exp2 = 0 otherwise), so its squares and
     * products neither under- nor overflow. The fields above are S's results
     * scaled back by 2^exp2, rounded outward (lower down, upper up: still
     * certified, but 0 or ±inf when the eigenvalues leave double's range);
     * the _s fields are S's own, always in range: λ(H) = 2^exp2·λ(S). */
    long exp2;
    double approx_min_s, approx_max_s, lower_s, upper_s;
} num_eig_bounds_struct;
typedef num_eig_bounds_struct num_eig_bounds_t[1];

#include "num/tmpl_on_d.h"
#include "num/eig_bound_tmpl.h"
#include "num/tmpl_off.h"
#include "num/tmpl_on_mp.h"
#include "num/eig_bound_tmpl.h"
#include "num/tmpl_off.h"

#endif
