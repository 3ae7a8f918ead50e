/* Equilibrium solvers for all samples at once (docs/THEORY.md §3):
 *
 *   Z = Φ(Z) := σ(α·A·Z + B),  A m×m,  B = α_U·U·X m×n,  one column per sample.
 *
 * Picard and Anderson in both backends (generic source deq/forward.c), Newton
 * polishing in MPFR (deq/newton_mp.c). Every solve ends with one evaluation
 * Φ̂(z_k) at its last iterate z_k and returns Z = Φ̂(z_k); when ρ̄ < 1 is
 * certified it bounds, rigorously and per sample,
 *
 *   ‖Φ̂(z_k) − z*‖ <= (ρ̄·s + e) / (1 − ρ̄),   s = ‖Φ̂(z_k) − z_k‖,
 *
 * where z* is the exact equilibrium of the problem the user meant (exact γ,
 * exact decimals in the files) and e bounds the rounding of one evaluation
 * (see deq_forward_certify in forward.c). */
#ifndef DEQ_DEQ_FORWARD_H
#define DEQ_DEQ_FORWARD_H

#include "deq/activation.h"
#include "deq/solve_info.h"
#include "num/mat.h"
#include "num/norm_bound.h"

#include "num/tmpl_on_d.h"
#include "deq/forward_tmpl.h"
#include "num/tmpl_off.h"
#include "num/tmpl_on_mp.h"
#include "deq/forward_tmpl.h"
#include "num/tmpl_off.h"

/* Newton polishing (MPFR only): Newton steps on F(Z) = Z − Φ(Z), each linear
 * system J δ = −F solved per sample to working precision by iterative
 * refinement preconditioned with a double LU of J. Stops at residual
 * <= target_rel·max‖z‖, when a step fails to reduce the residual, or after
 * o->newton_max steps. Appends each step's residual to info->trace. Returns
 * the number of steps taken. */
long deq_forward_newton_mp(mat_mp_t Z, deq_solve_info_t info, const deq_fp_mp_struct *fp,
                           const deq_solve_opts *o, double target_rel, long prec);
/* The same with the target and the stagnation floor (info->tol_floor above)
 * carrying a long exponent: at more than ~1074 bits the derived tolerance
 * 2√m·2^-prec is below double's range. */
long deq_forward_newton_x_mp(mat_mp_t Z, deq_solve_info_t info, const deq_fp_mp_struct *fp,
                             const deq_solve_opts *o, num_xreal target_rel, num_xreal floor,
                             long prec);

#endif
