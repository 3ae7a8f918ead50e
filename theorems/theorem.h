/* The theorem-checker framework (docs/ARCHITECTURE.md §5).
 *
 * Each theorem family is one file in theorems/ exporting a const thm_family:
 * its checks (id, source key, kind, the inequality asserted) and a run
 * function that appends result rows for a configuration. The families are
 * listed in an explicit registry (registry.c), the gsl_rng_type pattern. A row
 * is one check on one case in one backend: lhs, rhs, margin, tolerance,
 * verdict, digits of agreement, notes. Heavy numerics live in src/. */
#ifndef DEQ_THEOREMS_THEOREM_H
#define DEQ_THEOREMS_THEOREM_H

#include <stdio.h>

#include "deq/model.h"
#include "deq/paper_model.h"
#include "num/mat.h"

/* Verdicts (docs/THEORY.md §4; README "How to read a verdict"). A row asserts lhs <= rhs; each side
 * carries an interval [lo, hi] that contains its true value (certified) or is
 * its best estimate with an error bar (estimated). thm_row_judge turns the
 * intervals and hypotheses into the verdict:
 *   ERROR         a NaN anywhere in the row, or the computation failed;
 *   REPORTED      the check (kind report) asserts nothing;
 *   N/A           a hypothesis of the theorem is not met on this case (what was
 *                 observed is kept in `observed`); also when, outside the
 *                 hypotheses, nothing could be computed (NaN numbers);
 *   VIOLATED      lhs_lo > rhs_hi: the inequality is false beyond every error bar;
 *   VACUOUS       rhs at or beyond the trivial bound of its quantity: the
 *                 inequality would say nothing even if it holds;
 *   HOLDS         lhs_hi <= rhs_lo;
 *   INCONCLUSIVE  the intervals overlap.
 * WITHHELD is a control's verdict only: a certificate that had to be refused
 * was refused. UNSET is the verdict of a row that was never judged: a defect. */
typedef enum {
    THM_HOLDS = 0,
    THM_VIOLATED,
    THM_INCONCLUSIVE,
    THM_NA,
    THM_VACUOUS,
    THM_REPORTED,
    THM_ERROR,
    THM_WITHHELD,
    THM_UNSET,
    THM_VERDICTS
} thm_verdict;
typedef enum { THM_EXACT = 0, THM_ASYMPTOTIC, THM_REPORT } thm_kind;
/* How a row's error bars were obtained. */
typedef enum { THM_CERTIFIED = 0, THM_ESTIMATED } thm_error_kind;
/* What a row observed, whatever its verdict: used for N/A rows, so a theorem
 * that holds far outside its hypotheses is visible. */
typedef enum { THM_OBS_NONE = 0, THM_OBS_HOLDS, THM_OBS_FAILS, THM_OBS_UNDECIDED } thm_observed;

const char *thm_verdict_name(thm_verdict v);
const char *thm_kind_name(thm_kind k);
const char *thm_error_kind_name(thm_error_kind k);
const char *thm_observed_name(thm_observed o);

typedef struct {
    const char *id;        /* "T1.contraction" */
    const char *source;    /* key of docs/THEORY.md §0 */
    thm_kind kind;
    const char *assertion; /* the inequality in full (intervals, control), for the appendix */
    const char *cites;     /* the statement tested, in the paper's numbering ("Lemma 2.2,
                              Eq. (9)"), or how the form was derived where the paper is known
                              from its abstract */
    const char *claim;     /* the assertion in a few words, for the summary table */
    const char *sides;     /* one sentence: what lhs and rhs are, in the paper's notation */
} thm_check;

/* One hypothesis of the theorem a row tests, evaluated on the row's case:
 * "value relation required", e.g. gamma = 0.2 "<=" 0.25. */
typedef struct {
    char name[40];
    double value;
    char relation[4]; /* "<", "<=", ">", ">=", "=" */
    double required;
    int met;
} thm_hypothesis;

#define THM_MAX_HYPOTHESES 6

