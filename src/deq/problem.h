/* An equilibrium problem assembled from its data: weights A, U, inputs X and
 * the scales γ, σ_u given as decimal strings (generic source deq/problem.c).
 * It owns its matrices and knows how far each computed quantity may be from
 * the exact one the user meant, which is what the certificate needs. */
#ifndef DEQ_DEQ_PROBLEM_H
#define DEQ_DEQ_PROBLEM_H

#include "core/status.h"
#include "deq/forward.h"

/* The slack τ `deqcheck train` and the bench give deq_problem_set_rho_refresh_slack
 * by default (derived, not a paper's constant: it lets every certified error
 * bound's factor 1/(1 − ρ̄) grow by at most 1/(1 − τ) = 64/63, under 1.6 %,
 * while GD steps that each raise the incremental ρ̄ by ~2.5e-4, as in the bench's
 * gao2021 run at m = 1024 with ρ̄ ≈ 0.4, take a full refresh once in ~37 steps). */
#define DEQ_RHO_REFRESH_SLACK_DEFAULT (1.0 / 64.0)

#include "num/tmpl_on_d.h"
#include "deq/problem_tmpl.h"
#include "num/tmpl_off.h"
#include "num/tmpl_on_mp.h"
#include "deq/problem_tmpl.h"
#include "num/tmpl_off.h"

#endif
