/* The scalar layer for code written once and compiled twice (docs/ARCHITECTURE.md §3).
 *
 * A generic source file includes this header and is compiled once as is
 * (double) and once with -DDEQ_MPFR (MPFR). Inside it:
 *   - real_t is double[1] or mpfr_t; real_ptr / real_srcptr point to one scalar;
 *   - mat_t / mat_struct are the backend's matrix type;
 *   - re_* are the scalar operations, all round-to-nearest;
 *   - G(name) names the backend's instance of an exported generic function:
 *     G(mat_gemm) is mat_gemm_d or mat_gemm_mp; GS(x) / GT(x) name the
 *     backend's struct / array type of a generic type x (GS(deq_fp) is
 *     deq_fp_d_struct or deq_fp_mp_struct).
 * Only generic sources include this header; public headers declare both
 * instances explicitly (num/mat.h).
 */
#ifndef DEQ_NUM_GENERIC_H
#define DEQ_NUM_GENERIC_H

#include <math.h>
#include <mpfr.h>

#include "core/status.h"
#include "num/mat.h"

#ifdef DEQ_MPFR

#define G(x) x##_mp
#define GS(x) x##_mp_struct
#define GT(x) x##_mp_t
#define DEQ_BACKEND_TAG "mpfr"
typedef __mpfr_struct real_struct;
typedef mpfr_t real_t;
typedef mpfr_ptr real_ptr;
typedef mpfr_srcptr real_srcptr;
typedef mat_mp_struct mat_struct;
typedef mat_mp_t mat_t;

#define RND MPFR_RNDN
#define re_init(x, prec) mpfr_init2((x), (mpfr_prec_t)(prec))
#define re_clear(x) mpfr_clear(x)
#define re_set(z, x) mpfr_set((z), (x), RND)
#define re_set_d(z, d) mpfr_set_d((z), (d), RND)
#define re_set_si(z, i) mpfr_set_si((z), (i), RND)
#define re_set_zero(z) mpfr_set_zero((z), 1)
#define re_get_d(x) mpfr_get_d((x), RND)
#define re_get_d_abs_up(x) fabs(mpfr_get_d((x), MPFR_RNDA)) /* >= |x|, for bounds */
#define re_add(z, x, y) mpfr_add((z), (x), (y), RND)
#define re_sub(z, x, y) mpfr_sub((z), (x), (y), RND)
#define re_mul(z, x, y) mpfr_mul((z), (x), (y), RND)
#define re_div(z, x, y) mpfr_div((z), (x), (y), RND)
#define re_fma(z, x, y, w) mpfr_fma((z), (x), (y), (w), RND)   /* z = x*y + w */
#define re_fms(z, x, y, w) mpfr_fms((z), (x), (y), (w), RND)   /* z = x*y - w */
#define re_mul_d(z, x, d) mpfr_mul_d((z), (x), (d), RND)
#define re_add_d(z, x, d) mpfr_add_d((z), (x), (d), RND)
#define re_d_sub(z, d, x) mpfr_d_sub((z), (d), (x), RND)
#define re_mul_2si(z, x, e) mpfr_mul_2si((z), (x), (e), RND)
#define re_neg(z, x) mpfr_neg((z), (x), RND)
#define re_abs(z, x) mpfr_abs((z), (x), RND)
#define re_sqr(z, x) mpfr_sqr((z), (x), RND)
#define re_sqrt(z, x) mpfr_sqrt((z), (x), RND)
#define re_exp(z, x) mpfr_exp((z), (x), RND)
#define re_log1p(z, x) mpfr_log1p((z), (x), RND)
#define re_erf(z, x) mpfr_erf((z), (x), RND)
#define re_sin(z, x) mpfr_sin((z), (x), RND)
#define re_cos(z, x) mpfr_cos((z), (x), RND)
#define re_tanh(z, x) mpfr_tanh((z), (x), RND)
#define re_const_pi(z) mpfr_const_pi((z), RND)
#define re_sgn(x) mpfr_sgn(x)
#define re_cmp(x, y) mpfr_cmp((x), (y))
#define re_cmpabs(x, y) mpfr_cmpabs((x), (y))
#define re_is_finite(x) mpfr_number_p(x)
#define re_is_nan(x) mpfr_nan_p(x)
#define re_is_zero(x) mpfr_zero_p(x)
#define re_max(z, x, y) mpfr_max((z), (x), (y), RND)

