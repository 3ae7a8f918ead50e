/* The papers' experiments as the papers report them (see repro/paper_facts.h). */
#include "repro/paper_facts.h"

#include "data/fashion.h"

#define P DEQ_CONST_PAPER
#define DERIVED DEQ_CONST_DERIVED

static const long gao_widths[] = {500, 1000, 2000, 4000};
static const long ling_widths[] = {3000, 3500, 4000, 4500, 5000};

static const repro_paper_facts gao2021 = {
    .kind = DEQ_PAPER_GAO2021,
    .n_train = {1000, P, "gao2021, Section 4: 500 random training samples per class, classes 0 and 1"},
    .n_test = {1000, P, "gao2021, Section 4: 500 random test samples per class"},
    .epochs = {1000, P, "gao2021, Section 4: 1000 epochs of full-batch gradient descent"},
    .d = {DEQ_FASHION_SIDE * DEQ_FASHION_SIDE, P, "gao2021, Section 4: resized to 28x28"},
    .widths = gao_widths,
    .n_widths = 4,
    .widths_where = "gao2021, Section 4 and Figure 1",
    .n_train_note = "500 random per class, Section 4",
    .n_test_note = "500 random per class",
    .d_where = "28x28 images (Section 4)",
    .model_where = "gao2021, Eqs. 1-5",
    .loss_where = "gao2021 Eq. 5",
    .data_value = "Fashion-MNIST classes 0 (T-shirt/top, label +1) and 1 (Trouser, label -1), 28x28 grey, "
                  "unit norm",
    .data_origin = "paper (dataset, classes, preprocessing); default (labels +-1)",
    .data_where = "gao2021 Section 4 uses MNIST, FashionMNIST, CIFAR10, SVHN; only Fashion-MNIST is packaged "
                  "in Debian (dataset-fashion-mnist): MNIST, CIFAR10 and SVHN are not, so they are not run; "
                  "the paper does not state its label encoding",
    .intro = "The experiment of gao2021 (Gao, Liu, Liu, Rajan, Gao, ICLR 2022), Section 4 and Figure 1: the "
             "paper's implicit network trained by full-batch gradient descent on two classes, log training and "
             "test loss and the operator norm (gamma/sqrt(m))|A(k)|_2 against the epoch for several widths.",
    .intro_data = "Run here on **Fashion-MNIST** only: MNIST, CIFAR10 and SVHN, the paper's other datasets, are "
                  "not packaged in Debian.",
    /* FashionMNIST's train-loss axis reads about -0.5 ... -3 */
    .loss_drop = {2.5, DERIVED, "gao2021 Figure 1, FashionMNIST train-loss axis about -0.5 ... -3 (our "
                                "reading of the ticks)"},
    .op_norm_name = "(gamma/sqrt(m)) |A(k)|_2",
    .op_norm_plot_title = "operator norm (gamma/sqrt(m)) |A(k)|_2",
    .op_norm_row = "operator norm (gamma/sqrt(m)) |A(k)|_2",
    .op_norm = {"about 0.1980 ... 0.1992 on every dataset, essentially its initial value, slightly larger for "
                "larger m (Figure 1, right column)", P, "gao2021, Figure 1 (axis ticks) and Section 4"},
    .op_norm_caption = "about 0.198-0.199",
    .train_loss = {"log training loss falls steadily over the 1000 epochs for every width (Figure 1, "
                   "train-loss panels; FashionMNIST axis about -0.5 ... -3, the minus signs read from the "
                   "layout, base and normalization not stated)", P, "gao2021, Figure 1"},
    .speed = {"larger m converges faster in training", P, "gao2021, Section 4"},
    .test_loss = {"larger m gives a lower test loss; no bias-variance U-curve (FashionMNIST test axis about "
                  "-1 ... -3)", P, "gao2021, Section 4 and Figure 1"},
    .step_size = {"not stated; Theorem 3.2 asks alpha = O(lambda0/n^2) (shown: lambda0/n^2 with lambda0 = "
                  "lambda_min(G^inf), the O's constant unknown)", P, "gao2021, Section 4 and Theorem 3.2"},
    .theory_lr_name = "Theorem 3.2's scale lambda0/n^2:",
    .gram_row = "Lemma 3.6 (i): lambda_min(G(k)) >= lambda0/2 (G = Phi Phi^T, lambda0 = lambda_min(G^inf))",
    .gram = {"a consequence of the theorems' width condition, not plotted in the paper. G = Phi Phi^T has "
             "rank <= m: at m < n lambda_min(G) = 0 and (i) cannot hold (the paper's own m = 500 < n = 1000 "
             "is such a width)", P, "gao2021, Lemma 3.6 (i)"},
    .gram_strict = 0,
    .gram_lambda0_population = 1,
    .gram_g0_fraction = DEQ_GAO2021_LEMMA33_FRACTION,
    .gram_g0_where = "Lemma 3.3's conclusion, which Lemma 3.6 assumes",
    .theorem2_row = NULL,
};

