#!/usr/bin/env bash
# ballast vs dive 0.13.1: wall time and peak RSS on three synthetic images.
#
#   bench/run.sh [--runs N] [--cold] [--keep] [--only big,whiteouts,layers]
#                [--sources archive,engine] [--no-dive] [--help]
#
# Images (written by examples/bench_images/ with crates/testimage, the same
# bytes on every machine, no network needed):
#   big        ~1.7 GB, 150,000+ files, 10 layers: a deleted directory, an opaque
#              node_modules replacement, a 256 MiB file copied up by a chmod
#   whiteouts  2,000 file whiteouts over a 20,000-file base
#   layers     40 layers over a 50,000-file base
#
# Each archive is `docker load`ed so that the engine runs read the same image.
# For each image and source every tool runs N times, round-robin; the table
# shows the median wall time (measured here, ns clock) and the median peak RSS
# (`/usr/bin/time -v`, "Maximum resident set size"). Then the issue's targets
# are checked, and ballast's dive-compatible metrics are compared with dive's.
#
# Tools: ballast (and --no-verify), dive, and from the engine also
# `docker save IMAGE > /dev/null`; ballast reads the engine's overlay2 in place
# when it can, `ballast-export` (`--engine-storage never`) streams the export.
# --cold syncs and drops the page cache (echo 3 > /proc/sys/vm/drop_caches,
# root) before every run. Failed targets are reported, not the exit status.
#
# Environment: BASELINE (another ballast binary, e.g. a build of the previous
# commit: adds `baseline` and `baseline-no-verify` rows, run in the same
# round-robin, for before/after comparisons of a change), RUNS (default 3), DIVE_TIMEOUT (600 s), TOOL_TIMEOUT (600 s),
# DIVE (dive binary, default `dive` on PATH), DOCKER (default `docker`).
# Artifacts (archives, per-run stdout/stderr/time, results.md) go to bench/out/.
# Generation and `docker load` are skipped when the archives and images for the
# current spec hash are already there. Loaded images are removed at the end
# unless --keep is given.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/bench/out
IMAGES_DIR=$OUT/images
RUNS=${RUNS:-3}
DIVE_TIMEOUT=${DIVE_TIMEOUT:-600}
TOOL_TIMEOUT=${TOOL_TIMEOUT:-600}
DIVE=${DIVE:-dive}
DOCKER=${DOCKER:-docker}
COLD=0
KEEP=0
USE_DIVE=1
ONLY="big,whiteouts,layers"
SOURCES="archive,engine"

usage() {
    sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

while [ $# -gt 0 ]; do
    case $1 in
        --runs) RUNS=$2; shift 2 ;;
        --runs=*) RUNS=${1#*=}; shift ;;
        --cold) COLD=1; shift ;;
        --keep) KEEP=1; shift ;;
        --no-dive) USE_DIVE=0; shift ;;
        --only) ONLY=$2; shift 2 ;;
        --only=*) ONLY=${1#*=}; shift ;;
        --sources) SOURCES=$2; shift 2 ;;
        --sources=*) SOURCES=${1#*=}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

case $RUNS in ''|*[!0-9]*|0) echo "run.sh: --runs needs a positive integer" >&2; exit 2 ;; esac

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'run.sh: error: %s\n' "$*" >&2; exit 2; }
has() { case ",$2," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }  # WORD "a,b,c"
among() { case " $2 " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }  # WORD "a b c"

[ -x /usr/bin/time ] || die "/usr/bin/time (GNU time) is needed: apt-get install -y time"
command -v timeout >/dev/null || die "timeout (coreutils) is needed"
command -v cargo >/dev/null || die "cargo is needed"
if [ "$COLD" = 1 ]; then
    [ -w /proc/sys/vm/drop_caches ] || die "--cold needs root (writes /proc/sys/vm/drop_caches)"
fi
if [ "$USE_DIVE" = 1 ] && ! command -v "$DIVE" >/dev/null; then
    log "dive not found (set DIVE=...); running without dive"
    USE_DIVE=0
fi
ENGINE=0
if has engine "$SOURCES"; then
    if "$DOCKER" version --format '{{.Server.Version}}' >/dev/null 2>&1; then
        ENGINE=1
    else
        log "no Docker engine reachable; skipping the engine source"
    fi
