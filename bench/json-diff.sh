#!/usr/bin/env bash
# Does a change keep ballast's output the same? Runs two ballast binaries on the
# same images and diffs their JSON (and markdown) byte for byte.
#
#   bench/json-diff.sh OLD_BALLAST NEW_BALLAST [IMAGE...]
#
# IMAGE is anything ballast reads (an archive, an OCI layout, an engine
# reference). Without IMAGEs it uses fixtures/demo.tar, every archive under
# bench/out/images/, and every engine image tagged `ballast-it-*` (the engine
# tests leave none behind; build some with KEEP_IMAGES, see docs/architecture.md).
# Each image is read with --json, --markdown, the text summary and --ci
# (verdict, JUnit, SARIF); the demo also with --dockerfile; the first and last
# image through `diff`; every tests/dockerfiles/*.Dockerfile through
# `dockerfile` (cache simulation pinned to REV, default HEAD).
# Prints one line per case, then `N same, M differ`; exits 1 when
# anything differs. Outputs are kept in bench/out/json-diff/.

set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ $# -ge 2 ] || { sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 2; }
OLD=$1 NEW=$2
shift 2
images=("$@")
if [ ${#images[@]} -eq 0 ]; then
    images=("$ROOT/fixtures/demo.tar")
    for f in "$ROOT"/bench/out/images/*.tar; do [ -e "$f" ] && images+=("$f"); done
    if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
        while read -r ref; do images+=("$ref"); done \
            < <(docker images --format '{{.Repository}}:{{.Tag}}' 'ballast-it-*')
    fi
fi
OUT=$ROOT/bench/out/json-diff
rm -rf "$OUT" && mkdir -p "$OUT"
# Every case is one argument list, NUL-separated fields, one case a line.
cases=()
add() { local IFS=$'\x1f'; cases+=("$*"); }
for img in "${images[@]}"; do
    add "$img" --no-tui --json -
    add "$img" --no-tui --markdown -
    add "$img" --no-tui
    add "$img" --no-tui --ci --junit "$OUT/junit.xml" --sarif "$OUT/sarif.json"
done
DEMO=$ROOT/fixtures/demo.tar
add "$DEMO" --no-tui --dockerfile "$ROOT/fixtures/demo.Dockerfile" --json -
add "$DEMO" --no-tui --dockerfile "$ROOT/fixtures/demo.Dockerfile" --markdown -
[ ${#images[@]} -ge 2 ] && add diff "${images[0]}" "${images[-1]}" --json -
[ ${#images[@]} -ge 2 ] && add diff "${images[0]}" "${images[-1]}" --markdown -
# The cache simulation replays git history: pin the newest commit (REV) so the
# two runs see the same history.
REV=${REV:-$(git -C "$ROOT" rev-parse HEAD)}
for df in "$ROOT"/tests/dockerfiles/*.Dockerfile; do
    add dockerfile "$df" --rev "$REV" --commits 20 --json -
    add dockerfile "$df" --rev "$REV" --commits 20 --markdown -
done
same=0 differ=0 n=0
for case in "${cases[@]}"; do
    IFS=$'\x1f' read -r -a args <<<"$case"
    n=$((n + 1))
    for side in old new; do
        bin=$OLD
        [ $side = new ] && bin=$NEW
        # A failing run is compared too: its message and exit code must match.
        set +e
        "$bin" "${args[@]}" >"$OUT/$n.$side" 2>"$OUT/$n.$side.err"
        echo "exit $?" >>"$OUT/$n.$side.err"
        set -e
        for f in junit.xml sarif.json; do
            if [ -f "$OUT/$f" ]; then cat "$OUT/$f" >>"$OUT/$n.$side" && rm "$OUT/$f"; fi
        done
    done
    if cmp -s "$OUT/$n.old" "$OUT/$n.new" && cmp -s "$OUT/$n.old.err" "$OUT/$n.new.err"; then
        same=$((same + 1))
        echo "same    ${args[*]}"
    else
        differ=$((differ + 1))
        echo "DIFFERS ${args[*]} (diff $OUT/$n.old $OUT/$n.new)"
    fi
done
echo "$same same, $differ differ"
[ "$differ" -eq 0 ]
