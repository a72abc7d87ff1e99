#!/usr/bin/env python3
"""Inputs for securenn-training.tfe and the model plaintext training reaches.

The outputs are committed, so a fresh clone can run the program without Python:

    tfe-vm run programs/securenn-training/securenn-training.tfe \\
        --input data_owner=programs/securenn-training/data/data_owner.npz \\
        --input model_owner=programs/securenn-training/data/model_owner.npz --out out

Regenerate (NumPy only; the fixed seed makes the files identical every time) with

    python3 programs/securenn-training/make_data.py

Writes, under programs/securenn-training/data/:
  data_owner.npz    x float64 [8, 784]: the first 8 images of ../mnist/data/train.npz scaled to [0, 1];
                    y float64 [8, 10]: their labels, one-hot
  model_owner.npz   w0_init float64 [784, 32], w1_init float64 [8, 10]: starting weights (He-style normal)
  expected.npz      w0, b0, w1, b1 float64: the model after the program's 3 steps in float64
                    (train_plaintext.py), which a private run matches within 1e-3
MNIST is by Yann LeCun, Corinna Cortes and Christopher J.C. Burges, under CC BY-SA 3.0 (see
../mnist/data/README.md); the files here, derived from it, are under the same licence.
"""
import os

import numpy as np

import train_plaintext

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261122
N = 8


def main():
    train = np.load(os.path.join(HERE, "..", "mnist", "data", "train.npz"))
    x = train["images"][:N].astype(np.float64) / 255
    y = np.eye(10)[train["labels"][:N]]
    rng = np.random.default_rng(SEED)
    w0 = rng.normal(0, np.sqrt(2 / 784), size=(784, 32))
    w1 = rng.normal(0, np.sqrt(2 / 8), size=(8, 10))
    out = os.path.join(HERE, "data")
    os.makedirs(out, exist_ok=True)
    np.savez(os.path.join(out, "data_owner.npz"), x=x, y=y)
    np.savez(os.path.join(out, "model_owner.npz"), w0_init=w0, w1_init=w1)
    expected = train_plaintext.train(x, y, w0, w1)
    np.savez(os.path.join(out, "expected.npz"), **expected)
    for name, value in expected.items():
        print(f"{name}: {list(value.shape)}, norm {np.linalg.norm(value):.6f}")


if __name__ == "__main__":
    main()
