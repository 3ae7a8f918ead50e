/* The plots the checkers fill, declared next to nothing else: which check's
 * section shows each, its axes, its fixed reference lines and what to look
 * for. The report draws them from the series the checkers emit and knows no
 * plot or check by name. */
#include <string.h>

#include "theorems/theorem.h"

const thm_plot thm_plots[] = {
    {.name = THM_PLOT_LOSS_RATE,
     .check = "T3.rate",
     .title = "Training loss against the predicted linear rate",
     .xlabel = "GD step k",
     .ylabel = "L(k) / L(0)",
     .logy = 1,
     .draw = {THM_DRAW_LINESPOINTS, THM_DRAW_DASHED},
     .n_draw = 2,
     .caption = "Training loss L(k)/L(0) against the predicted linear rate "
                "(1 - eta lambda_0/2)^k, at the largest width of the sweep, seed 0"},
    {.name = THM_PLOT_CONCENTRATION,
     .check = "T2.concentration",
     .title = "Concentration of the Gram matrix at initialization",
     .xlabel = "width m",
     .ylabel = "||G(0) - H^inf||_2",
     .logx = 1,
     .logy = 1,
     .draw = {THM_DRAW_LINESPOINTS, THM_DRAW_DASHED},
     .n_draw = 2,
     .caption = "||G(0) - H^inf||_2 against width (log-log) with the least-squares fit, the "
                "predicted slope -1/2 and the threshold lambda_0/4: the fit should run parallel "
                "to the slope line, and Lemma 3.3 holds where the points are below the "
                "threshold"},
    {.name = THM_PLOT_LAMBDA_RATIO,
     .check = "T2.concentration",
     .title = "Least eigenvalue of G(0) relative to lambda_0",
     .xlabel = "width m",
     .ylabel = "lambda_min(G(0)) / lambda_0",
     .logx = 1,
     .y_from_zero = 1,
     .draw = {THM_DRAW_LINESPOINTS},
     .n_draw = 1,
     .has_hline = 1,
     .hline = THM_GAO2021_LEMMA33_FRACTION,
     .caption = "lambda_min(G(0)) / lambda_0 against width; the check asks for at least 3/4"},
    {.name = THM_PLOT_BOUND,
     .check = "T4.bound",
     .title = "Generalization bound against the test loss",
     .xlabel = "measured test loss",
     .ylabel = "bound",
     .draw = {THM_DRAW_POINTS},
     .n_draw = 1,
     .diagonal = "bound = test loss",
     .caption = "The generalization bound against the measured test loss (double rows); "
                "points above the diagonal are bounds that hold"},
    {.name = THM_PLOT_PRECISION,
     .check = "T1.error_bound",
     .title = "Digits of a solve against the working precision",
     .xlabel = "working precision p (bits; 53: double)",
     .ylabel = "decimal digits",
     .y_from_zero = 1,
     .draw = {THM_DRAW_LINESPOINTS, THM_DRAW_LINESPOINTS, THM_DRAW_DASHED},
     .n_draw = 3,
     .caption = "One equilibrium solved in double and in MPFR at 64 to 512 bits, each against "
                "a 1024-bit solve: the measured digits of agreement should grow linearly with "
                "the bits, about p log10(2) (the dashed line) less what the conditioning of "
                "the equilibrium costs, and the certified error bound's digits should stay at "
                "or below the measured ones (the bound is never smaller than the true error; "
                "the rows of T1.error_bound assert it)"},
};
const int thm_plot_count = (int)(sizeof thm_plots / sizeof thm_plots[0]);

const thm_plot *thm_plot_find(const char *name)
{
    for (int k = 0; k < thm_plot_count; k++)
        if (strcmp(thm_plots[k].name, name) == 0)
            return &thm_plots[k];
    return NULL;
}
