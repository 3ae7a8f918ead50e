/* Activations, written once for both backends. Each formula is chosen to be
 * stable for every t (no overflow of exp, no cancellation in 1 - σ), and the
 * same formula is used in double and MPFR so the two differ by rounding only. */
#include "num/generic.h"

#include "deq/activation.h"
#include "core/vectorize.h"

typedef struct {
    real_t a, b;
} act_tmp;

static void act_eval_with(real_ptr s, real_ptr ds, real_srcptr t, deq_act act, act_tmp *w)
{
    switch (act) {
    case DEQ_ACT_RELU:
        /* σ′(0) := 0: a subgradient; the equilibrium almost surely avoids 0.
         * NaN must propagate (its sign test is false), or bad data would vanish. */
        if (re_is_nan(t)) {
            re_set(s, t);
            if (ds)
                re_set(ds, t);
        } else if (re_sgn(t) > 0) {
            re_set(s, t);
            if (ds)
                re_set_si(ds, 1);
        } else {
            re_set_zero(s);
            if (ds)
                re_set_zero(ds);
        }
        break;
    case DEQ_ACT_ERF:
        if (ds) { /* 2/√π · exp(−t²) */
            re_sqr(w->a, t);
            re_neg(w->a, w->a);
            re_exp(w->a, w->a);
            re_const_pi(w->b);
            re_sqrt(w->b, w->b);
            re_div(ds, w->a, w->b);
            re_mul_2si(ds, ds, 1);
        }
        re_erf(s, t);
        break;
    case DEQ_ACT_SIN:
        if (ds)
            re_cos(ds, t);
        re_sin(s, t);
        break;
    case DEQ_ACT_TANH:
        re_tanh(s, t);
        if (ds) { /* 1 − tanh² = (1 − tanh)(1 + tanh): no cancellation near |t| → 0 */
            re_d_sub(w->a, 1.0, s);
            re_add_d(w->b, s, 1.0);
            re_mul(ds, w->a, w->b);
        }
        break;
    case DEQ_ACT_SIGMOID:
    case DEQ_ACT_SOFTPLUS: {
        /* With e = exp(−|t|) ∈ (0, 1]: sigmoid = 1/(1+e) for t ≥ 0, e/(1+e) for t < 0;
         * softplus = max(t, 0) + log1p(e). Neither form overflows. */
        int neg = re_sgn(t) < 0;
        re_abs(w->a, t);
        re_neg(w->a, w->a);
        re_exp(w->a, w->a);      /* e */
        re_add_d(w->b, w->a, 1.0); /* 1 + e */
        if (act == DEQ_ACT_SIGMOID || ds) {
            real_ptr sig = act == DEQ_ACT_SIGMOID ? s : ds;
            if (neg)
                re_div(sig, w->a, w->b);
            else {
                re_set_si(sig, 1);
                re_div(sig, sig, w->b);
            }
            if (act == DEQ_ACT_SIGMOID && ds) {
                /* σ(1 − σ) = e/(1+e)²: symmetric in t, no cancellation */
                re_sqr(w->b, w->b);
                re_div(ds, w->a, w->b);
            }
        }
        if (act == DEQ_ACT_SOFTPLUS) {
            re_log1p(w->a, w->a);
            if (neg)
                re_set(s, w->a);
            else
                re_add(s, t, w->a);
        }
        break;
    }
    default:
        DEQ_REQUIRE(0 && "unknown activation");
    }
}

void G(deq_act_eval)(real_ptr s, real_ptr ds, real_srcptr t, deq_act a, long prec)
{
    act_tmp w;
    re_init(w.a, prec);
    re_init(w.b, prec);
    act_eval_with(s, ds, t, a, &w);
    re_clear(w.a);
    re_clear(w.b);
}

#ifndef DEQ_MPFR
/* s = relu(h) on count entries (s may be h), branch-free so that it
 * vectorizes (SSE2, or AVX2 where the CPU has it): a comparison and a
 * selection per entry, the same at any width (NaN > 0 and NaN <= 0 are both
 * false: NaN stays). */
DEQ_VECTORIZED_LOOP
static void relu_d(double *s, const double *h, size_t count)
{
    for (size_t k = 0; k < count; k++)
        s[k] = h[k] <= 0.0 ? 0.0 : h[k];
}
#endif

void G(deq_act_apply)(mat_t S, mat_t D, const mat_t H, deq_act a, long prec)
{
    DEQ_REQUIRE(S->rows == H->rows && S->cols == H->cols);
    DEQ_REQUIRE(!D || (D->rows == H->rows && D->cols == H->cols && D->e != H->e && D->e != S->e));
    act_tmp w;
    re_init(w.a, prec);
    re_init(w.b, prec);
    /* S may alias H: every branch of act_eval_with reads t before writing σ(t). */
    size_t count = (size_t)H->rows * (size_t)H->cols;
#ifndef DEQ_MPFR
    if (a == DEQ_ACT_RELU && !D) {
        relu_d(S->e, H->e, count); /* the forward solver's hot loop */
        count = 0;
    }
#endif
    for (size_t k = 0; k < count; k++)
        act_eval_with(S->e + k, D ? D->e + k : NULL, H->e + k, a, &w);
    re_clear(w.a);
    re_clear(w.b);
}
