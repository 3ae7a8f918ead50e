/* The papers' population kernels (gao2021 Eq. 17 and ling2022 Definition 1,
 * Theorem 3), in double (src/kernel/paper_kernel.c).
 *
 * Q is the ReLU arc-cosine function of ling2022 Eq. 11:
 *   Q(ρ) = (√(1 − ρ²) + (π − arccos ρ)·ρ)/π,  E[ϕ(u)ϕ(v)] = ½Q(ρ) for
 *   (u, v) ~ N(0, [[1, ρ], [ρ, 1]]), and for covariance [[p, q], [q, r]]
 *   2E[ϕ(u)ϕ(v)] = √(pr)·Q(q/√(pr)).
 */
#ifndef DEQ_KERNEL_PAPER_KERNEL_H
#define DEQ_KERNEL_PAPER_KERNEL_H

#include <mpfr.h>

#include "num/mat.h"

/* Q(ρ) for ρ clamped to [−1, 1]. */
double kernel_relu_Q(double rho);

/* gao2021's feature kernel G^∞ = E_{w~N(0,I_d)}[σ(Xw)σ(Xw)ᵀ] (Eq. 17) for the
 * inputs in the columns of X (d×n): G_ij = ½‖x_i‖‖x_j‖·Q(cos θ_ij), which is
 * ½Q(x_iᵀx_j) for unit inputs (Assumption 2), G_ii = ½. G is n×n,
 * initialized by the caller. [derived here from Eq. 17 and ling2022
 * Eq. 11.] */
void kernel_gao2021_ginf(mat_d_t Gm, const mat_d_t X);

/* ling2022's K by Definition 1's recursion: K^(0) = 0, K^(l)_ij = 2E[ϕ(u)ϕ(v)]
 * under Λ^(l)_ij = [[σ_w²K_ii + ‖x_i‖²/d, σ_w²K_ij + x_iᵀx_j/d], [., σ_w²K_jj +
 * ‖x_j‖²/d]], iterated until the largest change of an entry is at K's
 * rounding level (4u·max|K|) or max_levels levels. Returns the number of
 * levels taken. K is n×n, initialized by the caller. */
long kernel_ling2022_K_recursion(mat_d_t K, const mat_d_t X, double sigma_w2, long max_levels);

/* ling2022's K by Theorem 3's closed form (Eq. 14) as the theorem states it,
 * for inputs under Assumption 2 only (‖x_i‖ = √d; the checks' own inputs):
 * K_ij = Q(c_ij)/(1 − σ_w²) where c_ij solves
 * c = σ_w² Q(c) + (1 − σ_w²)·cos θ_ij, a contraction of factor σ_w² (|Q'| <= 1);
 * cos θ_ij = x_iᵀx_j/(‖x_i‖‖x_j‖), and K_ii = 1/(1 − σ_w²) exactly. For
 * other inputs (a user's data) use kernel_paper_matrix_d below. */
void kernel_ling2022_K_closed(mat_d_t K, const mat_d_t X, double sigma_w2);

/* The same in MPFR at prec bits, for high-precision references of λ0 =
 * λ_min(G^∞) and λ* = λ_min(K): every operation correctly rounded, the
 * fixed points iterated to their rounding level 2^-prec. Matrices are
 * initialized by the caller at prec. */
void kernel_relu_Q_mp(mpfr_ptr q, mpfr_srcptr rho, long prec);
void kernel_gao2021_ginf_mp(mat_mp_t Gm, const mat_mp_t X, long prec);
/* sigma_w2 < 1. Returns the levels taken (as the double version). */
long kernel_ling2022_K_recursion_mp(mat_mp_t K, const mat_mp_t X, mpfr_srcptr sigma_w2,
                                    long max_levels, long prec);
void kernel_ling2022_K_closed_mp(mat_mp_t K, const mat_mp_t X, mpfr_srcptr sigma_w2, long prec);

/* ---- For any inputs: `deqcheck kernel --kind gao2021|ling2022` ------------
 *
 * The papers' kernels for inputs of any norms and any scale. Both kernels obey
 * K(XD) = D·K(X)·D for a positive diagonal D (by induction over Definition 1's
 * levels for ling2022), so each input column is scaled by a power of two
 * (exactly) to a largest entry in [1/2, 1), the kernel computed, and entry (i,j)
 * scaled back by the two columns' powers. ling2022's K is its limit in closed
 * form, for any norms (derived: Definition 1 with its diagonal 1 read as
 * ‖x_i‖²/d, the input's variance; the same under Assumption 2): with a_i = ‖x_i‖²/d, K_ii = a_i/(1 − σ_w²) and
 * K_ij = √(K_ii K_jj)·Q(c_ij), c = σ_w²Q(c) + (1 − σ_w²)cos θ_ij (Theorem 3's
 * Eq. 14 under Assumption 2; derived here for any norms from Definition 1's
 * fixed point). c is found by Newton's method on f(c) = c − σ_w²Q(c) −
 * (1 − σ_w²)cos θ from c = cos θ: f is increasing (f' >= 1 − σ_w²) and concave
 * on [−1, 1], f(cos θ) <= 0 <= f(1), so the iterates rise monotonically to the
 * root, for every σ_w² in [0, 1). A zero input column gives a zero row and
 * column. */
typedef enum { KERNEL_PAPER_GAO2021_GINF, KERNEL_PAPER_LING2022_K } kernel_paper_kind;

/* Returns 0, or the 1-based index i of an input whose diagonal entry K_ii is
 * nonzero in exact arithmetic but outside double's normal range (the double
 * version only; the matrix is then not usable), or −1 when Newton's iteration
 * did not settle within its budget (4·prec + 100 steps). */
long kernel_paper_matrix_d(mat_d_t K, const mat_d_t X, kernel_paper_kind kind, double sigma_w2);
long kernel_paper_matrix_mp(mat_mp_t K, const mat_mp_t X, kernel_paper_kind kind, mpfr_srcptr sigma_w2,
                            long prec);

#endif
