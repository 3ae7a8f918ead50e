/* Generic problem API; instantiated by deq/problem.h. No include guard. */

typedef struct {
    long m, d, n;
    TT(mat) A, U, X, B;
    mat_d_t B_err;
    long B_err_exp;     /* |B − B̂| <= B_err·2^B_err_exp */
    /* α_A = γ/√m, α_U = σ_u at working precision; relative errors bounded */
    TRS alpha_A[1], alpha_U[1];
    num_norm2_t normA;  /* the certified ‖A‖₂ bound behind ρ̄ */
    double X_rel_err;   /* relative error of the stored inputs against the meant ones */
    TS(deq_fp) fp;      /* the fixed-point problem, pointing into this struct */
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

/* x = the decimal string s rounded once to the working precision (x initialized).
 * The caller has validated the syntax (cli_is_decimal). */
void TF(deq_set_decimal)(TR x, const char *s);
