#!/usr/bin/env bash
# The MNIST demo with a cached private model: the model owner secret-shares the weights once (the servers
# keep them, masked, in out/mnist-state); then the client predicts twice with only the servers online.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product tfe-vm >&2
vm=.build/release/tfe-vm
rm -rf out/mnist-state
$vm run programs/mnist/share-model-pond.tfe --state out/mnist-state \
    --input model_owner=programs/mnist/data/model-pond.npz
for run in 1 2; do
    $vm run programs/mnist/predict-cached-pond.tfe --state out/mnist-state \
        --input client=programs/mnist/data/client.npz \
        --input client=programs/mnist/data/reference-pond.npz \
        --out out/mnist-cached-$run --stats "$@"
done
