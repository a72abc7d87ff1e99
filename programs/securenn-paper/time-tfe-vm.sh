#!/usr/bin/env bash
# Issue 15's done-means measurement: each of SecureNN's Networks A-D at batch 1 and the seed network
# (programs/mnist/mnist-securenn.tfe, 784-512-ReLU-10) at batch 100, run by `tfe-vm run` as a user would, timed by
# the figure `tfe-vm run --stats` reports ("ran ...: T s"). Prints min / median / max of RUNS runs (default 7) per
# network, beside the SecureNN paper's LAN figure (Table 7) and TF Encrypted 0.8's SecureNN on the seed network.
#     bash programs/securenn-paper/time-tfe-vm.sh [--runs N] [--protocol securenn|aby3]
# Uses the release build (built first). The client's inputs are the first MNIST image of
# programs/mnist/data/client.npz (data/client-x1.npy, data/client-image1.npy) and all 100 of it for the seed network.
set -euo pipefail
RUNS=7
PROTOCOL=securenn
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS="$2"; shift 2 ;;
        --protocol) PROTOCOL="$2"; shift 2 ;;
        *) echo "usage: time-tfe-vm.sh [--runs N] [--protocol securenn|aby3]" >&2; exit 2 ;;
    esac
done
cd "$(dirname "$0")/../.."
swift build -c release --product tfec >&2
swift build -c release --product tfe-vm >&2
OUT=out/time-tfe-vm-$PROTOCOL
mkdir -p "$OUT"
DATA=programs/securenn-paper/data

# One program's reported times, min / median / max over RUNS runs.
time_runs() {
    local program="$1"; shift
    for _ in $(seq "$RUNS"); do
        .build/release/tfe-vm run "$program" "$@" --stats 2>&1 | sed -n 's/^ran .*, \([0-9.]*\) s$/\1/p'
    done | sort -n | awk '{ t[NR] = $1 } END {
        if (NR == 0) { print "no time reported"; exit 1 }
        printf "%.3f / %.3f / %.3f s", t[1], t[int((NR + 1) / 2)], t[NR] }'
}

echo "protocol $PROTOCOL, $RUNS runs each (min / median / max), load: $(cut -d' ' -f1-3 /proc/loadavg)"
for network in a b c d; do
    sed "s/^protocol securenn$/protocol $PROTOCOL/" "programs/securenn-paper/network-$network.tfe" \
        > "$OUT/network-$network.tfe"
    .build/release/tfec compile "$OUT/network-$network.tfe" -o "$OUT/network-$network.tfeb"
    image=$DATA/client-image1.npy
    [ "$network" = a ] && image=$DATA/client-x1.npy
    case "$network" in a) paper=0.043 ;; b) paper=0.13 ;; c) paper=0.23 ;; d) paper=0.076 ;; esac
    echo "Network ${network^^}, batch 1: $(time_runs "$OUT/network-$network.tfeb" \
        --input model_owner=$DATA/network-$network.npz --input client:x=$image)   (paper, LAN: $paper s)"
done
sed "s/^protocol securenn$/protocol $PROTOCOL/" programs/mnist/mnist-securenn.tfe > "$OUT/seed.tfe"
.build/release/tfec compile "$OUT/seed.tfe" -o "$OUT/seed.tfeb"
echo "seed network, batch 100: $(time_runs "$OUT/seed.tfeb" \
    --input model_owner=programs/mnist/data/model-securenn.npz --input client=programs/mnist/data/client.npz)" \
    "  (TF Encrypted 0.8: SecureNN 0.086 s, ABY3 0.017 s)"
