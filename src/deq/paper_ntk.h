/* The neural tangent kernel of the papers' models (deq/paper_model.h),
 * generic source deq/paper_ntk.c: H = J Jᵀ with J_i = ∂ŷ_i/∂θ over every
 * trained tensor, the matrix of gao2021 Lemma 3.1 (Eq. 14) and of the
 * linearized GD r ← (I − αH) r. `deqcheck reproduce` derives its step size
 * from λ_max(H(0)). */
#ifndef DEQ_DEQ_PAPER_NTK_H
#define DEQ_DEQ_PAPER_NTK_H

#include "deq/paper_model.h"

#include "num/tmpl_on_d.h"
#include "deq/paper_ntk_tmpl.h"
#include "num/tmpl_off.h"
#include "num/tmpl_on_mp.h"
#include "deq/paper_ntk_tmpl.h"
#include "num/tmpl_off.h"

#endif
