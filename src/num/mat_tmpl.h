/* Declarations of the generic matrix API, instantiated by num/mat.h for each
 * backend. No include guard on purpose. */

/* Zero matrix of the given shape; prec is ignored in double. */
void TF(mat_init)(TT(mat) M, long rows, long cols, long prec);
void TF(mat_clear)(TT(mat) M);
void TF(mat_swap)(TT(mat) M, TT(mat) N);
/* M = N; shapes must agree. */
void TF(mat_set)(TT(mat) M, const TT(mat) N);
void TF(mat_zero)(TT(mat) M);
/* M = D entry by entry; exact when the working precision is at least 53 bits. */
void TF(mat_set_mat_d)(TT(mat) M, const mat_d_t D);
/* D = M rounded to nearest double. */
void TF(mat_get_mat_d)(mat_d_t D, const TT(mat) M);
/* 1 if every entry is a finite number. */
int TF(mat_is_finite)(const TT(mat) M);

/* C = alpha * op(A) * op(B) + beta * C. C must not alias A or B.
 * Double: OpenBLAS cblas_dgemm; every entry satisfies the classical bound
 * |error| <= gamma_{k+2} (|alpha||op A||op B| + |beta C|).
 * MPFR: our kernel (num/gemm_mp.c), OpenMP threads, results bit-identical for
 * any thread count. Each entry's dot product op(A)·op(B) is computed exactly
 * and rounded once to prec (correctly rounded, an exact zero is +0); then
 * alpha and beta are applied with one rounding each (beta = 0: alpha·dot;
 * else fma(alpha, dot, beta·C)), so |error| <= gamma_2 |alpha||op A op B| +
 * gamma_2 |beta C| (a fortiori the classical bound above). Exceptions, whose
 * entries come from the term-by-term loop of mat_gemm_mp_naive (classical
 * bound): a row of op(A) or column of op(B) holding a NaN or an infinity, or
 * whose width w (from the top of its largest entry to the lowest nonzero bit
 * of any entry) exceeds twice its bound b = its matrix's precision +
 * max(prec, 128) bits; and an entry whose row and column widths give
 * d(w_row)·d(w_col) > d(b_A)·d(b_B), with d(w) = ⌈(w + 1)/60⌉ (the cost of
 * the exact dot product in word products per term). */
void TF(mat_gemm)(TT(mat) C, TRC alpha, mat_op opA, const TT(mat) A, mat_op opB,
                  const TT(mat) B, TRC beta, long prec);
/* y = alpha * op(A) * x + beta * y for column vectors x, y (n x 1 matrices). */
void TF(mat_gemv)(TT(mat) y, TRC alpha, mat_op opA, const TT(mat) A, const TT(mat) x, TRC beta,
                  long prec);

/* Level-1 kernels on len contiguous entries (a column of a matrix), for loops
 * that run once per sample, on OpenMP threads. Double: plain loops, the dot
 * product in four interleaved partial sums (independent add chains; x86-64's
 * baseline has no fma instruction, and libm's fma is a call per term), within
 * the classical bounds γ_len·Σ|x_j y_j| and, per axpy entry, γ_2·(|y_j| +
 * |a x_j|); no BLAS, so no library threads inside the callers' threads and the
 * same result on every CPU. MPFR: one fma per term, each correctly rounded
 * (an axpy entry is RN(y_j + a·x_j)). For vec_dot, r must not point into x or
 * y; for vec_axpy, y must not overlap x, and a must not point into y. */
void TF(vec_dot)(TR r, TRC x, TRC y, long len, long prec);
/* *r[c] = vec_dot(x, ys[c]) for c < count, bit for bit (x·y and y·x are the
 * same bits: each product commutes exactly), in double several at once in
 * one pass over x. */
void TF(vec_dots)(TR *r, TRC x, TRC const *ys, int count, long len, long prec);
/* z = x − y entrywise (z may be x or y) */
void TF(vec_sub)(TR z, TRC x, TRC y, long len, long prec);
/* y = y + a·x */
void TF(vec_axpy)(TR y, TRC a, TRC x, long len, long prec);
/* y = x + a[0]·xs[0] + … + a[count−1]·xs[count−1], the terms added in this
 * order per entry: bit for bit the copy of x followed by count vec_axpy calls,
 * in one pass. y may be x; it must not overlap x otherwise, nor any xs[c], nor
 * the coefficients a[0..count). count = 0 copies x. */
void TF(vec_axpys)(TR y, TRC x, TRC a, TRC const *xs, int count, long len, long prec);

/* Norms free of overflow and underflow for any representable entries (no
 * squared quantity leaves the working format: double scales a column by a
 * power of two when its plain sum of squares is out of range, MPFR sums and
 * takes the root at the working precision). The _x forms return the norm with
 * a long exponent (num/xreal.h), rounded to 53 bits; the double forms round
 * that to the nearest double (0 or +inf only when the norm itself is outside
 * double's range). */
/* Column j's Euclidean norm. */
num_xreal TF(mat_col_norm2_x)(const TT(mat) M, long j, long prec);
double TF(mat_col_norm2)(const TT(mat) M, long j, long prec);
/* max_j ||M[:,j] - N[:,j]||_2 (N NULL: max_j ||M[:,j]||_2); NaN if any is NaN. */
num_xreal TF(mat_max_col_dist_x)(const TT(mat) M, const TT(mat) N, long prec);
double TF(mat_max_col_dist)(const TT(mat) M, const TT(mat) N, long prec);
double TF(mat_max_col_norm)(const TT(mat) M, long prec);
/* A rigorous upper bound on ||M[:,j] - N[:,j]||_2 (N NULL: ||M[:,j]||_2) for
 * the stored entries, directed rounding throughout; never 0 for a nonzero
 * column. */
num_xreal TF(mat_col_dist_up_x)(const TT(mat) M, const TT(mat) N, long j, long prec);
