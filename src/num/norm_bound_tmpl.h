/* Generic norm-bound API; instantiated by num/norm_bound.h. No include guard. */

/* Guaranteed upper bound on ||A||_2 for square or rectangular A. The result
 * holds for the matrix exactly as stored, whatever the backend. */
void TF(num_norm2_upper)(num_norm2_t out, const TT(mat) A, long prec);
