/* Generic training API; instantiated by deq/train.h. No include guard. */

/* Trains P's A and U in place (and v, m×1) toward y (n×1) with α_v, recording
 * every step (k = 0..K) in log. so: the solver options (forward and adjoint). */
void TF(deq_train)(deq_train_log_t log, TT(deq_problem) P, TT(mat) v, const TT(mat) y,
                   TRC alpha_v, const deq_train_opts *to, const deq_solve_opts *so, long prec);
/* The same, also judging divergence and ρ̄ >= 1 (see deq_train_checks); chk
 * NULL is deq_train. */
void TF(deq_train_checked)(deq_train_log_t log, TT(deq_problem) P, TT(mat) v, const TT(mat) y,
                           TRC alpha_v, const deq_train_opts *to, const deq_train_checks *chk,
                           const deq_solve_opts *so, long prec);
