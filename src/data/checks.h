/* The data hypotheses of docs/THEORY.md §1.5: every input has unit norm, and no two
 * inputs are parallel (x_i != ±x_j). The check reports what it observed, with
 * the tolerances it used, and names the offending columns. */
#ifndef DEQ_DATA_CHECKS_H
#define DEQ_DATA_CHECKS_H

#include "num/mat.h"

typedef struct {
    long i, j;    /* 0-based column indices, i < j */
    double angle; /* angle in [0, pi/2] between the lines through x_i and x_j */
} data_pair;

typedef struct {
    long n, d;
    double norm_tol;       /* |‖x_i‖ - 1| <= norm_tol counts as unit norm */
    double max_norm_dev;   /* max_i |‖x_i‖ - 1| */
    long worst_norm_col;   /* column attaining it */
    long n_not_unit;       /* columns outside the norm tolerance */
    int unit_norm_ok;
    double parallel_tol;   /* angle (radians) at or below which two inputs count as parallel */
    double min_angle;      /* smallest angle between the lines through two inputs */
    long min_i, min_j;     /* the pair attaining it (-1 when n < 2) */
    data_pair *parallel;   /* pairs at or below parallel_tol, at most max_listed */
    long n_parallel;       /* how many such pairs exist (may exceed the number listed) */
    long n_listed;
    int no_parallel_ok;
} data_check_struct;
typedef data_check_struct data_check_t[1];

/* Runs both checks on the columns of X. Tolerances are derived from the
 * dimension and double's unit roundoff (see checks.c) and recorded in `out`.
 * At most max_listed parallel pairs are kept, listed by j, then i. Columns of
 * zero or non-finite norm fail the norm check and are left out of the angle
 * check; min_angle is π/2 when there is no pair. X must have at most INT_MAX
 * rows and columns (CBLAS sizes are int). */
void data_check_init(data_check_t out);
void data_check_clear(data_check_t out);
void data_check_hypotheses(data_check_t out, const mat_d_t X, long max_listed);

#endif
