"""Writers for .npy, .npz and .safetensors with the Python standard library only
(numpy is not needed; when it is installed, numpy.savez writes the same files).

    npy_bytes(rows, dtype="<f8", fortran=False) -> bytes of a 2-D (or 1-D) array
    savez(path, compress=False, **arrays)      -> numpy.savez / savez_compressed
    save_safetensors(path, arrays, metadata, dtype="F64")

An array is a list of rows (2-D) or a list of numbers (1-D), or a str (a
one-element unicode array, as numpy.savez(activation="tanh") stores it).
"""
import json
import struct
import zipfile


def _header(descr, fortran, shape):
    d = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
        descr, "True" if fortran else "False",
        "(%d,)" % shape[0] if len(shape) == 1 else "(%d, %d)" % shape)
    pad = 64 - (10 + len(d) + 1) % 64
    h = d + " " * pad + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode("latin1")


def npy_bytes(a, dtype="<f8", fortran=False):
    if isinstance(a, str):
        n = max(1, len(a))
        descr = "<U%d" % n
        body = a.ljust(n, "\0").encode("utf-32-le")
        d = "{'descr': '%s', 'fortran_order': False, 'shape': (), }" % descr
        pad = 64 - (10 + len(d) + 1) % 64
        h = d + " " * pad + "\n"
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode("latin1") + body
    fmt = {"<f8": "<d", "<f4": "<f", ">f8": ">d", ">f4": ">f", "<f2": "<e"}[dtype]
    if a and isinstance(a[0], list):
        r, c = len(a), len(a[0])
        order = [a[i][j] for j in range(c) for i in range(r)] if fortran else \
                [x for row in a for x in row]
        shape = (r, c)
    else:
        order, shape = list(a), (len(a),)
    return _header(dtype, fortran, shape) + b"".join(struct.pack(fmt, x) for x in order)


def savez(path, compress=False, dtype="<f8", **arrays):
    mode = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", mode) as z:
        for name, a in arrays.items():
            z.writestr(name + ".npy", npy_bytes(a, "<f8" if isinstance(a, str) else dtype))


def _bf16(x):
    b = struct.unpack("<I", struct.pack("<f", x))[0]
    if b & 0xFFFF:
        raise ValueError("%r is not exact in bfloat16" % x)
    return struct.pack("<H", b >> 16)


def save_safetensors(path, arrays, metadata=None, dtype="F64"):
    header, blobs, off = {}, [], 0
    for name, a in arrays.items():
        if a and isinstance(a[0], list):
            flat, shape = [x for row in a for x in row], [len(a), len(a[0])]
        else:
            flat, shape = list(a), [len(a)]
        if dtype == "BF16":
            data = b"".join(_bf16(x) for x in flat)
        else:
            data = b"".join(struct.pack({"F64": "<d", "F32": "<f"}[dtype], x) for x in flat)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
