#!/usr/bin/env bash
# The GitHub Action's step (action.yml): runs `ballast IMAGE --ci --format
# github`, which prints workflow annotations (::error / ::warning) and appends
# the markdown report to $GITHUB_STEP_SUMMARY; writes the outputs (verdict,
# report, json) to $GITHUB_OUTPUT; exits 1 when a budget fails, 2 on an error.
# Inputs come as INPUT_* variables (action.yml maps them); runnable locally
# with a fake GITHUB_* environment (tests/action.rs does).
set -euo pipefail

image=${INPUT_IMAGE:?the action needs an image}
out=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/ballast-$$
mkdir -p "$out"

ballast=${INPUT_BALLAST:-}
if [ -z "$ballast" ]; then
  if command -v ballast >/dev/null; then
    ballast=ballast
  else
    echo "::group::build ballast (cargo install)"
    cargo install --locked --quiet --path "${GITHUB_ACTION_PATH:?}" --root "$out/install"
    echo "::endgroup::"
    ballast=$out/install/bin/ballast
  fi
fi

args=(--ci --format github --quiet --markdown "$out/report.md" --json "$out/analysis.json")
[ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")
[ -n "${INPUT_DOCKERFILE:-}" ] && args+=(--dockerfile "$INPUT_DOCKERFILE")
if [ -n "${INPUT_ARGS:-}" ]; then
  read -r -a extra <<<"$INPUT_ARGS"
  args+=("${extra[@]}")
fi

status=0
"$ballast" "$image" "${args[@]}" || status=$?

case $status in
  0) verdict=pass ;;
  1) verdict=fail ;;
  *) echo "::error title=ballast::ballast failed (exit $status); see the log above"; exit "$status" ;;
esac
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "verdict=$verdict"
    echo "report=$out/report.md"
    echo "json=$out/analysis.json"
  } >>"$GITHUB_OUTPUT"
fi
exit "$status"
