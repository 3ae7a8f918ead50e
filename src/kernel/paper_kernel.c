/* The papers' population kernels (see kernel/paper_kernel.h). */
#include <float.h>
#include <math.h>

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
            double v = i == j ? 0.5 * ni * nj : 0.5 * ni * nj * kernel_relu_Q(col_dot(X, i, j) / (ni * nj));
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
                /* i = j: q and s are the same number, cos = 1 exactly */
                double v = s * kernel_relu_Q(q / s);
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
