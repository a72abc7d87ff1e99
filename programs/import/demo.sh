#!/usr/bin/env bash
# Private prediction of a pre-trained ONNX model, from a fresh clone: import programs/import/mnist-cnn.onnx (a
# small MNIST CNN exported in PyTorch's ONNX layout, opset 17), show the program, run it on 20 held-out images,
# and compare the client's logits with onnxruntime's (stored in data/onnxruntime-logits.npy).
#
#   bash programs/import/demo.sh           # the two-step form: tfec import, then tfe-vm run
#   bash programs/import/demo.sh --one-step  # tfe-vm run MODEL.onnx: import, compile and run at once
#   bash programs/import/demo.sh --graphdef  # the same CNN trained in Keras and frozen as a TensorFlow GraphDef
#                                            # (mnist-cnn.pb, NHWC input), run in one step against TensorFlow
#   bash programs/import/demo.sh --tf2onnx   # that GraphDef converted to ONNX by tf2onnx (mnist-cnn-tf2onnx.onnx:
#                                            # input x:0, fed as x_0), run in one step against TensorFlow
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product tfec >&2
swift build -c release --product tfe-vm >&2
BIN=.build/release
OUT=out/import
mkdir -p "$OUT"
if [ "${1:-}" = "--graphdef" ]; then
    "$BIN/tfec" import programs/import/mnist-cnn.pb -o "$OUT/mnist-cnn-tf.tfe"
    cat "$OUT/mnist-cnn-tf.tfe"
    "$BIN/tfe-vm" run programs/import/mnist-cnn.pb -D batch=20 \
        --input client:x=programs/import/data/x-nhwc.npy --out "$OUT/run-tf"
    python3 programs/import/compare.py "$OUT/run-tf/client/Identity.npy" programs/import/data/tensorflow-logits.npy \
        --labels programs/import/data/labels.npy
    exit
elif [ "${1:-}" = "--tf2onnx" ]; then
    "$BIN/tfec" import programs/import/mnist-cnn-tf2onnx.onnx -o "$OUT/mnist-cnn-tf2onnx.tfe"
    cat "$OUT/mnist-cnn-tf2onnx.tfe"
    "$BIN/tfe-vm" run programs/import/mnist-cnn-tf2onnx.onnx -D batch=20 \
        --input client:x_0=programs/import/data/x-nhwc.npy --out "$OUT/run-tf2onnx"
    python3 programs/import/compare.py "$OUT/run-tf2onnx/client/Identity_0.npy" \
        programs/import/data/tensorflow-logits.npy --labels programs/import/data/labels.npy
    exit
elif [ "${1:-}" = "--one-step" ]; then
    "$BIN/tfe-vm" run programs/import/mnist-cnn.onnx -D batch=20 \
        --input client:input=programs/import/data/x.npy --out "$OUT/run"
else
    "$BIN/tfec" import programs/import/mnist-cnn.onnx -o "$OUT/mnist-cnn.tfe"
    cat "$OUT/mnist-cnn.tfe"
    "$BIN/tfe-vm" run "$OUT/mnist-cnn.tfe" -D batch=20 --input model_owner="$OUT/mnist-cnn.npz" \
        --input client:input=programs/import/data/x.npy --out "$OUT/run"
fi
python3 programs/import/compare.py "$OUT/run/client/logits.npy" programs/import/data/onnxruntime-logits.npy \
    --labels programs/import/data/labels.npy
