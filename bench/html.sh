#!/usr/bin/env bash
# The HTML report on a big image: its size, the time chromium takes to draw
# it, and what writing it adds to the analysis.
#
#   bench/html.sh [--image PATH] [--runs N] [--help]
#
# IMAGE defaults to the 1,000,000-file archive of bench/tui.sh
# (bench/out/tui-images/million.tar; written by `cargo run --release
# --example tui_million` when it is missing, ~0.87 GB). Any archive or
# engine reference works, e.g. bench/out/images/big.tar from bench/run.sh.
#
# Steps, each printed:
#   1. time (hyperfine, N runs, medians): `ballast IMAGE -q --no-cache --no-tui`
#      (the analysis and the text summary) against `ballast IMAGE -q --no-cache
#      --html FILE` (the analysis and the report); the ratio is what the report
#      adds. --no-cache: every run reads the image, as a first run or CI does.
#      On a loaded machine the wall times vary by more than the report costs, so
#      the writer is also timed on its own: strace stamps the temporary report
#      file's creation and its rename over REPORT (everything the writer does
#      happens between the two), median of N runs, against the analysis median.
#   2. the report's size in bytes.
#   3. headless chromium (tests/browser/driver.js, 3 loads): the time from
#      navigation to the map drawn (the page's `ballast-drawn` mark) and to
#      first contentful paint.
# Targets (issue 16): report < 5 MB, drawn < 2 s, writing adds < 10 %.
#
# Environment: BALLAST (binary; default: cargo build --release, target/release/ballast).
# Needs hyperfine, node, chromium and `npm ci` in tests/browser.

set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/bench/out/html
RUNS=3
IMAGE=

usage() { sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
while [ $# -gt 0 ]; do
    case $1 in
        --image) IMAGE=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "html.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
die() { printf 'html.sh: error: %s\n' "$*" >&2; exit 2; }
command -v hyperfine >/dev/null || die "hyperfine is needed (apt-get install hyperfine)"
command -v node >/dev/null || die "node is needed"
command -v strace >/dev/null || die "strace is needed (apt-get install strace)"
[ -d "$ROOT/tests/browser/node_modules/playwright-core" ] || die "run npm ci in tests/browser first"

mkdir -p "$OUT"
if [ -z "$IMAGE" ]; then
    IMAGE=$ROOT/bench/out/tui-images/million.tar
    if [ ! -f "$IMAGE" ]; then
        echo "[html] writing $IMAGE (1,000,000 files)" >&2
        (cd "$ROOT" && cargo run -q --release --example tui_million -- "$(dirname "$IMAGE")")
    fi
fi
if [ -z "${BALLAST:-}" ]; then
    (cd "$ROOT" && cargo build -q --release)
    BALLAST=$ROOT/target/release/ballast
fi

REPORT=$OUT/report.html
echo "image: $IMAGE"
echo "binary: $BALLAST"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

hyperfine --runs "$RUNS" --warmup 1 --export-json "$OUT/times.json" \
    -n analysis "$BALLAST $IMAGE -q --no-cache --no-tui" \
    -n analysis+html "$BALLAST $IMAGE -q --no-cache --html $REPORT" >&2

# The writer alone: from the temporary file's creation to its rename.
WRITES=$(for _ in $(seq "$RUNS"); do
    strace -f -tt -e trace=openat,rename,renameat,renameat2 \
        "$BALLAST" "$IMAGE" -q --no-cache --html "$REPORT" 2>&1 >/dev/null |
        awk 'function t() { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+:[0-9]+:[0-9.]+$/) { split($i, a, ":"); return a[1]*3600 + a[2]*60 + a[3] } }
             /\.ballast-/ && /O_CREAT/ { t0 = t() }
             /rename/ && /\.ballast-/ { printf "%.1f\n", (t() - t0) * 1000 }'
done | tr '\n' ' ')
SIZE=$(stat -c %s "$REPORT")
PAINT=$(for _ in 1 2 3; do
    node "$ROOT/tests/browser/driver.js" "{\"report\": \"$REPORT\"}"
done)

node - "$OUT/times.json" "$SIZE" "$WRITES" <<EOF
const fs = require('fs');
const [times, size] = [JSON.parse(fs.readFileSync(process.argv[2])), Number(process.argv[3])];
const med = (a) => { a = a.slice().sort((x, y) => x - y); return a[Math.floor(a.length / 2)]; };
const t = Object.fromEntries(times.results.map((r) => [r.command, med(r.times)]));
const paints = \`$PAINT\`.trim().split('\n').map((l) => JSON.parse(l));
const drawn = med(paints.map((p) => p.drawn_ms)), fcp = med(paints.map((p) => p.first_contentful_paint_ms));
const errors = paints.flatMap((p) => p.console_errors.concat(p.page_errors));
const ratio = t['analysis+html'] / t.analysis;
const writes = process.argv[4].trim().split(/\s+/).map(Number), write = med(writes) / 1000;
const row = (name, value, target, ok) => console.log(name.padEnd(34) + value.padEnd(22) + target.padEnd(14) + (ok ? 'PASS' : 'FAIL'));
console.log('\n' + 'measure'.padEnd(34) + 'value'.padEnd(22) + 'target'.padEnd(14) + 'result');
row('analysis (median)', t.analysis.toFixed(2) + ' s', '', true);
row('analysis + --html (median)', t['analysis+html'].toFixed(2) + ' s', '', true);
row('wall: analysis+html / analysis', ((ratio - 1) * 100).toFixed(1) + ' % (' + ratio.toFixed(3) + 'x)', '', true);
row('writing the report (median)', (write * 1000).toFixed(0) + ' ms [' + writes.map((w) => w.toFixed(0)).join(', ') + ']', '', true);
row('writing adds to the analysis', (100 * write / t.analysis).toFixed(1) + ' %', '< 10 %', write / t.analysis < 0.10);
row('report size', (size / 1e6).toFixed(2) + ' MB', '< 5 MB', size < 5e6);
row('map drawn (median of 3)', drawn.toFixed(0) + ' ms', '< 2000 ms', drawn < 2000);
row('first contentful paint', fcp.toFixed(0) + ' ms', '', true);
row('rectangles drawn / rows', paints[0].rect_count + ' / ' + '(see page)', '', true);
row('console or page errors', String(errors.length), '0', errors.length === 0);
EOF
