#!/usr/bin/env python3
"""Writes the tensor files that tests/test_io.c reads, with NumPy's own
writers (numpy.save, numpy.lib.format.write_array, numpy.savez,
numpy.savez_compressed) and a safetensors file whose bytes are laid out here by
hand (the safetensors package is not needed).

    python3 make_fixtures.py DIR

The committed copies in tests/io-fixtures/ were written by this script with
Debian 12's NumPy 1.24; test_io reruns it into a temporary directory when
python3 with NumPy is installed, and checks both.

Values: entry [i, j] of a tensor with seed s is val(s, i, j) below, a
multiple of 1/4 in [-2, 2], exact in float16, bfloat16, float32 and float64.
"""
import json
import struct
import sys

import numpy as np


def val(s, i, j):
    return (((i * 5 + j * 3 + s) % 17) - 8) / 4.0


def mat(s, rows, cols, dtype):
    return np.array([[val(s, i, j) for j in range(cols)] for i in range(rows)], dtype=dtype)


def vec(s, rows, dtype):
    return np.array([val(s, i, 0) for i in range(rows)], dtype=dtype)


def bf16_bits(x):
    """bfloat16 bits of a float32 value that bfloat16 holds exactly."""
    u = struct.unpack("<I", struct.pack("<f", x))[0]
    assert u & 0xFFFF == 0, x
    return u >> 16


def main(out):
    # .npy, every format version, both byte orders, both storage orders
    np.save(f"{out}/v1_f8_c.npy", mat(1, 3, 4, "<f8"))
    for version in [(2, 0), (3, 0)]:
        with open(f"{out}/v{version[0]}_f8_c.npy", "wb") as f:
            np.lib.format.write_array(f, mat(1, 3, 4, "<f8"), version=version)
    np.save(f"{out}/be_f4_fortran.npy", np.asfortranarray(mat(2, 3, 4, ">f4")))
    np.save(f"{out}/le_f2_vec.npy", vec(3, 5, "<f2"))
    # float16 specials: subnormals, the smallest normal, the largest finite, -0, 1/3 rounded
    np.save(f"{out}/f2_special.npy",
            np.array([2.0**-24, -(2.0**-24), 3 * 2.0**-24, 1023 * 2.0**-24, 2.0**-14, 65504.0,
                      -0.0, 1 / 3], dtype=">f2"))
    # inputs: n = 5 samples of d = 3, one per row, stored in Fortran order
    np.save(f"{out}/inputs_fortran.npy", np.asfortranarray(mat(4, 5, 3, "<f8")))
    # .npz: savez (stored) and savez_compressed (deflated), both with Zip64 records
    model = dict(W=mat(5, 4, 4, "<f8"), U=mat(6, 4, 3, "<f4"), b=vec(7, 4, "<f2"),
                 activation=np.array("tanh"))
    np.savez(f"{out}/model_savez.npz", **model)
    np.savez_compressed(f"{out}/model_savez_compressed.npz", **model)
    # safetensors by hand: F64 W, F32 U, F16 b, BF16 V, and __metadata__
    tensors = [("W", "F64", (4, 4), mat(5, 4, 4, "<f8").tobytes()),
               ("U", "F32", (4, 3), mat(6, 4, 3, "<f4").tobytes()),
               ("b", "F16", (4,), vec(7, 4, "<f2").tobytes()),
               ("V", "BF16", (2, 3), b"".join(struct.pack("<H", bf16_bits(x))
                                               for x in mat(8, 2, 3, "<f4").ravel()))]
    header, data = {"__metadata__": {"activation": "tanh"}}, b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)  # the reference writer pads the header to 8 bytes
    with open(f"{out}/model.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + data)


if __name__ == "__main__":
    main(sys.argv[1])
