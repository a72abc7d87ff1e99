#!/usr/bin/env python3
"""The model owners' plaintext training, outside the protocol (NumPy only).

Trains, with mini-batch Adam written by hand, the plaintext models whose weights the model
owners feed to the private-prediction programs, on programs/mnist/data/train.npz (3,900 images),
and scores them on the 100 held-out images in programs/mnist/data/client.npz (never trained on):

  pond      784 -> 128 -> sigmoid -> 10                 programs/mnist/data/model-pond.npz
  securenn  784 -> 512 -> ReLU -> 10                    programs/mnist/data/model-securenn.npz
  network-a 784 -> 128 -> ReLU -> 128 -> ReLU -> 10     programs/network-a/data/model.npz
  cnn       conv 5x5x1x16 VALID -> ReLU -> avgpool 2x2 -> flatten -> dense 10
                                                        programs/cnn/data/model.npz
  cnn-maxpool  the same with maxpool 2x2 (stride 2) instead of avgpool
                                                        programs/cnn/data/model-maxpool.npz

Each archive's member names are the program's private-input names (w0, b0, w1, b1, ...; the CNN's
kernel is k0 [5,5,1,16] HWIO with bias c0 [16], then w1 [2304,10], b1 [10]), stored as float32.
Next to each model it writes the float64 logits that the saved (float32) weights give on the 100
test images, for tests that compare private predictions with plaintext:

  programs/mnist/data/expected-logits-pond.npy, programs/mnist/data/expected-logits-securenn.npy,
  programs/network-a/data/expected-logits.npy, programs/cnn/data/expected-logits.npy,
  programs/cnn/data/expected-logits-maxpool.npy

Usage (from the repository root):

    python3 programs/mnist/train.py                     # all five models
    python3 programs/mnist/train.py --models pond cnn   # a subset
"""
import argparse
import os
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = os.path.dirname(HERE)
DATA = os.path.join(HERE, "data")

# Where each model's weights and expected logits go.
OUTPUTS = {
    "pond": (os.path.join(DATA, "model-pond.npz"), os.path.join(DATA, "expected-logits-pond.npy")),
    "securenn": (os.path.join(DATA, "model-securenn.npz"), os.path.join(DATA, "expected-logits-securenn.npy")),
    "network-a": (os.path.join(PROGRAMS, "network-a", "data", "model.npz"),
                  os.path.join(PROGRAMS, "network-a", "data", "expected-logits.npy")),
    "cnn": (os.path.join(PROGRAMS, "cnn", "data", "model.npz"),
            os.path.join(PROGRAMS, "cnn", "data", "expected-logits.npy")),
    "cnn-maxpool": (os.path.join(PROGRAMS, "cnn", "data", "model-maxpool.npz"),
                    os.path.join(PROGRAMS, "cnn", "data", "expected-logits-maxpool.npy")),
}

# Hyper-parameters per model: epochs, learning rate, L2 coefficient on the weights (not biases).
SETTINGS = {
    "pond": dict(epochs=30, lr=2e-3, l2=1e-3),
    "securenn": dict(epochs=20, lr=1e-3, l2=1e-4),
    "network-a": dict(epochs=25, lr=1e-3, l2=1e-4),
    "cnn": dict(epochs=12, lr=2e-3, l2=1e-4),
    "cnn-maxpool": dict(epochs=12, lr=2e-3, l2=1e-4),
}


# ----------------------------------------------------------------------------------------------
# Layers. Each forward returns (output, cache); each backward takes d(output) and returns
# (d(input), {param name: gradient}).

def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def relu(z):
    return np.maximum(z, 0.0)


def conv2d_valid(x, k):
    """x: [B, H, W, C] (NHWC), k: [kh, kw, C, O] (HWIO), stride 1, VALID. im2col + matmul."""
    kh, kw, c, o = k.shape
    # windows: [B, H-kh+1, W-kw+1, C, kh, kw] -> columns ordered (kh, kw, C) like k's rows.
    win = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(1, 2))
    cols = win.transpose(0, 1, 2, 4, 5, 3).reshape(x.shape[0], win.shape[1], win.shape[2], kh * kw * c)
    return cols @ k.reshape(kh * kw * c, o), cols


