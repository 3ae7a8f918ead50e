"""PyTorch peer of deqcheck-bench (bench/bench_torch.c); run by it as
/usr/bin/python3 bench/torch_peer.py DIR m d n alpha_A alpha_U alpha_v tol max_iter threads

One step, in float64 on the CPU, is the computation deq_forward_solve_d +
deq_loss_grad_d perform with the Picard solver from zeros (src/deq/forward.c,
src/deq/grad.c, src/deq/gram.c):

  forward:  Z = relu(α_A·A·Z + B), B = α_U·U·X, Z₀ = 0, until
            max_i ‖Φ(z_i) − z_i‖₂ <= tol · max_i ‖Φ(z_i)‖₂; Z = Φ(last iterate)
  loss:     f = α_v·Zᵀv, r = f − y, L = ½ Σ r_i²,  ∇_v L = α_v·Z r
  adjoint:  D = relu′(α_A·A·Z + B) (1 where > 0), W = v + α_A·Aᵀ(D ⊙ W), W₀ = 0,
            same stopping rule;  Gc = α_v·D ⊙ W · diag(r)
  grads:    ∇_A L = α_A·Gc·Zᵀ,  ∇_U L = α_U·Gc·Xᵀ

Inputs DIR/{A,U,X,v,y}.bin: raw native float64, column-major (deqcheck's
layout). Protocol on stdin/stdout, one line each: first the peer prints
`ready VERSION TORCH_THREADS OPENBLAS_THREADS` (or `skip REASON` and exits 3);
then `step` -> `time SECONDS FORWARD_ITERS ADJOINT_ITERS OUTCOME`, `dump` ->
writes DIR/{Z,gA,gU,gv,loss}.torch.bin and answers `done`, `quit` -> exits.
The bench times its own steps between the peer's (interleaved repetitions).
"""
import ctypes
import os
import sys
import time


def main(argv):
    try:
        import numpy as np
        import torch
    except Exception as exc:  # python3-torch (or numpy) missing
        print("skip", f"import failed: {exc}".replace("\n", " "), flush=True)
        return 3
    if len(argv) != 11:
        print("skip", "usage: torch_peer.py DIR m d n aA aU av tol max_iter threads", flush=True)
        return 2
    folder = argv[1]
    m, d, n = int(argv[2]), int(argv[3]), int(argv[4])
    aA, aU, av, tol = (float(s) for s in argv[5:9])
    max_iter, threads = int(argv[9]), int(argv[10])

    torch.set_num_threads(threads)  # intra-op (OpenMP) threads: elementwise ops, reductions
    blas_threads = -1  # the dgemm threads: OpenBLAS (Debian's torch links libblas.so.3)
    try:
        ob = ctypes.CDLL("libopenblas.so.0")
        ob.openblas_set_num_threads(threads)
        blas_threads = ob.openblas_get_num_threads()
    except (OSError, AttributeError):
        pass

    def load(name, rows, cols):
        a = np.fromfile(os.path.join(folder, name + ".bin"), dtype=np.float64)
        if a.size != rows * cols:
            raise ValueError(f"{name}.bin: {a.size} values, expected {rows * cols}")
        return torch.from_numpy(np.ascontiguousarray(a.reshape(cols, rows).T))

    def save(name, t):
        t = t.reshape(t.shape[0], -1) if t.dim() > 0 else t.reshape(1, 1)
        t.T.contiguous().numpy().tofile(os.path.join(folder, name + ".torch.bin"))

    A = load("A", m, m)
    U = load("U", m, d)
    X = load("X", d, n)
    v = load("v", m, 1).reshape(m)
    y = load("y", n, 1).reshape(n)
    B = aU * (U @ X)  # the injection, computed once as the problem's set-up (as P->B)
    vcol = v.reshape(m, 1)
    At = A.T  # a view: BLAS gets the transpose flag

    def picard(phi, shape):
        """Picard from zeros with deqcheck's rule; returns (Φ(last), iterations, outcome)."""
        Z = torch.zeros(shape, dtype=torch.float64)
        for k in range(max_iter):
            P = phi(Z)
            r = torch.linalg.vector_norm(P - Z, dim=0).max().item()
            zn = torch.linalg.vector_norm(P, dim=0).max().item()
            if not (r == r and zn == zn) or r == float("inf") or zn == float("inf"):
                return P, k + 1, "non-finite"
            rel = r / zn if zn > 0 else (0.0 if r == 0 else float("inf"))
            if rel <= tol:
                return P, k + 1, "converged"
            Z = P
        return Z, max_iter, "max-iter"

    def step():
        Z, fi, fo = picard(lambda Z: torch.addmm(B, A, Z, alpha=aA).relu_(), (m, n))
        f = av * (Z.T @ v)
        r = f - y
        loss = 0.5 * torch.dot(r, r)
        gv = av * (Z @ r)
        D = (torch.addmm(B, A, Z, alpha=aA) > 0).to(torch.float64)
        W, ai, ao = picard(lambda W: torch.addmm(vcol, At, D * W, alpha=aA), (m, n))
        Gc = (av * D * W) * r  # column i scaled by r_i
        gA = torch.mm(Gc, Z.T).mul_(aA)
        gU = torch.mm(Gc, X.T).mul_(aU)
        outcome = fo if fo != "converged" else ao
        return (Z, gA, gU, gv, loss), fi, ai, outcome

    result = None
    print("ready", torch.__version__, torch.get_num_threads(), blas_threads, flush=True)
    with torch.inference_mode():
        for line in sys.stdin:
            cmd = line.split()
            if not cmd:
                continue
            if cmd[0] == "step":
                t0 = time.perf_counter()
                result, fi, ai, outcome = step()
                t1 = time.perf_counter()
                print(f"time {t1 - t0:.9g} {fi} {ai} {outcome}", flush=True)
            elif cmd[0] == "dump" and result is not None:
                for name, t in zip(("Z", "gA", "gU", "gv", "loss"), result):
                    save(name, t)
                print("done", flush=True)
            elif cmd[0] == "quit":
                break
            else:
                print("error", "unknown or premature command", cmd[0], flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
