/* Generic factorization API; instantiated by num/factor.h. No include guard. */

/* Cholesky A = L L^T of a symmetric matrix (only the lower triangle of A is
 * read). L (initialized, same shape; may be A) receives the lower factor with
 * its strict upper triangle zeroed.
 * Returns 0, or the 1-based index of the first pivot that is not positive
 * (then L is partial). */
long TF(num_chol)(TT(mat) L, const TT(mat) A, long prec);
/* Solves L L^T X = B for X (X may be B). */
void TF(num_chol_solve)(TT(mat) X, const TT(mat) L, const TT(mat) B, long prec);

/* LU with partial pivoting: P A = L U, L unit lower and U stored in LU; perm
 * (length n, 0-based like LAPACK's ipiv) records the row interchanges. Like
 * LAPACK it goes on past a zero pivot; returns 0, or the 1-based index of the
 * first exactly-zero pivot. */
long TF(num_lu)(TT(mat) LU, long *perm, const TT(mat) A, long prec);
/* Solves A X = B using the factors of num_lu (X may be B). */
void TF(num_lu_solve)(TT(mat) X, const TT(mat) LU, const long *perm, const TT(mat) B, long prec);

/* Certifies lambda_min(H) >= shift - delta for the symmetric matrix H exactly
 * as stored, by a Cholesky factorization of fl(H - shift*I) at the working
 * precision and a rigorous a-priori rounding allowance delta (Demmel/Rump
 * style, computed with directed rounding). See factor.c for the derivation.
 * Both triangles are read: for a non-symmetric H the bound is for (H+Hᵀ)/2.
 * MPFR works at max(prec, precision of every entry), so the copy is exact.
 * n = 0, or a non-finite entry or shift, gives certified = 0 with
 * failed_pivot = 0; allowance is +inf whenever not certified. */
void TF(num_chol_certify)(num_chol_cert_t cert, const TT(mat) H, double shift, long prec);
/* The same for the matrix 2^-e2·H (scaled exactly in MPFR; in double an entry
 * that the scaling makes subnormal adds its rounding, <= 2^-1075, to the
 * allowance): proves lambda_min(2^-e2·H) >= cert->lower, shift and lower in
 * the scaled units. For H whose eigenvalues or trace lie outside double's
 * range (MPFR data near 1e±300, or double entries near 1e±300 whose products
 * under- or overflow), with e2 the binary exponent of H's largest entry. */
void TF(num_chol_certify_2exp)(num_chol_cert_t cert, const TT(mat) H, long e2, double shift,
                               long prec);
