/* Certified enclosures of the extreme eigenvalues of a symmetric double
 * matrix at LAPACK's cost (src/num/eig_lapack.c), for training, where the
 * n×n Gram matrix is bounded every few steps and a full Jacobi sweep would
 * dominate the step.
 *
 * Estimates: LAPACK's dsyevr (through LAPACKE, on OpenBLAS) for the range
 * needed only, the eigenpairs (θ_min, x_min) and (θ_max, x_max).
 * Certificates, both rigorous for H exactly as stored:
 *   - Weyl's residual bound: for any θ and x ≠ 0 some eigenvalue of H lies
 *     within ‖Hx − θx‖/‖x‖ of θ, so λ_min <= θ_min + r_min and
 *     λ_max >= θ_max − r_max (the residual is bounded above with the rounding
 *     of its own evaluation);
 *   - the certified positive-definiteness test num_chol_certify (Cholesky
 *     with an a-priori rounding allowance): H − sI positive definite proves
 *     λ_min >= s − δ, and tI − H proves λ_max <= t + δ. This is what makes
 *     θ_min the smallest eigenvalue, which a residual alone cannot say.
 * Together: λ_min ∈ [min_lo, min_hi], λ_max ∈ [max_lo, max_hi]. */
#ifndef DEQ_NUM_EIG_LAPACK_H
#define DEQ_NUM_EIG_LAPACK_H

#include "num/mat.h"

typedef struct {
    double theta_min, theta_max; /* dsyevr's extreme eigenvalues (estimates) */
    double resid_min, resid_max; /* certified upper bounds on ‖Hx − θx‖/‖x‖ for each pair */
    double min_lo, min_hi;       /* λ_min(H) ∈ [min_lo, min_hi]; ±inf for a side not certified */
    double max_lo, max_hi;       /* λ_max(H) ∈ [max_lo, max_hi] */
    int lower_certified;         /* min_lo proved by Cholesky of H − sI */
    int upper_certified;         /* max_hi proved by Cholesky of tI − H */
    double margin_min, margin_max; /* the shift margins s = θ_min − margin, t = θ_max + margin */
    double margin0;              /* the first margin tried: 4·n·u·‖H‖_F (backward error of dsyevr) */
    int tries;                   /* Cholesky factorizations spent */
    int lapack_info;             /* 0, or dsyevr's info (then nothing is certified) */
} num_eig_extreme_struct;
typedef num_eig_extreme_struct num_eig_extreme_t[1];

/* Fills out for the symmetric n×n double matrix H (both triangles read by
 * the certificates; dsyevr reads the lower one). Returns 0 when both
 * enclosures are certified, 1 otherwise (a non-finite entry, a LAPACK
 * failure, or a Cholesky that never succeeded: see out). */
int num_eig_extreme_lapack(num_eig_extreme_t out, const mat_d_t H);

#endif
