/* Activations σ with σ′ and a Lipschitz constant L = sup|σ′|, with identical
 * definitions in both backends (generic source deq/activation.c). */
#ifndef DEQ_DEQ_ACTIVATION_H
#define DEQ_DEQ_ACTIVATION_H

#include "num/mat.h"

typedef enum {
    DEQ_ACT_RELU = 0,
    DEQ_ACT_ERF,
    DEQ_ACT_SIN,
    DEQ_ACT_TANH,
    DEQ_ACT_SIGMOID,
    DEQ_ACT_SOFTPLUS,
    DEQ_ACT_COUNT
} deq_act;

const char *deq_act_name(deq_act a);
/* 0 on success; -1 if `name` is not an activation. */
int deq_act_parse(deq_act *a, const char *name);
/* Comma-separated list of names, for messages and --help. */
const char *deq_act_list(void);
/* Guaranteed upper bound on L = sup_t |σ′(t)| (2/√π for erf, rounded up). */
double deq_act_lipschitz_upper(deq_act a);
/* c such that |computed σ(t) − σ(t)| <= c·u·|computed σ(t)| for every t at
 * unit roundoff u = 2^-prec, for our evaluation of σ in that backend. See
 * activation_info.c for the derivation. */
double deq_act_eval_error_factor(deq_act a, int is_mpfr);

#include "num/tmpl_on_d.h"
#include "deq/activation_tmpl.h"
#include "num/tmpl_off.h"
#include "num/tmpl_on_mp.h"
#include "deq/activation_tmpl.h"
#include "num/tmpl_off.h"

#endif
