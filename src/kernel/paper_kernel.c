/* The papers' population kernels (see kernel/paper_kernel.h). */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "kernel/paper_kernel.h"

double kernel_relu_Q(double rho)
{
    rho = rho > 1.0 ? 1.0 : rho < -1.0 ? -1.0 : rho;
    /* 1 − ρ² as (1 − ρ)(1 + ρ): no cancellation near |ρ| = 1 */
    return (sqrt((1.0 - rho) * (1.0 + rho)) + (M_PI - acos(rho)) * rho) / M_PI;
}

static double col_dot(const mat_d_t X, long i, long j)
{
    double s = 0;
    for (long k = 0; k < X->rows; k++)
        s += X->e[k + i * X->rows] * X->e[k + j * X->rows];
    return s;
}

void kernel_gao2021_ginf(mat_d_t Gm, const mat_d_t X)
{
    long n = X->cols;
    for (long j = 0; j < n; j++)
        for (long i = 0; i <= j; i++) {
            double ni = sqrt(col_dot(X, i, i)), nj = sqrt(col_dot(X, j, j));
            /* a zero input has a zero feature vector: its row of G^∞ is 0 */
            double v = i == j || ni * nj == 0 ? 0.5 * ni * nj
                                              : 0.5 * ni * nj * kernel_relu_Q(col_dot(X, i, j) / (ni * nj));
            Gm->e[i + j * n] = Gm->e[j + i * n] = v;
        }
}

long kernel_ling2022_K_recursion(mat_d_t K, const mat_d_t X, double sigma_w2, long max_levels)
{
    long n = X->cols;
    double d = (double)X->rows;
    mat_d_t P, Kn;
    mat_init_d(P, n, n, 53);  /* x_iᵀx_j/d */
    mat_init_d(Kn, n, n, 53);
    for (long j = 0; j < n; j++)
        for (long i = 0; i < n; i++)
            P->e[i + j * n] = col_dot(X, i, j) / d;
    mat_zero_d(K);
    long l;
    for (l = 1; l <= max_levels; l++) {
        double change = 0, top = 0;
        for (long j = 0; j < n; j++)
            for (long i = 0; i < n; i++) {
                double pi = sigma_w2 * K->e[i + i * n] + P->e[i + i * n];
                double pj = sigma_w2 * K->e[j + j * n] + P->e[j + j * n];
                double q = sigma_w2 * K->e[i + j * n] + P->e[i + j * n];
                double s = sqrt(pi * pj);
                /* i = j: q and s are the same number, cos = 1 exactly; s = 0
                 * only for a zero input, whose z is 0 at every level */
                double v = s == 0 ? 0.0 : s * kernel_relu_Q(q / s);
                Kn->e[i + j * n] = v;
                change = fmax(change, fabs(v - K->e[i + j * n]));
                top = fmax(top, fabs(v));
            }
        mat_swap_d(K, Kn);
        /* a change at K's rounding level: 4u for Q's few correctly-rounded-ish operations */
        if (change <= 4.0 * DBL_EPSILON / 2 * top)
            break;
    }
    mat_clear_d(P), mat_clear_d(Kn);
    return l > max_levels ? max_levels : l;
}

void kernel_ling2022_K_closed(mat_d_t K, const mat_d_t X, double sigma_w2)
{
    long n = X->cols;
    double scale = 1.0 / (1.0 - sigma_w2);
    /* the contraction c ↦ σ_w²Q(c) + (1 − σ_w²)ρ takes log(u)/log(σ_w²) steps
     * to the rounding level; twice that bounds the loop */
    long budget = 2 * (long)ceil(log(DBL_EPSILON / 2) / log(sigma_w2)) + 2;
    for (long j = 0; j < n; j++)
        for (long i = 0; i <= j; i++) {
            double v;
            if (i == j) {
                v = scale; /* Theorem 3: K_ii = 1/(1 − σ_w²) */
            } else {
                double rho = col_dot(X, i, j) / sqrt(col_dot(X, i, i) * col_dot(X, j, j));
                double c = rho;
                for (long t = 0; t < budget; t++) {
                    double next = sigma_w2 * kernel_relu_Q(c) + (1.0 - sigma_w2) * rho;
                    int done = fabs(next - c) <= DBL_EPSILON / 2 * fabs(next);
                    c = next;
                    if (done)
                        break;
                }
                v = kernel_relu_Q(c) * scale;
            }
            K->e[i + j * n] = K->e[j + i * n] = v;
        }
}

/* ---- MPFR ---------------------------------------------------------------- */

#define E(M, i, j) ((M)->e + (i) + (size_t)(j) * (size_t)(M)->rows)

