#!/usr/bin/env bash
# Sets everything up, puts the demo model in Hearth's models directory and opens the window.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
"$repo/scripts/setup.sh"
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hearth/target}"
cache="${HEARTH_CACHE:-$repo/.cache}"

home="${HEARTH_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/hearth}"
mkdir -p "$home/models"
demo="$home/models/SmolLM2-135M-Instruct.Q4_1.gguf"
[ -e "$demo" ] || cp "$cache/models/SmolLM2-135M-Instruct.Q4_1.gguf" "$demo"
# The demo model that comes with the app, for its first-run offer (e.g. after the user removed it).
export HEARTH_DEMO_MODEL="$cache/models/SmolLM2-135M-Instruct.Q4_1.gguf"

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display: running under Xvfb (xvfb-run). On a desktop, run $CARGO_TARGET_DIR/debug/hearth-app directly."
  exec xvfb-run -a -s "-screen 0 1280x800x24" "$CARGO_TARGET_DIR/debug/hearth-app"
fi
exec "$CARGO_TARGET_DIR/debug/hearth-app"
