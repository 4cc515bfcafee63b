#!/usr/bin/env bash
# Hearth's remote-engine client against llama.cpp's own llama-server, built from the llama.cpp
# source that llama-cpp-sys-2 vendors (bench/build-llama-bench.sh llama-server; cached, about
# 20 minutes on 2 cores the first time), on loopback with the demo model.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
HEARTH_LLAMA_SERVER="$(bench/build-llama-bench.sh llama-server)"
export HEARTH_LLAMA_SERVER
# The rust layer's own build (every test target of the workspace: the same features, so nothing is
# built again; naming one test target would unify other features and rebuild llama.cpp), with
# only this ignored test run.
out="$(mktemp)"
cargo test --workspace -- --ignored --test-threads=1 llama_server_ 2>&1 | tee "$out"
# A filter that matches nothing would pass silently: each test must have run and passed.
for test in llama_server_lists_streams_stops_refuses_and_dies_cleanly llama_server_renders_gpt_oss_as_hearth_does; do
  grep -q "^test $test ... ok" "$out" || { echo "$test did not run and pass"; exit 1; }
done
