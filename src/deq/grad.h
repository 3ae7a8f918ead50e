/* Loss and implicit gradients of the equilibrium model (docs/THEORY.md §3), generic
 * source deq/grad.c:
 *   L = ½ Σ_i (f_i − y_i)²,   f_i = α_v·vᵀz_i,   r = f − y,
 *   ∇_A L = α_A Σ_i r_i g_i z_iᵀ,  ∇_U L = α_U Σ_i r_i g_i x_iᵀ,  ∇_v L = α_v Σ_i r_i z_i,
 * with the adjoint columns g_i = α_v·D_i·w_i (deq_adjoint_columns). Never an
 * explicit inverse: one adjoint fixed point per sample. */
#ifndef DEQ_DEQ_GRAD_H
#define DEQ_DEQ_GRAD_H

#include "deq/gram.h"

#include "num/tmpl_on_d.h"
#include "deq/grad_tmpl.h"
#include "num/tmpl_off.h"
#include "num/tmpl_on_mp.h"
#include "deq/grad_tmpl.h"
#include "num/tmpl_off.h"

#endif
