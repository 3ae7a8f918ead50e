/* Generic Gram API; instantiated by deq/gram.h. No include guard. */

/* The Gram blocks from the equilibria Z (m×n), the columns g_i (Gc, m×n) and
 * the inputs X (d×n). Each output (n×n, initialized) may be NULL. Three n×n
 * products (ZᵀZ, GcᵀGc, XᵀX), then entrywise products. */
void TF(deq_gram_blocks)(TT(mat) GA, TT(mat) GU, TT(mat) Gv, const TT(mat) Z, const TT(mat) Gc,
                         const TT(mat) X, TRC alpha_A, TRC alpha_U, TRC alpha_v, long prec);

/* The adjoint columns g_i = α_v·D_i·w_i of docs/THEORY.md §2.2 (Gc, m×n): computes
 * D = σ′(h) at the equilibria Z, solves the adjoint W = v + α_A·Aᵀ(D ⊙ W) (W
 * m×n: zeros or a warm start in, the solution out; info gets its outcome and
 * certificate), then Gc = α_v·D ⊙ W. Shared by the Gram matrices and the
 * gradients. */
void TF(deq_adjoint_columns)(TT(mat) Gc, TT(mat) W, deq_solve_info_t info,
                             const TT(deq_problem) P, const TT(mat) Z, const TT(mat) v,
                             TRC alpha_v, const deq_solve_opts *o, long prec);

/* For the problem P at its equilibria Z (as returned by deq_forward_solve),
 * output weights v (m×1) and α_v: solves the adjoint W = v + α_A·Aᵀ(D ⊙ W)
 * (W m×n, initialized: zeros or a warm start; receives the solution), forms
 * Gc = α_v·D ⊙ W and the requested blocks. info receives the adjoint solve's
 * outcome and certificate; the blocks are meaningful only when it converged. */
void TF(deq_gram_network)(TT(mat) GA, TT(mat) GU, TT(mat) Gv, TT(mat) W, deq_solve_info_t info,
                          const TT(deq_problem) P, const TT(mat) Z, const TT(mat) v, TRC alpha_v,
                          const deq_solve_opts *o, long prec);
