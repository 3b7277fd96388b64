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

SIZE=$(stat -c %s "$REPORT")
PAINT=$(for _ in 1 2 3; do
    node "$ROOT/tests/browser/driver.js" "{\"report\": \"$REPORT\"}"
done)

node - "$OUT/times.json" "$SIZE" <<EOF
const fs = require('fs');
const [times, size] = [JSON.parse(fs.readFileSync(process.argv[2])), Number(process.argv[3])];
const med = (a) => { a = a.slice().sort((x, y) => x - y); return a[Math.floor(a.length / 2)]; };
const t = Object.fromEntries(times.results.map((r) => [r.command, med(r.times)]));
const paints = \`$PAINT\`.trim().split('\n').map((l) => JSON.parse(l));
const drawn = med(paints.map((p) => p.drawn_ms)), fcp = med(paints.map((p) => p.first_contentful_paint_ms));
const errors = paints.flatMap((p) => p.console_errors.concat(p.page_errors));
const ratio = t['analysis+html'] / t.analysis;
const row = (name, value, target, ok) => console.log(name.padEnd(34) + value.padEnd(22) + target.padEnd(14) + (ok ? 'PASS' : 'FAIL'));
console.log('\n' + 'measure'.padEnd(34) + 'value'.padEnd(22) + 'target'.padEnd(14) + 'result');
row('analysis (median)', t.analysis.toFixed(2) + ' s', '', true);
row('analysis + --html (median)', t['analysis+html'].toFixed(2) + ' s', '', true);
row('writing the report adds', ((ratio - 1) * 100).toFixed(1) + ' % (' + ratio.toFixed(3) + 'x)', '< 10 %', ratio < 1.10);
row('report size', (size / 1e6).toFixed(2) + ' MB', '< 5 MB', size < 5e6);
row('map drawn (median of 3)', drawn.toFixed(0) + ' ms', '< 2000 ms', drawn < 2000);
row('first contentful paint', fcp.toFixed(0) + ' ms', '', true);
row('rectangles drawn / rows', paints[0].rect_count + ' / ' + '(see page)', '', true);
row('console or page errors', String(errors.length), '0', errors.length === 0);
EOF
