#!/usr/bin/env python3
"""securenn-training.tfe in float64 NumPy: the same SGD steps, the model a private run must reproduce.

    python3 programs/securenn-training/train_plaintext.py [--compare OUT_DIR]

Reads data/data_owner.npz and data/model_owner.npz and prints the final weights' norms; with --compare it reads
a private run's outputs (OUT_DIR/model_owner/{w0,b0,w1,b1}.npy) and prints the largest differences.
Definitions (as the program's built-ins): relu_deriv(z) = 1 where z >= 0; maxpool2d_grad routes each window's
gradient to the window's first maximum in row-major order; the division is exact here (the private run's
long division floors to 2^-16).
"""
import argparse
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS, LR, EPS = 3, 0.5, 0.05  # securenn-training.tfe's steps, learning rate and normaliser margin


def maxpool(h):
    """2x2, stride 2, VALID, NHWC: the maxima and each window's first maximum as a one-hot mask."""
    n, hh, ww, c = h.shape
    windows = h.reshape(n, hh // 2, 2, ww // 2, 2, c).transpose(0, 1, 3, 5, 2, 4).reshape(n, hh // 2, ww // 2, c, 4)
    first = windows.argmax(axis=-1)  # NumPy's argmax: the first maximum
    onehot = np.eye(4)[first]  # [n, oh, ow, c, 4]
    return windows.max(axis=-1), onehot


def unpool(routed, shape):
    """Adds each window's [.., 4] values back into the 2x2 cells of an NHWC tensor of `shape`."""
    n, hh, ww, c = shape
    blocks = routed.reshape(n, hh // 2, ww // 2, c, 2, 2).transpose(0, 1, 4, 2, 5, 3)
    return blocks.reshape(n, hh, ww, c)


def train(x, y, w0, w1, steps=STEPS):
    n = x.shape[0]
    b0, b1 = np.zeros(32), np.zeros(10)
    for _ in range(steps):
        z0 = x @ w0 + b0
        h = np.maximum(z0, 0).reshape(n, 4, 8, 1)
        pooled, onehot = maxpool(h)
        f = pooled.reshape(n, 8)
        z1 = f @ w1 + b1
        r = np.maximum(z1, 0)
        p = r / (r.sum(axis=1, keepdims=True) + EPS)
        dz1 = (p - y) * (z1 >= 0) / n
        dw1 = f.T @ dz1
        db1 = dz1.sum(axis=0)
        dpool = (dz1 @ w1.T).reshape(n, 2, 4, 1)
        dh = unpool(onehot * dpool[..., None], h.shape)
        dz0 = dh.reshape(n, 32) * (z0 >= 0)
        dw0 = x.T @ dz0
        db0 = dz0.sum(axis=0)
        w0, b0, w1, b1 = w0 - LR * dw0, b0 - LR * db0, w1 - LR * dw1, b1 - LR * db1
    return {"w0": w0, "b0": b0, "w1": w1, "b1": b1}


def load():
    data = np.load(os.path.join(HERE, "data", "data_owner.npz"))
    model = np.load(os.path.join(HERE, "data", "model_owner.npz"))
    return data["x"], data["y"], model["w0_init"], model["w1_init"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", help="a private run's --out directory")
    args = parser.parse_args()
    trained = train(*load())
    for name, value in trained.items():
        print(f"{name}: shape {list(value.shape)}, norm {np.linalg.norm(value):.6f}")
    if args.compare:
        for name, value in trained.items():
            private = np.load(os.path.join(args.compare, "model_owner", name + ".npy"))
            print(f"{name}: largest difference from the private run {np.abs(private - value).max():.3g}")


if __name__ == "__main__":
    main()
