/* Cholesky and LU factorizations, and the certified positive-definiteness
 * test, in both backends (generic source num/factor.c). */
#ifndef DEQ_NUM_FACTOR_H
#define DEQ_NUM_FACTOR_H

#include "num/mat.h"

/* Outcome of a certification: a numeric result, not an error. */
typedef struct {
    int certified;     /* 1: lambda_min(H) >= lower is proved */
    double lower;      /* certified lower bound on lambda_min(H) (rounded down); -inf if not certified */
    double shift;      /* the shift c that was tried: Cholesky of fl(H - c I) */
    double allowance;  /* rigorous rounding allowance delta: lower = c - delta */
    long failed_pivot; /* 0, or the 1-based index where the Cholesky of H - cI broke down */
} num_chol_cert_struct;
typedef num_chol_cert_struct num_chol_cert_t[1];

#include "num/tmpl_on_d.h"
#include "num/factor_tmpl.h"
#include "num/tmpl_off.h"
#include "num/tmpl_on_mp.h"
#include "num/factor_tmpl.h"
#include "num/tmpl_off.h"

#endif
