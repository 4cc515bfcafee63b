#!/usr/bin/env bash
# Sets everything up and runs every test layer: Rust (unit, integration with the real model,
# IPC bindings freshness), the OpenAI API with the `openai` Python client, UI components (Vitest), UI flows (Playwright, IPC mocked), and the
# real window end to end (tauri-driver under Xvfb). Prints a summary; non-zero if any failed.
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
"$repo/scripts/setup.sh" || exit 1
# Test models no one can download here (a split model, tiny gpt-oss), written with gguf-py.
"$repo/scripts/fixtures.sh" || exit 1
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hearth/target}"
export HEARTH_TEST_MODEL="${HEARTH_TEST_MODEL:-${HEARTH_CACHE:-$repo/.cache}/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
export HEARTH_FIXTURES="${HEARTH_FIXTURES:-${HEARTH_CACHE:-$repo/.cache}/fixtures}"
export PATH="$HOME/.cargo/bin:$PATH"

declare -A result
# Each layer runs under a time limit in its own process group, its output going through a file:
# a process a failed layer leaves behind (an app window, an engine) must neither hold CI's
# output pipe open nor outlive the layer. (A real-window failure once left the app running and
# CI waited on its pipe until the 90-minute limit.)
logs="$(mktemp -d)"
run_layer() { # name minutes command...
  local name=$1 minutes=$2; shift 2
  echo; echo "==== $name ===="
  : >"$logs/$name" # exists before tail opens it (tail once lost that race and showed nothing)
  timeout -k 30 "${minutes}m" "$@" >"$logs/$name" 2>&1 </dev/null &
  local pid=$!
  tail -n +1 -f --pid="$pid" "$logs/$name"
  wait "$pid"; local rc=$?
  kill -KILL -- "-$pid" 2>/dev/null # timeout made the layer its own process group
  [ "$rc" = 124 ] && echo "$name: stopped after $minutes minutes"
  if [ "$rc" = 0 ]; then result[$name]=passed; else result[$name]=FAILED; fi
}

# Rust: one test thread, because the engine tests each run llama.cpp on these cores.
run_layer rust 40 cargo test --workspace --no-fail-fast -- --test-threads=1
# Hearth's OpenAI-compatible API driven by the real `openai` Python client (uses the `hearth`
# binary the rust layer built).
run_layer api-clients 10 scripts/api-clients-test.sh
# Our remote-engine client against llama.cpp's own llama-server (built once from the vendored
# llama.cpp, about 20 minutes on 2 cores, cached outside the clone).
run_layer llama-server 35 scripts/llama-server-test.sh
# The Hugging Face token in a real OS keyring (GNOME Keyring in a private D-Bus session).
run_layer keyring 10 scripts/keyring-test.sh
# The engine on Vulkan (Mesa's lavapipe), built as the package ships it: release, ggml's backends
# as libraries loaded at run time, in its own target folder (cached outside the clone; the package
# layer below builds on the same llama.cpp).
run_layer vulkan 30 scripts/vulkan-test.sh
run_layer rust-lints 30 scripts/lint.sh
run_layer ui-components 10 bash -c "cd ui && npx vitest run"
run_layer ui-types 10 bash -c "cd ui && npx svelte-check --tsconfig ./tsconfig.json --threshold error"
run_layer ui-flows 15 bash -c "cd ui && npx vite build --config vite.flows.config.ts --logLevel warn && npx playwright test"
if ! command -v tauri-driver >/dev/null; then
  cargo install tauri-driver --version ^2 --locked
fi
# The parity harness against llama.cpp's own llama-bench, in its short mode (builds llama-bench
# once, about 8 minutes on 2 cores, cached outside the clone): it must keep running; its figures
# are printed, not judged, on a shared CI machine.
run_layer parity 30 python3 bench/parity.py --short
run_layer real-window 15 env HEARTH_APP="$CARGO_TARGET_DIR/debug/hearth-app" \
  xvfb-run -a -s "-screen 0 1280x800x24" node --test --test-reporter=spec tests/e2e/
# The package, not the tree: the .deb built (on the Vulkan layer's llama.cpp), unpacked into a
# throwaway root and checked from the installed files only, the installed app included.
run_layer package 40 scripts/package-test.sh

# The summary of the layers, in TAP (each layer's own runner printed its details above).
echo; echo "==== summary ===="
layers=(rust api-clients llama-server keyring vulkan rust-lints ui-components ui-types ui-flows parity real-window package)
echo "TAP version 13"
echo "1..${#layers[@]}"
status=0 n=0 pass=0
for layer in "${layers[@]}"; do
  n=$((n + 1))
  if [ "${result[$layer]:-}" = passed ]; then
    echo "ok $n - $layer"; pass=$((pass + 1))
  else
    echo "not ok $n - $layer"; status=1
  fi
done
echo "# tests ${#layers[@]}"
echo "# pass $pass"
echo "# fail $(( ${#layers[@]} - pass ))"
exit $status
