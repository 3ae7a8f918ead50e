/* The model family of docs/THEORY.md §1 and its named presets.
 *
 *   z_i = σ(h_i),  h_i = α_A·A z_i + α_U·U x_i,  f_i = α_v·vᵀz_i
 *   α_A = γ/√m,  α_U = σ_u,  α_v = σ_v/√m.
 */
#ifndef DEQ_DEQ_MODEL_H
#define DEQ_DEQ_MODEL_H

#include "core/rng.h"
#include "deq/activation.h"
#include "num/mat.h"

typedef enum { DEQ_FAMILY_EQUILIBRIUM = 0, DEQ_FAMILY_LINEAR_SOFTMAX = 1 } deq_family;

enum { DEQ_TRAIN_A = 1, DEQ_TRAIN_U = 2, DEQ_TRAIN_V = 4, DEQ_TRAIN_B = 8 };

typedef enum { DEQ_INIT_GAUSSIAN = 0, DEQ_INIT_RADEMACHER = 1 } deq_init;

/* How σ_u is set by a preset. */
typedef enum {
    DEQ_SIGMA_U_ONE = 0,        /* σ_u = 1 */
    DEQ_SIGMA_U_SQRT_2_OVER_D /* σ_u = √(2/d): ling2022's U ~ N(0, 2/d) */
} deq_sigma_u_rule;

typedef struct {
    const char *name;
    const char *source;  /* key of docs/THEORY.md §0 */
    deq_family family;
    deq_act act;
    const char *gamma;   /* default γ as a decimal string (a documented default, not a paper constant) */
    const char *gamma_rule; /* how γ was derived, printed in reports */
    deq_sigma_u_rule sigma_u_rule;
    unsigned trained;    /* DEQ_TRAIN_* bits */
    const char *notes;
} deq_preset;

/* The presets table of docs/THEORY.md §1, in its order. */
extern const deq_preset deq_presets[];
extern const int deq_preset_count;
/* NULL if no preset has that name. */
const deq_preset *deq_preset_find(const char *name);
/* "gao2021, gaogao2022, ..." for messages and --help. */
const char *deq_preset_list(void);
double deq_preset_sigma_u(const deq_preset *p, long d);

/* Weights drawn in double, in a fixed documented order: A column by column,
 * then U, then v. A, U, v must be initialized with shapes m×m, m×d, m×1.
 * Both backends convert these exactly, so they run the same network. */
void deq_weights_draw(mat_d_t A, mat_d_t U, mat_d_t v, deq_init init, deq_rng_t rng);

#endif