def avgpool2x2(x):
    """x: [B, H, W, C] with even H, W; 2x2 window, stride 2."""
    b, h, w, c = x.shape
    return x.reshape(b, h // 2, 2, w // 2, 2, c).mean(axis=(2, 4))


def avgpool2x2_backward(d):
    return np.repeat(np.repeat(d, 2, axis=1), 2, axis=2) / 4.0


def maxpool2x2(x):
    """x: [B, H, W, C] with even H, W; 2x2 window, stride 2. Returns (pooled, argmax index 0..3
    of each window in row-major (dy, dx) order, the first maximum as np.argmax picks)."""
    b, h, w, c = x.shape
    win = x.reshape(b, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 5, 2, 4).reshape(b, h // 2, w // 2, c, 4)
    arg = win.argmax(axis=-1)
    return np.take_along_axis(win, arg[..., None], axis=-1)[..., 0], arg


def maxpool2x2_backward(d, arg):
    """Route each window's gradient to its (first) maximum."""
    b, h2, w2, c = d.shape
    win = np.zeros((b, h2, w2, c, 4))
    np.put_along_axis(win, arg[..., None], d[..., None], axis=-1)
    return win.reshape(b, h2, w2, c, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(b, h2 * 2, w2 * 2, c)


class Model:
    """A plaintext model: named float64 parameters and a forward/backward pass."""

    def __init__(self, kind, rng):
        self.kind = kind
        he = lambda fan_in, shape: rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)
        glorot = lambda fan_in, fan_out, shape: rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), shape)
        if kind == "pond":
            self.p = dict(w0=glorot(784, 128, (784, 128)), b0=np.zeros(128),
                          w1=glorot(128, 10, (128, 10)), b1=np.zeros(10))
        elif kind == "securenn":
            self.p = dict(w0=he(784, (784, 512)), b0=np.zeros(512),
                          w1=glorot(512, 10, (512, 10)), b1=np.zeros(10))
        elif kind == "network-a":
            self.p = dict(w0=he(784, (784, 128)), b0=np.zeros(128),
                          w1=he(128, (128, 128)), b1=np.zeros(128),
                          w2=glorot(128, 10, (128, 10)), b2=np.zeros(10))
        elif kind in ("cnn", "cnn-maxpool"):
            self.p = dict(k0=he(25, (5, 5, 1, 16)), c0=np.zeros(16),
                          w1=glorot(12 * 12 * 16, 10, (12 * 12 * 16, 10)), b1=np.zeros(10))
        else:
            raise ValueError(kind)

    def weight_names(self):
        return [n for n in self.p if n[0] in "wk"]

    def forward(self, x, keep=False):
        """x: [B, 784] in [0, 1]. Returns logits [B, 10] (and the cache when keep)."""
        p, cache = self.p, {"x": x}
        if self.kind == "pond":
            cache["z0"] = z0 = x @ p["w0"] + p["b0"]
            cache["h0"] = h0 = sigmoid(z0)
            out = h0 @ p["w1"] + p["b1"]
        elif self.kind == "securenn":
            cache["z0"] = z0 = x @ p["w0"] + p["b0"]
            cache["h0"] = h0 = relu(z0)
            out = h0 @ p["w1"] + p["b1"]
        elif self.kind == "network-a":
            cache["z0"] = z0 = x @ p["w0"] + p["b0"]
            cache["h0"] = h0 = relu(z0)
            cache["z1"] = z1 = h0 @ p["w1"] + p["b1"]
            cache["h1"] = h1 = relu(z1)
            out = h1 @ p["w2"] + p["b2"]
        else:  # cnn, cnn-maxpool
            img = x.reshape(-1, 28, 28, 1)
            conv, cache["cols"] = conv2d_valid(img, p["k0"])
            cache["z0"] = z0 = conv + p["c0"]                  # [B, 24, 24, 16]
            if self.kind == "cnn":
                pooled = avgpool2x2(relu(z0))                  # [B, 12, 12, 16]
            else:
                pooled, cache["arg"] = maxpool2x2(relu(z0))
            cache["f"] = f = pooled.reshape(len(x), -1)        # NHWC flatten, as Keras
            out = f @ p["w1"] + p["b1"]
        return (out, cache) if keep else out

    def backward(self, dout, cache):
        p, g = self.p, {}
        x = cache["x"]
        if self.kind in ("pond", "securenn"):
            h0 = cache["h0"]
            g["w1"], g["b1"] = h0.T @ dout, dout.sum(0)
            dh0 = dout @ p["w1"].T
            dz0 = dh0 * h0 * (1.0 - h0) if self.kind == "pond" else dh0 * (cache["z0"] > 0)
            g["w0"], g["b0"] = x.T @ dz0, dz0.sum(0)
        elif self.kind == "network-a":
            h0, h1 = cache["h0"], cache["h1"]
            g["w2"], g["b2"] = h1.T @ dout, dout.sum(0)
            dz1 = (dout @ p["w2"].T) * (cache["z1"] > 0)
            g["w1"], g["b1"] = h0.T @ dz1, dz1.sum(0)
            dz0 = (dz1 @ p["w1"].T) * (cache["z0"] > 0)
            g["w0"], g["b0"] = x.T @ dz0, dz0.sum(0)
        else:  # cnn, cnn-maxpool
            f = cache["f"]
            g["w1"], g["b1"] = f.T @ dout, dout.sum(0)
            dpooled = (dout @ p["w1"].T).reshape(-1, 12, 12, 16)
            if self.kind == "cnn":
                dh = avgpool2x2_backward(dpooled)
            else:
                dh = maxpool2x2_backward(dpooled, cache["arg"])
            dz0 = dh * (cache["z0"] > 0)                       # [B, 24, 24, 16]
            cols = cache["cols"]
            g["k0"] = (cols.reshape(-1, 25).T @ dz0.reshape(-1, 16)).reshape(5, 5, 1, 16)
            g["c0"] = dz0.sum((0, 1, 2))
        return g


