#!/usr/bin/env python3
"""Compares tfe's logits with a reference's (onnxruntime's or TensorFlow's): largest difference, argmax agreement
and, with labels, accuracy.

    python3 programs/import/compare.py TFE_LOGITS.npy ONNXRUNTIME_LOGITS.npy [--labels LABELS.npy]

Exits 1 when the logits differ by more than 1e-2 or an argmax differs on more than 0.5% of the images.
"""
import argparse
import sys

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("tfe")
parser.add_argument("reference")
parser.add_argument("--labels")
args = parser.parse_args()
tfe, reference = np.load(args.tfe), np.load(args.reference)
if tfe.shape != reference.shape:
    sys.exit(f"shapes differ: tfe {tfe.shape}, reference {reference.shape}")
difference = float(np.abs(tfe - reference).max())
agreement = float(np.mean(tfe.argmax(axis=1) == reference.argmax(axis=1)))
print(f"{len(tfe)} images: largest logit difference {difference:.2e}, argmax agreement {agreement:.1%}")
if args.labels:
    labels = np.load(args.labels)
    print(f"predictions {tfe.argmax(axis=1).tolist()}")
    print(f"accuracy against the labels: tfe {np.mean(tfe.argmax(axis=1) == labels):.1%}, "
          f"reference {np.mean(reference.argmax(axis=1) == labels):.1%}")
sys.exit(0 if difference <= 1e-2 and agreement >= 0.995 else 1)
