/* Generic linear-softmax API; instantiated by deq/linear.h. No include guard. */

/* S = column-wise softmax of A (m×m): S_ij = e^{A_ij − c_j} / Σ_k e^{A_kj − c_j},
 * c_j = max_k A_kj (no overflow). */
void TF(deq_linear_softmax)(TT(mat) S, const TT(mat) A, long prec);
/* U = (I − γS)^{-1} by LU with partial pivoting (never an explicit product
 * series). Returns 0, or the LU's zero-pivot index (γ >= 1 can make I − γS
 * singular). */
long TF(deq_linear_resolvent)(TT(mat) U, const TT(mat) S, TRC gamma, long prec);

/* The column-softmax Jacobian applied to dA (it is symmetric per column, so
 * this is both the JVP and the VJP): dS_ij = S_ij (dA_ij − Σ_k S_kj dA_kj).
 * dS must not alias S; it may alias dA. */
void TF(deq_linear_softmax_jvp)(TT(mat) dS, const TT(mat) S, const TT(mat) dA, long prec);

/* L = ½‖B U X − Y‖²_F and its gradients (docs/THEORY.md §1, kawaguchi2021):
 *   ∇_B L = R (U X)ᵀ,
 *   M := ∂L/∂S = γ Uᵀ Bᵀ R (U X)ᵀ   (dL = ⟨R, B dU X⟩, dU = γ U dS U),
 *   ∇_A L = softmax_jvp(S, M).
 * gA (m×m) and gB (k×m) may be NULL. A m×m, B k×m, X m×n, Y k×n.
 * Returns 0, or the zero-pivot index of the LU of I − γS (outputs then unset). */
long TF(deq_linear_loss_grad)(TR L, TT(mat) gA, TT(mat) gB, const TT(mat) A, const TT(mat) B,
                              const TT(mat) X, const TT(mat) Y, TRC gamma, long prec);

/* σ_min(U)² for U = (I − γS(A))^{-1}, as 1/λ_max(JᵀJ), J = I − γS (so no
 * inverse is formed). λ_max: GSL's symmetric eigensolver in double, our
 * cyclic Jacobi in MPFR. Returns 0, or a nonzero code when the eigensolver
 * failed (s2 is then NaN). */
int TF(deq_linear_sigma_min_u2)(TR s2, const TT(mat) A, TRC gamma, long prec);

/* Spectral data of X (m×n) for T3.linear_*: eigen-decomposition of XᵀX = V Λ Vᵀ
 * (GSL in double, Jacobi in MPFR), rank r = #{λ_i > τ} with
 *     τ = 2·γ_{m+n}·‖X‖²_F   (γ_j = j u/(1 − j u), u = 2^-prec):
 * forming XᵀX perturbs it by at most γ_m |X|ᵀ|X| (2-norm <= γ_m‖X‖²_F) and the
 * backward-stable eigensolver by at most about n·u·‖XᵀX‖_F <= n u ‖X‖²_F, so any
 * computed eigenvalue below τ is indistinguishable from 0 (factor 2: both
 * contributions plus the solver's own roundoff).
 * sigma_plus2 = smallest λ_i > τ (0 when r = 0), and
 *     L* = ½‖Y(I − X⁺X)‖²_F = ½ Σ_{λ_i <= τ} ‖Y v_i‖²
 * (X⁺X = V_r V_rᵀ; summing over the null-space eigenvectors avoids the
 * cancellation of ½(‖Y‖² − ‖Y V_r‖²)). tau (may be NULL) receives τ.
 * Returns r, or −1 if the eigensolver failed. */
long TF(deq_linear_data_spectrum)(TR lstar, TR sigma_plus2, double *tau, const TT(mat) X,
                                  const TT(mat) Y, long prec);

/* Full-batch gradient descent on (A, B) with fixed step η for `steps` steps
 * (A, B updated in place to the last iterate), recording into traj (initialized
 * with room for at least `steps`) everything T3.linear_pl, T3.linear_rate and
 * T3.trust_region need. At each iterate: L, ∇L, σ_min(U)², and the trust-region
 * quantities along the gradient-flow direction (Ȧ = −∇_A L, Ḃ = −∇_B L):
 *     Ẇ = Ḃ U + B U (γ Ṡ) U,   Ṡ = softmax_jvp(S, Ȧ),   ∇L̃(W) = R Xᵀ.
 * (In exact arithmetic ⟨Ẇ, −∇L̃⟩ = ‖∇_B L‖² + ‖∇_A L‖² = ‖∇L‖²: the first term
 * is ‖∇L̃ Uᵀ‖² >= σ_min(U)²‖∇L̃‖², the second ⟨Ṡ, −M⟩ = ‖∇_A L‖².)
 * Stops early (traj->failed_at >= 0) at a singular I − γS or non-finite value. */
void TF(deq_linear_train_gd)(deq_linear_traj_t traj, TT(mat) A, TT(mat) B, const TT(mat) X,
                             const TT(mat) Y, TRC gamma, double eta, long steps, long prec);
