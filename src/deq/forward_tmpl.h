/* Generic forward-solver API; instantiated by deq/forward.h. No include guard. */

/* The fixed-point problem, with what is known about how its data differ from
 * the exact problem the user meant (all relative errors are bounds, >= 0). */
typedef struct {
    const TS(mat) *A;      /* m×m */
    TRC alpha;             /* α_A as computed */
    const TS(mat) *B;      /* m×n injection as computed */
    deq_act act;
    double alpha_rel_err;  /* |α − α̂| <= alpha_rel_err·α̂ */
    double A_rel_err;      /* |A − Â| <= A_rel_err·|Â| entrywise (0: A exact) */
    const mat_d_struct *B_err; /* |B − B̂| <= B_err·2^B_err_exp entrywise; NULL: B exact */
    double rho_upper;      /* certified Lipschitz bound of the exact Φ; +inf if unknown */
    long B_err_exp;        /* 0 unless the bound is outside double's normal range */
} TS(deq_fp);

/* A solver workspace (GSL style): the m×n iterates, differences and
 * certificate scratch of the solvers, sized by the first solve that uses it
 * and re-sized only when a solve's shape or precision differs. One workspace
 * serves one solve at a time (the forward and adjoint solves of a training
 * step share one); give it through deq_solve_opts (ws_d or ws_mp). The
 * solvers swap buffers with the caller's iterate, so a matrix handed to a
 * solver must own its block (as every mat_init'ed one does). */
typedef struct TF(deq_solve_ws) {
    TS(mat) **w;         /* working-type buffers, by slot (each at a fixed address) */
    mat_d_struct **dbl;  /* double buffers (the certificates' scaled matrices), by slot */
    int w_count, dbl_count;
} TS(deq_solve_ws);
typedef TS(deq_solve_ws) TT(deq_solve_ws)[1];

void TF(deq_solve_ws_init)(TT(deq_solve_ws) ws);
void TF(deq_solve_ws_clear)(TT(deq_solve_ws) ws);

/* For code that runs around a solve (deq/grad.c, deq/gram.c): an m×n buffer
 * from slot caller_slot (0 <= caller_slot < DEQ_SOLVE_WS_CALLER_SLOTS, slots the
 * solvers never use) of o's workspace, shaped rows×cols, or without a
 * workspace `local`, initialized. Its contents are unspecified. Give it back
 * with deq_solve_ws_release (which clears `local` if that was used). */
TS(mat) *TF(deq_solve_ws_take)(const deq_solve_opts *o, int caller_slot, TS(mat) *local,
                               long rows, long cols, long prec);
void TF(deq_solve_ws_release)(TS(mat) *M, TS(mat) *local);

/* B = α_U·U·X and, when B_err is not NULL (initialized m×n), an entrywise bound
 * B_err·2^(*B_err_exp) on |B − B̂| for the exact α_U, U, X given the relative
 * errors of α̂_U, Û, X̂ (*B_err_exp = 0 when the bound's largest entry is in
 * double's normal range; otherwise the entries are scaled by a power of two). */
void TF(deq_injection)(TT(mat) B, mat_d_t B_err, long *B_err_exp, TRC alpha_U, double alpha_U_rel_err,
                       const TT(mat) U, double U_rel_err, const TT(mat) X, double X_rel_err,
                       long prec);

/* Certified ρ̄ >= L·α·‖A‖₂ for the exact α and A (rounded up); the norm bound
 * used is returned in nrm when not NULL. */
double TF(deq_contraction_upper)(num_norm2_t nrm, const TT(mat) A, TRC alpha,
                                 double alpha_rel_err, double A_rel_err, deq_act act, long prec);
/* The same ρ̄ from a given upper bound normA on ‖A‖₂ (of the exact A), each step
 * rounded up: L·|α̂|(1 + ε_α)·normA. */
double TF(deq_contraction_from_norm)(double normA, TRC alpha, double alpha_rel_err, deq_act act);

/* OUT = Φ(Z) = σ(α·A·Z + B); H (m×n) receives the pre-activation. OUT may not alias Z. */
void TF(deq_phi)(TT(mat) OUT, TT(mat) H, const TS(deq_fp) *fp, const TT(mat) Z, long prec);
/* As deq_phi, and D (m×n, or NULL) receives σ′ at the pre-activation. */
void TF(deq_phi_deriv)(TT(mat) OUT, TT(mat) D, TT(mat) H, const TS(deq_fp) *fp, const TT(mat) Z,
                       long prec);

/* Z holds the initial guess (zeros are fine) and receives the solution. */
void TF(deq_forward_picard)(TT(mat) Z, deq_solve_info_t info, const TS(deq_fp) *fp,
                            const deq_solve_opts *o, long prec);
void TF(deq_forward_anderson)(TT(mat) Z, deq_solve_info_t info, const TS(deq_fp) *fp,
                              const deq_solve_opts *o, long prec);
/* The solver of o->solver, followed in MPFR (when o->newton) by Newton polishing. */
void TF(deq_forward_solve)(TT(mat) Z, deq_solve_info_t info, const TS(deq_fp) *fp,
                           const deq_solve_opts *o, long prec);

/* The relative tolerance used when o->tol is 0: 2·√m·u, a small multiple of
 * the typical rounding of one evaluation of Φ at unit roundoff u = 2^-prec. */
double TF(deq_forward_auto_tol)(long m, long prec);

/* Fills info's residual and error-bound fields from the last iterate Zk and
 * PHI = Φ̂(Zk) (the returned solution). */
void TF(deq_forward_certify)(deq_solve_info_t info, const TT(mat) Zk, const TT(mat) PHI,
                             const TS(deq_fp) *fp, long prec);

/* The adjoint fixed point of docs/THEORY.md §2.2/§3, one column per sample:
 *   W = V + α·Aᵀ(D ⊙ W),   D = σ′(H) at the equilibria (m×n),
 * V m×1 (the same v for every sample) or m×n. Its Lipschitz constant is at most
 * α‖A‖₂·max|D| <= L·α‖A‖₂, so the forward problem's certified ρ̄ serves
 * (rho_upper). The error bound of a solve is for the problem as stored
 * (A, α, D, V exactly as given): rounding of the evaluation only. */
typedef struct {
    const TS(mat) *A;
    TRC alpha;
    const TS(mat) *D;
    const TS(mat) *V;
    double rho_upper;
} TS(deq_adj);

/* W holds the initial guess (zeros, or the previous step's W) and receives the
 * solution; o->solver picks Picard or Anderson (o->newton is ignored). */
void TF(deq_adjoint_solve)(TT(mat) W, deq_solve_info_t info, const TS(deq_adj) *adj,
                           const deq_solve_opts *o, long prec);
