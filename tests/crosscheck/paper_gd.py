#!/usr/bin/env python3
"""An implementation of gao2021's and ling2022's models and of full-batch gradient
descent on them, written from the papers' equations and independent of deqcheck's
C code: equilibria by plain Picard iteration, gradients by implicit differentiation
with dense linear solves (deqcheck uses Anderson and adjoint fixed points), the
Gram matrix's least eigenvalue by numpy's eigvalsh. It writes initial weights and
data as .npz/.npy (the files a user brings to `deqcheck train --init --X --y`),
runs `deqcheck train` on them and compares the logs step by step: loss, the
plotted operator norm, lambda_min(G) against deqcheck's certified enclosure, and
the final weights written by --save.

usage: paper_gd.py DEQCHECK_BINARY   (exit 0 agree, 1 disagree, 77 numpy missing)
"""
import csv
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("numpy is not installed: skipped")
    sys.exit(77)

U = np.finfo(float).eps / 2
# Two correct double implementations differ by rounding, amplified by the GD
# dynamics; a logic error (a missing factor, a wrong derivative) moves the
# numbers at O(1). Half the digits, sqrt(u), separates the two.
TOL = np.sqrt(U)


def relu(t):
    return np.maximum(t, 0)


def equilibrium(B, b):
    """z = relu(B z + b) column by column, Picard from 0 until the step is at
    rounding level relative to the iterate."""
    z = np.zeros_like(b)
    for _ in range(100000):
        zn = relu(B @ z + b)
        if np.max(np.abs(zn - z)) <= 4 * U * max(np.max(np.abs(zn)), np.finfo(float).tiny):
            return zn
        z = zn
    raise RuntimeError("Picard iteration did not converge")


def gao2021(rng, m, d, n, steps, lr):
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)          # Assumption 2: |x| = 1
    y = np.tanh(2 * X @ rng.standard_normal(d) / np.sqrt(d))
    A = rng.standard_normal((m, m))                          # Assumption 1
    W = rng.standard_normal((m, d))
    u = rng.choice([-1.0, 1.0], m)
    v = rng.choice([-1.0, 1.0], m)
    init = dict(A=A.copy(), W=W.copy(), u=u.copy(), v=v.copy())
    g = 0.1 / np.sqrt(m)                                     # gamma/sqrt(m), gamma = 0.1
    log = []
    for k in range(steps + 1):
        Phi = relu(W @ X.T) / np.sqrt(m)                     # columns phi_i
        Z = equilibrium(g * A, Phi)
        r = u @ Z + v @ Phi - y
        log.append((0.5 * r @ r, g * np.linalg.norm(A, 2), Phi.T @ Phi))
        if k == steps:
            break
        gA, gW = np.zeros_like(A), np.zeros_like(W)
        for i in range(n):
            D = (g * A @ Z[:, i] + Phi[:, i] > 0).astype(float)   # relu'(0) = 0
            E = (W @ X[i] > 0).astype(float)
            q = np.linalg.solve((np.eye(m) - g * D[:, None] * A).T, u)
            gA += r[i] * g * np.outer(D * q, Z[:, i])
            gW += r[i] / np.sqrt(m) * np.outer(E * (D * q + v), X[i])
        gu, gv = Z @ r, Phi @ r
        A, W, u, v = A - lr * gA, W - lr * gW, u - lr * gu, v - lr * gv
    return X, y, init, log, dict(A=A, W=W, u=u, v=v)