def softmax_cross_entropy(logits, y):
    """Mean cross-entropy and its gradient with respect to the logits."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    prob = e / e.sum(axis=1, keepdims=True)
    n = len(y)
    loss = -np.log(prob[np.arange(n), y] + 1e-12).mean()
    d = prob
    d[np.arange(n), y] -= 1.0
    return loss, d / n


class Adam:
    def __init__(self, params, lr, b1=0.9, b2=0.999, eps=1e-8):
        self.lr, self.b1, self.b2, self.eps, self.t = lr, b1, b2, eps, 0
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self, params, grads, lr):
        self.t += 1
        for k, gk in grads.items():
            self.m[k] = self.b1 * self.m[k] + (1 - self.b1) * gk
            self.v[k] = self.b2 * self.v[k] + (1 - self.b2) * gk * gk
            mhat = self.m[k] / (1 - self.b1 ** self.t)
            vhat = self.v[k] / (1 - self.b2 ** self.t)
            params[k] -= lr * mhat / (np.sqrt(vhat) + self.eps)


def accuracy(logits, y):
    return float((logits.argmax(axis=1) == y).mean())


def train(kind, x, y, seed, batch, epochs, lr, l2, log):
    rng = np.random.default_rng(seed)
    model = Model(kind, rng)
    opt = Adam(model.p, lr)
    steps_per_epoch = (len(x) + batch - 1) // batch
    total = epochs * steps_per_epoch
    step = 0
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        losses = []
        for i in range(0, len(x), batch):
            idx = order[i:i + batch]
            logits, cache = model.forward(x[idx], keep=True)
            loss, dlogits = softmax_cross_entropy(logits, y[idx])
            grads = model.backward(dlogits, cache)
            for name in model.weight_names():   # L2 on weights, not biases
                grads[name] += l2 * model.p[name]
                loss += 0.5 * l2 * float((model.p[name] ** 2).sum())
            # cosine decay of the learning rate to 5% of its start
            rate = lr * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * step / total)))
            opt.step(model.p, grads, rate)
            step += 1
            losses.append(loss)
        if log and (epoch + 1 == epochs or (epoch + 1) % max(1, epochs // 5) == 0):
            print(f"  epoch {epoch + 1:3d}/{epochs}: loss {np.mean(losses):.4f}")
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", choices=list(OUTPUTS), default=list(OUTPUTS))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--epochs", type=int, help="override every model's epoch count")
    ap.add_argument("--no-save", action="store_true", help="train and score, write nothing")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()

    train_set = np.load(os.path.join(DATA, "train.npz"))
    x_train = train_set["images"].astype(np.float64) / 255.0
    y_train = train_set["labels"].astype(np.int64)
    x_test = np.load(os.path.join(DATA, "client.npz"))["x"].astype(np.float64)
    y_test = np.load(os.path.join(DATA, "labels.npy"))
    print(f"train {x_train.shape}, test {x_test.shape}")

    for kind in args.models:
        s = dict(SETTINGS[kind])
        if args.epochs:
            s["epochs"] = args.epochs
        print(f"{kind}: {s}")
        t0 = time.time()
        model = train(kind, x_train, y_train, args.seed, args.batch, log=not args.quiet, **s)
        elapsed = time.time() - t0

        # What the model owner hands over: float32 weights. Score those, in float64.
        saved = {k: v.astype(np.float32) for k, v in model.p.items()}
        model.p = {k: v.astype(np.float64) for k, v in saved.items()}
        train_acc = accuracy(model.forward(x_train), y_train)
        logits, cache = model.forward(x_test, keep=True)
        test_acc = accuracy(logits, y_test)
        max_w = max(float(np.abs(v).max()) for v in saved.values())
        print(f"  {elapsed:.1f} s; train accuracy {train_acc:.4f}, test accuracy {test_acc:.2f}"
              f" ({int(round(test_acc * len(y_test)))}/{len(y_test)}); max |weight| {max_w:.4f};"
              f" max |logit| {np.abs(logits).max():.2f}")
        if kind == "pond":
            z0 = cache["z0"]
            outside = float((np.abs(z0) > 8).mean())
            print(f"  hidden pre-activations on the test set: min {z0.min():.2f}, max {z0.max():.2f},"
                  f" |z| > 8: {outside:.4%}, |z| > 4: {float((np.abs(z0) > 4).mean()):.2%},"
                  f" 99.9th percentile of |z| {np.percentile(np.abs(z0), 99.9):.2f}")

        if not args.no_save:
            model_path, logits_path = OUTPUTS[kind]
            os.makedirs(os.path.dirname(model_path), exist_ok=True)
            np.savez_compressed(model_path, **saved)
            np.save(logits_path, logits.astype(np.float64))
            print(f"  wrote {os.path.relpath(model_path)}, {os.path.relpath(logits_path)}")


if __name__ == "__main__":
    main()
