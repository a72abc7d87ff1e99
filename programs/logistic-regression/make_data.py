#!/usr/bin/env python3
"""Inputs for logistic-regression.tfe: the data owner's examples, the model owner's starting weights, and the
model plaintext training reaches.

The outputs are committed, so a fresh clone can run the program without Python:

    tfe-vm run programs/logistic-regression/logistic-regression.tfe \\
        --input data_owner=programs/logistic-regression/data/data_owner.npz \\
        --input model_owner=programs/logistic-regression/data/model_owner.npz --out out

Regenerate (NumPy only; the fixed seed makes the files identical every time) with

    python3 programs/logistic-regression/make_data.py

The examples are linearly separable up to label noise: features uniform in [-1, 1], labels from a random
hyperplane. Small features and starting weights keep x @ w within [-8, 8] in every epoch, where the private
sigmoid's polynomial is accurate (the script checks it).

Writes, under programs/logistic-regression/data/:
  data_owner.npz    x float64 [100, 10] (features), y float64 [100, 1] (labels, 0 or 1)
  model_owner.npz   w_init float64 [10, 1] (starting weights)
  expected-w.npy    float64 [10, 1], the weights after 10 epochs of plaintext training with the exact sigmoid
  expected-b.npy    float64 [], the bias after them (a private run's sigmoid is a polynomial: expect
                    differences of a few 1e-3 from these)
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261122
N, D, EPOCHS, LR = 100, 10, 10, 0.5  # logistic-regression.tfe's params and learning rate


def train(x, y, w):
    """The program's loop, in float64 with the exact sigmoid."""
    b = 0.0
    for _ in range(EPOCHS):
        z = x @ w + b
        assert np.abs(z).max() < 6, "x @ w + b left the sigmoid polynomial's range"
        y_hat = 1 / (1 + np.exp(-z))
        dw = x.T @ (y_hat - y) / N
        db = np.mean(y_hat - y)
        w = w - LR * dw
        b = b - LR * db
    return w, b


def main():
    rng = np.random.default_rng(SEED)
    x = rng.uniform(-1, 1, (N, D))
    plane = rng.normal(0, 1, (D, 1))
    noise = rng.normal(0, 0.3, (N, 1))
    y = ((x @ plane + noise) > 0).astype(np.float64)
    w_init = rng.normal(0, 0.1, (D, 1))
    w, b = train(x, y, w_init)

    out = os.path.join(HERE, "data")
    os.makedirs(out, exist_ok=True)
    np.savez(os.path.join(out, "data_owner.npz"), x=x, y=y)
    np.savez(os.path.join(out, "model_owner.npz"), w_init=w_init)
    np.save(os.path.join(out, "expected-w.npy"), w)
    np.save(os.path.join(out, "expected-b.npy"), np.float64(b))
    accuracy = (((x @ w + b) > 0) == (y > 0.5)).mean()
    print(f"wrote the inputs and the trained model to {out}; training accuracy {accuracy:.0%}")


if __name__ == "__main__":
    main()