def ling2022(rng, m, d, n, steps, lr):
    X = rng.standard_normal((n, d))
    X *= np.sqrt(d) / np.linalg.norm(X, axis=1, keepdims=True)   # Assumption 2(i)
    y = rng.standard_normal(n)
    s2 = 0.08                                                     # sigma_w^2, Section 5
    W = rng.standard_normal((m, m)) * np.sqrt(2 * s2 / m)         # Assumption 1
    Uw = rng.standard_normal((m, d)) * np.sqrt(2 / d)
    a = rng.standard_normal(m) / np.sqrt(m)
    init = dict(W=W.copy(), U=Uw.copy(), a=a.copy())
    log = []
    for k in range(steps + 1):
        B = Uw @ X.T
        Z = equilibrium(W, B)
        r = a @ Z - y
        log.append((0.5 * r @ r, np.linalg.norm(W, 2), Z.T @ Z))
        if k == steps:
            break
        gW, gU = np.zeros_like(W), np.zeros_like(Uw)
        for i in range(n):
            D = (W @ Z[:, i] + B[:, i] >= 0).astype(float)            # relu'(0) = 1
            q = np.linalg.solve((np.eye(m) - D[:, None] * W).T, a)
            gW += r[i] * np.outer(D * q, Z[:, i])
            gU += r[i] * np.outer(D * q, X[i])
        W, Uw, a = W - lr * gW, Uw - lr * gU, a - lr * (Z @ r)
    return X, y, init, log, dict(W=W, U=Uw, a=a)


def check(binary, paper, make, m, d, n, steps, lr, seed):
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        X, y, init, log, final = make(np.random.default_rng(seed), m, d, n, steps, lr)
        np.savez(os.path.join(tmp, "init.npz"), **init)
        np.save(os.path.join(tmp, "X.npy"), X)
        np.save(os.path.join(tmp, "y.npy"), y)
        cmd = [binary, "train", "--preset", paper, "--init", "init.npz", "--X", "X.npy",
               "--y", "y.npy", "--steps", str(steps), "--lr", repr(lr), "--gram-every", "1",
               "--log", "log.csv", "--save", "final.npz"]
        res = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
        if res.returncode != 0:
            print(f"{paper}: deqcheck train exited {res.returncode}: {res.stderr.strip()}")
            return 1
        rows = list(csv.DictReader(open(os.path.join(tmp, "log.csv"))))
        if len(rows) != steps + 1:
            print(f"{paper}: {len(rows)} log lines, expected {steps + 1}")
            return 1
        worst = {"loss": 0.0, "op_norm": 0.0}
        for k, (row, (loss, op, G)) in enumerate(zip(rows, log)):
            for name, ref in (("loss", loss), ("op_norm", op)):
                err = abs(float(row[name]) - ref) / abs(ref)
                worst[name] = max(worst[name], err)
                if err > TOL:
                    print(f"{paper}: step {k}: {name} {row[name]} against {ref!r} (rel {err:.2e})")
                    bad = 1
            # numpy's eigvalsh is backward stable: its value is within a small
            # multiple of n u |G|_F of the truth, which deqcheck's certified
            # enclosure [lower, upper] must contain.
            lam = np.linalg.eigvalsh(G)[0]
            slack = 4 * n * U * np.linalg.norm(G)
            lo, hi = float(row["lam_min_G_lower"]), float(row["lam_min_G_upper"])
            if not (lo - slack <= lam <= hi + slack):
                print(f"{paper}: step {k}: lambda_min(G) {lam!r} outside [{lo!r}, {hi!r}]")
                bad = 1
        saved = np.load(os.path.join(tmp, "final.npz"))
        for name, ref in final.items():
            err = np.max(np.abs(saved[name].reshape(ref.shape) - ref)) / np.max(np.abs(ref))
            worst["final " + name] = err
            if err > TOL:
                print(f"{paper}: final {name} differs (rel {err:.2e})")
                bad = 1
        print(f"{paper}: m={m} d={d} n={n} {steps} steps lr={lr}: loss {log[0][0]:.6g} -> "
              f"{log[-1][0]:.6g}; largest relative differences "
              + ", ".join(f"{k} {v:.1e}" for k, v in worst.items()) + f" (tolerance {TOL:.1e})")
    return bad


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    # step sizes below each model's stability limit at these sizes (2/lambda_max
    # of the Hessian, about 0.1 for gao2021 and 1e-3 for ling2022)
    bad = check(binary, "gao2021", gao2021, 48, 10, 24, 20, 0.02, 7)
    bad |= check(binary, "ling2022", ling2022, 48, 10, 24, 20, 2e-4, 8)
    return bad


if __name__ == "__main__":
    sys.exit(main())
