#!/usr/bin/env python3
"""Writes the .npy/.npz fixtures that TFERuntimeTests read. Run from anywhere:

    python3 Tests/TFENumPyTests/Fixtures/make_fixtures.py

The tests hard-code the values below, so change both together. Keep the files small (< 50 KB in all).
"""
import os
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def save(name, array, **kwargs):
    np.save(os.path.join(HERE, name), array, **kwargs)


def small_values(dtype):
    """2x3 values that exercise each type's extremes: the tests expect exactly these."""
    info = np.iinfo(dtype) if np.issubdtype(dtype, np.integer) else None
    if dtype == np.bool_:
        return np.array([[True, False, True], [False, False, True]])
    if info is not None:
        return np.array([[info.min, -1 if info.min < 0 else 1, 0], [1, 2, info.max]], dtype=dtype)
    return np.array([[-1.5, 0.0, 0.25], [3.0, np.inf, -np.inf]], dtype=dtype)


def main():
    # One file per supported dtype, as numpy writes them ('<f4', '|i1', '|b1', ...).
    for code in ["f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "b1"]:
        dtype = np.dtype(code)
        save(f"dtype_{code}.npy", small_values(dtype.type))

    save("scalar.npy", np.float64(42.5))
    save("empty.npy", np.zeros((0,), dtype=np.float64))
    save("empty_2x0x3.npy", np.zeros((2, 0, 3), dtype=np.int32))
    save("cube.npy", np.arange(24, dtype=np.int64).reshape(2, 3, 4))
    save("fortran.npy", np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3)))
    save("bigendian.npy", np.arange(4, dtype=">f8"))
    save("native_order.npy", np.arange(3, dtype="=i4"))  # numpy still writes '<i4'
    save("complex.npy", np.array([1 + 2j, 3 - 4j]))
    save("strings.npy", np.array(["ab", "cde"]))
    save("structured.npy", np.zeros(2, dtype=[("x", "<f8"), ("y", "<i4")]))
    save("float16.npy", np.arange(3, dtype=np.float16))
    save("object.npy", np.array([1, "a"], dtype=object), allow_pickle=True)

    # Header versions 2.0 and 3.0 (numpy picks them only when needed, so force them).
    for version in [(2, 0), (3, 0)]:
        with open(os.path.join(HERE, f"version{version[0]}.npy"), "wb") as f:
            np.lib.format.write_array(f, np.arange(5, dtype="<f8").reshape(1, 5), version=version)

    # The exact bytes numpy writes, to compare the writer against.
    save("written_f8.npy", np.array([[1.0, -2.5], [1e300, 0.0]]))
    save("written_i8.npy", np.array([7, -8, 2**62], dtype=np.int64))
    save("written_scalar_i8.npy", np.int64(-3))
    save("written_long_shape_f8.npy", np.zeros((1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2)))

    members = {
        "weights": np.arange(12, dtype=np.float64).reshape(3, 4) / 4,
        "bias": np.array([1, -2, 3], dtype=np.int32),
        "flag": np.array(True),
        "image": (np.arange(64, dtype=np.uint8) * 3).reshape(8, 8),
    }
    np.savez(os.path.join(HERE, "stored.npz"), **members)
    np.savez_compressed(os.path.join(HERE, "compressed.npz"), **members)
    # A compressed member large enough that deflate actually works across several blocks.
    np.savez_compressed(os.path.join(HERE, "compressed_large.npz"), ramp=np.arange(3000, dtype=np.int64) % 7)
    np.savez(os.path.join(HERE, "empty.npz"))

    # What numpy writes for members over 4 GiB, in miniature: lowering zipfile's ZIP64 threshold makes
    # Python emit ZIP64 extra fields in the central directory and a ZIP64 end record.
    saved_limit = zipfile.ZIP64_LIMIT
    zipfile.ZIP64_LIMIT = 64
    try:
        np.savez(os.path.join(HERE, "zip64.npz"), a=np.arange(10, dtype=np.float64), b=np.arange(3, dtype=np.int8))
    finally:
        zipfile.ZIP64_LIMIT = saved_limit


if __name__ == "__main__":
    main()
