#include "deq/model.h"

#include <math.h>
#include <string.h>

/* truong2023: W ~ N(0, 2σ_w²/m) (its abstract's scaling, as ling2022's) with σ_w² = 0.1 is
 * α_A·A with α_A = γ/√m when γ = √2·σ_w = √0.2 (to 40 digits; every backend rounds this
 * string once to its precision). */
#define TRUONG_GAMMA "0.4472135954999579392818347337462552470881"

const deq_preset deq_presets[] = {
    {"gao2021", "gao2021", DEQ_FAMILY_EQUILIBRIUM, DEQ_ACT_RELU, "0.1",
     "derived 0.1: gao2021's Figure 1 plots (γ/√m)‖A(k)‖ ≈ 0.2 with ‖A(0)‖ ≈ 2√m; inside its "
     "range γ <= min{1/2, 1/(4c)}, c ≈ 2",
     DEQ_SIGMA_U_ONE, DEQ_TRAIN_A | DEQ_TRAIN_U | DEQ_TRAIN_V, "all layers trained"},
    {"gaogao2022", "gaogao2022", DEQ_FAMILY_EQUILIBRIUM, DEQ_ACT_RELU, "0.1",
     "derived 0.1: gao2021's model (its authors) with only A trained; gao2021's γ",
     DEQ_SIGMA_U_ONE, DEQ_TRAIN_A, "A only; U, v fixed at init"},
    {"ling2022", "ling2022", DEQ_FAMILY_EQUILIBRIUM, DEQ_ACT_RELU, "0.4",
     "paper: σ_w² = 0.08 (ling2022, Section 5); γ = √2·σ_w = 0.4 makes α_A·A ~ N(0, 2σ_w²/m), "
     "ling2022's W (Assumption 1)",
     DEQ_SIGMA_U_SQRT_2_OVER_D,
     DEQ_TRAIN_A | DEQ_TRAIN_U, "their W ~ N(0, 2σ_w²/m), U ~ N(0, 2/d)"},
    {"truong2023", "truong2023", DEQ_FAMILY_EQUILIBRIUM, DEQ_ACT_TANH, TRUONG_GAMMA,
     "default: γ = √2·σ_w with σ_w² = 0.1 (truong2023 is known from its abstract)", DEQ_SIGMA_U_SQRT_2_OVER_D,
     DEQ_TRAIN_A | DEQ_TRAIN_U, "condition σ_w² < 1/(8L²), i.e. 2γL < 1"},
    {"kawaguchi2021", "kawaguchi2021", DEQ_FAMILY_LINEAR_SOFTMAX, DEQ_ACT_RELU, "0.5",
     "default 0.5", DEQ_SIGMA_U_ONE, DEQ_TRAIN_A | DEQ_TRAIN_B,
     "linear model z = γ S(A) z + x, column softmax; activation unused"},
};
const int deq_preset_count = (int)(sizeof deq_presets / sizeof deq_presets[0]);

const deq_preset *deq_preset_find(const char *name)
{
    for (int k = 0; k < deq_preset_count; k++)
        if (strcmp(deq_presets[k].name, name) == 0)
            return &deq_presets[k];
    return NULL;
}

const char *deq_preset_list(void)
{
    return "gao2021, gaogao2022, ling2022, truong2023, kawaguchi2021";
}

double deq_preset_sigma_u(const deq_preset *p, long d)
{
    return p->sigma_u_rule == DEQ_SIGMA_U_SQRT_2_OVER_D ? sqrt(2.0 / (double)d) : 1.0;
}

static void draw(mat_d_t M, deq_init init, deq_rng_t rng)
{
    for (long k = 0; k < M->rows * M->cols; k++)
        M->e[k] = init == DEQ_INIT_RADEMACHER ? deq_rng_rademacher(rng) : deq_rng_gaussian(rng);
}

void deq_weights_draw(mat_d_t A, mat_d_t U, mat_d_t v, deq_init init, deq_rng_t rng)
{
    draw(A, init, rng);
    draw(U, init, rng);
    draw(v, init, rng);
}
