/* Synthetic data. */
#ifndef DEQ_DATA_SYNTHETIC_H
#define DEQ_DATA_SYNTHETIC_H

#include "core/rng.h"
#include "num/mat.h"

/* X (initialized, d x n) receives n points drawn uniformly on the unit sphere
 * S^{d-1}: Gaussian columns normalized in double. */
void data_sphere_points(mat_d_t X, deq_rng_t rng);

#endif

#ifndef DEQ_DATA_SYNTHETIC_TARGET
#define DEQ_DATA_SYNTHETIC_TARGET
/* y (initialized, n×1) receives the smooth target y_i = tanh(2⟨u, x_i⟩) ∈ (−1, 1)
 * for a direction u drawn uniformly on the sphere from rng. */
void data_smooth_target(mat_d_t y, const mat_d_t X, deq_rng_t rng);
#endif
