/* The linear-softmax family of kawaguchi2021 (THEOREMS §1), generic source
 * deq/linear.c:  z = γ·S(A) z + x,  S(A) the column-wise softmax of A (each
 * column sums to 1), and U = (I − γS)^{-1}. */
#ifndef DEQ_DEQ_LINEAR_H
#define DEQ_DEQ_LINEAR_H

#include "num/mat.h"

#include "num/tmpl_on_d.h"
#include "deq/linear_tmpl.h"
#include "num/tmpl_off.h"
#include "num/tmpl_on_mp.h"
#include "deq/linear_tmpl.h"
#include "num/tmpl_off.h"

#endif
