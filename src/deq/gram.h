/* Finite-width Gram (neural tangent) matrices of an actual network, docs/THEORY.md §2.2
 * (generic source deq/gram.c). With the adjoint vectors w_i (deq_adjoint_solve)
 * and g_i = α_v·D_i·w_i, D_i = diag σ′(h_i):
 *   G^A_ij = α_A²(g_iᵀg_j)(z_iᵀz_j),  G^U_ij = α_U²(g_iᵀg_j)(x_iᵀx_j),  G^v_ij = α_v²·z_iᵀz_j,
 * exact identities G = J Jᵀ for the given weights (J_i = ∂f_i/∂θ of the group). */
#ifndef DEQ_DEQ_GRAM_H
#define DEQ_DEQ_GRAM_H

#include "deq/problem.h"

#include "num/tmpl_on_d.h"
#include "deq/gram_tmpl.h"
#include "num/tmpl_off.h"
#include "num/tmpl_on_mp.h"
#include "deq/gram_tmpl.h"
#include "num/tmpl_off.h"

#endif
