/* What the papers say about their experiments, in one place (gao2021 Section 4
 * and Figure 1, ling2022 Section 5 and Figure 1; docs/THEORY.md §1.3): the
 * configuration each paper ran, the numbers read from its Figure 1, and the
 * sentences the report's column "paper reports" quotes. Every fact carries its
 * origin: paper (with the place), derived (with the reason) or default.
 * repro/reproduce.c builds the paper's configuration from it, `deqcheck
 * reproduce` prints its step-size names from it, report/reproduce_md.c only
 * renders it. Backend-free constant data. */
#ifndef DEQ_REPRO_PAPER_FACTS_H
#define DEQ_REPRO_PAPER_FACTS_H

#include "deq/paper_model.h"

/* A number and where it comes from. */
typedef struct {
    long value;
    deq_const_origin origin;
    const char *where;    /* the place in the paper, or the reason */
} repro_fact_long;

typedef struct {
    double value;
    deq_const_origin origin;
    const char *where;
} repro_fact_double;

/* A sentence of the paper's, as the report quotes it. */
typedef struct {
    const char *text;
    deq_const_origin origin;
    const char *where;
} repro_fact_text;

typedef struct {
    deq_paper_kind kind;
    /* the configuration of the experiment */
    repro_fact_long n_train, n_test, epochs, d;  /* n_test 0: no test set */
    const long *widths;                          /* the widths of Figure 1 */
    int n_widths;
    const char *widths_where;
    const char *n_train_note;      /* the report's "paper: N (...)" note */
    const char *n_test_note;       /* NULL without a test set */
    const char *d_where;
    const char *model_where;       /* the place of the model's equations */
    const char *loss_where;        /* the place of L = 1/2 |y^ - y|^2 */
    /* the data row of the configuration table: value, origin (a mixed one is
     * spelled out), where and why */
    const char *data_value, *data_origin, *data_where;
    const char *intro;             /* the report's first paragraph: the experiment */
    const char *intro_data;        /* its sentence on the paper's data (NULL: none), left out for --X */
    /* Figure 1 */
    repro_fact_double loss_drop;   /* the fall of ln L the train-loss axis spans */
    const char *op_norm_name;      /* the plotted norm: "(gamma/sqrt(m)) |A(k)|_2", "|W(t)|_2" */
    const char *op_norm_plot_title;
    const char *op_norm_row;       /* its row in "paper reports / we measure" */
    repro_fact_text op_norm;       /* its values in Figure 1 */
    const char *op_norm_caption;   /* the plot's caption: the paper's value in a few words */
    repro_fact_text train_loss, speed, test_loss; /* test_loss.text NULL: not reported */
    /* the step size: not stated by either paper; the theorem's own */
    repro_fact_text step_size;
    const char *theory_lr_name;    /* "Theorem 3.2's scale lambda0/n^2:" */
    /* λ_min(G) along training and (ling2022) Theorem 2 */
    const char *gram_row;
    repro_fact_text gram;
    int gram_strict;               /* the theorem's inequality is strict (ling2022 Theorem 1 (ii)) */
    int gram_lambda0_population;   /* its lambda0 is lambda_min(G^inf) (gao2021), else lambda_min(G(0)) */
    /* Lemma 3.6 (i) is judged only where λ_min(G(0)) >= gram_g0_fraction·λ0 is
     * certified (its hypothesis, from Lemma 3.3; 0: no such hypothesis), as
     * `deqcheck run` asserts it */
    double gram_g0_fraction;
    const char *gram_g0_where;
    /* the row is judged only where the step lies below the theorem's own step
     * (theory_lr; NULL: no such hypothesis), as `deqcheck run` asserts it */
    const char *gram_step_where;
    const char *theorem2_row;      /* NULL: no such check */
    repro_fact_text theorem2;      /* judged from deq_paper_width_at_omega_one's width on, at
                                      t = DEQ_PAPER_DELTA, as `deqcheck run` asserts it */
    const char *theorem2_width;    /* that width's formula, as printed */
} repro_paper_facts;

/* The facts of paper `kind`. */
const repro_paper_facts *repro_paper_facts_of(deq_paper_kind kind);

#endif
