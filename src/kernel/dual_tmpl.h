/* Generic dual-map API; instantiated by kernel/dual.h. No include guard. */

/* ---- Gauss–Hermite rule for the standard normal weight ---- */

/* N nodes and weights, computed once and reused (Arb-style object).
 * x, w, sw are N×1 (nodes ascending, weights, √weights); sq, isq are (N+1)×1
 * with sq[r] = √r and isq[r] = 1/√r (isq[0] = 0), the constants of the
 * normalized recurrence h_{r+1} = (t·h_r − √r·h_{r−1})/√(r+1). */
typedef struct {
    long order;
    long prec;
    TT(mat) x, w, sw, sq, isq;
    int ok;              /* every node converged, nodes strictly increasing, Σw = 1 within N·u */
    long newton_steps;   /* largest number of working-precision Newton steps of a node */
    double max_correction; /* largest |last Newton correction| relative to its node */
} TS(kernel_gh_rule);
typedef TS(kernel_gh_rule) TT(kernel_gh_rule)[1];

/* Nodes = roots of the probabilists' Hermite polynomial He_N, by Newton's
 * method on the normalized three-term recurrence (h_N′ = √N·h_{N−1}), from
 * the classical asymptotic starting values (Numerical Recipes' gauher,
 * scaled by √2) refined in double and then at `prec`; only the N/2 positive
 * roots are computed, the rule is symmetric. Weights w_i = 1/(N·h_{N−1}(x_i)²),
 * normalized to Σ w = 1 by construction (Christoffel numbers of the
 * orthonormal family). In double the recurrence is rescaled by powers of two
 * (exact) so any N works; extreme weights below DBL_MIN underflow to 0, which
 * drops terms of relative size < 1e-308. Cost O(N²) per Newton sweep.
 * Accuracy (measured in tests): nodes and weights to a few N·u relative. */
void TF(kernel_gh_rule_init)(TT(kernel_gh_rule) rule, long order, long prec);
void TF(kernel_gh_rule_clear)(TT(kernel_gh_rule) rule);

/* ---- closed forms (docs/THEORY.md §2) ---- */

/* relu: F = √(q1q2)(sin θ + (π−θ)cos θ)/(2π), Ḟ = (π−θ)/(2π), with
 * θ = 2·atan2(√(1−c), √(1+c)) and π−θ = 2·atan2(√(1+c), √(1−c)) (no arccos
 * near c = ±1); sin θ + (π−θ)cos θ = sin φ − φ cos φ (φ = π−θ) is summed as
 * its series Σ_{j≥1} (−1)^{j+1} 2j φ^{2j+1}/(2j+1)! when φ < 1 (c → −1, where
 * the two terms cancel). Absolute error O(u·√(q1q2)). */
void TF(kernel_relu_dual)(TR F, TR Fdot, TRC q1, TRC q2, TRC k, long prec);
/* erf: F = (2/π)·atan2(2k, D), Ḟ = (4/π)/D, D = √(1 + 2q1 + 2q2 + 4(q1q2 − k²)),
 * i.e. the arcsin form of docs/THEORY.md §2 with the argument's complement computed
 * without cancellation. */
void TF(kernel_erf_dual)(TR F, TR Fdot, TRC q1, TRC q2, TRC k, long prec);
/* sin: F = e^{−(q1+q2)/2}·sinh k, Ḟ = e^{−(q1+q2)/2}·cosh k, evaluated as
 * ∓½e^{|k|−m}·expm1(−2|k|) and ½e^{|k|−m}(2 + expm1(−2|k|)), m = (q1+q2)/2
 * (|k| ≤ m: no overflow for any q). */
void TF(kernel_sin_dual)(TR F, TR Fdot, TRC q1, TRC q2, TRC k, long prec);
/* The closed form of `act`; returns 1, or 0 (outputs untouched) when act has none. */
int TF(kernel_dual_closed)(TR F, TR Fdot, TRC q1, TRC q2, TRC k, deq_act act, long prec);

/* ---- Hermite route (docs/THEORY.md §2.3) ---- */

/* a_r = E[σ(√q·g)·h_r(g)] (deriv = 0) or E[σ′(√q·g)·h_r(g)] (deriv = 1) for
 * r = 0..R, R = a->rows − 1 ≤ N − 1, by the rule: a_r = Σ_i w_i f(x_i) h_r(x_i),
 * computed as Σ_i √w_i f(x_i)·(√w_i h_r(x_i)) (the second factor is an entry
 * of an orthogonal matrix, |·| ≤ 1: no overflow for any N) over the positive
 * nodes with f's even/odd parts. Discrete Parseval: with R = N−1,
 * Σ_r a_r(q1)a_r(q2) = Σ_i w_i f(√q1 x_i) f(√q2 x_i) exactly (up to rounding).
 * Cost N evaluations of σ and 2·N·(R+1) multiply-adds. q ≥ 0. */
void TF(kernel_hermite_coeffs)(TT(mat) a, TRC q, deq_act act, int deriv,
                               const TT(kernel_gh_rule) rule, long prec);
/* S = Σ_{r=0}^{R} a_r·b_r·c^r by Horner (a, b of equal length R+1). */
void TF(kernel_hermite_series)(TR S, const TT(mat) a, const TT(mat) b, TRC c, long prec);
/* Indicator of how well the rule resolves σ (returned as a double):
 * √(Σ_{r ≥ ⌈(R+1)/2⌉} a_r²), the size of the upper half of the coefficient
 * vector. Cheap (no second rule) but very pessimistic: measured for tanh,
 * sigmoid, softplus it exceeds the true error of F by factors of 1e3..1e15.
 * kernel_dual_approx_err is the calibrated estimate. */
