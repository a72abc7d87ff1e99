#!/usr/bin/env bash
# The MNIST demo from a fresh clone: build the VM, run the private Pond prediction on 100 held-out
# images, and print the predictions, their accuracy and their agreement with the plaintext model.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product tfe-vm >&2
.build/release/tfe-vm run programs/mnist/demo-pond.tfe \
    --input model_owner=programs/mnist/data/model-pond.npz \
    --input client=programs/mnist/data/client.npz \
    --input client=programs/mnist/data/reference-pond.npz \
    --out out/mnist-pond --stats "$@"
