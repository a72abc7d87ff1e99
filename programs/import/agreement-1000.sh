#!/usr/bin/env bash
# The MNIST CNN on the 1,000 images it was not trained on (Tests/TFEImportTests/Fixtures/mnist/heldout.npz),
# run privately with `tfe-vm run MODEL.onnx` in 10 batches of 100, against onnxruntime's logits: the design's
# bar is argmax agreement on at least 99.5% of the images and logits within 1e-2. swift test runs 4 of these
# images (debug builds are slow); this script runs all of them on a release build. Needs python3 with numpy.
# With --graphdef, the same for the Keras CNN frozen as a TensorFlow GraphDef (mnist-cnn.pb, NHWC images),
# against TensorFlow's logits. With --tf2onnx, the same Keras CNN converted to ONNX by tf2onnx
# (mnist-cnn-tf2onnx.onnx, NHWC images), against onnxruntime's logits.
set -euo pipefail
MODEL=programs/import/mnist-cnn.onnx LAYOUT="-1, 1, 28, 28" INPUT=input OUTPUT=logits REFERENCE=heldout-logits.npy
if [ "${1:-}" = "--graphdef" ]; then
    MODEL=programs/import/mnist-cnn.pb LAYOUT="-1, 28, 28, 1" INPUT=x OUTPUT=Identity REFERENCE=heldout-logits-tf.npy
elif [ "${1:-}" = "--tf2onnx" ]; then
    MODEL=programs/import/mnist-cnn-tf2onnx.onnx LAYOUT="-1, 28, 28, 1" INPUT=x_0 OUTPUT=Identity_0
    REFERENCE=heldout-logits-tf2onnx.npy
fi
cd "$(dirname "$0")/../.."
swift build -c release --product tfe-vm >&2
FIX=Tests/TFEImportTests/Fixtures/mnist
OUT=out/import-1000
mkdir -p "$OUT"
python3 - "$FIX/heldout.npz" "$OUT" "$LAYOUT" <<'PYEOF'
import sys
import numpy as np
images = np.load(sys.argv[1])["images"].astype(np.float32) / 255
layout = [int(size) for size in sys.argv[3].split(",")]
for chunk in range(10):
    np.save(f"{sys.argv[2]}/x{chunk}.npy", images[chunk * 100:(chunk + 1) * 100].reshape(layout))
PYEOF
for chunk in 0 1 2 3 4 5 6 7 8 9; do
    .build/release/tfe-vm run "$MODEL" -D batch=100 \
        --input client:"$INPUT"="$OUT/x$chunk.npy" --out "$OUT/run$chunk" >/dev/null
done
python3 - "$OUT" "$OUTPUT" <<'PYEOF'
import sys
import numpy as np
logits = np.concatenate([np.load(f"{sys.argv[1]}/run{chunk}/client/{sys.argv[2]}.npy") for chunk in range(10)])
np.save(f"{sys.argv[1]}/logits.npy", logits)
PYEOF
python3 programs/import/compare.py "$OUT/logits.npy" "$FIX/$REFERENCE"
