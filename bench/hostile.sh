#!/usr/bin/env bash
# End-to-end bound check for hostile input (issue 13): every hostile class at
# full size, plus the 1,000,000-file benchmark image, each run through the
# release binary under /usr/bin/time -v. Prints one row per case: exit code,
# seconds, peak RSS, and PASS when the run ended as expected (a clear error,
# or an analysis) in under BOUND_SECONDS and under BOUND_MB of RSS.
#
#   bench/hostile.sh                 # build, generate (cached), run, print the table
#   BALLAST=path/to/ballast bench/hostile.sh
#   BOUND_SECONDS=60 BOUND_MB=500 bench/hostile.sh
#   NO_BUILD=1 bench/hostile.sh      # use the release binaries already in target/
#   ONLY="million image-limit-1-layer" bench/hostile.sh   # only these cases
#
# Not in CI: it needs release builds, ~6 GB of disk under bench/out and a few
# minutes. Inputs: examples/hostile_inputs.rs (bench/out/hostile/) and
# examples/tui_million.rs (bench/out/tui-images/million.tar, shared with
# bench/tui.sh). The table goes to stdout and bench/out/hostile.md.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/bench/out
CASES=$OUT/hostile
MILLION_DIR=$OUT/tui-images
BOUND_SECONDS=${BOUND_SECONDS:-60}
BOUND_MB=${BOUND_MB:-500}

log() { echo "hostile.sh: $*" >&2; }
die() { log "error: $*"; exit 2; }

if [ ! -x /usr/bin/time ]; then
    log "installing GNU time (apt-get install time)"
    apt-get install -y -qq time >/dev/null || die "/usr/bin/time is missing: apt-get install time"
fi

if [ -z "${NO_BUILD:-}" ]; then
    BUILD=(--example hostile_inputs --example tui_million)
    [ -n "${BALLAST:-}" ] || BUILD+=(--bin ballast)
    (cd "$ROOT" && cargo build --release --quiet "${BUILD[@]}")
fi
BALLAST=${BALLAST:-$ROOT/target/release/ballast}
GEN=$ROOT/target/release/examples

if [ ! -f "$CASES/.done" ]; then
    log "writing the hostile inputs to $CASES"
    rm -rf "$CASES"
    "$GEN/hostile_inputs" "$CASES"
    touch "$CASES/.done"
fi
if [ ! -f "$MILLION_DIR/million.tar" ]; then
    log "writing the 1M-file image to $MILLION_DIR"
    mkdir -p "$MILLION_DIR"
    "$GEN/tui_million" "$MILLION_DIR"
fi
FIFO=$CASES/fifo
[ -p "$FIFO" ] || mkfifo "$FIFO"
GLOB28=$(printf '**/%.0s' $(seq 28))x

# case | expected exit codes | directory to run in | arguments
CASES_TABLE=(
    "longname-512MiB|2|$CASES|longname-512MiB.tar --json /dev/null"
    "pax-512MiB|2|$CASES|pax-512MiB.tar --json /dev/null"
    "path-80KiB|2|$CASES|path-80KiB.tar --json /dev/null"
    "entries-5M|2|$CASES|entries-5M --json /dev/null"
    "metadata-65MiB|2|$CASES|metadata-65MiB --json /dev/null"
    "stream-json-300MiB|2|$CASES|stream-json-300MiB.tar.gz --json /dev/null"
    "index-cycle|2|$CASES|index-cycle --no-verify --json /dev/null"
    "index-depth-9|2|$CASES|index-depth-9 --json /dev/null"
    "package-json-40x32MiB|0|$CASES|package-json-40x32MiB --json /dev/null"
    "zeros-4GiB|0|$CASES|zeros-4GiB --json /dev/null"
    "image-limit-1-layer|0|$CASES|image-limit-1-layer --json /dev/null"
    "image-limit-4-layers|0|$CASES|image-limit-4-layers --json /dev/null"
    "image-over-limit-3-layers|2|$CASES|image-over-limit-3-layers --json /dev/null"
    "deep-paths-4M-dirs|2|$CASES|deep-paths-4M-dirs --json /dev/null"
    "fifo-as-image|2|$CASES|fifo --json /dev/null"
    "df-doubling-40|2|$CASES/df-doubling-40|dockerfile Dockerfile --json /dev/null"
    "df-nested-100k|2|$CASES/df-nested-100k|dockerfile Dockerfile --json /dev/null"
    "df-stages-100k|2|$CASES/df-stages-100k|dockerfile Dockerfile --json /dev/null"
    "df-run-50k|0|$CASES/df-run-50k|dockerfile Dockerfile --json /dev/null"
    "df-dockerignore-100k|0|$CASES/df-dockerignore-100k|dockerfile Dockerfile --json /dev/null"
    "million|0|$MILLION_DIR|million.tar --json /dev/null"
    "million-ci-glob28|0 1|$MILLION_DIR|million.tar --ci --ignore-path $GLOB28"
    "million-ci-toml-20k-globs|0 1|$MILLION_DIR|million.tar --ci --config $CASES/ballast-toml-20k-globs.toml"
)

REPORT=$OUT/hostile.md
{
    echo "| case | exit | expected | seconds | max RSS | result | first line of stderr |"
    echo "|---|---:|---:|---:|---:|---|---|"
} > "$REPORT"
failed=0
for row in "${CASES_TABLE[@]}"; do
    IFS='|' read -r name expect dir args <<<"$row"
    if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]]; then
        continue
    fi
    stats=$(mktemp)
    set +e
    # shellcheck disable=SC2086  # the arguments are split on purpose
    (cd "$dir" && XDG_CACHE_HOME=$(mktemp -d) timeout 600 /usr/bin/time -v -o "$stats" \
        "$BALLAST" $args --quiet </dev/null >/dev/null 2>"$stats.err")
    code=$?
    set -e
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; printf "%.2f", s }' "$stats")
    rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$stats")
    rss_mb=$(( ${rss_kb:-0} / 1024 ))
    result=PASS
    [[ " $expect " == *" $code "* ]] || result="FAIL (exit)"
    # An expected error must be ballast's own one line, not a usage error.
    if [ "$code" = 2 ] && ! head -c 16 "$stats.err" | grep -q '^ballast: error: '; then
        result="FAIL (not ballast's error)"
    fi
    awk -v s="$secs" -v b="$BOUND_SECONDS" 'BEGIN { exit !(s + 0 < b) }' || result="FAIL (time)"
    [ "$rss_mb" -lt "$BOUND_MB" ] || result="FAIL (RSS)"
    [ "$result" = PASS ] || failed=1
    first=$(head -n 1 "$stats.err" | cut -c 1-150 | sed 's/|/\\|/g')
    echo "| $name | $code | ${expect// / or } | $secs | $rss_mb MB | $result | $first |" >> "$REPORT"
    if [ "$result" != PASS ]; then
        log "$name: $(head -c 300 "$stats.err")"
    fi
    rm -f "$stats" "$stats.err"
done
rm -f "$FIFO"
cat "$REPORT"
exit $failed
