/* Activations for the certificates: σ on balls, enclosures of σ′ over an
 * interval of pre-activations, and plain double evaluations for the solver. */
#include <math.h>

#include <arb_hypgeom.h>

#include "verify/verify_impl.h"

void verify_act_lipschitz(arb_t L, deq_act act, long prec)
{
    switch (act) {
    case DEQ_ACT_ERF: /* sup erf′ = erf′(0) = 2/√π */
        arb_const_sqrt_pi(L, prec);
        arb_inv(L, L, prec);
        arb_mul_2exp_si(L, L, 1);
        break;
    case DEQ_ACT_SIGMOID: /* σ′ = σ(1 − σ) <= 1/4 */
        arb_set_si(L, 1);
        arb_mul_2exp_si(L, L, -2);
        break;
    default: /* relu, tanh, sin, softplus */
        arb_one(L);
    }
}

int verify_act_monotone(deq_act act)
{
    return act != DEQ_ACT_SIN;
}

/* softplus(t) = log(1 + e^t), written so that no exponential of a large
 * positive number is formed: t + log1p(e^−t) for t > 0. */
static void softplus_arb(arb_t s, const arb_t t, long prec)
{
    arb_t e;
    arb_init(e);
    if (arb_is_positive(t)) {
        arb_neg(e, t);
        arb_exp(e, e, prec);
        arb_log1p(e, e, prec);
        arb_add(s, t, e, prec);
    } else {
        arb_exp(e, t, prec);
        arb_log1p(s, e, prec);
    }
    arb_clear(e);
}

/* sigmoid(t) = 1/(1 + e^−t) = (1 + tanh(t/2))/2: tanh keeps everything in
 * [−1, 1], whatever the size of t. */
static void sigmoid_arb(arb_t s, const arb_t t, long prec)
{
    arb_mul_2exp_si(s, t, -1);
    arb_tanh(s, s, prec);
    arb_add_ui(s, s, 1, prec);
    arb_mul_2exp_si(s, s, -1);
}

void verify_act_arb(arb_t s, const arb_t t, deq_act act, long prec)
{
    switch (act) {
    case DEQ_ACT_RELU:
        arb_nonnegative_part(s, t);
        break;
    case DEQ_ACT_ERF:
        arb_hypgeom_erf(s, t, prec);
        break;
    case DEQ_ACT_SIN:
        arb_sin(s, t, prec);
        break;
    case DEQ_ACT_TANH:
        arb_tanh(s, t, prec);
        break;
    case DEQ_ACT_SIGMOID:
        sigmoid_arb(s, t, prec);
        break;
    default:
        softplus_arb(s, t, prec);
    }
}

/* σ′ at a point ball (for the even activations' derivatives, which decrease
 * in |t|): tanh′ = sech², sigmoid′ = sech²(t/2)/4, erf′ = (2/√π)e^(−t²). */
static void even_deriv(arb_t ds, const arb_t t, deq_act act, long prec)
{
    switch (act) {
    case DEQ_ACT_TANH:
        arb_sech(ds, t, prec);
        arb_sqr(ds, ds, prec);
        break;
    case DEQ_ACT_SIGMOID:
        arb_mul_2exp_si(ds, t, -1);
        arb_sech(ds, ds, prec);
        arb_sqr(ds, ds, prec);
        arb_mul_2exp_si(ds, ds, -2);
        break;
    default: { /* erf */
        arb_t k;
        arb_init(k);
        arb_sqr(ds, t, prec);
        arb_neg(ds, ds);
        arb_exp(ds, ds, prec);
        verify_act_lipschitz(k, DEQ_ACT_ERF, prec);
        arb_mul(ds, ds, k, prec);
        arb_clear(k);
    }
    }
}

