/* Synthetic data (data/synthetic.h). */
#include "data/synthetic.h"

#include <math.h>

#include "core/status.h"

/* A standard Gaussian vector is rotation invariant, so its direction is
 * uniform on the sphere (Muller 1959). The columns are drawn one after the
 * other, so the result depends only on the generator's state. */
void data_sphere_points(mat_d_t X, deq_rng_t rng)
{
    DEQ_REQUIRE(X->rows >= 1);
    long d = X->rows;
    for (long j = 0; j < X->cols; j++) {
        double *x = X->e + (size_t)j * (size_t)d;
        double ss;
        do { /* a zero vector has probability zero, but it has no direction */
            ss = 0.0;
            for (long i = 0; i < d; i++) {
                x[i] = deq_rng_gaussian(rng);
                ss += x[i] * x[i];
            }
        } while (ss == 0.0);
        /* The draws are O(1) (|g| < 40 in any practical run), so the sum of
         * squares can neither overflow nor lose the direction to underflow. */
        double norm = sqrt(ss);
        for (long i = 0; i < d; i++)
            x[i] /= norm;
    }
}

void data_smooth_target(mat_d_t y, const mat_d_t X, deq_rng_t rng)
{
    long d = X->rows, n = X->cols;
    mat_d_t u;
    mat_init_d(u, d, 1, 53);
    data_sphere_points(u, rng);
    for (long i = 0; i < n; i++) {
        double s = 0;
        for (long j = 0; j < d; j++)
            s += u->e[j] * X->e[j + i * d];
        y->e[i] = tanh(2 * s);
    }
    mat_clear_d(u);
}
