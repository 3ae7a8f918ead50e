/* Dense column-major matrices in both backends.
 *
 * mat_d_t holds doubles (directly usable by CBLAS); mat_mp_t holds initialized
 * mpfr_t entries, all at the matrix's precision. Entry (i, j) is e[i + j*rows].
 * Every generic function exists twice, with suffix _d and _mp; generic sources
 * call them as G(name) (num/generic.h). Arguments: outputs first, precision last.
 */
#ifndef DEQ_NUM_MAT_H
#define DEQ_NUM_MAT_H

#include <mpfr.h>
#include <stddef.h>

#include "num/xreal.h"

typedef struct {
    double *e;
    long rows, cols;
} mat_d_struct;
typedef mat_d_struct mat_d_t[1];

typedef struct {
    __mpfr_struct *e;
    long rows, cols;
    long prec;
} mat_mp_struct;
typedef mat_mp_struct mat_mp_t[1];

typedef enum { MAT_NOTRANS = 0, MAT_TRANS = 1 } mat_op;

#include "num/tmpl_on_d.h"
#include "num/mat_tmpl.h"
#include "num/tmpl_off.h"

#include "num/tmpl_on_mp.h"
#include "num/mat_tmpl.h"
#include "num/tmpl_off.h"

/* The reference MPFR product, for the bench and the tests only: the same
 * contract as mat_gemm_mp, each entry's dot product accumulated term by term
 * (mpfr_mul, then mpfr_add, both rounded to prec), one thread. Its error
 * obeys the classical bound gamma_{k+2} (|alpha||op A||op B| + |beta C|). */
void mat_gemm_mp_naive(mat_mp_t C, mpfr_srcptr alpha, mat_op opA, const mat_mp_t A, mat_op opB,
                       const mat_mp_t B, mpfr_srcptr beta, long prec);

/* Whether mat_gemm_d hands the cores over between OpenMP's and OpenBLAS's
 * thread pools (default 0, off): before a product of 2^20 multiply-adds or
 * more, called outside a parallel region, it lets OpenMP's idle threads go,
 * and after it stops OpenBLAS's idle workers, which would otherwise spin on
 * the cores that the solvers' next per-sample loop needs. Only for a program
 * whose BLAS calls all come from one thread, or from OpenMP threads inside
 * parallel regions: stopping the workers while another thread is inside a
 * threaded BLAS call would hang that call. Set once, before any product; the
 * deqcheck programs and the bench turn it on. Results do not depend on it. */
void mat_gemm_d_set_pool_handover(int on);

/* Stops OpenBLAS's idle workers, as mat_gemm_d does after a large product, when
 * the program turned the handover on (and not inside a parallel region): for
 * modules whose own threaded BLAS calls (dsyrk, dsymv, dsyevr) an OpenMP loop
 * may follow. A no-op otherwise. */
void mat_blas_release_workers(void);

/* C = op(A)·B in single precision (cblas_sgemm): column-major, op(A) m×k with
 * A stored a_rows×a_cols, B k×n, C m×n. For the certificates' bound on
 * |op(A)|·|Z|, whose rounding they bound themselves; the pools are handed over
 * as by mat_gemm_d. */
void mat_gemm_f(float *C, mat_op opA, const float *A, long a_rows, long a_cols, const float *B, long n);

/* op(A) converted once for many products op(A)·x (MPFR): Newton's refinement
 * multiplies the same A by a new vector at every step of every sample, and
 * converting A is most of a product's cost at these sizes. A must stay
 * unchanged while L is in use; several threads may use one L at once. */
typedef struct {
    void *conv;     /* the converted rows, and where A's entries are (num/gemm_mp.c) */
    const __mpfr_struct *A; /* A's entries (a result must not alias them) */
    long rows, k;   /* op(A) is rows × k */
    long prec;      /* the working precision the conversion is for */
} mat_mp_lhs_struct;
typedef mat_mp_lhs_struct mat_mp_lhs_t[1];

void mat_mp_lhs_init(mat_mp_lhs_t L, mat_op opA, const mat_mp_t A, long prec);
void mat_mp_lhs_clear(mat_mp_lhs_t L);
/* y = alpha·op(A)·x + beta·y for column vectors, at the prec given to
 * mat_mp_lhs_init: bit for bit what mat_gemv_mp(y, alpha, opA, A, x, beta,
 * prec) gives. y must not alias x or A. Runs on the calling thread; calls on
 * one L from several threads at once are safe. */
void mat_gemv_mp_lhs(mat_mp_t y, mpfr_srcptr alpha, const mat_mp_lhs_t L, const mat_mp_t x,
                     mpfr_srcptr beta, long prec);

#endif
