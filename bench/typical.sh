#!/usr/bin/env bash
# The "typical" image benchmarks (issue 14): an ordinary large image without
# dive's whiteout cliff, from the archive, the engine and a loopback registry,
# cold and with a warm layer cache. Prints each row with its ratio.
#
#   bench/typical.sh [--runs N] [--only a,b,c,d] [--help]
#
#   a  ballast vs dive 0.13.1 on typical.tar: wall (hyperfine median) and peak
#      RSS (/usr/bin/time -v), verified and --no-verify, no layer cache
#   b  from a docker-registry on 127.0.0.1 (gzip layers, pushed by skopeo):
#      ballast --source registry --no-cache vs `skopeo copy` of the same image
#      to an OCI directory, and vs that copy followed by ballast on it
#   c  warm cache vs cold (--cache-dir emptied before each cold run), from
#      the archive, the engine's export (--engine-storage never) and the
#      engine's storage read in place; warm, the image cache holds the whole
#      analysis; "layers only" drops it before each run (the layer cache alone)
#   d  ballast-typical:2, which differs from :1 only in its top layer, with
#      the cache warm from :1 (archive and registry), vs cold
#
# The image is made by bench/typical/make.sh (run first if missing; see there
# for what it holds). BALLAST (default target/release/ballast, built if
# missing), DIVE (default dive), RUNS (default 5), EXPORT_RUNS (for the
# engine export rows, default 2). The machine's load
# (uptime) is printed before each section: say it next to the numbers.
# Results also go to bench/out/typical/results.md.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/bench/out/typical
RUNS=${RUNS:-5}
EXPORT_RUNS=${EXPORT_RUNS:-2}
ONLY=a,b,c,d
while [ $# -gt 0 ]; do
    case $1 in
        --runs) RUNS=$2; shift 2 ;;
        --only) ONLY=$2; shift 2 ;;
        -h|--help) sed -n '2,/^$/{s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) echo "typical.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
