#!/usr/bin/env bash
# Run ballast's cargo-fuzz targets one after another and print what they did.
#
#   bench/fuzz.sh [SECONDS] [TARGET...]
#
# SECONDS (default 60) is each target's -max_total_time; TARGETs default to all
# of them (layer manifest manifest_mem dockerfile dockerignore budgets; manifest
# and manifest_mem read the same inputs, from a layout on disk and from memory).
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). One worker per target
# (-jobs=1 -workers=1), -rss_limit_mb=2048, -timeout=10 (a unit slower than
# that is reported as a timeout artifact, i.e. a hang), -detect_leaks=0
# (LeakSanitizer flags glibc's thread-exit record of a worker thread still
# winding down at the check, a report that does not reproduce; a real leak
# still ends at the RSS limit).
#
# The corpus grows in fuzz/corpus/<target>/ (only the seed-* files are
# committed); crashes, timeouts and OOMs land in fuzz/artifacts/<target>/;
# libFuzzer's log is kept in fuzz/logs/<target>.log. The table: target,
# executions, executions per second, artifacts (crash/timeout/oom files) in
# fuzz/artifacts/<target>/ after the run. Minimise one with
#   cargo +nightly fuzz tmin TARGET fuzz/artifacts/TARGET/crash-...
# Exit status 1 when any target has artifacts.
#
# FUZZ_SANITIZER=none builds without AddressSanitizer (cargo fuzz's
# --sanitizer): several times the executions per second for these targets,
# whose code is safe Rust apart from the zstd C library; the default keeps ASan.
set -euo pipefail

cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(layer manifest manifest_mem dockerfile dockerignore budgets)
fi
case $seconds in
    '' | *[!0-9]*) echo "usage: bench/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2 ;;
esac

mkdir -p fuzz/logs
if ! out=$(cargo +nightly fuzz build ${FUZZ_SANITIZER:+--sanitizer "$FUZZ_SANITIZER"} 2>&1); then
    printf '%s\n' "$out" >&2
    exit 2
fi
bin=fuzz/target/x86_64-unknown-linux-gnu/release
rows=()
status=0
for t in "${targets[@]}"; do
    mkdir -p "fuzz/artifacts/$t" "fuzz/corpus/$t"
    log="fuzz/logs/$t.log"
    # With -jobs, libFuzzer writes the worker's output to fuzz-0.log in the
    # working directory: run in fuzz/logs and keep it under the target's name.
    (
        cd fuzz/logs
        rm -f fuzz-0.log
        "../../$bin/$t" "../corpus/$t" -artifact_prefix="../artifacts/$t/" \
            -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
            -jobs=1 -workers=1 -print_final_stats=1 -detect_leaks=0 >/dev/null 2>&1 || true
        mv -f fuzz-0.log "$t.log" 2>/dev/null || true
    )
    execs=$(grep -ao 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    if [ -z "$execs" ]; then
        execs=$(grep -ao '^#[0-9]*' "$log" | tail -1 | tr -d '#' || true)
    fi
    rate=$(grep -ao 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    found=$(find "fuzz/artifacts/$t" -type f | wc -l)
    [ "$found" -eq 0 ] || status=1
    rows+=("$(printf '%-13s %12s %10s %9s' "$t" "${execs:-?}" "${rate:-?}" "$found")")
done
printf '%-13s %12s %10s %9s\n' target executions execs/s artifacts
printf '%s\n' "${rows[@]}"
exit $status
