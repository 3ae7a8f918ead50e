/* Cyclic Jacobi eigenvalue algorithm (generic source: double and MPFR).
 *
 * Row-cyclic sweeps over the pairs (p, q), p < q, each annihilating a_pq with
 * Rutishauser's stable rotation (Wilkinson & Reinsch, Handbook II/1):
 *     theta = (a_qq - a_pp) / (2 a_pq),  t = sgn(theta) / (|theta| + sqrt(theta^2 + 1)),
 *     c = 1/sqrt(t^2 + 1),  s = t c,  tau = s / (1 + c),
 *     a_pp -= t a_pq,  a_qq += t a_pq,
 *     a_rp <- a_rp - s (a_rq + tau a_rp),  a_rq <- a_rq + s (a_rp - tau a_rq),
 * so |t| <= 1 (the rotation angle is at most pi/4) and the updates are
 * corrections to the old values. The matrix is kept in full (both triangles
 * updated), the input's lower triangle defining it. Everything is at `prec`.
 *
 * Stopping: off(A) = ||A - diag A||_F <= n u ||A||_F (||A||_F is invariant
 * under rotations, computed once). Sweep limit: cyclic Jacobi converges
 * quadratically once off(A) is below the smallest eigenvalue gap (Henrici,
 * Schoenhage), so each sweep then doubles the correct bits: ceil(log2 prec)
 * sweeps take off(A)/||A||_F from O(1) to 2^-prec. The linear phase before
 * that takes a few sweeps growing slowly with n (Rutishauser reports 6-10 for
 * double at moderate n), so we allow 10 + ceil(log2 prec) + ceil(log2 n).
 */
#include "num/generic.h"

#include "num/symeig.h"

static long ceil_log2(long x)
{
    long k = 0;
    while ((1L << k) < x)
        k++;
    return k;
}

/* sum of squares of the off-diagonal entries */
static void off_sq(real_ptr acc, const mat_t W)
{
    long n = W->rows;
    re_set_zero(acc);
    for (long j = 0; j < n; j++)
        for (long i = 0; i < n; i++)
            if (i != j)
                re_fma(acc, mat_entry(W, i, j), mat_entry(W, i, j), acc);
}

/* Scalars of one call, allocated once. */
typedef struct {
    real_t theta, t, c, s, tau, h, g, tmp;
    real_t big; /* beyond this |theta|, theta^2 + 1 rounds to theta^2 */
} jacobi_ws;

/* The rotation annihilating W[p][q]; V (may be NULL) accumulates it. */
static void jacobi_rotate(mat_t W, mat_t V, long p, long q, jacobi_ws *ws)
{
    long n = W->rows;
    real_ptr apq = mat_entry(W, p, q);
    if (re_is_zero(apq))
        return;
    re_sub(ws->theta, mat_entry(W, q, q), mat_entry(W, p, p));
    re_div(ws->theta, ws->theta, apq);
    re_mul_2si(ws->theta, ws->theta, -1);
    if (re_cmpabs(ws->theta, ws->big) > 0) {
        /* sqrt(theta^2 + 1) = |theta| at this precision: t = 1/(2 theta) */
        re_mul_2si(ws->t, ws->theta, 1);
        re_set_si(ws->tmp, 1);
        re_div(ws->t, ws->tmp, ws->t);
    } else {
        re_sqr(ws->tmp, ws->theta);
        re_add_d(ws->tmp, ws->tmp, 1.0);
        re_sqrt(ws->tmp, ws->tmp);
        re_abs(ws->t, ws->theta);
        re_add(ws->tmp, ws->tmp, ws->t); /* |theta| + sqrt(theta^2 + 1) */
        re_set_si(ws->t, re_sgn(ws->theta) < 0 ? -1 : 1);
        re_div(ws->t, ws->t, ws->tmp);
    }
    re_sqr(ws->c, ws->t);
    re_add_d(ws->c, ws->c, 1.0);
    re_sqrt(ws->c, ws->c);
    re_set_si(ws->tmp, 1);
    re_div(ws->c, ws->tmp, ws->c);
    re_mul(ws->s, ws->t, ws->c);
    re_add_d(ws->tmp, ws->c, 1.0);
    re_div(ws->tau, ws->s, ws->tmp);

    re_mul(ws->h, ws->t, apq);
    re_sub(mat_entry(W, p, p), mat_entry(W, p, p), ws->h);
    re_add(mat_entry(W, q, q), mat_entry(W, q, q), ws->h);
    re_set_zero(mat_entry(W, p, q));
    re_set_zero(mat_entry(W, q, p));

    for (long r = 0; r < n; r++) {
        if (r == p || r == q)
            continue;
        real_ptr arp = mat_entry(W, r, p), arq = mat_entry(W, r, q);
        re_set(ws->g, arp);
        re_fma(ws->tmp, ws->g, ws->tau, arq);      /* a_rq + tau a_rp */
        re_fms(arp, ws->s, ws->tmp, ws->g);        /* s (...) - a_rp */
        re_neg(arp, arp);                          /* a_rp - s (...) */
        re_fms(ws->tmp, arq, ws->tau, ws->g);      /* tau a_rq - a_rp(old) */
        re_fms(arq, ws->s, ws->tmp, arq);          /* -s (a_rp - tau a_rq) - a_rq */
        re_neg(arq, arq);
        re_set(mat_entry(W, p, r), arp);
        re_set(mat_entry(W, q, r), arq);
    }
    if (V) {
        for (long r = 0; r < n; r++) {
            real_ptr vrp = mat_entry(V, r, p), vrq = mat_entry(V, r, q);
            re_set(ws->g, vrp);
            re_fma(ws->tmp, ws->g, ws->tau, vrq);
            re_fms(vrp, ws->s, ws->tmp, ws->g);
            re_neg(vrp, vrp);
            re_fms(ws->tmp, vrq, ws->tau, ws->g);
            re_fms(vrq, ws->s, ws->tmp, vrq);
            re_neg(vrq, vrq);
        }
    }
}

