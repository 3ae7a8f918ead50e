/* deqcheck-bench's PyTorch peer (bench/bench_torch.c, bench/torch_peer.py). */
#ifndef DEQ_BENCH_BENCH_TORCH_H
#define DEQ_BENCH_BENCH_TORCH_H

/* One DEQ training step (Picard forward solve from zeros, loss, implicit
 * gradients of A, U, v through the Picard adjoint from zeros) at m = 1024,
 * n = 1000, relu, on the weights of bench_gd_step, here and in PyTorch float64
 * on the CPU (Debian's python3-torch through /usr/bin/python3), interleaved
 * `reps` times. Prints torch_step_over_ours = median torch time / median our
 * time, the iterations of both, and how far their results differ; prints
 * torch_step_over_ours=skipped (...) when torch cannot be imported. */
void bench_torch_figures(int reps);

#endif
