/* Generic API of the papers' NTK; instantiated by deq/paper_ntk.h. No include guard. */

/* H (n×n double, initialized by the caller) = J Jᵀ, from the state S that
 * deq_paper_forward and deq_paper_grad left on X (the adjoints g_i):
 *   every paper:  ∂ŷ_i/∂u = z_i              → ZᵀZ
 *                 ∂ŷ_i/∂T = s g_i z_iᵀ        → s² (gᵀg) ∘ (ZᵀZ)
 *   gao2021:      ∂ŷ_i/∂v = φ_i              → ΦΦᵀ
 *                 ∂ŷ_i/∂W = E_i(g_i + v) x_iᵀ/√m → (1/m)(pᵀp) ∘ (XᵀX)
 *   ling2022:     ∂ŷ_i/∂U = g_i x_iᵀ          → (gᵀg) ∘ (XᵀX)
 * summed in the working precision, rounded once to double, made exactly
 * symmetric. */
void TF(deq_paper_ntk)(mat_d_t H, const TT(deq_paper_state) S, const TT(deq_paper) P,
                       const TT(mat) X, long prec);
