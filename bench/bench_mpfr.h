/* deqcheck-bench's MPFR figures (bench/bench_mpfr.c; see bench/README.md). */
#ifndef DEQ_BENCH_BENCH_MPFR_H
#define DEQ_BENCH_BENCH_MPFR_H

/* Prints mpfr_gemm_speedup_vs_naive (our 256-bit product, n = 128, over the
 * term-by-term loop), mpfr_gemm_over_arb (over Arb's arb_mat_mul on the same
 * inputs; "skipped" when built without Arb) and mpfr_thread_speedup (an MPFR
 * forward solve, m = 256, n = 64, on 1 thread over 2 threads), each from the
 * medians of `reps` interleaved repetitions, with context lines. */
void bench_mpfr_figures(int reps);

#endif
