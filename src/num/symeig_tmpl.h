/* Generic symmetric eigen API; instantiated by num/symeig.h. No include guard. */

/* Cyclic Jacobi on a copy of symmetric A (n x n). evals (n x 1) receives the
 * eigenvalues in ascending order; evecs (n x n) the orthonormal eigenvectors
 * as columns when not NULL. Sweeps stop when the off-diagonal part is below
 * n * u * ||A||_F or after a sweep limit derived from the precision. Reads the
 * lower triangle; MPFR input is rounded to prec. */
void TF(num_symeig_jacobi)(TT(mat) evals, TT(mat) evecs, num_symeig_info_t info, const TT(mat) A,
                           long prec);
