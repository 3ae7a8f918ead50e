/* Generic linear-softmax API; instantiated by deq/linear.h. No include guard. */

/* S = column-wise softmax of A (m×m): S_ij = e^{A_ij − c_j} / Σ_k e^{A_kj − c_j},
 * c_j = max_k A_kj (no overflow). */
void TF(deq_linear_softmax)(TT(mat) S, const TT(mat) A, long prec);
/* U = (I − γS)^{-1} by LU with partial pivoting (never an explicit product
 * series). Returns 0, or the LU's zero-pivot index (γ >= 1 can make I − γS
 * singular). */
long TF(deq_linear_resolvent)(TT(mat) U, const TT(mat) S, TRC gamma, long prec);
