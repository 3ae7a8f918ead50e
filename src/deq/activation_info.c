/* Backend-free facts about the activations. */
#include <math.h>
#include <mpfr.h>
#include <string.h>

#include "deq/activation.h"

static const char *const act_names[DEQ_ACT_COUNT] = {"relu", "erf", "sin", "tanh", "sigmoid",
                                                     "softplus"};

const char *deq_act_name(deq_act a)
{
    return a >= 0 && a < DEQ_ACT_COUNT ? act_names[a] : "?";
}

int deq_act_parse(deq_act *a, const char *name)
{
    for (int k = 0; k < DEQ_ACT_COUNT; k++)
        if (strcmp(name, act_names[k]) == 0) {
            *a = (deq_act)k;
            return 0;
        }
    return -1;
}

const char *deq_act_list(void)
{
    return "relu, erf, sin, tanh, sigmoid, softplus";
}

double deq_act_lipschitz_upper(deq_act a)
{
    switch (a) {
    case DEQ_ACT_ERF: { /* sup erf′ = erf′(0) = 2/√π, rounded up */
        mpfr_t x;
        mpfr_init2(x, 64);
        mpfr_const_pi(x, MPFR_RNDD);
        mpfr_rec_sqrt(x, x, MPFR_RNDU);
        mpfr_mul_2ui(x, x, 1, MPFR_RNDU);
        double r = mpfr_get_d(x, MPFR_RNDU);
        mpfr_clear(x);
        return r;
    }
    case DEQ_ACT_SIGMOID: /* σ′ = σ(1 − σ) <= 1/4 */
        return 0.25;
    default: /* relu, sin, tanh, softplus: sup |σ′| = 1 */
        return 1.0;
    }
}

/* Error of one evaluation of σ, relative to the computed value, in units of u.
 *   relu: exact.
 *   MPFR: every elementary function is correctly rounded (<= u relative); the
 *     longest chain is sigmoid/softplus: exp, 1 + e, then a division or log1p
 *     and an addition. The error of e propagates with factor e/(1+e) <= 1, so
 *     each of the <= 4 steps adds at most u (first order); 8 covers the
 *     second-order terms for any u <= 2^-24.
 *   double: glibc documents at most 2 ulp (= 4u) for exp, log1p, erf, sin, tanh
 *     on x86_64; through the same chain of <= 4 steps that stays below 16u.
 * Softplus for t >= 0 adds t to log1p(e) >= 0: both are nonnegative, so the
 * relative bound carries over. */
double deq_act_eval_error_factor(deq_act a, int is_mpfr)
{
    if (a == DEQ_ACT_RELU)
        return 0.0;
    return is_mpfr ? 8.0 : 16.0;
}
