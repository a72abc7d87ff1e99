#!/usr/bin/env bash
# The seed network (mnist-securenn.tfe: 784-512-ReLU-10, its trained weights) on 1,000 MNIST images
# (Tests/TFEImportTests/Fixtures/mnist/heldout.npz), run privately with tfe-vm in 10 batches of 100, against the
# float64 logits of the same weights computed by NumPy: the design's bar is argmax agreement on at least 99.5% of
# the images and logits within 1e-2. `--protocol aby3` runs the same program under ABY3 (default: securenn).
# swift test runs the 100 images of client.npz under both; this script runs 1,000 on a release build. Needs
# python3 with numpy. (Those images come from the same MNIST sample as train.npz and may overlap the seed
# network's training images: this checks agreement with float64, not accuracy.)
set -euo pipefail
PROTOCOL=securenn
if [ "${1:-}" = "--protocol" ]; then PROTOCOL="$2"; fi
cd "$(dirname "$0")/../.."
swift build -c release --product tfe-vm >&2
OUT=out/mnist-1000-$PROTOCOL
mkdir -p "$OUT"
sed "s/^protocol securenn$/protocol $PROTOCOL/" programs/mnist/mnist-securenn.tfe > "$OUT/seed.tfe"
python3 - Tests/TFEImportTests/Fixtures/mnist/heldout.npz programs/mnist/data/model-securenn.npz "$OUT" <<'PYEOF'
import sys
import numpy as np
images = np.load(sys.argv[1])["images"].astype(np.float64) / 255
model = {name: array.astype(np.float64) for name, array in np.load(sys.argv[2]).items()}
hidden = np.maximum(images @ model["w0"] + model["b0"], 0)
np.save(f"{sys.argv[3]}/float64-logits.npy", hidden @ model["w1"] + model["b1"])
for chunk in range(10):
    np.save(f"{sys.argv[3]}/x{chunk}.npy", images[chunk * 100:(chunk + 1) * 100])
PYEOF
for chunk in 0 1 2 3 4 5 6 7 8 9; do
    .build/release/tfe-vm run "$OUT/seed.tfe" --input model_owner=programs/mnist/data/model-securenn.npz \
        --input client:x="$OUT/x$chunk.npy" --out "$OUT/run$chunk" >/dev/null
done
python3 - "$OUT" <<'PYEOF'
import sys
import numpy as np
logits = np.concatenate([np.load(f"{sys.argv[1]}/run{chunk}/client/logits.npy") for chunk in range(10)])
np.save(f"{sys.argv[1]}/logits.npy", logits)
PYEOF
python3 programs/import/compare.py "$OUT/logits.npy" "$OUT/float64-logits.npy"
