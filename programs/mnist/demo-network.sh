#!/usr/bin/env bash
# Private MNIST prediction over TLS on this machine, as a deployment would run it: make the deployment's
# certificates, start three long-running servers (each its own process, with its own state directory), let the
# model owner share the weights once, then let the client predict twice with only the servers online; stop the
# servers and print their logs. Every connection is TLS 1.3 with both parties' certificates checked.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product tfe-vm --product tfec >&2
bin=.build/release
work=out/network-demo
rm -rf "$work"
mkdir -p "$work"

# A host map on free-looking loopback ports (a real deployment lists each host's own address).
base=$((20000 + RANDOM % 20000))
cat > "$work/config.json" <<JSON
{"server0": "127.0.0.1:$base", "server1": "127.0.0.1:$((base + 1))", "server2": "127.0.0.1:$((base + 2))",
 "model_owner": "127.0.0.1:$((base + 3))", "client": "127.0.0.1:$((base + 4))"}
JSON

# The CA and a key and certificate per party. In a deployment each host gets ca.pem and its own NAME.pem and
# NAME.key; ca.key stays with whoever runs the deployment. Here every party reads the same folder.
$bin/tfe-vm certs --config "$work/config.json" --out "$work/certs"

# The two programs the servers will run: sharing the model, and predicting with the shared model.
$bin/tfec compile programs/mnist/share-model-pond.tfe -o "$work/share-model-pond.tfeb"
$bin/tfec compile programs/mnist/predict-cached-pond.tfe -o "$work/predict-cached-pond.tfeb"

servers=()
stop_servers() { for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap stop_servers EXIT
for n in 0 1 2; do
    # Three runs each (one share, two predictions), then they exit. Only these two programs may run.
    $bin/tfe-vm player "server$n" --config "$work/config.json" --certs "$work/certs" \
        --state "$work/state/server$n" --allow "$work/share-model-pond.tfeb" \
        --allow "$work/predict-cached-pond.tfeb" --runs 3 2> "$work/server$n.log" &
    servers+=($!)
done

echo "== the model owner shares the model once"
$bin/tfe-vm run "$work/share-model-pond.tfeb" --config "$work/config.json" --player model_owner \
    --certs "$work/certs" --input model_owner=programs/mnist/data/model-pond.npz
for run in 1 2; do
    echo "== the client predicts ($run)"
    $bin/tfe-vm run "$work/predict-cached-pond.tfeb" --config "$work/config.json" --player client \
        --certs "$work/certs" --input client=programs/mnist/data/client.npz \
        --input client=programs/mnist/data/reference-pond.npz --out "$work/predict-$run"
done

for pid in "${servers[@]}"; do wait "$pid"; done
trap - EXIT
echo "== the servers' logs"
cat "$work"/server*.log
