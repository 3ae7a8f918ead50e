/* The linear-softmax family of kawaguchi2021 (docs/THEORY.md §1), generic source
 * deq/linear.c:  z = γ·S(A) z + x,  S(A) the column-wise softmax of A (each
 * column sums to 1), and U = (I − γS)^{-1}.
 *
 * Conventions of this module: the input dimension equals the width (x ∈ R^m,
 * as z = γSz + x requires), so X is m×n; B is k×m, Y is k×n, and
 *     L(A, B) = ½‖B U X − Y‖²_F,   R = B U X − Y,   W = B U,   L̃(W) = ½‖W X − Y‖²_F.
 * J := I − γS is strictly column diagonally dominant (1 − γS_jj > γ(1 − S_jj)
 * for γ < 1), so LU with partial pivoting does not pivot, its growth factor is
 * <= 2, and κ₁(J) <= ‖J‖₁‖U‖₁ = (1 + γ)/(1 − γ). Products with U and Uᵀ are
 * solves with the LU factors of J and Jᵀ; no inverse is formed (except in
 * deq_linear_resolvent, which is asked for U itself). */
#ifndef DEQ_DEQ_LINEAR_H
#define DEQ_DEQ_LINEAR_H

#include "num/mat.h"

/* A gradient-descent trajectory of (A, B) (deq_linear_train_gd). Iterates
 * k = 0..steps are recorded; quantities of a step k -> k+1 live at index k.
 * Everything is rounded to double for the record, but differences whose sign
 * matters (the margins) are formed at the working precision first.
 * Shared by both backends. */
typedef struct {
    long m, n, k;         /* width, samples, outputs */
    long cap;             /* steps the arrays can hold */
    long steps;           /* steps taken: iterates 0..steps are recorded */
    double eta;           /* fixed step size */
    double lstar;         /* L* = ½‖Y(I − X⁺X)‖²_F */
    double sigma_plus2;   /* σ⁺(X)²: smallest eigenvalue of XᵀX above tau */
    double tau;           /* rank threshold used for XᵀX (deq_linear_data_spectrum) */
    long rank;            /* numerical rank of X (-1: eigensolver failure) */
    long failed_at;       /* -1, or the iterate where I − γS was singular or a value non-finite */
    /* per iterate k = 0..steps */
    double *loss;         /* L(k) */
    double *grad2;        /* ‖∇L‖² = ‖∇_A L‖²_F + ‖∇_B L‖²_F */
    double *grad_a2, *grad_b2;
    double *smin_u2;      /* σ_min(U_k)² = 1/λ_max(J_kᵀJ_k) */
    double *pl_lhs;       /* 2σ_min(U)²σ⁺(X)²(L − L*) */
    double *pl_rhs;       /* ‖∇_B L‖²_F */
    double *pl_margin;    /* rhs − lhs, formed at working precision */
    double *tr_lhs;       /* σ_min(U)²‖∇L̃(W)‖²_F */
    double *tr_rhs;       /* ⟨vec Ẇ, −vec ∇L̃(W)⟩, Ẇ along the gradient flow */
    double *tr_margin;    /* rhs − lhs at working precision */
    double *tr_grad2;     /* ‖∇L̃(W)‖²_F */
    double *wdot_norm;    /* ‖Ẇ‖_F */
    /* per step k -> k+1, k = 0..steps−1 */
    double *decrease;     /* L(k) − (η/2)‖∇L(k)‖² − L(k+1): >= 0 iff sufficient decrease */
    double *rate_lhs;     /* L(k+1) − L* */
    double *rate_rhs;     /* (1 − η σ_min(U_k)² σ⁺(X)²)(L(k) − L*) */
    double *rate_margin;  /* rhs − lhs at working precision */
} deq_linear_traj_struct;
typedef deq_linear_traj_struct deq_linear_traj_t[1];

/* Room for `steps` steps (steps + 1 iterates). */
void deq_linear_traj_init(deq_linear_traj_t t, long steps);
void deq_linear_traj_clear(deq_linear_traj_t t);

#include "num/tmpl_on_d.h"
#include "deq/linear_tmpl.h"
#include "num/tmpl_off.h"
#include "num/tmpl_on_mp.h"
#include "deq/linear_tmpl.h"
#include "num/tmpl_off.h"

#endif
