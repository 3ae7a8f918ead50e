/* The population NTK H^∞ (the infinite-width Gram matrix) of a preset. */
#ifndef DEQ_KERNEL_POPULATION_H
#define DEQ_KERNEL_POPULATION_H

#include <stddef.h>

#include "deq/model.h"
#include "kernel/nngp.h"
#include "num/eig_bound.h"
#include "num/mat.h"

/* H^∞ of the preset's trained groups (σ_v = 1) for inputs X (double entries,
 * columns are samples), computed in double (prec = 53) or MPFR at prec into
 * Hout (n×n, initialized at a precision >= prec). eb gets the certified
 * eigenvalue bounds of the computed matrix (MPFR: Jacobi for n up to
 * jacobi_max_n, then bounds without the Jacobi estimate), *quad_err the
 * estimate of the largest entrywise error due to quadrature (0 for closed
 * forms), and why (may be empty) the reason when the result is not
 * KERNEL_CONVERGED. */
/* Jacobi sweeps in MPFR cost O(n³) per sweep at working precision; up to this
 * n they stay within a second at 256 bits (a cost choice, not a tolerance). */
#define KERNEL_POPULATION_JACOBI_MAX_N 64

kernel_outcome kernel_population_ntk(mat_mp_t Hout, num_eig_bounds_t eb, double *quad_err,
                                     const deq_preset *pre, const mat_d_t X, long jacobi_max_n,
                                     long prec, char *why, size_t why_len);

#endif
