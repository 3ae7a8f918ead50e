/* Synthetic data. */
#ifndef DEQ_DATA_SYNTHETIC_H
#define DEQ_DATA_SYNTHETIC_H

#include "core/rng.h"
#include "num/mat.h"

/* X (initialized, d x n) receives n points drawn uniformly on the unit sphere
 * S^{d-1}: Gaussian columns normalized in double. */
void data_sphere_points(mat_d_t X, deq_rng_t rng);

#endif
