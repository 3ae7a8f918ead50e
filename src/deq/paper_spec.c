/* The papers' presets: their constants with where each comes from, tensor
 * names and shapes, and Assumption 1's draws (backend-free). */
#include <math.h>
#include <string.h>

#include "deq/paper_model.h"

static const deq_paper_const gao_consts[] = {
    {"gamma", "0.1", DEQ_CONST_DERIVED,
     "not stated; ~0.1 inferred from Figure 1's operator norm (gamma/sqrt(m))||A(k)|| = "
     "0.198-0.199 with ||A(0)||/sqrt(m) ~ 2"},
    {"init", "A, W ~ N(0,1); u, v Rademacher", DEQ_CONST_PAPER, "gao2021, Assumption 1"},
    {"input_norm", "1", DEQ_CONST_PAPER, "gao2021, Assumption 2 (||x_i|| = 1)"},
    {"scalings", "(gamma/sqrt(m)) A z, phi = ReLU(W x)/sqrt(m)", DEQ_CONST_PAPER,
     "gao2021, Eqs. 1-3"},
    {"relu_prime_at_0", "0", DEQ_CONST_DEFAULT,
     "gao2021 does not say; 0 as in PyTorch (a measure-zero event)"},
    {"step_size", "--lr", DEQ_CONST_DEFAULT, "not stated in gao2021 (Section 4): the user's"},
};
static const deq_paper_const ling_consts[] = {
    {"sigma_w2", "0.08", DEQ_CONST_PAPER, "ling2022, Section 5 (experiments; Assumption 1 asks < 1/8)"},
    {"init", "W ~ N(0, 2 sigma_w2/m), U ~ N(0, 2/d), a ~ N(0, 1/m)", DEQ_CONST_PAPER,
     "ling2022, Assumption 1"},
    {"input_norm", "sqrt(d)", DEQ_CONST_PAPER, "ling2022, Assumption 2(i) (||x_i|| = sqrt(d))"},
    {"relu_prime_at_0", "1", DEQ_CONST_PAPER, "ling2022, Section 2.1 (phi'(x) = I{x >= 0})"},
    {"step_size", "--lr", DEQ_CONST_DEFAULT, "not stated in ling2022 (Section 5): the user's"},
};

static const deq_paper_spec specs[] = {
    {"gao2021", DEQ_PAPER_GAO2021,
     "z = ReLU((gamma/sqrt(m)) A z + phi), phi = ReLU(W x)/sqrt(m), y^ = u^T z + v^T phi",
     gao_consts, (int)(sizeof gao_consts / sizeof *gao_consts)},
    {"ling2022", DEQ_PAPER_LING2022, "Z = ReLU(W Z + U X), y^ = a^T Z", ling_consts,
     (int)(sizeof ling_consts / sizeof *ling_consts)},
};

const deq_paper_spec *deq_paper_spec_find(const char *name)
{
    for (size_t k = 0; k < sizeof specs / sizeof *specs; k++)
        if (name && strcmp(name, specs[k].name) == 0)
            return &specs[k];
    return NULL;
}

const char *deq_paper_const_value(const deq_paper_spec *s, const char *name)
{
    for (int k = 0; k < s->n_consts; k++)
        if (strcmp(s->consts[k].name, name) == 0)
            return s->consts[k].value;
    return NULL;
}

const char *deq_const_origin_name(deq_const_origin o)
{
    return o == DEQ_CONST_PAPER ? "paper" : o == DEQ_CONST_DERIVED ? "derived" : "default";
}

double deq_paper_width_at_omega_one(deq_paper_kind kind, long n, double lambda, double delta)
{
    double nn = (double)n;
    double arg = kind == DEQ_PAPER_LING2022 ? nn / (lambda * delta) : nn / delta;
    return nn * nn * log(arg) / (lambda * lambda);
}

const char *deq_paper_tensor_name(deq_paper_kind kind, int slot)
{
    static const char *const gao[DEQ_PAPER_SLOTS] = {"A", "W", "u", "v"};
    static const char *const ling[DEQ_PAPER_SLOTS] = {"W", "U", "a", NULL};
    return kind == DEQ_PAPER_GAO2021 ? gao[slot] : ling[slot];
}

void deq_paper_tensor_shape(long *rows, long *cols, deq_paper_kind kind, int slot, long m, long d)
{
    *rows = m;
    *cols = slot == DEQ_PAPER_T ? m : slot == DEQ_PAPER_IN ? d : 1;
    if (kind == DEQ_PAPER_LING2022 && slot == DEQ_PAPER_V)
        *rows = *cols = 0;
}

static void fill(mat_d_t M, double sd, int rademacher, deq_rng_t rng)
{
    for (long k = 0; k < M->rows * M->cols; k++)
        M->e[k] = rademacher ? deq_rng_rademacher(rng) : sd * deq_rng_gaussian(rng);
}

void deq_paper_draw(mat_d_t T[DEQ_PAPER_SLOTS], deq_paper_kind kind, double sigma_w2,
                    deq_rng_t rng)
{
    long m = T[DEQ_PAPER_T]->rows, d = T[DEQ_PAPER_IN]->cols;
    if (kind == DEQ_PAPER_GAO2021) {
        fill(T[DEQ_PAPER_T], 1.0, 0, rng);
        fill(T[DEQ_PAPER_IN], 1.0, 0, rng);
        fill(T[DEQ_PAPER_U], 1.0, 1, rng);
        fill(T[DEQ_PAPER_V], 1.0, 1, rng);
    } else {
        fill(T[DEQ_PAPER_T], sqrt(2.0 * sigma_w2 / (double)m), 0, rng);
        fill(T[DEQ_PAPER_IN], sqrt(2.0 / (double)d), 0, rng);
        fill(T[DEQ_PAPER_U], sqrt(1.0 / (double)m), 0, rng);
    }
}
