/* An equilibrium problem assembled from its data: weights A, U, inputs X and
 * the scales γ, σ_u given as decimal strings (generic source deq/problem.c).
 * It owns its matrices and knows how far each computed quantity may be from
 * the exact one the user meant, which is what the certificate needs. */
#ifndef DEQ_DEQ_PROBLEM_H
#define DEQ_DEQ_PROBLEM_H

#include "core/status.h"
#include "deq/forward.h"

#include "num/tmpl_on_d.h"
#include "deq/problem_tmpl.h"
#include "num/tmpl_off.h"
#include "num/tmpl_on_mp.h"
#include "deq/problem_tmpl.h"
#include "num/tmpl_off.h"

#endif