/* One result row. Strings are copied into the row. */
typedef struct {
    char id[32];
    char source[32];
    char preset[32];
    long width;
    long n;
    unsigned long seed;
    char data[64];
    char backend[32];      /* "double", "mpfr-<bits>", or "a/b" for a comparison of two */
    double lhs, rhs;       /* the asserted lhs <= rhs, point values (NAN where not applicable) */
    double lhs_lo, lhs_hi; /* intervals around them (thm_row_lhs / thm_row_rhs) */
    double rhs_lo, rhs_hi;
    thm_error_kind error_kind;
    double trivial;        /* the trivial bound of rhs's quantity (a probability's 1, a rate
                              factor's 1, the zero predictor's loss); NAN: none */
    double margin;         /* rhs − lhs */
    double tolerance;      /* the derived numerical tolerance folded into the error bars (printed) */
    double digits;         /* digits of agreement with the other backend / precision, or NAN */
    thm_hypothesis hyp[THM_MAX_HYPOTHESES];
    int n_hyp;
    int failed;            /* the computation behind the row failed (solver, NaN): ERROR */
    int is_control;        /* a negative control: a case built so that the assertion is false */
    int expect_withheld;   /* a control of a certificate: caught when the certificate is refused */
    thm_observed observed;
    thm_verdict verdict;
    char note[480];
} thm_row;

/* Sets the row's case: preset, width m (−1: none), n, seed, data and backend
 * labels (copied, cut to the row's fields). */
void thm_row_set_case(thm_row *r, const char *preset, long m, long n, unsigned long seed, const char *data,
                      const char *backend);
/* Sets lhs = value with the interval [lo, hi] (lo <= value <= hi). */
void thm_row_lhs(thm_row *r, double value, double lo, double hi);
/* Sets rhs = value with the interval [lo, hi]. */
void thm_row_rhs(thm_row *r, double value, double lo, double hi);
/* Appends a hypothesis "value relation required" and evaluates it. */
void thm_row_hypothesis(thm_row *r, const char *name, double value, const char *relation,
                        double required);
/* Appends a hypothesis whose truth the caller decided (a certificate issued, say):
 * value is 1 when met, 0 when not, and required 1. */
void thm_row_hypothesis_flag(thm_row *r, const char *name, int met);
/* Marks the computation behind the row as failed; the note says why. */
void thm_row_fail(thm_row *r, const char *fmt, ...);
/* Applies the verdict rule above (after lhs, rhs, hypotheses, trivial and
 * failed are set); also sets margin and observed. A control row ignores its
 * hypotheses (it breaks one on purpose) and, with expect_withheld, reads a
 * verdict other than HOLDS and ERROR as WITHHELD. */
void thm_row_judge(thm_row *r);
/* Is a control's verdict a catch? VIOLATED or WITHHELD. */
int thm_control_caught(const thm_row *r);
/* lhs / rhs, how close the inequality is to equality, for lhs >= 0 and rhs > 0
 * (NAN otherwise). */
double thm_row_tightness(const thm_row *r);

/* A data series for a report plot: points (x[k], y[k]) under a label, drawn
 * in the plot named by `plot` (THM_PLOT_*, declared in thm_plots). Rows carry the verdicts; series
 * carry what a plot shows beyond the rows (trajectories, fitted lines). */
typedef struct {
    char plot[32];
    char label[96];
    long len;
    double *x, *y;
} thm_series;

#define THM_PLOT_LOSS_RATE "loss-rate"         /* training loss and the predicted rate */
#define THM_PLOT_CONCENTRATION "concentration" /* ||G(0) - H^inf|| against width, fit */
#define THM_PLOT_LAMBDA_RATIO "lambda-ratio"   /* lambda_min(G(0)) / lambda_0 against width */
#define THM_PLOT_BOUND "bound"                 /* T4's bound against the measured test loss */
#define THM_PLOT_PRECISION "precision"         /* digits of a solve against the precision */

/* How a series is drawn. */
typedef enum {
    THM_DRAW_LINESPOINTS = 0, /* measured values, joined */
    THM_DRAW_DASHED,          /* a prediction or a fit */
    THM_DRAW_POINTS,          /* measured values, unjoined */
} thm_draw;

