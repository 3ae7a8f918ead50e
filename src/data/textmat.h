/* The text-matrix format (docs/ARCHITECTURE.md §6):
 *   - a header line "rows cols" (two positive integers);
 *   - then `rows` lines of `cols` whitespace-separated decimal numbers;
 *   - '#' starts a comment that runs to the end of the line; blank lines are skipped.
 * Numbers may carry any number of digits: the MPFR reader rounds each decimal
 * once, correctly, to the working precision; the double reader rounds
 * correctly to double. NaN, Inf, hexadecimal and anything that is not a plain
 * decimal number are rejected with the file and line named.
 * Output prints enough digits to round-trip: 17 significant digits in double,
 * MPFR's round-trip count for the precision in MPFR. */
#ifndef DEQ_DATA_TEXTMAT_H
#define DEQ_DATA_TEXTMAT_H

#include <stdio.h>

#include "core/status.h"
#include "num/mat.h"

#include "num/tmpl_on_d.h"
#include "data/textmat_tmpl.h"
#include "num/tmpl_off.h"
#include "num/tmpl_on_mp.h"
#include "data/textmat_tmpl.h"
#include "num/tmpl_off.h"

#endif
