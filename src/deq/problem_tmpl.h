/* Generic problem API; instantiated by deq/problem.h. No include guard. */

typedef struct {
    long m, d, n;
    TT(mat) A, U, X, B;
    mat_d_t B_err;
    long B_err_exp;     /* |B − B̂| <= B_err·2^B_err_exp */
    /* α_A = γ/√m, α_U = σ_u at working precision; relative errors bounded */
    TRS alpha_A[1], alpha_U[1];
    num_norm2_t normA;  /* the certified ‖A‖₂ bound behind ρ̄ (method NUM_NORM2_INCREMENTAL when
                         * the last update took the incremental bound: upper and fallback
                         * are then the reference's plus δ, the estimate the reference's) */
    double X_rel_err;   /* relative error of the stored inputs against the meant ones */
    TS(deq_fp) fp;      /* the fixed-point problem, pointing into this struct */
    /* The incremental refresh of ρ̄ (deq_problem_update, deq_problem_set_rho_refresh_slack) */
    double rho_refresh_slack; /* τ in [0, 1); 0: every update recomputes ‖A‖₂ in full */
    TT(mat) A_ref;      /* A at the last full refresh (allocated while τ > 0) */
    int have_ref;       /* A_ref, ref_norm, ref_rho describe a full refresh with ρ̄ < 1 */
    num_norm2_t ref_norm; /* that refresh's bound on ‖A_ref‖₂ */
    double ref_rho;     /* and its ρ̄ */
    long full_refreshes, incremental_refreshes; /* updates of each kind so far */
} TS(deq_problem);
typedef TS(deq_problem) TT(deq_problem)[1];

/* Takes ownership of A (m×m), U (m×d), X (d×n), which must be initialized and
 * of consistent shapes (the caller checks and reports shapes). gamma and
 * sigma_u are decimal strings, rounded once to the working precision.
 * data_exact = 1 when A, U, X hold exactly the values meant (weights drawn in
 * double); 0 when they were rounded from decimals (relative error <= u each).
 * Computes B, its error bound, and the certified ρ̄ = L·α_A·‖A‖₂⁺. */
void TF(deq_problem_init)(TT(deq_problem) P, TT(mat) A, TT(mat) U, TT(mat) X, const char *gamma,
                          const char *sigma_u, deq_act act, int data_exact, long prec);
void TF(deq_problem_clear)(TT(deq_problem) P);
/* After P->A or P->U changed (a training step): recomputes B, its error bound
 * and the certified ρ̄; the weights are now exact as stored, the inputs keep
 * the relative error they were read with. */
void TF(deq_problem_update)(TT(deq_problem) P, long prec);
/* Lets deq_problem_update take ρ̄ from the last full refresh's bound instead of
 * recomputing ‖A‖₂ (docs/THEORY.md §3.4): with A_ref and ‖A_ref‖₂ <= n_ref
 * from that refresh and δ >= ‖A − A_ref‖_F (num_fro_dist_upper),
 * ‖A‖₂ <= n_ref + δ gives ρ̄_inc, accepted while
 *     ρ̄_inc <= ρ̄_ref + τ·(1 − ρ̄_ref)   (rounded so that 1 − ρ̄_inc >= (1 − τ)(1 − ρ̄_ref)),
 * so the factor 1/(1 − ρ̄) of every certified error bound grows by at most
 * 1/(1 − τ); otherwise (and when ρ̄_ref is not finite or >= 1) the update
 * refreshes in full and that becomes the reference. Both are certified; only
 * the tightness differs. tau = 0 (the default of deq_problem_init) is the full
 * refresh at every update, bit for bit. The first update after a call
 * refreshes in full. Costs one more m×m matrix while tau > 0. */
void TF(deq_problem_set_rho_refresh_slack)(TT(deq_problem) P, double tau, long prec);

/* x = the decimal string s rounded once to the working precision (x initialized).
 * The caller has validated the syntax (cli_is_decimal). */
void TF(deq_set_decimal)(TR x, const char *s);