int verify_act_deriv_range(arb_t ds, const arb_t h, deq_act act, long prec)
{
    int kink = 0;
    switch (act) {
    case DEQ_ACT_RELU:
        /* the difference quotients of relu over an interval lie in [0, 1]; they
         * are exactly 1 (0) on a positive (negative) interval */
        if (arb_is_positive(h))
            arb_one(ds);
        else if (arb_is_negative(h))
            arb_zero(ds);
        else {
            arb_set_d(ds, 0.5);
            mag_set_d(arb_radref(ds), 0.5);
            kink = 1;
        }
        break;
    case DEQ_ACT_SIN:
        arb_cos(ds, h, prec); /* Arb encloses cos over the whole ball */
        break;
    case DEQ_ACT_SOFTPLUS: { /* σ′ = sigmoid, increasing: its values at the ends */
        arf_t lo, hi;
        arb_t a, bb;
        arf_init(lo), arf_init(hi), arb_init(a), arb_init(bb);
        arb_get_lbound_arf(lo, h, prec);
        arb_get_ubound_arf(hi, h, prec);
        arb_set_arf(a, lo);
        arb_set_arf(bb, hi);
        sigmoid_arb(a, a, prec);
        sigmoid_arb(bb, bb, prec);
        arb_union(ds, a, bb, prec);
        arf_clear(lo), arf_clear(hi), arb_clear(a), arb_clear(bb);
        break;
    }
    default: { /* tanh, sigmoid, erf: σ′ even and decreasing in |t| */
        arf_t lo, hi;
        arb_t a, bb;
        arf_init(lo), arf_init(hi), arb_init(a), arb_init(bb);
        arb_get_abs_lbound_arf(lo, h, prec);
        arb_get_abs_ubound_arf(hi, h, prec);
        arb_set_arf(a, lo);
        arb_set_arf(bb, hi);
        even_deriv(a, a, act, prec);  /* the largest σ′ */
        even_deriv(bb, bb, act, prec); /* the smallest */
        arb_union(ds, a, bb, prec);
        arf_clear(lo), arf_clear(hi), arb_clear(a), arb_clear(bb);
    }
    }
    /* A non-finite enclosure (an argument beyond Arb's reach) falls back on
     * the slope range the activation has everywhere. */
    if (!arb_is_finite(ds)) {
        arb_t L;
        arb_init(L);
        verify_act_lipschitz(L, act, prec);
        if (verify_act_monotone(act)) { /* [0, L] */
            arb_mul_2exp_si(ds, L, -1);
            arb_add_error(ds, ds);
        } else { /* sin: [−1, 1] */
            arb_zero(ds);
            arb_add_error(ds, L);
        }
        arb_clear(L);
    }
    return kink;
}

double verify_act_d(double t, deq_act act)
{
    switch (act) {
    case DEQ_ACT_RELU:
        return t > 0 ? t : 0.0;
    case DEQ_ACT_ERF:
        return erf(t);
    case DEQ_ACT_SIN:
        return sin(t);
    case DEQ_ACT_TANH:
        return tanh(t);
    case DEQ_ACT_SIGMOID:
        return 0.5 * (1.0 + tanh(0.5 * t));
    default:
        return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t));
    }
}

double verify_act_deriv_d(double t, deq_act act)
{
    switch (act) {
    case DEQ_ACT_RELU: /* at the kink, the middle of the slopes [0, 1] */
        return t > 0 ? 1.0 : t < 0 ? 0.0 : 0.5;
    case DEQ_ACT_ERF:
        return 2.0 / sqrt(M_PI) * exp(-t * t);
    case DEQ_ACT_SIN:
        return cos(t);
    case DEQ_ACT_TANH: {
        double c = cosh(t);
        return isfinite(c) ? 1.0 / (c * c) : 0.0;
    }
    case DEQ_ACT_SIGMOID: {
        double c = cosh(0.5 * t);
        return isfinite(c) ? 0.25 / (c * c) : 0.0;
    }
    default:
        return 0.5 * (1.0 + tanh(0.5 * t));
    }
}

double verify_mag_get_d_up(const mag_t x)
{
    if (mag_is_inf(x))
        return INFINITY;
    /* mag_get_d rounds up but overflows past double's range: cap first */
    mag_t big;
    mag_init(big);
    mag_set_d(big, 0x1.fffffffffffffp+1023);
    double r = mag_cmp(x, big) > 0 ? INFINITY : mag_get_d(x);
    mag_clear(big);
    return r;
}

double verify_arb_get_d_up(const arb_t x)
{
    if (!arb_is_finite(x))
        return INFINITY;
    arf_t u;
    arf_init(u);
    arb_get_ubound_arf(u, x, 53);
    double r = arf_get_d(u, ARF_RND_CEIL);
    arf_clear(u);
    return r;
}

double verify_arb_get_d_down(const arb_t x)
{
    if (!arb_is_finite(x))
        return -INFINITY;
    arf_t l;
    arf_init(l);
    arb_get_lbound_arf(l, x, 53);
    double r = arf_get_d(l, ARF_RND_FLOOR);
    arf_clear(l);
    return r;
}