/* A plot as the checker that fills it declares it (theorems/plots.c): the
 * report draws every declared plot some series names, with the plot's
 * title, axes, reference lines and caption, in the appendix under `check`,
 * and draws none without data. Reference lines that depend on the case
 * (a fitted line, a threshold λ₀/4) are series of their own. */
typedef struct {
    const char *name;       /* the series' `plot`; the file suffix <stem>-<name>.svg */
    const char *check;      /* the check whose appendix section shows it */
    const char *title, *xlabel, *ylabel;
    int logx, logy;
    int y_from_zero;        /* the y axis starts at 0 */
    thm_draw draw[4];       /* series k is drawn draw[k mod n_draw], in the order emitted */
    int n_draw;
    int has_hline;          /* a dotted horizontal line at y = hline */
    double hline;
    const char *diagonal;   /* the line y = x over the data's range, with this label (NULL: none) */
    const char *caption;    /* what to look for */
} thm_plot;

/* gao2021 Lemma 3.3's fraction and the papers' δ (deq/paper_model.h, shared
 * with `deqcheck reproduce`), under the checks' names. */
#define THM_GAO2021_LEMMA33_FRACTION DEQ_GAO2021_LEMMA33_FRACTION
#define THM_PAPER_DELTA DEQ_PAPER_DELTA
/* Control choice (not a paper's): a control multiplies one constant of the
 * statement by a factor read from the row itself, through the same formula,
 * so that the bound misses the measured value by this factor: an upper bound
 * becomes half the measured lower end, a lower bound twice the measured upper
 * end, a promised contraction twice the measured one. The control thus runs
 * the row's own formula and intervals with a constant it is known to fail by
 * a fixed factor, instead of swapping the whole side for an unrelated value. */
#define THM_CONTROL_MISS 2.0

extern const thm_plot thm_plots[];
extern const int thm_plot_count;
/* The declared plot called name, NULL if none. */
const thm_plot *thm_plot_find(const char *name);

typedef struct {
    thm_row *rows;
    long len, cap;
    thm_series **series; /* each allocated apart: a series pointer stays valid */
    long n_series;
} thm_results_struct;
typedef thm_results_struct thm_results_t[1];

void thm_results_init(thm_results_t r);
void thm_results_clear(thm_results_t r);
/* Appends a row initialized with the check's id and source, the case fields
 * empty, numbers NAN and the verdict UNSET; returns it for the caller to fill
 * and judge (thm_row_judge). */
thm_row *thm_results_add(thm_results_t r, const thm_check *check);
/* Appends a control row of check (is_control set), otherwise as thm_results_add. */
thm_row *thm_results_add_control(thm_results_t r, const thm_check *check);
/* Appends a series of len points (x, y uninitialized) and returns it; the
 * pointer stays valid until thm_results_clear. (A row pointer from
 * thm_results_add is valid only until the next row is added.) */
thm_series *thm_results_add_series(thm_results_t r, const char *plot, const char *label, long len);
/* Appends copies of src's rows and series to dst. */
void thm_results_append(thm_results_t dst, const thm_results_t src);

/* The scale of a run's work beyond its widths (GD steps, truncation orders,
 * data sizes): the profile's, named, never guessed from the number of widths. */
typedef enum { THM_SCALE_QUICK = 0, THM_SCALE_DEFAULT, THM_SCALE_PAPER } thm_scale;
/* The scale of a profile by name; an unknown name is THM_SCALE_QUICK. */
thm_scale thm_scale_of_profile(const char *profile);

/* What a run covers: sizes, seeds, precision (docs/THEORY.md §6 profiles). */
typedef struct {
    const char *profile;
    thm_scale scale;      /* thm_scale_of_profile(profile) */
    long widths[8];
    int n_widths;
    long d, n;
    int seeds;
    long mpfr_max_m;      /* MPFR cases for widths up to this */
    long prec;            /* MPFR precision */
    unsigned long seed;   /* the run seed; cases derive theirs from it */
    const deq_preset *presets[8];
    int n_presets;
    int sub;              /* the case's index within its part (thm_part), -1: all */
    int fashion_pos, fashion_neg; /* Fashion-MNIST classes labelled +1 and −1 (default 0, 1) */
    const char *fashion_dir;      /* where the IDX files are; NULL: DEQ_FASHION_MNIST_DIR */
} thm_config;