static const repro_paper_facts ling2022 = {
    .kind = DEQ_PAPER_LING2022,
    .n_train = {1000, P, "ling2022, Section 5: n = 1000 synthetic points"},
    .n_test = {0, P, "ling2022, Section 5: no test metrics are reported"},
    .epochs = {2000, P, "ling2022, Figure 1: 2000 epochs on the plot axis"},
    .d = {1000, P, "ling2022, Section 5: d = 1000"},
    .widths = ling_widths,
    .n_widths = 5,
    .widths_where = "ling2022, Section 5 and Figure 1 (synthetic)",
    .n_train_note = "Section 5",
    .n_test_note = NULL,
    .d_where = "ling2022, Section 5",
    .model_where = "ling2022, Section 2.1",
    .loss_where = "ling2022 Section 2.1",
    .data_value = "n points uniform on the sphere of radius sqrt(d), y_i ~ N(0,1)",
    .data_origin = "paper",
    .data_where = "ling2022, Section 5 (synthetic experiment; its MNIST and CIFAR10 panels need widths "
                  "21000-30000 and are not run)",
    .intro = "The synthetic experiment of ling2022 (Ling, Xie, Wang, Zhang, Lin, AISTATS 2023), Section 5 and "
             "Figure 1: the paper's DEQ trained by full-batch gradient descent, log training loss and the "
             "largest singular value |W(t)|_2 against the epoch for several widths.",
    .loss_drop = {16.0, DERIVED, "ling2022 Figure 1, synthetic train-loss axis about 8 ... -8 (our reading "
                                 "of the ticks)"},
    .op_norm_name = "|W(t)|_2",
    .op_norm_plot_title = "|W(t)|_2",
    .op_norm_row = "|W(t)|_2 (largest singular value)",
    .op_norm = {"stays below 1, about 0.798 ... 0.801 (synthetic); 2 sqrt(2) sigma_w = 0.8 is Lemma 1's value "
                "at initialization", P, "ling2022, Figure 1 (axis ticks) and Lemma 1"},
    .op_norm_caption = "about 0.8, below 1",
    .train_loss = {"log training loss falls about linearly over 2000 epochs (Figure 1, synthetic: axis about "
                   "8 ... -8)", P, "ling2022, Figure 1"},
    .speed = {"larger m converges faster, to a smaller final loss", P, "ling2022, Section 5"},
    .test_loss = {NULL, P, "ling2022, Section 5: no test metrics"},
    .step_size = {"not stated; Theorem 1 asks eta below bound (10) (shown: (10) at initialization with "
                  "lambda0 = lambda_min(G(0)), delta = (1 - |W(0)|_2)/2)", P,
                  "ling2022, Section 5 and Theorem 1, Eq. (10)"},
    .theory_lr_name = "Theorem 1's bound (10):",
    .gram_row = "Theorem 1 (ii): lambda_t > lambda0/2 (G = Z^T Z, lambda0 = lambda_min(G(0)))",
    .gram = {"a consequence of Theorem 1's conditions, not plotted in the paper. G = Z^T Z has rank <= m: at "
             "m < n lambda_min(G) = 0", P, "ling2022, Theorem 1 (ii)"},
    .gram_strict = 1,
    .gram_lambda0_population = 0,
    .gram_step_where = "Theorem 1 asks eta below bound (10)",
    .theorem2_row = "Theorem 2: lambda0 >= m lambda*/2",
    .theorem2 = {"proved for m = Omega(n^2/lambda*^2 log(n/(lambda* t))) (the Omega's constant is not stated: judged from "
                 "the width at constant 1 on, as deqcheck run asserts it)", P, "ling2022, Theorem 2"},
    .theorem2_width = "n^2 log(n/(lambda* t))/lambda*^2",
};

const repro_paper_facts *repro_paper_facts_of(deq_paper_kind kind)
{
    return kind == DEQ_PAPER_GAO2021 ? &gao2021 : &ling2022;
}
