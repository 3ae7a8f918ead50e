/* Generic eigenvalue-bound API; instantiated by num/eig_bound.h. No include guard. */

/* Bounds for the symmetric n×n matrix H exactly as stored. The estimates come
 * from GSL's solver on H rounded to double, refined by Jacobi at the working
 * precision when prec > 53 and n <= jacobi_max_n (0: never). A positive
 * `lower` with lower_certified proves H positive definite. */
void TF(num_eig_bounds)(num_eig_bounds_t out, const TT(mat) H, long jacobi_max_n, long prec);
