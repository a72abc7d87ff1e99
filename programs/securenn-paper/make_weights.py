#!/usr/bin/env python3
"""Random He-initialised weights for SecureNN's Networks A-D, and their float64 logits (NumPy only).

The paper's networks (Wagh, Gupta and Chandran, PETS 2019, Table 7) are benchmarks of speed, not of accuracy,
so their weights here are random: each kernel and matrix drawn from N(0, 2/fan_in) (He et al.), each bias from
N(0, 0.1^2), with a fixed seed so the files are reproducible. It writes, for X in a, b, c, d:

  data/network-X.npz              the model owner's inputs (w0, b0, ... / k0, c0, ...), float32
  data/expected-logits-X.npy      float64 logits of the saved weights on the first 10 held-out MNIST images
                                  (programs/mnist/data/client.npz), for tests that compare private predictions

Usage (from the repository root): python3 programs/securenn-paper/make_weights.py
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
CLIENT = os.path.join(HERE, "..", "mnist", "data", "client.npz")
IMAGES = 10

# Per network: (name, shape, fan_in) of every input, in program order. Biases have fan_in 0.
NETWORKS = {
    "a": [("w0", (784, 128), 784), ("b0", (128,), 0), ("w1", (128, 128), 128), ("b1", (128,), 0),
          ("w2", (128, 10), 128), ("b2", (10,), 0)],
    "b": [("k0", (5, 5, 1, 16), 25), ("c0", (16,), 0), ("k1", (5, 5, 16, 16), 400), ("c1", (16,), 0),
          ("w2", (256, 100), 256), ("b2", (100,), 0), ("w3", (100, 10), 100), ("b3", (10,), 0)],
    "c": [("k0", (5, 5, 1, 20), 25), ("c0", (20,), 0), ("k1", (5, 5, 20, 50), 500), ("c1", (50,), 0),
          ("w2", (800, 500), 800), ("b2", (500,), 0), ("w3", (500, 10), 500), ("b3", (10,), 0)],
    "d": [("k0", (5, 5, 1, 5), 25), ("c0", (5,), 0), ("w1", (980, 100), 980), ("b1", (100,), 0),
          ("w2", (100, 10), 100), ("b2", (10,), 0)],
}


def relu(z):
    return np.maximum(z, 0.0)


def conv2d(x, k, stride=1, same=False):
    """NHWC input, HWIO kernel, as TensorFlow's conv2d (SAME pads the extra row/column at the bottom/right)."""
    kh, kw, c, o = k.shape
    n, h, w, _ = x.shape
    if same:
        oh, ow = -(-h // stride), -(-w // stride)
        ph, pw = max(0, (oh - 1) * stride + kh - h), max(0, (ow - 1) * stride + kw - w)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    else:
        oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    out = np.zeros((n, oh, ow, o))
    for dy in range(kh):
        for dx in range(kw):
            patch = x[:, dy:dy + stride * (oh - 1) + 1:stride, dx:dx + stride * (ow - 1) + 1:stride, :]
            out += patch @ k[dy, dx]
    return out


def maxpool2(x):
    n, h, w, c = x.shape
    return x[:, :h // 2 * 2, :w // 2 * 2].reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def forward(name, p, x):
    """Float64 logits of network `name` with parameters `p` on images x [n, 28, 28, 1]."""
    n = x.shape[0]
    if name == "a":
        h = relu(x.reshape(n, 784) @ p["w0"] + p["b0"])
        h = relu(h @ p["w1"] + p["b1"])
        return h @ p["w2"] + p["b2"]
    if name in ("b", "c"):
        h = maxpool2(relu(conv2d(x, p["k0"]) + p["c0"]))
        h = maxpool2(relu(conv2d(h, p["k1"]) + p["c1"]))
        h = relu(h.reshape(n, -1) @ p["w2"] + p["b2"])
        return h @ p["w3"] + p["b3"]
    h = relu(conv2d(x, p["k0"], stride=2, same=True) + p["c0"])
    h = relu(h.reshape(n, -1) @ p["w1"] + p["b1"])
    return h @ p["w2"] + p["b2"]


def main():
    os.makedirs(DATA, exist_ok=True)
    images = np.load(CLIENT)["x"][:IMAGES].astype(np.float64).reshape(IMAGES, 28, 28, 1)
    rng = np.random.default_rng(20190715)
    for name, layout in NETWORKS.items():
        params = {}
        for key, shape, fan_in in layout:
            scale = np.sqrt(2.0 / fan_in) if fan_in else 0.1
            params[key] = (rng.standard_normal(shape) * scale).astype(np.float32)
        np.savez(os.path.join(DATA, f"network-{name}.npz"), **params)
        logits = forward(name, {k: v.astype(np.float64) for k, v in params.items()}, images)
        np.save(os.path.join(DATA, f"expected-logits-{name}.npy"), logits)
        print(f"network {name}: logits in [{logits.min():.3f}, {logits.max():.3f}]")


if __name__ == "__main__":
    main()
