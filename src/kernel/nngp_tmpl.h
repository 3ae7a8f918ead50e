/* Generic NNGP/NTK API; instantiated by kernel/nngp.h. No include guard. */

/* Solves (K) for the Gram matrix GX = XᵀX (n×n, symmetric: the lower
 * triangle is read), γ ≥ 0 and σ_u given at the working precision, and the
 * activation act. Outputs (initialized n×n): Sigma = Σ, Sdot = Ṡ, Lambda = Λ,
 * all symmetric; Σ and Ṡ are the dual maps evaluated at the returned Λ.
 *
 * Outcomes (info->outcome): CONVERGED; MAX_ITER / STAGNATED / DIVERGED /
 * NONFINITE (outputs hold the last iterate's values, or NaN when non-finite);
 * NOT_APPLICABLE when o->input_map = KERNEL_INPUT_RELU: then nothing is
 * computed, every output entry is NaN and info->reason says why (docs/THEORY.md
 * §2.4: the injection is not zero-mean, (K) does not describe the model).
 *
 * Stopping rule, per phase (diagonal in s = √Λ_ii with ρ = rho_diag and
 * scale max s; off-diagonal in Λ_ij with ρ = rho_off and scale max Λ_ii):
 * with e the estimated rounding of one evaluation (kernel_dual_round_factor
 * plus the combination with σ_u²G, times the scale) and `step` the largest
 * |Φ̂(x) − x|,
 *   o->tol = 0: stop when ρ·step ≤ e (the iteration error is below the
 *     rounding of the map: more iterations cannot improve the bound
 *     (ρ·step + e)/(1 − ρ)); not contractive: when step ≤ e;
 *   o->tol > 0: stop when (ρ·step + e)/(1 − ρ) ≤ tol·scale; not
 *     contractive: when step ≤ tol·scale;
 *   after `patience` iterations without a smaller step: CONVERGED if the best
 *     step is within 16·e (the rounding floor), else STAGNATED (or MAX_ITER
 *     at the limit); DIVERGED when the step exceeds 2^26 times the first, or
 *     grew at each of the last `patience` iterations while above 16·e.
 * Default iteration limit per phase: contractive, ⌈prec·ln2/(−ln ρ)⌉ +
 * 2·patience + 10 (Picard's error shrinks by ρ per step from at most the
 * scale); otherwise 20·prec. info->err_est then bounds the distance to the
 * fixed point of the method's map, to first order in the rounding (nngp.h). */
void TF(kernel_nngp_solve)(TT(mat) Sigma, TT(mat) Sdot, TT(mat) Lambda, kernel_nngp_info_t info,
                           const TT(mat) GX, TRC gamma, TRC sigma_u, deq_act act,
                           const kernel_nngp_opts *o, long prec);

/* Population Gram blocks of docs/THEORY.md §2.2 from Σ, Ṡ (kernel_nngp_solve) and GX:
 *
 *   P_ij = Ṡ_ij/(1 − γ²Ṡ_ij),  H^A = σ_v²γ²(P⊙Σ),  H^U = σ_v²σ_u²(P⊙G_X),  H^v = σ_v²Σ,
 *   H = Σ of the blocks whose DEQ_TRAIN_A / _U / _V bit is set in `trained`
 *   (deq/model.h; other bits are ignored).
 *
 * Any of P, HA, HU, Hv may be NULL; H is required (n×n, initialized). When
 * γ²Ṡ_ij ≥ 1 for some pair the backward fixed point w = v + α_A·AᵀDw has no
 * infinite-width limit: info->outcome = KERNEL_BACKWARD_UNSTABLE, the pair in
 * bad_i/bad_j, and every requested output is set to NaN (never a silent
 * value). NaN in the inputs gives NONFINITE. */
void TF(kernel_ntk_blocks)(TT(mat) H, TT(mat) P, TT(mat) HA, TT(mat) HU, TT(mat) Hv,
                           kernel_ntk_info_t info, const TT(mat) Sigma, const TT(mat) Sdot,
                           const TT(mat) GX, TRC gamma, TRC sigma_u, TRC sigma_v,
                           unsigned trained, long prec);
