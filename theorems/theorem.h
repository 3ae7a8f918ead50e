/* The theorem-checker framework (DESIGN.md §5).
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

typedef enum { THM_HOLDS = 0, THM_VIOLATED, THM_INCONCLUSIVE, THM_NA, THM_ERROR, THM_VERDICTS } thm_verdict;
typedef enum { THM_EXACT = 0, THM_ASYMPTOTIC, THM_REPORT } thm_kind;

const char *thm_verdict_name(thm_verdict v);
const char *thm_kind_name(thm_kind k);

typedef struct {
    const char *id;        /* "T1.contraction" */
    const char *source;    /* key of THEOREMS §0 */
    thm_kind kind;
    const char *assertion; /* the inequality, as printed in reports */
} thm_check;

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
    double lhs, rhs;       /* the asserted lhs <= rhs (NAN where not applicable) */
    double margin;         /* rhs − lhs */
    double tolerance;      /* numerical tolerance used in the verdict (printed) */
    double digits;         /* digits of agreement with the other backend / precision, or NAN */
    thm_verdict verdict;
    char note[200];
} thm_row;

typedef struct {
    thm_row *rows;
    long len, cap;
} thm_results_struct;
typedef thm_results_struct thm_results_t[1];

void thm_results_init(thm_results_t r);
void thm_results_clear(thm_results_t r);
/* Appends a row initialized with the check's id and source, the case fields
 * empty and numbers NAN; returns it for the caller to fill. */
thm_row *thm_results_add(thm_results_t r, const thm_check *check);

/* What a run covers: sizes, seeds, precision (THEOREMS §6 profiles). */
typedef struct {
    const char *profile;
    long widths[8];
    int n_widths;
    long d, n;
    int seeds;
    long mpfr_max_m;      /* MPFR cases for widths up to this */
    long prec;            /* MPFR precision */
    unsigned long seed;   /* the run seed; cases derive theirs from it */
    const deq_preset *presets[8];
    int n_presets;
    int progress;         /* print progress to stderr */
    int fashion_pos, fashion_neg; /* Fashion-MNIST classes labelled +1 and −1 (default 0, 1) */
    const char *fashion_dir;      /* where the IDX files are; NULL: DEQ_FASHION_MNIST_DIR */
} thm_config;

typedef struct {
    const char *name;     /* "well-posedness" */
    const char *title;
    const thm_check *checks;
    int n_checks;
    void (*run)(thm_results_t out, const thm_config *cfg);
} thm_family;

/* The registry: every family, in report order. */
extern const thm_family *const thm_registry[];
extern const int thm_registry_count;
const thm_family *thm_family_find(const char *name);

/* Seed of one case from the run seed and the case coordinates, so each case
 * is reproducible on its own. */
unsigned long thm_case_seed(unsigned long seed, unsigned long a, unsigned long b, unsigned long c);
/* "mpfr-256" / "double" */
void thm_backend_label(char *buf, size_t len, int is_mpfr, long prec);
/* −log10(|x − ref| / max(|ref|, tiny)), capped at the digits of the finer precision. */
double thm_digits(double dist, double scale, long finer_prec);

/* H^∞ (THEOREMS §2.2) of the preset's trained groups for inputs X (double
 * entries), computed in double (prec = 53) or MPFR at prec into Hout (n×n,
 * initialized at a precision >= prec); eb gets the certified eigenvalue bounds
 * of the computed matrix, *quad_err the propagated quadrature-error estimate;
 * why (may be empty) the reason when the result is not KERNEL_CONVERGED
 * (theorems/gram_eigen.c). */
#include "kernel/nngp.h"
#include "num/eig_bound.h"
kernel_outcome thm_population_ntk(mat_mp_t Hout, num_eig_bounds_t eb, double *quad_err,
                                  const deq_preset *pre, const mat_d_t X, long prec, char *why,
                                  size_t why_len);

#endif
