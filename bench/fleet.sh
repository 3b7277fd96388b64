#!/usr/bin/env bash
# Fleet scan throughput on one machine: a loopback registry (Debian's
# docker-registry) filled by bench/fleet_registry.py with IMAGES images over
# BASES shared bases of BASE_MB each, then
#   1. `ballast fleet scan --jobs J` with a fresh layer cache (cold),
#   2. the same scan again into a new file (warm cache: every layer a hit),
#   3. the same scan with --no-cache (every image downloads every layer),
#   4. the peer: one `ballast --source registry IMAGE --json` per image, in a
#      loop, on a sample of SAMPLE images with no cache (how one would audit
#      a registry without `fleet`), extrapolated to the fleet.
# Prints images/s, the layer cache's hit rate, the blob bytes downloaded
# against the blob bytes of all images, and the ratios.
#
#   bench/fleet.sh [--images N] [--bases N] [--base-mb N] [--jobs N] [--sample N]
#
# Needs a release build (built here once) and /usr/bin/docker-registry.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IMAGES=200
BASES=4
BASE_MB=40
JOBS=4
SAMPLE=20
while [ $# -gt 0 ]; do
  case "$1" in
    --images) IMAGES=$2; shift 2 ;;
    --bases) BASES=$2; shift 2 ;;
    --base-mb) BASE_MB=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    --sample) SAMPLE=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
BIN=$ROOT/target/release/ballast
WORK=$(mktemp -d)
REG_PID=
cleanup() {
  [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
HOST=127.0.0.1:$PORT
cat >"$WORK/config.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $WORK/storage
http:
  addr: $HOST
YML
/usr/bin/docker-registry serve "$WORK/config.yml" >"$WORK/registry.log" 2>&1 &
REG_PID=$!
for _ in $(seq 1 100); do curl -fsS "http://$HOST/v2/" >/dev/null 2>&1 && break; sleep 0.1; done

echo "== filling $HOST: $IMAGES images over $BASES bases of ${BASE_MB} MB"
start=$(date +%s.%N)
TOTAL=$(python3 "$ROOT/bench/fleet_registry.py" "$HOST" "$IMAGES" "$BASES" "$BASE_MB")
echo "   done in $(echo "$(date +%s.%N) - $start" | bc) s; blob bytes of all images: $TOTAL"

export DOCKER_CONFIG=$WORK/no-docker-config
scan() { # name, extra flags...
  local name=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$BIN" fleet scan "$HOST" --insecure-registry "$HOST" --jobs "$JOBS" \
    --output "$WORK/$name.jsonl" "$@" 2>"$WORK/$name.err"
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}
rate() { echo "scale=2; $IMAGES / $1" | bc; }
summary() { grep 'fleet scan:' "$WORK/$1.err" | sed 's/^ballast: fleet scan: //'; }

echo "== fleet scan, cold cache (--jobs $JOBS)"
COLD=$(scan cold --cache-dir "$WORK/cache")
echo "   $COLD s, $(rate "$COLD") images/s"
echo "   $(summary cold)"
echo "== fleet scan, warm cache"
WARM=$(scan warm --cache-dir "$WORK/cache")
echo "   $WARM s, $(rate "$WARM") images/s"
echo "== fleet scan, --no-cache (every layer of every image downloaded)"
NOCACHE=$(scan nocache --no-cache)
echo "   $NOCACHE s, $(rate "$NOCACHE") images/s"

echo "== peer: one ballast --source registry per image, no cache ($SAMPLE images)"
"$BIN" fleet list "$HOST" --insecure-registry "$HOST" | head -n "$SAMPLE" >"$WORK/sample.txt"
t0=$(date +%s.%N)
while read -r ref; do
  "$BIN" --source registry --insecure-registry "$HOST" --no-cache "$ref" --json /dev/null
done <"$WORK/sample.txt"
PEER=$(echo "scale=2; ($(date +%s.%N) - $t0) * $IMAGES / $SAMPLE" | bc)
echo "   extrapolated to $IMAGES images: $PEER s, $(rate "$PEER") images/s"

read -r HITS READS READ_BYTES <<<"$(grep -o 'layer cache: [0-9]* hits, [0-9]* layers read ([0-9]*' "$WORK/cold.err" | tr -dc '0-9 \n' | awk '{print $1, $2, $3}')"
echo
echo "images:                 $IMAGES ($BASES bases of ${BASE_MB} MB), jobs $JOBS, $(nproc) cores"
echo "cold fleet scan:        $(rate "$COLD") images/s"
echo "warm fleet scan:        $(rate "$WARM") images/s"
echo "no-cache fleet scan:    $(rate "$NOCACHE") images/s"
echo "per-image loop (peer):  $(rate "$PEER") images/s"
echo "cache hit rate (cold):  $HITS of $((HITS + READS)) layers ($(echo "scale=1; 100 * $HITS / ($HITS + $READS)" | bc) %)"
echo "downloaded (cold):      $READ_BYTES of $TOTAL blob bytes ($(echo "scale=1; 100 * $READ_BYTES / $TOTAL" | bc) %)"
echo "ratio cold / peer:      $(echo "scale=2; $PEER / $COLD" | bc)x"
echo "ratio cold / no-cache:  $(echo "scale=2; $NOCACHE / $COLD" | bc)x"
"$BIN" fleet report "$WORK/cold.jsonl" --json - | python3 -c '
import json, sys
r = json.load(sys.stdin)
s, p, u = r["stored_bytes"], r["pulled_bytes"], r["unique_layers"]
print(f"report: {u} unique layers, {s} blob bytes stored once, {p} pulled (one pull per image)")'
