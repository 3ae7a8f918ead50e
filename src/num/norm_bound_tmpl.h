/* Generic norm-bound API; instantiated by num/norm_bound.h. No include guard. */

/* Guaranteed upper bound on ||A||_2 for square or rectangular A. The result
 * holds for the matrix exactly as stored, whatever the backend. */
void TF(num_norm2_upper)(num_norm2_t out, const TT(mat) A, long prec);

/* Guaranteed upper bound on ||A - B||_F (A, B of the same shape, the matrices
 * as stored): the differences' rounding is accounted for and the sum is taken
 * at the scale of the largest difference, so it neither overflows nor
 * underflows whatever the entries' exponents. 0 when A = B; +inf when a
 * difference is not finite or the bound exceeds the double range. */
double TF(num_fro_dist_upper)(const TT(mat) A, const TT(mat) B, long prec);