fi

mkdir -p "$OUT" "$IMAGES_DIR"
RUNS_DIR=$OUT/runs
rm -rf "$RUNS_DIR"
mkdir -p "$RUNS_DIR"

# --- build -----------------------------------------------------------------

log "building ballast and the image generator (release)"
(cd "$ROOT" && cargo build --release --quiet --bin ballast --example bench_images)
BALLAST=$ROOT/target/release/ballast
GEN=$ROOT/target/release/examples/bench_images

# --- generate --------------------------------------------------------------

# The spec hash covers every path, size, seed and mode of the three images and
# the writer that turns them into bytes.
SPEC=$( { "$GEN" --spec-hash 2>/dev/null; cat "$ROOT"/crates/testimage/src/*.rs | sha256sum | cut -d' ' -f1; } | sha256sum | cut -c1-64)
TAG=${SPEC:0:12}
ALL_IMAGES="big whiteouts layers"
IMAGES=""
for name in $ALL_IMAGES; do
    if has "$name" "$ONLY"; then IMAGES="$IMAGES $name"; fi
done
[ -n "$IMAGES" ] || die "--only selects no image (known: $ALL_IMAGES)"

fresh=1
[ "$(cat "$IMAGES_DIR/SPEC" 2>/dev/null || true)" = "$SPEC" ] || fresh=0
for name in $ALL_IMAGES; do
    [ -f "$IMAGES_DIR/$name.tar" ] || fresh=0
done
if [ "$fresh" = 1 ]; then
    log "archives for spec $TAG are up to date in $IMAGES_DIR"
else
    log "writing the archives for spec $TAG to $IMAGES_DIR"
    rm -f "$IMAGES_DIR"/*.tar "$IMAGES_DIR/SPEC"
    "$GEN" "$IMAGES_DIR" --tag "$TAG"
    echo "$SPEC" > "$IMAGES_DIR/SPEC"
fi

# --- validate: ballast must read every archive --------------------------------

json_num() { # KEY FILE: the first `"KEY": number` in a JSON file
    grep -o "\"$1\": [-0-9.eE+]*" "$2" | head -n1 | sed 's/.*: //'
}

declare -A LAYERS=([big]=10 [whiteouts]=3 [layers]=41)
for name in $IMAGES; do
    v=$OUT/validate-$name.json
    "$BALLAST" -q --json "$v" "$IMAGES_DIR/$name.tar" \
        || die "ballast cannot read $IMAGES_DIR/$name.tar (delete $IMAGES_DIR to regenerate)"
    n=$(grep -c '"diff_id":' "$v")
    [ "$n" = "${LAYERS[$name]}" ] || die "$name.tar: ballast sees $n layers, expected ${LAYERS[$name]}"
    grep -q '"verified": true' "$v" || die "$name.tar: layers not verified against diff_ids"
done
log "archives valid (ballast reads them, diff_ids verified)"

# --- load into the engine -----------------------------------------------------

ref_of() { echo "ballast-bench-$1:$TAG"; }

cleanup() {
    if [ "$ENGINE" = 1 ] && [ "$KEEP" = 0 ]; then
        for name in $IMAGES; do
            "$DOCKER" rmi "$(ref_of "$name")" >/dev/null 2>&1 || true
        done
        log "removed the loaded images (--keep keeps them)"
    fi
}
trap cleanup EXIT

if [ "$ENGINE" = 1 ]; then
    for name in $IMAGES; do
        ref=$(ref_of "$name")
        # Stale tags of earlier specs (left by --keep) would only take disk.
        "$DOCKER" image ls --format '{{.Repository}}:{{.Tag}}' "ballast-bench-$name" \
            | { grep -vx "$ref" || true; } | while read -r old; do
                log "removing stale $old"
                "$DOCKER" rmi "$old" >/dev/null
            done
        if "$DOCKER" image inspect "$ref" >/dev/null 2>&1; then
            log "$ref already loaded"
        else
            log "docker load $name.tar"
            "$DOCKER" load -q -i "$IMAGES_DIR/$name.tar" >/dev/null
            "$DOCKER" image inspect "$ref" >/dev/null || die "docker load did not create $ref"
        fi
    done
fi


# --- measure ------------------------------------------------------------------

# One measured run: TIMEOUT LABEL STDOUT CMD...; appends "label wall_s rss_kb status"
# to $RESULTS. The wall time is taken here (ns clock); the peak RSS is that of
# the command's process tree as GNU time reports it (for `docker save` and the
# engine runs of dive, the daemon's own memory is not included).
RESULTS=$OUT/runs.tsv
: > "$RESULTS"
measure() {
    local limit=$1 label=$2 stdout=$3
    shift 3
    local tf=$RUNS_DIR/$label.$RUN.time err=$RUNS_DIR/$label.$RUN.err
    if [ "$COLD" = 1 ]; then
        sync
        echo 3 > /proc/sys/vm/drop_caches
    fi
    local t0 t1 rc=0
    t0=$(date +%s%N)
    /usr/bin/time -v -o "$tf" timeout "$limit" "$@" > "$stdout" 2> "$err" || rc=$?
    t1=$(date +%s%N)
    local rss wall status=ok
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tf")
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    if [ "$rc" = 124 ]; then
        status=timeout
    elif [ "$rc" != 0 ]; then
        status=exit$rc
    fi
    printf '%s\t%s\t%s\t%s\n' "$label" "$wall" "${rss:-0}" "$status" >> "$RESULTS"
    log "  $label run $RUN: ${wall} s, $(( ${rss:-0} / 1024 )) MB, $status"
}

DIVE_FLAGS=(--ci --lowestEfficiency=disabled --highestUserWastedPercent=disabled --highestWastedBytes=disabled)

# From the engine, ballast reads overlay2 in place when it can (`ballast`,
# read_path "engine-storage") and otherwise streams the export, as `docker save`
# does; `--engine-storage never` forces the export (`ballast-export`), the path
# the "at most 5 % over docker save" target is about.
STORAGE_FLAG=0
"$BALLAST" --help | grep -q -- '--engine-storage' && STORAGE_FLAG=1

# Labels are IMAGE.SOURCE.TOOL.
tools_for() { # SOURCE
    if [ "$1" = engine ] && [ "$STORAGE_FLAG" = 1 ]; then
        echo "ballast ballast-export ballast-export-no-verify"
    else
        echo "ballast ballast-no-verify"
    fi
    if [ -n "${BASELINE:-}" ]; then echo "baseline baseline-no-verify"; fi
    if [ "$USE_DIVE" = 1 ]; then echo dive; fi
    if [ "$1" = engine ]; then echo docker-save; fi
}

run_one() { # IMAGE SOURCE TOOL
    local name=$1 src=$2 tool=$3 label="$1.$2.$3" what
    local so=$RUNS_DIR/$label.$RUN.out
    if [ "$src" = archive ]; then what=$IMAGES_DIR/$name.tar; else what=$(ref_of "$name"); fi
    local srcflag=(--source docker-archive)
    [ "$src" = engine ] && srcflag=(--source docker)
    case $tool in
        ballast)
            measure "$TOOL_TIMEOUT" "$label" "$so" \
                "$BALLAST" -q "${srcflag[@]}" --json "$RUNS_DIR/$label.$RUN.json" "$what" ;;
        ballast-no-verify)
            measure "$TOOL_TIMEOUT" "$label" "$so" \
                "$BALLAST" -q --no-verify "${srcflag[@]}" --json "$RUNS_DIR/$label.$RUN.json" "$what" ;;
        ballast-export)
            measure "$TOOL_TIMEOUT" "$label" "$so" \
                "$BALLAST" -q --engine-storage never "${srcflag[@]}" --json "$RUNS_DIR/$label.$RUN.json" "$what" ;;
        ballast-export-no-verify)
            measure "$TOOL_TIMEOUT" "$label" "$so" \
                "$BALLAST" -q --no-verify --engine-storage never "${srcflag[@]}" --json "$RUNS_DIR/$label.$RUN.json" "$what" ;;
        baseline)
            measure "$TOOL_TIMEOUT" "$label" "$so" \
                "$BASELINE" -q "${srcflag[@]}" --json "$RUNS_DIR/$label.$RUN.json" "$what" ;;
        baseline-no-verify)
            measure "$TOOL_TIMEOUT" "$label" "$so" \
                "$BASELINE" -q --no-verify "${srcflag[@]}" --json "$RUNS_DIR/$label.$RUN.json" "$what" ;;
        dive)
            # From $RUNS_DIR, so that no .dive-ci of the caller is picked up.
            (cd "$RUNS_DIR" && measure "$DIVE_TIMEOUT" "$label" "$so" \
                env CI=true "$DIVE" "${DIVE_FLAGS[@]}" "${srcflag[@]}" "$what") ;;
        docker-save)
            measure "$TOOL_TIMEOUT" "$label" /dev/null "$DOCKER" save "$what" ;;
    esac
}

SRC_LIST=""
has archive "$SOURCES" && SRC_LIST="archive"
[ "$ENGINE" = 1 ] && SRC_LIST="$SRC_LIST engine"
[ -n "$SRC_LIST" ] || die "no source to run (--sources archive,engine)"

for name in $IMAGES; do
    for src in $SRC_LIST; do
        log "$name from $src: $(tools_for "$src" | tr '\n' ' ')x $RUNS"
        for RUN in $(seq 1 "$RUNS"); do
            for tool in $(tools_for "$src"); do
                run_one "$name" "$src" "$tool"
            done
        done
    done
done

# --- report -------------------------------------------------------------------

# median LABEL COLUMN(2=wall, 3=rss): median over the runs that finished.
median() {
    awk -F'\t' -v l="$1" -v c="$2" '$1 == l && $4 == "ok" { print $c }' "$RESULTS" | sort -g \
        | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
failures() { awk -F'\t' -v l="$1" '$1 == l && $4 != "ok" { print $4 }' "$RESULTS" | sort | uniq -c | awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print ""; else printf "%.2f", a / b }'; }

REPORT=$OUT/results.md
{
    echo "## ballast benchmark"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), runs=$RUNS$([ "$COLD" = 1 ] && echo ", cold cache (drop_caches before each run)" || echo ", warm cache")"
    echo "ballast $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'), $("$DIVE" --version 2>/dev/null || echo 'no dive'), docker $("$DOCKER" version --format '{{.Server.Version}}' 2>/dev/null || echo 'n/a'), spec $TAG"
    echo
    echo "| image | source | tool | median wall s | median peak RSS MB | dive wall / wall | RSS / dive RSS | wall / docker save |"
    echo "|---|---|---|---:|---:|---:|---:|---:|"
    for name in $IMAGES; do
        for src in $SRC_LIST; do
            dw=$(median "$name.$src.dive" 2)
            dr=$(median "$name.$src.dive" 3)
            sw=$(median "$name.$src.docker-save" 2)
            for tool in $(tools_for "$src"); do
                l=$name.$src.$tool
                w=$(median "$l" 2)
                r=$(median "$l" 3)
                f=$(failures "$l")
                rmb=$(awk -v r="$r" 'BEGIN { if (r != "") printf "%.0f", r / 1024 }')
                speed=""; mem=""; vs_save=""
                if [ "$tool" != dive ] && [ "$tool" != docker-save ]; then
                    rp=$(grep -o '"read_path": "[a-z-]*"' "$RUNS_DIR/$l.1.json" 2>/dev/null | sed 's/.*: "//; s/"//' || true)
                    vf=$(grep -o '"verified": [a-z]*' "$RUNS_DIR/$l.1.json" 2>/dev/null | sed 's/.*: //' || true)
                    if [ "$vf" = true ]; then rp="$rp, verified"; fi
                    if [ -n "$rp" ]; then tool="$tool ($rp)"; fi
                    s=$(ratio "$dw" "$w"); [ -n "$s" ] && speed="${s}x"
                    mem=$(ratio "$r" "$dr")
                fi
                if [ "$src" = engine ] && [ "$tool" != docker-save ]; then vs_save=$(ratio "$w" "$sw"); fi
                [ -n "$f" ] && w="${w:-–} ($f)"
                echo "| $name | $src | $tool | ${w:-–} | ${rmb:-–} | $speed | $mem | $vs_save |"
            done
        done
    done
    echo
    echo "Tools: \`ballast\` from the engine reads overlay2 in place when it can (read path shown); \`ballast-export\` is \`--engine-storage never\`, the export stream \`docker save\` gives. \"verified\": layers hashed against rootfs.diff_ids."
    echo "RSS of docker-save (and of dive's engine runs) is the client's only: the export itself runs in dockerd."

    # --- targets ---------------------------------------------------------------
    echo
    echo "### Targets"
    echo
    verdict() { # DESCRIPTION VALUE OP LIMIT
        local v
        if [ -z "$2" ]; then v="n/a"; else
            v=$(awk -v x="$2" -v op="$3" -v y="$4" 'BEGIN { ok = (op == ">=") ? (x >= y) : (x <= y); print (ok ? "PASS" : "FAIL") }')
        fi
        echo "- $v: $1: $2 (target $3 $4)"
    }
    if among big "$IMAGES" && among archive "$SRC_LIST" && [ "$USE_DIVE" = 1 ]; then
        dw=$(median big.archive.dive 2); dr=$(median big.archive.dive 3)
        verdict "big, archive: dive wall / ballast wall (verify)" "$(ratio "$dw" "$(median big.archive.ballast 2)")" ">=" 3
        verdict "big, archive: dive wall / ballast wall (--no-verify)" "$(ratio "$dw" "$(median big.archive.ballast-no-verify 2)")" ">=" 5
        verdict "big, archive: ballast peak RSS / dive's (verify)" "$(ratio "$(median big.archive.ballast 3)" "$dr")" "<=" 0.333
        verdict "big, archive: ballast peak RSS / dive's (--no-verify)" "$(ratio "$(median big.archive.ballast-no-verify 3)" "$dr")" "<=" 0.333
    fi
    if among whiteouts "$IMAGES" && [ "$USE_DIVE" = 1 ]; then
        for src in $SRC_LIST; do
            verdict "whiteouts, $src: dive wall / ballast wall" "$(ratio "$(median "whiteouts.$src.dive" 2)" "$(median "whiteouts.$src.ballast" 2)")" ">=" 100
        done
    fi
    if among engine "$SRC_LIST"; then
        for name in $IMAGES; do
            for tool in $(tools_for engine); do
                case $tool in ballast*) ;; *) continue ;; esac
                verdict "$name, engine: $tool wall / docker save wall" "$(ratio "$(median "$name.engine.$tool" 2)" "$(median "$name.engine.docker-save" 2)")" "<=" 1.05
            done
        done
    fi

    # --- agreement with dive ------------------------------------------------------
    if [ "$USE_DIVE" = 1 ]; then
        echo
        echo "### dive-compatible metrics: ballast vs dive"
        echo
        echo "| image | source | ballast efficiency % | dive efficiency % | ballast wastedBytes | dive wastedBytes | agree |"
        echo "|---|---|---:|---:|---:|---:|---|"
        for name in $IMAGES; do
            for src in $SRC_LIST; do
                bj=$RUNS_DIR/$name.$src.ballast.1.json
                do_=$RUNS_DIR/$name.$src.dive.1.out
                [ -s "$bj" ] || bj=""
                [ -s "$do_" ] || do_=""
                be=""; bw=""; de=""; dw=""
                if [ -n "$bj" ]; then
                    be=$(awk -v e="$(json_num efficiency "$bj")" 'BEGIN { printf "%.4f", e * 100 }')
                    bw=$(json_num wasted_bytes "$bj")
                fi
                if [ -n "$do_" ]; then
                    de=$(sed -n 's/.*efficiency: \([0-9.]*\) %.*/\1/p' "$do_" | head -n1)
                    dw=$(sed -n 's/.*wastedBytes: \([0-9]*\) bytes.*/\1/p' "$do_" | head -n1)
                fi
                agree=$(awk -v a="$be" -v b="$de" -v c="$bw" -v d="$dw" 'BEGIN {
                    if (a == "" || b == "" || c == "" || d == "") { print "n/a"; exit }
                    diff = a - b; if (diff < 0) diff = -diff
                    print ((diff <= 0.0001 && c == d) ? "yes" : "NO") }')
                echo "| $name | $src | ${be:-–} | ${de:-–} | ${bw:-–} | ${dw:-–} | $agree |"
            done
        done
    fi
} > "$REPORT"

cat "$REPORT"
log "report: $REPORT; per-run output: $RUNS_DIR"
