/* Generic API of the papers' models; instantiated by deq/paper_model.h. No
 * include guard. */

typedef struct {
    deq_paper_kind kind;
    long m, d;
    TT(mat) w[DEQ_PAPER_SLOTS]; /* T, In, u, v (see deq/paper_model.h) */
    TRS scale_T[1];             /* gao2021: γ/√m; ling2022: 1 */
    TRS inv_sqrt_m[1];          /* gao2021's 1/√m of φ */
} TS(deq_paper);
typedef TS(deq_paper) TT(deq_paper)[1];

/* Zero tensors of the kind's shapes; gamma (a decimal string) is used by
 * gao2021 only (γ, then γ/√m rounded once each). */
void TF(deq_paper_init)(TT(deq_paper) P, deq_paper_kind kind, long m, long d, const char *gamma,
                        long prec);
void TF(deq_paper_clear)(TT(deq_paper) P);
/* P's tensors = T[k] (exact at 53 bits and more); shapes must agree. */
void TF(deq_paper_set_d)(TT(deq_paper) P, mat_d_t T[DEQ_PAPER_SLOTS]);
void TF(deq_paper_get_d)(mat_d_t T[DEQ_PAPER_SLOTS], const TT(deq_paper) P);

/* Everything one forward and one backward pass leave behind for n samples. */
typedef struct {
    long n;
    TT(mat) pre;   /* gao2021: W X (m×n, for E_i = diag(σ'(W x_i))); ling2022: unused */
    TT(mat) inj;   /* the injections b_i (m×n): gao φ_i, ling U x_i */
    TT(mat) Z;     /* the equilibria (m×n); kept as the next solve's warm start */
    TT(mat) H;     /* B z_i + b_i at the equilibrium (m×n), for D_i */
    TT(mat) yhat;  /* n×1 */
    TT(mat) r;     /* ŷ − y (n×1) */
    TT(mat) Gad;   /* g_i = D_i w_i with w_i = u + Bᵀ D_i w_i (m×n), the adjoints */
    TT(mat) D;     /* σ'(H) as 0/1 with the paper's convention at 0 (m×n) */
    TT(mat) Wadj;  /* the adjoints w_i (m×n); kept as the next solve's warm start */
    int have_Z;    /* Z holds a previous equilibrium */
    int have_W;    /* Wadj holds previous adjoints */
    long fwd_iters, adj_iters;
    double rho_upper;    /* certified ‖B‖₂ upper bound (the contraction factor: ReLU is 1-Lipschitz) */
    double rho_estimate; /* its estimate: the operator norm the papers plot */
    double fwd_bound;    /* the solver's rigorous bound on max_i ‖z_i − z_i*‖ (deq/forward.h;
                          * for the injections as computed), +inf when ρ̄ < 1 is not certified */
    TT(deq_solve_ws) ws; /* the solvers' buffers, kept from one step's solves to the next */
    deq_solver solver;   /* the forward and adjoint solves' (default: Anderson) */
    int solver_auto;     /* 1: the forward pass sets solver by deq_solver_by_contraction at ρ̄ */
} TS(deq_paper_state);
typedef TS(deq_paper_state) TT(deq_paper_state)[1];

void TF(deq_paper_state_init)(TT(deq_paper_state) S, const TT(deq_paper) P, long n, long prec);
void TF(deq_paper_state_clear)(TT(deq_paper_state) S);

/* Forward pass on X (d×n) and targets y (n×1): ρ̄, the solve of the
 * equilibria by S->solver (Newton polishing in MPFR) (warm-started from S->Z when S->have_Z), ŷ, r = ŷ − y and
 * loss = ½‖r‖². Returns 1, or 0 when the solve did not reach its tolerance
 * within its budget (a numeric outcome; the state is still filled). */
int TF(deq_paper_forward)(TR loss, TT(deq_paper_state) S, const TT(deq_paper) P,
                                 const TT(mat) X, const TT(mat) y, long prec);
/* Gradients of L for every slot after deq_paper_forward, into grad (a
 * deq_paper of P's kind and shapes): one adjoint fixed point per sample
 * (never an inverse). Returns 1, or 0 when the adjoint did not converge. */
int TF(deq_paper_grad)(TT(deq_paper) grad, TT(deq_paper_state) S, const TT(deq_paper) P,
                              const TT(mat) X, long prec);
/* The papers' Gram matrix after a forward pass, rounded to double (n×n,
 * initialized by the caller): gao2021 G = Φ Φᵀ (rows φ_i: already 1/m through
 * φ), ling2022 G = ZᵀZ (unnormalized). */
void TF(deq_paper_gram)(mat_d_t Gm, const TT(deq_paper_state) S, const TT(deq_paper) P, long prec);

/* Full-batch GD from P's current weights on (X, y), logging every step;
 * P holds the trained weights at the end. Stops at a failed solve or a
 * non-finite loss; at ρ̄ >= 1 or divergence (loss above max(L(0), ½‖y‖²)
 * beyond its rounding) unless opts->keep_going. */
void TF(deq_paper_train)(deq_paper_log_t log, TT(deq_paper) P, const TT(mat) X, const TT(mat) y,
                         const deq_paper_train_opts *opts, long prec);

/* The same loop one step at a time, for callers that act between steps
 * (`deqcheck reproduce`: a test loss, checkpoints, progress). The trainer
 * owns the solver state S, whose equilibria and adjoints warm-start the next
 * step's solves: a run stopped and resumed continues bit-identically only
 * when S->Z and S->Wadj are restored with the weights (deq_paper_trainer_resume). */
typedef struct {
    TT(deq_paper_state) S;
    TT(deq_paper) g;           /* the gradients */
    TRS step[1];               /* −lr */
    long k;                    /* the next step's index */
    double slack;              /* γ_{m+n+2}: the loss's rounding */
    double half_y2;            /* ½‖y‖² */
    double threshold;          /* the divergence threshold, set at step 0 */
    int finished;              /* the last step is logged, or the run stopped */
} TS(deq_paper_trainer);
typedef TS(deq_paper_trainer) TT(deq_paper_trainer)[1];

void TF(deq_paper_trainer_init)(TT(deq_paper_trainer) T, const TT(deq_paper) P, const TT(mat) X,
                                const TT(mat) y, const deq_paper_train_opts *opts, long prec);
void TF(deq_paper_trainer_clear)(TT(deq_paper_trainer) T);
/* Logs step T->k (the state before its update), then updates P unless it was
 * the last step or the run stopped. Returns 0 once T->finished. */
int TF(deq_paper_trainer_step)(deq_paper_log_t log, TT(deq_paper_trainer) T, TT(deq_paper) P,
                               const TT(mat) X, const TT(mat) y, const deq_paper_train_opts *opts,
                               long prec);
/* Continues a run whose steps 0..k−1 are in log: the next step is k, the
 * divergence threshold comes from the logged L(0), and the warm starts are
 * Z, Wadj (m×n, the state the interrupted run had after step k−1). */
void TF(deq_paper_trainer_resume)(TT(deq_paper_trainer) T, const deq_paper_log_t log,
                                  const mat_d_t Z, const mat_d_t Wadj);