void G(num_symeig_jacobi)(mat_t evals, mat_t evecs, num_symeig_info_t info, const mat_t A,
                          long prec)
{
    long n = A->rows;
    DEQ_REQUIRE(A->cols == n && evals->rows == n && evals->cols == 1);
    DEQ_REQUIRE(!evecs || (evecs->rows == n && evecs->cols == n));
    info->converged = 0;
    info->sweeps = 0;
    info->offdiag = 0.0;
    if (n == 0) {
        info->converged = 1;
        return;
    }

    mat_t W, V;
    G(mat_init)(W, n, n, prec);
    for (long j = 0; j < n; j++)
        for (long i = j; i < n; i++) {
            re_set(mat_entry(W, i, j), mat_entry(A, i, j));
            re_set(mat_entry(W, j, i), mat_entry(W, i, j));
        }
    if (evecs) {
        G(mat_init)(V, n, n, prec);
        for (long i = 0; i < n; i++)
            re_set_si(mat_entry(V, i, i), 1);
    }
    jacobi_ws ws;
    real_t fro2, off2, tol2;
    re_init(ws.theta, prec), re_init(ws.t, prec), re_init(ws.c, prec), re_init(ws.s, prec);
    re_init(ws.tau, prec), re_init(ws.h, prec), re_init(ws.g, prec), re_init(ws.tmp, prec);
    re_init(ws.big, prec), re_init(fro2, prec), re_init(off2, prec), re_init(tol2, prec);
    re_set_si(ws.big, 1);
    re_mul_2si(ws.big, ws.big, (prec + 1) / 2 + 1);

    int finite = G(mat_is_finite)(W);
#ifndef DEQ_MPFR
    /* Double: ||A||_F^2 under- or overflows for entries beyond 2^±256 (then
     * tol2 is 0 or +inf and the stopping test is meaningless: a full matrix
     * would "converge" at once). Such a matrix is scaled by a power of two
     * (eigenvalues scale with it; eigenvectors do not change) and the
     * eigenvalues scaled back at the end. MPFR's exponent range needs none. */
    int e2 = 0;
    if (finite) {
        double amax = 0.0;
        for (long k = 0; k < n * n; k++)
            amax = fmax(amax, fabs(W->e[k]));
        if (amax > 0) {
            int x;
            frexp(amax, &x);
            if (x > 256 || x < -256) {
                e2 = x;
                for (long k = 0; k < n * n; k++)
                    W->e[k] = ldexp(W->e[k], -e2);
            }
        }
    }
#endif
    long max_sweeps = 10 + ceil_log2(prec) + ceil_log2(n);
    /* tol2 = (n u)^2 ||A||_F^2 */
    re_set_zero(fro2);
    for (long k = 0; k < n * n; k++)
        re_fma(fro2, W->e + k, W->e + k, fro2);
    re_set_d(tol2, (double)n);
    re_mul_2si(tol2, tol2, -prec);
    re_sqr(tol2, tol2);
    re_mul(tol2, tol2, fro2);
    while (finite) {
        off_sq(off2, W);
        if (re_cmp(off2, tol2) <= 0) {
            info->converged = 1;
            break;
        }
        if (info->sweeps == max_sweeps || !re_is_finite(off2))
            break;
        for (long p = 0; p < n - 1; p++)
            for (long q = p + 1; q < n; q++)
                jacobi_rotate(W, evecs ? V : NULL, p, q, &ws);
        info->sweeps++;
    }
    if (finite) {
        double f2 = re_get_d(fro2);
#ifdef DEQ_MPFR
        if (!(f2 >= 0x1p-900 && f2 <= 0x1p900) && !re_is_zero(fro2)) {
            /* beyond double's range: the ratio at the working precision */
            re_div(tol2, off2, fro2);
            info->offdiag = sqrt(re_get_d(tol2));
        } else
#endif
            info->offdiag = f2 > 0 ? sqrt(re_get_d(off2) / f2) : 0.0;
    } else {
        info->offdiag = NAN;
    }

    /* ascending order: insertion sort of the indices (n is small for Jacobi) */
    long *idx = deq_malloc((size_t)n * sizeof *idx);
    for (long i = 0; i < n; i++) {
        long k = i;
        while (k > 0 && re_cmp(mat_entry(W, idx[k - 1], idx[k - 1]), mat_entry(W, i, i)) > 0) {
            idx[k] = idx[k - 1];
            k--;
        }
        idx[k] = i;
    }
    for (long i = 0; i < n; i++) {
        re_set(mat_entry(evals, i, 0), mat_entry(W, idx[i], idx[i]));
#ifndef DEQ_MPFR
        if (e2 != 0)
            evals->e[i] = ldexp(evals->e[i], e2);
#endif
        if (evecs)
            for (long r = 0; r < n; r++)
                re_set(mat_entry(evecs, r, i), mat_entry(V, r, idx[i]));
    }
    free(idx);

    re_clear(ws.theta), re_clear(ws.t), re_clear(ws.c), re_clear(ws.s);
    re_clear(ws.tau), re_clear(ws.h), re_clear(ws.g), re_clear(ws.tmp);
    re_clear(ws.big), re_clear(fro2), re_clear(off2), re_clear(tol2);
    if (evecs)
        G(mat_clear)(V);
    G(mat_clear)(W);
}
