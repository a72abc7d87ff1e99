#!/usr/bin/env python3
"""Plaintext reference prediction: what the private prediction should reproduce.

Loads a model owner's weights (.npz) and the client's images (client.npz), runs the network in
float64 NumPy, prints the predictions and the accuracy against labels.npy. With --compare it also
scores a private run's logits (tfe-vm writes them as OUT/client/logits.npy) against the plaintext.

    python3 programs/mnist/predict_plaintext.py programs/mnist/data/model-securenn.npz
    python3 programs/mnist/predict_plaintext.py programs/mnist/data/model-pond.npz \\
        --compare out/client/logits.npy

The architecture follows from the archive's members and shapes (override with --arch):
  pond       w0 [784,128], b0, w1 [128,10], b1            784 -> 128 -> sigmoid -> 10
  securenn   w0 [784,512], b0, w1 [512,10], b1            784 -> 512 -> ReLU -> 10
  network-a  w0, b0, w1, b1, w2, b2                       784 -> 128 -> ReLU -> 128 -> ReLU -> 10
  cnn        k0 [5,5,1,16], c0, w1 [2304,10], b1          conv 5x5 VALID -> ReLU -> avgpool 2x2 -> dense
"""
import argparse
import os

import numpy as np

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def relu(z):
    return np.maximum(z, 0.0)


def conv2d_valid(x, k):
    """NHWC input, HWIO kernel, stride 1, VALID padding (as TensorFlow's conv2d)."""
    kh, kw, c, o = k.shape
    win = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))  # [B,H',W',C,kh,kw]
    return np.einsum("bijchw,hwco->bijo", win, k)


def infer_arch(p):
    if "k0" in p:
        return "cnn"
    if "w2" in p:
        return "network-a"
    return "pond" if p["w0"].shape[1] == 128 else "securenn"


def forward(arch, p, x, act_sigmoid=sigmoid):
    """x: [B, 784] with pixels in [0, 1]; returns logits [B, 10]."""
    if arch == "pond":
        return act_sigmoid(x @ p["w0"] + p["b0"]) @ p["w1"] + p["b1"]
    if arch == "securenn":
        return relu(x @ p["w0"] + p["b0"]) @ p["w1"] + p["b1"]
    if arch == "network-a":
        h0 = relu(x @ p["w0"] + p["b0"])
        h1 = relu(h0 @ p["w1"] + p["b1"])
        return h1 @ p["w2"] + p["b2"]
    if arch == "cnn":
        h = relu(conv2d_valid(x.reshape(-1, 28, 28, 1), p["k0"]) + p["c0"])   # [B,24,24,16]
        b, hh, ww, c = h.shape
        pooled = h.reshape(b, hh // 2, 2, ww // 2, 2, c).mean(axis=(2, 4))    # [B,12,12,16]
        return pooled.reshape(b, -1) @ p["w1"] + p["b1"]                      # NHWC flatten
    raise ValueError(arch)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="the model owner's weights, .npz")
    ap.add_argument("--client", default=os.path.join(DATA, "client.npz"), help="client's .npz (member x)")
    ap.add_argument("--labels", default=os.path.join(DATA, "labels.npy"))
    ap.add_argument("--arch", choices=["pond", "securenn", "network-a", "cnn"])
    ap.add_argument("--sigmoid-coeffs", metavar="C0,C1,...",
                    help="evaluate sigmoid as this polynomial (ascending powers), like a private run")
    ap.add_argument("--compare", metavar="LOGITS.npy", help="a private run's logits to score against plaintext")
    ap.add_argument("--save", metavar="LOGITS.npy", help="write the plaintext float64 logits here")
    ap.add_argument("--show", type=int, default=20, help="how many predictions to print")
    args = ap.parse_args()

    with np.load(args.model) as z:
        p = {k: z[k].astype(np.float64) for k in z.files}
    with np.load(args.client) as z:
        x = z["x"].astype(np.float64)
    y = np.load(args.labels)
    arch = args.arch or infer_arch(p)

    act = sigmoid
    if args.sigmoid_coeffs:
        coeffs = [float(c) for c in args.sigmoid_coeffs.split(",")]
        act = lambda z: np.polynomial.polynomial.polyval(z, coeffs)

    logits = forward(arch, p, x, act)
    pred = logits.argmax(axis=1)
    print(f"model {args.model} ({arch}); {len(x)} images")
    if args.show > 0:
        more = " ..." if len(pred) > args.show else ""
        print("predicted:", " ".join(map(str, pred[: args.show])) + more)
        print("actual:   ", " ".join(map(str, y[: args.show])) + more)
    print(f"plaintext accuracy: {(pred == y).mean():.2%} ({(pred == y).sum()}/{len(y)})")
    if args.save:
        np.save(args.save, logits)
        print(f"wrote {args.save}")

    if args.compare:
        private = np.load(args.compare).astype(np.float64)
        if private.shape != logits.shape:
            raise SystemExit(f"{args.compare}: shape {private.shape}, expected {logits.shape}")
        agree = (private.argmax(axis=1) == pred).mean()
        print(f"private accuracy:   {(private.argmax(axis=1) == y).mean():.2%}")
        print(f"private vs plaintext: argmax agreement {agree:.2%}, "
              f"max |logit difference| {np.abs(private - logits).max():.3g}")


if __name__ == "__main__":
    main()
