/* Dense column-major matrices in both backends.
 *
 * mat_d_t holds doubles (directly usable by CBLAS); mat_mp_t holds initialized
 * mpfr_t entries, all at the matrix's precision. Entry (i, j) is e[i + j*rows].
 * Every generic function exists twice, with suffix _d and _mp; generic sources
 * call them as G(name) (num/generic.h). Arguments: outputs first, precision last.
 */
#ifndef DEQ_NUM_MAT_H
#define DEQ_NUM_MAT_H

#include <mpfr.h>
#include <stddef.h>

typedef struct {
    double *e;
    long rows, cols;
} mat_d_struct;
typedef mat_d_struct mat_d_t[1];

typedef struct {
    __mpfr_struct *e;
    long rows, cols;
    long prec;
} mat_mp_struct;
typedef mat_mp_struct mat_mp_t[1];

typedef enum { MAT_NOTRANS = 0, MAT_TRANS = 1 } mat_op;

#include "num/tmpl_on_d.h"
#include "num/mat_tmpl.h"
#include "num/tmpl_off.h"

#include "num/tmpl_on_mp.h"
#include "num/mat_tmpl.h"
#include "num/tmpl_off.h"

#endif