void kernel_relu_Q_mp(mpfr_ptr q, mpfr_srcptr rho, long prec)
{
    mpfr_t r, a, b, pi;
    mpfr_inits2((mpfr_prec_t)prec, r, a, b, pi, (mpfr_ptr)0);
    mpfr_set(r, rho, MPFR_RNDN);
    if (mpfr_cmp_si(r, 1) > 0)
        mpfr_set_si(r, 1, MPFR_RNDN);
    if (mpfr_cmp_si(r, -1) < 0)
        mpfr_set_si(r, -1, MPFR_RNDN);
    /* √((1 − ρ)(1 + ρ)): no cancellation near |ρ| = 1 */
    mpfr_ui_sub(a, 1, r, MPFR_RNDN);
    mpfr_add_ui(b, r, 1, MPFR_RNDN);
    mpfr_mul(a, a, b, MPFR_RNDN);
    mpfr_sqrt(a, a, MPFR_RNDN);
    mpfr_const_pi(pi, MPFR_RNDN);
    mpfr_acos(b, r, MPFR_RNDN);
    mpfr_sub(b, pi, b, MPFR_RNDN);
    mpfr_fma(a, b, r, a, MPFR_RNDN);
    mpfr_div(q, a, pi, MPFR_RNDN);
    mpfr_clears(r, a, b, pi, (mpfr_ptr)0);
}

static void col_dot_mp(mpfr_ptr s, const mat_mp_t X, long i, long j)
{
    mpfr_set_zero(s, 1);
    for (long k = 0; k < X->rows; k++)
        mpfr_fma(s, E(X, k, i), E(X, k, j), s, MPFR_RNDN);
}

void kernel_gao2021_ginf_mp(mat_mp_t Gm, const mat_mp_t X, long prec)
{
    long n = X->cols;
    mpfr_t ni, nj, c, v;
    mpfr_inits2((mpfr_prec_t)prec, ni, nj, c, v, (mpfr_ptr)0);
    for (long j = 0; j < n; j++)
        for (long i = 0; i <= j; i++) {
            col_dot_mp(ni, X, i, i);
            col_dot_mp(nj, X, j, j);
            mpfr_mul(ni, ni, nj, MPFR_RNDN);
            mpfr_sqrt(ni, ni, MPFR_RNDN); /* ‖x_i‖‖x_j‖ */
            if (i == j || mpfr_zero_p(ni)) {
                mpfr_set(v, ni, MPFR_RNDN); /* Q(1) = 1; a zero input's row is 0 */
            } else {
                col_dot_mp(c, X, i, j);
                mpfr_div(c, c, ni, MPFR_RNDN);
                kernel_relu_Q_mp(v, c, prec);
                mpfr_mul(v, v, ni, MPFR_RNDN);
            }
            mpfr_div_2ui(v, v, 1, MPFR_RNDN);
            mpfr_set(E(Gm, i, j), v, MPFR_RNDN);
            mpfr_set(E(Gm, j, i), v, MPFR_RNDN);
        }
    mpfr_clears(ni, nj, c, v, (mpfr_ptr)0);
}