/* The widest m×m weight matrix a case holds under cfg: the run's largest
 * width, or the cap of T2.ling2022_theorem2's width ladder when wider
 * (theorems/gram_eigen_papers.c). run_memory_estimate sizes from it. */
long thm_max_square_width(const thm_config *cfg);

/* A family's work is a list of parts; a part with subs splits into
 * independent cases (one per preset, say), selected by cfg->sub.
 * A case is the unit of checkpointing, sharding and MPI distribution: its
 * rows depend only on the configuration and the case, never on which other
 * cases ran, so any subset of cases run anywhere reassembles into the rows of
 * the whole run. */
typedef struct {
    const char *name;     /* "networks" */
    void (*run)(thm_results_t out, const thm_config *cfg);
    int subs;             /* 0: one case; k > 0: k cases; THM_SUBS_PER_PRESET */
    const char *const *sub_names; /* names of the k cases in their keys (NULL: 0..k-1) */
} thm_part;

#define THM_SUBS_PER_PRESET (-1) /* one case per preset of the configuration */

typedef struct {
    const char *name;     /* "well-posedness" */
    const char *title;
    const thm_check *checks;
    int n_checks;
    const thm_part *parts;
    int n_parts;
} thm_family;

/* Part loops over their sub-cases call this: does cfg select sub-case k? */
static inline int thm_sub_selected(const thm_config *cfg, int k)
{
    return cfg->sub < 0 || cfg->sub == k;
}

/* A paper whose statements the checks test, by the key the checks cite. */
typedef struct {
    const char *key;     /* "gao2021" */
    const char *authors;
    const char *title;
    const char *venue;
    const char *arxiv;   /* "2110.05645" */
    int full_text;       /* 1: statements and constants from the full text; 0: from the
                            abstract only, so the checked forms are derived */
} thm_source;

extern const thm_source thm_sources[];
extern const int thm_source_count;
const thm_source *thm_source_find(const char *key);

/* The registry: every family, in report order. */
extern const thm_family *const thm_registry[];
extern const int thm_registry_count;
const thm_family *thm_family_find(const char *name);
const thm_check *thm_check_find(const char *id);

/* One case of a run: family, part, sub-case, and its key
 * "family/part[/sub]" (sub as the preset name where the part is per preset). */
typedef struct {
    const thm_family *fam;
    int part, sub;
    char key[96];
} thm_case;

/* The cases of a run over the families fams, in report order; returns the
 * count and stores up to cap of them in out (out may be NULL to count). */
long thm_cases_enumerate(thm_case *out, long cap, const thm_family *const *fams, int nfam,
                         const thm_config *cfg);
/* Runs one case, appending its rows and series to out. */
void thm_case_run(thm_results_t out, const thm_case *c, const thm_config *cfg);

/* Seed of one case from the run seed and the case coordinates, so each case
 * is reproducible on its own. */
unsigned long thm_case_seed(unsigned long seed, unsigned long a, unsigned long b, unsigned long c);
/* The network of a case: A (m×m), U (m×d), v (m×1) initialized here and
 * drawn N(0,1) by deq_weights_draw from a generator seeded with seed. */
void thm_network_draw(mat_d_t A, mat_d_t U, mat_d_t v, long m, long d, unsigned long seed);
/* The preset's σ_u for input dimension d as the decimal string the problem
 * takes (17 digits: the double itself). */
void thm_sigma_u_string(char *buf, size_t len, const deq_preset *pre, long d);
/* "mpfr-256" / "double" */
void thm_backend_label(char *buf, size_t len, int is_mpfr, long prec);
/* −log10(|x − ref| / max(|ref|, tiny)), capped at the digits of the finer precision. */
double thm_digits(double dist, double scale, long finer_prec);

#endif
