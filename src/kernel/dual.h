/* Dual maps of an activation σ for a 2×2 covariance (docs/THEORY.md §2, §2.3), in
 * both backends (generic source kernel/dual.c):
 *
 *   F(q1,q2,k) = E[σ(u)σ(w)],   Ḟ(q1,q2,k) = E[σ′(u)σ′(w)],
 *   (u,w) ~ N(0, [[q1,k],[k,q2]]),   c = k/√(q1q2) ∈ [−1,1],   θ = arccos c.
 *
 * Four routes, meant to check each other:
 *   closed forms   relu (arc-cosine), erf (arcsin), sin;
 *   Hermite series F = Σ_r a_r(q1)a_r(q2)c^r with a_r(q) = E[σ(√q g)h_r(g)]
 *                  computed by an N-point Gauss–Hermite rule (r < N);
 *   2-D quadrature the N-point rule in each variable of the Cholesky factor
 *                  u = √q1·g1, w = c√q2·g1 + √(q2(1−c²))·g2;
 *   kernel_dual    the dispatcher: closed form when σ has one, else the
 *                  Hermite series (KERNEL_DUAL_AUTO), or the route asked for.
 *
 * The probabilists' Gauss–Hermite rule is for the standard normal weight:
 * Σ_i w_i p(x_i) = E[p(g)] for every polynomial of degree ≤ 2N−1, Σ w_i = 1.
 *
 * Accuracy, as measured by tests/test_kernel.c (u = 2^-prec; "scale" is
 * √(F(q1,q1,q1)F(q2,q2,q2)), which bounds |F| by Cauchy–Schwarz):
 *   closed forms: F within 3.5u·scale in double and MPFR (documented factor
 *     kernel_dual_round_factor: 64 for relu in double); Ḟ likewise, except
 *     relu near |c| = 1 where Ḟ = (π − θ)/(2π) has condition ~1/sin θ in c;
 *   erf, sin by Hermite or quad2d: rounding level once N resolves σ (double,
 *     N = 160, q ≤ 1.5: ≤ 14u; MPFR-128, N = 128, q ≤ 0.5: ≤ 8u);
 *   relu by Hermite or quad2d: only algebraic, F error ≈ 0.25/N·scale
 *     (Hermite), ≈ 0.11/N (quad2d); Ḟ by quad2d irregular O(N^-1/2..N^-1):
 *     use the closed form;
 *   tanh, sigmoid, softplus (Hermite, the default for them): error ≈
 *     C·exp(−2τ√(N/q)), τ = π/2 (tanh) or π; kernel_dual_approx_err
 *     over-estimates the true error by factors 5..1e4 (measured).
 *
 * Conventions (docs/ARCHITECTURE.md §4): outputs first, precision last; F or Fdot may be
 * NULL when not wanted; q1, q2 ≥ 0 and |k| ≤ √(q1q2) are preconditions up to
 * rounding (c is clamped to [−1,1]); when q1q2 = 0 the pair is independent
 * (c := 0). relu uses σ′(0) := 0 as deq/activation.c does, so Ḟ = 0 when
 * q1q2 = 0.
 */
#ifndef DEQ_KERNEL_DUAL_H
#define DEQ_KERNEL_DUAL_H

#include <math.h>

#include "deq/activation.h"
#include "num/mat.h"

typedef enum {
    KERNEL_DUAL_AUTO = 0, /* closed form for relu, erf, sin; Hermite series otherwise */
    KERNEL_DUAL_CLOSED,   /* closed form (relu, erf, sin only) */
    KERNEL_DUAL_HERMITE,  /* Hermite series with R = N − 1 on an N-point rule */
    KERNEL_DUAL_QUAD2D    /* 2-D Gauss–Hermite, N² points, on the Cholesky factor */
} kernel_dual_method;

static inline const char *kernel_dual_method_name(kernel_dual_method m)
{
    switch (m) {
    case KERNEL_DUAL_AUTO: return "auto";
    case KERNEL_DUAL_CLOSED: return "closed";
    case KERNEL_DUAL_HERMITE: return "hermite";
    case KERNEL_DUAL_QUAD2D: return "quad2d";
    }
    return "?";
}

/* 1 for relu, erf, sin. */
static inline int kernel_dual_has_closed_form(deq_act a)
{
    return a == DEQ_ACT_RELU || a == DEQ_ACT_ERF || a == DEQ_ACT_SIN;
}

/* Default Gauss–Hermite order N of the quadrature routes at `prec` bits:
 *
 *   N = clamp(⌈2·((prec·ln2 + 5)/π)²⌉, 32, 512)     (353 in double)
 *
 * Derivation: for σ analytic in the strip |Im t| < τ the N-point rule applied
 * to σ(√q·g) (and the Hermite series built on it) converges like
 * C·exp(−2τ√(N/q)). tanh is the slowest of the activations without a closed
 * form (poles at ±iπ/2, τ = π/2; sigmoid and softplus have τ = π), and the
 * test-measured fit for tanh is ln(error) ≈ 5 − π√(N/q) at c = 1 (the worst
 * correlation). Reaching u = 2^-prec for every q ≤ 2 then needs
 * √N ≥ √2·(prec·ln2 + 5)/π. The cap 512 bounds the cost in MPFR (a rule is
 * O(N²) per Newton sweep, a coefficient vector O(N²)): above about 80 bits
 * the non-closed-form duals are limited by the rule, not by the precision —
 * e.g. tanh at N = 512 is good to ~1e-28 at q = 1 and ~1e-14 at q = 4 —
 * and kernel_dual_approx_err / kernel_nngp_info.dual_err report that limit. */
static inline long kernel_dual_default_order(long prec)
{
    double r = ((double)prec * 0.69314718055994531 + 5.0) / 3.14159265358979324;
    double n = ceil(2.0 * r * r);
    return n < 32 ? 32 : n > 512 ? 512 : (long)n;
}

#include "num/tmpl_on_d.h"
#include "kernel/dual_tmpl.h"
#include "num/tmpl_off.h"
#include "num/tmpl_on_mp.h"
#include "kernel/dual_tmpl.h"
#include "num/tmpl_off.h"

#endif