long kernel_ling2022_K_recursion_mp(mat_mp_t K, const mat_mp_t X, mpfr_srcptr sigma_w2,
                                    long max_levels, long prec)
{
    long n = X->cols;
    mat_mp_t P, Kn;
    mat_init_mp(P, n, n, prec), mat_init_mp(Kn, n, n, prec);
    mpfr_t pi, pj, q, s, v, ch, change, big;
    mpfr_inits2((mpfr_prec_t)prec, pi, pj, q, s, v, ch, change, big, (mpfr_ptr)0);
    for (long j = 0; j < n; j++)
        for (long i = 0; i < n; i++) {
            col_dot_mp(E(P, i, j), X, i, j);
            mpfr_div_si(E(P, i, j), E(P, i, j), X->rows, MPFR_RNDN); /* x_iᵀx_j/d */
        }
    mat_zero_mp(K);
    long l;
    for (l = 1; l <= max_levels; l++) {
        mpfr_set_zero(change, 1), mpfr_set_zero(big, 1);
        for (long j = 0; j < n; j++)
            for (long i = 0; i < n; i++) {
                mpfr_fma(pi, sigma_w2, E(K, i, i), E(P, i, i), MPFR_RNDN);
                mpfr_fma(pj, sigma_w2, E(K, j, j), E(P, j, j), MPFR_RNDN);
                mpfr_fma(q, sigma_w2, E(K, i, j), E(P, i, j), MPFR_RNDN);
                mpfr_mul(s, pi, pj, MPFR_RNDN);
                mpfr_sqrt(s, s, MPFR_RNDN);
                if (mpfr_zero_p(s)) {
                    mpfr_set_zero(E(Kn, i, j), 1); /* a zero input: z = 0 at every level */
                } else {
                    mpfr_div(v, q, s, MPFR_RNDN); /* i = j: exactly 1 */
                    kernel_relu_Q_mp(v, v, prec);
                    mpfr_mul(E(Kn, i, j), v, s, MPFR_RNDN);
                }
                mpfr_sub(ch, E(Kn, i, j), E(K, i, j), MPFR_RNDN);
                if (mpfr_cmpabs(ch, change) > 0)
                    mpfr_abs(change, ch, MPFR_RNDN);
                if (mpfr_cmpabs(E(Kn, i, j), big) > 0)
                    mpfr_abs(big, E(Kn, i, j), MPFR_RNDN);
            }
        mat_swap_mp(K, Kn);
        /* at K's rounding level, a few units of 2^-prec for Q's operations;
         * compared in MPFR, so at any scale of the data and any precision */
        mpfr_mul_2si(big, big, 2 - prec, MPFR_RNDN);
        if (mpfr_cmp(change, big) <= 0)
            break;
    }
    mpfr_clears(pi, pj, q, s, v, ch, change, big, (mpfr_ptr)0);
    mat_clear_mp(P), mat_clear_mp(Kn);
    return l > max_levels ? max_levels : l;
}

void kernel_ling2022_K_closed_mp(mat_mp_t K, const mat_mp_t X, mpfr_srcptr sigma_w2, long prec)
{
    long n = X->cols;
    mpfr_t scale, rho, c, next, t, oms;
    mpfr_inits2((mpfr_prec_t)prec, scale, rho, c, next, t, oms, (mpfr_ptr)0);
    mpfr_ui_sub(oms, 1, sigma_w2, MPFR_RNDN);   /* 1 − σ_w² */
    mpfr_ui_div(scale, 1, oms, MPFR_RNDN);
    /* contraction σ_w²: log(2^-prec)/log σ_w² steps to the rounding level, twice */
    double sw = mpfr_get_d(sigma_w2, MPFR_RNDN);
    long budget = sw > 0 ? 2 * (long)ceil(-(double)prec * log(2.0) / log(sw)) + 2 : 2;
    for (long j = 0; j < n; j++)
        for (long i = 0; i <= j; i++) {
            if (i == j) {
                mpfr_set(E(K, i, i), scale, MPFR_RNDN); /* Theorem 3: K_ii = 1/(1 − σ_w²) */
                continue;
            }
            col_dot_mp(rho, X, i, i);
            col_dot_mp(t, X, j, j);
            mpfr_mul(t, t, rho, MPFR_RNDN);
            mpfr_sqrt(t, t, MPFR_RNDN);
            col_dot_mp(rho, X, i, j);
            mpfr_div(rho, rho, t, MPFR_RNDN);
            mpfr_set(c, rho, MPFR_RNDN);
            for (long it = 0; it < budget; it++) {
                kernel_relu_Q_mp(t, c, prec);
                mpfr_mul(next, oms, rho, MPFR_RNDN);
                mpfr_fma(next, sigma_w2, t, next, MPFR_RNDN);
                mpfr_sub(t, next, c, MPFR_RNDN);
                mpfr_set(c, next, MPFR_RNDN);
                if (mpfr_zero_p(t) || mpfr_get_exp(t) <= mpfr_get_exp(c) - (mpfr_exp_t)prec)
                    break;
            }
            kernel_relu_Q_mp(t, c, prec);
            mpfr_mul(E(K, i, j), t, scale, MPFR_RNDN);
            mpfr_set(E(K, j, i), E(K, i, j), MPFR_RNDN);
        }
    mpfr_clears(scale, rho, c, next, t, oms, (mpfr_ptr)0);
}

/* ---- For any inputs (see paper_kernel.h) ---------------------------------- */

/* The exponent e with the column's largest |entry| in [2^(e−1), 2^e); 0 for a
 * zero column (*zero set). */
static long column_exponent_d(const mat_d_t X, long j, int *zero)
{
    double mx = 0;
    for (long k = 0; k < X->rows; k++)
        mx = fmax(mx, fabs(X->e[k + j * X->rows]));
    *zero = mx == 0;
    int e = 0;
    if (mx > 0)
        frexp(mx, &e);
    return e;
}

