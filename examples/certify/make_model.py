"""Writes the example DEQ of examples/certify/README.md, deterministically:

    model.npz   W (16x16), U (16x4), b (16,), v (16,), activation "tanh"
    X.npy       8 inputs, shape (8, 4), one per row

W = H diag(ev) H with H a Householder reflection: symmetric, top eigenvalue
1.25, so ||W||_2 = 1.25 > 1 and no global certificate can hold (each fails at
the top eigenvector), while the inputs push tanh into saturation, where the
equilibria are locally contractive. Standard library only (numpy optional:
with it, numpy.savez writes the same arrays).

    python3 make_model.py [OUTDIR]
"""
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from npwrite import npy_bytes, savez  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
rng = random.Random(17)
m, d, n = 16, 4, 8
u = [rng.gauss(0, 1) for _ in range(m)]
un = sum(x * x for x in u)
H = [[(1.0 if i == j else 0.0) - 2 * u[i] * u[j] / un for j in range(m)] for i in range(m)]
ev = [1.25] + [rng.uniform(-0.9, 0.9) for _ in range(m - 1)]
W = [[sum(H[i][k] * ev[k] * H[k][j] for k in range(m)) for j in range(m)] for i in range(m)]
U = [[rng.gauss(0, 1.5) for _ in range(d)] for _ in range(m)]
b = [rng.gauss(0, 0.3) for _ in range(m)]
v = [rng.gauss(0, 1) / math.sqrt(m) for _ in range(m)]
X = [[rng.gauss(0, 1) for _ in range(d)] for _ in range(n)]

try:
    import numpy as np
    np.savez(os.path.join(out, "model.npz"), W=np.array(W), U=np.array(U), b=np.array(b),
             v=np.array(v), activation="tanh")
    np.save(os.path.join(out, "X.npy"), np.array(X))
except ImportError:
    savez(os.path.join(out, "model.npz"), W=W, U=U, b=b, v=v, activation="tanh")
    with open(os.path.join(out, "X.npy"), "wb") as f:
        f.write(npy_bytes(X))
