#!/usr/bin/env python3
"""Split the 4,000-image MNIST sample into a training set and 100 held-out test images.

One-time preparation; its outputs are committed, so nothing here is needed from a fresh clone.

    python3 programs/mnist/make_data.py --source ../shared/data/mnist

Writes, under programs/mnist/data/:
  train.npz    uint8 images [3900, 784] (0..255) and uint8 labels [3900]  (the model owner's)
  client.npz   x: float64 [100, 784], pixels scaled to [0, 1]             (the client's input)
  labels.npy   int64 [100], the true digits of client.npz's x             (for scoring only)
"""
import argparse
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", required=True, help="directory with images.npy and labels.npy")
    ap.add_argument("--out", default=os.path.join(HERE, "data"))
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--test", type=int, default=100, help="number of held-out test images")
    args = ap.parse_args()

    images = np.load(os.path.join(args.source, "images.npy"))
    labels = np.load(os.path.join(args.source, "labels.npy"))
    assert images.dtype == np.uint8 and images.shape == (4000, 784), images.shape
    assert labels.dtype == np.uint8 and labels.shape == (4000,), labels.shape

    order = np.random.default_rng(args.seed).permutation(len(images))
    train_idx, test_idx = order[: -args.test], order[-args.test :]
    assert not set(train_idx) & set(test_idx)

    os.makedirs(args.out, exist_ok=True)
    np.savez_compressed(os.path.join(args.out, "train.npz"),
                        images=images[train_idx], labels=labels[train_idx])
    np.savez_compressed(os.path.join(args.out, "client.npz"),
                        x=images[test_idx].astype(np.float64) / 255.0)
    np.save(os.path.join(args.out, "labels.npy"), labels[test_idx].astype(np.int64))

    print(f"train: {len(train_idx)} images, test: {len(test_idx)} images")
    print("train label counts:", np.bincount(labels[train_idx], minlength=10).tolist())
    print("test  label counts:", np.bincount(labels[test_idx], minlength=10).tolist())


if __name__ == "__main__":
    main()