has() { case ",$ONLY," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
log() { printf '[typical %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

BALLAST=${BALLAST:-$ROOT/target/release/ballast}
DIVE=${DIVE:-dive}
[ -x "$BALLAST" ] || (cd "$ROOT" && cargo build --release --quiet)
for tool in hyperfine skopeo docker-registry "$DIVE" /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "typical.sh: '$tool' is needed" >&2; exit 2; }
done
TAR=$OUT/typical.tar
TAR2=$OUT/typical2.tar
images() {
    local t=ballast-typical:1
    has d && t="$t ballast-typical:2"
    # shellcheck disable=SC2086
    docker image inspect $t >/dev/null 2>&1
}
if [ ! -s "$TAR" ] || { has d && [ ! -s "$TAR2" ]; } || { [ "$ONLY" != a ] && ! images; }; then
    "$ROOT/bench/typical/make.sh"
fi
WORK=$(mktemp -d /tmp/ballast-typical.XXXXXX)
REG_PID=
cleanup() { [ -n "$REG_PID" ] && kill "$REG_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
RESULTS=$OUT/results.md
: > "$RESULTS"
say() { printf '%s\n' "$*" | tee -a "$RESULTS"; }

# hyperfine NAME COMMAND...: RUNS runs (PREPARE, when set, before each),
# kept as JSON for `med`.
hf() {
    local name=$1
    shift
    local warm=(-w 1)
    [ "$RUNS" -le 2 ] && warm=()
    local prep=()
    [ -n "${PREPARE:-}" ] && prep=(--prepare "$PREPARE")
    hyperfine -N -r "$RUNS" "${warm[@]}" "${prep[@]}" --export-json "$WORK/$name.json" "$@" >&2
}
med() { python3 -c "import json,sys; print('%.3f' % json.load(open(sys.argv[1]))['results'][int(sys.argv[2])]['median'])" "$WORK/$1.json" "${2:-0}"; }
rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p' | awk '{ printf "%d", $1 / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
load() { say "load: $(uptime | sed 's/.*load average/load average/')"; }

B=("$BALLAST" -q --json /dev/null)
say "# typical image: $(du -h "$TAR" | cut -f1), $("$BALLAST" -q --no-cache --json - "$TAR" | python3 -c 'import json,sys; a=json.load(sys.stdin); i=a["image"]; print(len(i["layers"]), "layers,", sum(l["files"] for l in i["layers"]), "entries,", sum(l["changes"]["removed"] for l in i["layers"]), "removed paths")')"
say "ballast $(git -C "$ROOT" describe --always --dirty), $("$DIVE" --version), $(nproc) cores, runs $RUNS"

if has a; then
    load
    (cd "$WORK" && hf a \
        "${B[*]} --no-cache $TAR" \
        "${B[*]} --no-cache --no-verify $TAR" \
        "env CI=true $DIVE --ci --lowestEfficiency=disabled --highestUserWastedPercent=disabled --highestWastedBytes=disabled --source docker-archive $TAR")
    v=$(med a 0) n=$(med a 1) d=$(med a 2)
    rv=$(rss "${B[@]}" --no-cache "$TAR") rn=$(rss "${B[@]}" --no-cache --no-verify "$TAR")
    rd=$(cd "$WORK" && CI=true rss "$DIVE" --ci --lowestEfficiency=disabled --highestUserWastedPercent=disabled --highestWastedBytes=disabled --source docker-archive "$TAR")
    say "| (a) archive, cold | ballast $v s / $rv MB | --no-verify $n s / $rn MB | dive $d s / $rd MB | dive/ballast $(ratio "$d" "$v")x ($(ratio "$d" "$n")x --no-verify), RSS $(ratio "$rv" "$rd") of dive's |"
fi

if has b || has d; then
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    HOST=127.0.0.1:$PORT
    printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' \
        "$WORK/registry" "$HOST" > "$WORK/registry.yml"
    docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 &
    REG_PID=$!
    for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
    log "pushing ballast-typical:1 and :2 to $HOST (gzip)"
    tags=1
    has d && tags="1 2"
    for v in $tags; do
        skopeo copy --quiet --dest-tls-verify=false "docker-daemon:ballast-typical:$v" "docker://$HOST/typical:$v"
    done
    R=("$BALLAST" -q --json /dev/null --source registry --insecure-registry "$HOST")
fi

if has b; then
    load
    COPY="skopeo copy --quiet --src-tls-verify=false docker://$HOST/typical:1 oci:$WORK/copy:1"
    PREPARE="rm -rf $WORK/copy" hf b \
        "$COPY" \
        "${R[*]} --no-cache $HOST/typical:1" \
        "sh -c '$COPY && ${B[*]} --no-cache $WORK/copy'"
    s=$(med b 0) r=$(med b 1) sr=$(med b 2)
    rr=$(rss "${R[@]}" --no-cache "$HOST/typical:1")
    say "| (b) loopback registry, cold | skopeo copy $s s | ballast --source registry $r s / $rr MB | skopeo copy + ballast $sr s | ballast/skopeo $(ratio "$r" "$s")x, (skopeo+ballast)/ballast $(ratio "$sr" "$r")x |"
fi

if has c; then
    load
    C=$WORK/cache
    PREPARE="rm -rf $C" hf c-cold-archive "${B[*]} --cache-dir $C $TAR"
    hf c-warm-archive "${B[*]} --cache-dir $C $TAR"
    # The export alone takes as long as `docker save`: fewer runs.
    RUNS=$EXPORT_RUNS PREPARE="rm -rf $C" hf c-cold-export "${B[*]} --cache-dir $C --engine-storage never ballast-typical:1"
    RUNS=$EXPORT_RUNS hf c-warm-export "${B[*]} --cache-dir $C --engine-storage never ballast-typical:1"
    PREPARE="rm -rf $C/images" hf c-layers-archive "${B[*]} --cache-dir $C $TAR"
    PREPARE="rm -rf $C" hf c-cold-storage "${B[*]} --cache-dir $C ballast-typical:1"
    hf c-warm-storage "${B[*]} --cache-dir $C ballast-typical:1"
    ca=$(med c-cold-archive) wa=$(med c-warm-archive) la=$(med c-layers-archive) ce=$(med c-cold-export) we=$(med c-warm-export)
    cs=$(med c-cold-storage) ws=$(med c-warm-storage)
    say "| (c) warm cache, archive | cold $ca s | warm $wa s | $(ratio "$ca" "$wa")x (layers only: $la s, $(ratio "$ca" "$la")x) |"
    say "| (c) warm cache, engine export | cold $ce s | warm $we s | $(ratio "$ce" "$we")x |"
    say "| (c) warm cache, engine storage | cold $cs s | warm $ws s | $(ratio "$cs" "$ws")x |"
fi

if has d; then
    load
    C=$WORK/cache-d
    rm -rf "$C"
    "${B[@]}" --cache-dir "$C" "$TAR"
    PREPARE="rm -rf $C-2" hf d-cold-archive "${B[*]} --cache-dir $C-2 $TAR2"
    PREPARE="sh -c 'rm -rf $C-2 && cp -a $C $C-2'" hf d-top-archive "${B[*]} --cache-dir $C-2 $TAR2"
    PREPARE="rm -rf $C-2" hf d-cold-registry "${R[*]} --cache-dir $C-2 $HOST/typical:2"
    PREPARE="sh -c 'rm -rf $C-2 && cp -a $C $C-2'" hf d-top-registry "${R[*]} --cache-dir $C-2 $HOST/typical:2"
    hf d-warm-archive "${B[*]} --cache-dir $C $TAR"
    ca=$(med d-cold-archive) ta=$(med d-top-archive) cr=$(med d-cold-registry) tr=$(med d-top-registry) wa=$(med d-warm-archive)
    say "| (d) top layer changed, archive | cold $ca s | cache warm from :1 $ta s | $(ratio "$ca" "$ta")x (all layers cached: $wa s) |"
    say "| (d) top layer changed, registry | cold $cr s | cache warm from :1 $tr s | $(ratio "$cr" "$tr")x |"
fi
load
