#!/usr/bin/env bash
# The MNIST CNN on the 1,000 images it was not trained on (Tests/TFEImportTests/Fixtures/mnist/heldout.npz),
# run privately with `tfe-vm run MODEL.onnx` in 10 batches of 100, against onnxruntime's logits: the design's
# bar is argmax agreement on at least 99.5% of the images and logits within 1e-2. swift test runs 4 of these
# images (debug builds are slow); this script runs all of them on a release build. Needs python3 with numpy.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product tfe-vm >&2
FIX=Tests/TFEImportTests/Fixtures/mnist
OUT=out/import-1000
mkdir -p "$OUT"
python3 - "$FIX/heldout.npz" "$OUT" <<'PYEOF'
import sys
import numpy as np
images = np.load(sys.argv[1])["images"].astype(np.float32) / 255
for chunk in range(10):
    np.save(f"{sys.argv[2]}/x{chunk}.npy", images[chunk * 100:(chunk + 1) * 100].reshape(-1, 1, 28, 28))
PYEOF
for chunk in 0 1 2 3 4 5 6 7 8 9; do
    .build/release/tfe-vm run programs/import/mnist-cnn.onnx -D batch=100 \
        --input client:input="$OUT/x$chunk.npy" --out "$OUT/run$chunk" >/dev/null
done
python3 - "$OUT" "$FIX" <<'PYEOF'
import sys
import numpy as np
logits = np.concatenate([np.load(f"{sys.argv[1]}/run{chunk}/client/logits.npy") for chunk in range(10)])
np.save(f"{sys.argv[1]}/logits.npy", logits)
PYEOF
python3 programs/import/compare.py "$OUT/logits.npy" "$FIX/heldout-logits.npy"
