/* Generic gradient API; instantiated by deq/grad.h. No include guard. */

/* At the equilibria Z of P (as returned by a converged deq_forward_solve),
 * output weights v (m×1), targets y (n×1) and α_v: loss and the requested
 * gradients (gA m×m, gU m×d, gv m×1; any may be NULL; all initialized). f
 * (n×1, may be NULL) receives the outputs. W (m×n) is the adjoint: zeros or a
 * warm start in, the solution out; info receives the adjoint solve's outcome
 * (the gradients are meaningful only when it converged). The adjoint is solved
 * only when gA or gU is requested; otherwise W and info are left as they are. */
void TF(deq_loss_grad)(TR loss, TT(mat) gA, TT(mat) gU, TT(mat) gv, TT(mat) f, TT(mat) W,
                       deq_solve_info_t info, const TT(deq_problem) P, const TT(mat) Z,
                       const TT(mat) v, const TT(mat) y, TRC alpha_v, const deq_solve_opts *o,
                       long prec);

/* Loss only (no adjoint): L = ½‖α_v·Zᵀv − y‖²; f (n×1, may be NULL) gets the outputs. */
void TF(deq_loss)(TR loss, TT(mat) f, const TT(mat) Z, const TT(mat) v, const TT(mat) y,
                  TRC alpha_v, long prec);
