#!/usr/bin/env python3
"""Inputs for average.tfe: five providers' private vectors, and the average they should give.

The outputs are committed, so a fresh clone can run the program without Python:

    tfe-vm run programs/average/average.tfe \\
        --input provider0:x=programs/average/data/provider0.npy \\
        --input provider1:x=programs/average/data/provider1.npy \\
        --input provider2:x=programs/average/data/provider2.npy \\
        --input provider3:x=programs/average/data/provider3.npy \\
        --input provider4:x=programs/average/data/provider4.npy --out out

Regenerate (NumPy only; the fixed seed makes the files identical every time) with

    python3 programs/average/make_data.py

Writes, under programs/average/data/:
  providerN.npy     float64 [10], provider N's vector "x": values in [-100, 100] with two decimals
  expected.npy      float64 [10], their plaintext average (what result_receiver should get, to about 1e-4)
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261122
PROVIDERS = 5
SIZE = 10  # average.tfe's 'param size'


def main():
    rng = np.random.default_rng(SEED)
    out = os.path.join(HERE, "data")
    os.makedirs(out, exist_ok=True)
    vectors = [np.round(rng.uniform(-100, 100, SIZE), 2) for _ in range(PROVIDERS)]
    for number, vector in enumerate(vectors):
        np.save(os.path.join(out, f"provider{number}.npy"), vector.astype(np.float64))
    np.save(os.path.join(out, "expected.npy"), np.mean(vectors, axis=0))
    print(f"wrote {PROVIDERS} provider vectors and expected.npy to {out}")


if __name__ == "__main__":
    main()
