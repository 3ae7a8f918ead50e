/* Symmetric eigenvalues. The double backend has two routes (GSL's solver and
 * our cyclic Jacobi); MPFR has our Jacobi. Tests compare them. */
#ifndef DEQ_NUM_SYMEIG_H
#define DEQ_NUM_SYMEIG_H

#include "num/mat.h"

typedef struct {
    int converged;   /* 1 when the off-diagonal mass fell below the working-precision threshold */
    long sweeps;     /* Jacobi sweeps used */
    double offdiag;  /* final off-diagonal Frobenius norm, relative to ||A||_F */
} num_symeig_info_struct;
typedef num_symeig_info_struct num_symeig_info_t[1];

#include "num/tmpl_on_d.h"
#include "num/symeig_tmpl.h"
#include "num/tmpl_off.h"
#include "num/tmpl_on_mp.h"
#include "num/symeig_tmpl.h"
#include "num/tmpl_off.h"

/* GSL's symmetric eigensolver (gsl_eigen_symm / symmv): eigenvalues ascending
 * in evals (n x 1); evecs (n x n, columns) when not NULL. Returns 0 or the GSL
 * error code (our GSL handler is installed: GSL never aborts). Clears the
 * thread-local GSL error record on entry. */
int num_symeig_gsl(mat_d_t evals, mat_d_t evecs, const mat_d_t A);

#endif
