/* T3 linear-convergence checks for the kawaguchi2021 linear-softmax model
 * (docs/THEORY.md §9.7: T3.linear_pl, T3.linear_rate, T3.trust_region). The T3 family
 * file owns the thm_check descriptors and calls t3_kawaguchi_run. */
#ifndef DEQ_THEOREMS_LINEAR_CONVERGENCE_KAWAGUCHI_H
#define DEQ_THEOREMS_LINEAR_CONVERGENCE_KAWAGUCHI_H

#include "theorems/theorem.h"

/* Appends rows for the three checks (double, and MPFR at cfg->prec on the
 * small cases), including the two negative controls (see the .c file). */
void t3_kawaguchi_run(thm_results_t out, const thm_config *cfg, const thm_check *linear_pl,
                      const thm_check *linear_rate, const thm_check *trust_region);

#endif
