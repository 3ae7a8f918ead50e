/* Internal entry points of deq/forward.c, for its tests only: the pieces of
 * the certificates that a test checks against an independent route. */
#ifndef DEQ_DEQ_FORWARD_INTERNAL_H
#define DEQ_DEQ_FORWARD_INTERNAL_H

#include "num/mat.h"

/* Up to this inner dimension the certificates bound |op(A)|·|Z| with a
 * single-precision product (see abs_product_scaled in forward.c). */
#define DEQ_ABS_PRODUCT_FLOAT_MAX_K 16384

/* The certificates' bound on |op(A)|·|Z| (double data): for every entry,
 * (|op(A)|·|Z|)[j,i] <= P[j,i]·2^E[i] (E[i] of a zero column of Z is very
 * negative, P's entries there tiny). P is rows of op(A) × cols of Z, E has
 * cols of Z entries. Returns 0, or -1 when A or Z holds a NaN or an infinity. */
int deq_abs_product_upper_d(mat_d_t P, long *E, mat_op opA, const mat_d_t A, const mat_d_t Z);

#endif
