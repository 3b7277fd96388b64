#!/usr/bin/env bash
# Makes docs/tui.svg, the README's picture of the TUI: runs `ballast
# fixtures/demo.tar` in a detached 120x34 tmux session of its own, follows the
# first finding (the download cache layer 2 adds and layer 3 deletes) into
# the tree, captures the screen with its
# colours (`tmux capture-pane -e`) and turns the ANSI text into an SVG
# (ansi2svg.py). Deterministic for a given build; needs tmux and python3.
#
#   docs/screenshot/make.sh [BALLAST]     # default: target/release/ballast
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-target/release/ballast}
[ -x "$bin" ] || { echo "make.sh: no ballast at $bin (cargo build --release)" >&2; exit 2; }
sock=$(mktemp -d)/tmux
tmux_() { tmux -S "$sock" "$@"; }
trap 'tmux_ kill-server 2>/dev/null || true; rm -rf "$(dirname "$sock")"' EXIT
tmux_ -f /dev/null new-session -d -x 120 -y 34 \
  "env TERM=xterm-256color NO_COLOR= XDG_CACHE_HOME=$(dirname "$sock")/cache $bin fixtures/demo.tar"
# Wait until the analysis is on screen (the findings pane has its rows).
for _ in $(seq 1 100); do
  tmux_ capture-pane -p | grep -q 'deleted-later' && break
  sleep 0.1
done
# Findings pane, the first finding, Enter: layer 2 and its path in the tree.
for key in 3 j Enter; do
  tmux_ send-keys "$key"
  sleep 0.4
done
tmux_ capture-pane -p -e >"$(dirname "$sock")/screen.ansi"
tmux_ send-keys q
python3 docs/screenshot/ansi2svg.py <"$(dirname "$sock")/screen.ansi" >docs/tui.svg
echo "wrote docs/tui.svg"