/* Newton's iteration of paper_kernel.h for c = σ²Q(c) + (1 − σ²)ρ. */
static int ling_cos_limit_d(double *c_out, double rho, double s2, long budget)
{
    rho = rho > 1.0 ? 1.0 : rho < -1.0 ? -1.0 : rho;
    double c = rho;
    int failed = 0;
    for (long it = 0;; it++) {
        if (it == budget) {
            failed = 1;
            break;
        }
        double f = c - s2 * kernel_relu_Q(c) - (1.0 - s2) * rho;
        if (f >= 0)
            break;
        double fp = 1.0 - s2 * (M_PI - acos(c)) / M_PI;
        double next = fmin(c - f / fp, 1.0);
        if (!(next > c))
            break; /* no further rise in floating point: at the root's rounding level */
        c = next;
    }
    *c_out = c;
    return failed;
}

long kernel_paper_matrix_d(mat_d_t K, const mat_d_t X, kernel_paper_kind kind, double sigma_w2)
{
    long d = X->rows, n = X->cols;
    long budget = 4 * 53 + 100;
    mat_d_t S;
    mat_init_d(S, d, n, 53);
    long *e = malloc((size_t)(n > 0 ? n : 1) * sizeof *e);
    int *zero = malloc((size_t)(n > 0 ? n : 1) * sizeof *zero);
    double *sq = malloc((size_t)(n > 0 ? n : 1) * sizeof *sq);
    for (long j = 0; j < n; j++) {
        e[j] = column_exponent_d(X, j, &zero[j]);
        for (long k = 0; k < d; k++)
            S->e[k + j * d] = ldexp(X->e[k + j * d], (int)-e[j]);
        sq[j] = col_dot(S, j, j); /* in [1/4, d): no under- or overflow */
    }
    long status = 0;
    for (long j = 0; j < n && status == 0; j++) {
        double kjj = kind == KERNEL_PAPER_GAO2021_GINF ? 0.5 * sq[j] : sq[j] / (double)d / (1.0 - sigma_w2);
        for (long i = 0; i <= j; i++) {
            double v;
            if (zero[i] || zero[j]) {
                v = 0;
            } else if (i == j) {
                v = kjj;
            } else {
                double rho = col_dot(S, i, j) / sqrt(sq[i] * sq[j]);
                if (kind == KERNEL_PAPER_GAO2021_GINF) {
                    v = 0.5 * sqrt(sq[i] * sq[j]) * kernel_relu_Q(rho);
                } else {
                    double c, kii = sq[i] / (double)d / (1.0 - sigma_w2);
                    if (ling_cos_limit_d(&c, rho, sigma_w2, budget))
                        status = -1;
                    v = sqrt(kii * kjj) * kernel_relu_Q(c);
                }
            }
            v = ldexp(v, (int)(e[i] + e[j]));
            K->e[i + j * n] = K->e[j + i * n] = v;
        }
        double kd = K->e[j + j * n];
        if (status == 0 && !zero[j] && !(kd >= DBL_MIN && kd <= DBL_MAX))
            status = j + 1;
    }
    free(e), free(zero), free(sq);
    mat_clear_d(S);
    return status;
}

static int ling_cos_limit_mp(mpfr_ptr c, mpfr_srcptr rho_in, mpfr_srcptr s2, long budget, long prec)
{
    mpfr_t rho, f, q, fp, t, next, pi;
    mpfr_inits2((mpfr_prec_t)prec, rho, f, q, fp, t, next, pi, (mpfr_ptr)0);
    mpfr_const_pi(pi, MPFR_RNDN);
    mpfr_set(rho, rho_in, MPFR_RNDN);
    if (mpfr_cmp_si(rho, 1) > 0)
        mpfr_set_si(rho, 1, MPFR_RNDN);
    if (mpfr_cmp_si(rho, -1) < 0)
        mpfr_set_si(rho, -1, MPFR_RNDN);
    mpfr_set(c, rho, MPFR_RNDN);
    int failed = 0;
    for (long it = 0;; it++) {
        if (it == budget) {
            failed = 1;
            break;
        }
        kernel_relu_Q_mp(q, c, prec);
        mpfr_ui_sub(t, 1, s2, MPFR_RNDN);
        mpfr_mul(t, t, rho, MPFR_RNDN);
        mpfr_fma(f, s2, q, t, MPFR_RNDN);
        mpfr_sub(f, c, f, MPFR_RNDN); /* f(c) */
        if (mpfr_sgn(f) >= 0)
            break;
        mpfr_acos(t, c, MPFR_RNDN);
        mpfr_sub(t, pi, t, MPFR_RNDN);
        mpfr_div(t, t, pi, MPFR_RNDN); /* Q'(c) */
        mpfr_mul(t, t, s2, MPFR_RNDN);
        mpfr_ui_sub(fp, 1, t, MPFR_RNDN);
        mpfr_div(t, f, fp, MPFR_RNDN);
        mpfr_sub(next, c, t, MPFR_RNDN);
        if (mpfr_cmp_si(next, 1) > 0)
            mpfr_set_si(next, 1, MPFR_RNDN);
        if (mpfr_cmp(next, c) <= 0)
            break; /* no further rise: at the root's rounding level */
        mpfr_set(c, next, MPFR_RNDN);
    }
    mpfr_clears(rho, f, q, fp, t, next, pi, (mpfr_ptr)0);
    return failed;
}

