/* Threads for the per-sample loops of the generic deq sources (forward.c,
 * grad.c, gram.c). Include after num/generic.h.
 *
 * The samples (columns) are independent: a loop over them runs on OpenMP
 * threads, each column computed by the same operations whatever the thread
 * count, so results are bit-identical for any OMP_NUM_THREADS. In MPFR every
 * elementwise operation is a library call costing as much as hundreds of
 * double flops, so all of them are threaded. In double the products are
 * OpenBLAS's (with its own threads); the per-sample work between two products
 * (Anderson's small least-squares problems, the residual norms, the passes
 * forming the next product's operand) would otherwise run on one core while
 * OpenBLAS's threads wait for the next product: about a quarter of a
 * warm-started training step at m = 1024.
 *
 * PAR_MIN_OPS: operations below which a loop stays on one thread, about 1 ms
 * of work (an MPFR operation at 256 bits costs about 35 ns, a double one about
 * 1 ns; PAR_MOVE_OPS for the memory traffic). The end of a parallel region
 * waits for every thread, and on a machine whose cores are busy a descheduled
 * thread costs a scheduler time slice (milliseconds) there: these loops run a
 * few times per solver iteration, where that is affordable, while regions
 * inside inner loops (a 256×256 gemv per refinement step) would not be (see
 * PAR_MIN_WORK in num/gemm_mp.c). Loops over an m×n iterate count their
 * operations. */
#ifndef DEQ_DEQ_PAR_H
#define DEQ_DEQ_PAR_H

#include <omp.h>

/* the pragma's text with its macros (PAR_COLS, PAR_MIN_OPS) expanded */
#define PAR_PRAGMA_TEXT(x) _Pragma(#x)
#define PAR_PRAGMA(x) PAR_PRAGMA_TEXT(x)
#ifdef DEQ_MPFR
#define MP_PRAGMA(x) PAR_PRAGMA_TEXT(x)
#define PAR_MIN_OPS 32768.0
#else
#define MP_PRAGMA(x)
#define PAR_MIN_OPS 1048576.0
#endif

/* How the columns go to the threads. In double, the same contiguous block of
 * columns to the same thread in every loop (static): an iteration's passes
 * then find their columns in the cache the previous pass left them in. Dealt
 * out one at a time (dynamic), a column's next pass mostly runs on the other
 * core: an 8 MB copy and a subtraction over the same columns took 0.92 ms on
 * two threads against 0.60 ms on one, and 0.28 ms with static blocks
 * (m = 1024, n = 1000, on the project's 2-core machine). In MPFR a column's
 * cost depends on its data (the operands' lengths), so dynamic balances. */
#ifdef DEQ_MPFR
#define PAR_COLS schedule(dynamic)
#else
#define PAR_COLS schedule(static)
#endif

/* Operations per entry for a pass that moves an entry (a copy, a selection,
 * and the load and store around an arithmetic operation): in double a load
 * and a store streaming through memory; in MPFR an mpfr_set of a few limbs,
 * about a tenth of an arithmetic operation. */
#ifdef DEQ_MPFR
#define PAR_MOVE_OPS 0.1
#else
#define PAR_MOVE_OPS 2.0
#endif

#endif