double TF(kernel_hermite_tail)(const TT(mat) a, long prec);
/* F and Ḟ by the Hermite series with R = N − 1 terms (coefficients of σ and σ′
 * computed here, temporaries once per call). c = k/√(q1q2) clamped to [−1,1].
 * At |c| = 1 this equals the 1-D quadrature Σ w_i σ(√q1 x_i)σ(±√q2 x_i). */
void TF(kernel_dual_hermite)(TR F, TR Fdot, TRC q1, TRC q2, TRC k, deq_act act,
                             const TT(kernel_gh_rule) rule, long prec);

/* F and Ḟ by the N²-point product rule on the Cholesky factor (any σ):
 * F = Σ_i w_i σ(√q1 x_i) Σ_j w_j σ(c√q2 x_i + √(q2(1−c²)) x_j), 1 − c² as
 * (1−c)(1+c). For analytic σ the error falls like the 1-D rule's; for relu
 * (kink at 0) only algebraically (measured in tests). */
void TF(kernel_dual_quad2d)(TR F, TR Fdot, TRC q1, TRC q2, TRC k, deq_act act,
                            const TT(kernel_gh_rule) rule, long prec);

/* ---- dispatcher ---- */

#define KERNEL_DUAL_NTMP 10

/* Workspace of kernel_dual: the resolved method, its rule and scratch, sized
 * once. For HERMITE it caches the coefficient vectors of the last two
 * variances seen (exact comparison), so sweeping k at fixed q1, q2 costs O(N). */
typedef struct {
    deq_act act;
    kernel_dual_method method; /* resolved: CLOSED, HERMITE or QUAD2D */
    long order;                /* N of the rule; 0 for CLOSED */
    long prec;
    TT(kernel_gh_rule) rule;   /* initialized when order > 0 */
    TT(mat) a[2], b[2];        /* HERMITE: coefficients of σ, σ′ for cached q[0], q[1];
                                  QUAD2D: scratch */
    TT(mat) f, g;              /* N×1 scratch */
    TT(kernel_gh_rule) rule2;  /* order N − ⌈2√N⌉, made on demand by kernel_dual_approx_err */
    int have_rule2;
    TRS q[2];
    int cached[2];
    int next_slot;
    TRS tmp[KERNEL_DUAL_NTMP];
} TS(kernel_dual_ws);
typedef TS(kernel_dual_ws) TT(kernel_dual_ws)[1];

/* method = AUTO resolves to CLOSED when σ has a closed form, else HERMITE.
 * CLOSED for an activation without one is a precondition violation. order is
 * the rule's N for HERMITE/QUAD2D (0: kernel_dual_default_order(prec)). */
void TF(kernel_dual_ws_init)(TT(kernel_dual_ws) ws, deq_act act, kernel_dual_method method,
                             long order, long prec);
void TF(kernel_dual_ws_clear)(TT(kernel_dual_ws) ws);
/* F and Ḟ by the workspace's method; no allocation except (HERMITE) on a
 * cache miss, where coefficient vectors are recomputed in place. */
void TF(kernel_dual)(TR F, TR Fdot, TRC q1, TRC q2, TRC k, TT(kernel_dual_ws) ws, long prec);
/* F(q,q,q) = E[σ(√q g)²] and Ḟ(q,q,q) = E[σ′(√q g)²] (either may be NULL):
 * the closed form, or for the quadrature routes the 1-D rule Σ_i w_i f(√q x_i)²,
 * which is what the Hermite series with R = N−1 and the product rule give at
 * c = 1 (discrete Parseval): O(N) instead of O(N²). */
void TF(kernel_dual_diag)(TR F, TR Fdot, TRC q, TT(kernel_dual_ws) ws, long prec);

/* Estimated approximation error of the workspace's method at variance q, as
 * a double: max(|F_N − F_N′|, |Ḟ_N − Ḟ_N′|) at (q,q,q), where N′ = N − ⌈2√N⌉
 * is a second rule (made once, on first use). 0 for CLOSED. Rationale: for
 * analytic σ the error falls like exp(−2τ√(N/q)), so removing 2√N points
 * multiplies it by exp(2τ/√q) (≈ 23 for tanh at q = 1, ≈ 3 at q = 8): the
 * difference over-estimates the error at N by that factor minus one, and the
 * diagonal c = 1 is the worst correlation (|c|^r damps the series elsewhere;
 * measured in tests). For relu the quadrature routes converge only
 * algebraically and the diagonal is exact by symmetry, so no such estimate
 * exists: +inf is returned (use the closed form). */
double TF(kernel_dual_approx_err)(TT(kernel_dual_ws) ws, TRC q, long prec);
/* The same with a long exponent (never rounded to 0 below double's range).
 * Both return +inf for q > N, where the rule cannot resolve σ(√q·g) and the
 * two rules can agree on a wrong value (tanh's Ḟ = 0 at every node). */
num_xreal TF(kernel_dual_approx_err_x)(TT(kernel_dual_ws) ws, TRC q, long prec);

/* Rounding-error factor c of one kernel_dual evaluation of F for q1, q2 ≤ qmax:
 * |F̂ − F_method| ≲ c·u·√(F(q1,q1,q1)·F(q2,q2,q2)), u = 2^-prec, where F_method
 * is the exact value of the method's formula (the closed form, or the discrete
 * Hermite / product-rule sum: the rule's approximation error is not included,
 * see kernel_dual_approx_err). A first-order operation count (dual.c), validated
 * in tests by the precision ladder; an estimate, not a rigorous bound. Ḟ has no
 * such uniform factor for relu near |c| = 1 (Ḟ is not Lipschitz in c there). */
double TF(kernel_dual_round_factor)(const TT(kernel_dual_ws) ws, double qmax);