long kernel_paper_matrix_mp(mat_mp_t K, const mat_mp_t X, kernel_paper_kind kind, mpfr_srcptr sigma_w2,
                            long prec)
{
    long d = X->rows, n = X->cols;
    long budget = 4 * prec + 100;
    mat_mp_t S;
    mat_init_mp(S, d, n, prec);
    long *e = malloc((size_t)(n > 0 ? n : 1) * sizeof *e);
    int *zero = malloc((size_t)(n > 0 ? n : 1) * sizeof *zero);
    mpfr_t *sq = malloc((size_t)(n > 0 ? n : 1) * sizeof *sq);
    mpfr_t v, rho, c, kii, kjj, oms;
    mpfr_inits2((mpfr_prec_t)prec, v, rho, c, kii, kjj, oms, (mpfr_ptr)0);
    mpfr_ui_sub(oms, 1, sigma_w2, MPFR_RNDN);
    for (long j = 0; j < n; j++) {
        zero[j] = 1;
        e[j] = 0;
        for (long k = 0; k < d; k++) {
            mpfr_srcptr x = E(X, k, j);
            if (mpfr_zero_p(x))
                continue;
            long ek = (long)mpfr_get_exp(x);
            e[j] = zero[j] || ek > e[j] ? ek : e[j];
            zero[j] = 0;
        }
        for (long k = 0; k < d; k++)
            mpfr_mul_2si(E(S, k, j), E(X, k, j), -e[j], MPFR_RNDN);
        mpfr_init2(sq[j], (mpfr_prec_t)prec);
        col_dot_mp(sq[j], S, j, j);
    }
    long status = 0;
    for (long j = 0; j < n; j++) {
        if (kind == KERNEL_PAPER_GAO2021_GINF) {
            mpfr_div_2ui(kjj, sq[j], 1, MPFR_RNDN);
        } else {
            mpfr_div_si(kjj, sq[j], d, MPFR_RNDN);
            mpfr_div(kjj, kjj, oms, MPFR_RNDN);
        }
        for (long i = 0; i <= j; i++) {
            if (zero[i] || zero[j]) {
                mpfr_set_zero(v, 1);
            } else if (i == j) {
                mpfr_set(v, kjj, MPFR_RNDN);
            } else {
                mpfr_mul(rho, sq[i], sq[j], MPFR_RNDN);
                mpfr_sqrt(rho, rho, MPFR_RNDN);
                mpfr_set(kii, rho, MPFR_RNDN); /* ‖x̃_i‖‖x̃_j‖ */
                col_dot_mp(c, S, i, j);
                mpfr_div(rho, c, rho, MPFR_RNDN);
                if (kind == KERNEL_PAPER_GAO2021_GINF) {
                    kernel_relu_Q_mp(v, rho, prec);
                    mpfr_mul(v, v, kii, MPFR_RNDN);
                    mpfr_div_2ui(v, v, 1, MPFR_RNDN);
                } else {
                    if (ling_cos_limit_mp(c, rho, sigma_w2, budget, prec))
                        status = -1;
                    kernel_relu_Q_mp(v, c, prec);
                    /* √(K_ii K_jj) = ‖x̃_i‖‖x̃_j‖/(d(1 − σ²)) */
                    mpfr_mul(v, v, kii, MPFR_RNDN);
                    mpfr_div_si(v, v, d, MPFR_RNDN);
                    mpfr_div(v, v, oms, MPFR_RNDN);
                }
            }
            mpfr_mul_2si(E(K, i, j), v, e[i] + e[j], MPFR_RNDN);
            mpfr_set(E(K, j, i), E(K, i, j), MPFR_RNDN);
        }
    }
    for (long j = 0; j < n; j++)
        mpfr_clear(sq[j]);
    mpfr_clears(v, rho, c, kii, kjj, oms, (mpfr_ptr)0);
    free(e), free(zero), free(sq);
    mat_clear_mp(S);
    return status;
}