#else /* double */

#define G(x) x##_d
#define GS(x) x##_d_struct
#define GT(x) x##_d_t
#define DEQ_BACKEND_TAG "double"
typedef double real_struct;
typedef double real_t[1];
typedef double *real_ptr;
typedef const double *real_srcptr;
typedef mat_d_struct mat_struct;
typedef mat_d_t mat_t;

#define re_init(x, prec) ((void)(prec), (x)[0] = 0.0)
#define re_clear(x) ((void)(x))
#define re_set(z, x) ((z)[0] = (x)[0])
#define re_set_d(z, d) ((z)[0] = (d))
#define re_set_si(z, i) ((z)[0] = (double)(i))
#define re_set_zero(z) ((z)[0] = 0.0)
#define re_get_d(x) ((x)[0])
#define re_get_d_abs_up(x) fabs((x)[0])
#define re_add(z, x, y) ((z)[0] = (x)[0] + (y)[0])
#define re_sub(z, x, y) ((z)[0] = (x)[0] - (y)[0])
#define re_mul(z, x, y) ((z)[0] = (x)[0] * (y)[0])
#define re_div(z, x, y) ((z)[0] = (x)[0] / (y)[0])
#define re_fma(z, x, y, w) ((z)[0] = fma((x)[0], (y)[0], (w)[0]))
#define re_fms(z, x, y, w) ((z)[0] = fma((x)[0], (y)[0], -(w)[0]))
#define re_mul_d(z, x, d) ((z)[0] = (x)[0] * (d))
#define re_add_d(z, x, d) ((z)[0] = (x)[0] + (d))
#define re_d_sub(z, d, x) ((z)[0] = (d) - (x)[0])
#define re_mul_2si(z, x, e) ((z)[0] = ldexp((x)[0], (int)(e)))
#define re_neg(z, x) ((z)[0] = -(x)[0])
#define re_abs(z, x) ((z)[0] = fabs((x)[0]))
#define re_sqr(z, x) ((z)[0] = (x)[0] * (x)[0])
#define re_sqrt(z, x) ((z)[0] = sqrt((x)[0]))
#define re_exp(z, x) ((z)[0] = exp((x)[0]))
#define re_log1p(z, x) ((z)[0] = log1p((x)[0]))
#define re_erf(z, x) ((z)[0] = erf((x)[0]))
#define re_sin(z, x) ((z)[0] = sin((x)[0]))
#define re_cos(z, x) ((z)[0] = cos((x)[0]))
#define re_tanh(z, x) ((z)[0] = tanh((x)[0]))
#define re_const_pi(z) ((z)[0] = M_PI)
#define re_sgn(x) (((x)[0] > 0) - ((x)[0] < 0))
#define re_cmp(x, y) (((x)[0] > (y)[0]) - ((x)[0] < (y)[0]))
#define re_cmpabs(x, y) ((fabs((x)[0]) > fabs((y)[0])) - (fabs((x)[0]) < fabs((y)[0])))
#define re_is_finite(x) isfinite((x)[0])
#define re_is_nan(x) isnan((x)[0])
#define re_is_zero(x) ((x)[0] == 0.0)
#define re_max(z, x, y) ((z)[0] = fmax((x)[0], (y)[0]))

#endif

/* Entry (i, j) of a column-major matrix, as a real_ptr. */
#define mat_entry(M, i, j) ((M)->e + (i) + (size_t)(j) * (size_t)(M)->rows)

/* Unit roundoff of the working precision: 2^-prec (prec = 53 in double). */
#define re_unit_roundoff(prec) ldexp(1.0, -(int)(prec))

#endif
